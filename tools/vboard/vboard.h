/* vboard: a virtual MicroPython board behind a pseudo-terminal. Declarations shared by its files. */
#ifndef VBOARD_H
#define VBOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"

#define VB_PROG "vboard"
#define VB_VERSION "0.1.0"

/* exit codes, documented in --help */
enum vb_exit {
	VB_EXIT_OK = 0,
	VB_EXIT_USAGE = 2,
	VB_EXIT_START = 3, /* cannot start the board, pty or other system trouble */
};

enum vb_type { VB_TYPE_WASM, VB_TYPE_MICROBIT };

#define VB_DEFAULT_HEAP (2UL * 1024 * 1024)

struct vb_opts {
	enum vb_type type;
	const char *link;
	unsigned long baud;          /* 0: no throttling of board->host bytes */
	unsigned long in_baud;       /* 0: no pacing of host->board bytes */
	bool in_baud_given;
	unsigned long exec_delay_ms; /* 0: 0x04 bytes are not delayed */
	const char *pidfile;
	unsigned long heap;
	bool quiet;
};

/* cli.c: command line */
int vb_parse_args(int argc, char **argv, struct vb_opts *o); /* -1: go on; else exit with it */

/* log.c: messages to stderr, prefixed with the program name */
void vb_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vb_info(const char *fmt, ...) __attribute__((format(printf, 1, 2))); /* silenced by --quiet */
extern bool vb_quiet;

/* fd.c */
void vb_close_fd(int *fd, const char *what); /* closes if >= 0, reports a failure, sets -1 */

/* clock.c */
uint64_t vb_now_ns(void);
int vb_timeout_ms(uint64_t now, uint64_t deadline); /* poll timeout until deadline, rounded up */


/* sig.c: signals become bytes on a self-pipe */
int vb_sig_init(void);   /* 0, or -1 after printing why */
int vb_sig_fd(void);     /* read end, for poll */
int vb_sig_take(void);   /* next pending signal number, 0 when none, -1 on error */
void vb_sig_close(void);

/* pty.c */
struct vb_pty {
	int master;
	int slave;   /* kept open so that a client closing the port never gives the board EOF */
	char *name;  /* /dev/pts/N */
	char *link;  /* the symlink made to it, NULL when none */
};
int vb_pty_open(struct vb_pty *p);                   /* 0, or -1 after printing why */
int vb_pty_link(struct vb_pty *p, const char *path); /* 0, or -1 after printing why */
void vb_pty_discard_input(struct vb_pty *p);         /* drop host bytes not yet read */
void vb_pty_close(struct vb_pty *p);                 /* removes the link if it is still ours */

/* board.c: the command that runs a board of a type */
struct vb_board {
	char **argv; /* NULL-terminated, owned */
	const char *what; /* "node" / "qemu-system-arm", for messages */
};
int vb_board_resolve(struct vb_board *b, const struct vb_opts *o); /* 0, or -1 after printing why */
void vb_board_free(struct vb_board *b);

/* child.c: the board process, on a socketpair */
struct vb_child {
	pid_t pid;   /* 0 when none */
	int fd;      /* vboard's end of the socketpair, -1 when none */
	uint64_t started_ns;
};
/* sndbuf: socket send buffer of the board's end (0: system default); 0, or -1 after printing why */
int vb_child_start(struct vb_child *c, const struct vb_board *b, bool quiet, int sndbuf);
void vb_child_kill(struct vb_child *c); /* SIGKILL its process group, reap, close */
void vb_child_hangup(struct vb_child *c); /* close our end of its console only */
int vb_child_reap(struct vb_child *c, int *status); /* 1 reaped (pid now 0), 0 running, -1 error */
void vb_child_describe_exit(int status, char *out, size_t size);

/* relay.c: bytes between the pty and the board, with the simulated slowness */
struct vb_relay {
	struct buf to_board;  /* host -> board, not yet written to the board */
	struct buf to_host;   /* board -> host, not yet written to the pty */
	size_t host_cap;         /* most bytes kept in to_host */
	uint64_t ns_per_byte;    /* from --baud; 0 = unthrottled */
	uint64_t line_free_ns;   /* when the simulated UART may send the next byte */
	uint64_t exec_delay_ns;  /* from --exec-delay */
	uint64_t in_ns_per_byte; /* from --in-baud; 0 = unpaced */
	uint64_t in_line_free_ns;
	uint64_t *eot_due;       /* release time of each 0x04 in to_board, in order */
	size_t eot_head, eot_len, eot_cap;
};
void vb_relay_init(struct vb_relay *r, unsigned long baud, unsigned long in_baud, unsigned long exec_delay_ms);
void vb_relay_clear(struct vb_relay *r);
void vb_relay_free(struct vb_relay *r);
bool vb_relay_want_host_bytes(const struct vb_relay *r);
bool vb_relay_want_board_bytes(const struct vb_relay *r);
/* read what fd has: >0 bytes read, 0 nothing now (EAGAIN), -1 error (errno), -2 end of file */
ssize_t vb_relay_read_host(struct vb_relay *r, int fd, uint64_t now);
ssize_t vb_relay_read_board(struct vb_relay *r, int fd);
/* how many bytes may be written now; *wake is lowered to when more may go (UINT64_MAX: no limit) */
size_t vb_relay_host_ready(struct vb_relay *r, uint64_t now, uint64_t *wake);
size_t vb_relay_board_ready(const struct vb_relay *r, uint64_t now, uint64_t *wake);
/* write up to n ready bytes: >=0 written, -1 error (errno; EAGAIN means try on POLLOUT) */
ssize_t vb_relay_write_host(struct vb_relay *r, int fd, size_t n, uint64_t now);
ssize_t vb_relay_write_board(struct vb_relay *r, int fd, size_t n, uint64_t now);

/* pidfile.c */
int vb_pidfile_write(const char *path); /* 0, or -1 after printing why */
void vb_pidfile_remove(const char *path);

#endif
