/* Benchmarks for sprout filter's indexes (bench/filter.sh runs them).
 *
 *   dedup novelty FILE.jsonl [N]   ROUGE-L novelty (threshold 0.7) on the first
 *                                  N texts, with sprout's index and with a plain
 *                                  all-pairs loop; both must decide the same
 *   dedup near FILE.jsonl          near-duplicate removal (Jaccard 0.85) of every
 *                                  text; precision of the dropped pairs checked
 *                                  by recomputing each pair's Jaccard
 *
 * Texts are the "text" or "instruction" string of each line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "sprout/dedup.h"
#include "sprout/json.h"

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static char **load(const char *path, size_t max, size_t *n)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		perror(path);
		exit(1);
	}
	sprout_arena *a = sprout_arena_new(0);
	size_t cap = 1 << 16, k = 0;
	char **v = malloc(cap * sizeof *v);
	char *line = NULL;
	size_t lcap = 0;
	ssize_t len;
	while (k < max && (len = getline(&line, &lcap, f)) > 0) {
		sprout_arena_reset(a);
		sprout_json *j;
		if (sprout_json_parse(a, line, (size_t)len, &j, NULL))
			continue;
		sprout_json *t = sprout_json_get(j, "text");
		if (!t)
			t = sprout_json_get(j, "instruction");
		if (!t || t->type != SPROUT_JSON_STRING)
			continue;
		if (k == cap)
			v = realloc(v, (cap *= 2) * sizeof *v);
		v[k++] = strndup(t->u.s, t->len);
	}
	free(line);
	fclose(f);
	sprout_arena_free(a);
	*n = k;
	return v;
}

/* ---- the straightforward reference: tokenize once, DP LCS for every pair */

struct toks {
	char **w;
	size_t n;
};

