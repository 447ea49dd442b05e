/* A stage run over files (sprout/files.h): its inputs read through an
 * intake, every record pushed into the stage, what it keeps written where
 * the settings say, atomically and measured while written. */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sprout/files.h"
#include "sprout/meta.h"
#include "stages/stage_internal.h"

#define MAX_OUTPUTS SPROUT_FILES_MAX_OUTPUTS

struct run {
	const sprout_stage_files *f;
	const sprout_hooks *h;
	sprout_stage *s;
	const sprout_stage_def *def;
	sprout_intake *in;
	const char *const *inputs; /* the inputs of this run of the stage */
	size_t ninputs;
	const char *output;	  /* the main output being written, NULL: stdout */
	const char *rejects_path; /* the rejects file, NULL: none */
	char rejects_default[4096];
	size_t nout, nmain;  /* the stage's outputs; those that are not side outputs */
	const char *dir;     /* the outputs' folder, or NULL */
	const char *dir_opt; /* the option naming the outputs' folder */
	int is_side[MAX_OUTPUTS];
	sprout_writer *out[MAX_OUTPUTS];
	char path[MAX_OUTPUTS][4096];
	sprout_arena *mem; /* a side record */
	int dry;	   /* a dry run (sprout_stage_dry_run): no output, no rejects */
	sprout_files_result *res;
	sprout_error first; /* the first error */
	sprout_error stop;  /* the error a sink call stopped with, already told */
	int stopped;
};

/* err, the run's first error unless one came before, given to the error
 * hook: returns its code. */
static sprout_code fail(struct run *r, const sprout_error *err)
{
	if (!r->first.code)
		r->first = *err;
	if (r->h->error)
		r->h->error(r->h->ctx, err);
	return err->code;
}

/* An error the intake already told: kept as the first if it is. */
static sprout_code told(struct run *r, const sprout_error *err)
{
	if (!r->first.code)
		r->first = *err;
	return err->code;
}

static sprout_code failf(struct run *r, sprout_code code, const char *fmt, const char *arg)
{
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_error_set(&err, code, fmt, arg);
	return fail(r, &err);
}

static long output_index(const struct run *r, const char *name)
{
	const char *const *o = sprout_stage_outputs(r->def);
	for (size_t k = 0; k < r->nout; k++)
		if (!strcmp(o[k], name))
			return (long)k;
	return -1;
}

/* The outputs, which are side outputs, and the default folder. */
static void learn_outputs(struct run *r)
{
	while (sprout_stage_outputs(r->def)[r->nout] && r->nout < MAX_OUTPUTS)
		r->nout++;
	for (const sprout_option_def *o = sprout_stage_options(r->def); o->name; o++) {
		if (!(o->flags & SPROUT_OPT_PLACE))
			continue;
		long k = output_index(r, o->name);
		if (k >= 0) {
			r->is_side[k] = 1;
		} else {
			r->dir_opt = o->name;
			if (!r->f->dir)
				r->dir = o->def;
		}
	}
	for (size_t k = 0; k < r->nout; k++)
		r->nmain += !r->is_side[k];
}

/* Note what w wrote (committed just now) in the result. */
static void add_written(struct run *r, const char *path, const sprout_written *w)
{
	sprout_files_result *res = r->res;
	if (!path || !w->hash[0])
		return;
	sprout_file_written *v = realloc(res->files, (res->nfiles + 1) * sizeof *v);
	if (!v)
		return; /* unnoted: whoever needs it reads the file */
	res->files = v;
	if ((v[res->nfiles].path = strdup(path))) {
		v[res->nfiles].w = *w;
		res->nfiles++;
	}
}

static void temp(struct run *r, const sprout_writer *w, int live)
{
	const char *t = w ? sprout_writer_temp_path(w) : NULL;
	if (t && r->h->temp)
		r->h->temp(r->h->ctx, t, live);
}

