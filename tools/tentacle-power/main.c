/* tentacle-power: switch the power of a tentacle's DUT or infra MCU (hub ports, and GPIO23 of the infra
 * on hardware v0.5+), its relays and its LEDs. */
#include "buf.h"
#include "exitcodes.h"
#include "hubpower.h"
#include "infra.h"
#include "json.h"
#include "tentacle.h"
#include "util.h"

#include <ctype.h>
#include <getopt.h>
#include <libudev.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define VERSION "0.1"

enum { PORT_INFRA = TENTACLE_PORT_INFRA, PORT_BOOTSEL = TENTACLE_PORT_BOOTSEL, PORT_DUT = TENTACLE_PORT_DUT };
#define MAX_PULSES 32

struct options {
	const char *hub, *tentacle, *infra_tty;
	int method;
	int hw_version; /* -1: ask the infra */
	long off_ms;
	long enter_ms;
	int json, verbose;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s [options] (--hub LOCATION | --tentacle SERIAL) dut|infra on|off|cycle|status\n"
		"       %s [options] (--hub LOCATION | --tentacle SERIAL) bootsel press|release\n"
		"       %s [options] (--hub LOCATION | --tentacle SERIAL) relay N press|release|pulse MS[,MS...]\n"
		"       %s [options] (--hub LOCATION | --tentacle SERIAL) led active|error on|off\n",
		tb_progname, tb_progname, tb_progname, tb_progname);
}

static void help(void)
{
	usage(stdout);
	printf("\n"
	       "Switches one thing of one tentacle. Hub ports: 1 infra MCU, 2 the infra's BOOTSEL (unpowered =\n"
	       "pressed), 3 the DUT. On hardware v0.5+ the DUT's power is also switched by the infra's GPIO23.\n"
	       "Relays (GPIO1..7) and LEDs (active GPIO24, error GPIO20) are set through the infra's raw REPL.\n"
	       "After switching off the tool waits 0.5 s; a cycle keeps the target off for --off-time.\n"
	       "'status' reads the hub port's power. 'relay N pulse 100,50,100' closes relay N for 100 ms,\n"
	       "opens it for 50 ms, closes it for 100 ms, and leaves it open.\n"
	       "\n"
	       "  -H, --hub LOCATION     the tentacle's hub by USB location (sysfs name, e.g. 3-1.4)\n"
	       "  -t, --tentacle ID      the tentacle by its infra's serial: 16 hex digits (e46340474b4c2731 or\n"
	       "                         e46340474b4c-2731) or the short id, its last 4 (2731)\n"
	       "  -m, --method M         port power through sysfs, libusb or auto (default: auto = sysfs when\n"
	       "                         the kernel has the port's disable file, else libusb)\n"
	       "      --hw-version N     tentacle hardware version number (0 = v0.3, 1 = v0.5, 2 = v0.6, ...);\n"
	       "                         default: read from the infra MCU when switching the DUT\n"
	       "      --infra-tty PATH   the infra MCU's tty (default: found with udev at <hub>.1)\n"
	       "      --off-time S       how long a cycle keeps the target off (default 2.0, at least 2.0)\n"
	       "      --enter-timeout S  deadline for the infra's raw REPL (default 5)\n"
	       "  -j, --json             print the result as one JSON line\n"
	       "  -v, --verbose          trace the bytes exchanged with the infra MCU on stderr\n"
	       "  -h, --help             this text\n"
	       "  -V, --version          the version\n"
	       "\n"
	       "Exit status:\n"
	       "  0  done (and read back)\n"
	       "  2  usage error\n"
	       "  3  device trouble: hub, port or tentacle not found, ambiguous short id, no permission,\n"
	       "     the switch did not take, infra MCU not answering or without machine.Pin\n");
}

