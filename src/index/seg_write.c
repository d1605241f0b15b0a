/*
 * index/seg_write.c: building segments: the pending-document buffer, the segment encoder and the
 * merge of segments.
 *
 * Pending documents are inverted as they arrive: each distinct term has a byte stream (docid
 * delta, tf per field, positions) made of chunks of growing size carved from 1 MiB pages of one
 * arena, so adding a posting never mallocs. Terms are found through an open-addressing table
 * keyed by sf_hash64. Within a document, occurrences are collected per term slot (a linked list in
 * one array) so no sort is needed at end_doc. The encoder writes the segment format of
 * index_int.h strictly sequentially through a sink (buffered file or memory), which also computes
 * the CRC-32C; the merge feeds the same encoder from cursors over the input segments.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/hash.h"
#include "base/mem.h"
#include "index/index_int.h"
#include "base/banned.h"

/* ---- sink ---- */

#define SINK_FILE_BUF (1u << 20)

void sink_init_mem(struct sink *k)
{
	memset(k, 0, sizeof *k);
	k->fd = -1;
}

void sink_init_fd(struct sink *k, int fd)
{
	memset(k, 0, sizeof *k);
	k->fd = fd;
	k->cap = SINK_FILE_BUF;
	k->buf = sf_xmalloc(k->cap);
}

static void sink_drain(struct sink *k)
{
	size_t off = 0;
	while (off < k->len && k->rc == SF_OK) {
		ssize_t w = write(k->fd, k->buf + off, k->len - off);
		if (w < 0) {
			if (errno == EINTR) continue;
			k->rc = SF_ERR_IO;
			break;
		}
		off += (size_t)w;
	}
	k->len = 0;
}

void sink_write(struct sink *k, const void *p, size_t n)
{
	k->crc = sf_crc32c(k->crc, p, n);
	k->total += n;
	if (k->fd >= 0) {
		if (k->len + n > k->cap) sink_drain(k);
		if (n > k->cap) {
			/* large piece: write through */
			size_t off = 0;
			const uint8_t *s = p;
			while (off < n && k->rc == SF_OK) {
				ssize_t w = write(k->fd, s + off, n - off);
				if (w < 0) {
					if (errno == EINTR) continue;
					k->rc = SF_ERR_IO;
					break;
				}
				off += (size_t)w;
			}
			return;
		}
	} else if (k->len + n > k->cap) {
		size_t nc = k->cap ? k->cap : 4096;
		while (nc < k->len + n) nc *= 2;
		k->buf = sf_xrealloc(k->buf, nc);
		k->cap = nc;
	}
	if (n) memcpy(k->buf + k->len, p, n);
	k->len += n;
}

static void sink_pad(struct sink *k, unsigned align)
{
	static const uint8_t zero[8];
	size_t pad = (align - k->total % align) % align;
	if (pad) sink_write(k, zero, pad);
}

enum sf_err sink_flush(struct sink *k)
{
	if (k->fd >= 0) sink_drain(k);
	return k->rc;
}

/* ---- encoder ---- */

struct seg_encoder {
	struct sink *out;
	/* dictionary */
	struct seg_term *dict;
	size_t ndict, capdict;
	uint32_t *termoff;
	size_t captermoff;
	char *keys;
	size_t nkeys, capkeys;
	/* current term */
	char key[SEG_MAX_TERM];
	size_t keylen;
	uint32_t flags;
	uint32_t df;
	int64_t prev;              /* last docid written (-1 none) */
	struct seg_block *blocks;
	size_t nblocks, capblocks;
	uint8_t *docs;
	size_t ndocs_b, capdocs;
	uint8_t *pos;
	size_t npos, cappos;
	/* current block */
	uint32_t bn;
	uint32_t bdoc[SEG_BLOCK];
	uint32_t btf[2][SEG_BLOCK];
	struct seg_block cur;
	uint64_t overflow;         /* a stream passed 4 GiB (refused) */
};

struct seg_encoder *enc_new(struct sink *out)
{
	struct seg_encoder *e = sf_xcalloc(1, sizeof *e);
	e->out = out;
	sink_write(out, SEG_MAGIC, 8);
	uint32_t hdr[2] = { SF_INDEX_FORMAT_VERSION, 0 };
	sink_write(out, hdr, 8);
	return e;
}

