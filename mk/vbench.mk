# The virtual bench: N virtual boards (vboard) behind ptys at $(VBENCH_DIR)/vb0 .. vb<N-1>.
#   make vbench-start [VBOARDS=2] [VBOARD_TYPE=wasm|microbit] [VBOARD_ARGS='--baud 115200']
#   make vbench-status
#   make vbench-stop

VBOARDS     ?= 2
VBOARD_TYPE ?= wasm
VBOARD_ARGS ?=
VBENCH_DIR  ?= results/vbench

.PHONY: vbench-start vbench-stop vbench-status

vbench-start: build/bin/vboard
	$(Q)VBOARD=build/bin/vboard VBOARD_ARGS='$(VBOARD_ARGS)' \
		sh scripts/vbench.sh start '$(VBOARDS)' '$(VBOARD_TYPE)' '$(VBENCH_DIR)'

vbench-stop:
	$(Q)sh scripts/vbench.sh stop '$(VBENCH_DIR)'

vbench-status:
	$(Q)sh scripts/vbench.sh status '$(VBENCH_DIR)'
