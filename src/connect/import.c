/*
 * connect/import.c: sufler's JSONL import format (and .txt/.md files, folders of them) into the store.
 *
 * A document's text is split into chunks of about 150–400 words at paragraph boundaries (and at
 * Markdown headings, which also give the chunk its heading path); a short passage stays one
 * chunk. The fingerprint covers every stored field, so re-ingesting an unchanged document does
 * nothing and a changed one replaces the old.
 */
#include "connect/import.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/hash.h"
#include "base/json.h"
#include "base/mem.h"
#include "base/time.h"
#include "text/utf8.h"

#define TX_DOCS 5000
#define CHUNK_WORDS_MAX 400
#define CHUNK_WORDS_MIN 150
#define MAX_LINE (64u << 20)

struct ingest {
	struct sf_store *st;
	const struct sf_ingest_opts *o;
	struct sf_ingest_stats *stats;
	size_t in_tx;
	uint64_t t0, last_progress;
	struct sf_buf *err;
	enum sf_err fatal;
};

struct chunks {
	struct sf_chunk_in *v;
	char **headings;
	size_t n, cap;
};

static void chunks_release(struct chunks *c)
{
	for (size_t i = 0; i < c->n; i++) free(c->headings[i]);
	free(c->headings);
	free(c->v);
	memset(c, 0, sizeof *c);
}

static void chunk_add(struct chunks *c, const char *heading, const char *p, size_t n)
{
	while (n && (p[n - 1] == '\n' || p[n - 1] == ' ' || p[n - 1] == '\r' || p[n - 1] == '\t')) n--;
	while (n && (*p == '\n' || *p == ' ' || *p == '\r' || *p == '\t')) p++, n--;
	if (!n) return;
	size_t cap = c->cap;
	SF_GROW(c->v, c->cap, c->n + 1);
	if (cap != c->cap) c->headings = sf_xreallocarray(c->headings, c->cap, sizeof *c->headings);
	c->headings[c->n] = heading && *heading ? sf_xstrdup(heading) : NULL;
	c->v[c->n] = (struct sf_chunk_in){ c->headings[c->n], p, n, 0, 0 };
	c->n++;
}

static size_t count_words(const char *p, size_t n)
{
	size_t w = 0;
	bool in = false;
	for (size_t i = 0; i < n; i++) {
		bool sp = p[i] == ' ' || p[i] == '\n' || p[i] == '\t' || p[i] == '\r';
		if (!sp && !in) w++;
		in = !sp;
	}
	return w;
}

/*
 * Splits text into chunks: paragraphs (blank-line separated) are gathered until the next one
 * would pass CHUNK_WORDS_MAX; a single paragraph longer than that is cut at a sentence end (or a
 * space) near the limit. With markdown, a "#" heading line closes the chunk and becomes the
 * heading of the following ones.
 */
static void split_chunks(const char *text, size_t len, bool markdown, struct chunks *out)
{
	char heading[512] = "";
	size_t start = 0, words = 0, i = 0;
	while (i < len) {
		/* one paragraph: [i, j) */
		size_t j = i;
		while (j < len) {
			const char *nl = memchr(text + j, '\n', len - j);
			if (!nl) { j = len; break; }
			j = (size_t)(nl - text) + 1;
			size_t k = j;
			while (k < len && (text[k] == ' ' || text[k] == '\t' || text[k] == '\r')) k++;
			if (k < len && text[k] == '\n') { j = k + 1; break; }
			if (markdown && k < len && text[k] == '#') break;
		}
		if (markdown && text[i] == '#') {
			chunk_add(out, heading, text + start, i - start);
			size_t h = i;
			while (h < j && text[h] == '#') h++;
			while (h < j && text[h] == ' ') h++;
			size_t he = h;
			while (he < j && text[he] != '\n') he++;
			size_t hl = he - h < sizeof heading - 1 ? he - h : sizeof heading - 1;
			memcpy(heading, text + h, hl);
			heading[hl] = 0;
			start = he;
			words = 0;
			i = j;
			continue;
		}
		size_t pw = count_words(text + i, j - i);
		if (words && words + pw > CHUNK_WORDS_MAX && words >= CHUNK_WORDS_MIN / 2) {
			chunk_add(out, heading, text + start, i - start);
			start = i;
			words = 0;
		}
		if (pw > CHUNK_WORDS_MAX) {
			/* cut a long paragraph at a sentence end near the word limit */
			size_t p = i, w = words;
			bool in = false;
			size_t cut_sentence = 0, cut_space = 0;
			for (; p < j; p++) {
				bool sp = text[p] == ' ' || text[p] == '\n';
				if (!sp && !in) w++;
				in = !sp;
				if (sp && w >= CHUNK_WORDS_MIN) {
					if (p > 0 && (text[p - 1] == '.' || text[p - 1] == '!' || text[p - 1] == '?'))
						cut_sentence = p;
					cut_space = p;
				}
				if (w >= CHUNK_WORDS_MAX && (cut_sentence || cut_space)) {
					size_t cut = cut_sentence ? cut_sentence : cut_space;
					chunk_add(out, heading, text + start, cut - start);
					start = cut;
					w = count_words(text + cut, p - cut);
					cut_sentence = cut_space = 0;
				}
			}
			words = w;
		} else {
			words += pw;
		}
		i = j;
	}
	chunk_add(out, heading, text + start, len - start);
}

