/*
 * store/store_sqlite.c: the SQLite backend of the store (the embedded default).
 *
 * One connection per struct sf_store, WAL journal, synchronous=NORMAL (durable at checkpoints,
 * never corrupt), foreign keys on. Schema changes are numbered migrations kept in PRAGMA
 * user_version; each runs in its own transaction. Statements are prepared once per connection.
 * Chunk ids come from AUTOINCREMENT so they are never reused: the index uses them as document
 * ids, and a deleted id must never come back as another chunk.
 */
#include "store/store.h"
#include "store/store_int.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"

/* The audit log's columns: the table of migration 4 and the one in audit.db (attach_audit). */
#define AUDIT_COLUMNS                                                                                  \
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"                                                      \
	"  ts_ms INTEGER NOT NULL,"                                                                    \
	"  actor TEXT NOT NULL,"                                                                       \
	"  action TEXT NOT NULL,"                                                                      \
	"  target TEXT NOT NULL DEFAULT '',"                                                           \
	"  detail TEXT NOT NULL DEFAULT '',"                                                           \
	"  ip TEXT NOT NULL DEFAULT '',"                                                               \
	"  request_id TEXT NOT NULL DEFAULT '');"

static const char *const migrations[] = {
	/* 1: documents, chunks, change log */
	"CREATE TABLE documents ("
	"  id INTEGER PRIMARY KEY,"
	"  source TEXT NOT NULL,"
	"  ext_id TEXT NOT NULL,"
	"  title TEXT NOT NULL DEFAULT '',"
	"  url TEXT NOT NULL DEFAULT '',"
	"  kind TEXT NOT NULL DEFAULT '',"
	"  lang TEXT NOT NULL DEFAULT '',"
	"  acl TEXT NOT NULL DEFAULT '',"
	"  meta TEXT NOT NULL DEFAULT '{}',"
	"  fingerprint TEXT NOT NULL,"
	"  created_ms INTEGER NOT NULL,"
	"  updated_ms INTEGER NOT NULL,"
	"  UNIQUE (source, ext_id));"
	"CREATE TABLE chunks ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,"
	"  ord INTEGER NOT NULL,"
	"  heading TEXT NOT NULL DEFAULT '',"
	"  text TEXT NOT NULL);"
	"CREATE INDEX chunks_doc ON chunks(doc_id, ord);"
	"CREATE TABLE changes ("
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  chunk_id INTEGER NOT NULL,"
	"  op INTEGER NOT NULL);",
	/* 2: a document's category (filterable in search; set by sources, later by the classifier) */
	"ALTER TABLE documents ADD COLUMN category TEXT NOT NULL DEFAULT '';",
	/* 3: files and their runs: the file a document came from, its text's hash and SimHash (for
	 * duplicates), the other places a merged duplicate was found, chunk pages, per-file state
	 * for incremental runs, and run history with failures */
	"ALTER TABLE documents ADD COLUMN file TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE documents ADD COLUMN content_hash TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE documents ADD COLUMN simhash INTEGER NOT NULL DEFAULT 0;"
	"CREATE INDEX documents_file ON documents(source, file) WHERE file != '';"
	"CREATE INDEX documents_content ON documents(content_hash) WHERE content_hash != '';"
	"ALTER TABLE chunks ADD COLUMN page_first INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE chunks ADD COLUMN page_last INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE doc_refs ("
	"  doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,"
	"  source TEXT NOT NULL,"
	"  ext_id TEXT NOT NULL,"
	"  file TEXT NOT NULL DEFAULT '',"
	"  url TEXT NOT NULL DEFAULT '',"
	"  PRIMARY KEY (source, ext_id));"
	"CREATE INDEX doc_refs_doc ON doc_refs(doc_id);"
	"CREATE INDEX doc_refs_file ON doc_refs(source, file);"
	"CREATE TABLE files ("
	"  source TEXT NOT NULL,"
	"  path TEXT NOT NULL,"
	"  size INTEGER NOT NULL,"
	"  mtime_ns INTEGER NOT NULL,"
	"  hash TEXT NOT NULL DEFAULT '',"
	"  status TEXT NOT NULL,"
	"  reason TEXT NOT NULL DEFAULT '',"
	"  type TEXT NOT NULL DEFAULT '',"
	"  docs INTEGER NOT NULL DEFAULT 0,"
	"  run_id INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (source, path));"
	"CREATE TABLE runs ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  source TEXT NOT NULL,"
	"  started_ms INTEGER NOT NULL,"
	"  finished_ms INTEGER NOT NULL DEFAULT 0,"
	"  status TEXT NOT NULL DEFAULT 'running',"
	"  stats TEXT NOT NULL DEFAULT '{}');"
	"CREATE TABLE run_failures ("
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  path TEXT NOT NULL,"
	"  reason TEXT NOT NULL);"
	"CREATE INDEX run_failures_run ON run_failures(run_id);",
	/* 4: the service: accounts, tokens, sessions, audit log, ingestion jobs */
	"CREATE TABLE users ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  name TEXT NOT NULL UNIQUE,"
	"  pass_hash TEXT NOT NULL,"
	"  role TEXT NOT NULL,"
	"  groups TEXT NOT NULL DEFAULT '',"
	"  disabled INTEGER NOT NULL DEFAULT 0,"
	"  created_ms INTEGER NOT NULL,"
	"  updated_ms INTEGER NOT NULL);"
	"CREATE TABLE tokens ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL DEFAULT '',"
	"  hash TEXT NOT NULL UNIQUE,"
	"  prefix TEXT NOT NULL,"
	"  scopes TEXT NOT NULL,"
	"  created_ms INTEGER NOT NULL,"
	"  expires_ms INTEGER NOT NULL DEFAULT 0,"
	"  last_used_ms INTEGER NOT NULL DEFAULT 0,"
	"  revoked INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE sessions ("
	"  hash TEXT PRIMARY KEY,"
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  csrf TEXT NOT NULL,"
	"  created_ms INTEGER NOT NULL,"
	"  expires_ms INTEGER NOT NULL);"
	"CREATE INDEX sessions_user ON sessions(user_id);"
	"CREATE TABLE audit (" AUDIT_COLUMNS
	"CREATE INDEX audit_actor ON audit(actor, id);"
	"CREATE INDEX audit_action ON audit(action, id);"
	"CREATE TABLE jobs ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  kind TEXT NOT NULL,"
	"  state TEXT NOT NULL DEFAULT 'queued',"
	"  user TEXT NOT NULL DEFAULT '',"
	"  acl TEXT NOT NULL DEFAULT '',"
	"  dir TEXT NOT NULL DEFAULT '',"
	"  files INTEGER NOT NULL DEFAULT 0,"
	"  created_ms INTEGER NOT NULL,"
	"  started_ms INTEGER NOT NULL DEFAULT 0,"
	"  finished_ms INTEGER NOT NULL DEFAULT 0,"
	"  result TEXT NOT NULL DEFAULT '',"
	"  error TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX jobs_state ON jobs(state, id);",
	/* 5: the audit log moves to its own file (attach_audit) */
	"INSERT INTO aud.audit (ts_ms, actor, action, target, detail, ip, request_id)"
	"  SELECT ts_ms, actor, action, target, detail, ip, request_id FROM main.audit ORDER BY id;"
	"DROP TABLE main.audit;",
	/* 6: tickets from the service desks (structure, not only text), their comments and
	 * attachments, sync cursors and the items a sync failed on */
	"CREATE TABLE tickets ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  source TEXT NOT NULL,"
	"  ext_id TEXT NOT NULL,"
	"  form_id TEXT NOT NULL DEFAULT '',"
	"  subject TEXT NOT NULL DEFAULT '',"
	"  problem TEXT NOT NULL DEFAULT '',"
	"  resolution TEXT NOT NULL DEFAULT '',"
	"  outcome TEXT NOT NULL DEFAULT 'open',"
	"  reopens INTEGER NOT NULL DEFAULT 0,"
	"  category TEXT NOT NULL DEFAULT '',"
	"  category_id TEXT NOT NULL DEFAULT '',"
	"  category_by TEXT NOT NULL DEFAULT '',"
	"  requester TEXT NOT NULL DEFAULT '',"
	"  assignee TEXT NOT NULL DEFAULT '',"
	"  created_ms INTEGER NOT NULL DEFAULT 0,"
	"  first_response_ms INTEGER NOT NULL DEFAULT 0,"
	"  closed_ms INTEGER NOT NULL DEFAULT 0,"
	"  modified_ms INTEGER NOT NULL DEFAULT 0,"
	"  steps TEXT NOT NULL DEFAULT '[]',"
	"  fields TEXT NOT NULL DEFAULT '{}',"
	"  raw TEXT NOT NULL DEFAULT '{}',"
	"  synced_ms INTEGER NOT NULL DEFAULT 0,"
	"  UNIQUE (source, ext_id));"
	"CREATE INDEX tickets_created ON tickets(created_ms);"
	"CREATE TABLE ticket_comments ("
	"  ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,"
	"  ext_id TEXT NOT NULL,"
	"  ord INTEGER NOT NULL,"
	"  created_ms INTEGER NOT NULL DEFAULT 0,"
	"  author TEXT NOT NULL DEFAULT '',"
	"  author_id TEXT NOT NULL DEFAULT '',"
	"  role TEXT NOT NULL DEFAULT '',"
	"  channel TEXT NOT NULL DEFAULT '',"
	"  internal INTEGER NOT NULL DEFAULT 0,"
	"  action TEXT NOT NULL DEFAULT '',"
	"  text TEXT NOT NULL DEFAULT '',"
	"  PRIMARY KEY (ticket_id, ext_id));"
	"CREATE TABLE ticket_files ("
	"  ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,"
	"  ext_id TEXT NOT NULL,"
	"  comment_id TEXT NOT NULL DEFAULT '',"
	"  name TEXT NOT NULL DEFAULT '',"
	"  size INTEGER NOT NULL DEFAULT 0,"
	"  doc_ext_id TEXT NOT NULL DEFAULT '',"
	"  status TEXT NOT NULL DEFAULT 'pending',"
	"  reason TEXT NOT NULL DEFAULT '',"
	"  PRIMARY KEY (ticket_id, ext_id));"
	"CREATE TABLE sync_state ("
	"  source TEXT NOT NULL,"
	"  key TEXT NOT NULL,"
	"  value TEXT NOT NULL,"
	"  updated_ms INTEGER NOT NULL,"
	"  PRIMARY KEY (source, key));"
	"CREATE TABLE sync_failures ("
	"  source TEXT NOT NULL,"
	"  item TEXT NOT NULL,"
	"  reason TEXT NOT NULL,"
	"  attempts INTEGER NOT NULL DEFAULT 1,"
	"  first_ms INTEGER NOT NULL,"
	"  last_ms INTEGER NOT NULL,"
	"  PRIMARY KEY (source, item));",
};
#define NMIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))


