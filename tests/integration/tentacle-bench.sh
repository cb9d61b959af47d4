#!/bin/bash
# A virtual tentacle bench (tests/mock/vtentacles.c, built here with $CC): 4 tentacles whose DUTs are
# unplugged and plugged back when their hub port 3 is switched through sysfs. All 4 DUTs are power-cycled
# concurrently, each by `tentacle-find wait --new --then tentacle-power ... dut cycle`, 20 rounds; every
# wait must print the fresh tty of its own location, never another's (checked against the harness's log
# of which tty it plugged in where).
set -eu
export LC_ALL=C
cd "$(dirname "$0")/../.."
BIN=${BIN:-build/check/bin}
CC=${CC:-cc}
ROUNDS=${ROUNDS:-20}
N=4
F="$BIN/tentacle-find"
P="$BIN/tentacle-power"
. tests/lib.sh

require_tools tentacle-find tentacle-power
require jq
vbench_harness

# ---- the bench as tentacle-find sees it ----
if umockdev-wrapper "$VT" $N -- "$F" --json >"$tmp/list" 2>"$tmp/e"; then ok "list on the bench: exit 0"
else notok "list on the bench: $(head -c 400 "$tmp/e")"; fi
if jq -e -s 'length == 4 and map(.hub) == ["1-1.1","1-1.2","1-1.3","1-1.4"] and
	map(.short_id) == ["2731","2732","2733","2734"] and
	map(.dut.location) == ["1-1.1.3","1-1.2.3","1-1.3.3","1-1.4.3"] and
	map(.dut.tty) == ["/dev/ttyACM4","/dev/ttyACM5","/dev/ttyACM6","/dev/ttyACM7"]' "$tmp/list" >/dev/null
then ok "4 tentacles, each with its RPI_PICO DUT tty"
else notok "the bench: $(head -c 800 "$tmp/list")"; fi

# ---- 4 DUTs power-cycled concurrently, ROUNDS times ----
mkdir "$tmp/out"
cat >"$tmp/rounds.sh" <<'INNER'
# runs inside the bench: F P OUT ROUNDS N
F=$1 P=$2 out=$3 rounds=$4 n=$5
for r in $(seq 1 "$rounds"); do
	for k in $(seq 1 "$n"); do
		(
			# umockdev 0.17 names a process's uevent socket "$UMOCKDEV_DIR/event<fd>": monitors of
			# concurrent processes on the same fd number share one socket and all but one miss their
			# events. A different number of open fds per tentacle gives each wait its own socket
			# (vtentacles starts the command with only fds 0-2 open, so the numbers are stable).
			for i in $(seq 3 $((2 + 2 * k))); do eval "exec $i</dev/null"; done
			st=0
			"$F" wait --location "1-1.$k.3" --id 2e8a:0005 --new --timeout 10 \
				--then "$P" --hub "1-1.$k" --hw-version 0 dut cycle >"$out/$r-$k" 2>"$out/$r-$k.err" || st=$?
			echo $st >"$out/$r-$k.st"
		) &
	done
	wait
done
"$F" --json >"$out/final"
INNER
t0=$(date +%s)
st=0
VT_LOG="$tmp/vtlog" umockdev-wrapper "$VT" $N -- bash "$tmp/rounds.sh" "$F" "$P" "$tmp/out" "$ROUNDS" $N \
	>"$tmp/o" 2>"$tmp/e" || st=$?
t1=$(date +%s)
if [ $st = 0 ]; then ok "$ROUNDS rounds of $N concurrent cycles ran ($((t1 - t0)) s)"
else notok "the rounds: exit $st: $(head -c 400 "$tmp/e")"; fi

# the harness's log: "LOCATION on|off TTYNAME", one line per switch
bad=0 waits=0
for r in $(seq 1 "$ROUNDS"); do
	for k in $(seq 1 $N); do
		f="$tmp/out/$r-$k"
		s=$(cat "$f.st" 2>/dev/null || echo none)
		tty=$(grep '^/dev/' "$f" 2>/dev/null | tail -n 1 || true)
		# the tty plugged in at this location in this round: its r-th "on" (the first DUT came with the bench)
		want=$(awk -v loc="1-1.$k.3" '$1 == loc && $2 == "on" { n++; if (n == r) print "/dev/" $3 }' r="$r" "$tmp/vtlog")
		waits=$((waits + 1))
		if [ "$s" != 0 ] || [ -z "$tty" ] || [ "$tty" != "$want" ]; then
			bad=$((bad + 1))
			[ $bad -gt 5 ] || notok "round $r, 1-1.$k.3: exit $s, printed '$tty', plugged in there: '$want' ($(head -c 300 "$f.err"))"
		fi
	done
done
if [ $bad = 0 ]; then ok "all $waits waits printed the fresh tty of their own location"
else notok "$bad of $waits waits saw no tty or another's"; fi
# every tty name printed is distinct (no wait saw a stale or foreign device)
if [ "$(cat "$tmp"/out/*-? | grep '^/dev/' | sort | uniq -d | wc -l)" = 0 ] &&
	[ "$(cat "$tmp"/out/*-? | grep -c '^/dev/')" = "$waits" ]; then
	ok "$waits distinct ttys, one per wait"
else notok "tty names repeat or are missing: $(cat "$tmp"/out/*-? | grep '^/dev/' | sort | uniq -c | sort -rn | head -n 3)"; fi
offs=$(grep -c ' off ' "$tmp/vtlog" || true)
ons=$(grep -c ' on ' "$tmp/vtlog" || true)
if [ "$offs" = $((ROUNDS * N)) ] && [ "$ons" = $((ROUNDS * N)) ]; then ok "the bench saw $offs unplugs and $ons plugs"
else notok "the bench saw $offs unplugs and $ons plugs, expected $((ROUNDS * N)) each"; fi
if jq -e -s --arg n $N 'length == ($n | tonumber) and all(.[]; .dut != null)' "$tmp/out/final" >/dev/null 2>&1 &&
	[ "$(jq -r -s 'map(.dut.tty) | join(" ")' "$tmp/out/final")" = \
		"$(for k in $(seq 1 $N); do awk -v loc="1-1.$k.3" '$1 == loc && $2 == "on" { t = $3 } END { printf "/dev/%s ", t }' "$tmp/vtlog"; done | sed 's/ $//')" ]; then
	ok "afterwards every DUT is powered, with its last tty"
else notok "afterwards: $(head -c 600 "$tmp/out/final")"; fi
finish
