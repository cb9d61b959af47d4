#!/bin/sh
# One test suite of tests/run.sh, run by GNU parallel: its output, exit status and time go to
# LOG/I.out, LOG/I.rc and LOG/I.secs, then the output is printed as one block.
#   usage: tests/run-suite.sh LOG I NAME cmd 'COMMAND'   a program printing "N passed, N failed"
#          tests/run-suite.sh LOG I NAME fuzz FUZZER     a fuzzer for FUZZ_SECONDS: one check
# Each suite has a lock folder of its own (XDG_RUNTIME_DIR): suites that run side by side use the same
# virtual tentacle serials, and must not see each other's locks.
set -eu
log=$1 i=$2 name=$3 kind=$4 arg=$5
XDG_RUNTIME_DIR=$log/run-$i
mkdir -p "$XDG_RUNTIME_DIR"
export XDG_RUNTIME_DIR

fuzz() { # a fuzzer run counts as one check
	corpus=build/fuzz/corpus-$1
	mkdir -p "$corpus"
	# the seeds: tests/fuzz/seeds and its folders (one per fuzzer); the targets' own messages about
	# rejected inputs are dropped (-close_fd_mask=2), crash reports are kept
	if "build/fuzz/$1" -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 -close_fd_mask=2 "$corpus" \
		tests/fuzz/seeds >"$log/$i.fuzz" 2>&1; then
		runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$log/$i.fuzz")
		echo "ok - $1: ${runs:-?} inputs in ${FUZZ_SECONDS} s, no crash"
		echo "1 passed, 0 failed"
	else
		tail -n 40 "$log/$i.fuzz"
		echo "not ok - $1 crashed (reproducer above)"
		echo "0 passed, 1 failed"
	fi
}

t0=$(date +%s)
rc=0
case $kind in
cmd) sh -c "$arg" >"$log/$i.out" 2>&1 </dev/null || rc=$? ;;
fuzz) fuzz "$arg" >"$log/$i.out" 2>&1 </dev/null || rc=$? ;;
*)
	echo "run-suite: unknown kind '$kind'" >&2
	exit 2
	;;
esac
echo $(($(date +%s) - t0)) >"$log/$i.secs"
echo "$rc" >"$log/$i.rc"
printf '== %s\n' "$name"
cat "$log/$i.out"
echo "($name: $(cat "$log/$i.secs") s)"