enum stmt_id {
	ST_FIND_DOC,
	ST_INSERT_DOC,
	ST_UPDATE_DOC,
	ST_DELETE_DOC,
	ST_DOC_CHUNKS,
	ST_DELETE_CHUNKS,
	ST_INSERT_CHUNK,
	ST_LOG,
	ST_GET_CHUNK,
	ST_GET_HEAD,
	ST_SCAN,
	ST_CHANGES,
	ST_MAX_SEQ,
	ST_FIND_CONTENT,
	ST_ADD_REF,
	ST_SIMHASHES,
	ST_GET_FILE,
	ST_PUT_FILE,
	ST_SCAN_FILES,
	ST_DELETE_FILE,
	ST_FILE_DOCS,
	ST_DOC_REFS,
	ST_DELETE_REF,
	ST_PROMOTE,
	ST_FILE_REFS_DELETE,
	ST_RUN_BEGIN,
	ST_RUN_END,
	ST_RUN_FAIL,
	ST_RUNS,
	ST_RUN_FAILURES,
	ST__COUNT
};
_Static_assert(ST__COUNT <= SF_STORE_MAIN_SLOTS, "more statements than slots");

static const char *const stmt_sql[ST__COUNT] = {
	[ST_FIND_DOC] = "SELECT id, fingerprint FROM documents WHERE source = ?1 AND ext_id = ?2",
	[ST_INSERT_DOC] = "INSERT INTO documents (source, ext_id, title, url, kind, lang, acl, meta,"
			  " fingerprint, created_ms, updated_ms, category, file, content_hash, simhash)"
			  " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?10,?11,?13,?14,?15)",
	/* The same parameter numbers as ST_INSERT_DOC (see bind_doc); ?12 is the row id. */
	[ST_UPDATE_DOC] = "UPDATE documents SET title=?3, url=?4, kind=?5, lang=?6, acl=?7, meta=?8,"
			  " fingerprint=?9, updated_ms=?10, category=?11, file=?13, content_hash=?14,"
			  " simhash=?15 WHERE id=?12",
	[ST_DELETE_DOC] = "DELETE FROM documents WHERE id = ?1",
	[ST_DOC_CHUNKS] = "SELECT id FROM chunks WHERE doc_id = ?1",
	[ST_DELETE_CHUNKS] = "DELETE FROM chunks WHERE doc_id = ?1",
	[ST_INSERT_CHUNK] = "INSERT INTO chunks (doc_id, ord, heading, text, page_first, page_last)"
			    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_LOG] = "INSERT INTO changes (chunk_id, op) VALUES (?1, ?2)",
