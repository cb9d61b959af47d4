#!/bin/sh
# tentacle-power without hardware: usage errors; hub port power through the sysfs disable files of a
# mocked tentacle bench (umockdev-run, tests/mock/power-tentacles.umockdev); through libusb hub class
# requests against a fake hub (tests/mock/fakehub.c, the exact setup packets checked); the infra MCU's
# raw REPL against a virtual board (no machine module there: the error path and the snippets sent).
set -eu
cd "$(dirname "$0")/../.."
. tests/lib.sh
CC=${CC:-cc}
PKG_CONFIG=${PKG_CONFIG:-pkg-config}
# under umockdev the tool runs with libumockdev preloaded: ASan must not insist on being first, and
# umockdev's own allocations are not ours to check (leaks are checked in the runs without umockdev)
MOCK_ASAN=verify_asan_link_order=0:detect_leaks=0
export ASAN_OPTIONS=detect_leaks=1
TOPO=tests/mock/power-tentacles.umockdev
P="$BIN/tentacle-power"
hasnot() { # DESCRIPTION FILE TEXT
	if grep -qF -- "$3" "$2"; then notok "$1: '$3' found in $(head -c 400 "$2")"; else ok "$1"; fi
}

if [ ! -x "$P" ]; then
	notok "$P is missing: build it (make check-build)"
	finish
	exit
fi

# ---- usage ----
check "--help exits 0" 0 "$P" --help
has_text "--help documents the exit codes" "$tmp/o" "3  device trouble"
check "--version exits 0" 0 "$P" --version
check "no tentacle given: usage error" 2 "$P" dut off
has_text "it names what is missing" "$tmp/e" "no tentacle given"
check "--hub and --tentacle together: usage error" 2 "$P" --hub 1-1 --tentacle 2731 dut off
check "an unknown command: usage error" 2 "$P" --hub 1-1 dut sideways
has_text "it names the command" "$tmp/e" "invalid command: 'dut sideways'"
check "a missing action: usage error" 2 "$P" --hub 1-1 infra
check "a bad --method: usage error" 2 "$P" --hub 1-1 --method usb dut off
has_text "the error names the option" "$tmp/e" "invalid value for --method: 'usb'"
check "--off-time below the 2.0 s floor: usage error" 2 "$P" --hub 1-1 --off-time 1.5 dut cycle
has_text "the error names the option" "$tmp/e" "invalid value for --off-time"
check "relay 8 does not exist: usage error" 2 "$P" --hub 1-1 relay 8 press
check "a bad pulse list: usage error" 2 "$P" --hub 1-1 relay 1 pulse 100,x
check "a bad --hw-version: usage error" 2 "$P" --hub 1-1 --hw-version 99 dut off
check "led without a state: usage error" 2 "$P" --hub 1-1 led active

# ---- sysfs: the disable files of a mocked bench ----
if ! command -v umockdev-run >/dev/null 2>&1; then
	notok "umockdev-run is missing (apt-get install umockdev): the sysfs and libusb tests cannot run"
	finish
fi
# mock CMD...: run CMD in the mocked bench, then save the disable files of hub 1-1 as "1-1-portN=V"
cat >"$tmp/inmock.sh" <<'INNER'
st=0
"$@" || st=$?
for f in /sys/bus/usb/devices/1-1/1-1:1.0/1-1-port*/disable; do
	printf '%s=%s\n' "$(basename "$(dirname "$f")")" "$(cat "$f")"
done >"$STATE"
exit $st
INNER
export STATE="$tmp/state"
mock() { ASAN_OPTIONS=$MOCK_ASAN umockdev-run -d "$TOPO" -- sh "$tmp/inmock.sh" "$@"; }

