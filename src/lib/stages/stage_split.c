/* The split stage: train / validation / test with no leakage (see
 * sprout/mix.h for the plan). It needs the whole set: pushed records wait
 * in a spool while a brief of each (label, seed, real) is kept. At close
 * the plan is made from the briefs, every prompt goes to the leakage check
 * on its side, and only when no held-out prompt leaks into train (or
 * --on-leak warn) are the records handed on, each to its side's output,
 * and the synthetic records of held-out seeds rejected: a failed check
 * hands on nothing. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sprout/mix.h"
#include "sprout/spool.h"
#include "stages/stage_internal.h"

enum { O_VALID, O_TEST, O_SEED, O_NO_STRATIFY, O_OUT_DIR, O_ON_LEAK, O_LEAK_JACCARD };

static const sprout_option_def options[] = {
    [O_VALID] = {"valid", 0, "F", SPROUT_OPT_NUMBER, 0, "0.1",
		 "share of the real records for validation (default 0.1)"},
    [O_TEST] = {"test", 0, "F", SPROUT_OPT_NUMBER, 0, "0.1",
		"share of the real records for test (default 0.1)"},
    [O_SEED] = {"seed", 0, "N", SPROUT_OPT_WHOLE, 0, "0", "random seed (default 0)"},
    [O_NO_STRATIFY] = {"no-stratify", 0, NULL, SPROUT_OPT_SWITCH, 0, NULL,
		       "do not keep the label proportions in each split"},
    [O_OUT_DIR] = {"out-dir", 'd', "DIR", SPROUT_OPT_OUTPATH, SPROUT_OPT_PLACE, ".",
		   "write DIR/train.jsonl, DIR/valid.jsonl, DIR/test.jsonl (default: the "
		   "current folder)"},
    [O_ON_LEAK] = {"on-leak", 0, "MODE", SPROUT_OPT_TEXT, 0, "fail",
		   "a held-out record near-identical to a training one: fail (default: nothing "
		   "is written) or warn"},
    [O_LEAK_JACCARD] = {"leak-jaccard", 0, "J", SPROUT_OPT_NUMBER, 0, "0.85",
			"Jaccard of 5-character shingles from which two prompts leak (default "
			"0.85)"},
    {NULL, 0, NULL, 0, 0, NULL, NULL},
};

static const char *const outputs[] = {"train", "valid", "test", NULL};

struct split {
	sprout_stage base;
	sprout_split_options o;
	int warn; /* --on-leak warn */
	sprout_spool *spool;
	sprout_briefs *briefs;
	sprout_leakcheck *lc;
	sprout_arena *mem, *rec_mem;
};

static void init(sprout_stage *s)
{
	sprout_split_options_init(&((struct split *)s)->o);
}

static sprout_code share(const char *opt, const char *arg, double *out, sprout_error *err)
{
	double v;
	if (sprout_option_number(arg, &v) || v < 0 || v >= 1)
		return sprout_error_set(err, SPROUT_ERR_USAGE,
					"%s: '%s' is not a share between 0 and 1", opt, arg);
	*out = v;
	return SPROUT_OK;
}

static sprout_code set(sprout_stage *s, size_t i, const char *arg, sprout_error *err)
{
	struct split *sp = (struct split *)s;
	sprout_split_options *o = &sp->o;
	switch (i) {
	case O_VALID: return share("--valid", arg, &o->valid, err);
	case O_TEST: return share("--test", arg, &o->test, err);
	case O_LEAK_JACCARD: {
		sprout_code rc = share("--leak-jaccard", arg, &o->leak_jaccard, err);
		if (!rc && o->leak_jaccard <= 0)
			return sprout_error_set(err, SPROUT_ERR_USAGE,
						"--leak-jaccard: '%s' must be above 0", arg);
		return rc;
	}
	case O_NO_STRATIFY: o->stratify = 0; return SPROUT_OK;
	case O_OUT_DIR: return SPROUT_OK; /* where the outputs go: the writer's */
	case O_ON_LEAK:
		if (strcmp(arg, "fail") && strcmp(arg, "warn"))
			return sprout_error_set(
			    err, SPROUT_ERR_USAGE,
			    "--on-leak: unknown mode '%s' (expected fail or warn)", arg);
		sp->warn = arg[0] == 'w';
		return SPROUT_OK;
	case O_SEED: {
		unsigned long long v = 0;
		sprout_code rc = sprout_option_whole("--seed", arg, UINT64_MAX, &v, err);
		o->seed = v;
		return rc;
	}
	}
	return SPROUT_OK;
}

