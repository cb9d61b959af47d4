# shellcheck shell=sh
# shellcheck disable=SC2154 # prog is the sourcing script's
# Shared by the project's shell scripts, sourced (POSIX sh). The script sets prog (its name in
# messages: "report" for scripts/report.sh) before it sources this file.

# die CODE MESSAGE: the message on stderr, after the script's name, and exit with CODE
die() {
	code=$1
	shift
	printf '%s: %s\n' "$prog" "$*" >&2
	exit "$code"
}

# run_dir_arg ARGS...: the command line of a script whose one argument is the folder of a run:
# -h/--help prints the script's usage (its function `usage`); anything else but one folder is a usage
# error (exit 2). Sets run: the folder without a trailing slash.
# shellcheck disable=SC2034 # run is for the caller
run_dir_arg() {
	case ${1:-} in
	-h | --help)
		usage
		exit 0
		;;
	-?*)
		echo "usage: $prog.sh RUN_DIR" >&2
		die 2 "unknown option '$1'"
		;;
	esac
	if [ $# -ne 1 ]; then
		echo "usage: $prog.sh RUN_DIR" >&2
		exit 2
	fi
	run=${1%/}
	[ -n "$run" ] || run=/
	[ -d "$run" ] || die 2 "'$1' is not a folder: give the folder of a run (RUN_DIR/<board>/<test>.json)"
}

# start_work: jq is there (else exit 4); $tmp, a temporary folder, is removed at exit, and so is
# $pending, an output being written beside its destination (publish), when the script stops before
# renaming it
start_work() {
	command -v jq >/dev/null 2>&1 || die 4 "jq not found: install it (scripts/setup.sh)"
	tmp=$(mktemp -d) || die 4 "cannot create a temporary folder"
	pending=
	trap 'rm -rf "$tmp"; [ -z "$pending" ] || rm -f "$pending"' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# publish SRC DEST: copy SRC beside DEST, then rename it over DEST (atomic for readers of DEST); exit 4
# when either cannot be done
publish() {
	pending="$2.tmp.$$"
	cp "$1" "$pending" 2>"$tmp/cp.err" || die 4 "cannot write '$pending': $(cat "$tmp/cp.err")"
	mv -f "$pending" "$2" 2>"$tmp/mv.err" || die 4 "cannot rename '$pending' to '$2': $(cat "$tmp/mv.err")"
	pending=
}
