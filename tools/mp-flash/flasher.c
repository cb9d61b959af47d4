/* The flasher programs: their command lines (see boards/README.md) and running one with a deadline,
 * its output kept in the log. */
#include "mp-flash.h"

#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define KILL_GRACE_MS 2000

struct argv_builder {
	char **v;
	size_t n, cap;
};

static void add(struct argv_builder *b, char *s)
{
	if (b->n + 2 > b->cap) {
		b->cap = b->cap ? b->cap * 2 : 16;
		b->v = tb_xrealloc(b->v, b->cap * sizeof *b->v);
	}
	b->v[b->n++] = s;
	b->v[b->n] = NULL;
}

static void add_args(struct argv_builder *b, const struct board_spec *s)
{
	for (size_t i = 0; i < s->nargs; i++)
		add(b, tb_xstrdup(s->args[i]));
}

char **flasher_argv(const struct board_spec *s, const char *program, const char *firmware, const char *tty,
		    long busnum, long devnum, const char *serial)
{
	struct argv_builder b = {0};
	const char *p = s->program;
	add(&b, tb_xstrdup(program ? program : p));
	if (strcmp(p, "picotool") == 0) {
		add(&b, tb_xstrdup("load"));
		add(&b, tb_xstrdup("--update"));
		add(&b, tb_xstrdup("--bus"));
		add(&b, tb_xasprintf("%ld", busnum));
		add(&b, tb_xstrdup("--address"));
		add(&b, tb_xasprintf("%ld", devnum));
		add(&b, tb_xstrdup("--execute"));
	} else if (strcmp(p, "dfu-util") == 0) {
		add(&b, tb_xstrdup("--serial"));
		add(&b, tb_xstrdup(serial ? serial : ""));
		add(&b, tb_xstrdup("--download"));
	} else if (strcmp(p, "esptool") == 0) {
		add(&b, tb_xasprintf("--port=%s", tty));
		add(&b, tb_xasprintf("--chip=%s", s->chip));
		add(&b, tb_xasprintf("--baud=%ld", s->baud));
		add(&b, tb_xstrdup("write-flash"));
		add(&b, tb_xstrdup(s->offset));
		add(&b, tb_xstrdup("--no-progress"));
		add(&b, tb_xstrdup("--compress"));
		add_args(&b, s);
	} else if (strcmp(p, "bossac") == 0) {
		add_args(&b, s);
		add(&b, tb_xasprintf("--offset=%s", s->offset));
		add(&b, tb_xstrdup("--port"));
		add(&b, tb_xstrdup(tty));
	} else if (strcmp(p, "teensy_loader_cli") == 0) {
		add(&b, tb_xasprintf("--mcu=%s", s->mcu));
		add_args(&b, s);
	}
	add(&b, tb_xstrdup(firmware));
	return b.v;
}

void argv_free(char **argv)
{
	for (size_t i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

char *argv_text(char *const *argv)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; argv[i]; i++) {
		const char *a = argv[i];
		if (i)
			buf_addc(&b, ' ');
		if (*a && strspn(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=./:,+@%") == strlen(a)) {
			buf_adds(&b, a);
			continue;
		}
		buf_addc(&b, '\'');
		for (; *a; a++)
			*a == '\'' ? buf_adds(&b, "'\\''") : buf_addc(&b, (uint8_t)*a);
		buf_addc(&b, '\'');
	}
	char *s = tb_xstrdup(buf_str(&b));
	buf_free(&b);
	return s;
}

int program_found(const char *program)
{
	if (strchr(program, '/'))
		return access(program, X_OK) == 0;
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	char *copy = tb_xstrdup(path), *save = NULL;
	int found = 0;
	for (char *dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
		char *full = tb_xasprintf("%s/%s", *dir ? dir : ".", program);
		found = access(full, X_OK) == 0;
		free(full);
	}
	free(copy);
	return found;
}

int run_program(char *const *argv, int log_fd, long timeout_ms, volatile sig_atomic_t *stop, int *status)
{
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0) {
		tb_warn_errno("cannot open /dev/null");
		return RUN_CANNOT;
	}
	pid_t pid = fork();
	if (pid < 0) {
		tb_warn_errno("cannot start '%s'", argv[0]);
		close(devnull);
		return RUN_CANNOT;
	}
	if (pid == 0) {
		/* its own process group, so that a timeout stops whatever it started too */
		setpgid(0, 0);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		if (dup2(devnull, 0) < 0 || dup2(log_fd, 1) < 0 || dup2(log_fd, 2) < 0)
			_exit(127);
		execvp(argv[0], argv);
		dprintf(2, "mp-flash: cannot run '%s': %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(devnull);
	setpgid(pid, pid); /* also from here: no race with the kill below */
	int64_t deadline = tb_now_ms() + timeout_ms, kill_at = 0;
	int rc = RUN_OK, st = 0;
	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			tb_warn_errno("cannot wait for '%s'", argv[0]);
			kill(-pid, SIGKILL);
			while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
				;
			return RUN_CANNOT;
		}
		int64_t now = tb_now_ms();
		if (!kill_at && (now >= deadline || (stop && *stop))) {
			rc = now >= deadline ? RUN_TIMEOUT : RUN_STOPPED;
			kill(-pid, SIGTERM);
			kill_at = now + KILL_GRACE_MS;
		} else if (kill_at && now >= kill_at) {
			kill(-pid, SIGKILL);
			kill_at = now + 60000;
		}
		tb_sleep_ms(10);
	}
	kill(-pid, SIGKILL); /* whatever it left behind in its group */
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	if (rc == RUN_OK && *status != 0)
		rc = *status == 127 ? RUN_CANNOT : RUN_FAILED;
	return rc;
}
