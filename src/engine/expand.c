/*
 * engine/expand.c: alternatives for unknown, misspelled, transliterated, split or joined words
 * (see expand.h). The raw query is read again with a non-stemming analyzer to get the words as
 * typed, in order; a word is "free" when it is a plain word (not inside quotes, not prefixed by
 * + - or a field name). Each candidate is analyzed like indexed text and checked against the
 * snapshot's dictionary before it is added, so no alternative is ever a term the index lacks.
 */
#include "engine/expand.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "text/fuzzy.h"
#include "text/translit.h"

#define MAX_WORDS 32

int sf_expand_parse(const char *spec)
{
	if (!strcmp(spec, "none") || !*spec) return 0;
	if (!strcmp(spec, "all")) return SF_EXPAND_TRANSLIT | SF_EXPAND_TYPO | SF_EXPAND_SPLIT | SF_EXPAND_JOIN;
	int k = 0;
	const char *p = spec;
	while (*p) {
		size_t n = strcspn(p, ",");
		if (n == 8 && !strncmp(p, "translit", n)) k |= SF_EXPAND_TRANSLIT;
		else if (n == 4 && !strncmp(p, "typo", n)) k |= SF_EXPAND_TYPO;
		else if (n == 5 && !strncmp(p, "split", n)) k |= SF_EXPAND_SPLIT;
		else if (n == 4 && !strncmp(p, "join", n)) k |= SF_EXPAND_JOIN;
		else return -1;
		p += n;
		if (*p == ',') p++;
	}
	return k;
}

/* Adds an alternative unless the query has the term already (a repeat would count it twice). */
static void add_alt(struct sf_query *q, const char *term, size_t len, float weight)
{
	for (size_t i = 0; i < q->nterms; i++)
		if (q->terms[i].len == len && memcmp(q->terms[i].term, term, len) == 0) return;
	sf_query_add_term(q, term, len, SF_FIELDS_ALL, SF_SHOULD, weight);
	sf_query_add_highlight(q, term, len);
}

struct word {
	char surface[SF_TERM_MAX + 1]; /* normalized, unstemmed */
	size_t slen;
	uint32_t pos;
	bool free_word;
};

struct collect {
	struct word *w;
	size_t n;
	const char *text;
};

/* A token is free when nothing but spaces stands between it and the previous token or the
 * start, and it is not inside quotes: a quick look at the raw bytes around it. */
static bool is_free(const char *text, uint32_t start)
{
	size_t quotes = 0;
	for (uint32_t i = 0; i < start; i++)
		if (text[i] == '"') quotes++;
	if (quotes % 2) return false;
	if (start > 0) {
		char c = text[start - 1];
		if (c == '+' || c == '-' || c == ':') return false;
	}
	return true;
}

static int on_word(void *ctx, const struct sf_token *t)
{
	struct collect *c = ctx;
	if (t->kind != SF_TOK_WORD || c->n >= MAX_WORDS) return 0;
	struct word *w = &c->w[c->n++];
	memcpy(w->surface, t->term, t->term_len);
	w->surface[t->term_len] = 0;
	w->slen = t->term_len;
	w->pos = t->pos;
	w->free_word = is_free(c->text, t->start);
	return 0;
}

/* The indexed form of a word: analyzed like document text. Empty when it is a stop word. */
static bool analyzed(struct sf_analyzer *an, const char *w, size_t n, struct sf_buf *out)
{
	if (sf_analyze_term(an, w, n, true, out) != SF_OK) return false;
	return out->len > 0;
}

struct typo_ctx {
	const char *term;
	size_t len;
	int max;
	char best[2][SF_TERM_MAX + 1];
	uint64_t best_df[2];
	int best_d[2];
};

static size_t cp_count(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80) c++;
	return c;
}

static int on_term(void *ctx, const char *term, size_t len, uint64_t df)
{
	struct typo_ctx *t = ctx;
	/* Lengths in bytes differ by at most 2 bytes per edit in Cyrillic. */
	size_t diff = len > t->len ? len - t->len : t->len - len;
	if (diff > (size_t)(2 * t->max) || len > SF_TERM_MAX || !df) return 0;
	int d = sf_edit_distance_bounded(t->term, t->len, term, len, t->max);
	if (d > t->max || d == 0) return 0;
	/* keep the two best: smaller distance first, then higher df */
	for (int i = 0; i < 2; i++) {
		if (!t->best_df[i] || d < t->best_d[i] || (d == t->best_d[i] && df > t->best_df[i])) {
			if (i == 0) {
				memcpy(t->best[1], t->best[0], sizeof t->best[0]);
				t->best_df[1] = t->best_df[0];
				t->best_d[1] = t->best_d[0];
			}
			memcpy(t->best[i], term, len);
			t->best[i][len] = 0;
			t->best_df[i] = df;
			t->best_d[i] = d;
			break;
		}
	}
	return 0;
}

