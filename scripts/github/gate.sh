#!/bin/sh
# gate: decide whether this workflow run may test, and what MicroPython code it tests. The first step
# of .github/workflows/bench.yml after the checkout of this project; nothing of the code under test has
# been fetched yet.
#
# usage: scripts/github/gate.sh [-h]
#
# Who may run (the logins of TB_ALLOWED_AUTHORS, one a line, # comments):
#   workflow_dispatch     the person who started it (GITHUB_ACTOR) is on the list
#   schedule              always (the default branch of TB_DEFAULT_REPO)
#   pull_request(_target) the event is the label TB_LABEL being added, by someone on the list or to a pull
#                         request whose author is on the list; another label is no request (nothing to do)
# What is tested: TB_IN_REPO (owner/name, default TB_DEFAULT_REPO) at TB_IN_REF (a branch, tag or commit,
# or a pull request: 123, #123, pull/123, refs/pull/123/head; empty: the default branch); for a pull
# request event the head commit the label was put on. Code of a pull request, or of a repository other
# than TB_DEFAULT_REPO, is untrusted: scripts/github/params.sh then forces SANDBOX=yes and runs nothing
# of its tree through make (no firmware or mpy-cross build).
#
# Environment: GITHUB_EVENT_NAME, GITHUB_EVENT_PATH (the event JSON), GITHUB_ACTOR, GITHUB_REPOSITORY,
#   GITHUB_OUTPUT, GITHUB_STEP_SUMMARY (both optional: stdout / nothing), TB_ALLOWED_AUTHORS (default
#   testbeds/allowed-authors.txt), TB_LABEL (default bench), TB_DEFAULT_REPO (default
#   micropython/micropython), TB_IN_REPO, TB_IN_REF (the inputs of workflow_dispatch).
# Outputs (GITHUB_OUTPUT): run=true|false, untrusted=yes|no, mpy_repo, mpy_ref, pr (the pull request of
#   GITHUB_REPOSITORY to comment on, or empty), source (what is tested, in words), reason.
# Exit: 0 decided (run=true: test; run=false: nothing was asked), 1 refused (reason in the step summary),
#   2 usage or a bad event / input.
set -eu
export LC_ALL=C
prog=gate

usage() {
	sed -n '2,/^set -eu/{/^set -eu/d;s/^# \{0,1\}//;p}' "$0"
}
case ${1:-} in
-h | --help) usage; exit 0 ;;
'') ;;
*) echo "usage: gate.sh [-h]" >&2; exit 2 ;;
esac

die() { # STATUS MESSAGE
	echo "$prog: $2" >&2
	[ -z "${GITHUB_STEP_SUMMARY:-}" ] || printf '### Testbed: not run\n\n%s\n' "$2" >>"$GITHUB_STEP_SUMMARY"
	exit "$1"
}
# out NAME VALUE: one output line (values are checked to hold no newline)
out() {
	case $2 in *'
'*) die 2 "output $1 holds a newline" ;; esac
	if [ -n "${GITHUB_OUTPUT:-}" ]; then printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"; else printf '%s=%s\n' "$1" "$2"; fi
}
# decide RUN REASON: the decision, in the outputs and the step summary
decide() {
	out run "$1"
	out reason "$2"
	echo "$prog: $2" >&2
	if [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ "$1" = false ]; then
		printf '### Testbed: not run\n\n%s\n' "$2" >>"$GITHUB_STEP_SUMMARY"
	fi
}

event=${GITHUB_EVENT_NAME:-}
[ -n "$event" ] || die 2 "GITHUB_EVENT_NAME is not set"
ev=${GITHUB_EVENT_PATH:-}
if [ -z "$ev" ] || [ ! -r "$ev" ]; then die 2 "cannot read the event file '${GITHUB_EVENT_PATH:-}' (GITHUB_EVENT_PATH)"; fi
jq -e 'type == "object"' "$ev" >/dev/null 2>&1 || die 2 "'$ev' is not a JSON object"
allowed=${TB_ALLOWED_AUTHORS:-testbeds/allowed-authors.txt}
[ -r "$allowed" ] || die 2 "cannot read the list of allowed authors '$allowed' (TB_ALLOWED_AUTHORS)"
label=${TB_LABEL:-bench}
default_repo=${TB_DEFAULT_REPO:-micropython/micropython}

