#!/bin/bash
# The `make test` driver: find the boards of this run (ports given, or virtual boards it starts),
# lock them, generate the run's makefile under results/<run>/, let make run every test as a file
# target (one job per board, boards in parallel), then write the reports.
#
# Configuration comes from the environment (the top Makefile passes its variables):
#   PORT / PORTS      boards already flashed ("none" mode): no power switching, no flashing
#   TESTBED=virtual   VBOARDS=N virtual boards of VBOARD_TYPE (wasm|microbit), VBOARD_ARGS
#   TESTBED=<bench>   the tentacles of $TESTBEDS_DIR/<bench>.json (default testbeds/): each DUT found by
#                     tentacle-find is brought up (scripts/dut-up.sh: power-cycled, or flashed) and tested
#                     on its fresh tty as <short id>-<board>[-<variant>]; the DUTs are switched off at the end
#     BOARD, TENTACLE only the tentacles with that board type / that short id or serial
#     VARIANT         the board variant to flash and test (default: the inventory's, else the default build)
#     FLASH           skip (test what runs), auto (flash when the board's firmware identity differs from
#                     the wanted one), force; default auto with FIRMWARE_DIR, else skip
#     FIRMWARE_DIR    prebuilt firmware, FIRMWARE_DIR/<BUILD>/firmware.<ext> (+ firmware.id); without it,
#                     FLASH=auto|force builds the firmware from MPY_DIR (scripts/firmware.sh)
#   TESTRUN_ONLY=flash  bring the DUTs up (flash them) and stop: `make flash`
#   TB_GROUPS         test groups (make's GROUPS; spaces or commas): STANDARD (default), EXTMOD_HARDWARE, NET_INET,
#                     NET_HOSTED, MULTI, MULTINET, MULTIBLUETOOTH, VIA_MPY, NATIVE, PERFBENCH, NATMODTESTS,
#                     FLASH_FORMAT; a group a board cannot run is skipped with the reason on stderr
#   MULTI_REF         the reference boards of the multi-board groups (labels; default: the bench's
#                     reference_board tentacles, else the first board); every other board is paired with
#                     one of them, as instance0 and again as instance1
#   MULTI_DIR         the multi-board tests of group MULTI (default: this project's tests/multi)
#   WLAN_SSID, WLAN_PASS  the WLAN the boards join before NET_INET, NET_HOSTED and MULTINET (never
#                     printed nor written anywhere)
#   BOARD_FEATURES    the features of boards without a spec of their own (PORT and virtual boards;
#                     default: PORT boards MCU EXTMOD, virtual boards as their spec says)
#   MPY_DIR           a MicroPython checkout: its tests/ folder (default: the project's corpus), its
#                     mpy-cross (VIA_MPY, NATIVE; built by `make test`) and examples/natmod (NATMODTESTS)
#   MPY_CROSS         the mpy-cross of VIA_MPY and NATIVE (default: MPY_DIR's; on a virtual bench without
#                     MPY_DIR the WebAssembly one of tools/vboard/mpy-cross-wasm.mjs)
#   TESTS             directories, files or globs relative to the tests folder
#   RUN               name of the result folder under results/ (default: the testbed's name)
#   SANDBOX           auto (default), yes or no: CPython makes the expected output of tests without an
#                     .exp file in a bubblewrap sandbox (no network, the tree read-only, a private /tmp);
#                     auto: yes for the tests of MPY_DIR (a checkout may hold anybody's pull request), no
#                     for this project's own corpus. SANDBOX=no only for a checkout you trust
#   MICROPY_TEST_TIMEOUT  the deadline of a test in seconds
#   COUNT             run every test N times: a test that passed and failed is reported flaky
#   FLAKY_LIST        files of known-flaky tests (TEST<TAB>REASON lines) whose failures are ignored, besides
#                     run-tests.py's own list
#   KMSG_CMD          the kernel log to follow on a bench (default: journalctl -k -f -n 0 -o cat, when
#                     journalctl is there): USB errors at a DUT's location go into that board's results
#   BIN               the tools (default build/bin); V=1 shows commands
# Exit: 0 all passed or skipped, 1 a test failed, 2 bad configuration (a port that is no port, a bad
# bench file, TESTS matching nothing, ...), 3 a board was busy, did not answer or was taken out of the run
# after 3 infrastructure errors in a row, or a DUT could not be brought up (its tests did not run, or
# ran into verdict error; the other boards went on).
set -eu
shopt -s nullglob
export LC_ALL=C
prog=testrun
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

die() { # STATUS MESSAGE
	echo "$prog: $2" >&2
	exit "$1"
}