static struct toks tokenize(const char *s)
{
	struct toks t = {malloc((strlen(s) + 1) * sizeof(char *)), 0};
	size_t i = 0, n = strlen(s);
	while (i < n) {
		while (i < n && !((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z') && !(s[i] >= '0' && s[i] <= '9') &&
		       (unsigned char)s[i] < 0x80)
			i++;
		size_t b = i;
		while (i < n && (((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
				 (unsigned char)s[i] >= 0x80))
			i++;
		if (i > b) {
			char *w = strndup(s + b, i - b);
			for (char *p = w; *p; p++)
				if (*p >= 'A' && *p <= 'Z')
					*p += 32;
			t.w[t.n++] = w;
		}
	}
	return t;
}

static double rouge(const struct toks *a, const struct toks *b, size_t *dp)
{
	size_t m = a->n, n = b->n;
	if (!m || !n)
		return 0;
	memset(dp, 0, (n + 1) * sizeof *dp);
	for (size_t i = 1; i <= m; i++) {
		size_t diag = 0;
		for (size_t j = 1; j <= n; j++) {
			size_t up = dp[j];
			dp[j] = strcmp(a->w[i - 1], b->w[j - 1]) == 0 ? diag + 1 : (dp[j] > dp[j - 1] ? dp[j] : dp[j - 1]);
			diag = up;
		}
	}
	return 2.0 * (double)dp[n] / (double)(m + n);
}

static long peak_kib(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static int novelty(const char *path, size_t max)
{
	size_t n;
	char **t = load(path, max, &n);
	printf("novelty: %zu texts, ROUGE-L threshold 0.7, pool = texts kept so far\n", n);
	double t0 = now();
	sprout_novelty *p = sprout_novelty_new(0.7);
	for (size_t i = 0; i < n; i++)
		sprout_novelty_count(p, t[i], strlen(t[i]));
	char *keep_index = malloc(n);
	size_t kept_index = 0;
	for (size_t i = 0; i < n; i++) {
		double best;
		size_t which;
		keep_index[i] = (char)sprout_novelty_check(p, t[i], strlen(t[i]), &best, &which);
		if (keep_index[i]) {
			sprout_novelty_add(p, t[i], strlen(t[i]));
			kept_index++;
		}
	}
	double t_index = now() - t0;
	unsigned long verified = sprout_novelty_verified(p);
	sprout_novelty_free(p);

	t0 = now();
	struct toks *tk = malloc(n * sizeof *tk);
	size_t *pool = malloc(n * sizeof *pool), np = 0, maxlen = 0;
	for (size_t i = 0; i < n; i++) {
		tk[i] = tokenize(t[i]);
		if (tk[i].n > maxlen)
			maxlen = tk[i].n;
	}
	size_t *dp = malloc((maxlen + 1) * sizeof *dp);
	unsigned long pairs = 0;
	size_t differ = 0;
	for (size_t i = 0; i < n; i++) {
		int isnew = 1;
		for (size_t j = 0; j < np && isnew; j++) {
			pairs++;
			if (rouge(&tk[i], &tk[pool[j]], dp) > 0.7)
				isnew = 0;
		}
		if (isnew)
			pool[np++] = i;
		differ += isnew != keep_index[i];
	}
	double t_plain = now() - t0;
	printf("  sprout index:  %8.2f s, %zu kept, %lu pairs given an LCS\n", t_index, kept_index, verified);
	printf("  all pairs:     %8.2f s, %zu kept, %lu pairs compared\n", t_plain, np, pairs);
	printf("  decisions that differ: %zu; speed-up %.0fx\n", differ, t_plain / t_index);
	return differ ? 1 : 0;
}

static int near(const char *path)
{
	size_t n;
	double t0 = now();
	char **t = load(path, (size_t)-1, &n);
	double t_load = now() - t0;
	long rss0 = peak_kib();
	t0 = now();
	sprout_neardup *d = sprout_neardup_new(0.85);
	size_t *kept = malloc(n * sizeof *kept), nk = 0, dropped = 0;
	size_t *pair_a = malloc(n * sizeof *pair_a), *pair_b = malloc(n * sizeof *pair_b);
	for (size_t i = 0; i < n; i++) {
		size_t which;
		double j;
		int dup = sprout_neardup_check(d, t[i], strlen(t[i]), 1, &which, &j);
		if (dup) {
			pair_a[dropped] = i;
			pair_b[dropped] = kept[which];
			dropped++;
		} else {
			kept[nk++] = i;
		}
	}
	double t_dedup = now() - t0;
	unsigned long cand, verified, conf;
	sprout_neardup_counts(d, &cand, &verified, &conf);
	long rss = peak_kib();
	/* precision: recompute every dropped pair's Jaccard from the texts */
	size_t good = 0;
	for (size_t i = 0; i < dropped; i++)
		good += sprout_jaccard(t[pair_a[i]], strlen(t[pair_a[i]]), t[pair_b[i]], strlen(t[pair_b[i]])) >= 0.85;
	printf("near duplicates: %zu texts (loaded in %.2f s), Jaccard >= 0.85 of 5-character shingles\n", n, t_load);
	printf("  time %.2f s (%.0f texts/s); peak RSS %.1f MiB (%.1f MiB of it the texts as loaded)\n",
	       t_dedup, (double)n / t_dedup, (double)rss / 1024, (double)rss0 / 1024);
	printf("  dropped %zu, kept %zu; LSH candidates %lu, verified %lu, confirmed %lu\n", dropped, nk,
	       cand, verified, conf);
	printf("  precision of the dropped pairs: %zu/%zu = %.4f\n", good, dropped,
	       dropped ? (double)good / (double)dropped : 1.0);
	sprout_neardup_free(d);
	return good == dropped ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "novelty") == 0)
		return novelty(argv[2], argc > 3 ? (size_t)atol(argv[3]) : 50000);
	if (argc >= 3 && strcmp(argv[1], "near") == 0)
		return near(argv[2]);
	fprintf(stderr, "usage: dedup novelty FILE [N] | dedup near FILE\n");
	return 2;
}