void enc_free(struct seg_encoder *e)
{
	if (!e) return;
	free(e->dict);
	free(e->termoff);
	free(e->keys);
	free(e->blocks);
	free(e->docs);
	free(e->pos);
	free(e);
}

static void block_reset(struct seg_encoder *e)
{
	e->bn = 0;
	e->cur.maxtf[0] = e->cur.maxtf[1] = 0;
	e->cur.minlen[0] = e->cur.minlen[1] = UINT32_MAX;
	e->cur.pos_off = (uint32_t)e->npos;
}

void enc_term_begin(struct seg_encoder *e, const char *term, size_t len, uint32_t flags)
{
	if (len > SEG_MAX_TERM) len = SEG_MAX_TERM;
	memcpy(e->key, term, len);
	e->keylen = len;
	e->flags = flags;
	e->df = 0;
	e->prev = -1;
	e->nblocks = 0;
	e->ndocs_b = 0;
	e->npos = 0;
	block_reset(e);
}

static void enc_flush_block(struct seg_encoder *e)
{
	if (!e->bn) return;
	SF_GROW(e->docs, e->capdocs, e->ndocs_b + 3 + 3 * bp_bytes(e->bn, 32));
	uint8_t *p = e->docs + e->ndocs_b;
	e->cur.doc_off = (uint32_t)e->ndocs_b;
	int64_t prev = e->prev;
	uint32_t gap[SEG_BLOCK];
	for (uint32_t i = 0; i < e->bn; i++) {
		gap[i] = (uint32_t)((int64_t)e->bdoc[i] - prev - 1);
		prev = e->bdoc[i];
	}
	unsigned w = bp_width(gap, e->bn);
	*p++ = (uint8_t)w;
	p = bp_put(p, gap, e->bn, w);
	e->cur.tf_off = (uint32_t)(p - e->docs);
	unsigned wb = bp_width(e->btf[1], e->bn), wt = bp_width(e->btf[0], e->bn);
	*p++ = (uint8_t)wb;
	*p++ = (uint8_t)wt;
	p = bp_put(p, e->btf[1], e->bn, wb);
	p = bp_put(p, e->btf[0], e->bn, wt);
	e->ndocs_b = (size_t)(p - e->docs);
	if (e->ndocs_b > UINT32_MAX || e->npos > UINT32_MAX) e->overflow++;
	e->prev = prev;
	e->cur.last = e->bdoc[e->bn - 1];
	for (int f = 0; f < 2; f++)
		if (e->cur.minlen[f] == UINT32_MAX) e->cur.minlen[f] = 0;
	SF_GROW(e->blocks, e->capblocks, e->nblocks + 1);
	e->blocks[e->nblocks++] = e->cur;
	block_reset(e);
}

void enc_posting(struct seg_encoder *e, uint32_t doc, const uint32_t tf[2], const uint32_t *pos,
		 const uint32_t lens[2])
{
	uint32_t i = e->bn;
	e->bdoc[i] = doc;
	size_t np = (size_t)tf[0] + tf[1];
	SF_GROW(e->pos, e->cappos, e->npos + np * 5);
	uint8_t *p = e->pos + e->npos;
	for (int f = 0; f < 2; f++) {
		e->btf[f][i] = tf[f];
		if (tf[f]) {
			if (tf[f] > e->cur.maxtf[f]) e->cur.maxtf[f] = tf[f];
			if (lens[f] < e->cur.minlen[f]) e->cur.minlen[f] = lens[f];
		}
		uint32_t last = 0;
		for (uint32_t j = 0; j < tf[f]; j++) {
			p = vb_put(p, *pos - last);
			last = *pos++;
		}
	}
	e->npos = (size_t)(p - e->pos);
	e->df++;
	if (++e->bn == SEG_BLOCK) enc_flush_block(e);
}

