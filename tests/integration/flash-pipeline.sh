#!/bin/bash
# `make flash` and `make -j4 test FLASH=auto` on a virtual tentacle bench (tests/mock/vtentacles.c): three
# RPI_PICO tentacles and one ESP32_DEVKIT, their DUTs virtual boards that run whatever firmware the fake
# flashers (tests/mock/flashers) wrote into them; the firmware comes from a FIRMWARE_DIR. The DUTs keep
# their firmware from one start of the bench to the next (files in VT_STATE), as real boards do. Checked: only
# the boards whose firmware differs are flashed; a new firmware reruns that board's tests and nothing
# else; a board without firmware is reported and skipped while the others are tested.
set -eu
export LC_ALL=C
cd "$(dirname "$0")/../.."
TESTS_RUN="basics/arith_int.py basics/class_inherit.py"
RUN=flash-pipeline-$$
. tests/lib.sh
tb_extra_cleanup='rm -rf "results/$RUN"'
top=$PWD

require jq node flock
require_vboards
vbench_harness
if ! make -s tools >"$tmp/make" 2>&1; then
	notok "make tools failed: $(tail -c 600 "$tmp/make")"
	finish
fi

fw=$tmp/fw
for v in A:2026-01-01 B:2026-02-02 C:2026-03-03; do
	for ext in uf2 bin; do
		sh tests/mock/make-vfirmware.sh "$fw" "fw${v%%:*}" "${v#*:}" "$ext"
	done
done
# FIRMWARE_DIR/<BUILD>/firmware.<ext> + firmware.id
fwdir=$tmp/firmware
install_fw() { # BUILD VERSION EXT
	mkdir -p "$fwdir/$1"
	cp "$fw/fw$2.$3" "$fwdir/$1/firmware.$3"
	cp "$fw/fw$2.id" "$fwdir/$1/firmware.id"
}
install_fw RPI_PICO B uf2
install_fw ESP32_GENERIC B bin

mkdir "$tmp/testbeds"
vt_inventory "$tmp/testbeds/vtbench.json" vtbench RPI_PICO RPI_PICO RPI_PICO ESP32_DEVKIT
state=$tmp/state
mkdir -p "$state" "$tmp/run"
# what the DUTs run at the start: tentacle 1 already the wanted firmware, the others an older one
cp "$fw/fwB.uf2" "$state/flash-1"
cp "$fw/fwA.uf2" "$state/flash-2"
cp "$fw/fwA.uf2" "$state/flash-3"
cp "$fw/fwA.bin" "$state/flash-4"

# on_bench NAME MAKE-ARGS...: one start of the bench, running `make MAKE-ARGS`; output in $tmp/NAME.out/.err,
# exit status in $tmp/NAME.st; the flasher calls of this start in $tmp/NAME.calls ("K PROGRAM")
on_bench() {
	local name=$1
	shift
	: >"$state/flasher.log"
	local st=0
	VT_STATE="$state" VT_LOG="$tmp/$name.vtlog" XDG_RUNTIME_DIR="$tmp/run" \
		umockdev-wrapper "$VT" --board "sh $top/tests/mock/vt-board.sh" \
		--dut 1=2e8a:0005/2e8a:0003/usb --dut 2=2e8a:0005/2e8a:0003/usb --dut 3=2e8a:0005/2e8a:0003/usb \
		--dut 4=10c4:ea60/10c4:ea60/tty 4 -- \
		env PATH="$top/tests/mock/flashers:$PATH" TESTBEDS_DIR="$tmp/testbeds" FDSPREAD_BIN="$top/build/bin" \
		FDSPREAD_STATE="$tmp/fds" make -s TB_BIN="$top/tests/mock/fdspread" TESTBED=vtbench RUN="$RUN" "$@" \
		>"$tmp/$name.out" 2>"$tmp/$name.err" || st=$?
	echo $st >"$tmp/$name.st"
	awk '{ print $1, $2 }' "$state/flasher.log" | sort >"$tmp/$name.calls"
}
calls() { paste -sd, - <"$tmp/$1.calls"; }
mtimes() { # the modification times of a board's result files
	for t in $TESTS_RUN; do date -r "results/$RUN/$1/$t.json" +%s.%N 2>/dev/null || echo none; done | paste -sd, -
}

