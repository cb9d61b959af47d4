/* The fault injector of --faults: the misbehaviour of real boards on a bench, on purpose, for
 * reliability tests of the tools that drive boards.
 *
 * When faults are drawn: vboard watches the host's bytes. A program starts when the host, in the raw
 * REPL (entered with Ctrl-A, left with Ctrl-B), sends a Ctrl-D after some code (plain raw mode and
 * raw-paste alike; a Ctrl-D on an empty line is a soft reset, not a program). Programs are counted
 * from 1. For each program after the first --faults-after N, while no fault is pending and fewer than
 * --fault-limit faults were injected, one number in [0, 1) is drawn per enabled kind, in the order
 * hang, disconnect, reset, garbage, slow, refuse; the first kind whose number is below its rate is
 * chosen (rate 1 always hits). A seeded PRNG (splitmix64) makes the same seed and the same host
 * traffic give the same faults.
 *
 * When a fault strikes: refuse strikes at once. The others strike in the middle of the program's
 * output: after CUT bytes of the board's output (CUT drawn in 2..48), or earlier, just before the
 * first 0x04 at or after the third byte (the end of the program's stdout), so the host never sees
 * the program's complete answer; or, when the board says too little, PENDING_WAIT_MS after the
 * program started (plus --exec-delay, plus the time --in-baud takes to deliver the program).
 *
 * The kinds:
 *   hang        the board stops answering: its output after the strike and all host bytes are dropped
 *               until the board process is started again (SIGUSR1 power cycle, or a restart after it
 *               died); like a hard hang only a power cycle clears.
 *   disconnect  USB unplug and replug: the board's output is cut, the board process killed, the pty
 *               master closed (a client gets EIO / POLLHUP) and the link PATH removed; after
 *               UNPLUG_MIN_MS..UNPLUG_MAX_MS a new pty is linked at PATH and a fresh board boots
 *               (the boot banner follows, as after a power cycle).
 *   reset       the board is power-cycled in the middle of its output, as SIGUSR1 does (the output
 *               before the strike is delivered, then the boot banner).
 *   garbage     GARBAGE_MIN..GARBAGE_MAX random bytes (always including 0x00, 0x04, 0xff and '>')
 *               inserted into the board->host stream; the board's own bytes continue after them.
 *   slow        board->host output throttled to SLOW_BYTES_PER_S bytes/s (or --baud if slower) for
 *               SLOW_MIN_MS..SLOW_MAX_MS.
 *   refuse      for REFUSE_MIN_MS..REFUSE_MAX_MS from the program start, every host Ctrl-A (0x01) is
 *               dropped, except the one of the raw-paste request "\x05A\x01": the board will not enter
 *               the raw REPL, until that time is over or the board process starts again (a firmware
 *               in a bad state: a power cycle ends it).
 * Durations and sizes are drawn from the same PRNG; the log gives them.
 *
 * The log (--fault-log FILE): one JSON line per injected fault, appended with one write(2) when the
 * fault strikes: {"t_ms":<ms since the Unix epoch>,"kind":"<kind>","detail":"<text>","seq":<1,2,..>,
 * "program":<the program it hit>}. Nothing else is written there. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vboard.h"

#define MS 1000000u
#define CUT_MIN 2
#define CUT_MAX 48
#define PENDING_WAIT_MS 2000
#define UNPLUG_MIN_MS 500
#define UNPLUG_MAX_MS 1500
#define GARBAGE_MIN 16
#define GARBAGE_MAX 64
#define SLOW_BYTES_PER_S 300
#define SLOW_MIN_MS 2000
#define SLOW_MAX_MS 4000
#define REFUSE_MIN_MS 2000
#define REFUSE_MAX_MS 4000

static const char *const kind_names[VB_FAULT_KINDS] = {
	[VB_FAULT_HANG] = "hang",
	[VB_FAULT_DISCONNECT] = "disconnect",
	[VB_FAULT_RESET] = "reset",
	[VB_FAULT_GARBAGE] = "garbage",
	[VB_FAULT_SLOW] = "slow",
	[VB_FAULT_REFUSE] = "refuse",
};

/* ---- the spec of --faults: KIND[:RATE][,KIND[:RATE]...], KIND one of kind_names or "all" ---- */

