/* tests/unit/store/test_store.c: documents, chunks, the change log, limits and migrations. */
#include "testutil.h"

#include <sys/stat.h>

#include <stdio.h>
#include <unistd.h>

#include "base/time.h"
#include "store/store.h"

struct fixture {
	char dir[64];
	char path[128];
	struct sf_store *st;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/sf-store-XXXXXX");
	if (!mkdtemp(f->dir)) return -1;
	snprintf(f->path, sizeof f->path, "%s/s.db", f->dir);
	if (sf_store_open(f->path, &f->st, NULL) != SF_OK) return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	sf_store_close(f->st);
	char cmd[200];
	snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
	if (system(cmd) != 0) return -1;
	free(f);
	return 0;
}

struct log_rec {
	uint64_t seq[64], id[64];
	int op[64];
	int have[64];
	size_t n;
};

static int on_change(void *ctx, uint64_t seq, enum sf_change_op op, uint64_t id, const struct sf_chunk *c)
{
	struct log_rec *r = ctx;
	r->seq[r->n] = seq;
	r->id[r->n] = id;
	r->op[r->n] = op;
	r->have[r->n] = c != NULL;
	r->n++;
	return 0;
}

static void put_unchanged_replaced_deleted(void **state)
{
	struct fixture *f = *state;
	struct sf_doc_in d = { .ext_id = "d1", .title = "Пароль", .fingerprint = "aa", .acl = "support" };
	struct sf_chunk_in ch[2] = { { "Раздел", "первый", 12, 3, 4 }, { NULL, "второй", 12, 0, 0 } };
	enum sf_put_result r;
	assert_int_equal(sf_store_put_document(f->st, &d, ch, 2, &r, NULL), SF_OK);
	assert_int_equal(r, SF_PUT_ADDED);
	assert_int_equal(sf_store_put_document(f->st, &d, ch, 2, &r, NULL), SF_OK);
	assert_int_equal(r, SF_PUT_UNCHANGED);
	d.fingerprint = "bb";
	assert_int_equal(sf_store_put_document(f->st, &d, ch, 1, &r, NULL), SF_OK);
	assert_int_equal(r, SF_PUT_REPLACED);

	struct log_rec log = { 0 };
	assert_int_equal(sf_store_changes(f->st, 0, 0, on_change, &log, NULL), SF_OK);
	/* add 1, add 2, delete 1, delete 2, add 3 */
	assert_int_equal(log.n, 5);
	assert_int_equal(log.op[0], SF_CHANGE_ADD);
	assert_int_equal(log.have[0], 0); /* chunk 1 is gone */
	assert_int_equal(log.op[2], SF_CHANGE_DELETE);
	assert_int_equal(log.op[4], SF_CHANGE_ADD);
	assert_int_equal(log.have[4], 1);
	assert_true(log.id[4] > log.id[1]); /* ids are never reused */

	struct sf_chunk c;
	assert_int_equal(sf_store_get_chunk(f->st, log.id[4], &c, NULL), SF_OK);
	assert_true(sf_str_eq_c(c.title, "Пароль"));
	assert_true(sf_str_eq_c(c.heading, "Раздел"));
	assert_true(sf_str_eq_c(c.acl, "support"));
	assert_int_equal(c.page_first, 3);
	assert_int_equal(c.page_last, 4);
	assert_int_equal(sf_store_get_chunk(f->st, log.id[0], &c, NULL), SF_ERR_NOTFOUND);

	uint64_t seq = 0;
	assert_int_equal(sf_store_max_seq(f->st, &seq, NULL), SF_OK);
	assert_int_equal(seq, log.seq[4]);
	/* Changes after a seq: only the later ones. */
	struct log_rec tail = { 0 };
	assert_int_equal(sf_store_changes(f->st, log.seq[2], 0, on_change, &tail, NULL), SF_OK);
	assert_int_equal(tail.n, 2);

	assert_int_equal(sf_store_delete_document(f->st, NULL, "d1", NULL), SF_OK);
	assert_int_equal(sf_store_delete_document(f->st, NULL, "d1", NULL), SF_ERR_NOTFOUND);
	struct sf_store_stats st;
	assert_int_equal(sf_store_stats(f->st, &st, NULL), SF_OK);
	assert_int_equal(st.documents, 0);
	assert_int_equal(st.chunks, 0);
}

