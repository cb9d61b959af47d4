#!/bin/bash
# The multi-board tests in the pipeline: `make -j4 test GROUPS=MULTI TESTBED=virtual VBOARDS=4` pairs every
# board with the reference board (vb0), as instance0 and again as instance1, and runs the corpus of
# tests/multi on each pair: every test reaches the verdict tests/multi/manifest.tsv states for wasm boards
# (three.py needs three boards: skipped on a pair). The pairs share vb0, one at a time: no board is ever
# held by two tests at once (checked on the wall-clock times mp-multitest records), and the run ends
# (no deadlock). With two reference boards the disjoint pairs run side by side. A second run reruns
# only what failed. Test groups a virtual board cannot run are skipped with their reason. Two multi-board
# groups in one run give each pair the tests of both.
set -eu
export LC_ALL=C
cd "$(dirname "$0")/../.."
. tests/lib.sh
RUN=multi-pipeline-$$
tb_extra_cleanup='rm -rf "results/$RUN" "results/$RUN-2" "results/$RUN-g" "results/$RUN-m" "results/$RUN-f" "results/$RUN-d"'
require jq node
require_vboards
if ! make -s tools >"$tmp/make" 2>&1; then
	notok "make tools failed: $(tail -c 600 "$tmp/make")"
	finish
fi
export MULTI_IDLE_TIMEOUT=2

# mk STATUS-FILE ARGS...: make -s ARGS, output in $tmp/o and $tmp/e
mk() {
	local st=0
	timeout 900 make -s "$@" >"$tmp/o" 2>"$tmp/e" || st=$?
	echo $st
}

st=$(mk -j4 test GROUPS=MULTI TESTBED=virtual VBOARDS=4 RUN="$RUN")
has_text "the run names the pairs" "$tmp/e" "pairs vb1+vb0 vb0+vb1 vb2+vb0 vb0+vb2 vb3+vb0 vb0+vb3"
# some corpus tests fail on purpose: the run ends with status 1 (make says so)
expect "the run ended (no deadlock), with failed tests" "$st:$(grep -c 'Error 1' "$tmp/e")" "2:1"
bad=0 n=0
for p in vb1+vb0 vb0+vb1 vb2+vb0 vb0+vb2 vb3+vb0 vb0+vb3; do
	while IFS=$'\t' read -r t want _; do
		[ "$t" != test ] || continue
		[ "$t" != three.py ] || want=skip
		n=$((n + 1))
		got=$(jq -r .verdict "results/$RUN/$p/$t.json" 2>/dev/null || echo none)
		if [ "$got" != "$want" ]; then
			bad=$((bad + 1))
			notok "$p: $t: $got, the manifest says $want"
		fi
	done <tests/multi/manifest.tsv
done
[ $bad != 0 ] || ok "all $n tests of 6 pairs reached their manifest verdicts"
if jq -e '.roles == [0,1] and .boards == ["vb2","vb0"] and (.outputs | length) == 2' \
	"results/$RUN/vb2+vb0/handshake.py.json" >/dev/null; then
	ok "a pair's result names its boards in instance order"
else notok "vb2+vb0/handshake.py.json: $(head -c 400 "results/$RUN/vb2+vb0/handshake.py.json")"; fi

# no board held by two tests at once: per board, the [from, to] times of its tests do not overlap
overlaps() {
	for b in vb0 vb1 vb2 vb3; do
		find "results/$1" -path "*$b*" -name '*.py.json' -exec jq -r --arg b "$b" \
			'select(.held_from_ms != null and (.boards | index($b))) | "\(.held_from_ms) \(.held_to_ms)"' {} + |
			sort -n | awk -v b="$b" 'NR > 1 && $1 < to { print b ": " $1 " < " to } { to = $2 }'
	done
}
held=$(find "results/$RUN" -name '*.py.json' -exec jq -r 'select(.held_from_ms != null) | .test' {} + | wc -l)
if [ "$held" -ge 48 ] && [ -z "$(overlaps "$RUN")" ]; then ok "$held multi tests, no board held by two at once"
else notok "double use ($held timed results): $(overlaps "$RUN" | head -n 3)"; fi

# the report counts the pairs like boards
has_text "the report sums the pairs" "$tmp/o" "vb0+vb3: 6 tests passed"

