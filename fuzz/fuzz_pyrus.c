/*
 * fuzz/fuzz_pyrus.c: libFuzzer target for the Pyrus task mapping (outside input: whatever a
 * Pyrus server or a webhook sends as a task) and its date parser. The input is read as JSON;
 * a task object (or {"task": ...}) is mapped with a form that has problem, resolution and a
 * catalog category field. Invariants: mapping succeeds or says SF_ERR_INVALID; a mapped
 * ticket has an id, one comment per input comment, an outcome from the three, internal notes
 * only from staff, every string non-NULL; dates never crash.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "connect/pyrus.h"

static struct sf_pyrus_form *form;

static void init(void)
{
	const char *fj = "{\"id\":5001,\"fields\":[{\"id\":1,\"type\":\"title\",\"info\":{\"code\":\"t\",\"fields\":["
			 "{\"id\":2,\"type\":\"text\",\"info\":{\"code\":\"problem\"}}]}},"
			 "{\"id\":4,\"type\":\"text\",\"info\":{\"code\":\"resolution\"}},"
			 "{\"id\":5,\"type\":\"catalog\",\"info\":{\"code\":\"category\",\"catalog_id\":701}},"
			 "{\"id\":7,\"type\":\"table\",\"info\":{\"code\":\"tab\",\"columns\":[{\"id\":8,\"type\":\"text\"}]}}]}";
	const char *cj = "{\"catalog_id\":701,\"items\":[{\"item_id\":1,\"values\":[\"A / B\"]},{\"item_id\":2}]}";
	json_t *f = json_loads(fj, 0, NULL), *c = json_loads(cj, 0, NULL);
	struct sf_pyrus_opts o;
	sf_pyrus_opts_default(&o);
	o.field_problem = "problem";
	o.field_resolution = "resolution,8";
	o.field_category = "category";
	form = sf_pyrus_form_new(f, c, &o);
	json_decref(f);
	json_decref(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!form) init();
	char *s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = 0;
	(void)sf_pyrus_time(s);
	json_t *j = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	if (j) {
		const json_t *task = json_object_get(j, "task") ? json_object_get(j, "task") : j;
		struct sf_pyrus_ticket t;
		enum sf_err e = sf_pyrus_map_task(task, form, "pyrus", &t, NULL);
		if (e != SF_OK && e != SF_ERR_INVALID) abort();
		if (e == SF_OK) {
			if (!t.t.ext_id || !*t.t.ext_id) abort();
			size_t n = json_array_size(json_object_get(task, "comments"));
			if (t.ncomments != n) abort();
			if (strcmp(t.t.outcome, "open") && strcmp(t.t.outcome, "closed") && strcmp(t.t.outcome, "reopened"))
				abort();
			const char *strs[] = { t.t.subject, t.t.problem, t.t.resolution, t.t.category, t.t.requester,
					       t.t.assignee, t.t.steps, t.t.fields, t.t.raw, t.notes };
			for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
				if (!strs[i]) abort();
			for (size_t i = 0; i < t.ncomments; i++) {
				const struct sf_comment_in *c = &t.comments[i];
				if (!c->ext_id || !c->text || !c->channel || !c->role || !c->action) abort();
				if (c->internal && strcmp(c->role, "staff") != 0) abort();
			}
			for (size_t i = 0; i < t.nfiles; i++)
				if (!t.files[i].ext_id || !t.files[i].name) abort();
			sf_pyrus_ticket_free(&t);
		}
		json_decref(j);
	}
	free(s);
	return 0;
}
