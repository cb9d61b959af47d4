#include "failfiles.h"
#include "fileio.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

/* unlink PATH; a file that is not there is fine. 0 or -1 */
static int remove_file(const char *path)
{
	return unlink(path) != 0 && errno != ENOENT ? -1 : 0;
}

int failfiles_update(const char *out_dir, const char *name, const struct buf *exp, int have_exp,
		     const struct buf *out, int failed)
{
	char *base = tb_xstrdup(name);
	for (char *p = base; *p; p++)
		if (*p == '/')
			*p = '_';
	char *pe = tb_xasprintf("%s/%s.exp", out_dir, base);
	char *po = tb_xasprintf("%s/%s.out", out_dir, base);
	int rc = 0;
	if (!failed || !have_exp)
		rc |= remove_file(pe);
	if (!failed)
		rc |= remove_file(po);
	else if (file_mkdirs_for(pe) != 0)
		rc = -1;
	else {
		if (have_exp)
			rc |= file_write_atomic(pe, exp->data, exp->len);
		rc |= file_write_atomic(po, out->data, out->len);
	}
	if (rc)
		tb_warn("cannot update the failure files in '%s'", out_dir);
	free(base);
	free(pe);
	free(po);
	return rc;
}
