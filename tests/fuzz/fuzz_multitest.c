/* libFuzzer target: mp-multitest's reading of what the instances print (the protocol lines SET, NEXT,
 * SKIP, BROADCAST, OUTPUT_METRIC, noise, tracebacks) through mt_drive, with two boards whose answers
 * are the input cut at the first 0xfe; and the instance count of a test text (mt_count_instances).
 * Properties: every instance's output is whole lines; when both answers are plain stdout (no bytes
 * 0x00..0x04, no WAIT_FOR_REBOOT) the driver's lines, skip flag, metrics and globals equal a model of the
 * protocol as tests/run-multitests.py reads it; the instance count equals a model of the
 * "def instanceN():" rule. */
#include "fakeboard.h"
#include "multitest.h"

#include <stdlib.h>
#include <string.h>

static const char *const noise[] = {
	"libusb: error ", "hci_transport_h2_libusb.c", "USB Path: ", "hci_number_completed_packet",
	"lld_pdu_get_tx_flush_nb HCI packet count mismatch (", " ets_task(",
};

struct model {
	struct buf lines[2], metrics, globals;
	int skip;
};

/* the line as the driver sees it: right-stripped, bytes >= 0x80 as \xNN */
static void clean(const uint8_t *p, size_t len, struct buf *out)
{
	while (len && (p[len - 1] == ' ' || (p[len - 1] >= '\t' && p[len - 1] <= '\r')))
		len--;
	buf_reset(out);
	for (size_t i = 0; i < len; i++) {
		if (p[i] < 0x80)
			buf_addc(out, p[i]);
		else
			buf_printf(out, "\\x%02x", p[i]);
	}
}

static int is_noise(const char *l)
{
	for (size_t i = 0; i < sizeof noise / sizeof noise[0]; i++)
		if (strstr(l, noise[i]))
			return 1;
	return 0;
}

static void add(struct buf *b, const char *l)
{
	buf_adds(b, l);
	buf_addc(b, '\n');
}

/* instance I printed P: phase 1 up to NEXT, *pos left after it (or at the end, *ended set) */
static void model_run(struct model *m, int i, const uint8_t *p, size_t n, size_t *pos, int phase, int *ended)
{
	struct buf l = BUF_INIT;
	for (;;) {
		const uint8_t *nl = memchr(p + *pos, '\n', n - *pos);
		if (!nl) {
			if (*pos < n) { /* the tail */
				clean(p + *pos, n - *pos, &l);
				add(&m->lines[i], buf_str(&l));
			}
			*ended = 1;
			break;
		}
		clean(p + *pos, (size_t)(nl - (p + *pos)), &l);
		*pos = (size_t)(nl - p) + 1;
		const char *s = buf_str(&l);
		if (is_noise(s))
			continue;
		if (phase == 1) {
			int text = 1; /* a SET line with a control byte (not tab) is output, not a global */
			for (const char *c = s; *c; c++)
				text = text && ((unsigned char)*c >= 0x20 || *c == '\t');
			if (strncmp(s, "SET ", 4) == 0 && text) {
				add(&m->globals, s + 4);
			} else if (strcmp(s, "SKIP") == 0) {
				m->skip = 1;
				break;
			} else if (strcmp(s, "NEXT") == 0) {
				break;
			} else {
				add(&m->lines[i], s);
			}
		} else if (strncmp(s, "OUTPUT_METRIC ", 14) == 0) {
			add(&m->metrics, s + 14);
		} else if (strncmp(s, "BROADCAST ", 10) != 0) {
			add(&m->lines[i], s);
		}
	}
	buf_free(&l);
}

