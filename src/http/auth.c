/*
 * http/auth.c: passwords (Argon2id), API tokens and sessions (random 256-bit secrets stored as
 * BLAKE2b digests), roles, scopes and access groups.
 *
 * A wrong user name and a wrong password take the same time: a missing user is checked against
 * a dummy hash, so login timing does not tell which names exist.
 */
#include "http/auth.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "base/time.h"

static const char *const role_names[] = { "none", "viewer", "operator", "admin" };

static const struct {
	const char *name;
	unsigned bit;
} scope_names[] = {
	{ "search", SF_SCOPE_SEARCH },
	{ "documents:read", SF_SCOPE_DOCS_READ },
	{ "documents:write", SF_SCOPE_DOCS_WRITE },
	{ "sources:read", SF_SCOPE_SOURCES_READ },
	{ "admin", SF_SCOPE_ADMIN },
};
#define NSCOPES (sizeof scope_names / sizeof scope_names[0])

static char dummy_hash[crypto_pwhash_STRBYTES];

const char *sf_role_name(enum sf_role r) { return (unsigned)r < 4 ? role_names[r] : "none"; }

enum sf_role sf_role_parse(const char *s)
{
	for (int i = 1; i < 4; i++)
		if (s && strcmp(s, role_names[i]) == 0) return (enum sf_role)i;
	return SF_ROLE_NONE;
}

bool sf_scopes_parse(const char *s, unsigned *out, struct sf_buf *err)
{
	unsigned m = 0;
	struct sf_str rest = sf_str_c(s), it;
	while (sf_str_next_item(&rest, ',', &it)) {
		if (!it.len) continue;
		size_t i = 0;
		while (i < NSCOPES && !sf_str_eq_c(it, scope_names[i].name)) i++;
		if (i == NSCOPES) {
			sf_errf(err, "unknown scope '" SF_STR_FMT "' (known: search, documents:read, documents:write, "
				     "sources:read, admin)", SF_STR_ARG(it));
			return false;
		}
		m |= scope_names[i].bit;
	}
	*out = m;
	return true;
}

void sf_scopes_format(unsigned mask, char *out, size_t cap)
{
	size_t o = 0;
	if (cap) out[0] = 0;
	for (size_t i = 0; i < NSCOPES; i++) {
		if (!(mask & scope_names[i].bit)) continue;
		int n = snprintf(out + o, cap - o, "%s%s", o ? "," : "", scope_names[i].name);
		if (n < 0 || (size_t)n >= cap - o) break;
		o += (size_t)n;
	}
}

bool sf_auth_valid_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64) return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
		      c == '_' || c == '@' || c == '-'))
			return false;
	}
	return true;
}

bool sf_auth_groups_normalize(const char *s, char *out, size_t cap)
{
	size_t o = 0, count = 0;
	if (!cap) return false;
	out[0] = 0;
	struct sf_str rest = sf_str_c(s), it;
	while (sf_str_next_item(&rest, ',', &it)) {
		if (!it.len) continue;
		if (it.len > 64 || ++count > SF_AUTH_MAX_GROUPS) return false;
		for (size_t i = 0; i < it.len; i++) {
			char c = it.ptr[i];
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
			      c == '_' || c == ':' || c == '-' || (c == '*' && it.len == 1)))
				return false;
		}
		if (o + it.len + 2 > cap) return false;
		if (o) out[o++] = ',';
		memcpy(out + o, it.ptr, it.len);
		o += it.len;
		out[o] = 0;
	}
	return true;
}

