/*
 * tests/unit/text/test_analyze.c: the analyzer: word forms, normalization, look-alikes, compounds
 * and their parts, stop words and positions, byte offsets, invalid input, limits, the term cache,
 * hunspell-ru lemmas (they need the dictionary: scripts/install-deps installs hunspell-ru).
 */
#include "testutil.h"

#include <stdio.h>

#include "text/analyze.h"
#include "text/utf8.h"

struct tok {
	char term[SF_TERM_MAX + 1];
	size_t len;
	uint32_t pos, start, end;
	int kind, script;
};

struct toks {
	struct tok t[512];
	size_t n;
	int stop_after; /* stop the analysis after this many tokens (0: never) */
};

static int collect(void *ctx, const struct sf_token *t)
{
	struct toks *ts = ctx;
	assert_true(ts->n < sizeof ts->t / sizeof ts->t[0]);
	struct tok *o = &ts->t[ts->n++];
	assert_true(t->term_len >= 1 && t->term_len <= SF_TERM_MAX);
	memcpy(o->term, t->term, t->term_len);
	o->term[t->term_len] = 0;
	o->len = t->term_len;
	o->pos = t->pos;
	o->start = t->start;
	o->end = t->end;
	o->kind = t->kind;
	o->script = t->script;
	return ts->stop_after && (int)ts->n >= ts->stop_after;
}

static struct sf_analyzer *new_analyzer(bool stem, bool stop, bool parts)
{
	struct sf_analyzer_opts o;
	sf_analyzer_opts_default(&o);
	o.stem = stem;
	o.stopwords = stop;
	o.parts = parts;
	struct sf_analyzer *a = NULL;
	assert_int_equal(sf_analyzer_new(&o, &a, NULL), SF_OK);
	assert_non_null(a);
	return a;
}

static int setup(void **state)
{
	*state = new_analyzer(true, true, true);
	return 0;
}

static int teardown(void **state)
{
	sf_analyzer_free(*state);
	return 0;
}

/* Analyzes text and checks the invariants every token must meet. */
static void run(struct sf_analyzer *a, const char *text, struct toks *ts)
{
	ts->n = 0;
	ts->stop_after = 0; /* callers declare ts without an initializer */
	size_t len = strlen(text);
	assert_int_equal(sf_analyze(a, text, len, collect, ts), SF_OK);
	for (size_t i = 0; i < ts->n; i++) {
		const struct tok *t = &ts->t[i];
		assert_true(sf_utf8_valid(t->term, t->len));
		assert_true(t->start < t->end && t->end <= len);
		if (i) assert_true(t->pos >= ts->t[i - 1].pos);
	}
}

/* The first token with this term (and kind, unless kind < 0), or NULL. */
static const struct tok *find(const struct toks *ts, const char *term, int kind)
{
	for (size_t i = 0; i < ts->n; i++)
		if (strcmp(ts->t[i].term, term) == 0 && (kind < 0 || ts->t[i].kind == kind)) return &ts->t[i];
	return NULL;
}

static const struct tok *must_find(const struct toks *ts, const char *term, int kind)
{
	const struct tok *t = find(ts, term, kind);
	if (!t) {
		fprintf(stderr, "term \"%s\" (kind %d) not among:", term, kind);
		for (size_t i = 0; i < ts->n; i++) fprintf(stderr, " %s/%d@%u", ts->t[i].term, ts->t[i].kind, ts->t[i].pos);
		fprintf(stderr, "\n");
		fail();
	}
	return t;
}

/* text[start..end] of a token equals want. */
static void assert_span(const char *text, const struct tok *t, const char *want)
{
	size_t n = t->end - t->start;
	if (n != strlen(want) || memcmp(text + t->start, want, n) != 0) {
		fprintf(stderr, "span of \"%s\" is \"%.*s\", want \"%s\"\n", t->term, (int)n, text + t->start, want);
		fail();
	}
}

/* The single term one word analyzes to. */
static void one_term(struct sf_analyzer *a, const char *word, char out[SF_TERM_MAX + 1])
{
	struct toks ts = { .n = 0 };
	run(a, word, &ts);
	if (ts.n != 1) {
		fprintf(stderr, "\"%s\" gave %zu tokens\n", word, ts.n);
		fail();
	}
	memcpy(out, ts.t[0].term, ts.t[0].len + 1);
}

