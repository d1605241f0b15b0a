/*
 * text/utf8.c: strict UTF-8 decoding, validation and repair (see utf8.h).
 *
 * Strict means what RFC 3629 allows and nothing more: no overlong forms, no surrogates
 * (U+D800..U+DFFF), nothing past U+10FFFF, no stray continuation bytes, no truncated sequences.
 * The validator and the repairer run over ASCII eight bytes at a time, since most text that
 * reaches sufler (codes, logs, mixed Russian/English) has long ASCII stretches. Repair replaces
 * each byte that does not start a valid sequence with U+FFFD and moves on by one byte, so a
 * truncated three-byte sequence becomes one U+FFFD per byte it had.
 */
#include "text/utf8.h"

#include <string.h>

#include "base/banned.h"

size_t sf_utf8_decode(const char *p, size_t n, uint32_t *cp)
{
	if (n == 0) return 0;
	const unsigned char *s = (const unsigned char *)p;
	unsigned c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c < 0xc2) return 0; /* continuation byte, or lead of an overlong 2-byte form */
	if (c < 0xe0) {
		if (n < 2 || (s[1] & 0xc0) != 0x80) return 0;
		*cp = ((uint32_t)(c & 0x1f) << 6) | (s[1] & 0x3f);
		return 2;
	}
	if (c < 0xf0) {
		if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80) return 0;
		uint32_t v = ((uint32_t)(c & 0x0f) << 12) | ((uint32_t)(s[1] & 0x3f) << 6) | (s[2] & 0x3f);
		if (v < 0x800 || (v >= 0xd800 && v <= 0xdfff)) return 0;
		*cp = v;
		return 3;
	}
	if (c < 0xf5) {
		if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
			return 0;
		uint32_t v = ((uint32_t)(c & 0x07) << 18) | ((uint32_t)(s[1] & 0x3f) << 12) |
			     ((uint32_t)(s[2] & 0x3f) << 6) | (s[3] & 0x3f);
		if (v < 0x10000 || v > 0x10ffff) return 0;
		*cp = v;
		return 4;
	}
	return 0;
}

size_t sf_utf8_encode(uint32_t cp, char out[4])
{
	unsigned char *o = (unsigned char *)out;
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xc0 | (cp >> 6));
		o[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xe0 | (cp >> 12));
		o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (unsigned char)(0xf0 | (cp >> 18));
	o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Length of the ASCII prefix of (p, n), checked a word at a time. */
static size_t ascii_prefix(const char *p, size_t n)
{
	size_t i = 0;
	while (i + 8 <= n) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		if (w & 0x8080808080808080ULL) break;
		i += 8;
	}
	while (i < n && (unsigned char)p[i] < 0x80) i++;
	return i;
}

bool sf_utf8_valid(const char *p, size_t n)
{
	size_t i = 0;
	while (i < n) {
		i += ascii_prefix(p + i, n - i);
		if (i >= n) break;
		uint32_t cp;
		size_t k = sf_utf8_decode(p + i, n - i, &cp);
		if (k == 0) return false;
		i += k;
	}
	return true;
}

enum sf_err sf_utf8_repair(const char *p, size_t n, struct sf_buf *out, size_t *repaired)
{
	static const char fffd[3] = { (char)0xef, (char)0xbf, (char)0xbd };
	size_t fixes = 0;
	size_t i = 0;
	size_t start_len = out->len;
	enum sf_err rc = SF_OK;
	while (i < n) {
		/* Copy the longest valid run without NULs in one append. */
		size_t j = i;
		for (;;) {
			j += ascii_prefix(p + j, n - j);
			if (j >= n) break;
			if (p[j] == 0) break;
			if ((unsigned char)p[j] < 0x80) {
				j++;
				continue;
			}
			uint32_t cp;
			size_t k = sf_utf8_decode(p + j, n - j, &cp);
			if (k == 0) break;
			j += k;
		}
		/* ascii_prefix counts NULs as ASCII: cut the run at the first one. */
		const char *nul = j > i ? memchr(p + i, 0, j - i) : NULL;
		if (nul) j = (size_t)(nul - p);
		if (j > i && (rc = sf_buf_add(out, p + i, j - i)) != SF_OK) goto fail;
		i = j;
		if (i >= n) break;
		if (p[i] == 0) {
			i++;
			continue;
		}
		if ((rc = sf_buf_add(out, fffd, sizeof fffd)) != SF_OK) goto fail;
		fixes++;
		i++;
	}
	if (repaired) *repaired = fixes;
	return SF_OK;
fail:
	sf_buf_setlen(out, start_len);
	return rc;
}
