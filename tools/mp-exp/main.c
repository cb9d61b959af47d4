/* mp-exp: write the expected output of one MicroPython test (its .exp file, or CPython's output) to a
 * file, so that a build system can make it once per test and share it between boards. */
#include "exitcodes.h"
#include "expected.h"
#include "fileio.h"
#include "util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
	fprintf(f, "usage: %s [--emit E] [--python CMD] [--timeout S] [--[no-]sandbox] TEST.py OUTPUT\n"
		   "       %s --check-sandbox\n",
		tb_progname, tb_progname);
}

int main(int argc, char **argv)
{
	tb_set_progname(argv[0]);
	const char *emit = "bytecode";
	const char *python = getenv("MICROPY_CPYTHON3");
	if (!python || !*python)
		python = "python3";
	long timeout_ms = 120000;
	if (expected_sandbox_from_env() != 0)
		return TB_EXIT_USAGE;
	enum { OPT_SANDBOX = 256, OPT_NOSANDBOX, OPT_CHECKSANDBOX };
	int check_sandbox = 0;
	static const struct option longopts[] = {
		{"emit", required_argument, 0, 'e'},   {"python", required_argument, 0, 'P'},
		{"timeout", required_argument, 0, 't'}, {"help", no_argument, 0, 'h'},
		{"sandbox", no_argument, 0, OPT_SANDBOX}, {"no-sandbox", no_argument, 0, OPT_NOSANDBOX},
		{"check-sandbox", no_argument, 0, OPT_CHECKSANDBOX},
		{0, 0, 0, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "e:P:t:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'e': emit = optarg; break;
		case 'P': python = optarg; break;
		case OPT_SANDBOX: expected_sandbox = 1; break;
		case OPT_NOSANDBOX: expected_sandbox = 0; break;
		case OPT_CHECKSANDBOX: check_sandbox = 1; break;
		case 't':
			if (tb_parse_seconds(optarg, 100, 86400000, "--timeout", &timeout_ms) != 0)
				return TB_EXIT_USAGE;
			break;
		case 'h':
			usage(stdout);
			printf("\nWrites the expected output of TEST.py to OUTPUT (atomically): TEST.py.<emit>.exp, else\n"
			       "TEST.py.exp, else what CPython prints running it (python3 -BS in the test's folder,\n"
			       "stderr merged; 'CPYTHON3 CRASH:' first when it exits non-zero), as run-tests.py does.\n\n"
			       "  -e, --emit E       bytecode (default) or native\n"
			       "  -P, --python CMD   CPython (default $MICROPY_CPYTHON3, else python3)\n"
			       "  -t, --timeout S    give up on CPython after S seconds (default 120)\n"
			       "      --sandbox      run CPython in a bubblewrap sandbox (bwrap from $TB_BWRAP, else\n"
			       "                     PATH): no network, the filesystem read-only, HOME a private /tmp,\n"
			       "                     its own pid namespace; for tests from an untrusted checkout\n"
			       "      --no-sandbox   run CPython directly (default: $MICROPY_EXP_SANDBOX, 1 or 0, else this)\n"
			       "      --check-sandbox  only check that the sandbox works here (exit 0, else 4 and why)\n\n"
			       "Exit status: 0 written, 2 usage, 4 cannot read, run CPython (or its sandbox) or write\n");
			return tb_close_stdout() ? TB_EXIT_LOCAL : TB_EXIT_OK;
		default: usage(stderr); return TB_EXIT_USAGE;
		}
	}
	if (check_sandbox) {
		if (optind != argc) {
			usage(stderr);
			return TB_EXIT_USAGE;
		}
		return expected_sandbox_check() == 0 ? TB_EXIT_OK : TB_EXIT_LOCAL;
	}
	if (optind != argc - 2) {
		usage(stderr);
		return TB_EXIT_USAGE;
	}
	struct buf out = BUF_INIT;
	int rc = TB_EXIT_LOCAL;
	if (expected_get(argv[optind], emit, python, timeout_ms, &out, NULL) == EXPECTED_OK &&
	    file_write_atomic(argv[optind + 1], out.data, out.len) == 0)
		rc = TB_EXIT_OK;
	buf_free(&out);
	return rc;
}
