/* tests/unit/http/test_auth.c: passwords, tokens, sessions, scopes, groups and visibility on a
 * real SQLite store. */
#include "testutil.h"

#include <unistd.h>

#include "http/auth.h"
#include "store/store.h"

struct fx {
	char dir[64];
	struct sf_store *st;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/sf-test-auth-XXXXXX");
	if (!mkdtemp(f->dir) || !sf_auth_init()) return -1;
	char p[128];
	snprintf(p, sizeof p, "%s/sufler.db", f->dir);
	if (sf_store_open(p, &f->st, NULL) != SF_OK) return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	sf_store_close(f->st);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
	if (system(cmd) != 0) return -1;
	free(f);
	return 0;
}

static void test_users_and_logins(void **state)
{
	struct fx *f = *state;
	struct sf_buf err = SF_BUF_INIT;
	assert_int_equal(sf_auth_user_add(f->st, "anna", "operator", "correct horse", 13, "A, B", &err), SF_OK);
	assert_int_equal(sf_auth_user_add(f->st, "anna", "viewer", "another pass", 12, "", &err), SF_ERR_EXISTS);
	assert_int_equal(sf_auth_user_add(f->st, "bad name", "viewer", "another pass", 12, "", &err), SF_ERR_INVALID);
	assert_int_equal(sf_auth_user_add(f->st, "boris", "king", "another pass", 12, "", &err), SF_ERR_INVALID);
	assert_int_equal(sf_auth_user_add(f->st, "boris", "viewer", "short", 5, "", &err), SF_ERR_INVALID);
	assert_int_equal(sf_auth_user_add(f->st, "boris", "viewer", "long enough", 11, "a b", &err), SF_ERR_INVALID);
	struct sf_user_rec u;
	assert_int_equal(sf_store_user_get(f->st, "anna", 0, &u, NULL), SF_OK);
	assert_true(sf_str_eq_c(u.groups, "A,B"));
	assert_null(strstr(u.pass_hash.ptr, "correct horse")); /* stored hashed */
	assert_non_null(strstr(u.pass_hash.ptr, "$argon2id$"));
	struct sf_principal p;
	assert_int_equal(sf_auth_login(f->st, "anna", "correct horse", 13, &p), SF_OK);
	assert_int_equal(p.role, SF_ROLE_OPERATOR);
	assert_int_equal(p.ngroups, 2);
	assert_int_equal(sf_auth_login(f->st, "anna", "wrong horse", 11, &p), SF_ERR_INVALID);
	assert_false(p.ok);
	assert_int_equal(sf_auth_login(f->st, "nobody", "correct horse", 13, &p), SF_ERR_INVALID);
	/* sessions end with a password change */
	assert_int_equal(sf_auth_login(f->st, "anna", "correct horse", 13, &p), SF_OK);
	char sid[64];
	assert_int_equal(sf_auth_session_start(f->st, &p, 60000, sid, sizeof sid, &err), SF_OK);
	struct sf_principal s;
	assert_int_equal(sf_auth_session(f->st, sid, strlen(sid), &s), SF_OK);
	assert_string_equal(s.csrf, p.csrf);
	assert_string_equal(s.name, "anna");
	assert_int_equal(sf_auth_user_change(f->st, "anna", NULL, "new password!", 13, NULL, -1, &err), SF_OK);
	assert_int_equal(sf_auth_session(f->st, sid, strlen(sid), &s), SF_ERR_NOTFOUND);
	assert_int_equal(sf_auth_login(f->st, "anna", "correct horse", 13, &p), SF_ERR_INVALID);
	assert_int_equal(sf_auth_login(f->st, "anna", "new password!", 13, &p), SF_OK);
	/* disabled users cannot log in */
	assert_int_equal(sf_auth_user_change(f->st, "anna", NULL, NULL, 0, NULL, 1, &err), SF_OK);
	assert_int_equal(sf_auth_login(f->st, "anna", "new password!", 13, &p), SF_ERR_INVALID);
	sf_buf_release(&err);
}

