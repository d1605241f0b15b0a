/* tests/unit/index/test_query_parse.c: the query language: word forms, phrases with stop-word
 * gaps, signs, fields, filters, compounds, synonyms, limits, invalid UTF-8, and URLs and paths
 * that must stay words. Expected terms are computed with sf_analyze_term, so the tests check
 * the parser's decisions, not the stemmer's. */
#include "testutil.h"

#include <stdio.h>

#include "base/str.h"
#include "index/query.h"
#include "text/analyze.h"
#include "text/synonyms.h"

static struct sf_analyzer *an;
static struct sf_synonyms *syn;

static const char dict[] = "зп, зарплата, заработная плата\n"
			   "впн, vpn\n"
			   "учетка, учетная запись\n";

static int setup(void **state)
{
	struct sf_buf err = SF_BUF_INIT;
	if (!(an = sf_test_analyzer())) return -1;
	if (sf_synonyms_parse(an, dict, strlen(dict), &syn, NULL, &err) != SF_OK) {
		fprintf(stderr, "synonyms: %s\n", err.ptr);
		return -1;
	}
	sf_buf_release(&err);
	return 0;
}

static int teardown(void **state)
{
	sf_synonyms_free(syn);
	sf_analyzer_free(an);
	return 0;
}

/* The analyzed (stemmed) form of one word, in one of a few rotating buffers. */
static const char *T(const char *word)
{
	static char bufs[8][SF_TERM_MAX + 1];
	static int k;
	struct sf_buf b = SF_BUF_INIT;
	assert_int_equal(sf_analyze_term(an, word, strlen(word), true, &b), SF_OK);
	assert_true(b.len > 0 && b.len <= SF_TERM_MAX);
	char *out = bufs[k++ % 8];
	memcpy(out, b.ptr, b.len + 1);
	sf_buf_release(&b);
	return out;
}

static struct sf_query *P(const char *text)
{
	struct sf_query *q = NULL;
	struct sf_buf err = SF_BUF_INIT;
	enum sf_err e = sf_query_parse(text, strlen(text), an, syn, &q, &err);
	if (e != SF_OK) fprintf(stderr, "parse '%s': %s\n", text, err.ptr);
	assert_int_equal(e, SF_OK);
	assert_non_null(q);
	sf_buf_release(&err);
	return q;
}

static enum sf_err P_err(const char *text, size_t len, struct sf_buf *err)
{
	struct sf_query *q = (struct sf_query *)1;
	enum sf_err e = sf_query_parse(text, len, an, syn, &q, err);
	if (e != SF_OK) assert_null(q);
	sf_query_free(q);
	return e;
}

/* The term (term, fields) of q with occur, or NULL. */
static const struct sf_qterm *find(const struct sf_query *q, const char *term, uint8_t fields,
				   enum sf_occur occur)
{
	for (size_t i = 0; i < q->nterms; i++) {
		const struct sf_qterm *t = &q->terms[i];
		if (t->fields == fields && t->occur == occur && strlen(term) == t->len &&
		    memcmp(t->term, term, t->len) == 0)
			return t;
	}
	return NULL;
}

static size_t count_term(const struct sf_query *q, const char *term)
{
	size_t n = 0;
	for (size_t i = 0; i < q->nterms; i++)
		n += strlen(term) == q->terms[i].len && memcmp(q->terms[i].term, term, q->terms[i].len) == 0;
	return n;
}

static bool highlighted(const struct sf_query *q, const char *term)
{
	for (size_t i = 0; i < q->nhighlight; i++)
		if (sf_str_eq_c(q->highlight[i], term)) return true;
	return false;
}

static const struct sf_qfilter *filter(const struct sf_query *q, const char *name)
{
	for (size_t i = 0; i < q->nfilters; i++)
		if (strcmp(q->filters[i].name, name) == 0) return &q->filters[i];
	return NULL;
}

#define TITLE ((uint8_t)(1u << SF_FIELD_TITLE))
#define BODY ((uint8_t)(1u << SF_FIELD_BODY))

