/*
 * http/api.c: the handlers of /healthz, /readyz, /metrics, /api/v1/auth, search, documents,
 * jobs and sources. Each validates its input, applies the caller's access groups (a document
 * outside them does not exist for the caller: 404, never 403, so its existence does not leak),
 * and writes JSON with the writer of base/jw.h.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/time.h"
#include "http/http_int.h"
#include "text/utf8.h"

void sf_http_auth_changed(void);

/* ---- operations ---- */

void api_healthz(struct sf_req *r)
{
	sf_buf_reset(&r->out);
	if (sf_buf_adds(&r->out, "{\"status\":\"ok\"}") != SF_OK) return;
	sf_reply(r, 200);
}

void api_readyz(struct sf_req *r)
{
	if (atomic_load(&r->h->stopping)) {
		sf_reply_err(r, E_UNAVAILABLE, "shutting down");
		return;
	}
	struct sf_store_stats ss;
	if (!r->t || sf_store_stats(sf_engine_reader_store(r->t->rd), &ss, NULL) != SF_OK) {
		sf_reply_err(r, E_UNAVAILABLE, "the store does not answer");
		return;
	}
	sf_buf_reset(&r->out);
	if (sf_buf_adds(&r->out, "{\"status\":\"ready\"}") != SF_OK) return;
	sf_reply(r, 200);
}

void api_metrics(struct sf_req *r)
{
	sf_buf_reset(&r->out);
	sf_metrics_render(r->h, &r->out);
	r->ctype = "text/plain; version=0.0.4; charset=utf-8";
	sf_reply(r, 200);
}

/* ---- auth ---- */

static void user_json(struct sf_jw *w, const struct sf_principal *p)
{
	sf_jw_obj(w);
	sf_jw_kstr(w, "name", p->name);
	sf_jw_kstr(w, "role", sf_role_name(p->role));
	sf_jw_key(w, "groups");
	sf_jw_arr(w);
	for (size_t i = 0; i < p->ngroups; i++) sf_jw_str(w, p->groups[i]);
	sf_jw_arr_end(w);
	sf_jw_obj_end(w);
}

void api_login(struct sf_req *r)
{
	struct sf_http *h = r->h;
	char key[96];
	snprintf(key, sizeof key, "login:%s", r->ip);
	int retry = 60;
	if (!sf_ratelimit_take(h->rl, key, h->lim.login_per_min / 60.0, h->lim.login_per_min, &retry)) {
		char ra[16];
		snprintf(ra, sizeof ra, "%d", retry);
		sf_req_add_header(r, "Retry-After", ra);
		sf_reply_err(r, E_RATE, "too many login attempts; retry in %d s", retry);
		return;
	}
	json_t *j = sf_req_json(r);
	if (!j) return;
	const char *user, *pass;
	if (!sf_req_jstr(r, j, "user", 64, true, &user) ||
	    !sf_req_jstr(r, j, "password", SF_AUTH_MAX_PASSWORD, true, &pass))
		goto out;
	struct sf_store *st = sf_engine_reader_store(r->t->rd);
	enum sf_err rc = sf_auth_login(st, user, pass, strlen(pass), &r->who);
	if (rc == SF_ERR_INVALID) {
		struct sf_audit_rec ev = { .actor = sf_str_c(user), .action = SF_STR("login.fail"),
					   .ip = sf_str_c(r->ip), .request_id = sf_str_c(r->id) };
		sf_audit_log(h->audit, &ev, true); /* failed logins are security events: written before the answer */
		sf_reply_err(r, E_UNAUTHORIZED, "wrong user name or password");
		goto out;
	}
	if (rc) {
		sf_reply_sferr(r, rc, "login", NULL);
		goto out;
	}
	char sid[64];
	struct sf_buf err = SF_BUF_INIT;
	rc = sf_auth_session_start(st, &r->who, h->lim.session_ms, sid, sizeof sid, &err);
	if (rc) {
		sf_reply_sferr(r, rc, "starting a session", &err);
		sf_buf_release(&err);
		goto out;
	}
	char cookie[256];
	snprintf(cookie, sizeof cookie, "sufler_session=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%lld%s", sid,
		 (long long)(h->lim.session_ms / 1000), h->lim.cookie_secure ? "; Secure" : "");
	sf_req_add_header(r, "Set-Cookie", cookie);
	sf_req_audit(r, "login", r->who.name, "session", true);
	struct sf_jw w;
	sf_req_jw(r, &w);
	sf_jw_obj(&w);
	sf_jw_key(&w, "user");
	user_json(&w, &r->who);
	sf_jw_kstr(&w, "csrf_token", r->who.csrf);
	sf_jw_obj_end(&w);
	sf_reply(r, 200);
out:
	json_decref(j);
}

