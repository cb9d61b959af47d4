/* mp-multitest: run one multi-instance MicroPython test (instance0() ... instanceN()) on several
 * boards at once, with the protocol of MicroPython's tests/run-multitests.py, and judge it. */
#include "boardlock.h"
#include "exitcodes.h"
#include "expected.h"
#include "failfiles.h"
#include "fileio.h"
#include "infracount.h"
#include "json.h"
#include "multitest.h"
#include "util.h"
#include "verdict.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define VERSION "0.1"
#define MAX_PORTS MT_MAX_INSTANCES

static void usage(FILE *f)
{
	fprintf(f, "usage: %s --port PATH --port PATH [...] [options] TEST.py\n"
		   "       %s --local [options] TEST.py\n",
		tb_progname, tb_progname);
}

static void help(void)
{
	usage(stdout);
	printf("\n"
	       "Runs one multi-instance test (a file with instance0(), instance1(), ...) with instance i on\n"
	       "the i-th port, as MicroPython's tests/run-multitests.py does: each board is soft-reset and\n"
	       "its script started in raw REPL; the instances start in order, each up to its NEXT line; then\n"
	       "every BROADCAST line of one is written to the consoles of the others. The output of all\n"
	       "instances is compared with TEST.py.exp, else with the same test run on CPython processes.\n"
	       "\n"
	       "  -p, --port PATH        serial port of the next board (repeat: one per instance at least)\n"
	       "  -R, --roles LIST       which port plays each instance, e.g. '1,0': port 1 plays instance0\n"
	       "                         (default 0,1,...)\n"
	       "  -b, --board NAME       label of the next port's board (repeat); --boards A,B,... for all\n"
	       "      --local            run the instances as CPython processes instead of boards (no ports)\n"
	       "  -e, --exp FILE         expected output (default TEST.py.exp, else CPython)\n"
	       "      --python CMD       CPython (default $MICROPY_CPYTHON3, else python3)\n"
	       "  -t, --timeout S        deadline of the whole test (default 120)\n"
	       "      --idle-timeout S   an instance silent this long while it runs = TIMEOUT (default 10)\n"
	       "      --port-wait S      wait up to S seconds for a port another process holds (a board shared by\n"
	       "                         several pairs of a run; default 0: busy is an error)\n"
	       "      --enter-timeout S  deadline to enter the raw REPL (default 10)\n"
	       "      --no-raw-paste     send the scripts in plain raw mode\n"
	       "      --board-lock FILE  the lock of the next port's board (repeat, in the order of --port),\n"
	       "                         held (flock) while the test has the boards, waiting up to an hour while\n"
	       "                         another test of the run, or the run's recovery of the board, holds it\n"
	       "      --infra-state FILE infrastructure errors in a row of the next port's board (repeat, in\n"
	       "                         the order of --port), shared with mp-runtest: a board at 3 is out of\n"
	       "                         the run, and a test with it gets verdict error without touching it\n"
	       "  -r, --result FILE      write the result as JSON to FILE (atomically)\n"
	       "      --ok FILE          create FILE when the test passed or was skipped, remove it otherwise\n"
	       "  -o, --out-dir DIR      on failure write <name>.out and <name>.exp there (name: '/' -> '_')\n"
	       "  -n, --name NAME        the test's name (default: its path)\n"
	       "      --tag TEXT         start the human line with TEXT\n"
	       "  -j, --json             print the result as one JSON line instead of the human line\n"
	       "  -q, --quiet            print nothing when the test passed or was skipped\n"
	       "  -v, --verbose          trace each instance's lines and the bytes exchanged, on stderr\n"
	       "  -h, --help             this text\n"
	       "  -V, --version          the version\n"
	       "\n"
	       "Output: one line, e.g. 'pass  multi/ping.py on vb0,vb1 (812 ms)'. Verdicts: pass, fail, skip (an\n"
	       "instance printed SKIP while starting), timeout (an instance was silent for the idle timeout while\n"
	       "the driver listened to it, or the deadline passed), error (a board could not run it). CPython\n"
	       "instances run unbuffered, as a board's console is.\n"
	       "Result JSON: test, board (labels joined by ','), boards, ports, roles, instances, verdict,\n"
	       "reason, duration_ms, held_from_ms and held_to_ms (wall clock: the boards were held), expected_from,\n"
	       "output (the compared text), outputs (per instance), metrics (OUTPUT_METRIC data), attention\n"
	       "(the boards that need attention, for exit 3), and on failure expected and diff.\n"
	       "\n"
	       "Exit status:\n"
	       "  0  the test passed or was skipped\n"
	       "  1  the test failed or timed out\n"
	       "  2  usage error (e.g. fewer ports than the test has instances)\n"
	       "  3  a board needs attention: port missing, busy or gone, no raw REPL, hung after Ctrl-C\n"
	       "  4  local trouble: cannot read the test, run CPython, or write the result\n"
	       "  5  a board of the test is out of the run (3 infrastructure errors in a row, --infra-state):\n"
	       "     now, after this test's error, or before (then the test was not run); verdict error\n");
}

