#!/bin/bash
# The make pipeline end to end on virtual boards: every test a file target, boards in parallel, a
# second run runs nothing, a deleted result or an edited test reruns exactly that, failed tests rerun,
# the reports parse, and mptest works from a MicroPython-like tests folder.
set -eu
cd "$(dirname "$0")/../.."
top=$(pwd)
. tests/lib.sh
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" MICROPY_TEST_TIMEOUT=${MICROPY_TEST_TIMEOUT:-3}
run=itest-pipeline-$$
tb_extra_cleanup='rm -rf "results/$run" "results/$run-mptest" "results/$run-busy"'

# a MicroPython-like checkout: the corpus as its tests/ folder
mkdir -p "$tmp/mpy/tests"
cp -r tests/corpus/. "$tmp/mpy/tests/"
: >"$tmp/mpy/tests/run-tests.py"
rm -f "$tmp/mpy/tests/manifest.tsv"
# the 1 MB output test takes seconds: on a loaded machine it could cross this suite's short deadline
# and make the counts below flaky; the corpus suite covers it
rm -f "$tmp/mpy/tests/stress/big_output.py"*
# the two tests that hang until their deadline fail and so run again in each of the runs below: the
# corpus and recovery suites cover them
rm -f "$tmp/mpy/tests/misc/endless_loop.py"* "$tmp/mpy/tests/misc/hang_after_output.py"*

testrun() { # LOG
	log=$1
	shift
	rc=0
	BIN=$BIN MPY_DIR="$tmp/mpy" RUN=$run TESTBED=virtual VBOARDS=4 timeout 600 bash scripts/testrun.sh "$@" >"$tmp/$log" 2>&1 || rc=$?
	ran=$(grep -c '^\[vb[0-9]' "$tmp/$log" || true)
}

testrun run1
n_tests=$(grep -c . "results/$run/vb0/selected.txt")
expect "first run: exit status 1 (the corpus has failing tests)" "$rc" 1
per_board=$(grep -c '^\[vb0 ' "$tmp/run1")
expect "first run: each of the 4 boards ran the same tests" "$ran" $((per_board * 4))
for b in vb0 vb1 vb2 vb3; do
	[ -f "results/$run/$b/_results.json" ] || notok "no _results.json for $b"
done
if jq -e '.results | length > 0' "results/$run/vb3/_results.json" >/dev/null; then ok "_results.json parses"; else notok "_results.json"; fi
if xmllint --noout "results/$run/junit.xml" 2>"$tmp/xml"; then ok "junit.xml is well-formed XML"; else notok "junit.xml: $(head -3 "$tmp/xml")"; fi
if [ -f tests/junit.xsd ]; then
	if xmllint --noout --schema tests/junit.xsd "results/$run/junit.xml" 2>"$tmp/xml"; then ok "junit.xml validates against tests/junit.xsd"; else notok "junit.xml schema: $(head -3 "$tmp/xml")"; fi
fi
grep -q 'tests performed' "$tmp/run1" && ok "the summary is printed" || notok "no summary in the output"
# lines are whole: every line starts with a known prefix
bad=$(grep -v -E '^(\[vb[0-9]+ [0-9]+/[0-9]+\] (pass |FAIL |skip |lrge |ERROR) |testrun: |vb[0-9]+: |total: |mp-runtest: |[[:space:]])' "$tmp/run1" | head -3 || true)
expect "no interleaved or stray lines" "${bad:-none}" none
failed_first=$(grep -c '^\[vb0 .*FAIL ' "$tmp/run1" || true)

testrun run2
expect "second run: no test runs again except the failed ones" "$ran" $((failed_first * 4))