/* Open path as an output of the run, its temporary file told. */
static sprout_writer *open_file(struct run *r, const char *path, sprout_container c)
{
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_writer *w = sprout_writer_open(path, c, &err);
	if (!w)
		fail(r, &err);
	temp(r, w, 1);
	return w;
}

/* Commit w, noted in the result: SPROUT_OK or the error (told). */
static sprout_code commit_file(struct run *r, sprout_writer *w)
{
	sprout_error err = SPROUT_ERROR_INIT;
	const char *t = sprout_writer_temp_path(w), *p = sprout_writer_path(w);
	char *tcopy = t ? strdup(t) : NULL, *path = p ? strdup(p) : NULL;
	sprout_written m;
	sprout_code rc = sprout_writer_commit_measured(w, &m, &err);
	if (tcopy && r->h->temp)
		r->h->temp(r->h->ctx, tcopy, 0);
	free(tcopy);
	if (rc)
		fail(r, &err);
	else
		add_written(r, path, &m);
	free(path);
	return rc;
}

static void abort_file(struct run *r, sprout_writer *w)
{
	temp(r, w, 0);
	sprout_writer_abort(w);
}

/* ---- the sink ------------------------------------------------------------ */

/* The stop error of a sink call: told now, returned to the stage. */
static sprout_code stop(struct run *r, const sprout_error *e, sprout_error *err)
{
	if (!r->stopped) {
		r->stop = *e;
		r->stopped = 1;
	}
	if (err != e)
		*err = *e;
	return e->code;
}

/* A side record: where the record it is about went, then its members. */
static sprout_code put_side(struct run *r, size_t k, const sprout_record *rec, sprout_error *err)
{
	sprout_arena *a = r->mem;
	sprout_arena_reset(a);
	sprout_json *m = sprout_json_new(a, SPROUT_JSON_OBJECT);
	const char *file = r->output ? r->output : "-";
	int bad =
	    !m || sprout_json_set(a, m, "file", sprout_json_string(a, file, strlen(file))) ||
	    sprout_json_set(a, m, "line",
			    sprout_json_integer(a, (long long)sprout_writer_count(r->out[0])));
	for (size_t i = 0; !bad && rec && i < rec->obj->len; i++) {
		const sprout_json_member *x = &rec->obj->u.members[i];
		bad = sprout_json_insert(a, m, m->len, x->key, x->klen, x->value) != 0;
	}
	if (bad || sprout_writer_put(r->out[k], m, err)) {
		sprout_error e = SPROUT_ERROR_INIT;
		sprout_error_set(&e, SPROUT_ERR_NOMEM, "out of memory or cannot write the %s file",
				 sprout_stage_outputs(r->def)[k]);
		fail(r, &e);
		return stop(r, &e, err);
	}
	return SPROUT_OK;
}

static sprout_code keep(void *ctx, size_t output, sprout_record *rec, const char *json, size_t len,
			sprout_error *err)
{
	struct run *r = ctx;
	sprout_writer *w = output < r->nout ? r->out[output] : NULL;
	if (!w)
		return sprout_error_set(err, SPROUT_ERR_USAGE,
					"stage %s: nowhere to write its output %zu",
					sprout_stage_name(r->def), output);
	if (r->is_side[output])
		return put_side(r, output, rec, err);
	if (!rec)
		return sprout_writer_put_json(w, json, len, err);
	if (r->f->strip_meta)
		sprout_meta_strip(rec);
	return sprout_writer_put(w, rec->obj, err);
}

static sprout_code reject(void *ctx, const sprout_reject *j, sprout_error *err)
{
	struct run *r = ctx;
	if (j->error) { /* a record the stage could not handle: on_error says */
		sprout_error e = SPROUT_ERROR_INIT;
		if (!sprout_intake_dropped(r->in, j, &e))
			return SPROUT_OK;
		return stop(r, &e, err);
	}
	sprout_writer *w = sprout_intake_rejects(r->in);
	return w ? sprout_reject_write(w, j, err) : SPROUT_OK;
}