static int parse_rate(const char *text, size_t len, double *out)
{
	char *copy, *end;
	double v;
	int rc = -1;

	if (len == 0)
		goto bad;
	copy = strndup(text, len);
	if (!copy) {
		fprintf(stderr, VB_PROG ": cannot allocate memory: %s\n", strerror(errno));
		return -1;
	}
	if (strspn(copy, "0123456789.") != len) { /* plain decimals only: no sign, exponent, hex, inf, nan */
		free(copy);
		goto bad;
	}
	errno = 0;
	v = strtod(copy, &end);
	if (errno == 0 && *end == '\0' && !isnan(v) && v >= 0.0 && v <= 1.0) {
		*out = v;
		rc = 0;
	}
	free(copy);
	if (rc == 0)
		return 0;
bad:
	fprintf(stderr, VB_PROG ": invalid rate for --faults: '%.*s' (a number from 0 to 1)\n", (int)len, text);
	return -1;
}

int vb_fault_parse_spec(const char *spec, struct vb_fault_cfg *cfg)
{
	const char *p = spec, *item_end, *colon;
	size_t name_len;
	double rate;
	int k;
	bool found;

	for (k = 0; k < VB_FAULT_KINDS; k++)
		cfg->rate[k] = 0.0;
	if (!*spec) {
		fprintf(stderr, VB_PROG ": empty --faults\n");
		return -1;
	}
	for (;;) {
		item_end = strchr(p, ',');
		if (!item_end)
			item_end = p + strlen(p);
		colon = memchr(p, ':', (size_t)(item_end - p));
		name_len = (size_t)((colon ? colon : item_end) - p);
		if (name_len == 0) {
			fprintf(stderr, VB_PROG ": empty fault kind in --faults '%s'\n", spec);
			return -1;
		}
		rate = VB_FAULT_DEFAULT_RATE;
		if (colon && parse_rate(colon + 1, (size_t)(item_end - colon - 1), &rate) != 0)
			return -1;
		found = false;
		for (k = 0; k < VB_FAULT_KINDS; k++) {
			if (strlen(kind_names[k]) == name_len && memcmp(kind_names[k], p, name_len) == 0) {
				cfg->rate[k] = rate;
				found = true;
			}
		}
		if (!found && name_len == 3 && memcmp(p, "all", 3) == 0) {
			for (k = 0; k < VB_FAULT_KINDS; k++)
				cfg->rate[k] = rate;
			found = true;
		}
		if (!found) {
			fprintf(stderr, VB_PROG ": unknown fault kind '%.*s' in --faults (hang, disconnect, reset, "
				"garbage, slow, refuse or all)\n", (int)name_len, p);
			return -1;
		}
		if (*item_end == '\0')
			break;
		p = item_end + 1;
	}
	cfg->on = true;
	return 0;
}

/* ---- PRNG: splitmix64 ---- */