check "dut off through sysfs" 0 mock "$P" --hub 1-1 --hw-version 0 dut off
has_text "port 3 disabled" "$STATE" "1-1-port3=1"
has_text "port 1 untouched" "$STATE" "1-1-port1=0"
has_text "the human line names port and method" "$tmp/o" "1-1 port 3 (dut): off via sysfs"
check "dut off then on" 0 mock sh -c "'$P' --hub 1-1 --hw-version 0 dut off && '$P' --hub 1-1 --hw-version 0 dut on"
has_text "port 3 enabled again" "$STATE" "1-1-port3=0"
check "infra off by full delimited serial, --json" 0 mock "$P" --json --tentacle E46340474B4C-2731 infra off
has_text "port 1 disabled" "$STATE" "1-1-port1=1"
has_text "one JSON result line" "$tmp/o" '{"hub":"1-1","tentacle":"E46340474B4C-2731","target":"infra","action":"off","port":1,"method":"sysfs","on":false,"ok":true,"error":null}'
check "dut status after on, then off" 0 mock sh -c "'$P' --hub 1-1 dut status && '$P' --hub 1-1 --hw-version 0 dut off && '$P' --json --hub 1-1 dut status"
has_text "status reads on, then off" "$tmp/o" "1-1 port 3 (dut): is on via sysfs"
has_text "the JSON status" "$tmp/o" '"action":"status","port":3,"method":"sysfs","on":false,"ok":true'
check "bootsel press: port 2 unpowered" 0 mock "$P" --hub 1-1 bootsel press
has_text "port 2 disabled" "$STATE" "1-1-port2=1"
has_text "the human line says pressed" "$tmp/o" "(bootsel): pressed"
check "an ambiguous short id is refused" 3 mock "$P" --tentacle 2731 infra off
has_text "with both candidates and a hint" "$tmp/e" "short id '2731' is ambiguous: e46340474b4c2731 (at 1-1.1) e66138935f1a2731 (at 1-2.1); give the full serial"
has_text "nothing switched" "$STATE" "1-1-port1=0"
check "a unique short id finds its hub (1-3, which has no disable files)" 3 mock "$P" --tentacle 0042 --method sysfs infra on
has_text "the hub of 0042 is 1-3" "$tmp/e" "/1-3/1-3:1.0/1-3-port1/disable'"
check "an unknown tentacle: device trouble" 3 mock "$P" --tentacle ffff infra off
has_text "the error names it" "$tmp/e" "tentacle 'ffff' not found"
check "a bad serial: usage error" 2 "$P" --tentacle xyz infra off
has_text "the error says what a serial looks like" "$tmp/e" "invalid value for --tentacle: 'xyz' (16 hex digits or the last 4)"
check "a hub that is not there" 3 mock "$P" --hub 9-9 infra off
has_text "the error names the hub" "$tmp/e" "hub '9-9' not found"
check "a device that is not a hub" 3 mock "$P" --hub 1-1.1 infra off
has_text "the error says so" "$tmp/e" "device '1-1.1' is not a hub (bDeviceClass ef)"
check "a port the hub does not have" 3 mock "$P" --tentacle e66138935f1a2731 --hw-version 0 dut off
has_text "the error names hub and port" "$tmp/e" "hub '1-2' has no port 3 (it has 2)"
check "--method sysfs without the disable file" 3 mock "$P" --hub 1-3 --method sysfs infra off
has_text "the error names the file and the fallback" "$tmp/e" "1-3-port1/disable' (Linux older than 6.0, or the hub has no driver): try --method libusb"
check "auto without the disable file falls back to libusb" 3 mock "$P" --hub 1-3 infra off
has_text "and libusb is tried" "$tmp/e" "hub '1-3' (bus 1 device 6) not found by libusb"
check "dut without --hw-version and no infra tty" 3 mock "$P" --hub 1-1 dut off
has_text "the error says where it looked" "$tmp/e" "infra MCU of hub '1-1' not found (no tty at '1-1.1'; give --infra-tty PATH)"
has_text "nothing switched" "$STATE" "1-1-port3=0"
t0=$(date +%s%N)
check "dut cycle" 0 mock "$P" --hub 1-1 --hw-version 0 --json dut cycle
t1=$(date +%s%N)
has_text "port 3 powered at the end" "$STATE" "1-1-port3=0"
has_text "the result says on" "$tmp/o" '"action":"cycle","port":3,"method":"sysfs","hw_version":0,"on":true,"ok":true'
if [ $(((t1 - t0) / 1000000)) -ge 2000 ]; then ok "the cycle kept the DUT off >= 2.0 s"
else notok "the cycle took only $(((t1 - t0) / 1000000)) ms"; fi
t0=$(date +%s%N)
check "dut off" 0 mock "$P" --hub 1-1 --hw-version 0 dut off
t1=$(date +%s%N)
if [ $(((t1 - t0) / 1000000)) -ge 500 ]; then ok "off waits >= 0.5 s"
else notok "off returned after $(((t1 - t0) / 1000000)) ms"; fi
# no permission: as root, run the tool as nobody (setpriv); otherwise make the file read-only (chmod is
# not redirected by umockdev: name the file inside the testbed)
if [ "$(id -u)" = 0 ]; then
	if command -v setpriv >/dev/null 2>&1; then
		check "no permission on the disable file (as nobody)" 3 mock sh -c \
			'chmod 755 "$UMOCKDEV_DIR" && exec setpriv --reuid=65534 --regid=65534 --clear-groups "$0" "$@"' \
			"$P" --hub 1-1 --hw-version 0 dut off
	else
		notok "running as root without setpriv: cannot test the no-permission message"
	fi
