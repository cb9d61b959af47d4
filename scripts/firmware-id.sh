#!/bin/bash
# firmware-id: the two small files beside a firmware built from a MicroPython checkout (used by
# mk/firmware.mk and scripts/firmware.sh; see the "Firmware" section of boards/README.md).
#
#   firmware-id.sh key MPY_DIR
#       print the source key of the checkout: `git describe --always --dirty --tags`, and when the
#       tree has changes (tracked edits or untracked files that .gitignore does not hide) a hash
#       of `git diff HEAD` and of every untracked file's name and content, so that each different
#       edit gives a different key
#   firmware-id.sh stamp FILE KEY
#       write KEY to FILE only when FILE does not already hold it (its mtime drives the rebuild)
#   firmware-id.sh id BUILD MPY_DIR BUILD_DIR FILE
#       write the firmware identity to FILE, one line, as the board reports it:
#       BUILD;<sys.version>;BUILD with sys.version = "<py>; MicroPython <MICROPY_GIT_TAG> on
#       <MICROPY_BUILD_DATE>", the tag and date from BUILD_DIR's genhdr/mpversion.h and <py> from
#       MPY_DIR/py/modsys.c (3.4.0 when not found there)
# Exit: 0 done, 1 failure (one line on stderr naming the file or checkout), 2 usage.
set -eu
export LC_ALL=C
prog=firmware-id

die() { echo "$prog: $1" >&2; exit 1; }

# atomic replace, so a reader never sees half a file
write() { # FILE TEXT
	printf '%s\n' "$2" >"$1.tmp.$$" && mv -f "$1.tmp.$$" "$1"
}

case ${1:-} in
key)
	[ $# -eq 2 ] || { echo "usage: $prog key MPY_DIR" >&2; exit 2; }
	mpy=$2
	# no index writes: parallel callers on one checkout must not fight over .git/index.lock
	export GIT_OPTIONAL_LOCKS=0
	desc=$(git -C "$mpy" describe --always --dirty --tags 2>/dev/null) ||
		die "$mpy: git describe failed (not a git checkout with a commit?)"
	changes=$(git -C "$mpy" status --porcelain --untracked-files=all) ||
		die "$mpy: git status failed"
	if [ -n "$changes" ]; then
		hash=$({
			git -C "$mpy" diff HEAD --binary
			git -C "$mpy" ls-files -z --others --exclude-standard | while IFS= read -r -d '' f; do
				printf 'untracked %s\n' "$f"
				git -C "$mpy" hash-object -- "$f"
			done
		} | git hash-object --stdin) || die "$mpy: cannot hash the changes of the tree"
		desc="$desc $hash"
	fi
	printf '%s\n' "$desc"
	;;
stamp)
	[ $# -eq 3 ] || { echo "usage: $prog stamp FILE KEY" >&2; exit 2; }
	[ -n "$3" ] || die "$2: empty source key"
	if [ -f "$2" ] && [ "$(cat "$2")" = "$3" ]; then
		exit 0
	fi
	write "$2" "$3" || die "$2: cannot write"
	;;
id)
	[ $# -eq 5 ] || { echo "usage: $prog id BUILD MPY_DIR BUILD_DIR FILE" >&2; exit 2; }
	build=$2 mpy=$3 bdir=$4 out=$5
	hdr=$bdir/genhdr/mpversion.h
	if [ ! -f "$hdr" ]; then
		# CMake-based ports (esp32) may keep genhdr/ deeper in the build folder
		hdr=$(find "$bdir" -path '*/genhdr/mpversion.h' -type f 2>/dev/null | sort | head -n 1)
		[ -n "$hdr" ] || die "$bdir: no genhdr/mpversion.h after the build of $build"
	fi
	tag=$(sed -n 's/^#define MICROPY_GIT_TAG "\(.*\)"[[:space:]]*$/\1/p' "$hdr" | head -n 1)
	date=$(sed -n 's/^#define MICROPY_BUILD_DATE "\(.*\)"[[:space:]]*$/\1/p' "$hdr" | head -n 1)
	[ -n "$tag" ] || die "$hdr: no MICROPY_GIT_TAG"
	[ -n "$date" ] || die "$hdr: no MICROPY_BUILD_DATE"
	py=$(sed -n 's/.*mp_sys_version_obj,[[:space:]]*"\([0-9][0-9.]*\); ".*/\1/p' "$mpy/py/modsys.c" 2>/dev/null | head -n 1)
	write "$out" "$build;${py:-3.4.0}; MicroPython $tag on $date;$build" || die "$out: cannot write"
	;;
*)
	echo "usage: $prog key MPY_DIR | stamp FILE KEY | id BUILD MPY_DIR BUILD_DIR FILE" >&2
	exit 2
	;;
esac