# is_allowed LOGIN: LOGIN is a line of the list (case does not matter on GitHub; comments and blanks skipped)
is_allowed() {
	[ -n "$1" ] || return 1
	sed 's/#.*//; s/[[:space:]]//g' "$allowed" | grep -qixF -e "$1"
}
valid_repo() { printf '%s' "$1" | grep -qxE '[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+'; }
valid_ref() {
	printf '%s' "$1" | grep -qxE '[A-Za-z0-9._/-]{1,200}' || return 1
	case $1 in -* | /* | *..* | *//* | */ | *.lock | *@\{*) return 1 ;; esac
}
jqe() { jq -r "$1 // \"\" | tostring" "$ev"; }

untrusted=no pr="" repo="" ref=""
case $event in
schedule)
	repo=$default_repo
	decide true "nightly run of $repo"
	;;
workflow_dispatch)
	repo=${TB_IN_REPO:-$default_repo}
	ref=${TB_IN_REF:-}
	valid_repo "$repo" || die 2 "repository '$repo' is not owner/name"
	ref=$(printf '%s' "$ref" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//')
	num=$(printf '%s' "$ref" | sed -n -E 's%^(#|pull/|refs/pull/)?([0-9]{1,9})(/head)?$%\2%p')
	if [ -n "$num" ]; then
		ref=refs/pull/$num/head
		untrusted=yes
		[ "$repo" != "${GITHUB_REPOSITORY:-}" ] || pr=$num
	elif [ -n "$ref" ]; then
		valid_ref "$ref" || die 2 "ref '$ref' is not a branch, tag, commit or pull request number"
	fi
	[ "$repo" = "$default_repo" ] || untrusted=yes
	actor=${GITHUB_ACTOR:-}
	if ! is_allowed "$actor"; then
		decide false "'$actor' is not in $allowed: only the people listed there may start a test run"
		exit 1
	fi
	decide true "started by $actor: $repo${ref:+ at $ref}"
	;;
pull_request_target | pull_request)
	action=$(jqe .action)
	got=$(jqe .label.name)
	if [ "$action" != labeled ] || [ "$got" != "$label" ]; then
		# shellcheck disable=SC2016 # quotes of the message
		decide false "pull request event '$action'${got:+ (label '$got')}: only adding the label '$label' asks for a test run"
		exit 0
	fi
	sender=$(jqe .sender.login)
	author=$(jqe .pull_request.user.login)
	pr=$(jqe .pull_request.number)
	repo=$(jqe .pull_request.base.repo.full_name)
	ref=$(jqe .pull_request.head.sha)
	printf '%s' "$pr" | grep -qxE '[0-9]{1,9}' || die 2 "'$ev': pull_request.number '$pr' is not a number"
	[ -n "$repo" ] || repo=${GITHUB_REPOSITORY:-}
	valid_repo "$repo" || die 2 "'$ev': repository '$repo' is not owner/name"
	printf '%s' "$ref" | grep -qxE '[0-9a-f]{40}' || die 2 "'$ev': pull_request.head.sha '$ref' is not a commit"
	untrusted=yes
	if is_allowed "$sender"; then
		decide true "pull request #$pr labelled '$label' by $sender"
	elif is_allowed "$author"; then
		decide true "pull request #$pr of $author, labelled '$label' by $sender"
	else
		decide false "pull request #$pr: neither $sender, who added the label '$label', nor the author $author is in $allowed"
		exit 1
	fi
	;;
*)
	decide false "event '$event' does not start test runs (workflow_dispatch, schedule, a pull request labelled '$label')"
	exit 1
	;;
esac
out untrusted "$untrusted"
out mpy_repo "$repo"
out mpy_ref "$ref"
out pr "$pr"
if [ -n "$ref" ]; then out source "$repo at $ref"; else out source "$repo (default branch)"; fi