#define CHUNK_COLS "c.id, c.doc_id, c.ord, d.source, d.ext_id, d.title, d.url, d.kind, d.lang, d.acl," \
		   " c.heading, c.text, d.category, c.page_first, c.page_last"
	[ST_GET_CHUNK] = "SELECT " CHUNK_COLS " FROM chunks c JOIN documents d ON d.id = c.doc_id"
			 " WHERE c.id = ?1",
	[ST_GET_HEAD] = "SELECT c.id, c.doc_id, c.ord, d.source, d.ext_id, d.title, d.url, d.kind, d.lang,"
			" d.acl, c.heading, '', d.category, c.page_first, c.page_last FROM chunks c"
			" JOIN documents d ON d.id = c.doc_id"
			" WHERE c.id = ?1",
	[ST_SCAN] = "SELECT " CHUNK_COLS " FROM chunks c JOIN documents d ON d.id = c.doc_id"
		    " ORDER BY c.id",
	[ST_CHANGES] = "SELECT g.seq, g.op, g.chunk_id, " CHUNK_COLS " FROM changes g"
		       " LEFT JOIN chunks c ON c.id = g.chunk_id AND g.op = 1"
		       " LEFT JOIN documents d ON d.id = c.doc_id"
		       " WHERE g.seq > ?1 ORDER BY g.seq LIMIT ?2",
	[ST_MAX_SEQ] = "SELECT COALESCE(MAX(seq), 0) FROM changes",
	[ST_FIND_CONTENT] = "SELECT id FROM documents WHERE content_hash = ?1 AND acl = ?4 AND NOT (source = ?2 AND ext_id = ?3)"
			    " ORDER BY id LIMIT 1",
	[ST_ADD_REF] = "INSERT OR REPLACE INTO doc_refs (doc_id, source, ext_id, file, url) VALUES (?1,?2,?3,?4,?5)",
	[ST_SIMHASHES] = "SELECT id, simhash FROM documents WHERE source = ?1 AND acl = ?2 AND simhash != 0",
	[ST_GET_FILE] = "SELECT path, size, mtime_ns, hash, status, reason, type, docs, run_id FROM files"
			" WHERE source = ?1 AND path = ?2",
	[ST_PUT_FILE] = "INSERT OR REPLACE INTO files (source, path, size, mtime_ns, hash, status, reason, type,"
			" docs, run_id) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)",
	[ST_SCAN_FILES] = "SELECT path, size, mtime_ns, hash, status, reason, type, docs, run_id FROM files"
			  " WHERE source = ?1 ORDER BY path",
	[ST_DELETE_FILE] = "DELETE FROM files WHERE source = ?1 AND path = ?2",
	[ST_FILE_DOCS] = "SELECT id, ext_id FROM documents WHERE source = ?1 AND file = ?2",
	[ST_DOC_REFS] = "SELECT source, ext_id, file, url FROM doc_refs WHERE doc_id = ?1 ORDER BY rowid LIMIT 1",
	[ST_DELETE_REF] = "DELETE FROM doc_refs WHERE source = ?1 AND ext_id = ?2",
	[ST_PROMOTE] = "UPDATE documents SET source = ?2, ext_id = ?3, file = ?4, url = ?5 WHERE id = ?1",
	[ST_FILE_REFS_DELETE] = "DELETE FROM doc_refs WHERE source = ?1 AND file = ?2",
	[ST_RUN_BEGIN] = "INSERT INTO runs (source, started_ms) VALUES (?1, ?2)",
	[ST_RUN_END] = "UPDATE runs SET finished_ms = ?2, status = ?3, stats = ?4 WHERE id = ?1",
	[ST_RUN_FAIL] = "INSERT INTO run_failures (run_id, path, reason) VALUES (?1, ?2, ?3)",
	[ST_RUNS] = "SELECT r.id, r.source, r.started_ms, r.finished_ms, r.status, r.stats,"
		    " (SELECT COUNT(*) FROM run_failures f WHERE f.run_id = r.id) FROM runs r"
		    " WHERE ?1 IS NULL OR r.source = ?1 ORDER BY r.id DESC LIMIT ?2",
	[ST_RUN_FAILURES] = "SELECT path, reason FROM run_failures WHERE run_id = ?1 ORDER BY rowid",
};


enum sf_err sf_store__db_err(struct sf_store *s, struct sf_buf *err, const char *what)
{
	sf_errf(err, "store: %s: %s", what, sqlite3_errmsg(s->db));
	return SF_ERR_STORE;
}

enum sf_err sf_store__exec(struct sf_store *s, const char *sql, struct sf_buf *err)
{
	char *msg = NULL;
	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		sf_errf(err, "store: %s", msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return SF_ERR_STORE;
	}
	return SF_OK;
}

static sqlite3_stmt *stmt(struct sf_store *s, enum stmt_id id)
{
	/* a service statement left on a row would hold a stale read snapshot (see store_svc.c) */
	if (s->svc_used) {
		for (int i = 0; i < SF_STORE_SVC_SLOTS; i++)
			if (s->svc[i] && sqlite3_stmt_busy(s->svc[i])) sqlite3_reset(s->svc[i]);
		s->svc_used = false;
	}
	s->main_used = true;
	sqlite3_stmt *q = s->st[id];
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	return q;
}

int sf_store_schema_version(struct sf_store *s)
{
	sqlite3_stmt *q;
	int v = -1;
	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &q, NULL) != SQLITE_OK) return -1;
	if (sqlite3_step(q) == SQLITE_ROW) v = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	return v;
}

static enum sf_err migrate(struct sf_store *s, struct sf_buf *err)
{
	int v = sf_store_schema_version(s);
	if (v < 0) return db_err(s, err, "reading schema version");
	if (v > NMIGRATIONS) {
		sf_errf(err, "store: %s has schema version %d, newer than this sufler (%d)", s->path, v,
			NMIGRATIONS);
		return SF_ERR_UNSUPPORTED;
	}
	for (; v < NMIGRATIONS; v++) {
		char pragma[64];
		snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", v + 1);
		enum sf_err e = exec(s, "BEGIN IMMEDIATE", err);
		if (!e) e = exec(s, migrations[v], err);
		if (!e) e = exec(s, pragma, err);
		if (!e) e = exec(s, "COMMIT", err);
		if (e) {
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			return e;
		}
		SF_LOG(SF_LOG_INFO, "store", "migrated path=%s version=%d", s->path, v + 1);
	}
	return SF_OK;
}

