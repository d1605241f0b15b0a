/*
 * index/search.c: BM25F top-k search over a snapshot, with exact dynamic pruning.
 *
 * Segments are searched one after another into one heap, so the threshold found in one helps
 * the next (statistics are snapshot-wide, so scores are comparable). Three plans:
 *   - required clauses (MUST terms, words of MUST phrases): leapfrog intersection led by the
 *     rarest list; a candidate is dropped when the sum of its block-max bounds is below the
 *     threshold, before phrases are verified and optional terms are read;
 *   - optional terms only: windowed MaxScore (see plan_should). Lists sorted by their
 *     segment-wide bound; the prefix whose bounds sum below the threshold is non-essential:
 *     read only for documents found in the essential lists whose partial score plus the
 *     remaining bounds can still reach the threshold;
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

#define SAT_TF 8 /* body tfs below this are scored from ctx.sat */

struct qinfo {           /* one scoring term of the query */
	double wi;           /* qweight * idf * (k1 + 1) */
	uint8_t mask;
	uint8_t occur;
	const char *term;
	size_t len;
};

struct ctx {
	const struct sf_snapshot *snap;
	const struct sf_query *q;
	double k1, w[2], A[2], B[2];
	double nt[2][256];   /* w_f / (A_f + B_f * sf_len_value(code)): a length code's weight */
	double sat[SAT_TF][256]; /* y / (k1 + y), y = tf * nt[body][code]: body-only postings */
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

static inline double term_score(const struct ctx *x, const struct qinfo *t, const uint32_t tf[2],
			 const uint8_t *norms, bool *matched)
{
	/* the common case, a body-only posting with a small tf, from the table: the same value
	 * as the general path below */
	if ((!tf[0] || !(t->mask & 1)) && tf[1] && tf[1] < SAT_TF && (t->mask & 2)) {
		*matched = true;
		return t->wi * x->sat[tf[1]][norms[1]];
	}
	double tfp = 0;
	for (int f = 0; f < 2; f++) {
		if (!(t->mask & (1u << f)) || !tf[f]) continue;
		*matched = true;
		tfp += tf[f] * x->nt[f][norms[f]];
	}
	if (tfp <= 0) return 0;
	return t->wi * (tfp / (x->k1 + tfp));
}

static double bound_of(const struct ctx *x, const struct qinfo *t, const struct seg_block *b)
{
	double tfp = 0;
	for (int f = 0; f < 2; f++) {
		if (!(t->mask & (1u << f)) || !b->maxtf[f]) continue;
		uint8_t code = sf_len_code(b->minlen[f]);
		double den = x->A[f] + x->B[f] * sf_len_value(code);
		if (den <= 0 || x->w[f] < 0 || x->B[f] < 0) return t->wi * UB_SLACK;
		tfp += b->maxtf[f] * x->nt[f][code];
	}
	if (tfp <= 0) return 0;
	return t->wi * (tfp / (x->k1 + tfp)) * UB_SLACK;
}

static inline double block_ub(const struct ctx *x, struct tcur *t)
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
	struct win *win;          /* windowed MaxScore scratch */
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
	if (s < theta(x)) return; /* cannot enter: spare the external id's cache miss */
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
	t->contrib = term_score(x, &x->qi[i], tf, &g->s->norms[2 * (size_t)d], matched);
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
 * Windowed MaxScore (the plan for optional terms). Documents are taken in windows of WIN
 * docids, and each window in four steps:
 *   1. the essential lists are read term at a time, a decoded block at a time: every posting's
 *      score is kept per list and added to its document's sum (no per-document merging of
 *      cursors, no data-dependent branches);
 *   2. documents whose sum plus the non-essential bounds cannot reach the threshold are
 *      dropped (and deleted or filtered-out ones, a word of the bitmaps at a time);
 *   3. the non-essential lists, highest bound first, add their scores to the candidates left,
 *      which are pruned again before each list with the bounds of the lists still unread; a
 *      list with few candidates is sought document by document, else its postings in the
 *      window are walked against the candidate bitmap;
 *   4. the survivors are scored in query order (the per-list scores summed in query order,
 *      so the score equals the exhaustive one bit for bit) and pushed.
 * The essential set is chosen again at each window start from the threshold reached so far.
 * Like Lucene's MaxScoreBulkScorer; measured in docs/SEARCH.md.
 */
