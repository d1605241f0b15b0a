/*
 * engine/engine.c: a data folder's store and index kept in step, and searches over them.
 *
 * The index is derived data. It records the store change-log sequence it has applied; sync
 * reads the changes after it in batches, analyzes added chunks (title -> title field; heading
 * and text -> body field; kind, lang, source and access groups -> attributes) and commits the
 * index with the last sequence of the batch, so an interrupted sync resumes where it stopped.
 * A chunk whose add was logged but which is gone by the time sync reads it is skipped: its
 * delete follows in the log.
 */
#include "engine/engine.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"
#include "engine/expand.h"
#include "index/query.h"
#include "text/analyze.h"
#include "text/snippet.h"
#include "text/synonyms.h"

/* Changes read per batch; the index commits after each batch. */
#define SYNC_BATCH 100000

struct follower;
struct sf_engine;

struct sf_engine {
	char *dir;
	char *index_dir;
	char *syn_path;
	struct sf_engine_opts opts;
	struct sf_store *store;
	struct sf_index *index;
	struct sf_analyzer *an;
	struct sf_analyzer *surface; /* no stemming: query words as typed, for expansions */
	struct sf_synonyms *syn;
	pthread_rwlock_t syn_lock; /* readers parse under it; a reload swaps syn under it */
	struct follower *follower;
};

struct sf_engine_reader {
	struct sf_engine *e;
	struct sf_store *store;
	struct sf_analyzer *an;
	struct sf_analyzer *surface;
};

void sf_engine_opts_default(struct sf_engine_opts *o)
{
	memset(o, 0, sizeof *o);
	sf_search_opts_default(&o->search);
	o->flush_bytes = 256u << 20;
	o->expand = -1;
}

void sf_engine_query_default(struct sf_engine_query *q)
{
	memset(q, 0, sizeof *q);
	q->k = 10;
	q->snippets = true;
	q->fetch = true;
	q->describe = true;
}

struct sf_store *sf_engine_store(struct sf_engine *e) { return e->store; }
struct sf_index *sf_engine_index(struct sf_engine *e) { return e->index; }

static char *path_join(const char *a, const char *b)
{
	struct sf_buf p = SF_BUF_INIT;
	if (sf_buf_addf(&p, "%s/%s", a, b) != SF_OK) abort(); /* paths are short */
	return sf_buf_detach(&p, NULL);
}

/* Removes the index folder: it holds only flat files written by the index. */
static int rm_index_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d) return errno == ENOENT ? 0 : -1;
	int rc = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
		char *p = path_join(dir, de->d_name);
		if (unlink(p) != 0) rc = -1;
		free(p);
	}
	closedir(d);
	if (rmdir(dir) != 0) rc = -1;
	return rc;
}

static enum sf_err open_index(struct sf_engine *e, struct sf_buf *err)
{
	struct sf_index_opts io;
	sf_index_opts_default(&io);
	if (e->opts.flush_bytes) io.flush_bytes = e->opts.flush_bytes;
	enum sf_err rc = sf_index_open(e->index_dir, true, &io, &e->index, err);
	if (rc == SF_ERR_CORRUPT || rc == SF_ERR_UNSUPPORTED) {
		SF_LOG(SF_LOG_WARN, "engine", "index unusable, rebuilding from the store dir=%s reason=\"%s\"",
		       e->index_dir, err ? err->ptr : "");
		if (!e->opts.quiet)
			fprintf(stderr, "sufler: index in %s is unusable (%s); rebuilding it from the store\n",
				e->index_dir, err ? err->ptr : sf_err_str(rc));
		if (rm_index_dir(e->index_dir) != 0) {
			sf_errf(err, "engine: cannot remove the broken index %s: %s", e->index_dir, strerror(errno));
			return SF_ERR_IO;
		}
		rc = sf_index_open(e->index_dir, true, &io, &e->index, err);
	}
	return rc;
}

