/* Writing files on a board over the raw REPL; see boardfs.h. */
#include "boardfs.h"

#include "buf.h"
#include "follow.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

#define CHUNK 256 /* file bytes per write() call on the board: small, for boards with little heap */

static void last_line(const struct buf *b, char *dst, size_t n)
{
	const char *s = buf_str((struct buf *)b);
	size_t len = strlen(s);
	while (len && (s[len - 1] == '\n' || s[len - 1] == '\r'))
		len--;
	size_t start = len;
	while (start && s[start - 1] != '\n')
		start--;
	snprintf(dst, n, "%.*s", (int)(len - start), s + start);
}

int boardfs_exec(struct repl *r, const char *code, long timeout_ms, struct buf *out, char *why, size_t whylen)
{
	struct buf o = BUF_INIT, e = BUF_INIT;
	struct follow f;
	follow_init(&f, &o, &e, 1 << 20);
	int st = repl_exec(r, (const uint8_t *)code, strlen(code), &f, tb_now_ms() + timeout_ms);
	int rc = 0;
	if (st != REPL_OK) {
		snprintf(why, whylen, "%s", st == REPL_TIMEOUT ? "timeout" : r->error);
		rc = -1;
	} else if (e.len) {
		last_line(&e, why, whylen);
		rc = -2;
	} else if (out) {
		buf_add(out, o.data, o.len);
	}
	buf_free(&o);
	buf_free(&e);
	return rc;
}

/* a Python bytes literal of P: printable ASCII as it is, the rest as \xNN */
void boardfs_bytes_literal(struct buf *b, const uint8_t *p, size_t n)
{
	buf_adds(b, "b'");
	for (size_t i = 0; i < n; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\'' && p[i] != '\\')
			buf_addc(b, p[i]);
		else
			buf_printf(b, "\\x%02x", p[i]);
	}
	buf_addc(b, '\'');
}

int boardfs_put(struct repl *r, const char *path, const uint8_t *data, size_t len, long timeout_ms, char *why,
		size_t whylen)
{
	if (path[0] != '/' || strchr(path, '\'') || strchr(path, '\\') || strchr(path, '\n')) {
		snprintf(why, whylen, "a board path must be absolute, without quotes: '%s'", path);
		return -1;
	}
	struct buf code = BUF_INIT, out = BUF_INIT;
	int rc = -1;
	/* the folders above the file, then the file in chunks, then its size as the board sees it */
	buf_printf(&code, "import os\np = '%s'\nd = ''\nfor x in p.split('/')[1:-1]:\n d += '/' + x\n"
			  " try:\n  os.mkdir(d)\n except OSError:\n  pass\nf = open(p, 'wb')\nw = f.write\n", path);
	if (boardfs_exec(r, buf_str(&code), timeout_ms, NULL, why, whylen) != 0)
		goto out;
	for (size_t i = 0; i < len; i += CHUNK) {
		buf_reset(&code);
		buf_adds(&code, "w(");
		boardfs_bytes_literal(&code, data + i, len - i < CHUNK ? len - i : CHUNK);
		buf_adds(&code, ")\n");
		if (boardfs_exec(r, buf_str(&code), timeout_ms, NULL, why, whylen) != 0)
			goto out;
	}
	if (boardfs_exec(r, "f.close()\nprint(os.stat(p)[6])\n", timeout_ms, &out, why, whylen) != 0)
		goto out;
	long size = -1;
	if (sscanf(buf_str(&out), "%ld", &size) != 1 || size != (long)len) {
		snprintf(why, whylen, "%s has %ld bytes on the board, not %zu", path, size, len);
		goto out;
	}
	rc = 0;
out:
	buf_free(&code);
	buf_free(&out);
	return rc;
}
