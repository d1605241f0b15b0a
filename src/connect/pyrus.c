/*
 * connect/pyrus.c: the Pyrus connector (see pyrus.h): authentication, forms and catalogs, the
 * register paged by task id, tasks mapped to tickets, batches stored with their cursor,
 * attachments downloaded and ingested.
 */
#include "connect/pyrus.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/hash.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"

#define DEFAULT_AUTH_URL "https://accounts.pyrus.com/api/v4/auth"
#define DEFAULT_TICKET_URL "https://pyrus.com/t#id%s"
#define MAX_SPEC_FIELDS 16

void sf_pyrus_opts_default(struct sf_pyrus_opts *o)
{
	*o = (struct sf_pyrus_opts){ .source = "pyrus", .auth_url = DEFAULT_AUTH_URL, .notes_acl = "staff",
				     .ticket_url = DEFAULT_TICKET_URL, .overlap_s = 600, .page_size = 500,
				     .batch = 50, .attachments = true };
	sf_net_opts_default(&o->net);
	sf_files_opts_default(&o->files);
}

/* Appends whose failure (a buffer at its limit) only shortens a text. */
static inline void ign(enum sf_err e)
{
	(void)e;
}

/* ---- time ---- */

int64_t sf_pyrus_time(const char *s)
{
	if (!s) return 0;
	struct tm tm = { 0 };
	int ms = 0;
	char frac[8] = "";
	int n = sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
		       &tm.tm_sec);
	if (n != 6) return 0;
	const char *dot = strchr(s, '.');
	if (dot && sscanf(dot + 1, "%3[0-9]", frac) == 1) {
		ms = atoi(frac);
		for (size_t i = strlen(frac); i < 3; i++) ms *= 10;
	}
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	time_t t = timegm(&tm);
	if (t == (time_t)-1) return 0;
	return (int64_t)t * 1000 + ms;
}

