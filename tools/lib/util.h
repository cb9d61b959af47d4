/* Small helpers every tool uses: messages, allocation, number parsing, clocks. */
#ifndef TB_UTIL_H
#define TB_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

extern const char *tb_progname;

void tb_set_progname(const char *argv0);
/* "prog: message" to stderr */
void tb_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "prog: message: strerror(errno)" to stderr */
void tb_warn_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* allocation that aborts the program with a message when memory runs out */
void *tb_xmalloc(size_t n);
void *tb_xrealloc(void *p, size_t n);
char *tb_xstrdup(const char *s);
char *tb_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* parse a whole decimal number in [min, max]; on error prints "prog: invalid value for OPT: 'TEXT'"
 * and returns -1 */
int tb_parse_long(const char *text, long min, long max, const char *opt, long *out);
/* parse seconds with an optional fraction ("30", "0.5") into milliseconds in [min_ms, max_ms] */
int tb_parse_seconds(const char *text, long min_ms, long max_ms, const char *opt, long *out_ms);

/* monotonic clock in milliseconds */
int64_t tb_now_ms(void);
void tb_sleep_ms(long ms);

/* check and close stdout; returns 0, or -1 after a message */
int tb_close_stdout(void);

#endif
