/*
 * text/utf8.h: UTF-8 validation and repair at the boundaries.
 *
 * Layer: text. All text inside sufler is valid UTF-8: input is checked here and either repaired
 * (each invalid byte replaced by U+FFFD) or refused. Pure functions, thread-safe.
 */
#ifndef SF_TEXT_UTF8_H
#define SF_TEXT_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/str.h"

/* True when (p, n) is valid UTF-8 (no overlongs, no surrogates, nothing past U+10FFFF). */
bool sf_utf8_valid(const char *p, size_t n);

/*
 * Appends (p, n) to out with every invalid byte replaced by U+FFFD and NUL bytes dropped.
 * *repaired (optional) counts the replacements. SF_ERR_LIMIT when out would pass its maximum.
 */
enum sf_err sf_utf8_repair(const char *p, size_t n, struct sf_buf *out, size_t *repaired) SF_WUR;

/*
 * Decodes one code point at p (n bytes available). Returns its length in bytes (1..4) and stores
 * the code point in *cp, or returns 0 for an invalid sequence (or n == 0).
 */
size_t sf_utf8_decode(const char *p, size_t n, uint32_t *cp);

/* Encodes cp (<= U+10FFFF, not a surrogate) into out[4]; returns its length. */
size_t sf_utf8_encode(uint32_t cp, char out[4]);

#endif