enum sf_err sf_engine_reload_synonyms(struct sf_engine *e, struct sf_buf *err)
{
	if (!e->syn_path) return SF_OK;
	struct sf_synonyms *syn = NULL;
	size_t skipped = 0;
	struct sf_buf why = SF_BUF_INIT;
	enum sf_err rc = SF_OK;
	if (access(e->syn_path, F_OK) == 0 || e->opts.synonyms_path)
		rc = sf_synonyms_load(e->an, e->syn_path, &syn, &skipped, &why);
	if (rc) {
		sf_errf(err, "engine: synonyms %s: %s", e->syn_path, why.ptr);
		sf_buf_release(&why);
		return rc;
	}
	if (skipped) SF_LOG(SF_LOG_WARN, "engine", "synonyms skipped=%zu first=\"%s\"", skipped, why.ptr);
	sf_buf_release(&why);
	pthread_rwlock_wrlock(&e->syn_lock);
	struct sf_synonyms *old = e->syn;
	e->syn = syn;
	pthread_rwlock_unlock(&e->syn_lock);
	sf_synonyms_free(old);
	return SF_OK;
}

/*
 * The index holds terms as one version of the analyzer made them (dictionary present or not,
 * options). DIR/analyzer records that version's signature; when it differs from the running
 * analyzer's, the index is rebuilt from the store so queries and documents meet again.
 */
enum sf_err sf_engine_reindex(struct sf_engine *e, struct sf_sync_stats *st, struct sf_buf *err);

static enum sf_err check_analysis(struct sf_engine *e, struct sf_buf *err)
{
	const char *sig = sf_analyzer_signature(e->an);
	char *path = path_join(e->dir, "analyzer");
	char old[256] = "";
	FILE *f = fopen(path, "r");
	if (f) {
		if (!fgets(old, sizeof old, f)) old[0] = 0;
		fclose(f);
		old[strcspn(old, "\n")] = 0;
	}
	enum sf_err rc = SF_OK;
	bool empty = sf_index_applied_seq(e->index) == 0;
	if (strcmp(old, sig) != 0) {
		if (!empty) {
			SF_LOG(SF_LOG_WARN, "engine", "analysis changed, rebuilding the index old=\"%s\" new=\"%s\"", old, sig);
			if (!e->opts.quiet)
				fprintf(stderr, "sufler: text analysis changed (%s -> %s); rebuilding the index\n",
					old[0] ? old : "unknown", sig);
			rc = sf_engine_reindex(e, NULL, err);
		}
		if (!rc) {
			char tmp[4200];
			snprintf(tmp, sizeof tmp, "%s.tmp", path);
			f = fopen(tmp, "w");
			bool ok = f && fprintf(f, "%s\n", sig) >= 0;
			if (f && fclose(f) != 0) ok = false;
			if (!ok || rename(tmp, path) != 0) {
				sf_errf(err, "engine: cannot write %s: %s", path, strerror(errno));
				rc = SF_ERR_IO;
			}
		}
	}
	free(path);
	return rc;
}

enum sf_err sf_engine_open(const char *dir, const struct sf_engine_opts *opts, struct sf_engine **out,
			   struct sf_buf *err)
{
	struct sf_engine *e = sf_xcalloc(1, sizeof *e);
	enum sf_err rc;
	if (opts) e->opts = *opts;
	else sf_engine_opts_default(&e->opts);
	pthread_rwlock_init(&e->syn_lock, NULL);
	e->dir = sf_xstrdup(dir);
	e->index_dir = path_join(dir, "index");
	if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
		sf_errf(err, "engine: cannot create data folder %s: %s", dir, strerror(errno));
		rc = SF_ERR_IO;
		goto fail;
	}
	char *db = path_join(dir, "sufler.db");
	rc = sf_store_open(db, &e->store, err);
	free(db);
	if (rc) goto fail;
	struct sf_analyzer_opts ao;
	sf_analyzer_opts_default(&ao);
	if (e->opts.no_stem) ao.stem = false;
	rc = sf_analyzer_new(&ao, &e->an, err);
	if (rc) goto fail;
	ao.stem = false;
	rc = sf_analyzer_new(&ao, &e->surface, err);
	if (rc) goto fail;
	if (e->opts.expand < 0) e->opts.expand = SF_ENGINE_EXPAND_DEFAULT;
	if (e->opts.synonyms_path) {
		e->syn_path = sf_xstrdup(e->opts.synonyms_path);
	} else {
		/* DIR/synonyms.txt, also when it appears later (a reload picks it up) */
		e->syn_path = path_join(dir, "synonyms.txt");
	}
	rc = sf_engine_reload_synonyms(e, err);
	if (rc) goto fail;
	rc = open_index(e, err);
	if (rc) goto fail;
	rc = check_analysis(e, err);
	if (rc) goto fail;
	rc = sf_engine_sync(e, NULL, err);
	if (rc) goto fail;
	*out = e;
	return SF_OK;
