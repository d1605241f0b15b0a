/* tests/unit/text/test_synonyms.c: the synonym dictionary: parsing, bad lines, longest match,
 * word forms, and the default dictionary in share/. Run from the repository root. */
#include "testutil.h"

#include <stdio.h>

#include "base/str.h"
#include "text/analyze.h"
#include "text/synonyms.h"

static struct sf_analyzer *an;

static int setup(void **state)
{
	an = sf_test_analyzer();
	return an ? 0 : -1;
}

static int teardown(void **state)
{
	sf_analyzer_free(an);
	return 0;
}

/* The analyzed top-level terms of text, as the query parser hands them to the dictionary. */
struct terms {
	char buf[16][SF_TERM_MAX];
	struct sf_str t[16];
	size_t n;
};

static int add_tok(void *ctx, const struct sf_token *tok)
{
	struct terms *ts = ctx;
	if (tok->kind == SF_TOK_PART || ts->n == 16) return 0;
	memcpy(ts->buf[ts->n], tok->term, tok->term_len);
	ts->t[ts->n] = (struct sf_str){ ts->buf[ts->n], tok->term_len };
	ts->n++;
	return 0;
}

static void analyze(const char *text, struct terms *ts)
{
	ts->n = 0;
	assert_int_equal(sf_analyze(an, text, strlen(text), add_tok, ts), SF_OK);
}

static struct sf_synonyms *parse(const char *text, size_t *skipped)
{
	struct sf_synonyms *s = NULL;
	struct sf_buf err = SF_BUF_INIT;
	assert_int_equal(sf_synonyms_parse(an, text, strlen(text), &s, skipped, &err), SF_OK);
	assert_non_null(s);
	sf_buf_release(&err);
	return s;
}

/* True when one of alts is exactly the analysis of text. */
static bool has_alt(const struct sf_syn_alt *alts, size_t nalts, const char *text)
{
	struct terms ts;
	analyze(text, &ts);
	for (size_t i = 0; i < nalts; i++) {
		if (alts[i].nterms != ts.n) continue;
		size_t k = 0;
		while (k < ts.n && sf_str_eq(alts[i].terms[k], ts.t[k])) k++;
		if (k == ts.n) return true;
	}
	return false;
}

/* How many terms of the analysis of query match, with the alternatives. */
static size_t match(const struct sf_synonyms *s, const char *query, const struct sf_syn_alt **alts,
		    size_t *nalts)
{
	struct terms ts;
	analyze(query, &ts);
	return sf_synonyms_match(s, ts.t, ts.n, alts, nalts);
}

static void parses_groups_and_comments(void **state)
{
	size_t skipped = 99;
	struct sf_synonyms *s = parse("# a comment\n"
				      "\n"
				      "впн, vpn   # trailing comment\r\n"
				      "  зп ,зарплата, заработная плата  \n"
				      "   \n",
				      &skipped);
	assert_int_equal(sf_synonyms_count(s), 2);
	assert_int_equal(skipped, 0);
	const struct sf_syn_alt *alts;
	size_t nalts;
	assert_int_equal(match(s, "впн", &alts, &nalts), 1);
	assert_int_equal(nalts, 1);
	assert_true(has_alt(alts, nalts, "vpn"));
	assert_int_equal(match(s, "VPN", &alts, &nalts), 1);
	assert_true(has_alt(alts, nalts, "впн"));
	assert_int_equal(match(s, "зп", &alts, &nalts), 1);
	assert_int_equal(nalts, 2);
	assert_true(has_alt(alts, nalts, "зарплата"));
	assert_true(has_alt(alts, nalts, "заработная плата"));
	assert_int_equal(alts[0].nterms + alts[1].nterms, 3);
	/* a comment is not an entry */
	assert_int_equal(match(s, "trailing comment", &alts, &nalts), 0);
	assert_int_equal(nalts, 0);
	assert_null(alts);
	sf_synonyms_free(s);
}

static void skips_bad_lines_and_counts_them(void **state)
{
	size_t skipped = 0;
	struct sf_synonyms *s = NULL;
	struct sf_buf err = SF_BUF_INIT;
	const char *text = "впн, vpn\n"
			   "одиночка\n"                              /* line 2: one entry */
			   "зарплата, зарплату\n"                    /* same term twice */
			   "сервер принтер монитор сканер ноутбук роутер модем коммутатор кабель, x\n"
			   "принтер, printer\n"
			   ", ,\n";                                  /* nothing: not a group */
	assert_int_equal(sf_synonyms_parse(an, text, strlen(text), &s, &skipped, &err), SF_OK);
	assert_int_equal(sf_synonyms_count(s), 2);
	assert_int_equal(skipped, 3);
	assert_non_null(strstr(err.ptr, "line 2"));
	const struct sf_syn_alt *alts;
	size_t nalts;
	assert_int_equal(match(s, "принтер", &alts, &nalts), 1);
	assert_int_equal(match(s, "одиночка", &alts, &nalts), 0);
	assert_int_equal(match(s, "x", &alts, &nalts), 0);
	sf_synonyms_free(s);
	sf_buf_release(&err);
}

