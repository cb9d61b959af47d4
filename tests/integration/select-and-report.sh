#!/bin/sh
# scripts/select-tests.sh and scripts/report.sh on hand-made trees: the default folders by the board's
# features, every kind of skip rule, selections (folders, files, globs, spaces, no match), skip files; the
# reports of a run folder (_results.json, summary.json, junit.xml against tests/junit.xsd, the text
# summary, the exit status) and the speed of both on full-size inputs.
# Environment: SELECT, REPORT (the scripts under test), XSD (default tests/junit.xsd),
# SELECT_MAX_MS / REPORT_MAX_MS (time limits of the speed checks, default 2000 / 10000).
set -eu
export LC_ALL=C
cd "$(dirname "$0")/../.."
SELECT=${SELECT:-scripts/select-tests.sh}
REPORT=${REPORT:-scripts/report.sh}
XSD=${XSD:-tests/junit.xsd}
SELECT_MAX_MS=${SELECT_MAX_MS:-2000}
REPORT_MAX_MS=${REPORT_MAX_MS:-10000}

. tests/lib.sh
TAB=$(printf '\t')

now_ms() { echo $(($(date +%s%N) / 1000000)); }

for tool in jq xmllint; do
	if ! command -v $tool >/dev/null 2>&1; then
		notok "$tool is missing: install it (scripts/setup.sh)"
		finish
	fi
done
for f in "$SELECT" "$REPORT" "$XSD"; do
	if [ ! -f "$f" ]; then
		echo "not ok - $f is missing"
		echo "0 passed, 1 failed"
		exit 1
	fi
done

# touch_tests DIR NAME...: empty test files (and their folders)
touch_tests() {
	d=$1
	shift
	for f; do
		mkdir -p "$d/$(dirname "$f")"
		: >"$d/$f"
	done
}
# target FILE JSON: a hand-written probe
target() { printf '%s\n' "$2" >"$1"; }

########################################################################################################
# select-tests.sh

T=$tmp/tests
touch_tests "$T" \
	basics/int1.py basics/with\ space.py basics/native_gen.py basics/foo_endian.py basics/int_big_mul.py \
	basics/pow_intbig.py basics/ffi_int_x.py basics/int_64_add.py basics/mul_int64.py basics/bytearray_ops.py \
	basics/ops_bytearray.py basics/set_ops.py basics/frozenset_ops.py basics/frozen_set.py basics/list_slice.py \
	basics/async_def.py basics/await_async.py basics/const_expr.py basics/class_reverse_op.py \
	basics/string_fstring_a.py basics/string_tstring_a.py basics/tmpl_tstring.py basics/builtin_range.py \
	basics/class_dict_order.py basics/exception_chain.py basics/class_inplace_op.py basics/io_iobase.py \
	basics/string_strip.py basics/try_reraise.py basics/sub/deep.py \
	micropython/viper_ptr.py micropython/meminfo.py micropython/opt_level_lineno.py micropython/mp1.py \
	extmod/asyncio_loop.py extmod/json_dumps_float.py extmod/json_loads.py extmod/time_time_ns.py extmod/e1.py \
	float/float_struct_e.py float/float_divmod.py float/complex1.py float/f1.py \
	misc/print_exception.py misc/m1.py stress/list_sort.py stress/s1.py unicode/u1.py \
	thread/mutate_list.py thread/thread_lock2.py thread/stress_heap.py thread/thread_ok.py \
	inlineasm/thumb/asmbcc.py inlineasm/thumb/asmsum.py inlineasm/rv32/asm_add.py \
	ports/stm32/pyb1.py ports/cc3200/wipy1.py ports/unix/ffi_x.py ports/unix/ffi_float.py \
	cmdline/cmd_parsetree.py
: >"$T/basics/int1.py.exp"
: >"$T/basics/notes.txt"
: >"$T/basics/.hidden.py"

A=$tmp/target-all.json
target "$A" '{"platform":"pyboard","arch":"armv7emsp","float_prec":32,"unicode":true,"thread":"GIL",
 "error_reporting":"normal","native":true,"int_big":true,"int_64":true,"bytearray":true,"set":true,
 "slice":true,"async":true,"const":true,"fstring":true,"tstring":true,"complex":true,"coverage":true,
 "reverse_ops":true,"inlineasm":"thumb","thumb2":true,"endian_matches_host":true}'
