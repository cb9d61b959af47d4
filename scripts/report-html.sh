#!/bin/sh
# report-html: one self-contained HTML page for a run (RUN_DIR/report.html): the totals, a matrix of the
# boards by test folder, the failures with their diffs, and a timeline per board. It reads
# RUN_DIR/boards.jsonl (written by scripts/report.sh) and, if present, RUN_DIR/<board>/timeline.jsonl
# (one line per flash, probe or recovery: {"event","start_ms","end_ms","status"}; a "run" line marks the
# run's start). The page loads nothing from elsewhere: inline CSS and a few lines of inline JS; every
# value from the run is escaped.
#
# usage: scripts/report-html.sh RUN_DIR
#
# Exit: 0 the page was written, 2 usage, no RUN_DIR or no readable RUN_DIR/boards.jsonl, 4 local trouble
# (jq missing, the page cannot be written).

# shellcheck disable=SC2016 # the jq program below is in single quotes on purpose
set -eu
export LC_ALL=C

prog=report-html

usage() {
	cat <<'EOF'
usage: report-html.sh RUN_DIR

Write RUN_DIR/report.html, a self-contained page (no external file, font or script) for the run:
  - the run's name, its totals and the time of the report
  - a matrix: one row per board, one column per test folder (basics, extmod, ...); each cell shows
    passed/total and is colored by its worst result; cells with failures link to them
  - the failures per board: reason and diff (or output), folded
  - a timeline per board: flash, probe and recovery events (RUN_DIR/<board>/timeline.jsonl, optional)
    and the tests (from their started_ms and duration_ms), colored by verdict; a "run" event in
    timeline.jsonl marks the start of the run (the left end of the time axis)
Input: RUN_DIR/boards.jsonl, made by scripts/report.sh RUN_DIR.

Exit status: 0 the page was written, 2 usage, no RUN_DIR or no readable boards.jsonl, 4 jq missing or
the page cannot be written.
EOF
}

# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

run_dir_arg "$@"
[ -f "$run/boards.jsonl" ] || die 2 "no '$run/boards.jsonl': run scripts/report.sh RUN_DIR first"
[ -s "$run/boards.jsonl" ] || die 2 "'$run/boards.jsonl' is empty: run scripts/report.sh RUN_DIR again"
name=$(cd "$run" && basename "$(pwd)")
start_work

