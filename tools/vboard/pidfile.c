/* --pidfile: our pid, written before the ready line, removed on exit. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vboard.h"

int vb_pidfile_write(const char *path)
{
	char text[32];
	int fd, len;
	ssize_t n;

	len = snprintf(text, sizeof text, "%ld\n", (long)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		vb_err("cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	do
		n = write(fd, text, (size_t)len);
	while (n < 0 && errno == EINTR);
	if (n != len) {
		vb_err("cannot write '%s': %s", path, n < 0 ? strerror(errno) : "short write");
		close(fd);
		return -1;
	}
	if (close(fd) != 0) {
		vb_err("cannot write '%s': %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

void vb_pidfile_remove(const char *path)
{
	if (unlink(path) != 0 && errno != ENOENT)
		vb_err("cannot remove '%s': %s", path, strerror(errno));
}
