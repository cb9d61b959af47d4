#!/bin/sh
# scripts/report-html.sh on hand-made runs (result files written with jq, boards.jsonl by scripts/report.sh):
# the matrix cells (counts, classes, links), the failures and their diffs, escaping of hostile test names
# and outputs, no external URL, the timeline segments with and without timeline.jsonl, bad input; then the
# page in a real headless browser (chromium): the DOM it loads, the colors it computes for the cells, and a
# screenshot kept as results/report-screenshot.png.
# Environment: REPORT, HTML (the scripts under test), CHROMIUM (default chromium).
# shellcheck disable=SC2016 # the jq expressions are in single quotes on purpose
set -eu
export LC_ALL=C
cd "$(dirname "$0")/../.."
REPORT=${REPORT:-scripts/report.sh}
HTML=${HTML:-scripts/report-html.sh}
CHROMIUM=${CHROMIUM:-chromium}

# shellcheck source=tests/lib.sh
. tests/lib.sh
require jq
for f in "$REPORT" "$HTML"; do
	if [ ! -f "$f" ]; then
		notok "$f is missing"
		finish
	fi
done

T=1764140000000 # the runs' epoch ms

# res RUN BOARD TEST JQ: the result file of TEST on BOARD, from the jq expression JQ ($t: the epoch ms)
res() {
	mkdir -p "$(dirname "$1/$2/$3.json")"
	jq -n --argjson t "$T" "$4" >"$1/$2/$3.json"
}
# count REGEX FILE: the number of matches of REGEX in FILE
count() { grep -o -e "$1" "$2" | wc -l | tr -d ' '; }
# row BOARD: the matrix row of BOARD in $P
row() { grep -F "<tr class=\"row\"><th class=\"board\">$1</th>" "$P"; }
# cell BOARD DIR: "CLASS TEXT HREF" of the matrix cell of BOARD in the column DIR (HTML-escaped) of $P
cell() {
	awk -v b="<tr class=\"row\"><th class=\"board\">$1</th>" -v d="$2" '
		/^<tr><th class="board">board<\/th>/ {
			n = split($0, h, "<th>")
			for (i = 2; i <= n; i++) { x = h[i]; sub(/<\/th>.*/, "", x); if (x == d) col = i }
		}
		index($0, b) == 1 && col {
			split($0, c, "<td")
			x = c[col]
			cls = x; sub(/^ class="c /, "", cls); sub(/".*/, "", cls)
			href = "-"
			if (match(x, /href="[^"]*"/)) href = substr(x, RSTART + 6, RLENGTH - 7)
			text = x; sub(/^[^>]*>/, "", text); gsub(/<[^>]*>/, "", text)
			print cls, (text == "" ? "-" : text), href
		}' "$P"
}
# group ID: the lines of the failure group ID of $P
group() { sed -n "/<div class=\"group\" id=\"$1\">/,/^<\/div>/p" "$P"; }
# tlrow BOARD: the timeline bar of BOARD in $P
tlrow() { grep -F "<div class=\"tl-name\" title=\"$1\">$1</div>" "$P"; }

########################################################################################################
# run A: two boards, every verdict, hostile names, a timeline for vb1 only

A=$tmp/runA
EVIL="basics/<script>alert(1)</script>&\"'.py"
for b in vb0 vb1; do
	mkdir -p "$A/$b"
	printf '{"platform":"webassembly","board":"%s"}\n' "$b" >"$A/$b/target.json"
done
res "$A" vb0 basics/int1.py '{verdict: "pass", duration_ms: 500, started_ms: ($t + 1000), attempts: 1}'
res "$A" vb0 basics/int2.py '{verdict: "fail", reason: "output mismatch", duration_ms: 700, started_ms: ($t + 1600),
	diff: "--- expected\n+++ got\n- 1\n+ 2 <b>&amp;", output: "2 <b>&amp;"}'
res "$A" vb0 extmod/e1.py '{verdict: "skip", reason: "no feature", duration_ms: 5, started_ms: ($t + 2400)}'
res "$A" vb0 extmod/e2.py '{verdict: "lrge", duration_ms: 0, started_ms: ($t + 2500)}'
res "$A" vb0 float/f1.py '{verdict: "pass", duration_ms: 120, started_ms: ($t + 2600), attempts: 2}'
res "$A" vb0 misc/m1.py '{verdict: "error", reason: "board lost", duration_ms: 60,
	output: "Traceback & <lost>"}'