static void word_forms_meet(void **state)
{
	struct sf_analyzer *a = *state;
	/* Each row: surface forms that must give one and the same term, and that term. */
	static const struct {
		const char *forms[4];
		const char *term;
	} rows[] = {
		{ { "пароль", "пароля", "паролем", "Паролю" }, "парол" },
		{ { "connection", "connections", "Connection", "CONNECTIONS" }, "connect" },
		{ { "принтер", "принтера", "принтеров", "ПРИНТЕРОМ" }, "принтер" },
		{ { "ёлка", "елка", "Ёлка", "ЕЛКА" }, "елк" },
		{ { "Windоws" /* Cyrillic о */, "windows", "WINDOWS", "Windows" }, "window" },
		{ { "пaроль" /* Latin a */, "пароль", "пAроль", "пароль" }, "парол" },
		{ { "пар\xc2\xadоль" /* soft hyphen */, "пароль", "паро\xe2\x80\x8bль" /* ZWSP */, "па\xef\xbb\xbfроль" /* BOM */ }, "парол" },
		{ { "\xef\xac\x81le" /* U+FB01 ﬁ */, "file", "FILE", "\xef\xbc\xa6ile" /* fullwidth F */ }, "file" },
		{ { "настройки", "настройка", "настройку", "Настройкой" }, "настройк" },
		{ { "refused", "refuse", "REFUSED", "refuses" }, "refus" },
		{ { "сервер", "сервера", "серверу", "серверами" }, "сервер" },
	};
	for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
		for (size_t f = 0; f < 4; f++) {
			char got[SF_TERM_MAX + 1];
			one_term(a, rows[r].forms[f], got);
			if (strcmp(got, rows[r].term) != 0) {
				fprintf(stderr, "\"%s\" -> \"%s\", want \"%s\"\n", rows[r].forms[f], got, rows[r].term);
				fail();
			}
		}
	}
	/* And different words stay different. */
	char x[SF_TERM_MAX + 1], y[SF_TERM_MAX + 1];
	one_term(a, "пароль", x);
	one_term(a, "логин", y);
	assert_string_not_equal(x, y);
	one_term(a, "connection", x);
	one_term(a, "collection", y);
	assert_string_not_equal(x, y);
}

static void script_and_kind(void **state)
{
	struct sf_analyzer *a = *state;
	struct toks ts;
	run(a, "Пароль password 2024 мойwindows", &ts);
	assert_int_equal(ts.n, 4);
	assert_int_equal(ts.t[0].script, SF_SCRIPT_CYRILLIC);
	assert_int_equal(ts.t[0].kind, SF_TOK_WORD);
	assert_int_equal(ts.t[1].script, SF_SCRIPT_LATIN);
	assert_string_equal(ts.t[2].term, "2024");
	assert_int_equal(ts.t[2].kind, SF_TOK_NUMBER);
	/* A real mix (й has no Latin look-alike) is left alone and not stemmed. */
	assert_string_equal(ts.t[3].term, "мойwindows");
	assert_int_equal(ts.t[3].script, SF_SCRIPT_OTHER);
}

