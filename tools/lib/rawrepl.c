#include "rawrepl.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void repl_init(struct repl *r, struct tb_io *io)
{
	memset(r, 0, sizeof *r);
	r->io = io;
	r->paste = -1;
	r->chunk = 256;
	r->chunk_gap_ms = 10;
}

static int fail(struct repl *r, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct repl *r, int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->error, sizeof r->error, fmt, ap);
	va_end(ap);
	return status;
}

static void trace(struct repl *r, const char *dir, const uint8_t *p, size_t n)
{
	if (!r->verbose)
		return;
	fprintf(stderr, "%s: %s ", tb_progname, dir);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\' ? "%c" : "\\x%02x", p[i]);
	fputc('\n', stderr);
}

static int send(struct repl *r, const void *p, size_t n)
{
	trace(r, ">>", p, n);
	if (r->io->write(r->io->ctx, p, n) != 0)
		return fail(r, REPL_GONE, "cannot write to the board");
	return REPL_OK;
}

/* make sure at least one unread byte is in r->in */
static int fill(struct repl *r, int64_t deadline)
{
	if (r->in_pos < r->in_len)
		return REPL_OK;
	ssize_t n = r->io->read(r->io->ctx, r->in, sizeof r->in, deadline);
	if (n == TB_IO_TIMEOUT)
		return REPL_TIMEOUT;
	if (n < 0)
		return fail(r, REPL_GONE, n == TB_IO_EOF ? "the board went away (port closed)"
							: "cannot read from the board");
	trace(r, "<<", r->in, (size_t)n);
	r->in_pos = 0;
	r->in_len = (size_t)n;
	return REPL_OK;
}

static int get_byte(struct repl *r, uint8_t *c, int64_t deadline)
{
	int st = fill(r, deadline);
	if (st == REPL_OK)
		*c = r->in[r->in_pos++];
	return st;
}

/* a byte already waiting, without blocking: 1 and *c, 0 none, or an error status (negated) */
static int poll_byte(struct repl *r, uint8_t *c)
{
	int st = fill(r, r->io->now(r->io->ctx));
	if (st == REPL_TIMEOUT)
		return 0;
	if (st != REPL_OK)
		return -st;
	*c = r->in[r->in_pos++];
	return 1;
}

int repl_read_until(struct repl *r, const void *mark, size_t mlen, struct buf *got, int64_t deadline)
{
	const uint8_t *m = mark;
	/* keep a window of the last mlen bytes to match across reads of any split */
	struct buf tail = BUF_INIT;
	int st = REPL_OK;
	for (;;) {
		uint8_t c;
		st = get_byte(r, &c, deadline);
		if (st != REPL_OK)
			break;
		if (got)
			buf_addc(got, c);
		buf_addc(&tail, c);
		if (tail.len > mlen)
			buf_consume(&tail, tail.len - mlen);
		if (tail.len == mlen && memcmp(tail.data, m, mlen) == 0)
			break;
	}
	buf_free(&tail);
	return st;
}

static int expect(struct repl *r, const char *mark, int64_t deadline, const char *what)
{
	int st = repl_read_until(r, mark, strlen(mark), NULL, deadline);
	if (st == REPL_TIMEOUT)
		return fail(r, REPL_NOANSWER, "no answer from the board while %s", what);
	return st;
}

int repl_enter(struct repl *r, int soft_reset, long timeout_ms)
{
	int64_t deadline = r->io->now(r->io->ctx) + timeout_ms;
	/* stop whatever runs, then throw away what the board had to say so far */
	int st = send(r, "\r\x03\x03", 3);
	if (st)
		return st;
	for (;;) {
		int64_t quiet = r->io->now(r->io->ctx) + 5;
		r->in_pos = r->in_len = 0;
		st = fill(r, quiet < deadline ? quiet : deadline);
		if (st == REPL_TIMEOUT)
			break;
		if (st != REPL_OK)
			return st;
		if (r->io->now(r->io->ctx) >= deadline)
			return fail(r, REPL_NOANSWER, "the board does not stop sending");
	}
	r->in_pos = r->in_len = 0;
	if ((st = send(r, "\r\x01", 2)) != REPL_OK)
		return st;
	if ((st = expect(r, RAW_BANNER, deadline, "entering raw REPL")) != REPL_OK)
		return st == REPL_NOANSWER ? fail(r, st, "could not enter raw REPL") : st;
	if (!soft_reset)
		return REPL_OK;
	return repl_soft_reset(r, deadline - r->io->now(r->io->ctx));
}

int repl_soft_reset(struct repl *r, long timeout_ms)
{
	int64_t deadline = r->io->now(r->io->ctx) + timeout_ms;
	int st = send(r, "\x04", 1);
	if (st != REPL_OK)
		return st;
	/* "MPY: soft reboot" on current builds, "soft reboot" on old ones */
	if ((st = expect(r, "soft reboot\r\n", deadline, "soft-resetting")) != REPL_OK)
		return st == REPL_NOANSWER ? fail(r, st, "could not soft-reset the board") : st;
	if ((st = expect(r, RAW_BANNER, deadline, "re-entering raw REPL after the soft reset")) != REPL_OK)
		return st == REPL_NOANSWER ? fail(r, st, "could not enter raw REPL after a soft reset") : st;
	return REPL_OK;
}

