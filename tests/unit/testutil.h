/*
 * tests/unit/testutil.h: shared helpers for the cmocka unit tests (which mirror src/).
 * Each test file includes <stdarg.h>, <stddef.h>, <stdint.h>, <setjmp.h> before <cmocka.h>;
 * this header does it once.
 */
#ifndef SF_TESTUTIL_H
#define SF_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <stdio.h>

#include "text/analyze.h"

/* Path of the shared evaluation data (../shared/data), from $SHARED_DATA when set. */
static inline const char *sf_test_shared_data(void)
{
	const char *d = getenv("SHARED_DATA");
	return d && *d ? d : "../shared/data";
}

/* A default analyzer for a test group's setup, or NULL after saying why on stderr. */
static inline struct sf_analyzer *sf_test_analyzer(void)
{
	struct sf_analyzer *a = NULL;
	struct sf_buf err = SF_BUF_INIT;
	if (sf_analyzer_new(NULL, &a, &err) != SF_OK) {
		fprintf(stderr, "analyzer: %s\n", err.ptr);
		a = NULL;
	}
	sf_buf_release(&err);
	return a;
}

#endif
