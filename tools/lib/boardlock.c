#include "boardlock.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

int board_lock(const char *path, long wait_ms)
{
	if (!path)
		return -1;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		tb_warn_errno("cannot open the board lock '%s'", path);
		return -2;
	}
	int64_t until = tb_now_ms() + wait_ms;
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		int e = errno;
		if (e != EWOULDBLOCK && e != EINTR) {
			tb_warn("cannot lock '%s': %s", path, strerror(e));
			break;
		}
		if (tb_now_ms() >= until) {
			tb_warn("the board is busy: another test or its recovery held '%s' for %g s", path,
				wait_ms / 1000.0);
			break;
		}
		tb_sleep_ms(20);
	}
	close(fd);
	return -2;
}

void board_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}
