/* Signals: the handlers only write the signal number to a self-pipe; the main loop polls its read end.
 * SIGPIPE is ignored (a closed board or port shows up as EPIPE instead). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "vboard.h"

static int sig_pipe[2] = { -1, -1 };

static void on_signal(int signo)
{
	int saved = errno;
	unsigned char b = (unsigned char)signo;

	ssize_t n;

	/* a full pipe already holds a wake-up: nothing more a handler can do */
	n = write(sig_pipe[1], &b, 1);
	(void)n;
	errno = saved;
}

int vb_sig_init(void)
{
	static const int sigs[] = { SIGUSR1, SIGTERM, SIGINT, SIGHUP, SIGCHLD };
	struct sigaction sa;
	size_t i;

	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
		vb_err("cannot create a pipe: %s", strerror(errno));
		return -1;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	if (sigemptyset(&sa.sa_mask) != 0 || sigaction(SIGPIPE, &sa, NULL) != 0) {
		vb_err("cannot ignore SIGPIPE: %s", strerror(errno));
		return -1;
	}
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		if (sigaction(sigs[i], &sa, NULL) != 0) {
			vb_err("cannot handle signal %d: %s", sigs[i], strerror(errno));
			return -1;
		}
	}
	return 0;
}

int vb_sig_fd(void)
{
	return sig_pipe[0];
}

int vb_sig_take(void)
{
	unsigned char b;
	ssize_t n;

	for (;;) {
		n = read(sig_pipe[0], &b, 1);
		if (n == 1)
			return b;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		return -1;
	}
}

void vb_sig_close(void)
{
	vb_close_fd(&sig_pipe[0], "the signal pipe");
	vb_close_fd(&sig_pipe[1], "the signal pipe");
}
