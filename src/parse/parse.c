/*
 * parse/parse.c: the document model (parse.h) and the dispatch from a detected type to its
 * parser.
 */
#include "parse/parse.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/mem.h"
#include "parse/detect.h"
#include "parse/encoding.h"
#include "parse/parse_int.h"
#include "text/utf8.h"
#include "base/banned.h"

const char *const sf_pfield_names[SF_PF_COUNT] = { "id", "url", "date", "lang", "author", "acl", "category", "kind",
						   "links" };

void sf_parse_limits_default(struct sf_parse_limits *l)
{
	l->max_input = (size_t)256 << 20;
	l->max_text = (size_t)64 << 20;
	l->max_blocks = 1000000;
	l->max_docs = 1000000;
	l->max_unzipped = (size_t)256 << 20;
	l->max_ratio = 100;
	l->max_depth = 256;
	l->max_pages = 5000;
	l->ocr_dpi = 200;
	l->ocr = true;
	l->min_ocr_conf = 40;
}

void sf_parse_opts_default(struct sf_parse_opts *o)
{
	memset(o, 0, sizeof *o);
	sf_parse_limits_default(&o->limits);
}

void sf_presult_init(struct sf_presult *r)
{
	memset(r, 0, sizeof *r);
	snprintf(r->type, sizeof r->type, "unknown");
	sf_buf_init(&r->reason, 4096);
	sf_buf_init(&r->warnings, 65536);
}

static void pdoc_release(struct sf_pdoc *d)
{
	sf_buf_release(&d->title);
	sf_buf_release(&d->text);
	for (int f = 0; f < SF_PF_COUNT; f++) sf_buf_release(&d->field[f]);
	free(d->blocks);
}

void sf_presult_release(struct sf_presult *r)
{
	for (size_t i = 0; i < r->ndocs; i++) pdoc_release(&r->docs[i]);
	free(r->docs);
	sf_buf_release(&r->reason);
	sf_buf_release(&r->warnings);
	memset(r, 0, sizeof *r);
}

struct sf_pdoc *sf_presult_add_doc(struct sf_presult *r, const struct sf_parse_limits *l)
{
	if (r->ndocs >= l->max_docs) return NULL;
	SF_GROW(r->docs, r->capdocs, r->ndocs + 1);
	struct sf_pdoc *d = &r->docs[r->ndocs++];
	memset(d, 0, sizeof *d);
	sf_buf_init(&d->title, 4096);
	sf_buf_init(&d->text, l->max_text);
	for (int f = 0; f < SF_PF_COUNT; f++) sf_buf_init(&d->field[f], 4096);
	d->ocr_conf = -1;
	return d;
}

/* NUL counts as space: no stored text may hold one. */
static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == 0;
}

/* U+00A0 (no-break space) counts as a space too: HTML is full of &nbsp;. */
static size_t nbsp(const char *p, size_t n)
{
	return n >= 2 && (unsigned char)p[0] == 0xc2 && (unsigned char)p[1] == 0xa0 ? 2 : 0;
}

static enum sf_err fold_valid(struct sf_buf *out, const char *p, size_t n);

enum sf_err fold_ws(struct sf_buf *out, const char *p, size_t n)
{
	if (sf_utf8_valid(p, n)) return fold_valid(out, p, n);
	/* a parser's library passed on broken bytes: nothing invalid is ever stored */
	struct sf_buf fixed = SF_BUF_INIT;
	size_t k;
	enum sf_err rc = sf_utf8_repair(p, n, &fixed, &k);
	if (!rc) rc = fold_valid(out, fixed.ptr, fixed.len);
	sf_buf_release(&fixed);
	return rc;
}

static enum sf_err fold_valid(struct sf_buf *out, const char *p, size_t n)
{
	bool pending = false, any = false;
	size_t i = 0;
	while (i < n) {
		size_t k = is_space((unsigned char)p[i]) ? 1 : nbsp(p + i, n - i);
		if (k) {
			i += k;
			pending = any;
			continue;
		}
		size_t j = i;
		while (j < n && !is_space((unsigned char)p[j]) && !nbsp(p + j, n - j)) j++;
		if (pending && sf_buf_addch(out, ' ') != SF_OK) return SF_ERR_LIMIT;
		if (sf_buf_add(out, p + i, j - i) != SF_OK) return SF_ERR_LIMIT;
		pending = false;
		any = true;
		i = j;
	}
	return SF_OK;
}

