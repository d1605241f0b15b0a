/*
 * engine/metrics.h: retrieval quality measures with binary relevance, the usual definitions.
 *
 * Layer: engine. For one query with ranked ids and a set of relevant ids:
 *   nDCG@k   = DCG@k / IDCG@k, DCG@k = sum_{i<=k, rel} 1/log2(i+1), IDCG over min(R, k) hits
 *   Recall@k = |relevant in top k| / R
 *   MRR@k    = 1/rank of the first relevant id within the top k, else 0
 * (ranks from 1). A query with no relevant ids scores 0 everywhere. Pure functions.
 */
#ifndef SF_ENGINE_METRICS_H
#define SF_ENGINE_METRICS_H

#include <stddef.h>

/* ranked: ids in rank order (duplicates ignored after their first rank); relevant: the set. */
double sf_metric_ndcg(const char *const *ranked, size_t nranked, const char *const *relevant,
		      size_t nrel, size_t k);
double sf_metric_recall(const char *const *ranked, size_t nranked, const char *const *relevant,
			size_t nrel, size_t k);
double sf_metric_mrr(const char *const *ranked, size_t nranked, const char *const *relevant,
		     size_t nrel, size_t k);
/* The q-quantile (0..1) of v (sorted in place), nearest-rank definition; 0 for n == 0. */
double sf_quantile(double *v, size_t n, double q);

#endif
