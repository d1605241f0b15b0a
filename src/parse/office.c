/*
 * parse/office.c: DOCX, ODT, XLSX and ODS: ZIP archives of XML, through libzip and libxml2.
 *
 * Archive members are read with a hard cap (limits.max_unzipped, whatever size the member
 * declares) and refused when their compression ratio passes limits.max_ratio, so a zip bomb
 * costs a bounded read and a clear error. Encrypted members are refused as password-protected.
 * The XML is parsed without network, without entity substitution, with libxml2's default depth
 * and text-node limits.
 *
 * DOCX: headings by paragraph style (the style's name "heading N" or "Title", or its outline
 * level, read from styles.xml, since style ids are localized), list items by numbering, tables
 * row by row (the first row, or rows marked as header, is the header). ODT: text:h with its
 * outline level, text:p, lists, tables. XLSX and ODS: each sheet a section (its name the
 * heading), its first non-empty row the header, each further row a record
 * "header: value; ...". The title comes from the document properties, else the first heading.
 */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zip.h>

#include "base/mem.h"
#include "parse/parse_int.h"
#include "base/banned.h"

#define MAX_SHARED 4000000 /* shared strings of one workbook */
#define MAX_COLS 16384

struct zipin {
	zip_t *za;
	const struct sf_parse_limits *l;
	struct sf_presult *r;
};

static bool zip_open_mem(struct zipin *z, const uint8_t *data, size_t len, const struct sf_parse_limits *l,
			 struct sf_presult *r)
{
	zip_error_t ze;
	zip_error_init(&ze);
	z->l = l;
	z->r = r;
	zip_source_t *src = zip_source_buffer_create(data, len, 0, &ze);
	if (!src) {
		sf_presult_fail(r, SF_ERR_NOMEM, "ZIP source");
		zip_error_fini(&ze);
		return false;
	}
	z->za = zip_open_from_source(src, ZIP_RDONLY, &ze);
	if (!z->za) {
		zip_source_free(src);
		sf_presult_fail(r, SF_ERR_INVALID, "damaged ZIP container: %s", zip_error_strerror(&ze));
		zip_error_fini(&ze);
		return false;
	}
	zip_error_fini(&ze);
	return true;
}

/* Reads member name into out (NUL-terminated). false when missing (*missing set) or refused
 * (r failed). */
static bool zip_member(struct zipin *z, const char *name, struct sf_buf *out, bool *missing)
{
	*missing = false;
	zip_int64_t idx = zip_name_locate(z->za, name, 0);
	if (idx < 0) {
		*missing = true;
		return false;
	}
	zip_stat_t st;
	zip_stat_init(&st);
	if (zip_stat_index(z->za, (zip_uint64_t)idx, 0, &st) != 0) {
		sf_presult_fail(z->r, SF_ERR_INVALID, "%s: unreadable ZIP entry", name);
		return false;
	}
	if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE) {
		sf_presult_fail(z->r, SF_ERR_UNSUPPORTED, "password-protected document (encrypted %s)", name);
		return false;
	}
	if ((st.valid & ZIP_STAT_SIZE) && st.size > z->l->max_unzipped) {
		sf_presult_fail(z->r, SF_ERR_LIMIT, "%s unpacks to %llu bytes, over the %zu-byte limit", name,
				(unsigned long long)st.size, z->l->max_unzipped);
		return false;
	}
	if ((st.valid & ZIP_STAT_SIZE) && (st.valid & ZIP_STAT_COMP_SIZE) && st.size > (1u << 20) &&
	    st.size / (st.comp_size ? st.comp_size : 1) > z->l->max_ratio) {
		sf_presult_fail(z->r, SF_ERR_LIMIT, "%s is compressed %llu:1 (a zip bomb?)", name,
				(unsigned long long)(st.size / (st.comp_size ? st.comp_size : 1)));
		return false;
	}
	zip_file_t *f = zip_fopen_index(z->za, (zip_uint64_t)idx, 0);
	if (!f) {
		zip_error_t *e = zip_get_error(z->za);
		if (zip_error_code_zip(e) == ZIP_ER_NOPASSWD || zip_error_code_zip(e) == ZIP_ER_WRONGPASSWD)
			sf_presult_fail(z->r, SF_ERR_UNSUPPORTED, "password-protected document");
		else
			sf_presult_fail(z->r, SF_ERR_INVALID, "%s: %s", name, zip_strerror(z->za));
		return false;
	}
	sf_buf_reset(out);
	char buf[65536];
	bool ok = true;
	for (;;) {
		zip_int64_t k = zip_fread(f, buf, sizeof buf);
		if (k < 0) {
			sf_presult_fail(z->r, SF_ERR_INVALID, "%s: damaged data (%s)", name, zip_file_strerror(f));
			ok = false;
			break;
		}
		if (k == 0) break;
		if (out->len + (size_t)k > z->l->max_unzipped || sf_buf_add(out, buf, (size_t)k) != SF_OK) {
			sf_presult_fail(z->r, SF_ERR_LIMIT, "%s unpacks past the %zu-byte limit", name, z->l->max_unzipped);
			ok = false;
			break;
		}
	}
	zip_fclose(f);
	return ok;
}

