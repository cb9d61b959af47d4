#!/bin/bash
# Integration test of vboard's fault injector (--faults): for each kind, a wasm board with that kind at
# rate 1 and --fault-limit 1 shows that the fault strikes where it should, is logged in --fault-log, and
# that the board recovers as documented (mp-runtest runs a test again); --faults-after spares the first
# programs; the same --fault-seed gives the same faults, line for line.
#
# Environment: BIN (tools under test, default build/check/bin), CC (to build the small client
# tests/integration/vboard-client.c).
# Output: "ok - ..." / "not ok - ..." lines, "# ..." notes, then "N passed, N failed".
set -eu
cd "$(dirname "$0")/../.."
. tests/lib.sh

require node
require_vboards
require_tools vboard mp-runtest
VBOARD=$BIN/vboard
RUNTEST=$BIN/mp-runtest
CC=${CC:-cc}

client=$tmp/vboard-client
if ! "$CC" -std=c11 -D_GNU_SOURCE -O1 -g -o "$client" tests/integration/vboard-client.c 2>"$tmp/cc.err"; then
	notok "build tests/integration/vboard-client.c with $CC: $(head -n 3 "$tmp/cc.err")"
	finish
	exit 1
fi

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}
note() {
	printf '# %s\n' "$*"
}

# cl CLIENT-ARGS...: escaped output in $got, exit status in $crc, time taken in $dt (ms)
cl() {
	t0=$(now_ms)
	crc=0
	got=$("$client" "$@" 2>>"$tmp/client.err") || crc=$?
	dt=$(($(now_ms) - t0))
}

# fb NAME VBOARD-ARGS...: a wasm board at $tmp/NAME logging faults to $tmp/NAME.log; sets $link $log $pid
fb() {
	name=$1
	shift
	link=$tmp/$name
	log=$tmp/$name.log
	"$VBOARD" --link "$link" --fault-log "$log" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
	pid=$!
	tb_pids="$tb_pids $pid"
	t0=$(now_ms)
	while ! grep -qx "vboard: ready $link" "$tmp/$name.out" 2>/dev/null; do
		if ! kill -0 "$pid" 2>/dev/null || [ $(($(now_ms) - t0)) -gt 20000 ]; then
			notok "$name: vboard $* ready within 20 s: $(head -n 3 "$tmp/$name.err")"
			return 1
		fi
		sleep 0.02
	done
}

# the boot banner, then the raw REPL
boot_raw() {
	cl -t 15000 -e '>>> ' "$link"
	cl -t 3000 -e 'exit\r\n>' "$link" '\r\x01'
	[ "$crc" = 0 ] || notok "$name: raw REPL entered before any fault: $got"
}

# stop NAME: SIGTERM gives status 0, no sanitizer report
stop() {
	rc=0
	kill -TERM "$pid"
	wait "$pid" || rc=$?
	tb_pids=$(echo "$tb_pids" | sed "s/ $pid\$//; s/ $pid / /")
	if [ "$rc" = 0 ] && ! grep -q 'Sanitizer\|runtime error' "$tmp/$1.err"; then
		ok "$1: stops with status 0, no sanitizer report"
	else
		notok "$1: stops with status 0 (got $rc), no sanitizer report"
		sed 's/^/#   /' "$tmp/$1.err" | head -n 20
	fi
}

# logged NAME KIND PROGRAM: the log holds exactly one line, of KIND, for PROGRAM, with t_ms and detail
logged() {
	lines=$(wc -l <"$log")
	if [ "$lines" = 1 ] && grep -Eq "^\{\"t_ms\":[0-9]{13},\"kind\":\"$2\",\"detail\":\"[^\"]+\",\"seq\":1,\"program\":$3\}\$" "$log"; then
		ok "$1: logged as $2 in program $3"
	else
		notok "$1: logged as $2 in program $3: $(head -c 400 "$log")"
	fi
}

# runtest NAME WHAT: mp-runtest passes a test on the board
printf 'for i in range(8):\n    print("line", i)\n' >"$tmp/t.py"
for i in 0 1 2 3 4 5 6 7; do echo "line $i"; done >"$tmp/t.py.exp"
runtest() {
	rc=0
	"$RUNTEST" --port "$link" -t 10 "$tmp/t.py" >"$tmp/rt.out" 2>&1 || rc=$?
	if [ "$rc" = 0 ] && grep -q '^pass ' "$tmp/rt.out"; then
		ok "$1: $2"
	else
		notok "$1: $2 (status $rc: $(head -c 300 "$tmp/rt.out"))"
	fi
}

