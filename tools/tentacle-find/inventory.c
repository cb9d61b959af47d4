/* The inventory file of tentacle-find: a small JSON reader for one object of objects. */
#include "tentacle-find.h"

#include "buf.h"
#include "fileio.h"
#include "util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct reader {
	const char *p, *end, *start;
};

static void skip_ws(struct reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

static int hex4(struct reader *r, unsigned *out)
{
	unsigned v = 0;
	if (r->end - r->p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		char c = r->p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	r->p += 4;
	*out = v;
	return 0;
}

static void add_utf8(struct buf *b, unsigned cp)
{
	if (cp < 0x80) {
		buf_addc(b, (uint8_t)cp);
	} else if (cp < 0x800) {
		buf_addc(b, (uint8_t)(0xc0 | cp >> 6));
		buf_addc(b, (uint8_t)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		buf_addc(b, (uint8_t)(0xe0 | cp >> 12));
		buf_addc(b, (uint8_t)(0x80 | ((cp >> 6) & 0x3f)));
		buf_addc(b, (uint8_t)(0x80 | (cp & 0x3f)));
	} else {
		buf_addc(b, (uint8_t)(0xf0 | cp >> 18));
		buf_addc(b, (uint8_t)(0x80 | ((cp >> 12) & 0x3f)));
		buf_addc(b, (uint8_t)(0x80 | ((cp >> 6) & 0x3f)));
		buf_addc(b, (uint8_t)(0x80 | (cp & 0x3f)));
	}
}

/* a string at r->p into out (may be NULL to skip); 0 or -1 */
static int read_string(struct reader *r, struct buf *out)
{
	if (r->p >= r->end || *r->p != '"')
		return -1;
	r->p++;
	while (r->p < r->end) {
		unsigned char c = (unsigned char)*r->p++;
		if (c == '"')
			return 0;
		if (c < 0x20)
			return -1;
		if (c != '\\') {
			if (out)
				buf_addc(out, c);
			continue;
		}
		if (r->p >= r->end)
			return -1;
		c = (unsigned char)*r->p++;
		unsigned cp;
		switch (c) {
		case '"': case '\\': case '/': cp = c; break;
		case 'b': cp = '\b'; break;
		case 'f': cp = '\f'; break;
		case 'n': cp = '\n'; break;
		case 'r': cp = '\r'; break;
		case 't': cp = '\t'; break;
		case 'u':
			if (hex4(r, &cp) != 0)
				return -1;
			if (cp >= 0xd800 && cp < 0xdc00) {
				unsigned lo;
				if (r->end - r->p < 6 || r->p[0] != '\\' || r->p[1] != 'u')
					return -1;
				r->p += 2;
				if (hex4(r, &lo) != 0 || lo < 0xdc00 || lo > 0xdfff)
					return -1;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp <= 0xdfff) {
				return -1;
			}
			break;
		default: return -1;
		}
		if (out)
			add_utf8(out, cp);
	}
	return -1;
}

static int skip_value(struct reader *r, int depth);

static int skip_literal(struct reader *r)
{
	static const char chars[] = "0123456789+-.eEtruefalsn";
	const char *s = r->p;
	while (r->p < r->end && strchr(chars, *r->p))
		r->p++;
	size_t n = (size_t)(r->p - s);
	if (n == 0)
		return -1;
	if ((n == 4 && !memcmp(s, "true", 4)) || (n == 5 && !memcmp(s, "false", 5)) ||
	    (n == 4 && !memcmp(s, "null", 4)))
		return 0;
	char tmp[64];
	char *end = NULL;
	if (n >= sizeof tmp || !(s[0] == '-' || (s[0] >= '0' && s[0] <= '9')))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	(void)strtod(tmp, &end);
	return *end ? -1 : 0;
}

/* one container body after its opening bracket; CLOSE is '}' or ']' */
static int skip_container(struct reader *r, char close, int depth)
{
	skip_ws(r);
	if (r->p < r->end && *r->p == close) {
		r->p++;
		return 0;
	}
	for (;;) {
		skip_ws(r);
		if (close == '}') {
			if (read_string(r, NULL) != 0)
				return -1;
			skip_ws(r);
			if (r->p >= r->end || *r->p++ != ':')
				return -1;
		}
		if (skip_value(r, depth + 1) != 0)
			return -1;
		skip_ws(r);
		if (r->p >= r->end)
			return -1;
		char c = *r->p++;
		if (c == close)
			return 0;
		if (c != ',')
			return -1;
	}
}

static int skip_value(struct reader *r, int depth)
{
	skip_ws(r);
	if (depth > 64 || r->p >= r->end)
		return -1;
	if (*r->p == '"')
		return read_string(r, NULL);
	if (*r->p == '{' || *r->p == '[') {
		char close = *r->p == '{' ? '}' : ']';
		r->p++;
		return skip_container(r, close, depth);
	}
	return skip_literal(r);
}

/* one entry's object: {"board": "NAME", ...}; the board into *board (NULL when absent) */
static int read_entry(struct reader *r, char **board)
{
	struct buf key = BUF_INIT, val = BUF_INIT;
	int rc = -1;
	*board = NULL;
	skip_ws(r);
	if (r->p >= r->end || *r->p++ != '{')
		goto out;
	skip_ws(r);
	if (r->p < r->end && *r->p == '}') {
		r->p++;
		rc = 0;
		goto out;
	}
	for (;;) {
		skip_ws(r);
		buf_reset(&key);
		if (read_string(r, &key) != 0)
			goto out;
		skip_ws(r);
		if (r->p >= r->end || *r->p++ != ':')
			goto out;
		skip_ws(r);
		if (strcmp(buf_str(&key), "board") == 0 && r->p < r->end && *r->p == '"') {
			buf_reset(&val);
			if (read_string(r, &val) != 0)
				goto out;
			free(*board);
			*board = tb_xstrdup(buf_str(&val));
		} else if (skip_value(r, 2) != 0) {
			goto out;
		}
		skip_ws(r);
		if (r->p >= r->end)
			goto out;
		char c = *r->p++;
		if (c == '}')
			break;
		if (c != ',')
			goto out;
	}
	rc = 0;
out:
	if (rc != 0) {
		free(*board);
		*board = NULL;
	}
	buf_free(&key);
	buf_free(&val);
	return rc;
}

int inventory_parse(const char *text, size_t len, struct inventory *inv, size_t *err_at)
{
	struct reader r = {text, text + len, text};
	struct buf key = BUF_INIT;
	size_t cap = 0;
	memset(inv, 0, sizeof *inv);
	skip_ws(&r);
	if (r.p >= r.end || *r.p++ != '{')
		goto fail;
	skip_ws(&r);
	if (r.p < r.end && *r.p == '}') {
		r.p++;
	} else {
		for (;;) {
			skip_ws(&r);
			buf_reset(&key);
			if (read_string(&r, &key) != 0)
				goto fail;
			skip_ws(&r);
			if (r.p >= r.end || *r.p++ != ':')
				goto fail;
			char *board;
			if (read_entry(&r, &board) != 0)
				goto fail;
			if (inv->n == cap) {
				cap = cap ? cap * 2 : 8;
				inv->serial = tb_xrealloc(inv->serial, cap * sizeof *inv->serial);
				inv->board = tb_xrealloc(inv->board, cap * sizeof *inv->board);
			}
			inv->serial[inv->n] = tb_xstrdup(buf_str(&key));
			inv->board[inv->n] = board;
			inv->n++;
			skip_ws(&r);
			if (r.p >= r.end)
				goto fail;
			char c = *r.p++;
			if (c == '}')
				break;
			if (c != ',')
				goto fail;
		}
	}
	skip_ws(&r);
	if (r.p != r.end)
		goto fail;
	buf_free(&key);
	return 0;
fail:
	*err_at = (size_t)(r.p - r.start);
	buf_free(&key);
	inventory_free(inv);
	return -1;
}

int inventory_load(const char *path, struct inventory *inv)
{
	struct buf text = BUF_INIT;
	size_t at = 0;
	memset(inv, 0, sizeof *inv);
	if (file_read(path, &text) != 0) {
		tb_warn_errno("cannot read inventory '%s'", path);
		buf_free(&text);
		return -1;
	}
	int rc = inventory_parse(buf_str(&text), text.len, inv, &at);
	if (rc != 0)
		tb_warn("invalid inventory '%s' near byte %zu (expected a JSON object like "
			"{\"e46340474b4c2731\": {\"board\": \"RPI_PICO\"}})",
			path, at);
	buf_free(&text);
	return rc;
}

long inventory_find(const struct inventory *inv, const char *serial)
{
	for (size_t i = 0; serial && i < inv->n; i++)
		if (strcasecmp(inv->serial[i], serial) == 0)
			return (long)i;
	return -1;
}

void inventory_free(struct inventory *inv)
{
	for (size_t i = 0; i < inv->n; i++) {
		free(inv->serial[i]);
		free(inv->board[i]);
	}
	free(inv->serial);
	free(inv->board);
	memset(inv, 0, sizeof *inv);
}
