#!/bin/sh
# scripts/fanout.sh on two stand-in benches: tests/mock/ssh-local plays ssh, each "bench" is a folder
# with a small fake Makefile (make test writes hand-made result files, make report runs the real
# scripts/report.sh). Checks: both benches run at the same time, every output line tagged with its
# bench, make arguments arrive intact, each result tree comes back, the merged run has <bench>:<board>
# folders that report.sh counts (summary.json, junit.xml, boards.jsonl), the exit status follows the
# worst bench (a failed test, a busy bench, an unreachable bench), bad input is refused, and the make
# target passes the command line on.
# Environment: FANOUT (the script under test), SSH_LOCAL (the ssh stand-in).
set -eu
export LC_ALL=C
cd "$(dirname "$0")/../.."
FANOUT=${FANOUT:-scripts/fanout.sh}
SSH_LOCAL=${SSH_LOCAL:-tests/mock/ssh-local}
. tests/lib.sh
require parallel jq tar make perl

top=$(pwd)
SSH_LOCAL_ROOT=$tmp/hosts
export SSH_LOCAL_ROOT
ssh_cmd="$top/$SSH_LOCAL"
TAB=$(printf '\t')

# bench HOST BOARDS...: a bench checkout at $SSH_LOCAL_ROOT/HOST/proj with these boards
bench() {
	h=$1
	shift
	p=$SSH_LOCAL_ROOT/$h/proj
	mkdir -p "$p"
	printf '%s\n' "$@" >"$p/boards"
	cat >"$p/Makefile" <<EOF
RUN ?= ports
test:
	@sh fake-test.sh '\$(TESTBED)' '\$(RUN)'
report:
	@sh '$top/scripts/report.sh' 'results/\$(RUN)'
EOF
	cat >"$p/fake-test.sh" <<'EOF'
# make test of a stand-in bench: result files for the boards listed in ./boards; ./fail adds a failing
# test (exit 1), ./busy exits 3; the arguments and $NOTE in ./args. With MEET=DIR and MEET_N=N, it waits
# (up to 5 s) until N benches have begun (files in DIR) and writes in ./met whether they all did
set -eu
bench=$1 run=$2
printf '%s|%s|%s\n' "$1" "$2" "${NOTE:-}" >args
echo "fake: testing on $(tr '\n' ' ' <boards)"
echo "fake: a line on stderr" >&2
if [ -n "${MEET:-}" ]; then
	: >"$MEET/$bench"
	met=no i=0
	while [ $i -lt 50 ]; do
		if [ "$(ls "$MEET" | wc -l)" -ge "$MEET_N" ]; then met=yes && break; fi
		sleep 0.1
		i=$((i + 1))
	done
	echo $met >met
fi
now=$(($(date +%s%N) / 1000000))
for b in $(cat boards); do
	mkdir -p "results/$run/$b/basics" "results/$run/exp"
	jq -n --arg b "$b" --arg bench "$bench" '{board: $b, bench: $bench, platform: "fake"}' >"results/$run/$b/target.json"
	for t in int1 int2; do
		jq -n --argjson s "$now" '{verdict: "pass", reason: "", duration_ms: 12, started_ms: $s, attempts: 1,
			output: "", diff: ""}' >"results/$run/$b/basics/$t.py.json"
	done
done
: >"results/$run/exp/int1.py.exp"
if [ -f fail ]; then
	jq -n --argjson s "$now" '{verdict: "fail", reason: "output differs", duration_ms: 20, started_ms: $s,
		attempts: 1, output: "2\n", diff: "-1\n+2\n"}' >"results/$run/$(head -n 1 boards)/basics/fail.py.json"
fi
[ ! -f busy ] || exit 3
[ ! -f fail ] || exit 1
EOF
}
bench hostA vb0 vb1
bench hostB vb0
: >"$SSH_LOCAL_ROOT/hostB/proj/fail"
B=$tmp/benches.tsv
cat >"$B" <<'EOF'
# bench   sshlogin       remote project folder
A         hostA          proj
B	2/user@hostB	~/proj
EOF
R=$tmp/res

########################################################################################################
# the ssh stand-in
check "ssh-local --help exits 0" 0 "$SSH_LOCAL" --help
check "ssh-local ignores ssh options before and after the host, runs the joined words in the host's folder" \
	0 "$SSH_LOCAL" -o ConnectTimeout=5 -p 22 -T user@hostA -l x -- printf "'%s|'" "'a  b'" c d '"$PWD"'
expect "... with the remote shell's quoting, in the folder of hostA" "$(cat "$tmp/o")" "a  b|c|d|$SSH_LOCAL_ROOT/hostA|"
check "ssh-local: a host without a folder cannot be reached (255, as ssh)" 255 "$SSH_LOCAL" nohost true
has_text "... and says which host" "$tmp/e" "Could not resolve hostname 'nohost'"
check "ssh-local passes the command's exit status on" 7 "$SSH_LOCAL" hostA 'exit 7'
check "ssh-local without SSH_LOCAL_ROOT: an error" 255 env -u SSH_LOCAL_ROOT "$SSH_LOCAL" hostA true
# sshd gives the login its shell in SHELL, and GNU parallel's wrapper on the bench runs the job with it
# (without it the job does nothing and exits 0): the stand-in must do the same, whatever this side has
check "ssh-local sets SHELL on the far side, also when it is unset here" 0 env -u SHELL "$SSH_LOCAL" hostA 'echo "$SHELL"'
expect "... to the shell that runs the command" "$(cat "$tmp/o")" "$(command -v sh)"

