/* Regex .exp files, as MicroPython's runner reads them for a fixed list of tests whose output is not
 * stable across runs: each .exp line is a pattern in which ( ) [ ] { } . * + ^ $ are literal unless
 * preceded by a backslash (then they are regex operators), a backslash before any other character
 * passes that character to the regex engine as is (so "\\d" is a digit class), a final newline also
 * matches carriage returns before it, and a line that is exactly "########" matches zero or more whole
 * lines. Lines of the output that match are replaced by the .exp line's text, so that the usual exact
 * comparison that follows succeeds. */
#ifndef TB_REGEXEXP_H
#define TB_REGEXEXP_H

#include "buf.h"

#include <stddef.h>
#include <stdint.h>

/* is NAME (path relative to the tests folder) one of the tests the official runner treats this way */
int regexexp_is_listed(const char *name);

/* translate one .exp line (without its newline; has_nl tells whether it had one) into a POSIX ERE
 * anchored at the start; returns 0, or -1 when the line cannot be translated */
int regexexp_translate(const uint8_t *line, size_t len, int has_nl, struct buf *ere);

/* rewrite OUT (normalised output, "\n" line ends) using the patterns of EXP; result in RESULT */
void regexexp_apply(const uint8_t *exp, size_t exp_len, const uint8_t *out, size_t out_len,
		    struct buf *result);

#endif