static sprout_code open_split(sprout_stage *s, sprout_error *err)
{
	struct split *sp = (struct split *)s;
	if (sp->o.valid + sp->o.test >= 1)
		return sprout_error_set(
		    err, SPROUT_ERR_USAGE,
		    "--valid and --test leave nothing to train on (%.2f + %.2f)", sp->o.valid,
		    sp->o.test);
	if (!(sp->briefs = sprout_briefs_new()) ||
	    !(sp->lc = sprout_leakcheck_new(sp->o.leak_jaccard)) ||
	    !(sp->mem = sprout_arena_new(0)) || !(sp->rec_mem = sprout_arena_new(0)))
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	return (sp->spool = sprout_spool_new(NULL, err)) ? SPROUT_OK : err->code;
}

static sprout_code push(sprout_stage *s, const sprout_record *r, sprout_error *err)
{
	struct split *sp = (struct split *)s;
	sprout_code rc = sprout_briefs_add(sp->briefs, r, err);
	return rc ? rc : sprout_spool_put(sp->spool, r, err);
}

/* Every prompt to the leakage check on its side, in record order (the
 * dropped records read past, so that the spool is read in order). */
static sprout_code check_leaks(struct split *sp, sprout_split_plan *plan, size_t n,
			       sprout_error *err)
{
	for (size_t i = 0; i < n; i++) {
		int side = plan->side[i];
		sprout_code rc;
		if (side == SPROUT_SPLIT_DROPPED) {
			const char *json;
			size_t len;
			if ((rc = sprout_spool_json(sp->spool, i, &json, &len, err)))
				return rc;
			continue;
		}
		sprout_record r;
		sprout_text t;
		sprout_arena_reset(sp->rec_mem);
		if ((rc = sprout_spool_get(sp->spool, i, sp->rec_mem, &r, err)))
			return rc;
		if (sprout_record_get(&r, SPROUT_SLOT_PROMPT, &t) &&
		    (rc = side == SPROUT_SPLIT_TRAIN
			      ? sprout_leakcheck_train(sp->lc, i, t.s, t.len, err)
			      : sprout_leakcheck_held(sp->lc, i, t.s, t.len, err)))
			return rc;
	}
	return sprout_leakcheck_finish(sp->lc, sp->mem, &plan->leaks, &plan->nleaks, err);
}

/* The first leaks, for a person: which records, and their prompts. */
static sprout_code show_leaks(struct split *sp, const sprout_split_plan *plan, sprout_error *err)
{
	for (size_t k = 0; k < plan->nleaks && k < 10; k++) {
		const sprout_leak *l = &plan->leaks[k];
		sprout_record h, tr;
		sprout_text ht, tt;
		sprout_code rc;
		sprout_arena_reset(sp->rec_mem);
		if ((rc = sprout_spool_get(sp->spool, l->held_out, sp->rec_mem, &h, err)) ||
		    (rc = sprout_spool_get(sp->spool, l->train, sp->rec_mem, &tr, err)))
			return rc;
		sprout_record_get(&h, SPROUT_SLOT_PROMPT, &ht);
		sprout_record_get(&tr, SPROUT_SLOT_PROMPT, &tt);
		sprout_stage_warn(
		    &sp->base,
		    "leak: %s record %s:%lu \"%.60s\" is near-identical (Jaccard %.2f) to train "
		    "record %s:%lu \"%.60s\"",
		    outputs[plan->side[l->held_out]], h.file ? h.file : "-", h.line, ht.s,
		    l->jaccard, tr.file ? tr.file : "-", tr.line, tt.s);
	}
	return SPROUT_OK;
}

