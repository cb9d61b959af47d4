/* Finding a tentacle and switching its DUT; see tentacle.h. */
#include "tentacle.h"

#include "buf.h"
#include "util.h"

#include <ctype.h>
#include <libudev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tentacle_strip_serial(const char *in, char *out, size_t n)
{
	size_t j = 0;
	for (; *in && j + 1 < n; in++)
		if (*in != '-' && *in != ':')
			out[j++] = (char)tolower((unsigned char)*in);
	out[j] = 0;
}

int tentacle_id_ok(const char *id, const char *opt)
{
	char want[40];
	tentacle_strip_serial(id, want, sizeof want);
	size_t wl = strlen(want);
	if (strlen(id) >= sizeof want || (wl != 4 && wl != 16) || strspn(want, "0123456789abcdef") != wl) {
		tb_warn("invalid value for %s: '%s' (16 hex digits or the last 4)", opt, id);
		return 0;
	}
	return 1;
}

/* the infra MCUs (2e8a:0005 usb_devices); NULL after a message */
static struct udev_enumerate *list_infras(struct udev *udev)
{
	struct udev_enumerate *en = udev_enumerate_new(udev);
	if (!en || udev_enumerate_add_match_subsystem(en, "usb") < 0 ||
	    udev_enumerate_add_match_sysattr(en, "idVendor", "2e8a") < 0 ||
	    udev_enumerate_add_match_sysattr(en, "idProduct", "0005") < 0 || udev_enumerate_scan_devices(en) < 0) {
		tb_warn("cannot list the USB devices with libudev");
		udev_enumerate_unref(en);
		return NULL;
	}
	return en;
}

char *tentacle_find_hub(const char *id, char **serial_out)
{
	char want[40];
	tentacle_strip_serial(id, want, sizeof want);
	size_t wl = strlen(want);
	struct udev *udev = udev_new();
	if (!udev) {
		tb_warn("cannot use libudev");
		return NULL;
	}
	struct udev_enumerate *en = list_infras(udev);
	if (!en) {
		udev_unref(udev);
		return NULL;
	}
	char *found = NULL, *serial = NULL;
	struct buf all = BUF_INIT;
	int matches = 0;
	struct udev_list_entry *e;
	udev_list_entry_foreach(e, udev_enumerate_get_list_entry(en)) {
		struct udev_device *d = udev_device_new_from_syspath(udev, udev_list_entry_get_name(e));
		if (!d)
			continue;
		const char *s = udev_device_get_sysattr_value(d, "serial");
		const char *type = udev_device_get_devtype(d);
		char have[40];
		if (s && type && strcmp(type, "usb_device") == 0) {
			tentacle_strip_serial(s, have, sizeof have);
			size_t hl = strlen(have);
			if (hl >= wl && strcmp(have + hl - wl, want) == 0 && (wl == 4 || hl == wl)) {
				matches++;
				buf_printf(&all, " %s (at %s)", have, udev_device_get_sysname(d));
				free(found);
				free(serial);
				found = tb_xstrdup(udev_device_get_sysname(d));
				serial = tb_xstrdup(have);
			}
		}
		udev_device_unref(d);
	}
	udev_enumerate_unref(en);
	udev_unref(udev);
	if (matches == 0) {
		tb_warn("tentacle '%s' not found (no 2e8a:0005 infra MCU with that serial)", id);
	} else if (matches > 1) {
		tb_warn("short id '%s' is ambiguous:%s; give the full serial", id, buf_str(&all));
		free(found);
		found = NULL;
	} else {
		size_t n = strlen(found);
		if (n < 3 || strcmp(found + n - 2, ".1") != 0) {
			tb_warn("infra MCU '%s' is at '%s', not on port 1 of a tentacle hub", id, found);
			free(found);
			found = NULL;
		} else {
			found[n - 2] = 0;
		}
	}
	buf_free(&all);
	if (found && serial_out)
		*serial_out = serial;
	else
		free(serial);
	return found;
}

char *tentacle_serial_of_hub(const char *hub)
{
	char *syspath = NULL, *serial = NULL;
	struct udev *udev = udev_new();
	if (!udev)
		return NULL;
	struct udev_enumerate *en = list_infras(udev);
	if (en) {
		char *loc = tb_xasprintf("%s.1", hub);
		struct udev_list_entry *e;
		udev_list_entry_foreach(e, udev_enumerate_get_list_entry(en)) {
			const char *name = udev_list_entry_get_name(e);
			const char *base = strrchr(name, '/');
			if (!syspath && base && strcmp(base + 1, loc) == 0)
				syspath = tb_xstrdup(name);
		}
		free(loc);
		udev_enumerate_unref(en);
	}
	struct udev_device *d = syspath ? udev_device_new_from_syspath(udev, syspath) : NULL;
	const char *s = d ? udev_device_get_sysattr_value(d, "serial") : NULL;
	if (s) {
		char clean[40];
		tentacle_strip_serial(s, clean, sizeof clean);
		serial = tb_xstrdup(clean);
	}
	udev_device_unref(d);
	udev_unref(udev);
	free(syspath);
	return serial;
}

char *tentacle_infra_tty(const char *hub)
{
	char *loc = tb_xasprintf("%s.1", hub), *tty = NULL;
	struct udev *udev = udev_new();
	if (!udev) {
		tb_warn("cannot use libudev");
		free(loc);
		return NULL;
	}
	struct udev_enumerate *en = udev_enumerate_new(udev);
	if (!en || udev_enumerate_add_match_subsystem(en, "tty") < 0 || udev_enumerate_scan_devices(en) < 0) {
		tb_warn("cannot list the ttys with libudev");
		udev_enumerate_unref(en);
		udev_unref(udev);
		free(loc);
		return NULL;
	}
	struct udev_list_entry *e;
	udev_list_entry_foreach(e, udev_enumerate_get_list_entry(en)) {
		struct udev_device *d = udev_device_new_from_syspath(udev, udev_list_entry_get_name(e));
		if (!d)
			continue;
		struct udev_device *p = udev_device_get_parent_with_subsystem_devtype(d, "usb", "usb_device");
		const char *node = udev_device_get_devnode(d);
		if (!tty && p && node && strcmp(udev_device_get_sysname(p), loc) == 0)
			tty = tb_xstrdup(node);
		udev_device_unref(d); /* also releases p */
	}
	udev_enumerate_unref(en);
	udev_unref(udev);
	if (!tty)
		tb_warn("infra MCU of hub '%s' not found (no tty at '%s'; give --infra-tty PATH)", hub, loc);
	free(loc);
	return tty;
}

int tentacle_dut_power(const struct hub *h, int hw_version, struct infra *infra, int on,
		       enum hubpower_method m, enum hubpower_method *used)
{
	int gpio23 = hw_version >= 1;
	if (gpio23 && !on && infra_gpio_set(infra, INFRA_GPIO_DUT_POWER, 0) != INFRA_OK)
		return TENTACLE_EINFRA;
	int hrc = hubpower_set(h, TENTACLE_PORT_DUT, on, m, used);
	if (hrc != HUBPOWER_OK)
		return hrc;
	if (gpio23 && on && infra_gpio_set(infra, INFRA_GPIO_DUT_POWER, 1) != INFRA_OK)
		return TENTACLE_EINFRA;
	if (!on)
		tb_sleep_ms(TENTACLE_OFF_FLOOR_MS);
	return HUBPOWER_OK;
}
