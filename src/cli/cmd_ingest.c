/*
 * cli/cmd_ingest.c: `sufler ingest [options] PATH...`.
 *
 * JSONL files named on the command line (without --map) are sufler's own import format
 * (connect/import.h): documents with ids, titles, acl and metadata. Everything else, files and
 * folders, goes through the files connector (connect/files.h): detected by content, parsed in
 * isolated workers, chunked along its structure, stored incrementally.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli/cli.h"
#include "connect/files.h"
#include "connect/import.h"
#include "engine/engine.h"

static void usage(void)
{
	fprintf(stderr,
		"usage: sufler ingest [--data DIR] [--source NAME] [options] PATH...\n"
		"  PATH: files and folders (recursively): HTML, Markdown, text (UTF-8, CP1251, KOI8-R,\n"
		"        UTF-16), PDF (text layer, scans through OCR), DOCX, ODT, XLSX, ODS, CSV, JSON,\n"
		"        JSONL, XML, PNG/JPEG/TIFF (OCR). A .jsonl file named here is sufler's import\n"
		"        format ({\"id\",\"title\",\"text\"} + url, kind, lang, acl, meta) unless --map is given.\n"
		"  --prune          remove documents whose files are gone (refused past half the source)\n"
		"  --force          prune even past that guard\n"
		"  --map K=V,...    fields of JSON/XML/CSV records: title, text, id, url, date, record\n"
		"  --no-ocr         do not OCR images and scanned pages\n"
		"  --no-dedup       keep duplicates as separate documents\n"
		"  --acl G1,G2      access groups of the documents (search filters on acl:G1)\n"
		"  --workers N      parser processes (default: CPUs)\n"
		"  --timeout S      wall-clock (and CPU) seconds per file (default 300)\n"
		"  --json           print the run's summary as JSON\n"
		"  --quiet          no progress and no per-file lines\n");
}

static bool is_jsonl(const char *p)
{
	size_t n = strlen(p);
	return (n > 6 && !strcasecmp(p + n - 6, ".jsonl")) || (n > 7 && !strcasecmp(p + n - 7, ".ndjson"));
}

/* "title=Subject,text=Body" into the mapping (strings point into spec, which is modified). */
static bool parse_map(char *spec, struct sf_parse_mapping *m)
{
	for (char *tok = spec; tok && *tok;) {
		char *comma = strchr(tok, ',');
		if (comma) *comma = 0;
		char *eq = strchr(tok, '=');
		if (!eq || eq == tok || !eq[1]) return false;
		*eq = 0;
		const char *v = eq + 1;
		if (!strcmp(tok, "title")) m->title = v;
		else if (!strcmp(tok, "text")) m->text = v;
		else if (!strcmp(tok, "id")) m->id = v;
		else if (!strcmp(tok, "url")) m->url = v;
		else if (!strcmp(tok, "date")) m->date = v;
		else if (!strcmp(tok, "record")) m->record = v;
		else return false;
		tok = comma ? comma + 1 : NULL;
	}
	return true;
}

