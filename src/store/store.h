/*
 * store/store.h: the system of record: documents and their chunks, and the change log that the
 * index follows.
 *
 * Layer: store (uses base, SQLite; PostgreSQL later behind the same functions). No SQL exists
 * outside src/store. The store is the truth: the index can always be rebuilt from it.
 *
 * Model: a document (source + external id, title, url, kind, lang, access groups, metadata JSON,
 * content fingerprint) owns chunks (ordered passages with a heading path): the units that are
 * indexed and returned by search. Chunk ids are never reused, so they serve as index document
 * ids. Every chunk added or deleted appends a row to the change log (seq, chunk id, op); an index
 * records the last seq it applied and catches up from there.
 *
 * Thread-safety: a struct sf_store is one connection; use it from one thread at a time (open one
 * per thread; SQLite in WAL mode lets readers run beside the writer).
 */
#ifndef SF_STORE_STORE_H
#define SF_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/str.h"

/* Limits on what one document may bring. */
#define SF_STORE_MAX_TEXT (64u << 20)   /* bytes of text per document */
#define SF_STORE_MAX_FIELD 4096         /* bytes of title, url, ids, kind, lang, acl, category */
#define SF_STORE_SCHEMA_VERSION 6

struct sf_store;

/*
 * Opens (creating when missing) the SQLite store at path and migrates its schema to
 * SF_STORE_SCHEMA_VERSION. SF_ERR_UNSUPPORTED for a store written by a newer sufler, SF_ERR_STORE
 * when SQLite fails (message in err). Close with sf_store_close.
 */
enum sf_err sf_store_open(const char *path, struct sf_store **out, struct sf_buf *err) SF_WUR;
void sf_store_close(struct sf_store *st);
/* Schema version of the open store. */
int sf_store_schema_version(struct sf_store *st);

/* For a connection that mostly writes (the audit writer, the job worker): no memory map. A
 * connection that checkpoints the WAL while mapping a large store unmaps and maps it again
 * each time, and every unmap stops all threads of the process for a TLB shootdown. */
void sf_store_writer_mode(struct sf_store *st);

/* A read transaction around several reads (one snapshot, one lock instead of one per read):
 * sf_store_read_begin, the reads, sf_store_read_end. Not inside a write transaction (then it
 * does nothing). */
void sf_store_read_begin(struct sf_store *st);
void sf_store_read_end(struct sf_store *st);

/* Ends the read transaction that statements left on a row hold (slices from earlier calls end).
 * Long-lived connections call it between units of work: a connection that keeps an old read
 * snapshot stops SQLite from checkpointing the write-ahead log, which then grows without end. */
void sf_store_idle(struct sf_store *st);

/* Transactions group many puts into one commit (much faster); nesting is not supported. */
enum sf_err sf_store_begin(struct sf_store *st, struct sf_buf *err) SF_WUR;
/* Batching for a long run of puts: call before each. Opens a transaction when *n is 0 and
 * commits once *n reaches every (then starts counting again); the caller commits the last one. */
enum sf_err sf_store_batch_step(struct sf_store *st, size_t *n, size_t every, struct sf_buf *err) SF_WUR;
enum sf_err sf_store_commit(struct sf_store *st, struct sf_buf *err) SF_WUR;
void sf_store_rollback(struct sf_store *st);

/* A document to store. Strings are borrowed for the call; NULL means empty/absent. */
struct sf_doc_in {
	const char *source;   /* e.g. "cli", "pyrus", "files:/srv/kb"; NULL = "default" */
	const char *ext_id;   /* id in its source; required */
	const char *title;
	const char *url;
	const char *kind;     /* "doc", "kb", "ticket", ... */
	const char *lang;     /* "ru", "en", ... */
	const char *acl;      /* access groups, comma-separated; NULL/empty = public */
	const char *category; /* the document's category (a filter in search), may be NULL */
	const char *meta;     /* JSON object text, stored as given */
	const char *fingerprint; /* content fingerprint (32 hex); equal = unchanged */
	const char *file;     /* the file the document came from (files sources), may be NULL */
	const char *content_hash; /* hash of the text alone (exact duplicates), may be NULL */
	uint64_t simhash;     /* SimHash of the text's shingles (near duplicates), 0 = none */
};

