/*
 * cli/cmd_extract.c: `sufler extract FILE [--json]`: what ingestion makes of one file.
 *
 * The same path as ingestion: the file is parsed in a worker process under the same limits,
 * then chunked. Prints the detected type and encoding, the title, the structure (headings,
 * pages, tables), the chunks with their heading paths and pages, OCR confidence, warnings, or
 * the reason the file was refused (exit status 1).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "parse/chunk.h"
#include "parse/pool.h"
#include "base/banned.h"

static const char *kind_name(unsigned k)
{
	switch (k) {
	case SF_PB_HEADING: return "heading";
	case SF_PB_PARA: return "paragraph";
	case SF_PB_ITEM: return "item";
	case SF_PB_THEAD: return "table-header";
	case SF_PB_ROW: return "row";
	case SF_PB_CODE: return "code";
	default: return "?";
	}
}

static json_t *jstr(const char *p, size_t n)
{
	json_t *s = json_stringn(p, n);
	return s ? s : json_string("");
}

static void print_json(const char *path, const struct sf_presult *r, const struct sf_dchunks *ch, size_t nch_doc[])
{
	json_t *o = json_object();
	json_object_set_new(o, "file", json_string(path));
	json_object_set_new(o, "type", json_string(r->type));
	json_object_set_new(o, "encoding", json_string(r->encoding));
	json_object_set_new(o, "ok", json_boolean(r->rc == SF_OK));
	if (r->rc) json_object_set_new(o, "reason", jstr(r->reason.ptr, r->reason.len));
	json_t *w = json_array();
	for (size_t i = 0; i < r->warnings.len;) {
		const char *nl = memchr(r->warnings.ptr + i, '\n', r->warnings.len - i);
		size_t e = nl ? (size_t)(nl - r->warnings.ptr) : r->warnings.len;
		json_array_append_new(w, jstr(r->warnings.ptr + i, e - i));
		i = e + 1;
	}
	json_object_set_new(o, "warnings", w);
	json_t *docs = json_array();
	size_t c0 = 0;
	for (size_t i = 0; i < r->ndocs; i++) {
		const struct sf_pdoc *d = &r->docs[i];
		json_t *jd = json_object();
		json_object_set_new(jd, "title", jstr(d->title.ptr, d->title.len));
		for (int f = 0; f < SF_PF_COUNT; f++)
			if (d->field[f].len) json_object_set_new(jd, sf_pfield_names[f], jstr(d->field[f].ptr, d->field[f].len));
		json_object_set_new(jd, "pages", json_integer(d->pages));
		json_object_set_new(jd, "ocr_pages", json_integer(d->ocr_pages));
		if (d->ocr_conf >= 0) json_object_set_new(jd, "ocr_confidence", json_real(d->ocr_conf));
		json_t *bl = json_array();
		for (size_t k = 0; k < d->nblocks; k++) {
			const struct sf_pblock *b = &d->blocks[k];
			json_t *jb = json_object();
			json_object_set_new(jb, "kind", json_string(kind_name(b->kind)));
			if (b->level) json_object_set_new(jb, "level", json_integer(b->level));
			if (b->page) json_object_set_new(jb, "page", json_integer(b->page));
			if (b->table) json_object_set_new(jb, "table", json_integer(b->table));
			if (b->conf >= 0) json_object_set_new(jb, "confidence", json_real(b->conf));
			json_object_set_new(jb, "text", jstr(d->text.ptr + b->off, b->len));
			json_array_append_new(bl, jb);
		}
		json_object_set_new(jd, "blocks", bl);
		json_t *cj = json_array();
		for (size_t k = c0; k < c0 + nch_doc[i]; k++) {
			const struct sf_dchunk *c = &ch->v[k];
			json_t *jc = json_object();
			json_object_set_new(jc, "heading", jstr(c->heading.ptr, c->heading.len));
			if (c->page_first) {
				json_object_set_new(jc, "page_first", json_integer(c->page_first));
				json_object_set_new(jc, "page_last", json_integer(c->page_last));
			}
			json_object_set_new(jc, "words", json_integer(c->words));
			json_object_set_new(jc, "text", jstr(c->text.ptr, c->text.len));
			json_array_append_new(cj, jc);
		}
		c0 += nch_doc[i];
		json_object_set_new(jd, "chunks", cj);
		json_array_append_new(docs, jd);
	}
	json_object_set_new(o, "documents", docs);
	char *s = json_dumps(o, JSON_INDENT(1));
	if (s) puts(s);
	free(s);
	json_decref(o);
}

static void print_text(const char *path, const struct sf_presult *r, const struct sf_dchunks *ch, size_t nch_doc[])
{
	printf("file:     %s\ntype:     %s\n", path, r->type);
	if (r->encoding[0]) printf("encoding: %s\n", r->encoding);
	if (r->rc) printf("refused:  %s\n", r->reason.ptr);
	if (r->warnings.len) printf("warnings:\n  %.*s\n", (int)r->warnings.len - 1, r->warnings.ptr);
	size_t c0 = 0;
	for (size_t i = 0; i < r->ndocs; i++) {
		const struct sf_pdoc *d = &r->docs[i];
		printf("\n== document %zu: %s\n", i + 1, d->title.len ? d->title.ptr : "(no title)");
		if (d->pages) printf("pages: %u", d->pages);
		if (d->ocr_pages) printf(", OCR pages: %u, OCR confidence: %.1f", d->ocr_pages, d->ocr_conf);
		if (d->pages || d->ocr_pages) printf("\n");
		for (size_t k = 0; k < d->nblocks; k++) {
			const struct sf_pblock *b = &d->blocks[k];
			char tag[48];
			if (b->kind == SF_PB_HEADING) snprintf(tag, sizeof tag, "h%u", b->level);
			else if (b->kind == SF_PB_ROW || b->kind == SF_PB_THEAD) snprintf(tag, sizeof tag, "%s%u", b->kind == SF_PB_ROW ? "row" : "thead", b->table);
			else snprintf(tag, sizeof tag, "%s", kind_name(b->kind));
			if (b->page) snprintf(tag + strlen(tag), sizeof tag - strlen(tag), " p%u", b->page);
			printf("  [%s] %.*s\n", tag, (int)b->len, d->text.ptr + b->off);
		}
		for (size_t k = c0; k < c0 + nch_doc[i]; k++) {
			const struct sf_dchunk *c = &ch->v[k];
			printf("\n-- chunk %zu (%u words)%s%s", k - c0 + 1, c->words, c->heading.len ? ": " : "", c->heading.ptr);
			if (c->page_first) printf(c->page_first == c->page_last ? " [p. %u]" : " [pp. %u-%u]", c->page_first, c->page_last);
			printf("\n%s\n", c->text.ptr);
		}
		c0 += nch_doc[i];
	}
}

int sf_cmd_extract(int argc, char **argv)
{
	bool json = false, ocr = true;
	const char *file = NULL;
	unsigned timeout = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) json = true;
		else if (!strcmp(argv[i], "--no-ocr")) ocr = false;
		else if (!strcmp(argv[i], "--timeout") && i + 1 < argc) timeout = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (argv[i][0] != '-' && !file) file = argv[i];
		else {
			file = NULL;
			break;
		}
	}
	if (!file) {
		fprintf(stderr, "usage: sufler extract [--json] [--no-ocr] [--timeout S] FILE\n"
				"  shows what ingestion makes of FILE: type, encoding, title, structure, chunks,\n"
				"  OCR confidence, or the reason it is refused\n");
		return 2;
	}
	struct sf_parse_opts o;
	sf_parse_opts_default(&o);
	o.limits.ocr = ocr;
	struct sf_parse_pool_opts po;
	sf_parse_pool_opts_default(&po);
	po.workers = 1;
	if (timeout) po.wall_s = po.cpu_s = timeout;
	struct sf_parse_pool *pool = NULL;
	struct sf_buf err = SF_BUF_INIT;
	struct sf_presult r;
	sf_presult_init(&r);
	int status = 1;
	if (sf_parse_pool_new(&po, &o, &pool, &err) != SF_OK) {
		fprintf(stderr, "sufler extract: %s\n", err.ptr);
		goto out;
	}
	sf_parse_pool_submit(pool, file, 0);
	uint64_t tag;
	sf_presult_release(&r);
	if (sf_parse_pool_next(pool, &tag, &r, &err) != SF_OK) {
		sf_presult_init(&r);
		fprintf(stderr, "sufler extract: %s\n", err.ptr);
		goto out;
	}
	struct sf_dchunks ch = { 0 };
	struct sf_chunk_opts co;
	sf_chunk_opts_default(&co);
	size_t *per = calloc(r.ndocs + 1, sizeof *per);
	for (size_t i = 0; i < r.ndocs; i++) {
		size_t before = ch.n;
		if (sf_chunk_doc(&r.docs[i], &co, &ch) != SF_OK) fprintf(stderr, "sufler extract: chunking past the limits\n");
		per[i] = ch.n - before;
	}
	if (json) print_json(file, &r, &ch, per);
	else print_text(file, &r, &ch, per);
	free(per);
	sf_dchunks_release(&ch);
	status = r.rc ? 1 : 0;
out:
	sf_presult_release(&r);
	sf_parse_pool_free(pool);
	sf_buf_release(&err);
	return status;
}

int sf_cmd_parse_worker(int argc, char **argv)
{
	return sf_parse_worker_main(argc, argv);
}
