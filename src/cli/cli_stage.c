/* A command that is one of the library's stages (sprout/stage.h): its
 * options come from the stage's table, its records are read, pushed into
 * the stage and written where the sink says. */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "sprout/meta.h"
#include "sprout/stage.h"

#define OPT_STAGE_BASE 2000 /* option i of a stage has id OPT_STAGE_BASE + i */
#define MAX_STAGES     16

static unsigned kind_of(const sprout_option_def *o)
{
	unsigned k = (o->flags & SPROUT_OPT_REPEAT) ? CLI_OPT_REPEAT : 0;
	if (o->type == SPROUT_OPT_INFILE)
		k |= CLI_OPT_INFILE;
	else if (o->type == SPROUT_OPT_INDIR)
		k |= CLI_OPT_INDIR;
	else if (o->type == SPROUT_OPT_OUTPATH)
		k |= CLI_OPT_OUTPATH;
	return k;
}

const struct cli_option *cli_stage_options(const sprout_stage_def *d)
{
	/* made once per stage and kept for the process: sprout run holds on
	 * to them as a probe's option groups */
	static struct cli_option *tables[MAX_STAGES];
	static const sprout_stage_def *made[MAX_STAGES];
	size_t t = 0;
	while (t < MAX_STAGES && made[t] && made[t] != d)
		t++;
	if (t == MAX_STAGES)
		return NULL;
	if (!made[t]) {
		const sprout_option_def *o = sprout_stage_options(d);
		size_t n = 0;
		while (o[n].name)
			n++;
		struct cli_option *tab = calloc(n + 1, sizeof *tab); /* ends with a NULL name */
		if (!tab)
			return NULL;
		for (size_t i = 0; i < n; i++)
			tab[i] = (struct cli_option){o[i].name, o[i].shortopt,
						     o[i].arg,	OPT_STAGE_BASE + (int)i,
						     o[i].help, (int)kind_of(&o[i])};
		tables[t] = tab;
		made[t] = d;
	}
	return tables[t];
}

/* commands[].stage: the stage rejects only the records it cannot handle,
 * so there is a rejects file only when --on-error skip or --rejects asks */
#define CLI_STAGE_ERRORS_ONLY 1u
/* commands[].stage: no record kept of some read is exit 1 (EXIT_DATA); the
 * rejects are written, so nothing is lost, but nothing came out */
#define CLI_STAGE_NONE_KEPT_FAILS 2u
/* commands[].stage: the closing note says where the output went
 * ("SUMMARY written to PATH"), not where the rejects are */
#define CLI_STAGE_NOTE_OUTPUT 4u

/* The shared options each stage's command takes (CLI_READS, CLI_WRITES),
 * CLI_STAGE_* bits, and the stage named in the reject of a record that
 * cannot have provenance (NULL: "read"). */
static const struct {
	const char *name;
	int flags;
	unsigned stage;
	const char *read;
} commands[] = {
    {"mix", CLI_READS | CLI_WRITES},
    {"filter", CLI_READS | CLI_WRITES, CLI_STAGE_NONE_KEPT_FAILS},
    {"split", CLI_READS},
    {"convert", CLI_READS | CLI_WRITES, CLI_STAGE_ERRORS_ONLY},
    {"export", CLI_READS, CLI_STAGE_ERRORS_ONLY},
    {"augment", CLI_READS | CLI_WRITES, CLI_STAGE_ERRORS_ONLY | CLI_STAGE_NOTE_OUTPUT, "augment"},
};

static long command_index(const char *name)
{
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(commands[i].name, name))
			return (long)i;
	return -1;
}

int cli_stage_probe(const char *name, struct cli_probe *p)
{
	const sprout_stage_def *def = sprout_stage_find(name);
	long k = command_index(name);
	if (!def || k < 0)
		return -1;
	cli_probe_fill(p, cli_stage_options(def), commands[k].flags, sprout_stage_usage(def));
	return 0;
}

#define MAX_OUTPUTS 8

struct drive {
	struct cli_common c;
	struct cli_reader rd;
	const sprout_stage_def *def;
	sprout_stage *s;
	unsigned cmd;	     /* CLI_STAGE_* */
	const char *read;    /* the stage named in provenance rejects */
	size_t nout, nmain;  /* the stage's outputs; those that are not side outputs */
	const char *dir_opt; /* the option naming the outputs' folder, or NULL */
	const char *dir;     /* the outputs' folder, or NULL: -o */
	int is_side[MAX_OUTPUTS];
	const char *side[MAX_OUTPUTS]; /* the file of side output k, NULL: not asked */
	sprout_writer *out[MAX_OUTPUTS];
	char path[MAX_OUTPUTS][4096];
	char rejects[4096];
	sprout_arena *mem; /* a side record */
	int stop;	   /* the exit code a sink call stopped with, its message printed */
	int dry;	   /* a dry run (sprout_stage_dry_run): no output, no rejects */
};