static void fmt_time(int64_t ms, char out[32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	if (!gmtime_r(&t, &tm)) {
		out[0] = 0;
		return;
	}
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- forms: configured fields ---- */

struct spec {
	int n;
	char code[MAX_SPEC_FIELDS][128];
	int64_t id[MAX_SPEC_FIELDS];
};

struct sf_pyrus_form {
	int64_t id;
	struct spec problem, resolution, category;
	int64_t category_field; /* the category field's id (0: none) */
	int64_t catalog_id;
	json_t *catalog_names;  /* item id (as text) -> name */
};

static void spec_parse(struct spec *sp, const char *v)
{
	sp->n = 0;
	if (!v) return;
	struct sf_str rest = sf_str_c(v), item;
	while (sp->n < MAX_SPEC_FIELDS && sf_str_next_item(&rest, ',', &item)) {
		snprintf(sp->code[sp->n], sizeof sp->code[0], "%.*s", (int)item.len, item.ptr);
		char *e;
		long long x = strtoll(sp->code[sp->n], &e, 10);
		sp->id[sp->n] = (*e == 0 && x > 0) ? x : 0;
		sp->n++;
	}
}

/* Does field f (a form field or a task field) match the spec? Codes in info.code or code. */
static bool spec_match(const struct spec *sp, const json_t *f)
{
	int64_t id = json_integer_value(json_object_get(f, "id"));
	const char *code = json_string_value(json_object_get(f, "code"));
	if (!code) code = json_string_value(json_object_get(json_object_get(f, "info"), "code"));
	for (int i = 0; i < sp->n; i++) {
		if (sp->id[i] && sp->id[i] == id) return true;
		if (code && sp->code[i][0] && strcmp(code, sp->code[i]) == 0) return true;
	}
	return false;
}

/* Calls fn for every field of a form's or task's field list, title and table fields flattened. */
static void walk_fields(const json_t *fields, void (*fn)(void *ctx, const json_t *f), void *ctx, int depth)
{
	if (!json_is_array(fields) || depth > 8) return;
	size_t i;
	const json_t *f;
	json_array_foreach(fields, i, f)
	{
		fn(ctx, f);
		const json_t *v = json_object_get(f, "value");
		const json_t *info = json_object_get(f, "info");
		/* form description: info.fields (title), info.columns (table); task: value.fields
		 * (title) or value[].cells (table) */
		walk_fields(json_object_get(info, "fields"), fn, ctx, depth + 1);
		walk_fields(json_object_get(info, "columns"), fn, ctx, depth + 1);
		walk_fields(json_object_get(v, "fields"), fn, ctx, depth + 1);
		if (json_is_array(v)) {
			size_t r;
			const json_t *row;
			json_array_foreach(v, r, row) walk_fields(json_object_get(row, "cells"), fn, ctx, depth + 1);
		}
	}
}

/* Task fields carry ids, not codes: the codes of a spec are looked up in the form once and
 * their ids added to it. */
struct resolve {
	struct spec *sp;
	int64_t ids[MAX_SPEC_FIELDS];
	int n;
};

static void on_resolve(void *vc, const json_t *fld)
{
	struct resolve *r = vc;
	if (r->n < MAX_SPEC_FIELDS && spec_match(r->sp, fld)) r->ids[r->n++] = json_integer_value(json_object_get(fld, "id"));
}

static void spec_resolve(struct spec *sp, const json_t *form)
{
	struct resolve r = { sp, { 0 }, 0 };
	walk_fields(json_object_get(form, "fields"), on_resolve, &r, 0);
	for (int i = 0; i < r.n && sp->n < MAX_SPEC_FIELDS; i++) {
		bool have = false;
		for (int k = 0; k < sp->n; k++) have |= sp->id[k] == r.ids[i];
		if (have || !r.ids[i]) continue;
		sp->code[sp->n][0] = 0;
		sp->id[sp->n++] = r.ids[i];
	}
}

struct find_cat {
	const struct sf_pyrus_form *f;
	int64_t field, catalog;
};

static void on_form_field(void *vc, const json_t *fld)
{
	struct find_cat *c = vc;
	if (c->field || !spec_match(&c->f->category, fld)) return;
	c->field = json_integer_value(json_object_get(fld, "id"));
	c->catalog = json_integer_value(json_object_get(json_object_get(fld, "info"), "catalog_id"));
}

struct sf_pyrus_form *sf_pyrus_form_new(const json_t *form, const json_t *catalog, const struct sf_pyrus_opts *o)
{
	struct sf_pyrus_form *f = sf_xcalloc(1, sizeof *f);
	f->id = json_integer_value(json_object_get(form, "id"));
	spec_parse(&f->problem, o->field_problem);
	spec_parse(&f->resolution, o->field_resolution);
	spec_parse(&f->category, o->field_category);
	spec_resolve(&f->problem, form);
	spec_resolve(&f->resolution, form);
	spec_resolve(&f->category, form);
	struct find_cat c = { f, 0, 0 };
	walk_fields(json_object_get(form, "fields"), on_form_field, &c, 0);
	f->category_field = c.field;
	f->catalog_id = c.catalog;
	f->catalog_names = json_object();
	const json_t *items = json_object_get(catalog, "items");
	size_t i;
	const json_t *it;
	json_array_foreach(items, i, it)
	{
		const json_t *vals = json_object_get(it, "values");
		const char *name = json_string_value(json_array_get(vals, 0));
		char key[32];
		snprintf(key, sizeof key, "%lld", (long long)json_integer_value(json_object_get(it, "item_id")));
		if (name) json_object_set_new(f->catalog_names, key, json_string(name));
	}
	return f;
}

void sf_pyrus_form_free(struct sf_pyrus_form *f)
{
	if (!f) return;
	json_decref(f->catalog_names);
	free(f);
}

int64_t sf_pyrus_form_catalog(const struct sf_pyrus_form *f)
{
	return f ? f->catalog_id : 0;
}

/* ---- mapping a task ---- */

static const char *own(struct sf_pyrus_ticket *t, char *s)
{
	SF_GROW(t->owned, t->capowned, t->nowned + 1);
	t->owned[t->nowned++] = s;
	return s;
}

static const char *ownf(struct sf_pyrus_ticket *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static const char *ownf(struct sf_pyrus_ticket *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct sf_buf b = SF_BUF_INIT;
	ign(sf_buf_vaddf(&b, fmt, ap));
	va_end(ap);
	return own(t, b.cap ? sf_buf_detach(&b, NULL) : sf_xstrdup(""));
}

static const char *jstr(const json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));
	return v ? v : "";
}

/* A person: "First Last <email>" or what of it exists. */
static void person(const json_t *p, struct sf_buf *b)
{
	const char *fn = jstr(p, "first_name"), *ln = jstr(p, "last_name"), *em = jstr(p, "email");
	ign(sf_buf_addf(b, "%s%s%s", fn, *fn && *ln ? " " : "", ln));
	if (*em) ign(sf_buf_addf(b, "%s<%s>", b->len ? " " : "", em));
}

/* Plain text of formatted_text (HTML): tags dropped, <br>/<p> as line breaks, a few entities. */
static void strip_html(const char *h, struct sf_buf *b)
{
	for (const char *p = h; *p;) {
		if (*p == '<') {
			const char *e = strchr(p, '>');
			if (!e) break;
			if (strncasecmp(p, "<br", 3) == 0 || strncasecmp(p, "</p", 3) == 0 || strncasecmp(p, "</li", 4) == 0)
				ign(sf_buf_addch(b, '\n'));
			p = e + 1;
		} else if (*p == '&') {
			static const struct { const char *e; char c; } ents[] = {
				{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&quot;", '"' }, { "&#39;", '\'' }, { "&nbsp;", ' ' }
			};
			size_t k;
			for (k = 0; k < sizeof ents / sizeof ents[0]; k++) {
				size_t n = strlen(ents[k].e);
				if (strncmp(p, ents[k].e, n) == 0) {
					ign(sf_buf_addch(b, ents[k].c));
					p += n;
					break;
				}
			}
			if (k == sizeof ents / sizeof ents[0]) ign(sf_buf_addch(b, *p++));
		} else {
			ign(sf_buf_addch(b, *p++));
		}
	}
}

static void comment_text(const json_t *c, struct sf_buf *b)
{
	const char *t = jstr(c, "text");
	if (*t) {
		ign(sf_buf_adds(b, t));
		return;
	}
	strip_html(jstr(c, "formatted_text"), b);
}

/* A field value as text: strings, numbers, catalog values, choices, people. */
static void field_text(const json_t *f, const struct sf_pyrus_form *form, struct sf_buf *b)
{
	const json_t *v = json_object_get(f, "value");
	if (json_is_string(v)) {
		ign(sf_buf_adds(b, json_string_value(v)));
	} else if (json_is_number(v)) {
		ign(sf_buf_addf(b, "%g", json_number_value(v)));
	} else if (json_is_object(v)) {
		const json_t *names = json_object_get(v, "choice_names");
		const json_t *vals = json_object_get(v, "values");
		if (json_is_array(names)) {
			size_t i;
			const json_t *x;
			json_array_foreach(names, i, x) ign(sf_buf_addf(b, "%s%s", i ? ", " : "", json_string_value(x) ? json_string_value(x) : ""));
		} else if (json_is_array(vals) && json_array_size(vals)) {
			ign(sf_buf_adds(b, json_string_value(json_array_get(vals, 0)) ? json_string_value(json_array_get(vals, 0)) : ""));
		} else if (json_object_get(v, "item_id") && form) {
			char key[32];
			snprintf(key, sizeof key, "%lld", (long long)json_integer_value(json_object_get(v, "item_id")));
			const char *n = json_string_value(json_object_get(form->catalog_names, key));
			if (n) ign(sf_buf_adds(b, n));
		} else if (json_object_get(v, "first_name") || json_object_get(v, "email")) {
			person(v, b);
		}
	}
}

struct collect {
	const struct sf_pyrus_form *form;
	const struct spec *sp;
	struct sf_buf *out;
	json_t *all;              /* code-or-id -> text of every field */
	const json_t *cat;        /* the category field */
};

static void on_task_field(void *vc, const json_t *f)
{
	struct collect *c = vc;
	struct sf_buf t = SF_BUF_INIT;
	field_text(f, c->form, &t);
	if (c->all && t.len) {
		const char *code = jstr(f, "code");
		char key[160];
		if (*code) snprintf(key, sizeof key, "%s", code);
		else snprintf(key, sizeof key, "%lld", (long long)json_integer_value(json_object_get(f, "id")));
		json_object_set_new(c->all, key, json_string(t.ptr));
	}
	if (c->sp && spec_match(c->sp, f) && t.len) {
		if (c->out->len) ign(sf_buf_adds(c->out, "\n"));
		ign(sf_buf_add(c->out, t.ptr, t.len));
	}
	if (c->form && c->form->category_field && json_integer_value(json_object_get(f, "id")) == c->form->category_field)
		c->cat = f;
	else if (!c->form || !c->form->category_field) {
		if (c->form && spec_match(&c->form->category, f)) c->cat = f;
	}
	sf_buf_release(&t);
}

static void fields_of(const json_t *task, const struct sf_pyrus_form *form, const struct spec *sp,
		      struct sf_buf *out, json_t *all, const json_t **cat)
{
	struct collect c = { form, sp, out, all, NULL };
	walk_fields(json_object_get(task, "fields"), on_task_field, &c, 0);
	if (cat) *cat = c.cat;
}

static void add_file(struct sf_pyrus_ticket *t, const json_t *a, const char *comment_id, size_t *cap)
{
	int64_t id = json_integer_value(json_object_get(a, "id"));
	if (!id) return;
	for (size_t i = 0; i < t->nfiles; i++)
		if (strtoll(t->files[i].ext_id, NULL, 10) == id) return;
	SF_GROW(t->files, *cap, t->nfiles + 1);
	t->files[t->nfiles++] = (struct sf_tfile_in){
		.ext_id = ownf(t, "%lld", (long long)id),
		.comment_id = comment_id,
		.name = ownf(t, "%s", jstr(a, "name")),
		.size = json_integer_value(json_object_get(a, "size")),
		.status = "pending",
	};
}

void sf_pyrus_ticket_free(struct sf_pyrus_ticket *t)
{
	if (!t) return;
	for (size_t i = 0; i < t->nowned; i++) free(t->owned[i]);
	free(t->owned);
	free(t->comments);
	free(t->files);
	memset(t, 0, sizeof *t);
}

/* Does comment c update field id? */
static bool updates_field(const json_t *c, int64_t id)
{
	size_t i;
	const json_t *u;
	json_array_foreach(json_object_get(c, "field_updates"), i, u)
	if (json_integer_value(json_object_get(u, "id")) == id) return true;
	return false;
}

enum sf_err sf_pyrus_map_task(const json_t *task, const struct sf_pyrus_form *form, const char *source,
			      struct sf_pyrus_ticket *out, struct sf_buf *err)
{
	memset(out, 0, sizeof *out);
	int64_t id = json_integer_value(json_object_get(task, "id"));
	if (!json_is_object(task) || id <= 0) {
		sf_errf(err, "a task without an id");
		return SF_ERR_INVALID;
	}
	struct sf_ticket_in *t = &out->t;
	t->source = source;
	t->ext_id = ownf(out, "%lld", (long long)id);
	t->form_id = ownf(out, "%lld", (long long)json_integer_value(json_object_get(task, "form_id")));
	t->subject = ownf(out, "%s", jstr(task, "subject"));
	t->created_ms = sf_pyrus_time(jstr(task, "create_date"));
	t->modified_ms = sf_pyrus_time(jstr(task, "last_modified_date"));
	t->closed_ms = sf_pyrus_time(jstr(task, "close_date"));
	const json_t *author = json_object_get(task, "author");
	int64_t author_id = json_integer_value(json_object_get(author, "id"));
	struct sf_buf b = SF_BUF_INIT;
	person(author, &b);
	t->requester = own(out, sf_buf_detach(&b, NULL));
	person(json_object_get(task, "responsible"), &b);
	t->assignee = own(out, sf_buf_detach(&b, NULL));

	/* fields: all of them by code (or id), the configured problem and resolution, the category */
	json_t *all = json_object();
	struct sf_buf problem_f = SF_BUF_INIT, resolution_f = SF_BUF_INIT;
	const json_t *cat = NULL;
	t->category = t->category_id = t->category_by = "";
	fields_of(task, form, form ? &form->problem : NULL, &problem_f, all, &cat);
	fields_of(task, form, form ? &form->resolution : NULL, &resolution_f, NULL, NULL);
	char *fj = json_dumps(all, JSON_COMPACT | JSON_SORT_KEYS);
	t->fields = own(out, fj ? fj : sf_xstrdup("{}"));
	json_decref(all);
	if (cat) {
		const json_t *v = json_object_get(cat, "value");
		struct sf_buf cb = SF_BUF_INIT;
		field_text(cat, form, &cb);
		t->category = own(out, sf_buf_detach(&cb, NULL));
		const json_t *ids = json_object_get(v, "item_ids");
		if (!ids) ids = json_object_get(v, "choice_ids");
		int64_t cid = json_integer_value(json_object_get(v, "item_id"));
		if (!cid) cid = json_integer_value(json_array_get(ids, 0));
		t->category_id = cid ? ownf(out, "%lld", (long long)cid) : "";
		t->category_by = *t->category ? "form" : "";
	}

	/* comments: who wrote them, external or internal, actions */
	const json_t *cms = json_object_get(task, "comments");
	size_t nc = json_array_size(cms), fcap = 0;
	out->comments = sf_xcalloc(nc ? nc : 1, sizeof *out->comments);
	struct sf_buf notes = SF_BUF_INIT, first_req = SF_BUF_INIT;
	const char *last_reply = NULL;   /* the last staff reply to the requester so far */
	const char *resolution_reply = NULL;
	int64_t first_resp = 0;
	bool finished = false;
	int reopens = 0;
	size_t i;
	const json_t *c;
	json_array_foreach(cms, i, c)
	{
		struct sf_comment_in *ci = &out->comments[out->ncomments++];
		const json_t *ca = json_object_get(c, "author");
		int64_t aid = json_integer_value(json_object_get(ca, "id"));
		const char *atype = jstr(ca, "type");
		const json_t *ch = json_object_get(c, "channel");
		const char *channel = json_is_object(ch) ? jstr(ch, "type") : json_string_value(ch);
		ci->ext_id = ownf(out, "%lld", (long long)json_integer_value(json_object_get(c, "id")));
		ci->created_ms = sf_pyrus_time(jstr(c, "create_date"));
		person(ca, &b);
		ci->author = own(out, sf_buf_detach(&b, NULL));
		ci->author_id = ownf(out, "%lld", (long long)aid);
		ci->role = strcmp(atype, "bot") == 0 ? "bot" : (aid && aid == author_id) ? "requester" : "staff";
		ci->channel = ownf(out, "%s", channel ? channel : "");
		comment_text(c, &b);
		ci->text = own(out, sf_buf_detach(&b, NULL));
		ci->action = ownf(out, "%s", jstr(c, "action"));
		bool staff = strcmp(ci->role, "staff") == 0;
		ci->internal = staff && !*ci->channel;
		if (ci->internal && *ci->text) ign(sf_buf_addf(&notes, "%s%s", notes.len ? "\n\n" : "", ci->text));
		if (staff && !ci->internal && *ci->text) {
			last_reply = ci->text;
			if (!first_resp) first_resp = ci->created_ms;
		}
		if (!strcmp(ci->role, "requester") && !first_req.len && *ci->text) ign(sf_buf_adds(&first_req, ci->text));
		if (strcmp(ci->action, "finished") == 0) {
			finished = true;
			if (last_reply) resolution_reply = last_reply;
		} else if (strcmp(ci->action, "reopened") == 0) {
			reopens++;
		}
		if (form && form->category_field && updates_field(c, form->category_field) && cat)
			t->category_by = *ci->author ? ci->author : ci->role;
		const json_t *a;
		size_t k;
		json_array_foreach(json_object_get(c, "attachments"), k, a) add_file(out, a, ci->ext_id, &fcap);
	}
	const json_t *a;
	json_array_foreach(json_object_get(task, "attachments"), i, a) add_file(out, a, "", &fcap);
	t->first_response_ms = first_resp;
	t->reopens = reopens;
	t->outcome = t->closed_ms ? "closed" : reopens ? "reopened" : "open";
	(void)finished;

	/* problem: the subject, the configured fields (else the task's text), the first message */
	struct sf_buf p = SF_BUF_INIT;
	const char *text = problem_f.len ? problem_f.ptr : jstr(task, "text");
	if (*text) ign(sf_buf_adds(&p, text));
	if (first_req.len && !strstr(p.ptr, first_req.ptr)) ign(sf_buf_addf(&p, "%s%s", p.len ? "\n\n" : "", first_req.ptr));
	t->problem = own(out, sf_buf_detach(&p, NULL));
	/* resolution: the last staff reply before the ticket was finished, then the field */
	if (resolution_reply) ign(sf_buf_adds(&p, resolution_reply));
	if (resolution_f.len && !strstr(p.ptr, resolution_f.ptr))
		ign(sf_buf_addf(&p, "%s%s", p.len ? "\n\n" : "", resolution_f.ptr));
	t->resolution = own(out, sf_buf_detach(&p, NULL));
	out->notes = (char *)own(out, sf_buf_detach(&notes, NULL));

	const json_t *steps = json_object_get(task, "steps");
	char *sj = json_is_array(steps) ? json_dumps(steps, JSON_COMPACT) : NULL;
	t->steps = own(out, sj ? sj : sf_xstrdup("[]"));
	char *rj = json_dumps(task, JSON_COMPACT);
	t->raw = own(out, rj ? rj : sf_xstrdup("{}"));
	sf_buf_release(&problem_f);
	sf_buf_release(&resolution_f);
	sf_buf_release(&first_req);
	sf_buf_release(&b);
	return SF_OK;
}

/* ---- the API ---- */

struct api {
	const struct sf_pyrus_opts *o;
	struct sf_net *net;
	char token[2048];
	char api_url[1024], files_url[1024];
	struct sf_pyrus_stats *stats;
};

static void trim_slash(char *s)
{
	size_t n = strlen(s);
	while (n && s[n - 1] == '/') s[--n] = 0;
}

/* Pyrus's error text for a message: error_code and error, never a token. */
static void api_error(const struct sf_net_resp *r, const char *what, struct sf_buf *err)
{
	json_t *j = json_loadb(r->body.ptr, r->body.len, 0, NULL);
	const char *code = jstr(j, "error_code"), *msg = jstr(j, "error");
	sf_errf(err, "pyrus: %s: HTTP %ld%s%s%s%s", what, r->status, *code ? " " : "", code, *msg ? ": " : "", msg);
	json_decref(j);
}

static enum sf_err authenticate(struct api *a, struct sf_buf *err)
{
	if (!a->o->login || !*a->o->login || !a->o->security_key || !*a->o->security_key) {
		sf_errf(err, "pyrus: login and security_key are not set (pyrus.login, pyrus.security_key)");
		return SF_ERR_INVALID;
	}
	json_t *body = json_pack("{s:s,s:s}", "login", a->o->login, "security_key", a->o->security_key);
	char *bs = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	const char *hdr[] = { "Content-Type: application/json" };
	struct sf_net_req rq = { .method = "POST", .url = a->o->auth_url ? a->o->auth_url : DEFAULT_AUTH_URL,
				 .headers = hdr, .nheaders = 1, .body = bs, .body_len = strlen(bs), .idempotent = true };
	struct sf_net_resp r;
	sf_net_resp_init(&r);
	a->stats->requests++;
	enum sf_err e = sf_net_do(a->net, &rq, &r, err);
	memset(bs, 0, strlen(bs)); /* the security key */
	free(bs);
	if (e) {
		sf_net_resp_release(&r);
		return e;
	}
	if (r.status != 200) {
		api_error(&r, "authentication", err);
		sf_net_resp_release(&r);
		return SF_ERR_INVALID;
	}
	json_t *j = json_loadb(r.body.ptr, r.body.len, 0, NULL);
	const char *tok = jstr(j, "access_token");
	if (!*tok || strlen(tok) >= sizeof a->token) {
		sf_errf(err, "pyrus: authentication answered without an access_token");
		json_decref(j);
		sf_net_resp_release(&r);
		return SF_ERR_INVALID;
	}
	snprintf(a->token, sizeof a->token, "%s", tok);
	snprintf(a->api_url, sizeof a->api_url, "%s",
		 a->o->api_url && *a->o->api_url ? a->o->api_url : *jstr(j, "api_url") ? jstr(j, "api_url") : "https://api.pyrus.com/v4");
	snprintf(a->files_url, sizeof a->files_url, "%s",
		 a->o->files_url && *a->o->files_url ? a->o->files_url : *jstr(j, "files_url") ? jstr(j, "files_url") : "https://files.pyrus.com");
	trim_slash(a->api_url);
	trim_slash(a->files_url);
	json_decref(j);
	sf_net_resp_release(&r);
	return SF_OK;
}

/* One call of the API (path below api_url, or a full URL): JSON in *out. A 401 authenticates
 * once more and repeats the call; an answer that is not JSON is tried once more. save_to: the
 * body goes to that file (downloads). */
static enum sf_err call(struct api *a, const char *method, const char *path, const char *body, json_t **out,
			const char *save_to, struct sf_net_resp *keep, struct sf_buf *err)
{
	char url[4096];
	if (strncmp(path, "http://", 7) == 0 || strncmp(path, "https://", 8) == 0) snprintf(url, sizeof url, "%s", path);
	else snprintf(url, sizeof url, "%s%s", a->api_url, path);
	enum sf_err e = SF_OK;
	for (int round = 0; round < 3; round++) {
		char auth[2100];
		snprintf(auth, sizeof auth, "Authorization: Bearer %s", a->token);
		const char *hdr[] = { auth, "Content-Type: application/json", "Accept: application/json" };
		struct sf_net_req rq = { .method = method, .url = url, .headers = hdr, .nheaders = body ? 3 : 1,
					 .body = body, .body_len = body ? strlen(body) : 0, .save_to = save_to,
					 .idempotent = strcmp(method, "GET") == 0 || strstr(path, "/register") != NULL };
		struct sf_net_resp r;
		sf_net_resp_init(&r);
		a->stats->requests++;
		e = sf_net_do(a->net, &rq, &r, err);
		memset(auth, 0, sizeof auth);
		if (e) {
			sf_net_resp_release(&r);
			return e;
		}
		/* an expired or revoked token: authenticate and repeat, twice at most (a token can
		 * expire again while a call waits out a rate limit) */
		if (r.status == 401 && round < 2) {
			sf_net_resp_release(&r);
			a->stats->reauth++;
			if ((e = authenticate(a, err))) return e;
			continue;
		}
		if (r.status < 200 || r.status >= 300) {
			api_error(&r, path, err);
			sf_net_resp_release(&r);
			return r.status == 404 ? SF_ERR_NOTFOUND : r.status == 401 || r.status == 403 ? SF_ERR_INVALID : SF_ERR_IO;
		}
		if (save_to) {
			if (keep) *keep = r;
			else sf_net_resp_release(&r);
			return SF_OK;
		}
		json_error_t je;
		json_t *j = json_loadb(r.body.ptr, r.body.len, 0, &je);
		sf_net_resp_release(&r);
		if (!j || !json_is_object(j)) {
			json_decref(j);
			sf_errf(err, "pyrus: %s: the answer is not a JSON object (%s)", path, je.text);
			e = SF_ERR_INVALID;
			if (round < 2) continue;
			return e;
		}
		*out = j;
		return SF_OK;
	}
	return e ? e : SF_ERR_IO;
}

/* ---- sync ---- */

struct run {
	struct api api;
	struct sf_store *st;
	const struct sf_pyrus_opts *o;
	struct sf_pyrus_stats *s;
	const char *source;
	char files_source[300];
};

/* A document's fingerprint: a hash of everything stored of it (text, title, category, access,
 * link, metadata), so any change replaces it and nothing else does. */
static void doc_fp(char out[33], const char *const *parts, size_t n)
{
	struct sf_buf b = SF_BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		ign(sf_buf_adds(&b, parts[i] ? parts[i] : ""));
		ign(sf_buf_addch(&b, '\x1f'));
	}
	snprintf(out, 33, "%016llx%016llx", (unsigned long long)sf_hash64(b.ptr, b.len, 0x70797275),
		 (unsigned long long)sf_hash64(b.ptr, b.len, 0x73746b74));
	sf_buf_release(&b);
}

