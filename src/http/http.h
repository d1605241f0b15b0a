/*
 * http/http.h: the service: `sufler serve` as a library.
 *
 * Layer: http (uses everything below; only cli uses it). One process serves the REST API
 * (/api/v1, docs/openapi.yaml), /healthz, /readyz and /metrics with libmicrohttpd on a pool of
 * threads; each thread searches through its own engine reader. Uploads become jobs that one
 * worker thread ingests through the isolated parser pool; the audit log is written by its own
 * thread. The settings table (sf_http_settings) drives the config file, the environment and
 * the flags.
 *
 * Lifecycle: sf_http_start, then the caller waits for signals; SIGHUP -> sf_http_reload,
 * SIGTERM -> sf_http_stop (stops accepting, finishes requests in flight, flushes, returns).
 */
#ifndef SF_HTTP_HTTP_H
#define SF_HTTP_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "base/config.h"
#include "base/err.h"
#include "base/str.h"

/* The settings of `serve` (and of the commands that open the data folder the same way). */
const struct sf_cfg_def *sf_http_settings(size_t *n);

struct sf_http;

/* Opens the data folder of cfg, starts the workers and listens. Takes a reference to cfg. */
enum sf_err sf_http_start(struct sf_config *cfg, struct sf_http **out, struct sf_buf *err) SF_WUR;
/* The URL it listens on ("http://127.0.0.1:8080"), the port resolved when 0 was asked for. */
const char *sf_http_address(const struct sf_http *h);
/* Swaps in a reloaded config (takes a reference); settings marked restart are logged, not
 * applied. Reloads the synonym dictionary too. Thread-safe. */
void sf_http_reload(struct sf_http *h, struct sf_config *cfg);
/* Stops accepting, waits up to grace_ms for requests and the running job, flushes and frees. */
void sf_http_stop(struct sf_http *h, int grace_ms);

#endif
