#!/bin/bash
# Benchmarks of the make pipeline on virtual boards; prints figures, asserts nothing.
#  1. scaling: wall time of the same tests on N = 1 2 4 8 16 boards slowed down like real MCUs
#     (--baud, --exec-delay), as the ratio T(N)/T(1): the bench's promise is "N boards in the time of one"
#  2. no-op rerun: 16 boards x 900 tests all up to date, and after touching one test file
#  3. per-test overhead of the pipeline (make + shell + process start + port open + soft reset)
#     against the time inside mp-runtest
# Boards are started before each timed run (a bench's boards are already on); the runs use PORTS.
# Environment: SCALE_NS ("1 2 4 8 16"), SCALE_ARGS (vboard options, default "--baud 115200
# --exec-delay 500": a real board takes about a second per test), SCALE_TESTS (default "basics micropython float unicode"), NOOP_BOARDS (16),
# NOOP_TESTS (900), BIN (build/bin).
set -eu
export LC_ALL=C
cd "$(dirname "$0")/.."
top=$(pwd)
BIN=${BIN:-build/bin}
SCALE_NS=${SCALE_NS:-1 2 4 8 16}
SCALE_ARGS=${SCALE_ARGS:---baud 115200 --exec-delay 500}
SCALE_TESTS=${SCALE_TESTS:-basics micropython float unicode}
NOOP_BOARDS=${NOOP_BOARDS:-16}
NOOP_TESTS=${NOOP_TESTS:-900}
tmp=$(mktemp -d)
vb=$tmp/vbench
cleanup() {
	VBOARD=$BIN/vboard sh scripts/vbench.sh stop "$vb" >/dev/null 2>&1 || true
	rm -rf "$tmp" results/bench-scale results/bench-noop
}
trap cleanup EXIT INT TERM
now_ms() { echo $(($(date +%s%N) / 1000000)); }

boards() { # N ARGS: start N boards, set PORTS
	VBOARD=$BIN/vboard sh scripts/vbench.sh stop "$vb" >/dev/null 2>&1 || true
	VBOARD=$BIN/vboard VBOARD_ARGS="$2" sh scripts/vbench.sh start "$1" wasm "$vb" >/dev/null
	PORTS=""
	for ((i = 0; i < $1; i++)); do PORTS="$PORTS $vb/vb$i"; done
	PORTS=${PORTS# }
}

run() { # RUN-NAME MAKE-ARGS...: wall ms in $wall, tests run in $ran
	local name=$1
	shift
	local t0 t1
	t0=$(now_ms)
	BIN=$BIN RUN=$name PORTS="$PORTS" "$@" bash scripts/testrun.sh >"$tmp/log" 2>&1 || true
	t1=$(now_ms)
	wall=$((t1 - t0))
	ran=$(grep -c '^\[' "$tmp/log" || true)
}

echo "make pipeline on virtual boards ($(nproc) cores)"

# 1. scaling
echo "scaling: tests '$SCALE_TESTS' of the corpus, boards with '$SCALE_ARGS'"
t1=""
for n in $SCALE_NS; do
	boards "$n" "$SCALE_ARGS"
	rm -rf results/bench-scale
	run bench-scale env TESTS="$SCALE_TESTS"
	[ -n "$t1" ] || t1=$wall
	ratio=$(awk -v a="$wall" -v b="$t1" 'BEGIN { printf "%.2f", a / b }')
	printf '  N=%-2s  %6d ms  %4d tests run  T(N)/T(1) = %s\n' "$n" "$wall" "$ran" "$ratio"
done

# 3. per-test overhead: one unthrottled board; the fixed cost of a run (identity check, make start,
# reports) is measured by a run with nothing to do and taken out
boards 1 ""
rm -rf results/bench-scale
run bench-scale env TESTS="basics"
sh scripts/forget.sh results/bench-scale 2>/dev/null
run bench-scale env TESTS="basics"
all=$wall
run bench-scale env TESTS="basics"
fixed=$wall
inner=$(cat results/bench-scale/vb0/basics/*.json | jq -s '[.[] | select(.verdict != "skip") | .duration_ms] | add')
count=$(cat results/bench-scale/vb0/basics/*.json | jq -s '[.[] | select(.verdict != "skip")] | length')
echo "per-test: $count basics tests on 1 unthrottled board: $all ms, of which $fixed ms fixed cost per run;" \
	"$((inner / count)) ms per test inside mp-runtest (soft reset + upload + run)," \
	"$(((all - fixed - inner) / count)) ms per test of pipeline overhead (make, shell, process start, port open)"

# 2. no-op rerun: a tests folder of NOOP_TESTS trivial tests
mkdir -p "$tmp/mpy/tests/basics"
: >"$tmp/mpy/tests/run-tests.py"
cp -r tests/corpus/feature_check/. "$tmp/mpy/tests/feature_check/" 2>/dev/null || cp -r tools/mp-runtest/feature_check "$tmp/mpy/tests/"
for ((i = 0; i < NOOP_TESTS; i++)); do
	printf 'print(%d)\n' "$i" >"$tmp/mpy/tests/basics/t$i.py"
	printf '%d\n' "$i" >"$tmp/mpy/tests/basics/t$i.py.exp"
done
boards "$NOOP_BOARDS" ""
rm -rf results/bench-noop
run bench-noop env MPY_DIR="$tmp/mpy" TESTS=basics
echo "no-op: first run of $NOOP_BOARDS boards x $NOOP_TESTS tests: $wall ms ($ran tests run)"
run bench-noop env MPY_DIR="$tmp/mpy" TESTS=basics
echo "no-op: second run, everything up to date: $wall ms ($ran tests run)"
t0=$(now_ms)
make -s -k -f results/bench-noop/run.mk all >/dev/null 2>&1 || true
t1=$(now_ms)
echo "no-op: of which make over the up-to-date tree: $((t1 - t0)) ms"
sleep 1
echo '# touched' >>"$tmp/mpy/tests/basics/t7.py"
run bench-noop env MPY_DIR="$tmp/mpy" TESTS=basics
echo "no-op: after touching one test file: $wall ms ($ran tests run, expected $NOOP_BOARDS)"
