#!/bin/sh
# compare: the regression view of a run against an older one (its base), board by board (boards matched
# by their label): new failures, fixed tests, new skips, tests no longer skipped, tests gone and new,
# other changes and the unchanged counts.
#
# usage: scripts/compare.sh [--json] [--md FILE] BASE_RUN_DIR RUN_DIR
#
# Both folders hold boards.jsonl (scripts/report.sh); a folder without it but with board folders is
# reported first (scripts/report.sh, quietly). A test is a new failure when it fails now (fail, timeout
# or error) and did not fail in the base (pass, skip, flaky, ignored or not there: a new test, or a board
# only in the new run). Output: text on stdout, or with --json one JSON object per board per line;
# --md FILE also writes the comparison as GitHub-flavoured Markdown (under 60000 bytes).
# Exit: 0 no new failure, 1 new failures, 2 usage (a folder missing or without boards), 4 an output
# could not be written.

# shellcheck disable=SC2016 # the jq programs below are in single quotes on purpose
set -eu
export LC_ALL=C

prog=compare
here=$(dirname "$0")

usage() {
	cat <<'EOF'
usage: compare.sh [--json] [--md FILE] BASE_RUN_DIR RUN_DIR

Compare the results of RUN_DIR with those of BASE_RUN_DIR (an older run), board by board (by label):
  new failures       fail, timeout or error now; pass, skip, flaky, ignored or absent in the base
  fixed              failed in the base, pass now
  new skips          passed in the base, skipped now
  no longer skipped  skipped in the base, pass now
  gone / new         tests only in the base / only in the new run
  changed            any other change of verdict (e.g. fail -> skip, pass -> flaky)
  unchanged          the counts of tests with the same outcome (pass, skip, fail, flaky, ignored)
A board only in one run is listed as "only in base" or "only in new" (the failing tests of a board
only in the new run are new failures). Each folder needs boards.jsonl; a folder with board folders but
no boards.jsonl is reported first (scripts/report.sh).

  --json       one JSON object per board per line on stdout instead of the text
  --md FILE    also write the comparison as Markdown to FILE (under 60000 bytes)

Exit status: 0 no new failure, 1 new failures, 2 usage (a folder missing or without boards),
4 an output could not be written.
EOF
}

# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
synopsis() { echo "usage: compare.sh [--json] [--md FILE] BASE_RUN_DIR RUN_DIR" >&2; }

json=no
md=
base=
new=
n=0
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help)
		usage
		exit 0
		;;
	--json) json=yes ;;
	--md)
		if [ $# -lt 2 ] || [ -z "$2" ]; then
			synopsis
			die 2 "--md needs a FILE"
		fi
		md=$2
		shift
		;;
	--md=*)
		md=${1#--md=}
		[ -n "$md" ] || { synopsis; die 2 "--md needs a FILE"; }
		;;
	--)
		shift
		break
		;;
	-?*)
		synopsis
		die 2 "unknown option '$1'"
		;;
	*)
		n=$((n + 1))
		if [ $n = 1 ]; then base=$1; elif [ $n = 2 ]; then new=$1; else synopsis; die 2 "too many arguments"; fi
		;;
	esac
	shift
done
for a; do
	n=$((n + 1))
	if [ $n = 1 ]; then base=$a; elif [ $n = 2 ]; then new=$a; else synopsis; die 2 "too many arguments"; fi
done
if [ $n -ne 2 ]; then
	synopsis
	exit 2
fi
start_work

# boards DIR: the folder's boards.jsonl, made by report.sh when missing; its path on stdout
boards() {
	d=${1%/}
	[ -n "$d" ] || d=/
	[ -e "$d" ] || die 2 "'$1' does not exist: give the folder of a run"
	[ -d "$d" ] || die 2 "'$1' is not a folder: give the folder of a run"
	if [ ! -f "$d/boards.jsonl" ]; then
		rc=0
		sh "$here/report.sh" "$d" >/dev/null 2>"$tmp/report.err" || rc=$?
		case $rc in
		0 | 1) ;;
		2) die 2 "no board in '$1': expected $d/boards.jsonl or $d/<board>/<test>.json" ;;
		*) die 4 "cannot report '$1' (scripts/report.sh: exit $rc): $(head -n 1 "$tmp/report.err")" ;;
		esac
		[ -f "$d/boards.jsonl" ] || die 4 "scripts/report.sh made no '$d/boards.jsonl'"
	fi
	[ -s "$d/boards.jsonl" ] || die 2 "no board in '$d/boards.jsonl'"
	printf '%s\n' "$d/boards.jsonl"
}
bf=$(boards "$base")
nf=$(boards "$new")

