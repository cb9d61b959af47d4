#!/bin/sh
# The board specs, bench inventories and udev rules, and scripts/validate-specs.sh: the shipped files
# validate clean; each kind of problem, planted in a copy, gives exactly its FILE:LINE: message and exit
# status 1; usage errors exit 2; the 14 boards of the benches have specs whose flasher, VID:PIDs and
# flasher parameters match the reference; every board's VID:PIDs have a udev rule.
# Environment: VALIDATE (the script under test, default scripts/validate-specs.sh).
set -eu
export LC_ALL=C
cd "$(dirname "$0")/../.."
VALIDATE=${VALIDATE:-scripts/validate-specs.sh}
case $VALIDATE in /*) ;; *) VALIDATE=$(pwd)/$VALIDATE ;; esac
top=$(pwd)

. tests/lib.sh

# ---- the shipped files ----
rc=0
sh "$VALIDATE" >"$tmp/out" 2>&1 || rc=$?
if [ "$rc" = 0 ] && [ ! -s "$tmp/out" ]; then
	ok "shipped boards/, testbeds/ and udev/ validate clean"
else
	notok "shipped files: exit $rc, output:"
	sed 's/^/#   /' "$tmp/out"
fi

# ---- usage ----
# usage DESCRIPTION WANT_RC ARGS...
usage_case() {
	desc=$1 want=$2
	shift 2
	rc=0
	sh "$VALIDATE" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	if [ "$rc" = "$want" ] && [ ! -s "$tmp/out" ] && [ -s "$tmp/err" ]; then
		ok "$desc: exit $want, message on stderr"
	else
		notok "$desc: exit $rc (want $want)"
		sed 's/^/#   /' "$tmp/out" "$tmp/err"
	fi
}
usage_case "unknown option" 2 --frobnicate
usage_case "missing file" 2 boards/NO_SUCH_BOARD.json
rc=0
sh "$VALIDATE" --help >"$tmp/out" 2>&1 || rc=$?
if [ "$rc" = 0 ] && grep -q '^usage: validate-specs.sh' "$tmp/out"; then
	ok "--help: usage on stdout, exit 0"
else
	notok "--help: exit $rc"
fi

# ---- broken copies: one per kind of problem ----
# broken NAME "FILES TO CHECK" FILE SED_EXPR EXPECTED: in a fresh copy of boards/ testbeds/ udev/, edit
# FILE with sed; validating FILES must print exactly EXPECTED and exit 1
broken() {
	name=$1 files=$2 file=$3 expr=$4 want=$5
	ws=$tmp/$name
	mkdir -p "$ws"
	cp -R "$top/boards" "$top/testbeds" "$top/udev" "$ws/"
	cp "$ws/$file" "$ws/$file.orig"
	sed "$expr" "$ws/$file.orig" >"$ws/$file"
	rm -f "$ws/$file.orig"
	if cmp -s "$top/$file" "$ws/$file"; then
		notok "$name: the edit '$expr' changed nothing in $file"
		return
	fi
	rc=0
	# shellcheck disable=SC2086 # FILES is a list of paths without spaces
	(cd "$ws" && sh "$VALIDATE" $files) >"$tmp/out" 2>"$tmp/err" || rc=$?
	got=$(cat "$tmp/out")
	if [ "$rc" = 1 ] && [ "$got" = "$want" ] && [ ! -s "$tmp/err" ]; then
		ok "$name: $want"
	else
		notok "$name: exit $rc (want 1)"
		echo "#   want: $want"
		sed 's/^/#   got:  /' "$tmp/out" "$tmp/err"
	fi
}

B=boards
broken invalid-json "$B/RPI_PICO2.json" "$B/RPI_PICO2.json" 's/"port": "rp2",/"port": "rp2"/' \
	'boards/RPI_PICO2.json:9: invalid JSON: Expected separator between values'
# shellcheck disable=SC2016 # a sed address, not a shell variable
broken two-values "$B/RPI_PICO2.json" "$B/RPI_PICO2.json" '$s/$/ {}/' \
	'boards/RPI_PICO2.json:1: invalid JSON: want one value, found 2'
broken missing-field "$B/PYBV11.json" "$B/PYBV11.json" '/"micropython_board"/d' \
	"boards/PYBV11.json:1: missing field 'micropython_board'"
broken missing-nested-field "$B/PYBV11.json" "$B/PYBV11.json" '/"app": "f055:9800"/d; s/"boot": "0483:df11",/"boot": "0483:df11"/' \
	"boards/PYBV11.json:15: missing field 'usb.app'"
broken unknown-field "$B/RPI_PICO.json" "$B/RPI_PICO.json" 's/"app_wait_s"/"app_wait"/' \
	"boards/RPI_PICO.json:27: unknown field 'timing.app_wait'"
broken unknown-flasher "$B/ESP32_DEVKIT.json" "$B/ESP32_DEVKIT.json" 's/"esptool"/"esptol"/' \
	'boards/ESP32_DEVKIT.json:19: unknown flasher "esptol" (one of picotool, esptool, dfu-util, bossac, teensy_loader_cli, none)'
broken missing-flasher-param "$B/ESP32_DEVKIT.json" "$B/ESP32_DEVKIT.json" '/"baud": 460800,/d' \
	"boards/ESP32_DEVKIT.json:18: missing field 'flasher.baud'"
broken bad-offset "$B/ADA_ITSYBITSY_M0.json" "$B/ADA_ITSYBITSY_M0.json" 's/"0x2000"/"2000"/' \
	'boards/ADA_ITSYBITSY_M0.json:18: flasher.offset must be a hex string like "0x1000", got "2000"'
broken bad-vidpid "$B/TEENSY40.json" "$B/TEENSY40.json" 's/16c0:0478/16c0:478/' \
	'boards/TEENSY40.json:13: bad VID:PID "16c0:478" in usb.boot (want 4 lowercase hex digits, colon, 4 more, e.g. 2e8a:0005)'
broken boot-device-needed "$B/RPI_PICO.json" "$B/RPI_PICO.json" 's/"boot": "2e8a:0003"/"boot": null/' \
	"boards/RPI_PICO.json:13: usb.boot must be a VID:PID: flasher 'picotool' waits for the boot device"
broken unknown-feature "$B/RPI_PICO_W.json" "$B/RPI_PICO_W.json" 's/"BLE"/"BLUETOOTH"/' \
	"boards/RPI_PICO_W.json:12: unknown feature 'BLUETOOTH' (one of MCU, EXTMOD, WLAN, BLE)"
broken unknown-port "$B/PYBV11.json" "$B/PYBV11.json" 's/"stm32"/"stm33"/' \
	'boards/PYBV11.json:10: unknown port "stm33" (one of rp2, stm32, esp32, esp8266, nrf, samd, mimxrt, webassembly, microbit, unix)'
broken negative-timing "$B/ESP32_S3_DEVKIT.json" "$B/ESP32_S3_DEVKIT.json" 's/"settle_s": 2/"settle_s": -2/' \
	'boards/ESP32_S3_DEVKIT.json:32: timing.settle_s must be a number >= 0 (seconds), got -2'
broken bad-pulses "$B/ARDUINO_NANO_33.json" "$B/ARDUINO_NANO_33.json" 's/^      500,$/      -500,/' \
	'boards/ARDUINO_NANO_33.json:29: boot.sequence must be "hold", "none" or a list of pulse durations in ms, got [-500,100,100]'
broken firmware-mismatch "$B/TEENSY40.json" "$B/TEENSY40.json" 's/"ext": "hex"/"ext": "uf2"/' \
	"boards/TEENSY40.json:36: firmware.ext 'uf2' does not fit flasher 'teensy_loader_cli' (it takes .hex)"
broken name-mismatch "$B/RPI_PICO.json" "$B/RPI_PICO.json" 's/"name": "RPI_PICO"/"name": "RPI_PICO_W"/' \
	"boards/RPI_PICO.json:2: name 'RPI_PICO_W' does not match the file name 'RPI_PICO.json'"
broken duplicate-key "$B/RPI_PICO.json" "$B/RPI_PICO.json" 's/"port": "rp2",/"port": "rp2", "port": "esp32",/' \
	"boards/RPI_PICO.json:7: duplicate key 'port' (jq keeps only the last)"

T=testbeds
broken board-without-spec "$T/ch_maerki_1.json" "$T/ch_maerki_1.json" 's/LOLIN_D1_MINI/LOLIN_D1_MAXI/' \
	"testbeds/ch_maerki_1.json:11: board \"LOLIN_D1_MAXI\" of tentacle 'e4636874db0a4b27' has no board spec"
broken reference-without-spec "$T/ch_maerki_1.json" "$T/ch_maerki_1.json" 's/"reference_board": "RPI_PICO_W"/"reference_board": "RPI_PICO_X"/' \
	'testbeds/ch_maerki_1.json:3: reference_board "RPI_PICO_X" has no board spec'
broken duplicate-serial "$T/au_dpgeorge_1.json" "$T/au_dpgeorge_1.json" 's/e46340474b4c3f02/e46340474b4c2731/' \
	"testbeds/au_dpgeorge_1.json:6: duplicate tentacle serial 'e46340474b4c2731' (jq keeps only the last entry)"
broken serial-in-two-benches "$T/ch_maerki_1.json $T/virtual.json" "$T/virtual.json" 's/7669727475616c32/e46340474b592d2b/' \
	"testbeds/virtual.json:7: tentacle serial 'e46340474b592d2b' also in 'testbeds/ch_maerki_1.json'"
broken serial-not-hex "$T/ch_maerki_1.json" "$T/ch_maerki_1.json" 's/"e46340474b4e1831"/"E46340474B4E1831"/' \
	"testbeds/ch_maerki_1.json:6: tentacle serial 'E46340474B4E1831' is not 16 lowercase hex digits"
broken serial-too-short "$T/ch_maerki_1.json" "$T/ch_maerki_1.json" 's/"e46340474b4e1831"/"e46340474b4e-1831"/' \
	"testbeds/ch_maerki_1.json:6: tentacle serial 'e46340474b4e-1831' is not 16 lowercase hex digits"
broken unknown-hw-version "$T/ch_maerki_1.json" "$T/ch_maerki_1.json" '/e46340474b60572c/s/"v0.6"/"v0.4"/' \
	'testbeds/ch_maerki_1.json:7: unknown hw_version "v0.4" (one of v0.3, v0.5, v0.6, v0.7, virtual)'
broken unknown-variant "$T/au_dpgeorge_1.json" "$T/au_dpgeorge_1.json" 's/"variant": "RISCV"/"variant": "ARM"/' \
	"testbeds/au_dpgeorge_1.json:6: variant \"ARM\" is not a variant of board 'RPI_PICO2' (\"\", \"RISCV\")"
broken missing-hw-version "$T/virtual.json" "$T/virtual.json" '/7669727475616c31/s/, "hw_version": "virtual"//' \
	"testbeds/virtual.json:6: missing field 'tentacles.7669727475616c31.hw_version'"
broken virtual-mismatch "$T/virtual.json" "$T/virtual.json" '/7669727475616c30/s/"virtual"/"v0.5"/' \
	"testbeds/virtual.json:5: virtual board 'VIRTUAL_WASM' needs hw_version \"virtual\""

R=udev/99-testbed-micropython.rules
broken rules-missing-comma "$R" "$R" '/ATTRS{idProduct}=="9800"/s/GROUP="plugdev", ENV/GROUP="plugdev" ENV/' \
	'udev/99-testbed-micropython.rules:32: missing comma before: ENV{ID_MM_DEVICE_IGNORE}="1"'
broken rules-unknown-key "$R" "$R" '/ATTRS{idProduct}=="9800"/s/GROUP=/GRUOP=/' \
	"udev/99-testbed-micropython.rules:32: unknown udev key 'GRUOP'"
broken rules-unquoted "$R" "$R" '/ATTRS{idProduct}=="9800"/s/MODE="0660"/MODE=0660/' \
	'udev/99-testbed-micropython.rules:32: not a KEY=="value" / KEY="value" pair: MODE=0660, GROUP="plugdev", ENV{ID_MM_DE'

# ---- the boards of the benches, against the reference (reference/boards.md) ----
# NAME FLASHER BOOT APP PORT BOARD FEATURES FIRMWARE UDEV_WAIT SETTLE
cat >"$tmp/want" <<'EOF'
RPI_PICO picotool 2e8a:0003 2e8a:0005 rp2 RPI_PICO MCU,EXTMOD uf2 2 0
RPI_PICO_W picotool 2e8a:0003 2e8a:0005 rp2 RPI_PICO_W MCU,EXTMOD,WLAN,BLE uf2 2 0
RPI_PICO2 picotool 2e8a:000f 2e8a:0005 rp2 RPI_PICO2 MCU,EXTMOD uf2 2 0
RPI_PICO2_W picotool 2e8a:000f 2e8a:0005 rp2 RPI_PICO2_W MCU,EXTMOD,WLAN,BLE uf2 2 0
PYBV11 dfu-util 0483:df11 f055:9800 stm32 PYBV11 MCU,EXTMOD dfu 6 0
NUCLEO_WB55 dfu-util 0483:df11 f055:9800 stm32 NUCLEO_WB55 MCU,EXTMOD,BLE dfu 6 0
ESP32_DEVKIT esptool 10c4:ea60 10c4:ea60 esp32 ESP32_GENERIC MCU,EXTMOD,WLAN,BLE bin 6 1
ESP32_C3_DEVKIT esptool 10c4:ea60 10c4:ea60 esp32 ESP32_GENERIC_C3 MCU,EXTMOD,WLAN,BLE bin 6 0
ESP32_S3_DEVKIT esptool 303a:1001 303a:4001 esp32 ESP32_GENERIC_S3 MCU,EXTMOD,WLAN,BLE bin 6 2
LOLIN_C3_MINI esptool 303a:1001 303a:1001 esp32 LOLIN_C3_MINI MCU,EXTMOD bin 6 0
LOLIN_D1_MINI esptool null 1a86:7523 esp8266 ESP8266_GENERIC MCU,EXTMOD,WLAN bin 6 1
ARDUINO_NANO_33 bossac 2341:005a 2341:025a nrf ARDUINO_NANO_33_BLE_SENSE MCU,EXTMOD bin 3 0
ADA_ITSYBITSY_M0 bossac 239a:000f f055:9802 samd ADAFRUIT_ITSYBITSY_M0_EXPRESS MCU,EXTMOD bin 10 0
TEENSY40 teensy_loader_cli 16c0:0478 f055:9802 mimxrt TEENSY40 MCU,EXTMOD hex 3 0
EOF
while read -r name flasher boot app port board features ext wait settle; do
	f=boards/$name.json
	if [ ! -f "$f" ]; then
		notok "$name: no spec $f"
		continue
	fi
	got=$(jq -r '[.name, .flasher.program, (.usb.boot // "null"), .usb.app, .port, .micropython_board,
		(.features | join(",")), .firmware.ext, (.timing.udev_wait_s | tostring), (.timing.settle_s | tostring)] | join(" ")' "$f")
	want="$name $flasher $boot $app $port $board $features $ext $wait $settle"
	if [ "$got" = "$want" ]; then
		ok "$name: $flasher, boot $boot, app $app, $port/$board, $features, .$ext, wait ${wait} s, settle ${settle} s"
	else
		notok "$name: got '$got', want '$want'"
	fi
done <"$tmp/want"

# same_jq DESCRIPTION JQ_FILTER FILE EXPECTED
same_jq() {
	got=$(jq -c "$2" "$3")
	if [ "$got" = "$4" ]; then
		ok "$1: $4"
	else
		notok "$1: got $got, want $4"
	fi
}
same_jq "esptool ESP32" '.flasher | [.chip, .baud, .offset]' boards/ESP32_DEVKIT.json '["esp32",460800,"0x1000"]'
same_jq "esptool ESP32-C3" '.flasher | [.chip, .baud, .offset]' boards/ESP32_C3_DEVKIT.json '["esp32c3",921600,"0x0"]'
same_jq "esptool ESP32-S3" '.flasher | [.chip, .baud, .offset]' boards/ESP32_S3_DEVKIT.json '["esp32s3",460800,"0x0"]'
same_jq "esptool LOLIN_C3_MINI" '.flasher | [.chip, .baud, .offset]' boards/LOLIN_C3_MINI.json '["esp32c3",460800,"0x0"]'
same_jq "esptool ESP8266" '.flasher | [.chip, .baud, .offset, .write_flash_args]' boards/LOLIN_D1_MINI.json \
	'["esp8266",1000000,"0x0",["--flash-size=4MB","--flash-mode=dio"]]'
same_jq "bossac nRF52" '[.flasher.offset, .boot.sequence]' boards/ARDUINO_NANO_33.json '["0x16000",[500,100,100]]'
same_jq "bossac SAMD" '[.flasher.offset, .boot.sequence]' boards/ADA_ITSYBITSY_M0.json '["0x2000",[200,200,200,200,200]]'
same_jq "teensy" '[.flasher.mcu, .flasher.exclusive, .usb.boot_event]' boards/TEENSY40.json '["imxrt1062",true,"bind"]'
same_jq "RPI_PICO2 variants" '.variants' boards/RPI_PICO2.json '["","RISCV"]'
same_jq "PYBV11 variants" '.variants' boards/PYBV11.json '["","DP","THREAD","DP_THREAD"]'
same_jq "virtual wasm" '[.port, .flasher.program, .usb.app]' boards/VIRTUAL_WASM.json '["webassembly","none",null]'
same_jq "virtual microbit" '[.port, .flasher.program, .usb.app]' boards/VIRTUAL_MICROBIT.json '["microbit","none",null]'

# ---- every VID:PID of every board has its udev rule ----
missing=""
for id in $(jq -r '.usb.boot, .usb.app | strings' boards/*.json | sort -u); do
	v=${id%:*} p=${id#*:}
	grep -q "idVendor}==\"$v\", ATTRS*{idProduct}==\"$p\"" udev/99-testbed-micropython.rules || missing="$missing $id"
done
if [ -z "$missing" ]; then
	ok "every boot and application VID:PID of boards/ has a udev rule"
else
	notok "no udev rule for:$missing"
fi
if grep -q 'ATTR{idVendor}=="0424", ATTR{idProduct}=="2514".*-port\*/disable' udev/99-testbed-micropython.rules &&
	grep -q 'ATTRS{idVendor}=="2e8a", ATTRS{idProduct}=="0005".*GROUP="plugdev"' udev/99-testbed-micropython.rules; then
	ok "udev: hub port disable files and the infra tty for group plugdev"
else
	notok "udev: no rule for the 2514 port disable files or the infra tty"
fi

# ---- make targets (mk/specs.mk; given with -f while the Makefile does not include it) ----
if grep -Eq "^[[:space:]]*-?include .*mk/(specs|\*)\.mk" Makefile; then
	set -- -f Makefile
else
	set -- -f Makefile -f mk/specs.mk
fi
if make -s "$@" validate >"$tmp/out" 2>&1; then
	ok "make validate"
else
	notok "make validate failed:"
	sed 's/^/#   /' "$tmp/out"
fi
if make -s "$@" udev-rules-install DESTDIR="$tmp/root" >"$tmp/out" 2>&1 &&
	cmp -s udev/99-testbed-micropython.rules "$tmp/root/etc/udev/rules.d/99-testbed-micropython.rules" &&
	grep -q 'udevadm control --reload' "$tmp/out"; then
	ok "make udev-rules-install DESTDIR=... installs the rules and prints the reload hint"
else
	notok "make udev-rules-install:"
	sed 's/^/#   /' "$tmp/out"
fi

finish
