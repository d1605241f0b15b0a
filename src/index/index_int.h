/*
 * index/index_int.h: private declarations shared by the files of the index module (nothing
 * outside src/index includes this).
 *
 * Segment file format (version SF_INDEX_FORMAT_VERSION, little-endian, written sequentially so
 * the CRC is computed while writing; the same bytes are held in memory for refreshed segments):
 *
 *   header   16 bytes: magic "SFSEG\r\n\x1a", u32 version, u32 0
 *   per term (in dictionary order), its region:
 *            nblocks x struct seg_block (32 bytes: last docid, offsets, per-field max tf and
 *            min length, for block-max bounds), then the doc stream (per block of up to 128
 *            postings: at doc_off a width byte W and the docid gaps minus one, bit-packed in W
 *            bits each; at tf_off widths Wb, Wt and the body tfs, then the title tfs,
 *            bit-packed likewise: see bp_put), then the position stream (per posting: title
 *            positions, then body positions, each delta-coded from 0 as varints), which
 *            scoring never reads.
 *   dict     nterms x struct seg_term (32 bytes), 8-aligned
 *   termoff  (nterms + 1) x u32 offsets into the term bytes (terms sorted bytewise)
 *   terms    term bytes
 *   lens     ndocs x 2 x u32 field lengths (tokens added per field), 8-aligned
 *   extids   ndocs x u64 external ids by local docid
 *   map      ndocs x u64 external ids sorted, then ndocs x u32 their local docids
 *   trailer  struct seg_trailer (counts, section offsets, sum of lengths per field), and last the
 *            CRC-32C of every byte before it.
 *
 * Attributes are terms "\x01" name "\x1f" value with flag SEG_TERM_ATTR (tf 0, no positions).
 */
#ifndef SF_INDEX_INDEX_INT_H
#define SF_INDEX_INDEX_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/err.h"
#include "base/str.h"
#include "index/index.h"

#define SEG_MAGIC "SFSEG\r\n\x1a"
#define SEG_TRAILER_MAGIC "SFSEGEND"
#define SEG_BLOCK 128
#define SEG_TERM_ATTR 1u
#define SEG_ATTR_PREFIX '\x01'
#define SEG_ATTR_SEP '\x1f'
/* Longest term key (attribute name + value included). */
#define SEG_MAX_TERM 1024
#define SEG_NODOC UINT32_MAX

struct seg_block {
	uint32_t last;        /* last local docid of the block */
	uint32_t doc_off;     /* block's deltas, from the term's doc stream start */
	uint32_t tf_off;      /* block's tf codes, from the doc stream start */
	uint32_t pos_off;     /* block's positions, from the term's position stream start */
	uint32_t maxtf[2];    /* per field: max tf in the block */
	uint32_t minlen[2];   /* per field: min field length among postings with tf > 0 */
};

struct seg_term {
	uint64_t off;      /* region start (block table) from the file start */
	uint64_t docs_len; /* bytes of the doc stream */
	uint64_t pos_len;  /* bytes of the position stream */
	uint32_t df;
	uint32_t flags;
};

struct seg_trailer {
	char magic[8];
	uint32_t version;
	uint32_t ndocs;
	uint64_t nterms;
	uint64_t sumlen[2];
	uint64_t dict_off, termoff_off, terms_off, terms_len, lens_off, extids_off, map_off;
	uint32_t reserved;
	uint32_t crc; /* CRC-32C of all bytes before this field */
};

/* An immutable segment, memory-held or mapped from a file; refcounted. */
struct seg {
	atomic_uint refs;
	uint64_t no;             /* file seg-<no>.sfs */
	const uint8_t *data;
	size_t size;
	bool mapped;             /* munmap (else free) at the last release */
	bool on_disk;            /* a file seg-<no>.sfs holds these bytes */
	uint32_t crc;
	uint32_t ndocs;
	uint64_t nterms;
	uint64_t sumlen[2];
	const struct seg_term *dict;
	const uint32_t *termoff;
	const char *terms;
	const uint32_t *lens;    /* [2 * local + field] */
	uint8_t *norms;          /* [2 * local + field]: sf_len_code(lens), made at open (heap) so
				    scoring reads 2 bytes per document */
	const uint64_t *extids;
	const uint64_t *map_ext;
	const uint32_t *map_loc;
};

