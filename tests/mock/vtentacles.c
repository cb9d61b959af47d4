/* vtentacles: a virtual tentacle bench on a umockdev testbed that answers hub port power like hardware.
 *
 *   umockdev-wrapper vtentacles [--board SHELL-CMD] [--dut K=SPEC]... [--hw K=N]... [--flash K=FILE]...
 *                               N -- CMD [ARG...]
 *
 * Builds an octohub 0424:2514 at 1-1 with N tentacles below it (N = 1..9): tentacle K has its hub
 * 0424:2514 at 1-1.K, its infra RP2040 2e8a:0005 (serial e46340474b4c273K, tty ttyACM<K-1>) at 1-1.K.1
 * and a DUT at 1-1.K.3, by default a RPI_PICO 2e8a:0005 (serial e6614c311b7e6a0K) with a cdc_acm tty.
 * Every tentacle hub has the sysfs files 1-1.K:1.0/1-1.K-portP/disable (P = 1..4), content "0".
 * Then it runs CMD (which inherits the mock) and watches the port 3 disable files: when one becomes
 * "1" the DUT is unplugged (remove uevents children first, then the devices are deleted); when it becomes
 * "0" the DUT comes back with a new device number and a new tty name (umockdev 0.17 cannot create a
 * removed tty node again; kernels may rename too), which sends the add uevents. With --board, a virtual
 * board (SHELL-CMD run by /bin/sh, a MicroPython console on its stdin / stdout, e.g. "node
 * tools/vboard/board-wasm.mjs") lives behind each application DUT tty while it is powered: started when
 * the DUT is plugged in, killed when it is unplugged (state lost, as on a board). The harness relays
 * bytes between the tty's pty master and the board, holds the pty's slave side open (so the master never
 * reads EIO between clients) and sets it raw. CMD starts with only fds 0-2 open.
 *
 * Infra MCU: behind each infra tty an emulator answers the raw REPL (enter, exec in plain raw mode:
 * raw-paste is refused, soft reset, leave) and runs exactly the snippets of tools/lib/infra.c: set a GPIO,
 * read the hardware version (--hw K=N, default 0), pulse a relay (the durations are honoured with
 * timers, the answer comes when the pulse is over). Any other code gets a NameError traceback. GPIOs start
 * at 0, except GPIO23 (DUT power on v0.5+) at 1. With --hw K=N, N >= 1, the DUT is powered only while
 * port 3 is on and GPIO23 is 1; with N = 0 port 3 alone decides.
 *
 * Boot mode: --dut K=APP/BOOT/KIND[/ENTRY] gives tentacle K's DUT its application VID:PID (always a tty)
 * and its boot-mode device: BOOT a VID:PID, KIND usb (a usb_device only, serial BOOT000K), tty (usb_device,
 * cdc_acm interface and tty, serial BOOT000K), bind (usb_device, serial BOOT000K, its add uevent followed
 * by a "bind" uevent, as for a Teensy) or app (BOOT is "-": boot mode is the application tty itself, with
 * no board running behind it). ENTRY hold (default): boot mode when the DUT is powered on while relay 1
 * (infra GPIO1) is closed; pulse: relay 1 closed at least twice (less than 1 s between closings) while
 * the application runs -> when it opens again, the application device goes and the boot device comes.
 * Boot mode lasts until the DUT loses power. Every boot device gets a new device number / tty name.
 *
 * VT_STATE=DIR (created if missing): DIR/flash-K is the firmware written into K's DUT; when it exists the
 * board command runs with VT_FIRMWARE=DIR/flash-K (absolute), else without VT_FIRMWARE. --flash K=FILE
 * copies FILE to DIR/flash-K at start (needs VT_STATE). DIR/boot-K exists exactly while K's DUT is in boot
 * mode (written atomically), one line:
 *   usb BUSNUM DEVNUM SERIAL VID:PID KIND      (KIND usb or bind; numbers in decimal)
 *   tty /dev/ttyACMn SERIAL VID:PID KIND       (KIND tty or app)
 *
 * VT_LOG=FILE: one line per event, in the order they happened:
 *   1-1.K.3 on|off NAME        the DUT got / lost power (NAME: its tty name, "-" for a usb-only device)
 *   1-1.K.3 board-exit TTY     a board process ended by itself
 *   1-1.K.3 boot add DEVNODE   the boot-mode device appeared (after "on", or after a relay pulse)
 *   1-1.K.3 boot remove        it went (after "off")
 *   1-1.K.3 relay N press|release          relay N (GPIO N, N = 1..7) set through the infra
 *   1-1.K.3 relay N pulse MS,MS,...        a pulse of relay N started
 *   1-1.K.1 gpio N V                       another GPIO set (e.g. GPIO23)
 * Exit status: CMD's (125: the harness failed, 2: usage). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <umockdev.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define HARNESS_FAIL 125
#define MAXT 9
#define NGPIO 30
#define ROOT "/sys/devices/pci0000:00/0000:00:14.0/usb1"
#define RAW_BANNER "raw REPL; CTRL-B to exit\r\n>"
#define FRIENDLY_BANNER "MicroPython v1.27.0 on 2025-12-10; vtentacles infra with RP2040\r\n" \
			"Type \"help()\" for more information.\r\n>>> "
#define DOUBLE_TAP_MS 1000

static UMockdevTestbed *tb;
static char *sys_dir;
static int next_devnum = 2;
static int next_tty;
static FILE *vlog;
static const char *board_cmd; /* --board */
static char *state_dir;       /* VT_STATE, absolute */

