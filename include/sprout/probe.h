/* sprout/probe.h - a quick A/B check of classification data before an
 * expensive fine-tune: fastText (Debian's fasttext, run as a program) is
 * trained on the real training records and on real + augmented ones, the
 * epochs picked on the real validation set, and each model's accuracy on
 * the real test set reported, per class too, with the worst classes'
 * confusions. The real model's predictions on a pool of other records can
 * be written for sprout/flag.h.
 *
 *   sprout_probe_options o;
 *   sprout_probe_options_init(&o);             the command's defaults
 *   sprout_probe *p = sprout_probe_new(&o, &err);
 *   sprout_probe_add(p, SPROUT_PROBE_TRAIN, &rec, &err);   for each record
 *   ... (or sprout_probe_add_file for a whole file)
 *   sprout_probe_result r;
 *   sprout_probe_run(p, &r, &err);
 *   sprout_probe_result_release(&r);
 *   sprout_probe_free(p);
 *
 * Running fastText. The library installs no signal handler. Each model is
 * trained and asked for predictions by a child process started with
 * posix_spawnp (safe in a program with threads), its files in a folder made
 * in o.tmpdir ($TMPDIR, else /tmp) and removed when sprout_probe_run
 * returns, whatever happened. The library waits for its own child by its
 * pid: a program must not reap children it did not start (waitpid(-1) in
 * a SIGCHLD handler) nor set SIGCHLD to SIG_IGN while a probe runs, or
 * fastText seems to fail. To stop a probe (on SIGINT, SIGTERM...), call
 * sprout_probe_stop from the signal handler or from another thread: the
 * running fastText gets SIGTERM, no other starts, and sprout_probe_run
 * returns SPROUT_ERR_IO after removing its folder; the program then dies of
 * the signal or goes on as it likes.
 *
 * Error messages are those `sprout probe` prints: they name the command's
 * options (--epochs, --fasttext) where an option is at fault.
 */
#ifndef SPROUT_PROBE_H
#define SPROUT_PROBE_H

#include <stddef.h>

#include "sprout/arena.h"
#include "sprout/error.h"
#include "sprout/io.h"
#include "sprout/record.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SPROUT_PROBE_MAX_EPOCHS 16

typedef struct sprout_probe_options {
	unsigned epochs[SPROUT_PROBE_MAX_EPOCHS]; /* tried in turn, best on valid kept */
	size_t nepochs;				  /* default 5, 10, 25, 50 */
	unsigned dim;				  /* vector size, 1 to 1000 (default 50) */
	double lr;		    /* learning rate, above 0, at most 10 (default 0.5) */
	unsigned ngrams;	    /* word n-grams, 1 to 1000 (default 2) */
	unsigned threads;	    /* training threads, 1 to 256 (default 1: the same data
				     * gives the same model; more are not reproducible) */
	const char *fasttext;	    /* the program, found in $PATH (default "fasttext") */
	const char *tmpdir;	    /* where its files go; NULL (default): $TMPDIR, else /tmp */
	const char *mispredictions; /* where the real model's predictions on the pool
				     * are written (JSONL, atomically); NULL (default):
				     * nowhere, and no pool may be given */
} sprout_probe_options;

/* The defaults above. */
void sprout_probe_options_init(sprout_probe_options *o);

/* A comma list of epoch counts (1 to 1000 each, at most
 * SPROUT_PROBE_MAX_EPOCHS) into o; SPROUT_ERR_USAGE with "--epochs:
 * expected a list like 5,10,25, got 'S'" otherwise (o unchanged). */
sprout_code sprout_probe_epochs_parse(const char *s, sprout_probe_options *o, sprout_error *err);

/* The records a probe takes. */
typedef enum sprout_probe_set {
	SPROUT_PROBE_TRAIN,	/* real training records */
	SPROUT_PROBE_VALID,	/* real validation records: pick the epochs */
	SPROUT_PROBE_TEST,	/* real test records: the accuracy reported */
	SPROUT_PROBE_AUGMENTED, /* synthetic records added for the second model; those
				 * with _sprout.method "seed" are left out (they are
				 * the real ones again) */
	SPROUT_PROBE_POOL,	/* records to predict for flagging; the label may be
				 * missing (then the model's answer is the expected one) */
	SPROUT_PROBE__NSETS
} sprout_probe_set;

