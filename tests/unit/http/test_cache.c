/* tests/unit/http/test_cache.c: the search answer cache: a working set smaller than the cache
 * stays in it, a new index generation empties it, the least recently used answer goes first,
 * oversize answers are not kept, and no cache at all answers nothing. */
#include "testutil.h"

#include "base/hash.h"
#include "http/http_int.h"

static bool get(struct sf_cache *c, const char *key, uint64_t gen, char *val, size_t cap)
{
	struct sf_buf b = SF_BUF_INIT;
	bool hit = sf_cache_get(c, key, strlen(key), gen, &b);
	snprintf(val, cap, "%.*s", (int)b.len, b.ptr ? b.ptr : "");
	sf_buf_release(&b);
	return hit;
}

static void put(struct sf_cache *c, const char *key, uint64_t gen, const char *val)
{
	sf_cache_put(c, key, strlen(key), gen, val, strlen(val));
}

static void test_working_set_stays(void **state)
{
	(void)state;
	/* 2,000 answers in 4,096 entries: every one is still there after a pass (a direct-mapped
	 * table of that size lost about 30 % of them to collisions) */
	struct sf_cache *c = sf_cache_new(4096);
	char key[32], val[32], got[32];
	for (int i = 0; i < 2000; i++) {
		snprintf(key, sizeof key, "q=%d&k=10", i);
		snprintf(val, sizeof val, "answer %d", i);
		put(c, key, 1, val);
	}
	int hits = 0;
	for (int i = 0; i < 2000; i++) {
		snprintf(key, sizeof key, "q=%d&k=10", i);
		snprintf(val, sizeof val, "answer %d", i);
		if (get(c, key, 1, got, sizeof got)) {
			assert_string_equal(got, val);
			hits++;
		}
	}
	assert_int_equal(hits, 2000);
	uint64_t h, m;
	sf_cache_stats(c, &h, &m);
	assert_int_equal(h, (uint64_t)hits);
	assert_int_equal(m, (uint64_t)(2000 - hits));
	/* a new generation: nothing of the old one answers */
	assert_false(get(c, "q=1&k=10", 2, got, sizeof got));
	put(c, "q=1&k=10", 2, "new");
	assert_true(get(c, "q=1&k=10", 2, got, sizeof got));
	assert_string_equal(got, "new");
	assert_false(get(c, "q=1&k=10", 1, got, sizeof got));
	/* 20,000 more: the pool turns over five times; the last 2,000 are all there, and every
	 * hit answers its own value */
	for (int i = 0; i < 20000; i++) {
		snprintf(key, sizeof key, "n=%d", i);
		snprintf(val, sizeof val, "v%d", i);
		put(c, key, 2, val);
	}
	hits = 0;
	for (int i = 19999; i >= 0; i--) {
		snprintf(key, sizeof key, "n=%d", i);
		snprintf(val, sizeof val, "v%d", i);
		if (get(c, key, 2, got, sizeof got)) {
			assert_string_equal(got, val);
			hits++;
		} else {
			assert_true(i < 18000);
		}
	}
	assert_true(hits >= 2000 && hits <= 4096);
	sf_cache_free(c);
}

static void test_least_recent_goes(void **state)
{
	(void)state;
	/* 16 shards of 4 entries; five keys of one shard are found by trying */
	struct sf_cache *c = sf_cache_new(64);
	char keys[5][32], got[32];
	int n = 0;
	for (int i = 0; n < 5 && i < 100000; i++) {
		char k[32];
		snprintf(k, sizeof k, "k%d", i);
		if (sf_hash64(k, strlen(k), 0x63616368) % 16 != 0) continue;
		snprintf(keys[n++], sizeof keys[0], "%s", k);
	}
	assert_int_equal(n, 5);
	for (int i = 0; i < 4; i++) put(c, keys[i], 1, keys[i]);
	for (int i = 0; i < 4; i++) assert_true(get(c, keys[i], 1, got, sizeof got));
	/* key 0 used again: key 1 is now the least recent and makes room for key 4 */
	assert_true(get(c, keys[0], 1, got, sizeof got));
	put(c, keys[4], 1, keys[4]);
	assert_true(get(c, keys[4], 1, got, sizeof got));
	assert_string_equal(got, keys[4]);
	assert_true(get(c, keys[0], 1, got, sizeof got));
	assert_false(get(c, keys[1], 1, got, sizeof got));
	assert_true(get(c, keys[2], 1, got, sizeof got));
	assert_true(get(c, keys[3], 1, got, sizeof got));
	/* the same key stored again replaces its own slot, not another */
	put(c, keys[2], 1, "again");
	assert_true(get(c, keys[2], 1, got, sizeof got));
	assert_string_equal(got, "again");
	assert_true(get(c, keys[3], 1, got, sizeof got));
	assert_true(get(c, keys[4], 1, got, sizeof got));
	sf_cache_free(c);
}

static void test_limits(void **state)
{
	(void)state;
	char got[32];
	assert_null(sf_cache_new(0));
	assert_false(get(NULL, "q", 1, got, sizeof got)); /* no cache: never a hit */
	put(NULL, "q", 1, "x");                            /* and nothing kept */
	struct sf_cache *c = sf_cache_new(64);
	size_t big = (64u << 10) + 1;
	char *v = malloc(big);
	memset(v, 'a', big);
	sf_cache_put(c, "big", 3, 1, v, big);
	assert_false(get(c, "big", 1, got, sizeof got));
	sf_cache_put(c, "big", 3, 1, v, big - 1);
	struct sf_buf b = SF_BUF_INIT;
	assert_true(sf_cache_get(c, "big", 3, 1, &b));
	assert_int_equal(b.len, big - 1);
	sf_buf_release(&b);
	free(v);
	sf_cache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_working_set_stays),
		cmocka_unit_test(test_least_recent_goes),
		cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