fail:
	sf_engine_close(e);
	return rc;
}

void sf_engine_close(struct sf_engine *e)
{
	if (!e) return;
	if (e->follower) {
		struct sf_buf ignore = SF_BUF_INIT;
		if (sf_engine_follow_stop(e, NULL, &ignore) != SF_OK)
			SF_LOG(SF_LOG_ERROR, "engine", "indexing thread failed: %s", ignore.ptr);
		sf_buf_release(&ignore);
	}
	sf_index_close(e->index);
	sf_store_close(e->store);
	sf_synonyms_free(e->syn);
	sf_analyzer_free(e->an);
	sf_analyzer_free(e->surface);
	free(e->dir);
	free(e->index_dir);
	free(e->syn_path);
	pthread_rwlock_destroy(&e->syn_lock);
	free(e);
}

/* ---- indexing ---- */

/* What one indexing pass needs: the index, a store connection and an analyzer of its own. */
struct indexer {
	struct sf_index *ix;
	struct sf_store *store;
	struct sf_analyzer *an;
};

struct field_ctx {
	struct sf_index *ix;
	enum sf_field field;
	uint32_t base;     /* position offset (heading before text in the body) */
	uint32_t last;
	enum sf_err rc;
};

static int on_token(void *ctx, const struct sf_token *t)
{
	struct field_ctx *f = ctx;
	uint32_t pos = f->base + t->pos;
	if (pos > SF_INDEX_MAX_POS) pos = SF_INDEX_MAX_POS;
	f->last = pos;
	f->rc = sf_index_add_term(f->ix, f->field, t->term, t->term_len, pos);
	return f->rc != SF_OK;
}

static enum sf_err add_field(struct indexer *x, enum sf_field field, struct sf_str text, uint32_t *base)
{
	if (!text.len) return SF_OK;
	struct field_ctx f = { x->ix, field, *base, *base, SF_OK };
	enum sf_err rc = sf_analyze(x->an, text.ptr, text.len, on_token, &f);
	if (rc) return rc;
	/* A gap keeps phrases from running from the heading into the text. */
	*base = f.last + 8;
	return f.rc;
}

static enum sf_err add_attr(struct indexer *x, const char *name, struct sf_str v)
{
	if (!v.len) return SF_OK;
	/* the same normalization as filter values in queries */
	struct sf_buf val = SF_BUF_INIT;
	enum sf_err rc = sf_query_normalize_value(x->an, v.ptr, v.len, &val);
	if (!rc && val.len) rc = sf_index_add_attr(x->ix, name, val.ptr);
	sf_buf_release(&val);
	return rc;
}

