/* vboard: a virtual MicroPython board behind a pseudo-terminal.
 * main: set up (signals, board command, pidfile, pty, link, board process), announce readiness, then
 * relay bytes until a signal says stop; power-cycle on SIGUSR1, restart a board that died; with --faults,
 * carry out what the fault injector (fault.c) asks for. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "vboard.h"

#define SEC 1000000000u
#define IDLE_WAKE_NS SEC          /* poll at least this often */
#define EOF_GRACE_NS (2u * SEC)   /* a board that closed its console has this long to exit */
#define QUICK_DEATH_NS (2u * SEC) /* a board dying sooner than this is restarted with a back-off */
#define BACKOFF_MIN_NS (SEC / 2)
#define BACKOFF_MAX_NS (10u * SEC)

struct vb_state {
	struct vb_opts opts;
	struct vb_board board;
	struct vb_pty pty;
	struct vb_child child;
	struct vb_relay relay;
	struct vb_fault fault;
	enum vb_fault_action fault_todo; /* struck while reading the board: done after this round's writes */
	unsigned generation;   /* bumped whenever the board process changes */
	uint64_t eof_deadline; /* the board closed its console: kill it if still there by then (0: none) */
	uint64_t restart_at;   /* no board running: start one then (0: none pending) */
	uint64_t backoff_ns;
};

/* a throttled line keeps little in flight, so that what the board prints after a Ctrl-C is not queued
 * behind a long backlog */
static int board_sndbuf(const struct vb_state *s)
{
	return s->opts.baud ? 4096 : 0;
}

static void schedule_restart(struct vb_state *s, uint64_t now, const char *what)
{
	uint64_t lived = now - s->child.started_ns;

	if (lived < QUICK_DEATH_NS) {
		s->backoff_ns = s->backoff_ns ? s->backoff_ns * 2 : BACKOFF_MIN_NS;
		if (s->backoff_ns > BACKOFF_MAX_NS)
			s->backoff_ns = BACKOFF_MAX_NS;
	} else {
		s->backoff_ns = 0;
	}
	s->restart_at = now + s->backoff_ns;
	if (s->restart_at == 0)
		s->restart_at = 1;
	if (s->backoff_ns)
		vb_err("board (%s) %s; restarting in %.1f s", s->board.what, what, (double)s->backoff_ns / SEC);
	else
		vb_err("board (%s) %s; restarting", s->board.what, what);
}

/* a fresh board process; on failure another try is scheduled */
static void start_board(struct vb_state *s)
{
	uint64_t now;

	vb_relay_clear(&s->relay);
	vb_fault_board_started(&s->fault);
	vb_pty_discard_input(&s->pty);
	s->restart_at = 0;
	s->eof_deadline = 0;
	s->generation++;
	if (vb_child_start(&s->child, &s->board, s->opts.quiet, board_sndbuf(s)) == 0)
		return;
	now = vb_now_ns();
	s->child.started_ns = now;
	schedule_restart(s, now, "could not be started");
}

static void power_cycle(struct vb_state *s)
{
	vb_child_kill(&s->child);
	s->backoff_ns = 0;
	start_board(s);
	/* said once done: scripts/vbench.sh cycle waits for this line, after which host input goes to the
	 * new board process (said even with --quiet) */
	vb_event("power cycle");
}

/* fault "disconnect": the board loses power, the pty and its link go away */
static void unplug(struct vb_state *s)
{
	vb_info("unplugged");
	vb_child_kill(&s->child);
	s->generation++;
	s->restart_at = 0;
	s->eof_deadline = 0;
	vb_relay_clear(&s->relay);
	vb_pty_close(&s->pty);
}

/* and comes back: a new pty at the link, a board booting; 0, or -1 after printing why */
static int replug(struct vb_state *s)
{
	if (vb_pty_open(&s->pty) != 0 || vb_pty_link(&s->pty, s->opts.link) != 0)
		return -1;
	vb_info("replugged at %s", s->pty.name);
	s->backoff_ns = 0;
	vb_child_kill(&s->child); /* one that a power cycle started meanwhile */
	start_board(s);
	return 0;
}

/* 0, or -1: cannot go on */
static int do_fault(struct vb_state *s, enum vb_fault_action a)
{
	switch (a) {
	case VB_FA_NONE:
		break;
	case VB_FA_RESET:
		power_cycle(s);
		break;
	case VB_FA_UNPLUG:
		unplug(s);
		break;
	case VB_FA_REPLUG:
		return replug(s);
	}
	return 0;
}