static void bad_documents_refused_without_trace(void **state)
{
	struct fixture *f = *state;
	struct sf_buf err = SF_BUF_INIT;
	enum sf_put_result r;
	struct sf_doc_in d = { .ext_id = "", .fingerprint = "x" };
	struct sf_chunk_in ch = { NULL, "t", 1, 0, 0 };
	assert_int_equal(sf_store_put_document(f->st, &d, &ch, 1, &r, &err), SF_ERR_INVALID);
	char big[SF_STORE_MAX_FIELD + 2];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = 0;
	d.ext_id = "ok";
	d.title = big;
	assert_int_equal(sf_store_put_document(f->st, &d, &ch, 1, &r, &err), SF_ERR_LIMIT);
	assert_non_null(strstr(err.ptr, "title"));
	/* Inside a transaction a refused document leaves the others intact. */
	assert_int_equal(sf_store_begin(f->st, NULL), SF_OK);
	d.title = "fine";
	assert_int_equal(sf_store_put_document(f->st, &d, &ch, 1, &r, NULL), SF_OK);
	d.ext_id = "bad";
	d.title = big;
	assert_int_equal(sf_store_put_document(f->st, &d, &ch, 1, &r, NULL), SF_ERR_LIMIT);
	assert_int_equal(sf_store_commit(f->st, NULL), SF_OK);
	struct sf_store_stats st;
	assert_int_equal(sf_store_stats(f->st, &st, NULL), SF_OK);
	assert_int_equal(st.documents, 1);
	assert_int_equal(st.chunks, 1);
	sf_buf_release(&err);
}

static void reopen_keeps_schema_and_data(void **state)
{
	struct fixture *f = *state;
	struct sf_doc_in d = { .ext_id = "x", .fingerprint = "1" };
	struct sf_chunk_in ch = { NULL, "текст", 10, 0, 0 };
	enum sf_put_result r;
	assert_int_equal(sf_store_put_document(f->st, &d, &ch, 1, &r, NULL), SF_OK);
	sf_store_close(f->st);
	assert_int_equal(sf_store_open(f->path, &f->st, NULL), SF_OK);
	assert_int_equal(sf_store_schema_version(f->st), SF_STORE_SCHEMA_VERSION);
	assert_int_equal(sf_store_put_document(f->st, &d, &ch, 1, &r, NULL), SF_OK);
	assert_int_equal(r, SF_PUT_UNCHANGED);
}

static void newer_schema_refused(void **state)
{
	struct fixture *f = *state;
	sf_store_close(f->st);
	f->st = NULL;
	char cmd[300];
	snprintf(cmd, sizeof cmd, "sqlite3 %s 'PRAGMA user_version = 99'", f->path);
	assert_int_equal(system(cmd), 0);
	struct sf_buf err = SF_BUF_INIT;
	assert_int_equal(sf_store_open(f->path, &f->st, &err), SF_ERR_UNSUPPORTED);
	assert_non_null(strstr(err.ptr, "newer"));
	sf_buf_release(&err);
}

