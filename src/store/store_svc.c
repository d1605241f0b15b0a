/*
 * store/store_svc.c: the service's tables in the SQLite store: document listings, accounts, API
 * tokens, console sessions, the audit log and ingestion jobs (schema 4).
 *
 * Statements are prepared on first use into the connection's svc[] slots, so a connection that
 * never serves HTTP pays nothing. Secrets never reach this file in clear: passwords arrive as
 * Argon2id strings, tokens and session ids as digests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/time.h"
#include "store/store_int.h"

enum svc_id {
	SV_DOCS,
	SV_DOC_GET,
	SV_SOURCES,
	SV_USER_ADD,
	SV_USER_UPD,
	SV_USER_BY_NAME,
	SV_USER_BY_ID,
	SV_USERS,
	SV_TOKEN_ADD,
	SV_TOKEN_FIND,
	SV_TOKEN_TOUCH,
	SV_TOKEN_REVOKE,
	SV_TOKENS,
	SV_SESSION_ADD,
	SV_SESSION_FIND,
	SV_SESSION_DEL,
	SV_SESSIONS_END,
	SV_AUDIT_ADD,
	SV_AUDIT,
	SV_AUDIT_PRUNE,
	SV_JOB_ADD,
	SV_JOB_SET,
	SV_JOB_GET,
	SV_JOBS,
	SV_JOB_NEXT,
	SV_JOBS_REQUEUE,
	SV_JOBS_COUNT,
	SV__COUNT
};

#define DOC_COLS "d.id, d.source, d.ext_id, d.title, d.url, d.kind, d.lang, d.acl, d.category, d.meta," \
		 " d.created_ms, d.updated_ms, (SELECT COUNT(*) FROM chunks c WHERE c.doc_id = d.id)"
#define USER_COLS "id, name, pass_hash, role, groups, disabled, created_ms, updated_ms"
#define TOKEN_COLS "t.id, t.user_id, u.name, t.name, t.prefix, t.scopes, t.created_ms, t.expires_ms," \
		   " t.last_used_ms, t.revoked"
#define JOB_COLS "id, kind, state, user, acl, dir, result, error, files, created_ms, started_ms, finished_ms"

static const char *const svc_sql[SV__COUNT] = {
	[SV_DOCS] = "SELECT " DOC_COLS " FROM documents d WHERE d.id > ?1 AND (?2 IS NULL OR d.source = ?2)"
		    " AND (?3 IS NULL OR d.kind = ?3) ORDER BY d.id LIMIT ?4",
	[SV_DOC_GET] = "SELECT " DOC_COLS " FROM documents d WHERE d.id = ?1",
	[SV_SOURCES] = "SELECT source, COUNT(*) FROM documents GROUP BY source"
		       " UNION SELECT source, 0 FROM runs WHERE source NOT IN (SELECT source FROM documents)"
		       " ORDER BY 1",
	[SV_USER_ADD] = "INSERT INTO users (name, pass_hash, role, groups, created_ms, updated_ms)"
			" VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
	[SV_USER_UPD] = "UPDATE users SET pass_hash = COALESCE(?2, pass_hash), role = COALESCE(?3, role),"
			" groups = COALESCE(?4, groups), disabled = CASE WHEN ?5 < 0 THEN disabled ELSE ?5 END,"
			" updated_ms = ?6 WHERE name = ?1",
	[SV_USER_BY_NAME] = "SELECT " USER_COLS " FROM users WHERE name = ?1",
	[SV_USER_BY_ID] = "SELECT " USER_COLS " FROM users WHERE id = ?1",
	[SV_USERS] = "SELECT " USER_COLS " FROM users ORDER BY name",
	[SV_TOKEN_ADD] = "INSERT INTO tokens (user_id, name, hash, prefix, scopes, created_ms, expires_ms)"
			 " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[SV_TOKEN_FIND] = "SELECT " TOKEN_COLS " FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ?1",
	[SV_TOKEN_TOUCH] = "UPDATE tokens SET last_used_ms = ?2 WHERE id = ?1 AND last_used_ms < ?2",
	[SV_TOKEN_REVOKE] = "UPDATE tokens SET revoked = 1 WHERE id = ?1",
	[SV_TOKENS] = "SELECT " TOKEN_COLS " FROM tokens t JOIN users u ON u.id = t.user_id ORDER BY t.id",
	[SV_SESSION_ADD] = "INSERT INTO sessions (hash, user_id, csrf, created_ms, expires_ms) VALUES (?1,?2,?3,?4,?5)",
	[SV_SESSION_FIND] = "SELECT user_id, csrf FROM sessions WHERE hash = ?1 AND expires_ms > ?2",
	[SV_SESSION_DEL] = "DELETE FROM sessions WHERE hash = ?1",
	[SV_SESSIONS_END] = "DELETE FROM sessions WHERE user_id = ?1 OR expires_ms <= ?2",
	[SV_AUDIT_ADD] = "INSERT INTO aud.audit (ts_ms, actor, action, target, detail, ip, request_id)"
			 " VALUES (?1,?2,?3,?4,?5,?6,?7)",
	[SV_AUDIT] = "SELECT id, ts_ms, actor, action, target, detail, ip, request_id FROM aud.audit"
		     " WHERE (?1 = 0 OR id < ?1) AND (?2 IS NULL OR actor = ?2) AND (?3 IS NULL OR action = ?3)"
		     " ORDER BY id DESC LIMIT ?4",
	[SV_AUDIT_PRUNE] = "DELETE FROM aud.audit WHERE ts_ms < ?1",
	[SV_JOB_ADD] = "INSERT INTO jobs (kind, user, acl, dir, files, created_ms) VALUES (?1,?2,?3,?4,?5,?6)",
	[SV_JOB_SET] = "UPDATE jobs SET state = ?2, result = COALESCE(?3, result), error = COALESCE(?4, error),"
		       " started_ms = CASE WHEN ?2 = 'running' THEN ?5 ELSE started_ms END,"
		       " finished_ms = CASE WHEN ?2 IN ('done', 'failed') THEN ?5 ELSE finished_ms END"
		       " WHERE id = ?1",
	[SV_JOB_GET] = "SELECT " JOB_COLS " FROM jobs WHERE id = ?1",
	[SV_JOBS] = "SELECT " JOB_COLS " FROM jobs WHERE ?1 IS NULL OR user = ?1 ORDER BY id DESC LIMIT ?2",
	[SV_JOB_NEXT] = "SELECT id FROM jobs WHERE state = 'queued' ORDER BY id LIMIT 1",
	[SV_JOBS_REQUEUE] = "UPDATE jobs SET state = 'queued' WHERE state = 'running'",
	[SV_JOBS_COUNT] = "SELECT COALESCE(SUM(state = 'queued'), 0), COALESCE(SUM(state = 'running'), 0) FROM jobs",
};

_Static_assert(SV__COUNT <= SF_STORE_TK_BASE, "more service statements than slots");

/* The statement, prepared on first use, reset and unbound; NULL (with err) when SQLite fails.
 * Every other statement of the connection is reset first: a statement left on a row keeps a
 * read transaction open, and a write on a connection whose read snapshot is stale fails at once
 * with "database is locked" (SQLITE_BUSY_SNAPSHOT) instead of waiting. Slices of earlier calls
 * end here, as store.h says. */
