#!/bin/bash
# A board that fails does not stop the bench, and nothing is lost:
# - mp-runtest: a port that is gone is brought back by --recover (the new port recorded) and the test is
#   run again; three infrastructure errors in a row take the board out (its later tests get verdict
#   error at once); --count repeats a test (a test that passes and fails is flaky); a failure of a
#   known-flaky test is ignored; kernel log lines that arrive during a test go into its result;
# - the pipeline: a virtual board whose process dies mid-run is taken out with a clear report, every test
#   of every board has exactly one result, the other board finishes; COUNT=2 runs every test twice;
# - a run killed with SIGKILL (its whole process group) leaves no virtual board, no lock and no partial
#   result; the next run goes on where it stopped and accounts for every test;
# - the kernel log watch files a DUT's USB errors under its board.
set -eu
export LC_ALL=C
cd "$(dirname "$0")/../.."
. tests/lib.sh
RUN=recovery-$$
tb_extra_cleanup='sh scripts/vbench.sh stop "results/$RUN/vbench" >/dev/null 2>&1 || true; sh scripts/vbench.sh stop "results/$RUN-k/vbench" >/dev/null 2>&1 || true; rm -rf "results/$RUN" "results/$RUN-c" "results/$RUN-k"'
require jq node setsid
require_vboards
require_tools mp-runtest vboard
if ! make -s tools >"$tmp/make" 2>&1; then
	notok "make tools failed: $(tail -c 600 "$tmp/make")"
	finish
fi
RT=$BIN/mp-runtest
T=tests/corpus

start_vboard wasm "$tmp/b" || { notok "a virtual board did not start"; finish; }

# ---- recovery of a test ----
printf '%s\n' "$tmp/gone" >"$tmp/port"
check "a port that is gone: brought back, the test run again" 0 "$RT" --port-file "$tmp/port" --board b \
	--recover "echo $tmp/b" --infra-state "$tmp/infra" --tests-dir "$T" --result "$tmp/r.json" "$T/basics/arith_int.py"
expect "... attempts and what went wrong, in the result" "$(jq -c '[.verdict, .attempts, .infra_errors]' "$tmp/r.json")" \
	"[\"pass\",2,[\"cannot open the port $tmp/gone\"]]"
expect "... the new port written back" "$(cat "$tmp/port")" "$tmp/b"
expect "... and the errors in a row counted back to 0" "$(cut -d' ' -f1 "$tmp/infra")" 0
has_text "... said on stderr" "$tmp/e" "b: the board is back at $tmp/b"
check "a board that does not come back: 3 errors in a row take it out" 3 "$RT" --port "$tmp/gone" --board b \
	--recover true --infra-state "$tmp/infra" --tests-dir "$T" --result "$tmp/r.json" "$T/basics/arith_int.py"
expect "... verdict error after 3 attempts, board out" "$(jq -c '[.verdict, .attempts, .board_out]' "$tmp/r.json")" '["error",3,true]'
has_text "... said on stderr" "$tmp/e" "b: taken out of the run after 3 infrastructure errors in a row"
t0=$(date +%s%N)
check "a board that is out: its next test not run" 3 "$RT" --port "$tmp/b" --board b --infra-state "$tmp/infra" \
	--tests-dir "$T" --result "$tmp/r.json" "$T/basics/arith_int.py"
expect "... verdict error, saying why" "$(jq -r '.verdict + ": " + .reason' "$tmp/r.json")" \
	"error: not run: b was taken out of the run after 3 infrastructure errors in a row"
# taken out while the test waited for its port (a multi-board test held it): the count is read again
# once the port is the test's own
printf '0 \n' >"$tmp/infra2"
flock "$tmp/b" sh -c "sleep 1; printf '3 a pair test\n' >'$tmp/infra2'" &
holder=$!
sleep 0.3
check "a board taken out while its test waited for the port: the test not run" 3 "$RT" --port "$tmp/b" --board b \
	--port-wait 20 --infra-state "$tmp/infra2" --tests-dir "$T" --result "$tmp/r.json" "$T/basics/arith_int.py"
wait "$holder" || true
expect "... verdict error, saying why" "$(jq -r '.verdict + ": " + .reason' "$tmp/r.json")" \
	"error: not run: b was taken out of the run after 3 infrastructure errors in a row"
