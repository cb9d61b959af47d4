/* mp-flash: flash one tentacle's board under test with a firmware file, only when it does not run that
 * firmware already, and check afterwards that it does. */
#include "mp-flash.h"

#include "boardid.h"
#include "datadir.h"
#include "exitcodes.h"
#include "fileio.h"
#include "json.h"
#include "tentacle.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define VERSION "0.1"
#define ID_ATTEMPTS 3

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

struct options {
	const char *tentacle, *hub, *board, *spec_path, *boards_dir, *id_file, *identity, *variant;
	const char *program, *infra_tty, *log_path, *stamp, *label, *firmware;
	int method, hw_version, force, check, retries, no_lock, json, verbose, quiet;
	long enter_ms;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s [options] (--tentacle ID | --hub LOCATION) (--board NAME | --spec FILE) FIRMWARE\n",
		tb_progname);
}

static void help(void)
{
	usage(stdout);
	printf("\n"
	       "Flashes the board under test (DUT) of one tentacle with FIRMWARE, with the flasher its board spec\n"
	       "names (picotool, esptool, dfu-util, bossac, teensy_loader_cli). First the DUT is power-cycled and\n"
	       "asked for its firmware identity over the raw REPL; when it equals the wanted one (read from the\n"
	       "file beside FIRMWARE with the extension .id, e.g. firmware.uf2 -> firmware.id) nothing is flashed.\n"
	       "Else: DUT off, boot relay as the spec says, DUT on, wait for the boot device at the DUT's own USB\n"
	       "location, run the flasher with a time limit, release the relay, power-cycle, wait for the\n"
	       "application tty and check that the board now runs the wanted firmware. Failures of the bench\n"
	       "(boot device not seen, flasher failed or timed out, no answer) are retried. Every step and the\n"
	       "flasher's output go to the log file. The DUT is left on when all went well, else off.\n"
	       "\n"
	       "  -t, --tentacle ID      the tentacle by its infra's serial (16 hex digits or the last 4)\n"
	       "  -H, --hub LOCATION     the tentacle by its hub's USB location (e.g. 3-1.4)\n"
	       "  -b, --board NAME       the board spec boards/NAME.json\n"
	       "      --spec FILE        a board spec file instead\n"
	       "      --boards-dir DIR   where --board looks (default: the project's boards/)\n"
	       "      --variant V        the firmware's board variant (for messages and the check below)\n"
	       "  -i, --id-file FILE     the wanted identity (default: FIRMWARE's .id file; without one, nothing\n"
	       "                         can be skipped and only the board name part of the identity is checked)\n"
	       "  -I, --identity TEXT    the wanted identity, given directly\n"
	       "  -f, --force            flash even when the board runs the wanted firmware\n"
	       "  -c, --check            only tell whether a flash is needed (exit 0: no, 1: yes)\n"
	       "      --program PATH     the flasher program to run (default: the spec's, found in PATH)\n"
	       "      --hw-version N     tentacle hardware version (0 = v0.3, 1 = v0.5, ...; default: ask the infra)\n"
	       "      --infra-tty PATH   the infra MCU's tty (default: found with udev at <hub>.1)\n"
	       "  -m, --method M         hub port switching: sysfs, libusb or auto (default)\n"
	       "      --retries N        attempts after a failure of the bench (default 2)\n"
	       "  -l, --log FILE         the log (appended; default: mp-flash-<label>.log here)\n"
	       "      --stamp FILE       after success, write the board's identity here (only when it changed, so\n"
	       "                         its time stamp tells make when the firmware changed)\n"
	       "      --label TEXT       the name in messages (default: <short id>-<board>)\n"
	       "      --no-lock          the caller holds the tentacle's lock (a test run)\n"
	       "  -j, --json             print the result as one JSON line\n"
	       "  -v, --verbose          print the steps on stderr as they happen\n"
	       "  -q, --quiet            no result line\n"
	       "  -h, --help             this text\n"
	       "  -V, --version          the version\n"
	       "\n"
	       "Output: one line, '<label>: flashed FIRMWARE with PROGRAM in S s, runs IDENTITY on TTY' or\n"
	       "'<label>: up to date (IDENTITY) on TTY'. JSON: {\"label\",\"tentacle\",\"hub\",\"board\",\"variant\",\n"
	       "\"firmware\",\"action\" (flashed, up-to-date, needs-flash, none),\"identity\",\"wanted\",\"tty\",\"attempts\",\n"
	       "\"duration_ms\",\"log\",\"ok\",\"error\"}.\n"
	       "Locks: a tentacle is locked for the whole run (the lock of `make test`); flashers that cannot\n"
	       "choose a device (spec \"exclusive\", e.g. teensy_loader_cli) run one at a time on the host. Lock\n"
	       "files are in $XDG_RUNTIME_DIR/testbed-micropython-locks (or /tmp/...).\n"
	       "\n"
	       "Exit status:\n"
	       "  0  flashed and checked, or up to date (--check: up to date)\n"
	       "  1  the board runs another firmware after flashing (a wrong image?); --check: a flash is needed\n"
	       "  2  usage error, bad board spec, unknown board, a board without a flasher\n"
	       "  3  the bench failed after the retries: tentacle not found or busy, boot device not seen, flasher\n"
	       "     failed or timed out, the board does not answer; or interrupted\n"
	       "  4  local trouble: cannot write the log, the stamp or the output\n"
	       "  5  setup: the firmware file or its .id is missing or empty, the flasher is not installed\n");
}

