/* Command line of vboard. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vboard.h"

#define SYNOPSIS "usage: " VB_PROG " [--type wasm|microbit] --link PATH [--baud N] [--exec-delay MS]\n" \
	"              [--pidfile FILE] [--heap BYTES] [--quiet]\n" \
	"              [--faults KIND[:RATE],... [--fault-seed N] [--fault-log FILE] [--faults-after N]\n" \
	"               [--fault-limit N]]\n"

static void print_help(void)
{
	printf(SYNOPSIS
	       "\n"
	       "Run a virtual MicroPython board behind a pseudo-terminal, reachable at PATH (a symlink to the\n"
	       "pty). Clients open PATH like a board's serial port and may close and reopen it at will.\n"
	       "\n"
	       "  -t, --type TYPE       wasm (default): the WebAssembly build of MicroPython 1.27 run by Node.js;\n"
	       "                        microbit: the BBC micro:bit firmware (MicroPython 1.9.2) under QEMU\n"
	       "  -l, --link PATH       the symlink to create (an existing symlink there is replaced)\n"
	       "  -b, --baud N          limit board->host output to N/10 bytes per second (default: no limit)\n"
	       "      --in-baud N       pace host->board input at N/10 bytes per second (default: 115200 for\n"
	       "                        microbit, whose emulated UART drops faster input; 0 or none for wasm)\n"
	       "  -d, --exec-delay MS   hold each host->board 0x04 byte MS milliseconds (default: 0)\n"
	       "  -p, --pidfile FILE    write vboard's pid to FILE (before the ready line); removed on exit\n"
	       "      --heap BYTES      MicroPython heap of a wasm board, suffix K or M allowed (default: %lu);\n"
	       "                        ignored for microbit (its heap is the firmware's, about 8.8 KB)\n"
	       "  -q, --quiet           no informational messages but 'vboard: power cycle' (vbench.sh cycle\n"
	       "                        waits for it); the board's own stderr is discarded\n"
	       "      --faults SPEC     inject faults (below); SPEC: KIND[:RATE] items separated by commas,\n"
	       "                        KIND hang, disconnect, reset, garbage, slow, refuse or all, RATE the\n"
	       "                        chance per program from 0 to 1 (default %g); a later item wins\n"
	       "      --fault-seed N    seed of the fault PRNG (default: from the clock; the seed in use is\n"
	       "                        printed on stderr unless --quiet)\n"
	       "      --fault-log FILE  append one JSON line per injected fault to FILE as it strikes:\n"
	       "                        {\"t_ms\":<Unix ms>,\"kind\":..,\"detail\":..,\"seq\":N,\"program\":N}\n"
	       "      --faults-after N  never fault the first N programs (default: 0)\n"
	       "      --fault-limit N   inject at most N faults in all (default: 0, no limit)\n"
	       "  -h, --help            show this help and exit\n"
	       "  -V, --version         show the version and exit\n"
	       "\n"
	       "When the board is up, one line goes to stdout: '" VB_PROG ": ready PATH'.\n"
	       "Signals: SIGUSR1 power-cycles the board (the process is killed and started again, pending bytes\n"
	       "are dropped, the boot banner follows); SIGTERM, SIGINT, SIGHUP stop the board, remove PATH and\n"
	       "the pidfile and exit 0. A board process that dies by itself is restarted.\n"
	       "\n"
	       "Faults: a program starts when the host, in the raw REPL, sends Ctrl-D after some code. For each\n"
	       "program after the first --faults-after, while no fault is pending and --fault-limit is not\n"
	       "reached, one number is drawn per enabled kind in the order hang, disconnect, reset, garbage,\n"
	       "slow, refuse; the first kind whose number is below its RATE strikes. refuse strikes at once, the\n"
	       "others in the middle of the program's output (after 2..48 bytes, before its first end marker\n"
	       "0x04, or 2 s after the program started if the board is quiet):\n"
	       "  hang        nothing is forwarded either way until the board is power-cycled (SIGUSR1)\n"
	       "  disconnect  the pty is closed (clients get EIO) and PATH removed; 0.5..1.5 s later a new\n"
	       "              pty is linked at PATH and the board boots again (USB unplug and replug)\n"
	       "  reset       the board is power-cycled mid-output, as with SIGUSR1\n"
	       "  garbage     16..64 random bytes, always with 0x00, 0x04, 0xff and '>', enter the output\n"
	       "  slow        output at 300 bytes/s for 2..4 s\n"
	       "  refuse      host Ctrl-A bytes are dropped for 2..4 s: the raw REPL cannot be entered\n"
	       "The same seed and the same host traffic give the same faults.\n"
	       "\n"
	       "Environment:\n"
	       "  NODE                  Node.js to run (default: node)\n"
	       "  VBOARD_WASM_JS        the wasm board program (default: board-wasm.mjs from the source tree\n"
	       "                        beside the executable, or ../share/testbed-micropython/)\n"
	       "  VBOARD_MICROPYTHON_MJS  micropython.mjs of the npm package, if Node cannot find it\n"
	       "  QEMU                  QEMU to run (default: qemu-system-arm)\n"
	       "  MICROBIT_FIRMWARE     micro:bit firmware (default: "
	       "/usr/share/firmware-microbit-micropython/firmware.hex)\n"
	       "\n"
	       "Exit status:\n"
	       "  0  stopped by a signal, or --help / --version\n"
	       "  2  usage error\n"
	       "  3  cannot start the board, pty trouble or another system error\n",
	       VB_DEFAULT_HEAP, VB_FAULT_DEFAULT_RATE);
}

/* one bounded number parser: decimal digits, optional K/M suffix when allowed */
static int parse_num(const char *opt, const char *text, unsigned long min, unsigned long max,
		     bool suffix, unsigned long *out)
{
	unsigned long v, mul = 1;
	char *end;

	if (*text < '0' || *text > '9')
		goto bad;
	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno == ERANGE)
		goto range;
	if (suffix && (*end == 'k' || *end == 'K')) {
		mul = 1024;
		end++;
	} else if (suffix && (*end == 'm' || *end == 'M')) {
		mul = 1024 * 1024;
		end++;
	}
	if (*end != '\0')
		goto bad;
	if (v > max / mul)
		goto range;
	v *= mul;
	if (v < min || v > max)
		goto range;
	*out = v;
	return 0;
