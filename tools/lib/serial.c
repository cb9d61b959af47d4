#include "serial.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static speed_t baud_constant(long baud)
{
	static const struct {
		long baud;
		speed_t c;
	} table[] = {
		{9600, B9600},     {19200, B19200},     {38400, B38400},     {57600, B57600},
		{115200, B115200}, {230400, B230400},   {460800, B460800},   {500000, B500000},
		{921600, B921600}, {1000000, B1000000}, {2000000, B2000000},
	};
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
		if (table[i].baud == baud)
			return table[i].c;
	return 0;
}

static ssize_t serial_read(void *ctx, uint8_t *buf, size_t n, int64_t deadline)
{
	struct serial *s = ctx;
	for (;;) {
		ssize_t r = read(s->fd, buf, n);
		if (r > 0)
			return r;
		/* a tty may answer 0 for "nothing yet"; elsewhere 0 is the end */
		if (r == 0 && !s->have_termios)
			return TB_IO_EOF;
		if (r < 0 && errno == EIO)
			return TB_IO_EOF; /* the other side of a pty closed, or a USB port vanished */
		if (r < 0 && errno != EAGAIN && errno != EINTR)
			return errno == ENODEV || errno == ENXIO ? TB_IO_EOF : TB_IO_ERROR;
		int64_t left = deadline - tb_now_ms();
		if (left <= 0)
			return TB_IO_TIMEOUT;
		struct pollfd p = {.fd = s->fd, .events = POLLIN};
		int pr = poll(&p, 1, left > 1000 ? 1000 : (int)left);
		if (pr < 0 && errno != EINTR)
			return TB_IO_ERROR;
		if (pr > 0 && (p.revents & (POLLERR | POLLNVAL)))
			return TB_IO_EOF;
		/* POLLHUP on a pty master-less slave: read gives EIO next round */
		if (pr > 0 && (p.revents & POLLHUP) && !(p.revents & POLLIN))
			return TB_IO_EOF;
	}
}

static int serial_write(void *ctx, const uint8_t *buf, size_t n)
{
	struct serial *s = ctx;
	while (n > 0) {
		ssize_t w = write(s->fd, buf, n);
		if (w > 0) {
			buf += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno != EAGAIN && errno != EINTR)
			return TB_IO_ERROR;
		struct pollfd p = {.fd = s->fd, .events = POLLOUT};
		int pr = poll(&p, 1, 5000);
		if (pr == 0) {
			errno = ETIMEDOUT; /* the board does not take our bytes */
			return TB_IO_ERROR;
		}
		if (pr < 0 && errno != EINTR)
			return TB_IO_ERROR;
	}
	return 0;
}

static int64_t serial_now(void *ctx)
{
	(void)ctx;
	return tb_now_ms();
}

static void serial_sleep(void *ctx, long ms)
{
	(void)ctx;
	tb_sleep_ms(ms);
}

int serial_open(struct serial *s, const char *path, long baud)
{
	return serial_open_wait(s, path, baud, 0);
}

