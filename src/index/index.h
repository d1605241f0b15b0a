/*
 * index/index.h: sufler's inverted index: segments, snapshots, BM25F top-k search.
 *
 * Layer: index (uses base, text). Knows nothing of the store or of HTTP: it maps document ids
 * (uint64, given by the caller: the store's chunk ids) to analyzed terms and attributes.
 *
 * On disk, an index is a directory:
 *   MANIFEST            the current generation: format version, segment list, each segment's
 *                       size and CRC-32C, delete-file names, the caller's "applied" sequence
 *                       number, field statistics; written to MANIFEST.tmp, fsynced, renamed.
 *   seg-<N>.sfs         immutable segment files (header with magic + version, term dictionary,
 *                       compressed postings: doc deltas + per-field tfs + positions, in blocks
 *                       of 128 with per-block max scores data for block-max pruning; doc lengths
 *                       per field; external ids; attribute postings; footer with CRC-32C),
 *                       read through mmap.
 *   seg-<N>.<G>.del     delete bitmap of segment N as of generation G.
 *
 * Writes go to an in-memory segment. sf_index_refresh makes them visible to new snapshots
 * (near-real-time, same encoded format held in memory); sf_index_commit writes pending segments
 * and deletes to files and publishes a new MANIFEST atomically. Merges combine segments and
 * drop deleted documents: inside commit (tiered, see max_segments) or on demand (optimize).
 *
 * Readers take a snapshot (reference-counted, immutable: segment list + delete bitmaps + field
 * statistics) and search it without locks; writers never wait for readers and readers never
 * wait for writers. One writer at a time per index (sf_index functions that change it are
 * serialized by an internal mutex, so they may be called from several threads).
 *
 * At open, every segment's size and checksum are checked against the MANIFEST: a missing or
 * corrupt segment makes sf_index_open fail with SF_ERR_CORRUPT, and the caller rebuilds the
 * index from the store (sufler reindex).
 */
#ifndef SF_INDEX_INDEX_H
#define SF_INDEX_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/str.h"
#include "index/query.h"

#define SF_INDEX_FORMAT_VERSION 2
/* Limits: documents per segment, positions per document and field. */
#define SF_INDEX_MAX_SEG_DOCS (1u << 30)
#define SF_INDEX_MAX_POS ((1u << 24) - 1)

struct sf_index;
struct sf_snapshot;

struct sf_index_opts {
	/* Pending documents are flushed to a segment when their postings pass this many bytes of
	 * memory (default 256 MiB); bounds RSS during large builds. */
	size_t flush_bytes;
	/* Merge policy: when more than this many segments exist, commit merges the smallest ones
	 * (default 8; 0 = never merge automatically). */
	unsigned max_segments;
};

void sf_index_opts_default(struct sf_index_opts *o);

/*
 * Opens (create = true: creates when missing) the index in directory dir. opts may be NULL.
 * SF_ERR_CORRUPT when a segment is missing, truncated or fails its checksum or version check
 * (the index is then not opened; the caller removes the directory and rebuilds).
 * Free with sf_index_close.
 */
enum sf_err sf_index_open(const char *dir, bool create, const struct sf_index_opts *opts,
			  struct sf_index **out, struct sf_buf *err) SF_WUR;
/* Releases the index (snapshots held stay valid until released).
 * Uncommitted writes are lost. Accepts NULL. */
void sf_index_close(struct sf_index *ix);

/* The caller's sequence number stored with the last commit (0 for a new index). */
uint64_t sf_index_applied_seq(const struct sf_index *ix);

/* ---- writing (one document at a time) ---- */

/* Starts a document. SF_ERR_INVALID when a document is already open. */
enum sf_err sf_index_begin_doc(struct sf_index *ix, uint64_t docid) SF_WUR;
/* Adds one term occurrence of the open document, positions increasing per field. */
enum sf_err sf_index_add_term(struct sf_index *ix, enum sf_field field, const char *term,
			      size_t len, uint32_t pos) SF_WUR;
/* Adds an attribute, e.g. ("kind", "pdf"), ("acl", "support"); filters match them exactly. */
enum sf_err sf_index_add_attr(struct sf_index *ix, const char *name, const char *value) SF_WUR;
/* Finishes the document (it becomes searchable at the next refresh or commit). */
enum sf_err sf_index_end_doc(struct sf_index *ix) SF_WUR;
/* Deletes a document by id, whether in a segment or pending; deleting an unknown id is SF_OK. */
enum sf_err sf_index_delete(struct sf_index *ix, uint64_t docid) SF_WUR;