enum kind { KIND_NONE, KIND_USB, KIND_TTY, KIND_BIND, KIND_APP };
static const char *kind_names[] = {"none", "usb", "tty", "bind", "app"};

struct text {
	char *p;
	size_t len, cap;
};

/* the infra MCU emulator of one tentacle */
struct infra {
	int master, slave;
	int raw;         /* raw REPL (else the friendly one) */
	struct text line; /* code received in raw mode */
	struct text pend; /* bytes read but not taken yet (they wait while a pulse runs) */
	size_t pend_off;
	int gpio[NGPIO];
	/* a running pulse: pin, durations, next phase, when it ends */
	int pulsing, pulse_pin;
	long *pulse;
	size_t npulse, ipulse;
	int64_t deadline;
};

struct tentacle {
	int k;
	/* --dut */
	char app_vid[8], app_pid[8], boot_vid[8], boot_pid[8];
	enum kind kind;
	int pulse_entry;
	int hw;            /* --hw */
	int powered;       /* DUT present */
	int boot;          /* the present device is the boot-mode one */
	int has_tty;       /* the present device has an interface and a tty */
	char tty[32];      /* its tty name */
	int devnum;        /* its device number */
	char disable[512]; /* the real file behind port 3's disable */
	int master;        /* the DUT tty's pty master (the testbed's), -1: no board */
	int slave;         /* our hold on the slave side */
	pid_t board;       /* the virtual board process */
	int to_board, from_board;
	int closes;           /* relay 1 closings in a row, for the pulse entry */
	int64_t last_close;   /* when relay 1 last closed */
	struct infra in;
};
static struct tentacle ts[MAXT];

static int64_t now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
	if (!vlog)
		return;
	va_list ap;
	va_start(ap, fmt);
	vfprintf(vlog, fmt, ap);
	va_end(ap);
	fputc('\n', vlog);
	fflush(vlog);
}

static void text_add(struct text *t, const char *p, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 256;
		while (cap < t->len + n + 1)
			cap *= 2;
		char *q = realloc(t->p, cap);
		if (!q) {
			fprintf(stderr, "vtentacles: out of memory\n");
			exit(HARNESS_FAIL);
		}
		t->p = q;
		t->cap = cap;
	}
	memcpy(t->p + t->len, p, n);
	t->len += n;
	t->p[t->len] = 0;
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

/* a pty master of the testbed, set raw, its slave side held open; -1 after a message */
static int pty_take(const char *node, int *slave)
{
	int master = umockdev_testbed_get_dev_fd(tb, node);
	if (master < 0) {
		fprintf(stderr, "vtentacles: %s has no pty master\n", node);
		return -1;
	}
	struct termios tio;
	if (tcgetattr(master, &tio) == 0) {
		cfmakeraw(&tio);
		tcsetattr(master, TCSANOW, &tio);
	}
	const char *pts = ptsname(master);
	*slave = pts ? open(pts, O_RDWR | O_NOCTTY | O_CLOEXEC) : -1;
	return master;
}

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

static void add_acm(GString *s, const char *devpath, const char *vid, const char *pid, const char *serial,
		    const char *tty, int minor)
{
	g_string_append_printf(s,
			       "P: %s/%s:1.0\nE: SUBSYSTEM=usb\nE: DEVTYPE=usb_interface\nE: DRIVER=cdc_acm\n"
			       "E: INTERFACE=2/2/0\nA: bInterfaceNumber=00\n\n",
			       devpath + 4, strrchr(devpath, '/') + 1);
	g_string_append_printf(s,
			       "P: %s/%s:1.0/tty/%s\nN: %s\nE: SUBSYSTEM=tty\nE: DEVNAME=/dev/%s\nE: MAJOR=166\n"
			       "E: MINOR=%d\nE: ID_VENDOR_ID=%s\nE: ID_MODEL_ID=%s\nE: ID_SERIAL_SHORT=%s\n"
			       "A: dev=166:%d\n\n",
			       devpath + 4, strrchr(devpath, '/') + 1, tty, tty, tty, minor, vid, pid, serial, minor);
}

