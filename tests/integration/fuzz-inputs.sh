#!/bin/bash
# The shell readers of result files and skip files on mutated inputs: scripts/report.sh on a run whose
# result files (or target.json) were damaged, scripts/select-tests.sh on damaged skip files and probes.
# Mutations (truncation, flipped bytes, NULs, bytes that are no UTF-8, huge numbers, values of the wrong
# JSON type, wrong top-level values, lost lines, deep nesting) are drawn from a fixed seed, so that every
# run tries the same inputs. Each script must end with its documented exit status, print on stderr only
# its own one-line messages (never a shell or jq error), and leave complete outputs: no half-written or
# temporary file, valid summary.json and junit.xml.
# Environment: SELECT, REPORT (the scripts under test), FUZZ_INPUTS (cases per script, default 60),
# FUZZ_SEED (default 20240611).
set -eu
export LC_ALL=C
cd "$(dirname "$0")/../.."
SELECT=${SELECT:-scripts/select-tests.sh}
REPORT=${REPORT:-scripts/report.sh}
CASES=${FUZZ_INPUTS:-60}
RANDOM=${FUZZ_SEED:-20240611}

. tests/lib.sh

for tool in jq xmllint; do
	if ! command -v $tool >/dev/null 2>&1; then
		notok "$tool is missing: install it (scripts/setup.sh)"
		finish
	fi
done

# rnd N: a number 0..N-1 from the seeded generator (in $r, no subshell: the sequence stays fixed)
rnd() { r=$(((RANDOM << 15 | RANDOM) % $1)); }

# mutate SRC DST: one mutation of SRC into DST, its name in $how
mutate() {
	local src=$1 dst=$2 size off b
	size=$(wc -c <"$src")
	rnd 10
	local kind=$r
	rnd $((size + 1))
	off=$r
	case $kind in
	0)
		how="truncated at $off"
		head -c "$off" "$src" >"$dst"
		;;
	1)
		rnd 256
		b=$r
		how="byte $off set to $b"
		cp "$src" "$dst"
		# shellcheck disable=SC2059 # the format is the octal escape
		[ "$off" -ge "$size" ] || printf "\\$(printf %03o "$b")" | dd of="$dst" bs=1 seek="$off" conv=notrunc status=none
		;;
	2)
		how="NUL at $off"
		{ head -c "$off" "$src"; printf '\0'; tail -c +$((off + 1)) "$src"; } >"$dst"
		;;
	3)
		local bad=('\xff\xfe' '\xc3\x28' '\xed\xa0\x80' '\xf4\x90\x80\x80' '\x80' '\xe2\x82')
		rnd ${#bad[@]}
		how="bytes ${bad[$r]} at $off"
		# shellcheck disable=SC2059 # the format is the escape
		{ head -c "$off" "$src"; printf "${bad[$r]}"; tail -c +$((off + 1)) "$src"; } >"$dst"
		;;
	4)
		local nums=(1e400 -1e400 99999999999999999999999999999 -5 1.5e308 0.000000001 -0 1E+2
			123456789012345678901234567890.5)
		rnd ${#nums[@]}
		how="numbers become ${nums[$r]}"
		sed -E "s/(: *)-?[0-9][0-9.eE+-]*/\\1${nums[$r]}/g" "$src" >"$dst"
		;;
	5)
		local vals=('7' 'null' 'true' '[]' '{}' '["a",1]' '{"x":{"y":[]}}' '""' '"\\u0000"' '"\\ud800"' '-1')
		local keys=(verdict reason duration_ms testcases output diff test platform float_prec unicode thread inlineasm)
		rnd ${#vals[@]}
		local v=${vals[$r]}
		rnd ${#keys[@]}
		how="${keys[$r]} becomes $v"
		sed -E "s/(\"${keys[$r]}\" *: *)(\"([^\"\\\\]|\\\\.)*\"|[^,}]*)/\\1$v/" "$src" >"$dst"
		;;
	6)
		local tops=('[]' '"x"' 'null' '1' '{}' '' '{"verdict":"pass"} {"verdict":"fail"}' '{' '[1,' 'true')
		rnd ${#tops[@]}
		how="the file becomes '${tops[$r]}'"
		printf '%s' "${tops[$r]}" >"$dst"
		;;
	7)
		local lines
		lines=$(wc -l <"$src")
		rnd $((lines + 1))
		how="line $((r + 1)) lost"
		sed "$((r + 1))d" "$src" >"$dst"
		;;
	8)
		how="deep nesting"
		{
			head -c "$off" "$src"
			printf '%0.s[' $(seq 1 3000)
			printf '%0.s]' $(seq 1 3000)
			tail -c +$((off + 1)) "$src"
		} >"$dst"
		;;
	9)
		how="a long line"
		{ head -c "$off" "$src"; head -c 200000 /dev/zero | tr '\0' 'a'; tail -c +$((off + 1)) "$src"; } >"$dst"
		;;
	esac
}

