/*
 * http/server.c: the daemon around libmicrohttpd: request lifecycle, authentication, limits,
 * the error table, logs, the audit writer, start, reload and stop.
 *
 * libmicrohttpd calls the access handler several times per request: first with the headers
 * (we find the route, authenticate, check limits and set up body handling), then once per
 * piece of body, then a last time with no data, when the handler runs and the response is
 * queued. Answering on that later call, not the first, keeps keep-alive connections usable.
 * An early answer is given only for bodies too large to read (413): the connection closes.
 *
 * Each pool thread keeps its resources in a struct sf_tctx (an engine reader: store connection
 * and analyzers, and a small cache of token verdicts), so requests never share a connection.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/hash.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"
#include "http/http_int.h"

/* ---- the error table ---- */

static const struct {
	unsigned status;
	const char *code;
} api_errors[E__COUNT] = {
	[E_INVALID] = { 400, "invalid_request" },   [E_UNAUTHORIZED] = { 401, "unauthorized" },
	[E_FORBIDDEN] = { 403, "forbidden" },       [E_NOTFOUND] = { 404, "not_found" },
	[E_METHOD] = { 405, "method_not_allowed" }, [E_CONFLICT] = { 409, "conflict" },
	[E_TOO_LARGE] = { 413, "payload_too_large" }, [E_MEDIA] = { 415, "unsupported_media_type" },
	[E_RATE] = { 429, "rate_limited" },         [E_INTERNAL] = { 500, "internal" },
	[E_UNAVAILABLE] = { 503, "unavailable" },   [E_TIMEOUT] = { 503, "timeout" },
};

/* Internal errors to API errors: the one mapping. */
static enum sf_api_err map_err(enum sf_err rc)
{
	switch (rc) {
	case SF_ERR_INVALID: return E_INVALID;
	case SF_ERR_NOTFOUND: return E_NOTFOUND;
	case SF_ERR_LIMIT: return E_TOO_LARGE;
	case SF_ERR_EXISTS: return E_CONFLICT;
	case SF_ERR_UNSUPPORTED: return E_MEDIA;
	case SF_ERR_BUSY: return E_UNAVAILABLE;
	default: return E_INTERNAL;
	}
}

/* ---- per-thread resources ---- */

static __thread struct sf_tctx *tls_ctx;

struct sf_tctx *sf_http_tctx(struct sf_http *h)
{
	if (tls_ctx) return tls_ctx;
	struct sf_tctx *t = sf_xcalloc(1, sizeof *t);
	struct sf_buf err = SF_BUF_INIT;
	if (sf_engine_reader_open(h->engine, &t->rd, &err) != SF_OK) {
		SF_LOG(SF_LOG_ERROR, "http", "cannot open a reader: %s", err.ptr);
		sf_buf_release(&err);
		free(t);
		return NULL;
	}
	pthread_mutex_lock(&h->tctx_lock);
	t->next = h->tctxs;
	h->tctxs = t;
	pthread_mutex_unlock(&h->tctx_lock);
	tls_ctx = t;
	return t;
}

/* Token verdicts cached per thread; a change through the API bumps the generation. */
#define TCACHE 64
struct tcache_entry {
	uint64_t key;
	char token[129];     /* the token itself: a verdict is reused only for the same token */
	int64_t until_ms;
	unsigned gen;
	struct sf_principal p;
};
static atomic_uint auth_gen;

void sf_http_auth_changed(void);
void sf_http_auth_changed(void) { atomic_fetch_add(&auth_gen, 1); }

/* ---- config ---- */

static void copy_limits(struct sf_limits *l, const struct sf_config *c)
{
	l->body_bytes = (size_t)sf_config_int(c, "limits.body");
	l->upload_bytes = (size_t)sf_config_int(c, "limits.upload");
	l->token_rps = (double)sf_config_int(c, "limits.token_rps");
	l->token_burst = (double)sf_config_int(c, "limits.token_burst");
	l->ip_rps = (double)sf_config_int(c, "limits.ip_rps");
	l->ip_burst = (double)sf_config_int(c, "limits.ip_burst");
	l->login_per_min = (double)sf_config_int(c, "limits.login_per_minute");
	l->metrics_public = sf_config_bool(c, "server.metrics_public");
	l->session_ms = sf_config_int(c, "auth.session_hours") * 3600000;
	/* HTTPS here: the cookie is Secure whatever the setting says */
	l->cookie_secure = sf_config_bool(c, "auth.cookie_secure") || *sf_config_str(c, "server.tls_cert");
	l->queue_jobs = (size_t)sf_config_int(c, "limits.queue_jobs");
	l->request_ms = (int)sf_config_int(c, "limits.request_timeout") * 1000;
	snprintf(l->trusted, sizeof l->trusted, "%s", sf_config_str(c, "server.trusted_proxies"));
}

/* Is ip in the comma-separated list? */
static bool in_list(const char *list, const char *ip, size_t n)
{
	struct sf_str rest = sf_str_c(list), it;
	while (sf_str_next_item(&rest, ',', &it))
		if (sf_str_eq(it, (struct sf_str){ ip, n })) return true;
	return false;
}

struct sf_config *sf_http_config(struct sf_http *h)
{
	pthread_mutex_lock(&h->cfg_lock);
	struct sf_config *c = sf_config_ref(h->cfg);
	pthread_mutex_unlock(&h->cfg_lock);
	return c;
}

/* ---- responses ---- */

void sf_req_jw(struct sf_req *r, struct sf_jw *w)
{
	sf_buf_reset(&r->out);
	sf_jw_init(w, &r->out);
}

void sf_req_add_header(struct sf_req *r, const char *name, const char *value)
{
	if (r->nhdr >= 4) return;
	snprintf(r->hdr_extra[r->nhdr++], sizeof r->hdr_extra[0], "%s: %s", name, value);
}

