#include "verdict.h"
#include "lines.h"
#include "regexexp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *verdict_name(enum verdict v)
{
	static const char *const names[] = {"pass", "fail", "skip", "lrge", "timeout", "error", "none"};
	return names[v];
}

const char *verdict_console(enum verdict v)
{
	static const char *const names[] = {"pass ", "FAIL ", "skip ", "lrge ", "FAIL ", "ERROR", "?    "};
	return names[v];
}

/* replace every FROM (2 or 3 bytes) by "\n", left to right, as bytes.replace() does */
static void replace_eol(const uint8_t *p, size_t n, const char *from, size_t flen, struct buf *out)
{
	buf_reset(out);
	buf_reserve(out, n);
	size_t i = 0;
	while (i < n) {
		if (i + flen <= n && memcmp(p + i, from, flen) == 0) {
			buf_addc(out, '\n');
			i += flen;
		} else {
			buf_addc(out, p[i++]);
		}
	}
}

void normalize_newlines(const uint8_t *p, size_t n, struct buf *out)
{
	/* two passes, as run-tests.py does: "y\r\r\r\n" becomes "y\r\n" and then "y\n" */
	struct buf tmp = BUF_INIT;
	replace_eol(p, n, "\r\r\n", 3, &tmp);
	replace_eol(tmp.data, tmp.len, "\r\n", 2, out);
	buf_free(&tmp);
}

static int contains(const uint8_t *p, size_t n, const char *s)
{
	size_t m = strlen(s);
	if (m > n)
		return 0;
	for (size_t i = 0; i + m <= n; i++)
		if (memcmp(p + i, s, m) == 0)
			return 1;
	return 0;
}

static int equals(const struct buf *b, const char *s)
{
	return b->len == strlen(s) && memcmp(b->data, s, b->len) == 0;
}

/* lines as bytes.splitlines() cuts them: at \n, \r\n and \r */
struct line {
	const uint8_t *p;
	size_t len;
};

