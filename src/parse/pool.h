/*
 * parse/pool.h: parsing outside files in worker processes, a few at a time, under limits.
 *
 * Layer: parse. A worker is the sufler binary started as `sufler __parse-worker` (so it is a
 * fresh process without the parent's open store or index), with an address-space limit, a CPU
 * limit per file and no core dumps. The parent gives each file a wall-clock limit and kills the
 * worker that passes it. A worker that crashes, hangs, runs out of memory or sends malformed
 * output costs that one file, reported with the reason, and is replaced; the run goes on.
 * Results come back as they finish, tagged with what the caller gave at submission.
 *
 * One pool is used from one thread. sf_parse_pool_next blocks.
 */
#ifndef SF_PARSE_POOL_H
#define SF_PARSE_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/str.h"
#include "parse/parse.h"

struct sf_parse_pool_opts {
	unsigned workers;     /* processes (default: online CPUs) */
	unsigned wall_s;      /* wall-clock seconds per file (default 300) */
	unsigned cpu_s;       /* CPU seconds per file (default 300) */
	size_t mem_bytes;     /* address space of a worker (default 3 GiB) */
	size_t max_output;    /* bytes one file's result may take (default 512 MiB) */
	const char *exe;      /* the sufler binary (default: this process's /proc/self/exe) */
};

void sf_parse_pool_opts_default(struct sf_parse_pool_opts *o);

struct sf_parse_pool;

/* Starts nothing yet (workers start on first use). po and the parse options are copied. */
enum sf_err sf_parse_pool_new(const struct sf_parse_pool_opts *po, const struct sf_parse_opts *o,
			      struct sf_parse_pool **out, struct sf_buf *err) SF_WUR;
/* Kills the workers and frees the pool. Accepts NULL. */
void sf_parse_pool_free(struct sf_parse_pool *p);

/* Queues path (copied) with tag. */
void sf_parse_pool_submit(struct sf_parse_pool *p, const char *path, uint64_t tag);
/* Files queued or being parsed. */
size_t sf_parse_pool_pending(const struct sf_parse_pool *p);
/*
 * Waits for the next finished file: *tag and r (initialized here; release with
 * sf_presult_release). r->rc tells how the file went (SF_ERR_LIMIT for time, memory or output
 * limits, SF_ERR_INTERNAL for a crashed worker, with the reason). SF_ERR_NOTFOUND when nothing
 * is pending; SF_ERR_IO when no worker can be started (err says why).
 */
enum sf_err sf_parse_pool_next(struct sf_parse_pool *p, uint64_t *tag, struct sf_presult *r,
			       struct sf_buf *err) SF_WUR;

/* The worker's main: `sufler __parse-worker` (argv as the pool passes it). */
int sf_parse_worker_main(int argc, char **argv);

#endif
