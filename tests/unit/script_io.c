#include "script_io.h"
#include "fileio.h"

#include <stdlib.h>
#include <string.h>

static ssize_t s_read(void *ctx, uint8_t *buf, size_t n, int64_t deadline)
{
	struct script_io *s = ctx;
	while (s->next_board < s->nev && !s->ev[s->next_board].from_board)
		s->next_board++;
	if (s->next_board >= s->nev || s->ev[s->next_board].host_before > s->written) {
		if (s->next_board >= s->nev && s->eof_at_end)
			return TB_IO_EOF;
		if (deadline > s->clock)
			s->clock = deadline;
		return TB_IO_TIMEOUT;
	}
	struct script_event *e = &s->ev[s->next_board];
	size_t left = e->bytes.len - s->board_off;
	size_t k = left < n ? left : n;
	memcpy(buf, e->bytes.data + s->board_off, k);
	s->board_off += k;
	if (s->board_off == e->bytes.len) {
		s->next_board++;
		s->board_off = 0;
	}
	s->clock += 1;
	/* raw-paste: count the window acknowledgements handed to the client */
	for (size_t i = 0; i < k; i++) {
		if (s->paste_state == 1) {
			/* "R\x01" + 2 bytes window: the header */
			s->paste_hdr++;
			if (s->paste_hdr == 3)
				s->window = buf[i];
			if (s->paste_hdr == 4) {
				s->window |= (unsigned)buf[i] << 8;
				s->paste_state = 2;
				s->paste_hdr = 0;
			}
		} else if (s->paste_state == 2 && buf[i] == 0x01) {
			s->paste_acks++;
		}
	}
	return (ssize_t)k;
}

static int s_write(void *ctx, const uint8_t *buf, size_t n)
{
	struct script_io *s = ctx;
	for (size_t i = 0; i < n; i++) {
		size_t at = s->written + i;
		if (s->mismatch_at < 0 && (at >= s->host.len || s->host.data[at] != buf[i]))
			s->mismatch_at = (long)at;
	}
	buf_add(&s->client, buf, n);
	s->written += n;
	if (n == 3 && memcmp(buf, "\x05" "A\x01", 3) == 0) {
		s->paste_state = 1;
		s->paste_acks = s->paste_sent = 0;
		s->paste_hdr = 0;
	} else if (s->paste_state == 2) {
		if (n == 1 && buf[0] == 0x04) {
			s->paste_state = 0;
		} else {
			s->paste_sent += n;
			size_t allowed = (size_t)s->window * (1 + s->paste_acks);
			if (s->paste_sent > allowed && s->paste_sent - allowed > s->paste_max_over)
				s->paste_max_over = s->paste_sent - allowed;
		}
	}
	return 0;
}

static int64_t s_now(void *ctx)
{
	return ((struct script_io *)ctx)->clock;
}

static void s_sleep(void *ctx, long ms)
{
	((struct script_io *)ctx)->clock += ms;
}

void script_init_empty(struct script_io *s)
{
	memset(s, 0, sizeof *s);
	s->mismatch_at = -1;
	s->io.ctx = s;
	s->io.read = s_read;
	s->io.write = s_write;
	s->io.now = s_now;
	s->io.sleep = s_sleep;
	s->clock = 1000;
}

void script_add(struct script_io *s, int from_board, const void *p, size_t n)
{
	s->ev = realloc(s->ev, (s->nev + 1) * sizeof *s->ev);
	if (!s->ev)
		abort();
	struct script_event *e = &s->ev[s->nev++];
	memset(e, 0, sizeof *e);
	e->from_board = from_board;
	e->host_before = s->host.len;
	buf_add(&e->bytes, p, n);
	if (!from_board)
		buf_add(&s->host, p, n);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* the transcripts have one event per line with "dir" and "hex" members in a fixed form */
int script_load(struct script_io *s, const char *path)
{
	struct buf text = BUF_INIT;
	script_init_empty(s);
	if (file_read(path, &text) != 0)
		return -1;
	char *save = NULL;
	for (char *line = strtok_r((char *)text.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *dir = strstr(line, "\"dir\": \"");
		char *hex = strstr(line, "\"hex\": \"");
		if (!dir || !hex)
			continue;
		int from_board = strncmp(dir + 8, "board->host", 11) == 0;
		struct buf bytes = BUF_INIT;
		for (char *h = hex + 8; hexval(h[0]) >= 0 && hexval(h[1]) >= 0; h += 2)
			buf_addc(&bytes, (uint8_t)(hexval(h[0]) << 4 | hexval(h[1])));
		script_add(s, from_board, bytes.data, bytes.len);
		buf_free(&bytes);
	}
	buf_free(&text);
	return 0;
}

void script_free(struct script_io *s)
{
	for (size_t i = 0; i < s->nev; i++)
		buf_free(&s->ev[i].bytes);
	free(s->ev);
	buf_free(&s->host);
	buf_free(&s->client);
	memset(s, 0, sizeof *s);
}

int script_board_done(const struct script_io *s)
{
	for (size_t i = s->next_board; i < s->nev; i++)
		if (s->ev[i].from_board)
			return 0;
	return 1;
}
