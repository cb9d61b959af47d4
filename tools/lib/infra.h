/* The infra MCU of a tentacle (an RP2040 with stock MicroPython on hub port 1): relays, LEDs, DUT power
 * (v0.5+) and the hardware version, each a tiny machine.Pin snippet sent over the raw REPL client.
 * Messages go to stderr and name the infra's tty. */
#ifndef TB_INFRA_H
#define TB_INFRA_H

#include "buf.h"
#include "rawrepl.h"
#include "serial.h"

#include <stddef.h>

enum {
	INFRA_GPIO_DUT_POWER = 23, /* v0.5+ */
	INFRA_GPIO_LED_ACTIVE = 24,
	INFRA_GPIO_LED_ERROR = 20,
	INFRA_RELAYS = 7,          /* relay N on GPIO N */
};

enum {
	INFRA_OK = 0,
	INFRA_ENOANSWER = -1, /* cannot open the tty or no raw REPL (message printed) */
	INFRA_ENOMACHINE = -2,/* the MicroPython there has no machine.Pin (message printed) */
	INFRA_EFAIL = -3,     /* the snippet raised (message printed) */
};

struct infra {
	struct serial port;
	struct repl repl;
	char *tty;
	int open;
};

/* open TTY and enter the raw REPL (no soft reset); verbose traces the bytes on stderr */
int infra_open(struct infra *in, const char *tty, int verbose, long timeout_ms);
void infra_close(struct infra *in);

/* run a snippet; its stdout appended to OUT when given */
int infra_exec(struct infra *in, const char *code, long timeout_ms, struct buf *out);

int infra_gpio_set(struct infra *in, int gpio, int value);
/* GPIO29..GPIO25 (pull-down) as a 5-bit number: 0 = v0.3, 1 = v0.5, 2 = v0.6, 3 = v0.7 */
int infra_hw_version(struct infra *in, int *version);
/* relay N closed for ms[0], open for ms[1], closed for ms[2]... and open at the end */
int infra_relay_pulse(struct infra *in, int relay, const long *ms, size_t n);

#endif
