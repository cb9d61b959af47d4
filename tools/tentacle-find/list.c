/* tentacle-find list: every tentacle hub, its infra MCU and its DUT. */
#include "tentacle-find.h"

#include "buf.h"
#include "exitcodes.h"
#include "json.h"
#include "udevutil.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HUB_VID 0x0424
#define HUB_PID 0x2514
#define INFRA_VID 0x2e8a
#define INFRA_PID 0x0005

struct dut {
	char location[UDEVU_LOC_MAX];
	uint16_t vid, pid;
	char *tty, *devnode, *serial;
	long busnum, devnum;
};

struct tentacle {
	char hub[UDEVU_LOC_MAX];
	char infra[UDEVU_LOC_MAX];
	char *serial, *infra_tty;
	int has_dut;
	struct dut dut;
	const char *board; /* owned by the inventory */
	int known;
};

static char *dup_or_null(const char *s)
{
	return s ? tb_xstrdup(s) : NULL;
}

/* the tty device node below a USB device, or NULL (a new string) */
static char *tty_below(struct udev *udev, struct udev_device *usb)
{
	struct udev_device *tty = udevu_first_descendant(udev, usb, "tty");
	char *node = tty ? dup_or_null(udev_device_get_devnode(tty)) : NULL;
	udev_device_unref(tty);
	return node;
}

static long prop_or_attr_long(struct udev_device *dev, const char *prop, const char *attr)
{
	const char *s = udev_device_get_property_value(dev, prop);
	long v;
	char *end = NULL;
	if (s && isdigit((unsigned char)*s)) {
		v = strtol(s, &end, 10);
		if (*end == '\0')
			return v;
	}
	return udevu_attr_long(dev, attr);
}

static void read_dut(struct udev *udev, struct udev_device *dev, struct dut *d)
{
	snprintf(d->location, sizeof d->location, "%s", udev_device_get_sysname(dev));
	if (udevu_device_id(dev, &d->vid, &d->pid) != 0)
		d->vid = d->pid = 0;
	d->tty = tty_below(udev, dev);
	d->devnode = dup_or_null(udev_device_get_devnode(dev));
	d->serial = dup_or_null(udevu_prop_or_attr(dev, "ID_SERIAL_SHORT", "serial"));
	d->busnum = prop_or_attr_long(dev, "BUSNUM", "busnum");
	d->devnum = prop_or_attr_long(dev, "DEVNUM", "devnum");
}

/* is HUB a tentacle? then fill T and return 1 */
static int read_tentacle(struct udev *udev, struct udev_device *hub, struct tentacle *t)
{
	const char *name = udev_device_get_sysname(hub);
	uint16_t vid, pid;
	if (!udevu_is_location(name) || strlen(name) + 3 > sizeof t->hub)
		return 0;
	char port[UDEVU_LOC_MAX];
	snprintf(port, sizeof port, "%s.1", name);
	struct udev_device *infra = udevu_child(udev, hub, port);
	if (!infra)
		return 0;
	if (!udevu_is_usb_device(infra) || udevu_device_id(infra, &vid, &pid) != 0 || vid != INFRA_VID ||
	    pid != INFRA_PID) {
		udev_device_unref(infra);
		return 0;
	}
	memset(t, 0, sizeof *t);
	snprintf(t->hub, sizeof t->hub, "%s", name);
	snprintf(t->infra, sizeof t->infra, "%s", port);
	t->serial = dup_or_null(udevu_prop_or_attr(infra, "ID_SERIAL_SHORT", "serial"));
	t->infra_tty = tty_below(udev, infra);
	udev_device_unref(infra);

	snprintf(port, sizeof port, "%s.3", name);
	struct udev_device *dut = udevu_child(udev, hub, port);
	if (dut && udevu_is_usb_device(dut)) {
		t->has_dut = 1;
		read_dut(udev, dut, &t->dut);
	}
	udev_device_unref(dut);
	return 1;
}

/* USB locations in numeric order: 3-1.2 before 3-1.10 */
static int location_cmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			char *ea, *eb;
			unsigned long x = strtoul(a, &ea, 10), y = strtoul(b, &eb, 10);
			if (x != y)
				return x < y ? -1 : 1;
			a = ea;
			b = eb;
		} else {
			if (*a != *b)
				return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
			a++, b++;
		}
	}
	return (unsigned char)*a - (unsigned char)*b;
}

static int tentacle_cmp(const void *pa, const void *pb)
{
	const struct tentacle *a = pa, *b = pb;
	return location_cmp(a->hub, b->hub);
}

static int serial_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n != 16)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

static const char *short_id(const char *serial)
{
	size_t n = serial ? strlen(serial) : 0;
	return n >= 4 ? serial + n - 4 : serial;
}