enum sf_err sf_pdoc_add(struct sf_pdoc *d, const struct sf_parse_limits *l, enum sf_pblock_kind kind,
			unsigned level, uint32_t page, uint32_t table, const char *p, size_t n, float conf)
{
	if (d->nblocks >= l->max_blocks) return SF_ERR_LIMIT;
	size_t start = d->text.len;
	enum sf_err rc = SF_OK;
	struct sf_buf fixed = SF_BUF_INIT;
	if (kind == SF_PB_CODE && !sf_utf8_valid(p, n)) {
		size_t k;
		if (sf_utf8_repair(p, n, &fixed, &k) != SF_OK) {
			sf_buf_release(&fixed);
			return SF_ERR_LIMIT;
		}
		p = fixed.ptr;
		n = fixed.len;
	}
	if (kind == SF_PB_CODE) {
		/* keep lines; trim trailing blank lines and spaces */
		while (n && is_space((unsigned char)p[n - 1])) n--;
		while (n && (p[0] == '\n' || p[0] == '\r')) p++, n--;
		for (size_t i = 0; i < n && !rc; i++)
			if (p[i] != '\r') rc = sf_buf_addch(&d->text, p[i] == '\t' || !p[i] ? ' ' : p[i]);
	} else {
		rc = fold_ws(&d->text, p, n);
	}
	sf_buf_release(&fixed);
	size_t len = d->text.len - start;
	if (rc || !len || sf_buf_addch(&d->text, '\n') != SF_OK) {
		sf_buf_setlen(&d->text, start);
		return rc ? rc : len ? SF_ERR_LIMIT : SF_OK;
	}
	SF_GROW(d->blocks, d->capblocks, d->nblocks + 1);
	struct sf_pblock *b = &d->blocks[d->nblocks++];
	b->kind = (uint8_t)kind;
	b->level = (uint8_t)(level > 255 ? 255 : level);
	b->page = page;
	b->table = table;
	b->off = (uint32_t)start;
	b->len = (uint32_t)len;
	b->conf = conf;
	return SF_OK;
}

void sf_pdoc_set_title(struct sf_pdoc *d, const char *p, size_t n, bool replace)
{
	if (d->title.len && !replace) return;
	sf_buf_reset(&d->title);
	if (fold_ws(&d->title, p, n) != SF_OK) {
		/* too long for a title: cut at a character boundary */
		size_t k = d->title.len;
		while (k > 0 && ((unsigned char)d->title.ptr[k - 1] & 0xc0) == 0x80) k--;
		if (k > 0 && (unsigned char)d->title.ptr[k - 1] >= 0xc0) k--;
		sf_buf_setlen(&d->title, k);
	}
}

size_t sf_pdoc_words(const struct sf_pdoc *d)
{
	size_t w = 0;
	bool in = false;
	for (size_t i = 0; i < d->text.len; i++) {
		bool sp = is_space((unsigned char)d->text.ptr[i]);
		if (!sp && !in) w++;
		in = !sp;
	}
	return w;
}

enum sf_err sf_presult_fail(struct sf_presult *r, enum sf_err rc, const char *fmt, ...)
{
	if (r->rc) return r->rc; /* the first failure is the reason */
	r->rc = rc;
	sf_buf_reset(&r->reason);
	struct sf_buf msg = SF_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	if (sf_buf_vaddf(&msg, fmt, ap) != SF_OK) { /* truncated: keep what fit */ }
	va_end(ap);
	/* reasons quote what libraries say, and they quote the input: keep it valid text */
	size_t k;
	if (sf_utf8_repair(msg.ptr, msg.len < 1000 ? msg.len : 1000, &r->reason, &k) != SF_OK) sf_buf_reset(&r->reason);
	sf_buf_release(&msg);
	return rc;
}

void sf_presult_warn(struct sf_presult *r, const char *fmt, ...)
{
	size_t start = r->warnings.len;
	struct sf_buf msg = SF_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	enum sf_err rc = sf_buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	size_t k;
	if (!rc) rc = sf_utf8_repair(msg.ptr, msg.len, &r->warnings, &k);
	if (rc || sf_buf_addch(&r->warnings, '\n') != SF_OK) sf_buf_setlen(&r->warnings, start);
	sf_buf_release(&msg);
}