int serial_open_wait(struct serial *s, const char *path, long baud, long wait_ms)
{
	memset(s, 0, sizeof *s);
	s->fd = -1;
	speed_t speed = 0;
	if (baud && !(speed = baud_constant(baud))) {
		tb_warn("unsupported baud rate %ld", baud);
		return SERIAL_ESETUP;
	}
	s->fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	if (s->fd >= 0 && fstat(s->fd, &st) == 0 &&
	    (S_ISREG(st.st_mode) || (S_ISCHR(st.st_mode) && major(st.st_rdev) == 1))) {
		/* a file, or /dev/null and its kin (memory devices): nothing that could be a board */
		tb_warn("'%s' is not a serial port (%s)", path, S_ISREG(st.st_mode) ? "a regular file" : "a memory device");
		close(s->fd);
		s->fd = -1;
		return SERIAL_ENOTTY;
	}
	if (s->fd < 0) {
		int e = errno;
		if (e == EISDIR) {
			tb_warn("'%s' is not a serial port (a folder)", path);
			return SERIAL_ENOTTY;
		}
		if (e == EACCES)
			tb_warn("cannot open '%s': %s (is the user in the group of the port, e.g. dialout?)", path,
				strerror(e));
		else
			tb_warn("cannot open '%s': %s", path, strerror(e));
		return SERIAL_EOPEN;
	}
	int64_t until = tb_now_ms() + wait_ms;
	int e;
	/* another process of the same run (a multi-board test) may hold the port for a while */
	for (;;) {
		e = flock(s->fd, LOCK_EX | LOCK_NB) == 0 ? 0 : errno;
		if (e == 0 || (e != EWOULDBLOCK && e != EINTR) || tb_now_ms() >= until)
			break;
		tb_sleep_ms(20);
	}
	if (e != 0) {
		close(s->fd);
		s->fd = -1;
		if (e == EWOULDBLOCK) {
			if (wait_ms > 0)
				tb_warn("port '%s' is busy: another program held it locked for %g s", path, wait_ms / 1000.0);
			else
				tb_warn("port '%s' is busy: another program has it open and locked", path);
			return SERIAL_EBUSY;
		}
		tb_warn("cannot lock '%s': %s", path, strerror(e));
		return SERIAL_EOPEN;
	}
	s->path = tb_xstrdup(path);
	/* ports that are not ttys (e.g. mocked ones) work without termios */
	if (tcgetattr(s->fd, &s->saved) == 0) {
		s->have_termios = 1;
		struct termios t = s->saved;
		cfmakeraw(&t);
		t.c_cflag |= CLOCAL | CREAD;
		t.c_cflag &= ~(tcflag_t)HUPCL; /* keep DTR up when we close: some boards reset on DTR drop */
		t.c_cc[VMIN] = 1; /* with O_NONBLOCK: EAGAIN when there is nothing */
		t.c_cc[VTIME] = 0;
		if (speed && (cfsetispeed(&t, speed) != 0 || cfsetospeed(&t, speed) != 0)) {
			tb_warn_errno("cannot set %ld baud on '%s'", baud, path);
			serial_close(s);
			return SERIAL_ESETUP;
		}
		struct termios back;
		if (tcsetattr(s->fd, TCSANOW, &t) != 0 || tcgetattr(s->fd, &back) != 0) {
			tb_warn_errno("cannot configure '%s'", path);
			serial_close(s);
			return SERIAL_ESETUP;
		}
		if ((back.c_lflag & ICANON) || (back.c_lflag & ECHO)) {
			tb_warn("'%s' did not take raw mode", path);
			serial_close(s);
			return SERIAL_ESETUP;
		}
	} else if (errno != ENOTTY && errno != EINVAL) {
		tb_warn_errno("cannot read the settings of '%s'", path);
		serial_close(s);
		return SERIAL_ESETUP;
	}
	/* DTR and RTS up, as terminal programs leave them; a pty or mocked tty refuses: not an error */
	int lines = TIOCM_DTR | TIOCM_RTS;
	if (ioctl(s->fd, TIOCMBIS, &lines) != 0 && errno != ENOTTY && errno != EINVAL)
		tb_warn_errno("cannot set DTR/RTS on '%s' (going on)", path);
	s->io.ctx = s;
	s->io.read = serial_read;
	s->io.write = serial_write;
	s->io.now = serial_now;
	s->io.sleep = serial_sleep;
	return SERIAL_OK;
}

void serial_drain(struct serial *s, long quiet_ms, long max_ms)
{
	uint8_t tmp[512];
	int64_t end = tb_now_ms() + max_ms;
	for (;;) {
		int64_t now = tb_now_ms();
		int64_t until = now + quiet_ms < end ? now + quiet_ms : end;
		ssize_t r = serial_read(s, tmp, sizeof tmp, until);
		if (r <= 0 || tb_now_ms() >= end)
			return;
	}
}

void serial_close(struct serial *s)
{
	if (s->fd >= 0) {
		if (s->have_termios && tcsetattr(s->fd, TCSANOW, &s->saved) != 0 && errno != EIO)
			tb_warn_errno("cannot restore the settings of '%s'", s->path ? s->path : "port");
		if (close(s->fd) != 0 && errno != EIO)
			tb_warn_errno("cannot close '%s'", s->path ? s->path : "port");
	}
	s->fd = -1;
	free(s->path);
	s->path = NULL;
}