# stderr_clean FILE PREFIX: every line a message of the script itself, one line each
stderr_clean() {
	[ ! -s "$1" ] || ! grep -qv "^$2: " "$1"
}

# ---- report.sh ----

base=$tmp/base
mkdir -p "$base/vb0/basics" "$base/vb0/extmod"
cat >"$base/vb0/target.json" <<'EOF'
{"board":"vb0","port":"/dev/null","platform":"rp2","arch":"armv6m","float_prec":32,"unicode":true,
 "thread":null,"native":true,"int_big":true,"inlineasm":"thumb","probe_ms":1200}
EOF
cat >"$base/vb0/basics/int1.py.json" <<'EOF'
{"test":"basics/int1.py","board":"vb0","verdict":"pass","reason":"","duration_ms":41,"testcases":3,"output":""}
EOF
cat >"$base/vb0/basics/list1.py.json" <<'EOF'
{"test":"basics/list1.py","board":"vb0","verdict":"fail","reason":"output differs","duration_ms":250,
 "testcases":2,"output":"a<b & \"c\" \u0001\r\nend\n","diff":"@@ -1,1 +1,1 @@\n-a\n+a<b\n"}
EOF
cat >"$base/vb0/extmod/skipped.py.json" <<'EOF'
{"test":"extmod/skipped.py","board":"vb0","verdict":"skip","reason":"no float","duration_ms":3,"testcases":0}
EOF
files=(target.json basics/int1.py.json basics/list1.py.json extmod/skipped.py.json)
# a second run where every test passed, so that a damaged file can turn exit 0 into 1
cp -R "$base" "$tmp/base2"
sed 's/"verdict":"fail"/"verdict":"pass"/' "$base/vb0/basics/list1.py.json" >"$tmp/base2/vb0/basics/list1.py.json"

# check_report N: run the report on $tmp/run; 0 or 1 by the total line, clean stderr, valid outputs
check_report() {
	local n=$1 got=0 run=$tmp/run failed
	"$REPORT" "$run" >"$tmp/o" 2>"$tmp/e" || got=$?
	failed=$(sed -n 's/^total: [0-9]* passed, \([0-9]*\) failed, [0-9]* skipped on 1 boards$/\1/p' "$tmp/o")
	if [ -z "$failed" ]; then
		notok "report $n ($how): exit $got, no total line"
	elif [ "$got" != "$([ "$failed" -eq 0 ] && echo 0 || echo 1)" ]; then
		notok "report $n ($how): exit $got with $failed failed"
	elif ! stderr_clean "$tmp/e" report; then
		notok "report $n ($how): stray message: $(grep -v '^report: ' "$tmp/e" | head -n 1)"
	elif [ -n "$(find "$run" -name '*.tmp.*' -print -quit)" ]; then
		notok "report $n ($how): a temporary file was left: $(find "$run" -name '*.tmp.*' | head -n 1)"
	elif ! jq -se '.[0].totals.total == 3 and (.[0].boards.vb0 | type) == "object" and (.[1].results | length) == 3' \
		"$run/summary.json" "$run/vb0/_results.json" >/dev/null 2>&1; then
		notok "report $n ($how): summary.json or _results.json is not complete"
	elif ! xmllint --noout "$run/junit.xml" 2>/dev/null; then
		notok "report $n ($how): junit.xml is not well-formed XML"
	else
		ok "report $n ($how): exit $got"
	fi
}