A60='aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
PROG='print("a" * 60)\x04'
CLEAN="OK$A60\\r\\n\\x04\\x04>"

# ---- hang: nothing either way until SIGUSR1 ----
if fb hang --faults hang:1 --fault-limit 1 --fault-seed 1; then
	boot_raw
	cl -t 1500 -e '\x04>' "$link" "$PROG"
	case $crc:$got in
	1:OK*) [ "$got" != "$CLEAN" ] && ok "hang: the program's output stops midway ($got)" ||
		notok "hang: the program's output stops midway: $got" ;;
	*) notok "hang: the program's output stops midway: status $crc: $got" ;;
	esac
	logged hang hang 1
	cl -t 800 -e 'exit\r\n>' "$link" '\r\x03\x03\x01'
	if [ "$crc" = 1 ] && [ -z "$got" ]; then
		ok "hang: the board answers nothing, not even Ctrl-C and Ctrl-A"
	else
		notok "hang: the board answers nothing: status $crc: $got"
	fi
	kill -USR1 "$pid"
	cl -t 15000 -e 'Type "help()" for more information.\r\n>>> ' "$link"
	case $crc:$got in
	0:*'MicroPython v1.27.0'*) ok "hang: SIGUSR1 brings the boot banner ($dt ms)" ;;
	*) notok "hang: SIGUSR1 brings the boot banner: status $crc: $got" ;;
	esac
	runtest hang "mp-runtest passes a test after the power cycle"
	stop hang
fi

# ---- disconnect: EIO, the link goes, comes back with a fresh board ----
if fb unplug --faults disconnect:1 --fault-limit 1 --fault-seed 1; then
	boot_raw
	: >"$tmp/client.err"
	cl -t 3000 -e '\x04>' "$link" "$PROG"
	# the pty hung up: poll says POLLHUP, read gives end of file (or EIO)
	if [ "$crc" = 3 ] && grep -q 'vboard-client: i/o error' "$tmp/client.err" && [ "$dt" -lt 1500 ]; then
		ok "disconnect: the port hangs up midway ($got)"
	else
		notok "disconnect: the port hangs up midway: status $crc after $dt ms: $got"
	fi
	if [ ! -e "$link" ] && [ ! -L "$link" ]; then
		ok "disconnect: the link is gone"
	else
		notok "disconnect: the link is gone"
	fi
	logged disconnect disconnect 1
	t0=$(now_ms)
	while [ ! -L "$link" ] && [ $(($(now_ms) - t0)) -lt 5000 ]; do
		sleep 0.02
	done
	if [ -L "$link" ]; then
		ok "disconnect: the link is back after $(($(now_ms) - t0)) ms"
	else
		notok "disconnect: the link is back within 5 s"
	fi
	runtest disconnect "mp-runtest passes a test after the replug"
	stop unplug
fi

# ---- reset mid-output; --faults-after 2 spares programs 1 and 2 ----
if fb reset --faults reset:1 --faults-after 2 --fault-limit 1 --fault-seed 1; then
	boot_raw
	cl -t 1500 -e '\x04>' "$link" "$PROG"
	a=$got
	cl -t 1500 -e '\x04>' "$link" "$PROG"
	if [ "$a" = "$CLEAN" ] && [ "$got" = "$CLEAN" ] && [ ! -s "$log" ]; then
		ok "--faults-after 2: programs 1 and 2 run clean"
	else
		notok "--faults-after 2: programs 1 and 2 run clean: $a / $got / $(head -c 300 "$log")"
	fi
	cl -t 15000 -e 'Type "help()" for more information.\r\n>>> ' "$link" "$PROG"
	case $crc:$got in
	0:OK*'MicroPython v1.27.0'*)
		case $got in
		*'\x04\x04>'*) notok "reset: program 3 is cut by the boot banner: $got" ;;
		*) ok "reset: program 3 is cut by the boot banner" ;;
		esac
		;;
	*) notok "reset: program 3 is cut by the boot banner: status $crc: $got" ;;
	esac
	logged reset reset 3
	runtest reset "mp-runtest passes a test after the reset"
	stop reset
