/*
 * index/query_parse.c: the query language of query.h, turned into a struct sf_query.
 *
 * A query is read in two layers. The syntax layer here splits the text into clauses
 * ([+|-][name:](word | "phrase")) and decides what each one means; everything inside a clause
 * goes through the analyzer, which alone decides what a term is. Only the names in known_names[]
 * make a field or a filter, so URLs ("http://x"), Windows paths ("C:\path") and times ("10:30")
 * stay words and reach the analyzer whole, where they become compounds.
 *
 * Choices that the header leaves open, made here:
 *   - Compound tokens (ERR_CONNECTION_REFUSED, 0x80070005, setup.exe). In free text the whole
 *     term and its parts are all SHOULD terms. With + or - only the whole term constrains
 *     (MUST / MUST_NOT): "+0x80070005" asks for that code, not for every text that has the
 *     number 80070005 somewhere, and "-err_connection_refused" must not throw out every text
 *     that says "connection". For + the parts still score (SHOULD); for - they are dropped.
 *     A quoted phrase is made of the top-level tokens (compounds whole, words, numbers) at the
 *     analyzer's positions, which is how the indexer places them too.
 *   - A clause that analyzes to one top-level term is a term, not a one-word phrase.
 *   - Synonyms expand runs of free words (no sign, not quoted; a field prefix keeps its field).
 *     A run ends at any other clause, so "зп" and "плата" in "зп kind:pdf плата" are not joined.
 *     Each alternative adds its terms as SHOULD terms of weight SF_QUERY_SYN_WEIGHT / nterms
 *     (a multi-word alternative weighs, summed over its words, about one synonym), never over
 *     a term typed with weight 1. Expansion stops quietly at SYN_TERMS_CAP terms in the query.
 *     Quoted text is not expanded: quoting asks for those exact words.
 *   - highlight[] gets every typed term that is not excluded, then the synonym terms (so a
 *     snippet for "зп" marks "зарплата" too).
 *   - A repeated term is kept once (MUST wins over SHOULD, the larger weight wins), so typing
 *     a word twice does not double its score. SF_QUERY_MAX_TERMS counts the distinct typed
 *     terms outside phrases plus every word of a phrase; synonym terms are not counted.
 *   - A negated filter ("-kind:pdf") cannot be expressed by struct sf_qfilter and is refused
 *     with SF_ERR_INVALID rather than silently turned into its opposite; "+kind:pdf" is the
 *     same as "kind:pdf". Filter values are normalized word by word with sf_analyze_term
 *     (not stemmed), so attribute values must be stored normalized the same way.
 *   - Whitespace: ASCII blanks, NUL and the Unicode spaces (NBSP etc.) separate clauses.
 *     Quotes: " and the typographic «» “” „ all open and close a phrase. A lone + or - is
 *     ignored, an unclosed quote runs to the end of the query.
 */
#include "index/query.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "text/utf8.h"

#include "base/banned.h"

/* Synonym expansion stops adding terms when the query holds this many. */
#define SYN_TERMS_CAP (4 * SF_QUERY_MAX_TERMS)

/* One analyzed token of a clause, copied out of the callback. */
struct ptok {
	char term[SF_TERM_MAX];
	uint8_t len;
	uint8_t kind;
	uint32_t pos;
};

/* A run of free words, for the synonym pass at the end. */
struct run {
	size_t first, n; /* in parser.rt */
	uint8_t fields;
};

struct parser {
	struct sf_analyzer *a;
	const struct sf_synonyms *syn;
	struct sf_query *q;
	struct sf_buf *err;

	struct ptok *tok;
	size_t ntok, captok;
	enum sf_err tok_err;

	size_t nuser; /* typed terms and phrase words, against SF_QUERY_MAX_TERMS */

	struct ptok *rt; /* top-level terms of free words, in order */
	size_t nrt, caprt;
	struct run *runs;
	size_t nruns, capruns;
	bool run_open;
	uint8_t run_fields;

	struct sf_buf scratch;
};

enum clause_kind { CL_TEXT, CL_FILTER };

