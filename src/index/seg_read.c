/*
 * index/seg_read.c: opening and reading immutable segments (format in index_int.h).
 *
 * A segment's bytes come from mmap (files) or from memory (refreshed, not yet committed). Every
 * count and offset of the trailer and dictionary is checked against the byte size when the
 * segment is opened; block tables and streams are checked lazily, when a cursor decodes a block,
 * so a hostile file yields SF_ERR_CORRUPT or an empty posting list, never a crash. Cursors decode
 * one block of 128 docids at a time and the tf codes of a block only when asked for.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/hash.h"
#include "base/mem.h"
#include "index/index_int.h"
#include "base/banned.h"

static void release_bytes(const uint8_t *data, size_t size, bool mapped)
{
	if (!data) return;
	if (mapped)
		munmap((void *)data, size);
	else
		free((void *)data);
}

static bool range_ok(uint64_t off, uint64_t len, uint64_t limit)
{
	return off <= limit && len <= limit - off;
}

enum sf_err seg_from_bytes(const uint8_t *data, size_t size, bool mapped, bool verify,
			   struct seg **out, struct sf_buf *err)
{
	struct seg_trailer t;
	const size_t tsz = sizeof t;
	*out = NULL;
	if (size < 16 + tsz || memcmp(data, SEG_MAGIC, 8) != 0) {
		sf_errf(err, "segment: bad magic or too short (%zu bytes)", size);
		goto corrupt;
	}
	if (ld32(data + 8) != SF_INDEX_FORMAT_VERSION) {
		sf_errf(err, "segment: format version %u, expected %u", ld32(data + 8),
			SF_INDEX_FORMAT_VERSION);
		release_bytes(data, size, mapped);
		return SF_ERR_CORRUPT;
	}
	memcpy(&t, data + size - tsz, tsz);
	if (memcmp(t.magic, SEG_TRAILER_MAGIC, 8) != 0 || t.version != SF_INDEX_FORMAT_VERSION) {
		sf_errf(err, "segment: bad trailer");
		goto corrupt;
	}
	if (verify) {
		uint32_t crc = sf_crc32c(0, data, size - 4);
		if (crc != t.crc) {
			sf_errf(err, "segment: checksum mismatch (stored %08x, computed %08x)", t.crc,
				crc);
			goto corrupt;
		}
	}
	uint64_t end = size - tsz;
	if (t.ndocs > SF_INDEX_MAX_SEG_DOCS || t.nterms > end / sizeof(struct seg_term) ||
	    t.dict_off % 8 || t.lens_off % 8 || t.extids_off % 8 || t.map_off % 8 ||
	    t.termoff_off % 4 || !range_ok(t.dict_off, t.nterms * sizeof(struct seg_term), end) ||
	    t.dict_off < 16 || t.termoff_off < t.dict_off + t.nterms * sizeof(struct seg_term) ||
	    !range_ok(t.termoff_off, (t.nterms + 1) * 4, end) ||
	    t.terms_off < t.termoff_off + (t.nterms + 1) * 4 || !range_ok(t.terms_off, t.terms_len, end) ||
	    t.lens_off < t.terms_off + t.terms_len || !range_ok(t.lens_off, (uint64_t)t.ndocs * 8, end) ||
	    t.extids_off < t.lens_off + (uint64_t)t.ndocs * 8 ||
	    !range_ok(t.extids_off, (uint64_t)t.ndocs * 8, end) ||
	    t.map_off < t.extids_off + (uint64_t)t.ndocs * 8 ||
	    !range_ok(t.map_off, (uint64_t)t.ndocs * 12, end) || t.terms_len > UINT32_MAX) {
		sf_errf(err, "segment: section table out of bounds");
		goto corrupt;
	}
	struct seg *s = sf_xcalloc(1, sizeof *s);
	atomic_init(&s->refs, 1);
	s->data = data;
	s->size = size;
	s->mapped = mapped;
	s->crc = t.crc;
	s->ndocs = t.ndocs;
	s->nterms = t.nterms;
	s->sumlen[0] = t.sumlen[0];
	s->sumlen[1] = t.sumlen[1];
	s->dict = (const struct seg_term *)(const void *)(data + t.dict_off);
	s->termoff = (const uint32_t *)(const void *)(data + t.termoff_off);
	s->terms = (const char *)data + t.terms_off;
	s->lens = (const uint32_t *)(const void *)(data + t.lens_off);
	s->extids = (const uint64_t *)(const void *)(data + t.extids_off);
	s->map_ext = (const uint64_t *)(const void *)(data + t.map_off);
	s->map_loc = (const uint32_t *)(const void *)(data + t.map_off + (uint64_t)t.ndocs * 8);
	/* Term offsets and dictionary entries, once, so lookups need no checks. */
	if (s->termoff[0] != 0 || s->termoff[t.nterms] != t.terms_len) goto bad;
	for (uint64_t i = 0; i < t.nterms; i++) {
		if (s->termoff[i + 1] < s->termoff[i] || s->termoff[i + 1] - s->termoff[i] > SEG_MAX_TERM)
			goto bad;
		const struct seg_term *e = &s->dict[i];
		uint64_t nb = ((uint64_t)e->df + SEG_BLOCK - 1) / SEG_BLOCK;
		if (e->df == 0 || e->off < 16 || e->off % 4 || e->docs_len > UINT32_MAX ||
		    e->pos_len > UINT32_MAX || !range_ok(e->off, nb * sizeof(struct seg_block), t.dict_off) ||
		    !range_ok(e->off + nb * sizeof(struct seg_block), e->docs_len, t.dict_off) ||
		    !range_ok(e->off + nb * sizeof(struct seg_block) + e->docs_len, e->pos_len, t.dict_off))
			goto bad;
	}
	for (uint32_t i = 0; i < t.ndocs; i++) {
		if (s->map_loc[i] >= t.ndocs || (i && s->map_ext[i] < s->map_ext[i - 1])) goto bad;
	}
	s->norms = sf_xmalloc((size_t)t.ndocs * 2 + 1);
	for (size_t i = 0; i < (size_t)t.ndocs * 2; i++) s->norms[i] = sf_len_code(s->lens[i]);
	*out = s;
	return SF_OK;