static void error_codes(void **state)
{
	struct sf_analyzer *a = *state;
	struct toks ts;
	const char *text = "Ошибка 0x80070005 при входе: ERR_CONNECTION_REFUSED, код E-1024.";
	run(a, text, &ts);
	const struct tok *c = must_find(&ts, "0x80070005", SF_TOK_COMPOUND);
	const struct tok *p = must_find(&ts, "80070005", SF_TOK_PART);
	assert_int_equal(c->pos, 1);
	assert_int_equal(p->pos, 1);
	assert_span(text, c, "0x80070005");
	assert_span(text, p, "80070005");
	/* "при" is a stop word: dropped, position 2 kept. */
	assert_null(find(&ts, "при", -1));
	assert_int_equal(must_find(&ts, "вход", SF_TOK_WORD)->pos, 3);

	c = must_find(&ts, "err_connection_refused", SF_TOK_COMPOUND);
	assert_span(text, c, "ERR_CONNECTION_REFUSED");
	const struct tok *p1 = must_find(&ts, "err", SF_TOK_PART);
	const struct tok *p2 = must_find(&ts, "connect", SF_TOK_PART);
	const struct tok *p3 = must_find(&ts, "refus", SF_TOK_PART);
	assert_int_equal(c->pos, 4);
	assert_int_equal(p1->pos, 4);
	assert_int_equal(p2->pos, 5);
	assert_int_equal(p3->pos, 6);
	assert_span(text, p2, "CONNECTION");

	c = must_find(&ts, "e-1024", SF_TOK_COMPOUND);
	assert_span(text, c, "E-1024"); /* the final period is not part of it */
	assert_int_equal(must_find(&ts, "1024", SF_TOK_PART)->pos, c->pos + 1);
	assert_int_equal(must_find(&ts, "код", SF_TOK_WORD)->pos, 7);
	assert_int_equal(c->pos, 8);

	/* A query "connection refused" gives the same terms one position apart. */
	run(a, "connection refused", &ts);
	assert_int_equal(ts.n, 2);
	assert_string_equal(ts.t[0].term, "connect");
	assert_string_equal(ts.t[1].term, "refus");
	assert_int_equal(ts.t[1].pos - ts.t[0].pos, p3->pos - p2->pos);
	/* And "80070005" alone is a number that meets the part. */
	run(a, "80070005", &ts);
	assert_int_equal(ts.n, 1);
	assert_int_equal(ts.t[0].kind, SF_TOK_NUMBER);
	assert_string_equal(ts.t[0].term, "80070005");
}

static void versions_and_numbers(void **state)
{
	struct sf_analyzer *a = *state;
	struct toks ts;
	const char *text = "Обновите до версии 1.2.3. В 2024 году";
	run(a, text, &ts);
	const struct tok *c = must_find(&ts, "1.2.3", SF_TOK_COMPOUND);
	assert_span(text, c, "1.2.3");
	assert_int_equal(c->pos, 3);
	const struct tok *v1 = c + 1;
	assert_string_equal(v1[0].term, "1");
	assert_string_equal(v1[1].term, "2");
	assert_string_equal(v1[2].term, "3");
	for (int i = 0; i < 3; i++) {
		assert_int_equal(v1[i].kind, SF_TOK_PART);
		assert_int_equal(v1[i].pos, 3 + i);
	}
	const struct tok *y = must_find(&ts, "2024", SF_TOK_NUMBER);
	assert_int_equal(y->pos, 7); /* 1.2.3 took 3, 4, 5; "в" is 6 */
	assert_null(find(&ts, "1.2.3.", -1));
}

static void paths_mail_urls(void **state)
{
	struct sf_analyzer *a = *state;
	struct toks ts;
	const char *text = "см. /etc/hosts и C:\\Windows\\System32\\drivers, setup.exe; "
			   "пишите на Support.Team@example.com или https://example.com/a/b?x=1.";
	run(a, text, &ts);
	const struct tok *c = must_find(&ts, "/etc/hosts", SF_TOK_COMPOUND);
	assert_span(text, c, "/etc/hosts");
	assert_int_equal(must_find(&ts, "etc", SF_TOK_PART)->pos, c->pos);
	assert_int_equal(must_find(&ts, "host", SF_TOK_PART)->pos, c->pos + 1);

	c = must_find(&ts, "c:\\windows\\system32\\drivers", SF_TOK_COMPOUND);
	assert_span(text, c, "C:\\Windows\\System32\\drivers");
	assert_int_equal(must_find(&ts, "window", SF_TOK_PART)->pos, c->pos + 1);
	assert_int_equal(must_find(&ts, "system", SF_TOK_PART)->pos, c->pos + 2);
	assert_int_equal(must_find(&ts, "32", SF_TOK_PART)->pos, c->pos + 3);
	assert_int_equal(must_find(&ts, "driver", SF_TOK_PART)->pos, c->pos + 4);

	c = must_find(&ts, "setup.exe", SF_TOK_COMPOUND);
	assert_int_equal(must_find(&ts, "exe", SF_TOK_PART)->pos, c->pos + 1);

	c = must_find(&ts, "support.team@example.com", SF_TOK_COMPOUND);
	assert_span(text, c, "Support.Team@example.com");
	must_find(&ts, "team", SF_TOK_PART);

	c = must_find(&ts, "https://example.com/a/b?x=1", SF_TOK_COMPOUND);
	assert_span(text, c, "https://example.com/a/b?x=1");
	assert_int_equal(c->end, strlen(text) - 1);
	must_find(&ts, "https", SF_TOK_PART);
	must_find(&ts, "exampl", SF_TOK_PART);
}

