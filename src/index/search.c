/*
 * index/search.c: BM25F top-k search over a snapshot, with exact dynamic pruning.
 *
 * Segments are searched one after another into one heap, so the threshold found in one helps
 * the next (statistics are snapshot-wide, so scores are comparable). Three plans:
 *   - required clauses (MUST terms, words of MUST phrases): leapfrog intersection led by the
 *     rarest list; a candidate is dropped when the sum of its block-max bounds is below the
 *     threshold, before phrases are verified and optional terms are read;
 *   - optional terms only: block-max MaxScore. Lists sorted by their segment-wide bound; the
 *     prefix whose bounds sum below the threshold is non-essential (only probed for documents
 *     found in the essential lists), and a candidate is dropped when its block-max bound or its
 *     partial score plus the remaining bounds falls below the threshold;
 *   - filters only: matching documents in docid order, score 0.
 * Bounds come from per-block max tf and min field length (index_int.h), evaluated with the
 * query's k1, b, weights and the snapshot's average lengths, and are inflated by a relative
 * 1e-9 so floating-point rounding can never make a bound smaller than a true score. Final scores
 * are always summed in query-term order in double precision, so pruned and exhaustive searches
 * give bit-identical scores and the same top-k (ties by smaller docid).
 */
#include <math.h>
#include <stdlib.h>

#include "base/mem.h"
#include "index/index_int.h"
#include "base/banned.h"

#define UB_SLACK (1.0 + 1e-9)

struct qinfo {           /* one scoring term of the query */
	double wi;           /* qweight * idf * (k1 + 1) */
	uint8_t mask;
	uint8_t occur;
	bool core;           /* in the conjunctive seed pass of the current segment */
	const char *term;
	size_t len;
};

struct ctx {
	const struct sf_snapshot *snap;
	const struct sf_query *q;
	double k1, w[2], A[2], B[2];
	struct qinfo *qi;
	size_t nqi;
	/* heap of the k best (worst on top) */
	struct hent { double score; uint64_t ext; } *heap;
	size_t k, nheap;
	uint64_t matched, postings;
	bool corrupt;
};

struct tcur {            /* a term's cursor in one segment */
	struct cursor c;
	int qi;              /* index in ctx.qi, or -1 for a phrase word */
	double ub;           /* segment-wide bound */
	uint32_t ub_bi;
	double ub_blk;
	double contrib;
	uint32_t cdoc;        /* the document contrib belongs to (SEG_NODOC: none) */
	bool present;
};

static bool worse(const struct hent *a, const struct hent *b)
{
	return a->score < b->score || (a->score == b->score && a->ext > b->ext);
}

static double theta(const struct ctx *x)
{
	return x->nheap == x->k ? x->heap[0].score : -INFINITY;
}

static void heap_push(struct ctx *x, double score, uint64_t ext)
{
	struct hent h = { score, ext };
	size_t i;
	if (x->nheap < x->k) {
		i = x->nheap++;
		while (i && worse(&h, &x->heap[(i - 1) / 2])) {
			x->heap[i] = x->heap[(i - 1) / 2];
			i = (i - 1) / 2;
		}
		x->heap[i] = h;
		return;
	}
	if (!worse(&x->heap[0], &h)) return;
	i = 0;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		const struct hent *best = &h;
		if (l < x->nheap && worse(&x->heap[l], best)) {
			m = l;
			best = &x->heap[l];
		}
		if (r < x->nheap && worse(&x->heap[r], best)) m = r;
		if (m == i) break;
		x->heap[i] = x->heap[m];
		i = m;
	}
	x->heap[i] = h;
}

static double term_score(const struct ctx *x, const struct qinfo *t, const uint32_t tf[2],
			 const uint32_t *lens, bool *matched)
{
	double tfp = 0;
	for (int f = 0; f < 2; f++) {
		if (!(t->mask & (1u << f)) || !tf[f]) continue;
		*matched = true;
		tfp += x->w[f] * tf[f] / (x->A[f] + x->B[f] * lens[f]);
	}
	if (tfp <= 0) return 0;
	return t->wi * tfp / (x->k1 + tfp);
}

