/* tests/unit/base/test_json.c: the flat JSON object reader, against valid and hostile input. */
#include "testutil.h"

#include <jansson.h>
#include <stdio.h>

#include "base/json.h"

static void reads_members_and_unescapes(void **state)
{
	const char *in = " {\"id\": \"a1\", \"title\":\"Пароль \\\"старый\\\"\", \"n\": -12.5e3, \"ok\": true,"
			 " \"z\": null, \"acl\": [\"x\", {\"y\": [1,2]}], \"meta\": {}, \"t\": \"\\u0416\\ud83d\\ude00\\n\"} ";
	struct sf_buf scratch = SF_BUF_INIT;
	struct sf_json_member m[SF_JSON_MAX_MEMBERS];
	size_t nm = 0;
	assert_int_equal(sf_json_object(in, strlen(in), &scratch, m, &nm, NULL), SF_OK);
	assert_int_equal(nm, 8);
	const struct sf_json_member *v = sf_json_get(m, nm, "title");
	assert_non_null(v);
	assert_int_equal(v->type, SF_JSON_STRING);
	assert_string_equal(v->value.ptr, "Пароль \"старый\""); /* NUL-terminated */
	v = sf_json_get(m, nm, "n");
	assert_int_equal(v->type, SF_JSON_NUMBER);
	assert_true(sf_str_eq_c(v->value, "-12.5e3"));
	assert_int_equal(sf_json_get(m, nm, "ok")->type, SF_JSON_BOOL);
	assert_int_equal(sf_json_get(m, nm, "z")->type, SF_JSON_NULL);
	v = sf_json_get(m, nm, "acl");
	assert_int_equal(v->type, SF_JSON_ARRAY);
	assert_true(sf_str_eq_c(v->value, "[\"x\", {\"y\": [1,2]}]"));
	assert_int_equal(sf_json_get(m, nm, "meta")->type, SF_JSON_OBJECT);
	assert_string_equal(sf_json_get(m, nm, "t")->value.ptr, "Ж\xf0\x9f\x98\x80\n");
	assert_null(sf_json_get(m, nm, "missing"));
	sf_buf_release(&scratch);
}

static void refuses_malformed_input(void **state)
{
	const char *bad[] = {
		"", "[]", "{", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{\"a\":1} x", "{'a':1}", "{\"a\":01}",
		"{\"a\":1.}", "{\"a\":-}", "{\"a\":tru}", "{\"a\":\"x}", "{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}",
		"{\"a\":\"\\ud800\"}", "{\"a\":\"\\udc00x\"}", "{\"a\":\"\\u0000\"}", "{\"a\":\"\x01\"}",
		"{\"a\":\"\xff\"}", "{\"a\":\"\xc0\xaf\"}", "{\"a\":\"\xed\xa0\x80\"}", "{\"a\":[1,2}", "{\"a\":1,\"a\":2}",
		"{\"a\":[1 2]}", "{\"a\":{\"b\" 1}}",
	};
	struct sf_buf scratch = SF_BUF_INIT, err = SF_BUF_INIT;
	struct sf_json_member m[SF_JSON_MAX_MEMBERS];
	size_t nm;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		enum sf_err rc = sf_json_object(bad[i], strlen(bad[i]), &scratch, m, &nm, &err);
		if (rc == SF_OK) fail_msg("accepted: %s", bad[i]);
		assert_true(strstr(err.ptr, "at byte") != NULL);
	}
	sf_buf_release(&scratch);
	sf_buf_release(&err);
}

static void limits(void **state)
{
	struct sf_buf in = SF_BUF_INIT, scratch = SF_BUF_INIT;
	struct sf_json_member m[SF_JSON_MAX_MEMBERS];
	size_t nm;
	assert_int_equal(sf_buf_adds(&in, "{\"a\":"), SF_OK);
	for (int i = 0; i < SF_JSON_MAX_DEPTH + 5; i++) assert_int_equal(sf_buf_adds(&in, "["), SF_OK);
	assert_int_equal(sf_json_object(in.ptr, in.len, &scratch, m, &nm, NULL), SF_ERR_LIMIT);
	sf_buf_reset(&in);
	assert_int_equal(sf_buf_adds(&in, "{"), SF_OK);
	for (int i = 0; i < SF_JSON_MAX_MEMBERS + 1; i++)
		assert_int_equal(sf_buf_addf(&in, "%s\"k%d\":%d", i ? "," : "", i, i), SF_OK);
	assert_int_equal(sf_buf_adds(&in, "}"), SF_OK);
	assert_int_equal(sf_json_object(in.ptr, in.len, &scratch, m, &nm, NULL), SF_ERR_LIMIT);
	sf_buf_release(&in);
	sf_buf_release(&scratch);
}

/* Random objects serialized by jansson read back with the same strings. */
static void round_trips_with_jansson(void **state)
{
	srand(7);
	struct sf_buf scratch = SF_BUF_INIT;
	struct sf_json_member m[SF_JSON_MAX_MEMBERS];
	size_t nm;
	static const char *pieces[] = { "a", "Ж", "\"", "\\", "\n", "\t", "/", "€", "😀", " ", "ё", "\x7f" };
	for (int iter = 0; iter < 500; iter++) {
		json_t *o = json_object();
		char keys[8][16];
		char vals[8][256];
		int nk = 1 + rand() % 8;
		for (int k = 0; k < nk; k++) {
			snprintf(keys[k], sizeof keys[k], "k%d", k);
			vals[k][0] = 0;
			size_t len = 0;
			int np = rand() % 20;
			for (int p = 0; p < np; p++) {
				const char *s = pieces[rand() % (sizeof pieces / sizeof pieces[0])];
				size_t l = strlen(s);
				if (len + l + 1 >= sizeof vals[k]) break;
				memcpy(vals[k] + len, s, l);
				len += l;
				vals[k][len] = 0;
			}
			json_object_set_new(o, keys[k], json_string(vals[k]));
		}
		char *txt = json_dumps(o, (iter % 2 ? JSON_ENSURE_ASCII : 0) | JSON_COMPACT);
		assert_int_equal(sf_json_object(txt, strlen(txt), &scratch, m, &nm, NULL), SF_OK);
		assert_int_equal(nm, (size_t)nk);
		for (int k = 0; k < nk; k++) {
			const struct sf_json_member *v = sf_json_get(m, nm, keys[k]);
			assert_non_null(v);
			assert_string_equal(v->value.ptr, vals[k]);
		}
		free(txt);
		json_decref(o);
	}
	sf_buf_release(&scratch);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reads_members_and_unescapes),
		cmocka_unit_test(refuses_malformed_input),
		cmocka_unit_test(limits),
		cmocka_unit_test(round_trips_with_jansson),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
