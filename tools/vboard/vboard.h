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

/* fault kinds of --faults, in the order their draws are made (see fault.c) */
enum vb_fault_kind {
	VB_FAULT_HANG,
	VB_FAULT_DISCONNECT,
	VB_FAULT_RESET,
	VB_FAULT_GARBAGE,
	VB_FAULT_SLOW,
	VB_FAULT_REFUSE,
	VB_FAULT_KINDS
};
#define VB_FAULT_DEFAULT_RATE 0.05

struct vb_fault_cfg {
	bool on;                        /* --faults given */
	double rate[VB_FAULT_KINDS];    /* per program; 0: the kind is off */
	unsigned long seed;
	bool seed_given;
	const char *log;                /* --fault-log, NULL when none */
	unsigned long after;            /* --faults-after: the first N programs are never faulted */
	unsigned long limit;            /* --fault-limit: at most N faults in all, 0: no limit */
};

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
	struct vb_fault_cfg fault;
};

/* cli.c: command line */
int vb_parse_args(int argc, char **argv, struct vb_opts *o); /* -1: go on; else exit with it */

/* log.c: messages to stderr, prefixed with the program name */
void vb_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vb_info(const char *fmt, ...) __attribute__((format(printf, 1, 2))); /* silenced by --quiet */
/* said even with --quiet: a change of state that a reader of the log waits for */
void vb_event(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
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

/* fault.c: the fault injector of --faults */
enum vb_fault_action {
	VB_FA_NONE,
	VB_FA_RESET,      /* power-cycle the board now */
	VB_FA_UNPLUG,     /* kill the board, close the pty, remove the link */
	VB_FA_REPLUG,     /* a new pty and link, then a fresh board */
};
struct vb_fault {
	struct vb_fault_cfg cfg;
	uint64_t rng;              /* splitmix64 state */
	int log_fd;                /* -1 when no log */
	uint64_t base_ns_per_byte; /* the relay's own throttling, restored after a slow fault */
	unsigned long programs;    /* programs the host started so far */
	unsigned long injected;    /* faults injected so far */
	/* the host stream, as far as program starts and Ctrl-A go */
	bool raw;                  /* the host entered the raw REPL */
	bool line;                 /* code since the last control byte */
	unsigned char prev[2];     /* the two host bytes before the current one */
	/* a fault waiting for its moment in the board's output */
	int pending;               /* enum vb_fault_kind, -1 when none */
	unsigned long pending_prog;
	size_t seen, cut;          /* output bytes since the program started, where to strike */
	uint64_t pending_deadline;
	/* faults in effect */
	bool hung;
	bool unplugged;
	uint64_t replug_at;
	uint64_t slow_until;       /* 0: not slowed */
	uint64_t refuse_until;     /* 0: Ctrl-A is taken */
};
/* parse SPEC of --faults into cfg->rate; 0, or -1 after printing why */
int vb_fault_parse_spec(const char *spec, struct vb_fault_cfg *cfg);
/* r: the relay, whose throttling a slow fault changes; 0, or -1 after printing why */
int vb_fault_init(struct vb_fault *f, const struct vb_fault_cfg *cfg, const struct vb_relay *r);
void vb_fault_free(struct vb_fault *f);
/* the relay put host bytes at r->to_board[start..]: look for program starts, drop what a fault eats */
void vb_fault_host_read(struct vb_fault *f, struct vb_relay *r, size_t start, uint64_t now);
/* the relay put board bytes at r->to_host[start..]: strike a pending fault at its moment */
enum vb_fault_action vb_fault_board_read(struct vb_fault *f, struct vb_relay *r, size_t start, uint64_t now);
/* timers: end of slow / refuse, replug, a pending fault's deadline; *wake lowered to the next one */
enum vb_fault_action vb_fault_tick(struct vb_fault *f, struct vb_relay *r, uint64_t now, uint64_t *wake);
/* a new board process started (power cycle, restart, replug): a hang or a refusal is over, nothing
 * pending */
void vb_fault_board_started(struct vb_fault *f);

/* pidfile.c */
int vb_pidfile_write(const char *path); /* 0, or -1 after printing why */
void vb_pidfile_remove(const char *path);

#endif
