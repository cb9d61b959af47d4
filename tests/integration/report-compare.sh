#!/bin/sh
# scripts/report-md.sh and scripts/compare.sh on hand-made runs (result files written with jq, boards.jsonl
# by scripts/report.sh): the Markdown summary (totals, one table row per board with its firmware, the
# failed tests with their diff, escaping, fences inside a diff, cuts of huge diffs and lists, the
# "nothing failed" case, bad input), and the comparison of two runs (each kind of change, --json lines,
# --md, exit codes, bad input, a run without boards.jsonl, `make compare`).
# Environment: REPORT, REPORT_MD, COMPARE (the scripts under test).
set -eu
export LC_ALL=C
cd "$(dirname "$0")/../.."
REPORT=${REPORT:-scripts/report.sh}
REPORT_MD=${REPORT_MD:-scripts/report-md.sh}
COMPARE=${COMPARE:-scripts/compare.sh}

# shellcheck source=tests/lib.sh
. tests/lib.sh
require jq make
RUN=report-compare-$$
# shellcheck disable=SC2016,SC2034 # run by tests/lib.sh at exit, expanded then
tb_extra_cleanup='rm -rf "results/$RUN-base" "results/$RUN-new"'

# lacks DESCRIPTION FILE TEXT: TEXT is not in FILE
lacks() { if grep -qF -e "$3" "$2"; then notok "$1: '$3' is in $2"; else ok "$1"; fi; }

# res RUN BOARD TEST VERDICT [REASON [DIFF [OUTPUT]]]: one result file
res() {
	mkdir -p "$(dirname "$1/$2/$3")"
	jq -n --arg t "$3" --arg v "$4" --arg r "${5:-}" --arg d "${6:-}" --arg o "${7:-}" \
		'{test: $t, verdict: $v, reason: $r, duration_ms: 1500, testcases: 0, started_ms: 1764140000000,
		  attempts: 1, diff: $d, output: $o}' >"$1/$2/$3.json"
}
# target RUN BOARD JSON: the board's probe
target() {
	mkdir -p "$1/$2"
	printf '%s\n' "$3" >"$1/$2/target.json"
}
report() { sh "$REPORT" "$1" >/dev/null 2>"$tmp/report.err" || [ $? = 1 ]; }

########################################################################################################
# report-md.sh

A=$tmp/runa
fence='```'
target "$A" b1 '{"board":"b1","platform":"rp2","build":"RPI_PICO","version":"v1|2*`x"}'
res "$A" b1 basics/ok1.py pass
res "$A" b1 basics/ok2.py pass
res "$A" b1 basics/fail1.py fail "output differs" "$(printf '@@ -1,1 +1,1 @@\n-alpha\n+beta')"
res "$A" b1 misc/slow.py timeout "timeout after 10 s" "" "partial output here"
res "$A" b1 'odd/we|ird`na*me.py' fail "bad | reason" "$(printf '@@ -1,3 +1,3 @@\n %s\n-inside\n+outside\n %s' "$fence" "$fence")"
res "$A" b1 basics/sk.py skip "no float"
res "$A" b1 'misc/fl`a*ky.py' flaky "passed on attempt 2" "-x" "x"
res "$A" b1 misc/ign.py ignored "known flaky: timing"
target "$A" b2 '{"board":"b2","platform":"webassembly","build":"pyscript","arch":null}'
printf '%s\n' 'pyscript;3.4.0; MicroPython v1.27.0 on 2025-12-10;pyscript' >"$A/b2/board.id"
res "$A" b2 basics/ok1.py pass
res "$A" b2 basics/err.py error ""
res "$A" b2 basics/long.py fail "output differs" "$(seq 1 100 | sed 's/^/-line /')"
target "$A" b3 '{"board":"b3","platform":"esp32","build":"ESP32_GENERIC","arch":"xtensawin"}'
res "$A" b3 basics/ok1.py pass

