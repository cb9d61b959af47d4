#!/bin/sh
# make-vfirmware.sh DIR NAME DATE EXT: a real MicroPython firmware for the virtual boards of
# tests/mock/vtentacles.c (run by vt-board.sh), different from the stock one by its build date.
# Copies micropython.mjs and micropython.wasm of node_modules/@micropython/micropython-webassembly-pyscript
# into DIR/vfw-DATE/ and overwrites the date of the "MicroPython vX.Y.Z on YYYY-MM-DD" banner inside the
# wasm (same length, in place) with DATE (YYYY-MM-DD). Writes DIR/NAME.EXT, the firmware image
# ("vfirmware <absolute path of DIR/vfw-DATE/micropython.mjs>"), and DIR/NAME.id, the identity that
# board reports (the line `mp-runtest --identity` writes).
set -eu
export LC_ALL=C
if [ $# != 4 ]; then
	echo "usage: $0 DIR NAME DATE EXT" >&2
	exit 2
fi
dir=$1 name=$2 date=$3 ext=$4
case "$date" in
[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]) ;;
*)
	echo "$0: DATE must be YYYY-MM-DD, not '$date'" >&2
	exit 2
	;;
esac
pkg="$(cd "$(dirname "$0")/../.." && pwd)/node_modules/@micropython/micropython-webassembly-pyscript"
for f in micropython.mjs micropython.wasm; do
	if [ ! -r "$pkg/$f" ]; then
		echo "$0: $pkg/$f is missing (npm ci)" >&2
		exit 1
	fi
done
mkdir -p "$dir/vfw-$date"
dir=$(cd "$dir" && pwd)
out="$dir/vfw-$date"
cp "$pkg/micropython.mjs" "$pkg/micropython.wasm" "$out/"
# where the banner's date is: "OFFSET:MicroPython vX.Y.Z on " before each date
hits=$(grep -abo 'MicroPython v[0-9][0-9a-z.-]* on [0-9]\{4\}-[0-9][0-9]-[0-9][0-9]' "$out/micropython.wasm" || true)
if [ -z "$hits" ]; then
	echo "$0: no 'MicroPython vX.Y.Z on YYYY-MM-DD' in $pkg/micropython.wasm" >&2
	exit 1
fi
version=""
nl="
"
old_ifs=$IFS
IFS=$nl
for h in $hits; do
	IFS=$old_ifs
	off=${h%%:*}
	text=${h#*:}
	# offset of the date: the match's end minus 10
	at=$((off + ${#text} - 10))
	printf %s "$date" | dd of="$out/micropython.wasm" bs=1 seek="$at" conv=notrunc 2>/dev/null
	version=${text% on *}
done
IFS=$old_ifs
# check: the old date is gone, the new one is in
if ! grep -aq "$version on $date" "$out/micropython.wasm"; then
	echo "$0: patching the date in $out/micropython.wasm failed" >&2
	exit 1
fi
# sys.version: "<language version>; <banner>", stored as one string; platform and machine are "pyscript"
sysver=$(grep -ao "[0-9][0-9.]*; $version on $date" "$out/micropython.wasm" | head -n 1)
if [ -z "$sysver" ]; then
	echo "$0: no sys.version string (\"X.Y.Z; $version on $date\") in the patched wasm" >&2
	exit 1
fi
printf 'vfirmware %s\n' "$out/micropython.mjs" >"$dir/$name.$ext"
printf 'pyscript;%s;pyscript\n' "$sysver" >"$dir/$name.id"
