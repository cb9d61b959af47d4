#!/bin/sh
# mp-multitest on three virtual wasm boards and on CPython instances (--local): every test of the
# tests/multi corpus reaches the verdict its manifest names, roles swap, usage and board errors,
# the result JSON, the --ok file.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
require jq python3
require_vboards
require_tools mp-multitest vboard
MT="$BIN/mp-multitest"
# short silences: the wasm boards cannot feed stdin to a running script, so every wait() times out
FAST="--idle-timeout 2 --timeout 30"

for i in 0 1 2; do
	start_vboard wasm "$tmp/vb$i" || { notok "virtual board $i does not start"; finish; exit 1; }
done
ok "three virtual wasm boards started"

# verdict_of: the verdict in the result JSON $tmp/r.json
verdict_of() { jq -r .verdict "$tmp/r.json" 2>/dev/null || echo none; }

tail -n +2 tests/multi/manifest.tsv | while IFS="$(printf '\t')" read -r t want_wasm want_cpy why; do
	ports="-p $tmp/vb0 -p $tmp/vb1 --boards vb0,vb1"
	[ "$t" != three.py ] || ports="-p $tmp/vb0 -p $tmp/vb1 -p $tmp/vb2 --boards vb0,vb1,vb2"
	# shellcheck disable=SC2086 # option words
	"$MT" $ports $FAST -q --result "$tmp/r.json" "tests/multi/$t" >"$tmp/o" 2>"$tmp/e"
	expect "wasm: $t" "$(verdict_of)" "$want_wasm"
	# shellcheck disable=SC2086
	"$MT" --local $FAST -q --result "$tmp/r.json" "tests/multi/$t" >"$tmp/o" 2>"$tmp/e"
	expect "cpython: $t" "$(verdict_of)" "$want_cpy"
done > "$tmp/loop"
cat "$tmp/loop"
pass=$((pass + $(grep -c '^ok' "$tmp/loop"))) fail=$((fail + $(grep -c '^not ok' "$tmp/loop")))

# exit codes by verdict
check "pass exits 0" 0 "$MT" -p "$tmp/vb0" -p "$tmp/vb1" $FAST tests/multi/next_order.py
check "skip exits 0" 0 "$MT" -p "$tmp/vb0" -p "$tmp/vb1" $FAST tests/multi/skip_one.py
check "fail exits 1" 1 "$MT" -p "$tmp/vb0" -p "$tmp/vb1" $FAST tests/multi/exp_differs.py
has "the human line says FAIL" "$tmp/o" '^FAIL  tests/multi/exp_differs.py on '

# roles swapped: port 1 plays instance0
check "--roles 1,0 runs" 0 "$MT" -p "$tmp/vb0" -p "$tmp/vb1" -b A -b B --roles 1,0 --json $FAST tests/multi/set_globals.py
expect "--roles: boards by instance" "$(jq -c .boards "$tmp/o")" '["B","A"]'
expect "--roles: roles in the result" "$(jq -c .roles "$tmp/o")" '[1,0]'
check "--roles with a port number too large" 2 "$MT" -p "$tmp/vb0" -p "$tmp/vb1" --roles 2,0 tests/multi/set_globals.py
check "--roles with a port twice" 2 "$MT" -p "$tmp/vb0" -p "$tmp/vb1" --roles 0,0 tests/multi/set_globals.py

# usage and board errors
check "one port for two instances: usage error" 2 "$MT" -p "$tmp/vb0" tests/multi/next_order.py
has "the message names the count" "$tmp/e" 'needs 2 instances: 1 port given'
check "two ports for three instances: usage error" 2 "$MT" -p "$tmp/vb0" -p "$tmp/vb1" tests/multi/three.py
check "not a multi test: usage error" 2 "$MT" -p "$tmp/vb0" -p "$tmp/vb1" tests/multi/manifest.tsv
check "a board that is not there: exit 3" 3 "$MT" -p "$tmp/vb0" -p "$tmp/absent" --json tests/multi/next_order.py
expect "its verdict" "$(jq -r .verdict "$tmp/o")" error
expect "... the board to bring back, not the other one" "$(jq -c .attention "$tmp/o")" "[\"$tmp/absent\"]"
check "the same port twice: usage error" 2 "$MT" -p "$tmp/vb0" -p "$tmp/vb0" tests/multi/next_order.py
check "--help" 0 "$MT" --help
has "--help documents exit 3" "$tmp/o" '^  3  a board needs attention'

