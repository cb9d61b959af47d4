/* A growable byte buffer. */
#ifndef TB_BUF_H
#define TB_BUF_H

#include <stddef.h>
#include <stdint.h>

struct buf {
	uint8_t *data; /* always NUL-terminated when non-NULL, so text can be used as a C string */
	size_t len;
	size_t cap;
};

#define BUF_INIT {NULL, 0, 0}

void buf_reserve(struct buf *b, size_t extra);
void buf_add(struct buf *b, const void *p, size_t n);
void buf_addc(struct buf *b, uint8_t c);
void buf_adds(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_reset(struct buf *b);
void buf_free(struct buf *b);
/* remove the first n bytes */
void buf_consume(struct buf *b, size_t n);
const char *buf_str(struct buf *b); /* "" for an empty buffer */
int buf_endswith(const struct buf *b, const void *s, size_t n);
int buf_startswith(const struct buf *b, const void *s, size_t n);

#endif
