#!/bin/sh
# select-tests: which tests of a MicroPython tests folder a board runs, and why it skips the others,
# decided as MicroPython's tests/run-tests.py decides it from the board's feature checks.
#
# usage: scripts/select-tests.sh [--emit bytecode|native|viper] [--skip-file FILE]...
#                                TESTS_DIR TARGET_JSON [SELECTION...]
#
# TARGET_JSON is the board's probe (mp-runtest --probe). A key missing from it means "supported or
# unknown": it skips nothing. SELECTION: folders, files or shell globs relative to TESTS_DIR; a folder
# (or a glob matching one) gives its top-level *.py files. Without a selection: the folders run-tests.py
# runs on a board (basics micropython misc extmod stress, plus float / unicode / thread /
# inlineasm/<arch> / ports/<port> when the board has them), those that exist.
# --skip-file FILE: more skips, lines "TEST<TAB>REASON" (TEST may hold * and ?; # starts a comment).
#
# Output, sorted by test: one line per test file "TEST<TAB>run<TAB>" or "TEST<TAB>skip<TAB>REASON".
# Exit: 0 ok, 2 usage (a selection that matches nothing, an unreadable TARGET_JSON), 4 local trouble.
set -eu
export LC_ALL=C

prog=select-tests
synopsis="usage: select-tests.sh [--emit bytecode|native|viper] [--skip-file FILE]... TESTS_DIR TARGET_JSON [SELECTION...]"
TAB=$(printf '\t')
CR=$(printf '\r')
NL='
'

usage() {
	cat <<EOF
$synopsis

Print one line per test: TEST<TAB>run|skip<TAB>REASON, sorted by test (TEST relative to TESTS_DIR).

  TESTS_DIR           a MicroPython tests folder
  TARGET_JSON         the board's probe, as written by mp-runtest --probe (a missing key skips nothing)
  SELECTION           folders, files or shell globs relative to TESTS_DIR (default: the folders
                      run-tests.py runs on this board; the word :default stands for them)
  --emit EMITTER      bytecode (default), native or viper: native skips the tests run-tests.py skips
                      for the native emitter
  --skip-file FILE    more skips: lines TEST<TAB>REASON, TEST may hold * and ?, # comments (repeatable)
  -h, --help          this help

Exit status: 0 ok, 2 usage or a selection that matches nothing, 4 local trouble.
EOF
}

# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

start_work
: >"$tmp/skips"

# add_skip_file FILE: append its entries to $tmp/skips as "TEST<TAB>REASON" lines
add_skip_file() {
	if [ ! -f "$1" ] || [ ! -r "$1" ]; then
		die 2 "cannot read skip file '$1'"
	fi
	while IFS= read -r line || [ -n "$line" ]; do
		line=${line%"$CR"}
		case $line in
		'' | '#'*) continue ;;
		*"$TAB"*)
			t=${line%%"$TAB"*}
			r=${line#*"$TAB"}
			;;
		*)
			t=$line
			r=
			;;
		esac
		# trim blanks around both fields
		t=${t#"${t%%[![:blank:]]*}"}
		t=${t%"${t##*[![:blank:]]}"}
		r=${r#"${r%%[![:blank:]]*}"}
		r=${r%"${r##*[![:blank:]]}"}
		[ -n "$t" ] || continue
		[ -n "$r" ] || r="listed in $1"
		printf '%s\t%s\n' "$t" "$r" >>"$tmp/skips"
	done <"$1"
}

emit=bytecode
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help)
		usage
		exit 0
		;;
	--emit | --skip-file)
		[ $# -ge 2 ] || die 2 "option '$1' needs a value"
		opt=$1 val=$2
		shift 2
		;;
	--emit=* | --skip-file=*)
		opt=${1%%=*} val=${1#*=}
		shift
		;;
	--)
		shift
		break
		;;
	-?*)
		echo "$synopsis" >&2
		die 2 "unknown option '$1'"
		;;
	*) break ;;
	esac
	case $opt in
	--emit)
		case $val in
		bytecode | native | viper) emit=$val ;;
		*) die 2 "--emit: '$val' is not bytecode, native or viper" ;;
		esac
		;;
	--skip-file) add_skip_file "$val" ;;
	esac
done