static double bound_of(const struct ctx *x, const struct qinfo *t, const struct seg_block *b)
{
	double tfp = 0;
	for (int f = 0; f < 2; f++) {
		if (!(t->mask & (1u << f)) || !b->maxtf[f]) continue;
		double den = x->A[f] + x->B[f] * b->minlen[f];
		if (den <= 0 || x->w[f] < 0) return t->wi * UB_SLACK;
		tfp += x->w[f] * b->maxtf[f] / den;
	}
	if (tfp <= 0) return 0;
	return t->wi * tfp / (x->k1 + tfp) * UB_SLACK;
}

static double block_ub(const struct ctx *x, struct tcur *t)
{
	if (t->ub_bi != t->c.bi) {
		t->ub_bi = t->c.bi;
		t->ub_blk = bound_of(x, &x->qi[t->qi], &t->c.blocks[t->c.bi]);
	}
	return t->ub_blk;
}

static void tcur_open(const struct ctx *x, struct tcur *t, const struct seg *s, const char *term,
		      size_t len, int qi)
{
	int64_t ti = seg_find(s, term, len);
	t->qi = qi;
	t->present = ti >= 0 && !(s->dict[ti].flags & SEG_TERM_ATTR);
	t->ub = 0;
	t->ub_bi = UINT32_MAX;
	t->cdoc = SEG_NODOC;
	if (!t->present) return;
	cursor_init(&t->c, s, (uint64_t)ti);
	if (qi >= 0) {
		double m = 0;
		for (uint32_t b = 0; b < t->c.nblocks; b++) {
			double u = bound_of(x, &x->qi[qi], &t->c.blocks[b]);
			if (u > m) m = u;
		}
		t->ub = m;
	}
}

/* ---- phrase verification ---- */

struct pscratch {
	uint32_t *pos[SF_QUERY_MAX_TERMS];
	size_t cap[SF_QUERY_MAX_TERMS];
	int64_t n[SF_QUERY_MAX_TERMS];
};

/* cur[j] are the phrase's word cursors; all must be on doc d. */
static bool phrase_match(struct ctx *x, const struct sf_qphrase *ph, struct tcur *cur, uint32_t d,
			 struct pscratch *ps)
{
	size_t n = ph->nterms < SF_QUERY_MAX_TERMS ? ph->nterms : SF_QUERY_MAX_TERMS;
	for (size_t j = 0; j < n; j++)
		if (!cur[j].present || cursor_seek(&cur[j].c, d) != d) return false;
	for (int f = 0; f < 2; f++) {
		if (!(ph->fields & (1u << f))) continue;
		bool ok = true;
		for (size_t j = 0; j < n && ok; j++) {
			uint32_t tf[2];
			cursor_tf(&cur[j].c, tf);
			if (!tf[f]) {
				ok = false;
				break;
			}
			if (tf[f] > ps->cap[j]) {
				ps->pos[j] = sf_xreallocarray(ps->pos[j], tf[f], 4);
				ps->cap[j] = tf[f];
			}
			ps->n[j] = cursor_positions(&cur[j].c, f, ps->pos[j], ps->cap[j]);
			if (ps->n[j] <= 0) {
				if (ps->n[j] < 0) x->corrupt = true;
				ok = false;
			}
		}
		if (!ok) continue;
		size_t idx[SF_QUERY_MAX_TERMS] = { 0 };
		for (int64_t a = 0; a < ps->n[0]; a++) {
			uint64_t p0 = ps->pos[0][a];
			bool all = true;
			for (size_t j = 1; j < n && all; j++) {
				uint64_t want = p0 + ph->rel_pos[j];
				while ((int64_t)idx[j] < ps->n[j] && ps->pos[j][idx[j]] < want) idx[j]++;
				all = (int64_t)idx[j] < ps->n[j] && ps->pos[j][idx[j]] == want;
			}
			if (all) return true;
		}
	}
	return false;
}

/* ---- per segment ---- */

struct segq {
	const struct seg *s;
	const uint64_t *del;
	uint64_t *fbits;          /* NULL: no filter */
	struct tcur *terms;       /* one per ctx.qi */
	struct tcur **phr;        /* per phrase, its word cursors */
	struct pscratch ps;
};

