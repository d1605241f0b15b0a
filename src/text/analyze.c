/*
 * text/analyze.c: the analyzer object, the analysis of one word and the term cache.
 *
 * Analyzing a word means: normalize it (normalize.c), check the unstemmed form against the stop
 * words, replace a Cyrillic word by its hunspell lemma (lemma.c; not stop words, not words under
 * 3 letters), and stem it with the Snowball stemmer of its script (russian for Cyrillic, english
 * for Latin; words with digits, mixed scripts or other characters are neither lemmatized nor
 * stemmed). Lemma then stem beats either alone: hunspell joins forms Snowball splits ("ошибок",
 * "ошибка"), Snowball joins derived words hunspell keeps apart. Prose repeats
 * itself, so each analyzer keeps a cache from a word's surface bytes (exactly as they appear in
 * the text, before any folding) to the result: an open-addressing table of 16-byte slots that
 * point into one byte pool holding key and term back to back. The table doubles up to
 * CACHE_SLOTS_MAX (kept at most 3/4 full) and is then cleared whenever it fills, which keeps memory bounded (about
 * 4 MiB of slots and CACHE_POOL_MAX of pool) without any per-entry bookkeeping; after a clear the
 * frequent words come back within a few sentences.
 */
#include "text/text_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libstemmer.h>

#include "base/hash.h"
#include "base/mem.h"

#include "base/banned.h"

/* Surface forms longer than this are analyzed every time (rare: long words are not repeated). */
#define CACHE_KEY_MAX 128
#define CACHE_SLOTS_INIT ((size_t)1 << 12)
#define CACHE_SLOTS_MAX ((size_t)1 << 18)
#define CACHE_POOL_INIT ((size_t)64 << 10)
#define CACHE_POOL_MAX ((size_t)16 << 20)
#define CACHE_SEED 0x5f746572ULL

enum { CF_STOP = 1, CF_NUMBER = 2 };

struct cache_slot {
	uint64_t h;      /* 0: empty */
	uint32_t off;    /* key at pool + off, term right after it */
	uint8_t klen;
	uint8_t tlen;
	uint8_t flags;   /* CF_* */
	uint8_t script;
};

/* Room for the signature string. */
#define SIG_MAX 96

struct sf_analyzer {
	struct sf_analyzer_opts opts;
	bool lemma;              /* lemmas in effect: opts.stem, opts.lemmatize and a dictionary */
	char sig[SIG_MAX];
	struct sb_stemmer *stem_ru;
	struct sb_stemmer *stem_en;
	struct cache_slot *slots;
	size_t mask;
	size_t count;
	char *pool;
	size_t pool_len;
	size_t pool_cap;
	char word[SF_TERM_MAX];  /* the last uncached word's term */
	char comp[SF_TERM_MAX];  /* the last compound's term */
	struct text_norm_scratch ns;
	const uint8_t *prefilter; /* sf_analyzer_set_prefilter: words whose first letter is not in
				     it are skipped unanalyzed */
};

void sf_analyzer_opts_default(struct sf_analyzer_opts *o)
{
	o->stem = true;
	o->stopwords = true;
	o->parts = true;
	o->lemmatize = true;
}

const char *sf_analyzer_signature(const struct sf_analyzer *a)
{
	return a->sig;
}

const struct sf_analyzer_opts *text_opts(const struct sf_analyzer *a)
{
	return &a->opts;
}

enum sf_err sf_analyzer_new(const struct sf_analyzer_opts *opts, struct sf_analyzer **out,
			    struct sf_buf *err)
{
	*out = NULL;
	text_classes_init();
	struct sf_analyzer *a = sf_xcalloc(1, sizeof *a);
	if (opts)
		a->opts = *opts;
	else
		sf_analyzer_opts_default(&a->opts);
	UErrorCode st = U_ZERO_ERROR;
	a->ns.nfkc_cf = unorm2_getNFKCCasefoldInstance(&st);
	if (U_FAILURE(st) || !a->ns.nfkc_cf) {
		sf_errf(err, "ICU NFKC_Casefold normalizer unavailable: %s", u_errorName(st));
		goto fail;
	}
	a->stem_ru = sb_stemmer_new("russian", "UTF_8");
	a->stem_en = sb_stemmer_new("english", "UTF_8");
	if (!a->stem_ru || !a->stem_en) {
		sf_errf(err, "libstemmer: cannot create the russian/english UTF-8 stemmers");
		goto fail;
	}
	a->lemma = a->opts.stem && a->opts.lemmatize && text_lemma_available();
	/* Version 1 is the analysis of this file; bump it when terms change for the same options. */
	int sl = snprintf(a->sig, sizeof a->sig, "sufler-analyzer/1 lemma=%s stem=%s stop=%d parts=%d",
			  a->lemma ? "hunspell-ru" : "none", a->opts.stem ? "snowball" : "none",
			  a->opts.stopwords ? 1 : 0, a->opts.parts ? 1 : 0);
	if (sl < 0 || (size_t)sl >= sizeof a->sig) {
		sf_errf(err, "analyzer signature too long");
		goto fail;
	}
	a->slots = sf_xcalloc(CACHE_SLOTS_INIT, sizeof *a->slots);
	a->mask = CACHE_SLOTS_INIT - 1;
	a->pool = sf_xmalloc(CACHE_POOL_INIT);
	a->pool_cap = CACHE_POOL_INIT;
	*out = a;
	return SF_OK;
fail:
	sf_analyzer_free(a);
	return SF_ERR_INTERNAL;
}