struct sf_chunk_in {
	const char *heading;  /* heading path, " › " separated, may be NULL */
	const char *text;
	size_t len;
	uint32_t page_first, page_last; /* pages the chunk spans, 0 when the source has none */
};

enum sf_put_result { SF_PUT_UNCHANGED = 0, SF_PUT_ADDED = 1, SF_PUT_REPLACED = 2 };

/*
 * Adds a document with its chunks, or replaces the stored one with the same (source, ext_id)
 * when its fingerprint differs (old chunks deleted, new ones added, both logged); does nothing
 * when the fingerprint is equal. SF_ERR_INVALID for a missing ext_id, SF_ERR_LIMIT past the
 * limits above.
 */
enum sf_err sf_store_put_document(struct sf_store *st, const struct sf_doc_in *d,
				  const struct sf_chunk_in *chunks, size_t nchunks,
				  enum sf_put_result *result, struct sf_buf *err) SF_WUR;

/* The id of the document the last successful sf_store_put_document added, replaced or found
 * unchanged on this store (0 before any). */
int64_t sf_store_last_doc(const struct sf_store *st);

/* Deletes a document and its chunks (logged). SF_ERR_NOTFOUND when absent. */
enum sf_err sf_store_delete_document(struct sf_store *st, const char *source, const char *ext_id,
				     struct sf_buf *err) SF_WUR;

/* A chunk with what the index and a search result need. Owned by the store's read buffers:
 * valid until the next read call on the same store. */
struct sf_chunk {
	uint64_t id;
	uint64_t doc_id;
	uint32_t ord;
	struct sf_str source, ext_id, title, url, kind, lang, acl, heading, text, category;
	uint32_t page_first, page_last;
};

/* Reads one chunk by id; SF_ERR_NOTFOUND when it is gone. */
enum sf_err sf_store_get_chunk(struct sf_store *st, uint64_t chunk_id, struct sf_chunk *out,
			       struct sf_buf *err) SF_WUR;

/* As sf_store_get_chunk without the text (out->text is empty): cheaper for result lists. */
enum sf_err sf_store_get_chunk_head(struct sf_store *st, uint64_t chunk_id, struct sf_chunk *out,
				    struct sf_buf *err) SF_WUR;

/* Calls fn for every live chunk in id order; stops early when fn returns non-zero. */
enum sf_err sf_store_scan_chunks(struct sf_store *st, int (*fn)(void *ctx, const struct sf_chunk *c),
				 void *ctx, struct sf_buf *err) SF_WUR;

enum sf_change_op { SF_CHANGE_ADD = 1, SF_CHANGE_DELETE = 2 };

/*
 * Calls fn for each change with seq > after, in seq order, at most limit of them (0 = all).
 * For an ADD whose chunk still exists, c is that chunk; otherwise c is NULL.
 */
enum sf_err sf_store_changes(struct sf_store *st, uint64_t after, size_t limit,
			     int (*fn)(void *ctx, uint64_t seq, enum sf_change_op op, uint64_t chunk_id,
				       const struct sf_chunk *c),
			     void *ctx, struct sf_buf *err) SF_WUR;

/* The last change seq (0 when none). */
enum sf_err sf_store_max_seq(struct sf_store *st, uint64_t *seq, struct sf_buf *err) SF_WUR;

struct sf_store_stats {
	uint64_t documents;
	uint64_t chunks;
	uint64_t bytes;   /* database file size */
};
enum sf_err sf_store_stats(struct sf_store *st, struct sf_store_stats *out, struct sf_buf *err) SF_WUR;

/* ---- duplicates ---- */

/* A document with this text hash and these access groups (NULL: public), other than (source,
 * ext_id): its id; SF_ERR_NOTFOUND when none. Copies under other groups are not duplicates:
 * merging them would hide the text from someone allowed to read it. */
enum sf_err sf_store_find_by_content(struct sf_store *st, const char *content_hash, const char *acl,
				     const char *source, const char *ext_id, int64_t *doc_id,
				     struct sf_buf *err) SF_WUR;
/* Records that (source, ext_id) from file (url) holds document doc_id's text: a merged duplicate.
 * A document stored under (source, ext_id) before is deleted. */
enum sf_err sf_store_add_ref(struct sf_store *st, int64_t doc_id, const char *source, const char *ext_id,
			     const char *file, const char *url, struct sf_buf *err) SF_WUR;