static xmlDocPtr xml_parse(struct zipin *z, const char *name, const struct sf_buf *b)
{
	if (b->len > (size_t)INT32_MAX) {
		sf_presult_fail(z->r, SF_ERR_LIMIT, "%s too large", name);
		return NULL;
	}
	xmlDocPtr doc = xmlReadMemory(b->ptr, (int)b->len, NULL, NULL,
				      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_COMPACT);
	if (!doc) {
		const xmlError *e = xmlGetLastError();
		size_t n = e && e->message ? strcspn(e->message, "\n") : 0;
		sf_presult_fail(z->r, SF_ERR_INVALID, "%s: malformed XML%s%.*s", name, n ? ": " : "", (int)n,
				n ? e->message : "");
	}
	return doc;
}

static bool is(const xmlNode *n, const char *local)
{
	return n->type == XML_ELEMENT_NODE && n->name && !strcmp((const char *)n->name, local);
}

/* Attribute by local name, whatever its namespace; borrowed from the tree. */
static const char *attr(const xmlNode *n, const char *local)
{
	for (const xmlAttr *a = n->properties; a; a = a->next)
		if (!strcmp((const char *)a->name, local) && a->children && a->children->content)
			return (const char *)a->children->content;
	return NULL;
}

static const xmlNode *child(const xmlNode *n, const char *local)
{
	for (const xmlNode *c = n ? n->children : NULL; c; c = c->next)
		if (is(c, local)) return c;
	return NULL;
}

/* Plain text under n: text nodes, with w:tab/text:tab and breaks as spaces, text:s as spaces. */
static enum sf_err text_under(const xmlNode *n, struct sf_buf *out, unsigned depth)
{
	if (depth > 64) return SF_OK;
	enum sf_err rc = SF_OK;
	for (const xmlNode *c = n->children; c && !rc; c = c->next) {
		if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
			if (c->content) rc = sf_buf_adds(out, (const char *)c->content);
		} else if (c->type == XML_ELEMENT_NODE) {
			if (is(c, "tab") || is(c, "br") || is(c, "cr") || is(c, "line-break") || is(c, "s")) {
				rc = sf_buf_addch(out, ' ');
			} else if (is(c, "delText") || is(c, "instrText") || is(c, "annotation") || is(c, "note")) {
				continue; /* deleted text, field codes, comments, footnote bodies */
			} else {
				rc = text_under(c, out, depth + 1);
			}
		}
	}
	return rc;
}

static void doc_title_from_core(struct zipin *z, const char *member, struct sf_pdoc *d)
{
	struct sf_buf b = SF_BUF_INIT;
	bool missing;
	struct sf_presult scratch; /* a broken core.xml is no reason to fail the document */
	sf_presult_init(&scratch);
	struct zipin zz = { z->za, z->l, &scratch };
	if (zip_member(&zz, member, &b, &missing)) {
		xmlDocPtr doc = xml_parse(&zz, member, &b);
		const xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
		for (const xmlNode *c = root ? root->children : NULL; c; c = c->next) {
			const xmlNode *t = is(c, "title") ? c : is(c, "meta") ? child(c, "title") : NULL;
			if (!t) continue;
			struct sf_buf s = SF_BUF_INIT;
			if (text_under(t, &s, 0) == SF_OK) sf_pdoc_set_title(d, s.ptr, s.len, true);
			sf_buf_release(&s);
			break;
		}
		if (doc) xmlFreeDoc(doc);
	}
	sf_presult_release(&scratch);
	sf_buf_release(&b);
}

