/* Infra MCU helpers over the raw REPL; see infra.h. */
#include "infra.h"
#include "follow.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INFRA_BAUD 115200
#define INFRA_EXEC_MS 3000

int infra_open(struct infra *in, const char *tty, int verbose, long timeout_ms)
{
	memset(in, 0, sizeof *in);
	in->tty = tb_xstrdup(tty);
	if (serial_open(&in->port, tty, INFRA_BAUD) != SERIAL_OK) {
		tb_warn("infra MCU at '%s' not answering (cannot open its tty)", tty);
		free(in->tty);
		in->tty = NULL;
		return INFRA_ENOANSWER;
	}
	in->open = 1;
	repl_init(&in->repl, &in->port.io);
	in->repl.verbose = verbose;
	int st = repl_enter(&in->repl, 0, timeout_ms);
	if (st != REPL_OK) {
		tb_warn("infra MCU at '%s' not answering: no raw REPL (%s)", tty,
			in->repl.error[0] ? in->repl.error : "timeout");
		infra_close(in);
		return INFRA_ENOANSWER;
	}
	return INFRA_OK;
}

void infra_close(struct infra *in)
{
	if (in->open) {
		repl_leave(&in->repl);
		serial_close(&in->port);
	}
	in->open = 0;
	free(in->tty);
	in->tty = NULL;
}

/* the last non-empty line of a traceback */
static void last_line(const struct buf *err, char *dst, size_t n)
{
	const char *s = buf_str((struct buf *)err);
	size_t len = strlen(s);
	while (len && (s[len - 1] == '\n' || s[len - 1] == '\r'))
		len--;
	size_t start = len;
	while (start && s[start - 1] != '\n')
		start--;
	snprintf(dst, n, "%.*s", (int)(len - start), s + start);
}

int infra_exec(struct infra *in, const char *code, long timeout_ms, struct buf *out)
{
	struct buf o = BUF_INIT, e = BUF_INIT;
	struct follow f;
	follow_init(&f, &o, &e, 65536);
	int rc = INFRA_OK;
	int st = repl_exec(&in->repl, (const uint8_t *)code, strlen(code), &f, tb_now_ms() + timeout_ms);
	if (st != REPL_OK) {
		tb_warn("infra MCU at '%s' not answering (%s)", in->tty,
			st == REPL_TIMEOUT ? "timeout" : in->repl.error);
		rc = INFRA_ENOANSWER;
	} else if (e.len) {
		char line[160];
		last_line(&e, line, sizeof line);
		if (strstr(line, "ImportError") && strstr(line, "machine")) {
			tb_warn("infra MCU at '%s' has no machine.Pin (%s)", in->tty, line);
			rc = INFRA_ENOMACHINE;
		} else {
			tb_warn("infra MCU at '%s': %s", in->tty, line);
			rc = INFRA_EFAIL;
		}
	} else if (out) {
		buf_add(out, o.data, o.len);
	}
	buf_free(&o);
	buf_free(&e);
	return rc;
}

int infra_gpio_set(struct infra *in, int gpio, int value)
{
	char code[96];
	snprintf(code, sizeof code, "from machine import Pin\nPin(%d, Pin.OUT).value(%d)\n", gpio, value ? 1 : 0);
	return infra_exec(in, code, INFRA_EXEC_MS, NULL);
}

int infra_hw_version(struct infra *in, int *version)
{
	static const char code[] = "from machine import Pin\n"
				   "v = 0\n"
				   "for g in range(29, 24, -1):\n"
				   "    v = v * 2 + Pin(g, Pin.IN, Pin.PULL_DOWN).value()\n"
				   "print(v)\n";
	struct buf out = BUF_INIT;
	int rc = infra_exec(in, code, INFRA_EXEC_MS, &out);
	if (rc == INFRA_OK) {
		char *end;
		long v = strtol(buf_str(&out), &end, 10);
		if (end == buf_str(&out) || v < 0 || v > 31) {
			tb_warn("infra MCU at '%s': unexpected hardware version answer '%s'", in->tty, buf_str(&out));
			rc = INFRA_EFAIL;
		} else {
			*version = (int)v;
		}
	}
	buf_free(&out);
	return rc;
}

int infra_relay_pulse(struct infra *in, int relay, const long *ms, size_t n)
{
	struct buf code = BUF_INIT;
	long total = 0;
	buf_printf(&code, "from machine import Pin\nimport time\np = Pin(%d, Pin.OUT)\nfor i, t in enumerate((", relay);
	for (size_t i = 0; i < n; i++) {
		buf_printf(&code, "%ld,", ms[i]);
		total += ms[i];
	}
	buf_adds(&code, ")):\n    p.value(1 - i % 2)\n    time.sleep_ms(t)\np.value(0)\n");
	int rc = infra_exec(in, buf_str(&code), INFRA_EXEC_MS + total, NULL);
	buf_free(&code);
	return rc;
}
