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
