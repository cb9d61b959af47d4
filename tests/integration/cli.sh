#!/bin/sh
# mp-runtest and mp-exp from the outside: help, usage errors, bad ports, busy ports, missing files,
# expected output from .exp files and from CPython, result files and their atomic writing.
set -eu
cd "$(dirname "$0")/../.."
. tests/lib.sh
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"

R="$BIN/mp-runtest"
mkdir -p "$tmp/t/basics"
printf 'print("hello")\n' >"$tmp/t/basics/hello.py"
printf 'hello\n' >"$tmp/t/basics/hello.py.exp"
X="$BIN/mp-exp"
check "mp-runtest --help exits 0" 0 "$R" --help
has "--help documents the exit codes" "$tmp/o" "3  the board needs attention"
check "mp-runtest without --port is a usage error" 2 "$R" "$tmp/t/basics/hello.py"
has "it names what is missing" "$tmp/e" "no port given"
check "a bad --timeout is a usage error" 2 "$R" --port /dev/null --timeout abc x.py
has "the error names the option" "$tmp/e" "invalid value for --timeout: 'abc'"
check "a port that does not exist: board trouble" 3 "$R" --port "$tmp/none" "$tmp/t/basics/hello.py"
has "the error names the port" "$tmp/e" "cannot open '$tmp/none'"
check "a test file that does not exist: local trouble" 4 "$R" --port /dev/null "$tmp/missing.py"
check "a port that is no port at all (/dev/null): a usage error" 2 "$R" --port /dev/null --enter-timeout 1 \
	"$tmp/t/basics/hello.py"
has "... saying what it is" "$tmp/e" "'/dev/null' is not a serial port (a memory device)"

# mp-exp: .exp file, CPython, CPython crash, no CPython
printf 'print(1)\n' >"$tmp/t.py"
printf 'expected\n' >"$tmp/t.py.exp"
check "mp-exp copies the .exp" 0 "$X" "$tmp/t.py" "$tmp/out"
has "the .exp text" "$tmp/out" "^expected$"
printf 'native\n' >"$tmp/t.py.native.exp"
check "mp-exp --emit native prefers .native.exp" 0 "$X" --emit native "$tmp/t.py" "$tmp/out"
has "the .native.exp text" "$tmp/out" "^native$"
printf 'import sys\nprint("from", sys.implementation.name)\n' >"$tmp/c.py"
check "mp-exp runs CPython without an .exp" 0 "$X" "$tmp/c.py" "$tmp/out"
has "CPython's output" "$tmp/out" "^from cpython$"
printf 'print("a")\nraise ValueError("b")\n' >"$tmp/crash.py"
check "mp-exp: CPython exits non-zero" 0 "$X" "$tmp/crash.py" "$tmp/out"
has "the text starts with CPYTHON3 CRASH" "$tmp/out" "^CPYTHON3 CRASH:$"
check "mp-exp without CPython: local trouble" 4 "$X" --python "$tmp/no-python" "$tmp/c.py" "$tmp/out2"
has "the error says how to fix it" "$tmp/e" "install python3 or give an .exp file"

# against a virtual board
start_vboard wasm "$tmp/vb" || notok "the virtual board did not start"
check "a test that passes: exit 0" 0 "$R" --port "$tmp/vb" --result "$tmp/r/res.json" --out-dir "$tmp/r" \
	--tests-dir "$tmp/t" "$tmp/t/basics/hello.py"
has "the human line" "$tmp/o" "^pass  basics/hello.py ("
has "the result file" "$tmp/r/res.json" '"verdict":"pass"'
printf 'print("wrong")\n' >"$tmp/w.py"
printf 'right\n' >"$tmp/w.py.exp"
check "a test that fails: exit 1" 1 "$R" --port "$tmp/vb" --out-dir "$tmp/r" --json --name dir/w.py "$tmp/w.py"
has "JSON line with the diff" "$tmp/o" '"diff":"@@ -1,1 +1,1 @@\\n-right\\n+wrong\\n"'
has "the .out file named as run-tests.py names it" "$tmp/r/dir_w.py.out" "^wrong$"
has "the .exp file beside it" "$tmp/r/dir_w.py.exp" "^right$"
printf 'right\n' >"$tmp/w.py.exp"
printf 'print("right")\n' >"$tmp/w.py"
check "the same test passing again" 0 "$R" --port "$tmp/vb" --out-dir "$tmp/r" --name dir/w.py "$tmp/w.py"
if [ ! -e "$tmp/r/dir_w.py.out" ]; then ok "a pass removes the old .out"; else notok "the old .out is still there"; fi
if command -v flock >/dev/null; then
	flock -n "$tmp/vb" sleep 3 &
	lock_pid=$!
	sleep 0.3
	check "a port locked by another program: board trouble" 3 "$R" --port "$tmp/vb" "$tmp/t/basics/hello.py"
	has "the error says it is busy" "$tmp/e" "is busy"
	wait "$lock_pid" || true
