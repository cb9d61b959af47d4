#!/bin/bash
# mp-flash on a virtual tentacle bench (tests/mock/vtentacles.c under umockdev): DUTs of five flasher
# kinds (picotool, esptool, bossac double tap, dfu-util, teensy_loader_cli) with an emulated infra MCU
# driving the boot relay; the fake flashers of tests/mock/flashers check that they were given their own
# DUT's boot device and "write" the firmware, which the DUT's virtual board then runs (a MicroPython
# whose build date differs: tests/mock/make-vfirmware.sh). Checked: the power / relay / boot-device
# sequence of every flow as the bench saw it, four boards flashing at once, flashing only when the
# identity differs, --force, --check, a wrong image, a failing, a hanging and a once-failing flasher,
# missing firmware or flasher, a busy tentacle, Teensys one at a time.
set -eu
export LC_ALL=C
cd "$(dirname "$0")/../.."
. tests/lib.sh
top=$PWD

require jq node flock
require_vboards
require_tools mp-flash tentacle-find tentacle-power
vbench_harness

# firmware: A is what the DUTs run at the start, B and C are newer builds
fw=$tmp/fw
for v in A:2026-01-01 B:2026-02-02 C:2026-03-03; do
	for ext in uf2 bin dfu hex; do
		sh tests/mock/make-vfirmware.sh "$fw" "fw${v%%:*}" "${v#*:}" "$ext"
	done
done
idA=$(cat "$fw/fwA.id") idB=$(cat "$fw/fwB.id")
if [ "$idA" != "$idB" ] && [ -s "$fw/fwB.uf2" ]; then ok "two firmware builds that differ ($idB)"
else notok "make-vfirmware.sh: '$idA' vs '$idB'"; fi

# the DUT kinds, as --dut of vtentacles: K=APP/BOOT/KIND[/ENTRY], and their board specs
dut_of() {
	case $2 in
	RPI_PICO) echo "--dut $1=2e8a:0005/2e8a:0003/usb" ;;
	ESP32_DEVKIT) echo "--dut $1=10c4:ea60/10c4:ea60/tty" ;;
	ARDUINO_NANO_33) echo "--dut $1=2341:025a/2341:005a/tty/pulse" ;;
	PYBV11) echo "--dut $1=f055:9800/0483:df11/usb" ;;
	TEENSY40) echo "--dut $1=f055:9802/16c0:0478/bind" ;;
	LOLIN_D1_MINI) echo "--dut $1=1a86:7523/-/app" ;;
	ADA_ITSYBITSY_M0) echo "--dut $1=f055:9802/239a:000f/tty/pulse" ;;
	esac
}
ext_of() {
	jq -r '.firmware.ext' "boards/$1.json"
}

# bench NAME "BOARD:FIRMWARE ..." SCRIPT: run SCRIPT (bash) inside a fresh bench, one tentacle per word
# (FIRMWARE: A, B, C or - for none), with VT_STATE and VT_LOG in $tmp/NAME; the script's stdout and
# stderr in $tmp/NAME/out and err, its exit status in $tmp/NAME/st
bench() {
	local name=$1 spec=$2 script=$3 k=0 args=() w
	mkdir -p "$tmp/$name/run"
	for w in $spec; do
		k=$((k + 1))
		# shellcheck disable=SC2207
		args+=($(dut_of $k "${w%%:*}"))
		[ "${w#*:}" = - ] || args+=(--flash "$k=$fw/fw${w#*:}.$(ext_of "${w%%:*}")")
	done
	printf '%s\n' "$script" >"$tmp/$name/script.sh"
	local st=0
	# shellcheck disable=SC2086 # HW_ARGS: more options of the harness (--hw K=N)
	VT_STATE="$tmp/$name/state" VT_LOG="$tmp/$name/vtlog" XDG_RUNTIME_DIR="$tmp/$name/run" \
		PATH="$top/tests/mock/flashers:$PATH" FDSPREAD_BIN="$top/$BIN" FDSPREAD_STATE="$tmp/$name/fds" \
		M="$top/tests/mock/fdspread/mp-flash" FW="$fw" D="$tmp/$name" \
		umockdev-wrapper "$VT" --board "sh $top/tests/mock/vt-board.sh" "${args[@]}" ${HW_ARGS:-} $k -- \
		bash "$tmp/$name/script.sh" >"$tmp/$name/out" 2>"$tmp/$name/err" || st=$?
	echo $st >"$tmp/$name/st"
}
# the events at one DUT location, names dropped: "on", "off", "relay 1 press", "boot add", ...
events() {
	awk -v loc="1-1.$2.3" '$1 == loc { if ($2 == "on" || $2 == "off" || ($2 == "boot" && $3 == "add")) NF--; $1 = ""; sub(/^ /, ""); print }' \
		"$tmp/$1/vtlog" | paste -sd, -
}
st_of() { cat "$tmp/$1/st"; }