static long output_index(const struct drive *d, const char *name)
{
	const char *const *o = sprout_stage_outputs(d->def);
	for (size_t k = 0; k < d->nout; k++)
		if (!strcmp(o[k], name))
			return (long)k;
	return -1;
}

/* The outputs, and the options that say where they go. */
static void learn_outputs(struct drive *d)
{
	while (sprout_stage_outputs(d->def)[d->nout] && d->nout < MAX_OUTPUTS)
		d->nout++;
	for (const sprout_option_def *o = sprout_stage_options(d->def); o->name; o++) {
		if (!(o->flags & SPROUT_OPT_PLACE))
			continue;
		long k = output_index(d, o->name);
		if (k >= 0) {
			d->is_side[k] = 1;
		} else {
			d->dir_opt = o->name;
			d->dir = o->def;
		}
	}
	for (size_t k = 0; k < d->nout; k++)
		d->nmain += !d->is_side[k];
}

static int on_option(int id, const char *arg, void *ctx)
{
	struct drive *d = ctx;
	sprout_error err = SPROUT_ERROR_INIT;
	if (id < OPT_STAGE_BASE)
		return -1;
	size_t i = (size_t)(id - OPT_STAGE_BASE);
	const sprout_option_def *o = &sprout_stage_options(d->def)[i];
	if (o->flags & SPROUT_OPT_PLACE) {
		long k = output_index(d, o->name);
		if (k >= 0)
			d->side[k] = arg;
		else
			d->dir = arg;
	}
	if (sprout_stage_set_at(d->s, i, arg, &err)) {
		cli_error("%s", err.msg);
		return EXIT_USAGE;
	}
	return -1;
}

/* A side record: where the record it is about went, then its members. */
static sprout_code put_side(struct drive *d, size_t k, const sprout_record *rec, sprout_error *err)
{
	sprout_arena *a = d->mem;
	sprout_arena_reset(a);
	sprout_json *m = sprout_json_new(a, SPROUT_JSON_OBJECT);
	const char *file = d->c.output ? d->c.output : "-";
	int bad =
	    !m || sprout_json_set(a, m, "file", sprout_json_string(a, file, strlen(file))) ||
	    sprout_json_set(a, m, "line",
			    sprout_json_integer(a, (long long)sprout_writer_count(d->out[0])));
	for (size_t i = 0; !bad && rec && i < rec->obj->len; i++) {
		const sprout_json_member *x = &rec->obj->u.members[i];
		bad = sprout_json_insert(a, m, m->len, x->key, x->klen, x->value) != 0;
	}
	if (bad || sprout_writer_put(d->out[k], m, err)) {
		cli_error("out of memory or cannot write the %s file",
			  sprout_stage_outputs(d->def)[k]);
		d->stop = EXIT_INTERNAL;
		return sprout_error_set(err, SPROUT_ERR_IO, "cannot write the side file");
	}
	return SPROUT_OK;
}

static sprout_code keep(void *ctx, size_t output, sprout_record *rec, const char *json, size_t len,
			sprout_error *err)
{
	struct drive *d = ctx;
	sprout_writer *w = output < d->nout ? d->out[output] : NULL;
	if (!w)
		return sprout_error_set(err, SPROUT_ERR_USAGE,
					"stage %s: nowhere to write its output %zu",
					sprout_stage_name(d->def), output);
	if (d->is_side[output])
		return put_side(d, output, rec, err);
	if (!rec)
		return sprout_writer_put_json(w, json, len, err);
	if (d->c.strip_meta)
		sprout_meta_strip(rec);
	return sprout_writer_put(w, rec->obj, err);
}

static sprout_code reject(void *ctx, const sprout_reject *r, sprout_error *err)
{
	struct drive *d = ctx;
	if (r->error) { /* a record the stage could not handle: --on-error says */
		int x = cli_reader_dropped(&d->rd, r);
		if (!x)
			return SPROUT_OK;
		d->stop = x;
		return sprout_error_set(err, SPROUT_ERR_RECORD, "%s", r->reason);
	}
	return d->rd.rejects ? sprout_reject_write(d->rd.rejects, r, err) : SPROUT_OK;
}

