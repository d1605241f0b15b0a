/*
 * fuzz/fuzz_query.c: libFuzzer target for the query language (sf_query_parse) with a small
 * synonym dictionary, and for the snippet maker fed with the parsed query's highlight terms.
 *
 * Invariants, checked with abort(): a parse either succeeds or fails with SF_ERR_LIMIT or
 * SF_ERR_INVALID and no query; a parsed query holds only non-empty terms of at most
 * SF_TERM_MAX bytes of valid UTF-8 with sane fields, occur and weights; every phrase has
 * rel_pos starting at 0 and increasing; filters and highlight terms are valid and the highlight
 * list has no duplicates; sf_query_describe succeeds with valid UTF-8; the snippet of the
 * input for the query is valid UTF-8 with balanced markers.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/str.h"
#include "index/query.h"
#include "text/analyze.h"
#include "text/snippet.h"
#include "text/synonyms.h"
#include "text/utf8.h"

#include "base/banned.h"

static struct sf_analyzer *an;
static struct sf_synonyms *syn;

static const char dict[] = "зп, зарплата, заработная плата\n"
			   "впн, vpn, виртуальная частная сеть\n"
			   "учетка, учетная запись, аккаунт\n"
			   "1с, 1c, один эс\n"
			   "почта, email, e-mail\n"
			   "ошибка, error\n";

static void check(int ok)
{
	if (!ok) abort();
}

static void check_term(const char *t, size_t len)
{
	check(t != NULL);
	check(len >= 1 && len <= SF_TERM_MAX);
	check(strlen(t) == len);
	check(sf_utf8_valid(t, len));
}

static void check_query(const struct sf_query *q)
{
	check(q->nterms <= 5 * SF_QUERY_MAX_TERMS);
	for (size_t i = 0; i < q->nterms; i++) {
		const struct sf_qterm *t = &q->terms[i];
		check_term(t->term, t->len);
		check(t->fields != 0 && (t->fields & ~SF_FIELDS_ALL) == 0);
		check(t->occur <= SF_MUST_NOT);
		check(t->weight > 0.0f && t->weight <= 1.0f);
	}
	for (size_t i = 0; i < q->nphrases; i++) {
		const struct sf_qphrase *p = &q->phrases[i];
		check(p->nterms >= 1);
		check(p->rel_pos[0] == 0);
		check(p->occur == SF_MUST || p->occur == SF_MUST_NOT);
		check(p->fields != 0 && (p->fields & ~SF_FIELDS_ALL) == 0);
		for (size_t k = 0; k < p->nterms; k++) {
			check_term(p->terms[k], p->lens[k]);
			if (k) check(p->rel_pos[k] > p->rel_pos[k - 1]);
		}
	}
	for (size_t i = 0; i < q->nfilters; i++) {
		const struct sf_qfilter *f = &q->filters[i];
		check(f->name && f->nvalues >= 1);
		for (size_t k = 0; k < f->nvalues; k++) {
			size_t n = strlen(f->values[k]);
			check(n > 0 && sf_utf8_valid(f->values[k], n));
		}
	}
	for (size_t i = 0; i < q->nhighlight; i++) {
		check(q->highlight[i].len >= 1 && q->highlight[i].len <= SF_TERM_MAX);
		check(sf_utf8_valid(q->highlight[i].ptr, q->highlight[i].len));
		for (size_t k = 0; k < i; k++) check(!sf_str_eq(q->highlight[i], q->highlight[k]));
	}
}

static size_t count(const char *hay, size_t n, char c)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) k += hay[i] == c;
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!an) {
		struct sf_buf err = SF_BUF_INIT;
		if (sf_analyzer_new(NULL, &an, &err) != SF_OK) abort();
		if (sf_synonyms_parse(an, dict, sizeof(dict) - 1, &syn, NULL, &err) != SF_OK) abort();
		sf_buf_release(&err);
	}
	const char *text = (const char *)data;
	struct sf_query *q = NULL;
	struct sf_buf err = SF_BUF_INIT;
	enum sf_err e = sf_query_parse(text, size, an, syn, &q, &err);
	if (e != SF_OK) {
		check(e == SF_ERR_LIMIT || e == SF_ERR_INVALID);
		check(q == NULL);
		check(err.len > 0);
		if (size > SF_QUERY_MAX_BYTES) check(e == SF_ERR_LIMIT);
		else if (!sf_utf8_valid(text, size)) check(e == SF_ERR_INVALID);
		sf_buf_release(&err);
		return 0;
	}
	check(q != NULL);
	check(sf_utf8_valid(text, size));
	check_query(q);

	struct sf_buf out = SF_BUF_INIT;
	check(sf_query_describe(q, &out) == SF_OK);
	check(sf_utf8_valid(out.ptr, out.len));

	/* the input as a document, the query's highlight terms as the terms to mark */
	sf_buf_reset(&out);
	struct sf_snippet_opts o = { .max_bytes = size ? 1 + data[0] % 200 : 0, .open = "[", .close = "]" };
	bool brackets = count(text, size, '[') + count(text, size, ']') > 0;
	check(sf_snippet_make(an, text, size, q->highlight, q->nhighlight, &o, &out) == SF_OK);
	check(sf_utf8_valid(out.ptr, out.len));
	/* every mark is closed (checked when the text has no brackets of its own) */
	if (!brackets) check(count(out.ptr, out.len, '[') == count(out.ptr, out.len, ']'));

	sf_buf_release(&out);
	sf_buf_release(&err);
	sf_query_free(q);
	return 0;
}