/* The required part member, parsed; NULL (r failed) when missing or malformed. what names the
 * format for the message. */
static xmlDocPtr main_part(struct zipin *z, const char *member, const char *what, struct sf_buf *b)
{
	bool missing;
	if (!zip_member(z, member, b, &missing)) {
		if (missing) sf_presult_fail(z->r, SF_ERR_INVALID, "%s without %s", what, member);
		return NULL;
	}
	xmlDocPtr doc = xml_parse(z, member, b);
	sf_buf_release(b);
	return doc;
}

/* A spreadsheet without a title of its own is called by its file's name. */
static void title_from_name(struct sf_pdoc *d, const char *name)
{
	if (d->title.len || !name) return;
	const char *base = strrchr(name, '/');
	base = base ? base + 1 : name;
	sf_pdoc_set_title(d, base, strlen(base), true);
}

/* ---- DOCX ---- */

struct style { char *id; unsigned level; /* 1..6 heading, 7 title, 0 none */ };

struct docx {
	struct zipin z;
	struct sf_pdoc *d;
	struct style *st;
	size_t nst, capst;
	unsigned tables;
	enum sf_err rc;
};

static void docx_styles(struct docx *x)
{
	struct sf_buf b = SF_BUF_INIT;
	bool missing;
	struct sf_presult scratch;
	sf_presult_init(&scratch);
	struct zipin zz = { x->z.za, x->z.l, &scratch };
	if (zip_member(&zz, "word/styles.xml", &b, &missing)) {
		xmlDocPtr doc = xml_parse(&zz, "styles.xml", &b);
		const xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
		for (const xmlNode *s = root ? root->children : NULL; s; s = s->next) {
			if (!is(s, "style")) continue;
			const char *id = attr(s, "styleId");
			const xmlNode *nm = child(s, "name");
			const char *name = nm ? attr(nm, "val") : NULL;
			unsigned level = 0;
			if (name && !strncasecmp(name, "heading ", 8) && name[8] >= '1' && name[8] <= '9')
				level = (unsigned)(name[8] - '0');
			else if (name && !strcasecmp(name, "title"))
				level = 7;
			const xmlNode *ppr = child(s, "pPr");
			const xmlNode *ol = child(ppr, "outlineLvl");
			const char *olv = ol ? attr(ol, "val") : NULL;
			if (!level && olv && olv[0] >= '0' && olv[0] <= '8' && !olv[1]) level = (unsigned)(olv[0] - '0') + 1;
			if (!id || !level) continue;
			SF_GROW(x->st, x->capst, x->nst + 1);
			x->st[x->nst].id = sf_xstrdup(id);
			x->st[x->nst].level = level > 6 && level != 7 ? 6 : level;
			x->nst++;
		}
		if (doc) xmlFreeDoc(doc);
	}
	sf_presult_release(&scratch);
	sf_buf_release(&b);
}

static unsigned docx_heading(const struct docx *x, const char *style)
{
	if (!style) return 0;
	for (size_t i = 0; i < x->nst; i++)
		if (!strcmp(x->st[i].id, style)) return x->st[i].level;
	/* documents without styles.xml still use the built-in ids */
	if (!strncasecmp(style, "Heading", 7) && style[7] >= '1' && style[7] <= '6') return (unsigned)(style[7] - '0');
	if (!strcasecmp(style, "Title")) return 7;
	return 0;
}

static void docx_para(struct docx *x, const xmlNode *p, struct sf_buf *t)
{
	sf_buf_reset(t);
	if ((x->rc = text_under(p, t, 0))) return;
	const xmlNode *ppr = child(p, "pPr");
	const xmlNode *ps = child(ppr, "pStyle");
	unsigned h = docx_heading(x, ps ? attr(ps, "val") : NULL);
	const xmlNode *num = child(ppr, "numPr");
	const struct sf_parse_limits *l = x->z.l;
	if (h == 7) {
		sf_pdoc_set_title(x->d, t->ptr, t->len, false);
		x->rc = sf_pdoc_add(x->d, l, SF_PB_HEADING, 1, 0, 0, t->ptr, t->len, -1);
	} else if (h) {
		if (h == 1) sf_pdoc_set_title(x->d, t->ptr, t->len, false);
		x->rc = sf_pdoc_add(x->d, l, SF_PB_HEADING, h, 0, 0, t->ptr, t->len, -1);
	} else if (num) {
		const xmlNode *il = child(num, "ilvl");
		const char *v = il ? attr(il, "val") : NULL;
		unsigned lv = v && v[0] >= '0' && v[0] <= '8' ? (unsigned)(v[0] - '0') + 1 : 1;
		x->rc = sf_pdoc_add(x->d, l, SF_PB_ITEM, lv, 0, 0, t->ptr, t->len, -1);
	} else {
		x->rc = sf_pdoc_add(x->d, l, SF_PB_PARA, 0, 0, 0, t->ptr, t->len, -1);
	}
}

