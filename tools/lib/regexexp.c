#include "regexexp.h"
#include "lines.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>

static const char *const listed[] = {
	/* the official runner's list (tests/run-tests.py, tests_with_regex_output) */
	"micropython/meminfo.py",
	"basics/bytes_compare3.py",
	"basics/builtin_help.py",
	"basics/weakref_callback_exception.py",
	"misc/sys_settrace_cov.py",
	"net_inet/tls_text_errors.py",
	"ports/unix/extra_coverage.py",
	"thread/thread_exc2.py",
	"ports/esp32/partition_ota.py",
};

int regexexp_is_listed(const char *name)
{
	for (size_t i = 0; i < sizeof listed / sizeof listed[0]; i++)
		if (strcmp(name, listed[i]) == 0)
			return 1;
	return 0;
}

static int is_meta(uint8_t c)
{
	return c && strchr("()[]{}.*+^$", c) != NULL;
}

/* Python's re syntax reaches us through the backslash; POSIX ERE lacks the class escapes, so they
 * are spelled out. Other escapes pass through as the literal character. */
static void add_escape(struct buf *ere, uint8_t c)
{
	switch (c) {
	case 'd': buf_adds(ere, "[0-9]"); break;
	case 'D': buf_adds(ere, "[^0-9]"); break;
	case 'w': buf_adds(ere, "[A-Za-z0-9_]"); break;
	case 'W': buf_adds(ere, "[^A-Za-z0-9_]"); break;
	case 's': buf_adds(ere, "[[:space:]]"); break;
	case 'S': buf_adds(ere, "[^[:space:]]"); break;
	case 'n': buf_adds(ere, "\n"); break;
	case 'r': buf_adds(ere, "\r"); break;
	case 't': buf_adds(ere, "\t"); break;
	default:
		if (is_meta(c) || strchr("|?\\", c))
			buf_addc(ere, '\\');
		buf_addc(ere, c);
		break;
	}
}

int regexexp_translate(const uint8_t *line, size_t len, int has_nl, struct buf *ere)
{
	buf_reset(ere);
	buf_addc(ere, '^');
	int escape = 0;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = line[i];
		if (c == 0)
			return -1; /* regcomp takes C strings */
		if (escape) {
			escape = 0;
			if (c == '\\' && i + 1 < len) {
				/* "\\x": the regex engine sees "\x" */
				add_escape(ere, line[++i]);
			} else {
				/* an operator, or an ordinary character, as it is */
				buf_addc(ere, c);
			}
		} else if (c == '\\') {
			escape = 1;
		} else if (is_meta(c)) {
			buf_addc(ere, '\\');
			buf_addc(ere, c);
		} else if (c == '|' || c == '?') {
			buf_addc(ere, c); /* operators in Python's syntax too */
		} else {
			buf_addc(ere, c);
		}
	}
	if (has_nl)
		buf_adds(ere, "\r*\n");
	return 0;
}

static int line_matches(const uint8_t *pat, size_t plen, int pat_nl, const uint8_t *line, size_t llen)
{
	struct buf ere = BUF_INIT;
	regex_t re;
	int ok = 0;
	if (regexexp_translate(pat, plen, pat_nl, &ere) == 0 &&
	    regcomp(&re, buf_str(&ere), REG_EXTENDED | REG_NOSUB) == 0) {
		regmatch_t m[1] = {{0, (regoff_t)llen}};
		ok = regexec(&re, (const char *)line, 1, m, REG_STARTEND) == 0;
		regfree(&re);
	}
	buf_free(&ere);
	return ok;
}

static int has_nl(const struct span *s)
{
	return s->len > 0 && s->p[s->len - 1] == '\n';
}

static int span_matches(const struct span *pat, const struct span *line)
{
	return line_matches(pat->p, pat->len - (size_t)has_nl(pat), has_nl(pat), line->p, line->len);
}

void regexexp_apply(const uint8_t *exp, size_t exp_len, const uint8_t *out, size_t out_len,
		    struct buf *result)
{
	struct span *pe, *po;
	/* like the official runner, every output line ends with a newline, even the last one */
	struct buf o = BUF_INIT;
	buf_add(&o, out, out_len);
	if (o.len == 0 || o.data[o.len - 1] != '\n')
		buf_addc(&o, '\n');
	size_t ne = lines_split(exp, exp_len, 1, 0, &pe);
	/* room for one inserted "########" line per pattern */
	size_t no = lines_split(o.data, o.len, 1, ne + 1, &po);
	static const uint8_t hashes[] = "########\n";
	static const uint8_t fail_line[] = "######## FAIL\n";
	/* the output lines, each either pointing into OUT or replaced by a pattern's text */
	size_t io = 0;
	for (size_t i = 0; i < ne && io < no; i++) {
		if (pe[i].len == 9 && memcmp(pe[i].p, hashes, 9) == 0) {
			/* skip output lines up to the one the next pattern matches */
			size_t skip = 0;
			if (i + 1 < ne)
				while (io + skip < no && !span_matches(&pe[i + 1], &po[io + skip]))
					skip++;
			else
				skip = no - io;
			if (io + skip >= no && i + 1 < ne) {
				po[io].p = fail_line;
				po[io].len = sizeof fail_line - 1;
				break;
			}
			/* the skipped lines become one "########" line */
			memmove(&po[io + 1], &po[io + skip], (no - io - skip) * sizeof *po);
			no = no - skip + 1;
			po[io].p = hashes;
			po[io].len = 9;
			io++;
		} else {
			if (span_matches(&pe[i], &po[io]))
				po[io] = pe[i];
			io++;
		}
	}
	buf_reset(result);
	for (size_t k = 0; k < no; k++)
		buf_add(result, po[k].p, po[k].len);
	free(pe);
	free(po);
	buf_free(&o);
}
