/* Parser of what a board sends while it runs code in raw REPL:
 *   stdout \x04 stderr \x04 '>'
 * or, when the code ended in SystemExit (the board soft-resets):
 *   stdout \x04 stderr \x04 <reboot text> "raw REPL; CTRL-B to exit\r\n>"
 * It accepts the bytes in any split. */
#ifndef TB_FOLLOW_H
#define TB_FOLLOW_H

#include "buf.h"

#include <stddef.h>
#include <stdint.h>

enum follow_state {
	FOLLOW_STDOUT,
	FOLLOW_STDERR,
	FOLLOW_PROMPT,  /* after the second \x04: '>' or a soft reboot */
	FOLLOW_REBOOT,  /* soft reboot: waiting for the raw REPL banner */
	FOLLOW_DONE,
};

struct follow {
	enum follow_state state;
	struct buf *out, *err;
	size_t cap;        /* keep at most this many bytes of each stream; the rest is counted */
	size_t out_total;  /* bytes seen on stdout, kept or not */
	size_t err_total;
	int rebooted;      /* the board soft-reset after the code (SystemExit) */
	size_t match;      /* bytes of the raw REPL banner matched so far in FOLLOW_REBOOT */
};

extern const char RAW_BANNER[]; /* "raw REPL; CTRL-B to exit\r\n>" */
#define RAW_BANNER_LEN 27

void follow_init(struct follow *f, struct buf *out, struct buf *err, size_t cap);
/* feed bytes; returns how many were used (fewer than n only when the end was reached) */
size_t follow_feed(struct follow *f, const uint8_t *p, size_t n);
int follow_truncated(const struct follow *f);

#endif