static void progress(struct ingest *g, bool force)
{
	if (!g->o->progress) return;
	uint64_t now = sf_now_ns();
	if (!force && now - g->last_progress < 250000000ull) return;
	g->last_progress = now;
	const struct sf_ingest_stats *s = g->stats;
	fprintf(stderr, "\ringesting: %llu added, %llu replaced, %llu unchanged, %llu failed, %.1f MB, %.1f s",
		(unsigned long long)s->added, (unsigned long long)s->replaced,
		(unsigned long long)s->unchanged, (unsigned long long)s->failed, (double)s->bytes / 1e6,
		(double)(now - g->t0) / 1e9);
	if (force) fputc('\n', stderr);
}

static enum sf_err tx_step(struct ingest *g)
{
	return sf_store_batch_step(g->st, &g->in_tx, TX_DOCS, g->err);
}

/* Stores one document; per-item errors are reported and counted, store failures returned. */
static enum sf_err put(struct ingest *g, struct sf_doc_in *d, const char *text, size_t len,
		       bool markdown, const char *where)
{
	/* Fingerprint: the fields, then the text, hashed apart (no copy of the text). */
	struct sf_buf fp = SF_BUF_INIT;
	char hex[33], fields_hex[33], text_hex[33];
	if (sf_buf_addf(&fp, "%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f", d->title ? d->title : "",
			d->url ? d->url : "", d->kind ? d->kind : "", d->lang ? d->lang : "",
			d->acl ? d->acl : "", d->meta ? d->meta : "", d->category ? d->category : "") != SF_OK) {
		fprintf(stderr, "%s: document fields too large\n", where);
		g->stats->failed++;
		sf_buf_release(&fp);
		return SF_OK;
	}
	sf_fingerprint_hex(fp.ptr, fp.len, fields_hex);
	sf_fingerprint_hex(text, len, text_hex);
	sf_buf_reset(&fp);
	if (sf_buf_add(&fp, fields_hex, 32) != SF_OK || sf_buf_add(&fp, text_hex, 32) != SF_OK) abort();
	sf_fingerprint_hex(fp.ptr, fp.len, hex);
	sf_buf_release(&fp);
	d->fingerprint = hex;
	struct chunks ch = { 0 };
	split_chunks(text, len, markdown, &ch);
	enum sf_err rc = tx_step(g);
	if (rc) goto out;
	enum sf_put_result res;
	struct sf_buf why = SF_BUF_INIT;
	rc = sf_store_put_document(g->st, d, ch.v, ch.n, &res, &why);
	if (rc == SF_ERR_INVALID || rc == SF_ERR_LIMIT) {
		fprintf(stderr, "%s: %s\n", where, why.ptr);
		g->stats->failed++;
		rc = SF_OK;
	} else if (rc) {
		sf_errf(g->err, "%s: %s", where, why.ptr);
	} else {
		g->stats->bytes += len;
		if (res == SF_PUT_ADDED) g->stats->added++;
		else if (res == SF_PUT_REPLACED) g->stats->replaced++;
		else g->stats->unchanged++;
	}
	sf_buf_release(&why);
out:
	chunks_release(&ch);
	progress(g, false);
	return rc;
}

static const char *mstr(const struct sf_json_member *m, size_t nm, const char *key)
{
	const struct sf_json_member *v = sf_json_get(m, nm, key);
	return v && v->type == SF_JSON_STRING ? v->value.ptr : NULL;
}

