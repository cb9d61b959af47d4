#include "util.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *tb_progname = "testbed";

void tb_set_progname(const char *argv0)
{
	const char *slash = argv0 ? strrchr(argv0, '/') : NULL;
	if (argv0 && *argv0)
		tb_progname = slash ? slash + 1 : argv0;
}

static void vwarn(int errnum, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", tb_progname);
	vfprintf(stderr, fmt, ap);
	if (errnum)
		fprintf(stderr, ": %s", strerror(errnum));
	fputc('\n', stderr);
}

void tb_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vwarn(0, fmt, ap);
	va_end(ap);
}

void tb_warn_errno(const char *fmt, ...)
{
	int e = errno;
	va_list ap;
	va_start(ap, fmt);
	vwarn(e, fmt, ap);
	va_end(ap);
}

static void oom(size_t n)
{
	fprintf(stderr, "%s: out of memory (%zu bytes)\n", tb_progname, n);
	exit(4);
}

void *tb_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *tb_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	return q;
}

char *tb_xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	return memcpy(tb_xmalloc(n), s, n);
}

char *tb_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom(0);
	return s;
}

int tb_parse_long(const char *text, long min, long max, const char *opt, long *out)
{
	char *end = NULL;
	errno = 0;
	long v = text && *text ? strtol(text, &end, 10) : 0;
	if (!text || !*text || errno || *end || v < min || v > max) {
		tb_warn("invalid value for %s: '%s' (expected a whole number from %ld to %ld)", opt,
			text ? text : "", min, max);
		return -1;
	}
	*out = v;
	return 0;
}

int tb_parse_seconds(const char *text, long min_ms, long max_ms, const char *opt, long *out_ms)
{
	char *end = NULL;
	errno = 0;
	double v = text && *text ? strtod(text, &end) : -1;
	if (!text || !*text || errno || *end || !(v * 1000.0 >= (double)min_ms) ||
	    !(v * 1000.0 <= (double)max_ms)) {
		tb_warn("invalid value for %s: '%s' (expected seconds from %g to %g)", opt, text ? text : "",
			min_ms / 1000.0, max_ms / 1000.0);
		return -1;
	}
	*out_ms = (long)(v * 1000.0 + 0.5);
	return 0;
}

int64_t tb_now_ms(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0; /* cannot happen with CLOCK_MONOTONIC */
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void tb_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int tb_close_stdout(void)
{
	if (ferror(stdout) | (fclose(stdout) != 0)) {
		tb_warn_errno("cannot write to standard output");
		return -1;
	}
	return 0;
}