sqlite3_stmt *sf_store__prep(struct sf_store *s, int slot, const char *sql, struct sf_buf *err)
{
	sf_store__reset_all(s);
	s->svc_used = true;
	sqlite3_stmt *q = s->svc[slot];
	if (!q) {
		if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->svc[slot], NULL) != SQLITE_OK) {
			(void)db_err(s, err, "preparing a statement");
			return NULL;
		}
		return s->svc[slot];
	}
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	return q;
}

static sqlite3_stmt *svc(struct sf_store *s, enum svc_id id, struct sf_buf *err)
{
	return sf_store__prep(s, id, svc_sql[id], err);
}

void sf_store__bind_opt(sqlite3_stmt *q, int i, const char *v)
{
	if (v) sqlite3_bind_text(q, i, v, -1, SQLITE_STATIC);
	else sqlite3_bind_null(q, i);
}

enum sf_err sf_store__step_write(struct sf_store *s, sqlite3_stmt *q, struct sf_buf *err, const char *what)
{
	int rc = sqlite3_step(q);
	if (rc == SQLITE_DONE) return SF_OK;
	if (sqlite3_extended_errcode(s->db) == SQLITE_CONSTRAINT_UNIQUE) {
		sf_errf(err, "store: %s: exists already", what);
		sqlite3_reset(q);
		return SF_ERR_EXISTS;
	}
	enum sf_err e = db_err(s, err, what);
	sqlite3_reset(q);
	return e;
}

