/*
 * fuzz/fuzz_parse.h: what every parser's output must satisfy, checked by the parser fuzz targets:
 * every document's title, fields and text are valid UTF-8 without NUL, every block lies inside
 * its document's text, a failed parse holds no documents, the result survives the trip through
 * the wire format unchanged, and chunking it succeeds with valid text.
 */
#ifndef SF_FUZZ_PARSE_H
#define SF_FUZZ_PARSE_H

#include <stdlib.h>
#include <string.h>

#include "parse/chunk.h"
#include "parse/parse.h"
#include "parse/wire.h"
#include "text/utf8.h"

static inline void fuzz_valid(const struct sf_buf *b)
{
	if (memchr(b->ptr, 0, b->len) || !sf_utf8_valid(b->ptr, b->len)) abort();
}

static inline void fuzz_check_result(const struct sf_presult *r)
{
	if (r->rc && r->ndocs) abort();
	fuzz_valid(&r->reason);
	fuzz_valid(&r->warnings);
	struct sf_parse_limits l;
	sf_parse_limits_default(&l);
	for (size_t i = 0; i < r->ndocs; i++) {
		const struct sf_pdoc *d = &r->docs[i];
		fuzz_valid(&d->title);
		fuzz_valid(&d->text);
		for (int f = 0; f < SF_PF_COUNT; f++) fuzz_valid(&d->field[f]);
		for (size_t k = 0; k < d->nblocks; k++) {
			const struct sf_pblock *b = &d->blocks[k];
			if ((uint64_t)b->off + b->len >= d->text.len + 1 || !b->len) abort();
			if (d->text.ptr[b->off + b->len] != '\n') abort();
		}
		struct sf_chunk_opts co;
		sf_chunk_opts_default(&co);
		struct sf_dchunks ch = { 0 };
		if (sf_chunk_doc(d, &co, &ch) == SF_OK)
			for (size_t k = 0; k < ch.n; k++) {
				fuzz_valid(&ch.v[k].text);
				fuzz_valid(&ch.v[k].heading);
			}
		sf_dchunks_release(&ch);
	}
	struct sf_buf w = SF_BUF_INIT, why = SF_BUF_INIT;
	if (sf_wire_encode(r, &w) == SF_OK) {
		struct sf_presult back;
		sf_presult_init(&back);
		if (sf_wire_decode((const uint8_t *)w.ptr, w.len, &l, &back, &why) != SF_OK) abort();
		if (back.ndocs != r->ndocs || back.rc != r->rc) abort();
		for (size_t i = 0; i < r->ndocs; i++)
			if (back.docs[i].text.len != r->docs[i].text.len || back.docs[i].nblocks != r->docs[i].nblocks) abort();
		sf_presult_release(&back);
	}
	sf_buf_release(&w);
	sf_buf_release(&why);
}

#endif
