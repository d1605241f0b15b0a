/*
 * cli/cli.h: the command table's entries and helpers shared by the cmd_<name>.c files.
 *
 * Layer: cli. Each command takes (argc, argv) with argv[0] the command name and returns the
 * process exit status (0 ok, 1 some items failed, 2 usage error).
 */
#ifndef SF_CLI_CLI_H
#define SF_CLI_CLI_H

#define SUFLER_VERSION "0.1.0"

struct sf_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

int sf_cmd_ingest(int argc, char **argv);
int sf_cmd_extract(int argc, char **argv);
int sf_cmd_sources(int argc, char **argv);
int sf_cmd_parse_worker(int argc, char **argv);
int sf_cmd_search(int argc, char **argv);
int sf_cmd_reindex(int argc, char **argv);
int sf_cmd_eval(int argc, char **argv);
int sf_cmd_version(int argc, char **argv);

/* The data folder: --data DIR, else $SUFLER_DATA, else ./sufler-data (borrowed string). */
const char *sf_cli_data_dir(const char *flag);

#endif
