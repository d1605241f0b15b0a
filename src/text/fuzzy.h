/*
 * text/fuzzy.h: bounded edit distance for typo-tolerant term lookup.
 *
 * Layer: text. Optimal string alignment distance (Damerau-Levenshtein where a transposed pair of
 * neighbours counts as one edit and no substring is edited twice) on Unicode code points, so
 * "пароль"/"праоль" is 1 and a Cyrillic letter counts once, not as two bytes. Bounded: work is
 * limited to a band of width 2*max+1 and stops as soon as every cell of a row exceeds max, so
 * comparing a query term with many dictionary terms at max 1 or 2 is cheap. Pure, thread-safe.
 */
#ifndef SF_TEXT_FUZZY_H
#define SF_TEXT_FUZZY_H

#include <stddef.h>

/*
 * Distance between (a, alen) and (b, blen), or max + 1 when it is larger than max (max < 0 is
 * taken as 0). Invalid UTF-8 bytes count as one character each. Does not allocate for strings up
 * to 256 code points; longer ones use the heap and, should that fail, get max + 1.
 */
int sf_edit_distance_bounded(const char *a, size_t alen, const char *b, size_t blen, int max);

#endif