fi

# ---- garbage: mp-runtest fails, the next run passes ----
if fb garbage --faults garbage:1 --fault-limit 1 --fault-seed 2; then
	cl -t 15000 -e '>>> ' "$link"
	rc=0
	"$RUNTEST" --port "$link" -t 1 "$tmp/t.py" >"$tmp/rt.out" 2>&1 || rc=$?
	if [ "$rc" != 0 ] && ! grep -q '^pass ' "$tmp/rt.out"; then
		ok "garbage: mp-runtest does not pass the faulted test (status $rc: $(head -n 1 "$tmp/rt.out"))"
	else
		notok "garbage: mp-runtest does not pass the faulted test (status $rc: $(head -c 300 "$tmp/rt.out"))"
	fi
	logged garbage garbage 1
	if grep -Eq '"detail":"[0-9]+ bytes after [0-9]+ bytes of output: [0-9a-f]*(00|04|ff|3e)' "$log" &&
		d=$(sed 's/.*of output: \([0-9a-f]*\)".*/\1/' "$log") &&
		case $d in *00*) ;; *) false ;; esac && case $d in *04*) ;; *) false ;; esac &&
		case $d in *ff*) ;; *) false ;; esac && case $d in *3e*) ;; *) false ;; esac; then
		ok "garbage: the burst holds 0x00, 0x04, 0xff and '>'"
	else
		notok "garbage: the burst holds 0x00, 0x04, 0xff and '>': $(head -c 300 "$log")"
	fi
	runtest garbage "mp-runtest passes the next run"
	stop garbage
fi

# ---- slow: a few hundred bytes/s for a while ----
if fb slow --faults slow:1 --fault-limit 1 --fault-seed 1; then
	boot_raw
	cl -t 8000 -e '\x04>' "$link" 'print("b" * 600)\x04'
	case $got in
	OK*'\r\n\x04\x04>') slow_ok=1 ;;
	*) slow_ok=0 ;;
	esac
	if [ "$slow_ok" = 1 ] && [ "$dt" -ge 1200 ] && [ "$dt" -le 5000 ]; then
		ok "slow: 610 bytes took $dt ms, complete"
	else
		notok "slow: 610 bytes took $dt ms (want about 2000), complete: $got"
	fi
	logged slow slow 1
	ms=$(sed -n 's/.*for \([0-9]*\) ms.*/\1/p' "$log")
	left=$((${ms:-4000} - dt + 200))
	[ "$left" -le 0 ] || sleep "$((left / 1000)).$(printf '%03d' $((left % 1000)))"
	cl -t 8000 -e '\x04>' "$link" 'print("b" * 600)\x04'
	if [ "$dt" -lt 500 ]; then
		ok "slow: full speed again after ${ms:-?} ms ($dt ms)"
	else
		notok "slow: full speed again after ${ms:-?} ms ($dt ms)"
	fi
	runtest slow "mp-runtest passes a test afterwards"
	stop slow
fi

# ---- refuse: no raw REPL for a few seconds ----
if fb refuse --faults refuse:1 --fault-limit 1 --fault-seed 1; then
	boot_raw
	t_prog=$(now_ms)
	cl -t 1500 -e '\x04>' "$link" "$PROG"
	if [ "$got" = "$CLEAN" ]; then
		ok "refuse: the program that draws it runs clean"
	else
		notok "refuse: the program that draws it runs clean: $got"
	fi
	logged refuse refuse 1
	cl -t 800 -e 'exit\r\n>' "$link" '\r\x03\x03\x01'
	if [ "$crc" = 1 ]; then
		ok "refuse: entering the raw REPL times out ($got)"
	else
		notok "refuse: entering the raw REPL times out: status $crc: $got"
	fi
	ms=$(sed -n 's/.*for \([0-9]*\) ms.*/\1/p' "$log")
	left=$((t_prog + ${ms:-4000} + 200 - $(now_ms)))
	[ "$left" -le 0 ] || sleep "$((left / 1000)).$(printf '%03d' $((left % 1000)))"
	cl -t 1500 -e 'exit\r\n>' "$link" '\r\x03\x03\x01'
	if [ "$crc" = 0 ]; then
		ok "refuse: the raw REPL is entered again after ${ms:-?} ms"
	else
		notok "refuse: the raw REPL is entered again after ${ms:-?} ms: status $crc: $got"
	fi
	runtest refuse "mp-runtest passes a test afterwards"
	stop refuse
