#!/bin/sh
# Run every test suite of the project and sum their results in one closing line
# "N passed, N failed, N skipped". Each suite is a program that prints its own "N passed, N failed"
# (optionally ", N skipped") as its last such line. Binaries come from the check build.
# Environment: ONLY=unit|fuzz|integration runs one group; FUZZ_SECONDS per fuzzer (default 3).
set -eu
export LC_ALL=C
cd "$(dirname "$0")/.."

BIN=${BIN:-build/check/bin}
TBIN=${TBIN:-build/check/tests}
FUZZ_SECONDS=${FUZZ_SECONDS:-3}
ONLY=${ONLY:-}
export BIN ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"

log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT INT TERM

total_pass=0 total_fail=0 total_skip=0
failed_suites=""

# run_suite NAME CMD...: run, show its output, add its summary line to the totals
run_suite() {
	name=$1
	shift
	printf '== %s\n' "$name"
	rc=0
	"$@" >"$log/out" 2>&1 || rc=$?
	cat "$log/out"
	line=$(grep -E '^([A-Za-z]+: )?[0-9]+ passed, [0-9]+ failed' "$log/out" | tail -n 1 || true)
	if [ -z "$line" ]; then
		echo "$name: no summary line (exit status $rc): counted as one failure"
		total_fail=$((total_fail + 1))
		failed_suites="$failed_suites $name"
		return
	fi
	p=$(echo "$line" | sed -E 's/^([A-Za-z]+: )?([0-9]+) passed.*/\2/')
	f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
	s=$(echo "$line" | sed -nE 's/.* ([0-9]+) skipped.*/\1/p')
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	total_skip=$((total_skip + ${s:-0}))
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "$name: exit status $rc with no failed check: counted as one failure"
		total_fail=$((total_fail + 1))
	fi
	[ "$rc" = 0 ] && [ "$f" = 0 ] || failed_suites="$failed_suites $name"
}

# a fuzzer run counts as one check
run_fuzzer() {
	name=$1
	corpus=build/fuzz/corpus-$name
	mkdir -p "$corpus"
	# the seeds: tests/fuzz/seeds and its folders (one per fuzzer); the targets' own messages about
	# rejected inputs are dropped (-close_fd_mask=2), crash reports are kept
	if "build/fuzz/$name" -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 -close_fd_mask=2 "$corpus" \
		tests/fuzz/seeds >"$log/fuzz" 2>&1; then
		runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$log/fuzz")
		echo "ok - $name: ${runs:-?} inputs in ${FUZZ_SECONDS} s, no crash"
		echo "1 passed, 0 failed"
	else
		tail -n 40 "$log/fuzz"
		echo "not ok - $name crashed (reproducer above)"
		echo "0 passed, 1 failed"
	fi
}

if [ -z "$ONLY" ] || [ "$ONLY" = unit ]; then
	run_suite "unit: raw REPL client against captured transcripts" "$TBIN/test_rawrepl" tests/transcripts
	run_suite "unit: verdict rules, regex .exp, JSON, diff" "$TBIN/test_verdict"
	run_suite "unit: JSON reader, board specs, flasher command lines" "$TBIN/test_flashspec"
fi
if [ -z "$ONLY" ] || [ "$ONLY" = fuzz ]; then
	for f in fuzz_follow fuzz_regexexp fuzz_jsonval fuzz_verdict fuzz_flashspec fuzz_inventory fuzz_ids \
		fuzz_perf fuzz_probe fuzz_multitest; do
		run_suite "fuzz: $f" run_fuzzer "$f"
	done
fi
if [ -z "$ONLY" ] || [ "$ONLY" = integration ]; then
	for t in tests/integration/*.sh; do
		[ -f "$t" ] || continue
		run_suite "integration: $(basename "$t" .sh)" bash "$t"
	done
fi

[ -z "$failed_suites" ] || echo "failing suites:$failed_suites"
if [ "$total_skip" -gt 0 ]; then
	echo "$total_pass passed, $total_fail failed, $total_skip skipped"
else
	echo "$total_pass passed, $total_fail failed"
fi
[ "$total_fail" = 0 ]
