/* The driver: starts the instances one after another, then watches them all, as MicroPython's
 * tests/run-multitests.py does. Which protocol lines leave the compared output follows that runner:
 *   while an instance is being started (up to its NEXT): SET (collected as a global for the later
 *   instances), NEXT and SKIP (the test is skipped) are removed, everything else is output;
 *   afterwards: BROADCAST (passed on) and OUTPUT_METRIC (kept apart) are removed, everything else
 *   (SET, NEXT, WAIT_FOR_REBOOT included) is output.
 * A silent instance gets a TIMEOUT line; a traceback ends the test (it is part of the output). */
#include "multitest.h"
#include "util.h"
#include "verdict.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

/* output that some ports print by themselves (BT stacks, ESP-IDF logs): never compared */
/* only text goes into another board's script: no control bytes besides tab */
static int printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 && *s != '\t')
			return 0;
	return 1;
}

static const char *const NOISE[] = {
	"libusb: error ", "hci_transport_h2_libusb.c", "USB Path: ", "hci_number_completed_packet",
	"lld_pdu_get_tx_flush_nb HCI packet count mismatch (", " ets_task(",
};

static int is_noise(const char *line)
{
	for (size_t i = 0; i < sizeof NOISE / sizeof NOISE[0]; i++)
		if (strstr(line, NOISE[i]))
			return 1;
	return 0;
}

static int starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void add_line(struct mt_run *run, int idx, const char *text)
{
	buf_adds(&run->lines[idx], text);
	buf_addc(&run->lines[idx], '\n');
}

static void trace(const struct mt_opts *o, int64_t t0, int idx, const char *line)
{
	if (o->verbose)
		fprintf(stderr, "%s: %6ld i%d : %s\n", tb_progname, (long)(tb_now_ms() - t0), idx, line);
}

/* the end of a board's script: what stdout held after its last newline, and its traceback */
static void take_end(struct mt_run *run, struct inst *in)
{
	if (in->kind == INST_CPYTHON) {
		if (in->has_tail && !is_noise(buf_str(&in->tail)))
			add_line(run, in->index, buf_str(&in->tail));
		return;
	}
	if (!in->has_tail && in->errtext.len == 0)
		return;
	add_line(run, in->index, buf_str(&in->tail));
	if (in->errtext.len) {
		struct buf n = BUF_INIT;
		normalize_newlines(in->errtext.data, in->errtext.len, &n);
		while (n.len && n.data[n.len - 1] == '\n')
			n.len--;
		buf_add(&run->lines[in->index], n.data, n.len);
		buf_addc(&run->lines[in->index], '\n');
		buf_free(&n);
		run->error = 1;
		snprintf(run->failure, sizeof run->failure, "traceback on instance%d", in->index);
	}
}

static void fail_attention(struct mt_run *run, struct inst *in)
{
	/* the first board trouble is the reason given */
	if (!run->attention)
		snprintf(run->failure, sizeof run->failure, "%s", in->error);
	run->attention = 1;
}

static void timed_out(struct mt_run *run, struct inst *in, const struct mt_opts *o)
{
	add_line(run, in->index, "TIMEOUT");
	run->timeout = 1;
	if (!run->failure[0])
		snprintf(run->failure, sizeof run->failure, "instance%d: no output for %ld s", in->index,
			 o->idle_ms / 1000);
}

static void broadcast(struct inst *inst, int n, int from, const char *line)
{
	for (int j = 0; j < n; j++) {
		if (j == from || !inst[j].started || inst[j].ended)
			continue;
		/* a line for the other scripts' stdin, with the end a console sends */
		if (inst_write(&inst[j], line, strlen(line)) != 0 || inst_write(&inst[j], "\r\n", 2) != 0)
			continue; /* noticed when that instance is read next */
	}
}

/* The silence of an instance is what the driver measured while it could have heard it: the time it
 * spent starting the next instance, or waiting for a board's reboot, is not the others' silence (an
 * instance that waits for a broadcast from a board slow to soft-reset would time out otherwise). */
static void restart_idle_clocks(struct inst *inst, int n, int except)
{
	int64_t now = tb_now_ms();
	for (int i = 0; i < n; i++)
		if (i != except && inst[i].started && !inst[i].ended && inst[i].last_out < now)
			inst[i].last_out = now;
}

/* an event of instance I: TAKE_STOP when it failed or ended (recorded), TAKE_SKIP for a noise line,
 * TAKE_LINE for a line to act on (traced) */
enum take { TAKE_LINE, TAKE_SKIP, TAKE_STOP };
static enum take take_event(struct mt_run *run, struct inst *in, enum inst_ev ev, const struct buf *line,
			    const struct mt_opts *o, int64_t t0, int i)
{
	if (ev == EV_FAIL) {
		fail_attention(run, in);
		return TAKE_STOP;
	}
	if (ev == EV_END) {
		take_end(run, in);
		return TAKE_STOP;
	}
	const char *l = buf_str((struct buf *)line);
	if (is_noise(l))
		return TAKE_SKIP;
	trace(o, t0, i, l);
	return TAKE_LINE;
}

void mt_drive(const struct buf *test, struct inst *inst, int n, const struct mt_opts *o, int64_t deadline,
	      struct mt_run *run)
{
	int64_t t0 = tb_now_ms();
	struct buf script = BUF_INIT, line = BUF_INIT;
	char func[32];
	mt_host_ip_global(test, &run->globals);