# mp-flash's common options for tentacle K with board B
MF='--hw-version 0 --boards-dir boards'

# ---- four boards of four flasher kinds flashed at once ----
bench par "RPI_PICO:A ESP32_DEVKIT:A ARDUINO_NANO_33:A PYBV11:A" '
set -u
i=0
for kb in 1:RPI_PICO:uf2 2:ESP32_DEVKIT:bin 3:ARDUINO_NANO_33:bin 4:PYBV11:dfu; do
	IFS=: read -r k b e <<<"$kb"
	# each flasher takes 3 s, like a real one, so that the four overlap
	FAKE_FLASHER_DELAY=3 "$M" --hub 1-1.$k --hw-version 0 --boards-dir boards --board $b --log $D/$k.log --json \
		--stamp $D/$k.stamp "$FW/fwB.$e" >$D/$k.json 2>$D/$k.err &
	pids[$k]=$!
done
for k in 1 2 3 4; do st=0; wait ${pids[$k]} || st=$?; echo $st >$D/$k.st; done
'
expect "the bench ran" "$(st_of par)" 0
for kb in 1:RPI_PICO:picotool 2:ESP32_DEVKIT:esptool 3:ARDUINO_NANO_33:bossac 4:PYBV11:dfu-util; do
	IFS=: read -r k b p <<<"$kb"
	expect "$b: mp-flash exit" "$(cat "$tmp/par/$k.st")" 0
	if jq -e --arg id "$idB" '.action == "flashed" and .identity == $id and .wanted == $id and .ok and .attempts == 1
		and (.tty | startswith("/dev/"))' "$tmp/par/$k.json" >/dev/null; then
		ok "$b: flashed, and the board now runs the new firmware"
	else notok "$b: $(cat "$tmp/par/$k.json") $(head -c 300 "$tmp/par/$k.err")"; fi
	if cmp -s "$tmp/par/state/flash-$k" "$fw/fwB.$(ext_of "$b")"; then ok "$b: the image landed in its own DUT"
	else notok "$b: flash-$k is not the new image"; fi
	expect "$b: one $p call, and it found its own DUT's boot device" \
		"$(awk -v k="$k" '$1 == k { print $2 }' "$tmp/par/state/flasher.log" | paste -sd, -)" "$p"
	expect "$b: the stamp holds the identity" "$(cat "$tmp/par/$k.stamp" 2>/dev/null)" "$idB"
done
expect "no flasher call without a matching boot device" "$(awk '$1 == "-"' "$tmp/par/state/flasher.log" | wc -l)" 0
# the sequences of the reference (boards.md): check = one power cycle; then DUT off, relay, DUT on,
# boot device, flasher, relay released, power cycle, application tty
hold_usb="off,on,off,relay 1 press,on,boot add,relay 1 release,off,boot remove,on"
expect "picotool flow (relay held, boot USB device)" "$(events par 1)" "$hold_usb"
expect "esptool flow (relay held, boot tty)" "$(events par 2)" "$hold_usb"
expect "bossac flow (DUT on, then the double tap 500,100,100)" "$(events par 3)" \
	"off,on,off,on,relay 1 pulse 500,100,100,boot add,off,boot remove,on"