/* Opens segment bytes (takes ownership of data: munmap when mapped, else free). verify checks
 * the CRC. On error data is released too. */
enum sf_err seg_from_bytes(const uint8_t *data, size_t size, bool mapped, bool verify,
			   struct seg **out, struct sf_buf *err) SF_WUR;
/* Maps dir/seg-<no>.sfs, checks size (if expect_size != 0) and CRC against expect_crc. */
enum sf_err seg_open_file(const char *dir, uint64_t no, uint64_t expect_size, uint32_t expect_crc,
			  bool check_crc_value, struct seg **out, struct sf_buf *err) SF_WUR;
void seg_ref(struct seg *s);
void seg_unref(struct seg *s);
/* Dictionary lookup; returns the term index or -1. */
int64_t seg_find(const struct seg *s, const char *term, size_t len);
/* Local docid of external id, or SEG_NODOC. */
uint32_t seg_local(const struct seg *s, uint64_t extid);
static inline struct sf_str seg_term_str(const struct seg *s, uint64_t i)
{
	return (struct sf_str){ s->terms + s->termoff[i], s->termoff[i + 1] - s->termoff[i] };
}
/* First term index whose bytes are >= (p, n). */
uint64_t seg_lower_bound(const struct seg *s, const char *p, size_t n);

/* ---- postings cursor ---- */

struct cursor {
	const struct seg *s;
	const struct seg_block *blocks;
	const uint8_t *docs;     /* doc stream */
	const uint8_t *pos;      /* position stream */
	uint64_t docs_len, pos_len;
	uint32_t nblocks, df;
	uint32_t bi;             /* current block */
	uint32_t dec_bi;         /* block decoded into buf (UINT32_MAX none) */
	uint32_t n;              /* postings in decoded block */
	uint32_t i;              /* index in block */
	uint32_t doc;            /* current doc; SEG_NODOC at end; may be a lower bound after shallow */
	bool tf_ok;              /* tf decoded for dec_bi */
	bool corrupt;
	uint64_t decoded;         /* postings decoded (statistics) */
	uint32_t docbuf[SEG_BLOCK];
	uint32_t tfbuf[2][SEG_BLOCK];
};

/* Positions a cursor on term index ti (first doc). false when corrupt structure. */
void cursor_init(struct cursor *c, const struct seg *s, uint64_t ti);
/* Advances to the first doc >= target (SEG_NODOC when none). */
uint32_t cursor_seek(struct cursor *c, uint32_t target);
static inline uint32_t cursor_next(struct cursor *c)
{
	/* fast path: the next posting of the decoded current block */
	if (c->dec_bi == c->bi && c->doc != SEG_NODOC && c->docbuf[c->i] == c->doc && c->i + 1 < c->n)
		return c->doc = c->docbuf[++c->i];
	return c->doc == SEG_NODOC ? SEG_NODOC : cursor_seek(c, c->doc + 1);
}
/* Moves the block pointer to the block that may hold target without decoding. false at end. */
bool cursor_shallow(struct cursor *c, uint32_t target);
/* tf of the current posting for field f (cursor must be on a doc). */
/* Makes the current posting's block decoded with its tfs, so docbuf, tfbuf[.][i..n) can be read
 * directly; false at the end or when corrupt. */
bool cursor_load(struct cursor *c);
void cursor_tf_slow(struct cursor *c, uint32_t tf[2]);
static inline void cursor_tf(struct cursor *c, uint32_t tf[2])
{
	if (!c->tf_ok) {
		cursor_tf_slow(c, tf);
		return;
	}
	tf[0] = c->tfbuf[0][c->i];
	tf[1] = c->tfbuf[1][c->i];
}
/* Decodes positions of the current posting for field f into out (cap entries); returns count
 * or -1 when corrupt. */
