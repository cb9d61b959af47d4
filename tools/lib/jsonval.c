/* A small JSON parser into a tree; see jsonval.h. */
#include "jsonval.h"
#include "buf.h"
#include "util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64

struct reader {
	const char *p, *end, *start;
	size_t line;
	const char *line_start;
};

static void skip_ws(struct reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')) {
		if (*r->p == '\n') {
			r->line++;
			r->line_start = r->p + 1;
		}
		r->p++;
	}
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

/* a string at r->p; a malloc'ed C string or NULL on a syntax error */
static char *read_string(struct reader *r)
{
	struct buf out = BUF_INIT;
	if (r->p >= r->end || *r->p != '"')
		return NULL;
	r->p++;
	while (r->p < r->end) {
		unsigned char c = (unsigned char)*r->p++;
		if (c == '"') {
			buf_reserve(&out, 1); /* an empty string is "" too */
			return (char *)out.data;
		}
		if (c < 0x20)
			break;
		if (c != '\\') {
			buf_addc(&out, c);
			continue;
		}
		if (r->p >= r->end)
			break;
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
				goto bad;
			if (cp >= 0xd800 && cp < 0xdc00) {
				unsigned lo;
				if (r->end - r->p < 6 || r->p[0] != '\\' || r->p[1] != 'u')
					goto bad;
				r->p += 2;
				if (hex4(r, &lo) != 0 || lo < 0xdc00 || lo > 0xdfff)
					goto bad;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp <= 0xdfff) {
				goto bad;
			}
			break;
		default: goto bad;
		}
		add_utf8(&out, cp);
	}
bad:
	buf_free(&out);
	return NULL;
}

static int read_literal(struct reader *r, struct jv *v)
{
	static const char chars[] = "0123456789+-.eEtruefalsn";
	const char *s = r->p;
	while (r->p < r->end && strchr(chars, *r->p))
		r->p++;
	size_t n = (size_t)(r->p - s);
	if (n == 4 && !memcmp(s, "true", 4)) {
		v->type = JV_BOOL;
		v->boolean = 1;
		return 0;
	}
	if (n == 5 && !memcmp(s, "false", 5)) {
		v->type = JV_BOOL;
		return 0;
	}
	if (n == 4 && !memcmp(s, "null", 4))
		return 0;
	char tmp[64];
	char *end = NULL;
	if (n == 0 || n >= sizeof tmp || !(s[0] == '-' || (s[0] >= '0' && s[0] <= '9'))) {
		r->p = s;
		return -1;
	}
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	v->number = strtod(tmp, &end);
	v->type = JV_NUMBER;
	if (*end) {
		r->p = s;
		return -1;
	}
	return 0;
}

static int read_value(struct reader *r, struct jv *v, int depth);

/* the members of an array or object after its opening bracket */
static int read_container(struct reader *r, struct jv *v, char close, int depth)
{
	size_t cap = 0;
	skip_ws(r);
	if (r->p < r->end && *r->p == close) {
		r->p++;
		return 0;
	}
	for (;;) {
		skip_ws(r);
		if (v->n == cap) {
			cap = cap ? cap * 2 : 8;
			v->items = tb_xrealloc(v->items, cap * sizeof *v->items);
			if (close == '}')
				v->keys = tb_xrealloc(v->keys, cap * sizeof *v->keys);
		}
		struct jv *item = &v->items[v->n];
		memset(item, 0, sizeof *item);
		if (close == '}') {
			char *key = read_string(r);
			if (!key)
				return -1;
			v->keys[v->n] = key;
			v->n++; /* counted now so jv_free frees the key even if the value is bad */
			skip_ws(r);
			if (r->p >= r->end || *r->p != ':')
				return -1;
			r->p++;
		} else {
			v->n++;
		}
		if (read_value(r, item, depth + 1) != 0)
			return -1;
		skip_ws(r);
		if (r->p >= r->end)
			return -1;
		char c = *r->p;
		if (c != close && c != ',')
			return -1;
		r->p++;
		if (c == close)
			return 0;
	}
}

static int read_value(struct reader *r, struct jv *v, int depth)
{
	memset(v, 0, sizeof *v);
	skip_ws(r);
	v->line = r->line;
	if (depth > MAX_DEPTH || r->p >= r->end)
		return -1;
	if (*r->p == '"') {
		v->type = JV_STRING;
		return (v->string = read_string(r)) ? 0 : -1;
	}
	if (*r->p == '{' || *r->p == '[') {
		char close = *r->p == '{' ? '}' : ']';
		v->type = close == '}' ? JV_OBJECT : JV_ARRAY;
		r->p++;
		return read_container(r, v, close, depth);
	}
	return read_literal(r, v);
}

int jv_parse(const char *text, size_t len, struct jv *out, size_t *err_line, size_t *err_col)
{
	struct reader r = {text, text + len, text, 1, text};
	int rc = read_value(&r, out, 0);
	if (rc == 0) {
		skip_ws(&r);
		if (r.p != r.end)
			rc = -1;
	}
	if (rc != 0) {
		*err_line = r.line;
		*err_col = (size_t)(r.p - r.line_start) + 1;
		jv_free(out);
	}
	return rc;
}

void jv_free(struct jv *v)
{
	if (!v)
		return;
	free(v->string);
	for (size_t i = 0; i < v->n; i++) {
		jv_free(&v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	memset(v, 0, sizeof *v);
}

const struct jv *jv_get(const struct jv *v, const char *key)
{
	const struct jv *found = NULL;
	if (!v || v->type != JV_OBJECT)
		return NULL;
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->keys[i], key) == 0)
			found = &v->items[i];
	return found;
}

const char *jv_str(const struct jv *v, const char *key)
{
	const struct jv *m = jv_get(v, key);
	return m && m->type == JV_STRING ? m->string : NULL;
}

int jv_num(const struct jv *v, const char *key, double *out)
{
	const struct jv *m = jv_get(v, key);
	if (!m || m->type != JV_NUMBER)
		return -1;
	*out = m->number;
	return 0;
}
