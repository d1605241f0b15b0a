/*
 * parse/chunk.h: a parsed document cut into the passages that are indexed and cited.
 *
 * Layer: parse. Chunks follow the structure: a heading starts a new chunk (unless the one being
 * gathered is still short), paragraphs gather up to max_words, a paragraph longer than that is
 * cut at sentence ends, a table's rows go in groups with the table's header row repeated at the
 * top of each, and a chunk closed only for its size hands its last sentence (up to
 * overlap_words) on to the next. Each chunk knows its heading path ("Раздел › Подраздел") and
 * its pages, so a citation can read "document › section › page".
 */
#ifndef SF_PARSE_CHUNK_H
#define SF_PARSE_CHUNK_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/str.h"
#include "parse/parse.h"

struct sf_chunk_opts {
	unsigned min_words;     /* a chunk under this is not closed at a heading (default 150) */
	unsigned max_words;     /* target maximum (default 400) */
	unsigned overlap_words; /* at most this much handed on (default 40; 0 = none) */
	unsigned short_words;   /* a section under this joins the next one (default 60) */
};

void sf_chunk_opts_default(struct sf_chunk_opts *o);

struct sf_dchunk {
	struct sf_buf heading;  /* heading path, " › " between levels; empty at the top */
	struct sf_buf text;     /* the passage: blocks one per line */
	uint32_t page_first, page_last; /* 0 when the document has no pages */
	unsigned words;
};

struct sf_dchunks {
	struct sf_dchunk *v;
	size_t n, cap;
};

/* Cuts d into out (appends). SF_ERR_LIMIT when a chunk passes its buffers' limits. */
enum sf_err sf_chunk_doc(const struct sf_pdoc *d, const struct sf_chunk_opts *o, struct sf_dchunks *out) SF_WUR;
void sf_dchunks_release(struct sf_dchunks *c);

#endif