# the result JSON
check "metric.py with --result" 0 "$MT" -p "$tmp/vb0" -p "$tmp/vb1" --result "$tmp/m.json" $FAST tests/multi/metric.py
expect "result: outputs" "$(jq -r '.outputs | join("|")' "$tmp/m.json" | tr "\n" "/")" "i0 measured/|i1 measured//"
expect "result: metrics" "$(jq -c .metrics "$tmp/m.json")" '["i0 ops=12","i1 ops=34"]'
expect "result: compared output" "$(jq -r .output "$tmp/m.json" | head -n 1)" '--- instance0 ---'
expect "result: expected from" "$(jq -r .expected_from "$tmp/m.json")" cpython
expect "result: no board needs attention" "$(jq -c .attention "$tmp/m.json")" "[]"
check "timeout.py --json" 1 "$MT" -p "$tmp/vb0" -p "$tmp/vb1" --json $FAST tests/multi/timeout.py
expect "timeout: TIMEOUT line in instance1's output" "$(jq -r '.outputs[1] | rtrimstr("\n") | split("\n") | last' "$tmp/o")" TIMEOUT

# an instance's silence is counted while the driver listens to it: instance1 takes 3 s (with output) to
# reach its NEXT, while instance0 waits for its broadcast, past the 2 s idle timeout. CPython instances
# run unbuffered whatever the environment says: instance1's prints are output, not silence
cat >"$tmp/slow_start.py" <<'PY'
import time


def instance0():
    multitest.next()
    multitest.wait("go")
    print("i0 got go")


def instance1():
    for i in range(6):
        print("starting", i)
        time.sleep(0.5)
    multitest.next()
    multitest.broadcast("go")
PY
check "a slow start of instance1 is not instance0's silence" 0 env -u PYTHONUNBUFFERED "$MT" --local $FAST -q \
	--result "$tmp/r.json" "$tmp/slow_start.py"
expect "... its verdict" "$(verdict_of)" pass

# --ok: present after pass or skip only; --out-dir keeps the .out/.exp of failures
check "pass with --ok" 0 "$MT" -p "$tmp/vb0" -p "$tmp/vb1" --ok "$tmp/ok/p" $FAST tests/multi/three.py -p "$tmp/vb2"
expect "--ok touched on pass" "$(test -f "$tmp/ok/p" && echo yes || echo no)" yes
check "skip with --ok" 0 "$MT" -p "$tmp/vb0" -p "$tmp/vb1" --ok "$tmp/ok/s" $FAST tests/multi/skip_one.py
expect "--ok touched on skip" "$(test -f "$tmp/ok/s" && echo yes || echo no)" yes
: >"$tmp/ok/f"
check "fail with --ok and --out-dir" 1 "$MT" -p "$tmp/vb0" -p "$tmp/vb1" --ok "$tmp/ok/f" --out-dir "$tmp/fail" \
	-n multi/exp_differs.py $FAST tests/multi/exp_differs.py
expect "--ok removed on fail" "$(test -f "$tmp/ok/f" && echo yes || echo no)" no
expect "--out-dir .out written" "$(test -f "$tmp/fail/multi_exp_differs.py.out" && echo yes || echo no)" yes

# --infra-state: infrastructure errors in a row per board, in the files mp-runtest keeps them in too
S0=$tmp/s/vb0.state S1=$tmp/s/absent.state
mkdir -p "$tmp/s"
check "more --infra-state files than ports: usage error" 2 "$MT" -p "$tmp/vb0" -p "$tmp/vb1" --infra-state "$S0" \
	--infra-state "$S1" --infra-state "$tmp/s/x" tests/multi/next_order.py
