/* Helpers for finding USB devices with libudev: USB locations, VID:PID, attributes, children.
 * Nothing here uses the udev database only (umockdev has none): properties first, sysfs second. */
#ifndef TB_UDEVUTIL_H
#define TB_UDEVUTIL_H

#include <libudev.h>
#include <stddef.h>
#include <stdint.h>

#define UDEVU_LOC_MAX 64 /* "3-1.4.3"; USB allows 7 tiers, so real names are far shorter */

/* 1 when TEXT is a USB device name like "3-1.4.3" (bus-port[.port...]), else 0 */
int udevu_is_location(const char *text);
/* the USB location a devpath or syspath belongs to: its last component that is a USB device name
 * (".../3-1.4/3-1.4.3/3-1.4.3:1.0/tty/ttyACM0" -> "3-1.4.3"); 0, or -1 when there is none or it does
 * not fit. Pure string work, so it also works for remove events, whose sysfs is gone. */
int udevu_location_of_path(const char *path, char *out, size_t n);

/* "2e8a:0005" -> 0x2e8a, 0x0005: exactly 1..4 hex digits each side; 0 or -1 */
int udevu_parse_id(const char *text, uint16_t *vid, uint16_t *pid);
/* a list "VID:PID[,VID:PID...]" into ids[] (at most max); the count, or -1 on a bad or too long list */
int udevu_parse_id_list(const char *text, uint32_t *ids, int max);
#define UDEVU_ID(vid, pid) ((uint32_t)(vid) << 16 | (uint32_t)(pid))

/* VID:PID of a device from its event or uevent properties (ID_VENDOR_ID/ID_MODEL_ID, PRODUCT), else
 * its sysfs idVendor/idProduct, else those of its USB device ancestor; 0, or -1 when unknown */
int udevu_device_id(struct udev_device *dev, uint16_t *vid, uint16_t *pid);
/* a sysfs attribute as a decimal number (trailing white space allowed); -1 when absent or bad */
long udevu_attr_long(struct udev_device *dev, const char *attr);
/* the property PROP if set and non-empty, else the sysfs attribute ATTR (either may be NULL), else NULL */
const char *udevu_prop_or_attr(struct udev_device *dev, const char *prop, const char *attr);
/* 1 when DEV is a USB device (not an interface) */
int udevu_is_usb_device(struct udev_device *dev);

/* the child device SYSPATH/NAME if it exists (a new reference, unref it), else NULL */
struct udev_device *udevu_child(struct udev *udev, struct udev_device *parent, const char *name);
/* the first descendant of PARENT in SUBSYSTEM, by syspath order (a new reference), else NULL */
struct udev_device *udevu_first_descendant(struct udev *udev, struct udev_device *parent,
					   const char *subsystem);

#endif