check "report-md: without boards.jsonl (exit 2)" 2 sh "$REPORT_MD" "$A"
has_text "report-md: without boards.jsonl, says to run report.sh first" "$tmp/e" "run scripts/report.sh"
report "$A"
check "report-md: a run" 0 sh "$REPORT_MD" "$A"
S=$A/summary.md
same "report-md: nothing on stdout" "" "$(cat "$tmp/o")"
has "report-md: title with the run name and the totals" "$S" \
	'^## Test run runa: 4 passed, 5 failed, 1 skipped, 1 flaky, 1 ignored on 3 boards (test time 18\.0 s)$'
has_text "report-md: table header" "$S" \
	"| board | firmware | passed | failed | skipped | timeout | error | flaky | ignored | time |"
has_text "report-md: b1 row, firmware from args.version (escaped)" "$S" \
	'| b1 | v1\|2\*\`x | 2 | 2 | 1 | 1 | 0 | 1 | 1 | 12.0 s |'
has_text "report-md: b2 row, firmware from board.id" "$S" \
	'| b2 | MicroPython v1.27.0 on 2025-12-10 (pyscript) | 1 | 1 | 0 | 0 | 1 | 0 | 0 | 4.5 s |'
has_text "report-md: b3 row, firmware from platform, build, arch" "$S" \
	'| b3 | esp32 ESP32\_GENERIC xtensawin | 1 | 0 | 0 | 0 | 0 | 0 | 0 | 1.5 s |'
same "report-md: every table line has 11 unescaped pipes" "5" \
	"$(grep '^|' "$S" | sed 's/\\|//g' | awk -F'|' 'NF == 12' | wc -l | tr -d ' ')"
has_text "report-md: failed tests section" "$S" "### Failed tests (5)"
has_text "report-md: per board heading" "$S" "#### b1: 3 failed"
has_text "report-md: failed test with its reason in a details block" "$S" \
	"<details><summary><code>basics/fail1.py</code>: fail: output differs</summary>"
grep -A 6 'basics/fail1.py</code>' "$S" >"$tmp/fail1"
has "report-md: the diff in a diff fence" "$tmp/fail1" '^```diff$'
has "report-md: the diff lines" "$tmp/fail1" '^+beta$'
grep -A 6 'misc/slow.py</code>' "$S" >"$tmp/slow"
has_text "report-md: a timeout with its reason" "$tmp/slow" "timeout: timeout after 10 s"
has "report-md: no diff: the output instead" "$tmp/slow" '^partial output here$'
has_text "report-md: an error without a reason says error" "$S" "<code>basics/err.py</code>: error: error</summary>"
has_text "report-md: a name with |, \` and * intact in the HTML summary line" "$S" \
	"<code>odd/we|ird\`na*me.py</code>: fail: bad | reason</summary>"
grep -A 8 'odd/we|ird' "$S" >"$tmp/odd"
has "report-md: a fence inside the diff: a longer fence around it" "$tmp/odd" '^````diff$'
# shellcheck disable=SC2016 # backquotes, not an expansion
same "report-md: the inner fences stay inside the longer one" "$(printf ' %s\n-inside\n+outside\n %s\n````' "$fence" "$fence")" \
	"$(sed -n '/^````diff$/,/^````$/p' "$tmp/odd" | sed '1,2d')"
grep -A 22 'basics/long.py</code>' "$S" >"$tmp/long"
same "report-md: a long diff cut to 15 lines" "15" "$(grep -c '^-line ' "$tmp/long")"
has_text "report-md: the cut says how many lines are left out" "$tmp/long" "(85 more lines not shown: see junit.xml)"
has_text "report-md: flaky tests listed, name escaped" "$S" '- b1: misc/fl\`a\*ky.py (passed on attempt 2)'
has_text "report-md: ignored failures listed" "$S" "- b1: misc/ign.py (known flaky: timing)"
has "report-md: the flaky section, with its count" "$S" '^### Flaky tests (1): failed, then passed on a retry$'
has "report-md: the ignored section, with its count" "$S" '^### Ignored failures (1): known to be flaky$'
lacks "report-md: a run with failures does not say nothing failed" "$S" "Nothing failed"
same "report-md: no temporary file left" "" "$(find "$A" -name 'summary.md.tmp*')"