bad:
	sf_errf(err, "segment: dictionary or doc map out of bounds");
	free(s);
corrupt:
	release_bytes(data, size, mapped);
	return SF_ERR_CORRUPT;
}

enum sf_err seg_open_file(const char *dir, uint64_t no, uint64_t expect_size, uint32_t expect_crc,
			  bool check_crc_value, struct seg **out, struct sf_buf *err)
{
	char path[4096];
	*out = NULL;
	snprintf(path, sizeof path, "%s/seg-%llu.sfs", dir, (unsigned long long)no);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		sf_errf(err, "segment %s: %s", path, strerror(errno));
		return errno == ENOENT ? SF_ERR_CORRUPT : SF_ERR_IO;
	}
	struct stat st;
	if (fstat(fd, &st) != 0) {
		sf_errf(err, "segment %s: %s", path, strerror(errno));
		close(fd);
		return SF_ERR_IO;
	}
	if ((expect_size && (uint64_t)st.st_size != expect_size) || st.st_size < 64) {
		sf_errf(err, "segment %s: size %lld, expected %llu", path, (long long)st.st_size,
			(unsigned long long)expect_size);
		close(fd);
		return SF_ERR_CORRUPT;
	}
	void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED) {
		sf_errf(err, "segment %s: mmap: %s", path, strerror(errno));
		return SF_ERR_IO;
	}
	struct sf_buf e2 = SF_BUF_INIT;
	enum sf_err rc = seg_from_bytes(m, (size_t)st.st_size, true, check_crc_value, out, &e2);
	if (rc != SF_OK) {
		sf_errf(err, "%s: %s", path, e2.ptr);
		sf_buf_release(&e2);
		return rc;
	}
	sf_buf_release(&e2);
	if (check_crc_value && (*out)->crc != expect_crc) {
		sf_errf(err, "segment %s: checksum %08x differs from MANIFEST %08x", path, (*out)->crc,
			expect_crc);
		seg_unref(*out);
		*out = NULL;
		return SF_ERR_CORRUPT;
	}
	(*out)->no = no;
	(*out)->on_disk = true;
	madvise(m, (size_t)st.st_size, MADV_WILLNEED);
	return SF_OK;
}

void seg_ref(struct seg *s)
{
	atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
}

void seg_unref(struct seg *s)
{
	if (!s) return;
	if (atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1) return;
	release_bytes(s->data, s->size, s->mapped);
	free(s->norms);
	free(s);
}

static int term_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	size_t m = an < bn ? an : bn;
	int c = m ? memcmp(a, b, m) : 0;
	if (c) return c;
	return an < bn ? -1 : an > bn;
}

