# `make test`: run the tests on the boards of a run; see scripts/testrun.sh for the variables.
#   make -j4 test TESTBED=virtual VBOARDS=4     virtual boards, started and stopped by the run
#   make test PORT=/dev/ttyACM0                 a board already flashed
#   make test ... MPY_DIR=~/micropython TESTS='basics/ extmod/json*.py'
#   make retest ...                             forget the results of the selection, then test
#   make report RUN=virtual                     the reports again, from the result files
#   make -j4 test TESTBED=<bench> FIRMWARE_DIR=fw  flash the DUTs whose firmware differs, then test
#   make flash TESTBED=<bench> BOARD=RPI_PICO [TENTACLE=2731] [FLASH=force] [FIRMWARE_DIR=|MPY_DIR=]

TESTBED      ?=
PORT         ?=
PORTS        ?=
MPY_DIR      ?=
TESTS        ?=
RUN          ?= $(if $(TESTBED),$(TESTBED),ports)
FLASH        ?=
FIRMWARE_DIR ?=
BOARD        ?=
TENTACLE     ?=
VARIANT      ?=
# the tools a run uses (tests put stand-ins here)
TB_BIN       ?= build/bin

export PORT PORTS TESTBED VBOARDS VBOARD_TYPE VBOARD_ARGS MPY_DIR MPY_CROSS TESTS EMIT RUN V
GROUPS       ?=
# GROUPS reaches the driver as TB_GROUPS: bash keeps a variable GROUPS of its own
export FLASH FIRMWARE_DIR BOARD TENTACLE VARIANT MULTI_REF MULTI_DIR BOARD_FEATURES SANDBOX COUNT FLAKY_LIST
export TB_GROUPS = $(GROUPS)

.PHONY: test retest report demo flash
test: setup-quiet tools
	+$(Q)BIN=$(TB_BIN) bash scripts/testrun.sh

# flash the DUTs of a bench (BOARD=, TENTACLE= select them), all at once; only those whose firmware
# differs unless FLASH=force
flash: tools
	+$(Q)BIN=$(TB_BIN) TESTRUN_ONLY=flash FLASH=$(or $(FLASH),auto) bash scripts/testrun.sh

# MPY_DIR's mpy-cross, for the groups that compile the tests on the host (VIA_MPY, NATIVE); its own
# make decides what to rebuild. A failed build is reported; the run then skips those groups.
ifneq ($(and $(MPY_DIR),$(filter VIA_MPY NATIVE,$(subst $(comma), ,$(GROUPS)))),)
test: mpy-cross
endif
comma := ,
.PHONY: mpy-cross
mpy-cross:
	@mkdir -p results
	+$(Q)if [ ! -d '$(MPY_DIR)/mpy-cross' ]; then \
		echo "mpy-cross: MPY_DIR='$(MPY_DIR)' has no mpy-cross/ folder" >&2; \
	elif ! $(MAKE) -C '$(MPY_DIR)/mpy-cross' >results/mpy-cross.log 2>&1; then \
		echo "mpy-cross: the build failed (results/mpy-cross.log)" >&2; \
	fi

# forget the results of the selected tests (all of the run without TESTS) on every board
retest:
	$(Q)sh scripts/forget.sh 'results/$(RUN)' $(TESTS)
	+$(Q)$(MAKE) --no-print-directory test

report:
	$(Q)sh scripts/report.sh 'results/$(RUN)'

# the regression view of results/RUN against an older run: BASE is its folder or its name under results/
BASE ?=
.PHONY: compare
compare:
	$(Q)base='$(BASE)'; \
	if [ -z "$$base" ]; then \
		echo "compare: give BASE=<folder of the older run, or its name under results/>" >&2; exit 2; \
	fi; \
	[ -d "$$base" ] || [ ! -d "results/$$base" ] || base="results/$$base"; \
	if [ ! -d "$$base" ]; then \
		echo "compare: BASE='$$base' is neither a folder nor a run under results/" >&2; exit 2; \
	fi; \
	sh scripts/compare.sh "$$base" 'results/$(RUN)'

# the corpus on VBOARDS virtual boards (default 2); some corpus tests fail on purpose
# (tests/corpus/manifest.tsv says which), so failed tests (status 1) are not an error here: only a run
# that could not test is
demo: setup-quiet tools
	+$(Q)MICROPY_TEST_TIMEOUT=$${MICROPY_TEST_TIMEOUT:-10} BIN=build/bin TESTBED=virtual VBOARDS=$(VBOARDS) RUN=demo PORT= PORTS= bash scripts/testrun.sh || [ $$? = 1 ]
	@echo 'demo: the corpus fails some tests on purpose (see tests/corpus/manifest.tsv); results are in results/demo/,'
	@echo 'demo: the page for a browser: results/demo/report.html'
