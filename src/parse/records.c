/*
 * parse/records.c: JSON, JSONL, XML and CSV exports, record by record.
 *
 * A record (a JSON object, an XML element, a CSV row) becomes a document through the mapping:
 * its title, text, id, url and date fields by name (the defaults cover the usual names:
 * title/subject/name/question, text/body/content/answer/description/message, id, url/link,
 * date/created/updated). A record without a text field gives its other fields as "name: value"
 * lines, so nothing it says is lost. One bad JSONL line or record is a warning, not a failure.
 *
 * CSV without a mapping is a table: one document whose rows are records ("name: value; ..."
 * under the header), chunked in groups of rows. With a mapping (a text column named), each row
 * is its own document.
 *
 * XML is read without entity substitution and without the network, and its text is gathered
 * without expanding entity references, so billion-laughs files stay small.
 */
#include <csv.h>
#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/mem.h"
#include "parse/parse_int.h"
#include "base/banned.h"

static const char *const def_title[] = { "title", "subject", "name", "question", "summary", "header", NULL };
static const char *const def_text[] = { "text", "body", "content", "answer", "description", "message",
					 "solution", "comment", NULL };
static const char *const def_id[] = { "id", "_id", "key", "number", "uid", NULL };
static const char *const def_url[] = { "url", "link", "href", "uri", NULL };
static const char *const def_date[] = { "date", "updated", "modified", "created", "updated_at",
					 "created_at", "timestamp", "time", NULL };

/* Which part of a document the field called name fills (-1: none). */
static const char *const def_lang[] = { "lang", "language", NULL };
static const char *const def_acl[] = { "acl", "access", "groups", "access_groups", NULL };
static const char *const def_category[] = { "category", NULL };
static const char *const def_kind[] = { "kind", NULL };

/* P_LANG and after are a document's attributes (sufler's import format names them): stored as
 * fields, never as text, whatever the mapping. */
enum part { P_TITLE, P_TEXT, P_ID, P_URL, P_DATE, P_LANG, P_ACL, P_CATEGORY, P_KIND, P_NONE };

static bool in_list(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (!strcasecmp(name, *list)) return true;
	return false;
}

static enum part part_of(const struct sf_parse_mapping *m, const char *name)
{
	if (in_list(name, def_lang)) return P_LANG;
	if (in_list(name, def_acl)) return P_ACL;
	if (in_list(name, def_category)) return P_CATEGORY;
	if (in_list(name, def_kind)) return P_KIND;
	if (m->title || m->text || m->id || m->url || m->date) {
		if (m->title && !strcmp(name, m->title)) return P_TITLE;
		if (m->text && !strcmp(name, m->text)) return P_TEXT;
		if (m->id && !strcmp(name, m->id)) return P_ID;
		if (m->url && !strcmp(name, m->url)) return P_URL;
		if (m->date && !strcmp(name, m->date)) return P_DATE;
		if (m->text) return P_NONE; /* an explicit mapping: other fields are extra */
	}
	if (in_list(name, def_title)) return P_TITLE;
	if (in_list(name, def_text)) return P_TEXT;
	if (in_list(name, def_id)) return P_ID;
	if (in_list(name, def_url)) return P_URL;
	if (in_list(name, def_date)) return P_DATE;
	return P_NONE;
}

/* One record being built: fields by part, and the unmapped ones as "name: value" lines. */
struct rec {
	struct sf_buf part[P_NONE];
	struct sf_buf extra;
	bool has[P_NONE];
};

static void rec_init(struct rec *r, size_t max_text)
{
	for (int i = 0; i < P_NONE; i++) sf_buf_init(&r->part[i], i == P_TEXT ? max_text : 65536);
	sf_buf_init(&r->extra, max_text);
	memset(r->has, 0, sizeof r->has);
}

static void rec_reset(struct rec *r)
{
	for (int i = 0; i < P_NONE; i++) sf_buf_reset(&r->part[i]);
	sf_buf_reset(&r->extra);
	memset(r->has, 0, sizeof r->has);
}

static void rec_release(struct rec *r)
{
	for (int i = 0; i < P_NONE; i++) sf_buf_release(&r->part[i]);
	sf_buf_release(&r->extra);
}

