/*
 * http/admin.c: /api/v1/admin: users, tokens, the audit log (JSON, JSON lines or CSV for
 * export), system status and the configuration (secrets shown as "***").
 * Every change is written to the audit log before the answer goes out.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/time.h"
#include "base/version.h"
#include "http/http_int.h"
#include "index/index.h"

void sf_http_auth_changed(void);

static struct sf_store *store_of(struct sf_req *r) { return sf_engine_reader_store(r->t->rd); }

/* ---- users ---- */

static void user_rec_json(struct sf_jw *w, const struct sf_user_rec *u)
{
	sf_jw_obj(w);
	sf_jw_kstrn(w, "name", u->name);
	sf_jw_kstrn(w, "role", u->role);
	sf_jw_key(w, "groups");
	sf_jw_list(w, u->groups.ptr, u->groups.len);
	sf_jw_kbool(w, "disabled", u->disabled);
	sf_jw_kint(w, "created_ms", u->created_ms);
	sf_jw_obj_end(w);
}

static int on_user(void *ctx, const struct sf_user_rec *u)
{
	user_rec_json(ctx, u);
	return 0;
}

void admin_users(struct sf_req *r)
{
	struct sf_jw w;
	sf_req_jw(r, &w);
	sf_jw_obj(&w);
	sf_jw_key(&w, "users");
	sf_jw_arr(&w);
	struct sf_buf err = SF_BUF_INIT;
	enum sf_err rc = sf_store_scan_users(store_of(r), on_user, &w, &err);
	if (rc) {
		sf_reply_sferr(r, rc, "listing users", &err);
		sf_buf_release(&err);
		return;
	}
	sf_jw_arr_end(&w);
	sf_jw_obj_end(&w);
	sf_reply(r, 200);
}

/* groups as a JSON array of strings -> "a,b" in out; false (400 sent) when malformed. */
static bool groups_arg(struct sf_req *r, json_t *v, char *out, size_t cap)
{
	out[0] = 0;
	if (!json_is_array(v)) {
		sf_reply_err(r, E_INVALID, "field 'groups' must be an array of strings");
		return false;
	}
	size_t i, o = 0;
	json_t *g;
	json_array_foreach(v, i, g) {
		if (!json_is_string(g) || json_string_length(g) == 0 || json_string_length(g) > 64 ||
		    strchr(json_string_value(g), ',')) {
			sf_reply_err(r, E_INVALID, "groups are non-empty strings of at most 64 characters, without commas");
			return false;
		}
		int n = snprintf(out + o, cap - o, "%s%s", o ? "," : "", json_string_value(g));
		if (n < 0 || (size_t)n >= cap - o) {
			sf_reply_err(r, E_INVALID, "too many groups");
			return false;
		}
		o += (size_t)n;
	}
	return true;
}

static void reply_user(struct sf_req *r, const char *name, unsigned status)
{
	struct sf_user_rec u;
	struct sf_buf err = SF_BUF_INIT;
	enum sf_err rc = sf_store_user_get(store_of(r), name, 0, &u, &err);
	if (rc) {
		sf_reply_sferr(r, rc, "reading the user", &err);
		sf_buf_release(&err);
		return;
	}
	struct sf_jw w;
	sf_req_jw(r, &w);
	sf_jw_obj(&w);
	sf_jw_key(&w, "user");
	user_rec_json(&w, &u);
	sf_jw_obj_end(&w);
	sf_reply(r, status);
}

void admin_user_add(struct sf_req *r)
{
	json_t *j = sf_req_json(r);
	if (!j) return;
	const char *name, *pass, *role;
	char groups[1100] = "";
	if (!sf_req_jstr(r, j, "name", 64, true, &name) ||
	    !sf_req_jstr(r, j, "password", SF_AUTH_MAX_PASSWORD, true, &pass) ||
	    !sf_req_jstr(r, j, "role", 16, true, &role))
		goto out;
	json_t *g = json_object_get(j, "groups");
	if (g && !groups_arg(r, g, groups, sizeof groups)) goto out;
	struct sf_buf err = SF_BUF_INIT;
	enum sf_err rc = sf_auth_user_add(store_of(r), name, role, pass, strlen(pass), groups, &err);
	if (rc) {
		sf_reply_sferr(r, rc, "adding a user", &err);
	} else {
		char d[160];
		snprintf(d, sizeof d, "role=%s groups=%.100s", role, groups);
		sf_req_audit(r, "user.add", name, d, true);
		reply_user(r, name, 201);
	}
	sf_buf_release(&err);
out:
	json_decref(j);
}

