#!/bin/bash
# tentacle-find on mocked USB trees (umockdev): the list (table and JSON) of each topology in
# tests/mock, the inventory, usage errors, and wait: the present state, timeouts, and hot-plug events
# sent by tests/mock/hotplug-harness.c (built here with $CC).
# Topologies:
#   one-tentacle  tentacle hub 1-1: infra e46340474b4c2731 (ttyACM0), RPI_PICO DUT 2e8a:0005 at 1-1.3 (ttyACM1)
#   cascade       octohub 3-1 (a 2514 that is no tentacle) with tentacles 3-1.1 (PYBV11 f055:9800 ttyACM1),
#                 3-1.2 (ESP32 behind a CP2102 10c4:ea60 ttyUSB0), 3-1.4 (no DUT); a keyboard at 3-2
#   no-dut        tentacle 1-4 with nothing at 1-4.3
#   boot-mode     tentacle 1-2 whose DUT 2e8a:0003 (RP2040 boot ROM) has no tty
#   no-tentacle   a keyboard and a 2514 hub without infra MCU
set -eu
export LC_ALL=C
cd "$(dirname "$0")/../.."
BIN=${BIN:-build/check/bin}
CC=${CC:-cc}
PKG_CONFIG=${PKG_CONFIG:-pkg-config}
# umockdev is an LD_PRELOAD library: ASan must not insist on coming first. Leak checks are off by default
# (the preload library is not ours); TF_DETECT_LEAKS=1 turns them on for the tool under test.
export ASAN_OPTIONS="verify_asan_link_order=0:detect_leaks=${TF_DETECT_LEAKS:-0}"
T="$BIN/tentacle-find"
M=tests/mock
. tests/lib.sh

hasnt() { # DESCRIPTION FILE TEXT
	if grep -q -- "$3" "$2"; then notok "$1: '$3' found in: $(head -c 400 "$2")"; else ok "$1"; fi
}
jqtrue() { # DESCRIPTION FILE JQ-EXPRESSION (over all lines, slurped)
	if jq -e -s "$3" "$2" >/dev/null 2>"$tmp/jqerr"; then
		ok "$1"
	else
		notok "$1: jq '$3' is false on: $(head -c 600 "$2") $(cat "$tmp/jqerr")"
	fi
}
lines() { # DESCRIPTION FILE N
	local n
	n=$(wc -l <"$2")
	if [ "$n" = "$3" ]; then ok "$1"; else notok "$1: $n lines, expected $3"; fi
}
mock() { # TOPOLOGY CMD...: run CMD under a static mock
	local topo=$1
	shift
	umockdev-run -d "$M/$topo.umockdev" -- "$@"
}

if [ ! -x "$T" ] && [ "$BIN" = build/check/bin ]; then
	# until mk/tools.mk lists tentacle-find in TOOLS, `make check` does not build it
	echo "# $T is missing: building it (make $T TOOLS=tentacle-find)"
	make -s "$T" TOOLS=tentacle-find >"$tmp/make" 2>&1 || sed 's/^/#   /' "$tmp/make"
fi
if [ ! -x "$T" ]; then
	notok "$T is not built (make $T TOOLS=tentacle-find)"
	echo "$pass passed, $fail failed"
	exit 1
fi
for need in umockdev-run umockdev-wrapper jq; do
	if ! command -v "$need" >/dev/null; then
		echo "# SKIP: '$need' is not installed (apt-get install umockdev libumockdev-dev jq): NO tentacle-find test ran"
		echo "0 passed, 0 failed, 1 skipped"
		exit 0
	fi
done