########################################################################################################
# bad input
check "--help exits 0" 0 bash "$FANOUT" --help
has_text "--help documents the benches file" "$tmp/o" "<bench> <sshlogin> <remote project folder>"
has_text "--help documents the exit codes" "$tmp/o" "3 a bench busy, 4 local trouble"
check "no benches file given: a usage error" 2 bash "$FANOUT" --results "$R"
has_text "... that says what to give" "$tmp/e" "no benches file: give --benches FILE"
check "a benches file that does not exist: a usage error" 2 bash "$FANOUT" --benches "$tmp/none.tsv"
has_text "... naming the file" "$tmp/e" "benches file '$tmp/none.tsv' does not exist"
printf 'A hostA proj\nB hostB\n' >"$tmp/short.tsv"
check "a line without its folder: an error" 2 bash "$FANOUT" --benches "$tmp/short.tsv" --results "$R"
has_text "... naming the file and line" "$tmp/e" "'$tmp/short.tsv' line 2: expected '<bench> <sshlogin> <remote folder>', got 'B hostB'"
printf 'A/x hostA proj\n' >"$tmp/name.tsv"
check "a bad bench name: an error" 2 bash "$FANOUT" --benches "$tmp/name.tsv" --results "$R"
has_text "... naming it" "$tmp/e" "bad bench name 'A/x'"
printf 'A hostA proj\nA hostB proj\n' >"$tmp/twice.tsv"
check "a bench listed twice: an error" 2 bash "$FANOUT" --benches "$tmp/twice.tsv" --results "$R"
has_text "... naming both lines" "$tmp/e" "line 2: bench 'A' is listed twice (line 1)"
printf 'A @g/hostA proj\n' >"$tmp/group.tsv"
check "an sshlogin with a hostgroup: an error" 2 bash "$FANOUT" --benches "$tmp/group.tsv" --results "$R"
printf '# nothing\n\n' >"$tmp/empty.tsv"
check "a benches file without a bench: an error" 2 bash "$FANOUT" --benches "$tmp/empty.tsv" --results "$R"
has_text "... saying so" "$tmp/e" "lists no bench"
check "RUN= among the make arguments: a usage error" 2 bash "$FANOUT" --benches "$B" -- RUN=x
has_text "... pointing to --run" "$tmp/e" "fanout sets RUN= itself (use --run NAME)"
check "a bad run name: a usage error" 2 bash "$FANOUT" --benches "$B" --run ../x
check "an unknown option: a usage error" 2 bash "$FANOUT" --benches "$B" --frobnicate
check "an ssh command that does not exist: local trouble" 4 bash "$FANOUT" --benches "$B" --ssh "$tmp/nossh -x"
has_text "... naming it" "$tmp/e" "ssh command '$tmp/nossh' not found"
[ ! -e "$R" ] && ok "bad input wrote nothing" || notok "bad input wrote into '$R'"

########################################################################################################
# two benches: A (2 boards, all pass) and B (1 board, a test fails)
mkdir "$tmp/meet"
check "A passes, B has a failed test: exit 1" 1 env MEET="$tmp/meet" MEET_N=2 bash "$FANOUT" --benches "$B" --ssh "$ssh_cmd" --results "$R" \
	--run r1 -- 'NOTE=a  b@c 50% d'\''e "f" \g'
cp "$tmp/o" "$tmp/r1.out"
cp "$tmp/e" "$tmp/r1.err"
has_text "one line for A" "$tmp/r1.out" "fanout: A: status 0, passed, 2 boards returned"
has_text "one line for B, with its failed tests" "$tmp/r1.out" "fanout: B: status 1, tests failed, 1 board returned"
has "A's output lines are tagged with A" "$tmp/r1.out" "^A${TAB}fake: testing on vb0 vb1"
has "B's output lines are tagged with B" "$tmp/r1.out" "^B${TAB}fake: testing on vb0"
has "stderr lines are tagged too" "$tmp/r1.err" "^B${TAB}fake: a line on stderr"
a=$SSH_LOCAL_ROOT/hostA/proj b=$SSH_LOCAL_ROOT/hostB/proj
expect "both benches ran at the same time: A met B" "$(cat "$a/met" 2>/dev/null)" yes
expect "... and B met A" "$(cat "$b/met" 2>/dev/null)" yes
expect "bench A got its name, the run and the make argument intact" "$(cat "$a/args")" "A|r1|a  b@c 50% d'e \"f\" \\g"
expect "bench B got its name" "$(cut -d'|' -f1-2 "$b/args")" "B|r1"
[ -f "$a/results/r1/vb0/_results.json" ] && ok "make report ran on the bench" || notok "no _results.json on bench A"
for p in A/vb0/target.json A/vb1/basics/int1.py.json B/vb0/basics/fail.py.json B/summary.json; do
	[ -f "$R/r1/.benches/$p" ] && ok "came back: .benches/$p" || notok "did not come back: .benches/$p"
