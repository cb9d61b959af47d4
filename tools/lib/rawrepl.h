/* A MicroPython raw REPL client: enter (with soft reset), execute code in raw-paste mode with flow
 * control or in plain raw mode, follow the output with a real deadline, interrupt with Ctrl-C. */
#ifndef TB_RAWREPL_H
#define TB_RAWREPL_H

#include "buf.h"
#include "follow.h"
#include "io.h"

#include <stddef.h>
#include <stdint.h>

enum repl_status {
	REPL_OK = 0,
	REPL_TIMEOUT = 1,   /* the deadline passed (the board may still be running the code) */
	REPL_NOANSWER = 2,  /* the board did not answer as the protocol says (message in r->error) */
	REPL_GONE = 3,      /* the port failed or went away */
};

struct repl {
	struct tb_io *io;
	uint8_t in[4096]; /* bytes read from the board and not used yet */
	size_t in_pos, in_len;
	int paste;        /* -1 not tried yet, 0 refused on this connection, 1 supported */
	unsigned window;  /* raw-paste window increment */
	int verbose;      /* trace bytes to stderr */
	char error[200];  /* what went wrong, for messages and result files */
	size_t chunk;     /* plain raw mode: bytes per write (256) */
	long chunk_gap_ms;/* plain raw mode: pause between writes (10) */
};

void repl_init(struct repl *r, struct tb_io *io);

/* read until the board sends MARK (discarding what comes before); appends what was read to GOT
 * when given. */
int repl_read_until(struct repl *r, const void *mark, size_t mlen, struct buf *got, int64_t deadline);

/* Ctrl-C twice, then Ctrl-A: the raw REPL prompt; with soft_reset also Ctrl-D and the prompt again */
int repl_enter(struct repl *r, int soft_reset, long timeout_ms);

/* Ctrl-D at the raw prompt: soft reset, back at the raw prompt */
int repl_soft_reset(struct repl *r, long timeout_ms);

/* send CODE and start it; then repl_follow collects the output */
int repl_start(struct repl *r, const uint8_t *code, size_t len, int64_t deadline);

/* collect stdout and stderr until the board is back at the raw prompt, or the deadline */
int repl_follow(struct repl *r, struct follow *f, int64_t deadline);

/* start + follow */
int repl_exec(struct repl *r, const uint8_t *code, size_t len, struct follow *f, int64_t deadline);

/* Ctrl-C while code runs; then follow the rest (KeyboardInterrupt) for up to wait_ms */
int repl_interrupt(struct repl *r, struct follow *f, long wait_ms);

/* leave raw REPL for the friendly REPL (Ctrl-B) */
int repl_leave(struct repl *r);

/* For drivers that watch several boards at once (mp-multitest). */
/* bytes read from the board and not used yet (feed them before waiting on the port again) */
size_t repl_buffered(const struct repl *r);
/* feed what is buffered, or else what one read brings before the deadline, to F: REPL_OK when
 * bytes were fed (or F is already done), REPL_TIMEOUT when none came */
int repl_pump(struct repl *r, struct follow *f, int64_t deadline);
/* write bytes to the board as they are (e.g. a line for a running script's stdin) */
int repl_send(struct repl *r, const void *p, size_t n);

#endif