static enum sf_err rec_field(struct rec *r, const struct sf_parse_mapping *m, const char *name,
			     const char *v, size_t n)
{
	if (!n) return SF_OK;
	enum part p = part_of(m, name);
	if (p != P_NONE && !r->has[p]) {
		r->has[p] = true;
		return sf_buf_add(&r->part[p], v, n);
	}
	if (p == P_TEXT || p == P_ACL) { /* more text; more access groups (a JSON array) */
		enum sf_err rc = sf_buf_addch(&r->part[p], p == P_ACL ? ',' : '\n');
		return rc ? rc : sf_buf_add(&r->part[p], v, n);
	}
	if (p != P_NONE && p >= P_LANG) return SF_OK; /* an attribute given twice: the first counts */
	enum sf_err rc = sf_buf_addf(&r->extra, "%s: ", name);
	if (!rc) rc = sf_buf_add(&r->extra, v, n);
	if (!rc) rc = sf_buf_addch(&r->extra, '\n');
	return rc;
}

/* The record as a document; false when it has no text at all. */
static bool rec_emit(struct rec *r, const struct sf_parse_opts *o, struct sf_presult *res)
{
	const struct sf_parse_limits *l = &o->limits;
	if (!r->part[P_TEXT].len && !r->extra.len && !r->part[P_TITLE].len) return false;
	struct sf_pdoc *d = sf_presult_add_doc(res, l);
	if (!d) {
		sf_presult_fail(res, SF_ERR_LIMIT, "more than %zu records", l->max_docs);
		return false;
	}
	sf_pdoc_set_title(d, r->part[P_TITLE].ptr, r->part[P_TITLE].len, true);
	enum sf_err rc = SF_OK;
	const char *t = r->part[P_TEXT].ptr;
	size_t tn = r->part[P_TEXT].len;
	/* paragraphs of the text field, then the other fields, one per line */
	size_t i = 0;
	while (i < tn && !rc) {
		const char *nl = memchr(t + i, '\n', tn - i);
		size_t e = nl ? (size_t)(nl - t) : tn;
		rc = sf_pdoc_add(d, l, SF_PB_PARA, 0, 0, 0, t + i, e - i, -1);
		i = e + 1;
	}
	const char *x = r->extra.ptr;
	size_t xn = r->extra.len;
	i = 0;
	while (i < xn && !rc) {
		const char *nl = memchr(x + i, '\n', xn - i);
		size_t e = nl ? (size_t)(nl - x) : xn;
		rc = sf_pdoc_add(d, l, SF_PB_PARA, 0, 0, 0, x + i, e - i, -1);
		i = e + 1;
	}
	if (!d->nblocks && d->title.len && !rc) rc = sf_pdoc_add(d, l, SF_PB_PARA, 0, 0, 0, d->title.ptr, d->title.len, -1);
	for (int f = 0; f < 7 && !rc; f++) {
		static const enum part from[7] = { P_ID, P_URL, P_DATE, P_LANG, P_ACL, P_CATEGORY, P_KIND };
		static const enum sf_pfield to[7] = { SF_PF_ID, SF_PF_URL, SF_PF_DATE, SF_PF_LANG, SF_PF_ACL,
						      SF_PF_CATEGORY, SF_PF_KIND };
		if (r->part[from[f]].len) {
			sf_buf_reset(&d->field[to[f]]);
			if (fold_ws(&d->field[to[f]], r->part[from[f]].ptr, r->part[from[f]].len) != SF_OK)
				sf_buf_reset(&d->field[to[f]]);
		}
	}
	if (rc) sf_presult_fail(res, SF_ERR_LIMIT, "text past the limits");
	return !rc;
}

/* ---- JSON ---- */

static enum sf_err json_flat(struct rec *r, const struct sf_parse_mapping *m, const char *name,
			     json_t *v, unsigned depth);

static enum sf_err json_value(struct rec *r, const struct sf_parse_mapping *m, const char *name,
			      json_t *v, unsigned depth)
{
	char num[64];
	switch (json_typeof(v)) {
	case JSON_STRING:
		return rec_field(r, m, name, json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
		return rec_field(r, m, name, num, strlen(num));
	case JSON_REAL:
		snprintf(num, sizeof num, "%g", json_real_value(v));
		return rec_field(r, m, name, num, strlen(num));
	case JSON_TRUE:
	case JSON_FALSE:
		return rec_field(r, m, name, json_is_true(v) ? "true" : "false", json_is_true(v) ? 4 : 5);
	case JSON_OBJECT:
	case JSON_ARRAY:
		return json_flat(r, m, name, v, depth + 1);
	default:
		return SF_OK;
	}
}

/* Nested objects and arrays: their leaves as fields named by the last key. */
static enum sf_err json_flat(struct rec *r, const struct sf_parse_mapping *m, const char *name,
			     json_t *v, unsigned depth)
{
	if (depth > 32) return SF_OK;
	enum sf_err rc = SF_OK;
	if (json_is_object(v)) {
		const char *k;
		json_t *x;
		json_object_foreach(v, k, x) {
			if ((rc = json_value(r, m, k, x, depth))) break;
		}
	} else if (json_is_array(v)) {
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x) {
			if ((rc = json_value(r, m, name, x, depth))) break;
		}
	}
	return rc;
}

