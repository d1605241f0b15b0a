/*
 * store/store_tickets.c: tickets from the service desks with their comments and attachments,
 * and the sync state of sources (cursors, failed items) (schema 6).
 *
 * Statements live in the connection's prepared-on-first-use slots from SF_STORE_TK_BASE. Scan
 * callbacks must not call the store (the statement they come from is still stepping).
 */
#include <stdio.h>
#include <string.h>

#include "base/time.h"
#include "store/store_int.h"

enum tk_id {
	TK_FIND,
	TK_INSERT,
	TK_UPDATE,
	TK_DEL_COMMENTS,
	TK_DEL_FILES,
	TK_ADD_COMMENT,
	TK_ADD_FILE,
	TK_MODIFIED,
	TK_FILE,
	TK_DELETE,
	TK_FILE_SET,
	TK_PENDING,
	TK_IDS,
	TK_COUNTS,
	TK_SYNC_GET,
	TK_SYNC_SET,
	TK_FAIL,
	TK_DONE,
	TK_FAILURES,
	TK__COUNT
};

#define TICKET_SET "form_id = ?3, subject = ?4, problem = ?5, resolution = ?6, outcome = ?7, reopens = ?8," \
		   " category = ?9, category_id = ?10, category_by = ?11, requester = ?12, assignee = ?13," \
		   " created_ms = ?14, first_response_ms = ?15, closed_ms = ?16, modified_ms = ?17, steps = ?18," \
		   " fields = ?19, raw = ?20, synced_ms = ?21"

static const char *const tk_sql[TK__COUNT] = {
	[TK_FIND] = "SELECT id FROM tickets WHERE source = ?1 AND ext_id = ?2",
	[TK_INSERT] = "INSERT INTO tickets (source, ext_id, form_id, subject, problem, resolution, outcome, reopens,"
		      " category, category_id, category_by, requester, assignee, created_ms, first_response_ms,"
		      " closed_ms, modified_ms, steps, fields, raw, synced_ms)"
		      " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21)",
	[TK_UPDATE] = "UPDATE tickets SET " TICKET_SET " WHERE source = ?1 AND ext_id = ?2",
	[TK_DEL_COMMENTS] = "DELETE FROM ticket_comments WHERE ticket_id = ?1",
	[TK_DEL_FILES] = "DELETE FROM ticket_files WHERE ticket_id = ?1",
	[TK_ADD_COMMENT] = "INSERT OR REPLACE INTO ticket_comments (ticket_id, ext_id, ord, created_ms, author, author_id,"
			   " role, channel, internal, action, text) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)",
	[TK_ADD_FILE] = "INSERT OR REPLACE INTO ticket_files (ticket_id, ext_id, comment_id, name, size, doc_ext_id,"
			" status, reason) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)",
	[TK_MODIFIED] = "SELECT modified_ms, synced_ms FROM tickets WHERE source = ?1 AND ext_id = ?2",
	[TK_FILE] = "SELECT f.status, f.doc_ext_id FROM ticket_files f JOIN tickets t ON t.id = f.ticket_id"
		    " WHERE t.source = ?1 AND t.ext_id = ?2 AND f.ext_id = ?3",
	[TK_DELETE] = "DELETE FROM tickets WHERE source = ?1 AND ext_id = ?2",
	[TK_FILE_SET] = "UPDATE ticket_files SET status = ?4, doc_ext_id = ?5, reason = ?6"
			" WHERE ticket_id = (SELECT id FROM tickets WHERE source = ?1 AND ext_id = ?2) AND ext_id = ?3",
	[TK_PENDING] = "SELECT t.ext_id, f.ext_id, f.name FROM ticket_files f JOIN tickets t ON t.id = f.ticket_id"
		       " WHERE t.source = ?1 AND f.status = 'pending' ORDER BY t.id, f.ext_id",
	[TK_IDS] = "SELECT ext_id, modified_ms FROM tickets WHERE source = ?1 ORDER BY ext_id",
	[TK_COUNTS] = "SELECT (SELECT COUNT(*) FROM tickets WHERE source = ?1),"
		      " (SELECT COUNT(*) FROM ticket_comments c JOIN tickets t ON t.id = c.ticket_id WHERE t.source = ?1),"
		      " (SELECT COUNT(*) FROM ticket_files f JOIN tickets t ON t.id = f.ticket_id WHERE t.source = ?1)",
	[TK_SYNC_GET] = "SELECT value FROM sync_state WHERE source = ?1 AND key = ?2",
	[TK_SYNC_SET] = "INSERT INTO sync_state (source, key, value, updated_ms) VALUES (?1,?2,?3,?4)"
			" ON CONFLICT (source, key) DO UPDATE SET value = excluded.value, updated_ms = excluded.updated_ms",
	[TK_FAIL] = "INSERT INTO sync_failures (source, item, reason, first_ms, last_ms) VALUES (?1,?2,?3,?4,?4)"
		    " ON CONFLICT (source, item) DO UPDATE SET reason = excluded.reason,"
		    " attempts = attempts + 1, last_ms = excluded.last_ms",
	[TK_DONE] = "DELETE FROM sync_failures WHERE source = ?1 AND item = ?2",
	[TK_FAILURES] = "SELECT item, reason, attempts FROM sync_failures WHERE source = ?1 ORDER BY first_ms, item",
};