BIN=$(cd "${BIN:-build/bin}" && pwd) || die 2 "no tools in '${BIN:-build/bin}': run make first"
PORT=${PORT:-}
PORTS=${PORTS:-$PORT}
TESTBED=${TESTBED:-}
VBOARDS=${VBOARDS:-2}
VBOARD_TYPE=${VBOARD_TYPE:-wasm}
VBOARD_ARGS=${VBOARD_ARGS:-}
case ${COUNT:-1} in '' | *[!0-9]* | 0) die 2 "COUNT='$COUNT' must be a number of runs, 1 or more" ;; esac
for f in ${FLAKY_LIST:-}; do [ -f "$f" ] && [ -r "$f" ] || die 2 "FLAKY_LIST: cannot read '$f'"; done
[ "${EMIT:-bytecode}" = bytecode ] || die 2 "EMIT=$EMIT: the native emitter is a test group of its own: GROUPS=NATIVE"
TESTS=${TESTS:-}
V=${V:-}
BOARD=${BOARD:-}
TENTACLE=${TENTACLE:-}
VARIANT=${VARIANT:-}
FIRMWARE_DIR=${FIRMWARE_DIR:-}
FLASH=${FLASH:-}
TESTRUN_ONLY=${TESTRUN_ONLY:-}
TB_GROUPS=${TB_GROUPS:-STANDARD}
MULTI_REF=${MULTI_REF:-}
MULTI_DIR=${MULTI_DIR:-$top/tests/multi}
MPY_CROSS=${MPY_CROSS:-}
NATMOD_DIR=""

# ---- the tests folder ----
if [ -n "${MPY_DIR:-}" ]; then
	[ -d "$MPY_DIR/tests" ] && [ -f "$MPY_DIR/tests/run-tests.py" ] ||
		die 2 "MPY_DIR='$MPY_DIR' is not a MicroPython checkout (no tests/run-tests.py)"
	TD=$(cd "$MPY_DIR/tests" && pwd)
else
	TD=$top/tests/corpus
fi

# ---- the sandbox of CPython (expected output), checked once: it must work before any test runs ----
case ${SANDBOX:-auto} in
auto) if [ -n "${MPY_DIR:-}" ]; then SANDBOX=yes; else SANDBOX=no; fi ;;
yes | no) ;;
*) die 2 "SANDBOX='$SANDBOX' must be auto, yes or no" ;;
esac
if [ "$SANDBOX" = yes ]; then
	export MICROPY_EXP_SANDBOX=1
	"$BIN/mp-exp" --check-sandbox ||
		die 2 "the tests of MPY_DIR need the sandbox (see above); SANDBOX=no runs CPython without it, for a checkout you trust"
else
	export MICROPY_EXP_SANDBOX=0
fi

# ---- mpy-cross, for the groups that compile tests on the host ----
if [ -z "$MPY_CROSS" ]; then
	if [ -n "${MPY_DIR:-}" ]; then
		[ ! -x "$MPY_DIR/mpy-cross/build/mpy-cross" ] || MPY_CROSS=$(cd "$MPY_DIR/mpy-cross/build" && pwd)/mpy-cross
	elif [ "$TESTBED" = virtual ]; then
		MPY_CROSS=$top/tools/vboard/mpy-cross-wasm.mjs
	fi
fi
MPY_CROSS_DEP=""
case $MPY_CROSS in
*' '*) ;; # a command with arguments
?*) [ ! -f "$MPY_CROSS" ] || MPY_CROSS_DEP=$MPY_CROSS ;;
esac

# ---- the boards ----
if [ -n "$PORTS" ] && [ -n "$TESTBED" ]; then
	die 2 "give either PORT/PORTS or TESTBED, not both"
fi
if [ -z "$PORTS" ] && [ -z "$TESTBED" ]; then
	die 2 "no boards: give PORT=/dev/ttyACM0 (or PORTS='...') or TESTBED=virtual VBOARDS=N"
fi
TESTBEDS_DIR=${TESTBEDS_DIR:-$top/testbeds}
case $TESTBED in
'' | virtual) ;;
*/* | .*) die 2 "TESTBED='$TESTBED' must be a bench name (a file $TESTBEDS_DIR/<name>.json)" ;;
*) [ -f "$TESTBEDS_DIR/$TESTBED.json" ] || die 2 "unknown TESTBED '$TESTBED': no $TESTBEDS_DIR/$TESTBED.json (or TESTBED=virtual)" ;;
esac
RUN=${RUN:-${TESTBED:-ports}}
case $RUN in
*/* | .* | '' | firmware) die 2 "RUN='$RUN' must be a plain folder name (not 'firmware': results/firmware/ holds built firmware)" ;;
esac
case $FLASH in
'') FLASH=skip
	[ -z "$FIRMWARE_DIR" ] || FLASH=auto ;;
skip | auto | force) ;;
*) die 2 "FLASH='$FLASH' must be auto, force or skip" ;;
esac
case $TESTBED in
'' | virtual)
	[ "$FLASH" = skip ] || die 2 "FLASH=$FLASH needs a bench of tentacles (TESTBED=<bench>): ${TESTBED:-PORT} boards are not flashed here"
	[ -z "$TESTRUN_ONLY" ] || die 2 "flashing needs a bench of tentacles: TESTBED=<bench>"
	[ -z "$BOARD$TENTACLE$VARIANT" ] || die 2 "BOARD, TENTACLE and VARIANT select tentacles of a bench (TESTBED=<bench>)"
	;;
esac
# the test groups: the feature a board needs for each (boards/README.md), and the folder of the
# single-board groups that are folders of tests
declare -A gneed=([STANDARD]=MCU [EXTMOD_HARDWARE]=EXTMOD [NET_INET]=WLAN [NET_HOSTED]=WLAN [MULTI]=MCU
	[MULTINET]=WLAN [MULTIBLUETOOTH]=BLE [VIA_MPY]=MCU [NATIVE]=MCU [PERFBENCH]=EXTMOD [NATMODTESTS]=MCU
	[FLASH_FORMAT]=MCU)