static void docx_table(struct docx *x, const xmlNode *tbl, struct sf_buf *t, unsigned depth)
{
	unsigned id = ++x->tables;
	bool first = true;
	struct sf_buf row = SF_BUF_INIT;
	for (const xmlNode *tr = tbl->children; tr && !x->rc; tr = tr->next) {
		if (!is(tr, "tr")) continue;
		sf_buf_reset(&row);
		const xmlNode *trpr = child(tr, "trPr");
		bool head = first || child(trpr, "tblHeader") != NULL;
		for (const xmlNode *tc = tr->children; tc && !x->rc; tc = tc->next) {
			if (!is(tc, "tc")) continue;
			sf_buf_reset(t);
			if (depth < 8) x->rc = text_under(tc, t, 0);
			if (!x->rc && row.len) x->rc = sf_buf_add(&row, " | ", 3);
			if (!x->rc) x->rc = fold_ws(&row, t->ptr, t->len);
		}
		if (!x->rc) x->rc = sf_pdoc_add(x->d, x->z.l, head ? SF_PB_THEAD : SF_PB_ROW, 0, 0, id, row.ptr, row.len, -1);
		first = false;
	}
	sf_buf_release(&row);
}

static void docx_body(struct docx *x, const xmlNode *n, struct sf_buf *t, unsigned depth)
{
	if (depth > x->z.l->max_depth) return;
	for (const xmlNode *c = n->children; c && !x->rc; c = c->next) {
		if (is(c, "p")) docx_para(x, c, t);
		else if (is(c, "tbl")) docx_table(x, c, t, depth);
		else if (is(c, "sdt") || is(c, "sdtContent") || is(c, "customXml")) docx_body(x, c, t, depth + 1);
	}
}

void parse_docx(const uint8_t *data, size_t len, const struct sf_parse_opts *o, struct sf_presult *r)
{
	struct docx x = { 0 };
	snprintf(r->encoding, sizeof r->encoding, "utf-8");
	if (!zip_open_mem(&x.z, data, len, &o->limits, r)) return;
	struct sf_buf b = SF_BUF_INIT, t = SF_BUF_INIT;
	xmlDocPtr doc = main_part(&x.z, "word/document.xml", "DOCX", &b);
	if (!doc) goto out;
	x.d = sf_presult_add_doc(r, &o->limits);
	if (x.d) {
		docx_styles(&x);
		doc_title_from_core(&x.z, "docProps/core.xml", x.d);
		const xmlNode *body = child(xmlDocGetRootElement(doc), "body");
		if (body) docx_body(&x, body, &t, 0);
		if (x.rc) sf_presult_fail(r, x.rc, "text past the limits");
	}
	xmlFreeDoc(doc);
out:
	for (size_t i = 0; i < x.nst; i++) free(x.st[i].id);
	free(x.st);
	sf_buf_release(&b);
	sf_buf_release(&t);
	zip_discard(x.z.za);
}

/* ---- ODT ---- */

struct odt {
	struct zipin z;
	struct sf_pdoc *d;
	unsigned tables, list;
	enum sf_err rc;
};

