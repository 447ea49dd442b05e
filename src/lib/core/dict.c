#include "core/dict.h"

#include <stdlib.h>
#include <string.h>
#define XXH_INLINE_ALL /* the hash is most of a lookup: inline it */
#include <xxhash.h>

void sprout_dict_init(sprout_dict *d, sprout_arena *mem)
{
	memset(d, 0, sizeof *d);
	d->mem = mem;
}

void sprout_dict_free(sprout_dict *d)
{
	free(d->key);
	free(d->len);
	free(d->hash);
	free(d->val);
	free(d->slot);
	sprout_dict_init(d, d->mem);
}

void sprout_dict_clear(sprout_dict *d)
{
	if (d->slot)
		memset(d->slot, 0, d->scap * sizeof *d->slot);
	d->n = 0;
}

/* The slot holding s, or the empty slot where it would go. */
static size_t probe(const sprout_dict *d, const char *s, size_t n, uint64_t h)
{
	size_t mask = d->scap - 1, j = (size_t)h & mask;
	for (; d->slot[j]; j = (j + 1) & mask) {
		size_t i = d->slot[j] - 1;
		if (d->hash[i] == h && d->len[i] == n && memcmp(d->key[i], s, n) == 0)
			break;
	}
	return j;
}

long long sprout_dict_find(const sprout_dict *d, const char *s, size_t n)
{
	if (!d->n)
		return -1;
	size_t j = probe(d, s, n, XXH3_64bits(s, n));
	return d->slot[j] ? (long long)d->slot[j] - 1 : -1;
}

static int grow_slots(sprout_dict *d)
{
	size_t cap = d->scap ? d->scap * 2 : 64;
	uint32_t *v = calloc(cap, sizeof *v);
	if (!v)
		return -1;
	for (size_t i = 0; i < d->n; i++) {
		size_t j = (size_t)d->hash[i] & (cap - 1);
		while (v[j])
			j = (j + 1) & (cap - 1);
		v[j] = (uint32_t)(i + 1);
	}
	free(d->slot);
	d->slot = v;
	d->scap = cap;
	return 0;
}

static int grow_keys(sprout_dict *d)
{
	size_t cap = d->ncap ? d->ncap * 2 : 32;
	const char **k = realloc(d->key, cap * sizeof *k);
	if (k)
		d->key = k;
	size_t *l = realloc(d->len, cap * sizeof *l);
	if (l)
		d->len = l;
	uint64_t *h = realloc(d->hash, cap * sizeof *h);
	if (h)
		d->hash = h;
	void **v = realloc(d->val, cap * sizeof *v);
	if (v)
		d->val = v;
	if (!k || !l || !h || !v)
		return -1;
	d->ncap = cap;
	return 0;
}

long long sprout_dict_put(sprout_dict *d, const char *s, size_t n, int *added)
{
	if (added)
		*added = 0;
	if ((d->n + 1) * 2 > d->scap && grow_slots(d))
		return -1;
	uint64_t h = XXH3_64bits(s, n);
	size_t j = probe(d, s, n, h);
	if (d->slot[j])
		return (long long)d->slot[j] - 1;
	if (d->n >= UINT32_MAX - 1 || (d->n == d->ncap && grow_keys(d)))
		return -1;
	const char *key = s;
	if (d->mem && !(key = sprout_arena_strndup(d->mem, s, n)))
		return -1;
	size_t i = d->n++;
	d->key[i] = key;
	d->len[i] = n;
	d->hash[i] = h;
	d->val[i] = NULL;
	d->slot[j] = (uint32_t)(i + 1);
	if (added)
		*added = 1;
	return (long long)i;
}
