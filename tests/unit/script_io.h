/* A scripted board for unit tests: replays a captured raw REPL exchange (the .jsonl files in tests/transcripts).
 * Board bytes are handed out only after the client has written everything the real host had written
 * before them; what the client writes is compared with what the real host wrote. Time is virtual:
 * a read that would wait advances the clock to its deadline. */
#ifndef TB_SCRIPT_IO_H
#define TB_SCRIPT_IO_H

#include "buf.h"
#include "io.h"

#include <stddef.h>

struct script_event {
	int from_board;
	struct buf bytes;
	size_t host_before; /* host bytes written before this event */
};

struct script_io {
	struct script_event *ev;
	size_t nev;
	struct buf host;       /* everything the real host wrote */
	size_t next_board;     /* index of the next board event to hand out */
	size_t board_off;      /* bytes of it already handed out */
	size_t written;        /* bytes the client wrote */
	long mismatch_at;      /* first byte where the client differs from the real host, or -1 */
	struct buf client;     /* what the client wrote */
	int64_t clock;
	int eof_at_end;        /* after the last board byte: EOF instead of silence */
	/* raw-paste window accounting */
	int paste_state;       /* 0 none, 1 header seen, 2 counting */
	unsigned window;
	unsigned paste_hdr;
	size_t paste_acks, paste_sent, paste_max_over;
	struct tb_io io;
};

/* load a transcript; returns 0 or -1 */
int script_load(struct script_io *s, const char *path);
/* a script from inline pieces: "b:" board bytes, "h:" host bytes (C escapes already applied) */
void script_init_empty(struct script_io *s);
void script_add(struct script_io *s, int from_board, const void *p, size_t n);
void script_free(struct script_io *s);
/* all board bytes handed out */
int script_board_done(const struct script_io *s);

#endif
