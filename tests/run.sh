#!/bin/sh
# Run every test suite of the project and sum their results in one closing line
# "N passed, N failed, N skipped". Each suite is a program that prints its own "N passed, N failed"
# (optionally ", N skipped") as its last such line. Binaries come from the check build.
# Environment: ONLY=unit|fuzz|integration runs one group; FUZZ_SECONDS per fuzzer (default 3);
# TEST_JOBS suites at a time (default 2), each by tests/run-suite.sh.
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

# the suites, one line each: I NAME KIND ARG (tab-separated)
n=0
: >"$log/jobs"
add() { # NAME KIND ARG
	n=$((n + 1))
	printf '%s\t%s\t%s\t%s\n' "$n" "$1" "$2" "$3" >>"$log/jobs"
}
if [ -z "$ONLY" ] || [ "$ONLY" = integration ]; then
	# the slow ones first
	slow="corpus multi-pipeline fuzz-inputs flash groups-pipeline flash-pipeline select-and-report bad-input"
	for t in $slow; do
		[ ! -f "tests/integration/$t.sh" ] || add "integration: $t" cmd "bash tests/integration/$t.sh"
	done
	for t in tests/integration/*.sh; do
		[ -f "$t" ] || continue
		case " $slow " in *" $(basename "$t" .sh) "*) continue ;; esac
		add "integration: $(basename "$t" .sh)" cmd "bash $t"
	done
fi
if [ -z "$ONLY" ] || [ "$ONLY" = fuzz ]; then
	for f in fuzz_follow fuzz_regexexp fuzz_jsonval fuzz_verdict fuzz_flashspec fuzz_inventory fuzz_ids \
		fuzz_perf fuzz_probe fuzz_multitest; do
		add "fuzz: $f" fuzz "$f"
	done
fi
if [ -z "$ONLY" ] || [ "$ONLY" = unit ]; then
	add "unit: raw REPL client against captured transcripts" cmd "$TBIN/test_rawrepl tests/transcripts"
	add "unit: verdict rules, regex .exp, JSON, diff" cmd "$TBIN/test_verdict"
	add "unit: JSON reader, board specs, flasher command lines" cmd "$TBIN/test_flashspec"
fi

# TEST_JOBS suites side by side (default 2: most suites wait on virtual boards more than they compute);
# each block is printed whole when its suite ends
jobs=${TEST_JOBS:-2}
case $jobs in '' | *[!0-9]* | 0) echo "run.sh: TEST_JOBS='$jobs' must be a number, 1 or more" >&2; exit 2 ;; esac
export FUZZ_SECONDS
parallel --will-cite -j "$jobs" --colsep '\t' -a "$log/jobs" sh tests/run-suite.sh "$log" '{1}' '{2}' '{3}' '{4}' || true

# the sums, in the order of the list
total_pass=0 total_fail=0 total_skip=0
failed_suites=""
: >"$log/notok"
while IFS="$(printf '\t')" read -r i name _; do
	if [ ! -f "$log/$i.rc" ]; then
		echo "$name: did not run: counted as one failure"
		total_fail=$((total_fail + 1))
		failed_suites="$failed_suites $name"
		continue
	fi
	rc=$(cat "$log/$i.rc")
	grep -E '^not ok' "$log/$i.out" | sed "s|^|$name: |" >>"$log/notok" || true
	line=$(grep -E '^([A-Za-z]+: )?[0-9]+ passed, [0-9]+ failed' "$log/$i.out" | tail -n 1 || true)
	if [ -z "$line" ]; then
		echo "$name: no summary line (exit status $rc): counted as one failure"
		total_fail=$((total_fail + 1))
		failed_suites="$failed_suites $name"
		continue
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
done <"$log/jobs"
echo "suite times (s): $(while IFS="$(printf '\t')" read -r i name _; do
	printf '%s %s, ' "${name#*: }" "$(cat "$log/$i.secs" 2>/dev/null || echo '?')"; done <"$log/jobs" | sed 's/, $//')"

# the failed checks again at the end, where a truncated log still shows them
if [ -s "$log/notok" ]; then
	echo "failed checks:"
	head -n 40 "$log/notok" | cut -c 1-400
fi
[ -z "$failed_suites" ] || echo "failing suites:$failed_suites"
if [ "$total_skip" -gt 0 ]; then
	echo "$total_pass passed, $total_fail failed, $total_skip skipped"
else
	echo "$total_pass passed, $total_fail failed"
fi
[ "$total_fail" = 0 ]
