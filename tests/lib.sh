# Shared by the shell test suites (sourced, POSIX sh): a temporary folder removed at exit, virtual
# boards stopped at exit, and the reporting helpers. Each suite ends with `finish`, which prints the
# closing "N passed, N failed" line that tests/run.sh sums, and fails when a check failed.
# The suite runs from the top of the project; BIN names the tools under test.
export LC_ALL=C
BIN=${BIN:-build/check/bin}
tmp=$(mktemp -d)
tb_pids=""
tb_cleanup() {
	for p in $tb_pids; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$tmp"
	[ -z "${tb_extra_cleanup:-}" ] || eval "$tb_extra_cleanup"
}
trap tb_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
pass=0 fail=0 skip=0

ok() { pass=$((pass + 1)); echo "ok - $*"; }
notok() { fail=$((fail + 1)); echo "not ok - $*"; }

# check DESCRIPTION EXPECTED-STATUS CMD...: stdout in $tmp/o, stderr in $tmp/e
check() {
	d=$1 want=$2
	shift 2
	got=0
	"$@" >"$tmp/o" 2>"$tmp/e" || got=$?
	if [ "$got" = "$want" ]; then
		ok "$d"
	else
		notok "$d: exit $got, expected $want"
		head -n 5 "$tmp/e" | sed 's/^/#   /'
	fi
}

# has DESCRIPTION FILE REGEX / has_text DESCRIPTION FILE TEXT
has() { if grep -q -e "$3" "$2"; then ok "$1"; else notok "$1: '$3' not in $(head -c 300 "$2")"; fi; }
has_text() { if grep -qF -e "$3" "$2"; then ok "$1"; else notok "$1: '$3' not in $(head -c 300 "$2")"; fi; }

# expect DESCRIPTION GOT WANT
expect() { if [ "$2" = "$3" ]; then ok "$1 ($2)"; else notok "$1: got $2, expected $3"; fi; }

# same DESCRIPTION EXPECTED ACTUAL: ok when the two texts (several lines) are equal, else both shown
same() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		notok "$1"
		printf '%s\n' "expected:" "$2" "got:" "$3" | head -n 40 | sed 's/^/#   /'
	fi
}

# start_vboard TYPE LINK [VBOARD-OPTION...]: a virtual board behind LINK, stopped at exit; its pid in
# $vb_pid
start_vboard() {
	sv_type=$1 sv_link=$2
	shift 2
	"$BIN/vboard" --type "$sv_type" --link "$sv_link" "$@" >"$sv_link.ready" 2>"$sv_link.log" &
	vb_pid=$!
	tb_pids="$tb_pids $vb_pid"
	i=0
	while ! grep -q ready "$sv_link.ready" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 200 ] || ! kill -0 "$vb_pid" 2>/dev/null; then
			cat "$sv_link.log" >&2 || true
			return 1
		fi
		sleep 0.1
	done
}

# wait_locked FILE: wait (up to 10 s) until another process holds the flock on FILE
wait_locked() {
	wl_i=0
	while flock -n "$1" true 2>/dev/null && [ $wl_i -lt 200 ]; do
		wl_i=$((wl_i + 1))
		sleep 0.05
	done
}

# kill_board_after DIR N PIDFILE MARK: once DIR holds N results (*.py.json), kill the board process
# whose pid is in PIDFILE, and its children (a board that dies for good), and write its pid to MARK;
# gives up after 2 minutes. Meant to run in the background while a run goes on.
kill_board_after() {
	kb_i=0
	while [ $kb_i -lt 1200 ]; do
		kb_i=$((kb_i + 1))
		if [ "$(find "$1" -name '*.py.json' 2>/dev/null | wc -l)" -ge "$2" ] && [ -f "$3" ]; then
			kb_pid=$(cat "$3")
			pkill -KILL -P "$kb_pid" 2>/dev/null || true
			kill -KILL "$kb_pid" 2>/dev/null || true
			echo "$kb_pid" >"$4"
			return 0
		fi
		sleep 0.1
	done
}

finish() {
	if [ "$skip" -gt 0 ]; then
		echo "$pass passed, $fail failed, $skip skipped"
	else
		echo "$pass passed, $fail failed"
	fi
	[ "$fail" = 0 ]
}

# build_mock SOURCE OUTPUT: a umockdev harness from tests/mock, built with $CC against libumockdev;
# an "ok" line, or a "not ok" line with the compiler's first words and status 1
build_mock() {
	# shellcheck disable=SC2046 # the flags are words
	if "${CC:-cc}" -std=c11 -D_GNU_SOURCE -O1 -g -Wall -Wextra -Werror -o "$2" "$1" \
		$("${PKG_CONFIG:-pkg-config}" --cflags --libs umockdev-1.0) 2>"$tmp/cc"; then
		ok "$1 builds"
	else
		notok "cannot build $1: $(head -c 600 "$tmp/cc")"
		return 1
	fi
}

# require CMD...: every command is installed, else one "not ok" line and the suite ends here
require() {
	for need in "$@"; do
		if ! command -v "$need" >/dev/null; then
			notok "'$need' is not installed: NO test of $(basename "$0") ran"
			finish
			exit 1
		fi
	done
}

# require_vboards: the npm package the wasm virtual boards run (npm ci)
require_vboards() {
	if [ ! -d node_modules/@micropython ]; then
		notok "node_modules/@micropython is missing (npm ci): the virtual boards cannot run, NO test of $(basename "$0") ran"
		finish
		exit 1
	fi
}

# vbench_harness: the virtual tentacle bench tests/mock/vtentacles.c built as $VT; tools built with
# sanitizers run under umockdev's preload, so ASan's link order check is off
vbench_harness() {
	export ASAN_OPTIONS="verify_asan_link_order=0:detect_leaks=0"
	require umockdev-wrapper
	VT="$tmp/vtentacles"
	build_mock tests/mock/vtentacles.c "$VT" || { finish; exit 1; }
}

# require_tools TOOL...: the tools under test are built in $BIN
require_tools() {
	for t in "$@"; do
		if [ ! -x "$BIN/$t" ]; then
			notok "$BIN/$t is not built (make check-build)"
			finish
			exit 1
		fi
	done
}

# vt_inventory FILE NAME BOARD...: the inventory of a virtual tentacle bench (tests/mock/vtentacles.c):
# tentacle k (1, 2, ...) has serial e46340474b4c273k and board BOARD, hardware v0.3 ("virtual" for a
# VIRTUAL_* board); one entry a line from line 5 on, as a person would write it
vt_inventory() {
	f=$1 n=$2
	shift 2
	{
		printf '{\n  "name": "%s",\n  "reference_board": "RPI_PICO",\n  "tentacles": {\n' "$n"
		k=0
		for b in "$@"; do
			k=$((k + 1))
			hw=v0.3
			case $b in VIRTUAL_*) hw=virtual ;; esac
			[ $k = 1 ] || printf ',\n'
			printf '    "e46340474b4c273%d": {"board": "%s", "hw_version": "%s"}' "$k" "$b" "$hw"
		done
		printf '\n  }\n}\n'
	} >"$f"
}
