/* Duplicates by sorted keys (src/lib/checks/keysort.h, internal): the
 * decisions of the in-memory index, keys files. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "test.h"
#include "util.h"

#include "../../src/lib/checks/keysort.h"
#include "sprout/rng.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#define BANDS SPROUT_NEARDUP_BANDS

static void exact_key(const char *s, uint64_t h[2])
{
	sprout_buf b = SPROUT_BUF_INIT((size_t)1 << 20);
	CHECK_INT(sprout_normalize(s, strlen(s), &b), SPROUT_OK);
	XXH128_hash_t x = XXH3_128bits(b.data ? b.data : "", b.len);
	h[0] = x.high64 ? x.high64 : 1;
	h[1] = x.low64;
	sprout_buf_release(&b);
}

/* Decide texts t[0..n) by sorted keys (runs of mem bytes) as the filter
 * does: kept[i] set, and the check (0 exact, 1 near) of the rejected. */
static void decide_sorted(char **t, size_t n, double threshold, size_t mem, int *kept, int *why,
			  uint64_t *runs)
{
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_neardup *d = sprout_neardup_new(threshold);
	sprout_keysort *s = sprout_keysort_new(BANDS, mem, NULL, &err);
	CHECK(d && s);
	for (size_t i = 0; i < n; i++) {
		uint64_t h[2], band[BANDS];
		exact_key(t[i], h);
		CHECK_INT(sprout_neardup_keys(d, t[i], strlen(t[i]), band), SPROUT_OK);
		CHECK_INT(sprout_keysort_add(s, h, band, &err), SPROUT_OK);
	}
	CHECK_INT(sprout_keysort_plan(s, &err), SPROUT_OK);
	for (size_t j = 0; j < n; j++) {
		sprout_keysort_cand c;
		int got, dup = 0, check = 0;
		double score = 0;
		while (!dup && (got = sprout_keysort_next(s, j, &c, &err)) == 1) {
			CHECK(c.i < j);
			if (c.band == SPROUT_KEYSORT_EXACT) { /* a follower: its leader's fate */
				dup = 1;
				if (!sprout_keysort_verdict(s, c.i, &check, &score))
					check = 0;
			} else if (sprout_keysort_kept(s, c.i)) {
				double jac =
				    sprout_jaccard(t[j], strlen(t[j]), t[c.i], strlen(t[c.i]));
				if (jac >= threshold) {
					dup = 1;
					check = 1;
					score = jac;
				}
			}
		}
		CHECK(got >= 0);
		kept[j] = !dup;
		why[j] = check;
		CHECK_INT(sprout_keysort_decide(s, j, !dup, check, score, &err), SPROUT_OK);
	}
	uint64_t records, pairs;
	sprout_keysort_counts(s, &records, &pairs, runs);
	CHECK_INT(records, n);
	sprout_keysort_free(s);
	sprout_neardup_free(d);
}

/* The same with the in-memory index and exact set, as the filter's
 * checks across records do. */
static void decide_in_memory(char **t, size_t n, double threshold, int *kept, int *why)
{
	sprout_neardup *d = sprout_neardup_new(threshold);
	uint64_t(*seen)[2] = calloc(n + 1, sizeof *seen);
	size_t nseen = 0;
	for (size_t j = 0; j < n; j++) {
		uint64_t h[2];
		exact_key(t[j], h);
		int dup = 0;
		for (size_t k = 0; k < nseen && !dup; k++)
			dup = seen[k][0] == h[0] && seen[k][1] == h[1];
		why[j] = 0;
		if (!dup) {
			size_t which;
			double jac;
			dup = sprout_neardup_check(d, t[j], strlen(t[j]), 0, &which, &jac);
			CHECK(dup >= 0);
			why[j] = 1;
		}
		kept[j] = !dup;
		if (!dup) {
			seen[nseen][0] = h[0];
			seen[nseen++][1] = h[1];
			CHECK_INT(sprout_neardup_add(d, t[j], strlen(t[j])), 0);
		}
	}
	free(seen);
	sprout_neardup_free(d);
}

