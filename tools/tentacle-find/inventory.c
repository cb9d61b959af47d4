/* The inventory file of tentacle-find: a JSON object of objects, serial -> {"board": NAME, ...}. */
#include "tentacle-find.h"

#include "buf.h"
#include "fileio.h"
#include "jsonval.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

int inventory_load(const char *path, struct inventory *inv)
{
	struct buf text = BUF_INIT;
	struct jv root;
	size_t line = 0, col = 0;
	int rc = -1;
	memset(inv, 0, sizeof *inv);
	if (file_read(path, &text) != 0) {
		tb_warn_errno("cannot read inventory '%s'", path);
		buf_free(&text);
		return -1;
	}
	if (jv_parse(buf_str(&text), text.len, &root, &line, &col) != 0) {
		tb_warn("invalid inventory '%s' near line %zu column %zu (expected a JSON object like "
			"{\"e46340474b4c2731\": {\"board\": \"RPI_PICO\"}})",
			path, line, col);
		buf_free(&text);
		return -1;
	}
	if (root.type != JV_OBJECT) {
		tb_warn("invalid inventory '%s': not a JSON object of tentacle serials", path);
		goto out;
	}
	inv->serial = tb_xmalloc((root.n ? root.n : 1) * sizeof *inv->serial);
	inv->board = tb_xmalloc((root.n ? root.n : 1) * sizeof *inv->board);
	for (size_t i = 0; i < root.n; i++) {
		if (root.items[i].type != JV_OBJECT) {
			tb_warn("invalid inventory '%s' line %zu: the entry of '%s' is not an object", path,
				root.items[i].line, root.keys[i]);
			inventory_free(inv);
			goto out;
		}
		/* JSON keeps the last of two equal keys: a serial listed twice would hide a tentacle */
		for (size_t k = 0; k < i; k++) {
			if (strcasecmp(root.keys[k], root.keys[i]) == 0) {
				tb_warn("invalid inventory '%s' line %zu: tentacle '%s' is listed twice", path,
					root.items[i].line, root.keys[i]);
				inventory_free(inv);
				goto out;
			}
		}
		const char *board = jv_str(&root.items[i], "board");
		inv->serial[i] = tb_xstrdup(root.keys[i]);
		inv->board[i] = board ? tb_xstrdup(board) : NULL;
		inv->n++;
	}
	rc = 0;
out:
	jv_free(&root);
	buf_free(&text);
	return rc;
}

long inventory_find(const struct inventory *inv, const char *serial)
{
	for (size_t i = 0; serial && i < inv->n; i++)
		if (strcasecmp(inv->serial[i], serial) == 0)
			return (long)i;
	return -1;
}

void inventory_free(struct inventory *inv)
{
	for (size_t i = 0; i < inv->n; i++) {
		free(inv->serial[i]);
		free(inv->board[i]);
	}
	free(inv->serial);
	free(inv->board);
	memset(inv, 0, sizeof *inv);
}
