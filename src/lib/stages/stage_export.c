/* The export stage: records shaped for a trainer (OpenAI chat, ShareGPT,
 * Alpaca, TRL messages), only the trainer's fields kept. It streams and
 * takes records as they were read (SPROUT_STAGE_RAW): a record needs no
 * provenance to be exported. With --meta, the provenance that shaping
 * leaves out comes out on the side output "meta", one record per exported
 * one ({"_sprout": ...}, {} for a record without it); the program writing
 * the files adds where the exported record went. */
#include <string.h>

#include "sprout/meta.h"
#include "stages/stage_internal.h"

enum { O_TO, O_OUT_DIR, O_META };

static const sprout_option_def options[] = {
    [O_TO] = {"to", 't', "TARGET", SPROUT_OPT_TEXT, 0, "openai",
	      "openai (chat JSONL: messages), sharegpt (JSONL: conversations), alpaca (one JSON "
	      "array of instruction/input/output) or trl (messages JSONL, split files named "
	      "train, validation, test)"},
    [O_OUT_DIR] = {"out-dir", 'd', "DIR", SPROUT_OPT_OUTPATH, SPROUT_OPT_PLACE, NULL,
		   "write one file per input into DIR, named after it (train.jsonl -> "
		   "DIR/train.jsonl)"},
    [O_META] = {"meta", 0, "FILE", SPROUT_OPT_OUTPATH, SPROUT_OPT_PLACE, NULL,
		"keep the provenance in a side file: one line per exported record, "
		"{\"file\",\"line\",\"_sprout\"}"},
    {NULL, 0, NULL, 0, 0, NULL, NULL},
};

static const char *const outputs[] = {"out", "meta", NULL};

enum target { T_OPENAI, T_SHAREGPT, T_ALPACA, T_TRL };

struct export
{
	sprout_stage base;
	int target;
	int meta;	   /* --meta given: the side output is wanted */
	sprout_arena *mem; /* the record being shaped, reset for each */
};

static sprout_code set(sprout_stage *s, size_t i, const char *arg, sprout_error *err)
{
	struct export *e = (struct export *)s;
	if (i == O_META)
		e->meta = 1;
	if (i != O_TO)
		return SPROUT_OK; /* where the outputs go: the writer's */
	static const char *const names[] = {"openai", "sharegpt", "alpaca", "trl"};
	for (int k = 0; k < 4; k++)
		if (strcmp(arg, names[k]) == 0) {
			e->target = k;
			return SPROUT_OK;
		}
	return sprout_error_set(
	    err, SPROUT_ERR_USAGE,
	    "--to: unknown target '%s' (expected openai, sharegpt, alpaca or trl)", arg);
}

static sprout_code open_export(sprout_stage *s, sprout_error *err)
{
	struct export *e = (struct export *)s;
	if (e->target == T_ALPACA)
		s->container = SPROUT_CONTAINER_ARRAY;
	if (!(e->mem = sprout_arena_new(0)))
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	return SPROUT_OK;
}

/* The record as its trainer wants it: only the trainer's fields. A label
 * with no response becomes the answer (a classifier trained by chat). */
static sprout_code shape(sprout_record *r, int target, sprout_json **out, sprout_error *err)
{
	sprout_text t;
	if (!sprout_record_get(r, SPROUT_SLOT_RESPONSE, &t) || !t.len) {
		sprout_text label;
		if (!sprout_record_get(r, SPROUT_SLOT_LABEL, &label))
			return sprout_error_set(err, SPROUT_ERR_CONVERT,
						"no response and no label: nothing to train on");
		if (r->fmt->kind == SPROUT_FORMAT_CLASSIFICATION) {
			/* classification holds no response: go through alpaca */
			static const sprout_format alpaca = {SPROUT_FORMAT_ALPACA, {{0}}};
			sprout_code rc = sprout_record_convert(r, &alpaca, err);
			if (rc)
				return rc;
		}
		if (sprout_record_set(r, SPROUT_SLOT_RESPONSE, label.s, label.len, err))
			return err->code;
	}
	static const sprout_format chat = {SPROUT_FORMAT_OPENAI, {{0}}};
	static const sprout_format share = {SPROUT_FORMAT_SHAREGPT, {{0}}};
	static const sprout_format alpaca = {SPROUT_FORMAT_ALPACA, {{0}}};
	const sprout_format *f = target == T_SHAREGPT ? &share
				 : target == T_ALPACA ? &alpaca
						      : &chat;
	sprout_code rc = sprout_record_convert(r, f, err);
	if (rc)
		return rc;
	sprout_json *o = sprout_json_new(r->arena, SPROUT_JSON_OBJECT);
	if (!o)
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	static const char *const keys[4][4] = {
	    {"messages", NULL},
	    {"conversations", NULL},
	    {"instruction", "input", "output", "system"},
	    {"messages", NULL},
	};
	for (int k = 0; k < 4 && keys[target][k]; k++) {
		sprout_json *v = sprout_json_get(r->obj, keys[target][k]);
		if (v && sprout_json_set(r->arena, o, keys[target][k], v))
			return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	}
	*out = o;
	return SPROUT_OK;
}

static sprout_code push(sprout_stage *s, const sprout_record *r, sprout_error *err)
{
	struct export *e = (struct export *)s;
	sprout_record rec;
	sprout_arena_reset(e->mem);
	sprout_code rc = sprout_record_clone(r, e->mem, &rec, err);
	if (rc)
		return rc;
	sprout_json *meta = sprout_json_get(r->obj, SPROUT_META_KEY), *shaped = NULL;
	sprout_error why = SPROUT_ERROR_INIT;
	if (shape(&rec, e->target, &shaped, &why))
		return sprout_stage_drop_error(s, "export", &rec, &why, err);
	rec.obj = shaped;
	if ((rc = sprout_stage_emit(s, 0, &rec, NULL, 0, err)) || !e->meta)
		return rc;
	/* the side record: not counted as kept (it is about the one above) */
	sprout_json *side = sprout_json_new(e->mem, SPROUT_JSON_OBJECT);
	if (!side || (meta && sprout_json_set(e->mem, side, SPROUT_META_KEY, meta)))
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	rec.obj = side;
	return s->sink.keep(s->sink.ctx, 1, &rec, NULL, 0, err);
}

/* TRL loads a split named validation: valid and dev files become it. */
static const char *output_name(const sprout_stage *s, const char *base)
{
	if (((const struct export *)s)->target == T_TRL &&
	    (strcmp(base, "valid") == 0 || strcmp(base, "dev") == 0))
		return "validation";
	return base;
}

static void free_export(sprout_stage *s)
{
	sprout_arena_free(((struct export *)s)->mem);
}

const sprout_stage_def sprout_stage_export = {
    .name = "export",
    .usage = "export --to TARGET [options] [FILE...]",
    .about = "Write the files trainers read directly, provenance left out: OpenAI chat\n"
	     "JSONL, ShareGPT JSONL, Alpaca JSON or TRL/Hugging Face messages JSONL.\n"
	     "Only the trainer's fields are written; a record with a label and no\n"
	     "response gets the label as its answer. With --out-dir each input (say\n"
	     "train.jsonl, valid.jsonl, test.jsonl from sprout split) becomes a file\n"
	     "of its own there.",
    .options = options,
    .flags = SPROUT_STAGE_RAW | SPROUT_STAGE_ERRORS_ONLY,
    .outputs = outputs,
    .size = sizeof(struct export),
    .set = set,
    .open = open_export,
    .push = push,
    .free = free_export,
    .output_name = output_name,
};