has_text "... that says so" "$tmp/e" "3 --infra-state files for 2 ports"
printf '2 an earlier error\n' >"$S0"
check "a board that is not there: exit 3, one more error for it" 3 "$MT" -p "$tmp/vb0" -p "$tmp/absent" \
	--infra-state "$S0" --infra-state "$S1" $FAST tests/multi/next_order.py
expect "... its count" "$(cut -d' ' -f1 "$S1")" 1
expect "... the board that was fine keeps its count (it did not run a test either)" "$(cat "$S0")" "2 an earlier error"
has_text "... said" "$tmp/e" "infrastructure error 1 in a row: cannot open $tmp/absent"
printf '2 x\n' >"$S1"
check "its third in a row: exit 5 (out of the run)" 5 "$MT" -p "$tmp/vb0" -p "$tmp/absent" -b vb0 -b gone \
	--infra-state "$S0" --infra-state "$S1" $FAST tests/multi/next_order.py
has_text "... said" "$tmp/e" "gone: taken out of the run after 3 infrastructure errors in a row"
: >"$tmp/ok/t"
check "a test with a board out of the run: exit 5 at once" 5 "$MT" -p "$tmp/vb1" -p "$tmp/vb0" -b vb1 -b vb0 \
	--infra-state "$tmp/s/none" --infra-state "$S1" --roles 1,0 --ok "$tmp/ok/t" --result "$tmp/r.json" $FAST \
	tests/multi/next_order.py
expect "... verdict error, the reason names the board" "$(jq -r '.verdict + ": " + .reason' "$tmp/r.json")" \
	"error: not run: vb0 was taken out of the run after 3 infrastructure errors in a row"
expect "... no board was held" "$(jq -r '.held_from_ms // "none"' "$tmp/r.json")" none
expect "... --ok removed" "$(test -f "$tmp/ok/t" && echo yes || echo no)" no
check "a test that ran: exit 0" 0 "$MT" -p "$tmp/vb0" -p "$tmp/vb1" --infra-state "$S0" $FAST tests/multi/next_order.py
expect "... the count of its board starts again from 0" "$(cut -d' ' -f1 "$S0")" 0
# --board-lock: the test holds the boards' locks; one held by another test (or a recovery) is waited for
flock "$tmp/vb1.lock" sh -c "sleep 1.5; date +%s%3N >'$tmp/released'" &
holder=$!
wait_locked "$tmp/vb1.lock"
check "a test waits for a board's lock" 0 "$MT" -p "$tmp/vb0" -p "$tmp/vb1" --board-lock "$tmp/vb0.lock" \
	--board-lock "$tmp/vb1.lock" --result "$tmp/r.json" $FAST tests/multi/next_order.py
wait "$holder" || true
if [ "$(jq -r .held_from_ms "$tmp/r.json" 2>/dev/null || echo 0)" -ge "$(cat "$tmp/released" 2>/dev/null || echo 99999999999999)" ]; then
	ok "... and has the boards only once it is let go"
else notok "... held the boards at $(jq -r .held_from_ms "$tmp/r.json" 2>/dev/null), the lock was let go at $(cat "$tmp/released" 2>/dev/null)"; fi
check "more --board-lock files than ports: usage error" 2 "$MT" -p "$tmp/vb0" --board-lock "$tmp/a" --board-lock "$tmp/b" \
	--board-lock "$tmp/c" tests/multi/next_order.py -p "$tmp/vb1"
check "--board-lock with --local: usage error" 2 "$MT" --local --board-lock "$tmp/a" tests/multi/next_order.py
check "--infra-state with --local: usage error" 2 "$MT" --local --infra-state "$S0" tests/multi/next_order.py
has_text "... that says so" "$tmp/e" "--infra-state is kept for boards: not with --local"

finish