static void free_words_are_should_terms(void **state)
{
	struct sf_query *q = P("Пароль  принтер");
	assert_int_equal(q->nterms, 2);
	const struct sf_qterm *t = find(q, T("пароль"), SF_FIELDS_ALL, SF_SHOULD);
	assert_non_null(t);
	assert_true(t->weight == 1.0f);
	assert_non_null(find(q, T("принтер"), SF_FIELDS_ALL, SF_SHOULD));
	assert_int_equal(q->nphrases, 0);
	assert_int_equal(q->nfilters, 0);
	assert_int_equal(q->nhighlight, 2);
	assert_true(highlighted(q, T("пароль")));
	sf_query_free(q);
}

static void word_forms_meet(void **state)
{
	assert_string_equal(T("паролем"), T("пароль"));
	struct sf_query *q = P("паролем паролю пароля");
	/* one term, typed three times: kept once, weight 1 */
	assert_int_equal(q->nterms, 1);
	assert_string_equal(q->terms[0].term, T("пароль"));
	assert_true(q->terms[0].weight == 1.0f);
	assert_int_equal(q->nhighlight, 1);
	sf_query_free(q);
}

static void phrase_keeps_stop_word_gaps(void **state)
{
	struct sf_query *q = P("\"книга о python\" ошибка");
	assert_int_equal(q->nphrases, 1);
	const struct sf_qphrase *ph = &q->phrases[0];
	assert_int_equal(ph->nterms, 2);
	assert_string_equal(ph->terms[0], T("книга"));
	assert_string_equal(ph->terms[1], T("python"));
	assert_int_equal(ph->rel_pos[0], 0);
	assert_int_equal(ph->rel_pos[1], 2);
	assert_int_equal(ph->occur, SF_MUST);
	assert_int_equal(ph->fields, SF_FIELDS_ALL);
	/* the phrase's words also score */
	assert_non_null(find(q, T("книга"), SF_FIELDS_ALL, SF_SHOULD));
	assert_non_null(find(q, T("python"), SF_FIELDS_ALL, SF_SHOULD));
	assert_non_null(find(q, T("ошибка"), SF_FIELDS_ALL, SF_SHOULD));
	assert_true(highlighted(q, T("python")));
	sf_query_free(q);

	/* typographic quotes, and a quote left open runs to the end */
	q = P("«сброс пароля» \"письмо от банка");
	assert_int_equal(q->nphrases, 2);
	assert_string_equal(q->phrases[0].terms[0], T("сброс"));
	assert_int_equal(q->phrases[1].nterms, 2);
	assert_string_equal(q->phrases[1].terms[1], T("банка"));
	assert_int_equal(q->phrases[1].rel_pos[1], 2);
	sf_query_free(q);
}

static void signs_require_and_exclude(void **state)
{
	struct sf_query *q = P("+впн -принтер -\"сброс пароля\" +\"личный кабинет\"");
	assert_non_null(find(q, T("впн"), SF_FIELDS_ALL, SF_MUST));
	assert_non_null(find(q, T("принтер"), SF_FIELDS_ALL, SF_MUST_NOT));
	assert_int_equal(q->nphrases, 2);
	assert_int_equal(q->phrases[0].occur, SF_MUST_NOT);
	assert_int_equal(q->phrases[1].occur, SF_MUST);
	/* excluded words neither score nor highlight */
	assert_null(find(q, T("сброс"), SF_FIELDS_ALL, SF_SHOULD));
	assert_false(highlighted(q, T("принтер")));
	assert_false(highlighted(q, T("сброс")));
	assert_true(highlighted(q, T("кабинет")));
	/* signed words are not expanded by synonyms */
	assert_int_equal(count_term(q, T("vpn")), 0);
	sf_query_free(q);

	/* a lone sign is ignored; a word typed free and required is one MUST term */
	q = P("- пароль + +пароль");
	assert_int_equal(q->nterms, 1);
	assert_int_equal(q->terms[0].occur, SF_MUST);
	sf_query_free(q);

	/* a one-word phrase is a required term */
	q = P("\"паролем\"");
	assert_int_equal(q->nphrases, 0);
	assert_non_null(find(q, T("пароль"), SF_FIELDS_ALL, SF_MUST));
	sf_query_free(q);
}

