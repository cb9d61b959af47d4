/* libFuzzer target: the JSON reader of board specs and bench inventories on arbitrary text. A parse
 * either fails with a position inside the text or gives a tree whose members are all found by key. */
#include "jsonval.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void walk(const struct jv *v)
{
	for (size_t i = 0; i < v->n; i++) {
		if (v->type == JV_OBJECT && !jv_get(v, v->keys[i]))
			abort();
		walk(&v->items[i]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jv v;
	size_t line = 0, col = 0, lines = 1;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (jv_parse((const char *)data, size, &v, &line, &col) != 0) {
		if (line < 1 || line > lines || col < 1 || col > size + 1)
			abort();
		return 0;
	}
	walk(&v);
	jv_free(&v);
	return 0;
}
