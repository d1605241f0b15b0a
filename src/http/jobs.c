/*
 * http/jobs.c: uploads and the ingestion jobs they become.
 *
 * An upload is acknowledged (202 with a job id) only once it is durable: every file written and
 * fsync'ed in DATA/uploads/incoming/<id>, the folder renamed to DATA/uploads/<id> and the parent
 * fsync'ed, and the job row committed. A crash before that loses nothing anybody was told was
 * kept (the incoming folder is cleaned at the next start); a crash after it finds the job queued
 * (or running, which is put back in the queue) and ingests it again. Ingestion is incremental, so
 * a job that ran half-way redoes only what is missing.
 *
 * One worker thread takes jobs oldest first, ingests them through the isolated parser pool
 * (connect/files.h) with its own store connection, then syncs the index under the server's
 * write lock.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"
#include "connect/files.h"
#include "connect/import.h"
#include "http/http_int.h"

#define UPLOAD_MAX_FILES 1000
#define JSON_MAX_DOCS 10000

struct sf_jobs {
	struct sf_http *h;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop, kicked, started;
	bool busy;            /* a job is running (under lock) */
	struct sf_store *st;
};

struct upload {
	struct MHD_PostProcessor *pp;
	char dir[4200];
	char name[256];       /* the current file's stored name */
	int fd;
	size_t bytes, max;
	unsigned files;
	char acl[1100];
	size_t acl_len;
	enum sf_api_err err;
	char why[256];
};

/* ---- paths ---- */

static void rm_rf(const char *path)
{
	DIR *d = opendir(path);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d))) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
			char p[4400];
			snprintf(p, sizeof p, "%s/%s", path, e->d_name);
			struct stat st;
			if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) rm_rf(p);
			else unlink(p);
		}
		closedir(d);
	}
	rmdir(path);
}

static int fsync_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

static int mkdirs(const char *data)
{
	char p[4200];
	snprintf(p, sizeof p, "%s/uploads", data);
	if (mkdir(p, 0750) != 0 && errno != EEXIST) return -1;
	snprintf(p, sizeof p, "%s/uploads/incoming", data);
	if (mkdir(p, 0750) != 0 && errno != EEXIST) return -1;
	return 0;
}

/* A file name safe to store: the last path component, no control characters or slashes, not
 * hidden, at most 200 bytes (cut at a UTF-8 boundary). */
static void safe_name(const char *in, char *out, size_t cap)
{
	const char *base = in;
	for (const char *p = in; *p; p++)
		if (*p == '/' || *p == '\\') base = p + 1;
	size_t o = 0;
	if (*base == '.') out[o++] = '_';
	for (const char *p = base; *p && o + 1 < cap && o < 200; p++) {
		unsigned char c = (unsigned char)*p;
		out[o++] = c < 0x20 || c == 0x7f ? '_' : (char)c;
	}
	while (o > 0 && ((unsigned char)out[o - 1] & 0xC0) == 0x80) o--; /* no cut sequence */
	if (o > 0 && ((unsigned char)out[o - 1] & 0xC0) == 0xC0) o--;
	out[o] = 0;
	if (o == 0) snprintf(out, cap, "file");
}

/* Opens dir/name for writing, new; a name taken by an earlier part of the same upload becomes
 * "name (2).ext", and so on. The name used goes back into name. */
static int open_new(const char *dir, char *name, size_t cap)
{
	char base[256], ext[64] = "", p[4500];
	snprintf(base, sizeof base, "%s", name);
	char *dot = strrchr(base, '.');
	if (dot && dot != base && strlen(dot) < sizeof ext) {
		snprintf(ext, sizeof ext, "%s", dot);
		*dot = 0;
	}
	for (int n = 1; n < 10000; n++) {
		if (n > 1) snprintf(name, cap, "%.200s (%d)%s", base, n, ext);
		snprintf(p, sizeof p, "%s/%s", dir, name);
		int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
		if (fd >= 0 || errno != EEXIST) return fd;
	}
	return -1;
}

/* ---- multipart uploads ---- */

static void up_fail(struct upload *u, enum sf_api_err e, const char *why)
{
	if (u->why[0]) return;
	u->err = e;
	snprintf(u->why, sizeof u->why, "%s", why);
}

