/* The record loop with rejects (sprout/files.h): inputs read through a
 * source, bad records fatal or skipped into the rejects file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sprout/files.h"

struct sprout_intake {
	sprout_source *src;
	sprout_writer *rejects;
	const char *rejects_path;
	sprout_on_error on_error;
	sprout_hooks hooks;
	unsigned long good, bad;
	unsigned long bad_by_code[SPROUT_CODE__COUNT];
};

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcmp(s + n - k, suffix) == 0;
}

void sprout_rejects_name(const char *output, const char *name, char *buf, size_t n)
{
	if (!output || strcmp(output, "-") == 0) {
		snprintf(buf, n, "sprout.%s.rejects.jsonl", name && name[0] ? name : "out");
		return;
	}
	size_t len = strlen(output);
	static const char *const exts[] = {".jsonl", ".json", ".ndjson", ".txt"};
	for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
		if (ends_with(output, exts[i])) {
			len -= strlen(exts[i]);
			break;
		}
	}
	snprintf(buf, n, "%.*s.rejects.jsonl", (int)len, output);
}

sprout_container sprout_output_container(const char *output, int given, sprout_container def)
{
	if (given >= 0)
		return (sprout_container)given;
	return output && ends_with(output, ".json") ? SPROUT_CONTAINER_ARRAY : def;
}

/* err, given to the error hook: returns its code. */
static sprout_code fail(const sprout_hooks *h, sprout_error *err)
{
	if (h->error)
		h->error(h->ctx, err);
	return err->code;
}

/* Which input or rejects file is the output or an input. */
static sprout_code refuse_overwrites(const char *const *inputs, size_t n,
				     const sprout_intake_options *o, sprout_error *err)
{
	for (size_t i = 0; i < n; i++) {
		if (o->output && sprout_same_file(inputs[i], o->output))
			return sprout_error_set(err, SPROUT_ERR_USAGE,
						"refusing to write the output over the input '%s'",
						inputs[i]);
		if (o->rejects && sprout_same_file(inputs[i], o->rejects))
			return sprout_error_set(err, SPROUT_ERR_USAGE,
						"refusing to write rejects over the input '%s'",
						inputs[i]);
	}
	if (o->rejects && o->output && strcmp(o->rejects, o->output) == 0)
		return sprout_error_set(err, SPROUT_ERR_USAGE,
					"the rejects file and the output are both '%s'", o->output);
	return SPROUT_OK;
}

sprout_intake *sprout_intake_open(const char *const *inputs, size_t n,
				  const sprout_intake_options *o, sprout_error *err)
{
	if (refuse_overwrites(inputs, n, o, err)) {
		fail(&o->hooks, err);
		return NULL;
	}
	sprout_intake *in = calloc(1, sizeof *in);
	if (!in) {
		sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		fail(&o->hooks, err);
		return NULL;
	}
	in->hooks = o->hooks;
	in->on_error = o->on_error;
	in->rejects_path = o->rejects;
	if (!(in->src = sprout_source_open(inputs, n, &o->src, err)))
		goto failed;
	if (o->rejects && o->rejects_writer) {
		in->rejects = o->rejects_writer;
	} else if (o->rejects) {
		if (!(in->rejects = sprout_writer_open(o->rejects, SPROUT_CONTAINER_JSONL, err)))
			goto failed;
		if (in->hooks.temp)
			in->hooks.temp(in->hooks.ctx, sprout_writer_temp_path(in->rejects), 1);
	}
	return in;
failed:
	fail(&in->hooks, err);
	sprout_source_close(in->src);
	free(in);
	return NULL;
}

static sprout_code write_reject(sprout_intake *in, const sprout_error *why, const char *stage,
				const sprout_json *record, int with_raw, sprout_error *err)
{
	if (!in->rejects)
		return SPROUT_OK;
	const char *raw = NULL;
	size_t rawlen = 0;
	int truncated = 0;
	if (with_raw)
		sprout_source_raw(in->src, &raw, &rawlen, &truncated);
	if (sprout_reject_put(in->rejects, stage, why, raw, rawlen, truncated, record, err))
		return fail(&in->hooks, err);
	return SPROUT_OK;
}

/* A bad record: counted, written to the rejects file, fatal under FAIL. */
static sprout_code count_bad(sprout_intake *in, const sprout_error *why, const char *stage,
			     const sprout_json *record, int with_raw, sprout_error *err)
{
	in->bad++;
	if ((unsigned)why->code < SPROUT_CODE__COUNT)
		in->bad_by_code[why->code]++;
	if (in->hooks.bad)
		in->hooks.bad(in->hooks.ctx, why->code);
	sprout_code rc = write_reject(in, why, stage, record, with_raw, err);
	if (rc)
		return rc;
	if (in->on_error == SPROUT_ON_ERROR_FAIL) {
		if (err != why)
			*err = *why;
		return fail(&in->hooks, err);
	}
	return SPROUT_OK;
}