# ---- make flash BOARD=RPI_PICO: only the two whose firmware differs ----
on_bench flash flash BOARD=RPI_PICO FIRMWARE_DIR="$fwdir"
expect "make flash BOARD=RPI_PICO: exit" "$(cat "$tmp/flash.st")" 0
expect "flashed: tentacles 2 and 3 (1 is up to date, 4 is no RPI_PICO)" "$(calls flash)" "2 picotool,3 picotool"
has_text "tentacle 1 reported up to date" "$tmp/flash.err" "2731-RPI_PICO: up to date: $(cat "$fw/fwB.id") on /dev/"
has "tentacle 2 reported flashed" "$tmp/flash.err" "2732-RPI_PICO: flashed $fwdir/RPI_PICO/firmware.uf2 in [0-9.]* s: $(cat "$fw/fwB.id") on /dev/"
has_text "the summary line" "$tmp/flash.err" "testrun: 3 of 3 board(s) ready: 2731-RPI_PICO 2732-RPI_PICO 2733-RPI_PICO"
expect "the ESP32's DUT was not touched" "$(grep -c '^1-1.4.3 ' "$tmp/flash.vtlog" || true)" 0
if cmp -s "$state/flash-2" "$fwdir/RPI_PICO/firmware.uf2" && cmp -s "$state/flash-3" "$fwdir/RPI_PICO/firmware.uf2"; then
	ok "the new image is in both DUTs"
else notok "flash-2 / flash-3 do not hold the new image"; fi
has "each flash has its log" "results/$RUN/2732-RPI_PICO/flash.log" "picotool load --update"

# ---- make -j4 test FLASH=auto: the ESP32 is flashed, then all four are tested ----
on_bench test1 -j4 test FLASH=auto FIRMWARE_DIR="$fwdir" TESTS="$TESTS_RUN"
expect "make -j4 test FLASH=auto: exit" "$(cat "$tmp/test1.st")" 0
expect "only the ESP32 was flashed" "$(calls test1)" "4 esptool"
has_text "the report counts all four boards" "$tmp/test1.out" "total: 8 passed, 0 failed, 0 skipped on 4 boards"
for b in 2731-RPI_PICO 2732-RPI_PICO 2733-RPI_PICO 2734-ESP32_DEVKIT; do
	if [ "$(cat "results/$RUN/$b/board.id" 2>/dev/null)" = "$(cat "$fw/fwB.id")" ]; then ok "$b: its stamp names the firmware it was tested with"
	else notok "$b: board.id is '$(cat "results/$RUN/$b/board.id" 2>/dev/null)'"; fi
done
before_pico=$(mtimes 2731-RPI_PICO) before_esp=$(mtimes 2734-ESP32_DEVKIT)

# ---- again: nothing to flash, nothing to rerun ----
on_bench test2 test FLASH=auto FIRMWARE_DIR="$fwdir" TESTS="$TESTS_RUN"
expect "second run: exit" "$(cat "$tmp/test2.st")" 0
expect "second run: no flasher call" "$(calls test2)" ""
expect "second run: no test ran again (RPI_PICO)" "$(mtimes 2731-RPI_PICO)" "$before_pico"
expect "second run: no test ran again (ESP32)" "$(mtimes 2734-ESP32_DEVKIT)" "$before_esp"

# ---- a new RPI_PICO firmware: the three are flashed and their tests rerun; the ESP32's are not ----
install_fw RPI_PICO C uf2
on_bench test3 -j4 test FLASH=auto FIRMWARE_DIR="$fwdir" TESTS="$TESTS_RUN"
expect "new firmware: exit" "$(cat "$tmp/test3.st")" 0
expect "new firmware: the three RPI_PICO flashed" "$(calls test3)" "1 picotool,2 picotool,3 picotool"
if [ "$(mtimes 2731-RPI_PICO)" != "$before_pico" ] && ! mtimes 2731-RPI_PICO | grep -q none; then
	ok "new firmware: the RPI_PICO tests ran again"