enum sf_err sf_expand_query(struct sf_analyzer *an, struct sf_analyzer *surface,
			    const struct sf_snapshot *s, const char *text, size_t len, int kinds,
			    struct sf_query *q)
{
	if (!kinds || !len) return SF_OK;
	struct word words[MAX_WORDS];
	struct collect c = { words, 0, text };
	enum sf_err rc = sf_analyze(surface, text, len, on_word, &c);
	if (rc) return rc;
	struct sf_buf a = SF_BUF_INIT, b = SF_BUF_INIT, tmp = SF_BUF_INIT;
	bool *known = sf_xcalloc(c.n ? c.n : 1, sizeof *known);
	for (size_t i = 0; i < c.n; i++) {
		known[i] = !analyzed(an, words[i].surface, words[i].slen, &a) || sf_snapshot_df(s, a.ptr, a.len) > 0;
	}
	for (size_t i = 0; i < c.n && !rc; i++) {
		struct word *w = &words[i];
		if (!w->free_word) continue;
		/* split: "анти вирус" -> "антивирус" (adjacent free words whose join is indexed) */
		if ((kinds & SF_EXPAND_SPLIT) && i + 1 < c.n && words[i + 1].free_word &&
		    words[i + 1].pos == w->pos + 1 && w->slen + words[i + 1].slen <= SF_TERM_MAX) {
			sf_buf_reset(&tmp);
			if (sf_buf_add(&tmp, w->surface, w->slen) == SF_OK &&
			    sf_buf_add(&tmp, words[i + 1].surface, words[i + 1].slen) == SF_OK &&
			    analyzed(an, tmp.ptr, tmp.len, &a) && sf_snapshot_df(s, a.ptr, a.len) > 0)
				add_alt(q, a.ptr, a.len, SF_EXPAND_W_SPLIT);
		}
		if (known[i]) continue;
		/* translit: the other script's spelling */
		if (kinds & SF_EXPAND_TRANSLIT) {
			sf_buf_reset(&tmp);
			enum sf_script to;
			if (sf_translit(w->surface, w->slen, &tmp, &to) == SF_OK && tmp.len &&
			    analyzed(an, tmp.ptr, tmp.len, &a) && sf_snapshot_df(s, a.ptr, a.len) > 0)
				add_alt(q, a.ptr, a.len, SF_EXPAND_W_TRANSLIT);
		}
		/* join: "вайфай" -> "вай" + "фай" when both halves are indexed */
		if ((kinds & SF_EXPAND_JOIN) && w->slen >= 6) {
			uint64_t best = 0;
			size_t best_cut = 0;
			for (size_t cut = 1; cut < w->slen; cut++) {
				if (((unsigned char)w->surface[cut] & 0xc0) == 0x80) continue;
				if (cp_count(w->surface, cut) < 3 || cp_count(w->surface + cut, w->slen - cut) < 3) continue;
				if (!analyzed(an, w->surface, cut, &a) || !analyzed(an, w->surface + cut, w->slen - cut, &b))
					continue;
				uint64_t da = sf_snapshot_df(s, a.ptr, a.len), db = sf_snapshot_df(s, b.ptr, b.len);
				uint64_t m = da < db ? da : db;
				if (m > best) {
					best = m;
					best_cut = cut;
				}
			}
			if (best && analyzed(an, w->surface, best_cut, &a) &&
			    analyzed(an, w->surface + best_cut, w->slen - best_cut, &b)) {
				add_alt(q, a.ptr, a.len, SF_EXPAND_W_JOIN);
				add_alt(q, b.ptr, b.len, SF_EXPAND_W_JOIN);
			}
		}
		/* typo: nearest indexed terms by edit distance on the analyzed form */
		if ((kinds & SF_EXPAND_TYPO) && analyzed(an, w->surface, w->slen, &a)) {
			size_t letters = cp_count(a.ptr, a.len);
			if (letters >= 4) {
				struct typo_ctx t = { a.ptr, a.len, letters >= 8 ? 2 : 1, { "", "" }, { 0, 0 }, { 0, 0 } };
				sf_snapshot_terms(s, (unsigned char)a.ptr[0], on_term, &t);
				for (int k = 0; k < 2; k++)
					if (t.best_df[k] && (k == 0 || t.best_d[1] == t.best_d[0]))
						add_alt(q, t.best[k], strlen(t.best[k]), SF_EXPAND_W_TYPO);
			}
		}
	}
	free(known);
	sf_buf_release(&a);
	sf_buf_release(&b);
	sf_buf_release(&tmp);
	return rc;
}