/* A store made by schema version 1 (before categories) opens, migrates and keeps its rows. */
static void migrates_version_1(void **state)
{
	struct fixture *f = *state;
	sf_store_close(f->st);
	f->st = NULL;
	char old[160], cmd[1200];
	snprintf(old, sizeof old, "%s/v1.db", f->dir);
	snprintf(cmd, sizeof cmd,
		 "sqlite3 %s \"CREATE TABLE documents (id INTEGER PRIMARY KEY, source TEXT NOT NULL, ext_id TEXT NOT NULL,"
		 " title TEXT NOT NULL DEFAULT '', url TEXT NOT NULL DEFAULT '', kind TEXT NOT NULL DEFAULT '',"
		 " lang TEXT NOT NULL DEFAULT '', acl TEXT NOT NULL DEFAULT '', meta TEXT NOT NULL DEFAULT '{}',"
		 " fingerprint TEXT NOT NULL, created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL,"
		 " UNIQUE (source, ext_id));"
		 " CREATE TABLE chunks (id INTEGER PRIMARY KEY AUTOINCREMENT, doc_id INTEGER NOT NULL REFERENCES"
		 " documents(id) ON DELETE CASCADE, ord INTEGER NOT NULL, heading TEXT NOT NULL DEFAULT '',"
		 " text TEXT NOT NULL); CREATE TABLE changes (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
		 " chunk_id INTEGER NOT NULL, op INTEGER NOT NULL);"
		 " INSERT INTO documents VALUES (1,'default','old','Старый','','','','','{}','fp',1,1);"
		 " INSERT INTO chunks VALUES (1,1,0,'','текст'); INSERT INTO changes VALUES (1,1,1);"
		 " PRAGMA user_version = 1;\"", old);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(sf_store_open(old, &f->st, NULL), SF_OK);
	assert_int_equal(sf_store_schema_version(f->st), SF_STORE_SCHEMA_VERSION);
	struct sf_chunk c;
	assert_int_equal(sf_store_get_chunk(f->st, 1, &c, NULL), SF_OK);
	assert_true(sf_str_eq_c(c.title, "Старый"));
	assert_int_equal(c.category.len, 0);
	assert_int_equal(c.page_first, 0);
	struct sf_doc_in d = { .ext_id = "new", .fingerprint = "x", .category = "Сеть" };
	struct sf_chunk_in ch = { NULL, "a", 1, 0, 0 };
	enum sf_put_result r;
	assert_int_equal(sf_store_put_document(f->st, &d, &ch, 1, &r, NULL), SF_OK);
	assert_int_equal(sf_store_get_chunk(f->st, 2, &c, NULL), SF_OK);
	assert_true(sf_str_eq_c(c.category, "Сеть"));
}


static int count_runs(void *ctx, const struct sf_run_rec *r)
{
	(*(int *)ctx)++;
	assert_true(sf_str_eq_c(r->status, "failed"));
	assert_int_equal(r->failures, 1);
	return 0;
}

static int count_files(void *ctx, const struct sf_file_rec *fr)
{
	(*(int *)ctx)++;
	assert_non_null(fr->path);
	return 0;
}

/* Files, duplicates merged by reference (and promoted when their file goes), runs. */
static void files_refs_runs(void **state)
{
	struct fixture *f = *state;
	struct sf_buf err = SF_BUF_INIT;
	struct sf_file_rec fr = { .path = "/kb/a.html", .size = 10, .mtime_ns = 5, .hash = "h", .status = "ok",
				  .reason = "", .type = "html", .docs = 1, .run_id = 1 };
	assert_int_equal(sf_store_put_file(f->st, "files", &fr, &err), SF_OK);
	fr.path = "/kb/b.html";
	assert_int_equal(sf_store_put_file(f->st, "files", &fr, &err), SF_OK);
	struct sf_file_rec got;
	assert_int_equal(sf_store_get_file(f->st, "files", "/kb/a.html", &got, &err), SF_OK);
	assert_int_equal(got.size, 10);
	assert_string_equal(got.type, "html");
	assert_int_equal(sf_store_get_file(f->st, "files", "/kb/none", &got, &err), SF_ERR_NOTFOUND);
	int nf = 0;
	assert_int_equal(sf_store_scan_files(f->st, "files", count_files, &nf, &err), SF_OK);
	assert_int_equal(nf, 2);
	/* a document from a.html; b.html holds the same text: a reference */
	struct sf_doc_in d = { .source = "files", .ext_id = "/kb/a.html", .title = "A", .fingerprint = "f1",
			       .file = "/kb/a.html", .content_hash = "c1", .simhash = 77 };
	struct sf_chunk_in ch = { NULL, "текст", 10, 0, 0 };
	enum sf_put_result r;
	assert_int_equal(sf_store_put_document(f->st, &d, &ch, 1, &r, &err), SF_OK);
	int64_t stored = sf_store_last_doc(f->st);
	assert_true(stored > 0);
	int64_t dup = 0;
	assert_int_equal(sf_store_find_by_content(f->st, "c1", NULL, "files", "/kb/b.html", &dup, &err), SF_OK);
	assert_int_equal(dup, stored);
	assert_int_equal(sf_store_find_by_content(f->st, "c1", NULL, "files", "/kb/a.html", &dup, &err), SF_ERR_NOTFOUND);
	/* the same text under other access groups is not a duplicate */
	assert_int_equal(sf_store_find_by_content(f->st, "c1", "hr", "files", "/kb/b.html", &dup, &err), SF_ERR_NOTFOUND);
	assert_int_equal(sf_store_add_ref(f->st, dup, "files", "/kb/b.html", "/kb/b.html", "file:///kb/b.html", &err), SF_OK);
	/* a.html goes: the document moves to b.html instead of going */
	uint64_t removed = 9;
	assert_int_equal(sf_store_prune_file_docs(f->st, "files", "/kb/a.html", NULL, 0, true, &removed, &err), SF_OK);
	assert_int_equal(removed, 0);
	assert_int_equal(sf_store_get_file(f->st, "files", "/kb/a.html", &got, &err), SF_ERR_NOTFOUND);
	assert_int_equal(sf_store_find_by_content(f->st, "c1", NULL, "x", "y", &dup, &err), SF_OK);
	/* b.html goes too: now it is deleted */
	assert_int_equal(sf_store_prune_file_docs(f->st, "files", "/kb/b.html", NULL, 0, true, &removed, &err), SF_OK);
	assert_int_equal(removed, 1);
	assert_int_equal(sf_store_find_by_content(f->st, "c1", NULL, "x", "y", &dup, &err), SF_ERR_NOTFOUND);
	/* runs */
	int64_t run = 0;
	assert_int_equal(sf_store_run_begin(f->st, "files", &run, &err), SF_OK);
	assert_int_equal(sf_store_run_failure(f->st, run, "/kb/c.pdf", "damaged PDF", &err), SF_OK);
	assert_int_equal(sf_store_run_end(f->st, run, "failed", "{\"files\":3}", &err), SF_OK);
	int nr = 0;
	assert_int_equal(sf_store_scan_runs(f->st, "files", 10, count_runs, &nr, &err), SF_OK);
	assert_int_equal(nr, 1);
	sf_buf_release(&err);
}