static bool close_file(struct upload *u)
{
	if (u->fd < 0) return true;
	bool ok = fsync(u->fd) == 0;
	ok = close(u->fd) == 0 && ok;
	u->fd = -1;
	if (!ok) up_fail(u, E_INTERNAL, "cannot write the upload to disk");
	return ok;
}

static enum MHD_Result on_part(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
			       const char *content_type, const char *transfer_encoding, const char *data, uint64_t off,
			       size_t size)
{
	struct upload *u = cls;
	if (u->why[0]) return MHD_NO;
	if (key && strcmp(key, "acl") == 0 && !filename) {
		if (u->acl_len + size >= sizeof u->acl) {
			up_fail(u, E_INVALID, "field acl is too long");
			return MHD_NO;
		}
		memcpy(u->acl + u->acl_len, data, size);
		u->acl_len += size;
		u->acl[u->acl_len] = 0;
		return MHD_YES;
	}
	if (!key || strcmp(key, "file") != 0 || !filename) {
		up_fail(u, E_INVALID, "multipart fields are 'file' (with a file name) and 'acl'");
		return MHD_NO;
	}
	if (off == 0) {
		if (!close_file(u)) return MHD_NO;
		if (++u->files > UPLOAD_MAX_FILES) {
			up_fail(u, E_TOO_LARGE, "too many files in one upload");
			return MHD_NO;
		}
		safe_name(filename, u->name, sizeof u->name);
		u->fd = open_new(u->dir, u->name, sizeof u->name);
		if (u->fd < 0) {
			up_fail(u, E_INTERNAL, "cannot store the upload");
			return MHD_NO;
		}
	}
	u->bytes += size;
	if (u->bytes > u->max) {
		up_fail(u, E_TOO_LARGE, "the upload is larger than the limit");
		return MHD_NO;
	}
	for (size_t done = 0; done < size;) {
		ssize_t w = write(u->fd, data + done, size - done);
		if (w < 0 && errno == EINTR) continue;
		if (w <= 0) {
			up_fail(u, E_INTERNAL, "cannot write the upload to disk");
			return MHD_NO;
		}
		done += (size_t)w;
	}
	return MHD_YES;
}

static struct upload *upload_new(struct sf_req *r)
{
	struct upload *u = sf_xcalloc(1, sizeof *u);
	u->fd = -1;
	u->max = r->h->lim.upload_bytes;
	if (mkdirs(r->h->data_dir) != 0) {
		free(u);
		return NULL;
	}
	snprintf(u->dir, sizeof u->dir, "%s/uploads/incoming/%s-%llx", r->h->data_dir, r->id,
		 (unsigned long long)sf_now_ns());
	if (mkdir(u->dir, 0750) != 0) {
		free(u);
		return NULL;
	}
	return u;
}

static bool queue_has_room(struct sf_req *r)
{
	uint64_t queued = 0, running = 0;
	if (sf_store_jobs_count(sf_engine_reader_store(r->t->rd), &queued, &running, NULL) != SF_OK) return true;
	if (queued >= r->h->lim.queue_jobs) {
		sf_reply_err(r, E_UNAVAILABLE, "%llu ingestion jobs are waiting; try again later", (unsigned long long)queued);
		return false;
	}
	return true;
}

bool sf_upload_begin(struct sf_req *r)
{
	if (!queue_has_room(r)) return false;
	struct upload *u = upload_new(r);
	if (!u) {
		sf_reply_err(r, E_INTERNAL, "cannot store uploads in the data folder");
		return false;
	}
	u->pp = MHD_create_post_processor(r->conn, 64 * 1024, on_part, u);
	if (!u->pp) {
		rm_rf(u->dir);
		free(u);
		sf_reply_err(r, E_INVALID, "malformed multipart/form-data (no boundary?)");
		return false;
	}
	r->up = u;
	return true;
}

bool sf_upload_feed(struct sf_req *r, const char *data, size_t n)
{
	struct upload *u = r->up;
	if (u->why[0]) return true; /* failed already: the rest of the body is read and dropped */
	if (MHD_post_process(u->pp, data, n) != MHD_YES) up_fail(u, E_INVALID, "malformed multipart/form-data");
	return true;
}

