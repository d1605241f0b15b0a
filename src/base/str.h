/*
 * base/str.h: slices and owned growable strings.
 *
 * Layer: base. struct sf_str is a borrowed {ptr,len} slice, not NUL-terminated, copying nothing.
 * struct sf_buf owns NUL-terminated text with a maximum size; its ptr is never NULL (an empty
 * buffer points at a shared ""), so it can always be printed. Appends that would pass the maximum
 * fail with SF_ERR_LIMIT and leave the buffer unchanged. Not thread-safe; one owner at a time.
 */
#ifndef SF_BASE_STR_H
#define SF_BASE_STR_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

struct sf_str {
	const char *ptr;
	size_t len;
};

#define SF_STR(lit) ((struct sf_str){ (lit), sizeof(lit) - 1 })
#define SF_STR_FMT "%.*s"
#define SF_STR_ARG(s) (int)(s).len, (s).ptr

struct sf_str sf_str_c(const char *cstr);
bool sf_str_eq(struct sf_str a, struct sf_str b);
bool sf_str_eq_c(struct sf_str a, const char *cstr);
/*
 * Lists like "a, b,c": the next item of *rest (separated by sep, spaces around it trimmed) into
 * *item, and *rest moved past it; false once the list is used up. Empty items are returned as
 * such (callers skip them). Start with rest = sf_str_c(list) (NULL gives no items).
 */
bool sf_str_next_item(struct sf_str *rest, char sep, struct sf_str *item);

/* Default maximum of a buffer: 1 GiB. */
#define SF_BUF_MAX_DEFAULT ((size_t)1 << 30)

struct sf_buf {
	char *ptr;   /* never NULL; NUL-terminated */
	size_t len;
	size_t cap;  /* 0 while ptr is the shared empty string */
	size_t max;  /* appends past this many bytes fail */
};

extern char sf_buf_empty_[1];
#define SF_BUF_INIT { sf_buf_empty_, 0, 0, SF_BUF_MAX_DEFAULT }

/* Initializes b as empty with maximum size max (0 = SF_BUF_MAX_DEFAULT). */
void sf_buf_init(struct sf_buf *b, size_t max);
/* Frees the storage; b is empty and reusable afterwards. Accepts NULL. */
void sf_buf_release(struct sf_buf *b);
/* Truncates to length 0, keeping the storage. */
void sf_buf_reset(struct sf_buf *b);
/* Truncates to len (<= b->len). */
void sf_buf_setlen(struct sf_buf *b, size_t len);
/* Makes room for n more bytes; SF_ERR_LIMIT past b->max. */
enum sf_err sf_buf_grow(struct sf_buf *b, size_t n) SF_WUR;
enum sf_err sf_buf_add(struct sf_buf *b, const void *p, size_t n) SF_WUR;
enum sf_err sf_buf_adds(struct sf_buf *b, const char *cstr) SF_WUR;
enum sf_err sf_buf_addch(struct sf_buf *b, char c) SF_WUR;
enum sf_err sf_buf_addf(struct sf_buf *b, const char *fmt, ...) SF_WUR
	__attribute__((format(printf, 2, 3)));
enum sf_err sf_buf_vaddf(struct sf_buf *b, const char *fmt, va_list ap) SF_WUR
	__attribute__((format(printf, 2, 0)));
/* Takes the storage out of b (caller frees with free()); b is left empty. */
char *sf_buf_detach(struct sf_buf *b, size_t *len);
/*
 * Sets an error message in an optional err buffer: does nothing when err is NULL. Replaces
 * earlier content. Never fails (a message past the maximum is truncated).
 */
void sf_errf(struct sf_buf *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