static void queue(struct sf_req *r)
{
	size_t len = r->out.len;
	char *body = sf_buf_detach(&r->out, NULL);
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, body ? body : (void *)"",
								    body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		free(body);
		return;
	}
	if (r->status != 204) MHD_add_response_header(resp, "Content-Type", r->ctype ? r->ctype : "application/json");
	MHD_add_response_header(resp, "X-Request-Id", r->id);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	for (int i = 0; i < r->nhdr; i++) {
		char *c = strchr(r->hdr_extra[i], ':');
		if (!c) continue;
		*c = 0;
		MHD_add_response_header(resp, r->hdr_extra[i], c + 2);
	}
	(void)MHD_queue_response(r->conn, r->status, resp);
	MHD_destroy_response(resp);
	r->done = true;
}

void sf_reply(struct sf_req *r, unsigned status)
{
	if (r->done) return;
	r->status = status;
	if (status == 204) sf_buf_reset(&r->out);
	if (r->first && status != 413) {
		/* decided with the headers: answered on a later call, so keep-alive holds */
		r->deferred = true;
		r->done = true;
		return;
	}
	queue(r);
}

void sf_reply_err(struct sf_req *r, enum sf_api_err e, const char *fmt, ...)
{
	if (r->done) return;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	struct sf_jw w;
	sf_req_jw(r, &w);
	sf_jw_obj(&w);
	sf_jw_key(&w, "error");
	sf_jw_obj(&w);
	sf_jw_kstr(&w, "code", api_errors[e].code);
	sf_jw_kstr(&w, "message", msg);
	sf_jw_kstr(&w, "request_id", r->id);
	sf_jw_obj_end(&w);
	sf_jw_obj_end(&w);
	if (e == E_UNAUTHORIZED) sf_req_add_header(r, "WWW-Authenticate", "Bearer realm=\"sufler\"");
	if (e == E_UNAVAILABLE || e == E_TIMEOUT) sf_req_add_header(r, "Retry-After", "5");
	if (e >= E_INTERNAL) sf_metrics_error(api_errors[e].code);
	r->ctype = "application/json";
	sf_reply(r, api_errors[e].status);
}

void sf_reply_sferr(struct sf_req *r, enum sf_err rc, const char *what, const struct sf_buf *detail)
{
	enum sf_api_err e = map_err(rc);
	if (e == E_INTERNAL) {
		/* Details of internal failures go to the log, not to the client. */
		SF_LOG(SF_LOG_ERROR, "http", "%s failed id=%s err=%s detail=\"%s\"", what, r->id, sf_err_str(rc),
		       detail ? detail->ptr : "");
		sf_reply_err(r, e, "%s failed (request %s; see the server log)", what, r->id);
		return;
	}
	sf_reply_err(r, e, "%s: %s", what, detail && detail->len ? detail->ptr : sf_err_str(rc));
}

/* ---- request helpers ---- */

