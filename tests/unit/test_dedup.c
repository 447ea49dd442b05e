#include <stdlib.h>

#include "test.h"
#include "util.h"

#include "sprout/dedup.h"
#include "sprout/rng.h"

static void normalisation(void)
{
	sprout_buf b = SPROUT_BUF_INIT(1024);
	CHECK_INT(sprout_normalize("  How can I TOP-UP, my card?! ", 30, &b), SPROUT_OK);
	CHECK_STR(b.data, "how can i top up my card");
	sprout_buf_release(&b);
}

static void rouge_l_by_hand(void)
{
	/* LCS "the cat sat" = 3 of 4 and 5 tokens: 2*3/9 */
	double r = sprout_rouge_l("The cat sat down", 16, "the black cat sat there", 23);
	CHECK(r > 0.666 && r < 0.667);
	CHECK(sprout_rouge_l("", 0, "x", 1) == 0);
	CHECK(sprout_rouge_l("Same words here", 15, "same, words: here!", 18) == 1);
}

/* Random instructions from a small vocabulary: many close pairs. */
static char **make_texts(size_t n, uint64_t seed)
{
	static const char *const words[] = {
		"give", "me", "a", "list", "of", "the", "best", "ways", "to", "write", "poem",
		"about", "cats", "dogs", "in", "short", "story", "explain", "why", "sky", "is",
		"blue", "how", "do", "i", "learn", "language", "quickly", "summarize", "this",
	};
	sprout_rng r;
	sprout_rng_init(&r, seed, "texts", "dedup");
	char **t = malloc(n * sizeof *t);
	for (size_t i = 0; i < n; i++) {
		char buf[512] = "";
		size_t k = 2 + (size_t)sprout_rng_below(&r, 14);
		for (size_t j = 0; j < k; j++) {
			strcat(buf, words[sprout_rng_below(&r, 30)]);
			strcat(buf, j + 1 < k ? " " : ".");
		}
		t[i] = strdup(buf);
	}
	return t;
}

static void novelty_decides_as_all_pairs_do(void)
{
	for (uint64_t seed = 1; seed <= 3; seed++) {
		size_t n = 1500;
		char **t = make_texts(n, seed);
		sprout_novelty *p = sprout_novelty_new(0.7);
		for (size_t i = 0; i < n; i++)
			sprout_novelty_count(p, t[i], strlen(t[i]));
		char **pool = malloc(n * sizeof *pool);
		size_t np = 0;
		for (size_t i = 0; i < n; i++) {
			double best;
			size_t which;
			int isnew = sprout_novelty_check(p, t[i], strlen(t[i]), &best, &which);
			double ref = 0;
			for (size_t j = 0; j < np; j++) {
				double x = sprout_rouge_l(t[i], strlen(t[i]), pool[j], strlen(pool[j]));
				if (x > ref)
					ref = x;
			}
			if (isnew != (ref <= 0.7))
				test_fail(__FILE__, __LINE__, "seed %llu text %zu: index says %d, all pairs %f",
					  (unsigned long long)seed, i, isnew, ref);
			/* scores come from the pairs the index compared: never above the
			 * true best, and above the threshold exactly when it is */
			if (best > ref || (!isnew && best <= 0.7))
				test_fail(__FILE__, __LINE__, "best %f, all pairs %f", best, ref);
			if (isnew) {
				sprout_novelty_add(p, t[i], strlen(t[i]));
				pool[np++] = t[i];
			}
		}
		/* the prefix filter did prune */
		CHECK(sprout_novelty_verified(p) < (unsigned long)(np * n / 2));
		sprout_novelty_free(p);
		for (size_t i = 0; i < n; i++)
			free(t[i]);
		free(t);
		free(pool);
	}
}

static void near_duplicates_are_verified(void)
{
	sprout_neardup *d = sprout_neardup_new(0.8);
	size_t which;
	double j;
	const char *a = "How can I top up my account with a credit card today?";
	CHECK_INT(sprout_neardup_check(d, a, strlen(a), 1, &which, &j), 0);
	const char *b = "how can I top-up my account with a credit card today";
	CHECK_INT(sprout_neardup_check(d, b, strlen(b), 1, &which, &j), 1);
	CHECK_INT(which, 0);
	CHECK(j >= 0.8);
	CHECK(j == sprout_jaccard(a, strlen(a), b, strlen(b)));
	const char *c = "Why was my transfer declined yesterday evening?";
	CHECK_INT(sprout_neardup_check(d, c, strlen(c), 1, &which, &j), 0);
	/* every drop is a pair whose real Jaccard passes the threshold */
	size_t n = 3000, nadded = 3;
	char **t = make_texts(n, 9);
	const char **added = malloc((n + 3) * sizeof *added);
	added[0] = a;
	added[1] = c; /* b was a duplicate: entries are a, c, ... */
	nadded = 2;
	for (size_t i = 0; i < n; i++) {
		int dup = sprout_neardup_check(d, t[i], strlen(t[i]), 1, &which, &j);
		CHECK(dup >= 0);
		if (dup) {
			CHECK(which < nadded);
			double real = sprout_jaccard(t[i], strlen(t[i]), added[which], strlen(added[which]));
			CHECK(real >= 0.8 && real == j);
		} else {
			added[nadded++] = t[i];
		}
	}
	for (size_t i = 0; i < n; i++)
		free(t[i]);
	free(t);
	free(added);
	unsigned long cand, conf;
	sprout_neardup_counts(d, &cand, &conf);
	CHECK(conf <= cand);
	CHECK(conf > 0);
	sprout_neardup_free(d);
}

/* Adding without looking builds the index that checking with add 2 builds. */
static void neardup_add_is_check_and_add(void)
{
	sprout_neardup *x = sprout_neardup_new(0.85), *y = sprout_neardup_new(0.85);
	size_t n = 2000, wx, wy;
	double jx, jy;
	char **t = make_texts(n, 7);
	for (size_t i = 0; i < n; i += 2) {
		CHECK(sprout_neardup_check(x, t[i], strlen(t[i]), 2, &wx, &jx) >= 0);
		CHECK_INT(sprout_neardup_add(y, t[i], strlen(t[i])), 0);
	}
	for (size_t i = 1; i < n; i += 2) {
		int dx = sprout_neardup_check(x, t[i], strlen(t[i]), 0, &wx, &jx);
		int dy = sprout_neardup_check(y, t[i], strlen(t[i]), 0, &wy, &jy);
		CHECK_INT(dx, dy);
		if (dx) {
			CHECK_INT(wx, wy);
			CHECK(jx == jy);
		}
	}
	for (size_t i = 0; i < n; i++)
		free(t[i]);
	free(t);
	sprout_neardup_free(x);
	sprout_neardup_free(y);
}

SUITE(dedup_tests) = {
	T(neardup_add_is_check_and_add),
	T(normalisation),
	T(rouge_l_by_hand),
	T(novelty_decides_as_all_pairs_do),
	T(near_duplicates_are_verified),
	{NULL, NULL},
};