N=$tmp/target-none.json
target "$N" '{"platform":"esp8266","arch":"xtensa","float_prec":0,"unicode":false,"thread":null,
 "error_reporting":"terse","native":false,"int_big":false,"int_64":false,"bytearray":false,"set":false,
 "slice":false,"async":false,"const":false,"fstring":false,"tstring":false,"complex":false,"coverage":false,
 "reverse_ops":false,"inlineasm":null,"endian_matches_host":false}'
E=$tmp/target-empty.json
target "$E" '{}'

# dirs_of FILE: the folders of the listed tests
dirs_of() { cut -f1 "$1" | sed 's#/[^/]*$##' | sort -u | tr '\n' ' '; }

# default folders by features
check "select: a board with everything, defaults" 0 "$SELECT" "$T" "$A"
same "select: defaults with float, unicode, thread, inlineasm/thumb, ports/stm32 (pyboard)" \
	"basics extmod float inlineasm/thumb micropython misc ports/stm32 stress thread unicode " "$(dirs_of "$tmp/o")"
same "select: a board with everything (not a PC, 32-bit float) runs every default test but these" \
	"basics/exception_chain.py float/float_divmod.py micropython/meminfo.py " \
	"$(grep -v "${TAB}run$TAB\$" "$tmp/o" | cut -f1 | tr '\n' ' ' || true)"
same "select: only top-level *.py of a folder (no .exp, .txt, hidden or sub-folder files)" "" \
	"$(grep -E 'int1\.py\.exp|notes|hidden|deep' "$tmp/o" || true)"
same "select: a name with a space is listed" "basics/with space.py${TAB}run$TAB" "$(grep '^basics/with space' "$tmp/o")"
same "select: output sorted (C locale)" "$(cut -f1 "$tmp/o" | sort)" "$(cut -f1 "$tmp/o")"

check "select: a board with nothing, defaults" 0 "$SELECT" "$T" "$N"
same "select: no float, unicode, thread, inline asm; ports/esp8266 absent" \
	"basics extmod micropython misc stress " "$(dirs_of "$tmp/o")"
check "select: an empty target (every key missing), defaults" 0 "$SELECT" "$T" "$E"
same "select: a missing key means supported (float, unicode, thread) but no arch folders" \
	"basics extmod float micropython misc stress thread unicode " "$(dirs_of "$tmp/o")"
same "select: a missing key skips nothing" "" "$(grep -v "${TAB}run$TAB\$" "$tmp/o" || true)"
target "$tmp/wipy.json" '{"platform":"WiPy","float_prec":30,"unicode":true,"thread":null,"inlineasm":"rv32"}'
check "select: WiPy defaults" 0 "$SELECT" "$T" "$tmp/wipy.json"
same "select: WiPy runs ports/cc3200 and inlineasm/rv32, float (30 bits), no thread" \
	"basics extmod float inlineasm/rv32 micropython misc ports/cc3200 stress unicode " "$(dirs_of "$tmp/o")"
target "$tmp/linux.json" '{"platform":"linux","float_prec":64,"unicode":true,"thread":"GIL","inlineasm":null}'
check "select: linux defaults" 0 "$SELECT" "$T" "$tmp/linux.json"
same "select: linux runs ports/unix" "basics extmod float micropython misc ports/unix stress thread unicode " \
	"$(dirs_of "$tmp/o")"
mkdir -p "$tmp/small/basics" "$tmp/nothing"
: >"$tmp/small/basics/a.py"
check "select: folders that do not exist are ignored" 0 "$SELECT" "$tmp/small" "$A"
same "select: only basics in a tree with only basics" "basics/a.py${TAB}run$TAB" "$(cat "$tmp/o")"
check "select: a tree without any default folder is an error (exit 2)" 2 "$SELECT" "$tmp/nothing" "$A"

