#include "follow.h"

#include <string.h>

const char RAW_BANNER[] = "raw REPL; CTRL-B to exit\r\n>";

void follow_init(struct follow *f, struct buf *out, struct buf *err, size_t cap)
{
	memset(f, 0, sizeof *f);
	f->out = out;
	f->err = err;
	f->cap = cap;
}

static void keep(struct buf *b, size_t *total, size_t cap, const uint8_t *p, size_t n)
{
	*total += n;
	if (b->len < cap)
		buf_add(b, p, n < cap - b->len ? n : cap - b->len);
}

size_t follow_feed(struct follow *f, const uint8_t *p, size_t n)
{
	size_t i = 0;
	while (i < n && f->state != FOLLOW_DONE) {
		switch (f->state) {
		case FOLLOW_STDOUT:
		case FOLLOW_STDERR: {
			const uint8_t *eot = memchr(p + i, 0x04, n - i);
			size_t run = eot ? (size_t)(eot - (p + i)) : n - i;
			if (f->state == FOLLOW_STDOUT)
				keep(f->out, &f->out_total, f->cap, p + i, run);
			else
				keep(f->err, &f->err_total, f->cap, p + i, run);
			i += run;
			if (eot) {
				i++;
				f->state = f->state == FOLLOW_STDOUT ? FOLLOW_STDERR : FOLLOW_PROMPT;
			}
			break;
		}
		case FOLLOW_PROMPT:
			if (p[i] == '>') {
				i++;
				f->state = FOLLOW_DONE;
			} else {
				f->rebooted = 1;
				f->state = FOLLOW_REBOOT;
			}
			break;
		case FOLLOW_REBOOT:
			/* simple restartable match: the banner has no proper prefix that is also a suffix */
			if (p[i] == (uint8_t)RAW_BANNER[f->match])
				f->match++;
			else
				f->match = p[i] == (uint8_t)RAW_BANNER[0];
			i++;
			if (f->match == RAW_BANNER_LEN)
				f->state = FOLLOW_DONE;
			break;
		case FOLLOW_DONE:
			break;
		}
	}
	return i;
}

int follow_truncated(const struct follow *f)
{
	return f->out_total > f->out->len || f->err_total > f->err->len;
}
