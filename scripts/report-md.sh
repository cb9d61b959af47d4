#!/bin/sh
# report-md: a Markdown summary of a run (GitHub-flavoured, for a CI step summary or a pull-request
# comment), written to RUN_DIR/summary.md from RUN_DIR/boards.jsonl (made by scripts/report.sh): the totals,
# one table row per board, the failed tests with their reason and the start of their diff, the flaky tests
# and the ignored (known-flaky) failures. The file stays under 60000 bytes: long lists and diffs are cut,
# and the file says so.
#
# usage: scripts/report-md.sh RUN_DIR
#
# Exit: 0 written, 2 usage (RUN_DIR not a folder, no boards.jsonl, boards.jsonl unreadable),
# 4 summary.md could not be written.

# shellcheck disable=SC2016 # the jq program below is in single quotes on purpose
set -eu
export LC_ALL=C

prog=report-md

usage() {
	cat <<'EOF'
usage: report-md.sh RUN_DIR

Write RUN_DIR/summary.md, a GitHub-flavoured Markdown summary of the run, from RUN_DIR/boards.jsonl
(run scripts/report.sh RUN_DIR first): the totals, a table with one row per board (firmware, passed,
failed, skipped, timeout, error, flaky, ignored, time), the failed tests (fail, timeout, error) with
their reason and the first lines of their diff, the flaky tests and the ignored known-flaky failures.
The file stays under 60000 bytes: what does not fit is left out, and the file says so.

Exit status: 0 written, 2 usage or unreadable input, 4 summary.md could not be written.
EOF
}

# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

run_dir_arg "$@"
[ -f "$run/boards.jsonl" ] || die 2 "no '$run/boards.jsonl': run scripts/report.sh $run first"
start_work

# the firmware each board reported (<board>/board.id, first line), as "board<TAB>identity" lines
: >"$tmp/ids"
for f in "$run"/*/board.id; do
	[ -f "$f" ] || continue
	d=${f%/board.id}
	line=
	IFS= read -r line <"$f" || :
	printf '%s\t%s\n' "${d##*/}" "$line" >>"$tmp/ids"
done
jq -Rn '[inputs | index("\t") as $i | select($i != null) | {key: .[:$i], value: .[$i + 1:]}] | from_entries' \
	"$tmp/ids" >"$tmp/ids.json" || die 4 "cannot read the board identities of '$run'"

name=$(basename "$run")
MD='
def limit_bytes: 60000;
# inline Markdown: ASCII punctuation that could start markup is escaped, line breaks become spaces
def md: tostring | gsub("[\r\n]+"; " ") | gsub("&"; "&amp;")
	| gsub("(?<c>[\\\\`*_\\[\\]|~#<>!@$])"; "\\\(.c)");
# text inside raw HTML (the <summary> line)
def h: tostring | gsub("[\r\n]+"; " ") | @html | gsub("@"; "&#64;");
def dur: (if type == "number" and . > 0 then floor else 0 end) as $ms
	| if $ms < 1000 then "\($ms) ms"
	  elif $ms < 60000 then "\($ms / 1000 | floor).\($ms % 1000 / 100 | floor) s"
	  else "\($ms / 60000 | floor) min \($ms % 60000 / 1000 | floor) s" end;
