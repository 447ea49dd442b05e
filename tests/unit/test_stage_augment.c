/* The augment stage through the library's stage interface: records
 * pushed, variants out while they are pushed, in input order for any
 * number of threads, chained with mix in a pipeline. */
#include <stdlib.h>

#include "sprout/stage.h"
#include "test.h"
#include "util.h"

/* What a sink got: every kept line, one after the other. */
struct lines {
	sprout_buf all; /* the lines, each ending with \n */
	size_t n;
};

static sprout_code keep_line(void *ctx, size_t output, sprout_record *rec, const char *json,
			     size_t len, sprout_error *err)
{
	(void)err;
	struct lines *l = ctx;
	CHECK_INT(output, 0);
	CHECK(rec == NULL); /* the sink wants no records: the stage gives text */
	CHECK(json != NULL);
	CHECK(sprout_buf_add(&l->all, json, len) == SPROUT_OK);
	CHECK(sprout_buf_addc(&l->all, '\n') == SPROUT_OK);
	l->n++;
	return SPROUT_OK;
}

static sprout_stage *augment_stage(const char *const *opts)
{
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_stage *s = sprout_stage_new(sprout_stage_find("augment"), &err);
	CHECK(s != NULL);
	for (size_t i = 0; opts[i]; i += 2)
		if (sprout_stage_set(s, opts[i], opts[i + 1], &err))
			test_fail(__FILE__, __LINE__, "--%s: %s", opts[i], err.msg);
	return s;
}

/* One record of the classification format, with provenance, into s. */
static void push_one(sprout_stage *s, sprout_arena *a, const char *json)
{
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_record r = make_record(a, json, "classification");
	CHECK_INT(sprout_meta_ensure(&r, &err), SPROUT_OK);
	CHECK_INT(sprout_stage_push(s, &r, &err), SPROUT_OK);
}

#define NRECORDS 300 /* more than two chunks of 128 */

static void push_records(sprout_stage *s, sprout_arena *a)
{
	sprout_error err = SPROUT_ERROR_INIT;
	for (int i = 0; i < NRECORDS; i++) {
		char line[160];
		snprintf(line, sizeof line,
			 "{\"text\":\"Please check the balance of my savings account number %d "
			 "today\",\"label\":\"balance\"}",
			 i);
		sprout_record r = make_record(a, line, "classification");
		r.file = "in.jsonl";
		r.line = (unsigned long)i + 1;
		CHECK_INT(sprout_meta_ensure(&r, &err), SPROUT_OK);
		if (sprout_stage_push(s, &r, &err))
			test_fail(__FILE__, __LINE__, "push %d: %s", i, err.msg);
	}
}

/* Each record, then its one typo variant naming it as its parent; the
 * first chunks come out before close. */
static void augment_stage_streams_variants(void)
{
	static const char *const opts[] = {
	    "keep-original", NULL, "count", "typo=1", "no-check", NULL, "seed", "5", NULL};
	sprout_arena *a = sprout_arena_new(0);
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_stage *s = augment_stage(opts);
	CHECK(!(sprout_stage_flags(sprout_stage_find("augment")) & SPROUT_STAGE_WHOLE));
	struct lines l = {0};
	sprout_buf_init(&l.all, (size_t)1 << 26);
	sprout_sink sink = {keep_line, NULL, &l, 0};
	CHECK_INT(sprout_stage_open(s, &sink, &err), SPROUT_OK);
	push_records(s, a);
	CHECK(l.n >= 2 * 256); /* two whole chunks of records and variants */
	CHECK(l.n < 2 * NRECORDS);
	CHECK_INT(sprout_stage_close(s, &err), SPROUT_OK);
	CHECK_INT(l.n, 2 * NRECORDS);
	CHECK(sprout_buf_addc(&l.all, '\0') == SPROUT_OK);
	char *save = NULL;
	char *line = strtok_r(l.all.data, "\n", &save);
	for (int i = 0; i < NRECORDS; i++) {
		CHECK(line != NULL);
		sprout_json *parent = parse_ok(a, line);
		char want[160];
		snprintf(want, sizeof want,
			 "Please check the balance of my savings account number %d today", i);
		CHECK(sprout_json_is(sprout_json_get(parent, "text"), want));
		const sprout_json *pm = sprout_json_get(parent, "_sprout");
		line = strtok_r(NULL, "\n", &save);
		CHECK(line != NULL);
		sprout_json *variant = parse_ok(a, line);
		const sprout_json *vm = sprout_json_get(variant, "_sprout");
		CHECK(sprout_json_is(sprout_json_get(vm, "method"), "augment.typo"));
		CHECK(sprout_json_equal(sprout_json_get(vm, "parent"), sprout_json_get(pm, "id")));
		CHECK(!sprout_json_is(sprout_json_get(variant, "text"), want));
		CHECK(sprout_json_is(sprout_json_get(variant, "label"), "balance"));
		line = strtok_r(NULL, "\n", &save);
	}
	CHECK(line == NULL);
	unsigned long long in, kept, rejected;
	sprout_stage_counts(s, &in, &kept, &rejected);
	CHECK_INT(in, NRECORDS);
	CHECK_INT(kept, 2 * NRECORDS);
	CHECK_INT(rejected, 0);
	CHECK_STR(sprout_stage_summary(s), "300 records, 300 variants (typo 300)");
	sprout_stage_free(s);
	sprout_buf_release(&l.all);
	sprout_arena_free(a);
}