static void hyphens_and_periods(void **state)
{
	struct sf_analyzer *a = *state;
	struct toks ts;
	const char *text = "Кто-то включил Wi-Fi. Не открывается файл.";
	run(a, text, &ts);
	const struct tok *c = must_find(&ts, "кто-то", SF_TOK_COMPOUND);
	assert_int_equal(c->pos, 0);
	/* Both parts are stop words: dropped, but they hold positions 0 and 1. */
	assert_int_equal(must_find(&ts, "включ", SF_TOK_WORD)->pos, 2);
	c = must_find(&ts, "wi-fi", SF_TOK_COMPOUND);
	assert_int_equal(c->pos, 3);
	assert_int_equal(must_find(&ts, "wi", SF_TOK_PART)->pos, 3);
	assert_int_equal(must_find(&ts, "fi", SF_TOK_PART)->pos, 4);
	const struct tok *f = must_find(&ts, "файл", SF_TOK_WORD);
	assert_span(text, f, "файл");
	assert_int_equal(ts.t[ts.n - 1].end, strlen(text) - 1);
	/* Ellipses and double dashes separate words. */
	run(a, "слово...другое -- третье", &ts);
	assert_int_equal(ts.n, 3);
	assert_int_equal(ts.t[0].kind, SF_TOK_WORD);
	assert_int_equal(ts.t[1].kind, SF_TOK_WORD);
	assert_int_equal(ts.t[2].pos, 2);
}

static void stop_words_keep_positions(void **state)
{
	struct sf_analyzer *a = *state;
	struct toks ts;
	run(a, "проблема с сетью и принтером", &ts);
	assert_int_equal(ts.n, 3);
	assert_string_equal(ts.t[0].term, "проблем");
	assert_int_equal(ts.t[0].pos, 0);
	assert_string_equal(ts.t[1].term, "сет");
	assert_int_equal(ts.t[1].pos, 2);
	assert_string_equal(ts.t[2].term, "принтер");
	assert_int_equal(ts.t[2].pos, 4);
	run(a, "the connection of the server", &ts);
	assert_int_equal(ts.n, 2);
	assert_int_equal(ts.t[0].pos, 1);
	assert_int_equal(ts.t[1].pos, 4);
	/* Negation is not a stop word here. */
	run(a, "не работает", &ts);
	assert_int_equal(ts.n, 2);

	struct sf_analyzer *keep = new_analyzer(true, false, true);
	run(keep, "проблема с сетью", &ts);
	assert_int_equal(ts.n, 3);
	assert_string_equal(ts.t[1].term, "с");
	assert_int_equal(ts.t[1].pos, 1);
	sf_analyzer_free(keep);

	assert_true(sf_is_stopword("и", strlen("и")));
	assert_true(sf_is_stopword("the", 3));
	assert_true(sf_is_stopword("которые", strlen("которые")));
	assert_false(sf_is_stopword("пароль", strlen("пароль")));
	assert_false(sf_is_stopword("не", strlen("не")));
	assert_false(sf_is_stopword("th", 2));
	assert_false(sf_is_stopword("", 0));
	assert_false(sf_is_stopword("a\0b", 3));
}

static void offsets_point_to_original(void **state)
{
	struct sf_analyzer *a = *state;
	struct toks ts;
	const char *text = "«Паролями» — ﬁle\tЁЛКИ  Windоws (ПРИНТЕРОВ)";
	run(a, text, &ts);
	assert_int_equal(ts.n, 5);
	assert_span(text, &ts.t[0], "Паролями");
	assert_string_equal(ts.t[0].term, "парол");
	assert_span(text, &ts.t[1], "ﬁle");
	assert_string_equal(ts.t[1].term, "file");
	assert_span(text, &ts.t[2], "ЁЛКИ");
	assert_span(text, &ts.t[3], "Windоws");
	assert_span(text, &ts.t[4], "ПРИНТЕРОВ");
	for (size_t i = 0; i < ts.n; i++) assert_int_equal(ts.t[i].pos, i);
}