if [ $# -lt 2 ]; then
	echo "$synopsis" >&2
	exit 2
fi
tests_dir=$1
target=$2
shift 2

[ -d "$tests_dir" ] || die 2 "'$tests_dir' is not a folder: give a MicroPython tests folder"
if [ ! -f "$target" ] || [ ! -r "$target" ]; then
	die 2 "cannot read '$target': write it with 'mp-runtest --probe --result FILE'"
fi
# one jq for the target: line 1 the target (compact, for the rules below), then the folders run-tests.py
# runs on this board when no test is named
jq -rcs '
	def lacks($k): .[$k] == false;
	if length != 1 or (.[0] | type) != "object" then error("not one object") else .[0] end
	| ., "basics", "micropython", "misc", "extmod", "stress",
	(if (.float_prec | type) == "number" and .float_prec <= 0 then empty else "float" end),
	(if lacks("unicode") then empty else "unicode" end),
	(if has("thread") and .thread == null then empty else "thread" end),
	(if (.inlineasm | type) == "string" then "inlineasm/\(.inlineasm)" else empty end),
	(if (.platform | type) == "string" then
		"ports/" + ({"pyboard": "stm32", "WiPy": "cc3200", "linux": "unix", "darwin": "unix",
			"win32": "unix"}[.platform] // .platform)
	else empty end)' "$target" >"$tmp/probe" 2>/dev/null ||
	die 2 "'$target' is not a JSON object: write it with 'mp-runtest --probe --result FILE'"
sed -n 1p "$tmp/probe" >"$tmp/target.json"
sed 1d "$tmp/probe" >"$tmp/dirs"

# List the tests of the selection (or of the default folders), one per line, relative to TESTS_DIR,
# into $tmp/list. Runs in a subshell inside TESTS_DIR so that globs and names are relative to it.
list_tests() {
	cd "$tests_dir" || die 2 "cannot enter '$tests_dir'"
	count=0
	if [ $# -eq 0 ]; then
		while IFS= read -r d; do
			[ ! -d "$d" ] || list_dir "$d"
		done <"$tmp/dirs"
		[ "$count" -gt 0 ] || die 2 "'$tests_dir' holds none of the test folders to run (basics, micropython, misc, extmod, stress, ...): give a MicroPython tests folder"
		return 0
	fi
	IFS= # for the globs below: pathname expansion without field splitting
	for sel in "$@"; do
		if [ "$sel" = :default ]; then
			# the default folders among others (test groups add their own folders to them)
			before=$count
			while IFS= read -r d; do
				[ ! -d "$d" ] || list_dir "$d"
			done <"$tmp/dirs"
			[ "$count" -gt "$before" ] || die 2 "'$tests_dir' holds none of the test folders to run (basics, micropython, misc, extmod, stress, ...): give a MicroPython tests folder"
			continue
		fi
		s=$sel
		while :; do
			case $s in
			./*) s=${s#./} ;;
			*//*) s=$(printf '%s' "$s" | sed 's#//*#/#g') ;;
			?*/) s=${s%/} ;;
			*) break ;;
			esac
		done
		[ "$s" != . ] || s=
		before=$count
		if [ -z "$s" ] || [ -d "$s" ]; then
			list_dir "$s"
		elif [ -f "$s" ]; then
			emit_test "$s"
		else
			case $s in
			*[*?[]*)
				for f in $s; do
					if [ -d "$f" ]; then
						list_dir "$f"
					elif [ -f "$f" ]; then
						case $f in *.py) emit_test "$f" ;; esac
					fi
				done
				;;
			esac
		fi
		[ "$count" -gt "$before" ] || die 2 "'$sel' matches no test in '$tests_dir'"
	done
}

# emit_test NAME: one test name to the list, refusing names the output format cannot carry
emit_test() {
	case $1 in
	*"$TAB"* | *"$NL"*) die 2 "a test name with a tab or newline cannot be listed: '$1' (rename the file)" ;;
	esac
	printf '%s\n' "$1" >>"$tmp/list"
	count=$((count + 1))
}

# list_dir DIR: the top-level *.py files of DIR ("" = TESTS_DIR itself)
list_dir() {
	# shellcheck disable=SC2231 # "$1" is quoted; only the optional slash and the glob are not
	for f in ${1:+"$1"/}*.py; do
		[ ! -f "$f" ] || emit_test "$f"
	done
}

