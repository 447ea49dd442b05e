#include "sprout/rng.h"

#include <string.h>
#include <xxhash.h>

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

void sprout_rng_init(sprout_rng *r, uint64_t seed, const char *id, const char *method)
{
	/* hash "id\0method" with the run seed as the hash seed */
	char buf[256];
	size_t il = id ? strlen(id) : 0, ml = method ? strlen(method) : 0;
	uint64_t h;
	if (il + ml + 1 <= sizeof buf) {
		memcpy(buf, id ? id : "", il);
		buf[il] = '\0';
		memcpy(buf + il + 1, method ? method : "", ml);
		h = XXH3_64bits_withSeed(buf, il + ml + 1, seed);
	} else {
		h = XXH3_64bits_withSeed(id ? id : "", il, seed) ^
		    XXH3_64bits_withSeed(method ? method : "", ml, ~seed);
	}
	uint64_t x = h;
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

void sprout_rng_init_key(sprout_rng *r, uint64_t seed, const char *key, size_t n)
{
	uint64_t x = XXH3_64bits_withSeed(key, n, seed);
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t sprout_rng_next(sprout_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint64_t sprout_rng_below(sprout_rng *r, uint64_t n)
{
	if (n == 0)
		return 0;
	/* reject the top partial range so every value is equally likely; it
	 * starts above UINT64_MAX - n, so most draws need no division to know
	 * they are below it */
	uint64_t x = sprout_rng_next(r);
	if (x > UINT64_MAX - n) {
		uint64_t limit = UINT64_MAX - UINT64_MAX % n;
		while (x >= limit)
			x = sprout_rng_next(r);
	}
	return x % n;
}

double sprout_rng_double(sprout_rng *r)
{
	return (double)(sprout_rng_next(r) >> 11) * 0x1.0p-53;
}

void sprout_rng_shuffle(sprout_rng *r, void *items, size_t n, size_t size)
{
	unsigned char *p = items, tmp[256];
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)sprout_rng_below(r, i);
		if (j == i - 1)
			continue;
		if (size == sizeof(size_t)) { /* the common case: indexes */
			size_t *v = items, t = v[i - 1];
			v[i - 1] = v[j];
			v[j] = t;
			continue;
		}
		unsigned char *a = p + (i - 1) * size, *b = p + j * size;
		for (size_t off = 0; off < size; off += sizeof tmp) {
			size_t k = size - off < sizeof tmp ? size - off : sizeof tmp;
			memcpy(tmp, a + off, k);
			memcpy(a + off, b + off, k);
			memcpy(b + off, tmp, k);
		}
	}
}
