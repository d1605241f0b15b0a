/*
 * store/store_int.h: what the files of the SQLite store share; nothing outside src/store includes
 * it. store_sqlite.c owns the connection, the migrations and the document model; store_svc.c the
 * service's tables (accounts, tokens, sessions, audit, jobs) and document listings.
 */
#ifndef SF_STORE_STORE_INT_H
#define SF_STORE_STORE_INT_H

#include <sqlite3.h>
#include <stdbool.h>

#include "store/store.h"

/* Statements of store_sqlite.c (its enum stmt_id), prepared at open. */
#define SF_STORE_MAIN_SLOTS 40
/* Statements prepared on first use (sf_store__prep): store_svc.c's from 0, store_tickets.c's
 * from SF_STORE_TK_BASE. */
#define SF_STORE_SVC_SLOTS 80
#define SF_STORE_TK_BASE 48

struct sf_store {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *st[SF_STORE_MAIN_SLOTS];
	bool in_tx;
	bool in_read;            /* sf_store_read_begin's transaction is open */
	bool main_used, svc_used; /* a statement of st[] / svc[] ran since the last reset_all */
	sqlite3_stmt *svc[SF_STORE_SVC_SLOTS];
	int64_t last_doc;        /* the document the last put stored or found unchanged */
};

/* An SQLite failure as SF_ERR_STORE with "store: what: sqlite's message" in err. */
enum sf_err sf_store__db_err(struct sf_store *s, struct sf_buf *err, const char *what);
enum sf_err sf_store__exec(struct sf_store *s, const char *sql, struct sf_buf *err);
/* Binds a C string (NULL as ""), without copying: it must live until the statement is reset. */
void sf_store__bind_text(sqlite3_stmt *q, int i, const char *v);
/* Column i as a slice valid until the statement steps or resets ("" for NULL). */
struct sf_str sf_store__col(sqlite3_stmt *q, int i);
/* Deletes a document's chunks and logs each delete. */
enum sf_err sf_store__drop_chunks(struct sf_store *s, int64_t doc_id, struct sf_buf *err);
/* The audit log's file beside the store file store_path: "<its folder>/audit.db". */
void sf_store__audit_path(const char *store_path, char *out, size_t cap);
/* The statement of slot (prepared from sql on first use), reset and unbound; every other
 * statement of the connection is reset first. NULL (with err) when SQLite fails. */
sqlite3_stmt *sf_store__prep(struct sf_store *s, int slot, const char *sql, struct sf_buf *err);
/* Binds a C string, or NULL as SQL NULL, without copying. */
void sf_store__bind_opt(sqlite3_stmt *q, int i, const char *v);
/* Steps a write statement once; SF_ERR_EXISTS for a unique-key clash. */
enum sf_err sf_store__step_write(struct sf_store *s, sqlite3_stmt *q, struct sf_buf *err, const char *what);
/* Resets every prepared statement of the connection (ends its read transaction). */
void sf_store__reset_all(struct sf_store *s);
/* A write outside an open transaction gets its own (own = true); op_end commits or rolls back. */
enum sf_err sf_store__op_begin(struct sf_store *s, bool *own, struct sf_buf *err);
enum sf_err sf_store__op_end(struct sf_store *s, bool own, enum sf_err rc, struct sf_buf *err);

#define db_err sf_store__db_err
#define exec sf_store__exec
#define bind_text sf_store__bind_text
#define col sf_store__col
#define drop_chunks sf_store__drop_chunks
#define op_begin sf_store__op_begin
#define op_end sf_store__op_end
#define bind_opt sf_store__bind_opt
#define step_write sf_store__step_write

#endif
