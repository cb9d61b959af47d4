#include "infracount.h"

#include "buf.h"
#include "fileio.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

int infra_count_read(const char *path)
{
	struct buf b = BUF_INIT;
	int n = 0;
	if (path && file_read(path, &b) == 0)
		n = atoi(buf_str(&b));
	buf_free(&b);
	return n < 0 ? 0 : n;
}

int infra_count_write(const char *path, int n, const char *why)
{
	if (!path)
		return 0;
	char *text = tb_xasprintf("%d %s\n", n, why ? why : "");
	int rc = file_write_atomic(path, text, strlen(text));
	free(text);
	return rc;
}
