/* Serial ports: open exclusively, raw mode, restore on close; the tb_io of a port. */
#ifndef TB_SERIAL_H
#define TB_SERIAL_H

#include "io.h"

#include <termios.h>

struct serial {
	int fd;
	char *path;
	int have_termios; /* 0 on ports that are not ttys (umockdev), nothing to restore */
	struct termios saved;
	struct tb_io io;
};

enum {
	SERIAL_OK = 0,
	SERIAL_EOPEN = -1, /* cannot open (message printed) */
	SERIAL_EBUSY = -2, /* another program holds the port (message printed) */
	SERIAL_ESETUP = -3, /* termios failed (message printed) */
	SERIAL_ENOTTY = -4  /* not a port at all: a file, a folder, /dev/null (message printed) */
};

/* open PATH at BAUD (0 = leave the speed alone); prints one clear error line on failure */
int serial_open(struct serial *s, const char *path, long baud);
/* the same, waiting up to WAIT_MS for the port's lock when another process holds it */
int serial_open_wait(struct serial *s, const char *path, long baud, long wait_ms);
void serial_close(struct serial *s);
/* discard input that arrives within quiet_ms of silence, up to max_ms in total */
void serial_drain(struct serial *s, long quiet_ms, long max_ms);

#endif
