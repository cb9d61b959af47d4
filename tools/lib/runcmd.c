#include "runcmd.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int runcmd_capture(char *const argv[], const char *cwd, char *const env[], long timeout_ms, struct buf *out,
		   int *status, char *why, size_t whylen)
{
	int fds[2], errpipe[2];
	buf_reset(out);
	if (pipe2(fds, O_CLOEXEC) != 0)
		goto nopipe;
	if (pipe2(errpipe, O_CLOEXEC) != 0) {
		close(fds[0]);
		close(fds[1]);
		goto nopipe;
	}
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(why, whylen, "cannot start '%s': %s", argv[0], strerror(errno));
		close(fds[0]);
		close(fds[1]);
		close(errpipe[0]);
		close(errpipe[1]);
		return RUNCMD_IOERR;
	}
	if (pid == 0) {
		/* child: its own process group (killed whole on timeout), output and errors into the pipe */
		int devnull = open("/dev/null", O_RDONLY);
		int e = 0;
		if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(fds[1], 1) < 0 || dup2(fds[1], 2) < 0 ||
		    (cwd && chdir(cwd) != 0))
			e = errno;
		for (char *const *v = env; !e && v && *v; v++)
			if (putenv(*v) != 0)
				e = errno;
		if (!e) {
			setpgid(0, 0);
			execvp(argv[0], argv);
			e = errno;
		}
		if (write(errpipe[1], &e, sizeof e) != (ssize_t)sizeof e)
			_exit(126);
		_exit(127);
	}
	close(fds[1]);
	close(errpipe[1]);
	int rc = RUNCMD_OK, execerr = 0;
	ssize_t got = read(errpipe[0], &execerr, sizeof execerr);
	close(errpipe[0]);
	if (got == (ssize_t)sizeof execerr) {
		snprintf(why, whylen, "cannot run '%s': %s", argv[0], strerror(execerr));
		rc = RUNCMD_NOEXEC;
	} else {
		int64_t deadline = tb_now_ms() + timeout_ms;
		uint8_t chunk[65536];
		for (;;) {
			int64_t left = deadline - tb_now_ms();
			if (left <= 0) {
				snprintf(why, whylen, "'%s' did not finish within %ld s", argv[0], timeout_ms / 1000);
				kill(-pid, SIGKILL);
				kill(pid, SIGKILL);
				rc = RUNCMD_TIMEOUT;
				break;
			}
			struct pollfd p = {.fd = fds[0], .events = POLLIN};
			int pr = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
			if (pr < 0 && errno != EINTR) {
				snprintf(why, whylen, "cannot read the output of '%s': %s", argv[0], strerror(errno));
				rc = RUNCMD_IOERR;
				break;
			}
			if (pr <= 0)
				continue;
			ssize_t n = read(fds[0], chunk, sizeof chunk);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			buf_add(out, chunk, (size_t)n);
		}
	}
	close(fds[0]);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	*status = st;
	return rc;

nopipe:
	snprintf(why, whylen, "cannot create a pipe: %s", strerror(errno));
	return RUNCMD_IOERR;
}