void api_logout(struct sf_req *r)
{
	if (r->who.session) {
		size_t len = 0;
		const char *sid = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, "sufler_session");
		if (sid) len = strlen(sid);
		if (sid && sf_auth_session_end(sf_engine_reader_store(r->t->rd), sid, len, NULL) != SF_OK)
			SF_LOG(SF_LOG_WARN, "http", "cannot end a session id=%s", r->id);
		sf_req_add_header(r, "Set-Cookie", "sufler_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
		sf_req_audit(r, "logout", r->who.name, NULL, false);
	}
	sf_reply(r, 204);
}

void api_me(struct sf_req *r)
{
	struct sf_jw w;
	sf_req_jw(r, &w);
	sf_jw_obj(&w);
	sf_jw_key(&w, "user");
	user_json(&w, &r->who);
	sf_jw_kstr(&w, "auth", r->who.session ? "session" : "token");
	char sc[128];
	sf_scopes_format(r->who.scopes, sc, sizeof sc);
	sf_jw_key(&w, "scopes");
	sf_jw_list(&w, sc, strlen(sc));
	sf_jw_obj_end(&w);
	sf_reply(r, 200);
}

void api_password(struct sf_req *r)
{
	if (!r->who.session) {
		sf_reply_err(r, E_FORBIDDEN, "passwords are changed in a console session, not with a token");
		return;
	}
	json_t *j = sf_req_json(r);
	if (!j) return;
	const char *old, *nw;
	if (!sf_req_jstr(r, j, "old_password", SF_AUTH_MAX_PASSWORD, true, &old) ||
	    !sf_req_jstr(r, j, "new_password", SF_AUTH_MAX_PASSWORD, true, &nw))
		goto out;
	struct sf_store *st = sf_engine_reader_store(r->t->rd);
	struct sf_principal check;
	if (sf_auth_login(st, r->who.name, old, strlen(old), &check) != SF_OK) {
		sf_reply_err(r, E_FORBIDDEN, "the old password is wrong");
		goto out;
	}
	struct sf_buf err = SF_BUF_INIT;
	enum sf_err rc = sf_auth_user_change(st, r->who.name, NULL, nw, strlen(nw), NULL, -1, &err);
	if (rc) sf_reply_sferr(r, rc, "changing the password", &err);
	else {
		sf_http_auth_changed();
		sf_req_audit(r, "user.password", r->who.name, NULL, true);
		sf_reply(r, 204);
	}
	sf_buf_release(&err);
out:
	json_decref(j);
}

/* ---- search ---- */

/* The snippet with the engine's markers \x01..\x02 as <mark>..</mark> and the rest HTML-escaped. */
static char *snippet_html(const char *s)
{
	struct sf_buf b = SF_BUF_INIT;
	enum sf_err rc = SF_OK;
	const char *run = s;
	for (const char *p = s; p && *p && !rc; p++) {
		const char *rep;
		switch (*p) {
		case '\x01': rep = "<mark>"; break;
		case '\x02': rep = "</mark>"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '&': rep = "&amp;"; break;
		case '"': rep = "&quot;"; break;
		default: continue;
		}
		/* plain text goes in runs, not a byte at a time */
		rc = sf_buf_add(&b, run, (size_t)(p - run));
		if (!rc) rc = sf_buf_adds(&b, rep);
		run = p + 1;
	}
	if (!rc && s) rc = sf_buf_adds(&b, run);
	return sf_buf_detach(&b, NULL);
}

/* An optional filter parameter: short, plain characters. */
static bool filter_arg(struct sf_req *r, const char *name, const char **out)
{
	const char *v = sf_req_arg(r, name);
	*out = NULL;
	if (!v || !*v) return true;
	size_t n = strlen(v);
	if (n > 128 || !sf_utf8_valid(v, n)) {
		sf_reply_err(r, E_INVALID, "parameter %s must be valid UTF-8 of at most 128 bytes", name);
		return false;
	}
	*out = v;
	return true;
}

