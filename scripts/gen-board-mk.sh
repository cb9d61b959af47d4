#!/bin/sh
# Write the makefile of one board's tests to stdout (included by mk/run.mk):
#   gen-board-mk.sh BOARD TESTS_DIR RUN_DIR [SELECTION...]
# A selection word is a folder, file or glob of the tests folder (:default: the folders run-tests.py
# runs on the board), optionally behind the mode of a test group:
#   via-mpy:WORD   compiled by mpy-cross, imported as .mpy (VIA_MPY)     results under VIA_MPY/
#   native:WORD    the same with the native emitter (NATIVE)            results under NATIVE/
#   natmod:WORD    a native module of MicroPython's examples/natmod imported first (NATMODTESTS),
#                  results under NATMODTESTS/
# Tests the skip rules exclude, and every test of a group the board cannot run (no .mpy import, no
# native arch), get a rule that writes a skip result with the reason; the others run one after another
# (each waits for the one before through an order-only prerequisite). Test names must be plain:
# letters, digits and ._+-/ ; others are refused with a clear message (make cannot name them).
set -eu
export LC_ALL=C
[ $# -ge 3 ] || { echo "usage: gen-board-mk.sh BOARD TESTS_DIR RUN_DIR [SELECTION...]" >&2; exit 2; }
board=$1 td=$2 rd=$3
shift 3
here=$(dirname "$0")
target=$rd/$board/target.json
TAB=$(printf '\t')

# the words of each mode
plain="" viampy="" native="" natmod=""
for w in "$@"; do
	case $w in
	via-mpy:*) viampy="$viampy ${w#via-mpy:}" ;;
	native:*) native="$native ${w#native:}" ;;
	natmod:*) natmod="$natmod ${w#natmod:}" ;;
	*) plain="$plain $w" ;;
	esac
done

# what the board's firmware allows: .mpy import (sys.implementation._mpy), its native arch
mpy=$(jq -r '.mpy // "null"' "$target")
arch=$(jq -r '.arch // "null"' "$target")
mpy_why=""
[ "$mpy" != null ] || mpy_why="the firmware imports no .mpy files (no sys.implementation._mpy)"
native_why=$mpy_why
[ -n "$native_why" ] || [ "$arch" != null ] || native_why="no native code emitter for this board (arch None)"
natmod_arch=$arch
[ "$natmod_arch" != armv7em ] || natmod_arch=armv7m # the natmod examples build armv7em as armv7m
natmod_why=""
case $natmod_arch in
x86 | x64 | armv6 | armv6m | armv7m | armv7emsp | armv7emdp | xtensa | xtensawin | rv32imc) ;;
null) natmod_why="the firmware cannot load native modules (arch None)" ;;
*) natmod_why="no native modules are built for arch $natmod_arch" ;;
esac