/* Calls fn for every document of source with these access groups (NULL: public) and a SimHash. */
enum sf_err sf_store_scan_simhash(struct sf_store *st, const char *source, const char *acl,
				  int (*fn)(void *ctx, int64_t doc_id, uint64_t simhash), void *ctx,
				  struct sf_buf *err) SF_WUR;

/* ---- files of a source, for incremental runs ---- */

struct sf_file_rec {
	const char *path;
	int64_t size, mtime_ns;
	const char *hash;     /* content fingerprint of the file's bytes */
	const char *status;   /* "ok", "failed", "skipped" */
	const char *reason;   /* why it failed or was skipped */
	const char *type;     /* detected type */
	uint32_t docs;        /* documents it gave */
	int64_t run_id;       /* the run that last read it */
};

/* The record of path in source (strings valid until the next store call); SF_ERR_NOTFOUND. */
enum sf_err sf_store_get_file(struct sf_store *st, const char *source, const char *path,
			      struct sf_file_rec *out, struct sf_buf *err) SF_WUR;
enum sf_err sf_store_put_file(struct sf_store *st, const char *source, const struct sf_file_rec *f,
			      struct sf_buf *err) SF_WUR;
/* Calls fn for every file record of source, by path; stops when fn returns non-zero. */
enum sf_err sf_store_scan_files(struct sf_store *st, const char *source,
				int (*fn)(void *ctx, const struct sf_file_rec *f), void *ctx,
				struct sf_buf *err) SF_WUR;
/*
 * Deletes the documents that came from file in source, except those whose ext_id is in
 * keep[0..nkeep). A document that is also a merged duplicate elsewhere moves to that place
 * instead of going. With forget_file, references into the file and its record go as well.
 * *removed (may be NULL) gets the number of documents deleted. Atomic.
 */
enum sf_err sf_store_prune_file_docs(struct sf_store *st, const char *source, const char *file,
				     const char *const *keep, size_t nkeep, bool forget_file,
				     uint64_t *removed, struct sf_buf *err) SF_WUR;

/* ---- runs ---- */

struct sf_run_rec {
	int64_t id;
	struct sf_str source, status, stats; /* stats: a JSON object */
	int64_t started_ms, finished_ms;
	uint64_t failures;
};

enum sf_err sf_store_run_begin(struct sf_store *st, const char *source, int64_t *run_id,
			       struct sf_buf *err) SF_WUR;
/* status: "ok", "failed" (some files failed), "aborted"; stats: a JSON object. */
enum sf_err sf_store_run_end(struct sf_store *st, int64_t run_id, const char *status, const char *stats,
			     struct sf_buf *err) SF_WUR;
enum sf_err sf_store_run_failure(struct sf_store *st, int64_t run_id, const char *path, const char *reason,
				 struct sf_buf *err) SF_WUR;
/* The newest runs first (of source, or all when NULL), at most limit (0 = all). */
enum sf_err sf_store_scan_runs(struct sf_store *st, const char *source, size_t limit,
			       int (*fn)(void *ctx, const struct sf_run_rec *r), void *ctx,
			       struct sf_buf *err) SF_WUR;
enum sf_err sf_store_scan_run_failures(struct sf_store *st, int64_t run_id,
				       int (*fn)(void *ctx, const char *path, const char *reason), void *ctx,
				       struct sf_buf *err) SF_WUR;

/* ---- the service (schema 4): listings, accounts, tokens, sessions, audit, jobs ----
 * Record structs below hold slices valid until the next call on the same store. */

struct sf_doc_rec {
	int64_t id;
	struct sf_str source, ext_id, title, url, kind, lang, acl, category, meta;
	int64_t created_ms, updated_ms;
	uint64_t chunks;
};

struct sf_doc_filter {
	int64_t after;        /* keyset paging: ids greater than this (0: from the start) */
	size_t limit;         /* rows wanted (fn may refuse some; scanning goes on until limit accepted) */
	const char *source;   /* NULL: any */
	const char *kind;     /* NULL: any */
};

/* Calls fn for documents in id order; fn returns 1 to count the row, 0 to skip it (access
 * checks), -1 to stop. */
enum sf_err sf_store_scan_docs(struct sf_store *st, const struct sf_doc_filter *f,
			       int (*fn)(void *ctx, const struct sf_doc_rec *d), void *ctx,
			       struct sf_buf *err) SF_WUR;