void admin_user_patch(struct sf_req *r)
{
	json_t *j = sf_req_json(r);
	if (!j) return;
	const char *pass, *role;
	char groups[1100];
	bool has_groups = false;
	int disabled = -1;
	if (!sf_req_jstr(r, j, "password", SF_AUTH_MAX_PASSWORD, false, &pass) ||
	    !sf_req_jstr(r, j, "role", 16, false, &role))
		goto out;
	json_t *g = json_object_get(j, "groups");
	if (g) {
		if (!groups_arg(r, g, groups, sizeof groups)) goto out;
		has_groups = true;
	}
	json_t *d = json_object_get(j, "disabled");
	if (d) {
		if (!json_is_boolean(d)) {
			sf_reply_err(r, E_INVALID, "field 'disabled' must be true or false");
			goto out;
		}
		disabled = json_is_true(d);
	}
	const char *key;
	json_t *v;
	json_object_foreach(j, key, v) {
		if (strcmp(key, "password") && strcmp(key, "role") && strcmp(key, "groups") && strcmp(key, "disabled")) {
			sf_reply_err(r, E_INVALID, "unknown field '%s' (known: role, groups, disabled, password)", key);
			goto out;
		}
	}
	if (!pass && !role && !has_groups && disabled < 0) {
		sf_reply_err(r, E_INVALID, "nothing to change: give role, groups, disabled or password");
		goto out;
	}
	if (disabled == 1 && strcmp(r->param, r->who.name) == 0) {
		sf_reply_err(r, E_INVALID, "you cannot disable yourself");
		goto out;
	}
	struct sf_buf err = SF_BUF_INIT;
	enum sf_err rc = sf_auth_user_change(store_of(r), r->param, role, pass, pass ? strlen(pass) : 0,
					     has_groups ? groups : NULL, disabled, &err);
	if (rc) {
		sf_reply_sferr(r, rc, "changing the user", &err);
	} else {
		sf_http_auth_changed();
		char det[200];
		snprintf(det, sizeof det, "%s%s%s%s%s", role ? "role " : "", has_groups ? "groups " : "",
			 disabled == 1 ? "disabled " : disabled == 0 ? "enabled " : "", pass ? "password" : "", "");
		sf_req_audit(r, "user.change", r->param, det, true);
		reply_user(r, r->param, 200);
	}
	sf_buf_release(&err);
out:
	json_decref(j);
}

/* ---- tokens ---- */

static void token_json(struct sf_jw *w, const struct sf_token_rec *t)
{
	sf_jw_obj(w);
	sf_jw_kint(w, "id", t->id);
	sf_jw_kstrn(w, "user", t->user);
	sf_jw_kstrn(w, "name", t->name);
	sf_jw_kstrn(w, "prefix", t->prefix);
	sf_jw_key(w, "scopes");
	sf_jw_list(w, t->scopes.ptr, t->scopes.len);
	sf_jw_kint(w, "created_ms", t->created_ms);
	sf_jw_kint(w, "expires_ms", t->expires_ms);
	sf_jw_kint(w, "last_used_ms", t->last_used_ms);
	sf_jw_kbool(w, "revoked", t->revoked);
	sf_jw_obj_end(w);
}

static int on_token(void *ctx, const struct sf_token_rec *t)
{
	token_json(ctx, t);
	return 0;
}

void admin_tokens(struct sf_req *r)
{
	struct sf_jw w;
	sf_req_jw(r, &w);
	sf_jw_obj(&w);
	sf_jw_key(&w, "tokens");
	sf_jw_arr(&w);
	struct sf_buf err = SF_BUF_INIT;
	enum sf_err rc = sf_store_scan_tokens(store_of(r), on_token, &w, &err);
	if (rc) {
		sf_reply_sferr(r, rc, "listing tokens", &err);
		sf_buf_release(&err);
		return;
	}
	sf_jw_arr_end(&w);
	sf_jw_obj_end(&w);
	sf_reply(r, 200);
}

struct find_token {
	int64_t id;
	struct sf_jw *w;
	bool found;
};