/* ---- documents ---- */

static void read_doc(sqlite3_stmt *q, struct sf_doc_rec *d)
{
	d->id = sqlite3_column_int64(q, 0);
	d->source = col(q, 1);
	d->ext_id = col(q, 2);
	d->title = col(q, 3);
	d->url = col(q, 4);
	d->kind = col(q, 5);
	d->lang = col(q, 6);
	d->acl = col(q, 7);
	d->category = col(q, 8);
	d->meta = col(q, 9);
	d->created_ms = sqlite3_column_int64(q, 10);
	d->updated_ms = sqlite3_column_int64(q, 11);
	d->chunks = (uint64_t)sqlite3_column_int64(q, 12);
}

enum sf_err sf_store_scan_docs(struct sf_store *s, const struct sf_doc_filter *f,
			       int (*fn)(void *ctx, const struct sf_doc_rec *d), void *ctx, struct sf_buf *err)
{
	int64_t after = f->after;
	size_t accepted = 0;
	/* Rows refused by fn (access) do not count: read further pages until limit are accepted. */
	for (;;) {
		sqlite3_stmt *q = svc(s, SV_DOCS, err);
		if (!q) return SF_ERR_STORE;
		size_t page = f->limit < 256 ? 256 : f->limit;
		sqlite3_bind_int64(q, 1, after);
		bind_opt(q, 2, f->source);
		bind_opt(q, 3, f->kind);
		sqlite3_bind_int64(q, 4, (sqlite3_int64)page);
		size_t rows = 0;
		int rc;
		while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
			struct sf_doc_rec d;
			read_doc(q, &d);
			rows++;
			after = d.id;
			int r = fn(ctx, &d);
			if (r < 0) return SF_OK;
			if (r > 0 && ++accepted >= f->limit) return SF_OK;
		}
		if (rc != SQLITE_DONE) return db_err(s, err, "listing documents");
		if (rows < page) return SF_OK;
	}
}

enum sf_err sf_store_get_doc(struct sf_store *s, int64_t id, struct sf_doc_rec *out, struct sf_buf *err)
{
	sqlite3_stmt *q = svc(s, SV_DOC_GET, err);
	if (!q) return SF_ERR_STORE;
	sqlite3_bind_int64(q, 1, id);
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		read_doc(q, out);
		return SF_OK;
	}
	if (rc == SQLITE_DONE) {
		sf_errf(err, "store: no document %lld", (long long)id);
		return SF_ERR_NOTFOUND;
	}
	return db_err(s, err, "reading a document");
}

enum sf_err sf_store_scan_sources(struct sf_store *s, int (*fn)(void *ctx, const char *name, uint64_t documents),
				  void *ctx, struct sf_buf *err)
{
	sqlite3_stmt *q = svc(s, SV_SOURCES, err);
	if (!q) return SF_ERR_STORE;
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		if (fn(ctx, (const char *)sqlite3_column_text(q, 0), (uint64_t)sqlite3_column_int64(q, 1))) break;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_err(s, err, "listing sources");
	return SF_OK;
}