/*
 * The audit log lives in its own file beside the store (audit.db), attached as "aud": it takes a
 * write for nearly every request, and every write to the store's own file makes all readers
 * drop their memory map and page cache of it (SQLite does so when another connection changed
 * the database). Kept apart, searches never notice the audit log growing.
 */
void sf_store__audit_path(const char *store_path, char *out, size_t cap)
{
	const char *slash = strrchr(store_path, '/');
	if (slash) snprintf(out, cap, "%.*s/audit.db", (int)(slash - store_path), store_path);
	else snprintf(out, cap, "audit.db");
}

static enum sf_err attach_audit(struct sf_store *s, struct sf_buf *err)
{
	char dir[4200];
	sf_store__audit_path(s->path, dir, sizeof dir);
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(s->db, "ATTACH DATABASE ?1 AS aud", -1, &q, NULL) != SQLITE_OK)
		return db_err(s, err, "attaching the audit log");
	sqlite3_bind_text(q, 1, dir, -1, SQLITE_STATIC);
	int rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) return db_err(s, err, "attaching the audit log");
	return exec(s, "PRAGMA aud.journal_mode=WAL; PRAGMA aud.synchronous=NORMAL;"
		       "CREATE TABLE IF NOT EXISTS aud.audit (" AUDIT_COLUMNS
		       "CREATE INDEX IF NOT EXISTS aud.audit_actor ON audit(actor, id);"
		       "CREATE INDEX IF NOT EXISTS aud.audit_action ON audit(action, id);"
		       "CREATE INDEX IF NOT EXISTS aud.audit_ts ON audit(ts_ms);", err);
}

/* Process-wide SQLite settings, before its first use: no memory statistics (a global mutex every
 * allocation takes, contended when many threads read). */
static void sqlite_setup(void)
{
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

enum sf_err sf_store_open(const char *path, struct sf_store **out, struct sf_buf *err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, sqlite_setup);
	struct sf_store *s = sf_xcalloc(1, sizeof *s);
	enum sf_err e = SF_ERR_STORE;
	s->path = sf_xstrdup(path);
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		sf_errf(err, "store: cannot open %s: %s", path, s->db ? sqlite3_errmsg(s->db) : "out of memory");
		goto out;
	}
	sqlite3_busy_timeout(s->db, 10000);
	e = exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
		    "PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY; PRAGMA mmap_size=17179869184;", err);
	if (e) goto out;
	e = attach_audit(s, err);
	if (e) goto out;
	e = migrate(s, err);
	if (e) goto out;
	/* The file grows in steps of 64 MiB, not page by page: every growth remaps the file in each
	 * connection that reads through mmap, and faults its pages in again. */
	int chunk = 64 << 20;
	(void)sqlite3_file_control(s->db, "main", SQLITE_FCNTL_CHUNK_SIZE, &chunk);
	for (int i = 0; i < ST__COUNT; i++) {
		if (sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL) !=
		    SQLITE_OK) {
			e = db_err(s, err, "preparing statements");
			goto out;
		}
	}
	*out = s;
	return SF_OK;
out:
	sf_store_close(s);
	return e;
}

void sf_store_close(struct sf_store *s)
{
	if (!s) return;
	if (s->in_tx) sf_store_rollback(s);
	for (int i = 0; i < ST__COUNT; i++) sqlite3_finalize(s->st[i]);
	for (int i = 0; i < SF_STORE_SVC_SLOTS; i++) sqlite3_finalize(s->svc[i]);
	if (s->db) sqlite3_close(s->db);
	free(s->path);
	free(s);
}

enum sf_err sf_store_begin(struct sf_store *s, struct sf_buf *err)
{
	sf_store_read_end(s);
	if (s->in_tx) {
		sf_errf(err, "store: transaction already open");
		return SF_ERR_INTERNAL;
	}
	enum sf_err e = exec(s, "BEGIN IMMEDIATE", err);
	if (!e) s->in_tx = true;
	return e;
}

enum sf_err sf_store_commit(struct sf_store *s, struct sf_buf *err)
{
	if (!s->in_tx) return SF_OK;
	enum sf_err e = exec(s, "COMMIT", err);
	if (!e) s->in_tx = false;
	return e;
}

enum sf_err sf_store_batch_step(struct sf_store *s, size_t *n, size_t every, struct sf_buf *err)
{
	if (*n == 0) {
		enum sf_err rc = sf_store_begin(s, err);
		if (rc) return rc;
	}
	if (++*n >= every) {
		*n = 0;
		return sf_store_commit(s, err);
	}
	return SF_OK;
}

void sf_store_rollback(struct sf_store *s)
{
	if (!s->in_tx) return;
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	s->in_tx = false;
}

void sf_store__bind_text(sqlite3_stmt *q, int i, const char *v)
{
	sqlite3_bind_text(q, i, v ? v : "", -1, SQLITE_STATIC);
}

/* The document's stored fields, at the parameter numbers ST_INSERT_DOC and ST_UPDATE_DOC share. */
static void bind_doc(sqlite3_stmt *q, const struct sf_doc_in *d, int64_t now)
{
	bind_text(q, 3, d->title);
	bind_text(q, 4, d->url);
	bind_text(q, 5, d->kind);
	bind_text(q, 6, d->lang);
	bind_text(q, 7, d->acl);
	sqlite3_bind_text(q, 8, d->meta ? d->meta : "{}", -1, SQLITE_STATIC);
	bind_text(q, 9, d->fingerprint);
	sqlite3_bind_int64(q, 10, now);
	bind_text(q, 11, d->category);
	bind_text(q, 13, d->file);
	bind_text(q, 14, d->content_hash);
	sqlite3_bind_int64(q, 15, (sqlite3_int64)d->simhash);
}

static enum sf_err check_field(const char *name, const char *v, struct sf_buf *err)
{
	if (v && strlen(v) > SF_STORE_MAX_FIELD) {
		sf_errf(err, "store: %s longer than %u bytes", name, SF_STORE_MAX_FIELD);
		return SF_ERR_LIMIT;
	}
	return SF_OK;
}

static enum sf_err log_change(struct sf_store *s, uint64_t chunk_id, int op, struct sf_buf *err)
{
	sqlite3_stmt *q = stmt(s, ST_LOG);
	sqlite3_bind_int64(q, 1, (sqlite3_int64)chunk_id);
	sqlite3_bind_int(q, 2, op);
	if (sqlite3_step(q) != SQLITE_DONE) return db_err(s, err, "logging a change");
	return SF_OK;
}

