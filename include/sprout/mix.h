/* sprout/mix.h - blending real and synthetic records, and splitting them
 * into train / validation / test without leakage.
 *
 * Both work on plans: given the records (in memory), they decide what
 * happens to each one and why, and the caller writes the outputs. A record
 * is real when its _sprout.method is "seed" (or it has no parent), synthetic
 * otherwise; a synthetic record belongs to the seed named by _sprout.root.
 */
#ifndef SPROUT_MIX_H
#define SPROUT_MIX_H

#include <stddef.h>
#include <stdint.h>

#include "sprout/arena.h"
#include "sprout/error.h"
#include "sprout/record.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 1 for a real record (a seed), 0 for a synthetic one. */
int sprout_record_is_real(const sprout_record *r);

typedef struct sprout_mix_options {
	double ratio;     /* synthetic per real record, e.g. 10 for 10:1; 0 = no limit */
	double max_share; /* largest share of synthetic records, e.g. 0.7; 0 = no limit */
	long per_seed;    /* most variants kept per seed; -1 = no limit */
	int balance;      /* give synthetic records to the labels with the fewest first */
	uint64_t seed;
	int shuffle;      /* order the output at random (seeded) */
} sprout_mix_options;

void sprout_mix_options_init(sprout_mix_options *o);

/* The plan of a mix: out[0..*nout) are the indices of the records kept, in
 * output order; dropped[i] is NULL for a kept record, else why it was not
 * (a static string: "cap", "ratio", "share"). Arrays in a. */
typedef struct sprout_mix_plan {
	size_t *out;
	size_t nout;
	const char **dropped;
	size_t real, synthetic, kept_synthetic;
	size_t by_reason[3]; /* cap, ratio, share */
	size_t budget;       /* synthetic records the limits allowed */
} sprout_mix_plan;

sprout_code sprout_mix(const sprout_record *recs, size_t n, const sprout_mix_options *o,
		       sprout_arena *a, sprout_mix_plan *plan, sprout_error *err);

typedef struct sprout_split_options {
	double valid, test; /* shares of the real records, e.g. 0.1 each */
	uint64_t seed;
	int stratify;       /* by label (default 1) */
	double leak_jaccard; /* near-duplicate threshold for the leakage check (0.85) */
} sprout_split_options;

void sprout_split_options_init(sprout_split_options *o);

enum { SPROUT_SPLIT_TRAIN, SPROUT_SPLIT_VALID, SPROUT_SPLIT_TEST, SPROUT_SPLIT_DROPPED };

/* A leak: a validation or test record near-identical to a training one. */
typedef struct sprout_leak {
	size_t held_out, train; /* record indices */
	double jaccard;
} sprout_leak;

typedef struct sprout_split_plan {
	int *side;          /* per record: SPROUT_SPLIT_* */
	const char **why;   /* per dropped record: why (a synthetic record of a held-out seed) */
	size_t count[4];
	sprout_leak *leaks; /* found by the check */
	size_t nleaks;
} sprout_split_plan;

/* Split: real records go to train, valid or test (stratified by label,
 * seeded); synthetic records go to train when their seed did, and are
 * dropped when their seed is held out. Then every held-out record is
 * compared with the training records (prompt, near duplicates, verified
 * Jaccard): leaks are listed, not fixed. */
sprout_code sprout_split(const sprout_record *recs, size_t n, const sprout_split_options *o,
			 sprout_arena *a, sprout_split_plan *plan, sprout_error *err);

#ifdef __cplusplus
}
#endif
#endif
