#!/bin/sh
# The GitHub Actions mode: scripts/github/gate.sh (who may run, what code, trusted or not) on hand-written
# events, scripts/github/params.sh (inputs to make variables; injection attempts refused),
# scripts/github/publish.sh (step summary, one pull request comment created then updated in place, through
# the fake gh of tests/mock), the workflow file's shape and safety rules, and the workflow's own steps run
# here in order (the uses: actions skipped, the corpus in place of a MicroPython checkout, two virtual
# boards) with a simulated runner environment.
# Environment: BIN is not used: the run goes through `make test` with the project's tools (build/bin).
# shellcheck disable=SC2016 # the injection attempts are literal on purpose
set -eu
export LC_ALL=C
cd "$(dirname "$0")/../.."
top=$(pwd)
. tests/lib.sh
WF=.github/workflows/bench.yml
GATE=scripts/github/gate.sh
PARAMS=scripts/github/params.sh
PUBLISH=scripts/github/publish.sh
require jq yq node bwrap
require_vboards
export PATH="$top/tests/mock:$PATH"
export GH_MOCK_DIR="$tmp/gh"
unset GITHUB_OUTPUT GITHUB_STEP_SUMMARY GITHUB_ENV TB_PR TB_BENCH TB_BENCH_DEFAULT TB_MPY_DIR TB_UNTRUSTED 2>/dev/null || true
SHA=0123456789abcdef0123456789abcdef01234567

# calls: the number of gh calls; count GLOB: the files of the fake gh matching GLOB
calls() { if [ -f "$GH_MOCK_DIR/calls.log" ]; then wc -l <"$GH_MOCK_DIR/calls.log"; else echo 0; fi; }
count() { c=0; for x in "$GH_MOCK_DIR"/$1; do [ ! -e "$x" ] || c=$((c + 1)); done; echo $c; }
# outv FILE KEY: the value of KEY in an output file
outv() { sed -n "s/^$2=//p" "$1" | tail -n 1; }

########################################################################################################
# gate.sh
E=$tmp/ev
mkdir -p "$E"
printf 'alice\n  Bob   # maintainer\n# carol\n' >"$tmp/allowed.txt"
jq -n '{inputs: {repository: "micropython/micropython", ref: ""}}' >"$E/dispatch.json"
jq -n '{schedule: "17 2 * * *"}' >"$E/schedule.json"
# pr SENDER AUTHOR LABEL: a pull_request_target "labeled" event
pr() {
	jq -n --arg s "$1" --arg a "$2" --arg l "$3" --arg sha "$SHA" '{action: "labeled", label: {name: $l},
		sender: {login: $s}, number: 7, pull_request: {number: 7, user: {login: $a},
		head: {sha: $sha, repo: {full_name: "eve/micropython"}}, base: {repo: {full_name: "o/micropython"}}}}'
}
pr alice eve bench >"$E/pr-alice.json"
pr trudy bob bench >"$E/pr-author.json"
pr mallory eve bench >"$E/pr-bad.json"
pr alice eve documentation >"$E/pr-other.json"
# gate NAME EVENT FILE [VAR=VALUE...]: outputs in $tmp/NAME.out, step summary in $tmp/NAME.sum, status $st
gate() {
	n=$1 e=$2 f=$3
	shift 3
	: >"$tmp/$n.out"
	: >"$tmp/$n.sum"
	st=0
	env GITHUB_EVENT_NAME="$e" GITHUB_EVENT_PATH="$f" GITHUB_ACTOR=alice GITHUB_REPOSITORY=o/testbed \
		TB_ALLOWED_AUTHORS="$tmp/allowed.txt" GITHUB_OUTPUT="$tmp/$n.out" GITHUB_STEP_SUMMARY="$tmp/$n.sum" \
		"$@" sh "$GATE" >"$tmp/$n.log" 2>&1 || st=$?
}
g() { outv "$tmp/$1.out" "$2"; }

