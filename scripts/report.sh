#!/bin/sh
# report: sum up a run from its result files alone (re-runnable): per board <board>/_results.json in the
# format of MicroPython's run-tests.py, RUN_DIR/summary.json, junit.xml, boards.jsonl, summary.md,
# report.html, and on stdout a summary in the style of run-tests.py.
#
# usage: scripts/report.sh RUN_DIR
#
# RUN_DIR holds one folder per board (its label) with target.json (the probe) and one result per test at
# <board>/<test>.json (e.g. vb0/basics/int1.py.json, as written by mp-runtest --result). A folder is a
# board if it has target.json or any result file. Every output is written to a temporary file and renamed.
# Exit: 0 every test passed or was skipped, 1 a test failed (fail, timeout or error), 2 usage or nothing to
# report, 4 local trouble (cannot write an output).

# shellcheck disable=SC2016 # the jq programs below are in single quotes on purpose
set -eu
export LC_ALL=C

prog=report

usage() {
	cat <<'EOF'
usage: report.sh RUN_DIR

Build from the result files of RUN_DIR (RUN_DIR/<board>/<test>.json and <board>/target.json):
  <board>/_results.json   run-tests.py's format: {"args": target.json, "results": [[test, pass|skip|fail,
                          reason], ...], "failed_tests": [...]}
  summary.json            {"boards": {label: {passed, failed, skipped, timeout, error, total, ...}},
                          "totals": {...}}
  junit.xml               one <testsuite> per board, one <testcase> per test
  summary.md              the run in GitHub-flavoured Markdown (scripts/report-md.sh)
  report.html             a page for a browser: board x folder matrix, failures, timeline
                          (scripts/report-html.sh)
  boards.jsonl            one line per board: {board, args (target.json), summary (the counts), tests:
                          [{test, verdict, reason, duration_ms, started_ms, attempts, testcases, and for
                          failures diff and output}], failed_tests, flaky_tests, ...}
and print a summary per board on stdout.

Exit status: 0 no test failed, 1 a test failed (fail, timeout or error), 2 usage or nothing to report,
4 an output could not be written.
EOF
}

# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

run_dir_arg "$@"
start_work

# One result file -> one compact line: the fields the reports use; the output and the diff only for
# failures (JUnit shows them). Unknown verdicts count as errors. The board's target.json -> {"target": ...}.
EXTRACT='
if input_filename == $p + "target.json" then
	if type == "object" then {target: .} else empty end