else
	check "no permission on the disable file (read-only)" 3 mock sh -c \
		'chmod 0444 "$UMOCKDEV_DIR/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0/1-1-port3/disable" &&
		exec "$0" "$@"' \
		"$P" --hub 1-1 --hw-version 0 dut off
fi
has_text "the error names the file" "$tmp/e" "cannot write '/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0/1-1-port3/disable': Permission denied"
has_text "the hint names the udev rules and plugdev" "$tmp/e" "install the project's udev rules (make udev-rules-install) and be in group plugdev"
has_text "nothing switched" "$STATE" "1-1-port3=0"

# ---- libusb: a fake hub answering the hub class requests ----
if ! command -v umockdev-wrapper >/dev/null 2>&1 || ! $PKG_CONFIG --exists umockdev-1.0; then
	notok "umockdev-wrapper or libumockdev-dev is missing: the libusb tests cannot run"
	finish
fi
build_mock tests/mock/fakehub.c "$tmp/fakehub" || { finish; exit 1; }
L="$tmp/usb.log"
fh() { ASAN_OPTIONS=$MOCK_ASAN umockdev-wrapper "$tmp/fakehub" "$L" "$@"; }
check "dut off through libusb" 0 fh "$P" --method libusb --hub 1-1 --hw-version 0 dut off
has_text "the hub descriptor was read" "$L" "a0 06 0029 0000"
has_text "ClearPortFeature(PORT_POWER) port 3" "$L" "23 01 0800 0300 0000"
has_text "then GetPortStatus port 3" "$L" "a3 00 0000 0300 0400"
has_text "port 3 off in the hub" "$L" "port 3 off"
has_text "port 1 still on" "$L" "port 1 on"
has_text "the human line says libusb" "$tmp/o" "1-1 port 3 (dut): off via libusb"
if [ "$(grep -c '^[0-9a-f][0-9a-f] ' "$L")" = 3 ]; then ok "exactly three transfers"
else notok "transfers: $(cat "$L")"; fi
check "auto falls back to libusb without the disable file" 0 fh "$P" --hub 1-1 --json infra off
has_text "ClearPortFeature(PORT_POWER) port 1" "$L" "23 01 0800 0100 0000"
has_text "the result names libusb" "$tmp/o" '"method":"libusb","on":false,"ok":true'
check "bootsel release through libusb" 0 fh "$P" --method libusb --hub 1-1 bootsel release
has_text "SetPortFeature(PORT_POWER) port 2" "$L" "23 03 0800 0200 0000"
check "dut cycle through libusb" 0 fh "$P" --method libusb --hub 1-1 --hw-version 0 dut cycle
if grep '^23 ' "$L" | tr '\n' '|' | grep -qF "23 01 0800 0300 0000|23 03 0800 0300 0000|"; then
	ok "clear, then set port 3"
