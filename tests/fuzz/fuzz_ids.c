/* libFuzzer target: the small readers of identifiers found in board specs, bench inventories, board
 * answers and result files: tentacle serials, firmware identities, USB vid:pid lists and locations,
 * and the JSON strings result files hold. The first byte chooses sizes; the rest is the text.
 * Properties: each reader agrees with a plain model of its documented syntax, values printed
 * again read back the same, nothing is written past the given size, and every byte string written
 * as a JSON string reads back as the same string (invalid UTF-8 as U+FFFD). */
#include "boardid.h"
#include "json.h"
#include "jsonval.h"
#include "tentacle.h"
#include "udevutil.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void check_strip(const char *id, size_t n)
{
	char *out = malloc(n);
	tentacle_strip_serial(id, out, n);
	size_t j = 0;
	for (const char *p = id; *p && j + 1 < n; p++) {
		if (*p == '-' || *p == ':')
			continue;
		if (out[j++] != (char)tolower((unsigned char)*p))
			abort();
	}
	if (out[j] != 0)
		abort();
	free(out);

	/* 16 hex digits or 4, '-' and ':' anywhere, under 40 bytes in all */
	size_t hex = 0, other = 0;
	for (const char *p = id; *p; p++) {
		if (isxdigit((unsigned char)*p))
			hex++;
		else if (*p != '-' && *p != ':')
			other++;
	}
	int want = strlen(id) < 40 && !other && (hex == 4 || hex == 16);
	if (tentacle_id_ok(id, "--tentacle") != want)
		abort();
}

static void check_build(const char *identity, size_t n)
{
	char *out = malloc(n);
	boardid_build(identity, out, n);
	const char *semi = strchr(identity, ';');
	size_t want = semi ? (size_t)(semi - identity) : 0;
	if (want > n - 1)
		want = n - 1;
	if (strlen(out) != want || memcmp(out, identity, want) != 0)
		abort();
	free(out);
}

/* 1..4 hex digits ':' 1..4 hex digits, nothing else */
static int model_id(const char *s, size_t len)
{
	size_t a = 0, b = 0, i = 0;
	while (i < len && isxdigit((unsigned char)s[i]))
		i++, a++;
	if (i == len || s[i] != ':')
		return 0;
	i++;
	while (i < len && isxdigit((unsigned char)s[i]))
		i++, b++;
	return i == len && a >= 1 && a <= 4 && b >= 1 && b <= 4;
}

static void check_ids(const char *text)
{
	uint16_t vid, pid, v2, p2;
	int ok = udevu_parse_id(text, &vid, &pid) == 0;
	if (ok != model_id(text, strlen(text)))
		abort();
	if (ok) {
		char again[16];
		snprintf(again, sizeof again, "%04x:%04X", vid, pid);
		if (udevu_parse_id(again, &v2, &p2) != 0 || v2 != vid || p2 != pid)
			abort();
	}
	uint32_t ids[4];
	int n = udevu_parse_id_list(text, ids, 4);
	/* the model: items between commas, each a valid id of under 16 bytes, at most 4 */
	int want = 0;
	const char *p = text;
	if (!*p)
		want = -1;
	while (want >= 0) {
		size_t len = strcspn(p, ",");
		if (len == 0 || len >= 16 || want == 4 || !model_id(p, len)) {
			want = -1;
			break;
		}
		want++;
		if (!p[len])
			break;
		p += len + 1;
	}
	if (n != want)
		abort();
	for (int i = 0; i < n; i++) {
		char one[16];
		snprintf(one, sizeof one, "%04x:%04x", ids[i] >> 16, ids[i] & 0xffff);
		if (udevu_parse_id(one, &v2, &p2) != 0 || UDEVU_ID(v2, p2) != ids[i])
			abort();
	}
}

/* bus "-" port ("." port)*, all decimal */
static int model_location(const char *s, size_t len)
{
	size_t i = 0, d = 0;
	while (i < len && isdigit((unsigned char)s[i]))
		i++, d++;
	if (!d || i == len || s[i++] != '-')
		return 0;
	for (;;) {
		d = 0;
		while (i < len && isdigit((unsigned char)s[i]))
			i++, d++;
		if (!d)
			return 0;
		if (i == len)
			return 1;
		if (s[i++] != '.')
			return 0;
	}
}

static void check_location(const char *text, size_t n)
{
	if (udevu_is_location(text) != model_location(text, strlen(text)))
		abort();
	char *out = malloc(n);
	int rc = udevu_location_of_path(text, out, n);
	/* the last '/'-separated component that is a location */
	const char *best = NULL;
	size_t best_len = 0;
	for (const char *p = text; *p;) {
		size_t len = strcspn(p, "/");
		if (len && model_location(p, len))
			best = p, best_len = len;
		p += len;
		if (*p)
			p++;
	}
	int want = best && best_len < n ? 0 : -1;
	if (rc != want || (rc == 0 && (strlen(out) != best_len || memcmp(out, best, best_len) != 0)))
		abort();
	free(out);
}

/* length of the valid UTF-8 sequence at p (no surrogates, no overlongs, at most U+10FFFF), or 0 */
static size_t utf8_seq(const uint8_t *p, size_t n)
{
	static const struct {
		uint8_t lo, hi;
	} second[] = {{0xa0, 0xbf}, {0x80, 0x9f}, {0x90, 0xbf}, {0x80, 0x8f}, {0x80, 0xbf}};
	uint8_t c = p[0];
	size_t len;
	int range = 4;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, range = c == 0xe0 ? 0 : c == 0xed ? 1 : 4;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, range = c == 0xf0 ? 2 : c == 0xf4 ? 3 : 4;
	else
		return 0;
	if (n < len || p[1] < second[range].lo || p[1] > second[range].hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

static void check_json_string(const uint8_t *p, size_t n)
{
	struct buf j = BUF_INIT, want = BUF_INIT;
	json_string(&j, p, n);
	for (size_t i = 0; i < n;) {
		size_t len = utf8_seq(p + i, n - i);
		if (len) {
			buf_add(&want, p + i, len);
			i += len;
		} else {
			buf_adds(&want, "\xef\xbf\xbd");
			i++;
		}
	}
	struct jv v;
	size_t line, col;
	if (jv_parse((const char *)j.data, j.len, &v, &line, &col) != 0 || v.type != JV_STRING)
		abort();
	/* a \u0000 ends the decoded string */
	const uint8_t *nul = memchr(want.data ? want.data : (const uint8_t *)"", 0, want.len);
	size_t wl = nul ? (size_t)(nul - want.data) : want.len;
	if (strlen(v.string) != wl || memcmp(v.string, want.data ? want.data : (const uint8_t *)"", wl) != 0)
		abort();
	jv_free(&v);
	buf_free(&j);
	buf_free(&want);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	size_t n = (size_t)(data[0] % 48) + 1;
	char *text = malloc(size);
	memcpy(text, data + 1, size - 1);
	text[size - 1] = 0;
	check_strip(text, n);
	check_build(text, n);
	check_ids(text);
	check_location(text, n);
	check_json_string(data + 1, size - 1);
	free(text);
	return 0;
}
