/* cli/cmd_version.c: `sufler version`. */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"

const char *sf_cli_data_dir(const char *flag)
{
	if (flag && *flag) return flag;
	const char *env = getenv("SUFLER_DATA");
	if (env && *env) return env;
	return "./sufler-data";
}

int sf_cmd_version(int argc, char **argv)
{
	printf("sufler %s\n", SUFLER_VERSION);
	return 0;
}
