/* --probe: run the feature checks of a MicroPython tests folder (or the project's own) on the board
 * and write what the board supports as target.json, for the skip rules of the test pipeline. */
#include "datadir.h"
#include "exitcodes.h"
#include "expected.h"
#include "fileio.h"
#include "json.h"
#include "runtest.h"
#include "util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* run one check; its output (normalised) in OUT; 0 when it ran, -1 when the file is missing,
 * 1 when the board needs attention */
static int check(struct repl *r, const struct options *o, const char *dir, const char *file, struct buf *out)
{
	char *path = tb_xasprintf("%s/%s", dir, file);
	struct buf code = BUF_INIT, so = BUF_INIT, se = BUF_INIT;
	buf_reset(out);
	if (file_read(path, &code) != 0) {
		free(path);
		return -1;
	}
	struct board_run run;
	char failure[256];
	int bad = run_on_board(r, o, &code, 1, &run, &so, &se, failure, sizeof failure);
	struct classified c;
	verdict_classify(&run, NULL, 0, &c);
	buf_add(out, c.output.data, c.output.len);
	if (o->verbose)
		tb_warn("%s: %s", file, buf_str(out));
	classified_free(&c);
	buf_free(&code);
	buf_free(&so);
	buf_free(&se);
	free(path);
	return bad ? 1 : 0;
}

static int is(const struct buf *b, const char *s)
{
	return b->len == strlen(s) && memcmp(b->data, s, b->len) == 0;
}

/* split target_info's output into its 8 fields */
static int split_fields(struct buf *b, char **f, int n)
{
	int k = 0;
	char *save = NULL;
	for (char *t = strtok_r((char *)b->data, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save)) {
		if (k == n)
			return -1;
		f[k++] = t;
	}
	return k == n ? 0 : -1;
}

static void kv_field(struct buf *j, const char *key, const char *v)
{
	if (strcmp(v, "None") == 0)
		json_kv_str(j, key, NULL);
	else
		json_kv_str(j, key, v);
}