static int parse_pulses(const char *text, long *ms, size_t *n)
{
	char *copy = tb_xstrdup(text), *save = NULL;
	int rc = 0;
	*n = 0;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (*n == MAX_PULSES) {
			tb_warn("invalid value for pulse: more than %d durations", MAX_PULSES);
			rc = -1;
			break;
		}
		if (tb_parse_long(tok, 1, 60000, "pulse (milliseconds)", &ms[(*n)++]) != 0) {
			rc = -1;
			break;
		}
	}
	if (rc == 0 && *n == 0) {
		tb_warn("invalid value for pulse: '%s'", text);
		rc = -1;
	}
	free(copy);
	return rc;
}

static const char *hub_error(int hrc)
{
	return hrc == HUBPOWER_EPERM ? "permission denied" : hrc == HUBPOWER_ENOPORT ? "no such port"
		: hrc == HUBPOWER_ENOHUB ? "hub not found" : "switch failed";
}

static int exit_of_hub(int rc)
{
	return rc == HUBPOWER_OK ? TB_EXIT_OK : TB_EXIT_BOARD;
}

int main(int argc, char **argv)
{
	tb_set_progname(argv[0]);
	signal(SIGPIPE, SIG_IGN);
	struct options o = {.method = HUBPOWER_AUTO, .hw_version = -1, .off_ms = TENTACLE_CYCLE_FLOOR_MS, .enter_ms = 5000};
	enum { OPT_HW = 256, OPT_TTY, OPT_OFF, OPT_ENTER };
	static const struct option longopts[] = {
		{"hub", required_argument, 0, 'H'},        {"tentacle", required_argument, 0, 't'},
		{"method", required_argument, 0, 'm'},     {"hw-version", required_argument, 0, OPT_HW},
		{"infra-tty", required_argument, 0, OPT_TTY}, {"off-time", required_argument, 0, OPT_OFF},
		{"enter-timeout", required_argument, 0, OPT_ENTER},
		{"json", no_argument, 0, 'j'},             {"verbose", no_argument, 0, 'v'},
		{"help", no_argument, 0, 'h'},             {"version", no_argument, 0, 'V'},
		{0, 0, 0, 0},
	};
	int c;
	long v = 0;
	while ((c = getopt_long(argc, argv, "H:t:m:jvhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'H': o.hub = optarg; break;
		case 't':
			if (!tentacle_id_ok(optarg, "--tentacle"))
				return TB_EXIT_USAGE;
			o.tentacle = optarg;
			break;
		case 'm':
			if ((o.method = hubpower_method_parse(optarg)) < 0) {
				tb_warn("invalid value for --method: '%s' (sysfs, libusb or auto)", optarg);
				return TB_EXIT_USAGE;
			}
			break;
		case OPT_HW:
			if (tb_parse_long(optarg, 0, 31, "--hw-version", &v) != 0)
				return TB_EXIT_USAGE;
			o.hw_version = (int)v;
			break;
		case OPT_TTY: o.infra_tty = optarg; break;
		case OPT_OFF:
			if (tb_parse_seconds(optarg, TENTACLE_CYCLE_FLOOR_MS, 3600000, "--off-time", &o.off_ms) != 0)
				return TB_EXIT_USAGE;
			break;
		case OPT_ENTER:
			if (tb_parse_seconds(optarg, 100, 600000, "--enter-timeout", &o.enter_ms) != 0)
				return TB_EXIT_USAGE;
			break;
		case 'j': o.json = 1; break;
		case 'v': o.verbose = 1; break;
		case 'h': help(); return tb_close_stdout() ? TB_EXIT_LOCAL : TB_EXIT_OK;
		case 'V':
			printf("tentacle-power %s\n", VERSION);
			return tb_close_stdout() ? TB_EXIT_LOCAL : TB_EXIT_OK;
		default: usage(stderr); return TB_EXIT_USAGE;
		}
	}
	if (!o.hub == !o.tentacle) {
		if (o.hub)
			tb_warn("give either --hub or --tentacle, not both");
		else
			tb_warn("no tentacle given (--hub LOCATION or --tentacle SERIAL)");
		usage(stderr);
		return TB_EXIT_USAGE;
	}

	/* the command: TARGET ACTION [ARG] */
	int nargs = argc - optind;
	const char *target = nargs > 0 ? argv[optind] : "", *action = nargs > 1 ? argv[optind + 1] : "";
	int port = 0, on = 0, cycle = 0, status = 0, relay = 0, gpio = -1, want_args = 2;
	long pulses[MAX_PULSES];
	size_t npulses = 0;
	if (strcmp(target, "dut") == 0 || strcmp(target, "infra") == 0) {
		port = target[0] == 'd' ? PORT_DUT : PORT_INFRA;
		if (strcmp(action, "cycle") == 0)
			cycle = 1;
		else if (strcmp(action, "status") == 0)
			status = 1;
		else if (strcmp(action, "on") == 0 || strcmp(action, "off") == 0)
			on = action[1] == 'n';
		else
			port = -1;
	} else if (strcmp(target, "bootsel") == 0) {
		port = PORT_BOOTSEL;
		if (strcmp(action, "press") == 0 || strcmp(action, "release") == 0)
			on = action[0] == 'r'; /* port powered = released */
		else
			port = -1;
	} else if (strcmp(target, "relay") == 0) {
		want_args = 3;
		if (nargs >= 2 && tb_parse_long(argv[optind + 1], 1, INFRA_RELAYS, "relay", &v) != 0)
			return TB_EXIT_USAGE;
		relay = (int)v;
		gpio = relay;
		action = nargs > 2 ? argv[optind + 2] : "";
		if (strcmp(action, "press") == 0 || strcmp(action, "release") == 0) {
			on = action[0] == 'p';
		} else if (strcmp(action, "pulse") == 0) {
			want_args = 4;
			if (nargs == 4 && parse_pulses(argv[optind + 3], pulses, &npulses) != 0)
				return TB_EXIT_USAGE;
		} else {
			gpio = -2;
		}
	} else if (strcmp(target, "led") == 0) {
		want_args = 3;
		const char *which = action;
		action = nargs > 2 ? argv[optind + 2] : "";
		gpio = strcmp(which, "active") == 0 ? INFRA_GPIO_LED_ACTIVE
		       : strcmp(which, "error") == 0 ? INFRA_GPIO_LED_ERROR : -2;
		if (strcmp(action, "on") == 0 || strcmp(action, "off") == 0)
			on = action[1] == 'n';
		else
			gpio = -2;
	} else {
		port = -1;
	}
	if (port < 0 || gpio == -2 || nargs != want_args) {
		if (nargs == 0)
			tb_warn("no command given");
		else
			tb_warn("invalid command: '%s%s%s'", target, nargs > 1 ? " " : "",
				nargs > 1 ? argv[optind + 1] : "");
		usage(stderr);
		return TB_EXIT_USAGE;
	}

	int rc = TB_EXIT_BOARD, hrc = HUBPOWER_OK, have_hub = 0, have_infra = 0, state = -1;
	char *hubloc = NULL, *tty = NULL;
	struct hub hub = {0};
	struct infra infra;
	enum hubpower_method used = (enum hubpower_method)o.method;
	const char *error = NULL;

	hubloc = o.hub ? tb_xstrdup(o.hub) : tentacle_find_hub(o.tentacle, NULL);
	if (!hubloc) {
		error = "tentacle not found";
		goto out;
	}
	/* the infra MCU is needed for relays, LEDs, and the DUT on v0.5+ (or to learn the version) */
	int need_infra = gpio >= 0 || (port == PORT_DUT && !status && o.hw_version != 0);
	if (need_infra) {
		tty = o.infra_tty ? tb_xstrdup(o.infra_tty) : tentacle_infra_tty(hubloc);
		if (!tty && port == PORT_DUT && o.hw_version < 0)
			tb_warn("on a v0.3 tentacle give --hw-version 0: its DUT needs only the hub port");
		if (!tty || infra_open(&infra, tty, o.verbose, o.enter_ms) != INFRA_OK) {
			error = "infra MCU not answering";
			goto out;
		}
		have_infra = 1;
		if (port == PORT_DUT && o.hw_version < 0 && infra_hw_version(&infra, &o.hw_version) != INFRA_OK) {
			error = "cannot read the hardware version";
			goto out;
		}
	}

	if (gpio >= 0) {
		int r = npulses ? infra_relay_pulse(&infra, relay, pulses, npulses) : infra_gpio_set(&infra, gpio, on);
		if (r != INFRA_OK) {
			error = r == INFRA_ENOMACHINE ? "infra MCU has no machine.Pin" : "infra MCU failed";
			goto out;
		}
		state = npulses ? 0 : on;
		rc = TB_EXIT_OK;
		goto out;
	}

	if ((hrc = hub_lookup(hubloc, &hub)) != HUBPOWER_OK) {
		error = "hub not found";
		goto out;
	}
	have_hub = 1;
	if (status) {
		hrc = hubpower_get(&hub, port, (enum hubpower_method)o.method, &state, &used);
		if (hrc != HUBPOWER_OK)
			error = hub_error(hrc);
		rc = exit_of_hub(hrc);
		goto out;
	}
	for (int step = cycle ? 0 : on; step <= (cycle ? 1 : on); step++) {
		int want = step; /* cycle: off (0) then on (1) */
		if (port == PORT_DUT)
			hrc = tentacle_dut_power(&hub, o.hw_version, &infra, want, (enum hubpower_method)o.method, &used);
		else
			hrc = hubpower_set(&hub, port, want, (enum hubpower_method)o.method, &used);
		if (hrc == TENTACLE_EINFRA) {
			error = "infra MCU failed";
			goto out;
		}
		if (hrc != HUBPOWER_OK) {
			error = hub_error(hrc);
			goto out;
		}
		state = want;
		if (!want) /* tentacle_dut_power waited the floor already */
			tb_sleep_ms((cycle ? o.off_ms : TENTACLE_OFF_FLOOR_MS) - (port == PORT_DUT ? TENTACLE_OFF_FLOOR_MS : 0));
	}
	rc = exit_of_hub(hrc);
out:
	if (rc == TB_EXIT_OK && !o.json) {
		if (port == PORT_BOOTSEL)
			printf("%s port %d (bootsel): %s via %s\n", hubloc, port, state ? "released" : "pressed",
			       hubpower_method_name(used));
		else if (port > 0)
			printf("%s port %d (%s): %s%s via %s\n", hubloc, port, target, status ? "is " : "",
			       state ? "on" : "off", hubpower_method_name(used));
		else
			printf("%s %s %s: %s\n", hubloc, target, argv[optind + 1], action);
	}
	if (o.json) {
		struct buf j = BUF_INIT;
		buf_addc(&j, '{');
		json_kv_str(&j, "hub", hubloc);
		json_kv_str(&j, "tentacle", o.tentacle);
		json_kv_str(&j, "target", target);
		json_kv_str(&j, "action", action);
		if (relay)
			json_kv_int(&j, "relay", relay);
		if (port > 0) {
			json_kv_int(&j, "port", port);
			json_kv_str(&j, "method", hubpower_method_name(used));
		}
		if (o.hw_version >= 0)
			json_kv_int(&j, "hw_version", o.hw_version);
		if (tty)
			json_kv_str(&j, "infra_tty", tty);
		if (state >= 0)
			json_kv_bool(&j, "on", state);
		json_kv_bool(&j, "ok", rc == TB_EXIT_OK);
		json_kv_str(&j, "error", error);
		buf_adds(&j, "}\n");
		fwrite(j.data, 1, j.len, stdout);
		buf_free(&j);
	}
	if (have_infra)
		infra_close(&infra);
	if (have_hub)
		hub_free(&hub);
	free(tty);
	free(hubloc);
	if (tb_close_stdout() != 0 && rc == TB_EXIT_OK)
		rc = TB_EXIT_LOCAL;
	return rc;
}