/* A ticket's link: the pattern with its "%s" replaced by the task id. */
static void ticket_link(const char *pattern, const char *id, char *out, size_t cap)
{
	const char *p = pattern && strstr(pattern, "%s") ? pattern : DEFAULT_TICKET_URL;
	const char *at = strstr(p, "%s");
	snprintf(out, cap, "%.*s%s%s", (int)(at - p), p, id, at + 2);
}

/* Stores one mapped ticket with its documents, inside the caller's transaction. */
static enum sf_err store_ticket(struct run *r, struct sf_pyrus_ticket *pt, bool *added, struct sf_buf *err)
{
	enum sf_err e;
	/* attachments already ingested keep their state; new ones wait in "pending" */
	for (size_t i = 0; i < pt->nfiles; i++) {
		char status[32], doc[1024];
		if (sf_store_ticket_file(r->st, r->source, pt->t.ext_id, pt->files[i].ext_id, status, sizeof status, doc,
					 sizeof doc, NULL) == SF_OK &&
		    strcmp(status, "pending") != 0) {
			pt->files[i].status = ownf(pt, "%s", status);
			pt->files[i].doc_ext_id = ownf(pt, "%s", doc);
		}
		if (!r->o->attachments && strcmp(pt->files[i].status, "pending") == 0) pt->files[i].status = "skipped";
	}
	enum sf_put_result pr;
	if ((e = sf_store_put_ticket(r->st, &pt->t, pt->comments, pt->ncomments, pt->files, pt->nfiles, NULL, &pr, err)))
		return e;
	*added = pr == SF_PUT_ADDED;
	r->s->comments += pt->ncomments;
	/* the solved ticket as a problem -> resolution pair */
	char url[1200];
	ticket_link(r->o->ticket_url, pt->t.ext_id, url, sizeof url);
	char title[1200];
	snprintf(title, sizeof title, "%s", *pt->t.subject ? pt->t.subject : pt->t.ext_id);
	json_t *meta = json_pack("{s:s,s:s,s:i,s:s,s:I,s:I}", "ticket", pt->t.ext_id, "outcome", pt->t.outcome, "reopens",
				 pt->t.reopens, "form", pt->t.form_id, "created_ms", (json_int_t)pt->t.created_ms,
				 "closed_ms", (json_int_t)pt->t.closed_ms);
	char *metas = json_dumps(meta, JSON_COMPACT);
	json_decref(meta);
	if (*pt->t.resolution && *pt->t.problem) {
		struct sf_chunk_in ch[2] = { { "Проблема", pt->t.problem, strlen(pt->t.problem), 0, 0 },
					     { "Решение", pt->t.resolution, strlen(pt->t.resolution), 0, 0 } };
		char fp[33];
		const char *parts[] = { pt->t.problem, pt->t.resolution, title, url, pt->t.category, r->o->acl, metas };
		doc_fp(fp, parts, sizeof parts / sizeof parts[0]);
		struct sf_doc_in d = { .source = r->source, .ext_id = pt->t.ext_id, .title = title, .url = url,
				       .kind = "ticket", .acl = r->o->acl, .category = pt->t.category, .meta = metas,
				       .fingerprint = fp };
		e = sf_store_put_document(r->st, &d, ch, 2, &pr, err);
		if (!e) r->s->docs++;
	} else {
		e = sf_store_delete_document(r->st, r->source, pt->t.ext_id, NULL);
		e = e == SF_ERR_NOTFOUND ? SF_OK : e;
	}
	/* internal notes: for staff only, never quoted to a requester */
	char nid[300];
	snprintf(nid, sizeof nid, "%s/notes", pt->t.ext_id);
	if (!e && *pt->notes) {
		struct sf_chunk_in ch = { "Внутренние заметки", pt->notes, strlen(pt->notes), 0, 0 };
		char fp[33];
		const char *parts[] = { pt->notes, title, url, pt->t.category, r->o->notes_acl, metas };
		doc_fp(fp, parts, sizeof parts / sizeof parts[0]);
		struct sf_doc_in d = { .source = r->source, .ext_id = nid, .title = title, .url = url, .kind = "ticket_note",
				       .acl = r->o->notes_acl, .category = pt->t.category, .meta = metas, .fingerprint = fp };
		e = sf_store_put_document(r->st, &d, &ch, 1, &pr, err);
		if (!e) r->s->notes++;
	} else if (!e) {
		e = sf_store_delete_document(r->st, r->source, nid, NULL);
		e = e == SF_ERR_NOTFOUND ? SF_OK : e;
	}
	free(metas);
	return e;
}