gate d1 workflow_dispatch "$E/dispatch.json"
expect "gate: dispatch by an allowed author runs" "$st $(g d1 run) $(g d1 untrusted)" "0 true no"
expect "gate: dispatch: micropython's default branch" "$(g d1 mpy_repo)|$(g d1 mpy_ref)|$(g d1 pr)" "micropython/micropython||"
gate d2 workflow_dispatch "$E/dispatch.json" GITHUB_ACTOR=BOB
expect "gate: logins are compared without case, comments and blanks of the list skipped" "$st $(g d2 run)" "0 true"
gate d3 workflow_dispatch "$E/dispatch.json" GITHUB_ACTOR=carol
expect "gate: dispatch by someone not on the list is refused" "$st $(g d3 run)" "1 false"
has_text "gate: the refusal is in the step summary, naming who" "$tmp/d3.sum" "'carol' is not in"
gate d4 workflow_dispatch "$E/dispatch.json" TB_IN_REF='#123'
expect "gate: ref #123 is a pull request, untrusted" "$(g d4 mpy_ref) $(g d4 untrusted)" "refs/pull/123/head yes"
expect "gate: no comment on another repository's pull request" "$(g d4 pr)" ""
gate d5 workflow_dispatch "$E/dispatch.json" TB_IN_REF=123 TB_IN_REPO=o/testbed
expect "gate: a pull request of this repository gets a comment" "$(g d5 pr) $(g d5 untrusted)" "123 yes"
gate d6 workflow_dispatch "$E/dispatch.json" TB_IN_REPO=eve/micropython TB_IN_REF=feature/x-1.2
expect "gate: another repository's branch is untrusted" "$st $(g d6 mpy_ref) $(g d6 untrusted)" "0 feature/x-1.2 yes"
gate d7 workflow_dispatch "$E/dispatch.json" TB_IN_REF=v1.24.0
expect "gate: a tag of micropython is trusted" "$st $(g d7 untrusted) $(g d7 source)" "0 no micropython/micropython at v1.24.0"
for bad in 'main; rm -rf /' '$(id)' '`id`' '../x' '-x' 'a b' 'x..y'; do
	gate dbad workflow_dispatch "$E/dispatch.json" TB_IN_REF="$bad"
	expect "gate: ref '$bad' refused, nothing decided" "$st $(g dbad run)" "2 "
done
gate drepo workflow_dispatch "$E/dispatch.json" TB_IN_REPO='o/x;id'
expect "gate: repository 'o/x;id' refused" "$st" 2
gate p1 pull_request_target "$E/pr-alice.json"
expect "gate: pull request labelled by an allowed person runs, untrusted" "$st $(g p1 run) $(g p1 untrusted) $(g p1 pr)" "0 true yes 7"
expect "gate: the pull request's head commit, from the base repository" "$(g p1 mpy_repo) $(g p1 mpy_ref)" "o/micropython $SHA"
gate p2 pull_request_target "$E/pr-author.json"
expect "gate: an allowed author's pull request labelled by someone else runs" "$st $(g p2 run)" "0 true"
gate p3 pull_request_target "$E/pr-bad.json"
expect "gate: neither labeller nor author allowed: refused" "$st $(g p3 run)" "1 false"
has_text "gate: the refusal names the labeller and the author" "$tmp/p3.sum" "neither mallory, who added the label 'bench', nor the author eve"
gate p4 pull_request_target "$E/pr-other.json"
expect "gate: another label is nothing to do" "$st $(g p4 run) $(g p4 pr)" "0 false "
gate s1 schedule "$E/schedule.json" GITHUB_ACTOR=nobody
expect "gate: the nightly run tests micropython, trusted" "$st $(g s1 run) $(g s1 untrusted) $(g s1 mpy_repo)" "0 true no micropython/micropython"
gate u1 push "$E/schedule.json"
expect "gate: a push does not start a run" "$st $(g u1 run)" "1 false"
gate u2 schedule "$tmp/nosuch.json"
expect "gate: a missing event file is an error" "$st" 2
has_text "gate: the error names the file" "$tmp/u2.log" "nosuch.json"
check "gate -h: usage and exit 0" 0 sh "$GATE" -h
has_text "gate -h names the exit codes" "$tmp/o" "Exit:"

