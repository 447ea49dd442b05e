/* sprout/filter.h - the checks a record must pass to be kept.
 *
 * A filter is set up with options, told about the dataset (texts for IDF,
 * parents by id, an existing dataset to deduplicate against, a novelty
 * pool), then judges records one by one in input order: the first check a
 * record fails rejects it, with the check's name, score and a reason. Every
 * check that ran records its score in the record's _sprout.scores. Kept
 * records join the duplicate and novelty indexes, so a later record that
 * repeats them is rejected.
 */
#ifndef SPROUT_FILTER_H
#define SPROUT_FILTER_H

#include <stddef.h>

#include "sprout/error.h"
#include "sprout/record.h"
#include "sprout/similarity.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sprout_check {
	SPROUT_CHECK_PII,
	SPROUT_CHECK_WORDS,	 /* min/max words */
	SPROUT_CHECK_REQUIRE,	 /* required patterns */
	SPROUT_CHECK_FORBID,	 /* forbidden patterns */
	SPROUT_CHECK_PARENT,	 /* a variant whose parent is nowhere to be found */
	SPROUT_CHECK_JSON,	 /* a slot must be valid JSON */
	SPROUT_CHECK_LABEL,	 /* a variant keeps its parent's label */
	SPROUT_CHECK_LENGTH,	 /* length ratio to the parent */
	SPROUT_CHECK_NEW_WORDS,	 /* words not in the parent */
	SPROUT_CHECK_SIMILARITY, /* similarity to the parent within a band */
	SPROUT_CHECK_VALIDATOR,	 /* an external command's exit code */
	SPROUT_CHECK_DUPLICATE,	 /* exact duplicate after normalisation */
	SPROUT_CHECK_NEAR_DUP,	 /* near duplicate (MinHash + LSH, verified) */
	SPROUT_CHECK_NOVELTY,	 /* ROUGE-L against the pool */
	SPROUT_CHECK__COUNT
} sprout_check;

/* "pii", "words", "require", "forbid", "parent", "json", "label",
 * "length_ratio", "new_words", "similarity", "validator", "duplicate",
 * "near_duplicate", "novelty". */
const char *sprout_check_name(sprout_check c);

typedef enum sprout_pii_mode {
	SPROUT_PII_REJECT,
	SPROUT_PII_REDACT,
	SPROUT_PII_KEEP
} sprout_pii_mode;

#define SPROUT_FILTER_MAX_PATTERNS 16

/* Which of the checks run. A record's own checks (PII to the validator)
 * need only the record and its parent, so they can run apart, a shard at
 * a time; the checks across records (exact and near duplicates against
 * the earlier kept records and --against, novelty) need every record in
 * order. Running EACH over each part of the records and then ACROSS over
 * what they keep, in the same order, decides as ALL does. */
typedef enum sprout_filter_part {
	SPROUT_FILTER_ALL,
	SPROUT_FILTER_EACH,
	SPROUT_FILTER_ACROSS
} sprout_filter_part;

typedef struct sprout_filter_options {
	int slots[SPROUT_SLOT__COUNT];	   /* slots checked (default: prompt) */
	int similarity;			   /* 1: check similarity to the parent */
	sprout_sim_kind engine;		   /* default meaning */
	double band_lo, band_hi;	   /* < 0: the engine's default: meaning
					    * sprout_meaning_threshold() (0.89) - 0.98,
					    * the others 0.70 - 0.98 */
	double ratio_lo, ratio_hi;	   /* length ratio band, 0 = no bound */
	long new_words_min, new_words_max; /* -1 = no bound */
	long min_words, max_words;	   /* -1 = no bound */
	const char *require[SPROUT_FILTER_MAX_PATTERNS];
	size_t nrequire;
	const char *forbid[SPROUT_FILTER_MAX_PATTERNS];
	size_t nforbid;
	int json_slot;		  /* -1: none */
	int label;		  /* 1: check label consistency */
	const char *validator;	  /* shell command, or NULL */
	double validator_timeout; /* seconds */
	int dedup;		  /* 0 off, 1 exact, 2 exact + near */
	double near_threshold;	  /* Jaccard, default 0.85 */
	int novelty;		  /* 1: check ROUGE-L against the pool */
	double novelty_threshold; /* default 0.7 */
	sprout_pii_mode pii;	  /* default reject */
	const char *wordnet_dir;  /* NULL: the default */
	const char *embed_url;	  /* engine embed: the endpoint */
	const char *embed_model;
	const char *embed_cache; /* SQLite file, NULL: none */
	int need_parent;	 /* 1: a variant whose parent is not known is
				  * rejected ("parent") even with no other check
				  * against the parent on (the judge's meaning
				  * rubric reads the parent) */
	sprout_filter_part part; /* which checks run (default all) */
} sprout_filter_options;

