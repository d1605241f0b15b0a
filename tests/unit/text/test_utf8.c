/*
 * tests/unit/text/test_utf8.c: strict UTF-8 decoding, validation and repair: overlongs,
 * surrogates, code points past U+10FFFF, truncated sequences, NULs, limits.
 */
#include "testutil.h"

#include "text/utf8.h"

#define S(lit) lit, sizeof(lit) - 1

static void valid_inputs(void **state)
{
	assert_true(sf_utf8_valid(S("")));
	assert_true(sf_utf8_valid(S("plain ASCII text, long enough to use the word loop")));
	assert_true(sf_utf8_valid(S("пароль ёлка")));
	assert_true(sf_utf8_valid(S("\xc2\x80")));             /* U+0080, smallest 2-byte */
	assert_true(sf_utf8_valid(S("\xe0\xa0\x80")));         /* U+0800, smallest 3-byte */
	assert_true(sf_utf8_valid(S("\xed\x9f\xbf")));         /* U+D7FF, just below surrogates */
	assert_true(sf_utf8_valid(S("\xee\x80\x80")));         /* U+E000, just above them */
	assert_true(sf_utf8_valid(S("\xef\xbf\xbd")));         /* U+FFFD */
	assert_true(sf_utf8_valid(S("\xf0\x90\x80\x80")));     /* U+10000 */
	assert_true(sf_utf8_valid(S("\xf4\x8f\xbf\xbf")));     /* U+10FFFF, the last */
	assert_true(sf_utf8_valid(S("emoji \xf0\x9f\x98\x80 ok")));
}

static void invalid_inputs(void **state)
{
	static const struct {
		const char *s;
		size_t n;
	} bad[] = {
		{ S("\x80") },                 /* lone continuation */
		{ S("\xbf") },
		{ S("\xc0\xaf") },             /* overlong '/' */
		{ S("\xc1\xbf") },             /* overlong */
		{ S("\xe0\x80\xaf") },         /* overlong 3-byte */
		{ S("\xe0\x9f\xbf") },         /* overlong U+07FF */
		{ S("\xf0\x80\x80\xaf") },     /* overlong 4-byte */
		{ S("\xf0\x8f\xbf\xbf") },     /* overlong U+FFFF */
		{ S("\xed\xa0\x80") },         /* U+D800 */
		{ S("\xed\xbf\xbf") },         /* U+DFFF */
		{ S("\xf4\x90\x80\x80") },     /* U+110000 */
		{ S("\xf5\x80\x80\x80") },     /* lead byte past the range */
		{ S("\xff") },
		{ S("\xfe") },
		{ S("\xe2\x82") },             /* truncated 3-byte */
		{ S("\xf0\x9f\x98") },         /* truncated 4-byte */
		{ S("\xd0") },                 /* truncated 2-byte */
		{ S("\xd0\x41") },             /* lead without continuation */
		{ S("abcdefgh\xffijklmnop") }, /* bad byte after a full ASCII word */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (sf_utf8_valid(bad[i].s, bad[i].n)) fail_msg("case %zu passed as valid", i);
		uint32_t cp;
		/* Every case here starts with (or, the last, contains) an invalid sequence. */
		if (i + 1 < sizeof bad / sizeof bad[0]) assert_int_equal(sf_utf8_decode(bad[i].s, bad[i].n, &cp), 0);
	}
}

static void decode_encode(void **state)
{
	uint32_t cp = 0;
	assert_int_equal(sf_utf8_decode("", 0, &cp), 0);
	assert_int_equal(sf_utf8_decode("A", 1, &cp), 1);
	assert_int_equal(cp, 'A');
	assert_int_equal(sf_utf8_decode("ё", 2, &cp), 2);
	assert_int_equal(cp, 0x451);
	assert_int_equal(sf_utf8_decode("€", 3, &cp), 3);
	assert_int_equal(cp, 0x20ac);
	assert_int_equal(sf_utf8_decode("\xf4\x8f\xbf\xbf", 4, &cp), 4);
	assert_int_equal(cp, 0x10ffff);
	/* n limits what is read: a complete sequence cut by n is invalid. */
	assert_int_equal(sf_utf8_decode("ё", 1, &cp), 0);

	static const uint32_t cps[] = { 0, 0x7f, 0x80, 0x7ff, 0x800, 0x451, 0xd7ff, 0xe000, 0xfffd,
					0xffff, 0x10000, 0x1f600, 0x10ffff };
	for (size_t i = 0; i < sizeof cps / sizeof cps[0]; i++) {
		char b[4];
		size_t n = sf_utf8_encode(cps[i], b);
		assert_true(n >= 1 && n <= 4);
		assert_true(sf_utf8_valid(b, n));
		uint32_t back = 0xffffffff;
		assert_int_equal(sf_utf8_decode(b, n, &back), n);
		assert_int_equal(back, cps[i]);
	}
}

