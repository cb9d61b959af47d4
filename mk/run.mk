# The rules of one test run. Included by results/<run>/run.mk, which scripts/testrun.sh writes with
# the run's variables: TOP BIN TD RD BOARDS PORT_<board> SELECTION_<board> (the board's tests: folders,
# files or globs, behind via-mpy:, native: or natmod: for those groups (scripts/gen-board-mk.sh); empty:
# none of its own, e.g. a run of multi-board tests only), MPY_CROSS (the compiler of VIA_MPY and NATIVE)
# and MPY_CROSS_DEP (its file, when a rebuilt one should rerun their tests), NATMOD_DIR (MicroPython's
# examples/natmod), and for the multi-board tests PAIRS ("A+B": A plays instance0, B instance1),
# PAIR_SRC_<pair> (where its tests are, see scripts/gen-pair-mk.sh), MTD (the folder
# of group MULTI).
#
# Files of a board <b> under $(RD)/<b>/:
#   board.id              firmware identity (rewritten by testrun.sh only when it changes)
#   target.json           what the board supports (mp-runtest --probe), remade when board.id changes
#   timeline.jsonl        when this run brought the board up, probed it, recovered it (scripts/timeline.sh)
#   tests.mk              the board's tests after the skip rules, remade when target.json or the
#                         candidate tests change
#   <test>.json           the result of a test (any verdict); VIA_MPY/<test>.json, NATIVE/<test>.json and
#                         NATMODTESTS/<test>.json for those groups (each with its own failed/)
#   <test>.ok             exists exactly when the test passed or was skipped: the make target, so a
#                         failed test is run again next time and a passed one is not
#   failed/<name>.out|exp as run-tests.py writes them for failures
# A board's tests run one after another (a chain of order-only prerequisites); boards run in
# parallel. A test reruns when its file, its expected output, the board's firmware or the verdict
# rules (mp-runtest --version) change; a rebuilt mp-runtest alone does not rerun anything.

.DELETE_ON_ERROR:
.SUFFIXES:
MAKEFLAGS += --no-builtin-rules
.SECONDEXPANSION:

V ?=
ifeq ($(V),1)
Q :=
else
Q := @
endif

PAIRS ?=
COUNT ?= 1
FLAKY_LIST ?=
MPY_CROSS ?= mpy-cross
MPY_CROSS_DEP ?=
NATMOD_DIR ?=
# an instance of a multi-board test silent this long = timeout (seconds)
MULTI_IDLE_TIMEOUT ?= 10
# the boards with tests of their own
SINGLE := $(foreach b,$(BOARDS),$(if $(strip $(SELECTION_$(b))),$(b)))

.PHONY: all $(BOARDS:%=board-%) $(PAIRS:%=pair-%)
all: $(BOARDS:%=board-%) $(PAIRS:%=pair-%)

# shell: bring board $(1) back with its recover command (none: wait a second), holding the board's lock
# (every tool that talks to the board holds it too: no other test of the run meets the power cycle);
# its port file gets the port the command printed last (a power-cycled DUT may come back on another tty)
RECOVER_BOARD = p=$$( flock '$(RD)/$(1)/board.lock' $(or $(RECOVER_$(1)),sleep 1) | grep '^/' | tail -n 1 ); \
	[ -z "$$p" ] || printf '%s\n' "$$p" >'$(RD)/$(1)/port'

# the firmware's answers to the feature checks; a probe that fails (the board hung, went away) is tried
# again after the board's recover command, up to 3 times
$(BOARDS:%=$(RD)/%/target.json): $(RD)/%/target.json: $(RD)/%/board.id
	$(Q)for a in 1 2 3; do \
		sh $(TOP)/scripts/timeline.sh '$(RD)/$*/timeline.jsonl' probe \
			$(BIN)/mp-runtest --port-file '$(RD)/$*/port' --board-lock '$(RD)/$*/board.lock' --board '$*' \
				--tests-dir '$(TD)' --probe --result '$@' -q && exit 0; \
		[ $$a = 3 ] || { echo "$*: the probe failed: bringing the board back, try $$((a + 1)) of 3" >&2; \
			$(call RECOVER_BOARD,$*); }; \
	done; exit 3

# the board's list of tests, after the skip rules
$(SINGLE:%=$(RD)/%/tests.mk): $(RD)/%/tests.mk: $(RD)/%/target.json $(RD)/candidates.txt $(TOP)/scripts/select-tests.sh \
		$(TOP)/scripts/gen-board-mk.sh
	$(Q)sh $(TOP)/scripts/gen-board-mk.sh '$*' '$(TD)' '$(RD)' $(SELECTION_$*) >'$@.tmp' && mv '$@.tmp' '$@'

