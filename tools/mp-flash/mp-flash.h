/* mp-flash: shared declarations of its source files. */
#ifndef MP_FLASH_H
#define MP_FLASH_H

#include "buf.h"
#include "hubpower.h"
#include "infra.h"

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#define MAX_PULSES 32

enum boot_sequence { SEQ_HOLD, SEQ_NONE, SEQ_PULSES };

/* what mp-flash needs of a board spec (boards/<NAME>.json, see boards/README.md) */
struct board_spec {
	char *path;
	char *name;
	char *micropython_board;
	char *program;       /* picotool, esptool, dfu-util, bossac, teensy_loader_cli, none */
	char *chip, *offset, *mcu;
	long baud;
	char **args;         /* write_flash_args (esptool) or args (bossac, teensy_loader_cli) */
	size_t nargs;
	int exclusive;       /* one flash of this program at a time on the host */
	long timeout_ms;
	uint32_t boot_id, app_id; /* UDEVU_ID; boot_id 0: no boot device of its own (use the app tty) */
	int boot_bind;       /* the boot device is announced by a "bind" event */
	int boot_usb;        /* the boot device is a USB device (else a tty) */
	int relay;           /* 0: none */
	enum boot_sequence seq;
	long pulses[MAX_PULSES];
	size_t npulses;
	long udev_wait_ms, settle_ms, app_wait_ms;
	char *ext;           /* uf2, bin, dfu, hex */
};

/* load and check PATH; 0, or -1 after a message naming the file and field */
int spec_load(const char *path, struct board_spec *s);
void spec_free(struct board_spec *s);

/* the flasher's argv for FIRMWARE and the boot device (tty, or bus/address/serial), NULL-terminated,
 * malloc'ed strings (free with argv_free); PROGRAM replaces argv[0] when not NULL */
char **flasher_argv(const struct board_spec *s, const char *program, const char *firmware, const char *tty,
		    long busnum, long devnum, const char *serial);
void argv_free(char **argv);
/* the command line as one shell-like line, for messages and logs (malloc'ed) */
char *argv_text(char *const *argv);
/* 1 when PROGRAM (a name or a path) can be executed */
int program_found(const char *program);
enum { RUN_OK = 0, RUN_FAILED = 1, RUN_TIMEOUT = 2, RUN_STOPPED = 3, RUN_CANNOT = 4 };
/* run ARGV with stdin from /dev/null and stdout + stderr appended to LOG_FD, in its own process group;
 * on TIMEOUT_MS or *stop: SIGTERM to the group, SIGKILL 2 s later. One of RUN_*; *status gets the
 * exit status (or 128 + signal) */
int run_program(char *const *argv, int log_fd, long timeout_ms, volatile sig_atomic_t *stop, int *status);

/* the state of one flash */
struct flash {
	const struct board_spec *spec;
	const char *label;      /* "2731-RPI_PICO" */
	const char *hub;        /* "1-1.1" */
	char *dut_location;     /* "<hub>.3" */
	struct hub hubdev;
	int hw_version;
	char *infra_tty;
	struct infra infra;
	int infra_open;
	int verbose;
	long enter_ms;
	int method;             /* enum hubpower_method */
	FILE *log;              /* steps and the flasher's output */
	int64_t t0;
	char *app_tty;          /* the application tty after the last power-up (malloc'ed) */
	char failed_step[64];   /* what failed last */
	volatile sig_atomic_t *stop;
};

enum { FLOW_OK = 0, FLOW_BOARD = 1, FLOW_SETUP = 2, FLOW_STOPPED = 3 };
/* power-cycle the DUT and wait for its application tty (f->app_tty); FLOW_* */
int flow_power_up(struct flash *f);
/* one flash attempt of FIRMWARE with PROGRAM (NULL: the spec's); ends with the DUT powered up again
 * and f->app_tty set; FLOW_* (FLOW_SETUP: the flasher program could not run) */
int flow_flash(struct flash *f, const char *program, const char *firmware);
/* leave the DUT off and the relay released (after a failure) */
void flow_safe_state(struct flash *f);
/* a step line "[  1.234] text" to the log (and stderr with verbose) */
void step(struct flash *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
