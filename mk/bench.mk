# Benchmarks: measured figures only, no assertions (machines here are shared and noisy).
.PHONY: bench
bench: setup-quiet tools
	$(Q)BIN=build/bin sh scripts/bench-runtest.sh
	$(Q)BIN=build/bin bash scripts/bench-pipeline.sh

# Soak: the corpus round after round on SOAK_BOARDS virtual boards that fail at random moments (hang,
# disconnect, garbage, slow, reset, no raw REPL) for SOAK_SECONDS; it fails if a result is lost, a test
# no fault touched gets a wrong verdict, or a board process or lock is left (scripts/soak.sh)
SOAK_SECONDS ?= 600
SOAK_BOARDS  ?= 16
SOAK_RATE    ?= 0.005
.PHONY: soak
soak: setup-quiet tools
	$(Q)BIN=build/bin bash scripts/soak.sh $(SOAK_SECONDS) $(SOAK_BOARDS) $(SOAK_RATE)

# Fan-out: `make test` on every bench of BENCHES at once over ssh (FANOUT_SSH), each bench's results
# brought back and merged into results/$(RUN)/ as <bench>:<board> (scripts/fanout.sh --help). The
# variables given on the command line (TESTS=, GROUPS=, ...) go to every bench's make test.
BENCHES    ?=
FANOUT_SSH ?= ssh
fanout_run  = $(if $(filter command line environment override,$(origin RUN)),$(RUN),fanout)
fanout_vars = $(filter-out BENCHES FANOUT_SSH RUN TESTBED,$(foreach v,$(.VARIABLES),$(if $(filter command line,$(origin $(v))),$(v))))
.PHONY: fanout
fanout:
	$(Q)bash scripts/fanout.sh --benches '$(BENCHES)' --ssh '$(FANOUT_SSH)' --run '$(fanout_run)' -- \
		$(foreach v,$(fanout_vars),'$(v)=$(subst ','\'',$($(v)))')
