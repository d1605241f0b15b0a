/*
 * parse/text.c: plain text and Markdown.
 *
 * Plain text: paragraphs are separated by blank lines; a form feed starts a new page (pdftotext
 * writes one after every page, so the PDF parser reuses this). Markdown: ATX and setext
 * headings, fenced code, list items, pipe tables (the row above a |---| line is the header),
 * paragraphs; inline markup is reduced to its text (links and images to their labels,
 * emphasis and code marks dropped).
 */
#include <stdio.h>
#include <string.h>

#include "base/mem.h"
#include "parse/parse_int.h"
#include "text/utf8.h"
#include "base/banned.h"

struct lines {
	const char *p;
	size_t n, i;
};

/* The next line [*s, *s + *len) without its newline; false at the end. *ff: it began after a
 * form feed (the feed is not part of it). */
static bool next_line(struct lines *L, const char **s, size_t *len, unsigned *ff)
{
	*ff = 0;
	if (L->i >= L->n) return false;
	while (L->i < L->n && L->p[L->i] == '\f') {
		(*ff)++;
		L->i++;
	}
	const char *b = L->p + L->i;
	const char *e = memchr(b, '\n', L->n - L->i);
	size_t k = e ? (size_t)(e - b) : L->n - L->i;
	/* a form feed inside the line ends it; the rest is the next line on the next page */
	const char *f = memchr(b, '\f', k);
	if (f) {
		*s = b;
		*len = (size_t)(f - b);
		L->i += *len;
		return true;
	}
	L->i += k + (e != NULL);
	*s = b;
	*len = k;
	while (*len && b[*len - 1] == '\r') (*len)--;
	return true;
}

static bool blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t') return false;
	return true;
}

struct para {
	struct sf_buf b;
	uint32_t page;
};

static enum sf_err flush(struct sf_pdoc *d, const struct sf_parse_limits *l, struct para *pa,
			 enum sf_pblock_kind kind, unsigned level)
{
	enum sf_err rc = SF_OK;
	if (pa->b.len) rc = sf_pdoc_add(d, l, kind, level, pa->page, 0, pa->b.ptr, pa->b.len, -1);
	sf_buf_reset(&pa->b);
	return rc;
}

/* Does the paragraph end in a word broken by a hyphen that the next line (s, n) completes?
 * ("инструк-" + "ция"): a letter before the hyphen, a lower-case letter after. */
static bool hyphenated(const struct sf_buf *b, const char *s, size_t n)
{
	if (b->len < 2 || b->ptr[b->len - 1] != '-' || !n) return false;
	unsigned char before = (unsigned char)b->ptr[b->len - 2];
	bool letter_before = (before >= 'a' && before <= 'z') || before >= 0x80;
	while (n && (*s == ' ' || *s == '\t')) s++, n--;
	uint32_t c = 0;
	if (!n || !sf_utf8_decode(s, n, &c)) return false;
	bool lower = (c >= 'a' && c <= 'z') || (c >= 0x430 && c <= 0x44f) || c == 0x451;
	return letter_before && lower;
}

/* Plain text into d: paragraphs, pages counted from first_page at form feeds. */
static enum sf_err text_blocks(struct sf_pdoc *d, const struct sf_parse_limits *l, const char *t,
			       size_t n, uint32_t first_page)
{
	struct lines L = { t, n, 0 };
	struct para pa = { SF_BUF_INIT, first_page };
	uint32_t page = first_page;
	const char *s;
	size_t len;
	unsigned ff;
	enum sf_err rc = SF_OK;
	while (!rc && next_line(&L, &s, &len, &ff)) {
		if (ff) {
			rc = flush(d, l, &pa, SF_PB_PARA, 0);
			if (page) page += ff;
		}
		if (blank(s, len)) {
			if (!rc) rc = flush(d, l, &pa, SF_PB_PARA, 0);
			continue;
		}
		if (!pa.b.len) pa.page = page;
		else if (hyphenated(&pa.b, s, len)) sf_buf_setlen(&pa.b, pa.b.len - 1);
		else if (!rc) rc = sf_buf_addch(&pa.b, ' ');
		if (!rc) rc = sf_buf_add(&pa.b, s, len);
	}
	if (!rc) rc = flush(d, l, &pa, SF_PB_PARA, 0);
	if (page > d->pages) d->pages = page;
	sf_buf_release(&pa.b);
	return rc;
}

enum sf_err parse_text_pages(struct sf_pdoc *d, const struct sf_parse_limits *l, const char *t,
			     size_t n, uint32_t first_page)
{
	return text_blocks(d, l, t, n, first_page);
}

void title_from_first_line(struct sf_pdoc *d)
{
	/* a short first paragraph reads as a title */
	if (!d->nblocks || d->title.len) return;
	const struct sf_pblock *b = &d->blocks[0];
	if (b->len <= 160 && !memchr(d->text.ptr + b->off, '.', b->len > 0 ? b->len - 1 : 0))
		sf_pdoc_set_title(d, d->text.ptr + b->off, b->len, false);
}

