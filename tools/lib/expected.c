#include "expected.h"
#include "fileio.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

char *expected_file(const char *test_path, const char *emit)
{
	char *p = tb_xasprintf("%s.%s.exp", test_path, emit ? emit : "bytecode");
	if (file_exists(p))
		return p;
	free(p);
	p = tb_xasprintf("%s.exp", test_path);
	if (file_exists(p))
		return p;
	free(p);
	return NULL;
}

int expected_cpython(const char *python, const char *test_path, long timeout_ms, struct buf *out)
{
	char *abs = realpath(test_path, NULL);
	if (!abs) {
		tb_warn_errno("cannot find '%s'", test_path);
		return EXPECTED_IOERR;
	}
	char *dir = tb_xstrdup(abs);
	*strrchr(dir, '/') = 0;
	int fds[2], errpipe[2];
	if (pipe2(fds, O_CLOEXEC) != 0 || pipe2(errpipe, O_CLOEXEC) != 0) {
		tb_warn_errno("cannot create a pipe");
		free(abs);
		free(dir);
		return EXPECTED_IOERR;
	}
	pid_t pid = fork();
	if (pid < 0) {
		tb_warn_errno("cannot start '%s'", python);
		free(abs);
		free(dir);
		return EXPECTED_IOERR;
	}
	if (pid == 0) {
		/* child: the test's folder, output and errors into the pipe, UTF-8 */
		if (dup2(fds[1], 1) < 0 || dup2(fds[1], 2) < 0 || chdir(*dir ? dir : "/") != 0 ||
		    setenv("PYTHONIOENCODING", "utf-8", 1) != 0)
			_exit(127);
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0)
			dup2(devnull, 0);
		setpgid(0, 0);
		execlp(python, python, "-BS", abs, (char *)NULL);
		int e = errno;
		if (write(errpipe[1], &e, sizeof e) != (ssize_t)sizeof e)
			_exit(126);
		_exit(127);
	}
	close(fds[1]);
	close(errpipe[1]);
	free(dir);
	int rc = EXPECTED_OK;
	int execerr = 0;
	ssize_t got = read(errpipe[0], &execerr, sizeof execerr);
	close(errpipe[0]);
	buf_reset(out);
	if (got == (ssize_t)sizeof execerr) {
		tb_warn("cannot run '%s' for the expected output of '%s': %s (install python3 or give an .exp file)",
			python, test_path, strerror(execerr));
		rc = EXPECTED_NOPYTHON;
	} else {
		int64_t deadline = tb_now_ms() + timeout_ms;
		uint8_t chunk[65536];
		for (;;) {
			int64_t left = deadline - tb_now_ms();
			if (left <= 0) {
				tb_warn("CPython did not finish '%s' within %ld s", test_path, timeout_ms / 1000);
				kill(-pid, SIGKILL);
				kill(pid, SIGKILL);
				rc = EXPECTED_TIMEOUT;
				break;
			}
			struct pollfd p = {.fd = fds[0], .events = POLLIN};
			int pr = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
			if (pr < 0 && errno != EINTR) {
				tb_warn_errno("cannot read CPython's output");
				rc = EXPECTED_IOERR;
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
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (rc == EXPECTED_OK && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		struct buf crash = BUF_INIT;
		buf_adds(&crash, "CPYTHON3 CRASH:\n");
		buf_add(&crash, out->data, out->len);
		buf_free(out);
		*out = crash;
	}
	/* CPython's line ends on this host are already \n; fold any \r\n as the runner does */
	free(abs);
	return rc;
}

int expected_get(const char *test_path, const char *emit, const char *python, long timeout_ms,
		 struct buf *out, char **source)
{
	char *exp = expected_file(test_path, emit);
	if (exp) {
		if (file_read(exp, out) != 0) {
			tb_warn_errno("cannot read '%s'", exp);
			free(exp);
			return EXPECTED_IOERR;
		}
		if (source)
			*source = exp;
		else
			free(exp);
		return EXPECTED_OK;
	}
	if (source)
		*source = tb_xstrdup("cpython");
	return expected_cpython(python, test_path, timeout_ms, out);
}