static void fields_restrict_terms_and_phrases(void **state)
{
	struct sf_query *q = P("title:пароль BODY:\"сброс пароля\" Title:-x");
	assert_non_null(find(q, T("пароль"), TITLE, SF_SHOULD));
	assert_null(find(q, T("пароль"), SF_FIELDS_ALL, SF_SHOULD));
	assert_int_equal(q->nphrases, 1);
	assert_int_equal(q->phrases[0].fields, BODY);
	assert_non_null(find(q, T("сброс"), BODY, SF_SHOULD));
	assert_non_null(find(q, T("пароль"), BODY, SF_SHOULD));
	sf_query_free(q);

	q = P("+title:впн -body:принтер");
	assert_non_null(find(q, T("впн"), TITLE, SF_MUST));
	assert_non_null(find(q, T("принтер"), BODY, SF_MUST_NOT));
	/* a synonym alternative of a field word would keep the field; signed: none */
	assert_int_equal(count_term(q, T("vpn")), 0);
	sf_query_free(q);

	q = P("title:зп");
	const struct sf_qterm *t = find(q, T("зарплата"), TITLE, SF_SHOULD);
	assert_non_null(t);
	assert_true(t->weight == SF_QUERY_SYN_WEIGHT);
	sf_query_free(q);
}

static void filters_or_within_and_across(void **state)
{
	struct sf_query *q = P("kind:pdf KIND:HTML lang:ru category:\"Сеть и VPN\" acl:support "
			       "source:Confluence");
	assert_int_equal(q->nterms, 0);
	assert_int_equal(q->nphrases, 0);
	assert_int_equal(q->nfilters, 5);
	const struct sf_qfilter *f = filter(q, "kind");
	assert_non_null(f);
	assert_int_equal(f->nvalues, 2);
	assert_string_equal(f->values[0], "pdf");
	assert_string_equal(f->values[1], "html");
	assert_string_equal(filter(q, "lang")->values[0], "ru");
	assert_string_equal(filter(q, "category")->values[0], "сеть и vpn");
	assert_string_equal(filter(q, "acl")->values[0], "support");
	assert_string_equal(filter(q, "source")->values[0], "confluence");
	assert_int_equal(q->nhighlight, 0);
	sf_query_free(q);

	/* not stemmed: "принтеры" stays a whole value */
	q = P("category:Принтеры +kind:pdf");
	assert_string_equal(filter(q, "category")->values[0], "принтеры");
	assert_string_equal(filter(q, "kind")->values[0], "pdf");
	sf_query_free(q);

	struct sf_buf err = SF_BUF_INIT;
	assert_int_equal(P_err("пароль -kind:pdf", strlen("пароль -kind:pdf"), &err), SF_ERR_INVALID);
	assert_non_null(strstr(err.ptr, "kind"));
	sf_buf_release(&err);
}

static void urls_paths_times_stay_words(void **state)
{
	const char *inputs[] = { "http://intranet.local/help", "C:\\Windows\\system32",
				 "10:30", "foo:bar", "title:", "::", "kind:", "https://x.ru/a:b" };
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		struct sf_query *q = P(inputs[i]);
		assert_int_equal(q->nfilters, 0);
		for (size_t k = 0; k < q->nterms; k++) {
			assert_int_equal(q->terms[k].fields, SF_FIELDS_ALL);
			assert_int_equal(q->terms[k].occur, SF_SHOULD);
		}
		sf_query_free(q);
	}
	/* the URL reaches the analyzer whole and comes back as its compound term */
	struct sf_query *q = P("http://intranet.local/help");
	assert_true(q->nterms >= 2);
	bool whole = false;
	for (size_t k = 0; k < q->nterms; k++)
		whole |= strstr(q->terms[k].term, "intranet.local") != NULL;
	assert_true(whole);
	sf_query_free(q);
	/* a known name inside a path is no field either */
	q = P("C:\\title:x");
	assert_int_equal(q->nfilters, 0);
	assert_null(find(q, T("x"), TITLE, SF_SHOULD));
	sf_query_free(q);
}

