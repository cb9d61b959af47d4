#!/bin/bash
# mp-exp and mp-runtest --sandbox: CPython runs the tests of an untrusted checkout under bubblewrap.
# Real tests made here show that the expected output of a well-behaved test does not change, and that
# a test can neither write into its folder or HOME, nor connect to a listener on 127.0.0.1, nor see
# other processes; a missing or broken bwrap is one clear error line and exit 4, never a silent run
# without the sandbox.
set -eu
cd "$(dirname "$0")/../.."
# shellcheck source=tests/lib.sh
. tests/lib.sh

require_tools mp-exp mp-runtest
require bwrap python3
unset MICROPY_EXP_SANDBOX TB_BWRAP MICROPY_CPYTHON3 || true
# the sandbox passes no PYTHON* variable but PYTHONIOENCODING: none here either, so that the outputs
# compare (PYTHONUNBUFFERED, for one, changes the order of stdout and stderr)
for v in $(compgen -e | grep '^PYTHON' || true); do unset "$v"; done
EXP=$BIN/mp-exp
R=$BIN/mp-runtest

# bubblewrap must work for this user: if not, say why, loudly
if ! bwrap --unshare-net --unshare-pid --ro-bind / / --dev /dev --proc /proc -- true 2>"$tmp/bw"; then
	notok "bwrap cannot make a sandbox here ($(head -n 1 "$tmp/bw")): NO test of sandbox.sh ran"
	finish
	exit 1
fi

t=$tmp/tests
mkdir -p "$t"
home=${HOME:-/root}
mark=tb-sandbox-probe-$$

# exp_both NAME: the expected output of $t/NAME.py without and with the sandbox, in $tmp/NAME.{plain,sb}
exp_both() {
	check "$1: mp-exp --no-sandbox" 0 "$EXP" --no-sandbox "$t/$1.py" "$tmp/$1.plain"
	check "$1: mp-exp --sandbox" 0 "$EXP" --sandbox "$t/$1.py" "$tmp/$1.sb"
	touch "$tmp/$1.plain" "$tmp/$1.sb"
}

# ---- a well-behaved test: the same output, byte for byte
cat >"$t/helper.py" <<'EOF'
def greet(x):
    return "hello " + x
EOF
cat >"$t/normal.py" <<'EOF'
import sys
import helper
print(helper.greet("world"), 1 + 2, 7 // 2, 2**100)
print("unicode: \u00e9\u4e2d\U0001F600")
print([x * x for x in range(5)], {"a": 1}, b"\x00\xff")
print("stderr too", file=sys.stderr)
try:
    1 / 0
except ZeroDivisionError as e:
    print("caught", type(e).__name__)
EOF
exp_both normal
if cmp -s "$tmp/normal.plain" "$tmp/normal.sb"; then
	ok "normal test: the same expected output with and without the sandbox ($(wc -c <"$tmp/normal.sb") bytes)"
else
	notok "normal test: the sandbox changed the output: $(diff "$tmp/normal.plain" "$tmp/normal.sb" | head -n 5)"
fi
has_text "it ran (a folder under /tmp is seen, its modules imported)" "$tmp/normal.sb" "hello world 3 3"

cat >"$t/crash.py" <<'EOF'
print("before")
raise ValueError("boom")
EOF
exp_both crash
if cmp -s "$tmp/crash.plain" "$tmp/crash.sb"; then ok "a crashing test: the same output too"; else notok "a crashing test: output differs"; fi
has "it is a CPython crash" "$tmp/crash.sb" "^CPYTHON3 CRASH:"

# ---- writing into its own folder, the real HOME, and ~ (a private /tmp)
cat >"$t/writes.py" <<EOF
import os
def attempt(label, path):
    try:
        with open(path, "w") as f:
            f.write("x")
        print(label, "written")
    except OSError as e:
        print(label, "error", e.errno, e.strerror)
attempt("folder", "$mark.txt")
attempt("home", "$home/$mark.txt")
attempt("tilde", os.path.expanduser("~/$mark.txt"))
print("HOME", os.environ.get("HOME"))
EOF
check "writes: mp-exp --sandbox" 0 "$EXP" --sandbox "$t/writes.py" "$tmp/writes.sb"
touch "$tmp/writes.sb"
has_text "it cannot write into its folder" "$tmp/writes.sb" "folder error 30 Read-only file system"
has_text "it cannot write into the real HOME ($home)" "$tmp/writes.sb" "home error 30 Read-only file system"
has_text "its HOME is the private /tmp" "$tmp/writes.sb" "HOME /tmp"
has_text "writing there works but stays inside" "$tmp/writes.sb" "tilde written"
for f in "$t/$mark.txt" "$home/$mark.txt" "/tmp/$mark.txt"; do
	if [ -e "$f" ]; then
		notok "the sandboxed test created $f"
		rm -f "$f"
	else
		ok "no file $f"
	fi
done
# without the sandbox the same test does write into its folder (so the check above means something);
# the real HOME is not touched: the unsandboxed run gets HOME=$tmp/home
mkdir -p "$tmp/home"
sed -i "s|\"$home/$mark.txt\"|\"$tmp/home/$mark.txt\"|" "$t/writes.py"
check "writes: mp-exp --no-sandbox" 0 env HOME="$tmp/home" "$EXP" --no-sandbox "$t/writes.py" "$tmp/writes.plain"
touch "$tmp/writes.plain"
has_text "unsandboxed, it writes into its folder" "$tmp/writes.plain" "folder written"
if [ -e "$t/$mark.txt" ]; then ok "and the file is there"; else notok "no file from the unsandboxed run"; fi
rm -f "$t/$mark.txt" "$tmp/home/$mark.txt"

# ---- a TCP connection to a listener on 127.0.0.1
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 "$port" >"$tmp/http.log" 2>&1 &
tb_pids="$tb_pids $!"
i=0
until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 100 ]; then
		notok "the listener on 127.0.0.1:$port did not start: $(head -c 300 "$tmp/http.log")"
		break
	fi
	sleep 0.1