static void test_tokens(void **state)
{
	struct fx *f = *state;
	struct sf_buf err = SF_BUF_INIT;
	assert_int_equal(sf_auth_user_add(f->st, "desk", "operator", "desk password", 13, "support", &err), SF_OK);
	char secret[64];
	int64_t id;
	assert_int_equal(sf_auth_token_create(f->st, "desk", "pyrus", SF_SCOPE_SEARCH | SF_SCOPE_DOCS_READ, 30, secret,
					      sizeof secret, &id, &err), SF_OK);
	assert_int_equal(strlen(secret), 3 + 43);
	assert_int_equal(sf_auth_token_create(f->st, "ghost", "x", SF_SCOPE_SEARCH, 0, secret, sizeof secret, &id, &err),
			 SF_ERR_NOTFOUND);
	char second[64];
	int64_t id2;
	assert_int_equal(sf_auth_token_create(f->st, "desk", "", SF_SCOPE_ADMIN, 0, second, sizeof second, &id2, &err), SF_OK);
	assert_string_not_equal(secret, second);
	struct sf_principal p;
	assert_int_equal(sf_auth_token(f->st, secret, strlen(secret), &p), SF_OK);
	assert_true(p.ok);
	assert_int_equal(p.scopes, SF_SCOPE_SEARCH | SF_SCOPE_DOCS_READ);
	assert_string_equal(p.name, "desk");
	/* one character off, a prefix, garbage: refused */
	char wrong[64];
	snprintf(wrong, sizeof wrong, "%s", secret);
	wrong[10] = wrong[10] == 'a' ? 'b' : 'a';
	assert_int_equal(sf_auth_token(f->st, wrong, strlen(wrong), &p), SF_ERR_INVALID);
	assert_int_equal(sf_auth_token(f->st, secret, 20, &p), SF_ERR_INVALID);
	assert_int_equal(sf_auth_token(f->st, "Bearer", 6, &p), SF_ERR_INVALID);
	assert_int_equal(sf_store_token_revoke(f->st, id, &err), SF_OK);
	assert_int_equal(sf_auth_token(f->st, secret, strlen(secret), &p), SF_ERR_INVALID);
	/* a disabled user's tokens stop working */
	assert_int_equal(sf_auth_token(f->st, second, strlen(second), &p), SF_OK);
	assert_int_equal(sf_auth_user_change(f->st, "desk", NULL, NULL, 0, NULL, 1, &err), SF_OK);
	assert_int_equal(sf_auth_token(f->st, second, strlen(second), &p), SF_ERR_INVALID);
	sf_buf_release(&err);
}

static void test_scopes_groups_visibility(void **state)
{
	(void)state;
	unsigned m;
	assert_true(sf_scopes_parse("search, documents:write", &m, NULL));
	assert_int_equal(m, SF_SCOPE_SEARCH | SF_SCOPE_DOCS_WRITE);
	assert_false(sf_scopes_parse("search,root", &m, NULL));
	char s[128];
	sf_scopes_format(SF_SCOPE_ALL, s, sizeof s);
	assert_string_equal(s, "search,documents:read,documents:write,sources:read,admin");
	char g[64];
	assert_true(sf_auth_groups_normalize(" a ,, b:c ", g, sizeof g));
	assert_string_equal(g, "a,b:c");
	assert_false(sf_auth_groups_normalize("a;b", g, sizeof g));
	assert_false(sf_auth_groups_normalize("a*", g, sizeof g));
	struct sf_user_rec u = { 1, SF_STR("x"), SF_STR(""), SF_STR("viewer"), SF_STR("hr,support"), false, 0, 0 };
	struct sf_principal p = { 0 };
	sf_auth_principal_from_user(&p, &u);
	assert_true(sf_auth_can_see(&p, "", 0));
	assert_true(sf_auth_can_see(&p, "public", 6));
	assert_true(sf_auth_can_see(&p, "legal, support", 14));
	assert_false(sf_auth_can_see(&p, "legal", 5));
	assert_false(sf_auth_can_see(&p, "supportx", 8));
	assert_false(sf_auth_can_see(&p, "hr2", 3));
	struct sf_principal q;
	sf_auth_principal_copy(&q, &p);
	memset(&p, 0, sizeof p); /* the copy holds its own group strings */
	assert_true(sf_auth_can_see(&q, "support", 7));
	struct sf_user_rec all = { 2, SF_STR("y"), SF_STR(""), SF_STR("admin"), SF_STR("*"), false, 0, 0 };
	sf_auth_principal_from_user(&p, &all);
	assert_true(sf_auth_can_see(&p, "anything", 8));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_users_and_logins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
		cmocka_unit_test(test_scopes_groups_visibility),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