void enc_term_end(struct seg_encoder *e)
{
	enc_flush_block(e);
	if (!e->df) return;
	struct sink *k = e->out;
	sink_pad(k, 4);
	SF_GROW(e->dict, e->capdict, e->ndict + 1);
	struct seg_term *t = &e->dict[e->ndict++];
	t->off = k->total;
	t->docs_len = e->ndocs_b;
	t->pos_len = e->npos;
	t->df = e->df;
	t->flags = e->flags;
	sink_write(k, e->blocks, e->nblocks * sizeof(struct seg_block));
	sink_write(k, e->docs, e->ndocs_b);
	sink_write(k, e->pos, e->npos);
	SF_GROW(e->keys, e->capkeys, e->nkeys + e->keylen);
	memcpy(e->keys + e->nkeys, e->key, e->keylen);
	SF_GROW(e->termoff, e->captermoff, e->ndict + 1);
	e->termoff[e->ndict - 1] = (uint32_t)e->nkeys;
	e->nkeys += e->keylen;
	if (e->nkeys > UINT32_MAX) e->overflow++;
}

struct mapent {
	uint64_t ext;
	uint32_t loc;
};

static int mapent_cmp(const void *a, const void *b)
{
	const struct mapent *x = a, *y = b;
	if (x->ext != y->ext) return x->ext < y->ext ? -1 : 1;
	return x->loc < y->loc ? -1 : x->loc > y->loc;
}

enum sf_err enc_finish(struct seg_encoder *e, uint32_t ndocs, const uint32_t *lens,
		       const uint64_t *extids, struct sf_buf *err)
{
	struct sink *k = e->out;
	struct seg_trailer t;
	if (e->overflow) {
		sf_errf(err, "segment: a stream passed 4 GiB");
		return SF_ERR_LIMIT;
	}
	memset(&t, 0, sizeof t);
	memcpy(t.magic, SEG_TRAILER_MAGIC, 8);
	t.version = SF_INDEX_FORMAT_VERSION;
	t.ndocs = ndocs;
	t.nterms = e->ndict;
	sink_pad(k, 8);
	t.dict_off = k->total;
	sink_write(k, e->dict, e->ndict * sizeof(struct seg_term));
	t.termoff_off = k->total;
	SF_GROW(e->termoff, e->captermoff, e->ndict + 1);
	e->termoff[e->ndict] = (uint32_t)e->nkeys;
	sink_write(k, e->termoff, (e->ndict + 1) * 4);
	t.terms_off = k->total;
	t.terms_len = e->nkeys;
	sink_write(k, e->keys, e->nkeys);
	sink_pad(k, 8);
	t.lens_off = k->total;
	sink_write(k, lens, (size_t)ndocs * 8);
	for (uint32_t i = 0; i < ndocs; i++) {
		t.sumlen[0] += lens[2 * i];
		t.sumlen[1] += lens[2 * i + 1];
	}
	t.extids_off = k->total;
	sink_write(k, extids, (size_t)ndocs * 8);
	t.map_off = k->total;
	struct mapent *m = sf_xreallocarray(NULL, ndocs ? ndocs : 1, sizeof *m);
	bool sorted = true;
	for (uint32_t i = 0; i < ndocs; i++) {
		m[i].ext = extids[i];
		m[i].loc = i;
		if (i && extids[i] < extids[i - 1]) sorted = false;
	}
	if (!sorted) qsort(m, ndocs, sizeof *m, mapent_cmp);
	uint64_t *ext = sf_xreallocarray(NULL, ndocs ? ndocs : 1, 8);
	uint32_t *loc = sf_xreallocarray(NULL, ndocs ? ndocs : 1, 4);
	for (uint32_t i = 0; i < ndocs; i++) {
		ext[i] = m[i].ext;
		loc[i] = m[i].loc;
	}
	free(m);
	sink_write(k, ext, (size_t)ndocs * 8);
	sink_write(k, loc, (size_t)ndocs * 4);
	free(ext);
	free(loc);
	sink_write(k, &t, sizeof t - 4);
	t.crc = k->crc;
	sink_write(k, &t.crc, 4);
	enum sf_err rc = sink_flush(k);
	if (rc != SF_OK) sf_errf(err, "segment: write failed: %s", strerror(errno));
	return rc;
}

/* ---- builder: pending documents ---- */