res "$A" vb1 basics/int1.py '{verdict: "pass", duration_ms: 300, started_ms: ($t + 1000)}'
res "$A" vb1 "$EVIL" '{verdict: "timeout", reason: "no answer <script>alert(1)</script>", duration_ms: 3000,
	started_ms: ($t + 1400), output: "<script>alert(1)</script> & \" \u0027"}'
res "$A" vb1 VIA_MPY/basics/v1.py '{verdict: "flaky", reason: "passed 1 of 2", duration_ms: 400,
	started_ms: ($t + 4500), attempts: 2, diff: "- a\n+ b"}'
res "$A" vb1 extmod/e1.py '{verdict: "ignored", reason: "known flaky", duration_ms: 90, started_ms: ($t + 4000)}'
{
	jq -nc --argjson t "$T" '{event: "run", start_ms: $t, end_ms: $t, status: 0}'
	jq -nc --argjson t "$T" '{event: "flash", start_ms: $t, end_ms: ($t + 800), status: 0}'
	jq -nc --argjson t "$T" '{event: "probe", start_ms: ($t + 800), end_ms: ($t + 950), status: 0}'
	jq -nc --argjson t "$T" '{event: "recover", start_ms: ($t + 4400), end_ms: ($t + 4500), status: 1}'
	echo 'not json'
	echo '{"event":"reboot","start_ms":1,"end_ms":2}'
} >"$A/vb1/timeline.jsonl"

check "report.sh makes boards.jsonl of run A" 1 sh "$REPORT" "$A"
check "report-html: run A" 0 sh "$HTML" "$A"
expect "report-html: nothing on stderr" "$(cat "$tmp/e")" ""
P=$A/report.html
if [ -s "$P" ]; then ok "report-html writes RUN_DIR/report.html"; else notok "no $P"; fi
expect "no temporary file left beside the page" "$(find "$A" -maxdepth 1 -name 'report.html.tmp*' | wc -l)" 0

# header
has_text "header: the run's name" "$P" "<h1>Run runA</h1>"
has_text "header: the totals (boards, tests, passed, failed, skipped, timeout, error, flaky, ignored)" "$P" \
	"<tr><td>2</td><td>10</td><td>3</td><td>1</td><td>2</td><td>1</td><td>1</td><td>1</td><td>1</td></tr>"
has "header: the time of the report" "$P" "Report made 20[0-9][0-9]-[01][0-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-5][0-9] UTC"

# matrix
expect "matrix: one row per board" "$(count '<tr class="row">' "$P")" 2
expect "matrix: the columns (test folders, escaped)" \
	"$(grep '^<tr><th class="board">board</th>' "$P")" \
	'<tr><th class="board">board</th><th>all</th><th>VIA_MPY/basics</th><th>basics</th><th>basics/&lt;script&gt;alert(1)&lt;</th><th>extmod</th><th>float</th><th>misc</th></tr>'
expect "matrix: vb0 basics, a fail" "$(cell vb0 basics | cut -d' ' -f1,2)" "c-fail 1/2"
expect "matrix: vb0 extmod, only skips" "$(cell vb0 extmod)" "c-skip 0/2 -"
expect "matrix: vb0 float, all passed" "$(cell vb0 float)" "c-pass 1/1 -"
expect "matrix: vb0 misc, an error" "$(cell vb0 misc | cut -d' ' -f1,2)" "c-fail 0/1"
expect "matrix: vb0 VIA_MPY/basics, no test" "$(cell vb0 VIA_MPY/basics)" "c-none - -"
expect "matrix: vb1 basics, all passed" "$(cell vb1 basics)" "c-pass 1/1 -"
expect "matrix: vb1 timeout" "$(cell vb1 'basics/&lt;script&gt;alert(1)&lt;' | cut -d' ' -f1,2)" "c-warn 0/1"
expect "matrix: vb1 VIA_MPY/basics, flaky" "$(cell vb1 VIA_MPY/basics | cut -d' ' -f1,2)" "c-warn 0/1"
expect "matrix: vb1 extmod, ignored" "$(cell vb1 extmod)" "c-ign 0/1 -"
expect "matrix: the all column of vb0" "$(cell vb0 all)" "c-fail 2/6 -"
has_text "matrix: a legend" "$P" '<span class="c-fail">failed or error</span>'
has_text "matrix: a cell's title counts its verdicts" "$P" 'title="vb0 basics: 1 fail, 1 pass"'