void api_search(struct sf_req *r)
{
	const char *q = sf_req_arg(r, "q");
	if (!q || !*q) {
		sf_reply_err(r, E_INVALID, "parameter q (the query) is required");
		return;
	}
	size_t qlen = strlen(q);
	if (qlen > 4096 || !sf_utf8_valid(q, qlen)) {
		sf_reply_err(r, E_INVALID, "parameter q must be valid UTF-8 of at most 4096 bytes");
		return;
	}
	int64_t k;
	if (!sf_req_int(r, "k", 1, 100, 10, &k)) return;
	const char *kind, *source, *lang;
	if (!filter_arg(r, "kind", &kind) || !filter_arg(r, "source", &source) || !filter_arg(r, "lang", &lang)) return;
	/* The answer depends on these and on the index generation: the cache key. */
	struct sf_buf key = SF_BUF_INIT;
	uint64_t gen = atomic_load(&r->h->gen);
	enum sf_err krc = !r->h->cache ? SF_ERR_UNSUPPORTED : /* no cache: no key to build */
			  sf_buf_addf(&key, "%lld\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f", (long long)k, kind ? kind : "",
				      source ? source : "", lang ? lang : "", r->who.all_groups ? "*" : "", q);
	for (size_t g = 0; !krc && !r->who.all_groups && g < r->who.ngroups; g++)
		krc = sf_buf_addf(&key, "%s\x1e", r->who.groups[g]);
	if (r->h->cache && !krc) {
		uint64_t t0 = sf_now_ns();
		struct sf_buf hit = SF_BUF_INIT;
		if (sf_cache_get(r->h->cache, key.ptr, key.len, gen, &hit)) {
			/* cached: "parsed" and "hits" as computed; query and time are this request's */
			double ms = (double)(sf_now_ns() - t0) / 1e6;
			struct sf_jw w;
			sf_req_jw(r, &w);
			sf_jw_obj(&w);
			sf_jw_kstr(&w, "query", q);
			sf_jw_knum(&w, "took_ms", ms);
			sf_jw_raw(&w, hit.ptr, hit.len);
			sf_jw_obj_end(&w);
			sf_buf_release(&hit);
			sf_buf_release(&key);
			sf_metrics_search(ms);
			sf_req_audit(r, "search", q, "cached", false);
			if (w.rc) sf_reply_err(r, E_INTERNAL, "the answer is too large");
			else sf_reply(r, 200);
			return;
		}
		sf_buf_release(&hit);
	}
	struct sf_engine_query eq;
	sf_engine_query_default(&eq);
	eq.text = q;
	eq.len = qlen;
	eq.k = (size_t)k;
	eq.hl_open = "\x01";
	eq.hl_close = "\x02";
	eq.kind = kind;
	eq.source = source;
	eq.lang = lang;
	if (!r->who.all_groups) {
		eq.groups = r->who.groups;
		eq.ngroups = r->who.ngroups;
	}
	struct sf_engine_results res;
	struct sf_buf err = SF_BUF_INIT;
	enum sf_err rc = sf_engine_reader_search(r->t->rd, &eq, &res, &err);
	if (rc) {
		sf_reply_sferr(r, rc == SF_ERR_INVALID || rc == SF_ERR_LIMIT ? SF_ERR_INVALID : rc, "search", &err);
		sf_buf_release(&err);
		sf_buf_release(&key);
		return;
	}
	sf_buf_release(&err);
	sf_metrics_search(res.took_ms);
	struct sf_jw w;
	sf_req_jw(r, &w);
	sf_jw_obj(&w);
	sf_jw_kstr(&w, "query", q);
	sf_jw_knum(&w, "took_ms", res.took_ms);
	size_t cached_from = r->out.len; /* "parsed" and "hits": the part the cache keeps */
	sf_jw_kstr(&w, "parsed", res.parsed ? res.parsed : "");
	sf_jw_key(&w, "hits");
	sf_jw_arr(&w);
	for (size_t i = 0; i < res.n; i++) {
		const struct sf_engine_hit *hit = &res.hits[i];
		sf_jw_obj(&w);
		sf_jw_kint(&w, "chunk_id", (int64_t)hit->chunk_id);
		sf_jw_kint(&w, "document_id", (int64_t)hit->doc_id);
		sf_jw_kstr(&w, "ext_id", hit->ext_id ? hit->ext_id : "");
		sf_jw_kstr(&w, "source", hit->source ? hit->source : "");
		sf_jw_kstr(&w, "kind", hit->kind ? hit->kind : "");
		sf_jw_kstr(&w, "title", hit->title ? hit->title : "");
		sf_jw_kstr(&w, "url", hit->url ? hit->url : "");
		sf_jw_kstr(&w, "heading", hit->heading ? hit->heading : "");
		char *sn = snippet_html(hit->snippet);
		sf_jw_kstr(&w, "snippet", sn ? sn : "");
		free(sn);
		sf_jw_knum(&w, "score", hit->score);
		sf_jw_kint(&w, "page_first", hit->page_first);
		sf_jw_kint(&w, "page_last", hit->page_last);
		sf_jw_obj_end(&w);
	}
	sf_jw_arr_end(&w);
	if (!w.rc && key.len && r->out.len > cached_from + 1)
		sf_cache_put(r->h->cache, key.ptr, key.len, gen, r->out.ptr + cached_from + 1,
			     r->out.len - cached_from - 1);
	sf_buf_release(&key);
	sf_jw_obj_end(&w);
	char detail[32];
	snprintf(detail, sizeof detail, "hits=%zu", res.n);
	/* who searched what: the query goes to the audit log (not to the access log) */
	sf_req_audit(r, "search", q, detail, false);
	sf_engine_results_release(&res);
	if (w.rc) sf_reply_err(r, E_INTERNAL, "the answer is too large");
	else sf_reply(r, 200);
}

