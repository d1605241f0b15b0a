/*
 * parse/wire.c: parse results to bytes and back (see wire.h).
 *
 * Layout, little-endian: "SFPR", u32 version 1, u32 rc, u32 flags (1: skipped), str type, str encoding, str reason,
 * str warnings, u32 ndocs, then per document: str title, u32 pages, u32 ocr_pages, f64
 * ocr_conf, SF_PF_COUNT x str field, str text, u32 nblocks, nblocks x (u8 kind, u8 level,
 * u32 page, u32 table, u32 off, u32 len, f32 conf). str = u32 length + bytes.
 */
#include "parse/wire.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/mem.h"

#include "text/utf8.h"
#include "base/banned.h"

#define WIRE_MAGIC "SFPR"
#define WIRE_VERSION 1u

static enum sf_err put32(struct sf_buf *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
	return sf_buf_add(b, x, 4);
}

static enum sf_err putstr(struct sf_buf *b, const char *p, size_t n)
{
	if (n > UINT32_MAX) return SF_ERR_LIMIT;
	enum sf_err rc = put32(b, (uint32_t)n);
	return rc ? rc : sf_buf_add(b, p, n);
}

static enum sf_err putraw(struct sf_buf *b, const void *p, size_t n)
{
	return sf_buf_add(b, p, n);
}

enum sf_err sf_wire_encode(const struct sf_presult *r, struct sf_buf *out)
{
	enum sf_err rc = sf_buf_add(out, WIRE_MAGIC, 4);
	if (!rc) rc = put32(out, WIRE_VERSION);
	if (!rc) rc = put32(out, (uint32_t)r->rc);
	if (!rc) rc = put32(out, r->skipped ? 1u : 0u);
	if (!rc) rc = putstr(out, r->type, strlen(r->type));
	if (!rc) rc = putstr(out, r->encoding, strlen(r->encoding));
	if (!rc) rc = putstr(out, r->reason.ptr, r->reason.len);
	if (!rc) rc = putstr(out, r->warnings.ptr, r->warnings.len);
	if (!rc) rc = put32(out, (uint32_t)r->ndocs);
	for (size_t i = 0; i < r->ndocs && !rc; i++) {
		const struct sf_pdoc *d = &r->docs[i];
		rc = putstr(out, d->title.ptr, d->title.len);
		if (!rc) rc = put32(out, d->pages);
		if (!rc) rc = put32(out, d->ocr_pages);
		if (!rc) rc = putraw(out, &d->ocr_conf, 8);
		for (int f = 0; f < SF_PF_COUNT && !rc; f++) rc = putstr(out, d->field[f].ptr, d->field[f].len);
		if (!rc) rc = putstr(out, d->text.ptr, d->text.len);
		if (!rc) rc = put32(out, (uint32_t)d->nblocks);
		for (size_t k = 0; k < d->nblocks && !rc; k++) {
			const struct sf_pblock *b = &d->blocks[k];
			uint8_t kl[2] = { b->kind, b->level };
			rc = sf_buf_add(out, kl, 2);
			if (!rc) rc = put32(out, b->page);
			if (!rc) rc = put32(out, b->table);
			if (!rc) rc = put32(out, b->off);
			if (!rc) rc = put32(out, b->len);
			if (!rc) rc = putraw(out, &b->conf, 4);
		}
	}
	return rc;
}

struct rd {
	const uint8_t *p;
	size_t n, i;
	bool bad;
};

static uint32_t get32(struct rd *r)
{
	if (r->n - r->i < 4) {
		r->bad = true;
		return 0;
	}
	const uint8_t *x = r->p + r->i;
	r->i += 4;
	return (uint32_t)x[0] | (uint32_t)x[1] << 8 | (uint32_t)x[2] << 16 | (uint32_t)x[3] << 24;
}

static void getraw(struct rd *r, void *out, size_t n)
{
	if (r->n - r->i < n) {
		r->bad = true;
		memset(out, 0, n);
		return;
	}
	memcpy(out, r->p + r->i, n);
	r->i += n;
}

