/* libFuzzer target: tentacle-find's bench inventory reader (inventory_load, inventory_find).
 * Properties: text that is no JSON is refused; an accepted inventory is a JSON object of objects
 * with one entry per member, in order, its board the member's "board" string; every serial is found
 * again (the first entry equal without case), and a serial equal to none is not found. */
#include "fuzz_file.h"
#include "jsonval.h"
#include "tentacle-find.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>


static long first_equal(const struct inventory *inv, const char *serial)
{
	for (size_t i = 0; i < inv->n; i++)
		if (strcasecmp(inv->serial[i], serial) == 0)
			return (long)i;
	return -1;
}

static void check(const struct inventory *inv, const struct jv *root)
{
	if (root->type != JV_OBJECT || inv->n != root->n)
		abort();
	for (size_t i = 0; i < inv->n; i++) {
		const char *board = jv_str(&root->items[i], "board");
		if (root->items[i].type != JV_OBJECT || strcmp(inv->serial[i], root->keys[i]) != 0 ||
		    (board == NULL) != (inv->board[i] == NULL) || (board && strcmp(board, inv->board[i]) != 0))
			abort();
		long at = inventory_find(inv, inv->serial[i]);
		if (at < 0 || (size_t)at > i || at != first_equal(inv, inv->serial[i]))
			abort();
		/* a longer serial: found only when another entry has it */
		size_t len = strlen(inv->serial[i]);
		char *longer = malloc(len + 2);
		memcpy(longer, inv->serial[i], len);
		memcpy(longer + len, "x", 2);
		if (inventory_find(inv, longer) != first_equal(inv, longer))
			abort();
		free(longer);
	}
	if (inventory_find(inv, NULL) != -1)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_input_path("fuzz_inventory", data, size);
	struct jv root;
	size_t line, col;
	int json_ok = jv_parse((const char *)data, size, &root, &line, &col) == 0;
	struct inventory inv;
	int rc = inventory_load(path, &inv);
	if (rc != 0 && rc != -1)
		abort();
	if (rc == 0) {
		if (!json_ok)
			abort();
		check(&inv, &root);
	} else if (inv.n != 0 || inv.serial || inv.board) {
		abort(); /* a refused inventory holds nothing */
	}
	inventory_free(&inv);
	if (json_ok)
		jv_free(&root);
	return 0;
}