static void warn(void *ctx, const char *msg)
{
	(void)ctx;
	cli_error("%s", msg);
}

static void note(void *ctx, const char *line)
{
	struct drive *d = ctx;
	cli_note(&d->c, "%s", line);
}

/* Whether the reader makes a rejects file in every mode. */
static int wants_rejects(const struct drive *d)
{
	return !(d->cmd & CLI_STAGE_ERRORS_ONLY) && !d->dry;
}

/* The exit code for a failed call into the stage, its message printed. */
static int failed(struct drive *d, const sprout_error *err)
{
	if (d->stop)
		return d->stop;
	cli_error_at(err);
	return cli_exit_for(err->code);
}

static const char *extension(sprout_container c)
{
	return c == SPROUT_CONTAINER_ARRAY ? ".json" : ".jsonl";
}

/* Every record of d->rd into the stage: -1 when done, or an exit code. */
static int feed(struct drive *d)
{
	int raw = (sprout_stage_flags(d->def) & SPROUT_STAGE_RAW) != 0;
	sprout_record rec;
	int got = 0, rc = -1;
	while (rc < 0 && (got = cli_reader_next(&d->rd, &rec)) > 0) {
		sprout_error err = SPROUT_ERROR_INIT;
		if (!raw && sprout_meta_ensure(&rec, &err)) {
			int x = cli_reader_reject(&d->rd, &rec, &err, d->read);
			if (x)
				rc = x;
			continue;
		}
		if (sprout_stage_push(d->s, &rec, &err))
			rc = failed(d, &err);
	}
	if (rc < 0 && got < 0)
		rc = -got;
	return rc;
}

/* The main outputs: DIR/NAME for each in a folder, else -o (or stdout).
 * -1, or an exit code. */
static int open_outputs(struct drive *d)
{
	sprout_container cont = sprout_stage_container(d->s);
	int rc = -1;
	if (d->dry) /* a dry run writes nothing */
		return -1;
	for (size_t k = 0; k < d->nout; k++) {
		if (d->is_side[k])
			continue;
		if (d->dir && d->nmain > 1) {
			snprintf(d->path[k], sizeof d->path[k], "%s/%s%s", d->dir,
				 sprout_stage_outputs(d->def)[k], extension(cont));
			d->c.output = d->path[k];
		}
		if (!(d->out[k] = cli_output_open(&d->c, cont, &rc)))
			return rc;
		if (d->nmain == 1)
			break;
	}
	return -1;
}

/* Commit every main output: EXIT_OK or the first failure. */
static int commit_outputs(struct drive *d)
{
	int rc = EXIT_OK;
	for (size_t k = 0; k < d->nout; k++) {
		if (d->is_side[k] || !d->out[k])
			continue;
		int x = cli_output_commit(d->out[k]);
		d->out[k] = NULL;
		if (x && !rc)
			rc = x;
	}
	return rc;
}

static void abort_outputs(struct drive *d)
{
	for (size_t k = 0; k < d->nout; k++)
		if (!d->is_side[k] && d->out[k]) {
			cli_output_abort(d->out[k]);
			d->out[k] = NULL;
		}
}

/* After the outputs were committed: what the stage did and where it went,
 * the summary's first line as the closing note, each further line a note
 * of its own; a dry run's summary, what it would do, on stdout. */
static void closing_note(struct drive *d, unsigned long written)
{
	const char *s = sprout_stage_summary(d->s);
	if (d->dry) {
		printf("%s\n", s);
		return;
	}
	size_t n = strcspn(s, "\n");
	if (!s[0])
		cli_note(&d->c, "wrote %lu record%s to %s", written, written == 1 ? "" : "s",
			 d->c.output ? d->c.output : "stdout");
	else if (d->dir)
		cli_note(&d->c, "%.*s; files in %s", (int)n, s, d->dir);
	else if (d->cmd & CLI_STAGE_NOTE_OUTPUT)
		cli_note(&d->c, "%.*s written to %s", (int)n, s,
			 d->c.output ? d->c.output : "stdout");
	else
		cli_note(&d->c, "%.*s; rejects in %s", (int)n, s, d->rd.rejects_path);
	while (s[n]) {
		s += n + 1;
		n = strcspn(s, "\n");
		cli_note(&d->c, "%.*s", (int)n, s);
	}
}

/* Every input into one run of the stage; its outputs to -o, or one file
 * per output in the folder. */
