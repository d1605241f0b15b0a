/*
 * parse/wire.h: a parse result as bytes, for the trip from a parser worker to the parent.
 *
 * Layer: parse. The parent decodes what a worker sends as untrusted input: every length and
 * offset is checked against what remains, every string must be valid UTF-8 without NUL, block
 * ranges must lie inside their document's text, and counts are bounded by the limits. A
 * decode failure is reported like a parse failure of that file. Pure and thread-safe.
 */
#ifndef SF_PARSE_WIRE_H
#define SF_PARSE_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/str.h"
#include "parse/parse.h"

/* Appends r's encoding to out. SF_ERR_LIMIT past out->max. */
enum sf_err sf_wire_encode(const struct sf_presult *r, struct sf_buf *out) SF_WUR;

/* Decodes [p, n) into r (initialized by the caller). SF_ERR_INVALID (with why) for bytes that are
 * not a well-formed result within l. */
enum sf_err sf_wire_decode(const uint8_t *p, size_t n, const struct sf_parse_limits *l,
			   struct sf_presult *r, struct sf_buf *why) SF_WUR;

#endif