# every skip rule: TARGET TEST EXPECTED-LINE (all selected at once per target, looked up one by one)
cat >"$tmp/expect" <<EOF
N	basics/native_gen.py	skip	no native emitter
N	micropython/viper_ptr.py	skip	no native emitter
N	basics/foo_endian.py	skip	byte order differs from the host
N	basics/int_big_mul.py	skip	no big integers
N	basics/pow_intbig.py	skip	no big integers
N	basics/ffi_int_x.py	skip	no big integers
N	basics/int_64_add.py	skip	no 64-bit integers
N	basics/mul_int64.py	skip	no 64-bit integers
N	basics/bytearray_ops.py	skip	no bytearray
N	basics/ops_bytearray.py	skip	no bytearray
N	basics/set_ops.py	skip	no set type
N	basics/frozenset_ops.py	skip	no set type
N	basics/frozen_set.py	skip	no set type
N	basics/list_slice.py	skip	no slice
N	basics/builtin_range.py	skip	no slice
N	basics/async_def.py	skip	no async/await
N	basics/await_async.py	skip	no async/await
N	extmod/asyncio_loop.py	skip	no async/await
N	basics/const_expr.py	skip	no const
N	basics/class_reverse_op.py	skip	no reverse operators
N	basics/string_fstring_a.py	skip	no f-strings
N	basics/string_tstring_a.py	skip	no t-strings
N	basics/tmpl_tstring.py	skip	no t-strings
N	inlineasm/rv32/asm_add.py	skip	no inline assembler
N	extmod/json_dumps_float.py	skip	no float
N	float/float_struct_e.py	skip	float precision 0 < 32
N	float/float_divmod.py	skip	float precision 0 < 64
N	extmod/json_loads.py	skip	no unicode
N	float/complex1.py	skip	no complex numbers
N	basics/class_dict_order.py	skip	not a coverage build
N	cmdline/cmd_parsetree.py	skip	not a coverage build
N	basics/exception_chain.py	skip	platform esp8266 (not linux, darwin or win32)
N	micropython/meminfo.py	skip	platform esp8266 (not linux, darwin or win32)
N	stress/list_sort.py	skip	platform esp8266
N	micropython/opt_level_lineno.py	skip	error reporting terse
N	misc/print_exception.py	skip	error reporting terse
N	ports/unix/ffi_float.py	skip	no float
N	basics/int1.py	run	
N	basics/with space.py	run	
N	thread/mutate_list.py	run	
A	inlineasm/thumb/asmbcc.py	run	
A	float/float_divmod.py	skip	float precision 32 < 64
A	float/float_struct_e.py	run	
A	basics/exception_chain.py	skip	platform pyboard (not linux, darwin or win32)
A	basics/native_gen.py	run	
L	basics/exception_chain.py	run	
L	micropython/meminfo.py	run	
L	float/float_divmod.py	run	
L	inlineasm/rv32/asm_add.py	skip	no inline assembler
L	thread/mutate_list.py	run	
U	thread/mutate_list.py	skip	thread unsafe
U	thread/thread_ok.py	run	
U	thread/thread_lock2.py	skip	platform rp2
U	thread/stress_heap.py	skip	platform rp2
U	inlineasm/thumb/asmbcc.py	skip	no Thumb-2 inline assembler
U	inlineasm/thumb/asmsum.py	run	
U	float/float_struct_e.py	skip	float precision 30 < 32
U	misc/print_exception.py	skip	error reporting none
W	basics/string_strip.py	skip	platform webassembly
W	basics/class_inplace_op.py	run	
M	basics/class_inplace_op.py	skip	platform minimal
R	basics/io_iobase.py	skip	platform nrf
S	extmod/time_time_ns.py	skip	platform renesas-ra
Y	misc/print_exception.py	skip	platform WiPy
Z	thread/stress_heap.py	skip	platform zephyr
Z	thread/thread_lock2.py	run	
EOF
target "$tmp/t-L.json" '{"platform":"linux","float_prec":64,"inlineasm":null,"thread":"GIL"}'
target "$tmp/t-U.json" '{"platform":"rp2","float_prec":30,"thread":"unsafe","inlineasm":"thumb","thumb2":false,
 "error_reporting":"none"}'
target "$tmp/t-W.json" '{"platform":"webassembly"}'
target "$tmp/t-M.json" '{"platform":"minimal"}'
target "$tmp/t-R.json" '{"platform":"nrf"}'
target "$tmp/t-S.json" '{"platform":"renesas-ra"}'
target "$tmp/t-Y.json" '{"platform":"WiPy","error_reporting":"detailed"}'
target "$tmp/t-Z.json" '{"platform":"zephyr"}'
cp "$N" "$tmp/t-N.json"
cp "$A" "$tmp/t-A.json"
everything="basics micropython extmod float misc stress unicode thread inlineasm/thumb inlineasm/rv32 ports/unix cmdline"
for k in N A L U W M R S Y Z; do
	# shellcheck disable=SC2086 # the folder list is split on purpose
	if "$SELECT" "$T" "$tmp/t-$k.json" $everything >"$tmp/out-$k" 2>"$tmp/e"; then
		:
	else
		notok "select: target $k: exit $?"
		sed 's/^/#   /' "$tmp/e"
	fi