/* ---- documents ---- */

static void doc_json(struct sf_jw *w, const struct sf_doc_rec *d)
{
	sf_jw_obj(w);
	sf_jw_kint(w, "id", d->id);
	sf_jw_kstrn(w, "source", d->source);
	sf_jw_kstrn(w, "ext_id", d->ext_id);
	sf_jw_kstrn(w, "title", d->title);
	sf_jw_kstrn(w, "url", d->url);
	sf_jw_kstrn(w, "kind", d->kind);
	sf_jw_kstrn(w, "lang", d->lang);
	sf_jw_key(w, "acl");
	sf_jw_list(w, d->acl.ptr, d->acl.len);
	sf_jw_kint(w, "created_ms", d->created_ms);
	sf_jw_kint(w, "updated_ms", d->updated_ms);
	sf_jw_kint(w, "chunks", (int64_t)d->chunks);
	sf_jw_obj_end(w);
}

struct list_ctx {
	struct sf_req *r;
	struct sf_jw *w;
	int64_t last;
	size_t n;
};

static int on_doc(void *ctx, const struct sf_doc_rec *d)
{
	struct list_ctx *c = ctx;
	if (!sf_auth_can_see(&c->r->who, d->acl.ptr, d->acl.len)) return 0;
	doc_json(c->w, d);
	c->last = d->id;
	c->n++;
	return 1;
}

void api_docs_list(struct sf_req *r)
{
	int64_t limit, after;
	if (!sf_req_int(r, "limit", 1, 200, 50, &limit) || !sf_req_int(r, "after", 0, INT64_MAX, 0, &after)) return;
	const char *kind, *source;
	if (!filter_arg(r, "kind", &kind) || !filter_arg(r, "source", &source)) return;
	struct sf_doc_filter f = { after, (size_t)limit, source, kind };
	struct sf_jw w;
	sf_req_jw(r, &w);
	sf_jw_obj(&w);
	sf_jw_key(&w, "documents");
	sf_jw_arr(&w);
	struct list_ctx c = { r, &w, 0, 0 };
	struct sf_buf err = SF_BUF_INIT;
	enum sf_err rc = sf_store_scan_docs(sf_engine_reader_store(r->t->rd), &f, on_doc, &c, &err);
	if (rc) {
		sf_reply_sferr(r, rc, "listing documents", &err);
		sf_buf_release(&err);
		return;
	}
	sf_jw_arr_end(&w);
	sf_jw_key(&w, "next_after");
	if (c.n == (size_t)limit) sf_jw_int(&w, c.last);
	else sf_jw_null(&w);
	sf_jw_obj_end(&w);
	sf_reply(r, 200);
}

/* The {id} of the path as a positive integer; 404 when it is not one (no such thing). */
static bool path_id(struct sf_req *r, const char *what, int64_t *id)
{
	char *end;
	long long v = strtoll(r->param, &end, 10);
	if (*end || v <= 0 || r->param[0] == '+' || r->param[0] == ' ') {
		sf_reply_err(r, E_NOTFOUND, "no %s '%s'", what, r->param);
		return false;
	}
	*id = v;
	return true;
}

