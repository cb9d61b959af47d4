/* fakehub: a mocked USB 2.0 hub (0424:2514 at location 1-1, bus 1 device 2, 4 ports) whose usbfs node
 * answers the hub class control transfers, for testing hub port power over libusb without hardware.
 *
 *   umockdev-wrapper fakehub LOG CMD [ARG...]
 *
 * Builds the testbed, runs CMD in it (CMD inherits the mock), waits for it, then writes LOG: one line per
 * setup packet in wire byte order ("23 01 0800 0300 0000" = ClearPortFeature(PORT_POWER) of port 3),
 * then "port N on|off" for each port. Exit status: CMD's, or 125 when the harness itself failed.
 * It answers GET_DESCRIPTOR (hub), GetPortStatus and Set/ClearPortFeature(PORT_POWER); it stalls
 * everything else. FAKEHUB_STUCK_PORT=N makes port N ignore Set/ClearPortFeature (a switch that does
 * not take). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/usbdevice_fs.h>
#include <stddef.h>
#include <sys/wait.h>
#include <unistd.h>
#include <umockdev.h>

#define NPORTS 4
#define HARNESS_FAIL 125

/* device descriptor (hub class, single TT) + configuration with one interface and its interrupt IN
 * endpoint: what libusb reads from sysfs 'descriptors' */
static const char HUB_DEVICE[] =
	"P: /devices/pci0000:00/0000:00:14.0/usb1\n"
	"N: bus/usb/001/001\n"
	"E: SUBSYSTEM=usb\n"
	"E: DEVTYPE=usb_device\n"
	"E: DEVNAME=/dev/bus/usb/001/001\n"
	"E: BUSNUM=001\n"
	"E: DEVNUM=001\n"
	"A: idVendor=1d6b\n"
	"A: idProduct=0002\n"
	"A: bDeviceClass=09\n"
	"A: bConfigurationValue=1\\n\n"
	"A: busnum=1\\n\n"
	"A: devnum=1\\n\n"
	"A: speed=480\\n\n"
	"A: maxchild=1\\n\n"
	"A: dev=189:0\n"
	"H: descriptors=12010002090001406B1D020006050302010109021900010100E0000904000001090000000705810304000C\n"
	"\n"
	"P: /devices/pci0000:00/0000:00:14.0/usb1/1-1\n"
	"N: bus/usb/001/002\n"
	"E: SUBSYSTEM=usb\n"
	"E: DEVTYPE=usb_device\n"
	"E: DEVNAME=/dev/bus/usb/001/002\n"
	"E: BUSNUM=001\n"
	"E: DEVNUM=002\n"
	"A: idVendor=0424\n"
	"A: idProduct=2514\n"
	"A: bDeviceClass=09\n"
	"A: bConfigurationValue=1\\n\n"
	"A: busnum=1\\n\n"
	"A: devnum=2\\n\n"
	"A: speed=480\\n\n"
	"A: maxchild=4\\n\n"
	"A: dev=189:1\n"
	"H: descriptors=120100020900014024041425B30B000000010902190001010" "0E0010904000001090000000705810301000C\n";

struct hubstate {
	GMutex lock;
	int power[NPORTS + 1];
	int stuck;  /* a port that ignores Set/ClearPortFeature (FAKEHUB_STUCK_PORT), 0 = none */
	GString *log;
};

/* answer one setup packet; returns the bytes put into DATA, or -1 to stall */
static int answer(struct hubstate *s, const unsigned char *setup, unsigned char *data, int max)
{
	int type = setup[0], req = setup[1];
	int value = setup[2] | setup[3] << 8, index = setup[4] | setup[5] << 8, len = setup[6] | setup[7] << 8;
	if (len > max)
		len = max;
	if (type == 0xa0 && req == 0x06 && value == 0x2900) {
		static const unsigned char hub_desc[9] = {9, 0x29, NPORTS, 0xe9, 0x00, 0x32, 0x64, 0x00, 0xff};
		int n = len < 9 ? len : 9;
		memcpy(data, hub_desc, (size_t)n);
		return n;
	}
	if (type == 0xa3 && req == 0x00 && value == 0 && index >= 1 && index <= NPORTS && len >= 4) {
		int st = s->power[index] ? 0x0100 : 0;
		data[0] = (unsigned char)(st & 0xff);
		data[1] = (unsigned char)(st >> 8);
		data[2] = data[3] = 0;
		return 4;
	}
	if (type == 0x23 && (req == 0x01 || req == 0x03) && value == 8 && index >= 1 && index <= NPORTS) {
		if (index != s->stuck)
			s->power[index] = req == 0x03;
		return 0;
	}
	return -1;
}