# the board's lock: a recovery of the run that holds it (here: writes the board's new port after 1 s) is
# waited for before the port file is read; the test runs once, on the new port
printf '%s\n' "$tmp/gone" >"$tmp/port3"
flock "$tmp/b.lock" sh -c "sleep 1; printf '%s\n' '$tmp/b' >'$tmp/port3'" &
holder=$!
wait_locked "$tmp/b.lock"
check "a test waits for its board's lock, held by a recovery" 0 "$RT" --port-file "$tmp/port3" --board b \
	--board-lock "$tmp/b.lock" --tests-dir "$T" --result "$tmp/r.json" "$T/basics/arith_int.py"
wait "$holder" || true
expect "... then runs on the port the recovery wrote, at once" "$(jq -c '[.verdict, .attempts // 1]' "$tmp/r.json")" '["pass",1]'
check "a board lock that cannot be made: the board needs attention" 3 "$RT" --port "$tmp/b" \
	--board-lock "$tmp/no/such/folder/lock" --tests-dir "$T" "$T/basics/arith_int.py"
has_text "... saying why" "$tmp/e" "cannot open the board lock '$tmp/no/such/folder/lock'"
check "a failing recovery command counts as the board not coming back" 3 "$RT" --port "$tmp/gone" --board b \
	--recover false --tests-dir "$T" "$T/basics/arith_int.py"
has_text "... with its status" "$tmp/e" "b: the board did not come back: exit status 1"
check "--port and --port-file together: usage" 2 "$RT" --port "$tmp/b" --port-file "$tmp/port" "$T/basics/arith_int.py"
check "--count 0: usage" 2 "$RT" --port "$tmp/b" --count 0 "$T/basics/arith_int.py"

# ---- a virtual bench's recover command: the board is power-cycled when it returns ----
# (a quiet board still says its power cycles: vbench.sh cycle waits for that line)
VBOARD="$BIN/vboard" VBOARD_ARGS=-q sh scripts/vbench.sh start 1 wasm "$tmp/vb" >/dev/null 2>"$tmp/vb.err" ||
	notok "vbench.sh start: $(head -c 300 "$tmp/vb.err")"
good=0
for k in 1 2 3; do
	# what the client sends right after the command returned reaches the new board
	if p=$(sh scripts/vbench.sh cycle vb0 "$tmp/vb") && [ "$(grep -c '^vboard: power cycle$' "$tmp/vb/vb0.log")" = "$k" ] &&
		"$RT" --port "$p" --enter-timeout 3 --tests-dir "$T" --result "$tmp/c.json" "$T/basics/arith_int.py" >/dev/null 2>&1 &&
		[ "$(jq -r '.attempts // 1' "$tmp/c.json")" = 1 ]; then
		good=$((good + 1))
	fi
done
expect "vbench.sh cycle returns once the board is cycled: a test passes at once after each of 3" "$good" 3
sh scripts/vbench.sh stop "$tmp/vb" >/dev/null 2>&1 || true

# ---- repetitions and known-flaky tests ----
mkdir -p "$tmp/t/misc"
# fails on its first run on a board, passes afterwards: a counter in the board's filesystem
cat >"$tmp/t/misc/first_fails.py" <<'PY'
try:
    with open("/first_fails.n") as f:
        n = int(f.read())
except OSError:
    n = 0
with open("/first_fails.n", "w") as f:
    f.write(str(n + 1))
print("ok" if n else "not yet")
PY
printf 'ok\n' >"$tmp/t/misc/first_fails.py.exp"
check "COUNT: passed and failed -> flaky, exit 1" 1 "$RT" --port "$tmp/b" --count 3 --tests-dir "$tmp/t" \
	--result "$tmp/r.json" --ok "$tmp/r.ok" "$tmp/t/misc/first_fails.py"
expect "... the verdict and the runs" "$(jq -c '[.verdict, .reason, .runs, .failed_runs]' "$tmp/r.json")" \
	'["flaky","1 of 3 runs failed",3,1]'
if [ ! -e "$tmp/r.ok" ]; then ok "... not marked done (it runs again next time)"; else notok "a flaky test was marked done"; fi
has_text "... the console says FLAKY" "$tmp/o" "FLAKY misc/first_fails.py"
check "COUNT: always passing -> pass" 0 "$RT" --port "$tmp/b" --count 2 --tests-dir "$tmp/t" --result "$tmp/r.json" \
	"$tmp/t/misc/first_fails.py"