declare -A gdir=([EXTMOD_HARDWARE]=extmod_hardware [NET_INET]=net_inet [NET_HOSTED]=net_hosted)
groups=()
for g in ${TB_GROUPS//,/ }; do
	[ -n "${gneed[$g]:-}" ] ||
		die 2 "unknown test group '$g' (STANDARD EXTMOD_HARDWARE NET_INET NET_HOSTED MULTI MULTINET MULTIBLUETOOTH VIA_MPY NATIVE PERFBENCH NATMODTESTS FLASH_FORMAT)"
	groups+=("$g")
done
[ ${#groups[@]} -gt 0 ] || die 2 "GROUPS names no test group"
if [ "$FLASH" != skip ] && [ -z "$FIRMWARE_DIR" ] && [ -z "${MPY_DIR:-}" ]; then
	die 2 "FLASH=$FLASH needs the firmware: FIRMWARE_DIR=<prebuilt files> or MPY_DIR=<MicroPython checkout>"
fi
RD=$top/results/$RUN
mkdir -p "$RD"

lockdir=${XDG_RUNTIME_DIR:-/tmp}/testbed-micropython-locks
mkdir -p "$lockdir"
labels=() ports=()
declare -A recover=() # label -> the command that brings the board back (a power cycle)
declare -A bspec=() # label -> board spec name (none for PORT boards)
declare -A tidx=()  # label -> its index in the t_* arrays of a bench's tentacles
vbench=""
kwatch=""
lockfds=() # the descriptors holding this run's locks
# each board's timeline (results/<run>/<board>/timeline.jsonl, scripts/timeline.sh) begins anew with
# every run: its first line marks the run's start
run_start_ms=$(date +%s%3N)
declare -A tl_begun=()
tl_begin() { # LABEL
	[ -z "${tl_begun[$1]:-}" ] || return 0
	tl_begun[$1]=1
	mkdir -p "$RD/$1"
	printf '{"event":"run","start_ms":%s,"end_ms":%s,"status":0}\n' "$run_start_ms" "$run_start_ms" \
		>"$RD/$1/timeline.jsonl" || echo "$prog: cannot write $RD/$1/timeline.jsonl" >&2
}
powered=() # "HUB HW-OPTION" of the DUTs this run switched on
cleanup() {
	[ -z "$vbench" ] || VBOARD="$BIN/vboard" sh scripts/vbench.sh stop "$vbench" >/dev/null 2>&1 || true
	[ -z "$kwatch" ] || kill -- "-$kwatch" 2>/dev/null || kill "$kwatch" 2>/dev/null || true
	local h
	for h in "${powered[@]}"; do
		# shellcheck disable=SC2086 # "HUB --hw-version N"
		"$BIN/tentacle-power" --hub $h dut off >/dev/null || echo "$prog: cannot switch off the DUT of ${h%% *}" >&2
	done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# bring up the DUTs of the bench selected in t_* (see below), in parallel through a generated makefile;
# the ready ones join labels/ports, the others are listed in not_ready
not_ready=()
prepare_duts() {
	local i key
	declare -A fw=()
	if [ "$FLASH" != skip ]; then
		declare -A seen=()
		local want=() line b v f rc=0
		for i in "${!t_label[@]}"; do
			key=${t_board[$i]}${t_variant[$i]:+:${t_variant[$i]}}
			[ -n "${seen[$key]:-}" ] || want+=("$key")
			seen[$key]=1
		done
		if [ -n "$FIRMWARE_DIR" ]; then
			out=$(MPY_DIR='' FIRMWARE_DIR="$FIRMWARE_DIR" bash scripts/firmware.sh "${want[@]}") || rc=$?
		else
			out=$(FIRMWARE_DIR='' bash scripts/firmware.sh "${want[@]}") || rc=$?
		fi
		[ $rc = 0 ] || [ $rc = 5 ] || die 2 "cannot find the firmware (scripts/firmware.sh: exit $rc)"
		while IFS=$'\t' read -r b v f _; do
			[ -n "$b" ] || continue
			[ "$v" != - ] || v=""
			fw[$b${v:+:$v}]=$f
		done <<<"$out"
	fi
	{
		echo "# Bringing up the DUTs of one run, made by scripts/testrun.sh: do not edit."
		echo ".DELETE_ON_ERROR:"
		echo ".PHONY: all FORCE"
		printf 'all:'
		printf ' %s/dut.tty' "${t_label[@]}"
		echo
		for i in "${!t_label[@]}"; do
			key=${t_board[$i]}${t_variant[$i]:+:${t_variant[$i]}}
			echo "${t_label[$i]}/dut.tty: FORCE"
			tl_begin "${t_label[$i]}"
			printf '\t@sh %q/scripts/timeline.sh %q flash bash %q/scripts/dut-up.sh %q %q %q %q %q %q %q %q %q\n' "$top" \
				"$RD/${t_label[$i]}/timeline.jsonl" "$top" "$RD/${t_label[$i]}" \
				"${t_label[$i]}" "${t_hub[$i]}" "${t_loc[$i]}" "${t_id[$i]}" "${t_hw[$i]:--}" \
				"${t_board[$i]}" "${t_variant[$i]:--}" "${fw[$key]:--}"
		done
	} >"$RD/prepare.mk"
	# every DUT at once, whatever -j the caller gave: this is waiting on hardware, not work for the CPU
	MAKEFLAGS='' MFLAGS='' FLASH=$FLASH BIN=$BIN ${MAKE:-make} --no-print-directory -s -k -j "${#t_label[@]}" -C "$RD" -f prepare.mk all || true
	for i in "${!t_label[@]}"; do
		if [ -s "$RD/${t_label[$i]}/dut.tty" ]; then
			labels+=("${t_label[$i]}")
			bspec[${t_label[$i]}]=${t_board[$i]}
			tidx[${t_label[$i]}]=$i
			ports+=("$(cat "$RD/${t_label[$i]}/dut.tty")")
			# a power cycle of the DUT, printing its (maybe new) tty
			cmd=$(printf 'FLASH=skip BIN=%q bash %q/scripts/dut-up.sh %q %q %q %q %q %q %q %q - >&2 && cat %q' \
				"$BIN" "$top" "$RD/${t_label[$i]}" "${t_label[$i]}" "${t_hub[$i]}" "${t_loc[$i]}" "${t_id[$i]}" \
				"${t_hw[$i]:--}" "${t_board[$i]}" "${t_variant[$i]:--}" "$RD/${t_label[$i]}/dut.tty")
			recover[${t_label[$i]}]=$(printf 'sh %q/scripts/timeline.sh %q recover -c %q' "$top" \
				"$RD/${t_label[$i]}/timeline.jsonl" "$cmd")
		else
			not_ready+=("${t_label[$i]}")
		fi
	done
	[ ${#not_ready[@]} = 0 ] ||
		echo "$prog: not ready, their tests do not run: ${not_ready[*]} (see above and results/$RUN/<board>/flash.log)" >&2
	if [ -n "$TESTRUN_ONLY" ]; then
		echo "$prog: ${#labels[@]} of ${#t_label[@]} board(s) ready${labels[*]:+: ${labels[*]}}" >&2
		[ ${#not_ready[@]} = 0 ] || exit 3
		exit 0
	fi
}

if [ "$TESTBED" = virtual ]; then
	case $VBOARDS in '' | *[!0-9]*) die 2 "VBOARDS='$VBOARDS' is not a number" ;; esac
	vbench=$RD/vbench
	WATCH_PID=$$ VBOARD="$BIN/vboard" VBOARD_ARGS="$VBOARD_ARGS" sh scripts/vbench.sh start "$VBOARDS" "$VBOARD_TYPE" "$vbench" >/dev/null ||
		die 3 "the virtual boards did not start (see $vbench/*.log)"
	for ((i = 0; i < VBOARDS; i++)); do
		labels+=("vb$i")
		bspec[vb$i]=VIRTUAL_${VBOARD_TYPE^^}
		ports+=("$vbench/vb$i")
		recover[vb$i]="sh $top/scripts/timeline.sh $RD/vb$i/timeline.jsonl recover sh $top/scripts/vbench.sh cycle vb$i $vbench"
	done
elif [ -n "$TESTBED" ]; then
	# the tentacles of the bench: discovered now (they may have moved), locked by serial; then each DUT
	# is brought up in parallel by results/<run>/prepare.mk: power-cycled (FLASH=skip) or flashed when
	# its firmware differs (auto) or always (force), ending on its fresh application tty
	inv=$TESTBEDS_DIR/$TESTBED.json
	# a broken inventory (bad JSON, wrong types, a serial twice) is refused before jq would smooth it over
	# (its lines name the file and the line of each problem)
	sh scripts/validate-specs.sh --boards "$top/boards" "$inv" >&2 || exit 2
	[ -z "$BOARD" ] || [ -f "$top/boards/$BOARD.json" ] || die 2 "unknown board '$BOARD': there is no boards/$BOARD.json"
	# tentacle-find reads a plain serial -> {board} map: the bench file's "tentacles"
	jq -e '.tentacles | objects' "$inv" >"$RD/inventory.json" 2>/dev/null ||
		die 2 "'$inv' is no bench inventory (no \"tentacles\" object; see testbeds/README.md)"
	"$BIN/tentacle-find" --json --inventory "$RD/inventory.json" >"$RD/tentacles.json" ||
		die 3 "no tentacle of bench '$TESTBED' found (tentacle-find --inventory $RD/inventory.json)"
	t_label=() t_hub=() t_board=() t_loc=() t_id=() t_hw=() t_variant=()
	while IFS=$'\t' read -r serial short hub board loc id hw variant; do
		[ "$variant" != - ] || variant=""
		[ -z "$BOARD" ] || [ "$board" = "$BOARD" ] || continue
		case $TENTACLE in '' | "$short" | "$serial") ;; *) continue ;; esac
		if [ ! -f "$top/boards/$board.json" ]; then
			echo "$prog: tentacle $short: board '$board' has no spec boards/$board.json: not tested" >&2
			not_ready+=("$short-$board")
			continue
		fi
		if [ -n "$VARIANT" ]; then
			jq -e --arg v "$VARIANT" '.variants | index($v)' "boards/$board.json" >/dev/null ||
				die 2 "board $board has no variant '$VARIANT' (see boards/$board.json)"
			variant=$VARIANT
		fi
		exec {fd}>>"$lockdir/tentacle-$serial.lock"
		lockfds+=("$fd")
		flock -n "$fd" || die 3 "tentacle $short ($hub) is busy: another test run or flash holds it"
		case $hw in
		v0.3) hw="--hw-version 0" ;; v0.5) hw="--hw-version 1" ;; v0.6) hw="--hw-version 2" ;; v0.7) hw="--hw-version 3" ;;
		*) hw="" ;; # the infra MCU is asked
		esac
		powered+=("$hub $hw")
		t_label+=("$short-$board${variant:+-$variant}")
		t_hub+=("$hub") t_board+=("$board") t_loc+=("$loc") t_id+=("$id") t_hw+=("$hw") t_variant+=("$variant")
	done < <(jq -r --slurpfile inv "$inv" 'select(.dut != null and .board != null) |
		[.serial, .short_id, .hub, .board, .dut.location, .dut.vid + ":" + .dut.pid,
		 ($inv[0].tentacles[.serial].hw_version // ""), ($inv[0].tentacles[.serial].variant // "-")] | @tsv' "$RD/tentacles.json")
	[ ${#t_label[@]} -gt 0 ] || die 3 "bench '$TESTBED': no tentacle with a DUT of a known board${BOARD:+ of type $BOARD}${TENTACLE:+ with id $TENTACLE} (see $RD/tentacles.json)"
	prepare_duts
	[ ${#labels[@]} -gt 0 ] || die 3 "bench '$TESTBED': no board is ready (see above)"
else
	for p in $PORTS; do
		[ -e "$p" ] || die 2 "port '$p' does not exist"
		l=$(basename "$p")
		for x in "${labels[@]}"; do
			[ "$x" != "$l" ] || die 2 "two ports would have the label '$l': give distinct ports"
		done
		labels+=("$l")
		ports+=("$(cd "$(dirname "$p")" && pwd)/$(basename "$p")")
	done
fi

# ---- one run per board at a time: a lock per board, released when this process ends ----
for i in "${!labels[@]}"; do
	key=$(realpath -m "${ports[$i]}" | tr '/' '_')
	[ "$TESTBED" = "" ] || key=$(printf '%s' "${ports[$i]}" | tr '/' '_')
	lock=$lockdir/$key.lock
	exec {fd}>>"$lock"
	lockfds+=("$fd")
	if ! flock -n "$fd"; then
		die 3 "board ${labels[$i]} (${ports[$i]}) is busy: another test run holds it (lock $lock)"
	fi
done

# ---- what a run that was killed left half-written (never a result: results are renamed into place) ----
find "$RD" -type f \( -name '*.tmp[0-9]*' -o -name '*.tmp.[0-9]*' -o -name '*.tmp' \) -delete 2>/dev/null || true

# ---- what each board runs: firmware identity now (cheap), the rest through make ----
rules_id=$("$BIN/mp-runtest" --version)
printf '%s\n' "$rules_id" | cmp -s - "$RD/verdict-rules.id" 2>/dev/null || printf '%s\n' "$rules_id" >"$RD/verdict-rules.id"

# ---- TESTS: every word names something in the tests folder ----
set -f
for w in $TESTS; do
	set +f
	# shellcheck disable=SC2086 # the word is a glob of the tests folder
	m=$(cd "$TD" && compgen -G "${w%/}" | head -n 1 || true)
	[ -n "$m" ] || die 2 "TESTS: '$w' matches no test in '$TD'"
	set -f
done
set +f

# ---- the test groups: each board's selection, the pairs of the multi-board tests ----
has_feature() { # LABEL FEATURE: boards given by PORT (no spec) have MCU and EXTMOD; BOARD_FEATURES
	# replaces that, and the features of virtual boards
	local spec=${bspec[$1]:-}
	if [ -n "${BOARD_FEATURES:-}" ] && { [ -z "$spec" ] || [ "${spec#VIRTUAL_}" != "$spec" ]; }; then
		case " $BOARD_FEATURES " in *" $2 "*) return 0 ;; *) return 1 ;; esac
	elif [ -z "$spec" ]; then
		[ "$2" = MCU ] || [ "$2" = EXTMOD ]
	else
		jq -e --arg f "$2" '.features | index($f)' "$top/boards/$spec.json" >/dev/null
	fi
}
declare -A selection=() needjoin=() wipe=() psrc=()
pairs=()
MTD="" # the folder of group MULTI's multi-board tests
note() { echo "$prog: $1" >&2; }
for g in "${groups[@]}"; do
	able=() unable=()
	for l in "${labels[@]}"; do
		if has_feature "$l" "${gneed[$g]}"; then able+=("$l"); else unable+=("$l"); fi
	done
	[ ${#unable[@]} = 0 ] || note "$g: skipped on ${unable[*]}: no ${gneed[$g]} feature in their board spec"
	[ ${#able[@]} -gt 0 ] || continue
	case $g in
	STANDARD)
		for l in "${able[@]}"; do selection[$l]+=" ${TESTS:-:default}"; done
		;;
	EXTMOD_HARDWARE | NET_INET | NET_HOSTED)
		if [ ! -d "$TD/${gdir[$g]}" ]; then
			note "$g: skipped: no ${gdir[$g]}/ in $TD"
		elif [ "$g" != EXTMOD_HARDWARE ] && [ -z "${WLAN_SSID:-}" ]; then
			note "$g: skipped: the boards join a WLAN first: give WLAN_SSID and WLAN_PASS in the environment"
		else
			for l in "${able[@]}"; do
				selection[$l]+=" ${gdir[$g]}"
				[ "$g" = EXTMOD_HARDWARE ] || needjoin[$l]=1
			done
		fi
		;;
	MULTI | MULTIBLUETOOTH | MULTINET)
		# a pair's tests of this group: "ROOT_VAR:ROOT:SUBFOLDER" (names relative to ROOT)
		case $g in
		MULTIBLUETOOTH) mdir=$TD/multi_bluetooth src="TD:$TD:multi_bluetooth" ;;
		MULTINET) mdir=$TD/multi_net src="TD:$TD:multi_net" ;;
		*) mdir=$MULTI_DIR ;;
		esac
		if [ "$g" = MULTINET ] && [ -z "${WLAN_SSID:-}" ]; then
			note "$g: skipped: the boards join a WLAN first: give WLAN_SSID and WLAN_PASS in the environment"
			continue
		fi
		[ -d "$mdir" ] || { note "$g: skipped: no folder $mdir"; continue; }
		if [ "$g" = MULTI ]; then
			MTD=$(cd "$mdir" && pwd)
			src="MTD:$MTD:"
		fi
		case $src in *' '*) die 2 "$g: the folder '$mdir' has a blank in its path" ;; esac
		refs=()
		if [ -n "$MULTI_REF" ]; then
			for r in $MULTI_REF; do
				printf '%s\n' "${able[@]}" | grep -qxF -- "$r" || die 2 "MULTI_REF: '$r' is not a board of this run that can run $g (${able[*]})"
				refs+=("$r")
			done
		elif [ -n "$TESTBED" ] && [ "$TESTBED" != virtual ]; then
			rb=$(jq -r '.reference_board // "RPI_PICO_W"' "$TESTBEDS_DIR/$TESTBED.json")
			for l in "${able[@]}"; do [ "${bspec[$l]:-}" != "$rb" ] || refs+=("$l"); done
		else
			refs=("${able[0]}")
		fi
		[ ${#refs[@]} -gt 0 ] || { note "$g: skipped: no reference board (${rb:-MULTI_REF}) among ${able[*]}"; continue; }
		others=()
		for l in "${able[@]}"; do printf '%s\n' "${refs[@]}" | grep -qxF -- "$l" || others+=("$l"); done
		[ ${#others[@]} -gt 0 ] || { note "$g: skipped: needs a board besides the reference ${refs[*]}"; continue; }
		# every other board with a reference, as instance0 and as instance1; the references in turn
		for i in "${!others[@]}"; do
			r=${refs[$((i % ${#refs[@]}))]}
			for p in "${others[$i]}+$r" "$r+${others[$i]}"; do
				[ -n "${psrc[$p]:-}" ] || pairs+=("$p")
				psrc[$p]+=" $src"
			done
			[ "$g" != MULTINET ] || needjoin[${others[$i]}]=1 needjoin[$r]=1
		done
		;;
	VIA_MPY | NATIVE)
		if [ -z "$MPY_CROSS" ]; then
			note "$g: skipped: needs mpy-cross: MPY_DIR=<MicroPython checkout> (built by make test) or MPY_CROSS=<program>"
			continue
		fi
		mode=via-mpy
		[ "$g" = VIA_MPY ] || mode=native
		set -f # the words are globs of the tests folder, not of this one
		for l in "${able[@]}"; do
			for w in ${TESTS:-:default}; do selection[$l]+=" $mode:$w"; done
		done
		set +f
		;;
	NATMODTESTS)
		if [ -z "${MPY_DIR:-}" ] || [ ! -d "$MPY_DIR/examples/natmod" ]; then
			note "$g: skipped: needs the native modules of a MicroPython checkout (MPY_DIR with examples/natmod)"
			continue
		fi
		NATMOD_DIR=$(cd "$MPY_DIR/examples/natmod" && pwd)
		words=$TESTS
		if [ -z "$words" ]; then
			# the tests of run-natmodtests.py: those of the six example modules
			for m in btree deflate framebuf heapq random re; do
				set -- "$TD"/extmod/"$m"*.py
				[ $# = 0 ] || words="$words extmod/$m*.py"
			done
		fi
		[ -n "$words" ] || { note "$g: skipped: no extmod/{btree,deflate,framebuf,heapq,random,re}*.py in $TD"; continue; }
		set -f
		for l in "${able[@]}"; do
			for w in $words; do selection[$l]+=" natmod:$w"; done
		done
		set +f
		;;
	PERFBENCH)
		if [ ! -f "$TD/perf_bench/benchrun.py" ]; then
			note "$g: skipped: no perf_bench/benchrun.py in $TD (a MicroPython tests folder: MPY_DIR)"
		else
			for l in "${able[@]}"; do selection[$l]+=" perf_bench"; done
		fi
		;;
	FLASH_FORMAT)
		# before everything else: the board's filesystem emptied (scripts of earlier runs, test files)
		for l in "${able[@]}"; do
			spec=${bspec[$l]:-}
			d=.
			[ -z "$spec" ] || d=$(jq -r 'if has("filesystem") then .filesystem // "" else "." end' "$top/boards/$spec.json")
			if [ -z "$d" ]; then note "$g: skipped on $l: its board spec says it has no filesystem"; else wipe[$l]=$d; fi
		done
		;;
	esac
done
[ ${#selection[@]} -gt 0 ] || [ ${#pairs[@]} -gt 0 ] || [ ${#wipe[@]} -gt 0 ] ||
	die 2 "nothing to run: no board can run the groups ${groups[*]} (see above)"

# the candidate test files and the selection: when they change, the board test lists are made again
{
	printf 'selection %s\ngroups %s\n' "$TESTS" "${groups[*]}"
	find "$TD" -name '*.py' -not -path "$TD/feature_check/*" -printf '%P\n' | sort
	[ -z "$MTD" ] || find "$MTD" -name '*.py' -printf 'multi %P\n' | sort
} >"$RD/candidates.new"
if cmp -s "$RD/candidates.new" "$RD/candidates.txt" 2>/dev/null; then rm -f "$RD/candidates.new"; else mv "$RD/candidates.new" "$RD/candidates.txt"; fi

# the tests need unittest on the board: installed from micropython-lib when a checkout has it
usrc=${MPY_DIR:+$MPY_DIR/lib/micropython-lib/python-stdlib/unittest}
[ -n "$usrc" ] && [ -d "$usrc" ] || usrc=""
pids=()
for i in "${!labels[@]}"; do
	rm -f "$RD/${labels[$i]}/wlan.failed" "$RD/${labels[$i]}/port.new"
	(
		l=${labels[$i]} p=${ports[$i]}
		if [ -n "${wipe[$l]:-}" ]; then
			st=0
			"$BIN/mp-runtest" --port "$p" --board "$l" --wipe-fs "${wipe[$l]}" || st=$?
			[ $st = 0 ] || [ $st = 1 ] || exit $st
		fi
		"$BIN/mp-runtest" --port "$p" --board "$l" -q --identity "$RD/$l/board.id" || exit
		[ -z "${selection[$l]:-}" ] ||
			"$BIN/mp-runtest" --port "$p" --board "$l" -q --ensure-module unittest ${usrc:+--module-from "$usrc"} ||
			echo "$prog: $l: its tests that use unittest will fail (see above)" >&2
		[ -n "${needjoin[$l]:-}" ] || exit 0
		# the network groups: join the WLAN, up to 5 times, a tentacle's DUT power-cycled in between
		for a in 1 2 3 4 5; do
			st=0
			"$BIN/mp-runtest" --port "$p" --board "$l" --wlan-join >&2 || st=$?
			[ $st != 0 ] || exit 0
			[ $st = 3 ] && [ $a -lt 5 ] || break
			echo "$prog: $l: WLAN join attempt $a of 5 failed, trying again" >&2
			if [ -n "${tidx[$l]:-}" ]; then
				k=${tidx[$l]}
				FLASH=skip BIN=$BIN bash scripts/dut-up.sh "$RD/$l" "$l" "${t_hub[$k]}" "${t_loc[$k]}" "${t_id[$k]}" \
					"${t_hw[$k]:--}" "${t_board[$k]}" "${t_variant[$k]:--}" - || break
				p=$(cat "$RD/$l/dut.tty")
				printf '%s\n' "$p" >"$RD/$l/port.new"
			fi
		done
		: >"$RD/$l/wlan.failed"
	) &
	pids+=($!)
done
broken=() misconfigured=0
for i in "${!pids[@]}"; do
	st=0
	wait "${pids[$i]}" || st=$?
	case $st in
	0) ;;
	2) misconfigured=1 ;; # not a port at all: mp-runtest said so
	*) broken+=("${labels[$i]}") ;;
	esac
done
[ $misconfigured = 0 ] || exit 2
# a board that is busy or does not answer is left out (mp-runtest said why); the others are tested
if [ ${#broken[@]} -gt 0 ]; then
	kl=() kp=()
	for i in "${!labels[@]}"; do
		case " ${broken[*]} " in *" ${labels[$i]} "*) continue ;; esac
		kl+=("${labels[$i]}") kp+=("${ports[$i]}")
	done
	labels=("${kl[@]}") ports=("${kp[@]}")
	kept=()
	for p in "${pairs[@]}"; do
		keep=1
		for b in "${broken[@]}"; do case "+$p+" in *"+$b+"*) keep=0 ;; esac; done
		[ $keep = 0 ] || kept+=("$p")
	done
	pairs=("${kept[@]}")
	[ ${#labels[@]} -gt 0 ] || die 3 "no board could be tested: ${broken[*]} (see above)"
fi
# after the WLAN joins: new ttys of power-cycled DUTs; the network tests of boards that did not join
for i in "${!labels[@]}"; do
	l=${labels[$i]}
	if [ -f "$RD/$l/port.new" ]; then
		ports[i]=$(cat "$RD/$l/port.new")
		rm -f "$RD/$l/port.new"
	fi
	[ -f "$RD/$l/wlan.failed" ] || continue
	note "$l: did not join the WLAN: its network tests do not run"
	selection[$l]=$(printf '%s' "${selection[$l]:-}" | sed 's# net_inet##; s# net_hosted##')
	kept=()
	for p in "${pairs[@]}"; do
		case "+$p+" in *"+$l+"*) ;; *) kept+=("$p") ;; esac
	done
	pairs=("${kept[@]}")
done

# ---- per board: its port (a file: a power-cycled DUT may come back on another tty), no infrastructure
# errors counted yet, the kernel log of a bench's DUTs followed ----
kmap=()
for i in "${!labels[@]}"; do
	l=${labels[$i]}
	mkdir -p "$RD/$l"
	tl_begin "$l"
	printf '%s\n' "${ports[$i]}" >"$RD/$l/port.tmp" && mv "$RD/$l/port.tmp" "$RD/$l/port"
	rm -f "$RD/$l/infra.state"
	[ -z "${tidx[$l]:-}" ] || kmap+=("${t_loc[${tidx[$l]}]}=$l")
done
if [ ${#kmap[@]} -gt 0 ] && { [ -n "${KMSG_CMD:-}" ] || command -v journalctl >/dev/null 2>&1; }; then
	# a session of its own (stopped as a group), without the run's lock descriptors (they must go with
	# the run), and gone by itself when this run is gone, even killed
	(
		for f in "${lockfds[@]}"; do exec {f}>&-; done
		exec setsid env WATCH_PID=$$ sh scripts/kernel-watch.sh "$RD" "${kmap[@]}"
	) &
	kwatch=$!
fi

# ---- the run's makefile ----
{
	echo "# The makefile of one test run, made by scripts/testrun.sh: do not edit."
	echo "TOP := $top"
	echo "BIN := $BIN"
	echo "TD := $TD"
	echo "RD := $RD"
	echo "COUNT := ${COUNT:-1}"
	printf 'FLAKY_LIST :='
	for f in ${FLAKY_LIST:-}; do printf ' %s' "$(cd "$(dirname "$f")" && pwd)/$(basename "$f")"; done
	echo
	echo "MPY_CROSS := $MPY_CROSS"
	echo "MPY_CROSS_DEP := $MPY_CROSS_DEP"
	echo "NATMOD_DIR := $NATMOD_DIR"
	echo "BOARDS := ${labels[*]}"
	for i in "${!labels[@]}"; do
		echo "PORT_${labels[$i]} := ${ports[$i]}"
		echo "RECOVER_${labels[$i]} := ${recover[${labels[$i]}]:-}"
		printf 'SELECTION_%s :=%s\n' "${labels[$i]}" "${selection[${labels[$i]}]:-}"
		spec=${bspec[${labels[$i]}]:-}
		[ -z "$spec" ] ||
			jq -r --arg b "${labels[$i]}" '.perfbench // empty | "PERF_NM_\($b) := \(.mhz),\(.heap_kb)"' "$top/boards/$spec.json"
	done
	echo "MTD := $MTD"
	echo "PAIRS := ${pairs[*]}"
	for p in "${pairs[@]}"; do
		echo "PAIR_SRC_$p :=${psrc[$p]}"
	done
	echo "include \$(TOP)/mk/run.mk"
} >"$RD/run.mk.new"
if cmp -s "$RD/run.mk.new" "$RD/run.mk" 2>/dev/null; then rm -f "$RD/run.mk.new"; else mv "$RD/run.mk.new" "$RD/run.mk"; fi

# without -j from the caller, one job per board
jobs=()
case " ${MAKEFLAGS:-} " in
*" -j"* | *jobserver*) ;;
*) jobs=(-j "${#labels[@]}") ;;
esac
quiet=(--no-print-directory -s)
[ "$V" != 1 ] || quiet=(--no-print-directory)
echo "$prog: ${#labels[@]} board(s): ${labels[*]}; tests from $TD${pairs[*]:+; pairs ${pairs[*]}}" >&2
rc=0
${MAKE:-make} "${quiet[@]}" "${jobs[@]}" -k -f "$RD/run.mk" V="$V" all || rc=$?

# ---- reports, from the result files alone ----
rrc=0
sh scripts/report.sh "$RD" || rrc=$?
out=()
for l in "${labels[@]}"; do
	if [ -f "$RD/$l/infra.state" ] && [ "$(cut -d' ' -f1 "$RD/$l/infra.state")" -ge 3 ] 2>/dev/null; then
		out+=("$l")
		echo "$prog: $l was taken out of the run after 3 infrastructure errors in a row (last: $(cut -d' ' -f2- "$RD/$l/infra.state")); its remaining tests have verdict error" >&2
	fi
done
[ ${#out[@]} = 0 ] || rrc=3
if [ "$rc" != 0 ] && [ "$rrc" = 0 ]; then
	echo "$prog: make stopped with status $rc: some tests did not run (see above)" >&2
	exit 3
fi
if [ ${#not_ready[@]} != 0 ]; then
	echo "$prog: not tested (DUT not ready): ${not_ready[*]}" >&2
	rrc=3
fi
if [ ${#broken[@]} != 0 ]; then
	echo "$prog: not tested (busy or not answering, see above): ${broken[*]}" >&2
	rrc=3
fi
exit "$rrc"
