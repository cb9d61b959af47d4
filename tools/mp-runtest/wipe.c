/* --wipe-fs DIR: empty the board's filesystem before the tests (the FLASH_FORMAT group), so that no file
 * a former run or a test left behind changes a verdict. Every file and folder under DIR is removed over
 * the raw REPL; DIR "." is the folder the firmware starts in (its flash filesystem: / on rp2 and esp32,
 * /flash on stm32). Firmware without folders (micro:bit) has its flat list of files removed. */
#include "boardfs.h"
#include "exitcodes.h"
#include "runtest.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WIPE_MS 120000

/* prints "DIR <folder>", then per entry "RM <path>" or "KEEP <path> <error>", then "DONE <files> <folders>" */
static const char wipe_code[] =
	"import os\n"
	"def _tb_isdir(p):\n"
	" try:\n"
	"  return os.stat(p)[0] & 0x4000 != 0\n"
	" except (AttributeError, OSError):\n"
	"  return False\n"
	"def _tb_wipe(d, counts):\n"
	" for name in (os.listdir(d) if d else os.listdir()):\n"
	"  p = (d.rstrip('/') + '/' + name) if d else name\n"
	"  try:\n"
	"   if _tb_isdir(p):\n"
	"    _tb_wipe(p, counts)\n"
	"    os.rmdir(p)\n"
	"    counts[1] += 1\n"
	"   else:\n"
	"    os.remove(p)\n"
	"    counts[0] += 1\n"
	"   print('RM', p)\n"
	"  except OSError as e:\n"
	"   print('KEEP', p, e)\n"
	"try:\n"
	" _tb_dir = os.getcwd() if _tb_arg == '.' else _tb_arg\n"
	"except AttributeError:\n"
	" _tb_dir = ''\n"
	"print('DIR', _tb_dir or '(flat)')\n"
	"_tb_counts = [0, 0]\n"
	"_tb_wipe(_tb_dir, _tb_counts)\n"
	"print('DONE', _tb_counts[0], _tb_counts[1])\n";

int wipe_fs(struct repl *r, const struct options *o)
{
	struct buf code = BUF_INIT, out = BUF_INIT;
	char why[256] = "";
	buf_adds(&code, "_tb_arg = ");
	boardfs_bytes_literal(&code, (const uint8_t *)o->wipe_dir, strlen(o->wipe_dir));
	buf_adds(&code, ".decode()\n");
	buf_adds(&code, wipe_code);
	int rc = TB_EXIT_BOARD;
	if (repl_enter(r, 1, o->enter_timeout_ms) != REPL_OK) {
		tb_warn("%s: could not enter raw REPL: %s", o->board, r->error);
		goto done;
	}
	int st = boardfs_exec(r, buf_str(&code), WIPE_MS, &out, why, sizeof why);
	if (st != 0) {
		tb_warn("%s: cannot empty the filesystem: %s", o->board, why);
		goto done;
	}
	/* the summary lines; the removed paths only with --verbose */
	const char *dir = "?";
	long files = -1, folders = -1, kept = 0;
	for (char *save = NULL, *l = strtok_r((char *)buf_str(&out), "\r\n", &save); l;
	     l = strtok_r(NULL, "\r\n", &save)) {
		if (strncmp(l, "DIR ", 4) == 0) {
			dir = l + 4;
		} else if (strncmp(l, "KEEP ", 5) == 0) {
			kept++;
			tb_warn("%s: cannot remove %s", o->board, l + 5);
		} else if (strncmp(l, "DONE ", 5) == 0) {
			if (sscanf(l + 5, "%ld %ld", &files, &folders) != 2)
				files = folders = -1;
		} else if (o->verbose) {
			tb_warn("%s: %s", o->board, l);
		}
	}
	if (files < 0) {
		tb_warn("%s: the filesystem wipe did not finish (no summary from the board)", o->board);
		goto done;
	}
	if (!o->quiet || kept)
		printf("%s: filesystem %s emptied: %ld file%s and %ld folder%s removed%s\n", o->board, dir, files,
		       files == 1 ? "" : "s", folders, folders == 1 ? "" : "s", kept ? ", some kept (see above)" : "");
	rc = kept ? TB_EXIT_FAIL : TB_EXIT_OK;
done:
	buf_free(&code);
	buf_free(&out);
	return rc;
}
