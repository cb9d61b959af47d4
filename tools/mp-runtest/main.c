/* mp-runtest: run one MicroPython test on one board over its serial port and reach the verdict that
 * MicroPython's tests/run-tests.py would reach. */
#include "exitcodes.h"
#include "expected.h"
#include "fileio.h"
#include "json.h"
#include "regexexp.h"
#include "runtest.h"
#include "serial.h"
#include "util.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>

#define VERSION "0.1"

static void usage(FILE *f)
{
	fprintf(f, "usage: %s --port PATH [options] TEST.py\n"
		   "       %s --port PATH --probe [--feature-dir DIR] [--result target.json]\n",
		tb_progname, tb_progname);
}

static void help(void)
{
	usage(stdout);
	printf("\n"
	       "Runs one test on a MicroPython board through its raw REPL (soft reset, raw-paste or plain raw\n"
	       "mode, a real deadline) and judges it as MicroPython's tests/run-tests.py does.\n"
	       "\n"
	       "  -p, --port PATH        serial port of the board (required)\n"
	       "  -B, --baud N           baud rate (default 115200; ignored by USB CDC and ptys)\n"
	       "  -e, --exp FILE         expected output (default: TEST.py.<emit>.exp, TEST.py.exp, else CPython)\n"
	       "  -t, --timeout S        deadline for the test (default $MICROPY_TEST_TIMEOUT, else 30)\n"
	       "      --enter-timeout S  deadline to enter raw REPL (default 10)\n"
	       "      --port-wait S      wait up to S seconds while another process holds the port (a\n"
	       "                         multi-board test of the same run; default 0: busy is an error)\n"
	       "  -r, --result FILE      write the result as JSON to FILE (atomically)\n"
	       "  -o, --out-dir DIR      on failure write <name>.out and <name>.exp there as run-tests.py does\n"
	       "                         (name = test path with '/' as '_'); removed again when the test passes\n"
	       "  -n, --name NAME        the test's name (default: its path relative to --tests-dir)\n"
	       "  -T, --tests-dir DIR    the tests folder the name is relative to\n"
	       "  -b, --board LABEL      board label for messages and the result\n"
	       "      --emit E           bytecode (default), native or viper: picks TEST.py.<E>.exp first; native\n"
	       "                         and viper need --via-mpy\n"
	       "      --via-mpy          compile the test with mpy-cross on the host and let the board import the\n"
	       "                         .mpy from RAM (run-tests.py --via-mpy); a test mpy-cross refuses fails\n"
	       "      --mpy-cross CMD    the compiler (default $MICROPY_MPYCROSS, else mpy-cross; words split at\n"
	       "                         blanks, e.g. 'node mpy-cross-wasm.mjs')\n"
	       "      --mpy-cross-flags F  more flags for it, e.g. -march=armv6m (the board's arch)\n"
	       "      --natmod NAME=FILE import the native module FILE (.mpy) as NAME before the test, as\n"
	       "                         run-natmodtests.py does\n"
	       "      --regex-exp        treat the .exp as a regex .exp (default: only for the tests that\n"
	       "                         run-tests.py lists); --no-regex-exp never\n"
	       "      --python CMD       CPython for expected output (default $MICROPY_CPYTHON3, else python3)\n"
	       "      --output-cap BYTES keep at most this much output (default 64 MiB)\n"
	       "      --no-raw-paste     send the code in plain raw mode (default: raw-paste when the board has it)\n"
	       "      --probe            run the feature checks instead and write target.json to --result\n"
	       "      --identity FILE    instead of a test, write the firmware's identity\n"
	       "                         (<_build>;<sys.version>;<_build>) to FILE, only when it changed\n"
	       "      --ensure-module M  instead of a test, check that 'import M' works; if not, copy M.py or the\n"
	       "                         package M/ from --module-from DIR to the board's lib folder (the first\n"
	       "                         sys.path entry ending in /lib) and check again\n"
	       "      --module-from DIR  where --ensure-module finds the module (e.g. micropython-lib's\n"
	       "                         python-stdlib/unittest)\n"
	       "      --perf N,M         TEST is a benchmark of perf_bench: run it with the harness and bm_run(N, M)\n"
	       "                         (N: CPU MHz, M: heap KiB); pass with its figures in the result (\"perf\"),\n"
	       "                         skip when it has no parameters for the board\n"
	       "      --perf-harness F   the harness for --perf (MicroPython's tests/perf_bench/benchrun.py)\n"
	       "      --wipe-fs DIR      instead of a test, remove every file and folder under DIR on the board\n"
	       "                         ('.': the folder the firmware starts in, its flash filesystem); exit 0\n"
	       "                         emptied, 1 some entries could not be removed\n"
	       "      --wlan-join        instead of a test, connect the board to the WLAN named by WLAN_SSID and\n"
	       "                         WLAN_PASS in the environment (never printed nor traced); exit 0 joined,\n"
	       "                         3 not joined, 5 the firmware has no network module\n"
	       "      --ok FILE          create FILE when the test passed or was skipped, remove it otherwise\n"
	       "                         (a make target that is up to date exactly when no rerun is needed)\n"
	       "      --tag TEXT         start the human line with TEXT (e.g. '[vb0 12/180]')\n"
	       "      --feature-dir DIR  feature checks (default: TESTS_DIR/feature_check, else the project's own)\n"
	       "  -j, --json             print the result as one JSON line instead of a human line\n"
	       "  -q, --quiet            print nothing on success\n"
	       "  -v, --verbose          trace the bytes exchanged with the board on stderr\n"
	       "  -h, --help             this text\n"
	       "  -V, --version          the version\n"
	       "\n"
	       "Output: one line like run-tests.py's, e.g. 'pass  basics/int1.py (12 ms)', 'FAIL  ...', 'skip  ...',\n"
	       "'lrge  ...' (too large for the board), 'FAIL  ... (timeout ...)', 'ERROR ...' (the board could not\n"
	       "run it). Verdicts in JSON: pass, fail, skip, lrge, timeout, error.\n"
	       "\n"
	       "Exit status:\n"
	       "  0  the test passed or was skipped (--probe: the probe worked)\n"
	       "  1  the test failed, or timed out and the board recovered after Ctrl-C\n"
	       "  2  usage error\n"
	       "  3  the board needs attention: port busy or gone, no raw REPL, hung after Ctrl-C\n"
	       "  4  local trouble: cannot read the test, write the result, or get the expected output\n"
	       "  5  the board lacks unittest, which the test needs: stop testing this board; --ensure-module:\n"
	       "     the module is missing and could not be installed\n");
}

