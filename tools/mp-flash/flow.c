/* The steps of a flash on a tentacle: DUT power, the boot relay, waiting for the boot device at the
 * DUT's own location, the flasher, and back to the application tty. Every step is written to the log
 * with the time since the start, so a failure shows where it happened. */
#include "mp-flash.h"

#include "tentacle.h"
#include "udevutil.h"
#include "udevwait.h"
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void step(struct flash *f, const char *fmt, ...)
{
	char text[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	double t = (double)(tb_now_ms() - f->t0) / 1000.0;
	if (f->log) {
		fprintf(f->log, "[%7.3f] %s\n", t, text);
		fflush(f->log);
	}
	if (f->verbose)
		fprintf(stderr, "%s: %s: [%7.3f] %s\n", tb_progname, f->label, t, text);
}

static int fail(struct flash *f, const char *what, int rc)
{
	snprintf(f->failed_step, sizeof f->failed_step, "%s", what);
	step(f, "FAILED: %s", what);
	return rc;
}

static int stopped(struct flash *f)
{
	return f->stop && *f->stop;
}

/* the infra MCU, opened on first use (relays; DUT power on v0.5+) */
static int infra(struct flash *f)
{
	if (f->infra_open)
		return 0;
	if (!f->infra_tty && !(f->infra_tty = tentacle_infra_tty(f->hub)))
		return -1;
	if (infra_open(&f->infra, f->infra_tty, 0, f->enter_ms) != INFRA_OK)
		return -1;
	f->infra_open = 1;
	return 0;
}

static int dut(struct flash *f, int on)
{
	step(f, "dut %s", on ? "on" : "off");
	if (f->hw_version >= 1 && infra(f) != 0)
		return -1;
	enum hubpower_method used;
	int rc = tentacle_dut_power(&f->hubdev, f->hw_version, &f->infra, on, (enum hubpower_method)f->method, &used);
	return rc == HUBPOWER_OK ? 0 : -1;
}

static int relay(struct flash *f, int press)
{
	step(f, "relay %d %s", f->spec->relay, press ? "press" : "release");
	if (infra(f) != 0)
		return -1;
	return infra_gpio_set(&f->infra, f->spec->relay, press) == INFRA_OK ? 0 : -1;
}

static int pulse(struct flash *f)
{
	char list[MAX_PULSES * 8] = "";
	size_t n = 0;
	for (size_t i = 0; i < f->spec->npulses; i++)
		n += (size_t)snprintf(list + n, sizeof list - n, "%s%ld", i ? "," : "", f->spec->pulses[i]);
	step(f, "relay %d pulse %s", f->spec->relay, list);
	if (infra(f) != 0)
		return -1;
	return infra_relay_pulse(&f->infra, f->spec->relay, f->spec->pulses, f->spec->npulses) == INFRA_OK ? 0 : -1;
}

static void id_text(uint32_t id, char *out, size_t n)
{
	snprintf(out, n, "%04x:%04x", (unsigned)(id >> 16), (unsigned)(id & 0xffff));
}

/* bind a monitor for a new device ID at the DUT's location (usb device or tty) */
static struct udevwait *watch(struct flash *f, uint32_t *id, int usb, int bind, char *text, size_t tn)
{
	id_text(*id, text, tn);
	struct udevwait_spec spec = {
		.location = f->dut_location, .ids = id, .nids = 1, .ids_text = text,
		.usb = usb, .new_only = 1, .bind_only = bind,
	};
	return udevwait_begin(&spec);
}

static void settle(struct flash *f)
{
	if (f->spec->settle_ms > 0) {
		step(f, "settle %.1f s", f->spec->settle_ms / 1000.0);
		tb_sleep_ms(f->spec->settle_ms);
	}
}

int flow_power_up(struct flash *f)
{
	char text[16];
	uint32_t id = f->spec->app_id;
	free(f->app_tty);
	f->app_tty = NULL;
	if (dut(f, 0) != 0)
		return fail(f, "dut off", FLOW_BOARD);
	/* off for the whole cycle time, the floor included */
	tb_sleep_ms(TENTACLE_CYCLE_FLOOR_MS - TENTACLE_OFF_FLOOR_MS);
	if (stopped(f))
		return FLOW_STOPPED;
	struct udevwait *w = watch(f, &id, 0, 0, text, sizeof text);
	if (!w)
		return fail(f, "udev monitor", FLOW_BOARD);
	if (dut(f, 1) != 0) {
		udevwait_free(w);
		return fail(f, "dut on", FLOW_BOARD);
	}
	step(f, "wait for the application tty %s at %s (%.1f s)", text, f->dut_location, f->spec->app_wait_ms / 1000.0);
	struct udevwait_found found;
	int rc = udevwait_end(w, tb_now_ms() + f->spec->app_wait_ms, f->stop, &found);
	udevwait_free(w);
	if (rc != 0)
		return stopped(f) ? FLOW_STOPPED : fail(f, "application tty", FLOW_BOARD);
	step(f, "application tty %s", found.devnode ? found.devnode : "?");
	f->app_tty = found.devnode;
	found.devnode = NULL;
	udevwait_found_free(&found);
	if (!f->app_tty)
		return fail(f, "application tty", FLOW_BOARD);
	settle(f);
	return FLOW_OK;
}

void flow_safe_state(struct flash *f)
{
	if (f->spec->relay && f->spec->seq == SEQ_HOLD && f->infra_open)
		(void)relay(f, 0);
	(void)dut(f, 0);
}

int flow_flash(struct flash *f, const char *program, const char *firmware)
{
	const struct board_spec *s = f->spec;
	char text[16];
	uint32_t id = s->boot_id ? s->boot_id : s->app_id;
	struct udevwait *w = NULL;
	struct udevwait_found found = {0};
	char **argv = NULL;
	int rc;

	if (dut(f, 0) != 0)
		return fail(f, "dut off", FLOW_BOARD);
	if (s->seq == SEQ_HOLD && relay(f, 1) != 0)
		return fail(f, "boot relay", FLOW_BOARD);
	/* listening before the power comes: the boot device's event cannot be missed */
	if (!(w = watch(f, &id, s->boot_usb, s->boot_bind, text, sizeof text))) {
		rc = fail(f, "udev monitor", FLOW_BOARD);
		goto out;
	}
	/* pulses reset a running board into its boot loader: let the application come up first (a board
	 * without one is pulsed anyway) */
	uint32_t app = s->app_id;
	char app_text[16];
	struct udevwait *aw = s->seq == SEQ_PULSES ? watch(f, &app, 0, 0, app_text, sizeof app_text) : NULL;
	if (dut(f, 1) != 0) {
		udevwait_free(aw);
		rc = fail(f, "dut on", FLOW_BOARD);
		goto out;
	}
	if (aw) {
		struct udevwait_found af;
		step(f, "wait for the application tty %s before the pulses (%.1f s)", app_text, s->app_wait_ms / 1000.0);
		if (udevwait_end(aw, tb_now_ms() + s->app_wait_ms, f->stop, &af) == 0) {
			step(f, "application tty %s", af.devnode ? af.devnode : "?");
			udevwait_found_free(&af);
			settle(f);
		} else {
			step(f, "no application tty: pulsing anyway");
		}
		udevwait_free(aw);
		if (stopped(f)) {
			rc = FLOW_STOPPED;
			goto out;
		}
	}
	if (s->seq == SEQ_PULSES && pulse(f) != 0) {
		rc = fail(f, "boot relay pulses", FLOW_BOARD);
		goto out;
	}
	step(f, "wait for the boot device %s (%s%s) at %s (%.1f s)", text, s->boot_usb ? "usb" : "tty",
	     s->boot_bind ? ", bind" : "", f->dut_location, s->udev_wait_ms / 1000.0);
	if (udevwait_end(w, tb_now_ms() + s->udev_wait_ms, f->stop, &found) != 0) {
		rc = stopped(f) ? FLOW_STOPPED : fail(f, "boot device", FLOW_BOARD);
		goto out;
	}
	udevwait_free(w);
	w = NULL;
	if (s->boot_usb)
		step(f, "boot device %s bus %ld address %ld serial %s", found.devnode ? found.devnode : "?",
		     found.busnum, found.devnum, found.serial ? found.serial : "?");
	else
		step(f, "boot tty %s", found.devnode ? found.devnode : "?");
	if (!s->boot_usb)
		settle(f);
	argv = flasher_argv(s, program, firmware, found.devnode, found.busnum, found.devnum, found.serial);
	char *cmd = argv_text(argv);
	step(f, "run %s (time limit %.0f s)", cmd, s->timeout_ms / 1000.0);
	free(cmd);
	int status = 0;
	int64_t t = tb_now_ms();
	int r = run_program(argv, fileno(f->log), s->timeout_ms, f->stop, &status);
	step(f, "%s: %s after %.1f s", argv[0],
	     r == RUN_OK ? "done" : r == RUN_TIMEOUT ? "timeout, stopped" : r == RUN_STOPPED ? "interrupted"
		: r == RUN_CANNOT ? "could not run" : "failed", (double)(tb_now_ms() - t) / 1000.0);
	if (r != RUN_OK) {
		if (r == RUN_FAILED)
			step(f, "%s: exit status %d", argv[0], status);
		rc = r == RUN_STOPPED ? FLOW_STOPPED
		     : fail(f, r == RUN_TIMEOUT ? "flasher timeout" : r == RUN_CANNOT ? "flasher" : "flasher failed",
			    r == RUN_CANNOT ? FLOW_SETUP : FLOW_BOARD);
		goto out;
	}
	if (s->seq == SEQ_HOLD && relay(f, 0) != 0) {
		rc = fail(f, "boot relay", FLOW_BOARD);
		goto out;
	}
	rc = flow_power_up(f);
out:
	udevwait_free(w);
	udevwait_found_free(&found);
	argv_free(argv);
	return rc;
}
