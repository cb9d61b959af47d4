#!/bin/bash
# Flashing on the virtual tentacle bench (tests/mock/vtentacles.c, built here with $CC), driven by hand with
# the existing tools (no mp-flash): 5 tentacles, a picotool-kind DUT (relay held at power-on), an
# esptool-kind (held, tty), a bossac-kind (relay pulses), and two teensy-kind ones (bind). For each: DUT
# off, relay pressed, `tentacle-find wait --new ... --then tentacle-power ... dut on` sees the boot device,
# the boot-K file names it, the fake flasher (tests/mock/flashers on PATH) writes flash-K only for the
# right device, relay released, DUT cycled, and the application comes back running the new firmware
# (`mp-runtest --identity` reports the build date make-vfirmware.sh patched in). Also the flasher's
# failure modes, the Teensy ambiguity, the infra's traceback, and the harness's log of each tentacle.
set -eu
export LC_ALL=C
cd "$(dirname "$0")/../.."
CC=${CC:-cc}
. tests/lib.sh

require_tools tentacle-find tentacle-power mp-runtest
require node
require_vboards
vbench_harness

# ---- firmware images: a different build date each ----
fw="$tmp/fw"
i=0
for f in pico:uf2 esp:bin samd:bin teensy:hex; do
	i=$((i + 1))
	if ! sh tests/mock/make-vfirmware.sh "$fw" "${f%:*}" "2026-0$i-1$i" "${f#*:}" 2>"$tmp/e"; then
		notok "make-vfirmware.sh ${f%:*}: $(head -c 300 "$tmp/e")"
		finish
	fi
done
if [ "$(cat "$fw/esp.id")" = "pyscript;3.4.0; MicroPython v1.27.0 on 2026-02-12;pyscript" ] &&
	head -n 1 "$fw/esp.bin" | grep -q "^vfirmware /.*/vfw-2026-02-12/micropython.mjs$"; then
	ok "make-vfirmware.sh writes the image and the identity"
else notok "make-vfirmware.sh: $(cat "$fw/esp.id" "$fw/esp.bin")"; fi
echo "not a firmware" >"$fw/bad.uf2"

# ---- the driver, run inside the bench: writes ok / not ok lines, replayed below ----
cat >"$tmp/drive.sh" <<'INNER'
set -u
BIN=$1 fw=$2 st=$3 out=$4
F="$BIN/tentacle-find" P="$BIN/tentacle-power"
ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; }
# run CMD..., stdout in $out/o, stderr in $out/e, status in $rc
run() { rc=0; "$@" >"$out/o" 2>"$out/e" || rc=$?; }
expect_rc() { # DESC WANT
	if [ "$rc" = "$2" ]; then ok "$1"; else notok "$1: exit $rc, expected $2: $(head -c 300 "$out/e")"; fi
}
same() { cmp -s "$1" "$2"; }
infra() { echo "/dev/ttyACM$(($1 - 1))"; }
fw_unchanged() { # DESC K BEFORE-COPY
	if { [ ! -e "$3" ] && [ ! -e "$st/flash-$2" ]; } || { [ -e "$3" ] && same "$3" "$st/flash-$2"; }; then
		ok "$1: flash-$2 untouched"
	else notok "$1: flash-$2 changed"; fi
}
snap() { rm -f "$out/before"; [ ! -e "$st/flash-$1" ] || cp "$st/flash-$1" "$out/before"; }

# into boot mode: K BOOT-ID SUBSYSTEM hold|pulse; the device node printed in $dev
enter_boot() {
	k=$1
	if [ "$4" = hold ]; then
		run "$P" --hub "1-1.$k" --hw-version 0 dut off
		expect_rc "$k: dut off" 0
		run "$P" --hub "1-1.$k" --infra-tty "$(infra "$k")" relay 1 press
		expect_rc "$k: relay 1 press" 0
		run "$F" wait --new --location "1-1.$k.3" --id "$2" --subsystem "$3" --timeout 10 \
			--then "$P" --hub "1-1.$k" --hw-version 0 dut on
	else
		run "$F" wait --new --location "1-1.$k.3" --id "$2" --subsystem "$3" --timeout 10 \
			--then "$P" --hub "1-1.$k" --infra-tty "$(infra "$k")" relay 1 pulse 500,100,100
	fi
	expect_rc "$k: the boot device $2 ($3) appears at 1-1.$k.3" 0
	dev=$(grep -o '^/dev/[^ ]*' "$out/o" | tail -n 1 || true)
	if [ -f "$st/boot-$k" ] && [ "$(cut -d' ' -f1 "$st/boot-$k")" = "$([ "$3" = usb ] && echo usb || echo tty)" ]; then
		ok "$k: boot-$k present: $(cat "$st/boot-$k")"
	else notok "$k: boot-$k: $(cat "$st/boot-$k" 2>&1)"; fi
}

