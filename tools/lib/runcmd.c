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
#include <sys/stat.h>
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

/* ---- the bubblewrap sandbox ---- */

/* a command line being built, and the strings it holds */
struct sandbox_cmd {
	char **argv; /* NULL-terminated */
	size_t n, cap;
	char **owned;
	size_t nowned, capowned;
};

static void sb_add(struct sandbox_cmd *c, const char *arg)
{
	if (c->n + 2 > c->cap) {
		c->cap = c->cap ? 2 * c->cap : 64;
		c->argv = tb_xrealloc(c->argv, c->cap * sizeof *c->argv);
	}
	c->argv[c->n++] = (char *)arg;
	c->argv[c->n] = NULL;
}

static char *sb_own(struct sandbox_cmd *c, char *s)
{
	if (c->nowned == c->capowned) {
		c->capowned = c->capowned ? 2 * c->capowned : 8;
		c->owned = tb_xrealloc(c->owned, c->capowned * sizeof *c->owned);
	}
	c->owned[c->nowned++] = s;
	return s;
}

static void sb_free(struct sandbox_cmd *c)
{
	for (size_t i = 0; i < c->nowned; i++)
		free(c->owned[i]);
	free(c->owned);
	free(c->argv);
	*c = (struct sandbox_cmd){0};
}

static const char *sandbox_bwrap(void)
{
	const char *b = getenv("TB_BWRAP");
	return b && *b ? b : "bwrap";
}

/* the namespaces and the filesystem of the sandbox, and its environment (PATH, LANG, LC_ALL, HOME) */
static void sb_base(struct sandbox_cmd *c)
{
	static const char *const opts[] = {
		"--die-with-parent", "--new-session", "--unshare-net", "--unshare-pid", "--unshare-ipc",
		"--unshare-uts", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
	};
	sb_add(c, sandbox_bwrap());
	for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
		sb_add(c, opts[i]);
}

static void sb_env(struct sandbox_cmd *c, char *const env[])
{
	static const char *const keep[] = {"PATH", "LANG", "LC_ALL"};
	sb_add(c, "--clearenv");
	for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
		const char *v = getenv(keep[i]);
		if (!v && strcmp(keep[i], "PATH") == 0)
			v = "/usr/local/bin:/usr/bin:/bin";
		if (v) {
			sb_add(c, "--setenv");
			sb_add(c, keep[i]);
			sb_add(c, v);
		}
	}
	sb_add(c, "--setenv");
	sb_add(c, "HOME");
	sb_add(c, "/tmp");
	for (char *const *e = env; e && *e; e++) {
		char *name = sb_own(c, tb_xstrdup(*e));
		char *eq = strchr(name, '=');
		if (!eq)
			continue;
		*eq = 0;
		sb_add(c, "--setenv");
		sb_add(c, name);
		sb_add(c, eq + 1);
	}
}

/* PATH's program named CMD (no '/'), as execvp finds it; NULL when there is none */
static char *path_lookup(const char *cmd)
{
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (const char *p = path;; p++) {
		const char *end = strchrnul(p, ':');
		char *cand = end == p ? tb_xasprintf("%s", cmd) : tb_xasprintf("%.*s/%s", (int)(end - p), p, cmd);
		struct stat st;
		if (access(cand, X_OK) == 0 && stat(cand, &st) == 0 && S_ISREG(st.st_mode))
			return cand;
		free(cand);
		if (!*end)
			return NULL;
		p = end;
	}
}

/* PATH under /tmp (absolute): its first component there bound read-only over the private /tmp */
static void sb_keep_tmp(struct sandbox_cmd *c, const char *path)
{
	if (strncmp(path, "/tmp/", 5) != 0 || !path[5] || path[5] == '/')
		return;
	char *top = sb_own(c, tb_xasprintf("/tmp/%.*s", (int)strcspn(path + 5, "/"), path + 5));
	sb_add(c, "--ro-bind");
	sb_add(c, top);
	sb_add(c, top);
}

