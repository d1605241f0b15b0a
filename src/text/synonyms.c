/*
 * text/synonyms.c: the jargon/synonym dictionary (see synonyms.h).
 *
 * Every entry of a line is run through the analyzer and reduced to its run of top-level terms
 * (words, numbers and compounds whole; compound parts and stop words are left out), which is
 * exactly what the query parser hands to sf_synonyms_match. Distinct runs become keys; a key
 * that appears in several groups gets the union of their other entries as its alternatives, so
 * a line order in the file never hides a group. Keys are found through an open-addressing table
 * on their first term; the keys sharing a first term are chained longest first, so the first
 * one that fits is the longest match. Everything is built once and never changed afterwards,
 * which is what makes a loaded dictionary safe to share between threads.
 */
#include "text/synonyms.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hash.h"
#include "base/mem.h"
#include "text/utf8.h"

#include "base/banned.h"

/* A distinct analyzed entry and the entries it may be replaced with. */
struct syn_key {
	struct sf_str *terms; /* borrowed from the entry that first produced this run */
	size_t nterms;
	struct sf_syn_alt *alts;
	size_t nalts, cap;
	struct syn_key *next; /* next key with the same first term, nterms not increasing */
};

struct syn_slot {
	struct sf_str first; /* empty: free slot */
	struct syn_key *head;
};

struct sf_synonyms {
	size_t ngroups;
	/* owned storage: term strings and term arrays, freed in sf_synonyms_free */
	char **strs;
	size_t nstrs, capstrs;
	struct sf_str **arrs;
	size_t narrs, caparrs;
	struct syn_key **keys;
	size_t nkeys, capkeys;
	struct syn_slot *slots; /* power-of-two table */
	size_t nslots, nused;
};

#define SYN_SEED 0x53796e6f6e796d73ULL
#define SYN_STR_(x) #x
#define SYN_STR(x) SYN_STR_(x)

/* ---- building ---- */

struct collect {
	struct sf_synonyms *s;
	struct sf_str terms[SF_SYN_MAX_ENTRY_TERMS];
	char *owned[SF_SYN_MAX_ENTRY_TERMS];
	size_t n;
	bool too_long;
};

static int collect_tok(void *ctx, const struct sf_token *tok)
{
	struct collect *c = ctx;
	/* Parts are left out: the query side matches runs of top-level terms only. */
	if (tok->kind == SF_TOK_PART) return 0;
	if (tok->term_len == 0) return 0;
	if (c->n == SF_SYN_MAX_ENTRY_TERMS) {
		c->too_long = true;
		return 1;
	}
	char *p = sf_xstrndup(tok->term, tok->term_len);
	c->owned[c->n] = p;
	c->terms[c->n] = (struct sf_str){ p, tok->term_len };
	c->n++;
	return 0;
}

static void collect_drop(struct collect *c)
{
	for (size_t i = 0; i < c->n; i++) free(c->owned[i]);
	c->n = 0;
}

/* Moves the collected terms into the dictionary's storage; returns the stored array. */
static struct sf_str *collect_keep(struct collect *c)
{
	struct sf_synonyms *s = c->s;
	struct sf_str *arr = sf_xmalloc(c->n * sizeof(*arr));
	memcpy(arr, c->terms, c->n * sizeof(*arr));
	SF_GROW(s->arrs, s->caparrs, s->narrs + 1);
	s->arrs[s->narrs++] = arr;
	SF_GROW(s->strs, s->capstrs, s->nstrs + c->n);
	for (size_t i = 0; i < c->n; i++) s->strs[s->nstrs++] = c->owned[i];
	c->n = 0;
	return arr;
}

static bool run_eq(const struct sf_str *a, size_t na, const struct sf_str *b, size_t nb)
{
	if (na != nb) return false;
	for (size_t i = 0; i < na; i++)
		if (!sf_str_eq(a[i], b[i])) return false;
	return true;
}

static size_t slot_find(const struct sf_synonyms *s, struct sf_str first)
{
	size_t mask = s->nslots - 1;
	size_t i = (size_t)sf_hash64(first.ptr, first.len, SYN_SEED) & mask;
	while (s->slots[i].first.len && !sf_str_eq(s->slots[i].first, first)) i = (i + 1) & mask;
	return i;
}

static void table_grow(struct sf_synonyms *s)
{
	struct syn_slot *old = s->slots;
	size_t nold = s->nslots;
	s->nslots = nold ? nold * 2 : 64;
	s->slots = sf_xcalloc(s->nslots, sizeof(*s->slots));
	for (size_t i = 0; i < nold; i++) {
		if (!old[i].first.len) continue;
		s->slots[slot_find(s, old[i].first)] = old[i];
	}
	free(old);
}

/* Finds or creates the key for a run of terms (terms stay owned by the dictionary). */
static struct syn_key *key_get(struct sf_synonyms *s, const struct sf_str *terms, size_t n)
{
	if ((s->nused + 1) * 4 > s->nslots * 3) table_grow(s);
	size_t i = slot_find(s, terms[0]);
	struct syn_slot *sl = &s->slots[i];
	if (!sl->first.len) {
		sl->first = terms[0];
		s->nused++;
	}
	struct syn_key **pp = &sl->head;
	while (*pp && (*pp)->nterms > n) pp = &(*pp)->next;
	for (struct syn_key *k = *pp; k && k->nterms == n; k = k->next)
		if (run_eq(k->terms, k->nterms, terms, n)) return k;
	struct syn_key *k = sf_xcalloc(1, sizeof(*k));
	k->terms = (struct sf_str *)terms;
	k->nterms = n;
	k->next = *pp;
	*pp = k;
	SF_GROW(s->keys, s->capkeys, s->nkeys + 1);
	s->keys[s->nkeys++] = k;
	return k;
}

static void key_add_alt(struct syn_key *k, const struct sf_str *terms, size_t n)
{
	if (run_eq(k->terms, k->nterms, terms, n)) return;
	for (size_t i = 0; i < k->nalts; i++)
		if (run_eq(k->alts[i].terms, k->alts[i].nterms, terms, n)) return;
	SF_GROW(k->alts, k->cap, k->nalts + 1);
	k->alts[k->nalts++] = (struct sf_syn_alt){ terms, n };
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* One line's entries, analyzed. */
struct line_entries {
	struct sf_str *run[64];
	size_t nrun[64];
	size_t n;
};

static void note_skip(size_t *skipped, size_t *nskip, struct sf_buf *err, size_t lineno,
		      const char *why)
{
	if (*nskip == 0) sf_errf(err, "synonyms line %zu skipped: %s", lineno, why);
	(*nskip)++;
	if (skipped) *skipped = *nskip;
}

enum sf_err sf_synonyms_parse(struct sf_analyzer *a, const char *text, size_t len,
			      struct sf_synonyms **out, size_t *skipped, struct sf_buf *err)
{
	enum sf_err rc = SF_ERR_INTERNAL;
	size_t nskip = 0;
	*out = NULL;
	if (skipped) *skipped = 0;
	if (len > SF_SYN_MAX_FILE) {
		sf_errf(err, "synonyms: %zu bytes, more than the limit of %u", len, SF_SYN_MAX_FILE);
		return SF_ERR_LIMIT;
	}
	if (!sf_utf8_valid(text, len)) {
		sf_errf(err, "synonyms: the text is not valid UTF-8");
		return SF_ERR_INVALID;
	}
	struct sf_synonyms *s = sf_xcalloc(1, sizeof(*s));
	struct collect c = { .s = s };
	struct line_entries le;
	size_t lineno = 0;
	size_t pos = 0;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t lend = nl ? (size_t)(nl - text) : len;
		const char *line = text + pos;
		size_t llen = lend - pos;
		pos = nl ? lend + 1 : len;
		lineno++;
		const char *hash = memchr(line, '#', llen);
		if (hash) llen = (size_t)(hash - line);

		le.n = 0;
		bool bad = false;
		const char *why = NULL;
		size_t i = 0;
		while (i <= llen && !bad) {
			const char *comma = memchr(line + i, ',', llen - i);
			size_t eend = comma ? (size_t)(comma - line) : llen;
			size_t b = i, e = eend;
			while (b < e && is_space(line[b])) b++;
			while (e > b && is_space(line[e - 1])) e--;
			i = eend + 1;
			if (b == e) continue;
			c.n = 0;
			c.too_long = false;
			enum sf_err ae = sf_analyze(a, line + b, e - b, collect_tok, &c);
			if (ae != SF_OK) {
				collect_drop(&c);
				sf_errf(err, "synonyms line %zu: analysis failed (%s)", lineno,
					sf_err_str(ae));
				rc = ae;
				goto fail;
			}
			if (c.too_long) {
				collect_drop(&c);
				bad = true;
				why = "an entry has more than " SYN_STR(SF_SYN_MAX_ENTRY_TERMS) " terms";
				break;
			}
			if (c.n == 0) continue; /* only stop words or punctuation */
			/* Two spellings that analyze alike ("зарплата, зарплату") are one entry. */
			bool dup = false;
			for (size_t k = 0; k < le.n && !dup; k++)
				dup = run_eq(le.run[k], le.nrun[k], c.terms, c.n);
			if (dup) {
				collect_drop(&c);
				continue;
			}
			if (le.n == sizeof(le.run) / sizeof(le.run[0])) {
				collect_drop(&c);
				bad = true;
				why = "more than 64 entries in a group";
				break;
			}
			le.nrun[le.n] = c.n;
			le.run[le.n] = collect_keep(&c);
			le.n++;
		}
		if (!bad && le.n == 1) {
			bad = true;
			why = "a group needs at least two different entries";
		}
		if (bad) {
			/* The terms already kept stay in storage unused; freed with the dictionary. */
			note_skip(skipped, &nskip, err, lineno, why);
			continue;
		}
		if (le.n == 0) continue; /* blank or comment line */
		for (size_t k = 0; k < le.n; k++) {
			struct syn_key *key = key_get(s, le.run[k], le.nrun[k]);
			for (size_t j = 0; j < le.n; j++)
				if (j != k) key_add_alt(key, le.run[j], le.nrun[j]);
		}
		s->ngroups++;
	}
	if (!s->nslots) table_grow(s); /* lookups never see a zero-size table */
	*out = s;
	return SF_OK;
fail:
	sf_synonyms_free(s);
	return rc;
}

enum sf_err sf_synonyms_load(struct sf_analyzer *a, const char *path, struct sf_synonyms **out,
			     size_t *skipped, struct sf_buf *err)
{
	enum sf_err rc = SF_ERR_IO;
	struct sf_buf text;
	sf_buf_init(&text, SF_SYN_MAX_FILE);
	*out = NULL;
	FILE *f = fopen(path, "rb");
	if (!f) {
		sf_errf(err, "synonyms: cannot open %s: %s", path, strerror(errno));
		return SF_ERR_IO;
	}
	char chunk[16384];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		enum sf_err e = sf_buf_add(&text, chunk, n);
		if (e == SF_ERR_LIMIT) {
			sf_errf(err, "synonyms: %s is larger than %u bytes", path, SF_SYN_MAX_FILE);
			rc = SF_ERR_LIMIT;
			goto out;
		}
		if (e != SF_OK) {
			sf_errf(err, "synonyms: reading %s: %s", path, sf_err_str(e));
			rc = e;
			goto out;
		}
	}
	if (ferror(f)) {
		sf_errf(err, "synonyms: cannot read %s", path);
		rc = SF_ERR_IO;
		goto out;
	}
	rc = sf_synonyms_parse(a, text.ptr, text.len, out, skipped, err);
out:
	fclose(f);
	sf_buf_release(&text);
	return rc;
}

void sf_synonyms_free(struct sf_synonyms *s)
{
	if (!s) return;
	for (size_t i = 0; i < s->nkeys; i++) {
		free(s->keys[i]->alts);
		free(s->keys[i]);
	}
	free(s->keys);
	for (size_t i = 0; i < s->nstrs; i++) free(s->strs[i]);
	free(s->strs);
	for (size_t i = 0; i < s->narrs; i++) free(s->arrs[i]);
	free(s->arrs);
	free(s->slots);
	free(s);
}

size_t sf_synonyms_count(const struct sf_synonyms *s)
{
	return s ? s->ngroups : 0;
}

size_t sf_synonyms_match(const struct sf_synonyms *s, const struct sf_str *terms, size_t nterms,
			 const struct sf_syn_alt **alts, size_t *nalts)
{
	*alts = NULL;
	*nalts = 0;
	if (!s || nterms == 0 || terms[0].len == 0 || s->nused == 0) return 0;
	const struct syn_slot *sl = &s->slots[slot_find(s, terms[0])];
	for (const struct syn_key *k = sl->head; k; k = k->next) {
		if (k->nterms > nterms) continue;
		size_t i = 1;
		while (i < k->nterms && sf_str_eq(k->terms[i], terms[i])) i++;
		if (i < k->nterms) continue;
		*alts = k->alts;
		*nalts = k->nalts;
		return k->nterms;
	}
	return 0;
}