/* ---- users ---- */

static void read_user(sqlite3_stmt *q, struct sf_user_rec *u)
{
	u->id = sqlite3_column_int64(q, 0);
	u->name = col(q, 1);
	u->pass_hash = col(q, 2);
	u->role = col(q, 3);
	u->groups = col(q, 4);
	u->disabled = sqlite3_column_int(q, 5) != 0;
	u->created_ms = sqlite3_column_int64(q, 6);
	u->updated_ms = sqlite3_column_int64(q, 7);
}

enum sf_err sf_store_user_add(struct sf_store *s, const char *name, const char *pass_hash, const char *role,
			      const char *groups, int64_t *id, struct sf_buf *err)
{
	sqlite3_stmt *q = svc(s, SV_USER_ADD, err);
	if (!q) return SF_ERR_STORE;
	bind_text(q, 1, name);
	bind_text(q, 2, pass_hash);
	bind_text(q, 3, role);
	bind_text(q, 4, groups);
	sqlite3_bind_int64(q, 5, sf_wall_ms());
	enum sf_err e = step_write(s, q, err, "adding a user");
	if (!e && id) *id = sqlite3_last_insert_rowid(s->db);
	return e;
}

enum sf_err sf_store_user_update(struct sf_store *s, const char *name, const char *pass_hash, const char *role,
				 const char *groups, int disabled, struct sf_buf *err)
{
	sqlite3_stmt *q = svc(s, SV_USER_UPD, err);
	if (!q) return SF_ERR_STORE;
	bind_text(q, 1, name);
	bind_opt(q, 2, pass_hash);
	bind_opt(q, 3, role);
	bind_opt(q, 4, groups);
	sqlite3_bind_int(q, 5, disabled < 0 ? -1 : disabled != 0);
	sqlite3_bind_int64(q, 6, sf_wall_ms());
	enum sf_err e = step_write(s, q, err, "changing a user");
	if (!e && sqlite3_changes(s->db) == 0) {
		sf_errf(err, "no user '%s'", name);
		e = SF_ERR_NOTFOUND;
	}
	return e;
}

enum sf_err sf_store_user_get(struct sf_store *s, const char *name, int64_t id, struct sf_user_rec *out,
			      struct sf_buf *err)
{
	sqlite3_stmt *q = svc(s, name ? SV_USER_BY_NAME : SV_USER_BY_ID, err);
	if (!q) return SF_ERR_STORE;
	if (name) bind_text(q, 1, name);
	else sqlite3_bind_int64(q, 1, id);
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		read_user(q, out);
		return SF_OK;
	}
	if (rc == SQLITE_DONE) {
		sf_errf(err, "no such user");
		return SF_ERR_NOTFOUND;
	}
	return db_err(s, err, "reading a user");
}

enum sf_err sf_store_scan_users(struct sf_store *s, int (*fn)(void *ctx, const struct sf_user_rec *u), void *ctx,
				struct sf_buf *err)
{
	sqlite3_stmt *q = svc(s, SV_USERS, err);
	if (!q) return SF_ERR_STORE;
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct sf_user_rec u;
		read_user(q, &u);
		if (fn(ctx, &u)) break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_err(s, err, "listing users");
	return SF_OK;
}

/* ---- tokens ---- */

static void read_token(sqlite3_stmt *q, struct sf_token_rec *t)
{
	t->id = sqlite3_column_int64(q, 0);
	t->user_id = sqlite3_column_int64(q, 1);
	t->user = col(q, 2);
	t->name = col(q, 3);
	t->prefix = col(q, 4);
	t->scopes = col(q, 5);
	t->created_ms = sqlite3_column_int64(q, 6);
	t->expires_ms = sqlite3_column_int64(q, 7);
	t->last_used_ms = sqlite3_column_int64(q, 8);
	t->revoked = sqlite3_column_int(q, 9) != 0;
}

