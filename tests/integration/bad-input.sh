#!/bin/bash
# Bad input, row by row: every row of the table below gets one clear error line naming the file, board
# or value (grepped exactly), a documented exit status, and harms nothing else: the other boards are
# still tested where that applies, no partial result file, no temporary file (the tools run with
# TMPDIR in a folder of this suite, checked empty after each row), no lock left held.
#    1 unknown board name              7 test names with blanks or make metacharacters
#    2 malformed inventory, board spec 8 a test that prints 100 MB (output cap, bounded memory)
#    3 duplicate tentacle serials      9 NUL and non-UTF-8 bytes in a test's output
#    4 missing or empty firmware      10 no CPython for expected output
#    5 MPY_DIR not a checkout         11 a port that is not a tty
#    6 TESTS matching nothing         12 a port held by another program
# Tools are called directly from $BIN (the check build); runs go through `make -s test`, on virtual
# boards started here (PORT runs) or on the virtual tentacle bench (tests/mock/vtentacles.c).
set -eu
export LC_ALL=C
cd "$(dirname "$0")/../.."
. tests/lib.sh
top=$PWD
RUN=bad-input-$$
# processes of a run left holding a lock of this suite's lock folder are ended too
tb_extra_cleanup='rm -rf "results/$RUN"-*; fuser -s -k "$tmp"/run/testbed-micropython-locks/*.lock 2>/dev/null || true'

require jq node flock xmllint fuser
require_vboards
require_tools mp-runtest mp-exp mp-flash tentacle-find vboard
vbench_harness
# the tools of `make test`; when they do not build, the runs go on with the tools already there
notools=""
if ! make -s tools >"$tmp/make" 2>&1; then
	notok "make tools failed (the runs below use the tools already built): $(tail -c 400 "$tmp/make")"
	notools="-o tools"
fi


# mk NAME ARGS...: make -s test ARGS (a PORT or virtual run); output in $tmp/NAME.out / .err, status
# in $st
mk() {
	local name=$1
	shift
	st=0
	# shellcheck disable=SC2086 # $notools is an option or nothing
	timeout 300 make -s $notools test "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" || st=$?
}
# bench NAME ARGS...: make -s test ARGS on a virtual bench of 2 tentacles whose DUTs are virtual boards;
# the inventories are in $tmp/testbeds; the harness's events in $tmp/NAME.vtlog
mkdir "$tmp/testbeds"
bench() {
	local name=$1
	shift
	st=0
	# shellcheck disable=SC2086
	VT_LOG="$tmp/$name.vtlog" timeout 300 umockdev-wrapper "$VT" --board "node $top/tools/vboard/board-wasm.mjs" 2 -- \
		env TESTBEDS_DIR="$tmp/testbeds" FDSPREAD_BIN="$top/build/bin" FDSPREAD_STATE="$tmp/fds" \
		make -s $notools test TB_BIN="$top/tests/mock/fdspread" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" || st=$?
}
# tool NAME CMD...: a direct call; output in $tmp/NAME.out / .err, status in $st
tool() {
	local name=$1
	shift
	st=0
	"$@" >"$tmp/$name.out" 2>"$tmp/$name.err" || st=$?
}