/* a ~ b ~ c, but a !~ c: b goes (a near duplicate of a), so c stays (its
 * only near copy, b, was not kept); a copy of b goes as b did, a copy of
 * c as a duplicate of c. */
static void chain_keeps_what_a_rejected_record_would_reject(void)
{
	char *t[] = {
	    "please tell me how i can transfer money from my savings account to my checking "
	    "account today without any fees",
	    "please tell me how i can transfer money from my savings account to my checking "
	    "account today without any charges",
	    "could you tell me how i can transfer money from my savings account to my checking "
	    "account today without any charges",
	    "Please tell me how I can transfer money from my savings account to my checking "
	    "account today, without any charges!",
	    "could you tell me how i can transfer money from my savings account to my checking "
	    "account today without any charges",
	};
	double ab = sprout_jaccard(t[0], strlen(t[0]), t[1], strlen(t[1]));
	double bc = sprout_jaccard(t[1], strlen(t[1]), t[2], strlen(t[2]));
	double ac = sprout_jaccard(t[0], strlen(t[0]), t[2], strlen(t[2]));
	CHECK(ab >= 0.85 && bc >= 0.85 && ac < 0.85);
	int kept[5], why[5], mkept[5], mwhy[5];
	uint64_t runs;
	decide_sorted(t, 5, 0.85, 1 << 20, kept, why, &runs);
	decide_in_memory(t, 5, 0.85, mkept, mwhy);
	int want[5] = {1, 0, 1, 0, 0};
	for (int i = 0; i < 5; i++) {
		CHECK_INT(kept[i], want[i]);
		CHECK_INT(mkept[i], want[i]);
	}
	CHECK_INT(why[1], 1); /* near */
	CHECK_INT(why[3], 1); /* as b, its leader */
	CHECK_INT(why[4], 0); /* exact, of c */
	CHECK_INT(runs, 0);
}

/* Families of near copies and exact copies, many more keys than a run
 * holds: the sorted keys keep exactly what the index keeps. */
static void sorted_keys_decide_as_the_index(void)
{
	static const char *const words[] = {"card",  "refund",	"transfer", "money", "account",
					    "my",    "the",	"why",	    "is",    "not",
					    "there", "how",	"do",	    "i",     "top",
					    "up",    "pending", "fee",	    "cash",  "atm"};
	sprout_rng r;
	sprout_rng_init(&r, 9, "families", "keysort");
	size_t nbase = 300, n = 6000;
	char **base = malloc(nbase * sizeof *base);
	for (size_t i = 0; i < nbase; i++) {
		char buf[512] = "";
		for (size_t k = 6 + sprout_rng_below(&r, 10); k; k--) {
			strcat(buf, words[sprout_rng_below(&r, 20)]);
			strcat(buf, " ");
		}
		base[i] = strdup(buf);
	}
	char **t = malloc(n * sizeof *t);
	for (size_t i = 0; i < n; i++) {
		char buf[600];
		snprintf(buf, sizeof buf, "%s", base[sprout_rng_below(&r, nbase)]);
		size_t len = strlen(buf);
		for (size_t e = sprout_rng_below(&r, 4); e; e--) /* 0 edits: an exact copy */
			buf[sprout_rng_below(&r, len)] = (char)('a' + sprout_rng_below(&r, 26));
		t[i] = strdup(buf);
	}
	int *kept = malloc(n * sizeof *kept), *why = malloc(n * sizeof *why);
	int *mkept = malloc(n * sizeof *mkept), *mwhy = malloc(n * sizeof *mwhy);
	uint64_t runs;
	decide_sorted(t, n, 0.8, 0, kept, why, &runs); /* the smallest runs */
	decide_in_memory(t, n, 0.8, mkept, mwhy);
	size_t nkept = 0, exact = 0, near = 0;
	for (size_t i = 0; i < n; i++) {
		CHECK_INT(kept[i], mkept[i]);
		nkept += kept[i];
		exact += !kept[i] && !why[i];
		near += !kept[i] && why[i];
	}
	CHECK(runs > 2);			     /* sorted on disk */
	CHECK(nkept > n / 10 && nkept < n - n / 10); /* every kind of decision */
	CHECK(exact > 100 && near > 100);
	for (size_t i = 0; i < n; i++)
		free(t[i]);
	for (size_t i = 0; i < nbase; i++)
		free(base[i]);
	free(t);
	free(base);
	free(kept);
	free(why);
	free(mkept);
	free(mwhy);
}

