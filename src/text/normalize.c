/*
 * text/normalize.c: what a character is, and what a word becomes before stemming.
 *
 * Two jobs. First, character classes for the tokenizer: a 128-entry ASCII table, Cyrillic
 * recognised inline (text_int.h), and a byte-per-code-point table below U+3000 filled once from
 * ICU so that Russian punctuation (« » — …) and Latin-1 never reach ICU in the hot loop; above it
 * ICU is asked per character. Second, normalization of one word or compound: NFKC, case folding,
 * ё→е, default ignorables (soft hyphen, zero-width characters) removed, and Latin/Cyrillic
 * look-alikes folded toward the majority script of each run of letters.
 *
 * Speed: almost all support text is ASCII and basic Cyrillic, where NFKC changes nothing and case
 * folding is a fixed offset, so a fast path handles words made only of those (plus the common
 * ignorables) without ICU; anything else sends the whole word through
 * unorm2_getNFKCCasefoldInstance(). Both paths give the same result where both apply.
 */
#include "text/text_int.h"

#include <pthread.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/ustring.h>

#include "text/utf8.h"

#include "base/banned.h"

#define J TC_JOIN
#define L TC_LET
#define D TC_DIG
const uint8_t text_ascii_class[128] = {
	/* 0x00 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 0x10 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* ' '..'/': # % & + - . / are joiners */
	0, 0, 0, J, 0, J, J, 0, 0, 0, 0, J, 0, J, J, J,
	/* '0'..'?': digits, : = ? are joiners */
	D, D, D, D, D, D, D, D, D, D, J, 0, 0, J, 0, J,
	/* '@'..'O' */
	J, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L,
	/* 'P'..'_': \ and _ are joiners */
	L, L, L, L, L, L, L, L, L, L, L, 0, J, 0, 0, J,
	/* '`'..'o' */
	0, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L,
	/* 'p'..0x7f: ~ is a joiner */
	L, L, L, L, L, L, L, L, L, L, L, 0, 0, 0, J, 0,
};
#undef J
#undef L
#undef D

/* Code points below this have their class in uni_class. */
#define CLASS_TABLE_MAX 0x3000
static uint8_t uni_class[CLASS_TABLE_MAX];
static pthread_once_t classes_once = PTHREAD_ONCE_INIT;

static int icu_class(uint32_t cp)
{
	UChar32 c = (UChar32)cp;
	if (u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT)) return TC_IGN;
	switch (u_charType(c)) {
	case U_UPPERCASE_LETTER:
	case U_LOWERCASE_LETTER:
	case U_TITLECASE_LETTER:
	case U_MODIFIER_LETTER:
	case U_OTHER_LETTER:
	case U_NON_SPACING_MARK:
	case U_ENCLOSING_MARK:
	case U_COMBINING_SPACING_MARK:
	case U_LETTER_NUMBER:
		return TC_LET;
	case U_DECIMAL_DIGIT_NUMBER:
	case U_OTHER_NUMBER:
		return TC_DIG;
	default:
		return TC_SEP;
	}
}

static void classes_build(void)
{
	for (uint32_t cp = 0; cp < CLASS_TABLE_MAX; cp++)
		uni_class[cp] = cp < 0x80 ? text_ascii_class[cp] : (uint8_t)icu_class(cp);
}

void text_classes_init(void)
{
	pthread_once(&classes_once, classes_build);
}

int text_class_of_cp(uint32_t cp)
{
	if (cp < 0x80) return text_ascii_class[cp];
	if (cp < CLASS_TABLE_MAX) return uni_class[cp];
	return icu_class(cp);
}

int text_char_class_slow(const unsigned char *s, size_t n, size_t *len)
{
	uint32_t cp;
	size_t k = sf_utf8_decode((const char *)s, n, &cp);
	if (k == 0) {
		*len = 1;
		return TC_SEP;
	}
	*len = k;
	return text_class_of_cp(cp);
}

/* Appends the two-byte UTF-8 form of a code point in U+0080..U+07FF. */
static inline void put2(char *o, uint32_t cp)
{
	o[0] = (char)(0xc0 | (cp >> 6));
	o[1] = (char)(0x80 | (cp & 0x3f));
}

/*
 * NFKC + case fold through ICU, then ё→е and U+FFFD dropped, into ns->u8. Returns the length.
 * On an ICU error (not expected on valid input of bounded size) the word normalizes to nothing.
 */