static void invalid_utf8(void **state)
{
	struct sf_analyzer *a = *state;
	struct toks ts = { .n = 0 };
	/* Straight in: invalid bytes separate, nothing invalid comes out. */
	const char raw[] = "при\xffвет \xc0\xaf" "abc \xed\xa0\x80x \xe2\x82";
	assert_int_equal(sf_analyze(a, raw, sizeof raw - 1, collect, &ts), SF_OK);
	for (size_t i = 0; i < ts.n; i++) assert_true(sf_utf8_valid(ts.t[i].term, ts.t[i].len));
	must_find(&ts, "вет", SF_TOK_WORD);
	must_find(&ts, "abc", SF_TOK_WORD);
	assert_null(find(&ts, "при", -1)); /* a stop word */
	/* Repaired first, as the boundary does. */
	struct sf_buf b = SF_BUF_INIT;
	size_t fixed = 0;
	assert_int_equal(sf_utf8_repair(raw, sizeof raw - 1, &b, &fixed), SF_OK);
	assert_true(fixed >= 5);
	run(a, b.ptr, &ts);
	must_find(&ts, "вет", SF_TOK_WORD);
	must_find(&ts, "x", SF_TOK_WORD);
	sf_buf_release(&b);
}

static void empty_and_blank(void **state)
{
	struct sf_analyzer *a = *state;
	struct toks ts = { .n = 0 };
	assert_int_equal(sf_analyze(a, "", 0, collect, &ts), SF_OK);
	assert_int_equal(ts.n, 0);
	run(a, " \t\n.,;!?-- … — «»", &ts);
	assert_int_equal(ts.n, 0);
	run(a, "\xe2\x80\x8b \xc2\xad", &ts); /* only ignorables */
	assert_int_equal(ts.n, 0);
	/* Past UINT32_MAX bytes is refused before anything is read. */
	assert_int_equal(sf_analyze(a, "", (size_t)UINT32_MAX + 1, collect, &ts), SF_ERR_LIMIT);
}

static void long_tokens_cut(void **state)
{
	struct sf_analyzer *plain = new_analyzer(false, true, true);
	char text[512];
	size_t n = 0;
	text[n++] = 'q'; /* no Cyrillic look-alike: the word stays mixed, 1 + 2k bytes */
	for (int i = 0; i < 150; i++) {
		memcpy(text + n, "ж", 2);
		n += 2;
	}
	text[n] = 0;
	struct toks ts;
	run(plain, text, &ts);
	assert_int_equal(ts.n, 1);
	assert_int_equal(ts.t[0].len, 63); /* 64 would split a character */
	assert_memory_equal(ts.t[0].term, text, 63);
	assert_int_equal(ts.t[0].end, n);
	/* Long Cyrillic with stemming, and a long URL: cut, valid, 1..SF_TERM_MAX. */
	run(*state, text + 1, &ts);
	assert_int_equal(ts.n, 1);
	assert_true(ts.t[0].len <= SF_TERM_MAX && ts.t[0].len % 2 == 0);
	char url[400];
	int k = snprintf(url, sizeof url, "https://example.com/%0300d", 7);
	assert_true(k > 0 && (size_t)k < sizeof url);
	run(*state, url, &ts);
	assert_int_equal(ts.t[0].kind, SF_TOK_COMPOUND);
	assert_int_equal(ts.t[0].len, SF_TERM_MAX);
	assert_int_equal(ts.t[0].end, strlen(url));
	sf_analyzer_free(plain);
}

static void options_and_stop(void **state)
{
	struct sf_analyzer *whole = new_analyzer(true, true, false);
	struct toks ts;
	run(whole, "ERR_CONNECTION_REFUSED сервер", &ts);
	assert_int_equal(ts.n, 2);
	assert_int_equal(ts.t[0].kind, SF_TOK_COMPOUND);
	assert_int_equal(ts.t[1].pos, 1);
	sf_analyzer_free(whole);

	struct sf_analyzer *nostem = new_analyzer(false, true, true);
	char t[SF_TERM_MAX + 1];
	one_term(nostem, "Паролем", t);
	assert_string_equal(t, "паролем");
	sf_analyzer_free(nostem);

	/* The callback can stop the analysis. */
	ts = (struct toks){ .n = 0, .stop_after = 2 };
	assert_int_equal(sf_analyze(*state, "один два три четыре", strlen("один два три четыре"), collect, &ts),
			 SF_OK);
	assert_int_equal(ts.n, 2);
}

