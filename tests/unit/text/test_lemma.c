/*
 * tests/unit/text/test_lemma.c: the analyzer without the hunspell dictionary. main points
 * SUFLER_HUNSPELL_DICT at a path that does not exist before any analyzer is made (the dictionary
 * is looked up once per process), so this is a separate program from test_analyze.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>

#include "text/analyze.h"

struct terms {
	char t[64][SF_TERM_MAX + 1];
	size_t n;
};

static int collect(void *ctx, const struct sf_token *tok)
{
	struct terms *ts = ctx;
	assert_true(ts->n < 64);
	memcpy(ts->t[ts->n], tok->term, tok->term_len);
	ts->t[ts->n][tok->term_len] = 0;
	ts->n++;
	return 0;
}

static struct sf_analyzer *new_analyzer(bool lemmatize)
{
	struct sf_analyzer_opts o;
	sf_analyzer_opts_default(&o);
	o.lemmatize = lemmatize;
	struct sf_analyzer *a = NULL;
	assert_int_equal(sf_analyzer_new(&o, &a, NULL), SF_OK);
	assert_non_null(a);
	return a;
}

/* Lemmas asked for, no dictionary: the analyzer works, stems only and says so. */
static void missing_dictionary_falls_back(void **state)
{
	struct sf_analyzer *a = new_analyzer(true);
	struct sf_analyzer *plain = new_analyzer(false);
	assert_string_equal(sf_analyzer_signature(a),
			    "sufler-analyzer/1 lemma=none stem=snowball stop=1 parts=1");
	assert_string_equal(sf_analyzer_signature(a), sf_analyzer_signature(plain));

	/* With the dictionary "ошибок" would be "ошибк" and "записи" "зап" (test_analyze). */
	const char *text = "Записи ошибок в журнале настроек: drivers ERR_CONNECTION_REFUSED 0x80070005";
	struct terms x = { .n = 0 }, y = { .n = 0 };
	assert_int_equal(sf_analyze(a, text, strlen(text), collect, &x), SF_OK);
	assert_int_equal(sf_analyze(plain, text, strlen(text), collect, &y), SF_OK);
	assert_int_equal(x.n, y.n);
	for (size_t i = 0; i < x.n; i++) assert_string_equal(x.t[i], y.t[i]);
	assert_true(x.n >= 4);
	assert_string_equal(x.t[0], "запис");
	assert_string_equal(x.t[1], "ошибок");

	struct sf_buf b = SF_BUF_INIT;
	assert_int_equal(sf_analyze_term(a, "настроек", strlen("настроек"), true, &b), SF_OK);
	assert_string_equal(b.ptr, "настроек");
	sf_buf_release(&b);
	sf_analyzer_free(plain);
	sf_analyzer_free(a);
}

int main(void)
{
	if (setenv("SUFLER_HUNSPELL_DICT", "/nonexistent/ru_RU", 1) != 0) {
		perror("setenv");
		return 1;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(missing_dictionary_falls_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
