#!/bin/sh
# params: turn the inputs of a workflow run into checked values of the make variables of `make test`
# (scripts/testrun.sh), one output each, so that the test step passes them as separate words and no
# input is ever part of a shell or make text. A value holding anything but the characters its variable
# needs (letters, digits, _ . / - and for TESTS the globs * ? [ ]) is refused: no $, quotes, ;, |, &,
# spaces inside a name, .. or a leading / or -.
#
# usage: scripts/github/params.sh [-h]
#
# Environment (inputs, each may be empty):
#   TB_IN_BOARDS   the boards to test: words BOARD=<type>, TENTACLE=<id>, VARIANT=<variant>, or a bare
#                  board type (boards/<type>.json) or tentacle id (4 or 16 hex digits); one of each
#   TB_IN_GROUPS   test groups (spaces or commas): STANDARD, MULTI, VIA_MPY, ... (make's GROUPS)
#   TB_IN_TESTS    tests, folders or globs of the tests folder (make's TESTS)
#   TB_IN_FLASH    skip, auto or force (default auto; skip on a virtual bench and for untrusted code)
# and the run:
#   TB_BENCH       the bench of this runner (testbeds/<bench>.json or virtual), else TB_BENCH_DEFAULT
#   TB_UNTRUSTED   yes: the code under test is untrusted (scripts/github/gate.sh): SANDBOX=yes, FLASH=skip,
#                  and the groups that run make in the checkout (VIA_MPY, NATIVE, NATMODTESTS) refused
#   TB_MPY_DIR     the MicroPython checkout (default $GITHUB_WORKSPACE/micropython); none: this project's
#                  test corpus (a local rehearsal of the workflow)
#   GITHUB_RUN_ID, GITHUB_RUN_ATTEMPT  name the result folder: RUN=gh-<id>-<attempt>
#   TESTBEDS_DIR   the bench inventories (default testbeds)
# Outputs (GITHUB_OUTPUT, else stdout): testbed, board, tentacle, variant, groups, tests, flash, sandbox,
#   mpy_dir, run, and ok=true last.
# Exit: 0 the outputs are written, 2 an input or the environment is refused (the reason on stderr and in
#   GITHUB_STEP_SUMMARY).
set -eu
export LC_ALL=C
prog=params

case ${1:-} in
-h | --help) sed -n '2,/^set -eu/{/^set -eu/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
'') ;;
*) echo "usage: params.sh [-h]" >&2; exit 2 ;;
esac

die() {
	echo "$prog: $1" >&2
	[ -z "${GITHUB_STEP_SUMMARY:-}" ] || printf '### Testbed: not run\n\nBad input: %s\n' "$1" >>"$GITHUB_STEP_SUMMARY"
	exit 2
}
notice() { echo "::notice::$prog: $1"; }
# matches VALUE ERE: the whole VALUE matches
matches() { printf '%s' "$1" | grep -qxE -e "$2"; }
# words TEXT: TEXT's words, commas and blanks as separators; a newline or tab is refused
words() {
	case $1 in *'
'* | *'	'*) return 1 ;; esac
	printf '%s\n' "$1" | tr ',' ' '
}

set -f # no input word is a pattern of this shell
top=$(pwd)
tbdir=${TESTBEDS_DIR:-testbeds}
untrusted=${TB_UNTRUSTED:-no}
case $untrusted in yes | no) ;; *) die "TB_UNTRUSTED='$untrusted' must be yes or no" ;; esac

# the bench
bench=${TB_BENCH:-${TB_BENCH_DEFAULT:-}}
[ -n "$bench" ] || die "no bench: set TB_BENCH in the runner's environment (its .env file) or the repository variable TESTBED"
matches "$bench" '[A-Za-z0-9_-]{1,64}' || die "bench '$bench' is not a bench name (letters, digits, _ and -)"
[ "$bench" = virtual ] || [ -f "$tbdir/$bench.json" ] || die "bench '$bench': there is no $tbdir/$bench.json"

# the boards
board="" tentacle="" variant=""
set_once() { # NAME VALUE CURRENT
	[ -z "$3" ] || die "boards: $1 given twice ('$3' and '$2'): a run tests one board type and one tentacle at most"
}
bw=$(words "${TB_IN_BOARDS:-}") || die "boards: tabs and newlines are not allowed"
for w in $bw; do
	case $w in
	BOARD=* | board=*) v=${w#*=} k=BOARD ;;
	TENTACLE=* | tentacle=*) v=${w#*=} k=TENTACLE ;;
	VARIANT=* | variant=*) v=${w#*=} k=VARIANT ;;
	*=*) die "boards: '$w': only BOARD=, TENTACLE= and VARIANT= may be set" ;;
	*) v=$w k="" ;;
	esac
	matches "$v" '[A-Za-z0-9_-]{1,64}' || die "boards: '$v' is not a board type, tentacle id or variant (letters, digits, _ and -)"
	if [ -z "$k" ]; then
		if [ -f "boards/$v.json" ]; then k=BOARD
		elif matches "$v" '[0-9a-f]{4}|[0-9a-f]{16}'; then k=TENTACLE
		else die "boards: '$v' is neither a board type (boards/$v.json) nor a tentacle id (4 or 16 hex digits)"
		fi
	fi
	case $k in
	BOARD) set_once BOARD "$v" "$board"; [ -f "boards/$v.json" ] || die "boards: unknown board '$v': there is no boards/$v.json"; board=$v ;;
	TENTACLE) set_once TENTACLE "$v" "$tentacle"; tentacle=$v ;;
	VARIANT) set_once VARIANT "$v" "$variant"; variant=$v ;;
	esac