P=$tmp/runp
target "$P" vb0 '{"board":"vb0"}'
res "$P" vb0 basics/a.py pass
res "$P" vb0 basics/b.py skip "no float"
report "$P"
check "report-md: a run where nothing failed" 0 sh "$REPORT_MD" "$P"
has "report-md: one board" "$P/summary.md" "^## Test run runp: 1 passed, 0 failed, 1 skipped, 0 flaky, 0 ignored on 1 board (test time 3.0 s)$"
has_text "report-md: nothing failed, said plainly" "$P/summary.md" \
	"Nothing failed: no test failed, timed out or ended in error on any board."
lacks "report-md: no failed section when nothing failed" "$P/summary.md" "### Failed tests"
lacks "report-md: no flaky section without flaky tests" "$P/summary.md" "### Flaky tests"
has_text "report-md: a probe without firmware fields gives ?" "$P/summary.md" "| vb0 | ? | 1 | 0 | 1 |"

# fails N RUN BOARD DIFF-FILE: N failed tests t/f1000.py... on BOARD, their diff the JSON string in DIFF-FILE
fails() {
	mkdir -p "$2/$3/t"
	jq -n -c --argjson n "$1" --slurpfile d "$4" \
		'range($n) | {test: "t/f\(. + 1000).py", verdict: "fail", reason: "output differs", duration_ms: 10,
		  diff: $d[0], output: ""}' |
		while IFS= read -r line; do
			t=${line#*\"test\":\"t/}
			printf '%s\n' "$line" >"$2/$3/t/${t%%\"*}.json"
		done
}
# a huge run: 300 failed tests with long diffs
H=$tmp/runh
target "$H" big '{"board":"big"}'
jq -n -c '[range(20) | "-" + ("x" * 150)] | join("\n")' >"$tmp/diff.json"
fails 300 "$H" big "$tmp/diff.json"
report "$H"
check "report-md: a huge run" 0 sh "$REPORT_MD" "$H"
size=$(wc -c <"$H/summary.md" | tr -d ' ')
if [ "$size" -lt 60000 ] && [ "$size" -gt 50000 ]; then
	ok "report-md: a huge run stays under 60000 bytes ($size)"
else
	notok "report-md: a huge run: $size bytes"
fi
has_text "report-md: the size cut is said" "$H/summary.md" "This summary is cut to stay under 60000 bytes"
has "report-md: the size cut counts the failed tests left out" "$H/summary.md" "are left out: [0-9]* failed tests are not shown"
n=$(grep -c '^<details>' "$H/summary.md" || true)
left=$(sed -n 's/.*left out: \([0-9]*\) failed tests are not shown.*/\1/p' "$H/summary.md")
same "report-md: a huge run: the failed tests shown and left out make 300" "300" "$((n + ${left:-0}))"
if [ "$n" -gt 5 ] && [ "$n" -lt 50 ]; then ok "report-md: a huge run: $n failed tests shown"; else notok "report-md: a huge run: $n failed tests shown"; fi
same "report-md: a huge run: no block cut in the middle" "$n" "$(grep -c '^</details>$' "$H/summary.md" || true)"

# a long list of small failures, one with a 1 MB single-line diff
L=$tmp/runl
target "$L" big '{"board":"big"}'
jq -n '"-a\n+b"' >"$tmp/small.json"
fails 100 "$L" big "$tmp/small.json"
jq -n '{test: "t/a_huge.py", verdict: "fail", reason: "output differs", duration_ms: 10, output: "",
	diff: ("+" + ("y" * 1000000))}' >"$L/big/t/a_huge.py.json"
report "$L"
check "report-md: a run with a long list and a huge diff" 0 sh "$REPORT_MD" "$L"
same "report-md: at most 50 failed tests of a board in details" "50" "$(grep -c '^<details>' "$L/summary.md" || true)"
has_text "report-md: a long list of failures cut, and said" "$L/summary.md" \
	"and 51 more failed tests on big, not shown here (see junit.xml)"