enum sf_err sf_store_token_add(struct sf_store *s, int64_t user_id, const char *name, const char *hash,
			       const char *prefix, const char *scopes, int64_t expires_ms, int64_t *id,
			       struct sf_buf *err)
{
	sqlite3_stmt *q = svc(s, SV_TOKEN_ADD, err);
	if (!q) return SF_ERR_STORE;
	sqlite3_bind_int64(q, 1, user_id);
	bind_text(q, 2, name);
	bind_text(q, 3, hash);
	bind_text(q, 4, prefix);
	bind_text(q, 5, scopes);
	sqlite3_bind_int64(q, 6, sf_wall_ms());
	sqlite3_bind_int64(q, 7, expires_ms);
	enum sf_err e = step_write(s, q, err, "adding a token");
	if (!e && id) *id = sqlite3_last_insert_rowid(s->db);
	return e;
}

enum sf_err sf_store_token_find(struct sf_store *s, const char *hash, struct sf_token_rec *out, struct sf_buf *err)
{
	sqlite3_stmt *q = svc(s, SV_TOKEN_FIND, err);
	if (!q) return SF_ERR_STORE;
	bind_text(q, 1, hash);
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		read_token(q, out);
		return SF_OK;
	}
	if (rc == SQLITE_DONE) {
		sf_errf(err, "no such token");
		return SF_ERR_NOTFOUND;
	}
	return db_err(s, err, "reading a token");
}

enum sf_err sf_store_token_touch(struct sf_store *s, int64_t id, int64_t when_ms, struct sf_buf *err)
{
	sqlite3_stmt *q = svc(s, SV_TOKEN_TOUCH, err);
	if (!q) return SF_ERR_STORE;
	sqlite3_bind_int64(q, 1, id);
	sqlite3_bind_int64(q, 2, when_ms);
	return step_write(s, q, err, "noting a token's use");
}

enum sf_err sf_store_token_revoke(struct sf_store *s, int64_t id, struct sf_buf *err)
{
	sqlite3_stmt *q = svc(s, SV_TOKEN_REVOKE, err);
	if (!q) return SF_ERR_STORE;
	sqlite3_bind_int64(q, 1, id);
	enum sf_err e = step_write(s, q, err, "revoking a token");
	if (!e && sqlite3_changes(s->db) == 0) {
		sf_errf(err, "no token %lld", (long long)id);
		e = SF_ERR_NOTFOUND;
	}
	return e;
}

enum sf_err sf_store_scan_tokens(struct sf_store *s, int (*fn)(void *ctx, const struct sf_token_rec *t), void *ctx,
				 struct sf_buf *err)
{
	sqlite3_stmt *q = svc(s, SV_TOKENS, err);
	if (!q) return SF_ERR_STORE;
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct sf_token_rec t;
		read_token(q, &t);
		if (fn(ctx, &t)) break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_err(s, err, "listing tokens");
	return SF_OK;
}

/* ---- sessions ---- */

enum sf_err sf_store_session_add(struct sf_store *s, const char *hash, int64_t user_id, const char *csrf,
				 int64_t expires_ms, struct sf_buf *err)
{
	sqlite3_stmt *q = svc(s, SV_SESSION_ADD, err);
	if (!q) return SF_ERR_STORE;
	bind_text(q, 1, hash);
	sqlite3_bind_int64(q, 2, user_id);
	bind_text(q, 3, csrf);
	sqlite3_bind_int64(q, 4, sf_wall_ms());
	sqlite3_bind_int64(q, 5, expires_ms);
	return step_write(s, q, err, "adding a session");
}

