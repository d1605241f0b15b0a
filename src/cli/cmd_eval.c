/*
 * cli/cmd_eval.c: `sufler eval retrieval` and `sufler eval speed`.
 *
 * retrieval: builds a temporary data folder from a corpus (the same ingestion and indexing as
 * `sufler ingest`), runs every query ({"id","text","relevant":[ids]}) for the top k, and prints
 * nDCG@10, Recall@1/5/10/100 and MRR@10 (engine/metrics.h) with the build time and the query
 * latency (parse + search, one thread). --run writes a TREC run file.
 *
 * speed: runs queries against an existing data folder (a warm-up pass, then a timed pass that
 * also reads the top hits' ids and titles from the store) and prints latency p50/p99 and QPS.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/mem.h"
#include "base/time.h"
#include "cli/cli.h"
#include "connect/import.h"
#include "engine/engine.h"
#include "engine/expand.h"
#include "engine/metrics.h"

struct equery {
	char *id;
	char *text;
	char **rel;
	size_t nrel;
};

static void free_queries(struct equery *q, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(q[i].id);
		free(q[i].text);
		for (size_t j = 0; j < q[i].nrel; j++) free(q[i].rel[j]);
		free(q[i].rel);
	}
	free(q);
}

/* Reads queries; malformed lines are reported and skipped (counted in *bad). */
static struct equery *load_queries(const char *path, size_t *n, size_t *bad)
{
	FILE *f = fopen(path, "r");
	*n = 0;
	*bad = 0;
	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return NULL;
	}
	struct equery *v = NULL;
	size_t cap = 0, lineno = 0;
	char *line = NULL;
	size_t lcap = 0;
	ssize_t len;
	while ((len = getline(&line, &lcap, f)) >= 0) {
		lineno++;
		if (len <= 1) continue;
		json_error_t je;
		json_t *o = json_loadb(line, (size_t)len, 0, &je);
		json_t *id = json_object_get(o, "id"), *text = json_object_get(o, "text");
		json_t *rel = json_object_get(o, "relevant");
		if (!o || !json_is_string(id) || !json_is_string(text) || (rel && !json_is_array(rel))) {
			fprintf(stderr, "%s:%zu: %s\n", path, lineno,
				o ? "a query needs string \"id\", \"text\" and an array \"relevant\"" : je.text);
			(*bad)++;
			json_decref(o);
			continue;
		}
		SF_GROW(v, cap, *n + 1);
		struct equery *q = &v[(*n)++];
		memset(q, 0, sizeof *q);
		q->id = sf_xstrdup(json_string_value(id));
		q->text = sf_xstrdup(json_string_value(text));
		size_t nr = rel ? json_array_size(rel) : 0;
		q->rel = sf_xcalloc(nr ? nr : 1, sizeof *q->rel);
		for (size_t i = 0; i < nr; i++) {
			json_t *r = json_array_get(rel, i);
			if (json_is_string(r)) q->rel[q->nrel++] = sf_xstrdup(json_string_value(r));
		}
		json_decref(o);
	}
	free(line);
	fclose(f);
	return v;
}

/* chunk id -> document external id, for a corpus folder (dense array over chunk ids). */
struct idmap {
	char **ids;
	size_t cap;
};

static int map_chunk(void *ctx, const struct sf_chunk *c)
{
	struct idmap *m = ctx;
	if (c->id >= m->cap) {
		size_t nc = m->cap ? m->cap : 1024;
		while (nc <= c->id) nc *= 2;
		m->ids = sf_xreallocarray(m->ids, nc, sizeof *m->ids);
		memset(m->ids + m->cap, 0, (nc - m->cap) * sizeof *m->ids);
		m->cap = nc;
	}
	m->ids[c->id] = sf_xstrndup(c->ext_id.ptr, c->ext_id.len);
	return 0;
}

static bool parse_float(const char *s, float *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || *end || end == s) return false;
	*out = (float)v;
	return true;
}

/* Search options shared by both subcommands: --k1 --b-title --b-body --w-title --w-body. */
static int search_opt(int argc, char **argv, int *i, struct sf_search_opts *so)
{
	const char *a = argv[*i];
	float *dst = !strcmp(a, "--k1") ? &so->k1 : !strcmp(a, "--b-title") ? &so->b[SF_FIELD_TITLE]
		   : !strcmp(a, "--b-body") ? &so->b[SF_FIELD_BODY] : !strcmp(a, "--w-title") ? &so->weight[SF_FIELD_TITLE]
		   : !strcmp(a, "--w-body") ? &so->weight[SF_FIELD_BODY] : NULL;
	if (!dst) return 0;
	if (*i + 1 >= argc || !parse_float(argv[*i + 1], dst)) {
		fprintf(stderr, "sufler eval: %s needs a number\n", a);
		return -1;
	}
	(*i)++;
	return 1;
}

