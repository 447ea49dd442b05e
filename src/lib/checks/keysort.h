/* keysort.h - duplicates across shards by sorted keys (internal; see
 * docs/internals/keys.md).
 *
 * A keys file holds, for each record a shard's filter kept (in its output
 * order), the record's exact key (XXH3-128 of its normalised text) and
 * its near-duplicate band keys (sprout_neardup_keys). The merge reads the
 * shards' keys files in order, so record g of them all is record g of the
 * joined file, and finds each record's candidates without an index in
 * memory:
 *
 *   sprout_keysort *s = sprout_keysort_new(bands, mem, dir, &err);
 *   sprout_keysort_add(s, exact, band, &err);     record 0, 1, ... n-1
 *   sprout_keysort_plan(s, &err);                 sorts and pairs
 *   for j in 0..n-1:
 *       while (sprout_keysort_next(s, j, &c, &err) == 1) ...   candidates
 *       sprout_keysort_decide(s, j, kept, check, score, &err);
 *   sprout_keysort_free(s);
 *
 * Exact keys are sorted first: a record whose text an earlier record has
 * (a "follower") has that first record, its leader, as its one candidate,
 * and shares its fate (the checks see the same text). Band keys of the
 * leaders only are sorted next: each group of equal keys gives every pair
 * (i, j), i < j, of its records, tagged with the band of j's key; the
 * pairs are sorted by (j, band, i), the order in which the in-memory
 * index offers j's candidates. Sorting is in runs of at most half of mem
 * bytes, written to unnamed files in dir, then merged. Memory: the runs,
 * 2 bits a record, the records of the largest group of equal band keys
 * (8 bytes each), and a verdict for each rejected leader that has
 * followers. */
#ifndef SPROUT_KEYSORT_H
#define SPROUT_KEYSORT_H

#include <stddef.h>
#include <stdint.h>

#include "sprout/dedup.h"
#include "sprout/error.h"

/* ---- keys files ---------------------------------------------------------- */

typedef struct sprout_keys_writer sprout_keys_writer;

/* Write path atomically (sprout_writer): records of bands band keys each
 * (0 or SPROUT_NEARDUP_BANDS), made from the slots in the bit mask slots.
 * NULL with err. */
sprout_keys_writer *sprout_keys_create(const char *path, unsigned bands, unsigned slots,
				       sprout_error *err);
/* One record: exact[2], band[0..bands). */
sprout_code sprout_keys_put(sprout_keys_writer *w, const uint64_t exact[2], const uint64_t *band,
			    sprout_error *err);
/* The count and checksum, then the file in place; w freed either way. */
sprout_code sprout_keys_commit(sprout_keys_writer *w, sprout_error *err);
void sprout_keys_abort(sprout_keys_writer *w); /* accepts NULL */
/* The temporary file being written (for a signal handler). */
const char *sprout_keys_temp_path(const sprout_keys_writer *w);

typedef struct sprout_keys_reader sprout_keys_reader;

/* Open a keys file and check its head and size against its count. NULL
 * with SPROUT_ERR_IO (cannot open) or SPROUT_ERR_FORMAT ("not a sprout keys
 * file ...") in err, located at path. */
sprout_keys_reader *sprout_keys_open(const char *path, sprout_error *err);
unsigned sprout_keys_bands(const sprout_keys_reader *r);
unsigned sprout_keys_slots(const sprout_keys_reader *r);
uint64_t sprout_keys_count(const sprout_keys_reader *r);
/* The next record: SPROUT_OK, SPROUT_END after the last (when the
 * checksum matched), SPROUT_ERR_FORMAT (a checksum that does not match, a
 * zero key: what no writer writes) or SPROUT_ERR_IO, at path. */
sprout_code sprout_keys_next(sprout_keys_reader *r, uint64_t exact[2],
			     uint64_t band[SPROUT_NEARDUP_BANDS], sprout_error *err);
void sprout_keys_close(sprout_keys_reader *r); /* accepts NULL */

/* ---- the sort ------------------------------------------------------------ */