const char *sf_req_arg(struct sf_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *sf_req_header(struct sf_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

bool sf_req_int(struct sf_req *r, const char *name, int64_t min, int64_t max, int64_t def, int64_t *out)
{
	const char *v = sf_req_arg(r, name);
	if (!v) {
		*out = def;
		return true;
	}
	char *end;
	errno = 0;
	long long x = strtoll(v, &end, 10);
	if (!*v || *end || errno || x < min || x > max) {
		sf_reply_err(r, E_INVALID, "parameter %s must be an integer from %lld to %lld", name, (long long)min,
			     (long long)max);
		return false;
	}
	*out = x;
	return true;
}

json_t *sf_req_json(struct sf_req *r)
{
	if (r->body.len == 0) {
		sf_reply_err(r, E_INVALID, "a JSON object body is required");
		return NULL;
	}
	json_error_t je;
	json_t *j = json_loadb(r->body.ptr, r->body.len, JSON_REJECT_DUPLICATES, &je);
	if (!j) {
		sf_reply_err(r, E_INVALID, "malformed JSON at line %d column %d: %s", je.line, je.column, je.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		sf_reply_err(r, E_INVALID, "the body must be a JSON object");
		return NULL;
	}
	return j;
}

bool sf_req_jstr(struct sf_req *r, json_t *o, const char *key, size_t max, bool required, const char **out)
{
	json_t *v = json_object_get(o, key);
	*out = NULL;
	if (!v || json_is_null(v)) {
		if (!required) return true;
		sf_reply_err(r, E_INVALID, "field '%s' is required", key);
		return false;
	}
	if (!json_is_string(v)) {
		sf_reply_err(r, E_INVALID, "field '%s' must be a string", key);
		return false;
	}
	if (json_string_length(v) > max) {
		sf_reply_err(r, E_INVALID, "field '%s' is longer than %zu bytes", key, max);
		return false;
	}
	*out = json_string_value(v);
	return true;
}

void sf_req_audit(struct sf_req *r, const char *action, const char *target, const char *detail, bool wait)
{
	struct sf_audit_rec ev = {
		.ts_ms = sf_wall_ms(),
		.actor = sf_str_c(r->who.ok ? r->who.name : "-"),
		.action = sf_str_c(action),
		.target = sf_str_c(target ? target : ""),
		.detail = sf_str_c(detail ? detail : ""),
		.ip = sf_str_c(r->ip),
		.request_id = sf_str_c(r->id),
	};
	sf_audit_log(r->h->audit, &ev, wait);
}

/* ---- authentication ---- */

static bool authenticate_token(struct sf_req *r, const char *tok, size_t len)
{
	if (!r->t->tcache) r->t->tcache = sf_xcalloc(TCACHE, sizeof *r->t->tcache);
	uint64_t key = sf_hash64(tok, len, 0x746f6b);
	struct tcache_entry *c = &r->t->tcache[key % TCACHE];
	int64_t now = sf_wall_ms();
	unsigned gen = atomic_load(&auth_gen);
	/* A verdict is reused only for the same token (compared in full, in constant time) and
	 * generation, within SF_AUTH_CACHE_MS. */
	if (len <= 128 && c->key == key && c->until_ms > now && c->gen == gen &&
	    sf_auth_equal(c->token, strlen(c->token), tok, len)) {
		sf_auth_principal_copy(&r->who, &c->p);
		return r->who.ok;
	}
	enum sf_err rc = sf_auth_token(sf_engine_reader_store(r->t->rd), tok, len, &r->who);
	if (rc && rc != SF_ERR_INVALID) return false;
	if (len > 128) return r->who.ok; /* not cached (no valid token is that long) */
	c->key = key;
	memcpy(c->token, tok, len);
	c->token[len] = 0;
	c->until_ms = now + SF_AUTH_CACHE_MS;
	c->gen = gen;
	sf_auth_principal_copy(&c->p, &r->who);
	if (r->who.ok && r->who.token_id) {
		char t[32];
		snprintf(t, sizeof t, "token:%lld", (long long)r->who.token_id);
		/* token use: in the audit log once per cache period and thread, not per request */
		sf_req_audit(r, "token.use", t, NULL, false);
	}
	return r->who.ok;
}

/* The value of cookie name in the Cookie header, or NULL; *len its length. */
static const char *cookie(struct sf_req *r, const char *name, size_t *len)
{
	const char *v = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
	if (v) *len = strlen(v);
	return v;
}

static void authenticate(struct sf_req *r)
{
	r->authed = true;
	const char *a = sf_req_header(r, "Authorization");
	if (a) {
		if (strncasecmp(a, "Bearer ", 7) == 0) {
			const char *t = a + 7;
			while (*t == ' ') t++;
			(void)authenticate_token(r, t, strlen(t));
		}
		return;
	}
	size_t len;
	const char *sid = cookie(r, "sufler_session", &len);
	/* an unknown or expired session leaves who unauthenticated: 401 below */
	if (sid && sf_auth_session(sf_engine_reader_store(r->t->rd), sid, len, &r->who) != SF_OK) r->who.ok = false;
}

/* ---- the access handler ---- */

static enum sf_method parse_method(const char *m)
{
	if (strcmp(m, "GET") == 0) return M_GET;
	if (strcmp(m, "POST") == 0) return M_POST;
	if (strcmp(m, "PUT") == 0) return M_PUT;
	if (strcmp(m, "PATCH") == 0) return M_PATCH;
	if (strcmp(m, "DELETE") == 0) return M_DELETE;
	if (strcmp(m, "HEAD") == 0) return M_HEAD;
	return M_OTHER;
}

static sf_handler handler_of(const struct sf_route *rt, enum sf_method m)
{
	switch (m) {
	case M_GET: return rt->get;
	case M_POST: return rt->post;
	case M_PATCH: return rt->patch;
	case M_DELETE: return rt->del;
	default: return NULL;
	}
}

static void allow_header(struct sf_req *r)
{
	static const char *const names[] = { "GET", "POST", "PUT", "PATCH", "DELETE" };
	char allow[64] = "";
	size_t o = 0;
	for (int i = 0; i < 5; i++)
		if (r->route->methods & (1u << i))
			o += (size_t)snprintf(allow + o, sizeof allow - o, "%s%s", o ? ", " : "", names[i]);
	sf_req_add_header(r, "Allow", allow);
}

static void set_request_id(struct sf_req *r)
{
	const char *given = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-Request-Id");
	if (given) {
		size_t n = strlen(given);
		bool ok = n > 0 && n <= 64;
		for (size_t i = 0; ok && i < n; i++) {
			char c = given[i];
			ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
			     c == '_' || c == '-';
		}
		if (ok) {
			memcpy(r->id, given, n + 1);
			return;
		}
	}
	static atomic_uint_fast64_t counter;
	uint64_t x = atomic_fetch_add(&counter, 1) + (uint64_t)sf_wall_ms() * 1000003u;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	snprintf(r->id, sizeof r->id, "%016llx", (unsigned long long)x);
}

static void client_ip(struct sf_req *r)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	r->ip[0] = 0;
	if (!ci || !ci->client_addr) return;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, r->ip, sizeof r->ip);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, r->ip, sizeof r->ip);
	/* Behind a trusted proxy the client is the rightmost X-Forwarded-For entry that is not
	 * itself a trusted proxy (entries left of it are whatever the client claimed). */
	const char *trusted = r->h->lim.trusted;
	if (!*trusted || !in_list(trusted, r->ip, strlen(r->ip))) return;
	const char *xff = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-Forwarded-For");
	if (!xff) return;
	const char *end = xff + strlen(xff);
	while (end > xff) {
		const char *start = end;
		while (start > xff && start[-1] != ',') start--;
		const char *a = start, *b = end;
		while (a < b && *a == ' ') a++;
		while (b > a && b[-1] == ' ') b--;
		char cand[64];
		size_t n = (size_t)(b - a);
		if (n == 0 || n >= sizeof cand) return;
		memcpy(cand, a, n);
		cand[n] = 0;
		unsigned char buf[16];
		if (inet_pton(AF_INET, cand, buf) != 1 && inet_pton(AF_INET6, cand, buf) != 1) return;
		memcpy(r->ip, cand, n + 1);
		if (!in_list(trusted, cand, n)) return;
		end = start > xff ? start - 1 : xff;
	}
}

/* Checks done with the headers, before any body: route, method, authentication, access, rate,
 * declared size. Returns false when an answer is decided (error queued or pending). */