static enum sf_err index_chunk(struct indexer *x, const struct sf_chunk *c)
{
	enum sf_err rc = sf_index_begin_doc(x->ix, c->id);
	if (rc) return rc;
	uint32_t base = 0;
	if ((rc = add_field(x, SF_FIELD_TITLE, c->title, &base))) return rc;
	base = 0;
	if ((rc = add_field(x, SF_FIELD_BODY, c->heading, &base))) return rc;
	if ((rc = add_field(x, SF_FIELD_BODY, c->text, &base))) return rc;
	if ((rc = add_attr(x, "kind", c->kind))) return rc;
	if ((rc = add_attr(x, "lang", c->lang))) return rc;
	if ((rc = add_attr(x, "source", c->source))) return rc;
	if ((rc = add_attr(x, "category", c->category))) return rc;
	/* Access groups: one attribute value per group; no group = public. */
	if (!c->acl.len) {
		if ((rc = sf_index_add_attr(x->ix, "acl", "public"))) return rc;
	} else {
		size_t i = 0;
		while (i < c->acl.len) {
			size_t j = i;
			while (j < c->acl.len && c->acl.ptr[j] != ',') j++;
			size_t a = i, b = j;
			while (a < b && c->acl.ptr[a] == ' ') a++;
			while (b > a && c->acl.ptr[b - 1] == ' ') b--;
			if (b > a && (rc = add_attr(x, "acl", (struct sf_str){ c->acl.ptr + a, b - a }))) return rc;
			i = j + 1;
		}
	}
	return sf_index_end_doc(x->ix);
}

struct sync_ctx {
	struct indexer *x;
	uint64_t last_seq;
	uint64_t added, deleted, seen;
	enum sf_err rc;
	struct sf_buf *err;
};

static int on_change(void *ctx, uint64_t seq, enum sf_change_op op, uint64_t chunk_id,
		     const struct sf_chunk *c)
{
	struct sync_ctx *s = ctx;
	s->seen++;
	if (op == SF_CHANGE_ADD && c) {
		s->rc = index_chunk(s->x, c);
		s->added++;
	} else if (op == SF_CHANGE_DELETE) {
		s->rc = sf_index_delete(s->x->ix, chunk_id);
		s->deleted++;
	}
	if (s->rc) {
		sf_errf(s->err, "engine: indexing chunk %llu: %s", (unsigned long long)chunk_id,
			sf_err_str(s->rc));
		return 1;
	}
	s->last_seq = seq;
	return 0;
}

static void progress(struct sf_engine *e, const char *what, uint64_t done, uint64_t total, uint64_t t0)
{
	if (e->opts.quiet || !isatty(2)) return;
	double s = (double)(sf_now_ns() - t0) / 1e9;
	fprintf(stderr, "\r%s: %llu/%llu changes, %.1f s", what, (unsigned long long)done,
		(unsigned long long)total, s);
}

/*
 * Applies changes after s->last_seq up to the store's current maximum, committing the index
 * every SYNC_BATCH changes and at the end when commit is true.
 */
static enum sf_err sync_pass(struct sf_engine *e, struct sync_ctx *s, bool commit, uint64_t t0)
{
	uint64_t max = 0;
	enum sf_err rc = sf_store_max_seq(s->x->store, &max, s->err);
	if (rc) return rc;
	uint64_t start = s->last_seq, committed = s->last_seq;
	while (s->last_seq < max) {
		uint64_t before = s->seen;
		rc = sf_store_changes(s->x->store, s->last_seq, SYNC_BATCH / 4, on_change, s, s->err);
		if (rc) return rc;
		if (s->rc) return s->rc;
		if (s->seen == before) break;
		if (s->last_seq - committed >= SYNC_BATCH) {
			if ((rc = sf_index_commit(s->x->ix, s->last_seq, s->err))) return rc;
			committed = s->last_seq;
		}
		progress(e, "indexing", s->last_seq - start, max - start, t0);
	}
	if (commit && s->last_seq != sf_index_applied_seq(s->x->ix))
		rc = sf_index_commit(s->x->ix, s->last_seq, s->err);
	return rc;
}

