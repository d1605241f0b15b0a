/* tests/unit/base/test_str.c: sf_buf limits and formatting, hashing and CRC-32C. */
#include "testutil.h"

#include "base/hash.h"
#include "base/str.h"

static void buf_grows_and_stays_terminated(void **state)
{
	struct sf_buf b = SF_BUF_INIT;
	assert_string_equal(b.ptr, "");
	for (int i = 0; i < 1000; i++) assert_int_equal(sf_buf_addf(&b, "%d,", i % 10), SF_OK);
	assert_int_equal(b.len, 2000);
	assert_int_equal(b.ptr[b.len], 0);
	assert_memory_equal(b.ptr, "0,1,2,", 6);
	sf_buf_release(&b);
	assert_string_equal(b.ptr, "");
}

static void buf_limit_refuses_and_keeps(void **state)
{
	struct sf_buf b;
	sf_buf_init(&b, 10);
	assert_int_equal(sf_buf_adds(&b, "12345678"), SF_OK);
	assert_int_equal(sf_buf_adds(&b, "abc"), SF_ERR_LIMIT);
	assert_string_equal(b.ptr, "12345678");
	assert_int_equal(sf_buf_addf(&b, "%s", "xyz"), SF_ERR_LIMIT);
	assert_int_equal(sf_buf_adds(&b, "90"), SF_OK);
	assert_string_equal(b.ptr, "1234567890");
	sf_buf_release(&b);
}

static void list_items_trimmed(void **state)
{
	(void)state;
	const char *want[] = { "a", "", "b c", "d", "" };
	struct sf_str rest = sf_str_c(" a ,, b c,d ,"), it;
	size_t n = 0;
	while (sf_str_next_item(&rest, ',', &it)) {
		assert_true(n < 5);
		assert_true(sf_str_eq_c(it, want[n]));
		n++;
	}
	assert_int_equal(n, 5);
	rest = sf_str_c(NULL);
	assert_false(sf_str_next_item(&rest, ',', &it));
	rest = sf_str_c("solo");
	assert_true(sf_str_next_item(&rest, ',', &it) && sf_str_eq_c(it, "solo"));
	assert_false(sf_str_next_item(&rest, ',', &it));
}

static void crc32c_known_vector(void **state)
{
	/* The standard check value of CRC-32C over "123456789". */
	assert_int_equal(sf_crc32c(0, "123456789", 9), 0xe3069283u);
	/* Continuation equals one pass. */
	uint32_t c = sf_crc32c(0, "12345", 5);
	assert_int_equal(sf_crc32c(c, "6789", 4), 0xe3069283u);
}

static void hash_differs_on_small_changes(void **state)
{
	assert_true(sf_hash64("abc", 3, 0) != sf_hash64("abd", 3, 0));
	assert_true(sf_hash64("abc", 3, 0) != sf_hash64("abc", 3, 1));
	assert_true(sf_hash64("", 0, 0) != sf_hash64("\0", 1, 0));
	assert_true(sf_hash64("abc", 3, 7) == sf_hash64("abc", 3, 7));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(buf_grows_and_stays_terminated),
		cmocka_unit_test(buf_limit_refuses_and_keeps),
		cmocka_unit_test(list_items_trimmed),
		cmocka_unit_test(crc32c_known_vector),
		cmocka_unit_test(hash_differs_on_small_changes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
