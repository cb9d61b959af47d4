/* Instances: a board driven through its raw REPL, or a CPython process driven through pipes. The
 * driver sees both the same way: start a script, lines as they come, the end, write a line, stop. */
#include "multitest.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

static void reset_stream(struct inst *in)
{
	buf_reset(&in->stream);
	buf_reset(&in->errtext);
	in->pos = 0;
	in->ended = in->stopped = in->eof = 0;
	in->tail_done = 0;
	in->last_out = tb_now_ms();
}

void inst_init_board(struct inst *in, int index, const char *port, const char *label)
{
	memset(in, 0, sizeof *in);
	in->kind = INST_BOARD;
	in->index = index;
	in->port = port;
	in->label = label;
	in->pid = -1;
	in->to_fd = in->from_fd = -1;
}

void inst_init_cpython(struct inst *in, int index, const char *python, const char *cwd)
{
	memset(in, 0, sizeof *in);
	in->kind = INST_CPYTHON;
	in->index = index;
	in->python = python;
	in->cwd = cwd;
	in->label = "cpython";
	in->pid = -1;
	in->to_fd = in->from_fd = -1;
}

int inst_open(struct inst *in, const struct mt_opts *o)
{
	if (in->kind != INST_BOARD)
		return 0;
	if (serial_open_wait(&in->ser, in->port, 115200, o->port_wait_ms) != SERIAL_OK) {
		snprintf(in->error, sizeof in->error, "cannot open %s", in->port);
		in->attention = 1;
		return -1;
	}
	in->ser_open = 1;
	repl_init(&in->repl, &in->ser.io);
	in->repl.verbose = o->verbose;
	if (o->no_paste)
		in->repl.paste = 0;
	return 0;
}

static int board_start(struct inst *in, const struct mt_opts *o, const struct buf *script, int soft_reset)
{
	int st = repl_enter(&in->repl, soft_reset, o->enter_ms);
	if (st == REPL_OK)
		st = repl_start(&in->repl, script->data, script->len, tb_now_ms() + 30000);
	if (st != REPL_OK) {
		snprintf(in->error, sizeof in->error, "%s: %s", in->label,
			 in->repl.error[0] ? in->repl.error : "no answer while starting the script");
		in->attention = 1;
		return -1;
	}
	follow_init(&in->follow, &in->stream, &in->errtext, o->cap);
	return 0;
}

static int cpython_start(struct inst *in, const struct buf *script)
{
	int to[2], from[2], ep[2];
	if (pipe2(to, O_CLOEXEC) != 0) {
		tb_warn_errno("cannot create a pipe");
		return -1;
	}
	if (pipe2(from, O_CLOEXEC) != 0) {
		tb_warn_errno("cannot create a pipe");
		close(to[0]);
		close(to[1]);
		return -1;
	}
	if (pipe2(ep, O_CLOEXEC) != 0) {
		tb_warn_errno("cannot create a pipe");
		close(to[0]);
		close(to[1]);
		close(from[0]);
		close(from[1]);
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		tb_warn_errno("cannot start '%s'", in->python);
		close(to[0]);
		close(to[1]);
		close(from[0]);
		close(from[1]);
		close(ep[0]);
		close(ep[1]);
		return -1;
	}
	if (pid == 0) {
		/* child: the test's folder; stdin from the driver, stdout and stderr to it, unbuffered as a
		 * board's console is (a print before a long sleep is output, not silence) */
		int e = 0;
		if ((in->cwd && chdir(in->cwd) != 0) || dup2(to[0], 0) < 0 || dup2(from[1], 1) < 0 ||
		    dup2(from[1], 2) < 0 || setenv("PYTHONIOENCODING", "utf-8", 1) != 0 ||
		    setenv("PYTHONUNBUFFERED", "1", 1) != 0)
			e = errno;
		if (!e) {
			execlp(in->python, in->python, "-c", (const char *)script->data, (char *)NULL);
			e = errno;
		}
		if (write(ep[1], &e, sizeof e) != (ssize_t)sizeof e)
			_exit(126);
		_exit(127);
	}
	close(to[0]);
	close(from[1]);
	close(ep[1]);
	int e = 0;
	ssize_t got;
	do
		got = read(ep[0], &e, sizeof e);
	while (got < 0 && errno == EINTR);
	close(ep[0]);
	if (got == (ssize_t)sizeof e) {
		tb_warn("cannot run '%s': %s (install python3, give --python, or an .exp file)", in->python,
			strerror(e));
		close(to[1]);
		close(from[0]);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		return -1;
	}
	int fl = fcntl(from[0], F_GETFL);
	if (fl < 0 || fcntl(from[0], F_SETFL, fl | O_NONBLOCK) != 0) {
		tb_warn_errno("fcntl");
		close(to[1]);
		close(from[0]);
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		return -1;
	}
	in->pid = pid;
	in->to_fd = to[1];
	in->from_fd = from[0];
	return 0;
}