static void note(void *ctx, const char *line)
{
	struct run *r = ctx;
	if (r->h->note)
		r->h->note(r->h->ctx, line);
}

static void warn(void *ctx, const char *msg)
{
	struct run *r = ctx;
	if (r->h->warn)
		r->h->warn(r->h->ctx, msg);
}

/* ---- running ------------------------------------------------------------- */

/* A failed call into the stage: the sink's stop error (told), or err. */
static sprout_code failed(struct run *r, const sprout_error *err)
{
	if (r->stopped)
		return told(r, &r->stop);
	return fail(r, err);
}

static const char *extension(sprout_container c)
{
	return c == SPROUT_CONTAINER_ARRAY ? ".json" : ".jsonl";
}

/* Open the intake over this run's inputs, with the rejects file named
 * rejects (NULL: none) or the shared writer *shared. */
static sprout_code open_intake(struct run *r, const char *rejects, sprout_writer *shared)
{
	const sprout_stage_files *f = r->f;
	sprout_intake_options o = {.src = f->src,
				   .on_error = f->on_error,
				   .rejects = rejects,
				   .rejects_writer = shared,
				   .output = r->output,
				   .hooks = *r->h};
	r->rejects_path = rejects;
	r->s->rejects_path = rejects; /* for the stage's own messages */
	sprout_error err = SPROUT_ERROR_INIT;
	if (!(r->in = sprout_intake_open(r->inputs, r->ninputs, &o, &err)))
		return told(r, &err);
	return SPROUT_OK;
}

/* Whether a rejects file is made, and its name (default: def). */
static const char *rejects_for(struct run *r, const char *def)
{
	const sprout_stage_files *f = r->f;
	int want = (f->flags & SPROUT_FILES_REJECTS_ALWAYS) && !r->dry;
	if (!(f->on_error == SPROUT_ON_ERROR_SKIP || def || want))
		return NULL;
	if (def)
		return def;
	sprout_rejects_name(r->output, f->name ? f->name : sprout_stage_name(r->def),
			    r->rejects_default, sizeof r->rejects_default);
	return r->rejects_default;
}

static sprout_code close_intake(struct run *r, int ok, sprout_writer **keep)
{
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_written w;
	unsigned long bad = 0;
	if (r->in)
		sprout_intake_counts(r->in, NULL, &bad);
	r->res->bad += bad;
	sprout_code rc = sprout_intake_close(r->in, ok, keep, &w, &err);
	r->in = NULL;
	if (rc)
		return told(r, &err);
	add_written(r, r->rejects_path, &w);
	if (ok && r->rejects_path)
		snprintf(r->res->rejects, sizeof r->res->rejects, "%s", r->rejects_path);
	return SPROUT_OK;
}

/* Every record of the intake into the stage. */
static sprout_code feed(struct run *r)
{
	int raw = (sprout_stage_flags(r->def) & SPROUT_STAGE_RAW) != 0;
	const char *read = r->f->read_stage ? r->f->read_stage : "read";
	sprout_record rec;
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_code got;
	while ((got = sprout_intake_next(r->in, &rec, &err)) == SPROUT_OK) {
		if (!raw && sprout_meta_ensure(&rec, &err)) {
			sprout_error e = SPROUT_ERROR_INIT;
			if (sprout_intake_reject(r->in, &rec, &err, read, &e))
				return told(r, &e);
			continue;
		}
		if (sprout_stage_push(r->s, &rec, &err))
			return failed(r, &err);
	}
	return got == SPROUT_END ? SPROUT_OK : told(r, &err);
}