#define POOL_PAGE_BITS 20
#define POOL_PAGE (1u << POOL_PAGE_BITS)
#define POOL_MAX_PAGES 4000u
#define NLEVELS 8
static const uint32_t level_size[NLEVELS] = { 12, 28, 60, 124, 252, 508, 1020, 4092 };

struct bterm {
	uint64_t hash;
	uint32_t key_off;
	uint16_t key_len;
	uint8_t flags;
	uint8_t level;
	uint32_t head;      /* pool offset of first chunk */
	uint32_t cur, end;  /* write position, chunk end (its next-pointer slot) */
	int64_t prev_doc;
	uint32_t df;
	uint32_t slot_doc;  /* doc whose slot is slot (UINT32_MAX none) */
	uint32_t slot;
};

struct occ {
	uint32_t pos;
	uint32_t next;
	uint8_t field;
};

struct slot {
	uint32_t term;
	uint32_t head, tail;
};

struct builder {
	uint8_t **pages;
	size_t npages;
	uint32_t page_used;
	char *keys;
	size_t nkeys, capkeys;
	struct bterm *terms;
	size_t nterms, capterms;
	uint32_t *table; /* term index + 1, 0 empty */
	size_t tcap;
	/* docs */
	uint64_t *extids;
	uint32_t *lens;
	size_t ndocs, capdocs;
	uint64_t *del;
	size_t capdel;
	uint32_t ndel;
	uint32_t *dtable; /* extid -> local + 1 */
	size_t dcap;
	/* open doc */
	bool open;
	uint32_t cur_len[2];
	struct slot *slots;
	size_t nslots, capslots;
	struct occ *occs;
	size_t noccs, capoccs;
	uint8_t tmp[64];
};

struct builder *builder_new(void)
{
	struct builder *b = sf_xcalloc(1, sizeof *b);
	b->tcap = 1 << 14;
	b->table = sf_xcalloc(b->tcap, sizeof *b->table);
	b->dcap = 1 << 12;
	b->dtable = sf_xcalloc(b->dcap, sizeof *b->dtable);
	return b;
}

void builder_free(struct builder *b)
{
	if (!b) return;
	for (size_t i = 0; i < b->npages; i++) free(b->pages[i]);
	free(b->pages);
	free(b->keys);
	free(b->terms);
	free(b->table);
	free(b->extids);
	free(b->lens);
	free(b->del);
	free(b->dtable);
	free(b->slots);
	free(b->occs);
	free(b);
}

uint32_t builder_ndocs(const struct builder *b)
{
	return (uint32_t)b->ndocs;
}

size_t builder_bytes(const struct builder *b)
{
	return b->npages * POOL_PAGE + b->capkeys + b->capterms * sizeof(struct bterm) +
	       b->tcap * 4 + b->capdocs * 16 + b->dcap * 4;
}

bool builder_open_doc(const struct builder *b)
{
	return b->open;
}

static inline uint8_t *pool_at(struct builder *b, uint32_t off)
{
	return b->pages[off >> POOL_PAGE_BITS] + (off & (POOL_PAGE - 1));
}

/* Allocates a chunk of size+4 bytes; returns its pool offset or UINT32_MAX when full. */
static uint32_t pool_alloc(struct builder *b, uint32_t size)
{
	if (!b->npages || b->page_used + size + 4 > POOL_PAGE) {
		if (b->npages >= POOL_MAX_PAGES) return UINT32_MAX;
		b->pages = sf_xreallocarray(b->pages, b->npages + 1, sizeof *b->pages);
		b->pages[b->npages++] = sf_xmalloc(POOL_PAGE);
		b->page_used = 0;
	}
	uint32_t off = (uint32_t)((b->npages - 1) << POOL_PAGE_BITS) + b->page_used;
	b->page_used += size + 4;
	return off;
}

