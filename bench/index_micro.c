/*
 * bench/index_micro.c: a by-hand micro benchmark of the index on synthetic documents (Zipf
 * vocabulary): build speed, index size, top-10 latency p50/p99 and QPS for 3-6 word queries.
 *
 *   gcc -std=c11 -D_GNU_SOURCE -O2 -Isrc bench/index_micro.c src/base/[ehlmst]*.c src/index/[iqs]*.c \
 *       -lpthread -lm -o /tmp/index_micro  (exclude query_parse.c)
 *   /tmp/index_micro DIR [ndocs] [vocab]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <unistd.h>

#include "base/mem.h"
#include "base/time.h"
#include "index/index.h"

static uint64_t st = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
	st ^= st << 13;
	st ^= st >> 7;
	st ^= st << 17;
	return st;
}

static double *cdf;
static int V;

static int zipf(void)
{
	double u = (double)(rnd() >> 11) / 9007199254740992.0;
	int lo = 0, hi = V - 1;
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if (cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s DIR [ndocs] [vocab]\n", argv[0]);
		return 2;
	}
	const char *dir = argv[1];
	int ndocs = argc > 2 ? atoi(argv[2]) : 70000;
	V = argc > 3 ? atoi(argv[3]) : 200000;
	cdf = malloc(sizeof *cdf * (size_t)V);
	double s = 0;
	for (int i = 0; i < V; i++) s += 1.0 / pow(i + 1, 1.0);
	double acc = 0;
	for (int i = 0; i < V; i++) {
		acc += 1.0 / pow(i + 1, 1.0) / s;
		cdf[i] = acc;
	}
	char (*words)[16] = malloc(sizeof *words * (size_t)V);
	for (int i = 0; i < V; i++) snprintf(words[i], sizeof words[i], "сл%x", i);
	struct sf_index *ix;
	struct sf_buf err = SF_BUF_INIT;
	if (sf_index_open(dir, true, NULL, &ix, &err) != SF_OK) {
		fprintf(stderr, "open: %s\n", err.ptr);
		return 1;
	}
	/* pre-generate token ids so the build time excludes generation */
	uint64_t t0 = sf_now_ns(), gen = 0, tokens = 0;
	for (int d = 0; d < ndocs; d++) {
		uint64_t g0 = sf_now_ns();
		int tl = 3 + (int)(rnd() % 8), bl = 100 + (int)(rnd() % 201);
		int tt[16], bt[320];
		for (int i = 0; i < tl; i++) tt[i] = zipf();
		for (int i = 0; i < bl; i++) bt[i] = zipf();
		gen += sf_now_ns() - g0;
		if (sf_index_begin_doc(ix, (uint64_t)d + 1) != SF_OK) return 1;
		for (int i = 0; i < tl; i++)
			if (sf_index_add_term(ix, SF_FIELD_TITLE, words[tt[i]], strlen(words[tt[i]]), (uint32_t)i) != SF_OK) return 1;
		for (int i = 0; i < bl; i++)
			if (sf_index_add_term(ix, SF_FIELD_BODY, words[bt[i]], strlen(words[bt[i]]), (uint32_t)i) != SF_OK) return 1;
		if (sf_index_add_attr(ix, "kind", (d & 1) ? "pdf" : "html") != SF_OK) return 1;
		if (sf_index_end_doc(ix) != SF_OK) return 1;
		tokens += (uint64_t)(tl + bl);
	}
	uint64_t t1 = sf_now_ns();
	if (sf_index_commit(ix, 1, &err) != SF_OK) {
		fprintf(stderr, "commit: %s\n", err.ptr);
		return 1;
	}
	uint64_t t2 = sf_now_ns();
	double build = (double)(t1 - t0 - gen) / 1e9, commit = (double)(t2 - t1) / 1e9;
	struct sf_snapshot *snap = sf_index_snapshot(ix);
	struct sf_index_stats stt;
	sf_snapshot_stats(snap, &stt);
	printf("docs=%d tokens=%llu add=%.2fs commit=%.2fs => %.0f docs/s; segments=%llu terms=%llu bytes=%.1f MB (%.2f B/token)\n",
	       ndocs, (unsigned long long)tokens, build, commit, ndocs / (build + commit),
	       (unsigned long long)stt.segments, (unsigned long long)stt.terms, stt.bytes / 1e6,
	       (double)stt.bytes / (double)tokens);
	int nq = 3000;
	uint64_t *lat = malloc(sizeof *lat * (size_t)nq);
	for (int pass = 0; pass < 2; pass++) {
		bool exh = pass == 1;
		struct sf_search_opts o;
		sf_search_opts_default(&o);
		o.exhaustive = exh;
		st = 12345;
		uint64_t post = 0, tot = 0;
		for (int q = 0; q < nq; q++) {
			struct sf_query *qq = sf_query_new();
			int n = 3 + (int)(rnd() % 4);
			for (int i = 0; i < n; i++) {
				/* query words: skip the top stop-word-like ranks */
				int w = zipf();
				if (w < 50) w += 50;
				sf_query_add_term(qq, words[w], strlen(words[w]), SF_FIELDS_ALL, SF_SHOULD, 1.0f);
			}
			struct sf_hit hits[10];
			size_t nh;
			struct sf_search_stats ss;
			uint64_t a = sf_now_ns();
			if (sf_search(snap, qq, 10, &o, hits, &nh, &ss) != SF_OK) return 1;
			lat[q] = sf_now_ns() - a;
			tot += lat[q];
			post += ss.postings;
			sf_query_free(qq);
		}
		qsort(lat, (size_t)nq, sizeof *lat, cmp_u64);
		printf("%s: p50=%.3f ms p99=%.3f ms max=%.3f ms qps=%.0f postings/query=%.0f\n",
		       exh ? "exhaustive" : "pruned    ", lat[nq / 2] / 1e6, lat[nq * 99 / 100] / 1e6,
		       lat[nq - 1] / 1e6, nq / (tot / 1e9), (double)post / nq);
	}
	sf_snapshot_release(snap);
	sf_index_close(ix);
	sf_buf_release(&err);
	return 0;
}
