/* hotplug-harness: hot-plug USB devices on a umockdev testbed while a tool waits for them.
 *
 *   umockdev-wrapper hotplug-harness TOPOLOGY [STEP...] -- CMD [ARG...]
 *
 * Loads TOPOLOGY (umockdev text), starts CMD (which inherits the mock), waits until CMD prints a line
 * "ready" (its udev monitor is bound), then runs the STEPs in order:
 *   remove:SYSPATH  send "remove" for SYSPATH and every device below it, deepest first, then delete them
 *   add:FILE        add the devices of FILE (umockdev text, parents first); umockdev sends "add" for each
 *   sleep:MS        wait MS milliseconds
 * then copies the rest of CMD's standard output and exits with CMD's exit status
 * (125: the harness itself failed; 124: CMD never printed "ready"). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <umockdev.h>

#include <errno.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HARNESS_FAIL 125

static UMockdevTestbed *tb;
static char *sys_dir; /* the testbed's real folder behind /sys */

static char *subtree[1024];
static int subtree_n;

static int collect(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	size_t plen = strlen(path);
	if (flag != FTW_F || plen < 7 || strcmp(path + plen - 7, "/uevent") != 0)
		return 0;
	if (subtree_n >= 1024) {
		fprintf(stderr, "hotplug-harness: more than 1024 devices to remove\n");
		return 1;
	}
	/* the device folder, as a /sys path */
	size_t skip = strlen(sys_dir);
	size_t len = plen - 7 - skip;
	char *dev = malloc(len + 5);
	if (!dev)
		return 1;
	memcpy(dev, "/sys", 4);
	memcpy(dev + 4, path + skip, len);
	dev[len + 4] = '\0';
	subtree[subtree_n++] = dev;
	return 0;
}

static int deeper_first(const void *a, const void *b)
{
	size_t la = strlen(*(char *const *)a), lb = strlen(*(char *const *)b);
	return la < lb ? 1 : la > lb ? -1 : 0;
}

static int step_remove(const char *syspath)
{
	if (strncmp(syspath, "/sys/", 5) != 0) {
		fprintf(stderr, "hotplug-harness: remove: '%s' is not a /sys path\n", syspath);
		return -1;
	}
	char *root = g_strconcat(sys_dir, syspath + 4, NULL);
	subtree_n = 0;
	int rc = nftw(root, collect, 16, FTW_PHYS);
	g_free(root);
	if (rc != 0 || subtree_n == 0) {
		fprintf(stderr, "hotplug-harness: remove: no device '%s'\n", syspath);
		return -1;
	}
	qsort(subtree, (size_t)subtree_n, sizeof subtree[0], deeper_first);
	/* the uevents while the devices still exist, children first */
	for (int i = 0; i < subtree_n; i++)
		umockdev_testbed_uevent(tb, subtree[i], "remove");
	for (int i = 0; i < subtree_n; i++) {
		umockdev_testbed_remove_device(tb, subtree[i]);
		free(subtree[i]);
	}
	return 0;
}

static int step_add(const char *file)
{
	GError *err = NULL;
	if (!umockdev_testbed_add_from_file(tb, file, &err)) {
		fprintf(stderr, "hotplug-harness: add: cannot load '%s': %s\n", file, err ? err->message : "?");
		g_clear_error(&err);
		return -1;
	}
	return 0;
}

/* read CMD's output until a line "ready", echoing nothing; 0, or -1 on EOF / timeout */
static int wait_ready(int fd, int timeout_ms)
{
	char line[256];
	size_t n = 0;
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		long el = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
		if (el >= timeout_ms)
			return -1;
		struct pollfd p = {fd, POLLIN, 0};
		if (poll(&p, 1, (int)(timeout_ms - el)) <= 0)
			continue;
		char c;
		ssize_t r = read(fd, &c, 1);
		if (r <= 0)
			return -1;
		if (c != '\n') {
			if (n < sizeof line - 1)
				line[n++] = c;
			continue;
		}
		line[n] = '\0';
		if (strcmp(line, "ready") == 0)
			return 0;
		printf("%s\n", line); /* something else: pass it on */
		n = 0;
	}
}

int main(int argc, char **argv)
{
	int sep = 0;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			sep = i;
			break;
		}
	if (argc < 4 || sep < 2 || sep + 1 >= argc) {
		fprintf(stderr, "usage: umockdev-wrapper %s TOPOLOGY [remove:SYSPATH|add:FILE|sleep:MS...] -- CMD "
				"[ARG...]\n",
			argv[0]);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	tb = umockdev_testbed_new();
	sys_dir = umockdev_testbed_get_sys_dir(tb);
	GError *err = NULL;
	if (!umockdev_testbed_add_from_file(tb, argv[1], &err)) {
		fprintf(stderr, "hotplug-harness: cannot load '%s': %s\n", argv[1], err ? err->message : "?");
		return HARNESS_FAIL;
	}
	int pipefd[2];
	if (pipe(pipefd) != 0) {
		perror("hotplug-harness: pipe");
		return HARNESS_FAIL;
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		perror("hotplug-harness: fork");
		return HARNESS_FAIL;
	}
	if (pid == 0) {
		dup2(pipefd[1], 1);
		close(pipefd[0]);
		close(pipefd[1]);
		signal(SIGPIPE, SIG_DFL);
		execvp(argv[sep + 1], argv + sep + 1);
		fprintf(stderr, "hotplug-harness: cannot run '%s': %s\n", argv[sep + 1], strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	int rc = 0;
	if (wait_ready(pipefd[0], 10000) != 0) {
		fprintf(stderr, "hotplug-harness: '%s' did not print 'ready'\n", argv[sep + 1]);
		rc = 124;
	}
	for (int i = 2; rc == 0 && i < sep; i++) {
		const char *s = argv[i];
		if (strncmp(s, "remove:", 7) == 0) {
			rc = step_remove(s + 7) ? HARNESS_FAIL : 0;
		} else if (strncmp(s, "add:", 4) == 0) {
			rc = step_add(s + 4) ? HARNESS_FAIL : 0;
		} else if (strncmp(s, "sleep:", 6) == 0) {
			long ms = strtol(s + 6, NULL, 10);
			struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
			nanosleep(&ts, NULL);
		} else {
			fprintf(stderr, "hotplug-harness: unknown step '%s'\n", s);
			rc = HARNESS_FAIL;
		}
	}
	if (rc != 0)
		kill(pid, SIGTERM);
	/* the rest of CMD's output */
	char buf[4096];
	ssize_t n;
	while ((n = read(pipefd[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
		if (n > 0)
			fwrite(buf, 1, (size_t)n, stdout);
	close(pipefd[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	g_free(sys_dir);
	g_object_unref(tb);
	if (rc != 0)
		return rc;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}