int runcmd_sandbox_check(char *why, size_t whylen)
{
	static int state; /* 0 not tried, 1 works, -1 does not */
	static char reason[1024];
	if (state == 0) {
		struct sandbox_cmd c = {0};
		struct buf out = BUF_INIT;
		char w[512];
		int status = 0;
		sb_base(&c);
		sb_env(&c, NULL);
		sb_add(&c, "--chdir");
		sb_add(&c, "/");
		sb_add(&c, "--");
		sb_add(&c, "true");
		int r = runcmd_capture(c.argv, NULL, NULL, 10000, &out, &status, w, sizeof w);
		state = -1;
		if (r == RUNCMD_NOEXEC) {
			snprintf(reason, sizeof reason,
				 "%s (install bubblewrap: apt-get install bubblewrap, or set TB_BWRAP)", w);
		} else if (r != RUNCMD_OK) {
			snprintf(reason, sizeof reason, "%s", w);
		} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			const char *line = buf_str(&out);
			int len = (int)strcspn(line, "\n");
			if (len == 0) {
				line = "(no message)";
				len = (int)strlen(line);
			}
			int ns = strstr(line, "namespace") || strstr(line, "not permitted") || strstr(line, "ermission");
			snprintf(reason, sizeof reason, "'%s' cannot make it: %.*s%s", sandbox_bwrap(),
				 len > 300 ? 300 : len, line,
				 ns ? " (allow user namespaces: sysctl kernel.unprivileged_userns_clone=1 and"
				      " user.max_user_namespaces > 0; in a container, allow unshare/clone in its"
				      " seccomp profile or run it --privileged)"
				    : "");
		} else {
			state = 1;
		}
		buf_free(&out);
		sb_free(&c);
	}
	if (state < 0) {
		snprintf(why, whylen, "%s", reason);
		return -1;
	}
	return 0;
}

int runcmd_capture_sandboxed(char *const argv[], const char *cwd, char *const env[], long timeout_ms,
			     struct buf *out, int *status, char *why, size_t whylen)
{
	buf_reset(out);
	if (runcmd_sandbox_check(why, whylen) != 0)
		return RUNCMD_NOSANDBOX;
	char *dir = realpath(cwd ? cwd : ".", NULL);
	if (!dir) {
		snprintf(why, whylen, "cannot find '%s': %s", cwd ? cwd : ".", strerror(errno));
		return RUNCMD_IOERR;
	}
	/* the program as the host finds it: a missing one is reported as runcmd_capture does */
	char *exe = strchr(argv[0], '/') ? (argv[0][0] == '/' ? tb_xstrdup(argv[0])
							       : tb_xasprintf("%s/%s", dir, argv[0]))
					 : path_lookup(argv[0]);
	if (!exe || access(exe, X_OK) != 0) {
		snprintf(why, whylen, "cannot run '%s': %s", argv[0], strerror(exe ? errno : ENOENT));
		free(exe);
		free(dir);
		return RUNCMD_NOEXEC;
	}
	struct sandbox_cmd c = {0};
	sb_own(&c, dir);
	sb_own(&c, exe);
	sb_base(&c);
	/* the folder, program and files named under /tmp stay visible (read-only) over the private /tmp */
	sb_keep_tmp(&c, dir);
	sb_keep_tmp(&c, exe);
	for (size_t i = 1; argv[i]; i++)
		sb_keep_tmp(&c, argv[i]);
	sb_env(&c, env);
	sb_add(&c, "--chdir");
	sb_add(&c, dir);
	sb_add(&c, "--");
	sb_add(&c, exe);
	for (size_t i = 1; argv[i]; i++)
		sb_add(&c, argv[i]);
	int rc = runcmd_capture(c.argv, NULL, NULL, timeout_ms, out, status, why, whylen);
	sb_free(&c);
	return rc;
}
