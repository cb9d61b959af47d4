/* Infra MCU helpers over the raw REPL; see infra.h. */
#include "infra.h"
#include "boardfs.h"
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

int infra_exec(struct infra *in, const char *code, long timeout_ms, struct buf *out)
{
	char why[200];
	int r = boardfs_exec(&in->repl, code, timeout_ms, out, why, sizeof why);
	if (r == -1) {
		tb_warn("infra MCU at '%s' not answering (%s)", in->tty, why);
		return INFRA_ENOANSWER;
	}
	if (r == -2 && strstr(why, "ImportError") && strstr(why, "machine")) {
		tb_warn("infra MCU at '%s' has no machine.Pin (%s)", in->tty, why);
		return INFRA_ENOMACHINE;
	}
	if (r == -2) {
		tb_warn("infra MCU at '%s': %s", in->tty, why);
		return INFRA_EFAIL;
	}
	return INFRA_OK;
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
