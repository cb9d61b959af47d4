/* Asking a board for its firmware identity; see boardid.h. */
#include "boardid.h"

#include "buf.h"
#include "follow.h"
#include "rawrepl.h"
#include "serial.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

const char boardid_script[] = "import sys\n"
			      "try:\n"
			      " b=sys.implementation._build\n"
			      "except AttributeError:\n"
			      " b=''\n"
			      "print(b+';'+sys.version+';'+b)\n";

char *boardid_read(const char *tty, long baud, long timeout_ms, int verbose, char *why, size_t whylen)
{
	struct serial port;
	struct repl r;
	struct buf out = BUF_INIT, err = BUF_INIT;
	struct follow f;
	char *id = NULL;
	int64_t deadline = tb_now_ms() + timeout_ms;
	why[0] = 0;
	if (serial_open(&port, tty, baud) != SERIAL_OK) {
		snprintf(why, whylen, "cannot open %s", tty);
		return NULL;
	}
	repl_init(&r, &port.io);
	r.verbose = verbose;
	int st = repl_enter(&r, 0, timeout_ms);
	if (st == REPL_OK) {
		follow_init(&f, &out, &err, 4096);
		st = repl_exec(&r, (const uint8_t *)boardid_script, strlen(boardid_script), &f, deadline);
	}
	if (st != REPL_OK) {
		snprintf(why, whylen, "no answer on %s (%s)", tty,
			 st == REPL_TIMEOUT ? "timeout" : r.error[0] ? r.error : "no raw REPL");
	} else if (err.len) {
		snprintf(why, whylen, "the board failed to tell its firmware: %.120s", buf_str(&err));
	} else {
		while (out.len && (out.data[out.len - 1] == '\n' || out.data[out.len - 1] == '\r'))
			out.data[--out.len] = 0;
		if (memchr(out.data, '\n', out.len) || out.len == 0)
			snprintf(why, whylen, "unexpected identity answer '%.120s'", buf_str(&out));
		else
			id = tb_xstrdup(buf_str(&out));
	}
	if (st == REPL_OK)
		repl_leave(&r);
	serial_close(&port);
	buf_free(&out);
	buf_free(&err);
	return id;
}

void boardid_build(const char *identity, char *out, size_t n)
{
	const char *semi = strchr(identity, ';');
	size_t len = semi ? (size_t)(semi - identity) : 0;
	snprintf(out, n, "%.*s", (int)len, identity);
}