expect "... with its runs" "$(jq -c '[.verdict, .runs, .failed_runs]' "$tmp/r.json")" '["pass",2,0]'
printf '# mine\nmisc/always_fails.py\tdepends on the weather\n' >"$tmp/flaky.tsv"
printf 'print(1)\n' >"$tmp/t/misc/always_fails.py"
printf '2\n' >"$tmp/t/misc/always_fails.py.exp"
check "a failure of a test on a --flaky-list: ignored, exit 0" 0 "$RT" --port "$tmp/b" --flaky-list "$tmp/flaky.tsv" \
	--tests-dir "$tmp/t" --result "$tmp/r.json" --ok "$tmp/r.ok" "$tmp/t/misc/always_fails.py"
expect "... verdict ignored, with the list's reason" "$(jq -c '[.verdict, .reason]' "$tmp/r.json")" \
	'["ignored","flaky: depends on the weather"]'
if [ -e "$tmp/r.ok" ]; then ok "... marked done"; else notok "an ignored failure was not marked done"; fi
mkdir -p "$tmp/t/thread"
cp "$tmp/t/misc/always_fails.py" "$tmp/t/thread/thread_gc1.py"
cp "$tmp/t/misc/always_fails.py.exp" "$tmp/t/thread/thread_gc1.py.exp"
check "run-tests.py's own known-flaky list is always read" 0 "$RT" --port "$tmp/b" --tests-dir "$tmp/t" \
	--result "$tmp/r.json" "$tmp/t/thread/thread_gc1.py"
expect "... its reason" "$(jq -r .reason "$tmp/r.json")" "flaky: GC race condition"
check "a test not on a list fails as usual" 1 "$RT" --port "$tmp/b" --tests-dir "$tmp/t" "$tmp/t/misc/always_fails.py"

# ---- kernel log lines during a test ----
printf 'import time\ntime.sleep(1)\nprint(1)\n' >"$tmp/t/misc/slow.py"
printf '1\n' >"$tmp/t/misc/slow.py.exp"
printf 'usb 1-2: old line\n' >"$tmp/kernel.log"
(sleep 0.4; printf 'usb 1-2: device not accepting address 9, error -71\n' >>"$tmp/kernel.log") &
writer=$!
check "a test with kernel log lines during it" 0 "$RT" --port "$tmp/b" --kernel-log "$tmp/kernel.log" --tests-dir "$tmp/t" \
	--result "$tmp/r.json" "$tmp/t/misc/slow.py"
wait "$writer"
expect "... the new line (only) in its result" "$(jq -r .kernel_log "$tmp/r.json")" "usb 1-2: device not accepting address 9, error -71"
mkdir -p "$tmp/kw/b1"
printf 'usb 1-2.3: new full-speed USB device number 7 using xhci_hcd\nusb 1-2.3: device not accepting address 7, error -71\nusb 1-4: Not enough bandwidth for new device state.\n' >"$tmp/kw.in"
KMSG_CMD="cat $tmp/kw.in" sh scripts/kernel-watch.sh "$tmp/kw" 1-2.3=b1 2>"$tmp/kw.err"
expect "kernel watch: a DUT's USB error filed under its board" "$(cat "$tmp/kw/b1/kernel.log")" "usb 1-2.3: device not accepting address 7, error -71"
expect "kernel watch: trouble elsewhere in the run's own file" "$(cat "$tmp/kw/kernel.log")" "usb 1-4: Not enough bandwidth for new device state."
has_text "kernel watch: ... and said" "$tmp/kw.err" "kernel-watch: USB trouble outside the DUTs: usb 1-4"

# ---- the pipeline: a board whose process dies mid-run ----
export MICROPY_TEST_TIMEOUT=3
# kill vb1's board process once it has a few results
kill_board_after "results/$RUN/vb1" 5 "results/$RUN/vbench/vb1.pid" "$tmp/killed" &
killer=$!
st=0
# the corpus's basics folder: 37 tests a board, enough to die in the middle of
PT=basics/
timeout 600 make -s -j2 test TESTBED=virtual VBOARDS=2 RUN="$RUN" TESTS="$PT" >"$tmp/o" 2>"$tmp/e" || st=$?
wait "$killer"
if [ -f "$tmp/killed" ]; then ok "vb1's board process was killed mid-run"; else notok "the board process was not killed"; fi
has_text "the run says vb1 is out" "$tmp/e" "testrun: vb1 was taken out of the run after 3 infrastructure errors in a row"
for b in vb0 vb1; do
	sel=$(wc -l <"results/$RUN/$b/selected.txt")
	got=$(cd "results/$RUN/$b" && while IFS= read -r t; do [ -f "$t.json" ] && jq -e .verdict "$t.json" >/dev/null && echo x; done <selected.txt | wc -l)
	expect "$b: every selected test has one readable result" "$got" "$sel"
