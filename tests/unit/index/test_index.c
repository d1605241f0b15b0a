/*
 * tests/unit/index/test_index.c: the inverted index against a brute-force BM25F model (random
 * documents and queries, several segments, deletes, merges, reopen), pruning against exhaustive
 * scoring, invariants of add/delete/commit, corruption detection, snapshot isolation, and a
 * hostile-segment loop for the reader.
 */
#include "testutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/mem.h"
#include "index/index.h"
#include "index/index_int.h"
#include "index/query.h"

/* ---- helpers ---- */

static uint64_t rng_state = 88172645463325252ull;
static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}
static uint32_t rndn(uint32_t n)
{
	return (uint32_t)(rnd() % n);
}

static char *tmpdir_new(void)
{
	char *t = sf_xstrdup("/tmp/sf_index_test_XXXXXX");
	assert_non_null(mkdtemp(t));
	return t;
}

static void rmdir_all(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d) return;
	struct dirent *de;
	char p[4096];
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.') continue;
		snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

/* ---- model ---- */

#define VOCAB 60
#define MAXTOK 80

struct mdoc {
	uint64_t id;
	bool alive;     /* not deleted */
	bool stored;    /* counts in statistics (until merged away) */
	int ntok[2];
	int tok[2][MAXTOK];
	uint32_t pos[2][MAXTOK];
	int kind, lang;
};

static const char *kinds[] = { "pdf", "html", "doc" };
static const char *langs[] = { "ru", "en" };

struct model {
	struct mdoc *docs;
	size_t n, cap;
};

static void term_name(int t, char *buf, size_t n)
{
	snprintf(buf, n, "w%d", t);
}

static int zipf_term(void)
{
	/* roughly Zipf: small ids much more frequent */
	double u = (double)(rnd() % 1000000) / 1000000.0;
	int t = (int)(pow(VOCAB + 1.0, u)) - 1;
	return t < 0 ? 0 : t >= VOCAB ? VOCAB - 1 : t;
}

static void model_add(struct model *m, struct sf_index *ix, uint64_t id)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->docs[i].id == id) m->docs[i].alive = false; /* replaced */
	SF_GROW(m->docs, m->cap, m->n + 1);
	struct mdoc *d = &m->docs[m->n++];
	memset(d, 0, sizeof *d);
	d->id = id;
	d->alive = d->stored = true;
	d->ntok[0] = (int)rndn(5);
	d->ntok[1] = 1 + (int)rndn(MAXTOK - 1);
	d->kind = (int)rndn(3);
	d->lang = (int)rndn(2);
	assert_int_equal(sf_index_begin_doc(ix, id), SF_OK);
	for (int f = 0; f < 2; f++) {
		uint32_t p = 0;
		for (int i = 0; i < d->ntok[f]; i++) {
			d->tok[f][i] = zipf_term();
			if (rndn(10) == 0) p++; /* a stop word gap */
			d->pos[f][i] = p++;
			char name[16];
			term_name(d->tok[f][i], name, sizeof name);
			assert_int_equal(sf_index_add_term(ix, (enum sf_field)f, name, strlen(name), d->pos[f][i]), SF_OK);
		}
	}
	assert_int_equal(sf_index_add_attr(ix, "kind", kinds[d->kind]), SF_OK);
	assert_int_equal(sf_index_add_attr(ix, "lang", langs[d->lang]), SF_OK);
	assert_int_equal(sf_index_end_doc(ix), SF_OK);
}

static void model_delete(struct model *m, struct sf_index *ix, uint64_t id)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->docs[i].id == id) m->docs[i].alive = false;
	assert_int_equal(sf_index_delete(ix, id), SF_OK);
}

static void model_merged(struct model *m)
{
	for (size_t i = 0; i < m->n; i++) m->docs[i].stored = m->docs[i].alive;
}

static int parse_term(const char *s)
{
	return atoi(s + 1);
}

static uint32_t mtf(const struct mdoc *d, int f, int t)
{
	uint32_t n = 0;
	for (int i = 0; i < d->ntok[f]; i++) n += d->tok[f][i] == t;
	return n;
}

