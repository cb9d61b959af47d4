/* Board specs: the fields mp-flash uses, checked enough to give a clear message (the full check is
 * scripts/validate-specs.sh). */
#include "mp-flash.h"

#include "fileio.h"
#include "jsonval.h"
#include "udevutil.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static const char *const programs[] = {"picotool", "esptool", "dfu-util", "bossac", "teensy_loader_cli", "none"};

static int bad(const struct board_spec *s, const struct jv *v, const char *field, const char *what)
{
	tb_warn("%s:%zu: %s %s", s->path, v ? v->line : (size_t)1, field, what);
	return -1;
}

static char *opt_str(const struct jv *obj, const char *key)
{
	const char *v = jv_str(obj, key);
	return v ? tb_xstrdup(v) : NULL;
}

/* seconds (a number >= 0) into ms; absent: DEF */
static int seconds(const struct board_spec *s, const struct jv *obj, const char *key, long def, long *ms)
{
	const struct jv *v = jv_get(obj, key);
	if (!v) {
		*ms = def;
		return 0;
	}
	if (v->type != JV_NUMBER || !(v->number >= 0) || v->number > 3600)
		return bad(s, v, key, "must be a number of seconds (0..3600)");
	*ms = (long)(v->number * 1000 + 0.5);
	return 0;
}

static int usb_id(const struct board_spec *s, const struct jv *usb, const char *key, uint32_t *id)
{
	const struct jv *v = jv_get(usb, key);
	uint16_t vid, pid;
	*id = 0;
	if (!v || v->type == JV_NULL)
		return 0;
	if (v->type != JV_STRING || udevu_parse_id(v->string, &vid, &pid) != 0)
		return bad(s, v, key, "must be \"vvvv:pppp\" or null");
	*id = UDEVU_ID(vid, pid);
	return 0;
}

static int string_list(const struct board_spec *s, const struct jv *v, const char *key, struct board_spec *out)
{
	if (!v)
		return 0;
	if (v->type != JV_ARRAY)
		return bad(s, v, key, "must be a list of strings");
	out->args = tb_xmalloc((v->n + 1) * sizeof *out->args);
	for (size_t i = 0; i < v->n; i++) {
		if (v->items[i].type != JV_STRING)
			return bad(s, &v->items[i], key, "must be a list of strings");
		out->args[out->nargs++] = tb_xstrdup(v->items[i].string);
	}
	return 0;
}

