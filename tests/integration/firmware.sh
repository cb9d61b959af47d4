#!/bin/sh
# scripts/firmware.sh: prebuilt firmware (FIRMWARE_DIR) and firmware built from a fake MicroPython
# checkout (MPY_DIR, tests/mock/fake-micropython): what is built when, the files and lines it makes,
# and the errors. Results go to $tmp/results, never to the project's results/.
set -eu
cd "$(dirname "$0")/../.."
# shellcheck source=tests/lib.sh
. tests/lib.sh

FW=scripts/firmware.sh
export RESULTS="$tmp/results"
unset FIRMWARE_DIR MPY_DIR || true
out=$RESULTS/firmware
mpy=$tmp/mpy
tab=$(printf '\t')

count() { # BUILD_DIR: how often the fake checkout built it
	if [ -f "$mpy/ports/$1/build-count" ]; then wc -l <"$mpy/ports/$1/build-count" | tr -d ' '; else echo 0; fi
}
mtime() { stat -c %Y "$1"; }
fw() { MPY_DIR=$mpy bash "$FW" "$@"; }

cp -R tests/mock/fake-micropython/. "$mpy"
(
	cd "$mpy"
	git init -q
	git config user.name test
	git config user.email test@example.invalid
	git add -A
	git commit -qm one
	git tag v1.29.0
)

# ---- MPY_DIR: first build ----
check "first call builds RPI_PICO_W" 0 fw RPI_PICO_W
expect "built once" "$(count rp2/build-RPI_PICO_W)" 1
want=$(printf 'RPI_PICO_W\t-\t%s\t%s' "$out/RPI_PICO_W/firmware.uf2" "$out/RPI_PICO_W/firmware.id")
expect "line: board, default variant, firmware, id" "$(cat "$tmp/o")" "$want"
has_text "firmware copied from the build" "$out/RPI_PICO_W/firmware.uf2" "fake firmware RPI_PICO_W v1.29.0"
d=$(sed -n 's/.*MICROPY_BUILD_DATE "\(.*\)"/\1/p' "$mpy/ports/rp2/build-RPI_PICO_W/genhdr/mpversion.h")
expect "identity" "$(cat "$out/RPI_PICO_W/firmware.id")" "RPI_PICO_W;3.4.0; MicroPython v1.29.0 on $d;RPI_PICO_W"
expect "source.id is git describe" "$(cat "$out/RPI_PICO_W/source.id")" "v1.29.0"
has_text "build log kept" "$out/RPI_PICO_W/build.log" "fake build of RPI_PICO_W"
has "progress: started" "$tmp/e" "^firmware: building RPI_PICO_W"
has "progress: finished with seconds" "$tmp/e" "^firmware: built RPI_PICO_W in [0-9]* s"

# ---- nothing changed: nothing built ----
m=$(mtime "$out/RPI_PICO_W/firmware.uf2")
sleep 1
check "second call" 0 fw --quiet RPI_PICO_W
expect "not built again" "$(count rp2/build-RPI_PICO_W)" 1
expect "firmware untouched" "$(mtime "$out/RPI_PICO_W/firmware.uf2")" "$m"
expect "--quiet: no progress" "$(wc -c <"$tmp/e" | tr -d ' ')" 0

# ---- a commit: rebuild ----
(cd "$mpy" && echo x >py/new.c && git add py/new.c && git commit -qm two)
check "after a commit" 0 fw RPI_PICO_W
expect "rebuilt" "$(count rp2/build-RPI_PICO_W)" 2
has_text "id has the new describe" "$out/RPI_PICO_W/firmware.id" "MicroPython v1.29.0-1-g"

# ---- dirty edits: each different edit rebuilds ----
echo one >>"$mpy/py/modsys.c"
check "dirty edit" 0 fw RPI_PICO_W
expect "rebuilt for the edit" "$(count rp2/build-RPI_PICO_W)" 3
has "source.id: -dirty and a hash" "$out/RPI_PICO_W/source.id" "-dirty [0-9a-f]\{40\}$"
has_text "id says dirty" "$out/RPI_PICO_W/firmware.id" "-dirty on "
echo two >>"$mpy/py/modsys.c"
check "second, different dirty edit" 0 fw RPI_PICO_W
expect "rebuilt again" "$(count rp2/build-RPI_PICO_W)" 4
check "no change since" 0 fw RPI_PICO_W
expect "not rebuilt" "$(count rp2/build-RPI_PICO_W)" 4
echo new >"$mpy/py/untracked.c"
check "a new untracked file" 0 fw RPI_PICO_W
expect "rebuilt for the untracked file" "$(count rp2/build-RPI_PICO_W)" 5
echo changed >"$mpy/py/untracked.c"
check "its content changes" 0 fw RPI_PICO_W
expect "rebuilt for its content" "$(count rp2/build-RPI_PICO_W)" 6
(cd "$mpy" && git checkout -q py/modsys.c && rm py/untracked.c)

