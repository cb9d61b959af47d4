#!/bin/bash
# The test groups that compile tests on the host or prepare the board, in the pipeline:
# - VIA_MPY on virtual boards: every corpus test is compiled by the virtual bench's mpy-cross and imported
#   as .mpy, reaching the verdict of tests/corpus/manifest.tsv's wasm-mpy column; results under
#   <board>/VIA_MPY/; a second run reruns only what failed;
# - NATIVE on virtual boards: every test skipped, saying why (no native arch);
# - MPY_DIR: its mpy-cross is built by `make test` (a stand-in checkout here) and used with the test's
#   name, the emitter and the output file; a build that fails skips the groups, saying why;
# - NATMODTESTS: mp-runtest --natmod imports a module .mpy before the test (a bytecode stand-in on the
#   wasm board); the generated rules build each module once for the arch of a board that has one
#   (-march), and a board without a native arch skips the tests, saying why;
# - FLASH_FORMAT: mp-runtest --wipe-fs empties a folder of the board; in a run it comes before the tests.
set -eu
export LC_ALL=C
cd "$(dirname "$0")/../.."
. tests/lib.sh
RUN=groups-pipeline-$$
tb_extra_cleanup='rm -rf "results/$RUN" "results/$RUN-d" "results/$RUN-n" "results/$RUN-f"'
require jq node
require_vboards
if ! make -s tools >"$tmp/make" 2>&1; then
	notok "make tools failed: $(tail -c 600 "$tmp/make")"
	finish
fi
export MICROPY_TEST_TIMEOUT=4
MPYX=tools/vboard/mpy-cross-wasm.mjs

# mk ARGS...: make -s ARGS, output in $tmp/o and $tmp/e, the exit status printed
mk() {
	local st=0
	timeout 900 make -s "$@" >"$tmp/o" 2>"$tmp/e" || st=$?
	echo $st
}

# ---- VIA_MPY and NATIVE on a virtual board ----
st=$(mk test GROUPS="VIA_MPY NATIVE" TESTBED=virtual VBOARDS=1 RUN="$RUN")
expect "the run ended with failed tests (some fail on purpose)" "$st" 2
bad=0 n=0 nfail=0
while IFS=$'\t' read -r t _ _ want _; do
	case $t in '#'* | '') continue ;; esac
	[ "$want" != - ] || continue
	case $want in fail | timeout) nfail=$((nfail + 1)) ;; esac
	for b in vb0; do
		n=$((n + 1))
		got=$(jq -r .verdict "results/$RUN/$b/VIA_MPY/$t.json" 2>/dev/null || echo none)
		if [ "$got" != "$want" ]; then
			bad=$((bad + 1))
			notok "$b: VIA_MPY/$t: $got, the manifest says $want"
		fi
	done
done <tests/corpus/manifest.tsv
[ $bad != 0 ] || ok "VIA_MPY: all $n results reached the manifest's wasm-mpy verdicts"
if [ -f results/$RUN/vb0/VIA_MPY/failed/basics_traceback_shift.py.out ]; then
	ok "VIA_MPY: a failure's .out in the group's own failed/"
else notok "VIA_MPY: no results/$RUN/vb0/VIA_MPY/failed/basics_traceback_shift.py.out"; fi
has_text "VIA_MPY: the compiler's refusal is the output" "results/$RUN/vb0/VIA_MPY/failed/basics_string_fstring_basic.py.out" "mpy-cross crash"
others=$(find "results/$RUN/vb0/NATIVE" -name '*.py.json' -exec jq -r .reason {} + | sort | uniq -c | sed 's/^ *//')
expect "NATIVE: every test skipped, saying why" "$others" "$(grep -c '^[a-z]' tests/corpus/manifest.tsv) no native code emitter for this board (arch None)"
has_text "the lines name the group" "$tmp/o" "[vb0 VIA_MPY "
has "the report counts each group's tests" "$tmp/o" "^vb0: .*tests skipped: NATIVE/basics/arith_int.py"
# a second run: only the failed tests again
before=$(date -r "results/$RUN/vb0/VIA_MPY/basics/arith_int.py.json" +%s.%N)
st=$(mk test GROUPS="VIA_MPY NATIVE" TESTBED=virtual VBOARDS=1 RUN="$RUN")
ran=$(grep -c '^\[vb0 VIA_MPY ' "$tmp/o" || true)
expect "second run: only the failed tests ran again" "$ran" "$nfail"
expect "second run: a passed test was not run again" "$(date -r "results/$RUN/vb0/VIA_MPY/basics/arith_int.py.json" +%s.%N)" "$before"
st=$(mk test EMIT=native TESTBED=virtual VBOARDS=1 RUN="$RUN")
has_text "EMIT=native: points to the group" "$tmp/e" "the native emitter is a test group of its own: GROUPS=NATIVE"

