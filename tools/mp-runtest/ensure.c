/* --ensure-module NAME: make sure `import NAME` works on the board (tests need e.g. unittest); if it
 * does not and --module-from DIR holds NAME.py or a package NAME/, copy it over the raw REPL to the
 * board's lib folder (the first sys.path entry ending in /lib, as mip picks it: /lib on rp2 and esp32,
 * /flash/lib on stm32), then check again after a soft reset. */
#include "boardfs.h"
#include "exitcodes.h"
#include "fileio.h"
#include "runtest.h"
#include "util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define EXEC_MS 10000

/* 1 importable, 0 not, -1 the board failed (WHY); the board's lib folder in LIB (LIBLEN bytes) */
static int importable(struct repl *r, const struct options *o, char *lib, size_t liblen, char *why, size_t n)
{
	struct buf out = BUF_INIT;
	char *code = tb_xasprintf("try:\n import %s\n print('yes')\nexcept ImportError:\n print('no')\n"
				  "import sys\nprint(([p for p in sys.path if p.endswith('/lib')] + ['/lib'])[0])\n",
				  o->ensure_module);
	int rc = -1;
	if (repl_enter(r, 1, o->enter_timeout_ms) != REPL_OK) {
		snprintf(why, n, "could not enter raw REPL: %s", r->error);
	} else if (boardfs_exec(r, code, EXEC_MS, &out, why, n) == 0) {
		char *save = NULL, *first = strtok_r((char *)buf_str(&out), "\r\n", &save);
		char *second = first ? strtok_r(NULL, "\r\n", &save) : NULL;
		rc = first && strcmp(first, "yes") == 0;
		snprintf(lib, liblen, "%s", second && second[0] == '/' ? second : "/lib");
	}
	free(code);
	buf_free(&out);
	return rc;
}

/* copy SRC (a file, or a folder's *.py files, recursively) to DEST on the board; the count, -1 on error */
static int put_tree(struct repl *r, const char *src, const char *dest, char *why, size_t n)
{
	struct stat st;
	if (stat(src, &st) != 0) {
		snprintf(why, n, "cannot read '%s'", src);
		return -1;
	}
	if (S_ISREG(st.st_mode)) {
		struct buf data = BUF_INIT;
		int rc = file_read(src, &data) == 0 ? 0 : -1;
		if (rc != 0)
			snprintf(why, n, "cannot read '%s'", src);
		else if (boardfs_put(r, dest, data.data, data.len, EXEC_MS, why, n) != 0)
			rc = -1;
		buf_free(&data);
		return rc == 0 ? 1 : -1;
	}
	DIR *d = opendir(src);
	if (!d) {
		snprintf(why, n, "cannot read folder '%s'", src);
		return -1;
	}
	int count = 0;
	struct dirent *e;
	while (count >= 0 && (e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		if (e->d_name[0] == '.' || strcmp(e->d_name, "__pycache__") == 0)
			continue;
		char *s = tb_xasprintf("%s/%s", src, e->d_name), *t = tb_xasprintf("%s/%s", dest, e->d_name);
		int is_dir = stat(s, &st) == 0 && S_ISDIR(st.st_mode);
		if (is_dir || (len > 3 && strcmp(e->d_name + len - 3, ".py") == 0)) {
			int k = put_tree(r, s, t, why, n);
			count = k < 0 ? -1 : count + k;
		}
		free(s);
		free(t);
	}
	closedir(d);
	return count;
}

int ensure_module(struct repl *r, const struct options *o)
{
	char why[256] = "", lib[256];
	const char *m = o->ensure_module;
	int have = importable(r, o, lib, sizeof lib, why, sizeof why);
	if (have < 0) {
		tb_warn("%s: cannot check module %s: %s", o->board, m, why);
		return TB_EXIT_BOARD;
	}
	if (have) {
		if (!o->quiet)
			printf("%s: %s is there\n", o->board, m);
		return TB_EXIT_OK;
	}
	char *pkg = o->module_from ? tb_xasprintf("%s/%s", o->module_from, m) : NULL;
	char *file = o->module_from ? tb_xasprintf("%s/%s.py", o->module_from, m) : NULL;
	int rc = TB_EXIT_SETUP, count = -1;
	struct stat st;
	if (!o->module_from) {
		tb_warn("%s: module %s is missing and there is nothing to install it from (--module-from DIR)", o->board, m);
	} else if (stat(pkg, &st) == 0 && S_ISDIR(st.st_mode)) {
		char *dest = tb_xasprintf("%s/%s", lib, m);
		count = put_tree(r, pkg, dest, why, sizeof why);
		free(dest);
	} else if (file_exists(file)) {
		char *dest = tb_xasprintf("%s/%s.py", lib, m);
		count = put_tree(r, file, dest, why, sizeof why);
		free(dest);
	} else {
		tb_warn("%s: module %s is missing and '%s' has neither %s/ nor %s.py", o->board, m, o->module_from, m, m);
	}
	if (o->module_from && count < 0 && why[0])
		tb_warn("%s: cannot install %s: %s", o->board, m, why);
	if (count > 0) {
		char used[256];
		have = importable(r, o, used, sizeof used, why, sizeof why);
		if (have == 1) {
			if (!o->quiet)
				printf("%s: %s installed (%d file%s in %s)\n", o->board, m, count, count == 1 ? "" : "s", lib);
			rc = TB_EXIT_OK;
		} else {
			tb_warn("%s: %s was copied to %s but does not import%s%s", o->board, m, lib, why[0] ? ": " : "", why);
		}
	}
	free(pkg);
	free(file);
	return rc;
}