#define WIN 1024
#define WORDS (WIN / 64)

struct win {
	double acc[WIN];          /* score so far per document (kept all zero between windows) */
	uint64_t mt[WORDS];       /* a term matched in its fields */
	uint64_t live[WORDS];     /* candidates still in the running */
	uint16_t cand[WIN];       /* their offsets, in docid order */
	uint64_t *pres;           /* [list][WORDS]: the list has the document */
	double *cb;               /* [list][WIN]: the list's score for the document */
	size_t cap;               /* lists pres and cb have room for */
};

static void win_reserve(struct win *w, size_t n)
{
	if (n <= w->cap) return;
	w->pres = sf_xreallocarray(w->pres, n, sizeof(uint64_t) * WORDS);
	w->cb = sf_xreallocarray(w->cb, n, sizeof(double) * WIN);
	w->cap = n;
}

/*
 * Scores list li's postings below hi into the window (only the live documents' when live is
 * given), a decoded block at a time; the cursor ends on its first posting >= hi.
 */
static inline void win_list(const struct ctx *x, struct win *w, size_t li, struct tcur *t,
			    const uint8_t *norms, uint32_t lo, uint32_t hi, const uint64_t *live)
{
	struct cursor *cu = &t->c;
	const struct qinfo *q = &x->qi[t->qi];
	uint64_t *pres = w->pres + li * WORDS;
	double *cb = w->cb + li * WIN;
	while (cu->doc < hi) {
		if (!cursor_load(cu)) return;
		uint32_t i = cu->i, nn = cu->n;
		const uint32_t *db = cu->docbuf, *t0 = cu->tfbuf[0], *t1 = cu->tfbuf[1];
		for (; i < nn && db[i] < hi; i++) {
			uint32_t o = db[i] - lo;
			if (live && !(live[o / 64] >> (o % 64) & 1)) continue;
			uint32_t tf[2] = { t0[i], t1[i] };
			bool m = false;
			double sc = term_score(x, q, tf, &norms[2 * (size_t)db[i]], &m);
			pres[o / 64] |= 1ull << (o % 64);
			w->mt[o / 64] |= (uint64_t)m << (o % 64);
			cb[o] = sc;
			w->acc[o] += sc;
		}
		if (i < nn) {
			cu->i = i;
			cu->doc = db[i];
			return;
		}
		cu->i = nn - 1;
		cu->doc = db[nn - 1];
		cursor_next(cu);
	}
}

/* Scores list li's posting at d (its cursor is on it) into the window. */
static inline void win_add(const struct ctx *x, struct win *w, size_t li, struct tcur *t,
			   const uint8_t *norms, uint32_t d, uint32_t o)
{
	uint32_t tf[2];
	bool m = false;
	cursor_tf(&t->c, tf);
	double sc = term_score(x, &x->qi[t->qi], tf, &norms[2 * (size_t)d], &m);
	w->pres[li * WORDS + o / 64] |= 1ull << (o % 64);
	w->mt[o / 64] |= (uint64_t)m << (o % 64);
	w->cb[li * WIN + o] = sc;
	w->acc[o] += sc;
}

