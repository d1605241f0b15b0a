/*
 * base/jw.c: the JSON writer. Escaping copies runs of plain bytes at once; only quotes,
 * backslashes, control characters and invalid UTF-8 take the slow path.
 */
#include "base/jw.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void sf_jw_init(struct sf_jw *w, struct sf_buf *b)
{
	memset(w, 0, sizeof *w);
	w->b = b;
}

static void put(struct sf_jw *w, const char *p, size_t n)
{
	if (!w->rc) w->rc = sf_buf_add(w->b, p, n);
}

/* Before a value or a key: the comma, unless first in its container or right after a key. */
static void sep(struct sf_jw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth > 0) {
		uint64_t bit = 1ull << (w->depth - 1);
		if (w->has_items & bit) put(w, ",", 1);
		w->has_items |= bit;
	}
}

static void open_(struct sf_jw *w, char c)
{
	sep(w);
	put(w, &c, 1);
	if (w->depth >= 64) {
		w->rc = SF_ERR_LIMIT;
		return;
	}
	w->depth++;
	w->has_items &= ~(1ull << (w->depth - 1));
}

static void close_(struct sf_jw *w, char c)
{
	if (w->depth > 0) w->depth--;
	put(w, &c, 1);
}

void sf_jw_obj(struct sf_jw *w) { open_(w, '{'); }
void sf_jw_obj_end(struct sf_jw *w) { close_(w, '}'); }
void sf_jw_arr(struct sf_jw *w) { open_(w, '['); }
void sf_jw_arr_end(struct sf_jw *w) { close_(w, ']'); }

/* Length of the valid UTF-8 sequence at p (n bytes left), or 0. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	unsigned c = p[0];
	if (c < 0x80) return 1;
	size_t len;
	unsigned min;
	if ((c & 0xE0) == 0xC0) len = 2, min = 0x80, c &= 0x1F;
	else if ((c & 0xF0) == 0xE0) len = 3, min = 0x800, c &= 0x0F;
	else if ((c & 0xF8) == 0xF0) len = 4, min = 0x10000, c &= 0x07;
	else return 0;
	if (len > n) return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80) return 0;
		c = (c << 6) | (p[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0;
	return len;
}

enum sf_err sf_json_escape(struct sf_buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0;
	enum sf_err rc = SF_OK;
	while (i < n && !rc) {
		unsigned char c = p[i];
		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			i++;
			continue;
		}
		if (c >= 0x80) {
			size_t l = utf8_len(p + i, n - i);
			if (l) {
				i += l;
				continue;
			}
		}
		rc = sf_buf_add(b, s + run, i - run);
		if (rc) break;
		char esc[8];
		const char *e = esc;
		size_t el;
		switch (c) {
		case '"': e = "\\\"", el = 2; break;
		case '\\': e = "\\\\", el = 2; break;
		case '\n': e = "\\n", el = 2; break;
		case '\r': e = "\\r", el = 2; break;
		case '\t': e = "\\t", el = 2; break;
		default:
			if (c < 0x20) el = (size_t)snprintf(esc, sizeof esc, "\\u%04x", c);
			else e = "\xEF\xBF\xBD", el = 3; /* invalid UTF-8 byte */
		}
		rc = sf_buf_add(b, e, el);
		i++;
		run = i;
	}
	if (!rc) rc = sf_buf_add(b, s + run, n - run);
	return rc;
}

void sf_jw_strn(struct sf_jw *w, const char *s, size_t n)
{
	sep(w);
	put(w, "\"", 1);
	if (!w->rc) w->rc = sf_json_escape(w->b, s, n);
	put(w, "\"", 1);
}

void sf_jw_str(struct sf_jw *w, const char *s)
{
	if (!s) sf_jw_null(w);
	else sf_jw_strn(w, s, strlen(s));
}

void sf_jw_key(struct sf_jw *w, const char *key)
{
	sf_jw_str(w, key);
	put(w, ":", 1);
	w->after_key = true;
}

void sf_jw_int(struct sf_jw *w, int64_t v)
{
	char t[24];
	int n = snprintf(t, sizeof t, "%lld", (long long)v);
	sep(w);
	put(w, t, (size_t)n);
}

void sf_jw_num(struct sf_jw *w, double v)
{
	if (!isfinite(v)) {
		sf_jw_null(w);
		return;
	}
	char t[40];
	int n = snprintf(t, sizeof t, "%.6g", v);
	sep(w);
	put(w, t, (size_t)n);
}

void sf_jw_bool(struct sf_jw *w, bool v)
{
	sep(w);
	put(w, v ? "true" : "false", v ? 4 : 5);
}

void sf_jw_null(struct sf_jw *w)
{
	sep(w);
	put(w, "null", 4);
}

void sf_jw_raw(struct sf_jw *w, const char *json, size_t n)
{
	sep(w);
	put(w, json, n);
}

void sf_jw_list(struct sf_jw *w, const char *s, size_t n)
{
	sf_jw_arr(w);
	struct sf_str rest = { s, n }, it;
	while (sf_str_next_item(&rest, ',', &it))
		if (it.len) sf_jw_strn(w, it.ptr, it.len);
	sf_jw_arr_end(w);
}

void sf_jw_kstr(struct sf_jw *w, const char *key, const char *s)
{
	sf_jw_key(w, key);
	sf_jw_str(w, s);
}

void sf_jw_kstrn(struct sf_jw *w, const char *key, struct sf_str s)
{
	sf_jw_key(w, key);
	sf_jw_strn(w, s.ptr, s.len);
}

void sf_jw_kint(struct sf_jw *w, const char *key, int64_t v)
{
	sf_jw_key(w, key);
	sf_jw_int(w, v);
}

void sf_jw_knum(struct sf_jw *w, const char *key, double v)
{
	sf_jw_key(w, key);
	sf_jw_num(w, v);
}

void sf_jw_kbool(struct sf_jw *w, const char *key, bool v)
{
	sf_jw_key(w, key);
	sf_jw_bool(w, v);
}