static void analyze_term(void **state)
{
	struct sf_analyzer *a = *state;
	struct sf_buf b = SF_BUF_INIT;
	assert_int_equal(sf_analyze_term(a, "Паролем", strlen("Паролем"), true, &b), SF_OK);
	assert_string_equal(b.ptr, "парол");
	assert_int_equal(sf_analyze_term(a, "Паролем", strlen("Паролем"), false, &b), SF_OK);
	assert_string_equal(b.ptr, "паролем");
	/* ё and Ё fold to е before stemming (Snowball would hide a miss here, so stem=false). */
	assert_int_equal(sf_analyze_term(a, "Ёлки-ёлочки", strlen("Ёлки-ёлочки"), false, &b), SF_OK);
	assert_string_equal(b.ptr, "елки-елочки");
	assert_int_equal(sf_analyze_term(a, "ЁЖ", strlen("ЁЖ"), false, &b), SF_OK);
	assert_string_equal(b.ptr, "еж");
	/* The same through ICU (the ﬁ ligature sends the word off the fast path). */
	assert_int_equal(sf_analyze_term(a, "ﬁ-ЁЖ", strlen("ﬁ-ЁЖ"), false, &b), SF_OK);
	assert_string_equal(b.ptr, "fi-еж");
	/* Look-alikes fold per run of letters, toward the run's majority. */
	assert_int_equal(sf_analyze_term(a, "ﬁЁ", strlen("ﬁЁ"), false, &b), SF_OK);
	assert_string_equal(b.ptr, "fie");
	assert_int_equal(sf_analyze_term(a, "Windоws", strlen("Windоws"), false, &b), SF_OK);
	assert_string_equal(b.ptr, "windows");
	assert_int_equal(sf_analyze_term(a, "и", strlen("и"), true, &b), SF_OK);
	assert_int_equal(b.len, 0);
	assert_int_equal(sf_analyze_term(a, "Wi-Fi", 5, true, &b), SF_OK);
	assert_string_equal(b.ptr, "wi-fi");
	assert_int_equal(sf_analyze_term(a, "1С", strlen("1С"), true, &b), SF_OK);
	assert_string_equal(b.ptr, "1с");
	assert_int_equal(sf_analyze_term(a, "ERR_CONNECTION_REFUSED", 22, true, &b), SF_OK);
	assert_string_equal(b.ptr, "err_connection_refused");
	sf_buf_release(&b);
}

/* An analyzer with default options but lemmatize and stop words as given. */
static struct sf_analyzer *new_lemma_analyzer(bool lemmatize, bool stop)
{
	struct sf_analyzer_opts o;
	sf_analyzer_opts_default(&o);
	o.lemmatize = lemmatize;
	o.stopwords = stop;
	struct sf_analyzer *a = NULL;
	assert_int_equal(sf_analyzer_new(&o, &a, NULL), SF_OK);
	return a;
}

/* Both the cached path (sf_analyze) and sf_analyze_term give term for word. */
static void term_is(struct sf_analyzer *a, const char *word, const char *term)
{
	char got[SF_TERM_MAX + 1];
	one_term(a, word, got);
	if (strcmp(got, term) != 0) {
		fprintf(stderr, "\"%s\" -> \"%s\", want \"%s\"\n", word, got, term);
		fail();
	}
	struct sf_buf b = SF_BUF_INIT;
	assert_int_equal(sf_analyze_term(a, word, strlen(word), true, &b), SF_OK);
	assert_string_equal(b.ptr, term);
	sf_buf_release(&b);
}

