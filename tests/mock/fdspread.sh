#!/bin/bash
# Test-only stand-in for a tool of build/*/bin, for runs on the umockdev bench (tests/mock/vtentacles.c):
# umockdev 0.17 names a process's uevent socket after the fd number of its udev monitor, so monitors of
# concurrent processes on the same fd number share one socket and all but one miss their events. This
# wrapper takes the lowest free fds, 4 more for each call (a counter shared by all wrappers of the run,
# modulo 16) before it runs the real tool, so concurrent tools get their monitors on different numbers
# (a tool may hold a few monitors at once). The symlinks in tests/mock/fdspread/ name the tools;
# FDSPREAD_BIN is the folder of the real ones, FDSPREAD_STATE a folder for the counter.
set -eu
tool=$(basename "$0")
: "${FDSPREAD_BIN:?the folder of the real tools}" "${FDSPREAD_STATE:?a folder for the counter}"
mkdir -p "$FDSPREAD_STATE"
exec 9>>"$FDSPREAD_STATE/lock"
flock 9
n=$(cat "$FDSPREAD_STATE/count" 2>/dev/null || echo 0)
n=$((n % 16 + 1))
echo "$n" >"$FDSPREAD_STATE/count"
n=$((n * 4))
exec 9>&-
fd=3
while [ "$n" -gt 0 ]; do
	if [ ! -e "/proc/$$/fd/$fd" ]; then # an inherited fd (a jobserver pipe) stays as it is
		# a plain file: umockdev keeps a small table of the /dev files a process has open
		eval "exec $fd<\"\$FDSPREAD_STATE/lock\""
		n=$((n - 1))
	fi
	fd=$((fd + 1))
done
exec "$FDSPREAD_BIN/$tool" "$@"
