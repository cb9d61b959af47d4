/* Data folders beside the executable; see datadir.h. */
#include "datadir.h"

#include "fileio.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *tb_data_dir(const char *source_dir, const char *share_dir, const char *probe)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return NULL;
	exe[n] = 0;
	char *slash = strrchr(exe, '/');
	if (!slash)
		return NULL;
	*slash = 0;
	char *candidates[] = {
		tb_xasprintf("%s/../../%s", exe, source_dir),                    /* build/bin */
		tb_xasprintf("%s/../../../%s", exe, source_dir),                 /* build/check/bin */
		tb_xasprintf("%s/../share/testbed-micropython/%s", exe, share_dir), /* installed */
	};
	char *found = NULL;
	for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++) {
		char *p = tb_xasprintf("%s/%s", candidates[i], probe);
		if (!found && file_exists(p)) {
			found = candidates[i];
			candidates[i] = NULL;
		}
		free(p);
		free(candidates[i]);
	}
	return found;
}