static void board_stop(struct tentacle *t)
{
	if (t->board > 0) {
		kill(-t->board, SIGKILL);
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

/* the environment of a board: ours without VT_FIRMWARE, plus VT_FIRMWARE=DIR/flash-K when it exists
 * (built before fork: the testbed has threads, so the child only calls exec) */
static char **board_env(const struct tentacle *t)
{
	size_t n = 0;
	while (environ[n])
		n++;
	char **env = calloc(n + 2, sizeof *env);
	if (!env)
		return NULL;
	size_t j = 0;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "VT_FIRMWARE=", 12) != 0)
			env[j++] = environ[i];
	if (state_dir) {
		char *fw = g_strdup_printf("%s/flash-%d", state_dir, t->k);
		if (access(fw, F_OK) == 0)
			env[j++] = g_strdup_printf("VT_FIRMWARE=%s", fw);
		g_free(fw);
	}
	env[j] = NULL;
	return env;
}

static int board_start(struct tentacle *t)
{
	char node[48];
	snprintf(node, sizeof node, "/dev/%s", t->tty);
	if ((t->master = pty_take(node, &t->slave)) < 0)
		return -1;
	int in[2], out[2];
	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) {
		perror("vtentacles: pipe");
		return -1;
	}
	char **env = board_env(t);
	if (!env) {
		fprintf(stderr, "vtentacles: out of memory\n");
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
		/* its own process group, so that board_stop ends whatever it started (sh -c may fork); none
		 * of the testbed's fds (the other ttys' pty masters) */
		setpgid(0, 0);
		for (int fd = 3; fd < 4096; fd++)
			close(fd);
		signal(SIGPIPE, SIG_DFL);
		execle("/bin/sh", "sh", "-c", board_cmd, (char *)NULL, env);
		_exit(127);
	}
	setpgid(pid, pid); /* also here: board_stop may come before the child ran */
	/* the one entry we allocated is the last, if any */
	for (size_t i = 0; env[i]; i++)
		if (strncmp(env[i], "VT_FIRMWARE=", 12) == 0)
			g_free(env[i]);
	free(env);
	close(in[0]);
	close(out[1]);
	t->board = pid;
	t->to_board = in[1];
	t->from_board = out[0];
	return 0;
}

static void dut_path(const struct tentacle *t, char *p, size_t n)
{
	snprintf(p, n, ROOT "/1-1/1-1.%d/1-1.%d.3", t->k, t->k);
}

/* write or remove DIR/boot-K */
static int boot_file(const struct tentacle *t, int present)
{
	if (!state_dir)
		return 0;
	char *name = g_strdup_printf("%s/boot-%d", state_dir, t->k);
	int rc = 0;
	if (!present) {
		if (unlink(name) != 0 && errno != ENOENT) {
			fprintf(stderr, "vtentacles: cannot remove %s: %s\n", name, strerror(errno));
			rc = -1;
		}
		g_free(name);
		return rc;
	}
	char *tmpname = g_strdup_printf("%s.tmp", name);
	const char *vid = t->kind == KIND_APP ? t->app_vid : t->boot_vid;
	const char *pid = t->kind == KIND_APP ? t->app_pid : t->boot_pid;
	FILE *f = fopen(tmpname, "w");
	if (f) {
		if (t->has_tty)
			fprintf(f, "tty /dev/%s ", t->tty);
		else
			fprintf(f, "usb 1 %d ", t->devnum);
		if (t->kind == KIND_APP)
			fprintf(f, "e6614c311b7e6a0%d", t->k);
		else
			fprintf(f, "BOOT000%d", t->k);
		fprintf(f, " %s:%s %s\n", vid, pid, kind_names[t->kind]);
	}
	if (!f || fclose(f) != 0 || rename(tmpname, name) != 0) {
		fprintf(stderr, "vtentacles: cannot write %s: %s\n", name, strerror(errno));
		rc = -1;
	}
	g_free(tmpname);
	g_free(name);
	return rc;
}