static bool admit(struct sf_req *r)
{
	struct sf_http *h = r->h;
	if (atomic_load(&h->stopping)) {
		sf_reply_err(r, E_UNAVAILABLE, "the server is shutting down");
		return false;
	}
	r->route = sf_route_find(r->path, r->param, sizeof r->param);
	if (!r->route) {
		sf_reply_err(r, E_NOTFOUND, "no such route: %s", r->path);
		return false;
	}
	sf_handler fn = handler_of(r->route, r->method);
	if (r->method == M_HEAD && r->route->get) fn = r->route->get;
	if (!fn) {
		allow_header(r);
		sf_reply_err(r, E_METHOD, "%s does not take this method", r->route->pattern);
		return false;
	}
	r->t = sf_http_tctx(h);
	if (!r->t) {
		sf_reply_err(r, E_UNAVAILABLE, "the store cannot be opened");
		return false;
	}
	bool write = r->method == M_POST || r->method == M_PATCH || r->method == M_DELETE;
	enum sf_role need = write && r->route->write_role ? r->route->write_role : r->route->role;
	unsigned scope = write && r->route->write_scope ? r->route->write_scope : r->route->scope;
	bool metrics_private = r->route->get == api_metrics && !h->lim.metrics_public;
	if (metrics_private) need = SF_ROLE_ADMIN, scope = SF_SCOPE_ADMIN;
	if (need != SF_ROLE_NONE || r->route->post == api_login) authenticate(r);
	char key[96];
	int retry = 1;
	if (r->who.ok) {
		snprintf(key, sizeof key, r->who.token_id ? "t:%lld" : "u:%lld",
			 (long long)(r->who.token_id ? r->who.token_id : r->who.user_id));
		if (h->lim.token_rps > 0 &&
		    !sf_ratelimit_take(h->rl, key, h->lim.token_rps, h->lim.token_burst, &retry))
			goto limited;
	} else if (need != SF_ROLE_NONE || r->route->post == api_login) {
		/* unauthenticated requests to protected routes (and logins) are limited per address */
		snprintf(key, sizeof key, "ip:%s", r->ip);
		if (h->lim.ip_rps > 0 && !sf_ratelimit_take(h->rl, key, h->lim.ip_rps, h->lim.ip_burst, &retry))
			goto limited;
	}
	if (need != SF_ROLE_NONE) {
		if (!r->who.ok) {
			sf_reply_err(r, E_UNAUTHORIZED, "authentication required: a bearer token or a session");
			return false;
		}
		if (r->who.role < need) {
			sf_reply_err(r, E_FORBIDDEN, "this needs the %s role", sf_role_name(need));
			return false;
		}
		if (r->who.token_id && scope && !(r->who.scopes & scope)) {
			char s[64];
			sf_scopes_format(scope, s, sizeof s);
			sf_reply_err(r, E_FORBIDDEN, "this token lacks the scope %s", s);
			return false;
		}
		if (r->who.session && write) {
			const char *csrf = sf_req_header(r, "X-CSRF-Token");
			if (!csrf || !sf_auth_equal(csrf, strlen(csrf), r->who.csrf, strlen(r->who.csrf))) {
				sf_reply_err(r, E_FORBIDDEN, "missing or wrong X-CSRF-Token");
				return false;
			}
		}
	}
	/* Declared sizes: refuse before reading. */
	const char *cl = sf_req_header(r, "Content-Length");
	if (cl && write) {
		unsigned long long n = strtoull(cl, NULL, 10);
		const char *ct = sf_req_header(r, "Content-Type");
		bool upload = r->route->body == BODY_UPLOAD && ct && strncasecmp(ct, "multipart/form-data", 19) == 0;
		size_t max = upload ? h->lim.upload_bytes : h->lim.body_bytes;
		if (n > max) {
			sf_reply_err(r, E_TOO_LARGE, "the body is larger than %zu bytes", max);
			return false;
		}
	}
	if (write && r->route->body != BODY_NONE) {
		const char *ct = sf_req_header(r, "Content-Type");
		bool json = ct && strncasecmp(ct, "application/json", 16) == 0;
		bool multipart = ct && strncasecmp(ct, "multipart/form-data", 19) == 0;
		if (multipart && r->route->body == BODY_UPLOAD) return sf_upload_begin(r);
		if (!json && cl && strtoull(cl, NULL, 10) > 0) {
			sf_reply_err(r, E_MEDIA, "send application/json%s",
				     r->route->body == BODY_UPLOAD ? " or multipart/form-data" : "");
			return false;
		}
	}
	sf_buf_init(&r->body, h->lim.body_bytes);
	return true;
limited:;
	char ra[16];
	snprintf(ra, sizeof ra, "%d", retry);
	sf_req_add_header(r, "Retry-After", ra);
	sf_reply_err(r, E_RATE, "too many requests; retry in %d s", retry);
	return false;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	struct sf_http *h = cls;
	struct sf_req *r = *con_cls;
	if (!r) {
		r = sf_xcalloc(1, sizeof *r);
		*con_cls = r;
		r->h = h;
		r->conn = conn;
		r->t0 = sf_now_ns();
		r->path = url;
		r->method = parse_method(method);
		r->out = (struct sf_buf)SF_BUF_INIT;
		r->body = (struct sf_buf)SF_BUF_INIT;
		atomic_fetch_add(&h->inflight, 1);
		set_request_id(r);
		client_ip(r);
		r->first = true;
		(void)admit(r);
		r->first = false;
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		if (r->done) return MHD_YES;
		if (h->lim.request_ms && (sf_now_ns() - r->t0) / 1000000 > (uint64_t)h->lim.request_ms) {
			/* A body slower than the limit: the connection is closed (an answer queued in the
			 * middle of a body would wait for the rest of it). */
			sf_upload_abort(r);
			sf_metrics_error("timeout");
			SF_LOG(SF_LOG_WARN, "http", "request too slow, connection closed id=%s ip=%s", r->id, r->ip);
			return MHD_NO;
		}
		if (r->up) {
			if (!sf_upload_feed(r, upload_data, n)) sf_upload_abort(r);
			return MHD_YES;
		}
		if (r->too_large) return MHD_YES;
		if (sf_buf_add(&r->body, upload_data, n) != SF_OK) {
			r->too_large = true;
			sf_buf_release(&r->body);
		}
		return MHD_YES;
	}
	if (r->deferred) {
		r->deferred = false;
		queue(r);
		return MHD_YES;
	}
	if (r->done) return MHD_YES;
	if (r->too_large) {
		sf_reply_err(r, E_TOO_LARGE, "the body is larger than %zu bytes", h->lim.body_bytes);
		return MHD_YES;
	}
	if (r->up) {
		sf_upload_finish(r);
		return MHD_YES;
	}
	sf_handler fn = handler_of(r->route, r->method);
	if (r->method == M_HEAD) fn = r->route->get;
	if (fn) fn(r);
	if (!r->done) sf_reply_err(r, E_INTERNAL, "the handler gave no answer");
	return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct sf_http *h = cls;
	struct sf_req *r = *con_cls;
	if (!r) return;
	*con_cls = NULL;
	double ms = (double)(sf_now_ns() - r->t0) / 1e6;
	if (r->up) sf_upload_abort(r);
	unsigned status = r->done ? r->status : 0; /* 0: the client went away before an answer */
	size_t route = r->route ? (size_t)(r->route - sf_routes) : sf_nroutes;
	sf_metrics_request(route, status, ms);
	if (h->access_fd >= 0) {
		char line[768];
		char ts[32];
		int64_t now = sf_wall_ms();
		time_t sec = (time_t)(now / 1000);
		struct tm tm;
		gmtime_r(&sec, &tm);
		strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
		/* The path only: query strings may hold what people searched for (audited, not logged). */
		int n = snprintf(line, sizeof line,
				 "%s.%03dZ id=%s ip=%s method=%s path=\"%.200s\" status=%u ms=%.3f who=%s%s\n", ts,
				 (int)(now % 1000), r->id, r->ip[0] ? r->ip : "-",
				 (r->method == M_GET ? "GET" : r->method == M_POST ? "POST" : r->method == M_PATCH ? "PATCH" :
				  r->method == M_DELETE ? "DELETE" : r->method == M_PUT ? "PUT" : r->method == M_HEAD ? "HEAD" : "OTHER"),
				 r->path, status, ms, r->who.ok ? r->who.name : "-",
				 toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " aborted=1");
		if (n > 0) {
			size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
			ssize_t w = write(h->access_fd, line, len);
			(void)w;
		}
	}
	sf_buf_release(&r->body);
	sf_buf_release(&r->out);
	/* same thread as the request: let go of its read snapshot so the WAL can be checkpointed */
	if (r->t) sf_store_idle(sf_engine_reader_store(r->t->rd));
	free(r);
	atomic_fetch_sub(&h->inflight, 1);
}

