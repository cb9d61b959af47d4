#!/bin/sh
# Write the makefile of one board's tests to stdout (included by mk/run.mk):
#   gen-board-mk.sh BOARD TESTS_DIR RUN_DIR EMIT [SELECTION...]
# Tests the skip rules exclude get a rule that writes a skip result; the others run one after another
# (each waits for the one before through an order-only prerequisite). Test names must be plain:
# letters, digits and ._+-/ ; others are refused with a clear message (make cannot name them).
set -eu
export LC_ALL=C
[ $# -ge 4 ] || { echo "usage: gen-board-mk.sh BOARD TESTS_DIR RUN_DIR EMIT [SELECTION...]" >&2; exit 2; }
board=$1 td=$2 rd=$3 emit=$4
shift 4
here=$(dirname "$0")

list=$(sh "$here/select-tests.sh" --emit "$emit" "$td" "$rd/$board/target.json" "$@")
printf '%s\n' "$list" | awk -F '\t' -v b="$board" -v rd='$(RD)' -v td='$(TD)' '
function plain(t) { return t ~ /^[A-Za-z0-9._+\/-]+$/ }
NF >= 2 {
	if (!plain($1)) {
		printf "%s: test name %s has characters make cannot handle: not run\n", b, $1 > "/dev/stderr"
		next
	}
	if ($1 == "perf_bench/benchrun.py")
		next # the harness of the benchmarks, not one of them
	n++; name[n] = $1; what[n] = $2; why[n] = $3
	if ($2 == "run") runs++
}
END {
	printf "# board %s: %d tests, %d to run\n", b, n, runs
	printf "SELECTED_%s := %d\n", b, n
	k = 0; prev = ""
	for (i = 1; i <= n; i++) {
		t = rd "/" b "/" name[i] ".ok"
		all = all " " t
		if (what[i] == "run" && name[i] ~ /^perf_bench\//) {
			# a benchmark: no expected output, the harness instead
			k++
			printf "%s: %s/%s %s/perf_bench/benchrun.py %s/%s/target.json %s/verdict-rules.id", t, td, name[i], td, rd, b, rd
			if (prev != "") printf " | %s", prev
			printf "\n\t$(call PERFTEST,%s,%s,%d,%d)\n", b, name[i], k, runs
			prev = t
		} else if (what[i] == "run") {
			k++
			printf "%s: %s/%s %s/exp/%s.exp %s/%s/target.json %s/verdict-rules.id", t, td, name[i], rd, name[i], rd, b, rd
			if (prev != "") printf " | %s", prev
			printf "\n\t$(call RUNTEST,%s,%s,%d,%d)\n", b, name[i], k, runs
			prev = t
		} else {
			gsub(/["\\\047]/, "", why[i])
			printf "%s: %s/%s/tests.mk\n\t$(call SKIPTEST,%s,%s,%s)\n", t, rd, b, b, name[i], why[i]
		}
	}
	printf "board-%s:%s\n", b, all
}'
# the list the reports count: results of tests no longer selected stay on disk but do not count
printf '%s\n' "$list" | cut -f1 | grep -vx 'perf_bench/benchrun.py' >"$rd/$board/selected.txt.tmp" && mv "$rd/$board/selected.txt.tmp" "$rd/$board/selected.txt"