# back to the application: K APP-ID hold|pulse ID-FILE
leave_boot() {
	k=$1
	if [ "$3" = hold ]; then
		run "$P" --hub "1-1.$k" --infra-tty "$(infra "$k")" relay 1 release
		expect_rc "$k: relay 1 release" 0
	fi
	run "$F" wait --new --location "1-1.$k.3" --id "$2" --subsystem tty --timeout 10 \
		--then "$P" --hub "1-1.$k" --hw-version 0 dut cycle
	expect_rc "$k: the application tty comes back after the cycle" 0
	tty=$(grep -o '^/dev/[^ ]*' "$out/o" | tail -n 1 || true)
	if [ ! -e "$st/boot-$k" ]; then ok "$k: boot-$k gone"; else notok "$k: boot-$k still there"; fi
	run "$BIN/mp-runtest" --port "$tty" --board x --identity "$out/id-$k"
	if [ "$rc" = 0 ] && same "$out/id-$k" "$4"; then ok "$k: the board runs the new firmware ($(cat "$4"))"
	else notok "$k: identity on $tty: exit $rc, $(cat "$out/id-$k" 2>/dev/null) ($(head -c 300 "$out/e"))"; fi
}

# ---- 1: picotool, relay held ----
enter_boot 1 2e8a:0003 usb hold
read -r _ bus addr _ <"$st/boot-1"
snap 1
run picotool load --update --bus "$bus" --address $((addr + 50)) --execute "$fw/pico.uf2"
expect_rc "1: picotool with a wrong address fails" 1
fw_unchanged "1: wrong address" 1 "$out/before"
grep -q "No accessible RP-series devices" "$out/e" && ok "1: ... saying no device" || notok "1: wrong address: $(cat "$out/e")"
run picotool load --update --bus "$bus" --address "$addr" --frobnicate "$fw/pico.uf2"
expect_rc "1: picotool with an unknown option: usage error" 2
run picotool load --update --bus "$bus" --address "$addr" --execute "$fw/bad.uf2"
expect_rc "1: an invalid image is refused" 1
grep -q "not a valid image" "$out/e" && ok "1: ... as not a valid image" || notok "1: bad image: $(cat "$out/e")"
run env FAKE_FLASHER_MODE=fail picotool load --update --bus "$bus" --address "$addr" --execute "$fw/pico.uf2"
expect_rc "1: FAKE_FLASHER_MODE=fail fails" 1
fw_unchanged "1: mode fail" 1 "$out/before"
t0=$(date +%s)
run env FAKE_FLASHER_MODE=hang timeout 2 picotool load --update --bus "$bus" --address "$addr" --execute "$fw/pico.uf2"
expect_rc "1: FAKE_FLASHER_MODE=hang hangs until SIGTERM (timeout's 124)" 124
[ $(($(date +%s) - t0)) -le 4 ] && ok "1: ... and dies at once" || notok "1: hang took $(($(date +%s) - t0)) s"
fw_unchanged "1: mode hang" 1 "$out/before"
run dfu-util --serial NOSUCHSERIAL --download "$fw/pico.uf2"
expect_rc "1: dfu-util with an unknown serial fails" 1
run env FAKE_FLASHER_MODE=fail-once picotool load --update --bus "$bus" --address "$addr" --execute "$fw/pico.uf2"
expect_rc "1: FAKE_FLASHER_MODE=fail-once: the first call fails" 1
fw_unchanged "1: fail-once, first call" 1 "$out/before"
run env FAKE_FLASHER_MODE=fail-once picotool load --update --bus "$bus" --address "$addr" --execute "$fw/pico.uf2"
expect_rc "1: FAKE_FLASHER_MODE=fail-once: the second call flashes" 0
same "$fw/pico.uf2" "$st/flash-1" && ok "1: flash-1 written" || notok "1: flash-1 not the image"
grep -q "Loading into Flash" "$out/o" && ok "1: picotool prints progress" || notok "1: no progress text"
leave_boot 1 2e8a:0005 hold "$fw/pico.id"

# ---- 2: esptool, relay held, boot device a tty ----
enter_boot 2 10c4:ea60 tty hold
snap 2
run esptool --port=/dev/ttyACM99 --chip=esp32 --baud=460800 write-flash 0x1000 --no-progress --compress "$fw/esp.bin"
expect_rc "2: esptool on a wrong port fails" 1
fw_unchanged "2: wrong port" 2 "$out/before"
run esptool --port="$dev" --chip=esp32 --baud=460800 write-flash 0x1000 --no-progress --compress \
	--flash-size detect "$fw/esp.bin"
expect_rc "2: esptool on $dev flashes" 0
same "$fw/esp.bin" "$st/flash-2" && ok "2: flash-2 written" || notok "2: flash-2 not the image"
leave_boot 2 10c4:ea60 hold "$fw/esp.id"

