#!/bin/sh
# The --board command of tests/mock/vtentacles.c for flashing tests: a virtual MicroPython board
# (tools/vboard/board-wasm.mjs, a console on stdin / stdout) running the firmware "written" into the DUT.
# VT_FIRMWARE unset: the stock build of node_modules. Set: its first line "vfirmware PATH" names the
# micropython.mjs to run (see make-vfirmware.sh); an unreadable or invalid image gives a bricked board,
# which says nothing and sleeps until it is killed.
set -eu
repo=$(cd "$(dirname "$0")/../.." && pwd)
if [ -z "${VT_FIRMWARE+x}" ]; then
	exec node "$repo/tools/vboard/board-wasm.mjs"
fi
line=""
if [ -r "$VT_FIRMWARE" ]; then
	IFS= read -r line <"$VT_FIRMWARE" || true
fi
mjs=${line#vfirmware }
if [ "$mjs" = "$line" ] || [ -z "$mjs" ] || [ ! -r "$mjs" ]; then
	# bricked: no output, no exit of its own (exec: the harness's SIGKILL ends it)
	exec sleep 2147483647
fi
VBOARD_MICROPYTHON_MJS=$mjs exec node "$repo/tools/vboard/board-wasm.mjs"