done
boards=$(cd "$R/r1" && ls -d ./*/ | sed 's|^\./||; s|/$||' | tr '\n' ' ')
expect "the merged run's board folders" "$boards" "A:vb0 A:vb1 B:vb0 "
expect "summary.json counts the 3 boards" "$(jq .totals.boards "$R/r1/summary.json")" 3
expect "summary.json has every bench's boards" "$(jq -c '.boards | keys' "$R/r1/summary.json")" '["A:vb0","A:vb1","B:vb0"]'
expect "summary.json: 7 tests, 1 failed" "$(jq -c '[.totals.total, .totals.failed]' "$R/r1/summary.json")" "[7,1]"
expect "... the failure named with its bench" "$(jq -c .totals.failed_tests "$R/r1/summary.json")" '["B:vb0/basics/fail.py"]'
expect "junit.xml has 3 testsuites" "$(grep -c '<testsuite ' "$R/r1/junit.xml")" 3
has_text "... one of them B:vb0" "$R/r1/junit.xml" '<testsuite name="B:vb0" tests="3" failures="1"'
expect "boards.jsonl: one line per board, named <bench>:<board>" \
	"$(jq -r .board "$R/r1/boards.jsonl" | tr '\n' ' ')" "A:vb0 A:vb1 B:vb0 "
expect "boards.jsonl keeps each board's probe" "$(jq -r 'select(.board == "A:vb1") | .args.bench' "$R/r1/boards.jsonl")" A
if command -v xmllint >/dev/null 2>&1; then
	check "the merged junit.xml is valid against tests/junit.xsd" 0 xmllint --noout --schema tests/junit.xsd "$R/r1/junit.xml"
fi
expect "nothing left over beside the results" "$(cd "$R/r1/.benches" && ls -A | tr '\n' ' ')" "A B "
has_text "the merged report is printed" "$tmp/r1.out" "total: 6 passed, 1 failed, 0 skipped on 3 boards"
[ ! -e "$R/r1/A:exp" ] && ok "folders that are no board are not merged" || notok "A:exp was merged as a board"

# again, B fixed: B's boards are replaced, the exit status follows
rm -f "$b/fail" "$b/results/r1/vb0/basics/fail.py.json"
check "again, every test passes: exit 0" 0 bash "$FANOUT" --benches "$B" --ssh "$ssh_cmd" --results "$R" --run r1
has_text "B passes now" "$tmp/o" "fanout: B: status 0, passed, 1 board returned"
expect "the merged run shows B's new results" "$(jq .totals.failed "$R/r1/summary.json")" 0

# a busy bench (make test: Error 3), an unreachable one; the others still come back
: >"$b/busy"
mkdir -p "$SSH_LOCAL_ROOT/hostD"
printf 'A hostA proj\nB hostB proj\nC hostC proj\nD hostD nowhere\n' >"$tmp/four.tsv"
check "B busy, C unreachable, D without its project folder: exit 5 (the worst)" 5 bash "$FANOUT" --benches "$tmp/four.tsv" --ssh "$ssh_cmd" \
	--results "$R" --run r2
has_text "A still comes back" "$tmp/o" "fanout: A: status 0, passed, 2 boards returned"
has_text "B is reported busy" "$tmp/o" "fanout: B: status 3, busy, or some tests did not run, 1 board returned"
has_text "C is reported not reached" "$tmp/o" "fanout: C: status 5, not reached (ssh exit 255), 0 boards returned"
has "... with ssh's message, tagged" "$tmp/e" "^C${TAB}ssh-local: Could not resolve hostname 'hostC'"
expect "the merged run has A's and B's boards" "$(jq -c '.boards | keys' "$R/r2/summary.json")" '["A:vb0","A:vb1","B:vb0"]'
has_text "D is reported without its project folder" "$tmp/o" "fanout: D: status 5, no project folder 'nowhere' on the bench, 0 boards returned"
rm "$b/busy"
check "only busy: exit 3" 3 sh -c ': >"$1/busy" && bash "$2" --benches "$3" --ssh "$4" --results "$5" --run r4 B=1; s=$?; rm "$1/busy"; exit $s' \
	sh "$b" "$FANOUT" "$B" "$ssh_cmd" "$R"

# the make target: the command line reaches the script
check "make -n fanout" 0 make -s -n fanout BENCHES=b.tsv RUN=r9 TESTS="basics/ misc/" FANOUT_SSH=myssh
has_text "... with the benches file, ssh, run and the other variables" "$tmp/o" \
	"bash scripts/fanout.sh --benches 'b.tsv' --ssh 'myssh' --run 'r9' --"
has_text "... TESTS forwarded, quoted" "$tmp/o" "'TESTS=basics/ misc/'"
if grep -q "'BENCHES=\|'RUN=" "$tmp/o"; then notok "BENCHES or RUN forwarded as make arguments"; else ok "BENCHES and RUN are not forwarded"; fi

finish