# one object per board: the changes of its tests between the two runs
COMPARE='
def cls: if . == "pass" then "pass" elif . == "skip" or . == "lrge" then "skip"
	elif . == "fail" or . == "timeout" or . == "error" then "fail" else . end;
def byboard: map(select(type == "object" and (.board | type) == "string") | {key: .board, value: .}) | from_entries;
def bytest: reduce ((.tests // [])[] | select(type == "object" and (.test | type) == "string")) as $t ({}; .[$t.test] = $t);
($base | byboard) as $B
| ($new | byboard) as $N
| ([$B, $N | keys[]] | unique)[] as $b
| ($B[$b] | bytest) as $bt
| ($N[$b] | bytest) as $nt
| reduce ([$bt, $nt | keys[]] | unique[]) as $t (
	{board: $b,
	 present: (if $B[$b] and $N[$b] then "both" elif $B[$b] then "only in base" else "only in new" end),
	 base_tests: ($bt | length), new_tests: ($nt | length),
	 new_failures: [], fixed: [], new_skips: [], no_longer_skipped: [], gone: [], new: [], changed: [],
	 unchanged: {pass: 0, skip: 0, fail: 0, flaky: 0, ignored: 0, total: 0}};
	($bt[$t].verdict // null) as $v0
	| ($nt[$t].verdict // null) as $v1
	| ($v0 | cls) as $c0
	| ($v1 | cls) as $c1
	| {test: $t, base: $v0, now: $v1, reason: ($nt[$t].reason // $bt[$t].reason // "")} as $e
	| if $v1 != null and $c1 == "fail" and $c0 != "fail" then .new_failures += [$e] else . end
	| if $v1 == null then .gone += [$e]
	  elif $v0 == null then .new += [$e]
	  elif $c0 == $c1 then .unchanged[$c1] += 1 | .unchanged.total += 1
	  elif $c0 == "fail" and $v1 == "pass" then .fixed += [$e]
	  elif $v0 == "pass" and $c1 == "skip" then .new_skips += [$e]
	  elif $c0 == "skip" and $v1 == "pass" then .no_longer_skipped += [$e]
	  elif $c1 == "fail" then .
	  else .changed += [$e] end)'

jq -n -c --slurpfile base "$bf" --slurpfile new "$nf" "$COMPARE" >"$tmp/cmp.jsonl" 2>"$tmp/jq.err" ||
	die 2 "cannot read '$bf' or '$nf': $(head -c 300 "$tmp/jq.err") (run scripts/report.sh again)"

TEXT='
def plural($n; $w): "\($n) \($w)\(if $n == 1 then "" else "s" end)";
def why: if .reason != "" then ": " + .reason else "" end;
def line($k): "  \($k): \(.test)";
(.[] | . as $r
 | if .present == "only in base" then "\(.board): only in base (\(plural(.base_tests; "test")))"
   elif .present == "only in new" then
	"\(.board): only in new (\(plural(.new_tests; "test")), \(.new_failures | length) failing)",
	(.new_failures[] | "  new failure: \(.test) (\(.now)\(why))")
   else
	"\(.board): \(plural(.new_failures | length; "new failure")), \(.fixed | length) fixed, \(plural(.new_skips | length; "new skip")), \(.no_longer_skipped | length) no longer skipped, \(.gone | length) gone, \(.new | length) new, \(.changed | length) changed; \(.unchanged.total) unchanged (\(.unchanged | to_entries | map(select(.key != "total" and .value > 0) | "\(.value) \(.key)") | join(", ") | if . == "" then "none" else . end))",
	(.new_failures[] | "  new failure: \(.test) (\(.base // "new") -> \(.now)\(why))"),
	(.fixed[] | "  fixed: \(.test) (\(.base) -> \(.now))"),
	(.new_skips[] | "  new skip: \(.test) (\(.base) -> \(.now)\(why))"),
	(.no_longer_skipped[] | "  no longer skipped: \(.test) (\(.base) -> \(.now))"),
	(.gone[] | "  gone: \(.test) (was \(.base))"),
	(.new[] | "  new: \(.test) (\(.now))"),
	(.changed[] | "  changed: \(.test) (\(.base) -> \(.now)\(why))")
   end),
(def sum($k): map(.[$k] | length) | add // 0;
 def both($k): map(select(.present == "both") | .[$k] | length) | add // 0;
 "total: \(plural(sum("new_failures"); "new failure")), \(sum("fixed")) fixed, \(plural(sum("new_skips"); "new skip")), \(sum("no_longer_skipped")) no longer skipped, \(both("gone")) gone, \(both("new")) new, \(sum("changed")) changed on \(plural(length; "board")) (\(map(select(.present == "only in base")) | length) only in base, \(map(select(.present == "only in new")) | length) only in new)")'

MD='
def limit_bytes: 60000;
def md: tostring | gsub("[\r\n]+"; " ") | gsub("&"; "&amp;")
	| gsub("(?<c>[\\\\`*_\\[\\]|~#<>!@$])"; "\\\(.c)");
def why: if .reason != "" then " (" + (.reason | md) + ")" else "" end;
def sum($k): map(.[$k] | length) | add // 0;
# a list under a bold title, at most 50 entries
def list($title; f):
	if length == 0 then empty else
		"**\($title) (\(length))**\n\n",
		(.[:50][] | "- \(.test | md): " + f + "\n"),
		(if length > 50 then "- _... and \(length - 50) more, not shown here_\n" else empty end),
		"\n"
	end;
def arrow: "\(.base // "new") \u2192 \(.now // "gone")";
[
	"## Changes from \($basename | md) to \($newname | md): \(sum("new_failures")) new failures, \(sum("fixed")) fixed\n\n",
	"| board | new failures | fixed | new skips | no longer skipped | gone | new | changed | unchanged |\n",
	"|---|--:|--:|--:|--:|--:|--:|--:|--:|\n",
	(.[] | if .present == "only in base" then "| \(.board | md) | _only in base (\(.base_tests) test\(if .base_tests == 1 then "" else "s" end))_ | | | | | | | |\n"
	       elif .present == "only in new" then "| \(.board | md) | \(.new_failures | length) (_only in new: \(.new_tests) test\(if .new_tests == 1 then "" else "s" end)_) | | | | | | | |\n"
	       else "| \(.board | md) | \(.new_failures | length) | \(.fixed | length) | \(.new_skips | length) | \(.no_longer_skipped | length) | \(.gone | length) | \(.new | length) | \(.changed | length) | \(.unchanged.total) |\n" end),
	"\n",
	(if sum("new_failures") == 0 then "No new failure.\n\n" else empty end),
	(.[] | select(.present != "only in base")
	 | select([.new_failures, .fixed, .new_skips, .no_longer_skipped, .gone, .new, .changed] | add | length > 0)
	 | "### \(.board | md)\n\n",
	   (.new_failures | list("New failures"; arrow + why)),
	   (.fixed | list("Fixed"; arrow)),
	   (.new_skips | list("New skips"; arrow + why)),
	   (.no_longer_skipped | list("No longer skipped"; arrow)),
	   (if .present == "both" then (.gone | list("Gone"; "was \(.base)")), (.new | list("New"; .now)) else empty end),
	   (.changed | list("Changed"; arrow + why)))
]
| reduce .[] as $c ({out: "", bytes: 0, left: 0, stop: false};
	($c | utf8bytelength) as $b
	| if .stop or .bytes + $b > limit_bytes - 400 then .stop = true | .left += 1
	  else .out += $c | .bytes += $b end)
| .out + (if .left > 0 then
	"\n_This comparison is cut to stay under \(limit_bytes) bytes: \(.left) more parts are left out (scripts/compare.sh --json gives all)._\n"
	else "" end)'

if [ -n "$md" ]; then
	jq -s -j --arg basename "$(basename "${base%/}")" --arg newname "$(basename "${new%/}")" "$MD" \
		"$tmp/cmp.jsonl" >"$tmp/cmp.md"
	publish "$tmp/cmp.md" "$md"
fi
if [ $json = yes ]; then
	cat "$tmp/cmp.jsonl"
else
	jq -s -r "$TEXT" "$tmp/cmp.jsonl"
fi

if jq -e -s 'any(.[]; (.new_failures | length) > 0)' "$tmp/cmp.jsonl" >/dev/null; then
	exit 1
fi
exit 0
