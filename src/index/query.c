/*
 * index/query.c: building struct sf_query programmatically and describing it as text. (Parsing
 * the query language is in query_parse.c.) Every string is copied in, so the query owns all its
 * memory and sf_query_free releases it.
 */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "index/query.h"
#include "base/banned.h"

struct sf_query *sf_query_new(void)
{
	return sf_xcalloc(1, sizeof(struct sf_query));
}

void sf_query_free(struct sf_query *q)
{
	if (!q) return;
	for (size_t i = 0; i < q->nterms; i++) free(q->terms[i].term);
	free(q->terms);
	for (size_t i = 0; i < q->nphrases; i++) {
		for (size_t j = 0; j < q->phrases[i].nterms; j++) free(q->phrases[i].terms[j]);
		free(q->phrases[i].terms);
		free(q->phrases[i].lens);
		free(q->phrases[i].rel_pos);
	}
	free(q->phrases);
	for (size_t i = 0; i < q->nfilters; i++) {
		free(q->filters[i].name);
		for (size_t j = 0; j < q->filters[i].nvalues; j++) free(q->filters[i].values[j]);
		free(q->filters[i].values);
	}
	free(q->filters);
	for (size_t i = 0; i < q->nhighlight; i++) free((char *)q->highlight[i].ptr);
	free(q->highlight);
	free(q);
}

void sf_query_add_term(struct sf_query *q, const char *term, size_t len, uint8_t fields,
		       enum sf_occur occur, float weight)
{
	q->terms = sf_xreallocarray(q->terms, q->nterms + 1, sizeof *q->terms);
	struct sf_qterm *t = &q->terms[q->nterms++];
	t->term = sf_xstrndup(term, len);
	t->len = (uint32_t)len;
	t->fields = fields ? fields : SF_FIELDS_ALL;
	t->occur = (uint8_t)occur;
	t->weight = weight;
}

void sf_query_add_phrase(struct sf_query *q, const struct sf_str *terms, const uint32_t *rel_pos,
			 size_t nterms, uint8_t fields, enum sf_occur occur)
{
	q->phrases = sf_xreallocarray(q->phrases, q->nphrases + 1, sizeof *q->phrases);
	struct sf_qphrase *p = &q->phrases[q->nphrases++];
	p->nterms = nterms;
	p->terms = sf_xcalloc(nterms ? nterms : 1, sizeof *p->terms);
	p->lens = sf_xcalloc(nterms ? nterms : 1, sizeof *p->lens);
	p->rel_pos = sf_xcalloc(nterms ? nterms : 1, sizeof *p->rel_pos);
	for (size_t i = 0; i < nterms; i++) {
		p->terms[i] = sf_xstrndup(terms[i].ptr, terms[i].len);
		p->lens[i] = (uint32_t)terms[i].len;
		p->rel_pos[i] = rel_pos ? rel_pos[i] : (uint32_t)i;
	}
	p->fields = fields ? fields : SF_FIELDS_ALL;
	p->occur = (uint8_t)(occur == SF_MUST_NOT ? SF_MUST_NOT : SF_MUST);
}

void sf_query_add_filter(struct sf_query *q, const char *name, const char *value)
{
	struct sf_qfilter *f = NULL;
	for (size_t i = 0; i < q->nfilters; i++)
		if (strcmp(q->filters[i].name, name) == 0) f = &q->filters[i];
	if (!f) {
		q->filters = sf_xreallocarray(q->filters, q->nfilters + 1, sizeof *q->filters);
		f = &q->filters[q->nfilters++];
		f->name = sf_xstrdup(name);
		f->values = NULL;
		f->nvalues = 0;
	}
	for (size_t j = 0; j < f->nvalues; j++)
		if (strcmp(f->values[j], value) == 0) return;
	f->values = sf_xreallocarray(f->values, f->nvalues + 1, sizeof *f->values);
	f->values[f->nvalues++] = sf_xstrdup(value);
}

