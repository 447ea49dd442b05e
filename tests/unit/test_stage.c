#include <math.h>
#include <stdlib.h>

#include "sprout/stage.h"
#include "test.h"
#include "util.h"

/* The table is what --help, the recipe checker and programs read. */
static void stage_options_are_data(void)
{
	const sprout_stage_def *mix = sprout_stage_find("mix");
	CHECK(mix != NULL);
	CHECK(sprout_stage_find("mixx") == NULL);
	CHECK_STR(sprout_stage_name(mix), "mix");
	CHECK(sprout_stage_flags(mix) & SPROUT_STAGE_WHOLE);
	const sprout_option_def *seed = sprout_stage_option(mix, "seed");
	CHECK(seed != NULL);
	CHECK_STR(sprout_opt_type_name(seed->type), "whole");
	CHECK_STR(seed->def, "0");
	const sprout_option_def *balance = sprout_stage_option(mix, "balance");
	CHECK(balance && balance->type == SPROUT_OPT_SWITCH && !balance->arg);
	CHECK(sprout_stage_option(mix, "bogus") == NULL);
	size_t n = 0;
	for (const sprout_option_def *o = sprout_stage_options(mix); o->name; o++)
		n++;
	CHECK_INT(n, 6);
	int found = 0;
	for (size_t i = 0; sprout_stage_def_at(i); i++)
		found += sprout_stage_def_at(i) == mix;
	CHECK_INT(found, 1);
	CHECK_STR(sprout_stage_outputs(mix)[0], "out");
	CHECK(sprout_stage_outputs(mix)[1] == NULL);
}

/* Values are checked where they are set, with the option's name. */
static void stage_set_checks_values(void)
{
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_stage *s = sprout_stage_new(sprout_stage_find("mix"), &err);
	CHECK(s != NULL);
	CHECK_INT(sprout_stage_set(s, "ratio", "3:1", &err), SPROUT_OK);
	CHECK_INT(sprout_stage_set(s, "ratio", "three", &err), SPROUT_ERR_USAGE);
	CHECK_STR(err.msg, "--ratio: expected SYNTHETIC:REAL, like 10:1, got 'three'");
	CHECK_INT(sprout_stage_set(s, "per-seed", "-1", &err), SPROUT_ERR_USAGE);
	CHECK_STR(err.msg, "--per-seed: '-1' is not a whole number");
	CHECK_INT(sprout_stage_set(s, "max-share", "1", &err), SPROUT_ERR_USAGE);
	CHECK_INT(sprout_stage_set(s, "balance", "yes", &err), SPROUT_ERR_USAGE);
	CHECK_STR(err.msg, "--balance is a switch: it takes no value");
	CHECK_INT(sprout_stage_set(s, "seed", NULL, &err), SPROUT_ERR_USAGE);
	CHECK_INT(sprout_stage_set(s, "colour", "red", &err), SPROUT_ERR_USAGE);
	CHECK_STR(err.msg, "unknown option 'colour' for stage mix");
	CHECK(sprout_stage_new(NULL, &err) == NULL);
	sprout_stage_free(s);
}

struct got {
	char kept[16][160];
	size_t nkept;
	char rejects[16][48];
	size_t nrejects;
};

static sprout_code keep(void *ctx, size_t output, sprout_record *rec, const char *json, size_t len,
			sprout_error *err)
{
	(void)json;
	(void)len;
	(void)err;
	struct got *g = ctx;
	CHECK_INT(output, 0);
	CHECK(rec != NULL); /* wants_records */
	sprout_text t;
	CHECK(sprout_record_get(rec, SPROUT_SLOT_PROMPT, &t));
	snprintf(g->kept[g->nkept++], sizeof g->kept[0], "%.*s", (int)t.len, t.s);
	return SPROUT_OK;
}

static sprout_code reject(void *ctx, const sprout_reject *r, sprout_error *err)
{
	(void)err;
	struct got *g = ctx;
	snprintf(g->rejects[g->nrejects++], sizeof g->rejects[0], "%s/%s:%lu", r->stage,
		 r->check ? r->check : r->error, r->line);
	CHECK(r->record != NULL);
	return SPROUT_OK;
}

/* Two stages in this process: the first keeps one variant per seed, the
 * second at most one synthetic record for two real ones; what each drops
 * comes out as a reject with its stage, its check and its line. */
