/*
 * http/metrics.c: counters and latency histograms in the Prometheus text format (version 0.0.4).
 *
 * Everything is a relaxed atomic in fixed arrays indexed by route and status, so recording a
 * request costs a few atomic adds and no lock. Statuses are the handful the API uses; others
 * are counted as "other".
 */
#include <dirent.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "http/http_int.h"
#include "index/index.h"

#define MAX_ROUTES 40

static const unsigned statuses[] = { 0, 200, 201, 202, 204, 400, 401, 403, 404, 405, 409, 413, 415, 429, 500, 503 };
#define NSTATUS (sizeof statuses / sizeof statuses[0] + 1) /* + other */

static const double bounds_ms[] = { 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 10000 };
#define NB (sizeof bounds_ms / sizeof bounds_ms[0])

/* status classes of the histograms: 2xx, 4xx, 5xx, other */
#define NCLASS 4

struct hist {
	atomic_uint_fast64_t b[NB + 1];
	atomic_uint_fast64_t count;
	atomic_uint_fast64_t sum_us;
};

static atomic_uint_fast64_t req_count[MAX_ROUTES + 1][NSTATUS];
static struct hist req_hist[MAX_ROUTES + 1][NCLASS];
static struct hist search_hist;

static const char *const error_kinds[] = { "internal", "unavailable", "timeout", "audit_dropped", "job_failed",
					   "store", "other" };
#define NERR (sizeof error_kinds / sizeof error_kinds[0])
static atomic_uint_fast64_t errors[NERR];

static const char *const job_outcomes[] = { "queued", "done", "failed" };
static atomic_uint_fast64_t jobs[3];

static void observe(struct hist *h, double ms)
{
	size_t i = 0;
	while (i < NB && ms > bounds_ms[i]) i++;
	atomic_fetch_add_explicit(&h->b[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->count, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->sum_us, (uint64_t)(ms * 1000), memory_order_relaxed);
}

void sf_metrics_request(size_t route, unsigned status, double ms)
{
	if (route > MAX_ROUTES) route = MAX_ROUTES;
	size_t s = NSTATUS - 1;
	for (size_t i = 0; i < NSTATUS - 1; i++)
		if (statuses[i] == status) s = i;
	atomic_fetch_add_explicit(&req_count[route][s], 1, memory_order_relaxed);
	size_t c = status >= 200 && status < 300 ? 0 : status >= 400 && status < 500 ? 1 : status >= 500 ? 2 : 3;
	observe(&req_hist[route][c], ms);
}

void sf_metrics_search(double ms) { observe(&search_hist, ms); }

void sf_metrics_error(const char *kind)
{
	size_t i = 0;
	while (i < NERR - 1 && strcmp(error_kinds[i], kind) != 0) i++;
	atomic_fetch_add_explicit(&errors[i], 1, memory_order_relaxed);
}

void sf_metrics_job(const char *outcome)
{
	for (size_t i = 0; i < 3; i++)
		if (strcmp(job_outcomes[i], outcome) == 0) atomic_fetch_add_explicit(&jobs[i], 1, memory_order_relaxed);
}

static void add(struct sf_buf *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct sf_buf *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (sf_buf_vaddf(o, fmt, ap) != SF_OK) { /* the buffer has no limit that metrics reach */
	}
	va_end(ap);
}

static void hist_lines(struct sf_buf *o, const char *name, const char *labels, struct hist *h)
{
	uint64_t cum = 0;
	for (size_t i = 0; i <= NB; i++) {
		cum += atomic_load_explicit(&h->b[i], memory_order_relaxed);
		if (i < NB) add(o, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, labels, *labels ? "," : "", bounds_ms[i] / 1000,
				(unsigned long long)cum);
		else add(o, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels, *labels ? "," : "", (unsigned long long)cum);
	}
	add(o, "%s_sum{%s} %.6f\n", name, labels, (double)atomic_load(&h->sum_us) / 1e6);
	add(o, "%s_count{%s} %llu\n", name, labels, (unsigned long long)atomic_load(&h->count));
}

long sf_proc_rss_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long pages = 0, rss = 0;
	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &rss) != 2) rss = 0;
		fclose(f);
	}
	return rss * sysconf(_SC_PAGESIZE);
}

long sf_proc_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	long n = 0;
	if (!d) return -1;
	while (readdir(d)) n++;
	closedir(d);
	return n - 3; /* ".", ".." and the directory's own descriptor */
}