bool sf_auth_init(void)
{
	if (sodium_init() < 0) return false;
	/* A hash nobody's password matches, for the timing of logins with unknown names. */
	if (!dummy_hash[0]) {
		unsigned char r[16];
		randombytes_buf(r, sizeof r);
		if (crypto_pwhash_str(dummy_hash, (const char *)r, sizeof r, crypto_pwhash_OPSLIMIT_INTERACTIVE,
				      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
			return false;
	}
	return true;
}

enum sf_err sf_auth_hash_password(const char *password, size_t len, char *out, size_t cap)
{
	if (cap < crypto_pwhash_STRBYTES) return SF_ERR_INTERNAL;
	if (crypto_pwhash_str_alg(out, password, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
				  crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0)
		return SF_ERR_NOMEM;
	return SF_OK;
}

bool sf_auth_check_password(const char *hash, const char *password, size_t len)
{
	return crypto_pwhash_str_verify(hash, password, len) == 0;
}

bool sf_auth_equal(const char *a, size_t alen, const char *b, size_t blen)
{
	if (alen != blen) return false;
	return sodium_memcmp(a, b, alen) == 0;
}

/* BLAKE2b-256 of a secret, as 64 hex digits. */
static void digest_hex(const char *s, size_t n, char out[65])
{
	unsigned char h[32];
	crypto_generichash(h, sizeof h, (const unsigned char *)s, n, NULL, 0);
	sodium_bin2hex(out, 65, h, sizeof h);
}

/* prefix + 43 base64url characters of 256 random bits. */
static void random_secret(const char *prefix, char *out, size_t cap)
{
	unsigned char r[32];
	randombytes_buf(r, sizeof r);
	size_t p = strlen(prefix);
	memcpy(out, prefix, p);
	sodium_bin2base64(out + p, cap - p, r, sizeof r, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(r, sizeof r);
}

static enum sf_err check_password(size_t plen, struct sf_buf *err)
{
	if (plen < SF_AUTH_MIN_PASSWORD || plen > SF_AUTH_MAX_PASSWORD) {
		sf_errf(err, "a password has %d to %d characters", SF_AUTH_MIN_PASSWORD, SF_AUTH_MAX_PASSWORD);
		return SF_ERR_INVALID;
	}
	return SF_OK;
}

enum sf_err sf_auth_user_add(struct sf_store *st, const char *name, const char *role, const char *password,
			     size_t plen, const char *groups, struct sf_buf *err)
{
	if (!sf_auth_valid_name(name)) {
		sf_errf(err, "a user name has 1 to 64 characters of A-Z a-z 0-9 . _ @ -");
		return SF_ERR_INVALID;
	}
	if (sf_role_parse(role) == SF_ROLE_NONE) {
		sf_errf(err, "role must be admin, operator or viewer");
		return SF_ERR_INVALID;
	}
	char g[1024];
	if (!sf_auth_groups_normalize(groups, g, sizeof g)) {
		sf_errf(err, "groups: comma-separated names of A-Z a-z 0-9 . _ : - (or *), at most %d",
			SF_AUTH_MAX_GROUPS);
		return SF_ERR_INVALID;
	}
	enum sf_err rc = check_password(plen, err);
	if (rc) return rc;
	char hash[crypto_pwhash_STRBYTES];
	if ((rc = sf_auth_hash_password(password, plen, hash, sizeof hash))) {
		sf_errf(err, "hashing the password failed (out of memory)");
		return rc;
	}
	rc = sf_store_user_add(st, name, hash, role, g, NULL, err);
	if (rc == SF_ERR_EXISTS) sf_errf(err, "user '%s' exists already", name);
	return rc;
}

enum sf_err sf_auth_user_change(struct sf_store *st, const char *name, const char *role, const char *password,
				size_t plen, const char *groups, int disabled, struct sf_buf *err)
{
	if (role && sf_role_parse(role) == SF_ROLE_NONE) {
		sf_errf(err, "role must be admin, operator or viewer");
		return SF_ERR_INVALID;
	}
	char g[1024];
	if (groups && !sf_auth_groups_normalize(groups, g, sizeof g)) {
		sf_errf(err, "groups: comma-separated names of A-Z a-z 0-9 . _ : - (or *), at most %d",
			SF_AUTH_MAX_GROUPS);
		return SF_ERR_INVALID;
	}
	char hash[crypto_pwhash_STRBYTES];
	enum sf_err rc;
	if (password) {
		if ((rc = check_password(plen, err))) return rc;
		if ((rc = sf_auth_hash_password(password, plen, hash, sizeof hash))) {
			sf_errf(err, "hashing the password failed (out of memory)");
			return rc;
		}
	}
	struct sf_user_rec u;
	if ((rc = sf_store_user_get(st, name, 0, &u, err))) {
		if (rc == SF_ERR_NOTFOUND) sf_errf(err, "no user '%s'", name);
		return rc;
	}
	int64_t uid = u.id;
	rc = sf_store_user_update(st, name, password ? hash : NULL, role, groups ? g : NULL, disabled, err);
	if (!rc && (password || disabled == 1)) rc = sf_store_sessions_end(st, uid, sf_wall_ms(), err);
	return rc;
}

enum sf_err sf_auth_token_create(struct sf_store *st, const char *user, const char *name, unsigned scopes,
				 int days, char *secret, size_t cap, int64_t *id, struct sf_buf *err)
{
	if (cap < 48) return SF_ERR_INTERNAL;
	struct sf_user_rec u;
	enum sf_err rc = sf_store_user_get(st, user, 0, &u, err);
	if (rc) {
		if (rc == SF_ERR_NOTFOUND) sf_errf(err, "no user '%s'", user);
		return rc;
	}
	if (!scopes) {
		sf_errf(err, "a token needs at least one scope");
		return SF_ERR_INVALID;
	}
	if (days < 0 || days > 3650) {
		sf_errf(err, "expiry is 0 (none) to 3650 days");
		return SF_ERR_INVALID;
	}
	random_secret("sf_", secret, cap);
	char hex[65], prefix[12], sc[128];
	digest_hex(secret, strlen(secret), hex);
	snprintf(prefix, sizeof prefix, "%.10s", secret);
	sf_scopes_format(scopes, sc, sizeof sc);
	int64_t exp = days ? sf_wall_ms() + (int64_t)days * 86400000 : 0;
	return sf_store_token_add(st, u.id, name ? name : "", hex, prefix, sc, exp, id, err);
}

void sf_auth_principal_copy(struct sf_principal *dst, const struct sf_principal *src)
{
	if (dst == src) return;
	*dst = *src;
	for (size_t i = 0; i < src->ngroups; i++) dst->groups[i] = dst->groups_buf + (src->groups[i] - src->groups_buf);
}

void sf_auth_principal_from_user(struct sf_principal *p, const struct sf_user_rec *u)
{
	p->user_id = u->id;
	snprintf(p->name, sizeof p->name, SF_STR_FMT, SF_STR_ARG(u->name));
	char role[16];
	snprintf(role, sizeof role, SF_STR_FMT, SF_STR_ARG(u->role));
	p->role = sf_role_parse(role);
	snprintf(p->groups_buf, sizeof p->groups_buf, SF_STR_FMT, SF_STR_ARG(u->groups));
	p->ngroups = 0;
	p->all_groups = false;
	char *s = p->groups_buf;
	while (*s && p->ngroups < SF_AUTH_MAX_GROUPS) {
		char *e = strchr(s, ',');
		if (e) *e = 0;
		if (*s) {
			p->groups[p->ngroups++] = s;
			if (strcmp(s, SF_GROUP_ALL) == 0) p->all_groups = true;
		}
		if (!e) break;
		s = e + 1;
	}
}

enum sf_err sf_auth_token(struct sf_store *st, const char *token, size_t len, struct sf_principal *p)
{
	memset(p, 0, sizeof *p);
	if (len < 10 || len > 128 || memcmp(token, "sf_", 3) != 0) return SF_ERR_INVALID;
	char hex[65];
	digest_hex(token, len, hex);
	struct sf_token_rec t;
	enum sf_err rc = sf_store_token_find(st, hex, &t, NULL);
	if (rc) return rc == SF_ERR_NOTFOUND ? SF_ERR_INVALID : rc;
	int64_t now = sf_wall_ms();
	if (t.revoked || (t.expires_ms && t.expires_ms <= now)) return SF_ERR_INVALID;
	char sc[128];
	snprintf(sc, sizeof sc, SF_STR_FMT, SF_STR_ARG(t.scopes));
	unsigned mask = 0;
	(void)sf_scopes_parse(sc, &mask, NULL);
	int64_t tid = t.id, last = t.last_used_ms;
	struct sf_user_rec u;
	if ((rc = sf_store_user_get(st, NULL, t.user_id, &u, NULL))) return rc == SF_ERR_NOTFOUND ? SF_ERR_INVALID : rc;
	if (u.disabled) return SF_ERR_INVALID;
	sf_auth_principal_from_user(p, &u);
	p->token_id = tid;
	p->scopes = mask;
	p->ok = true;
	/* Last use to the minute: a write per minute per token, not per request. */
	if (now - last > 60000 && sf_store_token_touch(st, tid, now, NULL) != SF_OK) {
		/* a busy store delays the note; the token still works */
	}
	return SF_OK;
}

enum sf_err sf_auth_login(struct sf_store *st, const char *name, const char *password, size_t plen,
			  struct sf_principal *p)
{
	memset(p, 0, sizeof *p);
	struct sf_user_rec u;
	enum sf_err rc = sf_store_user_get(st, name, 0, &u, NULL);
	if (rc && rc != SF_ERR_NOTFOUND) return rc;
	if (rc == SF_ERR_NOTFOUND || plen > SF_AUTH_MAX_PASSWORD) {
		(void)sf_auth_check_password(dummy_hash, password, plen > SF_AUTH_MAX_PASSWORD ? 0 : plen);
		return SF_ERR_INVALID;
	}
	char hash[crypto_pwhash_STRBYTES];
	snprintf(hash, sizeof hash, SF_STR_FMT, SF_STR_ARG(u.pass_hash));
	sf_auth_principal_from_user(p, &u);
	bool disabled = u.disabled;
	if (!sf_auth_check_password(hash, password, plen) || disabled) {
		memset(p, 0, sizeof *p);
		return SF_ERR_INVALID;
	}
	p->scopes = SF_SCOPE_ALL;
	p->ok = true;
	return SF_OK;
}

enum sf_err sf_auth_session_start(struct sf_store *st, struct sf_principal *p, int64_t ttl_ms, char *sid,
				  size_t cap, struct sf_buf *err)
{
	if (cap < 48) return SF_ERR_INTERNAL;
	random_secret("", sid, cap);
	random_secret("", p->csrf, sizeof p->csrf);
	char hex[65];
	digest_hex(sid, strlen(sid), hex);
	p->session = true;
	return sf_store_session_add(st, hex, p->user_id, p->csrf, sf_wall_ms() + ttl_ms, err);
}

enum sf_err sf_auth_session(struct sf_store *st, const char *sid, size_t len, struct sf_principal *p)
{
	memset(p, 0, sizeof *p);
	if (len < 20 || len > 128) return SF_ERR_NOTFOUND;
	char hex[65];
	digest_hex(sid, len, hex);
	int64_t uid;
	struct sf_str csrf;
	enum sf_err rc = sf_store_session_find(st, hex, sf_wall_ms(), &uid, &csrf, NULL);
	if (rc) return rc;
	char c[48];
	snprintf(c, sizeof c, SF_STR_FMT, SF_STR_ARG(csrf));
	struct sf_user_rec u;
	if ((rc = sf_store_user_get(st, NULL, uid, &u, NULL))) return rc;
	if (u.disabled) return SF_ERR_NOTFOUND;
	sf_auth_principal_from_user(p, &u);
	memcpy(p->csrf, c, sizeof c);
	p->session = true;
	p->scopes = SF_SCOPE_ALL;
	p->ok = true;
	return SF_OK;
}

enum sf_err sf_auth_session_end(struct sf_store *st, const char *sid, size_t len, struct sf_buf *err)
{
	char hex[65];
	digest_hex(sid, len, hex);
	return sf_store_session_delete(st, hex, err);
}

bool sf_auth_can_see(const struct sf_principal *p, const char *acl, size_t len)
{
	if (len == 0 || p->all_groups) return true;
	struct sf_str rest = { acl, len }, it;
	while (sf_str_next_item(&rest, ',', &it)) {
		if (sf_str_eq_c(it, "public")) return true;
		for (size_t g = 0; g < p->ngroups; g++)
			if (sf_str_eq_c(it, p->groups[g])) return true;
	}
	return false;
}