/* Logs the deletion of every chunk of doc_id and deletes them. */
enum sf_err sf_store__drop_chunks(struct sf_store *s, int64_t doc_id, struct sf_buf *err)
{
	sqlite3_stmt *q = stmt(s, ST_DOC_CHUNKS);
	sqlite3_bind_int64(q, 1, doc_id);
	uint64_t *ids = NULL;
	size_t n = 0, cap = 0;
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		SF_GROW(ids, cap, n + 1);
		ids[n++] = (uint64_t)sqlite3_column_int64(q, 0);
	}
	enum sf_err e = SF_OK;
	if (rc != SQLITE_DONE) e = db_err(s, err, "listing chunks");
	for (size_t i = 0; !e && i < n; i++) e = log_change(s, ids[i], SF_CHANGE_DELETE, err);
	free(ids);
	if (e) return e;
	q = stmt(s, ST_DELETE_CHUNKS);
	sqlite3_bind_int64(q, 1, doc_id);
	if (sqlite3_step(q) != SQLITE_DONE) return db_err(s, err, "deleting chunks");
	return SF_OK;
}

/*
 * One store operation is atomic: its own transaction outside the caller's, a savepoint inside
 * one (so a refused document does not undo the caller's batch). op_end commits or rolls back.
 */
enum sf_err sf_store__op_begin(struct sf_store *s, bool *own, struct sf_buf *err)
{
	*own = !s->in_tx;
	return exec(s, *own ? "BEGIN IMMEDIATE" : "SAVEPOINT op", err);
}

enum sf_err sf_store__op_end(struct sf_store *s, bool own, enum sf_err rc, struct sf_buf *err)
{
	if (rc) {
		sqlite3_exec(s->db, own ? "ROLLBACK" : "ROLLBACK TO op; RELEASE op", NULL, NULL, NULL);
		return rc;
	}
	return exec(s, own ? "COMMIT" : "RELEASE op", err);
}

static enum sf_err put_locked(struct sf_store *s, const struct sf_doc_in *d,
			      const struct sf_chunk_in *chunks, size_t nchunks,
			      enum sf_put_result *result, struct sf_buf *err)
{
	const char *source = d->source && *d->source ? d->source : "default";
	sqlite3_stmt *q = stmt(s, ST_FIND_DOC);
	bind_text(q, 1, source);
	bind_text(q, 2, d->ext_id);
	int64_t doc_id = 0;
	int rc = sqlite3_step(q);
	int64_t now = sf_wall_ms();
	if (rc == SQLITE_ROW) {
		doc_id = sqlite3_column_int64(q, 0);
		const char *fp = (const char *)sqlite3_column_text(q, 1);
		if (fp && d->fingerprint && strcmp(fp, d->fingerprint) == 0) {
			*result = SF_PUT_UNCHANGED;
			s->last_doc = doc_id;
			return SF_OK;
		}
		enum sf_err e = drop_chunks(s, doc_id, err);
		if (e) return e;
		q = stmt(s, ST_UPDATE_DOC);
		bind_doc(q, d, now);
		sqlite3_bind_int64(q, 12, doc_id);
		if (sqlite3_step(q) != SQLITE_DONE) return db_err(s, err, "updating a document");
		*result = SF_PUT_REPLACED;
	} else if (rc == SQLITE_DONE) {
		q = stmt(s, ST_INSERT_DOC);
		bind_text(q, 1, source);
		bind_text(q, 2, d->ext_id);
		bind_doc(q, d, now);
		if (sqlite3_step(q) != SQLITE_DONE) return db_err(s, err, "inserting a document");
		doc_id = sqlite3_last_insert_rowid(s->db);
		*result = SF_PUT_ADDED;
	} else {
		return db_err(s, err, "finding a document");
	}
	for (size_t i = 0; i < nchunks; i++) {
		q = stmt(s, ST_INSERT_CHUNK);
		sqlite3_bind_int64(q, 1, doc_id);
		sqlite3_bind_int64(q, 2, (sqlite3_int64)i);
		bind_text(q, 3, chunks[i].heading);
		sqlite3_bind_text(q, 4, chunks[i].text ? chunks[i].text : "", (int)chunks[i].len, SQLITE_STATIC);
		sqlite3_bind_int64(q, 5, chunks[i].page_first);
		sqlite3_bind_int64(q, 6, chunks[i].page_last);
		if (sqlite3_step(q) != SQLITE_DONE) return db_err(s, err, "inserting a chunk");
		enum sf_err e = log_change(s, (uint64_t)sqlite3_last_insert_rowid(s->db), SF_CHANGE_ADD, err);
		if (e) return e;
	}
	s->last_doc = doc_id;
	return SF_OK;
}

enum sf_err sf_store_put_document(struct sf_store *s, const struct sf_doc_in *d,
				  const struct sf_chunk_in *chunks, size_t nchunks,
				  enum sf_put_result *result, struct sf_buf *err)
{
	if (!d->ext_id || !*d->ext_id) {
		sf_errf(err, "store: document without an id");
		return SF_ERR_INVALID;
	}
	enum sf_err e;
	if ((e = check_field("id", d->ext_id, err)) || (e = check_field("title", d->title, err)) ||
	    (e = check_field("url", d->url, err)) || (e = check_field("kind", d->kind, err)) ||
	    (e = check_field("lang", d->lang, err)) || (e = check_field("acl", d->acl, err)) ||
	    (e = check_field("source", d->source, err)) || (e = check_field("category", d->category, err)) ||
	    (e = check_field("file", d->file, err)))
		return e;
	size_t total = 0;
	for (size_t i = 0; i < nchunks; i++) total += chunks[i].len;
	if (total > SF_STORE_MAX_TEXT) {
		sf_errf(err, "store: document text of %zu bytes is over the limit of %u", total, SF_STORE_MAX_TEXT);
		return SF_ERR_LIMIT;
	}
	bool own;
	if ((e = op_begin(s, &own, err))) return e;
	return op_end(s, own, put_locked(s, d, chunks, nchunks, result, err), err);
}

enum sf_err sf_store_delete_document(struct sf_store *s, const char *source, const char *ext_id,
				     struct sf_buf *err)
{
	bool own;
	enum sf_err e = op_begin(s, &own, err);
	if (e) return e;
	sqlite3_stmt *q = stmt(s, ST_FIND_DOC);
	bind_text(q, 1, source && *source ? source : "default");
	bind_text(q, 2, ext_id);
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(q, 0);
		e = drop_chunks(s, id, err);
		if (!e) {
			q = stmt(s, ST_DELETE_DOC);
			sqlite3_bind_int64(q, 1, id);
			if (sqlite3_step(q) != SQLITE_DONE) e = db_err(s, err, "deleting a document");
		}
	} else if (rc == SQLITE_DONE) {
		sf_errf(err, "store: no document %s in source %s", ext_id, source ? source : "default");
		e = SF_ERR_NOTFOUND;
	} else {
		e = db_err(s, err, "finding a document");
	}
	return op_end(s, own, e, err);
}