static int on_token_id(void *ctx, const struct sf_token_rec *t)
{
	struct find_token *f = ctx;
	if (t->id != f->id) return 0;
	token_json(f->w, t);
	f->found = true;
	return 1;
}

void admin_token_add(struct sf_req *r)
{
	json_t *j = sf_req_json(r);
	if (!j) return;
	const char *user, *name;
	unsigned scopes = 0;
	int64_t days = 0;
	if (!sf_req_jstr(r, j, "user", 64, true, &user) || !sf_req_jstr(r, j, "name", 128, false, &name)) goto out;
	json_t *sc = json_object_get(j, "scopes");
	if (!json_is_array(sc) || json_array_size(sc) == 0) {
		sf_reply_err(r, E_INVALID, "field 'scopes' must be a non-empty array of scope names");
		goto out;
	}
	size_t i;
	json_t *s;
	json_array_foreach(sc, i, s) {
		unsigned m;
		struct sf_buf e = SF_BUF_INIT;
		if (!json_is_string(s) || !sf_scopes_parse(json_string_value(s), &m, &e) || strchr(json_string_value(s), ',')) {
			sf_reply_err(r, E_INVALID, "%s", e.len ? e.ptr : "scopes are strings");
			sf_buf_release(&e);
			goto out;
		}
		scopes |= m;
	}
	json_t *ex = json_object_get(j, "expires_days");
	if (ex) {
		if (!json_is_integer(ex) || json_integer_value(ex) < 0 || json_integer_value(ex) > 3650) {
			sf_reply_err(r, E_INVALID, "field 'expires_days' must be an integer from 0 (never) to 3650");
			goto out;
		}
		days = json_integer_value(ex);
	}
	char secret[64];
	int64_t id = 0;
	struct sf_buf err = SF_BUF_INIT;
	enum sf_err rc = sf_auth_token_create(store_of(r), user, name ? name : "", scopes, (int)days, secret,
					      sizeof secret, &id, &err);
	if (rc) {
		sf_reply_sferr(r, rc, "creating a token", &err);
		sf_buf_release(&err);
		goto out;
	}
	char t[160];
	snprintf(t, sizeof t, "token:%lld user:%.64s", (long long)id, user);
	sf_req_audit(r, "token.create", t, NULL, true);
	struct sf_jw w;
	sf_req_jw(r, &w);
	sf_jw_obj(&w);
	sf_jw_kstr(&w, "token", secret);
	sf_jw_key(&w, "info");
	struct find_token f = { id, &w, false };
	rc = sf_store_scan_tokens(store_of(r), on_token_id, &f, &err);
	if (!f.found) sf_jw_null(&w);
	sf_jw_obj_end(&w);
	memset(secret, 0, sizeof secret);
	sf_buf_release(&err);
	sf_reply(r, 201);
out:
	json_decref(j);
}

void admin_token_del(struct sf_req *r)
{
	char *end;
	long long id = strtoll(r->param, &end, 10);
	if (*end || id <= 0) {
		sf_reply_err(r, E_NOTFOUND, "no token '%s'", r->param);
		return;
	}
	struct sf_buf err = SF_BUF_INIT;
	enum sf_err rc = sf_store_token_revoke(store_of(r), id, &err);
	if (rc) {
		sf_reply_sferr(r, rc, "revoking the token", &err);
	} else {
		sf_http_auth_changed();
		char t[40];
		snprintf(t, sizeof t, "token:%lld", id);
		sf_req_audit(r, "token.revoke", t, NULL, true);
		sf_reply(r, 204);
	}
	sf_buf_release(&err);
}

/* ---- audit ---- */

enum audit_fmt { FMT_JSON, FMT_JSONL, FMT_CSV };

struct audit_ctx {
	struct sf_req *r;
	struct sf_jw *w;
	enum audit_fmt fmt;
	int64_t last;
	size_t n;
	enum sf_err rc;
};

static void csv_field(struct sf_buf *b, struct sf_str s, bool last, enum sf_err *rc)
{
	if (*rc) return;
	*rc = sf_buf_addch(b, '"');
	for (size_t i = 0; i < s.len && !*rc; i++) {
		char c = s.ptr[i];
		/* a leading = + - @ would make spreadsheets run a formula */
		if (i == 0 && (c == '=' || c == '+' || c == '-' || c == '@')) *rc = sf_buf_addch(b, '\'');
		if (!*rc) *rc = c == '"' ? sf_buf_add(b, "\"\"", 2) : sf_buf_addch(b, c == '\n' || c == '\r' ? ' ' : c);
	}
	if (!*rc) *rc = sf_buf_adds(b, last ? "\"\r\n" : "\",");
}