static int count_ev(void *ctx, const struct sf_audit_rec *ev)
{
	int64_t *last = ctx;
	assert_true(last[0] == 0 || ev->id < last[0]); /* newest first */
	last[0] = ev->id;
	last[1]++;
	return 0;
}

static int count_job(void *ctx, const struct sf_job_rec *j)
{
	(*(int *)ctx)++;
	return 0;
}

/* The service's tables: jobs survive a "crash" (running -> queued), audit paging and pruning,
 * and an online backup that opens as a store with the same data. */
static void service_tables(void **state)
{
	struct fixture *f = *state;
	struct sf_buf err = SF_BUF_INIT;
	int64_t j1, j2;
	assert_int_equal(sf_store_job_add(f->st, "upload", "anna", "A", "/x/1", 2, &j1, &err), SF_OK);
	assert_int_equal(sf_store_job_add(f->st, "json", "boris", "", "/x/2", 1, &j2, &err), SF_OK);
	int64_t next;
	assert_int_equal(sf_store_job_next(f->st, &next, &err), SF_OK);
	assert_int_equal(next, j1);
	assert_int_equal(sf_store_job_set(f->st, j1, "running", NULL, NULL, &err), SF_OK);
	uint64_t q, r;
	assert_int_equal(sf_store_jobs_count(f->st, &q, &r, &err), SF_OK);
	assert_true(q == 1 && r == 1);
	uint64_t n;
	assert_int_equal(sf_store_jobs_requeue(f->st, &n, &err), SF_OK);
	assert_int_equal(n, 1);
	assert_int_equal(sf_store_job_set(f->st, j1, "done", "{\"ok\":1}", NULL, &err), SF_OK);
	struct sf_job_rec j;
	assert_int_equal(sf_store_job_get(f->st, j1, &j, &err), SF_OK);
	assert_true(sf_str_eq_c(j.state, "done") && sf_str_eq_c(j.result, "{\"ok\":1}") && j.finished_ms > 0);
	int nj = 0;
	assert_int_equal(sf_store_scan_jobs(f->st, "boris", 10, count_job, &nj, &err), SF_OK);
	assert_int_equal(nj, 1);
	assert_int_equal(sf_store_job_get(f->st, 999, &j, &err), SF_ERR_NOTFOUND);

	for (int i = 0; i < 10; i++) {
		struct sf_audit_rec ev = { 0, i < 4 ? 1000 + i : sf_wall_ms(), SF_STR("anna"), sf_str_c(i % 2 ? "search" : "login"),
					   SF_STR("t"), SF_STR(""), SF_STR("127.0.0.1"), SF_STR("r") };
		assert_int_equal(sf_store_audit_add(f->st, &ev, &err), SF_OK);
	}
	int64_t c[2] = { 0, 0 };
	assert_int_equal(sf_store_scan_audit(f->st, 0, 100, NULL, "search", count_ev, c, &err), SF_OK);
	assert_int_equal(c[1], 5);
	int64_t d[2] = { 0, 0 };
	assert_int_equal(sf_store_scan_audit(f->st, 0, 3, "anna", NULL, count_ev, d, &err), SF_OK);
	assert_int_equal(d[1], 3);
	int64_t e[2] = { 0, 0 };
	assert_int_equal(sf_store_scan_audit(f->st, d[0], 100, NULL, NULL, count_ev, e, &err), SF_OK);
	assert_int_equal(e[1], 7); /* the page before */
	assert_int_equal(sf_store_audit_prune(f->st, 2000, &n, &err), SF_OK);
	assert_int_equal(n, 4);

	char bak[300];
	snprintf(bak, sizeof bak, "%s/same.db", f->dir);
	assert_int_equal(sf_store_backup(f->st, bak, &err), SF_ERR_INVALID); /* its audit.db is the store's */
	snprintf(bak, sizeof bak, "%s/b", f->dir);
	assert_int_equal(mkdir(bak, 0700), 0);
	snprintf(bak, sizeof bak, "%s/b/backup.db", f->dir);
	assert_int_equal(sf_store_backup(f->st, bak, &err), SF_OK);
	assert_int_equal(sf_store_backup(f->st, bak, &err), SF_ERR_EXISTS);
	struct sf_store *b = NULL;
	assert_int_equal(sf_store_open(bak, &b, &err), SF_OK);
	assert_int_equal(sf_store_job_get(b, j2, &j, &err), SF_OK);
	assert_true(sf_str_eq_c(j.user, "boris"));
	int64_t cb[2] = { 0, 0 };
	assert_int_equal(sf_store_scan_audit(b, 0, 100, NULL, NULL, count_ev, cb, &err), SF_OK);
	assert_int_equal(cb[1], 6); /* the audit log came along (10 - 4 pruned) */
	sf_store_close(b);
	sf_buf_release(&err);
}