static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	vsnprintf(msg, sizeof msg, fmt, ap);
	msg[strcspn(msg, "\n")] = 0;
	SF_LOG(SF_LOG_WARN, "mhd", "%s", msg);
}

/* ---- start, reload, stop ---- */

static char *read_file(const char *path, size_t max, struct sf_buf *err)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		sf_errf(err, "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	char *p = sf_xmalloc(max + 1);
	size_t n = fread(p, 1, max, f);
	fclose(f);
	p[n] = 0;
	return p;
}

static enum sf_err parse_listen(const char *s, struct sockaddr_in *sa, struct sf_buf *err)
{
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	const char *colon = strrchr(s, ':');
	char host[64];
	if (!colon || (size_t)(colon - s) >= sizeof host) {
		sf_errf(err, "server.listen: '%s' is not HOST:PORT", s);
		return SF_ERR_INVALID;
	}
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = 0;
	char *end;
	long port = strtol(colon + 1, &end, 10);
	if (*end || port < 0 || port > 65535 || !colon[1]) {
		sf_errf(err, "server.listen: bad port in '%s'", s);
		return SF_ERR_INVALID;
	}
	if (!*host || strcmp(host, "*") == 0) snprintf(host, sizeof host, "0.0.0.0");
	if (strcmp(host, "localhost") == 0) snprintf(host, sizeof host, "127.0.0.1");
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1) {
		sf_errf(err, "server.listen: '%s' is not an IPv4 address", host);
		return SF_ERR_INVALID;
	}
	sa->sin_port = htons((uint16_t)port);
	return SF_OK;
}

static int open_access_log(const char *data, const char *v)
{
	if (!*v || strcmp(v, "off") == 0) return -1;
	if (strcmp(v, "-") == 0) return dup(STDOUT_FILENO);
	char path[4200];
	if (v[0] == '/') snprintf(path, sizeof path, "%s", v);
	else snprintf(path, sizeof path, "%s/%s", data, v);
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0) SF_LOG(SF_LOG_WARN, "http", "cannot open the access log path=%s err=\"%s\"", path, strerror(errno));
	return fd;
}

