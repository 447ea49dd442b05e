/* The convert stage: records rewritten in another format, everything kept
 * (sprout_record_convert). It streams, and takes records as they were read
 * (SPROUT_STAGE_RAW): provenance is given first, so the id is that of the
 * record as read, unless the sink strips it. A record that cannot be given
 * provenance or written in the target format is rejected as bad input. */
#include "sprout/meta.h"
#include "stages/stage_internal.h"

enum { O_TO };

static const sprout_option_def options[] = {
    [O_TO] = {"to", 't', "FORMAT", SPROUT_OPT_TEXT, 0, NULL,
	      "target format: alpaca, sharegpt, openai, classification, self-instruct, or a "
	      "field map like prompt=question,response=answer (default: the input's format)"},
    {NULL, 0, NULL, 0, 0, NULL, NULL},
};

static const char *const outputs[] = {"out", NULL};

struct convert {
	sprout_stage base;
	sprout_format to;
	int have_to;
	sprout_arena *mem; /* the record being converted, reset for each */
};

static sprout_code set(sprout_stage *s, size_t i, const char *arg, sprout_error *err)
{
	struct convert *c = (struct convert *)s;
	(void)i; /* --to, the only option */
	sprout_error why = SPROUT_ERROR_INIT;
	if (sprout_format_parse(arg, &c->to, &why) || c->to.kind == SPROUT_FORMAT_AUTO)
		return sprout_error_set(err, SPROUT_ERR_USAGE, "--to: %s",
					c->to.kind == SPROUT_FORMAT_AUTO && !why.code
					    ? "'auto' is not a target format"
					    : why.msg);
	c->have_to = 1;
	return SPROUT_OK;
}

static sprout_code open_convert(sprout_stage *s, sprout_error *err)
{
	struct convert *c = (struct convert *)s;
	if (!(c->mem = sprout_arena_new(0)))
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	return SPROUT_OK;
}

static sprout_code push(sprout_stage *s, const sprout_record *r, sprout_error *err)
{
	struct convert *c = (struct convert *)s;
	sprout_record rec;
	sprout_arena_reset(c->mem);
	sprout_code rc = sprout_record_clone(r, c->mem, &rec, err);
	if (rc)
		return rc;
	sprout_error why = SPROUT_ERROR_INIT;
	if ((!s->sink.strips_meta && sprout_meta_ensure(&rec, &why)) ||
	    (c->have_to && sprout_record_convert(&rec, &c->to, &why)))
		return sprout_stage_drop_error(s, "convert", &rec, &why, err);
	return sprout_stage_emit(s, 0, &rec, NULL, 0, err);
}

static void free_convert(sprout_stage *s)
{
	sprout_arena_free(((struct convert *)s)->mem);
}

const sprout_stage_def sprout_stage_convert = {
    .name = "convert",
    .usage = "convert [options] [FILE...]",
    .about = "Read records (JSONL or JSON arrays, .gz too) from the FILEs or stdin and\n"
	     "write them in another format. Unknown fields are kept as they are; every\n"
	     "record gets its _sprout provenance (see docs/provenance.md).",
    .options = options,
    .flags = SPROUT_STAGE_RAW | SPROUT_STAGE_RECORDS_OUT | SPROUT_STAGE_ERRORS_ONLY,
    .outputs = outputs,
    .size = sizeof(struct convert),
    .set = set,
    .open = open_convert,
    .push = push,
    .free = free_convert,
};
