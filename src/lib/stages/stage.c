/* Stages declared as data, run through one interface, and chained in this
 * process (sprout/stage.h). The stage kinds live in stage_*.c. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sprout/meta.h"
#include "stages/stage_internal.h"

/* a stage added goes on a line of its own, so that merges stay easy */
/* clang-format off */
static const sprout_stage_def *const all[] = {
    &sprout_stage_mix,	   &sprout_stage_filter, &sprout_stage_split,
    &sprout_stage_convert, &sprout_stage_export, &sprout_stage_augment,
    &sprout_stage_report,  &sprout_stage_generate,
};
/* clang-format on */
#define NSTAGES (sizeof all / sizeof all[0])

const char *sprout_opt_type_name(sprout_opt_type t)
{
	static const char *const names[] = {"switch", "text",  "whole",	 "number",
					    "infile", "indir", "outpath"};
	return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "?";
}

static int parse_whole(const char *arg, unsigned long long lo, unsigned long long hi,
		       unsigned long long *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(arg, &end, 10);
	if (errno || end == arg || *end || *arg == '-' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

sprout_code sprout_option_whole(const char *opt, const char *arg, unsigned long long max,
				unsigned long long *out, sprout_error *err)
{
	if (parse_whole(arg, 0, max, out))
		return sprout_error_set(err, SPROUT_ERR_USAGE, "%s: '%s' is not a whole number",
					opt, arg);
	return SPROUT_OK;
}

sprout_code sprout_option_whole_in(const char *opt, const char *arg, unsigned long long lo,
				   unsigned long long hi, unsigned long long *out,
				   sprout_error *err)
{
	if (parse_whole(arg, lo, hi, out))
		return sprout_error_set(err, SPROUT_ERR_USAGE,
					"%s: '%s' is not a whole number from %llu to %llu", opt,
					arg, lo, hi);
	return SPROUT_OK;
}

int sprout_option_number(const char *arg, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(arg, &end);
	if (errno || end == arg || *end)
		return -1;
	*out = v;
	return 0;
}

/* A size: a positive number with an optional K, M or G suffix, at most
 * 1 TiB. 0, or -1 when arg is not one. */
static int parse_size(const char *s, size_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-')
		return -1;
	unsigned long long mult = 1;
	if (*end == 'K' || *end == 'k')
		mult = 1ull << 10;
	else if (*end == 'M' || *end == 'm')
		mult = 1ull << 20;
	else if (*end == 'G' || *end == 'g')
		mult = 1ull << 30;
	else if (*end)
		return -1;
	if (mult > 1 && end[1])
		return -1;
	if (v == 0 || v > (1ull << 40) / mult)
		return -1;
	*out = (size_t)(v * mult);
	return 0;
}

sprout_code sprout_option_reading(const char *name, const char *arg, sprout_source_options *o,
				  sprout_error *err)
{
	sprout_error why = SPROUT_ERROR_INIT;
	int map = !strcmp(name, "map");
	if (map && !strchr(arg, '='))
		return sprout_error_set(err, SPROUT_ERR_USAGE,
					"--map '%s': expected SLOT=KEY pairs, like prompt=question,"
					"response=answer",
					arg);
	if (map || !strcmp(name, "format")) {
		if (sprout_format_parse(arg, &o->format, &why))
			return sprout_error_set(err, SPROUT_ERR_USAGE, "--%s: %s", name, why.msg);
	} else if (!strcmp(name, "container")) {
		if (sprout_container_parse(arg, &o->reader.container, &why))
			return sprout_error_set(err, SPROUT_ERR_USAGE, "--container: %s", why.msg);
	} else if (!strcmp(name, "max-record")) {
		if (parse_size(arg, &o->reader.max_record))
			return sprout_error_set(err, SPROUT_ERR_USAGE,
						"--max-record: '%s' is not a size (a positive "
						"number with an optional K, M or G suffix)",
						arg);
	} else if (!strcmp(name, "records")) {
		return sprout_option_range(arg, o, err);
	} else if (!strcmp(name, "duplicate-keys")) {
		if (sprout_json_dups_parse(arg, &o->reader.duplicate_keys, &why))
			return sprout_error_set(err, SPROUT_ERR_USAGE, "--duplicate-keys: %s",
						why.msg);
	} else {
		return sprout_error_set(err, SPROUT_ERR_USAGE, "--%s is not a reading option",
					name);
	}
	return SPROUT_OK;
}

sprout_code sprout_option_reals(const char *opt, const char *arg, double lo, double hi, double *v,
				size_t max, size_t *n, sprout_error *err)
{
	char copy[1024], *save = NULL;
	snprintf(copy, sizeof copy, "%s", arg);
	*n = 0;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		double x;
		if (sprout_option_number(t, &x) || !(x >= lo && x <= hi) || *n == max)
			return sprout_error_set(err, SPROUT_ERR_USAGE,
						"%s: '%s' is not a list of numbers from %g to %g",
						opt, arg, lo, hi);
		v[(*n)++] = x;
	}
	if (!*n)
		return sprout_error_set(err, SPROUT_ERR_USAGE, "%s: no value given", opt);
	return SPROUT_OK;
}

const sprout_stage_def *sprout_stage_find(const char *name)
{
	for (size_t i = 0; name && i < NSTAGES; i++)
		if (!strcmp(all[i]->name, name))
			return all[i];
	return NULL;
}

const sprout_stage_def *sprout_stage_def_at(size_t i)
{
	return i < NSTAGES ? all[i] : NULL;
}

const char *sprout_stage_name(const sprout_stage_def *d)
{
	return d->name;
}

const char *sprout_stage_usage(const sprout_stage_def *d)
{
	return d->usage;
}

const char *sprout_stage_about(const sprout_stage_def *d)
{
	return d->about;
}

const sprout_option_def *sprout_stage_options(const sprout_stage_def *d)
{
	return d->options;
}

static long option_index(const sprout_stage_def *d, const char *name)
{
	for (long i = 0; d->options[i].name; i++)
		if (!strcmp(d->options[i].name, name))
			return i;
	return -1;
}

const sprout_option_def *sprout_stage_option(const sprout_stage_def *d, const char *name)
{
	long i = option_index(d, name);
	return i < 0 ? NULL : &d->options[i];
}

unsigned sprout_stage_flags(const sprout_stage_def *d)
{
	return d->flags;
}

const char *sprout_stage_read_name(const sprout_stage_def *d)
{
	return d->read_name ? d->read_name : "read";
}

const char *const *sprout_stage_outputs(const sprout_stage_def *d)
{
	return d->outputs;
}

/* ---- a stage at work ------------------------------------------------------ */

sprout_stage *sprout_stage_new(const sprout_stage_def *d, sprout_error *err)
{
	if (!d) {
		sprout_error_set(err, SPROUT_ERR_USAGE, "no such stage");
		return NULL;
	}
	sprout_stage *s = calloc(1, d->size);
	if (!s) {
		sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		return NULL;
	}
	s->def = d;
	s->reading = (sprout_reader_options)SPROUT_READER_OPTIONS_INIT;
	s->container = SPROUT_CONTAINER_JSONL;
	if (d->init)
		d->init(s);
	return s;
}

sprout_code sprout_stage_set_at(sprout_stage *s, size_t i, const char *value, sprout_error *err)
{
	const sprout_option_def *o = &s->def->options[i];
	if (s->opened)
		return sprout_error_set(err, SPROUT_ERR_USAGE, "--%s: the stage is open already",
					o->name);
	if (o->type == SPROUT_OPT_SWITCH && value)
		return sprout_error_set(err, SPROUT_ERR_USAGE,
					"--%s is a switch: it takes no value", o->name);
	if (o->type != SPROUT_OPT_SWITCH && !value)
		return sprout_error_set(err, SPROUT_ERR_USAGE, "--%s needs a value (%s)", o->name,
					o->arg);
	return s->def->set(s, i, value, err);
}

sprout_code sprout_stage_set(sprout_stage *s, const char *name, const char *value,
			     sprout_error *err)
{
	long i = option_index(s->def, name);
	if (i < 0)
		return sprout_error_set(err, SPROUT_ERR_USAGE, "unknown option '%s' for stage %s",
					name, s->def->name);
	return sprout_stage_set_at(s, (size_t)i, value, err);
}

sprout_code sprout_stage_open(sprout_stage *s, const sprout_sink *sink, sprout_error *err)
{
	if (s->opened)
		return sprout_error_set(err, SPROUT_ERR_USAGE, "stage %s is open already",
					s->def->name);
	if (!sink || !sink->keep)
		return sprout_error_set(err, SPROUT_ERR_USAGE, "stage %s: no sink for its records",
					s->def->name);
	s->sink = *sink;
	sprout_code rc = s->def->open ? s->def->open(s, err) : SPROUT_OK;
	if (!rc)
		s->opened = 1;
	return rc;
}

sprout_code sprout_stage_push(sprout_stage *s, const sprout_record *r, sprout_error *err)
{
	if (!s->opened || s->closed)
		return sprout_error_set(err, SPROUT_ERR_USAGE, "stage %s is not open",
					s->def->name);
	s->in++;
	return s->def->push(s, r, err);
}

sprout_code sprout_stage_close(sprout_stage *s, sprout_error *err)
{
	if (!s->opened || s->closed)
		return sprout_error_set(err, SPROUT_ERR_USAGE, "stage %s is not open",
					s->def->name);
	s->closed = 1;
	sprout_code rc = s->def->close ? s->def->close(s, err) : SPROUT_OK;
	if (!rc)
		s->decided = 1;
	return rc;
}

void sprout_stage_set_reading(sprout_stage *s, const sprout_reader_options *o)
{
	s->reading = *o;
}

int sprout_stage_dry_run(const sprout_stage *s)
{
	return s->dry_run;
}

int sprout_stage_decided(const sprout_stage *s)
{
	return s->decided;
}

/* One line for a person through the sink's fn (note or warn), when set. */
static void tell(void (*fn)(void *, const char *), void *ctx, const char *fmt, va_list ap)
{
	if (!fn)
		return;
	char line[1024];
	vsnprintf(line, sizeof line, fmt, ap);
	fn(ctx, line);
}

void sprout_stage_note(sprout_stage *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	tell(s->sink.note, s->sink.ctx, fmt, ap);
	va_end(ap);
}

void sprout_stage_warn(sprout_stage *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	tell(s->sink.warn, s->sink.ctx, fmt, ap);
	va_end(ap);
}

const char *sprout_stage_summary(const sprout_stage *s)
{
	return s->summary;
}

sprout_container sprout_stage_container(const sprout_stage *s)
{
	return s->container;
}

const char *sprout_stage_output_name(const sprout_stage *s, const char *base)
{
	return s->def->output_name ? s->def->output_name(s, base) : base;
}

void sprout_stage_counts(const sprout_stage *s, unsigned long long *in, unsigned long long *kept,
			 unsigned long long *rejected)
{
	if (in)
		*in = s->in;
	if (kept)
		*kept = s->kept;
	if (rejected)
		*rejected = s->rejected;
}

void sprout_stage_free(sprout_stage *s)
{
	if (!s)
		return;
	if (s->def->free)
		s->def->free(s);
	free(s);
}

sprout_code sprout_stage_emit(sprout_stage *s, size_t output, sprout_record *rec, const char *json,
			      size_t len, sprout_error *err)
{
	s->kept++;
	return s->sink.keep(s->sink.ctx, output, rec, json, len, err);
}

sprout_code sprout_stage_drop(sprout_stage *s, const sprout_reject *r, sprout_error *err)
{
	s->rejected++;
	return s->sink.reject ? s->sink.reject(s->sink.ctx, r, err) : SPROUT_OK;
}

sprout_code sprout_stage_drop_error(sprout_stage *s, const char *stage, const sprout_record *r,
				    sprout_error *why, sprout_error *err)
{
	if (!why->file[0] && r->file)
		sprout_error_locate(why, r->file, r->line, 0);
	sprout_reject j;
	sprout_reject_error(&j, stage, why, r->obj);
	return sprout_stage_drop(s, &j, err);
}

/* ---- stages chained in this process --------------------------------------- */

struct link {
	sprout_pipeline *p;
	size_t next; /* the stage that gets what this one keeps */
};

struct sprout_pipeline {
	sprout_stage **stages;
	struct link *links;
	size_t n, cap;
	sprout_sink out;
	int opened;
};

sprout_pipeline *sprout_pipeline_new(void)
{
	return calloc(1, sizeof(sprout_pipeline));
}

sprout_code sprout_pipeline_add(sprout_pipeline *p, sprout_stage *s, sprout_error *err)
{
	if (p->opened) {
		sprout_stage_free(s);
		return sprout_error_set(err, SPROUT_ERR_USAGE, "the pipeline is open already");
	}
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 4;
		sprout_stage **v = realloc(p->stages, cap * sizeof *v);
		if (!v) {
			sprout_stage_free(s);
			return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		}
		p->stages = v;
		p->cap = cap;
	}
	p->stages[p->n++] = s;
	return SPROUT_OK;
}

