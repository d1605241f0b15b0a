/* cli/cmd_wip.c: commands being written in this change (replaced by their own files). */
#include <stdio.h>

#include "cli/cli.h"

int sf_cmd_ingest(int argc, char **argv) { fprintf(stderr, "ingest: not built yet\n"); return 2; }
int sf_cmd_search(int argc, char **argv) { fprintf(stderr, "search: not built yet\n"); return 2; }
int sf_cmd_reindex(int argc, char **argv) { fprintf(stderr, "reindex: not built yet\n"); return 2; }
int sf_cmd_eval(int argc, char **argv) { fprintf(stderr, "eval: not built yet\n"); return 2; }
