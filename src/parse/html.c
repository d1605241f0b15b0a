/*
 * parse/html.c: HTML and XHTML through libxml2's HTML parser (which recovers from the tag soup
 * real pages are made of).
 *
 * The tree is walked once. Block elements (p, div, section, li, dt, dd, blockquote, ...) end
 * the paragraph being gathered; inline ones (a, span, b, code, ...) add to it. h1–h6 become
 * headings, li list items (nested lists deepen the level), pre keeps its lines, a table gives
 * its rows (a row of th cells, or the rows in thead, is the header). What is not content is
 * dropped with its subtree: script, style, forms, and navigation: nav, aside and footer
 * elements, role="navigation", and elements whose class or id names navigation (nav*,
 * breadcrumb, sidebar, toc), as help systems (DocBook, LibreOffice help) mark their page
 * headers and menus. The title is <title>, else the first h1.
 *
 * Without a <meta charset>, the encoding sufler detects is passed to libxml2. Nesting deeper
 * than limits.max_depth is not walked (a warning says so).
 */
#include <ctype.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "parse/encoding.h"
#include "parse/parse_int.h"
#include "base/banned.h"

struct hw {
	struct sf_pdoc *d;
	const struct sf_parse_limits *l;
	struct sf_presult *r;
	struct sf_buf para;       /* the paragraph being gathered */
	enum sf_pblock_kind kind; /* PARA or ITEM */
	unsigned list_depth;
	unsigned tables;
	bool deep_warned;
	bool in_pre;
	unsigned nlinks;
	enum sf_err rc;
	struct sf_buf title_h1;
};

static bool name_is(const xmlNode *n, const char *s)
{
	return n->name && !strcasecmp((const char *)n->name, s);
}

static bool any_name(const xmlNode *n, const char *const *list)
{
	for (; *list; list++)
		if (name_is(n, *list)) return true;
	return false;
}

/* Does attribute attr (a class list, an id) name navigation? */
static bool navish(const xmlChar *v)
{
	if (!v) return false;
	const char *s = (const char *)v;
	while (*s) {
		while (*s == ' ' || *s == '\t') s++;
		const char *e = s;
		while (*e && *e != ' ' && *e != '\t') e++;
		size_t n = (size_t)(e - s);
		char tok[64];
		if (n && n < sizeof tok) {
			for (size_t i = 0; i < n; i++) tok[i] = (char)tolower((unsigned char)s[i]);
			tok[n] = 0;
			if (!strncmp(tok, "nav", 3) || strstr(tok, "breadcrumb") || strstr(tok, "sidebar") ||
			    !strcmp(tok, "toc") || !strcmp(tok, "menubar") || strstr(tok, "cookie"))
				return true;
		}
		s = e;
	}
	return false;
}

static bool has_heading(const xmlNode *n, unsigned depth)
{
	static const char *const hs[] = { "h1", "h2", "h3", "h4", "h5", "h6", NULL };
	if (depth > 32) return false;
	for (const xmlNode *c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && (any_name(c, hs) || has_heading(c, depth + 1))) return true;
	return false;
}

static bool skipped(const xmlNode *n)
{
	static const char *const drop[] = { "script", "style", "noscript", "template", "svg", "canvas",
					    "iframe", "object", "embed", "form", "button", "select",
					    "input", "textarea", "nav", "aside", "footer", "head",
					    "map", "audio", "video", NULL };
	if (any_name(n, drop)) return true;
	if (name_is(n, "header") && !has_heading(n, 0)) return true;
	xmlChar *v = xmlGetProp(n, (const xmlChar *)"role");
	bool nav = v && (!strcasecmp((const char *)v, "navigation") || !strcasecmp((const char *)v, "banner") ||
			 !strcasecmp((const char *)v, "contentinfo") || !strcasecmp((const char *)v, "search"));
	xmlFree(v);
	if (nav) return true;
	v = xmlGetProp(n, (const xmlChar *)"class");
	nav = navish(v);
	xmlFree(v);
	if (nav) return true;
	v = xmlGetProp(n, (const xmlChar *)"id");
	nav = navish(v);
	xmlFree(v);
	if (nav) return true;
	v = xmlGetProp(n, (const xmlChar *)"hidden");
	nav = v != NULL;
	xmlFree(v);
	return nav;
}