static void json_record(json_t *obj, struct rec *r, const struct sf_parse_opts *o, struct sf_presult *res)
{
	rec_reset(r);
	if (json_flat(r, &o->map, "", obj, 0) != SF_OK) {
		sf_presult_warn(res, "a record past the size limits was skipped");
		return;
	}
	rec_emit(r, o, res);
}

/* The records of a JSON document: the top array, else the array under map.record or the first
 * member that is an array of objects, else the object itself. */
static json_t *json_records(json_t *root, const struct sf_parse_mapping *m)
{
	if (json_is_array(root)) return root;
	if (!json_is_object(root)) return NULL;
	if (m->record) {
		json_t *a = json_object_get(root, m->record);
		if (json_is_array(a)) return a;
	}
	const char *k;
	json_t *x;
	json_object_foreach(root, k, x) {
		if (json_is_array(x) && json_array_size(x) && json_is_object(json_array_get(x, 0))) return x;
	}
	return NULL;
}

void parse_json(const uint8_t *data, size_t len, const struct sf_parse_opts *o, struct sf_presult *r)
{
	json_error_t je;
	snprintf(r->encoding, sizeof r->encoding, "utf-8");
	json_t *root = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		sf_presult_fail(r, SF_ERR_INVALID, "malformed JSON at line %d, column %d: %s", je.line, je.column, je.text);
		return;
	}
	struct rec rc;
	rec_init(&rc, o->limits.max_text);
	json_t *recs = json_records(root, &o->map);
	if (recs) {
		size_t i;
		json_t *x;
		json_array_foreach(recs, i, x) {
			if (r->rc) break;
			if (json_is_object(x)) json_record(x, &rc, o, r);
			else sf_presult_warn(r, "record %zu is not an object: skipped", i + 1);
		}
	} else {
		json_record(root, &rc, o, r);
	}
	rec_release(&rc);
	json_decref(root);
}

void parse_jsonl(const uint8_t *data, size_t len, const struct sf_parse_opts *o, struct sf_presult *r)
{
	struct rec rc;
	rec_init(&rc, o->limits.max_text);
	snprintf(r->encoding, sizeof r->encoding, "utf-8");
	size_t i = 0, lineno = 0, bad = 0;
	while (i < len && !r->rc) {
		const uint8_t *nl = memchr(data + i, '\n', len - i);
		size_t e = nl ? (size_t)(nl - data) : len;
		lineno++;
		size_t s = i;
		while (s < e && (data[s] == ' ' || data[s] == '\t' || data[s] == '\r')) s++;
		if (s < e) {
			json_error_t je;
			json_t *x = json_loadb((const char *)data + s, e - s, JSON_REJECT_DUPLICATES, &je);
			if (!x || !json_is_object(x)) {
				if (bad++ < 20)
					sf_presult_warn(r, "line %zu: %s", lineno, x ? "not a JSON object" : je.text);
			} else {
				json_record(x, &rc, o, r);
			}
			json_decref(x);
		}
		i = e + 1;
	}
	if (bad > 20) sf_presult_warn(r, "%zu malformed lines in all", bad);
	rec_release(&rc);
}

/* ---- XML ---- */

/* Text under n, entity references not expanded, depth-limited. */
static enum sf_err xml_text(const xmlNode *n, struct sf_buf *out, unsigned depth, unsigned max)
{
	if (depth > max) return SF_OK;
	enum sf_err rc = SF_OK;
	for (const xmlNode *c = n->children; c && !rc; c = c->next) {
		if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
			if (c->content) rc = sf_buf_adds(out, (const char *)c->content);
		} else if (c->type == XML_ELEMENT_NODE) {
			if (out->len) rc = sf_buf_addch(out, ' ');
			if (!rc) rc = xml_text(c, out, depth + 1, max);
		}
	}
	return rc;
}

