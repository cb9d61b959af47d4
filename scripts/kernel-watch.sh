#!/bin/sh
# Follow the kernel log during a run on a bench and file the USB errors of each DUT where its tests see
# them: a line about a DUT's USB location (or one of its interfaces) that reports trouble is appended to
# RUN_DIR/<board>/kernel.log (mp-runtest --kernel-log puts what a test's time added into its result);
# trouble elsewhere (a hub, another device) goes to RUN_DIR/kernel.log and is said on stderr.
#
# usage: scripts/kernel-watch.sh RUN_DIR LOCATION=BOARD...    (e.g. 1-2.3=2731-RPI_PICO)
# Environment: KMSG_CMD, the kernel log as lines (default: journalctl -k -f -n 0 -o cat); WATCH_PID: stop
# when that process is gone (the run that started it, even if it was killed).
# Runs until its input ends, WATCH_PID is gone, or it is killed. Exit: 0, 2 usage.
set -eu
[ $# -ge 2 ] || { echo "usage: kernel-watch.sh RUN_DIR LOCATION=BOARD..." >&2; exit 2; }
rd=$1
shift
map=""
for a in "$@"; do
	case $a in
	?*=?*) map="$map $a" ;;
	*) echo "kernel-watch: '$a' is not LOCATION=BOARD" >&2; exit 2 ;;
	esac
done
# the messages the reference lists as USB trouble (not every "usb" line: enumeration is normal)
if [ -n "${WATCH_PID:-}" ]; then
	# the follower in the background, ended (with this whole process group) when the run is gone
	WATCH_PID='' sh "$0" "$rd" "$@" &
	follower=$!
	while kill -0 "$WATCH_PID" 2>/dev/null && kill -0 "$follower" 2>/dev/null; do sleep 1; done
	kill 0 2>/dev/null || true
	exit 0
fi
# mawk reads its input in blocks unless told otherwise: a kernel line must not wait for the next ones
interactive=""
if awk -W version 2>&1 | grep -q mawk; then interactive="-W interactive"; fi
# shellcheck disable=SC2086 # KMSG_CMD: a command with its arguments; $interactive: an option or none
${KMSG_CMD:-journalctl -k -f -n 0 -o cat} 2>/dev/null | awk $interactive -v rd="$rd" -v map="$map" '
BEGIN {
	n = split(map, pairs, " ")
	for (i = 1; i <= n; i++) {
		k = index(pairs[i], "=")
		board[substr(pairs[i], 1, k - 1)] = substr(pairs[i], k + 1)
	}
	trouble = "not enough bandwidth|can.t set config|device not accepting address|not responding to setup address|config failed|reset|attempt power cycle|error -[0-9]+|disabled by hub"
}
{
	line = $0
	if (tolower(line) !~ trouble)
		next
	# "usb 1-2.3: ..." or "cdc_acm 1-2.3:1.0: ...": the device is the part before any ":<config>.<if>"
	if (match(line, /[0-9]+-[0-9.]+(:[0-9]+\.[0-9]+)?:/)) {
		dev = substr(line, RSTART, RLENGTH - 1)
		sub(/:.*/, "", dev)
		if (dev in board) {
			f = rd "/" board[dev] "/kernel.log"
			print line >>f
			fflush(f)
			next
		}
	}
	f = rd "/kernel.log"
	print line >>f
	fflush(f)
	printf "kernel-watch: USB trouble outside the DUTs: %s\n", line >"/dev/stderr"
}'
