#!/bin/sh
# Benchmarks of mp-runtest on a virtual board (WebAssembly MicroPython): prints figures, asserts
# nothing. Figures: median time of a trivial test over RUNS runs (whole invocation, and the part
# inside the tool: soft reset + upload + run), the corpus test by test, and the upload rate of a
# 20 KB script in raw-paste and in plain raw mode.
# Environment: BIN (default build/bin), RUNS (default 200), NODE.
set -eu
export LC_ALL=C
cd "$(dirname "$0")/.."
BIN=${BIN:-build/bin}
RUNS=${RUNS:-200}
tmp=$(mktemp -d)
vb_pid=""
cleanup() {
	[ -z "$vb_pid" ] || { kill "$vb_pid" 2>/dev/null || true; wait "$vb_pid" 2>/dev/null || true; }
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

now_ms() { echo $(($(date +%s%N) / 1000000)); }
# median of the numbers on stdin
median() { sort -n | awk '{v[NR]=$1} END {if (NR==0) print "n/a"; else if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }

"$BIN/vboard" --type wasm --link "$tmp/vb" >"$tmp/ready" 2>"$tmp/vb.log" &
vb_pid=$!
i=0
while ! grep -q ready "$tmp/ready" 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 200 ] || { echo "bench: the virtual board did not start" >&2; cat "$tmp/vb.log" >&2; exit 1; }
	sleep 0.1
done

echo "mp-runtest on a wasm virtual board ($(nproc) cores)"

# 1. a trivial test
printf 'print(1)\n' >"$tmp/trivial.py"
printf '1\n' >"$tmp/trivial.py.exp"
: >"$tmp/wall"
: >"$tmp/inner"
n=0
while [ $n -lt "$RUNS" ]; do
	t0=$(now_ms)
	"$BIN/mp-runtest" --port "$tmp/vb" --json "$tmp/trivial.py" >"$tmp/r.json"
	t1=$(now_ms)
	echo $((t1 - t0)) >>"$tmp/wall"
	jq -r .duration_ms "$tmp/r.json" >>"$tmp/inner"
	n=$((n + 1))
done
echo "trivial test, $RUNS runs: median $(median <"$tmp/wall") ms per invocation," \
	"$(median <"$tmp/inner") ms inside the tool (soft reset + upload + run)"

# 2. the corpus, test by test (those the wasm board runs, without the deliberate timeouts)
: >"$tmp/corpus"
count=0
t0=$(now_ms)
while IFS='	' read -r test w m wm note; do
	case $test in '#'* | '') continue ;; esac
	[ "$w" != - ] && [ "$w" != timeout ] || continue
	"$BIN/mp-runtest" --port "$tmp/vb" --tests-dir tests/corpus --json "tests/corpus/$test" >"$tmp/r.json" || true
	jq -r .duration_ms "$tmp/r.json" >>"$tmp/corpus"
	count=$((count + 1))
done <tests/corpus/manifest.tsv
t1=$(now_ms)
echo "corpus: $count tests in $((t1 - t0)) ms, median $(median <"$tmp/corpus") ms per test inside the tool"

# 3. upload rate: a 20 KB script, raw-paste against plain raw mode
k=0
while [ $k -lt 400 ]; do
	echo "x$k = $k  # padding padding padding padding"
	k=$((k + 1))
done >"$tmp/big.py"
echo 'print(x399)' >>"$tmp/big.py"
echo 399 >"$tmp/big.py.exp"
size=$(wc -c <"$tmp/big.py")
for mode in paste plain; do
	flag=""
	[ $mode = plain ] && flag=--no-raw-paste
	: >"$tmp/up"
	n=0
	while [ $n -lt 10 ]; do
		"$BIN/mp-runtest" --port "$tmp/vb" --json $flag "$tmp/big.py" >"$tmp/r.json"
		jq -r .duration_ms "$tmp/r.json" >>"$tmp/up"
		n=$((n + 1))
	done
	ms=$(median <"$tmp/up")
	base=$(median <"$tmp/inner")
	rate=$(awk -v s="$size" -v t="$ms" -v b="$base" 'BEGIN { d = t - b; if (d <= 0) d = 1; printf "%.0f", s / 1024 / (d / 1000) }')
	echo "upload of $size bytes, $mode mode: median $ms ms in the tool, about $rate KiB/s beyond the trivial test"
done
