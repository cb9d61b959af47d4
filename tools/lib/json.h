/* Writing JSON text into a buffer. Strings are byte strings from boards: valid UTF-8 passes through,
 * each invalid byte becomes U+FFFD (the raw bytes are kept in .out files where they matter). */
#ifndef TB_JSON_H
#define TB_JSON_H

#include "buf.h"

#include <stddef.h>
#include <stdint.h>

void json_string(struct buf *b, const void *p, size_t n);
void json_cstring(struct buf *b, const char *s); /* NULL writes null */
/* ,"key":  (the comma only when the object already has a member) */
void json_key(struct buf *b, const char *key);
void json_kv_str(struct buf *b, const char *key, const char *s);
void json_kv_bytes(struct buf *b, const char *key, const void *p, size_t n);
void json_kv_int(struct buf *b, const char *key, long long v);
void json_kv_bool(struct buf *b, const char *key, int v);

#endif