lacks "report-md: the list cut alone is no size cut" "$L/summary.md" "This summary is cut"
has_text "report-md: a 1 MB diff line cut to 300 characters" "$L/summary.md" "+$(printf 'y%.0s' $(seq 1 299)) [...]"
size=$(wc -c <"$L/summary.md" | tr -d ' ')
if [ "$size" -lt 20000 ]; then ok "report-md: a 1 MB diff: $size bytes"; else notok "report-md: a 1 MB diff: $size bytes"; fi

check "report-md: -h" 0 sh "$REPORT_MD" -h
has_text "report-md: -h prints the usage and the exit codes" "$tmp/o" "Exit status: 0 written"
check "report-md: no argument (exit 2)" 2 sh "$REPORT_MD"
check "report-md: an unknown option (exit 2)" 2 sh "$REPORT_MD" --bogus
check "report-md: not a folder (exit 2)" 2 sh "$REPORT_MD" "$tmp/nothing-here"
has_text "report-md: not a folder names it" "$tmp/e" "report-md: '$tmp/nothing-here' is not a folder"
mkdir -p "$tmp/broken"
printf '{"board": \n' >"$tmp/broken/boards.jsonl"
check "report-md: an unreadable boards.jsonl (exit 2)" 2 sh "$REPORT_MD" "$tmp/broken"
same "report-md: nothing written from an unreadable boards.jsonl" "" "$(find "$tmp/broken" -name 'summary*')"

########################################################################################################
# compare.sh

B=$tmp/base
N=$tmp/new
for r in "$B" "$N"; do
	target "$r" c1 '{"board":"c1"}'
	res "$r" c1 t/keep_pass.py pass
	res "$r" c1 t/keep_fail.py fail "output differs" "-a"
done
target "$B" c2 '{"board":"c2"}'
res "$B" c2 t/x.py pass
target "$N" c3 '{"board":"c3"}'
res "$N" c3 t/x.py pass
res "$N" c3 t/y.py fail "crash"
# base -> new
res "$B" c1 t/regress.py pass
res "$N" c1 t/regress.py fail "output differs" "-b"
res "$B" c1 t/regress_to.py skip "no float"
res "$N" c1 t/regress_to.py timeout "timeout after 10 s"
res "$B" c1 t/fixed.py fail "crash"
res "$N" c1 t/fixed.py pass
res "$B" c1 t/newskip.py pass
res "$N" c1 t/newskip.py skip "no float"
res "$B" c1 t/unskip.py skip "no float"
res "$N" c1 t/unskip.py pass
res "$B" c1 t/gone.py pass
res "$N" c1 t/newfail.py error "cannot run"
res "$N" c1 t/newpass.py pass
res "$B" c1 t/chg.py fail "crash"
res "$N" c1 t/chg.py skip "no float"
report "$B"
# the new run has no boards.jsonl: compare makes it

check "compare: new failures (exit 1)" 1 sh "$COMPARE" --md "$tmp/cmp.md" "$B" "$N"
cp "$tmp/o" "$tmp/text"
has "compare: a run without boards.jsonl is reported first" "$N/boards.jsonl" '"board":"c1"'
has_text "compare: the counts of a board" "$tmp/text" \
	"c1: 3 new failures, 1 fixed, 1 new skip, 1 no longer skipped, 1 gone, 2 new, 1 changed; 2 unchanged (1 pass, 1 fail)"