# anchors and drill-down
href=$(cell vb0 basics | cut -d' ' -f3)
case $href in
'#f-'*) ok "matrix: the failing cell links to an anchor ($href)" ;;
*) notok "matrix: the failing cell of vb0 basics has no #anchor: '$href'" ;;
esac
group "${href#\#}" >"$tmp/g"
has_text "anchor: the group holds the failed test" "$tmp/g" "<code>basics/int2.py</code> &mdash; output mismatch"
has_text "anchor: with its diff, escaped, in a details" "$tmp/g" "<pre>--- expected"
has_text "anchor: the diff's last line escaped" "$tmp/g" "+ 2 &lt;b&gt;&amp;amp;</pre></details>"
expect "anchor: the passing test is not in the group" "$(grep -c 'basics/int1.py' "$tmp/g")" 0
group "$(cell vb0 misc | cut -d' ' -f3 | tr -d '#')" >"$tmp/g"
has_text "drill-down: an error without diff shows its output" "$tmp/g" "<pre>Traceback &amp; &lt;lost&gt;</pre>"
group "$(cell vb1 VIA_MPY/basics | cut -d' ' -f3 | tr -d '#')" >"$tmp/g"
has_text "drill-down: a flaky test, its attempts and diff" "$tmp/g" "(2 attempts)"
# shellcheck disable=SC2013 # the ids are words
for h in $(grep -o 'href="#[^"]*"' "$P" | sed 's/href="#\(.*\)"/\1/' | sort -u); do
	if ! grep -q "id=\"$h\"" "$P"; then
		notok "anchor: '#$h' has no target"
		h=bad
		break
	fi
done
if [ "${h:-}" != bad ]; then ok "anchor: every #link has its id ($(count 'href="#' "$P") links)"; fi
expect "failures: one details per failed, timeout, error or flaky test" "$(count '<details id=' "$P")" 4
expect "failures: not for pass, skip, ignored" "$(grep '<details' "$P" | grep -c 'extmod/\|int1.py\|float/')" 0

# escaping
expect "escaping: no raw <script>alert" "$(count '<script>alert' "$P")" 0
expect "escaping: one script element, the page's own" "$(count '<script' "$P")" 1
has "escaping: the test name" "$P" '<code>basics/&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;\(&#39;\|&apos;\).py</code>'
has "escaping: the output" "$P" '<pre>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot; \(&#39;\|&apos;\)</pre>'
has_text "escaping: the reason" "$P" "&mdash; no answer &lt;script&gt;alert(1)&lt;/script&gt;"
has "escaping: the test name in a title attribute" "$P" 'title="basics/&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;\(&#39;\|&apos;\).py: timeout, 3 s"'