/* ---- tickets and sync state (schema 6) ---- */

struct pend {
	char items[8][64];
	int n;
};

static int on_pend(void *ctx, const char *t, const char *fid, const char *name)
{
	struct pend *p = ctx;
	if (p->n < 8) snprintf(p->items[p->n++], 64, "%s/%s/%s", t, fid, name);
	return 0;
}

static int on_fail(void *ctx, const char *item, const char *reason, int attempts)
{
	int *n = ctx;
	assert_string_equal(item, "77");
	assert_string_equal(reason, "HTTP 500 again");
	assert_int_equal(attempts, 2);
	(*n)++;
	return 0;
}

static void tickets_and_sync_state(void **state)
{
	struct fixture *f = *state;
	struct sf_buf err = SF_BUF_INIT;
	struct sf_ticket_in t = { .source = "pyrus", .ext_id = "42", .subject = "VPN", .problem = "p", .resolution = "r",
				  .outcome = "closed", .category = "Доступ", .modified_ms = 1000, .created_ms = 500 };
	struct sf_comment_in cm[2] = { { .ext_id = "1", .role = "requester", .channel = "email", .text = "help" },
				       { .ext_id = "2", .role = "staff", .internal = true, .text = "note" } };
	struct sf_tfile_in fl[2] = { { .ext_id = "900", .name = "log.txt", .status = "pending" },
				     { .ext_id = "901", .name = "a.png", .status = "ok", .doc_ext_id = "42/901-a.png" } };
	int64_t id1, id2;
	enum sf_put_result pr;
	assert_int_equal(sf_store_put_ticket(f->st, &t, cm, 2, fl, 2, &id1, &pr, &err), SF_OK);
	assert_int_equal(pr, SF_PUT_ADDED);
	int64_t mod, synced;
	assert_int_equal(sf_store_ticket_modified(f->st, "pyrus", "42", &mod, &synced, &err), SF_OK);
	assert_int_equal(mod, 1000);
	assert_true(synced > 0);
	assert_int_equal(sf_store_ticket_modified(f->st, "pyrus", "43", &mod, NULL, &err), SF_ERR_NOTFOUND);
	/* pending attachments, then one done */
	struct pend p = { .n = 0 };
	assert_int_equal(sf_store_scan_pending_files(f->st, "pyrus", on_pend, &p, &err), SF_OK);
	assert_int_equal(p.n, 1);
	assert_string_equal(p.items[0], "42/900/log.txt");
	assert_int_equal(sf_store_ticket_file_set(f->st, "pyrus", "42", "900", "ok", "42/900-log.txt", "", &err), SF_OK);
	char status[16], doc[64];
	assert_int_equal(sf_store_ticket_file(f->st, "pyrus", "42", "900", status, sizeof status, doc, sizeof doc, &err), SF_OK);
	assert_string_equal(status, "ok");
	assert_string_equal(doc, "42/900-log.txt");
	p.n = 0;
	assert_int_equal(sf_store_scan_pending_files(f->st, "pyrus", on_pend, &p, &err), SF_OK);
	assert_int_equal(p.n, 0);
	/* replaced: same row, exactly the new comments and files */
	t.modified_ms = 2000;
	assert_int_equal(sf_store_put_ticket(f->st, &t, cm, 1, fl + 1, 1, &id2, &pr, &err), SF_OK);
	assert_int_equal(pr, SF_PUT_REPLACED);
	assert_int_equal(id1, id2);
	uint64_t nt, nc, nf;
	assert_int_equal(sf_store_ticket_counts(f->st, "pyrus", &nt, &nc, &nf, &err), SF_OK);
	assert_int_equal(nt, 1);
	assert_int_equal(nc, 1);
	assert_int_equal(nf, 1);
	assert_int_equal(sf_store_ticket_file(f->st, "pyrus", "42", "900", status, sizeof status, doc, sizeof doc, &err),
			 SF_ERR_NOTFOUND);
	/* a ticket needs its id */
	struct sf_ticket_in bad = { .source = "pyrus" };
	assert_int_equal(sf_store_put_ticket(f->st, &bad, NULL, 0, NULL, 0, NULL, NULL, &err), SF_ERR_INVALID);
	/* cursors */
	struct sf_buf v = SF_BUF_INIT;
	assert_int_equal(sf_store_sync_get(f->st, "pyrus", "form:1", &v, &err), SF_ERR_NOTFOUND);
	assert_int_equal(sf_store_sync_set(f->st, "pyrus", "form:1", "{\"after\":5}", &err), SF_OK);
	assert_int_equal(sf_store_sync_set(f->st, "pyrus", "form:1", "{\"after\":9}", &err), SF_OK);
	assert_int_equal(sf_store_sync_get(f->st, "pyrus", "form:1", &v, &err), SF_OK);
	assert_string_equal(v.ptr, "{\"after\":9}");
	sf_buf_release(&v);
	/* failed items: attempts counted, gone once done */
	assert_int_equal(sf_store_sync_failed(f->st, "pyrus", "77", "HTTP 500", &err), SF_OK);
	assert_int_equal(sf_store_sync_failed(f->st, "pyrus", "77", "HTTP 500 again", &err), SF_OK);
	int n = 0;
	assert_int_equal(sf_store_scan_sync_failures(f->st, "pyrus", on_fail, &n, &err), SF_OK);
	assert_int_equal(n, 1);
	assert_int_equal(sf_store_sync_done(f->st, "pyrus", "77", &err), SF_OK);
	n = 0;
	assert_int_equal(sf_store_scan_sync_failures(f->st, "pyrus", on_fail, &n, &err), SF_OK);
	assert_int_equal(n, 0);
	/* deleting a ticket takes its comments and files */
	assert_int_equal(sf_store_delete_ticket(f->st, "pyrus", "42", &err), SF_OK);
	assert_int_equal(sf_store_delete_ticket(f->st, "pyrus", "42", &err), SF_ERR_NOTFOUND);
	assert_int_equal(sf_store_ticket_counts(f->st, "pyrus", &nt, &nc, &nf, &err), SF_OK);
	assert_int_equal(nt + nc + nf, 0);
	sf_buf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(put_unchanged_replaced_deleted, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_documents_refused_without_trace, setup, teardown),
		cmocka_unit_test_setup_teardown(reopen_keeps_schema_and_data, setup, teardown),
		cmocka_unit_test_setup_teardown(newer_schema_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(migrates_version_1, setup, teardown),
		cmocka_unit_test_setup_teardown(files_refs_runs, setup, teardown),
		cmocka_unit_test_setup_teardown(service_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(tickets_and_sync_state, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
