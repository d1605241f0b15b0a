/* cli/cmd_version.c: `sufler version`. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include "cli/cli.h"

const char *sf_cli_data_dir(const char *flag)
{
	if (flag && *flag) return flag;
	const char *env = getenv("SUFLER_DATA");
	if (env && *env) return env;
	env = getenv("SUFLER_SERVER_DATA");
	if (env && *env) return env;
	/* the server's config file ($SUFLER_CONFIG), so `user` and `token` on a server host find
	 * the server's data folder without --data */
	static char from_config[4096];
	const char *cfg = getenv("SUFLER_CONFIG");
	if (cfg && *cfg && !from_config[0]) {
		FILE *f = fopen(cfg, "r");
		char line[4200];
		bool server = false;
		while (f && fgets(line, sizeof line, f)) {
			char *p = line;
			while (*p == ' ' || *p == '\t') p++;
			if (*p == '[') {
				server = strncmp(p, "[server]", 8) == 0;
				continue;
			}
			if (!server || strncmp(p, "data", 4) != 0) continue;
			p += 4;
			while (*p == ' ' || *p == '\t') p++;
			if (*p != '=') continue;
			p++;
			while (*p == ' ' || *p == '\t') p++;
			p[strcspn(p, "\r\n")] = 0;
			size_t n = strlen(p);
			while (n && (p[n - 1] == ' ' || p[n - 1] == '\t')) p[--n] = 0;
			if (n >= 2 && (p[0] == '"' || p[0] == '\'') && p[n - 1] == p[0]) {
				p[n - 1] = 0;
				p++;
			}
			snprintf(from_config, sizeof from_config, "%s", p);
		}
		if (f) fclose(f);
	}
	if (from_config[0]) return from_config;
	return "./sufler-data";
}

int sf_cmd_version(int argc, char **argv)
{
	printf("sufler %s\n", SUFLER_VERSION);
	return 0;
}