static char *lock_dir(void)
{
	const char *run = getenv("XDG_RUNTIME_DIR");
	char *dir = tb_xasprintf("%s/testbed-micropython-locks", run && *run ? run : "/tmp");
	if (mkdir(dir, 0777) != 0 && errno != EEXIST)
		tb_warn_errno("cannot create '%s'", dir);
	return dir;
}

/* take the lock NAME in the lock folder: without waiting (wait_ms 0) or polling up to wait_ms; the
 * open fd (closing it releases the lock), -1 when busy, -2 on errors (message printed) */
static int take_lock(const char *name, long wait_ms, const char *waiting_msg)
{
	char *dir = lock_dir(), *path = tb_xasprintf("%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
	if (fd < 0) {
		tb_warn_errno("cannot open the lock '%s'", path);
		free(dir);
		free(path);
		return -2;
	}
	int64_t until = tb_now_ms() + wait_ms;
	int said = 0;
	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			tb_warn_errno("cannot lock '%s'", path);
			close(fd);
			fd = -2;
			break;
		}
		if (tb_now_ms() >= until || interrupted) {
			close(fd);
			fd = -1;
			break;
		}
		if (!said && waiting_msg) {
			tb_warn("%s", waiting_msg);
			said = 1;
		}
		tb_sleep_ms(100);
	}
	free(dir);
	free(path);
	return fd;
}

/* the wanted identity: --identity, --id-file, or FIRMWARE's .id when it exists; 0, or -1 after a message */
static int wanted_identity(const struct options *o, char **wanted, char **id_path)
{
	*wanted = NULL;
	*id_path = NULL;
	if (o->identity) {
		*wanted = tb_xstrdup(o->identity);
		return 0;
	}
	int given = o->id_file != NULL;
	if (given) {
		*id_path = tb_xstrdup(o->id_file);
	} else {
		const char *slash = strrchr(o->firmware, '/');
		const char *dot = strrchr(slash ? slash + 1 : o->firmware, '.');
		size_t stem = dot ? (size_t)(dot - o->firmware) : strlen(o->firmware);
		*id_path = tb_xasprintf("%.*s.id", (int)stem, o->firmware);
		if (!file_exists(*id_path))
			return 0;
	}
	struct buf b = BUF_INIT;
	if (file_read(*id_path, &b) != 0) {
		tb_warn_errno("cannot read the firmware identity '%s'", *id_path);
		buf_free(&b);
		return -1;
	}
	while (b.len && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == '\r'))
		b.data[--b.len] = 0;
	if (b.len == 0 || memchr(b.data, '\n', b.len)) {
		tb_warn("'%s' must hold one line, the firmware's identity", *id_path);
		buf_free(&b);
		return -1;
	}
	*wanted = tb_xstrdup(buf_str(&b));
	buf_free(&b);
	return 0;
}