static bool is_block(const xmlNode *n)
{
	static const char *const blocks[] = { "p", "div", "section", "article", "main", "blockquote",
					      "dd", "dt", "dl", "figure", "figcaption", "caption", "address",
					      "center", "body", "html", "ul", "ol", "li", "hr", "fieldset",
					      "legend", "details", "summary", "header", "tr", "td", "th", NULL };
	return any_name(n, blocks);
}

static void flush_para(struct hw *w)
{
	if (!w->rc && w->para.len) {
		unsigned level = w->kind == SF_PB_ITEM ? w->list_depth : 0;
		w->rc = sf_pdoc_add(w->d, w->l, w->kind, level ? level : (w->kind == SF_PB_ITEM), 0, 0,
				    w->para.ptr, w->para.len, -1);
	}
	sf_buf_reset(&w->para);
	w->kind = SF_PB_PARA;
}

/* All text under n appended to out (spaces between block children), nothing dropped walked. */
static void gather(struct hw *w, const xmlNode *n, struct sf_buf *out, unsigned depth)
{
	if (depth > w->l->max_depth) return;
	for (const xmlNode *c = n->children; c && !w->rc; c = c->next) {
		if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
			if (c->content) w->rc = sf_buf_adds(out, (const char *)c->content);
		} else if (c->type == XML_ELEMENT_NODE && !skipped(c)) {
			bool blk = is_block(c) || name_is(c, "br");
			if (blk && out->len) w->rc = sf_buf_addch(out, ' ');
			if (!w->rc && name_is(c, "img")) {
				xmlChar *alt = xmlGetProp(c, (const xmlChar *)"alt");
				if (alt && *alt) w->rc = sf_buf_adds(out, (const char *)alt);
				xmlFree(alt);
			}
			if (!w->rc) gather(w, c, out, depth + 1);
			if (!w->rc && blk) w->rc = sf_buf_addch(out, ' ');
		}
	}
	if (w->rc == SF_ERR_LIMIT) sf_presult_fail(w->r, SF_ERR_LIMIT, "text past the limits");
}

static void table(struct hw *w, const xmlNode *t, unsigned depth);

/* A link's target into the document's links (one per line, each once, at most MAX_LINKS): for
 * citations and the links between articles. Anchors within the page and scripts are not links. */
#define MAX_LINKS 200
static void link(struct hw *w, const xmlNode *a)
{
	xmlChar *href = xmlGetProp(a, (const xmlChar *)"href");
	const char *h = (const char *)href;
	struct sf_buf *links = &w->d->field[SF_PF_LINKS];
	if (h && *h && h[0] != '#' && strncasecmp(h, "javascript:", 11) && strlen(h) < 1024 && w->nlinks < MAX_LINKS) {
		bool seen = false;
		size_t hn = strlen(h);
		for (const char *l = links->ptr; *l && !seen;) {
			const char *nl = strchr(l, '\n');
			size_t n = nl ? (size_t)(nl - l) : strlen(l);
			seen = n == hn && !memcmp(l, h, n);
			l += n + (nl != NULL);
		}
		size_t at = links->len;
		if (!seen && ((links->len && sf_buf_addch(links, '\n') != SF_OK) || fold_ws(links, h, hn) != SF_OK))
			sf_buf_setlen(links, at);
		else if (!seen)
			w->nlinks++;
	}
	xmlFree(href);
}