int inst_start(struct inst *in, const struct mt_opts *o, const struct buf *script, int soft_reset)
{
	reset_stream(in);
	int rc = in->kind == INST_BOARD ? board_start(in, o, script, soft_reset) : cpython_start(in, script);
	if (rc == 0) {
		in->started = 1;
		in->last_out = tb_now_ms();
	}
	return rc;
}

/* the next complete line of stream (up to LIMIT), right-stripped, bytes >= 0x80 written as \xNN as
 * the official runner decodes them; 1 when there was one */
static int take_line(struct inst *in, struct buf *line, int partial_ok)
{
	if (!in->stream.data)
		return 0; /* nothing came yet (and no buffer to point into) */
	const uint8_t *p = in->stream.data + in->pos;
	size_t n = in->stream.len - in->pos;
	const uint8_t *nl = n ? memchr(p, '\n', n) : NULL;
	if (!nl && !(partial_ok && n))
		return 0;
	size_t len = nl ? (size_t)(nl - p) : n;
	in->pos += nl ? len + 1 : len;
	while (len && (p[len - 1] == ' ' || (p[len - 1] >= '\t' && p[len - 1] <= '\r')))
		len--;
	buf_reset(line);
	for (size_t i = 0; i < len; i++) {
		if (p[i] < 0x80)
			buf_addc(line, p[i]);
		else
			buf_printf(line, "\\x%02x", p[i]);
	}
	if (in->pos > 65536) { /* keep the buffer small: what was split is not needed any more */
		buf_consume(&in->stream, in->pos);
		in->pos = 0;
	}
	return 1;
}

/* bytes that may have come in: read without waiting past DEADLINE; 1 bytes came, 0 none, -1 failed */
static int pull(struct inst *in, int64_t deadline)
{
	if (in->kind == INST_BOARD) {
		size_t before = in->stream.len + in->errtext.len + in->follow.out_total + in->follow.err_total;
		int st = repl_pump(&in->repl, &in->follow, deadline);
		if (st == REPL_TIMEOUT)
			return 0;
		if (st != REPL_OK) {
			snprintf(in->error, sizeof in->error, "%s: %s", in->label, in->repl.error);
			in->attention = 1;
			return -1;
		}
		if (in->stream.len + in->errtext.len + in->follow.out_total + in->follow.err_total != before)
			in->last_out = tb_now_ms();
		return 1;
	}
	if (in->eof)
		return 0;
	uint8_t tmp[4096];
	for (;;) {
		ssize_t r = read(in->from_fd, tmp, sizeof tmp);
		if (r > 0) {
			buf_add(&in->stream, tmp, (size_t)r);
			in->last_out = tb_now_ms();
			return 1;
		}
		if (r == 0) {
			in->eof = 1;
			return 1;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN) {
			snprintf(in->error, sizeof in->error, "cannot read from %s: %s", in->python, strerror(errno));
			return -1;
		}
		int64_t left = deadline - tb_now_ms();
		if (left <= 0)
			return 0;
		struct pollfd pf = {.fd = in->from_fd, .events = POLLIN};
		if (poll(&pf, 1, left > 1000 ? 1000 : (int)left) < 0 && errno != EINTR) {
			snprintf(in->error, sizeof in->error, "poll: %s", strerror(errno));
			return -1;
		}
	}
}

static void reap(struct inst *in)
{
	if (in->pid > 0) {
		while (waitpid(in->pid, NULL, 0) < 0 && errno == EINTR)
			;
		in->pid = -1;
	}
}

int inst_ready(struct inst *in)
{
	if (in->ended || !in->started)
		return 0;
	if (memchr(in->stream.data ? in->stream.data + in->pos : (const uint8_t *)"", '\n',
		   in->stream.len - in->pos))
		return 1;
	if (in->kind == INST_BOARD)
		return repl_buffered(&in->repl) > 0 || in->follow.state == FOLLOW_DONE;
	return in->eof;
}