# a pair's list of multi-board tests
$(PAIRS:%=$(RD)/%/tests.mk): $(RD)/%/tests.mk: $(RD)/candidates.txt $(TOP)/scripts/gen-pair-mk.sh
	@mkdir -p '$(@D)'
	$(Q)sh $(TOP)/scripts/gen-pair-mk.sh '$*' '$(RD)' $(PAIR_SRC_$*) >'$@.tmp' && mv '$@.tmp' '$@'

# expected output, once per test for every board: the .exp file, else CPython's output. A test
# whose expected output cannot be made still gets a file, so that its board's chain goes on; the
# test then fails with the reason in its diff.
$(RD)/exp/%.exp: $(TD)/% $$(wildcard $(TD)/$$*.exp $(TD)/$$*.bytecode.exp)
	@mkdir -p '$(@D)'
	$(Q)$(BIN)/mp-exp '$<' '$@' || printf 'CPYTHON3 CRASH:\nno expected output: mp-exp failed\n' >'$@'
# the native emitter's (NATIVE): TEST.py.native.exp first
$(RD)/exp-native/%.exp: $(TD)/% $$(wildcard $(TD)/$$*.exp $(TD)/$$*.native.exp)
	@mkdir -p '$(@D)'
	$(Q)$(BIN)/mp-exp --emit native '$<' '$@' || printf 'CPYTHON3 CRASH:\nno expected output: mp-exp failed\n' >'$@'

# what every test of board $(1) is run with: its port (a file: a power-cycled DUT may come back on
# another tty), the board's lock (held by the test, its recovery included), the command that brings it
# back after an infrastructure error (RECOVER_<board>), the count of such errors in a row (3 take the
# board out of the run: its remaining tests get verdict error at once), the kernel log of its USB
# location, repetitions (COUNT) and known-flaky lists (FLAKY_LIST)
BOARD_OPTS = --port-file '$(RD)/$(1)/port' --board-lock '$(RD)/$(1)/board.lock' --board '$(1)' \
	--recover '$(RECOVER_$(1))' --infra-state '$(RD)/$(1)/infra.state' --kernel-log '$(RD)/$(1)/kernel.log' \
	--count $(COUNT) \
	$(foreach f,$(FLAKY_LIST),--flaky-list '$(f)')
# exit status 1 (the test failed) and 3 (the board met trouble: verdict error) are results, not errors:
# the board goes on with its next test
GOES_ON = || case $$? in 1 | 3) ;; *) exit 1 ;; esac

# run one test: $(1) board, $(2) test, $(3) its number, $(4) the board's count
define RUNTEST
$(Q)$(BIN)/mp-runtest $(BOARD_OPTS) --tests-dir '$(TD)' --name '$(2)' \
	--exp '$(RD)/exp/$(2).exp' --result '$(RD)/$(1)/$(2).json' --out-dir '$(RD)/$(1)/failed' --ok '$@' \
	--tag '[$(1) $(3)/$(4)]' '$(TD)/$(2)' $(GOES_ON)
endef

# one benchmark of perf_bench: $(1) board, $(2) test, $(3) its number, $(4) the board's count; the
# board's N,M (CPU MHz, heap KiB) in PERF_NM_<board>
define PERFTEST
$(Q)$(BIN)/mp-runtest $(BOARD_OPTS) --tests-dir '$(TD)' --name '$(2)' \
	--perf $(or $(PERF_NM_$(1)),100$(comma)100) --perf-harness '$(TD)/perf_bench/benchrun.py' \
	--result '$(RD)/$(1)/$(2).json' --out-dir '$(RD)/$(1)/failed' --ok '$@' --tag '[$(1) $(3)/$(4)]' \
	'$(TD)/$(2)' $(GOES_ON)
endef

# one test of VIA_MPY or NATIVE: compiled by mpy-cross ($(5): bytecode or native, with the board's
# -march), imported from RAM; $(6) the group's folder (VIA_MPY/ or NATIVE/)
define MPYTEST
$(Q)$(BIN)/mp-runtest $(BOARD_OPTS) --tests-dir '$(TD)' --name '$(2)' --emit $(5) \
	--via-mpy --mpy-cross '$(MPY_CROSS)' --mpy-cross-flags '$(MPY_FLAGS_$(1))' \
	--exp '$(RD)/exp$(if $(filter native,$(5)),-native)/$(2).exp' --result '$(RD)/$(1)/$(6)$(2).json' \
	--out-dir '$(RD)/$(1)/$(6)failed' --ok '$@' --tag '[$(1) $(6:/=) $(3)/$(4)]' '$(TD)/$(2)' $(GOES_ON)
endef

