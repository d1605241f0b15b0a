/* base/str.c: slices and owned strings (see str.h). */
#include "base/str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

char sf_buf_empty_[1];

struct sf_str sf_str_c(const char *cstr)
{
	return (struct sf_str){ cstr, cstr ? strlen(cstr) : 0 };
}

bool sf_str_eq(struct sf_str a, struct sf_str b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

bool sf_str_eq_c(struct sf_str a, const char *cstr)
{
	return sf_str_eq(a, sf_str_c(cstr));
}

bool sf_str_next_item(struct sf_str *rest, char sep, struct sf_str *item)
{
	if (!rest->ptr) return false;
	const char *p = rest->ptr, *end = p + rest->len;
	const char *e = memchr(p, sep, rest->len);
	const char *a = p, *b = e ? e : end;
	while (a < b && *a == ' ') a++;
	while (b > a && b[-1] == ' ') b--;
	*item = (struct sf_str){ a, (size_t)(b - a) };
	if (e) *rest = (struct sf_str){ e + 1, (size_t)(end - e - 1) };
	else *rest = (struct sf_str){ NULL, 0 };
	return true;
}

void sf_buf_init(struct sf_buf *b, size_t max)
{
	b->ptr = sf_buf_empty_;
	b->len = 0;
	b->cap = 0;
	b->max = max ? max : SF_BUF_MAX_DEFAULT;
}

void sf_buf_release(struct sf_buf *b)
{
	if (!b) return;
	if (b->cap) free(b->ptr);
	b->ptr = sf_buf_empty_;
	b->len = 0;
	b->cap = 0;
}

void sf_buf_reset(struct sf_buf *b)
{
	b->len = 0;
	if (b->cap) b->ptr[0] = 0;
}

void sf_buf_setlen(struct sf_buf *b, size_t len)
{
	if (len >= b->len) return;
	b->len = len;
	b->ptr[len] = 0;
}

enum sf_err sf_buf_grow(struct sf_buf *b, size_t n)
{
	if (n > b->max || b->len > b->max - n) return SF_ERR_LIMIT;
	size_t need = b->len + n + 1;
	if (need <= b->cap) return SF_OK;
	size_t nc = b->cap ? b->cap : 64;
	while (nc < need) nc = nc * 2;
	char *p = realloc(b->cap ? b->ptr : NULL, nc);
	if (!p) return SF_ERR_NOMEM;
	if (!b->cap) p[0] = 0;
	b->ptr = p;
	b->cap = nc;
	return SF_OK;
}

enum sf_err sf_buf_add(struct sf_buf *b, const void *p, size_t n)
{
	enum sf_err e = sf_buf_grow(b, n);
	if (e) return e;
	if (n) memcpy(b->ptr + b->len, p, n);
	b->len += n;
	b->ptr[b->len] = 0;
	return SF_OK;
}

enum sf_err sf_buf_adds(struct sf_buf *b, const char *cstr)
{
	return sf_buf_add(b, cstr, strlen(cstr));
}

enum sf_err sf_buf_addch(struct sf_buf *b, char c)
{
	return sf_buf_add(b, &c, 1);
}

enum sf_err sf_buf_vaddf(struct sf_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	char small[256];
	int n = vsnprintf(small, sizeof small, fmt, cp);
	va_end(cp);
	if (n < 0) return SF_ERR_INVALID;
	if ((size_t)n < sizeof small) return sf_buf_add(b, small, (size_t)n);
	enum sf_err e = sf_buf_grow(b, (size_t)n);
	if (e) return e;
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return SF_OK;
}

enum sf_err sf_buf_addf(struct sf_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	enum sf_err e = sf_buf_vaddf(b, fmt, ap);
	va_end(ap);
	return e;
}

char *sf_buf_detach(struct sf_buf *b, size_t *len)
{
	char *p = b->cap ? b->ptr : sf_xstrdup("");
	if (len) *len = b->len;
	b->ptr = sf_buf_empty_;
	b->len = 0;
	b->cap = 0;
	return p;
}

void sf_errf(struct sf_buf *err, const char *fmt, ...)
{
	if (!err) return;
	sf_buf_reset(err);
	va_list ap;
	va_start(ap, fmt);
	if (sf_buf_vaddf(err, fmt, ap) != SF_OK) {
		/* Too long for the buffer: keep what fits of a plain note. */
		sf_buf_reset(err);
		if (sf_buf_adds(err, "(error message too long)") != SF_OK) return;
	}
	va_end(ap);
}
