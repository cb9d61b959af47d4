/* vtentacles: a virtual tentacle bench on a umockdev testbed that answers hub port power like hardware.
 *
 *   umockdev-wrapper vtentacles [--board SHELL-CMD] N -- CMD [ARG...]
 *
 * Builds an octohub 0424:2514 at 1-1 with N tentacles below it (N = 1..9): tentacle K has its hub
 * 0424:2514 at 1-1.K, its infra RP2040 2e8a:0005 (serial e46340474b4c273K, tty ttyACM<K-1>) at 1-1.K.1
 * and a RPI_PICO DUT 2e8a:0005 (serial e6614c311b7e6a0K) with a cdc_acm tty at 1-1.K.3. Every tentacle
 * hub has the sysfs files 1-1.K:1.0/1-1.K-portP/disable (P = 1..4), content "0".
 * Then it runs CMD (which inherits the mock) and watches the port 3 disable files: when one becomes
 * "1" the DUT is unplugged (remove uevents for tty, interface and USB device, children first, then the
 * devices are deleted); when it becomes "0" the DUT comes back with a new device number and a new tty
 * name (umockdev 0.17 cannot create a removed tty node again; kernels may rename too), which sends the
 * add uevents. With --board, a virtual board (SHELL-CMD run by /bin/sh, a MicroPython console on its
 * stdin / stdout, e.g. "node tools/vboard/board-wasm.mjs") lives behind each DUT tty while it is
 * powered: started when the DUT is plugged in, killed when it is unplugged (state lost, as on a board).
 * The harness relays bytes between the tty's pty master and the board, holds the pty's slave side open
 * (so the master never reads EIO between clients) and sets it raw. It prints nothing itself; with
 * VT_LOG=FILE it writes "LOCATION on|off TTY" to FILE for every switch (and "board-exit" when a board
 * process ends by itself). CMD starts with only fds 0-2 open.
 * Exit status: CMD's (125: the harness failed). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <umockdev.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define HARNESS_FAIL 125
#define MAXT 9
#define ROOT "/sys/devices/pci0000:00/0000:00:14.0/usb1"

static UMockdevTestbed *tb;
static char *sys_dir;
static int next_devnum = 2;
static int next_tty;
static FILE *vlog;
static const char *board_cmd; /* --board */

struct tentacle {
	int k;
	int powered;   /* DUT present */
	char tty[32];  /* current DUT tty name */
	int devnum;    /* current DUT device number */
	char disable[512]; /* the real file behind port 3's disable */
	int master;        /* the DUT tty's pty master (the testbed's), -1: no board */
	int slave;         /* our hold on the slave side */
	pid_t board;       /* the virtual board process */
	int to_board, from_board;
};
static struct tentacle ts[MAXT];

static void add_usb_device(GString *s, const char *path, int devnum, const char *vid, const char *pid,
			   const char *cls, const char *serial, const char *extra)
{
	g_string_append_printf(s,
			       "P: %s\nN: bus/usb/001/%03d\nE: SUBSYSTEM=usb\nE: DEVTYPE=usb_device\nE: DRIVER=usb\n"
			       "E: DEVNAME=/dev/bus/usb/001/%03d\nE: BUSNUM=001\nE: DEVNUM=%03d\nE: MAJOR=189\n"
			       "E: MINOR=%d\nE: ID_VENDOR_ID=%s\nE: ID_MODEL_ID=%s\n",
			       path + 4, devnum, devnum, devnum, devnum - 1, vid, pid);
	if (serial)
		g_string_append_printf(s, "E: ID_SERIAL_SHORT=%s\nA: serial=%s\n", serial, serial);
	g_string_append_printf(s,
			       "A: idVendor=%s\nA: idProduct=%s\nA: bDeviceClass=%s\nA: busnum=1\\n\nA: devnum=%d\\n\n"
			       "A: speed=12\\n\nA: dev=189:%d\n%s\n",
			       vid, pid, cls, devnum, devnum - 1, extra ? extra : "");
}