# ---- command line ----
check "--help exits 0" 0 "$T" --help
has "--help shows the wait synopsis" "$tmp/o" "wait --location LOC --id VID:PID"
has "--help documents exit status 1 (no tentacle)" "$tmp/o" "1  list: no tentacle found"
has "--help documents exit status 3 (timeout)" "$tmp/o" "3  wait: timeout"
check "--version exits 0" 0 "$T" --version
check "an unknown option is a usage error" 2 "$T" --bogus
has "with a synopsis on stderr" "$tmp/e" "^usage: "
check "an unknown command is a usage error" 2 "$T" frobnicate
has "naming the command" "$tmp/e" "unknown command 'frobnicate'"
check "wait without --location is a usage error" 2 "$T" wait --id 2e8a:0005
has "saying what is missing" "$tmp/e" "wait needs --location LOC and --id VID:PID"
check "a bad --id is a usage error" 2 "$T" wait --location 1-1.3 --id 2e8a
has "naming the option and value" "$tmp/e" "invalid value for --id: '2e8a'"
check "a bad id in a list is a usage error" 2 "$T" wait --location 1-1.3 --id 2e8a:0005,xyz:1
check "a bad --location is a usage error" 2 "$T" wait --location /dev/ttyACM0 --id 2e8a:0005
has "naming the option" "$tmp/e" "invalid value for --location: '/dev/ttyACM0'"
check "a 5-digit id is a usage error" 2 "$T" wait --location 1-1.3 --id 2e8a:00051
check "an interface name is no location" 2 "$T" wait --location 1-1.3:1.0 --id 2e8a:0005
check "--ready-fd must be a number" 2 "$T" wait --location 1-1.3 --id 2e8a:0005 --ready-fd x
has "naming the option" "$tmp/e" "invalid value for --ready-fd: 'x'"
check "a bad --timeout is a usage error" 2 "$T" wait --location 1-1.3 --id 2e8a:0005 --timeout soon
has "naming the option" "$tmp/e" "invalid value for --timeout: 'soon'"
check "a bad --subsystem is a usage error" 2 "$T" wait --location 1-1.3 --id 2e8a:0005 --subsystem block
check "list with a wait option is a usage error" 2 "$T" list --location 1-1.3
check "--then without a command is a usage error" 2 "$T" wait --location 1-1.3 --id 2e8a:0005 --then
check "--ready-fd and --then together are a usage error" 2 "$T" wait --location 1-1.3 --id 2e8a:0005 \
	--ready-fd 3 --then true

# ---- list ----
check "one tentacle: exit 0" 0 mock one-tentacle "$T"
has "table header" "$tmp/o" "^SERIAL  *ID  *HUB  *INFRA  *BOARD  *DUT$"
has "table row: serial, short id, hub, infra tty, DUT" "$tmp/o" \
	"^e46340474b4c2731  2731  *1-1  */dev/ttyACM0  *-  *1-1.3 2e8a:0005 /dev/ttyACM1$"
check "one tentacle --json: exit 0" 0 mock one-tentacle "$T" --json list
lines "one JSON line" "$tmp/o" 1
jqtrue "tentacle fields" "$tmp/o" '.[0] | .serial == "e46340474b4c2731" and .short_id == "2731" and
	.hub == "1-1" and .infra_location == "1-1.1" and .infra_tty == "/dev/ttyACM0" and .board == null and
	.in_inventory == null'
jqtrue "DUT fields" "$tmp/o" '.[0].dut == {"location":"1-1.3","vid":"2e8a","pid":"0005","tty":"/dev/ttyACM1",
	"devnode":"/dev/bus/usb/001/004","busnum":1,"devnum":4,"serial":"e6614c311b7e6a2b"}'

check "cascade: exit 0" 0 mock cascade "$T" --json
lines "three tentacles, not the octohub, not the keyboard" "$tmp/o" 3
jqtrue "in location order" "$tmp/o" 'map(.hub) == ["3-1.1","3-1.2","3-1.4"]'
jqtrue "serials" "$tmp/o" 'map(.serial) == ["de6461a4e3553d2b","e46340474b4c2731","b5e5a2d93cf1f4a1"]'
jqtrue "PYBV11 DUT with its tty" "$tmp/o" '.[0].dut | .location == "3-1.1.3" and .vid == "f055" and
	.pid == "9800" and .tty == "/dev/ttyACM1"'