void sf_analyzer_free(struct sf_analyzer *a)
{
	if (!a) return;
	if (a->stem_ru) sb_stemmer_delete(a->stem_ru);
	if (a->stem_en) sb_stemmer_delete(a->stem_en);
	free(a->slots);
	free(a->pool);
	free(a);
}

/* Letters (code points) in the UTF-8 word (p, n). */
static size_t letters(const char *p, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) k += ((unsigned char)p[i] & 0xc0) != 0x80;
	return k;
}

/*
 * Replaces the normalized Cyrillic word (norm, *len) by its normalized hunspell lemma when there
 * is one that is still a Cyrillic word of letters; otherwise leaves it as it is.
 */
static void word_lemma(struct sf_analyzer *a, char *norm, size_t *len)
{
	char stem[SF_TERM_MAX * 2];
	size_t sl = text_lemma(norm, *len, stem, sizeof stem);
	if (!sl) return;
	/* hunspell spells lemmas its own way (capitals of proper nouns, ё): normalize like input. */
	struct text_norm_info li;
	char ln[SF_TERM_MAX];
	size_t ll = text_normalize(&a->ns, stem, sl, ln, &li);
	if (!ll || li.script != SF_SCRIPT_CYRILLIC || li.has_digit || li.has_other) return;
	memcpy(norm, ln, ll);
	*len = ll;
}

/* Normalizes, checks the stop list, lemmatizes and stems (p, n) into dst (SF_TERM_MAX bytes). */
static void word_compute(struct sf_analyzer *a, const char *p, size_t n, bool stem, char *dst,
			 struct text_word *w)
{
	struct text_norm_info info;
	char norm[SF_TERM_MAX];
	size_t len = text_normalize(&a->ns, p, n, norm, &info);
	w->term = dst;
	w->script = info.script;
	w->stop = text_stopword(norm, len);
	w->number = len && info.has_digit && !info.has_letter && !info.has_other;
	if (stem && len && !info.has_digit && !info.has_other &&
	    (info.script == SF_SCRIPT_LATIN || info.script == SF_SCRIPT_CYRILLIC)) {
		/* Stop words are dropped anyway; short words are mostly abbreviations. */
		if (a->lemma && info.script == SF_SCRIPT_CYRILLIC && !w->stop && letters(norm, len) >= 3)
			word_lemma(a, norm, &len);
		struct sb_stemmer *st = info.script == SF_SCRIPT_CYRILLIC ? a->stem_ru : a->stem_en;
		const sb_symbol *r = sb_stemmer_stem(st, (const sb_symbol *)norm, (int)len);
		int rl = r ? sb_stemmer_length(st) : 0;
		/* A stemmer that fails (out of memory) or empties a word leaves it unstemmed. */
		if (rl > 0 && (size_t)rl <= SF_TERM_MAX) {
			memcpy(dst, r, (size_t)rl);
			w->len = (uint8_t)rl;
			return;
		}
	}
	memcpy(dst, norm, len);
	w->len = (uint8_t)len;
}

static void cache_clear(struct sf_analyzer *a)
{
	memset(a->slots, 0, (a->mask + 1) * sizeof *a->slots);
	a->count = 0;
	a->pool_len = 0;
}

static void cache_grow(struct sf_analyzer *a)
{
	size_t n = (a->mask + 1) * 2;
	struct cache_slot *ns = sf_xcalloc(n, sizeof *ns);
	for (size_t i = 0; i <= a->mask; i++) {
		if (!a->slots[i].h) continue;
		size_t j = (size_t)a->slots[i].h & (n - 1);
		while (ns[j].h) j = (j + 1) & (n - 1);
		ns[j] = a->slots[i];
	}
	free(a->slots);
	a->slots = ns;
	a->mask = n - 1;
}