struct sf_str sf_store__col(sqlite3_stmt *q, int i)
{
	const char *p = (const char *)sqlite3_column_text(q, i);
	int n = sqlite3_column_bytes(q, i);
	return (struct sf_str){ p ? p : "", p ? (size_t)n : 0 };
}

/* Fills c from a row whose chunk columns start at column base (see CHUNK_COLS). */
static void read_chunk(sqlite3_stmt *q, int base, struct sf_chunk *c)
{
	c->id = (uint64_t)sqlite3_column_int64(q, base + 0);
	c->doc_id = (uint64_t)sqlite3_column_int64(q, base + 1);
	c->ord = (uint32_t)sqlite3_column_int(q, base + 2);
	c->source = col(q, base + 3);
	c->ext_id = col(q, base + 4);
	c->title = col(q, base + 5);
	c->url = col(q, base + 6);
	c->kind = col(q, base + 7);
	c->lang = col(q, base + 8);
	c->acl = col(q, base + 9);
	c->heading = col(q, base + 10);
	c->text = col(q, base + 11);
	c->category = col(q, base + 12);
	c->page_first = (uint32_t)sqlite3_column_int64(q, base + 13);
	c->page_last = (uint32_t)sqlite3_column_int64(q, base + 14);
}

static enum sf_err get_chunk(struct sf_store *s, enum stmt_id id, uint64_t chunk_id,
			     struct sf_chunk *out, struct sf_buf *err)
{
	sqlite3_stmt *q = stmt(s, id);
	sqlite3_bind_int64(q, 1, (sqlite3_int64)chunk_id);
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		read_chunk(q, 0, out);
		return SF_OK;
	}
	if (rc == SQLITE_DONE) {
		sf_errf(err, "store: no chunk %llu", (unsigned long long)chunk_id);
		return SF_ERR_NOTFOUND;
	}
	return db_err(s, err, "reading a chunk");
}

enum sf_err sf_store_get_chunk(struct sf_store *s, uint64_t chunk_id, struct sf_chunk *out,
			       struct sf_buf *err)
{
	return get_chunk(s, ST_GET_CHUNK, chunk_id, out, err);
}

enum sf_err sf_store_get_chunk_head(struct sf_store *s, uint64_t chunk_id, struct sf_chunk *out,
				    struct sf_buf *err)
{
	return get_chunk(s, ST_GET_HEAD, chunk_id, out, err);
}

enum sf_err sf_store_scan_chunks(struct sf_store *s, int (*fn)(void *ctx, const struct sf_chunk *c),
				 void *ctx, struct sf_buf *err)
{
	sqlite3_stmt *q = stmt(s, ST_SCAN);
	int rc;
	struct sf_chunk c;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		read_chunk(q, 0, &c);
		if (fn(ctx, &c)) break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_err(s, err, "scanning chunks");
	sqlite3_reset(q);
	return SF_OK;
}

enum sf_err sf_store_changes(struct sf_store *s, uint64_t after, size_t limit,
			     int (*fn)(void *ctx, uint64_t seq, enum sf_change_op op, uint64_t chunk_id,
				       const struct sf_chunk *c),
			     void *ctx, struct sf_buf *err)
{
	sqlite3_stmt *q = stmt(s, ST_CHANGES);
	sqlite3_bind_int64(q, 1, (sqlite3_int64)after);
	sqlite3_bind_int64(q, 2, limit ? (sqlite3_int64)limit : -1);
	int rc;
	struct sf_chunk c;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		uint64_t seq = (uint64_t)sqlite3_column_int64(q, 0);
		int op = sqlite3_column_int(q, 1);
		uint64_t id = (uint64_t)sqlite3_column_int64(q, 2);
		bool have = sqlite3_column_type(q, 3) != SQLITE_NULL;
		if (have) read_chunk(q, 3, &c);
		if (fn(ctx, seq, (enum sf_change_op)op, id, have ? &c : NULL)) break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_err(s, err, "reading changes");
	sqlite3_reset(q);
	return SF_OK;
}

enum sf_err sf_store_max_seq(struct sf_store *s, uint64_t *seq, struct sf_buf *err)
{
	sqlite3_stmt *q = stmt(s, ST_MAX_SEQ);
	if (sqlite3_step(q) != SQLITE_ROW) return db_err(s, err, "reading the change log");
	*seq = (uint64_t)sqlite3_column_int64(q, 0);
	sqlite3_reset(q); /* an open statement would hold a read transaction (and the WAL) */
	return SF_OK;
}

enum sf_err sf_store_stats(struct sf_store *s, struct sf_store_stats *out, struct sf_buf *err)
{
	sqlite3_stmt *q;
	memset(out, 0, sizeof *out);
	if (sqlite3_prepare_v2(s->db, "SELECT (SELECT COUNT(*) FROM documents), (SELECT COUNT(*) FROM chunks)",
			       -1, &q, NULL) != SQLITE_OK)
		return db_err(s, err, "counting");
	if (sqlite3_step(q) == SQLITE_ROW) {
		out->documents = (uint64_t)sqlite3_column_int64(q, 0);
		out->chunks = (uint64_t)sqlite3_column_int64(q, 1);
	}
	sqlite3_finalize(q);
	struct stat stt;
	if (stat(s->path, &stt) == 0) out->bytes = (uint64_t)stt.st_size;
	return SF_OK;
}

/* ---- duplicates, files, runs (schema 3) ---- */

enum sf_err sf_store_find_by_content(struct sf_store *s, const char *content_hash, const char *acl,
				     const char *source, const char *ext_id, int64_t *doc_id, struct sf_buf *err)
{
	sqlite3_stmt *q = stmt(s, ST_FIND_CONTENT);
	bind_text(q, 1, content_hash);
	bind_text(q, 2, source && *source ? source : "default");
	bind_text(q, 3, ext_id);
	bind_text(q, 4, acl);
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		*doc_id = sqlite3_column_int64(q, 0);
		return SF_OK;
	}
	if (rc == SQLITE_DONE) return SF_ERR_NOTFOUND;
	return db_err(s, err, "finding a duplicate");
}