has_text "compare: new failure pass -> fail" "$tmp/text" "  new failure: t/regress.py (pass -> fail: output differs)"
has_text "compare: new failure skip -> timeout" "$tmp/text" "  new failure: t/regress_to.py (skip -> timeout: timeout after 10 s)"
has_text "compare: a new test that fails is a new failure" "$tmp/text" "  new failure: t/newfail.py (new -> error: cannot run)"
has_text "compare: fixed" "$tmp/text" "  fixed: t/fixed.py (fail -> pass)"
has_text "compare: new skip" "$tmp/text" "  new skip: t/newskip.py (pass -> skip: no float)"
has_text "compare: no longer skipped" "$tmp/text" "  no longer skipped: t/unskip.py (skip -> pass)"
has_text "compare: gone" "$tmp/text" "  gone: t/gone.py (was pass)"
has_text "compare: new" "$tmp/text" "  new: t/newpass.py (pass)"
has_text "compare: changed" "$tmp/text" "  changed: t/chg.py (fail -> skip: no float)"
lacks "compare: a still failing test is no new failure" "$tmp/text" "t/keep_fail.py"
has_text "compare: a board only in base" "$tmp/text" "c2: only in base (1 test)"
has_text "compare: a board only in new, its failures are new" "$tmp/text" "c3: only in new (2 tests, 1 failing)"
has_text "compare: the failure of a board only in new" "$tmp/text" "  new failure: t/y.py (fail: crash)"
has_text "compare: the total" "$tmp/text" \
	"total: 4 new failures, 1 fixed, 1 new skip, 1 no longer skipped, 1 gone, 2 new, 1 changed on 3 boards (1 only in base, 1 only in new)"

check "compare: --json (exit 1)" 1 sh "$COMPARE" --json "$B" "$N"
same "compare: --json: one line per board" "3" "$(wc -l <"$tmp/o" | tr -d ' ')"
same "compare: --json: every line an object" "3" "$(jq -c 'select(type == "object")' "$tmp/o" | wc -l | tr -d ' ')"
same "compare: --json: the boards and where they are" "c1 both|c2 only in base|c3 only in new" \
	"$(jq -r '"\(.board) \(.present)"' "$tmp/o" | paste -sd '|' -)"
jq -c 'select(.board == "c1")' "$tmp/o" >"$tmp/c1"
names() { jq -r "[.$1[].test] | join(\" \")" "$tmp/c1"; }
same "compare: --json: new failures" "t/newfail.py t/regress.py t/regress_to.py" "$(names new_failures)"
same "compare: --json: fixed" "t/fixed.py" "$(names fixed)"
same "compare: --json: new skips" "t/newskip.py" "$(names new_skips)"
same "compare: --json: no longer skipped" "t/unskip.py" "$(names no_longer_skipped)"
same "compare: --json: gone" "t/gone.py" "$(names gone)"
same "compare: --json: new" "t/newfail.py t/newpass.py" "$(names new)"
same "compare: --json: changed" "t/chg.py" "$(names changed)"
same "compare: --json: unchanged counts" '{"pass":1,"skip":0,"fail":1,"flaky":0,"ignored":0,"total":2}' \
	"$(jq -c .unchanged "$tmp/c1")"
same "compare: --json: a new failure's verdicts and reason" '{"test":"t/regress_to.py","base":"skip","now":"timeout","reason":"timeout after 10 s"}' \
	"$(jq -c '.new_failures[] | select(.test == "t/regress_to.py")' "$tmp/c1")"
same "compare: --json: the failure of a board only in new" "t/y.py" \
	"$(jq -r 'select(.board == "c3") | [.new_failures[].test] | join(" ")' "$tmp/o")"

has_text "compare: --md: the title" "$tmp/cmp.md" "## Changes from base to new: 4 new failures, 1 fixed"
has_text "compare: --md: the board row" "$tmp/cmp.md" "| c1 | 3 | 1 | 1 | 1 | 1 | 2 | 1 | 2 |"
has_text "compare: --md: only in base" "$tmp/cmp.md" "| c2 | _only in base (1 test)_ |"
has_text "compare: --md: only in new" "$tmp/cmp.md" "| c3 | 1 (_only in new: 2 tests_) |"
has_text "compare: --md: a new failure, escaped" "$tmp/cmp.md" '- t/regress\_to.py: skip → timeout (timeout after 10 s)'
has_text "compare: --md: a new test that fails" "$tmp/cmp.md" '- t/newfail.py: new → error (cannot run)'
has_text "compare: --md: fixed" "$tmp/cmp.md" "**Fixed (1)**"
lacks "compare: --md: no 'no new failure' with new failures" "$tmp/cmp.md" "No new failure."
same "compare: --md: no temporary file left" "" "$(find "$tmp" -maxdepth 1 -name 'cmp.md.tmp*')"

