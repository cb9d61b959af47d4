#!/bin/sh
# publish: show the result of a run on GitHub: its summary (RUN_DIR/summary.md, else a table made from
# RUN_DIR/summary.json) appended to the job's step summary, and for a pull request one comment that is
# created once and then updated in place: it starts with the hidden marker
# <!-- testbed-micropython:<bench> -->, one comment per bench.
#
# usage: scripts/github/publish.sh [--dry-run] [--comment-file FILE] RUN_DIR
#   --dry-run            do not call gh: write the comment body to FILE (also what happens without gh)
#   --comment-file FILE  where the body goes without gh (default RUN_DIR/pr-comment.md)
#
# Environment: GITHUB_STEP_SUMMARY (appended to; without it the summary goes to stdout), TB_PR (the pull
#   request number; empty: no comment), GITHUB_REPOSITORY (owner/name of the pull request), GH_TOKEN (for
#   gh), TB_BENCH (the bench: the marker and the title; default the RUN_DIR's name), TB_SOURCE (what was
#   tested, e.g. micropython/micropython at refs/pull/1/head), TB_COMMENT_USER (whose comment is updated,
#   default github-actions[bot]), GITHUB_SERVER_URL, GITHUB_RUN_ID (a link to the run).
# Comments are listed with `gh api --paginate repos/O/R/issues/N/comments`; the first one written by
# TB_COMMENT_USER whose body starts with the marker is changed (PATCH), else a comment is made (POST).
# Exit: 0 done, 2 usage, 3 gh failed (the comment is not there), 4 a file could not be written.
set -eu
export LC_ALL=C
prog=publish

usage() { sed -n '2,/^set -eu/{/^set -eu/d;s/^# \{0,1\}//;p}' "$0"; }
die() { # STATUS MESSAGE
	echo "$prog: $2" >&2
	exit "$1"
}
dry=no cfile=""
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help) usage; exit 0 ;;
	--dry-run) dry=yes ;;
	--comment-file) [ $# -ge 2 ] || die 2 "--comment-file needs a file"; cfile=$2; shift ;;
	--) shift; break ;;
	-*) echo "usage: publish.sh [--dry-run] [--comment-file FILE] RUN_DIR" >&2; die 2 "unknown option '$1'" ;;
	*) break ;;
	esac
	shift
done
[ $# = 1 ] || { echo "usage: publish.sh [--dry-run] [--comment-file FILE] RUN_DIR" >&2; exit 2; }
rd=${1%/}
[ -d "$rd" ] || echo "$prog: '$rd' is not a folder: the run made no results" >&2
bench=${TB_BENCH:-$(basename "$rd")}
case $bench in *[!A-Za-z0-9_.-]*) die 2 "TB_BENCH '$bench' is not a bench name" ;; esac
pr=${TB_PR:-}
case $pr in *[!0-9]*) die 2 "TB_PR '$pr' is not a pull request number" ;; esac
cfile=${cfile:-$rd/pr-comment.md}
marker="<!-- testbed-micropython:$bench -->"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# the summary of the run: summary.md, or a table from summary.json, or a line saying there is none
if [ -s "$rd/summary.md" ]; then
	cat "$rd/summary.md" >"$work/summary"
elif [ -s "$rd/summary.json" ]; then
	jq -r '
		def row($n; $c): "| \($n) | \($c.passed) | \($c.failed) | \($c.skipped) | \($c.timeout + $c.error) | \($c.flaky) | \($c.total) |";
		"| board | passed | failed | skipped | timeout/error | flaky | total |",
		"|---|---:|---:|---:|---:|---:|---:|",
		(.boards | to_entries[] | row(.key; .value)),
		row("**all**"; .totals),
		"",
		(.boards | to_entries[] | select((.value.failed_tests // []) | length > 0)
			| "**\(.key)** failed: " + ([.value.failed_tests[] | "`\(.)`"] | join(", ")))
	' "$rd/summary.json" >"$work/summary" 2>"$work/jq" || die 4 "cannot read '$rd/summary.json': $(head -c 200 "$work/jq")"
else
	echo "No results: the run did not test (no $rd/summary.json); see the job's log." >"$work/summary"
fi
# at most 60000 characters in a comment (GitHub takes 65536)
if [ "$(wc -c <"$work/summary")" -gt 60000 ]; then
	head -c 60000 "$work/summary" >"$work/cut"
	printf '\n\n... (cut: the whole summary is in the artifact)\n' >>"$work/cut"
	mv "$work/cut" "$work/summary"
fi
link=""
if [ -n "${GITHUB_RUN_ID:-}" ] && [ -n "${GITHUB_REPOSITORY:-}" ]; then
	link="${GITHUB_SERVER_URL:-https://github.com}/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID"
fi
{
	printf '### Testbed %s%s\n\n' "$bench" "${TB_SOURCE:+: $TB_SOURCE}"
	cat "$work/summary"
	[ -z "$link" ] || printf '\n[The run, its log and the result files](%s)\n' "$link"
} >"$work/body"

if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
	{ cat "$work/body"; echo; } >>"$GITHUB_STEP_SUMMARY" || die 4 "cannot append to '$GITHUB_STEP_SUMMARY'"
else
	cat "$work/body"
fi
[ -n "$pr" ] || exit 0

{ echo "$marker"; cat "$work/body"; } >"$work/comment"
if [ "$dry" = yes ] || ! command -v gh >/dev/null 2>&1; then
	[ "$dry" = yes ] || echo "$prog: gh is not installed: the comment of #$pr is in '$cfile'" >&2
	if ! { mkdir -p "$(dirname "$cfile")" && cp "$work/comment" "$cfile.tmp" && mv "$cfile.tmp" "$cfile"; }; then
		die 4 "cannot write '$cfile'"
	fi
	exit 0
fi
repo=${GITHUB_REPOSITORY:-}
printf '%s' "$repo" | grep -qxE '[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+' || die 2 "GITHUB_REPOSITORY '$repo' is not owner/name"
user=${TB_COMMENT_USER:-github-actions[bot]}
gh api --paginate "repos/$repo/issues/$pr/comments" >"$work/list" 2>"$work/err" ||
	die 3 "cannot list the comments of $repo#$pr: $(head -c 300 "$work/err")"
id=$(jq -rs --arg m "$marker" --arg u "$user" \
	'[.[][] | select(.user.login == $u and ((.body // "") | startswith($m))) | .id] | first // empty' "$work/list" 2>/dev/null) ||
	die 3 "the comments of $repo#$pr are not a JSON list"
jq -Rs '{body: .}' "$work/comment" >"$work/req"
if [ -n "$id" ]; then
	gh api -X PATCH "repos/$repo/issues/comments/$id" --input - <"$work/req" >/dev/null 2>"$work/err" ||
		die 3 "cannot update comment $id of $repo#$pr: $(head -c 300 "$work/err")"
	echo "$prog: updated comment $id of $repo#$pr" >&2
else
	gh api -X POST "repos/$repo/issues/$pr/comments" --input - <"$work/req" >/dev/null 2>"$work/err" ||
		die 3 "cannot comment on $repo#$pr: $(head -c 300 "$work/err")"
	echo "$prog: commented on $repo#$pr" >&2
fi
