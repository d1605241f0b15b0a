/* engine/metrics.c: retrieval measures (definitions in metrics.h). Small inputs: linear scans. */
#include "engine/metrics.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static bool in(const char *id, const char *const *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(id, set[i]) == 0) return true;
	return false;
}

/* True when ranked[i] appeared earlier in the ranking (it then counts nothing). */
static bool dup_before(const char *const *ranked, size_t i)
{
	return in(ranked[i], ranked, i);
}

double sf_metric_ndcg(const char *const *ranked, size_t nranked, const char *const *relevant,
		      size_t nrel, size_t k)
{
	if (!nrel) return 0;
	double dcg = 0, idcg = 0;
	size_t rank = 0;
	for (size_t i = 0; i < nranked && rank < k; i++) {
		if (dup_before(ranked, i)) continue;
		rank++;
		if (in(ranked[i], relevant, nrel)) dcg += 1.0 / log2((double)rank + 1);
	}
	for (size_t i = 1; i <= nrel && i <= k; i++) idcg += 1.0 / log2((double)i + 1);
	return dcg / idcg;
}

double sf_metric_recall(const char *const *ranked, size_t nranked, const char *const *relevant,
			size_t nrel, size_t k)
{
	if (!nrel) return 0;
	size_t found = 0, rank = 0;
	for (size_t i = 0; i < nranked && rank < k; i++) {
		if (dup_before(ranked, i)) continue;
		rank++;
		if (in(ranked[i], relevant, nrel)) found++;
	}
	return (double)found / (double)nrel;
}

double sf_metric_mrr(const char *const *ranked, size_t nranked, const char *const *relevant,
		     size_t nrel, size_t k)
{
	size_t rank = 0;
	for (size_t i = 0; i < nranked && rank < k; i++) {
		if (dup_before(ranked, i)) continue;
		rank++;
		if (in(ranked[i], relevant, nrel)) return 1.0 / (double)rank;
	}
	return 0;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double sf_quantile(double *v, size_t n, double q)
{
	if (!n) return 0;
	qsort(v, n, sizeof *v, cmp_d);
	size_t r = (size_t)ceil(q * (double)n);
	if (r < 1) r = 1;
	if (r > n) r = n;
	return v[r - 1];
}