static int all_inputs(struct drive *d)
{
	int whole = (sprout_stage_flags(d->def) & SPROUT_STAGE_WHOLE) != 0, rc;
	if (d->dir && !d->c.rejects) {
		snprintf(d->rejects, sizeof d->rejects, "%s/%s.rejects.jsonl", d->dir,
			 sprout_stage_name(d->def));
		d->c.rejects = d->rejects;
	}
	d->rd.want_rejects = wants_rejects(d);
	if ((rc = cli_reader_open(&d->rd, &d->c)) >= 0 || (!whole && (rc = open_outputs(d)) >= 0) ||
	    (rc = feed(d)) >= 0 || (whole && (rc = open_outputs(d)) >= 0))
		goto done;
	/* SPROUT_ERR_EMPTY: the output is whole, but the stage made nothing */
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_code closed = sprout_stage_close(d->s, &err);
	if (closed && closed != SPROUT_ERR_EMPTY) {
		rc = failed(d, &err);
		goto done;
	}
	unsigned long written = d->out[0] ? sprout_writer_count(d->out[0]) : 0;
	if (!(rc = commit_outputs(d)))
		closing_note(d, written);
	if (!rc && closed)
		rc = failed(d, &err);
done:
	if (rc < 0)
		rc = EXIT_OK;
	abort_outputs(d);
	/* the rejects of a stage that decided every record are kept, also when
	 * it failed about the result */
	int decided = rc == EXIT_OK || sprout_stage_decided(d->s);
	int rc2 = d->rd.c ? cli_reader_close(&d->rd, decided && !d->dry) : EXIT_OK;
	d->rd.c = NULL;
	unsigned long long in = 0, kept = 0;
	sprout_stage_counts(d->s, &in, &kept, NULL);
	if (!rc && !rc2 && !d->dry && (d->cmd & CLI_STAGE_NONE_KEPT_FAILS) && in && !kept) {
		cli_error("no record was kept: all %llu are in %s with the check each failed", in,
			  d->rd.rejects_path);
		return EXIT_DATA;
	}
	return rc ? rc : rc2;
}

/* An empty input (an empty split, say --test 0) becomes an empty output,
 * so that whoever reads the folder finds every file it was told about. */
static int empty_output(struct drive *d)
{
	int rc;
	sprout_writer *out = cli_output_open(&d->c, sprout_stage_container(d->s), &rc);
	if (!out)
		return rc;
	if ((rc = cli_output_commit(out)))
		return rc;
	cli_note(&d->c, "%s is empty: wrote an empty %s", d->c.inputs[0], d->c.output);
	return EXIT_OK;
}

/* One input (d->c.inputs[0]) to its output (d->c.output). rej (may be
 * NULL): the rejects writer the inputs share when --rejects names one
 * file, so that each appends to it; NULL in *rej opens it, and it is left
 * open there for the caller to commit. */