static void lemma_joins_forms(void **state)
{
	struct sf_analyzer *a = *state;
	/* The defaults lemmatize, and the dictionary (hunspell-ru, scripts/install-deps) is there. */
	assert_string_equal(sf_analyzer_signature(a),
			    "sufler-analyzer/1 lemma=hunspell-ru stem=snowball stop=1 parts=1");
	/* Forms Snowball alone keeps apart (checked below) meet through the hunspell lemma. */
	static const struct {
		const char *forms[4];
		const char *term;  /* lemma, then Snowball */
		const char *plain[4]; /* Snowball alone */
	} rows[] = {
		{ { "ошибок", "ошибка", "Ошибки", "ошибками" }, "ошибк", { "ошибок", "ошибк", "ошибк", "ошибк" } },
		{ { "настроек", "настройка", "настройки", NULL }, "настройк", { "настроек", "настройк", "настройк", NULL } },
		{ { "записи", "запись", "записью", "ЗАПИСЯМ" }, "зап", { "запис", "зап", "запис", "запис" } },
		{ { "дни", "день", NULL, NULL }, "ден", { "дни", "ден", NULL, NULL } },
	};
	struct sf_analyzer *plain = new_lemma_analyzer(false, true);
	for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
		for (size_t f = 0; f < 4 && rows[r].forms[f]; f++) {
			term_is(a, rows[r].forms[f], rows[r].term);
			term_is(plain, rows[r].forms[f], rows[r].plain[f]);
		}
	}
	/* In running text too, through the term cache, twice (miss, then hit). */
	for (int i = 0; i < 2; i++) {
		struct toks ts = { .n = 0 };
		run(a, "Записи ошибок: список ошибок в записях настроек", &ts);
		assert_int_equal(ts.n, 6);
		static const char *want[] = { "зап", "ошибк", "список", "ошибк", "зап", "настройк" };
		assert_string_equal(ts.t[0].term, want[0]);
		assert_string_equal(ts.t[1].term, want[1]);
		assert_string_equal(ts.t[2].term, want[2]);
		assert_string_equal(ts.t[3].term, want[3]);
		/* "в" is a stop word: dropped, its position kept */
		assert_int_equal(ts.t[4].pos, 5);
		assert_string_equal(ts.t[4].term, want[4]);
		assert_string_equal(ts.t[5].term, want[5]);
	}
	sf_analyzer_free(plain);
}

/* Latin words, codes and numbers come out exactly as without lemmas. */
static void lemma_leaves_latin_and_codes(void **state)
{
	struct sf_analyzer *a = *state;
	struct sf_analyzer *plain = new_lemma_analyzer(false, true);
	const char *text = "Drivers running on Windows: ERR_CONNECTION_REFUSED 0x80070005 v1.2.3 "
			   "user@example.com win10 Wi-Fi records entries 2024";
	struct toks x = { .n = 0 }, y = { .n = 0 };
	run(a, text, &x);
	run(plain, text, &y);
	assert_true(x.n > 10);
	assert_int_equal(x.n, y.n);
	for (size_t i = 0; i < x.n; i++) {
		assert_string_equal(x.t[i].term, y.t[i].term);
		assert_int_equal(x.t[i].pos, y.t[i].pos);
		assert_int_equal(x.t[i].kind, y.t[i].kind);
	}
	/* A compound is never lemmatized whole ("записи" alone would become "зап"). */
	struct sf_buf b = SF_BUF_INIT;
	assert_int_equal(sf_analyze_term(a, "Записи-2", strlen("Записи-2"), true, &b), SF_OK);
	assert_string_equal(b.ptr, "записи-2");
	sf_buf_release(&b);
	sf_analyzer_free(plain);
}

/*
 * Stop words are not lemmatized: kept (stop words off), they stem as before. hunspell's first
 * stem of "какая" is "какать" and of "моя" is "мыть", so a lemma would show.
 */
static void lemma_skips_stop_words(void **state)
{
	struct sf_analyzer *a = new_lemma_analyzer(true, false);
	struct sf_analyzer *plain = new_lemma_analyzer(false, false);
	static const char *words[] = { "какая", "моя", "тем", "были", "которых" };
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		char x[SF_TERM_MAX + 1], y[SF_TERM_MAX + 1];
		one_term(a, words[i], x);
		one_term(plain, words[i], y);
		assert_string_equal(x, y);
	}
	char t[SF_TERM_MAX + 1];
	one_term(a, "какая", t);
	assert_string_equal(t, "как");
	sf_analyzer_free(plain);
	sf_analyzer_free(a);
}