static void compounds_whole_and_parts(void **state)
{
	struct sf_query *q = P("ERR_CONNECTION_REFUSED");
	assert_non_null(find(q, "err_connection_refused", SF_FIELDS_ALL, SF_SHOULD));
	assert_non_null(find(q, T("connection"), SF_FIELDS_ALL, SF_SHOULD));
	assert_non_null(find(q, T("refused"), SF_FIELDS_ALL, SF_SHOULD));
	assert_true(highlighted(q, T("connection")));
	sf_query_free(q);

	q = P("+ERR_CONNECTION_REFUSED");
	assert_non_null(find(q, "err_connection_refused", SF_FIELDS_ALL, SF_MUST));
	assert_non_null(find(q, T("connection"), SF_FIELDS_ALL, SF_SHOULD));
	assert_null(find(q, T("connection"), SF_FIELDS_ALL, SF_MUST));
	sf_query_free(q);

	q = P("-ERR_CONNECTION_REFUSED");
	assert_int_equal(q->nterms, 1);
	assert_non_null(find(q, "err_connection_refused", SF_FIELDS_ALL, SF_MUST_NOT));
	assert_int_equal(q->nhighlight, 0);
	sf_query_free(q);

	/* in a phrase the compound is one word at its position */
	q = P("\"ошибка 0x80070005 при установке\"");
	assert_int_equal(q->nphrases, 1);
	assert_int_equal(q->phrases[0].nterms, 3);
	assert_string_equal(q->phrases[0].terms[1], "0x80070005");
	for (size_t i = 1; i < q->phrases[0].nterms; i++)
		assert_true(q->phrases[0].rel_pos[i] > q->phrases[0].rel_pos[i - 1]);
	sf_query_free(q);
}

static void stop_words_vanish(void **state)
{
	struct sf_query *q = P("и в на the of");
	assert_int_equal(q->nterms, 0);
	assert_int_equal(q->nphrases, 0);
	assert_int_equal(q->nhighlight, 0);
	sf_query_free(q);
	q = P("\"и в\" +the -of");
	assert_int_equal(q->nterms, 0);
	assert_int_equal(q->nphrases, 0);
	sf_query_free(q);
	q = P("");
	assert_int_equal(q->nterms, 0);
	sf_query_free(q);
	q = P("kind:pdf и");
	assert_int_equal(q->nterms, 0);
	assert_int_equal(q->nfilters, 1);
	sf_query_free(q);
}

static void synonyms_expand_free_words(void **state)
{
	struct sf_query *q = P("зп");
	const struct sf_qterm *t = find(q, T("зп"), SF_FIELDS_ALL, SF_SHOULD);
	assert_non_null(t);
	assert_true(t->weight == 1.0f);
	t = find(q, T("зарплата"), SF_FIELDS_ALL, SF_SHOULD);
	assert_non_null(t);
	assert_true(t->weight == SF_QUERY_SYN_WEIGHT);
	/* a two-word alternative: each word at half the synonym weight */
	t = find(q, T("заработная"), SF_FIELDS_ALL, SF_SHOULD);
	assert_non_null(t);
	assert_true(t->weight == SF_QUERY_SYN_WEIGHT / 2);
	assert_non_null(find(q, T("плата"), SF_FIELDS_ALL, SF_SHOULD));
	assert_int_equal(q->nterms, 4);
	assert_true(highlighted(q, T("зарплата")));
	sf_query_free(q);

	/* the multi-word entry, in other forms and with a stop word before it */
	q = P("не пришла заработной платы за март");
	t = find(q, T("зп"), SF_FIELDS_ALL, SF_SHOULD);
	assert_non_null(t);
	assert_true(t->weight == SF_QUERY_SYN_WEIGHT);
	assert_non_null(find(q, T("зарплата"), SF_FIELDS_ALL, SF_SHOULD));
	/* typed words keep weight 1 */
	assert_true(find(q, T("платы"), SF_FIELDS_ALL, SF_SHOULD)->weight == 1.0f);
	sf_query_free(q);

	/* a typed word that is also an alternative keeps weight 1 */
	q = P("впн vpn");
	assert_int_equal(q->nterms, 2);
	assert_true(find(q, T("vpn"), SF_FIELDS_ALL, SF_SHOULD)->weight == 1.0f);
	assert_true(find(q, T("впн"), SF_FIELDS_ALL, SF_SHOULD)->weight == 1.0f);
	sf_query_free(q);

	/* quoted text is not expanded, and a filter splits a run */
	q = P("\"учетная запись\" учетная kind:pdf запись");
	assert_int_equal(count_term(q, T("учетка")), 0);
	sf_query_free(q);

	/* without a dictionary: no expansion */
	struct sf_query *q2 = NULL;
	assert_int_equal(sf_query_parse("зп", strlen("зп"), an, NULL, &q2, NULL), SF_OK);
	assert_int_equal(q2->nterms, 1);
	sf_query_free(q2);
}