expect "dfu-util flow (relay held, boot USB device)" "$(events par 4)" "$hold_usb"
has "picotool was given the boot device's bus and address" "$tmp/par/state/flasher.log" \
	"^1 picotool load --update --bus 1 --address [0-9]* --execute $fw/fwB.uf2\$"
has "esptool: port, chip, baud, offset of the ESP32 spec" "$tmp/par/state/flasher.log" \
	"^2 esptool --port=/dev/ttyACM[0-9]* --chip=esp32 --baud=460800 write-flash 0x1000 --no-progress --compress $fw/fwB.bin\$"
has "bossac: the nRF52 arguments and the boot tty" "$tmp/par/state/flasher.log" \
	"^3 bossac --erase --write --info --usb-port --reset --offset=0x16000 --port /dev/ttyACM[0-9]* $fw/fwB.bin\$"
has "dfu-util: the boot device's serial" "$tmp/par/state/flasher.log" "^4 dfu-util --serial BOOT0004 --download $fw/fwB.dfu\$"
# all four flashers ran at the same time: every call started before the first image was written
last_start=$(for f in "$tmp"/par/state/calls/*.argv; do date -r "$f" +%s.%N; done | sort -n | tail -n 1)
first_end=$(for k in 1 2 3 4; do date -r "$tmp/par/state/flash-$k" +%s.%N; done | sort -n | head -n 1)
if awk -v a="$last_start" -v b="$first_end" 'BEGIN { exit !(a < b) }'; then ok "the four flashers overlapped in time"
else notok "the flashers ran one after another (last start $last_start, first end $first_end)"; fi
has_text "a flash says it started" "$tmp/par/1.err" "2731-RPI_PICO: flashing $fw/fwB.uf2 with picotool"
has "the log names every step" "$tmp/par/1.log" "relay 1 press"
has "the log has the flasher's own output" "$tmp/par/1.log" "picotool"

# ---- flash only when needed, --force, --check ----
bench need "RPI_PICO:B" '
st=0; "$M" --tentacle 2731 --hw-version 0 --boards-dir boards --board RPI_PICO --log $D/1.log "$FW/fwB.uf2" >$D/a.out 2>$D/a.err || st=$?; echo $st >$D/a.st
st=0; "$M" --tentacle 2731 --hw-version 0 --boards-dir boards --board RPI_PICO --log $D/1.log --check "$FW/fwB.uf2" >$D/b.out 2>$D/b.err || st=$?; echo $st >$D/b.st
st=0; "$M" --tentacle 2731 --hw-version 0 --boards-dir boards --board RPI_PICO --log $D/1.log --check "$FW/fwC.uf2" >$D/c.out 2>$D/c.err || st=$?; echo $st >$D/c.st
st=0; "$M" --tentacle 2731 --hw-version 0 --boards-dir boards --board RPI_PICO --log $D/1.log --force --json "$FW/fwB.uf2" >$D/d.out 2>$D/d.err || st=$?; echo $st >$D/d.st
'
expect "up to date: exit" "$(cat "$tmp/need/a.st")" 0
has_text "up to date: one line says so" "$tmp/need/a.out" "2731-RPI_PICO: up to date ($idB) on /dev/ttyACM"
expect "--check, same firmware: exit" "$(cat "$tmp/need/b.st")" 0
expect "--check, another firmware: exit 1" "$(cat "$tmp/need/c.st")" 1
has_text "--check says what runs and what is wanted" "$tmp/need/c.out" "2731-RPI_PICO: needs a flash: runs $idB, wanted $(cat "$fw/fwC.id")"
expect "--force flashes the same firmware again: exit" "$(cat "$tmp/need/d.st")" 0
expect "only --force called the flasher" "$(wc -l <"$tmp/need/state/flasher.log")" 1
expect "up to date and --check: one power cycle each, then the forced flash" "$(events need 1)" \
	"off,on,off,on,off,on,off,relay 1 press,on,boot add,relay 1 release,off,boot remove,on"

# ---- a v0.5 tentacle: its DUT is switched by the hub port and the infra's GPIO23 together ----
HW_ARGS="--hw 1=1" bench hw "RPI_PICO:A" '
st=0; "$M" --tentacle 2731 --boards-dir boards --board RPI_PICO --log $D/1.log "$FW/fwB.uf2" >$D/1.out 2>$D/1.err || st=$?; echo $st >$D/1.st
'
expect "v0.5: flashed" "$(cat "$tmp/hw/1.st")" 0
has_text "v0.5: the hardware version was read from the infra" "$tmp/hw/1.log" "tentacle hardware version 1"
expect "v0.5: GPIO23 off before each port switch-off and on after each switch-on" \
	"$(awk '$1 == "1-1.1.1" && $2 == "gpio" && $3 == 23 { print $4 }' "$tmp/hw/vtlog" | paste -sd, -)" "0,1,0,1,0,1"
expect "v0.5: the flow as on v0.3" "$(events hw 1)" "$hold_usb"

# ---- a wrong image, failing flashers, retries, a hanging flasher ----
cp "$fw/fwA.uf2" "$fw/wrong.uf2"
cp "$fw/fwB.id" "$fw/wrong.id"
jq '.flasher.timeout_s = 2' boards/RPI_PICO.json >"$tmp/slow-pico.json"
bench fail "RPI_PICO:A RPI_PICO:A RPI_PICO:A RPI_PICO:A RPI_PICO:A" '
run() { k=$1; shift; st=0; "$M" --hub 1-1.$k --hw-version 0 --boards-dir boards --log $D/$k.log "$@" >$D/$k.out 2>$D/$k.err || st=$?; echo $st >$D/$k.st; }
run 1 --board RPI_PICO --stamp $D/1.stamp "$FW/wrong.uf2"
FAKE_FLASHER_MODE=fail run 2 --board RPI_PICO "$FW/fwB.uf2"
FAKE_FLASHER_MODE=fail-once run 3 --board RPI_PICO --json "$FW/fwB.uf2"
FAKE_FLASHER_MODE=hang run 4 --spec '"$tmp/slow-pico.json"' --retries 0 "$FW/fwB.uf2"
# interrupted while its flasher hangs: the flasher is stopped, the relay released, the DUT switched off
FAKE_FLASHER_MODE=hang "$M" --hub 1-1.5 --hw-version 0 --boards-dir boards --board RPI_PICO --log $D/5.log "$FW/fwB.uf2" >$D/5.out 2>$D/5.err &
pid=$!
while [ ! -e "$VT_STATE/hang-5.pid" ] && kill -0 $pid 2>/dev/null; do sleep 0.1; done
kill -TERM $pid
st=0; wait $pid || st=$?; echo $st >$D/5.st
for k in 4 5; do kill -0 "$(cat "$VT_STATE/hang-$k.pid")" 2>/dev/null && echo "$k" >>$D/left; done
touch $D/left
'
expect "wrong image: exit 1" "$(cat "$tmp/fail/1.st")" 1
has_text "wrong image: the error names board, file and both identities" "$tmp/fail/1.err" \
	"2731-RPI_PICO: flashed $fw/wrong.uf2, but the board runs '$idA', not '$idB' (a wrong image?)"
if [ ! -e "$tmp/fail/1.stamp" ]; then ok "wrong image: no stamp written"; else notok "wrong image: a stamp was written"; fi
expect "failing flasher: exit 3" "$(cat "$tmp/fail/2.st")" 3
expect "failing flasher: tried 3 times (2 retries)" "$(awk '$1 == 2' "$tmp/fail/state/flasher.log" | wc -l)" 3
has_text "failing flasher: one error line naming board, step and log" "$tmp/fail/2.err" \
	"2732-RPI_PICO: not flashed: flasher failed (after 3 attempts); see $tmp/fail/2.log"
expect "failing flasher: the DUT is left off, the relay released" \
	"$(events fail 2 | tr , '\n' | grep -E '^(on|off|relay 1 (press|release))$' | tail -n 3 | paste -sd, -)" \
	"on,relay 1 release,off"
if cmp -s "$tmp/fail/state/flash-2" "$fw/fwA.uf2"; then ok "failing flasher: the old image is untouched"
else notok "failing flasher: flash-2 changed"; fi
has "the flasher's own error is in the log" "$tmp/fail/2.log" "exit status 1"
expect "once-failing flasher: exit" "$(cat "$tmp/fail/3.st")" 0
if jq -e '.attempts == 2 and .action == "flashed"' "$tmp/fail/3.out" >/dev/null; then ok "once-failing flasher: flashed on the second attempt"
else notok "once-failing flasher: $(cat "$tmp/fail/3.out")"; fi
expect "hanging flasher: exit 3" "$(cat "$tmp/fail/4.st")" 3
has_text "hanging flasher: stopped at its time limit" "$tmp/fail/4.err" "2734-RPI_PICO: not flashed: flasher timeout (after 1 attempt)"
expect "interrupted: exit 3" "$(cat "$tmp/fail/5.st")" 3
has_text "interrupted: says so" "$tmp/fail/5.err" "2735-RPI_PICO: interrupted"
expect "interrupted: the relay released, the DUT left off" \
	"$(events fail 5 | tr , '\n' | grep -E '^(on|off|relay 1 (press|release))$' | tail -n 3 | paste -sd, -)" \
	"on,relay 1 release,off"
expect "hanging and interrupted flashers: no flasher process left" "$(wc -l <"$tmp/fail/left")" 0

# ---- bad input: nothing touches the bench ----
bench bad "RPI_PICO:A" '
run() { n=$1; shift; st=0; "$M" --hub 1-1.1 --hw-version 0 --boards-dir boards --log $D/log "$@" >$D/$n.out 2>$D/$n.err || st=$?; echo $st >$D/$n.st; }
run nofw --board RPI_PICO "$FW/none.uf2"
: >$D/empty.uf2; run empty --board RPI_PICO $D/empty.uf2
PATH=/usr/bin:/bin run noprog --board RPI_PICO "$FW/fwB.uf2"
run unknown --board NO_SUCH "$FW/fwB.uf2"
run virtual --board VIRTUAL_WASM "$FW/fwB.uf2"
printf "{\n  \"name\": \"X\",\n  \"flasher\": {\"program\": \"picotool\",}\n}\n" >$D/bad.json; run badspec --spec $D/bad.json "$FW/fwB.uf2"
printf "" >$D/empty.id; run emptyid --board RPI_PICO --id-file $D/empty.id "$FW/fwB.uf2"
mkdir -p "$XDG_RUNTIME_DIR/testbed-micropython-locks"
exec 7>>"$XDG_RUNTIME_DIR/testbed-micropython-locks/tentacle-e46340474b4c2731.lock"; flock 7
run busy --board RPI_PICO "$FW/fwB.uf2"
'
check_bad() { expect "$1: exit" "$(cat "$tmp/bad/$2.st")" "$3"; has_text "$1: the message" "$tmp/bad/$2.err" "$4"; }
check_bad "missing firmware" nofw 5 "RPI_PICO: firmware '$fw/none.uf2': No such file or directory"
check_bad "empty firmware" empty 5 "RPI_PICO: firmware '$tmp/bad/empty.uf2' is empty"
check_bad "flasher not installed" noprog 5 "RPI_PICO: the flasher 'picotool' is not installed"
check_bad "unknown board" unknown 2 "unknown board 'NO_SUCH': no boards/NO_SUCH.json"
check_bad "a virtual board" virtual 2 "board VIRTUAL_WASM has no flasher (a virtual board): nothing to flash"
check_bad "a spec that is no JSON" badspec 2 "$tmp/bad/bad.json:3: invalid JSON near column"
check_bad "an empty .id file" emptyid 5 "'$tmp/bad/empty.id' must hold one line, the firmware's identity"
check_bad "a busy tentacle" busy 3 "2731-RPI_PICO: tentacle 1-1.1 is busy: another test run or flash holds it"
expect "bad input never switched the DUT" "$(events bad 1)" ""
expect "bad input never ran a flasher" "$(cat "$tmp/bad/state/flasher.log" 2>/dev/null | wc -l)" 0

# ---- Teensys: the flasher cannot choose a device, so they flash one at a time ----
bench teensy "TEENSY40:A TEENSY40:A LOLIN_D1_MINI:A ADA_ITSYBITSY_M0:A" '
for k in 1 2; do
	FAKE_FLASHER_DELAY=1 "$M" --hub 1-1.$k --hw-version 0 --boards-dir boards --board TEENSY40 --log $D/$k.log "$FW/fwB.hex" >$D/$k.out 2>$D/$k.err &
	pids[$k]=$!
done
for k in 1 2; do st=0; wait ${pids[$k]} || st=$?; echo $st >$D/$k.st; done
st=0; "$M" --hub 1-1.3 --hw-version 0 --boards-dir boards --board LOLIN_D1_MINI --log $D/3.log "$FW/fwB.bin" >$D/3.out 2>$D/3.err || st=$?; echo $st >$D/3.st
st=0; "$M" --hub 1-1.4 --hw-version 0 --boards-dir boards --board ADA_ITSYBITSY_M0 --log $D/4.log "$FW/fwB.bin" >$D/4.out 2>$D/4.err || st=$?; echo $st >$D/4.st
'
expect "Teensy 1: exit" "$(cat "$tmp/teensy/1.st")" 0
expect "Teensy 2: exit" "$(cat "$tmp/teensy/2.st")" 0
expect "each Teensy flash found exactly one Teensy in boot mode" "$(awk '$2 == "teensy_loader_cli" { print $1 }' "$tmp/teensy/state/flasher.log" | sort | paste -sd, -)" "1,2"
if grep -qh "waiting for another teensy_loader_cli flash on this host" "$tmp/teensy/1.err" "$tmp/teensy/2.err"; then
	ok "the second Teensy waited for the first"
else notok "no Teensy waited: $(cat "$tmp/teensy/1.err" "$tmp/teensy/2.err" | head -c 300)"; fi
expect "Teensy flow (relay held, boot device announced by bind)" "$(events teensy 1)" "$hold_usb"
expect "ESP8266 (no boot device of its own): exit" "$(cat "$tmp/teensy/3.st")" 0
has "ESP8266: esptool on the application tty with the flash size and mode" "$tmp/teensy/state/flasher.log" \
	"^3 esptool --port=/dev/ttyACM[0-9]* --chip=esp8266 --baud=1000000 write-flash 0x0 --no-progress --compress --flash-size=4MB --flash-mode=dio $fw/fwB.bin\$"
expect "SAMD (5 pulses of 200 ms): exit" "$(cat "$tmp/teensy/4.st")" 0
expect "SAMD flow (DUT on, then the spec's pulses)" "$(events teensy 4)" \
	"off,on,off,on,relay 1 pulse $(jq -r '.boot.sequence | join(",")' boards/ADA_ITSYBITSY_M0.json),boot add,off,boot remove,on"
has "SAMD: bossac with the SAMD arguments on the boot tty" "$tmp/teensy/state/flasher.log" \
	"^4 bossac --erase --write --info --verify --reset --offset=0x2000 --port /dev/ttyACM[0-9]* $fw/fwB.bin\$"
finish
