/* sprout/review.h - review projects: records queued for people to accept,
 * reject or correct, in one SQLite file (WAL).
 *
 * A project holds items (records sampled from datasets, each with the seed
 * it was made from when that was given too), reviewers (a name and the
 * SHA-256 of a secret token: the token itself is not kept), and every decision each reviewer saved
 * (the latest counts; all are kept as history). An item is open to a reviewer until `overlap`
 * reviewers have decided it. Every call takes the project's lock, so one
 * handle serves many threads (the web server's). */
#ifndef SPROUT_REVIEW_H
#define SPROUT_REVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "sprout/buf.h"
#include "sprout/error.h"
#include "sprout/record.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sprout_review sprout_review;

/* Open the project at path; create it when create is set and it does not
 * exist (SPROUT_ERR_IO with the path otherwise). The file, its -wal and
 * -shm are made (or become) readable by their owner alone, and a project
 * from before tokens were hashed has its tokens hashed. */
sprout_review *sprout_review_open(const char *path, int create, sprout_error *err);
void sprout_review_close(sprout_review *rv); /* accepts NULL */

/* ---- adding records ------------------------------------------------------ */

typedef enum sprout_review_sample {
	SPROUT_SAMPLE_RANDOM,	  /* a random share */
	SPROUT_SAMPLE_STRATIFIED, /* the same share of every (method, label) */
	SPROUT_SAMPLE_LOWEST,	  /* the lowest-scored first */
	SPROUT_SAMPLE_ALL
} sprout_review_sample;

sprout_code sprout_review_sample_parse(const char *s, sprout_review_sample *out, sprout_error *err);

typedef struct sprout_review_add_options {
	sprout_review_sample sample;
	double fraction; /* share of the candidates (default 0.1) */
	uint64_t seed;
	const char *score; /* LOWEST: the _sprout.scores entry (default similarity) */
	int include_seeds; /* queue records without a parent too */
	/* the model's answer for each record, or NULL (from sprout flag) */
	const char *const *model_answers;
} sprout_review_add_options;

void sprout_review_add_options_init(sprout_review_add_options *o);

typedef struct sprout_review_added {
	size_t candidates; /* records that could be queued */
	size_t queued;	   /* new items */
	size_t present;	   /* chosen but already in the project */
} sprout_review_added;

/* Queue a sample of records[0..n) (each with provenance). Parents are
 * looked up by id among the same records (the first record of an id).
 * Re-adding a record (same _sprout.id) never makes a second item. The
 * items are added in one transaction: all of them, or none on an error. */
sprout_code sprout_review_add(sprout_review *rv, const sprout_record *records, size_t n,
			      const sprout_review_add_options *o, sprout_review_added *out,
			      sprout_error *err);

/* The same for records read one at a time, too many to hold: the adder
 * sees each record (with provenance) as it is read and keeps about 40
 * bytes of it (a hash of its id; for a record that could be queued, its
 * sampling key, method, label and a hash of its parent's id), while the
 * caller parks the records where it can read them back by number, in the
 * order seen (the CLI: a spool on disk). Finish chooses the sample and
 * reads back the chosen records in increasing order through get and their
 * parents through aside (any order: a reader that reads ahead keeps a
 * window for each), queueing them as sprout_review_add does (the same
 * items, in one transaction). A fetch fills *r with record i (its obj in
 * a, which finish resets between records) or fails with err.
 * o is copied; o->score and o->model_answers (indexed by the order seen)
 * are borrowed until finish. NULL with SPROUT_ERR_NOMEM from new;
 * SPROUT_ERR_NOMEM from see; finish fails as sprout_review_add does, or
 * with a fetch's error (nothing is then queued). Free with
 * sprout_review_adder_free (accepts NULL). */
typedef struct sprout_review_adder sprout_review_adder;
typedef sprout_code (*sprout_review_fetch)(void *ctx, size_t i, sprout_arena *a, sprout_record *r,
					   sprout_error *err);
sprout_review_adder *sprout_review_adder_new(const sprout_review_add_options *o, sprout_error *err);
sprout_code sprout_review_adder_see(sprout_review_adder *ad, const sprout_record *r,
				    sprout_error *err);
sprout_code sprout_review_adder_finish(sprout_review_adder *ad, sprout_review *rv,
				       sprout_review_fetch get, sprout_review_fetch aside,
				       void *ctx, sprout_review_added *out, sprout_error *err);
void sprout_review_adder_free(sprout_review_adder *ad);