static const struct {
	const char *name;
	enum clause_kind kind;
	uint8_t fields;
} known_names[] = {
	{ "title", CL_TEXT, 1u << SF_FIELD_TITLE },
	{ "body", CL_TEXT, 1u << SF_FIELD_BODY },
	{ "kind", CL_FILTER, 0 },
	{ "lang", CL_FILTER, 0 },
	{ "source", CL_FILTER, 0 },
	{ "acl", CL_FILTER, 0 },
	{ "category", CL_FILTER, 0 },
};

/* ---- characters ---- */

/* Byte length of the separator at p (0 when it is none). */
static size_t space_len(const char *p, size_t n)
{
	unsigned char c = (unsigned char)p[0];
	if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' || c == 0)
		return 1;
	if (c < 0x80) return 0;
	uint32_t cp;
	size_t k = sf_utf8_decode(p, n, &cp);
	if (!k) return 0;
	if (cp == 0x00A0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
	    cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000)
		return k;
	return 0;
}

/* Byte length of the quote character at p (0 when it is none). */
static size_t quote_len(const char *p, size_t n)
{
	unsigned char c = (unsigned char)p[0];
	if (c == '"') return 1;
	if (c < 0x80) return 0;
	uint32_t cp;
	size_t k = sf_utf8_decode(p, n, &cp);
	if (!k) return 0;
	if (cp == 0x00AB || cp == 0x00BB || cp == 0x201C || cp == 0x201D || cp == 0x201E) return k;
	return 0;
}

/* Length of the character at p, for stepping over it (input is valid UTF-8 here). */
static size_t char_len(const char *p, size_t n)
{
	uint32_t cp;
	size_t k = sf_utf8_decode(p, n, &cp);
	return k ? k : 1;
}

/* ---- analysis ---- */

static int collect_tok(void *ctx, const struct sf_token *t)
{
	struct parser *ps = ctx;
	if (t->term_len == 0 || t->term_len > SF_TERM_MAX) {
		ps->tok_err = SF_ERR_INTERNAL;
		return 1;
	}
	SF_GROW(ps->tok, ps->captok, ps->ntok + 1);
	struct ptok *pt = &ps->tok[ps->ntok++];
	memcpy(pt->term, t->term, t->term_len);
	pt->len = (uint8_t)t->term_len;
	pt->kind = t->kind;
	pt->pos = t->pos;
	return 0;
}

static enum sf_err analyze(struct parser *ps, const char *p, size_t n)
{
	ps->ntok = 0;
	ps->tok_err = SF_OK;
	enum sf_err e = sf_analyze(ps->a, p, n, collect_tok, ps);
	if (e != SF_OK) {
		sf_errf(ps->err, "query: analysis failed: %s", sf_err_str(e));
		return e;
	}
	if (ps->tok_err != SF_OK) {
		sf_errf(ps->err, "query: the analyzer emitted an empty or overlong term");
		return ps->tok_err;
	}
	return SF_OK;
}

/* ---- building the query ---- */

static enum sf_err count_user(struct parser *ps, size_t n)
{
	ps->nuser += n;
	if (ps->nuser > SF_QUERY_MAX_TERMS) {
		sf_errf(ps->err, "query: more than %d terms", SF_QUERY_MAX_TERMS);
		return SF_ERR_LIMIT;
	}
	return SF_OK;
}

/*
 * Adds a term unless the query has it already for the same fields: a SHOULD or MUST term merges
 * with an existing SHOULD or MUST one (MUST wins, the larger weight wins); MUST_NOT terms merge
 * only with each other. Returns true when a new term was added.
 */
static bool add_term(struct sf_query *q, const char *t, size_t len, uint8_t fields,
		     enum sf_occur occur, float weight)
{
	for (size_t i = 0; i < q->nterms; i++) {
		struct sf_qterm *x = &q->terms[i];
		if (x->fields != fields || x->len != len || memcmp(x->term, t, len) != 0) continue;
		bool x_not = x->occur == SF_MUST_NOT, t_not = occur == SF_MUST_NOT;
		if (x_not != t_not) continue;
		if (occur == SF_MUST) x->occur = SF_MUST;
		if (weight > x->weight) x->weight = weight;
		return false;
	}
	sf_query_add_term(q, t, len, fields, occur, weight);
	return true;
}

static void add_highlight(struct sf_query *q, const char *t, size_t len)
{
	for (size_t i = 0; i < q->nhighlight; i++)
		if (q->highlight[i].len == len && memcmp(q->highlight[i].ptr, t, len) == 0) return;
	sf_query_add_highlight(q, t, len);
}

