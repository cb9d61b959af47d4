/* tentacle-find wait: block until a device appears (or is gone) at one USB location. */
#include "tentacle-find.h"

#include "buf.h"
#include "exitcodes.h"
#include "json.h"
#include "udevwait.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* run the --then command and wait for it until DEADLINE; 0 when it succeeded */
static int run_then(const struct wait_options *o, int64_t deadline)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		tb_warn_errno("cannot run '%s'", o->then_argv[0]);
		return -1;
	}
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		execvp(o->then_argv[0], o->then_argv);
		tb_warn_errno("cannot run '%s'", o->then_argv[0]);
		_exit(127);
	}
	int status = 0;
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			tb_warn_errno("cannot wait for '%s'", o->then_argv[0]);
			return -1;
		}
		if (tf_interrupted || tb_now_ms() >= deadline) {
			tb_warn("%s: '%s' still running, stopping it", tf_interrupted ? "interrupted" : "timeout",
				o->then_argv[0]);
			kill(pid, SIGTERM);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			return -1;
		}
		tb_sleep_ms(5);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		tb_warn("'%s' failed with exit status %d", o->then_argv[0], WEXITSTATUS(status));
	else
		tb_warn("'%s' was killed by signal %d", o->then_argv[0], WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	return -1;
}

static int signal_ready(const struct wait_options *o, int64_t deadline)
{
	if (o->then_argv)
		return run_then(o, deadline);
	if (o->ready_fd >= 0) {
		static const char msg[] = "ready\n";
		ssize_t w;
		while ((w = write(o->ready_fd, msg, sizeof msg - 1)) < 0 && errno == EINTR)
			;
		if (w != (ssize_t)(sizeof msg - 1)) {
			tb_warn_errno("cannot write to --ready-fd %d", o->ready_fd);
			return -1;
		}
		if (o->ready_fd > 2)
			close(o->ready_fd); /* the reader sees end of file */
		return 0;
	}
	printf("ready\n");
	if (fflush(stdout) != 0) {
		tb_warn_errno("cannot write to standard output");
		return -1;
	}
	return 0;
}

static void print_found(const struct wait_options *o, const struct udevwait_found *f)
{
	if (o->json) {
		struct buf b = BUF_INIT;
		char hex[8];
		buf_addc(&b, '{');
		json_kv_str(&b, "event", f->event);
		json_kv_str(&b, "location", o->location);
		json_kv_str(&b, "subsystem", o->usb ? "usb" : "tty");
		int known = strcmp(f->event, "absent") != 0;
		snprintf(hex, sizeof hex, "%04x", f->vid);
		json_kv_str(&b, "vid", known ? hex : NULL);
		snprintf(hex, sizeof hex, "%04x", f->pid);
		json_kv_str(&b, "pid", known ? hex : NULL);
		json_kv_str(&b, "devnode", f->devnode);
		json_key(&b, "busnum");
		f->busnum >= 0 ? buf_printf(&b, "%ld", f->busnum) : buf_adds(&b, "null");
		json_key(&b, "devnum");
		f->devnum >= 0 ? buf_printf(&b, "%ld", f->devnum) : buf_adds(&b, "null");
		json_kv_str(&b, "serial", f->serial);
		buf_adds(&b, "}\n");
		fwrite(b.data, 1, b.len, stdout);
		buf_free(&b);
		return;
	}
	if (!f->devnode)
		return; /* --gone and nothing was there */
	if (o->usb)
		printf("%s %ld %ld\n", f->devnode, f->busnum, f->devnum);
	else
		printf("%s\n", f->devnode);
}

int cmd_wait(const struct wait_options *o)
{
	struct udevwait_spec spec = {
		.location = o->location, .ids = o->ids, .nids = o->nids, .ids_text = o->ids_text,
		.usb = o->usb, .gone = o->gone, .new_only = o->new_only,
	};
	int64_t deadline = tb_now_ms() + o->timeout_ms;
	struct udevwait *w = udevwait_begin(&spec);
	if (!w)
		return TB_EXIT_BOARD;
	struct udevwait_found f;
	int rc = TB_EXIT_BOARD;
	if (signal_ready(o, deadline) == 0 && udevwait_end(w, deadline, &tf_interrupted, &f) == 0) {
		print_found(o, &f);
		udevwait_found_free(&f);
		rc = TB_EXIT_OK;
	}
	udevwait_free(w);
	return rc;
}
