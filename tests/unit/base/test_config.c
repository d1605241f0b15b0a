/* tests/unit/base/test_config.c: the settings table (file, environment, flags, precedence,
 * validation) and the JSON writer (escaping, invalid UTF-8, nesting). */
#include "testutil.h"

#include <jansson.h>
#include <unistd.h>

#include "base/config.h"
#include "base/jw.h"

static const struct sf_cfg_def defs[] = {
	{ "server.listen", SF_CFG_STRING, "127.0.0.1:8080", 0, 0, false, true, "listen" },
	{ "server.threads", SF_CFG_INT, "4", 2, 64, false, true, "threads" },
	{ "limits.body", SF_CFG_BYTES, "1M", 1024, 1 << 30, false, false, "body" },
	{ "auth.secure", SF_CFG_BOOL, "false", 0, 0, false, false, "secure" },
	{ "pyrus.security_key", SF_CFG_STRING, "", 0, 0, true, false, "key" },
};
#define N (sizeof defs / sizeof defs[0])

static char *write_tmp(const char *text)
{
	static char path[64];
	snprintf(path, sizeof path, "/tmp/sf-test-config-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void test_defaults_and_precedence(void **state)
{
	(void)state;
	char *file = write_tmp("# comment\n[server]\nlisten = 0.0.0.0:9000\nthreads = 8\n\n[limits]\nbody = 2M\n");
	char *env[] = { "SUFLER_SERVER_THREADS=16", "SUFLER_UNRELATED=1", "PATH=/bin", NULL };
	char *argv[] = { "--server.threads=32", "--auth.secure", "yes", "positional" };
	struct sf_config *c = NULL;
	struct sf_buf err = SF_BUF_INIT;
	assert_int_equal(sf_config_load(defs, N, file, env, 4, argv, &c, &err), SF_OK);
	assert_string_equal(sf_config_str(c, "server.listen"), "0.0.0.0:9000");
	assert_int_equal(sf_config_origin(c, "server.listen"), SF_CFG_FILE);
	assert_int_equal(sf_config_int(c, "server.threads"), 32); /* flag > env > file */
	assert_int_equal(sf_config_origin(c, "server.threads"), SF_CFG_FLAG);
	assert_int_equal(sf_config_int(c, "limits.body"), 2 << 20);
	assert_true(sf_config_bool(c, "auth.secure"));
	assert_int_equal(sf_config_origin(c, "pyrus.security_key"), SF_CFG_DEFAULT);
	struct sf_config *r = sf_config_ref(c);
	sf_config_unref(c);
	assert_string_equal(sf_config_str(r, "server.listen"), "0.0.0.0:9000"); /* still held */
	sf_config_unref(r);
	char *env2[] = { "SUFLER_SERVER_THREADS=16", NULL };
	assert_int_equal(sf_config_load(defs, N, NULL, env2, 0, NULL, &c, &err), SF_OK);
	assert_int_equal(sf_config_int(c, "server.threads"), 16);
	assert_int_equal(sf_config_origin(c, "server.threads"), SF_CFG_ENV);
	sf_config_unref(c);
	unlink(file);
	sf_buf_release(&err);
}

static void test_errors(void **state)
{
	(void)state;
	struct sf_config *c = NULL;
	struct sf_buf err = SF_BUF_INIT;
	const char *bad_files[] = { "[server]\nlistne = x\n", "[server]\nthreads = 1\n", "[server\nthreads=2\n",
				    "threads\n", "[limits]\nbody = 12Q\n", "[auth]\nsecure = maybe\n" };
	for (size_t i = 0; i < sizeof bad_files / sizeof bad_files[0]; i++) {
		char *f = write_tmp(bad_files[i]);
		assert_int_not_equal(sf_config_load(defs, N, f, NULL, 0, NULL, &c, &err), SF_OK);
		assert_non_null(strstr(err.ptr, f)); /* names the file */
		unlink(f);
	}
	assert_int_equal(sf_config_load(defs, N, "/nonexistent/sufler.conf", NULL, 0, NULL, &c, &err), SF_ERR_IO);
	char *env[] = { "SUFLER_SERVER_THREADS=lots", NULL };
	assert_int_equal(sf_config_load(defs, N, NULL, env, 0, NULL, &c, &err), SF_ERR_INVALID);
	assert_non_null(strstr(err.ptr, "SUFLER_SERVER_THREADS"));
	char *argv[] = { "--server.threads" };
	assert_int_equal(sf_config_load(defs, N, NULL, NULL, 1, argv, &c, &err), SF_ERR_INVALID);
	char name[64];
	sf_config_env_name("pyrus.security_key", name, sizeof name);
	assert_string_equal(name, "SUFLER_PYRUS_SECURITY_KEY");
	bool takes;
	assert_true(sf_config_is_flag(defs, N, "--limits.body=5", &takes));
	assert_false(takes);
	assert_false(sf_config_is_flag(defs, N, "--limits.bodyx", &takes));
	sf_buf_release(&err);
}

static void test_jw(void **state)
{
	(void)state;
	struct sf_buf b = SF_BUF_INIT;
	struct sf_jw w;
	sf_jw_init(&w, &b);
	sf_jw_obj(&w);
	sf_jw_kstr(&w, "q", "пароль \"x\"\\\n\t\x01");
	sf_jw_kstrn(&w, "bad", (struct sf_str){ "a\xff\xfe" "b\xd0", 5 });
	sf_jw_key(&w, "list");
	sf_jw_list(&w, " a, b,,c ", 9);
	sf_jw_key(&w, "nested");
	sf_jw_arr(&w);
	sf_jw_int(&w, -5);
	sf_jw_num(&w, 1.5);
	sf_jw_num(&w, 1.0 / 0.0);
	sf_jw_bool(&w, true);
	sf_jw_null(&w);
	sf_jw_obj(&w);
	sf_jw_obj_end(&w);
	sf_jw_arr_end(&w);
	sf_jw_obj_end(&w);
	assert_int_equal(w.rc, SF_OK);
	json_error_t je;
	json_t *j = json_loadb(b.ptr, b.len, JSON_REJECT_DUPLICATES, &je);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "q")), "пароль \"x\"\\\n\t\x01");
	assert_string_equal(json_string_value(json_object_get(j, "bad")), "a\xEF\xBF\xBD\xEF\xBF\xBD" "b\xEF\xBF\xBD");
	assert_int_equal(json_array_size(json_object_get(j, "list")), 3);
	json_t *n = json_object_get(j, "nested");
	assert_int_equal(json_array_size(n), 6);
	assert_true(json_is_null(json_array_get(n, 2)));
	json_decref(j);
	/* the limit sticks: later calls do nothing */
	struct sf_buf small;
	sf_buf_init(&small, 8);
	sf_jw_init(&w, &small);
	sf_jw_arr(&w);
	sf_jw_str(&w, "longer than eight");
	sf_jw_int(&w, 1);
	assert_int_equal(w.rc, SF_ERR_LIMIT);
	sf_buf_release(&small);
	sf_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_and_precedence),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_jw),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
