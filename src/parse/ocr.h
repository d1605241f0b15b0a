/*
 * parse/ocr.h: optical character recognition of page images, and the garbage-text detector.
 *
 * Layer: parse (Tesseract + leptonica). The OCR functions keep one Tesseract instance per
 * process and are not thread-safe; they run inside parser workers (parse/pool.h), one page at a
 * time per worker. sf_text_garbage is pure and thread-safe.
 */
#ifndef SF_PARSE_OCR_H
#define SF_PARSE_OCR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parse/parse.h"

struct sf_ocr_stats {
	double conf_sum;    /* sum of the accepted pages' mean confidences */
	unsigned accepted;  /* pages whose text was kept */
};

/*
 * Recognizes one page image (PNG, JPEG, TIFF, PNM bytes) and appends its paragraphs to d with
 * page number page (0: none) and their confidence. Text refused by the confidence floor or the
 * garbage detector gives a warning in r and no blocks. Returns r->rc (a damaged or oversized
 * image, or OCR unavailable, fails r).
 */
enum sf_err sf_ocr_page(const uint8_t *data, size_t len, uint32_t page, struct sf_pdoc *d,
			const struct sf_parse_opts *o, struct sf_presult *r, struct sf_ocr_stats *st) SF_WUR;

/*
 * True when [p, n) (UTF-8) does not read as text: fewer than half of its words look like words
 * (two or more letters of one script, with a vowel when longer than three, letters at least 60 %
 * of the word's characters; or short numbers),
 * or fewer than half of its visible characters are letters. why (whylen bytes, may be NULL)
 * says which.
 */
bool sf_text_garbage(const char *p, size_t n, char *why, size_t whylen);

#endif
