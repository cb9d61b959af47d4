# Firmware builds from a MicroPython checkout. Run by scripts/firmware.sh (the interface; see there and
# the "Firmware" section of boards/README.md) as `make -f mk/firmware.mk -k -jN`, with these variables
# in the environment (not on the command line: command-line variables would reach MicroPython's make):
#   FW_OUT         results/firmware (absolute): one folder per build, FW_OUT/<BUILD>/
#   FW_MPY_DIR     the MicroPython checkout (absolute)
#   FW_SPECS       one word per build: BUILD|PORT|BOARD|VARIANT|EXT|FILE (VARIANT "-" for the default
#                  build; FILE is the firmware inside ports/PORT/ after the build)
#   FW_SOURCE_KEY  the checkout's source key (scripts/firmware-id.sh key)
#   FW_SCRIPTS     the scripts/ folder; FW_QUIET=1 drops the progress lines
# Per build: source.id (rewritten only when the key changes) -> firmware.EXT (MicroPython's make, its
# output in build.log) -> firmware.id. Each BUILD is one target however many boards use it, so make -j
# never runs two builds of one folder.

.DELETE_ON_ERROR:
.SUFFIXES:
MAKEFLAGS += --no-builtin-rules
.DEFAULT_GOAL := fw-all

fw_field = $(word $2,$(subst |, ,$1))
fw_say = $(if $(FW_QUIET),:,echo >&2)

# fw_rules BUILD PORT BOARD VARIANT EXT FILE
define fw_rules
$(FW_OUT)/$1/source.id: fw-force
	@mkdir -p $$(@D)
	@bash '$(FW_SCRIPTS)/firmware-id.sh' stamp $$@ "$$$$FW_SOURCE_KEY"

# the new file replaces the old one only after a good build: a failed build leaves none
$(FW_OUT)/$1/firmware.$5: $(FW_OUT)/$1/source.id
	@rm -f $$@ $$@.tmp $(FW_OUT)/$1/firmware.id
	@$(fw_say) 'firmware: building $1 (ports/$2)'
	@t0=$$$$(date +%s); \
	if $$(MAKE) -C '$(FW_MPY_DIR)/ports/$2' BOARD=$3 $(if $(filter-out -,$4),BOARD_VARIANT=$4) \
			>$(FW_OUT)/$1/build.log 2>&1; then \
		if [ -s '$(FW_MPY_DIR)/ports/$2/$6' ]; then \
			cp '$(FW_MPY_DIR)/ports/$2/$6' $$@.tmp && mv -f $$@.tmp $$@; \
		else \
			echo "firmware: the build made no (or an empty) ports/$2/$6" >>$(FW_OUT)/$1/build.log; \
		fi; \
	fi; \
	t=$$$$(( $$$$(date +%s) - t0 )); \
	if [ -f $$@ ]; then $(fw_say) "firmware: built $1 in $$$$t s"; \
	else $(fw_say) "firmware: build of $1 failed after $$$$t s"; exit 1; fi

$(FW_OUT)/$1/firmware.id: $(FW_OUT)/$1/firmware.$5
	@bash '$(FW_SCRIPTS)/firmware-id.sh' id $1 '$(FW_MPY_DIR)' '$(dir $(FW_MPY_DIR)/ports/$2/$6)' $$@

fw-$1: $(FW_OUT)/$1/firmware.id
.PHONY: fw-$1
endef

$(foreach s,$(FW_SPECS),$(eval $(call fw_rules,$(call fw_field,$s,1),$(call fw_field,$s,2),$(call fw_field,$s,3),$(call fw_field,$s,4),$(call fw_field,$s,5),$(call fw_field,$s,6))))

fw-all: $(foreach s,$(FW_SPECS),fw-$(call fw_field,$s,1))
fw-force:
.PHONY: fw-all fw-force