int sf_cmd_ingest(int argc, char **argv)
{
	const char *data = NULL, *source = NULL;
	bool quiet = false, json = false, mapped = false;
	struct sf_files_opts fo;
	sf_files_opts_default(&fo);
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--data") && i + 1 < argc) data = argv[++i];
		else if (!strcmp(argv[i], "--source") && i + 1 < argc) source = argv[++i];
		else if (!strcmp(argv[i], "--quiet") || !strcmp(argv[i], "-q")) quiet = true;
		else if (!strcmp(argv[i], "--json")) json = true;
		else if (!strcmp(argv[i], "--prune")) fo.prune = true;
		else if (!strcmp(argv[i], "--force")) fo.force = true;
		else if (!strcmp(argv[i], "--no-ocr")) fo.parse.limits.ocr = false;
		else if (!strcmp(argv[i], "--no-dedup")) fo.dedup = false;
		else if (!strcmp(argv[i], "--acl") && i + 1 < argc) fo.acl = argv[++i];
		else if (!strcmp(argv[i], "--workers") && i + 1 < argc) fo.pool.workers = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--timeout") && i + 1 < argc) fo.pool.wall_s = fo.pool.cpu_s = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--map") && i + 1 < argc) {
			if (!parse_map(argv[++i], &fo.parse.map)) {
				fprintf(stderr, "sufler ingest: --map wants title=F,text=F,id=F,url=F,date=F,record=E\n");
				return 2;
			}
			mapped = true;
		} else if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else {
			usage();
			return 2;
		}
	}
	if (i >= argc) {
		fprintf(stderr, "sufler ingest: no files given\n");
		return 2;
	}
	/* the import format and everything else */
	char **imp = calloc((size_t)argc, sizeof *imp), **files = calloc((size_t)argc, sizeof *files);
	size_t nimp = 0, nfiles = 0;
	for (int k = i; k < argc; k++) {
		if (!mapped && is_jsonl(argv[k])) imp[nimp++] = argv[k];
		else files[nfiles++] = argv[k];
	}
	struct sf_buf err = SF_BUF_INIT;
	struct sf_engine *eng = NULL;
	struct sf_engine_opts eo;
	sf_engine_opts_default(&eo);
	eo.quiet = quiet;
	int status = 1;
	const char *dir = sf_cli_data_dir(data);
	if (sf_engine_open(dir, &eo, &eng, &err) != SF_OK) {
		fprintf(stderr, "sufler ingest: %s\n", err.ptr);
		goto out;
	}
	/* Index on a second thread while this one parses and stores. */
	if (sf_engine_follow_start(eng, &err) != SF_OK) {
		fprintf(stderr, "sufler ingest: %s\n", err.ptr);
		goto out;
	}
	bool tty = !quiet && !json && isatty(2);
	enum sf_err rc = SF_OK;
	struct sf_ingest_stats st = { 0 };
	if (nimp) {
		struct sf_ingest_opts io = { source ? source : "cli", tty };
		rc = sf_ingest_paths(sf_engine_store(eng), imp, nimp, &io, &st, &err);
		if (rc) fprintf(stderr, "sufler ingest: %s\n", err.ptr);
	}
	struct sf_files_stats fs = { 0 };
	if (!rc && nfiles) {
		if (source) fo.source = source;
		fo.progress = tty;
		fo.quiet = quiet;
		rc = sf_files_ingest(sf_engine_store(eng), files, nfiles, &fo, &fs, &err);
		if (rc) fprintf(stderr, "sufler ingest: %s\n", err.ptr);
	}
	/* Index what was stored, even after a store failure part way. */
	struct sf_sync_stats ss;
	if (sf_engine_follow_stop(eng, &ss, &err) != SF_OK) {
		fprintf(stderr, "sufler ingest: indexing: %s\n", err.ptr);
		goto out;
	}
	if (json) {
		char *js = sf_files_stats_json(&fs);
		json_t *o = json_loads(js, 0, NULL);
		free(js);
		if (!o) o = json_object();
		json_object_set_new(o, "import", json_pack("{s:I,s:I,s:I,s:I}", "added", (json_int_t)st.added, "replaced",
							   (json_int_t)st.replaced, "unchanged", (json_int_t)st.unchanged,
							   "failed", (json_int_t)st.failed));
		json_object_set_new(o, "index", json_pack("{s:I,s:I,s:f}", "added", (json_int_t)ss.added, "removed",
							  (json_int_t)ss.deleted, "seconds", ss.seconds));
		json_object_set_new(o, "data", json_string(dir));
		char *s = json_dumps(o, JSON_COMPACT);
		if (s) puts(s);
		free(s);
		json_decref(o);
	} else {
		if (nimp)
			printf("imported into %s: %llu added, %llu replaced, %llu unchanged, %llu failed\n", dir,
			       (unsigned long long)st.added, (unsigned long long)st.replaced,
			       (unsigned long long)st.unchanged, (unsigned long long)st.failed);
		if (nfiles)
			printf("files: %llu seen: %llu new, %llu changed, %llu unchanged, %llu failed, %llu skipped, "
			       "%llu removed; documents: %llu added, %llu replaced, %llu removed, %llu duplicates; "
			       "%llu pages (%llu by OCR) in %.1f s (run %lld)\n",
			       (unsigned long long)fs.files, (unsigned long long)fs.files_new,
			       (unsigned long long)fs.files_changed, (unsigned long long)fs.files_unchanged,
			       (unsigned long long)fs.files_failed, (unsigned long long)fs.files_skipped,
			       (unsigned long long)fs.files_removed, (unsigned long long)fs.docs_added,
			       (unsigned long long)fs.docs_replaced, (unsigned long long)fs.docs_removed,
			       (unsigned long long)fs.docs_duplicate, (unsigned long long)fs.pages,
			       (unsigned long long)fs.ocr_pages, fs.seconds, (long long)fs.run_id);
		printf("index: %llu chunks added, %llu removed in %.2f s\n", (unsigned long long)ss.added,
		       (unsigned long long)ss.deleted, ss.seconds);
		if (st.skipped_files) printf("skipped %llu files of other types\n", (unsigned long long)st.skipped_files);
	}
	status = (rc || st.failed || fs.files_failed || fs.prune_refused) ? 1 : 0;
out:
	sf_engine_close(eng);
	sf_buf_release(&err);
	free(imp);
	free(files);
	return status;
}