static sprout_code keep_stripped(void *ctx, size_t output, sprout_record *rec, const char *json,
				 size_t len, sprout_error *err)
{
	(void)output;
	(void)err;
	CHECK(rec == NULL); /* text alone, although the sink wants records */
	char text[256];
	CHECK(json && len < sizeof text);
	snprintf(text, sizeof text, "%.*s", (int)len, json);
	CHECK(!strstr(text, "_sprout") && strstr(text, "\"label\":\"c\""));
	((struct lines *)ctx)->n++;
	return SPROUT_OK;
}

/* A sink that strips provenance gets the lines made without it. */
static void augment_stage_leaves_out_meta_for_the_sink(void)
{
	static const char *const opts[] = {"count", "typo=2", "no-check", NULL, NULL};
	sprout_arena *a = sprout_arena_new(0);
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_stage *s = augment_stage(opts);
	struct lines l = {0};
	sprout_sink sink = {.keep = keep_stripped, .ctx = &l, .wants_records = 1, .strips_meta = 1};
	CHECK_INT(sprout_stage_open(s, &sink, &err), SPROUT_OK);
	push_one(s, a, "{\"text\":\"Where is my new card\",\"label\":\"c\"}");
	CHECK_INT(sprout_stage_close(s, &err), SPROUT_OK);
	CHECK_INT(l.n, 2);
	sprout_stage_free(s);
	sprout_arena_free(a);
}

/* The lines of NRECORDS records with 3 variants each, checked, made by
 * jobs threads. */
static void run_jobs(const char *jobs, struct lines *l)
{
	const char *const opts[] = {"variants", "3", "seed", "2", "jobs", jobs, NULL};
	sprout_arena *a = sprout_arena_new(0);
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_stage *s = augment_stage(opts);
	sprout_buf_init(&l->all, (size_t)1 << 26);
	l->n = 0;
	sprout_sink sink = {keep_line, NULL, l, 0};
	CHECK_INT(sprout_stage_open(s, &sink, &err), SPROUT_OK);
	push_records(s, a);
	CHECK_INT(sprout_stage_close(s, &err), SPROUT_OK);
	sprout_stage_free(s);
	sprout_arena_free(a);
}

/* Threads make the chunks; they come out in input order all the same. */
static void augment_stage_same_for_any_jobs(void)
{
	struct lines one, three;
	run_jobs("1", &one);
	run_jobs("3", &three);
	CHECK(one.n > NRECORDS);
	CHECK_INT(three.n, one.n);
	CHECK(one.all.len == three.all.len && !memcmp(one.all.data, three.all.data, one.all.len));
	sprout_buf_release(&one.all);
	sprout_buf_release(&three.all);
}

struct got {
	char kept[16][96];
	size_t nkept;
	char rejects[16][48];
	size_t nrejects;
};

static sprout_code keep_record(void *ctx, size_t output, sprout_record *rec, const char *json,
			       size_t len, sprout_error *err)
{
	(void)output;
	(void)json;
	(void)len;
	(void)err;
	struct got *g = ctx;
	CHECK(rec != NULL);
	CHECK(g->nkept < 16);
	sprout_text t;
	CHECK(sprout_record_get(rec, SPROUT_SLOT_PROMPT, &t));
	const sprout_json *m = sprout_json_get(sprout_meta_get(rec), "method");
	snprintf(g->kept[g->nkept++], sizeof g->kept[0], "%s %.*s", m ? m->u.s : "?", (int)t.len,
		 t.s);
	return SPROUT_OK;
}

static sprout_code reject_record(void *ctx, const sprout_reject *r, sprout_error *err)
{
	(void)err;
	struct got *g = ctx;
	CHECK(g->nrejects < 16);
	snprintf(g->rejects[g->nrejects++], sizeof g->rejects[0], "%s/%s:%lu", r->stage,
		 r->check ? r->check : r->error, r->line);
	return SPROUT_OK;
}

