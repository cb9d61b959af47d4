/* tentacle-find: shared declarations of its source files. */
#ifndef TENTACLE_FIND_H
#define TENTACLE_FIND_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

/* the inventory: tentacle serial -> board name, read from a JSON object
 * {"e46340474b4c2731": {"board": "RPI_PICO2"}, ...} */
struct inventory {
	size_t n;
	char **serial;
	char **board; /* NULL when the entry has no "board" */
};

/* 0, or -1 after a message naming the file (and the line and column of a syntax error) */
int inventory_load(const char *path, struct inventory *inv);
/* the entry of SERIAL (compared without case), or -1 */
long inventory_find(const struct inventory *inv, const char *serial);
void inventory_free(struct inventory *inv);

struct list_options {
	int json;
	const char *inventory; /* NULL: none */
};
/* the list command; an exit code */
int cmd_list(const struct list_options *o);

struct wait_options {
	const char *location;
	uint32_t ids[16];
	int nids;
	const char *ids_text;
	int usb;	/* 0: wait for a tty, 1: for a USB device */
	int gone;	/* wait until it is absent */
	int new_only;	/* ignore what is there now: wait for an add event */
	long timeout_ms;
	int ready_fd;	/* -1: "ready" to stdout (unless then_argv) */
	char **then_argv; /* NULL or a command to run once the monitor is bound */
	int json;
};
/* the wait command; an exit code */
int cmd_wait(const struct wait_options *o);

/* set by SIGINT / SIGTERM */
extern volatile sig_atomic_t tf_interrupted;

#endif