# the lines of a stderr file besides make's own "make: *** [...] Error N" (the run's exit status)
own_lines() { grep -v -E '^make(\[[0-9]+\])?: \*\*\* \[[^]]*\] Error [0-9]+$' "$1" || true; }
# one_line DESC FILE TEXT: FILE's only line (besides make's status line) holds TEXT
one_line() {
	local lines
	lines=$(own_lines "$2")
	if [ "$(printf '%s\n' "$lines" | grep -c .)" = 1 ] && printf '%s\n' "$lines" | grep -qF -e "$3"; then
		ok "$1"
	else
		notok "$1: want one line with \"$3\", got: $(printf '%s' "$lines" | head -c 600 | tr '\n' '|')"
	fi
}
# lines_with DESC FILE TEXT N: exactly N lines of FILE hold TEXT
lines_with() {
	local n
	n=$(grep -cF -e "$3" "$2" || true)
	if [ "$n" = "$4" ]; then ok "$1"; else notok "$1: $n lines with \"$3\", want $4"; fi
}
# lacks DESC FILE TEXT: no line of FILE holds TEXT
lacks() {
	if grep -qF -e "$3" "$2"; then notok "$1: $(grep -F -e "$3" "$2" | head -n 2 | tr '\n' '|')"; else ok "$1"; fi
}
# run_status NAME: the status of the run NAME as make reports it ("Error N" of the driver; 0: none)
run_status() {
	local got
	# (make[N]: when the suite itself runs under make, as in make check)
	got=$(sed -n 's/^make\(\[[0-9]*\]\)\{0,1\}: \*\*\* \[[^]]*\] Error \([0-9]*\)$/\2/p' "$tmp/$1.err" | tail -n 1)
	echo "${got:-0}"
}
# make_status DESC WANT NAME: the run NAME ended with status WANT
make_status() { expect "$1" "$(run_status "$3")" "$2"; }
# harmless ROW [RESULTS-FOLDER]: no temporary file left, no lock held, no partial file in the results
harmless() {
	local left held="" partial="" l
	left=$(find "$TMPDIR" -mindepth 1 | head -n 3 | tr '\n' ' ')
	for l in "$locks"/*.lock; do
		[ -f "$l" ] || continue
		flock -n "$l" true && continue
		held="$held $(basename "$l")"
		# the processes of the run that still hold it: ended, so that the next rows find the boards free
		fuser -s -k "$l" 2>/dev/null || true
	done
	[ -z "${2:-}" ] || [ ! -d "$2" ] ||
		partial=$(find "$2" \( -name '*.tmp' -o -name '*.new' \) | head -n 3 | tr '\n' ' ')
	if [ -z "$left$held$partial" ]; then
		ok "$1: no temporary file, no lock held, no partial file"
	else
		notok "$1: temporary files: ${left:-none}; locks held:${held:- none}; partial files: ${partial:-none}"
	fi
	rm -rf "${TMPDIR:?}"/*
}

# ---- the virtual boards of the PORT runs ----
for b in vb0 vb1 vbig; do
	start_vboard wasm "$tmp/$b" || { notok "virtual board $b did not start"; finish; exit 1; }
done

# ---- row 8 starts first: 100 MB of output take some 45 s; it runs while the other rows are checked ----
mkdir -p "$tmp/big" "$tmp/big4"
printf 's = "x" * 1023\nfor i in range(102400):\n    print(s)\n' >"$tmp/big/big.py"
awk 'BEGIN { s = sprintf("%1023s", ""); gsub(/ /, "x", s); for (i = 0; i < 1024; i++) print s }' >"$tmp/big/big.py.exp"
timebin=""
[ ! -x /usr/bin/time ] || timebin="/usr/bin/time -v -o $tmp/big/time"
# shellcheck disable=SC2086 # $timebin: the command and its options, or nothing
mkdir "$tmp/bigtmp"
TMPDIR="$tmp/bigtmp" $timebin "$BIN/mp-runtest" --port "$tmp/vbig" -t 150 --output-cap 1048576 --tests-dir "$tmp/big" \
	--result "$tmp/big/r.json" "$tmp/big/big.py" >"$tmp/big/out" 2>"$tmp/big/err" &
big_pid=$!
tb_pids="$tb_pids $big_pid"

# temporary files and locks of the tools under test, in folders of this suite; the bench inventories
export TMPDIR="$tmp/sys" XDG_RUNTIME_DIR="$tmp/run" TESTBEDS_DIR="$tmp/testbeds"
mkdir -p "$TMPDIR" "$XDG_RUNTIME_DIR"
locks=$XDG_RUNTIME_DIR/testbed-micropython-locks

# ---- row 1: unknown board name ----
tool r1flash "$BIN/mp-flash" --tentacle 2731 --board NOSUCH "$tmp/none.uf2"
expect "row 1: mp-flash --board NOSUCH: exit 2 (usage)" "$st" 2
one_line "row 1: mp-flash --board NOSUCH: one line naming the board" "$tmp/r1flash.err" "mp-flash: unknown board 'NOSUCH': no "

vt_inventory "$tmp/testbeds/vtgood.json" vtgood RPI_PICO RPI_PICO
bench r1board TESTBED=vtgood BOARD=NOSUCH RUN="$RUN-r1a" TESTS=basics/arith_int.py
make_status "row 1: BOARD=NOSUCH on a bench: a configuration error (status 2)" 2 r1board
one_line "row 1: BOARD=NOSUCH on a bench: one line naming the unknown board" "$tmp/r1board.err" "unknown board 'NOSUCH'"
expect "row 1: BOARD=NOSUCH on a bench: no DUT was switched" "$(grep -c ' on ' "$tmp/r1board.vtlog" || true)" 0
harmless "row 1: BOARD=NOSUCH" "results/$RUN-r1a"

sed 's/"e46340474b4c2732": {"board": "RPI_PICO"/"e46340474b4c2732": {"board": "NOSUCH"/; s/vtgood/vtnosuch/' \
	"$tmp/testbeds/vtgood.json" >"$tmp/testbeds/vtnosuch.json"
bench r1inv TESTBED=vtnosuch RUN="$RUN-r1b" TESTS=basics/arith_int.py
case $(run_status r1inv) in
2 | 3) ok "row 1: a tentacle of unknown board type: status $(run_status r1inv)" ;;
*) notok "row 1: a tentacle of unknown board type: status $(run_status r1inv), want 2 or 3" ;;
esac
# the bench file is checked before anything is switched: a configuration error, one line
one_line "row 1: a tentacle of unknown board type: one line names it" "$tmp/r1inv.err" \
	"vtnosuch.json:6: board \"NOSUCH\" of tentacle 'e46340474b4c2732' has no board spec"
lacks "row 1: a tentacle of unknown board type: no jq or shell error" "$tmp/r1inv.err" "jq: error"
expect "row 1: a tentacle of unknown board type: no DUT was switched" "$(grep -c ' on ' "$tmp/r1inv.vtlog" || true)" 0
harmless "row 1: a tentacle of unknown board type" "results/$RUN-r1b"
tool r1val sh scripts/validate-specs.sh --boards boards "$tmp/testbeds/vtnosuch.json"
expect "row 1: validate-specs: an unknown board type is a problem (exit 1)" "$st" 1
one_line "row 1: validate-specs names tentacle and board" "$tmp/r1val.out" \
	"vtnosuch.json:6: board \"NOSUCH\" of tentacle 'e46340474b4c2732' has no board spec"

# ---- row 2: malformed inventory and board spec ----
mkdir -p "$tmp/proj"
cp -r Makefile mk scripts boards testbeds udev "$tmp/proj/"
printf '{\n  "name": "badjson",\n  "tentacles": {\n    "e46340474b4c2731": {"board": "RPI_PICO",}\n  }\n}\n' \
	>"$tmp/testbeds/badjson.json"
cat >"$tmp/testbeds/badtype.json" <<'INV'
{
  "name": "badtype",
  "reference_board": "RPI_PICO",
  "tentacles": {
    "e46340474b4c2731": "RPI_PICO",
    "e46340474b4c2732": {"board": "RPI_PICO", "hw_version": 3}
  }
}
INV
jq '. + {"flash_speed": 9}' boards/RPI_PICO.json >"$tmp/proj/boards/RPI_PICO.json"
printf '{\n  "name": "ESP32_DEVKIT",\n  "port": "esp32"\n  "features": []\n}\n' >"$tmp/proj/boards/ESP32_DEVKIT.json"
cp "$tmp/testbeds/badjson.json" "$tmp/testbeds/badtype.json" "$tmp/proj/testbeds/"
tool r2val make -s -C "$tmp/proj" validate
if [ "$st" != 0 ]; then ok "row 2: make validate fails on the broken files"; else notok "row 2: make validate passed"; fi
has_text "row 2: make validate: bad JSON in an inventory, with its line" "$tmp/r2val.out" "testbeds/badjson.json:4: invalid JSON"
has_text "row 2: make validate: an inventory entry of the wrong type" "$tmp/r2val.out" \
	"testbeds/badtype.json:5: tentacle 'e46340474b4c2731' must be an object {board, hw_version}"
has_text "row 2: make validate: a field of the wrong type" "$tmp/r2val.out" \
	"testbeds/badtype.json:6: unknown hw_version 3"
has_text "row 2: make validate: bad JSON in a board spec" "$tmp/r2val.out" "boards/ESP32_DEVKIT.json:4: invalid JSON"
has_text "row 2: make validate: an unknown field of a board spec" "$tmp/r2val.out" \
	"boards/RPI_PICO.json:$(grep -n flash_speed "$tmp/proj/boards/RPI_PICO.json" | cut -d: -f1): unknown field 'flash_speed'"
harmless "row 2: make validate"
tool r2ok make -s validate
expect "row 2: make validate on the shipped files: no problem" "$st:$(wc -l <"$tmp/r2ok.out")" 0:0

for inv in badjson badtype; do
	mk "r2run-$inv" TESTBED="$inv" RUN="$RUN-r2"
	make_status "row 2: make test TESTBED=$inv: a configuration error (status 2)" 2 "r2run-$inv"
	# one line per problem, each naming the file (and its line); nothing more about tentacles
	n=$(own_lines "$tmp/r2run-$inv.err" | wc -l)
	lines_with "row 2: make test TESTBED=$inv: every error line names the file" "$tmp/r2run-$inv.err" "$tmp/testbeds/$inv.json" "$n"
	if [ "$n" -ge 1 ]; then ok "row 2: make test TESTBED=$inv: $n line(s), one per problem"; else notok "row 2: make test TESTBED=$inv: no error line"; fi
	harmless "row 2: make test TESTBED=$inv" "results/$RUN-r2"
done
tool r2spec "$BIN/mp-flash" --tentacle 2731 --boards-dir "$tmp/proj/boards" --board ESP32_DEVKIT "$tmp/none.bin"
expect "row 2: mp-flash on a board spec that is no JSON: exit 2" "$st" 2
one_line "row 2: mp-flash names the spec file and line" "$tmp/r2spec.err" \
	"mp-flash: $tmp/proj/boards/ESP32_DEVKIT.json:4: invalid JSON"
echo fw >"$tmp/fw.uf2"
echo 'RPI_PICO;MicroPython v1;RPI_PICO' >"$tmp/fw.id"
tool r2field "$BIN/mp-flash" --tentacle 2731 --boards-dir "$tmp/proj/boards" --board RPI_PICO "$tmp/fw.uf2"
expect "row 2: mp-flash on a board spec with an unknown field: exit 2" "$st" 2
one_line "row 2: mp-flash names the unknown field" "$tmp/r2field.err" "unknown field 'flash_speed'"
harmless "row 2: mp-flash"

# ---- row 3: duplicate tentacle serials ----
cat >"$tmp/testbeds/vtdup.json" <<'INV'
{
  "name": "vtdup",
  "reference_board": "RPI_PICO",
  "tentacles": {
    "e46340474b4c2731": {"board": "RPI_PICO", "hw_version": "v0.3"},
    "e46340474b4c2732": {"board": "RPI_PICO", "hw_version": "v0.3"},
    "e46340474b4c2731": {"board": "ESP32_DEVKIT", "hw_version": "v0.3"}
  }
}
INV
tool r3val sh scripts/validate-specs.sh --boards boards "$tmp/testbeds/vtdup.json"
expect "row 3: validate-specs: exit 1" "$st" 1
one_line "row 3: validate-specs names the serial and its second line" "$tmp/r3val.out" \
	"vtdup.json:7: duplicate tentacle serial 'e46340474b4c2731' (jq keeps only the last entry)"
jq -n '{"e46340474b4c2731": {"board": "RPI_PICO"}}' >"$tmp/inv.json"
printf '{"e46340474b4c2731": {"board": "RPI_PICO"},\n "E46340474B4C2731": {"board": "ESP32_DEVKIT"}}\n' >"$tmp/invdup.json"
tool r3find "$BIN/tentacle-find" --inventory "$tmp/invdup.json"
expect "row 3: tentacle-find --inventory with a serial twice: exit 2" "$st" 2
one_line "row 3: tentacle-find names the file and the serial" "$tmp/r3find.err" \
	"tentacle-find: invalid inventory '$tmp/invdup.json' line 2: tentacle 'E46340474B4C2731' is listed twice"
bench r3run TESTBED=vtdup RUN="$RUN-r3" TESTS=basics/arith_int.py
make_status "row 3: make test on an inventory with a serial twice: a configuration error (status 2)" 2 r3run
one_line "row 3: make test names the serial" "$tmp/r3run.err" "duplicate tentacle serial 'e46340474b4c2731'"
expect "row 3: no DUT was switched" "$(grep -c ' on ' "$tmp/r3run.vtlog" || true)" 0
harmless "row 3" "results/$RUN-r3"

# ---- row 4: missing or empty firmware ----
vt_inventory "$tmp/testbeds/vtfw.json" vtfw RPI_PICO VIRTUAL_WASM
fwd=$tmp/firmware/RPI_PICO
mkdir -p "$fwd"
for c in missing empty empty-id; do
	rm -f "$fwd"/*
	case $c in
	missing) want="firmware: RPI_PICO (default variant): no firmware file $fwd/firmware.uf2" ;;
	empty)
		: >"$fwd/firmware.uf2"
		echo 'RPI_PICO;MicroPython v1;RPI_PICO' >"$fwd/firmware.id"
		want="firmware: RPI_PICO (default variant): empty firmware file $fwd/firmware.uf2"
		;;
	empty-id)
		echo fw >"$fwd/firmware.uf2"
		: >"$fwd/firmware.id"
		want="mp-flash: '$fwd/firmware.id' must hold one line, the firmware's identity"
		;;
	esac
	bench "r4$c" TESTBED=vtfw FIRMWARE_DIR="$tmp/firmware" RUN="$RUN-r4$c" TESTS=basics/arith_int.py
	make_status "row 4: firmware $c: status 3 (a DUT not ready)" 3 "r4$c"
	lines_with "row 4: firmware $c: one line names board and file" "$tmp/r4$c.err" "$want" 1
	has_text "row 4: firmware $c: the board is reported untested" "$tmp/r4$c.err" "testrun: not tested (DUT not ready): 2731-RPI_PICO"
	expect "row 4: firmware $c: the other board is tested" \
		"$(jq -r .verdict "results/$RUN-r4$c/2732-VIRTUAL_WASM/basics/arith_int.py.json" 2>/dev/null || echo none)" pass
	expect "row 4: firmware $c: no test result for the board without firmware" \
		"$(find "results/$RUN-r4$c/2731-RPI_PICO" -name '*.py.json' 2>/dev/null | wc -l)" 0
	harmless "row 4: firmware $c" "results/$RUN-r4$c"
	tool "r4flash$c" "$BIN/mp-flash" --tentacle 2731 --board RPI_PICO "$fwd/firmware.uf2"
	expect "row 4: mp-flash, firmware $c: exit 5 (setup)" "$st" 5
	case $c in
	missing) want="mp-flash: RPI_PICO: firmware '$fwd/firmware.uf2': No such file or directory" ;;
	empty) want="mp-flash: RPI_PICO: firmware '$fwd/firmware.uf2' is empty" ;;
	esac
	one_line "row 4: mp-flash, firmware $c: one line naming the file" "$tmp/r4flash$c.err" "$want"
done

# ---- the tests folder of the PORT runs ----
mpy=$tmp/mpy
mkdir -p "$mpy/tests/names" "$mpy/tests/enc" "$mpy/tests/nopy"
: >"$mpy/tests/run-tests.py"
# shellcheck disable=SC2016 # file names with a $, not expansions
weird=('a b.py' 'd$x.py' 'p%c.py' 'c:o.py' 'h#s.py' 's*t.py')
echo 'print(1)' >"$mpy/tests/names/ok.py"
for n in "${weird[@]}"; do echo 'print(2)' >"$mpy/tests/names/$n"; done
# output with a NUL and bytes that are no UTF-8; the .exp files hold the same bytes (one differs)
printf 'import sys\nsys.stdout.write("a\\x00b\\n")\nsys.stdout.buffer.write(b"\\xff\\xfe\\x80\\xc3(\\n")\nprint("end")\n' \
	>"$mpy/tests/enc/bytes.py"
printf 'a\0b\n\377\376\200\303(\nend\n' >"$mpy/tests/enc/bytes.py.exp"
cp "$mpy/tests/enc/bytes.py" "$mpy/tests/enc/bytes_differ.py"
printf 'a\0b\n\377\376\201\303(\nend\n' >"$mpy/tests/enc/bytes_differ.py.exp"
echo 'print(3)' >"$mpy/tests/nopy/noexp.py"

# ---- row 5: MPY_DIR that is not a MicroPython checkout ----
mkdir -p "$tmp/notmpy/tests"
mk r5 PORTS="$tmp/vb0" MPY_DIR="$tmp/notmpy" RUN="$RUN-r5"
make_status "row 5: MPY_DIR not a checkout: status 2" 2 r5
one_line "row 5: MPY_DIR not a checkout: one line naming it" "$tmp/r5.err" \
	"testrun: MPY_DIR='$tmp/notmpy' is not a MicroPython checkout (no tests/run-tests.py)"
expect "row 5: no result folder made" "$([ -e "results/$RUN-r5" ] && echo made || echo none)" none
harmless "row 5"

# ---- row 6: TESTS matching nothing ----
for sel in nosuch/ 'zz*.py'; do
	mk r6 PORTS="$tmp/vb0 $tmp/vb1" MPY_DIR="$mpy" TESTS="$sel" RUN="$RUN-r6"
	make_status "row 6: TESTS='$sel': a configuration error (status 2)" 2 r6
	one_line "row 6: TESTS='$sel': one line naming the selection" "$tmp/r6.err" "'$sel' matches no test in '$mpy/tests'"
	harmless "row 6: TESTS='$sel'" "results/$RUN-r6"
done
echo '{}' >"$tmp/target.json"
tool r6sel sh scripts/select-tests.sh "$mpy/tests" "$tmp/target.json" nosuch/
expect "row 6: select-tests.sh: exit 2" "$st" 2
one_line "row 6: select-tests.sh: one line" "$tmp/r6sel.err" "select-tests: 'nosuch/' matches no test in '$mpy/tests'"

# ---- row 7: test names with blanks and make metacharacters ----
mk r7 PORTS="$tmp/vb0 $tmp/vb1" MPY_DIR="$mpy" TESTS=names/ RUN="$RUN-r7"
expect "row 7: the run ends with status 0 (the other tests passed)" "$st" 0
for n in "${weird[@]}"; do
	for b in vb0 vb1; do
		lines_with "row 7: $b: '$n' reported, not run" "$tmp/r7.err" "$b: test name names/$n has characters make cannot handle: not run" 1
	done
done
expect "row 7: only ok.py ran, on both boards" \
	"$(cd "results/$RUN-r7" && find vb0 vb1 -name '*.py.json' | sort | paste -sd, -)" "vb0/names/ok.py.json,vb1/names/ok.py.json"
expect "row 7: ok.py passed on both" "$(jq -r .verdict "results/$RUN-r7"/vb[01]/names/ok.py.json | paste -sd, -)" pass,pass
expect "row 7: no other line on stderr" "$(own_lines "$tmp/r7.err" | grep -cv -e 'has characters make cannot handle' -e '^testrun: 2 board(s)' || true)" 0
harmless "row 7" "results/$RUN-r7"

# ---- row 9: NUL and non-UTF-8 bytes in the output ----
for t in bytes bytes_differ; do
	want=0 verdict=pass
	[ $t = bytes ] || want=1 verdict=fail
	tool "r9$t" "$BIN/mp-runtest" --port "$tmp/vb0" --tests-dir "$mpy/tests" --result "$tmp/r9$t.json" \
		--out-dir "$tmp/r9failed" "$mpy/tests/enc/$t.py"
	expect "row 9: mp-runtest enc/$t.py: exit $want" "$st" "$want"
	expect "row 9: enc/$t.py: verdict (the result parses as JSON)" "$(jq -r .verdict "$tmp/r9$t.json" 2>&1)" "$verdict"
done
if cmp -s "$tmp/r9failed/enc_bytes_differ.py.out" "$mpy/tests/enc/bytes.py.exp"; then
	ok "row 9: the .out file holds the board's bytes as they came"
else notok "row 9: enc_bytes_differ.py.out: $(od -c "$tmp/r9failed/enc_bytes_differ.py.out" 2>&1 | head -n 3)"; fi
mk r9 PORTS="$tmp/vb0" MPY_DIR="$mpy" TESTS=enc/ RUN="$RUN-r9"
make_status "row 9: the run: status 1 (a test failed)" 1 r9
has_text "row 9: the report counts both tests" "$tmp/r9.out" "total: 1 passed, 1 failed, 0 skipped on 1 boards"
bad=""
for f in "results/$RUN-r9"/vb0/enc/*.json "results/$RUN-r9"/vb0/_results.json "results/$RUN-r9"/summary.json; do
	jq -e . "$f" >/dev/null 2>&1 || bad="$bad $f"
done
xmllint --noout "results/$RUN-r9/junit.xml" 2>/dev/null || bad="$bad junit.xml"
expect "row 9: every result file and report parses (jq, xmllint)" "${bad:-none}" none
tool r9report make -s report RUN="$RUN-r9"
has_text "row 9: make report works again from the files" "$tmp/r9report.out" "vb0: 1 tests failed: enc/bytes_differ.py"
harmless "row 9" "results/$RUN-r9"

# ---- row 10: no CPython for the expected output ----
tool r10exp env MICROPY_CPYTHON3=/nonexistent "$BIN/mp-exp" "$mpy/tests/nopy/noexp.py" "$tmp/noexp.exp"
expect "row 10: mp-exp with MICROPY_CPYTHON3=/nonexistent: exit 4" "$st" 4
one_line "row 10: mp-exp: one line naming the program and the test" "$tmp/r10exp.err" \
	"mp-exp: cannot run '/nonexistent': No such file or directory, for the expected output of '$mpy/tests/nopy/noexp.py' (install python3 or give an .exp file)"
mkdir "$tmp/emptybin"
tool r10path env PATH="$tmp/emptybin" "$BIN/mp-exp" "$mpy/tests/nopy/noexp.py" "$tmp/noexp.exp"
expect "row 10: mp-exp with no python3 in PATH: exit 4" "$st" 4
one_line "row 10: mp-exp: one line" "$tmp/r10path.err" "mp-exp: cannot run 'python3': No such file or directory"
expect "row 10: mp-exp wrote no output file" "$(find "$tmp" -maxdepth 1 -name 'noexp.exp*' | wc -l)" 0
tool r10run env MICROPY_CPYTHON3=/nonexistent "$BIN/mp-runtest" --port "$tmp/vb0" --tests-dir "$mpy/tests" \
	--result "$tmp/r10.json" "$mpy/tests/nopy/noexp.py"
expect "row 10: mp-runtest: exit 4 (local trouble)" "$st" 4
one_line "row 10: mp-runtest: one line" "$tmp/r10run.err" "mp-runtest: cannot run '/nonexistent': No such file or directory, for the expected output of '$mpy/tests/nopy/noexp.py'"
MICROPY_CPYTHON3=/nonexistent mk r10 PORTS="$tmp/vb0" MPY_DIR="$mpy" TESTS=nopy/ RUN="$RUN-r10"
make_status "row 10: the run: status 1 (the test fails)" 1 r10
lines_with "row 10: the run: one line says CPython is missing" "$tmp/r10.err" "cannot run '/nonexistent'" 1
expect "row 10: the run: the test fails" "$(jq -r .verdict "results/$RUN-r10/vb0/nopy/noexp.py.json" 2>/dev/null || echo none)" fail
harmless "row 10" "results/$RUN-r10"

# ---- row 11: a port that is not a tty ----
: >"$tmp/regular"
mkdir "$tmp/adir"
echo 'print(1)' >"$tmp/t.py"
echo 1 >"$tmp/t.py.exp"
for p in "$tmp/regular" /dev/null "$tmp/adir"; do
	rm -f "$tmp/r11.json"
	tool r11 "$BIN/mp-runtest" --port "$p" -t 5 --enter-timeout 3 --result "$tmp/r11.json" "$tmp/t.py"
	case $p in
	"$tmp/adir") what="a folder" ;;
	/dev/null) what="a memory device" ;;
	*) what="a regular file" ;;
	esac
	expect "row 11: mp-runtest --port $p: exit 2" "$st" 2
	one_line "row 11: mp-runtest --port $p: one line" "$tmp/r11.err" "mp-runtest: '$p' is not a serial port ($what)"
	expect "row 11: mp-runtest --port $p: no result file" "$([ -e "$tmp/r11.json" ] && echo written || echo none)" none
	mk r11run PORT="$p" RUN="$RUN-r11" TESTS=basics/arith_int.py
	make_status "row 11: make test PORT=$p: a configuration error (status 2)" 2 r11run
	one_line "row 11: make test PORT=$p: one line naming it" "$tmp/r11run.err" "'$p'"
	expect "row 11: make test PORT=$p: no result file" "$(find "results/$RUN-r11" -name '*.json' 2>/dev/null | wc -l)" 0
	harmless "row 11: PORT=$p" "results/$RUN-r11"
	rm -rf "results/$RUN-r11"
done

# ---- row 12: a port held by another program ----
flock "$tmp/vb0" sleep 120 &
holder=$!
tb_pids="$tb_pids $holder"
sleep 0.3
tool r12 "$BIN/mp-runtest" --port "$tmp/vb0" -t 5 --result "$tmp/r12.json" "$tmp/t.py"
expect "row 12: mp-runtest on a locked port: exit 3" "$st" 3
one_line "row 12: mp-runtest: one line" "$tmp/r12.err" "mp-runtest: port '$tmp/vb0' is busy: another program has it open and locked"
expect "row 12: mp-runtest: no result file" "$([ -e "$tmp/r12.json" ] && echo written || echo none)" none
mk r12run PORTS="$tmp/vb0 $tmp/vb1" RUN="$RUN-r12" TESTS=basics/arith_int.py
make_status "row 12: make test with one port busy: status 3" 3 r12run
has_text "row 12: make test: the busy port is named" "$tmp/r12run.err" "port '$tmp/vb0' is busy"
has_text "row 12: make test: ... and the board left untested" "$tmp/r12run.err" "testrun: not tested (busy or not answering, see above): vb0"
expect "row 12: make test: nothing else said (but the run's banner)" "$(own_lines "$tmp/r12run.err" | grep -vc '^testrun: 1 board(s): vb1;')" 2
expect "row 12: make test: the other board is tested" \
	"$(jq -r .verdict "results/$RUN-r12/vb1/basics/arith_int.py.json" 2>/dev/null || echo none)" pass
if kill -0 $holder 2>/dev/null; then ok "row 12: the other program still holds its port"; else notok "row 12: the holder ended"; fi
kill $holder 2>/dev/null || true
wait $holder 2>/dev/null || true
harmless "row 12" "results/$RUN-r12"

# ---- row 8: a test that prints 100 MB ----
# the kept output must not pass even when the .exp equals it: first a run that keeps its .out, then
# the same test with that .out as its .exp (4 MB of output, a 1 MiB cap)
printf 's = "y" * 1023\nfor i in range(4096):\n    print(s)\n' >"$tmp/big4/big4.py"
echo nothing >"$tmp/big4/big4.py.exp"
tool r8a "$BIN/mp-runtest" --port "$tmp/vb1" --output-cap 1048576 --tests-dir "$tmp/big4" --out-dir "$tmp/big4/failed" \
	--result "$tmp/big4/a.json" "$tmp/big4/big4.py"
cp "$tmp/big4/failed/big4.py.out" "$tmp/big4/big4.py.exp" 2>/dev/null || true
tool r8b "$BIN/mp-runtest" --port "$tmp/vb1" --output-cap 1048576 --tests-dir "$tmp/big4" \
	--result "$tmp/big4/b.json" "$tmp/big4/big4.py"
expect "row 8: output over the cap, .exp equal to the kept part: not a pass (exit 1)" "$st" 1
expect "row 8: ... its verdict" "$(jq -r .verdict "$tmp/big4/b.json" 2>&1)" fail
st=0
wait $big_pid || st=$?
expect "row 8: 100 MB of output, 1 MiB cap: exit 1 (failed)" "$st" 1
one_line "row 8: one line says the output was cut" "$tmp/big/err" "mp-runtest: $tmp/vbig: output over 1048576 bytes: the rest was discarded"
expect "row 8: verdict and flag in the result" "$(jq -r '"\(.verdict) \(.output_truncated)"' "$tmp/big/r.json" 2>&1)" "fail true"
has_text "row 8: the reason names the cap" "$tmp/big/r.json" '"reason":"output over 1048576 bytes'
if [ -n "$timebin" ]; then
	rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tmp/big/time")
	if [ "${rss:-999999}" -lt 65536 ]; then ok "row 8: memory stays bounded (max RSS $rss KiB for 100 MB of output)"
	else notok "row 8: max RSS ${rss:-?} KiB"; fi
else
	notok "row 8: /usr/bin/time is not installed: memory NOT measured"
fi
harmless "row 8"
finish
