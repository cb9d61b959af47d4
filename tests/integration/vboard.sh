#!/bin/sh
# Integration test of vboard: start a virtual board of each type behind a pty and check, byte for byte,
# what it answers to the exchanges a test runner makes (boot banner, raw REPL entry, soft reset, plain
# raw exec, raw-paste, state cleared by soft reset, SystemExit, Ctrl-C on an endless loop, friendly REPL,
# SIGUSR1 power cycle, clean stop), plus --baud / --exec-delay throttling and usage errors.
#
# Environment: VBOARD (binary under test, default $BIN/vboard, BIN default build/check/bin), VBOARD_TYPES (default
# "wasm microbit"), CC (to build the small client tests/integration/vboard-client.c).
# Output: one line per check, "ok - ..." or "not ok - ...", "# ..." notes (timings), then "N passed, N failed".
set -eu
LC_ALL=C
export LC_ALL

cd "$(dirname "$0")/../.."
VBOARD=${VBOARD:-${BIN:-build/check/bin}/vboard}
TYPES=${VBOARD_TYPES:-wasm microbit}
CC=${CC:-cc}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vboard-test.XXXXXX")
board_pids=""
cleanup() {
	for p in $board_pids; do
		kill -TERM "$p" 2>/dev/null || :
	done
	for p in $board_pids; do
		wait "$p" 2>/dev/null || :
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

pass=0
fail=0
ok() {
	pass=$((pass + 1))
	printf 'ok - %s\n' "$*"
}
notok() {
	fail=$((fail + 1))
	printf 'not ok - %s\n' "$*"
}
note() {
	printf '# %s\n' "$*"
}
now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

client=$tmp/vboard-client
if ! $CC -std=c11 -D_GNU_SOURCE -O1 -g -o "$client" tests/integration/vboard-client.c 2>"$tmp/cc.err"; then
	notok "build tests/integration/vboard-client.c with $CC: $(head -n 3 "$tmp/cc.err")"
	echo "$pass passed, $fail failed"
	exit 1
fi
if [ ! -x "$VBOARD" ]; then
	notok "$VBOARD is missing: run 'make $VBOARD' first"
	echo "$pass passed, $fail failed"
	exit 1
fi

# run the client; its escaped output goes to $got
talk() {
	got=$("$client" "$@" 2>>"$tmp/client.err") || :
}
# NAME WANT CLIENT-ARGS...: the output must be exactly WANT
check_eq() {
	name=$1 want=$2
	shift 2
	talk "$@"
	if [ "$got" = "$want" ]; then
		ok "$name"
	else
		notok "$name"
		note "  want: $want"
		note "  got:  $got"
	fi
}
# NAME WANT CLIENT-ARGS...: the output must contain WANT
check_has() {
	name=$1 want=$2
	shift 2
	talk "$@"
	case $got in
	*"$want"*) ok "$name" ;;
	*)
		notok "$name"
		note "  want (part): $want"
		note "  got:  $got"
		;;
	esac
}
# NAME PREFIX SUFFIX CLIENT-ARGS...: the output must start with PREFIX and end with SUFFIX
check_ends() {
	name=$1 pre=$2 suf=$3
	shift 3
	talk "$@"
	case $got in
	"$pre"*"$suf") ok "$name" ;;
	*)
		notok "$name"
		note "  want: $pre...$suf"
		note "  got:  $got"
		;;
	esac
}

# start_board NAME VBOARD-ARGS...: sets $link $pidfile $pid $ready_ms; returns 1 if it never got ready
start_board() {
	bname=$1
	shift
	link=$tmp/$bname
	pidfile=$tmp/$bname.pid
	t0=$(now_ms)
	"$VBOARD" --link "$link" --pidfile "$pidfile" "$@" >"$tmp/$bname.out" 2>"$tmp/$bname.err" &
	pid=$!
	board_pids="$board_pids $pid"
	while ! grep -qx "vboard: ready $link" "$tmp/$bname.out" 2>/dev/null; do
		if ! kill -0 "$pid" 2>/dev/null || [ $(($(now_ms) - t0)) -gt 20000 ]; then
			notok "$bname: vboard $* ready within 20 s: $(head -n 3 "$tmp/$bname.err")"
			return 1
		fi
		sleep 0.02
	done
	ready_ms=$(($(now_ms) - t0))
	return 0
}

