/*
 * cli/cmd_user.c: `sufler user ...` and `sufler token ...`: accounts and API tokens, on the
 * store directly, so they work with the server running or not (the server sees changes within
 * a few seconds). Passwords are read from standard input, never from the command line, where
 * other users could see them in the process list.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/time.h"
#include "cli/cli.h"
#include "http/auth.h"
#include "store/store.h"

static int open_store(const char *data, struct sf_store **st)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/sufler.db", sf_cli_data_dir(data));
	struct sf_buf err = SF_BUF_INIT;
	if (!sf_auth_init()) {
		fprintf(stderr, "sufler: libsodium cannot start\n");
		return 1;
	}
	if (mkdir(sf_cli_data_dir(data), 0750) != 0 && errno != EEXIST) {
		fprintf(stderr, "sufler: cannot create %s: %s\n", sf_cli_data_dir(data), strerror(errno));
		return 1;
	}
	if (sf_store_open(path, st, &err) != SF_OK) {
		fprintf(stderr, "sufler: %s\n", err.ptr);
		sf_buf_release(&err);
		return 1;
	}
	return 0;
}

/* The password from standard input: the first line, without its line end. */
static int read_password(char *out, size_t cap)
{
	if (!fgets(out, (int)cap, stdin)) {
		fprintf(stderr, "sufler: no password on standard input\n");
		return 2;
	}
	out[strcspn(out, "\r\n")] = 0;
	return 0;
}

static void user_usage(void)
{
	fprintf(stderr, "usage: sufler user add NAME --role admin|operator|viewer [--groups A,B] --password-stdin\n"
			"       sufler user passwd NAME --password-stdin\n"
			"       sufler user role NAME admin|operator|viewer\n"
			"       sufler user groups NAME A,B\n"
			"       sufler user disable|enable NAME\n"
			"       sufler user list\n"
			"options: --data DIR (else $SUFLER_DATA, else ./sufler-data)\n"
			"Groups are the access groups whose documents the user sees; '*' sees all.\n");
}

static int print_user(void *ctx, const struct sf_user_rec *u)
{
	printf("%-24.*s %-9.*s %-8s groups=%.*s\n", SF_STR_ARG(u->name), SF_STR_ARG(u->role),
	       u->disabled ? "disabled" : "active", SF_STR_ARG(u->groups));
	return 0;
}

int sf_cmd_user(int argc, char **argv)
{
	const char *data = NULL, *role = NULL, *groups = NULL;
	bool pw_stdin = false;
	const char *pos[3] = { 0 };
	int npos = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--data") && i + 1 < argc) data = argv[++i];
		else if (!strcmp(argv[i], "--role") && i + 1 < argc) role = argv[++i];
		else if (!strcmp(argv[i], "--groups") && i + 1 < argc) groups = argv[++i];
		else if (!strcmp(argv[i], "--password-stdin")) pw_stdin = true;
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			user_usage();
			return 0;
		} else if (argv[i][0] != '-' && npos < 3) pos[npos++] = argv[i];
		else {
			user_usage();
			return 2;
		}
	}
	if (npos < 1) {
		user_usage();
		return 2;
	}
	const char *sub = pos[0], *name = pos[1];
	struct sf_store *st = NULL;
	struct sf_buf err = SF_BUF_INIT;
	enum sf_err rc = SF_OK;
	char pw[1100];
	int status = 2;
	if (strcmp(sub, "list") == 0) {
		if (open_store(data, &st)) return 1;
		rc = sf_store_scan_users(st, print_user, NULL, &err);
	} else if (!name) {
		user_usage();
		return 2;
	} else if (strcmp(sub, "add") == 0) {
		if (!role || !pw_stdin) {
			fprintf(stderr, "sufler user add: --role and --password-stdin are required\n");
			return 2;
		}
		if ((status = read_password(pw, sizeof pw))) return status;
		if (open_store(data, &st)) return 1;
		rc = sf_auth_user_add(st, name, role, pw, strlen(pw), groups ? groups : "", &err);
		if (!rc) printf("user %s added (%s)\n", name, role);
	} else if (strcmp(sub, "passwd") == 0) {
		if (!pw_stdin) {
			fprintf(stderr, "sufler user passwd: --password-stdin is required\n");
			return 2;
		}
		if ((status = read_password(pw, sizeof pw))) return status;
		if (open_store(data, &st)) return 1;
		rc = sf_auth_user_change(st, name, NULL, pw, strlen(pw), NULL, -1, &err);
		if (!rc) printf("password of %s changed; their sessions are ended\n", name);
	} else if (strcmp(sub, "role") == 0 && npos == 3) {
		if (open_store(data, &st)) return 1;
		rc = sf_auth_user_change(st, name, pos[2], NULL, 0, NULL, -1, &err);
		if (!rc) printf("%s is now %s\n", name, pos[2]);
	} else if (strcmp(sub, "groups") == 0 && npos == 3) {
		if (open_store(data, &st)) return 1;
		rc = sf_auth_user_change(st, name, NULL, NULL, 0, pos[2], -1, &err);
		if (!rc) printf("groups of %s: %s\n", name, pos[2]);
	} else if (strcmp(sub, "disable") == 0 || strcmp(sub, "enable") == 0) {
		if (open_store(data, &st)) return 1;
		rc = sf_auth_user_change(st, name, NULL, NULL, 0, NULL, sub[0] == 'd', &err);
		if (!rc) printf("%s %sd\n", name, sub);
	} else {
		user_usage();
		return 2;
	}
	status = 0;
	if (rc) {
		fprintf(stderr, "sufler user %s: %s\n", sub, err.len ? err.ptr : sf_err_str(rc));
		status = rc == SF_ERR_INVALID ? 2 : 1;
	} else {
		struct sf_audit_rec ev = { .actor = SF_STR("cli"), .action = sf_str_c(sub), .target = sf_str_c(name ? name : "") };
		char act[32];
		snprintf(act, sizeof act, "user.%s", sub);
		ev.action = sf_str_c(act);
		if (strcmp(sub, "list") != 0 && sf_store_audit_add(st, &ev, NULL) != SF_OK)
			fprintf(stderr, "sufler user: warning: not written to the audit log\n");
	}
	memset(pw, 0, sizeof pw);
	sf_store_close(st);
	sf_buf_release(&err);
	return status;
}