/* A typed term: added, counted and highlighted (unless excluded). */
static enum sf_err user_term(struct parser *ps, const struct ptok *t, uint8_t fields,
			     enum sf_occur occur)
{
	if (occur != SF_MUST_NOT) add_highlight(ps->q, t->term, t->len);
	if (add_term(ps->q, t->term, t->len, fields, occur, 1.0f)) return count_user(ps, 1);
	return SF_OK;
}

static void run_close(struct parser *ps)
{
	if (!ps->run_open) return;
	ps->run_open = false;
	struct run *r = &ps->runs[ps->nruns - 1];
	if (r->n == 0) ps->nruns--;
}

static void run_push(struct parser *ps, const struct ptok *t, uint8_t fields)
{
	if (ps->run_open && ps->run_fields != fields) run_close(ps);
	if (!ps->run_open) {
		SF_GROW(ps->runs, ps->capruns, ps->nruns + 1);
		ps->runs[ps->nruns++] = (struct run){ ps->nrt, 0, fields };
		ps->run_open = true;
		ps->run_fields = fields;
	}
	SF_GROW(ps->rt, ps->caprt, ps->nrt + 1);
	ps->rt[ps->nrt++] = *t;
	ps->runs[ps->nruns - 1].n++;
}

/* A free word (no sign, not quoted): every token scores; top-level ones join the run. */
static enum sf_err clause_free(struct parser *ps, const char *v, size_t n, uint8_t fields)
{
	enum sf_err e = analyze(ps, v, n);
	if (e != SF_OK) return e;
	for (size_t i = 0; i < ps->ntok; i++) {
		const struct ptok *t = &ps->tok[i];
		if ((e = user_term(ps, t, fields, SF_SHOULD)) != SF_OK) return e;
		if (t->kind != SF_TOK_PART) run_push(ps, t, fields);
	}
	return SF_OK;
}

/*
 * A signed word or a phrase. Top-level tokens constrain: one of them is a term, several a
 * phrase at their analyzer positions. Parts only score, and only when not excluded.
 */
static enum sf_err clause_constrain(struct parser *ps, const char *v, size_t n, uint8_t fields,
				    enum sf_occur occur, bool quoted)
{
	run_close(ps);
	enum sf_err e = analyze(ps, v, n);
	if (e != SF_OK) return e;
	size_t ntop = 0;
	for (size_t i = 0; i < ps->ntok; i++) ntop += ps->tok[i].kind != SF_TOK_PART;

	if (!quoted || ntop <= 1) {
		/* +word / -word, or a phrase of one term: each top-level token is a term. */
		for (size_t i = 0; i < ps->ntok; i++) {
			const struct ptok *t = &ps->tok[i];
			if (t->kind != SF_TOK_PART)
				e = user_term(ps, t, fields, occur);
			else if (occur != SF_MUST_NOT)
				e = user_term(ps, t, fields, SF_SHOULD);
			if (e != SF_OK) return e;
		}
		return SF_OK;
	}

	if ((e = count_user(ps, ntop)) != SF_OK) return e;
	struct sf_str *terms = sf_xmalloc(ntop * sizeof(*terms));
	uint32_t *rel = sf_xmalloc(ntop * sizeof(*rel));
	size_t k = 0;
	uint32_t pos0 = 0;
	for (size_t i = 0; i < ps->ntok; i++) {
		const struct ptok *t = &ps->tok[i];
		if (t->kind == SF_TOK_PART) continue;
		if (k == 0) pos0 = t->pos;
		if (t->pos < pos0 || (k > 0 && t->pos - pos0 <= rel[k - 1])) {
			free(terms);
			free(rel);
			sf_errf(ps->err, "query: analyzer positions do not increase");
			return SF_ERR_INTERNAL;
		}
		terms[k] = (struct sf_str){ t->term, t->len };
		rel[k] = t->pos - pos0;
		k++;
	}
	sf_query_add_phrase(ps->q, terms, rel, ntop, fields, occur == SF_MUST_NOT ? SF_MUST_NOT : SF_MUST);
	free(terms);
	free(rel);
	if (occur == SF_MUST_NOT) return SF_OK;
	/* The phrase's words score like free words (but are not expanded by synonyms). */
	for (size_t i = 0; i < ps->ntok; i++) {
		const struct ptok *t = &ps->tok[i];
		add_highlight(ps->q, t->term, t->len);
		if (add_term(ps->q, t->term, t->len, fields, SF_SHOULD, 1.0f) &&
		    t->kind == SF_TOK_PART && (e = count_user(ps, 1)) != SF_OK)
			return e;
	}
	return SF_OK;
}