/* SIGCHLD, or the board closed its console: if it has exited, say how and restart it */
static int check_board(struct vb_state *s, uint64_t now)
{
	char how[128];
	int st = 0, r;

	r = vb_child_reap(&s->child, &st);
	if (r < 0) {
		vb_err("cannot wait for the board: %s", strerror(errno));
		return -1;
	}
	if (r == 0)
		return 0;
	vb_child_kill(&s->child); /* closes our end; the process is gone already */
	s->eof_deadline = 0;
	s->generation++;
	vb_child_describe_exit(st, how, sizeof how);
	schedule_restart(s, now, how);
	return 0;
}

/* the board's console closed: give the process a moment to exit, then make sure */
static void board_hung_up(struct vb_state *s, uint64_t now)
{
	vb_child_hangup(&s->child);
	s->eof_deadline = now + EOF_GRACE_NS;
	s->generation++;
}

/* 1: stop, 0: go on, -1: error */
static int handle_signals(struct vb_state *s)
{
	bool cycle = false, child = false;
	int signo;

	while ((signo = vb_sig_take()) > 0) {
		switch (signo) {
		case SIGTERM:
		case SIGINT:
		case SIGHUP:
			vb_info("stopping on signal %d (%s)", signo, strsignal(signo));
			return 1;
		case SIGUSR1:
			cycle = true;
			break;
		case SIGCHLD:
			child = true;
			break;
		default:
			break;
		}
	}
	if (signo < 0) {
		vb_err("cannot read the signal pipe: %s", strerror(errno));
		return -1;
	}
	if (child && check_board(s, vb_now_ns()) != 0)
		return -1;
	if (cycle)
		power_cycle(s);
	return 0;
}

/* bytes from the host; -1: the pty is unusable */
static int read_host(struct vb_state *s, short revents, uint64_t now)
{
	size_t start = s->relay.to_board.len;
	ssize_t n;

	if (revents & POLLIN) {
		n = vb_relay_read_host(&s->relay, s->pty.master, now);
		if (n > 0)
			vb_fault_host_read(&s->fault, &s->relay, start, now);
		if (n == -1) {
			vb_err("cannot read from the pty: %s", strerror(errno));
			return -1;
		}
		if (n == -2) {
			vb_err("cannot read from the pty: end of file");
			return -1;
		}
	} else if (revents & (POLLERR | POLLHUP | POLLNVAL)) {
		vb_err("cannot use the pty: it hung up");
		return -1;
	}
	return 0;
}

/* bytes from the board; a console that is gone means the board is going */
static void read_board(struct vb_state *s, short revents, uint64_t now)
{
	size_t start = s->relay.to_host.len;
	ssize_t n;

	if (revents & POLLIN) {
		n = vb_relay_read_board(&s->relay, s->child.fd);
		if (n > 0)
			s->fault_todo = vb_fault_board_read(&s->fault, &s->relay, start, now);
		if (n == -1 || n == -2) {
			if (n == -1)
				vb_info("board console: %s", strerror(errno));
			board_hung_up(s, now);
		}
	} else if (revents & (POLLERR | POLLHUP | POLLNVAL)) {
		board_hung_up(s, now);
	}
}

