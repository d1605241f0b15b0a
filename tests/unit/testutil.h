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

/* Path of the shared evaluation data (../shared/data), from $SHARED_DATA when set. */
static inline const char *sf_test_shared_data(void)
{
	const char *d = getenv("SHARED_DATA");
	return d && *d ? d : "../shared/data";
}

#endif
