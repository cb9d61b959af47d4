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
	fprintf(f, "usage: %s [--emit E] [--python CMD] [--timeout S] TEST.py OUTPUT\n", tb_progname);
}

int main(int argc, char **argv)
{
	tb_set_progname(argv[0]);
	const char *emit = "bytecode";
	const char *python = getenv("MICROPY_CPYTHON3");
	if (!python || !*python)
		python = "python3";
	long timeout_ms = 120000;
	static const struct option longopts[] = {
		{"emit", required_argument, 0, 'e'},   {"python", required_argument, 0, 'P'},
		{"timeout", required_argument, 0, 't'}, {"help", no_argument, 0, 'h'},
		{0, 0, 0, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "e:P:t:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'e': emit = optarg; break;
		case 'P': python = optarg; break;
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
			       "  -t, --timeout S    give up on CPython after S seconds (default 120)\n\n"
			       "Exit status: 0 written, 2 usage, 4 cannot read, run CPython or write\n");
			return tb_close_stdout() ? TB_EXIT_LOCAL : TB_EXIT_OK;
		default: usage(stderr); return TB_EXIT_USAGE;
		}
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