static sprout_code pass_on(void *ctx, size_t output, sprout_record *rec, const char *json,
			   size_t len, sprout_error *err)
{
	(void)output;
	(void)json;
	(void)len;
	struct link *l = ctx;
	return sprout_stage_push(l->p->stages[l->next], rec, err);
}

static sprout_code pass_reject(void *ctx, const sprout_reject *r, sprout_error *err)
{
	struct link *l = ctx;
	return l->p->out.reject ? l->p->out.reject(l->p->out.ctx, r, err) : SPROUT_OK;
}

static void pass_note(void *ctx, const char *line)
{
	struct link *l = ctx;
	l->p->out.note(l->p->out.ctx, line);
}

static void pass_warn(void *ctx, const char *msg)
{
	struct link *l = ctx;
	l->p->out.warn(l->p->out.ctx, msg);
}

sprout_code sprout_pipeline_open(sprout_pipeline *p, const sprout_sink *out, sprout_error *err)
{
	if (p->opened || !p->n)
		return sprout_error_set(err, SPROUT_ERR_USAGE,
					p->n ? "the pipeline is open already"
					     : "the pipeline has no stages");
	if (!out || !out->keep)
		return sprout_error_set(err, SPROUT_ERR_USAGE, "the pipeline has no sink");
	if (!(p->links = calloc(p->n, sizeof *p->links)))
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	p->out = *out;
	for (size_t i = 0; i < p->n; i++) {
		sprout_stage *s = p->stages[i];
		sprout_sink sink = *out;
		if (i + 1 < p->n) {
			if (s->def->outputs[0] && s->def->outputs[1])
				return sprout_error_set(err, SPROUT_ERR_USAGE,
							"stage %s has several outputs: it can only "
							"be the last of a pipeline",
							s->def->name);
			p->links[i].p = p;
			p->links[i].next = i + 1;
			sink.keep = pass_on;
			sink.reject = pass_reject;
			sink.ctx = &p->links[i];
			sink.wants_records = 1;
			sink.note = out->note ? pass_note : NULL;
			sink.warn = out->warn ? pass_warn : NULL;
			sink.strips_meta = 0;
		}
		sprout_code rc = sprout_stage_open(s, &sink, err);
		if (rc)
			return rc;
	}
	p->opened = 1;
	return SPROUT_OK;
}

