#!/bin/sh
# Install what testbed-micropython needs to build and test: Debian packages and the npm package of the
# WebAssembly MicroPython used by virtual boards. Idempotent: does nothing when everything is there.
# Usage: scripts/setup.sh [--tests] [--check]
#   --tests  also what only the project's own tests need (a headless browser for the HTML report, yq
#            for the GitHub workflow)
#   --check  only report what is missing, exit 1 if anything is
set -eu

cd "$(dirname "$0")/.."
tests=0 check=0
for a in "$@"; do
	case $a in
	--tests) tests=1 ;;
	--check) check=1 ;;
	-h | --help)
		sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "setup: unknown option '$a' (usage: setup.sh [--tests] [--check])" >&2
		exit 2
		;;
	esac
done

# Debian packages: build tools, libraries, glue, CPython for expected output and bubblewrap, the
# sandbox it runs untrusted tests in, and the second virtual board type (micro:bit firmware under QEMU).
pkgs="build-essential pkg-config libusb-1.0-0-dev libudev-dev jq parallel umockdev libumockdev-dev
python3 bubblewrap nodejs npm qemu-system-arm firmware-microbit-micropython clang libclang-rt-14-dev libxml2-utils"
[ "$tests" = 0 ] || pkgs="$pkgs chromium yq"

missing=""
for p in $pkgs; do
	# a tool found on PATH counts for the runtimes the machine may have from elsewhere
	case $p in
	nodejs) command -v node >/dev/null 2>&1 && continue ;;
	npm) command -v npm >/dev/null 2>&1 && continue ;;
	python3) command -v python3 >/dev/null 2>&1 && continue ;;
	esac
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done

npm_ok=1
lock=node_modules/.package-lock.json
if [ ! -f "$lock" ] || [ package-lock.json -nt "$lock" ]; then
	npm_ok=0
fi

if [ "$check" = 1 ]; then
	[ -z "$missing" ] || echo "setup: missing Debian packages:$missing" >&2
	[ "$npm_ok" = 1 ] || echo "setup: npm packages not installed: run 'make setup'" >&2
	[ -z "$missing" ] && [ "$npm_ok" = 1 ]
	exit
fi

if [ -n "$missing" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "setup: missing Debian packages:$missing" >&2
		echo "setup: install them as root: apt-get install$missing" >&2
		exit 1
	fi
	echo "setup: installing$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

if [ "$npm_ok" = 0 ]; then
	echo "setup: npm ci (WebAssembly MicroPython for virtual boards)" >&2
	npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi
