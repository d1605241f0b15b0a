/*
 * text/snippet.c: the best window of a document for a query, matches marked (see snippet.h).
 *
 * The text is analyzed again and every token whose term is a query term is recorded with its
 * byte range, so inflected forms are found exactly where the analyzer found them. A sliding
 * window over the matches (sorted by start) picks the span of at most max_bytes that holds the
 * most distinct query terms; the window is then widened with context, its edges moved to blanks
 * (never inside a UTF-8 sequence) and the text copied out with overlapping matches (a compound
 * and its parts) merged into one marked span. Work is linear in the text plus a sort of the
 * matches, so the top hits of a search can all be shown.
 */
#include "text/snippet.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/hash.h"
#include "base/mem.h"
#include "text/utf8.h"

#include "base/banned.h"

/* How far a window edge may move to reach a blank. */
#define EDGE_SLACK 32
#define ELLIPSIS "\xE2\x80\xA6"
#define SET_SEED 0x736e6970ULL

struct match {
	uint32_t start, end;
	uint32_t id; /* index of the first equal query term: distinct terms have distinct ids */
};

struct snip {
	const struct sf_str *terms;
	size_t len; /* bytes analyzed: matches past it are ignored */
	uint32_t *slots; /* open addressing: term index + 1, 0 = free */
	size_t mask;
	struct match *m;
	size_t nm, capm;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static int64_t set_find(const struct snip *s, const char *t, size_t n)
{
	size_t i = (size_t)sf_hash64(t, n, SET_SEED) & s->mask;
	while (s->slots[i]) {
		const struct sf_str *x = &s->terms[s->slots[i] - 1];
		if (x->len == n && memcmp(x->ptr, t, n) == 0) return (int64_t)(s->slots[i] - 1);
		i = (i + 1) & s->mask;
	}
	return -1;
}

static int on_token(void *ctx, const struct sf_token *tok)
{
	struct snip *s = ctx;
	int64_t id = set_find(s, tok->term, tok->term_len);
	if (id < 0 || tok->end <= tok->start || tok->end > s->len) return 0;
	SF_GROW(s->m, s->capm, s->nm + 1);
	s->m[s->nm++] = (struct match){ tok->start, tok->end, (uint32_t)id };
	return 0;
}

static int match_cmp(const void *pa, const void *pb)
{
	const struct match *a = pa, *b = pb;
	if (a->start != b->start) return a->start < b->start ? -1 : 1;
	if (a->end != b->end) return a->end > b->end ? -1 : 1;
	return 0;
}

/* Appends text[a, b) with blank runs shown as one space and invalid bytes repaired. */
static enum sf_err emit_text(const char *text, size_t a, size_t b, struct sf_buf *out)
{
	enum sf_err e = SF_OK;
	size_t i = a;
	while (i < b && e == SF_OK) {
		if (is_blank(text[i])) {
			while (i < b && is_blank(text[i])) i++;
			e = sf_buf_addch(out, ' ');
			continue;
		}
		size_t k = i;
		while (k < b && !is_blank(text[k])) k++;
		e = sf_utf8_repair(text + i, k - i, out, NULL);
		i = k;
	}
	return e;
}

static size_t char_start(const char *text, size_t len, size_t p)
{
	while (p > 0 && p < len && ((unsigned char)text[p] & 0xC0) == 0x80) p--;
	return p;
}

/* Moves a window start to the beginning of a word: forward up to limit, else back a little. */
static size_t snap_start(const char *text, size_t len, size_t start, size_t limit)
{
	if (start == 0 || is_blank(text[start - 1])) return start;
	for (size_t p = start; p < limit && p < start + EDGE_SLACK; p++)
		if (is_blank(text[p])) return p + 1;
	for (size_t p = start; p > 0 && start - p < EDGE_SLACK; p--)
		if (is_blank(text[p - 1])) return p;
	if (start <= EDGE_SLACK) return 0;
	return char_start(text, len, start);
}

/* Moves a window end to the end of a word: back down to limit, else forward a little. */
static size_t snap_end(const char *text, size_t len, size_t end, size_t limit)
{
	if (end >= len || is_blank(text[end])) return end;
	for (size_t p = end; p > limit && end - p < EDGE_SLACK; p--)
		if (is_blank(text[p - 1])) return p - 1;
	for (size_t p = end; p < len && p - end < EDGE_SLACK; p++)
		if (is_blank(text[p])) return p;
	if (len - end <= EDGE_SLACK) return len;
	return char_start(text, len, end);
}

enum sf_err sf_snippet_make(struct sf_analyzer *a, const char *text, size_t len,
			    const struct sf_str *terms, size_t nterms, const struct sf_snippet_opts *opts,
			    struct sf_buf *out)
{
	enum sf_err rc = SF_OK;
	size_t maxb = opts && opts->max_bytes ? opts->max_bytes : SF_SNIPPET_DEFAULT_BYTES;
	const char *mopen = opts && opts->open ? opts->open : "[";
	const char *mclose = opts && opts->close ? opts->close : "]";
	struct snip s = { .terms = terms };
	uint32_t *cnt = NULL;

