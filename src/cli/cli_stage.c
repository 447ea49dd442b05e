/* A command that is one of the library's stages (sprout/stage.h): its
 * options come from the stage's table; the library runs it over the files
 * (sprout_stage_run_files) and this prints its notes, errors and closing
 * note. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sprout/files.h"
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
	/* made once per stage and kept for the process */
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

/* The stage's command: the closing note says where the output went
 * ("SUMMARY written to PATH"), not where the rejects are (augment). */
static int note_output(const sprout_stage_def *d)
{
	return !strcmp(sprout_stage_name(d), "augment");
}

/* The shared options its command takes: the reading ones, and the writing
 * ones when its output is records in sprout's shape. */
static int groups(const sprout_stage_def *d)
{
	return CLI_READS | ((sprout_stage_flags(d) & SPROUT_STAGE_RECORDS_OUT) ? CLI_WRITES : 0);
}

struct drive {
	struct cli_common c;
	const sprout_stage_def *def;
	sprout_stage *s;
	sprout_stage_files where; /* its dir and side: where the options say outputs go */
	struct cli_reader view;	  /* what cli_progress_hook is shown */
	int noted;		  /* the closing note was printed */
};

static int on_option(int id, const char *arg, void *ctx)
{
	struct drive *d = ctx;
	sprout_error err = SPROUT_ERROR_INIT;
	if (id < OPT_STAGE_BASE)
		return -1;
	size_t i = (size_t)(id - OPT_STAGE_BASE);
	const sprout_option_def *o = &sprout_stage_options(d->def)[i];
	sprout_files_place(&d->where, d->def, o, arg);
	if (sprout_stage_set_at(d->s, i, arg, &err)) {
		cli_error("%s", err.msg);
		return EXIT_USAGE;
	}
	return -1;
}

static void note(void *ctx, const char *line)
{
	struct drive *d = ctx;
	cli_note(&d->c, "%s", line);
}

static void progress(void *ctx, const sprout_source *src)
{
	struct drive *d = ctx;
	d->view.src = src;
	if (cli_progress_hook)
		cli_progress_hook(&d->view);
}

/* The summary's lines after its first (from s, at the first's end), each
 * a note of its own. */
static void further_notes(struct drive *d, const char *s)
{
	size_t n = 0;
	while (s[n]) {
		s += n + 1;
		n = strcspn(s, "\n");
		cli_note(&d->c, "%.*s", (int)n, s);
	}
}

/* After the outputs were committed: what the stage did and where it went,
 * the summary's first line as the closing note, each further line a note
 * of its own; a dry run's summary, what it would do, on stdout. */
static void closing_note(void *ctx, const sprout_files_step *st)
{
	struct drive *d = ctx;
	const char *s = sprout_stage_summary(d->s);
	d->noted = 1;
	if (sprout_stage_dry_run(d->s)) {
		printf("%s\n", s);
		return;
	}
	size_t n = strcspn(s, "\n");
	const char *out = st->output ? st->output : "stdout";
	if (!s[0])
		cli_note(&d->c, "wrote %lu record%s to %s", st->written,
			 st->written == 1 ? "" : "s", out);
	else if (sprout_stage_flags(d->def) & SPROUT_STAGE_SAYS_WHERE)
		cli_note(&d->c, "%.*s", (int)n, s);
	else if (st->dir)
		cli_note(&d->c, "%.*s; files in %s", (int)n, s, st->dir);
	else if (note_output(d->def))
		cli_note(&d->c, "%.*s written to %s", (int)n, s, out);
	else
		cli_note(&d->c, "%.*s; rejects in %s", (int)n, s,
			 st->rejects ? st->rejects : "(null)");
	further_notes(d, s + n);
}

/* Run the stage over the files the command line names (sprout/files.h),
 * its notes and errors printed as they come. */
static int run(struct drive *d)
{
	unsigned flags = sprout_stage_flags(d->def);
	sprout_stage_files f = {
	    .inputs = d->c.inputs,
	    .ninputs = d->c.ninputs,
	    .src = d->c.src,
	    .on_error = d->c.on_error,
	    .strip_meta = d->c.strip_meta,
	    .output = d->c.output,
	    .container = d->c.out_container,
	    .dir = d->where.dir,
	    .rejects = d->c.rejects,
	    .name = d->c.command,
	    .read_stage = sprout_stage_read_name(d->def),
	    .flags = (flags & SPROUT_STAGE_ERRORS_ONLY) ? 0 : SPROUT_FILES_REJECTS_ALWAYS,
	    .hooks = {.ctx = d,
		      .note = note,
		      .warn = cli_hook_warn,
		      .error = cli_hook_error,
		      .progress = cli_progress_hook ? progress : NULL,
		      .temp = cli_hook_temp},
	    .step = closing_note};
	memcpy(f.side, d->where.side, sizeof f.side);
	sprout_files_result res;
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_code rc = sprout_stage_run_files(d->s, &f, &res, &err);
	int x = cli_exit_for(rc);
	/* a stage that decided every record but failed about the result
	 * before its outputs were committed (generate: no request answered):
	 * its notes after the error */
	if (rc && !d->noted && sprout_stage_decided(d->s))
		further_notes(d, sprout_stage_summary(d->s) +
				     strcspn(sprout_stage_summary(d->s), "\n"));
	if (!rc && !sprout_stage_dry_run(d->s) && (flags & SPROUT_STAGE_NONE_KEPT_FAILS) &&
	    res.in && !res.kept) {
		cli_error("no record was kept: all %llu are in %s with the check each failed",
			  res.in, res.rejects);
		x = EXIT_DATA;
	}
	sprout_files_result_release(&res);
	return x;
}

int cli_stage_main(const char *name, int argc, char **argv)
{
	sprout_error err = SPROUT_ERROR_INIT;
	struct drive d;
	memset(&d, 0, sizeof d);
	d.def = sprout_stage_find(name);
	if (!(d.s = sprout_stage_new(d.def, &err))) {
		cli_error("%s", err.msg);
		return cli_exit_for(err.code);
	}
	d.view.c = &d.c;
	int rc = cli_parse(argc, argv, sprout_stage_usage(d.def), sprout_stage_about(d.def),
			   cli_stage_options(d.def), groups(d.def), &d.c, on_option, &d);
	if (rc < 0)
		rc = run(&d);
	sprout_stage_free(d.s);
	return rc;
}
