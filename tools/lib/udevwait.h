/* Waiting for a USB device or tty to appear (or vanish) at one USB location, with libudev. The monitor
 * is bound first (udevwait_begin), then the caller acts (switches power, presses a button), then
 * udevwait_end takes the first matching event: no event between the two can be missed. Events of
 * other locations and other devices are ignored. Messages go to stderr. */
#ifndef TB_UDEVWAIT_H
#define TB_UDEVWAIT_H

#include <signal.h>
#include <stdint.h>

struct udevwait_spec {
	const char *location;   /* "3-1.4.3" */
	const uint32_t *ids;    /* UDEVU_ID(vid, pid) values */
	int nids;
	const char *ids_text;   /* for messages: "2e8a:0003" */
	int usb;                /* 0: a tty, 1: a USB device (usb_device) */
	int gone;               /* wait until no such device is there */
	int new_only;           /* ignore a device there now: wait for an add (or bind) event */
	int bind_only;          /* usb: only a "bind" event counts (Teensy boot loader) */
};

struct udevwait_found {
	const char *event; /* add, bind, present, remove, absent */
	uint16_t vid, pid;
	char *devnode, *serial;
	long busnum, devnum;
};

struct udevwait;

/* bind the monitor and (unless new_only) look at the present state; NULL after a message */
struct udevwait *udevwait_begin(const struct udevwait_spec *spec);
/* wait until the device is there (gone) or DEADLINE (tb_now_ms clock) or *stop becomes non-zero
 * (may be NULL); 0 and F filled (free with udevwait_found_free), or -1 after a message */
int udevwait_end(struct udevwait *w, int64_t deadline, volatile sig_atomic_t *stop, struct udevwait_found *f);
void udevwait_free(struct udevwait *w);
void udevwait_found_free(struct udevwait_found *f);

#endif
