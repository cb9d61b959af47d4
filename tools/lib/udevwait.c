/* Waiting for a device at a USB location; see udevwait.h. */
#include "udevwait.h"

#include "udevutil.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <libudev.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

struct udevwait {
	struct udevwait_spec spec;
	struct udev *udev;
	struct udev_monitor *mon;
	int fd;
	int satisfied; /* the present state already answers the wait */
	int64_t begun;
	struct udevwait_found now;
};

static long prop_long(struct udev_device *dev, const char *prop, const char *attr)
{
	const char *s = udev_device_get_property_value(dev, prop);
	if (s && *s) {
		char *end = NULL;
		long v = strtol(s, &end, 10);
		if (*end == '\0' && v >= 0)
			return v;
	}
	return attr ? udevu_attr_long(dev, attr) : -1;
}

/* does DEV (an event or an enumerated device) match subsystem, location and id? */
static int matches(const struct udevwait_spec *o, struct udev_device *dev)
{
	char loc[UDEVU_LOC_MAX];
	uint16_t vid, pid;
	const char *subsystem = udev_device_get_subsystem(dev);
	if (!subsystem || strcmp(subsystem, o->usb ? "usb" : "tty") != 0)
		return 0;
	if (o->usb && !udevu_is_usb_device(dev))
		return 0;
	const char *path = udev_device_get_devpath(dev);
	if (!path || udevu_location_of_path(path, loc, sizeof loc) != 0 || strcmp(loc, o->location) != 0)
		return 0;
	if (udevu_device_id(dev, &vid, &pid) != 0)
		return 0;
	for (int i = 0; i < o->nids; i++)
		if (o->ids[i] == UDEVU_ID(vid, pid))
			return 1;
	return 0;
}

static void take(struct udev_device *dev, const char *event, struct udevwait_found *f)
{
	f->event = event;
	if (udevu_device_id(dev, &f->vid, &f->pid) != 0)
		f->vid = f->pid = 0;
	const char *node = udev_device_get_devnode(dev);
	f->devnode = node ? tb_xstrdup(node) : NULL;
	/* a tty's serial and numbers are those of its USB device (when it still exists) */
	struct udev_device *usb = udevu_is_usb_device(dev)
					  ? dev
					  : udev_device_get_parent_with_subsystem_devtype(dev, "usb", "usb_device");
	const char *serial = udev_device_get_property_value(dev, "ID_SERIAL_SHORT");
	if (!serial && usb)
		serial = udevu_prop_or_attr(usb, "ID_SERIAL_SHORT", "serial");
	f->serial = serial ? tb_xstrdup(serial) : NULL;
	f->busnum = usb ? prop_long(usb, "BUSNUM", "busnum") : -1;
	f->devnum = usb ? prop_long(usb, "DEVNUM", "devnum") : -1;
}

/* is a matching device there now? 1 (and F filled), 0, or -1 on udev trouble */
static int present(const struct udevwait_spec *o, struct udev *udev, struct udevwait_found *f)
{
	struct udev_enumerate *en = udev_enumerate_new(udev);
	int rc = -1;
	if (!en || udev_enumerate_add_match_subsystem(en, o->usb ? "usb" : "tty") < 0 ||
	    udev_enumerate_scan_devices(en) < 0)
		goto out;
	rc = 0;
	struct udev_list_entry *e;
	udev_list_entry_foreach(e, udev_enumerate_get_list_entry(en))
	{
		char loc[UDEVU_LOC_MAX];
		const char *path = udev_list_entry_get_name(e);
		if (udevu_location_of_path(path, loc, sizeof loc) != 0 || strcmp(loc, o->location) != 0)
			continue; /* cheap test first: no device object for other locations */
		struct udev_device *dev = udev_device_new_from_syspath(udev, path);
		if (dev && matches(o, dev)) {
			if (f)
				take(dev, "present", f);
			rc = 1;
		}
		udev_device_unref(dev);
		if (rc == 1)
			break;
	}
out:
	udev_enumerate_unref(en);
	return rc;
}

