/*
 * http/settings.c: the settings table of `sufler serve`: every key of sufler.conf, its
 * environment variable, flag, default and meaning (`sufler serve --help` prints it; OPERATIONS.md
 * explains it). New settings are added here and nowhere else.
 */
#include "http/http.h"

#define KB 1024LL
#define MB (1024LL * 1024)
#define GB (1024LL * 1024 * 1024)

static const struct sf_cfg_def settings[] = {
	{ "server.listen", SF_CFG_STRING, "127.0.0.1:8080", 0, 0, false, true,
	  "address and port to listen on (HOST:PORT; port 0 picks a free one)" },
	{ "server.data", SF_CFG_STRING, "./sufler-data", 0, 0, false, true,
	  "data folder: the store, the index, uploads (also --data and $SUFLER_DATA)" },
	{ "server.threads", SF_CFG_INT, "4", 2, 256, false, true,
	  "HTTP threads (a pool of at least 2; each has its own store connection)" },
	{ "server.connections", SF_CFG_INT, "1024", 16, 65536, false, true,
	  "open connections at most; more are refused" },
	{ "server.per_ip_connections", SF_CFG_INT, "0", 0, 65536, false, true,
	  "open connections per client address at most (0: no limit)" },
	{ "server.trusted_proxies", SF_CFG_STRING, "", 0, 0, false, false,
	  "addresses of reverse proxies (comma-separated) whose X-Forwarded-For names the client" },
	{ "server.tls_cert", SF_CFG_STRING, "", 0, 0, false, true,
	  "PEM certificate file: serve HTTPS (usually nginx in front does TLS instead)" },
	{ "server.tls_key", SF_CFG_STRING, "", 0, 0, true, true, "PEM private key file of tls_cert" },
	{ "server.metrics_public", SF_CFG_BOOL, "true", 0, 0, false, false,
	  "serve /metrics without authentication (false: admins and admin-scoped tokens only)" },
	{ "server.access_log", SF_CFG_STRING, "access.log", 0, 0, false, true,
	  "access log, one line per request: a path (relative to the data folder), '-' for stdout, 'off'" },
	{ "server.shutdown_grace", SF_CFG_INT, "10", 0, 600, false, false,
	  "seconds SIGTERM waits for requests in flight and the running job" },
	{ "limits.body", SF_CFG_BYTES, "1M", 1 * KB, 1 * GB, false, false, "largest JSON request body" },
	{ "limits.upload", SF_CFG_BYTES, "100M", 1 * KB, 64 * GB, false, false,
	  "largest upload (all files of one request)" },
	{ "limits.header", SF_CFG_BYTES, "32K", 4 * KB, 1 * MB, false, true,
	  "memory per connection for the request line and headers (larger requests get 431)" },
	{ "limits.idle_timeout", SF_CFG_INT, "30", 1, 3600, false, true,
	  "seconds a connection may stay silent before it is closed (cuts off slow clients)" },
	{ "limits.request_timeout", SF_CFG_INT, "300", 1, 86400, false, false,
	  "seconds a request may take to arrive in full (slower ones: the connection is closed)" },
	{ "limits.token_rps", SF_CFG_INT, "1000", 0, 10000000, false, false,
	  "requests per second per API token or console user (0: no limit)" },
	{ "limits.token_burst", SF_CFG_INT, "2000", 1, 10000000, false, false,
	  "requests a token or user may send at once above its rate" },
	{ "limits.ip_rps", SF_CFG_INT, "50", 0, 10000000, false, false,
	  "unauthenticated requests per second per client address (0: no limit)" },
	{ "limits.ip_burst", SF_CFG_INT, "100", 1, 10000000, false, false,
	  "unauthenticated requests a client address may send at once" },
	{ "limits.login_per_minute", SF_CFG_INT, "20", 1, 100000, false, false,
	  "login attempts per minute per client address" },
	{ "limits.queue_jobs", SF_CFG_INT, "100", 1, 100000, false, false,
	  "ingestion jobs waiting at most; more uploads get 503" },
	{ "search.cache_entries", SF_CFG_INT, "4096", 0, 10000000, false, true,
	  "recent search answers kept (0: no cache); any change of the documents empties it" },
	{ "audit.keep_days", SF_CFG_INT, "365", 0, 36500, false, false,
	  "days the audit log keeps events (0: forever); older ones are deleted hourly" },
	{ "auth.session_hours", SF_CFG_INT, "12", 1, 8760, false, false, "console session lifetime" },
	{ "auth.cookie_secure", SF_CFG_BOOL, "false", 0, 0, false, false,
	  "mark the session cookie Secure (set it when TLS is done here or in a proxy in front)" },
	{ "ingest.workers", SF_CFG_INT, "2", 1, 64, false, false, "parser worker processes of an upload job" },
	{ "ingest.timeout", SF_CFG_INT, "120", 1, 86400, false, false, "seconds one file may take to parse" },
	{ "ingest.ocr", SF_CFG_BOOL, "true", 0, 0, false, false, "read scans and images with OCR" },
	{ "log.level", SF_CFG_STRING, "info", 0, 0, false, false, "debug, info, warn, error or off" },
	{ "pyrus.auth_url", SF_CFG_STRING, "https://accounts.pyrus.com/api/v4/auth", 0, 0, false, false,
	  "Pyrus authentication URL (on-premise Pyrus: its own; older instances: https://api.pyrus.com/v4/auth)" },
	{ "pyrus.api_url", SF_CFG_STRING, "", 0, 0, false, false,
	  "Pyrus API origin instead of the api_url authentication returns (empty: use that)" },
	{ "pyrus.files_url", SF_CFG_STRING, "", 0, 0, false, false,
	  "Pyrus files origin instead of the files_url authentication returns (empty: use that)" },
	{ "pyrus.login", SF_CFG_STRING, "", 0, 0, false, false, "Pyrus login of the bot or user sufler reads as" },
	{ "pyrus.security_key", SF_CFG_STRING, "", 0, 0, true, false, "the security key of pyrus.login" },
	{ "pyrus.forms", SF_CFG_STRING, "", 0, 0, false, false, "form ids to read, comma-separated" },
	{ "pyrus.field_problem", SF_CFG_STRING, "", 0, 0, false, false,
	  "fields holding the problem (codes or ids, comma-separated; empty: the task's text)" },
	{ "pyrus.field_resolution", SF_CFG_STRING, "", 0, 0, false, false,
	  "fields holding the resolution (codes or ids), added to the last staff reply" },
	{ "pyrus.field_category", SF_CFG_STRING, "", 0, 0, false, false,
	  "the category field (a catalog or choice field; code or id)" },
	{ "pyrus.acl", SF_CFG_STRING, "", 0, 0, false, false, "access groups of ticket documents (empty: everybody)" },
	{ "pyrus.notes_acl", SF_CFG_STRING, "staff", 0, 0, false, false,
	  "access groups of tickets' internal notes (never quoted to a requester)" },
	{ "pyrus.ticket_url", SF_CFG_STRING, "https://pyrus.com/t#id%s", 0, 0, false, false,
	  "a ticket's link; %s is the task id" },
	{ "pyrus.overlap", SF_CFG_INT, "600", 0, 86400, false, false,
	  "seconds before the last sync's start that the next one reads again (clock skew, late writes)" },
};

const struct sf_cfg_def *sf_http_settings(size_t *n)
{
	*n = sizeof settings / sizeof settings[0];
	return settings;
}