void sf_upload_abort(struct sf_req *r)
{
	struct upload *u = r->up;
	if (!u) return;
	if (u->pp) MHD_destroy_post_processor(u->pp);
	if (u->fd >= 0) close(u->fd);
	if (u->dir[0]) rm_rf(u->dir);
	free(u);
	r->up = NULL;
}

/* Moves the finished incoming folder into place and records the job; answers 202 or an error. */
static void commit_job(struct sf_req *r, const char *incoming, const char *kind, const char *acl, unsigned files)
{
	char final[4200], parent[4200];
	const char *leaf = strrchr(incoming, '/') + 1;
	snprintf(final, sizeof final, "%s/uploads/%s", r->h->data_dir, leaf);
	snprintf(parent, sizeof parent, "%s/uploads", r->h->data_dir);
	if (fsync_path(incoming) != 0 || rename(incoming, final) != 0 || fsync_path(parent) != 0) {
		rm_rf(incoming);
		sf_reply_err(r, E_INTERNAL, "cannot store the upload");
		return;
	}
	int64_t id = 0;
	struct sf_buf err = SF_BUF_INIT;
	struct sf_store *st = sf_engine_reader_store(r->t->rd);
	enum sf_err rc = sf_store_job_add(st, kind, r->who.name, acl, final, files, &id, &err);
	if (rc) {
		rm_rf(final);
		sf_reply_sferr(r, rc, "queueing the upload", &err);
		sf_buf_release(&err);
		return;
	}
	sf_metrics_job("queued");
	sf_jobs_kick(r->h->jobs);
	char t[64], d[1300];
	snprintf(t, sizeof t, "job:%lld", (long long)id);
	snprintf(d, sizeof d, "kind=%s files=%u acl=%s", kind, files, acl);
	sf_req_audit(r, "document.upload", t, d, true);
	struct sf_job_rec j;
	struct sf_jw w;
	sf_req_jw(r, &w);
	sf_jw_obj(&w);
	sf_jw_key(&w, "job");
	if (sf_store_job_get(st, id, &j, NULL) == SF_OK) sf_job_json(&w, &j);
	else sf_jw_null(&w);
	sf_jw_obj_end(&w);
	char loc[64];
	snprintf(loc, sizeof loc, "/api/v1/jobs/%lld", (long long)id);
	sf_req_add_header(r, "Location", loc);
	sf_reply(r, 202);
	sf_buf_release(&err);
}

void sf_upload_finish(struct sf_req *r)
{
	struct upload *u = r->up;
	MHD_destroy_post_processor(u->pp);
	u->pp = NULL;
	(void)close_file(u);
	char acl[1100];
	if (!u->why[0] && u->files == 0) up_fail(u, E_INVALID, "no file: send parts named 'file' with file names");
	if (!u->why[0] && !sf_auth_groups_normalize(u->acl, acl, sizeof acl))
		up_fail(u, E_INVALID, "acl: comma-separated group names of A-Z a-z 0-9 . _ : -");
	if (u->why[0]) {
		enum sf_api_err e = u->err;
		char why[256];
		snprintf(why, sizeof why, "%s", u->why);
		sf_upload_abort(r);
		sf_reply_err(r, e, "%s", why);
		return;
	}
	char dir[4200];
	snprintf(dir, sizeof dir, "%s", u->dir);
	unsigned files = u->files;
	u->dir[0] = 0; /* the folder is committed or removed by commit_job, not by abort */
	sf_upload_abort(r);
	commit_job(r, dir, "upload", acl, files);
}

/* ---- JSON documents ---- */

