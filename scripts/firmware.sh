#!/bin/bash
# firmware: make sure the firmware of each board (and variant) is there, prebuilt or built from a
# MicroPython checkout, and say where it is. Used by the flash step (mp-flash) of the pipeline.
#
# usage: scripts/firmware.sh [--quiet] BOARD[:VARIANT]...
#
#   BOARD      a board spec, BOARDS_DIR/BOARD.json; VARIANT one of its "variants" (none or "" is the
#              default build)
#   --quiet    no progress lines
# Environment (exactly one of FIRMWARE_DIR and MPY_DIR):
#   FIRMWARE_DIR  prebuilt files: FIRMWARE_DIR/<BUILD>/firmware.<ext> and, optionally, firmware.id
#   MPY_DIR       a MicroPython checkout: each firmware is built there with
#                 `make -C ports/<port> BOARD=<micropython_board> [BOARD_VARIANT=<VARIANT>]` and copied
#                 to RESULTS/firmware/<BUILD>/firmware.<ext> with firmware.id, source.id and build.log;
#                 a build runs only when the checkout changed (source.id); different builds run in
#                 parallel (FIRMWARE_JOBS, default the number of CPUs); boards of one BUILD share one
#   BOARDS_DIR    the board specs (default: boards/ of this project)
#   RESULTS       the results folder (default: results/ of this project)
# BUILD is MicroPython's build name, the board's sys.implementation._build: micropython_board, plus
# "-VARIANT" for a variant (RPI_PICO2-RISCV). firmware.id holds the identity the board reports:
# "BUILD;<sys.version>;BUILD". Details: the "Firmware" section of boards/README.md.
#
# Output (stdout): one line per argument, in order, tab-separated:
#   BOARD  VARIANT  FIRMWARE  ID
# VARIANT "-" for the default build; FIRMWARE and ID absolute paths; ID "-" when a prebuilt firmware has
# no .id (a warning on stderr; the flasher cannot skip by version then). A virtual board (firmware.ext
# null) has nothing to flash: "-" in both path columns. Errors and progress go to stderr.
# Exit: 0 all ready; 2 bad input (unknown board, unknown variant, both or neither of FIRMWARE_DIR and
# MPY_DIR, MPY_DIR not a MicroPython checkout), nothing built; 5 a firmware is missing or empty or its
# build failed (the lines of the others are still printed, one error line per bad one).
set -eu
export LC_ALL=C
prog=firmware
top=$(cd "$(dirname "$0")/.." && pwd)

usage() {
	sed -n '4,9p' "$0" | sed 's/^# \{0,1\}//'
}
die() { # STATUS MESSAGE
	echo "$prog: $2" >&2
	exit "$1"
}

quiet=
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help) usage; exit 0 ;;
	-q | --quiet) quiet=1; shift ;;
	--) shift; break ;;
	-*) die 2 "unknown option '$1' (usage: firmware.sh [--quiet] BOARD[:VARIANT]...)" ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || die 2 "no board given (usage: firmware.sh [--quiet] BOARD[:VARIANT]...)"

FIRMWARE_DIR=${FIRMWARE_DIR:-}
MPY_DIR=${MPY_DIR:-}
if [ -n "$FIRMWARE_DIR" ] && [ -n "$MPY_DIR" ]; then
	die 2 "both FIRMWARE_DIR ('$FIRMWARE_DIR') and MPY_DIR ('$MPY_DIR') are set: give one"
elif [ -z "$FIRMWARE_DIR" ] && [ -z "$MPY_DIR" ]; then
	die 2 "set FIRMWARE_DIR (prebuilt firmware) or MPY_DIR (a MicroPython checkout to build it from)"
fi
BOARDS_DIR=${BOARDS_DIR:-$top/boards}
RESULTS=${RESULTS:-$top/results}

