#include "test.h"
#include "util.h"

static void same_inputs_same_stream_in_any_order(void)
{
	const char *ids[] = {"a1", "b2", "c3", "d4"};
	uint64_t first[4], second[4];
	for (int i = 0; i < 4; i++) {
		sprout_rng r;
		sprout_rng_init(&r, 42, ids[i], "augment.typo");
		first[i] = sprout_rng_next(&r);
	}
	/* the other way round, with unrelated draws in between */
	sprout_rng noise;
	sprout_rng_init(&noise, 1, NULL, NULL);
	for (int i = 3; i >= 0; i--) {
		sprout_rng_next(&noise);
		sprout_rng r;
		sprout_rng_init(&r, 42, ids[i], "augment.typo");
		second[i] = sprout_rng_next(&r);
	}
	for (int i = 0; i < 4; i++)
		CHECK(first[i] == second[i]);
	CHECK(first[0] != first[1]);
}

static void seed_id_and_method_each_change_the_stream(void)
{
	sprout_rng a, b, c, d;
	sprout_rng_init(&a, 1, "x", "m");
	sprout_rng_init(&b, 2, "x", "m");
	sprout_rng_init(&c, 1, "y", "m");
	sprout_rng_init(&d, 1, "x", "n");
	uint64_t va = sprout_rng_next(&a);
	CHECK(va != sprout_rng_next(&b));
	CHECK(va != sprout_rng_next(&c));
	CHECK(va != sprout_rng_next(&d));
	/* "ab"+"c" and "a"+"bc" are different inputs */
	sprout_rng e, f;
	sprout_rng_init(&e, 1, "ab", "c");
	sprout_rng_init(&f, 1, "a", "bc");
	CHECK(sprout_rng_next(&e) != sprout_rng_next(&f));
}

static void below_is_in_range_and_roughly_uniform(void)
{
	sprout_rng r;
	sprout_rng_init(&r, 7, "id", "m");
	int counts[10] = {0};
	for (int i = 0; i < 100000; i++) {
		uint64_t v = sprout_rng_below(&r, 10);
		CHECK(v < 10);
		counts[v]++;
	}
	for (int i = 0; i < 10; i++)
		CHECK(counts[i] > 9500 && counts[i] < 10500);
	CHECK_INT(sprout_rng_below(&r, 0), 0);
	for (int i = 0; i < 1000; i++) {
		double d = sprout_rng_double(&r);
		CHECK(d >= 0 && d < 1);
	}
}

static void shuffle_is_a_permutation(void)
{
	sprout_rng r;
	sprout_rng_init(&r, 3, "s", "shuffle");
	int v[100], seen[100] = {0};
	for (int i = 0; i < 100; i++)
		v[i] = i;
	sprout_rng_shuffle(&r, v, 100, sizeof v[0]);
	int moved = 0;
	for (int i = 0; i < 100; i++) {
		seen[v[i]]++;
		moved += v[i] != i;
	}
	for (int i = 0; i < 100; i++)
		CHECK_INT(seen[i], 1);
	CHECK(moved > 50);
}

/* A kept key "id\0method" gives the stream sprout_rng_init gives. */
static void kept_key_gives_the_same_stream(void)
{
	static const char *const ids[] = {"", "a1b2c3d4e5f60718", "x"};
	static const char *const methods[] = {"augment.swap#3.0", "", "augment.synonym#12.5"};
	for (size_t i = 0; i < 3; i++) {
		for (uint64_t seed = 0; seed < 3; seed++) {
			char key[256];
			size_t il = strlen(ids[i]), ml = strlen(methods[i]);
			memcpy(key, ids[i], il + 1);
			memcpy(key + il + 1, methods[i], ml);
			sprout_rng a, b;
			sprout_rng_init(&a, seed, ids[i], methods[i]);
			sprout_rng_init_key(&b, seed, key, il + 1 + ml);
			for (int k = 0; k < 8; k++)
				CHECK(sprout_rng_next(&a) == sprout_rng_next(&b));
		}
	}
	/* and a different key, a different stream */
	sprout_rng a, b;
	sprout_rng_init_key(&a, 1, "id\0augment.swap#3.0", 20);
	sprout_rng_init_key(&b, 1, "id\0augment.swap#3.1", 20);
	CHECK(sprout_rng_next(&a) != sprout_rng_next(&b));
}

SUITE(rng_tests) = {
    T(kept_key_gives_the_same_stream),
    T(same_inputs_same_stream_in_any_order),
    T(seed_id_and_method_each_change_the_stream),
    T(below_is_in_range_and_roughly_uniform),
    T(shuffle_is_a_permutation),
    {NULL, NULL},
};
