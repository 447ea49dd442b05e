/* sprout/mix.h - blending real and synthetic records, and splitting them
 * into train / validation / test without leakage.
 *
 * Both work on plans: they decide what happens to each record and why, and
 * the caller writes the outputs. A record is real when its _sprout.method
 * is "seed" (or it has no parent), synthetic otherwise; a synthetic record
 * belongs to the seed named by _sprout.root.
 *
 * The plans need only a brief of each record (12 bytes: its label, its
 * seed, real or not), so a caller can plan millions of records while the
 * records themselves wait on disk (sprout/spool.h): sprout_mix_briefs and
 * sprout_split_briefs, with the leakage check fed one prompt at a time.
 * sprout_mix and sprout_split do the same for records in memory.
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

/* What mix and split know of a record. Labels and seeds are numbered in
 * the order they are first seen. */
typedef struct sprout_brief {
	uint32_t label; /* its label slot's text ("" when none) */
	uint32_t root;	/* the seed it belongs to: _sprout.root (or .parent) of a
			 * synthetic record, the id of a real one */
	uint32_t real;	/* sprout_record_is_real */
} sprout_brief;

/* Briefs of records in order, with the label and seed names. */
typedef struct sprout_briefs sprout_briefs;

sprout_briefs *sprout_briefs_new(void);	   /* NULL on OOM */
void sprout_briefs_free(sprout_briefs *b); /* accepts NULL */
/* Append the brief of r (which has provenance: sprout_meta_ensure). Only
 * SPROUT_ERR_NOMEM. */
sprout_code sprout_briefs_add(sprout_briefs *b, const sprout_record *r, sprout_error *err);
size_t sprout_briefs_count(const sprout_briefs *b);
const sprout_brief *sprout_briefs_get(const sprout_briefs *b, size_t i);
const char *sprout_briefs_label(const sprout_briefs *b, uint32_t label);
const char *sprout_briefs_root(const sprout_briefs *b, uint32_t root);

typedef struct sprout_mix_options {
	double ratio;	  /* synthetic per real record, e.g. 10 for 10:1; 0 = no limit */
	double max_share; /* largest share of synthetic records, e.g. 0.7; 0 = no limit */
	long per_seed;	  /* most variants kept per seed; -1 = no limit */
	int balance;	  /* give synthetic records to the labels with the fewest first */
	uint64_t seed;
	int shuffle; /* order the output at random (seeded) */
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
	size_t budget;	     /* synthetic records the limits allowed */
} sprout_mix_plan;

sprout_code sprout_mix(const sprout_record *recs, size_t n, const sprout_mix_options *o,
		       sprout_arena *a, sprout_mix_plan *plan, sprout_error *err);
/* The same plan from the briefs of the records (indices are theirs). */
sprout_code sprout_mix_briefs(const sprout_briefs *b, const sprout_mix_options *o, sprout_arena *a,
			      sprout_mix_plan *plan, sprout_error *err);

typedef struct sprout_split_options {
	double valid, test; /* shares of the real records, e.g. 0.1 each */
	uint64_t seed;
	int stratify;	     /* by label (default 1) */
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
	int *side;	  /* per record: SPROUT_SPLIT_* */
	const char **why; /* per dropped record: why (a synthetic record of a held-out seed) */
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

/* The sides alone, from the briefs: plan->leaks stays empty (the caller
 * runs the check below over the prompts). */
sprout_code sprout_split_briefs(const sprout_briefs *b, const sprout_split_options *o,
				sprout_arena *a, sprout_split_plan *plan, sprout_error *err);

/* The leakage check of a split, one prompt at a time: every training
 * prompt goes into a near-duplicate index (MinHash + LSH, verified
 * Jaccard) as it comes; held-out prompts are copied and checked against
 * the whole index at the end, in the order given. The same leaks as
 * sprout_split when the prompts come in record order. Memory: the index of
 * the training prompts and a copy of the held-out ones. */
typedef struct sprout_leakcheck sprout_leakcheck;

sprout_leakcheck *sprout_leakcheck_new(double jaccard); /* NULL on OOM */
void sprout_leakcheck_free(sprout_leakcheck *lc);	/* accepts NULL */
/* The prompt s[0..n) of training record i. Only SPROUT_ERR_NOMEM. */
sprout_code sprout_leakcheck_train(sprout_leakcheck *lc, size_t i, const char *s, size_t n,
				   sprout_error *err);
/* The prompt of held-out (validation or test) record i. */
sprout_code sprout_leakcheck_held(sprout_leakcheck *lc, size_t i, const char *s, size_t n,
				  sprout_error *err);
/* Check every held-out prompt: *leaks (in a) lists them in the order they
 * were given, each with the first training record found near-identical. */
sprout_code sprout_leakcheck_finish(sprout_leakcheck *lc, sprout_arena *a, sprout_leak **leaks,
				    size_t *nleaks, sprout_error *err);

#ifdef __cplusplus
}
#endif
#endif
