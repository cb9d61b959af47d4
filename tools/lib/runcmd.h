/* Running a helper program (CPython for expected output, mpy-cross) and collecting what it prints. */
#ifndef TB_RUNCMD_H
#define TB_RUNCMD_H

#include "buf.h"

enum { RUNCMD_OK = 0, RUNCMD_NOEXEC = -1, RUNCMD_TIMEOUT = -2, RUNCMD_IOERR = -3 };

/* run ARGV (argv[0] looked up in PATH) in folder CWD (NULL: this one) with standard input from
 * /dev/null, its stdout and stderr merged into OUT, ENV ("NAME=value" strings, NULL-terminated, may
 * be NULL) added to its environment; killed with its process group after TIMEOUT_MS. RUNCMD_OK with
 * its exit status in *STATUS (a wait status), or a negative code with the reason in WHY. */
int runcmd_capture(char *const argv[], const char *cwd, char *const env[], long timeout_ms, struct buf *out,
		   int *status, char *why, size_t whylen);

#endif