# self-contained
grep -o '<[a-zA-Z][^>]*>' "$P" >"$tmp/tags"
expect "self-contained: no http(s) URL" "$(count 'https\{0,1\}://' "$P")" 0
expect "self-contained: no //host" "$(count '//[a-zA-Z0-9]' "$P")" 0
expect "self-contained: no src= attribute" "$(count ' src=' "$tmp/tags")" 0
expect "self-contained: no href= but #anchors" "$(grep -o 'href="[^"]*"' "$tmp/tags" | grep -vc '^href="#' || :)" 0
expect "self-contained: no url(), @import, <link>" "$(grep -ci 'url(\|@import\|<link' "$P" || :)" 0

# timeline
tlrow vb1 >"$tmp/vb1"
tlrow vb0 >"$tmp/vb0"
expect "timeline: one bar per board" "$(count 'class="tl-bar"' "$P")" 2
expect "timeline vb1: one flash" "$(count 'class="seg ev flash"' "$tmp/vb1")" 1
expect "timeline vb1: one probe" "$(count 'class="seg ev probe"' "$tmp/vb1")" 1
expect "timeline vb1: one recover, marked failed (status 1)" "$(count 'class="seg ev recover bad"' "$tmp/vb1")" 1
expect "timeline vb1: three events, the run line is none" "$(count 'class="seg ev' "$tmp/vb1")" 3
expect "timeline vb1: a segment per test" "$(count 'class="seg t ' "$tmp/vb1")" 4
expect "timeline vb0: no event without timeline.jsonl" "$(count 'class="seg ev' "$tmp/vb0")" 0
expect "timeline vb0: a test without started_ms is left out" "$(count 'class="seg t ' "$tmp/vb0")" 5
has_text "timeline: a test's verdict, name and duration" "$tmp/vb0" \
	'<a href="#t-0-1" class="seg t v-fail" style="left:32.653%;width:14.285%" title="basics/int2.py: fail, 700 ms">'
has_text "timeline: a recovered test (attempts > 1)" "$tmp/vb0" \
	'class="seg t v-pass rec" style="left:53.061%;width:2.448%" title="float/f1.py: pass, 120 ms, recovered (2 attempts)"'
has_text "timeline: the flash at the start of the run" "$tmp/vb1" \
	'class="seg ev flash" style="left:0%;width:16.326%" title="flash 800 ms, status 0"'
has_text "timeline vb1: the time spent" "$P" \
	'time in tests 3.7 s (4 tests), flash 800 ms (1), probe 150 ms (1), recoveries 100 ms (1); 2 line(s) of timeline.jsonl ignored'
has_text "timeline vb0: the time spent" "$P" 'time in tests 1.3 s (6 tests), no flash, no probe, no recoveries</p>'

# again: the page is replaced
check "report-html: run A again" 0 sh "$HTML" "$A/"
expect "report-html: one page after two runs" "$(find "$A" -maxdepth 1 -name 'report.html*' | wc -l)" 1

########################################################################################################
# run B: all passed, no timing at all

B=$tmp/runB
res "$B" b0 basics/ok.py '{verdict: "pass", duration_ms: 5}'
res "$B" b0 top.py '{verdict: "skip", reason: "x"}'
check "report.sh makes boards.jsonl of run B" 0 sh "$REPORT" "$B"
check "report-html: run B" 0 sh "$HTML" "$B"
P=$B/report.html
has_text "run B: no failure" "$P" "No test failed."
has_text "run B: no timing data" "$P" "No timing data"
expect "run B: no timeline segment" "$(count 'class="seg' "$P")" 0
expect "run B: a test at the top goes to the column ." "$(cell b0 .)" "c-skip 0/1 -"

########################################################################################################
# run D: the "run" line of timeline.jsonl marks the start of the run (the left end of the axis)

D=$tmp/runD
res "$D" d0 basics/late.py '{verdict: "pass", duration_ms: 1000, started_ms: ($t + 1000)}'
jq -nc --argjson t "$T" '{event: "run", start_ms: $t, end_ms: $t, status: 0}' >"$D/d0/timeline.jsonl"
check "report.sh makes boards.jsonl of run D" 0 sh "$REPORT" "$D"
check "report-html: run D" 0 sh "$HTML" "$D"
P=$D/report.html
has_text "run D: the test starts in the middle of the run" "$P" \
	'class="seg t v-pass" style="left:50%;width:50%" title="basics/late.py: pass, 1 s"'
expect "run D: the run line is no segment" "$(count 'class="seg ev' "$P")" 0
expect "run D: the run line is not ignored" "$(count 'ignored (not a' "$P")" 0

########################################################################################################
# bad input

check "--help exits 0" 0 sh "$HTML" --help
has "--help prints the usage" "$tmp/o" "^usage: report-html.sh RUN_DIR"
has "--help names the exit codes" "$tmp/o" "Exit status: 0"
check "-h exits 0" 0 sh "$HTML" -h
check "unknown option: exit 2" 2 sh "$HTML" --frobnicate
has_text "unknown option: named" "$tmp/e" "report-html: unknown option '--frobnicate'"
check "no argument: exit 2" 2 sh "$HTML"
check "two arguments: exit 2" 2 sh "$HTML" "$A" "$B"
check "missing folder: exit 2" 2 sh "$HTML" "$tmp/nope"
has_text "missing folder: named" "$tmp/e" "report-html: '$tmp/nope' is not a folder"
mkdir "$tmp/bare"
check "no boards.jsonl: exit 2" 2 sh "$HTML" "$tmp/bare"
has_text "no boards.jsonl: says what to do" "$tmp/e" "run scripts/report.sh RUN_DIR first"
: >"$tmp/bare/boards.jsonl"
check "empty boards.jsonl: exit 2" 2 sh "$HTML" "$tmp/bare"
echo '{"board": "x", "tests": [' >"$tmp/bare/boards.jsonl"
check "broken boards.jsonl: exit 2" 2 sh "$HTML" "$tmp/bare"
has_text "broken boards.jsonl: named" "$tmp/e" "cannot read '$tmp/bare/boards.jsonl'"
expect "broken boards.jsonl: no page" "$(find "$tmp/bare" -name 'report.html*' | wc -l)" 0
C=$tmp/runC
cp -r "$B" "$C"
rm -f "$C/report.html"
mkdir "$C/report.html"
check "page cannot be written: exit 4" 4 sh "$HTML" "$C"
has_text "page cannot be written: named" "$tmp/e" "cannot write '$C/report.html'"

########################################################################################################
# the page of run A in a real browser

P=$A/report.html
if ! command -v "$CHROMIUM" >/dev/null 2>&1; then
	notok "'$CHROMIUM' is not installed (apt-get install chromium): the page was NOT checked in a browser"
	finish
	exit 1
fi
mkdir -p "$tmp/home"
browse() { # ARGS...: chromium headless, a private profile under $tmp, 60 s at most
	HOME=$tmp/home timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --user-data-dir="$tmp/chrome" \
		--no-first-run --window-size=1280,900 "$@" 2>>"$tmp/chromium.log"
}

# the DOM after loading (with the page's script run: the #anchor of a failure opens its details)
if browse --dump-dom "file://$P#t-0-1" >"$tmp/dom"; then ok "chromium loads the page"; else notok "chromium --dump-dom failed: $(tail -n 3 "$tmp/chromium.log")"; fi
expect "browser DOM: two matrix rows" "$(count '<tr class="row">' "$tmp/dom")" 2
expect "browser DOM: the board names in the rows" \
	"$(grep -o '<tr class="row"><th class="board">[^<]*' "$tmp/dom" | sed 's/.*>//' | tr '\n' ' ')" "vb0 vb1 "
expect "browser DOM: still one script element" "$(count '<script' "$tmp/dom")" 1
expect "browser DOM: the #anchor opened its details" "$(count '<details id="t-0-1" open' "$tmp/dom")" 1
expect "browser DOM: the other details stay closed" "$(count '<details id="t-1-1" open' "$tmp/dom")" 0

# the colors the browser computes for the cells (a page beside the report frames it and reads them)
cat >"$A/colors.html" <<'EOF'
<!DOCTYPE html><html><body><iframe id="f" src="report.html" width="1280" height="900"></iframe><pre id="out">none</pre>
<script>
window.addEventListener("load", function () {
  var d = document.getElementById("f").contentDocument, out = [];
  ["c-pass", "c-skip", "c-fail", "c-warn", "c-ign"].forEach(function (c) {
    var e = d.querySelector("table.matrix td." + c);
    out.push(c + " " + (e ? getComputedStyle(e).backgroundColor : "missing"));
  });
  document.getElementById("out").textContent = out.join("\n");
});
</script></body></html>
EOF
browse --allow-file-access-from-files --virtual-time-budget=3000 --dump-dom "file://$A/colors.html" |
	sed -e 's/.*<pre id="out">//' -e 's/<\/pre>.*//' >"$tmp/colors" || :
# hue NAME: the kind of color the browser computed for the class NAME
hue() {
	sed -n "s/^$1 rgb(\([0-9]*\), \([0-9]*\), \([0-9]*\))$/\1 \2 \3/p" "$tmp/colors" | awk '{
		r = $1; g = $2; b = $3
		if (r - g < 12 && g - r < 12 && g - b < 12 && b - g < 12) print "grey"
		else if (g > r + 20 && g > b + 20) print "green"
		else if (r > g + 50 && g - b < 30 && b - g < 30) print "red"
		else if (r > g + 20 && g > b + 60 && r - b > 100 && g < 230) print "orange"
		else if (r > b + 60 && g > b + 60) print "yellow"
		else print "other(" r "," g "," b ")"
	}'
}
expect "browser colors: all passed is green" "$(hue c-pass)" green
expect "browser colors: only skipped is grey" "$(hue c-skip)" grey
expect "browser colors: a fail is red" "$(hue c-fail)" red
expect "browser colors: a timeout or flaky is orange" "$(hue c-warn)" orange
expect "browser colors: ignored is yellow" "$(hue c-ign)" yellow
rm -f "$A/colors.html"

# the screenshot
S=$tmp/shot.png
rm -f "$S"
browse --screenshot="$S" "file://$P" >/dev/null || :
if [ -s "$S" ]; then
	size=$(wc -c <"$S" | tr -d ' ')
	expect "screenshot: a PNG" "$(head -c 8 "$S" | od -An -tx1 | tr -d ' \n')" 89504e470d0a1a0a
	expect "screenshot: 1280x900" "$(od -An -tu1 -j 16 -N 8 "$S" | awk '{print $3 * 256 + $4 "x" $7 * 256 + $8}')" 1280x900
	if [ "$size" -gt 20000 ]; then
		mkdir -p results
		cp "$S" results/report-screenshot.png.tmp.$$ && mv -f results/report-screenshot.png.tmp.$$ results/report-screenshot.png
		ok "screenshot of the page in chromium, screenshot: results/report-screenshot.png ($size bytes)"
	else
		notok "screenshot: only $size bytes, the page looks empty"
	fi
else
	notok "chromium made no screenshot: $(tail -n 3 "$tmp/chromium.log")"
fi

finish
