/* Bringing a board back after an infrastructure error (port gone, garbage, no raw REPL, hung after
 * Ctrl-C), and the board's port when it is kept in a file (a board may come back on another port). */
#include "fileio.h"
#include "runcmd.h"
#include "runtest.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

int board_recover(const struct options *o, char **port)
{
	if (!o->recover_cmd) {
		/* nothing to switch: give the board (or its USB link) a moment before the port is opened again */
		tb_sleep_ms(1000);
		return 0;
	}
	char *argv[] = {"/bin/sh", "-c", (char *)o->recover_cmd, NULL};
	struct buf out = BUF_INIT;
	int status = 0;
	char why[PATH_MAX + 128];
	tb_warn("%s: bringing the board back (%s)", o->board, o->recover_cmd);
	int rc = runcmd_capture(argv, NULL, NULL, o->recover_ms, &out, &status, why, sizeof why);
	if (rc != RUNCMD_OK || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (rc == RUNCMD_OK)
			snprintf(why, sizeof why, "exit status %d", WIFEXITED(status) ? WEXITSTATUS(status) : 128);
		tb_warn("%s: the board did not come back: %s%s%.300s", o->board, why, out.len ? ": " : "",
			buf_str(&out));
		buf_free(&out);
		return -1;
	}
	/* the last line that names a path is the board's port now (a power-cycled DUT may get a new tty) */
	char *last = NULL, *save = NULL;
	for (char *l = strtok_r((char *)buf_str(&out), "\r\n", &save); l; l = strtok_r(NULL, "\r\n", &save))
		if (l[0] == '/')
			last = l;
	if (last && strcmp(last, *port) != 0) {
		tb_warn("%s: the board is back at %s", o->board, last);
		free(*port);
		*port = tb_xstrdup(last);
		if (o->port_file) {
			char *line = tb_xasprintf("%s\n", last);
			if (file_write_atomic(o->port_file, line, strlen(line)) != 0)
				tb_warn("%s: cannot record the new port in '%s'", o->board, o->port_file);
			free(line);
		}
	}
	buf_free(&out);
	return 0;
}

char *port_from_file(const char *path)
{
	struct buf b = BUF_INIT;
	if (file_read(path, &b) != 0) {
		tb_warn_errno("cannot read the port from '%s'", path);
		buf_free(&b);
		return NULL;
	}
	char *p = tb_xstrdup(buf_str(&b));
	buf_free(&b);
	p[strcspn(p, "\r\n")] = 0;
	if (!*p) {
		tb_warn("'%s' names no port", path);
		free(p);
		return NULL;
	}
	return p;
}
