#include "fileio.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int file_read(const char *path, struct buf *b)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	buf_reset(b);
	for (;;) {
		buf_reserve(b, 65536);
		ssize_t n = read(fd, b->data + b->len, 65536);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		if (n == 0)
			break;
		b->len += (size_t)n;
		b->data[b->len] = 0;
	}
	if (close(fd) != 0)
		return -1;
	return 0;
}

int file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int file_mkdirs_for(const char *path)
{
	char *p = tb_xstrdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, 0777) != 0 && errno != EEXIST) {
			tb_warn_errno("cannot create folder '%s'", p);
			free(p);
			return -1;
		}
		*s = '/';
	}
	free(p);
	return 0;
}

int file_write_atomic(const char *path, const void *data, size_t n)
{
	char *tmp = tb_xasprintf("%s.tmp%ld", path, (long)getpid());
	const char *p = data;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0)
		goto fail;
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			errno = e;
			goto fail_unlink;
		}
		p += w;
		n -= (size_t)w;
	}
	/* the data on the disk before the name: after a power loss PATH is the old file or the new one,
	 * whole */
	if (fdatasync(fd) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		goto fail_unlink;
	}
	if (close(fd) != 0)
		goto fail_unlink;
	if (rename(tmp, path) != 0)
		goto fail_unlink;
	free(tmp);
	return 0;
fail_unlink: {
	int e = errno;
	unlink(tmp);
	errno = e;
}
fail:
	tb_warn_errno("cannot write '%s'", path);
	free(tmp);
	return -1;
}