static bool excluded(struct ctx *x, struct segq *g, uint32_t d)
{
	for (size_t i = 0; i < x->nqi; i++) {
		struct tcur *t = &g->terms[i];
		if (x->qi[i].occur != SF_MUST_NOT || !t->present) continue;
		if (cursor_seek(&t->c, d) != d) continue;
		uint32_t tf[2];
		cursor_tf(&t->c, tf);
		if (((x->qi[i].mask & 1) && tf[0]) || ((x->qi[i].mask & 2) && tf[1])) return true;
	}
	for (size_t p = 0; p < x->q->nphrases; p++) {
		const struct sf_qphrase *ph = &x->q->phrases[p];
		bool m = phrase_match(x, ph, g->phr[p], d, &g->ps);
		if (ph->occur == SF_MUST_NOT && m) return true;
		if (ph->occur != SF_MUST_NOT && !m) return true;
	}
	return false;
}

static bool admissible(const struct segq *g, uint32_t d)
{
	if (g->del && bit_get(g->del, d)) return false;
	if (g->fbits && !bit_get(g->fbits, d)) return false;
	return true;
}

/* Scores d given that each cursor in terms[] with contrib computed has been probed; sums in
 * query order. */
static void emit(struct ctx *x, struct segq *g, uint32_t d)
{
	double s = 0;
	for (size_t i = 0; i < x->nqi; i++)
		if (x->qi[i].occur != SF_MUST_NOT && g->terms[i].present && g->terms[i].cdoc == d)
			s += g->terms[i].contrib;
	x->matched++;
	heap_push(x, s, g->s->extids[d]);
}

static void probe(struct ctx *x, struct segq *g, size_t i, uint32_t d, bool *matched)
{
	struct tcur *t = &g->terms[i];
	t->contrib = 0;
	t->cdoc = d;
	if (!t->present || cursor_seek(&t->c, d) != d) return;
	uint32_t tf[2];
	cursor_tf(&t->c, tf);
	t->contrib = term_score(x, &x->qi[i], tf, &g->s->lens[2 * (size_t)d], matched);
}

/*
 * The first docid >= d present in every list of v (leapfrog, each list sought in turn, led by
 * v[lead]), or SEG_NODOC. Cursors end on the returned docid.
 */
static uint32_t next_common(struct tcur *const *v, size_t n, size_t lead, uint32_t d)
{
	d = cursor_seek(&v[lead]->c, d);
	while (d != SEG_NODOC) {
		size_t r = 0;
		for (; r < n; r++) {
			uint32_t y = cursor_seek(&v[r]->c, d);
			if (y != d) {
				d = y;
				break;
			}
		}
		if (r == n) return d;
	}
	return SEG_NODOC;
}

static uint32_t after(uint32_t d)
{
	return d >= UINT32_MAX - 1 ? SEG_NODOC : d + 1;
}

static void plan_required(struct ctx *x, struct segq *g, bool exhaustive)
{
	struct tcur *req[SF_QUERY_MAX_TERMS * 2 + 8];
	size_t nreq = 0;
	for (size_t i = 0; i < x->nqi; i++) {
		if (x->qi[i].occur != SF_MUST) continue;
		if (!g->terms[i].present) return;
		if (nreq < sizeof req / sizeof req[0]) req[nreq++] = &g->terms[i];
	}
	for (size_t p = 0; p < x->q->nphrases; p++) {
		const struct sf_qphrase *ph = &x->q->phrases[p];
		if (ph->occur == SF_MUST_NOT) continue;
		for (size_t j = 0; j < ph->nterms && j < SF_QUERY_MAX_TERMS; j++) {
			if (!g->phr[p][j].present) return;
			if (nreq < sizeof req / sizeof req[0]) req[nreq++] = &g->phr[p][j];
		}
	}
	if (!nreq) return;
	size_t lead = 0;
	for (size_t r = 1; r < nreq; r++)
		if (req[r]->c.df < req[lead]->c.df) lead = r;
	for (uint32_t d = next_common(req, nreq, lead, 0); d != SEG_NODOC;
	     d = next_common(req, nreq, lead, after(d))) {
		if (!admissible(g, d)) goto next;
		/* required terms must occur in their fields */
		bool okm = true;
		for (size_t i = 0; i < x->nqi && okm; i++) {
			if (x->qi[i].occur != SF_MUST) continue;
			bool m = false;
			probe(x, g, i, d, &m);
			okm = m;
		}
		if (!okm) goto next;
		if (!exhaustive && x->nheap == x->k) {
			double th = theta(x), ub = 0;
			for (size_t i = 0; i < x->nqi; i++) {
				struct tcur *t = &g->terms[i];
				if (!t->present) continue;
				if (x->qi[i].occur == SF_MUST)
					ub += t->contrib * UB_SLACK;
				else if (x->qi[i].occur == SF_SHOULD && cursor_shallow(&t->c, d))
					ub += block_ub(x, t);
			}
			if (ub < th) goto next;
		}
		if (excluded(x, g, d)) goto next;
		for (size_t i = 0; i < x->nqi; i++) {
			bool m = false;
			if (x->qi[i].occur == SF_SHOULD) probe(x, g, i, d, &m);
		}
		emit(x, g, d);
	next:;
	}
}