void parse_text(const uint8_t *data, size_t len, const struct sf_parse_opts *o, struct sf_presult *r)
{
	struct sf_buf t;
	sf_buf_init(&t, o->limits.max_text);
	if (text_to_utf8(data, len, &t, r->encoding, r) == SF_OK) {
		struct sf_pdoc *d = sf_presult_add_doc(r, &o->limits);
		if (!d) sf_presult_fail(r, SF_ERR_LIMIT, "too many documents");
		else if (text_blocks(d, &o->limits, t.ptr, t.len, 0) != SF_OK)
			sf_presult_fail(r, SF_ERR_LIMIT, "text past the limits");
		else
			title_from_first_line(d);
	}
	sf_buf_release(&t);
}

/* ---- Markdown ---- */

/* Inline markup of [s, n) reduced to text, appended to out. */
static enum sf_err md_inline(struct sf_buf *out, const char *s, size_t n)
{
	enum sf_err rc = SF_OK;
	for (size_t i = 0; i < n && !rc;) {
		char c = s[i];
		if (c == '\\' && i + 1 < n) {
			rc = sf_buf_addch(out, s[i + 1]);
			i += 2;
			continue;
		}
		if (c == '!' && i + 1 < n && s[i + 1] == '[') {
			i++; /* an image: its alt text, like a link's label */
			continue;
		}
		if (c == '[') {
			/* [label](target) -> label; [label] alone stays */
			const char *close = memchr(s + i + 1, ']', n - i - 1);
			if (close && (size_t)(close - s) + 1 < n && close[1] == '(') {
				const char *end = memchr(close + 2, ')', (size_t)(s + n - close - 2));
				if (end) {
					rc = md_inline(out, s + i + 1, (size_t)(close - s - i - 1));
					i = (size_t)(end - s) + 1;
					continue;
				}
			}
		}
		if (c == '*' || c == '_' || c == '`' || c == '~') {
			/* emphasis, strong, strike and code marks; a lone '_' inside a word stays */
			bool inword = c == '_' && i > 0 && i + 1 < n && s[i - 1] != ' ' && s[i + 1] != ' ';
			if (!inword) {
				i++;
				continue;
			}
		}
		if (c == '<') {
			/* inline HTML tags and autolinks: <http://x> keeps the address */
			const char *gt = memchr(s + i, '>', n - i);
			if (gt && (size_t)(gt - s - i) < 200) {
				bool autolink = !memcmp(s + i + 1, "http", n - i - 1 < 4 ? n - i - 1 : 4) ||
						memchr(s + i, '@', (size_t)(gt - s - i));
				if (autolink) rc = sf_buf_add(out, s + i + 1, (size_t)(gt - s - i - 1));
				i = (size_t)(gt - s) + 1;
				continue;
			}
		}
		rc = sf_buf_addch(out, c);
		i++;
	}
	return rc;
}

static size_t indent(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t')) i++;
	return i;
}

/* "- ", "* ", "+ ", "1. ", "1) ": the marker's length, else 0. */
static size_t list_marker(const char *s, size_t n)
{
	if (n >= 2 && (s[0] == '-' || s[0] == '*' || s[0] == '+') && (s[1] == ' ' || s[1] == '\t')) return 2;
	size_t i = 0;
	while (i < n && i < 9 && s[i] >= '0' && s[i] <= '9') i++;
	if (i && i + 1 < n && (s[i] == '.' || s[i] == ')') && s[i + 1] == ' ') return i + 2;
	return 0;
}

static bool rule_line(const char *s, size_t n, char ch)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == ch) k++;
		else if (s[i] != ' ') return false;
	}
	return k >= 3;
}

static bool table_sep(const char *s, size_t n)
{
	bool dash = false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '-') dash = true;
		else if (s[i] != '|' && s[i] != ':' && s[i] != ' ') return false;
	}
	return dash && memchr(s, '|', n);
}

/* A pipe-table row's cells joined by " | ". */
static enum sf_err table_row(struct sf_buf *out, const char *s, size_t n)
{
	while (n && (s[n - 1] == ' ' || s[n - 1] == '|')) n--;
	size_t i = 0;
	while (i < n && (s[i] == ' ' || s[i] == '|')) i++;
	enum sf_err rc = SF_OK;
	bool first = true;
	while (i < n && !rc) {
		size_t j = i;
		while (j < n && !(s[j] == '|' && (j == 0 || s[j - 1] != '\\'))) j++;
		if (!first) rc = sf_buf_add(out, " | ", 3);
		if (!rc) rc = md_inline(out, s + i, j - i);
		first = false;
		i = j + 1;
	}
	return rc;
}

