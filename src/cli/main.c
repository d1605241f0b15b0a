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
	{ "ingest", sf_cmd_ingest, "add JSONL documents, .txt/.md files and folders to the store and index" },
	{ "search", sf_cmd_search, "search the index and print ranked results with snippets" },
	{ "reindex", sf_cmd_reindex, "rebuild the index from the store" },
	{ "eval", sf_cmd_eval, "evaluate retrieval quality on a corpus and queries" },
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
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[1], commands[i].name) == 0) return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "sufler: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return 2;
}