/* A string into b (replacing its content): valid UTF-8, no NUL. */
static void getstr(struct rd *r, struct sf_buf *b)
{
	uint32_t n = get32(r);
	if (r->bad || r->n - r->i < n) {
		r->bad = true;
		return;
	}
	const char *s = (const char *)r->p + r->i;
	if (memchr(s, 0, n) || !sf_utf8_valid(s, n)) {
		r->bad = true;
		return;
	}
	sf_buf_reset(b);
	if (sf_buf_add(b, s, n) != SF_OK) r->bad = true;
	r->i += n;
}

static void getfixed(struct rd *r, char *out, size_t cap)
{
	struct sf_buf b = SF_BUF_INIT;
	sf_buf_init(&b, cap - 1);
	getstr(r, &b);
	snprintf(out, cap, "%s", b.ptr);
	sf_buf_release(&b);
}

enum sf_err sf_wire_decode(const uint8_t *p, size_t n, const struct sf_parse_limits *l,
			   struct sf_presult *res, struct sf_buf *why)
{
	struct rd r = { p, n, 0, false };
	uint8_t magic[4];
	getraw(&r, magic, 4);
	if (r.bad || memcmp(magic, WIRE_MAGIC, 4) || get32(&r) != WIRE_VERSION) {
		sf_errf(why, "worker output: bad header");
		return SF_ERR_INVALID;
	}
	uint32_t rc = get32(&r);
	uint32_t flags = get32(&r);
	res->skipped = (flags & 1) != 0;
	getfixed(&r, res->type, sizeof res->type);
	getfixed(&r, res->encoding, sizeof res->encoding);
	getstr(&r, &res->reason);
	getstr(&r, &res->warnings);
	uint32_t nd = get32(&r);
	if (r.bad || nd > l->max_docs || rc > 1000 || flags > 1) {
		sf_errf(why, "worker output: bad result header");
		return SF_ERR_INVALID;
	}
	res->rc = (enum sf_err)rc;
	for (uint32_t i = 0; i < nd && !r.bad; i++) {
		struct sf_pdoc *d = sf_presult_add_doc(res, l);
		if (!d) {
			r.bad = true;
			break;
		}
		getstr(&r, &d->title);
		d->pages = get32(&r);
		d->ocr_pages = get32(&r);
		getraw(&r, &d->ocr_conf, 8);
		if (!isfinite(d->ocr_conf)) d->ocr_conf = -1;
		for (int f = 0; f < SF_PF_COUNT; f++) getstr(&r, &d->field[f]);
		getstr(&r, &d->text);
		uint32_t nb = get32(&r);
		/* each block needs 22 bytes: the count cannot pass what is left */
		if (r.bad || nb > l->max_blocks || (size_t)nb * 22 > r.n - r.i) {
			r.bad = true;
			break;
		}
		d->blocks = nb ? sf_xreallocarray(NULL, nb, sizeof *d->blocks) : NULL;
		d->capblocks = nb;
		for (uint32_t k = 0; k < nb && !r.bad; k++) {
			struct sf_pblock *b = &d->blocks[k];
			uint8_t kl[2];
			getraw(&r, kl, 2);
			b->kind = kl[0];
			b->level = kl[1];
			b->page = get32(&r);
			b->table = get32(&r);
			b->off = get32(&r);
			b->len = get32(&r);
			getraw(&r, &b->conf, 4);
			/* as sf_pdoc_add makes them: not empty, inside the text, followed by its newline */
			if (b->kind < SF_PB_HEADING || b->kind > SF_PB_CODE || !b->len ||
			    (uint64_t)b->off + b->len >= d->text.len || d->text.ptr[b->off + b->len] != '\n' ||
			    ((unsigned char)d->text.ptr[b->off] & 0xc0) == 0x80 ||
			    !isfinite(b->conf))
				r.bad = true;
			d->nblocks = k + 1;
		}
	}
	if (r.bad || r.i != r.n) {
		sf_errf(why, "worker output: malformed at byte %zu of %zu", r.i, r.n);
		return SF_ERR_INVALID;
	}
	return SF_OK;
}