/* Makes pending writes visible to snapshots taken afterwards (no disk I/O). */
enum sf_err sf_index_refresh(struct sf_index *ix) SF_WUR;
/* Writes pending documents and deletes to disk and publishes a new MANIFEST with applied_seq.
 * May merge (see opts). Durable when it returns SF_OK. */
enum sf_err sf_index_commit(struct sf_index *ix, uint64_t applied_seq, struct sf_buf *err) SF_WUR;
/* Merges all segments into one (dropping deleted documents), then commits. */
enum sf_err sf_index_optimize(struct sf_index *ix, struct sf_buf *err) SF_WUR;

/* ---- reading ---- */

/* Takes a reference to the current snapshot; never fails; release with sf_snapshot_release. */
struct sf_snapshot *sf_index_snapshot(struct sf_index *ix);
void sf_snapshot_release(struct sf_snapshot *s);

struct sf_index_stats {
	uint64_t docs;          /* live documents */
	uint64_t deleted;       /* deleted but not yet merged away */
	uint64_t terms;         /* distinct terms summed over segments */
	uint64_t segments;
	uint64_t bytes;         /* bytes of segment files (and in-memory segments) */
};
void sf_snapshot_stats(const struct sf_snapshot *s, struct sf_index_stats *st);

/* Number of live documents containing term in any field (summed over segments). */
uint64_t sf_snapshot_df(const struct sf_snapshot *s, const char *term, size_t len);

/*
 * Calls fn for each distinct term of the snapshot whose first byte is first (or all terms when
 * first is 0), with its document frequency; used for typo tolerance and transliteration.
 * Stops when fn returns non-zero.
 */
void sf_snapshot_terms(const struct sf_snapshot *s, unsigned char first,
		       int (*fn)(void *ctx, const char *term, size_t len, uint64_t df), void *ctx);

struct sf_search_opts {
	float k1;                       /* default 1.5 */
	float b[SF_FIELD_COUNT];        /* length normalization per field, default 0.5 */
	float weight[SF_FIELD_COUNT];   /* field weights, default title 3.0, body 1.0 */
	bool exhaustive;                /* true: score every matching document (no pruning);
					   for tests that compare against pruning */
};
void sf_search_opts_default(struct sf_search_opts *o);

struct sf_hit {
	uint64_t docid;
	float score;
};

struct sf_search_stats {
	uint64_t matched;   /* documents scored (with pruning: fewer than match) */
	uint64_t postings;  /* postings decoded */
};

/*
 * Finds the k best live documents for q in snapshot s by BM25F:
 *   tf'(t,d) = sum_f weight_f * tf_f(t,d) / (1 - b_f + b_f * L_f(d) / avglen_f)
 *   score(d) = sum_t qweight_t * idf(t) * tf' * (k1 + 1) / (k1 + tf')
 *   idf(t)   = ln(1 + (N - df + 0.5) / (df + 0.5))
 * where L_f(d) = sf_len_value(sf_len_code(len_f(d))), the field length at 1/16-octave precision
 * (so scoring reads one byte per document and field), with N, df and avglen_f (exact) over the
 * whole snapshot (all segments, live documents counted as
 * stored: deletes do not change statistics until merged). Terms restricted to fields use only
 * those fields in tf'. MUST terms and phrases, MUST_NOT terms and phrases and filters constrain
 * the matching set. Ties are broken by smaller docid. out must hold k hits; *nout gets the count.
 * opts and stats may be NULL. Thread-safe on a snapshot; does not block.
 */
/*
 * Field lengths as scored: exact below 64, above that the top five bits (a 1/16-octave step,
 * rounded down), up to 2^18 - 1. Monotone, so a block's minimum length bounds its documents'.
 */
static inline uint8_t sf_len_code(uint32_t len)
{
	if (len < 64) return (uint8_t)len;
	unsigned e = 31u - (unsigned)__builtin_clz(len); /* 6.. */
	if (e > 17) return 255;
	return (uint8_t)(64u + (e - 6u) * 16u + ((len >> (e - 4u)) & 15u));
}

static inline uint32_t sf_len_value(uint8_t code)
{
	if (code < 64) return code;
	unsigned e = 6u + (unsigned)(code - 64) / 16u, m = (unsigned)(code - 64) % 16u;
	return (16u + m) << (e - 4u);
}

enum sf_err sf_search(const struct sf_snapshot *s, const struct sf_query *q, size_t k,
		      const struct sf_search_opts *opts, struct sf_hit *out, size_t *nout,
		      struct sf_search_stats *stats) SF_WUR;

#endif