# ---- MPY_DIR: its mpy-cross, built by make test ----
mkdir -p "$tmp/mpy/tests/basics" "$tmp/mpy/mpy-cross"
: >"$tmp/mpy/tests/run-tests.py"
printf 'print(6 * 7)\n' >"$tmp/mpy/tests/basics/answer.py"
printf '42\n' >"$tmp/mpy/tests/basics/answer.py.exp"
# the checkout's mpy-cross: a stand-in that records its command line and compiles with the wasm one
cat >"$tmp/fake-mpy-cross" <<SH
#!/bin/sh
printf '%s\\n' "\$*" >>"$tmp/mpy-cross.argv"
exec "$PWD/$MPYX" "\$@"
SH
printf 'build/mpy-cross:\n\tmkdir -p build\n\tcp %s $@\n\tchmod +x $@\n' "$tmp/fake-mpy-cross" >"$tmp/mpy/mpy-cross/Makefile"
st=$(mk test GROUPS=VIA_MPY TESTBED=virtual VBOARDS=1 MPY_DIR="$tmp/mpy" RUN="$RUN-d")
expect "MPY_DIR: the run passed" "$st" 0
if [ -x "$tmp/mpy/mpy-cross/build/mpy-cross" ]; then ok "MPY_DIR: make test built its mpy-cross"; else notok "MPY_DIR: no mpy-cross built"; fi
has "MPY_DIR: mpy-cross got the test's name, the emitter and the output file" "$tmp/mpy-cross.argv" \
	'^-s basics/answer.py -X emit=bytecode -o .*/test.mpy .*/test.py$'
expect "MPY_DIR: the test passed via .mpy" "$(jq -r .verdict "results/$RUN-d/vb0/VIA_MPY/basics/answer.py.json" 2>/dev/null)" pass
printf 'build/mpy-cross:\n\tfalse\n' >"$tmp/mpy2.mk"
mkdir -p "$tmp/mpy2/tests/basics" "$tmp/mpy2/mpy-cross"
cp "$tmp/mpy2.mk" "$tmp/mpy2/mpy-cross/Makefile"
: >"$tmp/mpy2/tests/run-tests.py"
cp "$tmp/mpy/tests/basics/answer.py" "$tmp/mpy/tests/basics/answer.py.exp" "$tmp/mpy2/tests/basics/"
st=$(mk test GROUPS="STANDARD VIA_MPY" TESTBED=virtual VBOARDS=1 MPY_DIR="$tmp/mpy2" RUN="$RUN-d")
has_text "a failed mpy-cross build is reported" "$tmp/e" "mpy-cross: the build failed (results/mpy-cross.log)"
has_text "... and its groups skipped, saying why" "$tmp/e" "VIA_MPY: skipped: needs mpy-cross"
expect "... and the other groups ran" "$st:$(jq -r .verdict "results/$RUN-d/vb0/basics/answer.py.json")" 0:pass

# ---- NATMODTESTS ----
start_vboard wasm "$tmp/nm" || notok "a virtual board for --natmod did not start"
"$MPYX" -o "$tmp/heapq.mpy" tests/mock/natmod/heapq.py
mkdir -p "$tmp/mpy/tests/extmod" "$tmp/mpy/examples/natmod/heapq"
printf 'import heapq\nprint(heapq.FROM_MPY)\nh = []\nfor x in (3, 1, 2):\n    heapq.heappush(h, x)\nprint([heapq.heappop(h) for _ in range(3)])\n' \
	>"$tmp/mpy/tests/extmod/heapq_injected.py"
printf 'heapq from the injected .mpy\n[1, 2, 3]\n' >"$tmp/mpy/tests/extmod/heapq_injected.py.exp"
check "--natmod: the module imported before the test, the test passes" 0 "$BIN/mp-runtest" --port "$tmp/nm" \
	--natmod "heapq=$tmp/heapq.mpy" --tests-dir "$tmp/mpy/tests" "$tmp/mpy/tests/extmod/heapq_injected.py"
has_text "--natmod: the pass line" "$tmp/o" "pass  extmod/heapq_injected.py"
check "without it the built-in heapq has no FROM_MPY: the test fails" 1 "$BIN/mp-runtest" --port "$tmp/nm" \
	--tests-dir "$tmp/mpy/tests" "$tmp/mpy/tests/extmod/heapq_injected.py"
check "--natmod: a name that is no module name is a usage error" 2 "$BIN/mp-runtest" --port "$tmp/nm" \
	--natmod "heap q=$tmp/heapq.mpy" "$tmp/mpy/tests/extmod/heapq_injected.py"
check "--natmod: a missing module file is local trouble" 4 "$BIN/mp-runtest" --port "$tmp/nm" \
	--natmod "heapq=$tmp/none.mpy" "$tmp/mpy/tests/extmod/heapq_injected.py"