half=$((CASES / 2))
for i in $(seq 1 "$half"); do
	rm -rf "$tmp/run"
	cp -R "$base" "$tmp/run"
	rnd ${#files[@]}
	f=${files[$r]}
	mutated=$tmp/run/vb0/$f
	mutate "$base/vb0/$f" "$mutated"
	how="$f: $how"
	check_report "$i"
done
# the passing run, reported twice: the second report over the first one's caches, with a file damaged
# between the two
for i in $(seq $((half + 1)) "$CASES"); do
	rm -rf "$tmp/run"
	cp -R "$tmp/base2" "$tmp/run"
	"$REPORT" "$tmp/run" >/dev/null 2>&1 || true
	rnd ${#files[@]}
	f=${files[$r]}
	sleep 0.01
	mutated=$tmp/run/vb0/$f
	mutate "$tmp/base2/vb0/$f" "$mutated"
	touch "$mutated"
	how="$f after a report: $how"
	check_report "$i"
done

# ---- select-tests.sh --skip-file ----

TAB=$(printf '\t')
CR=$(printf '\r')
T=$tmp/tests
mkdir -p "$T/basics" "$T/misc" "$T/extmod"
for t in basics/int1.py basics/list1.py "basics/with space.py" basics/set_add.py misc/print_exception.py \
	extmod/json_dumps.py; do
	echo 'print(1)' >"$T/$t"
done
ntests=6
cp "$base/vb0/target.json" "$tmp/target.json"
printf '%s\n' '# project skips' "basics/int1.py${TAB}broken on this board" "  basics/l*.py  $TAB  lists $CR" \
	'extmod/*' '' "misc/[x](.py${TAB}regex characters" >"$tmp/skip.base"
echo '{"platform":"rp2","float_prec":32,"unicode":true,"thread":null,"native":true,"error_reporting":"normal"}' \
	>"$tmp/target.base"

# check_select N WANT: the script on $tmp/skip and $tmp/target.json with the selection of all folders
check_select() {
	local n=$1 want=$2 got=0
	"$SELECT" --skip-file "$tmp/skip" "$T" "$tmp/target.json" basics misc extmod >"$tmp/o" 2>"$tmp/e" || got=$?
	if [ "$got" != "$want" ]; then
		notok "select $n ($how): exit $got, expected $want: $(head -n 2 "$tmp/e")"
	elif ! stderr_clean "$tmp/e" select-tests; then
		notok "select $n ($how): stray message: $(grep -v '^select-tests: ' "$tmp/e" | head -n 1)"
	elif [ "$got" = 0 ] && { [ "$(wc -l <"$tmp/o")" != "$ntests" ] ||
		grep -qvE "^[^$TAB]+$TAB(run$TAB|skip$TAB.+)\$" "$tmp/o"; }; then
		notok "select $n ($how): not one line per test: $(head -c 300 "$tmp/o")"
	elif [ "$got" != 0 ] && { [ -s "$tmp/o" ] || [ "$(wc -l <"$tmp/e")" != 1 ]; }; then
		notok "select $n ($how): a failure must print one message and no list"
	else
		ok "select $n ($how): exit $got"
	fi
}

for i in $(seq 1 "$half"); do
	mutate "$tmp/skip.base" "$tmp/skip"
	how="skip file: $how"
	cp "$tmp/target.base" "$tmp/target.json"
	check_select "$i" 0
done
for i in $(seq $((half + 1)) "$CASES"); do
	cp "$tmp/skip.base" "$tmp/skip"
	mutate "$tmp/target.base" "$tmp/target.json"
	how="target: $how"
	# the documented status: 0 for one JSON object, 2 for anything else
	if jq -se 'length == 1 and (.[0] | type) == "object"' "$tmp/target.json" >/dev/null 2>&1; then
		check_select "$i" 0
	else
		check_select "$i" 2
	fi
done

finish
