/* The split, convert and export stages through the library's API. */
#include <stdlib.h>

#include "sprout/sprout.h"
#include "test.h"
#include "util.h"

struct seen {
	char kept[64][96]; /* "OUTPUT|prompt" */
	size_t nkept;
	char side[64][160]; /* side output records, as JSON */
	size_t nside;
	char rejects[64][64]; /* "stage/check-or-error:line" */
	size_t nrejects;
	char warned[16][200];
	size_t nwarned;
	const sprout_stage_def *def;
	int saw_meta; /* a kept record had _sprout */
};

static sprout_code seen_keep(void *ctx, size_t output, sprout_record *rec, const char *json,
			     size_t len, sprout_error *err)
{
	(void)json;
	(void)len;
	(void)err;
	struct seen *g = ctx;
	CHECK(rec != NULL);
	if (output == 1 && !strcmp(sprout_stage_outputs(g->def)[0], "out")) {
		sprout_buf b;
		sprout_buf_init(&b, 4096);
		sprout_json_write(&b, rec->obj);
		snprintf(g->side[g->nside++], sizeof g->side[0], "%.*s", (int)b.len, b.data);
		sprout_buf_release(&b);
		return SPROUT_OK;
	}
	sprout_text t = {"", 0};
	if (!sprout_record_get(rec, SPROUT_SLOT_PROMPT, &t)) {
		/* a shaped record has no format of its own: the first message */
		const sprout_json *m = sprout_json_get(rec->obj, "messages");
		const sprout_json *c =
		    m && m->len ? sprout_json_get(m->u.items[0], "content") : NULL;
		if (c)
			t = (sprout_text){c->u.s, c->len};
	}
	g->saw_meta |= sprout_json_get(rec->obj, "_sprout") != NULL;
	snprintf(g->kept[g->nkept++], sizeof g->kept[0], "%s|%.*s",
		 sprout_stage_outputs(g->def)[output], (int)t.len, t.s);
	return SPROUT_OK;
}

static sprout_code seen_reject(void *ctx, const sprout_reject *r, sprout_error *err)
{
	(void)err;
	struct seen *g = ctx;
	CHECK(r->record != NULL);
	snprintf(g->rejects[g->nrejects++], sizeof g->rejects[0], "%s/%s:%lu", r->stage,
		 r->check   ? r->check
		 : r->error ? r->error
			    : "-",
		 r->line);
	return SPROUT_OK;
}

static void seen_warn(void *ctx, const char *msg)
{
	struct seen *g = ctx;
	snprintf(g->warned[g->nwarned++], sizeof g->warned[0], "%s", msg);
}

static sprout_sink sink_for(struct seen *g, const char *stage)
{
	memset(g, 0, sizeof *g);
	g->def = sprout_stage_find(stage);
	return (sprout_sink){.keep = seen_keep,
			     .reject = seen_reject,
			     .ctx = g,
			     .wants_records = 1,
			     .warn = seen_warn};
}

/* Ten seeds (two labels) and two variants of each, in classification. */
static void push_seeds(sprout_stage *s, sprout_arena *a, const char *prompt)
{
	sprout_error err = SPROUT_ERROR_INIT;
	unsigned long line = 0;
	for (int i = 0; i < 10; i++) {
		char text[300];
		static const char *const topics[] = {"reset my password",   "track a parcel",
						     "cancel the order",    "change the address",
						     "refund of a gift",    "open a joint account",
						     "lost my bank card",   "upgrade the plan",
						     "delete old invoices", "export all contacts"};
		snprintf(text, sizeof text,
			 "{\"text\":\"%s\",\"label\":\"%s\",\"_sprout\":{\"id\":\"s%d\","
			 "\"root\":\"s%d\",\"method\":\"seed\"}}",
			 prompt ? prompt : topics[i], i % 2 ? "login" : "shipping", i, i);
		sprout_record r = make_record(a, text, "classification");
		r.file = "in.jsonl";
		r.line = ++line;
		CHECK_INT(sprout_stage_push(s, &r, &err), SPROUT_OK);
		for (int k = 0; k < 2 && !prompt; k++) {
			snprintf(text, sizeof text,
				 "{\"text\":\"variant %d of %s\",\"label\":\"%s\",\"_sprout\":{"
				 "\"id\":\"v%d%d\",\"parent\":\"s%d\",\"root\":\"s%d\","
				 "\"method\":\"typo\"}}",
				 k, topics[i], i % 2 ? "login" : "shipping", i, k, i, i);
			r = make_record(a, text, "classification");
			r.file = "in.jsonl";
			r.line = ++line;
			CHECK_INT(sprout_stage_push(s, &r, &err), SPROUT_OK);
		}
	}
}

