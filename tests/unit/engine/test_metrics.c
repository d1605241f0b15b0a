/* tests/unit/engine/test_metrics.c: the metric definitions on hand-computed cases. */
#include "testutil.h"

#include <math.h>

#include "engine/metrics.h"

static void ndcg_hand_computed(void **state)
{
	const char *ranked[] = { "a", "x", "b", "y" };
	const char *rel[] = { "a", "b", "c" };
	/* DCG = 1/log2(2) + 1/log2(4) = 1.5; IDCG = 1 + 1/log2(3) + 1/log2(4) = 2.1309297535714578 */
	assert_true(fabs(sf_metric_ndcg(ranked, 4, rel, 3, 10) - 1.5 / 2.1309297535714578) < 1e-12);
	/* Only the first rank counts at k = 1. */
	assert_true(fabs(sf_metric_ndcg(ranked, 4, rel, 3, 1) - 1.0) < 1e-12);
	/* Relevant at rank 2 only: 1/log2(3) over IDCG 1 for one relevant. */
	const char *r2[] = { "x", "a" };
	const char *one[] = { "a" };
	assert_true(fabs(sf_metric_ndcg(r2, 2, one, 1, 10) - 1.0 / log2(3.0)) < 1e-12);
	assert_true(sf_metric_ndcg(r2, 2, one, 0, 10) == 0);
}

static void recall_and_mrr(void **state)
{
	const char *ranked[] = { "x", "y", "a", "z", "b" };
	const char *rel[] = { "a", "b" };
	assert_true(fabs(sf_metric_recall(ranked, 5, rel, 2, 1) - 0.0) < 1e-12);
	assert_true(fabs(sf_metric_recall(ranked, 5, rel, 2, 3) - 0.5) < 1e-12);
	assert_true(fabs(sf_metric_recall(ranked, 5, rel, 2, 5) - 1.0) < 1e-12);
	assert_true(fabs(sf_metric_mrr(ranked, 5, rel, 2, 10) - 1.0 / 3) < 1e-12);
	assert_true(sf_metric_mrr(ranked, 5, rel, 2, 2) == 0);
}

static void duplicates_count_once(void **state)
{
	const char *ranked[] = { "a", "a", "b" };
	const char *rel[] = { "b" };
	/* "b" is at rank 2 once the repeated "a" is skipped. */
	assert_true(fabs(sf_metric_mrr(ranked, 3, rel, 1, 10) - 0.5) < 1e-12);
	assert_true(fabs(sf_metric_recall(ranked, 3, rel, 1, 2) - 1.0) < 1e-12);
}

static void quantile_nearest_rank(void **state)
{
	double v[] = { 5, 1, 4, 2, 3, 6, 7, 8, 9, 10 };
	assert_true(sf_quantile(v, 10, 0.5) == 5);
	assert_true(sf_quantile(v, 10, 0.99) == 10);
	assert_true(sf_quantile(v, 10, 0.1) == 1);
	assert_true(sf_quantile(v, 0, 0.5) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ndcg_hand_computed),
		cmocka_unit_test(recall_and_mrr),
		cmocka_unit_test(duplicates_count_once),
		cmocka_unit_test(quantile_nearest_rank),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
