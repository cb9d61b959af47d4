/* The lock of a board within a run: a file every tool that talks to the board holds for its whole job,
 * and that the run holds while it power-cycles the board (flock(1) on the same file). The port's own
 * lock cannot do this: a power-cycled board may come back on another tty, and the old one is gone. */
#ifndef TB_BOARDLOCK_H
#define TB_BOARDLOCK_H

/* how long a tool waits for the lock: longer than any test's deadline and a recovery */
#define BOARD_LOCK_WAIT_MS 3600000L

/* lock PATH (created if missing), waiting up to WAIT_MS while another process holds it; the open
 * descriptor (close it to let go), -1 without PATH, -2 after a message (busy past the wait, or an
 * error) */
int board_lock(const char *path, long wait_ms);
/* let go of a lock board_lock took (nothing for a negative FD) */
void board_unlock(int fd);

#endif
