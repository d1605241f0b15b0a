/* tests/unit/text/test_snippet.c: snippets: inflected forms marked at the right offsets, the
 * window with the most distinct terms, word-boundary cuts, valid UTF-8, no match. */
#include "testutil.h"

#include <stdio.h>

#include "base/str.h"
#include "text/analyze.h"
#include "text/snippet.h"
#include "text/utf8.h"

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

/* Query terms as the parser makes them: each word analyzed (stemmed). */
struct qterms {
	struct sf_buf b[8];
	struct sf_str t[8];
	size_t n;
};

static void qterms_make(struct qterms *q, const char *const *words, size_t n)
{
	q->n = n;
	for (size_t i = 0; i < n; i++) {
		sf_buf_init(&q->b[i], 0);
		assert_int_equal(sf_analyze_term(an, words[i], strlen(words[i]), true, &q->b[i]), SF_OK);
		assert_true(q->b[i].len > 0);
		q->t[i] = (struct sf_str){ q->b[i].ptr, q->b[i].len };
	}
}

static void qterms_release(struct qterms *q)
{
	for (size_t i = 0; i < q->n; i++) sf_buf_release(&q->b[i]);
}

/* The snippet of text for words, in a static buffer's worth of sf_buf (caller releases). */
static void snip(const char *text, const char *const *words, size_t nwords, size_t max_bytes,
		 struct sf_buf *out)
{
	struct qterms q;
	qterms_make(&q, words, nwords);
	struct sf_snippet_opts o = { .max_bytes = max_bytes };
	sf_buf_reset(out);
	assert_int_equal(sf_snippet_make(an, text, strlen(text), q.t, q.n, &o, out), SF_OK);
	assert_true(sf_utf8_valid(out->ptr, out->len));
	qterms_release(&q);
}

static int count(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle)) n++;
	return n;
}

static void inflected_forms_marked(void **state)
{
	const char *words[] = { "пароль" };
	struct sf_buf out = SF_BUF_INIT;
	snip("Сброс пароля выполняется в личном кабинете. Новый пароль придет по почте, "
	     "старым паролем войти нельзя.",
	     words, 1, 0, &out);
	assert_string_equal(out.ptr, "Сброс [пароля] выполняется в личном кабинете. Новый [пароль] "
				     "придет по почте, старым [паролем] войти нельзя.");
	sf_buf_release(&out);
}

static void window_has_most_distinct_terms(void **state)
{
	struct sf_buf text = SF_BUF_INIT;
	/* "принтер" alone near the start; "принтер" and "картридж" together much later */
	assert_int_equal(sf_buf_adds(&text, "Принтер стоит в коридоре. "), SF_OK);
	for (int i = 0; i < 20; i++)
		assert_int_equal(sf_buf_adds(&text, "Здесь идет длинный текст без нужных слов. "), SF_OK);
	assert_int_equal(sf_buf_adds(&text, "Чтобы заменить картридж, откройте крышку принтера "
					    "и потяните рычаг."),
			 SF_OK);
	for (int i = 0; i < 10; i++)
		assert_int_equal(sf_buf_adds(&text, "Еще немного текста после. "), SF_OK);
	const char *words[] = { "принтер", "картридж" };
	struct sf_buf out = SF_BUF_INIT;
	snip(text.ptr, words, 2, 120, &out);
	assert_non_null(strstr(out.ptr, "[картридж]"));
	assert_non_null(strstr(out.ptr, "[принтера]"));
	assert_null(strstr(out.ptr, "[Принтер]"));
	/* cut on both sides, at word boundaries */
	assert_memory_equal(out.ptr, "\xE2\x80\xA6", 3);
	assert_memory_equal(out.ptr + out.len - 3, "\xE2\x80\xA6", 3);
	assert_true(out.ptr[3] != ' ');
	assert_true(out.len <= 120 + 2 * 32 + 6 + 4 * 2);

	/* with one term, ties go to the earliest window */
	const char *one[] = { "принтер" };
	snip(text.ptr, one, 1, 120, &out);
	assert_non_null(strstr(out.ptr, "[Принтер] стоит"));
	assert_int_equal(strncmp(out.ptr, "[Принтер]", 9), 0);
	sf_buf_release(&out);
	sf_buf_release(&text);
}