void sf_query_add_highlight(struct sf_query *q, const char *term, size_t len)
{
	for (size_t i = 0; i < q->nhighlight; i++)
		if (q->highlight[i].len == len && memcmp(q->highlight[i].ptr, term, len) == 0) return;
	q->highlight = sf_xreallocarray(q->highlight, q->nhighlight + 1, sizeof *q->highlight);
	q->highlight[q->nhighlight++] = (struct sf_str){ sf_xstrndup(term, len), len };
}

static enum sf_err add_prefix(struct sf_buf *out, uint8_t occur, uint8_t fields)
{
	enum sf_err rc = SF_OK;
	if (out->len) rc = sf_buf_addch(out, ' ');
	if (rc == SF_OK && occur == SF_MUST) rc = sf_buf_addch(out, '+');
	if (rc == SF_OK && occur == SF_MUST_NOT) rc = sf_buf_addch(out, '-');
	if (rc == SF_OK && (fields & SF_FIELDS_ALL) == (1u << SF_FIELD_TITLE)) rc = sf_buf_adds(out, "title:");
	if (rc == SF_OK && (fields & SF_FIELDS_ALL) == (1u << SF_FIELD_BODY)) rc = sf_buf_adds(out, "body:");
	return rc;
}

enum sf_err sf_query_describe(const struct sf_query *q, struct sf_buf *out)
{
	size_t start = out->len;
	enum sf_err rc = SF_OK;
	struct sf_buf tmp = SF_BUF_INIT;
	/* Build in tmp so "out->len" of the caller's text does not add a leading space logic. */
	for (size_t i = 0; i < q->nterms && rc == SF_OK; i++) {
		const struct sf_qterm *t = &q->terms[i];
		rc = add_prefix(&tmp, t->occur, t->fields);
		if (rc == SF_OK) rc = sf_buf_add(&tmp, t->term, t->len);
		if (rc == SF_OK && t->weight != 1.0f) rc = sf_buf_addf(&tmp, "^%g", (double)t->weight);
	}
	for (size_t i = 0; i < q->nphrases && rc == SF_OK; i++) {
		const struct sf_qphrase *p = &q->phrases[i];
		rc = add_prefix(&tmp, p->occur == SF_MUST_NOT ? SF_MUST_NOT : SF_SHOULD, p->fields);
		if (rc == SF_OK) rc = sf_buf_addch(&tmp, '"');
		for (size_t j = 0; j < p->nterms && rc == SF_OK; j++) {
			if (j) rc = sf_buf_addch(&tmp, ' ');
			/* a gap (stop word) shows as "_" per missing position */
			for (uint32_t g = j ? p->rel_pos[j - 1] + 1 : 0; rc == SF_OK && g < p->rel_pos[j]; g++)
				rc = sf_buf_adds(&tmp, "_ ");
			if (rc == SF_OK) rc = sf_buf_add(&tmp, p->terms[j], p->lens[j]);
		}
		if (rc == SF_OK) rc = sf_buf_addch(&tmp, '"');
	}
	for (size_t i = 0; i < q->nfilters && rc == SF_OK; i++) {
		const struct sf_qfilter *f = &q->filters[i];
		if (tmp.len) rc = sf_buf_addch(&tmp, ' ');
		if (rc == SF_OK) rc = sf_buf_addf(&tmp, "%s:", f->name);
		if (rc == SF_OK && f->nvalues != 1) rc = sf_buf_addch(&tmp, '(');
		for (size_t j = 0; j < f->nvalues && rc == SF_OK; j++)
			rc = sf_buf_addf(&tmp, "%s%s", j ? "|" : "", f->values[j]);
		if (rc == SF_OK && f->nvalues != 1) rc = sf_buf_addch(&tmp, ')');
	}
	if (rc == SF_OK) rc = sf_buf_add(out, tmp.ptr, tmp.len);
	if (rc != SF_OK) sf_buf_setlen(out, start);
	sf_buf_release(&tmp);
	return rc;
}
