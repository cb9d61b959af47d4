/* tentacle-find: find the tentacles (USB hub PCBs with an infra RP2040 and a board under test) on this
 * machine with libudev, and wait for a device to appear or vanish at one USB location. */
#include "tentacle-find.h"

#include "exitcodes.h"
#include "udevutil.h"
#include "util.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VERSION "0.1"

volatile sig_atomic_t tf_interrupted;

static void on_signal(int sig)
{
	(void)sig;
	tf_interrupted = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s [--json] [--inventory FILE] [list]\n"
		"       %s wait --location LOC --id VID:PID[,VID:PID...] [--subsystem tty|usb] [--gone] [--new]\n"
		"                   [--timeout S] [--json] [--ready-fd N | --then CMD [ARG...]]\n",
		tb_progname, tb_progname);
}

static void help(void)
{
	usage(stdout);
	printf("\n"
	       "list (the default) prints every tentacle: a USB hub 0424:2514 (also below cascaded hubs) with the\n"
	       "infra RP2040 2e8a:0005 at its port 1 (<hub>.1), the infra's serial (16 hex digits; the short id\n"
	       "is the last 4) and tty, and the board under test (DUT) at port 3 (<hub>.3): VID:PID, tty if any,\n"
	       "else its USB device node with bus and device number, and serial. A USB location is the sysfs\n"
	       "name of a device, e.g. 3-1.4.3. Discovery runs on every call; nothing is cached.\n"
	       "\n"
	       "wait blocks until a device with one of the ids appears (--gone: is absent) exactly at location\n"
	       "LOC (for a tty: the location of its USB device), then prints its tty device node (--subsystem\n"
	       "usb: 'DEVNODE BUSNUM DEVNUM') and exits 0. Events of other locations and other devices are\n"
	       "ignored. Order: the udev monitor is bound, the present state is read (unless --new), then\n"
	       "--then runs CMD (e.g. the power switch), or 'ready' is written to --ready-fd N, or printed to\n"
	       "stdout; a device that was already there (--gone: absent) ends the wait, else add (--gone:\n"
	       "remove) events are awaited until --timeout.\n"
	       "\n"
	       "  -j, --json             one JSON object per line instead of the table / the plain line\n"
	       "  -i, --inventory FILE   list: a JSON object mapping tentacle serial -> {\"board\": \"NAME\"};\n"
	       "                         tentacles not in it are listed with a warning\n"
	       "  -l, --location LOC     wait: the USB location, e.g. 3-1.4.3\n"
	       "  -d, --id LIST          wait: VID:PID[,VID:PID...] in hex, e.g. 2e8a:0005,2e8a:0003\n"
	       "  -s, --subsystem S      wait: tty (default) or usb (a USB device, e.g. a board in boot mode)\n"
	       "  -g, --gone             wait: until no such device is at LOC\n"
	       "  -n, --new              wait: ignore a device already there; wait for a new add event\n"
	       "  -t, --timeout S        wait: give up after S seconds (default 10)\n"
	       "      --ready-fd N       wait: write 'ready' to file descriptor N once the monitor is bound\n"
	       "      --then CMD ARG...  wait: run CMD once the monitor is bound (must come last); it must\n"
	       "                         succeed within the timeout\n"
	       "  -h, --help             this text\n"
	       "  -V, --version          the version\n"
	       "\n"
	       "JSON of list, one line per tentacle:\n"
	       "  {\"serial\",\"short_id\",\"hub\",\"infra_location\",\"infra_tty\",\"board\",\"in_inventory\",\n"
	       "   \"dut\":{\"location\",\"vid\",\"pid\",\"tty\",\"devnode\",\"busnum\",\"devnum\",\"serial\"} or null}\n"
	       "  board and in_inventory are null without --inventory; vid/pid are 4 hex digits.\n"
	       "JSON of wait: {\"event\":\"add|present|remove|absent\",\"location\",\"subsystem\",\"vid\",\"pid\",\n"
	       "   \"devnode\",\"busnum\",\"devnum\",\"serial\"}\n"
	       "\n"
	       "Exit status:\n"
	       "  0  list: at least one tentacle found; wait: the device appeared (or is gone)\n"
	       "  1  list: no tentacle found (a message says so on stderr, stdout stays empty)\n"
	       "  2  usage error, or an unreadable / invalid inventory file\n"
	       "  3  wait: timeout, interrupted, or --then CMD failed; udev trouble\n"
	       "  4  local trouble: cannot write the output\n");
}

