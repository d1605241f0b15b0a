/*
 * http/cache.c: answers of recent searches, for the questions a desk asks again and again (the
 * same ticket subject from several agents, a console page opened twice, a webhook retried).
 *
 * Keyed by everything an answer depends on: the query text, k, the filters and the caller's
 * access groups; valid for one index generation (sf_http_sync and a synonym reload bump it, so
 * an answer never outlives a change of the documents it was computed from).
 *
 * SHARDS shards, each with its own mutex, a chained hash table over a fixed pool of entries and
 * a least-recently-used list through them: any search.cache_entries distinct answers fit (a
 * direct-mapped table of the same size lost about a third of a working set half its size to
 * collisions), and when the pool is full the answer used least recently makes room. A hit
 * costs a hash, a lock, a short chain walk and a copy. Answers over CACHE_MAX_VALUE bytes are
 * not kept.
 */
#include <stdlib.h>
#include <string.h>

#include "base/hash.h"
#include "base/mem.h"
#include "http/http_int.h"

#define SHARDS 16
#define CACHE_MAX_VALUE (64u << 10)
#define NIL UINT32_MAX

struct entry {
	uint64_t hash;
	uint64_t gen;
	char *key;
	size_t klen;
	char *val; /* NULL: the entry is free */
	size_t vlen;
	uint32_t chain;      /* next entry in the same bucket */
	uint32_t newer, older; /* the recency list */
};

struct shard {
	pthread_mutex_t lock;
	struct entry *e;
	uint32_t cap, used;
	uint32_t *bucket; /* nbuckets heads, a power of two at least 2 * cap */
	uint32_t mask;
	uint32_t newest, oldest;
};

struct sf_cache {
	struct shard sh[SHARDS];
	atomic_uint_fast64_t hits, misses;
};

struct sf_cache *sf_cache_new(size_t entries)
{
	if (entries == 0) return NULL;
	struct sf_cache *c = sf_xcalloc(1, sizeof *c);
	uint32_t per = (uint32_t)((entries + SHARDS - 1) / SHARDS);
	uint32_t nb = 2;
	while (nb < 2 * per) nb *= 2;
	for (int i = 0; i < SHARDS; i++) {
		struct shard *s = &c->sh[i];
		pthread_mutex_init(&s->lock, NULL);
		s->e = sf_xcalloc(per, sizeof *s->e);
		s->cap = per;
		s->bucket = sf_xmalloc(nb * sizeof *s->bucket);
		for (uint32_t b = 0; b < nb; b++) s->bucket[b] = NIL;
		s->mask = nb - 1;
		s->newest = s->oldest = NIL;
	}
	return c;
}

void sf_cache_free(struct sf_cache *c)
{
	if (!c) return;
	for (int i = 0; i < SHARDS; i++) {
		struct shard *s = &c->sh[i];
		for (uint32_t k = 0; k < s->used; k++) {
			free(s->e[k].key);
			free(s->e[k].val);
		}
		free(s->e);
		free(s->bucket);
		pthread_mutex_destroy(&s->lock);
	}
	free(c);
}

/* The bucket of a hash: the low bits chose the shard, the next ones the bucket. */
static uint32_t *head_of(struct shard *s, uint64_t h)
{
	return &s->bucket[(h / SHARDS) & s->mask];
}

static uint32_t find(struct shard *s, uint64_t h, const char *key, size_t klen)
{
	for (uint32_t i = *head_of(s, h); i != NIL; i = s->e[i].chain) {
		const struct entry *e = &s->e[i];
		if (e->hash == h && e->klen == klen && memcmp(e->key, key, klen) == 0) return i;
	}
	return NIL;
}

static void lru_unlink(struct shard *s, uint32_t i)
{
	struct entry *e = &s->e[i];
	if (e->newer != NIL) s->e[e->newer].older = e->older;
	else s->newest = e->older;
	if (e->older != NIL) s->e[e->older].newer = e->newer;
	else s->oldest = e->newer;
}

static void lru_front(struct shard *s, uint32_t i)
{
	struct entry *e = &s->e[i];
	e->newer = NIL;
	e->older = s->newest;
	if (s->newest != NIL) s->e[s->newest].newer = i;
	s->newest = i;
	if (s->oldest == NIL) s->oldest = i;
}

static void chain_unlink(struct shard *s, uint32_t i)
{
	uint32_t *p = head_of(s, s->e[i].hash);
	while (*p != i) p = &s->e[*p].chain;
	*p = s->e[i].chain;
}

bool sf_cache_get(struct sf_cache *c, const char *key, size_t klen, uint64_t gen, struct sf_buf *out)
{
	if (!c) return false;
	uint64_t h = sf_hash64(key, klen, 0x63616368);
	struct shard *s = &c->sh[h % SHARDS];
	bool hit = false;
	pthread_mutex_lock(&s->lock);
	uint32_t i = find(s, h, key, klen);
	if (i != NIL && s->e[i].gen == gen) {
		hit = sf_buf_add(out, s->e[i].val, s->e[i].vlen) == SF_OK;
		lru_unlink(s, i);
		lru_front(s, i);
	}
	pthread_mutex_unlock(&s->lock);
	atomic_fetch_add_explicit(hit ? &c->hits : &c->misses, 1, memory_order_relaxed);
	return hit;
}

void sf_cache_put(struct sf_cache *c, const char *key, size_t klen, uint64_t gen, const char *val, size_t vlen)
{
	if (!c || vlen > CACHE_MAX_VALUE) return;
	uint64_t h = sf_hash64(key, klen, 0x63616368);
	char *k = sf_xmalloc(klen ? klen : 1), *v = sf_xmalloc(vlen ? vlen : 1);
	memcpy(k, key, klen);
	memcpy(v, val, vlen);
	struct shard *s = &c->sh[h % SHARDS];
	pthread_mutex_lock(&s->lock);
	/* the same key (stale, or computed by two threads at once), else a free entry, else the
	 * least recently used one */
	uint32_t i = find(s, h, key, klen);
	if (i != NIL) {
		lru_unlink(s, i);
		chain_unlink(s, i);
	} else if (s->used < s->cap) {
		i = s->used++;
	} else {
		i = s->oldest;
		lru_unlink(s, i);
		chain_unlink(s, i);
	}
	char *ok = s->e[i].key, *ov = s->e[i].val;
	uint32_t *head = head_of(s, h);
	s->e[i] = (struct entry){ h, gen, k, klen, v, vlen, *head, NIL, NIL };
	*head = i;
	lru_front(s, i);
	pthread_mutex_unlock(&s->lock);
	free(ok);
	free(ov);
}

void sf_cache_stats(struct sf_cache *c, uint64_t *hits, uint64_t *misses)
{
	*hits = c ? atomic_load(&c->hits) : 0;
	*misses = c ? atomic_load(&c->misses) : 0;
}