static bool mhas(const struct mdoc *d, int f, int t, uint32_t pos)
{
	for (int i = 0; i < d->ntok[f]; i++)
		if (d->tok[f][i] == t && d->pos[f][i] == pos) return true;
	return false;
}

static bool mphrase(const struct mdoc *d, const struct sf_qphrase *ph)
{
	for (int f = 0; f < 2; f++) {
		if (!(ph->fields & (1 << f))) continue;
		int t0 = parse_term(ph->terms[0]);
		for (int i = 0; i < d->ntok[f]; i++) {
			if (d->tok[f][i] != t0) continue;
			bool all = true;
			for (size_t j = 1; j < ph->nterms && all; j++)
				all = mhas(d, f, parse_term(ph->terms[j]), d->pos[f][i] + ph->rel_pos[j]);
			if (all) return true;
		}
	}
	return false;
}

struct bhit {
	uint64_t id;
	double score;
};

static int bhit_cmp(const void *a, const void *b)
{
	const struct bhit *x = a, *y = b;
	if (x->score != y->score) return x->score > y->score ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static size_t brute(const struct model *m, const struct sf_query *q, const struct sf_search_opts *o,
		    struct bhit *out, size_t k)
{
	uint64_t N = 0;
	uint64_t sum[2] = { 0, 0 };
	for (size_t i = 0; i < m->n; i++) {
		if (!m->docs[i].stored) continue;
		N++;
		sum[0] += (uint64_t)m->docs[i].ntok[0];
		sum[1] += (uint64_t)m->docs[i].ntok[1];
	}
	double avg[2] = { N ? (double)sum[0] / (double)N : 0, N ? (double)sum[1] / (double)N : 0 };
	double A[2], B[2];
	for (int f = 0; f < 2; f++) {
		A[f] = 1.0 - o->b[f];
		B[f] = avg[f] > 0 ? o->b[f] / avg[f] : 0;
	}
	double *wi = calloc(q->nterms + 1, sizeof *wi);
	bool has_req = false, has_should = false;
	for (size_t t = 0; t < q->nterms; t++) {
		int term = parse_term(q->terms[t].term);
		uint64_t df = 0;
		for (size_t i = 0; i < m->n; i++)
			if (m->docs[i].stored && (mtf(&m->docs[i], 0, term) || mtf(&m->docs[i], 1, term))) df++;
		double idf = log(1.0 + ((double)N - (double)df + 0.5) / ((double)df + 0.5));
		wi[t] = (double)q->terms[t].weight * idf * ((double)o->k1 + 1.0);
		if (q->terms[t].occur == SF_MUST) has_req = true;
		if (q->terms[t].occur == SF_SHOULD) has_should = true;
	}
	for (size_t p = 0; p < q->nphrases; p++)
		if (q->phrases[p].occur == SF_MUST) has_req = true;
	bool filter_only = !has_req && !has_should;
	if (filter_only && !q->nfilters) {
		free(wi);
		return 0;
	}
	struct bhit *all = calloc(m->n + 1, sizeof *all);
	size_t na = 0;
	for (size_t i = 0; i < m->n; i++) {
		const struct mdoc *d = &m->docs[i];
		if (!d->alive) continue;
		bool ok = true;
		for (size_t f = 0; f < q->nfilters && ok; f++) {
			const struct sf_qfilter *qf = &q->filters[f];
			const char *val = strcmp(qf->name, "kind") == 0 ? kinds[d->kind] : langs[d->lang];
			bool any = false;
			for (size_t v = 0; v < qf->nvalues; v++) any |= strcmp(qf->values[v], val) == 0;
			ok = any;
		}
		if (!ok) continue;
		double s = 0;
		bool any_should = false;
		for (size_t t = 0; t < q->nterms && ok; t++) {
			const struct sf_qterm *qt = &q->terms[t];
			int term = parse_term(qt->term);
			uint32_t tf[2] = { mtf(d, 0, term), mtf(d, 1, term) };
			bool match = false;
			double tfp = 0;
			for (int f = 0; f < 2; f++) {
				if (!(qt->fields & (1 << f)) || !tf[f]) continue;
				match = true;
				/* lengths are scored at the index's 1/16-octave precision */
				uint32_t L = sf_len_value(sf_len_code((uint32_t)d->ntok[f]));
				tfp += tf[f] * ((double)o->weight[f] / (A[f] + B[f] * L));
			}
			if (qt->occur == SF_MUST_NOT) {
				if (match) ok = false;
				continue;
			}
			if (qt->occur == SF_MUST && !match) ok = false;
			if (qt->occur == SF_SHOULD && match) any_should = true;
			if (tfp > 0) s += wi[t] * (tfp / ((double)o->k1 + tfp));
		}
		for (size_t p = 0; p < q->nphrases && ok; p++) {
			bool pm = mphrase(d, &q->phrases[p]);
			if (q->phrases[p].occur == SF_MUST_NOT ? pm : !pm) ok = false;
		}
		if (!ok) continue;
		if (!has_req && !filter_only && !any_should) continue;
		all[na].id = d->id;
		all[na].score = filter_only ? 0 : s;
		na++;
	}
	qsort(all, na, sizeof *all, bhit_cmp);
	size_t n = na < k ? na : k;
	memcpy(out, all, n * sizeof *out);
	free(all);
	free(wi);
	return n;
}

static struct sf_query *random_query(const struct model *m)
{
	struct sf_query *q = sf_query_new();
	char name[16];
	int nt = (int)rndn(5);
	bool phrase_only = rndn(10) == 0;
	for (int i = 0; i < nt && !phrase_only; i++) {
		int t = rndn(3) ? zipf_term() : (int)rndn(VOCAB + 3); /* some absent terms */
		term_name(t, name, sizeof name);
		uint32_t r = rndn(20);
		enum sf_occur occ = r < 3 ? SF_MUST : r < 5 ? SF_MUST_NOT : SF_SHOULD;
		uint32_t fr = rndn(10);
		uint8_t fields = fr < 7 ? SF_FIELDS_ALL : fr < 8 ? 1 : 2;
		sf_query_add_term(q, name, strlen(name), fields, occ, rndn(4) ? 1.0f : 0.8f);
	}
	if (m->n && (phrase_only || rndn(5) == 0)) {
		/* a phrase from a stored doc's body */
		const struct mdoc *d = &m->docs[rndn((uint32_t)m->n)];
		int len = 2 + (int)rndn(2);
		if (d->ntok[1] >= len) {
			int st = (int)rndn((uint32_t)(d->ntok[1] - len + 1));
			struct sf_str ts[4];
			uint32_t rel[4];
			char names[4][16];
			for (int j = 0; j < len; j++) {
				term_name(d->tok[1][st + j], names[j], sizeof names[j]);
				ts[j] = sf_str_c(names[j]);
				rel[j] = d->pos[1][st + j] - d->pos[1][st];
			}
			uint8_t fields = rndn(3) ? SF_FIELDS_ALL : 2;
			sf_query_add_phrase(q, ts, rel, (size_t)len, fields, rndn(4) ? SF_MUST : SF_MUST_NOT);
		}
	}
	if (rndn(4) == 0) {
		sf_query_add_filter(q, "kind", kinds[rndn(3)]);
		if (rndn(2)) sf_query_add_filter(q, "kind", kinds[rndn(3)]);
		if (rndn(2)) sf_query_add_filter(q, "lang", langs[rndn(2)]);
	}
	return q;
}

static void check_queries(const struct model *m, struct sf_index *ix, int nq)
{
	struct sf_snapshot *s = sf_index_snapshot(ix);
	struct sf_search_opts o;
	sf_search_opts_default(&o);
	if (rndn(2)) {
		o.k1 = 0.9f + (float)rndn(10) / 10.0f;
		o.b[0] = (float)rndn(11) / 10.0f;
		o.b[1] = (float)rndn(11) / 10.0f;
		o.weight[0] = 1.0f + (float)rndn(4);
	}
	struct sf_hit hits[64], ex[64];
	struct bhit bh[64];
	for (int qi = 0; qi < nq; qi++) {
		struct sf_query *q = random_query(m);
		size_t k = rndn(3) ? 10 : 1 + rndn(40);
		size_t n = 0, ne = 0;
		assert_int_equal(sf_search(s, q, k, &o, hits, &n, NULL), SF_OK);
		o.exhaustive = true;
		assert_int_equal(sf_search(s, q, k, &o, ex, &ne, NULL), SF_OK);
		o.exhaustive = false;
		size_t nb = brute(m, q, &o, bh, k);
		if (n != nb) {
			struct sf_buf d = SF_BUF_INIT;
			assert_int_equal(sf_query_describe(q, &d), SF_OK);
			fprintf(stderr, "query %s: index %zu hits, brute %zu\n", d.ptr, n, nb);
			sf_buf_release(&d);
		}
		assert_int_equal(n, nb);
		assert_int_equal(n, ne);
		for (size_t i = 0; i < n; i++) {
			if (hits[i].docid != bh[i].id) {
				struct sf_buf d = SF_BUF_INIT;
				assert_int_equal(sf_query_describe(q, &d), SF_OK);
				fprintf(stderr, "query %s rank %zu: index %llu %.9g brute %llu %.9g\n", d.ptr, i,
					(unsigned long long)hits[i].docid, (double)hits[i].score,
					(unsigned long long)bh[i].id, bh[i].score);
				sf_buf_release(&d);
			}
			assert_int_equal(hits[i].docid, bh[i].id);
			assert_true(fabs((double)hits[i].score - bh[i].score) <= 1e-4 * fabs(bh[i].score) + 1e-6);
			assert_int_equal(hits[i].docid, ex[i].docid);
			assert_true(hits[i].score == ex[i].score);
		}
		sf_query_free(q);
	}
	sf_snapshot_release(s);
}

static void index_matches_brute_force(void **state)
{
	char *dir = tmpdir_new();
	struct sf_index_opts opts;
	sf_index_opts_default(&opts);
	opts.max_segments = 0; /* only optimize merges, so the model knows the statistics */
	struct sf_index *ix;
	struct sf_buf err = SF_BUF_INIT;
	assert_int_equal(sf_index_open(dir, true, &opts, &ix, &err), SF_OK);
	struct model m = { 0 };
	uint64_t next = 1;
	for (int round = 0; round < 8; round++) {
		int nd = 100 + (int)rndn(300);
		for (int i = 0; i < nd; i++) {
			uint64_t id = rndn(8) == 0 && next > 10 ? 1 + rnd() % (next - 1) : next++;
			if (rndn(3) == 0) id = next++ * 7 % 100003; /* ids out of order too */
			model_add(&m, ix, id);
			if (rndn(15) == 0) model_delete(&m, ix, 1 + rnd() % next); /* pending or stored */
		}
		if (round % 3 == 2)
			assert_int_equal(sf_index_commit(ix, (uint64_t)round, &err), SF_OK);
		else
			assert_int_equal(sf_index_refresh(ix), SF_OK);
		check_queries(&m, ix, 150);
		if (round == 4) {
			assert_int_equal(sf_index_optimize(ix, &err), SF_OK);
			model_merged(&m);
			check_queries(&m, ix, 150);
		}
	}
	assert_int_equal(sf_index_commit(ix, 99, &err), SF_OK);
	sf_index_close(ix);
	assert_int_equal(sf_index_open(dir, false, &opts, &ix, &err), SF_OK);
	assert_int_equal(sf_index_applied_seq(ix), 99);
	check_queries(&m, ix, 300);
	assert_int_equal(sf_index_optimize(ix, &err), SF_OK);
	model_merged(&m);
	check_queries(&m, ix, 300);
	sf_index_close(ix);
	free(m.docs);
	sf_buf_release(&err);
	rmdir_all(dir);
	free(dir);
}

/* Automatic tiered merges: results equal exhaustive scoring and the live set is right. */
static void tiered_merges_keep_results(void **state)
{
	char *dir = tmpdir_new();
	struct sf_index_opts opts;
	sf_index_opts_default(&opts);
	opts.max_segments = 3;
	struct sf_index *ix;
	struct sf_buf err = SF_BUF_INIT;
	assert_int_equal(sf_index_open(dir, true, &opts, &ix, &err), SF_OK);
	struct model m = { 0 };
	for (int round = 0; round < 10; round++) {
		for (int i = 0; i < 50; i++) model_add(&m, ix, (uint64_t)(round * 50 + i + 1));
		for (int i = 0; i < 10; i++) model_delete(&m, ix, 1 + rndn((uint32_t)(round * 50 + 50)));
		assert_int_equal(sf_index_commit(ix, (uint64_t)round + 1, &err), SF_OK);
		struct sf_snapshot *s = sf_index_snapshot(ix);
		struct sf_index_stats st;
		sf_snapshot_stats(s, &st);
		assert_true(st.segments <= 3);
		uint64_t alive = 0;
		for (size_t i = 0; i < m.n; i++) alive += m.docs[i].alive;
		assert_int_equal(st.docs, alive);
		/* every live doc is found by a filter-only query, deleted ones never */
		struct sf_query *q = sf_query_new();
		sf_query_add_filter(q, "kind", "pdf");
		sf_query_add_filter(q, "kind", "html");
		sf_query_add_filter(q, "kind", "doc");
		struct sf_hit *hits = calloc(1000, sizeof *hits);
		size_t n;
		assert_int_equal(sf_search(s, q, 1000, NULL, hits, &n, NULL), SF_OK);
		assert_int_equal(n, alive);
		for (size_t i = 1; i < n; i++) assert_true(hits[i - 1].docid < hits[i].docid);
		free(hits);
		sf_query_free(q);
		sf_snapshot_release(s);
	}
	sf_index_close(ix);
	free(m.docs);
	sf_buf_release(&err);
	rmdir_all(dir);
	free(dir);
}

static void add_simple(struct sf_index *ix, uint64_t id, const char *title, const char *body)
{
	assert_int_equal(sf_index_begin_doc(ix, id), SF_OK);
	char buf[256];
	for (int f = 0; f < 2; f++) {
		snprintf(buf, sizeof buf, "%s", f ? body : title);
		char *save = NULL;
		uint32_t p = 0;
		for (char *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save))
			assert_int_equal(sf_index_add_term(ix, (enum sf_field)f, w, strlen(w), p++), SF_OK);
	}
	assert_int_equal(sf_index_end_doc(ix), SF_OK);
}