typedef struct sprout_keysort sprout_keysort;

/* bands: 0 (exact keys only) or SPROUT_NEARDUP_BANDS; mem: bytes for the
 * runs (at least 64 KiB are used); dir: for the runs (NULL: $TMPDIR, else
 * /tmp). NULL with err. */
sprout_keysort *sprout_keysort_new(unsigned bands, size_t mem, const char *dir, sprout_error *err);
void sprout_keysort_free(sprout_keysort *s); /* accepts NULL */

/* The next record's keys (band ignored when bands is 0). */
sprout_code sprout_keysort_add(sprout_keysort *s, const uint64_t exact[2], const uint64_t *band,
			       sprout_error *err);

/* Every record added: find the candidate pairs. */
sprout_code sprout_keysort_plan(sprout_keysort *s, sprout_error *err);

#define SPROUT_KEYSORT_EXACT (-1) /* a candidate's band: the same exact key */

typedef struct sprout_keysort_cand {
	uint64_t i; /* an earlier record */
	int band;   /* of j's key that i shares, or SPROUT_KEYSORT_EXACT (i: j's leader) */
} sprout_keysort_cand;

/* The next candidate of record j (records asked in order 0, 1, ..., each
 * until none is left): 1 with *c, 0 when none is left, or an error. A
 * follower's one candidate is its leader, exact; a leader's are by band,
 * then by i. */
int sprout_keysort_next(sprout_keysort *s, uint64_t j, sprout_keysort_cand *c, sprout_error *err);

/* Record j is decided: kept, or rejected by check with score (remembered
 * when j is a leader with followers). */
sprout_code sprout_keysort_decide(sprout_keysort *s, uint64_t j, int kept, int check, double score,
				  sprout_error *err);

/* Was record i (decided) kept? */
int sprout_keysort_kept(const sprout_keysort *s, uint64_t i);

/* Leader i's verdict when it was rejected: 1 with *check and *score, 0
 * when it was kept. */
int sprout_keysort_verdict(const sprout_keysort *s, uint64_t i, int *check, double *score);

/* Records added, candidate pairs made (exact ones included), runs written
 * to disk (0: everything was sorted in memory). */
void sprout_keysort_counts(const sprout_keysort *s, uint64_t *records, uint64_t *pairs,
			   uint64_t *runs);

/* ---- the filter's side (filter.c) ---------------------------------------- */

#include "sprout/filter.h"

/* The keys of record r as the filter's duplicate checks see it (the text
 * of its checked slots): exact, and band when near duplicates are checked
 * (sprout_filter_key_bands). SPROUT_ERR_NOMEM. */
sprout_code sprout_filter_keys(sprout_filter *f, const sprout_record *r, uint64_t exact[2],
			       uint64_t band[SPROUT_NEARDUP_BANDS], sprout_error *err);
/* Band keys a record has for f: SPROUT_NEARDUP_BANDS, or 0 without near
 * duplicates. */
unsigned sprout_filter_key_bands(const sprout_filter *f);
/* The checked slots, a bit a slot. */
unsigned sprout_filter_key_slots(const sprout_filter *f);

/* Record i (earlier than the one checked), parsed into a record valid
 * until the next call. */
typedef sprout_code (*sprout_filter_get_fn)(void *ctx, uint64_t i, sprout_record *r,
					    sprout_error *err);

/* The checks across records (--part across, no novelty) for record j, r,
 * whose keys file said exact: its candidates from s, an earlier kept one
 * read with get when its Jaccard must be computed; the existing dataset's
 * (sprout_filter_existing) from memory. Decides j in s. The same verdict
 * as sprout_filter_record, but perhaps the score named when several
 * earlier records are near duplicates. SPROUT_ERR_RECORD when exact is
 * not r's (the keys file was made from other records). */
sprout_code sprout_filter_across_sorted(sprout_filter *f, sprout_record *r, const uint64_t exact[2],
					sprout_keysort *s, uint64_t j, sprout_filter_get_fn get,
					void *ctx, sprout_verdict *v, sprout_error *err);

#endif
