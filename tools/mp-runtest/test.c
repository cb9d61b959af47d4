/* One test on one board, from the script sent to the result written: repetitions (--count), the
 * recovery of the board after an infrastructure error (retried up to twice; a board with three in a row
 * is taken out of the run), the verdict, the known-flaky list, the result file and the console line. */
#include "exitcodes.h"
#include "expected.h"
#include "failfiles.h"
#include "fileio.h"
#include "infracount.h"
#include "json.h"
#include "regexexp.h"
#include "runtest.h"
#include "serial.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define INFRA_RETRIES 2 /* a test that met an infrastructure error is run again up to this many times */
#define KERNEL_LOG_MAX 8192

/* the script sent to the board: START TEST first, on the first line when the file starts with '#'
 * so that line numbers in tracebacks stay right */
static void build_script(const struct buf *test, struct buf *script)
{
	buf_adds(script, "print('START TEST')");
	if (test->len == 0 || test->data[0] != '#')
		buf_addc(script, '\n');
	buf_add(script, test->data, test->len);
}

static long file_size(const char *path)
{
	struct stat st;
	return path && stat(path, &st) == 0 ? (long)st.st_size : 0;
}

/* the lines FILE gained since it had FROM bytes (at most KERNEL_LOG_MAX of them) */
static void read_tail(const char *path, long from, struct buf *out)
{
	struct buf all = BUF_INIT;
	if (path && file_read(path, &all) == 0 && (long)all.len > from) {
		size_t n = all.len - (size_t)from;
		buf_add(out, all.data + from, n > KERNEL_LOG_MAX ? KERNEL_LOG_MAX : n);
	}
	buf_free(&all);
}

/* the reason the known-flaky lists give for TEST, or NULL; the lists are "TEST<TAB>REASON" lines */
static char *flaky_reason(const struct options *o, const char *test)
{
	for (int i = 0; i < o->flaky_lists; i++) {
		struct buf b = BUF_INIT;
		if (file_read(o->flaky_list[i], &b) != 0) {
			buf_free(&b);
			continue;
		}
		char *save = NULL, *found = NULL;
		for (char *l = strtok_r((char *)buf_str(&b), "\n", &save); l && !found; l = strtok_r(NULL, "\n", &save)) {
			char *tab = strchr(l, '\t');
			if (l[0] == '#' || !tab)
				continue;
			*tab = 0;
			if (strcmp(l, test) == 0)
				found = tb_xstrdup(tab + 1);
		}
		buf_free(&b);
		if (found)
			return found;
	}
	return NULL;
}

/* the run of a test on a board that is out of the run: it is not touched; returns 2 */
static int not_run(const struct options *o, struct board_run *run, char *failure, size_t failure_len)
{
	memset(run, 0, sizeof *run);
	run->status = RUN_ERROR;
	snprintf(failure, failure_len, "not run: %s was taken out of the run after %d infrastructure errors in a row",
		 o->board, INFRA_MAX);
	run->failure = failure;
	return 2;
}

/* one run of the script on the board, the board brought back and the run repeated after an
 * infrastructure error; fills RUN. Returns what needs reporting about the board: 0 fine, 1 it met
 * errors it recovered from, 2 it is out of the run; 3 the port is no port at all, 4 another program
 * holds it (both said, no test ran). ATTEMPTS counts the runs, ERRORS lists what went wrong. */
