/*
 * cli/cmd_serve.c: `sufler serve`: the daemon. Settings come from the table of http/settings.c:
 * defaults, then the config file (--config FILE or $SUFLER_CONFIG), then SUFLER_* variables,
 * then flags (--section.name=VALUE; --listen and --data are short for server.listen and
 * server.data). Signals are taken by this thread with sigwait: SIGHUP reloads the config,
 * SIGTERM and SIGINT stop gracefully (exit 0).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "base/mem.h"
#include "cli/cli.h"
#include "http/http.h"

extern char **environ;

static void usage(FILE *f)
{
	size_t n;
	const struct sf_cfg_def *defs = sf_http_settings(&n);
	fprintf(f, "usage: sufler serve [--config FILE] [--listen HOST:PORT] [--data DIR] [--SECTION.NAME=VALUE ...]\n\n"
		   "Runs the REST API (/api/v1), /healthz, /readyz and /metrics.\n"
		   "Settings (file sufler.conf with [sections], environment SUFLER_SECTION_NAME, or flags;\n"
		   "flags win over the environment, which wins over the file):\n\n");
	sf_config_print_help(defs, n, f);
	fprintf(f, "\nSignals: SIGHUP reloads the config file and the synonyms; SIGTERM stops gracefully.\n");
}

/*
 * Loads the settings for a command that opens the data folder like serve does: argv's settings
 * flags, --config, --listen and --data. *rest gets the arguments that are none of those.
 */
int sf_cli_load_config(const char *cmd, int argc, char **argv, struct sf_config **out, char ***rest, int *nrest)
{
	size_t n;
	const struct sf_cfg_def *defs = sf_http_settings(&n);
	char **flags = sf_xcalloc((size_t)argc + 4, sizeof *flags);
	char **left = sf_xcalloc((size_t)argc + 1, sizeof *left);
	int nf = 0, nl = 0;
	const char *file = getenv("SUFLER_CONFIG");
	char *owned[2] = { NULL, NULL };
	for (int i = 1; i < argc; i++) {
		bool takes;
		if (!strcmp(argv[i], "--config") && i + 1 < argc) {
			file = argv[++i];
		} else if ((!strcmp(argv[i], "--listen") || !strcmp(argv[i], "--data")) && i + 1 < argc) {
			const char *key = argv[i][2] == 'l' ? "server.listen" : "server.data";
			size_t len = strlen(key) + strlen(argv[i + 1]) + 4;
			char *f = sf_xmalloc(len);
			snprintf(f, len, "--%s=%s", key, argv[++i]);
			owned[key[7] == 'l' ? 0 : 1] = f;
			flags[nf++] = f;
		} else if (sf_config_is_flag(defs, n, argv[i], &takes)) {
			flags[nf++] = argv[i];
			if (takes && i + 1 < argc) flags[nf++] = argv[++i];
		} else {
			left[nl++] = argv[i];
		}
	}
	/* $SUFLER_DATA, the variable of the other commands, counts as SUFLER_SERVER_DATA when that
	 * is not set */
	char *legacy = NULL;
	size_t nenv = 0;
	while (environ[nenv]) nenv++;
	char **env = sf_xcalloc(nenv + 2, sizeof *env);
	memcpy(env, environ, nenv * sizeof *env);
	if (getenv("SUFLER_DATA") && !getenv("SUFLER_SERVER_DATA")) {
		size_t len = strlen(getenv("SUFLER_DATA")) + 32;
		legacy = sf_xmalloc(len);
		snprintf(legacy, len, "SUFLER_SERVER_DATA=%s", getenv("SUFLER_DATA"));
		env[nenv++] = legacy;
	}
	struct sf_buf err = SF_BUF_INIT;
	enum sf_err rc = sf_config_load(defs, n, file && *file ? file : NULL, env, nf, flags, out, &err);
	free(env);
	if (rc) fprintf(stderr, "sufler %s: %s\n", cmd, err.ptr);
	sf_buf_release(&err);
	free(owned[0]);
	free(owned[1]);
	free(legacy);
	free(flags);
	if (rest) {
		*rest = left;
		*nrest = nl;
	} else {
		free(left);
	}
	return rc ? 2 : 0;
}

/* Holds DATA/serve.lock while serving, so `restore` can tell that a server runs. */
static int take_lock(const char *data)
{
	char p[4200];
	snprintf(p, sizeof p, "%s/serve.lock", data);
	mkdir(data, 0750);
	int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0) return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		close(fd);
		return -2;
	}
	return fd;
}

int sf_cmd_serve(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		}
	}
	struct sf_config *cfg = NULL;
	char **rest = NULL;
	int nrest = 0;
	int st = sf_cli_load_config("serve", argc, argv, &cfg, &rest, &nrest);
	if (st) {
		free(rest);
		return st;
	}
	if (nrest) {
		fprintf(stderr, "sufler serve: unknown argument '%s' (see sufler serve --help)\n", rest[0]);
		free(rest);
		sf_config_unref(cfg);
		return 2;
	}
	free(rest);
	const char *data = sf_config_str(cfg, "server.data");
	int lock = take_lock(data);
	if (lock == -2) {
		fprintf(stderr, "sufler serve: another server uses %s\n", data);
		sf_config_unref(cfg);
		return 1;
	}
	/* Signals go to this thread only: block them before any other thread starts. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct sf_http *h = NULL;
	struct sf_buf err = SF_BUF_INIT;
	if (sf_http_start(cfg, &h, &err) != SF_OK) {
		fprintf(stderr, "sufler serve: %s\n", err.ptr);
		sf_buf_release(&err);
		sf_config_unref(cfg);
		if (lock >= 0) close(lock);
		return 1;
	}
	fprintf(stderr, "sufler serve: listening on %s (data %s)\n", sf_http_address(h), data);
	SF_LOG(SF_LOG_INFO, "serve", "started address=%s data=%s pid=%d", sf_http_address(h), data, (int)getpid());
	int grace = (int)sf_config_int(cfg, "server.shutdown_grace") * 1000;
	for (;;) {
		int sig = 0;
		if (sigwait(&set, &sig) != 0) continue;
		if (sig == SIGHUP) {
			struct sf_config *nc = NULL;
			if (sf_cli_load_config("serve", argc, argv, &nc, NULL, NULL) == 0) {
				sf_http_reload(h, nc);
				grace = (int)sf_config_int(nc, "server.shutdown_grace") * 1000;
				sf_config_unref(nc);
			} else {
				SF_LOG(SF_LOG_ERROR, "serve", "reload refused: the configuration has errors (kept the old one)");
			}
			continue;
		}
		SF_LOG(SF_LOG_INFO, "serve", "stopping signal=%d", sig);
		break;
	}
	sf_http_stop(h, grace);
	sf_config_unref(cfg);
	sf_buf_release(&err);
	if (lock >= 0) close(lock);
	fprintf(stderr, "sufler serve: stopped\n");
	return 0;
}