enum sf_err sf_http_start(struct sf_config *cfg, struct sf_http **out, struct sf_buf *err)
{
	if (!sf_auth_init()) {
		sf_errf(err, "libsodium cannot start");
		return SF_ERR_INTERNAL;
	}
	struct sf_http *h = sf_xcalloc(1, sizeof *h);
	enum sf_err rc;
	h->cfg = sf_config_ref(cfg);
	copy_limits(&h->lim, cfg);
	pthread_mutex_init(&h->write_lock, NULL);
	pthread_mutex_init(&h->cfg_lock, NULL);
	pthread_mutex_init(&h->tctx_lock, NULL);
	h->access_fd = -1;
	h->started_ms = sf_wall_ms();
	h->data_dir = sf_xstrdup(sf_config_str(cfg, "server.data"));
	int lvl = sf_log_parse_level(sf_config_str(cfg, "log.level"));
	if (lvl >= 0) sf_log_level = lvl;
	struct sockaddr_in sa;
	if ((rc = parse_listen(sf_config_str(cfg, "server.listen"), &sa, err))) goto fail;
	struct sf_engine_opts eo;
	sf_engine_opts_default(&eo);
	eo.quiet = true;
	if ((rc = sf_engine_open(h->data_dir, &eo, &h->engine, err))) goto fail;
	h->rl = sf_ratelimit_new();
	h->cache = sf_cache_new((size_t)sf_config_int(cfg, "search.cache_entries"));
	if ((rc = sf_audit_start(h, &h->audit, err))) goto fail;
	if ((rc = sf_jobs_start(h, &h->jobs, err))) goto fail;
	h->access_fd = open_access_log(h->data_dir, sf_config_str(cfg, "server.access_log"));

	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG |
			 MHD_USE_TURBO;
	const char *cert = sf_config_str(cfg, "server.tls_cert"), *key = sf_config_str(cfg, "server.tls_key");
	char *cert_pem = NULL, *key_pem = NULL;
	if (*cert || *key) {
		if (!*cert || !*key) {
			sf_errf(err, "TLS needs both server.tls_cert and server.tls_key");
			rc = SF_ERR_INVALID;
			goto fail;
		}
		cert_pem = read_file(cert, 1 << 20, err);
		key_pem = cert_pem ? read_file(key, 1 << 20, err) : NULL;
		if (!cert_pem || !key_pem) {
			free(cert_pem);
			rc = SF_ERR_IO;
			goto fail;
		}
		flags |= MHD_USE_TLS;
	}
	struct MHD_OptionItem tls_opts[] = {
		{ MHD_OPTION_HTTPS_MEM_CERT, 0, cert_pem },
		{ MHD_OPTION_HTTPS_MEM_KEY, 0, key_pem },
		{ MHD_OPTION_END, 0, NULL },
	};
	h->d = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, h, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)sf_config_int(cfg, "server.threads"),
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)sf_config_int(cfg, "server.connections"),
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)sf_config_int(cfg, "server.per_ip_connections"),
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)sf_config_int(cfg, "limits.idle_timeout"),
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)sf_config_int(cfg, "limits.header"),
		MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u, MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
		MHD_OPTION_ARRAY, cert_pem ? tls_opts : tls_opts + 2,
		MHD_OPTION_END);
	bool cert_pem_used = cert_pem != NULL;
	free(cert_pem);
	if (key_pem) {
		memset(key_pem, 0, strlen(key_pem));
		free(key_pem);
	}
	if (!h->d) {
		sf_errf(err, "cannot listen on %s (in use, or not allowed)", sf_config_str(cfg, "server.listen"));
		rc = SF_ERR_IO;
		goto fail;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	char host[64];
	inet_ntop(AF_INET, &sa.sin_addr, host, sizeof host);
	snprintf(h->address, sizeof h->address, "%s://%s:%u", cert_pem_used ? "https" : "http", host,
		 di ? (unsigned)di->port : ntohs(sa.sin_port));
	*out = h;
	return SF_OK;
fail:
	sf_http_stop(h, 0);
	return rc;
}

const char *sf_http_address(const struct sf_http *h) { return h->address; }

void sf_http_reload(struct sf_http *h, struct sf_config *cfg)
{
	size_t n;
	const struct sf_cfg_def *defs = sf_config_defs(cfg, &n);
	struct sf_config *old = sf_http_config(h);
	for (size_t i = 0; i < n; i++) {
		if (!defs[i].restart) continue;
		if (strcmp(sf_config_str(old, defs[i].key), sf_config_str(cfg, defs[i].key)) != 0)
			SF_LOG(SF_LOG_WARN, "http", "setting changed but needs a restart key=%s", defs[i].key);
	}
	sf_config_unref(old);
	pthread_mutex_lock(&h->cfg_lock);
	old = h->cfg;
	h->cfg = sf_config_ref(cfg);
	copy_limits(&h->lim, cfg);
	pthread_mutex_unlock(&h->cfg_lock);
	sf_config_unref(old);
	int lvl = sf_log_parse_level(sf_config_str(cfg, "log.level"));
	if (lvl >= 0) sf_log_level = lvl;
	else SF_LOG(SF_LOG_WARN, "http", "log.level '%s' unknown; kept", sf_config_str(cfg, "log.level"));
	/* The access log is opened again (after rotation, a reload writes to the new file); dup2
	 * swaps the descriptor in place, so a request writing meanwhile never sees a closed one. */
	int fd = open_access_log(h->data_dir, sf_config_str(cfg, "server.access_log"));
	if (fd >= 0 && h->access_fd >= 0) {
		if (dup2(fd, h->access_fd) < 0) SF_LOG(SF_LOG_WARN, "http", "cannot reopen the access log");
		close(fd);
	} else if (fd >= 0) {
		h->access_fd = fd;
	}
	struct sf_buf err = SF_BUF_INIT;
	pthread_mutex_lock(&h->write_lock);
	if (sf_engine_reload_synonyms(h->engine, &err) != SF_OK)
		SF_LOG(SF_LOG_WARN, "http", "synonyms not reloaded: %s", err.ptr);
	atomic_fetch_add(&h->gen, 1);
	pthread_mutex_unlock(&h->write_lock);
	sf_buf_release(&err);
	struct sf_audit_rec ev = { .actor = SF_STR("system"), .action = SF_STR("config.reload"),
				   .target = sf_str_c(sf_config_file(cfg) ? sf_config_file(cfg) : "") };
	sf_audit_log(h->audit, &ev, true);
	SF_LOG(SF_LOG_INFO, "http", "configuration reloaded file=%s", sf_config_file(cfg) ? sf_config_file(cfg) : "-");
}