# ---- variants and several builds in one call ----
check "variant and default of one board, one call" 0 fw RPI_PICO2:RISCV RPI_PICO2
expect "variant built in its own folder" "$(count rp2/build-RPI_PICO2-RISCV)" 1
expect "default built too" "$(count rp2/build-RPI_PICO2)" 1
has_text "variant line" "$tmp/o" "RPI_PICO2${tab}RISCV${tab}$out/RPI_PICO2-RISCV/firmware.uf2${tab}$out/RPI_PICO2-RISCV/firmware.id"
has_text "default line" "$tmp/o" "RPI_PICO2${tab}-${tab}$out/RPI_PICO2/firmware.uf2${tab}$out/RPI_PICO2/firmware.id"
has_text "variant identity" "$out/RPI_PICO2-RISCV/firmware.id" "RPI_PICO2-RISCV;3.4.0; MicroPython "
has_text "variant firmware" "$out/RPI_PICO2-RISCV/firmware.uf2" "fake firmware RPI_PICO2-RISCV"
expect "lines in argument order" "$(cut -f2 "$tmp/o" | tr '\n' ' ')" "RISCV - "

# two different builds run at once: each takes 2 s, both done in well under 4 s
rm -rf "$out/PYBV11" "$out/ESP32_DEVKIT"
t0=$(date +%s)
FAKE_MPY_SLEEP=2 FIRMWARE_JOBS=4 check "two builds in parallel" 0 fw PYBV11 ESP32_DEVKIT
t=$(($(date +%s) - t0))
if [ "$t" -lt 4 ]; then ok "parallel ($t s)"; else notok "builds ran one after the other ($t s)"; fi
expect "both lines" "$(wc -l <"$tmp/o" | tr -d ' ')" 2
has_text "dfu for stm32" "$tmp/o" "$out/PYBV11/firmware.dfu"
has_text "bin for esp32, BUILD from micropython_board" "$tmp/o" "$out/ESP32_GENERIC/firmware.bin"

check "two boards of one BUILD share one build" 0 fw PYBV11:DP PYBV11:DP
expect "built once" "$(count stm32/build-PYBV11-DP)" 1
expect "two lines" "$(wc -l <"$tmp/o" | tr -d ' ')" 2

# ---- build failure ----
rm -rf "$out/RPI_PICO"
FAKE_MPY_FAIL=RPI_PICO check "failed build" 5 fw RPI_PICO RPI_PICO_W
has_text "error names board and log" "$tmp/e" "firmware: RPI_PICO (default variant): build of RPI_PICO failed, see $out/RPI_PICO/build.log"
has_text "log has the build's output" "$out/RPI_PICO/build.log" "told to fail"
if [ -e "$out/RPI_PICO/firmware.uf2" ]; then notok "a firmware file is left"; else ok "no firmware file left"; fi
expect "the good board's line still printed" "$(cut -f1 "$tmp/o")" "RPI_PICO_W"
# an old firmware is not kept after a failed rebuild
check "good build" 0 fw RPI_PICO
(cd "$mpy" && echo y >py/more.c && git add py/more.c && git commit -qm three)
FAKE_MPY_FAIL=all check "failed rebuild" 5 fw RPI_PICO
if [ -e "$out/RPI_PICO/firmware.uf2" ]; then notok "the old firmware is left"; else ok "old firmware removed"; fi
check "builds again once it works" 0 fw RPI_PICO

# ---- spec field firmware.build_file ----
mkdir "$tmp/boards"
jq '.firmware.build_file = "build-{BUILD}/other.uf2"' boards/RPI_PICO.json >"$tmp/boards/RPI_PICO.json"
rm -rf "$out/RPI_PICO"
BOARDS_DIR=$tmp/boards check "build_file pointing nowhere" 5 fw RPI_PICO
has_text "log says which file is missing" "$out/RPI_PICO/build.log" "ports/rp2/build-RPI_PICO/other.uf2"