########################################################################################################
# params.sh
# params NAME [VAR=VALUE...]: outputs in $tmp/NAME.out, status in $st
params() {
	n=$1
	shift
	: >"$tmp/$n.out"
	st=0
	env TB_BENCH=virtual GITHUB_RUN_ID=42 GITHUB_WORKSPACE=/ws GITHUB_OUTPUT="$tmp/$n.out" \
		GITHUB_STEP_SUMMARY="$tmp/$n.sum" "$@" sh "$PARAMS" >"$tmp/$n.log" 2>&1 || st=$?
}
params a1 TB_IN_TESTS='basics/int*.py, misc/  extmod/json_[a-d]*.py'
expect "params: the tests, one space between" "$st $(g a1 tests)" "0 basics/int*.py misc/ extmod/json_[a-d]*.py"
expect "params: run name, checkout, virtual bench defaults" "$(g a1 run) $(g a1 mpy_dir) $(g a1 flash) $(g a1 sandbox) $(g a1 ok)" "gh-42-1 /ws/micropython skip auto true"
for bad in 'basics/; rm -rf /' '$(id)' '`id`' 'basics/*.py|sh' '../../etc/passwd' '/etc/passwd' '-rf' "a'b" 'a"b' 'x>y' 'a\b' 'basics/$HOME'; do
	params tbad TB_IN_TESTS="$bad"
	expect "params: tests '$bad' refused, no output" "$st $(g tbad ok)" "2 "
done
params tnl TB_IN_TESTS="basics/
misc/"
expect "params: a newline in the tests refused" "$st" 2
has_text "params: the refusal is in the step summary" "$tmp/tbad.sum" "Bad input: tests:"
params b1 TB_BENCH=au_dpgeorge_1 TB_IN_BOARDS='BOARD=RPI_PICO2 TENTACLE=2731'
expect "params: BOARD= and TENTACLE=" "$st $(g b1 testbed) $(g b1 board) $(g b1 tentacle)" "0 au_dpgeorge_1 RPI_PICO2 2731"
expect "params: a trusted run on a bench flashes (auto), sandbox auto" "$(g b1 flash) $(g b1 sandbox)" "auto auto"
params b2 TB_BENCH=au_dpgeorge_1 TB_IN_BOARDS='RPI_PICO_W'
expect "params: a bare board type" "$st $(g b2 board) $(g b2 tentacle)" "0 RPI_PICO_W "
params b3 TB_BENCH=au_dpgeorge_1 TB_IN_BOARDS='e46340474b4c2731,VARIANT=RISCV'
expect "params: a bare tentacle serial and a variant" "$st $(g b3 tentacle) $(g b3 variant)" "0 e46340474b4c2731 RISCV"
for bad in NOSUCH 'BOARD=NOSUCH' 'BOARD=$(id)' 'PORT=/dev/ttyACM0' 'RPI_PICO RPI_PICO2' 'BOARD=../x'; do
	params bbad TB_BENCH=au_dpgeorge_1 TB_IN_BOARDS="$bad"
	expect "params: boards '$bad' refused" "$st" 2
done
params bv TB_IN_BOARDS=RPI_PICO
expect "params: no board selection on the virtual bench" "$st" 2
params g1 TB_IN_GROUPS='STANDARD,MULTI STANDARD'
expect "params: groups, commas, no repeats" "$st $(g g1 groups)" "0 STANDARD MULTI"
params g2 TB_IN_GROUPS='VIA_MPY' TB_UNTRUSTED=yes
expect "params: VIA_MPY (make in the checkout) refused for untrusted code" "$st" 2
params g3 TB_IN_GROUPS='VIA_MPY NATIVE'
expect "params: VIA_MPY allowed for trusted code" "$st $(g g3 groups)" "0 VIA_MPY NATIVE"
params g4 TB_IN_GROUPS='STANDARD;id'
expect "params: group 'STANDARD;id' refused" "$st" 2
params u1 TB_BENCH=au_dpgeorge_1 TB_UNTRUSTED=yes TB_IN_FLASH=force
expect "params: untrusted code: sandbox, no flashing" "$st $(g u1 sandbox) $(g u1 flash)" "0 yes skip"
params f1 TB_BENCH=au_dpgeorge_1 TB_IN_FLASH='auto;id'
expect "params: flash 'auto;id' refused" "$st" 2
params n1 TB_BENCH= TB_BENCH_DEFAULT=
expect "params: no bench is an error" "$st" 2
has_text "params: ... saying where to set it" "$tmp/n1.log" "TB_BENCH"
params n2 TB_BENCH=nosuch
expect "params: an unknown bench is an error" "$st" 2
params n3 TB_BENCH= TB_BENCH_DEFAULT=au_dpgeorge_1
expect "params: the repository's bench when the runner names none" "$st $(g n3 testbed)" "0 au_dpgeorge_1"
params m1 TB_MPY_DIR=none
expect "params: TB_MPY_DIR=none: the project's corpus" "$st|$(g m1 mpy_dir)" "0|"
params r1 GITHUB_RUN_ID='1;id'
expect "params: a run id that is no number refused" "$st" 2