fi
check "plain raw mode on request works too" 0 "$R" --port "$tmp/vb" --no-raw-paste --json \
	--tests-dir "$tmp/t" "$tmp/t/basics/hello.py"
has "raw-paste was not used" "$tmp/o" '"raw_paste":false'
check "--probe writes target.json" 0 "$R" --port "$tmp/vb" --probe --feature-dir tests/corpus/feature_check \
	--result "$tmp/target.json"
has "target.json has the platform" "$tmp/target.json" '"platform":"webassembly"'
# --ensure-module: present, missing without a source, installed to /lib (kept over soft resets), bad input
check "--ensure-module of a module the board has" 0 "$R" --port "$tmp/vb" --board vb --ensure-module unittest
has "it says so" "$tmp/o" "^vb: unittest is there$"
check "a missing module and nothing to install it from: exit 5" 5 "$R" --port "$tmp/vb" --board vb --ensure-module tbmod
has "the error names the module" "$tmp/e" "vb: module tbmod is missing and there is nothing to install it from"
mkdir -p "$tmp/src/tbmod"
printf 'from .sub import b\n' >"$tmp/src/tbmod/__init__.py"
cat >"$tmp/src/tbmod/sub.py" <<'PY'
b = bytes(range(256)) + b"'\\"
PY
check "a package installed from --module-from" 0 "$R" --port "$tmp/vb" --board vb --ensure-module tbmod \
	--module-from "$tmp/src"
has "it says where" "$tmp/o" "^vb: tbmod installed (2 files in /lib)$"
printf 'import tbmod\nprint(len(tbmod.b), tbmod.b[0], tbmod.b[255], tbmod.b[-2:])\n' >"$tmp/t/basics/usemod.py"
cat >"$tmp/t/basics/usemod.py.exp" <<'PY'
258 0 255 b"'\\"
PY
check "a test imports it, every byte intact" 0 "$R" --port "$tmp/vb" --tests-dir "$tmp/t" "$tmp/t/basics/usemod.py"
check "--module-from without the module: exit 5" 5 "$R" --port "$tmp/vb" --board vb --ensure-module nomod \
	--module-from "$tmp/src"
has "the error names the folder" "$tmp/e" "module nomod is missing and '$tmp/src' has neither nomod/ nor nomod.py"
check "--ensure-module takes a module name" 2 "$R" --port "$tmp/vb" --ensure-module "a;b"

# --wlan-join: the credentials reach the board's network module and no output, trace or message
check "--wlan-join without WLAN_SSID: usage error" 2 env -u WLAN_SSID "$R" --port "$tmp/vb" --wlan-join
check "--wlan-join on a firmware without network: exit 5" 5 env WLAN_SSID=x "$R" --port "$tmp/vb" --board vb --wlan-join
has "it says why" "$tmp/e" "vb: cannot join the WLAN: the firmware has no network module"
check "a stand-in network module installed" 0 "$R" --port "$tmp/vb" --ensure-module network --module-from tests/mock/board-lib
check "--wlan-join joins" 0 env WLAN_SSID="lab net" WLAN_PASS="s3cr'et" "$R" -v --port "$tmp/vb" --board vb --wlan-join
has "it prints the address" "$tmp/o" "^vb: WLAN joined, address 10.0.0.7$"
if grep -q "s3cr\|lab net" "$tmp/o" "$tmp/e"; then notok "the credentials appear in the output or the trace"
else ok "the credentials appear neither in the output nor in the -v trace"; fi
check "wrong credentials: not joined, exit 3" 3 env WLAN_SSID="lab net" WLAN_PASS=wrong "$R" --port "$tmp/vb" --board vb --wlan-join
has "it says so, without the credentials" "$tmp/e" "^mp-runtest: vb: cannot join the WLAN: the board raised an error$"
if ls "$tmp"/r/*.tmp* >/dev/null 2>&1; then notok "temporary files left behind"; else ok "no temporary files left behind"; fi
finish