static size_t search1(struct sf_snapshot *s, const char *term, struct sf_hit *hits, size_t k)
{
	struct sf_query *q = sf_query_new();
	sf_query_add_term(q, term, strlen(term), SF_FIELDS_ALL, SF_SHOULD, 1.0f);
	size_t n;
	assert_int_equal(sf_search(s, q, k, NULL, hits, &n, NULL), SF_OK);
	sf_query_free(q);
	return n;
}

static void invariants_and_isolation(void **state)
{
	char *dir = tmpdir_new();
	struct sf_index *ix;
	struct sf_buf err = SF_BUF_INIT;
	assert_int_equal(sf_index_open(dir, false, NULL, &ix, &err), SF_ERR_NOTFOUND);
	assert_int_equal(sf_index_open(dir, true, NULL, &ix, &err), SF_OK);
	assert_int_equal(sf_index_applied_seq(ix), 0);
	add_simple(ix, 10, "vpn", "настройка vpn клиента");
	add_simple(ix, 20, "почта", "пароль от почты");
	/* not visible before refresh */
	struct sf_snapshot *s0 = sf_index_snapshot(ix);
	struct sf_hit h[8];
	assert_int_equal(search1(s0, "vpn", h, 8), 0);
	assert_int_equal(sf_index_refresh(ix), SF_OK);
	struct sf_snapshot *s1 = sf_index_snapshot(ix);
	assert_int_equal(search1(s1, "vpn", h, 8), 1);
	assert_int_equal(h[0].docid, 10);
	assert_int_equal(sf_snapshot_df(s1, "vpn", 3), 1);
	/* delete + refresh: the old snapshot still sees the doc, a new one does not */
	assert_int_equal(sf_index_delete(ix, 10), SF_OK);
	assert_int_equal(sf_index_delete(ix, 12345), SF_OK);
	assert_int_equal(sf_index_refresh(ix), SF_OK);
	struct sf_snapshot *s2 = sf_index_snapshot(ix);
	assert_int_equal(search1(s1, "vpn", h, 8), 1);
	assert_int_equal(search1(s2, "vpn", h, 8), 0);
	struct sf_index_stats st;
	sf_snapshot_stats(s2, &st);
	assert_int_equal(st.docs, 1);
	assert_int_equal(st.deleted, 1);
	/* re-added id is found once; a pending doc deleted before refresh never shows */
	add_simple(ix, 10, "vpn", "vpn снова");
	add_simple(ix, 30, "vpn", "временный");
	assert_int_equal(sf_index_delete(ix, 30), SF_OK);
	add_simple(ix, 20, "почта", "vpn почта"); /* replaces 20 */
	assert_int_equal(sf_index_commit(ix, 7, &err), SF_OK);
	struct sf_snapshot *s3 = sf_index_snapshot(ix);
	assert_int_equal(search1(s3, "vpn", h, 8), 2);
	assert_int_equal(h[0].docid + h[1].docid, 30);
	assert_int_equal(search1(s3, "пароль", h, 8), 0);
	sf_snapshot_stats(s3, &st);
	assert_int_equal(st.docs, 2);
	/* begin twice is refused */
	assert_int_equal(sf_index_begin_doc(ix, 40), SF_OK);
	assert_int_equal(sf_index_begin_doc(ix, 41), SF_ERR_INVALID);
	assert_int_equal(sf_index_end_doc(ix), SF_OK);
	assert_int_equal(sf_index_end_doc(ix), SF_ERR_INVALID);
	sf_index_close(ix); /* doc 40 uncommitted: lost */
	/* snapshots outlive the index */
	assert_int_equal(search1(s3, "vpn", h, 8), 2);
	sf_snapshot_release(s0);
	sf_snapshot_release(s1);
	sf_snapshot_release(s2);
	sf_snapshot_release(s3);
	assert_int_equal(sf_index_open(dir, false, NULL, &ix, &err), SF_OK);
	assert_int_equal(sf_index_applied_seq(ix), 7);
	struct sf_snapshot *s4 = sf_index_snapshot(ix);
	sf_snapshot_stats(s4, &st);
	assert_int_equal(st.docs, 2);
	assert_int_equal(search1(s4, "vpn", h, 8), 2);
	sf_snapshot_release(s4);
	/* optimize drops deleted docs */
	assert_int_equal(sf_index_optimize(ix, &err), SF_OK);
	s4 = sf_index_snapshot(ix);
	sf_snapshot_stats(s4, &st);
	assert_int_equal(st.docs, 2);
	assert_int_equal(st.deleted, 0);
	assert_int_equal(st.segments, 1);
	sf_snapshot_release(s4);
	sf_index_close(ix);
	sf_buf_release(&err);
	rmdir_all(dir);
	free(dir);
}

