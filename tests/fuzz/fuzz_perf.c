/* libFuzzer target: mp-runtest's reading of a benchmark's output (perf_classify). The first byte
 * chooses the run's status; the rest is cut at the first 0xff into stdout and stderr.
 * Properties: the kept output is stdout then stderr; a timeout / error run keeps its verdict, a
 * traceback fails; a pass adds figures that make valid JSON with a time >= 0, a numeric norm and a
 * result string, and only a pass adds any; the reason is a terminated string. */
#include "jsonval.h"
#include "runtest.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	const uint8_t *p = data + 1, *end = data + size;
	const uint8_t *sep = memchr(p, 0xff, (size_t)(end - p));
	struct board_run run = {0};
	run.status = data[0] % 8 == 1 ? RUN_TIMEOUT : data[0] % 8 == 2 ? RUN_ERROR : RUN_DONE;
	run.failure = data[0] & 0x10 ? "timeout after 10 s" : NULL;
	run.out = p;
	run.out_len = (size_t)((sep ? sep : end) - p);
	run.err = sep ? sep + 1 : end;
	run.err_len = sep ? (size_t)(end - sep - 1) : 0;

	struct classified cl = {0};
	struct buf figures = BUF_INIT;
	buf_adds(&figures, "{\"name\":\"bm\""); /* the result object the figures are added to */
	size_t before = figures.len;
	cl.verdict = VERDICT_NONE;
	perf_classify(&run, &cl, &figures);
	if (cl.output.len != run.out_len + run.err_len ||
	    (run.out_len && memcmp(cl.output.data, run.out, run.out_len) != 0) ||
	    (run.err_len && memcmp(cl.output.data + run.out_len, run.err, run.err_len) != 0))
		abort();
	if (!memchr(cl.reason, 0, sizeof cl.reason))
		abort();
	if ((run.status == RUN_TIMEOUT) != (cl.verdict == VERDICT_TIMEOUT) ||
	    (run.status == RUN_ERROR) != (cl.verdict == VERDICT_ERROR))
		abort();
	if (run.status == RUN_DONE && run.err_len && (cl.verdict != VERDICT_FAIL || !cl.crashed))
		abort();
	if (run.status == RUN_DONE && cl.verdict != VERDICT_PASS && cl.verdict != VERDICT_SKIP &&
	    cl.verdict != VERDICT_FAIL)
		abort();
	if ((cl.verdict == VERDICT_PASS) != (figures.len > before))
		abort();
	if (cl.verdict == VERDICT_PASS) {
		buf_addc(&figures, '}');
		struct jv v;
		size_t line, col;
		if (jv_parse((const char *)figures.data, figures.len, &v, &line, &col) != 0) {
			abort(); /* the figures must be JSON (a norm of nan or inf once was not) */
		}
		const struct jv *perf = jv_get(&v, "perf");
		double t, norm;
		if (!perf || jv_num(perf, "time_us", &t) != 0 || !(t >= 0) || jv_num(perf, "norm", &norm) != 0 ||
		    !jv_str(perf, "result") || !jv_str(&v, "name"))
			abort();
		jv_free(&v);
	}
	buf_free(&figures);
	classified_free(&cl);
	return 0;
}