enum sf_err sf_store_add_ref(struct sf_store *s, int64_t doc_id, const char *source, const char *ext_id,
			     const char *file, const char *url, struct sf_buf *err)
{
	/* the place may have held a document of its own before: it is a reference now */
	enum sf_err e = sf_store_delete_document(s, source, ext_id, err);
	if (e && e != SF_ERR_NOTFOUND) return e;
	sqlite3_stmt *q = stmt(s, ST_ADD_REF);
	sqlite3_bind_int64(q, 1, doc_id);
	bind_text(q, 2, source && *source ? source : "default");
	bind_text(q, 3, ext_id);
	bind_text(q, 4, file);
	bind_text(q, 5, url);
	if (sqlite3_step(q) != SQLITE_DONE) return db_err(s, err, "adding a reference");
	return SF_OK;
}

enum sf_err sf_store_scan_simhash(struct sf_store *s, const char *source, const char *acl,
				  int (*fn)(void *ctx, int64_t doc_id, uint64_t simhash), void *ctx,
				  struct sf_buf *err)
{
	sqlite3_stmt *q = stmt(s, ST_SIMHASHES);
	bind_text(q, 1, source && *source ? source : "default");
	bind_text(q, 2, acl);
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		if (fn(ctx, sqlite3_column_int64(q, 0), (uint64_t)sqlite3_column_int64(q, 1))) break;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_err(s, err, "reading SimHashes");
	sqlite3_reset(q);
	return SF_OK;
}

static void read_file(sqlite3_stmt *q, struct sf_file_rec *f)
{
	f->path = (const char *)sqlite3_column_text(q, 0);
	f->size = sqlite3_column_int64(q, 1);
	f->mtime_ns = sqlite3_column_int64(q, 2);
	f->hash = (const char *)sqlite3_column_text(q, 3);
	f->status = (const char *)sqlite3_column_text(q, 4);
	f->reason = (const char *)sqlite3_column_text(q, 5);
	f->type = (const char *)sqlite3_column_text(q, 6);
	f->docs = (uint32_t)sqlite3_column_int64(q, 7);
	f->run_id = sqlite3_column_int64(q, 8);
}

enum sf_err sf_store_get_file(struct sf_store *s, const char *source, const char *path,
			      struct sf_file_rec *out, struct sf_buf *err)
{
	sqlite3_stmt *q = stmt(s, ST_GET_FILE);
	bind_text(q, 1, source);
	bind_text(q, 2, path);
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		read_file(q, out);
		return SF_OK;
	}
	if (rc == SQLITE_DONE) return SF_ERR_NOTFOUND;
	return db_err(s, err, "reading a file record");
}

enum sf_err sf_store_put_file(struct sf_store *s, const char *source, const struct sf_file_rec *f,
			      struct sf_buf *err)
{
	sqlite3_stmt *q = stmt(s, ST_PUT_FILE);
	bind_text(q, 1, source);
	bind_text(q, 2, f->path);
	sqlite3_bind_int64(q, 3, f->size);
	sqlite3_bind_int64(q, 4, f->mtime_ns);
	bind_text(q, 5, f->hash);
	bind_text(q, 6, f->status);
	bind_text(q, 7, f->reason);
	bind_text(q, 8, f->type);
	sqlite3_bind_int64(q, 9, f->docs);
	sqlite3_bind_int64(q, 10, f->run_id);
	if (sqlite3_step(q) != SQLITE_DONE) return db_err(s, err, "writing a file record");
	return SF_OK;
}

enum sf_err sf_store_scan_files(struct sf_store *s, const char *source,
				int (*fn)(void *ctx, const struct sf_file_rec *f), void *ctx, struct sf_buf *err)
{
	sqlite3_stmt *q = stmt(s, ST_SCAN_FILES);
	bind_text(q, 1, source);
	int rc;
	struct sf_file_rec f;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		read_file(q, &f);
		if (fn(ctx, &f)) break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_err(s, err, "listing files");
	sqlite3_reset(q);
	return SF_OK;
}

/* Deletes document id, or hands it to its first other reference when it has one. */
static enum sf_err drop_or_promote(struct sf_store *s, int64_t id, bool *deleted, struct sf_buf *err)
{
	sqlite3_stmt *q = stmt(s, ST_DOC_REFS);
	sqlite3_bind_int64(q, 1, id);
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		char *src = sf_xstrdup((const char *)sqlite3_column_text(q, 0));
		char *ext = sf_xstrdup((const char *)sqlite3_column_text(q, 1));
		char *file = sf_xstrdup((const char *)sqlite3_column_text(q, 2));
		char *url = sf_xstrdup((const char *)sqlite3_column_text(q, 3));
		enum sf_err e = SF_OK;
		q = stmt(s, ST_DELETE_REF);
		bind_text(q, 1, src);
		bind_text(q, 2, ext);
		if (sqlite3_step(q) != SQLITE_DONE) e = db_err(s, err, "moving a reference");
		if (!e) {
			q = stmt(s, ST_PROMOTE);
			sqlite3_bind_int64(q, 1, id);
			bind_text(q, 2, src);
			bind_text(q, 3, ext);
			bind_text(q, 4, file);
			bind_text(q, 5, url);
			if (sqlite3_step(q) != SQLITE_DONE) e = db_err(s, err, "moving a document to its duplicate");
		}
		free(src), free(ext), free(file), free(url);
		*deleted = false;
		return e;
	}
	if (rc != SQLITE_DONE) return db_err(s, err, "reading references");
	enum sf_err e = drop_chunks(s, id, err);
	if (e) return e;
	q = stmt(s, ST_DELETE_DOC);
	sqlite3_bind_int64(q, 1, id);
	if (sqlite3_step(q) != SQLITE_DONE) return db_err(s, err, "deleting a document");
	*deleted = true;
	return SF_OK;
}

enum sf_err sf_store_prune_file_docs(struct sf_store *s, const char *source, const char *file,
				     const char *const *keep, size_t nkeep, bool forget_file,
				     uint64_t *removed, struct sf_buf *err)
{
	bool own;
	enum sf_err e = op_begin(s, &own, err);
	if (e) return e;
	if (removed) *removed = 0;
	sqlite3_stmt *q = stmt(s, ST_FILE_DOCS);
	bind_text(q, 1, source);
	bind_text(q, 2, file);
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *ext = (const char *)sqlite3_column_text(q, 1);
		bool kept = false;
		for (size_t i = 0; i < nkeep && !kept; i++) kept = !strcmp(keep[i], ext);
		if (kept) continue;
		SF_GROW(ids, cap, n + 1);
		ids[n++] = sqlite3_column_int64(q, 0);
	}
	if (rc != SQLITE_DONE) e = db_err(s, err, "listing a file's documents");
	for (size_t i = 0; !e && i < n; i++) {
		bool deleted = false;
		e = drop_or_promote(s, ids[i], &deleted, err);
		if (!e && deleted && removed) (*removed)++;
	}
	free(ids);
	if (!e && forget_file) {
		/* references that pointed into the file go too, and its record */
		q = stmt(s, ST_FILE_REFS_DELETE);
		bind_text(q, 1, source);
		bind_text(q, 2, file);
		if (sqlite3_step(q) != SQLITE_DONE) e = db_err(s, err, "deleting references");
		if (!e) {
			q = stmt(s, ST_DELETE_FILE);
			bind_text(q, 1, source);
			bind_text(q, 2, file);
			if (sqlite3_step(q) != SQLITE_DONE) e = db_err(s, err, "deleting a file record");
		}
	}
	return op_end(s, own, e, err);
}