struct tcoll {
	int n;
	char terms[32][64];
	uint64_t df[32];
};

static int collect(void *ctx, const char *term, size_t len, uint64_t df)
{
	struct tcoll *c = ctx;
	if (c->n < 32 && len < 64) {
		memcpy(c->terms[c->n], term, len);
		c->terms[c->n][len] = 0;
		c->df[c->n] = df;
		c->n++;
	}
	return 0;
}

static void terms_iteration(void **state)
{
	char *dir = tmpdir_new();
	struct sf_index *ix;
	struct sf_buf err = SF_BUF_INIT;
	assert_int_equal(sf_index_open(dir, true, NULL, &ix, &err), SF_OK);
	add_simple(ix, 1, "alpha", "beta gamma");
	assert_int_equal(sf_index_add_attr(ix, "kind", "pdf"), SF_ERR_INVALID); /* no open doc */
	assert_int_equal(sf_index_refresh(ix), SF_OK);
	add_simple(ix, 2, "beta", "delta beta");
	assert_int_equal(sf_index_refresh(ix), SF_OK);
	struct sf_snapshot *s = sf_index_snapshot(ix);
	struct tcoll c = { 0 };
	sf_snapshot_terms(s, 0, collect, &c);
	assert_int_equal(c.n, 4);
	assert_string_equal(c.terms[0], "alpha");
	assert_string_equal(c.terms[1], "beta");
	assert_int_equal(c.df[1], 2);
	assert_string_equal(c.terms[3], "gamma");
	memset(&c, 0, sizeof c);
	sf_snapshot_terms(s, 'd', collect, &c);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.terms[0], "delta");
	sf_snapshot_release(s);
	sf_index_close(ix);
	sf_buf_release(&err);
	rmdir_all(dir);
	free(dir);
}