jqtrue "ESP32 DUT behind a CP2102: ttyUSB0" "$tmp/o" '.[1].dut | .location == "3-1.2.3" and .vid == "10c4" and
	.pid == "ea60" and .tty == "/dev/ttyUSB0"'
jqtrue "tentacle without DUT: dut null" "$tmp/o" '.[2].dut == null and .[2].infra_tty == "/dev/ttyACM3"'
check "cascade table: exit 0" 0 mock cascade "$T"
lines "header and three rows" "$tmp/o" 4
has "the row without DUT ends with -" "$tmp/o" "^b5e5a2d93cf1f4a1  f4a1  *3-1.4 .* -$"

check "no DUT: exit 0" 0 mock no-dut "$T" --json
jqtrue "dut is null" "$tmp/o" 'length == 1 and .[0].dut == null and .[0].hub == "1-4"'

check "DUT in boot mode: exit 0" 0 mock boot-mode "$T" --json
jqtrue "boot-mode DUT: USB node, bus, device, no tty" "$tmp/o" '.[0].dut | .vid == "2e8a" and .pid == "0003" and
	.tty == null and .devnode == "/dev/bus/usb/001/004" and .busnum == 1 and .devnum == 4'
check "boot-mode table: exit 0" 0 mock boot-mode "$T"
has "the row says there is no tty" "$tmp/o" "1-2.3 2e8a:0003 /dev/bus/usb/001/004 (bus 1 device 4, no tty)"

check "no tentacle: exit 1" 1 mock no-tentacle "$T"
lines "nothing on stdout" "$tmp/o" 0
has "stderr says so" "$tmp/e" "no tentacle found"
check "no tentacle --json: exit 1" 1 mock no-tentacle "$T" --json
lines "no JSON line" "$tmp/o" 0

# ---- inventory ----
printf '{"DE6461A4E3553D2B": {"board": "PYBV11"},\n "e46340474b4c2731": {"board": "ESP32_GENERIC", "variant": [1, {"x": null}]}}\n' \
	>"$tmp/inv.json"
check "inventory: exit 0" 0 mock cascade "$T" --json --inventory "$tmp/inv.json"
lines "unknown serial listed, not dropped" "$tmp/o" 3
jqtrue "known boards named (serial case ignored)" "$tmp/o" '.[0].board == "PYBV11" and .[1].board == "ESP32_GENERIC"
	and .[0].in_inventory and .[1].in_inventory'
jqtrue "unknown serial: board null, in_inventory false" "$tmp/o" '.[2].board == null and .[2].in_inventory == false'
has "warning names the unknown serial" "$tmp/e" "tentacle 'b5e5a2d93cf1f4a1' at 3-1.4 is not in inventory"
check "inventory table: exit 0" 0 mock cascade "$T" -i "$tmp/inv.json"
has "board column" "$tmp/o" "^de6461a4e3553d2b  3d2b  *3-1.1  */dev/ttyACM0  *PYBV11 "
has "unknown board shown as ?" "$tmp/o" "^b5e5a2d93cf1f4a1  f4a1  *3-1.4  */dev/ttyACM3  *? "
printf '{"e46340474b4c2731": {"board": }' >"$tmp/bad.json"
check "invalid inventory: exit 2" 2 mock cascade "$T" --inventory "$tmp/bad.json"
has "says where" "$tmp/e" "invalid inventory '$tmp/bad.json' near line"
check "missing inventory: exit 2" 2 mock cascade "$T" --inventory "$tmp/none.json"
has "names the file" "$tmp/e" "cannot read inventory '$tmp/none.json'"