done
cat >"$t/net.py" <<EOF
import socket
s = socket.socket()
s.settimeout(5)
try:
    s.connect(("127.0.0.1", $port))
    print("connected")
except OSError as e:
    print("no connection:", type(e).__name__)
s.close()
EOF
exp_both net
has_text "without the sandbox the test connects to 127.0.0.1:$port" "$tmp/net.plain" "connected"
has_text "under the sandbox it cannot" "$tmp/net.sb" "no connection: ConnectionRefusedError"

# ---- other processes
cat >"$t/procs.py" <<EOF
import os
pids = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
print("pids", pids)
print("suite visible", $$ in pids)
EOF
exp_both procs
has_text "without the sandbox the suite's shell (pid $$) is visible" "$tmp/procs.plain" "suite visible True"
has_text "under the sandbox it is not" "$tmp/procs.sb" "suite visible False"
n=$(sed -n 's/^pids \[\(.*\)\]$/\1/p' "$tmp/procs.sb" | tr ',' '\n' | grep -c . || true)
if [ "$n" -ge 1 ] && [ "$n" -le 3 ]; then
	ok "/proc holds only the sandbox's own processes ($(grep '^pids' "$tmp/procs.sb"))"
else
	notok "/proc under the sandbox: $(head -n 1 "$tmp/procs.sb")"
fi

# ---- the default from MICROPY_EXP_SANDBOX, the options over it
cat >"$t/where.py" <<'EOF'
import os
print(os.environ.get("HOME"), os.access(".", os.W_OK))
EOF
check "MICROPY_EXP_SANDBOX=1: sandboxed" 0 env MICROPY_EXP_SANDBOX=1 "$EXP" "$t/where.py" "$tmp/w1"
has_text "HOME /tmp, folder read-only" "$tmp/w1" "/tmp False"
check "MICROPY_EXP_SANDBOX=1 --no-sandbox: not" 0 env MICROPY_EXP_SANDBOX=1 "$EXP" --no-sandbox "$t/where.py" "$tmp/w2"
has_text "the real HOME, folder writable" "$tmp/w2" "$home True"
check "MICROPY_EXP_SANDBOX=0 --sandbox: sandboxed" 0 env MICROPY_EXP_SANDBOX=0 "$EXP" --sandbox "$t/where.py" "$tmp/w3"
has_text "HOME /tmp" "$tmp/w3" "/tmp False"
check "default (unset): no sandbox" 0 "$EXP" "$t/where.py" "$tmp/w4"
has_text "the real HOME" "$tmp/w4" "$home True"
check "MICROPY_EXP_SANDBOX=yes is a usage error" 2 env MICROPY_EXP_SANDBOX=yes "$EXP" "$t/where.py" "$tmp/w5"
has_text "naming the variable" "$tmp/e" "invalid value for MICROPY_EXP_SANDBOX: 'yes'"

# ---- a test that hangs: killed at the deadline, nothing left running
cat >"$t/hang_$mark.py" <<'EOF'
while True:
    pass
EOF
t0=$(date +%s)
check "a hanging test under the sandbox: exit 4" 4 "$EXP" --sandbox --timeout 1 "$t/hang_$mark.py" "$tmp/hang"
el=$(($(date +%s) - t0))
if [ "$el" -le 5 ]; then ok "given up after ${el} s"; else notok "given up after ${el} s"; fi
has_text "it says so" "$tmp/e" "did not finish"
sleep 0.3
if pgrep -f "hang_$mark" >/dev/null; then notok "the hanging CPython still runs: $(pgrep -af "hang_$mark")"; else ok "no CPython left running"; fi

