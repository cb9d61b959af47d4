/* Unit tests of the raw REPL client against byte-exact exchanges captured from a real board, and
 * against synthetic boards for the paths a current build never takes (refusals, old firmware, a
 * board that goes away). Usage: test_rawrepl TRANSCRIPT_DIR */
#include "follow.h"
#include "rawrepl.h"
#include "script_io.h"
#include "tap.h"
#include "util.h"
#include "verdict.h"

#include <stdlib.h>
#include <string.h>

static const char *dir;

/* add a literal to a script (its length from sizeof, so embedded NULs count) */
#define ADD(s, from_board, lit) script_add(s, from_board, lit, sizeof(lit) - 1)

static int load(struct script_io *s, const char *name)
{
	char *p = tb_xasprintf("%s/%s", dir, name);
	int rc = script_load(s, p);
	free(p);
	if (rc != 0)
		CHECK(0, "cannot load transcript %s", name);
	return rc;
}

/* the K-th piece of code the real host sent in raw-paste mode (between \x05A\x01 and \x04) */
static void code_of(const struct script_io *s, int k, struct buf *code)
{
	buf_reset(code);
	int seen = -1, in = 0;
	for (size_t i = 0; i < s->nev; i++) {
		const struct script_event *e = &s->ev[i];
		if (e->from_board)
			continue;
		if (e->bytes.len == 3 && memcmp(e->bytes.data, "\x05" "A\x01", 3) == 0) {
			seen++;
			in = seen == k;
			continue;
		}
		if (in && e->bytes.len == 1 && e->bytes.data[0] == 0x04)
			return;
		if (in)
			buf_add(code, e->bytes.data, e->bytes.len);
	}
}

static int streq(const struct buf *b, const char *s)
{
	return b->len == strlen(s) && memcmp(b->data, s, b->len) == 0;
}

static void t_enter(void)
{
	struct script_io s;
	struct repl r;
	if (load(&s, "01_boot_and_enter_raw.jsonl"))
		return;
	repl_init(&r, &s.io);
	int st = repl_enter(&r, 1, 10000);
	CHECK(st == REPL_OK, "01: enter raw REPL with soft reset (status %d: %s)", st, r.error);
	CHECK(s.mismatch_at < 0 && s.written == s.host.len, "01: the client sent exactly what the real host sent");
	CHECK(script_board_done(&s), "01: every byte of the board was read");
	script_free(&s);
}

static void t_plain(void)
{
	struct script_io s;
	struct repl r;
	struct buf out = BUF_INIT, err = BUF_INIT;
	struct follow f;
	if (load(&s, "02_plain_raw_exec.jsonl"))
		return;
	repl_init(&r, &s.io);
	r.paste = 0; /* as after a refusal */
	follow_init(&f, &out, &err, 1 << 20);
	int st = repl_exec(&r, (const uint8_t *)"print(1+1)", 10, &f, s.clock + 5000);
	CHECK(st == REPL_OK, "02: plain raw exec (status %d: %s)", st, r.error);
	CHECK(streq(&out, "2\r\n") && err.len == 0, "02: stdout '2\\r\\n', no stderr");
	CHECK(s.mismatch_at < 0 && s.written == s.host.len, "02: code + \\x04, byte-exact");
	buf_free(&out);
	buf_free(&err);
	script_free(&s);
}

/* run the K-th captured raw-paste exec of a transcript through the client */
static int paste_exec(struct script_io *s, struct repl *r, int k, struct buf *out, struct buf *err,
		      struct follow *f)
{
	struct buf code = BUF_INIT;
	code_of(s, k, &code);
	buf_reset(out);
	buf_reset(err);
	follow_init(f, out, err, 1 << 20);
	int st = repl_exec(r, code.data, code.len, f, s->clock + 30000);
	buf_free(&code);
	return st;
}

