#!/bin/sh
# Forget results so that the next `make test` runs those tests again:
#   forget.sh RUN_DIR [SELECTION...]   directories, files or globs relative to the tests folder;
# without a selection, every test of the run. Result files stay (the next run overwrites them);
# only the .ok markers that make looks at are removed.
set -eu
[ $# -ge 1 ] || { echo "usage: forget.sh RUN_DIR [SELECTION...]" >&2; exit 2; }
rd=$1
shift
[ -d "$rd" ] || exit 0
n=0
for board in "$rd"/*/; do
	[ -f "$board/selected.txt" ] || continue
	if [ $# = 0 ]; then
		find "$board" -name '*.py.ok' -exec rm -f {} +
		n=$((n + 1))
		continue
	fi
	for sel in "$@"; do
		sel=${sel%/}
		# a directory, a file or a glob: match against the board's test names
		while IFS= read -r t; do
			case $t in
			$sel | $sel/*) rm -f "$board/$t.ok" ;;
			esac
		done <"$board/selected.txt"
	done
	n=$((n + 1))
done
echo "forget: results of ${*:-every test} forgotten on $n board(s)" >&2
