/*
 * base/jw.h: a JSON writer into a struct sf_buf, for responses built on hot paths.
 *
 * Layer: base. Calls append values, keys and brackets; commas are placed by the writer. The first
 * failure (buffer limit) sticks in w->rc and later calls do nothing, so a caller checks once at
 * the end. Strings are escaped per RFC 8259; bytes that are not valid UTF-8 become U+FFFD, so the
 * output is always valid JSON text. Nesting up to 64 levels. Not thread-safe.
 */
#ifndef SF_BASE_JW_H
#define SF_BASE_JW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/str.h"

struct sf_jw {
	struct sf_buf *b;
	enum sf_err rc;
	int depth;
	uint64_t has_items; /* bit d: the container at depth d has an item already */
	bool after_key;
};

void sf_jw_init(struct sf_jw *w, struct sf_buf *b);
void sf_jw_obj(struct sf_jw *w);
void sf_jw_obj_end(struct sf_jw *w);
void sf_jw_arr(struct sf_jw *w);
void sf_jw_arr_end(struct sf_jw *w);
void sf_jw_key(struct sf_jw *w, const char *key);
void sf_jw_str(struct sf_jw *w, const char *s);           /* NULL writes null */
void sf_jw_strn(struct sf_jw *w, const char *s, size_t n);
void sf_jw_int(struct sf_jw *w, int64_t v);
void sf_jw_num(struct sf_jw *w, double v);                /* non-finite writes null */
void sf_jw_bool(struct sf_jw *w, bool v);
void sf_jw_null(struct sf_jw *w);
/* Already valid JSON text (not checked). */
void sf_jw_raw(struct sf_jw *w, const char *json, size_t n);
/* A comma-separated list ("a, b,c") as an array of trimmed, non-empty strings. */
void sf_jw_list(struct sf_jw *w, const char *s, size_t n);

/* key + value shorthands */
void sf_jw_kstr(struct sf_jw *w, const char *key, const char *s);
void sf_jw_kstrn(struct sf_jw *w, const char *key, struct sf_str s);
void sf_jw_kint(struct sf_jw *w, const char *key, int64_t v);
void sf_jw_knum(struct sf_jw *w, const char *key, double v);
void sf_jw_kbool(struct sf_jw *w, const char *key, bool v);

/* Appends s escaped for a JSON string body (no quotes) to b. */
enum sf_err sf_json_escape(struct sf_buf *b, const char *s, size_t n) SF_WUR;

#endif