static void t_paste(void)
{
	struct script_io s;
	struct repl r;
	struct buf out = BUF_INIT, err = BUF_INIT;
	struct follow f;
	if (load(&s, "03_raw_paste_small.jsonl"))
		return;
	repl_init(&r, &s.io);
	int st = paste_exec(&s, &r, 0, &out, &err, &f);
	CHECK(st == REPL_OK && r.paste == 1 && r.window == 128, "03: raw-paste accepted, window 128");
	CHECK(streq(&out, "hi\r\nxxx\r\n") && err.len == 0, "03: stdout of the pasted code");
	CHECK(s.mismatch_at < 0 && s.written == s.host.len, "03: byte-exact with the real host");
	script_free(&s);

	if (load(&s, "04_raw_paste_15kB_flow_control.jsonl"))
		return;
	repl_init(&r, &s.io);
	st = paste_exec(&s, &r, 0, &out, &err, &f);
	CHECK(st == REPL_OK, "04: 15 kB through raw-paste (status %d: %s)", st, r.error);
	CHECK(s.paste_max_over == 0, "04: never more in flight than the window allows (over by %zu)",
	      s.paste_max_over);
	CHECK(s.paste_acks > 50, "04: the board's window acknowledgements were used (%zu)", s.paste_acks);
	CHECK(s.mismatch_at < 0, "04: the bytes sent are the real host's bytes");
	CHECK(script_board_done(&s) && err.len == 0, "04: the whole output was read, no error");
	script_free(&s);
	buf_free(&out);
	buf_free(&err);
}

static void t_outcomes(void)
{
	struct script_io s;
	struct repl r;
	struct buf out = BUF_INIT, err = BUF_INIT;
	struct follow f;
	struct classified c;

	if (!load(&s, "05_exception.jsonl")) {
		repl_init(&r, &s.io);
		int st = paste_exec(&s, &r, 0, &out, &err, &f);
		CHECK(st == REPL_OK && streq(&out, "before\r\n"), "05: stdout before the exception");
		CHECK(strstr(buf_str(&err), "ZeroDivisionError: divide by zero\r\n") != NULL,
		      "05: the traceback arrives as stderr");
		script_free(&s);
	}
	if (!load(&s, "06_syntax_error.jsonl")) {
		repl_init(&r, &s.io);
		int st = paste_exec(&s, &r, 0, &out, &err, &f);
		CHECK(st == REPL_OK && out.len == 0 && strstr(buf_str(&err), "SyntaxError"),
		      "06: syntax error: empty stdout, traceback");
		struct board_run run = {.status = RUN_DONE, .out = out.data, .out_len = out.len,
					.err = err.data, .err_len = err.len};
		verdict_classify(&run, NULL, 0, &c);
		verdict_compare(&c, (const uint8_t *)"", 0);
		CHECK(c.verdict == VERDICT_FAIL && c.crashed, "06: verdict fail (crash)");
		classified_free(&c);
		script_free(&s);
	}
	if (!load(&s, "07_skip_systemexit.jsonl")) {
		repl_init(&r, &s.io);
		int st = paste_exec(&s, &r, 0, &out, &err, &f);
		CHECK(st == REPL_OK && f.rebooted && script_board_done(&s),
		      "07: SystemExit: the client waits for the soft reboot and the raw prompt");
		struct board_run run = {.status = RUN_DONE, .out = out.data, .out_len = out.len,
					.err = err.data, .err_len = err.len};
		verdict_classify(&run, NULL, 0, &c);
		CHECK(c.verdict == VERDICT_SKIP, "07: verdict skip");
		classified_free(&c);
		script_free(&s);
	}
	if (!load(&s, "08_memoryerror.jsonl")) {
		repl_init(&r, &s.io);
		int st = paste_exec(&s, &r, 0, &out, &err, &f);
		struct board_run run = {.status = RUN_DONE, .out = out.data, .out_len = out.len,
					.err = err.data, .err_len = err.len};
		verdict_classify(&run, NULL, 0, &c);
		CHECK(st == REPL_OK && c.verdict == VERDICT_LRGE, "08: MemoryError before any output: lrge");
		classified_free(&c);
		script_free(&s);
	}
	if (!load(&s, "09_soft_reset_clears_state.jsonl")) {
		repl_init(&r, &s.io);
		int st = paste_exec(&s, &r, 0, &out, &err, &f);
		int st2 = repl_soft_reset(&r, 5000);
		int st3 = paste_exec(&s, &r, 1, &out, &err, &f);
		CHECK(st == REPL_OK && st2 == REPL_OK && st3 == REPL_OK, "09: exec, soft reset, exec");
		CHECK(strstr(buf_str(&err), "NameError") != NULL, "09: state is gone after the soft reset");
		CHECK(s.mismatch_at < 0 && s.written == s.host.len, "09: byte-exact with the real host");
		script_free(&s);
	}
	if (!load(&s, "10_unittest.jsonl")) {
		repl_init(&r, &s.io);
		int st = paste_exec(&s, &r, 0, &out, &err, &f);
		struct buf o2 = BUF_INIT;
		buf_adds(&o2, "START TEST\r\n");
		buf_add(&o2, out.data, out.len);
		struct board_run run = {.status = RUN_DONE, .out = o2.data, .out_len = o2.len,
					.err = err.data, .err_len = err.len};
		verdict_classify(&run, NULL, 0, &c);
		CHECK(st == REPL_OK && c.unittest && c.verdict == VERDICT_FAIL,
		      "10: unittest tail recognised, one failure: fail (%s)", c.reason);
		CHECK(strcmp(c.reason, "unittest: 2 ran, 1 failures, 0 errors") == 0, "10: reason '%s'", c.reason);
		classified_free(&c);
		buf_free(&o2);
		script_free(&s);
	}
	if (!load(&s, "11_hang_ctrl_c.jsonl")) {
		repl_init(&r, &s.io);
		struct buf code = BUF_INIT;
		code_of(&s, 0, &code);
		follow_init(&f, &out, &err, 1 << 20);
		int64_t t0 = s.clock;
		int st = repl_exec(&r, code.data, code.len, &f, t0 + 1000);
		CHECK(st == REPL_TIMEOUT && s.clock >= t0 + 1000, "11: the deadline ends the wait");
		size_t before = s.written;
		int ist = repl_interrupt(&r, &f, 3000);
		CHECK(before < s.client.len && s.client.data[before] == 0x03, "11: Ctrl-C is sent after the deadline");
		CHECK(ist == REPL_TIMEOUT, "11: a board that ignores Ctrl-C is reported as not answering");
		buf_free(&code);
		script_free(&s);
	}
	if (!load(&s, "13_raw_paste_refused_then_plain.jsonl")) {
		repl_init(&r, &s.io);
		int st = repl_enter(&r, 1, 10000);
		CHECK(st == REPL_OK && s.mismatch_at < 0, "13: entering from the friendly prompt");
		script_free(&s);
	}
	buf_free(&out);
	buf_free(&err);
}