/* The form of a task for mapping: by id among the loaded forms (NULL when not configured). */
struct forms {
	struct sf_pyrus_form **f;
	size_t n, cap;
};

static const struct sf_pyrus_form *form_of(const struct forms *fs, int64_t id)
{
	for (size_t i = 0; i < fs->n; i++)
		if (fs->f[i]->id == id) return fs->f[i];
	return NULL;
}

/* Fetches task id and maps it with its own form's fields; SF_OK with *pt filled. */
static enum sf_err fetch_task(struct run *r, int64_t id, const struct forms *fs, struct sf_pyrus_ticket *pt,
			      struct sf_buf *err)
{
	char path[64];
	snprintf(path, sizeof path, "/tasks/%lld", (long long)id);
	json_t *j = NULL;
	enum sf_err e = call(&r->api, "GET", path, NULL, &j, NULL, NULL, err);
	if (e) return e;
	r->s->fetched++;
	const json_t *task = json_object_get(j, "task");
	const struct sf_pyrus_form *form = form_of(fs, json_integer_value(json_object_get(task, "form_id")));
	e = sf_pyrus_map_task(task, form, r->source, pt, err);
	json_decref(j);
	return e;
}

static enum sf_err load_form(struct run *r, int64_t id, struct sf_pyrus_form **out, struct sf_buf *err)
{
	char path[64];
	snprintf(path, sizeof path, "/forms/%lld", (long long)id);
	json_t *form = NULL, *cat = NULL;
	enum sf_err e = call(&r->api, "GET", path, NULL, &form, NULL, NULL, err);
	if (e) return e;
	struct sf_pyrus_form *f = sf_pyrus_form_new(form, NULL, r->o);
	if (f->catalog_id) {
		snprintf(path, sizeof path, "/catalogs/%lld", (long long)f->catalog_id);
		if ((e = call(&r->api, "GET", path, NULL, &cat, NULL, NULL, err))) {
			json_decref(form);
			sf_pyrus_form_free(f);
			return e;
		}
		sf_pyrus_form_free(f);
		f = sf_pyrus_form_new(form, cat, r->o);
		json_decref(cat);
	}
	if (!f->id) f->id = id;
	json_decref(form);
	*out = f;
	return SF_OK;
}

