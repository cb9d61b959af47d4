/* --via-mpy: the test is compiled on the host by mpy-cross and the board imports the .mpy from RAM, as
 * MicroPython's run-tests.py --via-mpy does: the script sent is the .mpy as a bytes literal and a few
 * lines that mount a one-file filesystem serving it, then import it as the main module. */
#include "boardfs.h"
#include "fileio.h"
#include "runcmd.h"
#include "runtest.h"
#include "util.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MPY_CROSS_TIMEOUT_MS 60000

/* A filesystem of one file, __tb.mpy, whose bytes are __buf: mounted, it lets the board import a
 * .mpy sent in the script. When _tb_main is set, the module becomes __main__ as its file is opened, so
 * that a test's `if __name__ == "__main__"` runs. */
static const char hook_fs[] =
	"import sys, os\n"
	"try:\n"
	" import io\n"
	"except ImportError:\n"
	" import uio as io\n"
	"try:\n"
	" from vfs import mount as _tb_mount\n"
	"except ImportError:\n"
	" _tb_mount = os.mount\n"
	"class _TbMpyFile(io.IOBase):\n"
	" def __init__(self):\n"
	"  self.at = 0\n"
	" def readinto(self, b):\n"
	"  n = min(len(b), len(__buf) - self.at)\n"
	"  b[:n] = memoryview(__buf)[self.at:self.at + n]\n"
	"  self.at += n\n"
	"  return n\n"
	" def ioctl(self, req, arg):\n"
	"  return 0 if req == 4 else -1\n"
	"class _TbMpyFS:\n"
	" def mount(self, readonly, mkfs):\n"
	"  pass\n"
	" def umount(self):\n"
	"  pass\n"
	" def chdir(self, path):\n"
	"  pass\n"
	" def getcwd(self):\n"
	"  return ''\n"
	" def stat(self, path):\n"
	"  if path.lstrip('/') != '__tb.mpy':\n"
	"   raise OSError(2)\n"
	"  return (0x8000, 0, 0, 0, 0, 0, len(__buf), 0, 0, 0)\n"
	" def open(self, path, mode):\n"
	"  self.stat(path)\n"
	"  m = sys.modules.get('__tb')\n"
	"  if m and _tb_main:\n"
	"   m.__name__ = '__main__'\n"
	"   sys.modules['__main__'] = m\n"
	"  return _TbMpyFile()\n";

/* --via-mpy: the test is the main module, found through sys.path's '' in the mount made the current
 * folder (as the official runner does it) */
static const char hook_test[] =
	"_tb_main = 1\n"
	"_tb_mount(_TbMpyFS(), '/__tb_mpy')\n"
	"os.chdir('/__tb_mpy')\n"
	"__import__('__tb')\n";

/* --natmod: the module is imported under its own name before the test runs; the test must not find
 * a file of that name in the current folder ('' leaves sys.path, as in run-natmodtests.py) */
static const char hook_module[] =
	"_tb_main = 0\n"
	"_tb_mount(_TbMpyFS(), '/__tb_mpy')\n"
	"sys.path.insert(0, '/__tb_mpy')\n"
	"try:\n"
	" sys.path.remove('')\n"
	"except ValueError:\n"
	" pass\n"
	"sys.modules[_tb_name] = __import__('__tb')\n"
	"sys.path.pop(0)\n"
	"del _TbMpyFS, _TbMpyFile, _tb_mount, _tb_name, _tb_main, __buf\n";

/* split FLAGS at blanks into V (appending; the strings are copies) */
static void add_words(const char *flags, char ***v, size_t *n)
{
	char *copy = tb_xstrdup(flags ? flags : ""), *save = NULL;
	for (char *w = strtok_r(copy, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save)) {
		*v = tb_xrealloc(*v, (*n + 2) * sizeof **v);
		(*v)[(*n)++] = tb_xstrdup(w);
		(*v)[*n] = NULL;
	}
	free(copy);
}

int via_mpy_script(const struct options *o, const char *name, const struct buf *script, struct buf *out,
		   struct buf *crash)
{
	const char *tmp = getenv("TMPDIR");
	char *dir = tb_xasprintf("%s/mp-runtest-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		tb_warn_errno("cannot create a folder in '%s' for mpy-cross", tmp && *tmp ? tmp : "/tmp");
		free(dir);
		return -1;
	}
	char *src = tb_xasprintf("%s/test.py", dir), *mpy = tb_xasprintf("%s/test.mpy", dir);
	char *emit = tb_xasprintf("emit=%s", o->emit);
	char **argv = NULL;
	size_t argc = 0;
	add_words(o->mpy_cross, &argv, &argc);
	size_t prog_words = argc;
	add_words(o->mpy_cross_flags, &argv, &argc);
	const char *tail[] = {"-s", name, "-X", emit, "-o", mpy, src};
	for (size_t i = 0; i < sizeof tail / sizeof tail[0]; i++) {
		argv = tb_xrealloc(argv, (argc + 2) * sizeof *argv);
		argv[argc++] = tb_xstrdup(tail[i]);
		argv[argc] = NULL;
	}

	int rc = -1, status = 0;
	struct buf log = BUF_INIT, data = BUF_INIT;
	char why[PATH_MAX + 128];
	if (prog_words == 0) {
		tb_warn("--mpy-cross is empty");
	} else if (file_write_atomic(src, script->data, script->len) != 0) {
		/* said */
	} else if (runcmd_capture(argv, NULL, NULL, MPY_CROSS_TIMEOUT_MS, &log, &status, why, sizeof why) !=
		   RUNCMD_OK) {
		tb_warn("%s (mpy-cross for --via-mpy: give --mpy-cross or MICROPY_MPYCROSS)", why);
	} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		/* the official runner's text for a test mpy-cross refuses */
		buf_reset(crash);
		buf_adds(crash, "mpy-cross crash\n");
		buf_add(crash, log.data, log.len);
		rc = 1;
	} else if (file_read(mpy, &data) != 0) {
		tb_warn_errno("mpy-cross wrote no '%s'", mpy);
	} else {
		buf_reset(out);
		buf_adds(out, "__buf=");
		boardfs_bytes_literal(out, data.data, data.len);
		buf_addc(out, '\n');
		buf_adds(out, hook_fs);
		buf_adds(out, hook_test);
		rc = 0;
	}
	unlink(src);
	unlink(mpy);
	if (rmdir(dir) != 0)
		tb_warn_errno("cannot remove '%s'", dir);
	for (size_t i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
	buf_free(&log);
	buf_free(&data);
	free(src);
	free(mpy);
	free(emit);
	free(dir);
	return rc;
}

int natmod_script(const struct options *o, const struct buf *test_script, struct buf *out)
{
	struct buf mpy = BUF_INIT;
	if (file_read(o->natmod_file, &mpy) != 0) {
		tb_warn_errno("cannot read the native module '%s'", o->natmod_file);
		buf_free(&mpy);
		return -1;
	}
	buf_reset(out);
	buf_adds(out, "__buf=");
	boardfs_bytes_literal(out, mpy.data, mpy.len);
	buf_adds(out, "\n_tb_name = '");
	buf_adds(out, o->natmod_name);
	buf_adds(out, "'\n");
	buf_adds(out, hook_fs);
	buf_adds(out, hook_module);
	buf_add(out, test_script->data, test_script->len);
	buf_free(&mpy);
	return 0;
}