static void cache_put(struct sf_analyzer *a, uint64_t h, const char *key, size_t klen,
		      const struct text_word *w)
{
	size_t need = klen + w->len;
	if (a->pool_len + need > a->pool_cap) {
		if (a->pool_cap < CACHE_POOL_MAX) {
			a->pool_cap *= 2;
			a->pool = sf_xrealloc(a->pool, a->pool_cap);
		} else {
			cache_clear(a);
		}
	}
	if ((a->count + 1) * 4 > (a->mask + 1) * 3) {
		if (a->mask + 1 < CACHE_SLOTS_MAX)
			cache_grow(a);
		else
			cache_clear(a);
	}
	size_t i = (size_t)h & a->mask;
	while (a->slots[i].h) i = (i + 1) & a->mask;
	struct cache_slot *s = &a->slots[i];
	s->h = h;
	s->off = (uint32_t)a->pool_len;
	s->klen = (uint8_t)klen;
	s->tlen = w->len;
	s->flags = (uint8_t)((w->stop ? CF_STOP : 0) | (w->number ? CF_NUMBER : 0));
	s->script = w->script;
	memcpy(a->pool + a->pool_len, key, klen);
	memcpy(a->pool + a->pool_len + klen, w->term, w->len);
	a->pool_len += need;
	a->count++;
}

/* A code point folded for the prefilter (lower case, ё as е), or -1 outside ASCII letters and
 * digits and basic Cyrillic; *k gets its length in bytes. */
static int fold_cp(const unsigned char *s, size_t n, size_t *k)
{
	unsigned c = s[0];
	*k = 1;
	if (c < 0x80) {
		if (c >= 'A' && c <= 'Z') return (int)(c + 32);
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return (int)c;
		return -1;
	}
	if (n < 2 || (c & 0xE0) != 0xC0) return -1;
	*k = 2;
	unsigned cp = ((c & 0x1F) << 6) | (s[1] & 0x3F);
	if (cp >= 0x410 && cp <= 0x42F) cp += 0x20;
	if (cp == 0x401 || cp == 0x451) cp = 0x435;
	return cp >= 0x430 && cp <= 0x44F ? (int)cp : -1;
}

/* The first two letters of a word, folded and hashed to SF_PREFILTER_BYTES * 8 buckets; -1 when
 * the first is not a letter or digit the filter knows (such words are always analyzed). A
 * second character outside them counts as none. */
int sf_prefilter_key(const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;
	if (n == 0) return -1;
	size_t k;
	int a = fold_cp(s, n, &k);
	if (a < 0) return -1;
	size_t k2;
	int b = k < n ? fold_cp(s + k, n - k, &k2) : 0;
	if (b < 0) b = 0;
	return (int)(((unsigned)a * 1031u + (unsigned)b) % (SF_PREFILTER_BYTES * 8));
}

void sf_analyzer_set_prefilter(struct sf_analyzer *a, const uint8_t *bits) { a->prefilter = bits; }

void text_analyze_word(struct sf_analyzer *a, const char *p, size_t n, struct text_word *w)
{
	if (a->prefilter) {
		int k = sf_prefilter_key(p, n);
		if (k >= 0 && !(a->prefilter[k >> 3] & (1u << (k & 7)))) {
			memset(w, 0, sizeof *w);
			w->term = "";
			return;
		}
	}
	if (n > CACHE_KEY_MAX) {
		word_compute(a, p, n, a->opts.stem, a->word, w);
		return;
	}
	uint64_t h = sf_hash64(p, n, CACHE_SEED) | 1;
	size_t i = (size_t)h & a->mask;
	for (;;) {
		const struct cache_slot *s = &a->slots[i];
		if (!s->h) break;
		if (s->h == h && s->klen == n && memcmp(a->pool + s->off, p, n) == 0) {
			w->term = a->pool + s->off + n;
			w->len = s->tlen;
			w->script = s->script;
			w->stop = s->flags & CF_STOP;
			w->number = s->flags & CF_NUMBER;
			return;
		}
		i = (i + 1) & a->mask;
	}
	word_compute(a, p, n, a->opts.stem, a->word, w);
	cache_put(a, h, p, n, w);
}

size_t text_normalize_compound(struct sf_analyzer *a, const char *p, size_t n,
			       struct text_norm_info *info, const char **term)
{
	*term = a->comp;
	return text_normalize(&a->ns, p, n, a->comp, info);
}

enum sf_err sf_analyze_term(struct sf_analyzer *a, const char *word, size_t len, bool stem,
			    struct sf_buf *out)
{
	sf_buf_reset(out);
	/* A word of letters only or digits only is analyzed as a word; anything else as a compound. */
	unsigned seen = 0;
	const unsigned char *s = (const unsigned char *)word;
	for (size_t i = 0; i < len;) {
		size_t k;
		seen |= 1u << text_char_class(s + i, len - i, &k);
		i += k;
	}
	seen &= ~(1u << TC_IGN);
	if (seen == (1u << TC_LET) || seen == (1u << TC_DIG)) {
		struct text_word w;
		/* Through the term cache when it holds this analysis: the engine's query expansions
		 * call here for every candidate, and a hunspell lookup costs microseconds. */
		if (stem == a->opts.stem)
			text_analyze_word(a, word, len, &w);
		else
			word_compute(a, word, len, stem, a->word, &w);
		if (w.stop) return SF_OK;
		return sf_buf_add(out, w.term, w.len);
	}
	struct text_norm_info info;
	const char *term;
	size_t n = text_normalize_compound(a, word, len, &info, &term);
	return sf_buf_add(out, term, n);
}
