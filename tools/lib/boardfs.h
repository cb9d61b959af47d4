/* Files on a board's filesystem through the raw REPL: writing one file (the folders above it made),
 * checked by its size afterwards. Used to install what the tests need (e.g. the unittest package). */
#ifndef TB_BOARDFS_H
#define TB_BOARDFS_H

#include "rawrepl.h"

#include <stddef.h>
#include <stdint.h>

/* write DATA to PATH on the board (an absolute path like /lib/unittest/__init__.py); 0, or -1 with the
 * reason in WHY */
int boardfs_put(struct repl *r, const char *path, const uint8_t *data, size_t len, long timeout_ms, char *why,
		size_t whylen);

/* a Python bytes literal of P (b'...', printable ASCII as it is, the rest as \xNN) appended to B */
void boardfs_bytes_literal(struct buf *b, const uint8_t *p, size_t n);

/* run CODE and append its stdout to OUT (may be NULL); 0, -1 when the board did not answer as the
 * protocol says (the reason in WHY), -2 when the code raised (the traceback's last line in WHY) */
int boardfs_exec(struct repl *r, const char *code, long timeout_ms, struct buf *out, char *why, size_t whylen);

#endif