static void odt_walk(struct odt *x, const xmlNode *n, struct sf_buf *t, unsigned depth)
{
	const struct sf_parse_limits *l = x->z.l;
	if (depth > l->max_depth) return;
	for (const xmlNode *c = n->children; c && !x->rc; c = c->next) {
		if (is(c, "h")) {
			sf_buf_reset(t);
			x->rc = text_under(c, t, 0);
			const char *lv = attr(c, "outline-level");
			unsigned h = lv && lv[0] >= '1' && lv[0] <= '6' ? (unsigned)(lv[0] - '0') : 1;
			if (!x->rc && h == 1) sf_pdoc_set_title(x->d, t->ptr, t->len, false);
			if (!x->rc) x->rc = sf_pdoc_add(x->d, l, SF_PB_HEADING, h, 0, 0, t->ptr, t->len, -1);
		} else if (is(c, "p")) {
			sf_buf_reset(t);
			x->rc = text_under(c, t, 0);
			if (!x->rc) x->rc = sf_pdoc_add(x->d, l, x->list ? SF_PB_ITEM : SF_PB_PARA, x->list, 0, 0,
							t->ptr, t->len, -1);
		} else if (is(c, "list")) {
			x->list++;
			odt_walk(x, c, t, depth + 1);
			x->list--;
		} else if (is(c, "table")) {
			unsigned id = ++x->tables;
			bool first = true;
			struct sf_buf row = SF_BUF_INIT;
			for (const xmlNode *g = c->children; g && !x->rc; g = g->next) {
				const xmlNode *rows = is(g, "table-header-rows") || is(g, "table-rows") ? g : NULL;
				for (const xmlNode *tr = rows ? rows->children : g; tr && !x->rc; tr = rows ? tr->next : NULL) {
					if (!is(tr, "table-row")) continue;
					sf_buf_reset(&row);
					for (const xmlNode *tc = tr->children; tc && !x->rc; tc = tc->next) {
						if (!is(tc, "table-cell")) continue;
						sf_buf_reset(t);
						x->rc = text_under(tc, t, 0);
						if (!x->rc && row.len) x->rc = sf_buf_add(&row, " | ", 3);
						if (!x->rc) x->rc = fold_ws(&row, t->ptr, t->len);
					}
					bool head = first || (rows && is(rows, "table-header-rows"));
					if (!x->rc) x->rc = sf_pdoc_add(x->d, l, head ? SF_PB_THEAD : SF_PB_ROW, 0, 0, id,
									row.ptr, row.len, -1);
					first = false;
				}
			}
			sf_buf_release(&row);
		} else if (c->type == XML_ELEMENT_NODE) {
			odt_walk(x, c, t, depth + 1); /* sections, list items, frames */
		}
	}
}

void parse_odt(const uint8_t *data, size_t len, const struct sf_parse_opts *o, struct sf_presult *r)
{
	struct odt x = { 0 };
	snprintf(r->encoding, sizeof r->encoding, "utf-8");
	if (!zip_open_mem(&x.z, data, len, &o->limits, r)) return;
	struct sf_buf b = SF_BUF_INIT, t = SF_BUF_INIT;
	xmlDocPtr doc = main_part(&x.z, "content.xml", "ODT", &b);
	if (!doc) goto out;
	x.d = sf_presult_add_doc(r, &o->limits);
	if (x.d) {
		doc_title_from_core(&x.z, "meta.xml", x.d);
		const xmlNode *body = child(xmlDocGetRootElement(doc), "body");
		const xmlNode *text = child(body, "text");
		if (text) odt_walk(&x, text, &t, 0);
		if (x.rc) sf_presult_fail(r, x.rc, "text past the limits");
	}
	xmlFreeDoc(doc);
out:
	sf_buf_release(&b);
	sf_buf_release(&t);
	zip_discard(x.z.za);
}

/* ---- spreadsheets ---- */

struct sheet {
	struct sf_pdoc *d;
	const struct sf_parse_limits *l;
	unsigned id;
	char **head;              /* header cells */
	size_t nhead;
	bool have_head;
	struct sf_buf line;
	enum sf_err rc;
};