static gboolean on_ioctl(UMockdevIoctlBase *handler, UMockdevIoctlClient *client, gpointer user)
{
	(void)handler;
	struct hubstate *s = user;
	unsigned long request = umockdev_ioctl_client_get_request(client);
	UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg(client);
	GError *err = NULL;

	if (request == USBDEVFS_SUBMITURB) {
		/* the argument is the client's pointer: resolve it to the URB, then the URB's buffer */
		UMockdevIoctlData *urbdata = umockdev_ioctl_data_resolve(arg, 0, sizeof(struct usbdevfs_urb), &err);
		if (!urbdata) {
			fprintf(stderr, "fakehub: cannot read the URB: %s\n", err->message);
			g_clear_error(&err);
			umockdev_ioctl_client_complete(client, -1, EFAULT);
			return TRUE;
		}
		struct usbdevfs_urb *urb = (struct usbdevfs_urb *)urbdata->data;
		if (urb->type != USBDEVFS_URB_TYPE_CONTROL || urb->buffer_length < 8) {
			umockdev_ioctl_client_complete(client, -1, EINVAL);
			return TRUE;
		}
		UMockdevIoctlData *buf = umockdev_ioctl_data_resolve(urbdata, offsetof(struct usbdevfs_urb, buffer),
								      (gsize)urb->buffer_length, &err);
		if (!buf) {
			fprintf(stderr, "fakehub: cannot read the URB buffer: %s\n", err->message);
			g_clear_error(&err);
			umockdev_ioctl_client_complete(client, -1, EFAULT);
			return TRUE;
		}
		unsigned char *b = buf->data;
		g_mutex_lock(&s->lock);
		g_string_append_printf(s->log, "%02x %02x %02x%02x %02x%02x %02x%02x\n", b[0], b[1], b[2], b[3],
				       b[4], b[5], b[6], b[7]);
		int n = answer(s, b, b + 8, urb->buffer_length - 8);
		g_mutex_unlock(&s->lock);
		urb->status = n < 0 ? -EPIPE : 0;
		urb->actual_length = n < 0 ? 0 : n;
		/* the URB is reaped later: keep it with its client */
		g_object_set_data_full(G_OBJECT(client), "pending-urb", g_object_ref(urbdata), g_object_unref);
		umockdev_ioctl_client_complete(client, 0, 0);
		return TRUE;
	}
	if (request == USBDEVFS_REAPURB || request == USBDEVFS_REAPURBNDELAY) {
		UMockdevIoctlData *urb = g_object_get_data(G_OBJECT(client), "pending-urb");
		if (!urb) {
			umockdev_ioctl_client_complete(client, -1, EAGAIN);
			return TRUE;
		}
		/* the argument points to the client's 'struct usbdevfs_urb *': store the URB's address there */
		UMockdevIoctlData *var = umockdev_ioctl_data_resolve(arg, 0, sizeof(void *), &err);
		if (!var) {
			fprintf(stderr, "fakehub: cannot resolve the reap argument: %s\n", err->message);
			g_clear_error(&err);
			umockdev_ioctl_client_complete(client, -1, EFAULT);
			return TRUE;
		}
		umockdev_ioctl_data_set_ptr(var, 0, urb);
		umockdev_ioctl_client_complete(client, 0, 0);
		g_object_set_data(G_OBJECT(client), "pending-urb", NULL);
		return TRUE;
	}
	if (request == USBDEVFS_DISCARDURB) {
		g_object_set_data(G_OBJECT(client), "pending-urb", NULL);
		umockdev_ioctl_client_complete(client, 0, 0);
		return TRUE;
	}
	umockdev_ioctl_client_complete(client, -1, ENOTTY);
	return TRUE;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: umockdev-wrapper fakehub LOG CMD [ARG...]\n");
		return 2;
	}
	struct hubstate s;
	g_mutex_init(&s.lock);
	s.log = g_string_new(NULL);
	for (int i = 0; i <= NPORTS; i++)
		s.power[i] = 1;
	const char *stuck = getenv("FAKEHUB_STUCK_PORT");
	s.stuck = stuck ? atoi(stuck) : 0;

	GError *err = NULL;
	const char *preload = getenv("LD_PRELOAD");
	if (!preload || !strstr(preload, "umockdev")) {
		fprintf(stderr, "fakehub: libumockdev-preload is not loaded: run it under umockdev-wrapper\n");
		return HARNESS_FAIL;
	}
	UMockdevTestbed *tb = umockdev_testbed_new();
	if (!umockdev_testbed_add_from_string(tb, HUB_DEVICE, &err)) {
		fprintf(stderr, "fakehub: cannot add the hub: %s\n", err->message);
		return HARNESS_FAIL;
	}
	UMockdevIoctlBase *h = umockdev_ioctl_base_new();
	g_signal_connect(h, "handle-ioctl", G_CALLBACK(on_ioctl), &s);
	if (!umockdev_testbed_attach_ioctl(tb, "/dev/bus/usb/001/002", h, &err)) {
		fprintf(stderr, "fakehub: cannot attach the ioctl handler: %s\n", err->message);
		return HARNESS_FAIL;
	}

	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		perror("fakehub: fork");
		return HARNESS_FAIL;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		fprintf(stderr, "fakehub: cannot run '%s': %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	int rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);

	g_mutex_lock(&s.lock);
	for (int i = 1; i <= NPORTS; i++)
		g_string_append_printf(s.log, "port %d %s\n", i, s.power[i] ? "on" : "off");
	FILE *f = fopen(argv[1], "w");
	if (!f || fputs(s.log->str, f) == EOF || fclose(f) != 0) {
		fprintf(stderr, "fakehub: cannot write '%s': %s\n", argv[1], strerror(errno));
		rc = HARNESS_FAIL;
	}
	g_mutex_unlock(&s.lock);

	umockdev_testbed_detach_ioctl(tb, "/dev/bus/usb/001/002", NULL);
	g_object_unref(h);
	g_object_unref(tb);
	g_string_free(s.log, TRUE);
	g_mutex_clear(&s.lock);
	return rc;
}
