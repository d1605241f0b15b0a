/*
 * text/snippet.h: the best passage of a document for a query, with the matched words marked.
 *
 * Layer: text. The document text is analyzed again and tokens whose term is one of the query's
 * terms are highlighted by their original byte offsets, so a Russian word form ("паролем") is
 * marked when the query said "пароль". Thread-safety: as the analyzer passed in.
 */
#ifndef SF_TEXT_SNIPPET_H
#define SF_TEXT_SNIPPET_H

#include <stddef.h>

#include "base/err.h"
#include "base/str.h"
#include "text/analyze.h"

/* Only the first this many bytes of a document are searched for the best window; a longer
 * text gets its window from that prefix (documents are chunks of a few KB in practice). */
#define SF_SNIPPET_SCAN_MAX (256u << 10)

/* Default window length in bytes. */
#define SF_SNIPPET_DEFAULT_BYTES 240

struct sf_snippet_opts {
	size_t max_bytes;   /* length of the window of text, default (0) 240 */
	const char *open;   /* marker before a match, default (NULL) "[" ; "\x1b[1;31m" on terminals */
	const char *close;  /* marker after a match, default (NULL) "]" */
};

/*
 * Appends to out the window of (text, len) that covers the most distinct query terms (ties: the
 * earliest), cut at word boundaries, with "…" where text was cut and every matching token
 * wrapped in open/close. terms are analyzed query terms (borrowed). With no match, the start of
 * the text. The output is valid UTF-8; markers are not escaped (the caller escapes for HTML).
 * opts may be NULL for the defaults. Runs of blanks and line breaks are shown as one space and
 * invalid bytes as U+FFFD. A window edge moves to the nearest blank within a few bytes; a word
 * longer than that is cut at a character boundary. Errors: those of sf_analyze, SF_ERR_LIMIT
 * when out would pass its maximum (out may then hold part of the snippet).
 */
enum sf_err sf_snippet_make(struct sf_analyzer *a, const char *text, size_t len,
			    const struct sf_str *terms, size_t nterms, const struct sf_snippet_opts *opts,
			    struct sf_buf *out) SF_WUR;

#endif
