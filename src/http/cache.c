/*
 * http/cache.c: answers of recent searches, for the questions a desk asks again and again (the
 * same ticket subject from several agents, a console page opened twice, a webhook retried).
 *
 * Keyed by everything an answer depends on: the query text, k, the filters and the caller's
 * access groups; valid for one index generation (sf_http_sync and a synonym reload bump it, so
 * an answer never outlives a change of the documents it was computed from). Direct-mapped
 * slots in shards, each with its own mutex: a hit costs a hash, a lock and a copy. Bounded by
 * search.cache_entries slots of at most CACHE_MAX_VALUE bytes each.
 */
#include <stdlib.h>
#include <string.h>

#include "base/hash.h"
#include "base/mem.h"
#include "http/http_int.h"

#define SHARDS 16
#define CACHE_MAX_VALUE (64u << 10)

struct slot {
	uint64_t hash;
	uint64_t gen;
	char *key;
	size_t klen;
	char *val;
	size_t vlen;
};

struct shard {
	pthread_mutex_t lock;
	struct slot *slots;
	size_t n;
};

struct sf_cache {
	struct shard sh[SHARDS];
	atomic_uint_fast64_t hits, misses;
};

struct sf_cache *sf_cache_new(size_t entries)
{
	if (entries == 0) return NULL;
	struct sf_cache *c = sf_xcalloc(1, sizeof *c);
	size_t per = (entries + SHARDS - 1) / SHARDS;
	for (int i = 0; i < SHARDS; i++) {
		pthread_mutex_init(&c->sh[i].lock, NULL);
		c->sh[i].slots = sf_xcalloc(per, sizeof *c->sh[i].slots);
		c->sh[i].n = per;
	}
	return c;
}

void sf_cache_free(struct sf_cache *c)
{
	if (!c) return;
	for (int i = 0; i < SHARDS; i++) {
		for (size_t k = 0; k < c->sh[i].n; k++) {
			free(c->sh[i].slots[k].key);
			free(c->sh[i].slots[k].val);
		}
		free(c->sh[i].slots);
		pthread_mutex_destroy(&c->sh[i].lock);
	}
	free(c);
}

static struct slot *slot_of(struct sf_cache *c, uint64_t h, struct shard **sh)
{
	*sh = &c->sh[h % SHARDS];
	return &(*sh)->slots[(h / SHARDS) % (*sh)->n];
}

bool sf_cache_get(struct sf_cache *c, const char *key, size_t klen, uint64_t gen, struct sf_buf *out)
{
	if (!c) return false;
	uint64_t h = sf_hash64(key, klen, 0x63616368);
	struct shard *sh;
	struct slot *s = slot_of(c, h, &sh);
	bool hit = false;
	pthread_mutex_lock(&sh->lock);
	if (s->val && s->hash == h && s->gen == gen && s->klen == klen && memcmp(s->key, key, klen) == 0)
		hit = sf_buf_add(out, s->val, s->vlen) == SF_OK;
	pthread_mutex_unlock(&sh->lock);
	atomic_fetch_add_explicit(hit ? &c->hits : &c->misses, 1, memory_order_relaxed);
	return hit;
}

void sf_cache_put(struct sf_cache *c, const char *key, size_t klen, uint64_t gen, const char *val, size_t vlen)
{
	if (!c || vlen > CACHE_MAX_VALUE) return;
	uint64_t h = sf_hash64(key, klen, 0x63616368);
	char *k = sf_xmalloc(klen), *v = sf_xmalloc(vlen ? vlen : 1);
	memcpy(k, key, klen);
	memcpy(v, val, vlen);
	struct shard *sh;
	struct slot *s = slot_of(c, h, &sh);
	pthread_mutex_lock(&sh->lock);
	char *ok = s->key, *ov = s->val;
	*s = (struct slot){ h, gen, k, klen, v, vlen };
	pthread_mutex_unlock(&sh->lock);
	free(ok);
	free(ov);
}

void sf_cache_stats(struct sf_cache *c, uint64_t *hits, uint64_t *misses)
{
	*hits = c ? atomic_load(&c->hits) : 0;
	*misses = c ? atomic_load(&c->misses) : 0;
}