static size_t normalize_icu(struct text_norm_scratch *ns, const char *p, size_t n)
{
	UErrorCode st = U_ZERO_ERROR;
	int32_t ulen = 0;
	u_strFromUTF8WithSub(ns->u16_in, (int32_t)(sizeof ns->u16_in / sizeof ns->u16_in[0]), &ulen, p,
			     (int32_t)n, 0xfffd, NULL, &st);
	if (U_FAILURE(st)) return 0;
	int32_t olen = unorm2_normalize(ns->nfkc_cf, ns->u16_in, ulen, ns->u16_out,
					(int32_t)(sizeof ns->u16_out / sizeof ns->u16_out[0]), &st);
	if (U_FAILURE(st)) return 0;
	int32_t blen = 0;
	u_strToUTF8(ns->u8, (int32_t)sizeof ns->u8, &blen, ns->u16_out, olen, &st);
	if (U_FAILURE(st) || blen < 0 || (size_t)blen >= sizeof ns->u8) return 0;
	/* Compact in place: ё (d1 91) becomes е (d0 b5); U+FFFD (ef bf bd) goes. */
	unsigned char *s = (unsigned char *)ns->u8;
	size_t o = 0;
	for (size_t i = 0; i < (size_t)blen;) {
		if (s[i] == 0xd1 && i + 1 < (size_t)blen && s[i + 1] == 0x91) {
			s[o++] = 0xd0;
			s[o++] = 0xb5;
			i += 2;
		} else if (s[i] == 0xef && i + 2 < (size_t)blen && s[i + 1] == 0xbf && s[i + 2] == 0xbd) {
			i += 3;
		} else {
			s[o++] = s[i++];
		}
	}
	return o;
}

/*
 * Look-alikes. After case folding only lowercase remains, so the pairs are those whose upper or
 * lower case forms look the same: Cyrillic а в е к м н о р с т у х ѕ і ј and Latin
 * a b e k m h o p c t y x s i j. Index: Latin letter - 'a'; value: the Cyrillic code point or 0.
 */
static const uint16_t lat_to_cyr[26] = {
	['a' - 'a'] = 0x430, ['b' - 'a'] = 0x432, ['c' - 'a'] = 0x441, ['e' - 'a'] = 0x435,
	['h' - 'a'] = 0x43d, ['k' - 'a'] = 0x43a, ['m' - 'a'] = 0x43c, ['o' - 'a'] = 0x43e,
	['p' - 'a'] = 0x440, ['t' - 'a'] = 0x442, ['x' - 'a'] = 0x445, ['y' - 'a'] = 0x443,
};

static char cyr_to_lat(uint32_t cp)
{
	switch (cp) {
	case 0x430: return 'a';
	case 0x432: return 'b';
	case 0x435: return 'e';
	case 0x43a: return 'k';
	case 0x43c: return 'm';
	case 0x43d: return 'h';
	case 0x43e: return 'o';
	case 0x440: return 'p';
	case 0x441: return 'c';
	case 0x442: return 't';
	case 0x443: return 'y';
	case 0x445: return 'x';
	case 0x455: return 's';
	case 0x456: return 'i';
	case 0x458: return 'j';
	default: return 0;
	}
}

enum { SC_NONE, SC_LAT, SC_CYR, SC_OTHER };

/* Script of a letter (class TC_LET) for look-alike folding and the token's script. */
static int letter_script(uint32_t cp)
{
	if (cp < 0x80) return SC_LAT;
	if (cp >= 0x400 && cp <= 0x52f) return SC_CYR;
	UErrorCode st = U_ZERO_ERROR;
	UScriptCode sc = uscript_getScript((UChar32)cp, &st);
	if (U_FAILURE(st)) return SC_OTHER;
	if (sc == USCRIPT_LATIN) return SC_LAT;
	if (sc == USCRIPT_CYRILLIC) return SC_CYR;
	if (sc == USCRIPT_INHERITED || sc == USCRIPT_COMMON) return SC_NONE; /* marks */
	return SC_OTHER;
}

static bool is_letter(uint32_t cp)
{
	return ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z') || (cp >= 0x400 && cp <= 0x45f) ||
	       (cp >= 0x80 && text_class_of_cp(cp) == TC_LET);
}

/*
 * Copies (in, n) to out (at most SF_TERM_MAX bytes, whole characters), folding look-alikes in each
 * run of letters that mixes Latin and Cyrillic toward the run's majority script when every
 * minority letter has a look-alike, and fills info.
 */
