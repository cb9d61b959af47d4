/* The pseudo-terminal the host talks to: opened raw, its slave's name linked to the path the user chose. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "vboard.h"

static int set_fd_flags(int fd, bool nonblock)
{
	int fl = fcntl(fd, F_GETFD);

	if (fl < 0 || fcntl(fd, F_SETFD, fl | FD_CLOEXEC) < 0)
		return -1;
	if (!nonblock)
		return 0;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -1;
	return 0;
}

/* the slave's path, from the master; NULL after printing why */
static char *slave_name(int master)
{
	size_t size = 64;
	char *name = NULL, *p;
	int rc;

	for (;;) {
		p = realloc(name, size);
		if (!p) {
			vb_err("cannot allocate memory: %s", strerror(errno));
			free(name);
			return NULL;
		}
		name = p;
		rc = ptsname_r(master, name, size);
		if (rc == 0)
			return name;
		if (rc != ERANGE || size > 65536) {
			vb_err("cannot get the pty's name: %s", strerror(rc));
			free(name);
			return NULL;
		}
		size *= 2;
	}
}

static int make_raw(int fd)
{
	struct termios t, back;

	if (tcgetattr(fd, &t) != 0)
		return -1;
	cfmakeraw(&t);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(fd, TCSANOW, &t) != 0)
		return -1;
	/* read back: tcsetattr succeeds if any one change was applied */
	if (tcgetattr(fd, &back) != 0)
		return -1;
	if ((back.c_lflag & (ICANON | ECHO | ISIG)) || (back.c_oflag & OPOST) || (back.c_iflag & (ICRNL | IXON))) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int vb_pty_open(struct vb_pty *p)
{
	p->master = -1;
	p->slave = -1;
	p->name = NULL;
	p->link = NULL;
	if (openpty(&p->master, &p->slave, NULL, NULL, NULL) != 0) {
		vb_err("cannot open a pty: %s", strerror(errno));
		return -1;
	}
	if (set_fd_flags(p->master, true) != 0 || set_fd_flags(p->slave, false) != 0) {
		vb_err("cannot set pty flags: %s", strerror(errno));
		return -1;
	}
	p->name = slave_name(p->master);
	if (!p->name)
		return -1;
	if (make_raw(p->slave) != 0) {
		vb_err("cannot put '%s' in raw mode: %s", p->name, strerror(errno));
		return -1;
	}
	return 0;
}

/* Replace an existing symlink (a stale one from a run that died, or one a client still points at);
 * refuse to touch anything that is not a symlink. The new link appears atomically (rename). */
int vb_pty_link(struct vb_pty *p, const char *path)
{
	struct stat st;
	char *tmp = NULL;

	if (lstat(path, &st) == 0 && !S_ISLNK(st.st_mode)) {
		vb_err("cannot link '%s': it exists and is not a symlink (remove it or choose another --link)",
		       path);
		return -1;
	}
	if (asprintf(&tmp, "%s.%ld.tmp", path, (long)getpid()) < 0) {
		vb_err("cannot allocate memory: %s", strerror(errno));
		return -1;
	}
	if (unlink(tmp) != 0 && errno != ENOENT) {
		vb_err("cannot remove '%s': %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	if (symlink(p->name, tmp) != 0) {
		vb_err("cannot link '%s': %s", path, strerror(errno));
		free(tmp);
		return -1;
	}
	if (rename(tmp, path) != 0) {
		vb_err("cannot link '%s': %s", path, strerror(errno));
		if (unlink(tmp) != 0)
			vb_err("cannot remove '%s': %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	free(tmp);
	p->link = strdup(path);
	if (!p->link) {
		vb_err("cannot allocate memory: %s", strerror(errno));
		if (unlink(path) != 0)
			vb_err("cannot remove '%s': %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

void vb_pty_discard_input(struct vb_pty *p)
{
	unsigned char junk[4096];
	int rounds;
	ssize_t n;

	if (p->master < 0)
		return; /* unplugged */
	/* bounded: a client writing without pause must not keep us here */
	for (rounds = 0; rounds < 256; rounds++) {
		n = read(p->master, junk, sizeof junk);
		if (n > 0)
			continue;
		if (n < 0 && errno == EINTR)
			continue;
		break;
	}
}

/* remove the link only if it still points at our pty (another vboard may have taken the path over) */
static void unlink_if_ours(const char *path, const char *target)
{
	size_t tlen = strlen(target);
	char *buf = malloc(tlen + 2);
	ssize_t n;

	if (!buf) {
		vb_err("cannot allocate memory: %s", strerror(errno));
		return;
	}
	n = readlink(path, buf, tlen + 2);
	if (n < 0) {
		if (errno != ENOENT)
			vb_err("cannot read link '%s': %s", path, strerror(errno));
	} else if ((size_t)n == tlen && memcmp(buf, target, tlen) == 0) {
		if (unlink(path) != 0 && errno != ENOENT)
			vb_err("cannot remove '%s': %s", path, strerror(errno));
	}
	free(buf);
}

void vb_pty_close(struct vb_pty *p)
{
	if (p->link && p->name)
		unlink_if_ours(p->link, p->name);
	free(p->link);
	p->link = NULL;
	free(p->name);
	p->name = NULL;
	vb_close_fd(&p->slave, "the pty slave");
	vb_close_fd(&p->master, "the pty master");
}
