/*
 * parse/encoding.c: encoding detection and conversion to UTF-8 (see encoding.h).
 *
 * Single-byte encodings are decoded through 256-entry tables that ICU's converters fill once
 * (so the mappings are ICU's, not ours); decoding and scoring then cost one lookup per byte.
 * The score of a candidate over the sample: +2 for a lower-case Cyrillic letter, +1 for an
 * upper-case one at the start of a word, +1 more for the eight commonest Russian letters
 * (о е а и н т с р), -3 for an upper-case letter after a lower-case one inside a word (what
 * KOI8-R read as Windows-1251 looks like), -4 for a byte that decodes to a symbol or control
 * character. Valid UTF-8 needs no score: random single-byte text is almost never valid UTF-8.
 */
#include "parse/encoding.h"

#include <pthread.h>
#include <string.h>
#include <unicode/ucnv.h>

#include "text/utf8.h"
#include "base/banned.h"

#define SAMPLE (256u << 10)

struct sbcs {
	const char *name;     /* ours */
	const char *icu;      /* ICU's */
	uint16_t map[256];    /* byte -> code point (0xfffd: unmapped) */
};

static struct sbcs sbcs[] = {
	{ "windows-1251", "windows-1251", { 0 } },
	{ "koi8-r", "KOI8-R", { 0 } },
	{ "cp866", "ibm-866", { 0 } },
	{ "iso-8859-1", "ISO-8859-1", { 0 } },
};
#define NSBCS (sizeof sbcs / sizeof sbcs[0])

static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void tables_init(void)
{
	for (size_t k = 0; k < NSBCS; k++) {
		UErrorCode st = U_ZERO_ERROR;
		UConverter *cv = ucnv_open(sbcs[k].icu, &st);
		for (unsigned b = 0; b < 256; b++) {
			sbcs[k].map[b] = b < 0x80 ? (uint16_t)b : 0xfffd;
			if (!cv || b < 0x80) continue;
			char in = (char)b;
			UChar out[4];
			UErrorCode e = U_ZERO_ERROR;
			ucnv_reset(cv);
			int32_t m = ucnv_toUChars(cv, out, 4, &in, 1, &e);
			if (U_SUCCESS(e) && m == 1 && !(out[0] >= 0xd800 && out[0] <= 0xdfff))
				sbcs[k].map[b] = out[0];
		}
		if (cv) ucnv_close(cv);
	}
}

static const struct sbcs *sbcs_find(const char *name)
{
	pthread_once(&tables_once, tables_init);
	for (size_t k = 0; k < NSBCS; k++)
		if (!strcmp(sbcs[k].name, name)) return &sbcs[k];
	return NULL;
}

static bool cyr_lower(uint32_t c)
{
	return (c >= 0x430 && c <= 0x44f) || c == 0x451;
}

static bool cyr_upper(uint32_t c)
{
	return (c >= 0x410 && c <= 0x42f) || c == 0x401;
}

static bool common_letter(uint32_t c)
{
	/* о е а и н т с р */
	return c == 0x43e || c == 0x435 || c == 0x430 || c == 0x438 || c == 0x43d || c == 0x442 ||
	       c == 0x441 || c == 0x440;
}

static long score(const struct sbcs *e, const uint8_t *p, size_t n)
{
	long s = 0;
	uint32_t prev = ' ';
	for (size_t i = 0; i < n; i++) {
		uint32_t c = e->map[p[i]];
		if (p[i] >= 0x80) {
			if (cyr_lower(c)) {
				s += 2 + common_letter(c);
			} else if (cyr_upper(c)) {
				s += cyr_lower(prev) ? -3 : 1;
			} else if (c != 0xa0 && c != 0xab && c != 0xbb && c != 0x2014 && c != 0x2013 &&
				   c != 0x2116 && c != 0x201c && c != 0x201d && c != 0x201e) {
				/* neither a letter nor typographic punctuation (nbsp, «», dashes, №, quotes) */
				s -= 4;
			}
		}
		prev = c;
	}
	return s;
}

static bool utf16_like(const uint8_t *p, size_t n, bool le)
{
	/* ASCII and Cyrillic in UTF-16: the high byte is 0x00 or 0x04 nearly always, and a
	 * character is almost never U+0000 (binary data is full of zero pairs) */
	size_t pairs = n / 2, hits = 0, zeros = 0;
	if (pairs < 2) return false;
	for (size_t i = 0; i + 1 < n; i += 2) {
		uint8_t hi = le ? p[i + 1] : p[i];
		if (hi == 0x00 || hi == 0x04) hits++;
		if (!p[i] && !p[i + 1]) zeros++;
	}
	return hits * 10 >= pairs * 9 && zeros * 100 <= pairs;
}

/* Mostly UTF-8 with a few broken bytes (a bad copy, a cut): UTF-8 with repair, not a
 * single-byte code page. */
