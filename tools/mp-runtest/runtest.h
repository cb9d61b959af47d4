/* mp-runtest internals shared by its files. */
#ifndef MP_RUNTEST_H
#define MP_RUNTEST_H

#include "buf.h"
#include "rawrepl.h"
#include "verdict.h"

struct options {
	const char *port;
	long baud;
	const char *exp_path;
	const char *result_path;
	const char *out_dir;
	const char *name;
	const char *tests_dir;
	const char *board;
	const char *emit;
	const char *python;
	const char *feature_dir;
	long timeout_ms;
	long enter_timeout_ms;
	long interrupt_ms;
	long port_wait_ms;
	size_t output_cap;
	int json;
	int quiet;
	int verbose;
	int regex;         /* -1: by the official list, 0 no, 1 yes */
	int probe;
	int no_paste;
	const char *identity_path;
	const char *ensure_module;
	const char *module_from;
	int wlan_join;
	long perf_n, perf_m;      /* --perf N,M; perf_n 0: no benchmark */
	const char *perf_harness; /* perf_bench/benchrun.py */
	const char *tag;
	const char *ok_path;
	int via_mpy;                 /* compile with mpy-cross, import the .mpy from RAM */
	const char *mpy_cross;       /* the command (words split at blanks) */
	const char *mpy_cross_flags; /* e.g. -march=armv6m */
	const char *natmod_name;     /* --natmod NAME=FILE: a native module imported before the test */
	const char *natmod_file;
	const char *wipe_dir;        /* --wipe-fs DIR */
	const char *port_file;       /* --port-file: the port's path is in this file (updated on recovery) */
	const char *recover_cmd;     /* --recover: brings the board back; prints its port */
	long recover_ms;
	const char *infra_state;     /* --infra-state: infrastructure errors in a row, across tests */
	const char *board_lock;      /* --board-lock: held for the whole job (see boardlock.h) */
	const char *kernel_log;      /* --kernel-log: the board's kernel messages, appended by a watcher */
	int count;                   /* --count: runs of the test */
	const char *flaky_list[8];   /* --flaky-list: known-flaky tests, TEST<TAB>REASON */
	int flaky_lists;
};

/* run CODE as a test (or, special, a feature check) on the open board: soft reset, exec, deadline,
 * Ctrl-C on expiry; fills RUN (whose buffers live in OUT and ERR). Returns 0, or 1 when the board
 * needs attention (hung, gone, no raw REPL). */
struct board_run;
int run_on_board(struct repl *r, const struct options *o, const struct buf *code, int special,
		 struct board_run *run, struct buf *out, struct buf *err, char *failure, size_t failure_len);

/* --identity: the firmware's identity string, written to a file when it changed */
int identify_board(struct repl *r, const struct options *o);

/* --ensure-module: the module imports, or is installed from --module-from */
int ensure_module(struct repl *r, const struct options *o);

/* --perf: the script of a benchmark (test, harness, bm_run call); 0 or -1 after a message */
int perf_script(const struct options *o, const struct buf *test, struct buf *script);
/* --perf: the verdict from the benchmark's output; the figures as ,"perf":{...} appended to FIGURES */
void perf_classify(const struct board_run *run, struct classified *cl, struct buf *figures);

/* --via-mpy: SCRIPT compiled by mpy-cross as test NAME, and the script that imports it on the board in
 * OUT; 0, 1 when mpy-cross refused it (CRASH holds the official runner's output for that), -1 local
 * trouble after a message */
int via_mpy_script(const struct options *o, const char *name, const struct buf *script, struct buf *out,
		   struct buf *crash);

/* --natmod: TEST_SCRIPT (START TEST already in front) preceded by the import of the native module;
 * 0, or -1 after a message */
int natmod_script(const struct options *o, const struct buf *test_script, struct buf *out);

/* --wipe-fs: remove every file and folder under o->wipe_dir on the board */
int wipe_fs(struct repl *r, const struct options *o);

/* one test, judged and reported (test.c); the exit status */
int run_test(struct options *o, char **port, const char *test_path, const char *name, const struct buf *test);

/* recover.c: bringing the board back with --recover (a new port replaces *PORT); the port named by
 * --port-file */
int board_recover(const struct options *o, char **port);
char *port_from_file(const char *path);

/* --wlan-join: connect to the WLAN of WLAN_SSID / WLAN_PASS */
int wlan_join(struct repl *r, const struct options *o);

/* --probe: feature checks, target.json */
int probe_board(struct repl *r, const struct options *o);

#endif