static int cmp_ub(const void *a, const void *b)
{
	const struct tcur *x = *(struct tcur *const *)a, *y = *(struct tcur *const *)b;
	return x->ub < y->ub ? -1 : x->ub > y->ub;
}

/*
 * Seeds the heap before MaxScore: the documents that contain every optional term tend to score
 * highest, and an intersection led by the rarest list finds them cheaply. They are scored in
 * full and pushed, so the threshold MaxScore starts from is a real k-th score, and much more of
 * the union can be skipped. plan_should then skips documents that match every core term (they
 * were all considered here), so nothing is counted twice and the top-k stays exact.
 * Returns the number of core terms (0: no seeding).
 */
static size_t seed_conjunctive(struct ctx *x, struct segq *g)
{
	struct tcur *core[SF_QUERY_MAX_TERMS * 2 + 8];
	size_t n = 0;
	for (size_t i = 0; i < x->nqi; i++) x->qi[i].core = false;
	for (size_t i = 0; i < x->nqi; i++) {
		if (x->qi[i].occur != SF_SHOULD || !g->terms[i].present) continue;
		if (n == sizeof core / sizeof core[0]) return 0;
		core[n++] = &g->terms[i];
	}
	if (n < 2) return 0;
	size_t lead = 0;
	for (size_t r = 1; r < n; r++)
		if (core[r]->c.df < core[lead]->c.df) lead = r;
	for (size_t r = 0; r < n; r++) x->qi[core[r]->qi].core = true;
	for (uint32_t d = next_common(core, n, lead, 0); d != SEG_NODOC; d = next_common(core, n, lead, after(d))) {
		if (!admissible(g, d)) goto next;
		if (x->nheap == x->k) {
			double th = theta(x), ub = 0;
			for (size_t r = 0; r < n; r++) ub += block_ub(x, core[r]);
			if (ub < th) goto next;
		}
		bool matched = false;
		for (size_t i = 0; i < x->nqi; i++) {
			g->terms[i].contrib = 0;
			if (x->qi[i].occur == SF_SHOULD) probe(x, g, i, d, &matched);
		}
		/* A term restricted to a field it does not occur in contributes nothing: still
		 * "matched" by its list, so plan_should will skip d; score it here as it is. */
		if (matched && !excluded(x, g, d)) emit(x, g, d);
	next:;
	}
	return n;
}

