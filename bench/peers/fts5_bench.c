/* SQLite FTS5 peer for the sufler benchmark.
 *
 *   fts5_bench build --db FILE --corpus C.jsonl [--tokenizer unicode61|porter]
 *   fts5_bench query --db FILE --queries Q.jsonl --run OUT.trec [--k 10] [--warmup N]
 *
 * Table: CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, text,
 *        tokenize='unicode61 remove_diacritics 2')  (or 'porter unicode61 remove_diacritics 2').
 * FTS5 has no Russian stemmer, which is the point of including it. Loading: one transaction,
 * prepared INSERT, then the 'optimize' command (merges the b-trees into one segment).
 * Queries: the query text is split into word tokens (letters, digits, any non-ASCII byte),
 * each token double-quoted and joined with OR; ranked by the built-in bm25() (default column
 * weights), LIMIT k. Each mode prints one JSON summary line on stdout. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sqlite3.h>

#include "common.h"

static sqlite3 *open_db(const char *path, int flags)
{
    sqlite3 *db;
    if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK)
        bench_die("sqlite open %s: %s", path, sqlite3_errmsg(db));
    return db;
}

static void exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
        bench_die("sqlite: %s: %s", sql, err ? err : "?");
}

typedef struct {
    sqlite3_stmt *ins;
    size_t n;
} build_ctx;

static void add_doc(json_t *o, void *arg)
{
    build_ctx *c = (build_ctx *)arg;
    sqlite3_bind_text(c->ins, 1, bench_json_str(o, "id"), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(c->ins, 2, bench_json_str(o, "title"), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(c->ins, 3, bench_json_str(o, "text"), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(c->ins) != SQLITE_DONE)
        bench_die("sqlite insert failed");
    sqlite3_reset(c->ins);
    c->n++;
}

static int do_build(int argc, char **argv)
{
    const char *path = bench_opt_req(argc, argv, "--db");
    const char *corpus = bench_opt_req(argc, argv, "--corpus");
    const char *tok = bench_opt(argc, argv, "--tokenizer", "unicode61");
    const char *tokenize = strcmp(tok, "porter") == 0 ? "porter unicode61 remove_diacritics 2"
                                                      : "unicode61 remove_diacritics 2";
    double t0 = bench_now();
    remove(path);
    sqlite3 *db = open_db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    exec(db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-262144;");
    char sql[512];
    snprintf(sql, sizeof sql,
             "CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, text, tokenize='%s')",
             tokenize);
    exec(db, sql);
    exec(db, "BEGIN");
    build_ctx c = {NULL, 0};
    if (sqlite3_prepare_v2(db, "INSERT INTO docs(id, title, text) VALUES (?, ?, ?)", -1, &c.ins,
                           NULL) != SQLITE_OK)
        bench_die("sqlite prepare: %s", sqlite3_errmsg(db));
    bench_jsonl_each(corpus, add_doc, &c);
    sqlite3_finalize(c.ins);
    exec(db, "COMMIT");
    exec(db, "INSERT INTO docs(docs) VALUES('optimize')");
    sqlite3_close(db);
    printf("{\"peer\":\"fts5\",\"mode\":\"build\",\"docs\":%zu,\"build_s\":%.3f,"
           "\"peak_rss_kb\":%ld,\"tokenize\":\"%s\"}\n",
           c.n, bench_now() - t0, bench_peak_rss_kb(), tokenize);
    return 0;
}

/* "tok1" OR "tok2" ... from the word tokens of q (deduplicated); "" when none. */
static char *match_expr(const char *q)
{
    size_t n = strlen(q);
    char *out = (char *)malloc(n * 6 + 16);
    if (!out)
        bench_die("out of memory");
    size_t o = 0;
    const unsigned char *s = (const unsigned char *)q;
    size_t i = 0;
    while (i < n) {
        while (i < n && !(s[i] >= 0x80 || (s[i] < 0x80 && (s[i] == '_' || (s[i] >= '0' && s[i] <= '9') ||
                                                            ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z')))))
            i++;
        size_t b = i;
        while (i < n && (s[i] >= 0x80 || s[i] == '_' || (s[i] >= '0' && s[i] <= '9') ||
                         ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z')))
            i++;
        if (i == b)
            continue;
        /* skip a token already present (exact bytes) */
        int dup = 0;
        for (size_t p = 0; p + (i - b) + 2 <= o; p++)
            if (out[p] == '"' && memcmp(out + p + 1, q + b, i - b) == 0 && out[p + 1 + (i - b)] == '"' &&
                (p == 0 || out[p - 1] == ' ')) {
                dup = 1;
                break;
            }
        if (dup)
            continue;
        if (o)
            o += (size_t)sprintf(out + o, " OR ");
        out[o++] = '"';
        memcpy(out + o, q + b, i - b);
        o += i - b;
        out[o++] = '"';
    }
    out[o] = 0;
    return out;
}

typedef struct {
    char **ids;
    double *scores;
    size_t n;
} result;

static int do_query(int argc, char **argv)
{
    const char *path = bench_opt_req(argc, argv, "--db");
    const char *qpath = bench_opt_req(argc, argv, "--queries");
    const char *runpath = bench_opt_req(argc, argv, "--run");
    size_t k = (size_t)atol(bench_opt(argc, argv, "--k", "10"));
    size_t warmup = (size_t)atol(bench_opt(argc, argv, "--warmup", "200"));

    bench_queries qs = bench_load_queries(qpath);
    sqlite3 *db = open_db(path, SQLITE_OPEN_READONLY);
    exec(db, "PRAGMA cache_size=-262144;");
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "SELECT id, bm25(docs) FROM docs WHERE docs MATCH ?1 "
                           "ORDER BY bm25(docs) LIMIT ?2",
                           -1, &st, NULL) != SQLITE_OK)
        bench_die("sqlite prepare: %s", sqlite3_errmsg(db));
    char **exprs = (char **)calloc(qs.n, sizeof *exprs);
    result *res = (result *)calloc(qs.n, sizeof *res);
    double *lat = (double *)calloc(qs.n ? qs.n : 1, sizeof *lat);
    for (size_t i = 0; i < qs.n; i++) {
        res[i].ids = (char **)calloc(k ? k : 1, sizeof(char *));
        res[i].scores = (double *)calloc(k ? k : 1, sizeof(double));
    }
    double total = 0;
    for (int pass = warmup > 0 ? 0 : 1; pass <= 1; pass++) {
        size_t nrun = pass == 0 && warmup < qs.n ? warmup : qs.n;
        total = 0;
        for (size_t i = 0; i < nrun; i++) {
            double t0 = bench_now();
            /* building the MATCH expression is part of the query (like query parsing) */
            free(exprs[i]);
            exprs[i] = match_expr(qs.v[i].text);
            for (size_t r = 0; r < res[i].n; r++)
                free(res[i].ids[r]);
            res[i].n = 0;
            if (exprs[i][0]) {
                sqlite3_bind_text(st, 1, exprs[i], -1, SQLITE_STATIC);
                sqlite3_bind_int64(st, 2, (sqlite3_int64)k);
                int rc;
                while ((rc = sqlite3_step(st)) == SQLITE_ROW && res[i].n < k) {
                    res[i].ids[res[i].n] = bench_strdup((const char *)sqlite3_column_text(st, 0));
                    res[i].scores[res[i].n] = -sqlite3_column_double(st, 1);
                    res[i].n++;
                }
                if (rc != SQLITE_DONE && rc != SQLITE_ROW)
                    fprintf(stderr, "fts5: query %s failed: %s\n", qs.v[i].id, sqlite3_errmsg(db));
                sqlite3_reset(st);
            }
            double dt = bench_now() - t0;
            lat[i] = dt * 1000.0;
            total += dt;
        }
    }
    FILE *f = bench_run_open(runpath);
    for (size_t i = 0; i < qs.n; i++)
        for (size_t r = 0; r < res[i].n; r++)
            bench_run_hit(f, qs.v[i].id, res[i].ids[r], r + 1, res[i].scores[r], "fts5");
    fclose(f);
    sqlite3_finalize(st);
    sqlite3_close(db);
    bench_report_queries("fts5", qs.n, lat, total, k);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "build") == 0)
        return do_build(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "query") == 0)
        return do_query(argc, argv);
    fprintf(stderr, "usage: fts5_bench build|query [options]\n");
    return 2;
}