enum sf_err sf_store_run_begin(struct sf_store *s, const char *source, int64_t *run_id, struct sf_buf *err)
{
	sqlite3_stmt *q = stmt(s, ST_RUN_BEGIN);
	bind_text(q, 1, source);
	sqlite3_bind_int64(q, 2, sf_wall_ms());
	if (sqlite3_step(q) != SQLITE_DONE) return db_err(s, err, "starting a run");
	*run_id = sqlite3_last_insert_rowid(s->db);
	return SF_OK;
}

enum sf_err sf_store_run_end(struct sf_store *s, int64_t run_id, const char *status, const char *stats,
			     struct sf_buf *err)
{
	sqlite3_stmt *q = stmt(s, ST_RUN_END);
	sqlite3_bind_int64(q, 1, run_id);
	sqlite3_bind_int64(q, 2, sf_wall_ms());
	bind_text(q, 3, status);
	sqlite3_bind_text(q, 4, stats ? stats : "{}", -1, SQLITE_STATIC);
	if (sqlite3_step(q) != SQLITE_DONE) return db_err(s, err, "finishing a run");
	return SF_OK;
}

enum sf_err sf_store_run_failure(struct sf_store *s, int64_t run_id, const char *path, const char *reason,
				 struct sf_buf *err)
{
	sqlite3_stmt *q = stmt(s, ST_RUN_FAIL);
	sqlite3_bind_int64(q, 1, run_id);
	bind_text(q, 2, path);
	bind_text(q, 3, reason);
	if (sqlite3_step(q) != SQLITE_DONE) return db_err(s, err, "recording a failure");
	return SF_OK;
}

enum sf_err sf_store_scan_runs(struct sf_store *s, const char *source, size_t limit,
			       int (*fn)(void *ctx, const struct sf_run_rec *r), void *ctx, struct sf_buf *err)
{
	sqlite3_stmt *q = stmt(s, ST_RUNS);
	if (source) bind_text(q, 1, source);
	else sqlite3_bind_null(q, 1);
	sqlite3_bind_int64(q, 2, limit ? (sqlite3_int64)limit : -1);
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct sf_run_rec r = {
			.id = sqlite3_column_int64(q, 0), .source = col(q, 1), .started_ms = sqlite3_column_int64(q, 2),
			.finished_ms = sqlite3_column_int64(q, 3), .status = col(q, 4), .stats = col(q, 5),
			.failures = (uint64_t)sqlite3_column_int64(q, 6),
		};
		if (fn(ctx, &r)) break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_err(s, err, "listing runs");
	sqlite3_reset(q);
	return SF_OK;
}

enum sf_err sf_store_scan_run_failures(struct sf_store *s, int64_t run_id,
				       int (*fn)(void *ctx, const char *path, const char *reason), void *ctx,
				       struct sf_buf *err)
{
	sqlite3_stmt *q = stmt(s, ST_RUN_FAILURES);
	sqlite3_bind_int64(q, 1, run_id);
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		if (fn(ctx, (const char *)sqlite3_column_text(q, 0), (const char *)sqlite3_column_text(q, 1))) break;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_err(s, err, "listing failures");
	sqlite3_reset(q);
	return SF_OK;
}

int64_t sf_store_last_doc(const struct sf_store *s)
{
	return s->last_doc;
}

/* ---- documents by id (schema 4: the service) ---- */

enum sf_err sf_store_scan_doc_chunks(struct sf_store *s, int64_t id,
				     int (*fn)(void *ctx, const struct sf_chunk *c), void *ctx,
				     struct sf_buf *err)
{
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(s->db, "SELECT " CHUNK_COLS " FROM chunks c JOIN documents d ON d.id = c.doc_id"
				      " WHERE c.doc_id = ?1 ORDER BY c.ord", -1, &q, NULL) != SQLITE_OK)
		return db_err(s, err, "reading a document's chunks");
	sqlite3_bind_int64(q, 1, id);
	enum sf_err e = SF_OK;
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct sf_chunk c;
		read_chunk(q, 0, &c);
		if (fn(ctx, &c)) break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) e = db_err(s, err, "reading a document's chunks");
	sqlite3_finalize(q);
	return e;
}

enum sf_err sf_store_delete_doc_id(struct sf_store *s, int64_t id, struct sf_buf *err)
{
	bool own;
	enum sf_err e = op_begin(s, &own, err);
	if (e) return e;
	e = drop_chunks(s, id, err);
	if (!e) {
		sqlite3_stmt *q = stmt(s, ST_DELETE_DOC);
		sqlite3_bind_int64(q, 1, id);
		if (sqlite3_step(q) != SQLITE_DONE) e = db_err(s, err, "deleting a document");
		else if (sqlite3_changes(s->db) == 0) {
			sf_errf(err, "store: no document %lld", (long long)id);
			e = SF_ERR_NOTFOUND;
		}
	}
	return op_end(s, own, e, err);
}

void sf_store__reset_all(struct sf_store *s)
{
	/* only the arrays used since the last reset: this runs before every service statement and
	 * after every request, and most of the time nothing is left open */
	for (int i = 0; s->main_used && i < ST__COUNT; i++)
		if (s->st[i] && sqlite3_stmt_busy(s->st[i])) sqlite3_reset(s->st[i]);
	for (int i = 0; s->svc_used && i < SF_STORE_SVC_SLOTS; i++)
		if (s->svc[i] && sqlite3_stmt_busy(s->svc[i])) sqlite3_reset(s->svc[i]);
	s->main_used = s->svc_used = false;
}

void sf_store_idle(struct sf_store *s)
{
	if (s && !s->in_tx) sf_store__reset_all(s);
}

void sf_store_read_begin(struct sf_store *s)
{
	if (s->in_tx || s->in_read) return;
	s->in_read = sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
}

void sf_store_read_end(struct sf_store *s)
{
	if (!s->in_read) return;
	sf_store__reset_all(s);
	if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	s->in_read = false;
}

void sf_store_writer_mode(struct sf_store *s)
{
	sqlite3_exec(s->db, "PRAGMA mmap_size=0", NULL, NULL, NULL);
}