/* One document by id; SF_ERR_NOTFOUND when none. */
enum sf_err sf_store_get_doc(struct sf_store *st, int64_t id, struct sf_doc_rec *out,
			     struct sf_buf *err) SF_WUR;
/* A document's chunks in order (c->text filled). */
enum sf_err sf_store_scan_doc_chunks(struct sf_store *st, int64_t id,
				     int (*fn)(void *ctx, const struct sf_chunk *c), void *ctx,
				     struct sf_buf *err) SF_WUR;
/* Deletes a document by id with its chunks (logged for the index). */
enum sf_err sf_store_delete_doc_id(struct sf_store *st, int64_t id, struct sf_buf *err) SF_WUR;
/* Sources with their document counts, by name. */
enum sf_err sf_store_scan_sources(struct sf_store *st,
				  int (*fn)(void *ctx, const char *name, uint64_t documents), void *ctx,
				  struct sf_buf *err) SF_WUR;

struct sf_user_rec {
	int64_t id;
	struct sf_str name, pass_hash, role, groups; /* groups: "a,b" */
	bool disabled;
	int64_t created_ms, updated_ms;
};
/* SF_ERR_EXISTS when the name is taken. */
enum sf_err sf_store_user_add(struct sf_store *st, const char *name, const char *pass_hash, const char *role,
			      const char *groups, int64_t *id, struct sf_buf *err) SF_WUR;
/* Changes the fields given (NULL / disabled < 0: unchanged); SF_ERR_NOTFOUND for no such user. */
enum sf_err sf_store_user_update(struct sf_store *st, const char *name, const char *pass_hash, const char *role,
				 const char *groups, int disabled, struct sf_buf *err) SF_WUR;
/* By name (id 0) or by id (name NULL); SF_ERR_NOTFOUND when none. */
enum sf_err sf_store_user_get(struct sf_store *st, const char *name, int64_t id, struct sf_user_rec *out,
			      struct sf_buf *err) SF_WUR;
enum sf_err sf_store_scan_users(struct sf_store *st, int (*fn)(void *ctx, const struct sf_user_rec *u),
				void *ctx, struct sf_buf *err) SF_WUR;

struct sf_token_rec {
	int64_t id, user_id;
	struct sf_str user, name, prefix, scopes; /* scopes: "a,b" */
	int64_t created_ms, expires_ms, last_used_ms;
	bool revoked;
};
/* hash: the token's digest (hex); the token itself is never stored. */
enum sf_err sf_store_token_add(struct sf_store *st, int64_t user_id, const char *name, const char *hash,
			       const char *prefix, const char *scopes, int64_t expires_ms, int64_t *id,
			       struct sf_buf *err) SF_WUR;
/* By digest; SF_ERR_NOTFOUND when none (revoked and expired ones are returned: the caller
 * decides). */
enum sf_err sf_store_token_find(struct sf_store *st, const char *hash, struct sf_token_rec *out,
				struct sf_buf *err) SF_WUR;
enum sf_err sf_store_token_touch(struct sf_store *st, int64_t id, int64_t when_ms, struct sf_buf *err) SF_WUR;
/* SF_ERR_NOTFOUND for no such token. */
enum sf_err sf_store_token_revoke(struct sf_store *st, int64_t id, struct sf_buf *err) SF_WUR;
enum sf_err sf_store_scan_tokens(struct sf_store *st, int (*fn)(void *ctx, const struct sf_token_rec *t),
				 void *ctx, struct sf_buf *err) SF_WUR;

enum sf_err sf_store_session_add(struct sf_store *st, const char *hash, int64_t user_id, const char *csrf,
				 int64_t expires_ms, struct sf_buf *err) SF_WUR;
/* SF_ERR_NOTFOUND for no such session or an expired one. csrf valid as record slices. */
enum sf_err sf_store_session_find(struct sf_store *st, const char *hash, int64_t now_ms, int64_t *user_id,
				  struct sf_str *csrf, struct sf_buf *err) SF_WUR;
enum sf_err sf_store_session_delete(struct sf_store *st, const char *hash, struct sf_buf *err) SF_WUR;
/* Ends every session of a user (password change, disabling) and expired ones of everybody. */
enum sf_err sf_store_sessions_end(struct sf_store *st, int64_t user_id, int64_t now_ms, struct sf_buf *err) SF_WUR;