done
while IFS="$TAB" read -r k t st why; do
	same "select: rule: target $k: $t: $st${why:+ ($why)}" "$t$TAB$st$TAB$why" \
		"$(grep -F "$t$TAB" "$tmp/out-$k" || echo "(not listed)")"
done <"$tmp/expect"

# --emit native
check "select: --emit native" 0 "$SELECT" --emit native "$T" "$tmp/t-L.json" basics
same "select: --emit native skips the native emitter's list" "basics/try_reraise.py${TAB}skip${TAB}emit native" \
	"$(grep '^basics/try_reraise.py' "$tmp/o")"
check "select: --emit=bytecode" 0 "$SELECT" --emit=bytecode "$T" "$tmp/t-L.json" basics
same "select: bytecode runs basics/try_reraise.py" "basics/try_reraise.py${TAB}run$TAB" \
	"$(grep '^basics/try_reraise.py' "$tmp/o")"
check "select: --emit bogus is a usage error" 2 "$SELECT" --emit bogus "$T" "$A"

# skip files
printf '%s\r\n' "# board spec skips" "" "basics/int1.py${TAB}flaky on this board" "thread/*${TAB}no RAM for threads" \
	"basics/with space.py" >"$tmp/skips"
check "select: --skip-file" 0 "$SELECT" --skip-file "$tmp/skips" "$T" "$tmp/t-L.json" basics thread
same "select: skip file: exact name and its reason" "basics/int1.py${TAB}skip${TAB}flaky on this board" \
	"$(grep '^basics/int1.py' "$tmp/o")"
same "select: skip file: a glob" "thread/thread_ok.py${TAB}skip${TAB}no RAM for threads" \
	"$(grep '^thread/thread_ok.py' "$tmp/o")"
same "select: skip file: no reason given" "basics/with space.py${TAB}skip${TAB}listed in $tmp/skips" \
	"$(grep '^basics/with space.py' "$tmp/o")"
same "select: skip file: run-tests.py's own rules come first" "basics/class_dict_order.py${TAB}run$TAB" \
	"$(grep '^basics/class_dict_order.py' "$tmp/o")"
check "select: a missing skip file is an error" 2 "$SELECT" --skip-file "$tmp/none" "$T" "$A"

# selections
check "select: a folder" 0 "$SELECT" "$T" "$A" basics
cp "$tmp/o" "$tmp/basics"
same "select: a folder lists its top-level tests" "$(find "$T/basics" -maxdepth 1 -name '*.py' ! -name '.*' | sed "s#^$T/##" | sort)" \
	"$(cut -f1 "$tmp/basics")"
check "select: a folder with a slash" 0 "$SELECT" "$T" "$A" basics/
same "select: basics/ = basics" "$(cat "$tmp/basics")" "$(cat "$tmp/o")"
check "select: ./basics//" 0 "$SELECT" "$T" "$A" ./basics//
same "select: ./basics// = basics" "$(cat "$tmp/basics")" "$(cat "$tmp/o")"
check "select: a file" 0 "$SELECT" "$T" "$N" extmod/json_loads.py
same "select: one file, one line" "extmod/json_loads.py${TAB}skip${TAB}no unicode" "$(cat "$tmp/o")"
check "select: a file with a space" 0 "$SELECT" "$T" "$A" "basics/with space.py"
same "select: the file with a space" "basics/with space.py${TAB}run$TAB" "$(cat "$tmp/o")"
check "select: a glob" 0 "$SELECT" "$T" "$A" 'basics/int*.py'
same "select: basics/int*.py" "basics/int1.py basics/int_64_add.py basics/int_big_mul.py " \
	"$(cut -f1 "$tmp/o" | tr '\n' ' ')"
check "select: a glob over files of every kind" 0 "$SELECT" "$T" "$A" 'basics/int1*'
same "select: a glob keeps only .py files" "basics/int1.py" "$(cut -f1 "$tmp/o")"
check "select: a glob matching folders" 0 "$SELECT" "$T" "$A" 'inlineasm/*'
same "select: inlineasm/* lists both arch folders" \
	"inlineasm/rv32/asm_add.py inlineasm/thumb/asmbcc.py inlineasm/thumb/asmsum.py " \
	"$(cut -f1 "$tmp/o" | tr '\n' ' ')"
check "select: several selections, overlapping" 0 "$SELECT" "$T" "$A" misc basics/int1.py 'stress/s*.py' basics/int1.py
same "select: several: union, sorted, no duplicates" "basics/int1.py misc/m1.py misc/print_exception.py stress/s1.py " \
	"$(cut -f1 "$tmp/o" | tr '\n' ' ')"
