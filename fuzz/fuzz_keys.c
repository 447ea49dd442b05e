/* fuzz_keys - libFuzzer target for the keys file reader (a shard filter's
 * --keys-out, read by the merge's --keys; src/lib/checks/keysort.h). The
 * input is the file. Invariants: no crash, no leak; a file refused at
 * open or while read says why, naming it; a file read to its end gave as
 * many records as it announced, and writing them again makes the same
 * bytes; its records sorted by key give every record's candidates in
 * order, each an earlier record, a follower's first and alone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/keysort.h"
#include "fuzz.h"

#define MAXREC 512

static void sorted(unsigned bands, uint64_t (*keys)[2 + SPROUT_NEARDUP_BANDS], size_t n)
{
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_keysort *s = sprout_keysort_new(bands, 0, fuzz_dir(), &err);
	CHECK(s);
	for (size_t i = 0; i < n; i++)
		CHECK(sprout_keysort_add(s, keys[i], keys[i] + 2, &err) == SPROUT_OK);
	CHECK(sprout_keysort_plan(s, &err) == SPROUT_OK);
	for (uint64_t j = 0; j < n; j++) {
		sprout_keysort_cand c;
		int got, k = 0, follower = 0;
		while ((got = sprout_keysort_next(s, j, &c, &err)) == 1) {
			CHECK(c.i < j);
			CHECK(!follower); /* a follower has one candidate */
			if (c.band == SPROUT_KEYSORT_EXACT) {
				CHECK(k == 0);
				CHECK(keys[c.i][0] == keys[j][0] && keys[c.i][1] == keys[j][1]);
				follower = 1;
			} else {
				CHECK(c.band >= 0 && (unsigned)c.band < bands);
			}
			k++;
		}
		CHECK(got == 0);
		CHECK(sprout_keysort_decide(s, j, (int)(j % 3 == 0), 1, 0.5, &err) == SPROUT_OK);
	}
	sprout_keysort_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *dir = fuzz_dir();
	fuzz_write(dir, "in.keys", data, size);
	char path[4096], again[4096];
	snprintf(path, sizeof path, "%s/in.keys", dir);
	snprintf(again, sizeof again, "%s/again.keys", dir);
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_keys_reader *r = sprout_keys_open(path, &err);
	if (!r) {
		fuzz_check_error(&err, err.code);
		CHECK(!strcmp(err.file, path));
		return 0;
	}
	unsigned bands = sprout_keys_bands(r);
	CHECK(bands == 0 || bands == SPROUT_NEARDUP_BANDS);
	uint64_t count = sprout_keys_count(r);
	uint64_t(*keys)[2 + SPROUT_NEARDUP_BANDS] = malloc(MAXREC * sizeof *keys);
	CHECK(keys);
	size_t n = 0;
	sprout_code rc;
	uint64_t exact[2], band[SPROUT_NEARDUP_BANDS];
	while ((rc = sprout_keys_next(r, exact, band, &err)) == SPROUT_OK) {
		CHECK(exact[0] != 0);
		if (n < MAXREC) {
			keys[n][0] = exact[0];
			keys[n][1] = exact[1];
			memcpy(keys[n] + 2, band, bands * sizeof *band);
			n++;
		}
	}
	unsigned slots = sprout_keys_slots(r);
	sprout_keys_close(r);
	if (rc != SPROUT_END) {
		fuzz_check_error(&err, rc);
		CHECK(!strcmp(err.file, path));
		free(keys);
		return 0;
	}
	CHECK(n == count || (count > MAXREC && n == MAXREC));
	if (n == count) { /* written again: the same bytes */
		sprout_keys_writer *w = sprout_keys_create(again, bands, slots, &err);
		CHECK(w);
		for (size_t i = 0; i < n; i++)
			CHECK(sprout_keys_put(w, keys[i], keys[i] + 2, &err) == SPROUT_OK);
		CHECK(sprout_keys_commit(w, &err) == SPROUT_OK);
		FILE *f = fopen(again, "rb");
		CHECK(f);
		unsigned char *back = malloc(size + 1);
		CHECK(back);
		size_t got = fread(back, 1, size + 1, f);
		fclose(f);
		CHECK(got == size && memcmp(back, data, size) == 0);
		free(back);
	}
	sorted(bands, keys, n);
	free(keys);
	return 0;
}
