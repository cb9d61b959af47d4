/* libFuzzer target: the raw REPL stream parser and client against arbitrary board bytes.
 * Properties: never crashes or reads out of bounds; feeding the bytes in any split gives the same
 * result as feeding them at once; the client never loops or overflows on garbage. */
#include "follow.h"
#include "rawrepl.h"
#include "script_io.h"

#include <stdlib.h>
#include <string.h>

static void same_in_any_split(const uint8_t *data, size_t size)
{
	struct buf o1 = BUF_INIT, e1 = BUF_INIT, o2 = BUF_INIT, e2 = BUF_INIT;
	struct follow a, b;
	size_t cap = size ? data[0] : 0; /* small caps too */
	follow_init(&a, &o1, &e1, cap + 1);
	follow_init(&b, &o2, &e2, cap + 1);
	size_t used_a = follow_feed(&a, data, size);
	size_t used_b = 0, step = size > 1 ? (size_t)(data[1] % 7) + 1 : 1;
	for (size_t i = 0; i < size && b.state != FOLLOW_DONE; i += step) {
		size_t n = size - i < step ? size - i : step;
		used_b += follow_feed(&b, data + i, n);
	}
	if (used_a != used_b || a.state != b.state || a.out_total != b.out_total || a.err_total != b.err_total ||
	    o1.len != o2.len || memcmp(buf_str(&o1), buf_str(&o2), o1.len) != 0 || a.rebooted != b.rebooted)
		abort();
	if (a.out_total + a.err_total > size || used_a > size)
		abort();
	buf_free(&o1);
	buf_free(&e1);
	buf_free(&o2);
	buf_free(&e2);
}

static void client_on_garbage(const uint8_t *data, size_t size)
{
	struct script_io s;
	struct repl r;
	struct buf out = BUF_INIT, err = BUF_INIT;
	struct follow f;
	script_init_empty(&s);
	/* the board says whatever the fuzzer wants, in pieces, whenever asked */
	size_t i = 0;
	while (i < size) {
		size_t n = (data[i] % 16) + 1;
		if (n > size - i)
			n = size - i;
		script_add(&s, 1, data + i, n);
		i += n;
	}
	s.eof_at_end = size && (data[0] & 1);
	repl_init(&r, &s.io);
	s.mismatch_at = 0; /* writes are not compared */
	if (repl_enter(&r, 1, 2000) == REPL_OK) {
		follow_init(&f, &out, &err, 4096);
		if (repl_exec(&r, (const uint8_t *)"print(1)\n", 9, &f, s.clock + 2000) == REPL_TIMEOUT)
			repl_interrupt(&r, &f, 500);
	}
	buf_free(&out);
	buf_free(&err);
	script_free(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	same_in_any_split(data, size);
	client_on_garbage(data, size);
	return 0;
}
