/*
 * parse/encoding.h: which encoding a text file is in, and its conversion to UTF-8.
 *
 * Layer: parse (uses base, text, ICU's converters). Russian text files come in UTF-8, Windows-
 * 1251, KOI8-R, CP866 and UTF-16: a BOM decides when there is one; otherwise valid UTF-8 wins,
 * then each single-byte candidate is decoded and scored on how Russian it reads (letters
 * against symbols, lower case against upper, case flips inside words, the commonest letters).
 * Thread-safe; no allocation beyond the output buffer.
 */
#ifndef SF_PARSE_ENCODING_H
#define SF_PARSE_ENCODING_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/str.h"

/*
 * The encoding of [p, n): "utf-8", "utf-16le", "utf-16be", "windows-1251", "koi8-r", "cp866"
 * or "iso-8859-1" (a static string), or NULL when the bytes are not text (NUL bytes outside
 * UTF-16, many control characters). *bom gets the length of a byte-order mark to skip (0 none).
 * Looks at most at the first 256 KiB.
 */
const char *sf_enc_detect(const uint8_t *p, size_t n, size_t *bom);

/*
 * Appends [p, n) decoded from enc (a name sf_enc_detect returns) to out as UTF-8. Invalid
 * sequences become U+FFFD and are counted in *repaired (may be NULL). SF_ERR_LIMIT past
 * out->max, SF_ERR_UNSUPPORTED for an unknown encoding name.
 */
enum sf_err sf_enc_to_utf8(const uint8_t *p, size_t n, const char *enc, struct sf_buf *out,
			   size_t *repaired) SF_WUR;

#endif
