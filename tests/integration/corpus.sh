#!/bin/sh
# Every test of the project's corpus reaches its stated verdict (tests/corpus/manifest.tsv) on both
# virtual board types, through mp-runtest. Also checks the probe (target.json) of each board.
# Environment: BIN (tools, default build/check/bin), TYPES (default "wasm microbit"),
# TEST_TIMEOUT (seconds per test, default 8).
set -eu
export LC_ALL=C
cd "$(dirname "$0")/../.."
BIN=${BIN:-build/check/bin}
TYPES=${TYPES:-wasm microbit}
TEST_TIMEOUT=${TEST_TIMEOUT:-8}
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"

tmp=$(mktemp -d)
vb_pid=""
cleanup() {
	[ -z "$vb_pid" ] || kill "$vb_pid" 2>/dev/null || true
	[ -z "$vb_pid" ] || wait "$vb_pid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

pass=0 fail=0 skip=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
notok() { fail=$((fail + 1)); echo "not ok - $*"; }

for tool in vboard mp-runtest; do
	if [ ! -x "$BIN/$tool" ]; then
		echo "not ok - $BIN/$tool is missing: build it first (make check-build)"
		echo "0 passed, 1 failed"
		exit 1
	fi
done

start_board() { # TYPE
	rm -f "$tmp/ready"
	"$BIN/vboard" --type "$1" --link "$tmp/vb-$1" >"$tmp/ready" 2>"$tmp/vboard-$1.log" &
	vb_pid=$!
	i=0
	while ! grep -q ready "$tmp/ready" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 200 ] || ! kill -0 "$vb_pid" 2>/dev/null; then
			cat "$tmp/vboard-$1.log" >&2 || true
			return 1
		fi
		sleep 0.1
	done
}

stop_board() {
	kill "$vb_pid" 2>/dev/null || true
	wait "$vb_pid" 2>/dev/null || true
	vb_pid=""
}

for type in $TYPES; do
	col=2
	[ "$type" = microbit ] && col=3
	if ! start_board "$type"; then
		notok "$type: the virtual board did not start"
		continue
	fi
	port="$tmp/vb-$type"

	# the probe: what the board supports
	if "$BIN/mp-runtest" --port "$port" --board "$type" --probe --feature-dir tests/corpus/feature_check \
		--result "$tmp/target-$type.json" -q; then
		platform=$(jq -r .platform "$tmp/target-$type.json")
		want=webassembly
		[ "$type" = microbit ] && want=microbit
		if [ "$platform" = "$want" ]; then
			ok "$type: probe: platform $platform, float $(jq -r .float_prec "$tmp/target-$type.json")"
		else
			notok "$type: probe: platform '$platform', expected '$want'"
		fi
	else
		notok "$type: probe failed"
	fi

	# the skip rules of run-tests.py decide some verdicts before the board is asked
	sh scripts/select-tests.sh "$PWD/tests/corpus" "$tmp/target-$type.json" basics micropython extmod float \
		unicode misc stress >"$tmp/select-$type" 2>"$tmp/select-err" || notok "$type: select-tests: $(cat "$tmp/select-err")"
	while IFS='	' read -r test w m note; do
		case $test in '#'* | '') continue ;; esac
		want=$w
		[ "$col" = 3 ] && want=$m
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
		"$BIN/mp-runtest" --port "$port" --board "$type" --tests-dir tests/corpus --timeout "$TEST_TIMEOUT" \
			--result "$tmp/r.json" -q "tests/corpus/$test" >"$tmp/line" 2>"$tmp/err" || rc=$?
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

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