static int run_with_recovery(struct options *o, char **port, const struct buf *script, struct board_run *run,
			     struct buf *out, struct buf *err, char *failure, size_t failure_len, int *attempts,
			     struct buf *errors, int *raw_paste)
{
	int infra = infra_count_read(o->infra_state);
	if (infra >= INFRA_MAX)
		return not_run(o, run, failure, failure_len);
	int trouble = 0;
	for (*attempts = 1;; ++*attempts) {
		struct serial s;
		int infra_error, attention;
		int so = serial_open_wait(&s, *port, o->baud, o->port_wait_ms);
		if (so == SERIAL_ENOTTY || so == SERIAL_EBUSY)
			return so == SERIAL_ENOTTY ? 3 : 4; /* said; no board to recover, nothing to retry */
		/* the count again, now that the port is ours: a multi-board test that held it may have
		 * taken the board out meanwhile */
		if (so == SERIAL_OK && *attempts == 1 && (infra = infra_count_read(o->infra_state)) >= INFRA_MAX) {
			serial_close(&s);
			return not_run(o, run, failure, failure_len);
		}
		if (so != SERIAL_OK) {
			memset(run, 0, sizeof *run);
			run->status = RUN_ERROR;
			snprintf(failure, failure_len, "cannot open the port %s", *port);
			run->failure = failure;
			attention = infra_error = 1;
		} else {
			struct repl r;
			repl_init(&r, &s.io);
			r.verbose = o->verbose;
			if (o->no_paste)
				r.paste = 0;
			attention = run_on_board(&r, o, script, 0, run, out, err, failure, failure_len);
			*raw_paste = r.paste == 1;
			serial_close(&s);
			infra_error = attention && run->status == RUN_ERROR;
		}
		if (!infra_error) {
			if (infra)
				infra_count_write(o->infra_state, 0, NULL);
			if (attention) {
				/* hung after Ctrl-C: the test's verdict is timeout; the next test needs the board back */
				trouble = 1;
				if (board_recover(o, port) != 0) {
					infra_count_write(o->infra_state, INFRA_MAX, "the board did not come back after a hung test");
					return 2;
				}
				o->port = *port;
			}
			return trouble;
		}
		trouble = 1;
		if (errors->len)
			buf_addc(errors, ',');
		json_cstring(errors, failure);
		infra++;
		infra_count_write(o->infra_state, infra, failure);
		tb_warn("%s: infrastructure error %d in a row: %s", o->board, infra, failure);
		if (infra >= INFRA_MAX) {
			tb_warn("%s: taken out of the run after %d infrastructure errors in a row", o->board, INFRA_MAX);
			return 2;
		}
		if (board_recover(o, port) != 0) {
			infra_count_write(o->infra_state, INFRA_MAX, "the board did not come back");
			return 2;
		}
		o->port = *port;
		if (*attempts > INFRA_RETRIES)
			return trouble;
		/* the output of the failed attempt is not the test's */
	}
}

struct judged {
	struct classified cl;
	struct buf exp, figures;
	char *exp_source, *regex_file;
	int have_exp;
};

static void judged_free(struct judged *j)
{
	classified_free(&j->cl);
	buf_free(&j->exp);
	buf_free(&j->figures);
	free(j->exp_source);
	free(j->regex_file);
	memset(j, 0, sizeof *j);
}

/* the verdict of one run; 0, or -1 after a message (local trouble) */
static int judge(const struct options *o, const char *test_path, const char *name, const struct board_run *run,
		 int mpy_refused, const struct buf *refusal, struct judged *j)
{
	if (o->perf_n) {
		perf_classify(run, &j->cl, &j->figures);
		return 0;
	}
	struct buf regex_exp = BUF_INIT;
	/* a regex .exp applies to the tests run-tests.py lists, or when asked */
	int regex = o->regex == 1 || (o->regex == -1 && regexexp_is_listed(name));
	if (regex) {
		j->regex_file = o->exp_path ? tb_xstrdup(o->exp_path) : expected_file(test_path, o->emit);
		if (j->regex_file && file_read(j->regex_file, &regex_exp) != 0) {
			tb_warn_errno("cannot read '%s'", j->regex_file);
			buf_free(&regex_exp);
			return -1;
		}
	}
	if (mpy_refused) {
		/* the board never saw it: the compiler's complaint is the output, compared as usual */
		j->cl.verdict = VERDICT_NONE;
		j->cl.crashed = 1;
		buf_add(&j->cl.output, refusal->data, refusal->len);
		snprintf(j->cl.reason, sizeof j->cl.reason, "mpy-cross refused it");
	} else {
		verdict_classify(run, j->regex_file ? regex_exp.data : NULL, regex_exp.len, &j->cl);
	}
	buf_free(&regex_exp);
	if (j->cl.verdict == VERDICT_NONE && !j->cl.unittest) {
		int e;
		if (o->exp_path) {
			e = file_read(o->exp_path, &j->exp) == 0 ? EXPECTED_OK : EXPECTED_IOERR;
			if (e)
				tb_warn_errno("cannot read expected output '%s'", o->exp_path);
			j->exp_source = tb_xstrdup(o->exp_path);
		} else {
			e = expected_get(test_path, o->emit, o->python, 120000, &j->exp, &j->exp_source);
		}
		if (e != EXPECTED_OK)
			return -1;
		j->have_exp = 1;
		verdict_compare(&j->cl, j->exp.data, j->exp.len);
	}
	if (j->cl.verdict == VERDICT_NONE) /* unittest output decided it */
		j->cl.verdict = VERDICT_FAIL;
	if (run->truncated && (j->cl.verdict == VERDICT_PASS || j->cl.verdict == VERDICT_FAIL)) {
		/* what was kept may match, but the whole output cannot have */
		j->cl.verdict = VERDICT_FAIL;
		snprintf(j->cl.reason, sizeof j->cl.reason, "output over %zu bytes (the rest was discarded)", o->output_cap);
	}
	return 0;
}