uint64_t seg_lower_bound(const struct seg *s, const char *p, size_t n)
{
	uint64_t lo = 0, hi = s->nterms;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		struct sf_str t = seg_term_str(s, mid);
		if (term_cmp(t.ptr, t.len, p, n) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int64_t seg_find(const struct seg *s, const char *term, size_t len)
{
	uint64_t i = seg_lower_bound(s, term, len);
	if (i >= s->nterms) return -1;
	struct sf_str t = seg_term_str(s, i);
	return t.len == len && (len == 0 || memcmp(t.ptr, term, len) == 0) ? (int64_t)i : -1;
}

uint32_t seg_local(const struct seg *s, uint64_t extid)
{
	uint32_t lo = 0, hi = s->ndocs;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (s->map_ext[mid] < extid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->ndocs && s->map_ext[lo] == extid ? s->map_loc[lo] : SEG_NODOC;
}

/* ---- cursor ---- */

static void cursor_fail(struct cursor *c)
{
	c->corrupt = true;
	c->doc = SEG_NODOC;
	c->bi = c->nblocks;
}

/* May bp_get read 8 bytes from anywhere in [p, p + len)? */
static inline bool fast_ok(const struct cursor *c, const uint8_t *p, size_t len)
{
	return (size_t)(c->s->data + c->s->size - p) >= len + 8;
}

static bool decode_block(struct cursor *c, uint32_t bi)
{
	const struct seg_block *b = &c->blocks[bi];
	uint32_t n = bi + 1 == c->nblocks ? c->df - bi * SEG_BLOCK : SEG_BLOCK;
	if (b->doc_off >= b->tf_off || b->tf_off > c->docs_len || b->last >= c->s->ndocs) return false;
	const uint8_t *p = c->docs + b->doc_off, *end = c->docs + b->tf_off;
	unsigned w = *p++;
	size_t len = bp_bytes(n, w);
	if (w > 32 || (size_t)(end - p) < len) return false;
	bp_get(p, n, w, c->docbuf, fast_ok(c, p, len));
	uint64_t d = bi ? (uint64_t)c->blocks[bi - 1].last : (uint64_t)-1;
	for (uint32_t i = 0; i < n; i++) {
		d += (uint64_t)c->docbuf[i] + 1;
		c->docbuf[i] = (uint32_t)d;
	}
	/* gaps are >= 1, so every docid is below the block's last, itself below ndocs */
	if (d != b->last) return false;
	c->dec_bi = bi;
	c->n = n;
	c->decoded += n;
	c->tf_ok = false;
	return true;
}

void cursor_init(struct cursor *c, const struct seg *s, uint64_t ti)
{
	const struct seg_term *e = &s->dict[ti];
	c->s = s;
	c->df = e->df;
	c->nblocks = (e->df + SEG_BLOCK - 1) / SEG_BLOCK;
	c->blocks = (const struct seg_block *)(const void *)(s->data + e->off);
	c->docs = s->data + e->off + (uint64_t)c->nblocks * sizeof(struct seg_block);
	c->docs_len = e->docs_len;
	c->pos = c->docs + e->docs_len;
	c->pos_len = e->pos_len;
	c->bi = 0;
	c->dec_bi = UINT32_MAX;
	c->i = 0;
	c->corrupt = false;
	c->tf_ok = false;
	c->decoded = 0;
	if (!decode_block(c, 0)) {
		cursor_fail(c);
		return;
	}
	c->doc = c->docbuf[0];
}

/*
 * The first block at or after bi whose last docid is >= target: a few linear steps (targets are
 * usually near), then galloping and a binary search for far jumps in long lists.
 */
static uint32_t find_block_far(const struct cursor *c, uint32_t bi, uint32_t target)
{
	for (int k = 0; k < 4; k++, bi++)
		if (bi >= c->nblocks || c->blocks[bi].last >= target) return bi;
	uint32_t lo = bi, step = 4, hi;
	for (;;) {
		hi = lo + step;
		if (hi >= c->nblocks) {
			hi = c->nblocks;
			break;
		}
		if (c->blocks[hi].last >= target) break;
		lo = hi + 1;
		step *= 2;
	}
	/* answer in [lo, hi] (hi may be nblocks: none) */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (c->blocks[mid].last >= target) hi = mid;
		else lo = mid + 1;
	}
	return lo;
}

static inline uint32_t find_block(const struct cursor *c, uint32_t bi, uint32_t target)
{
	/* most targets fall in the current block */
	if (bi >= c->nblocks || c->blocks[bi].last >= target) return bi;
	return find_block_far(c, bi + 1, target);
}

uint32_t cursor_seek(struct cursor *c, uint32_t target)
{
	if (c->doc != SEG_NODOC && c->doc >= target && c->dec_bi == c->bi) return c->doc;
	if (c->doc == SEG_NODOC && c->bi >= c->nblocks) return SEG_NODOC;
	uint32_t bi = find_block(c, c->bi, target);
	if (bi >= c->nblocks) {
		c->bi = c->nblocks;
		c->doc = SEG_NODOC;
		return SEG_NODOC;
	}
	c->bi = bi;
	uint32_t i = 0;
	if (c->dec_bi != bi) {
		if (!decode_block(c, bi)) {
			cursor_fail(c);
			return SEG_NODOC;
		}
	} else {
		i = c->i;
	}
	/* The block's last docid is >= target, so this stops inside the block; far targets are
	 * found by binary search over the decoded docids. */
	for (int k = 0; k < 8 && c->docbuf[i] < target; k++) i++;
	if (c->docbuf[i] < target) {
		uint32_t lo = i + 1, hi = c->n - 1;
		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;
			if (c->docbuf[mid] >= target) hi = mid;
			else lo = mid + 1;
		}
		i = lo;
	}
	c->i = i;
	c->doc = c->docbuf[i];
	return c->doc;
}

bool cursor_shallow(struct cursor *c, uint32_t target)
{
	uint32_t bi = find_block(c, c->bi, target);
	if (bi >= c->nblocks) return false;
	if (bi != c->bi) {
		c->bi = bi;
		/* doc stays a lower bound (< target); seek decodes the block. */
		if (c->doc != SEG_NODOC && c->doc >= target) c->doc = target - 1;
	}
	return true;
}

static bool decode_tf(struct cursor *c)
{
	const struct seg_block *b = &c->blocks[c->dec_bi];
	const uint8_t *p = c->docs + b->tf_off, *end = c->docs + c->docs_len;
	if (end - p < 2) return false;
	unsigned wb = p[0], wt = p[1];
	p += 2;
	size_t nb = bp_bytes(c->n, wb), nt = bp_bytes(c->n, wt);
	if (wb > 32 || wt > 32 || (size_t)(end - p) < nb + nt) return false;
	bool fast = fast_ok(c, p, nb + nt);
	bp_get(p, c->n, wb, c->tfbuf[1], fast);
	bp_get(p + nb, c->n, wt, c->tfbuf[0], fast);
	c->tf_ok = true;
	return true;
}

bool cursor_load(struct cursor *c)
{
	if (c->doc == SEG_NODOC) return false;
	if ((c->dec_bi != c->bi || c->docbuf[c->i] != c->doc) && cursor_seek(c, c->doc) == SEG_NODOC)
		return false;
	if (!c->tf_ok && !decode_tf(c)) {
		cursor_fail(c);
		return false;
	}
	return true;
}

void cursor_tf_slow(struct cursor *c, uint32_t tf[2])
{
	if (!c->tf_ok && !decode_tf(c)) {
		c->corrupt = true;
		tf[0] = tf[1] = 0;
		return;
	}
	tf[0] = c->tfbuf[0][c->i];
	tf[1] = c->tfbuf[1][c->i];
}

int64_t cursor_positions(struct cursor *c, int field, uint32_t *out, size_t cap)
{
	if (!c->tf_ok && !decode_tf(c)) {
		c->corrupt = true;
		return -1;
	}
	const struct seg_block *b = &c->blocks[c->dec_bi];
	if (b->pos_off > c->pos_len) return -1;
	const uint8_t *p = c->pos + b->pos_off, *end = c->pos + c->pos_len;
	uint64_t skip = 0;
	for (uint32_t j = 0; j < c->i; j++) skip += (uint64_t)c->tfbuf[0][j] + c->tfbuf[1][j];
	if (field == 1) skip += c->tfbuf[0][c->i];
	while (skip) {
		if (p >= end) return -1;
		skip -= !(*p++ & 0x80);
	}
	uint32_t n = c->tfbuf[field][c->i];
	if (n > cap) return -1;
	uint32_t pos = 0;
	for (uint32_t j = 0; j < n; j++) {
		uint32_t v;
		p = vb_get32(p, end, &v);
		if (!p) return -1;
		pos += v;
		out[j] = pos;
	}
	return n;
}