/* synthetic boards */
static void t_synthetic(void)
{
	struct script_io s;
	struct repl r;
	struct buf out = BUF_INIT, err = BUF_INIT;
	struct follow f;

	/* R\x00: raw-paste understood but not supported: plain raw, never asked again */
	script_init_empty(&s);
	ADD(&s, 0, "\x05" "A\x01");
	ADD(&s, 1, "R\x00");
	ADD(&s, 0, "x\x04");
	ADD(&s, 1, "OK1\r\n\x04\x04>");
	ADD(&s, 0, "y\x04");
	ADD(&s, 1, "OK2\r\n\x04\x04>");
	repl_init(&r, &s.io);
	follow_init(&f, &out, &err, 1 << 20);
	int st = repl_exec(&r, (const uint8_t *)"x", 1, &f, s.clock + 1000);
	CHECK(st == REPL_OK && r.paste == 0 && streq(&out, "1\r\n"), "R\\x00: falls back to plain raw mode");
	buf_reset(&out);
	follow_init(&f, &out, &err, 1 << 20);
	st = repl_exec(&r, (const uint8_t *)"y", 1, &f, s.clock + 1000);
	CHECK(st == REPL_OK && streq(&out, "2\r\n") && s.mismatch_at < 0, "R\\x00: not asked again");
	script_free(&s);

	/* old firmware: echoes the request as text and re-prints the banner */
	script_init_empty(&s);
	ADD(&s, 0, "\x05" "A\x01");
	ADD(&s, 1, "raw REPL; CTRL-B to exit\r\n>");
	ADD(&s, 0, "z\x04");
	ADD(&s, 1, "OK\x04\x04>");
	repl_init(&r, &s.io);
	buf_reset(&out);
	follow_init(&f, &out, &err, 1 << 20);
	st = repl_exec(&r, (const uint8_t *)"z", 1, &f, s.clock + 1000);
	CHECK(st == REPL_OK && r.paste == 0 && s.mismatch_at < 0, "old firmware: fallback after the banner");
	script_free(&s);

	/* the port goes away in the middle of the output */
	script_init_empty(&s);
	ADD(&s, 0, "\x05" "A\x01");
	ADD(&s, 1, "R\x01\x80\x00\x01");
	ADD(&s, 0, "w");
	ADD(&s, 0, "\x04");
	ADD(&s, 1, "\x04partial");
	s.eof_at_end = 1;
	repl_init(&r, &s.io);
	buf_reset(&out);
	follow_init(&f, &out, &err, 1 << 20);
	st = repl_exec(&r, (const uint8_t *)"w", 1, &f, s.clock + 1000);
	CHECK(st == REPL_GONE && streq(&out, "partial"), "a board that vanishes mid-output: gone, output kept");
	script_free(&s);

	/* the board asks to stop in the middle of a raw-paste transfer */
	script_init_empty(&s);
	ADD(&s, 0, "\x05" "A\x01");
	ADD(&s, 1, "R\x01\x02\x00");
	ADD(&s, 0, "ab");
	ADD(&s, 1, "\x04");
	ADD(&s, 0, "\x04");
	ADD(&s, 1, "\x04Traceback\r\n\x04>");
	repl_init(&r, &s.io);
	buf_reset(&out);
	buf_reset(&err);
	follow_init(&f, &out, &err, 1 << 20);
	st = repl_exec(&r, (const uint8_t *)"abcdef", 6, &f, s.clock + 1000);
	CHECK(st == REPL_OK && s.mismatch_at < 0 && streq(&err, "Traceback\r\n"),
	      "board's \\x04 during raw-paste: the client stops sending and answers \\x04");
	script_free(&s);

	/* garbage instead of the raw REPL banner */
	script_init_empty(&s);
	ADD(&s, 0, "\r\x03\x03");
	ADD(&s, 0, "\r\x01");
	ADD(&s, 1, "\xff\xfe garbage >>>");
	repl_init(&r, &s.io);
	st = repl_enter(&r, 1, 2000);
	CHECK(st == REPL_NOANSWER && strstr(r.error, "raw REPL"), "garbage: could not enter raw REPL (%s)",
	      r.error);
	script_free(&s);

	/* any split: the exchange of transcript 02 fed one byte at a time to the stream parser */
	struct buf o = BUF_INIT, e = BUF_INIT;
	static const char stream[] = "2\r\n\x04\x04>";
	follow_init(&f, &o, &e, 1 << 20);
	size_t used = 0;
	for (size_t i = 0; i < sizeof stream - 1; i++)
		used += follow_feed(&f, (const uint8_t *)stream + i, 1);
	CHECK(f.state == FOLLOW_DONE && used == sizeof stream - 1 && streq(&o, "2\r\n"),
	      "stream parser: bytes one at a time");
	/* capped output is counted, not kept */
	buf_reset(&o);
	follow_init(&f, &o, &e, 4);
	follow_feed(&f, (const uint8_t *)"0123456789\x04\x04>", 13);
	CHECK(f.state == FOLLOW_DONE && o.len == 4 && f.out_total == 10 && follow_truncated(&f),
	      "stream parser: output over the cap is counted and dropped");
	buf_free(&o);
	buf_free(&e);
	buf_free(&out);
	buf_free(&err);
}

int main(int argc, char **argv)
{
	dir = argc > 1 ? argv[1] : "tests/transcripts";
	t_enter();
	t_plain();
	t_paste();
	t_outcomes();
	t_synthetic();
	return tap_done();
}