# ---- a second run: only the failed tests again ----
before=$(date -r "results/$RUN/vb1+vb0/next_order.py.json" +%s.%N)
st=$(mk -j4 test GROUPS=MULTI TESTBED=virtual VBOARDS=4 RUN="$RUN")
ran=$(grep -c '^\[vb[0-9]+vb[0-9] ' "$tmp/o" || true)
expect "second run: only the 3 failed tests of each pair ran again" "$ran" 18
expect "second run: a passed test was not run again" "$(date -r "results/$RUN/vb1+vb0/next_order.py.json" +%s.%N)" "$before"

# ---- two reference boards: disjoint pairs ----
st=$(mk -j4 test GROUPS=MULTI TESTBED=virtual VBOARDS=4 MULTI_REF="vb0 vb1" RUN="$RUN-2")
has_text "two references: each other board paired with one of them" "$tmp/e" "pairs vb2+vb0 vb0+vb2 vb3+vb1 vb1+vb3"
verdicts=$(jq -r .verdict "results/$RUN-2/vb3+vb1/handshake.py.json" "results/$RUN-2/vb0+vb2/set_globals.py.json" | paste -sd, -)
expect "two references: the pairs ran" "$verdicts" "pass,pass"
if [ -z "$(overlaps "$RUN-2")" ]; then ok "two references: no board held by two tests at once"
else notok "two references: $(overlaps "$RUN-2" | head -n 3)"; fi
# the disjoint pairs ran side by side: some test on vb0/vb2 held its boards while one on vb1/vb3 did
spans() { cat "results/$RUN-2/$1"/*.py.json "results/$RUN-2/$2"/*.py.json | jq -r 'select(.held_from_ms != null) | "\(.held_from_ms) \(.held_to_ms)"'; }
side=$( { spans vb2+vb0 vb0+vb2 | sed 's/$/ a/'; spans vb3+vb1 vb1+vb3 | sed 's/$/ b/'; } | sort -n |
	awk '{ if ($3 == "a") { if ($1 < bto) n++; if ($2 > ato) ato = $2 } else { if ($1 < ato) n++; if ($2 > bto) bto = $2 } } END { print n + 0 }')
if [ "$side" -gt 0 ]; then ok "two references: disjoint pairs ran side by side ($side overlaps)"
else notok "two references: the pairs on vb0/vb2 and on vb1/vb3 never ran at the same time"; fi
st=$(mk test GROUPS=MULTI TESTBED=virtual VBOARDS=4 MULTI_REF="vb7" RUN="$RUN-2")
has_text "MULTI_REF must name a board of the run" "$tmp/e" "MULTI_REF: 'vb7' is not a board of this run"

# ---- groups a virtual board cannot run ----
st=$(mk test GROUPS="STANDARD NET_INET MULTINET NATMODTESTS PERFBENCH" TESTBED=virtual VBOARDS=1 \
	TESTS=basics/arith_int.py RUN="$RUN-g")
expect "other groups skipped, STANDARD ran: exit" "$st" 0
has_text "NET_INET: why" "$tmp/e" "NET_INET: skipped on vb0: no WLAN feature in their board spec"
has_text "MULTINET: why" "$tmp/e" "MULTINET: skipped on vb0: no WLAN feature in their board spec"
has_text "NATMODTESTS: why" "$tmp/e" "NATMODTESTS: skipped: needs the native modules of a MicroPython checkout"
has_text "PERFBENCH: why" "$tmp/e" "PERFBENCH: skipped"
has_text "STANDARD ran" "$tmp/o" "vb0: 1 tests passed"
st=$(mk test GROUPS=NOSUCH TESTBED=virtual VBOARDS=1 RUN="$RUN-g")
has_text "an unknown group: named, with the known ones" "$tmp/e" "unknown test group 'NOSUCH' (STANDARD"
st=$(mk test GROUPS=MULTI TESTBED=virtual VBOARDS=1 RUN="$RUN-g")
has_text "MULTI on one board: skipped, nothing to run" "$tmp/e" "MULTI: skipped: needs a board besides the reference vb0"

# ---- a network group: the boards join the WLAN first; a board that cannot join skips its network tests ----
mkdir -p "$tmp/mpy/tests/net_inet" "$tmp/mpy/tests/basics"
: >"$tmp/mpy/tests/run-tests.py"
printf 'print("net ok")\n' >"$tmp/mpy/tests/net_inet/net_ok.py"
printf 'net ok\n' >"$tmp/mpy/tests/net_inet/net_ok.py.exp"
printf 'print(1)\n' >"$tmp/mpy/tests/basics/one.py"
start_vboard wasm "$tmp/n0" && start_vboard wasm "$tmp/n1" || notok "virtual boards for the network group did not start"
# n0 gets a stand-in network module (it accepts only "lab net" / "s3cr'et"); n1 has none
check "a stand-in network module on n0" 0 "$BIN/mp-runtest" --port "$tmp/n0" --ensure-module network \
	--module-from tests/mock/board-lib
st=$(mk test PORTS="$tmp/n0 $tmp/n1" GROUPS=NET_INET BOARD_FEATURES="MCU WLAN" MPY_DIR="$tmp/mpy" RUN="$RUN-g")
has_text "without WLAN_SSID the network group is skipped, saying why" "$tmp/e" \
	"NET_INET: skipped: the boards join a WLAN first: give WLAN_SSID and WLAN_PASS in the environment"
st=$(WLAN_SSID="lab net" WLAN_PASS="s3cr'et" mk test PORTS="$tmp/n0 $tmp/n1" GROUPS=NET_INET BOARD_FEATURES="MCU WLAN" \
	MPY_DIR="$tmp/mpy" RUN="$RUN-g")
has_text "n0 joined the WLAN" "$tmp/e" "n0: WLAN joined, address 10.0.0.7"
has_text "n1 could not join: its network tests do not run" "$tmp/e" "n1: did not join the WLAN: its network tests do not run"
expect "n0 ran its network test" "$(jq -r .verdict "results/$RUN-g/n0/net_inet/net_ok.py.json" 2>/dev/null)" pass
if [ ! -e "results/$RUN-g/n1/net_inet/net_ok.py.json" ]; then ok "n1 did not run it"; else notok "n1 ran a network test"; fi
if grep -rqs "s3cr\|lab net" "results/$RUN-g" "$tmp/o" "$tmp/e"; then notok "the WLAN credentials were written or printed"
else ok "the WLAN credentials are in no result file and no output"; fi
# a WLAN that answers only the third attempt: the board tries again (a bench power-cycles the DUT between)
st=$(WLAN_SSID="flaky net" WLAN_PASS="s3cr'et" mk test PORTS="$tmp/n0" GROUPS=NET_INET BOARD_FEATURES="MCU WLAN" \
	MPY_DIR="$tmp/mpy" RUN="$RUN-g")
has_text "a failed join is tried again" "$tmp/e" "n0: WLAN join attempt 2 of 5 failed, trying again"
has_text "... and the third attempt joins" "$tmp/e" "n0: WLAN joined, address 10.0.0.7"
expect "... and the network tests ran" "$st:$(jq -r .verdict "results/$RUN-g/n0/net_inet/net_ok.py.json" 2>/dev/null)" 0:pass

# ---- PERFBENCH: benchmarks run with the tests folder's harness and bm_run(N, M) ----
mkdir -p "$tmp/mpy/tests/perf_bench"
# a harness written for this test, with the interface of MicroPython's: bm_run(N, M) picks the largest
# parameters that fit, runs bm_setup's run(), prints "TIME_US NORM RESULT" (or "-1 -1 reason")
cat >"$tmp/mpy/tests/perf_bench/benchrun.py" <<'PY'
import time


def bm_run(n, m):
    fit = [k for k in bm_params if k[0] <= n and k[1] <= m]
    if not fit:
        print(-1, -1, "no parameters for", n, m)
        return
    run, result = bm_setup(bm_params[max(fit)])
    t0 = time.ticks_us()
    run()
    t = time.ticks_diff(time.ticks_us(), t0)
    norm, res = result()
    print(t, norm, res)
PY
cat >"$tmp/mpy/tests/perf_bench/bm_sum.py" <<'PY'
bm_params = {(50, 10): (1000,), (100, 100): (20000,)}


def bm_setup(p):
    state = [0]

    def run():
        state[0] = sum(range(p[0]))

    return run, lambda: (p[0], state[0])
PY
printf 'bm_params = {(5000, 10): (1,)}\n' >"$tmp/mpy/tests/perf_bench/bm_big.py"
printf 'bm_params = {(1, 1): (1,)}\ndef bm_setup(p):\n    raise ValueError("broken")\n' >"$tmp/mpy/tests/perf_bench/bm_crash.py"
st=$(mk test PORTS="$tmp/n0" GROUPS=PERFBENCH BOARD_FEATURES="MCU EXTMOD" MPY_DIR="$tmp/mpy" RUN="$RUN-g")
pb=results/$RUN-g/n0/perf_bench
if jq -e '.verdict == "pass" and .perf.time_us >= 0 and .perf.norm == 20000 and .perf.result == "199990000"' \
	"$pb/bm_sum.py.json" >/dev/null 2>&1; then ok "a benchmark passes with its figures (N,M 100,100)"
else notok "bm_sum: $(head -c 400 "$pb/bm_sum.py.json" 2>/dev/null)"; fi
expect "a benchmark without parameters for the board is skipped" "$(jq -r .verdict "$pb/bm_big.py.json" 2>/dev/null)" skip
expect "a crashing benchmark fails" "$(jq -r .verdict "$pb/bm_crash.py.json" 2>/dev/null)" fail
if [ ! -e "$pb/benchrun.py.json" ]; then ok "the harness is not run as a benchmark"; else notok "benchrun.py ran as a test"; fi
st=$(mk test PORTS="$tmp/n0" GROUPS=PERFBENCH RUN="$RUN-g")
has_text "PERFBENCH without a MicroPython tests folder: why" "$tmp/e" "PERFBENCH: skipped: no perf_bench/benchrun.py in"

# ---- two multi-board groups in one run: each pair has the tests of both ----
mkdir -p "$tmp/mpy/tests/multi_bluetooth"
printf 'def instance0():\n    multitest.next()\n    print("central")\n\n\ndef instance1():\n    print("peripheral")\n    multitest.next()\n' \
	>"$tmp/mpy/tests/multi_bluetooth/ble_turns.py"
st=$(mk -j4 test GROUPS="MULTI MULTIBLUETOOTH" TESTBED=virtual VBOARDS=2 BOARD_FEATURES="MCU BLE" MPY_DIR="$tmp/mpy" \
	TESTS=basics/one.py RUN="$RUN-m")
v=""
for p in vb1+vb0 vb0+vb1; do
	v="$v $(jq -r .verdict "results/$RUN-m/$p/multi_bluetooth/ble_turns.py.json" "results/$RUN-m/$p/handshake.py.json" 2>/dev/null | paste -sd, -)"
done
expect "MULTI and MULTIBLUETOOTH in one run: both groups' tests on both pairs" "$v" " pass,pass pass,pass"
has_text "... counted together" "$tmp/o" "vb1+vb0: 10 tests performed"

# ---- a board that needs attention in a pair's test: brought back, the test once more ----
# each board refuses the raw REPL for a few seconds from its 31st program on (after the probe and the
# first pair tests): the next pair test cannot start. The test runs again at once on a board just
# powered on, beside the other suites of a loaded machine: 5 s of silence make a timeout here, not 2
st=$(VBOARD_ARGS="--faults refuse:1 --fault-limit 1 --faults-after 30 --fault-log $tmp/f{i}.jsonl" \
	MULTI_IDLE_TIMEOUT=5 mk test GROUPS=MULTI TESTBED=virtual VBOARDS=2 RUN="$RUN-f")
expect "faults injected on both boards" "$(cat "$tmp/f0.jsonl" "$tmp/f1.jsonl" 2>/dev/null | jq -r .kind | paste -sd, -)" refuse,refuse
has "the board that needed attention was brought back" "$tmp/e" "^vb[01]+vb[01]: [a-z_0-9]*\.py: a board needs attention: vb[01]: bringing it back, the test once more"
# every test has a result; those that did not run while a board refused its input (the fault's time,
# for the milliseconds its log gives) have their manifest verdicts
windows=$(cat "$tmp/f0.jsonl" "$tmp/f1.jsonl" 2>/dev/null | jq -sc 'map([.t_ms, .t_ms + (.detail | capture("for (?<ms>[0-9]+) ms").ms | tonumber)])')
bad=0 n=0 hit=0
for p in vb1+vb0 vb0+vb1; do
	while IFS=$'\t' read -r t want _; do
		[ "$t" != test ] || continue
		[ "$t" != three.py ] || want=skip
		n=$((n + 1))
		f=results/$RUN-f/$p/$t.json
		got=$(jq -r .verdict "$f" 2>/dev/null || echo none)
		[ "$got" != "$want" ] || continue
		if [ "$got" != none ] && jq -e --argjson w "${windows:-[]}" \
			'.held_from_ms as $a | .held_to_ms as $z | $a != null and any($w[]; .[0] <= $z and .[1] >= $a)' "$f" >/dev/null; then
			hit=$((hit + 1))
		else
			bad=$((bad + 1))
			notok "after the recovery: $p: $t: $got ($(jq -r '"\(.reason), \(.duration_ms) ms"' "$f" 2>/dev/null)), the manifest says $want"
		fi
	done <tests/multi/manifest.tsv
done
[ $bad != 0 ] || ok "after the recovery every test of both pairs has a result, at its manifest verdict unless a fault hit it ($n, $hit hit)"
# a board is brought back while no test has it: no pair test held a board while the board was power-cycled
# (its timeline's recover events against the wall-clock times the test held its boards)
clash=$(for b in vb0 vb1; do
	jq -c --arg b "$b" 'select(.event == "recover") | {b: $b, from: .start_ms, to: .end_ms}' \
		"results/$RUN-f/$b/timeline.jsonl" 2>/dev/null
done | jq -s --slurpfile r <(cat results/"$RUN-f"/vb*+vb*/*.py.json 2>/dev/null | jq -c 'select(.held_from_ms != null)') \
	'[.[] as $c | $r[] | select((.boards | index($c.b)) and .held_from_ms <= $c.to and .held_to_ms >= $c.from)
	  | "\(.boards | join("+")): \(.test)"] | unique | join(", ")' -r)