static void plan_should(struct ctx *x, struct segq *g, bool exhaustive, size_t ncore)
{
	struct tcur *c[SF_QUERY_MAX_TERMS * 2 + 8];
	double pre[SF_QUERY_MAX_TERMS * 2 + 9];
	size_t n = 0;
	for (size_t i = 0; i < x->nqi; i++) {
		struct tcur *t = &g->terms[i];
		if (x->qi[i].occur == SF_SHOULD && t->present && n < SF_QUERY_MAX_TERMS * 2 + 8) c[n++] = t;
	}
	if (!n) return;
	qsort(c, n, sizeof c[0], cmp_ub);
	pre[0] = 0;
	for (size_t i = 0; i < n; i++) pre[i + 1] = pre[i] + c[i]->ub;
	size_t e = 0;
	double last_th = -INFINITY;
	for (;;) {
		double th = exhaustive ? -INFINITY : theta(x);
		if (th != last_th) {
			last_th = th;
			while (e < n && pre[e + 1] < th) e++;
			if (e == n) return;
		}
		uint32_t d = SEG_NODOC;
		for (size_t i = e; i < n; i++)
			if (c[i]->c.doc < d) d = c[i]->c.doc;
		if (d == SEG_NODOC) return;
		if (!admissible(g, d)) goto next;
		if (th > -INFINITY) {
			double ub = 0;
			for (size_t i = e; i < n; i++)
				if (c[i]->c.doc == d) ub += block_ub(x, c[i]);
			/* cheap first: the non-essential lists' segment-wide bounds */
			if (ub + pre[e] < th) goto next;
			for (size_t i = 0; i < e; i++)
				if (cursor_shallow(&c[i]->c, d)) ub += block_ub(x, c[i]);
			if (ub < th) {
				/* Block-max skip: every doc in [d, m] (m: the first block end among all
				 * lists) is bounded by the sum of the current blocks' maxima. */
				uint32_t m = UINT32_MAX - 1;
				double ubr = 0;
				for (size_t i = 0; i < n; i++) {
					if (!cursor_shallow(&c[i]->c, d)) continue;
					ubr += block_ub(x, c[i]);
					uint32_t last = c[i]->c.blocks[c[i]->c.bi].last;
					if (last < m) m = last;
				}
				if (ubr < th && m > d) {
					for (size_t i = e; i < n; i++)
						if (c[i]->c.doc <= m) cursor_seek(&c[i]->c, m + 1);
					continue;
				}
				goto next;
			}
		}
		bool matched = false;
		double s = 0;
		for (size_t i = e; i < n; i++) {
			if (c[i]->c.doc != d) continue;
			uint32_t tf[2];
			cursor_tf(&c[i]->c, tf);
			c[i]->contrib = term_score(x, &x->qi[c[i]->qi], tf, &g->s->lens[2 * (size_t)d],
						   &matched);
			c[i]->cdoc = d;
			s += c[i]->contrib;
		}
		bool pruned = false;
		for (size_t i = e; i-- > 0;) {
			if (s * UB_SLACK + pre[i + 1] < th) {
				pruned = true;
				break;
			}
			if (cursor_seek(&c[i]->c, d) != d) continue;
			uint32_t tf[2];
			cursor_tf(&c[i]->c, tf);
			c[i]->contrib = term_score(x, &x->qi[c[i]->qi], tf, &g->s->lens[2 * (size_t)d],
						   &matched);
			c[i]->cdoc = d;
			s += c[i]->contrib;
		}
		if (pruned || !matched) goto next;
		if (ncore) {
			/* every core list has d: the seed pass considered it already */
			size_t hits = 0;
			for (size_t i = 0; i < n; i++)
				if (x->qi[c[i]->qi].core && c[i]->c.doc == d) hits++;
			if (hits == ncore) goto next;
		}
		if (excluded(x, g, d)) goto next;
		emit(x, g, d);
	next:
		for (size_t i = e; i < n; i++)
			if (c[i]->c.doc == d) cursor_next(&c[i]->c);
	}
}

static void plan_filters(struct ctx *x, struct segq *g)
{
	uint32_t nd = g->s->ndocs;
	for (uint32_t w = 0; w < (nd + 63) / 64; w++) {
		uint64_t bits = g->fbits[w];
		if (g->del) bits &= ~g->del[w];
		while (bits) {
			uint32_t d = w * 64 + (uint32_t)__builtin_ctzll(bits);
			bits &= bits - 1;
			if (x->nqi || x->q->nphrases) {
				if (excluded(x, g, d)) continue;
			}
			x->matched++;
			heap_push(x, 0, g->s->extids[d]);
		}
	}
}

static void attr_key(struct sf_buf *b, const char *name, const char *value)
{
	sf_buf_reset(b);
	if (sf_buf_addch(b, SEG_ATTR_PREFIX) != SF_OK || sf_buf_adds(b, name) != SF_OK ||
	    sf_buf_addch(b, SEG_ATTR_SEP) != SF_OK || sf_buf_adds(b, value) != SF_OK)
		sf_buf_reset(b);
}