int64_t cursor_positions(struct cursor *c, int field, uint32_t *out, size_t cap);

/* ---- varints ---- */

static inline uint8_t *vb_put(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

/* Bounded decode: returns NULL when the varint runs past end or is longer than 5 bytes. */
static inline const uint8_t *vb_get32(const uint8_t *p, const uint8_t *end, uint32_t *v)
{
	if (p < end && *p < 0x80) {
		*v = *p;
		return p + 1;
	}
	uint32_t r = 0;
	for (int sh = 0; sh < 35; sh += 7) {
		if (p >= end) return NULL;
		uint8_t b = *p++;
		r |= (uint32_t)(b & 0x7f) << sh;
		if (!(b & 0x80)) {
			*v = r;
			return p;
		}
	}
	return NULL;
}

/* ---- bit packing (block postings) ---- */

/* Bits needed for the largest of v[0..n) (0 when all are 0). */
static inline unsigned bp_width(const uint32_t *v, uint32_t n)
{
	uint32_t m = 0;
	for (uint32_t i = 0; i < n; i++) m |= v[i];
	return m ? 32u - (unsigned)__builtin_clz(m) : 0;
}

static inline size_t bp_bytes(uint32_t n, unsigned w)
{
	return ((size_t)n * w + 7) / 8;
}

/* Packs v[0..n) in w bits each, least significant bit first; returns the end
 * (p + bp_bytes(n, w)). */
static inline uint8_t *bp_put(uint8_t *p, const uint32_t *v, uint32_t n, unsigned w)
{
	uint64_t acc = 0;
	unsigned k = 0;
	for (uint32_t i = 0; i < n; i++) {
		acc |= (uint64_t)v[i] << k;
		k += w;
		while (k >= 8) {
			*p++ = (uint8_t)acc;
			acc >>= 8;
			k -= 8;
		}
	}
	if (k) *p++ = (uint8_t)acc;
	return p;
}

/* Eight values of w bits from p (w bytes), reading 8 bytes from each value's first byte. With
 * a constant w every shift and offset is a constant. */
static inline __attribute__((always_inline)) void bp_get8(const uint8_t *p, uint32_t *out,
							   unsigned w)
{
	uint64_t mask = (1ull << w) - 1;
#pragma GCC unroll 8
	for (unsigned j = 0; j < 8; j++) {
		uint64_t x;
		memcpy(&x, p + (j * w) / 8, 8);
		out[j] = (uint32_t)((x >> ((j * w) % 8)) & mask);
	}
}

#define BP_CASE(W)                                                  \
	case W:                                                     \
		for (; i + 8 <= n; i += 8, p += W) bp_get8(p, out + i, W); \
		break;

/*
 * Unpacks n values of w bits (w <= 32). fast: 8 bytes may be read from every value's first
 * byte (the caller checked that many bytes past the packed ones are mapped); groups of eight
 * then go through code specialized for w.
 */
static inline void bp_get(const uint8_t *p, uint32_t n, unsigned w, uint32_t *out, bool fast)
{
	if (w == 0) {
		memset(out, 0, (size_t)n * sizeof *out);
		return;
	}
	uint32_t i = 0;
	if (fast) {
		switch (w) {
		BP_CASE(1) BP_CASE(2) BP_CASE(3) BP_CASE(4) BP_CASE(5) BP_CASE(6) BP_CASE(7) BP_CASE(8)
		BP_CASE(9) BP_CASE(10) BP_CASE(11) BP_CASE(12) BP_CASE(13) BP_CASE(14) BP_CASE(15)
		BP_CASE(16) BP_CASE(17) BP_CASE(18) BP_CASE(19) BP_CASE(20) BP_CASE(21) BP_CASE(22)
		BP_CASE(23) BP_CASE(24) BP_CASE(25) BP_CASE(26) BP_CASE(27) BP_CASE(28) BP_CASE(29)
		BP_CASE(30) BP_CASE(31) BP_CASE(32)
		default: break;
		}
	}
	/* the rest (or everything, near the end of the mapping), byte by byte */
	uint64_t mask = (1ull << w) - 1;
	for (size_t bit = 0; i < n; i++, bit += w) {
		uint64_t x = 0;
		size_t b0 = bit >> 3, nb = ((bit & 7) + w + 7) / 8;
		for (size_t j = 0; j < nb; j++) x |= (uint64_t)p[b0 + j] << (8 * j);
		out[i] = (uint32_t)((x >> (bit & 7)) & mask);
	}
}
#undef BP_CASE

static inline uint32_t ld32(const void *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

/* ---- writing segments ---- */

/* Where encoded bytes go: a file (buffered) or memory. Computes the CRC on the way. */
struct sink {
	int fd;                  /* -1: memory */
	uint8_t *buf;
	size_t len, cap;
	uint64_t total;
	uint32_t crc;
	enum sf_err rc;
};

struct seg_encoder;
struct seg_encoder *enc_new(struct sink *out);
void enc_free(struct seg_encoder *e);
/* Starts a term (terms must come in increasing byte order). */
void enc_term_begin(struct seg_encoder *e, const char *term, size_t len, uint32_t flags);
/* Adds a posting (docs increasing). pos holds tf[0] title then tf[1] body positions. */
void enc_posting(struct seg_encoder *e, uint32_t doc, const uint32_t tf[2], const uint32_t *pos,
		 const uint32_t lens[2]);
void enc_term_end(struct seg_encoder *e);
/* Writes dictionary and doc tables and the trailer. lens has 2*ndocs entries. */
enum sf_err enc_finish(struct seg_encoder *e, uint32_t ndocs, const uint32_t *lens,
		       const uint64_t *extids, struct sf_buf *err) SF_WUR;

void sink_init_mem(struct sink *k);
void sink_init_fd(struct sink *k, int fd);
void sink_write(struct sink *k, const void *p, size_t n);
enum sf_err sink_flush(struct sink *k) SF_WUR;

/* Pending documents (in-memory inverted buffers). */
struct builder;
struct builder *builder_new(void);
void builder_free(struct builder *b);
uint32_t builder_ndocs(const struct builder *b);
size_t builder_bytes(const struct builder *b);
enum sf_err builder_begin(struct builder *b, uint64_t extid) SF_WUR;
enum sf_err builder_add(struct builder *b, int field, const char *term, size_t len,
			uint32_t pos, uint32_t flags) SF_WUR;
void builder_end(struct builder *b);
bool builder_open_doc(const struct builder *b);
/* Marks pending docs with extid deleted; returns how many were newly deleted. */
uint32_t builder_delete(struct builder *b, uint64_t extid);
/* Encodes the documents into out; *del gets a bitmap (ndocs bits, malloc'd) or NULL when none are
 * deleted. */
enum sf_err builder_encode(struct builder *b, struct sink *out, uint64_t **del,
			   struct sf_buf *err) SF_WUR;

/* Merges segs (with their delete bitmaps, NULL = none) dropping deleted docs into out. */
enum sf_err seg_merge(struct seg *const *segs, const uint64_t *const *dels, size_t n,
		      struct sink *out, uint32_t *ndocs_out, struct sf_buf *err) SF_WUR;

/* ---- snapshots ---- */

struct delset {
	atomic_uint refs;
	uint32_t ndel;
	uint64_t bits[]; /* ndocs bits */
};

struct snap_seg {
	struct seg *seg;
	struct delset *del; /* NULL: none deleted */
};

struct sf_snapshot {
	atomic_uint refs;
	size_t nseg;
	uint64_t ndocs;      /* stored docs (statistics N) */
	uint64_t ndeleted;
	double avglen[2];
	struct snap_seg segs[];
};

static inline bool bit_get(const uint64_t *b, uint32_t i)
{
	return (b[i >> 6] >> (i & 63)) & 1;
}
static inline void bit_set(uint64_t *b, uint32_t i)
{
	b[i >> 6] |= (uint64_t)1 << (i & 63);
}

#endif