/* Held-out sides get real records only; a variant goes where its seed
 * went, or is rejected when its seed is held out. */
static void split_stage_sides(void)
{
	sprout_arena *a = sprout_arena_new(0);
	sprout_error err = SPROUT_ERROR_INIT;
	const sprout_stage_def *d = sprout_stage_find("split");
	CHECK(d && (sprout_stage_flags(d) & SPROUT_STAGE_WHOLE));
	CHECK_STR(sprout_stage_outputs(d)[2], "test");
	const sprout_option_def *dir = sprout_stage_option(d, "out-dir");
	CHECK(dir && (dir->flags & SPROUT_OPT_PLACE) && dir->shortopt == 'd');
	sprout_stage *s = sprout_stage_new(d, &err);
	CHECK_INT(sprout_stage_set(s, "valid", "1", &err), SPROUT_ERR_USAGE);
	CHECK_STR(err.msg, "--valid: '1' is not a share between 0 and 1");
	CHECK_INT(sprout_stage_set(s, "on-leak", "shrug", &err), SPROUT_ERR_USAGE);
	CHECK_STR(err.msg, "--on-leak: unknown mode 'shrug' (expected fail or warn)");
	CHECK_INT(sprout_stage_set(s, "leak-jaccard", "0", &err), SPROUT_ERR_USAGE);
	CHECK_STR(err.msg, "--leak-jaccard: '0' must be above 0");
	CHECK_INT(sprout_stage_set(s, "valid", "0.2", &err), SPROUT_OK);
	CHECK_INT(sprout_stage_set(s, "test", "0.2", &err), SPROUT_OK);
	CHECK_INT(sprout_stage_set(s, "seed", "7", &err), SPROUT_OK);
	CHECK_INT(sprout_stage_set(s, "out-dir", "somewhere", &err), SPROUT_OK);
	struct seen g;
	sprout_sink sink = sink_for(&g, "split");
	CHECK_INT(sprout_stage_open(s, &sink, &err), SPROUT_OK);
	push_seeds(s, a, NULL);
	CHECK_INT(g.nkept, 0); /* the whole set first */
	CHECK_INT(sprout_stage_close(s, &err), SPROUT_OK);
	size_t held = 0, train_variants = 0;
	for (size_t i = 0; i < g.nkept; i++) {
		int train = !strncmp(g.kept[i], "train|", 6);
		held += !train;
		CHECK(train || !strstr(g.kept[i], "variant")); /* held out: real only */
		train_variants += train && strstr(g.kept[i], "variant");
	}
	CHECK_INT(held, 4); /* 20% + 20% of 10 seeds */
	CHECK_INT(train_variants, 12);
	CHECK_INT(g.nrejects, 8); /* the variants of the 4 held-out seeds */
	for (size_t i = 0; i < g.nrejects; i++)
		CHECK(!strncmp(g.rejects[i], "split/-:", 8));
	CHECK_INT(g.nkept + g.nrejects, 30);
	CHECK_INT(g.nwarned, 0);
	CHECK_STR(sprout_stage_summary(s), "train 18, valid 2, test 2, dropped 8 (synthetic "
					   "records of held-out seeds)");
	sprout_stage_free(s);

	/* options that contradict each other are refused at open */
	s = sprout_stage_new(d, &err);
	CHECK_INT(sprout_stage_set(s, "valid", "0.5", &err), SPROUT_OK);
	CHECK_INT(sprout_stage_set(s, "test", "0.5", &err), SPROUT_OK);
	CHECK_INT(sprout_stage_open(s, &sink, &err), SPROUT_ERR_USAGE);
	CHECK_STR(err.msg, "--valid and --test leave nothing to train on (0.50 + 0.50)");
	sprout_stage_free(s);
	sprout_arena_free(a);
}

/* Near-identical prompts on both sides: the check fails with nothing
 * handed on, or with --on-leak warn says so and hands everything on. */
