/* Reading whole files and writing files atomically (temporary file, its data synced, then renamed), so
 * that an interrupted run, or a machine that loses power, never leaves a partial result behind. */
#ifndef TB_FILEIO_H
#define TB_FILEIO_H

#include "buf.h"

#include <stddef.h>

/* 0, or -1 with errno set */
int file_read(const char *path, struct buf *b);
/* 0, or -1 after printing "prog: cannot write 'path': ..." */
int file_write_atomic(const char *path, const void *p, size_t n);
/* create the parent folders of PATH; 0 or -1 after a message */
int file_mkdirs_for(const char *path);
int file_exists(const char *path);

#endif
