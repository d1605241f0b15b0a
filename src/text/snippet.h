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

struct sf_snippet_opts {
	size_t max_bytes;   /* length of the window of text, default 240 */
	const char *open;   /* marker before a match, default "[" ; "\x1b[1;31m" on terminals */
	const char *close;  /* marker after a match, default "]" */
};

/*
 * Appends to out the window of (text, len) that covers the most distinct query terms (ties: the
 * earliest), cut at word boundaries, with "…" where text was cut and every matching token
 * wrapped in open/close. terms are analyzed query terms (borrowed). With no match, the start of
 * the text. The output is valid UTF-8; markers are not escaped (the caller escapes for HTML).
 */
enum sf_err sf_snippet_make(struct sf_analyzer *a, const char *text, size_t len,
			    const struct sf_str *terms, size_t nterms, const struct sf_snippet_opts *opts,
			    struct sf_buf *out) SF_WUR;

#endif