/* Defaults: prompt slot, meaning similarity in 0.89-0.98, length ratio
 * 0.5-2.0, label consistency, exact + near dedup at 0.85, PII rejected;
 * the rest off. A variant (a record with _sprout.parent) whose parent is not
 * known is rejected (check "parent") whenever a check against the parent is
 * on: it cannot be checked. */
void sprout_filter_options_init(sprout_filter_options *o);

typedef struct sprout_filter sprout_filter;

/* Set up: compiles patterns (SPROUT_ERR_USAGE naming a bad one), opens
 * WordNet when the engine needs it (SPROUT_ERR_IO naming wordnet-base). */
sprout_filter *sprout_filter_new(const sprout_filter_options *o, sprout_error *err);
void sprout_filter_free(sprout_filter *f); /* accepts NULL */

/* Tell the filter about a record of the dataset before judging: its text
 * counts for IDF and the novelty index's token order, and it becomes a
 * possible parent (found by its _sprout.id). */
sprout_code sprout_filter_know(sprout_filter *f, const sprout_record *r, sprout_error *err);

/* The same without keeping r's texts: r is remembered by ref (the caller's
 * number for it, such as its place in a spool), and the filter notes the
 * parent r names. After every record is known, sprout_filter_wanted gives
 * the refs of the records some known record names as its parent (each id
 * once, the first record with it, in increasing order), and the caller
 * hands each of them to sprout_filter_know_texts before judging. So a
 * million records keep their ids, not their texts. Not for the embed
 * engine (sprout_filter_prepare embeds every known text). */
sprout_code sprout_filter_know_ref(sprout_filter *f, const sprout_record *r, size_t ref,
				   sprout_error *err);
/* *refs (free it) holds *n refs. Only SPROUT_ERR_NOMEM. */
sprout_code sprout_filter_wanted(sprout_filter *f, size_t **refs, size_t *n, sprout_error *err);
/* The texts of a record given to sprout_filter_know_ref, for the checks
 * against it as a parent. */
sprout_code sprout_filter_know_texts(sprout_filter *f, const sprout_record *r, sprout_error *err);

/* The checked slots of r's parent (and its label): out[s] for each slot
 * the parent has, {NULL, 0} for the others. Returns 1, or 0 when r names
 * no parent or one the filter does not know (out is then all empty). The
 * texts stay valid while f lives. */
int sprout_filter_parent_texts(sprout_filter *f, const sprout_record *r,
			       sprout_text out[SPROUT_SLOT__COUNT]);

/* A record of an existing dataset: later records that duplicate it are
 * rejected (exact and near). */
sprout_code sprout_filter_existing(sprout_filter *f, const sprout_record *r, sprout_error *err);

/* A text for the novelty pool. */
sprout_code sprout_filter_pool(sprout_filter *f, const char *s, size_t n, sprout_error *err);

/* After every record is known, before judging: with the embed engine,
 * embed every checked text (in batches, through the cache). */
sprout_code sprout_filter_prepare(sprout_filter *f, sprout_error *err);

/* Requests sent to the embeddings endpoint and texts found in its cache. */
void sprout_filter_embed_counts(const sprout_filter *f, unsigned long *requests,
				unsigned long *cached);

typedef struct sprout_verdict {
	int keep;
	sprout_check check; /* the failed check when !keep */
	double score;	    /* its score */
	int has_score;
	char reason[256];
} sprout_verdict;

/* Judge r (in input order). Scores go into r's provenance (r must have
 * one: sprout_meta_ensure); with PII redaction r's text changes. Errors
 * are for OOM or a validator that cannot be started. */
sprout_code sprout_filter_record(sprout_filter *f, sprout_record *r, sprout_verdict *v,
				 sprout_error *err);

#ifdef __cplusplus
}
#endif
#endif