# stop_board NAME: SIGTERM, exit 0, link and pidfile gone, no sanitizer report
stop_board() {
	bname=$1
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	board_pids=$(echo "$board_pids" | sed "s/ $pid\$//; s/ $pid / /")
	if [ "$rc" = 0 ] && [ ! -e "$link" ] && [ ! -L "$link" ] && [ ! -e "$pidfile" ]; then
		ok "$bname: SIGTERM stops it with status 0, link and pidfile removed"
	else
		notok "$bname: SIGTERM stops it with status 0 (got $rc), link and pidfile removed"
	fi
	if grep -q 'Sanitizer\|runtime error' "$tmp/$bname.err"; then
		notok "$bname: no sanitizer report"
		sed 's/^/# /' "$tmp/$bname.err" | head -n 20
	else
		ok "$bname: no sanitizer report"
	fi
}

RAWB='raw REPL; CTRL-B to exit\r\n>'
HELP='Type "help()" for more information.\r\n>>> '
KBD='Traceback (most recent call last):\r\n  File "<stdin>", line'

# a 15 kB raw-paste that needs the board's flow control, and a skipping test
awk 'BEGIN { for (i = 0; i < 300; i++) printf "x%d = %d * 2 + 1  # padding padding padding padding\n", i, i;
	print "print(x299)" }' >"$tmp/big.py"
printf 'print("START TEST")\nprint("SKIP")\nraise SystemExit\n' >"$tmp/skip.py"