static size_t last_lines(const struct buf *b, struct line *v, size_t want)
{
	/* collect all line starts, keep the last WANT: cheap enough for test output */
	size_t count = 0;
	size_t i = 0, n = b->len;
	const uint8_t *p = b->data;
	while (i < n) {
		size_t start = i;
		while (i < n && p[i] != '\n' && p[i] != '\r')
			i++;
		struct line l = {p + start, i - start};
		if (i < n) {
			if (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n')
				i++;
			i++;
		}
		if (count < want) {
			v[count++] = l;
		} else {
			memmove(v, v + 1, (want - 1) * sizeof *v);
			v[want - 1] = l;
		}
	}
	return count;
}

static size_t total_lines(const struct buf *b)
{
	size_t count = 0, i = 0;
	while (i < b->len) {
		while (i < b->len && b->data[i] != '\n' && b->data[i] != '\r')
			i++;
		if (i < b->len) {
			if (b->data[i] == '\r' && i + 1 < b->len && b->data[i + 1] == '\n')
				i++;
			i++;
		}
		count++;
	}
	return count;
}

static int line_is(const struct line *l, const char *s)
{
	return l->len == strlen(s) && memcmp(l->p, s, l->len) == 0;
}

/* parse "<digits>" at *p; returns -1 when there are none */
static long digits(const uint8_t **p, const uint8_t *end)
{
	long v = 0;
	const uint8_t *q = *p;
	if (q >= end || *q < '0' || *q > '9')
		return -1;
	while (q < end && *q >= '0' && *q <= '9') {
		if (v < 100000000)
			v = v * 10 + (*q - '0');
		q++;
	}
	*p = q;
	return v;
}

static int lit(const uint8_t **p, const uint8_t *end, const char *s)
{
	size_t n = strlen(s);
	if ((size_t)(end - *p) < n || memcmp(*p, s, n) != 0)
		return 0;
	*p += n;
	return 1;
}

/* "Ran N tests" and "OK", "OK (skipped=N)" or "FAILED (failures=N, errors=N)" */
static int unittest_summary(const struct buf *out, struct classified *c)
{
	if (total_lines(out) <= 4)
		return 0;
	struct line l[4];
	last_lines(out, l, 4);
	static const char dashes[] = "----------------------------------------------------------------------";
	if (!line_is(&l[0], dashes) || l[2].len != 0)
		return 0;
	const uint8_t *p = l[1].p, *end = l[1].p + l[1].len;
	long ran;
	if (!lit(&p, end, "Ran ") || (ran = digits(&p, end)) < 0 || !lit(&p, end, " tests") || p != end)
		return 0;
	p = l[3].p;
	end = l[3].p + l[3].len;
	long a, b;
	if (lit(&p, end, "OK")) {
		if (p == end) {
			c->verdict = VERDICT_PASS;
			snprintf(c->reason, sizeof c->reason, "unittest: %ld ran", ran);
			c->testcases = ran;
			return 1;
		}
		if (lit(&p, end, " (skipped=") && (a = digits(&p, end)) >= 0 && lit(&p, end, ")") && p == end) {
			c->verdict = VERDICT_PASS;
			snprintf(c->reason, sizeof c->reason, "unittest: %ld ran, %ld skipped", ran, a);
			c->testcases = a < ran ? ran - a : 0; /* a board may report more skips than runs */
			return 1;
		}
		return 0;
	}
	if (lit(&p, end, "FAILED (failures=") && (a = digits(&p, end)) >= 0 && lit(&p, end, ", errors=") &&
	    (b = digits(&p, end)) >= 0 && lit(&p, end, ")") && p == end) {
		c->verdict = VERDICT_FAIL;
		snprintf(c->reason, sizeof c->reason, "unittest: %ld ran, %ld failures, %ld errors", ran, a, b);
		c->testcases = ran;
		return 1;
	}
	return 0;
}

void verdict_classify(const struct board_run *run, const uint8_t *regex_exp, size_t regex_exp_len,
		      struct classified *c)
{
	memset(c, 0, sizeof *c);
	c->verdict = VERDICT_NONE;
	struct buf raw = BUF_INIT;
	int crashed = 0;
	if (run->status != RUN_DONE) {
		/* the official runner: the message, a newline and CRASH */
		buf_adds(&raw, run->failure ? run->failure : "error");
		buf_adds(&raw, "\nCRASH");
		crashed = 1;
	} else if (run->err_len > 0) {
		crashed = 1;
		if (!run->special && run->out_len == 0 && contains(run->err, run->err_len, "MemoryError")) {
			buf_adds(&raw, "SKIP-TOO-LARGE\n");
		} else if (run->special) {
			buf_adds(&raw, "exception\nCRASH");
		} else {
			buf_add(&raw, run->out, run->out_len);
			buf_add(&raw, run->err, run->err_len);
			buf_adds(&raw, "CRASH");
		}
	} else {
		buf_add(&raw, run->out, run->out_len);
	}
	if (!run->special) {
		static const char start[] = "START TEST\r\n";
		if (buf_startswith(&raw, start, sizeof start - 1))
			buf_consume(&raw, sizeof start - 1);
		else
			crashed = 1;
	}
	normalize_newlines(raw.data, raw.len, &c->output);
	buf_free(&raw);
	c->crashed = crashed;

	if (run->status == RUN_TIMEOUT) {
		c->verdict = VERDICT_TIMEOUT;
		snprintf(c->reason, sizeof c->reason, "%s", run->failure ? run->failure : "timeout");
		return;
	}
	if (run->status == RUN_ERROR) {
		c->verdict = VERDICT_ERROR;
		snprintf(c->reason, sizeof c->reason, "%s", run->failure ? run->failure : "error");
		return;
	}
	if (!crashed && regex_exp && !equals(&c->output, "SKIP\n") && !equals(&c->output, "SKIP-TOO-LARGE\n") &&
	    !equals(&c->output, "CRASH")) {
		struct buf conv = BUF_INIT;
		regexexp_apply(regex_exp, regex_exp_len, c->output.data, c->output.len, &conv);
		buf_free(&c->output);
		c->output = conv;
	}
	if (equals(&c->output, "SKIP\n")) {
		c->verdict = VERDICT_SKIP;
		return;
	}
	if (equals(&c->output, "SKIP-TOO-LARGE\n")) {
		c->verdict = VERDICT_LRGE;
		snprintf(c->reason, sizeof c->reason, "too large");
		return;
	}
	struct line l[3];
	size_t n = last_lines(&c->output, l, 3);
	for (size_t i = 0; i < n; i++) {
		if (line_is(&l[i], "ImportError: no module named 'unittest'")) {
			c->no_unittest = 1;
			c->verdict = VERDICT_ERROR;
			snprintf(c->reason, sizeof c->reason, "the board lacks unittest");
			return;
		}
	}
	if (unittest_summary(&c->output, c))
		c->unittest = 1;
}

void verdict_compare(struct classified *c, const uint8_t *exp, size_t exp_len)
{
	if (c->verdict != VERDICT_NONE)
		return;
	struct buf e = BUF_INIT;
	/* expected output: only \r\n is folded (the official runner does the same) */
	for (size_t i = 0; i < exp_len; i++) {
		if (exp[i] == '\r' && i + 1 < exp_len && exp[i + 1] == '\n')
			continue;
		buf_addc(&e, exp[i]);
	}
	c->testcases = (long)total_lines(&e);
	int same = e.len == c->output.len && (e.len == 0 || memcmp(e.data, c->output.data, e.len) == 0);
	c->verdict = same ? VERDICT_PASS : VERDICT_FAIL;
	if (!same)
		snprintf(c->reason, sizeof c->reason, c->crashed ? "crash" : "output differs");
	buf_free(&e);
}

void classified_free(struct classified *c)
{
	buf_free(&c->output);
}

/* ---- a short diff for result files ---- */

static int same_line(const struct span *a, const struct span *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->p, b->p, a->len) == 0);
}