/* write whatever may go now, in both directions (a full side answers EAGAIN and waits for POLLOUT) */
static int write_both(struct vb_state *s, uint64_t now)
{
	uint64_t wake = UINT64_MAX;
	size_t ready;
	ssize_t n;

	if (s->child.fd >= 0) {
		ready = vb_relay_board_ready(&s->relay, now, &wake);
		if (ready) {
			n = vb_relay_write_board(&s->relay, s->child.fd, ready, now);
			if (n < 0 && errno != EAGAIN) {
				vb_info("board console: %s", strerror(errno));
				board_hung_up(s, now);
			}
		}
	}
	if (s->pty.master < 0)
		return 0; /* unplugged */
	ready = vb_relay_host_ready(&s->relay, now, &wake);
	if (ready) {
		n = vb_relay_write_host(&s->relay, s->pty.master, ready, now);
		if (n < 0 && errno != EAGAIN) {
			vb_err("cannot write to the pty: %s", strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int run(struct vb_state *s)
{
	struct pollfd pf[3];
	uint64_t now, wake;
	unsigned gen;
	size_t to_host, to_board;
	int rc, timeout, i_board;

	for (;;) {
		now = vb_now_ns();
		if (s->restart_at && now >= s->restart_at)
			start_board(s);
		if (s->eof_deadline && now >= s->eof_deadline && s->child.pid > 0) {
			vb_err("board (%s) closed its console but did not exit; killing it", s->board.what);
			vb_child_kill(&s->child);
			s->eof_deadline = 0;
			s->generation++;
			schedule_restart(s, now, "was killed");
		}
		wake = now + IDLE_WAKE_NS;
		if (s->restart_at && s->restart_at < wake)
			wake = s->restart_at;
		if (s->eof_deadline && s->eof_deadline < wake)
			wake = s->eof_deadline;
		gen = s->generation;
		if (do_fault(s, vb_fault_tick(&s->fault, &s->relay, now, &wake)) != 0)
			return VB_EXIT_START;
		if (gen != s->generation)
			continue; /* the board or the pty changed */
		to_host = s->pty.master >= 0 ? vb_relay_host_ready(&s->relay, now, &wake) : 0;
		to_board = s->child.fd >= 0 ? vb_relay_board_ready(&s->relay, now, &wake) : 0;

		pf[0].fd = vb_sig_fd();
		pf[0].events = POLLIN;
		pf[1].fd = s->pty.master;
		pf[1].events = (short)((s->child.fd >= 0 && vb_relay_want_host_bytes(&s->relay) ? POLLIN : 0) |
				       (to_host ? POLLOUT : 0));
		i_board = -1;
		if (s->child.fd >= 0) {
			i_board = 2;
			pf[2].fd = s->child.fd;
			pf[2].events = (short)((vb_relay_want_board_bytes(&s->relay) ? POLLIN : 0) |
					       (to_board ? POLLOUT : 0));
		}
		timeout = vb_timeout_ms(now, wake);
		rc = poll(pf, i_board < 0 ? 2 : 3, timeout);
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			vb_err("cannot poll: %s", strerror(errno));
			return VB_EXIT_START;
		}
		gen = s->generation;
		if (pf[0].revents & POLLIN) {
			rc = handle_signals(s);
			if (rc > 0)
				return VB_EXIT_OK;
			if (rc < 0)
				return VB_EXIT_START;
		}
		if (gen != s->generation)
			continue; /* the board changed: these events are about the old one */
		now = vb_now_ns();
		if (read_host(s, pf[1].revents, now) != 0)
			return VB_EXIT_START;
		if (i_board >= 0)
			read_board(s, pf[i_board].revents, now);
		if (write_both(s, now) != 0)
			return VB_EXIT_START;
		if (do_fault(s, s->fault_todo) != 0)
			return VB_EXIT_START;
		s->fault_todo = VB_FA_NONE;
	}
}

static int finish_stdout(int rc)
{
	if ((ferror(stdout) | fclose(stdout)) != 0 && rc == VB_EXIT_OK) {
		fprintf(stderr, VB_PROG ": cannot write to stdout: %s\n", strerror(errno));
		return VB_EXIT_START;
	}
	return rc;
}

int main(int argc, char **argv)
{
	struct vb_state s;
	bool pidfile = false;
	int rc;

	memset(&s, 0, sizeof s);
	s.pty.master = s.pty.slave = -1;
	s.child.fd = -1;
	s.fault.log_fd = -1;
	rc = vb_parse_args(argc, argv, &s.opts);
	if (rc >= 0)
		return finish_stdout(rc);
	vb_quiet = s.opts.quiet;
	/* a micro:bit's UART takes bytes at 115200 baud; QEMU's model drops bytes that come faster */
	if (!s.opts.in_baud_given && s.opts.type == VB_TYPE_MICROBIT)
		s.opts.in_baud = 115200;
	vb_relay_init(&s.relay, s.opts.baud, s.opts.in_baud, s.opts.exec_delay_ms);
	rc = VB_EXIT_START;
	if (vb_fault_init(&s.fault, &s.opts.fault, &s.relay) != 0)
		goto out;

	if (vb_sig_init() != 0)
		goto out;
	if (vb_board_resolve(&s.board, &s.opts) != 0)
		goto out;
	if (s.opts.pidfile) {
		if (vb_pidfile_write(s.opts.pidfile) != 0)
			goto out;
		pidfile = true;
	}
	if (vb_pty_open(&s.pty) != 0)
		goto out;
	if (vb_pty_link(&s.pty, s.opts.link) != 0)
		goto out;
	if (vb_child_start(&s.child, &s.board, s.opts.quiet, board_sndbuf(&s)) != 0)
		goto out;
	s.generation = 1;
	if (printf(VB_PROG ": ready %s\n", s.opts.link) < 0 || fflush(stdout) != 0)
		vb_err("cannot write to stdout: %s", strerror(errno));
	rc = run(&s);
out:
	vb_child_kill(&s.child);
	vb_pty_close(&s.pty);
	if (pidfile)
		vb_pidfile_remove(s.opts.pidfile);
	vb_fault_free(&s.fault);
	vb_relay_free(&s.relay);
	vb_board_free(&s.board);
	vb_sig_close();
	return finish_stdout(rc);
}