/*
 * Runs one evaluation query for the top k without snippets (fetch: read the hits' ids and titles
 * from the store, as a caller would). Stores the wall time in *ms; on failure reports it.
 */
static bool speed_snippets; /* eval speed --snippets: as the API answers (hits' text, snippets) */

static enum sf_err timed_search(struct sf_engine *eng, const struct equery *e, size_t k, bool fetch,
				struct sf_engine_results *res, double *ms, struct sf_buf *err)
{
	struct sf_engine_query q;
	sf_engine_query_default(&q);
	q.text = e->text;
	q.len = strlen(e->text);
	q.k = k;
	q.fetch = fetch;
	q.snippets = fetch && speed_snippets;
	q.describe = false;
	uint64_t q0 = sf_now_ns();
	enum sf_err rc = sf_engine_search(eng, &q, res, err);
	*ms = (double)(sf_now_ns() - q0) / 1e6;
	if (rc) fprintf(stderr, "sufler eval: query %s: %s\n", e->id, err->ptr);
	return rc;
}

static int eval_retrieval(int argc, char **argv)
{
	const char *corpus = NULL, *queries = NULL, *run = NULL, *keep = NULL, *syn = NULL;
	size_t k = 100;
	bool json = false;
	struct sf_engine_opts eo;
	sf_engine_opts_default(&eo);
	eo.quiet = true;
	for (int i = 1; i < argc; i++) {
		int r = search_opt(argc, argv, &i, &eo.search);
		if (r < 0) return 2;
		if (r) continue;
		if (!strcmp(argv[i], "--corpus") && i + 1 < argc) corpus = argv[++i];
		else if (!strcmp(argv[i], "--queries") && i + 1 < argc) queries = argv[++i];
		else if (!strcmp(argv[i], "--run") && i + 1 < argc) run = argv[++i];
		else if (!strcmp(argv[i], "--keep") && i + 1 < argc) keep = argv[++i];
		else if (!strcmp(argv[i], "--synonyms") && i + 1 < argc) syn = argv[++i];
		else if (!strcmp(argv[i], "--k") && i + 1 < argc) k = (size_t)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--json")) json = true;
		else if (!strcmp(argv[i], "--no-stem")) eo.no_stem = true;
		else if (!strcmp(argv[i], "--expand") && i + 1 < argc) {
			eo.expand = sf_expand_parse(argv[++i]);
			if (eo.expand < 0) {
				fprintf(stderr, "sufler eval: --expand takes translit,typo,split,join, all or none\n");
				return 2;
			}
		}
		else {
			corpus = NULL;
			break;
		}
	}
	if (!corpus || !queries || k < 10 || k > 10000) {
		fprintf(stderr, "usage: sufler eval retrieval --corpus C.jsonl --queries Q.jsonl [--k 100] [--run OUT.tsv]\n"
				"                             [--json] [--keep DIR] [--synonyms FILE] [--no-stem]\n"
				"                             [--expand translit,typo,split,join|all|none]\n"
				"                             [--k1 X] [--b-title X] [--b-body X] [--w-title X] [--w-body X]\n");
		return 2;
	}
	eo.synonyms_path = syn;
	char tmpl[4096];
	const char *tmpdir = getenv("TMPDIR");
	snprintf(tmpl, sizeof tmpl, "%s/sufler-eval-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	const char *dir = keep;
	if (!dir) {
		if (!mkdtemp(tmpl)) {
			fprintf(stderr, "sufler eval: cannot make a temporary folder: %s\n", strerror(errno));
			return 1;
		}
		dir = tmpl;
	}
	struct sf_buf err = SF_BUF_INIT;
	struct sf_engine *eng = NULL;
	struct equery *qs = NULL;
	size_t nq = 0, bad = 0;
	struct idmap map = { 0 };
	double *lat = NULL;
	FILE *runf = NULL;
	int status = 1;
	uint64_t t0 = sf_now_ns();
	if (sf_engine_open(dir, &eo, &eng, &err) != SF_OK) {
		fprintf(stderr, "sufler eval: %s\n", err.ptr);
		goto out;
	}
	struct sf_ingest_opts io = { "eval", false };
	struct sf_ingest_stats ist;
	char *paths[1] = { (char *)corpus };
	struct sf_sync_stats ss;
	if (sf_ingest_paths(sf_engine_store(eng), paths, 1, &io, &ist, &err) != SF_OK ||
	    sf_engine_sync(eng, &ss, &err) != SF_OK || sf_index_optimize(sf_engine_index(eng), &err) != SF_OK) {
		fprintf(stderr, "sufler eval: building the index: %s\n", err.ptr);
		goto out;
	}
	double index_s = (double)(sf_now_ns() - t0) / 1e9;
	if (ist.failed) fprintf(stderr, "sufler eval: %llu corpus items failed\n", (unsigned long long)ist.failed);
	if (sf_store_scan_chunks(sf_engine_store(eng), map_chunk, &map, &err) != SF_OK) {
		fprintf(stderr, "sufler eval: %s\n", err.ptr);
		goto out;
	}
	qs = load_queries(queries, &nq, &bad);
	if (!nq) {
		fprintf(stderr, "sufler eval: no queries in %s\n", queries);
		goto out;
	}
	if (run && !(runf = fopen(run, "w"))) {
		fprintf(stderr, "sufler eval: %s: %s\n", run, strerror(errno));
		goto out;
	}
	lat = sf_xcalloc(nq, sizeof *lat);
	double s_ndcg = 0, s_r1 = 0, s_r5 = 0, s_r10 = 0, s_r100 = 0, s_mrr = 0;
	const char **ranked = sf_xcalloc(k, sizeof *ranked);
	size_t failed_q = 0;
	for (size_t i = 0; i < nq; i++) {
		struct sf_engine_results res;
		if (timed_search(eng, &qs[i], k, false, &res, &lat[i], &err) != SF_OK) {
			failed_q++;
			continue;
		}
		size_t nr = 0;
		for (size_t h = 0; h < res.n; h++) {
			uint64_t c = res.hits[h].chunk_id;
			const char *id = c < map.cap ? map.ids[c] : NULL;
			if (!id) continue;
			ranked[nr++] = id;
			if (runf) fprintf(runf, "%s Q0 %s %zu %.6f sufler\n", qs[i].id, id, nr, (double)res.hits[h].score);
		}
		const char *const *rel = (const char *const *)qs[i].rel;
		s_ndcg += sf_metric_ndcg(ranked, nr, rel, qs[i].nrel, 10);
		s_r1 += sf_metric_recall(ranked, nr, rel, qs[i].nrel, 1);
		s_r5 += sf_metric_recall(ranked, nr, rel, qs[i].nrel, 5);
		s_r10 += sf_metric_recall(ranked, nr, rel, qs[i].nrel, 10);
		s_r100 += sf_metric_recall(ranked, nr, rel, qs[i].nrel, 100);
		s_mrr += sf_metric_mrr(ranked, nr, rel, qs[i].nrel, 10);
		sf_engine_results_release(&res);
	}
	free(ranked);
	double N = (double)nq;
	double p50 = sf_quantile(lat, nq, 0.5), p99 = sf_quantile(lat, nq, 0.99);
	if (json) {
		printf("{\"queries\": %zu, \"ndcg@10\": %.4f, \"recall@1\": %.4f, \"recall@5\": %.4f, "
		       "\"recall@10\": %.4f, \"recall@100\": %.4f, \"mrr@10\": %.4f, \"index_s\": %.3f, "
		       "\"query_ms_p50\": %.4f, \"query_ms_p99\": %.4f}\n",
		       nq, s_ndcg / N, s_r1 / N, s_r5 / N, s_r10 / N, s_r100 / N, s_mrr / N, index_s, p50, p99);
	} else {
		printf("queries     %zu%s\n", nq, bad || failed_q ? " (some malformed or failed: see above)" : "");
		printf("nDCG@10     %.4f\nRecall@1    %.4f\nRecall@5    %.4f\nRecall@10   %.4f\nRecall@100  %.4f\n"
		       "MRR@10      %.4f\nindex       %.3f s (%llu chunks)\nquery p50   %.3f ms\nquery p99   %.3f ms\n",
		       s_ndcg / N, s_r1 / N, s_r5 / N, s_r10 / N, s_r100 / N, s_mrr / N, index_s,
		       (unsigned long long)ss.added, p50, p99);
	}
	status = (bad || failed_q || ist.failed) ? 1 : 0;
out:
	if (runf) fclose(runf);
	free(lat);
	for (size_t i = 0; i < map.cap; i++) free(map.ids[i]);
	free(map.ids);
	free_queries(qs, nq);
	sf_engine_close(eng);
	sf_buf_release(&err);
	if (!keep) {
		char cmd[4200];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpl);
		if (system(cmd) != 0) fprintf(stderr, "sufler eval: could not remove %s\n", tmpl);
	}
	return status;
}