static void repair_replaces_and_drops(void **state)
{
	struct sf_buf b = SF_BUF_INIT;
	size_t fixed = 99;
	assert_int_equal(sf_utf8_repair(S("a\xff" "b"), &b, &fixed), SF_OK);
	assert_string_equal(b.ptr, "a\xef\xbf\xbd" "b");
	assert_int_equal(fixed, 1);

	sf_buf_reset(&b);
	assert_int_equal(sf_utf8_repair("a\0b", 3, &b, &fixed), SF_OK);
	assert_int_equal(b.len, 2);
	assert_string_equal(b.ptr, "ab");
	assert_int_equal(fixed, 0);

	/* A truncated sequence: one U+FFFD per byte. A surrogate: three. */
	sf_buf_reset(&b);
	assert_int_equal(sf_utf8_repair(S("x\xe2\x82"), &b, &fixed), SF_OK);
	assert_string_equal(b.ptr, "x\xef\xbf\xbd\xef\xbf\xbd");
	assert_int_equal(fixed, 2);
	sf_buf_reset(&b);
	assert_int_equal(sf_utf8_repair(S("\xed\xa0\x80пароль"), &b, &fixed), SF_OK);
	assert_int_equal(fixed, 3);
	assert_string_equal(b.ptr, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdпароль");

	/* Valid input is appended unchanged, after what out held. */
	assert_int_equal(sf_utf8_repair(S(" ok ёж"), &b, NULL), SF_OK);
	assert_string_equal(b.ptr, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdпароль ok ёж");
	sf_buf_release(&b);
}

static void repair_respects_limit(void **state)
{
	struct sf_buf b;
	sf_buf_init(&b, 8);
	assert_int_equal(sf_buf_adds(&b, "abc"), SF_OK);
	assert_int_equal(sf_utf8_repair(S("de\xff\xff"), &b, NULL), SF_ERR_LIMIT);
	assert_string_equal(b.ptr, "abc");
	assert_int_equal(sf_utf8_repair(S("de\xff"), &b, NULL), SF_OK);
	assert_int_equal(b.len, 8);
	sf_buf_release(&b);
}

static void repair_always_valid(void **state)
{
	/* Random bytes biased toward UTF-8 lead and continuation bytes: the output is always valid,
	 * and repairing it again changes nothing. */
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	struct sf_buf b = SF_BUF_INIT, c = SF_BUF_INIT;
	for (int round = 0; round < 2000; round++) {
		unsigned char in[64];
		size_t n = (size_t)(round % 64);
		for (size_t i = 0; i < n; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			static const unsigned char pick[] = { 'a', 0, 0x80, 0xbf, 0xc2, 0xd0, 0xe0, 0xed,
							      0xef, 0xf0, 0xf4, 0xf5, 0xff, 0xa0, 0x9f, 0x8f };
			in[i] = (x >> 8) & 1 ? pick[x % sizeof pick] : (unsigned char)(x >> 16);
		}
		sf_buf_reset(&b);
		sf_buf_reset(&c);
		size_t fixed = 0, again = 1;
		assert_int_equal(sf_utf8_repair((const char *)in, n, &b, &fixed), SF_OK);
		assert_true(sf_utf8_valid(b.ptr, b.len));
		assert_null(memchr(b.ptr, 0, b.len));
		assert_int_equal(fixed == 0, sf_utf8_valid((const char *)in, n));
		assert_int_equal(sf_utf8_repair(b.ptr, b.len, &c, &again), SF_OK);
		assert_int_equal(again, 0);
		assert_int_equal(c.len, b.len);
		assert_memory_equal(c.ptr, b.ptr, b.len);
	}
	sf_buf_release(&b);
	sf_buf_release(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(valid_inputs),
		cmocka_unit_test(invalid_inputs),
		cmocka_unit_test(decode_encode),
		cmocka_unit_test(repair_replaces_and_drops),
		cmocka_unit_test(repair_respects_limit),
		cmocka_unit_test(repair_always_valid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