int probe_board(struct repl *r, const struct options *o)
{
	char *own = NULL;
	const char *dir = o->feature_dir;
	char *td = NULL;
	if (!dir && o->tests_dir) {
		td = tb_xasprintf("%s/feature_check", o->tests_dir);
		char *ti = tb_xasprintf("%s/target_info.py", td);
		if (file_exists(ti))
			dir = td;
		free(ti);
	}
	if (!dir)
		dir = own = tb_data_dir("tools/mp-runtest/feature_check", "feature_check", "target_info.py");
	if (!dir) {
		tb_warn("no feature checks found: give --feature-dir DIR");
		free(td);
		return TB_EXIT_USAGE;
	}
	int rc = TB_EXIT_BOARD;
	struct buf out = BUF_INIT, json = BUF_INIT;
	int64_t t0 = tb_now_ms();
	int st = check(r, o, dir, "target_info.py", &out);
	char *f[8];
	if (st == -1) {
		tb_warn("'%s/target_info.py' is missing", dir);
		rc = TB_EXIT_USAGE;
		goto done;
	}
	if (st == 1 || split_fields(&out, f, 8) != 0) {
		tb_warn("%s: cannot detect the platform: target_info.py printed '%s'", o->board, buf_str(&out));
		goto done;
	}
	buf_addc(&json, '{');
	json_kv_str(&json, "board", o->board);
	json_kv_str(&json, "port", o->port);
	json_kv_str(&json, "feature_dir", dir);
	json_kv_str(&json, "platform", f[0]);
	kv_field(&json, "arch", f[1]);
	json_kv_str(&json, "arch_flags", f[2]);
	json_kv_str(&json, "build", f[3]);
	kv_field(&json, "thread", f[4]);
	json_kv_int(&json, "float_prec", atol(f[5]));
	json_kv_bool(&json, "unicode", strcmp(f[6], "True") == 0);
	json_kv_str(&json, "error_reporting", f[7]);

	/* the checks whose exact output means "supported" (as in run-tests.py) */
	static const struct {
		const char *key, *file, *want;
	} checks[] = {
		{"native", "native_check.py", "native\n"},
		{"int_big", "int_big.py", "1000000000000000000000000000000000000000000000\n"},
		{"int_64", "int_64.py", "4611686018427387904\n"},
		{"bytearray", "bytearray.py", "bytearray\n"},
		{"set", "set_check.py", "{1}\n"},
		{"slice", "slice.py", "slice\n"},
		{"async", "async_check.py", "async\n"},
		{"const", "const.py", "1\n"},
		{"fstring", "fstring.py", "a=1\n"},
		{"tstring", "tstring.py", "tstring\n"},
		{"complex", "complex.py", "complex\n"},
		{"coverage", "coverage.py", "coverage\n"},
	};
	for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
		st = check(r, o, dir, checks[i].file, &out);
		if (st == 1)
			goto done;
		json_kv_bool(&json, checks[i].key, st == 0 && is(&out, checks[i].want));
	}
	if ((st = check(r, o, dir, "reverse_ops.py", &out)) == 1)
		goto done;
	json_kv_bool(&json, "reverse_ops", !(st == 0 && is(&out, "TypeError\n")));

	/* inline assembler: the first arch whose check prints its name */
	const char *asm_arch = NULL;
	static const char *const arches[] = {"rv32", "thumb", "xtensa"};
	for (size_t i = 0; i < 3 && !asm_arch; i++) {
		char *file = tb_xasprintf("inlineasm_%s.py", arches[i]);
		st = check(r, o, dir, file, &out);
		free(file);
		if (st == 1)
			goto done;
		while (out.len && (out.data[out.len - 1] == '\n' || out.data[out.len - 1] == ' '))
			out.data[--out.len] = 0;
		if (st == 0 && is(&out, arches[i]))
			asm_arch = arches[i];
	}
	json_kv_str(&json, "inlineasm", asm_arch);
	if (asm_arch && strcmp(asm_arch, "thumb") == 0) {
		if ((st = check(r, o, dir, "inlineasm_thumb2.py", &out)) == 1)
			goto done;
		json_kv_bool(&json, "thumb2", st == 0 && is(&out, "thumb2\n"));
	}

	/* byte order: the board's sys.byteorder against this host's (what CPython would print here) */
	if ((st = check(r, o, dir, "byteorder.py", &out)) == 1)
		goto done;
	json_kv_bytes(&json, "byteorder", out.data, out.len);
	if (st == 0) {
		const union {
			uint16_t u;
			uint8_t b[2];
		} probe_order = {.u = 1};
		json_kv_bool(&json, "endian_matches_host", is(&out, probe_order.b[0] ? "little\n" : "big\n"));
	}
	/* what .mpy files the firmware imports (not one of run-tests.py's checks: the VIA_MPY and
	 * NATMODTESTS groups need it); null when it imports none it can name */
	struct board_run run;
	struct buf so = BUF_INIT, se = BUF_INIT, code = BUF_INIT;
	char failure[256];
	buf_adds(&code, "import sys\nprint(getattr(sys.implementation, '_mpy', None))\n");
	if (run_on_board(r, o, &code, 1, &run, &so, &se, failure, sizeof failure) != 0) {
		buf_free(&so);
		buf_free(&se);
		buf_free(&code);
		goto done;
	}
	char *end = NULL;
	long mpy = run.status == RUN_DONE && se.len == 0 ? strtol(buf_str(&so), &end, 10) : 0;
	if (end && end != buf_str(&so) && mpy > 0)
		json_kv_int(&json, "mpy", mpy);
	else
		json_kv_str(&json, "mpy", NULL);
	buf_free(&so);
	buf_free(&se);
	buf_free(&code);
	json_kv_int(&json, "probe_ms", (long long)(tb_now_ms() - t0));
	buf_adds(&json, "}\n");
	if (o->result_path) {
		if (file_mkdirs_for(o->result_path) != 0 ||
		    file_write_atomic(o->result_path, json.data, json.len) != 0) {
			rc = TB_EXIT_LOCAL;
			goto done;
		}
	}
	if (o->json || !o->result_path)
		fwrite(json.data, 1, json.len, stdout);
	else if (!o->quiet)
		printf("%s: platform=%s arch=%s float=%s unicode=%s (%lld ms)\n", o->board, f[0], f[1], f[5], f[6],
		       (long long)(tb_now_ms() - t0));
	rc = TB_EXIT_OK;
done:
	buf_free(&out);
	buf_free(&json);
	free(own);
	free(td);
	return rc;
}