bad:
	fprintf(stderr, VB_PROG ": invalid number for %s: '%s'\n", opt, text);
	return -1;
range:
	fprintf(stderr, VB_PROG ": %s out of range (%lu..%lu): '%s'\n", opt, min, max, text);
	return -1;
}

int vb_parse_args(int argc, char **argv, struct vb_opts *o)
{
	enum { OPT_HEAP = 256, OPT_IN_BAUD, OPT_FAULTS, OPT_FAULT_SEED, OPT_FAULT_LOG, OPT_FAULTS_AFTER,
	       OPT_FAULT_LIMIT };
	static const struct option longopts[] = {
		{ "type", required_argument, NULL, 't' },
		{ "link", required_argument, NULL, 'l' },
		{ "baud", required_argument, NULL, 'b' },
		{ "exec-delay", required_argument, NULL, 'd' },
		{ "in-baud", required_argument, NULL, OPT_IN_BAUD },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "heap", required_argument, NULL, OPT_HEAP },
		{ "quiet", no_argument, NULL, 'q' },
		{ "faults", required_argument, NULL, OPT_FAULTS },
		{ "fault-seed", required_argument, NULL, OPT_FAULT_SEED },
		{ "fault-log", required_argument, NULL, OPT_FAULT_LOG },
		{ "faults-after", required_argument, NULL, OPT_FAULTS_AFTER },
		{ "fault-limit", required_argument, NULL, OPT_FAULT_LIMIT },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	bool fault_extra = false;
	int c;

	memset(o, 0, sizeof *o);
	o->type = VB_TYPE_WASM;
	o->heap = VB_DEFAULT_HEAP;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":t:l:b:d:p:qhV", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (strcmp(optarg, "wasm") == 0) {
				o->type = VB_TYPE_WASM;
			} else if (strcmp(optarg, "microbit") == 0) {
				o->type = VB_TYPE_MICROBIT;
			} else {
				fprintf(stderr, VB_PROG ": unknown board type '%s' (wasm or microbit)\n", optarg);
				goto usage;
			}
			break;
		case 'l':
			if (!*optarg) {
				fprintf(stderr, VB_PROG ": empty --link\n");
				goto usage;
			}
			o->link = optarg;
			break;
		case 'b':
			if (parse_num("--baud", optarg, 1, 100000000, false, &o->baud) != 0)
				goto usage;
			break;
		case 'd':
			if (parse_num("--exec-delay", optarg, 0, 3600000, false, &o->exec_delay_ms) != 0)
				goto usage;
			break;
		case 'p':
			if (!*optarg) {
				fprintf(stderr, VB_PROG ": empty --pidfile\n");
				goto usage;
			}
			o->pidfile = optarg;
			break;
		case OPT_IN_BAUD:
			if (parse_num("--in-baud", optarg, 0, 100000000, false, &o->in_baud) != 0)
				goto usage;
			o->in_baud_given = true;
			break;
		case OPT_HEAP:
			if (parse_num("--heap", optarg, 16384, 1024UL * 1024 * 1024, true, &o->heap) != 0)
				goto usage;
			break;
		case 'q':
			o->quiet = true;
			break;
		case OPT_FAULTS:
			if (vb_fault_parse_spec(optarg, &o->fault) != 0)
				goto usage;
			break;
		case OPT_FAULT_SEED:
			if (parse_num("--fault-seed", optarg, 0, ULONG_MAX, false, &o->fault.seed) != 0)
				goto usage;
			o->fault.seed_given = true;
			fault_extra = true;
			break;
		case OPT_FAULT_LOG:
			if (!*optarg) {
				fprintf(stderr, VB_PROG ": empty --fault-log\n");
				goto usage;
			}
			o->fault.log = optarg;
			fault_extra = true;
			break;
		case OPT_FAULTS_AFTER:
			if (parse_num("--faults-after", optarg, 0, ULONG_MAX, false, &o->fault.after) != 0)
				goto usage;
			fault_extra = true;
			break;
		case OPT_FAULT_LIMIT:
			if (parse_num("--fault-limit", optarg, 0, ULONG_MAX, false, &o->fault.limit) != 0)
				goto usage;
			fault_extra = true;
			break;
		case 'h':
			print_help();
			return VB_EXIT_OK;
		case 'V':
			printf(VB_PROG " " VB_VERSION "\n");
			return VB_EXIT_OK;
		case ':':
			fprintf(stderr, VB_PROG ": option '%s' needs a value\n", argv[optind - 1]);
			goto usage;
		default:
			fprintf(stderr, VB_PROG ": unknown option '%s'\n", argv[optind - 1]);
			goto usage;
		}
	}
	if (optind < argc) {
		fprintf(stderr, VB_PROG ": unexpected argument '%s'\n", argv[optind]);
		goto usage;
	}
	if (!o->link) {
		fprintf(stderr, VB_PROG ": --link PATH is required\n");
		goto usage;
	}
	if (fault_extra && !o->fault.on) {
		fprintf(stderr, VB_PROG ": --fault-seed, --fault-log, --faults-after and --fault-limit need --faults\n");
		goto usage;
	}
	return -1;
usage:
	fputs(SYNOPSIS, stderr);
	fputs("Try '" VB_PROG " --help' for more information.\n", stderr);
	return VB_EXIT_USAGE;
}
