/*
 * base/json.c: the flat JSON object reader (see json.h). One pass over the bytes; strings are
 * copied to the scratch buffer only when they contain escapes or when they are keys/values we
 * hand out (always, so that every returned slice lives in one place). Offsets of the members'
 * strings are recorded first and turned into pointers at the end, because the scratch buffer
 * may move while it grows.
 */
#include "base/json.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

struct rd {
	const unsigned char *p, *end, *start;
	struct sf_buf *out;
	struct sf_buf *err;
	enum sf_err rc;
};

static bool fail(struct rd *r, enum sf_err rc, const char *what)
{
	if (r->rc == SF_OK) {
		r->rc = rc;
		sf_errf(r->err, "%s at byte %zu", what, (size_t)(r->p - r->start));
	}
	return false;
}

static void ws(struct rd *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')) r->p++;
}

static int hexv(unsigned char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

static bool hex4(struct rd *r, uint32_t *v)
{
	if (r->end - r->p < 4) return fail(r, SF_ERR_INVALID, "truncated \\u escape");
	uint32_t x = 0;
	for (int i = 0; i < 4; i++) {
		int h = hexv(r->p[i]);
		if (h < 0) return fail(r, SF_ERR_INVALID, "bad \\u escape");
		x = x << 4 | (uint32_t)h;
	}
	r->p += 4;
	*v = x;
	return true;
}

static bool put(struct rd *r, const void *s, size_t n)
{
	if (sf_buf_add(r->out, s, n) != SF_OK) return fail(r, SF_ERR_LIMIT, "string too long");
	return true;
}

/* Length of a valid UTF-8 sequence at p (1..4), 0 when invalid. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned char c = p[0];
	size_t avail = (size_t)(end - p);
	if (c < 0x80) return 1;
	if (c >= 0xc2 && c <= 0xdf) return avail >= 2 && (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (avail < 3 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80) return 0;
		if (c == 0xe0 && p[1] < 0xa0) return 0;  /* overlong */
		if (c == 0xed && p[1] >= 0xa0) return 0; /* surrogate */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (avail < 4 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 || (p[3] & 0xc0) != 0x80) return 0;
		if (c == 0xf0 && p[1] < 0x90) return 0;
		if (c == 0xf4 && p[1] >= 0x90) return 0;
		return 4;
	}
	return 0;
}

/* Reads a string (r->p at the opening quote) and appends it unescaped to r->out. */
static bool string(struct rd *r)
{
	r->p++;
	for (;;) {
		const unsigned char *s = r->p;
		while (r->p < r->end && *r->p != '"' && *r->p != '\\' && *r->p >= 0x20 && *r->p < 0x80) r->p++;
		if (r->p > s && !put(r, s, (size_t)(r->p - s))) return false;
		if (r->p >= r->end) return fail(r, SF_ERR_INVALID, "unterminated string");
		unsigned char c = *r->p;
		if (c == '"') {
			r->p++;
			return true;
		}
		if (c < 0x20) return fail(r, SF_ERR_INVALID, "control character in a string");
		if (c >= 0x80) {
			size_t l = utf8_len(r->p, r->end);
			if (!l) return fail(r, SF_ERR_INVALID, "invalid UTF-8");
			if (!put(r, r->p, l)) return false;
			r->p += l;
			continue;
		}
		/* escape */
		r->p++;
		if (r->p >= r->end) return fail(r, SF_ERR_INVALID, "unterminated escape");
		char e = (char)*r->p++, o;
		switch (e) {
		case '"': o = '"'; break;
		case '\\': o = '\\'; break;
		case '/': o = '/'; break;
		case 'b': o = '\b'; break;
		case 'f': o = '\f'; break;
		case 'n': o = '\n'; break;
		case 'r': o = '\r'; break;
		case 't': o = '\t'; break;
		case 'u': {
			uint32_t cp;
			if (!hex4(r, &cp)) return false;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				uint32_t lo;
				if (r->end - r->p < 2 || r->p[0] != '\\' || r->p[1] != 'u')
					return fail(r, SF_ERR_INVALID, "unpaired surrogate");
				r->p += 2;
				if (!hex4(r, &lo)) return false;
				if (lo < 0xdc00 || lo > 0xdfff) return fail(r, SF_ERR_INVALID, "unpaired surrogate");
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp <= 0xdfff) {
				return fail(r, SF_ERR_INVALID, "unpaired surrogate");
			}
			if (cp == 0) return fail(r, SF_ERR_INVALID, "NUL character in a string");
			unsigned char u[4];
			size_t l;
			if (cp < 0x80) { u[0] = (unsigned char)cp; l = 1; }
			else if (cp < 0x800) { u[0] = (unsigned char)(0xc0 | cp >> 6); u[1] = (unsigned char)(0x80 | (cp & 0x3f)); l = 2; }
			else if (cp < 0x10000) {
				u[0] = (unsigned char)(0xe0 | cp >> 12); u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
				u[2] = (unsigned char)(0x80 | (cp & 0x3f)); l = 3;
			} else {
				u[0] = (unsigned char)(0xf0 | cp >> 18); u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
				u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f)); u[3] = (unsigned char)(0x80 | (cp & 0x3f)); l = 4;
			}
			if (!put(r, u, l)) return false;
			continue;
		}
		default: return fail(r, SF_ERR_INVALID, "bad escape");
		}
		if (!put(r, &o, 1)) return false;
	}
}