struct sf_audit_rec {
	int64_t id, ts_ms;
	struct sf_str actor, action, target, detail, ip, request_id;
};
enum sf_err sf_store_audit_add(struct sf_store *st, const struct sf_audit_rec *ev, struct sf_buf *err) SF_WUR;
/* Several events in one transaction of the audit file only (the store's own file is not locked). */
enum sf_err sf_store_audit_add_batch(struct sf_store *st, const struct sf_audit_rec *evs, size_t n,
				     struct sf_buf *err) SF_WUR;
/* Deletes events older than before_ms; *n (may be NULL) gets how many. */
enum sf_err sf_store_audit_prune(struct sf_store *st, int64_t before_ms, uint64_t *n, struct sf_buf *err) SF_WUR;
/* Newest first: ids below before (0: from the newest), actor/action NULL for any. */
enum sf_err sf_store_scan_audit(struct sf_store *st, int64_t before, size_t limit, const char *actor,
				const char *action, int (*fn)(void *ctx, const struct sf_audit_rec *ev),
				void *ctx, struct sf_buf *err) SF_WUR;

struct sf_job_rec {
	int64_t id;
	struct sf_str kind, state, user, acl, dir, result, error;
	uint64_t files;
	int64_t created_ms, started_ms, finished_ms;
};
enum sf_err sf_store_job_add(struct sf_store *st, const char *kind, const char *user, const char *acl,
			     const char *dir, uint64_t files, int64_t *id, struct sf_buf *err) SF_WUR;
/* Sets state, and result/error when not NULL; stamps started/finished for running/done/failed. */
enum sf_err sf_store_job_set(struct sf_store *st, int64_t id, const char *state, const char *result,
			     const char *error, struct sf_buf *err) SF_WUR;
enum sf_err sf_store_job_get(struct sf_store *st, int64_t id, struct sf_job_rec *out, struct sf_buf *err) SF_WUR;
/* Newest first; user NULL for everybody's. */
enum sf_err sf_store_scan_jobs(struct sf_store *st, const char *user, size_t limit,
			       int (*fn)(void *ctx, const struct sf_job_rec *j), void *ctx,
			       struct sf_buf *err) SF_WUR;
/* The oldest queued job's id, or 0. */
enum sf_err sf_store_job_next(struct sf_store *st, int64_t *id, struct sf_buf *err) SF_WUR;
/* At start: jobs left running by a crash go back to the queue; *n gets how many. */
enum sf_err sf_store_jobs_requeue(struct sf_store *st, uint64_t *n, struct sf_buf *err) SF_WUR;
/* Counts of queued and running jobs. */
enum sf_err sf_store_jobs_count(struct sf_store *st, uint64_t *queued, uint64_t *running,
				struct sf_buf *err) SF_WUR;

/* An online copy of the whole store into a new SQLite file at path (SQLite's backup API: the
 * store stays usable meanwhile), and of its audit log into audit.db beside path. SF_ERR_EXISTS
 * when path exists. */
enum sf_err sf_store_backup(struct sf_store *st, const char *path, struct sf_buf *err) SF_WUR;


/* ---- tickets from the service desks (schema 6; store_tickets.c) ----
 * A ticket is kept as structure: its problem and resolution, outcome, category with who set
 * it, people, times, steps, and its comments (external conversation apart from internal
 * notes) and attachments, with the desk's raw JSON for audit. Strings borrowed for the call;
 * NULL means empty. */

struct sf_ticket_in {
	const char *source, *ext_id, *form_id;
	const char *subject, *problem, *resolution;
	const char *outcome;        /* "open", "closed", "reopened" (open again after a close) */
	int reopens;
	const char *category, *category_id, *category_by;
	const char *requester, *assignee;
	int64_t created_ms, first_response_ms, closed_ms, modified_ms; /* 0: not known / not yet */
	const char *steps, *fields, *raw; /* JSON texts */
};

struct sf_comment_in {
	const char *ext_id;
	int64_t created_ms;
	const char *author, *author_id;
	const char *role;           /* "requester", "staff", "bot" */
	const char *channel;        /* "" for none */
	bool internal;              /* an internal note: never shown to a requester */
	const char *action;         /* "finished", "reopened" or "" */
	const char *text;
};