static void token_usage(void)
{
	fprintf(stderr, "usage: sufler token create --user NAME [--scope S1,S2] [--expires DAYS] [--name LABEL]\n"
			"       sufler token list\n"
			"       sufler token revoke ID\n"
			"options: --data DIR (else $SUFLER_DATA, else ./sufler-data)\n"
			"Scopes: search, documents:read, documents:write, sources:read, admin\n"
			"(default: search,documents:read,documents:write,sources:read). The token is printed once.\n");
}

static int print_token(void *ctx, const struct sf_token_rec *t)
{
	printf("%-5lld %-16.*s %-12.*s %-20.*s scopes=%.*s%s\n", (long long)t->id, SF_STR_ARG(t->user),
	       SF_STR_ARG(t->prefix), SF_STR_ARG(t->name), SF_STR_ARG(t->scopes),
	       t->revoked ? " revoked" : (t->expires_ms && t->expires_ms < sf_wall_ms()) ? " expired" : "");
	return 0;
}

int sf_cmd_token(int argc, char **argv)
{
	const char *data = NULL, *user = NULL, *scope = "search,documents:read,documents:write,sources:read",
		   *name = "";
	int days = 0;
	const char *pos[2] = { 0 };
	int npos = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--data") && i + 1 < argc) data = argv[++i];
		else if (!strcmp(argv[i], "--user") && i + 1 < argc) user = argv[++i];
		else if (!strcmp(argv[i], "--scope") && i + 1 < argc) scope = argv[++i];
		else if (!strcmp(argv[i], "--name") && i + 1 < argc) name = argv[++i];
		else if (!strcmp(argv[i], "--expires") && i + 1 < argc) {
			char *end;
			long d = strtol(argv[++i], &end, 10);
			if (*end || d < 0 || d > 3650) {
				fprintf(stderr, "sufler token: --expires takes 0 (never) to 3650 days\n");
				return 2;
			}
			days = (int)d;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			token_usage();
			return 0;
		} else if (argv[i][0] != '-' && npos < 2) pos[npos++] = argv[i];
		else {
			token_usage();
			return 2;
		}
	}
	if (npos < 1) {
		token_usage();
		return 2;
	}
	struct sf_store *st = NULL;
	struct sf_buf err = SF_BUF_INIT;
	enum sf_err rc;
	int status = 0;
	if (strcmp(pos[0], "create") == 0) {
		unsigned mask;
		if (!user) {
			fprintf(stderr, "sufler token create: --user is required\n");
			return 2;
		}
		if (!sf_scopes_parse(scope, &mask, &err)) {
			fprintf(stderr, "sufler token create: %s\n", err.ptr);
			sf_buf_release(&err);
			return 2;
		}
		if (open_store(data, &st)) return 1;
		char secret[64];
		int64_t id;
		rc = sf_auth_token_create(st, user, name, mask, days, secret, sizeof secret, &id, &err);
		if (!rc) {
			printf("%s\n", secret);
			fprintf(stderr, "token %lld for %s (shown once; keep it secret)\n", (long long)id, user);
			char t[64];
			snprintf(t, sizeof t, "token:%lld user:%.40s", (long long)id, user);
			struct sf_audit_rec ev = { .actor = SF_STR("cli"), .action = SF_STR("token.create"), .target = sf_str_c(t) };
			if (sf_store_audit_add(st, &ev, NULL) != SF_OK) fprintf(stderr, "warning: not in the audit log\n");
		}
		memset(secret, 0, sizeof secret);
	} else if (strcmp(pos[0], "list") == 0) {
		if (open_store(data, &st)) return 1;
		rc = sf_store_scan_tokens(st, print_token, NULL, &err);
	} else if (strcmp(pos[0], "revoke") == 0 && npos == 2) {
		if (open_store(data, &st)) return 1;
		rc = sf_store_token_revoke(st, strtoll(pos[1], NULL, 10), &err);
		if (!rc) {
			printf("token %s revoked\n", pos[1]);
			struct sf_audit_rec ev = { .actor = SF_STR("cli"), .action = SF_STR("token.revoke"), .target = sf_str_c(pos[1]) };
			if (sf_store_audit_add(st, &ev, NULL) != SF_OK) fprintf(stderr, "warning: not in the audit log\n");
		}
	} else {
		token_usage();
		return 2;
	}
	if (rc) {
		fprintf(stderr, "sufler token %s: %s\n", pos[0], err.len ? err.ptr : sf_err_str(rc));
		status = rc == SF_ERR_INVALID ? 2 : 1;
	}
	sf_store_close(st);
	sf_buf_release(&err);
	return status;
}
