#!/bin/bash
# The `make test` driver: find the boards of this run (ports given, or virtual boards it starts),
# lock them, generate the run's makefile under results/<run>/, let make run every test as a file
# target (one job per board, boards in parallel), then write the reports.
#
# Configuration comes from the environment (the top Makefile passes its variables):
#   PORT / PORTS      boards already flashed ("none" mode): no power switching, no flashing
#   TESTBED=virtual   VBOARDS=N virtual boards of VBOARD_TYPE (wasm|microbit), VBOARD_ARGS
#   MPY_DIR           a MicroPython checkout: its tests/ folder (default: the project's corpus)
#   TESTS             directories, files or globs relative to the tests folder
#   RUN               name of the result folder under results/ (default: the testbed's name)
#   EMIT              bytecode (default) or native; MICROPY_TEST_TIMEOUT per test
#   BIN               the tools (default build/bin); V=1 shows commands
# Exit: 0 all passed or skipped, 1 a test failed, 2 bad configuration, 3 a board is busy or broken.
set -eu
shopt -s nullglob
export LC_ALL=C
prog=testrun
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

die() { # STATUS MESSAGE
	echo "$prog: $2" >&2
	exit "$1"
}

BIN=$(cd "${BIN:-build/bin}" && pwd) || die 2 "no tools in '${BIN:-build/bin}': run make first"
PORT=${PORT:-}
PORTS=${PORTS:-$PORT}
TESTBED=${TESTBED:-}
VBOARDS=${VBOARDS:-2}
VBOARD_TYPE=${VBOARD_TYPE:-wasm}
VBOARD_ARGS=${VBOARD_ARGS:-}
EMIT=${EMIT:-bytecode}
TESTS=${TESTS:-}
V=${V:-}

# ---- the tests folder ----
if [ -n "${MPY_DIR:-}" ]; then
	[ -d "$MPY_DIR/tests" ] && [ -f "$MPY_DIR/tests/run-tests.py" ] ||
		die 2 "MPY_DIR='$MPY_DIR' is not a MicroPython checkout (no tests/run-tests.py)"
	TD=$(cd "$MPY_DIR/tests" && pwd)
else
	TD=$top/tests/corpus
fi

# ---- the boards ----
if [ -n "$PORTS" ] && [ -n "$TESTBED" ]; then
	die 2 "give either PORT/PORTS or TESTBED, not both"
fi
if [ -z "$PORTS" ] && [ -z "$TESTBED" ]; then
	die 2 "no boards: give PORT=/dev/ttyACM0 (or PORTS='...') or TESTBED=virtual VBOARDS=N"