struct sf_tfile_in {
	const char *ext_id, *comment_id, *name;
	int64_t size;
	const char *doc_ext_id;     /* the document ingestion made of it ("" when none) */
	const char *status;         /* "ok", "failed", "skipped", "pending" */
	const char *reason;
};

/* Adds or replaces the ticket (source, ext_id) with exactly these comments and files.
 * *id and *result (either may be NULL) get its row id and SF_PUT_ADDED or SF_PUT_REPLACED.
 * Atomic. */
enum sf_err sf_store_put_ticket(struct sf_store *st, const struct sf_ticket_in *t,
				const struct sf_comment_in *comments, size_t ncomments,
				const struct sf_tfile_in *files, size_t nfiles, int64_t *id,
				enum sf_put_result *result, struct sf_buf *err) SF_WUR;
/* The stored ticket's last modification time and when it was stored (synced_ms, may be NULL);
 * SF_ERR_NOTFOUND when there is none. */
enum sf_err sf_store_ticket_modified(struct sf_store *st, const char *source, const char *ext_id,
				     int64_t *modified_ms, int64_t *synced_ms, struct sf_buf *err) SF_WUR;
/* A stored attachment's status and document ("ok" and its doc_ext_id); SF_ERR_NOTFOUND. The
 * strings are copied into status/doc (capacities given). */
enum sf_err sf_store_ticket_file(struct sf_store *st, const char *source, const char *ticket_ext_id,
				 const char *file_ext_id, char *status, size_t status_cap, char *doc,
				 size_t doc_cap, struct sf_buf *err) SF_WUR;
/* Sets a stored attachment's status, document and reason (after its download and ingestion). */
enum sf_err sf_store_ticket_file_set(struct sf_store *st, const char *source, const char *ticket_ext_id,
				     const char *file_ext_id, const char *status, const char *doc_ext_id,
				     const char *reason, struct sf_buf *err) SF_WUR;
/* Calls fn for every attachment of source whose status is "pending" (ticket id, file id, name). */
enum sf_err sf_store_scan_pending_files(struct sf_store *st, const char *source,
					int (*fn)(void *ctx, const char *ticket_ext_id, const char *file_ext_id,
						  const char *name),
					void *ctx, struct sf_buf *err) SF_WUR;
/* Deletes a ticket with its comments and files (not its documents). SF_ERR_NOTFOUND. */
enum sf_err sf_store_delete_ticket(struct sf_store *st, const char *source, const char *ext_id,
				   struct sf_buf *err) SF_WUR;
/* Calls fn with the external id and modification time of every ticket of source, by ext_id. */
enum sf_err sf_store_scan_ticket_ids(struct sf_store *st, const char *source,
				     int (*fn)(void *ctx, const char *ext_id, int64_t modified_ms), void *ctx,
				     struct sf_buf *err) SF_WUR;
/* Counts of tickets, comments and files of source. */
enum sf_err sf_store_ticket_counts(struct sf_store *st, const char *source, uint64_t *tickets,
				   uint64_t *comments, uint64_t *files, struct sf_buf *err) SF_WUR;

/* ---- sync state of a source: cursors and failed items ---- */

/* The value of key for source into val (replacing it); SF_ERR_NOTFOUND when unset. */
enum sf_err sf_store_sync_get(struct sf_store *st, const char *source, const char *key,
			      struct sf_buf *val, struct sf_buf *err) SF_WUR;
enum sf_err sf_store_sync_set(struct sf_store *st, const char *source, const char *key,
			      const char *value, struct sf_buf *err) SF_WUR;
/* Records that item failed (attempts counted), or that it succeeded (the record goes). */
enum sf_err sf_store_sync_failed(struct sf_store *st, const char *source, const char *item,
				 const char *reason, struct sf_buf *err) SF_WUR;
enum sf_err sf_store_sync_done(struct sf_store *st, const char *source, const char *item,
			       struct sf_buf *err) SF_WUR;
/* Calls fn for every failed item of source, oldest failure first. */
enum sf_err sf_store_scan_sync_failures(struct sf_store *st, const char *source,
					int (*fn)(void *ctx, const char *item, const char *reason, int attempts),
					void *ctx, struct sf_buf *err) SF_WUR;

#endif