static bool term_write(struct builder *b, struct bterm *t, const uint8_t *p, size_t n)
{
	if (t->head != UINT32_MAX && t->end - t->cur >= n) {
		uint8_t *dst = pool_at(b, t->cur);
		for (size_t i = 0; i < n; i++) dst[i] = p[i];
		t->cur += (uint32_t)n;
		return true;
	}
	while (n) {
		if (t->cur == t->end) {
			uint8_t lv = t->head == UINT32_MAX ? 0 : (uint8_t)(t->level + 1 < NLEVELS ? t->level + 1 : NLEVELS - 1);
			uint32_t c = pool_alloc(b, level_size[lv]);
			if (c == UINT32_MAX) return false;
			if (t->head == UINT32_MAX)
				t->head = c;
			else
				memcpy(pool_at(b, t->end), &c, 4);
			t->level = lv;
			t->cur = c;
			t->end = c + level_size[lv];
		}
		size_t room = t->end - t->cur;
		size_t m = n < room ? n : room;
		memcpy(pool_at(b, t->cur), p, m);
		t->cur += (uint32_t)m;
		p += m;
		n -= m;
	}
	return true;
}

static void table_grow(struct builder *b)
{
	size_t nc = b->tcap * 2;
	uint32_t *nt = sf_xcalloc(nc, sizeof *nt);
	for (size_t i = 0; i < b->tcap; i++) {
		if (!b->table[i]) continue;
		size_t h = b->terms[b->table[i] - 1].hash & (nc - 1);
		while (nt[h]) h = (h + 1) & (nc - 1);
		nt[h] = b->table[i];
	}
	free(b->table);
	b->table = nt;
	b->tcap = nc;
}

static uint32_t term_get(struct builder *b, const char *key, size_t len, uint32_t flags)
{
	uint64_t h = sf_hash64(key, len, 0x5f1d);
	size_t i = h & (b->tcap - 1);
	for (;;) {
		uint32_t v = b->table[i];
		if (!v) break;
		struct bterm *t = &b->terms[v - 1];
		if (t->hash == h && t->key_len == len && memcmp(b->keys + t->key_off, key, len) == 0)
			return v - 1;
		i = (i + 1) & (b->tcap - 1);
	}
	SF_GROW(b->terms, b->capterms, b->nterms + 1);
	SF_GROW(b->keys, b->capkeys, b->nkeys + len);
	memcpy(b->keys + b->nkeys, key, len);
	struct bterm *t = &b->terms[b->nterms];
	memset(t, 0, sizeof *t);
	t->hash = h;
	t->key_off = (uint32_t)b->nkeys;
	t->key_len = (uint16_t)len;
	t->flags = (uint8_t)flags;
	t->head = UINT32_MAX;
	t->prev_doc = -1;
	t->slot_doc = UINT32_MAX;
	b->nkeys += len;
	b->table[i] = (uint32_t)++b->nterms;
	if (b->nterms * 2 > b->tcap) table_grow(b);
	return (uint32_t)(b->nterms - 1);
}

static void dtable_put(struct builder *b, uint64_t ext, uint32_t local)
{
	if ((b->ndocs + 1) * 2 > b->dcap) {
		size_t nc = b->dcap * 2;
		uint32_t *nt = sf_xcalloc(nc, sizeof *nt);
		for (size_t i = 0; i < b->dcap; i++) {
			if (!b->dtable[i]) continue;
			size_t h = sf_hash64(&b->extids[b->dtable[i] - 1], 8, 7) & (nc - 1);
			while (nt[h]) h = (h + 1) & (nc - 1);
			nt[h] = b->dtable[i];
		}
		free(b->dtable);
		b->dtable = nt;
		b->dcap = nc;
	}
	size_t h = sf_hash64(&ext, 8, 7) & (b->dcap - 1);
	while (b->dtable[h]) h = (h + 1) & (b->dcap - 1);
	b->dtable[h] = local + 1;
}

uint32_t builder_delete(struct builder *b, uint64_t extid)
{
	uint32_t n = 0;
	size_t h = sf_hash64(&extid, 8, 7) & (b->dcap - 1);
	while (b->dtable[h]) {
		uint32_t l = b->dtable[h] - 1;
		if (b->extids[l] == extid && !bit_get(b->del, l)) {
			bit_set(b->del, l);
			b->ndel++;
			n++;
		}
		h = (h + 1) & (b->dcap - 1);
	}
	return n;
}

