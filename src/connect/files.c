/*
 * connect/files.c: the files connector (see files.h).
 *
 * Files are handed to the pool in path order and their results stored in that order too (a
 * small reorder window), so two runs over the same folder give the same ids. At most WINDOW
 * files are in the pool or waiting to be stored, which bounds memory however large the folder.
 *
 * A document's id in the source is its file's absolute path, with "#" and the record's id (or
 * its ordinal) for files that hold many (JSON, JSONL, XML, CSV with a mapping). Its fingerprint
 * covers every stored field and the chunks, so an unchanged file that is parsed again (its
 * mtime moved) stores nothing.
 */
#include "connect/files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/hash.h"
#include "base/mem.h"
#include "base/time.h"
#include "connect/import.h"
#include "text/utf8.h"
#include "base/banned.h"

#define WINDOW 64
#define TX_DOCS 2000
#define NEAR_BITS 3
#define NEAR_MIN_WORDS 50

void sf_files_opts_default(struct sf_files_opts *o)
{
	memset(o, 0, sizeof *o);
	o->source = "files";
	o->dedup = true;
	sf_parse_opts_default(&o->parse);
	sf_parse_pool_opts_default(&o->pool);
	sf_chunk_opts_default(&o->chunk);
}

/* ---- SimHash ---- */

uint64_t sf_simhash(const char *text, size_t n)
{
	int32_t v[64] = { 0 };
	uint64_t w[3] = { 0, 0, 0 };
	size_t nw = 0, i = 0, shingles = 0;
	while (i < n) {
		while (i < n && (text[i] == ' ' || text[i] == '\n' || text[i] == '\t' || text[i] == '\r')) i++;
		size_t s = i;
		while (i < n && !(text[i] == ' ' || text[i] == '\n' || text[i] == '\t' || text[i] == '\r')) i++;
		if (i == s) break;
		char low[64];
		size_t k = i - s < sizeof low ? i - s : sizeof low;
		for (size_t j = 0; j < k; j++) {
			char c = text[s + j];
			low[j] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
		}
		w[0] = w[1];
		w[1] = w[2];
		w[2] = sf_hash64(low, k, 0x5f3759df);
		if (++nw < 3) continue;
		uint64_t h = sf_hash64(w, sizeof w, 0x9e3779b9);
		for (int b = 0; b < 64; b++) v[b] += (h >> b) & 1 ? 1 : -1;
		shingles++;
	}
	if (!shingles) return 0;
	uint64_t out = 0;
	for (int b = 0; b < 64; b++)
		if (v[b] > 0) out |= 1ull << b;
	return out ? out : 1;
}

/* Near-duplicate lookup: four 16-bit bands; two hashes within 3 bits share at least one. */
struct near {
	struct { uint64_t h; int64_t id; } *v;
	size_t n, cap;
	uint32_t *head[4];        /* [band][65536] -> 1 + index of the newest entry, 0 none */
	uint32_t *next[4];        /* chains, per entry */
};

static void near_init(struct near *m)
{
	memset(m, 0, sizeof *m);
	for (int b = 0; b < 4; b++) m->head[b] = sf_xcalloc(65536, sizeof(uint32_t));
}

static void near_release(struct near *m)
{
	free(m->v);
	for (int b = 0; b < 4; b++) {
		free(m->head[b]);
		free(m->next[b]);
	}
}

static void near_add(struct near *m, uint64_t h, int64_t id)
{
	if (!h || m->n >= UINT32_MAX - 1) return;
	size_t cap = m->cap;
	SF_GROW(m->v, m->cap, m->n + 1);
	if (cap != m->cap)
		for (int b = 0; b < 4; b++) m->next[b] = sf_xreallocarray(m->next[b], m->cap, sizeof(uint32_t));
	m->v[m->n].h = h;
	m->v[m->n].id = id;
	for (int b = 0; b < 4; b++) {
		uint32_t key = (uint32_t)(h >> (16 * b)) & 0xffff;
		m->next[b][m->n] = m->head[b][key];
		m->head[b][key] = (uint32_t)(m->n + 1);
	}
	m->n++;
}