static int one_input(struct drive *d, sprout_writer **rej)
{
	struct stat st;
	if (stat(d->c.inputs[0], &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0)
		return empty_output(d);
	memset(&d->rd, 0, sizeof d->rd);
	d->rd.want_rejects = wants_rejects(d);
	d->rd.keep_rejects = rej != NULL;
	d->rd.shared_rejects = rej ? *rej : NULL;
	int rc = cli_reader_open(&d->rd, &d->c);
	if (rc >= 0) {
		d->rd.c = NULL;
		return rc;
	}
	if (rej) /* from here on, a failure drops the shared writer with the reader */
		*rej = NULL;
	if ((rc = open_outputs(d)) < 0)
		rc = feed(d);
	unsigned long written = d->out[0] ? sprout_writer_count(d->out[0]) : 0;
	if (rc >= 0) {
		abort_outputs(d);
		cli_reader_close(&d->rd, 0);
		d->rd.c = NULL;
		return rc;
	}
	if ((rc = commit_outputs(d))) {
		cli_reader_close(&d->rd, 0);
		d->rd.c = NULL;
		return rc;
	}
	closing_note(d, written);
	rc = cli_reader_close(&d->rd, 1);
	d->rd.c = NULL;
	if (rej)
		*rej = d->rd.rejects;
	return rc;
}

/* Each input into its own file in the folder, named after it (export -d):
 * one run of a streaming stage, its output changed between inputs. */
static int each_input(struct drive *d)
{
	if (sprout_stage_flags(d->def) & SPROUT_STAGE_WHOLE) {
		cli_error("stage %s needs every record at once: it cannot write a file per input",
			  sprout_stage_name(d->def));
		return EXIT_INTERNAL;
	}
	if (!d->c.ninputs) {
		cli_error("--%s needs input files to name the outputs after", d->dir_opt);
		return EXIT_USAGE;
	}
	const char **inputs = d->c.inputs;
	size_t n = d->c.ninputs;
	sprout_writer *rej = NULL, **shared = d->c.rejects ? &rej : NULL;
	int rc = EXIT_OK;
	for (size_t i = 0; i < n && !rc; i++) {
		/* "valid.jsonl" -> "valid", then the stage's name for it */
		char base[4096];
		snprintf(base, sizeof base, "%s", inputs[i]);
		char *b = basename(base), *dot = strchr(b, '.');
		if (dot)
			*dot = '\0';
		snprintf(d->path[0], sizeof d->path[0], "%s/%s%s", d->dir,
			 sprout_stage_output_name(d->s, b),
			 extension(sprout_stage_container(d->s)));
		d->c.inputs = &inputs[i];
		d->c.ninputs = 1;
		d->c.output = d->path[0];
		rc = one_input(d, shared);
	}
	if (rej && rc)
		cli_output_abort(rej);
	else if (rej)
		rc = cli_output_commit(rej);
	sprout_error err = SPROUT_ERROR_INIT;
	if (!rc && sprout_stage_close(d->s, &err))
		rc = failed(d, &err);
	return rc;
}

/* The side outputs asked for, each to its own file: -1, or an exit code. */
static int open_sides(struct drive *d)
{
	for (size_t k = 0; k < d->nout; k++) {
		sprout_error err = SPROUT_ERROR_INIT;
		if (d->side[k] &&
		    !(d->out[k] = sprout_writer_open(d->side[k], SPROUT_CONTAINER_JSONL, &err))) {
			cli_error_at(&err);
			return cli_exit_for(err.code);
		}
	}
	return -1;
}

/* Commit the side outputs (ok) or drop them: rc, or the first failure. */
static int close_sides(struct drive *d, int rc)
{
	for (size_t k = 0; k < d->nout; k++) {
		if (!d->is_side[k] || !d->out[k])
			continue;
		sprout_error err = SPROUT_ERROR_INIT;
		if (rc)
			sprout_writer_abort(d->out[k]);
		else if (sprout_writer_commit(d->out[k], &err)) {
			cli_error_at(&err);
			rc = cli_exit_for(err.code);
		}
		d->out[k] = NULL;
	}
	return rc;
}

int cli_stage_main(const char *name, int argc, char **argv)
{
	sprout_error err = SPROUT_ERROR_INIT;
	struct drive d;
	memset(&d, 0, sizeof d);
	d.def = sprout_stage_find(name);
	long k = command_index(name);
	if (!(d.s = sprout_stage_new(d.def, &err)) || k < 0) {
		int made = d.s != NULL;
		cli_error("%s", made ? "no such command" : err.msg);
		sprout_stage_free(d.s);
		return made ? EXIT_INTERNAL : cli_exit_for(err.code);
	}
	d.cmd = commands[k].stage;
	d.read = commands[k].read ? commands[k].read : "read";
	learn_outputs(&d);
	int rc = cli_parse(argc, argv, sprout_stage_usage(d.def), sprout_stage_about(d.def),
			   cli_stage_options(d.def), commands[k].flags, &d.c, on_option, &d);
	if (rc >= 0)
		goto done;
	sprout_sink sink = {.keep = keep,
			    .reject = reject,
			    .ctx = &d,
			    .wants_records = d.c.strip_meta,
			    .note = note,
			    .warn = warn,
			    .strips_meta = d.c.strip_meta};
	sprout_stage_set_reading(d.s, &d.c.src.reader);
	if (sprout_stage_open(d.s, &sink, &err)) {
		cli_error_at(&err);
		rc = cli_exit_for(err.code);
		goto done;
	}
	if ((d.dry = sprout_stage_dry_run(d.s)))
		d.c.rejects = NULL;
	if (!(d.mem = sprout_arena_new(0))) {
		cli_error("out of memory");
		rc = EXIT_INTERNAL;
		goto done;
	}
	if ((rc = open_sides(&d)) >= 0)
		goto done;
	if (d.dir && mkdir(d.dir, 0777) != 0 && errno != EEXIST) {
		cli_error("cannot make the folder '%s': %s", d.dir, strerror(errno));
		rc = EXIT_IO;
		goto done;
	}
	rc = d.dir && d.nmain == 1 ? each_input(&d) : all_inputs(&d);
done:
	if (rc < 0)
		rc = EXIT_OK;
	rc = close_sides(&d, rc);
	sprout_arena_free(d.mem);
	sprout_stage_free(d.s);
	return rc;
}