static void no_match_gives_start_of_text(void **state)
{
	const char *words[] = { "vpn" };
	struct sf_buf out = SF_BUF_INIT;
	snip("Настройка почтового клиента на рабочем ноутбуке сотрудника бухгалтерии", words, 1, 40,
	     &out);
	assert_int_equal(strncmp(out.ptr, "Настройка почтового", strlen("Настройка почтового")), 0);
	assert_memory_equal(out.ptr + out.len - 3, "\xE2\x80\xA6", 3);
	assert_null(strchr(out.ptr, '['));
	/* the cut is after a whole word */
	assert_true(out.ptr[out.len - 4] != ' ');
	assert_true(out.len - 3 <= 40);
	/* no terms at all: the same */
	struct sf_buf out2 = SF_BUF_INIT;
	struct sf_snippet_opts o = { .max_bytes = 40 };
	const char *t = "Настройка почтового клиента на рабочем ноутбуке сотрудника бухгалтерии";
	assert_int_equal(sf_snippet_make(an, t, strlen(t), NULL, 0, &o, &out2), SF_OK);
	assert_string_equal(out.ptr, out2.ptr);
	sf_buf_release(&out);
	sf_buf_release(&out2);
}

static void output_is_valid_utf8_at_any_width(void **state)
{
	/* long Cyrillic words with no blanks nearby force cuts inside words */
	struct sf_buf text = SF_BUF_INIT;
	for (int i = 0; i < 30; i++) assert_int_equal(sf_buf_adds(&text, "абвгдеёжзийклмнопрстуфхцчшщ"), SF_OK);
	assert_int_equal(sf_buf_adds(&text, " ошибка "), SF_OK);
	for (int i = 0; i < 30; i++) assert_int_equal(sf_buf_adds(&text, "ЭЮЯэюя"), SF_OK);
	assert_int_equal(sf_buf_adds(&text, "\xff\xfe broken bytes"), SF_OK);
	const char *words[] = { "ошибка", "broken" };
	struct sf_buf out = SF_BUF_INIT;
	for (size_t w = 1; w < 300; w += 7) {
		snip(text.ptr, words, 2, w, &out);
		assert_true(count(out.ptr, "[") == count(out.ptr, "]"));
	}
	snip(text.ptr, words, 1, 60, &out);
	assert_non_null(strstr(out.ptr, "[ошибка]"));
	sf_buf_release(&out);
	sf_buf_release(&text);
}

static void markers_blanks_and_compounds(void **state)
{
	struct qterms q;
	const char *words[] = { "connection", "сервер" };
	qterms_make(&q, words, 2);
	struct sf_snippet_opts o = { .open = "<b>", .close = "</b>" };
	struct sf_buf out = SF_BUF_INIT;
	const char *t = "  Сервер\n\n   отвечает ERR_CONNECTION_REFUSED\t\tпосле перезагрузки  \n";
	assert_int_equal(sf_snippet_make(an, t, strlen(t), q.t, q.n, &o, &out), SF_OK);
	assert_string_equal(out.ptr,
			    "<b>Сервер</b> отвечает ERR_<b>CONNECTION</b>_REFUSED после перезагрузки");
	sf_buf_reset(&out);
	assert_int_equal(sf_snippet_make(an, "", 0, q.t, q.n, NULL, &out), SF_OK);
	assert_string_equal(out.ptr, "");
	qterms_release(&q);
	sf_buf_release(&out);
}

static void compound_term_marked_whole(void **state)
{
	/* the whole compound as a query term (what the parser emits for "+0x80070005") */
	struct sf_str t = SF_STR("0x80070005");
	struct sf_buf out = SF_BUF_INIT;
	const char *text = "Код 0x80070005 означает отказ в доступе.";
	assert_int_equal(sf_snippet_make(an, text, strlen(text), &t, 1, NULL, &out), SF_OK);
	assert_string_equal(out.ptr, "Код [0x80070005] означает отказ в доступе.");
	sf_buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(inflected_forms_marked),
		cmocka_unit_test(window_has_most_distinct_terms),
		cmocka_unit_test(no_match_gives_start_of_text),
		cmocka_unit_test(output_is_valid_utf8_at_any_width),
		cmocka_unit_test(markers_blanks_and_compounds),
		cmocka_unit_test(compound_term_marked_whole),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
