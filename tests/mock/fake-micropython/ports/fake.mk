# Shared by the fake ports' Makefiles: FW_EXT is the port's firmware file type.
BOARD ?= NO_BOARD
ifneq ($(BOARD_VARIANT),)
BUILD ?= build-$(BOARD)-$(BOARD_VARIANT)
NAME := $(BOARD)-$(BOARD_VARIANT)
else
BUILD ?= build-$(BOARD)
NAME := $(BOARD)
endif

all:
	@mkdir -p $(BUILD)/genhdr
	@echo "fake build of $(NAME) in ports/$(notdir $(CURDIR))"
	@echo $(NAME) >>$(BUILD)/build-count
	@sleep $${FAKE_MPY_SLEEP:-0}
	@case " $${FAKE_MPY_FAIL:-} " in *" $(NAME) "* | *" all "*) \
		echo "error: told to fail (FAKE_MPY_FAIL)"; rm -f $(BUILD)/firmware.$(FW_EXT); exit 1 ;; esac
	@tag=$$(git describe --always --dirty --tags); \
	printf '#define MICROPY_GIT_TAG "%s"\n#define MICROPY_BUILD_DATE "%s"\n' "$$tag" "$$(date +%Y-%m-%d)" \
		>$(BUILD)/genhdr/mpversion.h; \
	printf 'fake firmware %s %s\n' "$(NAME)" "$$tag" >$(BUILD)/firmware.$(FW_EXT)

.PHONY: all