# passed tests are remembered: delete one result, exactly that test runs (on that board)
passed_one=$(grep '^\[vb1 .*pass ' "$tmp/run1" | head -1 | sed -E 's/.*pass  ([^ ]+) .*/\1/')
rm -f "results/$run/vb1/$passed_one.ok"
testrun run3
expect "after forgetting one result: it runs again, besides the failed ones" "$ran" $((failed_first * 4 + 1))
grep -q "^\[vb1 .*pass  $passed_one " "$tmp/run3" && ok "the forgotten test ran on its board" || notok "$passed_one did not run on vb1"

# editing one test reruns it on all 4 boards
echo '# edited' >>"$tmp/mpy/tests/$passed_one"
testrun run4
n=$(grep -c " $passed_one " "$tmp/run4" || true)
expect "an edited test reruns on every board" "$n" 4

# a failed test that is fixed passes and is then remembered
failing=$(grep '^\[vb0 .*FAIL ' "$tmp/run1" | grep -v timeout | head -1 | sed -E 's/.*FAIL  ([^ ]+) .*/\1/')
if [ -n "$failing" ]; then
	cp "$tmp/mpy/tests/$failing" "$tmp/fixed.py"
	printf 'print("fixed")\n' >"$tmp/mpy/tests/$failing"
	printf 'fixed\n' >"$tmp/mpy/tests/$failing.exp"
	testrun run5
	n=$(grep -c "pass  $failing " "$tmp/run5" || true)
	expect "a fixed test passes on every board" "$n" 4
	testrun run6
	n=$(grep -c " $failing " "$tmp/run6" || true)
	expect "and is not run again" "$n" 0
fi

# make retest's forgetting: every test of one directory runs again, on every board
sh scripts/forget.sh "results/$run" unicode/ 2>/dev/null
n_uni=$(grep -c '^unicode/' "results/$run/vb0/selected.txt")
testrun run7
n=$(grep -E '^\[vb[0-9]+ ' "$tmp/run7" | grep -c ' unicode/' || true)
expect "forget.sh unicode/: those tests run again on every board" "$n" $((n_uni * 4))

# a selection: TESTS picks one directory
BIN=$BIN MPY_DIR="$tmp/mpy" RUN=$run TESTBED=virtual VBOARDS=2 TESTS="unicode/" bash scripts/testrun.sh >"$tmp/run8" 2>&1 || true
other=$(grep -E '^\[vb[0-9]+ ' "$tmp/run8" | grep -v ' unicode/' | head -1 || true)
expect "TESTS=unicode/ runs only that directory" "${other:-none}" none

# mptest from the tests folder of the checkout
rc=0
(cd "$tmp/mpy/tests" && BIN=$BIN "$top/scripts/mptest" --virtual 2 --run "$run-mptest" basics/) >"$tmp/mptest" 2>&1 || rc=$?
n=$(grep -c '^\[vb[0-9]' "$tmp/mptest" || true)
others=$(grep -E '^\[vb[0-9]+ ' "$tmp/mptest" | grep -v ' basics/' | head -1 || true)
if [ "$n" -gt 0 ] && [ -z "$others" ]; then ok "mptest basics/ from <checkout>/tests ran $n basics tests"; else notok "mptest: $n lines, other: $others; $(tail -3 "$tmp/mptest")"; fi

# a board is taken for the whole run: a second run on the same ports is refused
mkdir -p "$tmp/busy"
start_vboard wasm "$tmp/busy/p" || notok "the virtual board did not start"
exec {lk}>>"${XDG_RUNTIME_DIR:-/tmp}/testbed-micropython-locks/$(realpath -m "$tmp/busy/p" | tr / _).lock"
flock -n "$lk"
rc=0
BIN=$BIN PORT="$tmp/busy/p" RUN=$run-busy bash scripts/testrun.sh >"$tmp/busy.log" 2>&1 || rc=$?
flock -u "$lk"
rm -rf "results/$run-busy"
if [ "$rc" = 3 ] && grep -q 'is busy' "$tmp/busy.log"; then ok "a board held by another run: clear 'busy' error"; else notok "busy board: exit $rc, $(cat "$tmp/busy.log")"; fi

finish