# ---- no usable bwrap: one line, exit 4, never a run without the sandbox
# one_line DESCRIPTION: $tmp/e is exactly one line naming the problem and the way out
one_line() {
	expect "$1: one error line" "$(wc -l <"$tmp/e")" 1
	has_text "$1: it offers --no-sandbox" "$tmp/e" "--no-sandbox or MICROPY_EXP_SANDBOX=0"
}
check "TB_BWRAP missing: mp-exp exits 4" 4 env TB_BWRAP="$tmp/no-such-bwrap" "$EXP" --sandbox "$t/writes.py" "$tmp/x1"
one_line "TB_BWRAP missing"
has_text "it names the program and says how to install it" "$tmp/e" \
	"cannot run '$tmp/no-such-bwrap': No such file or directory (install bubblewrap"
if [ -e "$tmp/x1" ]; then notok "an output was written"; else ok "no output written"; fi
if [ -e "$t/$mark.txt" ]; then notok "the test ran without the sandbox"; else ok "the test did not run"; fi

printf '#!/bin/sh\necho "bwrap: No permissions to creating new namespace, likely because the kernel does not allow non-privileged user namespaces." >&2\nexit 1\n' >"$tmp/nons-bwrap"
chmod +x "$tmp/nons-bwrap"
check "bwrap without namespaces: mp-exp exits 4" 4 env TB_BWRAP="$tmp/nons-bwrap" "$EXP" --sandbox "$t/writes.py" "$tmp/x2"
one_line "bwrap without namespaces"
has_text "it quotes bwrap" "$tmp/e" "bwrap: No permissions to creating new namespace"
has_text "it says how to allow namespaces" "$tmp/e" "sysctl kernel.unprivileged_userns_clone=1"
if [ -e "$t/$mark.txt" ]; then notok "the test ran without the sandbox"; else ok "the test did not run"; fi
check "mp-exp --check-sandbox: works here" 0 "$EXP" --check-sandbox
check "mp-exp --check-sandbox, TB_BWRAP missing: exit 4" 4 env TB_BWRAP="$tmp/no-such-bwrap" "$EXP" --check-sandbox
one_line "--check-sandbox, TB_BWRAP missing"
check "mp-exp --check-sandbox, no namespaces: exit 4" 4 env TB_BWRAP="$tmp/nons-bwrap" "$EXP" --check-sandbox
one_line "--check-sandbox, no namespaces"
check "TB_BWRAP missing without --sandbox: not needed" 0 env TB_BWRAP="$tmp/no-such-bwrap" "$EXP" "$t/where.py" "$tmp/x3"

check "mp-exp --help mentions --sandbox" 0 "$EXP" --help
has_text "the option" "$tmp/o" "--sandbox"
has_text "its default" "$tmp/o" "MICROPY_EXP_SANDBOX"
check "mp-runtest --help mentions --sandbox" 0 "$R" --help
has_text "the option" "$tmp/o" "--sandbox"

# ---- mp-runtest on a virtual board: the expected output made in the sandbox
cat >"$t/board.py" <<'EOF'
print("hello", 1 + 2, 7 // 2, 2**100)
print([x * x for x in range(5)], {"a": 1})
EOF
if [ -d node_modules/@micropython ]; then
	start_vboard wasm "$tmp/vb" || notok "the virtual board did not start"
	check "mp-runtest --sandbox: a test passes against CPython's sandboxed output" 0 \
		"$R" --port "$tmp/vb" --sandbox -j "$t/board.py"
	has_text "expected from CPython" "$tmp/o" '"expected_from":"cpython"'
	check "mp-runtest --sandbox, TB_BWRAP missing: exit 4" 4 env TB_BWRAP="$tmp/no-such-bwrap" \
		"$R" --port "$tmp/vb" --sandbox "$t/board.py"
	one_line "mp-runtest, TB_BWRAP missing"
	check "mp-runtest MICROPY_EXP_SANDBOX=1, TB_BWRAP missing: exit 4" 4 env MICROPY_EXP_SANDBOX=1 \
		TB_BWRAP="$tmp/no-such-bwrap" "$R" --port "$tmp/vb" "$t/board.py"
	check "mp-runtest --no-sandbox over MICROPY_EXP_SANDBOX=1: runs" 0 env MICROPY_EXP_SANDBOX=1 \
		TB_BWRAP="$tmp/no-such-bwrap" "$R" --port "$tmp/vb" --no-sandbox "$t/board.py"
else
	skip=$((skip + 1))
	echo "skip - mp-runtest on a virtual board: node_modules/@micropython is missing (npm ci)"
fi

finish
