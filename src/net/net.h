/*
 * net/net.h: the HTTP client every connector and LLM provider uses (libcurl).
 *
 * Layer: net (uses base, libcurl). One struct sf_net is one libcurl handle with its connection
 * cache: use it from one thread at a time. A request is retried when retrying is safe: a
 * transport failure (connect, timeout, reset) or a 5xx on an idempotent request (GET, or a
 * request the caller marks idempotent), and any 429, whose answer was not acted on. Waits
 * between attempts grow exponentially with full jitter, up to backoff_max_ms; a 429 or 503
 * waits what the server asks (Retry-After, X-RateLimit-Reset), at most max_wait_ms. When an
 * answer says no requests are left in the window (X-RateLimit-Remaining: 0), the next request
 * waits for the reset first instead of being refused.
 *
 * Secrets: header values are never logged or copied into error messages; URLs in messages lose
 * their query string.
 */
#ifndef SF_NET_NET_H
#define SF_NET_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/str.h"

struct sf_net_opts {
	long connect_timeout_ms; /* default 10,000 */
	long timeout_ms;         /* whole request, default 60,000 */
	int attempts;            /* tries per request, default 5 */
	long backoff_base_ms;    /* first retry waits up to this, default 500 */
	long backoff_max_ms;     /* a retry waits at most this, default 30,000 */
	long max_wait_ms;        /* longest wait a server may ask for, default 120,000 */
	size_t max_body;         /* largest answer kept, default 64 MiB (SF_ERR_LIMIT past it) */
	const char *ca_file;     /* CA bundle (PEM), NULL: the system's */
	const char *user_agent;  /* default "sufler/VERSION" */
	uint64_t seed;           /* jitter's random seed (0: from the clock) */
	/* sleeps ms milliseconds (tests pass a recorder; NULL: nanosleep) */
	void (*sleep_ms)(void *ctx, long ms);
	void *sleep_ctx;
};
void sf_net_opts_default(struct sf_net_opts *o);

struct sf_net;
enum sf_err sf_net_new(const struct sf_net_opts *o, struct sf_net **out, struct sf_buf *err) SF_WUR;
void sf_net_free(struct sf_net *n);

struct sf_net_req {
	const char *method;      /* "GET" (default), "POST", "PUT", "DELETE" */
	const char *url;
	const char *const *headers; /* "Name: value" lines */
	size_t nheaders;
	const char *body;
	size_t body_len;
	bool idempotent;         /* a non-GET that may be sent twice (a 5xx is retried) */
	int attempts;            /* 0: the client's setting */
	const char *save_to;     /* write the answer's body to this file instead of memory (no limit
				    but the disk; replaced atomically on success) */
};

struct sf_net_resp {
	long status;             /* 0 when no answer came */
	struct sf_buf body;      /* empty with save_to */
	char content_type[128];
	char filename[256];      /* from Content-Disposition (filename*= preferred), may be empty */
	long retry_after_s;      /* -1 when absent */
	long rl_remaining;       /* X-RateLimit-Remaining, -1 when absent */
	long rl_reset_s;         /* X-RateLimit-Reset, -1 when absent */
	int attempts;            /* tries made */
	int64_t bytes;           /* body bytes received */
};
void sf_net_resp_init(struct sf_net_resp *r);
void sf_net_resp_release(struct sf_net_resp *r);

/*
 * Sends r, retrying as above. SF_OK when an answer came (any status: the caller reads
 * out->status; the last answer when retries ran out). SF_ERR_IO when no answer came after the
 * last attempt (err: why, e.g. "connect to 127.0.0.1:9: Connection refused"), SF_ERR_LIMIT for
 * an answer over max_body.
 */
enum sf_err sf_net_do(struct sf_net *n, const struct sf_net_req *r, struct sf_net_resp *out,
		      struct sf_buf *err) SF_WUR;

/* Statistics of this client since it was made. */
struct sf_net_stats {
	uint64_t requests, attempts, retries, rate_limited, waited_ms, transport_errors;
};
void sf_net_stats(const struct sf_net *n, struct sf_net_stats *out);

/* The wait before retry number attempt (1-based) with full jitter: uniform in [0, min(max,
 * base * 2^(attempt-1))]. Exposed for tests. */
long sf_net_backoff_ms(struct sf_net *n, int attempt);

#endif