/* One batch of task ids: fetched, mapped and stored with the cursor in one transaction. A
 * task that fails is recorded and skipped. */
static enum sf_err do_batch(struct run *r, const struct forms *fs, const int64_t *ids, const int64_t *mod, size_t n,
			    const char *cursor_key, const char *cursor, struct sf_buf *err)
{
	struct sf_pyrus_ticket *pts = sf_xcalloc(n ? n : 1, sizeof *pts);
	bool *ok = sf_xcalloc(n ? n : 1, sizeof *ok);
	char **why = sf_xcalloc(n ? n : 1, sizeof *why);
	/* the network part first, outside the transaction */
	for (size_t i = 0; i < n; i++) {
		int64_t old, synced;
		char ext[32];
		snprintf(ext, sizeof ext, "%lld", (long long)ids[i]);
		/* unchanged: the same modification time, and the stored copy was read more than a
		 * second after it (Pyrus's times have whole seconds: a second change within the same
		 * second keeps the time) */
		if (mod && mod[i] && sf_store_ticket_modified(r->st, r->source, ext, &old, &synced, NULL) == SF_OK &&
		    old == mod[i] && synced >= mod[i] + 2000) {
			r->s->unchanged++;
			continue;
		}
		struct sf_buf e1 = SF_BUF_INIT;
		enum sf_err e = fetch_task(r, ids[i], fs, &pts[i], &e1);
		if (e) {
			why[i] = sf_xstrdup(e1.len ? e1.ptr : sf_err_str(e));
			if (!r->o->quiet) fprintf(stderr, "pyrus: task %lld: %s\n", (long long)ids[i], why[i]);
		} else {
			ok[i] = true;
		}
		sf_buf_release(&e1);
	}
	enum sf_err e = sf_store_begin(r->st, err);
	for (size_t i = 0; !e && i < n; i++) {
		char ext[32];
		snprintf(ext, sizeof ext, "%lld", (long long)ids[i]);
		if (why[i]) {
			r->s->failed++;
			e = sf_store_sync_failed(r->st, r->source, ext, why[i], err);
			continue;
		}
		if (!ok[i]) continue;
		bool added;
		if ((e = store_ticket(r, &pts[i], &added, err))) break;
		if (added) r->s->added++;
		else r->s->changed++;
		if ((e = sf_store_sync_done(r->st, r->source, ext, err))) break;
	}
	if (!e && cursor_key) e = sf_store_sync_set(r->st, r->source, cursor_key, cursor, err);
	if (!e) e = sf_store_commit(r->st, err);
	else sf_store_rollback(r->st);
	for (size_t i = 0; i < n; i++) {
		sf_pyrus_ticket_free(&pts[i]);
		free(why[i]);
	}
	free(pts);
	free(ok);
	free(why);
	return e;
}

/* The cursor of a form: {"since": ms of the last finished run's start (0: never), "from": the
 * running window's start, "after": the last task id stored in it, "started": its run's start}. */
struct cursor {
	int64_t since, from, after, started;
	bool running, full;
};

static void cursor_load(struct run *r, const char *key, struct cursor *c)
{
	memset(c, 0, sizeof *c);
	struct sf_buf v = SF_BUF_INIT;
	if (sf_store_sync_get(r->st, r->source, key, &v, NULL) == SF_OK) {
		json_t *j = json_loadb(v.ptr, v.len, 0, NULL);
		c->since = json_integer_value(json_object_get(j, "since"));
		c->from = json_integer_value(json_object_get(j, "from"));
		c->after = json_integer_value(json_object_get(j, "after"));
		c->started = json_integer_value(json_object_get(j, "started"));
		c->running = json_is_true(json_object_get(j, "running"));
		c->full = json_is_true(json_object_get(j, "full"));
		json_decref(j);
	}
	sf_buf_release(&v);
}

static char *cursor_text(const struct cursor *c)
{
	json_t *j = json_pack("{s:I,s:I,s:I,s:I,s:b,s:b}", "since", (json_int_t)c->since, "from", (json_int_t)c->from,
			      "after", (json_int_t)c->after, "started", (json_int_t)c->started, "running", c->running,
			      "full", c->full);
	char *s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return s;
}

struct idset {
	int64_t *v;
	size_t n, cap;
};

