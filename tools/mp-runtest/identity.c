/* --identity: ask the board which firmware it runs (the string of boardid.h). The file is rewritten
 * only when the string changed, so that its time stamp tells make when the firmware changed. */
#include "boardid.h"
#include "exitcodes.h"
#include "fileio.h"
#include "json.h"
#include "runtest.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

int identify_board(struct repl *r, const struct options *o)
{
	struct buf code = BUF_INIT, out = BUF_INIT, err = BUF_INIT, old = BUF_INIT;
	struct board_run run;
	char failure[256];
	int rc = TB_EXIT_BOARD;
	buf_adds(&code, boardid_script);
	if (run_on_board(r, o, &code, 1, &run, &out, &err, failure, sizeof failure) || run.status != RUN_DONE) {
		tb_warn("%s: cannot ask the board for its firmware: %s", o->board, failure);
		goto done;
	}
	if (err.len) {
		tb_warn("%s: the board failed to tell its firmware: %s", o->board, buf_str(&err));
		goto done;
	}
	/* one line, \r\n from the board's console becomes \n */
	while (out.len && (out.data[out.len - 1] == '\n' || out.data[out.len - 1] == '\r'))
		out.data[--out.len] = 0;
	buf_addc(&out, '\n');
	rc = TB_EXIT_LOCAL;
	int same = file_read(o->identity_path, &old) == 0 && old.len == out.len && memcmp(old.data, out.data, out.len) == 0;
	if (!same && (file_mkdirs_for(o->identity_path) != 0 ||
		      file_write_atomic(o->identity_path, out.data, out.len) != 0))
		goto done;
	if (o->json) {
		struct buf j = BUF_INIT;
		buf_addc(&j, '{');
		json_kv_str(&j, "board", o->board);
		json_kv_bytes(&j, "identity", out.data, out.len - 1);
		json_kv_bool(&j, "changed", !same);
		buf_adds(&j, "}\n");
		fwrite(j.data, 1, j.len, stdout);
		buf_free(&j);
	}
	else if (!o->quiet)
		printf("%s: %s", o->board, buf_str(&out));
	rc = TB_EXIT_OK;
done:
	buf_free(&code);
	buf_free(&out);
	buf_free(&err);
	buf_free(&old);
	return rc;
}