static int same(const struct buf *a, const struct buf *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

static void check_count(const uint8_t *data, size_t size)
{
	struct buf t = BUF_INIT;
	buf_add(&t, data, size);
	int got = mt_count_instances(&t);
	long max = -1;
	int over = 0;
	size_t i = 0;
	while (i < size) {
		const uint8_t *nl = memchr(data + i, '\n', size - i);
		size_t len = nl ? (size_t)(nl - (data + i)) : size - i;
		const uint8_t *p = data + i;
		if (len > 12 && memcmp(p, "def instance", 12) == 0) {
			size_t d = 12;
			long v = 0;
			while (d < len && p[d] >= '0' && p[d] <= '9' && !over) {
				if (v > 1000000)
					over = 1;
				v = v * 10 + (p[d] - '0');
				d++;
			}
			if (!over && d > 12 && len - d >= 3 && memcmp(p + d, "():", 3) == 0 && v > max)
				max = v;
		}
		i += len + 1;
	}
	int want = over || max >= MT_MAX_INSTANCES ? -1 : (int)(max + 1);
	if (got != want)
		abort();
	buf_free(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_count(data, size);
	const uint8_t *resp[2];
	size_t resp_len[2];
	if (fake_split(data, size, 0xfe, resp, resp_len, 2) < 2)
		resp[1] = data + size, resp_len[1] = 0;
	struct fakeboard b[2];
	struct inst in[2];
	struct mt_opts o = {.idle_ms = 30, .enter_ms = 1000, .port_wait_ms = 0, .interrupt_ms = 10,
			    .reboot_ms = 10, .cap = 1 << 16, .no_paste = 1};
	for (int i = 0; i < 2; i++) {
		/* whole answers per read: the driver polls the port, which a fake board does not have, when a
		 * read gave no complete line */
		fake_init(&b[i], &resp[i], &resp_len[i], 1, 1 << 16);
		b[i].strict = 1; /* a board that breaks the protocol only makes the driver wait */
		inst_init_board(&in[i], i, "fake", i ? "fake1" : "fake0");
		repl_init(&in[i].repl, &b[i].io);
		in[i].repl.paste = 0;
		in[i].ser.fd = -1;
	}
	struct buf test = BUF_INIT;
	buf_adds(&test, "def instance0():\n    pass\n\ndef instance1():\n    pass\n");
	struct mt_run run;
	memset(&run, 0, sizeof run);
	mt_drive(&test, in, 2, &o, tb_now_ms() + 5000, &run);
	for (int i = 0; i < 2; i++)
		if (run.lines[i].len && run.lines[i].data[run.lines[i].len - 1] != '\n')
			abort();

	/* the model holds for input without the raw REPL's own control bytes (0x01-0x04) and reboots */
	int plain = !memmem(data, size, "WAIT_FOR_REBOOT", 15);
	for (size_t i = 0; i < size; i++)
		plain = plain && data[i] > 0x03;
	for (int i = 0; i < 2; i++)
		plain = plain && !memchr(resp[i], 0x04, resp_len[i]);
	if (plain) {
		struct model m;
		memset(&m, 0, sizeof m);
		size_t pos[2] = {0, 0};
		int ended[2] = {0, 0};
		int started = 0;
		for (int i = 0; i < 2 && !m.skip; i++, started++)
			model_run(&m, i, resp[i], resp_len[i], &pos[i], 1, &ended[i]);
		for (int i = 0; i < started && !m.skip; i++)
			if (!ended[i])
				model_run(&m, i, resp[i], resp_len[i], &pos[i], 2, &ended[i]);
		if (run.attention || run.error || run.timeout || run.skip != m.skip || !same(&run.lines[0], &m.lines[0]) ||
		    !same(&run.lines[1], &m.lines[1]) || !same(&run.metrics, &m.metrics) || !same(&run.globals, &m.globals))
			abort();
		for (int i = 0; i < 2; i++)
			buf_free(&m.lines[i]);
		buf_free(&m.metrics);
		buf_free(&m.globals);
	}
	struct buf text = BUF_INIT;
	mt_output_text(&run, 2, &text);
	buf_free(&text);
	mt_run_free(&run);
	for (int i = 0; i < 2; i++) {
		inst_close(&in[i]);
		buf_free(&b[i].pending);
	}
	buf_free(&test);
	return 0;
}