/* The main outputs: DIR/NAME for each in a folder, else the output. */
static sprout_code open_outputs(struct run *r)
{
	sprout_container cont = sprout_stage_container(r->s);
	if (r->dry) /* a dry run writes nothing */
		return SPROUT_OK;
	for (size_t k = 0; k < r->nout; k++) {
		if (r->is_side[k])
			continue;
		if (r->dir && r->nmain > 1) {
			snprintf(r->path[k], sizeof r->path[k], "%s/%s%s", r->dir,
				 sprout_stage_outputs(r->def)[k], extension(cont));
			r->output = r->path[k];
		}
		sprout_container c = sprout_output_container(r->output, r->f->container, cont);
		if (!(r->out[k] = open_file(r, r->output, c)))
			return r->first.code;
		if (r->nmain == 1)
			break;
	}
	return SPROUT_OK;
}

/* Commit every main output: SPROUT_OK or the first failure. */
static sprout_code commit_outputs(struct run *r)
{
	sprout_code rc = SPROUT_OK;
	for (size_t k = 0; k < r->nout; k++) {
		if (r->is_side[k] || !r->out[k])
			continue;
		sprout_code x = commit_file(r, r->out[k]);
		r->out[k] = NULL;
		if (x && !rc)
			rc = x;
	}
	return rc;
}

static void abort_outputs(struct run *r)
{
	for (size_t k = 0; k < r->nout; k++)
		if (!r->is_side[k] && r->out[k]) {
			abort_file(r, r->out[k]);
			r->out[k] = NULL;
		}
}

static void step(struct run *r, unsigned long written, const char *input)
{
	sprout_files_step st = {r->output, written, r->rejects_path, input, r->dir};
	if (r->f->step)
		r->f->step(r->h->ctx, &st);
}

/* Every input into one run of the stage; its outputs to the output, or one
 * file per output in the folder. */
static sprout_code all_inputs(struct run *r)
{
	int whole = (sprout_stage_flags(r->def) & SPROUT_STAGE_WHOLE) != 0;
	const char *rejects = r->f->rejects;
	char in_dir[4096];
	sprout_code rc;
	if (r->dir && !rejects) {
		snprintf(in_dir, sizeof in_dir, "%s/%s.rejects.jsonl", r->dir,
			 sprout_stage_name(r->def));
		rejects = in_dir;
	}
	if ((rc = open_intake(r, rejects_for(r, rejects), NULL)) ||
	    (!whole && (rc = open_outputs(r))) || (rc = feed(r)) ||
	    (whole && (rc = open_outputs(r))))
		goto done;
	/* SPROUT_ERR_EMPTY: the output is whole, but the stage made nothing */
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_code closed = sprout_stage_close(r->s, &err);
	if (closed && closed != SPROUT_ERR_EMPTY) {
		rc = failed(r, &err);
		goto done;
	}
	unsigned long written = r->out[0] ? sprout_writer_count(r->out[0]) : 0;
	if (!(rc = commit_outputs(r)))
		step(r, written, NULL);
	if (!rc && closed)
		rc = failed(r, &err);
done:
	abort_outputs(r);
	/* the rejects of a stage that decided every record are kept, also when
	 * it failed about the result */
	int decided = rc == SPROUT_OK || sprout_stage_decided(r->s);
	sprout_code rc2 = r->in ? close_intake(r, decided && !r->dry, NULL) : SPROUT_OK;
	return rc ? rc : rc2;
}

/* An empty input (an empty split, say --test 0) becomes an empty output,
 * so that whoever reads the folder finds every file it was told about. */
static sprout_code empty_output(struct run *r)
{
	sprout_container c =
	    sprout_output_container(r->output, r->f->container, sprout_stage_container(r->s));
	sprout_writer *out = open_file(r, r->output, c);
	if (!out)
		return r->first.code;
	sprout_code rc = commit_file(r, out);
	if (rc)
		return rc;
	if (r->h->note) {
		char line[8192 + 64];
		snprintf(line, sizeof line, "%s is empty: wrote an empty %s", r->inputs[0],
			 r->output);
		r->h->note(r->h->ctx, line);
	}
	return SPROUT_OK;
}

/* One input (r->inputs[0]) to its output (r->output). rej (may be NULL):
 * the rejects writer the inputs share when the settings name one file, so
 * that each appends to it; NULL in *rej opens it, and it is left open there
 * for the caller to commit. */