check "select: a selection that matches nothing (exit 2)" 2 "$SELECT" "$T" "$A" basics xyz
same "select: the no-match message" "select-tests: 'xyz' matches no test in '$T'" "$(cat "$tmp/e")"
check "select: a glob that matches nothing (exit 2)" 2 "$SELECT" "$T" "$A" 'basics/zz*.py'
mkdir -p "$T/empty"
check "select: a folder without tests (exit 2)" 2 "$SELECT" "$T" "$A" empty
check "select: a sub-folder of a test folder" 0 "$SELECT" "$T" "$A" basics/sub
same "select: basics/sub" "basics/sub/deep.py${TAB}run$TAB" "$(cat "$tmp/o")"

# names the output cannot carry, bad arguments
mkdir -p "$tmp/bad/basics"
: >"$tmp/bad/basics/a${TAB}b.py"
check "select: a name with a tab is refused (exit 2)" 2 "$SELECT" "$tmp/bad" "$A"
if grep -q 'tab or newline' "$tmp/e"; then ok "select: the tab message says why"; else notok "select: tab message: $(cat "$tmp/e")"; fi
rm -f "$tmp/bad/basics/a${TAB}b.py"
: >"$tmp/bad/basics/a
b.py"
check "select: a name with a newline is refused (exit 2)" 2 "$SELECT" "$tmp/bad" "$A" basics
check "select: --help" 0 "$SELECT" --help
if grep -q '^usage: select-tests.sh' "$tmp/o"; then ok "select: help on stdout"; else notok "select: help on stdout"; fi
check "select: an unknown option (exit 2)" 2 "$SELECT" --bogus "$T" "$A"
check "select: too few arguments (exit 2)" 2 "$SELECT" "$T"
check "select: TESTS_DIR not a folder (exit 2)" 2 "$SELECT" "$tmp/none" "$A"
check "select: TARGET_JSON missing (exit 2)" 2 "$SELECT" "$T" "$tmp/none.json"
echo '[1, 2]' >"$tmp/array.json"
check "select: TARGET_JSON not an object (exit 2)" 2 "$SELECT" "$T" "$tmp/array.json"
echo '{"platform":' >"$tmp/broken.json"
check "select: TARGET_JSON not JSON (exit 2)" 2 "$SELECT" "$T" "$tmp/broken.json"

