/*
 * engine/engine.h: the search engine as one object: a data folder's store and index kept in
 * step, and queries answered with stored text and snippets.
 *
 * Layer: engine (uses base, text, store, index; sits below the service and the CLI). The store
 * and the index know nothing of each other; this module joins them:
 *   - the index follows the store's change log: sf_engine_sync applies every change after the
 *     index's applied sequence number (adds are analyzed and indexed, deletes marked), then
 *     commits the index with the new number. A crash between a store commit and an index commit
 *     is repaired by the next sync.
 *   - a missing, corrupt or outdated index is rebuilt from the store at open.
 *   - a search parses the query language, searches a snapshot, and reads the hits' chunks from
 *     the store for titles, URLs and highlighted snippets.
 *
 * Data folder layout: DIR/sufler.db (SQLite store), DIR/index/ (segments + MANIFEST),
 * DIR/synonyms.txt (optional jargon dictionary, read at open and on sf_engine_reload_synonyms).
 *
 * Thread-safety: an engine is used by one thread at a time, except through readers: each
 * reader (sf_engine_reader_open) has its own store connection and analyzers and searches the
 * engine's shared index snapshots, so many threads search while one thread writes and syncs.
 */
#ifndef SF_ENGINE_ENGINE_H
#define SF_ENGINE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/str.h"
#include "index/index.h"
#include "store/store.h"

struct sf_engine;

struct sf_engine_opts {
	const char *synonyms_path;      /* NULL: DIR/synonyms.txt when present */
	struct sf_search_opts search;   /* BM25F parameters */
	size_t flush_bytes;             /* index writer memory before a segment flush */
	bool quiet;                     /* no progress lines on stderr */
	int expand;                     /* SF_EXPAND_* kinds for unknown query words (engine/expand.h);
					   -1 = the default set */
	bool no_stem;                   /* analyzer without stemming (experiments only: the index
					   must be built and queried the same way) */
};
void sf_engine_opts_default(struct sf_engine_opts *o);

/*
 * Opens the data folder dir (created when missing), its store and its index; rebuilds a corrupt
 * or missing index from the store and catches the index up with the change log.
 * Close with sf_engine_close.
 */
enum sf_err sf_engine_open(const char *dir, const struct sf_engine_opts *opts, struct sf_engine **out,
			   struct sf_buf *err) SF_WUR;
void sf_engine_close(struct sf_engine *e);

/* The store of the data folder (borrowed, valid until sf_engine_close): ingestion writes here,
 * then calls sf_engine_sync. */
struct sf_store *sf_engine_store(struct sf_engine *e);
/* The index (borrowed). */
struct sf_index *sf_engine_index(struct sf_engine *e);

struct sf_sync_stats {
	uint64_t added;
	uint64_t deleted;
	uint64_t seq;        /* applied sequence number afterwards */
	double seconds;
};

/* Applies the store's changes to the index and commits it. */
enum sf_err sf_engine_sync(struct sf_engine *e, struct sf_sync_stats *st, struct sf_buf *err) SF_WUR;
/*
 * Starts indexing on a second thread while the caller writes to the store (bulk ingestion):
 * the thread follows the change log with its own store connection. Until sf_engine_follow_stop,
 * the caller must not use the index (no searches, syncs or reindex). Stop waits for the thread,
 * indexes what is left and commits; it is called by sf_engine_close when the caller did not.
 */
enum sf_err sf_engine_follow_start(struct sf_engine *e, struct sf_buf *err) SF_WUR;
enum sf_err sf_engine_follow_stop(struct sf_engine *e, struct sf_sync_stats *st, struct sf_buf *err) SF_WUR;
/* Throws the index away and builds it again from the store. */
enum sf_err sf_engine_reindex(struct sf_engine *e, struct sf_sync_stats *st, struct sf_buf *err) SF_WUR;
/* Loads the synonym dictionary again (from the path given at open). */
enum sf_err sf_engine_reload_synonyms(struct sf_engine *e, struct sf_buf *err) SF_WUR;

struct sf_engine_query {
	const char *text;         /* the query language of index/query.h */
	size_t len;
	size_t k;                 /* hits wanted (default 10) */
	bool snippets;            /* read chunks and make snippets (default true) */
	bool fetch;               /* read chunks at all (ids, titles); false: chunk ids only */
	bool describe;            /* fill results.parsed with the parsed query (default true) */
	const char *hl_open;      /* snippet markers (default "[" and "]") */
	const char *hl_close;
	const char *const *groups; /* access groups of the caller; NULL = no restriction (admin) */
	size_t ngroups;
	const char *kind;         /* filters on the document's kind, source, language (NULL: any) */
	const char *source;
	const char *lang;
};
void sf_engine_query_default(struct sf_engine_query *q);

struct sf_engine_hit {
	uint64_t chunk_id;
	uint64_t doc_id;  /* 0 when not fetched */
	float score;
	char *ext_id;     /* owned by the result set; NULL when not fetched */
	char *source;
	char *kind;
	char *title;
	char *url;
	char *heading;
	char *snippet;
	uint32_t page_first, page_last; /* pages the chunk spans, 0 when its source has none */
};

struct sf_engine_results {
	struct sf_engine_hit *hits;
	size_t n;
	double took_ms;
	char *parsed;     /* sf_query_describe of the parsed query; NULL unless asked for */
};

enum sf_err sf_engine_search(struct sf_engine *e, const struct sf_engine_query *q,
			     struct sf_engine_results *res, struct sf_buf *err) SF_WUR;
void sf_engine_results_release(struct sf_engine_results *res);

/* ---- readers: searching from many threads ---- */

struct sf_engine_reader;

/*
 * A reader for the calling thread: its own store connection and analyzers over the engine's
 * index. Open and close may run on any thread while others search; the engine must outlive its
 * readers. Close with sf_engine_reader_close.
 */
enum sf_err sf_engine_reader_open(struct sf_engine *e, struct sf_engine_reader **out, struct sf_buf *err) SF_WUR;
void sf_engine_reader_close(struct sf_engine_reader *r);
/* The reader's store connection (borrowed; same thread as the reader). */
struct sf_store *sf_engine_reader_store(struct sf_engine_reader *r);
/* As sf_engine_search, through the reader. Thread-safe across readers, also while the engine's
 * owner syncs, reloads synonyms or follows the change log. */
enum sf_err sf_engine_reader_search(struct sf_engine_reader *r, const struct sf_engine_query *q,
				    struct sf_engine_results *res, struct sf_buf *err) SF_WUR;

#endif
