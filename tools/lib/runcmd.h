/* Running a helper program (CPython for expected output, mpy-cross) and collecting what it prints. */
#ifndef TB_RUNCMD_H
#define TB_RUNCMD_H

#include "buf.h"

enum { RUNCMD_OK = 0, RUNCMD_NOEXEC = -1, RUNCMD_TIMEOUT = -2, RUNCMD_IOERR = -3, RUNCMD_NOSANDBOX = -4 };

/* run ARGV (argv[0] looked up in PATH) in folder CWD (NULL: this one) with standard input from
 * /dev/null, its stdout and stderr merged into OUT, ENV ("NAME=value" strings, NULL-terminated, may
 * be NULL) added to its environment; killed with its process group after TIMEOUT_MS. RUNCMD_OK with
 * its exit status in *STATUS (a wait status), or a negative code with the reason in WHY. */
int runcmd_capture(char *const argv[], const char *cwd, char *const env[], long timeout_ms, struct buf *out,
		   int *status, char *why, size_t whylen);

/* the same inside a bubblewrap sandbox, for programs that run untrusted code: bwrap from $TB_BWRAP,
 * else PATH; no network, the whole filesystem read-only, a private /tmp (also HOME), minimal /dev
 * and /proc, its own pid namespace and session, killed with us; the environment cleared except PATH,
 * LANG, LC_ALL, HOME=/tmp and ENV. A checkout under /tmp stays visible (read-only). Tries bwrap once
 * per process first: RUNCMD_NOSANDBOX, with the problem and its fix in WHY, when it is missing or
 * cannot create its namespaces; never runs ARGV unsandboxed. */
int runcmd_capture_sandboxed(char *const argv[], const char *cwd, char *const env[], long timeout_ms,
			     struct buf *out, int *status, char *why, size_t whylen);

/* 0 when the sandbox of runcmd_capture_sandboxed can be made here (tried once per process), else
 * -1 with the problem and its fix in WHY */
int runcmd_sandbox_check(char *why, size_t whylen);

#endif
