/* Hub port power through sysfs or libusb; see hubpower.h. */
#include "hubpower.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <libudev.h>
#include <libusb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define USB_CLASS_HUB_CODE 0x09
#define HUB_REQ_GET_STATUS 0x00
#define HUB_REQ_CLEAR_FEATURE 0x01
#define HUB_REQ_SET_FEATURE 0x03
#define HUB_REQ_GET_DESCRIPTOR 0x06
#define HUB_FEATURE_PORT_POWER 8
#define HUB_PORT_STATUS_POWER 0x0100 /* USB 2 hubs */
#define HUB_TIMEOUT_MS 1000

static const char PERM_HINT[] =
	"install the project's udev rules (make udev-rules-install) and be in group plugdev, or run as root";

const char *hubpower_method_name(enum hubpower_method m)
{
	return m == HUBPOWER_SYSFS ? "sysfs" : m == HUBPOWER_LIBUSB ? "libusb" : "auto";
}

int hubpower_method_parse(const char *s)
{
	if (strcmp(s, "auto") == 0)
		return HUBPOWER_AUTO;
	if (strcmp(s, "sysfs") == 0)
		return HUBPOWER_SYSFS;
	if (strcmp(s, "libusb") == 0)
		return HUBPOWER_LIBUSB;
	return -1;
}

static int attr_long(struct udev_device *d, const char *name, long *out)
{
	const char *v = udev_device_get_sysattr_value(d, name);
	if (!v)
		return -1;
	char *end;
	errno = 0;
	long n = strtol(v, &end, strcmp(name, "bDeviceClass") == 0 ? 16 : 10);
	if (errno || end == v)
		return -1;
	*out = n;
	return 0;
}

int hub_lookup(const char *location, struct hub *h)
{
	memset(h, 0, sizeof *h);
	struct udev *udev = udev_new();
	if (!udev) {
		tb_warn("cannot use libudev");
		return HUBPOWER_ENOHUB;
	}
	int rc = HUBPOWER_ENOHUB;
	struct udev_device *d = udev_device_new_from_subsystem_sysname(udev, "usb", location);
	if (!d || !udev_device_get_devtype(d) || strcmp(udev_device_get_devtype(d), "usb_device") != 0) {
		tb_warn("hub '%s' not found (is it plugged in? the location is the sysfs name, e.g. '3-1.4')",
			location);
		goto out;
	}
	long cls = -1, bus = 0, dev = 0, ports = 0;
	if (attr_long(d, "bDeviceClass", &cls) != 0 || cls != USB_CLASS_HUB_CODE) {
		const char *class_text = udev_device_get_sysattr_value(d, "bDeviceClass");
		tb_warn("device '%s' is not a hub (bDeviceClass %s)", location, class_text ? class_text : "unknown");
		goto out;
	}
	attr_long(d, "busnum", &bus);
	attr_long(d, "devnum", &dev);
	attr_long(d, "maxchild", &ports);
	h->location = tb_xstrdup(location);
	h->syspath = tb_xstrdup(udev_device_get_syspath(d));
	h->busnum = (int)bus;
	h->devnum = (int)dev;
	h->nports = (int)ports;
	rc = HUBPOWER_OK;
out:
	if (d)
		udev_device_unref(d);
	udev_unref(udev);
	return rc;
}

void hub_free(struct hub *h)
{
	free(h->location);
	free(h->syspath);
	h->location = h->syspath = NULL;
}

char *hubpower_sysfs_file(const struct hub *h, int port)
{
	return tb_xasprintf("%s/%s:1.0/%s-port%d/disable", h->syspath, h->location, h->location, port);
}

static int check_port(const struct hub *h, int port)
{
	if (port < 1 || (h->nports > 0 && port > h->nports)) {
		tb_warn("hub '%s' has no port %d (it has %d)", h->location, port, h->nports);
		return HUBPOWER_ENOPORT;
	}
	return HUBPOWER_OK;
}

/* ---- sysfs ---- */

static int sysfs_read(const char *path, int *on)
{
	char b[8] = {0};
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, b, sizeof b - 1);
	int e = errno;
	close(fd);
	if (n <= 0 || (b[0] != '0' && b[0] != '1')) {
		errno = n < 0 ? e : EINVAL;
		return -1;
	}
	*on = b[0] == '0'; /* the file says "disabled" */
	return 0;
}

