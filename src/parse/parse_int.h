/*
 * parse/parse_int.h: private declarations shared by the files of the parse module (nothing
 * outside src/parse includes this).
 */
#ifndef SF_PARSE_PARSE_INT_H
#define SF_PARSE_PARSE_INT_H

#include "parse/parse.h"

/* One parser: fills r from the file's bytes (already detected as its type). */
typedef void parser_fn(const uint8_t *data, size_t len, const struct sf_parse_opts *o,
		       struct sf_presult *r);

parser_fn parse_text;       /* plain text */
parser_fn parse_markdown;
parser_fn parse_html;
parser_fn parse_xml;        /* XML records through the mapping */
parser_fn parse_json;       /* one JSON document or an array of records */
parser_fn parse_jsonl;      /* one record per line */
parser_fn parse_csv;
parser_fn parse_docx;
parser_fn parse_odt;
parser_fn parse_xlsx;
parser_fn parse_ods;
parser_fn parse_odf;      /* reads the mimetype member, then parse_odt or parse_ods */
parser_fn parse_pdf;
parser_fn parse_image;
parser_fn parse_roff;      /* man pages */
parser_fn parse_gzip;      /* inflates, then parses what it holds */

/*
 * Text of unknown encoding to UTF-8 (parse/encoding.c): out gets the text, enc the encoding
 * name. SF_ERR_UNSUPPORTED when it does not look like text at all (binary).
 */
enum sf_err text_to_utf8(const uint8_t *p, size_t n, struct sf_buf *out, char enc[24],
			 struct sf_presult *r) SF_WUR;

/* Plain text [t, n) into d as paragraphs (blank-line separated, hyphenated line ends joined),
 * pages counted from first_page at form feeds (0: no pages). */
enum sf_err parse_text_pages(struct sf_pdoc *d, const struct sf_parse_limits *l, const char *t,
			     size_t n, uint32_t first_page) SF_WUR;
/* A short first paragraph as the title when d has none. */
void title_from_first_line(struct sf_pdoc *d);

/* Folds whitespace runs of [p, n) to single spaces and trims, appending to out. */
enum sf_err fold_ws(struct sf_buf *out, const char *p, size_t n) SF_WUR;

#endif
