/* The board process: started on one end of a socketpair (its stdin and stdout), in its own process
 * group, killed with its group when vboard power-cycles the board or exits. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vboard.h"

#define EXEC_CHECK_MS 10000 /* how long to wait for the exec to be known to have worked */
#define REAP_WAIT_MS 5000   /* how long to wait for a killed board to be gone */

/* runs in the child after fork: only async-signal-safe calls */
static void __attribute__((noreturn))
exec_board(const struct vb_board *b, int sock, int devnull, int errfd, pid_t parent)
{
	struct sigaction sa;
	int e;
	ssize_t n;

	if (setpgid(0, 0) != 0)
		goto fail;
	/* die with vboard, even if it is killed without a chance to clean up */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
		goto fail;
	if (getppid() != parent)
		_exit(127);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	if (sigemptyset(&sa.sa_mask) != 0 || sigaction(SIGPIPE, &sa, NULL) != 0)
		goto fail;
	if (dup2(sock, STDIN_FILENO) < 0 || dup2(sock, STDOUT_FILENO) < 0)
		goto fail;
	if (devnull >= 0 && dup2(devnull, STDERR_FILENO) < 0)
		goto fail;
	execvp(b->argv[0], b->argv);
fail:
	e = errno;
	n = write(errfd, &e, sizeof e);
	(void)n;
	_exit(127);
}

/* bounded wait for a child that has been killed or has failed */
static int reap_within(pid_t pid, int ms, int *status)
{
	int waited = 0;
	pid_t r;

	for (;;) {
		r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
		if (waited >= ms) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (poll(NULL, 0, 10) < 0 && errno != EINTR)
			return -1;
		waited += 10;
	}
}

int vb_child_start(struct vb_child *c, const struct vb_board *b, bool quiet, int sndbuf)
{
	int sv[2] = { -1, -1 }, ep[2] = { -1, -1 }, devnull = -1;
	pid_t parent = getpid(), pid;
	struct pollfd pfd;
	int e = 0, st, rc, fl;
	ssize_t n;

	c->pid = 0;
	c->fd = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		vb_err("cannot create a socketpair: %s", strerror(errno));
		return -1;
	}
	if (sndbuf > 0 && setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf) != 0) {
		vb_err("cannot set the board socket's buffer size: %s", strerror(errno));
		goto fail;
	}
	if (pipe2(ep, O_CLOEXEC) != 0) {
		vb_err("cannot create a pipe: %s", strerror(errno));
		goto fail;
	}
	if (quiet) {
		devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (devnull < 0) {
			vb_err("cannot open '/dev/null': %s", strerror(errno));
			goto fail;
		}
	}
	pid = fork();
	if (pid < 0) {
		vb_err("cannot fork: %s", strerror(errno));
		goto fail;
	}
	if (pid == 0)
		exec_board(b, sv[1], devnull, ep[1], parent);

	/* also here, so that a kill of the group cannot race the child's own setpgid */
	if (setpgid(pid, pid) != 0 && errno != EACCES && errno != ESRCH)
		vb_err("cannot set the process group of the board: %s", strerror(errno));
	vb_close_fd(&sv[1], "the board socket");
	vb_close_fd(&ep[1], "the start pipe");
	vb_close_fd(&devnull, "'/dev/null'");

	/* the error pipe closes on a successful exec, or brings the errno of a failed one */
	pfd.fd = ep[0];
	pfd.events = POLLIN;
	do
		rc = poll(&pfd, 1, EXEC_CHECK_MS);
	while (rc < 0 && errno == EINTR);
	if (rc < 0) {
		vb_err("cannot poll: %s", strerror(errno));
	} else if (rc > 0) {
		do
			n = read(ep[0], &e, sizeof e);
		while (n < 0 && errno == EINTR);
		if (n == (ssize_t)sizeof e) {
			vb_err("cannot run '%s': %s", b->argv[0], strerror(e));
			rc = -1;
		} else if (n < 0) {
			vb_err("cannot read from the board's start pipe: %s", strerror(errno));
			rc = -1;
		}
	}
	vb_close_fd(&ep[0], "the start pipe");
	if (rc < 0) {
		if (kill(pid, SIGKILL) != 0 && errno != ESRCH)
			vb_err("cannot kill process %ld: %s", (long)pid, strerror(errno));
		if (reap_within(pid, REAP_WAIT_MS, &st) != 0)
			vb_err("cannot reap process %ld: %s", (long)pid, strerror(errno));
		vb_close_fd(&sv[0], "the board socket");
		return -1;
	}
	fl = fcntl(sv[0], F_GETFL);
	if (fl < 0 || fcntl(sv[0], F_SETFL, fl | O_NONBLOCK) < 0) {
		vb_err("cannot make the board socket non-blocking: %s", strerror(errno));
		c->pid = pid;
		c->fd = sv[0];
		vb_child_kill(c);
		return -1;
	}
	c->pid = pid;
	c->fd = sv[0];
	c->started_ns = vb_now_ns();
	return 0;

fail:
	vb_close_fd(&sv[0], "the board socket");
	vb_close_fd(&sv[1], "the board socket");
	vb_close_fd(&ep[0], "the start pipe");
	vb_close_fd(&ep[1], "the start pipe");
	vb_close_fd(&devnull, "'/dev/null'");
	return -1;
}

void vb_child_kill(struct vb_child *c)
{
	int st;

	if (c->pid > 0) {
		if (kill(-c->pid, SIGKILL) != 0 && kill(c->pid, SIGKILL) != 0 && errno != ESRCH)
			vb_err("cannot kill the board (pid %ld): %s", (long)c->pid, strerror(errno));
		if (reap_within(c->pid, REAP_WAIT_MS, &st) != 0)
			vb_err("cannot reap the board (pid %ld): %s", (long)c->pid, strerror(errno));
		c->pid = 0;
	}
	vb_close_fd(&c->fd, "the board socket");
}

void vb_child_hangup(struct vb_child *c)
{
	vb_close_fd(&c->fd, "the board socket");
}

int vb_child_reap(struct vb_child *c, int *status)
{
	siginfo_t si;
	pid_t r;

	if (c->pid <= 0)
		return 0;
	/* look first without reaping: while the zombie exists, its pid cannot name another process */
	memset(&si, 0, sizeof si);
	if (waitid(P_PID, (id_t)c->pid, &si, WEXITED | WNOHANG | WNOWAIT) != 0)
		return errno == EINTR ? 0 : -1;
	if (si.si_pid == 0)
		return 0;
	/* the rest of its process group (if any) goes too */
	if (kill(-c->pid, SIGKILL) != 0 && errno != ESRCH)
		vb_err("cannot kill the board's process group: %s", strerror(errno));
	do
		r = waitpid(c->pid, status, 0);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -1;
	c->pid = 0;
	return 1;
}

void vb_child_describe_exit(int status, char *out, size_t size)
{
	if (WIFEXITED(status))
		snprintf(out, size, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(out, size, "was killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(out, size, "stopped (status 0x%x)", (unsigned)status);
}