static void split_stage_leaks(void)
{
	for (int warn = 0; warn < 2; warn++) {
		sprout_arena *a = sprout_arena_new(0);
		sprout_error err = SPROUT_ERROR_INIT;
		sprout_stage *s = sprout_stage_new(sprout_stage_find("split"), &err);
		CHECK_INT(sprout_stage_set(s, "on-leak", warn ? "warn" : "fail", &err), SPROUT_OK);
		struct seen g;
		sprout_sink sink = sink_for(&g, "split");
		CHECK_INT(sprout_stage_open(s, &sink, &err), SPROUT_OK);
		push_seeds(s, a, "please tell me how to reset the password of my account");
		CHECK_INT(sprout_stage_close(s, &err), warn ? SPROUT_OK : SPROUT_ERR_RECORD);
		CHECK_INT(g.nwarned, 2); /* the valid and the test seed */
		CHECK(!strncmp(g.warned[0], "leak: ", 6));
		CHECK(strstr(g.warned[0], "to train record in.jsonl:") != NULL);
		if (warn) {
			CHECK_INT(g.nkept, 10);
			CHECK(strstr(sprout_stage_summary(s), ", with leaks") != NULL);
		} else {
			CHECK_INT(g.nkept, 0);
			CHECK_INT(g.nrejects, 0);
			CHECK_STR(err.msg, "2 held-out records leak into train; nothing written "
					   "(--on-leak warn writes anyway)");
			CHECK_STR(sprout_stage_summary(s), "");
		}
		sprout_stage_free(s);
		sprout_arena_free(a);
	}
}

/* mix then split in one pipeline: what mix keeps is split, what either
 * drops comes out as a reject of its stage. */
static void split_after_mix(void)
{
	sprout_arena *a = sprout_arena_new(0);
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_pipeline *p = sprout_pipeline_new();
	sprout_stage *mix = sprout_stage_new(sprout_stage_find("mix"), &err);
	sprout_stage *split = sprout_stage_new(sprout_stage_find("split"), &err);
	CHECK_INT(sprout_stage_set(mix, "per-seed", "1", &err), SPROUT_OK);
	CHECK_INT(sprout_stage_set(split, "valid", "0.2", &err), SPROUT_OK);
	CHECK_INT(sprout_stage_set(split, "test", "0", &err), SPROUT_OK);
	CHECK_INT(sprout_pipeline_add(p, mix, &err), SPROUT_OK);
	CHECK_INT(sprout_pipeline_add(p, split, &err), SPROUT_OK);
	struct seen g;
	sprout_sink sink = sink_for(&g, "split");
	CHECK_INT(sprout_pipeline_open(p, &sink, &err), SPROUT_OK);
	for (int i = 0; i < 10; i++) {
		char text[300];
		for (int k = 0; k < 3; k++) {
			if (k == 0)
				snprintf(text, sizeof text,
					 "{\"text\":\"seed number %d asks something\","
					 "\"label\":\"x\"}",
					 i);
			else
				snprintf(text, sizeof text,
					 "{\"text\":\"variant %d of %d\",\"label\":\"x\","
					 "\"_sprout\":{\"id\":\"v%d%d\",\"parent\":\"P\",\"root\":"
					 "\"R%d\",\"method\":\"typo\"}}",
					 k, i, i, k, i);
			sprout_record r = make_record(a, text, "classification");
			r.file = "in.jsonl";
			r.line = (unsigned long)(3 * i + k + 1);
			CHECK_INT(sprout_pipeline_push(p, &r, &err), SPROUT_OK);
		}
	}
	CHECK_INT(sprout_pipeline_close(p, &err), SPROUT_OK);
	size_t cap = 0, split_drops = 0;
	for (size_t i = 0; i < g.nrejects; i++) {
		cap += !strncmp(g.rejects[i], "mix/cap:", 8);
		split_drops += !strncmp(g.rejects[i], "split/", 6);
	}
	CHECK_INT(cap, 10); /* one variant of each root kept */
	/* the variants' roots are not the seeds' ids: no seed is theirs, and
	 * they stay in train with the real records that were not held out */
	CHECK_INT(split_drops, 0);
	CHECK_INT(g.nkept, 20);
	CHECK_STR(sprout_stage_summary(sprout_pipeline_stage(p, 1)),
		  "train 18, valid 2, test 0, dropped 0 (synthetic records of held-out seeds)");
	sprout_pipeline_free(p);
	sprout_arena_free(a);
}

