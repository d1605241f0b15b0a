/*
 * text/translit.c: Latin <-> Cyrillic transliteration of one term (the scheme is in translit.h).
 *
 * The term is first checked and decoded into code points (at most SF_TERM_MAX * 4 bytes are
 * looked at; terms are at most SF_TERM_MAX), its script found, and then written out letter by
 * letter into a local buffer which is appended to out in one go, so a failure leaves out as it
 * was. Latin -> Cyrillic looks at neighbours (digraphs, c before e/i/y, y after a vowel).
 */
#include "text/translit.h"

#include <string.h>

#include "text/utf8.h"

#include "base/banned.h"

#define TR_IN_MAX (SF_TERM_MAX * 4)

/* Cyrillic а..я (U+0430..U+044F) to Latin. */
static const char *const cyr_lat[32] = {
	"a", "b", "v", "g", "d", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p",
	"r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya",
};

/* Latin digraphs (and one tetragraph), longest first, to Cyrillic. */
static const struct {
	const char *lat;
	const char *cyr;
} lat_multi[] = {
	{ "shch", "щ" }, { "zh", "ж" }, { "kh", "х" }, { "ch", "ч" }, { "sh", "ш" }, { "ts", "ц" },
	{ "ya", "я" },   { "yu", "ю" }, { "yo", "е" }, { "ye", "е" }, { "oo", "у" }, { "ee", "и" },
	{ "ph", "ф" },   { "th", "т" }, { "ck", "к" }, { "qu", "кв" },
};

/* Latin a..z to Cyrillic when no digraph applies (c and y are decided by context). */
static const char *const lat_cyr[26] = {
	"а", "б", "к", "д", "е", "ф", "г", "х", "и", "дж", "к", "л", "м",
	"н", "о", "п", "к", "р", "с", "т", "у", "в", "в", "кс", "и", "з",
};

static bool is_vowel_lat(uint32_t c)
{
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y';
}

static bool pass_through(uint32_t c)
{
	return (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

enum sf_err sf_translit(const char *term, size_t len, struct sf_buf *out, enum sf_script *to)
{
	if (to) *to = SF_SCRIPT_OTHER;
	if (len > TR_IN_MAX) return SF_OK;
	uint32_t cps[TR_IN_MAX];
	size_t n = 0;
	bool lat = false, cyr = false;
	for (size_t i = 0; i < len;) {
		uint32_t c;
		size_t k = sf_utf8_decode(term + i, len - i, &c);
		if (k == 0) return SF_OK;
		i += k;
		if (c >= 'A' && c <= 'Z') c += 32;
		if (c >= 0x410 && c <= 0x42f) c += 32;
		if (c == 0x401 || c == 0x451) c = 0x435;
		if (c >= 'a' && c <= 'z')
			lat = true;
		else if (c >= 0x430 && c <= 0x44f)
			cyr = true;
		else if (!pass_through(c))
			return SF_OK;
		cps[n++] = c;
	}
	if (lat == cyr) return SF_OK; /* no letters, or both scripts */

	/* Each input character gives at most 4 bytes ("shch", "дж"+... stays under that). */
	char buf[TR_IN_MAX * 4];
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		uint32_t c = cps[i];
		const char *s = NULL;
		size_t used = 1;
		if (pass_through(c)) {
			buf[o++] = (char)c;
			i++;
			continue;
		}
		if (cyr) {
			s = cyr_lat[c - 0x430];
		} else {
			for (size_t m = 0; m < sizeof lat_multi / sizeof lat_multi[0]; m++) {
				size_t ml = strlen(lat_multi[m].lat);
				if (i + ml > n) continue;
				size_t q = 0;
				while (q < ml && cps[i + q] == (unsigned char)lat_multi[m].lat[q]) q++;
				if (q == ml) {
					s = lat_multi[m].cyr;
					used = ml;
					break;
				}
			}
			if (!s) {
				uint32_t next = i + 1 < n ? cps[i + 1] : 0;
				if (c == 'c')
					s = (next == 'e' || next == 'i' || next == 'y') ? "с" : "к";
				else if (c == 'y')
					s = (i > 0 && is_vowel_lat(cps[i - 1])) ? "й" : "и";
				else
					s = lat_cyr[c - 'a'];
			}
		}
		size_t sl = strlen(s);
		memcpy(buf + o, s, sl);
		o += sl;
		i += used;
	}
	if (o == 0) return SF_OK; /* only ъ/ь */
	enum sf_err rc = sf_buf_add(out, buf, o);
	if (rc == SF_OK && to) *to = cyr ? SF_SCRIPT_LATIN : SF_SCRIPT_CYRILLIC;
	return rc;
}
