/*
 * cli/cli.h: the command table's entries and helpers shared by the cmd_<name>.c files.
 *
 * Layer: cli. Each command takes (argc, argv) with argv[0] the command name and returns the
 * process exit status (0 ok, 1 some items failed, 2 usage error).
 */
#ifndef SF_CLI_CLI_H
#define SF_CLI_CLI_H

#include "base/version.h"

#define SUFLER_VERSION SUFLER_VERSION_STRING

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
int sf_cmd_serve(int argc, char **argv);
int sf_cmd_user(int argc, char **argv);
int sf_cmd_token(int argc, char **argv);
int sf_cmd_backup(int argc, char **argv);
int sf_cmd_restore(int argc, char **argv);
int sf_cmd_sync(int argc, char **argv);

struct sf_config;
/* Loads serve's settings table from --config/$SUFLER_CONFIG, SUFLER_* and argv's flags (--listen
 * and --data included); *rest (caller frees the array) gets the other arguments. 0, or 2 with
 * the error printed. */
int sf_cli_load_config(const char *cmd, int argc, char **argv, struct sf_config **out, char ***rest, int *nrest);

/* The data folder: --data DIR, else $SUFLER_DATA, else $SUFLER_SERVER_DATA, else the [server] data
 * of the config file $SUFLER_CONFIG names, else ./sufler-data (borrowed string). */
const char *sf_cli_data_dir(const char *flag);

#endif