else notok "cycle transfers: $(cat "$L")"; fi
has_text "port 3 on at the end" "$L" "port 3 on"
check "infra status through libusb" 0 fh "$P" --method libusb --hub 1-1 infra status
has_text "GetPortStatus port 1" "$L" "a3 00 0000 0100 0400"
hasnot "and no switching" "$L" "23 0"
has_text "the human line" "$tmp/o" "1-1 port 1 (infra): is on via libusb"
FAKEHUB_STUCK_PORT=3 check "a switch that does not take: device trouble" 3 \
	fh "$P" --method libusb --hub 1-1 --hw-version 0 dut off
has_text "the error says the port is still on" "$tmp/e" "port 3 of hub '1-1' is still on"
check "--method sysfs on the fake hub" 3 fh "$P" --method sysfs --hub 1-1 infra off
if grep -q '^[0-9a-f][0-9a-f] ' "$L"; then notok "sysfs only, but transfers: $(cat "$L")"
else ok "--method sysfs sends no transfer"; fi

# ---- infra MCU: a virtual board (MicroPython without machine) behind a pty ----
check "an infra tty that does not exist" 3 "$P" --hub 1-1 --infra-tty "$tmp/none" led active on
has_text "the error names the tty" "$tmp/e" "infra MCU at '$tmp/none' not answering"
if ! start_vboard wasm "$tmp/vb"; then
	notok "the virtual board did not start"
	finish
	exit
fi
V="$tmp/vb"
check "led error on: no machine.Pin there" 3 "$P" -v --hub 1-1 --infra-tty "$V" led error on
has_text "the error names the tty" "$tmp/e" "infra MCU at '$V' has no machine.Pin (ImportError: no module named 'machine')"
has_text "the snippet sent" "$tmp/e" ">> from machine import Pin\x0aPin(20, Pin.OUT).value(1)\x0a"
check "led active off" 3 "$P" -v --hub 1-1 --infra-tty "$V" led active off
has_text "the snippet sent" "$tmp/e" ">> from machine import Pin\x0aPin(24, Pin.OUT).value(0)\x0a"
check "relay 1 press" 3 "$P" -v --hub 1-1 --infra-tty "$V" relay 1 press
has_text "the snippet sent" "$tmp/e" ">> from machine import Pin\x0aPin(1, Pin.OUT).value(1)\x0a"
check "relay 7 pulse 100,50,100 --json" 3 "$P" -v --json --hub 1-1 --infra-tty "$V" relay 7 pulse 100,50,100
has_text "the snippet sent" "$tmp/e" ">> from machine import Pin\x0aimport time\x0ap = Pin(7, Pin.OUT)\x0afor i, t in enumerate((100,50,100,)):\x0a    p.value(1 - i % 2)\x0a    time.sleep_ms(t)\x0ap.value(0)\x0a"
has_text "the JSON line says why" "$tmp/o" '"relay":7,"infra_tty":"'"$V"'","ok":false,"error":"infra MCU has no machine.Pin"}'
check "dut off on v0.5+ (GPIO23): infra fails first, port untouched" 3 \
	mock "$P" -v --hub 1-1 --hw-version 1 --infra-tty "$V" dut off
has_text "the GPIO23 snippet" "$tmp/e" ">> from machine import Pin\x0aPin(23, Pin.OUT).value(0)\x0a"
has_text "port 3 still powered" "$STATE" "1-1-port3=0"
check "dut off without --hw-version asks the infra" 3 mock "$P" -v --hub 1-1 --infra-tty "$V" dut off
has_text "the version snippet" "$tmp/e" "for g in range(29, 24, -1):\x0a    v = v * 2 + Pin(g, Pin.IN, Pin.PULL_DOWN).value()\x0aprint(v)\x0a"
has_text "port 3 still powered" "$STATE" "1-1-port3=0"
check "the virtual board still answers after all that" 0 "$BIN/mp-runtest" --port "$V" --exp /dev/null \
	--timeout 5 /dev/null
finish
