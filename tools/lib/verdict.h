/* How a test's run on a board becomes a verdict, by the rules of MicroPython's tests/run-tests.py:
 * START TEST prefix, CRASH, SKIP, SKIP-TOO-LARGE, line-end normalisation, unittest output, regex
 * .exp files, exact comparison with the expected output. Pure functions: no I/O. */
#ifndef TB_VERDICT_H
#define TB_VERDICT_H

#include "buf.h"

#include <stddef.h>
#include <stdint.h>

/* Raised whenever a change to these rules (or to how expected output is made) can change a verdict:
 * result files made under other rules are then out of date. */
#define VERDICT_RULES_VERSION 1

enum verdict {
	VERDICT_PASS,
	VERDICT_FAIL,
	VERDICT_SKIP,
	VERDICT_LRGE,    /* skipped: too large for the board (MemoryError before anything ran) */
	VERDICT_TIMEOUT, /* the test did not finish in time (counts as failed) */
	VERDICT_ERROR,   /* the board could not run the test (no raw REPL, port gone): not the test's fault */
	VERDICT_NONE,    /* not decided yet: the expected output is needed */
};

const char *verdict_name(enum verdict v);      /* "pass", "fail", "skip", "lrge", "timeout", "error" */
const char *verdict_console(enum verdict v);   /* the official runner's column: "pass ", "FAIL ", ... */

/* what the board did with the test */
struct board_run {
	enum { RUN_DONE, RUN_TIMEOUT, RUN_ERROR } status;
	const char *failure;         /* RUN_TIMEOUT / RUN_ERROR: what went wrong, e.g. "could not enter raw repl" */
	const uint8_t *out, *err;    /* stdout and stderr (traceback) of the exec */
	size_t out_len, err_len;
	int special;                 /* feature checks: no START TEST line was prepended */
	int truncated;               /* the output went over the cap: what is kept is not all of it */
};

struct classified {
	enum verdict verdict;
	struct buf output;   /* the output as the official runner compares it (its .out file) */
	int crashed;
	int no_unittest;     /* the board lacks unittest: the run must stop (exit code SETUP) */
	int unittest;        /* the output is a unittest summary (no expected output needed) */
	long testcases;      /* unittest: cases run (minus skipped) */
	char reason[96];
};

/* first step: everything that needs no expected output; verdict is VERDICT_NONE when the
 * expected output decides. REGEX_EXP (may be NULL) is the .exp text of a regex-listed test. */
void verdict_classify(const struct board_run *run, const uint8_t *regex_exp, size_t regex_exp_len,
		      struct classified *c);
/* second step: compare with the expected output (its \r\n become \n first) */
void verdict_compare(struct classified *c, const uint8_t *exp, size_t exp_len);
void classified_free(struct classified *c);

/* "\r\r\n" -> "\n", then "\r\n" -> "\n"; a lone "\r" stays */
void normalize_newlines(const uint8_t *p, size_t n, struct buf *out);

/* a unified-style excerpt of the first differences between EXP and OUT, at most max_lines lines */
void verdict_diff(const uint8_t *exp, size_t exp_len, const uint8_t *out, size_t out_len, int max_lines,
		  struct buf *diff);

#endif