/* Reviewers given each item (default 1). */
sprout_code sprout_review_set_overlap(sprout_review *rv, unsigned k, sprout_error *err);
unsigned sprout_review_overlap(sprout_review *rv);

/* Project name shown on the page (default: the file name). */
sprout_code sprout_review_set_name(sprout_review *rv, const char *name, sprout_error *err);

/* The reviewers' guidelines: Markdown text (at most 1 MiB, no NUL) kept in
 * the project and shown on the page, replacing any before. */
sprout_code sprout_review_set_guidelines(sprout_review *rv, const char *text, size_t len,
					 sprout_error *err);
/* {"markdown": TEXT} or {"markdown": null} without guidelines. */
sprout_code sprout_review_guidelines_json(sprout_review *rv, sprout_buf *out, sprout_error *err);

/* ---- reviewers ------------------------------------------------------------ */

#define SPROUT_TOKEN_LEN 64 /* hex digits */

/* Add a reviewer (a new token for an existing name replaces the old one:
 * the old link stops working). token gets SPROUT_TOKEN_LEN hex digits; the
 * project keeps only its hash, so this is the one time it can be seen. */
sprout_code sprout_review_reviewer_add(sprout_review *rv, const char *name,
				       char token[SPROUT_TOKEN_LEN + 1], sprout_error *err);
/* Remove a reviewer's access (their decisions stay). SPROUT_END if unknown. */
sprout_code sprout_review_reviewer_remove(sprout_review *rv, const char *name, sprout_error *err);
/* A reviewer's role: "adjudicator" (may set the final decision of items
 * where reviewers disagree) or NULL for none. SPROUT_END if unknown,
 * SPROUT_ERR_USAGE for another role. */
sprout_code sprout_review_reviewer_set_role(sprout_review *rv, const char *name, const char *role,
					    sprout_error *err);
/* Whether the reviewer with this id is an adjudicator. */
int sprout_review_is_adjudicator(sprout_review *rv, long reviewer);
/* The reviewers as JSON [{"name","link","decisions","role"}...], link true
 * while the reviewer has a token, role null or "adjudicator". */
sprout_code sprout_review_reviewers_json(sprout_review *rv, sprout_buf *out, sprout_error *err);

/* The reviewer a token belongs to: its id (> 0), or 0 for none. name (may
 * be NULL) gets the name. Looks up the token's SHA-256. */
long sprout_review_auth(sprout_review *rv, const char *token, char *name, size_t namelen);

/* A per-reviewer value for the CSRF header: HMAC-SHA256 keyed by the token
 * over the label "sprout review csrf", as 64 hex digits. Nothing the
 * project stores can give it. */
void sprout_review_csrf(const char *token, char out[SPROUT_TOKEN_LEN + 1]);

/* ---- the queue, for the web app (JSON shapes in docs/internals/review-api.md) */

typedef struct sprout_review_filter {
	const char *method; /* NULL or "": any */
	const char *label;
	const char *status; /* todo, done, accepted, rejected, edited, or NULL */
} sprout_review_filter;

/* The reviewer, the project and the counts, with the CSRF value of token
 * (the reviewer's, as presented). */
sprout_code sprout_review_me_json(sprout_review *rv, long reviewer, const char *token,
				  sprout_buf *out, sprout_error *err);
/* The reviewer's counts alone: {"total","done","left","accepted",...}. */
sprout_code sprout_review_counts_json(sprout_review *rv, long reviewer, sprout_buf *out,
				      sprout_error *err);
sprout_code sprout_review_facets_json(sprout_review *rv, sprout_buf *out, sprout_error *err);
sprout_code sprout_review_list_json(sprout_review *rv, long reviewer, const sprout_review_filter *f,
				    size_t offset, size_t limit, sprout_buf *out,
				    sprout_error *err);
/* SPROUT_END when the item does not exist (or is not open to the reviewer). */
sprout_code sprout_review_item_json(sprout_review *rv, long reviewer, long item, sprout_buf *out,
				    sprout_error *err);
/* The next undecided item as with item_json, or {"done":true}. */
sprout_code sprout_review_next_json(sprout_review *rv, long reviewer, const sprout_review_filter *f,
				    sprout_buf *out, sprout_error *err);

/* Save a decision: body is the JSON of the POST (decision, reason, comment,
 * record, and optionally expected_previous: the reviewer's decision the
 * caller believes the item has, null for none). SPROUT_ERR_USAGE with a
 * message for a bad body, and with *conflict (may be NULL) set when
 * expected_previous is given and is not the reviewer's decision now;
 * SPROUT_END for an unknown item. */