sprout_code sprout_intake_next(sprout_intake *in, sprout_record *rec, sprout_error *err)
{
	const sprout_hooks *h = &in->hooks;
	for (;;) {
		sprout_error_clear(err);
		sprout_code rc = sprout_source_next(in->src, rec, err);
		if (h->progress && rc != SPROUT_END)
			h->progress(h->ctx, in->src);
		sprout_error w = SPROUT_ERROR_INIT;
		if (sprout_source_warning(in->src, &w) && h->warn) {
			char line[SPROUT_ERROR_MSG_MAX + SPROUT_ERROR_FILE_MAX + 16];
			if (w.file[0])
				snprintf(line, sizeof line, "%s: warning: %s", w.file, w.msg);
			else
				snprintf(line, sizeof line, "warning: %s", w.msg);
			h->warn(h->ctx, line);
		}
		const char *file, *why;
		const sprout_format *fmt;
		while (sprout_source_detected(in->src, &file, &fmt, &why)) {
			if (strcmp(why, "given") != 0 && h->note) {
				char desc[SPROUT_MAP_KEY_MAX * SPROUT_SLOT__COUNT];
				char line[sizeof desc + 4096 + 64];
				sprout_format_describe(fmt, desc, sizeof desc);
				snprintf(line, sizeof line, "%s: format %s (detected from %s)",
					 file, desc, why);
				h->note(h->ctx, line);
			}
			if (h->input)
				h->input(h->ctx, file, fmt, why);
		}
		if (rc == SPROUT_OK) {
			in->good++;
			return SPROUT_OK;
		}
		if (rc == SPROUT_END)
			return SPROUT_END;
		if (sprout_source_failed(in->src))
			return fail(h, err);
		sprout_error bad = *err;
		if ((rc = count_bad(in, &bad, "read", NULL, 1, err)))
			return rc;
	}
}

sprout_code sprout_intake_reject(sprout_intake *in, const sprout_record *rec, sprout_error *why,
				 const char *stage, sprout_error *err)
{
	if (!why->file[0] && rec->file)
		sprout_error_locate(why, rec->file, rec->line, 0);
	in->good--;
	return count_bad(in, why, stage, rec->obj, 0, err);
}

sprout_code sprout_intake_dropped(sprout_intake *in, const sprout_reject *r, sprout_error *err)
{
	sprout_error why = SPROUT_ERROR_INIT;
	why.code = SPROUT_ERR_RECORD;
	for (int i = 0; i < SPROUT_CODE__COUNT; i++)
		if (r->error && !strcmp(sprout_code_name((sprout_code)i), r->error))
			why.code = (sprout_code)i;
	snprintf(why.msg, sizeof why.msg, "%s", r->reason ? r->reason : "");
	if (r->file)
		sprout_error_locate(&why, r->file, r->line, r->column);
	in->good--;
	return count_bad(in, &why, r->stage, r->record, 0, err);
}

sprout_writer *sprout_intake_rejects(const sprout_intake *in)
{
	return in->rejects;
}

const sprout_source *sprout_intake_source(const sprout_intake *in)
{
	return in->src;
}

void sprout_intake_counts(const sprout_intake *in, unsigned long *good, unsigned long *bad)
{
	if (good)
		*good = in->good;
	if (bad)
		*bad = in->bad;
}

/* "skipped 2 bad records (JSON 1, SLOT 1); see R" */
static void note_skipped(const sprout_intake *in)
{
	char detail[256], line[256 + 4096 + 64];
	size_t off = 0;
	detail[0] = '\0';
	for (int i = 0; i < SPROUT_CODE__COUNT && off < sizeof detail; i++)
		if (in->bad_by_code[i])
			off += (size_t)snprintf(detail + off, sizeof detail - off, "%s%s %lu",
						off ? ", " : "", sprout_code_name((sprout_code)i),
						in->bad_by_code[i]);
	snprintf(line, sizeof line, "skipped %lu bad record%s (%s); see %s", in->bad,
		 in->bad == 1 ? "" : "s", detail, in->rejects_path ? in->rejects_path : "(null)");
	in->hooks.note(in->hooks.ctx, line);
}

sprout_code sprout_intake_close(sprout_intake *in, int ok, sprout_writer **keep,
				sprout_written *written, sprout_error *err)
{
	if (keep)
		*keep = NULL;
	if (written)
		written->hash[0] = '\0';
	if (!in)
		return SPROUT_OK;
	sprout_code rc = SPROUT_OK;
	const sprout_hooks *h = &in->hooks;
	sprout_source_close(in->src);
	if (in->rejects && ok && keep) {
		*keep = in->rejects; /* the caller commits it */
	} else if (in->rejects) {
		const char *t = sprout_writer_temp_path(in->rejects);
		char *temp = t && h->temp ? strdup(t) : NULL;
		if (ok)
			rc = sprout_writer_commit_measured(in->rejects, written, err);
		else
			sprout_writer_abort(in->rejects);
		if (temp)
			h->temp(h->ctx, temp, 0);
		free(temp);
		if (rc)
			fail(h, err);
	}
	if (ok && in->bad && h->note)
		note_skipped(in);
	free(in);
	return rc;
}