/* Alpaca records, lines 1.. of in.jsonl, each left as it was by the stage. */
static void push_alpaca(sprout_stage *s, sprout_arena *a, const char *const *lines, size_t n)
{
	sprout_error err = SPROUT_ERROR_INIT;
	for (size_t i = 0; i < n; i++) {
		sprout_record r = make_record(a, lines[i], "alpaca");
		sprout_json *before = sprout_json_get(r.obj, "_sprout");
		size_t len = r.obj->len;
		r.file = "in.jsonl";
		r.line = i + 1;
		CHECK_INT(sprout_stage_push(s, &r, &err), SPROUT_OK);
		CHECK(sprout_json_get(r.obj, "_sprout") == before);
		CHECK_INT(r.obj->len, len);
	}
}

/* convert: the target format, provenance given first (or not, for a sink
 * that strips it), a record the target cannot hold rejected as bad input. */
static void convert_stage(void)
{
	sprout_arena *a = sprout_arena_new(0);
	sprout_error err = SPROUT_ERROR_INIT;
	const sprout_stage_def *d = sprout_stage_find("convert");
	CHECK(d && (sprout_stage_flags(d) & SPROUT_STAGE_RAW));
	for (int strip = 0; strip < 2; strip++) {
		sprout_stage *s = sprout_stage_new(d, &err);
		CHECK_INT(sprout_stage_set(s, "to", "auto", &err), SPROUT_ERR_USAGE);
		CHECK_STR(err.msg, "--to: 'auto' is not a target format");
		CHECK_INT(sprout_stage_set(s, "to", "classification", &err), SPROUT_OK);
		struct seen g;
		sprout_sink sink = sink_for(&g, "convert");
		sink.strips_meta = strip;
		CHECK_INT(sprout_stage_open(s, &sink, &err), SPROUT_OK);
		static const char *const lines[] = {
		    "{\"instruction\":\"is this spam\",\"output\":\"\",\"label\":\"no\"}",
		    "{\"instruction\":\"say hi\",\"output\":\"hi\"}",
		};
		push_alpaca(s, a, lines, 2);
		CHECK_INT(sprout_stage_close(s, &err), SPROUT_OK);
		CHECK_INT(g.nkept, 1);
		CHECK_STR(g.kept[0], "out|is this spam");
		CHECK_INT(g.saw_meta, !strip);
		CHECK_INT(g.nrejects, 1);
		CHECK_STR(g.rejects[0], "convert/convert:2");
		sprout_stage_free(s);
	}
	sprout_arena_free(a);
}

/* export: only the trainer's fields, the label as the answer, the
 * provenance on the side output, the container and names it wants. */
static void export_stage(void)
{
	sprout_arena *a = sprout_arena_new(0);
	sprout_error err = SPROUT_ERROR_INIT;
	const sprout_stage_def *d = sprout_stage_find("export");
	sprout_stage *s = sprout_stage_new(d, &err);
	CHECK_INT(sprout_stage_set(s, "to", "jsonl", &err), SPROUT_ERR_USAGE);
	CHECK_STR(err.msg,
		  "--to: unknown target 'jsonl' (expected openai, sharegpt, alpaca or trl)");
	CHECK_INT(sprout_stage_set(s, "to", "trl", &err), SPROUT_OK);
	CHECK_INT(sprout_stage_set(s, "meta", "meta.jsonl", &err), SPROUT_OK);
	struct seen g;
	sprout_sink sink = sink_for(&g, "export");
	CHECK_INT(sprout_stage_open(s, &sink, &err), SPROUT_OK);
	CHECK_INT(sprout_stage_container(s), SPROUT_CONTAINER_JSONL);
	CHECK_STR(sprout_stage_output_name(s, "valid"), "validation");
	CHECK_STR(sprout_stage_output_name(s, "train"), "train");
	static const char *const lines[] = {
	    "{\"instruction\":\"is this spam\",\"output\":\"\",\"label\":\"no\",\"extra\":1,"
	    "\"_sprout\":{\"id\":\"x1\"}}",
	    "{\"instruction\":\"no answer\",\"output\":\"\"}",
	    "{\"instruction\":\"say hi\",\"output\":\"hi\"}",
	};
	push_alpaca(s, a, lines, 3);
	CHECK_INT(sprout_stage_close(s, &err), SPROUT_OK);
	CHECK_INT(g.nkept, 2);
	CHECK_STR(g.kept[0], "out|is this spam");
	CHECK_INT(g.saw_meta, 0);
	CHECK_INT(g.nside, 2);
	CHECK_STR(g.side[0], "{\"_sprout\":{\"id\":\"x1\"}}");
	CHECK_STR(g.side[1], "{}");
	CHECK_INT(g.nrejects, 1);
	CHECK_STR(g.rejects[0], "export/convert:2");
	unsigned long long in, kept, rejected;
	sprout_stage_counts(s, &in, &kept, &rejected);
	CHECK_INT(in, 3);
	CHECK_INT(kept, 2); /* side records are not counted */
	CHECK_INT(rejected, 1);
	sprout_stage_free(s);

	s = sprout_stage_new(d, &err);
	CHECK_INT(sprout_stage_set(s, "to", "alpaca", &err), SPROUT_OK);
	CHECK_INT(sprout_stage_open(s, &sink, &err), SPROUT_OK);
	CHECK_INT(sprout_stage_container(s), SPROUT_CONTAINER_ARRAY);
	CHECK_STR(sprout_stage_output_name(s, "valid"), "valid");
	sprout_stage_free(s);
	sprout_arena_free(a);
}