done
expect "vb0 finished with its own verdicts (nothing in error)" "$(cat results/$RUN/vb0/*/*.py.json | jq -r 'select(.verdict == "error") | .test' | wc -l)" 0
errs=$(cat results/$RUN/vb1/*/*.py.json | jq -r 'select(.verdict == "error") | .test' | wc -l)
if [ "$errs" -ge 1 ]; then ok "vb1's remaining tests: verdict error ($errs)"; else notok "vb1: no test in error"; fi
expect "the run exits 2 (make: testrun said 3)" "$st" 2
has_text "... testrun's status 3" "$tmp/e" "Error 3"

# COUNT=2: every test twice
st=0
COUNT=2 timeout 600 make -s test TESTBED=virtual VBOARDS=1 TESTS="basics/arith_int.py basics/dict_basic.py" RUN="$RUN-c" \
	>"$tmp/o" 2>"$tmp/e" || st=$?
expect "COUNT=2: every test run twice" "$(jq -r .runs "results/$RUN-c/vb0/basics/arith_int.py.json" "results/$RUN-c/vb0/basics/dict_basic.py.json" | paste -sd,)" "2,2"
st=0
COUNT=x timeout 60 make -s test TESTBED=virtual VBOARDS=1 RUN="$RUN-c" >"$tmp/o" 2>"$tmp/e" || st=$?
has_text "COUNT=x: a clear error" "$tmp/e" "testrun: COUNT='x' must be a number of runs, 1 or more"

# ---- a run killed with SIGKILL: nothing left behind, the next run goes on ----
setsid bash -c 'exec make -s -j2 test TESTBED=virtual VBOARDS=2 RUN='"$RUN-k"' TESTS='"$PT"' >'"$tmp/k.o"' 2>'"$tmp/k.e" &
for _ in $(seq 1 600); do
	n=$(find "results/$RUN-k" -name '*.py.json' 2>/dev/null | wc -l)
	[ "$n" -lt 20 ] || break
	sleep 0.1
done
pg=$(pgrep -f "RUN=$RUN-k" | head -n 1 || true)
pgid=$(ps -o pgid= -p "$pg" 2>/dev/null | tr -d ' ' || true)
if [ -n "$pgid" ]; then
	kill -KILL -- "-$pgid"
	ok "the run killed mid-way (SIGKILL to its process group, $n results)"
else notok "the run to kill was not found"; fi
# the watchdog polls once a second, then stops the boards (SIGTERM, SIGKILL after 3 s)
for _ in $(seq 1 300); do
	left=$(pgrep -f "results/$RUN-k/vbench" || true)
	[ -n "$left" ] || break
	sleep 0.1
done
expect "no virtual board left running" "$left" ""
bad=$(find "results/$RUN-k" -name '*.py.json' -exec sh -c 'for f; do jq -e .verdict "$f" >/dev/null 2>&1 || echo "$f"; done' sh {} +)
expect "every result file there is whole" "$bad" ""
st=0
timeout 600 make -s -j2 test TESTBED=virtual VBOARDS=2 RUN="$RUN-k" TESTS="$PT" >"$tmp/o" 2>"$tmp/e" || st=$?
has "the next run is not blocked by a lock" "$tmp/o" "^total: "
if find "results/$RUN-k" -name '*.tmp*' | grep -q .; then notok "temporary files left: $(find "results/$RUN-k" -name '*.tmp*' | head -n 3)"
else ok "no half-written file left after the next run"; fi
for b in vb0 vb1; do
	sel=$(wc -l <"results/$RUN-k/$b/selected.txt")
	got=$(cd "results/$RUN-k/$b" && while IFS= read -r t; do [ -f "$t.json" ] && echo x; done <selected.txt | wc -l)
	expect "$b: after the rerun every test has a result" "$got" "$sel"
done
ran=$(grep -c '^\[vb[01] ' "$tmp/o" || true)
total=$(cat "results/$RUN-k"/vb?/selected.txt | wc -l)
if [ "$ran" -lt "$total" ]; then ok "the rerun went on where the killed one stopped ($ran of $total lines)"
else notok "the rerun ran everything again ($ran of $total)"; fi

finish
