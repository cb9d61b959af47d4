/* The relay between the pty (host side) and the board process, and the simulated slowness:
 *   --baud N        board->host bytes leave at N/10 bytes per second (a UART with 8N1 framing);
 *   --exec-delay MS every host->board 0x04 byte is held MS milliseconds (a slow MCU running code);
 *   --in-baud N     host->board bytes arrive at most at N/10 bytes per second, in bursts of at most
 *                   IN_BURST bytes (a UART into a board that has a small receive buffer).
 * Each direction buffers at most RELAY_MAX bytes; beyond that the sender is not read (back-pressure),
 * so no input can make a buffer grow without bound. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vboard.h"

#define RELAY_MAX (64 * 1024)
#define RELAY_MAX_THROTTLED 1024 /* a slow line keeps little in flight, as a UART's FIFO does */
#define READ_CHUNK 4096
#define BURST_NS 10000000u /* an idle line may send up to 10 ms worth of bytes at once */
#define IN_BURST 8

void vb_relay_init(struct vb_relay *r, unsigned long baud, unsigned long in_baud, unsigned long exec_delay_ms)
{
	memset(r, 0, sizeof *r);
	if (in_baud) {
		r->in_ns_per_byte = 10000000000u / in_baud;
		if (r->in_ns_per_byte == 0)
			r->in_ns_per_byte = 1;
	}
	r->host_cap = baud ? RELAY_MAX_THROTTLED : RELAY_MAX;
	if (baud) {
		r->ns_per_byte = 10000000000u / baud; /* 10 bits per byte */
		if (r->ns_per_byte == 0)
			r->ns_per_byte = 1;
	}
	r->exec_delay_ns = (uint64_t)exec_delay_ms * 1000000u;
}

void vb_relay_clear(struct vb_relay *r)
{
	r->to_board.len = 0;
	r->to_host.len = 0;
	r->eot_head = 0;
	r->eot_len = 0;
	r->line_free_ns = 0;
	r->in_line_free_ns = 0;
}

void vb_relay_free(struct vb_relay *r)
{
	buf_free(&r->to_board);
	buf_free(&r->to_host);
	free(r->eot_due);
	r->eot_due = NULL;
	r->eot_cap = 0;
	vb_relay_clear(r);
}

bool vb_relay_want_host_bytes(const struct vb_relay *r)
{
	return r->to_board.len < RELAY_MAX;
}

bool vb_relay_want_board_bytes(const struct vb_relay *r)
{
	return r->to_host.len < r->host_cap;
}

/* a ring of release times, one per pending 0x04 */
static int eot_push(struct vb_relay *r, uint64_t due)
{
	uint64_t *p;
	size_t cap, i;

	if (r->eot_len == r->eot_cap) {
		cap = r->eot_cap ? r->eot_cap * 2 : 64;
		p = malloc(cap * sizeof *p);
		if (!p)
			return -1;
		for (i = 0; i < r->eot_len; i++)
			p[i] = r->eot_due[(r->eot_head + i) % r->eot_cap];
		free(r->eot_due);
		r->eot_due = p;
		r->eot_cap = cap;
		r->eot_head = 0;
	}
	r->eot_due[(r->eot_head + r->eot_len) % r->eot_cap] = due;
	r->eot_len++;
	return 0;
}

static uint64_t eot_at(const struct vb_relay *r, size_t k)
{
	return r->eot_due[(r->eot_head + k) % r->eot_cap];
}

static void eot_pop(struct vb_relay *r, size_t k)
{
	if (k > r->eot_len)
		k = r->eot_len;
	if (r->eot_cap)
		r->eot_head = (r->eot_head + k) % r->eot_cap;
	r->eot_len -= k;
}

static ssize_t read_into(struct buf *b, int fd, size_t cap)
{
	size_t room = cap > b->len ? cap - b->len : 0;
	ssize_t n;

	if (room > READ_CHUNK)
		room = READ_CHUNK;
	if (room == 0)
		return 0;
	buf_reserve(b, room);
	do
		n = read(fd, b->data + b->len, room);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? 0 : -1;
	if (n == 0)
		return -2;
	return n;
}