enum sf_err builder_begin(struct builder *b, uint64_t extid)
{
	if (b->open) return SF_ERR_INVALID;
	if (b->ndocs >= SF_INDEX_MAX_SEG_DOCS) return SF_ERR_LIMIT;
	SF_GROW(b->extids, b->capdocs, b->ndocs + 1);
	b->lens = sf_xreallocarray(b->lens, b->capdocs, 2 * sizeof *b->lens);
	size_t words = (b->capdocs + 63) / 64;
	if (words > b->capdel) {
		b->del = sf_xreallocarray(b->del, words, 8);
		memset(b->del + b->capdel, 0, (words - b->capdel) * 8);
		b->capdel = words;
	}
	b->extids[b->ndocs] = extid;
	b->open = true;
	b->cur_len[0] = b->cur_len[1] = 0;
	b->nslots = 0;
	b->noccs = 0;
	return SF_OK;
}

enum sf_err builder_add(struct builder *b, int field, const char *term, size_t len, uint32_t pos,
			uint32_t flags)
{
	if (!b->open) return SF_ERR_INVALID;
	if (len == 0 || len > SEG_MAX_TERM) return SF_ERR_LIMIT;
	if (pos > SF_INDEX_MAX_POS) return SF_ERR_LIMIT;
	uint32_t doc = (uint32_t)b->ndocs;
	uint32_t ti = term_get(b, term, len, flags);
	struct bterm *t = &b->terms[ti];
	if (t->slot_doc != doc) {
		SF_GROW(b->slots, b->capslots, b->nslots + 1);
		t->slot_doc = doc;
		t->slot = (uint32_t)b->nslots;
		b->slots[b->nslots++] = (struct slot){ ti, UINT32_MAX, UINT32_MAX };
	} else if (flags & SEG_TERM_ATTR) {
		return SF_OK; /* attribute given twice */
	}
	if (flags & SEG_TERM_ATTR) return SF_OK;
	b->cur_len[field]++;
	SF_GROW(b->occs, b->capoccs, b->noccs + 1);
	struct slot *s = &b->slots[t->slot];
	b->occs[b->noccs] = (struct occ){ pos, UINT32_MAX, (uint8_t)field };
	if (s->tail == UINT32_MAX)
		s->head = (uint32_t)b->noccs;
	else
		b->occs[s->tail].next = (uint32_t)b->noccs;
	s->tail = (uint32_t)b->noccs++;
	return SF_OK;
}

void builder_end(struct builder *b)
{
	uint32_t doc = (uint32_t)b->ndocs;
	for (size_t si = 0; si < b->nslots; si++) {
		struct slot *s = &b->slots[si];
		struct bterm *t = &b->terms[s->term];
		uint32_t tf[2] = { 0, 0 };
		for (uint32_t o = s->head; o != UINT32_MAX; o = b->occs[o].next) tf[b->occs[o].field]++;
		uint8_t *p = b->tmp;
		p = vb_put(p, (uint64_t)((int64_t)doc - t->prev_doc));
		p = vb_put(p, tf[0]);
		p = vb_put(p, tf[1]);
		/* A full pool makes the caller flush early (builder_bytes); a write that still fails
		 * here would lose a posting, so the pool limit is far above any flush_bytes. */
		if (!term_write(b, t, b->tmp, (size_t)(p - b->tmp))) abort();
		for (uint8_t f = 0; f < 2; f++) {
			uint32_t last = 0;
			for (uint32_t o = s->head; o != UINT32_MAX; o = b->occs[o].next) {
				if (b->occs[o].field != f) continue;
				uint32_t ps = b->occs[o].pos;
				/* positions come increasing per field; a decrease is stored as 0 gap */
				p = vb_put(b->tmp, ps >= last ? ps - last : 0);
				if (ps > last) last = ps;
				if (!term_write(b, t, b->tmp, (size_t)(p - b->tmp))) abort();
			}
		}
		t->prev_doc = doc;
		t->df++;
	}
	b->lens[2 * doc] = b->cur_len[0];
	b->lens[2 * doc + 1] = b->cur_len[1];
	dtable_put(b, b->extids[doc], doc);
	b->ndocs++;
	b->open = false;
}

struct stream_rd {
	struct builder *b;
	uint32_t cur, end;
	uint8_t level;
};