/* convert then export in one pipeline: records as read (the first stage
 * takes them raw), provenance given by convert, left out of the shaped
 * records and handed on the side output; a record export cannot shape is
 * rejected by export, one convert cannot write by convert. */
static void export_after_convert(void)
{
	sprout_arena *a = sprout_arena_new(0);
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_pipeline *p = sprout_pipeline_new();
	sprout_stage *conv = sprout_stage_new(sprout_stage_find("convert"), &err);
	sprout_stage *exp = sprout_stage_new(sprout_stage_find("export"), &err);
	CHECK_INT(sprout_stage_set(conv, "to", "alpaca", &err), SPROUT_OK);
	CHECK_INT(sprout_stage_set(exp, "meta", "m.jsonl", &err), SPROUT_OK);
	CHECK_INT(sprout_pipeline_add(p, conv, &err), SPROUT_OK);
	CHECK_INT(sprout_pipeline_add(p, exp, &err), SPROUT_OK);
	struct seen g;
	sprout_sink sink = sink_for(&g, "export");
	CHECK_INT(sprout_pipeline_open(p, &sink, &err), SPROUT_OK);
	static const char *const lines[] = {
	    "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":"
	    "\"assistant\",\"content\":\"hello\"}]}",
	    "{\"messages\":[{\"role\":\"user\",\"content\":\"a\"},{\"role\":"
	    "\"assistant\",\"content\":\"b\"},{\"role\":\"user\",\"content\":\"c\"},"
	    "{\"role\":\"assistant\",\"content\":\"d\"}]}",
	    "{\"messages\":[{\"role\":\"user\",\"content\":\"mute\"}],\"_sprout\":7}",
	    "{\"messages\":[{\"role\":\"user\",\"content\":\"silent\"}]}",
	};
	for (size_t i = 0; i < 4; i++) {
		sprout_record r = make_record(a, lines[i], "openai");
		r.file = "chat.jsonl";
		r.line = i + 1;
		CHECK_INT(sprout_pipeline_push(p, &r, &err), SPROUT_OK);
	}
	CHECK_INT(sprout_pipeline_close(p, &err), SPROUT_OK);
	CHECK_INT(g.nkept, 1);
	CHECK_STR(g.kept[0], "out|hi");
	CHECK_INT(g.saw_meta, 0);
	CHECK_INT(g.nside, 1);
	CHECK(!strncmp(g.side[0], "{\"_sprout\":{", 12));
	CHECK(strstr(g.side[0], "\"method\":\"seed\"") != NULL);
	CHECK_INT(g.nrejects, 3);
	CHECK_STR(g.rejects[0], "convert/convert:2"); /* two exchanges in alpaca */
	CHECK_STR(g.rejects[1], "convert/record:3");  /* not the pipeline's "read" */
	CHECK_STR(g.rejects[2], "export/convert:4");  /* no answer */
	sprout_pipeline_free(p);
	sprout_arena_free(a);
}

SUITE(stages_tests) = {
    T(split_stage_sides), T(split_stage_leaks),	   T(split_after_mix), T(convert_stage),
    T(export_stage),	  T(export_after_convert), {NULL, NULL},
};
