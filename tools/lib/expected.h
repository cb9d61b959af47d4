/* The expected output of a test: TEST.<emit>.exp, else TEST.exp, else what CPython prints when it
 * runs the test (python3 -BS, in the test's folder, stderr merged), as MicroPython's runner does. */
#ifndef TB_EXPECTED_H
#define TB_EXPECTED_H

#include "buf.h"

/* the .exp file to use, or NULL when CPython must provide it; free() the result */
char *expected_file(const char *test_path, const char *emit);

enum {
	EXPECTED_OK = 0,
	EXPECTED_NOPYTHON = -1,
	EXPECTED_TIMEOUT = -2,
	EXPECTED_IOERR = -3,
	EXPECTED_NOSANDBOX = -4, /* the sandbox was asked for and bubblewrap cannot make it here */
};

/* 1: CPython runs the tests in a sandbox (runcmd_capture_sandboxed: no network, the filesystem
 * read-only, HOME a private /tmp), for tests from an untrusted checkout. Off unless set. */
extern int expected_sandbox;
/* expected_sandbox from MICROPY_EXP_SANDBOX (1 or 0; unset or empty: unchanged); 0, or -1 after a
 * message when the value is neither */
int expected_sandbox_from_env(void);
/* 0 when the sandbox works here, else -1 after one error line (its problem and fix) */
int expected_sandbox_check(void);

/* run CPython on the test (in the sandbox when expected_sandbox is set); on a non-zero exit the
 * text is "CPYTHON3 CRASH:\n" + its output. Prints one error line and returns a negative code when
 * CPython cannot run or hangs, or the sandbox cannot be made (never runs it unsandboxed then). */
int expected_cpython(const char *python, const char *test_path, long timeout_ms, struct buf *out);

/* .exp file or CPython, whichever applies */
int expected_get(const char *test_path, const char *emit, const char *python, long timeout_ms,
		 struct buf *out, char **source);

#endif