# ---- wait on the present state ----
check "wait: DUT tty already there: exit 0" 0 mock one-tentacle "$T" wait --location 1-1.3 --id 2e8a:0005 --timeout 2
if [ "$(cat "$tmp/o")" = "$(printf 'ready\n/dev/ttyACM1')" ]; then ok "prints ready, then the tty"; else notok "prints ready, then the tty: $(cat "$tmp/o")"; fi
check "wait --json, present" 0 mock one-tentacle "$T" wait -l 1-1.3 -d 1234:5678,2e8a:0005 --json --then true
jqtrue "--then: no ready line; the JSON of the device" "$tmp/o" 'length == 1 and .[0].event == "present" and
	.[0].devnode == "/dev/ttyACM1" and .[0].serial == "e6614c311b7e6a2b" and .[0].busnum == 1'
# shellcheck disable=SC2016 # expanded by the inner bash
check "wait --ready-fd: ready goes there" 0 mock one-tentacle bash -c \
	'"$0" wait --location 1-1.3 --id 2e8a:0005 --ready-fd 3 3>"$1"' "$T" "$tmp/readyfd"
has "ready on the fd" "$tmp/readyfd" "^ready$"
if [ "$(cat "$tmp/o")" = /dev/ttyACM1 ]; then ok "stdout has only the tty"; else notok "stdout has only the tty: $(cat "$tmp/o")"; fi
check "wait --subsystem usb: boot-mode device" 0 mock boot-mode "$T" wait -l 1-2.3 -d 2e8a:0003 -s usb -t 2
has "USB node, bus and device" "$tmp/o" "^/dev/bus/usb/001/004 1 4$"
check "wait: the infra is not the DUT (other location): timeout 3" 3 mock one-tentacle "$T" wait -l 1-1.3 \
	-d 2e8a:0003 -t 0.3
has "timeout message" "$tmp/e" "timeout: no tty 2e8a:0003 appeared at 1-1.3 within 0.3 s"
check "wait: boot-mode device has no tty: timeout 3" 3 mock boot-mode "$T" wait -l 1-2.3 -d 2e8a:0003 -t 0.3
check "wait: nothing at 1-4.3: timeout 3" 3 mock no-dut "$T" wait -l 1-4.3 -d 2e8a:0005 -t 0.3
check "wait --gone: absent already: exit 0" 0 mock no-dut "$T" wait -l 1-4.3 -d 2e8a:0005 --gone -t 2 --json
grep -v '^ready$' "$tmp/o" >"$tmp/j" || true
jqtrue "event absent, after the ready line" "$tmp/j" 'length == 1 and .[0].event == "absent"'
check "wait --gone: still there: timeout 3" 3 mock one-tentacle "$T" wait -l 1-1.3 -d 2e8a:0005 --gone -t 0.3
has "says it is still there" "$tmp/e" "still at 1-1.3"
check "wait --then false: exit 3" 3 mock one-tentacle "$T" wait -l 1-1.3 -d 2e8a:0005 --then false
has "names the failed command" "$tmp/e" "'false' failed with exit status 1"
check "wait --new ignores the present device: timeout 3" 3 mock one-tentacle "$T" wait -l 1-1.3 -d 2e8a:0005 \
	--new -t 0.3

# ---- wait with hot-plug events ----
H="$tmp/hotplug-harness"
build_mock tests/mock/hotplug-harness.c "$H" || { finish; exit 1; }
# subtree TOPOLOGY DEVPATH OUT: the devices at and below DEVPATH, without /dev nodes (umockdev 0.17 cannot
# make the pty of a removed tty again; the tool reads the node name from DEVNAME)
subtree() {
	awk -v pre="$2" 'BEGIN { RS = ""; ORS = "" }
	{ n = split($0, l, "\n"); p = substr(l[1], 4)
	  if (p == pre || index(p, pre "/") == 1) {
		for (i = 1; i <= n; i++) if (substr(l[i], 1, 3) != "N: ") print l[i] "\n"
		print "\n" } }' "$M/$1.umockdev" >"$3"
}
hot() { # TOPOLOGY STEP... -- CMD...
	local topo=$1
	shift
	umockdev-wrapper "$H" "$M/$topo.umockdev" "$@"
}
U1=/sys/devices/pci0000:00/0000:00:14.0/usb1
U3=/sys/devices/pci0000:00/0000:00:14.0/usb3
subtree one-tentacle "${U1#/sys}/1-1/1-1.3" "$tmp/pico.umockdev"
subtree cascade "${U3#/sys}/3-1/3-1.1/3-1.1.3" "$tmp/pyb.umockdev"
subtree cascade "${U3#/sys}/3-1/3-1.2/3-1.2.3" "$tmp/esp.umockdev"
subtree boot-mode "${U1#/sys}/1-2/1-2.3" "$tmp/boot.umockdev"