: >"$tmp/list"
(list_tests "$@")

# names must be UTF-8 to go through jq unchanged
if bad=$(LC_ALL=C.UTF-8 grep -axv '.*' "$tmp/list"); then
	die 2 "test names that are not UTF-8 cannot be listed: $(printf '%s' "$bad" | head -n 3 | tr '\n' ' ')(rename the files)"
fi

# One jq over all names: the skip rules of run-tests.py, then the project's skip files.
# Names are "the file name without .py" (os.path.splitext of the basename).
jq -nrR --slurpfile t "$tmp/target.json" --rawfile skips "$tmp/skips" --arg emit "$emit" '
$t[0] as $t
# an explicit false only: a missing key (or null) means supported or unknown
| def lacks($k): $t[$k] == false;
def add($reason; $names): reduce $names[] as $n (.; if has($n) then . else .[$n] = $reason end);
def isnum: type == "number";
def stem: (split("/") | last) as $b | ($b | rindex(".")) as $i
	| if $i != null and $i > 0 then $b[:$i] else $b end;

($t.float_prec) as $fp
| ($t.platform) as $pf
| ($t.error_reporting) as $er

# name rules, in run-tests.py order
| def by_name($s):
	if lacks("native") and (($s | startswith("native_")) or ($s | startswith("viper_"))) then "no native emitter"
	elif lacks("endian_matches_host") and ($s | endswith("_endian")) then "byte order differs from the host"
	elif lacks("int_big") and (($s | startswith("int_big")) or ($s | endswith("_intbig"))
		or ($s | startswith("ffi_int"))) then "no big integers"
	elif lacks("int_64") and (($s | startswith("int_64")) or ($s | endswith("_int64"))) then "no 64-bit integers"
	elif lacks("bytearray") and (($s | startswith("bytearray")) or ($s | endswith("_bytearray"))) then "no bytearray"
	elif lacks("set") and (($s | startswith("set_")) or ($s | startswith("frozenset"))
		or ($s | endswith("_set"))) then "no set type"
	elif lacks("slice") and ($s | contains("slice")) then "no slice"
	elif lacks("async") and (($s | startswith("async_")) or ($s | startswith("asyncio_"))
		or ($s | endswith("_async"))) then "no async/await"
	elif lacks("const") and ($s | startswith("const")) then "no const"
	elif lacks("reverse_ops") and ($s | contains("reverse_op")) then "no reverse operators"
	elif lacks("fstring") and ($s | startswith("string_fstring")) then "no f-strings"
	elif lacks("tstring") and (($s | startswith("string_tstring")) or ($s | endswith("_tstring"))) then "no t-strings"
	elif ($t | has("inlineasm")) and $t.inlineasm == null and ($s | startswith("asm")) then "no inline assembler"
	else null end;