/* Case-folds a word the analyzer calls a stop word (it returns nothing for those). */
static enum sf_err fold_simple(const char *p, size_t n, struct sf_buf *out)
{
	size_t i = 0;
	while (i < n) {
		uint32_t cp;
		size_t k = sf_utf8_decode(p + i, n - i, &cp);
		if (!k) return SF_ERR_INVALID;
		if (cp >= 'A' && cp <= 'Z') cp += 0x20;
		else if (cp >= 0x0410 && cp <= 0x042F) cp += 0x20;
		else if (cp == 0x0401 || cp == 0x0451) cp = 0x0435; /* Ё ё -> е */
		char enc[4];
		size_t m = sf_utf8_encode(cp, enc);
		enum sf_err e = sf_buf_add(out, enc, m);
		if (e != SF_OK) return e;
		i += k;
	}
	return SF_OK;
}

enum sf_err sf_query_normalize_value(struct sf_analyzer *a, const char *v, size_t n, struct sf_buf *val)
{
	struct sf_buf word = SF_BUF_INIT;
	enum sf_err e = SF_OK;
	sf_buf_reset(val);
	size_t i = 0;
	while (i < n) {
		size_t s = space_len(v + i, n - i);
		if (s) {
			i += s;
			continue;
		}
		size_t b = i;
		while (i < n && !space_len(v + i, n - i)) i += char_len(v + i, n - i);
		sf_buf_reset(&word);
		if ((e = sf_analyze_term(a, v + b, i - b, false, &word)) != SF_OK) goto out;
		if (word.len == 0 && (e = fold_simple(v + b, i - b, &word)) != SF_OK) goto out;
		if (word.len == 0) continue;
		if (val->len && (e = sf_buf_addch(val, ' ')) != SF_OK) goto out;
		if ((e = sf_buf_add(val, word.ptr, word.len)) != SF_OK) goto out;
	}
out:
	sf_buf_release(&word);
	return e;
}

/* kind:pdf, category:"Сеть и VPN": the value normalized word by word, joined by one space. */
static enum sf_err clause_filter(struct parser *ps, const char *name, const char *v, size_t n)
{
	enum sf_err e = sf_query_normalize_value(ps->a, v, n, &ps->scratch);
	if (e != SF_OK) {
		sf_errf(ps->err, "query: cannot normalize the value of %s: %s", name, sf_err_str(e));
		return e;
	}
	if (ps->scratch.len) sf_query_add_filter(ps->q, name, ps->scratch.ptr);
	return SF_OK;
}

/* ---- synonyms ---- */

static void expand_synonyms(struct parser *ps)
{
	if (!ps->syn) return;
	struct sf_str *ts = NULL;
	size_t cap = 0;
	for (size_t r = 0; r < ps->nruns; r++) {
		const struct run *run = &ps->runs[r];
		SF_GROW(ts, cap, run->n);
		for (size_t i = 0; i < run->n; i++) {
			const struct ptok *t = &ps->rt[run->first + i];
			ts[i] = (struct sf_str){ t->term, t->len };
		}
		size_t i = 0;
		while (i < run->n) {
			const struct sf_syn_alt *alts;
			size_t nalts;
			size_t m = sf_synonyms_match(ps->syn, ts + i, run->n - i, &alts, &nalts);
			if (m == 0) {
				i++;
				continue;
			}
			for (size_t k = 0; k < nalts; k++) {
				float w = SF_QUERY_SYN_WEIGHT / (float)alts[k].nterms;
				for (size_t j = 0; j < alts[k].nterms; j++) {
					const struct sf_str *s = &alts[k].terms[j];
					if (s->len == 0 || s->len > SF_TERM_MAX) continue;
					if (ps->q->nterms >= SYN_TERMS_CAP) goto done;
					add_term(ps->q, s->ptr, s->len, run->fields, SF_SHOULD, w);
					add_highlight(ps->q, s->ptr, s->len);
				}
			}
			i += m;
		}
	}
done:
	free(ts);
}