/* How set's records are read from a file: for the pool, a source whose
 * format is AUTO reads {"text", "label"} with the label optional (a format
 * detected from a first record with a label would want one in every
 * record); the other sets as they are. Changes so in place. */
void sprout_probe_source_options(sprout_probe_set set, sprout_source_options *so);

typedef struct sprout_probe sprout_probe;

/* A probe with o (checked: SPROUT_ERR_USAGE naming the bad field; the
 * strings are copied). NULL on error. Free with sprout_probe_free. */
sprout_probe *sprout_probe_new(const sprout_probe_options *o, sprout_error *err);

/* Add one record to set: its text (prompt slot) and label. Fails with
 * SPROUT_ERR_SLOT, at the record's file and line, for a record without
 * a text or (but in the pool) a label; SPROUT_ERR_USAGE for a pool record
 * when o.mispredictions is NULL; SPROUT_ERR_NOMEM. The record is copied. */
sprout_code sprout_probe_add(sprout_probe *p, sprout_probe_set set, const sprout_record *rec,
			     sprout_error *err);

/* Add every record of path, read with so (may be NULL: detected) as
 * sprout_probe_source_options says. Stops at the first record that cannot
 * be read or added, with its error. */
sprout_code sprout_probe_add_file(sprout_probe *p, sprout_probe_set set, const char *path,
				  const sprout_source_options *so, sprout_error *err);

/* Records in set so far (augmented: without the seeds left out). */
size_t sprout_probe_count(const sprout_probe *p, sprout_probe_set set);

/* One model: the epochs picked and its accuracy (0 to 1). */
typedef struct sprout_probe_model {
	unsigned epochs;
	double valid, test;
} sprout_probe_model;

/* One class of the test set. */
typedef struct sprout_probe_class {
	const char *label;    /* as fastText saw it: white space made '_' */
	size_t n, correct;    /* test records of the class, right answers */
	const char *confused; /* the most frequent wrong answer, or NULL */
	size_t confused_n;    /* how often it was given */
} sprout_probe_class;

typedef struct sprout_probe_result {
	size_t train, augmented, valid, test, pool; /* records of each set */
	sprout_probe_model real;		    /* trained on train */
	sprout_probe_model with_augmented;	    /* on train + augmented: only when
						     * augmented > 0 */
	/* per class on test, by the model with the augmented records when
	 * there is one, else the real one: worst accuracy first (ties by
	 * label) */
	sprout_probe_class *classes;
	size_t nclasses;
	sprout_arena *mem; /* where the labels live */
} sprout_probe_result;

/* Train and score the models (see the top of this file). With
 * o.mispredictions, the real model's predictions on the pool go there, a
 * JSON object a line: {"input", "expected", "predicted", "confidence",
 * "probs": {label: p} (the top 3)}. Fails with SPROUT_ERR_IO when the
 * temporary folder cannot be made or written, when fastText fails (or
 * cannot be run), when the predictions cannot be written, or when the
 * probe was stopped; SPROUT_ERR_NOMEM. *out is zeroed first and filled on
 * success; release it with sprout_probe_result_release either way. A probe
 * runs once at a time (not from two threads at once). */
sprout_code sprout_probe_run(sprout_probe *p, sprout_probe_result *out, sprout_error *err);

/* Stop p: async-signal-safe, callable from a signal handler or another
 * thread while sprout_probe_run runs (or before: it then returns at once).
 * A stopped probe stays stopped. */
void sprout_probe_stop(sprout_probe *p);

/* 1 when p was stopped. */
int sprout_probe_stopped(const sprout_probe *p);

/* Free a result's contents (accepts one never filled, zeroed). */
void sprout_probe_result_release(sprout_probe_result *r);

/* Accepts NULL. */
void sprout_probe_free(sprout_probe *p);

#ifdef __cplusplus
}
#endif
#endif