# fixed lists: test path -> reason (the first rule to name a test gives its reason)
({}
| if ($fp | isnum) and $fp == 0 then add("no float"; [
	"extmod/asyncio_basic.py", "extmod/asyncio_basic2.py", "extmod/asyncio_cancel_task.py",
	"extmod/asyncio_event.py", "extmod/asyncio_fair.py", "extmod/asyncio_gather.py",
	"extmod/asyncio_gather_notimpl.py", "extmod/asyncio_get_event_loop.py",
	"extmod/asyncio_iterator_event.py", "extmod/asyncio_lock.py", "extmod/asyncio_task_done.py",
	"extmod/asyncio_wait_for.py", "extmod/asyncio_wait_for_fwd.py",
	"extmod/asyncio_wait_for_linked_task.py", "extmod/asyncio_wait_task.py", "extmod/json_dumps_float.py",
	"extmod/json_loads_float.py", "extmod/random_extra_float.py", "extmod/select_poll_eintr.py",
	"extmod/tls_threads.py", "extmod/uctypes_le_float.py", "extmod/uctypes_native_float.py",
	"extmod/uctypes_sizeof_float.py", "extmod/vfs_rom.py", "micropython/const_float.py", "misc/rge_sm.py",
	"ports/unix/ffi_float.py", "ports/unix/ffi_float2.py"]) else . end
| if ($fp | isnum) and $fp < 32 then add("float precision \($fp) < 32"; [
	"float/float2int_intbig.py", "float/float_struct_e.py", "float/bytes_construct.py",
	"float/bytearray_construct.py", "float/float_format_ints_power10.py"]) else . end
| if ($fp | isnum) and $fp < 64 then add("float precision \($fp) < 64"; [
	"float/float_divmod.py", "float/float2int_doubleprec_intbig.py", "float/float_struct_e_doubleprec.py",
	"float/float_format_ints_doubleprec.py", "float/float_parse_doubleprec.py"]) else . end
| if lacks("unicode") then add("no unicode"; ["extmod/json_loads.py"]) else . end
| if lacks("slice") then add("no slice"; [
	"basics/builtin_range.py", "basics/bytearray1.py", "basics/class_super.py", "basics/containment.py",
	"basics/errno1.py", "basics/fun_str.py", "basics/generator1.py", "basics/globals_del.py",
	"basics/memoryview1.py", "basics/memoryview_gc.py", "basics/object1.py", "basics/python34.py",
	"basics/struct_endian.py", "extmod/btree1.py", "extmod/deflate_decompress.py", "extmod/framebuf16.py",
	"extmod/framebuf4.py", "extmod/machine1.py", "extmod/time_mktime.py", "extmod/time_res.py",
	"extmod/tls_sslcontext_ciphers.py", "extmod/vfs_blockdev_invalid2.py", "extmod/vfs_fat_fileio1.py",
	"extmod/vfs_fat_finaliser.py", "extmod/vfs_fat_more.py", "extmod/vfs_fat_ramdisk.py",
	"extmod/vfs_fat_ramdisklarge.py", "extmod/vfs_lfs.py", "extmod/vfs_rom.py",
	"float/string_format_modulo.py", "micropython/builtin_execfile.py", "micropython/extreme_exc.py",
	"micropython/heapalloc_fail_bytearray.py", "micropython/heapalloc_fail_list.py",
	"micropython/heapalloc_fail_memoryview.py", "micropython/import_mpy_invalid.py",
	"micropython/import_mpy_native.py", "micropython/import_mpy_native_gc.py", "micropython/ringio_big.py",
	"misc/non_compliant.py", "misc/rge_sm.py"]) else . end
| if lacks("complex") then add("no complex numbers"; [
	"float/complex1.py", "float/complex1_intbig.py", "float/complex1_micropython.py",
	"float/complex_reverse_op.py", "float/complex_special_methods.py", "float/int_big_float.py",
	"float/true_value.py", "float/types.py", "float/complex_dunder.py"]) else . end
| if lacks("coverage") then add("not a coverage build"; [
	"cmdline/cmd_parsetree.py", "cmdline/repl_sys_ps1_ps2.py", "extmod/ssl_poll.py",
	"basics/class_dict_order.py"]) else . end
| if $t.inlineasm == "thumb" and lacks("thumb2") then add("no Thumb-2 inline assembler"; [
	"inlineasm/thumb/asmbcc.py", "inlineasm/thumb/asmbitops.py", "inlineasm/thumb/asmconst.py",
	"inlineasm/thumb/asmdiv.py", "inlineasm/thumb/asmfpaddsub.py", "inlineasm/thumb/asmfpcmp.py",
	"inlineasm/thumb/asmfpldrstr.py", "inlineasm/thumb/asmfpmuldiv.py", "inlineasm/thumb/asmfpsqrt.py",
	"inlineasm/thumb/asmit.py", "inlineasm/thumb/asmspecialregs.py"]) else . end
| if ($pf | type) == "string" and ([$pf] | inside(["linux", "darwin", "win32"]) | not) then
	add("platform \($pf) (not linux, darwin or win32)"; [
	"basics/exception_chain.py", "micropython/meminfo.py", "unicode/file1.py", "unicode/file2.py",
	"unicode/file_invalid.py"]) else . end
| if $emit == "native" then add("emit native"; [
	"basics/gen_yield_from_close.py", "basics/try_finally_return2.py", "basics/try_reraise.py",
	"basics/try_reraise2.py", "misc/features.py", "basics/annotate_var.py", "basics/del_deref.py",
	"basics/del_local.py", "basics/scope_implicit.py", "basics/unboundlocal.py", "basics/exception_chain.py",
	"micropython/heapalloc_slice.py", "micropython/schedule.py", "misc/sys_exc_info.py",
	"misc/sys_settrace_cov.py", "misc/sys_settrace_features.py", "misc/sys_settrace_generator.py",
	"misc/sys_settrace_loop.py", "stress/bytecode_limit.py"]) else . end
| if ($pf | type) == "string" then add("platform \($pf)"; {
	"esp8266": ["stress/list_sort.py"],
	"minimal": ["basics/class_inplace_op.py", "basics/subclass_native_init.py", "micropython/opt_level.py"],
	"nrf": ["basics/io_buffered_writer.py", "basics/io_bytesio_cow.py", "basics/io_bytesio_ext.py",
		"basics/io_bytesio_ext2.py", "basics/io_iobase.py", "basics/io_stringio1.py",
		"basics/io_stringio_base.py", "basics/io_stringio_with.py", "basics/io_write_ext.py",
		"basics/memoryview1.py", "extmod/random_basic.py", "micropython/opt_level.py", "misc/non_compliant.py"],
	"renesas-ra": ["extmod/time_time_ns.py"],
	"rp2": ["thread/stress_heap.py", "thread/thread_lock2.py", "thread/thread_lock3.py",
		"thread/thread_shared2.py"],
	"webassembly": ["basics/string_format_modulo.py", "basics/string_strip.py",
		"basics/weakref_callback_exception.py", "basics/weakref_ref_collect.py",
		"basics/weakref_finalize_collect.py", "extmod/asyncio_basic2.py", "extmod/asyncio_cancel_self.py",
		"extmod/asyncio_current_task.py", "extmod/asyncio_exception.py",
		"extmod/asyncio_gather_finished_early.py", "extmod/asyncio_get_event_loop.py",
		"extmod/asyncio_heaplock.py", "extmod/asyncio_loop_stop.py", "extmod/asyncio_new_event_loop.py",
		"extmod/asyncio_threadsafeflag.py", "extmod/asyncio_wait_for_fwd.py",
		"extmod/asyncio_event_queue.py", "extmod/asyncio_iterator_event.py",
		"extmod/asyncio_wait_for_linked_task.py", "extmod/binascii_a2b_base64.py",
		"extmod/deflate_compress_memory_error.py", "extmod/re_stack_overflow.py",
		"extmod/re_stack_overflow2.py", "extmod/time_res.py", "extmod/vfs_posix.py",
		"extmod/vfs_posix_enoent.py", "extmod/vfs_posix_paths.py", "extmod/vfs_userfs.py",
		"micropython/emg_exc.py", "micropython/extreme_exc.py",
		"micropython/heapalloc_exc_compressed_emg_exc.py"],
	"WiPy": ["misc/print_exception.py"],
	"zephyr": ["thread/stress_heap.py", "thread/thread_lock3.py"]
	}[$pf] // []) else . end
| if $er == "none" or $er == "terse" then add("error reporting \($er)"; [
	"micropython/heapalloc_exc_compressed.py", "micropython/heapalloc_exc_compressed_emg_exc.py",
	"micropython/opt_level_lineno.py", "misc/print_exception.py"]) else . end
) as $fixed

# the project skip files: exact names, and patterns with * and ?
| ($skips | split("\n") | map(select(length > 0) | split("\t") | {test: .[0], reason: (.[1:] | join("\t"))}))
	as $extra
| (reduce ($extra[] | select(.test | test("[*?]") | not)) as $e ({};
	if has($e.test) then . else .[$e.test] = $e.reason end)) as $extra_exact
| [$extra[] | select(.test | test("[*?]")) | {reason,
	re: ("^" + (.test | explode | map(
		if . == 42 then "[^/]*"
		elif . == 63 then "[^/]"
		elif ([.] | implode | test("[.^$+(){}|\\\\\\[\\]]")) then "\\" + ([.] | implode)
		else [.] | implode end) | join("")) + "$")}] as $extra_glob

| [inputs] | unique | .[]
| . as $n
| (by_name($n | stem)
	// $fixed[$n]
	// (if $t.thread == "unsafe" and ($n | startswith("thread/mutate_")) then "thread unsafe" else null end)
	// $extra_exact[$n]
	// first($extra_glob[] | select(. as $g | $n | test($g.re)) | .reason)
	// null) as $r
| if $r == null then "\($n)\trun\t" else "\($n)\tskip\t\($r)" end
' <"$tmp/list"