static void add_line(struct buf *d, char mark, const struct span *l)
{
	buf_addc(d, (uint8_t)mark);
	size_t n = l->len > 200 ? 200 : l->len;
	buf_add(d, l->p, n);
	if (n < l->len)
		buf_adds(d, "...");
	buf_addc(d, '\n');
}

void verdict_diff(const uint8_t *exp, size_t exp_len, const uint8_t *out, size_t out_len, int max_lines,
		  struct buf *diff)
{
	struct span *e, *o;
	size_t ne = lines_split(exp, exp_len, 0, 0, &e), no = lines_split(out, out_len, 0, 0, &o);
	size_t pre = 0;
	while (pre < ne && pre < no && same_line(&e[pre], &o[pre]))
		pre++;
	size_t suf = 0;
	while (suf < ne - pre && suf < no - pre && same_line(&e[ne - 1 - suf], &o[no - 1 - suf]))
		suf++;
	buf_reset(diff);
	if (pre == ne && pre == no) {
		if (exp_len != out_len)
			buf_adds(diff, "(outputs differ only in the final newline)\n");
		goto done;
	}
	size_t ctx = pre < 2 ? pre : 2;
	buf_printf(diff, "@@ -%zu,%zu +%zu,%zu @@\n", pre - ctx + 1, ne - pre - suf + ctx, pre - ctx + 1,
		   no - pre - suf + ctx);
	int lines = 0;
	for (size_t i = pre - ctx; i < pre && lines < max_lines; i++, lines++)
		add_line(diff, ' ', &e[i]);
	for (size_t i = pre; i < ne - suf && lines < max_lines; i++, lines++)
		add_line(diff, '-', &e[i]);
	for (size_t i = pre; i < no - suf && lines < max_lines; i++, lines++)
		add_line(diff, '+', &o[i]);
	if (lines >= max_lines)
		buf_adds(diff, "...\n");
done:
	free(e);
	free(o);
}