enum sf_err sf_store_session_find(struct sf_store *s, const char *hash, int64_t now_ms, int64_t *user_id,
				  struct sf_str *csrf, struct sf_buf *err)
{
	sqlite3_stmt *q = svc(s, SV_SESSION_FIND, err);
	if (!q) return SF_ERR_STORE;
	bind_text(q, 1, hash);
	sqlite3_bind_int64(q, 2, now_ms);
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		*user_id = sqlite3_column_int64(q, 0);
		*csrf = col(q, 1);
		return SF_OK;
	}
	if (rc == SQLITE_DONE) return SF_ERR_NOTFOUND;
	return db_err(s, err, "reading a session");
}

enum sf_err sf_store_session_delete(struct sf_store *s, const char *hash, struct sf_buf *err)
{
	sqlite3_stmt *q = svc(s, SV_SESSION_DEL, err);
	if (!q) return SF_ERR_STORE;
	bind_text(q, 1, hash);
	return step_write(s, q, err, "ending a session");
}

enum sf_err sf_store_sessions_end(struct sf_store *s, int64_t user_id, int64_t now_ms, struct sf_buf *err)
{
	sqlite3_stmt *q = svc(s, SV_SESSIONS_END, err);
	if (!q) return SF_ERR_STORE;
	sqlite3_bind_int64(q, 1, user_id);
	sqlite3_bind_int64(q, 2, now_ms);
	return step_write(s, q, err, "ending sessions");
}

/* ---- audit ---- */

static void bind_slice(sqlite3_stmt *q, int i, struct sf_str v)
{
	sqlite3_bind_text(q, i, v.ptr ? v.ptr : "", (int)v.len, SQLITE_STATIC);
}

enum sf_err sf_store_audit_add(struct sf_store *s, const struct sf_audit_rec *ev, struct sf_buf *err)
{
	sqlite3_stmt *q = svc(s, SV_AUDIT_ADD, err);
	if (!q) return SF_ERR_STORE;
	sqlite3_bind_int64(q, 1, ev->ts_ms ? ev->ts_ms : sf_wall_ms());
	bind_slice(q, 2, ev->actor);
	bind_slice(q, 3, ev->action);
	bind_slice(q, 4, ev->target);
	bind_slice(q, 5, ev->detail);
	bind_slice(q, 6, ev->ip);
	bind_slice(q, 7, ev->request_id);
	return step_write(s, q, err, "writing the audit log");
}

enum sf_err sf_store_audit_add_batch(struct sf_store *s, const struct sf_audit_rec *evs, size_t n, struct sf_buf *err)
{
	if (s->in_tx) {
		sf_errf(err, "store: audit batch inside a transaction");
		return SF_ERR_INTERNAL;
	}
	sf_store_read_end(s);
	/* deferred: the first insert takes the audit file's write lock, and only that one */
	enum sf_err e = exec(s, "BEGIN", err);
	for (size_t i = 0; i < n && !e; i++) e = sf_store_audit_add(s, &evs[i], err);
	if (!e) e = exec(s, "COMMIT", err);
	if (e) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return e;
}

enum sf_err sf_store_audit_prune(struct sf_store *s, int64_t before_ms, uint64_t *n, struct sf_buf *err)
{
	sqlite3_stmt *q = svc(s, SV_AUDIT_PRUNE, err);
	if (!q) return SF_ERR_STORE;
	sqlite3_bind_int64(q, 1, before_ms);
	enum sf_err e = step_write(s, q, err, "pruning the audit log");
	if (!e && n) *n = (uint64_t)sqlite3_changes(s->db);
	return e;
}

