/* Shared helpers for the peer benchmark programs (C and C++): JSONL reading (jansson),
 * monotonic timing, latency percentiles, peak RSS, TREC run output and a tiny option parser.
 * Header-only (static functions) so each peer is one translation unit. */
#ifndef BENCH_PEERS_COMMON_H
#define BENCH_PEERS_COMMON_H

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ errors */

static inline void bench_die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static inline char *bench_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = (char *)malloc(n);
    if (!p)
        bench_die("out of memory");
    memcpy(p, s, n);
    return p;
}

/* ------------------------------------------------------------------ timing */

static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile (p in 0..100) of n values; sorts a copy. */
static inline double bench_percentile(const double *v, size_t n, double p)
{
    if (n == 0)
        return 0.0;
    double *c = (double *)malloc(n * sizeof *c);
    if (!c)
        bench_die("out of memory");
    memcpy(c, v, n * sizeof *c);
    qsort(c, n, sizeof *c, bench_cmp_double);
    size_t rank = (size_t)((p / 100.0) * (double)n + 0.999999);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    double r = c[rank - 1];
    free(c);
    return r;
}

/* Peak resident set size of this process in kB (VmHWM, else ru_maxrss). */
static inline long bench_peak_rss_kb_of(const char *status_path)
{
    FILE *f = fopen(status_path, "r");
    long kb = -1;
    if (f) {
        char line[256];
        while (fgets(line, sizeof line, f))
            if (strncmp(line, "VmHWM:", 6) == 0) {
                kb = strtol(line + 6, NULL, 10);
                break;
            }
        fclose(f);
    }
    return kb;
}

static inline long bench_peak_rss_kb(void)
{
    long kb = bench_peak_rss_kb_of("/proc/self/status");
    if (kb < 0) {
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        kb = ru.ru_maxrss;
    }
    return kb;
}

/* ------------------------------------------------------------------ JSONL */

typedef struct {
    char *id;
    char *title;
    char *text;
} bench_doc;

typedef struct {
    char *id;
    char *text;
} bench_query;

/* Calls fn(obj, arg) for each JSON object line of path; returns the number of lines. */
static inline size_t bench_jsonl_each(const char *path, void (*fn)(json_t *, void *), void *arg)
{
    FILE *f = fopen(path, "r");
    if (!f)
        bench_die("cannot open %s", path);
    char *line = NULL;
    size_t cap = 0, count = 0, lineno = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) > 0) {
        lineno++;
        if (len <= 1)
            continue;
        json_error_t err;
        json_t *o = json_loadb(line, (size_t)len, 0, &err);
        if (!o || !json_is_object(o))
            bench_die("%s:%zu: bad JSON: %s", path, lineno, o ? "not an object" : err.text);
        fn(o, arg);
        json_decref(o);
        count++;
    }
    free(line);
    fclose(f);
    return count;
}

static inline const char *bench_json_str(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (v && json_is_string(v))
        return json_string_value(v);
    if (v && json_is_integer(v)) {
        static char buf[32];
        snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
        return buf;
    }
    return "";
}

typedef struct {
    bench_query *v;
    size_t n, cap;
} bench_queries;

static inline void bench_query_cb(json_t *o, void *arg)
{
    bench_queries *q = (bench_queries *)arg;
    if (q->n == q->cap) {
        q->cap = q->cap ? q->cap * 2 : 1024;
        q->v = (bench_query *)realloc(q->v, q->cap * sizeof *q->v);
        if (!q->v)
            bench_die("out of memory");
    }
    q->v[q->n].id = bench_strdup(bench_json_str(o, "id"));
    q->v[q->n].text = bench_strdup(bench_json_str(o, "text"));
    q->n++;
}

/* A TREC run file ("qid Q0 docid rank score tag" per line), the format bench/metrics.py reads. */
static inline FILE *bench_run_open(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        bench_die("cannot write %s", path);
    return f;
}

static inline void bench_run_hit(FILE *f, const char *qid, const char *docid, size_t rank, double score,
                                 const char *peer)
{
    fprintf(f, "%s Q0 %s %zu %.6f %s\n", qid, docid, rank, score, peer);
}

static inline bench_queries bench_load_queries(const char *path)
{
    bench_queries q = {NULL, 0, 0};
    bench_jsonl_each(path, bench_query_cb, &q);
    return q;
}

/* ------------------------------------------------------------------ options */

/* Minimal "--name value" parser: returns the value of --name, or def. */
static inline const char *bench_opt(int argc, char **argv, const char *name, const char *def)
{
    for (int i = 2; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return argv[i + 1];
    return def;
}

static inline const char *bench_opt_req(int argc, char **argv, const char *name)
{
    const char *v = bench_opt(argc, argv, name, NULL);
    if (!v)
        bench_die("missing option %s", name);
    return v;
}

/* ------------------------------------------------------------------ reports */

/* One summary JSON object on stdout for a query run: latency per query in ms. */
static inline void bench_report_queries(const char *peer, size_t nq, const double *lat_ms,
                                 double total_s, size_t k)
{
    printf("{\"peer\":\"%s\",\"mode\":\"query\",\"queries\":%zu,\"k\":%zu,"
           "\"query_ms_p50\":%.4f,\"query_ms_p99\":%.4f,\"query_ms_mean\":%.4f,"
           "\"qps\":%.2f,\"peak_rss_kb\":%ld}\n",
           peer, nq, k, bench_percentile(lat_ms, nq, 50), bench_percentile(lat_ms, nq, 99),
           nq ? total_s * 1000.0 / (double)nq : 0.0, total_s > 0 ? (double)nq / total_s : 0.0,
           bench_peak_rss_kb());
    fflush(stdout);
}

#ifdef __cplusplus
}
#endif
#endif