recovers=$(cat results/"$RUN-f"/vb[01]/timeline.jsonl 2>/dev/null | grep -c '"recover"' || true)
if [ "$recovers" -ge 1 ] && [ -z "$clash" ]; then
	ok "no pair test held a board while it was brought back ($recovers recover events)"
else notok "tests that held a board while it was brought back: ${clash:-none}; recover events: $recovers"; fi

# ---- a board that dies for good: counted with its pairs' tests, taken out, the other pairs go on ----
# kill vb1's board process once its pair with vb0 has a few results
kill_board_after "results/$RUN-d/vb1+vb0" 3 "results/$RUN-d/vbench/vb1.pid" "$tmp/killed" &
killer=$!
st=$(mk -j4 test GROUPS=MULTI TESTBED=virtual VBOARDS=3 RUN="$RUN-d")
wait "$killer"
if [ -f "$tmp/killed" ]; then ok "vb1's board process was killed mid-run"; else notok "vb1's board process was not killed"; fi
has_text "the run says vb1 is out" "$tmp/e" "testrun: vb1 was taken out of the run after 3 infrastructure errors in a row"
has_text "... counted by the pairs' tests" "$tmp/e" "vb1: taken out of the run after 3 infrastructure errors in a row"
if grep -q "testrun: vb0 was taken out" "$tmp/e"; then notok "the reference board vb0 was taken out too"; else ok "the reference board vb0 stays in"; fi
# vb1's pairs bring back vb1 alone: vb0 may be in a test of the pairs with vb2 meanwhile
has "vb1's pairs bring vb1 back" "$tmp/e" "^vb[01]+vb[01]: [a-z_0-9]*\.py: a board needs attention: vb1: bringing it back"
expect "... never vb0 (its board process was never power-cycled)" \
	"$(grep -c '^vboard: power cycle$' "results/$RUN-d/vbench/vb0.log" 2>/dev/null || true)" 0
