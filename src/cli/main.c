/*
 * cli/main.c: the sufler executable: a table of subcommands, git style, one cmd_<name>.c each.
 *
 * Layer: cli (may use every module). Parses the global options, finds the command, runs it and
 * turns its result into an exit status: 0 when everything succeeded, 1 when some items failed
 * (the command prints a summary), 2 for usage errors.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const struct sf_cmd commands[] = {
	{ "ingest", sf_cmd_ingest, "add files and folders (HTML, PDF, DOCX, XLSX, scans, ...) to the store and index" },
	{ "extract", sf_cmd_extract, "show what ingestion makes of one file (type, text, structure, chunks)" },
	{ "search", sf_cmd_search, "search the index and print ranked results with snippets" },
	{ "sync", sf_cmd_sync, "read a service desk's tickets into the store: sync pyrus [--full]" },
	{ "sources", sf_cmd_sources, "ingestion runs: counts, durations, failures" },
	{ "reindex", sf_cmd_reindex, "rebuild the index from the store" },
	{ "eval", sf_cmd_eval, "evaluate retrieval quality on a corpus and queries" },
	{ "serve", sf_cmd_serve, "run the service: REST API, metrics, upload jobs (see serve --help)" },
	{ "user", sf_cmd_user, "accounts: add, passwd, role, groups, disable, enable, list" },
	{ "token", sf_cmd_token, "API tokens: create (printed once), list, revoke" },
	{ "backup", sf_cmd_backup, "copy the store, synonyms and uploads to a folder (online)" },
	{ "restore", sf_cmd_restore, "put a backup in place and rebuild the index" },
	{ "version", sf_cmd_version, "print the version" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: sufler <command> [options]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\nData folder: --data DIR, else $SUFLER_DATA, else ./sufler-data.\n"
		   "Run 'sufler <command> --help' for a command's options.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	/* not for people: the parser worker the ingestion pool starts (parse/pool.h) */
	if (strcmp(argv[1], "__parse-worker") == 0) return sf_cmd_parse_worker(argc - 1, argv + 1);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[1], commands[i].name) == 0) return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "sufler: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return 2;
}