static void limits_and_invalid_utf8(void **state)
{
	struct sf_buf err = SF_BUF_INIT;
	char big[SF_QUERY_MAX_BYTES + 2];
	memset(big, 'a', sizeof(big));
	for (size_t i = 1; i < sizeof(big); i += 2) big[i] = ' ';
	assert_int_equal(P_err(big, SF_QUERY_MAX_BYTES + 1, &err), SF_ERR_LIMIT);
	assert_true(err.len > 0);

	/* SF_QUERY_MAX_TERMS distinct words pass, one more fails */
	struct sf_buf text = SF_BUF_INIT;
	for (int i = 0; i < SF_QUERY_MAX_TERMS; i++)
		assert_int_equal(sf_buf_addf(&text, "zq%c%cx ", 'a' + i / 26, 'a' + i % 26), SF_OK);
	struct sf_query *q = P(text.ptr);
	assert_int_equal(q->nterms, SF_QUERY_MAX_TERMS);
	sf_query_free(q);
	assert_int_equal(sf_buf_adds(&text, "lastword"), SF_OK);
	sf_buf_reset(&err);
	assert_int_equal(P_err(text.ptr, text.len, &err), SF_ERR_LIMIT);
	assert_non_null(strstr(err.ptr, "terms"));
	/* repeating one word many times is fine */
	sf_buf_reset(&text);
	for (int i = 0; i < 300; i++) assert_int_equal(sf_buf_adds(&text, "пароль "), SF_OK);
	q = P(text.ptr);
	assert_int_equal(q->nterms, 1);
	sf_query_free(q);

	assert_int_equal(P_err("\xff\xfe", 2, &err), SF_ERR_INVALID);
	assert_int_equal(P_err("паро\xd0", 9, &err), SF_ERR_INVALID);
	assert_int_equal(P_err("\xed\xa0\x80", 3, &err), SF_ERR_INVALID); /* a surrogate */
	assert_int_equal(P_err("a\"\xc0\xaf\"", 5, &err), SF_ERR_INVALID); /* overlong */
	sf_buf_release(&text);
	sf_buf_release(&err);
}

static void describe_shows_the_query(void **state)
{
	struct sf_query *q = P("+впн -принтер title:пароль kind:pdf \"сброс пароля\" зп");
	struct sf_buf d = SF_BUF_INIT;
	assert_int_equal(sf_query_describe(q, &d), SF_OK);
	assert_non_null(strstr(d.ptr, T("впн")));
	assert_non_null(strstr(d.ptr, T("принтер")));
	assert_non_null(strstr(d.ptr, "pdf"));
	assert_non_null(strstr(d.ptr, T("зарплата")));
	sf_buf_release(&d);
	sf_query_free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(free_words_are_should_terms),
		cmocka_unit_test(word_forms_meet),
		cmocka_unit_test(phrase_keeps_stop_word_gaps),
		cmocka_unit_test(signs_require_and_exclude),
		cmocka_unit_test(fields_restrict_terms_and_phrases),
		cmocka_unit_test(filters_or_within_and_across),
		cmocka_unit_test(urls_paths_times_stay_words),
		cmocka_unit_test(compounds_whole_and_parts),
		cmocka_unit_test(stop_words_vanish),
		cmocka_unit_test(synonyms_expand_free_words),
		cmocka_unit_test(limits_and_invalid_utf8),
		cmocka_unit_test(describe_shows_the_query),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
