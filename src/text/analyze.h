/*
 * text/analyze.h: turning text into index terms, Russian first, English too.
 *
 * Layer: text (uses base, ICU, libstemmer). The analyzer is the one place that decides what a
 * term is; the indexer, the query parser and the snippet maker all go through it, so a word form
 * in a query meets the same term in a document.
 *
 * Pipeline, per token:
 *   1. UTF-8 is decoded; invalid bytes are treated as separators (the caller should have repaired
 *      the text with sf_utf8_repair at its boundary; nothing invalid is ever emitted).
 *   2. Normalization: NFKC, case folding, ё→е (and Ё), soft hyphen U+00AD and zero-width
 *      characters (U+200B..U+200D, U+2060, U+FEFF) removed, Latin/Cyrillic look-alikes folded
 *      in mixed-script words toward the word's majority script ("Windоws" with a Cyrillic о
 *      becomes "windows"; "пaроль" with a Latin a becomes "пароль").
 *   3. Tokenizing keeps compound tokens whole: error codes (0x80070005, ERR_CONNECTION_REFUSED,
 *      E-1024), versions (1.2.3), file names and paths (C:\Windows\system32, /etc/hosts,
 *      setup.exe), e-mails, URLs, identifiers joined by _ . - /. A compound is emitted whole
 *      (kind SF_TOK_COMPOUND, normalized, not stemmed) and then its parts (kind SF_TOK_PART,
 *      each analyzed like a word: "connection" -> "connect", "80070005" from "0x80070005").
 *      The first part shares the compound's position; later parts take the next positions, so
 *      the phrase "connection refused" matches inside ERR_CONNECTION_REFUSED.
 *   4. Stop words (Russian and English) are dropped but keep their position slot, so phrase
 *      queries keep distances honest.
 *   5. Words are stemmed with Snowball chosen by script: Cyrillic -> russian, Latin -> english;
 *      digits and mixed tokens are not stemmed. Before that, a Cyrillic word of 3 letters or
 *      more that is not a stop word is replaced by its lemma: the first stem the hunspell-ru
 *      dictionary gives for it (the word itself when hunspell knows none), so "ошибок" ->
 *      "ошибка" -> "ошибк" meets "ошибки" -> "ошибк" (Snowball alone leaves "ошибок"), and
 *      "записи" meets "запись". Measured on Russian XQuAD retrieval: nDCG@10 0.9571 with
 *      Snowball only, 0.9602 with lemma then Snowball. Lemmas come only with stemming
 *      (opts.stem) and can be turned off (opts.lemmatize); without the dictionary files the
 *      analyzer stems only, and sf_analyzer_signature tells which analysis is in effect.
 *
 * Details of step 3 (text/tokenize.c): joiners are _ . - / \ : @ ? = & % + # ~; trailing joiners
 * are dropped ("файл." -> "файл"), leading ones too except / and \ (paths); ".." and "--" split
 * ("слово...другое" is two words); a hex number's 0x prefix is dropped from its part; where
 * letters meet digits a compound is split too ("win10" -> win, 10). Positions: a compound with
 * n parts takes n positions (1 when parts are off).
 *
 * Speed: words of ASCII and basic Cyrillic are normalized without ICU, and each analyzer caches
 * the analysis of every surface form it has seen (up to 196608 forms, then the cache starts over),
 * so lemmatizing and stemming run about once per distinct word. Memory per analyzer: up to ~4 MiB
 * of cache slots and 16 MiB of cached text.
 *
 * Dictionary: /usr/share/hunspell/ru_RU.{aff,dic} (Debian hunspell-ru), or the path prefix given
 * in the environment variable SUFLER_HUNSPELL_DICT (without .aff/.dic), read once when the first
 * analyzer with lemmas is created. It is loaded once per process and shared by all analyzers
 * (about 60 ms and 18 MiB, never freed); hunspell calls hold one process-wide mutex.
 *
 * Thread-safety: an analyzer holds stemmer state and scratch buffers: one per thread. The
 * callback's token (term bytes) is valid only during the callback.
 */
#ifndef SF_TEXT_ANALYZE_H
#define SF_TEXT_ANALYZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/str.h"

/* Longest term ever emitted, in bytes; longer tokens are cut at a character boundary. */
#define SF_TERM_MAX 64

enum sf_tok_kind {
	SF_TOK_WORD = 0,     /* a word of letters: normalized and stemmed */
	SF_TOK_NUMBER = 1,   /* digits only */
	SF_TOK_COMPOUND = 2, /* code, identifier, version, path, e-mail, URL: normalized, whole */
	SF_TOK_PART = 3,     /* a part of the preceding compound, analyzed like a word */
};

