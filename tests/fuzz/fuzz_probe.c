/* libFuzzer target: mp-runtest --probe (probe_board) against a board whose answers are the input,
 * cut at 0xfe bytes: the first answers target_info.py, the next ones the feature checks in turn.
 * Properties: the probe ends with OK or BOARD; OK only when target_info printed 8 words (when its
 * answer is plain stdout), and always then if no answer breaks the protocol; then target.json is a
 * JSON object whose platform, arch, float_prec and unicode are those words, and the checks are
 * booleans; on BOARD no target.json is written. */
#include "exitcodes.h"
#include "fakeboard.h"
#include "jsonval.h"
#include "fileio.h"
#include "runtest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[64], result[96];

static const char *const files[] = {"target_info.py", "native_check.py", "int_big.py", "int_64.py",
				     "set_check.py", "async_check.py", "reverse_ops.py",
				     "inlineasm_rv32.py", "inlineasm_thumb.py", "inlineasm_thumb2.py"};

static void remove_dir(void)
{
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char *p = tb_xasprintf("%s/%s", dir, files[i]);
		unlink(p);
		free(p);
	}
	unlink(result);
	char *out = tb_xasprintf("%s/out", dir);
	rmdir(out);
	free(out);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(dir, sizeof dir, "/tmp/fuzz_probe.XXXXXX");
	if (!mkdtemp(dir))
		abort();
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char *p = tb_xasprintf("%s/%s", dir, files[i]);
		if (file_write_atomic(p, "print(1)\n", 9) != 0)
			abort();
		free(p);
	}
	snprintf(result, sizeof result, "%s/out/target.json", dir);
	atexit(remove_dir);
	return 0;
}

/* the words of S (N bytes) as strtok_r with " \t\r\n" finds them in a C string */
static int words(const uint8_t *s, size_t n, const uint8_t **w, size_t *wl, int max)
{
	int k = 0;
	size_t i = 0;
	const uint8_t *nul = memchr(s, 0, n);
	if (nul)
		n = (size_t)(nul - s);
	while (i < n) {
		while (i < n && memchr(" \t\r\n", s[i], 4))
			i++;
		if (i == n)
			break;
		size_t start = i;
		while (i < n && !memchr(" \t\r\n", s[i], 4))
			i++;
		if (k < max) {
			w[k] = s + start;
			wl[k] = i - start;
		}
		k++;
	}
	return k;
}

static int ascii(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] > 0x7e || p[i] == '"' || p[i] == '\\')
			return 0;
	return 1;
}

static int is_word(const char *s, const uint8_t *w, size_t n)
{
	return strlen(s) == n && memcmp(s, w, n) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *resp[24];
	size_t resp_len[24];
	size_t n = fake_split(data, size, 0xfe, resp, resp_len, 24);
	struct fakeboard b;
	fake_init(&b, resp, resp_len, n, size ? (size_t)(data[size - 1] % 64) + 1 : 1);
	struct repl r;
	repl_init(&r, &b.io);
	r.paste = 0;
	struct options o;
	memset(&o, 0, sizeof o);
	o.port = "fake";
	o.board = "fz";
	o.feature_dir = dir;
	o.result_path = result;
	o.quiet = 1;
	o.timeout_ms = 1000;
	o.enter_timeout_ms = 1000;
	o.interrupt_ms = 10;
	o.output_cap = 1 << 16;
	o.python = "/nonexistent/python3";
	unlink(result);

	int rc = probe_board(&r, &o);
	if (rc != TB_EXIT_OK && rc != TB_EXIT_BOARD)
		abort();
	struct buf text = BUF_INIT;
	int written = file_read(result, &text) == 0;
	if (written != (rc == TB_EXIT_OK))
		abort();
	const uint8_t *w[8];
	size_t wl[8];
	/* target_info's answer as plain stdout: the words decide */
	int plain = !memchr(resp[0], 0x04, resp_len[0]);
	int k = 0;
	struct buf norm = BUF_INIT;
	if (plain) {
		normalize_newlines(resp[0], resp_len[0], &norm);
		k = words(norm.data ? norm.data : (const uint8_t *)"", norm.len, w, wl, 8);
		/* a board that answers by the protocol (no answer with a second \x04) never needs attention */
		int proper = 1;
		for (size_t i = 0; i < n; i++) {
			const uint8_t *e = memchr(resp[i], 0x04, resp_len[i]);
			if (e && memchr(e + 1, 0x04, resp_len[i] - (size_t)(e + 1 - resp[i])))
				proper = 0;
		}
		if ((k == 8 && proper && rc != TB_EXIT_OK) || (k != 8 && rc == TB_EXIT_OK))
			abort();
	}
	if (written) {
		struct jv v;
		size_t line, col;
		if (jv_parse(buf_str(&text), text.len, &v, &line, &col) != 0 || v.type != JV_OBJECT)
			abort();
		const struct jv *native = jv_get(&v, "native"), *unicode = jv_get(&v, "unicode");
		double prec;
		if (!native || native->type != JV_BOOL || !unicode || unicode->type != JV_BOOL ||
		    jv_num(&v, "float_prec", &prec) != 0 || !jv_str(&v, "platform") || !jv_str(&v, "board"))
			abort();
		if (plain && k == 8) {
			const struct jv *arch = jv_get(&v, "arch");
			if (ascii(w[0], wl[0]) && !is_word(jv_str(&v, "platform"), w[0], wl[0]))
				abort();
			if (!arch || (arch->type == JV_NULL) != is_word("None", w[1], wl[1]))
				abort();
			if (unicode->boolean != is_word("True", w[6], wl[6]))
				abort();
		}
		jv_free(&v);
	}
	buf_free(&norm);
	buf_free(&text);
	buf_free(&b.pending);
	return 0;
}