check "hot-plug: the DUT comes back: exit 0" 0 hot one-tentacle remove:$U1/1-1/1-1.3 add:"$tmp/pico.umockdev" \
	-- "$T" wait -l 1-1.3 -d 2e8a:0005 --new --json -t 5
jqtrue "seen as an add event, with its tty and serial" "$tmp/o" 'length == 1 and .[0].event == "add" and
	.[0].devnode == "/dev/ttyACM1" and .[0].serial == "e6614c311b7e6a2b"'
check "hot-plug --gone: the DUT is removed: exit 0" 0 hot one-tentacle remove:$U1/1-1/1-1.3 \
	-- "$T" wait -l 1-1.3 -d 2e8a:0005 --gone --json -t 5
jqtrue "seen as a remove event" "$tmp/o" '.[0].event == "remove" and .[0].devnode == "/dev/ttyACM1"'
check "hot-plug: a removal is no add (stale event): timeout 3" 3 hot one-tentacle remove:$U1/1-1/1-1.3 \
	-- "$T" wait -l 1-1.3 -d 2e8a:0005 --new -t 1
check "hot-plug: another tentacle's DUT with a wanted id is ignored: timeout 3" 3 hot cascade \
	remove:$U3/3-1/3-1.2/3-1.2.3 add:"$tmp/esp.umockdev" \
	-- "$T" wait -l 3-1.1.3 -d f055:9800,10c4:ea60 --new -t 1
has "timeout message names the location" "$tmp/e" "appeared at 3-1.1.3 within 1 s"
check "hot-plug: own add after another tentacle's: exit 0" 0 hot cascade \
	remove:$U3/3-1/3-1.2/3-1.2.3 remove:$U3/3-1/3-1.1/3-1.1.3 add:"$tmp/esp.umockdev" add:"$tmp/pyb.umockdev" \
	-- "$T" wait -l 3-1.1.3 -d f055:9800,10c4:ea60 --new -t 5
if [ "$(cat "$tmp/o")" = /dev/ttyACM1 ]; then ok "its own tty, not ttyUSB0"; else notok "its own tty, not ttyUSB0: $(cat "$tmp/o")"; fi
check "hot-plug: boot-mode USB device: exit 0" 0 hot boot-mode remove:$U1/1-2/1-2.3 add:"$tmp/boot.umockdev" \
	-- "$T" wait -l 1-2.3 -d 2e8a:0003 -s usb --new -t 5
has "USB node, bus and device" "$tmp/o" "^/dev/bus/usb/001/004 1 4$"
check "hot-plug: boot-mode device, waiting for a tty: timeout 3" 3 hot boot-mode remove:$U1/1-2/1-2.3 \
	add:"$tmp/boot.umockdev" -- "$T" wait -l 1-2.3 -d 2e8a:0003 --new -t 1
check "hot-plug: --then runs once the monitor is bound: exit 0" 0 hot one-tentacle remove:$U1/1-1/1-1.3 \
	add:"$tmp/pico.umockdev" -- "$T" wait -l 1-1.3 -d 2e8a:0005 --new -t 5 --then sh -c 'echo ready'
if [ "$(cat "$tmp/o")" = /dev/ttyACM1 ]; then ok "the tty after the command's ready"; else notok "the tty after the command's ready: $(cat "$tmp/o")"; fi
check "hot-plug: no event at all: timeout 3" 3 hot one-tentacle sleep:100 \
	-- "$T" wait -l 1-1.3 -d 2e8a:0005 --new -t 0.5

finish
