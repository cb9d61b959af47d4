#!/bin/bash
# Bring one DUT of a bench up for a test run, as a target of results/<run>/prepare.mk (see
# scripts/testrun.sh): with FLASH=skip power-cycle it; with FLASH=auto or force hand it to mp-flash,
# which flashes FIRMWARE when the board does not run it already (auto) or always (force). Either way
# the DUT ends powered on a fresh application tty, whose path is written to DIR/dut.tty last: that
# file exists exactly when the board is ready for its tests.
#
# usage: dut-up.sh DIR LABEL HUB DUT-LOCATION APP-VID:PID HW-OPTION BOARD VARIANT FIRMWARE
#   HW-OPTION "--hw-version N" or "-" (ask the infra); VARIANT and FIRMWARE "-" for none.
# Environment: FLASH (skip|auto|force), BIN (the tools). mp-flash writes DIR/flash.log and DIR/flash.json.
# Exit: 0 ready; 1 not ready (one line on stderr says why).
set -eu
export LC_ALL=C
[ $# = 9 ] || { echo "dut-up: 9 arguments expected, got $#" >&2; exit 2; }
dir=$1 label=$2 hub=$3 loc=$4 id=$5 hw=$6 board=$7 variant=$8 fw=$9
top=$(cd "$(dirname "$0")/.." && pwd)
[ "$hw" != - ] || hw=""
[ "$variant" != - ] || variant=""
mkdir -p "$dir"
rm -f "$dir/dut.tty"
fail() {
	echo "$label: not ready: $1" >&2
	exit 1
}

mode=${FLASH:-skip}
[ "$fw" != - ] || [ "$mode" = skip ] || [ "$(jq -r '.flasher.program' "$top/boards/$board.json")" != none ] ||
	mode=skip # a virtual board on a bench: nothing to flash
if [ "$mode" = skip ]; then
	# shellcheck disable=SC2086 # HW-OPTION is two words
	out=$("$BIN/tentacle-find" wait --location "$loc" --id "$id" --new --timeout 10 \
		--then "$BIN/tentacle-power" --hub "$hub" $hw dut cycle) || out=""
	tty=$(printf '%s\n' "$out" | sed -n 's|^\(/dev/.*\)|\1|p' | tail -n 1)
	[ -n "$tty" ] || fail "the DUT at $loc did not come back after a power cycle"
	echo "$label: DUT at $loc power-cycled, now $tty" >&2
else
	[ "$fw" != - ] || fail "not flashed: no firmware for $board${variant:+ variant $variant} (see above)"
	force=()
	[ "$mode" != force ] || force=(--force)
	rc=0
	# shellcheck disable=SC2086
	"$BIN/mp-flash" --hub "$hub" --boards-dir "$top/boards" --board "$board" ${variant:+--variant "$variant"} \
		$hw --no-lock --label "$label" --log "$dir/flash.log" --json "${force[@]}" "$fw" \
		>"$dir/flash.json.tmp" || rc=$?
	mv "$dir/flash.json.tmp" "$dir/flash.json"
	[ $rc = 0 ] || fail "not flashed (mp-flash exit $rc; log $dir/flash.log)"
	jq -r '"\(.label): \(if .action == "flashed" then "flashed \(.firmware) in \(.duration_ms / 1000) s" else "up to date" end): \(.identity) on \(.tty)"' \
		"$dir/flash.json" >&2
	tty=$(jq -r '.tty // empty' "$dir/flash.json")
	[ -n "$tty" ] || fail "mp-flash gave no tty"
fi
printf '%s\n' "$tty" >"$dir/dut.tty.tmp"
mv "$dir/dut.tty.tmp" "$dir/dut.tty"