/* plug in the DUT's application device (boot = 0) or its boot-mode device */
static int add_dut(struct tentacle *t, int boot)
{
	char path[128], serial[32];
	dut_path(t, path, sizeof path);
	int app = !boot || t->kind == KIND_APP;
	if (app)
		snprintf(serial, sizeof serial, "e6614c311b7e6a0%d", t->k);
	else
		snprintf(serial, sizeof serial, "BOOT000%d", t->k);
	const char *vid = app ? t->app_vid : t->boot_vid, *pid = app ? t->app_pid : t->boot_pid;
	t->devnum = next_devnum++;
	t->boot = boot;
	t->has_tty = app || t->kind == KIND_TTY;
	t->tty[0] = 0;
	GString *s = g_string_new(NULL);
	add_usb_device(s, path, t->devnum, vid, pid, t->has_tty ? "ef" : "00", serial,
		       app ? "A: product=Board in FS mode\n" : "A: product=Board in boot mode\n");
	if (t->has_tty) {
		int minor = next_tty++;
		snprintf(t->tty, sizeof t->tty, "ttyACM%d", minor);
		add_acm(s, path, vid, pid, serial, t->tty, minor);
	}
	GError *err = NULL;
	int ok = umockdev_testbed_add_from_string(tb, s->str, &err);
	g_string_free(s, TRUE);
	if (!ok) {
		fprintf(stderr, "vtentacles: cannot add the DUT of 1-1.%d: %s\n", t->k, err ? err->message : "?");
		g_clear_error(&err);
		return -1;
	}
	/* a Teensy in boot mode is announced by "bind" (HalfKay has no driver that binds at add) */
	if (boot && t->kind == KIND_BIND)
		umockdev_testbed_uevent(tb, path, "bind");
	t->powered = 1;
	t->closes = 0;
	if (boot)
		return boot_file(t, 1);
	return board_cmd ? board_start(t) : 0;
}

static void remove_dut(struct tentacle *t)
{
	char dev[128], itf[160], tty[224];
	dut_path(t, dev, sizeof dev);
	snprintf(itf, sizeof itf, "%s/1-1.%d.3:1.0", dev, t->k);
	snprintf(tty, sizeof tty, "%s/tty/%s", itf, t->tty);
	board_stop(t);
	const char *all[] = {tty, itf, dev};
	const char **order = t->has_tty ? all : all + 2;
	int n = t->has_tty ? 3 : 1;
	for (int i = 0; i < n; i++) /* the uevents while the devices still exist, children first */
		umockdev_testbed_uevent(tb, order[i], "remove");
	for (int i = 0; i < n; i++)
		umockdev_testbed_remove_device(tb, order[i]);
	if (t->boot)
		boot_file(t, 0);
	t->powered = 0;
	t->boot = 0;
}

static const char *devnode(const struct tentacle *t, char *b, size_t n)
{
	if (t->has_tty)
		snprintf(b, n, "/dev/%s", t->tty);
	else
		snprintf(b, n, "/dev/bus/usb/001/%03d", t->devnum);
	return b;
}