########################################################################################################
# publish.sh
R=$tmp/results/gh-9-1
mkdir -p "$R/vb0"
jq -n '{boards: {vb0: {passed: 3, failed: 1, skipped: 2, too_large: 0, timeout: 0, error: 1, flaky: 0, ignored: 0,
	total: 7, failed_tests: ["basics/deliberate_mismatch.py"]}},
	totals: {passed: 3, failed: 1, skipped: 2, too_large: 0, timeout: 0, error: 1, flaky: 0, ignored: 0, total: 7}}' >"$R/summary.json"
# publish NAME [VAR=VALUE...] -- [ARGS...]: step summary in $tmp/NAME.sum, status $st
publish() {
	n=$1
	shift
	: >"$tmp/$n.sum"
	st=0
	env GITHUB_STEP_SUMMARY="$tmp/$n.sum" GITHUB_REPOSITORY=o/micropython GITHUB_RUN_ID=9 TB_BENCH=virtual \
		GH_TOKEN=t "$@" >"$tmp/$n.log" 2>&1 || st=$?
}
publish s1 sh "$PUBLISH" "$R"
expect "publish: no pull request, exit 0" "$st" 0
has_text "publish: the fallback table from summary.json" "$tmp/s1.sum" "| vb0 | 3 | 1 | 2 | 1 | 0 | 7 |"
has_text "publish: the failed tests listed" "$tmp/s1.sum" '**vb0** failed: `basics/deliberate_mismatch.py`'
has_text "publish: a link to the run" "$tmp/s1.sum" "https://github.com/o/micropython/actions/runs/9"
expect "publish: without a pull request gh is not called" "$(calls)" 0
printf '## Made by report\n\nAll of it.\n' >"$R/summary.md"
publish s2 sh "$PUBLISH" "$R"
has_text "publish: summary.md when there is one" "$tmp/s2.sum" "## Made by report"
if grep -qF '| vb0 |' "$tmp/s2.sum"; then notok "publish: the fallback is not added to summary.md"; else ok "publish: the fallback is not added to summary.md"; fi
# comments: somebody quoting the marker, the bot's comment of another bench
mkdir -p "$GH_MOCK_DIR"
jq -n '[{id: 11, user: {login: "eve"}, body: "<!-- testbed-micropython:virtual --> fake"},
	{id: 12, user: {login: "github-actions[bot]"}, body: "<!-- testbed-micropython:other -->\nx"}]' >"$GH_MOCK_DIR/comments.json"
