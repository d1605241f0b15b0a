/*
 * cli/cmd_sync.c: `sufler sync pyrus [--full] [--force] [--no-attachments] [--json] [--quiet]`
 * with the pyrus.* settings from the config file, SUFLER_PYRUS_* and flags (--pyrus.forms=...).
 * The tickets changed since the last run go into the store and the index; exit 0 when every
 * task synced, 1 when some failed (they are retried next run) or the run stopped, 2 on usage.
 */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/config.h"
#include "cli/cli.h"
#include "connect/pyrus.h"
#include "engine/engine.h"

static volatile int stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: sufler sync pyrus [--data DIR] [--config FILE] [--full] [--force] [--no-attachments]\n"
		"                         [--json] [--quiet] [--pyrus.KEY=VALUE ...]\n"
		"  Reads the tickets of the forms in pyrus.forms changed since the last run (all of them\n"
		"  with --full, which also deletes tickets gone from the forms; --force past the guard\n"
		"  against deleting more than half). Settings: sufler serve --help, section pyrus.\n"
		"  SIGINT/SIGTERM stop after the current batch; the next run goes on from there.\n");
}

/* The options of a Pyrus sync from the settings (shared with the server's scheduled runs). */
static void pyrus_opts(const struct sf_config *cfg, const char *data, struct sf_pyrus_opts *o, char *files_dir,
		       size_t cap)
{
	sf_pyrus_opts_default(o);
	o->auth_url = sf_config_str(cfg, "pyrus.auth_url");
	o->api_url = sf_config_str(cfg, "pyrus.api_url");
	o->files_url = sf_config_str(cfg, "pyrus.files_url");
	o->login = sf_config_str(cfg, "pyrus.login");
	o->security_key = sf_config_str(cfg, "pyrus.security_key");
	o->forms = sf_config_str(cfg, "pyrus.forms");
	o->field_problem = sf_config_str(cfg, "pyrus.field_problem");
	o->field_resolution = sf_config_str(cfg, "pyrus.field_resolution");
	o->field_category = sf_config_str(cfg, "pyrus.field_category");
	o->acl = sf_config_str(cfg, "pyrus.acl");
	o->notes_acl = sf_config_str(cfg, "pyrus.notes_acl");
	o->ticket_url = sf_config_str(cfg, "pyrus.ticket_url");
	o->overlap_s = (int)sf_config_int(cfg, "pyrus.overlap");
	snprintf(files_dir, cap, "%s/sources/pyrus/files", data);
	o->files_dir = files_dir;
	o->files.parse.limits.ocr = sf_config_bool(cfg, "ingest.ocr");
	o->files.pool.workers = (unsigned)sf_config_int(cfg, "ingest.workers");
	o->files.pool.wall_s = (unsigned)sf_config_int(cfg, "ingest.timeout");
	o->files.pool.cpu_s = o->files.pool.wall_s;
}