static char *default_name(const char *test, const char *tests_dir)
{
	if (tests_dir) {
		char *t = realpath(test, NULL), *d = realpath(tests_dir, NULL);
		if (t && d) {
			size_t n = strlen(d);
			if (strncmp(t, d, n) == 0 && t[n] == '/') {
				char *name = tb_xstrdup(t + n + 1);
				free(t);
				free(d);
				return name;
			}
		}
		free(t);
		free(d);
	}
	while (test[0] == '.' && test[1] == '/')
		test += 2;
	return tb_xstrdup(test);
}

/* run-tests.py's base name for .out/.exp files */
static char *result_base(const char *name)
{
	char *b = tb_xstrdup(name);
	for (char *p = b; *p; p++)
		if (*p == '/')
			*p = '_';
	return b;
}

/* the script sent to the board: START TEST first, on the first line when the file starts with '#'
 * so that line numbers in tracebacks stay right */
static void build_script(const struct buf *test, struct buf *script)
{
	buf_adds(script, "print('START TEST')");
	if (test->len == 0 || test->data[0] != '#')
		buf_addc(script, '\n');
	buf_add(script, test->data, test->len);
}

static int write_failure_files(const char *out_dir, const char *name, const struct buf *exp, int have_exp,
			       const struct buf *out, int failed)
{
	char *base = result_base(name);
	char *pe = tb_xasprintf("%s/%s.exp", out_dir, base);
	char *po = tb_xasprintf("%s/%s.out", out_dir, base);
	int rc = 0;
	if (!failed) {
		unlink(pe);
		unlink(po);
	} else if (file_mkdirs_for(pe) != 0) {
		rc = -1;
	} else {
		if (have_exp)
			rc |= file_write_atomic(pe, exp->data, exp->len);
		else
			unlink(pe);
		rc |= file_write_atomic(po, out->data, out->len);
	}
	free(base);
	free(pe);
	free(po);
	return rc;
}

