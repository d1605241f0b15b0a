/*
 * http/http_int.h: what the files of the http module share; nothing outside src/http includes it.
 *
 * server.c: libmicrohttpd, the request lifecycle, limits, errors, logs; routes.c: the route
 * table and the access rules; api.c and admin.c: the handlers; jobs.c: the upload queue and its
 * worker; metrics.c: counters and histograms; settings.c: the settings table.
 */
#ifndef SF_HTTP_HTTP_INT_H
#define SF_HTTP_HTTP_INT_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/config.h"
#include "base/jw.h"
#include "base/str.h"
#include "engine/engine.h"
#include "http/auth.h"
#include "http/http.h"

enum sf_method { M_GET = 1, M_POST = 2, M_PUT = 4, M_PATCH = 8, M_DELETE = 16, M_HEAD = 32, M_OTHER = 64 };

/* Error codes of the API and their statuses: the one table (server.c). */
enum sf_api_err {
	E_INVALID,      /* 400 invalid_request */
	E_UNAUTHORIZED, /* 401 */
	E_FORBIDDEN,    /* 403 */
	E_NOTFOUND,     /* 404 */
	E_METHOD,       /* 405 */
	E_CONFLICT,     /* 409 */
	E_TOO_LARGE,    /* 413 */
	E_MEDIA,        /* 415 */
	E_RATE,         /* 429 */
	E_INTERNAL,     /* 500 */
	E_UNAVAILABLE,  /* 503 */
	E_TIMEOUT,      /* 503 timeout */
	E__COUNT
};

struct sf_req;
struct sf_http;
typedef void (*sf_handler)(struct sf_req *r);

enum body_kind { BODY_NONE, BODY_JSON, BODY_UPLOAD };

struct sf_route {
	const char *pattern;    /* "/api/v1/documents/{}": {} matches one segment */
	unsigned methods;       /* M_* of the handlers below */
	sf_handler get, post, patch, del;
	enum sf_role role;      /* least role (SF_ROLE_NONE: no authentication) */
	unsigned scope;         /* scope a token needs (0: any) */
	enum body_kind body;    /* what POST/PATCH take */
	const char *name;       /* route label in metrics and logs */
	enum sf_role write_role; /* POST, PATCH, DELETE: least role when set (else role) */
	unsigned write_scope;   /* POST, PATCH, DELETE: scope when set (else scope) */
};

/* Settings copied out of the config when it is loaded or reloaded (hot paths read these). */
struct sf_limits {
	size_t body_bytes, upload_bytes;
	double token_rps, token_burst, ip_rps, ip_burst, login_per_min;
	bool metrics_public;
	int64_t session_ms;
	bool cookie_secure;
	size_t queue_jobs;
	int request_ms;
	char trusted[512];      /* server.trusted_proxies: "a, b" */
};

/* Per-thread resources of the server's threads (created on first use). */
struct tcache_entry;
struct sf_tctx {
	struct sf_engine_reader *rd;
	struct tcache_entry *tcache;  /* token verdicts (server.c) */
	struct sf_tctx *next;
};

struct upload;

struct sf_req {
	struct sf_http *h;
	struct MHD_Connection *conn;
	const struct sf_route *route;
	enum sf_method method;
	const char *path;             /* the URL path (borrowed from MHD for the request) */
	char id[72];
	char ip[64];
	char param[256];              /* the {} segment, URL-decoded */
	uint64_t t0;
	struct sf_principal who;
	bool authed;                  /* authentication ran */
	struct sf_buf body;           /* JSON bodies */
	bool too_large;
	struct upload *up;            /* multipart uploads (jobs.c) */
	bool done;                    /* the answer is decided (queued, or deferred) */
	bool first;                   /* inside the first call (headers only) */
	bool deferred;                /* decided on the first call, to be queued on the last */
	unsigned status;
	struct sf_buf out;            /* the response body */
	const char *ctype;
	char hdr_extra[4][512];       /* extra response headers "Name: value" */
	int nhdr;
	struct sf_tctx *t;
	const char *audit_target;
};

struct sf_http {
	struct MHD_Daemon *d;
	struct sf_engine *engine;
	pthread_mutex_t write_lock;   /* engine-level writes: sync, reload of synonyms */
	pthread_mutex_t cfg_lock;
	struct sf_config *cfg;
	struct sf_limits lim;
	char *data_dir;
	char address[128];
	int64_t started_ms;
	atomic_int inflight;
	atomic_bool stopping;
	int access_fd;                /* -1: no access log */
	pthread_mutex_t tctx_lock;
	struct sf_tctx *tctxs;
	struct sf_jobs *jobs;
	struct sf_audit *audit;
	struct sf_ratelimit *rl;
	struct sf_cache *cache;       /* search answers; NULL when search.cache_entries is 0 */
	atomic_uint_fast64_t gen;     /* index generation: bumped after every sync and reload */
};

