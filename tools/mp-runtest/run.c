#include "runtest.h"
#include "follow.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

int run_on_board(struct repl *r, const struct options *o, const struct buf *code, int special,
		 struct board_run *run, struct buf *out, struct buf *err, char *failure, size_t failure_len)
{
	memset(run, 0, sizeof *run);
	run->special = special;
	buf_reset(out);
	buf_reset(err);
	failure[0] = 0;
	int needs_attention = 0;

	int st = repl_enter(r, 1, o->enter_timeout_ms);
	if (st != REPL_OK) {
		run->status = RUN_ERROR;
		snprintf(failure, failure_len, "%s", st == REPL_GONE ? r->error : "could not enter raw repl");
		if (o->verbose || st == REPL_GONE)
			tb_warn("%s: %s", o->port, r->error);
		needs_attention = 1;
		goto done;
	}
	struct follow f;
	follow_init(&f, out, err, o->output_cap);
	int64_t deadline = tb_now_ms() + o->timeout_ms;
	st = repl_exec(r, code->data, code->len, &f, deadline);
	if (st == REPL_TIMEOUT) {
		run->status = RUN_TIMEOUT;
		/* stop the test; a board that does not come back needs a power cycle */
		int ist = repl_interrupt(r, &f, o->interrupt_ms);
		if (ist == REPL_OK) {
			snprintf(failure, failure_len, "timeout after %ld s", o->timeout_ms / 1000);
		} else {
			snprintf(failure, failure_len, "timeout after %ld s; the board does not answer Ctrl-C (hung)",
				 o->timeout_ms / 1000);
			needs_attention = 1;
		}
	} else if (st != REPL_OK) {
		run->status = RUN_ERROR;
		snprintf(failure, failure_len, "%s", r->error);
		needs_attention = 1;
	} else if (follow_truncated(&f)) {
		/* kept what fits; the verdict is a failure unless skipped: nothing this large matches */
		tb_warn("%s: output over %zu bytes: the rest was discarded", o->port, o->output_cap);
		run->truncated = 1;
	}
done:
	run->failure = failure;
	run->out = out->data;
	run->out_len = out->len;
	run->err = err->data;
	run->err_len = err->len;
	return needs_attention;
}
