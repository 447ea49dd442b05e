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
	    "give",  "me",	"a",	    "list",    "of",	    "the",  "best", "ways",
	    "to",    "write",	"poem",	    "about",   "cats",	    "dogs", "in",   "short",
	    "story", "explain", "why",	    "sky",     "is",	    "blue", "how",  "do",
	    "i",     "learn",	"language", "quickly", "summarize", "this",
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
				double x =
				    sprout_rouge_l(t[i], strlen(t[i]), pool[j], strlen(pool[j]));
				if (x > ref)
					ref = x;
			}
			if (isnew != (ref <= 0.7))
				test_fail(__FILE__, __LINE__,
					  "seed %llu text %zu: index says %d, all pairs %f",
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
			double real =
			    sprout_jaccard(t[i], strlen(t[i]), added[which], strlen(added[which]));
			CHECK(real >= 0.8 && real == j);
		} else {
			added[nadded++] = t[i];
		}
	}
	for (size_t i = 0; i < n; i++)
		free(t[i]);
	free(t);
	free(added);
	unsigned long cand, verified, conf;
	sprout_neardup_counts(d, &cand, &verified, &conf);
	CHECK(conf <= verified && verified <= cand);
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

/* Families of near copies (a base text with a few characters changed,
 * a word before and after), short and long (over 8,160 shingles, where the
 * sketch's bins saturate): the sketch bound turns candidates down without
 * changing a decision, the entry found or its Jaccard. */
static void neardup_sketch_decides_as_verifying_all(void)
{
	enum { NSHORT = 40, NLONG = 2 };
	sprout_rng r;
	sprout_rng_init(&r, 5, "families", "dedup");
	char *base[NSHORT + NLONG];
	char **parts = make_texts(NSHORT, 3);
	for (size_t i = 0; i < NSHORT; i++)
		base[i] = strdup(parts[i]);
	for (size_t i = 0; i < NLONG; i++) { /* words of random letters: few repeated shingles */
		sprout_buf b = SPROUT_BUF_INIT((size_t)1 << 20);
		while (b.len < 10000) {
			for (size_t k = 3 + sprout_rng_below(&r, 6); k; k--)
				sprout_buf_addc(&b, (char)('a' + sprout_rng_below(&r, 26)));
			sprout_buf_addc(&b, ' ');
		}
		base[NSHORT + i] = strdup(b.data);
		sprout_buf_release(&b);
	}
	static const char *const edge[] = {"amber", "birch", "cedar", "delta", "ember", "fjord"};
	size_t n = 2000;
	char **t = malloc(n * sizeof *t);
	for (size_t i = 0; i < n; i++) {
		size_t which = sprout_rng_below(&r, 40) ? sprout_rng_below(&r, NSHORT)
							: NSHORT + sprout_rng_below(&r, NLONG);
		sprout_buf b = SPROUT_BUF_INIT((size_t)1 << 20);
		sprout_buf_addf(&b, "%s %s %s", edge[sprout_rng_below(&r, 6)], base[which],
				edge[sprout_rng_below(&r, 6)]);
		size_t edits = sprout_rng_below(&r, 4) * (which < NSHORT ? 1 : 50);
		for (; edits; edits--)
			b.data[sprout_rng_below(&r, b.len)] =
			    (char)('a' + sprout_rng_below(&r, 26));
		t[i] = strdup(b.data);
		sprout_buf_release(&b);
	}
	sprout_neardup *x = sprout_neardup_new(0.85), *y = sprout_neardup_new(0.85);
	sprout_neardup_exhaustive(y, 1);
	size_t dups = 0, long_dups = 0;
	for (size_t i = 0; i < n; i++) {
		size_t wx = 0, wy = 0;
		double jx = 0, jy = 0;
		int dx = sprout_neardup_check(x, t[i], strlen(t[i]), 1, &wx, &jx);
		int dy = sprout_neardup_check(y, t[i], strlen(t[i]), 1, &wy, &jy);
		CHECK(dx >= 0);
		CHECK_INT(dx, dy);
		if (dx && dy) {
			dups++;
			long_dups += strlen(t[i]) > 10000;
			CHECK_INT(wx, wy);
			CHECK(jx == jy);
		}
	}
	unsigned long cx, vx, fx, cy, vy, fy;
	sprout_neardup_counts(x, &cx, &vx, &fx);
	sprout_neardup_counts(y, &cy, &vy, &fy);
	CHECK(dups > n / 10 && dups < n - n / 10); /* both kinds of decision */
	CHECK(long_dups > 0);
	CHECK(cx == cy && fx == fy && fx == dups);
	CHECK(vy == cy);    /* exhaustive: every candidate verified */
	CHECK(vx < cx / 2); /* the sketches turned most down */
	CHECK(vx > fx);	    /* and let some through that failed */
	sprout_neardup_free(x);
	sprout_neardup_free(y);
	for (size_t i = 0; i < n; i++)
		free(t[i]);
	free(t);
	for (size_t i = 0; i < NSHORT + NLONG; i++)
		free(base[i]);
	for (size_t i = 0; i < NSHORT; i++)
		free(parts[i]);
	free(parts);
}

SUITE(dedup_tests) = {
    T(neardup_sketch_decides_as_verifying_all),
    T(neardup_add_is_check_and_add),
    T(normalisation),
    T(rouge_l_by_hand),
    T(novelty_decides_as_all_pairs_do),
    T(near_duplicates_are_verified),
    {NULL, NULL},
};