/* ---- server.c ---- */
/* The thread's engine reader (created on first use); NULL when the store cannot be opened. */
struct sf_tctx *sf_http_tctx(struct sf_http *h);
/* Queues a JSON response: the body in r->out (already written). */
void sf_reply(struct sf_req *r, unsigned status);
/* The error shape with its status from the table; message is for people. */
void sf_reply_err(struct sf_req *r, enum sf_api_err e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* An error from a lower layer, mapped through the table (sf_err -> api error). */
void sf_reply_sferr(struct sf_req *r, enum sf_err rc, const char *what, const struct sf_buf *detail);
/* A JSON writer on r->out. */
void sf_req_jw(struct sf_req *r, struct sf_jw *w);
/* A query parameter (URL-decoded by MHD) or NULL. */
const char *sf_req_arg(struct sf_req *r, const char *name);
/* An integer parameter in [min, max] or def when absent; false (and a 400 sent) when bad. */
bool sf_req_int(struct sf_req *r, const char *name, int64_t min, int64_t max, int64_t def, int64_t *out);
const char *sf_req_header(struct sf_req *r, const char *name);
void sf_req_add_header(struct sf_req *r, const char *name, const char *value);
/* The parsed JSON object body, or NULL (and a 400 sent). Caller json_decref's. */
struct json_t *sf_req_json(struct sf_req *r);
/* A string member of the JSON object o into *out (NULL when absent and not required); false,
 * with a 400 sent, when missing but required, of another type, or longer than max bytes. */
bool sf_req_jstr(struct sf_req *r, struct json_t *o, const char *key, size_t max, bool required, const char **out);
/* Writes an audit event as the request's principal. */
void sf_req_audit(struct sf_req *r, const char *action, const char *target, const char *detail, bool wait);
/* The current config (a reference: sf_config_unref it). */
struct sf_config *sf_http_config(struct sf_http *h);

/* ---- routes.c ---- */
extern const struct sf_route sf_routes[];
extern const size_t sf_nroutes;
/* The route of path (its {} segment into param); NULL when none. */
const struct sf_route *sf_route_find(const char *path, char *param, size_t cap);

/* ---- api.c, admin.c: handlers ---- */
void api_healthz(struct sf_req *r);
void api_readyz(struct sf_req *r);
void api_metrics(struct sf_req *r);
void api_login(struct sf_req *r);
void api_logout(struct sf_req *r);
void api_me(struct sf_req *r);
void api_password(struct sf_req *r);
void api_search(struct sf_req *r);
void api_docs_list(struct sf_req *r);
void api_docs_upload(struct sf_req *r);
void api_doc_get(struct sf_req *r);
void api_doc_delete(struct sf_req *r);
void api_jobs_list(struct sf_req *r);
void api_job_get(struct sf_req *r);
void api_sources(struct sf_req *r);
void api_source_runs(struct sf_req *r);
void admin_users(struct sf_req *r);
void admin_user_add(struct sf_req *r);
void admin_user_patch(struct sf_req *r);
void admin_tokens(struct sf_req *r);
void admin_token_add(struct sf_req *r);
void admin_token_del(struct sf_req *r);
void admin_audit(struct sf_req *r);
void admin_system(struct sf_req *r);
void admin_config(struct sf_req *r);

/* ---- jobs.c ---- */
struct sf_jobs;
enum sf_err sf_jobs_start(struct sf_http *h, struct sf_jobs **out, struct sf_buf *err) SF_WUR;
/* Stops the worker; a job still running after grace_ms ends the process (exit status 3) and is
 * queued again at the next start. */
void sf_jobs_stop(struct sf_jobs *j, int grace_ms);
/* Wakes the worker: a job was queued. */
void sf_jobs_kick(struct sf_jobs *j);
/* Multipart upload of one request: begin (route known, before the body), feed, finish. */
bool sf_upload_begin(struct sf_req *r);
bool sf_upload_feed(struct sf_req *r, const char *data, size_t n);
void sf_upload_finish(struct sf_req *r);
void sf_upload_abort(struct sf_req *r);
/* A job record as JSON (into w). */
void sf_job_json(struct sf_jw *w, const struct sf_job_rec *j);
/* Serializes writes through the engine (index sync after deletes and jobs). */
enum sf_err sf_http_sync(struct sf_http *h, struct sf_buf *err) SF_WUR;

/* ---- audit (server.c) ---- */
struct sf_audit;
enum sf_err sf_audit_start(struct sf_http *h, struct sf_audit **out, struct sf_buf *err) SF_WUR;
void sf_audit_stop(struct sf_audit *a);
/* Queues an event; wait: return only once it is in the store. */
void sf_audit_log(struct sf_audit *a, const struct sf_audit_rec *ev, bool wait);

/* ---- ratelimit (server.c) ---- */
struct sf_ratelimit;
struct sf_ratelimit *sf_ratelimit_new(void);
void sf_ratelimit_free(struct sf_ratelimit *rl);
/* Takes one from key's bucket (rate per second, burst); false and *retry_s when empty. */
bool sf_ratelimit_take(struct sf_ratelimit *rl, const char *key, double rate, double burst, int *retry_s);

/* ---- cache.c: answers of recent searches (NULL cache: off) ---- */
struct sf_cache;
struct sf_cache *sf_cache_new(size_t entries);
void sf_cache_free(struct sf_cache *c);
/* Appends the cached value of key for generation gen to out; false on a miss. Thread-safe. */
bool sf_cache_get(struct sf_cache *c, const char *key, size_t klen, uint64_t gen, struct sf_buf *out);
void sf_cache_put(struct sf_cache *c, const char *key, size_t klen, uint64_t gen, const char *val, size_t vlen);
void sf_cache_stats(struct sf_cache *c, uint64_t *hits, uint64_t *misses);

/* ---- metrics.c ---- */
void sf_metrics_request(size_t route, unsigned status, double ms);
void sf_metrics_search(double ms);
void sf_metrics_error(const char *kind);
void sf_metrics_job(const char *outcome);
/* This process's resident memory and open descriptors (from /proc). */
long sf_proc_rss_bytes(void);
long sf_proc_open_fds(void);
/* The Prometheus text of everything, plus the gauges of h. */
void sf_metrics_render(struct sf_http *h, struct sf_buf *out);

#endif
