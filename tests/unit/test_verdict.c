/* Unit tests of the verdict rules (reference: how MicroPython's run-tests.py decides), the regex .exp
 * matcher, the JSON writer and the diff excerpt. */
#include "json.h"
#include "regexexp.h"
#include "tap.h"
#include "verdict.h"

#include <string.h>

struct vcase {
	const char *what;
	int status;         /* RUN_DONE, RUN_TIMEOUT, RUN_ERROR */
	const char *out, *err;
	const char *exp;    /* NULL: no comparison */
	enum verdict want;
	const char *want_output; /* NULL: not checked */
};

#define S(x) x, sizeof(x) - 1

static const struct vcase cases[] = {
	{"exact match", RUN_DONE, "START TEST\r\n1\r\n2\r\n", "", "1\n2\n", VERDICT_PASS, "1\n2\n"},
	{"mismatch", RUN_DONE, "START TEST\r\n1\r\n", "", "2\n", VERDICT_FAIL, "1\n"},
	{"exp with CRLF is folded", RUN_DONE, "START TEST\r\nx\r\n", "", "x\r\n", VERDICT_PASS, NULL},
	{"\\r\\r\\n becomes \\n", RUN_DONE, "START TEST\r\na\r\r\nb\r\n", "", "a\nb\n", VERDICT_PASS, NULL},
	{"two passes: \\r\\r\\r\\n ends as \\n", RUN_DONE, "START TEST\r\ny\r\r\r\n", "", "y\r\r\n", VERDICT_FAIL, "y\n"},
	{"a lone \\r stays", RUN_DONE, "START TEST\r\na\rb\r\n", "", "a\rb\n", VERDICT_PASS, "a\rb\n"},
	/* run-tests.py marks it crashed but still compares: equal output passes */
	{"no START TEST, same output", RUN_DONE, "1\r\n", "", "1\n", VERDICT_PASS, "1\n"},
	{"no START TEST, other output", RUN_DONE, "x\r\n", "", "1\n", VERDICT_FAIL, "x\n"},
	{"SKIP", RUN_DONE, "START TEST\r\nSKIP\r\n", "", NULL, VERDICT_SKIP, "SKIP\n"},
	{"SKIP with more output is not a skip", RUN_DONE, "START TEST\r\nSKIP\r\nx\r\n", "", "SKIP\n", VERDICT_FAIL, NULL},
	{"MemoryError before anything: lrge", RUN_DONE, "", "Traceback\r\nMemoryError: x\r\n", NULL, VERDICT_LRGE,
	 "SKIP-TOO-LARGE\n"},
	{"MemoryError after START TEST: crash", RUN_DONE, "START TEST\r\n", "Traceback\r\nMemoryError: x\r\n",
	 "", VERDICT_FAIL, "Traceback\nMemoryError: x\nCRASH"},
	{"exception: output + traceback + CRASH", RUN_DONE, "START TEST\r\nok\r\n", "Traceback\r\nValueError\r\n",
	 "ok\n", VERDICT_FAIL, "ok\nTraceback\nValueError\nCRASH"},
	{"timeout", RUN_TIMEOUT, "START TEST\r\n", "", NULL, VERDICT_TIMEOUT, "timeout\nCRASH"},
	{"no raw REPL: error", RUN_ERROR, "", "", NULL, VERDICT_ERROR, "could not enter raw repl\nCRASH"},
	{"printed SKIP-TOO-LARGE", RUN_DONE, "START TEST\r\nSKIP-TOO-LARGE\r\n", "", NULL, VERDICT_LRGE, NULL},
	{"unittest OK", RUN_DONE,
	 "START TEST\r\ntest_a ... ok\r\n\r\n----------------------------------------------------------------------\r\n"
	 "Ran 1 tests\r\n\r\nOK\r\n", "", NULL, VERDICT_PASS, NULL},
	{"unittest OK with skips", RUN_DONE,
	 "START TEST\r\na\r\nb\r\n----------------------------------------------------------------------\r\n"
	 "Ran 3 tests\r\n\r\nOK (skipped=2)\r\n", "", NULL, VERDICT_PASS, NULL},
	{"unittest FAILED", RUN_DONE,
	 "START TEST\r\na\r\nb\r\n----------------------------------------------------------------------\r\n"
	 "Ran 3 tests\r\n\r\nFAILED (failures=1, errors=1)\r\n", "", NULL, VERDICT_FAIL, NULL},
	{"unittest tail with only 4 lines is plain output", RUN_DONE,
	 "START TEST\r\n----------------------------------------------------------------------\r\n"
	 "Ran 3 tests\r\n\r\nOK\r\n", "", "x\n", VERDICT_FAIL, NULL},
	{"69 dashes are not unittest", RUN_DONE,
	 "START TEST\r\na\r\nb\r\n---------------------------------------------------------------------\r\n"
	 "Ran 3 tests\r\n\r\nOK\r\n", "", "x\n", VERDICT_FAIL, NULL},
	{"unittest missing on the board", RUN_DONE, "START TEST\r\n",
	 "Traceback\r\nImportError: no module named 'unittest'\r\n", NULL, VERDICT_ERROR, NULL},
	{"empty output, empty exp", RUN_DONE, "START TEST\r\n", "", "", VERDICT_PASS, ""},
	{"trailing newline matters", RUN_DONE, "START TEST\r\nx", "", "x\n", VERDICT_FAIL, NULL},
	{"non-UTF-8 bytes compare exactly", RUN_DONE, "START TEST\r\n\xff\xfe\r\n", "", "\xff\xfe\n", VERDICT_PASS, NULL},
};

