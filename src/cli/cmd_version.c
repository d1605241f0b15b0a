/* cli/cmd_version.c: `sufler version`. */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "http/http.h"

const char *sf_cli_data_dir(const char *flag)
{
	if (flag && *flag) return flag;
	const char *env = getenv("SUFLER_DATA");
	if (env && *env) return env;
	env = getenv("SUFLER_SERVER_DATA");
	if (env && *env) return env;
	/* the server's config file ($SUFLER_CONFIG), read with the server's own settings table, so
	 * `user` and `token` on a server host find the server's data folder without --data */
	static char from_config[4096];
	const char *cfg = getenv("SUFLER_CONFIG");
	if (cfg && *cfg && !from_config[0]) {
		size_t n;
		const struct sf_cfg_def *defs = sf_http_settings(&n);
		struct sf_config *c = NULL;
		if (sf_config_load(defs, n, cfg, NULL, 0, NULL, &c, NULL) == SF_OK &&
		    sf_config_origin(c, "server.data") == SF_CFG_FILE)
			snprintf(from_config, sizeof from_config, "%s", sf_config_str(c, "server.data"));
		sf_config_unref(c);
	}
	if (from_config[0]) return from_config;
	return "./sufler-data";
}

int sf_cmd_version(int argc, char **argv)
{
	printf("sufler %s\n", SUFLER_VERSION);
	return 0;
}
