#include "json.h"

#include <string.h>

/* length of a valid UTF-8 sequence at p, or 0 */
static size_t utf8_len(const uint8_t *p, size_t n)
{
	uint8_t c = p[0];
	size_t len;
	uint32_t min, cp;
	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0) {
		len = 2, min = 0x80, cp = c & 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3, min = 0x800, cp = c & 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4, min = 0x10000, cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

void json_string(struct buf *b, const void *data, size_t n)
{
	const uint8_t *p = data;
	buf_reserve(b, n + 2);
	buf_addc(b, '"');
	for (size_t i = 0; i < n;) {
		uint8_t c = p[i];
		if (c == '"' || c == '\\') {
			buf_addc(b, '\\');
			buf_addc(b, c);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			switch (c) {
			case '\n': buf_adds(b, "\\n"); break;
			case '\r': buf_adds(b, "\\r"); break;
			case '\t': buf_adds(b, "\\t"); break;
			default: buf_printf(b, "\\u%04x", c); break;
			}
			i++;
		} else {
			size_t len = utf8_len(p + i, n - i);
			if (len == 0) {
				buf_adds(b, "\\ufffd");
				i++;
			} else {
				buf_add(b, p + i, len);
				i += len;
			}
		}
	}
	buf_addc(b, '"');
}

void json_cstring(struct buf *b, const char *s)
{
	if (s)
		json_string(b, s, strlen(s));
	else
		buf_adds(b, "null");
}

void json_key(struct buf *b, const char *key)
{
	if (b->len > 0 && b->data[b->len - 1] != '{' && b->data[b->len - 1] != '[')
		buf_addc(b, ',');
	json_cstring(b, key);
	buf_addc(b, ':');
}

void json_kv_str(struct buf *b, const char *key, const char *s)
{
	json_key(b, key);
	json_cstring(b, s);
}

void json_kv_bytes(struct buf *b, const char *key, const void *p, size_t n)
{
	json_key(b, key);
	json_string(b, p, n);
}

void json_kv_int(struct buf *b, const char *key, long long v)
{
	json_key(b, key);
	buf_printf(b, "%lld", v);
}

void json_kv_bool(struct buf *b, const char *key, int v)
{
	json_key(b, key);
	buf_adds(b, v ? "true" : "false");
}
