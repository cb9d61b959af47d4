#!/bin/bash
# A fake flasher for the virtual tentacle bench (tests/mock/vtentacles.c), run through the symlinks in
# tests/mock/flashers as picotool, esptool, dfu-util, bossac or teensy_loader_cli (the name of $0).
# It takes the command lines the bench's flashing uses:
#   picotool load --update --bus B --address D --execute FW.uf2          (-x, -v/--verify also taken)
#   dfu-util [-a ALT] [-d V:P] [-S|--serial ID] [-s ADDR] [-R] -D|--download FW.dfu
#   esptool --port=TTY --chip=CHIP --baud=BAUD [--before X] [--after X] write-flash|write_flash OFFSET
#           [--no-progress] [--compress|-z] [--flash-mode M] [--flash-size S] [--flash-freq F] [--erase-all]
#           FW.bin                                     (option values with "=" or as the next word)
#   bossac [-e|--erase] [-w|--write] [-v|--verify] [-i|--info] [-R|--reset] [-U|--usb-port[=BOOL]]
#          [-b|--boot[=BOOL]] -o|--offset=OFFSET -p|--port TTY FW.bin
#   teensy_loader_cli --mcu=MCU [-w] [-v] [-s] [-n] FW.hex     (no device selection)
# needs VT_STATE, the harness's state folder, where it finds the devices in boot mode (boot-K files) and
# writes the firmware of tentacle K to flash-K (atomically). The image must start with the line
# "vfirmware ..." (see make-vfirmware.sh).
# Every call is recorded: $VT_STATE/calls/NNNN-NAME.argv (one argument a line), NNNN-NAME.env
# (env | sort), and a line "K NAME ARGS..." in $VT_STATE/flasher.log (K "-" when no device matched).
# Env: FAKE_FLASHER_MODE ok (default) | fail (exit 1, flash untouched) | hang (sleeps until killed; its
# pid in $VT_STATE/hang-K.pid) |
# fail-once (the first call for each tentacle fails, later ones work); FAKE_FLASHER_DELAY=S sleeps before
# flashing; FAKE_TEENSY_WAIT=S how long teensy_loader_cli -w waits for a Teensy (default 3).
# Exit: 0 flashed, 1 no device / bad image / failure, 2 usage error (dfu-util: 64, its EX_USAGE).
set -eu
name=$(basename "$0")
mode=${FAKE_FLASHER_MODE:-ok}
state=${VT_STATE:-}

die() { # STATUS MESSAGE
	printf '%s\n' "$2" >&2
	exit "$1"
}
{ [ -n "$state" ] && [ -d "$state" ]; } || die 1 "$name: VT_STATE is not set or not a folder (run inside vtentacles)"

# ---- record the call ----
mkdir -p "$state/calls"
# a sequence number under a mkdir lock: calls may run concurrently
while ! mkdir "$state/calls/.lock" 2>/dev/null; do sleep 0.01; done
seq=$(($(cat "$state/calls/.seq" 2>/dev/null || echo 0) + 1))
echo "$seq" >"$state/calls/.seq"
rmdir "$state/calls/.lock"
rec="$state/calls/$(printf %04d "$seq")-$name"
printf '%s\n' "$@" >"$rec.argv"
env | sort >"$rec.env"
log_args=$(printf ' %s' "$@")

usage_status=2
[ "$name" = dfu-util ] && usage_status=64
# one line "K NAME ARGS" in flasher.log per call (K "-": no single device)
log_call() { printf '%s %s%s\n' "$1" "$name" "$log_args" >>"$state/flasher.log"; }
usage() {
	log_call -
	die "$usage_status" "$name: $1"
}
fail_early() {
	log_call -
	die 1 "$1"
}

# ---- parse the command line as the real tool would ----
fw="" bus="" addr="" serial="" port="" offset="" chip="" baud="" mcu="" wait=0
case "$name" in
picotool)
	{ [ $# -gt 0 ] && [ "$1" = load ]; } || usage "ERROR: unsupported command (only 'load' here)"
	shift
	while [ $# -gt 0 ]; do
		case "$1" in
		--update | -u | --execute | -x | --verify | -v) ;;
		--bus | --address)
			[ $# -ge 2 ] || usage "ERROR: missing value for $1"
			case "$2" in '' | *[!0-9]*) usage "ERROR: '$2' is not a valid value for $1" ;; esac
			if [ "$1" = --bus ]; then bus=$((10#$2)); else addr=$((10#$2)); fi
			shift
			;;
		-*) usage "ERROR: unknown option $1" ;;
		*)
			[ -z "$fw" ] || usage "ERROR: too many arguments: $1"
			fw=$1
			;;
		esac
		shift
	done
	[ -n "$fw" ] || usage "ERROR: missing <filename>"
	;;
dfu-util)
	while [ $# -gt 0 ]; do
		case "$1" in
		-R | --reset | -w | --wait | -e | --detach) ;;
		-a | --alt | -d | --device | -s | --dfuse-address | -S | --serial | -D | --download)
			[ $# -ge 2 ] || usage "option requires an argument -- '$1'"
			case "$1" in
			-S | --serial) serial=$2 ;;
			-D | --download) fw=$2 ;;
			esac
			shift
			;;
		--serial=*) serial=${1#*=} ;;
		--download=*) fw=${1#*=} ;;
		--alt=* | --device=* | --dfuse-address=*) ;;
		*) usage "unrecognized option '$1'" ;;
		esac
		shift
	done
	[ -n "$fw" ] || usage "You need to specify one of -D or -U"
	;;