# ---- 3: bossac, double tap on the relay while powered ----
enter_boot 3 2341:005a tty pulse
snap 3
run bossac --erase --write --info --usb-port --reset --offset=0x2000 --port /dev/ttyACM98 "$fw/samd.bin"
expect_rc "3: bossac on a wrong port fails" 1
fw_unchanged "3: wrong port" 3 "$out/before"
run bossac --erase --write --info --usb-port --reset --offset=0x2000 --port "$dev" "$fw/samd.bin"
expect_rc "3: bossac on $dev flashes" 0
same "$fw/samd.bin" "$st/flash-3" && ok "3: flash-3 written" || notok "3: flash-3 not the image"
leave_boot 3 2341:025a pulse "$fw/samd.id"

# ---- 4 and 5: Teensy (bind), no device selection: two in boot mode is an error ----
enter_boot 4 16c0:0478 usb hold
enter_boot 5 16c0:0478 usb hold
snap 4
run teensy_loader_cli --mcu=imxrt1062 -v -w "$fw/teensy.hex"
expect_rc "4+5: teensy_loader_cli with two Teensys in boot mode fails" 1
grep -q "more than one Teensy in boot mode" "$out/e" && ok "4+5: ... saying so" || notok "4+5: $(cat "$out/e")"
fw_unchanged "4+5: two Teensys" 4 "$out/before"
run "$P" --hub 1-1.5 --hw-version 0 dut off
expect_rc "5: dut off" 0
run teensy_loader_cli --mcu=imxrt1062 -v -w "$fw/teensy.hex"
expect_rc "4: teensy_loader_cli flashes the one Teensy in boot mode" 0
same "$fw/teensy.hex" "$st/flash-4" && ok "4: flash-4 written" || notok "4: flash-4 not the image"
[ ! -e "$st/flash-5" ] && ok "5: flash-5 untouched" || notok "5: flash-5 written"
leave_boot 4 f055:9802 hold "$fw/teensy.id"

# ---- the infra answers unknown code with a traceback ----
run "$P" --hub 1-1.5 --infra-tty "$(infra 5)" -v relay 3 press
expect_rc "5: relay 3 press" 0
"$F" --json >"$out/final" 2>&1 || true
INNER

# the infra's traceback, by a raw REPL session by hand (inside the bench, its tty is /dev/ttyACM0)
cat >"$tmp/traceback.sh" <<'INNER'
set -eu
exec 3<>/dev/ttyACM0
stty -F /dev/ttyACM0 raw -echo 2>/dev/null || true
printf '\r\003\003' >&3; sleep 0.2
printf '\r\001' >&3; sleep 0.2
printf 'frobnicate(1)\n\004' >&3; sleep 0.3
printf '\r\002' >&3; sleep 0.2
timeout 1 cat <&3 || true
INNER

mkdir "$tmp/out"
t0=$(date +%s)
st=0
VT_STATE="$tmp/state" VT_LOG="$tmp/vtlog" PATH="$PWD/tests/mock/flashers:$PATH" umockdev-wrapper "$VT" \
	--board "sh $PWD/tests/mock/vt-board.sh" \
	--dut 1=2e8a:0005/2e8a:0003/usb --dut 2=10c4:ea60/10c4:ea60/tty --dut 3=2341:025a/2341:005a/tty/pulse \
	--dut 4=f055:9802/16c0:0478/bind --dut 5=f055:9802/16c0:0478/bind 5 -- \
	bash "$tmp/drive.sh" "$BIN" "$fw" "$tmp/state" "$tmp/out" >"$tmp/drive" 2>"$tmp/drive.err" || st=$?
t1=$(date +%s)
expect "the driver ran in the bench ($((t1 - t0)) s)" "$st" 0
while IFS= read -r line; do
	case "$line" in
	"ok - "*) ok "${line#ok - }" ;;
	"not ok - "*) notok "${line#not ok - }" ;;
	*) echo "# $line" ;;
	esac
done <"$tmp/drive"
[ -s "$tmp/drive.err" ] && sed 's/^/# stderr: /' "$tmp/drive.err" | head -n 10

# ---- what the flashers recorded ----
if [ "$(grep -c . "$tmp/state/flasher.log")" = "$(find "$tmp/state/calls" -name '*.argv' | wc -l)" ] &&
	grep -q "^1 picotool load --update --bus 1 --address [0-9]* --execute $fw/pico.uf2$" "$tmp/state/flasher.log" &&
	grep -q "^- picotool load" "$tmp/state/flasher.log" &&
	grep -q "^4 teensy_loader_cli --mcu=imxrt1062 -v -w $fw/teensy.hex$" "$tmp/state/flasher.log"; then
	ok "flasher.log: one line per call, 'K NAME ARGS'"