void sf_http_stop(struct sf_http *h, int grace_ms)
{
	if (!h) return;
	atomic_store(&h->stopping, true);
	if (h->d) {
		/* Stop accepting; let requests in flight finish. */
		MHD_socket s = MHD_quiesce_daemon(h->d);
		if (s != MHD_INVALID_SOCKET) close(s);
		uint64_t t0 = sf_now_ns();
		while (atomic_load(&h->inflight) > 0 && (sf_now_ns() - t0) / 1000000 < (uint64_t)grace_ms) usleep(10000);
	}
	if (h->d) MHD_stop_daemon(h->d);
	pthread_mutex_lock(&h->tctx_lock);
	for (struct sf_tctx *t = h->tctxs, *next; t; t = next) {
		next = t->next;
		sf_engine_reader_close(t->rd);
		free(t->tcache);
		free(t);
	}
	h->tctxs = NULL;
	pthread_mutex_unlock(&h->tctx_lock);
	if (h->audit) sf_audit_stop(h->audit); /* flushed before a long job could end the process */
	if (h->jobs) sf_jobs_stop(h->jobs, grace_ms);
	if (h->engine) {
		struct sf_buf err = SF_BUF_INIT;
		if (sf_engine_sync(h->engine, NULL, &err) != SF_OK)
			SF_LOG(SF_LOG_ERROR, "http", "final index sync failed: %s", err.ptr);
		sf_buf_release(&err);
		sf_engine_close(h->engine);
	}
	sf_ratelimit_free(h->rl);
	sf_cache_free(h->cache);
	if (h->access_fd >= 0) close(h->access_fd);
	sf_config_unref(h->cfg);
	pthread_mutex_destroy(&h->write_lock);
	pthread_mutex_destroy(&h->cfg_lock);
	pthread_mutex_destroy(&h->tctx_lock);
	free(h->data_dir);
	free(h);
}

enum sf_err sf_http_sync(struct sf_http *h, struct sf_buf *err)
{
	pthread_mutex_lock(&h->write_lock);
	enum sf_err rc = sf_engine_sync(h->engine, NULL, err);
	atomic_fetch_add(&h->gen, 1); /* cached answers are from before: stale now */
	pthread_mutex_unlock(&h->write_lock);
	return rc;
}

/* ---- rate limits: token buckets in a fixed table ---- */

#define RL_SLOTS 4096
#define RL_STRIPES 16

struct rl_slot {
	uint64_t key;
	double tokens;
	uint64_t last_ns;
};

struct sf_ratelimit {
	pthread_mutex_t lock[RL_STRIPES];
	struct rl_slot slot[RL_SLOTS];
};

struct sf_ratelimit *sf_ratelimit_new(void)
{
	struct sf_ratelimit *rl = sf_xcalloc(1, sizeof *rl);
	for (int i = 0; i < RL_STRIPES; i++) pthread_mutex_init(&rl->lock[i], NULL);
	return rl;
}

void sf_ratelimit_free(struct sf_ratelimit *rl)
{
	if (!rl) return;
	for (int i = 0; i < RL_STRIPES; i++) pthread_mutex_destroy(&rl->lock[i]);
	free(rl);
}

bool sf_ratelimit_take(struct sf_ratelimit *rl, const char *key, double rate, double burst, int *retry_s)
{
	uint64_t k = sf_hash64(key, strlen(key), 0x726c) | 1;
	size_t i = (size_t)(k % RL_SLOTS);
	pthread_mutex_t *m = &rl->lock[i % RL_STRIPES];
	pthread_mutex_lock(m);
	/* read under the lock: a time older than the slot's would wrap the refill below */
	uint64_t now = sf_now_ns();
	struct rl_slot *s = &rl->slot[i];
	if (s->key != k) {
		/* A new key (or a collision, which gives the newcomer a full bucket: limits are per
		 * slot, approximate only under thousands of active keys). */
		s->key = k;
		s->tokens = burst;
		s->last_ns = now;
	}
	if (now > s->last_ns) s->tokens += (double)(now - s->last_ns) / 1e9 * rate;
	if (s->tokens > burst) s->tokens = burst;
	if (now > s->last_ns) s->last_ns = now;
	bool ok = s->tokens >= 1.0;
	if (ok) s->tokens -= 1.0;
	else if (retry_s) *retry_s = (int)((1.0 - s->tokens) / rate) + 1;
	pthread_mutex_unlock(m);
	return ok;
}

/* ---- the audit writer ---- */

struct audit_ev {
	int64_t ts_ms;
	char *actor, *action, *target, *detail, *ip, *request_id;
	uint64_t seq;
};

struct sf_audit {
	struct sf_http *h;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond, written;
	struct audit_ev *q;
	size_t n, cap;
	uint64_t next_seq, written_seq;
	bool stop, urgent;
	struct sf_store *st;
};

#define AUDIT_MAX_QUEUE 100000

/* Deletes events past audit.keep_days, at most once an hour. */
static void audit_prune(struct sf_audit *a, int64_t *last_ms)
{
	int64_t now = sf_wall_ms();
	if (now - *last_ms < 3600000) return;
	*last_ms = now;
	struct sf_config *cfg = sf_http_config(a->h);
	int64_t days = sf_config_int(cfg, "audit.keep_days");
	sf_config_unref(cfg);
	if (days <= 0) return;
	uint64_t n = 0;
	struct sf_buf err = SF_BUF_INIT;
	if (sf_store_audit_prune(a->st, now - days * 86400000, &n, &err) != SF_OK)
		SF_LOG(SF_LOG_WARN, "audit", "pruning failed: %s", err.ptr);
	else if (n)
		SF_LOG(SF_LOG_INFO, "audit", "old events deleted n=%llu keep_days=%lld", (unsigned long long)n, (long long)days);
	sf_buf_release(&err);
}