enum sf_err sf_store_scan_audit(struct sf_store *s, int64_t before, size_t limit, const char *actor,
				const char *action, int (*fn)(void *ctx, const struct sf_audit_rec *ev), void *ctx,
				struct sf_buf *err)
{
	sqlite3_stmt *q = svc(s, SV_AUDIT, err);
	if (!q) return SF_ERR_STORE;
	sqlite3_bind_int64(q, 1, before);
	bind_opt(q, 2, actor);
	bind_opt(q, 3, action);
	sqlite3_bind_int64(q, 4, (sqlite3_int64)limit);
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct sf_audit_rec ev = {
			.id = sqlite3_column_int64(q, 0),
			.ts_ms = sqlite3_column_int64(q, 1),
			.actor = col(q, 2),
			.action = col(q, 3),
			.target = col(q, 4),
			.detail = col(q, 5),
			.ip = col(q, 6),
			.request_id = col(q, 7),
		};
		if (fn(ctx, &ev)) break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_err(s, err, "reading the audit log");
	return SF_OK;
}

/* ---- jobs ---- */

static void read_job(sqlite3_stmt *q, struct sf_job_rec *j)
{
	j->id = sqlite3_column_int64(q, 0);
	j->kind = col(q, 1);
	j->state = col(q, 2);
	j->user = col(q, 3);
	j->acl = col(q, 4);
	j->dir = col(q, 5);
	j->result = col(q, 6);
	j->error = col(q, 7);
	j->files = (uint64_t)sqlite3_column_int64(q, 8);
	j->created_ms = sqlite3_column_int64(q, 9);
	j->started_ms = sqlite3_column_int64(q, 10);
	j->finished_ms = sqlite3_column_int64(q, 11);
}

enum sf_err sf_store_job_add(struct sf_store *s, const char *kind, const char *user, const char *acl,
			     const char *dir, uint64_t files, int64_t *id, struct sf_buf *err)
{
	sqlite3_stmt *q = svc(s, SV_JOB_ADD, err);
	if (!q) return SF_ERR_STORE;
	bind_text(q, 1, kind);
	bind_text(q, 2, user);
	bind_text(q, 3, acl);
	bind_text(q, 4, dir);
	sqlite3_bind_int64(q, 5, (sqlite3_int64)files);
	sqlite3_bind_int64(q, 6, sf_wall_ms());
	enum sf_err e = step_write(s, q, err, "adding a job");
	if (!e) *id = sqlite3_last_insert_rowid(s->db);
	return e;
}

enum sf_err sf_store_job_set(struct sf_store *s, int64_t id, const char *state, const char *result,
			     const char *error, struct sf_buf *err)
{
	sqlite3_stmt *q = svc(s, SV_JOB_SET, err);
	if (!q) return SF_ERR_STORE;
	sqlite3_bind_int64(q, 1, id);
	bind_text(q, 2, state);
	bind_opt(q, 3, result);
	bind_opt(q, 4, error);
	sqlite3_bind_int64(q, 5, sf_wall_ms());
	return step_write(s, q, err, "updating a job");
}

enum sf_err sf_store_job_get(struct sf_store *s, int64_t id, struct sf_job_rec *out, struct sf_buf *err)
{
	sqlite3_stmt *q = svc(s, SV_JOB_GET, err);
	if (!q) return SF_ERR_STORE;
	sqlite3_bind_int64(q, 1, id);
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		read_job(q, out);
		return SF_OK;
	}
	if (rc == SQLITE_DONE) {
		sf_errf(err, "no job %lld", (long long)id);
		return SF_ERR_NOTFOUND;
	}
	return db_err(s, err, "reading a job");
}

enum sf_err sf_store_scan_jobs(struct sf_store *s, const char *user, size_t limit,
			       int (*fn)(void *ctx, const struct sf_job_rec *j), void *ctx, struct sf_buf *err)
{
	sqlite3_stmt *q = svc(s, SV_JOBS, err);
	if (!q) return SF_ERR_STORE;
	bind_opt(q, 1, user);
	sqlite3_bind_int64(q, 2, (sqlite3_int64)limit);
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct sf_job_rec j;
		read_job(q, &j);
		if (fn(ctx, &j)) break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_err(s, err, "listing jobs");
	return SF_OK;
}