esptool)
	cmd="" pos=()
	while [ $# -gt 0 ]; do
		opt=$1 val="" hasval=0
		case "$opt" in --*=*) val=${opt#*=} opt=${opt%%=*} hasval=1 ;; esac
		case "$opt" in
		-p | --port | -c | --chip | -b | --baud | --before | --after | -fm | --flash-mode | -fs | --flash-size | \
			-ff | --flash-freq | --flash_mode | --flash_size | --flash_freq)
			if [ $hasval = 0 ]; then
				[ $# -ge 2 ] || usage "error: argument $opt: expected one argument"
				val=$2
				shift
			fi
			case "$opt" in
			-p | --port) port=$val ;;
			-c | --chip) chip=$val ;;
			-b | --baud)
				case "$val" in '' | *[!0-9]*) usage "error: argument $opt: invalid arg_auto_int value: '$val'" ;; esac
				baud=$val
				;;
			esac
			;;
		--no-progress | --no_progress | --compress | -z | --no-compress | -u | --erase-all | -e | --verify | \
			--no-stub | --no_stub) ;;
		-*) usage "error: unrecognized arguments: $1" ;;
		*)
			if [ -z "$cmd" ]; then
				cmd=$opt
				case "$cmd" in write-flash | write_flash) ;; *) usage "error: invalid choice: '$cmd'" ;; esac
			else
				pos+=("$opt")
			fi
			;;
		esac
		shift
	done
	[ -n "$cmd" ] || usage "error: the following arguments are required: command"
	[ ${#pos[@]} = 2 ] || usage "error: write-flash takes one <address> <filename> pair here (got ${#pos[@]} words)"
	offset=${pos[0]} fw=${pos[1]}
	case "$offset" in 0x[0-9a-fA-F]* | [0-9]*) ;; *) usage "error: argument <address> <filename>: address '$offset' is not a number" ;; esac
	[ -n "$port" ] || fail_early "A fatal error occurred: no serial port given (--port)"
	;;