/* Builds the filter bitmap of a segment (AND over filters of OR over values). */
static uint64_t *filter_bits(struct ctx *x, const struct seg *s)
{
	size_t words = (s->ndocs + 63) / 64 + 1;
	uint64_t *acc = NULL, *one = sf_xcalloc(words, 8);
	struct sf_buf key = SF_BUF_INIT;
	struct cursor *c = sf_xmalloc(sizeof *c);
	for (size_t f = 0; f < x->q->nfilters; f++) {
		const struct sf_qfilter *qf = &x->q->filters[f];
		memset(one, 0, words * 8);
		for (size_t v = 0; v < qf->nvalues; v++) {
			attr_key(&key, qf->name, qf->values[v]);
			int64_t ti = seg_find(s, key.ptr, key.len);
			if (ti < 0 || !(s->dict[ti].flags & SEG_TERM_ATTR)) continue;
			cursor_init(c, s, (uint64_t)ti);
			for (uint32_t d = c->doc; d != SEG_NODOC; d = cursor_next(c)) bit_set(one, d);
			if (c->corrupt) x->corrupt = true;
			x->postings += c->decoded;
		}
		if (!acc) {
			acc = one;
			one = sf_xcalloc(words, 8);
		} else {
			for (size_t w = 0; w < words; w++) acc[w] &= one[w];
		}
	}
	free(one);
	free(c);
	sf_buf_release(&key);
	return acc;
}