CSS='
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222; margin: 1em 1.5em; }
h1 { font-size: 1.4em; margin: 0 0 .2em; }
h2 { font-size: 1.15em; margin: 1.4em 0 .4em; border-bottom: 1px solid #ddd; }
h3 { font-size: 1em; margin: 1em 0 .3em; }
h4 { font-size: .95em; margin: .6em 0 .2em; color: #555; }
.meta { color: #555; margin: 0 0 .6em; }
table { border-collapse: collapse; font-size: 12px; }
th, td { border: 1px solid #ccc; padding: 2px 6px; text-align: center; white-space: nowrap; }
th { background: #f3f3f3; font-weight: 600; }
th.board { text-align: left; position: sticky; left: 0; background: #f3f3f3; }
.scroll { overflow-x: auto; max-width: 100%; }
.c a { color: inherit; display: block; text-decoration: underline; }
.c-pass { background: #c8e6c9; } .c-skip { background: #e0e0e0; color: #555; }
.c-fail { background: #ef9a9a; } .c-warn { background: #ffcc80; } .c-ign { background: #fff59d; }
.c-none { background: #fff; }
.legend { font-size: 12px; margin: .4em 0; }
.legend span { display: inline-block; padding: 1px 6px; margin-right: 4px; border: 1px solid #ccc; }
details { margin: 2px 0 2px 1em; }
summary { cursor: pointer; }
details:target, div:target { outline: 2px solid #1565c0; }
pre { background: #f7f7f7; border: 1px solid #ddd; padding: 6px; overflow-x: auto; max-height: 30em;
  font-size: 12px; margin: 4px 0; }
.badge { display: inline-block; min-width: 4.5em; text-align: center; font-size: 11px; border-radius: 3px; }
.v-pass { background: #43a047; } .v-fail, .v-error { background: #e53935; }
.v-timeout, .v-flaky { background: #fb8c00; } .v-skip, .v-lrge { background: #bdbdbd; }
.v-ignored { background: #fdd835; }
.badge.v-fail, .badge.v-error { color: #fff; }
.tl-row { display: flex; align-items: center; margin: 2px 0; }
.tl-name { width: 9em; flex: none; font-size: 12px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.tl-bar { position: relative; flex: 1; height: 26px; background: #f5f5f5; border: 1px solid #ddd; }
.tl-axis { position: relative; flex: 1; height: 16px; font-size: 11px; color: #555; }
.tl-axis span { position: absolute; top: 0; transform: translateX(-50%); white-space: nowrap; }
.tl-axis span.first { transform: none; } .tl-axis span.last { transform: translateX(-100%); }
.seg { position: absolute; min-width: 1px; display: block; }
.seg.ev { top: 1px; height: 8px; }
.seg.t { top: 11px; height: 13px; }
.rec { box-shadow: inset 0 0 0 2px #6a1b9a; } .seg.rec { top: 9px; height: 15px; }
.flash { background: #1e88e5; } .probe { background: #00acc1; } .recover { background: #8e24aa; }
.seg.bad { outline: 1px solid #b71c1c; }
.tl-text { font-size: 12px; color: #444; margin: 0 0 .5em 9em; }
.none { color: #777; }
'
JS='
function openTarget() {
  var e = location.hash ? document.getElementById(location.hash.slice(1)) : null;
  if (!e) return;
  if (e.tagName === "DETAILS") e.open = true;
  var d = e.querySelectorAll("details");
  for (var i = 0; i < d.length; i++) d[i].open = true;
}
window.addEventListener("hashchange", openTarget);
openTarget();
'

# The page. $boards: the lines of boards.jsonl; inputs: the raw lines of the timeline files.
PAGE='
def num: if type == "number" then . else 0 end;
def dirof: if contains("/") then split("/") | .[:-1] | join("/") else "." end;
def rank: {fail: 5, error: 5, timeout: 4, flaky: 4, ignored: 3, pass: 2, skip: 1, lrge: 1}[tostring] // 5;
def cls: if . >= 5 then "fail" elif . == 4 then "warn" elif . == 3 then "ign" elif . == 2 then "pass"
	else "skip" end;
def failing: rank >= 4;
def dur: num as $ms
	| if $ms < 1000 then "\($ms | floor) ms"
	elif $ms < 60000 then "\($ms / 100 | floor / 10) s"
	elif $ms < 3600000 then "\($ms / 60000 | floor) min \($ms % 60000 / 1000 | floor) s"
	else "\($ms / 3600000 | floor) h \($ms % 3600000 / 60000 | floor) min" end;
def utc: . / 1000 | floor | todate | sub("T"; " ") | sub("Z"; " UTC");
def event: (try fromjson catch null)
	| if type == "object" and (.event | IN("run", "flash", "probe", "recover"))
		and (.start_ms | type) == "number" and (.end_ms | type) == "number" and .end_ms >= .start_ms
	  then {event, start_ms, end_ms, status: (.status | if type == "number" then . else null end)}
	  else null end;

# the timelines, by board: {events, bad (lines ignored)}
([inputs | {b: (input_filename | ltrimstr($p) | rtrimstr("/timeline.jsonl")), l: .}
  | select(.l | test("^\\s*$") | not) | .e = (.l | event)]
 | group_by(.b)
 | map({key: .[0].b, value: {events: [.[].e | select(. != null)], bad: map(select(.e == null)) | length}})
 | from_entries) as $tl
| [$boards | to_entries[] | .key as $i | .value
   | {i: $i, board: (.board | tostring), summary: (.summary // {}),
      tests: [(.tests // []) | to_entries[] | .value + {j: .key, dir: (.value.test | tostring | dirof)}],
      events: ($tl[.board | tostring].events // []), bad: ($tl[.board | tostring].bad // 0)}] as $R
| ([$R[].tests[].dir] | unique) as $dirs
| ($dirs | to_entries | map({key: .value, value: .key}) | from_entries) as $col
| def total($k): [$R[].summary[$k] | num] | add // 0;
  ([$R[] | (.tests[] | select(.started_ms | type == "number") | .started_ms), (.events[].start_ms)] | min) as $t0
| ([$R[] | (.tests[] | select(.started_ms | type == "number") | .started_ms + (.duration_ms | num)),
    (.events[].end_ms)] | max) as $t1
| (if $t0 == null then 1 else [$t1 - $t0, 1] | max end) as $span
| def pct: (. - $t0) * 100 / $span | . * 1000 | floor / 1000;
  def wid: . * 100 / $span | . * 1000 | floor / 1000;
  def seg($cls; $start; $len; $title; $href):
	"<\(if $href then "a href=\"#\($href)\"" else "span" end) class=\"seg \($cls)\" style=\"left:\($start | pct)%;width:\($len | wid)%\" title=\"\($title | @html)\"></\(if $href then "a" else "span" end)>";

"<!DOCTYPE html>",
"<html lang=\"en\"><head><meta charset=\"utf-8\">",
"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src \u0027none\u0027; style-src \u0027unsafe-inline\u0027; script-src \u0027unsafe-inline\u0027\">",
"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
"<title>\("Run " + $name | @html)</title>",
"<style>\($css)</style></head><body>",
"<h1>Run \($name | @html)</h1>",
"<p class=\"meta\">Report made \(now | . * 1000 | utc)"
  + (if $t0 == null then "" else "; run from \($t0 | utc) to \($t1 | utc) (\($t1 - $t0 | dur))" end) + ".</p>",
"<table class=\"totals\"><tr><th>boards</th><th>tests</th><th>passed</th><th>failed</th><th>skipped</th><th>timeout</th><th>error</th><th>flaky</th><th>ignored</th></tr>",
"<tr><td>\($R | length)</td><td>\(total("total"))</td><td>\(total("passed"))</td><td>\(total("failed"))</td><td>\(total("skipped"))</td><td>\(total("timeout"))</td><td>\(total("error"))</td><td>\(total("flaky"))</td><td>\(total("ignored"))</td></tr></table>",

# the matrix
"<h2 id=\"matrix\">Results by board and test folder</h2>",
"<p class=\"legend\">Each cell: passed/total, colored by its worst result: <span class=\"c-pass\">all passed</span><span class=\"c-skip\">only skipped</span><span class=\"c-ign\">ignored (known flaky)</span><span class=\"c-warn\">timeout or flaky</span><span class=\"c-fail\">failed or error</span>. A cell with failures links to them.</p>",
"<div class=\"scroll\"><table class=\"matrix\">",
"<tr><th class=\"board\">board</th><th>all</th>\([$dirs[] | "<th>\(@html)</th>"] | join(""))</tr>",
($R[] | . as $b
 | ($b.tests | group_by(.dir)
    | map({key: .[0].dir,
	   value: {n: length, p: map(select(.verdict == "pass")) | length, worst: (map(.verdict | rank) | max),
		   counts: (group_by(.verdict) | map("\(length) \(.[0].verdict)") | join(", "))}})
    | from_entries) as $cells
 | ($b.tests | map(.verdict | rank) | max // 1) as $worst
 | "<tr class=\"row\"><th class=\"board\">\($b.board | @html)</th>"
   + "<td class=\"c c-\(if $b.tests == [] then "none" else $worst | cls end)\">\($b.tests | map(select(.verdict == "pass")) | length)/\($b.tests | length)</td>"
   + ([$dirs[] as $d | $cells[$d] as $c
	| if $c == null then "<td class=\"c c-none\"></td>"
	  else "<td class=\"c c-\($c.worst | cls)\" title=\"\("\($b.board) \($d): \($c.counts)" | @html)\">"
	    + (if $c.worst >= 4 then "<a href=\"#f-\($b.i)-\($col[$d])\">\($c.p)/\($c.n)</a>" else "\($c.p)/\($c.n)" end)
	    + "</td>" end] | join(""))
   + "</tr>"),
"</table></div>",

# the failures
"<h2 id=\"failures\">Failures</h2>",
(if [$R[].tests[] | select(.verdict | failing)] == [] then "<p class=\"none\">No test failed.</p>" else empty end),
($R[] | . as $b | [.tests[] | select(.verdict | failing)] | select(length > 0)
 | "<h3 id=\"b-\($b.i)\">\($b.board | @html) <small>(\(length) failed)</small></h3>",
   (group_by(.dir)[]
    | "<div class=\"group\" id=\"f-\($b.i)-\($col[.[0].dir])\"><h4>\(.[0].dir | @html)</h4>",
      (.[] | (if (.diff // "") != "" then .diff else .output // "" end | tostring) as $body
       | "<details id=\"t-\($b.i)-\(.j)\"><summary><span class=\"badge v-\(.verdict | @html)\">\(.verdict | @html)</span> <code>\(.test | @html)</code>"
	 + (if (.reason // "") != "" then " &mdash; \(.reason | tostring | @html)" else "" end)
	 + (if (.attempts | num) > 1 then " <small>(\(.attempts) attempts)</small>" else "" end)
	 + " <small>\(.duration_ms | dur)</small></summary>"
	 + (if $body == "" then "<p class=\"none\">(no diff and no output)</p>"
	    else "<pre>\($body | @html)</pre>" end)
	 + "</details>"),
      "</div>")),

# the timelines
"<h2 id=\"timeline\">Timeline</h2>",
(if $t0 == null then "<p class=\"none\">No timing data (no started_ms in the results, no timeline.jsonl).</p>"
 else
   "<p class=\"legend\"><span class=\"flash\">flash</span><span class=\"probe\">probe</span><span class=\"recover\">recover</span> on the upper lane; the tests below: <span class=\"v-pass\">pass</span><span class=\"v-fail\">fail/error</span><span class=\"v-timeout\">timeout/flaky</span><span class=\"v-skip\">skip</span><span class=\"v-ignored\">ignored</span>; <span class=\"rec\">recovered</span> = more than one attempt. Hover a segment for the test and its duration; a failed test links to its diff.</p>",
   "<div class=\"tl-row\"><div class=\"tl-name\"></div><div class=\"tl-axis\">"
   + ([range(0; 5) as $k | ($k * $span / 4) as $ms
       | "<span class=\"\(if $k == 0 then "first" elif $k == 4 then "last" else "" end)\" style=\"left:\($k * 25)%\">\(if $k == 0 then "0" else $ms | dur end)</span>"] | join(""))
   + "</div></div>",
   ($R[] | . as $b
    | "<div class=\"tl-row\" id=\"tl-\($b.i)\"><div class=\"tl-name\" title=\"\($b.board | @html)\">\($b.board | @html)</div><div class=\"tl-bar\">"
      + ([$b.events[] | select(.event != "run") | seg("ev \(.event)" + (if (.status // 0) != 0 then " bad" else "" end); .start_ms; .end_ms - .start_ms;
	    "\(.event) \(.end_ms - .start_ms | dur)" + (if .status == null then "" else ", status \(.status)" end); null)]
	 | join(""))
      + ([$b.tests[] | select(.started_ms | type == "number")
	  | seg("t v-\(.verdict)" + (if (.attempts | num) > 1 then " rec" else "" end); .started_ms; .duration_ms | num;
		"\(.test): \(.verdict), \(.duration_ms | dur)"
		+ (if (.attempts | num) > 1 then ", recovered (\(.attempts) attempts)" else "" end);
		if .verdict | failing then "t-\($b.i)-\(.j)" else null end)]
	 | join(""))
      + "</div></div>",
      ([$b.events[] | select(.event == "flash") | .end_ms - .start_ms]) as $fl
      | ([$b.events[] | select(.event == "probe") | .end_ms - .start_ms]) as $pr
      | ([$b.events[] | select(.event == "recover") | .end_ms - .start_ms]) as $rc
      | def spent($x; $what): if $x == [] then "no \($what)" else "\($what) \($x | add | dur) (\($x | length))" end;
	"<p class=\"tl-text\">time in tests \([$b.tests[].duration_ms | num] | add // 0 | dur) (\($b.tests | length) tests), "
	+ "\(spent($fl; "flash")), \(spent($pr; "probe")), \(spent($rc; "recoveries"))"
	+ (if $b.bad > 0 then "; \($b.bad) line(s) of timeline.jsonl ignored (not a run, flash, probe or recover event)" else "" end)
	+ "</p>")
 end),
"<script>\($js)</script>",
"</body></html>"
'

# the timelines of the boards (the page uses those of the boards in boards.jsonl)
set --
for f in "$run"/*/timeline.jsonl; do
	if [ -f "$f" ]; then set -- "$@" "$f"; fi
done

if ! jq -nrR --slurpfile boards "$run/boards.jsonl" --arg p "$run/" --arg name "$name" --arg css "$CSS" \
	--arg js "$JS" "$PAGE" "$@" </dev/null >"$tmp/page" 2>"$tmp/err"; then
	die 2 "cannot read '$run/boards.jsonl' or its timelines: $(head -c 300 "$tmp/err") (run scripts/report.sh RUN_DIR again)"
fi

out=$run/report.html
[ ! -d "$out" ] || die 4 "cannot write '$out': it is a folder (remove it)"
publish "$tmp/page" "$out"
exit 0