/* One row's cells (NULL entries: empty). The first non-empty row is the header. */
static void sheet_row(struct sheet *s, char **cells, size_t n)
{
	size_t last = n;
	while (last > 0 && (!cells[last - 1] || !cells[last - 1][0])) last--;
	if (!last || s->rc) return;
	if (!s->have_head) {
		s->have_head = true;
		s->head = sf_xcalloc(last, sizeof *s->head);
		s->nhead = last;
		sf_buf_reset(&s->line);
		for (size_t i = 0; i < last && !s->rc; i++) {
			s->head[i] = sf_xstrdup(cells[i] ? cells[i] : "");
			if (i) s->rc = sf_buf_add(&s->line, " | ", 3);
			if (!s->rc) s->rc = fold_ws(&s->line, s->head[i], strlen(s->head[i]));
		}
		if (!s->rc) s->rc = sf_pdoc_add(s->d, s->l, SF_PB_THEAD, 0, 0, s->id, s->line.ptr, s->line.len, -1);
		return;
	}
	sf_buf_reset(&s->line);
	for (size_t i = 0; i < last && !s->rc; i++) {
		if (!cells[i] || !cells[i][0]) continue;
		if (s->line.len) s->rc = sf_buf_add(&s->line, "; ", 2);
		if (!s->rc && i < s->nhead && s->head[i][0]) s->rc = sf_buf_addf(&s->line, "%s: ", s->head[i]);
		if (!s->rc) s->rc = fold_ws(&s->line, cells[i], strlen(cells[i]));
	}
	if (!s->rc) s->rc = sf_pdoc_add(s->d, s->l, SF_PB_ROW, 0, 0, s->id, s->line.ptr, s->line.len, -1);
}

static void sheet_begin(struct sheet *s, const char *name)
{
	s->id++;
	for (size_t i = 0; i < s->nhead; i++) free(s->head[i]);
	free(s->head);
	s->head = NULL;
	s->nhead = 0;
	s->have_head = false;
	if (name && *name && !s->rc) s->rc = sf_pdoc_add(s->d, s->l, SF_PB_HEADING, 2, 0, 0, name, strlen(name), -1);
}

static void sheet_release(struct sheet *s)
{
	for (size_t i = 0; i < s->nhead; i++) free(s->head[i]);
	free(s->head);
	sf_buf_release(&s->line);
}

static void cells_free(char **cells, size_t n)
{
	for (size_t i = 0; i < n; i++) free(cells[i]);
}

/* "BC12" -> column 54 (0-based: 'A' = 0); -1 when not a reference. */
static long col_of(const char *ref)
{
	long c = 0;
	int k = 0;
	for (; ref[k] >= 'A' && ref[k] <= 'Z' && k < 4; k++) c = c * 26 + (ref[k] - 'A' + 1);
	return k ? c - 1 : -1;
}

