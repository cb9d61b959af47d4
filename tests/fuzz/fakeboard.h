/* A board for the fuzzers of code that drives a board: it answers the raw REPL at once (banner, soft
 * reset, "OK") and gives each code it runs the next of a list of answers, "stdout[\x04stderr]", then
 * the end marks. Reads never wait: with nothing to send, a read times out at once. Test code only:
 * included by one fuzzer each. */
#ifndef FUZZ_FAKEBOARD_H
#define FUZZ_FAKEBOARD_H

#include "buf.h"
#include "follow.h"
#include "io.h"
#include "util.h"

#include <string.h>

struct fakeboard {
	struct buf pending;   /* what it has to send */
	size_t sent;
	size_t code_len;      /* bytes of code since the last prompt */
	const uint8_t **resp; /* the answers, in order; an empty answer once they run out */
	const size_t *resp_len;
	size_t nresp, next;
	size_t piece;         /* bytes per read (1..) */
	int strict;           /* drop the \x04 bytes of an answer after its first: keep to the protocol */
	struct tb_io io;
};

static void fake_answer(struct fakeboard *b)
{
	const uint8_t *p = b->next < b->nresp ? b->resp[b->next] : (const uint8_t *)"";
	size_t n = b->next < b->nresp ? b->resp_len[b->next] : 0;
	b->next++;
	buf_adds(&b->pending, "OK");
	const uint8_t *first = memchr(p, 0x04, n);
	if (b->strict && first) {
		for (size_t i = 0; i < n; i++)
			if (p[i] != 0x04 || p + i == first)
				buf_addc(&b->pending, p[i]);
	} else {
		buf_add(&b->pending, p, n);
	}
	if (!first)
		buf_addc(&b->pending, 0x04);
	buf_adds(&b->pending, "\x04>");
}

static int fake_write(void *ctx, const uint8_t *p, size_t n)
{
	struct fakeboard *b = ctx;
	for (size_t i = 0; i < n; i++) {
		switch (p[i]) {
		case 0x01:
			b->code_len = 0;
			buf_add(&b->pending, RAW_BANNER, RAW_BANNER_LEN);
			break;
		case 0x02:
		case 0x03:
			b->code_len = 0;
			break;
		case 0x04:
			if (b->code_len == 0) {
				buf_adds(&b->pending, "\r\nMPY: soft reboot\r\n");
				buf_add(&b->pending, RAW_BANNER, RAW_BANNER_LEN);
			} else {
				fake_answer(b);
			}
			b->code_len = 0;
			break;
		default:
			b->code_len++;
		}
	}
	return 0;
}

static ssize_t fake_read(void *ctx, uint8_t *p, size_t n, int64_t deadline)
{
	struct fakeboard *b = ctx;
	(void)deadline;
	size_t left = b->pending.len - b->sent;
	if (left == 0)
		return TB_IO_TIMEOUT;
	if (n > left)
		n = left;
	if (n > b->piece)
		n = b->piece;
	memcpy(p, b->pending.data + b->sent, n);
	b->sent += n;
	if (b->sent == b->pending.len) {
		buf_reset(&b->pending);
		b->sent = 0;
	}
	return (ssize_t)n;
}

static int64_t fake_now(void *ctx)
{
	(void)ctx;
	return tb_now_ms();
}

static void fake_sleep(void *ctx, long ms)
{
	(void)ctx;
	(void)ms;
}

static void fake_init(struct fakeboard *b, const uint8_t **resp, const size_t *resp_len, size_t nresp, size_t piece)
{
	memset(b, 0, sizeof *b);
	b->resp = resp;
	b->resp_len = resp_len;
	b->nresp = nresp;
	b->piece = piece ? piece : 1;
	b->io.ctx = b;
	b->io.read = fake_read;
	b->io.write = fake_write;
	b->io.now = fake_now;
	b->io.sleep = fake_sleep;
}

/* cut DATA at SEP into at most MAX pieces */
static size_t fake_split(const uint8_t *data, size_t size, uint8_t sep, const uint8_t **part, size_t *len, size_t max)
{
	size_t k = 0;
	const uint8_t *p = data, *end = data + size;
	while (k < max) {
		const uint8_t *s = memchr(p, sep, (size_t)(end - p));
		part[k] = p;
		len[k] = (size_t)((s ? s : end) - p);
		k++;
		if (!s)
			break;
		p = s + 1;
	}
	return k;
}

#endif