static void keys_file_round_trip_and_damage(void)
{
	char dir[] = "/tmp/sprout-keys-XXXXXX";
	CHECK(mkdtemp(dir));
	char path[256];
	snprintf(path, sizeof path, "%s/k.keys", dir);
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_keys_writer *w = sprout_keys_create(path, BANDS, 5, &err);
	CHECK(w);
	for (uint64_t i = 1; i <= 3; i++) {
		uint64_t h[2] = {i, i * 7}, b[BANDS];
		for (int k = 0; k < BANDS; k++)
			b[k] = i * 100 + (uint64_t)k;
		CHECK_INT(sprout_keys_put(w, h, b, &err), SPROUT_OK);
	}
	CHECK_INT(sprout_keys_commit(w, &err), SPROUT_OK);
	sprout_keys_reader *r = sprout_keys_open(path, &err);
	CHECK(r);
	CHECK_INT(sprout_keys_bands(r), BANDS);
	CHECK_INT(sprout_keys_slots(r), 5);
	CHECK_INT(sprout_keys_count(r), 3);
	uint64_t h[2], b[BANDS];
	for (uint64_t i = 1; i <= 3; i++) {
		CHECK_INT(sprout_keys_next(r, h, b, &err), SPROUT_OK);
		CHECK(h[0] == i && h[1] == i * 7 && b[0] == i * 100 && b[5] == i * 100 + 5);
	}
	CHECK_INT(sprout_keys_next(r, h, b, &err), SPROUT_END);
	sprout_keys_close(r);
	/* a byte changed: the checksum says so at the end */
	FILE *f = fopen(path, "r+b");
	CHECK(f && fseek(f, 40, SEEK_SET) == 0 && fputc(0x55, f) != EOF && fclose(f) == 0);
	CHECK((r = sprout_keys_open(path, &err)) != NULL);
	sprout_code rc;
	while ((rc = sprout_keys_next(r, h, b, &err)) == SPROUT_OK)
		;
	CHECK_INT(rc, SPROUT_ERR_FORMAT);
	CHECK(strstr(err.msg, "checksum") && !strcmp(err.file, path));
	sprout_keys_close(r);
	/* cut short */
	CHECK(truncate(path, 100) == 0);
	CHECK(!sprout_keys_open(path, &err));
	CHECK_INT(err.code, SPROUT_ERR_FORMAT);
	CHECK(strstr(err.msg, "size"));
	/* not one */
	f = fopen(path, "wb");
	CHECK(f && fputs("{\"text\": \"a record, not keys\"}\n", f) >= 0 && fclose(f) == 0);
	CHECK(!sprout_keys_open(path, &err));
	CHECK(strstr(err.msg, "not a sprout keys file"));
	unlink(path);
	CHECK(!sprout_keys_open(path, &err));
	CHECK_INT(err.code, SPROUT_ERR_IO);
	rmdir(dir);
}

SUITE(keysort_tests) = {
    T(chain_keeps_what_a_rejected_record_would_reject),
    T(sorted_keys_decide_as_the_index),
    T(keys_file_round_trip_and_damage),
    {NULL, NULL},
};