static void add_acm(GString *s, const char *devpath, const char *serial, const char *tty, int minor)
{
	g_string_append_printf(s,
			       "P: %s/%s:1.0\nE: SUBSYSTEM=usb\nE: DEVTYPE=usb_interface\nE: DRIVER=cdc_acm\n"
			       "E: INTERFACE=2/2/0\nA: bInterfaceNumber=00\n\n",
			       devpath + 4, strrchr(devpath, '/') + 1);
	g_string_append_printf(s,
			       "P: %s/%s:1.0/tty/%s\nN: %s\nE: SUBSYSTEM=tty\nE: DEVNAME=/dev/%s\nE: MAJOR=166\n"
			       "E: MINOR=%d\nE: ID_VENDOR_ID=2e8a\nE: ID_MODEL_ID=0005\nE: ID_SERIAL_SHORT=%s\n"
			       "A: dev=166:%d\n\n",
			       devpath + 4, strrchr(devpath, '/') + 1, tty, tty, tty, minor, serial, minor);
}

static void board_stop(struct tentacle *t)
{
	if (t->board > 0) {
		kill(t->board, SIGKILL);
		while (waitpid(t->board, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (t->to_board >= 0)
		close(t->to_board);
	if (t->from_board >= 0)
		close(t->from_board);
	if (t->slave >= 0)
		close(t->slave);
	t->board = 0;
	t->master = t->slave = t->to_board = t->from_board = -1;
}

static int board_start(struct tentacle *t)
{
	char node[48];
	snprintf(node, sizeof node, "/dev/%s", t->tty);
	t->master = umockdev_testbed_get_dev_fd(tb, node);
	if (t->master < 0) {
		fprintf(stderr, "vtentacles: %s has no pty master\n", node);
		return -1;
	}
	struct termios tio;
	if (tcgetattr(t->master, &tio) == 0) {
		cfmakeraw(&tio);
		tcsetattr(t->master, TCSANOW, &tio);
	}
	const char *pts = ptsname(t->master);
	t->slave = pts ? open(pts, O_RDWR | O_NOCTTY | O_CLOEXEC) : -1;
	int in[2], out[2];
	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) {
		perror("vtentacles: pipe");
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		perror("vtentacles: fork");
		return -1;
	}
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		signal(SIGPIPE, SIG_DFL);
		execl("/bin/sh", "sh", "-c", board_cmd, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	t->board = pid;
	t->to_board = in[1];
	t->from_board = out[0];
	return 0;
}

static int write_all(int fd, const char *b, ssize_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, b, (size_t)n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		b += w;
		n -= w;
	}
	return 0;
}

static int add_dut(struct tentacle *t)
{
	char path[128], serial[32];
	snprintf(path, sizeof path, ROOT "/1-1/1-1.%d/1-1.%d.3", t->k, t->k);
	snprintf(serial, sizeof serial, "e6614c311b7e6a0%d", t->k);
	t->devnum = next_devnum++;
	int minor = next_tty++;
	snprintf(t->tty, sizeof t->tty, "ttyACM%d", minor);
	GString *s = g_string_new(NULL);
	add_usb_device(s, path, t->devnum, "2e8a", "0005", "ef", serial, "A: product=Board in FS mode\n");
	add_acm(s, path, serial, t->tty, minor);
	GError *err = NULL;
	int ok = umockdev_testbed_add_from_string(tb, s->str, &err);
	g_string_free(s, TRUE);
	if (!ok) {
		fprintf(stderr, "vtentacles: cannot add the DUT of 1-1.%d: %s\n", t->k, err ? err->message : "?");
		g_clear_error(&err);
		return -1;
	}
	t->powered = 1;
	return board_cmd ? board_start(t) : 0;
}

static void remove_dut(struct tentacle *t)
{
	char dev[128], itf[160], tty[224];
	snprintf(dev, sizeof dev, ROOT "/1-1/1-1.%d/1-1.%d.3", t->k, t->k);
	snprintf(itf, sizeof itf, "%s/1-1.%d.3:1.0", dev, t->k);
	snprintf(tty, sizeof tty, "%s/tty/%s", itf, t->tty);
	board_stop(t);
	const char *order[] = {tty, itf, dev};
	for (int i = 0; i < 3; i++) /* the uevents while the devices still exist, children first */
		umockdev_testbed_uevent(tb, order[i], "remove");
	for (int i = 0; i < 3; i++)
		umockdev_testbed_remove_device(tb, order[i]);
	t->powered = 0;
}

static int build(int n)
{
	GString *s = g_string_new(NULL);
	add_usb_device(s, ROOT, 1, "1d6b", "0002", "09", NULL, "A: maxchild=1\\n\n");
	char path[128], extra[512], serial[32], itf[160];
	snprintf(path, sizeof path, ROOT "/1-1");
	snprintf(extra, sizeof extra, "A: maxchild=%d\\n\n", n);
	add_usb_device(s, path, next_devnum++, "0424", "2514", "09", NULL, extra);
	g_string_append(s, "P: /devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0\nE: SUBSYSTEM=usb\n"
			   "E: DEVTYPE=usb_interface\nE: DRIVER=hub\nE: INTERFACE=9/0/0\nA: bInterfaceNumber=00\n\n");
	for (int k = 1; k <= n; k++) {
		snprintf(path, sizeof path, ROOT "/1-1/1-1.%d", k);
		int e = 0;
		e += snprintf(extra + e, sizeof extra - (size_t)e, "A: maxchild=4\\n\nA: product=USB2514B\n");
		for (int p = 1; p <= 4; p++)
			e += snprintf(extra + e, sizeof extra - (size_t)e, "A: 1-1.%d:1.0/1-1.%d-port%d/disable=0\\n\n", k,
				      k, p);
		add_usb_device(s, path, next_devnum++, "0424", "2514", "09", NULL, extra);
		snprintf(itf, sizeof itf, "%s/1-1.%d:1.0", path + 4, k);
		g_string_append_printf(s, "P: %s\nE: SUBSYSTEM=usb\nE: DEVTYPE=usb_interface\nE: DRIVER=hub\n"
					  "E: INTERFACE=9/0/0\nA: bInterfaceNumber=00\n\n", itf);
		snprintf(path, sizeof path, ROOT "/1-1/1-1.%d/1-1.%d.1", k, k);
		snprintf(serial, sizeof serial, "e46340474b4c273%d", k);
		add_usb_device(s, path, next_devnum++, "2e8a", "0005", "ef", serial, "A: product=Board in FS mode\n");
		char tty[32];
		int minor = next_tty++;
		snprintf(tty, sizeof tty, "ttyACM%d", minor);
		add_acm(s, path, serial, tty, minor);
	}
	GError *err = NULL;
	int ok = umockdev_testbed_add_from_string(tb, s->str, &err);
	g_string_free(s, TRUE);
	if (!ok) {
		fprintf(stderr, "vtentacles: cannot build the bench: %s\n", err ? err->message : "?");
		g_clear_error(&err);
		return -1;
	}
	for (int k = 1; k <= n; k++) {
		struct tentacle *t = &ts[k - 1];
		t->k = k;
		t->master = t->slave = t->to_board = t->from_board = -1;
		snprintf(t->disable, sizeof t->disable, "%s/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1.%d/1-1.%d:1.0/"
			 "1-1.%d-port3/disable", sys_dir, k, k, k);
		if (add_dut(t) != 0)
			return -1;
	}
	return 0;
}

/* the port 3 state asked for: 1 powered, 0 off, -1 unreadable */
static int port_on(const struct tentacle *t)
{
	FILE *f = fopen(t->disable, "r");
	if (!f)
		return -1;
	int c = fgetc(f);
	fclose(f);
	return c == '1' ? 0 : c == '0' ? 1 : -1;
}

int main(int argc, char **argv)
{
	char *end = NULL;
	const char *prog = argv[0];
	if (argc > 2 && strcmp(argv[1], "--board") == 0) {
		board_cmd = argv[2];
		argc -= 2;
		argv += 2;
	}
	long n = argc > 1 ? strtol(argv[1], &end, 10) : 0;
	if (argc < 4 || !end || *end || n < 1 || n > MAXT || strcmp(argv[2], "--") != 0) {
		fprintf(stderr, "usage: umockdev-wrapper %s [--board SHELL-CMD] N -- CMD [ARG...]   (N tentacles, 1..%d)\n",
			prog, MAXT);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	const char *logname = getenv("VT_LOG");
	if (logname && !(vlog = fopen(logname, "w"))) {
		fprintf(stderr, "vtentacles: cannot write '%s': %s\n", logname, strerror(errno));
		return HARNESS_FAIL;
	}
	tb = umockdev_testbed_new();
	sys_dir = umockdev_testbed_get_sys_dir(tb);
	if (build((int)n) != 0)
		return HARNESS_FAIL;
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		perror("vtentacles: fork");
		return HARNESS_FAIL;
	}
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		/* not the testbed's pty masters: CMD starts with only 0, 1 and 2 open, so the fd numbers its
		 * processes get are the same every run (see tentacle-bench.sh on umockdev's event<fd> sockets) */
		for (int fd = 3; fd < 4096; fd++)
			close(fd);
		execvp(argv[3], argv + 3);
		fprintf(stderr, "vtentacles: cannot run '%s': %s\n", argv[3], strerror(errno));
		_exit(127);
	}
	int status = 0, rc = 0;
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			perror("vtentacles: waitpid");
			rc = HARNESS_FAIL;
			break;
		}
		for (int i = 0; i < n && rc == 0; i++) {
			struct tentacle *t = &ts[i];
			int on = port_on(t);
			if (on == 0 && t->powered) {
				if (vlog)
					fprintf(vlog, "1-1.%d.3 off %s\n", t->k, t->tty);
				remove_dut(t);
			} else if (on == 1 && !t->powered) {
				if (add_dut(t) != 0)
					rc = HARNESS_FAIL;
				else if (vlog)
					fprintf(vlog, "1-1.%d.3 on %s\n", t->k, t->tty);
			}
			if (vlog)
				fflush(vlog);
		}
		if (rc)
			break;
		/* relay between the DUT ttys and their boards; at most 10 ms between looks at the switches */
		struct pollfd pf[2 * MAXT];
		struct tentacle *owner[2 * MAXT];
		int np = 0;
		for (int i = 0; i < n; i++)
			if (ts[i].board > 0) {
				pf[np] = (struct pollfd){ts[i].master, POLLIN, 0};
				owner[np++] = &ts[i];
				pf[np] = (struct pollfd){ts[i].from_board, POLLIN, 0};
				owner[np++] = &ts[i];
			}
		if (np == 0) {
			struct timespec ts10 = {0, 10 * 1000000L};
			nanosleep(&ts10, NULL);
			continue;
		}
		if (poll(pf, (nfds_t)np, 10) <= 0)
			continue;
		for (int j = 0; j < np; j++) {
			struct tentacle *t = owner[j];
			if (!(pf[j].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			char buf[4096];
			if (t->board <= 0)
				continue; /* stopped below, for its other fd */
			ssize_t r = read(pf[j].fd, buf, sizeof buf);
			if (r == 0 && j % 2 == 1) { /* the board process ended: a dead board, its tty stays */
				if (vlog)
					fprintf(vlog, "1-1.%d.3 board-exit %s\n", t->k, t->tty);
				board_stop(t);
				continue;
			}
			if (r <= 0)
				continue; /* EIO on the master: nobody has the tty open (we hold it: should not happen) */
			int to = (j % 2 == 0) ? t->to_board : t->master;
			if (write_all(to, buf, r) != 0 && vlog)
				fprintf(vlog, "1-1.%d.3 relay error %s\n", t->k, strerror(errno));
		}
	}
	for (int i = 0; i < n; i++)
		board_stop(&ts[i]);
	if (rc) {
		kill(pid, SIGTERM);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	if (vlog)
		fclose(vlog);
	g_free(sys_dir);
	g_object_unref(tb);
	if (rc)
		return rc;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}
