/*
 * connect/import.h: sufler's own import format into the store (shared by `ingest` and `eval`).
 *
 * Layer: connect. Reads JSONL documents ({"id","title","text"} plus optional "url", "kind", "lang",
 * "acl", "meta"), .txt and .md files, and folders of them (recursively). One bad line or file is
 * reported (file and line) and skipped; the run goes on. Writes to the store in transactions of
 * a few thousand documents; the caller syncs the index afterwards.
 */
#ifndef SF_CONNECT_IMPORT_H
#define SF_CONNECT_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct sf_ingest_stats {
	uint64_t added, replaced, unchanged, failed, skipped_files;
	uint64_t bytes;
};

struct sf_ingest_opts {
	const char *source;   /* store source name (default "cli") */
	bool progress;        /* progress line on stderr */
};

/* Ingests every path; returns SF_OK unless the store itself failed (items that failed are
 * counted in st->failed and reported on stderr). */
enum sf_err sf_ingest_paths(struct sf_store *st, char *const *paths, size_t npaths,
			    const struct sf_ingest_opts *o, struct sf_ingest_stats *stats,
			    struct sf_buf *err);

#endif