/* ORDER: the indexes of the N paths, sorted by path. Locks taken in this order by every test of a run
 * never make two tests wait on each other in a cycle. */
static void order_by_path(const char *const *path, int n, int *order)
{
	for (int i = 0; i < n; i++)
		order[i] = i;
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && strcmp(path[order[j - 1]], path[order[j]]) > 0; j--) {
			int t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
}

/* take the N board locks in the order of their paths; FD[i] is the lock of PATHS[i]. 0, or -1 after a
 * message with none held */
static int lock_boards(const char *const *paths, int n, int *fd)
{
	int order[MAX_PORTS];
	order_by_path(paths, n, order);
	for (int i = 0; i < n; i++) {
		fd[order[i]] = board_lock(paths[order[i]], BOARD_LOCK_WAIT_MS);
		if (fd[order[i]] < 0) {
			for (int j = 0; j < n; j++) {
				board_unlock(fd[j]);
				fd[j] = -1;
			}
			return -1;
		}
	}
	return 0;
}

/* a file option given once per port (--infra-state, --board-lock): ARG appended to LIST; 0, or -1 after
 * a message when there are too many */
static int add_per_port(const char *opt, const char **list, int *n, const char *arg)
{
	if (*n == MAX_PORTS) {
		tb_warn("at most %d %s files", MAX_PORTS, opt);
		return -1;
	}
	list[(*n)++] = arg;
	return 0;
}

/* N files of a per-port option for NPORTS ports: 0, or -1 after a message (more files than ports,
 * or any with --local) */
static int per_port_fits(const char *opt, int n, int nports, int local)
{
	if (local && n) {
		tb_warn("%s is kept for boards: not with --local", opt);
		return -1;
	}
	if (n > nports) {
		tb_warn("%d %s files for %d ports", n, opt, nports);
		return -1;
	}
	return 0;
}

