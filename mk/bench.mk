# Benchmarks: measured figures only, no assertions (machines here are shared and noisy).
.PHONY: bench
bench: setup-quiet tools
	$(Q)BIN=build/bin sh scripts/bench-runtest.sh
	$(Q)BIN=build/bin bash scripts/bench-pipeline.sh
