/* PostgreSQL full-text search peer for the sufler benchmark (libpq). The cluster is started
 * by bench/run; this program only connects to it.
 *
 *   pg_bench build --conn CONNINFO --table T --corpus C.jsonl [--config russian|english]
 *   pg_bench query --conn CONNINFO --table T --queries Q.jsonl --run OUT.trec [--k 10]
 *                  [--config russian|english] [--warmup N]
 *
 * Table: id text, title text, body text, tsv tsvector GENERATED ALWAYS AS
 *   (setweight(to_tsvector(CFG, title), 'A') || setweight(to_tsvector(CFG, body), 'B')) STORED,
 * loaded with COPY, then CREATE INDEX ... USING gin (tsv), VACUUM ANALYZE.
 * Query: q = replace(plainto_tsquery(CFG, text)::text, '&', '|')::tsquery (the OR of the
 * query's lexemes); SELECT id, ts_rank(tsv, q) FROM T WHERE tsv @@ q
 * ORDER BY ts_rank(tsv, q) DESC LIMIT k (prepared statement).
 * build reports the table size (heap + TOAST + GIN) and the server backend's peak RSS
 * (VmHWM of the backend process, readable when run as root or as the postgres user). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <libpq-fe.h>

#include "common.h"

static PGconn *connect_db(const char *conninfo)
{
    PGconn *c = PQconnectdb(conninfo);
    if (PQstatus(c) != CONNECTION_OK)
        bench_die("postgres connect: %s", PQerrorMessage(c));
    PGresult *r = PQexec(c, "SET client_min_messages = warning");
    PQclear(r);
    return c;
}

static void exec(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType s = PQresultStatus(r);
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
        bench_die("postgres: %s: %s", sql, PQerrorMessage(c));
    PQclear(r);
}

static long long scalar_ll(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) < 1)
        bench_die("postgres: %s: %s", sql, PQerrorMessage(c));
    long long v = atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

static long backend_peak_kb(PGconn *c)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/status", PQbackendPID(c));
    return bench_peak_rss_kb_of(path);
}

static int valid_ident(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return 0;
    return 1;
}

typedef struct {
    PGconn *c;
    char *buf;
    size_t len, cap;
    size_t n;
} copy_ctx;

static void put_field(copy_ctx *x, const char *s, int last)
{
    size_t need = strlen(s) * 2 + 2;
    if (x->len + need > x->cap) {
        x->cap = (x->len + need) * 2;
        x->buf = (char *)realloc(x->buf, x->cap);
        if (!x->buf)
            bench_die("out of memory");
    }
    for (; *s; s++) {
        char ch = *s;
        switch (ch) {
        case '\\': x->buf[x->len++] = '\\'; x->buf[x->len++] = '\\'; break;
        case '\t': x->buf[x->len++] = '\\'; x->buf[x->len++] = 't'; break;
        case '\n': x->buf[x->len++] = '\\'; x->buf[x->len++] = 'n'; break;
        case '\r': x->buf[x->len++] = '\\'; x->buf[x->len++] = 'r'; break;
        default: x->buf[x->len++] = ch;
        }
    }
    x->buf[x->len++] = last ? '\n' : '\t';
}

static void copy_flush(copy_ctx *x)
{
    if (x->len && PQputCopyData(x->c, x->buf, (int)x->len) != 1)
        bench_die("postgres COPY: %s", PQerrorMessage(x->c));
    x->len = 0;
}

static void add_doc(json_t *o, void *arg)
{
    copy_ctx *x = (copy_ctx *)arg;
    put_field(x, bench_json_str(o, "id"), 0);
    put_field(x, bench_json_str(o, "title"), 0);
    put_field(x, bench_json_str(o, "text"), 1);
    x->n++;
    if (x->len > (1u << 20))
        copy_flush(x);
}

static int do_build(int argc, char **argv)
{
    const char *conninfo = bench_opt_req(argc, argv, "--conn");
    const char *table = bench_opt(argc, argv, "--table", "docs");
    const char *corpus = bench_opt_req(argc, argv, "--corpus");
    const char *cfg = bench_opt(argc, argv, "--config", "russian");
    if (!valid_ident(table) || !valid_ident(cfg))
        bench_die("bad table or config name");
    PGconn *c = connect_db(conninfo);
    char sql[1024];
    snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS %s", table);
    exec(c, sql);
    double t0 = bench_now();
    snprintf(sql, sizeof sql,
             "CREATE TABLE %s (id text NOT NULL, title text NOT NULL, body text NOT NULL, "
             "tsv tsvector GENERATED ALWAYS AS ("
             "setweight(to_tsvector('%s'::regconfig, title), 'A') || "
             "setweight(to_tsvector('%s'::regconfig, body), 'B')) STORED)",
             table, cfg, cfg);
    exec(c, sql);
    snprintf(sql, sizeof sql, "COPY %s (id, title, body) FROM STDIN", table);
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COPY_IN)
        bench_die("postgres COPY: %s", PQerrorMessage(c));
    PQclear(r);
    copy_ctx x = {c, NULL, 0, 0, 0};
    bench_jsonl_each(corpus, add_doc, &x);
    copy_flush(&x);
    if (PQputCopyEnd(c, NULL) != 1)
        bench_die("postgres COPY end: %s", PQerrorMessage(c));
    r = PQgetResult(c);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        bench_die("postgres COPY: %s", PQerrorMessage(c));
    PQclear(r);
    while ((r = PQgetResult(c)))
        PQclear(r);
    double t_load = bench_now() - t0;
    snprintf(sql, sizeof sql, "CREATE INDEX %s_tsv ON %s USING gin (tsv)", table, table);
    exec(c, sql);
    snprintf(sql, sizeof sql, "VACUUM ANALYZE %s", table);
    exec(c, sql);
    exec(c, "CHECKPOINT");
    double secs = bench_now() - t0;
    snprintf(sql, sizeof sql, "SELECT pg_total_relation_size('%s')", table);
    long long total = scalar_ll(c, sql);
    snprintf(sql, sizeof sql, "SELECT pg_relation_size('%s_tsv')", table);
    long long gin = scalar_ll(c, sql);
    printf("{\"peer\":\"postgres\",\"mode\":\"build\",\"docs\":%zu,\"build_s\":%.3f,"
           "\"load_s\":%.3f,\"table_bytes\":%lld,\"gin_bytes\":%lld,\"peak_rss_kb\":%ld,"
           "\"client_peak_rss_kb\":%ld,\"config\":\"%s\"}\n",
           x.n, secs, t_load, total, gin, backend_peak_kb(c), bench_peak_rss_kb(), cfg);
    free(x.buf);
    PQfinish(c);
    return 0;
}

static int do_query(int argc, char **argv)
{
    const char *conninfo = bench_opt_req(argc, argv, "--conn");
    const char *table = bench_opt(argc, argv, "--table", "docs");
    const char *qpath = bench_opt_req(argc, argv, "--queries");
    const char *runpath = bench_opt_req(argc, argv, "--run");
    const char *cfg = bench_opt(argc, argv, "--config", "russian");
    size_t k = (size_t)atol(bench_opt(argc, argv, "--k", "10"));
    size_t warmup = (size_t)atol(bench_opt(argc, argv, "--warmup", "200"));
    if (!valid_ident(table) || !valid_ident(cfg))
        bench_die("bad table or config name");

    bench_queries qs = bench_load_queries(qpath);
    PGconn *c = connect_db(conninfo);
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT d.id, ts_rank(d.tsv, q.q) AS score FROM %s d, "
             "(SELECT replace(plainto_tsquery('%s'::regconfig, $1)::text, '&', '|')::tsquery AS q) q "
             "WHERE d.tsv @@ q.q ORDER BY score DESC LIMIT $2",
             table, cfg);
    PGresult *r = PQprepare(c, "q", sql, 2, NULL);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        bench_die("postgres prepare: %s", PQerrorMessage(c));
    PQclear(r);

    char kbuf[32];
    snprintf(kbuf, sizeof kbuf, "%zu", k);
    char ***ids = (char ***)calloc(qs.n ? qs.n : 1, sizeof *ids);
    double **scores = (double **)calloc(qs.n ? qs.n : 1, sizeof *scores);
    size_t *nres = (size_t *)calloc(qs.n ? qs.n : 1, sizeof *nres);
    double *lat = (double *)calloc(qs.n ? qs.n : 1, sizeof *lat);
    double total = 0;
    for (int pass = warmup > 0 ? 0 : 1; pass <= 1; pass++) {
        size_t nrun = pass == 0 && warmup < qs.n ? warmup : qs.n;
        total = 0;
        for (size_t i = 0; i < nrun; i++) {
            double t0 = bench_now();
            const char *params[2] = {qs.v[i].text, kbuf};
            r = PQexecPrepared(c, "q", 2, params, NULL, NULL, 0);
            if (PQresultStatus(r) != PGRES_TUPLES_OK) {
                fprintf(stderr, "postgres: query %s failed: %s", qs.v[i].id, PQerrorMessage(c));
                PQclear(r);
                r = NULL;
            }
            for (size_t j = 0; j < nres[i]; j++)
                free(ids[i][j]);
            free(ids[i]);
            free(scores[i]);
            size_t n = r ? (size_t)PQntuples(r) : 0;
            ids[i] = (char **)calloc(n ? n : 1, sizeof(char *));
            scores[i] = (double *)calloc(n ? n : 1, sizeof(double));
            for (size_t j = 0; j < n; j++) {
                ids[i][j] = bench_strdup(PQgetvalue(r, (int)j, 0));
                scores[i][j] = atof(PQgetvalue(r, (int)j, 1));
            }
            nres[i] = n;
            if (r)
                PQclear(r);
            double dt = bench_now() - t0;
            lat[i] = dt * 1000.0;
            total += dt;
        }
    }
    FILE *f = bench_run_open(runpath);
    for (size_t i = 0; i < qs.n; i++)
        for (size_t j = 0; j < nres[i]; j++)
            bench_run_hit(f, qs.v[i].id, ids[i][j], j + 1, scores[i][j], "postgres");
    fclose(f);
    printf("{\"peer\":\"postgres\",\"mode\":\"query\",\"queries\":%zu,\"k\":%zu,"
           "\"query_ms_p50\":%.4f,\"query_ms_p99\":%.4f,\"query_ms_mean\":%.4f,"
           "\"qps\":%.2f,\"peak_rss_kb\":%ld,\"client_peak_rss_kb\":%ld}\n",
           qs.n, k, bench_percentile(lat, qs.n, 50), bench_percentile(lat, qs.n, 99),
           qs.n ? total * 1000.0 / (double)qs.n : 0.0, total > 0 ? (double)qs.n / total : 0.0,
           backend_peak_kb(c), bench_peak_rss_kb());
    PQfinish(c);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "build") == 0)
        return do_build(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "query") == 0)
        return do_query(argc, argv);
    fprintf(stderr, "usage: pg_bench build|query [options]\n");
    return 2;
}