# ---- every argument checked before anything is built ----
n=0
declare -a a_board a_variant a_build a_ext a_file a_mboard a_port
for arg in "$@"; do
	board=${arg%%:*}
	variant=
	case $arg in *:*) variant=${arg#*:} ;; esac
	spec=$BOARDS_DIR/$board.json
	case $board in
	'' | *[!A-Za-z0-9_]*) die 2 "bad board name '$board' in '$arg' (want BOARD or BOARD:VARIANT)" ;;
	esac
	[ -f "$spec" ] || die 2 "unknown board '$board': no $spec"
	fields=$(jq -r --arg v "$variant" '
		[ (.micropython_board // ""),
		  (.port // ""),
		  (.firmware.ext // "-"),
		  (.firmware.build_file // ""),
		  (if (.variants // [] | index([$v])) == null then "no" else "yes" end),
		  (.variants // [] | map(if . == "" then "\"\"" else . end) | join(" ")) ] | join("\u001f")' "$spec") ||
		die 2 "$spec: not a readable board spec (make validate)"
	IFS=$'\037' read -r mboard port ext bfile known variants <<<"$fields"
	[ "$known" = yes ] ||
		die 2 "board '$board' has no variant '$variant' (its variants: $variants)"
	{ [ -n "$mboard" ] && [ -n "$port" ]; } || die 2 "$spec: no micropython_board or port (make validate)"
	build=$mboard${variant:+-$variant}
	[ -n "$bfile" ] || bfile="build-{BUILD}/firmware.$ext"
	bfile=${bfile//\{BUILD\}/$build}
	a_board[n]=$board a_variant[n]=$variant a_build[n]=$build a_ext[n]=$ext a_file[n]=$bfile a_mboard[n]=$mboard a_port[n]=$port
	n=$((n + 1))
done

# print_line I FIRMWARE ID
print_line() {
	printf '%s\t%s\t%s\t%s\n' "${a_board[$1]}" "${a_variant[$1]:--}" "$2" "$3"
}
# what: "BOARD" or "BOARD variant V", for messages
what() {
	if [ -n "${a_variant[$1]}" ]; then echo "${a_board[$1]} variant ${a_variant[$1]}"; else echo "${a_board[$1]} (default variant)"; fi
}

rc=0
if [ -n "$FIRMWARE_DIR" ]; then
	dir=$FIRMWARE_DIR
	[ ! -d "$dir" ] || dir=$(cd "$dir" && pwd)
	for ((i = 0; i < n; i++)); do
		if [ "${a_ext[i]}" = - ]; then print_line "$i" - -; continue; fi
		fw=$dir/${a_build[i]}/firmware.${a_ext[i]}
		id=$dir/${a_build[i]}/firmware.id
		if [ ! -f "$fw" ]; then
			echo "$prog: $(what "$i"): no firmware file $fw" >&2
			rc=5
			continue
		elif [ ! -s "$fw" ]; then
			echo "$prog: $(what "$i"): empty firmware file $fw" >&2
			rc=5
			continue
		fi
		if [ ! -f "$id" ]; then
			echo "$prog: warning: $(what "$i"): no $id: the flasher cannot compare versions and always flashes" >&2
			id=-
		fi
		print_line "$i" "$fw" "$id"
	done
	exit "$rc"
fi

# ---- MPY_DIR: build ----
[ -d "$MPY_DIR" ] || die 2 "MPY_DIR '$MPY_DIR' is not a folder"
mpy=$(cd "$MPY_DIR" && pwd)
if [ ! -d "$mpy/ports" ] || [ ! -d "$mpy/py" ] || [ ! -f "$mpy/tests/run-tests.py" ]; then
	die 2 "MPY_DIR '$MPY_DIR' is not a MicroPython checkout (want ports/, py/ and tests/run-tests.py)"
fi
key=$(bash "$top/scripts/firmware-id.sh" key "$mpy") || exit 2
mkdir -p "$RESULTS/firmware" || die 2 "cannot create $RESULTS/firmware"
out=$(cd "$RESULTS/firmware" && pwd)
case "$mpy$out" in
*[[:space:]]* | *[\|\'\"\$]*) die 2 "make cannot handle the path '$mpy' or '$out' (blanks, quotes, | or \$)" ;;
esac

specs=" "
for ((i = 0; i < n; i++)); do
	[ "${a_ext[i]}" != - ] || continue
	case ${a_file[i]} in
	/* | *..* | *[[:space:]]* | *[\|\'\"\$]*) die 2 "board '${a_board[i]}': bad firmware.build_file '${a_file[i]}'" ;;
	esac
	s="${a_build[i]}|${a_port[i]}|${a_mboard[i]}|${a_variant[i]:--}|${a_ext[i]}|${a_file[i]}"
	case $specs in *" ${a_build[i]}|"*) ;; *) specs="$specs$s " ;; esac # one build per BUILD
done

if [ "$specs" != " " ]; then
	# the parent make's flags and command-line variables must not reach MicroPython's make; the lock
	# serialises callers that share these results (two builds of one folder would clash)
	lock=()
	if command -v flock >/dev/null 2>&1; then lock=(flock "$out/.lock"); fi
	FW_OUT=$out FW_MPY_DIR=$mpy FW_SPECS=$specs FW_SOURCE_KEY=$key FW_SCRIPTS=$top/scripts FW_QUIET=$quiet \
		"${lock[@]}" env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
		make --no-print-directory -k -j"${FIRMWARE_JOBS:-$(nproc 2>/dev/null || echo 2)}" \
		-f "$top/mk/firmware.mk" fw-all >&2 || true # failures are reported per board below
fi

for ((i = 0; i < n; i++)); do
	if [ "${a_ext[i]}" = - ]; then print_line "$i" - -; continue; fi
	d=$out/${a_build[i]}
	fw=$d/firmware.${a_ext[i]}
	if [ ! -s "$fw" ]; then
		echo "$prog: $(what "$i"): build of ${a_build[i]} failed, see $d/build.log" >&2
		rc=5
	elif [ ! -s "$d/firmware.id" ]; then
		echo "$prog: $(what "$i"): no $d/firmware.id (no version in the build), see $d/build.log" >&2
		rc=5
	else
		print_line "$i" "$fw" "$d/firmware.id"
	fi
done
exit "$rc"