/* ---- the syntax ---- */

enum sf_err sf_query_parse(const char *text, size_t len, struct sf_analyzer *a,
			   const struct sf_synonyms *syn, struct sf_query **out, struct sf_buf *err)
{
	enum sf_err rc = SF_OK;
	*out = NULL;
	if (len > SF_QUERY_MAX_BYTES) {
		sf_errf(err, "query: %zu bytes, more than the limit of %d", len, SF_QUERY_MAX_BYTES);
		return SF_ERR_LIMIT;
	}
	if (!sf_utf8_valid(text, len)) {
		sf_errf(err, "query: not valid UTF-8");
		return SF_ERR_INVALID;
	}
	struct parser ps = { .a = a, .syn = syn, .err = err };
	sf_buf_init(&ps.scratch, 0);
	ps.q = sf_query_new();

	size_t i = 0;
	while (i < len) {
		size_t s = space_len(text + i, len - i);
		if (s) {
			i += s;
			continue;
		}
		enum sf_occur occur = SF_SHOULD;
		bool signed_ = false;
		if (text[i] == '+' || text[i] == '-') {
			if (i + 1 == len || space_len(text + i + 1, len - i - 1)) {
				i++; /* a lone sign */
				continue;
			}
			occur = text[i] == '+' ? SF_MUST : SF_MUST_NOT;
			signed_ = true;
			i++;
		}

		/* name: only a known name with something after the colon makes a field or filter */
		int known = -1;
		size_t j = i;
		while (j < len && j - i < 16 &&
		       ((text[j] >= 'a' && text[j] <= 'z') || (text[j] >= 'A' && text[j] <= 'Z')))
			j++;
		if (j > i && j + 1 < len && text[j] == ':' && !space_len(text + j + 1, len - j - 1)) {
			for (size_t k = 0; k < sizeof(known_names) / sizeof(known_names[0]); k++) {
				const char *nm = known_names[k].name;
				if (strlen(nm) != j - i) continue;
				size_t m = 0;
				while (m < j - i && (text[i + m] | 0x20) == nm[m]) m++;
				if (m == j - i) {
					known = (int)k;
					break;
				}
			}
			if (known >= 0) i = j + 1;
		}

		/* the value: a quoted phrase or a bare word */
		const char *v;
		size_t vn;
		bool quoted = false;
		size_t ql = quote_len(text + i, len - i);
		if (ql) {
			quoted = true;
			size_t b = i + ql, e = b;
			while (e < len && !quote_len(text + e, len - e)) e += char_len(text + e, len - e);
			v = text + b;
			vn = e - b;
			i = e < len ? e + quote_len(text + e, len - e) : len;
		} else {
			size_t e = i;
			while (e < len && !space_len(text + e, len - e) && !quote_len(text + e, len - e))
				e += char_len(text + e, len - e);
			v = text + i;
			vn = e - i;
			i = e;
		}
		if (vn == 0) continue;

		if (quoted && occur == SF_SHOULD) occur = SF_MUST; /* "a phrase" is required */
		uint8_t fields = SF_FIELDS_ALL;
		if (known >= 0 && known_names[known].kind == CL_FILTER) {
			run_close(&ps);
			if (occur == SF_MUST_NOT) {
				sf_errf(err, "query: a filter cannot be negated (-%s:...)",
					known_names[known].name);
				rc = SF_ERR_INVALID;
				goto fail;
			}
			rc = clause_filter(&ps, known_names[known].name, v, vn);
		} else {
			if (known >= 0) fields = known_names[known].fields;
			if (!signed_ && !quoted)
				rc = clause_free(&ps, v, vn, fields);
			else
				rc = clause_constrain(&ps, v, vn, fields, occur, quoted);
		}
		if (rc != SF_OK) goto fail;
	}
	run_close(&ps);
	expand_synonyms(&ps);
	*out = ps.q;
	ps.q = NULL;
fail:
	sf_query_free(ps.q);
	free(ps.tok);
	free(ps.rt);
	free(ps.runs);
	sf_buf_release(&ps.scratch);
	return rc;
}