int sf_cmd_sync(int argc, char **argv)
{
	struct sf_config *cfg = NULL;
	char **rest = NULL;
	int nrest = 0;
	int st = sf_cli_load_config("sync", argc, argv, &cfg, &rest, &nrest);
	if (st) {
		free(rest);
		return st;
	}
	bool full = false, force = false, json = false, quiet = false, no_att = false;
	const char *what = NULL;
	for (int i = 0; i < nrest; i++) {
		if (!strcmp(rest[i], "--full")) full = true;
		else if (!strcmp(rest[i], "--force")) force = true;
		else if (!strcmp(rest[i], "--json")) json = true;
		else if (!strcmp(rest[i], "--quiet")) quiet = true;
		else if (!strcmp(rest[i], "--no-attachments")) no_att = true;
		else if (!strcmp(rest[i], "-h") || !strcmp(rest[i], "--help")) what = "help";
		else if (rest[i][0] != '-' && !what) what = rest[i];
		else {
			fprintf(stderr, "sufler sync: unknown argument '%s'\n", rest[i]);
			what = "help";
		}
	}
	free(rest);
	if (!what || strcmp(what, "pyrus") != 0) {
		if (what && strcmp(what, "help") != 0) fprintf(stderr, "sufler sync: unknown source '%s'\n", what);
		usage();
		sf_config_unref(cfg);
		return 2;
	}
	const char *data = sf_config_str(cfg, "server.data");
	struct sf_pyrus_opts o;
	char files_dir[4200];
	pyrus_opts(cfg, data, &o, files_dir, sizeof files_dir);
	o.full = full;
	o.force = force;
	o.quiet = quiet;
	o.attachments = !no_att;
	o.stop = &stop_flag;
	struct sigaction sa = { 0 };
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	struct sf_buf err = SF_BUF_INIT;
	struct sf_engine *eng = NULL;
	struct sf_engine_opts eo;
	sf_engine_opts_default(&eo);
	eo.quiet = quiet || json;
	int status = 1;
	if (sf_engine_open(data, &eo, &eng, &err) != SF_OK || sf_engine_follow_start(eng, &err) != SF_OK) {
		fprintf(stderr, "sufler sync: %s\n", err.ptr);
		goto out;
	}
	struct sf_pyrus_stats ps;
	enum sf_err rc = sf_pyrus_sync(sf_engine_store(eng), &o, &ps, &err);
	if (rc) fprintf(stderr, "sufler sync pyrus: %s\n", rc == SF_ERR_BUSY ? "stopped; the next run goes on from here" : err.ptr);
	struct sf_sync_stats ss;
	struct sf_buf err2 = SF_BUF_INIT;
	if (sf_engine_follow_stop(eng, &ss, &err2) != SF_OK) {
		fprintf(stderr, "sufler sync: indexing: %s\n", err2.ptr);
		sf_buf_release(&err2);
		goto out;
	}
	sf_buf_release(&err2);
	char *js = sf_pyrus_stats_json(&ps);
	if (json) {
		json_t *j = json_loads(js ? js : "{}", 0, NULL);
		if (!j) j = json_object();
		json_object_set_new(j, "run", json_integer(ps.run_id));
		json_object_set_new(j, "status", json_string(rc ? "aborted" : ps.failed ? "failed" : "ok"));
		if (rc) json_object_set_new(j, "error", json_string(err.ptr));
		json_object_set_new(j, "index", json_pack("{s:I,s:I}", "added", (json_int_t)ss.added, "removed",
							  (json_int_t)ss.deleted));
		char *s = json_dumps(j, JSON_COMPACT);
		if (s) puts(s);
		free(s);
		json_decref(j);
	} else {
		printf("pyrus: %llu forms, %llu tasks listed, %llu fetched: %llu added, %llu changed, %llu unchanged, "
		       "%llu deleted, %llu failed (%llu earlier failures retried); %llu comments, %llu attachments "
		       "(%llu failed); %llu requests, %llu retries, %llu rate-limited, in %.1f s (run %lld)\n",
		       (unsigned long long)ps.forms, (unsigned long long)ps.listed, (unsigned long long)ps.fetched,
		       (unsigned long long)ps.added, (unsigned long long)ps.changed, (unsigned long long)ps.unchanged,
		       (unsigned long long)ps.deleted, (unsigned long long)ps.failed, (unsigned long long)ps.retried_ok,
		       (unsigned long long)ps.comments, (unsigned long long)ps.files_ok,
		       (unsigned long long)ps.files_failed, (unsigned long long)ps.requests, (unsigned long long)ps.retries,
		       (unsigned long long)ps.rate_limited, ps.seconds, (long long)ps.run_id);
		if (ps.delete_refused) printf("pyrus: deletions refused (more than half of the tickets; --force)\n");
		printf("index: %llu chunks added, %llu removed\n", (unsigned long long)ss.added, (unsigned long long)ss.deleted);
	}
	free(js);
	status = (rc || ps.failed || ps.files_failed || ps.delete_refused) ? 1 : 0;
out:
	sf_engine_close(eng);
	sf_buf_release(&err);
	sf_config_unref(cfg);
	return status;
}
