/* Cutting text into lines at "\n" without copying it. */
#ifndef TB_LINES_H
#define TB_LINES_H

#include <stddef.h>
#include <stdint.h>

struct span {
	const uint8_t *p;
	size_t len;
};

/* the lines of P; each span includes its "\n" when keep_nl is set. The array, free()d by the
 * caller, has room for `spare` more spans. Returns the number of lines. */
size_t lines_split(const uint8_t *p, size_t n, int keep_nl, size_t spare, struct span **out);

#endif