static void t_cases(void)
{
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct vcase *k = &cases[i];
		struct board_run run = {.status = k->status, .out = (const uint8_t *)k->out, .out_len = strlen(k->out),
					.err = (const uint8_t *)k->err, .err_len = strlen(k->err),
					.failure = k->status == RUN_TIMEOUT ? "timeout" : "could not enter raw repl"};
		struct classified c;
		verdict_classify(&run, NULL, 0, &c);
		if (k->exp)
			verdict_compare(&c, (const uint8_t *)k->exp, strlen(k->exp));
		enum verdict got = c.verdict;
		int out_ok = !k->want_output || (c.output.len == strlen(k->want_output) &&
						 memcmp(c.output.data, k->want_output, c.output.len) == 0);
		CHECK(got == k->want && out_ok, "verdict: %s -> %s (got %s, output '%s')", k->what,
		      verdict_name(k->want), verdict_name(got), buf_str(&c.output));
		classified_free(&c);
	}
}

static void t_special(void)
{
	struct board_run run = {.status = RUN_DONE, .out = (const uint8_t *)"", .err = (const uint8_t *)"Tb\r\n",
				.err_len = 4, .special = 1};
	struct classified c;
	verdict_classify(&run, NULL, 0, &c);
	CHECK(strcmp(buf_str(&c.output), "exception\nCRASH") == 0, "feature check with an exception");
	classified_free(&c);
	run.err_len = 0;
	run.out = (const uint8_t *)"native\r\n";
	run.out_len = 8;
	verdict_classify(&run, NULL, 0, &c);
	CHECK(strcmp(buf_str(&c.output), "native\n") == 0, "feature check output: no START TEST needed");
	classified_free(&c);
}

static int regex_case(const char *exp, const char *out, const char *want)
{
	struct buf r = BUF_INIT;
	regexexp_apply((const uint8_t *)exp, strlen(exp), (const uint8_t *)out, strlen(out), &r);
	int ok = strcmp(buf_str(&r), want) == 0;
	if (!ok)
		printf("# got '%s'\n", buf_str(&r));
	buf_free(&r);
	return ok;
}

static void t_regex(void)
{
	CHECK(regexexp_is_listed("micropython/meminfo.py") && !regexexp_is_listed("basics/int1.py"),
	      "regex .exp: the official list");
	CHECK(regex_case("mem: total=\\\\d\\+\n", "mem: total=1234\n", "mem: total=\\\\d\\+\n"),
	      "regex: \\\\d\\+ matches digits, the line becomes the pattern's text");
	CHECK(regex_case("mem: total=\\\\d\\+\n", "mem: total=abc\n", "mem: total=abc\n"),
	      "regex: a non-matching line stays as it was");
	CHECK(regex_case("a.b\n", "axb\n", "axb\n") && regex_case("a.b\n", "a.b\n", "a.b\n"),
	      "regex: an unescaped '.' is literal");
	CHECK(regex_case("a\\.b\n", "axb\n", "a\\.b\n"), "regex: '\\.' is any character");
	CHECK(regex_case("(x)[y]\n", "(x)[y]\n", "(x)[y]\n"), "regex: brackets are literal");
	CHECK(regex_case("start\n########\nend\n", "start\nnoise 1\nnoise 2\nend\n", "start\n########\nend\n"),
	      "regex: ######## swallows whole lines up to the next match");
	CHECK(regex_case("start\n########\nend\n", "start\nend\n", "start\n########\nend\n"),
	      "regex: ######## matches zero lines");
	CHECK(regex_case("start\n########\nend\n", "start\nnoise\n", "start\n######## FAIL\n"),
	      "regex: ######## with no following match marks a failure");
	CHECK(regex_case("x\\\\d\n", "x7", "x\\\\d\n"), "regex: the last line gains its newline, as in run-tests.py");
	CHECK(regex_case("ab\n", "ab\r\n", "ab\n"), "regex: carriage returns before the newline are accepted");
	struct buf ere = BUF_INIT;
	CHECK(regexexp_translate((const uint8_t *)"a\0b", 3, 0, &ere) == -1, "regex: a NUL in a pattern is refused");
	buf_free(&ere);
}

static void t_json(void)
{
	struct buf b = BUF_INIT;
	buf_addc(&b, '{');
	json_kv_bytes(&b, "s", S("a\"b\\c\n\x01\xff\xc3\xa9"));
	json_kv_int(&b, "n", -5);
	json_kv_str(&b, "z", NULL);
	buf_addc(&b, '}');
	CHECK(strcmp(buf_str(&b), "{\"s\":\"a\\\"b\\\\c\\n\\u0001\\ufffd\xc3\xa9\",\"n\":-5,\"z\":null}") == 0,
	      "json: escapes, invalid UTF-8 as U+FFFD, valid UTF-8 kept (%s)", buf_str(&b));
	buf_free(&b);
}

static void t_diff(void)
{
	struct buf d = BUF_INIT;
	verdict_diff((const uint8_t *)"a\nb\nc\nd\n", 8, (const uint8_t *)"a\nb\nX\nd\n", 8, 20, &d);
	CHECK(strstr(buf_str(&d), "-c\n+X\n") != NULL && strstr(buf_str(&d), " b\n"), "diff: changed line with context");
	verdict_diff((const uint8_t *)"a\n", 2, (const uint8_t *)"a", 1, 20, &d);
	CHECK(strstr(buf_str(&d), "final newline") != NULL, "diff: a missing final newline is named");
	buf_free(&d);
}

int main(void)
{
	t_cases();
	t_special();
	t_regex();
	t_json();
	t_diff();
	return tap_done();
}
