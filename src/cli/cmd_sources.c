/*
 * cli/cmd_sources.c: `sufler sources [--source NAME] [--limit N] [--failures RUN] [--json]`:
 * the history of ingestion runs (newest first) with their counts, or one run's failures.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "engine/engine.h"
#include "store/store.h"

struct ctx {
	bool json;
	json_t *arr;
};

static void when(int64_t ms, char out[32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	if (!ms || !localtime_r(&t, &tm)) {
		snprintf(out, 32, "-");
		return;
	}
	strftime(out, 32, "%Y-%m-%d %H:%M:%S", &tm);
}

static int on_run(void *vc, const struct sf_run_rec *r)
{
	struct ctx *c = vc;
	json_t *stats = json_loadb(r->stats.ptr, r->stats.len, 0, NULL);
	if (!stats) stats = json_object();
	if (c->json) {
		json_t *o = json_pack("{s:I,s:s%,s:I,s:I,s:s%,s:I,s:o}", "run", (json_int_t)r->id, "source", r->source.ptr,
				      r->source.len, "started_ms", (json_int_t)r->started_ms, "finished_ms",
				      (json_int_t)r->finished_ms, "status", r->status.ptr, r->status.len, "failures",
				      (json_int_t)r->failures, "stats", stats);
		if (o) json_array_append_new(c->arr, o);
		return 0;
	}
	char a[32];
	when(r->started_ms, a);
	double secs = r->finished_ms ? (double)(r->finished_ms - r->started_ms) / 1000.0 : 0;
	json_int_t f = json_integer_value(json_object_get(stats, "files"));
	json_int_t fn = json_integer_value(json_object_get(stats, "files_new"));
	json_int_t fc = json_integer_value(json_object_get(stats, "files_changed"));
	json_int_t fu = json_integer_value(json_object_get(stats, "files_unchanged"));
	json_int_t fr = json_integer_value(json_object_get(stats, "files_removed"));
	json_int_t da = json_integer_value(json_object_get(stats, "docs_added"));
	json_int_t pg = json_integer_value(json_object_get(stats, "pages"));
	printf("run %-5lld %s  %-8.*s %-16.*s %7.1f s  files %lld (new %lld, changed %lld, unchanged %lld, removed %lld), "
	       "documents added %lld, pages %lld, failures %llu\n",
	       (long long)r->id, a, (int)r->status.len, r->status.ptr, (int)r->source.len, r->source.ptr, secs,
	       (long long)f, (long long)fn, (long long)fc, (long long)fu, (long long)fr, (long long)da, (long long)pg,
	       (unsigned long long)r->failures);
	json_decref(stats);
	return 0;
}

static int on_failure(void *vc, const char *path, const char *reason)
{
	struct ctx *c = vc;
	if (c->json) json_array_append_new(c->arr, json_pack("{s:s,s:s}", "path", path, "reason", reason));
	else printf("%s: %s\n", path, reason);
	return 0;
}

int sf_cmd_sources(int argc, char **argv)
{
	const char *data = NULL, *source = NULL;
	size_t limit = 20;
	long long failures = 0;
	struct ctx c = { false, NULL };
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--data") && i + 1 < argc) data = argv[++i];
		else if (!strcmp(argv[i], "--source") && i + 1 < argc) source = argv[++i];
		else if (!strcmp(argv[i], "--limit") && i + 1 < argc) limit = (size_t)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--failures") && i + 1 < argc) failures = strtoll(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--json")) c.json = true;
		else {
			fprintf(stderr, "usage: sufler sources [--data DIR] [--source NAME] [--limit N] [--failures RUN] [--json]\n"
					"  the ingestion runs, newest first, or the files one run failed on\n");
			return 2;
		}
	}
	struct sf_buf err = SF_BUF_INIT;
	struct sf_engine *eng = NULL;
	struct sf_engine_opts eo;
	sf_engine_opts_default(&eo);
	eo.quiet = true;
	int status = 1;
	if (sf_engine_open(sf_cli_data_dir(data), &eo, &eng, &err) != SF_OK) {
		fprintf(stderr, "sufler sources: %s\n", err.ptr);
		goto out;
	}
	c.arr = json_array();
	enum sf_err rc = failures ? sf_store_scan_run_failures(sf_engine_store(eng), failures, on_failure, &c, &err)
				  : sf_store_scan_runs(sf_engine_store(eng), source, limit, on_run, &c, &err);
	if (rc) {
		fprintf(stderr, "sufler sources: %s\n", err.ptr);
		goto out;
	}
	if (c.json) {
		char *s = json_dumps(c.arr, JSON_COMPACT);
		if (s) puts(s);
		free(s);
	}
	status = 0;
out:
	json_decref(c.arr);
	sf_engine_close(eng);
	sf_buf_release(&err);
	return status;
}
