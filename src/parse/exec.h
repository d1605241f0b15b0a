/*
 * parse/exec.h: running a helper program under limits and collecting its output.
 *
 * Layer: parse. Blocks until the program ends or its wall time runs out. Not for use with
 * threads that fork elsewhere at the same time (the usual fork caveats).
 */
#ifndef SF_PARSE_EXEC_H
#define SF_PARSE_EXEC_H

#include <stddef.h>

#include "base/err.h"
#include "base/str.h"

struct sf_exec_limits {
	unsigned cpu_s;       /* CPU seconds (0: none) */
	unsigned wall_s;      /* wall-clock seconds (0: 60) */
	size_t mem_bytes;     /* address space (0: none) */
};

/*
 * Runs argv[0] (looked up in PATH) with argv. Its stdout is appended to out (may be NULL: thrown
 * away) up to out->max, the first KiB of its stderr to errtext (may be NULL). *status gets the
 * wait status. SF_ERR_LIMIT when it ran past its time or memory, or wrote more than out->max
 * (it is killed); SF_ERR_IO when it could not be started; SF_ERR_INVALID when a signal killed
 * it; SF_OK otherwise (check *status for its exit code).
 */
enum sf_err sf_exec(char *const argv[], const struct sf_exec_limits *l, struct sf_buf *out,
		    struct sf_buf *errtext, int *status) SF_WUR;

#endif
