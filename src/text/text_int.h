/*
 * text/text_int.h: private interface shared by the files of the analyzer (analyze.c, normalize.c,
 * tokenize.c, stopwords.c). Nothing outside src/text includes it.
 *
 * The split: normalize.c knows characters (classes for tokenizing, NFKC + case folding, ё→е,
 * look-alike folding, the term length cut); tokenize.c knows token shapes (spans, compounds,
 * parts, positions, offsets); analyze.c owns the analyzer (stemmers, the term cache) and the
 * analysis of one word; stopwords.c holds the stop word lists; lemma.c holds the process-wide
 * hunspell-ru dictionary.
 */
#ifndef SF_TEXT_TEXT_INT_H
#define SF_TEXT_TEXT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <unicode/unorm2.h>
#include <unicode/utypes.h>

#include "text/analyze.h"

/* Character classes for the tokenizer. */
enum text_class {
	TC_SEP = 0,  /* separates tokens: space, punctuation, symbols, invalid bytes */
	TC_LET = 1,  /* a letter, a combining mark or a letter-like number */
	TC_DIG = 2,  /* a decimal digit */
	TC_JOIN = 3, /* joins parts of a compound: _ . - / \ : @ ? = & % + # ~ */
	TC_IGN = 4,  /* default ignorable (soft hyphen, zero-width): inside a word, removed */
};

/* Class of the ASCII byte c (< 0x80). */
extern const uint8_t text_ascii_class[128];

/* Builds the class tables; idempotent and thread-safe (pthread_once). */
void text_classes_init(void);

/* Class of the code point cp (any value; ICU is asked above the cached table). */
int text_class_of_cp(uint32_t cp);

/* Out-of-line part of text_char_class for everything but ASCII and U+0400..U+047F. */
int text_char_class_slow(const unsigned char *s, size_t n, size_t *len);

/*
 * Class of the character at s (n >= 1 bytes available); *len gets its length in bytes. An
 * invalid byte is TC_SEP of length 1. Hot: inlined for ASCII and the Cyrillic block.
 */
static inline int text_char_class(const unsigned char *s, size_t n, size_t *len)
{
	unsigned c = s[0];
	if (c < 0x80) {
		*len = 1;
		return text_ascii_class[c];
	}
	/* U+0400..U+047F: all letters. */
	if ((c == 0xd0 || c == 0xd1) && n >= 2 && (s[1] & 0xc0) == 0x80) {
		*len = 2;
		return TC_LET;
	}
	return text_char_class_slow(s, n, len);
}

/* Most input bytes of one word or compound that normalization looks at (longer input is cut). */
#define TEXT_NORM_IN_MAX 256
/* NFKC expands one UTF-16 unit to at most 18 (U+FDFA). */
#define TEXT_NORM_U16_MAX (TEXT_NORM_IN_MAX * 18 + 16)
#define TEXT_NORM_U8_MAX (TEXT_NORM_U16_MAX * 3 + 16)

/* What normalization learnt about its output. */
struct text_norm_info {
	uint8_t script;   /* enum sf_script of the letters (OTHER when none or mixed) */
	bool has_letter;
	bool has_digit;   /* an ASCII digit */
	bool has_other;   /* anything that is neither letter nor ASCII digit (joiners, symbols) */
};

/* Scratch space of the normalizer (inside the analyzer, one per thread). */
struct text_norm_scratch {
	const UNormalizer2 *nfkc_cf;
	UChar u16_in[TEXT_NORM_IN_MAX + 8];
	UChar u16_out[TEXT_NORM_U16_MAX];
	char u8[TEXT_NORM_U8_MAX];
};

/*
 * Normalizes (p, n) (NFKC, case fold, ё→е, ignorables removed, look-alikes folded per run of
 * letters) into out and returns its length, 0..SF_TERM_MAX, cut at a character boundary.
 * Characters other than letters and digits are kept (after NFKC). Invalid bytes are dropped.
 */
size_t text_normalize(struct text_norm_scratch *ns, const char *p, size_t n, char out[SF_TERM_MAX],
		      struct text_norm_info *info);

/* Stop word lookup on a normalized, unstemmed word (stopwords.c). */
bool text_stopword(const char *w, size_t n);

/* One cached analysis of a surface form. */
struct text_word {
	const char *term; /* borrowed: valid until the next analysis on this analyzer */
	uint8_t len;      /* 0 when nothing is left after normalization */
	uint8_t script;
	bool stop;        /* the unstemmed form is a stop word */
	bool number;      /* ASCII digits only */
};

/* Analyzes one word-like surface form (normalize, stop word check, stem) through the cache. */
void text_analyze_word(struct sf_analyzer *a, const char *p, size_t n, struct text_word *w);

/* Normalizes a compound whole (not stemmed) into the analyzer's compound scratch. */
size_t text_normalize_compound(struct sf_analyzer *a, const char *p, size_t n,
			       struct text_norm_info *info, const char **term);

/*
 * True when the hunspell-ru dictionary is loaded. The first call loads it (once per process,
 * thread-safe, blocks for the load: about 60 ms); later calls are cheap.
 */
bool text_lemma_available(void);

/*
 * Writes the first hunspell stem of the normalized word (w, n) (UTF-8, lower case) into out
 * (cap bytes, not NUL-terminated) and returns its length; 0 when there is no dictionary, hunspell
 * knows no stem or the stem does not fit. The stem is hunspell's spelling (it may hold capitals
 * or ё): normalize it before use. Thread-safe (one process-wide mutex around hunspell).
 */
size_t text_lemma(const char *w, size_t n, char *out, size_t cap);

/* Options of an analyzer (analyze.c owns the struct). */
const struct sf_analyzer_opts *text_opts(const struct sf_analyzer *a);

#endif