	/* start the instances in order; each runs up to its NEXT (or its end) before the next starts */
	for (int i = 0; i < n && !run->attention; i++) {
		struct inst *in = &inst[i];
		snprintf(func, sizeof func, "instance%d", i);
		mt_build_script(test, buf_str(&run->globals), func, in->kind == INST_CPYTHON, &script);
		if (inst_start(in, o, &script, 1) != 0) {
			if (in->kind == INST_BOARD)
				fail_attention(run, in);
			else
				run->local = 1;
			break;
		}
		int stop = 0;
		while (!stop) {
			int64_t now = tb_now_ms();
			if (now >= deadline) {
				run->deadline_hit = run->timeout = 1;
				snprintf(run->failure, sizeof run->failure, "test deadline passed");
				break;
			}
			int64_t idle_end = in->last_out + o->idle_ms;
			enum inst_ev ev = inst_next(in, o, &line, idle_end < deadline ? idle_end : deadline);
			if (ev == EV_NONE) {
				if (tb_now_ms() >= in->last_out + o->idle_ms) {
					timed_out(run, in, o);
					break;
				}
				continue;
			}
			enum take tk = take_event(run, in, ev, &line, o, t0, i);
			if (tk == TAKE_STOP)
				break;
			if (tk == TAKE_SKIP)
				continue;
			const char *l = buf_str(&line);
			if (starts(l, "SET ") && printable(l)) {
				/* (a control byte would reach the next board as a command of its raw REPL) */
				buf_adds(&run->globals, l + 4);
				buf_addc(&run->globals, '\n');
			} else if (strcmp(l, "SKIP") == 0) {
				run->skip = 1;
				stop = 1;
			} else if (strcmp(l, "NEXT") == 0) {
				stop = 1;
			} else {
				add_line(run, i, l);
			}
		}
		if (run->error || run->skip || run->timeout || run->attention)
			break;
	}

	/* then all together, round-robin, until every one has ended */
	restart_idle_clocks(inst, n, -1);
	while (!run->error && !run->skip && !run->timeout && !run->attention && !run->local) {
		int running = 0, active = 0;
		for (int i = 0; i < n; i++) {
			struct inst *in = &inst[i];
			if (!in->started || in->ended)
				continue;
			running++;
			/* everything that is there already, without waiting */
			for (;;) {
				enum inst_ev ev = inst_next(in, o, &line, tb_now_ms());
				if (ev == EV_NONE)
					break;
				active++;
				enum take tk = take_event(run, in, ev, &line, o, t0, i);
				if (tk == TAKE_STOP)
					break;
				if (tk == TAKE_SKIP)
					continue;
				const char *l = buf_str(&line);
				if (starts(l, "WAIT_FOR_REBOOT")) {
					char resume[128] = "", want[32];
					long extra = 0;
					if (sscanf(l, "WAIT_FOR_REBOOT %127s %ld", resume, &extra) < 1)
						resume[0] = 0;
					/* an instance resumes in one of its own functions */
					snprintf(want, sizeof want, "instance%d", i);
					if (strncmp(resume, want, strlen(want)) != 0) {
						add_line(run, i, l);
						snprintf(run->failure, sizeof run->failure,
							 "instance%d: the resume function must start with '%s'", i, want);
						run->error = 1;
						break;
					}
					if (inst_wait_reboot(in, o, extra) != 0) {
						fail_attention(run, in);
						break;
					}
					mt_build_script(test, buf_str(&run->globals), resume, in->kind == INST_CPYTHON,
							&script);
					if (inst_start(in, o, &script, 1) != 0) {
						fail_attention(run, in);
						break;
					}
					restart_idle_clocks(inst, n, i);
				}
				if (starts(l, "BROADCAST ")) {
					broadcast(inst, n, i, l);
				} else if (starts(l, "OUTPUT_METRIC ")) {
					buf_adds(&run->metrics, l + 14);
					buf_addc(&run->metrics, '\n');
				} else {
					add_line(run, i, l);
				}
			}
			if (run->attention || run->error)
				break;
			if (!in->ended && tb_now_ms() >= in->last_out + o->idle_ms)
				timed_out(run, in, o);
		}
		if (!running || run->attention || run->error || run->timeout)
			break;
		if (tb_now_ms() >= deadline) {
			run->deadline_hit = run->timeout = 1;
			snprintf(run->failure, sizeof run->failure, "test deadline passed");
			break;
		}
		if (active)
			continue;
		/* nothing came: wait for any of them (at most 100 ms, so that the silence is measured) */
		struct pollfd pf[MT_MAX_INSTANCES];
		nfds_t np = 0;
		for (int i = 0; i < n; i++) {
			int fd = inst_fd(&inst[i]);
			if (fd >= 0) {
				pf[np].fd = fd;
				pf[np].events = POLLIN;
				np++;
			}
		}
		if (poll(pf, np, 100) < 0 && errno != EINTR) {
			tb_warn_errno("poll");
			tb_sleep_ms(100);
		}
	}

	for (int i = 0; i < n; i++)
		if (inst[i].started && !inst[i].ended && inst_stop(&inst[i], o) != 0)
			fail_attention(run, &inst[i]);
	buf_free(&script);
	buf_free(&line);
}

void mt_output_text(const struct mt_run *run, int n, struct buf *out)
{
	buf_reset(out);
	for (int i = 0; i < n; i++) {
		buf_printf(out, "--- instance%d ---\n", i);
		if (run->lines[i].len)
			buf_add(out, run->lines[i].data, run->lines[i].len);
		else
			buf_addc(out, '\n'); /* no lines joined, then the newline after them */
	}
}

void mt_run_free(struct mt_run *run)
{
	for (int i = 0; i < MT_MAX_INSTANCES; i++)
		buf_free(&run->lines[i]);
	buf_free(&run->metrics);
	buf_free(&run->globals);
}
