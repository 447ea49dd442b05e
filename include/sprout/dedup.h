/* sprout/dedup.h - exact and near-duplicate detection, and novelty
 * against a pool (ROUGE-L, as Self-Instruct filters new instructions).
 *
 * Near duplicates: MinHash signatures over character 5-gram shingles of the
 * normalised text, banded into an LSH index; every candidate pair the index
 * proposes is verified with its real Jaccard similarity, so hashing alone
 * never drops a record. A candidate whose sketch (its shingles counted in
 * 32 bins) shows that the pair cannot reach the threshold is passed over
 * unverified: the same decisions for less work.
 *
 * Novelty: ROUGE-L F1 (2 * LCS / (m + n) over lowercase word tokens). A
 * prefix filter on tokens ordered by rarity prunes pairs that cannot reach
 * the threshold; the decisions are exactly those of comparing every pair.
 */
#ifndef SPROUT_DEDUP_H
#define SPROUT_DEDUP_H

#include <stddef.h>
#include <stdint.h>

#include "sprout/buf.h"
#include "sprout/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Normalised form for exact comparison: lowercase, punctuation dropped,
 * runs of space made one. Appends to out. */
sprout_code sprout_normalize(const char *s, size_t n, sprout_buf *out);

/* ---- near duplicates ---------------------------------------------------- */

typedef struct sprout_neardup sprout_neardup;

/* An empty index; threshold: the Jaccard similarity (0-1) from which two
 * texts are near duplicates. NULL on OOM. */
sprout_neardup *sprout_neardup_new(double threshold);
void sprout_neardup_free(sprout_neardup *d); /* accepts NULL */

/* Is text a near duplicate of one already added? Returns 1 (and the
 * index of that text, in the order of adding, and the Jaccard) or 0.
 * Then add it: with add 1 when it is not a duplicate, with add 2 in any
 * case (add 0: never). -1 on OOM. */
int sprout_neardup_check(sprout_neardup *d, const char *s, size_t n, int add, size_t *which,
			 double *jaccard);

/* Bands of the LSH index: a text is filed under one key a band. */
#define SPROUT_NEARDUP_BANDS 6

/* The keys under which the index files text s and looks up its candidates
 * (what sprout_neardup_check and sprout_neardup_add compute): two texts
 * are candidates of each other when a key of one equals a key of the
 * other, whatever their bands. Never 0. SPROUT_ERR_NOMEM. */
sprout_code sprout_neardup_keys(sprout_neardup *d, const char *s, size_t n,
				uint64_t keys[SPROUT_NEARDUP_BANDS]);

/* Add text without looking for its near duplicates (what
 * sprout_neardup_check with add 2 adds, for less work). 0, or -1 on OOM. */
int sprout_neardup_add(sprout_neardup *d, const char *s, size_t n);

/* Candidate pairs the LSH index proposed, how many of them were verified
 * (their shingles compared: the others' sketches showed that they cannot
 * reach the threshold) and how many of those the real Jaccard confirmed
 * (for benchmarks and tests). */
void sprout_neardup_counts(const sprout_neardup *d, unsigned long *candidates,
			   unsigned long *verified, unsigned long *confirmed);

/* With on 1, verify every candidate, without the sketch bound (the same
 * decisions, more work: for tests and benchmarks). */
void sprout_neardup_exhaustive(sprout_neardup *d, int on);

/* Jaccard similarity of the shingle sets of two texts. */
double sprout_jaccard(const char *a, size_t na, const char *b, size_t nb);

/* ---- novelty (ROUGE-L) -------------------------------------------------- */

/* ROUGE-L F1 of two texts. */
double sprout_rouge_l(const char *a, size_t na, const char *b, size_t nb);

typedef struct sprout_novelty sprout_novelty;

/* A pool; threshold: a text is not new when its ROUGE-L with some pool text
 * exceeds it (Self-Instruct: 0.7). */
sprout_novelty *sprout_novelty_new(double threshold);
void sprout_novelty_free(sprout_novelty *p); /* accepts NULL */

/* Before any sprout_novelty_add: count a text's tokens so that the index
 * orders tokens by rarity (optional; texts not counted still work). */
sprout_code sprout_novelty_count(sprout_novelty *p, const char *s, size_t n);

/* Is s new? Returns 1 when no pool text has a ROUGE-L with it above the
 * threshold, exactly as comparing every pair would decide. *best is the
 * highest score among the pairs the index compared (pairs it skipped cannot
 * pass the threshold), and for a text that is not new the first score
 * found above it (the search stops there); *which its pool index. */
int sprout_novelty_check(sprout_novelty *p, const char *s, size_t n, double *best, size_t *which);

/* Add s to the pool. */
sprout_code sprout_novelty_add(sprout_novelty *p, const char *s, size_t n);

/* Pairs the prefix filter let through to an LCS computation. */
unsigned long sprout_novelty_verified(const sprout_novelty *p);

#ifdef __cplusplus
}
#endif
#endif