sprout_code sprout_pipeline_push(sprout_pipeline *p, sprout_record *r, sprout_error *err)
{
	if (!p->opened)
		return sprout_error_set(err, SPROUT_ERR_USAGE, "the pipeline is not open");
	sprout_error why = SPROUT_ERROR_INIT;
	if (!(p->stages[0]->def->flags & SPROUT_STAGE_RAW) && sprout_meta_ensure(r, &why)) {
		if (!why.file[0] && r->file)
			sprout_error_locate(&why, r->file, r->line, 0);
		sprout_reject j;
		sprout_reject_error(&j, "read", &why, r->obj);
		return p->out.reject ? p->out.reject(p->out.ctx, &j, err) : SPROUT_OK;
	}
	return sprout_stage_push(p->stages[0], r, err);
}

sprout_code sprout_pipeline_close(sprout_pipeline *p, sprout_error *err)
{
	if (!p->opened)
		return sprout_error_set(err, SPROUT_ERR_USAGE, "the pipeline is not open");
	sprout_error empty = SPROUT_ERROR_INIT; /* the first stage that made nothing */
	for (size_t i = 0; i < p->n; i++) {
		sprout_code rc = sprout_stage_close(p->stages[i], err);
		if (rc == SPROUT_ERR_EMPTY && !empty.code) {
			if (err)
				empty = *err;
			empty.code = rc;
		} else if (rc && rc != SPROUT_ERR_EMPTY) {
			return rc;
		}
	}
	p->opened = 0;
	if (empty.code && err)
		*err = empty;
	return empty.code;
}

size_t sprout_pipeline_count(const sprout_pipeline *p)
{
	return p->n;
}

const sprout_stage *sprout_pipeline_stage(const sprout_pipeline *p, size_t i)
{
	return i < p->n ? p->stages[i] : NULL;
}

void sprout_pipeline_free(sprout_pipeline *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		sprout_stage_free(p->stages[i]);
	free(p->stages);
	free(p->links);
	free(p);
}