void parse_markdown(const uint8_t *data, size_t len, const struct sf_parse_opts *o, struct sf_presult *r)
{
	const struct sf_parse_limits *l = &o->limits;
	struct sf_buf t;
	sf_buf_init(&t, l->max_text);
	struct para pa = { SF_BUF_INIT, 0 };
	struct sf_buf row = SF_BUF_INIT;
	if (text_to_utf8(data, len, &t, r->encoding, r) != SF_OK) goto out;
	struct sf_pdoc *d = sf_presult_add_doc(r, l);
	if (!d) goto out;
	struct lines L = { t.ptr, t.len, 0 };
	const char *s;
	size_t n;
	unsigned ff;
	enum sf_pblock_kind kind = SF_PB_PARA;
	unsigned level = 0, tables = 0, in_table = 0;
	bool fence = false;
	char fch = 0;
	enum sf_err rc = SF_OK;
	/* a table's first row waits for the next line: a |---| line makes it the header */
	const char *pend = NULL;
	size_t pendn = 0;
	while (!rc && next_line(&L, &s, &n, &ff)) {
		size_t in = indent(s, n);
		const char *b = s + in;
		size_t bn = n - in;
		if (fence) {
			if (bn >= 3 && b[0] == fch && b[1] == fch && b[2] == fch) {
				rc = flush(d, l, &pa, SF_PB_CODE, 0);
				fence = false;
				continue;
			}
			if (pa.b.len) rc = sf_buf_addch(&pa.b, '\n');
			if (!rc) rc = sf_buf_add(&pa.b, s, n);
			continue;
		}
		if (pend) {
			bool head = table_sep(b, bn);
			sf_buf_reset(&row);
			rc = table_row(&row, pend, pendn);
			if (!rc) rc = sf_pdoc_add(d, l, head ? SF_PB_THEAD : SF_PB_ROW, 0, 0, in_table, row.ptr, row.len, -1);
			pend = NULL;
			if (head) continue;
		}
		if (bn && b[0] == '|') {
			if (!in_table) {
				rc = flush(d, l, &pa, kind, level);
				in_table = ++tables;
				pend = b;
				pendn = bn;
				continue;
			}
			if (table_sep(b, bn)) continue;
			sf_buf_reset(&row);
			rc = table_row(&row, b, bn);
			if (!rc) rc = sf_pdoc_add(d, l, SF_PB_ROW, 0, 0, in_table, row.ptr, row.len, -1);
			continue;
		}
		in_table = 0;
		if (blank(s, n)) {
			rc = flush(d, l, &pa, kind, level);
			kind = SF_PB_PARA;
			continue;
		}
		if (bn >= 3 && (b[0] == '`' || b[0] == '~') && b[1] == b[0] && b[2] == b[0]) {
			rc = flush(d, l, &pa, kind, level);
			fence = true;
			fch = b[0];
			kind = SF_PB_PARA;
			continue;
		}
		if (b[0] == '#') {
			size_t h = 0;
			while (h < bn && b[h] == '#') h++;
			if (h <= 6 && (h == bn || b[h] == ' ')) {
				rc = flush(d, l, &pa, kind, level);
				size_t e = bn;
				while (e > h && (b[e - 1] == '#' || b[e - 1] == ' ')) e--;
				if (!rc) rc = md_inline(&pa.b, b + h, e > h ? e - h : 0);
				if (!rc && !d->title.len && h == 1) sf_pdoc_set_title(d, pa.b.ptr, pa.b.len, false);
				if (!rc) rc = flush(d, l, &pa, SF_PB_HEADING, (unsigned)h);
				kind = SF_PB_PARA;
				continue;
			}
		}
		if (pa.b.len && kind == SF_PB_PARA && (rule_line(b, bn, '=') || rule_line(b, bn, '-'))) {
			/* setext heading: the paragraph above is the heading */
			unsigned hl = b[0] == '=' ? 1 : 2;
			if (!d->title.len && hl == 1) sf_pdoc_set_title(d, pa.b.ptr, pa.b.len, false);
			rc = flush(d, l, &pa, SF_PB_HEADING, hl);
			continue;
		}
		if (rule_line(b, bn, '-') || rule_line(b, bn, '*') || rule_line(b, bn, '_')) {
			rc = flush(d, l, &pa, kind, level);
			kind = SF_PB_PARA;
			continue;
		}
		size_t mk = list_marker(b, bn);
		if (mk) {
			rc = flush(d, l, &pa, kind, level);
			kind = SF_PB_ITEM;
			level = 1 + (unsigned)in / 2;
			if (!rc) rc = md_inline(&pa.b, b + mk, bn - mk);
			continue;
		}
		if (in >= 4 && !pa.b.len) {
			/* indented code */
			kind = SF_PB_CODE;
			rc = sf_buf_add(&pa.b, b, bn);
			continue;
		}
		if (bn && b[0] == '>') {
			b++;
			bn--;
		}
		if (pa.b.len) rc = sf_buf_addch(&pa.b, kind == SF_PB_CODE ? '\n' : ' ');
		if (!rc) rc = md_inline(&pa.b, b, bn);
	}
	if (!rc && pend) {
		sf_buf_reset(&row);
		rc = table_row(&row, pend, pendn);
		if (!rc) rc = sf_pdoc_add(d, l, SF_PB_ROW, 0, 0, in_table, row.ptr, row.len, -1);
	}
	if (!rc) rc = flush(d, l, &pa, fence ? SF_PB_CODE : kind, level);
	if (rc) sf_presult_fail(r, SF_ERR_LIMIT, "text past the limits");
	else title_from_first_line(d);
out:
	sf_buf_release(&t);
	sf_buf_release(&pa.b);
	sf_buf_release(&row);
}