/* ask the board at f->app_tty; a few tries, as a board may need a moment after enumerating */
static char *read_identity(struct flash *f, char *why, size_t whylen)
{
	for (int i = 0; i < ID_ATTEMPTS && !interrupted; i++) {
		if (i)
			tb_sleep_ms(500);
		char *id = boardid_read(f->app_tty, 0, 3000, 0, why, whylen);
		if (id) {
			step(f, "identity: %s", id);
			return id;
		}
		step(f, "identity: %s", why);
	}
	return NULL;
}

/* does HAVE run the wanted firmware? Without a wanted identity: its build name is BOARD[-VARIANT] */
static int same_firmware(const char *have, const char *wanted, const struct board_spec *s, const char *variant)
{
	if (wanted)
		return strcmp(have, wanted) == 0;
	char build[128], want[128];
	boardid_build(have, build, sizeof build);
	snprintf(want, sizeof want, "%s%s%s", s->micropython_board ? s->micropython_board : s->name,
		 variant && *variant ? "-" : "", variant ? variant : "");
	return strcmp(build, want) == 0;
}

struct result {
	const char *action, *error;
	char *identity;
	int attempts;
};

static int write_stamp(const char *path, const char *identity)
{
	struct buf old = BUF_INIT;
	char *line = tb_xasprintf("%s\n", identity);
	int same = file_read(path, &old) == 0 && strcmp(buf_str(&old), line) == 0;
	int rc = 0;
	if (!same && (file_mkdirs_for(path) != 0 || file_write_atomic(path, line, strlen(line)) != 0))
		rc = -1;
	buf_free(&old);
	free(line);
	return rc;
}

static void print_result(const struct options *o, struct flash *f, const char *serial, const struct result *r,
			 const char *wanted, const char *log_path, int64_t t0, int rc)
{
	long ms = (long)(tb_now_ms() - t0);
	if (o->json) {
		struct buf j = BUF_INIT;
		buf_addc(&j, '{');
		json_kv_str(&j, "label", f->label);
		json_kv_str(&j, "tentacle", serial);
		json_kv_str(&j, "hub", f->hub);
		json_kv_str(&j, "board", f->spec->name);
		json_kv_str(&j, "variant", o->variant ? o->variant : "");
		json_kv_str(&j, "firmware", o->firmware);
		json_kv_str(&j, "action", r->action);
		json_kv_str(&j, "identity", r->identity);
		json_kv_str(&j, "wanted", wanted);
		json_kv_str(&j, "tty", rc == TB_EXIT_OK ? f->app_tty : NULL);
		json_kv_int(&j, "attempts", r->attempts);
		json_kv_int(&j, "duration_ms", ms);
		json_kv_str(&j, "log", log_path);
		json_kv_bool(&j, "ok", rc == TB_EXIT_OK);
		json_kv_str(&j, "error", r->error);
		buf_adds(&j, "}\n");
		fwrite(j.data, 1, j.len, stdout);
		buf_free(&j);
	} else if (!o->quiet && rc == TB_EXIT_OK) {
		if (strcmp(r->action, "flashed") == 0)
			printf("%s: flashed %s with %s in %.1f s, runs %s on %s\n", f->label, o->firmware,
			       f->spec->program, ms / 1000.0, r->identity, f->app_tty);
		else
			printf("%s: up to date (%s) on %s\n", f->label, r->identity, f->app_tty);
	} else if (!o->quiet && o->check && rc == TB_EXIT_FAIL) {
		printf("%s: needs a flash: runs %s, wanted %s\n", f->label, r->identity ? r->identity : "(no answer)",
		       wanted ? wanted : "(unknown)");
	}
}