/* Access groups: "a,b" or ["a","b"]; false when malformed. */
static bool read_acl(const struct sf_json_member *v, struct sf_buf *acl)
{
	if (!v || v->type == SF_JSON_NULL) return true;
	if (v->type == SF_JSON_STRING) return sf_buf_add(acl, v->value.ptr, v->value.len) == SF_OK;
	if (v->type != SF_JSON_ARRAY) return false;
	json_t *a = json_loadb(v->value.ptr, v->value.len, 0, NULL);
	bool ok = json_is_array(a);
	size_t i;
	json_t *x;
	if (ok) json_array_foreach(a, i, x) {
		if (!json_is_string(x)) { ok = false; break; }
		if ((i && sf_buf_addch(acl, ',') != SF_OK) || sf_buf_adds(acl, json_string_value(x)) != SF_OK) {
			ok = false;
			break;
		}
	}
	json_decref(a);
	return ok;
}

static enum sf_err ingest_jsonl(struct ingest *g, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "%s: cannot open: %s\n", path, strerror(errno));
		g->stats->failed++;
		return SF_OK;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	size_t lineno = 0;
	enum sf_err rc = SF_OK;
	char where[4200];
	struct sf_buf scratch = SF_BUF_INIT, why = SF_BUF_INIT;
	struct sf_json_member m[SF_JSON_MAX_MEMBERS];
	size_t nm;
	while (!rc && (n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		snprintf(where, sizeof where, "%s:%zu", path, lineno);
		size_t len = (size_t)n;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r' || line[len - 1] == ' ')) len--;
		if (!len) continue;
		if (len > MAX_LINE) {
			fprintf(stderr, "%s: line longer than %u bytes\n", where, MAX_LINE);
			g->stats->failed++;
			continue;
		}
		if (sf_json_object(line, len, &scratch, m, &nm, &why) != SF_OK) {
			fprintf(stderr, "%s: malformed JSON: %s\n", where, why.ptr);
			g->stats->failed++;
			continue;
		}
		char idbuf[32];
		const char *id = mstr(m, nm, "id");
		const struct sf_json_member *jid = sf_json_get(m, nm, "id");
		if (!id && jid && jid->type == SF_JSON_NUMBER && jid->value.len < sizeof idbuf &&
		    !memchr(jid->value.ptr, '.', jid->value.len) && !memchr(jid->value.ptr, 'e', jid->value.len) &&
		    !memchr(jid->value.ptr, 'E', jid->value.len)) {
			memcpy(idbuf, jid->value.ptr, jid->value.len);
			idbuf[jid->value.len] = 0;
			id = idbuf;
		}
		const struct sf_json_member *text = sf_json_get(m, nm, "text");
		if (!id || !*id || !text || text->type != SF_JSON_STRING) {
			fprintf(stderr, "%s: a document needs a string \"id\" and \"text\"\n", where);
			g->stats->failed++;
			continue;
		}
		struct sf_doc_in d = { .source = g->o->source, .ext_id = id, .title = mstr(m, nm, "title"),
				       .url = mstr(m, nm, "url"), .kind = mstr(m, nm, "kind"), .lang = mstr(m, nm, "lang"),
				       .category = mstr(m, nm, "category") };
		struct sf_buf acl = SF_BUF_INIT;
		bool bad = !read_acl(sf_json_get(m, nm, "acl"), &acl);
		const struct sf_json_member *jm = sf_json_get(m, nm, "meta");
		char *meta = NULL;
		if (jm && jm->type == SF_JSON_OBJECT) {
			/* stored with sorted keys, so the fingerprint does not depend on key order */
			json_t *o = json_loadb(jm->value.ptr, jm->value.len, 0, NULL);
			if (o) meta = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
			json_decref(o);
			if (!meta) bad = true;
		} else if (jm && jm->type != SF_JSON_NULL) {
			bad = true;
		}
		if (bad) {
			fprintf(stderr, "%s: \"acl\" must be a string or an array of strings, \"meta\" an object\n", where);
			g->stats->failed++;
		} else {
			d.acl = acl.ptr;
			d.meta = meta;
			rc = put(g, &d, text->value.ptr, text->value.len, false, where);
		}
		free(meta);
		sf_buf_release(&acl);
	}
	if (!rc && ferror(f)) {
		fprintf(stderr, "%s: read error: %s\n", path, strerror(errno));
		g->stats->failed++;
	}
	sf_buf_release(&scratch);
	sf_buf_release(&why);
	free(line);
	fclose(f);
	return rc;
}