/* Each record to its side's output, the dropped ones rejected. */
static sprout_code hand_on(struct split *sp, const sprout_split_plan *plan, size_t n,
			   sprout_error *err)
{
	sprout_stage *s = &sp->base;
	for (size_t i = 0; i < n; i++) {
		int side = plan->side[i];
		sprout_code rc;
		if (side != SPROUT_SPLIT_DROPPED && !s->sink.wants_records) {
			const char *json;
			size_t len;
			if ((rc = sprout_spool_json(sp->spool, i, &json, &len, err)) ||
			    (rc = sprout_stage_emit(s, (size_t)side, NULL, json, len, err)))
				return rc;
			continue;
		}
		sprout_record r;
		sprout_arena_reset(sp->rec_mem);
		if ((rc = sprout_spool_get(sp->spool, i, sp->rec_mem, &r, err)))
			return rc;
		if (side != SPROUT_SPLIT_DROPPED) {
			if ((rc = sprout_stage_emit(s, (size_t)side, &r, NULL, 0, err)))
				return rc;
			continue;
		}
		sprout_reject j = SPROUT_REJECT_INIT;
		j.stage = "split";
		j.reason = plan->why[i];
		j.file = r.file;
		j.line = r.line;
		j.record = r.obj;
		if ((rc = sprout_stage_drop(s, &j, err)))
			return rc;
	}
	return SPROUT_OK;
}

static sprout_code close_split(sprout_stage *s, sprout_error *err)
{
	struct split *sp = (struct split *)s;
	sprout_split_plan plan;
	sprout_code rc = sprout_split_briefs(sp->briefs, &sp->o, sp->mem, &plan, err);
	if (rc)
		return rc;
	size_t n = sprout_briefs_count(sp->briefs);
	sprout_briefs_free(sp->briefs);
	sp->briefs = NULL;
	if ((rc = check_leaks(sp, &plan, n, err)) || (rc = show_leaks(sp, &plan, err)))
		return rc;
	if (plan.nleaks && !sp->warn)
		return sprout_error_set(
		    err, SPROUT_ERR_RECORD,
		    "%zu held-out record%s into train; nothing written (--on-leak warn writes "
		    "anyway)",
		    plan.nleaks, plan.nleaks == 1 ? " leaks" : "s leak");
	if ((rc = hand_on(sp, &plan, n, err)))
		return rc;
	snprintf(s->summary, sizeof s->summary,
		 "train %zu, valid %zu, test %zu, dropped %zu (synthetic records of held-out "
		 "seeds)%s",
		 plan.count[0], plan.count[1], plan.count[2], plan.count[3],
		 plan.nleaks ? ", with leaks" : "");
	return SPROUT_OK;
}

static void free_split(sprout_stage *s)
{
	struct split *sp = (struct split *)s;
	sprout_spool_free(sp->spool);
	sprout_briefs_free(sp->briefs);
	sprout_leakcheck_free(sp->lc);
	sprout_arena_free(sp->mem);
	sprout_arena_free(sp->rec_mem);
}

const sprout_stage_def sprout_stage_split = {
    .name = "split",
    .usage = "split [options] [FILE...]",
    .about = "Split records into train, validation and test. Validation and test hold\n"
	     "real records only, stratified by label; a synthetic record goes where its\n"
	     "seed went, and is dropped (into the rejects file) when its seed is held\n"
	     "out. Then every held-out prompt is compared with the training prompts: a\n"
	     "near-identical pair is a leak, and the split fails loudly.",
    .options = options,
    .flags = SPROUT_STAGE_WHOLE,
    .outputs = outputs,
    .size = sizeof(struct split),
    .init = init,
    .set = set,
    .open = open_split,
    .push = push,
    .close = close_split,
    .free = free_split,
};
