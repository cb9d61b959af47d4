#!/bin/sh
# Write the makefile of one pair of boards' multi-board tests to stdout (included by mk/run.mk):
#   gen-pair-mk.sh PAIR RUN_DIR SOURCE...
# PAIR is "A+B": board A plays instance0, board B instance1. A SOURCE is VAR:ROOT:SUBFOLDER, the tests
# of one multi-board group: every *.py of ROOT/SUBFOLDER (ROOT and its subfolders when SUBFOLDER is
# empty) with two or more instances (def instance0(): ... def instance1(): ...), named relative to
# ROOT, which the run's makefile knows as $(VAR): MTD:/x/tests/multi: for MULTI,
# TD:/x/micropython/tests:multi_net for MULTINET. Tests that need more instances than a pair has get a
# skip result. The tests of a pair run one after another; the first waits until both boards finished
# their own tests (their board-<name> targets), so that a pair does not hold a board another test of it
# waits for. Test names must be plain (letters, digits and ._+-/).
set -eu
export LC_ALL=C
[ $# -ge 3 ] || { echo "usage: gen-pair-mk.sh PAIR RUN_DIR VAR:ROOT:SUBFOLDER..." >&2; exit 2; }
pair=$1 rd=$2
shift 2
a=${pair%%+*} b=${pair#*+}
[ -n "$a" ] && [ -n "$b" ] && [ "$a+$b" = "$pair" ] || { echo "gen-pair-mk: PAIR must be A+B, not '$pair'" >&2; exit 2; }
mkdir -p "$rd/$pair"
for src in "$@"; do
	var=${src%%:*} rest=${src#*:}
	root=${rest%:*} sub=${rest##*:}
	case $var in MTD | TD) ;; *) echo "gen-pair-mk: SOURCE must be MTD:ROOT:SUB or TD:ROOT:SUB, not '$src'" >&2; exit 2 ;; esac
	if [ -n "$sub" ]; then
		(cd "$root" && grep -l 'def instance1():' "$sub"/*.py 2>/dev/null || true)
	else
		(cd "$root" && grep -l 'def instance1():' ./*.py ./*/*.py 2>/dev/null || true) | sed 's#^\./##'
	fi | sort | while IFS= read -r t; do
		n=$(grep -o 'def instance[0-9][0-9]*():' "$root/$t" | tr -dc '0-9\n' | sort -n | tail -n 1)
		printf '%s\t%s\t%s\n' "$t" "$((${n:-0} + 1))" "$var"
	done
done >"$rd/$pair/tests.lst"
awk -F '\t' -v p="$pair" -v a="$a" -v b="$b" -v rd='$(RD)' '
function plain(t) { return t ~ /^[A-Za-z0-9._+\/-]+$/ }
{
	if (!plain($1)) {
		printf "%s: test name %s has characters make cannot handle: not run\n", p, $1 > "/dev/stderr"
		next
	}
	n++; name[n] = $1; inst[n] = $2; root[n] = $3
	if ($2 <= 2) runs++
}
END {
	printf "# pair %s: %d tests, %d to run\n", p, n, runs
	k = 0; prev = "| board-" a " board-" b
	for (i = 1; i <= n; i++) {
		t = rd "/" p "/" name[i] ".ok"
		all = all " " t
		if (inst[i] <= 2) {
			k++
			printf "%s: $(%s)/%s %s/%s/target.json %s/%s/target.json %s/verdict-rules.id %s\n", t, root[i], name[i], rd, a, rd, b, rd, prev
			printf "\t$(call MULTITEST,%s,%s,%d,%d,%s)\n", p, name[i], k, runs, root[i]
			prev = "| " t
		} else {
			printf "%s: %s/%s/tests.mk\n\t$(call SKIPTEST,%s,%s,needs %d boards: a pair has 2)\n", t, rd, p, p, name[i], inst[i]
		}
	}
	printf "pair-%s:%s\n", p, all
}' "$rd/$pair/tests.lst"
# what the reports count
cut -f1 "$rd/$pair/tests.lst" >"$rd/$pair/selected.txt.tmp" && mv "$rd/$pair/selected.txt.tmp" "$rd/$pair/selected.txt"
rm -f "$rd/$pair/tests.lst"