static int64_t near_find(const struct near *m, uint64_t h)
{
	if (!h) return 0;
	for (int b = 0; b < 4; b++) {
		uint32_t key = (uint32_t)(h >> (16 * b)) & 0xffff;
		for (uint32_t e = m->head[b][key]; e; e = m->next[b][e - 1])
			if (__builtin_popcountll(m->v[e - 1].h ^ h) <= NEAR_BITS) return m->v[e - 1].id;
	}
	return 0;
}

static int near_load(void *ctx, int64_t id, uint64_t h)
{
	near_add(ctx, h, id);
	return 0;
}

/* ---- the walk ---- */

struct fent {
	char *path;
	int64_t size, mtime_ns;
	bool seen_before;         /* the store has a record */
	bool changed;
	char hash[33];
};

struct walk {
	struct fent *v;
	size_t n, cap;
	char **roots;             /* absolute forms of the paths given */
	size_t nroots;
	uint64_t errors;
};

static int cmp_fent(const void *a, const void *b)
{
	return strcmp(((const struct fent *)a)->path, ((const struct fent *)b)->path);
}

static void walk_add(struct walk *w, const char *path, const struct stat *st)
{
	SF_GROW(w->v, w->cap, w->n + 1);
	struct fent *f = &w->v[w->n++];
	memset(f, 0, sizeof *f);
	f->path = sf_xstrdup(path);
	f->size = (int64_t)st->st_size;
	f->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

/* Web assets and build output in a documentation folder: never documents, not walked. */
static bool asset(const char *name)
{
	static const char *const ext[] = { "js", "mjs", "css", "scss", "map", "woff", "woff2", "ttf", "otf",
					   "eot", "ico", "svg", "pyc", "o", "so", "a",
					   "class", "exe", "dll", "lock", "swp", NULL };
	const char *dot = strrchr(name, '.');
	if (!dot) return false;
	for (int i = 0; ext[i]; i++)
		if (!strcasecmp(dot + 1, ext[i])) return true;
	return false;
}

static void walk_dir(struct walk *w, const char *dir, unsigned depth, bool quiet)
{
	if (depth > 64) return;
	DIR *d = opendir(dir);
	if (!d) {
		if (!quiet) fprintf(stderr, "%s: %s\n", dir, strerror(errno));
		w->errors++;
		return;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || asset(de->d_name)) continue;
		char p[PATH_MAX];
		if ((size_t)snprintf(p, sizeof p, "%s/%s", dir, de->d_name) >= sizeof p) continue;
		struct stat st;
		if (lstat(p, &st) != 0) continue;
		if (S_ISLNK(st.st_mode)) {
			/* a link to a file is followed; to a folder it is not (no loops) */
			if (stat(p, &st) != 0 || !S_ISREG(st.st_mode)) continue;
		}
		if (S_ISDIR(st.st_mode)) walk_dir(w, p, depth + 1, quiet);
		else if (S_ISREG(st.st_mode)) walk_add(w, p, &st);
	}
	closedir(d);
}

/* ---- the run ---- */

struct slot {
	bool done;
	struct sf_presult r;
};

struct run {
	struct sf_store *st;
	const struct sf_files_opts *o;
	struct sf_files_stats *s;
	struct sf_buf *err;
	struct near near;
	size_t in_tx;
	uint64_t t0, last_progress;
	size_t total, handled;
	enum sf_err fatal;
};

static enum sf_err tx_step(struct run *r)
{
	return sf_store_batch_step(r->st, &r->in_tx, TX_DOCS, r->err);
}

static void progress(struct run *r, bool final)
{
	if (!r->o->progress) return;
	uint64_t now = sf_now_ns();
	if (!final && now - r->last_progress < 250000000ull) return;
	r->last_progress = now;
	double el = (double)(now - r->t0) / 1e9;
	double rate = el > 0 ? (double)r->s->pages / el : 0;
	double eta = r->handled ? el / (double)r->handled * (double)(r->total - r->handled) : 0;
	fprintf(stderr, "\rfiles %zu/%zu, %.1f pages/s, ETA %.0f s, %llu failed, %llu unchanged   ", r->handled,
		r->total, rate, eta, (unsigned long long)r->s->files_failed, (unsigned long long)r->s->files_unchanged);
	if (final) fputc('\n', stderr);
}