enum inst_ev inst_next(struct inst *in, const struct mt_opts *o, struct buf *line, int64_t deadline)
{
	(void)o;
	if (in->ended || !in->started)
		return EV_END;
	for (int round = 0; round < 2; round++) {
		int out_over = in->kind == INST_BOARD ? in->follow.state != FOLLOW_STDOUT : in->eof;
		if (take_line(in, line, 0))
			return EV_LINE;
		if (out_over) {
			/* a board ends once it is back at its prompt (its traceback is complete then) */
			if (in->kind == INST_BOARD && in->follow.state != FOLLOW_DONE) {
				int r = pull(in, deadline);
				if (r < 0)
					return EV_FAIL;
				if (r == 0)
					return EV_NONE;
				continue;
			}
			/* the rest of stdout without a newline: the caller takes it with the traceback */
			buf_reset(&in->tail);
			in->has_tail = in->pos < in->stream.len;
			if (in->has_tail)
				take_line(in, &in->tail, 1);
			in->ended = 1;
			if (in->kind == INST_CPYTHON) {
				reap(in);
				close(in->from_fd);
				close(in->to_fd);
				in->from_fd = in->to_fd = -1;
			}
			return EV_END;
		}
		if (round)
			break;
		int r = pull(in, deadline);
		if (r < 0)
			return EV_FAIL;
		if (r == 0)
			return EV_NONE;
	}
	return EV_NONE;
}

int inst_fd(const struct inst *in)
{
	if (in->ended || !in->started)
		return -1;
	return in->kind == INST_BOARD ? in->ser.fd : in->from_fd;
}

int inst_write(struct inst *in, const void *p, size_t n)
{
	if (in->kind == INST_BOARD) {
		if (repl_send(&in->repl, p, n) != REPL_OK) {
			snprintf(in->error, sizeof in->error, "%s: %s", in->label, in->repl.error);
			in->attention = 1;
			return -1;
		}
		return 0;
	}
	const uint8_t *b = p;
	while (n) {
		ssize_t w = write(in->to_fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return errno == EPIPE ? 0 : -1; /* the process ended: it reads no more */
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

int inst_stop(struct inst *in, const struct mt_opts *o)
{
	if (!in->started || in->ended)
		return 0;
	in->stopped = 1;
	in->ended = 1;
	if (in->kind == INST_CPYTHON) {
		if (kill(in->pid, SIGTERM) != 0 && errno != ESRCH)
			tb_warn_errno("kill %ld", (long)in->pid);
		reap(in);
		close(in->from_fd);
		close(in->to_fd);
		in->from_fd = in->to_fd = -1;
		return 0;
	}
	/* the board must come back to its raw REPL prompt, else it needs a power cycle */
	if (in->follow.state == FOLLOW_DONE)
		return 0;
	int st = repl_send(&in->repl, "\r", 1);
	if (st == REPL_OK)
		st = repl_interrupt(&in->repl, &in->follow, o->interrupt_ms);
	if (st != REPL_OK) {
		snprintf(in->error, sizeof in->error, "%s: does not stop after Ctrl-C (hung)", in->label);
		in->attention = 1;
		return -1;
	}
	return 0;
}

/* "MicroPython vX.Y.Z... on ...; ... with ..." */
static int is_banner(const char *s)
{
	if (strncmp(s, "MicroPython v", 13) != 0)
		return 0;
	s += 13;
	for (int part = 0; part < 3; part++) {
		if (*s < '0' || *s > '9')
			return 0;
		while (*s >= '0' && *s <= '9')
			s++;
		if (part < 2 && *s++ != '.')
			return 0;
	}
	const char *on = strstr(s, " on ");
	const char *semi = on ? strstr(on + 4, "; ") : NULL;
	return semi && strstr(semi + 2, " with ") != NULL;
}

int inst_wait_reboot(struct inst *in, const struct mt_opts *o, long extra_ms)
{
	if (in->kind == INST_CPYTHON) {
		/* a process cannot reboot: it is ended and started again with the resume function */
		in->ended = 0;
		inst_stop(in, o);
		return 0;
	}
	int64_t deadline = tb_now_ms() + o->reboot_ms + extra_ms;
	struct buf got = BUF_INIT;
	int rc = -1;
	for (;;) {
		buf_reset(&got);
		int st = repl_read_until(&in->repl, "\n", 1, &got, deadline);
		if (st != REPL_OK) {
			snprintf(in->error, sizeof in->error, "%s: %s", in->label,
				 st == REPL_TIMEOUT ? "no MicroPython banner after the reboot" : in->repl.error);
			in->attention = 1;
			break;
		}
		if (is_banner(buf_str(&got))) {
			rc = 0;
			break;
		}
	}
	buf_free(&got);
	in->ended = 1;
	return rc;
}

void inst_close(struct inst *in)
{
	if (in->kind == INST_CPYTHON && in->pid > 0) {
		if (kill(in->pid, SIGKILL) != 0 && errno != ESRCH)
			tb_warn_errno("kill %ld", (long)in->pid);
		reap(in);
	}
	if (in->from_fd >= 0)
		close(in->from_fd);
	if (in->to_fd >= 0)
		close(in->to_fd);
	in->from_fd = in->to_fd = -1;
	if (in->ser_open)
		serial_close(&in->ser);
	in->ser_open = 0;
	buf_free(&in->stream);
	buf_free(&in->errtext);
	buf_free(&in->tail);
}