enum sf_err sf_store_job_next(struct sf_store *s, int64_t *id, struct sf_buf *err)
{
	sqlite3_stmt *q = svc(s, SV_JOB_NEXT, err);
	if (!q) return SF_ERR_STORE;
	int rc = sqlite3_step(q);
	*id = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_err(s, err, "finding the next job");
	sqlite3_reset(q);
	return SF_OK;
}

enum sf_err sf_store_jobs_requeue(struct sf_store *s, uint64_t *n, struct sf_buf *err)
{
	sqlite3_stmt *q = svc(s, SV_JOBS_REQUEUE, err);
	if (!q) return SF_ERR_STORE;
	enum sf_err e = step_write(s, q, err, "requeueing jobs");
	if (!e && n) *n = (uint64_t)sqlite3_changes(s->db);
	return e;
}

enum sf_err sf_store_jobs_count(struct sf_store *s, uint64_t *queued, uint64_t *running, struct sf_buf *err)
{
	sqlite3_stmt *q = svc(s, SV_JOBS_COUNT, err);
	if (!q) return SF_ERR_STORE;
	int rc = sqlite3_step(q);
	if (rc != SQLITE_ROW) return db_err(s, err, "counting jobs");
	*queued = (uint64_t)sqlite3_column_int64(q, 0);
	*running = (uint64_t)sqlite3_column_int64(q, 1);
	sqlite3_reset(q);
	return SF_OK;
}

/* ---- backup ---- */

/* Copies the attached database schema ("main" or "aud") of s into a new file at path, page
 * steps at a time so writers get the lock between them (a write restarts the copy), then makes
 * it one self-contained file (no WAL) and checks it. The file is removed on failure. */
static enum sf_err copy_db(struct sf_store *s, const char *schema, const char *path, struct sf_buf *err)
{
	sqlite3 *dst = NULL;
	if (sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		sf_errf(err, "backup: cannot create %s: %s", path, dst ? sqlite3_errmsg(dst) : "out of memory");
		sqlite3_close(dst);
		return SF_ERR_IO;
	}
	enum sf_err e = SF_OK;
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", s->db, schema);
	if (!b) {
		sf_errf(err, "backup: %s", sqlite3_errmsg(dst));
		e = SF_ERR_STORE;
	} else {
		int rc;
		while ((rc = sqlite3_backup_step(b, 1024)) == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			if (rc != SQLITE_OK) sqlite3_sleep(20);
		if (rc != SQLITE_DONE) {
			sf_errf(err, "backup: copying %s: %s", path, sqlite3_errstr(rc));
			e = SF_ERR_STORE;
		}
		sqlite3_backup_finish(b);
	}
	if (!e) {
		char *msg = NULL;
		if (sqlite3_exec(dst, "PRAGMA journal_mode=DELETE; PRAGMA integrity_check;", NULL, NULL, &msg) !=
		    SQLITE_OK) {
			sf_errf(err, "backup: checking %s: %s", path, msg ? msg : "?");
			e = SF_ERR_STORE;
		}
		sqlite3_free(msg);
	}
	sqlite3_close(dst);
	if (e) remove(path);
	return e;
}

enum sf_err sf_store_backup(struct sf_store *s, const char *path, struct sf_buf *err)
{
	FILE *f = fopen(path, "r");
	if (f) {
		fclose(f);
		sf_errf(err, "backup: %s exists already", path);
		return SF_ERR_EXISTS;
	}
	/* the copy's audit.db must not be the store's own */
	char apath[4200], own[4200];
	sf_store__audit_path(path, apath, sizeof apath);
	sf_store__audit_path(s->path, own, sizeof own);
	if (strcmp(apath, own) == 0) {
		sf_errf(err, "backup: %s is in the store's own folder; back up into another folder", path);
		return SF_ERR_INVALID;
	}
	enum sf_err e = copy_db(s, "main", path, err);
	if (e) return e;
	remove(apath);
	e = copy_db(s, "aud", apath, err);
	if (e) remove(path);
	return e;
}