static void lang_of(const char *p, size_t n, char out[3])
{
	size_t cyr = 0, lat = 0;
	if (n > 16384) n = 16384;
	for (size_t i = 0; i < n;) {
		uint32_t c = 0;
		size_t k = sf_utf8_decode(p + i, n - i, &c);
		if (!k) k = 1;
		if (c >= 0x400 && c <= 0x4ff) cyr++;
		else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) lat++;
		i += k;
	}
	snprintf(out, 3, "%s", cyr * 2 >= lat ? (cyr ? "ru" : "") : "en");
}

static void file_failed(struct run *r, const struct fent *f, const char *type, const char *reason, bool skipped)
{
	if (!r->o->quiet) fprintf(stderr, "%s%s: %s\n", r->o->progress ? "\r" : "", f->path, reason);
	if (skipped) r->s->files_skipped++;
	else r->s->files_failed++;
	struct sf_file_rec fr = { .path = f->path, .size = f->size, .mtime_ns = f->mtime_ns, .hash = f->hash,
				  .status = skipped ? "skipped" : "failed", .reason = reason, .type = type,
				  .docs = 0, .run_id = r->s->run_id };
	enum sf_err e = sf_store_put_file(r->st, r->o->source, &fr, r->err);
	if (!e && !skipped) e = sf_store_run_failure(r->st, r->s->run_id, f->path, reason, r->err);
	if (e) r->fatal = e;
}

/* The part of a file's documents' ids that names the file: its path, or with id_root set,
 * id_prefix + the path below id_root (into b; returns b's text or path). */
static const char *file_id(struct run *r, const char *path, struct sf_buf *b)
{
	const char *root = r->o->id_root;
	size_t n = root ? strlen(root) : 0;
	if (!root || strncmp(path, root, n) != 0 || path[n] != '/') return path;
	sf_buf_reset(b);
	if (sf_buf_adds(b, r->o->id_prefix ? r->o->id_prefix : "") != SF_OK || sf_buf_adds(b, path + n + 1) != SF_OK)
		return path;
	return b->ptr;
}