# list MODE EMIT WHY WORDS: "MODE<TAB>TEST<TAB>run|skip<TAB>REASON" lines; WHY skips the whole group
list() {
	mode=$1 emit=$2 why=$3
	shift 3
	[ $# -gt 0 ] || return 0
	sh "$here/select-tests.sh" --emit "$emit" "$td" "$target" "$@" >"$tmp/sel"
	awk -F '\t' -v OFS='\t' -v m="$mode" -v why="$why" '
		why != "" { print m, $1, "skip", why; next }
		m == "natmod" { print m, $1, "run", ""; next } # run-natmodtests.py applies no skip rule
		{ print m, $0 }' "$tmp/sel"
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck disable=SC2086 # the words of a mode, split on purpose
{
	list plain bytecode "" $plain
	list via-mpy bytecode "$mpy_why" $viampy
	list native native "$native_why" $native
	list natmod bytecode "$natmod_why" $natmod
} >"$tmp/list"

printf 'MPY_FLAGS_%s :=%s\n' "$board" "$([ "$arch" = null ] || printf ' -march=%s' "$arch")"
awk -F '\t' -v b="$board" -v rd='$(RD)' -v td='$(TD)' -v arch="$natmod_arch" '
function plain(t) { return t ~ /^[A-Za-z0-9._+\/-]+$/ }
# the natmod module a test imports: the first of these its base name starts with
function natmod_of(t,   base, i, n, mods) {
	base = t; sub(/.*\//, "", base)
	n = split("btree deflate framebuf heapq random re", mods, " ")
	for (i = 1; i <= n; i++)
		if (index(base, mods[i]) == 1)
			return mods[i]
	return ""
}
NF >= 3 {
	m = $1; t = $2
	if (!plain(t)) {
		printf "%s: test name %s has characters make cannot handle: not run\n", b, t > "/dev/stderr"
		next
	}
	if (t == "perf_bench/benchrun.py")
		next # the harness of the benchmarks, not one of them
	pre = m == "via-mpy" ? "VIA_MPY/" : m == "native" ? "NATIVE/" : m == "natmod" ? "NATMODTESTS/" : ""
	if (m == "natmod" && $3 == "run" && natmod_of(t) == "") {
		$3 = "skip"; $4 = "no native module of examples/natmod for this test"
	}
	n++; mode[n] = m; name[n] = t; what[n] = $3; why[n] = $4; res[n] = pre t
	if ($3 == "run") runs++
}
END {
	printf "# board %s: %d tests, %d to run\n", b, n, runs
	printf "SELECTED_%s := %d\n", b, n
	k = 0; prev = ""
	for (i = 1; i <= n; i++) {
		t = rd "/" b "/" res[i] ".ok"
		all = all " " t
		if (what[i] != "run") {
			gsub(/["\\\047]/, "", why[i])
			printf "%s: %s/%s/tests.mk\n\t$(call SKIPTEST,%s,%s,%s)\n", t, rd, b, b, res[i], why[i]
			continue
		}
		k++
		if (mode[i] == "plain" && name[i] ~ /^perf_bench\//) {
			# a benchmark: no expected output, the harness instead
			printf "%s: %s/%s %s/perf_bench/benchrun.py", t, td, name[i], td
			call = sprintf("PERFTEST,%s,%s,%d,%d", b, name[i], k, runs)
		} else if (mode[i] == "native") {
			printf "%s: %s/%s %s/exp-native/%s.exp $(MPY_CROSS_DEP)", t, td, name[i], rd, name[i]
			call = sprintf("MPYTEST,%s,%s,%d,%d,native,NATIVE/", b, name[i], k, runs)
		} else if (mode[i] == "via-mpy") {
			printf "%s: %s/%s %s/exp/%s.exp $(MPY_CROSS_DEP)", t, td, name[i], rd, name[i]
			call = sprintf("MPYTEST,%s,%s,%d,%d,bytecode,VIA_MPY/", b, name[i], k, runs)
		} else if (mode[i] == "natmod") {
			mod = natmod_of(name[i])
			built[mod] = 1
			printf "%s: %s/%s %s/exp/%s.exp %s/%s/NATMODTESTS/%s.stamp", t, td, name[i], rd, name[i], rd, b, mod
			call = sprintf("NATMODTEST,%s,%s,%d,%d,%s,%s", b, name[i], k, runs, mod, arch)
		} else {
			printf "%s: %s/%s %s/exp/%s.exp", t, td, name[i], rd, name[i]
			call = sprintf("RUNTEST,%s,%s,%d,%d", b, name[i], k, runs)
		}
		printf " %s/%s/target.json %s/verdict-rules.id", rd, b, rd
		if (prev != "") printf " | %s", prev
		printf "\n\t$(call %s)\n", call
		prev = t
	}
	# each native module the tests import, built once for the arch of the board
	for (mod in built)
		printf "%s/%s/NATMODTESTS/%s.stamp: %s/%s/target.json\n\t$(call NATMODBUILD,%s,%s,%s)\n", rd, b, mod, rd, b, b, mod, arch
	printf "board-%s:%s\n", b, all
}' "$tmp/list"
# the list the reports count: results of tests no longer selected stay on disk but do not count
awk -F '\t' '$2 != "perf_bench/benchrun.py" {
	pre = $1 == "via-mpy" ? "VIA_MPY/" : $1 == "native" ? "NATIVE/" : $1 == "natmod" ? "NATMODTESTS/" : ""
	print pre $2 }' "$tmp/list" >"$rd/$board/selected.txt.tmp" && mv "$rd/$board/selected.txt.tmp" "$rd/$board/selected.txt"