static void walk(struct hw *w, const xmlNode *n, unsigned depth)
{
	static const char *const hs[] = { "h1", "h2", "h3", "h4", "h5", "h6", NULL };
	if (depth > w->l->max_depth) {
		if (!w->deep_warned) sf_presult_warn(w->r, "elements nested deeper than %u were skipped", w->l->max_depth);
		w->deep_warned = true;
		return;
	}
	for (const xmlNode *c = n->children; c && !w->rc; c = c->next) {
		if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
			if (c->content) w->rc = sf_buf_adds(&w->para, (const char *)c->content);
			continue;
		}
		if (c->type != XML_ELEMENT_NODE || skipped(c)) continue;
		if (any_name(c, hs)) {
			flush_para(w);
			struct sf_buf h = SF_BUF_INIT;
			gather(w, c, &h, depth + 1);
			unsigned level = (unsigned)(c->name[1] - '0');
			if (!w->rc) w->rc = sf_pdoc_add(w->d, w->l, SF_PB_HEADING, level, 0, 0, h.ptr, h.len, -1);
			if (level == 1 && !w->title_h1.len) w->rc = w->rc ? w->rc : sf_buf_add(&w->title_h1, h.ptr, h.len);
			sf_buf_release(&h);
			continue;
		}
		if (name_is(c, "pre")) {
			flush_para(w);
			struct sf_buf h = SF_BUF_INIT;
			gather(w, c, &h, depth + 1);
			if (!w->rc) w->rc = sf_pdoc_add(w->d, w->l, SF_PB_CODE, 0, 0, 0, h.ptr, h.len, -1);
			sf_buf_release(&h);
			continue;
		}
		if (name_is(c, "table")) {
			flush_para(w);
			table(w, c, depth + 1);
			continue;
		}
		if (name_is(c, "title")) continue;
		if (name_is(c, "br")) {
			if (!w->rc) w->rc = sf_buf_addch(&w->para, ' ');
			continue;
		}
		if (name_is(c, "img")) {
			xmlChar *alt = xmlGetProp(c, (const xmlChar *)"alt");
			if (alt && *alt && !w->rc) {
				w->rc = sf_buf_addch(&w->para, ' ');
				if (!w->rc) w->rc = sf_buf_adds(&w->para, (const char *)alt);
			}
			xmlFree(alt);
			continue;
		}
		if (name_is(c, "ul") || name_is(c, "ol") || name_is(c, "menu")) {
			flush_para(w);
			w->list_depth++;
			walk(w, c, depth + 1);
			flush_para(w);
			w->list_depth--;
			continue;
		}
		if (name_is(c, "li")) {
			flush_para(w);
			w->kind = SF_PB_ITEM;
			walk(w, c, depth + 1);
			flush_para(w);
			continue;
		}
		if (is_block(c)) {
			enum sf_pblock_kind k = w->kind;
			flush_para(w);
			w->kind = k == SF_PB_ITEM ? SF_PB_ITEM : SF_PB_PARA; /* a <p> inside an <li> */
			walk(w, c, depth + 1);
			flush_para(w);
			continue;
		}
		if (name_is(c, "a")) link(w, c);
		/* inline: its text joins the paragraph */
		walk(w, c, depth + 1);
	}
	if (w->rc == SF_ERR_LIMIT) sf_presult_fail(w->r, SF_ERR_LIMIT, "text past the limits");
}

static void row_cells(struct hw *w, const xmlNode *tr, unsigned depth, bool in_head)
{
	struct sf_buf row = SF_BUF_INIT, cell = SF_BUF_INIT;
	bool all_th = true, any = false;
	for (const xmlNode *c = tr->children; c && !w->rc; c = c->next) {
		if (c->type != XML_ELEMENT_NODE || !(name_is(c, "td") || name_is(c, "th"))) continue;
		if (!name_is(c, "th")) all_th = false;
		sf_buf_reset(&cell);
		gather(w, c, &cell, depth + 1);
		if (!w->rc && any) w->rc = sf_buf_add(&row, " | ", 3);
		if (!w->rc) w->rc = fold_ws(&row, cell.ptr, cell.len);
		any = true;
	}
	/* a row of empty cells says nothing */
	bool empty = true;
	for (size_t i = 0; i < row.len; i++)
		if (row.ptr[i] != ' ' && row.ptr[i] != '|') empty = false;
	if (!w->rc && any && !empty)
		w->rc = sf_pdoc_add(w->d, w->l, (in_head || all_th) ? SF_PB_THEAD : SF_PB_ROW, 0, 0, w->tables,
				    row.ptr, row.len, -1);
	sf_buf_release(&row);
	sf_buf_release(&cell);
}