static void *audit_main(void *arg)
{
	struct sf_audit *a = arg;
	int64_t pruned_ms = 0;
	pthread_mutex_lock(&a->lock);
	for (;;) {
		if (!a->n && !a->stop) {
			pthread_mutex_unlock(&a->lock);
			audit_prune(a, &pruned_ms);
			pthread_mutex_lock(&a->lock);
		}
		while (!a->n && !a->stop) pthread_cond_wait(&a->cond, &a->lock);
		if (!a->n && a->stop) break;
		if (!a->urgent && !a->stop && a->n < 512) {
			/* gather a batch for up to 200 ms unless someone waits */
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 200000000;
			if (ts.tv_nsec >= 1000000000) ts.tv_sec++, ts.tv_nsec -= 1000000000;
			while (!a->urgent && !a->stop && a->n < 512)
				if (pthread_cond_timedwait(&a->cond, &a->lock, &ts) != 0) break;
		}
		struct audit_ev *batch = a->q;
		size_t n = a->n;
		a->q = NULL;
		a->n = a->cap = 0;
		a->urgent = false;
		pthread_mutex_unlock(&a->lock);
		struct sf_buf err = SF_BUF_INIT;
		struct sf_audit_rec *recs = sf_xcalloc(n ? n : 1, sizeof *recs);
		for (size_t i = 0; i < n; i++)
			recs[i] = (struct sf_audit_rec){ 0, batch[i].ts_ms, sf_str_c(batch[i].actor), sf_str_c(batch[i].action),
							 sf_str_c(batch[i].target), sf_str_c(batch[i].detail),
							 sf_str_c(batch[i].ip), sf_str_c(batch[i].request_id) };
		enum sf_err rc = n ? sf_store_audit_add_batch(a->st, recs, n, &err) : SF_OK;
		free(recs);
		if (rc) SF_LOG(SF_LOG_ERROR, "audit", "events lost n=%zu err=\"%s\"", n, err.ptr);
		sf_buf_release(&err);
		uint64_t last = n ? batch[n - 1].seq : 0;
		for (size_t i = 0; i < n; i++) {
			free(batch[i].actor);
			free(batch[i].action);
			free(batch[i].target);
			free(batch[i].detail);
			free(batch[i].ip);
			free(batch[i].request_id);
		}
		free(batch);
		pthread_mutex_lock(&a->lock);
		if (last > a->written_seq) a->written_seq = last;
		pthread_cond_broadcast(&a->written);
	}
	pthread_mutex_unlock(&a->lock);
	return NULL;
}

enum sf_err sf_audit_start(struct sf_http *h, struct sf_audit **out, struct sf_buf *err)
{
	struct sf_audit *a = sf_xcalloc(1, sizeof *a);
	a->h = h;
	char path[4200];
	snprintf(path, sizeof path, "%s/sufler.db", h->data_dir);
	enum sf_err rc = sf_store_open(path, &a->st, err);
	if (rc) {
		free(a);
		return rc;
	}
	sf_store_writer_mode(a->st);
	pthread_mutex_init(&a->lock, NULL);
	pthread_cond_init(&a->cond, NULL);
	pthread_cond_init(&a->written, NULL);
	if (pthread_create(&a->thread, NULL, audit_main, a) != 0) {
		sf_store_close(a->st);
		free(a);
		sf_errf(err, "cannot start the audit thread");
		return SF_ERR_INTERNAL;
	}
	*out = a;
	return SF_OK;
}

void sf_audit_stop(struct sf_audit *a)
{
	pthread_mutex_lock(&a->lock);
	a->stop = true;
	pthread_cond_broadcast(&a->cond);
	pthread_mutex_unlock(&a->lock);
	pthread_join(a->thread, NULL);
	sf_store_close(a->st);
	pthread_mutex_destroy(&a->lock);
	pthread_cond_destroy(&a->cond);
	pthread_cond_destroy(&a->written);
	free(a);
}

static char *dup_slice(struct sf_str s, size_t max)
{
	return sf_xstrndup(s.ptr ? s.ptr : "", s.len < max ? s.len : max);
}

void sf_audit_log(struct sf_audit *a, const struct sf_audit_rec *ev, bool wait)
{
	if (!a) return;
	pthread_mutex_lock(&a->lock);
	if (a->n >= AUDIT_MAX_QUEUE) {
		pthread_mutex_unlock(&a->lock);
		sf_metrics_error("audit_dropped");
		return;
	}
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 64;
		a->q = sf_xreallocarray(a->q, a->cap, sizeof *a->q);
	}
	struct audit_ev *e = &a->q[a->n++];
	e->ts_ms = ev->ts_ms ? ev->ts_ms : sf_wall_ms();
	e->actor = dup_slice(ev->actor, 128);
	e->action = dup_slice(ev->action, 64);
	e->target = dup_slice(ev->target, 512);
	e->detail = dup_slice(ev->detail, 2048);
	e->ip = dup_slice(ev->ip, 64);
	e->request_id = dup_slice(ev->request_id, 72);
	e->seq = ++a->next_seq;
	uint64_t mine = e->seq;
	if (wait) a->urgent = true;
	/* The writer gathers for up to 200 ms: wake it for the first event of a batch, when someone
	 * waits, or when the batch is full; not for every event (a search each is thousands a second). */
	if (wait || a->n == 1 || a->n >= 512) pthread_cond_signal(&a->cond);
	while (wait && a->written_seq < mine && !a->stop) pthread_cond_wait(&a->written, &a->lock);
	pthread_mutex_unlock(&a->lock);
}
