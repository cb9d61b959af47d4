/* libFuzzer target: mp-flash's board spec reader (spec_load) and the flasher command line made from
 * what it accepts. Properties:
 *   - text that is no JSON is refused; an accepted spec is a JSON object whose "name" is the name read;
 *   - an accepted spec keeps the promises of its struct: a known program, the ids and the relay a
 *     flash needs, 1..32 pulses of 1..60000 ms, times within their bounds;
 *   - its flasher argv is NULL-terminated, starts with the program, ends with the firmware, and
 *     argv_text quotes it so that splitting the text like a shell gives the argv back. */
#include "fuzz_file.h"
#include "jsonval.h"
#include "mp-flash.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* split TEXT as a POSIX shell would split words made of '...' and \' only */
static char **shell_split(const char *text, size_t *count)
{
	size_t n = 0, cap = 8;
	char **v = malloc(cap * sizeof *v);
	const char *p = text;
	while (*p) {
		struct buf w = BUF_INIT;
		while (*p && *p != ' ') {
			if (*p == '\'') {
				const char *q = strchr(p + 1, '\'');
				if (!q)
					abort(); /* an unterminated quote */
				buf_add(&w, p + 1, (size_t)(q - p - 1));
				p = q + 1;
			} else if (*p == '\\' && p[1]) {
				buf_addc(&w, (uint8_t)p[1]);
				p += 2;
			} else {
				buf_addc(&w, (uint8_t)*p++);
			}
		}
		if (n + 1 == cap)
			v = realloc(v, (cap *= 2) * sizeof *v);
		v[n++] = strdup(buf_str(&w));
		buf_free(&w);
		if (*p == ' ')
			p++;
	}
	v[n] = NULL;
	*count = n;
	return v;
}

static void check_argv(const struct board_spec *s, const char *firmware)
{
	char **argv = flasher_argv(s, NULL, firmware, "/dev/tty ACM'0", 3, 17, "e6 61'40");
	size_t n = 0;
	while (argv[n])
		n++;
	if (n < 2 || strcmp(argv[0], s->program) != 0 || strcmp(argv[n - 1], firmware) != 0)
		abort();
	char *text = argv_text(argv);
	size_t m;
	char **back = shell_split(text, &m);
	if (m != n)
		abort();
	for (size_t i = 0; i < n; i++)
		if (strcmp(back[i], argv[i]) != 0)
			abort();
	argv_free(back);
	free(text);
	argv_free(argv);
}

static void check_spec(const struct board_spec *s)
{
	static const char *const programs[] = {"picotool", "esptool", "dfu-util", "bossac", "teensy_loader_cli"};
	if (!s->name || !s->program || !s->path)
		abort();
	if (strcmp(s->program, "none") == 0)
		return;
	size_t i;
	for (i = 0; i < sizeof programs / sizeof programs[0]; i++)
		if (strcmp(s->program, programs[i]) == 0)
			break;
	if (i == sizeof programs / sizeof programs[0])
		abort();
	if (s->timeout_ms <= 0 || s->timeout_ms > 3600000 || !s->app_id || s->relay < 0 || s->relay > 7)
		abort();
	if (strcmp(s->program, "esptool") != 0 && !s->boot_id)
		abort();
	if (strcmp(s->program, "esptool") == 0 && (!s->chip || !s->offset || s->baud < 1200 || s->baud > 20000000))
		abort();
	if ((strcmp(s->program, "bossac") == 0 && !s->offset) || (strcmp(s->program, "teensy_loader_cli") == 0 && !s->mcu))
		abort();
	if (s->seq != SEQ_NONE && !s->relay)
		abort();
	if ((s->seq == SEQ_PULSES) != (s->npulses > 0) || s->npulses > MAX_PULSES)
		abort();
	for (i = 0; i < s->npulses; i++)
		if (s->pulses[i] < 1 || s->pulses[i] > 60000)
			abort();
	const long times[] = {s->udev_wait_ms, s->settle_ms, s->app_wait_ms};
	for (i = 0; i < 3; i++)
		if (times[i] < 0 || times[i] > 3600000)
			abort();
	if (s->nargs && !s->args)
		abort();
	for (i = 0; i < s->nargs; i++)
		if (!s->args[i])
			abort();
	check_argv(s, "firmware.uf2");
	check_argv(s, "");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_input_path("fuzz_flashspec", data, size);
	struct jv root;
	size_t line, col;
	int json_ok = jv_parse((const char *)data, size, &root, &line, &col) == 0;
	struct board_spec s;
	int rc = spec_load(path, &s);
	if (rc != 0 && rc != -1)
		abort();
	if (rc == 0) {
		const char *name = json_ok ? jv_str(&root, "name") : NULL;
		if (!name || strcmp(name, s.name) != 0)
			abort();
		check_spec(&s);
	}
	spec_free(&s);
	if (json_ok)
		jv_free(&root);
	return 0;
}