static uint64_t next_u64(struct vb_fault *f)
{
	uint64_t z = (f->rng += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* uniform in [0, 1) */
static double next_unit(struct vb_fault *f)
{
	return (double)(next_u64(f) >> 11) * (1.0 / 9007199254740992.0);
}

/* uniform in [lo, hi] (hi - lo small) */
static uint64_t next_range(struct vb_fault *f, uint64_t lo, uint64_t hi)
{
	return lo + next_u64(f) % (hi - lo + 1);
}

/* ---- the log ---- */

static uint64_t epoch_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / MS;
}

static void json_str(struct buf *b, const char *s)
{
	buf_addc(b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			buf_printf(b, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			buf_printf(b, "\\u%04x", c);
		else
			buf_addc(b, c);
	}
	buf_addc(b, '"');
}

/* a fault struck: count it, say so, and append its line to the log */
static void record(struct vb_fault *f, enum vb_fault_kind kind, unsigned long prog, const char *detail)
{
	struct buf line = BUF_INIT;
	size_t off = 0;
	ssize_t n;

	f->injected++;
	vb_info("fault %lu: %s in program %lu: %s", f->injected, kind_names[kind], prog, detail);
	if (f->log_fd < 0)
		return;
	buf_printf(&line, "{\"t_ms\":%llu,\"kind\":", (unsigned long long)epoch_ms());
	json_str(&line, kind_names[kind]);
	buf_adds(&line, ",\"detail\":");
	json_str(&line, detail);
	buf_printf(&line, ",\"seq\":%lu,\"program\":%lu}\n", f->injected, prog);
	/* O_APPEND and one write: the line lands whole, and at once */
	while (off < line.len) {
		n = write(f->log_fd, line.data + off, line.len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			vb_err("cannot write to '%s': %s", f->cfg.log, n < 0 ? strerror(errno) : "nothing written");
			break;
		}
		off += (size_t)n;
	}
	buf_free(&line);
}

/* ---- set-up ---- */

int vb_fault_init(struct vb_fault *f, const struct vb_fault_cfg *cfg, const struct vb_relay *r)
{
	char rates[256];
	size_t used = 0;
	int k, n;

	memset(f, 0, sizeof *f);
	f->cfg = *cfg;
	f->log_fd = -1;
	f->pending = -1;
	if (!cfg->on)
		return 0;
	f->base_ns_per_byte = r->ns_per_byte;
	if (!cfg->seed_given)
		f->cfg.seed = (unsigned long)(vb_now_ns() ^ ((uint64_t)getpid() << 32) ^ epoch_ms());
	f->rng = f->cfg.seed;
	if (cfg->log) {
		f->log_fd = open(cfg->log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		if (f->log_fd < 0) {
			vb_err("cannot open '%s': %s", cfg->log, strerror(errno));
			return -1;
		}
	}
	rates[0] = '\0';
	for (k = 0; k < VB_FAULT_KINDS; k++) {
		if (cfg->rate[k] <= 0.0)
			continue;
		n = snprintf(rates + used, sizeof rates - used, "%s%s:%g", used ? "," : "", kind_names[k],
			     cfg->rate[k]);
		if (n < 0 || (size_t)n >= sizeof rates - used)
			break; /* cannot happen: six short items */
		used += (size_t)n;
	}
	vb_info("faults: %s, seed %lu, after %lu programs, limit %lu", used ? rates : "none", f->cfg.seed,
		cfg->after, cfg->limit);
	return 0;
}

void vb_fault_free(struct vb_fault *f)
{
	vb_close_fd(&f->log_fd, "the fault log");
}

void vb_fault_board_started(struct vb_fault *f)
{
	if (!f->cfg.on)
		return;
	f->hung = false;
	f->refuse_until = 0;
	f->pending = -1;
	f->raw = false;
	f->line = false;
	f->prev[0] = f->prev[1] = 0;
}

/* ---- striking ---- */

static void drop_host_bytes(struct vb_relay *r)
{
	r->to_board.len = 0;
	r->eot_head = 0;
	r->eot_len = 0;
}

static void cut_output(struct vb_relay *r, size_t at)
{
	if (at < r->to_host.len) {
		r->to_host.len = at;
		r->to_host.data[at] = 0;
	}
}

static void insert_garbage(struct vb_fault *f, struct vb_relay *r, size_t at, unsigned long prog)
{
	static const unsigned char must[] = { 0x00, 0x04, 0xff, '>' };
	static const unsigned char often[] = { 0x00, 0x01, 0x04, 0xff, '>', '\r', '\n' };
	unsigned char junk[GARBAGE_MAX];
	char detail[64 + 2 * GARBAGE_MAX];
	size_t len = (size_t)next_range(f, GARBAGE_MIN, GARBAGE_MAX), i, j, used;
	unsigned char *d;
	uint64_t x;
	int n;

	for (i = 0; i < len; i++) {
		x = next_u64(f);
		junk[i] = (x & 1) ? often[(x >> 8) % sizeof often] : (unsigned char)(x >> 16);
	}
	/* the four that confuse a raw REPL client most, each at its own place */
	for (i = 0; i < sizeof must; i++) {
		j = i + (size_t)(next_u64(f) % (len - i));
		junk[j] = junk[i];
		junk[i] = must[i];
	}
	for (i = 0; i < len; i++) { /* shuffle, so that they are not always first */
		j = (size_t)(next_u64(f) % (len - i)) + i;
		x = junk[i];
		junk[i] = junk[j];
		junk[j] = (unsigned char)x;
	}
	buf_reserve(&r->to_host, len);
	d = r->to_host.data;
	memmove(d + at + len, d + at, r->to_host.len - at);
	memcpy(d + at, junk, len);
	r->to_host.len += len;
	d[r->to_host.len] = 0;

	n = snprintf(detail, sizeof detail, "%zu bytes after %zu bytes of output: ", len, f->seen);
	used = n > 0 && (size_t)n < sizeof detail ? (size_t)n : 0;
	for (i = 0; i < len && used + 3 <= sizeof detail; i++) {
		n = snprintf(detail + used, sizeof detail - used, "%02x", junk[i]);
		if (n != 2)
			break;
		used += 2;
	}
	record(f, VB_FAULT_GARBAGE, prog, detail);
}

/* the pending fault strikes at r->to_host[at] */
static enum vb_fault_action strike(struct vb_fault *f, struct vb_relay *r, size_t at, uint64_t now)
{
	enum vb_fault_kind kind = (enum vb_fault_kind)f->pending;
	unsigned long prog = f->pending_prog;
	uint64_t ms, ns;
	char detail[160];

	f->pending = -1;
	switch (kind) {
	case VB_FAULT_HANG:
		cut_output(r, at);
		drop_host_bytes(r);
		f->hung = true;
		snprintf(detail, sizeof detail, "board hung after %zu bytes of output; needs a power cycle", f->seen);
		record(f, kind, prog, detail);
		return VB_FA_NONE;
	case VB_FAULT_DISCONNECT:
		cut_output(r, at);
		ms = next_range(f, UNPLUG_MIN_MS, UNPLUG_MAX_MS);
		f->unplugged = true;
		f->replug_at = now + ms * MS;
		snprintf(detail, sizeof detail, "unplugged after %zu bytes of output; back in %llu ms", f->seen,
			 (unsigned long long)ms);
		record(f, kind, prog, detail);
		return VB_FA_UNPLUG;
	case VB_FAULT_RESET:
		cut_output(r, at);
		snprintf(detail, sizeof detail, "reset after %zu bytes of output", f->seen);
		record(f, kind, prog, detail);
		return VB_FA_RESET;
	case VB_FAULT_GARBAGE:
		insert_garbage(f, r, at, prog);
		return VB_FA_NONE;
	case VB_FAULT_SLOW:
		ms = next_range(f, SLOW_MIN_MS, SLOW_MAX_MS);
		ns = 1000000000u / SLOW_BYTES_PER_S;
		if (ns > f->base_ns_per_byte)
			r->ns_per_byte = ns;
		f->slow_until = now + ms * MS;
		snprintf(detail, sizeof detail, "output at %llu bytes/s for %llu ms after %zu bytes of output",
			 (unsigned long long)(1000000000u / r->ns_per_byte), (unsigned long long)ms, f->seen);
		record(f, kind, prog, detail);
		return VB_FA_NONE;
	case VB_FAULT_REFUSE:
	case VB_FAULT_KINDS:
		break;
	}
	return VB_FA_NONE;
}

/* the host started program f->programs: maybe choose a fault for it */
static void program_started(struct vb_fault *f, const struct vb_relay *r, uint64_t now)
{
	char detail[96];
	int k, chosen = -1;
	double x;
	uint64_t ms;

	if (f->programs <= f->cfg.after || f->pending >= 0 || f->hung || f->unplugged)
		return;
	if (f->cfg.limit && f->injected >= f->cfg.limit)
		return;
	for (k = 0; k < VB_FAULT_KINDS; k++) {
		if (f->cfg.rate[k] <= 0.0)
			continue;
		x = next_unit(f);
		if (chosen < 0 && x < f->cfg.rate[k])
			chosen = k;
	}
	if (chosen < 0)
		return;
	if (chosen == VB_FAULT_REFUSE) {
		ms = next_range(f, REFUSE_MIN_MS, REFUSE_MAX_MS);
		f->refuse_until = now + ms * MS;
		snprintf(detail, sizeof detail, "Ctrl-A ignored for %llu ms", (unsigned long long)ms);
		record(f, VB_FAULT_REFUSE, f->programs, detail);
		return;
	}
	f->pending = chosen;
	f->pending_prog = f->programs;
	f->seen = 0;
	f->cut = (size_t)next_range(f, CUT_MIN, CUT_MAX);
	/* the board gets the program later when --exec-delay holds it or --in-baud paces it */
	f->pending_deadline = now + r->exec_delay_ns + (uint64_t)r->to_board.len * r->in_ns_per_byte +
			      (uint64_t)PENDING_WAIT_MS * MS;
}

void vb_fault_host_read(struct vb_fault *f, struct vb_relay *r, size_t start, uint64_t now)
{
	unsigned char *d = r->to_board.data, c;
	size_t i, w = start;
	bool keep;

	if (!f->cfg.on || start >= r->to_board.len)
		return;
	if (f->hung) {
		drop_host_bytes(r);
		return;
	}
	for (i = start; i < r->to_board.len; i++) {
		c = d[i];
		keep = true;
		switch (c) {
		case 0x01:
			if (!(f->prev[0] == 0x05 && f->prev[1] == 'A')) {
				if (f->refuse_until && now < f->refuse_until)
					keep = false;
				else
					f->raw = true;
			}
			f->line = false;
			break;
		case 0x02:
			f->raw = false;
			f->line = false;
			break;
		case 0x03:
		case 0x05:
			f->line = false;
			break;
		case 0x04:
			if (f->raw && f->line) {
				f->programs++;
				program_started(f, r, now);
			}
			f->line = false;
			break;
		default:
			f->line = true;
			break;
		}
		f->prev[0] = f->prev[1];
		f->prev[1] = c;
		if (keep)
			d[w++] = c;
	}
	r->to_board.len = w;
	d[w] = 0;
}

enum vb_fault_action vb_fault_board_read(struct vb_fault *f, struct vb_relay *r, size_t start, uint64_t now)
{
	size_t i;

	if (!f->cfg.on)
		return VB_FA_NONE;
	if (f->hung) {
		cut_output(r, start);
		return VB_FA_NONE;
	}
	if (f->pending < 0)
		return VB_FA_NONE;
	for (i = start; i < r->to_host.len; i++) {
		if (f->seen >= f->cut || (f->seen >= 2 && r->to_host.data[i] == 0x04))
			return strike(f, r, i, now);
		f->seen++;
	}
	if (f->seen >= f->cut)
		return strike(f, r, r->to_host.len, now);
	return VB_FA_NONE;
}

static bool due(uint64_t at, uint64_t now, uint64_t *wake)
{
	if (now >= at)
		return true;
	if (at < *wake)
		*wake = at;
	return false;
}

enum vb_fault_action vb_fault_tick(struct vb_fault *f, struct vb_relay *r, uint64_t now, uint64_t *wake)
{
	if (!f->cfg.on)
		return VB_FA_NONE;
	if (f->slow_until && due(f->slow_until, now, wake)) {
		f->slow_until = 0;
		r->ns_per_byte = f->base_ns_per_byte;
		vb_info("fault: slow output ends");
	}
	if (f->refuse_until && due(f->refuse_until, now, wake)) {
		f->refuse_until = 0;
		vb_info("fault: Ctrl-A taken again");
	}
	if (f->unplugged && due(f->replug_at, now, wake)) {
		f->unplugged = false;
		vb_info("fault: replugged");
		return VB_FA_REPLUG;
	}
	if (f->pending >= 0 && due(f->pending_deadline, now, wake))
		return strike(f, r, r->to_host.len, now);
	return VB_FA_NONE;
}
