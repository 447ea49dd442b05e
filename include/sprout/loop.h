/* sprout/loop.h - the feedback loop's bookkeeping: the rounds of a loop
 * (probe, flag, review, corrections, augment or generate, train again),
 * one folder each (DIR/round-N), what each round holds, so that a plateau
 * shows, and the check that keeps the held-out sets (validation, test) out
 * of training when records are added to it.
 *
 * A round folder holds, as the round makes them, flags.jsonl,
 * corrections.jsonl, generated.jsonl and kept.jsonl (counted, see
 * sprout_loop_file), probe.json (sprout probe --json) and metric (a
 * number, recorded by sprout_loop_metric_write).
 *
 * Error messages are those `sprout loop` prints.
 */
#ifndef SPROUT_LOOP_H
#define SPROUT_LOOP_H

#include <stddef.h>

#include "sprout/error.h"
#include "sprout/io.h"
#include "sprout/record.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- rounds ------------------------------------------------------------ */

/* The files of a round that are counted. */
typedef enum sprout_loop_file {
	SPROUT_LOOP_FLAGGED,   /* flags.jsonl: records flagged for review */
	SPROUT_LOOP_CORRECTED, /* corrections.jsonl: those with _sprout.source
				* "correction" (new gold seeds) */
	SPROUT_LOOP_GENERATED, /* generated.jsonl: those whose _sprout.method is not
				* "seed" (made this round) */
	SPROUT_LOOP_KEPT,      /* kept.jsonl: records kept for training */
	SPROUT_LOOP__NFILES
} sprout_loop_file;

/* The file's name in a round folder ("flags.jsonl"), and the name of its
 * count ("flagged", "corrected", "generated", "kept"). NULL for another f. */
const char *sprout_loop_file_name(sprout_loop_file f);
const char *sprout_loop_column(sprout_loop_file f);

/* The round numbers in dir (its round-N folders, N > 0), ascending, in
 * *rounds (free it) and *n. SPROUT_ERR_IO "DIR: no loop folder here" when
 * dir cannot be read; SPROUT_ERR_NOMEM. */
sprout_code sprout_loop_rounds(const char *dir, long **rounds, size_t *n, sprout_error *err);

/* The records of path that f counts (the readable ones, up to the first
 * error that stops reading); -1 when there is no such file. */
long sprout_loop_count(const char *path, sprout_loop_file f);

/* A round's metric: the number in its file metric ("recorded"), else the
 * test accuracy in probe.json of the model with the augmented records, or
 * of the real one ("probe"); *from (may be NULL) says which. -1 (and *from
 * NULL) when there is none. */
double sprout_loop_metric(const char *dir, long round, const char **from);

typedef struct sprout_loop_round {
	long round;
	long count[SPROUT_LOOP__NFILES]; /* -1: the file is not there */
	double metric;			 /* -1: none */
	const char *metric_from;	 /* "recorded", "probe", or NULL */
	int compared;			 /* it has a metric and an earlier round had one */
	int plateau; /* compared, and less than 0.005 above the latest earlier one */
} sprout_loop_round;

typedef struct sprout_loop_status {
	sprout_loop_round *rounds; /* ascending */
	size_t n;
	int plateau; /* the last round is a plateau */
} sprout_loop_status;

/* Every round of dir, counted. Fails as sprout_loop_rounds. Release *out
 * with sprout_loop_status_release (also after a failure). */
sprout_code sprout_loop_status_read(const char *dir, sprout_loop_status *out, sprout_error *err);
void sprout_loop_status_release(sprout_loop_status *s);

/* Make the next round's folder (dir made first when missing): its path
 * into path[0..n). SPROUT_ERR_IO when a folder cannot be made. */
sprout_code sprout_loop_next(const char *dir, char *path, size_t n, sprout_error *err);

/* Record value (a number, written as given) as the metric of round (0: the
 * last), atomically. SPROUT_ERR_USAGE when value is not a number or dir
 * has no round yet; SPROUT_ERR_IO when the file cannot be written. */
sprout_code sprout_loop_metric_write(const char *dir, long round, const char *value,
				     sprout_error *err);

/* ---- the held-out check ----------------------------------------------- */

/* Records of the held-out sets: a record whose _sprout.id, parent or root
 * is the id of one of them, whose text (the prompt slot, normalised as
 * sprout_normalize) is the same, or whose text is a near duplicate of
 * one (sprout/dedup.h) must not go into training. */
typedef struct sprout_held_out sprout_held_out;

/* An empty set; near: the Jaccard of 5-character shingles from which a
 * text is a near duplicate (above 0, at most 1; split's leak check uses
 * 0.85). NULL with SPROUT_ERR_USAGE or SPROUT_ERR_NOMEM. */
sprout_held_out *sprout_held_out_new(double near, sprout_error *err);

/* Add a held-out record (its file and line name it in reasons; copied). */
sprout_code sprout_held_out_add(sprout_held_out *h, const sprout_record *rec, sprout_error *err);

/* Add every record of path, read with so (may be NULL: detected). Stops at
 * the first record that cannot be read, with its error. */
sprout_code sprout_held_out_add_file(sprout_held_out *h, const char *path,
				     const sprout_source_options *so, sprout_error *err);

size_t sprout_held_out_count(const sprout_held_out *h);

/* Whether rec may go into training: *check NULL when it may, else the
 * check that refused it ("held_out_id", "held_out_text",
 * "held_out_near_duplicate") with the reason, naming the held-out record's
 * file and line, in why[0..n). SPROUT_ERR_NOMEM. */
sprout_code sprout_held_out_check(sprout_held_out *h, const sprout_record *rec, const char **check,
				  char *why, size_t n, sprout_error *err);

void sprout_held_out_free(sprout_held_out *h); /* accepts NULL */

/* ---- adding records to a training file -------------------------------- */

/* A training file being rewritten: its lines as they are (blank ones left
 * out), then the records added, all committed at once. */
typedef struct sprout_loop_adder sprout_loop_adder;

/* Start rewriting train (a missing file starts empty), refusing what h
 * (may be NULL: nothing is refused) refuses. NULL with SPROUT_ERR_IO when
 * train cannot be read or written (or with the writer's error). */
sprout_loop_adder *sprout_loop_add_open(const char *train, sprout_held_out *h, sprout_error *err);

/* Add rec unless the held-out check refuses it: then *check and why as
 * sprout_held_out_check, and nothing is written. Fails with the writer's
 * error or SPROUT_ERR_NOMEM. */
sprout_code sprout_loop_add_put(sprout_loop_adder *a, const sprout_record *rec, const char **check,
				char *why, size_t n, sprout_error *err);

/* Records the training file had, records added, records refused. */
void sprout_loop_add_counts(const sprout_loop_adder *a, unsigned long *kept, unsigned long *added,
			    unsigned long *refused);

/* Write the new training file over the old one; a is freed either way. */
sprout_code sprout_loop_add_commit(sprout_loop_adder *a, sprout_error *err);

/* Leave the training file as it was; free a. Accepts NULL. */
void sprout_loop_add_abort(sprout_loop_adder *a);

#ifdef __cplusplus
}
#endif
#endif
