/* sprout/judge.h - a language model that scores records against rubrics.
 *
 * Each rubric is a prompt template (prompts/judge-RUBRIC.txt, which a file
 * of the same name in an override folder replaces) that asks the model for
 * one JSON object, {"reason": "...", "score": 1-5}, sent as a JSON schema
 * where the server takes one. A record is kept when every rubric that
 * applies to it scores at or above its threshold. Requests go through a
 * sprout_llm (in flight together, retried, cached); an answer that cannot
 * be read is asked for once more, then the record is rejected with the
 * answer: an unreadable or failed judgement never keeps a record.
 *
 * Records are pushed in order and their judgements come back in the same
 * order, whatever order the answers arrive in.
 */
#ifndef SPROUT_JUDGE_H
#define SPROUT_JUDGE_H

#include <stddef.h>

#include "sprout/buf.h"
#include "sprout/error.h"
#include "sprout/llm.h"
#include "sprout/record.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sprout_rubric {
	SPROUT_RUBRIC_MEANING,	/* a variant keeps its parent's meaning (records with a parent) */
	SPROUT_RUBRIC_RESPONSE, /* the response is correct and helpful (records with one) */
	SPROUT_RUBRIC_FLUENCY,	/* the checked text reads as a person would write it */
	SPROUT_RUBRIC_SCOPE,	/* a refusal (generate.refuse) refuses a request really out of
				 * the assistant's scope */
	SPROUT_RUBRIC__COUNT
} sprout_rubric;

/* "meaning", "response", "fluency", "scope". */
const char *sprout_rubric_name(sprout_rubric r);
/* SPROUT_ERR_USAGE for another name (the message lists them). */
sprout_code sprout_rubric_parse(const char *name, sprout_rubric *out, sprout_error *err);
/* The threshold a rubric keeps from when none is given: 4 for meaning,
 * response and scope, 3 for fluency. */
int sprout_rubric_default_min(sprout_rubric r);

/* The score and the reason in a judge's answer: the first JSON object in
 * it (as sprout_extract_json finds it; an {"items": [{...}]} wrapper is
 * read too) with "score" a whole number from 1 to 5 (a number, or a
 * string of one digit) and "reason" a string. The reason is appended to
 * reason (NUL-terminated). SPROUT_ERR_JSON with what is wrong, or
 * SPROUT_ERR_NOMEM. */
sprout_code sprout_judge_read(const char *text, size_t len, int *score, sprout_buf *reason,
			      sprout_error *err);

typedef struct sprout_judge_options {
	const sprout_rubric *rubrics; /* asked, in this order (the first that fails is the
				       * reason a record is rejected) */
	size_t nrubrics;
	int min[SPROUT_RUBRIC__COUNT]; /* kept from this score, 1-5; 0: the default */
	const sprout_llm_endpoint *ep; /* must outlive the judge */
	double temperature;	       /* default 0; < 0: not sent */
	long answer_tokens;	       /* 0: the server's default */
	const char *prompts_dir;       /* judge-RUBRIC.txt there replaces the built-in one */
	int no_schema;		       /* never send the JSON schema */
	int slots[SPROUT_SLOT__COUNT]; /* what meaning and fluency read (default prompt) */
	const char *scope;	       /* scope: what the assistant is for; NULL: each
					* refusal's _sprout.params.scope, else "a
					* general-purpose assistant" */
} sprout_judge_options;

void sprout_judge_options_init(sprout_judge_options *o);

typedef struct sprout_judge sprout_judge;

/* Load and check the rubrics' templates (a broken one fails here, before
 * any request: SPROUT_ERR_USAGE naming it, or the template loader's
 * errors), with llm the client that will ask (the caller keeps it, and
 * frees it after the judge). SPROUT_ERR_USAGE also for no rubric, one
 * given twice or a threshold outside 1-5. */
sprout_judge *sprout_judge_new(const sprout_judge_options *o, sprout_llm *llm, sprout_error *err);
void sprout_judge_free(sprout_judge *j); /* accepts NULL */

/* The texts of r's parent for the meaning rubric: parent[s].s for each
 * slot s the parent has (NULL: not there), or parent NULL when r has no
 * parent (meaning does not apply then). */
typedef const sprout_text *sprout_judge_parent;

/* Queue the judgement of r, the caller's record number idx: one request
 * for each rubric that applies to r (none: it is judged at once, kept).
 * r is read now and not kept. */
sprout_code sprout_judge_push(sprout_judge *j, const sprout_record *r, sprout_judge_parent parent,
			      size_t idx, sprout_error *err);

/* One rubric's outcome for a record. */
typedef struct sprout_judge_score {
	int asked;	    /* the rubric applies to the record */
	int score;	    /* 1-5, or 0 when there is none (the request failed, or no
			     * answer could be read) */
	const char *reason; /* the judge's reason; with no score, why there is none */
	const char *answer; /* no score because no answer could be read: the last answer
			     * (NULL otherwise) */
} sprout_judge_score;

typedef struct sprout_judgement {
	size_t idx;
	int keep;
	sprout_rubric rubric; /* !keep: the first rubric (in the order asked) below its
			       * threshold or without a score */
	sprout_judge_score s[SPROUT_RUBRIC__COUNT];
	int min[SPROUT_RUBRIC__COUNT]; /* the thresholds */
	char reason[1024];	       /* !keep: why, for the rejects file */
} sprout_judgement;

/* Called with each judgement, in push order; valid during the call only.
 * Return nonzero to stop (sprout_judge_step then fails with SPROUT_ERR_IO). */
typedef int (*sprout_judge_done)(void *ctx, const sprout_judgement *jm);

/* Move the requests along (waiting at most wait_ms) and hand over the
 * judgements that are complete, in order. Returns how many pushed records
 * are not handed over yet, or -1 with err (out of memory, the cache cannot
 * be written, done asked to stop). */
long sprout_judge_step(sprout_judge *j, int wait_ms, sprout_judge_done done, void *ctx,
		       sprout_error *err);

/* Write jm's scores into r's provenance: _sprout.scores["judge:RUBRIC"] =
 * {"score": N, "min": threshold, "reason": "..."} for each rubric that has
 * a score. */
sprout_code sprout_judge_mark(const sprout_judgement *jm, sprout_record *r, sprout_error *err);

/* For a dry run: the requests r would cost, and how many of them the cache
 * answers, adding to *requests and *cached. */
sprout_code sprout_judge_plan(sprout_judge *j, const sprout_record *r, sprout_judge_parent parent,
			      unsigned long *requests, unsigned long *cached, sprout_error *err);

#ifdef __cplusplus
}
#endif
#endif
