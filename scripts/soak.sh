#!/bin/bash
# Soak: the test corpus again and again on a virtual bench whose boards fail at random moments (vboard
# --faults: hang, disconnect, garbage, slow, reset mid-output, refusing the raw REPL), for a while. After
# every round it checks that the report accounts for every selected test exactly once per board, that
# every test no fault touched reached its verdict of tests/corpus/manifest.tsv, and at the end that no
# board process and no lock is left. Prints its figures: rounds, tests run, faults injected, tests the
# bench recovered, results lost (must be 0), wrong verdicts (must be 0).
#
# usage: scripts/soak.sh [SECONDS [BOARDS [RATE]]]   (defaults 600, 16, 0.005; RATE per kind and
# program: 6 kinds, so about 3 programs in 100 meet a fault)
# A board that meets 3 infrastructure errors in a row is taken out for the rest of its round, as on a real
# bench: its remaining tests get verdict error ("not run"), which counts as accounted for, not as wrong.
# Environment: BIN (tools, default build/bin), SOAK_RUN (result folder name, default soak), SOAK_SEED,
# SOAK_TESTS (a selection, default the whole corpus), MICROPY_TEST_TIMEOUT (default 10).
# Exit: 0 clean, 1 a result lost, a wrong verdict or something left behind, 2 usage.
set -eu
export LC_ALL=C
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
prog=soak
SECONDS_WANTED=${1:-600}
BOARDS=${2:-16}
RATE=${3:-0.005}
for n in "$SECONDS_WANTED" "$BOARDS"; do
	case $n in '' | *[!0-9]*) echo "usage: scripts/soak.sh [SECONDS [BOARDS [RATE]]]" >&2; exit 2 ;; esac
done
case $RATE in 0.[0-9]* | 1 | 0) ;; *) echo "$prog: RATE '$RATE' must be a number from 0 to 1" >&2; exit 2 ;; esac
RUN=${SOAK_RUN:-soak}
RD=$top/results/$RUN
SEED=${SOAK_SEED:-$(date +%s)}
export MICROPY_TEST_TIMEOUT=${MICROPY_TEST_TIMEOUT:-10}
export BIN=${BIN:-$top/build/bin}
rm -rf "$RD"
mkdir -p "$RD/faults"

t0=$(date +%s)
rounds=0 tests=0 recovered=0 lost=0 wrong=0 faulted=0 notrun=0
while :; do
	rounds=$((rounds + 1))
	# the probes and the unittest check run before the first test: no fault in the first 20 programs
	args="--faults all:$RATE --faults-after 20 --fault-seed $SEED{i}$rounds --fault-log $RD/faults/r$rounds-vb{i}.jsonl"
	sh scripts/forget.sh "$RD" 2>/dev/null || true
	st=0
	# shellcheck disable=SC2086 # SOAK_TESTS: a selection of words
	VBOARD_ARGS="$args" make -s --no-print-directory -j"$BOARDS" test TESTBED=virtual VBOARDS="$BOARDS" \
		RUN="$RUN" TESTS="${SOAK_TESTS:-}" >"$RD/round$rounds.out" 2>"$RD/round$rounds.err" || st=$?
	# every selected test of every board: one whole result; a test no fault touched: the manifest's verdict
	read -r n l w f r <<<"$(
		for b in "$RD"/vb[0-9]*/; do
			b=${b%/}
			name=$(basename "$b")
			[ -f "$b/selected.txt" ] || { echo "x $name no selected.txt"; continue; }
			cat "$RD"/faults/r$rounds-$name.jsonl 2>/dev/null | jq -c '[.t_ms, .kind]' >"$b/faults.now" || :
			while IFS= read -r t; do
				if ! v=$(jq -r '"\(.verdict) \(.started_ms // 0) \(.duration_ms // 0) \((.attempts // 1) > 1 or (.infra_errors // [] | length) > 0)"' "$b/$t.json" 2>/dev/null); then
					echo "lost $name $t"
					continue
				fi
				read -r verdict start dur rec <<<"$v"
				hit=$(jq -rs --argjson a "$start" --argjson z "$((start + dur + 50))" \
					'[.[] | select(.[0] >= $a - 50 and .[0] <= $z)] | length' "$b/faults.now")
				want=$(awk -F '\t' -v t="$t" '$1 == t { print $2 }' tests/corpus/manifest.tsv)
				if [ "$hit" != 0 ]; then echo "faulted $name $t $verdict"
				elif [ "$verdict" = error ] && jq -e '.reason | startswith("not run:")' "$b/$t.json" >/dev/null; then
					echo "out $name $t"
				elif [ -n "$want" ] && [ "$want" != - ] && [ "$verdict" != "$want" ]; then echo "wrong $name $t $verdict $want"
				else echo "ok $name $t $verdict"; fi
				[ "$rec" != true ] || echo "recovered $name $t"
			done <"$b/selected.txt"
		done >"$RD/round$rounds.check"
		printf '%s %s %s %s %s\n' "$(grep -c '^\(ok\|faulted\|wrong\|out\) ' "$RD/round$rounds.check")" \
			"$(grep -c '^\(lost\|x\) ' "$RD/round$rounds.check")" "$(grep -c '^wrong ' "$RD/round$rounds.check")" \
			"$(grep -c '^faulted ' "$RD/round$rounds.check")" "$(grep -c '^recovered ' "$RD/round$rounds.check")"
	)"
	injected=$(cat "$RD"/faults/r$rounds-*.jsonl 2>/dev/null | wc -l)
	tests=$((tests + n)) lost=$((lost + l)) wrong=$((wrong + w)) faulted=$((faulted + f)) recovered=$((recovered + r))
	faults=$(cat "$RD"/faults/*.jsonl 2>/dev/null | wc -l)
	o=$(grep -c '^out ' "$RD/round$rounds.check" || true)
	notrun=$((notrun + o))
	echo "$prog: round $rounds: $n results ($o not run: board out), $injected faults ($(cat "$RD"/faults/r$rounds-*.jsonl 2>/dev/null |
		jq -r .kind | sort | uniq -c | awk '{ printf "%s%s %s", s, $1, $2; s = ", " }')), $f tests faulted, $r recovered, $l lost, $w wrong (make: $st)"
	grep '^\(lost\|x\|wrong\) ' "$RD/round$rounds.check" | head -n 5 | sed "s/^/$prog:   /" || :
	[ $(($(date +%s) - t0)) -lt "$SECONDS_WANTED" ] || break
done

# nothing left behind: no board process of the run, no lock held
left=$(pgrep -f "$RD/vbench" || true)
locked=0
for lk in "${XDG_RUNTIME_DIR:-/tmp}"/testbed-micropython-locks/*"${RUN}"_vbench*.lock; do
	[ -e "$lk" ] || continue
	flock -n "$lk" true || locked=$((locked + 1))
done
echo "$prog: $rounds rounds in $(($(date +%s) - t0)) s on $BOARDS boards: $tests tests run, $faults faults injected," \
	"$faulted tests hit by a fault, $recovered recovered by the bench, $notrun not run (board out), lost $lost," \
	"wrong verdicts $wrong," \
	"processes left ${left:+$(echo "$left" | wc -l)}${left:-0}, locks left $locked"
[ "$lost" = 0 ] && [ "$wrong" = 0 ] && [ -z "$left" ] && [ "$locked" = 0 ]