int main(int argc, char **argv)
{
	tb_set_progname(argv[0]);
	signal(SIGPIPE, SIG_IGN);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal; /* no SA_RESTART: poll() returns EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	struct list_options lo = {0};
	struct wait_options wo = {.timeout_ms = 10000, .ready_fd = -1};
	int wait_only = 0; /* an option only wait takes was given */

	/* --then CMD ARGS... takes the rest of the command line */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--then") == 0) {
			if (i + 1 >= argc) {
				tb_warn("--then needs a command");
				usage(stderr);
				return TB_EXIT_USAGE;
			}
			wo.then_argv = argv + i + 1;
			argv[i] = NULL;
			argc = i;
			wait_only = 1;
			break;
		}
	}

	enum { OPT_READY_FD = 256 };
	static const struct option longopts[] = {
		{"json", no_argument, 0, 'j'},		{"inventory", required_argument, 0, 'i'},
		{"location", required_argument, 0, 'l'}, {"id", required_argument, 0, 'd'},
		{"subsystem", required_argument, 0, 's'}, {"gone", no_argument, 0, 'g'},
		{"new", no_argument, 0, 'n'},		{"timeout", required_argument, 0, 't'},
		{"ready-fd", required_argument, 0, OPT_READY_FD},
		{"help", no_argument, 0, 'h'},		{"version", no_argument, 0, 'V'},
		{0, 0, 0, 0},
	};
	int c;
	long v;
	while ((c = getopt_long(argc, argv, "ji:l:d:s:gnt:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': lo.json = wo.json = 1; break;
		case 'i': lo.inventory = optarg; break;
		case 'l':
			if (!udevu_is_location(optarg)) {
				tb_warn("invalid value for --location: '%s' (expected a USB location like 3-1.4.3)",
					optarg);
				return TB_EXIT_USAGE;
			}
			wo.location = optarg;
			wait_only = 1;
			break;
		case 'd':
			wo.nids = udevu_parse_id_list(optarg, wo.ids, (int)(sizeof wo.ids / sizeof wo.ids[0]));
			if (wo.nids < 0) {
				tb_warn("invalid value for --id: '%s' (expected VID:PID[,VID:PID...] in hex, e.g. "
					"2e8a:0005)",
					optarg);
				return TB_EXIT_USAGE;
			}
			wo.ids_text = optarg;
			wait_only = 1;
			break;
		case 's':
			if (strcmp(optarg, "tty") != 0 && strcmp(optarg, "usb") != 0) {
				tb_warn("invalid value for --subsystem: '%s' (tty or usb)", optarg);
				return TB_EXIT_USAGE;
			}
			wo.usb = strcmp(optarg, "usb") == 0;
			wait_only = 1;
			break;
		case 'g': wo.gone = 1, wait_only = 1; break;
		case 'n': wo.new_only = 1, wait_only = 1; break;
		case 't':
			if (tb_parse_seconds(optarg, 0, 86400000, "--timeout", &wo.timeout_ms) != 0)
				return TB_EXIT_USAGE;
			wait_only = 1;
			break;
		case OPT_READY_FD:
			if (tb_parse_long(optarg, 0, 65535, "--ready-fd", &v) != 0)
				return TB_EXIT_USAGE;
			wo.ready_fd = (int)v;
			wait_only = 1;
			break;
		case 'h': help(); return tb_close_stdout() ? TB_EXIT_LOCAL : TB_EXIT_OK;
		case 'V':
			printf("tentacle-find %s\n", VERSION);
			return tb_close_stdout() ? TB_EXIT_LOCAL : TB_EXIT_OK;
		default: usage(stderr); return TB_EXIT_USAGE;
		}
	}
	const char *cmd = optind < argc ? argv[optind++] : "list";
	if (optind != argc) {
		tb_warn("unexpected argument '%s'", argv[optind]);
		usage(stderr);
		return TB_EXIT_USAGE;
	}
	int rc;
	if (strcmp(cmd, "list") == 0) {
		if (wait_only) {
			tb_warn("--location, --id, --subsystem, --gone, --new, --timeout, --ready-fd and --then "
				"belong to 'wait'");
			usage(stderr);
			return TB_EXIT_USAGE;
		}
		rc = cmd_list(&lo);
	} else if (strcmp(cmd, "wait") == 0) {
		if (!wo.location || !wo.nids) {
			tb_warn("wait needs --location LOC and --id VID:PID");
			usage(stderr);
			return TB_EXIT_USAGE;
		}
		if (lo.inventory) {
			tb_warn("--inventory belongs to 'list'");
			usage(stderr);
			return TB_EXIT_USAGE;
		}
		if (wo.then_argv && wo.ready_fd >= 0) {
			tb_warn("give either --ready-fd or --then, not both");
			usage(stderr);
			return TB_EXIT_USAGE;
		}
		rc = cmd_wait(&wo);
	} else {
		tb_warn("unknown command '%s' (list or wait)", cmd);
		usage(stderr);
		return TB_EXIT_USAGE;
	}
	if (tb_close_stdout() != 0 && rc == TB_EXIT_OK)
		rc = TB_EXIT_LOCAL;
	return rc;
}
