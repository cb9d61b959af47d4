/* mp-multitest internals: instances (a board over its raw REPL, or a CPython process over pipes),
 * the scripts they run, and the driver that plays MicroPython's multi-instance test protocol. */
#ifndef MP_MULTITEST_H
#define MP_MULTITEST_H

#include "buf.h"
#include "follow.h"
#include "rawrepl.h"
#include "serial.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define MT_MAX_INSTANCES 16

enum inst_kind { INST_BOARD, INST_CPYTHON };

/* what the driver got from an instance: a line, nothing yet, its end, or trouble */
enum inst_ev { EV_NONE, EV_LINE, EV_END, EV_FAIL };

struct inst {
	enum inst_kind kind;
	int index;            /* the instance number it plays */
	const char *label;    /* board label (or "cpython") */
	int started, ended, stopped;
	struct buf stream;    /* what it printed (board: stdout then the traceback), not split yet */
	size_t pos;           /* start of the first unsplit line in stream */
	struct buf errtext;   /* board: its traceback (stderr in the raw REPL) */
	struct buf tail;      /* at the end: stdout after its last newline (right-stripped) */
	int has_tail, tail_done;
	int64_t last_out;     /* when it last printed something */
	char error[256];      /* EV_FAIL: what went wrong */
	int attention;        /* the board needs attention (no raw REPL, gone, hung) */
	/* board */
	const char *port;
	struct serial ser;
	int ser_open;
	struct repl repl;
	struct follow follow;
	/* CPython */
	const char *python;
	const char *cwd;
	pid_t pid;
	int to_fd, from_fd;
	int eof;
};

struct mt_opts {
	long idle_ms;         /* no output for this long from a running instance = TIMEOUT (10 s) */
	long enter_ms;        /* entering the raw REPL */
	long port_wait_ms;    /* waiting for a port's lock */
	long interrupt_ms;    /* a board must stop this long after Ctrl-C */
	long reboot_ms;       /* WAIT_FOR_REBOOT: how long the banner may take */
	int verbose;
	int no_paste;
	size_t cap;           /* output kept per instance */
};

/* the outcome of a run of all instances */
struct mt_run {
	int skip;             /* an instance printed SKIP while the instances were being started */
	int timeout;          /* an instance fell silent, or the whole test ran out of time */
	int deadline_hit;     /* the whole-test deadline passed */
	int error;            /* an instance printed a traceback (the official runner stops there) */
	int attention;        /* a board needs attention: verdict error */
	int local;            /* a CPython instance could not be started */
	char failure[300];    /* what went wrong (timeout, error) */
	struct buf lines[MT_MAX_INSTANCES]; /* each instance's output lines, "\n"-terminated */
	struct buf metrics;   /* OUTPUT_METRIC data, one line each */
	struct buf globals;   /* the SET lines collected, as "name = value\n" */
};

/* script.c */
/* 1 + the largest N of "def instanceN():" lines; 0 when there is none, -1 when N is too large */
int mt_count_instances(const struct buf *test);
/* the script an instance runs: TEST, the helper class, GLOBALS, then a call of FUNC (e.g. "instance1")
 * and multitest.flush(); CPython also gets sys.path without the current folder first */
void mt_build_script(const struct buf *test, const char *globals, const char *func, int cpython,
		     struct buf *script);
/* HOST_IP = '...' when the test calls get_network_ip(), else nothing */
void mt_host_ip_global(const struct buf *test, struct buf *globals);

/* inst.c */
void inst_init_board(struct inst *in, int index, const char *port, const char *label);
void inst_init_cpython(struct inst *in, int index, const char *python, const char *cwd);
/* open the port (boards); 0, or -1 with in->error set */
int inst_open(struct inst *in, const struct mt_opts *o);
/* start SCRIPT: soft reset + raw REPL + start without following, or a new CPython process */
int inst_start(struct inst *in, const struct mt_opts *o, const struct buf *script, int soft_reset);
/* the next event, waiting at most until DEADLINE for bytes; a line goes to LINE (right-stripped) */
enum inst_ev inst_next(struct inst *in, const struct mt_opts *o, struct buf *line, int64_t deadline);
/* 1 when a line or the end can be had without waiting */
int inst_ready(struct inst *in);
/* the fd to poll for more bytes (-1 when there is none) */
int inst_fd(const struct inst *in);
int inst_write(struct inst *in, const void *p, size_t n);
/* stop it (\r\x03; a board must come back to its raw REPL prompt, a process is ended) */
int inst_stop(struct inst *in, const struct mt_opts *o);
/* WAIT_FOR_REBOOT: wait for the friendly banner, then be ready to start again; 0 or -1 */
int inst_wait_reboot(struct inst *in, const struct mt_opts *o, long extra_ms);
void inst_close(struct inst *in);

/* drive.c */
/* run the test on the instances (INST[i] plays instance i) */
void mt_drive(const struct buf *test, struct inst *inst, int n, const struct mt_opts *o, int64_t deadline,
	      struct mt_run *run);
/* the text compared with the expected output */
void mt_output_text(const struct mt_run *run, int n, struct buf *out);
void mt_run_free(struct mt_run *run);

#endif