/* One parsed document into the store (or merged into its duplicate). ext_id is its id. */
static enum sf_err store_doc(struct run *r, const struct fent *f, const struct sf_presult *pr,
			     const struct sf_pdoc *d, const char *ext_id)
{
	struct sf_dchunks ch = { 0 };
	enum sf_err rc = sf_chunk_doc(d, &r->o->chunk, &ch);
	if (rc) {
		sf_dchunks_release(&ch);
		return rc;
	}
	if (!ch.n) {
		sf_dchunks_release(&ch);
		return SF_ERR_NOTFOUND; /* nothing to store */
	}
	/* title: the document's, else the file name without its extension */
	char title[512];
	if (d->title.len) {
		snprintf(title, sizeof title, "%s", d->title.ptr);
	} else {
		const char *b = strrchr(f->path, '/');
		snprintf(title, sizeof title, "%s", b ? b + 1 : f->path);
		char *dot = strrchr(title, '.');
		if (dot && dot != title) *dot = 0;
	}
	/* snprintf may have cut a character in two: drop its start */
	size_t tl = strlen(title);
	while (tl && !sf_utf8_valid(title, tl)) title[--tl] = 0;
	char url[PATH_MAX + 16];
	if (d->field[SF_PF_URL].len) snprintf(url, sizeof url, "%s", d->field[SF_PF_URL].ptr);
	else if (r->o->no_file_url) url[0] = 0;
	else snprintf(url, sizeof url, "file://%s", f->path);
	char lang[3];
	lang_of(d->text.ptr, d->text.len, lang);
	/* text hash and fingerprint over the chunks as stored */
	struct sf_buf all = SF_BUF_INIT;
	sf_buf_init(&all, 0);
	for (size_t i = 0; i < ch.n && !rc; i++) {
		rc = sf_buf_add(&all, ch.v[i].text.ptr, ch.v[i].text.len);
		if (!rc) rc = sf_buf_addch(&all, '\n');
	}
	char chash[33], fp[33];
	sf_fingerprint_hex(all.ptr, all.len, chash);
	uint64_t sim = sf_pdoc_words(d) >= NEAR_MIN_WORDS ? sf_simhash(all.ptr, all.len) : 0;
	/* what the file says about itself, kept with the document */
	json_t *mj = json_pack("{s:s,s:I,s:I}", "encoding", pr->encoding, "mtime_ms", (json_int_t)(f->mtime_ns / 1000000),
			       "size", (json_int_t)f->size);
	if (d->pages && mj) json_object_set_new(mj, "pages", json_integer(d->pages));
	if (d->ocr_pages && mj) {
		json_object_set_new(mj, "ocr_pages", json_integer(d->ocr_pages));
		json_object_set_new(mj, "ocr_confidence", json_real(d->ocr_conf));
	}
	for (int k = 0; k < SF_PF_COUNT && mj; k++) {
		if (!d->field[k].len) continue;
		if (k != SF_PF_LINKS) {
			json_object_set_new(mj, sf_pfield_names[k], json_stringn(d->field[k].ptr, d->field[k].len));
			continue;
		}
		json_t *arr = json_array(); /* one per line */
		for (const char *l = d->field[k].ptr; *l;) {
			const char *nl = strchr(l, '\n');
			size_t n = nl ? (size_t)(nl - l) : strlen(l);
			json_array_append_new(arr, json_stringn(l, n));
			l += n + (nl != NULL);
		}
		json_object_set_new(mj, "links", arr);
	}
	char *meta_json = mj ? json_dumps(mj, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(mj);
	struct sf_buf meta = SF_BUF_INIT;
	if (!rc) rc = sf_buf_addf(&meta, "%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f", title, url, pr->type, lang,
				  f->path, chash, r->o->acl ? r->o->acl : "", meta_json ? meta_json : "");
	for (size_t i = 0; i < ch.n && !rc; i++)
		rc = sf_buf_addf(&meta, "%s\x1f%u\x1f%u\x1f", ch.v[i].heading.ptr, ch.v[i].page_first, ch.v[i].page_last);
	sf_fingerprint_hex(meta.ptr, meta.len, fp);
	struct sf_chunk_in *ci = sf_xcalloc(ch.n, sizeof *ci);
	for (size_t i = 0; i < ch.n; i++)
		ci[i] = (struct sf_chunk_in){ ch.v[i].heading.ptr, ch.v[i].text.ptr, ch.v[i].text.len, ch.v[i].page_first,
					      ch.v[i].page_last };
	if (!rc) rc = tx_step(r);
	bool merged = false;
	/* a record's own access groups win over the run's; duplicates merge only under the same ones */
	const char *acl = d->field[SF_PF_ACL].len ? d->field[SF_PF_ACL].ptr : r->o->acl;
	bool run_acl = !d->field[SF_PF_ACL].len; /* the near-duplicate map holds the run's groups only */
	if (!rc && r->o->dedup) {
		int64_t dup = 0;
		enum sf_err e = sf_store_find_by_content(r->st, chash, acl, r->o->source, ext_id, &dup, r->err);
		if (e && e != SF_ERR_NOTFOUND) rc = e;
		if (!rc && !dup && run_acl) dup = near_find(&r->near, sim);
		if (!rc && dup) {
			rc = sf_store_add_ref(r->st, dup, r->o->source, ext_id, f->path, url, r->err);
			if (!rc) {
				r->s->docs_duplicate++;
				merged = true;
			}
		}
	}
	if (!rc && !merged) {
		/* a record's own attributes (an export in sufler's format) win over the run's */
		const struct sf_buf *fc = &d->field[SF_PF_CATEGORY], *fk = &d->field[SF_PF_KIND],
				    *fl = &d->field[SF_PF_LANG];
		struct sf_doc_in di = { .source = r->o->source, .ext_id = ext_id, .title = title, .url = url,
					.kind = fk->len ? fk->ptr : pr->type, .lang = fl->len ? fl->ptr : lang,
					.acl = acl, .category = fc->len ? fc->ptr : NULL,
					.meta = meta_json, .fingerprint = fp, .file = f->path, .content_hash = chash,
					.simhash = sim };
		enum sf_put_result res;
		struct sf_buf why = SF_BUF_INIT;
		rc = sf_store_put_document(r->st, &di, ci, ch.n, &res, &why);
		if (rc == SF_ERR_LIMIT || rc == SF_ERR_INVALID) {
			sf_errf(r->err, "%s", why.ptr);
		} else if (rc) {
			sf_errf(r->err, "%s", why.ptr);
		} else {
			if (res == SF_PUT_ADDED) r->s->docs_added++;
			else if (res == SF_PUT_REPLACED) r->s->docs_replaced++;
			else r->s->docs_unchanged++;
			r->s->chunks += ch.n;
			/* later near duplicates merge into this document */
			if (res != SF_PUT_UNCHANGED && sim && run_acl) near_add(&r->near, sim, sf_store_last_doc(r->st));
		}
		sf_buf_release(&why);
	}
	free(ci);
	free(meta_json);
	sf_buf_release(&meta);
	sf_buf_release(&all);
	sf_dchunks_release(&ch);
	return rc;
}

static void store_result(struct run *r, struct fent *f, struct sf_presult *pr)
{
	r->handled++;
	if (pr->rc) {
		file_failed(r, f, pr->type, pr->reason.ptr, pr->skipped);
		/* a file that fails now gives nothing: its old documents go */
		if (f->seen_before && !r->fatal) {
			uint64_t gone = 0;
			enum sf_err e = sf_store_prune_file_docs(r->st, r->o->source, f->path, NULL, 0, false, &gone, r->err);
			if (e) r->fatal = e;
			r->s->docs_removed += gone;
		}
		return;
	}
	const char **keep = sf_xcalloc(pr->ndocs + 1, sizeof *keep);
	char **ids = sf_xcalloc(pr->ndocs + 1, sizeof *ids);
	size_t nkeep = 0;
	uint32_t stored = 0;
	enum sf_err rc = SF_OK;
	struct sf_buf idpath = SF_BUF_INIT;
	for (size_t i = 0; i < pr->ndocs && !rc; i++) {
		const struct sf_pdoc *d = &pr->docs[i];
		struct sf_buf id = SF_BUF_INIT;
		/* a record's own id keeps it stable when records are added to its file */
		const char *fid = file_id(r, f->path, &idpath);
		if (d->field[SF_PF_ID].len) rc = sf_buf_addf(&id, "%s#%s", fid, d->field[SF_PF_ID].ptr);
		else if (pr->ndocs == 1) rc = sf_buf_adds(&id, fid);
		else rc = sf_buf_addf(&id, "%s#%zu", fid, i + 1);
		if (rc || id.len > SF_STORE_MAX_FIELD) {
			sf_buf_release(&id);
			rc = SF_OK;
			continue;
		}
		/* the same record id twice in one file: the later one is numbered */
		for (size_t k = 0; k < nkeep; k++)
			if (!strcmp(keep[k], id.ptr)) {
				sf_buf_reset(&id);
				rc = sf_buf_addf(&id, "%s#%zu", fid, i + 1);
				break;
			}
		ids[nkeep] = sf_buf_detach(&id, NULL);
		rc = store_doc(r, f, pr, d, ids[nkeep]);
		if (rc == SF_ERR_NOTFOUND) { /* no text in it */
			free(ids[nkeep]);
			ids[nkeep] = NULL;
			rc = SF_OK;
			continue;
		}
		if (rc == SF_ERR_LIMIT || rc == SF_ERR_INVALID) {
			fprintf(stderr, "%s: document %zu refused: %s\n", f->path, i + 1, r->err->ptr);
			free(ids[nkeep]);
			ids[nkeep] = NULL;
			rc = SF_OK;
			continue;
		}
		keep[nkeep] = ids[nkeep];
		nkeep++;
		stored++;
		r->s->pages += d->pages ? d->pages : 1;
		r->s->ocr_pages += d->ocr_pages;
	}
	if (!rc && pr->warnings.len && !r->o->quiet) {
		/* what was repaired or left out, one line each, under the file's name */
		for (const char *w = pr->warnings.ptr; *w;) {
			const char *nl = strchr(w, '\n');
			size_t n = nl ? (size_t)(nl - w) : strlen(w);
			fprintf(stderr, "%s%s: %.*s\n", r->o->progress ? "\r" : "", f->path, (int)n, w);
			w += n + (nl != NULL);
		}
	}
	if (rc) {
		r->fatal = rc;
	} else if (!stored) {
		file_failed(r, f, pr->type, "no text to index", true); /* an empty page is not an error */
	} else {
		uint64_t gone = 0;
		if (f->seen_before)
			rc = sf_store_prune_file_docs(r->st, r->o->source, f->path, keep, nkeep, false, &gone, r->err);
		r->s->docs_removed += gone;
		struct sf_file_rec fr = { .path = f->path, .size = f->size, .mtime_ns = f->mtime_ns, .hash = f->hash,
					  .status = "ok", .reason = pr->warnings.len ? pr->warnings.ptr : "",
					  .type = pr->type, .docs = stored, .run_id = r->s->run_id };
		if (!rc) rc = sf_store_put_file(r->st, r->o->source, &fr, r->err);
		if (rc) r->fatal = rc;
		r->s->bytes += (uint64_t)f->size;
	}
	for (size_t i = 0; i < pr->ndocs; i++) free(ids[i]);
	free(ids);
	sf_buf_release(&idpath);
	free(keep);
}

/*
 * A fingerprint of the file's bytes, read in 1 MiB pieces: each piece is hashed, and the
 * fingerprint is taken over the pieces' hashes and the length, so memory stays small whatever
 * the file's size.
 */
static bool hash_file(const char *path, char out[33])
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) return false;
	struct sf_buf sums = SF_BUF_INIT;
	static char piece[1 << 20];
	uint64_t total = 0, i = 0;
	bool ok = true;
	for (;;) {
		size_t got = 0;
		ssize_t k = 0;
		while (got < sizeof piece && (k = read(fd, piece + got, sizeof piece - got)) > 0) got += (size_t)k;
		if (k < 0) {
			ok = false;
			break;
		}
		if (!got) break;
		uint64_t h = sf_hash64(piece, got, i++);
		total += got;
		if (sf_buf_add(&sums, &h, sizeof h) != SF_OK) {
			ok = false;
			break;
		}
		if (got < sizeof piece) break;
	}
	close(fd);
	if (ok && sf_buf_add(&sums, &total, sizeof total) == SF_OK) sf_fingerprint_hex(sums.ptr, sums.len, out);
	else ok = false;
	sf_buf_release(&sums);
	return ok;
}