done
if [ "$bench" = virtual ] && [ -n "$board$tentacle$variant" ]; then
	die "boards: the virtual bench has no tentacles to select (BOARD, TENTACLE, VARIANT)"
fi

# the groups
groups=""
gw=$(words "${TB_IN_GROUPS:-}") || die "groups: tabs and newlines are not allowed"
for g in $gw; do
	case $g in
	STANDARD | EXTMOD_HARDWARE | NET_INET | NET_HOSTED | MULTI | MULTINET | MULTIBLUETOOTH | PERFBENCH | FLASH_FORMAT) ;;
	VIA_MPY | NATIVE | NATMODTESTS)
		[ "$untrusted" = no ] || die "groups: $g builds with the make of the checkout under test, which is untrusted (a pull request or another repository)" ;;
	*) die "groups: unknown test group '$g' (STANDARD EXTMOD_HARDWARE NET_INET NET_HOSTED MULTI MULTINET MULTIBLUETOOTH VIA_MPY NATIVE PERFBENCH NATMODTESTS FLASH_FORMAT)" ;;
	esac
	case " $groups " in *" $g "*) ;; *) groups=${groups:+$groups }$g ;; esac
done

# the tests
tests=""
tw=$(words "${TB_IN_TESTS:-}") || die "tests: tabs and newlines are not allowed"

for t in $tw; do
	matches "$t" '[]A-Za-z0-9_.*?/[-]{1,200}' || die "tests: '$t' holds a character a test name does not have (letters, digits, _ . - / and the globs * ? [ ]), or is too long"
	case /$t/ in */../* | //*) die "tests: '$t' must be relative to the tests folder, without .." ;; esac
	case $t in -*) die "tests: '$t' starts with -" ;; esac
	tests=${tests:+$tests }$t
done


# flashing and the sandbox
flash=${TB_IN_FLASH:-auto}
case $flash in skip | auto | force) ;; *) die "flash: '$flash' must be skip, auto or force" ;; esac
sandbox=auto
if [ "$untrusted" = yes ]; then
	sandbox=yes
	[ "$flash" = skip ] || notice "flash=$flash: untrusted code is not built here, the boards are tested with the firmware they run"
	flash=skip
fi
[ "$bench" != virtual ] || flash=skip

# the checkout and the run's name
mpy_dir=${TB_MPY_DIR:-${GITHUB_WORKSPACE:-$top/..}/micropython}
[ "$mpy_dir" != none ] || mpy_dir=""
case $mpy_dir in *[!A-Za-z0-9_./+-]*) die "TB_MPY_DIR '$mpy_dir' holds characters a path of a checkout should not have" ;; esac
id=${GITHUB_RUN_ID:-}
attempt=${GITHUB_RUN_ATTEMPT:-1}
matches "$id" '[0-9]{1,20}' || die "GITHUB_RUN_ID '$id' is not a number"
matches "$attempt" '[0-9]{1,6}' || die "GITHUB_RUN_ATTEMPT '$attempt' is not a number"
run=gh-$id-$attempt

emit() { if [ -n "${GITHUB_OUTPUT:-}" ]; then cat >>"$GITHUB_OUTPUT"; else cat; fi; }
{
	printf 'testbed=%s\nboard=%s\ntentacle=%s\nvariant=%s\n' "$bench" "$board" "$tentacle" "$variant"
	printf 'groups=%s\ntests=%s\nflash=%s\nsandbox=%s\n' "$groups" "$tests" "$flash" "$sandbox"
	printf 'mpy_dir=%s\nrun=%s\nok=true\n' "$mpy_dir" "$run"
} | emit
# shellcheck disable=SC2016 # quotes of the message
echo "$prog: make test TESTBED=$bench${board:+ BOARD=$board}${tentacle:+ TENTACLE=$tentacle}${variant:+ VARIANT=$variant}${groups:+ GROUPS='$groups'}${tests:+ TESTS='$tests'} FLASH=$flash SANDBOX=$sandbox RUN=$run" >&2