/* power the DUT according to port 3 (on: 1 / off: 0) and GPIO23; 0 or -1 (harness failure) */
static int apply_power(struct tentacle *t, int port)
{
	int want = port == 1 && (t->hw == 0 || t->in.gpio[23]);
	char node[48];
	if (!want && t->powered) {
		logf_("1-1.%d.3 off %s", t->k, t->has_tty ? t->tty : "-");
		if (t->boot)
			logf_("1-1.%d.3 boot remove", t->k);
		remove_dut(t);
	} else if (want && !t->powered) {
		int boot = t->kind != KIND_NONE && !t->pulse_entry && t->in.gpio[1];
		if (add_dut(t, boot) != 0)
			return -1;
		logf_("1-1.%d.3 on %s", t->k, t->has_tty ? t->tty : "-");
		if (boot)
			logf_("1-1.%d.3 boot add %s", t->k, devnode(t, node, sizeof node));
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

/* a GPIO of the infra changes: relay 1 drives the DUT's boot entry, GPIO23 its power on v0.5+ */
static int set_gpio(struct tentacle *t, int pin, int v)
{
	int old = t->in.gpio[pin];
	t->in.gpio[pin] = v;
	if (pin == 1 && old != v && t->powered && !t->boot && t->pulse_entry && t->kind != KIND_NONE) {
		int64_t now = now_ms();
		if (v) {
			t->closes = now - t->last_close <= DOUBLE_TAP_MS ? t->closes + 1 : 1;
			t->last_close = now;
		} else if (t->closes >= 2) {
			/* the bootloader takes over: the application leaves the bus, the boot device comes */
			char node[48];
			remove_dut(t);
			if (add_dut(t, 1) != 0)
				return -1;
			logf_("1-1.%d.3 boot add %s", t->k, devnode(t, node, sizeof node));
		}
	}
	if (pin == 23 && old != v && t->hw >= 1) {
		int port = port_on(t);
		if (port >= 0)
			return apply_power(t, port);
	}
	return 0;
}

static void infra_send(struct tentacle *t, const char *s, size_t n)
{
	if (write_all(t->in.master, s, (ssize_t)n) != 0)
		logf_("1-1.%d.1 infra write error %s", t->k, strerror(errno));
}
#define INFRA_SAY(t, lit) infra_send((t), (lit), sizeof(lit) - 1)

static void traceback(struct tentacle *t, const char *code)
{
	size_t n = strspn(code, " \t\r\n");
	size_t id = strspn(code + n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789");
	char *msg;
	if (id)
		msg = g_strdup_printf("Traceback (most recent call last):\r\n  File \"<stdin>\", line 1, in <module>\r\n"
				      "NameError: name '%.*s' isn't defined\r\n", (int)(id > 40 ? 40 : id), code + n);
	else
		msg = g_strdup("Traceback (most recent call last):\r\n  File \"<stdin>\", line 1\r\n"
			       "SyntaxError: invalid syntax\r\n");
	INFRA_SAY(t, "\x04");
	infra_send(t, msg, strlen(msg));
	INFRA_SAY(t, "\x04>");
	g_free(msg);
}

static const char HW_CODE[] = "from machine import Pin\n"
			      "v = 0\n"
			      "for g in range(29, 24, -1):\n"
			      "    v = v * 2 + Pin(g, Pin.IN, Pin.PULL_DOWN).value()\n"
			      "print(v)\n";

/* the pulse snippet of infra_relay_pulse: 1 and the pin and durations (malloc'ed) when CODE is it */
static int parse_pulse(const char *code, int *pin, long **ms, size_t *n)
{
	int off = 0;
	if (sscanf(code, "from machine import Pin\nimport time\np = Pin(%d, Pin.OUT)\nfor i, t in enumerate((%n",
		   pin, &off) != 1 || off == 0)
		return 0;
	const char *p = code + off;
	*ms = NULL;
	*n = 0;
	while (*p >= '0' && *p <= '9') {
		char *end;
		long v = strtol(p, &end, 10);
		if (*end != ',' || v < 0 || v > 600000)
			break;
		long *m = realloc(*ms, (*n + 1) * sizeof *m);
		if (!m)
			break;
		*ms = m;
		(*ms)[(*n)++] = v;
		p = end + 1;
	}
	/* the exact snippet, rebuilt from what was parsed */
	GString *want = g_string_new(NULL);
	g_string_append_printf(want, "from machine import Pin\nimport time\np = Pin(%d, Pin.OUT)\nfor i, t in enumerate((",
			       *pin);
	for (size_t i = 0; i < *n; i++)
		g_string_append_printf(want, "%ld,", (*ms)[i]);
	g_string_append(want, ")):\n    p.value(1 - i % 2)\n    time.sleep_ms(t)\np.value(0)\n");
	int same = strcmp(want->str, code) == 0 && *pin >= 0 && *pin < NGPIO && *n > 0;
	g_string_free(want, TRUE);
	if (!same) {
		free(*ms);
		*ms = NULL;
	}
	return same;
}

/* the next phase of a running pulse, when its time has come; the answer once it is over */
static int pulse_step(struct tentacle *t)
{
	struct infra *in = &t->in;
	while (in->pulsing && now_ms() >= in->deadline) {
		if (in->ipulse < in->npulse) {
			if (set_gpio(t, in->pulse_pin, 1 - (int)(in->ipulse % 2)) != 0)
				return -1;
			in->deadline += in->pulse[in->ipulse++];
		} else {
			in->pulsing = 0;
			free(in->pulse);
			in->pulse = NULL;
			if (set_gpio(t, in->pulse_pin, 0) != 0)
				return -1;
			INFRA_SAY(t, "\x04\x04>");
		}
	}
	return 0;
}

static int infra_exec(struct tentacle *t, const char *code)
{
	INFRA_SAY(t, "OK");
	int pin = -1, v = -1, off = 0;
	long *ms;
	size_t n;
	if (sscanf(code, "from machine import Pin\nPin(%d, Pin.OUT).value(%d)\n%n", &pin, &v, &off) == 2 && off > 0 &&
	    pin >= 0 && pin < NGPIO && (v == 0 || v == 1)) {
		char want[96];
		snprintf(want, sizeof want, "from machine import Pin\nPin(%d, Pin.OUT).value(%d)\n", pin, v);
		if (strcmp(want, code) == 0) {
			if (pin >= 1 && pin <= 7)
				logf_("1-1.%d.3 relay %d %s", t->k, pin, v ? "press" : "release");
			else
				logf_("1-1.%d.1 gpio %d %d", t->k, pin, v);
			if (set_gpio(t, pin, v) != 0)
				return -1;
			INFRA_SAY(t, "\x04\x04>");
			return 0;
		}
	}
	if (strcmp(code, HW_CODE) == 0) {
		char out[32];
		int len = snprintf(out, sizeof out, "%d\r\n\x04\x04>", t->hw);
		infra_send(t, out, (size_t)len);
		return 0;
	}
	if (parse_pulse(code, &pin, &ms, &n)) {
		GString *l = g_string_new(NULL);
		for (size_t i = 0; i < n; i++)
			g_string_append_printf(l, "%s%ld", i ? "," : "", ms[i]);
		if (pin >= 1 && pin <= 7)
			logf_("1-1.%d.3 relay %d pulse %s", t->k, pin, l->str);
		else
			logf_("1-1.%d.1 gpio %d pulse %s", t->k, pin, l->str);
		g_string_free(l, TRUE);
		struct infra *in = &t->in;
		in->pulsing = 1;
		in->pulse_pin = pin;
		in->pulse = ms;
		in->npulse = n;
		in->ipulse = 0;
		in->deadline = now_ms();
		return pulse_step(t);
	}
	if (code[strspn(code, " \t\r\n")] == 0) {
		INFRA_SAY(t, "\x04\x04>");
		return 0;
	}
	traceback(t, code);
	return 0;
}

/* bytes from the infra's tty: the raw REPL protocol, one byte at a time */
static int infra_input(struct tentacle *t, const char *b, size_t n)
{
	struct infra *in = &t->in;
	for (size_t i = 0; i < n; i++) {
		char c = b[i];
		if (!in->raw) {
			if (c == 0x01) {
				in->raw = 1;
				in->line.len = 0;
				INFRA_SAY(t, "\r\n" RAW_BANNER);
			} else if (c == '\r' || c == 0x03) {
				INFRA_SAY(t, "\r\n>>> ");
			} else if (c == 0x02) {
				INFRA_SAY(t, "\r\n" FRIENDLY_BANNER);
			} else if (c == 0x04) {
				INFRA_SAY(t, "\r\nMPY: soft reboot\r\n" FRIENDLY_BANNER);
			} else {
				infra_send(t, &c, 1); /* echo */
			}
			continue;
		}
		if (c == 0x01) {
			if (in->line.len == 2 && memcmp(in->line.p, "\x05" "A", 2) == 0)
				INFRA_SAY(t, "R\x00"); /* raw-paste refused */
			else
				INFRA_SAY(t, RAW_BANNER);
			in->line.len = 0;
		} else if (c == 0x02) {
			in->raw = 0;
			INFRA_SAY(t, "\r\n" FRIENDLY_BANNER);
		} else if (c == 0x03) {
			in->line.len = 0;
		} else if (c == 0x04) {
			if (in->line.len == 0) {
				INFRA_SAY(t, "OK\r\nMPY: soft reboot\r\n" RAW_BANNER);
				continue;
			}
			text_add(&in->line, "", 0);
			char *code = g_strndup(in->line.p, in->line.len);
			in->line.len = 0;
			int rc = infra_exec(t, code);
			g_free(code);
			if (rc != 0)
				return -1;
			/* a pulse runs: the rest waits until it is over, as on the MCU */
			if (in->pulsing)
				return (int)(i + 1);
		} else {
			text_add(&in->line, &c, 1);
		}
	}
	return (int)n;
}

/* take the bytes read from the infra's tty, up to a pulse that starts */
static int infra_feed(struct tentacle *t)
{
	struct infra *in = &t->in;
	/* a port switched just before this code was sent comes first, as it did for the tool */
	int port = port_on(t);
	if (port >= 0 && in->pend_off < in->pend.len && apply_power(t, port) != 0)
		return -1;
	while (!in->pulsing && in->pend_off < in->pend.len) {
		int used = infra_input(t, in->pend.p + in->pend_off, in->pend.len - in->pend_off);
		if (used < 0)
			return -1;
		in->pend_off += (size_t)used;
	}
	if (in->pend_off == in->pend.len)
		in->pend.len = in->pend_off = 0;
	return 0;
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
		add_acm(s, path, "2e8a", "0005", serial, tty, minor);
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
		snprintf(t->disable, sizeof t->disable, "%s/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1.%d/1-1.%d:1.0/"
			 "1-1.%d-port3/disable", sys_dir, k, k, k);
		char node[32];
		snprintf(node, sizeof node, "/dev/ttyACM%d", k - 1);
		if ((t->in.master = pty_take(node, &t->in.slave)) < 0)
			return -1;
		if (boot_file(t, 0) != 0)
			return -1;
	}
	for (int k = 1; k <= n; k++)
		if (add_dut(&ts[k - 1], 0) != 0)
			return -1;
	return 0;
}

static int parse_vidpid(const char *s, size_t len, char *vid, char *pid)
{
	if (len != 9 || s[4] != ':' || strspn(s, "0123456789abcdef") != 4 || strspn(s + 5, "0123456789abcdef") < 4)
		return -1;
	memcpy(vid, s, 4);
	vid[4] = 0;
	memcpy(pid, s + 5, 4);
	pid[4] = 0;
	return 0;
}

/* K=... of --dut, --hw, --flash: the tentacle number and the rest; -1 after a message */
static int option_k(const char *opt, const char *arg, const char **rest)
{
	if (arg[0] < '1' || arg[0] > '0' + MAXT || arg[1] != '=') {
		fprintf(stderr, "vtentacles: invalid value for %s: '%s' (K=..., K = 1..%d)\n", opt, arg, MAXT);
		return -1;
	}
	*rest = arg + 2;
	return arg[0] - '0';
}

static int parse_dut(struct tentacle *t, const char *spec)
{
	/* APP/BOOT/KIND[/ENTRY] */
	char *copy = g_strdup(spec), *part[5] = {0};
	int np = 0;
	for (char *save = NULL, *p = strtok_r(copy, "/", &save); p && np < 5; p = strtok_r(NULL, "/", &save))
		part[np++] = p;
	int ok = np >= 3 && np <= 4 && parse_vidpid(part[0], strlen(part[0]), t->app_vid, t->app_pid) == 0;
	if (ok) {
		t->kind = KIND_NONE;
		for (int i = KIND_USB; i <= KIND_APP; i++)
			if (strcmp(part[2], kind_names[i]) == 0)
				t->kind = (enum kind)i;
		ok = t->kind != KIND_NONE;
	}
	if (ok && t->kind == KIND_APP)
		ok = strcmp(part[1], "-") == 0;
	else if (ok)
		ok = parse_vidpid(part[1], strlen(part[1]), t->boot_vid, t->boot_pid) == 0;
	if (ok && np == 4)
		ok = strcmp(part[3], "hold") == 0 || strcmp(part[3], "pulse") == 0;
	t->pulse_entry = ok && np == 4 && strcmp(part[3], "pulse") == 0;
	g_free(copy);
	if (!ok)
		fprintf(stderr, "vtentacles: invalid --dut spec '%s' (APP/BOOT/KIND[/ENTRY]: VID:PID/VID:PID|-/"
				"usb|tty|bind|app/hold|pulse)\n", spec);
	return ok ? 0 : -1;
}

static int copy_file(const char *from, const char *to)
{
	gchar *data = NULL;
	gsize len = 0;
	GError *err = NULL;
	char *tmpname = g_strdup_printf("%s.tmp", to);
	int ok = g_file_get_contents(from, &data, &len, &err) && g_file_set_contents(tmpname, data, (gssize)len, &err) &&
		 rename(tmpname, to) == 0;
	if (!ok)
		fprintf(stderr, "vtentacles: cannot copy '%s' to '%s': %s\n", from, to,
			err ? err->message : strerror(errno));
	g_clear_error(&err);
	g_free(data);
	g_free(tmpname);
	return ok ? 0 : -1;
}

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: umockdev-wrapper %s [--board SHELL-CMD] [--dut K=APP/BOOT/KIND[/ENTRY]] [--hw K=N]\n"
		"                          [--flash K=FILE] N -- CMD [ARG...]   (N tentacles, 1..%d)\n",
		prog, MAXT);
}

