/*
 * fuzz/fuzz_tokenizer.c: libFuzzer target for the analyzer and the UTF-8 repair in front of it.
 *
 * Arbitrary bytes go through sf_utf8_repair (whose output must be valid UTF-8 without NULs) and
 * then sf_analyze; the raw bytes are also analyzed directly, since the analyzer promises to treat
 * invalid bytes as separators. Every token must hold: a valid UTF-8 term of 1..SF_TERM_MAX bytes,
 * start < end <= len, positions that never go down. Terms are also run through sf_translit and
 * sf_edit_distance_bounded (their outputs checked) for cheap extra coverage. Violations abort().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "text/analyze.h"
#include "text/fuzzy.h"
#include "text/translit.h"
#include "text/utf8.h"

struct check {
	size_t len;
	uint32_t last_pos;
	size_t n;
	char prev[SF_TERM_MAX];
	size_t prev_len;
};

static struct sf_buf tr = SF_BUF_INIT;

static int on_token(void *ctx, const struct sf_token *t)
{
	struct check *c = ctx;
	if (t->term_len < 1 || t->term_len > SF_TERM_MAX) abort();
	if (!sf_utf8_valid(t->term, t->term_len)) abort();
	if (memchr(t->term, 0, t->term_len)) abort();
	if (t->start >= t->end || t->end > c->len) abort();
	if (c->n && t->pos < c->last_pos) abort();
	if (t->kind > SF_TOK_PART || t->script > SF_SCRIPT_CYRILLIC) abort();
	c->last_pos = t->pos;
	c->n++;

	sf_buf_reset(&tr);
	enum sf_script to;
	if (sf_translit(t->term, t->term_len, &tr, &to) != SF_OK) abort();
	if (!sf_utf8_valid(tr.ptr, tr.len)) abort();
	if ((tr.len == 0) != (to == SF_SCRIPT_OTHER)) abort();

	if (c->prev_len) {
		int d = sf_edit_distance_bounded(t->term, t->term_len, c->prev, c->prev_len, 2);
		int e = sf_edit_distance_bounded(c->prev, c->prev_len, t->term, t->term_len, 2);
		if (d < 0 || d > 3 || d != e) abort();
	}
	if (sf_edit_distance_bounded(t->term, t->term_len, t->term, t->term_len, 0) != 0) abort();
	memcpy(c->prev, t->term, t->term_len);
	c->prev_len = t->term_len;
	return 0;
}

static struct sf_analyzer *analyzer;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!analyzer && sf_analyzer_new(NULL, &analyzer, NULL) != SF_OK) abort();
	const char *text = (const char *)data;

	struct sf_buf fixed = SF_BUF_INIT;
	size_t repaired = 0;
	if (sf_utf8_repair(text, size, &fixed, &repaired) != SF_OK) abort();
	if (!sf_utf8_valid(fixed.ptr, fixed.len) || memchr(fixed.ptr, 0, fixed.len)) abort();
	if (repaired == 0 && sf_utf8_valid(text, size) && !memchr(text, 0, size) &&
	    (fixed.len != size || memcmp(fixed.ptr, text, size) != 0))
		abort();

	struct check c = { .len = fixed.len };
	if (sf_analyze(analyzer, fixed.ptr, fixed.len, on_token, &c) != SF_OK) abort();
	c = (struct check){ .len = size };
	if (sf_analyze(analyzer, text, size, on_token, &c) != SF_OK) abort();

	struct sf_buf term = SF_BUF_INIT;
	if (size <= 256) {
		if (sf_analyze_term(analyzer, fixed.ptr, fixed.len, true, &term) != SF_OK) abort();
		if (term.len > SF_TERM_MAX || !sf_utf8_valid(term.ptr, term.len)) abort();
	}
	sf_buf_release(&term);
	sf_buf_release(&fixed);
	return 0;
}
