/*
 * net/net.c: the HTTP client (see net.h): libcurl easy handles, retries with backoff and jitter,
 * rate-limit headers honoured.
 */
#include "net/net.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "base/mem.h"
#include "base/time.h"
#include "base/version.h"

struct sf_net {
	struct sf_net_opts o;
	CURL *curl;
	uint64_t rng;
	int64_t not_before_ms;   /* the window is used up until then (X-RateLimit-Remaining: 0) */
	struct sf_net_stats stats;
	char ua[64];
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc;
static void global_init(void)
{
	global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

void sf_net_opts_default(struct sf_net_opts *o)
{
	*o = (struct sf_net_opts){ .connect_timeout_ms = 10000, .timeout_ms = 60000, .attempts = 5,
				   .backoff_base_ms = 500, .backoff_max_ms = 30000, .max_wait_ms = 120000,
				   .max_body = 64u << 20 };
}

enum sf_err sf_net_new(const struct sf_net_opts *o, struct sf_net **out, struct sf_buf *err)
{
	pthread_once(&global_once, global_init);
	if (global_rc != CURLE_OK) {
		sf_errf(err, "libcurl: %s", curl_easy_strerror(global_rc));
		return SF_ERR_INTERNAL;
	}
	struct sf_net *n = sf_xcalloc(1, sizeof *n);
	if (o) n->o = *o;
	else sf_net_opts_default(&n->o);
	struct sf_net_opts d;
	sf_net_opts_default(&d);
	if (n->o.connect_timeout_ms <= 0) n->o.connect_timeout_ms = d.connect_timeout_ms;
	if (n->o.timeout_ms <= 0) n->o.timeout_ms = d.timeout_ms;
	if (n->o.attempts <= 0) n->o.attempts = d.attempts;
	if (n->o.backoff_base_ms <= 0) n->o.backoff_base_ms = d.backoff_base_ms;
	if (n->o.backoff_max_ms <= 0) n->o.backoff_max_ms = d.backoff_max_ms;
	if (n->o.max_wait_ms <= 0) n->o.max_wait_ms = d.max_wait_ms;
	if (n->o.max_body == 0) n->o.max_body = d.max_body;
	n->rng = n->o.seed ? n->o.seed : sf_now_ns() ^ (uint64_t)getpid() << 32;
	snprintf(n->ua, sizeof n->ua, "sufler/%s", SUFLER_VERSION_STRING);
	n->curl = curl_easy_init();
	if (!n->curl) {
		free(n);
		sf_errf(err, "libcurl: cannot make a handle");
		return SF_ERR_NOMEM;
	}
	*out = n;
	return SF_OK;
}

void sf_net_free(struct sf_net *n)
{
	if (!n) return;
	curl_easy_cleanup(n->curl);
	free(n);
}

void sf_net_stats(const struct sf_net *n, struct sf_net_stats *out)
{
	*out = n->stats;
}

void sf_net_resp_init(struct sf_net_resp *r)
{
	*r = (struct sf_net_resp){ .body = SF_BUF_INIT, .retry_after_s = -1, .rl_remaining = -1, .rl_reset_s = -1 };
}

void sf_net_resp_release(struct sf_net_resp *r)
{
	sf_buf_release(&r->body);
}

static uint64_t rnd(struct sf_net *n)
{
	/* xorshift64*: jitter only, no secrets */
	n->rng ^= n->rng >> 12;
	n->rng ^= n->rng << 25;
	n->rng ^= n->rng >> 27;
	return n->rng * 0x2545F4914F6CDD1DULL;
}

long sf_net_backoff_ms(struct sf_net *n, int attempt)
{
	long cap = n->o.backoff_base_ms;
	for (int i = 1; i < attempt && cap < n->o.backoff_max_ms; i++) cap *= 2;
	if (cap > n->o.backoff_max_ms) cap = n->o.backoff_max_ms;
	return (long)(rnd(n) % (uint64_t)(cap + 1));
}

static void wait_ms(struct sf_net *n, long ms)
{
	if (ms <= 0) return;
	n->stats.waited_ms += (uint64_t)ms;
	if (n->o.sleep_ms) {
		n->o.sleep_ms(n->o.sleep_ctx, ms);
		return;
	}
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}

/* ---- one attempt ---- */

struct sink {
	struct sf_net_resp *resp;
	FILE *file;
	size_t max;
	bool over;
};

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
	struct sink *s = ud;
	size_t n = size * nmemb;
	s->resp->bytes += (int64_t)n;
	if (s->file) return fwrite(p, 1, n, s->file);
	if (s->resp->body.len + n > s->max || sf_buf_add(&s->resp->body, p, n) != SF_OK) {
		s->over = true;
		return 0;
	}
	return n;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* Content-Disposition's file name: filename*=UTF-8''percent-encoded wins over filename="...". */
static void disposition(const char *v, size_t n, char *out, size_t cap)
{
	const char *star = NULL, *plain = NULL;
	for (size_t i = 0; i + 9 <= n; i++) {
		if (strncasecmp(v + i, "filename*", 9) == 0) star = v + i + 9;
		else if (strncasecmp(v + i, "filename=", 9) == 0 && !plain) plain = v + i + 9;
	}
	const char *end = v + n;
	size_t o = 0;
	if (star) {
		while (star < end && (*star == ' ' || *star == '=')) star++;
		const char *q = memchr(star, '\'', (size_t)(end - star));
		if (q) q = memchr(q + 1, '\'', (size_t)(end - q - 1));
		if (q) {
			for (const char *p = q + 1; p < end && *p != ';' && *p != '\r' && *p != '\n' && o + 1 < cap; p++) {
				if (*p == '%' && p + 2 < end && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
					out[o++] = (char)(hexval(p[1]) * 16 + hexval(p[2]));
					p += 2;
				} else {
					out[o++] = *p;
				}
			}
			out[o] = 0;
			if (o) return;
		}
	}
	if (plain) {
		bool quoted = *plain == '"';
		if (quoted) plain++;
		for (const char *p = plain; p < end && o + 1 < cap; p++) {
			if (quoted ? *p == '"' : (*p == ';' || *p == '\r' || *p == '\n')) break;
			out[o++] = *p;
		}
	}
	out[o] = 0;
}

static long header_long(const char *v, size_t n)
{
	char tmp[32];
	if (n >= sizeof tmp) n = sizeof tmp - 1;
	memcpy(tmp, v, n);
	tmp[n] = 0;
	char *e;
	long x = strtol(tmp, &e, 10);
	if (e == tmp || x < 0) return -1;
	return x;
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *ud)
{
	struct sf_net_resp *r = ud;
	size_t n = size * nmemb;
	const char *colon = memchr(p, ':', n);
	if (!colon) {
		/* a new status line (after a redirect or 100-continue): forget the earlier headers */
		if (n > 5 && strncmp(p, "HTTP/", 5) == 0) {
			r->content_type[0] = r->filename[0] = 0;
			r->retry_after_s = r->rl_remaining = r->rl_reset_s = -1;
		}
		return n;
	}
	size_t klen = (size_t)(colon - p);
	const char *v = colon + 1;
	size_t vlen = n - klen - 1;
	while (vlen && (*v == ' ' || *v == '\t')) v++, vlen--;
	while (vlen && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' || v[vlen - 1] == ' ')) vlen--;
#define IS(name) (klen == sizeof(name) - 1 && strncasecmp(p, name, klen) == 0)
	if (IS("Content-Type")) snprintf(r->content_type, sizeof r->content_type, "%.*s", (int)vlen, v);
	else if (IS("Content-Disposition")) disposition(v, vlen, r->filename, sizeof r->filename);
	else if (IS("Retry-After")) r->retry_after_s = header_long(v, vlen);
	else if (IS("X-RateLimit-Remaining")) r->rl_remaining = header_long(v, vlen);
	else if (IS("X-RateLimit-Reset")) r->rl_reset_s = header_long(v, vlen);
#undef IS
	return n;
}

/* The URL without its query string, for messages. */
static void url_for_msg(const char *url, char *out, size_t cap)
{
	size_t n = strcspn(url, "?#");
	snprintf(out, cap, "%.*s", (int)(n < 200 ? n : 200), url);
}

static CURLcode attempt(struct sf_net *n, const struct sf_net_req *r, struct sf_net_resp *out,
			struct curl_slist *hdrs, FILE *file, bool *over)
{
	CURL *c = n->curl;
	curl_easy_reset(c);
	sf_buf_reset(&out->body);
	out->status = 0;
	out->bytes = 0;
	out->content_type[0] = out->filename[0] = 0;
	out->retry_after_s = out->rl_remaining = out->rl_reset_s = -1;
	struct sink s = { out, file, n->o.max_body, false };
	const char *m = r->method ? r->method : "GET";
	curl_easy_setopt(c, CURLOPT_URL, r->url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, n->o.connect_timeout_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, n->o.timeout_ms);
	curl_easy_setopt(c, CURLOPT_USERAGENT, n->o.user_agent ? n->o.user_agent : n->ua);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, out);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	if (n->o.ca_file && *n->o.ca_file) curl_easy_setopt(c, CURLOPT_CAINFO, n->o.ca_file);
	if (strcmp(m, "GET") == 0) {
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	} else {
		if (strcmp(m, "POST") != 0) curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, m);
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, r->body ? r->body : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(r->body ? r->body_len : 0));
	}
	CURLcode rc = curl_easy_perform(c);
	long st = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st);
	out->status = rc == CURLE_OK ? st : 0;
	*over = s.over;
	return rc;
}