static void xml_record(const xmlNode *e, struct rec *r, const struct sf_parse_opts *o, struct sf_presult *res)
{
	rec_reset(r);
	struct sf_buf v = SF_BUF_INIT;
	enum sf_err rc = SF_OK;
	for (const xmlAttr *a = e->properties; a && !rc; a = a->next) {
		if (!a->children || a->children->type != XML_TEXT_NODE || !a->children->content) continue;
		const char *s = (const char *)a->children->content;
		rc = rec_field(r, &o->map, (const char *)a->name, s, strlen(s));
	}
	for (const xmlNode *c = e->children; c && !rc; c = c->next) {
		if (c->type != XML_ELEMENT_NODE) continue;
		sf_buf_reset(&v);
		rc = xml_text(c, &v, 0, o->limits.max_depth);
		if (!rc) rc = rec_field(r, &o->map, (const char *)c->name, v.ptr, v.len);
	}
	/* an element with only text: that text */
	if (!rc && !r->part[P_TEXT].len && !r->extra.len) {
		sf_buf_reset(&v);
		rc = xml_text(e, &v, 0, o->limits.max_depth);
		if (!rc) rc = rec_field(r, &o->map, "text", v.ptr, v.len);
	}
	sf_buf_release(&v);
	if (rc) sf_presult_warn(res, "an XML record past the size limits was skipped");
	else rec_emit(r, o, res);
}

void parse_xml(const uint8_t *data, size_t len, const struct sf_parse_opts *o, struct sf_presult *r)
{
	if (len > (size_t)INT32_MAX) {
		sf_presult_fail(r, SF_ERR_LIMIT, "XML larger than 2 GiB");
		return;
	}
	xmlDocPtr doc = xmlReadMemory((const char *)data, (int)len, NULL, NULL,
				      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_COMPACT);
	if (!doc) {
		const xmlError *e = xmlGetLastError();
		size_t n = e && e->message ? strcspn(e->message, "\n") : 0;
		sf_presult_fail(r, SF_ERR_INVALID, "malformed XML%s%.*s", n ? ": " : "", (int)n, n ? e->message : "");
		return;
	}
	snprintf(r->encoding, sizeof r->encoding, "%s", doc->encoding ? (const char *)doc->encoding : "utf-8");
	const xmlNode *root = xmlDocGetRootElement(doc);
	struct rec rc;
	rec_init(&rc, o->limits.max_text);
	if (root) {
		/* records: elements named map.record anywhere near the top, else the root's element
		 * children when there are several of one name, else the root */
		size_t nrec = 0;
		const char *name = o->map.record;
		if (!name) {
			const xmlNode *first = NULL;
			size_t same = 0;
			for (const xmlNode *c = root->children; c; c = c->next) {
				if (c->type != XML_ELEMENT_NODE) continue;
				if (!first) first = c;
				if (!strcmp((const char *)c->name, (const char *)first->name)) same++;
			}
			if (first && same >= 2) name = (const char *)first->name;
		}
		if (name) {
			for (const xmlNode *c = root->children; c && !r->rc; c = c->next)
				if (c->type == XML_ELEMENT_NODE && !strcmp((const char *)c->name, name)) {
					xml_record(c, &rc, o, r);
					nrec++;
				}
		}
		if (!nrec) xml_record(root, &rc, o, r);
	}
	rec_release(&rc);
	xmlFreeDoc(doc);
}

/* ---- CSV ---- */

struct csvs {
	const struct sf_parse_opts *o;
	struct sf_presult *r;
	char **head;
	size_t nhead, caphead;
	struct sf_buf *cells;
	size_t ncells, capcells;
	size_t row;
	bool per_row;             /* a mapping names the text column: a document per row */
	struct sf_pdoc *d;        /* the table document otherwise */
	struct rec rec;
	struct sf_buf line;
	bool failed;
};

static void csv_cell(void *s, size_t n, void *ud)
{
	struct csvs *c = ud;
	if (c->failed) return;
	SF_GROW(c->cells, c->capcells, c->ncells + 1);
	struct sf_buf *b = &c->cells[c->ncells++];
	sf_buf_init(b, 1u << 20);
	if (sf_buf_add(b, s, n) != SF_OK) c->failed = true;
}