static int on_event(void *ctx, const struct sf_audit_rec *ev)
{
	struct audit_ctx *c = ctx;
	c->last = ev->id;
	c->n++;
	if (c->fmt == FMT_CSV) {
		char num[48];
		snprintf(num, sizeof num, "%lld", (long long)ev->id);
		csv_field(&c->r->out, sf_str_c(num), false, &c->rc);
		snprintf(num, sizeof num, "%lld", (long long)ev->ts_ms);
		csv_field(&c->r->out, sf_str_c(num), false, &c->rc);
		csv_field(&c->r->out, ev->actor, false, &c->rc);
		csv_field(&c->r->out, ev->action, false, &c->rc);
		csv_field(&c->r->out, ev->target, false, &c->rc);
		csv_field(&c->r->out, ev->detail, false, &c->rc);
		csv_field(&c->r->out, ev->ip, false, &c->rc);
		csv_field(&c->r->out, ev->request_id, true, &c->rc);
		return c->rc ? 1 : 0;
	}
	struct sf_jw *w = c->w;
	if (c->fmt == FMT_JSONL) sf_jw_init(w, &c->r->out);
	sf_jw_obj(w);
	sf_jw_kint(w, "id", ev->id);
	sf_jw_kint(w, "ts_ms", ev->ts_ms);
	sf_jw_kstrn(w, "actor", ev->actor);
	sf_jw_kstrn(w, "action", ev->action);
	sf_jw_kstrn(w, "target", ev->target);
	sf_jw_kstrn(w, "detail", ev->detail);
	sf_jw_kstrn(w, "ip", ev->ip);
	sf_jw_kstrn(w, "request_id", ev->request_id);
	sf_jw_obj_end(w);
	if (c->fmt == FMT_JSONL && !w->rc) w->rc = sf_buf_addch(&c->r->out, '\n');
	return w->rc ? 1 : 0;
}

void admin_audit(struct sf_req *r)
{
	int64_t limit, before;
	if (!sf_req_int(r, "limit", 1, 100000, 100, &limit) || !sf_req_int(r, "before", 0, INT64_MAX, 0, &before))
		return;
	const char *fmt = sf_req_arg(r, "format");
	enum audit_fmt f = FMT_JSON;
	if (fmt && strcmp(fmt, "jsonl") == 0) f = FMT_JSONL;
	else if (fmt && strcmp(fmt, "csv") == 0) f = FMT_CSV;
	else if (fmt && strcmp(fmt, "json") != 0) {
		sf_reply_err(r, E_INVALID, "format is json, jsonl or csv");
		return;
	}
	const char *actor = sf_req_arg(r, "actor"), *action = sf_req_arg(r, "action");
	if (actor && !*actor) actor = NULL;
	if (action && !*action) action = NULL;
	struct sf_jw w;
	sf_req_jw(r, &w);
	struct audit_ctx c = { r, &w, f, 0, 0, SF_OK };
	if (f == FMT_JSON) {
		sf_jw_obj(&w);
		sf_jw_key(&w, "events");
		sf_jw_arr(&w);
	} else if (f == FMT_CSV) {
		c.rc = sf_buf_adds(&r->out, "id,ts_ms,actor,action,target,detail,ip,request_id\r\n");
	}
	struct sf_buf err = SF_BUF_INIT;
	enum sf_err rc = sf_store_scan_audit(store_of(r), before, (size_t)limit, actor, action, on_event, &c, &err);
	if (rc) {
		sf_reply_sferr(r, rc, "reading the audit log", &err);
		sf_buf_release(&err);
		return;
	}
	if (f == FMT_JSON) {
		sf_jw_arr_end(&w);
		sf_jw_key(&w, "next_before");
		if (c.n == (size_t)limit) sf_jw_int(&w, c.last);
		else sf_jw_null(&w);
		sf_jw_obj_end(&w);
	}
	if (f == FMT_JSONL) r->ctype = "application/x-ndjson";
	if (f == FMT_CSV) {
		r->ctype = "text/csv; charset=utf-8";
		sf_req_add_header(r, "Content-Disposition", "attachment; filename=\"sufler-audit.csv\"");
	}
	sf_req_audit(r, "audit.read", fmt ? fmt : "json", NULL, false);
	if (w.rc || c.rc) sf_reply_err(r, E_INTERNAL, "the answer is too large");
	else sf_reply(r, 200);
}