void api_docs_upload(struct sf_req *r)
{
	if (!queue_has_room(r)) return;
	json_t *j = sf_req_json(r);
	if (!j) return;
	json_t *docs = json_object_get(j, "documents");
	json_t *dacl = json_object_get(j, "acl");
	char acl[1100] = "";
	FILE *f = NULL;
	struct upload *u = NULL;
	if (!json_is_array(docs) || json_array_size(docs) == 0 || json_array_size(docs) > JSON_MAX_DOCS) {
		sf_reply_err(r, E_INVALID, "field 'documents' must be an array of 1 to %d objects", JSON_MAX_DOCS);
		goto out;
	}
	if (dacl && (!json_is_string(dacl) || !sf_auth_groups_normalize(json_string_value(dacl), acl, sizeof acl))) {
		sf_reply_err(r, E_INVALID, "field 'acl' must be a string of comma-separated group names");
		goto out;
	}
	static const char *const fields[] = { "id", "title", "text", "url", "kind", "lang", "acl" };
	size_t i;
	json_t *d;
	json_array_foreach(docs, i, d) {
		if (!json_is_object(d)) {
			sf_reply_err(r, E_INVALID, "documents[%zu] must be an object", i);
			goto out;
		}
		const char *key;
		json_t *v;
		json_object_foreach(d, key, v) {
			size_t k = 0;
			while (k < 7 && strcmp(key, fields[k]) != 0) k++;
			if (k == 7) {
				sf_reply_err(r, E_INVALID, "documents[%zu]: unknown field '%.64s' (known: id, title, text, url, "
							   "kind, lang, acl)", i, key);
				goto out;
			}
			if (!json_is_string(v)) {
				sf_reply_err(r, E_INVALID, "documents[%zu].%s must be a string", i, key);
				goto out;
			}
		}
		json_t *id = json_object_get(d, "id"), *text = json_object_get(d, "text");
		if (!id || json_string_length(id) == 0 || json_string_length(id) > 512) {
			sf_reply_err(r, E_INVALID, "documents[%zu].id is required (1 to 512 bytes)", i);
			goto out;
		}
		if (!text || json_string_length(text) == 0) {
			sf_reply_err(r, E_INVALID, "documents[%zu].text is required", i);
			goto out;
		}
		json_t *a = json_object_get(d, "acl");
		char norm[1100];
		if (a && !sf_auth_groups_normalize(json_string_value(a), norm, sizeof norm)) {
			sf_reply_err(r, E_INVALID, "documents[%zu].acl: comma-separated group names", i);
			goto out;
		}
	}
	u = upload_new(r);
	if (!u) {
		sf_reply_err(r, E_INTERNAL, "cannot store uploads in the data folder");
		goto out;
	}
	char path[4400];
	snprintf(path, sizeof path, "%s/documents.jsonl", u->dir);
	f = fopen(path, "w");
	bool ok = f != NULL;
	json_array_foreach(docs, i, d) {
		if (!ok) break;
		if (!json_object_get(d, "acl") && acl[0]) json_object_set_new(d, "acl", json_string(acl));
		char *line = json_dumps(d, JSON_COMPACT | JSON_ENSURE_ASCII);
		ok = line && fputs(line, f) >= 0 && fputc('\n', f) != EOF;
		free(line);
	}
	if (f) {
		ok = fflush(f) == 0 && fsync(fileno(f)) == 0 && ok;
		ok = fclose(f) == 0 && ok;
	}
	if (!ok) {
		rm_rf(u->dir);
		sf_reply_err(r, E_INTERNAL, "cannot store the documents");
		goto out;
	}
	commit_job(r, u->dir, "json", acl, (unsigned)json_array_size(docs));
out:
	free(u);
	json_decref(j);
}

/* ---- job records ---- */

void sf_job_json(struct sf_jw *w, const struct sf_job_rec *j)
{
	sf_jw_obj(w);
	sf_jw_kint(w, "id", j->id);
	sf_jw_kstrn(w, "kind", j->kind);
	sf_jw_kstrn(w, "state", j->state);
	sf_jw_kstrn(w, "user", j->user);
	sf_jw_kint(w, "created_ms", j->created_ms);
	sf_jw_kint(w, "started_ms", j->started_ms);
	sf_jw_kint(w, "finished_ms", j->finished_ms);
	sf_jw_kint(w, "files", (int64_t)j->files);
	sf_jw_key(w, "result");
	if (j->result.len && j->result.ptr[0] == '{') sf_jw_raw(w, j->result.ptr, j->result.len);
	else sf_jw_null(w);
	sf_jw_key(w, "error");
	if (j->error.len) sf_jw_strn(w, j->error.ptr, j->error.len);
	else sf_jw_null(w);
	sf_jw_obj_end(w);
}

/* ---- the worker ---- */

