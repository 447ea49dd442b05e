#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "sprout/llm.h"
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

/* Records from lines (format fmt), read from in.jsonl line 1, 2, ...,
 * pushed into pipeline p, or into stage s with provenance given first. */
static void push_lines(sprout_pipeline *p, sprout_stage *s, const char *const *lines, size_t n,
		       sprout_arena *a, const char *fmt)
{
	sprout_error err = SPROUT_ERROR_INIT;
	for (size_t i = 0; i < n; i++) {
		sprout_record r = make_record(a, lines[i], fmt);
		r.file = "in.jsonl";
		r.line = i + 1;
		if (p) {
			CHECK_INT(sprout_pipeline_push(p, &r, &err), SPROUT_OK);
			continue;
		}
		CHECK_INT(sprout_meta_ensure(&r, &err), SPROUT_OK);
		CHECK_INT(sprout_stage_push(s, &r, &err), SPROUT_OK);
	}
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
	push_lines(p, NULL, lines, sizeof lines / sizeof *lines, a, "classification");
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

/* The filter stage through the same interface: its options as data,
 * records in, the kept and rejected ones out. */

/* A filter stage with options name=value (value NULL: a switch). */
/* Stage name with opts (name, value pairs) set. */
static sprout_stage *stage_with(const char *name, const char *const *opts, size_t n)
{
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_stage *s = sprout_stage_new(sprout_stage_find(name), &err);
	CHECK(s != NULL);
	for (size_t i = 0; s && i < n; i += 2) {
		sprout_code rc = sprout_stage_set(s, opts[i], opts[i + 1], &err);
		CHECK_INT(rc, SPROUT_OK);
		if (rc)
			fprintf(stderr, "  %s: %s\n", opts[i], err.msg);
	}
	return s;
}

static sprout_stage *filter_with(const char *const *opts, size_t n)
{
	return stage_with("filter", opts, n);
}

/* The table is the command line's: every option with its type. */
static void filter_options_are_data(void)
{
	const sprout_stage_def *d = sprout_stage_find("filter");
	CHECK(d != NULL);
	CHECK(sprout_stage_flags(d) & SPROUT_STAGE_WHOLE);
	const sprout_option_def *o = sprout_stage_option(d, "parents");
	CHECK(o && o->type == SPROUT_OPT_INFILE && (o->flags & SPROUT_OPT_REPEAT));
	o = sprout_stage_option(d, "cache"); /* the model server's options are there */
	CHECK(o && o->type == SPROUT_OPT_OUTPATH);
	CHECK_STR(o->def, "sprout-cache.sqlite");
	o = sprout_stage_option(d, "dry-run");
	CHECK(o && o->type == SPROUT_OPT_SWITCH);
	CHECK(sprout_stage_option(d, "prompts")->type == SPROUT_OPT_INDIR);
	o = sprout_stage_option(d, "keys"); /* a shard's keys files, in order */
	CHECK(o && o->type == SPROUT_OPT_INFILE && (o->flags & SPROUT_OPT_REPEAT));
	CHECK(sprout_stage_option(d, "keys-out")->type == SPROUT_OPT_OUTPATH);
	size_t n = 0;
	for (o = sprout_stage_options(d); o->name; o++)
		n++;
	CHECK_INT(n, 53); /* with the model server's options, budget-share among them */
}

/* Values are checked where they are set, with the command line's words. */
static void filter_set_checks_values(void)
{
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_stage *s = sprout_stage_new(sprout_stage_find("filter"), &err);
	CHECK_INT(sprout_stage_set(s, "dedup", "fuzzy", &err), SPROUT_ERR_USAGE);
	CHECK_STR(err.msg, "--dedup: unknown mode 'fuzzy' (expected near, exact or off)");
	CHECK_INT(sprout_stage_set(s, "band", "0.9-0.5", &err), SPROUT_ERR_USAGE);
	CHECK_STR(err.msg, "--band: expected LO-HI between 0 and 1, like 0.70-0.98, got '0.9-0.5'");
	CHECK_INT(sprout_stage_set(s, "max-words", "2.5", &err), SPROUT_ERR_USAGE);
	CHECK_STR(err.msg, "--max-words: '2.5' is not a whole number");
	CHECK_INT(sprout_stage_set(s, "judge", "meaning,fluency,meaning", &err), SPROUT_ERR_USAGE);
	CHECK_STR(err.msg, "--judge: rubric 'meaning' is given twice");
	CHECK_INT(sprout_stage_set(s, "judge-min", "fluency=6", &err), SPROUT_ERR_USAGE);
	CHECK_STR(err.msg, "--judge-min: '6' is not a whole number from 1 to 5");
	CHECK_INT(sprout_stage_set(s, "timeout", "0", &err), SPROUT_ERR_USAGE);
	CHECK_STR(err.msg, "--timeout: '0' is not a list of numbers from 0.001 to 86400");
	CHECK_INT(sprout_stage_set(s, "header", "no colon", &err), SPROUT_ERR_USAGE);
	CHECK_STR(err.msg, "--header: expected 'Name: value', got 'no colon'");
	CHECK_INT(sprout_stage_set(s, "temperature", "0.5", &err), SPROUT_OK);
	/* the judge needs a server and a model, checked together at open */
	CHECK_INT(sprout_stage_set(s, "judge", "fluency", &err), SPROUT_OK);
	CHECK_INT(sprout_stage_set(s, "url", "http://127.0.0.1:9", &err), SPROUT_OK);
	struct got g;
	memset(&g, 0, sizeof g);
	sprout_sink sink = {keep, reject, &g, 1};
	CHECK_INT(sprout_stage_open(s, &sink, &err), SPROUT_ERR_USAGE);
	CHECK(strstr(err.msg, "--judge needs --url") == err.msg);
	sprout_stage_free(s);
}

/* Checks in input order: an exact duplicate and a too short text are
 * rejected with their check and line; a variant is measured against its
 * parent although the parent comes after it. */
static void filter_keeps_and_rejects(void)
{
	sprout_arena *a = sprout_arena_new(0);
	static const char *const opts[] = {"similarity", "lexical", "min-words", "2",
					   "dedup",	 "exact",   "band",	 "0.5-0.98"};
	sprout_stage *s = filter_with(opts, sizeof opts / sizeof *opts);
	struct got g;
	memset(&g, 0, sizeof g);
	sprout_sink sink = {keep, reject, &g, 1};
	sprout_error err = SPROUT_ERROR_INIT;
	CHECK_INT(sprout_stage_open(s, &sink, &err), SPROUT_OK);
	static const char *const lines[] = {
	    /* a copy of its parent, which comes later: above the band */
	    "{\"instruction\":\"how do I reset my password now\",\"output\":\"o\","
	    "\"_sprout\":{\"id\":\"v1\",\"parent\":\"p1\",\"root\":\"p1\",\"method\":\"typo\"}}",
	    "{\"instruction\":\"what time is the shop open\",\"output\":\"o\"}",
	    "{\"instruction\":\"what time is the shop open\",\"output\":\"o\"}",
	    "{\"instruction\":\"hello\",\"output\":\"o\"}",
	    "{\"instruction\":\"how do I reset my password now\",\"output\":\"o\","
	    "\"_sprout\":{\"id\":\"p1\",\"root\":\"p1\",\"method\":\"seed\"}}",
	};
	push_lines(NULL, s, lines, sizeof lines / sizeof *lines, a, "alpaca");
	CHECK_INT(g.nkept, 0); /* it needs the whole set first */
	CHECK_INT(sprout_stage_close(s, &err), SPROUT_OK);
	CHECK_INT(g.nkept, 2);
	CHECK_STR(g.kept[0], "what time is the shop open");
	CHECK_STR(g.kept[1], "how do I reset my password now");
	CHECK_INT(g.nrejects, 3);
	CHECK_STR(g.rejects[0], "filter/similarity:1");
	CHECK_STR(g.rejects[1], "filter/duplicate:3");
	CHECK_STR(g.rejects[2], "filter/words:4");
	CHECK_STR(sprout_stage_summary(s),
		  "5 records in, 2 kept, 3 rejected (words 1, similarity 1, duplicate 1)");
	CHECK(sprout_stage_decided(s));
	CHECK(!sprout_stage_dry_run(s));
	sprout_stage_free(s);
	sprout_arena_free(a);
}

/* A dry run checks but keeps and rejects nothing; its summary says what a
 * run would do, with the judge's requests planned (none sent). */
static void filter_dry_run_plans(void)
{
	sprout_arena *a = sprout_arena_new(0);
	static const char *const opts[] = {
	    "similarity", "off",   "min-words",	       "2",   "dry-run",
	    NULL,	  "judge", "fluency,response", "url", "http://127.0.0.1:9",
	    "model",	  "m",	   "no-cache",	       NULL,
	};
	sprout_stage *s = filter_with(opts, sizeof opts / sizeof *opts);
	struct got g;
	memset(&g, 0, sizeof g);
	sprout_sink sink = {keep, reject, &g, 1};
	sprout_error err = SPROUT_ERROR_INIT;
	CHECK_INT(sprout_stage_open(s, &sink, &err), SPROUT_OK);
	CHECK(sprout_stage_dry_run(s));
	static const char *const lines[] = {
	    "{\"instruction\":\"what time is the shop open\",\"output\":\"nine\"}",
	    "{\"instruction\":\"hi\",\"output\":\"o\"}",
	    "{\"instruction\":\"where is the nearest station\",\"output\":\"left\"}",
	};
	push_lines(NULL, s, lines, sizeof lines / sizeof *lines, a, "alpaca");
	CHECK_INT(sprout_stage_close(s, &err), SPROUT_OK);
	CHECK_INT(g.nkept, 0);
	CHECK_INT(g.nrejects, 0);
	CHECK_STR(sprout_stage_summary(s),
		  "filter: 3 records in, 2 pass the checks before the judge, 1 rejected by them\n"
		  "judge: fluency (from 3), response (from 4)\n"
		  "requests: 4, 0 of them answered in the cache");
	sprout_stage_free(s);
	sprout_arena_free(a);
}

/* Chained after mix in this process: mix caps the variants per seed, the
 * filter drops the short ones; each stage's rejects come out named. */
static void filter_in_a_pipeline(void)
{
	sprout_arena *a = sprout_arena_new(0);
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_pipeline *p = sprout_pipeline_new();
	sprout_stage *mix = sprout_stage_new(sprout_stage_find("mix"), &err);
	CHECK_INT(sprout_stage_set(mix, "per-seed", "1", &err), SPROUT_OK);
	CHECK_INT(sprout_stage_set(mix, "no-shuffle", NULL, &err), SPROUT_OK);
	static const char *const opts[] = {"similarity", "off", "min-words", "3"};
	sprout_stage *flt = filter_with(opts, sizeof opts / sizeof *opts);
	CHECK_INT(sprout_pipeline_add(p, mix, &err), SPROUT_OK);
	CHECK_INT(sprout_pipeline_add(p, flt, &err), SPROUT_OK);
	struct got g;
	memset(&g, 0, sizeof g);
	sprout_sink sink = {keep, reject, &g, 1};
	CHECK_INT(sprout_pipeline_open(p, &sink, &err), SPROUT_OK);
	static const char *const lines[] = {
	    "{\"instruction\":\"what time is the shop open\",\"output\":\"o\","
	    "\"_sprout\":{\"id\":\"s1\",\"root\":\"s1\",\"method\":\"seed\"}}",
	    "{\"instruction\":\"shop open when\",\"output\":\"o\","
	    "\"_sprout\":{\"id\":\"v1\",\"parent\":\"s1\",\"root\":\"s1\",\"method\":\"typo\"}}",
	    "{\"instruction\":\"when does the shop open\",\"output\":\"o\","
	    "\"_sprout\":{\"id\":\"v2\",\"parent\":\"s1\",\"root\":\"s1\",\"method\":\"typo\"}}",
	    "{\"instruction\":\"hi there\",\"output\":\"o\"}",
	};
	push_lines(p, NULL, lines, sizeof lines / sizeof *lines, a, "alpaca");
	CHECK_INT(sprout_pipeline_close(p, &err), SPROUT_OK);
	CHECK_INT(g.nkept, 2);
	CHECK_STR(g.kept[0], "what time is the shop open");
	/* mix keeps one of the two variants (a seeded choice) */
	int v1 = !strcmp(g.kept[1], "shop open when");
	CHECK(v1 || !strcmp(g.kept[1], "when does the shop open"));
	CHECK_INT(g.nrejects, 2);
	CHECK_STR(g.rejects[0], v1 ? "mix/cap:3" : "mix/cap:2");
	CHECK_STR(g.rejects[1], "filter/words:4");
	sprout_pipeline_free(p);
	sprout_arena_free(a);
}

/* ---- generate ------------------------------------------------------------- */

/* generate's table is its command line's, in --help's order: the model
 * server's options after --model, the client's after --response. */
static void generate_options_are_data(void)
{
	const sprout_stage_def *d = sprout_stage_find("generate");
	CHECK(d != NULL);
	CHECK_INT(sprout_stage_flags(d),
		  SPROUT_STAGE_WHOLE | SPROUT_STAGE_RECORDS_OUT | SPROUT_STAGE_SAYS_WHERE);
	const sprout_option_def *o = sprout_stage_options(d);
	size_t n = 0;
	while (o[n].name)
		n++;
	CHECK_INT(n, 48);
	CHECK_STR(o[0].name, "method");
	CHECK_INT(o[0].shortopt, 'm');
	CHECK_STR(o[1].name, "model");
	CHECK(o[1].flags & SPROUT_OPT_REPEAT);
	CHECK_STR(o[2].name, "url");
	CHECK(o[2].flags & SPROUT_OPT_REPEAT); /* several servers */
	CHECK_STR(o[8].name, "temperature");
	CHECK_STR(o[23].name, "response");
	CHECK_STR(o[24].name, "concurrency");
	CHECK_STR(o[28].name, "budget-share");
	CHECK_STR(o[28].def, "1");
	CHECK_STR(o[37].name, "prices");
	CHECK_STR(o[n - 1].name, "batch-max-bytes");
	CHECK_INT(sprout_stage_option(d, "variants")->shortopt, 'n');
	CHECK_INT(sprout_stage_option(d, "prices")->type, SPROUT_OPT_INFILE);
	CHECK_INT(sprout_stage_option(d, "ledger")->type, SPROUT_OPT_OUTPATH);
	CHECK_INT(sprout_stage_option(d, "prompts")->type, SPROUT_OPT_INDIR);
	CHECK_INT(sprout_stage_option(d, "dry-run")->type, SPROUT_OPT_SWITCH);
	CHECK_INT(sprout_stage_option(d, "cache")->type, SPROUT_OPT_OUTPATH);
}

/* Values are checked when set, with the command line's messages; what
 * goes together when opened. */
static void generate_set_checks_values(void)
{
	unsetenv("OPENAI_BASE_URL");
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_stage *s = sprout_stage_new(sprout_stage_find("generate"), &err);
	CHECK(s != NULL);
	CHECK_INT(sprout_stage_set(s, "variants", "0", &err), SPROUT_ERR_USAGE);
	CHECK_STR(err.msg, "--variants: '0' is not a whole number from 1 to 50");
	CHECK_INT(sprout_stage_set(s, "method", "poetry", &err), SPROUT_ERR_USAGE);
	CHECK(!strncmp(err.msg, "--method: ", 10));
	CHECK_INT(sprout_stage_set(s, "constraints", "casual,loud", &err), SPROUT_ERR_USAGE);
	CHECK_STR(err.msg, "--constraints: unknown name 'loud' (expected casual, typos, slang, "
			   "incomplete, non-native or formal)");
	CHECK_INT(sprout_stage_set(s, "temperature", "0.5,3", &err), SPROUT_ERR_USAGE);
	CHECK_STR(err.msg, "--temperature: '0.5,3' is not a list of numbers from 0 to 2");
	CHECK_INT(sprout_stage_set(s, "slot", "label", &err), SPROUT_ERR_USAGE);
	CHECK_STR(err.msg, "--slot: a label is not rewritten");
	CHECK_INT(sprout_stage_set(s, "examples", "0,2", &err), SPROUT_ERR_USAGE);
	CHECK_STR(err.msg, "--examples: expected H or H,M (seed tasks, earlier new tasks), got "
			   "'0,2'");
	CHECK_INT(sprout_stage_set(s, "concurrency", "0", &err), SPROUT_ERR_USAGE);
	CHECK_STR(err.msg, "--concurrency: '0' is not a whole number from 1 to 1024");
	CHECK_INT(sprout_stage_set(s, "method", "refine", &err), SPROUT_OK);
	CHECK_INT(sprout_stage_set(s, "model", "m", &err), SPROUT_OK);
	struct got g;
	memset(&g, 0, sizeof g);
	sprout_sink sink = {keep, reject, &g, 1};
	CHECK_INT(sprout_stage_open(s, &sink, &err), SPROUT_ERR_USAGE);
	CHECK(!strncmp(err.msg, "generate needs --method, --url", 30));
	sprout_stage_free(s);
	/* a cost limit needs a price for every model */
	static const char *const opts[] = {
	    "method", "refine", "model", "m", "url", "http://127.0.0.1:9", "max-cost", "1"};
	s = stage_with("generate", opts, sizeof opts / sizeof *opts);
	CHECK_INT(sprout_stage_open(s, &sink, &err), SPROUT_ERR_USAGE);
	CHECK(!strncmp(err.msg, "--max-cost: no price is known for model 'm'", 43));
	sprout_stage_free(s);
}

/* --dry-run sends nothing and keeps nothing: the summary is the plan the
 * command prints, the lines sprout run reads (requests, tokens, cost). */
static void generate_dry_run_plans(void)
{
	sprout_arena *a = sprout_arena_new(0);
	static const char *const opts[] = {
	    "method",	    "paraphrase", "constraints",
	    "casual,typos", "url",	  "http://127.0.0.1:9",
	    "model",	    "m",	  "model",
	    "gpt-4o-mini",  "dry-run",	  NULL,
	    "no-cache",	    NULL,
	};
	sprout_stage *s = stage_with("generate", opts, sizeof opts / sizeof *opts);
	struct got g;
	memset(&g, 0, sizeof g);
	sprout_sink sink = {keep, reject, &g, 1};
	sprout_error err = SPROUT_ERROR_INIT;
	CHECK_INT(sprout_stage_open(s, &sink, &err), SPROUT_OK);
	CHECK(sprout_stage_dry_run(s));
	static const char *const lines[] = {
	    "{\"instruction\":\"what time is the shop open\",\"output\":\"nine\"}",
	    "{\"instruction\":\"where is the nearest station\",\"output\":\"left\"}",
	    "{\"instruction\":\"how do I reset my password\",\"output\":\"click\"}",
	};
	push_lines(NULL, s, lines, sizeof lines / sizeof *lines, a, "alpaca");
	CHECK_INT(sprout_stage_close(s, &err), SPROUT_OK);
	CHECK_INT(g.nkept, 0);
	CHECK_INT(g.nrejects, 0);
	const char *sum = sprout_stage_summary(s);
	/* 3 records x 2 constraints, over 2 models */
	const char *head = "generate paraphrase: 3 input records, 2 generator settings (2 models)\n"
			   "requests: 6, 0 of them answered in the cache\n"
			   "tokens, estimated: ";
	CHECK(!strncmp(sum, head, strlen(head)));
	unsigned long long prompt, answer, total;
	CHECK_INT(sscanf(sum + strlen(head), "%llu prompt + %llu answer = %llu", &prompt, &answer,
			 &total),
		  3);
	CHECK(prompt > 0 && answer > 0);
	CHECK_INT(total, prompt + answer);
	CHECK(strstr(sum, "\nprice of gpt-4o-mini: $0.15 input, $0.075 cached input, $0.6 output "
			  "per million tokens (built in: check your provider)\n"));
	/* m has no price: the cost is not known */
	const char *last = strrchr(sum, '\n');
	CHECK_STR(last, "\ncost: unknown, no price for model 'm' (give one with --prices FILE)");
	sprout_stage_free(s);
	sprout_arena_free(a);
}

/* The model server's options: several URLs, each one more server; the
 * budgets divided by budget-share once they are all read, in any order. */
static void llm_config_servers_and_share(void)
{
	unsetenv("OPENAI_BASE_URL");
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_llm_config c;
	sprout_llm_config_init(&c);
	CHECK_INT(sprout_llm_config_set(&c, "budget-share", "3", &err), SPROUT_OK);
	CHECK_INT(sprout_llm_config_set(&c, "url", "http://a:1", &err), SPROUT_OK);
	CHECK_INT(sprout_llm_config_set(&c, "url", "http://b:2", &err), SPROUT_OK);
	CHECK_INT(sprout_llm_config_set(&c, "rpm", "120", &err), SPROUT_OK);
	CHECK_INT(sprout_llm_config_set(&c, "tpm", "90000", &err), SPROUT_OK);
	c.lo.max_cost = 1.5;
	CHECK_INT(sprout_llm_config_set(&c, "url", "", &err), SPROUT_ERR_USAGE);
	CHECK_STR(err.msg, "--url: no URL given");
	CHECK_INT(sprout_llm_config_set(&c, "budget-share", "0", &err), SPROUT_ERR_USAGE);
	CHECK_STR(err.msg, "--budget-share: '0' is not a whole number from 1 to 1000000");
	const char *key;
	CHECK_INT(sprout_llm_config_ready(&c, 0, &key, &err), SPROUT_OK);
	CHECK(fabs(c.lo.rpm - 40) < 1e-9);
	CHECK(fabs(c.lo.tpm - 30000) < 1e-9);
	CHECK(fabs(c.lo.max_cost - 0.5) < 1e-9);
	CHECK_INT(sprout_llm_config_ready(&c, 0, &key, &err), SPROUT_OK); /* divided once */
	CHECK(fabs(c.lo.rpm - 40) < 1e-9);
	sprout_llm_endpoint ep = sprout_llm_config_endpoint(&c, "m", key);
	CHECK_STR(ep.url, "http://a:1");
	CHECK_INT(ep.nurls, 2);
	CHECK_STR(ep.urls[1], "http://b:2");
	/* one URL: the endpoint as before, no budget without rpm */
	sprout_llm_config_init(&c);
	CHECK_INT(sprout_llm_config_set(&c, "url", "http://a:1", &err), SPROUT_OK);
	CHECK_INT(sprout_llm_config_set(&c, "budget-share", "4", &err), SPROUT_OK);
	CHECK_INT(sprout_llm_config_ready(&c, 0, &key, &err), SPROUT_OK);
	CHECK(c.lo.rpm == 0 && c.lo.max_cost < 0);
	ep = sprout_llm_config_endpoint(&c, "m", key);
	CHECK(ep.urls == NULL);
	CHECK_STR(ep.url, "http://a:1");
}

SUITE(stage_tests) = {
    T(stage_options_are_data),	   T(stage_set_checks_values),
    T(pipeline_chains_stages),	   T(pipeline_refuses_what_cannot_run),
    T(filter_options_are_data),	   T(filter_set_checks_values),
    T(filter_keeps_and_rejects),   T(filter_dry_run_plans),
    T(filter_in_a_pipeline),	   T(generate_options_are_data),
    T(generate_set_checks_values), T(llm_config_servers_and_share),
    T(generate_dry_run_plans),	   {NULL, NULL},
};