sprout_code sprout_review_decide_json(sprout_review *rv, long reviewer, long item, const char *body,
				      size_t len, int *conflict, sprout_error *err);

/* ---- adjudication ---------------------------------------------------------- */

/* The items reviewers disagree on (two or more decisions, not all the same)
 * and those adjudicated, with every reviewer's decision and the final one
 * (JSON shape in docs/internals/review-api.md). */
sprout_code sprout_review_disagreements_json(sprout_review *rv, sprout_buf *out, sprout_error *err);
/* Set an item's final decision (body as for decide_json, without comment or
 * expected_previous) as the adjudicator reviewer. SPROUT_ERR_USAGE for a bad
 * body or a reviewer who is not an adjudicator, SPROUT_END for an unknown
 * item. The export follows the final decision and keeps who set it. */
sprout_code sprout_review_adjudicate_json(sprout_review *rv, long reviewer, long item,
					  const char *body, size_t len, sprout_error *err);

/* ---- results -------------------------------------------------------------- */

/* Progress per reviewer, acceptance per method, agreement (Cohen's kappa
 * for two reviewers, Fleiss' kappa for more, and Krippendorff's alpha over
 * every item two or more decided), and for each judge rubric whose scores
 * (_sprout.scores["judge:RUBRIC"]) the reviewed items carry, its agreement
 * with the reviewers at each threshold and the best one, as JSON. */
sprout_code sprout_review_stats_json(sprout_review *rv, sprout_buf *out, sprout_error *err);

/* Krippendorff's alpha for nominal data. counts[u * k + c] is how many
 * ratings unit u got in category c (of k). A unit with fewer than two
 * ratings has no pair to compare and is left out, so missing ratings are
 * allowed. *pairable (may be NULL) gets the ratings counted. Returns NAN
 * when alpha is not defined: fewer than two such ratings, or all in one
 * category (no expected disagreement). */
double sprout_review_alpha_nominal(const unsigned *counts, size_t units, size_t k,
				   size_t *pairable);

/* How a judge's scores agree with people's decisions at a threshold: the
 * judge keeps item i when score[i] >= threshold, the people when keep[i]
 * is nonzero. *accuracy gets the share of items where both say the same,
 * and the return value is Cohen's kappa over the two keep/reject ratings:
 * (po - pe) / (1 - pe), pe the agreement expected by chance from each
 * side's share of keeps. NAN when it is not defined (no items, or both
 * sides give every item the same rating, so pe is 1). */
double sprout_review_judge_kappa(const int *score, const int *keep, size_t n, int threshold,
				 double *accuracy);

typedef enum sprout_review_outcome {
	SPROUT_OUTCOME_ACCEPTED,
	SPROUT_OUTCOME_CORRECTED, /* accepted with a correction: a new gold seed */
	SPROUT_OUTCOME_REJECTED,
	SPROUT_OUTCOME_UNDECIDED /* no decision yet, or reviewers disagree */
} sprout_review_outcome;

/* Each item once, in queue order, with its outcome: the record (the
 * corrected one, with its provenance, for CORRECTED) as compact JSON, and
 * for REJECTED the reasons, for UNDECIDED why. Return nonzero from the
 * callback to stop. */
typedef int (*sprout_review_each)(void *ctx, sprout_review_outcome outcome, const char *record,
				  size_t len, const char *why);
sprout_code sprout_review_export(sprout_review *rv, sprout_review_each each, void *ctx,
				 sprout_error *err);

/* Label Studio: the items as tasks for its JSON import (the generated text
 * as a prediction), and decisions back from its JSON export. Only
 * annotations are decisions (predictions are the model's); each annotator
 * is a reviewer without a link, named by the e-mail of "completed_by" when
 * it is an object with one, else "label-studio-user-ID" (its id: the
 * integer "completed_by" of the default export, or the object's "id"). */
sprout_code sprout_review_label_studio_tasks(sprout_review *rv, sprout_buf *out, sprout_error *err);

typedef struct sprout_review_imported {
	size_t annotations; /* annotations in the export */
	size_t decisions;   /* saved: every one a decision in the project */
	size_t replaced;    /* of those, replacing the same annotator's earlier one on the item */
	size_t skipped;	    /* cancelled, without a choice, or not on an item of the project */
	size_t annotators;  /* distinct annotators of the saved decisions */
} sprout_review_imported;

sprout_code sprout_review_label_studio_import(sprout_review *rv, const char *json, size_t len,
					      sprout_review_imported *out, sprout_error *err);

#ifdef __cplusplus
}
#endif
#endif