else notok "flasher.log: $(head -c 600 "$tmp/state/flasher.log")"; fi
a=$(find "$tmp/state/calls" -name '*-esptool.argv' | sort | tail -n 1)
if [ -n "$a" ] && sed -n 1p "$a" | grep -q "^--port=/dev/ttyACM[0-9]*$" && [ "$(tail -n 1 "$a")" = "$fw/esp.bin" ] &&
	grep -q '^VT_STATE=' "${a%.argv}.env"; then
	ok "each call's argv and env recorded"
else notok "recorded call: $(head -c 300 "$a" 2>&1)"; fi

# ---- the harness's log, per tentacle (tty names and device numbers normalised) ----
seq_of() { awk -v k="$1" 'index($1, "1-1." k ".") == 1' "$tmp/vtlog" |
	sed -E 's,ttyACM[0-9]+,TTY,g; s,/dev/bus/usb/001/[0-9]+,USB,' | tr '\n' '|'; }
hold_seq() { # K ON-NAME BOOTNODE
	echo "1-1.$1.3 off TTY|1-1.$1.3 relay 1 press|1-1.$1.3 on $2|1-1.$1.3 boot add $3|1-1.$1.3 relay 1 release|1-1.$1.3 off $2|1-1.$1.3 boot remove|1-1.$1.3 on TTY|"
}
expect "1: log sequence (picotool, hold)" "$(seq_of 1)" "$(hold_seq 1 - USB)"
expect "2: log sequence (esptool, hold, tty)" "$(seq_of 2)" "$(hold_seq 2 TTY /dev/TTY)"
expect "3: log sequence (bossac, pulse)" "$(seq_of 3)" \
	"1-1.3.3 relay 1 pulse 500,100,100|1-1.3.3 boot add /dev/TTY|1-1.3.3 off TTY|1-1.3.3 boot remove|1-1.3.3 on TTY|"
expect "4: log sequence (teensy, hold, bind)" "$(seq_of 4)" "$(hold_seq 4 - USB)"
expect "5: log sequence" "$(seq_of 5)" \
	"1-1.5.3 off TTY|1-1.5.3 relay 1 press|1-1.5.3 on -|1-1.5.3 boot add USB|1-1.5.3 off -|1-1.5.3 boot remove|1-1.5.3 relay 3 press|"
if [ "$(jq -s 'map(select(.dut != null)) | length' "$tmp/out/final" 2>/dev/null)" = 4 ]; then
	ok "at the end 4 DUTs run their application (5 is off)"
else notok "at the end: $(head -c 500 "$tmp/out/final")"; fi

# ---- the infra emulator: a traceback for other code; hardware version and GPIO23 on v0.5 ----
st=0
VT_LOG="$tmp/vtlog2" umockdev-wrapper "$VT" 1 -- sh "$tmp/traceback.sh" >"$tmp/o" 2>"$tmp/e" || st=$?
if [ $st = 0 ] && tr -d '\r' <"$tmp/o" | grep -q "^NameError: name 'frobnicate' isn't defined" &&
	grep -q "raw REPL; CTRL-B to exit" "$tmp/o" && grep -q 'Traceback (most recent call last):' "$tmp/o"; then
	ok "the infra answers other code with a traceback on stderr"
else notok "traceback: exit $st: $(od -c "$tmp/o" | head -n 12)"; fi
cat >"$tmp/hw.sh" <<'INNER'
P=$1
"$P" --hub 1-1.1 --json dut off && "$P" --hub 1-1.1 --json dut on && "$P" --hub 1-1.1 --hw-version 0 dut off &&
	"$P" --hub 1-1.1 --infra-tty /dev/ttyACM0 dut on
INNER
st=0
VT_LOG="$tmp/vtlog3" umockdev-wrapper "$VT" --hw 1=1 1 -- sh "$tmp/hw.sh" "$BIN/tentacle-power" >"$tmp/o" 2>"$tmp/e" || st=$?
# off: GPIO23 first, then the port; on: the port, then GPIO23; a port-only switch, then both (GPIO23 was 1)
want="1-1.1.1 gpio 23 0|1-1.1.3 off TTY|1-1.1.1 gpio 23 1|1-1.1.3 on TTY|1-1.1.3 off TTY|1-1.1.3 on TTY|1-1.1.1 gpio 23 1|"
if [ $st = 0 ] && grep -q '"hw_version":1' "$tmp/o" &&
	[ "$(sed -E 's,ttyACM[0-9]+,TTY,' "$tmp/vtlog3" | tr '\n' '|')" = "$want" ]; then
	ok "--hw 1=1: the infra reports v0.5, the DUT follows GPIO23 and port 3"
else notok "--hw: exit $st: $(head -c 300 "$tmp/o" "$tmp/e") log: $(tr '\n' '|' <"$tmp/vtlog3")"; fi
finish