static int sysfs_missing(const struct hub *h, int port, const char *path, int quiet)
{
	char *dir = tb_xasprintf("%s/%s:1.0", h->syspath, h->location);
	struct stat st;
	int have_iface = stat(dir, &st) == 0;
	free(dir);
	if (have_iface && h->nports == 0) {
		char *pdir = tb_xasprintf("%s/%s:1.0/%s-port%d", h->syspath, h->location, h->location, port);
		int have_port = stat(pdir, &st) == 0;
		free(pdir);
		if (!have_port) {
			tb_warn("hub '%s' has no port %d", h->location, port);
			return HUBPOWER_ENOPORT;
		}
	}
	if (!quiet)
		tb_warn("no '%s' (Linux older than 6.0, or the hub has no driver): try --method libusb", path);
	return HUBPOWER_ENOSYSFS;
}

static int sysfs_get(const struct hub *h, int port, int *on, int quiet)
{
	char *path = hubpower_sysfs_file(h, port);
	int rc = HUBPOWER_OK;
	if (sysfs_read(path, on) != 0) {
		if (errno == ENOENT)
			rc = sysfs_missing(h, port, path, quiet);
		else {
			tb_warn_errno("cannot read '%s'", path);
			rc = errno == EACCES || errno == EPERM ? HUBPOWER_EPERM : HUBPOWER_EIO;
		}
	}
	free(path);
	return rc;
}

static int sysfs_set(const struct hub *h, int port, int on, int quiet)
{
	char *path = hubpower_sysfs_file(h, port);
	int rc = HUBPOWER_EIO;
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT) {
			rc = sysfs_missing(h, port, path, quiet);
		} else if (errno == EACCES || errno == EPERM) {
			tb_warn_errno("cannot write '%s'", path);
			tb_warn("%s", PERM_HINT);
			rc = HUBPOWER_EPERM;
		} else {
			tb_warn_errno("cannot open '%s'", path);
		}
		goto out;
	}
	const char *v = on ? "0" : "1";
	ssize_t n = write(fd, v, 1);
	int e = errno;
	if (close(fd) != 0 && n == 1) {
		n = -1;
		e = errno;
	}
	if (n != 1) {
		errno = e;
		tb_warn_errno("cannot write '%s'", path);
		goto out;
	}
	int now;
	if (sysfs_read(path, &now) != 0) {
		tb_warn_errno("cannot read back '%s'", path);
		goto out;
	}
	if (now != on) {
		tb_warn("port %d of hub '%s' is still %s after writing '%s' to '%s'", port, h->location,
			now ? "on" : "off", v, path);
		goto out;
	}
	rc = HUBPOWER_OK;
out:
	free(path);
	return rc;
}

/* ---- libusb ---- */

struct usbhub {
	libusb_context *ctx;
	libusb_device_handle *dh;
};

static void usbhub_close(struct usbhub *u)
{
	if (u->dh)
		libusb_close(u->dh);
	u->dh = NULL;
	if (u->ctx)
		libusb_exit(u->ctx);
	u->ctx = NULL;
}

static int usbhub_open(const struct hub *h, struct usbhub *u)
{
	memset(u, 0, sizeof *u);
	int e = libusb_init(&u->ctx);
	if (e != 0) {
		tb_warn("cannot start libusb: %s", libusb_error_name(e));
		u->ctx = NULL;
		return HUBPOWER_EIO;
	}
	libusb_device **list = NULL;
	ssize_t n = libusb_get_device_list(u->ctx, &list);
	if (n < 0) {
		tb_warn("cannot list USB devices: %s", libusb_error_name((int)n));
		usbhub_close(u);
		return HUBPOWER_EIO;
	}
	libusb_device *found = NULL;
	for (ssize_t i = 0; i < n; i++)
		if (libusb_get_bus_number(list[i]) == h->busnum && libusb_get_device_address(list[i]) == h->devnum)
			found = list[i];
	int rc = HUBPOWER_OK;
	if (!found) {
		tb_warn("hub '%s' (bus %d device %d) not found by libusb", h->location, h->busnum, h->devnum);
		rc = HUBPOWER_ENOHUB;
	} else if ((e = libusb_open(found, &u->dh)) != 0) {
		u->dh = NULL;
		tb_warn("cannot open hub '%s' (/dev/bus/usb/%03d/%03d): %s", h->location, h->busnum, h->devnum,
			libusb_error_name(e));
		if (e == LIBUSB_ERROR_ACCESS) {
			tb_warn("%s", PERM_HINT);
			rc = HUBPOWER_EPERM;
		} else {
			rc = HUBPOWER_EIO;
		}
	}
	libusb_free_device_list(list, 1);
	if (rc != HUBPOWER_OK)
		usbhub_close(u);
	return rc;
}