/* augment, then mix in the same process: the variants reach mix as
 * records, with the line of their parent; mix's ratio drops some. */
static void augment_stage_feeds_mix(void)
{
	static const char *const aug_opts[] = {"keep-original", NULL, "count", "typo=1",
					       "no-check",	NULL, NULL};
	sprout_arena *a = sprout_arena_new(0);
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_pipeline *p = sprout_pipeline_new();
	sprout_stage *mix = sprout_stage_new(sprout_stage_find("mix"), &err);
	CHECK(p && mix);
	CHECK_INT(sprout_stage_set(mix, "ratio", "1:2", &err), SPROUT_OK);
	CHECK_INT(sprout_stage_set(mix, "no-shuffle", NULL, &err), SPROUT_OK);
	CHECK_INT(sprout_pipeline_add(p, augment_stage(aug_opts), &err), SPROUT_OK);
	CHECK_INT(sprout_pipeline_add(p, mix, &err), SPROUT_OK);
	struct got g;
	memset(&g, 0, sizeof g);
	sprout_sink sink = {keep_record, reject_record, &g, 1};
	CHECK_INT(sprout_pipeline_open(p, &sink, &err), SPROUT_OK);
	static const char *const lines[] = {
	    "{\"text\":\"Where is my new card\",\"label\":\"card\"}",
	    "{\"text\":\"bad\",\"label\":\"x\",\"_sprout\":[1]}",
	    "{\"text\":\"Please freeze my account today\",\"label\":\"freeze\"}",
	};
	for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
		sprout_record r = make_record(a, lines[i], "classification");
		r.file = "in.jsonl";
		r.line = i + 1;
		CHECK_INT(sprout_pipeline_push(p, &r, &err), SPROUT_OK);
	}
	CHECK_INT(sprout_pipeline_close(p, &err), SPROUT_OK);
	/* 2 real records and one of the 2 variants (1 for every 2 real) */
	CHECK_INT(g.nkept, 3);
	CHECK_STR(g.kept[0], "seed Where is my new card");
	CHECK_STR(g.kept[1], "seed Please freeze my account today");
	CHECK(!strncmp(g.kept[2], "augment.typo ", 13));
	int first = !strncmp(g.kept[2] + 13, "Wh", 2) || !strncmp(g.kept[2] + 13, "wh", 2);
	CHECK_INT(g.nrejects, 2);
	CHECK_STR(g.rejects[0], "read/record:2");
	CHECK_STR(g.rejects[1], first ? "mix/ratio:3" : "mix/ratio:1");
	CHECK_STR(sprout_stage_summary(sprout_pipeline_stage(p, 0)),
		  "2 records, 2 variants (typo 2)");
	sprout_pipeline_free(p);
	sprout_arena_free(a);
}

/* When no candidate keeps the meaning, close says so (SPROUT_ERR_EMPTY)
 * after what there was came out, with notes on why. */
static void augment_stage_says_nothing_was_made(void)
{
	static const char *const opts[] = {"methods", "formal", "keep-original", NULL, NULL};
	sprout_arena *a = sprout_arena_new(0);
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_stage *s = augment_stage(opts);
	struct lines l = {0};
	sprout_buf_init(&l.all, (size_t)1 << 26);
	sprout_sink sink = {keep_line, NULL, &l, 0};
	CHECK_INT(sprout_stage_open(s, &sink, &err), SPROUT_OK);
	push_one(s, a, "{\"text\":\"What is my balance\",\"label\":\"b\"}");
	CHECK_INT(sprout_stage_close(s, &err), SPROUT_ERR_EMPTY);
	CHECK_STR(err.msg, "no variant was made of 1 records");
	CHECK_INT(l.n, 1); /* the record itself (--keep-original) */
	CHECK_STR(sprout_stage_summary(s),
		  "1 records, 0 variants (none)\n"
		  "candidates turned down by the meaning check (below 0.89 or a copy): formal 1\n"
		  "1 records got fewer than 4 variants: their text left too little to change, or "
		  "no candidate passed the check");
	sprout_stage_free(s);
	sprout_buf_release(&l.all);
	sprout_arena_free(a);
}

/* In a pipeline, a stage that made nothing does not stop the next one
 * from closing: mix still hands on the record augment kept. */