fi
case $TESTBED in
'' | virtual) ;;
*) die 2 "unknown TESTBED '$TESTBED' (this version knows: virtual)" ;;
esac
RUN=${RUN:-${TESTBED:-ports}}
case $RUN in
*/* | .* | '') die 2 "RUN='$RUN' must be a plain folder name" ;;
esac
RD=$top/results/$RUN
mkdir -p "$RD"

labels=() ports=()
vbench=""
cleanup() {
	[ -z "$vbench" ] || VBOARD="$BIN/vboard" sh scripts/vbench.sh stop "$vbench" >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ "$TESTBED" = virtual ]; then
	case $VBOARDS in '' | *[!0-9]*) die 2 "VBOARDS='$VBOARDS' is not a number" ;; esac
	vbench=$RD/vbench
	VBOARD="$BIN/vboard" VBOARD_ARGS="$VBOARD_ARGS" sh scripts/vbench.sh start "$VBOARDS" "$VBOARD_TYPE" "$vbench" >/dev/null ||
		die 3 "the virtual boards did not start (see $vbench/*.log)"
	for ((i = 0; i < VBOARDS; i++)); do
		labels+=("vb$i")
		ports+=("$vbench/vb$i")
	done
else
	for p in $PORTS; do
		[ -e "$p" ] || die 2 "port '$p' does not exist"
		l=$(basename "$p")
		for x in "${labels[@]}"; do
			[ "$x" != "$l" ] || die 2 "two ports would have the label '$l': give distinct ports"
		done
		labels+=("$l")
		ports+=("$(cd "$(dirname "$p")" && pwd)/$(basename "$p")")
	done
fi

# ---- one run per board at a time: a lock per board, released when this process ends ----
lockdir=${XDG_RUNTIME_DIR:-/tmp}/testbed-micropython-locks
mkdir -p "$lockdir"
for i in "${!labels[@]}"; do
	key=$(realpath -m "${ports[$i]}" | tr '/' '_')
	[ "$TESTBED" != virtual ] || key=$(printf '%s' "${ports[$i]}" | tr '/' '_')
	lock=$lockdir/$key.lock
	exec {fd}>>"$lock"
	if ! flock -n "$fd"; then
		die 3 "board ${labels[$i]} (${ports[$i]}) is busy: another test run holds it (lock $lock)"
	fi
done

# ---- what each board runs: firmware identity now (cheap), the rest through make ----
rules_id=$("$BIN/mp-runtest" --version)
printf '%s\n' "$rules_id" | cmp -s - "$RD/verdict-rules.id" 2>/dev/null || printf '%s\n' "$rules_id" >"$RD/verdict-rules.id"

# the candidate test files and the selection: when they change, the board test lists are made again
{
	printf 'emit %s\nselection %s\n' "$EMIT" "$TESTS"
	find "$TD" -name '*.py' -not -path "$TD/feature_check/*" -printf '%P\n' | sort
} >"$RD/candidates.new"
if cmp -s "$RD/candidates.new" "$RD/candidates.txt" 2>/dev/null; then rm -f "$RD/candidates.new"; else mv "$RD/candidates.new" "$RD/candidates.txt"; fi

pids=()
for i in "${!labels[@]}"; do
	"$BIN/mp-runtest" --port "${ports[$i]}" --board "${labels[$i]}" -q --identity "$RD/${labels[$i]}/board.id" &
	pids+=($!)
done
broken=()
for i in "${!pids[@]}"; do
	wait "${pids[$i]}" || broken+=("${labels[$i]}")
done
[ ${#broken[@]} = 0 ] || die 3 "board(s) not answering: ${broken[*]}"

# ---- the run's makefile ----
{
	echo "# The makefile of one test run, made by scripts/testrun.sh: do not edit."
	echo "TOP := $top"
	echo "BIN := $BIN"
	echo "TD := $TD"
	echo "RD := $RD"
	echo "EMIT := $EMIT"
	printf 'SELECTION := %s\n' "$TESTS"
	echo "BOARDS := ${labels[*]}"
	for i in "${!labels[@]}"; do
		echo "PORT_${labels[$i]} := ${ports[$i]}"
	done
	echo "include \$(TOP)/mk/run.mk"
} >"$RD/run.mk.new"
if cmp -s "$RD/run.mk.new" "$RD/run.mk" 2>/dev/null; then rm -f "$RD/run.mk.new"; else mv "$RD/run.mk.new" "$RD/run.mk"; fi

# without -j from the caller, one job per board
jobs=()
case " ${MAKEFLAGS:-} " in
*" -j"* | *jobserver*) ;;
*) jobs=(-j "${#labels[@]}") ;;
esac
quiet=(--no-print-directory -s)
[ "$V" != 1 ] || quiet=(--no-print-directory)
echo "$prog: ${#labels[@]} board(s): ${labels[*]}; tests from $TD" >&2
rc=0
${MAKE:-make} "${quiet[@]}" "${jobs[@]}" -k -f "$RD/run.mk" V="$V" all || rc=$?

# ---- reports, from the result files alone ----
rrc=0
sh scripts/report.sh "$RD" || rrc=$?
if [ "$rc" != 0 ] && [ "$rrc" = 0 ]; then
	echo "$prog: make stopped with status $rc: some tests did not run (see above)" >&2
	exit 3
fi
exit "$rrc"