static bool number(struct rd *r)
{
	const unsigned char *s = r->p;
	if (r->p < r->end && *r->p == '-') r->p++;
	if (r->p >= r->end) return fail(r, SF_ERR_INVALID, "bad number");
	if (*r->p == '0') r->p++;
	else if (*r->p >= '1' && *r->p <= '9') while (r->p < r->end && *r->p >= '0' && *r->p <= '9') r->p++;
	else return fail(r, SF_ERR_INVALID, "bad number");
	if (r->p < r->end && *r->p == '.') {
		r->p++;
		if (r->p >= r->end || *r->p < '0' || *r->p > '9') return fail(r, SF_ERR_INVALID, "bad number");
		while (r->p < r->end && *r->p >= '0' && *r->p <= '9') r->p++;
	}
	if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
		r->p++;
		if (r->p < r->end && (*r->p == '+' || *r->p == '-')) r->p++;
		if (r->p >= r->end || *r->p < '0' || *r->p > '9') return fail(r, SF_ERR_INVALID, "bad number");
		while (r->p < r->end && *r->p >= '0' && *r->p <= '9') r->p++;
	}
	return r->p > s;
}

static bool literal(struct rd *r, const char *lit)
{
	size_t n = strlen(lit);
	if ((size_t)(r->end - r->p) < n || memcmp(r->p, lit, n) != 0) return fail(r, SF_ERR_INVALID, "unexpected token");
	r->p += n;
	return true;
}

/* Skips any value (validating it); strings inside go to a throwaway position of r->out. */
static bool value(struct rd *r, int depth)
{
	if (depth > SF_JSON_MAX_DEPTH) return fail(r, SF_ERR_LIMIT, "nesting too deep");
	ws(r);
	if (r->p >= r->end) return fail(r, SF_ERR_INVALID, "value expected");
	switch (*r->p) {
	case '"': {
		size_t mark = r->out->len;
		bool ok = string(r);
		sf_buf_setlen(r->out, mark);
		return ok;
	}
	case '{':
	case '[': {
		unsigned char close = *r->p == '{' ? '}' : ']';
		bool obj = close == '}';
		r->p++;
		ws(r);
		if (r->p < r->end && *r->p == close) {
			r->p++;
			return true;
		}
		for (;;) {
			ws(r);
			if (obj) {
				if (r->p >= r->end || *r->p != '"') return fail(r, SF_ERR_INVALID, "key expected");
				size_t mark = r->out->len;
				bool ok = string(r);
				sf_buf_setlen(r->out, mark);
				if (!ok) return false;
				ws(r);
				if (r->p >= r->end || *r->p != ':') return fail(r, SF_ERR_INVALID, "':' expected");
				r->p++;
			}
			if (!value(r, depth + 1)) return false;
			ws(r);
			if (r->p < r->end && *r->p == ',') {
				r->p++;
				continue;
			}
			if (r->p < r->end && *r->p == close) {
				r->p++;
				return true;
			}
			return fail(r, SF_ERR_INVALID, obj ? "',' or '}' expected" : "',' or ']' expected");
		}
	}
	case 't': return literal(r, "true");
	case 'f': return literal(r, "false");
	case 'n': return literal(r, "null");
	default: return number(r);
	}
}