publish c1 TB_PR=7 TB_SOURCE="o/micropython at refs/pull/7/head" sh "$PUBLISH" "$R"
expect "publish: no comment of ours yet: one comment made" "$st $(count "post.7.json") $(count "patch.*")" "0 1 0"
has_text "publish: the comments listed with --paginate" "$GH_MOCK_DIR/calls.log" "api --paginate repos/o/micropython/issues/7/comments"
jq -r .body "$GH_MOCK_DIR/post.7.json" >"$tmp/c1.body"
expect "publish: the comment starts with the bench's marker" "$(head -n 1 "$tmp/c1.body")" "<!-- testbed-micropython:virtual -->"
has_text "publish: the comment holds the summary" "$tmp/c1.body" "## Made by report"
has_text "publish: the comment names what was tested" "$tmp/c1.body" "### Testbed virtual: o/micropython at refs/pull/7/head"
rm -f "$GH_MOCK_DIR"/*
jq -n '[{id: 12, user: {login: "github-actions[bot]"}, body: "<!-- testbed-micropython:other -->\nx"}]' >"$tmp/p1.json"
jq -n '[{id: 555, user: {login: "github-actions[bot]"}, body: "<!-- testbed-micropython:virtual -->\nold"}]' >"$tmp/p2.json"
cat "$tmp/p1.json" "$tmp/p2.json" >"$GH_MOCK_DIR/comments.json" # two pages, as --paginate prints them
publish c2 TB_PR=7 sh "$PUBLISH" "$R"
expect "publish: our comment found on the second page is updated in place" "$st $(count "patch.555.json") $(count "post.*")" "0 1 0"
has "publish: PATCH on the comment's id" "$GH_MOCK_DIR/calls.log" "api -X PATCH repos/o/micropython/issues/comments/555 --input -"
jq -r .body "$GH_MOCK_DIR/patch.555.json" >"$tmp/c2.body"
has_text "publish: the updated comment holds the new summary" "$tmp/c2.body" "All of it."
rm -f "$GH_MOCK_DIR"/*
publish c3 TB_PR=7 GH_MOCK_FAIL=post sh "$PUBLISH" "$R"
expect "publish: gh failing is exit 3" "$st" 3
has_text "publish: ... with gh's message" "$tmp/c3.log" "HTTP 403"
rm -f "$GH_MOCK_DIR"/*
publish c4 TB_PR=7 sh "$PUBLISH" --dry-run --comment-file "$tmp/dry.md" "$R"
expect "publish --dry-run: no gh call" "$st $(calls)" "0 0"
has_text "publish --dry-run: the body in the file" "$tmp/dry.md" "<!-- testbed-micropython:virtual -->"
publish c5 TB_PR=7 PATH=/usr/bin:/bin sh "$PUBLISH" "$R"
if command -v gh >/dev/null 2>&1 && [ "$(command -v gh)" != "$top/tests/mock/gh" ]; then
	skip=$((skip + 1))
	echo "ok - # SKIP publish without gh: a real gh is installed"
else
	expect "publish without gh: the body in RUN_DIR/pr-comment.md" "$st $(head -n 1 "$R/pr-comment.md")" "0 <!-- testbed-micropython:virtual -->"
fi
publish c6 TB_PR='7;id' sh "$PUBLISH" "$R"
expect "publish: a pull request number that is no number refused" "$st" 2
publish c7 sh "$PUBLISH" "$tmp/results/none"
has_text "publish: no results: said in the summary" "$tmp/c7.sum" "No results"

########################################################################################################
# the workflow file
check "workflow: yq parses it" 0 yq -e . "$WF"
# wf JQ: a jq program on the workflow (yaml 1.1 may read the key on as true)
wf() { yq -r "(.on // .[\"on\"] // .[\"true\"]) as \$on | $1" "$WF"; }
expect "workflow: the three triggers" "$(wf '$on | keys | sort | join(" ")')" "pull_request_target schedule workflow_dispatch"
expect "workflow: dispatch inputs" "$(wf '$on.workflow_dispatch.inputs | keys | sort | join(" ")')" "boards flash groups ref repository tests"
expect "workflow: default repository" "$(wf '$on.workflow_dispatch.inputs.repository.default')" "micropython/micropython"
expect "workflow: pull requests on being labelled" "$(wf '$on.pull_request_target.types | join(" ")')" "labeled"
has "workflow: a nightly schedule" "$WF" 'cron: "[0-9]* [0-9]* \* \* \*"'
expect "workflow: a self-hosted runner" "$(wf '[.jobs[] | ."runs-on" | if type == "array" then .[] else . end] | index("self-hosted") != null')" true
expect "workflow: no input or event text inside a run: script" \
	"$(wf '[.jobs[].steps[] | .run // empty | select(test("\\$\\{\\{"))] | length')" 0
expect "workflow: every action pinned to a major version" \
	"$(wf '[.jobs[].steps[] | .uses // empty | select(test("@v[0-9]+$") | not)] | length')" 0
expect "workflow: every step after the test runs always" \
	"$(wf '[.jobs[].steps | (map(.id) | index("test")) as $i | .[$i + 1:][] | select((.if // "") | test("always\\(\\)") | not)] | length')" 0
expect "workflow: the test step runs make test" "$(wf '.jobs[].steps[] | select(.id == "test") | .run | test("make -j16 test ")')" true

########################################################################################################
# the workflow's steps, run here in order: a dispatch of pull request 12 of o/mp from o/mp itself (so
# the comment goes to it), untrusted code, the corpus instead of a checkout, two virtual boards
W=$tmp/wf
mkdir -p "$W/ws" "$W/out" "$GH_MOCK_DIR"
rm -f "$GH_MOCK_DIR"/*
ln -s "$top" "$W/ws/testbed"
runid=$(($(date +%s) % 100000000))$$
RUN=gh-$runid-1
tb_extra_cleanup="rm -rf '$top/results/$RUN'"
jq -n '{inputs: {repository: "o/mp", ref: "12", boards: "", groups: "", flash: "auto",
	tests: "basics/int_64_mul.py basics/deliberate_mismatch.py basics/closure_counter.py"}}' >"$W/event.json"
: >"$W/summary.md"
# the workflow's variables and the runner's environment
export GITHUB_EVENT_NAME=workflow_dispatch GITHUB_EVENT_PATH="$W/event.json" GITHUB_ACTOR=dpgeorge \
	GITHUB_REPOSITORY=o/mp GITHUB_RUN_ID=$runid GITHUB_RUN_ATTEMPT=1 GITHUB_WORKSPACE="$W/ws" \
	GITHUB_STEP_SUMMARY="$W/summary.md" TB_MPY_DIR=none VBOARDS=2 MICROPY_TEST_TIMEOUT=20
unset MAKEFLAGS MFLAGS MAKELEVEL 2>/dev/null || true
# the tools: when they do not build now (others' work in progress), the run uses those already built
if ! make -s tools >"$W/make.log" 2>&1; then
	echo "# make tools failed, the run uses the tools already built"
	export MAKEFLAGS="-o tools"
fi
# val EXPR: the value of a ${{ }} expression of the kinds this workflow uses; status 1 for others
val() {
	e=$(printf '%s' "$1" | sed 's/^ *//; s/ *$//')
	case $e in
	*'||'*)
		a=$(val "${e%%||*}") || return 1
		if [ -n "$a" ]; then printf '%s' "$a"; else val "${e#*||}"; fi ;;
	\'*\') e=${e#\'}; printf '%s' "${e%\'}" ;;
	steps.*.outputs.*)
		s=${e#steps.}; s=${s%%.*}
		[ ! -f "$W/out/$s" ] || outv "$W/out/$s" "${e##*.}" ;;
	inputs.*) jq -r --arg k "${e#inputs.}" '.inputs[$k] // ""' "$GITHUB_EVENT_PATH" ;;
	vars.TESTBED) printf virtual ;;
	vars.*) ;;
	github.token) printf fake-token ;;
	github.repository) printf '%s' "$GITHUB_REPOSITORY" ;;
	*) return 1 ;;
	esac
}
# subst TEXT: TEXT with its ${{ }} expressions replaced
subst() {
	t=$1 r=""
	while :; do
		case $t in
		*'${{'*'}}'*)
			r=$r${t%%'${{'*}
			t=${t#*'${{'}
			v=$(val "${t%%'}}'*}") || { echo "unsupported expression: ${t%%'}}'*}" >&2; return 1; }
			r=$r$v
			t=${t#*'}}'} ;;
		*) printf '%s' "$r$t"; return 0 ;;
		esac
	done
}
# cond IF FAILED: the step's if: holds (terms joined by &&: always(), X == 'v', X != 'v')
cond() {
	c=$1 failed=$2 always=no
	[ -n "$c" ] || { [ "$failed" = no ]; return; }
	rest=$c
	while [ -n "$rest" ]; do
		case $rest in *'&&'*) term=${rest%%&&*}; rest=${rest#*&&} ;; *) term=$rest; rest="" ;; esac
		term=$(printf '%s' "$term" | sed 's/^ *//; s/ *$//')
		case $term in
		'always()') always=yes ;;
		*' == '*) [ "$(val "${term%% == *}")" = "$(val "${term#* == }")" ] || return 1 ;;
		*' != '*) [ "$(val "${term%% != *}")" != "$(val "${term#* != }")" ] || return 1 ;;
		*) echo "unsupported condition: $term" >&2; return 2 ;;
		esac
	done
	[ "$failed" = no ] || [ "$always" = yes ]
}
# the job's env
yq -r '.jobs.bench.env | to_entries[] | "\(.key)\t\(.value)"' "$WF" >"$W/jobenv"
while IFS="$(printf '\t')" read -r k v; do
	x=$(subst "$v") || { notok "workflow job env $k: unsupported expression"; continue; }
	export "$k=$x"
done <"$W/jobenv"
n=$(yq '.jobs.bench.steps | length' "$WF")
failed=no ran=""
i=0
start=$(date +%s)
while [ $i -lt "$n" ]; do
	yq -c ".jobs.bench.steps[$i]" "$WF" >"$W/step.json"
	i=$((i + 1))
	id=$(jq -r '.id // empty' "$W/step.json")
	id=${id:-step$i}
	name=$(jq -r .name "$W/step.json")
	if jq -e .uses "$W/step.json" >/dev/null; then continue; fi
	c=$(jq -r '.if // ""' "$W/step.json")
	cs=0
	cond "$c" "$failed" || cs=$?
	[ "$cs" != 2 ] || notok "step '$name': a condition this simulation cannot read: $c"
	[ "$cs" = 0 ] || continue
	jq -r '.run' "$W/step.json" >"$W/$id.sh"
	jq -r '(.env // {}) | to_entries[] | "\(.key)\t\(.value)"' "$W/step.json" >"$W/$id.env"
	set --
	while IFS="$(printf '\t')" read -r k v; do
		x=$(subst "$v") || { notok "step '$name': env $k: unsupported expression"; continue; }
		set -- "$@" "$k=$x"
	done <"$W/$id.env"
	: >"$W/out/$id"
	s=0
	(cd "$W/ws/testbed" && env GITHUB_OUTPUT="$W/out/$id" "$@" bash --noprofile --norc -eo pipefail "$W/$id.sh") \
		>"$W/$id.log" 2>&1 || s=$?
	ran="$ran $id:$s"
	[ "$s" = 0 ] || failed=yes
done
echo "# workflow steps (id:status):$ran, $(($(date +%s) - start)) s"
expect "workflow run: gate, parameters, test, report, publish ran in order" \
	"$(echo "$ran" | sed 's/:[0-9]*//g')" " gate params test step6 step7"
expect "workflow run: the test step failed (a corpus test fails on purpose), the job fails" "$(echo "$ran" | sed -n 's/.* test:\([0-9]*\).*/\1/p') $failed" "2 yes"
expect "workflow run: report and publish succeeded after it" "$(echo "$ran" | sed 's/.* step6:\([0-9]*\) step7:\([0-9]*\).*/\1 \2/')" "0 0"
expect "workflow run: the run's name" "$(outv "$W/out/params" run)" "$RUN"
expect "workflow run: pull request code: sandbox" "$(outv "$W/out/params" sandbox)" "yes"
D=$top/results/$RUN
for f in junit.xml summary.json boards.jsonl vb0/target.json vb1/target.json vb0/basics/closure_counter.py.json vb1/basics/deliberate_mismatch.py.json; do
	if [ -f "$D/$f" ]; then ok "workflow run: the artifact tree has $f"; else notok "workflow run: results/$RUN/$f is missing"; fi
done
expect "workflow run: junit.xml counts the failures" "$(grep -c '<failure' "$D/junit.xml" 2>/dev/null || true)" 2
has_text "workflow run: the step summary names the bench and the source" "$W/summary.md" "### Testbed virtual: o/mp at refs/pull/12/head"
if [ -s "$D/summary.md" ]; then
	has_text "workflow run: the step summary holds summary.md" "$W/summary.md" "$(grep -m 1 . "$D/summary.md")"
else
	has_text "workflow run: the step summary holds the table of summary.json" "$W/summary.md" "| vb0 | 2 | 1 |"
fi
if [ -f "$GH_MOCK_DIR/post.12.json" ]; then
	ok "workflow run: a comment on pull request 12"
	jq -r .body "$GH_MOCK_DIR/post.12.json" >"$W/comment"
	expect "workflow run: the comment's marker" "$(head -n 1 "$W/comment")" "<!-- testbed-micropython:virtual -->"
	has_text "workflow run: the comment holds the summary" "$W/comment" "deliberate_mismatch.py"
else
	notok "workflow run: no comment on pull request 12: $(cat "$W/step7.log" "$GH_MOCK_DIR/calls.log" 2>/dev/null | head -c 400)"
fi
has_text "workflow run: gh called with the repository of the pull request" "$GH_MOCK_DIR/calls.log" "repos/o/mp/issues/12/comments"

finish
