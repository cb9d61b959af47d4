#!/bin/bash
# `make test TESTBED=<bench>` end to end on a virtual tentacle bench (tests/mock/vtentacles.c, built here
# with $CC): 2 tentacles whose RPI_PICO DUTs are virtual boards (node tools/vboard/board-wasm.mjs) behind
# their mocked ttys. testrun.sh finds the tentacles of a bench inventory written into a temp TESTBEDS_DIR,
# power-cycles each DUT (the harness unplugs and re-plugs it with a new tty name), runs a few corpus tests
# on both boards as <short id>-RPI_PICO and switches the DUTs off at the end. Midway the DUTs' firmware
# dies (their processes killed): each DUT is power-cycled by the run's recover command
# (scripts/dut-up.sh), found again, and the test run again; the time each step took is in the board's
# timeline.
set -eu
export LC_ALL=C
cd "$(dirname "$0")/../.."
CC=${CC:-cc}
TESTS_RUN="basics/arith_int.py basics/builtins_misc.py basics/class_inherit.py"
# in this order on each board; the boards die during the endless loop (3 s to its deadline)
HANG=misc/endless_loop.py AFTER=misc/print_kwargs.py
RUN=tentacle-e2e-$$
. tests/lib.sh
tb_extra_cleanup='rm -rf "results/$RUN"'

require jq node make
require_vboards
vbench_harness
# the tools make test uses (its `tools` prerequisite would build them anyway, but not under the mock)
if ! make -s tools >"$tmp/make" 2>&1; then
	notok "make tools failed: $(tail -c 600 "$tmp/make")"
	finish
fi

mkdir "$tmp/testbeds"
vt_inventory "$tmp/testbeds/vtbench.json" vtbench RPI_PICO RPI_PICO

# ---- configuration errors (no bench needed) ----
st=0
TESTBEDS_DIR="$tmp/testbeds" make -s test TESTBED=nosuchbench RUN="$RUN" >"$tmp/o" 2>"$tmp/e" || st=$?
if grep -q "unknown TESTBED 'nosuchbench': no $tmp/testbeds/nosuchbench.json" "$tmp/e"; then
	ok "an unknown bench is refused, naming the file looked for"
else notok "unknown bench: exit $st: $(head -c 400 "$tmp/e")"; fi

# ---- the run ----
t0=$(date +%s)
( # once both boards are in the endless loop: kill the DUTs' firmware (their board processes)
	for _ in $(seq 1 600); do
		n=$(find "results/$RUN" -name 'class_inherit.py.json' 2>/dev/null | wc -l)
		if [ "$n" = 2 ]; then
			sleep 0.5
			# shellcheck disable=SC2046 # one pid a word
			kill -KILL $(cat "$tmp/dut.pids") && : >"$tmp/killed"
			break
		fi
		sleep 0.1
	done
) &
killer=$!
st=0
# the tools through tests/mock/fdspread: the DUTs come up concurrently, and umockdev needs their udev
# monitors on different fd numbers
# (each board's shell notes its pid, which node then takes over: the firmware to kill is ours alone)
VT_LOG="$tmp/vtlog" umockdev-wrapper "$VT" --board "echo \$\$ >>$tmp/dut.pids; exec node $PWD/tools/vboard/board-wasm.mjs" 2 -- \
	env TESTBEDS_DIR="$tmp/testbeds" FDSPREAD_BIN="$PWD/build/bin" FDSPREAD_STATE="$tmp/fds" \
	make -s test TB_BIN="$PWD/tests/mock/fdspread" TESTBED=vtbench RUN="$RUN" TESTS="$TESTS_RUN $HANG $AFTER" \
	MICROPY_TEST_TIMEOUT=3 >"$tmp/o" 2>"$tmp/e" || st=$?
t1=$(date +%s)
wait "$killer"
if [ -f "$tmp/killed" ]; then ok "the DUTs' firmware was killed midway"; else notok "the DUTs were not killed"; fi
if [ $st = 2 ] && grep -q "Error 1" "$tmp/e"; then ok "make test TESTBED=vtbench: testrun exit 1, the endless loop failed ($((t1 - t0)) s)"
else notok "make test TESTBED=vtbench: exit $st: $(tail -c 800 "$tmp/e")"; fi
has_text "both boards named <short id>-<board>" "$tmp/e" "2 board(s): 2731-RPI_PICO 2732-RPI_PICO"
# the tty each DUT came back on, from the harness's log: its second plug-in at that location
for k in 1 2; do
	tty=$(awk -v loc="1-1.$k.3" '$1 == loc && $2 == "on" { print "/dev/" $3; exit }' "$tmp/vtlog")
	has_text "273$k: power-cycled and tested on its fresh tty ($tty)" "$tmp/e" \
		"273$k-RPI_PICO: DUT at 1-1.$k.3 power-cycled, now $tty"
	# off for the first cycle, for the recovery, and at the end
	if [ "$(grep -c "^1-1.$k.3 off " "$tmp/vtlog")" = 3 ] && tail -n 2 "$tmp/vtlog" | grep -q "^1-1.$k.3 off "; then
		ok "273$k: DUT off for the cycle, for the recovery and off at the end"
	else notok "273$k: power switching: $(tr '\n' '|' <"$tmp/vtlog")"; fi
	b=273$k-RPI_PICO
	# a dead board looks hung from the port (the tty stays): deadline, no answer to Ctrl-C, power cycle
	expect "$b: the test the board died in: verdict timeout" "$(jq -r .verdict "results/$RUN/$b/$HANG.json" 2>/dev/null)" timeout
	expect "$b: the next test passes" "$(jq -r .verdict "results/$RUN/$b/$AFTER.json" 2>/dev/null)" pass
	has_text "$b: the DUT power-cycled by the recover command, back on its tty" "$tmp/e" "$b: the board is back at /dev/"
	expect "$b: its timeline: run, flash (bring-up), probe, recover, each exit 0" \
		"$(jq -r '"\(.event):\(.status)"' "results/$RUN/$b/timeline.jsonl" 2>/dev/null | paste -sd' ')" \
		"run:0 flash:0 probe:0 recover:0"
done
for b in 2731-RPI_PICO 2732-RPI_PICO; do
	for t in $TESTS_RUN; do
		f="results/$RUN/$b/$t.json"
		if [ -f "$f" ] && jq -e '.verdict == "pass"' "$f" >/dev/null; then ok "$b: $t passed"
		else notok "$b: $t: $(cat "$f" 2>/dev/null || echo 'no result file')"; fi
	done
done
has_text "the report counts both boards" "$tmp/o" "total: 8 passed, 2 failed, 0 skipped on 2 boards"
finish
