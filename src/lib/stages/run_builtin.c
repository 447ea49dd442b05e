/* The library's own commands for the stages it has (sprout/run.h): the
 * command line sprout run makes for a stage ("filter --min-words=3 -q
 * --rejects=R -o OUT -- IN"), read with the stage's options and the shared
 * ones of sprout/files.h, and run over the files (sprout_stage_run_files;
 * report: sprout_report_run). Only that form is read: --name=value,
 * --name for a switch, -q, -o FILE, a stage's own short letter with its
 * value, then -- and the inputs. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sprout/files.h"
#include "sprout/report.h"
#include "stages/run_internal.h"
#include "stages/stage_internal.h"

#define MAX_STAGES 16

/* What every command line takes besides: set by sprout run itself (a
 * recipe that names them is told so). */
static const sprout_option_def base[] = {
    {"output", 'o', "FILE", SPROUT_OPT_OUTPATH, 0, NULL, "where the records go (set by the run)"},
    {"quiet", 'q', NULL, SPROUT_OPT_SWITCH, 0, NULL, "no notes (set by the run)"},
    {"help", 'h', NULL, SPROUT_OPT_SWITCH, 0, NULL, "the options (not in a run)"},
    {NULL, 0, NULL, 0, 0, NULL, NULL},
};

/* Each stage's options then the shared ones it takes, made once. */
static sprout_option_def *tables[MAX_STAGES];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static size_t count(const sprout_option_def *o)
{
	size_t n = 0;
	while (o && o[n].name)
		n++;
	return n;
}

static void make_tables(void)
{
	for (size_t i = 0; i < MAX_STAGES; i++) {
		const sprout_stage_def *d = sprout_stage_def_at(i);
		if (!d)
			break;
		unsigned flags = sprout_stage_flags(d);
		const sprout_option_def *own = sprout_stage_options(d);
		const sprout_option_def *rd =
		    (flags & SPROUT_STAGE_WRITES) ? NULL : sprout_reading_options();
		const sprout_option_def *wr =
		    (flags & SPROUT_STAGE_RECORDS_OUT) ? sprout_writing_options() : NULL;
		size_t a = count(own), b = count(rd), c = count(wr), e = count(base);
		sprout_option_def *t = calloc(a + b + c + e + 1, sizeof *t); /* a NULL name last */
		if (!t)
			continue; /* that stage has no command: refused by the run */
		memcpy(t, own, a * sizeof *t);
		if (b)
			memcpy(t + a, rd, b * sizeof *t);
		if (c)
			memcpy(t + a + b, wr, c * sizeof *t);
		memcpy(t + a + b + c, base, e * sizeof *t);
		tables[i] = t;
	}
}

const sprout_option_def *run_builtin_options(const sprout_stage_def *d)
{
	pthread_once(&tables_once, make_tables);
	for (size_t i = 0; i < MAX_STAGES && sprout_stage_def_at(i); i++)
		if (sprout_stage_def_at(i) == d)
			return tables[i];
	return NULL;
}

/* A command line read: the stage with its options set, and its files. */
struct line {
	sprout_stage *s;
	sprout_stage_files f;
};

static const sprout_option_def *by_short(const sprout_option_def *o, int c)
{
	for (; o && o->name; o++)
		if (o->shortopt == c)
			return o;
	return NULL;
}

/* One option of the stage's own, into the stage; one that says where
 * outputs go also into the files. */
static sprout_code set_own(struct line *l, const sprout_option_def *o, const char *value,
			   sprout_error *err)
{
	sprout_files_place(&l->f, l->s->def, o, value);
	return sprout_stage_set(l->s, o->name, value, err);
}

/* argv into l; its strings are argv's. */
static sprout_code read_line(const sprout_stage_def *d, int argc, char **argv, struct line *l,
			     sprout_error *err)
{
	memset(l, 0, sizeof *l);
	l->f.container = -1;
	if (!(l->s = sprout_stage_new(d, err)))
		return err->code;
	const sprout_option_def *own = sprout_stage_options(d);
	int i = 1;
	for (; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (a[0] == '-' && a[1] && a[1] != '-' && !a[2]) { /* -q, -o FILE, -d DIR */
			if (a[1] == 'q')
				continue;
			const char *value = i + 1 < argc ? argv[i + 1] : NULL;
			const sprout_option_def *o = by_short(own, a[1]);
			if (!value || (a[1] != 'o' && !o))
				return sprout_error_set(err, SPROUT_ERR_USAGE,
							"%s: unknown option or no value", a);
			i++;
			if (a[1] == 'o')
				l->f.output = value;
			else if (set_own(l, o, value, err))
				return err->code;
			continue;
		}
		if (strncmp(a, "--", 2))
			return sprout_error_set(err, SPROUT_ERR_USAGE, "'%s': inputs come after --",
						a);
		char name[128];
		const char *eq = strchr(a, '=');
		size_t n = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
		if (n >= sizeof name)
			return sprout_error_set(err, SPROUT_ERR_USAGE, "%.64s: unknown option", a);
		memcpy(name, a + 2, n);
		name[n] = '\0';
		const char *value = eq ? eq + 1 : NULL;
		const sprout_option_def *o = sprout_stage_option(d, name);
		sprout_code rc =
		    o ? set_own(l, o, value, err) : sprout_files_set(&l->f, d, name, value, err);
		if (rc)
			return rc;
	}
	l->f.inputs = (const char *const *)argv + i; /* the rest are the inputs */
	l->f.ninputs = (size_t)(argc - i);
	l->f.read_stage = sprout_stage_read_name(d);
	if (!(sprout_stage_flags(d) & SPROUT_STAGE_ERRORS_ONLY))
		l->f.flags |= SPROUT_FILES_REJECTS_ALWAYS;
	return SPROUT_OK;
}

