/* vboard-client: a tiny serial client for the vboard integration test.
 *
 * usage: vboard-client [-d DRAIN_MS] [-t TIMEOUT_MS] [-q QUIET_MS] [-e EXPECT] [-r N] [-p FILE] PORT [SEND]
 *
 * Opens PORT, optionally reads and drops whatever arrives for DRAIN_MS, writes SEND, then reads until
 * EXPECT has been seen (or TIMEOUT_MS passed), and QUIET_MS more for trailing bytes. Prints what it read
 * on stdout, escaped (\r \n \\ \xNN), one line. SEND and EXPECT take the same escapes.
 * -r N   do the SEND/EXPECT exchange N times and print the mean round trip (microseconds) to stderr.
 * -p FILE  raw-paste FILE instead of writing SEND: "\x05A\x01", read "R\x01" and the window, send the
 *          data honouring the window and the board's \x01 acks, then "\x04"; what follows "R\x01"+window
 *          is printed.
 * Exit: 0 EXPECT seen (or none given), 1 not seen in time, 2 usage, 3 I/O error.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

struct bytes {
	unsigned char *p;
	size_t len, cap;
};

static void die_nomem(void)
{
	fprintf(stderr, "vboard-client: cannot allocate memory\n");
	exit(3);
}

static void push(struct bytes *b, const unsigned char *d, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		unsigned char *p;

		while (cap < b->len + n)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p)
			die_nomem();
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, d, n);
	b->len += n;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int unescape(const char *s, struct bytes *out)
{
	unsigned char c;
	int h, l;

	while (*s) {
		if (*s != '\\') {
			c = (unsigned char)*s++;
			push(out, &c, 1);
			continue;
		}
		s++;
		switch (*s) {
		case 'r': c = '\r'; s++; break;
		case 'n': c = '\n'; s++; break;
		case 't': c = '\t'; s++; break;
		case '\\': c = '\\'; s++; break;
		case 'x':
			h = hexval(s[1]);
			l = h < 0 ? -1 : hexval(s[2]);
			if (l < 0)
				return -1;
			c = (unsigned char)(h * 16 + l);
			s += 3;
			break;
		default:
			return -1;
		}
		push(out, &c, 1);
	}
	return 0;
}

static void print_escaped(const struct bytes *b)
{
	size_t i;

	for (i = 0; i < b->len; i++) {
		unsigned char c = b->p[i];

		if (c == '\r')
			fputs("\\r", stdout);
		else if (c == '\n')
			fputs("\\n", stdout);
		else if (c == '\\')
			fputs("\\\\", stdout);
		else if (c >= 0x20 && c < 0x7f)
			putchar(c);
		else
			printf("\\x%02x", c);
	}
	putchar('\n');
}

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int parse_int(const char *opt, const char *s, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	if (errno || *end || end == s || *out < 0) {
		fprintf(stderr, "vboard-client: bad number for %s: '%s'\n", opt, s);
		return -1;
	}
	return 0;
}

/* read what arrives until deadline; 1 byte-count>0, 0 timeout, -1 error */
static int read_some(int fd, struct bytes *got, long long deadline)
{
	unsigned char buf[4096];
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	long long left = deadline - now_us();
	ssize_t n;
	int rc;

	if (left < 0)
		left = 0;
	rc = poll(&pfd, 1, (int)((left + 999) / 1000));
	if (rc < 0)
		return errno == EINTR ? 0 : -1;
	if (rc == 0)
		return 0;
	n = read(fd, buf, sizeof buf);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if (n == 0)
		return -1;
	push(got, buf, (size_t)n);
	return 1;
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	ssize_t w;

	while (n) {
		w = write(fd, p, n);
		if (w < 0 && errno == EAGAIN) {
			if (poll(&pfd, 1, 5000) <= 0)
				return -1;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int contains(const struct bytes *hay, size_t from, const struct bytes *needle)
{
	size_t i;

	if (needle->len == 0)
		return 1;
	for (i = from; i + needle->len <= hay->len; i++)
		if (memcmp(hay->p + i, needle->p, needle->len) == 0)
			return 1;
	return 0;
}

/* wait for EXPECT in got (from offset from), then QUIET ms more; 0 seen, 1 not seen, -1 error */
static int await(int fd, struct bytes *got, size_t from, const struct bytes *expect, long timeout_ms,
		 long quiet_ms)
{
	long long deadline = now_us() + timeout_ms * 1000LL;
	int rc;

	while (!contains(got, from, expect)) {
		if (now_us() >= deadline)
			return 1;
		rc = read_some(fd, got, deadline);
		if (rc < 0)
			return -1;
	}
	deadline = now_us() + quiet_ms * 1000LL;
	while (now_us() < deadline) {
		rc = read_some(fd, got, deadline);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* raw-paste of data: the part after "R\x01" + window goes to got */
static int raw_paste(int fd, const struct bytes *data, struct bytes *got, long timeout_ms)
{
	struct bytes hdr = { 0 };
	long long deadline = now_us() + timeout_ms * 1000LL;
	size_t sent = 0, budget, window, n;
	unsigned char c;
	int rc;

	if (write_all(fd, (const unsigned char *)"\x05" "A\x01", 3) != 0)
		return -1;
	/* read exactly 4 bytes of header, one at a time, so nothing after it is taken */
	while (hdr.len < 4) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (now_us() >= deadline || poll(&pfd, 1, 100) < 0)
			goto fail;
		r = read(fd, &c, 1);
		if (r == 1)
			push(&hdr, &c, 1);
		else if (r < 0 && errno != EAGAIN && errno != EINTR)
			goto fail;
	}
	if (hdr.p[0] != 'R' || hdr.p[1] != 0x01) {
		fprintf(stderr, "vboard-client: raw-paste refused: %02x %02x\n", hdr.p[0], hdr.p[1]);
		goto fail;
	}
	window = (size_t)hdr.p[2] | (size_t)hdr.p[3] << 8;
	budget = window;
	free(hdr.p);
	while (sent < data->len) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		/* take the board's acks as they come; wait for one when the budget is spent */
		rc = poll(&pfd, 1, budget ? 0 : 100);
		if (rc < 0)
			return -1;
		if (rc > 0) {
			if (read(fd, &c, 1) == 1) {
				if (c == 0x01) {
					budget += window;
				} else if (c == 0x04) {
					fprintf(stderr, "vboard-client: board ended raw-paste early\n");
					break;
				} else {
					push(got, &c, 1);
				}
			}
			continue;
		}
		if (!budget) {
			if (now_us() >= deadline)
				return -1;
			continue;
		}
		n = data->len - sent < budget ? data->len - sent : budget;
		if (write_all(fd, data->p + sent, n) != 0)
			return -1;
		sent += n;
		budget -= n;
	}
	return write_all(fd, (const unsigned char *)"\x04", 1);
fail:
	free(hdr.p);
	return -1;
}

static int read_file(const char *path, struct bytes *out)
{
	unsigned char buf[4096];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return -1;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		push(out, buf, n);
	if (ferror(f)) {
		fclose(f);
		return -1;
	}
	return fclose(f);
}

int main(int argc, char **argv)
{
	long drain = 0, timeout = 5000, quiet = 30, reps = 1;
	struct bytes send = { 0 }, expect = { 0 }, got = { 0 }, paste = { 0 };
	const char *paste_file = NULL;
	struct termios t;
	long long t0, total = 0;
	int opt, fd, rc = 0;
	long i;

	while ((opt = getopt(argc, argv, "d:t:q:e:r:p:")) != -1) {
		switch (opt) {
		case 'd': if (parse_int("-d", optarg, &drain)) return 2; break;
		case 't': if (parse_int("-t", optarg, &timeout)) return 2; break;
		case 'q': if (parse_int("-q", optarg, &quiet)) return 2; break;
		case 'r': if (parse_int("-r", optarg, &reps) || reps < 1) return 2; break;
		case 'p': paste_file = optarg; break;
		case 'e':
			if (unescape(optarg, &expect)) {
				fprintf(stderr, "vboard-client: bad escape in -e\n");
				return 2;
			}
			break;
		default:
			return 2;
		}
	}
	if (optind >= argc || argc - optind > 2) {
		fprintf(stderr, "usage: vboard-client [-d MS] [-t MS] [-q MS] [-e EXPECT] [-r N] [-p FILE] PORT [SEND]\n");
		return 2;
	}
	if (optind + 1 < argc && unescape(argv[optind + 1], &send)) {
		fprintf(stderr, "vboard-client: bad escape in SEND\n");
		return 2;
	}
	if (paste_file && read_file(paste_file, &paste) != 0) {
		fprintf(stderr, "vboard-client: cannot read '%s': %s\n", paste_file, strerror(errno));
		return 3;
	}
	fd = open(argv[optind], O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "vboard-client: cannot open '%s': %s\n", argv[optind], strerror(errno));
		return 3;
	}
	if (tcgetattr(fd, &t) == 0) {
		cfmakeraw(&t);
		if (tcsetattr(fd, TCSANOW, &t) != 0) {
			fprintf(stderr, "vboard-client: cannot set raw mode: %s\n", strerror(errno));
			return 3;
		}
	}
	if (drain > 0) {
		struct bytes junk = { 0 };
		long long end = now_us() + drain * 1000LL;

		while (now_us() < end)
			if (read_some(fd, &junk, end) < 0)
				break;
		free(junk.p);
	}
	for (i = 0; i < reps && rc == 0; i++) {
		size_t from = got.len;

		t0 = now_us();
		if (paste_file) {
			if (raw_paste(fd, &paste, &got, timeout) != 0) {
				rc = -1;
				break;
			}
		} else if (send.len && write_all(fd, send.p, send.len) != 0) {
			rc = -1;
			break;
		}
		rc = await(fd, &got, from, &expect, timeout, reps > 1 ? 0 : quiet);
		total += now_us() - t0;
	}
	if (reps > 1 && rc == 0)
		fprintf(stderr, "%lld\n", total / reps);
	if (reps == 1 || rc != 0)
		print_escaped(&got);
	if (close(fd) != 0 && rc == 0)
		rc = -1;
	free(send.p);
	free(expect.p);
	free(got.p);
	free(paste.p);
	if (rc < 0) {
		fprintf(stderr, "vboard-client: i/o error on '%s': %s\n", argv[optind], strerror(errno));
		return 3;
	}
	return rc;
}