/* The document if the caller may see it; otherwise 404 sent and false. */
static bool visible_doc(struct sf_req *r, int64_t id, struct sf_doc_rec *d)
{
	struct sf_buf err = SF_BUF_INIT;
	enum sf_err rc = sf_store_get_doc(sf_engine_reader_store(r->t->rd), id, d, &err);
	if (rc == SF_ERR_NOTFOUND || (!rc && !sf_auth_can_see(&r->who, d->acl.ptr, d->acl.len))) {
		sf_reply_err(r, E_NOTFOUND, "no document %lld", (long long)id);
		rc = SF_ERR_NOTFOUND;
	} else if (rc) {
		sf_reply_sferr(r, rc, "reading a document", &err);
	}
	sf_buf_release(&err);
	return rc == SF_OK;
}

static int on_chunk(void *ctx, const struct sf_chunk *c)
{
	struct sf_jw *w = ctx;
	sf_jw_obj(w);
	sf_jw_kint(w, "id", (int64_t)c->id);
	sf_jw_kint(w, "ord", c->ord);
	sf_jw_kstrn(w, "heading", c->heading);
	sf_jw_kstrn(w, "text", c->text);
	sf_jw_kint(w, "page_first", c->page_first);
	sf_jw_kint(w, "page_last", c->page_last);
	sf_jw_obj_end(w);
	return 0;
}

void api_doc_get(struct sf_req *r)
{
	int64_t id;
	struct sf_doc_rec d;
	if (!path_id(r, "document", &id) || !visible_doc(r, id, &d)) return;
	struct sf_jw w;
	sf_req_jw(r, &w);
	sf_jw_obj(&w);
	sf_jw_key(&w, "document");
	doc_json(&w, &d);
	sf_jw_key(&w, "chunks");
	sf_jw_arr(&w);
	struct sf_buf err = SF_BUF_INIT;
	enum sf_err rc = sf_store_scan_doc_chunks(sf_engine_reader_store(r->t->rd), id, on_chunk, &w, &err);
	if (rc) {
		sf_reply_sferr(r, rc, "reading a document", &err);
		sf_buf_release(&err);
		return;
	}
	sf_jw_arr_end(&w);
	sf_jw_obj_end(&w);
	if (w.rc) sf_reply_err(r, E_INTERNAL, "the answer is too large");
	else sf_reply(r, 200);
}

void api_doc_delete(struct sf_req *r)
{
	int64_t id;
	struct sf_doc_rec d;
	if (!path_id(r, "document", &id) || !visible_doc(r, id, &d)) return;
	char target[640];
	snprintf(target, sizeof target, "document:%lld " SF_STR_FMT ":" SF_STR_FMT, (long long)id,
		 (int)(d.source.len > 64 ? 64 : d.source.len), d.source.ptr, (int)(d.ext_id.len > 400 ? 400 : d.ext_id.len),
		 d.ext_id.ptr);
	struct sf_buf err = SF_BUF_INIT;
	enum sf_err rc = sf_store_delete_doc_id(sf_engine_reader_store(r->t->rd), id, &err);
	if (!rc) rc = sf_http_sync(r->h, &err);
	if (rc) {
		sf_reply_sferr(r, rc, "deleting a document", &err);
	} else {
		sf_req_audit(r, "document.delete", target, NULL, true);
		sf_reply(r, 204);
	}
	sf_buf_release(&err);
}

/* ---- jobs ---- */

struct jobs_ctx {
	struct sf_jw *w;
};

static int on_job(void *ctx, const struct sf_job_rec *j)
{
	struct jobs_ctx *c = ctx;
	sf_job_json(c->w, j);
	return 0;
}

void api_jobs_list(struct sf_req *r)
{
	int64_t limit;
	if (!sf_req_int(r, "limit", 1, 500, 50, &limit)) return;
	struct sf_jw w;
	sf_req_jw(r, &w);
	sf_jw_obj(&w);
	sf_jw_key(&w, "jobs");
	sf_jw_arr(&w);
	struct jobs_ctx c = { &w };
	struct sf_buf err = SF_BUF_INIT;
	enum sf_err rc = sf_store_scan_jobs(sf_engine_reader_store(r->t->rd),
					    r->who.role == SF_ROLE_ADMIN ? NULL : r->who.name, (size_t)limit, on_job, &c, &err);
	if (rc) {
		sf_reply_sferr(r, rc, "listing jobs", &err);
		sf_buf_release(&err);
		return;
	}
	sf_jw_arr_end(&w);
	sf_jw_obj_end(&w);
	sf_reply(r, 200);
}

