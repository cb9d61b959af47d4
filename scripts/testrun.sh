#!/bin/bash
# The `make test` driver: find the boards of this run (ports given, or virtual boards it starts),
# lock them, generate the run's makefile under results/<run>/, let make run every test as a file
# target (one job per board, boards in parallel), then write the reports.
#
# Configuration comes from the environment (the top Makefile passes its variables):
#   PORT / PORTS      boards already flashed ("none" mode): no power switching, no flashing
#   TESTBED=virtual   VBOARDS=N virtual boards of VBOARD_TYPE (wasm|microbit), VBOARD_ARGS
#   TESTBED=<bench>   the tentacles of $TESTBEDS_DIR/<bench>.json (default testbeds/): each DUT found by
#                     tentacle-find is power-cycled and tested on its fresh tty as <short id>-<board>;
#                     the DUTs are switched off at the end
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
TESTBEDS_DIR=${TESTBEDS_DIR:-$top/testbeds}
case $TESTBED in
'' | virtual) ;;
*/* | .*) die 2 "TESTBED='$TESTBED' must be a bench name (a file $TESTBEDS_DIR/<name>.json)" ;;
*) [ -f "$TESTBEDS_DIR/$TESTBED.json" ] || die 2 "unknown TESTBED '$TESTBED': no $TESTBEDS_DIR/$TESTBED.json (or TESTBED=virtual)" ;;
esac
RUN=${RUN:-${TESTBED:-ports}}
case $RUN in
*/* | .* | '') die 2 "RUN='$RUN' must be a plain folder name" ;;
esac
RD=$top/results/$RUN
mkdir -p "$RD"

lockdir=${XDG_RUNTIME_DIR:-/tmp}/testbed-micropython-locks
mkdir -p "$lockdir"
labels=() ports=()
vbench=""
powered=() # "HUB HW-OPTION" of the DUTs this run switched on
cleanup() {
	[ -z "$vbench" ] || VBOARD="$BIN/vboard" sh scripts/vbench.sh stop "$vbench" >/dev/null 2>&1 || true
	local h
	for h in "${powered[@]}"; do
		# shellcheck disable=SC2086 # "HUB --hw-version N"
		"$BIN/tentacle-power" --hub $h dut off >/dev/null || echo "$prog: cannot switch off the DUT of ${h%% *}" >&2
	done
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
elif [ -n "$TESTBED" ]; then
	# the tentacles of the bench: discovered now (they may have moved), locked by serial, then each DUT is
	# power-cycled while tentacle-find waits for its tty to come back at its own location
	inv=$TESTBEDS_DIR/$TESTBED.json
	# tentacle-find reads a plain serial -> {board} map: the bench file's "tentacles"
	jq -e '.tentacles | objects' "$inv" >"$RD/inventory.json" 2>/dev/null ||
		die 2 "'$inv' is no bench inventory (no \"tentacles\" object; see testbeds/README.md)"
	"$BIN/tentacle-find" --json --inventory "$RD/inventory.json" >"$RD/tentacles.json" ||
		die 3 "no tentacle of bench '$TESTBED' found (tentacle-find --inventory $RD/inventory.json)"
	while IFS=$'\t' read -r serial short hub board loc id hw; do
		exec {fd}>>"$lockdir/tentacle-$serial.lock"
		flock -n "$fd" || die 3 "tentacle $short ($hub) is busy: another test run holds it"
		case $hw in
		v0.3) hw="--hw-version 0" ;; v0.5) hw="--hw-version 1" ;; v0.6) hw="--hw-version 2" ;; v0.7) hw="--hw-version 3" ;;
		*) hw="" ;; # the infra MCU is asked
		esac
		powered+=("$hub $hw")
		# shellcheck disable=SC2086
		out=$("$BIN/tentacle-find" wait --location "$loc" --id "$id" --new --timeout 10 \
			--then "$BIN/tentacle-power" --hub "$hub" $hw dut cycle) || out=""
		tty=$(printf '%s\n' "$out" | sed -n 's|^\(/dev/.*\)|\1|p' | tail -n 1)
		[ -n "$tty" ] ||
			die 3 "the DUT of tentacle $short ($board at $loc) did not come back after a power cycle"
		echo "$prog: $short-$board: DUT at $loc power-cycled, now $tty" >&2
		labels+=("$short-$board")
		ports+=("$tty")
	done < <(jq -r --slurpfile inv "$inv" 'select(.dut != null and .board != null) |
		[.serial, .short_id, .hub, .board, .dut.location, .dut.vid + ":" + .dut.pid,
		 ($inv[0].tentacles[.serial].hw_version // "")] | @tsv' "$RD/tentacles.json")
	[ ${#labels[@]} -gt 0 ] || die 3 "bench '$TESTBED': no tentacle with a DUT of a known board (see $RD/tentacles.json)"
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
for i in "${!labels[@]}"; do
	key=$(realpath -m "${ports[$i]}" | tr '/' '_')
	[ "$TESTBED" = "" ] || key=$(printf '%s' "${ports[$i]}" | tr '/' '_')
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