static void csv_row(int term, void *ud)
{
	(void)term;
	struct csvs *c = ud;
	const struct sf_parse_limits *l = &c->o->limits;
	if (c->failed || c->r->rc) goto out;
	if (c->row++ == 0) {
		/* the header row */
		for (size_t i = 0; i < c->ncells; i++) {
			SF_GROW(c->head, c->caphead, c->nhead + 1);
			struct sf_buf t = SF_BUF_INIT;
			if (fold_ws(&t, c->cells[i].ptr, c->cells[i].len) != SF_OK) sf_buf_reset(&t);
			c->head[c->nhead++] = sf_buf_detach(&t, NULL);
		}
		if (!c->per_row && c->d) {
			sf_buf_reset(&c->line);
			for (size_t i = 0; i < c->nhead; i++)
				if ((i && sf_buf_add(&c->line, " | ", 3)) || sf_buf_adds(&c->line, c->head[i])) break;
			if (sf_pdoc_add(c->d, l, SF_PB_THEAD, 0, 0, 1, c->line.ptr, c->line.len, -1))
				sf_presult_fail(c->r, SF_ERR_LIMIT, "text past the limits");
		}
		goto out;
	}
	if (c->per_row) {
		rec_reset(&c->rec);
		for (size_t i = 0; i < c->ncells; i++) {
			const char *name = i < c->nhead && c->head[i][0] ? c->head[i] : "column";
			if (rec_field(&c->rec, &c->o->map, name, c->cells[i].ptr, c->cells[i].len)) break;
		}
		rec_emit(&c->rec, c->o, c->r);
		goto out;
	}
	/* a record line: "name: value; name: value" */
	sf_buf_reset(&c->line);
	enum sf_err rc = SF_OK;
	for (size_t i = 0; i < c->ncells && !rc; i++) {
		struct sf_buf v = SF_BUF_INIT;
		rc = fold_ws(&v, c->cells[i].ptr, c->cells[i].len);
		if (!rc && v.len) {
			if (c->line.len) rc = sf_buf_add(&c->line, "; ", 2);
			if (!rc && i < c->nhead && c->head[i][0]) rc = sf_buf_addf(&c->line, "%s: ", c->head[i]);
			if (!rc) rc = sf_buf_add(&c->line, v.ptr, v.len);
		}
		sf_buf_release(&v);
	}
	if (!rc && c->line.len) rc = sf_pdoc_add(c->d, l, SF_PB_ROW, 0, 0, 1, c->line.ptr, c->line.len, -1);
	if (rc) sf_presult_fail(c->r, SF_ERR_LIMIT, "text past the limits");
out:
	for (size_t i = 0; i < c->ncells; i++) sf_buf_release(&c->cells[i]);
	c->ncells = 0;
}

static unsigned char guess_delim(const char *t, size_t n)
{
	const char *nl = memchr(t, '\n', n);
	size_t k = nl ? (size_t)(nl - t) : n;
	size_t comma = 0, semi = 0, tab = 0;
	bool q = false;
	for (size_t i = 0; i < k; i++) {
		if (t[i] == '"') q = !q;
		if (q) continue;
		comma += t[i] == ',';
		semi += t[i] == ';';
		tab += t[i] == '\t';
	}
	if (tab > comma && tab > semi) return '\t';
	if (semi > comma) return ';';
	return ',';
}

void parse_csv(const uint8_t *data, size_t len, const struct sf_parse_opts *o, struct sf_presult *r)
{
	struct sf_buf t;
	sf_buf_init(&t, o->limits.max_text);
	if (text_to_utf8(data, len, &t, r->encoding, r) != SF_OK) {
		sf_buf_release(&t);
		return;
	}
	struct csvs c = { .o = o, .r = r, .per_row = o->map.text != NULL, .line = SF_BUF_INIT };
	rec_init(&c.rec, o->limits.max_text);
	if (!c.per_row) {
		c.d = sf_presult_add_doc(r, &o->limits);
		if (c.d && o->name) {
			const char *b = strrchr(o->name, '/');
			b = b ? b + 1 : o->name;
			sf_pdoc_set_title(c.d, b, strlen(b), true);
		}
	}
	struct csv_parser p;
	if (csv_init(&p, CSV_APPEND_NULL) != 0) {
		sf_presult_fail(r, SF_ERR_NOMEM, "CSV parser");
		goto out;
	}
	csv_set_delim(&p, guess_delim(t.ptr, t.len));
	csv_set_blk_size(&p, 1u << 16); /* libcsv grows a field's buffer by this: small steps are quadratic */
	if (csv_parse(&p, t.ptr, t.len, csv_cell, csv_row, &c) != t.len)
		sf_presult_fail(r, SF_ERR_INVALID, "malformed CSV: %s", csv_strerror(csv_error(&p)));
	else
		csv_fini(&p, csv_cell, csv_row, &c);
	csv_free(&p);
	if (c.failed) sf_presult_fail(r, SF_ERR_LIMIT, "a CSV cell larger than 1 MiB");
out:
	for (size_t i = 0; i < c.ncells; i++) sf_buf_release(&c.cells[i]);
	free(c.cells);
	for (size_t i = 0; i < c.nhead; i++) free(c.head[i]);
	free(c.head);
	rec_release(&c.rec);
	sf_buf_release(&c.line);
	sf_buf_release(&t);
}