static int parse_options(int argc, char **argv, struct options *o)
{
	enum { OPT_SPEC = 256, OPT_BOARDS, OPT_VARIANT, OPT_PROGRAM, OPT_HW, OPT_TTY, OPT_RETRIES, OPT_STAMP,
	       OPT_LABEL, OPT_NOLOCK };
	static const struct option longopts[] = {
		{"tentacle", required_argument, 0, 't'}, {"hub", required_argument, 0, 'H'},
		{"board", required_argument, 0, 'b'},    {"spec", required_argument, 0, OPT_SPEC},
		{"boards-dir", required_argument, 0, OPT_BOARDS}, {"variant", required_argument, 0, OPT_VARIANT},
		{"id-file", required_argument, 0, 'i'},  {"identity", required_argument, 0, 'I'},
		{"force", no_argument, 0, 'f'},          {"check", no_argument, 0, 'c'},
		{"program", required_argument, 0, OPT_PROGRAM}, {"hw-version", required_argument, 0, OPT_HW},
		{"infra-tty", required_argument, 0, OPT_TTY}, {"method", required_argument, 0, 'm'},
		{"retries", required_argument, 0, OPT_RETRIES}, {"log", required_argument, 0, 'l'},
		{"stamp", required_argument, 0, OPT_STAMP}, {"label", required_argument, 0, OPT_LABEL},
		{"no-lock", no_argument, 0, OPT_NOLOCK}, {"json", no_argument, 0, 'j'},
		{"verbose", no_argument, 0, 'v'},        {"quiet", no_argument, 0, 'q'},
		{"help", no_argument, 0, 'h'},           {"version", no_argument, 0, 'V'},
		{0, 0, 0, 0},
	};
	int c;
	long v;
	while ((c = getopt_long(argc, argv, "t:H:b:i:I:fcm:l:jvqhV", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (!tentacle_id_ok(optarg, "--tentacle"))
				return TB_EXIT_USAGE;
			o->tentacle = optarg;
			break;
		case 'H': o->hub = optarg; break;
		case 'b': o->board = optarg; break;
		case OPT_SPEC: o->spec_path = optarg; break;
		case OPT_BOARDS: o->boards_dir = optarg; break;
		case OPT_VARIANT: o->variant = optarg; break;
		case 'i': o->id_file = optarg; break;
		case 'I': o->identity = optarg; break;
		case 'f': o->force = 1; break;
		case 'c': o->check = 1; break;
		case OPT_PROGRAM: o->program = optarg; break;
		case OPT_HW:
			if (tb_parse_long(optarg, 0, 31, "--hw-version", &v) != 0)
				return TB_EXIT_USAGE;
			o->hw_version = (int)v;
			break;
		case OPT_TTY: o->infra_tty = optarg; break;
		case 'm':
			if ((o->method = hubpower_method_parse(optarg)) < 0) {
				tb_warn("invalid value for --method: '%s' (sysfs, libusb or auto)", optarg);
				return TB_EXIT_USAGE;
			}
			break;
		case OPT_RETRIES:
			if (tb_parse_long(optarg, 0, 10, "--retries", &v) != 0)
				return TB_EXIT_USAGE;
			o->retries = (int)v;
			break;
		case 'l': o->log_path = optarg; break;
		case OPT_STAMP: o->stamp = optarg; break;
		case OPT_LABEL: o->label = optarg; break;
		case OPT_NOLOCK: o->no_lock = 1; break;
		case 'j': o->json = 1; break;
		case 'v': o->verbose = 1; break;
		case 'q': o->quiet = 1; break;
		case 'h': help(); return tb_close_stdout() ? TB_EXIT_LOCAL : -1;
		case 'V':
			printf("mp-flash %s\n", VERSION);
			return tb_close_stdout() ? TB_EXIT_LOCAL : -1;
		default: usage(stderr); return TB_EXIT_USAGE;
		}
	}
	const char *why = NULL;
	if (!o->tentacle == !o->hub)
		why = o->hub ? "give either --tentacle or --hub, not both" : "no tentacle given (--tentacle ID or --hub LOCATION)";
	else if (!o->board == !o->spec_path)
		why = o->board ? "give either --board or --spec, not both" : "no board given (--board NAME or --spec FILE)";
	else if (o->force && o->check)
		why = "--force and --check exclude each other";
	else if (o->identity && o->id_file)
		why = "give either --identity or --id-file, not both";
	else if (optind != argc - 1)
		why = optind == argc ? "no firmware file given" : "only one firmware file, please";
	else if (o->board && (!*o->board || strchr(o->board, '/') || o->board[0] == '.'))
		why = "--board takes a board name like RPI_PICO";
	if (why) {
		tb_warn("%s", why);
		usage(stderr);
		return TB_EXIT_USAGE;
	}
	o->firmware = argv[optind];
	return TB_EXIT_OK;
}

int main(int argc, char **argv)
{
	tb_set_progname(argv[0]);
	signal(SIGPIPE, SIG_IGN);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	struct options o = {.hw_version = -1, .retries = 2, .enter_ms = 5000, .method = HUBPOWER_AUTO};
	int rc = parse_options(argc, argv, &o);
	if (rc != TB_EXIT_OK)
		return rc < 0 ? TB_EXIT_OK : rc;

	int64_t t0 = tb_now_ms();
	struct board_spec spec;
	struct flash f;
	struct result r = {.action = "none"};
	char *spec_path = NULL, *boards_dir = NULL, *wanted = NULL, *id_path = NULL, *hub = NULL, *serial = NULL;
	char *label = NULL, *log_path = NULL, *lock_name = NULL;
	int lock_fd = -1, spec_ok = 0;
	memset(&f, 0, sizeof f);
	f.t0 = t0;
	f.stop = &interrupted;
	f.verbose = o.verbose;
	f.enter_ms = o.enter_ms;
	f.method = o.method;
	f.hw_version = o.hw_version;

	/* the board spec */
	if (o.spec_path) {
		spec_path = tb_xstrdup(o.spec_path);
	} else {
		const char *env = getenv("TB_BOARDS_DIR");
		boards_dir = o.boards_dir ? tb_xstrdup(o.boards_dir) : env && *env ? tb_xstrdup(env)
			     : tb_data_dir("boards", "boards", "README.md");
		if (!boards_dir) {
			tb_warn("cannot find the board specs (give --boards-dir DIR)");
			rc = TB_EXIT_SETUP;
			goto out;
		}
		spec_path = tb_xasprintf("%s/%s.json", boards_dir, o.board);
		if (!file_exists(spec_path)) {
			tb_warn("unknown board '%s': no %s", o.board, spec_path);
			rc = TB_EXIT_USAGE;
			goto out;
		}
	}
	if (spec_load(spec_path, &spec) != 0) {
		spec_free(&spec);
		rc = TB_EXIT_USAGE;
		goto out;
	}
	spec_ok = 1;
	f.spec = &spec;
	if (strcmp(spec.program, "none") == 0) {
		tb_warn("board %s has no flasher (a virtual board): nothing to flash", spec.name);
		rc = TB_EXIT_USAGE;
		goto out;
	}

	/* the firmware, its identity, the flasher: before touching the bench */
	struct stat st;
	if (!o.check && (stat(o.firmware, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0)) {
		if (stat(o.firmware, &st) != 0)
			tb_warn_errno("%s: firmware '%s'", spec.name, o.firmware);
		else
			tb_warn("%s: firmware '%s' is %s", spec.name, o.firmware, S_ISREG(st.st_mode) ? "empty" : "not a file");
		rc = TB_EXIT_SETUP;
		goto out;
	}
	if (wanted_identity(&o, &wanted, &id_path) != 0) {
		rc = TB_EXIT_SETUP;
		goto out;
	}
	if (!wanted && !o.force)
		tb_warn("%s: no identity for '%s' (%s): it will be flashed, and only its board name checked",
			spec.name, o.firmware, id_path);
	if (o.check && !wanted) {
		tb_warn("--check needs the wanted identity (%s)", id_path);
		rc = TB_EXIT_SETUP;
		goto out;
	}
	const char *program = o.program ? o.program : spec.program;
	if (!o.check && !program_found(program)) {
		tb_warn("%s: the flasher '%s' is not installed (not in PATH; or give --program PATH)", spec.name, program);
		rc = TB_EXIT_SETUP;
		goto out;
	}

	/* the tentacle */
	rc = TB_EXIT_BOARD;
	if (o.tentacle) {
		hub = tentacle_find_hub(o.tentacle, &serial);
	} else {
		hub = tb_xstrdup(o.hub);
		serial = tentacle_serial_of_hub(hub);
	}
	if (!hub)
		goto out;
	char short_id[8] = "?";
	if (serial && strlen(serial) >= 4)
		snprintf(short_id, sizeof short_id, "%s", serial + strlen(serial) - 4);
	label = o.label ? tb_xstrdup(o.label)
		: tb_xasprintf("%s-%s%s%s", short_id, spec.name, o.variant && *o.variant ? "-" : "", o.variant ? o.variant : "");
	f.label = label;
	f.hub = hub;
	f.dut_location = tb_xasprintf("%s.%d", hub, TENTACLE_PORT_DUT);
	if (o.infra_tty)
		f.infra_tty = tb_xstrdup(o.infra_tty);
	if (!o.no_lock) {
		lock_name = tb_xasprintf("tentacle-%s.lock", serial ? serial : hub);
		if ((lock_fd = take_lock(lock_name, 0, NULL)) < 0) {
			if (lock_fd == -1)
				tb_warn("%s: tentacle %s is busy: another test run or flash holds it", label, hub);
			goto out;
		}
	}
	if (hub_lookup(hub, &f.hubdev) != HUBPOWER_OK)
		goto out;
	log_path = o.log_path ? tb_xstrdup(o.log_path) : tb_xasprintf("mp-flash-%s.log", label);
	if (file_mkdirs_for(log_path) != 0 || !(f.log = fopen(log_path, "a"))) {
		tb_warn_errno("cannot write the log '%s'", log_path);
		rc = TB_EXIT_LOCAL;
		goto out;
	}
	time_t now = time(NULL);
	char date[32];
	strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", localtime(&now));
	fprintf(f.log, "=== %s %s: %s %s on tentacle %s (hub %s)%s\n", date, label, o.check ? "check" : "flash",
		o.firmware, serial ? serial : "?", hub, o.force ? ", forced" : "");
	step(&f, "wanted identity: %s", wanted ? wanted : "(unknown)");
	if (f.hw_version < 0) {
		/* learn the hardware version once (v0.5+ switch the DUT with GPIO23 too) */
		if (!f.infra_tty && !(f.infra_tty = tentacle_infra_tty(hub)))
			goto out;
		if (infra_open(&f.infra, f.infra_tty, 0, f.enter_ms) != INFRA_OK ||
		    infra_hw_version(&f.infra, &f.hw_version) != INFRA_OK) {
			if (f.infra.open)
				infra_close(&f.infra);
			goto out;
		}
		f.infra_open = 1;
		step(&f, "tentacle hardware version %d", f.hw_version);
	}

	/* what runs now */
	char why[256] = "";
	if (!o.force) {
		int up = flow_power_up(&f);
		if (up == FLOW_OK)
			r.identity = read_identity(&f, why, sizeof why);
		if (interrupted)
			goto stopped;
		if (r.identity && same_firmware(r.identity, wanted, &spec, o.variant) && wanted) {
			r.action = "up-to-date";
			rc = TB_EXIT_OK;
			goto done;
		}
		if (o.check) {
			r.action = "needs-flash";
			rc = up == FLOW_OK ? TB_EXIT_FAIL : TB_EXIT_BOARD;
			if (rc == TB_EXIT_BOARD)
				tb_warn("%s: the board did not come up (%s); see %s", label, f.failed_step, log_path);
			goto done;
		}
		step(&f, "a flash is needed: the board runs %s", r.identity ? r.identity : "nothing that answers");
	}

	/* flash, retrying the bench's failures; a flasher that cannot run or a wrong image is not retried */
	if (!o.quiet) /* a flash takes a while: say what is going on */
		fprintf(stderr, "%s: flashing %s with %s%s\n", label, o.firmware, program,
			o.force ? " (forced)" : r.identity ? "" : " (the board does not answer)");
	int lock_teensy = -1;
	for (r.attempts = 1; r.attempts <= 1 + o.retries; r.attempts++) {
		step(&f, "attempt %d of %d", r.attempts, 1 + o.retries);
		if (spec.exclusive && lock_teensy < 0) {
			char *name = tb_xasprintf("flasher-%s.lock", spec.program);
			char *msg = tb_xasprintf("%s: waiting for another %s flash on this host", label, spec.program);
			lock_teensy = take_lock(name, 30 * 60 * 1000L, msg);
			free(name);
			free(msg);
			if (lock_teensy < 0)
				goto stopped;
		}
		int fr = flow_flash(&f, o.program, o.firmware);
		if (fr == FLOW_OK) {
			free(r.identity);
			r.identity = read_identity(&f, why, sizeof why);
			if (r.identity)
				break;
			snprintf(f.failed_step, sizeof f.failed_step, "no answer after the flash");
			fr = FLOW_BOARD;
		}
		if (fr == FLOW_STOPPED || interrupted)
			goto stopped;
		flow_safe_state(&f);
		if (fr == FLOW_SETUP) {
			tb_warn("%s: the flasher '%s' could not run; see %s", label, program, log_path);
			rc = TB_EXIT_SETUP;
			r.error = "flasher could not run";
			goto done;
		}
		if (r.attempts <= o.retries)
			tb_warn("%s: %s (attempt %d of %d), trying again", label, f.failed_step, r.attempts, 1 + o.retries);
	}
	if (lock_teensy >= 0)
		close(lock_teensy);
	if (r.attempts > 1 + o.retries) {
		r.attempts--;
		tb_warn("%s: not flashed: %s (after %d attempt%s); see %s", label, f.failed_step, r.attempts,
			r.attempts == 1 ? "" : "s", log_path);
		r.error = f.failed_step;
		rc = TB_EXIT_BOARD;
		goto done;
	}
	r.action = "flashed";
	if (!same_firmware(r.identity, wanted, &spec, o.variant)) {
		tb_warn("%s: flashed %s, but the board runs '%s', not '%s' (a wrong image?)", label, o.firmware,
			r.identity, wanted ? wanted : spec.micropython_board ? spec.micropython_board : spec.name);
		step(&f, "FAILED: the board runs another firmware");
		r.error = "the board runs another firmware";
		rc = TB_EXIT_FAIL;
		goto done;
	}
	step(&f, "flashed and checked");
	rc = TB_EXIT_OK;
	goto done;
stopped:
	tb_warn("%s: interrupted", label);
	r.error = "interrupted";
	flow_safe_state(&f);
	rc = TB_EXIT_BOARD;
done:
	if (rc == TB_EXIT_OK && o.stamp && write_stamp(o.stamp, r.identity) != 0)
		rc = TB_EXIT_LOCAL;
	step(&f, "end: exit status %d", rc);
	print_result(&o, &f, serial, &r, wanted, log_path, t0, rc);
out:
	if (f.infra_open)
		infra_close(&f.infra);
	if (f.log && fclose(f.log) != 0 && rc == TB_EXIT_OK) {
		tb_warn_errno("cannot write the log '%s'", log_path);
		rc = TB_EXIT_LOCAL;
	}
	if (f.hubdev.location)
		hub_free(&f.hubdev);
	if (lock_fd >= 0)
		close(lock_fd);
	if (spec_ok)
		spec_free(&spec);
	free(f.app_tty);
	free(f.infra_tty);
	free(f.dut_location);
	free(r.identity);
	free(spec_path);
	free(boards_dir);
	free(wanted);
	free(id_path);
	free(hub);
	free(serial);
	free(label);
	free(log_path);
	free(lock_name);
	if (tb_close_stdout() != 0 && rc == TB_EXIT_OK)
		rc = TB_EXIT_LOCAL;
	return rc;
}