static int eval_speed(int argc, char **argv)
{
	const char *data = NULL, *queries = NULL;
	size_t k = 10, slow = 0;
	bool json = false;
	struct sf_engine_opts eo;
	sf_engine_opts_default(&eo);
	eo.quiet = true;
	for (int i = 1; i < argc; i++) {
		int r = search_opt(argc, argv, &i, &eo.search);
		if (r < 0) return 2;
		if (r) continue;
		if (!strcmp(argv[i], "--data") && i + 1 < argc) data = argv[++i];
		else if (!strcmp(argv[i], "--queries") && i + 1 < argc) queries = argv[++i];
		else if (!strcmp(argv[i], "--k") && i + 1 < argc) k = (size_t)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--slow") && i + 1 < argc) slow = (size_t)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--snippets")) speed_snippets = true;
		else if (!strcmp(argv[i], "--json")) json = true;
		else {
			queries = NULL;
			break;
		}
	}
	if (!queries || k < 1 || k > 10000) {
		fprintf(stderr, "usage: sufler eval speed [--data DIR] --queries Q.jsonl [--k 10] [--json] [--slow N] [--snippets]\n"
				"  --slow N     also print the N slowest queries (to stderr)\n"
				"  --snippets   read the hits' text and make snippets, as the API does\n");
		return 2;
	}
	struct sf_buf err = SF_BUF_INIT;
	struct sf_engine *eng = NULL;
	size_t nq = 0, bad = 0;
	struct equery *qs = load_queries(queries, &nq, &bad);
	double *lat = NULL;
	int status = 1;
	if (!nq) {
		fprintf(stderr, "sufler eval: no queries in %s\n", queries);
		goto out;
	}
	if (sf_engine_open(sf_cli_data_dir(data), &eo, &eng, &err) != SF_OK) {
		fprintf(stderr, "sufler eval: %s\n", err.ptr);
		goto out;
	}
	lat = sf_xcalloc(nq, sizeof *lat);
	double total = 0;
	uint64_t hits = 0;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < nq; i++) {
			struct sf_engine_results res;
			double ms;
			if (timed_search(eng, &qs[i], k, true, &res, &ms, &err) != SF_OK) goto out;
			if (pass == 1) {
				lat[i] = ms;
				total += ms;
				hits += res.n;
			}
			sf_engine_results_release(&res);
		}
	}
	for (size_t s = 0; s < slow && s < nq; s++) {
		size_t worst = 0;
		for (size_t i = 1; i < nq; i++)
			if (lat[i] > lat[worst]) worst = i;
		fprintf(stderr, "%8.3f ms  %s  %s\n", lat[worst], qs[worst].id, qs[worst].text);
		lat[worst] = -lat[worst]; /* mark; restored below */
	}
	for (size_t i = 0; i < nq; i++)
		if (lat[i] < 0) lat[i] = -lat[i];
	double p50 = sf_quantile(lat, nq, 0.5), p99 = sf_quantile(lat, nq, 0.99);
	double qps = total > 0 ? (double)nq / (total / 1000.0) : 0;
	if (json)
		printf("{\"queries\": %zu, \"k\": %zu, \"query_ms_p50\": %.4f, \"query_ms_p99\": %.4f, "
		       "\"query_ms_mean\": %.4f, \"qps\": %.1f, \"hits_mean\": %.2f}\n",
		       nq, k, p50, p99, total / (double)nq, qps, (double)hits / (double)nq);
	else
		printf("queries %zu, top-%zu: p50 %.3f ms, p99 %.3f ms, mean %.3f ms, %.1f QPS (one thread)\n", nq, k,
		       p50, p99, total / (double)nq, qps);
	status = bad ? 1 : 0;
out:
	free(lat);
	free_queries(qs, nq);
	sf_engine_close(eng);
	sf_buf_release(&err);
	return status;
}

int sf_cmd_eval(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "retrieval")) return eval_retrieval(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "speed")) return eval_speed(argc - 1, argv + 1);
	fprintf(stderr, "usage: sufler eval retrieval --corpus C.jsonl --queries Q.jsonl [--k 100] [--run OUT] [--json]\n"
			"       sufler eval speed [--data DIR] --queries Q.jsonl [--k 10] [--json]\n");
	return 2;
}