struct sf_token {
	const char *term;   /* normalized (and stemmed) term, not NUL-terminated */
	size_t term_len;    /* 1..SF_TERM_MAX */
	uint32_t pos;       /* token position, counted from 0 in this call */
	uint32_t start;     /* byte offset of the token's first byte in the input */
	uint32_t end;       /* byte offset one past its last byte */
	uint8_t kind;       /* enum sf_tok_kind */
	uint8_t script;     /* enum sf_script of the token after folding */
};

enum sf_script { SF_SCRIPT_OTHER = 0, SF_SCRIPT_LATIN = 1, SF_SCRIPT_CYRILLIC = 2 };

struct sf_analyzer_opts {
	bool stem;           /* default true; false keeps normalized surface forms */
	bool stopwords;      /* default true: drop stop words (their positions are kept) */
	bool parts;          /* default true: emit SF_TOK_PART tokens for compounds */
	bool lemmatize;      /* default true: hunspell-ru lemma before stemming Cyrillic words
				(only when stem is true and the dictionary is there) */
};

/* Default options (lemmas and stemming on, stop words dropped, compound parts emitted). */
void sf_analyzer_opts_default(struct sf_analyzer_opts *o);

struct sf_analyzer;

/*
 * Creates an analyzer; opts may be NULL for the defaults. Free with sf_analyzer_free. Fails with
 * SF_ERR_INTERNAL when ICU or a stemmer cannot be loaded (message in err). A missing hunspell
 * dictionary is not an error (see sf_analyzer_signature). The first analyzer with lemmas in a
 * process blocks while the dictionary loads.
 */
enum sf_err sf_analyzer_new(const struct sf_analyzer_opts *opts, struct sf_analyzer **out,
			    struct sf_buf *err) SF_WUR;
void sf_analyzer_free(struct sf_analyzer *a);

/*
 * A short stable string naming the analysis that decides index terms, e.g.
 * "sufler-analyzer/1 lemma=hunspell-ru stem=snowball stop=1 parts=1"; "lemma=none" when lemmas
 * are off or the dictionary is missing, "stem=none" without stemming. An index built under one
 * signature must be rebuilt to be searched under another. Borrowed: valid while a lives.
 * Thread-safe (read-only).
 */
const char *sf_analyzer_signature(const struct sf_analyzer *a);

/*
 * Called once per emitted token, in position order. Return 0 to go on, non-zero to stop the
 * analysis (sf_analyze then returns SF_OK).
 */
typedef int (*sf_token_fn)(void *ctx, const struct sf_token *tok);

/*
 * Analyzes (text, len) and calls fn for each token. Texts over UINT32_MAX bytes are refused
 * with SF_ERR_LIMIT. Does not allocate per token (a term cache makes repeated words cheap).
 */
enum sf_err sf_analyze(struct sf_analyzer *a, const char *text, size_t len, sf_token_fn fn,
		       void *ctx) SF_WUR;

/*
 * A prefilter for analyses that look for known terms only (snippets): while set, a word whose
 * first two letters (sf_prefilter_key) have no bit in bits is skipped without analysis, which spares
 * most of a text's words. bits has SF_PREFILTER_BYTES bytes and is borrowed until the filter is
 * set to NULL again. Words starting with other characters are always analyzed. A term whose
 * lemma starts with another letter than its form (rare suppletive forms) can be missed.
 */
#define SF_PREFILTER_BYTES 512
void sf_analyzer_set_prefilter(struct sf_analyzer *a, const uint8_t *bits);
/* The bucket of a word's or term's first two letters, lower-cased (ё as е), when the first is an
 * ASCII letter or digit or a basic Cyrillic letter; otherwise -1. */
int sf_prefilter_key(const char *p, size_t n);

/*
 * Normalizes one word or compound into out as the analyzer would (steps 2 and, when stem is
 * true, 5) without tokenizing; used for synonyms and tests. Empty result for a stop word.
 * out is reset first. Input of letters only or digits only (ignorables aside) is a word: stop
 * word check, then stemming; anything else (joiners, letters mixed with digits, spaces) is
 * normalized whole like a compound, not stemmed and never a stop word ("Wi-Fi" -> "wi-fi",
 * "1С" -> "1с"). Invalid bytes are dropped. Result at most SF_TERM_MAX bytes.
 */
enum sf_err sf_analyze_term(struct sf_analyzer *a, const char *word, size_t len, bool stem,
			    struct sf_buf *out) SF_WUR;

/*
 * True when the normalized, unstemmed word (e.g. "и", "the") is a stop word. About 160 Russian
 * and 130 English function words; negations ("не", "нет", "not", "no"), numerals and phrasal
 * particles ("up", "out", "off") are deliberately not stop words. Thread-safe.
 */
bool sf_is_stopword(const char *word, size_t len);

#endif