enum sf_err sf_engine_sync(struct sf_engine *e, struct sf_sync_stats *st, struct sf_buf *err)
{
	uint64_t t0 = sf_now_ns();
	struct indexer x = { e->index, e->store, e->an };
	struct sync_ctx s = { &x, sf_index_applied_seq(e->index), 0, 0, 0, SF_OK, err };
	enum sf_err rc = sync_pass(e, &s, true, t0);
	sf_store_idle(e->store);
	if (s.seen && !e->opts.quiet && isatty(2)) fputc('\n', stderr);
	if (st) {
		st->added = s.added;
		st->deleted = s.deleted;
		st->seq = s.last_seq;
		st->seconds = (double)(sf_now_ns() - t0) / 1e9;
	}
	return rc;
}

/*
 * Following the store while it is written: a thread with its own store connection and
 * analyzer indexes what the ingesting thread has committed, so parsing and storing run on one
 * core and analysis and indexing on the other. The index is used by that thread only until
 * sf_engine_follow_stop joins it.
 */
struct follower {
	struct sf_engine *e;
	struct indexer x;
	struct sync_ctx s;
	struct sf_buf err;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	enum sf_err rc;
	uint64_t t0;
};

static void *follow_main(void *arg)
{
	struct follower *f = arg;
	pthread_setname_np(pthread_self(), "sufler-index");
	for (;;) {
		pthread_mutex_lock(&f->mu);
		bool stop = f->stop;
		pthread_mutex_unlock(&f->mu);
		f->rc = sync_pass(f->e, &f->s, stop, f->t0);
		if (f->rc || stop) break;
		pthread_mutex_lock(&f->mu);
		if (!f->stop) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 100 * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&f->cv, &f->mu, &ts);
		}
		pthread_mutex_unlock(&f->mu);
	}
	return NULL;
}

enum sf_err sf_engine_follow_start(struct sf_engine *e, struct sf_buf *err)
{
	if (e->follower) return SF_OK;
	struct follower *f = sf_xcalloc(1, sizeof *f);
	sf_buf_init(&f->err, 0);
	char *db = path_join(e->dir, "sufler.db");
	enum sf_err rc = sf_store_open(db, &f->x.store, err);
	free(db);
	struct sf_analyzer_opts ao;
	sf_analyzer_opts_default(&ao);
	if (e->opts.no_stem) ao.stem = false;
	if (!rc) rc = sf_analyzer_new(&ao, &f->x.an, err);
	if (rc) {
		sf_store_close(f->x.store);
		free(f);
		return rc;
	}
	f->e = e;
	f->x.ix = e->index;
	f->s = (struct sync_ctx){ &f->x, sf_index_applied_seq(e->index), 0, 0, 0, SF_OK, &f->err };
	f->t0 = sf_now_ns();
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->cv, NULL);
	if (pthread_create(&f->th, NULL, follow_main, f) != 0) {
		sf_errf(err, "engine: cannot start the indexing thread");
		sf_analyzer_free(f->x.an);
		sf_store_close(f->x.store);
		free(f);
		return SF_ERR_INTERNAL;
	}
	e->follower = f;
	return SF_OK;
}

enum sf_err sf_engine_follow_stop(struct sf_engine *e, struct sf_sync_stats *st, struct sf_buf *err)
{
	struct follower *f = e->follower;
	if (!f) return sf_engine_sync(e, st, err);
	pthread_mutex_lock(&f->mu);
	f->stop = true;
	pthread_cond_signal(&f->cv);
	pthread_mutex_unlock(&f->mu);
	pthread_join(f->th, NULL);
	e->follower = NULL;
	enum sf_err rc = f->rc;
	if (rc) sf_errf(err, "%s", f->err.ptr);
	if (!e->opts.quiet && f->s.seen && isatty(2)) fputc('\n', stderr);
	if (st) {
		st->added = f->s.added;
		st->deleted = f->s.deleted;
		st->seq = f->s.last_seq;
		st->seconds = (double)(sf_now_ns() - f->t0) / 1e9;
	}
	sf_analyzer_free(f->x.an);
	sf_store_close(f->x.store);
	sf_buf_release(&f->err);
	pthread_mutex_destroy(&f->mu);
	pthread_cond_destroy(&f->cv);
	free(f);
	/* Whatever the ingesting side committed after the last pass. */
	if (!rc) {
		struct sf_sync_stats more;
		rc = sf_engine_sync(e, &more, err);
		if (!rc && st) {
			st->added += more.added;
			st->deleted += more.deleted;
			st->seq = more.seq > st->seq ? more.seq : st->seq;
		}
	}
	return rc;
}