void parse_xlsx(const uint8_t *data, size_t len, const struct sf_parse_opts *o, struct sf_presult *r)
{
	struct zipin z;
	snprintf(r->encoding, sizeof r->encoding, "utf-8");
	if (!zip_open_mem(&z, data, len, &o->limits, r)) return;
	struct sf_buf b = SF_BUF_INIT, t = SF_BUF_INIT;
	char **shared = NULL;
	size_t nshared = 0, capshared = 0;
	xmlDocPtr wb = NULL, rels = NULL;
	struct sheet s = { .l = &o->limits, .line = SF_BUF_INIT };
	bool missing;
	/* shared strings (optional) */
	if (zip_member(&z, "xl/sharedStrings.xml", &b, &missing)) {
		xmlDocPtr ss = xml_parse(&z, "sharedStrings.xml", &b);
		const xmlNode *root = ss ? xmlDocGetRootElement(ss) : NULL;
		for (const xmlNode *si = root ? root->children : NULL; si && !r->rc; si = si->next) {
			if (!is(si, "si")) continue;
			if (nshared >= MAX_SHARED) {
				sf_presult_fail(r, SF_ERR_LIMIT, "more than %d shared strings", MAX_SHARED);
				break;
			}
			sf_buf_reset(&t);
			/* phonetic runs (rPh) are readings, not text */
			for (const xmlNode *c = si->children; c; c = c->next)
				if ((is(c, "t") || is(c, "r")) && text_under(c, &t, 0) != SF_OK) break;
			SF_GROW(shared, capshared, nshared + 1);
			shared[nshared++] = sf_xstrndup(t.ptr, t.len);
		}
		if (ss) xmlFreeDoc(ss);
	}
	if (r->rc) goto out;
	if (!missing && r->rc) goto out;
	if (!zip_member(&z, "xl/workbook.xml", &b, &missing) || !(wb = xml_parse(&z, "workbook.xml", &b))) {
		if (missing) sf_presult_fail(r, SF_ERR_INVALID, "XLSX without xl/workbook.xml");
		goto out;
	}
	if (zip_member(&z, "xl/_rels/workbook.xml.rels", &b, &missing)) rels = xml_parse(&z, "workbook.xml.rels", &b);
	if (r->rc) goto out;
	s.d = sf_presult_add_doc(r, &o->limits);
	if (!s.d) goto out;
	doc_title_from_core(&z, "docProps/core.xml", s.d);
	title_from_name(s.d, o->name);
	const xmlNode *sheets = child(xmlDocGetRootElement(wb), "sheets");
	unsigned nth = 0;
	for (const xmlNode *sh = sheets ? sheets->children : NULL; sh && !r->rc && !s.rc; sh = sh->next) {
		if (!is(sh, "sheet")) continue;
		nth++;
		const char *rid = attr(sh, "id");
		char path[512] = "";
		const xmlNode *rr = rels ? xmlDocGetRootElement(rels) : NULL;
		for (const xmlNode *rel = rr ? rr->children : NULL; rel && rid; rel = rel->next) {
			const char *id = attr(rel, "Id"), *target = attr(rel, "Target");
			if (id && target && !strcmp(id, rid)) {
				snprintf(path, sizeof path, "%s%s", target[0] == '/' ? "" : "xl/", target[0] == '/' ? target + 1 : target);
				break;
			}
		}
		if (!path[0]) snprintf(path, sizeof path, "xl/worksheets/sheet%u.xml", nth);
		if (!zip_member(&z, path, &b, &missing)) {
			if (missing) sf_presult_warn(r, "sheet %s: %s missing", attr(sh, "name") ? attr(sh, "name") : "?", path);
			if (r->rc) break;
			continue;
		}
		xmlDocPtr ws = xml_parse(&z, path, &b);
		if (!ws) break;
		sheet_begin(&s, attr(sh, "name"));
		const xmlNode *sd = child(xmlDocGetRootElement(ws), "sheetData");
		char **cells = NULL;
		size_t cap = 0;
		for (const xmlNode *row = sd ? sd->children : NULL; row && !s.rc; row = row->next) {
			if (!is(row, "row")) continue;
			size_t n = 0;
			for (const xmlNode *c = row->children; c; c = c->next) {
				if (!is(c, "c")) continue;
				const char *ref = attr(c, "r"), *ty = attr(c, "t");
				long col = ref ? col_of(ref) : (long)n;
				if (col < 0 || col >= MAX_COLS) continue;
				sf_buf_reset(&t);
				const xmlNode *v = child(c, "v");
				if (ty && !strcmp(ty, "inlineStr")) {
					const xmlNode *is_ = child(c, "is");
					if (is_ && text_under(is_, &t, 0) != SF_OK) continue;
				} else if (v) {
					if (text_under(v, &t, 0) != SF_OK) continue;
					if (ty && !strcmp(ty, "s")) {
						char *end;
						unsigned long k = strtoul(t.ptr, &end, 10);
						sf_buf_reset(&t);
						if (*end || k >= nshared || sf_buf_adds(&t, shared[k]) != SF_OK) continue;
					} else if (ty && !strcmp(ty, "b")) {
						bool on = t.ptr[0] == '1';
						sf_buf_reset(&t);
						if (sf_buf_adds(&t, on ? "TRUE" : "FALSE") != SF_OK) continue;
					}
				}
				if (!t.len) continue;
				if ((size_t)col >= cap) {
					size_t nc = (size_t)col + 16;
					cells = sf_xreallocarray(cells, nc, sizeof *cells);
					memset(cells + cap, 0, (nc - cap) * sizeof *cells);
					cap = nc;
				}
				free(cells[col]);
				cells[col] = sf_xstrndup(t.ptr, t.len);
				if ((size_t)col + 1 > n) n = (size_t)col + 1;
			}
			sheet_row(&s, cells, n);
			cells_free(cells, n);
			if (cells) memset(cells, 0, n * sizeof *cells);
		}
		free(cells);
		xmlFreeDoc(ws);
	}
	if (s.rc && !r->rc) sf_presult_fail(r, s.rc, "text past the limits");
out:
	sheet_release(&s);
	for (size_t i = 0; i < nshared; i++) free(shared[i]);
	free(shared);
	if (wb) xmlFreeDoc(wb);
	if (rels) xmlFreeDoc(rels);
	sf_buf_release(&b);
	sf_buf_release(&t);
	zip_discard(z.za);
}