/* lemmatize=false is the analysis before lemmas, and the signatures tell the two apart. */
static void lemma_off_and_signature(void **state)
{
	struct sf_analyzer *plain = new_lemma_analyzer(false, true);
	assert_string_equal(sf_analyzer_signature(plain),
			    "sufler-analyzer/1 lemma=none stem=snowball stop=1 parts=1");
	assert_string_not_equal(sf_analyzer_signature(plain), sf_analyzer_signature(*state));
	term_is(plain, "Паролем", "парол");
	term_is(plain, "записи", "запис");
	term_is(plain, "запись", "зап");
	sf_analyzer_free(plain);

	/* No stemming, no lemmas: surface forms ("ошибок" stays, not "ошибка"). */
	struct sf_analyzer *nostem = new_analyzer(false, true, true);
	assert_string_equal(sf_analyzer_signature(nostem),
			    "sufler-analyzer/1 lemma=none stem=none stop=1 parts=1");
	char t[SF_TERM_MAX + 1];
	one_term(nostem, "Ошибок", t);
	assert_string_equal(t, "ошибок");
	sf_analyzer_free(nostem);

	struct sf_analyzer *whole = new_analyzer(true, false, false);
	assert_string_equal(sf_analyzer_signature(whole),
			    "sufler-analyzer/1 lemma=hunspell-ru stem=snowball stop=0 parts=0");
	sf_analyzer_free(whole);
}

/* Writes a distinct Cyrillic letter word for i into w; returns its length. */
static size_t distinct_word(unsigned i, char *w)
{
	size_t n = 0;
	do {
		uint32_t cp = 0x430 + (i % 32);
		w[n++] = (char)(0xc0 | (cp >> 6));
		w[n++] = (char)(0x80 | (cp & 0x3f));
		i /= 32;
	} while (i);
	return n;
}

static void cache_survives_growth_and_clearing(void **state)
{
	/*
	 * More distinct words than the cache holds, twice over, checked against a second analyzer
	 * whose cache fills and clears at other times (sf_analyze_term goes through the cache too).
	 */
	struct sf_analyzer *a = new_analyzer(true, true, true);
	struct sf_analyzer *other = new_analyzer(true, true, true);
	struct sf_buf b = SF_BUF_INIT;
	const unsigned nwords = 300000;
	for (int round = 0; round < 2; round++) {
		for (unsigned i = 0; i < nwords; i += (round ? 7 : 1)) {
			char w[16];
			size_t n = distinct_word(i, w);
			w[n] = 0;
			struct toks ts = { .n = 0 };
			assert_int_equal(sf_analyze(a, w, n, collect, &ts), SF_OK);
			assert_int_equal(sf_analyze_term(other, w, n, true, &b), SF_OK);
			if (i & 1) {
				/* A cache entry made by sf_analyze_term serves sf_analyze the same. */
				struct toks t2 = { .n = 0 };
				assert_int_equal(sf_analyze(other, w, n, collect, &t2), SF_OK);
				assert_int_equal(t2.n, ts.n);
				if (ts.n) assert_string_equal(t2.t[0].term, ts.t[0].term);
			}
			if (b.len == 0) {
				assert_int_equal(ts.n, 0);
				continue;
			}
			assert_int_equal(ts.n, 1);
			assert_int_equal(ts.t[0].len, b.len);
			assert_memory_equal(ts.t[0].term, b.ptr, b.len);
		}
	}
	sf_buf_release(&b);
	sf_analyzer_free(other);
	sf_analyzer_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(word_forms_meet),
		cmocka_unit_test(script_and_kind),
		cmocka_unit_test(error_codes),
		cmocka_unit_test(versions_and_numbers),
		cmocka_unit_test(paths_mail_urls),
		cmocka_unit_test(hyphens_and_periods),
		cmocka_unit_test(stop_words_keep_positions),
		cmocka_unit_test(offsets_point_to_original),
		cmocka_unit_test(invalid_utf8),
		cmocka_unit_test(empty_and_blank),
		cmocka_unit_test(long_tokens_cut),
		cmocka_unit_test(options_and_stop),
		cmocka_unit_test(analyze_term),
		cmocka_unit_test(cache_survives_growth_and_clearing),
		cmocka_unit_test(lemma_joins_forms),
		cmocka_unit_test(lemma_leaves_latin_and_codes),
		cmocka_unit_test(lemma_skips_stop_words),
		cmocka_unit_test(lemma_off_and_signature),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
