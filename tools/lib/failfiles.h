/* The files of a failed test as MicroPython's run-tests.py leaves them: OUT_DIR/<name>.out (what the
 * board printed) and OUT_DIR/<name>.exp (what was expected), where <name> is the test's path with '/'
 * replaced by '_'. */
#ifndef TB_FAILFILES_H
#define TB_FAILFILES_H

#include "buf.h"

/* FAILED: write both files (.exp only when HAVE_EXP; an old one goes); else remove both. 0, or -1
 * after a message */
int failfiles_update(const char *out_dir, const char *name, const struct buf *exp, int have_exp,
		     const struct buf *out, int failed);

#endif
