/*
 * text/fuzzy.c: bounded optimal-string-alignment distance on code points (see fuzzy.h).
 *
 * Both strings are decoded to code points, their common prefix and suffix dropped (they never
 * change the distance and typos usually sit in one place), and the classic three-row dynamic
 * programme is run only over the diagonal band |i - j| <= max, with cells outside the band and
 * values above max clamped to max + 1. A row whose band holds nothing <= max ends the work.
 */
#include "text/fuzzy.h"

#include <stdint.h>
#include <stdlib.h>

#include "text/utf8.h"

#include "base/banned.h"

#define FZ_STACK 256

/* Decodes (s, n) into cp (room for n code points); invalid bytes become 0x80000000 | byte. */
static size_t decode_all(const char *s, size_t n, uint32_t *cp)
{
	size_t m = 0;
	for (size_t i = 0; i < n;) {
		size_t k = sf_utf8_decode(s + i, n - i, &cp[m]);
		if (k == 0) {
			cp[m] = 0x80000000u | (unsigned char)s[i];
			k = 1;
		}
		m++;
		i += k;
	}
	return m;
}

static int osa(const uint32_t *a, size_t n, const uint32_t *b, size_t m, int max, int *rows)
{
	const int inf = max + 1;
	int *prev2 = rows, *prev = rows + (m + 1), *cur = rows + 2 * (m + 1);
	for (size_t j = 0; j <= m; j++) prev[j] = j <= (size_t)max ? (int)j : inf;
	for (size_t i = 1; i <= n; i++) {
		size_t lo = i > (size_t)max ? i - (size_t)max : 1;
		size_t hi = i + (size_t)max < m ? i + (size_t)max : m;
		cur[0] = i <= (size_t)max ? (int)i : inf;
		if (lo > 1) cur[lo - 1] = inf;
		int rowmin = cur[0];
		for (size_t j = lo; j <= hi; j++) {
			int v = prev[j - 1] + (a[i - 1] != b[j - 1]);
			if (prev[j] + 1 < v) v = prev[j] + 1;
			if (cur[j - 1] + 1 < v) v = cur[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    prev2[j - 2] + 1 < v)
				v = prev2[j - 2] + 1;
			if (v > inf) v = inf;
			cur[j] = v;
			if (v < rowmin) rowmin = v;
		}
		if (hi < m) cur[hi + 1] = inf;
		if (rowmin > max) return inf;
		int *t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	return prev[m] <= max ? prev[m] : inf;
}

int sf_edit_distance_bounded(const char *a, size_t alen, const char *b, size_t blen, int max)
{
	if (max < 0) max = 0;
	if (max > 1 << 20) max = 1 << 20; /* keeps max + 1 and the band arithmetic in range */
	uint32_t sa[FZ_STACK], sb[FZ_STACK];
	int srows[3 * (FZ_STACK + 1)];
	uint32_t *ca = sa, *cb = sb;
	int *rows = srows;
	int d = max + 1;
	if (alen > FZ_STACK) ca = malloc(alen * sizeof *ca);
	if (blen > FZ_STACK) cb = malloc(blen * sizeof *cb);
	if (!ca || !cb) goto out;
	size_t n = decode_all(a, alen, ca), m = decode_all(b, blen, cb);
	size_t p = 0;
	while (p < n && p < m && ca[p] == cb[p]) p++;
	while (n > p && m > p && ca[n - 1] == cb[m - 1]) {
		n--;
		m--;
	}
	n -= p;
	m -= p;
	size_t diff = n > m ? n - m : m - n;
	if (diff > (size_t)max) goto out;
	if (n == 0 || m == 0) {
		d = (int)(n + m);
		goto out;
	}
	if (m > FZ_STACK) {
		if (m + 1 > SIZE_MAX / (3 * sizeof *rows)) goto out;
		rows = malloc(3 * (m + 1) * sizeof *rows);
		if (!rows) goto out;
	}
	d = osa(ca + p, n, cb + p, m, max, rows);
out:
	if (ca != sa) free(ca);
	if (cb != sb) free(cb);
	if (rows != srows) free(rows);
	return d;
}