fi
# a power cycle ends a refusal at once (what a bench's recovery does)
if fb refuse2 --faults refuse:1 --fault-limit 1 --fault-seed 1; then
	boot_raw
	cl -t 1500 -e '\x04>' "$link" "$PROG"
	logged refuse2 refuse 1
	kill -USR1 "$pid"
	cl -t 15000 -e '>>> ' "$link"
	cl -t 1500 -e 'exit\r\n>' "$link" '\r\x03\x03\x01'
	if [ "$crc" = 0 ]; then
		ok "refuse: after a power cycle the raw REPL is entered at once"
	else
		notok "refuse: after a power cycle the raw REPL is entered at once: status $crc: $got"
	fi
	stop refuse2
fi

# ---- the same seed, the same faults ----
# 15 programs on each board, one after the other; the lines without t_ms must match
seq_run() {
	boot_raw
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do
		cl -t 600 -e '\x04>' "$link" "print($i * 11)\\x04"
	done
}
seqs=""
for b in s42a s42b s43; do
	case $b in
	s43) seed=43 ;;
	*) seed=42 ;;
	esac
	if fb "$b" --faults garbage:0.3,slow:0.3 --fault-seed "$seed"; then
		seq_run
		sed 's/^{"t_ms":[0-9]*,/{/' "$log" >"$tmp/$b.seq"
		stop "$b"
		seqs="$seqs $b"
	fi
done
if [ "$seqs" = " s42a s42b s43" ]; then
	n=$(wc -l <"$tmp/s42a.seq")
	if [ "$n" -ge 2 ] && cmp -s "$tmp/s42a.seq" "$tmp/s42b.seq"; then
		ok "--fault-seed 42 twice: the same $n faults"
	else
		notok "--fault-seed 42 twice: the same faults ($n)"
		diff "$tmp/s42a.seq" "$tmp/s42b.seq" | head -n 10 | sed 's/^/#   /'
	fi
	if cmp -s "$tmp/s42a.seq" "$tmp/s43.seq"; then
		notok "--fault-seed 43: other faults than seed 42"
	else
		ok "--fault-seed 43: other faults than seed 42"
	fi
fi

# ---- usage ----
rc=0
"$VBOARD" --link "$tmp/u" --faults hang:1.5 >/dev/null 2>"$tmp/u.err" || rc=$?
if [ "$rc" = 2 ] && grep -q "^vboard: invalid rate for --faults: '1.5'" "$tmp/u.err"; then
	ok "--faults with a rate above 1: exit 2 with a message"
else
	notok "--faults with a rate above 1: exit 2 with a message (got $rc)"
fi
rc=0
"$VBOARD" --link "$tmp/u" --faults flood >/dev/null 2>"$tmp/u.err" || rc=$?
if [ "$rc" = 2 ] && grep -q "^vboard: unknown fault kind 'flood'" "$tmp/u.err"; then
	ok "--faults with an unknown kind: exit 2 with a message"
else
	notok "--faults with an unknown kind: exit 2 with a message (got $rc)"
fi
rc=0
"$VBOARD" --link "$tmp/u" --fault-seed 1 >/dev/null 2>"$tmp/u.err" || rc=$?
if [ "$rc" = 2 ] && grep -q "need --faults" "$tmp/u.err"; then
	ok "--fault-seed without --faults: exit 2"
else
	notok "--fault-seed without --faults: exit 2 (got $rc)"
fi
rc=0
"$VBOARD" --link "$tmp/u" --faults all --fault-log "$tmp/no/such/dir/log" >/dev/null 2>"$tmp/u.err" || rc=$?
if [ "$rc" = 3 ] && grep -q "^vboard: cannot open '$tmp/no/such/dir/log'" "$tmp/u.err" && [ ! -L "$tmp/u" ]; then
	ok "--fault-log that cannot be opened: exit 3 with a message, no link"
else
	notok "--fault-log that cannot be opened: exit 3 with a message, no link (got $rc)"
fi

finish