static void longest_entry_wins(void **state)
{
	struct sf_synonyms *s = parse("запись, record\n"
				      "учетная запись, аккаунт\n"
				      "учетная запись администратора, админка\n",
				      NULL);
	const struct sf_syn_alt *alts;
	size_t nalts;
	assert_int_equal(match(s, "учетная запись администратора сломалась", &alts, &nalts), 3);
	assert_int_equal(nalts, 1);
	assert_true(has_alt(alts, nalts, "админка"));
	assert_int_equal(match(s, "учетная запись", &alts, &nalts), 2);
	assert_true(has_alt(alts, nalts, "аккаунт"));
	assert_false(has_alt(alts, nalts, "админка"));
	/* only runs that start at terms[0] */
	assert_int_equal(match(s, "запись учетная", &alts, &nalts), 1);
	assert_true(has_alt(alts, nalts, "record"));
	assert_int_equal(match(s, "учетная", &alts, &nalts), 0);
	sf_synonyms_free(s);
}

static void word_forms_match(void **state)
{
	struct sf_synonyms *s = parse("пароль, пасс\nзп, заработная плата\n", NULL);
	const struct sf_syn_alt *alts;
	size_t nalts;
	assert_int_equal(match(s, "паролем", &alts, &nalts), 1);
	assert_true(has_alt(alts, nalts, "пасс"));
	assert_int_equal(match(s, "Пароля", &alts, &nalts), 1);
	assert_int_equal(match(s, "заработной платы", &alts, &nalts), 2);
	assert_true(has_alt(alts, nalts, "зп"));
	/* stop words in a query are dropped before matching, as the parser does */
	assert_int_equal(match(s, "о заработной плате", &alts, &nalts), 2);
	sf_synonyms_free(s);
}

static void same_entry_in_two_groups_unites(void **state)
{
	struct sf_synonyms *s = parse("пароль, пасс\nпароль, password\n", NULL);
	const struct sf_syn_alt *alts;
	size_t nalts;
	assert_int_equal(sf_synonyms_count(s), 2);
	assert_int_equal(match(s, "пароль", &alts, &nalts), 1);
	assert_int_equal(nalts, 2);
	assert_true(has_alt(alts, nalts, "пасс"));
	assert_true(has_alt(alts, nalts, "password"));
	assert_int_equal(match(s, "пасс", &alts, &nalts), 1);
	assert_int_equal(nalts, 1);
	sf_synonyms_free(s);
}

static void refuses_invalid_utf8_and_handles_empty(void **state)
{
	struct sf_synonyms *s = NULL;
	struct sf_buf err = SF_BUF_INIT;
	assert_int_equal(sf_synonyms_parse(an, "a, \xff\n", 5, &s, NULL, &err), SF_ERR_INVALID);
	assert_null(s);
	assert_true(err.len > 0);
	s = parse("", NULL);
	assert_int_equal(sf_synonyms_count(s), 0);
	const struct sf_syn_alt *alts;
	size_t nalts;
	assert_int_equal(match(s, "пароль", &alts, &nalts), 0);
	sf_synonyms_free(s);
	sf_synonyms_free(NULL);
	sf_buf_release(&err);
}

static void many_groups_all_found(void **state)
{
	/* more keys than the first table size: growth keeps every key findable */
	struct sf_buf text = SF_BUF_INIT;
	for (int i = 0; i < 300; i++)
		assert_int_equal(sf_buf_addf(&text, "код%d, code%d, k%d x%d\n", i, i, i, i), SF_OK);
	struct sf_synonyms *s = parse(text.ptr, NULL);
	assert_int_equal(sf_synonyms_count(s), 300);
	for (int i = 0; i < 300; i += 7) {
		char q[64];
		snprintf(q, sizeof(q), "k%d x%d", i, i);
		const struct sf_syn_alt *alts;
		size_t nalts;
		assert_int_equal(match(s, q, &alts, &nalts), 2);
		assert_int_equal(nalts, 2);
		snprintf(q, sizeof(q), "code%d", i);
		assert_true(has_alt(alts, nalts, q));
	}
	sf_synonyms_free(s);
	sf_buf_release(&text);
}

static void default_dictionary_loads(void **state)
{
	struct sf_synonyms *s = NULL;
	struct sf_buf err = SF_BUF_INIT;
	size_t skipped = 99;
	enum sf_err e = sf_synonyms_load(an, "share/synonyms.txt", &s, &skipped, &err);
	if (e != SF_OK) fprintf(stderr, "load: %s\n", err.ptr);
	assert_int_equal(e, SF_OK);
	if (skipped) fprintf(stderr, "skipped: %s\n", err.ptr);
	assert_int_equal(skipped, 0);
	assert_in_range(sf_synonyms_count(s), 30, 80);
	const struct sf_syn_alt *alts;
	size_t nalts;
	assert_int_equal(match(s, "винду", &alts, &nalts), 1);
	assert_true(has_alt(alts, nalts, "windows"));
	assert_int_equal(match(s, "учетной записи", &alts, &nalts), 2);
	assert_true(has_alt(alts, nalts, "учетка"));
	assert_int_equal(match(s, "e-mail", &alts, &nalts), 1);
	assert_true(has_alt(alts, nalts, "почта"));
	sf_synonyms_free(s);

	assert_int_equal(sf_synonyms_load(an, "share/no-such-file.txt", &s, NULL, &err), SF_ERR_IO);
	assert_null(s);
	sf_buf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_groups_and_comments),
		cmocka_unit_test(skips_bad_lines_and_counts_them),
		cmocka_unit_test(longest_entry_wins),
		cmocka_unit_test(word_forms_match),
		cmocka_unit_test(same_entry_in_two_groups_unites),
		cmocka_unit_test(refuses_invalid_utf8_and_handles_empty),
		cmocka_unit_test(many_groups_all_found),
		cmocka_unit_test(default_dictionary_loads),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