/* ---- corruption ---- */

static char *build_small(void)
{
	char *dir = tmpdir_new();
	struct sf_index *ix;
	struct sf_buf err = SF_BUF_INIT;
	assert_int_equal(sf_index_open(dir, true, NULL, &ix, &err), SF_OK);
	struct model m = { 0 };
	for (int i = 0; i < 300; i++) model_add(&m, ix, (uint64_t)i + 1);
	assert_int_equal(sf_index_delete(ix, 5), SF_OK);
	assert_int_equal(sf_index_commit(ix, 1, &err), SF_OK);
	sf_index_close(ix);
	free(m.docs);
	sf_buf_release(&err);
	return dir;
}

static void find_file(const char *dir, const char *suffix, char *out, size_t n)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	out[0] = 0;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name), sl = strlen(suffix);
		if (l >= sl && strcmp(de->d_name + l - sl, suffix) == 0) snprintf(out, n, "%s/%s", dir, de->d_name);
	}
	closedir(d);
	assert_true(out[0] != 0);
}

static void flip_byte(const char *path, long off_from_start)
{
	int fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	off_t off = off_from_start % st.st_size;
	unsigned char c;
	assert_int_equal(pread(fd, &c, 1, off), 1);
	c ^= 0x40;
	assert_int_equal(pwrite(fd, &c, 1, off), 1);
	close(fd);
}