	size_t scan = len;
	if (scan > SF_SNIPPET_SCAN_MAX) scan = char_start(text, len, SF_SNIPPET_SCAN_MAX);

	size_t nset = 0;
	for (size_t i = 0; i < nterms; i++) nset += terms[i].len > 0;
	if (nset > 0 && scan > 0) {
		size_t sz = 16;
		while (sz < nset * 2) sz *= 2;
		s.slots = sf_xcalloc(sz, sizeof(*s.slots));
		s.mask = sz - 1;
		for (size_t i = 0; i < nterms && i < UINT32_MAX - 1; i++) {
			if (terms[i].len == 0 || set_find(&s, terms[i].ptr, terms[i].len) >= 0) continue;
			size_t k = (size_t)sf_hash64(terms[i].ptr, terms[i].len, SET_SEED) & s.mask;
			while (s.slots[k]) k = (k + 1) & s.mask;
			s.slots[k] = (uint32_t)i + 1;
		}
		s.len = scan;
		/* Only words that start like a query term can match it: the rest is not analyzed. */
		uint8_t bits[SF_PREFILTER_BYTES];
		memset(bits, 0, sizeof bits);
		bool filter = true;
		for (size_t i = 0; i < nterms && filter; i++) {
			if (!terms[i].len) continue;
			int k = sf_prefilter_key(terms[i].ptr, terms[i].len);
			if (k < 0) filter = false;
			else bits[k >> 3] |= (uint8_t)(1u << (k & 7));
		}
		if (filter) sf_analyzer_set_prefilter(a, bits);
		rc = sf_analyze(a, text, scan, on_token, &s);
		sf_analyzer_set_prefilter(a, NULL);
		if (rc != SF_OK) goto out;
	}

	size_t start = 0, end = len < maxb ? len : maxb;
	size_t ws = end, we = 0; /* the chosen matches' span, empty without matches */
	if (s.nm > 0) {
		qsort(s.m, s.nm, sizeof(*s.m), match_cmp);
		cnt = sf_xcalloc(nterms, sizeof(*cnt));
		size_t best = 0, bl = 0, br = 0, distinct = 0, r = 0;
		for (size_t l = 0; l < s.nm; l++) {
			while (r < s.nm && (r <= l || s.m[r].end - s.m[l].start <= maxb)) {
				if (cnt[s.m[r].id]++ == 0) distinct++;
				r++;
			}
			if (distinct > best) {
				best = distinct;
				bl = l;
				br = r;
			}
			if (--cnt[s.m[l].id] == 0) distinct--;
		}
		ws = s.m[bl].start;
		we = ws;
		for (size_t i = bl; i < br; i++)
			if (s.m[i].end > we) we = s.m[i].end;
		if (we - ws >= maxb) {
			start = ws;
			end = we;
		} else {
			/* A third of the spare room goes before the matches, as context. */
			size_t slack = maxb - (we - ws);
			size_t lead = slack / 3 < ws ? slack / 3 : ws;
			start = ws - lead;
			end = start + maxb;
			if (end > len) {
				end = len;
				start = len > maxb ? len - maxb : 0;
			}
		}
	}
	start = snap_start(text, len, start, s.nm ? ws : end);
	end = snap_end(text, len, end, s.nm ? we : start);
	if (end < start) end = start;
	while (start < end && is_blank(text[start])) start++;
	while (end > start && is_blank(text[end - 1])) end--;

	size_t first = 0;
	while (first < len && is_blank(text[first])) first++;
	bool cut_before = start > first;
	bool cut_after = false;
	for (size_t p = end; p < len && !cut_after; p++) cut_after = !is_blank(text[p]);

	if (cut_before && (rc = sf_buf_adds(out, ELLIPSIS)) != SF_OK) goto out;
	size_t pos = start;
	size_t i = 0;
	while (i < s.nm) {
		/* merge overlapping matches (a compound and its parts) into one span */
		size_t ms = s.m[i].start, me = s.m[i].end;
		for (i++; i < s.nm && s.m[i].start < me; i++)
			if (s.m[i].end > me) me = s.m[i].end;
		if (me <= pos || ms >= end) continue;
		size_t cs = ms > pos ? ms : pos, ce = me < end ? me : end;
		if ((rc = emit_text(text, pos, cs, out)) != SF_OK) goto out;
		if ((rc = sf_buf_adds(out, mopen)) != SF_OK) goto out;
		if ((rc = emit_text(text, cs, ce, out)) != SF_OK) goto out;
		if ((rc = sf_buf_adds(out, mclose)) != SF_OK) goto out;
		pos = ce;
	}
	if ((rc = emit_text(text, pos, end, out)) != SF_OK) goto out;
	if (cut_after && (rc = sf_buf_adds(out, ELLIPSIS)) != SF_OK) goto out;
out:
	free(cnt);
	free(s.slots);
	free(s.m);
	return rc;
}