/* ---- system and config ---- */

static uint64_t file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

void admin_system(struct sf_req *r)
{
	struct sf_http *h = r->h;
	struct sf_store_stats ss;
	struct sf_buf err = SF_BUF_INIT;
	enum sf_err rc = sf_store_stats(store_of(r), &ss, &err);
	uint64_t queued = 0, running = 0;
	if (!rc) rc = sf_store_jobs_count(store_of(r), &queued, &running, &err);
	if (rc) {
		sf_reply_sferr(r, rc, "reading the store", &err);
		sf_buf_release(&err);
		return;
	}
	char wal[4200];
	snprintf(wal, sizeof wal, "%s/sufler.db-wal", h->data_dir);
	struct sf_snapshot *snap = sf_index_snapshot(sf_engine_index(h->engine));
	struct sf_index_stats is;
	sf_snapshot_stats(snap, &is);
	sf_snapshot_release(snap);
	struct sf_config *cfg = sf_http_config(h);
	struct sf_jw w;
	sf_req_jw(r, &w);
	sf_jw_obj(&w);
	sf_jw_kstr(&w, "version", SUFLER_VERSION_STRING);
	sf_jw_kint(&w, "started_ms", h->started_ms);
	sf_jw_kint(&w, "uptime_s", (sf_wall_ms() - h->started_ms) / 1000);
	sf_jw_kint(&w, "pid", (int64_t)getpid());
	sf_jw_kint(&w, "threads", sf_config_int(cfg, "server.threads"));
	sf_jw_kint(&w, "store_bytes", (int64_t)(ss.bytes + file_size(wal)));
	sf_jw_kint(&w, "index_bytes", (int64_t)is.bytes);
	sf_jw_key(&w, "index");
	sf_jw_obj(&w);
	sf_jw_kint(&w, "segments", (int64_t)is.segments);
	sf_jw_kint(&w, "docs", (int64_t)is.docs);
	sf_jw_kint(&w, "deleted", (int64_t)is.deleted);
	sf_jw_obj_end(&w);
	sf_jw_kint(&w, "documents", (int64_t)ss.documents);
	sf_jw_kint(&w, "chunks", (int64_t)ss.chunks);
	sf_jw_key(&w, "queue");
	sf_jw_obj(&w);
	sf_jw_kint(&w, "jobs_queued", (int64_t)queued);
	sf_jw_kint(&w, "jobs_running", (int64_t)running);
	sf_jw_obj_end(&w);
	sf_jw_kint(&w, "rss_bytes", sf_proc_rss_bytes());
	sf_jw_kint(&w, "open_fds", sf_proc_open_fds());
	sf_jw_obj_end(&w);
	sf_config_unref(cfg);
	sf_reply(r, 200);
}

void admin_config(struct sf_req *r)
{
	struct sf_config *cfg = sf_http_config(r->h);
	size_t n;
	const struct sf_cfg_def *defs = sf_config_defs(cfg, &n);
	struct sf_jw w;
	sf_req_jw(r, &w);
	sf_jw_obj(&w);
	sf_jw_key(&w, "settings");
	sf_jw_arr(&w);
	for (size_t i = 0; i < n; i++) {
		const char *v = sf_config_str(cfg, defs[i].key);
		sf_jw_obj(&w);
		sf_jw_kstr(&w, "key", defs[i].key);
		sf_jw_kstr(&w, "value", defs[i].secret && *v ? "***" : v);
		sf_jw_kstr(&w, "default", defs[i].def ? defs[i].def : "");
		sf_jw_kstr(&w, "origin", sf_config_origin_name(sf_config_origin(cfg, defs[i].key)));
		sf_jw_kbool(&w, "secret", defs[i].secret);
		sf_jw_kstr(&w, "help", defs[i].help);
		sf_jw_obj_end(&w);
	}
	sf_jw_arr_end(&w);
	sf_jw_kstr(&w, "file", sf_config_file(cfg));
	sf_jw_kint(&w, "loaded_ms", sf_config_loaded_ms(cfg));
	sf_jw_obj_end(&w);
	sf_config_unref(cfg);
	sf_reply(r, 200);
}