test_type() {
	t=$1
	case $t in
	wasm)
		boot_pre='MicroPython v1.27.0 on '
		banner_pre=$boot_pre
		soft='MPY: soft reboot\r\n'
		zde='ZeroDivisionError: divide by zero'
		kbd_line=1
		;;
	microbit)
		boot_pre='\x00MicroPython v1.9.2' # the first byte after power-on is a NUL
		banner_pre='MicroPython v1.9.2'
		soft='soft reboot\r\n'
		zde='ZeroDivisionError: division by zero'
		kbd_line=2
		if ! command -v "${QEMU:-qemu-system-arm}" >/dev/null 2>&1; then
			notok "microbit: ${QEMU:-qemu-system-arm} not found (apt-get install qemu-system-arm, or VBOARD_TYPES=wasm)"
			return 0
		fi
		;;
	*)
		notok "unknown board type '$t' in VBOARD_TYPES"
		return 0
		;;
	esac
	start_board "$t" --type "$t" || return 0
	note "$t: ready line after $ready_ms ms"
	p=$link

	t0=$(now_ms)
	check_ends "$t: boot banner" "$boot_pre" "$HELP" -t 15000 -e '>>> ' "$p"
	note "$t: banner complete $(($(now_ms) - t0)) ms after the ready line"
	check_eq "$t: \\r\\x03\\x03 gives three prompts" '\r\n>>> \r\n>>> \r\n>>> ' -e '>>> \r\n>>> \r\n>>> ' "$p" '\r\x03\x03'
	check_eq "$t: \\r\\x01 enters raw REPL" "\\r\\n>>> \\r\\n$RAWB" -e 'exit\r\n>' "$p" '\r\x01'
	check_eq "$t: \\x04 soft reset in raw REPL" "OK\\r\\n$soft$RAWB" -e 'exit\r\n>' "$p" '\x04'
	check_eq "$t: plain raw exec" 'OK2\r\n\x04\x04>' -e '\x04>' "$p" 'print(1+1)\x04'
	check_eq "$t: uncaught exception" "OK\\x04$KBD 1, in <module>\\r\\n$zde\\r\\n\\x04>" -e '\x04>' "$p" '1/0\x04'
	check_eq "$t: syntax error" "OK\\x04${KBD} 1\\r\\nSyntaxError: invalid syntax\\r\\n\\x04>" -e '\x04>' "$p" 'x = = 1\x04'
	us=$("$client" -r 200 -e '\x04>' "$p" 'pass\x04' 2>&1 >/dev/null) || us='?'
	note "$t: round trip of a trivial plain raw exec: $us us (mean of 200)"

	if [ "$t" = wasm ]; then
		check_eq "$t: raw-paste accepted with window 128" 'R\x01\x80\x00\x01' -e '\x80\x00\x01' "$p" '\x05A\x01'
		check_eq "$t: raw-paste run (transcript 03)" '\x04hi\r\nxxx\r\n\x04\x04>' -e '\x04\x04>' "$p" \
			"print('hi')\\nprint('x'*3)\\n\\x04"
		talk -t 10000 -e '\x04\x04>' -p "$tmp/big.py" "$p"
		got=$(printf '%s\n' "$got" | sed 's/\\x01//g')
		if [ "$got" = '\x04599\r\n\x04\x04>' ]; then
			ok "$t: raw-paste of 15 kB with flow control"
		else
			notok "$t: raw-paste of 15 kB with flow control"
			note "  got: $got"
		fi
		check_eq "$t: SystemExit soft-resets back into raw REPL (transcript 07)" \
			"\\x04START TEST\\r\\nSKIP\\r\\n\\x04\\x04$soft$RAWB" -e 'exit\r\n>' -p "$tmp/skip.py" "$p"
	else
		check_eq "$t: raw-paste refused (raw REPL banner again)" "$RAWB" -e 'exit\r\n>' -q 300 "$p" '\x05A\x01'
		check_eq "$t: SystemExit in raw REPL (no soft reset on this firmware)" \
			'OKSTART TEST\r\nSKIP\r\n\x04\x04>' -e '\x04>' "$p" 'print("START TEST")\nprint("SKIP")\nraise SystemExit\n\x04'
	fi

	check_eq "$t: state set" 'OK\x04\x04>' -e '\x04>' "$p" 'y = 42\x04'
	check_eq "$t: state kept between runs" 'OK42\r\n\x04\x04>' -e '\x04>' "$p" 'print(y)\x04'
	check_eq "$t: soft reset" "OK\\r\\n$soft$RAWB" -e 'exit\r\n>' "$p" '\x04'
	check_has "$t: soft reset cleared the state" "NameError: name 'y'" -e '\x04>' "$p" 'print(y)\x04'

	check_eq "$t: endless loop starts" 'OK' -q 500 "$p" 'while True:\n    pass\n\x04'
	check_eq "$t: Ctrl-C interrupts it" "\\x04$KBD $kbd_line, in <module>\\r\\nKeyboardInterrupt: \\r\\n\\x04>" \
		-t 5000 -e '\x04>' "$p" '\x03'
	check_eq "$t: board usable after Ctrl-C" 'OK3\r\n\x04\x04>' -e '\x04>' "$p" 'print(3)\x04'

	check_ends "$t: \\x02 leaves raw REPL" "\\r\\n$banner_pre" "$HELP" -e '>>> ' "$p" '\x02'
	check_eq "$t: friendly REPL expression" '1+1\r\n2\r\n>>> ' -e '2\r\n>>> ' "$p" '1+1\r'
	check_ends "$t: friendly Ctrl-D soft reset" "\\r\\n$soft$banner_pre" "$HELP" -e '>>> ' "$p" '\x04'

	check_eq "$t: state set before power cycle" "\\r\\n>>> \\r\\n${RAWB}OK\\x04\\x04>" -e '\x04\x04>' "$p" '\r\x01z = 7\x04'
	t0=$(now_ms)
	kill -USR1 "$pid"
	check_ends "$t: SIGUSR1 power cycle prints the boot banner" "$boot_pre" "$HELP" -t 15000 -e '>>> ' "$p"
	note "$t: power cycle to banner: $(($(now_ms) - t0)) ms"
	check_has "$t: power cycle cleared the state" "NameError: name 'z'" -e '\x04>' "$p" '\r\x01print(z)\x04'

	stop_board "$t"
}

