/* Closing descriptors: a failed close is reported, never silently dropped. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "vboard.h"

void vb_close_fd(int *fd, const char *what)
{
	if (*fd < 0)
		return;
	/* on Linux the descriptor is released even when close() reports EINTR: never retry */
	if (close(*fd) != 0 && errno != EINTR)
		vb_err("cannot close %s: %s", what, strerror(errno));
	*fd = -1;
}
