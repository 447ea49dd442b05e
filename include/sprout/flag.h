/* sprout/flag.h - from a model's predictions on real data, pick what
 * needs a person: every wrong answer, and the least sure right ones.
 *
 * A prediction is a JSON object {"input": TEXT or a record, "expected":
 * TEXT, "predicted" (or "output"): TEXT} with optionally "confidence",
 * "probs": {answer: p} and "logprobs": [..] (sprout probe --mispredictions
 * writes them). The flagged predictions become records (the input with the
 * expected answer) whose provenance says why: _sprout.method "flag",
 * params {reason: wrong|unsure, predicted, by, unsure}.
 */
#ifndef SPROUT_FLAG_H
#define SPROUT_FLAG_H

#include <stddef.h>

#include "sprout/arena.h"
#include "sprout/error.h"
#include "sprout/json.h"
#include "sprout/record.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How unsure an answer is (0 sure to 1 unsure). */
typedef enum sprout_flag_by {
	SPROUT_FLAG_MARGIN,    /* 1 - (top probability - second one) */
	SPROUT_FLAG_ENTROPY,   /* of the probabilities, over log(n) */
	SPROUT_FLAG_CONFIDENCE /* 1 - confidence (or the mean token probability) */
} sprout_flag_by;

typedef struct sprout_flag_options {
	sprout_flag_by by; /* default margin */
	long top;	   /* also the top least sure right answers (default 0) */
	double threshold;  /* also right answers at least this unsure; < 0: none (default) */
} sprout_flag_options;

void sprout_flag_options_init(sprout_flag_options *o);

/* "margin", "entropy" or "confidence"; else SPROUT_ERR_USAGE with "--by:
 * expected margin, entropy or confidence, got 'X'". */
sprout_code sprout_flag_by_parse(const char *s, sprout_flag_by *out, sprout_error *err);

/* 1 when p has what a prediction needs: "input" (text or object),
 * "expected" and "predicted" or "output" (text). */
int sprout_prediction_ok(const sprout_json *p);

typedef struct sprout_flag_result {
	sprout_record *recs;	/* the flagged records, in the predictions' order */
	const char **predicted; /* the model's answer for each */
	size_t n;
	size_t wrong; /* of all predictions, the wrong answers */
} sprout_flag_result;

/* Flag preds[0..n) (each sprout_prediction_ok), all from file (named in
 * the records and in errors). Everything out lives in a. Fails with
 * "FILE: prediction N: why" when an input record is not a dataset record,
 * with sprout_meta_ensure's error when its _sprout is bad, or
 * SPROUT_ERR_NOMEM. */
sprout_code sprout_flag(sprout_json *const *preds, size_t n, const sprout_flag_options *o,
			const char *file, sprout_arena *a, sprout_flag_result *out,
			sprout_error *err);

#ifdef __cplusplus
}
#endif
#endif