void sf_metrics_render(struct sf_http *h, struct sf_buf *o)
{
	static const char *const classes[] = { "2xx", "4xx", "5xx", "other" };
	add(o, "# HELP sufler_http_requests_total HTTP requests by route and status (0: client went away).\n"
	       "# TYPE sufler_http_requests_total counter\n");
	for (size_t r = 0; r <= sf_nroutes && r <= MAX_ROUTES; r++) {
		const char *name = r < sf_nroutes ? sf_routes[r].name : "unknown";
		for (size_t s = 0; s < NSTATUS; s++) {
			uint64_t v = atomic_load_explicit(&req_count[r][s], memory_order_relaxed);
			if (!v) continue;
			if (s < NSTATUS - 1)
				add(o, "sufler_http_requests_total{route=\"%s\",status=\"%u\"} %llu\n", name, statuses[s],
				    (unsigned long long)v);
			else
				add(o, "sufler_http_requests_total{route=\"%s\",status=\"other\"} %llu\n", name,
				    (unsigned long long)v);
		}
	}
	add(o, "# HELP sufler_http_request_duration_seconds Time from the request's headers to its answer.\n"
	       "# TYPE sufler_http_request_duration_seconds histogram\n");
	for (size_t r = 0; r <= sf_nroutes && r <= MAX_ROUTES; r++) {
		for (size_t c = 0; c < NCLASS; c++) {
			if (!atomic_load(&req_hist[r][c].count)) continue;
			char labels[128];
			snprintf(labels, sizeof labels, "route=\"%s\",status=\"%s\"",
				 r < sf_nroutes ? sf_routes[r].name : "unknown", classes[c]);
			hist_lines(o, "sufler_http_request_duration_seconds", labels, &req_hist[r][c]);
		}
	}
	add(o, "# HELP sufler_search_duration_seconds Engine time of searches (parse, top-k, snippets).\n"
	       "# TYPE sufler_search_duration_seconds histogram\n");
	hist_lines(o, "sufler_search_duration_seconds", "", &search_hist);
	uint64_t ch, cm;
	sf_cache_stats(h->cache, &ch, &cm);
	add(o, "# HELP sufler_search_cache_total Searches answered from the cache (hit) or computed (miss).\n"
	       "# TYPE sufler_search_cache_total counter\nsufler_search_cache_total{result=\"hit\"} %llu\n"
	       "sufler_search_cache_total{result=\"miss\"} %llu\n", (unsigned long long)ch, (unsigned long long)cm);
	add(o, "# HELP sufler_errors_total Errors by kind.\n# TYPE sufler_errors_total counter\n");
	for (size_t i = 0; i < NERR; i++)
		add(o, "sufler_errors_total{kind=\"%s\"} %llu\n", error_kinds[i], (unsigned long long)atomic_load(&errors[i]));
	add(o, "# HELP sufler_ingest_jobs_total Ingestion jobs by outcome.\n# TYPE sufler_ingest_jobs_total counter\n");
	for (size_t i = 0; i < 3; i++)
		add(o, "sufler_ingest_jobs_total{outcome=\"%s\"} %llu\n", job_outcomes[i], (unsigned long long)atomic_load(&jobs[i]));

	struct sf_snapshot *snap = sf_index_snapshot(sf_engine_index(h->engine));
	struct sf_index_stats is;
	sf_snapshot_stats(snap, &is);
	sf_snapshot_release(snap);
	add(o, "# HELP sufler_index_documents Live passages in the index.\n# TYPE sufler_index_documents gauge\n"
	       "sufler_index_documents %llu\n", (unsigned long long)is.docs);
	add(o, "# HELP sufler_index_segments Segments of the index.\n# TYPE sufler_index_segments gauge\n"
	       "sufler_index_segments %llu\n", (unsigned long long)is.segments);
	add(o, "# HELP sufler_index_bytes Size of the index files.\n# TYPE sufler_index_bytes gauge\n"
	       "sufler_index_bytes %llu\n", (unsigned long long)is.bytes);
	uint64_t queued = 0, running = 0;
	struct sf_tctx *t = sf_http_tctx(h);
	if (t && sf_store_jobs_count(sf_engine_reader_store(t->rd), &queued, &running, NULL) != SF_OK) queued = running = 0;
	add(o, "# HELP sufler_queue_jobs Ingestion jobs by state.\n# TYPE sufler_queue_jobs gauge\n"
	       "sufler_queue_jobs{state=\"queued\"} %llu\nsufler_queue_jobs{state=\"running\"} %llu\n",
	    (unsigned long long)queued, (unsigned long long)running);
	add(o, "# HELP sufler_http_inflight Requests being served.\n# TYPE sufler_http_inflight gauge\n"
	       "sufler_http_inflight %d\n", atomic_load(&h->inflight));
	add(o, "# HELP process_resident_memory_bytes Resident memory.\n# TYPE process_resident_memory_bytes gauge\n"
	       "process_resident_memory_bytes %ld\n", sf_proc_rss_bytes());
	add(o, "# HELP process_open_fds Open file descriptors.\n# TYPE process_open_fds gauge\n"
	       "process_open_fds %ld\n", sf_proc_open_fds());
	add(o, "# HELP process_start_time_seconds Start time since the epoch.\n# TYPE process_start_time_seconds gauge\n"
	       "process_start_time_seconds %.3f\n", (double)h->started_ms / 1000);
}