/* A value a command line cannot have is a usage error: exit status 2. */
int run_builtin_check(const sprout_stage_def *d, int argc, char **argv, sprout_error *err)
{
	struct line l;
	sprout_code rc = read_line(d, argc, argv, &l, err);
	sprout_stage_free(l.s);
	return rc ? run_status_for(rc) : 0;
}

static void warn(void *ctx, const char *line)
{
	run_tell(ctx, line);
}

/* An error, told when it happens (before what follows it), as the sprout
 * program tells its own. */
static void error(void *ctx, const sprout_error *err)
{
	char text[SPROUT_ERROR_MSG_MAX + SPROUT_ERROR_FILE_MAX + 64];
	run_tell(ctx, sprout_error_format(err, text, sizeof text));
}

static void progress(void *ctx, const sprout_source *src)
{
	const sprout_run_options *o = run_options(ctx);
	o->progress(o->ctx, src);
}

static void report_progress(void *ctx, sprout_source *src)
{
	progress(ctx, src);
}

static void temp(void *ctx, const char *path, int live)
{
	const sprout_run_options *o = run_options(ctx);
	o->temp(o->ctx, path, live);
}

/* The run's callbacks for a stage's files. */
static sprout_hooks hooks_of(sprout_run *r)
{
	const sprout_run_options *o = run_options(r);
	return (sprout_hooks){.ctx = r,
			      .warn = warn,
			      .error = error,
			      .progress = o->progress ? progress : NULL,
			      .temp = o->temp ? temp : NULL};
}

/* The stage's files run, its outputs noted by the run: the stage's code. */
static sprout_code run_files(sprout_run *r, struct line *l, sprout_files_result *res,
			     sprout_error *err)
{
	l->f.hooks = hooks_of(r);
	sprout_code rc = sprout_stage_run_files(l->s, &l->f, res, err);
	for (size_t i = 0; i < res->nfiles; i++)
		run_written(r, res->files[i].path, &res->files[i].w);
	return rc;
}

int run_builtin_run(sprout_run *r, const sprout_stage_def *d, int argc, char **argv,
		    sprout_error *err)
{
	struct line l;
	sprout_code rc = read_line(d, argc, argv, &l, err);
	if (rc) {
		sprout_stage_free(l.s);
		return run_status_for(rc);
	}
	int status = 0;
	if (sprout_stage_flags(d) & SPROUT_STAGE_WRITES) {
		const sprout_run_options *o = run_options(r);
		sprout_report_tell tell = {.ctx = r,
					   .warn = warn,
					   .progress = o->progress ? report_progress : NULL,
					   .temp = o->temp ? temp : NULL};
		sprout_report_result res;
		rc = sprout_report_run(l.s, l.f.inputs, l.f.ninputs, l.f.output, &tell, &res, err);
		if (rc)
			error(r, err); /* told, as the stages over files tell theirs */
		for (size_t i = 0; !rc && i < res.nfiles; i++)
			run_written(r, res.files[i].path, &res.files[i].w);
		if (!rc && res.drift_fails)
			status = 1; /* the alarm was told through warn */
		sprout_report_result_release(&res);
	} else {
		sprout_files_result res;
		rc = run_files(r, &l, &res, err); /* its errors told through the hooks */
		if (!rc && !sprout_stage_dry_run(l.s) &&
		    (sprout_stage_flags(d) & SPROUT_STAGE_NONE_KEPT_FAILS) && res.in && !res.kept) {
			char line[4096 + 128];
			snprintf(
			    line, sizeof line,
			    "no record was kept: all %llu are in %s with the check each failed",
			    res.in, res.rejects);
			run_tell(r, line);
			status = 1;
		}
		sprout_files_result_release(&res);
	}
	sprout_stage_free(l.s);
	sprout_error_clear(err); /* told already: the run says which stage failed */
	return rc ? run_status_for(rc) : status;
}

int run_builtin_plan(sprout_run *r, const sprout_stage_def *d, int argc, char **argv,
		     sprout_buf *out)
{
	struct line l;
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_code rc = read_line(d, argc, argv, &l, &err);
	if (!rc)
		rc = sprout_stage_set(l.s, "dry-run", NULL, &err);
	if (!rc) {
		sprout_files_result res;
		rc = run_files(r, &l, &res, &err); /* a dry run: no file written */
		sprout_files_result_release(&res);
	}
	if (!rc) { /* what a run would do, as the command's --dry-run prints it */
		const char *summary = sprout_stage_summary(l.s);
		if (sprout_buf_add(out, summary, strlen(summary)) || sprout_buf_addc(out, '\n'))
			rc = SPROUT_ERR_NOMEM;
	}
	sprout_stage_free(l.s);
	return rc ? run_status_for(rc) : 0;
}
