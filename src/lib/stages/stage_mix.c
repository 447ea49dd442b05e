/* The mix stage: real and synthetic records blended to a target (see
 * sprout/mix.h for the choices). It needs the whole set: pushed records
 * wait in a spool while a brief of each (label, seed, real) is kept; at
 * close the plan is made from the briefs and the kept records are read
 * back from the spool in the plan's order, then the dropped ones rejected. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sprout/mix.h"
#include "sprout/spool.h"
#include "stages/stage_internal.h"

enum { O_RATIO, O_SHARE, O_PER_SEED, O_BALANCE, O_SEED, O_NO_SHUFFLE };

static const sprout_option_def options[] = {
    [O_RATIO] = {"ratio", 0, "S:R", SPROUT_OPT_TEXT, 0, NULL,
		 "at most S synthetic records for every R real ones, e.g. 10:1 (default: no "
		 "limit)"},
    [O_SHARE] = {"max-share", 0, "F", SPROUT_OPT_NUMBER, 0, NULL,
		 "largest share of synthetic records in the output, e.g. 0.7 (default: no "
		 "limit)"},
    [O_PER_SEED] = {"per-seed", 0, "K", SPROUT_OPT_WHOLE, 0, NULL,
		    "at most K variants of each seed (default: no limit)"},
    [O_BALANCE] = {"balance", 0, NULL, SPROUT_OPT_SWITCH, 0, NULL,
		   "give synthetic records to the labels with the fewest records first"},
    [O_SEED] = {"seed", 0, "N", SPROUT_OPT_WHOLE, 0, "0",
		"random seed for the choices and the shuffle (default 0)"},
    [O_NO_SHUFFLE] = {"no-shuffle", 0, NULL, SPROUT_OPT_SWITCH, 0, NULL, "keep the input order"},
    {NULL, 0, NULL, 0, 0, NULL, NULL},
};

static const char *const outputs[] = {"out", NULL};

struct mix {
	sprout_stage base;
	sprout_mix_options o;
	sprout_spool *spool;
	sprout_briefs *briefs;
	sprout_arena *mem, *rec_mem;
};

static void init(sprout_stage *s)
{
	sprout_mix_options_init(&((struct mix *)s)->o);
}

static sprout_code set(sprout_stage *s, size_t i, const char *arg, sprout_error *err)
{
	sprout_mix_options *o = &((struct mix *)s)->o;
	char *end;
	errno = 0;
	unsigned long long v = 0;
	switch (i) {
	case O_RATIO: {
		double syn = strtod(arg, &end), real = 1;
		if (!errno && end != arg && *end == ':')
			real = strtod(end + 1, &end);
		if (errno || *end || syn < 0 || real <= 0)
			return sprout_error_set(
			    err, SPROUT_ERR_USAGE,
			    "--ratio: expected SYNTHETIC:REAL, like 10:1, got '%s'", arg);
		o->ratio = syn / real;
		return SPROUT_OK;
	}
	case O_SHARE:
		o->max_share = strtod(arg, &end);
		if (errno || end == arg || *end || o->max_share <= 0 || o->max_share >= 1)
			return sprout_error_set(err, SPROUT_ERR_USAGE,
						"--max-share: '%s' is not a number between 0 and 1",
						arg);
		return SPROUT_OK;
	case O_PER_SEED: {
		sprout_code rc = sprout_option_whole("--per-seed", arg, LONG_MAX, &v, err);
		o->per_seed = (long)v;
		return rc;
	}
	case O_BALANCE: o->balance = 1; return SPROUT_OK;
	case O_NO_SHUFFLE: o->shuffle = 0; return SPROUT_OK;
	case O_SEED: {
		sprout_code rc = sprout_option_whole("--seed", arg, UINT64_MAX, &v, err);
		o->seed = v;
		return rc;
	}
	}
	return SPROUT_OK;
}

static sprout_code open_mix(sprout_stage *s, sprout_error *err)
{
	struct mix *m = (struct mix *)s;
	if (!(m->briefs = sprout_briefs_new()) || !(m->mem = sprout_arena_new(0)) ||
	    !(m->rec_mem = sprout_arena_new(0)))
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	return (m->spool = sprout_spool_new(NULL, err)) ? SPROUT_OK : err->code;
}

static sprout_code push(sprout_stage *s, const sprout_record *r, sprout_error *err)
{
	struct mix *m = (struct mix *)s;
	sprout_code rc = sprout_briefs_add(m->briefs, r, err);
	return rc ? rc : sprout_spool_put(m->spool, r, err);
}

static sprout_code close_mix(sprout_stage *s, sprout_error *err)
{
	struct mix *m = (struct mix *)s;
	sprout_mix_plan plan;
	sprout_code rc = sprout_mix_briefs(m->briefs, &m->o, m->mem, &plan, err);
	if (rc)
		return rc;
	size_t n = sprout_briefs_count(m->briefs);
	sprout_briefs_free(m->briefs);
	m->briefs = NULL;
	/* the kept records in the plan's order, read back from the spool */
	for (size_t k = 0; k < plan.nout; k++) {
		if (s->sink.wants_records) {
			sprout_record r;
			sprout_arena_reset(m->rec_mem);
			if ((rc = sprout_spool_get(m->spool, plan.out[k], m->rec_mem, &r, err)) ||
			    (rc = sprout_stage_emit(s, 0, &r, NULL, 0, err)))
				return rc;
		} else {
			const char *json;
			size_t len;
			if ((rc = sprout_spool_json(m->spool, plan.out[k], &json, &len, err)) ||
			    (rc = sprout_stage_emit(s, 0, NULL, json, len, err)))
				return rc;
		}
	}
	static const char *const why[] = {
	    "more variants of its seed than --per-seed allows",
	    "more synthetic records than --ratio allows",
	    "more synthetic records than --max-share allows",
	};
	for (size_t i = 0; i < n; i++) {
		if (!plan.dropped[i])
			continue;
		int k = strcmp(plan.dropped[i], "cap") == 0	? 0
			: strcmp(plan.dropped[i], "ratio") == 0 ? 1
								: 2;
		sprout_record r;
		sprout_arena_reset(m->rec_mem);
		if ((rc = sprout_spool_get(m->spool, i, m->rec_mem, &r, err)))
			return rc;
		sprout_reject j = SPROUT_REJECT_INIT;
		j.stage = "mix";
		j.check = plan.dropped[i];
		j.reason = why[k];
		j.file = r.file;
		j.line = r.line;
		j.record = r.obj;
		if ((rc = sprout_stage_drop(s, &j, err)))
			return rc;
	}
	size_t total = plan.real + plan.kept_synthetic;
	snprintf(s->summary, sizeof s->summary,
		 "%zu real + %zu synthetic of %zu = %zu records (%.1f%% synthetic); dropped: cap "
		 "%zu, ratio %zu, share %zu",
		 plan.real, plan.kept_synthetic, plan.synthetic, total,
		 total ? 100.0 * (double)plan.kept_synthetic / (double)total : 0.0,
		 plan.by_reason[0], plan.by_reason[1], plan.by_reason[2]);
	return SPROUT_OK;
}

static void free_mix(sprout_stage *s)
{
	struct mix *m = (struct mix *)s;
	sprout_spool_free(m->spool);
	sprout_briefs_free(m->briefs);
	sprout_arena_free(m->mem);
	sprout_arena_free(m->rec_mem);
}

const sprout_stage_def sprout_stage_mix = {
    .name = "mix",
    .usage = "mix [options] [FILE...]",
    .about = "Blend real records (seeds) and synthetic ones (their variants) to a\n"
	     "target: a synthetic:real ratio, a largest synthetic share, a cap of\n"
	     "variants per seed, and labels balanced with their own variants. Every\n"
	     "real record is kept; dropped synthetic ones go to the rejects file with\n"
	     "the limit that dropped them. The output is shuffled with --seed.",
    .options = options,
    .flags = SPROUT_STAGE_WHOLE | SPROUT_STAGE_RECORDS_OUT,
    .outputs = outputs,
    .size = sizeof(struct mix),
    .init = init,
    .set = set,
    .open = open_mix,
    .push = push,
    .close = close_mix,
    .free = free_mix,
};