_Static_assert(SF_STORE_TK_BASE + TK__COUNT <= SF_STORE_SVC_SLOTS, "more ticket statements than slots");

static sqlite3_stmt *tk(struct sf_store *s, enum tk_id id, struct sf_buf *err)
{
	return sf_store__prep(s, SF_STORE_TK_BASE + id, tk_sql[id], err);
}

static const char *nz(const char *v)
{
	return v ? v : "";
}

static enum sf_err put_ticket(struct sf_store *s, const struct sf_ticket_in *t, const struct sf_comment_in *cm,
			      size_t ncm, const struct sf_tfile_in *fl, size_t nfl, int64_t *id, enum sf_put_result *result,
			      struct sf_buf *err)
{
	sqlite3_stmt *q = tk(s, TK_FIND, err);
	if (!q) return SF_ERR_STORE;
	bind_text(q, 1, t->source);
	bind_text(q, 2, t->ext_id);
	int rc = sqlite3_step(q);
	int64_t tid = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_err(s, err, "finding a ticket");
	if (result) *result = tid ? SF_PUT_REPLACED : SF_PUT_ADDED;
	q = tk(s, tid ? TK_UPDATE : TK_INSERT, err);
	if (!q) return SF_ERR_STORE;
	bind_text(q, 1, t->source);
	bind_text(q, 2, t->ext_id);
	bind_text(q, 3, t->form_id);
	bind_text(q, 4, t->subject);
	bind_text(q, 5, t->problem);
	bind_text(q, 6, t->resolution);
	bind_text(q, 7, t->outcome ? t->outcome : "open");
	sqlite3_bind_int(q, 8, t->reopens);
	bind_text(q, 9, t->category);
	bind_text(q, 10, t->category_id);
	bind_text(q, 11, t->category_by);
	bind_text(q, 12, t->requester);
	bind_text(q, 13, t->assignee);
	sqlite3_bind_int64(q, 14, t->created_ms);
	sqlite3_bind_int64(q, 15, t->first_response_ms);
	sqlite3_bind_int64(q, 16, t->closed_ms);
	sqlite3_bind_int64(q, 17, t->modified_ms);
	bind_text(q, 18, t->steps ? t->steps : "[]");
	bind_text(q, 19, t->fields ? t->fields : "{}");
	bind_text(q, 20, t->raw ? t->raw : "{}");
	sqlite3_bind_int64(q, 21, sf_wall_ms());
	enum sf_err e = step_write(s, q, err, "storing a ticket");
	if (e) return e;
	if (!tid) {
		tid = sqlite3_last_insert_rowid(s->db);
	} else {
		for (enum tk_id d = TK_DEL_COMMENTS; d <= TK_DEL_FILES; d++) {
			q = tk(s, d, err);
			if (!q) return SF_ERR_STORE;
			sqlite3_bind_int64(q, 1, tid);
			if ((e = step_write(s, q, err, "replacing a ticket's comments"))) return e;
		}
	}
	for (size_t i = 0; i < ncm; i++) {
		q = tk(s, TK_ADD_COMMENT, err);
		if (!q) return SF_ERR_STORE;
		const struct sf_comment_in *c = &cm[i];
		sqlite3_bind_int64(q, 1, tid);
		bind_text(q, 2, c->ext_id);
		sqlite3_bind_int64(q, 3, (int64_t)i);
		sqlite3_bind_int64(q, 4, c->created_ms);
		bind_text(q, 5, c->author);
		bind_text(q, 6, c->author_id);
		bind_text(q, 7, c->role);
		bind_text(q, 8, c->channel);
		sqlite3_bind_int(q, 9, c->internal);
		bind_text(q, 10, c->action);
		bind_text(q, 11, c->text);
		if ((e = step_write(s, q, err, "storing a ticket's comment"))) return e;
	}
	for (size_t i = 0; i < nfl; i++) {
		q = tk(s, TK_ADD_FILE, err);
		if (!q) return SF_ERR_STORE;
		const struct sf_tfile_in *f = &fl[i];
		sqlite3_bind_int64(q, 1, tid);
		bind_text(q, 2, f->ext_id);
		bind_text(q, 3, f->comment_id);
		bind_text(q, 4, f->name);
		sqlite3_bind_int64(q, 5, f->size);
		bind_text(q, 6, f->doc_ext_id);
		bind_text(q, 7, f->status ? f->status : "pending");
		bind_text(q, 8, f->reason);
		if ((e = step_write(s, q, err, "storing a ticket's attachment"))) return e;
	}
	if (id) *id = tid;
	return SF_OK;
}

