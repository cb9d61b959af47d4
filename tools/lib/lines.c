#include "lines.h"
#include "util.h"

#include <string.h>

size_t lines_split(const uint8_t *p, size_t n, int keep_nl, size_t spare, struct span **out)
{
	size_t count = 0, cap = 16 + spare;
	struct span *v = tb_xmalloc(cap * sizeof *v);
	size_t i = 0;
	while (i < n) {
		const uint8_t *nl = memchr(p + i, '\n', n - i);
		size_t len = nl ? (size_t)(nl - (p + i)) : n - i;
		if (count + spare == cap) {
			cap *= 2;
			v = tb_xrealloc(v, cap * sizeof *v);
		}
		v[count].p = p + i;
		v[count].len = len + (nl && keep_nl ? 1 : 0);
		count++;
		i += len + (nl ? 1 : 0);
	}
	*out = v;
	return count;
}