def str: select(type == "string" and . != "");
def trimmed: sub("^\\s+"; "") | sub("\\s+$"; "");
# board.id is "BUILD;<sys.version>;BUILD", sys.version "3.4.0; MicroPython v1.27.0 on 2025-12-10"
def from_id: split(";") as $f
	| if ($f | length) >= 3 then
		($f[1:-1] | join(";")) as $v
		| ((($v | capture("(?<m>MicroPython[^;]*)").m) // $v) | trimmed)
		  + (if ($f[0] | trimmed) != "" then " (\($f[0] | trimmed))" else "" end)
	  else trimmed end;
def firmware($ids): (.args | if type == "object" then . else {} end) as $a
	| first(($a.version, $a.firmware, $a.firmware_version, $a.fw_version, $a.identity) | str)
	  // ($ids[.board] | str | from_id | str)
	  // ([$a.platform, $a.build, $a.arch] | map(str | select(. != "unknown")) | join(" ") | str)
	  // "?";
def failing: .verdict == "fail" or .verdict == "timeout" or .verdict == "error";
def n($k): .summary[$k] // 0;
# a section listing every test with verdict $v (at most 200), or nothing when there is none
def listed($v; $title; $what):
	[.[] | .board as $b | (.tests // [])[] | select(.verdict == $v) | .board = $b] as $l
	| if ($l | length) == 0 then empty else
		"### \($title) (\($l | length)): \($what)\n\n",
		($l[:200][] | "- \(.board | md): \(.test | md)\(if .reason != "" then " (" + (.reason | md) + ")" else "" end)\n"),
		(if ($l | length) > 200 then "- _... and \(($l | length) - 200) more, not shown here_\n" else empty end),
		"\n"
	  end;
def total($k): map(n($k)) | add // 0;
# the first lines of the diff (else of the output) in a fence longer than any run of backticks in it
def excerpt:
	(if (.diff // "") != "" then .diff else (.output // "") end) as $body
	| if $body == "" then "_(no diff and no output)_\n"
	  else ($body | rtrimstr("\n") | split("\n")) as $all
		| ($all[:15] | map(gsub("\r"; "\u240d") | if length > 300 then .[:300] + " [...]" else . end)) as $shown
		| ([$shown[] | scan("`+") | length] | max // 0) as $ticks
		| ("`" * ([3, $ticks + 1] | max)) as $fence
		| "\($fence)diff\n\($shown | join("\n"))\n\($fence)\n"
		  + (if ($all | length) > 15 then "_(\(($all | length) - 15) more lines not shown: see junit.xml)_\n"
		     else "" end)
	  end;
def detail:
	"<details><summary><code>\(.test | h)</code>: \(.verdict | h)\(if .reason != "" then ": " + (.reason | h) else "" end)</summary>\n\n"
	+ excerpt + "\n</details>\n";

. as $boards
| (if length == 0 then 1 else 0 end) as $none
| (total("failed") + total("timeout") + total("error")) as $failed
| [
	"## Test run \($name | md): \(total("passed")) passed, \($failed) failed, \(total("skipped")) skipped, \(total("flaky")) flaky, \(total("ignored")) ignored on \(length) board\(if length == 1 then "" else "s" end) (test time \(total("duration_ms") | dur))\n\n",
	"| board | firmware | passed | failed | skipped | timeout | error | flaky | ignored | time |\n",
	"|---|---|--:|--:|--:|--:|--:|--:|--:|--:|\n",
	(.[] | "| \(.board | md) | \(firmware($ids) | md) | \(n("passed")) | \(n("failed")) | \(n("skipped")) | \(n("timeout")) | \(n("error")) | \(n("flaky")) | \(n("ignored")) | \(n("duration_ms") | dur) |\n"),
	"\n",
	(if $failed == 0 then
		"Nothing failed: no test failed, timed out or ended in error on any board.\n\n"
	 else
		"### Failed tests (\($failed))\n\n",
		(.[] | [(.tests // [])[] | select(failing)] as $f | select($f | length > 0)
		 | "#### \(.board | md): \($f | length) failed\n\n",
		   ($f[:50][] | detail + "\n"),
		   (if ($f | length) > 50 then "_... and \(($f | length) - 50) more failed tests on \(.board | md), not shown here (see junit.xml)._\n\n" else empty end))
	 end),
	listed("flaky"; "Flaky tests"; "failed, then passed on a retry"),
	listed("ignored"; "Ignored failures"; "known to be flaky")
  ]
| reduce .[] as $c ({out: "", bytes: 0, left: 0, shown_failed: 0, stop: false};
	($c | utf8bytelength) as $b
	| if .stop or .bytes + $b > limit_bytes - 400 then .stop = true | .left += 1
	  else .out += $c | .bytes += $b | if $c | startswith("<details>") then .shown_failed += 1 else . end end)
| .out + (if .left > 0 then
	"\n_This summary is cut to stay under \(limit_bytes) bytes: \(.left) more parts (table rows, failed tests, list entries) are left out: \($failed - .shown_failed) failed tests are not shown. The full results are in boards.jsonl and junit.xml._\n"
	else "" end)'

jq -s -j --arg name "$name" --slurpfile idsf "$tmp/ids.json" '$idsf[0] as $ids | '"$MD" \
	"$run/boards.jsonl" >"$tmp/summary.md" 2>"$tmp/jq.err" ||
	die 2 "cannot read '$run/boards.jsonl': $(head -c 300 "$tmp/jq.err") (run scripts/report.sh $run again)"

publish "$tmp/summary.md" "$run/summary.md"
exit 0