static void augment_stage_made_nothing_in_a_pipeline(void)
{
	static const char *const opts[] = {"methods", "formal", "keep-original", NULL, NULL};
	sprout_arena *a = sprout_arena_new(0);
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_pipeline *p = sprout_pipeline_new();
	CHECK_INT(sprout_pipeline_add(p, augment_stage(opts), &err), SPROUT_OK);
	CHECK_INT(sprout_pipeline_add(p, sprout_stage_new(sprout_stage_find("mix"), &err), &err),
		  SPROUT_OK);
	struct got g;
	memset(&g, 0, sizeof g);
	sprout_sink sink = {keep_record, reject_record, &g, 1};
	CHECK_INT(sprout_pipeline_open(p, &sink, &err), SPROUT_OK);
	sprout_record r =
	    make_record(a, "{\"text\":\"What is my balance\",\"label\":\"b\"}", "classification");
	CHECK_INT(sprout_pipeline_push(p, &r, &err), SPROUT_OK);
	CHECK_INT(sprout_pipeline_close(p, &err), SPROUT_ERR_EMPTY);
	CHECK_STR(err.msg, "no variant was made of 1 records");
	CHECK_INT(g.nkept, 1);
	CHECK_STR(g.kept[0], "seed What is my balance");
	CHECK_STR(
	    sprout_stage_summary(sprout_pipeline_stage(p, 1)),
	    "1 real + 0 synthetic of 0 = 1 records (0.0% synthetic); dropped: cap 0, ratio 0, "
	    "share 0");
	sprout_pipeline_free(p);
	sprout_arena_free(a);
}

/* Values are checked where they are set, with today's messages; options
 * together at open. */
static void augment_stage_checks_options(void)
{
	sprout_error err = SPROUT_ERROR_INIT;
	const sprout_stage_def *d = sprout_stage_find("augment");
	CHECK(d != NULL);
	CHECK_STR(sprout_stage_option(d, "jobs")->def, "1");
	CHECK_INT(sprout_stage_option(d, "variants")->shortopt, 'n');
	sprout_stage *s = sprout_stage_new(d, &err);
	CHECK_INT(sprout_stage_set(s, "methods", "synonym,magic", &err), SPROUT_ERR_USAGE);
	CHECK(!strncmp(err.msg, "--methods: unknown method 'magic'", 33));
	CHECK_INT(sprout_stage_set(s, "methods", "typo*0", &err), SPROUT_ERR_USAGE);
	CHECK_STR(err.msg, "--methods: weight '0' of typo is not a positive number");
	CHECK_INT(sprout_stage_set(s, "count", "typo=x", &err), SPROUT_ERR_USAGE);
	CHECK_STR(err.msg, "--count: 'x' is not a number");
	CHECK_INT(sprout_stage_set(s, "count", "typo=1.5", &err), SPROUT_ERR_USAGE);
	CHECK_STR(err.msg, "--count: typo=1.5 is not a whole number from 0 to 100");
	CHECK_INT(sprout_stage_set(s, "rate", "swap=2", &err), SPROUT_ERR_USAGE);
	CHECK_STR(err.msg, "--rate: swap=2 is not in (0, 1]");
	CHECK_INT(sprout_stage_set(s, "variants", "0", &err), SPROUT_ERR_USAGE);
	CHECK_STR(err.msg, "--variants: '0' is not a whole number from 1 to 100");
	CHECK_INT(sprout_stage_set(s, "jobs", "65", &err), SPROUT_ERR_USAGE);
	CHECK_STR(err.msg, "--jobs: '65' is not a whole number from 1 to 64");
	CHECK_INT(sprout_stage_set(s, "focus", "corrections=1", &err), SPROUT_ERR_USAGE);
	CHECK_STR(err.msg, "--focus: expected corrections or corrections=F (F from 2 to 20), got "
			   "'corrections=1'");
	CHECK_INT(sprout_stage_set(s, "focus", "corrections=4", &err), SPROUT_OK);
	CHECK_INT(sprout_stage_set(s, "min-score", "1.5", &err), SPROUT_ERR_USAGE);
	CHECK_INT(sprout_stage_set(s, "fields", "label", &err), SPROUT_ERR_USAGE);
	CHECK_STR(err.msg, "--fields: labels are carried over, not augmented");
	CHECK_INT(sprout_stage_set(s, "fields", ",", &err), SPROUT_OK);
	struct lines l = {0};
	sprout_sink sink = {keep_line, NULL, &l, 0};
	CHECK_INT(sprout_stage_open(s, &sink, &err), SPROUT_ERR_USAGE);
	CHECK_STR(err.msg, "--fields: no slot to augment");
	sprout_stage_free(s);
}

SUITE(aug_stg_tests) = {
    T(augment_stage_streams_variants),	    T(augment_stage_leaves_out_meta_for_the_sink),
    T(augment_stage_same_for_any_jobs),	    T(augment_stage_feeds_mix),
    T(augment_stage_says_nothing_was_made), T(augment_stage_made_nothing_in_a_pipeline),
    T(augment_stage_checks_options),	    {NULL, NULL},
};
