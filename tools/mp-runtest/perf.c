/* --perf N,M: a performance benchmark of MicroPython's tests/perf_bench, run as run-perfbench.py runs
 * one: the test's text, then the harness (perf_bench/benchrun.py, which defines bm_run), then
 * bm_run(N, M), N being about the board's CPU MHz and M its heap in KiB. The board prints one line
 * "TIME_US NORM RESULT" ("-1 -1 ..." when no parameters suit it). The verdict: pass with the figures
 * (the result is kept, not compared), skip, or fail when the benchmark crashed or printed no figures. */
#include "fileio.h"
#include "json.h"
#include "runtest.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int perf_script(const struct options *o, const struct buf *test, struct buf *script)
{
	struct buf harness = BUF_INIT;
	if (file_read(o->perf_harness, &harness) != 0) {
		tb_warn_errno("cannot read the benchmark harness '%s'", o->perf_harness);
		buf_free(&harness);
		return -1;
	}
	buf_add(script, test->data, test->len);
	buf_addc(script, '\n');
	buf_add(script, harness.data, harness.len);
	buf_printf(script, "\nbm_run(%ld, %ld)\n", o->perf_n, o->perf_m);
	buf_free(&harness);
	return 0;
}

void perf_classify(const struct board_run *run, struct classified *cl, struct buf *figures)
{
	buf_reset(&cl->output);
	buf_add(&cl->output, run->out, run->out_len);
	if (run->err_len)
		buf_add(&cl->output, run->err, run->err_len);
	if (run->status == RUN_TIMEOUT || run->status == RUN_ERROR) {
		cl->verdict = run->status == RUN_TIMEOUT ? VERDICT_TIMEOUT : VERDICT_ERROR;
		snprintf(cl->reason, sizeof cl->reason, "%s", run->failure ? run->failure : "");
		return;
	}
	if (run->err_len) {
		cl->verdict = VERDICT_FAIL;
		cl->crashed = 1;
		snprintf(cl->reason, sizeof cl->reason, "the benchmark crashed");
		return;
	}
	/* the last line of output */
	char *text = tb_xstrdup(buf_str(&cl->output));
	size_t len = strlen(text);
	while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		text[--len] = 0;
	char *line = strrchr(text, '\n');
	line = line ? line + 1 : text;
	long long t;
	double norm;
	int at = 0;
	if (sscanf(line, "%lld %lf %n", &t, &norm, &at) < 2 || !isfinite(norm)) {
		/* (a norm of nan or inf is no figure: JSON has no word for it) */
		cl->verdict = VERDICT_FAIL;
		snprintf(cl->reason, sizeof cl->reason, "no benchmark figures in the output");
	} else if (t < 0) {
		cl->verdict = VERDICT_SKIP;
		snprintf(cl->reason, sizeof cl->reason, "%s", line + at);
	} else {
		cl->verdict = VERDICT_PASS;
		buf_adds(figures, ",\"perf\":{"); /* a member of the result object written before it */
		json_kv_int(figures, "time_us", t);
		json_key(figures, "norm");
		buf_printf(figures, "%.17g", norm);
		json_kv_str(figures, "result", line + at);
		buf_addc(figures, '}');
		snprintf(cl->reason, sizeof cl->reason, "%lld us", t);
	}
	free(text);
}