elif (input_filename | endswith(".py.json") | not) then empty
else
	(input_filename | ltrimstr($p) | rtrimstr(".json")) as $test
	| (if type == "object" then . else {} end) as $r
	| ($r.verdict | if IN("pass", "fail", "skip", "lrge", "timeout", "error", "flaky", "ignored") then . else null end) as $v
	| {test: $test,
	   verdict: ($v // "error"),
	   reason: (if $v == null then "unknown verdict \($r.verdict | tojson)"
		    else ($r.reason | if type == "string" then . else "" end) end),
	   duration_ms: ($r.duration_ms | if type == "number" and . >= 0 then floor else 0 end),
	   testcases: ($r.testcases | if type == "number" and . >= 0 then floor else 0 end),
	   started_ms: ($r.started_ms | if type == "number" and . >= 0 then floor else null end),
	   attempts: ($r.attempts | if type == "number" and . >= 1 then floor else 1 end)}
	| if .verdict == "fail" or .verdict == "timeout" or .verdict == "error" or .verdict == "flaky" then
		. + {diff: ($r.diff | if type == "string" then . else "" end),
		     output: ($r.output | if type == "string" then . else "" end)}
	  else . end
end'

# extract BOARD_DIR OUT: every result file of the board and its target.json -> lines in OUT
extract() {
	# empty files (an interrupted writer) cannot be parsed: count them as errors
	find "$1" -type f -name '*.py.json' -empty -exec sh -c '
		p=$1
		shift
		for f; do
			printf "%s: empty result file '\''%s'\''\n" report "$f" >&2
			jq -nc --arg f "$f" --arg p "$p" \
				"{test: (\$f | ltrimstr(\$p) | rtrimstr(\".json\")), verdict: \"error\",
				  reason: \"empty result file\", duration_ms: 0, testcases: 0, diff: \"\", output: \"\"}"
		done' sh "$1/" {} + >"$2.empty"
	# all at once; if a file does not parse, or the files did not give one test each (jq reads them as
	# one stream: a bare value without a final newline is charged to the next file), again one by one
	files=$(find "$1" -type f -name '*.py.json' ! -empty | wc -l)
	if ! find "$1" -type f \( -name '*.py.json' -o -name target.json \) ! -empty \
		-exec jq -c --arg p "$1/" -f "$tmp/extract.jq" {} + >"$2" 2>/dev/null ||
		[ "$(grep -o '^{"test":"\([^"\\]\|\\.\)*"' "$2" | sort -u | wc -l)" != "$files" ]; then
		find "$1" -type f \( -name '*.py.json' -o -name target.json \) ! -empty -exec sh -c '
			p=$1 prog=$2
			shift 2
			for f; do
				if out=$(jq -c --arg p "$p" -f "$prog" "$f" 2>/dev/null); then
					[ -z "$out" ] || printf "%s\n" "$out"
				elif [ "$f" = "${p}target.json" ]; then
					: # reported by the board step
				else
					printf "%s: cannot parse result file '\''%s'\''\n" report "$f" >&2
					jq -nc --arg f "$f" --arg p "$p" \
						"{test: (\$f | ltrimstr(\$p) | rtrimstr(\".json\")), verdict: \"error\",
						  reason: \"unreadable result file\", duration_ms: 0, testcases: 0, diff: \"\",
						  output: \"\"}"
				fi
			done' sh "$1/" "$tmp/extract.jq" {} + >"$2"
	fi
	cat "$2.empty" >>"$2"
}

# The board: line 1 its _results.json, line 2 its record (run-tests.py's results, the counts, what JUnit
# needs), then warnings if any.
BOARD='
def mapped: if .verdict == "pass" then "pass"
	elif .verdict == "skip" or .verdict == "lrge" then "skip"
	elif .verdict == "ignored" then "ignored"
	else "fail" end;
def why: if .verdict == "lrge" then "too large"
	elif (.verdict == "timeout" or .verdict == "error") and .reason == "" then .verdict
	else .reason end;
def count($v): map(select(.verdict == $v)) | length;
(first(.[] | select(has("target")) | .target) // null) as $target
| (map(select(has("test"))) | unique_by(.test) | sort_by(.test) | map(.reason = why)) as $r
| {board: $board,
   args: ($target // {}),
   results: [$r[] | [.test, mapped, .reason]],
   failed_tests: [$r[] | select(mapped == "fail") | .test],
   skipped_tests: [$r[] | select(.verdict == "skip") | .test],
   large_tests: [$r[] | select(.verdict == "lrge") | .test],
   flaky_tests: [$r[] | select(.verdict == "flaky") | .test],
   ignored_tests: [$r[] | select(.verdict == "ignored") | "\(.test) [\(.reason)]"],
   summary: {
	passed: ($r | count("pass")),
	failed: ($r | count("fail")),
	skipped: (($r | count("skip")) + ($r | count("lrge"))),
	too_large: ($r | count("lrge")),
	timeout: ($r | count("timeout")),
	error: ($r | count("error")),
	flaky: ($r | count("flaky")),
	ignored: ($r | count("ignored")),
	total: ($r | length),
	testcases: ([$r[] | select(.verdict != "skip" and .verdict != "lrge") | .testcases] | add // 0),
	duration_ms: ([$r[].duration_ms] | add // 0),
	failed_tests: [$r[] | select(mapped == "fail") | .test]},
   tests: $r}
| ({args, results, failed_tests} | tojson),
  tojson,
  (if $target == null and $has_target == "yes" then
	"report: \u0027\($dir)/target.json\u0027 is not a JSON object: \"args\" left empty" else empty end)'

SUMMARY='
def total($k): map(.summary[$k]) | add // 0;
{boards: (map({key: .board, value: .summary}) | from_entries),
 totals: {passed: total("passed"), failed: total("failed"), skipped: total("skipped"),
	too_large: total("too_large"), timeout: total("timeout"), error: total("error"), flaky: total("flaky"),
	ignored: total("ignored"), total: total("total"),
	testcases: total("testcases"), duration_ms: total("duration_ms"), boards: length,
	failed_tests: [.[] | .board as $b | .summary.failed_tests[] | "\($b)/\(.)"]}}'

# JUnit XML. Everything from the results is escaped; characters XML 1.0 does not allow are dropped;
# CR, LF and TAB in attributes become character references so that they survive.
JUNIT='
def xmlchars:
	# the slow filter only for strings that may hold such a character (tojson shows them as \u00XX, \b,
	# \f; U+FFFE and U+FFFF as they are)
	if (tojson | contains("\\u00") or contains("\\b") or contains("\\f")) or contains("\ufffe")
		or contains("\uffff") then
		explode | map(select(. == 9 or . == 10 or . == 13 or (. >= 32 and . < 55296)
			or (. >= 57344 and . < 65534) or . >= 65536)) | implode
	else . end;
def xtext: tostring | xmlchars | @html | if contains("\r") then split("\r") | join("&#13;") else . end;
# (a string with no backslash in its JSON form holds no CR, LF or TAB)
def xattr: tostring | if tojson | contains("\\") then xtext | split("\n") | join("&#10;") | split("\t")
	| join("&#9;") else xmlchars | @html end;
def secs: (if type == "number" and . > 0 then floor else 0 end) as $ms
	| "\($ms / 1000 | floor).\("00\($ms % 1000)"[-3:])";
def failures: .summary.failed + .summary.timeout + (.summary.flaky // 0);
def classname($b): .test as $t | $b + (if $t | contains("/") then "." + ($t | split("/")[:-1] | join(".")) else "" end);
def testcase($b):
	"    <testcase classname=\"\(classname($b) | xattr)\" name=\"\(.test | xattr)\" time=\"\(.duration_ms | secs)\""
	+ if .verdict == "pass" then "/>"
	elif .verdict == "skip" or .verdict == "lrge" or .verdict == "ignored" then
		.reason as $m
		| ">\n      <skipped" + (if $m == "" then "" else " message=\"\($m | xattr)\"" end) + "/>\n    </testcase>"
	else
		(if .verdict == "error" then "error" else "failure" end) as $el
		| (if .diff != "" then .diff else .output end) as $body
		| ">\n      <\($el) message=\"\(.reason | xattr)\" type=\"\(.verdict)\">\($body | xtext)</\($el)>"
		+ (if .output != "" then "\n      <system-out>\(.output | xtext)</system-out>" else "" end)
		+ "\n    </testcase>"
	end;
def properties:
	[.args | objects | to_entries[] | select(.value | type | IN("string", "number", "boolean"))
	 | "      <property name=\"\(.key | xattr)\" value=\"\(.value | xattr)\"/>"]
	| if length == 0 then [] else ["    <properties>"] + . + ["    </properties>"] end;
def suite:
	.board as $b
	| "  <testsuite name=\"\($b | xattr)\" tests=\"\(.summary.total)\" failures=\"\(failures)\" errors=\"\(.summary.error)\" skipped=\"\(.summary.skipped)\" time=\"\(.summary.duration_ms | secs)\">",
	properties[],
	(.tests[] | testcase($b)),
	"  </testsuite>";
"<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
"<testsuites name=\"micropython\" tests=\"\(map(.summary.total) | add // 0)\" failures=\"\(map(failures) | add // 0)\" errors=\"\(map(.summary.error) | add // 0)\" skipped=\"\(map(.summary.skipped) | add // 0)\" time=\"\(map(.summary.duration_ms) | add // 0 | secs)\">",
(.[] | suite),
"</testsuites>"'

# The text summary, as run-tests.py prints it, one block per board.
TEXT='
def names: map(tostring) | join(" ");
(.[] | .board as $b | .summary as $s
	| "\($b): \($s.passed + $s.failed + $s.timeout + $s.error + ($s.flaky // 0) + ($s.ignored // 0)) tests performed (\($s.testcases) individual testcases)",
	"\($b): \($s.passed) tests passed",
	(if (.ignored_tests | length) > 0 then "\($b): \(.ignored_tests | length) tests had known-flaky failures (ignored): \(.ignored_tests | names)" else empty end),
	(if (.flaky_tests | length) > 0 then "\($b): \(.flaky_tests | length) tests are flaky (passed and failed): \(.flaky_tests | names)" else empty end),
	(if (.skipped_tests | length) > 0 then "\($b): \(.skipped_tests | length) tests skipped: \(.skipped_tests | names)" else empty end),
	(if (.large_tests | length) > 0 then "\($b): \(.large_tests | length) tests skipped because they are too large: \(.large_tests | names)" else empty end),
	(if (.failed_tests | length) > 0 then "\($b): \(.failed_tests | length) tests failed: \(.failed_tests | names)" else empty end)),
(def total($k): map(.summary[$k]) | add // 0;
 "total: \(total("passed")) passed, \(total("failed") + total("timeout") + total("error") + total("flaky")) failed, \(total("skipped")) skipped on \(length) boards")'

printf '%s\n' "$EXTRACT" >"$tmp/extract.jq"

# board_job N DIR LABEL HAS_TARGET: one board -> its _results.json, and $tmp/N.record, $tmp/N.err
# (warnings), $tmp/N.done when all went well
board_job() {
	# unchanged since the last report (no result, probe or selection newer than the cache): reuse it
	cache=$2/.report-cache
	if [ -f "$cache" ] && [ -f "$2/_results.json" ] && [ -z "$(find "$2" -newer "$cache" \( -name '*.py.json' \
		-o -name target.json -o -name selected.txt \) -print -quit)" ]; then
		: >"$tmp/$1.err"
		sed -n 2p "$cache" >"$tmp/$1.record"
		: >"$tmp/$1.done"
		: >"$tmp/$1.cached"
		return
	fi
	# the extracted lines of the last report are reused: only result files newer than them are read
	lines=$2/.report-lines
	if [ -f "$lines" ] && [ -f "$cache" ]; then
		find "$2" -newer "$lines" -type f \( -name '*.py.json' -o -name target.json \) ! -empty \
			-exec jq -c --arg p "$2/" -f "$tmp/extract.jq" {} + >"$tmp/$1.new" 2>"$tmp/$1.err" || :
		if [ -s "$tmp/$1.err" ]; then
			extract "$2" "$tmp/$1.lines" 2>"$tmp/$1.err"
		else
			# newer lines replace older ones of the same test (or the target)
			cat "$lines" "$tmp/$1.new" | jq -sc 'reverse | unique_by(.test // "") | .[]' >"$tmp/$1.lines"
		fi
	else
		extract "$2" "$tmp/$1.lines" 2>"$tmp/$1.err"
	fi
	[ -s "$tmp/$1.err" ] || publish "$tmp/$1.lines" "$lines"
	# only the tests of the board's current selection count (results of others stay on disk)
	if [ -f "$2/selected.txt" ]; then
		jq -nc --rawfile sel "$2/selected.txt" \
			'(reduce ($sel | split("\n") | .[] | select(. != "")) as $t ({}; .[$t] = true)) as $s
			 | inputs | select(has("target") or $s[.test])' "$tmp/$1.lines" >"$tmp/$1.sel" &&
			mv "$tmp/$1.sel" "$tmp/$1.lines"
	fi
	jq -rs --arg board "$3" --arg dir "$2" --arg has_target "$4" "$BOARD" "$tmp/$1.lines" >"$tmp/$1.board"
	sed -n 1p "$tmp/$1.board" >"$tmp/$1._results.json"
	sed -n 2p "$tmp/$1.board" >"$tmp/$1.record"
	sed -n '3,$p' "$tmp/$1.board" >>"$tmp/$1.err"
	publish "$tmp/$1._results.json" "$2/_results.json"
	[ -s "$tmp/$1.err" ] || publish "$tmp/$1.board" "$cache"
	: >"$tmp/$1.done"
}

# the boards: folders with target.json or a result file
n=0
for d in "$run"/*/; do
	d=${d%/}
	[ -d "$d" ] || continue
	has_target=no
	if [ -f "$d/target.json" ]; then
		has_target=yes
	elif [ -z "$(find "$d" -type f -name '*.py.json' -print -quit)" ]; then
		continue
	fi
	case $d in
	*"
"*)
		printf '%s: %s\n' "$prog" "a board folder name with a newline is not supported: '$d' (rename it)" >&2
		continue
		;;
	esac
	n=$((n + 1))
	printf '%s\n' "$d" >"$tmp/$n.dir"
	printf '%s\n' "$has_target" >"$tmp/$n.target"
done
[ "$n" -gt 0 ] || die 2 "no board in '$run': expected RUN_DIR/<board>/target.json or RUN_DIR/<board>/<test>.json"

# the boards in parallel, as many at a time as there are processors
jobs=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
case $jobs in '' | *[!0-9]* | 0) jobs=1 ;; esac
i=0
while [ $i -lt $n ]; do
	i=$((i + 1))
	d=$(cat "$tmp/$i.dir")
	(board_job "$i" "$d" "${d##*/}" "$(cat "$tmp/$i.target")") &
	[ $((i % jobs)) -ne 0 ] || wait
done
wait
: >"$tmp/records"
i=0
while [ $i -lt $n ]; do
	i=$((i + 1))
	cat "$tmp/$i.err" >&2 2>/dev/null || true
	[ -f "$tmp/$i.done" ] || die 4 "cannot build the report of '$(cat "$tmp/$i.dir")'"
	cat "$tmp/$i.record" >>"$tmp/records"
done

# nothing changed since the last report (every board from its cache, the run's files newer than the
# caches, the same boards): summary.json and junit.xml stand as they are
fresh=yes
[ -f "$run/summary.json" ] && [ -f "$run/junit.xml" ] && [ -f "$run/boards.jsonl" ] && [ -f "$run/.report-boards" ] ||
	fresh=no
i=0
while [ $fresh = yes ] && [ $i -lt $n ]; do
	i=$((i + 1))
	d=$(cat "$tmp/$i.dir")
	[ -f "$tmp/$i.cached" ] && [ "$run/junit.xml" -nt "$d/.report-cache" ] || fresh=no
done
(i=0; while [ $i -lt $n ]; do i=$((i + 1)); cat "$tmp/$i.dir"; done) >"$tmp/boards"
cmp -s "$tmp/boards" "$run/.report-boards" 2>/dev/null || fresh=no
if [ $fresh = no ]; then
	jq -s "$SUMMARY" "$tmp/records" >"$tmp/summary.json"
	jq -rs "$JUNIT" "$tmp/records" >"$tmp/junit.xml"
	publish "$tmp/summary.json" "$run/summary.json"
	publish "$tmp/junit.xml" "$run/junit.xml"
	publish "$tmp/records" "$run/boards.jsonl"
	publish "$tmp/boards" "$run/.report-boards"
fi
# the pages for people, from boards.jsonl: summary.md (GitHub) and report.html (a browser)
here=$(dirname "$0")
pages=0
if [ $fresh = no ] || [ ! -f "$run/summary.md" ] || [ ! -f "$run/report.html" ] ||
	[ -n "$(find "$run" -mindepth 2 -maxdepth 2 -name timeline.jsonl -newer "$run/report.html" -print -quit)" ]; then
	sh "$here/report-md.sh" "$run" || pages=$?
	sh "$here/report-html.sh" "$run" || pages=$?
fi
jq -rs "$TEXT" "$tmp/records" >"$tmp/text"
cat "$tmp/text"
[ "$pages" = 0 ] || die 4 "summary.md or report.html could not be made (see above)"

# exit 1 if the total line counts a failed test
failed=$(sed -n 's/^total: [0-9]* passed, \([0-9]*\) failed.*/\1/p' "$tmp/text")
[ "${failed:-1}" -eq 0 ] || exit 1
exit 0