static void run_job(struct sf_jobs *jb, int64_t id)
{
	struct sf_http *h = jb->h;
	struct sf_job_rec j;
	struct sf_buf err = SF_BUF_INIT;
	if (sf_store_job_get(jb->st, id, &j, &err) != SF_OK) goto fail;
	char dir[4200], kind[32], acl[1100];
	snprintf(dir, sizeof dir, SF_STR_FMT, SF_STR_ARG(j.dir));
	snprintf(kind, sizeof kind, SF_STR_FMT, SF_STR_ARG(j.kind));
	snprintf(acl, sizeof acl, SF_STR_FMT, SF_STR_ARG(j.acl));
	if (sf_store_job_set(jb->st, id, "running", NULL, NULL, &err) != SF_OK) goto fail;
	SF_LOG(SF_LOG_INFO, "jobs", "job started id=%lld kind=%s", (long long)id, kind);
	struct stat stt;
	if (stat(dir, &stt) != 0) {
		sf_errf(&err, "the uploaded files are gone (%s)", dir);
		goto fail;
	}
	char *result = NULL;
	enum sf_err rc;
	if (strcmp(kind, "json") == 0) {
		char path[4400];
		snprintf(path, sizeof path, "%s/documents.jsonl", dir);
		char *paths[1] = { path };
		struct sf_ingest_opts io = { "api", false };
		struct sf_ingest_stats is = { 0 };
		rc = sf_ingest_paths(jb->st, paths, 1, &io, &is, &err);
		if (!rc) {
			char b[256];
			snprintf(b, sizeof b, "{\"added\":%llu,\"replaced\":%llu,\"unchanged\":%llu,\"failed\":%llu}",
				 (unsigned long long)is.added, (unsigned long long)is.replaced, (unsigned long long)is.unchanged,
				 (unsigned long long)is.failed);
			result = sf_xstrdup(b);
		}
	} else {
		struct sf_config *cfg = sf_http_config(h);
		struct sf_files_opts fo;
		sf_files_opts_default(&fo);
		fo.source = "upload";
		fo.acl = acl[0] ? acl : NULL;
		/* A document is named by its file name and groups: uploading "vpn.docx" again to the
		 * same groups replaces the earlier one. */
		char prefix[1200];
		snprintf(prefix, sizeof prefix, "%s/", acl[0] ? acl : "public");
		fo.id_root = dir;
		fo.id_prefix = prefix;
		fo.no_file_url = true;
		fo.quiet = true;
		fo.pool.workers = (unsigned)sf_config_int(cfg, "ingest.workers");
		fo.pool.wall_s = (unsigned)sf_config_int(cfg, "ingest.timeout");
		fo.pool.cpu_s = fo.pool.wall_s;
		fo.parse.limits.ocr = sf_config_bool(cfg, "ingest.ocr");
		sf_config_unref(cfg);
		char *paths[1] = { dir };
		struct sf_files_stats fs;
		rc = sf_files_ingest(jb->st, paths, 1, &fo, &fs, &err);
		if (!rc) result = sf_files_stats_json(&fs);
	}
	if (!rc) rc = sf_http_sync(h, &err);
	if (rc) {
		free(result);
		goto fail;
	}
	if (sf_store_job_set(jb->st, id, "done", result, NULL, &err) != SF_OK)
		SF_LOG(SF_LOG_ERROR, "jobs", "cannot record a finished job id=%lld err=\"%s\"", (long long)id, err.ptr);
	SF_LOG(SF_LOG_INFO, "jobs", "job done id=%lld", (long long)id);
	sf_metrics_job("done");
	free(result);
	sf_buf_release(&err);
	return;
fail:
	SF_LOG(SF_LOG_ERROR, "jobs", "job failed id=%lld err=\"%s\"", (long long)id, err.ptr);
	sf_metrics_job("failed");
	sf_metrics_error("job_failed");
	struct sf_buf e2 = SF_BUF_INIT;
	if (sf_store_job_set(jb->st, id, "failed", NULL, err.len ? err.ptr : "failed", &e2) != SF_OK)
		SF_LOG(SF_LOG_ERROR, "jobs", "cannot record a failed job id=%lld", (long long)id);
	sf_buf_release(&e2);
	sf_buf_release(&err);
}