# speed: a full-size tests folder (about 900 files)
B=$tmp/bigtests
for d in basics:576 micropython:109 extmod:205 float:69 misc:14 stress:13; do
	dir=${d%%:*} count=${d#*:}
	mkdir -p "$B/$dir"
	i=0
	while [ $i -lt "$count" ]; do
		: >"$B/$dir/t$i.py"
		i=$((i + 1))
	done
done
cp "$T"/basics/*.py "$B/basics/"
t0=$(now_ms)
check "select: about 1000 files" 0 "$SELECT" --skip-file "$tmp/skips" "$B" "$tmp/t-L.json"
ms=$(($(now_ms) - t0))
n=$(find "$B" -name '*.py' ! -path '*/sub/*' | wc -l | tr -d ' ')
same "select: $n files, $n lines" "$n" "$(wc -l <"$tmp/o" | tr -d ' ')"
if [ "$ms" -le "$SELECT_MAX_MS" ]; then
	ok "select: $n files in $ms ms (limit $SELECT_MAX_MS)"
else
	notok "select: $n files in $ms ms, over the limit of $SELECT_MAX_MS"
fi

########################################################################################################
# report.sh

# result RUN BOARD TEST VERDICT REASON DURATION_MS TESTCASES [OUTPUT [DIFF]]: one result file as
# mp-runtest writes it (OUTPUT and DIFF are jq string literals, so that they can hold any character)
result() {
	mkdir -p "$1/$2/$(dirname "$3")"
	jq -nc --arg t "$3" --arg b "$2" --arg v "$4" --arg r "$5" --argjson d "$6" --argjson c "$7" \
		"{test: \$t, board: \$b, port: \"/dev/null\", verdict: \$v, reason: \$r, duration_ms: \$d,
		  testcases: \$c, expected_from: \"exp\", output: ${8:-\"\"}, regex_exp: false}
		 + (${9:-null} | if . == null then {} else {diff: .} end)" >"$1/$2/$3.json"
}

R=$tmp/run
mkdir -p "$R/vb0" "$R/vb1" "$R/logs"
target "$R/vb0/target.json" '{"board":"vb0","platform":"webassembly","float_prec":64,"unicode":true,"thread":null}'
target "$R/vb1/target.json" '{"board":"vb1","platform":"rp2","float_prec":32}'
result "$R" vb0 basics/int1.py pass "" 41 3
result "$R" vb0 basics/list1.py pass "" 1500 4
result "$R" vb0 "basics/with space.py" fail "output differs" 250 2 \
	'"a<b & \"c\" \u0001\u001b[0m\u0000 ]]> \r\nend\n"' '"--- exp\n+++ out\n-a < b\n+a<b & \"c\" \u0007\n"'
result "$R" vb0 extmod/skipped.py skip "no float" 3 0
result "$R" vb0 extmod/big.py lrge "" 7 0
result "$R" vb0 misc/hang.py timeout "" 30000 0 '"partial"'
result "$R" vb0 misc/reset.py error "cannot enter the raw REPL" 20 0
result "$R" vb1 basics/int1.py pass "" 12 3
: >"$R/vb0/basics/int1.py.out"          # not a result
echo '{}' >"$R/vb0/notes.json"           # not a result
echo '{"stale": true}' >"$R/vb0/_results.json" # replaced, never read
: >"$R/logs/run.log"                     # a folder without results is not a board
echo '{"stale": true}' >"$R/summary.json"

check "report: a run with failures exits 1" 1 "$REPORT" "$R"
cat >"$tmp/want" <<EOF
vb0: 5 tests performed (9 individual testcases)
vb0: 2 tests passed
vb0: 1 tests skipped: extmod/skipped.py
vb0: 1 tests skipped because they are too large: extmod/big.py
vb0: 3 tests failed: basics/with space.py misc/hang.py misc/reset.py
vb1: 1 tests performed (3 individual testcases)
vb1: 1 tests passed
total: 3 passed, 3 failed, 2 skipped on 2 boards
EOF
same "report: text summary" "$(cat "$tmp/want")" "$(cat "$tmp/o")"
same "report: nothing on stderr" "" "$(cat "$tmp/e")"

same "report: vb0/_results.json in run-tests.py's format" \
	'{"args":{"board":"vb0","platform":"webassembly","float_prec":64,"unicode":true,"thread":null},"results":[["basics/int1.py","pass",""],["basics/list1.py","pass",""],["basics/with space.py","fail","output differs"],["extmod/big.py","skip","too large"],["extmod/skipped.py","skip","no float"],["misc/hang.py","fail","timeout"],["misc/reset.py","fail","cannot enter the raw REPL"]],"failed_tests":["basics/with space.py","misc/hang.py","misc/reset.py"]}' \
	"$(jq -c . "$R/vb0/_results.json")"
same "report: vb1/_results.json" \
	'{"args":{"board":"vb1","platform":"rp2","float_prec":32},"results":[["basics/int1.py","pass",""]],"failed_tests":[]}' \
	"$(jq -c . "$R/vb1/_results.json")"
same "report: no _results.json for a folder without results" "no" "$([ -e "$R/logs/_results.json" ] && echo yes || echo no)"

same "report: summary.json per board" \
	'{"passed":2,"failed":1,"skipped":2,"timeout":1,"error":1,"total":7,"duration_ms":31821,"failed_tests":["basics/with space.py","misc/hang.py","misc/reset.py"]}' \
	"$(jq -c '.boards.vb0 | {passed, failed, skipped, timeout, error, total, duration_ms, failed_tests}' "$R/summary.json")"
same "report: summary.json totals" '{"passed":3,"failed":1,"skipped":2,"timeout":1,"error":1,"total":8,"boards":2}' \
	"$(jq -c '.totals | {passed, failed, skipped, timeout, error, total, boards}' "$R/summary.json")"
same "report: summary.json boards" "vb0 vb1" "$(jq -r '.boards | keys | join(" ")' "$R/summary.json")"

J=$R/junit.xml
if xmllint --noout "$J" 2>"$tmp/e"; then ok "report: junit.xml is well-formed"; else
	notok "report: junit.xml is not well-formed"
	sed 's/^/#   /' "$tmp/e" | head -n 5
fi
if xmllint --noout --schema "$XSD" "$J" 2>"$tmp/e"; then ok "report: junit.xml validates against $XSD"; else
	notok "report: junit.xml does not validate against $XSD"
	sed 's/^/#   /' "$tmp/e" | head -n 5
fi
x() { xmllint --xpath "$1" "$J" 2>/dev/null; }
same "report: junit: one testsuite per board" "2" "$(x 'count(/testsuites/testsuite)')"
same "report: junit: vb0 counts" "vb0 7 2 1 2 31.821" \
	"$(x 'string(//testsuite[1]/@name)') $(x 'string(//testsuite[1]/@tests)') $(x 'string(//testsuite[1]/@failures)') $(x 'string(//testsuite[1]/@errors)') $(x 'string(//testsuite[1]/@skipped)') $(x 'string(//testsuite[1]/@time)')"
same "report: junit: totals" "8 2 1 2" \
	"$(x 'string(/testsuites/@tests)') $(x 'string(/testsuites/@failures)') $(x 'string(/testsuites/@errors)') $(x 'string(/testsuites/@skipped)')"
same "report: junit: a passing test" "vb0.basics 0.041 0" \
	"$(x 'string(//testsuite[1]/testcase[@name="basics/int1.py"]/@classname)') $(x 'string(//testsuite[1]/testcase[@name="basics/int1.py"]/@time)') $(x 'count(//testsuite[1]/testcase[@name="basics/int1.py"]/*)')"
same "report: junit: fail -> failure with the reason and the diff" "output differs|fail" \
	"$(x 'string(//testcase[@name="basics/with space.py"]/failure/@message)')|$(x 'string(//testcase[@name="basics/with space.py"]/failure/@type)')"
same "report: junit: the diff text, escaped and without control characters" \
	"$(printf -- '--- exp\n+++ out\n-a < b\n+a<b & "c" \n')" \
	"$(x 'string(//testcase[@name="basics/with space.py"]/failure)')"
# the output: <&" survive; \001, ESC and NUL are dropped; CR survives as a character reference
# (xmllint adds a newline to what it prints)
printf 'a<b & "c" [0m ]]> \r\nend\n\n' >"$tmp/want-out"
x 'string(//testcase[@name="basics/with space.py"]/system-out)' >"$tmp/got-out" || true
if cmp -s "$tmp/want-out" "$tmp/got-out"; then ok "report: junit: the output in system-out, escaped, CR kept"; else
	notok "report: junit: system-out differs: $(od -c "$tmp/got-out" | head -n 4 | tr '\n' ' ')"
fi
same "report: junit: timeout -> failure" "timeout|timeout|partial" \
	"$(x 'string(//testcase[@name="misc/hang.py"]/failure/@type)')|$(x 'string(//testcase[@name="misc/hang.py"]/failure/@message)')|$(x 'string(//testcase[@name="misc/hang.py"]/failure)')"
same "report: junit: error -> error" "cannot enter the raw REPL" \
	"$(x 'string(//testcase[@name="misc/reset.py"]/error/@message)')"
same "report: junit: skip and lrge -> skipped" "no float|too large" \
	"$(x 'string(//testcase[@name="extmod/skipped.py"]/skipped/@message)')|$(x 'string(//testcase[@name="extmod/big.py"]/skipped/@message)')"
same "report: junit: board properties from target.json" "webassembly" \
	"$(x 'string(//testsuite[1]/properties/property[@name="platform"]/@value)')"
same "report: no temporary files left" "" "$(find "$R" -name '*.tmp.*')"

# re-runnable: the same outputs again, _results.json and summary.json not taken for results
cp "$R/summary.json" "$tmp/summary1"
cp "$J" "$tmp/junit1"
check "report: run again" 1 "$REPORT" "$R"
if cmp -s "$tmp/summary1" "$R/summary.json" && cmp -s "$tmp/junit1" "$J"; then ok "report: a second run writes the same files"; else
	notok "report: a second run writes different files"
fi

# attributes with CR, LF, TAB and quotes; a board label with a space; unreadable results
R2=$tmp/run2
result "$R2" "board 2" "basics/q.py" fail "$(printf 'line1\nline2\t"q" <x> &')" 5 1 '"x"' '"d"'
mkdir -p "$R2/board 2/basics"
echo '{"verdict": "pass",' >"$R2/board 2/basics/broken.py.json"
: >"$R2/board 2/basics/empty.py.json"
result "$R2" "board 2" "basics/odd.py" bogus "" 1 0
check "report: unreadable results count as errors (exit 1)" 1 "$REPORT" "$R2"
same "report: unreadable results named on stderr" \
	"report: empty result file '$R2/board 2/basics/empty.py.json'|report: cannot parse result file '$R2/board 2/basics/broken.py.json'" \
	"$(tr '\n' '|' <"$tmp/e" | sed 's/|$//')"
same "report: unreadable and unknown verdicts in _results.json" \
	'[["basics/broken.py","fail","unreadable result file"],["basics/empty.py","fail","empty result file"],["basics/odd.py","fail","unknown verdict \"bogus\""],["basics/q.py","fail","line1\nline2\t\"q\" <x> &"]]' \
	"$(jq -c .results "$R2/board 2/_results.json")"
J=$R2/junit.xml
if xmllint --noout --schema "$XSD" "$J" 2>"$tmp/e"; then ok "report: junit.xml with odd attributes validates"; else
	notok "report: junit.xml with odd attributes does not validate"
	sed 's/^/#   /' "$tmp/e" | head -n 5
fi
same "report: junit: CR/LF/TAB and quotes in an attribute survive" "$(printf 'line1\nline2\t"q" <x> &')" \
	"$(x 'string(//testcase[@name="basics/q.py"]/failure/@message)')"
same "report: junit: a board label with a space" "board 2|board 2.basics" \
	"$(x 'string(//testsuite/@name)')|$(x 'string(//testcase[@name="basics/q.py"]/@classname)')"

# all passed -> 0; a board with only target.json counts; nothing to report -> 2
R3=$tmp/run3
result "$R3" vb0 basics/a.py pass "" 5 1
result "$R3" vb0 basics/b.py skip "" 0 0
mkdir -p "$R3/vb1"
target "$R3/vb1/target.json" '{"platform":"rp2"}'
check "report: no failure exits 0" 0 "$REPORT" "$R3"
same "report: a board with no result yet" "vb1: 0 tests performed (0 individual testcases)|vb1: 0 tests passed" \
	"$(grep '^vb1' "$tmp/o" | tr '\n' '|' | sed 's/|$//')"
same "report: its _results.json" '{"args":{"platform":"rp2"},"results":[],"failed_tests":[]}' \
	"$(jq -c . "$R3/vb1/_results.json")"
same "report: totals line" "total: 1 passed, 0 failed, 1 skipped on 2 boards" "$(tail -n 1 "$tmp/o")"
mkdir -p "$tmp/run-empty/logs"
check "report: a run folder without boards (exit 2)" 2 "$REPORT" "$tmp/run-empty"
check "report: a missing run folder (exit 2)" 2 "$REPORT" "$tmp/none"
check "report: no argument (exit 2)" 2 "$REPORT"
check "report: --help" 0 "$REPORT" --help

# speed: 16 boards x 900 results (written by one awk: a shell loop would take longer than the report)
R4=$tmp/run4
b=0
while [ $b -lt 16 ]; do
	mkdir -p "$R4/vb$b/basics" "$R4/vb$b/extmod"
	echo '{"platform":"rp2","float_prec":32}' >"$R4/vb$b/target.json"
	b=$((b + 1))
done
awk -v run="$R4" 'BEGIN {
	for (b = 0; b < 16; b++)
		for (i = 0; i < 900; i++) {
			v = i % 20 == 0 ? "fail" : i % 20 == 1 ? "skip" : i % 20 == 2 ? "lrge" : "pass"
			dir = i < 600 ? "basics" : "extmod"
			f = sprintf("%s/vb%d/%s/t%d.py.json", run, b, dir, i)
			printf "{\"test\":\"%s/t%d.py\",\"board\":\"vb%d\",\"verdict\":\"%s\",\"reason\":\"\",\"duration_ms\":%d,\"testcases\":3,\"output\":\"out <%d>\\n\",\"diff\":\"-a\\n+b\\n\"}\n", dir, i, b, v, i, i > f
			close(f)
		}
}'
t0=$(now_ms)
check "report: 16 boards x 900 results" 1 "$REPORT" "$R4"
ms=$(($(now_ms) - t0))
same "report: 16 x 900: totals" "total: 12240 passed, 720 failed, 1440 skipped on 16 boards" "$(tail -n 1 "$tmp/o")"
same "report: 16 x 900: junit testcases" "14400" "$(xmllint --xpath 'count(//testcase)' "$R4/junit.xml" 2>/dev/null)"
if [ "$ms" -le "$REPORT_MAX_MS" ]; then
	ok "report: 16 x 900 results in $ms ms (limit $REPORT_MAX_MS)"
else
	notok "report: 16 x 900 results in $ms ms, over the limit of $REPORT_MAX_MS"
fi

finish
