/* base/mem.c: aborting allocation wrappers (see mem.h for when they may be used). */
#include "base/mem.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(size_t n)
{
	fprintf(stderr, "sufler: out of memory (%zu bytes)\n", n);
	abort();
}

void *sf_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p) oom(n);
	return p;
}

void *sf_xcalloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size ? size : 1);
	if (!p) oom(count * size);
	return p;
}

void *sf_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q) oom(n);
	return q;
}

void *sf_xreallocarray(void *p, size_t count, size_t size)
{
	if (size && count > SIZE_MAX / size) oom(SIZE_MAX);
	return sf_xrealloc(p, count * size);
}

char *sf_xstrdup(const char *s)
{
	return sf_xstrndup(s, strlen(s));
}

char *sf_xstrndup(const char *p, size_t n)
{
	char *s = sf_xmalloc(n + 1);
	if (n) memcpy(s, p, n);
	s[n] = 0;
	return s;
}
