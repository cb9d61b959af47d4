/* libFuzzer target: how a board's output becomes a verdict (verdict.c) on arbitrary output.
 * The first byte chooses the run (status, special, regex .exp, diff length); the rest is cut at 0xff
 * bytes into stdout, stderr and an .exp text. Properties:
 *   - newline normalisation equals an independent search-and-replace model, and keeps every
 *     byte but the dropped '\r's;
 *   - a finished run without stderr: the output is stdout minus the START TEST line, normalised;
 *   - the verdict is one of the enum, a timeout / error run gives that verdict, the reason is a
 *     terminated string, a unittest summary gives pass or fail with a case count >= 0;
 *   - comparing the output with itself passes, with anything longer fails;
 *   - the diff is empty exactly when the texts are equal, and never longer than asked. */
#include "verdict.h"

#include <stdlib.h>
#include <string.h>

/* bytes.replace(FROM, b"\n") by searching for each occurrence */
static void model_replace(const uint8_t *p, size_t n, const char *from, size_t flen, struct buf *out)
{
	buf_reset(out);
	size_t i = 0;
	while (i < n) {
		const uint8_t *hit = memmem(p + i, n - i, from, flen);
		size_t upto = hit ? (size_t)(hit - p) : n;
		buf_add(out, p + i, upto - i);
		if (!hit)
			break;
		buf_addc(out, '\n');
		i = upto + flen;
	}
}

static int same(const struct buf *a, const uint8_t *p, size_t n)
{
	return a->len == n && (n == 0 || memcmp(a->data, p, n) == 0);
}

/* A and B equal once every '\r' is left out */
static int same_without_cr(const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
	size_t i = 0, j = 0;
	for (;;) {
		while (i < na && a[i] == '\r')
			i++;
		while (j < nb && b[j] == '\r')
			j++;
		if (i == na || j == nb)
			return i == na && j == nb;
		if (a[i++] != b[j++])
			return 0;
	}
}

static void check_normalize(const uint8_t *p, size_t n)
{
	struct buf got = BUF_INIT, tmp = BUF_INIT, want = BUF_INIT;
	normalize_newlines(p, n, &got);
	model_replace(p, n, "\r\r\n", 3, &tmp);
	model_replace(tmp.data, tmp.len, "\r\n", 2, &want);
	if (!same(&got, want.data, want.len) || got.len > n || !same_without_cr(p, n, got.data, got.len))
		abort();
	buf_free(&got);
	buf_free(&tmp);
	buf_free(&want);
}

static size_t count_lines(const uint8_t *p, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += p[i] == '\n';
	return k + (n && p[n - 1] != '\n');
}

static void check_diff(const uint8_t *a, size_t na, const uint8_t *b, size_t nb, int max_lines)
{
	struct buf d = BUF_INIT;
	verdict_diff(a, na, b, nb, max_lines, &d);
	int equal = na == nb && (na == 0 || memcmp(a, b, na) == 0);
	if (equal != (d.len == 0))
		abort();
	if (d.len) {
		/* a header, at most max_lines lines, and "...": each line marked */
		if (d.data[d.len - 1] != '\n' || count_lines(d.data, d.len) > (size_t)max_lines + 2)
			abort();
		if (d.data[0] == '@') {
			for (size_t i = 0; i < d.len; i++) {
				if (i && d.data[i - 1] == '\n' && !memchr(" -+.", d.data[i], 4))
					abort();
			}
		}
	}
	buf_free(&d);
}

static void check_classify(uint8_t flags, const uint8_t *out, size_t out_len, const uint8_t *err, size_t err_len,
			   const uint8_t *exp, size_t exp_len, int have_exp)
{
	static const char start[] = "START TEST\r\n";
	struct board_run run = {0};
	run.status = flags % 3 == 0 ? RUN_DONE : flags % 3 == 1 ? RUN_TIMEOUT : RUN_ERROR;
	if (flags & 0x40)
		run.status = RUN_DONE; /* mostly finished runs */
	run.failure = flags & 8 ? "could not enter raw repl" : NULL;
	run.out = out;
	run.out_len = out_len;
	run.err = err;
	run.err_len = err_len;
	run.special = (flags >> 4) & 1;
	int regex = have_exp && (flags & 0x20);
	struct classified c;
	verdict_classify(&run, regex ? exp : NULL, exp_len, &c);
	if (c.verdict < VERDICT_PASS || c.verdict > VERDICT_NONE || !memchr(c.reason, 0, sizeof c.reason))
		abort();
	if (verdict_name(c.verdict)[0] == 0 || strlen(verdict_console(c.verdict)) != 5)
		abort();
	if (run.status == RUN_TIMEOUT && c.verdict != VERDICT_TIMEOUT)
		abort();
	if (run.status == RUN_ERROR && c.verdict != VERDICT_ERROR)
		abort();
	if (run.status == RUN_DONE && err_len == 0 && !regex) {
		int has_start = !run.special && out_len >= sizeof start - 1 && memcmp(out, start, sizeof start - 1) == 0;
		size_t skip = has_start ? sizeof start - 1 : 0;
		struct buf want = BUF_INIT;
		normalize_newlines(out + skip, out_len - skip, &want);
		if (!same(&c.output, want.data, want.len) || c.crashed != (!run.special && !has_start))
			abort();
		buf_free(&want);
	}
	if (c.unittest && ((c.verdict != VERDICT_PASS && c.verdict != VERDICT_FAIL) || c.testcases < 0))
		abort();
	if (c.no_unittest && c.verdict != VERDICT_ERROR)
		abort();
	if (c.verdict == VERDICT_NONE) {
		int has_crlf = memmem(c.output.data ? c.output.data : (const uint8_t *)"", c.output.len, "\r\n", 2) != NULL;
		struct classified again = c;
		struct buf copy = BUF_INIT;
		buf_add(&copy, c.output.data, c.output.len);
		verdict_compare(&c, copy.data, copy.len);
		if (!has_crlf && c.verdict != VERDICT_PASS)
			abort();
		if (!memchr(copy.data ? copy.data : (const uint8_t *)"", '\r', copy.len) &&
		    c.testcases != (long)count_lines(copy.data, copy.len))
			abort();
		/* one byte more: never equal */
		again.verdict = VERDICT_NONE;
		buf_addc(&copy, 'x');
		verdict_compare(&again, copy.data, copy.len);
		if (again.verdict != VERDICT_FAIL || !memchr(again.reason, 0, sizeof again.reason))
			abort();
		buf_free(&copy);
	}
	classified_free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	uint8_t flags = data[0];
	const uint8_t *p = data + 1, *end = data + size;
	const uint8_t *part[3] = {end, end, end};
	size_t len[3] = {0, 0, 0};
	int parts = 0;
	while (parts < 3) {
		const uint8_t *sep = parts < 2 ? memchr(p, 0xff, (size_t)(end - p)) : NULL;
		part[parts] = p;
		len[parts] = (size_t)((sep ? sep : end) - p);
		parts++;
		if (!sep)
			break;
		p = sep + 1;
	}
	check_normalize(data + 1, size - 1);
	check_classify(flags, part[0], len[0], part[1], len[1], part[2], len[2], parts == 3);
	check_diff(part[0], len[0], part[1], len[1], (flags & 7) + 1);
	return 0;
}
