/* mp-runtest: run one MicroPython test on one board over its serial port and reach the verdict that
 * MicroPython's tests/run-tests.py would reach. */
#include "boardlock.h"
#include "exitcodes.h"
#include "expected.h"
#include "fileio.h"
#include "json.h"
#include "regexexp.h"
#include "runtest.h"
#include "serial.h"
#include "datadir.h"
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
	       "      --sandbox          run that CPython in a bubblewrap sandbox: no network, files read-only (see\n"
	       "      --no-sandbox       mp-exp --help); default $MICROPY_EXP_SANDBOX (1 or 0), else no sandbox\n"
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
	       "      --count N          run the test N times (default 1): 'flaky' when some runs passed and some\n"
	       "                         failed (exit 1)\n"
	       "      --flaky-list FILE  known-flaky tests, lines TEST<TAB>REASON: their failures become\n"
	       "                         'ignored' (exit 0), as in run-tests.py; the tool's own list of\n"
	       "                         run-tests.py's is always read first (repeatable)\n"
	       "      --recover CMD      after an infrastructure error (port gone, garbage, no raw REPL) or a\n"
	       "                         test the board does not survive: run CMD (sh -c) to bring the board\n"
	       "                         back (a power cycle); the last line it prints that starts with / is the\n"
	       "                         board's port from then on. The test is run again, up to twice.\n"
	       "                         Without it the port is just opened again after 1 s\n"
	       "      --recover-timeout S  time limit of CMD (default 120)\n"
	       "      --port-file FILE   the port's path is in FILE instead of --port (a new port after\n"
	       "                         --recover is written back)\n"
	       "      --infra-state FILE infrastructure errors in a row, kept across tests; at 3 the board is\n"
	       "                         taken out of the run: its tests get verdict 'error' without touching it\n"
	       "      --board-lock FILE  hold FILE locked (flock) for the whole job, waiting up to an hour while\n"
	       "                         another test of the run, or the run's recovery of the board, holds it\n"
	       "      --kernel-log FILE  a file the kernel messages about this board are appended to: what it\n"
	       "                         gains during the test goes into the result (\"kernel_log\")\n"
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
	       "run it), 'FLAKY ...', 'ignored ...'. Verdicts in JSON: pass, fail, skip, lrge, timeout, error,\n"
	       "flaky, ignored.\n"
	       "\n"
	       "Exit status:\n"
	       "  0  the test passed or was skipped (--probe: the probe worked)\n"
	       "  1  the test failed, or timed out and the board recovered after Ctrl-C\n"
	       "  2  usage error; the port is no port at all (a file, a folder, /dev/null)\n"
	       "  3  the board needs attention: port (or --board-lock) busy or gone, no raw REPL, hung after\n"
	       "     Ctrl-C (a test: it met an infrastructure error it did not recover from, or its board is out\n"
	       "     of the run: verdict error)\n"
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
		.count = 1,
		.recover_ms = 120000,
	};
	const char *env = getenv("MICROPY_TEST_TIMEOUT");
	if (env && *env && tb_parse_seconds(env, 100, 86400000, "MICROPY_TEST_TIMEOUT", &o.timeout_ms) != 0)
		return TB_EXIT_USAGE;
	if (expected_sandbox_from_env() != 0)
		return TB_EXIT_USAGE;
	o.python = getenv("MICROPY_CPYTHON3");
	if (!o.python || !*o.python)
		o.python = "python3";

	enum {
		OPT_ENTER = 256, OPT_EMIT, OPT_REGEX, OPT_NOREGEX, OPT_PYTHON, OPT_CAP, OPT_PROBE, OPT_FEAT, OPT_NOPASTE,
		OPT_SANDBOX, OPT_NOSANDBOX,
		OPT_IDENTITY, OPT_TAG, OPT_OK, OPT_PORTWAIT, OPT_ENSURE, OPT_MODFROM, OPT_WLAN, OPT_PERF, OPT_HARNESS,
		OPT_VIAMPY, OPT_MPYCROSS, OPT_MPYFLAGS, OPT_NATMOD, OPT_WIPE, OPT_COUNT, OPT_FLAKY, OPT_RECOVER,
		OPT_RECOVER_TO, OPT_PORTFILE, OPT_INFRA, OPT_BOARDLOCK, OPT_KERNEL,
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
		{"sandbox", no_argument, 0, OPT_SANDBOX}, {"no-sandbox", no_argument, 0, OPT_NOSANDBOX},
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
		{"count", required_argument, 0, OPT_COUNT}, {"flaky-list", required_argument, 0, OPT_FLAKY},
		{"recover", required_argument, 0, OPT_RECOVER}, {"recover-timeout", required_argument, 0, OPT_RECOVER_TO},
		{"port-file", required_argument, 0, OPT_PORTFILE}, {"infra-state", required_argument, 0, OPT_INFRA},
		{"board-lock", required_argument, 0, OPT_BOARDLOCK},
		{"kernel-log", required_argument, 0, OPT_KERNEL},
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
		case OPT_SANDBOX: expected_sandbox = 1; break;
		case OPT_NOSANDBOX: expected_sandbox = 0; break;
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
		case OPT_COUNT:
			if (tb_parse_long(optarg, 1, 1000, "--count", &v) != 0)
				return TB_EXIT_USAGE;
			o.count = (int)v;
			break;
		case OPT_FLAKY:
			if (o.flaky_lists == (int)(sizeof o.flaky_list / sizeof o.flaky_list[0])) {
				tb_warn("too many --flaky-list files (at most %d)", o.flaky_lists - 1);
				return TB_EXIT_USAGE;
			}
			o.flaky_list[o.flaky_lists++] = optarg;
			break;
		case OPT_RECOVER: o.recover_cmd = *optarg ? optarg : NULL; break;
		case OPT_RECOVER_TO:
			if (tb_parse_seconds(optarg, 100, 3600000, "--recover-timeout", &o.recover_ms) != 0)
				return TB_EXIT_USAGE;
			break;
		case OPT_PORTFILE: o.port_file = optarg; break;
		case OPT_INFRA: o.infra_state = optarg; break;
		case OPT_BOARDLOCK: o.board_lock = optarg; break;
		case OPT_KERNEL: o.kernel_log = optarg; break;
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
	if (!o.port == !o.port_file) {
		tb_warn(o.port ? "give --port or --port-file, not both" : "no port given (--port PATH)");
		usage(stderr);
		return TB_EXIT_USAGE;
	}
	int no_test = o.probe || o.identity_path || o.ensure_module || o.wlan_join || o.wipe_dir;
	if (no_test ? optind != argc : optind != argc - 1) {
		usage(stderr);
		return TB_EXIT_USAGE;
	}
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
	/* before the port file is read: a recovery that holds the lock may be writing a new port there */
	int lock_fd = board_lock(o.board_lock, BOARD_LOCK_WAIT_MS);
	if (lock_fd == -2)
		return TB_EXIT_BOARD;
	char *port_path = o.port_file ? port_from_file(o.port_file) : tb_xstrdup(o.port);
	struct buf test = BUF_INIT;
	char *name = NULL, *known = NULL, *known_file = NULL;
	if (!port_path)
		goto out;
	o.port = port_path;
	if (!o.board)
		o.board = o.port;
	/* run-tests.py's own known-flaky tests come first */
	known = tb_data_dir("tools/mp-runtest", "", "known-flaky.tsv");
	known_file = known ? tb_xasprintf("%s/known-flaky.tsv", known) : NULL;
	if (known_file && o.flaky_lists < (int)(sizeof o.flaky_list / sizeof o.flaky_list[0])) {
		memmove(o.flaky_list + 1, o.flaky_list, (size_t)o.flaky_lists * sizeof o.flaky_list[0]);
		o.flaky_list[0] = known_file;
		o.flaky_lists++;
	}

	if (!no_test) {
		const char *test_path = argv[optind];
		if (file_read(test_path, &test) != 0) {
			tb_warn_errno("cannot read test '%s'", test_path);
			goto out;
		}
		name = o.name ? tb_xstrdup(o.name) : default_name(test_path, o.tests_dir);
		rc = run_test(&o, &port_path, test_path, name, &test);
		goto out;
	}

	/* the other jobs: one session on the board */
	struct serial port;
	struct repl repl;
	int so = serial_open_wait(&port, o.port, o.baud, o.port_wait_ms);
	if (so != SERIAL_OK) {
		rc = so == SERIAL_ENOTTY ? TB_EXIT_USAGE : TB_EXIT_BOARD;
		goto out;
	}
	repl_init(&repl, &port.io);
	repl.verbose = o.verbose;
	if (o.no_paste)
		repl.paste = 0;
	if (o.identity_path)
		rc = identify_board(&repl, &o);
	else if (o.ensure_module)
		rc = ensure_module(&repl, &o);
	else if (o.wlan_join)
		rc = wlan_join(&repl, &o);
	else if (o.wipe_dir)
		rc = wipe_fs(&repl, &o);
	else
		rc = probe_board(&repl, &o);
	serial_close(&port);
out:
	board_unlock(lock_fd);
	buf_free(&test);
	free(name);
	free(port_path);
	free(known);
	free(known_file);
	if (tb_close_stdout() != 0 && rc == TB_EXIT_OK)
		rc = TB_EXIT_LOCAL;
	return rc;
}