ssize_t vb_relay_read_host(struct vb_relay *r, int fd, uint64_t now)
{
	size_t start = r->to_board.len, i;
	ssize_t n = read_into(&r->to_board, fd, RELAY_MAX);

	if (n <= 0)
		return n;
	r->to_board.len += (size_t)n;
	if (r->exec_delay_ns) {
		for (i = start; i < start + (size_t)n; i++) {
			if (r->to_board.data[i] == 0x04 && eot_push(r, now + r->exec_delay_ns) != 0)
				return -1; /* errno ENOMEM */
		}
	}
	return n;
}

ssize_t vb_relay_read_board(struct vb_relay *r, int fd)
{
	ssize_t n = read_into(&r->to_host, fd, r->host_cap);

	if (n > 0)
		r->to_host.len += (size_t)n;
	return n;
}

size_t vb_relay_host_ready(struct vb_relay *r, uint64_t now, uint64_t *wake)
{
	uint64_t burst, base, credit;

	if (r->to_host.len == 0)
		return 0;
	if (r->ns_per_byte == 0)
		return r->to_host.len;
	burst = r->ns_per_byte > BURST_NS ? r->ns_per_byte : BURST_NS;
	base = r->line_free_ns;
	if (now > burst && base < now - burst)
		base = now - burst;
	credit = base <= now ? (now - base) / r->ns_per_byte : 0;
	if (credit == 0) {
		if (base + r->ns_per_byte < *wake)
			*wake = base + r->ns_per_byte;
		return 0;
	}
	return credit < r->to_host.len ? (size_t)credit : r->to_host.len;
}

/* the start of the pacing window of host->board bytes */
static uint64_t in_base(const struct vb_relay *r, uint64_t now)
{
	uint64_t burst = r->in_ns_per_byte * IN_BURST, base = r->in_line_free_ns;
	if (now > burst && base < now - burst)
		base = now - burst;
	return base;
}

size_t vb_relay_board_ready(const struct vb_relay *r, uint64_t now, uint64_t *wake)
{
	const unsigned char *d = r->to_board.data, *p;
	size_t len = r->to_board.len, pos = 0, k = 0;
	uint64_t due;

	if (len && r->in_ns_per_byte) {
		uint64_t base = in_base(r, now);
		uint64_t credit = base <= now ? (now - base) / r->in_ns_per_byte : 0;
		if (credit == 0) {
			if (base + r->in_ns_per_byte < *wake)
				*wake = base + r->in_ns_per_byte;
			return 0;
		}
		if (credit < len)
			len = (size_t)credit;
	}
	if (len == 0 || r->exec_delay_ns == 0)
		return len;
	while (pos < len && (p = memchr(d + pos, 0x04, len - pos)) != NULL) {
		if (k >= r->eot_len)
			break; /* cannot happen: every 0x04 read got a release time */
		due = eot_at(r, k);
		if (due > now) {
			if (due < *wake)
				*wake = due;
			return (size_t)(p - d);
		}
		pos = (size_t)(p - d) + 1;
		k++;
	}
	return len;
}

ssize_t vb_relay_write_host(struct vb_relay *r, int fd, size_t n, uint64_t now)
{
	uint64_t burst, base;
	ssize_t w;

	do
		w = write(fd, r->to_host.data, n);
	while (w < 0 && errno == EINTR);
	if (w <= 0)
		return w;
	if (r->ns_per_byte) {
		burst = r->ns_per_byte > BURST_NS ? r->ns_per_byte : BURST_NS;
		base = r->line_free_ns;
		if (now > burst && base < now - burst)
			base = now - burst;
		r->line_free_ns = base + (uint64_t)w * r->ns_per_byte;
	}
	buf_consume(&r->to_host, (size_t)w);
	return w;
}

ssize_t vb_relay_write_board(struct vb_relay *r, int fd, size_t n, uint64_t now)
{
	const unsigned char *d = r->to_board.data, *p, *end;
	size_t eots = 0;
	ssize_t w;

	do
		w = write(fd, d, n);
	while (w < 0 && errno == EINTR);
	if (w <= 0)
		return w;
	if (r->in_ns_per_byte)
		r->in_line_free_ns = in_base(r, now) + (uint64_t)w * r->in_ns_per_byte;
	if (r->exec_delay_ns) {
		end = d + w;
		for (p = d; p < end && (p = memchr(p, 0x04, (size_t)(end - p))) != NULL; p++)
			eots++;
		eot_pop(r, eots);
	}
	buf_consume(&r->to_board, (size_t)w);
	return w;
}
