/* The expected output of a test: TEST.<emit>.exp, else TEST.exp, else what CPython prints when it
 * runs the test (python3 -BS, in the test's folder, stderr merged), as MicroPython's runner does. */
#ifndef TB_EXPECTED_H
#define TB_EXPECTED_H

#include "buf.h"

/* the .exp file to use, or NULL when CPython must provide it; free() the result */
char *expected_file(const char *test_path, const char *emit);

enum { EXPECTED_OK = 0, EXPECTED_NOPYTHON = -1, EXPECTED_TIMEOUT = -2, EXPECTED_IOERR = -3 };

/* run CPython on the test; on a non-zero exit the text is "CPYTHON3 CRASH:\n" + its output.
 * Prints one error line and returns a negative code when CPython cannot run or hangs. */
int expected_cpython(const char *python, const char *test_path, long timeout_ms, struct buf *out);

/* .exp file or CPython, whichever applies */
int expected_get(const char *test_path, const char *emit, const char *python, long timeout_ms,
		 struct buf *out, char **source);

#endif