static enum sf_err ingest_text(struct ingest *g, const char *path, bool markdown)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "%s: cannot open: %s\n", path, strerror(errno));
		g->stats->failed++;
		return SF_OK;
	}
	struct sf_buf raw;
	sf_buf_init(&raw, SF_STORE_MAX_TEXT);
	char tmp[65536];
	size_t n;
	bool too_big = false;
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		if (sf_buf_add(&raw, tmp, n) != SF_OK) { too_big = true; break; }
	bool rerr = ferror(f);
	fclose(f);
	if (too_big || rerr) {
		fprintf(stderr, "%s: %s\n", path, too_big ? "file larger than the 64 MiB limit" : "read error");
		g->stats->failed++;
		sf_buf_release(&raw);
		return SF_OK;
	}
	struct sf_buf text = SF_BUF_INIT;
	size_t repaired = 0;
	enum sf_err rc = SF_OK;
	if (sf_utf8_repair(raw.ptr, raw.len, &text, &repaired) != SF_OK) {
		fprintf(stderr, "%s: cannot repair its text\n", path);
		g->stats->failed++;
		goto out;
	}
	if (repaired) fprintf(stderr, "%s: %zu invalid UTF-8 bytes replaced\n", path, repaired);
	/* Title: the first Markdown heading, else the file name. */
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	char title[512];
	snprintf(title, sizeof title, "%s", base);
	if (markdown) {
		const char *h = text.ptr;
		while (*h == '\n' || *h == ' ') h++;
		if (*h == '#') {
			while (*h == '#') h++;
			while (*h == ' ') h++;
			size_t l = strcspn(h, "\n");
			if (l >= sizeof title) l = sizeof title - 1;
			memcpy(title, h, l);
			title[l] = 0;
		}
	}
	char abs[4096];
	const char *id = realpath(path, abs) ? abs : path;
	struct sf_doc_in d = { .source = g->o->source, .ext_id = id, .title = title,
			       .kind = markdown ? "md" : "txt" };
	char url[4200];
	snprintf(url, sizeof url, "file://%s", id);
	d.url = url;
	rc = put(g, &d, text.ptr, text.len, markdown, path);
out:
	sf_buf_release(&raw);
	sf_buf_release(&text);
	return rc;
}

static bool ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && strcasecmp(s + a - b, suf) == 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static enum sf_err ingest_path(struct ingest *g, const char *path, bool top)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		g->stats->failed++;
		return SF_OK;
	}
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		if (!d) {
			fprintf(stderr, "%s: %s\n", path, strerror(errno));
			g->stats->failed++;
			return SF_OK;
		}
		char **names = NULL;
		size_t n = 0, cap = 0;
		struct dirent *de;
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.') continue;
			SF_GROW(names, cap, n + 1);
			struct sf_buf p = SF_BUF_INIT;
			if (sf_buf_addf(&p, "%s/%s", path, de->d_name) != SF_OK) abort();
			names[n++] = sf_buf_detach(&p, NULL);
		}
		closedir(d);
		qsort(names, n, sizeof *names, cmp_str); /* a stable order makes runs repeatable */
		enum sf_err rc = SF_OK;
		for (size_t i = 0; i < n; i++) {
			if (!rc) rc = ingest_path(g, names[i], false);
			free(names[i]);
		}
		free(names);
		return rc;
	}
	if (ends_with(path, ".jsonl") || ends_with(path, ".ndjson")) return ingest_jsonl(g, path);
	if (ends_with(path, ".md") || ends_with(path, ".markdown")) return ingest_text(g, path, true);
	if (ends_with(path, ".txt") || ends_with(path, ".text")) return ingest_text(g, path, false);
	if (top) {
		fprintf(stderr, "%s: unsupported file type (this version reads .jsonl, .txt, .md)\n", path);
		g->stats->failed++;
	} else {
		g->stats->skipped_files++;
	}
	return SF_OK;
}

enum sf_err sf_ingest_paths(struct sf_store *st, char *const *paths, size_t npaths,
			    const struct sf_ingest_opts *o, struct sf_ingest_stats *stats,
			    struct sf_buf *err)
{
	struct sf_ingest_opts def = { "cli", false };
	struct ingest g = { st, o ? o : &def, stats, 0, sf_now_ns(), 0, err, SF_OK };
	memset(stats, 0, sizeof *stats);
	enum sf_err rc = SF_OK;
	for (size_t i = 0; !rc && i < npaths; i++) rc = ingest_path(&g, paths[i], true);
	if (rc) {
		sf_store_rollback(st);
		return rc;
	}
	if (g.in_tx) rc = sf_store_commit(st, err);
	progress(&g, true);
	return rc;
}
