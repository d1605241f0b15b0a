/* cli/cmd_ingest.c: `sufler ingest [--data DIR] [--source NAME] PATH...`. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/ingest.h"
#include "engine/engine.h"

int sf_cmd_ingest(int argc, char **argv)
{
	const char *data = NULL, *source = "cli";
	bool quiet = false;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--data") && i + 1 < argc) data = argv[++i];
		else if (!strcmp(argv[i], "--source") && i + 1 < argc) source = argv[++i];
		else if (!strcmp(argv[i], "--quiet") || !strcmp(argv[i], "-q")) quiet = true;
		else if (!strcmp(argv[i], "--")) { i++; break; }
		else {
			fprintf(stderr, "usage: sufler ingest [--data DIR] [--source NAME] [--quiet] PATH...\n"
					"  PATH: .jsonl files ({\"id\",\"title\",\"text\"} + optional url, kind, lang, acl, meta),\n"
					"        .txt and .md files, folders (recursively)\n");
			return 2;
		}
	}
	if (i >= argc) {
		fprintf(stderr, "sufler ingest: no files given\n");
		return 2;
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
	struct sf_ingest_opts io = { source, !quiet && isatty(2) };
	struct sf_ingest_stats st;
	/* Index on a second thread while this one parses and stores. */
	if (sf_engine_follow_start(eng, &err) != SF_OK) {
		fprintf(stderr, "sufler ingest: %s\n", err.ptr);
		goto out;
	}
	enum sf_err rc = sf_ingest_paths(sf_engine_store(eng), argv + i, (size_t)(argc - i), &io, &st, &err);
	if (rc) fprintf(stderr, "sufler ingest: %s\n", err.ptr);
	/* Index what was stored, even after a store failure part way. */
	struct sf_sync_stats ss;
	if (sf_engine_follow_stop(eng, &ss, &err) != SF_OK) {
		fprintf(stderr, "sufler ingest: indexing: %s\n", err.ptr);
		goto out;
	}
	printf("ingested into %s: %llu added, %llu replaced, %llu unchanged, %llu failed; "
	       "index: %llu chunks added, %llu removed in %.2f s\n",
	       dir, (unsigned long long)st.added, (unsigned long long)st.replaced,
	       (unsigned long long)st.unchanged, (unsigned long long)st.failed,
	       (unsigned long long)ss.added, (unsigned long long)ss.deleted, ss.seconds);
	if (st.skipped_files) printf("skipped %llu files of other types\n", (unsigned long long)st.skipped_files);
	status = (rc || st.failed) ? 1 : 0;
out:
	sf_engine_close(eng);
	sf_buf_release(&err);
	return status;
}
