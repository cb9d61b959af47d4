/* The byte stream a raw REPL client talks through: a serial port on a bench, or a scripted board in
 * unit tests. Times are milliseconds of the stream's own clock (monotonic, or virtual in tests). */
#ifndef TB_IO_H
#define TB_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum {
	TB_IO_TIMEOUT = 0, /* read: nothing arrived before the deadline */
	TB_IO_ERROR = -1,  /* read/write: the port failed (errno set) */
	TB_IO_EOF = -2,    /* read: the port went away (board unplugged, pty closed) */
};

struct tb_io {
	void *ctx;
	/* read up to n bytes, waiting at most until deadline; >0 bytes, or one of the codes above */
	ssize_t (*read)(void *ctx, uint8_t *buf, size_t n, int64_t deadline);
	/* write all n bytes; 0, or TB_IO_ERROR */
	int (*write)(void *ctx, const uint8_t *buf, size_t n);
	int64_t (*now)(void *ctx);
	void (*sleep)(void *ctx, long ms);
};

#endif