static void print_json(const struct tentacle *t, int have_inventory)
{
	struct buf b = BUF_INIT;
	char hex[8];
	buf_addc(&b, '{');
	json_kv_str(&b, "serial", t->serial);
	json_kv_str(&b, "short_id", short_id(t->serial));
	json_kv_str(&b, "hub", t->hub);
	json_kv_str(&b, "infra_location", t->infra);
	json_kv_str(&b, "infra_tty", t->infra_tty);
	json_kv_str(&b, "board", t->board);
	json_key(&b, "in_inventory");
	buf_adds(&b, !have_inventory ? "null" : t->known ? "true" : "false");
	json_key(&b, "dut");
	if (!t->has_dut) {
		buf_adds(&b, "null");
	} else {
		const struct dut *d = &t->dut;
		buf_addc(&b, '{');
		json_kv_str(&b, "location", d->location);
		snprintf(hex, sizeof hex, "%04x", d->vid);
		json_kv_str(&b, "vid", hex);
		snprintf(hex, sizeof hex, "%04x", d->pid);
		json_kv_str(&b, "pid", hex);
		json_kv_str(&b, "tty", d->tty);
		json_kv_str(&b, "devnode", d->devnode);
		json_key(&b, "busnum");
		d->busnum >= 0 ? buf_printf(&b, "%ld", d->busnum) : buf_adds(&b, "null");
		json_key(&b, "devnum");
		d->devnum >= 0 ? buf_printf(&b, "%ld", d->devnum) : buf_adds(&b, "null");
		json_kv_str(&b, "serial", d->serial);
		buf_addc(&b, '}');
	}
	buf_adds(&b, "}\n");
	fwrite(b.data, 1, b.len, stdout);
	buf_free(&b);
}

static void print_row(const struct tentacle *t, int have_inventory)
{
	char dut[256];
	const struct dut *d = &t->dut;
	if (!t->has_dut)
		snprintf(dut, sizeof dut, "-");
	else if (d->tty)
		snprintf(dut, sizeof dut, "%s %04x:%04x %s", d->location, d->vid, d->pid, d->tty);
	else
		snprintf(dut, sizeof dut, "%s %04x:%04x %s (bus %ld device %ld, no tty)", d->location, d->vid,
			 d->pid, d->devnode ? d->devnode : "-", d->busnum, d->devnum);
	const char *board = t->board ? t->board : have_inventory && !t->known ? "?" : "-";
	printf("%-16s  %-5s  %-10s  %-14s  %-16s  %s\n", t->serial ? t->serial : "-",
	       t->serial ? short_id(t->serial) : "-", t->hub, t->infra_tty ? t->infra_tty : "-", board, dut);
}

int cmd_list(const struct list_options *o)
{
	int rc = TB_EXIT_BOARD;
	struct inventory inv = {0};
	struct udev *udev = NULL;
	struct udev_enumerate *en = NULL;
	struct tentacle *ts = NULL;
	size_t n = 0, cap = 0;

	if (o->inventory && inventory_load(o->inventory, &inv) != 0) {
		rc = TB_EXIT_USAGE;
		goto out;
	}
	udev = udev_new();
	if (!udev) {
		tb_warn_errno("cannot use libudev");
		goto out;
	}
	en = udev_enumerate_new(udev);
	if (!en || udev_enumerate_add_match_subsystem(en, "usb") < 0 ||
	    udev_enumerate_add_match_sysattr(en, "idVendor", "0424") < 0 ||
	    udev_enumerate_add_match_sysattr(en, "idProduct", "2514") < 0 || udev_enumerate_scan_devices(en) < 0) {
		tb_warn("cannot list USB devices with libudev (is /sys mounted?)");
		goto out;
	}
	struct udev_list_entry *e;
	udev_list_entry_foreach(e, udev_enumerate_get_list_entry(en))
	{
		struct udev_device *hub = udev_device_new_from_syspath(udev, udev_list_entry_get_name(e));
		if (!hub)
			continue; /* unplugged meanwhile */
		uint16_t vid, pid;
		if (udevu_is_usb_device(hub) && udevu_device_id(hub, &vid, &pid) == 0 && vid == HUB_VID &&
		    pid == HUB_PID) {
			if (n == cap) {
				cap = cap ? cap * 2 : 8;
				ts = tb_xrealloc(ts, cap * sizeof *ts);
			}
			if (read_tentacle(udev, hub, &ts[n]))
				n++;
		}
		udev_device_unref(hub);
	}
	if (n)
		qsort(ts, n, sizeof *ts, tentacle_cmp);

	for (size_t i = 0; i < n; i++) {
		struct tentacle *t = &ts[i];
		if (!serial_ok(t->serial))
			tb_warn("infra MCU at %s has serial '%s' (expected 16 hex digits)", t->infra,
				t->serial ? t->serial : "");
		if (o->inventory) {
			long k = inventory_find(&inv, t->serial);
			t->known = k >= 0;
			t->board = k >= 0 ? inv.board[k] : NULL;
			if (k < 0)
				tb_warn("tentacle '%s' at %s is not in inventory '%s'", t->serial ? t->serial : "",
					t->hub, o->inventory);
		}
	}
	if (n == 0) {
		tb_warn("no tentacle found (looked for USB hubs 0424:2514 with an infra MCU 2e8a:0005 at port 1; "
			"check the USB cables and 'lsusb -t')");
		rc = TB_EXIT_FAIL;
		goto out;
	}
	if (!o->json)
		printf("%-16s  %-5s  %-10s  %-14s  %-16s  %s\n", "SERIAL", "ID", "HUB", "INFRA", "BOARD", "DUT");
	for (size_t i = 0; i < n; i++) {
		if (o->json)
			print_json(&ts[i], o->inventory != NULL);
		else
			print_row(&ts[i], o->inventory != NULL);
	}
	rc = TB_EXIT_OK;
out:
	for (size_t i = 0; i < n; i++) {
		free(ts[i].serial);
		free(ts[i].infra_tty);
		free(ts[i].dut.tty);
		free(ts[i].dut.devnode);
		free(ts[i].dut.serial);
	}
	free(ts);
	udev_enumerate_unref(en);
	udev_unref(udev);
	inventory_free(&inv);
	return rc;
}
