/* The command line of a board of each type. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vboard.h"

#define MICROBIT_FIRMWARE_DEFAULT "/usr/share/firmware-microbit-micropython/firmware.hex"

static const char *env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);

	return v && *v ? v : fallback;
}

/* the folder of the running executable, NULL after printing why */
static char *exe_dir(void)
{
	size_t size = 256;
	char *buf = NULL, *p, *slash;
	ssize_t n;

	for (;;) {
		p = realloc(buf, size);
		if (!p) {
			vb_err("cannot allocate memory: %s", strerror(errno));
			free(buf);
			return NULL;
		}
		buf = p;
		n = readlink("/proc/self/exe", buf, size);
		if (n < 0) {
			vb_err("cannot read '/proc/self/exe': %s", strerror(errno));
			free(buf);
			return NULL;
		}
		if ((size_t)n < size)
			break;
		if (size > (1u << 20)) {
			vb_err("cannot read '/proc/self/exe': path too long");
			free(buf);
			return NULL;
		}
		size *= 2;
	}
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	if (slash)
		*slash = '\0';
	return buf;
}

/* board-wasm.mjs: $VBOARD_WASM_JS, else beside the sources (build/bin, build/check/bin), else installed */
static char *find_wasm_js(void)
{
	static const char *const rel[] = {
		"../../tools/vboard/board-wasm.mjs",    /* build/bin/vboard */
		"../../../tools/vboard/board-wasm.mjs", /* build/check/bin/vboard */
		"../share/testbed-micropython/board-wasm.mjs", /* $PREFIX/bin/vboard */
	};
	const char *env = getenv("VBOARD_WASM_JS");
	char *dir, *path = NULL;
	size_t i;

	if (env && *env) {
		if (access(env, R_OK) != 0) {
			vb_err("cannot read '%s' (from VBOARD_WASM_JS): %s", env, strerror(errno));
			return NULL;
		}
		path = strdup(env);
		if (!path)
			vb_err("cannot allocate memory: %s", strerror(errno));
		return path;
	}
	dir = exe_dir();
	if (!dir)
		return NULL;
	for (i = 0; i < sizeof rel / sizeof rel[0]; i++) {
		if (asprintf(&path, "%s/%s", dir, rel[i]) < 0) {
			vb_err("cannot allocate memory: %s", strerror(errno));
			free(dir);
			return NULL;
		}
		if (access(path, R_OK) == 0) {
			free(dir);
			return path;
		}
		free(path);
		path = NULL;
	}
	vb_err("cannot find board-wasm.mjs near '%s' (set VBOARD_WASM_JS to its path)", dir);
	free(dir);
	return NULL;
}

/* QEMU option values double their commas */
static char *qemu_escape(const char *s)
{
	size_t n = 0;
	const char *p;
	char *out, *q;

	for (p = s; *p; p++)
		n += *p == ',' ? 2 : 1;
	out = malloc(n + 1);
	if (!out)
		return NULL;
	for (p = s, q = out; *p; p++) {
		*q++ = *p;
		if (*p == ',')
			*q++ = ',';
	}
	*q = '\0';
	return out;
}

static int set_argv(struct vb_board *b, const char *const *args, size_t n)
{
	size_t i;

	b->argv = calloc(n + 1, sizeof *b->argv);
	if (!b->argv)
		goto nomem;
	for (i = 0; i < n; i++) {
		b->argv[i] = strdup(args[i]);
		if (!b->argv[i])
			goto nomem;
	}
	return 0;
nomem:
	vb_err("cannot allocate memory: %s", strerror(errno));
	vb_board_free(b);
	return -1;
}

static int resolve_wasm(struct vb_board *b, const struct vb_opts *o)
{
	const char *node = env_or("NODE", "node");
	char heap[32];
	char *js;
	int rc;

	js = find_wasm_js();
	if (!js)
		return -1;
	snprintf(heap, sizeof heap, "%lu", o->heap);
	if (setenv("VBOARD_HEAP", heap, 1) != 0) {
		vb_err("cannot set VBOARD_HEAP: %s", strerror(errno));
		free(js);
		return -1;
	}
	{
		const char *args[] = { node, js };

		rc = set_argv(b, args, 2);
	}
	free(js);
	b->what = "node";
	return rc;
}

static int resolve_microbit(struct vb_board *b)
{
	const char *qemu = env_or("QEMU", "qemu-system-arm");
	const char *fw = env_or("MICROBIT_FIRMWARE", MICROBIT_FIRMWARE_DEFAULT);
	char *esc, *loader = NULL;
	int rc;

	if (access(fw, R_OK) != 0) {
		vb_err("cannot read micro:bit firmware '%s': %s (install firmware-microbit-micropython or set "
		       "MICROBIT_FIRMWARE)", fw, strerror(errno));
		return -1;
	}
	esc = qemu_escape(fw);
	if (!esc || asprintf(&loader, "loader,file=%s", esc) < 0) {
		vb_err("cannot allocate memory: %s", strerror(errno));
		free(esc);
		return -1;
	}
	free(esc);
	{
		/* the console on QEMU's stdio; signal=off: a 0x03 byte is Ctrl-C for the board, not for QEMU */
		const char *args[] = {
			qemu, "-M", "microbit", "-device", loader, "-display", "none", "-monitor", "none",
			"-nodefaults", "-chardev", "stdio,id=c0,signal=off", "-serial", "chardev:c0",
		};

		rc = set_argv(b, args, sizeof args / sizeof args[0]);
	}
	free(loader);
	b->what = "qemu-system-arm";
	return rc;
}

int vb_board_resolve(struct vb_board *b, const struct vb_opts *o)
{
	b->argv = NULL;
	b->what = "";
	return o->type == VB_TYPE_WASM ? resolve_wasm(b, o) : resolve_microbit(b);
}

void vb_board_free(struct vb_board *b)
{
	size_t i;

	if (!b->argv)
		return;
	for (i = 0; b->argv[i]; i++)
		free(b->argv[i]);
	free(b->argv);
	b->argv = NULL;
}
