/* cli/cmd_reindex.c: `sufler reindex [--data DIR]`: rebuild the index from the store. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "engine/engine.h"

int sf_cmd_reindex(int argc, char **argv)
{
	const char *data = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--data") && i + 1 < argc) data = argv[++i];
		else {
			fprintf(stderr, "usage: sufler reindex [--data DIR]\n");
			return 2;
		}
	}
	struct sf_buf err = SF_BUF_INIT;
	struct sf_engine *eng = NULL;
	int status = 1;
	struct sf_sync_stats ss;
	if (sf_engine_open(sf_cli_data_dir(data), NULL, &eng, &err) != SF_OK ||
	    sf_engine_reindex(eng, &ss, &err) != SF_OK) {
		fprintf(stderr, "sufler reindex: %s\n", err.ptr);
		goto out;
	}
	printf("reindexed %llu chunks in %.2f s\n", (unsigned long long)ss.added, ss.seconds);
	status = 0;
out:
	sf_engine_close(eng);
	sf_buf_release(&err);
	return status;
}