# ---- FIRMWARE_DIR ----
pre=$tmp/pre
mkdir -p "$pre/RPI_PICO2-RISCV" "$pre/PYBV11" "$pre/RPI_PICO" "$pre/RPI_PICO_W"
echo fw >"$pre/RPI_PICO2-RISCV/firmware.uf2"
echo 'RPI_PICO2-RISCV;3.4.0; MicroPython v1.29.0 on 2026-07-09;RPI_PICO2-RISCV' >"$pre/RPI_PICO2-RISCV/firmware.id"
echo fw >"$pre/PYBV11/firmware.dfu"
: >"$pre/RPI_PICO/firmware.uf2"
FIRMWARE_DIR=$pre check "prebuilt" 0 bash "$FW" RPI_PICO2:RISCV
expect "prebuilt line" "$(cat "$tmp/o")" "RPI_PICO2${tab}RISCV${tab}$pre/RPI_PICO2-RISCV/firmware.uf2${tab}$pre/RPI_PICO2-RISCV/firmware.id"
FIRMWARE_DIR=$pre check "prebuilt without .id" 0 bash "$FW" PYBV11
expect "'-' for the id" "$(cat "$tmp/o")" "PYBV11${tab}-${tab}$pre/PYBV11/firmware.dfu${tab}-"
has "warning about the .id" "$tmp/e" "warning: PYBV11 (default variant): no .*/PYBV11/firmware.id"
FIRMWARE_DIR=$pre check "missing firmware" 5 bash "$FW" RPI_PICO_W RPI_PICO2:RISCV
has_text "names board, variant and path" "$tmp/e" "RPI_PICO_W (default variant): no firmware file $pre/RPI_PICO_W/firmware.uf2"
expect "the good one still printed" "$(cut -f1 "$tmp/o")" "RPI_PICO2"
FIRMWARE_DIR=$pre check "empty firmware" 5 bash "$FW" RPI_PICO
has_text "names the empty file" "$tmp/e" "empty firmware file $pre/RPI_PICO/firmware.uf2"
FIRMWARE_DIR=$pre check "variant missing, default there" 5 bash "$FW" PYBV11:DP
has_text "names the variant" "$tmp/e" "PYBV11 variant DP: no firmware file $pre/PYBV11-DP/firmware.dfu"
FIRMWARE_DIR=$pre check "virtual board: nothing to flash" 0 bash "$FW" VIRTUAL_WASM
expect "virtual line" "$(cat "$tmp/o")" "VIRTUAL_WASM${tab}-${tab}-${tab}-"

# ---- bad input: exit 2, nothing built ----
FIRMWARE_DIR=$pre check "unknown board" 2 bash "$FW" NO_SUCH_BOARD
has_text "unknown board named" "$tmp/e" "unknown board 'NO_SUCH_BOARD'"
rm -rf "$out/RPI_PICO2"
check "bad variant" 2 fw RPI_PICO2 RPI_PICO2:ARM
has_text "bad variant named with the valid ones" "$tmp/e" "board 'RPI_PICO2' has no variant 'ARM' (its variants: \"\" RISCV)"
if [ -e "$out/RPI_PICO2" ]; then notok "built despite bad input"; else ok "nothing built on bad input"; fi
FIRMWARE_DIR=$pre check "both FIRMWARE_DIR and MPY_DIR" 2 env MPY_DIR="$mpy" bash "$FW" RPI_PICO
has_text "both: message" "$tmp/e" "both FIRMWARE_DIR"
check "neither FIRMWARE_DIR nor MPY_DIR" 2 bash "$FW" RPI_PICO
has_text "neither: message" "$tmp/e" "set FIRMWARE_DIR"
mkdir "$tmp/notmpy"
MPY_DIR=$tmp/notmpy check "MPY_DIR not a checkout" 2 bash "$FW" RPI_PICO
has_text "not a checkout: message" "$tmp/e" "is not a MicroPython checkout"
check "no board" 2 fw
check "unknown option" 2 fw --frobnicate RPI_PICO

# ---- the parent make's variables do not leak into MicroPython's make ----
rm -rf "$out/RPI_PICO"
MAKEFLAGS="BOARD_VARIANT=RISCV" check "under a parent make" 0 fw RPI_PICO
has_text "default build despite MAKEFLAGS" "$out/RPI_PICO/firmware.uf2" "fake firmware RPI_PICO v1"

finish
