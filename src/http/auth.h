/*
 * http/auth.h: accounts, API tokens and console sessions.
 *
 * Layer: http; also used by the CLI's `user` and `token` commands, which work on the store
 * directly (the server sees their changes: it looks tokens up in the store, caching a token's
 * verdict for at most SF_AUTH_CACHE_MS).
 *
 * Passwords are hashed with Argon2id (libsodium's crypto_pwhash_str, interactive limits).
 * Tokens are "sf_" + 43 base64url characters (256 random bits); the store keeps their BLAKE2b
 * digest and the first characters as a prefix that people can recognize. Session ids are 256
 * random bits as well, kept as digests; each session has its own CSRF token.
 */
#ifndef SF_HTTP_AUTH_H
#define SF_HTTP_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/str.h"
#include "store/store.h"

enum sf_role { SF_ROLE_NONE = 0, SF_ROLE_VIEWER = 1, SF_ROLE_OPERATOR = 2, SF_ROLE_ADMIN = 3 };

enum sf_scope {
	SF_SCOPE_SEARCH = 1u << 0,
	SF_SCOPE_DOCS_READ = 1u << 1,
	SF_SCOPE_DOCS_WRITE = 1u << 2,
	SF_SCOPE_SOURCES_READ = 1u << 3,
	SF_SCOPE_ADMIN = 1u << 4,
	SF_SCOPE_ALL = (1u << 5) - 1,
};

#define SF_AUTH_MAX_GROUPS 32
#define SF_AUTH_CACHE_MS 5000
#define SF_AUTH_MIN_PASSWORD 8
#define SF_AUTH_MAX_PASSWORD 1024
/* The group that holds every other group. */
#define SF_GROUP_ALL "*"

/* Who is asking. Filled by sf_auth_*; owns its strings (fixed buffers). */
struct sf_principal {
	bool ok;                 /* authenticated */
	enum sf_role role;
	unsigned scopes;         /* SF_SCOPE_ALL for sessions */
	int64_t user_id;
	int64_t token_id;        /* 0 for sessions */
	bool session;
	char name[128];
	char csrf[48];           /* sessions: the CSRF token */
	char groups_buf[1024];
	const char *groups[SF_AUTH_MAX_GROUPS];
	size_t ngroups;
	bool all_groups;         /* holds SF_GROUP_ALL */
};

const char *sf_role_name(enum sf_role r);
/* SF_ROLE_NONE for an unknown name. */
enum sf_role sf_role_parse(const char *s);
/* Parses "search,documents:read"; false for an unknown scope (named in err). */
bool sf_scopes_parse(const char *s, unsigned *out, struct sf_buf *err);
/* Writes the scope names of mask as "a,b" into out. */
void sf_scopes_format(unsigned mask, char *out, size_t cap);

/* Validates a user name: 1-64 characters of [A-Za-z0-9._@-]. */
bool sf_auth_valid_name(const char *s);
/* Normalizes a group list "a, b,,c" -> "a,b,c" (into out, cap bytes); false for a bad group name
 * (allowed: [A-Za-z0-9._:-] and "*") or too many. */
bool sf_auth_groups_normalize(const char *s, char *out, size_t cap);

/* Must be called once before anything below (libsodium's init); false when it fails. */
bool sf_auth_init(void);

/* Argon2id string of password into out (crypto_pwhash_STRBYTES); SF_ERR_NOMEM when libsodium
 * cannot get its memory. Blocks for tens of milliseconds by design. */
enum sf_err sf_auth_hash_password(const char *password, size_t len, char *out, size_t cap) SF_WUR;
bool sf_auth_check_password(const char *hash, const char *password, size_t len);

/* Creates a user; SF_ERR_EXISTS, SF_ERR_INVALID (name, role, password length, groups). */
enum sf_err sf_auth_user_add(struct sf_store *st, const char *name, const char *role, const char *password,
			     size_t plen, const char *groups, struct sf_buf *err) SF_WUR;
/* Changes a user's fields (NULL/-1: unchanged); a password change or disabling ends the user's
 * sessions. */
enum sf_err sf_auth_user_change(struct sf_store *st, const char *name, const char *role, const char *password,
				size_t plen, const char *groups, int disabled, struct sf_buf *err) SF_WUR;
/*
 * Creates a token for user with scopes (a mask) and expiry (days, 0: none); the secret goes to
 * secret (at least 48 bytes), shown once and never stored. *id gets the token's id.
 */
enum sf_err sf_auth_token_create(struct sf_store *st, const char *user, const char *name, unsigned scopes,
				 int days, char *secret, size_t cap, int64_t *id, struct sf_buf *err) SF_WUR;

/* Looks up a bearer token; fills p when valid (not revoked, not expired, user enabled). */
enum sf_err sf_auth_token(struct sf_store *st, const char *token, size_t len, struct sf_principal *p) SF_WUR;
/* Checks a login; fills p. SF_ERR_INVALID for a wrong name or password or a disabled user. */
enum sf_err sf_auth_login(struct sf_store *st, const char *name, const char *password, size_t plen,
			  struct sf_principal *p) SF_WUR;
/* Starts a session for p: the cookie value into sid (>= 48 bytes), the CSRF token into p->csrf. */
enum sf_err sf_auth_session_start(struct sf_store *st, struct sf_principal *p, int64_t ttl_ms, char *sid,
				  size_t cap, struct sf_buf *err) SF_WUR;
/* Resolves a session cookie; fills p. SF_ERR_NOTFOUND for an unknown or expired session. */
enum sf_err sf_auth_session(struct sf_store *st, const char *sid, size_t len, struct sf_principal *p) SF_WUR;
enum sf_err sf_auth_session_end(struct sf_store *st, const char *sid, size_t len, struct sf_buf *err) SF_WUR;

/* Copies a principal (its group pointers point into its own buffer: a plain struct copy would
 * point into src). */
void sf_auth_principal_copy(struct sf_principal *dst, const struct sf_principal *src);
/* Fills p's role, name and groups from a user record. */
void sf_auth_principal_from_user(struct sf_principal *p, const struct sf_user_rec *u);
/* Does p hold one of the groups of acl ("a,b"; "" = public)? */
bool sf_auth_can_see(const struct sf_principal *p, const char *acl, size_t len);
/* Constant-time comparison of two strings. */
bool sf_auth_equal(const char *a, size_t alen, const char *b, size_t blen);

#endif
