/* A tentacle as the tools see it: found by its infra MCU's serial (or its hub's USB location), its
 * infra MCU's tty, and the DUT's power (hub port 3, and GPIO23 of the infra on hardware v0.5+).
 * Messages go to stderr. */
#ifndef TB_TENTACLE_H
#define TB_TENTACLE_H

#include "hubpower.h"
#include "infra.h"

enum { TENTACLE_PORT_INFRA = 1, TENTACLE_PORT_BOOTSEL = 2, TENTACLE_PORT_DUT = 3 };
#define TENTACLE_OFF_FLOOR_MS 500    /* wait at least this long after switching off */
#define TENTACLE_CYCLE_FLOOR_MS 2000 /* a power cycle keeps the target off at least this long */
#define TENTACLE_EINFRA (-10)        /* tentacle_dut_power: the infra MCU failed (not a HUBPOWER_E*) */

/* ID without '-' and ':', lowercased, into OUT (size N) */
void tentacle_strip_serial(const char *id, char *out, size_t n);
/* 1 when ID is 16 hex digits (delimiters allowed) or the last 4; else 0 after a message naming OPT */
int tentacle_id_ok(const char *id, const char *opt);
/* the hub location of the tentacle whose infra (2e8a:0005 at <hub>.1) has serial ID (16 hex digits or
 * the last 4); malloc'ed, or NULL after a message. *serial (may be NULL) gets the full serial. */
char *tentacle_find_hub(const char *id, char **serial);
/* the serial of the infra MCU at HUB.1, malloc'ed, or NULL (no message) */
char *tentacle_serial_of_hub(const char *hub);
/* the tty of the infra MCU at HUB.1; malloc'ed or NULL after a message */
char *tentacle_infra_tty(const char *hub);

/* switch the DUT on or off: hub port 3, and on hw_version >= 1 GPIO23 through INFRA (switched off
 * before the port, on after it). Waits TENTACLE_OFF_FLOOR_MS after switching off. HUBPOWER_OK, a
 * HUBPOWER_E* code, or TENTACLE_EINFRA when the infra failed (messages printed). */
int tentacle_dut_power(const struct hub *h, int hw_version, struct infra *infra, int on,
		       enum hubpower_method m, enum hubpower_method *used);

#endif
