/* The firmware identity of a board: "<sys.implementation._build>;<sys.version>;<_build>" (old firmware
 * without _build gives empty parts), asked over the raw REPL. The same string comes with a firmware
 * (its .id file), so comparing the two tells whether a board runs that firmware. */
#ifndef TB_BOARDID_H
#define TB_BOARDID_H

#include <stddef.h>

/* the MicroPython code that prints the identity line */
extern const char boardid_script[];

/* open TTY (BAUD, 0 = as it is), enter the raw REPL (interrupting what runs), run the script;
 * the identity without line end (malloc'ed), or NULL with the reason in WHY (no message printed) */
char *boardid_read(const char *tty, long baud, long timeout_ms, int verbose, char *why, size_t whylen);

/* the _build part of an identity (before the first ';') into OUT; "" when there is none */
void boardid_build(const char *identity, char *out, size_t n);

#endif