bad=0 n=0
for p in vb2+vb0 vb0+vb2; do
	while IFS=$'\t' read -r t want _; do
		[ "$t" != test ] || continue
		[ "$t" != three.py ] || want=skip
		n=$((n + 1))
		got=$(jq -r .verdict "results/$RUN-d/$p/$t.json" 2>/dev/null || echo none)
		[ "$got" = "$want" ] || { bad=$((bad + 1)) && notok "$p: $t: $got, the manifest says $want"; }
	done <tests/multi/manifest.tsv
done
[ $bad != 0 ] || ok "the pairs without vb1 reached their manifest verdicts ($n tests)"
missing=0 notrun=0
for p in vb1+vb0 vb0+vb1; do
	while IFS=$'\t' read -r t _; do
		[ "$t" != test ] || continue
		f=results/$RUN-d/$p/$t.json
		if ! jq -e .verdict "$f" >/dev/null 2>&1; then
			missing=$((missing + 1)) && notok "$p: $t has no result"
		elif jq -e '.verdict == "error" and (.reason | startswith("not run: vb1 was taken out of the run"))' "$f" >/dev/null; then
			notrun=$((notrun + 1))
		fi
	done <tests/multi/manifest.tsv
done
[ $missing != 0 ] || ok "every test of vb1's pairs has a result"
if [ "$notrun" -ge 1 ]; then ok "vb1's remaining pair tests: error at once, not run ($notrun)"; else notok "no pair test was left out for vb1"; fi
expect "the run exits 2 (make: testrun said 3)" "$st" 2
finish
