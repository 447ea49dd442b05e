/* dict.h - the library's one hash table (internal): distinct byte strings,
 * numbered 0, 1, 2... in the order they were first added. Callers keep what
 * belongs to a key in arrays indexed by its number (or one pointer per key
 * in val), so the table itself is small (a slot is 4 bytes) and walking the
 * keys in number order is deterministic, whatever the hash.
 *
 *   sprout_dict d;
 *   sprout_dict_init(&d, arena);             keys copied into arena
 *   long long i = sprout_dict_put(&d, s, n, &added);   -1: out of memory
 *   long long j = sprout_dict_find(&d, s, n);          -1: absent
 *   sprout_dict_free(&d);
 *
 * With a NULL arena the keys are borrowed: each must stay valid and
 * unchanged as long as the table is used. Open addressing with linear
 * probing over XXH3 hashes, at most half full. Not thread-safe. */
#ifndef SPROUT_DICT_H
#define SPROUT_DICT_H

#include <stddef.h>
#include <stdint.h>

#include "sprout/arena.h"

typedef struct sprout_dict {
	sprout_arena *mem; /* where new keys are copied; NULL: borrowed */
	const char **key;  /* by number */
	size_t *len;
	uint64_t *hash; /* XXH3 64 of each key */
	void **val;	/* the caller's pointer for each key, NULL when added */
	size_t n, ncap;
	uint32_t *slot; /* number + 1; 0 is empty */
	size_t scap;
} sprout_dict;

void sprout_dict_init(sprout_dict *d, sprout_arena *mem);
void sprout_dict_free(sprout_dict *d); /* the keys in the arena stay */

/* The number of s[0..n), or -1 when it is not in d. */
long long sprout_dict_find(const sprout_dict *d, const char *s, size_t n);

/* The number of s[0..n), added when new (*added, which may be NULL, says
 * which); -1 when out of memory or past UINT32_MAX - 1 keys. */
long long sprout_dict_put(sprout_dict *d, const char *s, size_t n, int *added);

/* Remove every key (the memory is kept for reuse). */
void sprout_dict_clear(sprout_dict *d);

static inline size_t sprout_dict_count(const sprout_dict *d)
{
	return d->n;
}

static inline const char *sprout_dict_key(const sprout_dict *d, size_t i, size_t *len)
{
	if (len)
		*len = d->len[i];
	return d->key[i];
}

#endif