static uint32_t stream_byte(struct stream_rd *r)
{
	if (r->cur == r->end) {
		uint32_t next;
		memcpy(&next, pool_at(r->b, r->end), 4);
		r->level = (uint8_t)(r->level + 1 < NLEVELS ? r->level + 1 : NLEVELS - 1);
		r->cur = next;
		r->end = next + level_size[r->level];
	}
	return *pool_at(r->b, r->cur++);
}

static uint32_t stream_vb(struct stream_rd *r)
{
	uint32_t v = 0;
	for (int sh = 0;; sh += 7) {
		uint32_t x = stream_byte(r);
		v |= (x & 0x7f) << sh;
		if (!(x & 0x80)) return v;
	}
}

static int key_cmp(const void *a, const void *c, void *ctx)
{
	const struct builder *b = ctx;
	const struct bterm *x = &b->terms[*(const uint32_t *)a], *y = &b->terms[*(const uint32_t *)c];
	size_t m = x->key_len < y->key_len ? x->key_len : y->key_len;
	int r = memcmp(b->keys + x->key_off, b->keys + y->key_off, m);
	if (r) return r;
	return x->key_len < y->key_len ? -1 : x->key_len > y->key_len;
}

enum sf_err builder_encode(struct builder *b, struct sink *out, uint64_t **del, struct sf_buf *err)
{
	*del = NULL;
	uint32_t *order = sf_xreallocarray(NULL, b->nterms ? b->nterms : 1, 4);
	for (size_t i = 0; i < b->nterms; i++) order[i] = (uint32_t)i;
	qsort_r(order, b->nterms, 4, key_cmp, b);
	struct seg_encoder *e = enc_new(out);
	uint32_t *pos = NULL;
	size_t cappos = 0;
	for (size_t oi = 0; oi < b->nterms; oi++) {
		struct bterm *t = &b->terms[order[oi]];
		enc_term_begin(e, b->keys + t->key_off, t->key_len, t->flags);
		struct stream_rd r = { b, t->head, t->head + level_size[0], 0 };
		uint32_t doc = (uint32_t)-1;
		for (uint32_t j = 0; j < t->df; j++) {
			doc += stream_vb(&r);
			uint32_t tf[2];
			tf[0] = stream_vb(&r);
			tf[1] = stream_vb(&r);
			size_t n = (size_t)tf[0] + tf[1];
			SF_GROW(pos, cappos, n + 1);
			for (int f = 0, k = 0; f < 2; f++) {
				uint32_t last = 0;
				for (uint32_t q = 0; q < tf[f]; q++) {
					last += stream_vb(&r);
					pos[k++] = last;
				}
			}
			enc_posting(e, doc, tf, pos, &b->lens[2 * doc]);
		}
		enc_term_end(e);
	}
	free(pos);
	free(order);
	enum sf_err rc = enc_finish(e, (uint32_t)b->ndocs, b->lens, b->extids, err);
	enc_free(e);
	if (rc == SF_OK && b->ndel) {
		size_t words = (b->ndocs + 63) / 64;
		*del = sf_xcalloc(words ? words : 1, 8);
		memcpy(*del, b->del, words * 8);
	}
	return rc;
}

/* ---- merge ---- */

struct merge_in {
	struct seg *s;
	const uint64_t *del;
	uint64_t ti;
	uint32_t *remap;
};