static int usbhub_nports(const struct hub *h, struct usbhub *u, int *nports)
{
	unsigned char d[16];
	int e = libusb_control_transfer(u->dh, LIBUSB_ENDPOINT_IN | LIBUSB_REQUEST_TYPE_CLASS | LIBUSB_RECIPIENT_DEVICE,
					HUB_REQ_GET_DESCRIPTOR, 0x29 << 8, 0, d, sizeof d, HUB_TIMEOUT_MS);
	if (e < 3) {
		tb_warn("cannot read the hub descriptor of '%s': %s", h->location,
			e < 0 ? libusb_error_name(e) : "too short");
		return HUBPOWER_EIO;
	}
	*nports = d[2];
	return HUBPOWER_OK;
}

static int usbhub_port_power(const struct hub *h, struct usbhub *u, int port, int *on)
{
	unsigned char s[4];
	int e = libusb_control_transfer(u->dh, LIBUSB_ENDPOINT_IN | LIBUSB_REQUEST_TYPE_CLASS | LIBUSB_RECIPIENT_OTHER,
					HUB_REQ_GET_STATUS, 0, (uint16_t)port, s, sizeof s, HUB_TIMEOUT_MS);
	if (e != 4) {
		tb_warn("cannot read the status of port %d of hub '%s': %s", port, h->location,
			e < 0 ? libusb_error_name(e) : "short answer");
		return HUBPOWER_EIO;
	}
	*on = ((s[0] | s[1] << 8) & HUB_PORT_STATUS_POWER) != 0;
	return HUBPOWER_OK;
}

static int libusb_power(const struct hub *h, int port, int set, int on, int *state)
{
	struct usbhub u;
	int rc = usbhub_open(h, &u), nports = 0;
	if (rc != HUBPOWER_OK)
		return rc;
	if ((rc = usbhub_nports(h, &u, &nports)) != HUBPOWER_OK)
		goto out;
	if (port > nports) {
		tb_warn("hub '%s' has no port %d (it has %d)", h->location, port, nports);
		rc = HUBPOWER_ENOPORT;
		goto out;
	}
	if (set) {
		int e = libusb_control_transfer(u.dh, LIBUSB_ENDPOINT_OUT | LIBUSB_REQUEST_TYPE_CLASS |
							      LIBUSB_RECIPIENT_OTHER,
						on ? HUB_REQ_SET_FEATURE : HUB_REQ_CLEAR_FEATURE,
						HUB_FEATURE_PORT_POWER, (uint16_t)port, NULL, 0, HUB_TIMEOUT_MS);
		if (e < 0) {
			tb_warn("cannot switch port %d of hub '%s' %s: %s", port, h->location, on ? "on" : "off",
				libusb_error_name(e));
			rc = e == LIBUSB_ERROR_ACCESS ? HUBPOWER_EPERM : HUBPOWER_EIO;
			goto out;
		}
	}
	if ((rc = usbhub_port_power(h, &u, port, state)) != HUBPOWER_OK)
		goto out;
	if (set && *state != on) {
		tb_warn("port %d of hub '%s' is still %s (the hub may not switch ports one by one)", port,
			h->location, *state ? "on" : "off");
		rc = HUBPOWER_EIO;
	}
out:
	usbhub_close(&u);
	return rc;
}

/* ---- both ---- */

int hubpower_set(const struct hub *h, int port, int on, enum hubpower_method m, enum hubpower_method *used)
{
	int rc = check_port(h, port), state;
	if (rc != HUBPOWER_OK)
		return rc;
	if (m != HUBPOWER_LIBUSB) {
		rc = sysfs_set(h, port, on, m == HUBPOWER_AUTO);
		if (rc != HUBPOWER_ENOSYSFS || m == HUBPOWER_SYSFS) {
			if (used)
				*used = HUBPOWER_SYSFS;
			return rc;
		}
	}
	if (used)
		*used = HUBPOWER_LIBUSB;
	return libusb_power(h, port, 1, on, &state);
}

int hubpower_get(const struct hub *h, int port, enum hubpower_method m, int *on, enum hubpower_method *used)
{
	int rc = check_port(h, port);
	if (rc != HUBPOWER_OK)
		return rc;
	if (m != HUBPOWER_LIBUSB) {
		rc = sysfs_get(h, port, on, m == HUBPOWER_AUTO);
		if (rc != HUBPOWER_ENOSYSFS || m == HUBPOWER_SYSFS) {
			if (used)
				*used = HUBPOWER_SYSFS;
			return rc;
		}
	}
	if (used)
		*used = HUBPOWER_LIBUSB;
	return libusb_power(h, port, 0, 0, on);
}