int main(int argc, char **argv)
{
	const char *prog = argv[0];
	const char *flash[MAXT] = {0};
	for (int k = 1; k <= MAXT; k++) {
		struct tentacle *t = &ts[k - 1];
		t->k = k;
		strcpy(t->app_vid, "2e8a");
		strcpy(t->app_pid, "0005");
		t->kind = KIND_NONE;
		t->master = t->slave = t->to_board = t->from_board = -1;
		t->in.master = t->in.slave = -1;
		t->in.gpio[23] = 1;
	}
	int a = 1;
	while (a + 1 < argc && strncmp(argv[a], "--", 2) == 0 && argv[a][2]) {
		const char *opt = argv[a], *arg = argv[a + 1], *rest;
		int k = 0;
		if (strcmp(opt, "--board") == 0) {
			board_cmd = arg;
		} else if (strcmp(opt, "--dut") == 0 || strcmp(opt, "--hw") == 0 || strcmp(opt, "--flash") == 0) {
			if ((k = option_k(opt, arg, &rest)) < 0)
				return 2;
			if (opt[2] == 'd' && parse_dut(&ts[k - 1], rest) != 0)
				return 2;
			if (opt[2] == 'f')
				flash[k - 1] = rest;
			if (opt[2] == 'h') {
				char *end;
				long v = strtol(rest, &end, 10);
				if (!*rest || *end || v < 0 || v > 31) {
					fprintf(stderr, "vtentacles: invalid --hw value '%s' (0..31)\n", rest);
					return 2;
				}
				ts[k - 1].hw = (int)v;
			}
		} else {
			usage(prog);
			return 2;
		}
		a += 2;
	}
	argc -= a - 1;
	argv += a - 1;
	char *end = NULL;
	long n = argc > 1 ? strtol(argv[1], &end, 10) : 0;
	if (argc < 4 || !end || *end || n < 1 || n > MAXT || strcmp(argv[2], "--") != 0) {
		usage(prog);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	const char *logname = getenv("VT_LOG");
	if (logname && !(vlog = fopen(logname, "w"))) {
		fprintf(stderr, "vtentacles: cannot write '%s': %s\n", logname, strerror(errno));
		return HARNESS_FAIL;
	}
	const char *sd = getenv("VT_STATE");
	if (sd && *sd) {
		if (mkdir(sd, 0777) != 0 && errno != EEXIST) {
			fprintf(stderr, "vtentacles: cannot create '%s': %s\n", sd, strerror(errno));
			return HARNESS_FAIL;
		}
		if (!(state_dir = realpath(sd, NULL))) {
			fprintf(stderr, "vtentacles: '%s': %s\n", sd, strerror(errno));
			return HARNESS_FAIL;
		}
	}
	for (int k = 1; k <= MAXT; k++) {
		if (!flash[k - 1])
			continue;
		if (!state_dir) {
			fprintf(stderr, "vtentacles: --flash needs VT_STATE\n");
			return 2;
		}
		char *to = g_strdup_printf("%s/flash-%d", state_dir, k);
		int rc = copy_file(flash[k - 1], to);
		g_free(to);
		if (rc != 0)
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
			if (on >= 0 && apply_power(t, on) != 0)
				rc = HARNESS_FAIL;
			if (rc == 0 && (pulse_step(t) != 0 || infra_feed(t) != 0))
				rc = HARNESS_FAIL;
		}
		if (rc)
			break;
		/* relay between the DUT ttys and their boards, serve the infras; at most 10 ms between looks at
		 * the switches, less when a pulse phase ends sooner */
		struct pollfd pf[3 * MAXT];
		struct tentacle *owner[3 * MAXT];
		int role[3 * MAXT]; /* 0 DUT tty, 1 board, 2 infra */
		int np = 0, wait = 10;
		int64_t now = now_ms();
		for (int i = 0; i < n; i++) {
			struct tentacle *t = &ts[i];
			if (t->board > 0) {
				pf[np] = (struct pollfd){t->master, POLLIN, 0};
				role[np] = 0;
				owner[np++] = t;
				pf[np] = (struct pollfd){t->from_board, POLLIN, 0};
				role[np] = 1;
				owner[np++] = t;
			}
			if (t->in.pulsing) {
				int64_t left = t->in.deadline - now;
				if (left < wait)
					wait = left < 0 ? 0 : (int)left;
			} else {
				pf[np] = (struct pollfd){t->in.master, POLLIN, 0};
				role[np] = 2;
				owner[np++] = t;
			}
		}
		if (np == 0) {
			struct timespec tsl = {0, wait * 1000000L};
			nanosleep(&tsl, NULL);
			continue;
		}
		if (poll(pf, (nfds_t)np, wait) <= 0)
			continue;
		for (int j = 0; j < np && rc == 0; j++) {
			struct tentacle *t = owner[j];
			if (!(pf[j].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			char buf[4096];
			if (role[j] == 2) {
				if (t->in.pulsing)
					continue;
				ssize_t r = read(pf[j].fd, buf, sizeof buf);
				if (r <= 0)
					continue; /* EIO: nobody has the tty open (we hold it: should not happen) */
				text_add(&t->in.pend, buf, (size_t)r);
				if (infra_feed(t) != 0)
					rc = HARNESS_FAIL;
				continue;
			}
			if (t->board <= 0)
				continue; /* stopped below, for its other fd */
			ssize_t r = read(pf[j].fd, buf, sizeof buf);
			if (r == 0 && role[j] == 1) { /* the board process ended: a dead board, its tty stays */
				logf_("1-1.%d.3 board-exit %s", t->k, t->tty);
				board_stop(t);
				continue;
			}
			if (r <= 0)
				continue; /* EIO on the master: nobody has the tty open (we hold it: should not happen) */
			int to = role[j] == 0 ? t->to_board : t->master;
			if (write_all(to, buf, r) != 0)
				logf_("1-1.%d.3 relay error %s", t->k, strerror(errno));
		}
	}
	for (int i = 0; i < n; i++) {
		board_stop(&ts[i]);
		if (ts[i].boot)
			boot_file(&ts[i], 0);
	}
	if (rc) {
		kill(pid, SIGTERM);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	if (vlog)
		fclose(vlog);
	free(state_dir);
	g_free(sys_dir);
	g_object_unref(tb);
	if (rc)
		return rc;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}