enum sf_err seg_merge(struct seg *const *segs, const uint64_t *const *dels, size_t n,
		      struct sink *out, uint32_t *ndocs_out, struct sf_buf *err)
{
	enum sf_err rc = SF_OK;
	struct merge_in *in = sf_xcalloc(n ? n : 1, sizeof *in);
	uint64_t total = 0;
	for (size_t i = 0; i < n; i++) {
		in[i].s = segs[i];
		in[i].del = dels[i];
		in[i].remap = sf_xreallocarray(NULL, segs[i]->ndocs ? segs[i]->ndocs : 1, 4);
		for (uint32_t d = 0; d < segs[i]->ndocs; d++) {
			if (dels[i] && bit_get(dels[i], d))
				in[i].remap[d] = SEG_NODOC;
			else
				in[i].remap[d] = (uint32_t)total++;
		}
	}
	if (total > SF_INDEX_MAX_SEG_DOCS) {
		sf_errf(err, "merge: %llu documents pass the segment limit", (unsigned long long)total);
		rc = SF_ERR_LIMIT;
		for (size_t i = 0; i < n; i++) free(in[i].remap);
		free(in);
		return rc;
	}
	uint32_t *lens = sf_xreallocarray(NULL, total ? total * 2 : 1, 4);
	uint64_t *ext = sf_xreallocarray(NULL, total ? total : 1, 8);
	for (size_t i = 0; i < n; i++) {
		for (uint32_t d = 0; d < segs[i]->ndocs; d++) {
			uint32_t nd = in[i].remap[d];
			if (nd == SEG_NODOC) continue;
			lens[2 * nd] = segs[i]->lens[2 * d];
			lens[2 * nd + 1] = segs[i]->lens[2 * d + 1];
			ext[nd] = segs[i]->extids[d];
		}
	}
	struct seg_encoder *e = enc_new(out);
	struct cursor *c = sf_xmalloc(sizeof *c);
	uint32_t *pos = NULL;
	size_t cappos = 0;
	for (;;) {
		/* smallest term among the inputs */
		struct sf_str best = { NULL, 0 };
		for (size_t i = 0; i < n; i++) {
			if (in[i].ti >= in[i].s->nterms) continue;
			struct sf_str t = seg_term_str(in[i].s, in[i].ti);
			if (!best.ptr) {
				best = t;
				continue;
			}
			size_t m = t.len < best.len ? t.len : best.len;
			int r = memcmp(t.ptr, best.ptr, m);
			if (r < 0 || (r == 0 && t.len < best.len)) best = t;
		}
		if (!best.ptr) break;
		bool begun = false;
		for (size_t i = 0; i < n; i++) {
			struct seg *s = in[i].s;
			if (in[i].ti >= s->nterms) continue;
			struct sf_str t = seg_term_str(s, in[i].ti);
			if (t.len != best.len || memcmp(t.ptr, best.ptr, t.len) != 0) continue;
			if (!begun) {
				enc_term_begin(e, t.ptr, t.len, s->dict[in[i].ti].flags);
				begun = true;
			}
			cursor_init(c, s, in[i].ti);
			in[i].ti++;
			uint32_t pblock = UINT32_MAX;
			const uint8_t *pp = NULL, *pend = c->pos + c->pos_len;
			for (uint32_t d = c->doc; d != SEG_NODOC; d = cursor_next(c)) {
				uint32_t tf[2];
				cursor_tf(c, tf);
				if (c->corrupt) break;
				if (pblock != c->dec_bi) {
					pblock = c->dec_bi;
					if (c->blocks[pblock].pos_off > c->pos_len) {
						c->corrupt = true;
						break;
					}
					pp = c->pos + c->blocks[pblock].pos_off;
				}
				size_t np = (size_t)tf[0] + tf[1];
				SF_GROW(pos, cappos, np + 1);
				for (int f = 0, k = 0; f < 2 && pp; f++) {
					uint32_t last = 0;
					for (uint32_t q = 0; q < tf[f] && pp; q++) {
						uint32_t v = 0;
						pp = vb_get32(pp, pend, &v);
						last += v;
						pos[k++] = last;
					}
				}
				if (!pp) {
					c->corrupt = true;
					break;
				}
				uint32_t nd = in[i].remap[d];
				if (nd == SEG_NODOC) continue;
				enc_posting(e, nd, tf, pos, &lens[2 * nd]);
			}
			if (c->corrupt) {
				sf_errf(err, "merge: corrupt postings in segment %llu",
					(unsigned long long)s->no);
				rc = SF_ERR_CORRUPT;
				goto out;
			}
		}
		enc_term_end(e);
	}
	rc = enc_finish(e, (uint32_t)total, lens, ext, err);
	*ndocs_out = (uint32_t)total;
out:
	enc_free(e);
	free(c);
	free(pos);
	free(lens);
	free(ext);
	for (size_t i = 0; i < n; i++) free(in[i].remap);
	free(in);
	return rc;
}