static size_t fold_and_cut(const char *in, size_t n, char out[SF_TERM_MAX], struct text_norm_info *info)
{
	size_t o = 0;
	bool lat = false, cyr = false, oth = false;
	size_t i = 0;
	while (i < n) {
		uint32_t cp;
		size_t k = sf_utf8_decode(in + i, n - i, &cp);
		if (k == 0) { /* cannot happen on our own output; skip the byte */
			i++;
			continue;
		}
		if (!is_letter(cp)) {
			if (o + k > SF_TERM_MAX) break;
			memcpy(out + o, in + i, k);
			o += k;
			if (cp >= '0' && cp <= '9')
				info->has_digit = true;
			else
				info->has_other = true;
			i += k;
			continue;
		}
		/* A run of letters: count scripts first. */
		size_t nl = 0, nc = 0, no = 0, lat_bad = 0, cyr_bad = 0;
		size_t j = i;
		while (j < n) {
			uint32_t c2;
			size_t k2 = sf_utf8_decode(in + j, n - j, &c2);
			if (k2 == 0 || !is_letter(c2)) break;
			switch (letter_script(c2)) {
			case SC_LAT:
				nl++;
				if (c2 < 'a' || c2 > 'z' || !lat_to_cyr[c2 - 'a']) lat_bad++;
				break;
			case SC_CYR:
				nc++;
				if (!cyr_to_lat(c2)) cyr_bad++;
				break;
			case SC_OTHER: no++; break;
			default: break;
			}
			j += k2;
		}
		int mode = 0; /* 1: Cyrillic -> Latin, 2: Latin -> Cyrillic */
		if (nl && nc && !no) {
			if (nl > nc && !cyr_bad) mode = 1;
			else if (nc > nl && !lat_bad) mode = 2;
		}
		bool full = false;
		while (i < j) {
			size_t k2 = sf_utf8_decode(in + i, j - i, &cp);
			char enc[4];
			size_t el;
			if (mode == 1 && cp >= 0x400 && cp <= 0x45f) {
				enc[0] = cyr_to_lat(cp);
				el = 1;
			} else if (mode == 2 && cp >= 'a' && cp <= 'z') {
				put2(enc, lat_to_cyr[cp - 'a']);
				el = 2;
			} else {
				memcpy(enc, in + i, k2);
				el = k2;
			}
			if (o + el > SF_TERM_MAX) {
				full = true;
				break;
			}
			memcpy(out + o, enc, el);
			o += el;
			uint32_t oc;
			if (sf_utf8_decode(enc, el, &oc) == 0) oc = cp;
			switch (letter_script(oc)) {
			case SC_LAT: lat = true; break;
			case SC_CYR: cyr = true; break;
			case SC_OTHER: oth = true; break;
			default: break;
			}
			info->has_letter = true;
			i += k2;
		}
		if (full) break;
	}
	info->script = (lat && !cyr && !oth) ? SF_SCRIPT_LATIN
		       : (cyr && !lat && !oth) ? SF_SCRIPT_CYRILLIC
					       : SF_SCRIPT_OTHER;
	return o;
}

static inline size_t cut_at_char(const char *s, size_t n, size_t max)
{
	if (n <= max) return n;
	size_t c = max;
	while (c > 0 && ((unsigned char)s[c] & 0xc0) == 0x80) c--;
	return c;
}

size_t text_normalize(struct text_norm_scratch *ns, const char *p, size_t n, char out[SF_TERM_MAX],
		      struct text_norm_info *info)
{
	memset(info, 0, sizeof *info);
	n = cut_at_char(p, n, TEXT_NORM_IN_MAX);
	const unsigned char *s = (const unsigned char *)p;
	char *t = ns->u8;
	size_t o = 0;
	bool saw_lat = false, saw_cyr = false, slow = false;
	for (size_t i = 0; i < n;) {
		unsigned c = s[i];
		if (c < 0x80) {
			if (c >= 'A' && c <= 'Z') c += 32;
			if (c >= 'a' && c <= 'z') {
				saw_lat = true;
			} else if (c >= '0' && c <= '9') {
				info->has_digit = true;
			} else if (c == 0) {
				i++;
				continue;
			} else {
				info->has_other = true;
			}
			t[o++] = (char)c;
			i++;
			continue;
		}
		if (i + 1 < n && (s[i + 1] & 0xc0) == 0x80) {
			unsigned c1 = s[i + 1];
			if (c == 0xd0 || (c == 0xd1 && c1 < 0xa0)) {
				/* U+0400..U+045F */
				uint32_t cp = ((uint32_t)(c & 0x1f) << 6) | (c1 & 0x3f);
				if (cp == 0x401 || cp == 0x451) cp = 0x435; /* Ё ё -> е */
				else if (cp < 0x410) cp += 0x50;
				else if (cp < 0x430) cp += 0x20;
				put2(t + o, cp);
				o += 2;
				saw_cyr = true;
				i += 2;
				continue;
			}
			if (c == 0xc2 && c1 == 0xad) { /* soft hyphen */
				i += 2;
				continue;
			}
			if (i + 2 < n && ((c == 0xe2 && c1 == 0x80 && s[i + 2] >= 0x8b && s[i + 2] <= 0x8d) ||
					  (c == 0xe2 && c1 == 0x81 && s[i + 2] == 0xa0) ||
					  (c == 0xef && c1 == 0xbb && s[i + 2] == 0xbf))) {
				i += 3; /* U+200B..U+200D, U+2060, U+FEFF */
				continue;
			}
		}
		slow = true;
		break;
	}
	if (slow) {
		memset(info, 0, sizeof *info);
		o = normalize_icu(ns, p, n);
		return fold_and_cut(t, o, out, info);
	}
	if (saw_lat && saw_cyr) return fold_and_cut(t, o, out, info);
	/* One script at most: no folding, just the cut. */
	size_t len = cut_at_char(t, o, SF_TERM_MAX);
	memcpy(out, t, len);
	if (len < o) {
		/* Recompute the flags for what is left (digits or others may have been cut). */
		memset(info, 0, sizeof *info);
		return fold_and_cut(t, len, out, info);
	}
	info->has_letter = saw_lat || saw_cyr;
	info->script = saw_lat ? SF_SCRIPT_LATIN : saw_cyr ? SF_SCRIPT_CYRILLIC : SF_SCRIPT_OTHER;
	return len;
}