static void expect_corrupt(const char *dir)
{
	struct sf_index *ix = NULL;
	struct sf_buf err = SF_BUF_INIT;
	assert_int_equal(sf_index_open(dir, false, NULL, &ix, &err), SF_ERR_CORRUPT);
	assert_null(ix);
	assert_true(err.len > 0);
	sf_buf_release(&err);
}

static void corruption_detected(void **state)
{
	char path[4096];
	for (int c = 0; c < 7; c++) {
		char *dir = build_small();
		switch (c) {
		case 0: find_file(dir, ".sfs", path, sizeof path); flip_byte(path, 12345); break;
		case 1: find_file(dir, ".sfs", path, sizeof path); flip_byte(path, 3); break;
		case 2: find_file(dir, ".sfs", path, sizeof path); assert_int_equal(truncate(path, 1000), 0); break;
		case 3: find_file(dir, ".sfs", path, sizeof path); assert_int_equal(unlink(path), 0); break;
		case 4: find_file(dir, "MANIFEST", path, sizeof path); flip_byte(path, 30); break;
		case 5: find_file(dir, "MANIFEST", path, sizeof path); assert_int_equal(truncate(path, 10), 0); break;
		case 6: find_file(dir, ".del", path, sizeof path); flip_byte(path, 20); break;
		}
		expect_corrupt(dir);
		rmdir_all(dir);
		free(dir);
	}
}

