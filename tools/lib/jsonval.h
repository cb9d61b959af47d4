/* Reading JSON: the whole text parsed into a tree of values (small files: board specs, bench
 * inventories). Strings are decoded to UTF-8 (\u escapes included); objects keep their key order;
 * numbers are kept as doubles. Nesting is limited to 64 levels. */
#ifndef TB_JSONVAL_H
#define TB_JSONVAL_H

#include <stddef.h>

enum jv_type { JV_NULL, JV_BOOL, JV_NUMBER, JV_STRING, JV_ARRAY, JV_OBJECT };

struct jv {
	enum jv_type type;
	int boolean;
	double number;
	char *string;      /* JV_STRING: NUL-terminated (a \u0000 inside ends it early) */
	size_t n;          /* JV_ARRAY, JV_OBJECT: count */
	struct jv *items;  /* JV_ARRAY: elements; JV_OBJECT: values */
	char **keys;       /* JV_OBJECT: keys */
	size_t line;       /* 1-based line where the value starts, for messages */
};

/* parse TEXT; 0 and *out (free with jv_free), or -1 with *err_line / *err_col (1-based) */
int jv_parse(const char *text, size_t len, struct jv *out, size_t *err_line, size_t *err_col);
void jv_free(struct jv *v);

/* the member KEY of object V (the last one if repeated), or NULL (also when V is no object) */
const struct jv *jv_get(const struct jv *v, const char *key);
/* its string, or NULL when absent or not a string */
const char *jv_str(const struct jv *v, const char *key);
/* its number into *out: 0, or -1 when absent or not a number */
int jv_num(const struct jv *v, const char *key, double *out);

#endif