enum sf_err sf_json_object(const char *p, size_t n, struct sf_buf *scratch,
			   struct sf_json_member m[SF_JSON_MAX_MEMBERS], size_t *nm, struct sf_buf *err)
{
	struct rd r = { (const unsigned char *)p, (const unsigned char *)p + n, (const unsigned char *)p,
			scratch, err, SF_OK };
	size_t koff[SF_JSON_MAX_MEMBERS], klen[SF_JSON_MAX_MEMBERS], voff[SF_JSON_MAX_MEMBERS];
	size_t vlen[SF_JSON_MAX_MEMBERS];
	const unsigned char *raw[SF_JSON_MAX_MEMBERS];
	size_t count = 0;
	sf_buf_reset(scratch);
	*nm = 0;
	ws(&r);
	if (r.p >= r.end || *r.p != '{') {
		fail(&r, SF_ERR_INVALID, "object expected");
		return r.rc;
	}
	r.p++;
	ws(&r);
	if (r.p < r.end && *r.p == '}') {
		r.p++;
		goto tail;
	}
	for (;;) {
		ws(&r);
		if (r.p >= r.end || *r.p != '"') {
			fail(&r, SF_ERR_INVALID, "key expected");
			return r.rc;
		}
		if (count == SF_JSON_MAX_MEMBERS) {
			fail(&r, SF_ERR_LIMIT, "too many members");
			return r.rc;
		}
		koff[count] = scratch->len;
		if (!string(&r)) return r.rc;
		klen[count] = scratch->len - koff[count];
		if (!put(&r, "", 1)) return r.rc; /* NUL after each string (see json.h) */
		for (size_t i = 0; i < count; i++)
			if (klen[i] == klen[count] && memcmp(scratch->ptr + koff[i], scratch->ptr + koff[count], klen[i]) == 0) {
				fail(&r, SF_ERR_INVALID, "duplicate key");
				return r.rc;
			}
		ws(&r);
		if (r.p >= r.end || *r.p != ':') {
			fail(&r, SF_ERR_INVALID, "':' expected");
			return r.rc;
		}
		r.p++;
		ws(&r);
		if (r.p >= r.end) {
			fail(&r, SF_ERR_INVALID, "value expected");
			return r.rc;
		}
		unsigned char c = *r.p;
		enum sf_json_type t = c == '"' ? SF_JSON_STRING : c == '{' ? SF_JSON_OBJECT : c == '[' ? SF_JSON_ARRAY
				    : c == 't' || c == 'f' ? SF_JSON_BOOL : c == 'n' ? SF_JSON_NULL : SF_JSON_NUMBER;
		m[count].type = t;
		if (t == SF_JSON_STRING) {
			voff[count] = scratch->len;
			if (!string(&r)) return r.rc;
			vlen[count] = scratch->len - voff[count];
			if (!put(&r, "", 1)) return r.rc;
			raw[count] = NULL;
		} else {
			raw[count] = r.p;
			if (!value(&r, 1)) return r.rc;
			vlen[count] = (size_t)(r.p - raw[count]);
		}
		count++;
		ws(&r);
		if (r.p < r.end && *r.p == ',') {
			r.p++;
			continue;
		}
		if (r.p < r.end && *r.p == '}') {
			r.p++;
			break;
		}
		fail(&r, SF_ERR_INVALID, "',' or '}' expected");
		return r.rc;
	}
tail:
	ws(&r);
	if (r.p != r.end) {
		fail(&r, SF_ERR_INVALID, "trailing characters after the object");
		return r.rc;
	}
	for (size_t i = 0; i < count; i++) {
		m[i].key = (struct sf_str){ scratch->ptr + koff[i], klen[i] };
		m[i].value = raw[i] ? (struct sf_str){ (const char *)raw[i], vlen[i] }
				    : (struct sf_str){ scratch->ptr + voff[i], vlen[i] };
	}
	*nm = count;
	return SF_OK;
}

const struct sf_json_member *sf_json_get(const struct sf_json_member *m, size_t nm, const char *key)
{
	for (size_t i = 0; i < nm; i++)
		if (sf_str_eq_c(m[i].key, key)) return &m[i];
	return NULL;
}