static void table(struct hw *w, const xmlNode *t, unsigned depth)
{
	if (depth > w->l->max_depth) return;
	w->tables++;
	for (const xmlNode *c = t->children; c && !w->rc; c = c->next) {
		if (c->type != XML_ELEMENT_NODE) continue;
		if (name_is(c, "tr")) {
			row_cells(w, c, depth, false);
		} else if (name_is(c, "thead") || name_is(c, "tbody") || name_is(c, "tfoot")) {
			for (const xmlNode *r = c->children; r && !w->rc; r = r->next)
				if (r->type == XML_ELEMENT_NODE && name_is(r, "tr")) row_cells(w, r, depth + 1, name_is(c, "thead"));
		} else if (name_is(c, "caption")) {
			struct sf_buf h = SF_BUF_INIT;
			gather(w, c, &h, depth + 1);
			if (!w->rc) w->rc = sf_pdoc_add(w->d, w->l, SF_PB_PARA, 0, 0, 0, h.ptr, h.len, -1);
			sf_buf_release(&h);
		}
	}
}

static const xmlNode *find(const xmlNode *n, const char *name, unsigned depth)
{
	if (depth > 64) return NULL;
	for (const xmlNode *c = n; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE) continue;
		if (name_is(c, name)) return c;
		const xmlNode *f = find(c->children, name, depth + 1);
		if (f) return f;
	}
	return NULL;
}

/* The encoding to tell libxml2 when the page does not say (NULL: let it decide). */
static const char *charset_hint(const uint8_t *data, size_t len, char enc[24])
{
	size_t k = len < 8192 ? len : 8192;
	for (size_t i = 0; i + 8 <= k; i++)
		if (!strncasecmp((const char *)data + i, "charset", 7)) return NULL;
	if (k >= 5 && !memcmp(data, "<?xml", 5)) return NULL; /* XHTML: the XML declaration decides */
	size_t bom;
	const char *e = sf_enc_detect(data, len, &bom);
	if (!e) return NULL;
	snprintf(enc, 24, "%s", e);
	return e;
}

void parse_html(const uint8_t *data, size_t len, const struct sf_parse_opts *o, struct sf_presult *r)
{
	if (len > (size_t)INT32_MAX) {
		sf_presult_fail(r, SF_ERR_LIMIT, "HTML larger than 2 GiB");
		return;
	}
	char enc[24] = "";
	const char *hint = charset_hint(data, len, enc);
	htmlDocPtr doc = htmlReadMemory((const char *)data, (int)len, NULL, hint,
					HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
						HTML_PARSE_NONET | HTML_PARSE_COMPACT);
	if (!doc) {
		sf_presult_fail(r, SF_ERR_INVALID, "not parseable as HTML");
		return;
	}
	if (hint) snprintf(r->encoding, sizeof r->encoding, "%s", enc);
	else if (doc->encoding) snprintf(r->encoding, sizeof r->encoding, "%s", (const char *)doc->encoding);
	else snprintf(r->encoding, sizeof r->encoding, "utf-8");
	struct sf_pdoc *d = sf_presult_add_doc(r, &o->limits);
	if (!d) {
		xmlFreeDoc(doc);
		return;
	}
	struct hw w = { .d = d, .l = &o->limits, .r = r, .para = SF_BUF_INIT, .kind = SF_PB_PARA,
			.title_h1 = SF_BUF_INIT };
	sf_buf_init(&w.para, o->limits.max_text);
	const xmlNode *root = xmlDocGetRootElement(doc);
	if (root) {
		const xmlNode *t = find(root, "title", 0);
		if (t) {
			struct sf_buf h = SF_BUF_INIT;
			gather(&w, t, &h, 0);
			/* "Page – Site" titles: keep them whole; they name the page */
			sf_pdoc_set_title(d, h.ptr, h.len, true);
			sf_buf_release(&h);
		}
		const xmlNode *body = find(root, "body", 0);
		walk(&w, body ? body : root, 0);
		flush_para(&w);
		if (!d->title.len && w.title_h1.len) sf_pdoc_set_title(d, w.title_h1.ptr, w.title_h1.len, true);
	}
	if (w.rc && !r->rc) sf_presult_fail(r, w.rc, "text past the limits");
	sf_buf_release(&w.para);
	sf_buf_release(&w.title_h1);
	xmlFreeDoc(doc);
}