# a run with no new failure: the base with one test fixed
N2=$tmp/new2
cp -R "$B" "$N2"
rm -f "$N2"/boards.jsonl "$N2"/summary.json "$N2"/junit.xml
res "$N2" c1 t/fixed.py pass
check "compare: no new failure (exit 0)" 0 sh "$COMPARE" --md "$tmp/ok.md" "$B" "$N2"
has_text "compare: no new failure: the counts" "$tmp/o" \
	"c1: 0 new failures, 1 fixed, 0 new skips, 0 no longer skipped, 0 gone, 0 new, 0 changed;"
has_text "compare: no new failure: said in Markdown" "$tmp/ok.md" "No new failure."
check "compare: a run against itself (exit 0)" 0 sh "$COMPARE" "$B" "$B"
has_text "compare: a run against itself: all unchanged" "$tmp/o" \
	"c1: 0 new failures, 0 fixed, 0 new skips, 0 no longer skipped, 0 gone, 0 new, 0 changed; 9 unchanged (4 pass, 2 skip, 3 fail)"

# bad input
check "compare: -h" 0 sh "$COMPARE" -h
has_text "compare: -h prints the exit codes" "$tmp/o" "Exit status: 0 no new failure, 1 new failures, 2 usage"
check "compare: no argument (exit 2)" 2 sh "$COMPARE"
check "compare: one argument (exit 2)" 2 sh "$COMPARE" "$B"
check "compare: three arguments (exit 2)" 2 sh "$COMPARE" "$B" "$N" "$N"
check "compare: an unknown option (exit 2)" 2 sh "$COMPARE" --bogus "$B" "$N"
check "compare: --md without a file (exit 2)" 2 sh "$COMPARE" "$B" "$N" --md
check "compare: a base that does not exist (exit 2)" 2 sh "$COMPARE" "$tmp/absent" "$N"
has_text "compare: a missing base is named" "$tmp/e" "compare: '$tmp/absent' does not exist"
: >"$tmp/afile"
check "compare: a base that is a file (exit 2)" 2 sh "$COMPARE" "$tmp/afile" "$N"
has_text "compare: a file is not a folder" "$tmp/e" "compare: '$tmp/afile' is not a folder"
mkdir -p "$tmp/empty/sub"
check "compare: a folder without boards (exit 2)" 2 sh "$COMPARE" "$B" "$tmp/empty"
has_text "compare: no board, said" "$tmp/e" "no board in '$tmp/empty'"
mkdir -p "$tmp/zero"
: >"$tmp/zero/boards.jsonl"
check "compare: an empty boards.jsonl (exit 2)" 2 sh "$COMPARE" "$tmp/zero" "$B"
check "compare: an unreadable boards.jsonl (exit 2)" 2 sh "$COMPARE" "$tmp/broken" "$B"

# make compare: BASE and RUN as run names under results/, or BASE as a folder
mkdir -p results
cp -R "$B" "results/$RUN-base"
cp -R "$N" "results/$RUN-new"
check "make compare: run names (exit 2 from make on new failures)" 2 make -s compare BASE="$RUN-base" RUN="$RUN-new"
has_text "make compare: the comparison" "$tmp/o" "c1: 3 new failures, 1 fixed"
check "make compare: BASE a folder" 0 make -s compare BASE="$B" RUN="$RUN-base"
has_text "make compare: BASE a folder: the comparison" "$tmp/o" "c1: 0 new failures, 0 fixed"
check "make compare: BASE missing (exit 2 from make)" 2 make -s compare RUN="$RUN-new"
has_text "make compare: BASE missing, said" "$tmp/e" "compare: give BASE="
check "make compare: BASE neither a folder nor a run (exit 2)" 2 make -s compare BASE="$RUN-absent" RUN="$RUN-new"
has_text "make compare: a bad BASE named" "$tmp/e" "BASE='$RUN-absent' is neither a folder nor a run under results/"

finish