# the generated rules for a board with a native arch: one build per module, -march for mpy-cross
mkdir -p "$tmp/rd/b1"
jq -n '{platform: "rp2", arch: "armv6m", mpy: 518}' >"$tmp/rd/b1/target.json"
if sh scripts/gen-board-mk.sh b1 "$tmp/mpy/tests" "$tmp/rd" natmod:extmod/heapq*.py native:basics >"$tmp/b1.mk" 2>"$tmp/e"; then
	has_text "natmod: the module built for the arch" "$tmp/b1.mk" '$(call NATMODBUILD,b1,heapq,armv6m)'
	has_text "natmod: the test imports it" "$tmp/b1.mk" '$(call NATMODTEST,b1,extmod/heapq_injected.py,2,2,heapq,armv6m)'
	has_text "native: mpy-cross gets -march" "$tmp/b1.mk" 'MPY_FLAGS_b1 := -march=armv6m'
	has_text "native: the test compiled with the native emitter" "$tmp/b1.mk" '$(call MPYTEST,b1,basics/answer.py,1,2,native,NATIVE/)'
	has_text "native: its expected output prefers .native.exp" "$tmp/b1.mk" '$(RD)/exp-native/basics/answer.py.exp'
	expect "the tests the report counts, per group" "$(paste -sd, "$tmp/rd/b1/selected.txt")" \
		"NATIVE/basics/answer.py,NATMODTESTS/extmod/heapq_injected.py"
else notok "gen-board-mk.sh failed: $(head -c 300 "$tmp/e")"; fi
: >"$tmp/mpy/examples/natmod/heapq/Makefile"
st=$(mk test GROUPS=NATMODTESTS TESTBED=virtual VBOARDS=1 MPY_DIR="$tmp/mpy" RUN="$RUN-n")
expect "NATMODTESTS on wasm: skipped, saying why" \
	"$(jq -r '.verdict + ": " + .reason' "results/$RUN-n/vb0/NATMODTESTS/extmod/heapq_injected.py.json" 2>/dev/null)" \
	"skip: the firmware cannot load native modules (arch None)"
st=$(mk test GROUPS=NATMODTESTS TESTBED=virtual VBOARDS=1 RUN="$RUN-n")
has_text "NATMODTESTS without MPY_DIR: skipped, saying why" "$tmp/e" \
	"NATMODTESTS: skipped: needs the native modules of a MicroPython checkout (MPY_DIR with examples/natmod)"

# ---- FLASH_FORMAT ----
printf 'import os\nfor d in ("/home/a", "/home/a/b"):\n    os.mkdir(d)\nfor p in ("/home/x.txt", "/home/a/y.txt", "/home/a/b/z.py"):\n    f = open(p, "w")\n    f.write("left")\n    f.close()\nprint(sorted(os.listdir("/home")))\n' >"$tmp/put.py"
printf 'import os\nprint(sorted(os.listdir("/home")), sorted(os.listdir("/")))\n' >"$tmp/ls.py"
"$BIN/mp-runtest" --port "$tmp/nm" --exp /dev/null --json "$tmp/put.py" >"$tmp/put.json" || true
expect "files left on the board" "$(jq -r .output "$tmp/put.json")" "['a', 'web_user', 'x.txt']"
check "--wipe-fs: the folder emptied" 0 "$BIN/mp-runtest" --port "$tmp/nm" --board nm --wipe-fs /home
has_text "--wipe-fs: what it removed" "$tmp/o" "nm: filesystem /home emptied: 3 files and 3 folders removed"
"$BIN/mp-runtest" --port "$tmp/nm" --exp /dev/null --json "$tmp/ls.py" >"$tmp/ls.json" || true
# (the WebAssembly runtime makes its /home/web_user again at every soft reset)
expect "--wipe-fs: nothing left under it, the rest untouched" "$(jq -r .output "$tmp/ls.json")" \
	"['web_user'] ['dev', 'home', 'proc', 'tmp']"
check "--wipe-fs: an empty folder name is a usage error" 2 "$BIN/mp-runtest" --port "$tmp/nm" --wipe-fs ""
st=$(mk test GROUPS="FLASH_FORMAT STANDARD" TESTBED=virtual VBOARDS=1 TESTS=basics/arith_int.py RUN="$RUN-f")
expect "FLASH_FORMAT with STANDARD: the run passed" "$st" 0
has_text "FLASH_FORMAT: the board's filesystem emptied first" "$tmp/o" "vb0: filesystem /home emptied"
first=$(grep -n -e 'filesystem /home emptied' -e 'basics/arith_int.py' "$tmp/o" | head -n 1)
case $first in *emptied*) ok "FLASH_FORMAT came before the tests" ;; *) notok "FLASH_FORMAT after a test: $first" ;; esac

finish