static int load(const struct jv *root, struct board_spec *s)
{
	if (root->type != JV_OBJECT)
		return bad(s, root, "the spec", "must be a JSON object");
	/* the fields boards/README.md lists; another is a typo that would silently change nothing */
	static const char *const fields[] = {"name", "micropython_board", "variants", "port", "features", "usb",
					     "flasher", "boot", "timing", "firmware", "perfbench", "filesystem",
					     "skip", "octobus"};
	for (size_t k = 0; k < root->n; k++) {
		size_t f = 0;
		while (f < sizeof fields / sizeof fields[0] && strcmp(root->keys[k], fields[f]) != 0)
			f++;
		if (f == sizeof fields / sizeof fields[0]) {
			tb_warn("%s:%zu: unknown field '%s' (boards/README.md lists the fields)", s->path,
				root->items[k].line, root->keys[k]);
			return -1;
		}
	}
	s->name = opt_str(root, "name");
	if (!s->name)
		return bad(s, root, "name", "is missing");
	s->micropython_board = opt_str(root, "micropython_board");
	const struct jv *fl = jv_get(root, "flasher"), *usb = jv_get(root, "usb"), *boot = jv_get(root, "boot");
	const struct jv *timing = jv_get(root, "timing"), *fw = jv_get(root, "firmware");
	if (!fl || fl->type != JV_OBJECT)
		return bad(s, root, "flasher", "is missing");
	s->program = opt_str(fl, "program");
	size_t i;
	for (i = 0; s->program && i < sizeof programs / sizeof programs[0]; i++)
		if (strcmp(s->program, programs[i]) == 0)
			break;
	if (!s->program || i == sizeof programs / sizeof programs[0])
		return bad(s, fl, "flasher.program", "must be picotool, esptool, dfu-util, bossac, teensy_loader_cli or none");
	if (strcmp(s->program, "none") == 0)
		return 0;
	const struct jv *t = jv_get(fl, "timeout_s");
	/* at least 1 ms once rounded: a timeout of 0 ms would stop the flasher at once */
	if (t && (t->type != JV_NUMBER || !(t->number * 1000 + 0.5 >= 1) || t->number > 3600))
		return bad(s, t, "flasher.timeout_s", "must be a number of seconds > 0");
	s->timeout_ms = t ? (long)(t->number * 1000 + 0.5) : 120000;
	const struct jv *ex = jv_get(fl, "exclusive");
	s->exclusive = ex && ex->type == JV_BOOL && ex->boolean;
	if (strcmp(s->program, "esptool") == 0) {
		double baud;
		s->chip = opt_str(fl, "chip");
		s->offset = opt_str(fl, "offset");
		if (!s->chip || !s->offset)
			return bad(s, fl, "flasher", "of esptool needs chip and offset");
		if (jv_num(fl, "baud", &baud) != 0 || baud < 1200 || baud > 20000000)
			return bad(s, fl, "flasher.baud", "must be a baud rate");
		s->baud = (long)baud;
		if (string_list(s, jv_get(fl, "write_flash_args"), "flasher.write_flash_args", s) != 0)
			return -1;
	} else if (strcmp(s->program, "bossac") == 0) {
		if (!(s->offset = opt_str(fl, "offset")))
			return bad(s, fl, "flasher.offset", "is missing (bossac)");
		if (string_list(s, jv_get(fl, "args"), "flasher.args", s) != 0)
			return -1;
	} else if (strcmp(s->program, "teensy_loader_cli") == 0) {
		if (!(s->mcu = opt_str(fl, "mcu")))
			return bad(s, fl, "flasher.mcu", "is missing (teensy_loader_cli)");
		if (string_list(s, jv_get(fl, "args"), "flasher.args", s) != 0)
			return -1;
	}
	if (!usb || usb->type != JV_OBJECT)
		return bad(s, root, "usb", "is missing");
	if (usb_id(s, usb, "boot", &s->boot_id) != 0 || usb_id(s, usb, "app", &s->app_id) != 0)
		return -1;
	if (!s->app_id)
		return bad(s, usb, "usb.app", "is needed to find the board after flashing");
	int needs_boot = strcmp(s->program, "esptool") != 0;
	if (needs_boot && !s->boot_id)
		return bad(s, usb, "usb.boot", "is needed by this flasher");
	const char *ev = jv_str(usb, "boot_event");
	s->boot_bind = ev && strcmp(ev, "bind") == 0;
	s->boot_usb = strcmp(s->program, "esptool") != 0 && strcmp(s->program, "bossac") != 0;
	if (!boot || boot->type != JV_OBJECT)
		return bad(s, root, "boot", "is missing");
	double relay = 0;
	const struct jv *rv = jv_get(boot, "relay");
	if (rv && rv->type != JV_NULL && (jv_num(boot, "relay", &relay) != 0 || relay < 1 || relay > 7))
		return bad(s, rv, "boot.relay", "must be 1..7 or null");
	s->relay = (int)relay;
	const struct jv *seq = jv_get(boot, "sequence");
	if (seq && seq->type == JV_ARRAY) {
		s->seq = SEQ_PULSES;
		if (seq->n == 0 || seq->n > MAX_PULSES)
			return bad(s, seq, "boot.sequence", "must hold 1..32 durations");
		for (i = 0; i < seq->n; i++) {
			if (seq->items[i].type != JV_NUMBER || seq->items[i].number < 1 || seq->items[i].number > 60000)
				return bad(s, &seq->items[i], "boot.sequence", "durations must be 1..60000 ms");
			s->pulses[s->npulses++] = (long)seq->items[i].number;
		}
	} else if (seq && seq->type == JV_STRING && strcmp(seq->string, "hold") == 0) {
		s->seq = SEQ_HOLD;
	} else if (seq && seq->type == JV_STRING && strcmp(seq->string, "none") == 0) {
		s->seq = SEQ_NONE;
	} else {
		return bad(s, seq ? seq : boot, "boot.sequence", "must be \"hold\", \"none\" or a list of ms");
	}
	if (s->seq != SEQ_NONE && !s->relay)
		return bad(s, boot, "boot.relay", "is needed by this boot sequence");
	if (!timing || timing->type != JV_OBJECT)
		return bad(s, root, "timing", "is missing");
	if (seconds(s, timing, "udev_wait_s", 6000, &s->udev_wait_ms) != 0 ||
	    seconds(s, timing, "settle_s", 0, &s->settle_ms) != 0 ||
	    seconds(s, timing, "app_wait_s", 3000, &s->app_wait_ms) != 0)
		return -1;
	s->ext = fw ? opt_str(fw, "ext") : NULL;
	return 0;
}

int spec_load(const char *path, struct board_spec *s)
{
	struct buf text = BUF_INIT;
	struct jv root;
	size_t line, col;
	memset(s, 0, sizeof *s);
	s->path = tb_xstrdup(path);
	if (file_read(path, &text) != 0) {
		tb_warn_errno("cannot read board spec '%s'", path);
		buf_free(&text);
		return -1;
	}
	if (jv_parse(buf_str(&text), text.len, &root, &line, &col) != 0) {
		tb_warn("%s:%zu: invalid JSON near column %zu", path, line, col);
		buf_free(&text);
		return -1;
	}
	int rc = load(&root, s);
	jv_free(&root);
	buf_free(&text);
	return rc;
}

void spec_free(struct board_spec *s)
{
	for (size_t i = 0; i < s->nargs; i++)
		free(s->args[i]);
	free(s->args);
	free(s->path);
	free(s->name);
	free(s->micropython_board);
	free(s->program);
	free(s->chip);
	free(s->offset);
	free(s->mcu);
	free(s->ext);
	memset(s, 0, sizeof *s);
}