enum sf_err sf_engine_reindex(struct sf_engine *e, struct sf_sync_stats *st, struct sf_buf *err)
{
	sf_index_close(e->index);
	e->index = NULL;
	if (rm_index_dir(e->index_dir) != 0) {
		sf_errf(err, "engine: cannot remove %s: %s", e->index_dir, strerror(errno));
		return SF_ERR_IO;
	}
	enum sf_err rc = open_index(e, err);
	if (rc) return rc;
	/* Replaying the whole change log rebuilds the same index; adds of chunks deleted since are
	 * skipped because the store no longer has them. */
	rc = sf_engine_sync(e, st, err);
	if (rc) return rc;
	return sf_index_optimize(e->index, err);
}

/* ---- searching ---- */

static char *dup_str(struct sf_str s)
{
	return sf_xstrndup(s.ptr, s.len);
}

/* A filter value normalized as the indexer normalized attribute values (add_attr). */
static void add_filter(struct sf_query *pq, struct sf_analyzer *an, const char *name, const char *value)
{
	struct sf_buf v = SF_BUF_INIT;
	if (sf_query_normalize_value(an, value, strlen(value), &v) == SF_OK && v.len) sf_query_add_filter(pq, name, v.ptr);
	else sf_query_add_filter(pq, name, "\x01"); /* matches nothing rather than everything */
	sf_buf_release(&v);
}

/* A search with the given store connection and analyzers (the engine's own, or a reader's). */
static enum sf_err search_with(struct sf_engine *e, struct sf_store *store, struct sf_analyzer *an,
			       struct sf_analyzer *surface, const struct sf_engine_query *q,
			       struct sf_engine_results *res, struct sf_buf *err)
{
	uint64_t t0 = sf_now_ns();
	memset(res, 0, sizeof *res);
	struct sf_query *pq = NULL;
	struct sf_snapshot *snap = NULL;
	struct sf_hit *hits = NULL;
	pthread_rwlock_rdlock(&e->syn_lock);
	enum sf_err rc = sf_query_parse(q->text, q->len, an, e->syn, &pq, err);
	pthread_rwlock_unlock(&e->syn_lock);
	if (rc) goto out;
	if (q->groups) {
		add_filter(pq, an, "acl", "public");
		for (size_t i = 0; i < q->ngroups; i++) add_filter(pq, an, "acl", q->groups[i]);
	}
	if (q->kind) add_filter(pq, an, "kind", q->kind);
	if (q->source) add_filter(pq, an, "source", q->source);
	if (q->lang) add_filter(pq, an, "lang", q->lang);
	size_t k = q->k ? q->k : 10;
	hits = sf_xcalloc(k, sizeof *hits);
	size_t n = 0;
	snap = sf_index_snapshot(e->index);
	rc = sf_expand_query(an, surface, snap, q->text, q->len, e->opts.expand, pq);
	if (rc) {
		sf_errf(err, "engine: expanding the query: %s", sf_err_str(rc));
		goto out;
	}
	rc = sf_search(snap, pq, k, &e->opts.search, hits, &n, NULL);
	if (rc) {
		sf_errf(err, "engine: search failed: %s", sf_err_str(rc));
		goto out;
	}
	res->hits = sf_xcalloc(n ? n : 1, sizeof *res->hits);
	if (q->fetch && n > 1) sf_store_read_begin(store); /* one snapshot for all the hits */
	struct sf_snippet_opts so = { 240, q->hl_open ? q->hl_open : "[", q->hl_close ? q->hl_close : "]" };
	for (size_t i = 0; i < n; i++) {
		struct sf_engine_hit *h = &res->hits[res->n];
		h->chunk_id = hits[i].docid;
		h->score = hits[i].score;
		if (q->fetch) {
			struct sf_chunk c;
			enum sf_err g = q->snippets ? sf_store_get_chunk(store, hits[i].docid, &c, NULL)
						    : sf_store_get_chunk_head(store, hits[i].docid, &c, NULL);
			if (g == SF_ERR_NOTFOUND) continue; /* deleted after the snapshot */
			if (g) {
				rc = g;
				sf_errf(err, "engine: reading hit %llu from the store", (unsigned long long)hits[i].docid);
				goto out;
			}
			h->doc_id = c.doc_id;
			h->ext_id = dup_str(c.ext_id);
			h->source = dup_str(c.source);
			h->kind = dup_str(c.kind);
			h->title = dup_str(c.title);
			h->url = dup_str(c.url);
			h->heading = dup_str(c.heading);
			h->page_first = c.page_first;
			h->page_last = c.page_last;
			if (q->snippets) {
				struct sf_buf sn = SF_BUF_INIT;
				if (sf_snippet_make(an, c.text.ptr, c.text.len, pq->highlight, pq->nhighlight, &so,
						    &sn) != SF_OK)
					sf_buf_reset(&sn);
				h->snippet = sf_buf_detach(&sn, NULL);
			}
		}
		res->n++;
	}
	sf_store_read_end(store);
	if (q->describe) {
		struct sf_buf d = SF_BUF_INIT;
		if (sf_query_describe(pq, &d) != SF_OK) sf_buf_reset(&d);
		res->parsed = sf_buf_detach(&d, NULL);
	}
out:
	sf_store_read_end(store);
	if (snap) sf_snapshot_release(snap);
	sf_query_free(pq);
	free(hits);
	res->took_ms = (double)(sf_now_ns() - t0) / 1e6;
	if (rc) sf_engine_results_release(res);
	return rc;
}