static void pipeline_chains_stages(void)
{
	sprout_arena *a = sprout_arena_new(0);
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_pipeline *p = sprout_pipeline_new();
	sprout_stage *cap = sprout_stage_new(sprout_stage_find("mix"), &err);
	sprout_stage *ratio = sprout_stage_new(sprout_stage_find("mix"), &err);
	CHECK(p && cap && ratio);
	CHECK_INT(sprout_stage_set(cap, "per-seed", "1", &err), SPROUT_OK);
	CHECK_INT(sprout_stage_set(cap, "no-shuffle", NULL, &err), SPROUT_OK);
	CHECK_INT(sprout_stage_set(ratio, "ratio", "1:2", &err), SPROUT_OK);
	CHECK_INT(sprout_stage_set(ratio, "no-shuffle", NULL, &err), SPROUT_OK);
	CHECK_INT(sprout_pipeline_add(p, cap, &err), SPROUT_OK);
	CHECK_INT(sprout_pipeline_add(p, ratio, &err), SPROUT_OK);
	struct got g;
	memset(&g, 0, sizeof g);
	sprout_sink sink = {keep, reject, &g, 1};
	CHECK_INT(sprout_pipeline_open(p, &sink, &err), SPROUT_OK);
	static const char *const lines[] = {
	    "{\"text\":\"seed a\",\"label\":\"x\"}",
	    "{\"text\":\"seed b\",\"label\":\"x\"}",
	    "{\"text\":\"a one\",\"label\":\"x\",\"_sprout\":{\"id\":\"a1\",\"parent\":\"pa\","
	    "\"root\":\"pa\",\"method\":\"typo\"}}",
	    "{\"text\":\"a two\",\"label\":\"x\",\"_sprout\":{\"id\":\"a2\",\"parent\":\"pa\","
	    "\"root\":\"pa\",\"method\":\"typo\"}}",
	    "{\"text\":\"b one\",\"label\":\"x\",\"_sprout\":{\"id\":\"b1\",\"parent\":\"pb\","
	    "\"root\":\"pb\",\"method\":\"typo\"}}",
	    "{\"text\":\"bad\",\"_sprout\":[1]}",
	};
	for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
		sprout_record r = make_record(a, lines[i], "classification");
		r.file = "in.jsonl";
		r.line = i + 1;
		CHECK_INT(sprout_pipeline_push(p, &r, &err), SPROUT_OK);
	}
	CHECK_INT(g.nkept, 0); /* mix holds everything until close */
	CHECK_INT(sprout_pipeline_close(p, &err), SPROUT_OK);
	CHECK_INT(g.nkept, 3);
	CHECK_STR(g.kept[0], "seed a");
	CHECK_STR(g.kept[1], "seed b");
	/* the ratio keeps one of the two variants left (a seeded choice) and
	 * rejects the other */
	int a_kept = !strcmp(g.kept[2], "a one");
	CHECK(a_kept || !strcmp(g.kept[2], "b one"));
	CHECK_INT(g.nrejects, 3);
	CHECK_STR(g.rejects[0], "read/record:6");
	CHECK_STR(g.rejects[1], "mix/cap:4");
	CHECK_STR(g.rejects[2], a_kept ? "mix/ratio:5" : "mix/ratio:3");
	unsigned long long in, kept, rejected;
	sprout_stage_counts(sprout_pipeline_stage(p, 0), &in, &kept, &rejected);
	CHECK_INT(in, 5);
	CHECK_INT(kept, 4);
	CHECK_INT(rejected, 1);
	CHECK_STR(sprout_stage_summary(sprout_pipeline_stage(p, 1)),
		  "2 real + 1 synthetic of 2 = 3 records (33.3% synthetic); dropped: cap 0, "
		  "ratio 1, share 0");
	/* a closed stage takes no more */
	CHECK_INT(sprout_stage_push((sprout_stage *)sprout_pipeline_stage(p, 0),
				    &(sprout_record){0}, &err),
		  SPROUT_ERR_USAGE);
	sprout_pipeline_free(p);
	sprout_arena_free(a);
}

/* A stage with several outputs cannot feed another; no stages, no sink. */
static void pipeline_refuses_what_cannot_run(void)
{
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_pipeline *p = sprout_pipeline_new();
	struct got g;
	sprout_sink sink = {keep, reject, &g, 1};
	CHECK_INT(sprout_pipeline_open(p, &sink, &err), SPROUT_ERR_USAGE);
	CHECK_STR(err.msg, "the pipeline has no stages");
	CHECK_INT(sprout_pipeline_add(p, sprout_stage_new(sprout_stage_find("mix"), &err), &err),
		  SPROUT_OK);
	CHECK_INT(sprout_pipeline_open(p, NULL, &err), SPROUT_ERR_USAGE);
	sprout_record r = {0};
	CHECK_INT(sprout_pipeline_push(p, &r, &err), SPROUT_ERR_USAGE);
	sprout_pipeline_free(p);
}

SUITE(stage_tests) = {
    T(stage_options_are_data),
    T(stage_set_checks_values),
    T(pipeline_chains_stages),
    T(pipeline_refuses_what_cannot_run),
    {NULL, NULL},
};
