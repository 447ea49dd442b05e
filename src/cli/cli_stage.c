/* A command that is one of the library's stages (sprout/stage.h): its
 * options come from the stage's table, its records are read, pushed into
 * the stage and written where the sink says. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sprout/meta.h"
#include "sprout/stage.h"

#define OPT_STAGE_BASE 2000 /* option i of a stage has id OPT_STAGE_BASE + i */
#define MAX_STAGES     16
#define MAX_OPTIONS    64

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
	static struct cli_option tables[MAX_STAGES][MAX_OPTIONS];
	static const sprout_stage_def *made[MAX_STAGES];
	size_t t = 0;
	while (t < MAX_STAGES && made[t] && made[t] != d)
		t++;
	if (t == MAX_STAGES)
		return NULL;
	if (!made[t]) {
		const sprout_option_def *o = sprout_stage_options(d);
		for (size_t i = 0; o[i].name && i + 1 < MAX_OPTIONS; i++)
			tables[t][i] = (struct cli_option){o[i].name, o[i].shortopt,
							   o[i].arg,  OPT_STAGE_BASE + (int)i,
							   o[i].help, (int)kind_of(&o[i])};
		made[t] = d;
	}
	return tables[t];
}

/* commands[].flags beside the CLI_* ones: what the driver does after */
#define CLI_FLAGS	      0xff
#define STAGE_NONE_KEPT_FAILS 0x100 /* no record kept of some read: exit 1 (EXIT_DATA) */

/* The shared options each stage's command takes. */
static const struct {
	const char *name;
	int flags;
} commands[] = {
    {"mix", CLI_READS | CLI_WRITES},
    {"filter", CLI_READS | CLI_WRITES | STAGE_NONE_KEPT_FAILS},
};

static int command_flags(const char *name)
{
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(commands[i].name, name))
			return commands[i].flags;
	return -1;
}

int cli_stage_probe(const char *name, struct cli_probe *p)
{
	const sprout_stage_def *def = sprout_stage_find(name);
	int flags = command_flags(name);
	if (!def || flags < 0)
		return -1;
	cli_probe_fill(p, cli_stage_options(def), flags & CLI_FLAGS, sprout_stage_usage(def));
	return 0;
}

struct drive {
	struct cli_common c;
	struct cli_reader rd;
	sprout_stage *s;
	sprout_writer *out;
};

static int on_option(int id, const char *arg, void *ctx)
{
	struct drive *d = ctx;
	sprout_error err = SPROUT_ERROR_INIT;
	if (id >= OPT_STAGE_BASE &&
	    sprout_stage_set_at(d->s, (size_t)(id - OPT_STAGE_BASE), arg, &err)) {
		cli_error("%s", err.msg);
		return EXIT_USAGE;
	}
	return -1;
}

static sprout_code keep(void *ctx, size_t output, sprout_record *rec, const char *json, size_t len,
			sprout_error *err)
{
	(void)output;
	struct drive *d = ctx;
	if (!rec)
		return sprout_writer_put_json(d->out, json, len, err);
	if (d->c.strip_meta)
		sprout_meta_strip(rec);
	return sprout_writer_put(d->out, rec->obj, err);
}

static sprout_code reject(void *ctx, const sprout_reject *r, sprout_error *err)
{
	struct drive *d = ctx;
	return d->rd.rejects ? sprout_reject_write(d->rd.rejects, r, err) : SPROUT_OK;
}

static void note(void *ctx, const char *line)
{
	struct drive *d = ctx;
	cli_note(&d->c, "%s", line);
}

/* The stage's summary after the run: the first line as the closing note
 * (with where the rejects are), each further line a note of its own; a
 * dry run's summary, what it would do, on stdout. */
static void print_summary(struct drive *d, int dry)
{
	const char *s = sprout_stage_summary(d->s);
	if (dry) {
		printf("%s\n", s);
		return;
	}
	size_t n = strcspn(s, "\n");
	cli_note(&d->c, "%.*s; rejects in %s", (int)n, s, d->rd.rejects_path);
	while (s[n]) {
		s += n + 1;
		n = strcspn(s, "\n");
		cli_note(&d->c, "%.*s", (int)n, s);
	}
}

int cli_stage_main(const char *name, int argc, char **argv)
{
	const sprout_stage_def *def = sprout_stage_find(name);
	int flags = command_flags(name);
	sprout_error err = SPROUT_ERROR_INIT;
	struct drive d;
	int dry = 0;
	memset(&d, 0, sizeof d);
	if (!(d.s = sprout_stage_new(def, &err))) {
		cli_error("%s", err.msg);
		return cli_exit_for(err.code);
	}
	int rc = cli_parse(argc, argv, sprout_stage_usage(def), sprout_stage_about(def),
			   cli_stage_options(def), flags & CLI_FLAGS, &d.c, on_option, &d);
	if (rc >= 0)
		goto done;
	sprout_sink sink = {keep, reject, &d, d.c.strip_meta, note};
	sprout_stage_set_reading(d.s, &d.c.src.reader);
	if (sprout_stage_open(d.s, &sink, &err)) {
		cli_error_at(&err);
		rc = cli_exit_for(err.code);
		goto done;
	}
	/* a dry run writes nothing: no output, no rejects */
	dry = sprout_stage_dry_run(d.s);
	d.rd.want_rejects = !dry;
	if (dry)
		d.c.rejects = NULL;
	if ((rc = cli_reader_open(&d.rd, &d.c)) >= 0)
		goto done;
	sprout_record rec;
	int got = 0;
	while (rc < 0 && (got = cli_reader_next(&d.rd, &rec)) > 0) {
		sprout_error_clear(&err);
		if (sprout_meta_ensure(&rec, &err)) {
			int x = cli_reader_reject(&d.rd, &rec, &err, "read");
			if (x)
				rc = x;
			continue;
		}
		if (sprout_stage_push(d.s, &rec, &err)) {
			cli_error_at(&err);
			rc = cli_exit_for(err.code);
		}
	}
	if (rc < 0 && got < 0)
		rc = -got;
	if (rc >= 0)
		goto done;
	if (!dry && !(d.out = cli_output_open(&d.c, SPROUT_CONTAINER_JSONL, &rc)))
		goto done;
	if (sprout_stage_close(d.s, &err)) {
		cli_error_at(&err);
		rc = cli_exit_for(err.code);
		goto done;
	}
	rc = d.out ? cli_output_commit(d.out) : EXIT_OK;
	d.out = NULL;
	if (!rc)
		print_summary(&d, dry);
done:
	if (rc < 0)
		rc = EXIT_OK;
	if (d.out)
		cli_output_abort(d.out);
	/* the rejects of a stage that decided every record are kept, also when
	 * it failed about the result */
	int decided = rc == EXIT_OK || (d.s && sprout_stage_decided(d.s));
	int rc2 = d.rd.c ? cli_reader_close(&d.rd, decided && !dry) : EXIT_OK;
	unsigned long long in = 0, kept = 0;
	if (d.s)
		sprout_stage_counts(d.s, &in, &kept, NULL);
	if (!rc && !rc2 && !dry && (flags & STAGE_NONE_KEPT_FAILS) && in && !kept) {
		/* the rejects are written: nothing is lost, but nothing came out */
		cli_error("no record was kept: all %llu are in %s with the check each failed", in,
			  d.rd.rejects_path);
		rc = EXIT_DATA;
	}
	sprout_stage_free(d.s);
	return rc ? rc : rc2;
}