enum sf_err sf_net_do(struct sf_net *n, const struct sf_net_req *r, struct sf_net_resp *out,
		      struct sf_buf *err)
{
	char where[256];
	url_for_msg(r->url, where, sizeof where);
	struct curl_slist *hdrs = NULL;
	for (size_t i = 0; i < r->nheaders; i++) {
		struct curl_slist *h2 = curl_slist_append(hdrs, r->headers[i]);
		if (!h2) {
			curl_slist_free_all(hdrs);
			sf_errf(err, "%s: out of memory", where);
			return SF_ERR_NOMEM;
		}
		hdrs = h2;
	}
	/* no "Expect: 100-continue" round trip for bodies */
	struct curl_slist *h2 = curl_slist_append(hdrs, "Expect:");
	if (h2) hdrs = h2;
	const char *m = r->method ? r->method : "GET";
	bool idem = r->idempotent || strcmp(m, "GET") == 0;
	int tries = r->attempts > 0 ? r->attempts : n->o.attempts;
	char tmp[4200] = "";
	n->stats.requests++;
	enum sf_err rc = SF_ERR_IO;
	for (int a = 1; a <= tries; a++) {
		int64_t now = sf_wall_ms();
		if (n->not_before_ms > now) {
			long w = (long)(n->not_before_ms - now);
			wait_ms(n, w < n->o.max_wait_ms ? w : n->o.max_wait_ms);
		}
		n->not_before_ms = 0;
		FILE *file = NULL;
		if (r->save_to) {
			snprintf(tmp, sizeof tmp, "%s.part", r->save_to);
			file = fopen(tmp, "wb");
			if (!file) {
				sf_errf(err, "%s: %s", tmp, strerror(errno));
				rc = SF_ERR_IO;
				break;
			}
		}
		bool over = false;
		n->stats.attempts++;
		out->attempts = a;
		CURLcode cc = attempt(n, r, out, hdrs, file, &over);
		if (file && fclose(file) != 0 && cc == CURLE_OK) cc = CURLE_WRITE_ERROR;
		if (over) {
			sf_errf(err, "%s: answer larger than %zu bytes", where, n->o.max_body);
			rc = SF_ERR_LIMIT;
			break;
		}
		long retry_wait = -1;
		bool retry = false;
		if (cc != CURLE_OK) {
			n->stats.transport_errors++;
			sf_errf(err, "%s %s: %s", m, where, curl_easy_strerror(cc));
			rc = SF_ERR_IO;
			/* a request that may have reached the server is sent again only when idempotent;
			 * one that could not connect never reached it */
			retry = idem || cc == CURLE_COULDNT_CONNECT || cc == CURLE_COULDNT_RESOLVE_HOST;
		} else {
			rc = SF_OK;
			if (out->rl_remaining == 0 && out->rl_reset_s >= 0)
				n->not_before_ms = sf_wall_ms() + out->rl_reset_s * 1000;
			if (out->status == 429) {
				n->stats.rate_limited++;
				retry = true; /* refused: nothing was done */
				retry_wait = out->retry_after_s >= 0 ? out->retry_after_s * 1000
					     : out->rl_reset_s >= 0 ? out->rl_reset_s * 1000 : -1;
			} else if (out->status >= 500) {
				retry = idem;
				if (out->status == 503 && out->retry_after_s >= 0) retry_wait = out->retry_after_s * 1000;
			}
		}
		if (!retry || a == tries) {
			if (rc == SF_OK && r->save_to) {
				if (out->status >= 200 && out->status < 300) {
					if (rename(tmp, r->save_to) != 0) {
						sf_errf(err, "%s: %s", r->save_to, strerror(errno));
						rc = SF_ERR_IO;
					}
				} else {
					unlink(tmp);
				}
			} else if (r->save_to) {
				unlink(tmp);
			}
			break;
		}
		if (r->save_to) unlink(tmp);
		n->stats.retries++;
		long w = sf_net_backoff_ms(n, a);
		if (retry_wait >= 0) w = retry_wait + (long)(rnd(n) % 250); /* the server's wait, a little spread */
		if (w > n->o.max_wait_ms) w = n->o.max_wait_ms;
		wait_ms(n, w);
		n->not_before_ms = 0;
	}
	curl_slist_free_all(hdrs);
	return rc;
}
