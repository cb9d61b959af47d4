/* Switching the power of one port of a USB hub: through the kernel's sysfs file
 * <hub>:1.0/<hub>-port<N>/disable (Linux >= 6.0), or with USB hub class requests over libusb
 * (SetPortFeature / ClearPortFeature(PORT_POWER), checked with GetPortStatus).
 * Hubs are named by their USB location (the sysfs name, e.g. "3-1.4") and found with libudev, so the
 * sysfs root is wherever libudev finds it (umockdev in tests). Messages go to stderr. */
#ifndef TB_HUBPOWER_H
#define TB_HUBPOWER_H

enum hubpower_method {
	HUBPOWER_AUTO = 0,  /* sysfs when the disable file exists, else libusb */
	HUBPOWER_SYSFS,
	HUBPOWER_LIBUSB,
};

enum {
	HUBPOWER_OK = 0,
	HUBPOWER_ENOHUB = -1,  /* no hub at that location (message printed) */
	HUBPOWER_ENOPORT = -2, /* the hub has no such port (message printed) */
	HUBPOWER_EPERM = -3,   /* not allowed to switch (message printed, with the fix) */
	HUBPOWER_EIO = -4,     /* the switch failed or did not take (message printed) */
	HUBPOWER_ENOSYSFS = -5,/* no disable file for the port (message printed only for HUBPOWER_SYSFS) */
};

struct hub {
	char *location; /* "3-1.4" */
	char *syspath;  /* as libudev reports it */
	int busnum, devnum;
	int nports;     /* from sysfs maxchild; 0 when unknown */
};

/* find the hub at LOCATION with libudev; a device that is not a hub (bDeviceClass 09) is refused */
int hub_lookup(const char *location, struct hub *h);
void hub_free(struct hub *h);

/* switch PORT on or off and check that it took; *used (may be NULL) tells which method did it */
int hubpower_set(const struct hub *h, int port, int on, enum hubpower_method m, enum hubpower_method *used);
/* read the power state of PORT: *on = 1 powered, 0 not; *used (may be NULL) as for hubpower_set */
int hubpower_get(const struct hub *h, int port, enum hubpower_method m, int *on, enum hubpower_method *used);

const char *hubpower_method_name(enum hubpower_method m);
/* "sysfs", "libusb", "auto"; -1 for anything else */
int hubpower_method_parse(const char *s);

/* the sysfs disable file of PORT (malloc'ed) */
char *hubpower_sysfs_file(const struct hub *h, int port);

#endif