enum sf_err sf_search(const struct sf_snapshot *s, const struct sf_query *q, size_t k,
		      const struct sf_search_opts *opts, struct sf_hit *out, size_t *nout,
		      struct sf_search_stats *stats)
{
	struct sf_search_opts def;
	if (!opts) {
		sf_search_opts_default(&def);
		opts = &def;
	}
	*nout = 0;
	if (stats) memset(stats, 0, sizeof *stats);
	if (q->nterms > SF_QUERY_MAX_TERMS * 8 || q->nphrases > SF_QUERY_MAX_TERMS) return SF_ERR_LIMIT;
	for (size_t p = 0; p < q->nphrases; p++)
		if (q->phrases[p].nterms > SF_QUERY_MAX_TERMS || q->phrases[p].nterms == 0)
			return SF_ERR_INVALID;
	if (k == 0) return SF_OK;
	struct ctx x;
	memset(&x, 0, sizeof x);
	x.snap = s;
	x.q = q;
	x.k = k;
	x.k1 = opts->k1;
	for (int f = 0; f < 2; f++) {
		x.w[f] = opts->weight[f];
		x.A[f] = 1.0 - opts->b[f];
		x.B[f] = s->avglen[f] > 0 ? opts->b[f] / s->avglen[f] : 0;
	}
	bool has_req = false, has_should = false;
	x.nqi = q->nterms;
	x.qi = sf_xcalloc(x.nqi ? x.nqi : 1, sizeof *x.qi);
	for (size_t i = 0; i < q->nterms; i++) {
		const struct sf_qterm *t = &q->terms[i];
		struct qinfo *qi = &x.qi[i];
		qi->term = t->term;
		qi->len = t->len;
		qi->mask = t->fields & SF_FIELDS_ALL;
		qi->occur = t->occur;
		if (t->occur == SF_MUST) has_req = true;
		if (t->occur == SF_SHOULD) has_should = true;
		uint64_t df = 0;
		for (size_t j = 0; j < s->nseg; j++) {
			int64_t ti = seg_find(s->segs[j].seg, t->term, t->len);
			if (ti >= 0) df += s->segs[j].seg->dict[ti].df;
		}
		double N = (double)s->ndocs;
		double idf = log(1.0 + (N - (double)df + 0.5) / ((double)df + 0.5));
		double w = t->weight > 0 ? t->weight : 0;
		qi->wi = w * idf * (x.k1 + 1.0);
	}
	for (size_t p = 0; p < q->nphrases; p++)
		if (q->phrases[p].occur != SF_MUST_NOT) has_req = true;
	enum { PLAN_NONE, PLAN_REQ, PLAN_SHOULD, PLAN_FILTER } plan = PLAN_NONE;
	if (has_req)
		plan = PLAN_REQ;
	else if (has_should)
		plan = PLAN_SHOULD;
	else if (q->nfilters)
		plan = PLAN_FILTER;
	if (plan == PLAN_NONE) {
		free(x.qi);
		return SF_OK;
	}
	x.heap = sf_xreallocarray(NULL, k, sizeof *x.heap);
	struct segq g;
	memset(&g, 0, sizeof g);
	g.terms = sf_xcalloc(x.nqi ? x.nqi : 1, sizeof *g.terms);
	g.phr = sf_xcalloc(q->nphrases ? q->nphrases : 1, sizeof *g.phr);
	for (size_t p = 0; p < q->nphrases; p++) g.phr[p] = sf_xcalloc(q->phrases[p].nterms, sizeof(struct tcur));
	for (size_t j = 0; j < s->nseg; j++) {
		const struct seg *sg = s->segs[j].seg;
		if (!sg->ndocs) continue;
		g.s = sg;
		g.del = s->segs[j].del ? s->segs[j].del->bits : NULL;
		g.fbits = q->nfilters ? filter_bits(&x, sg) : NULL;
		for (size_t i = 0; i < x.nqi; i++)
			tcur_open(&x, &g.terms[i], sg, q->terms[i].term, q->terms[i].len, (int)i);
		for (size_t p = 0; p < q->nphrases; p++)
			for (size_t t = 0; t < q->phrases[p].nterms; t++)
				tcur_open(&x, &g.phr[p][t], sg, q->phrases[p].terms[t], q->phrases[p].lens[t], -1);
		if (plan == PLAN_REQ)
			plan_required(&x, &g, opts->exhaustive);
		else if (plan == PLAN_SHOULD) {
			size_t ncore = opts->exhaustive || getenv("SF_NO_SEED") ? 0 : seed_conjunctive(&x, &g);
			if (ncore) { /* the seed pass moved the cursors: start them all again */
				for (size_t i = 0; i < x.nqi; i++)
					tcur_open(&x, &g.terms[i], sg, q->terms[i].term, q->terms[i].len, (int)i);
				for (size_t p = 0; p < q->nphrases; p++)
					for (size_t t = 0; t < q->phrases[p].nterms; t++)
						tcur_open(&x, &g.phr[p][t], sg, q->phrases[p].terms[t],
							  q->phrases[p].lens[t], -1);
			}
			plan_should(&x, &g, opts->exhaustive, ncore);
		}
		else
			plan_filters(&x, &g);
		for (size_t i = 0; i < x.nqi; i++) {
			if (!g.terms[i].present) continue;
			x.postings += g.terms[i].c.decoded;
			if (g.terms[i].c.corrupt) x.corrupt = true;
		}
		for (size_t p = 0; p < q->nphrases; p++)
			for (size_t t = 0; t < q->phrases[p].nterms; t++) {
				if (!g.phr[p][t].present) continue;
				x.postings += g.phr[p][t].c.decoded;
				if (g.phr[p][t].c.corrupt) x.corrupt = true;
			}
		free(g.fbits);
		g.fbits = NULL;
	}
	/* heap -> sorted output */
	size_t n = x.nheap;
	while (x.nheap) {
		struct hent top = x.heap[0];
		struct hent last = x.heap[--x.nheap];
		/* sift last down from the root */
		size_t i = 0;
		for (;;) {
			size_t l = 2 * i + 1, r = l + 1, m = i;
			const struct hent *best = &last;
			if (l < x.nheap && worse(&x.heap[l], best)) {
				m = l;
				best = &x.heap[l];
			}
			if (r < x.nheap && worse(&x.heap[r], best)) m = r;
			if (m == i) break;
			x.heap[i] = x.heap[m];
			i = m;
		}
		if (x.nheap) x.heap[i] = last;
		out[x.nheap].docid = top.ext;
		out[x.nheap].score = (float)top.score;
	}
	*nout = n;
	if (stats) {
		stats->matched = x.matched;
		stats->postings = x.postings;
	}
	for (size_t p = 0; p < q->nphrases; p++) free(g.phr[p]);
	for (size_t j = 0; j < SF_QUERY_MAX_TERMS; j++) free(g.ps.pos[j]);
	free(g.phr);
	free(g.terms);
	free(x.heap);
	free(x.qi);
	return x.corrupt ? SF_ERR_CORRUPT : SF_OK;
}

void sf_search_opts_default(struct sf_search_opts *o)
{
	/* Chosen on xquad ru/en, stackfaq and the tuning half of tests/data/support_ru together
	 * (docs/SEARCH.md): short support passages want gentle length normalization, and FAQ-like
	 * titles (questions, article names) carry much of the meaning. */
	o->k1 = 1.5f;
	o->b[SF_FIELD_TITLE] = 0.5f;
	o->b[SF_FIELD_BODY] = 0.5f;
	o->weight[SF_FIELD_TITLE] = 3.0f;
	o->weight[SF_FIELD_BODY] = 1.0f;
	o->exhaustive = false;
}
