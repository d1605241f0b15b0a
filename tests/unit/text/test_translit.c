/*
 * tests/unit/text/test_translit.c: the query-side term helpers: Latin <-> Cyrillic
 * transliteration (translit.h) and the bounded edit distance (fuzzy.h), the latter checked
 * against a plain unbounded implementation on many small strings.
 */
#include "testutil.h"

#include <stdio.h>

#include "text/fuzzy.h"
#include "text/translit.h"

static void translit_table(void **state)
{
	static const struct {
		const char *in, *out;
		enum sf_script to;
	} rows[] = {
		{ "vpn", "впн", SF_SCRIPT_CYRILLIC },
		{ "zoom", "зум", SF_SCRIPT_CYRILLIC },
		{ "впн", "vpn", SF_SCRIPT_LATIN },
		{ "парол", "parol", SF_SCRIPT_LATIN },
		{ "parol", "парол", SF_SCRIPT_CYRILLIC },
		{ "щука", "shchuka", SF_SCRIPT_LATIN },
		{ "shchuka", "щука", SF_SCRIPT_CYRILLIC },
		{ "ёжик", "ezhik", SF_SCRIPT_LATIN },
		{ "zhurnal", "журнал", SF_SCRIPT_CYRILLIC },
		{ "хабр", "khabr", SF_SCRIPT_LATIN },
		{ "chat", "чат", SF_SCRIPT_CYRILLIC },
		{ "yandex", "яндекс", SF_SCRIPT_CYRILLIC },
		{ "юзер", "yuzer", SF_SCRIPT_LATIN },
		{ "цех", "tsekh", SF_SCRIPT_LATIN },
		{ "объект", "obekt", SF_SCRIPT_LATIN },
		{ "cisco", "сиско", SF_SCRIPT_CYRILLIC },
		{ "windows", "виндовс", SF_SCRIPT_CYRILLIC },
		{ "key", "кей", SF_SCRIPT_CYRILLIC },
		{ "1c", "1к", SF_SCRIPT_CYRILLIC },
		{ "wi-fi", "ви-фи", SF_SCRIPT_CYRILLIC },
		{ "VPN", "впн", SF_SCRIPT_CYRILLIC },
		{ "ПАРОЛ", "parol", SF_SCRIPT_LATIN },
	};
	struct sf_buf b = SF_BUF_INIT;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		sf_buf_reset(&b);
		enum sf_script to = SF_SCRIPT_OTHER;
		assert_int_equal(sf_translit(rows[i].in, strlen(rows[i].in), &b, &to), SF_OK);
		if (strcmp(b.ptr, rows[i].out) != 0) fail_msg("%s -> %s, want %s", rows[i].in, b.ptr, rows[i].out);
		assert_int_equal(to, rows[i].to);
	}
	sf_buf_release(&b);
}

static void translit_refuses_mixed_and_other(void **state)
{
	static const char *const none[] = { "", "123", "vpnвпн", "café", "a b", "ъ", "——", "\xff" };
	struct sf_buf b = SF_BUF_INIT;
	for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
		enum sf_script to = SF_SCRIPT_LATIN;
		assert_int_equal(sf_translit(none[i], strlen(none[i]), &b, &to), SF_OK);
		if (b.len) fail_msg("\"%s\" gave \"%s\"", none[i], b.ptr);
		assert_int_equal(to, SF_SCRIPT_OTHER);
	}
	/* Appends, and refuses past the buffer's maximum leaving it as it was. */
	struct sf_buf small;
	sf_buf_init(&small, 4);
	assert_int_equal(sf_buf_adds(&small, "x"), SF_OK);
	assert_int_equal(sf_translit("щ", strlen("щ"), &small, NULL), SF_ERR_LIMIT);
	assert_string_equal(small.ptr, "x");
	assert_int_equal(sf_translit("ш", strlen("ш"), &small, NULL), SF_OK);
	assert_string_equal(small.ptr, "xsh");
	sf_buf_release(&small);
	sf_buf_release(&b);
}

#define D(a, b, max) sf_edit_distance_bounded(a, strlen(a), b, strlen(b), max)

static void distance_cases(void **state)
{
	assert_int_equal(D("", "", 2), 0);
	assert_int_equal(D("пароль", "пароль", 0), 0);
	assert_int_equal(D("пароль", "праоль", 2), 1);  /* transposition */
	assert_int_equal(D("пароль", "парось", 2), 1);  /* one code point, not two bytes */
	assert_int_equal(D("пароль", "паро", 2), 2);
	assert_int_equal(D("пароль", "пар", 2), 3);     /* over the bound: max + 1 */
	assert_int_equal(D("kitten", "sitting", 5), 3);
	assert_int_equal(D("kitten", "sitting", 2), 3);
	assert_int_equal(D("kitten", "sitting", 1), 2);
	assert_int_equal(D("ca", "abc", 5), 3);         /* OSA, not full Damerau (2) */
	assert_int_equal(D("abc", "", 5), 3);
	assert_int_equal(D("", "abc", 1), 2);
	assert_int_equal(D("a", "b", 0), 1);
	assert_int_equal(D("a", "b", -3), 1);           /* negative max is 0 */
	assert_int_equal(D("vpn", "впн", 5), 3);
	/* Invalid bytes count one each. */
	assert_int_equal(sf_edit_distance_bounded("a\xff", 2, "a\xfe", 2, 3), 1);

	/* Long strings (past the stack buffers). */
	char x[601], y[601];
	memset(x, 'a', 600);
	memset(y, 'a', 600);
	x[600] = y[600] = 0;
	y[300] = 'b';
	assert_int_equal(D(x, y, 2), 1);
	y[0] = 'c';
	y[599] = 'd';
	assert_int_equal(D(x, y, 2), 3);
	assert_int_equal(D(x, y, 3), 3);
	assert_int_equal(D(x, "a", 2), 3);
}

/* The textbook O(n*m) optimal string alignment distance over bytes of a 1-byte alphabet. */
static int ref_osa(const char *a, size_t n, const char *b, size_t m)
{
	int d[16][16];
	for (size_t i = 0; i <= n; i++) d[i][0] = (int)i;
	for (size_t j = 0; j <= m; j++) d[0][j] = (int)j;
	for (size_t i = 1; i <= n; i++)
		for (size_t j = 1; j <= m; j++) {
			int v = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < v) v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v) v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[n][m];
}

static void distance_matches_reference(void **state)
{
	uint64_t x = 12345;
	for (int round = 0; round < 20000; round++) {
		char a[12], b[12];
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		size_t n = x % 9, m = (x >> 8) % 9;
		for (size_t i = 0; i < n; i++) a[i] = "abcd"[(x >> (16 + 2 * i)) & 3];
		for (size_t i = 0; i < m; i++) b[i] = "abcd"[(x >> (36 + 2 * i)) & 3];
		if (round % 3 == 0 && n) { /* often nearly equal strings */
			memcpy(b, a, n);
			m = n;
			if (n > 1) {
				char t = b[0];
				b[0] = b[1];
				b[1] = t;
			}
		}
		int ref = ref_osa(a, n, b, m);
		for (int max = 0; max <= 4; max++) {
			int got = sf_edit_distance_bounded(a, n, b, m, max);
			int want = ref <= max ? ref : max + 1;
			if (got != want)
				fail_msg("'%.*s' vs '%.*s' max %d: got %d, want %d", (int)n, a, (int)m, b, max, got, want);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(translit_table),
		cmocka_unit_test(translit_refuses_mixed_and_other),
		cmocka_unit_test(distance_cases),
		cmocka_unit_test(distance_matches_reference),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