int main(int argc, char **argv)
{
	tb_set_progname(argv[0]);
	signal(SIGPIPE, SIG_IGN);
	struct options o = {
		.baud = 115200,
		.emit = "bytecode",
		.timeout_ms = 30000,
		.enter_timeout_ms = 10000,
		.interrupt_ms = 3000,
		.output_cap = 64u << 20,
		.regex = -1,
	};
	const char *env = getenv("MICROPY_TEST_TIMEOUT");
	if (env && *env && tb_parse_seconds(env, 100, 86400000, "MICROPY_TEST_TIMEOUT", &o.timeout_ms) != 0)
		return TB_EXIT_USAGE;
	o.python = getenv("MICROPY_CPYTHON3");
	if (!o.python || !*o.python)
		o.python = "python3";

	enum {
		OPT_ENTER = 256, OPT_EMIT, OPT_REGEX, OPT_NOREGEX, OPT_PYTHON, OPT_CAP, OPT_PROBE, OPT_FEAT, OPT_NOPASTE,
		OPT_IDENTITY, OPT_TAG, OPT_OK, OPT_PORTWAIT, OPT_ENSURE, OPT_MODFROM, OPT_WLAN, OPT_PERF, OPT_HARNESS,
		OPT_VIAMPY, OPT_MPYCROSS, OPT_MPYFLAGS, OPT_NATMOD, OPT_WIPE,
	};
	static const struct option longopts[] = {
		{"port", required_argument, 0, 'p'},     {"baud", required_argument, 0, 'B'},
		{"exp", required_argument, 0, 'e'},      {"timeout", required_argument, 0, 't'},
		{"enter-timeout", required_argument, 0, OPT_ENTER},
		{"result", required_argument, 0, 'r'},   {"out-dir", required_argument, 0, 'o'},
		{"name", required_argument, 0, 'n'},     {"tests-dir", required_argument, 0, 'T'},
		{"board", required_argument, 0, 'b'},    {"emit", required_argument, 0, OPT_EMIT},
		{"regex-exp", no_argument, 0, OPT_REGEX}, {"no-regex-exp", no_argument, 0, OPT_NOREGEX},
		{"python", required_argument, 0, OPT_PYTHON}, {"output-cap", required_argument, 0, OPT_CAP},
		{"probe", no_argument, 0, OPT_PROBE},    {"no-raw-paste", no_argument, 0, OPT_NOPASTE},
		{"feature-dir", required_argument, 0, OPT_FEAT},
		{"identity", required_argument, 0, OPT_IDENTITY}, {"tag", required_argument, 0, OPT_TAG},
		{"ok", required_argument, 0, OPT_OK},    {"port-wait", required_argument, 0, OPT_PORTWAIT},
		{"ensure-module", required_argument, 0, OPT_ENSURE}, {"module-from", required_argument, 0, OPT_MODFROM},
		{"wlan-join", no_argument, 0, OPT_WLAN},
		{"perf", required_argument, 0, OPT_PERF}, {"perf-harness", required_argument, 0, OPT_HARNESS},
		{"via-mpy", no_argument, 0, OPT_VIAMPY}, {"mpy-cross", required_argument, 0, OPT_MPYCROSS},
		{"mpy-cross-flags", required_argument, 0, OPT_MPYFLAGS}, {"natmod", required_argument, 0, OPT_NATMOD},
		{"wipe-fs", required_argument, 0, OPT_WIPE},
		{"json", no_argument, 0, 'j'},           {"quiet", no_argument, 0, 'q'},
		{"verbose", no_argument, 0, 'v'},        {"help", no_argument, 0, 'h'},
		{"version", no_argument, 0, 'V'},        {0, 0, 0, 0},
	};
	int c;
	long v;
	while ((c = getopt_long(argc, argv, "p:B:e:t:r:o:n:T:b:jqvhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': o.port = optarg; break;
		case 'B':
			if (tb_parse_long(optarg, 1200, 4000000, "--baud", &o.baud) != 0)
				return TB_EXIT_USAGE;
			break;
		case 'e': o.exp_path = optarg; break;
		case 't':
			if (tb_parse_seconds(optarg, 100, 86400000, "--timeout", &o.timeout_ms) != 0)
				return TB_EXIT_USAGE;
			break;
		case OPT_PORTWAIT:
			if (tb_parse_seconds(optarg, 0, 86400000, "--port-wait", &o.port_wait_ms) != 0)
				return TB_EXIT_USAGE;
			break;
		case OPT_ENTER:
			if (tb_parse_seconds(optarg, 100, 600000, "--enter-timeout", &o.enter_timeout_ms) != 0)
				return TB_EXIT_USAGE;
			break;
		case 'r': o.result_path = optarg; break;
		case 'o': o.out_dir = optarg; break;
		case 'n': o.name = optarg; break;
		case 'T': o.tests_dir = optarg; break;
		case 'b': o.board = optarg; break;
		case OPT_EMIT:
			if (strcmp(optarg, "bytecode") != 0 && strcmp(optarg, "native") != 0 &&
			    strcmp(optarg, "viper") != 0) {
				tb_warn("invalid value for --emit: '%s' (bytecode, native or viper)", optarg);
				return TB_EXIT_USAGE;
			}
			o.emit = optarg;
			break;
		case OPT_REGEX: o.regex = 1; break;
		case OPT_NOREGEX: o.regex = 0; break;
		case OPT_PYTHON: o.python = optarg; break;
		case OPT_CAP:
			if (tb_parse_long(optarg, 1024, 1L << 40, "--output-cap", &v) != 0)
				return TB_EXIT_USAGE;
			o.output_cap = (size_t)v;
			break;
		case OPT_PROBE: o.probe = 1; break;
		case OPT_NOPASTE: o.no_paste = 1; break;
		case OPT_IDENTITY: o.identity_path = optarg; break;
		case OPT_ENSURE:
			if (!*optarg || strspn(optarg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != strlen(optarg)) {
				tb_warn("invalid value for --ensure-module: '%s' (a module name)", optarg);
				return TB_EXIT_USAGE;
			}
			o.ensure_module = optarg;
			break;
		case OPT_MODFROM: o.module_from = optarg; break;
		case OPT_WLAN: o.wlan_join = 1; break;
		case OPT_PERF: {
			char *comma = strchr(optarg, ',');
			if (!comma) {
				tb_warn("invalid value for --perf: '%s' (N,M: CPU MHz and heap KiB, e.g. 100,100)", optarg);
				return TB_EXIT_USAGE;
			}
			*comma = 0;
			if (tb_parse_long(optarg, 1, 100000, "--perf N", &o.perf_n) != 0 ||
			    tb_parse_long(comma + 1, 1, 100000000, "--perf M", &o.perf_m) != 0)
				return TB_EXIT_USAGE;
			break;
		}
		case OPT_HARNESS: o.perf_harness = optarg; break;
		case OPT_VIAMPY: o.via_mpy = 1; break;
		case OPT_WIPE:
			if (!*optarg || strpbrk(optarg, "\r\n")) {
				tb_warn("invalid value for --wipe-fs: '%s' (a folder on the board, or .)", optarg);
				return TB_EXIT_USAGE;
			}
			o.wipe_dir = optarg;
			break;
		case OPT_MPYCROSS: o.mpy_cross = optarg; break;
		case OPT_MPYFLAGS: o.mpy_cross_flags = optarg; break;
		case OPT_NATMOD: {
			char *eq = strchr(optarg, '=');
			if (!eq || eq == optarg || !eq[1] ||
			    strspn(optarg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != (size_t)(eq - optarg)) {
				tb_warn("invalid value for --natmod: '%s' (NAME=FILE.mpy, NAME a module name)", optarg);
				return TB_EXIT_USAGE;
			}
			*eq = 0;
			o.natmod_name = optarg;
			o.natmod_file = eq + 1;
			break;
		}
		case OPT_TAG: o.tag = optarg; break;
		case OPT_OK: o.ok_path = optarg; break;
		case OPT_FEAT: o.feature_dir = optarg; break;
		case 'j': o.json = 1; break;
		case 'q': o.quiet = 1; break;
		case 'v': o.verbose = 1; break;
		case 'h': help(); return tb_close_stdout() ? TB_EXIT_LOCAL : TB_EXIT_OK;
		case 'V': printf("mp-runtest %s (verdict rules %d)\n", VERSION, VERDICT_RULES_VERSION); return tb_close_stdout() ? TB_EXIT_LOCAL : TB_EXIT_OK;
		default: usage(stderr); return TB_EXIT_USAGE;
		}
	}
	if (!o.port) {
		tb_warn("no port given (--port PATH)");
		usage(stderr);
		return TB_EXIT_USAGE;
	}
	int no_test = o.probe || o.identity_path || o.ensure_module || o.wlan_join || o.wipe_dir;
	if (no_test ? optind != argc : optind != argc - 1) {
		usage(stderr);
		return TB_EXIT_USAGE;
	}
	if (!o.board)
		o.board = o.port;
	if (!o.perf_n != !o.perf_harness) {
		tb_warn("--perf and --perf-harness go together");
		return TB_EXIT_USAGE;
	}
	if (strcmp(o.emit, "bytecode") != 0 && !o.via_mpy) {
		tb_warn("--emit %s needs --via-mpy (the board's own compiler makes bytecode)", o.emit);
		return TB_EXIT_USAGE;
	}
	if ((o.via_mpy != 0) + (o.natmod_name != NULL) + (o.perf_n != 0) > 1) {
		tb_warn("--via-mpy, --natmod and --perf are different kinds of test: give one");
		return TB_EXIT_USAGE;
	}
	if (!o.mpy_cross) {
		o.mpy_cross = getenv("MICROPY_MPYCROSS");
		if (!o.mpy_cross || !*o.mpy_cross)
			o.mpy_cross = "mpy-cross";
	}

	int rc = TB_EXIT_LOCAL;
	struct serial port;
	struct repl repl;
	struct buf test = BUF_INIT, script = BUF_INIT, out = BUF_INIT, err = BUF_INIT, exp = BUF_INIT;
	struct buf diff = BUF_INIT, json = BUF_INIT, regex_exp = BUF_INIT;
	char *name = NULL, *exp_source = NULL, *regex_file = NULL;
	struct classified cl = {0};
	int port_open = 0;

	const char *test_path = no_test ? NULL : argv[optind];
	if (test_path) {
		if (file_read(test_path, &test) != 0) {
			tb_warn_errno("cannot read test '%s'", test_path);
			goto out;
		}
		name = o.name ? tb_xstrdup(o.name) : default_name(test_path, o.tests_dir);
	}

	int so = serial_open_wait(&port, o.port, o.baud, o.port_wait_ms);
	if (so != SERIAL_OK) {
		rc = TB_EXIT_BOARD;
		goto out;
	}
	port_open = 1;
	repl_init(&repl, &port.io);
	repl.verbose = o.verbose;
	if (o.no_paste)
		repl.paste = 0;

	if (o.identity_path) {
		rc = identify_board(&repl, &o);
		goto out;
	}
	if (o.ensure_module) {
		rc = ensure_module(&repl, &o);
		goto out;
	}
	if (o.wlan_join) {
		rc = wlan_join(&repl, &o);
		goto out;
	}
	if (o.wipe_dir) {
		rc = wipe_fs(&repl, &o);
		goto out;
	}
	if (o.probe) {
		rc = probe_board(&repl, &o);
		goto out;
	}

	int64_t t0 = tb_now_ms();
	int mpy_refused = 0;
	if (o.perf_n) {
		if (perf_script(&o, &test, &script) != 0)
			goto out;
	} else {
		build_script(&test, &script);
		struct buf wrapped = BUF_INIT;
		int st = 0;
		if (o.via_mpy)
			st = via_mpy_script(&o, name, &script, &wrapped, &cl.output);
		else if (o.natmod_name)
			st = natmod_script(&o, &script, &wrapped);
		if (st < 0) {
			buf_free(&wrapped);
			goto out;
		}
		if (o.via_mpy || o.natmod_name) {
			buf_free(&script);
			script = wrapped;
		}
		mpy_refused = st == 1;
	}
	struct board_run run;
	char failure[256];
	int attention = 0;
	if (!mpy_refused)
		attention = run_on_board(&repl, &o, &script, 0, &run, &out, &err, failure, sizeof failure);
	long ms = (long)(tb_now_ms() - t0);

	struct buf figures = BUF_INIT;
	int have_exp = 0;
	if (o.perf_n) {
		perf_classify(&run, &cl, &figures);
		goto judged;
	}
	/* a regex .exp applies to the tests run-tests.py lists, or when asked */
	int regex = o.regex == 1 || (o.regex == -1 && regexexp_is_listed(name));
	if (regex) {
		regex_file = o.exp_path ? tb_xstrdup(o.exp_path) : expected_file(test_path, o.emit);
		if (regex_file && file_read(regex_file, &regex_exp) != 0) {
			tb_warn_errno("cannot read '%s'", regex_file);
			goto out;
		}
	}
	if (mpy_refused) {
		/* the board never saw it: the compiler's complaint is the output, compared as usual */
		cl.verdict = VERDICT_NONE;
		cl.crashed = 1;
		snprintf(cl.reason, sizeof cl.reason, "mpy-cross refused it");
	} else {
		verdict_classify(&run, regex_file ? regex_exp.data : NULL, regex_exp.len, &cl);
	}
	if (cl.verdict == VERDICT_NONE && !cl.unittest) {
		int e;
		if (o.exp_path) {
			e = file_read(o.exp_path, &exp) == 0 ? EXPECTED_OK : EXPECTED_IOERR;
			if (e)
				tb_warn_errno("cannot read expected output '%s'", o.exp_path);
			exp_source = tb_xstrdup(o.exp_path);
		} else {
			e = expected_get(test_path, o.emit, o.python, 120000, &exp, &exp_source);
		}
		if (e != EXPECTED_OK)
			goto out;
		have_exp = 1;
		verdict_compare(&cl, exp.data, exp.len);
	}
	if (cl.verdict == VERDICT_NONE) /* unittest output decided it */
		cl.verdict = VERDICT_FAIL;
judged:;
	int failed = cl.verdict == VERDICT_FAIL || cl.verdict == VERDICT_TIMEOUT || cl.verdict == VERDICT_ERROR;
	if (failed && have_exp)
		verdict_diff(exp.data, exp.len, cl.output.data, cl.output.len, 20, &diff);

	if (o.out_dir && write_failure_files(o.out_dir, name, &exp, have_exp, &cl.output, failed) != 0)
		goto out;

	buf_addc(&json, '{');
	json_kv_str(&json, "test", name);
	json_kv_str(&json, "board", o.board);
	json_kv_str(&json, "port", o.port);
	json_kv_str(&json, "verdict", verdict_name(cl.verdict));
	json_kv_str(&json, "reason", cl.reason);
	json_kv_int(&json, "duration_ms", ms);
	json_kv_int(&json, "testcases", cl.testcases);
	json_kv_str(&json, "expected_from", exp_source ? exp_source : (cl.unittest ? "unittest" : NULL));
	json_kv_bool(&json, "regex_exp", regex_file != NULL);
	json_kv_bool(&json, "raw_paste", repl.paste == 1);
	json_kv_bool(&json, "output_truncated", out.len >= o.output_cap || err.len >= o.output_cap);
	json_kv_int(&json, "output_bytes", (long long)cl.output.len);
	/* the output itself, up to 64 KiB; the whole of it is in the .out file of a failure */
	size_t show = cl.output.len > 65536 ? 65536 : cl.output.len;
	json_kv_bytes(&json, "output", cl.output.data, show);
	if (have_exp && failed)
		json_kv_bytes(&json, "expected", exp.data, exp.len > 65536 ? 65536 : exp.len);
	if (diff.len)
		json_kv_bytes(&json, "diff", diff.data, diff.len);
	buf_add(&json, figures.data, figures.len);
	buf_free(&figures);
	buf_adds(&json, "}\n");

	if (o.result_path && (file_mkdirs_for(o.result_path) != 0 ||
			      file_write_atomic(o.result_path, json.data, json.len) != 0))
		goto out;

	if (o.ok_path) {
		/* the make target of a test that needs no rerun: present exactly when it passed or skipped */
		if (!failed) {
			if (file_write_atomic(o.ok_path, "", 0) != 0)
				goto out;
		} else if (unlink(o.ok_path) != 0 && errno != ENOENT) {
			tb_warn_errno("cannot remove '%s'", o.ok_path);
			goto out;
		}
	}
	if (o.json) {
		fwrite(json.data, 1, json.len, stdout);
	} else if (!o.quiet || failed) {
		const char *prefix = o.board != o.port ? o.board : NULL;
		if (o.tag)
			prefix = o.tag;
		printf("%s%s%s %s (%s%s%ld ms)\n", prefix ? prefix : "", prefix ? " " : "",
		       verdict_console(cl.verdict), name, cl.reason, cl.reason[0] ? ", " : "", ms);
	}

	if (cl.no_unittest) {
		tb_warn("%s: test %s requires unittest (install it with 'mpremote mip install unittest')", o.board,
			name);
		rc = TB_EXIT_SETUP;
	} else if (attention) {
		rc = TB_EXIT_BOARD;
	} else {
		rc = failed ? TB_EXIT_FAIL : TB_EXIT_OK;
	}
out:
	if (port_open)
		serial_close(&port);
	classified_free(&cl);
	buf_free(&test);
	buf_free(&script);
	buf_free(&out);
	buf_free(&err);
	buf_free(&exp);
	buf_free(&diff);
	buf_free(&json);
	buf_free(&regex_exp);
	free(name);
	free(exp_source);
	free(regex_file);
	if (tb_close_stdout() != 0 && rc == TB_EXIT_OK)
		rc = TB_EXIT_LOCAL;
	return rc;
}