enum sf_err sf_store_put_ticket(struct sf_store *s, const struct sf_ticket_in *t, const struct sf_comment_in *comments,
				size_t ncomments, const struct sf_tfile_in *files, size_t nfiles, int64_t *id,
				enum sf_put_result *result, struct sf_buf *err)
{
	if (!t->source || !*t->source || !t->ext_id || !*t->ext_id) {
		sf_errf(err, "store: a ticket needs a source and an id");
		return SF_ERR_INVALID;
	}
	bool own;
	enum sf_err e = op_begin(s, &own, err);
	if (e) return e;
	e = put_ticket(s, t, comments, ncomments, files, nfiles, id, result, err);
	return op_end(s, own, e, err);
}

enum sf_err sf_store_ticket_modified(struct sf_store *s, const char *source, const char *ext_id, int64_t *modified_ms,
				     int64_t *synced_ms, struct sf_buf *err)
{
	sqlite3_stmt *q = tk(s, TK_MODIFIED, err);
	if (!q) return SF_ERR_STORE;
	bind_text(q, 1, source);
	bind_text(q, 2, ext_id);
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		*modified_ms = sqlite3_column_int64(q, 0);
		if (synced_ms) *synced_ms = sqlite3_column_int64(q, 1);
		sqlite3_reset(q);
		return SF_OK;
	}
	if (rc == SQLITE_DONE) return SF_ERR_NOTFOUND;
	return db_err(s, err, "reading a ticket");
}

enum sf_err sf_store_ticket_file(struct sf_store *s, const char *source, const char *ticket_ext_id,
				 const char *file_ext_id, char *status, size_t status_cap, char *doc, size_t doc_cap,
				 struct sf_buf *err)
{
	sqlite3_stmt *q = tk(s, TK_FILE, err);
	if (!q) return SF_ERR_STORE;
	bind_text(q, 1, source);
	bind_text(q, 2, ticket_ext_id);
	bind_text(q, 3, file_ext_id);
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		struct sf_str a = col(q, 0), b = col(q, 1);
		snprintf(status, status_cap, "%.*s", (int)a.len, a.ptr);
		snprintf(doc, doc_cap, "%.*s", (int)b.len, b.ptr);
		sqlite3_reset(q);
		return SF_OK;
	}
	if (rc == SQLITE_DONE) return SF_ERR_NOTFOUND;
	return db_err(s, err, "reading a ticket's attachment");
}

enum sf_err sf_store_ticket_file_set(struct sf_store *s, const char *source, const char *ticket_ext_id,
				     const char *file_ext_id, const char *status, const char *doc_ext_id,
				     const char *reason, struct sf_buf *err)
{
	sqlite3_stmt *q = tk(s, TK_FILE_SET, err);
	if (!q) return SF_ERR_STORE;
	bind_text(q, 1, source);
	bind_text(q, 2, ticket_ext_id);
	bind_text(q, 3, file_ext_id);
	bind_text(q, 4, status);
	bind_text(q, 5, doc_ext_id);
	bind_text(q, 6, reason);
	return step_write(s, q, err, "updating a ticket's attachment");
}

enum sf_err sf_store_scan_pending_files(struct sf_store *s, const char *source,
					int (*fn)(void *ctx, const char *ticket_ext_id, const char *file_ext_id,
						  const char *name),
					void *ctx, struct sf_buf *err)
{
	sqlite3_stmt *q = tk(s, TK_PENDING, err);
	if (!q) return SF_ERR_STORE;
	bind_text(q, 1, source);
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		if (fn(ctx, (const char *)sqlite3_column_text(q, 0), (const char *)sqlite3_column_text(q, 1),
		       (const char *)sqlite3_column_text(q, 2)))
			break;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_err(s, err, "listing pending attachments");
	sqlite3_reset(q);
	return SF_OK;
}