/* raw-paste: 1 = used, 0 = refused (fall back), or an error status (negated) */
static int try_paste(struct repl *r, const uint8_t *code, size_t len, int64_t deadline)
{
	uint8_t a, b;
	int st = send(r, "\x05" "A\x01", 3);
	if (st)
		return -st;
	if ((st = get_byte(r, &a, deadline)) || (st = get_byte(r, &b, deadline)))
		return st == REPL_TIMEOUT ? -fail(r, REPL_NOANSWER, "no answer to the raw-paste request") : -st;
	if (a == 'R' && b == 0x00)
		return 0;
	if (a != 'R' || b != 0x01) {
		/* old firmware took the request as text: it echoes and re-prints the banner */
		st = expect(r, "w REPL; CTRL-B to exit\r\n>", deadline, "refusing raw-paste");
		return st ? -st : 0;
	}
	uint8_t w[2];
	if ((st = get_byte(r, &w[0], deadline)) || (st = get_byte(r, &w[1], deadline)))
		return st == REPL_TIMEOUT ? -fail(r, REPL_NOANSWER, "no raw-paste window size") : -st;
	r->window = (unsigned)w[0] | (unsigned)w[1] << 8;
	if (r->window == 0)
		return -fail(r, REPL_NOANSWER, "raw-paste window of size 0");
	size_t budget = r->window, sent = 0;
	while (sent < len) {
		/* take the board's acknowledgements: wait for one when the budget is spent */
		for (;;) {
			uint8_t c = 0;
			int got;
			if (budget == 0) {
				st = get_byte(r, &c, deadline);
				if (st)
					return st == REPL_TIMEOUT ? -REPL_TIMEOUT : -st;
				got = 1;
			} else {
				got = poll_byte(r, &c);
				if (got < 0)
					return got;
			}
			if (!got)
				break;
			if (c == 0x01) {
				budget += r->window;
			} else if (c == 0x04) {
				/* the board wants to stop (e.g. a compile error): end the transfer */
				if ((st = send(r, "\x04", 1)))
					return -st;
				return 1;
			} else {
				return -fail(r, REPL_NOANSWER, "unexpected byte 0x%02x during raw-paste", c);
			}
		}
		size_t n = len - sent < budget ? len - sent : budget;
		if ((st = send(r, code + sent, n)))
			return -st;
		sent += n;
		budget -= n;
	}
	if ((st = send(r, "\x04", 1)))
		return -st;
	/* the board acknowledges the end of the code; output follows */
	for (;;) {
		uint8_t c;
		if ((st = get_byte(r, &c, deadline)))
			return -st;
		if (c == 0x04)
			return 1;
		if (c != 0x01) /* late window acknowledgements may still arrive */
			return -fail(r, REPL_NOANSWER, "unexpected byte 0x%02x after raw-paste", c);
	}
}

static int plain_raw(struct repl *r, const uint8_t *code, size_t len, int64_t deadline)
{
	int st;
	for (size_t i = 0; i < len; i += r->chunk) {
		size_t n = len - i < r->chunk ? len - i : r->chunk;
		if ((st = send(r, code + i, n)))
			return st;
		if (i + n < len && r->chunk_gap_ms)
			r->io->sleep(r->io->ctx, r->chunk_gap_ms);
	}
	if ((st = send(r, "\x04", 1)))
		return st;
	uint8_t ok[2];
	if ((st = get_byte(r, &ok[0], deadline)) || (st = get_byte(r, &ok[1], deadline)))
		return st == REPL_TIMEOUT ? fail(r, REPL_NOANSWER, "no OK after sending the code") : st;
	if (ok[0] != 'O' || ok[1] != 'K')
		return fail(r, REPL_NOANSWER, "could not exec command (got 0x%02x 0x%02x, not OK)", ok[0], ok[1]);
	return REPL_OK;
}

int repl_start(struct repl *r, const uint8_t *code, size_t len, int64_t deadline)
{
	r->error[0] = 0;
	if (r->paste != 0) {
		int p = try_paste(r, code, len, deadline);
		if (p == 1) {
			r->paste = 1;
			return REPL_OK;
		}
		if (p < 0)
			return -p;
		r->paste = 0; /* refused: never asked again on this connection */
	}
	return plain_raw(r, code, len, deadline);
}

int repl_follow(struct repl *r, struct follow *f, int64_t deadline)
{
	while (f->state != FOLLOW_DONE) {
		int st = fill(r, deadline);
		if (st)
			return st;
		r->in_pos += follow_feed(f, r->in + r->in_pos, r->in_len - r->in_pos);
	}
	return REPL_OK;
}

int repl_exec(struct repl *r, const uint8_t *code, size_t len, struct follow *f, int64_t deadline)
{
	int st = repl_start(r, code, len, deadline);
	return st ? st : repl_follow(r, f, deadline);
}

int repl_interrupt(struct repl *r, struct follow *f, long wait_ms)
{
	int64_t deadline = r->io->now(r->io->ctx) + wait_ms;
	int st = send(r, "\x03", 1);
	if (st)
		return st;
	/* a second Ctrl-C half-way, for boards that drop the first one while busy */
	int64_t half = r->io->now(r->io->ctx) + wait_ms / 2;
	st = repl_follow(r, f, half);
	if (st == REPL_TIMEOUT) {
		if ((st = send(r, "\x03", 1)))
			return st;
		st = repl_follow(r, f, deadline);
	}
	return st;
}

int repl_leave(struct repl *r)
{
	return send(r, "\r\x02", 2);
}

size_t repl_buffered(const struct repl *r)
{
	return r->in_len - r->in_pos;
}

int repl_pump(struct repl *r, struct follow *f, int64_t deadline)
{
	if (f->state == FOLLOW_DONE)
		return REPL_OK;
	int st = fill(r, deadline);
	if (st)
		return st;
	r->in_pos += follow_feed(f, r->in + r->in_pos, r->in_len - r->in_pos);
	return REPL_OK;
}

int repl_send(struct repl *r, const void *p, size_t n)
{
	return send(r, p, n);
}
