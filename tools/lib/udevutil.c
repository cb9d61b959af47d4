#include "udevutil.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* bus "-" port ("." port)*, all decimal */
static int is_location_n(const char *s, size_t n)
{
	size_t i = 0;
	int digits = 0;
	while (i < n && isdigit((unsigned char)s[i]))
		i++, digits++;
	if (!digits || i >= n || s[i] != '-')
		return 0;
	i++;
	for (;;) {
		digits = 0;
		while (i < n && isdigit((unsigned char)s[i]))
			i++, digits++;
		if (!digits)
			return 0;
		if (i == n)
			return 1;
		if (s[i] != '.')
			return 0;
		i++;
	}
}

int udevu_is_location(const char *text)
{
	return text && is_location_n(text, strlen(text));
}

int udevu_location_of_path(const char *path, char *out, size_t n)
{
	const char *best = NULL;
	size_t best_len = 0;
	for (const char *p = path; p && *p;) {
		while (*p == '/')
			p++;
		size_t len = strcspn(p, "/");
		if (len && is_location_n(p, len)) {
			best = p;
			best_len = len;
		}
		p += len;
	}
	if (!best || best_len >= n)
		return -1;
	memcpy(out, best, best_len);
	out[best_len] = '\0';
	return 0;
}

/* 1..4 hex digits, the whole of [s, s+n) */
static int parse_hex16(const char *s, size_t n, uint16_t *out)
{
	if (n < 1 || n > 4)
		return -1;
	unsigned v = 0;
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];
		if (!isxdigit(c))
			return -1;
		v = v * 16 + (unsigned)(isdigit(c) ? c - '0' : tolower(c) - 'a' + 10);
	}
	*out = (uint16_t)v;
	return 0;
}

int udevu_parse_id(const char *text, uint16_t *vid, uint16_t *pid)
{
	const char *colon = text ? strchr(text, ':') : NULL;
	if (!colon)
		return -1;
	if (parse_hex16(text, (size_t)(colon - text), vid) != 0 ||
	    parse_hex16(colon + 1, strlen(colon + 1), pid) != 0)
		return -1;
	return 0;
}

int udevu_parse_id_list(const char *text, uint32_t *ids, int max)
{
	int count = 0;
	const char *p = text;
	if (!p || !*p)
		return -1;
	for (;;) {
		size_t len = strcspn(p, ",");
		char one[16];
		uint16_t vid, pid;
		if (len == 0 || len >= sizeof one || count >= max)
			return -1;
		memcpy(one, p, len);
		one[len] = '\0';
		if (udevu_parse_id(one, &vid, &pid) != 0)
			return -1;
		ids[count++] = UDEVU_ID(vid, pid);
		if (p[len] == '\0')
			return count;
		p += len + 1;
	}
}

static int hex_value(const char *s, uint16_t *out)
{
	return s ? parse_hex16(s, strlen(s), out) : -1;
}

int udevu_device_id(struct udev_device *dev, uint16_t *vid, uint16_t *pid)
{
	if (hex_value(udev_device_get_property_value(dev, "ID_VENDOR_ID"), vid) == 0 &&
	    hex_value(udev_device_get_property_value(dev, "ID_MODEL_ID"), pid) == 0)
		return 0;
	/* kernel property of USB devices and interfaces: "2e8a/5/100" */
	const char *product = udev_device_get_property_value(dev, "PRODUCT");
	if (product) {
		const char *s1 = strchr(product, '/');
		const char *s2 = s1 ? strchr(s1 + 1, '/') : NULL;
		if (s1 && s2 && parse_hex16(product, (size_t)(s1 - product), vid) == 0 &&
		    parse_hex16(s1 + 1, (size_t)(s2 - s1 - 1), pid) == 0)
			return 0;
	}
	struct udev_device *usb = udevu_is_usb_device(dev)
					  ? dev
					  : udev_device_get_parent_with_subsystem_devtype(dev, "usb", "usb_device");
	if (usb && hex_value(udev_device_get_sysattr_value(usb, "idVendor"), vid) == 0 &&
	    hex_value(udev_device_get_sysattr_value(usb, "idProduct"), pid) == 0)
		return 0;
	return -1;
}

long udevu_attr_long(struct udev_device *dev, const char *attr)
{
	const char *s = udev_device_get_sysattr_value(dev, attr);
	char *end = NULL;
	if (!s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	long v = strtol(s, &end, 10);
	while (end && isspace((unsigned char)*end))
		end++;
	if (errno || !end || *end)
		return -1;
	return v;
}

const char *udevu_prop_or_attr(struct udev_device *dev, const char *prop, const char *attr)
{
	const char *v = prop ? udev_device_get_property_value(dev, prop) : NULL;
	if (v && *v)
		return v;
	v = attr ? udev_device_get_sysattr_value(dev, attr) : NULL;
	return v && *v ? v : NULL;
}

int udevu_is_usb_device(struct udev_device *dev)
{
	const char *subsystem = udev_device_get_subsystem(dev);
	const char *devtype = udev_device_get_devtype(dev);
	return subsystem && devtype && strcmp(subsystem, "usb") == 0 && strcmp(devtype, "usb_device") == 0;
}

struct udev_device *udevu_child(struct udev *udev, struct udev_device *parent, const char *name)
{
	char path[4096];
	int n = snprintf(path, sizeof path, "%s/%s", udev_device_get_syspath(parent), name);
	if (n < 0 || (size_t)n >= sizeof path)
		return NULL;
	return udev_device_new_from_syspath(udev, path);
}

struct udev_device *udevu_first_descendant(struct udev *udev, struct udev_device *parent,
					   const char *subsystem)
{
	struct udev_enumerate *en = udev_enumerate_new(udev);
	struct udev_device *found = NULL;
	if (!en)
		return NULL;
	if (udev_enumerate_add_match_parent(en, parent) < 0 ||
	    udev_enumerate_add_match_subsystem(en, subsystem) < 0 || udev_enumerate_scan_devices(en) < 0)
		goto out;
	const char *best = NULL;
	struct udev_list_entry *e;
	udev_list_entry_foreach(e, udev_enumerate_get_list_entry(en))
	{
		const char *path = udev_list_entry_get_name(e);
		if (!best || strcmp(path, best) < 0)
			best = path;
	}
	if (best)
		found = udev_device_new_from_syspath(udev, best);
out:
	udev_enumerate_unref(en);
	return found;
}