void api_job_get(struct sf_req *r)
{
	int64_t id;
	if (!path_id(r, "job", &id)) return;
	struct sf_job_rec j;
	enum sf_err rc = sf_store_job_get(sf_engine_reader_store(r->t->rd), id, &j, NULL);
	if (rc == SF_ERR_NOTFOUND || (!rc && r->who.role != SF_ROLE_ADMIN && !sf_str_eq_c(j.user, r->who.name))) {
		sf_reply_err(r, E_NOTFOUND, "no job %lld", (long long)id);
		return;
	}
	if (rc) {
		sf_reply_sferr(r, rc, "reading a job", NULL);
		return;
	}
	struct sf_jw w;
	sf_req_jw(r, &w);
	sf_jw_obj(&w);
	sf_jw_key(&w, "job");
	sf_job_json(&w, &j);
	sf_jw_obj_end(&w);
	sf_reply(r, 200);
}

/* ---- sources ---- */

static void run_json(struct sf_jw *w, const struct sf_run_rec *run)
{
	sf_jw_obj(w);
	sf_jw_kint(w, "id", run->id);
	sf_jw_kstrn(w, "source", run->source);
	sf_jw_kint(w, "started_ms", run->started_ms);
	sf_jw_kint(w, "finished_ms", run->finished_ms);
	sf_jw_kstrn(w, "status", run->status);
	sf_jw_key(w, "stats");
	if (run->stats.len && run->stats.ptr[0] == '{') sf_jw_raw(w, run->stats.ptr, run->stats.len);
	else sf_jw_raw(w, "{}", 2);
	sf_jw_kint(w, "failures", (int64_t)run->failures);
	sf_jw_obj_end(w);
}

static int on_run(void *ctx, const struct sf_run_rec *run)
{
	run_json(ctx, run);
	return 0;
}

struct src {
	char name[128];
	uint64_t docs;
};

struct src_ctx {
	struct src *v;
	size_t n, cap;
};

static int on_source(void *ctx, const char *name, uint64_t docs)
{
	struct src_ctx *c = ctx;
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->v = realloc(c->v, c->cap * sizeof *c->v);
		if (!c->v) abort();
	}
	snprintf(c->v[c->n].name, sizeof c->v[c->n].name, "%s", name ? name : "");
	c->v[c->n++].docs = docs;
	return 0;
}

void api_sources(struct sf_req *r)
{
	struct sf_store *st = sf_engine_reader_store(r->t->rd);
	struct src_ctx c = { 0 };
	struct sf_buf err = SF_BUF_INIT;
	enum sf_err rc = sf_store_scan_sources(st, on_source, &c, &err);
	struct sf_jw w;
	sf_req_jw(r, &w);
	sf_jw_obj(&w);
	sf_jw_key(&w, "sources");
	sf_jw_arr(&w);
	for (size_t i = 0; i < c.n && !rc; i++) {
		sf_jw_obj(&w);
		sf_jw_kstr(&w, "name", c.v[i].name);
		sf_jw_kint(&w, "documents", (int64_t)c.v[i].docs);
		sf_jw_key(&w, "last_run");
		size_t before = r->out.len;
		rc = sf_store_scan_runs(st, c.v[i].name, 1, on_run, &w, &err);
		if (r->out.len == before) sf_jw_null(&w);
		sf_jw_obj_end(&w);
	}
	free(c.v);
	if (rc) {
		sf_reply_sferr(r, rc, "listing sources", &err);
		sf_buf_release(&err);
		return;
	}
	sf_jw_arr_end(&w);
	sf_jw_obj_end(&w);
	sf_reply(r, 200);
}

void api_source_runs(struct sf_req *r)
{
	int64_t limit;
	if (!sf_req_int(r, "limit", 1, 500, 20, &limit)) return;
	struct sf_jw w;
	sf_req_jw(r, &w);
	sf_jw_obj(&w);
	sf_jw_key(&w, "runs");
	sf_jw_arr(&w);
	struct sf_buf err = SF_BUF_INIT;
	enum sf_err rc = sf_store_scan_runs(sf_engine_reader_store(r->t->rd), r->param, (size_t)limit, on_run, &w, &err);
	if (rc) {
		sf_reply_sferr(r, rc, "listing runs", &err);
		sf_buf_release(&err);
		return;
	}
	sf_jw_arr_end(&w);
	sf_jw_obj_end(&w);
	sf_reply(r, 200);
}
