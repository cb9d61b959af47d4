/* Infrastructure errors in a row per board (port gone, garbage, no raw REPL), counted in a small file
 * ("N why") that every tool running tests on the board shares, single- and multi-board alike: a board
 * that keeps failing is taken out of the run instead of failing every test slowly. */
#ifndef TB_INFRACOUNT_H
#define TB_INFRACOUNT_H

#define INFRA_MAX 3 /* infrastructure errors in a row that take a board out of the run */

/* the count in PATH: 0 without PATH, without the file, or with a file that holds no count */
int infra_count_read(const char *path);
/* write "N WHY" to PATH atomically (nothing without PATH); 0, or -1 after a message */
int infra_count_write(const char *path, int n, const char *why);

#endif