else notok "new firmware: RPI_PICO results $(mtimes 2731-RPI_PICO), before $before_pico"; fi
expect "new firmware: the ESP32's tests did not run again" "$(mtimes 2734-ESP32_DEVKIT)" "$before_esp"
expect "new firmware: its identity is the stamp" "$(cat "results/$RUN/2731-RPI_PICO/board.id")" "$(cat "$fw/fwC.id")"

# ---- FLASH=force TENTACLE=2732: that one only, though it is up to date ----
on_bench force flash TENTACLE=2732 FLASH=force FIRMWARE_DIR="$fwdir"
expect "make flash TENTACLE=2732 FLASH=force: exit" "$(cat "$tmp/force.st")" 0
expect "only tentacle 2 flashed" "$(calls force)" "2 picotool"

# ---- a board without firmware: reported, not tested; the others are ----
rm "$fwdir/ESP32_GENERIC/firmware.bin"
on_bench nofw test FLASH=auto FIRMWARE_DIR="$fwdir" TESTS="$TESTS_RUN"
expect "missing firmware: make fails" "$(cat "$tmp/nofw.st")" 2
has_text "missing firmware: the run's status is 3 (a board not ready)" "$tmp/nofw.err" "Error 3"
has_text "missing firmware: the error names board and file" "$tmp/nofw.err" "ESP32_DEVKIT"
has_text "missing firmware: the board is not ready" "$tmp/nofw.err" "2734-ESP32_DEVKIT: not ready: not flashed: no firmware for ESP32_DEVKIT"
has_text "missing firmware: the others are tested" "$tmp/nofw.err" "testrun: 3 board(s): 2731-RPI_PICO 2732-RPI_PICO 2733-RPI_PICO;"

# ---- MPY_DIR: the firmware is built from a checkout (a fake one here), then flashed ----
if command -v git >/dev/null; then
	mpy=$tmp/micropython
	cp -r tests/mock/fake-micropython "$mpy"
	git -C "$mpy" init -q && git -C "$mpy" add -A &&
		git -C "$mpy" -c user.name=t -c user.email=t@t commit -q -m fake
	RESULTS=$tmp/results on_bench mpy flash TENTACLE=2731 MPY_DIR="$mpy"
	has_text "MPY_DIR: the firmware is built" "$tmp/mpy.err" "building RPI_PICO"
	expect "MPY_DIR: the built image went to the flasher" "$(awk '{ print $1, $2, $NF }' "$state/flasher.log" | sort -u)" \
		"1 picotool $tmp/results/firmware/RPI_PICO/firmware.uf2"
	# the fake build is no image a virtual board can run: the flasher refuses it, the board is not ready
	has_text "MPY_DIR: a refused image leaves the board not ready" "$tmp/mpy.err" "2731-RPI_PICO: not ready: not flashed"
else
	notok "git is not installed: the MPY_DIR build was not tested"
fi

# ---- bad configuration ----
on_bench badflash test FLASH=sometimes FIRMWARE_DIR="$fwdir"
expect "FLASH=sometimes: exit 2" "$(cat "$tmp/badflash.st")" 2
has_text "FLASH=sometimes: a configuration error (status 2)" "$tmp/badflash.err" "Error 2"
has_text "FLASH=sometimes: the message" "$tmp/badflash.err" "FLASH='sometimes' must be auto, force or skip"
on_bench nosrc flash BOARD=RPI_PICO
expect "make flash without firmware: exit 2" "$(cat "$tmp/nosrc.st")" 2
has_text "make flash without firmware: the message" "$tmp/nosrc.err" "FLASH=auto needs the firmware: FIRMWARE_DIR=<prebuilt files> or MPY_DIR=<MicroPython checkout>"
st=0
make -s test TESTBED=virtual FLASH=auto FIRMWARE_DIR="$fwdir" RUN="$RUN" >"$tmp/o" 2>"$tmp/e" || st=$?
expect "FLASH=auto on virtual boards: exit 2" "$st" 2
has_text "FLASH=auto on virtual boards: the message" "$tmp/e" "FLASH=auto needs a bench of tentacles (TESTBED=<bench>)"
finish