void parse_ods(const uint8_t *data, size_t len, const struct sf_parse_opts *o, struct sf_presult *r)
{
	struct zipin z;
	snprintf(r->encoding, sizeof r->encoding, "utf-8");
	if (!zip_open_mem(&z, data, len, &o->limits, r)) return;
	struct sf_buf b = SF_BUF_INIT, t = SF_BUF_INIT;
	struct sheet s = { .l = &o->limits, .line = SF_BUF_INIT };
	xmlDocPtr doc = main_part(&z, "content.xml", "ODS", &b);
	if (!doc) goto out;
	s.d = sf_presult_add_doc(r, &o->limits);
	if (!s.d) goto out;
	doc_title_from_core(&z, "meta.xml", s.d);
	title_from_name(s.d, o->name);
	const xmlNode *body = child(xmlDocGetRootElement(doc), "body");
	const xmlNode *ss = child(body, "spreadsheet");
	for (const xmlNode *tb = ss ? ss->children : NULL; tb && !s.rc; tb = tb->next) {
		if (!is(tb, "table")) continue;
		sheet_begin(&s, attr(tb, "name"));
		char **cells = NULL;
		size_t cap = 0;
		/* rows may sit in header-rows or row-groups */
		const xmlNode *stack[8];
		int sp = 0;
		stack[sp++] = tb;
		while (sp && !s.rc) {
			const xmlNode *g = stack[--sp];
			for (const xmlNode *row = g->children; row && !s.rc; row = row->next) {
				if ((is(row, "table-header-rows") || is(row, "table-row-group") || is(row, "table-rows")) && sp < 8) {
					stack[sp++] = row;
					continue;
				}
				if (!is(row, "table-row")) continue;
				size_t n = 0;
				for (const xmlNode *c = row->children; c; c = c->next) {
					if (!is(c, "table-cell") && !is(c, "covered-table-cell")) continue;
					const char *rep = attr(c, "number-columns-repeated");
					unsigned long times = rep ? strtoul(rep, NULL, 10) : 1;
					sf_buf_reset(&t);
					if (text_under(c, &t, 0) != SF_OK) t.len = 0;
					if (!t.len) {
						/* empty cells: only their count matters */
						n += times > MAX_COLS ? MAX_COLS : times;
						if (n > MAX_COLS) n = MAX_COLS;
						continue;
					}
					if (times > 64) times = 64; /* a value repeated across a whole row says it once */
					for (unsigned long k = 0; k < times && n < MAX_COLS; k++, n++) {
						if (n >= cap) {
							size_t nc = n + 16;
							cells = sf_xreallocarray(cells, nc, sizeof *cells);
							memset(cells + cap, 0, (nc - cap) * sizeof *cells);
							cap = nc;
						}
						cells[n] = sf_xstrndup(t.ptr, t.len);
					}
				}
				if (n > cap) n = cap;
				sheet_row(&s, cells, n);
				cells_free(cells, n);
				if (cells) memset(cells, 0, n * sizeof *cells);
			}
		}
		free(cells);
	}
	if (s.rc && !r->rc) sf_presult_fail(r, s.rc, "text past the limits");
out:
	sheet_release(&s);
	if (doc) xmlFreeDoc(doc);
	sf_buf_release(&b);
	sf_buf_release(&t);
	zip_discard(z.za);
}

void parse_odf(const uint8_t *data, size_t len, const struct sf_parse_opts *o, struct sf_presult *r)
{
	struct zipin z;
	if (!zip_open_mem(&z, data, len, &o->limits, r)) return;
	struct sf_buf b = SF_BUF_INIT;
	bool missing;
	bool ok = zip_member(&z, "mimetype", &b, &missing);
	zip_discard(z.za);
	if (!ok) {
		if (missing) sf_presult_fail(r, SF_ERR_UNSUPPORTED, "OpenDocument without a mimetype member");
	} else if (!strncmp(b.ptr, "application/vnd.oasis.opendocument.text", 39) && (b.len == 39 || b.ptr[39] == '-')) {
		snprintf(r->type, sizeof r->type, "odt");
		parse_odt(data, len, o, r);
	} else if (!strncmp(b.ptr, "application/vnd.oasis.opendocument.spreadsheet", 46)) {
		snprintf(r->type, sizeof r->type, "ods");
		parse_ods(data, len, o, r);
	} else {
		sf_presult_fail(r, SF_ERR_UNSUPPORTED, "OpenDocument of a kind other than text or spreadsheet");
	}
	sf_buf_release(&b);
}