# build native module $(2) of MicroPython's examples/natmod for arch $(3), for board $(1)'s tests; a
# module that does not build (no cross compiler) leaves no .mpy, and its tests are skipped with the log
define NATMODBUILD
@mkdir -p '$(@D)'
$(Q)rm -f '$(@D)/$(2).mpy'; \
if $(MAKE) -C '$(NATMOD_DIR)/$(2)' ARCH=$(3) >'$(@D)/build-$(2).log' 2>&1 && \
	cp '$(NATMOD_DIR)/$(2)/$(2)_$(3).mpy' '$(@D)/$(2).mpy.tmp' 2>>'$(@D)/build-$(2).log'; then \
	mv '$(@D)/$(2).mpy.tmp' '$(@D)/$(2).mpy'; \
else \
	echo "$(1): native module $(2) did not build for $(3): see $(@D)/build-$(2).log" >&2; \
fi; \
: >'$@'
endef

# one test of NATMODTESTS: native module $(5) (built for arch $(6)) imported, then the test
define NATMODTEST
$(Q)if [ -f '$(RD)/$(1)/NATMODTESTS/$(5).mpy' ]; then \
	$(BIN)/mp-runtest $(BOARD_OPTS) --tests-dir '$(TD)' --name '$(2)' \
		--natmod '$(5)=$(RD)/$(1)/NATMODTESTS/$(5).mpy' --exp '$(RD)/exp/$(2).exp' \
		--result '$(RD)/$(1)/NATMODTESTS/$(2).json' --out-dir '$(RD)/$(1)/NATMODTESTS/failed' --ok '$@' \
		--tag '[$(1) NATMODTESTS $(3)/$(4)]' '$(TD)/$(2)' $(GOES_ON); \
else \
	mkdir -p '$(dir $(RD)/$(1)/NATMODTESTS/$(2))' && \
	printf '{"test":"%s","board":"%s","verdict":"skip","reason":"%s","duration_ms":0,"testcases":0}\n' \
		'NATMODTESTS/$(2)' '$(1)' 'native module $(5) not built for $(6) (NATMODTESTS/build-$(5).log)' \
		>'$(RD)/$(1)/NATMODTESTS/$(2).json.tmp' && mv '$(RD)/$(1)/NATMODTESTS/$(2).json.tmp' '$(RD)/$(1)/NATMODTESTS/$(2).json' && \
	: >'$@'; \
fi
endef

# a test the skip rules exclude: a result file without touching the board
define SKIPTEST
@mkdir -p '$(@D)'
$(Q)printf '{"test":"%s","board":"%s","verdict":"skip","reason":"%s","duration_ms":0,"testcases":0}\n' \
	'$(2)' '$(1)' '$(3)' >'$(RD)/$(1)/$(2).json.tmp' && mv '$(RD)/$(1)/$(2).json.tmp' '$(RD)/$(1)/$(2).json' && \
	: >'$@'
endef

# one multi-board test on a pair: $(1) the pair, $(2) the test, $(3) its number, $(4) the pair's count,
# $(5) the variable of the folder its name is relative to (MTD or TD).
# Both boards' ports (their port files: a recovered board may be elsewhere) are locked for the test; a
# board busy with another test of the run is waited for. When a board needs attention (exit 3: gone,
# no raw REPL, hung) it is brought back and the test runs once more; a second exit 3 leaves its result
# (verdict error) and the pair goes on with its next test. Only the boards the result names are
# brought back: the other one may be in another pair's test by then (a shared reference board).
# Infrastructure errors in a row are counted in the boards' infra.state, with their single-board
# tests: a board out of the run (exit 5) gets no more attempts, and the pair's remaining tests get
# their error at once.
define MULTITEST
$(Q)for a in 1 2; do \
	st=0; $(BIN)/mp-multitest $(foreach b,$(subst +, ,$(1)),--port "$$(cat '$(RD)/$(b)/port')" --infra-state '$(RD)/$(b)/infra.state' --board-lock '$(RD)/$(b)/board.lock') \
	--boards '$(subst +,$(comma),$(1))' --port-wait 3600 --idle-timeout $(MULTI_IDLE_TIMEOUT) --name '$(2)' \
	--result '$(RD)/$(1)/$(2).json' --out-dir '$(RD)/$(1)/failed' --ok '$@' --tag '[$(1) $(3)/$(4)]' '$($(5))/$(2)' || st=$$?; \
	[ $$st = 3 ] && [ $$a = 1 ] || break; \
	need=" $$(jq -r '.attention[]?' '$(RD)/$(1)/$(2).json' 2>/dev/null | tr '\n' ' ')"; \
	[ "$$need" != " " ] || need=" $(subst +, ,$(1)) "; \
	echo "$(1): $(2): a board needs attention:$${need% }: bringing it back, the test once more" >&2; \
	$(foreach b,$(subst +, ,$(1)),case $$need in (*" $(b) "*) $(call RECOVER_BOARD,$(b)) ;; esac;) \
done; case $$st in 0 | 1 | 3 | 5) ;; *) exit 1 ;; esac
endef
comma := ,

include $(SINGLE:%=$(RD)/%/tests.mk) $(PAIRS:%=$(RD)/%/tests.mk)