/* Random damage to segment bytes, CRC check off: opening and searching must not crash. */
static void hostile_segment_does_not_crash(void **state)
{
	struct sf_index *ix;
	struct sf_buf err = SF_BUF_INIT;
	char *dir = build_small();
	assert_int_equal(sf_index_open(dir, false, NULL, &ix, &err), SF_OK);
	sf_index_close(ix);
	char path[4096];
	find_file(dir, ".sfs", path, sizeof path);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *orig = malloc((size_t)size);
	assert_int_equal(fread(orig, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	struct model m = { 0 };
	for (int it = 0; it < 300; it++) {
		uint8_t *b = malloc((size_t)size);
		memcpy(b, orig, (size_t)size);
		int flips = 1 + (int)rndn(8);
		for (int j = 0; j < flips; j++) b[rndn((uint32_t)size)] ^= (uint8_t)(1 + rndn(255));
		size_t sz = rndn(10) == 0 ? rndn((uint32_t)size) + 1 : (size_t)size;
		struct seg *s = NULL;
		if (seg_from_bytes(b, sz, false, false, &s, NULL) != SF_OK) continue;
		struct sf_snapshot *snap = sf_xcalloc(1, sizeof *snap + sizeof(struct snap_seg));
		atomic_init(&snap->refs, 1);
		snap->nseg = 1;
		snap->segs[0].seg = s;
		snap->ndocs = s->ndocs;
		snap->avglen[0] = 2;
		snap->avglen[1] = 40;
		for (int qi = 0; qi < 10; qi++) {
			struct sf_query *q = random_query(&m);
			struct sf_hit hits[10];
			size_t n;
			enum sf_err rc = sf_search(snap, q, 10, NULL, hits, &n, NULL);
			assert_true(rc == SF_OK || rc == SF_ERR_CORRUPT);
			sf_query_free(q);
		}
		struct tcoll c = { 0 };
		sf_snapshot_terms(snap, 0, collect, &c);
		sf_snapshot_release(snap);
	}
	free(orig);
	rmdir_all(dir);
	free(dir);
	sf_buf_release(&err);
}

static void query_describe(void **state)
{
	struct sf_query *q = sf_query_new();
	sf_query_add_term(q, "пароль", strlen("пароль"), SF_FIELDS_ALL, SF_MUST, 1.0f);
	sf_query_add_term(q, "vpn", 3, 1, SF_SHOULD, 1.0f);
	struct sf_str ph[2] = { SF_STR("x"), SF_STR("y") };
	uint32_t rel[2] = { 0, 1 };
	sf_query_add_phrase(q, ph, rel, 2, SF_FIELDS_ALL, SF_MUST_NOT);
	sf_query_add_filter(q, "kind", "pdf");
	sf_query_add_filter(q, "kind", "html");
	sf_query_add_filter(q, "kind", "pdf");
	sf_query_add_highlight(q, "vpn", 3);
	sf_query_add_highlight(q, "vpn", 3);
	assert_int_equal(q->nhighlight, 1);
	struct sf_buf b = SF_BUF_INIT;
	assert_int_equal(sf_query_describe(q, &b), SF_OK);
	assert_string_equal(b.ptr, "+пароль title:vpn -\"x y\" kind:(pdf|html)");
	sf_buf_release(&b);
	sf_query_free(q);
	/* only MUST_NOT: nothing */
	char *dir = tmpdir_new();
	struct sf_index *ix;
	assert_int_equal(sf_index_open(dir, true, NULL, &ix, NULL), SF_OK);
	add_simple(ix, 1, "a", "b c");
	assert_int_equal(sf_index_refresh(ix), SF_OK);
	struct sf_snapshot *s = sf_index_snapshot(ix);
	q = sf_query_new();
	sf_query_add_term(q, "zzz", 3, SF_FIELDS_ALL, SF_MUST_NOT, 1.0f);
	struct sf_hit h[4];
	size_t n = 9;
	assert_int_equal(sf_search(s, q, 4, NULL, h, &n, NULL), SF_OK);
	assert_int_equal(n, 0);
	sf_query_free(q);
	sf_snapshot_release(s);
	sf_index_close(ix);
	rmdir_all(dir);
	free(dir);
}

/* Length codes: exact below 64, monotone, never above the length, within a 1/16 step, every
 * code reachable, the top one saturating. */
static void length_codes(void **state)
{
	(void)state;
	uint8_t prev = 0;
	bool seen[256] = { false };
	for (uint32_t len = 0; len < (1u << 19); len++) {
		uint8_t c = sf_len_code(len);
		uint32_t v = sf_len_value(c);
		if (len < 64) assert_int_equal(v, len);
		assert_true(c >= prev);
		assert_true(v <= len);
		if (len < (1u << 18)) assert_true((double)(len - v) < (double)len / 16.0 + 1e-9);
		assert_int_equal(sf_len_code(v), c);
		seen[c] = true;
		prev = c;
	}
	for (int c = 0; c < 256; c++) assert_true(seen[c]);
	assert_int_equal(sf_len_code(UINT32_MAX), 255);
	assert_int_equal(sf_len_value(255), 31u << 13);
}

int main(void)
{
	const char *seed = getenv("SF_TEST_SEED");
	if (seed && *seed) rng_state = strtoull(seed, NULL, 10) | 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(query_describe),
		cmocka_unit_test(invariants_and_isolation),
		cmocka_unit_test(terms_iteration),
		cmocka_unit_test(length_codes),
		cmocka_unit_test(index_matches_brute_force),
		cmocka_unit_test(tiered_merges_keep_results),
		cmocka_unit_test(corruption_detected),
		cmocka_unit_test(hostile_segment_does_not_crash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
