/* tentacle-find wait: block until a device appears (or is gone) at one USB location. */
#include "tentacle-find.h"

#include "buf.h"
#include "exitcodes.h"
#include "json.h"
#include "udevutil.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* what was found, copied out of the udev_device */
struct found {
	const char *event; /* add, present, remove, absent */
	uint16_t vid, pid;
	char *devnode, *serial;
	long busnum, devnum;
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
static int matches(const struct wait_options *o, struct udev_device *dev)
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

static void take(struct udev_device *dev, const char *event, struct found *f)
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
static int present(const struct wait_options *o, struct udev *udev, struct found *f)
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

/* run the --then command and wait for it until DEADLINE; 0 when it succeeded */
static int run_then(const struct wait_options *o, int64_t deadline)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		tb_warn_errno("cannot run '%s'", o->then_argv[0]);
		return -1;
	}
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		execvp(o->then_argv[0], o->then_argv);
		tb_warn_errno("cannot run '%s'", o->then_argv[0]);
		_exit(127);
	}
	int status = 0;
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			tb_warn_errno("cannot wait for '%s'", o->then_argv[0]);
			return -1;
		}
		if (tf_interrupted || tb_now_ms() >= deadline) {
			tb_warn("%s: '%s' still running, stopping it", tf_interrupted ? "interrupted" : "timeout",
				o->then_argv[0]);
			kill(pid, SIGTERM);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			return -1;
		}
		tb_sleep_ms(5);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		tb_warn("'%s' failed with exit status %d", o->then_argv[0], WEXITSTATUS(status));
	else
		tb_warn("'%s' was killed by signal %d", o->then_argv[0], WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	return -1;
}

static int signal_ready(const struct wait_options *o, int64_t deadline)
{
	if (o->then_argv)
		return run_then(o, deadline);
	if (o->ready_fd >= 0) {
		static const char msg[] = "ready\n";
		ssize_t w;
		while ((w = write(o->ready_fd, msg, sizeof msg - 1)) < 0 && errno == EINTR)
			;
		if (w != (ssize_t)(sizeof msg - 1)) {
			tb_warn_errno("cannot write to --ready-fd %d", o->ready_fd);
			return -1;
		}
		if (o->ready_fd > 2)
			close(o->ready_fd); /* the reader sees end of file */
		return 0;
	}
	printf("ready\n");
	if (fflush(stdout) != 0) {
		tb_warn_errno("cannot write to standard output");
		return -1;
	}
	return 0;
}

static void print_found(const struct wait_options *o, const struct found *f)
{
	if (o->json) {
		struct buf b = BUF_INIT;
		char hex[8];
		buf_addc(&b, '{');
		json_kv_str(&b, "event", f->event);
		json_kv_str(&b, "location", o->location);
		json_kv_str(&b, "subsystem", o->usb ? "usb" : "tty");
		int known = strcmp(f->event, "absent") != 0;
		snprintf(hex, sizeof hex, "%04x", f->vid);
		json_kv_str(&b, "vid", known ? hex : NULL);
		snprintf(hex, sizeof hex, "%04x", f->pid);
		json_kv_str(&b, "pid", known ? hex : NULL);
		json_kv_str(&b, "devnode", f->devnode);
		json_key(&b, "busnum");
		f->busnum >= 0 ? buf_printf(&b, "%ld", f->busnum) : buf_adds(&b, "null");
		json_key(&b, "devnum");
		f->devnum >= 0 ? buf_printf(&b, "%ld", f->devnum) : buf_adds(&b, "null");
		json_kv_str(&b, "serial", f->serial);
		buf_adds(&b, "}\n");
		fwrite(b.data, 1, b.len, stdout);
		buf_free(&b);
		return;
	}
	if (!f->devnode)
		return; /* --gone and nothing was there */
	if (o->usb)
		printf("%s %ld %ld\n", f->devnode, f->busnum, f->devnum);
	else
		printf("%s\n", f->devnode);
}

int cmd_wait(const struct wait_options *o)
{
	int rc = TB_EXIT_BOARD;
	struct udev *udev = NULL;
	struct udev_monitor *mon = NULL;
	struct found f = {.busnum = -1, .devnum = -1};
	int64_t deadline = tb_now_ms() + o->timeout_ms;
	const char *what = o->usb ? "USB device" : "tty";

	udev = udev_new();
	if (!udev) {
		tb_warn_errno("cannot use libudev");
		goto out;
	}
	mon = udev_monitor_new_from_netlink(udev, "udev");
	if (!mon) {
		tb_warn("cannot create a udev monitor (is systemd-udevd running?)");
		goto out;
	}
	if (udev_monitor_filter_add_match_subsystem_devtype(mon, o->usb ? "usb" : "tty",
							    o->usb ? "usb_device" : NULL) < 0 ||
	    udev_monitor_enable_receiving(mon) < 0) {
		tb_warn("cannot listen to udev events");
		goto out;
	}
	int fd = udev_monitor_get_fd(mon);
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		tb_warn_errno("cannot set up the udev monitor");
		goto out;
	}
	/* the monitor is bound: from now on no event is missed. The present state is read before the
	 * command runs (or the caller is told we are ready), so a device that goes away meanwhile is seen
	 * as a remove event and one that comes is seen as an add event. */
	int satisfied = 0;
	if (!o->new_only) {
		int p = present(o, udev, o->gone ? NULL : &f);
		if (p < 0) {
			tb_warn("cannot list %ss with libudev", what);
			goto out;
		}
		if (p == 1 && !o->gone)
			satisfied = 1;
		if (p == 0 && o->gone) {
			f.event = "absent";
			satisfied = 1;
		}
	}
	if (signal_ready(o, deadline) != 0)
		goto out;
	if (satisfied) {
		rc = TB_EXIT_OK;
		goto done;
	}
	for (;;) {
		struct udev_device *dev;
		while ((dev = udev_monitor_receive_device(mon)) != NULL) {
			const char *action = udev_device_get_action(dev);
			int want = 0;
			if (action && o->gone)
				want = strcmp(action, "remove") == 0;
			else if (action)
				want = strcmp(action, "add") == 0 || (o->usb && strcmp(action, "bind") == 0);
			if (want && matches(o, dev)) {
				take(dev, o->gone ? "remove" : "add", &f);
				udev_device_unref(dev);
				rc = TB_EXIT_OK;
				goto done;
			}
			udev_device_unref(dev);
		}
		int64_t left = deadline - tb_now_ms();
		if (tf_interrupted) {
			tb_warn("interrupted while waiting at %s", o->location);
			goto out;
		}
		if (left <= 0) {
			if (o->gone)
				tb_warn("timeout: a %s %s is still at %s after %g s", what, o->ids_text, o->location,
					o->timeout_ms / 1000.0);
			else
				tb_warn("timeout: no %s %s appeared at %s within %g s (is the board powered and "
					"its USB cable plugged in?)",
					what, o->ids_text, o->location, o->timeout_ms / 1000.0);
			goto out;
		}
		struct pollfd pfd = {fd, POLLIN, 0};
		int r = poll(&pfd, 1, left > 1000 ? 1000 : (int)left);
		if (r < 0 && errno != EINTR) {
			tb_warn_errno("cannot wait for udev events");
			goto out;
		}
	}
done:
	print_found(o, &f);
out:
	free(f.devnode);
	free(f.serial);
	udev_monitor_unref(mon);
	udev_unref(udev);
	return rc;
}