/* split "a,b,c" into at most max items (pointers into a copy kept in *store) */
static int split_list(const char *text, char **store, const char **items, int max)
{
	*store = tb_xstrdup(text);
	int n = 0;
	for (char *save = NULL, *t = strtok_r(*store, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (n == max)
			return -1;
		items[n++] = t;
	}
	return n;
}

static char *dir_of(const char *path)
{
	char *d = tb_xstrdup(path);
	char *slash = strrchr(d, '/');
	if (!slash) {
		free(d);
		return tb_xstrdup(".");
	}
	if (slash == d)
		slash[1] = 0;
	else
		*slash = 0;
	return d;
}

int main(int argc, char **argv)
{
	tb_set_progname(argv[0]);
	signal(SIGPIPE, SIG_IGN);
	struct mt_opts mo = {
		.idle_ms = 10000, .enter_ms = 10000, .interrupt_ms = 3000, .reboot_ms = 5000, .cap = 16u << 20,
	};
	long timeout_ms = 120000;
	const char *ports[MAX_PORTS], *labels[MAX_PORTS], *infra[MAX_PORTS], *locks[MAX_PORTS], *roles_text = NULL;
	int nports = 0, nlabels = 0, ninfra = 0, nlocks = 0, local = 0, json = 0, quiet = 0;
	int lock_fd[MAX_PORTS];
	for (int i = 0; i < MAX_PORTS; i++)
		lock_fd[i] = -1;
	const char *exp_path = NULL, *result_path = NULL, *ok_path = NULL, *out_dir = NULL, *name_opt = NULL;
	const char *tag = NULL;
	char *labels_store = NULL, *roles_store = NULL;
	const char *python = getenv("MICROPY_CPYTHON3");
	if (!python || !*python)
		python = "python3";

	enum { OPT_BOARDS = 256, OPT_LOCAL, OPT_PYTHON, OPT_IDLE, OPT_ENTER, OPT_NOPASTE, OPT_OK, OPT_TAG, OPT_PORTWAIT,
	       OPT_INFRA, OPT_BOARDLOCK };
	static const struct option longopts[] = {
		{"port", required_argument, 0, 'p'},       {"roles", required_argument, 0, 'R'},
		{"board", required_argument, 0, 'b'},      {"boards", required_argument, 0, OPT_BOARDS},
		{"local", no_argument, 0, OPT_LOCAL},      {"exp", required_argument, 0, 'e'},
		{"python", required_argument, 0, OPT_PYTHON}, {"timeout", required_argument, 0, 't'},
		{"idle-timeout", required_argument, 0, OPT_IDLE},
		{"enter-timeout", required_argument, 0, OPT_ENTER},
		{"port-wait", required_argument, 0, OPT_PORTWAIT},
		{"no-raw-paste", no_argument, 0, OPT_NOPASTE}, {"result", required_argument, 0, 'r'},
		{"infra-state", required_argument, 0, OPT_INFRA},
		{"board-lock", required_argument, 0, OPT_BOARDLOCK},
		{"ok", required_argument, 0, OPT_OK},      {"out-dir", required_argument, 0, 'o'},
		{"name", required_argument, 0, 'n'},       {"tag", required_argument, 0, OPT_TAG},
		{"json", no_argument, 0, 'j'},             {"quiet", no_argument, 0, 'q'},
		{"verbose", no_argument, 0, 'v'},          {"help", no_argument, 0, 'h'},
		{"version", no_argument, 0, 'V'},          {0, 0, 0, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "p:R:b:e:t:r:o:n:jqvhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (nports == MAX_PORTS) {
				tb_warn("at most %d ports", MAX_PORTS);
				return TB_EXIT_USAGE;
			}
			ports[nports++] = optarg;
			break;
		case 'R': roles_text = optarg; break;
		case 'b':
			if (nlabels == MAX_PORTS) {
				tb_warn("at most %d board labels", MAX_PORTS);
				return TB_EXIT_USAGE;
			}
			labels[nlabels++] = optarg;
			break;
		case OPT_BOARDS:
			free(labels_store);
			nlabels = split_list(optarg, &labels_store, labels, MAX_PORTS);
			if (nlabels < 0) {
				tb_warn("at most %d board labels", MAX_PORTS);
				free(labels_store);
				return TB_EXIT_USAGE;
			}
			break;
		case OPT_INFRA:
		case OPT_BOARDLOCK: {
			int bad = c == OPT_INFRA ? add_per_port("--infra-state", infra, &ninfra, optarg)
						 : add_per_port("--board-lock", locks, &nlocks, optarg);
			if (bad) {
				free(labels_store);
				return TB_EXIT_USAGE;
			}
			break;
		}
		case OPT_LOCAL: local = 1; break;
		case 'e': exp_path = optarg; break;
		case OPT_PYTHON: python = optarg; break;
		case 't':
			if (tb_parse_seconds(optarg, 100, 86400000, "--timeout", &timeout_ms) != 0)
				return TB_EXIT_USAGE;
			break;
		case OPT_IDLE:
			if (tb_parse_seconds(optarg, 100, 86400000, "--idle-timeout", &mo.idle_ms) != 0)
				return TB_EXIT_USAGE;
			break;
		case OPT_PORTWAIT:
			if (tb_parse_seconds(optarg, 0, 86400000, "--port-wait", &mo.port_wait_ms) != 0)
				return TB_EXIT_USAGE;
			break;
		case OPT_ENTER:
			if (tb_parse_seconds(optarg, 100, 600000, "--enter-timeout", &mo.enter_ms) != 0)
				return TB_EXIT_USAGE;
			break;
		case OPT_NOPASTE: mo.no_paste = 1; break;
		case 'r': result_path = optarg; break;
		case OPT_OK: ok_path = optarg; break;
		case 'o': out_dir = optarg; break;
		case 'n': name_opt = optarg; break;
		case OPT_TAG: tag = optarg; break;
		case 'j': json = 1; break;
		case 'q': quiet = 1; break;
		case 'v': mo.verbose = 1; break;
		case 'h': help(); free(labels_store); return tb_close_stdout() ? TB_EXIT_LOCAL : TB_EXIT_OK;
		case 'V':
			printf("mp-multitest %s\n", VERSION);
			free(labels_store);
			return tb_close_stdout() ? TB_EXIT_LOCAL : TB_EXIT_OK;
		default: usage(stderr); free(labels_store); return TB_EXIT_USAGE;
		}
	}
	int rc = TB_EXIT_USAGE;
	struct buf test = BUF_INIT, out = BUF_INIT, exp = BUF_INIT, expn = BUF_INIT, diff = BUF_INIT;
	struct buf json_b = BUF_INIT, boards_joined = BUF_INIT;
	struct mt_run run = {0}, truth = {0};
	struct inst inst[MT_MAX_INSTANCES], tinst[MT_MAX_INSTANCES];
	int ninst = 0, ntinst = 0, role[MT_MAX_INSTANCES];
	char *name = NULL, *exp_source = NULL, *test_dir = NULL;

	if (optind != argc - 1) {
		usage(stderr);
		goto out;
	}
	if (!local && nports == 0) {
		tb_warn("no port given (--port PATH, one per instance, or --local)");
		usage(stderr);
		goto out;
	}
	if (nlabels > nports && !local) {
		tb_warn("%d board labels for %d ports", nlabels, nports);
		goto out;
	}
	if (per_port_fits("--infra-state", ninfra, nports, local) != 0 ||
	    per_port_fits("--board-lock", nlocks, nports, local) != 0)
		goto out;
	const char *test_path = argv[optind];
	if (file_read(test_path, &test) != 0) {
		tb_warn_errno("cannot read test '%s'", test_path);
		rc = TB_EXIT_LOCAL;
		goto out;
	}
	test_dir = dir_of(test_path);
	name = tb_xstrdup(name_opt ? name_opt : test_path);
	if (!name_opt)
		while (name[0] == '.' && name[1] == '/')
			memmove(name, name + 2, strlen(name + 2) + 1);
	int n = mt_count_instances(&test);
	if (n == 0) {
		tb_warn("'%s' has no 'def instanceN():' line: not a multi-instance test", test_path);
		goto out;
	}
	if (n < 0) {
		tb_warn("'%s' has more than %d instances", test_path, MT_MAX_INSTANCES);
		goto out;
	}
	if (!local && nports < n) {
		tb_warn("'%s' needs %d instances: %d port%s given", test_path, n, nports, nports == 1 ? "" : "s");
		goto out;
	}
	for (int i = 0; i < n; i++)
		role[i] = i;
	if (roles_text) {
		const char *items[MAX_PORTS];
		int k = split_list(roles_text, &roles_store, items, MAX_PORTS);
		if (k != n) {
			tb_warn("--roles '%s': %d instances need %d port numbers", roles_text, n, n);
			goto out;
		}
		int used = 0;
		for (int i = 0; i < n; i++) {
			long v;
			if (tb_parse_long(items[i], 0, local ? n - 1 : nports - 1, "--roles", &v) != 0)
				goto out;
			if (used & (1 << v)) {
				tb_warn("--roles '%s': port %ld plays two instances", roles_text, v);
				goto out;
			}
			used |= 1 << v;
			role[i] = (int)v;
		}
	}
	if (!local)
		for (int i = 0; i < n; i++)
			for (int j = i + 1; j < n; j++)
				if (strcmp(ports[role[i]], ports[role[j]]) == 0) {
					tb_warn("port '%s' given for two instances", ports[role[i]]);
					goto out;
				}

	for (int i = 0; i < n; i++) {
		if (local)
			inst_init_cpython(&inst[i], i, python, test_dir);
		else
			inst_init_board(&inst[i], i, ports[role[i]],
					role[i] < nlabels ? labels[role[i]] : ports[role[i]]);
		ninst++;
	}
	for (int i = 0; i < n; i++) {
		if (i)
			buf_addc(&boards_joined, ',');
		buf_adds(&boards_joined, inst[i].label);
	}

	/* the boards' locks, in the order of their paths (two tests sharing boards never wait on each
	 * other in a cycle), before their counts are read: a recovery that holds one may change them */
	if (!local && lock_boards(locks, nlocks, lock_fd) != 0) {
		rc = TB_EXIT_BOARD;
		goto out;
	}

	/* a board out of the run is not touched: the test gets its error at once */
	const char *inst_infra[MT_MAX_INSTANCES] = {0};
	int taken_out = 0;
	for (int i = 0; i < n && !local; i++) {
		inst_infra[i] = role[i] < ninfra ? infra[role[i]] : NULL;
		if (!taken_out && infra_count_read(inst_infra[i]) >= INFRA_MAX) {
			taken_out = run.attention = 1;
			snprintf(run.failure, sizeof run.failure,
				 "not run: %s was taken out of the run after %d infrastructure errors in a row",
				 inst[i].label, INFRA_MAX);
		}
	}

	int64_t t0 = tb_now_ms();
	/* open the ports in the order of their paths */
	int order[MT_MAX_INSTANCES];
	const char *inst_port[MT_MAX_INSTANCES];
	for (int i = 0; i < n; i++)
		inst_port[i] = local ? "" : inst[i].port;
	order_by_path(inst_port, n, order);
	for (int i = 0; i < n && !taken_out; i++) {
		if (inst_open(&inst[order[i]], &mo) != 0) {
			run.attention = 1;
			snprintf(run.failure, sizeof run.failure, "%s", inst[order[i]].error);
			break;
		}
	}
	/* the wall-clock time the boards were held (all ports open), for the run's check of double use */
	struct timespec ts;
	long long held_from = 0, held_to = 0;
	if (!run.attention && clock_gettime(CLOCK_REALTIME, &ts) == 0)
		held_from = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	if (!run.attention)
		mt_drive(&test, inst, n, &mo, t0 + timeout_ms, &run);
	for (int i = 0; i < n; i++)
		if (inst[i].ser_open) { /* the boards are free for the next test while the result is made */
			serial_close(&inst[i].ser);
			inst[i].ser_open = 0;
		}
	for (int i = 0; i < nlocks; i++) {
		board_unlock(lock_fd[i]);
		lock_fd[i] = -1;
	}
	if (held_from && clock_gettime(CLOCK_REALTIME, &ts) == 0)
		held_to = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	if (run.local) {
		rc = TB_EXIT_LOCAL;
		goto out;
	}
	long ms = (long)(tb_now_ms() - t0);
	mt_output_text(&run, n, &out);

	enum verdict v;
	int have_exp = 0;
	if (run.attention && !run.timeout) {
		v = VERDICT_ERROR;
	} else if (run.skip) {
		v = VERDICT_SKIP;
	} else if (run.timeout) {
		v = VERDICT_TIMEOUT;
	} else {
		char *def_exp = tb_xasprintf("%s.exp", test_path);
		const char *ep = exp_path ? exp_path : (file_exists(def_exp) ? def_exp : NULL);
		if (ep) {
			if (file_read(ep, &exp) != 0) {
				tb_warn_errno("cannot read expected output '%s'", ep);
				free(def_exp);
				rc = TB_EXIT_LOCAL;
				goto out;
			}
			exp_source = tb_xstrdup(ep);
		} else {
			/* the truth: the same driver with CPython processes as the instances */
			for (int i = 0; i < n; i++)
				inst_init_cpython(&tinst[i], i, python, test_dir);
			ntinst = n;
			mt_drive(&test, tinst, n, &mo, tb_now_ms() + timeout_ms, &truth);
			if (truth.local) {
				free(def_exp);
				rc = TB_EXIT_LOCAL;
				goto out;
			}
			mt_output_text(&truth, n, &exp);
			exp_source = tb_xstrdup("cpython");
		}
		free(def_exp);
		have_exp = 1;
		normalize_newlines(exp.data, exp.len, &expn);
		v = expn.len == out.len && memcmp(expn.data, out.data, out.len) == 0 ? VERDICT_PASS : VERDICT_FAIL;
	}
	int failed = v == VERDICT_FAIL || v == VERDICT_TIMEOUT || v == VERDICT_ERROR;
	if (failed && have_exp)
		verdict_diff(expn.data, expn.len, out.data, out.len, 20, &diff);
	const char *reason = v == VERDICT_PASS ? "" : run.failure;
	if (v == VERDICT_SKIP)
		reason = "an instance printed SKIP";

	rc = TB_EXIT_LOCAL;
	/* the boards' infrastructure errors in a row: one more for a board that could not run it; none
	 * after a test that ran (a hung board that came back is not the infrastructure's fault) */
	int now_out = taken_out;
	for (int i = 0; i < n && !taken_out; i++) {
		if (!inst_infra[i])
			continue;
		int count = infra_count_read(inst_infra[i]);
		if (v == VERDICT_ERROR && inst[i].attention) {
			const char *why = inst[i].error[0] ? inst[i].error : run.failure;
			if (infra_count_write(inst_infra[i], ++count, why) != 0)
				goto out;
			tb_warn("%s: infrastructure error %d in a row: %s", inst[i].label, count, why);
			if (count >= INFRA_MAX) {
				tb_warn("%s: taken out of the run after %d infrastructure errors in a row", inst[i].label,
					INFRA_MAX);
				now_out = 1;
			}
		} else if (v != VERDICT_ERROR && count > 0 && infra_count_write(inst_infra[i], 0, NULL) != 0) {
			goto out;
		}
	}
	if (out_dir && failfiles_update(out_dir, name, &expn, have_exp, &out, failed) != 0)
		goto out;

	buf_addc(&json_b, '{');
	json_kv_str(&json_b, "test", name);
	json_kv_str(&json_b, "board", buf_str(&boards_joined));
	json_key(&json_b, "boards");
	buf_addc(&json_b, '[');
	for (int i = 0; i < n; i++) {
		if (i)
			buf_addc(&json_b, ',');
		json_cstring(&json_b, inst[i].label);
	}
	buf_adds(&json_b, "]");
	json_key(&json_b, "ports");
	buf_addc(&json_b, '[');
	for (int i = 0; i < n; i++) {
		if (i)
			buf_addc(&json_b, ',');
		json_cstring(&json_b, local ? NULL : inst[i].port);
	}
	buf_adds(&json_b, "]");
	json_key(&json_b, "roles");
	buf_addc(&json_b, '[');
	for (int i = 0; i < n; i++)
		buf_printf(&json_b, "%s%d", i ? "," : "", role[i]);
	buf_adds(&json_b, "]");
	json_kv_int(&json_b, "instances", n);
	json_kv_str(&json_b, "verdict", verdict_name(v));
	json_kv_str(&json_b, "reason", reason);
	/* who to bring back: only those, as the others may be in another test by then */
	json_key(&json_b, "attention");
	buf_addc(&json_b, '[');
	for (int i = 0, k = 0; i < n; i++)
		if (!taken_out && inst[i].attention) {
			if (k++)
				buf_addc(&json_b, ',');
			json_cstring(&json_b, inst[i].label);
		}
	buf_adds(&json_b, "]");
	json_kv_int(&json_b, "duration_ms", ms);
	if (held_from && held_to) {
		json_kv_int(&json_b, "held_from_ms", held_from);
		json_kv_int(&json_b, "held_to_ms", held_to);
	}
	json_kv_str(&json_b, "expected_from", exp_source);
	json_kv_bytes(&json_b, "output", out.data, out.len > 65536 ? 65536 : out.len);
	json_key(&json_b, "outputs");
	buf_addc(&json_b, '[');
	for (int i = 0; i < n; i++) {
		if (i)
			buf_addc(&json_b, ',');
		size_t l = run.lines[i].len;
		json_string(&json_b, run.lines[i].data ? run.lines[i].data : (const uint8_t *)"",
			    l > 65536 ? 65536 : l);
	}
	buf_adds(&json_b, "]");
	json_key(&json_b, "metrics");
	buf_addc(&json_b, '[');
	{
		const uint8_t *p = run.metrics.data;
		size_t left = run.metrics.len;
		int first = 1;
		while (left) {
			const uint8_t *nl = memchr(p, '\n', left);
			size_t l = nl ? (size_t)(nl - p) : left;
			if (!first)
				buf_addc(&json_b, ',');
			first = 0;
			json_string(&json_b, p, l);
			p += nl ? l + 1 : l;
			left -= nl ? l + 1 : l;
		}
	}
	buf_adds(&json_b, "]");
	if (have_exp && failed)
		json_kv_bytes(&json_b, "expected", expn.data, expn.len > 65536 ? 65536 : expn.len);
	if (diff.len)
		json_kv_bytes(&json_b, "diff", diff.data, diff.len);
	buf_adds(&json_b, "}\n");

	if (result_path && (file_mkdirs_for(result_path) != 0 ||
			    file_write_atomic(result_path, json_b.data, json_b.len) != 0))
		goto out;
	if (ok_path) {
		if (!failed) {
			if (file_mkdirs_for(ok_path) != 0 || file_write_atomic(ok_path, "", 0) != 0)
				goto out;
		} else if (unlink(ok_path) != 0 && errno != ENOENT) {
			tb_warn_errno("cannot remove '%s'", ok_path);
			goto out;
		}
	}
	if (json) {
		fwrite(json_b.data, 1, json_b.len, stdout);
	} else if (!quiet || failed) {
		printf("%s%s%s %s on %s (%s%s%ld ms)\n", tag ? tag : "", tag ? " " : "", verdict_console(v), name,
		       buf_str(&boards_joined), reason, reason[0] ? ", " : "", ms);
	}
	if (now_out)
		rc = TB_EXIT_SETUP;
	else if (run.attention)
		rc = TB_EXIT_BOARD;
	else
		rc = failed ? TB_EXIT_FAIL : TB_EXIT_OK;
out:
	for (int i = 0; i < ninst; i++)
		inst_close(&inst[i]);
	for (int i = 0; i < nlocks; i++)
		board_unlock(lock_fd[i]);
	for (int i = 0; i < ntinst; i++)
		inst_close(&tinst[i]);
	mt_run_free(&run);
	mt_run_free(&truth);
	buf_free(&test);
	buf_free(&out);
	buf_free(&exp);
	buf_free(&expn);
	buf_free(&diff);
	buf_free(&json_b);
	buf_free(&boards_joined);
	free(name);
	free(exp_source);
	free(test_dir);
	free(labels_store);
	free(roles_store);
	if (tb_close_stdout() != 0 && rc == TB_EXIT_OK)
		rc = TB_EXIT_LOCAL;
	return rc;
}
