/* A tiny test reporter: one "ok - NAME" / "not ok - NAME" line per check, a summary line at the end. */
#ifndef TB_TAP_H
#define TB_TAP_H

#include <stdio.h>

static int tap_passed, tap_failed;

#define CHECK(cond, ...)                                                                                     \
	do {                                                                                                 \
		if (cond) {                                                                                  \
			tap_passed++;                                                                        \
			printf("ok - ");                                                                     \
		} else {                                                                                     \
			tap_failed++;                                                                        \
			printf("not ok - %s:%d: ", __FILE__, __LINE__);                                     \
		}                                                                                            \
		printf(__VA_ARGS__);                                                                         \
		putchar('\n');                                                                               \
	} while (0)

static inline int tap_done(void)
{
	printf("%d passed, %d failed\n", tap_passed, tap_failed);
	return tap_failed ? 1 : 0;
}

#endif
