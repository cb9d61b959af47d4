#!/bin/sh
# Every test of the project's corpus reaches its stated verdict (tests/corpus/manifest.tsv) on both
# virtual board types, through mp-runtest, and on the wasm board via .mpy (mp-runtest --via-mpy with the
# virtual bench's mpy-cross). Also checks the probe (target.json) of each board.
# Environment: BIN (tools, default build/check/bin), TYPES (default "wasm microbit wasm-mpy"),
# TEST_TIMEOUT (seconds per test, default 120), HANG_TIMEOUT (for tests expected to time out, default 5).
set -eu
cd "$(dirname "$0")/../.."
. tests/lib.sh
TYPES=${TYPES:-wasm microbit wasm-mpy}
# a test expected to time out gets a short deadline; the others a long one, so that a loaded
# machine (the micro:bit prints 1 MB in about 7 s) does not turn a pass into a timeout
HANG_TIMEOUT=${HANG_TIMEOUT:-5}
TEST_TIMEOUT=${TEST_TIMEOUT:-120}
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"

for tool in vboard mp-runtest; do
	if [ ! -x "$BIN/$tool" ]; then
		notok "$BIN/$tool is missing: build it first (make check-build)"
		finish
	fi
done

stop_board() {
	kill "$vb_pid" 2>/dev/null || true
	wait "$vb_pid" 2>/dev/null || true
}

for type in $TYPES; do
	col=2 vtype=$type mode="" slow=""
	# the emulated micro:bit drops input that comes faster than its firmware takes it, in its own
	# time: QEMU on a busy machine runs it slower, so input comes slower than vboard's default here
	# (at 38400, 2.4 KB of source lost bytes once in about four runs beside another suite)
	[ "$type" = microbit ] && col=3 slow="--in-baud 19200"
	[ "$type" = wasm-mpy ] && col=4 vtype=wasm mode=--via-mpy
	# shellcheck disable=SC2086 # slow: options
	if ! start_vboard "$vtype" "$tmp/vb-$type" $slow; then
		notok "$type: the virtual board did not start"
		continue
	fi
	port="$tmp/vb-$type"

	# the probe: what the board supports
	if "$BIN/mp-runtest" --port "$port" --board "$type" --probe --feature-dir tests/corpus/feature_check \
		--result "$tmp/target-$type.json" -q; then
		platform=$(jq -r .platform "$tmp/target-$type.json")
		mpy=$(jq -r .mpy "$tmp/target-$type.json")
		want=webassembly
		[ "$type" = microbit ] && want=microbit
		wantmpy=774 # .mpy v6.3, bytecode only
		[ "$type" = microbit ] && wantmpy=null # 1.9.2 has no sys.implementation._mpy
		if [ "$platform" = "$want" ] && [ "$mpy" = "$wantmpy" ]; then
			ok "$type: probe: platform $platform, float $(jq -r .float_prec "$tmp/target-$type.json"), mpy $mpy"
		else
			notok "$type: probe: platform '$platform' mpy '$mpy', expected '$want' '$wantmpy'"
		fi
	else
		notok "$type: probe failed"
	fi

	# the skip rules of run-tests.py decide some verdicts before the board is asked
	sh scripts/select-tests.sh "$PWD/tests/corpus" "$tmp/target-$type.json" basics micropython extmod float \
		unicode misc stress >"$tmp/select-$type" 2>"$tmp/select-err" || notok "$type: select-tests: $(cat "$tmp/select-err")"
	while IFS='	' read -r test w m wm note; do
		case $test in '#'* | '') continue ;; esac
		want=$w
		[ "$col" = 3 ] && want=$m
		[ "$col" = 4 ] && want=$wm
		if [ "$want" = - ]; then
			skip=$((skip + 1))
			continue
		fi
		rule=$(awk -F '\t' -v t="$test" '$1 == t && $2 == "skip" { print $3 }' "$tmp/select-$type")
		if [ -n "$rule" ]; then
			if [ "$want" = skip ]; then ok "$type: $test: skip ($rule)"; else notok "$type: $test: skipped by rule '$rule', expected $want"; fi
			continue
		fi
		rc=0
		limit=$TEST_TIMEOUT
		[ "$want" != timeout ] || limit=$HANG_TIMEOUT
		# shellcheck disable=SC2086 # $mode: one option or none
		"$BIN/mp-runtest" --port "$port" --board "$type" --tests-dir tests/corpus --timeout "$limit" \
			$mode --mpy-cross tools/vboard/mpy-cross-wasm.mjs \
			--result "$tmp/r.json" -q "tests/corpus/$test" >"$tmp/line" 2>"$tmp/err" </dev/null || rc=$?
		got=$(jq -r .verdict "$tmp/r.json" 2>/dev/null || echo none)
		if [ "$got" = "$want" ]; then
			ok "$type: $test: $got"
		else
			notok "$type: $test: expected $want, got $got (exit $rc) $(head -c 300 "$tmp/err" | tr '\n' ' ')"
			jq -r '.reason, .diff // empty' "$tmp/r.json" 2>/dev/null | head -n 12 | sed 's/^/#   /'
		fi
		# a board that no longer answers is power-cycled, as the bench does
		if [ "$rc" = 3 ]; then
			kill -USR1 "$vb_pid" 2>/dev/null || true
			sleep 1
		fi
	done <tests/corpus/manifest.tsv
	stop_board
done

finish