static int is_failure(enum verdict v)
{
	return v == VERDICT_FAIL || v == VERDICT_TIMEOUT || v == VERDICT_ERROR;
}

int run_test(struct options *o, char **port, const char *test_path, const char *name, const struct buf *test)
{
	int rc = TB_EXIT_LOCAL;
	struct buf script = BUF_INIT, refusal = BUF_INIT, out = BUF_INIT, err = BUF_INIT, diff = BUF_INIT;
	struct buf json = BUF_INIT, errors = BUF_INIT, kernel = BUF_INIT;
	struct judged j = {0}, shown = {0};
	char *flaky = NULL;
	int mpy_refused = 0;

	if (o->perf_n) {
		if (perf_script(o, test, &script) != 0)
			goto out;
	} else {
		build_script(test, &script);
		struct buf wrapped = BUF_INIT;
		int st = 0;
		if (o->via_mpy)
			st = via_mpy_script(o, name, &script, &wrapped, &refusal);
		else if (o->natmod_name)
			st = natmod_script(o, &script, &wrapped);
		if (st < 0) {
			buf_free(&wrapped);
			goto out;
		}
		if (o->via_mpy || o->natmod_name) {
			buf_free(&script);
			script = wrapped;
		}
		mpy_refused = st == 1;
	}

	long kernel_from = file_size(o->kernel_log);
	int64_t t0 = tb_now_ms();
	struct timespec wall;
	if (clock_gettime(CLOCK_REALTIME, &wall) != 0)
		wall.tv_sec = wall.tv_nsec = 0;
	int passes = 0, fails = 0, attempts_total = 0, board = 0, raw_paste = 0;
	for (int rep = 0; rep < o->count; rep++) {
		struct board_run run = {0};
		char failure[256] = "";
		int attempts = 0;
		if (!mpy_refused) {
			board = run_with_recovery(o, port, &script, &run, &out, &err, failure, sizeof failure, &attempts,
						  &errors, &raw_paste);
			attempts_total += attempts;
			if (board >= 3) {
				/* no test ran: no result either (the test was not the trouble) */
				rc = board == 3 ? TB_EXIT_USAGE : TB_EXIT_BOARD;
				goto out;
			}
		}
		judged_free(&j);
		if (judge(o, test_path, name, &run, mpy_refused, &refusal, &j) != 0)
			goto out;
		/* the result shows the first failing run, else the last one */
		if (is_failure(j.cl.verdict))
			fails++;
		else
			passes++;
		if ((is_failure(j.cl.verdict) && fails == 1) || !fails) {
			judged_free(&shown);
			shown = j;
			memset(&j, 0, sizeof j);
		}
		if (board == 2 || mpy_refused)
			break; /* the board is out, or nothing was run: repeating tells nothing */
	}
	long ms = (long)(tb_now_ms() - t0);
	judged_free(&j);
	j = shown;
	memset(&shown, 0, sizeof shown);
	read_tail(o->kernel_log, kernel_from, &kernel);

	/* the verdict over the repetitions: mixed -> flaky; a failure of a known-flaky test -> ignored */
	const char *vname = verdict_name(j.cl.verdict), *vconsole = verdict_console(j.cl.verdict);
	int failed = is_failure(j.cl.verdict);
	if (fails && passes) {
		vname = "flaky";
		vconsole = "FLAKY";
		snprintf(j.cl.reason, sizeof j.cl.reason, "%d of %d runs failed", fails, fails + passes);
	}
	if (failed && j.cl.verdict != VERDICT_ERROR && (flaky = flaky_reason(o, name)) != NULL) {
		vname = "ignored";
		vconsole = "ignored";
		char why[sizeof j.cl.reason];
		snprintf(why, sizeof why, "flaky: %s", flaky);
		snprintf(j.cl.reason, sizeof j.cl.reason, "%s", why);
		failed = 0;
	}
	if (failed && j.have_exp)
		verdict_diff(j.exp.data, j.exp.len, j.cl.output.data, j.cl.output.len, 20, &diff);
	if (o->out_dir && failfiles_update(o->out_dir, name, &j.exp, j.have_exp, &j.cl.output, failed) != 0)
		goto out;

	buf_addc(&json, '{');
	json_kv_str(&json, "test", name);
	json_kv_str(&json, "board", o->board);
	json_kv_str(&json, "port", *port);
	json_kv_str(&json, "verdict", vname);
	json_kv_str(&json, "reason", j.cl.reason);
	json_kv_int(&json, "duration_ms", ms);
	/* when it ran, on the wall clock: to line a result up with a board's or the kernel's log */
	json_kv_int(&json, "started_ms", (long long)wall.tv_sec * 1000 + wall.tv_nsec / 1000000);
	json_kv_int(&json, "testcases", j.cl.testcases);
	json_kv_str(&json, "expected_from", j.exp_source ? j.exp_source : (j.cl.unittest ? "unittest" : NULL));
	json_kv_bool(&json, "regex_exp", j.regex_file != NULL);
	json_kv_bool(&json, "raw_paste", raw_paste);
	json_kv_bool(&json, "output_truncated", out.len >= o->output_cap || err.len >= o->output_cap);
	json_kv_int(&json, "output_bytes", (long long)j.cl.output.len);
	/* the output itself, up to 64 KiB; the whole of it is in the .out file of a failure */
	size_t show = j.cl.output.len > 65536 ? 65536 : j.cl.output.len;
	json_kv_bytes(&json, "output", j.cl.output.data, show);
	if (j.have_exp && failed)
		json_kv_bytes(&json, "expected", j.exp.data, j.exp.len > 65536 ? 65536 : j.exp.len);
	if (diff.len)
		json_kv_bytes(&json, "diff", diff.data, diff.len);
	if (o->count > 1) {
		json_kv_int(&json, "runs", passes + fails);
		json_kv_int(&json, "failed_runs", fails);
	}
	if (attempts_total > (o->count > 1 ? passes + fails : 1))
		json_kv_int(&json, "attempts", attempts_total);
	if (errors.len) {
		buf_adds(&json, ",\"infra_errors\":[");
		buf_add(&json, errors.data, errors.len);
		buf_addc(&json, ']');
	}
	if (board == 2)
		json_kv_bool(&json, "board_out", 1);
	if (kernel.len)
		json_kv_bytes(&json, "kernel_log", kernel.data, kernel.len);
	buf_add(&json, j.figures.data, j.figures.len);
	buf_adds(&json, "}\n");

	if (o->result_path && (file_mkdirs_for(o->result_path) != 0 ||
			       file_write_atomic(o->result_path, json.data, json.len) != 0))
		goto out;
	if (o->ok_path) {
		/* the make target of a test that needs no rerun: present exactly when it passed or skipped */
		if (!failed && !(fails && passes)) {
			if (file_write_atomic(o->ok_path, "", 0) != 0)
				goto out;
		} else if (unlink(o->ok_path) != 0 && errno != ENOENT) {
			tb_warn_errno("cannot remove '%s'", o->ok_path);
			goto out;
		}
	}
	if (o->json) {
		fwrite(json.data, 1, json.len, stdout);
	} else if (!o->quiet || failed || (fails && passes)) {
		const char *prefix = o->board != o->port ? o->board : NULL;
		if (o->tag)
			prefix = o->tag;
		printf("%s%s%s %s (%s%s%ld ms%s)\n", prefix ? prefix : "", prefix ? " " : "", vconsole, name,
		       j.cl.reason, j.cl.reason[0] ? ", " : "", ms, kernel.len ? "; kernel log lines, see the result" : "");
	}

	if (j.cl.no_unittest) {
		tb_warn("%s: test %s requires unittest (install it with 'mpremote mip install unittest')", o->board,
			name);
		rc = TB_EXIT_SETUP;
	} else if (board == 2 || j.cl.verdict == VERDICT_ERROR) {
		rc = TB_EXIT_BOARD;
	} else {
		rc = failed || (fails && passes) ? TB_EXIT_FAIL : TB_EXIT_OK;
	}
out:
	judged_free(&j);
	judged_free(&shown);
	buf_free(&script);
	buf_free(&refusal);
	buf_free(&out);
	buf_free(&err);
	buf_free(&diff);
	buf_free(&json);
	buf_free(&errors);
	buf_free(&kernel);
	free(flaky);
	return rc;
}