static void idset_add(struct idset *s, int64_t id)
{
	SF_GROW(s->v, s->cap, s->n + 1);
	s->v[s->n++] = id;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static void new_window(const struct sf_pyrus_opts *o, struct cursor *c)
{
	c->running = true;
	c->full = o->full;
	c->after = 0;
	c->started = sf_wall_ms();
	c->from = o->full || !c->since ? 0 : c->since - (int64_t)o->overlap_s * 1000;
}

/* One pass over a form's window: the register page by page from the cursor, batches stored
 * with it; at the end the next window starts from this one's start. Every listed id goes into
 * seen (for --full's deletions). */
static enum sf_err pass(struct run *r, const struct forms *fs, int64_t form_id, const char *key, struct cursor *cp,
			struct idset *seen, struct sf_buf *err)
{
	struct cursor c = *cp;
	int page = r->o->page_size > 0 ? r->o->page_size : 500;
	int batch = r->o->batch > 0 ? r->o->batch : 50;
	enum sf_err e = SF_OK;
	for (;;) {
		if (r->o->stop && *r->o->stop) return SF_ERR_BUSY;
		char gt[40];
		snprintf(gt, sizeof gt, "gt%lld", (long long)c.after);
		json_t *body = json_pack("{s:s,s:i,s:s,s:s}", "sort", "tsk", "item_count", page, "include_archived", "y",
					 "id", gt);
		if (c.from > 0) {
			char ts[32];
			fmt_time(c.from, ts);
			json_object_set_new(body, "modified_after", json_string(ts));
		}
		char *bs = json_dumps(body, JSON_COMPACT);
		json_decref(body);
		char path[64];
		snprintf(path, sizeof path, "/forms/%lld/register", (long long)form_id);
		json_t *j = NULL;
		e = call(&r->api, "POST", path, bs, &j, NULL, NULL, err);
		free(bs);
		if (e) return e;
		const json_t *tasks = json_object_get(j, "tasks");
		size_t n = json_array_size(tasks);
		int64_t *ids = sf_xcalloc(n ? n : 1, sizeof *ids), *mods = sf_xcalloc(n ? n : 1, sizeof *mods);
		size_t m = 0;
		for (size_t i = 0; i < n; i++) {
			const json_t *t = json_array_get(tasks, i);
			int64_t id = json_integer_value(json_object_get(t, "id"));
			if (id <= c.after) continue; /* a server that ignores the id filter: never go back */
			ids[m] = id;
			mods[m++] = sf_pyrus_time(jstr(t, "last_modified_date"));
		}
		json_decref(j);
		r->s->listed += m;
		/* sorted by id, whatever the server did, so the cursor only moves forward */
		int64_t *pairs = sf_xcalloc(m ? 2 * m : 1, sizeof *pairs);
		for (size_t i = 0; i < m; i++) pairs[2 * i] = ids[i], pairs[2 * i + 1] = mods[i];
		qsort(pairs, m, 2 * sizeof *pairs, cmp_i64);
		for (size_t i = 0; i < m; i++) {
			ids[i] = pairs[2 * i];
			mods[i] = pairs[2 * i + 1];
			if (seen) idset_add(seen, ids[i]);
		}
		free(pairs);
		for (size_t b = 0; !e && b < m; b += (size_t)batch) {
			size_t k = m - b < (size_t)batch ? m - b : (size_t)batch;
			c.after = ids[b + k - 1];
			char *cs = cursor_text(&c);
			e = do_batch(r, fs, ids + b, mods + b, k, key, cs, err);
			free(cs);
			if (!e && r->o->stop && *r->o->stop) e = SF_ERR_BUSY;
		}
		free(ids);
		free(mods);
		if (e) return e;
		if (n < (size_t)page) break;
	}
	/* the form is done: the next run reads from this run's start (minus the overlap) */
	c.since = c.started;
	c.running = false;
	c.after = 0;
	c.from = 0;
	char *cs = cursor_text(&c);
	e = sf_store_sync_set(r->st, r->source, key, cs, err);
	free(cs);
	*cp = c;
	return e;
}

/* A form: the window an interrupted run left is finished first; tasks that changed meanwhile
 * below its cursor are then read by a fresh pass (and a --full listing is made whole again). */
static enum sf_err sync_form(struct run *r, const struct forms *fs, int64_t form_id, struct idset *seen,
			     struct sf_buf *err)
{
	char key[64];
	snprintf(key, sizeof key, "form:%lld", (long long)form_id);
	struct cursor c;
	cursor_load(r, key, &c);
	bool resumed = c.running && c.full == r->o->full;
	if (!resumed) new_window(r->o, &c);
	size_t mark = seen ? seen->n : 0;
	enum sf_err e = pass(r, fs, form_id, key, &c, seen, err);
	if (!e && resumed) {
		if (seen) seen->n = mark;
		new_window(r->o, &c);
		e = pass(r, fs, form_id, key, &c, seen, err);
	}
	return e;
}

/* Items that failed in earlier runs: fetched again. */
struct failed_list {
	struct idset ids;
};

static int on_failure(void *vc, const char *item, const char *reason, int attempts)
{
	struct failed_list *f = vc;
	char *e;
	long long id = strtoll(item, &e, 10);
	if (*e == 0 && id > 0) idset_add(&f->ids, id);
	return 0;
}

static enum sf_err retry_failed(struct run *r, const struct forms *fs, struct sf_buf *err)
{
	struct failed_list fl = { 0 };
	enum sf_err e = sf_store_scan_sync_failures(r->st, r->source, on_failure, &fl, err);
	uint64_t before = r->s->failed;
	if (!e && fl.ids.n) e = do_batch(r, fs, fl.ids.v, NULL, fl.ids.n, NULL, NULL, err);
	if (!e) r->s->retried_ok += fl.ids.n - (r->s->failed - before);
	free(fl.ids.v);
	return e;
}

/* ---- deletions (--full) ---- */

struct stored_ids {
	char **v;
	size_t n, cap;
};

static int on_stored(void *vc, const char *ext_id, int64_t modified_ms)
{
	struct stored_ids *s = vc;
	SF_GROW(s->v, s->cap, s->n + 1);
	s->v[s->n++] = sf_xstrdup(ext_id);
	return 0;
}

static enum sf_err prune(struct run *r, struct idset *seen, struct sf_buf *err)
{
	qsort(seen->v, seen->n, sizeof *seen->v, cmp_i64);
	struct stored_ids s = { 0 };
	enum sf_err e = sf_store_scan_ticket_ids(r->st, r->source, on_stored, &s, err);
	size_t gone = 0;
	bool *del = sf_xcalloc(s.n ? s.n : 1, sizeof *del);
	for (size_t i = 0; !e && i < s.n; i++) {
		int64_t id = strtoll(s.v[i], NULL, 10);
		if (!bsearch(&id, seen->v, seen->n, sizeof *seen->v, cmp_i64)) del[i] = true, gone++;
	}
	if (!e && gone && gone * 2 > s.n && !r->o->force) {
		r->s->delete_refused = true;
		SF_LOG(SF_LOG_WARN, "pyrus",
		       "%zu of %zu stored tickets are gone from the forms: not deleting them (a broken listing? --force deletes)",
		       gone, s.n);
		gone = 0;
	}
	if (!e && gone) {
		e = sf_store_begin(r->st, err);
		for (size_t i = 0; !e && i < s.n; i++) {
			if (!del[i]) continue;
			e = sf_store_delete_ticket(r->st, r->source, s.v[i], err);
			char nid[300];
			snprintf(nid, sizeof nid, "%s/notes", s.v[i]);
			enum sf_err d1 = e ? e : sf_store_delete_document(r->st, r->source, s.v[i], NULL);
			enum sf_err d2 = e ? e : sf_store_delete_document(r->st, r->source, nid, NULL);
			if (!e && d1 && d1 != SF_ERR_NOTFOUND) e = d1;
			if (!e && d2 && d2 != SF_ERR_NOTFOUND) e = d2;
			if (!e) r->s->deleted++;
		}
		if (!e) e = sf_store_commit(r->st, err);
		else sf_store_rollback(r->st);
	}
	for (size_t i = 0; i < s.n; i++) free(s.v[i]);
	free(s.v);
	free(del);
	return e;
}

/* ---- attachments ---- */

struct pending_file {
	char *ticket, *file, *name;
};

struct pending {
	struct pending_file *v;
	size_t n, cap;
};

static int on_pending(void *vc, const char *t, const char *f, const char *name)
{
	struct pending *p = vc;
	SF_GROW(p->v, p->cap, p->n + 1);
	p->v[p->n++] = (struct pending_file){ sf_xstrdup(t), sf_xstrdup(f), sf_xstrdup(name) };
	return 0;
}

/* A file name safe in a folder: no slashes, no leading dots, not empty, bounded. */
static void safe_name(const char *in, char *out, size_t cap)
{
	size_t o = 0;
	for (const char *p = in; *p && o + 1 < cap && o < 120; p++) {
		unsigned char ch = (unsigned char)*p;
		bool bad = ch == '/' || ch == '\\' || ch < 32 || (o == 0 && ch == '.');
		out[o] = bad ? '_' : (char)ch;
		o++;
	}
	/* not cut inside a UTF-8 character */
	if (o && ((unsigned char)in[o] & 0xC0) == 0x80)
		while (o && ((unsigned char)out[o - 1] & 0xC0) == 0x80) o--;
	if (o && ((unsigned char)out[o - 1] & 0xC0) == 0xC0) o--;
	out[o] = 0;
	if (!o) snprintf(out, cap, "file");
}

static enum sf_err mkdirs(const char *path)
{
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/') continue;
		*p = 0;
		if (mkdir(tmp, 0700) != 0 && errno != EEXIST) return SF_ERR_IO;
		*p = '/';
	}
	if (mkdir(tmp, 0700) != 0 && errno != EEXIST) return SF_ERR_IO;
	return SF_OK;
}