for t in $TYPES; do
	test_type "$t"
done

# throttling (wasm only: the relay is the same for every type)
case " $TYPES " in
*" wasm "*)
	if start_board slow --type wasm --baud 9600; then
		"$client" -t 15000 -e '>>> ' "$link" >/dev/null 2>&1 || :
		"$client" -t 5000 -q 100 -e 'exit\r\n>' "$link" '\r\x01' >/dev/null 2>&1 || :
		t0=$(now_ms)
		talk -t 10000 -e '\x04\x04>' "$link" "print('x' * 958)\\x04"
		dt=$(($(now_ms) - t0))
		# 'OK' + 958 + '\r\n' + '\x04\x04>' = 965 bytes at 960 bytes/s
		if [ "$dt" -ge 900 ] && [ "$dt" -le 3000 ]; then
			ok "--baud 9600: 965 bytes took $dt ms"
		else
			notok "--baud 9600: 965 bytes took $dt ms (want about 1000)"
		fi
		stop_board slow
	fi
	if start_board delay --type wasm --exec-delay 300; then
		"$client" -t 15000 -e '>>> ' "$link" >/dev/null 2>&1 || :
		"$client" -t 5000 -e 'exit\r\n>' "$link" '\r\x01' >/dev/null 2>&1 || :
		t0=$(now_ms)
		talk -t 5000 -e '\x04>' "$link" 'print(5)\x04'
		dt=$(($(now_ms) - t0))
		if [ "$got" = 'OK5\r\n\x04\x04>' ] && [ "$dt" -ge 290 ] && [ "$dt" -le 2000 ]; then
			ok "--exec-delay 300: exec answered after $dt ms"
		else
			notok "--exec-delay 300: exec answered after $dt ms: $got"
		fi
		stop_board delay
	fi
	;;
esac

# usage and start errors
rc=0
"$VBOARD" --bogus >/dev/null 2>"$tmp/usage.err" || rc=$?
if [ "$rc" = 2 ] && grep -q "^vboard: unknown option '--bogus'" "$tmp/usage.err"; then
	ok "unknown option: exit 2 with a message"
else
	notok "unknown option: exit 2 with a message (got $rc)"
fi
rc=0
"$VBOARD" --help >"$tmp/help.out" 2>&1 || rc=$?
if [ "$rc" = 0 ] && grep -q '^Exit status:' "$tmp/help.out"; then
	ok "--help: stdout, exit 0, exit codes documented"
else
	notok "--help: stdout, exit 0, exit codes documented (got $rc)"
fi
: >"$tmp/plainfile"
rc=0
"$VBOARD" --link "$tmp/plainfile" >/dev/null 2>"$tmp/link.err" || rc=$?
if [ "$rc" = 3 ] && grep -q "^vboard: cannot link '$tmp/plainfile'" "$tmp/link.err" && [ -f "$tmp/plainfile" ]; then
	ok "--link to a regular file: refused, exit 3, file kept"
else
	notok "--link to a regular file: refused, exit 3, file kept (got $rc)"
fi
rc=0
MICROBIT_FIRMWARE=$tmp/nonexistent.hex "$VBOARD" --type microbit --link "$tmp/mbx" >/dev/null 2>"$tmp/fw.err" || rc=$?
if [ "$rc" = 3 ] && grep -q "^vboard: cannot read micro:bit firmware" "$tmp/fw.err" && [ ! -e "$tmp/mbx" ]; then
	ok "missing firmware: exit 3 with a message, no link left"
else
	notok "missing firmware: exit 3 with a message, no link left (got $rc)"
fi
rc=0
NODE=$tmp/no-such-node "$VBOARD" --link "$tmp/nn" >/dev/null 2>"$tmp/node.err" || rc=$?
if [ "$rc" = 3 ] && grep -q "^vboard: cannot run '$tmp/no-such-node'" "$tmp/node.err" && [ ! -L "$tmp/nn" ]; then
	ok "missing node: exit 3 with a message, no link left"
else
	notok "missing node: exit 3 with a message, no link left (got $rc)"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