struct prune_ctx {
	const struct walk *w;
	char **gone;
	size_t ngone, capgone, known;
};

static bool under_roots(const struct walk *w, const char *path)
{
	for (size_t i = 0; i < w->nroots; i++) {
		size_t n = strlen(w->roots[i]);
		if (!strncmp(path, w->roots[i], n) && (path[n] == 0 || path[n] == '/' || w->roots[i][n - 1] == '/'))
			return true;
	}
	return false;
}

static int prune_scan(void *ctx, const struct sf_file_rec *f)
{
	struct prune_ctx *p = ctx;
	if (!under_roots(p->w, f->path)) return 0;
	p->known++;
	struct fent key = { .path = (char *)f->path };
	if (bsearch(&key, p->w->v, p->w->n, sizeof *p->w->v, cmp_fent)) return 0;
	SF_GROW(p->gone, p->capgone, p->ngone + 1);
	p->gone[p->ngone++] = sf_xstrdup(f->path);
	return 0;
}

enum sf_err sf_files_ingest(struct sf_store *st, char *const *paths, size_t npaths,
			    const struct sf_files_opts *o, struct sf_files_stats *s, struct sf_buf *err)
{
	memset(s, 0, sizeof *s);
	struct run r = { .st = st, .o = o, .s = s, .err = err, .t0 = sf_now_ns() };
	struct walk w = { 0 };
	struct sf_parse_pool *pool = NULL;
	struct slot *slots = NULL;
	enum sf_err rc = sf_store_run_begin(st, o->source, &s->run_id, err);
	if (rc) return rc;
	near_init(&r.near);
	if (o->dedup && (rc = sf_store_scan_simhash(st, o->source, o->acl, near_load, &r.near, err))) goto out;
	/* 1. the walk */
	w.roots = sf_xcalloc(npaths + 1, sizeof *w.roots);
	for (size_t i = 0; i < npaths; i++) {
		char abs[PATH_MAX];
		struct stat sb;
		if (!realpath(paths[i], abs) || stat(abs, &sb) != 0) {
			fprintf(stderr, "%s: %s\n", paths[i], strerror(errno));
			s->files_failed++;
			continue;
		}
		w.roots[w.nroots++] = sf_xstrdup(abs);
		if (S_ISDIR(sb.st_mode)) walk_dir(&w, abs, 0, o->quiet);
		else if (S_ISREG(sb.st_mode)) walk_add(&w, abs, &sb);
	}
	qsort(w.v, w.n, sizeof *w.v, cmp_fent);
	/* drop repeats (a file named twice, or inside a folder also named) */
	size_t u = 0;
	for (size_t i = 0; i < w.n; i++) {
		if (u && !strcmp(w.v[u - 1].path, w.v[i].path)) {
			free(w.v[i].path);
			continue;
		}
		w.v[u++] = w.v[i];
	}
	w.n = u;
	s->files = w.n;
	r.total = w.n;
	/* 2. what changed */
	size_t *todo = sf_xcalloc(w.n + 1, sizeof *todo);
	size_t ntodo = 0;
	for (size_t i = 0; i < w.n; i++) {
		struct fent *f = &w.v[i];
		struct sf_file_rec fr;
		enum sf_err e = sf_store_get_file(st, o->source, f->path, &fr, err);
		if (e && e != SF_ERR_NOTFOUND) {
			rc = e;
			free(todo);
			goto out;
		}
		if (!e) {
			f->seen_before = true;
			if (fr.size == f->size && fr.mtime_ns == f->mtime_ns) {
				s->files_unchanged++;
				r.handled++;
				continue;
			}
			snprintf(f->hash, sizeof f->hash, "%s", fr.hash ? fr.hash : "");
		}
		char h[33] = "";
		if (!hash_file(f->path, h)) {
			file_failed(&r, f, "unknown", "cannot read the file", false);
			r.handled++;
			continue;
		}
		if (f->seen_before && !strcmp(h, f->hash)) {
			/* touched, not changed: remember the new mtime only */
			if (!e) {
				struct sf_file_rec nr = fr;
				nr.path = f->path;
				nr.mtime_ns = f->mtime_ns;
				nr.run_id = s->run_id;
				/* fr's strings live in the store's statement: copy what we keep */
				char *st_ = sf_xstrdup(fr.status ? fr.status : "ok"), *re = sf_xstrdup(fr.reason ? fr.reason : ""),
				     *ty = sf_xstrdup(fr.type ? fr.type : "");
				nr.status = st_, nr.reason = re, nr.type = ty, nr.hash = h;
				e = sf_store_put_file(st, o->source, &nr, err);
				free(st_), free(re), free(ty);
				if (e) {
					rc = e;
					free(todo);
					goto out;
				}
			}
			s->files_unchanged++;
			r.handled++;
			continue;
		}
		snprintf(f->hash, sizeof f->hash, "%s", h);
		if (f->seen_before) s->files_changed++;
		else s->files_new++;
		f->changed = true;
		todo[ntodo++] = i;
	}
	/* 3. parse in the pool, store in order */
	if (ntodo) {
		struct sf_parse_pool_opts po = o->pool;
		if ((rc = sf_parse_pool_new(&po, &o->parse, &pool, err))) {
			free(todo);
			goto out;
		}
	}
	slots = sf_xcalloc(WINDOW, sizeof *slots);
	size_t next_submit = 0, next_store = 0;
	while (next_store < ntodo && !r.fatal) {
		while (next_submit < ntodo && next_submit - next_store < WINDOW) {
			size_t k = todo[next_submit];
			/* sufler's own JSONL import format is read here: its reader is strict and bounded */
			sf_parse_pool_submit(pool, w.v[k].path, next_submit);
			next_submit++;
		}
		struct slot *sl = &slots[next_store % WINDOW];
		while (!sl->done) {
			uint64_t tag;
			struct sf_presult pr;
			enum sf_err e = sf_parse_pool_next(pool, &tag, &pr, err);
			if (e) {
				rc = e;
				free(todo);
				goto out;
			}
			slots[tag % WINDOW].r = pr;
			slots[tag % WINDOW].done = true;
		}
		store_result(&r, &w.v[todo[next_store]], &sl->r);
		sf_presult_release(&sl->r);
		sl->done = false;
		next_store++;
		progress(&r, false);
	}
	free(todo);
	if (r.fatal) {
		rc = r.fatal;
		goto out;
	}
	/* 4. prune what is gone */
	if (o->prune) {
		struct prune_ctx pc = { .w = &w };
		if ((rc = sf_store_scan_files(st, o->source, prune_scan, &pc, err))) goto out;
		if (pc.ngone && pc.ngone * 2 > pc.known && !o->force) {
			fprintf(stderr, "sufler ingest: %zu of the %zu files this source knows under these paths are gone; "
					"not removing their documents (more than half: use --force if that is meant)\n",
				pc.ngone, pc.known);
			s->prune_refused = true;
		} else {
			for (size_t i = 0; i < pc.ngone && !rc; i++) {
				uint64_t gone = 0;
				rc = tx_step(&r);
				if (!rc) rc = sf_store_prune_file_docs(st, o->source, pc.gone[i], NULL, 0, true, &gone, err);
				s->docs_removed += gone;
				s->files_removed++;
			}
		}
		for (size_t i = 0; i < pc.ngone; i++) free(pc.gone[i]);
		free(pc.gone);
	}
out:
	if (slots)
		for (size_t i = 0; i < WINDOW; i++)
			if (slots[i].done) sf_presult_release(&slots[i].r);
	free(slots);
	sf_parse_pool_free(pool);
	if (rc) {
		sf_store_rollback(st);
	} else if (r.in_tx) {
		rc = sf_store_commit(st, err);
	}
	s->seconds = (double)(sf_now_ns() - r.t0) / 1e9;
	progress(&r, true);
	char *js = sf_files_stats_json(s);
	struct sf_buf e2 = SF_BUF_INIT;
	const char *status = rc ? "aborted" : s->files_failed ? "failed" : "ok";
	if (sf_store_run_end(st, s->run_id, status, js, &e2) != SF_OK && !rc) {
		sf_errf(err, "%s", e2.ptr);
		rc = SF_ERR_STORE;
	}
	sf_buf_release(&e2);
	free(js);
	for (size_t i = 0; i < w.n; i++) free(w.v[i].path);
	free(w.v);
	for (size_t i = 0; i < w.nroots; i++) free(w.roots[i]);
	free(w.roots);
	near_release(&r.near);
	return rc;
}

char *sf_files_stats_json(const struct sf_files_stats *s)
{
	json_t *o = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:f,s:b}",
			      "files", (json_int_t)s->files, "files_new", (json_int_t)s->files_new, "files_changed",
			      (json_int_t)s->files_changed, "files_unchanged", (json_int_t)s->files_unchanged,
			      "files_failed", (json_int_t)s->files_failed, "files_skipped", (json_int_t)s->files_skipped,
			      "files_removed", (json_int_t)s->files_removed, "docs_added", (json_int_t)s->docs_added,
			      "docs_replaced", (json_int_t)s->docs_replaced, "docs_unchanged", (json_int_t)s->docs_unchanged,
			      "docs_removed", (json_int_t)s->docs_removed, "docs_duplicate", (json_int_t)s->docs_duplicate,
			      "chunks", (json_int_t)s->chunks, "pages", (json_int_t)s->pages, "ocr_pages",
			      (json_int_t)s->ocr_pages, "bytes", (json_int_t)s->bytes, "seconds", s->seconds,
			      "prune_refused", s->prune_refused);
	char *out = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return out ? out : sf_xstrdup("{}");
}