struct udevwait *udevwait_begin(const struct udevwait_spec *spec)
{
	struct udevwait *w = tb_xmalloc(sizeof *w);
	memset(w, 0, sizeof *w);
	w->spec = *spec;
	w->begun = tb_now_ms();
	w->now.busnum = w->now.devnum = -1;
	const char *what = spec->usb ? "USB device" : "tty";
	w->udev = udev_new();
	if (!w->udev) {
		tb_warn_errno("cannot use libudev");
		goto fail;
	}
	w->mon = udev_monitor_new_from_netlink(w->udev, "udev");
	if (!w->mon) {
		tb_warn("cannot create a udev monitor (is systemd-udevd running?)");
		goto fail;
	}
	if (udev_monitor_filter_add_match_subsystem_devtype(w->mon, spec->usb ? "usb" : "tty",
							    spec->usb ? "usb_device" : NULL) < 0 ||
	    udev_monitor_enable_receiving(w->mon) < 0) {
		tb_warn("cannot listen to udev events");
		goto fail;
	}
	w->fd = udev_monitor_get_fd(w->mon);
	int fl = fcntl(w->fd, F_GETFL);
	if (fl < 0 || fcntl(w->fd, F_SETFL, fl | O_NONBLOCK) < 0 || fcntl(w->fd, F_SETFD, FD_CLOEXEC) < 0) {
		tb_warn_errno("cannot set up the udev monitor");
		goto fail;
	}
	/* the monitor is bound: from now on no event is missed. The present state is read before the
	 * caller acts, so a device that goes away meanwhile is seen as a remove event and one that comes
	 * is seen as an add event. */
	if (!spec->new_only) {
		int p = present(spec, w->udev, spec->gone ? NULL : &w->now);
		if (p < 0) {
			tb_warn("cannot list %ss with libudev", what);
			goto fail;
		}
		if (p == 1 && !spec->gone)
			w->satisfied = 1;
		if (p == 0 && spec->gone) {
			w->now.event = "absent";
			w->satisfied = 1;
		}
	}
	return w;
fail:
	udevwait_free(w);
	return NULL;
}

int udevwait_end(struct udevwait *w, int64_t deadline, volatile sig_atomic_t *stop, struct udevwait_found *f)
{
	const struct udevwait_spec *o = &w->spec;
	const char *what = o->usb ? "USB device" : "tty";
	/* for messages: the whole wait since the monitor was bound, in tenths of seconds */
	double total_s = (double)((deadline - w->begun + 50) / 100) / 10.0;
	memset(f, 0, sizeof *f);
	f->busnum = f->devnum = -1;
	if (w->satisfied) {
		*f = w->now;
		memset(&w->now, 0, sizeof w->now);
		return 0;
	}
	for (;;) {
		struct udev_device *dev;
		while ((dev = udev_monitor_receive_device(w->mon)) != NULL) {
			const char *action = udev_device_get_action(dev);
			int want = 0;
			if (action && o->gone)
				want = strcmp(action, "remove") == 0;
			else if (action && o->bind_only)
				want = strcmp(action, "bind") == 0;
			else if (action)
				want = strcmp(action, "add") == 0 || (o->usb && strcmp(action, "bind") == 0);
			if (want && matches(o, dev)) {
				take(dev, o->gone ? "remove" : strcmp(action, "bind") == 0 ? "bind" : "add", f);
				udev_device_unref(dev);
				return 0;
			}
			udev_device_unref(dev);
		}
		int64_t left = deadline - tb_now_ms();
		if (stop && *stop) {
			tb_warn("interrupted while waiting at %s", o->location);
			return -1;
		}
		if (left <= 0) {
			if (o->gone)
				tb_warn("timeout: a %s %s is still at %s after %g s", what, o->ids_text, o->location,
					total_s);
			else
				tb_warn("timeout: no %s %s appeared at %s within %g s (is the board powered and "
					"its USB cable plugged in?)",
					what, o->ids_text, o->location, total_s);
			return -1;
		}
		struct pollfd pfd = {w->fd, POLLIN, 0};
		int r = poll(&pfd, 1, left > 1000 ? 1000 : (int)left);
		if (r < 0 && errno != EINTR) {
			tb_warn_errno("cannot wait for udev events");
			return -1;
		}
	}
}

void udevwait_free(struct udevwait *w)
{
	if (!w)
		return;
	udevwait_found_free(&w->now);
	udev_monitor_unref(w->mon);
	udev_unref(w->udev);
	free(w);
}

void udevwait_found_free(struct udevwait_found *f)
{
	free(f->devnode);
	free(f->serial);
	f->devnode = f->serial = NULL;
}
