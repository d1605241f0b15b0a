/*
 * connect/files.h: files and folders into the store, incrementally, with isolation.
 *
 * Layer: connect (uses base, text, parse, store). A run walks the paths given (folders
 * recursively, hidden entries and web assets (.js, .css, fonts, icons) skipped, in a stable order), compares each file with what the
 * store remembers of it (size and mtime, then the bytes' hash), and hands new and changed files
 * to the parser pool (parse/pool.h). Each result is chunked (parse/chunk.h) and stored
 * document by document (each document atomic: whole or not at all); a changed file's documents
 * are replaced and the ones it no longer gives removed. Exact duplicates (same text) and near
 * duplicates (SimHash of word shingles within NEAR_BITS bits) are stored once, with every place
 * they were found kept as a reference. With prune, documents whose files are gone are removed,
 * unless that would remove more than half of the files the source knows under the given paths
 * (force overrides). Every run is recorded with its counts and failures (sf_store_scan_runs).
 *
 * One bad file never stops a run: it is reported (path and reason) and counted. Only store
 * failures end a run early. Not thread-safe; blocks.
 */
#ifndef SF_CONNECT_FILES_H
#define SF_CONNECT_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/str.h"
#include "parse/chunk.h"
#include "parse/parse.h"
#include "parse/pool.h"
#include "store/store.h"

struct sf_files_opts {
	const char *source;               /* store source (default "files") */
	const char *acl;                  /* access groups of every document ("a,b"; NULL: public) */
	bool progress;                    /* a progress line on stderr */
	bool quiet;                       /* no per-file failure lines */
	bool prune;                       /* remove documents of files that are gone */
	bool force;                       /* prune even past the half-of-the-source guard */
	bool dedup;                       /* merge exact and near duplicates (default true) */
	const char *id_root;              /* documents' ids: the path relative to this folder, after
					     id_prefix (uploads: the same name replaces the earlier
					     upload); NULL: the full path */
	const char *id_prefix;
	bool no_file_url;                 /* no file:// URL for documents without one of their own
					     (the server's paths are nobody else's business) */
	struct sf_parse_opts parse;
	struct sf_parse_pool_opts pool;
	struct sf_chunk_opts chunk;
};

void sf_files_opts_default(struct sf_files_opts *o);

struct sf_files_stats {
	uint64_t files, files_new, files_changed, files_unchanged, files_failed, files_skipped,
		files_removed;
	uint64_t docs_added, docs_replaced, docs_unchanged, docs_removed, docs_duplicate;
	uint64_t chunks, pages, ocr_pages, bytes;
	double seconds;
	int64_t run_id;
	bool prune_refused;               /* the guard stopped a prune */
};

/*
 * Ingests paths (files and folders). SF_OK unless the store failed or the parser pool could not
 * start (err says why); per-file failures are in stats and the run's record. The caller syncs
 * the index afterwards (or follows the change log while this runs).
 */
enum sf_err sf_files_ingest(struct sf_store *st, char *const *paths, size_t npaths,
			    const struct sf_files_opts *o, struct sf_files_stats *stats,
			    struct sf_buf *err) SF_WUR;

/* stats as a JSON object (for the run record and `ingest --json`); caller frees. */
char *sf_files_stats_json(const struct sf_files_stats *s);

/* 64-bit SimHash of text's word 3-shingles (words lower-cased ASCII-wise); 0 for fewer than
 * three words. */
uint64_t sf_simhash(const char *text, size_t n);

#endif