enum sf_err sf_store_delete_ticket(struct sf_store *s, const char *source, const char *ext_id, struct sf_buf *err)
{
	bool own;
	enum sf_err e = op_begin(s, &own, err);
	if (e) return e;
	sqlite3_stmt *q = tk(s, TK_DELETE, err);
	if (!q) return op_end(s, own, SF_ERR_STORE, err);
	bind_text(q, 1, source);
	bind_text(q, 2, ext_id);
	e = step_write(s, q, err, "deleting a ticket");
	if (!e && sqlite3_changes(s->db) == 0) {
		sf_errf(err, "ticket %s/%s not found", source, ext_id);
		e = SF_ERR_NOTFOUND;
	}
	return op_end(s, own, e, err);
}

enum sf_err sf_store_scan_ticket_ids(struct sf_store *s, const char *source,
				     int (*fn)(void *ctx, const char *ext_id, int64_t modified_ms), void *ctx,
				     struct sf_buf *err)
{
	sqlite3_stmt *q = tk(s, TK_IDS, err);
	if (!q) return SF_ERR_STORE;
	bind_text(q, 1, source);
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		if (fn(ctx, (const char *)sqlite3_column_text(q, 0), sqlite3_column_int64(q, 1))) break;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_err(s, err, "listing tickets");
	sqlite3_reset(q);
	return SF_OK;
}

enum sf_err sf_store_ticket_counts(struct sf_store *s, const char *source, uint64_t *tickets, uint64_t *comments,
				   uint64_t *files, struct sf_buf *err)
{
	sqlite3_stmt *q = tk(s, TK_COUNTS, err);
	if (!q) return SF_ERR_STORE;
	bind_text(q, 1, source);
	if (sqlite3_step(q) != SQLITE_ROW) return db_err(s, err, "counting tickets");
	*tickets = (uint64_t)sqlite3_column_int64(q, 0);
	*comments = (uint64_t)sqlite3_column_int64(q, 1);
	*files = (uint64_t)sqlite3_column_int64(q, 2);
	sqlite3_reset(q);
	return SF_OK;
}

/* ---- sync state ---- */

enum sf_err sf_store_sync_get(struct sf_store *s, const char *source, const char *key, struct sf_buf *val,
			      struct sf_buf *err)
{
	sqlite3_stmt *q = tk(s, TK_SYNC_GET, err);
	if (!q) return SF_ERR_STORE;
	bind_text(q, 1, source);
	bind_text(q, 2, key);
	int rc = sqlite3_step(q);
	if (rc == SQLITE_DONE) return SF_ERR_NOTFOUND;
	if (rc != SQLITE_ROW) return db_err(s, err, "reading a sync cursor");
	struct sf_str v = col(q, 0);
	sf_buf_reset(val);
	enum sf_err e = sf_buf_add(val, v.ptr, v.len);
	sqlite3_reset(q);
	return e;
}

enum sf_err sf_store_sync_set(struct sf_store *s, const char *source, const char *key, const char *value,
			      struct sf_buf *err)
{
	sqlite3_stmt *q = tk(s, TK_SYNC_SET, err);
	if (!q) return SF_ERR_STORE;
	bind_text(q, 1, source);
	bind_text(q, 2, key);
	bind_text(q, 3, nz(value));
	sqlite3_bind_int64(q, 4, sf_wall_ms());
	return step_write(s, q, err, "saving a sync cursor");
}

enum sf_err sf_store_sync_failed(struct sf_store *s, const char *source, const char *item, const char *reason,
				 struct sf_buf *err)
{
	sqlite3_stmt *q = tk(s, TK_FAIL, err);
	if (!q) return SF_ERR_STORE;
	bind_text(q, 1, source);
	bind_text(q, 2, item);
	bind_text(q, 3, nz(reason));
	sqlite3_bind_int64(q, 4, sf_wall_ms());
	return step_write(s, q, err, "recording a failed item");
}

enum sf_err sf_store_sync_done(struct sf_store *s, const char *source, const char *item, struct sf_buf *err)
{
	sqlite3_stmt *q = tk(s, TK_DONE, err);
	if (!q) return SF_ERR_STORE;
	bind_text(q, 1, source);
	bind_text(q, 2, item);
	return step_write(s, q, err, "clearing a failed item");
}

enum sf_err sf_store_scan_sync_failures(struct sf_store *s, const char *source,
					int (*fn)(void *ctx, const char *item, const char *reason, int attempts),
					void *ctx, struct sf_buf *err)
{
	sqlite3_stmt *q = tk(s, TK_FAILURES, err);
	if (!q) return SF_ERR_STORE;
	bind_text(q, 1, source);
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		if (fn(ctx, (const char *)sqlite3_column_text(q, 0), (const char *)sqlite3_column_text(q, 1),
		       sqlite3_column_int(q, 2)))
			break;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_err(s, err, "listing failed items");
	sqlite3_reset(q);
	return SF_OK;
}
