/*
 * parse/chunk.c: structure-following chunking (see chunk.h).
 *
 * Words are runs of non-space bytes. A sentence end is '.', '!', '?' or '…' followed by a
 * space and then a capital letter, digit or an opening quote or bracket; cuts prefer those, then
 * any space. The heading path keeps one entry per level, so an h3 under an h1 (no h2) reads
 * "h1 › h3".
 */
#include "parse/chunk.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "text/utf8.h"
#include "base/banned.h"

#define SEP " \xe2\x80\xba " /* " › " */
#define MAX_HEADING 1024

void sf_chunk_opts_default(struct sf_chunk_opts *o)
{
	o->min_words = 150;
	o->max_words = 400;
	o->overlap_words = 40;
	o->short_words = 60;
}

void sf_dchunks_release(struct sf_dchunks *c)
{
	for (size_t i = 0; i < c->n; i++) {
		sf_buf_release(&c->v[i].heading);
		sf_buf_release(&c->v[i].text);
	}
	free(c->v);
	memset(c, 0, sizeof *c);
}

static bool sp(char c)
{
	return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

static unsigned count_words(const char *p, size_t n)
{
	unsigned w = 0;
	bool in = false;
	for (size_t i = 0; i < n; i++) {
		bool s = sp(p[i]);
		if (!s && !in) w++;
		in = !s;
	}
	return w;
}

/* Is there a sentence end just before position i (p[i] is the space after it)? */
static bool sentence_end(const char *p, size_t n, size_t i)
{
	if (i == 0 || i + 1 >= n) return false;
	char c = p[i - 1];
	bool end = c == '.' || c == '!' || c == '?' || c == ':' || c == ';';
	if (!end && i >= 3 && (unsigned char)p[i - 3] == 0xe2 && (unsigned char)p[i - 2] == 0x80 &&
	    (unsigned char)p[i - 1] == 0xa6)
		end = true; /* … */
	if (!end) return false;
	uint32_t cp = 0;
	size_t k = sf_utf8_decode(p + i + 1, n - i - 1, &cp);
	if (!k) return false;
	bool upper = (cp >= 'A' && cp <= 'Z') || (cp >= 0x410 && cp <= 0x42f) || cp == 0x401;
	bool digit = cp >= '0' && cp <= '9';
	bool open = cp == '(' || cp == '"' || cp == 0xab || cp == 0x201e || cp == 0x201c || cp == '-' ||
		    cp == 0x2014;
	return upper || digit || open;
}

struct cut {
	struct sf_dchunks *out;
	const struct sf_chunk_opts *o;
	const struct sf_pdoc *d;
	char *path[7];            /* heading per level 1..6 */
	struct sf_buf cur;        /* the chunk being gathered */
	unsigned words;
	uint32_t p0, p1;
	struct sf_buf head;       /* its heading path (fixed at its first content) */
	bool has_head;
	uint32_t table;           /* the table the last row belonged to */
	const char *thead;        /* that table's header row (in d->text) */
	size_t theadn;
	enum sf_err rc;
};

static void path_string(struct cut *c, struct sf_buf *out)
{
	sf_buf_reset(out);
	for (int l = 1; l <= 6 && !c->rc; l++) {
		if (!c->path[l]) continue;
		/* the document's own title says nothing in its sections' paths */
		if (c->d->title.len && !strcmp(c->path[l], c->d->title.ptr)) continue;
		if (out->len && sf_buf_add(out, SEP, sizeof SEP - 1) != SF_OK) break;
		if (sf_buf_adds(out, c->path[l]) != SF_OK) break;
	}
}

/* Closes the current chunk (if it has words); keeps nothing. */
static void close_chunk(struct cut *c)
{
	if (c->rc || !c->words) {
		sf_buf_reset(&c->cur);
		c->words = 0;
		c->has_head = false;
		return;
	}
	SF_GROW(c->out->v, c->out->cap, c->out->n + 1);
	struct sf_dchunk *k = &c->out->v[c->out->n++];
	memset(k, 0, sizeof *k);
	sf_buf_init(&k->heading, MAX_HEADING * 7);
	sf_buf_init(&k->text, c->cur.max);
	/* trailing newline off */
	size_t n = c->cur.len;
	while (n && sp(c->cur.ptr[n - 1])) n--;
	if (sf_buf_add(&k->text, c->cur.ptr, n) != SF_OK || sf_buf_add(&k->heading, c->head.ptr, c->head.len) != SF_OK)
		c->rc = SF_ERR_LIMIT;
	k->page_first = c->p0;
	k->page_last = c->p1;
	k->words = c->words;
	sf_buf_reset(&c->cur);
	c->words = 0;
	c->has_head = false;
}

static void note_page(struct cut *c, uint32_t page)
{
	if (!page) return;
	if (!c->p0 || page < c->p0) c->p0 = page;
	if (page > c->p1) c->p1 = page;
}

/* Appends one line of text to the chunk, fixing its heading path at its first content. */
static void add_line(struct cut *c, const char *p, size_t n, const char *prefix, uint32_t page)
{
	if (c->rc || !n) return;
	if (!c->words) {
		c->p0 = c->p1 = 0;
		if (!c->has_head) {
			path_string(c, &c->head);
			c->has_head = true;
		}
	}
	note_page(c, page);
	if (c->cur.len && sf_buf_addch(&c->cur, '\n') != SF_OK) c->rc = SF_ERR_LIMIT;
	if (!c->rc && prefix && sf_buf_adds(&c->cur, prefix) != SF_OK) c->rc = SF_ERR_LIMIT;
	if (!c->rc && sf_buf_add(&c->cur, p, n) != SF_OK) c->rc = SF_ERR_LIMIT;
	c->words += count_words(p, n);
}

/* The tail of the current chunk to hand on: its last sentence, if short enough. */
static void overlap(struct cut *c, struct sf_buf *tail)
{
	sf_buf_reset(tail);
	if (!c->o->overlap_words || !c->cur.len) return;
	const char *p = c->cur.ptr;
	size_t n = c->cur.len;
	while (n && sp(p[n - 1])) n--;
	/* stay within the last line (one block) */
	size_t lo = n;
	while (lo > 0 && p[lo - 1] != '\n') lo--;
	for (size_t i = n; i-- > lo;) {
		if (p[i] == ' ' && sentence_end(p, n, i)) {
			if (count_words(p + i + 1, n - i - 1) <= c->o->overlap_words &&
			    sf_buf_add(tail, p + i + 1, n - i - 1) != SF_OK)
				sf_buf_reset(tail);
			return;
		}
		if (n - i > 4000) return;
	}
}

/* Adds a block of running text, cutting it at sentence ends when it would pass max_words. */
static void add_text(struct cut *c, const char *p, size_t n, const char *prefix, uint32_t page)
{
	unsigned bw = count_words(p, n);
	if (c->words && c->words + bw > c->o->max_words && c->words >= c->o->min_words / 2) {
		struct sf_buf tail = SF_BUF_INIT;
		overlap(c, &tail);
		close_chunk(c);
		if (tail.len) add_line(c, tail.ptr, tail.len, NULL, page);
		sf_buf_release(&tail);
	}
	if (c->words + bw <= c->o->max_words) {
		add_line(c, p, n, prefix, page);
		return;
	}
	/* too long for one chunk: pieces ending at sentence ends near the limit */
	size_t start = 0;
	while (start < n && !c->rc) {
		unsigned room = c->words < c->o->max_words ? c->o->max_words - c->words : 0;
		unsigned w = 0;
		bool in = false;
		size_t i = start, cut_s = 0, cut_w = 0;
		for (; i < n; i++) {
			bool s = sp(p[i]);
			if (!s && !in) w++;
			in = !s;
			if (s && w >= room / 2) {
				if (sentence_end(p, n, i)) cut_s = i;
				cut_w = i;
			}
			if (w > room && (cut_s || cut_w)) break;
		}
		if (i >= n) {
			add_line(c, p + start, n - start, start ? NULL : prefix, page);
			return;
		}
		size_t cut = cut_s ? cut_s : cut_w;
		add_line(c, p + start, cut - start, start ? NULL : prefix, page);
		struct sf_buf tail = SF_BUF_INIT;
		overlap(c, &tail);
		close_chunk(c);
		if (tail.len) add_line(c, tail.ptr, tail.len, NULL, page);
		sf_buf_release(&tail);
		start = cut + 1;
		while (start < n && sp(p[start])) start++;
	}
}

static void set_heading(struct cut *c, unsigned level, const char *p, size_t n)
{
	if (level < 1) level = 1;
	if (level > 6) level = 6;
	for (unsigned l = level; l <= 6; l++) {
		free(c->path[l]);
		c->path[l] = NULL;
	}
	if (n > MAX_HEADING) {
		n = MAX_HEADING;
		while (n > 0 && ((unsigned char)p[n] & 0xc0) == 0x80) n--;
	}
	c->path[level] = sf_xstrndup(p, n);
}

enum sf_err sf_chunk_doc(const struct sf_pdoc *d, const struct sf_chunk_opts *o, struct sf_dchunks *out)
{
	struct cut c = { .out = out, .o = o, .d = d };
	sf_buf_init(&c.cur, d->text.max ? d->text.max : 0);
	sf_buf_init(&c.head, MAX_HEADING * 7);
	for (size_t i = 0; i < d->nblocks && !c.rc; i++) {
		const struct sf_pblock *b = &d->blocks[i];
		const char *p = d->text.ptr + b->off;
		size_t n = b->len;
		while (n && p[n - 1] == '\n') n--;
		switch (b->kind) {
		case SF_PB_HEADING:
			/* a heading closes a chunk that has enough in it; a short one runs on */
			if (c.words >= o->short_words) close_chunk(&c);
			set_heading(&c, b->level, p, n);
			if (c.words) add_line(&c, p, n, NULL, b->page); /* mid-chunk: its text stays in */
			else c.has_head = false;
			c.table = 0;
			break;
		case SF_PB_THEAD:
			if (c.words && c.words + count_words(p, n) > o->max_words) close_chunk(&c);
			c.table = b->table;
			c.thead = p;
			c.theadn = n;
			add_line(&c, p, n, NULL, b->page);
			break;
		case SF_PB_ROW: {
			unsigned rw = count_words(p, n);
			if (b->table != c.table) {
				c.table = b->table;
				c.thead = NULL;
				c.theadn = 0;
			}
			if (c.words && c.words + rw > o->max_words && c.words >= o->min_words / 2) {
				close_chunk(&c);
				if (c.thead) add_line(&c, c.thead, c.theadn, NULL, b->page);
			}
			if (rw > o->max_words) add_text(&c, p, n, NULL, b->page);
			else add_line(&c, p, n, NULL, b->page);
			break;
		}
		case SF_PB_ITEM:
			c.table = 0;
			add_text(&c, p, n, "- ", b->page);
			break;
		default: /* PARA, CODE */
			c.table = 0;
			add_text(&c, p, n, NULL, b->page);
			break;
		}
	}
	close_chunk(&c);
	for (int l = 0; l < 7; l++) free(c.path[l]);
	sf_buf_release(&c.cur);
	sf_buf_release(&c.head);
	return c.rc;
}