bossac)
	while [ $# -gt 0 ]; do
		case "$1" in
		-e | --erase | -w | --write | -v | --verify | -i | --info | -R | --reset | -U | --usb-port | \
			--usb-port=* | -b | --boot | --boot=* | -a | --arduino-erase | -d | --debug) ;;
		-o | --offset | -p | --port)
			[ $# -ge 2 ] || usage "bossac: option '$1' requires an argument"
			case "$1" in -o | --offset) offset=$2 ;; *) port=$2 ;; esac
			shift
			;;
		--offset=*) offset=${1#*=} ;;
		--port=*) port=${1#*=} ;;
		-*) usage "bossac: unrecognized option '$1'" ;;
		*)
			[ -z "$fw" ] || usage "bossac: extra argument '$1'"
			fw=$1
			;;
		esac
		shift
	done
	[ -n "$fw" ] || usage "bossac: you must specify a file"
	[ -n "$port" ] || fail_early "No device found on the default port (give --port)"
	case "$port" in /*) ;; *) port=/dev/$port ;; esac # bossac takes "ttyACM0" too
	;;
teensy_loader_cli)
	while [ $# -gt 0 ]; do
		case "$1" in
		--mcu=*) mcu=${1#*=} ;;
		-w) wait=1 ;;
		-v | -s | -n | -r) ;;
		-*) usage "Unknown option \"$1\"; usage: teensy_loader_cli --mcu=<MCU> [-w] [-h] [-n] [-b] [-v] <file.hex>" ;;
		*)
			[ -z "$fw" ] || usage "Filename specified twice: $1"
			fw=$1
			;;
		esac
		shift
	done
	[ -n "$mcu" ] || usage "MCU type must be specified (--mcu=...)"
	[ -n "$fw" ] || usage "Filename must be specified"
	echo "Teensy Loader, Command Line, Version 2.2 (fake)"
	;;
*) die 2 "fake-flasher: unknown flasher name '$name' (picotool, esptool, dfu-util, bossac, teensy_loader_cli)" ;;
esac

# ---- the device: the tentacle whose boot-K file matches ----
find_k() {
	found=""
	count=0
	for f in "$state"/boot-[0-9]; do
		[ -f "$f" ] || continue
		k=${f##*-}
		# shellcheck disable=SC2034 # not every field is used by every flasher
		read -r typ a b sn vp kind <"$f" || true
		hit=0
		case "$name" in
		picotool) [ "$typ" = usb ] && [ "$a" = "$bus" ] && [ "$b" = "$addr" ] && hit=1 ;;
		dfu-util) [ "$typ" = usb ] && { [ -z "$serial" ] || [ "$sn" = "$serial" ]; } && hit=1 ;;
		esptool | bossac) [ "$typ" = tty ] && [ "$a" = "$port" ] && hit=1 ;;
		teensy_loader_cli) [ "$typ" = usb ] && [ "$kind" = bind ] && hit=1 ;;
		esac
		if [ $hit = 1 ]; then
			found=$k
			count=$((count + 1))
		fi
	done
}
find_k
if [ "$name" = teensy_loader_cli ] && [ $wait = 1 ] && [ $count = 0 ]; then
	echo "Waiting for Teensy device..."
	echo " (hint: press the reset button)"
	end=$(($(date +%s) + ${FAKE_TEENSY_WAIT:-3}))
	while [ $count = 0 ] && [ "$(date +%s)" -lt "$end" ]; do
		sleep 0.1
		find_k
	done
fi
if [ "$count" = 1 ]; then log_call "$found"; else log_call -; fi
if [ "$count" -gt 1 ]; then
	case "$name" in
	teensy_loader_cli) die 1 "Error: more than one Teensy in boot mode" ;;
	dfu-util) die 1 "dfu-util: More than one DFU capable USB device found! Try \`--list' and specify the serial number" ;;
	*) die 1 "$name: more than one device matches" ;;
	esac
fi
if [ "$count" = 0 ]; then
	case "$name" in
	picotool) die 1 "No accessible RP-series devices in BOOTSEL mode were found with bus $bus address $addr." ;;
	dfu-util) die 1 "dfu-util: No DFU capable USB device available${serial:+ with serial $serial}" ;;
	esptool) die 1 "A fatal error occurred: Could not open $port, the port is busy or doesn't exist." ;;
	bossac) die 1 "No device found on $port" ;;
	teensy_loader_cli) die 1 "Unable to open device (no Teensy in boot mode)" ;;
	esac
fi
k=$found

# ---- the image ----
if [ ! -f "$fw" ] || [ "$(head -c 10 "$fw" 2>/dev/null)" != "vfirmware " ]; then
	case "$name" in
	esptool) die 1 "A fatal error occurred: $fw: not a valid image" ;;
	*) die 1 "$name: $fw: not a valid image" ;;
	esac
fi

# ---- behaviour switches ----
case "$mode" in
ok) ;;
fail) die 1 "$name: write failed (FAKE_FLASHER_MODE=fail)" ;;
hang)
	echo "$name: hanging (FAKE_FLASHER_MODE=hang)" >&2
	echo $$ >"$state/hang-$k.pid" # so that a test can check the process is gone
	exec sleep 2147483647
	;;
fail-once)
	if [ ! -e "$state/failed-once-$k" ]; then
		: >"$state/failed-once-$k"
		die 1 "$name: write failed (FAKE_FLASHER_MODE=fail-once, first call for tentacle $k)"
	fi
	;;
*) die 2 "fake-flasher: unknown FAKE_FLASHER_MODE '$mode' (ok, fail, hang, fail-once)" ;;
esac
if [ -n "${FAKE_FLASHER_DELAY:-}" ]; then
	# in the background, so that a SIGTERM ends the sleep with us
	sleep "$FAKE_FLASHER_DELAY" &
	trap 'kill $! 2>/dev/null; exit 143' TERM
	wait $!
	trap - TERM
fi

# ---- "flash" ----
size=$(wc -c <"$fw")
case "$name" in
picotool) printf 'Loading into Flash:   [==============================]  100%%\nVerifying Flash:      [==============================]  100%%\n  OK\n\nThe device was rebooted into application mode.\n' ;;
dfu-util) printf 'dfu-util 0.11 (fake)\nOpening DFU capable USB device...\nDownload\t[=========================] 100%%  %s bytes\nDownload done.\n' "$size" ;;
esptool) printf 'esptool v5.0 (fake)\nConnected to %s on %s:\nStub flasher running.\nChanging baud rate to %s\nWrote %s bytes at %s.\nHard resetting via RTS pin...\n' "${chip:-auto}" "$port" "${baud:-115200}" "$size" "$offset" ;;
bossac) printf 'Erase flash\nWrite %s bytes to flash\n[==============================] 100%%\nDone in 0.010 seconds\n' "$size" ;;
teensy_loader_cli) printf 'Read "%s": %s bytes, 0.1%% usage\nFound HalfKay Bootloader\nProgramming.\nBooting\n' "$fw" "$size" ;;
esac
cp "$fw" "$state/flash-$k.tmp.$$"
mv -f "$state/flash-$k.tmp.$$" "$state/flash-$k"
