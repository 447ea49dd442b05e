/* sprout/rng.h - deterministic randomness.
 *
 * One generator per record, seeded from (run seed, record id, method), so
 * the same input and --seed give byte-identical output in any processing
 * order or thread count. xoshiro256** seeded through splitmix64.
 */
#ifndef SPROUT_RNG_H
#define SPROUT_RNG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sprout_rng {
	uint64_t s[4];
} sprout_rng;

/* Seed from the run seed, a record id and a method name (either may be
 * NULL, which counts as ""). */
void sprout_rng_init(sprout_rng *r, uint64_t seed, const char *id, const char *method);

/* The same stream as sprout_rng_init from key = id, a NUL byte, method
 * (n bytes, n at most 256), for callers that keep the key between streams. */
void sprout_rng_init_key(sprout_rng *r, uint64_t seed, const char *key, size_t n);

/* Next 64 random bits. */
uint64_t sprout_rng_next(sprout_rng *r);

/* Uniform integer in [0, n); 0 when n is 0. Unbiased. */
uint64_t sprout_rng_below(sprout_rng *r, uint64_t n);

/* Uniform double in [0, 1). */
double sprout_rng_double(sprout_rng *r);

/* Shuffle n items of size bytes each (Fisher-Yates). */
void sprout_rng_shuffle(sprout_rng *r, void *items, size_t n, size_t size);

#ifdef __cplusplus
}
#endif
#endif