static void plan_should(struct ctx *x, struct segq *g, bool exhaustive)
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
	struct win *w = g->win;
	win_reserve(w, n);
	const uint8_t *norms = g->s->norms;
	double ndocs = g->s->ndocs ? (double)g->s->ndocs : 1;
	size_t e = 0;
	for (;;) {
		double th = exhaustive ? -INFINITY : theta(x);
		while (e < n && pre[e + 1] < th) e++;
		if (e == n) return;
		uint32_t mind = SEG_NODOC;
		for (size_t i = e; i < n; i++)
			if (c[i]->c.doc < mind) mind = c[i]->c.doc;
		if (mind == SEG_NODOC) return;
		uint32_t lo = mind - mind % WIN;
		uint32_t hi = lo > UINT32_MAX - WIN ? UINT32_MAX : lo + WIN;
		memset(w->pres, 0, sizeof(uint64_t) * WORDS * n);
		/* the next window's lengths, while this one is scored */
		if ((uint64_t)hi + WIN <= g->s->ndocs)
			for (uint32_t k = 0; k < 2 * WIN; k += 64) __builtin_prefetch(&norms[2 * (size_t)hi + k]);
		/* 1. essential lists, term at a time */
		for (size_t i = e; i < n; i++) win_list(x, w, i, c[i], norms, lo, hi, NULL);
		/* 2. candidates: admissible documents that the other lists' bounds can still lift */
		size_t nc = 0;
		for (uint32_t wd = 0; wd < WORDS; wd++) {
			uint64_t bits = 0;
			for (size_t i = e; i < n; i++) bits |= w->pres[i * WORDS + wd];
			w->live[wd] = 0;
			if (!bits) continue;
			/* deleted or filtered out: never candidates (lo is a multiple of 64) */
			uint64_t ok = ~0ull;
			if (g->del) ok &= ~g->del[lo / 64 + wd];
			if (g->fbits) ok &= g->fbits[lo / 64 + wd];
			for (uint64_t drop = bits & ~ok; drop; drop &= drop - 1)
				w->acc[wd * 64 + (uint32_t)__builtin_ctzll(drop)] = 0;
			bits &= ok;
			while (bits) {
				uint32_t o = wd * 64 + (uint32_t)__builtin_ctzll(bits);
				bits &= bits - 1;
				if (w->acc[o] * UB_SLACK + pre[e] < th) {
					w->acc[o] = 0;
					continue;
				}
				w->live[wd] |= 1ull << (o % 64);
				w->cand[nc++] = (uint16_t)o;
			}
		}
		/* 3. non-essential lists, highest bound first, for the candidates left */
		for (size_t i = e; i-- > 0 && nc;) {
			size_t k = 0;
			for (size_t j = 0; j < nc; j++) {
				uint32_t o = w->cand[j];
				if (w->acc[o] * UB_SLACK + pre[i + 1] < th) {
					w->acc[o] = 0;
					w->live[o / 64] &= ~(1ull << (o % 64));
					continue;
				}
				w->cand[k++] = (uint16_t)o;
			}
			nc = k;
			if (!nc) break;
			struct tcur *t = c[i];
			/* few candidates: seek each; many: walk the window's postings */
			double expect = (double)t->c.df * WIN / ndocs;
			if ((double)nc * 8 < expect) {
				for (size_t j = 0; j < nc; j++) {
					uint32_t d = lo + w->cand[j];
					if (cursor_seek(&t->c, d) == d) win_add(x, w, i, t, norms, d, w->cand[j]);
				}
			} else {
				if (cursor_seek(&t->c, lo + w->cand[0]) < hi)
					win_list(x, w, i, t, norms, lo, hi, w->live);
			}
		}
		/* 4. the survivors, in docid order: scored in query order and pushed */
		for (size_t j = 0; j < nc; j++) {
			uint32_t o = w->cand[j], d = lo + o;
			w->acc[o] = 0;
			if (!(w->mt[o / 64] >> (o % 64) & 1)) continue;
			for (size_t i = 0; i < n; i++) {
				if (!(w->pres[i * WORDS + o / 64] >> (o % 64) & 1)) continue;
				c[i]->contrib = w->cb[i * WIN + o];
				c[i]->cdoc = d;
			}
			if (excluded(x, g, d)) continue;
			emit(x, g, d);
		}
		memset(w->mt, 0, sizeof w->mt);
		if (hi == UINT32_MAX) return;
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
		for (unsigned c = 0; c < 256; c++)
			x.nt[f][c] = x.w[f] / (x.A[f] + x.B[f] * sf_len_value((uint8_t)c));
	}
	for (unsigned tf = 0; tf < SAT_TF; tf++)
		for (unsigned c = 0; c < 256; c++) {
			double y = 0.0 + tf * x.nt[1][c];
			x.sat[tf][c] = y > 0 ? y / (x.k1 + y) : 0;
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
	g.win = sf_xcalloc(1, sizeof *g.win);
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
		else if (plan == PLAN_SHOULD)
			plan_should(&x, &g, opts->exhaustive);
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
	free(g.win->pres);
	free(g.win->cb);
	free(g.win);
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