static enum sf_err attachments(struct run *r, struct sf_buf *err)
{
	if (!r->o->attachments || !r->o->files_dir) return SF_OK;
	struct pending p = { 0 };
	enum sf_err e = sf_store_scan_pending_files(r->st, r->source, on_pending, &p, err);
	char **paths = sf_xcalloc(p.n ? p.n : 1, sizeof *paths);
	char **docs = sf_xcalloc(p.n ? p.n : 1, sizeof *docs);
	char **why = sf_xcalloc(p.n ? p.n : 1, sizeof *why);
	for (size_t i = 0; !e && i < p.n; i++) {
		if (r->o->stop && *r->o->stop) break;
		char dir[4096], name[256], path[4400], url[1200];
		snprintf(dir, sizeof dir, "%s/%s", r->o->files_dir, p.v[i].ticket);
		safe_name(p.v[i].name, name, sizeof name);
		snprintf(path, sizeof path, "%s/%s-%s", dir, p.v[i].file, name);
		if (mkdirs(dir)) {
			why[i] = sf_xstrdup("cannot make the attachments folder");
			continue;
		}
		snprintf(url, sizeof url, "%s/services/attachment?Id=%s", r->api.files_url, p.v[i].file);
		struct sf_buf e1 = SF_BUF_INIT;
		json_t *unused = NULL;
		enum sf_err d = call(&r->api, "GET", url, NULL, &unused, path, NULL, &e1);
		if (d) {
			why[i] = sf_xstrdup(e1.len ? e1.ptr : sf_err_str(d));
			if (!r->o->quiet) fprintf(stderr, "pyrus: attachment %s of task %s: %s\n", p.v[i].file, p.v[i].ticket, why[i]);
		} else {
			paths[i] = sf_xstrdup(path);
			char rel[600];
			snprintf(rel, sizeof rel, "%s/%s-%s", p.v[i].ticket, p.v[i].file, name);
			docs[i] = sf_xstrdup(rel);
		}
		sf_buf_release(&e1);
	}
	/* everything downloaded goes through the parser pool at once */
	size_t np = 0;
	char **list = sf_xcalloc(p.n ? p.n : 1, sizeof *list);
	for (size_t i = 0; i < p.n; i++)
		if (paths[i]) list[np++] = paths[i];
	struct sf_files_stats fst = { 0 };
	if (!e && np) {
		struct sf_files_opts fo = r->o->files;
		fo.source = r->files_source;
		fo.acl = r->o->acl;
		fo.id_root = r->o->files_dir;
		fo.id_prefix = "";
		fo.no_file_url = true;
		fo.quiet = r->o->quiet;
		fo.progress = false;
		e = sf_files_ingest(r->st, list, np, &fo, &fst, err);
	}
	for (size_t i = 0; !e && i < p.n; i++) {
		const char *status = why[i] ? "failed" : paths[i] ? "ok" : NULL;
		if (!status) continue; /* stopped before it */
		struct sf_file_rec fr;
		if (paths[i] && sf_store_get_file(r->st, r->files_source, paths[i], &fr, NULL) == SF_OK &&
		    strcmp(fr.status, "ok") != 0) {
			status = strcmp(fr.status, "skipped") == 0 ? "skipped" : "failed";
			free(why[i]);
			why[i] = sf_xstrdup(fr.reason ? fr.reason : "");
		}
		if (!strcmp(status, "ok")) r->s->files_ok++;
		else r->s->files_failed++;
		e = sf_store_ticket_file_set(r->st, r->source, p.v[i].ticket, p.v[i].file, status,
					     !strcmp(status, "ok") ? docs[i] : "", why[i] ? why[i] : "", err);
	}
	for (size_t i = 0; i < p.n; i++) {
		free(p.v[i].ticket);
		free(p.v[i].file);
		free(p.v[i].name);
		free(paths[i]);
		free(docs[i]);
		free(why[i]);
	}
	free(p.v);
	free(paths);
	free(docs);
	free(why);
	free(list);
	return e;
}

/* ---- the run ---- */

char *sf_pyrus_stats_json(const struct sf_pyrus_stats *s)
{
	json_t *j = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:b,s:f}",
			      "forms", (json_int_t)s->forms, "listed", (json_int_t)s->listed, "fetched",
			      (json_int_t)s->fetched, "added", (json_int_t)s->added, "changed", (json_int_t)s->changed,
			      "unchanged", (json_int_t)s->unchanged, "deleted", (json_int_t)s->deleted, "failed",
			      (json_int_t)s->failed, "retried_ok", (json_int_t)s->retried_ok, "comments",
			      (json_int_t)s->comments, "notes", (json_int_t)s->notes, "files_ok", (json_int_t)s->files_ok,
			      "files_failed", (json_int_t)s->files_failed, "docs", (json_int_t)s->docs, "requests",
			      (json_int_t)s->requests, "retries", (json_int_t)s->retries, "rate_limited",
			      (json_int_t)s->rate_limited, "reauth", (json_int_t)s->reauth, "delete_refused",
			      s->delete_refused, "seconds", s->seconds);
	char *out = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return out;
}

enum sf_err sf_pyrus_sync(struct sf_store *st, const struct sf_pyrus_opts *o, struct sf_pyrus_stats *stats,
			  struct sf_buf *err)
{
	memset(stats, 0, sizeof *stats);
	uint64_t t0 = sf_now_ns();
	struct run r = { .st = st, .o = o, .s = stats, .source = o->source && *o->source ? o->source : "pyrus" };
	snprintf(r.files_source, sizeof r.files_source, "%s:files", r.source);
	r.api.o = o;
	r.api.stats = stats;
	struct forms fs = { 0 };
	struct idset seen = { 0 };
	enum sf_err e = sf_store_run_begin(st, r.source, &stats->run_id, err);
	if (e) return e;
	e = sf_net_new(&o->net, &r.api.net, err);
	if (!e) e = authenticate(&r.api, err);
	/* the forms: each one's fields and category catalog */
	struct sf_str rest = sf_str_c(o->forms ? o->forms : ""), item;
	while (!e && sf_str_next_item(&rest, ',', &item)) {
		char tmp[32];
		snprintf(tmp, sizeof tmp, "%.*s", (int)(item.len < 31 ? item.len : 31), item.ptr);
		char *end;
		long long id = strtoll(tmp, &end, 10);
		if (*end || id <= 0) {
			sf_errf(err, "pyrus.forms: \"%s\" is not a form id", tmp);
			e = SF_ERR_INVALID;
			break;
		}
		struct sf_pyrus_form *f = NULL;
		if ((e = load_form(&r, id, &f, err))) break;
		SF_GROW(fs.f, fs.cap, fs.n + 1);
		fs.f[fs.n++] = f;
	}
	if (!e && fs.n == 0) {
		sf_errf(err, "pyrus.forms: no form to read");
		e = SF_ERR_INVALID;
	}
	stats->forms = fs.n;
	if (!e) e = retry_failed(&r, &fs, err);
	for (size_t i = 0; !e && i < fs.n; i++) e = sync_form(&r, &fs, fs.f[i]->id, o->full ? &seen : NULL, err);
	if (!e && o->full) e = prune(&r, &seen, err);
	if (!e) e = attachments(&r, err);
	if (r.api.net) {
		struct sf_net_stats ns;
		sf_net_stats(r.api.net, &ns);
		stats->retries = ns.retries;
		stats->rate_limited = ns.rate_limited;
	}
	stats->seconds = (double)(sf_now_ns() - t0) / 1e9;
	char *js = sf_pyrus_stats_json(stats);
	const char *status = e ? "aborted" : stats->failed || stats->files_failed ? "failed" : "ok";
	if (e && err && err->len) {
		struct sf_buf e2 = SF_BUF_INIT;
		if (sf_store_run_failure(st, stats->run_id, "", err->ptr, &e2) != SF_OK) {}
		sf_buf_release(&e2);
	}
	enum sf_err e3 = sf_store_run_end(st, stats->run_id, status, js ? js : "{}", e ? NULL : err);
	if (!e) e = e3;
	free(js);
	free(seen.v);
	for (size_t i = 0; i < fs.n; i++) sf_pyrus_form_free(fs.f[i]);
	free(fs.f);
	sf_net_free(r.api.net);
	memset(r.api.token, 0, sizeof r.api.token);
	return e;
}