static void *jobs_main(void *arg)
{
	struct sf_jobs *jb = arg;
	for (;;) {
		pthread_mutex_lock(&jb->lock);
		while (!jb->stop && !jb->kicked) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += 2; /* also picks up jobs queued by other processes */
			if (pthread_cond_timedwait(&jb->cond, &jb->lock, &ts) != 0) break;
		}
		bool stop = jb->stop;
		jb->kicked = false;
		pthread_mutex_unlock(&jb->lock);
		if (stop) break;
		for (;;) {
			int64_t id = 0;
			struct sf_buf err = SF_BUF_INIT;
			if (sf_store_job_next(jb->st, &id, &err) != SF_OK)
				SF_LOG(SF_LOG_ERROR, "jobs", "cannot read the queue: %s", err.ptr);
			sf_store_idle(jb->st);
			sf_buf_release(&err);
			if (!id) break;
			pthread_mutex_lock(&jb->lock);
			jb->busy = true;
			pthread_mutex_unlock(&jb->lock);
			run_job(jb, id);
			pthread_mutex_lock(&jb->lock);
			jb->busy = false;
			pthread_mutex_unlock(&jb->lock);
			sf_store_idle(jb->st);
			pthread_mutex_lock(&jb->lock);
			stop = jb->stop;
			pthread_mutex_unlock(&jb->lock);
			if (stop) break;
		}
		if (stop) break;
	}
	return NULL;
}

enum sf_err sf_jobs_start(struct sf_http *h, struct sf_jobs **out, struct sf_buf *err)
{
	if (mkdirs(h->data_dir) != 0) {
		sf_errf(err, "cannot create %s/uploads: %s", h->data_dir, strerror(errno));
		return SF_ERR_IO;
	}
	/* uploads that were never acknowledged */
	char inc[4200];
	snprintf(inc, sizeof inc, "%s/uploads/incoming", h->data_dir);
	rm_rf(inc);
	if (mkdirs(h->data_dir) != 0) {
		sf_errf(err, "cannot create %s: %s", inc, strerror(errno));
		return SF_ERR_IO;
	}
	struct sf_jobs *jb = sf_xcalloc(1, sizeof *jb);
	jb->h = h;
	char path[4200];
	snprintf(path, sizeof path, "%s/sufler.db", h->data_dir);
	enum sf_err rc = sf_store_open(path, &jb->st, err);
	if (!rc) sf_store_writer_mode(jb->st);
	uint64_t requeued = 0;
	if (!rc) rc = sf_store_jobs_requeue(jb->st, &requeued, err);
	if (rc) {
		sf_store_close(jb->st);
		free(jb);
		return rc;
	}
	if (requeued) SF_LOG(SF_LOG_WARN, "jobs", "jobs interrupted by a stop are queued again n=%llu", (unsigned long long)requeued);
	pthread_mutex_init(&jb->lock, NULL);
	pthread_cond_init(&jb->cond, NULL);
	jb->kicked = true; /* look at the queue at once */
	if (pthread_create(&jb->thread, NULL, jobs_main, jb) != 0) {
		sf_store_close(jb->st);
		free(jb);
		sf_errf(err, "cannot start the job thread");
		return SF_ERR_INTERNAL;
	}
	jb->started = true;
	*out = jb;
	return SF_OK;
}

void sf_jobs_kick(struct sf_jobs *jb)
{
	pthread_mutex_lock(&jb->lock);
	jb->kicked = true;
	pthread_cond_signal(&jb->cond);
	pthread_mutex_unlock(&jb->lock);
}

void sf_jobs_stop(struct sf_jobs *jb, int grace_ms)
{
	pthread_mutex_lock(&jb->lock);
	jb->stop = true;
	bool busy = jb->busy;
	pthread_cond_signal(&jb->cond);
	pthread_mutex_unlock(&jb->lock);
	if (!busy) grace_ms += 5000; /* between jobs the thread ends at once: only a job may take long */
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += grace_ms / 1000;
	ts.tv_nsec += (long)(grace_ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) ts.tv_sec++, ts.tv_nsec -= 1000000000;
	if (pthread_timedjoin_np(jb->thread, NULL, &ts) != 0) {
		/* The job outlives the grace period: leave it; the next start queues it again. */
		SF_LOG(SF_LOG_WARN, "jobs", "a job is still running at shutdown; it resumes at the next start");
		_exit(3);
	}
	sf_store_close(jb->st);
	pthread_mutex_destroy(&jb->lock);
	pthread_cond_destroy(&jb->cond);
	free(jb);
}