enum sf_err text_to_utf8(const uint8_t *p, size_t n, struct sf_buf *out, char enc[24],
			 struct sf_presult *r)
{
	size_t bom = 0, fixed = 0;
	const char *e = sf_enc_detect(p, n, &bom);
	if (!e) return sf_presult_fail(r, SF_ERR_UNSUPPORTED, "binary data, not text");
	snprintf(enc, 24, "%s", e);
	enum sf_err rc = sf_enc_to_utf8(p + bom, n - bom, e, out, &fixed);
	if (rc == SF_ERR_LIMIT)
		return sf_presult_fail(r, rc, "text larger than the %zu-byte limit", out->max);
	if (rc) return sf_presult_fail(r, rc, "cannot decode the text as %s", e);
	if (fixed) sf_presult_warn(r, "%zu invalid %s sequences replaced", fixed, e);
	return SF_OK;
}

static const struct {
	const char *type;
	parser_fn *fn;
} parsers[] = {
	{ "text", parse_text },   { "markdown", parse_markdown }, { "html", parse_html },
	{ "xml", parse_xml },     { "json", parse_json },         { "jsonl", parse_jsonl },
	{ "csv", parse_csv },     { "docx", parse_docx },         { "odt", parse_odt },
	{ "xlsx", parse_xlsx },   { "ods", parse_ods },           { "pdf", parse_pdf },
	{ "odf", parse_odf },     { "image", parse_image },       { "roff", parse_roff },
	{ "gzip", parse_gzip },
};

void sf_parse_bytes_as(const char *type, const uint8_t *data, size_t len, const struct sf_parse_opts *o,
		       struct sf_presult *r)
{
	parser_fn *fn = NULL;
	for (size_t i = 0; i < sizeof parsers / sizeof parsers[0]; i++)
		if (!strcmp(parsers[i].type, type)) fn = parsers[i].fn;
	if (!fn) {
		sf_presult_fail(r, SF_ERR_UNSUPPORTED, "no parser for type %s", type);
		return;
	}
	if (len > o->limits.max_input) {
		sf_presult_fail(r, SF_ERR_LIMIT, "file larger than the %zu-byte limit", o->limits.max_input);
		return;
	}
	snprintf(r->type, sizeof r->type, "%s", type);
	fn(data, len, o, r);
	if (!r->rc && r->ndocs == 0) {
		sf_presult_fail(r, SF_ERR_INVALID, "no text found");
		r->skipped = true;
	}
	/* a failed parse stores nothing: drop what it had made so far */
	if (r->rc) {
		for (size_t i = 0; i < r->ndocs; i++) pdoc_release(&r->docs[i]);
		r->ndocs = 0;
	}
}

void sf_parse_bytes(const uint8_t *data, size_t len, const struct sf_parse_opts *o,
		    struct sf_presult *r)
{
	char why[256];
	if (len > o->limits.max_input) {
		sf_presult_fail(r, SF_ERR_LIMIT, "file larger than the %zu-byte limit", o->limits.max_input);
		return;
	}
	const char *type = sf_parse_detect(data, len, o->name, why, sizeof why);
	if (!type) {
		sf_presult_fail(r, SF_ERR_UNSUPPORTED, "%s", why);
		/* documents sufler cannot open are failures to look at; the rest is skipped */
		r->skipped = !strstr(why, "password") && !strstr(why, "legacy") && !strstr(why, "PowerPoint") &&
			     !strstr(why, "OpenDocument");
		return;
	}
	sf_parse_bytes_as(type, data, len, o, r);
}

void sf_parse_file(const char *path, const struct sf_parse_opts *o, struct sf_presult *r)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		sf_presult_fail(r, SF_ERR_IO, "cannot open: %s", strerror(errno));
		return;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		sf_presult_fail(r, SF_ERR_IO, "not a regular file");
		close(fd);
		return;
	}
	if ((uint64_t)st.st_size > o->limits.max_input) {
		sf_presult_fail(r, SF_ERR_LIMIT, "file of %lld bytes, over the %zu-byte limit",
				(long long)st.st_size, o->limits.max_input);
		close(fd);
		return;
	}
	size_t n = (size_t)st.st_size, got = 0;
	uint8_t *buf = sf_xmalloc(n + 1);
	while (got < n) {
		ssize_t k = read(fd, buf + got, n - got);
		if (k < 0 && errno == EINTR) continue;
		if (k <= 0) break;
		got += (size_t)k;
	}
	close(fd);
	if (got != n) {
		sf_presult_fail(r, SF_ERR_IO, "read error (file changed while read?)");
		free(buf);
		return;
	}
	buf[n] = 0;
	struct sf_parse_opts oo = *o;
	if (!oo.name) oo.name = path;
	sf_parse_bytes(buf, n, &oo, r);
	free(buf);
}