void sf_engine_results_release(struct sf_engine_results *res)
{
	for (size_t i = 0; i < res->n; i++) {
		free(res->hits[i].ext_id);
		free(res->hits[i].source);
		free(res->hits[i].kind);
		free(res->hits[i].title);
		free(res->hits[i].url);
		free(res->hits[i].heading);
		free(res->hits[i].snippet);
	}
	free(res->hits);
	free(res->parsed);
	memset(res, 0, sizeof *res);
}

enum sf_err sf_engine_search(struct sf_engine *e, const struct sf_engine_query *q,
			     struct sf_engine_results *res, struct sf_buf *err)
{
	return search_with(e, e->store, e->an, e->surface, q, res, err);
}

/* ---- readers ---- */

enum sf_err sf_engine_reader_open(struct sf_engine *e, struct sf_engine_reader **out, struct sf_buf *err)
{
	struct sf_engine_reader *r = sf_xcalloc(1, sizeof *r);
	r->e = e;
	char *db = path_join(e->dir, "sufler.db");
	enum sf_err rc = sf_store_open(db, &r->store, err);
	free(db);
	struct sf_analyzer_opts ao;
	sf_analyzer_opts_default(&ao);
	if (e->opts.no_stem) ao.stem = false;
	if (!rc) rc = sf_analyzer_new(&ao, &r->an, err);
	ao.stem = false;
	if (!rc) rc = sf_analyzer_new(&ao, &r->surface, err);
	if (rc) {
		sf_engine_reader_close(r);
		return rc;
	}
	*out = r;
	return SF_OK;
}

void sf_engine_reader_close(struct sf_engine_reader *r)
{
	if (!r) return;
	sf_store_close(r->store);
	sf_analyzer_free(r->an);
	sf_analyzer_free(r->surface);
	free(r);
}

struct sf_store *sf_engine_reader_store(struct sf_engine_reader *r) { return r->store; }

enum sf_err sf_engine_reader_search(struct sf_engine_reader *r, const struct sf_engine_query *q,
				    struct sf_engine_results *res, struct sf_buf *err)
{
	return search_with(r->e, r->store, r->an, r->surface, q, res, err);
}