static sprout_code one_input(struct run *r, sprout_writer **rej)
{
	struct stat st;
	if (stat(r->inputs[0], &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0)
		return empty_output(r);
	sprout_code rc = open_intake(r, rejects_for(r, r->f->rejects), rej ? *rej : NULL);
	if (rc)
		return rc;
	if (rej) /* from here on, a failure drops the shared writer with the intake */
		*rej = NULL;
	if (!(rc = open_outputs(r)))
		rc = feed(r);
	unsigned long written = r->out[0] ? sprout_writer_count(r->out[0]) : 0;
	if (rc) {
		abort_outputs(r);
		close_intake(r, 0, NULL);
		return rc;
	}
	if ((rc = commit_outputs(r))) {
		close_intake(r, 0, NULL);
		return rc;
	}
	step(r, written, r->inputs[0]);
	return close_intake(r, 1, rej);
}

/* Each input into its own file in the folder, named after it (export -d):
 * one run of a streaming stage, its output changed between inputs. */
static sprout_code each_input(struct run *r)
{
	const sprout_stage_files *f = r->f;
	if (sprout_stage_flags(r->def) & SPROUT_STAGE_WHOLE)
		return failf(
		    r, SPROUT_ERR_NOMEM,
		    "stage %s needs every record at once: it cannot write a file per input",
		    sprout_stage_name(r->def));
	if (!f->ninputs) {
		return failf(r, SPROUT_ERR_USAGE,
			     "--%s needs input files to name the outputs after", r->dir_opt);
	}
	sprout_writer *rej = NULL, **shared = f->rejects ? &rej : NULL;
	sprout_code rc = SPROUT_OK;
	for (size_t i = 0; i < f->ninputs && !rc; i++) {
		/* "valid.jsonl" -> "valid", then the stage's name for it */
		char base[4096];
		snprintf(base, sizeof base, "%s", f->inputs[i]);
		char *b = basename(base), *dot = strchr(b, '.');
		if (dot)
			*dot = '\0';
		snprintf(r->path[0], sizeof r->path[0], "%s/%s%s", r->dir,
			 sprout_stage_output_name(r->s, b),
			 extension(sprout_stage_container(r->s)));
		r->inputs = &f->inputs[i];
		r->ninputs = 1;
		r->output = r->path[0];
		rc = one_input(r, shared);
	}
	if (rej && rc) {
		abort_file(r, rej);
	} else if (rej) {
		const char *path = r->rejects_path;
		rc = commit_file(r, rej);
		if (!rc)
			snprintf(r->res->rejects, sizeof r->res->rejects, "%s", path);
	}
	sprout_error err = SPROUT_ERROR_INIT;
	if (!rc && sprout_stage_close(r->s, &err))
		rc = failed(r, &err);
	return rc;
}

/* The side outputs asked for, each to its own file. */
static sprout_code open_sides(struct run *r)
{
	for (size_t k = 0; k < r->nout; k++)
		if (r->is_side[k] && r->f->side[k] &&
		    !(r->out[k] = open_file(r, r->f->side[k], SPROUT_CONTAINER_JSONL)))
			return r->first.code;
	return SPROUT_OK;
}

/* Commit the side outputs (rc OK) or drop them: rc, or the first failure. */
static sprout_code close_sides(struct run *r, sprout_code rc)
{
	for (size_t k = 0; k < r->nout; k++) {
		if (!r->is_side[k] || !r->out[k])
			continue;
		if (rc)
			abort_file(r, r->out[k]);
		else
			rc = commit_file(r, r->out[k]);
		r->out[k] = NULL;
	}
	return rc;
}

sprout_code sprout_stage_run_files(sprout_stage *s, const sprout_stage_files *f,
				   sprout_files_result *res, sprout_error *err)
{
	sprout_files_result spare;
	struct run r;
	memset(&r, 0, sizeof r);
	if (!res)
		res = &spare;
	memset(res, 0, sizeof *res);
	r.res = res;
	r.f = f;
	r.h = &f->hooks;
	r.s = s;
	r.def = s ? s->def : NULL;
	r.inputs = f->inputs;
	r.ninputs = f->ninputs;
	r.output = f->output;
	r.dir = f->dir;
	if (!r.def) {
		failf(&r, SPROUT_ERR_USAGE, "%s", "no stage to run");
		goto done;
	}
	learn_outputs(&r);
	sprout_sink sink = {.keep = keep,
			    .reject = reject,
			    .ctx = &r,
			    .wants_records = f->strip_meta,
			    .note = note,
			    .warn = warn,
			    .strips_meta = f->strip_meta};
	sprout_stage_set_reading(s, &f->src.reader);
	sprout_error e = SPROUT_ERROR_INIT;
	if (sprout_stage_open(s, &sink, &e)) {
		fail(&r, &e);
		goto done;
	}
	r.dry = sprout_stage_dry_run(s);
	sprout_stage_files dry;
	if (r.dry && f->rejects) { /* a dry run makes no rejects file */
		dry = *f;
		dry.rejects = NULL;
		r.f = &dry;
	}
	sprout_code rc;
	if (!(r.mem = sprout_arena_new(0))) {
		failf(&r, SPROUT_ERR_NOMEM, "%s", "out of memory");
		goto done;
	}
	if ((rc = open_sides(&r)))
		goto sides;
	if (r.dir && mkdir(r.dir, 0777) != 0 && errno != EEXIST) {
		sprout_error m = SPROUT_ERROR_INIT;
		sprout_error_set(&m, SPROUT_ERR_IO, "cannot make the folder '%s': %s", r.dir,
				 strerror(errno));
		rc = fail(&r, &m);
		goto sides;
	}
	rc = r.dir && r.nmain == 1 ? each_input(&r) : all_inputs(&r);
sides:
	close_sides(&r, rc);
done:
	sprout_arena_free(r.mem);
	if (s)
		sprout_stage_counts(s, &res->in, &res->kept, &res->rejected);
	if (res == &spare)
		sprout_files_result_release(res);
	if (r.first.code && err)
		*err = r.first;
	return r.first.code;
}

void sprout_files_result_release(sprout_files_result *res)
{
	if (!res)
		return;
	for (size_t i = 0; i < res->nfiles; i++)
		free(res->files[i].path);
	free(res->files);
	res->files = NULL;
	res->nfiles = 0;
}

/* ---- the shared options --------------------------------------------------- */

static const sprout_option_def read_options[] = {
    {"format", 'f', "FORMAT", SPROUT_OPT_TEXT, 0, "auto",
     "input format: auto (default), alpaca, sharegpt, openai, classification, "
     "self-instruct, or a field map"},
    {"map", 0, "SLOT=KEY,...", SPROUT_OPT_TEXT, 0, NULL,
     "input field map, e.g. prompt=question,response=answer (slots: prompt, input, "
     "response, label, system)"},
    {"container", 0, "TYPE", SPROUT_OPT_TEXT, 0, "auto",
     "input container: auto (default: '[' first means a JSON array), jsonl or array"},
    {"on-error", 0, "MODE", SPROUT_OPT_TEXT, 0, "fail",
     "bad input records: fail (default) stops; skip writes them to the rejects file "
     "and goes on"},
    {"rejects", 0, "FILE", SPROUT_OPT_OUTPATH, 0, NULL,
     "rejects file (default: OUTPUT with .rejects.jsonl, or sprout.COMMAND.rejects.jsonl "
     "when writing to stdout)"},
    {"max-record", 0, "BYTES", SPROUT_OPT_TEXT, 0, "16M",
     "longest input line or record, with K, M or G suffix (default 16M)"},
    {"duplicate-keys", 0, "MODE", SPROUT_OPT_TEXT, 0, "error",
     "a record with a key twice in an object: error (default) makes it a bad record; "
     "last keeps the last value, as jq does"},
    {"records", 0, "FROM-TO", SPROUT_OPT_TEXT, 0, NULL,
     "read only the input records FROM to TO-1 (or FROM- to the end), counted from 0 over "
     "all inputs, bad ones too; records of one root next to each other stay together "
     "(a shard of sprout run --shard)"},
    {NULL, 0, NULL, 0, 0, NULL, NULL},
};

/* for stages whose output is records in sprout's shape */
static const sprout_option_def write_options[] = {
    {"array", 0, NULL, SPROUT_OPT_SWITCH, 0, NULL,
     "write one JSON array (default when OUTPUT ends in .json)"},
    {"jsonl", 0, NULL, SPROUT_OPT_SWITCH, 0, NULL,
     "write JSONL, one record a line (default otherwise)"},
    {"strip-meta", 0, NULL, SPROUT_OPT_SWITCH, 0, NULL, "leave out the _sprout provenance key"},
    {NULL, 0, NULL, 0, 0, NULL, NULL},
};

void sprout_files_place(sprout_stage_files *f, const sprout_stage_def *d,
			const sprout_option_def *o, const char *value)
{
	if (!(o->flags & SPROUT_OPT_PLACE))
		return;
	const char *const *outs = sprout_stage_outputs(d);
	size_t k = 0;
	while (outs[k] && strcmp(outs[k], o->name))
		k++;
	if (outs[k] && k < SPROUT_FILES_MAX_OUTPUTS)
		f->side[k] = value;
	else
		f->dir = value;
}

sprout_code sprout_on_error_parse(const char *arg, sprout_on_error *out, sprout_error *err)
{
	if (strcmp(arg, "fail") && strcmp(arg, "skip"))
		return sprout_error_set(err, SPROUT_ERR_USAGE,
					"--on-error: unknown mode '%s' (expected fail or skip)",
					arg);
	*out = strcmp(arg, "fail") ? SPROUT_ON_ERROR_SKIP : SPROUT_ON_ERROR_FAIL;
	return SPROUT_OK;
}

const sprout_option_def *sprout_reading_options(void)
{
	return read_options;
}

const sprout_option_def *sprout_writing_options(void)
{
	return write_options;
}

/* The shared option of that name that stage d takes, or NULL. */
static const sprout_option_def *shared_option(const sprout_stage_def *d, const char *name)
{
	unsigned flags = sprout_stage_flags(d);
	if (flags & SPROUT_STAGE_WRITES)
		return NULL;
	for (const sprout_option_def *o = read_options; o->name; o++)
		if (!strcmp(o->name, name))
			return o;
	for (const sprout_option_def *o = write_options; o->name; o++)
		if ((flags & SPROUT_STAGE_RECORDS_OUT) && !strcmp(o->name, name))
			return o;
	return NULL;
}

sprout_code sprout_files_set(sprout_stage_files *f, const sprout_stage_def *d, const char *name,
			     const char *value, sprout_error *err)
{
	const sprout_option_def *o = shared_option(d, name);
	if (!o)
		return sprout_error_set(err, SPROUT_ERR_USAGE, "--%s: unknown option", name);
	if (!o->arg != !value)
		return sprout_error_set(err, SPROUT_ERR_USAGE, "--%s: %s", name,
					value ? "takes no value" : "needs a value");
	if (!strcmp(name, "on-error")) {
		return sprout_on_error_parse(value, &f->on_error, err);
	} else if (!strcmp(name, "rejects")) {
		f->rejects = value;
	} else if (!strcmp(name, "array") || !strcmp(name, "jsonl")) {
		f->container = name[0] == 'a' ? SPROUT_CONTAINER_ARRAY : SPROUT_CONTAINER_JSONL;
	} else if (!strcmp(name, "strip-meta")) {
		f->strip_meta = 1;
	} else {
		return sprout_option_reading(name, value, &f->src, err);
	}
	return SPROUT_OK;
}
