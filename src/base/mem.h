/*
 * base/mem.h: allocation wrappers for small internal allocations.
 *
 * Layer: base. sf_x* abort the process on out-of-memory: use them only where the size does not
 * come from input (or has been checked against a named limit first). Sizes from input use plain
 * malloc and fail with SF_ERR_NOMEM.
 */
#ifndef SF_BASE_MEM_H
#define SF_BASE_MEM_H

#include <stddef.h>

void *sf_xmalloc(size_t n);
void *sf_xcalloc(size_t count, size_t size);
void *sf_xrealloc(void *p, size_t n);
/* realloc of count*size with overflow check (aborts on overflow, like on OOM). */
void *sf_xreallocarray(void *p, size_t count, size_t size);
char *sf_xstrdup(const char *s);
/* Copy of (p, n) with a NUL after it; free with free(). */
char *sf_xstrndup(const char *p, size_t n);

/* Grows *arr (of *cap elements of size elem) to hold at least need elements. */
#define SF_GROW(arr, cap, need)                                                          \
	do {                                                                             \
		if ((need) > (cap)) {                                                    \
			size_t sf_nc_ = (cap) ? (cap) * 2 : 8;                           \
			while (sf_nc_ < (need)) sf_nc_ *= 2;                             \
			(arr) = sf_xreallocarray((arr), sf_nc_, sizeof(*(arr)));         \
			(cap) = sf_nc_;                                                  \
		}                                                                        \
	} while (0)

#endif