static bool mostly_utf8(const uint8_t *p, size_t n)
{
	size_t good = 0, bad = 0;
	for (size_t i = 0; i < n;) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		uint32_t cp;
		size_t k = sf_utf8_decode((const char *)p + i, n - i, &cp);
		if (k) {
			good++;
			i += k;
		} else {
			bad++;
			i++;
		}
	}
	return good >= 8 && bad * 3 <= good; /* single-byte Cyrillic text is almost never valid UTF-8 */
}

const char *sf_enc_detect(const uint8_t *p, size_t n, size_t *bom)
{
	*bom = 0;
	if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) {
		*bom = 3;
		return "utf-8";
	}
	if (n >= 2 && p[0] == 0xff && p[1] == 0xfe) {
		*bom = 2;
		return "utf-16le";
	}
	if (n >= 2 && p[0] == 0xfe && p[1] == 0xff) {
		*bom = 2;
		return "utf-16be";
	}
	size_t m = n < SAMPLE ? n : SAMPLE;
	if (memchr(p, 0, m)) {
		if (utf16_like(p, m & ~(size_t)1, true)) return "utf-16le";
		if (utf16_like(p, m & ~(size_t)1, false)) return "utf-16be";
		return NULL;
	}
	size_t ctl = 0, high = 0;
	for (size_t i = 0; i < m; i++) {
		uint8_t c = p[i];
		if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' && c != 0x1b) ctl++;
		if (c >= 0x80) high++;
	}
	if (ctl * 20 > m) return NULL; /* over 5% control characters: binary */
	/* cut the sample back to a character boundary before checking UTF-8 */
	size_t v = m;
	if (m < n) {
		/* drop a sequence the sample cut (and perhaps a whole one before it: harmless) */
		for (int k = 0; k < 3 && v > 0 && (p[v - 1] & 0xc0) == 0x80; k++) v--;
		if (v > 0 && p[v - 1] >= 0xc0) v--;
	}
	if (!high || sf_utf8_valid((const char *)p, v) || mostly_utf8(p, v)) return "utf-8";
	pthread_once(&tables_once, tables_init);
	long best = 0;
	const char *name = "windows-1251";
	bool first = true;
	for (size_t k = 0; k < NSBCS; k++) {
		long s = score(&sbcs[k], p, m);
		if (first || s > best) {
			best = s;
			name = sbcs[k].name;
			first = false;
		}
	}
	return name;
}

static enum sf_err put_cp(struct sf_buf *out, uint32_t cp)
{
	char u[4];
	size_t k = sf_utf8_encode(cp, u);
	return sf_buf_add(out, u, k);
}

static enum sf_err from_utf16(const uint8_t *p, size_t n, bool le, struct sf_buf *out,
			      size_t *repaired)
{
	enum sf_err rc = SF_OK;
	for (size_t i = 0; i + 1 < n && !rc; i += 2) {
		uint32_t u = le ? (uint32_t)p[i] | (uint32_t)p[i + 1] << 8 : (uint32_t)p[i] << 8 | p[i + 1];
		if (u >= 0xd800 && u <= 0xdbff && i + 3 < n) {
			uint32_t l = le ? (uint32_t)p[i + 2] | (uint32_t)p[i + 3] << 8
					: (uint32_t)p[i + 2] << 8 | p[i + 3];
			if (l >= 0xdc00 && l <= 0xdfff) {
				rc = put_cp(out, 0x10000 + ((u - 0xd800) << 10) + (l - 0xdc00));
				i += 2;
				continue;
			}
		}
		if ((u >= 0xd800 && u <= 0xdfff) || u == 0) {
			if (u) {
				(*repaired)++;
				rc = put_cp(out, 0xfffd);
			}
			continue;
		}
		rc = put_cp(out, u);
	}
	if (!rc && (n & 1)) {
		(*repaired)++;
		rc = put_cp(out, 0xfffd);
	}
	return rc;
}

enum sf_err sf_enc_to_utf8(const uint8_t *p, size_t n, const char *enc, struct sf_buf *out,
			   size_t *repaired)
{
	size_t fix = 0;
	enum sf_err rc;
	if (!strcmp(enc, "utf-8")) {
		rc = sf_utf8_repair((const char *)p, n, out, &fix);
	} else if (!strcmp(enc, "utf-16le") || !strcmp(enc, "utf-16be")) {
		rc = from_utf16(p, n, enc[6] == 'l', out, &fix);
	} else {
		const struct sbcs *e = sbcs_find(enc);
		if (!e) return SF_ERR_UNSUPPORTED;
		rc = sf_buf_grow(out, n);
		for (size_t i = 0; i < n && !rc; i++) {
			if (p[i] < 0x80) {
				if (p[i]) rc = sf_buf_addch(out, (char)p[i]);
				continue;
			}
			uint32_t c = e->map[p[i]];
			if (c == 0xfffd) fix++;
			rc = put_cp(out, c);
		}
	}
	if (repaired) *repaired = fix;
	return rc;
}
