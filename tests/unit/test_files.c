/* A stage run over files through the library (sprout/files.h): outputs,
 * rejects, what the result says was written, and the intake's policy. */
#include <stdlib.h>
#include <unistd.h>

#include "sprout/hash.h"
#include "sprout/sprout.h"
#include "test.h"
#include "util.h"

struct told {
	char notes[8][600];
	size_t nnotes;
	sprout_error errors[4];
	size_t nerrors;
	sprout_files_step steps[4];
	char step_out[4][512];
	size_t nsteps;
	int live; /* temporary files made and not yet gone */
	unsigned long progress;
};

static void told_note(void *ctx, const char *line)
{
	struct told *t = ctx;
	if (t->nnotes < 8)
		snprintf(t->notes[t->nnotes++], sizeof t->notes[0], "%s", line);
}

static void told_error(void *ctx, const sprout_error *err)
{
	struct told *t = ctx;
	if (t->nerrors < 4)
		t->errors[t->nerrors++] = *err;
}

static void told_temp(void *ctx, const char *path, int live)
{
	struct told *t = ctx;
	CHECK(path != NULL);
	t->live += live ? 1 : -1;
}

static void told_progress(void *ctx, const sprout_source *src)
{
	struct told *t = ctx;
	CHECK(src != NULL);
	t->progress++;
}

static void told_step(void *ctx, const sprout_files_step *st)
{
	struct told *t = ctx;
	if (t->nsteps < 4) {
		snprintf(t->step_out[t->nsteps], sizeof t->step_out[0], "%s",
			 st->output ? st->output : "-");
		t->steps[t->nsteps++] = *st;
	}
}

static sprout_hooks hooks_for(struct told *t)
{
	memset(t, 0, sizeof *t);
	return (sprout_hooks){.ctx = t,
			      .note = told_note,
			      .error = told_error,
			      .progress = told_progress,
			      .temp = told_temp};
}

/* Settings over inputs[0..n), told to t, everything else at its default. */
static sprout_stage_files settings(const char *const *inputs, size_t n, struct told *t)
{
	sprout_stage_files f = {.inputs = inputs,
				.ninputs = n,
				.container = -1,
				.hooks = hooks_for(t),
				.step = told_step};
	f.src.reader = (sprout_reader_options)SPROUT_READER_OPTIONS_INIT;
	return f;
}

/* Run s as f says: it succeeds, tells no error and leaves no temporary
 * file behind. */
static void run_clean(sprout_stage *s, const sprout_stage_files *f, sprout_files_result *res,
		      const struct told *t)
{
	sprout_error err = SPROUT_ERROR_INIT;
	CHECK_INT(sprout_stage_run_files(s, f, res, &err), SPROUT_OK);
	CHECK_INT(t->nerrors, 0);
	CHECK_INT(t->live, 0);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	fputs(text, f);
	fclose(f);
}

static unsigned long count_lines(const char *path)
{
	size_t len = 0;
	const char *s = slurp(path, &len);
	CHECK(s != NULL);
	unsigned long n = 0;
	for (size_t i = 0; i < len; i++)
		n += s[i] == '\n';
	return n;
}

/* The entry of res for path, checked against the file itself. */
static const sprout_file_written *check_written(const sprout_files_result *res, const char *path)
{
	const sprout_file_written *w = NULL;
	for (size_t i = 0; i < res->nfiles; i++)
		if (!strcmp(res->files[i].path, path))
			w = &res->files[i];
	CHECK(w != NULL);
	char hex[SPROUT_HASH_HEX];
	unsigned long long bytes = 0;
	sprout_error err = SPROUT_ERROR_INIT;
	CHECK_INT(sprout_hash_file(path, hex, &bytes, &err), SPROUT_OK);
	CHECK_STR(w->w.hash, hex);
	CHECK_INT(w->w.bytes, bytes);
	CHECK(w->w.records_known);
	CHECK_INT(w->w.records, count_lines(path));
	return w;
}

/* split over two inputs into a folder: a file per output, every record on
 * exactly one, and the result's hashes and counts those of the files. */
static void files_split_folder(void)
{
	const char *dir = temp_dir();
	char in1[128], in2[128], out[128], path[160];
	snprintf(in1, sizeof in1, "%s/a.jsonl", dir);
	snprintf(in2, sizeof in2, "%s/b.jsonl", dir);
	snprintf(out, sizeof out, "%s/parts", dir);
	FILE *f1 = fopen(in1, "w"), *f2 = fopen(in2, "w");
	CHECK(f1 && f2);
	for (int i = 0; i < 60; i++)
		fprintf(i % 2 ? f2 : f1,
			"{\"instruction\":\"question number %d\",\"output\":\"%d\"}\n", i, i);
	fclose(f1);
	fclose(f2);
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_stage *s = sprout_stage_new(sprout_stage_find("split"), &err);
	CHECK(s != NULL);
	CHECK_INT(sprout_stage_set(s, "seed", "7", &err), SPROUT_OK);
	CHECK_INT(sprout_stage_set(s, "on-leak", "warn", &err), SPROUT_OK); /* alike on purpose */
	struct told t;
	const char *inputs[] = {in1, in2};
	sprout_stage_files f = settings(inputs, 2, &t);
	f.dir = out;
	f.flags = SPROUT_FILES_REJECTS_ALWAYS;
	sprout_files_result res;
	run_clean(s, &f, &res, &t);
	CHECK_INT(t.progress, 60);
	CHECK_INT(res.in, 60);
	CHECK_INT(res.kept, 60);
	CHECK_INT(res.bad, 0);
	CHECK_INT(t.nsteps, 1);
	CHECK_STR(t.steps[0].dir, out);
	unsigned long total = 0;
	static const char *const parts[] = {"train", "valid", "test"};
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s/%s.jsonl", out, parts[i]);
		total += check_written(&res, path)->w.records;
	}
	CHECK_INT(total, 60);
	/* the rejects file is made in every mode, here in the folder */
	snprintf(path, sizeof path, "%s/split.rejects.jsonl", out);
	CHECK_STR(res.rejects, path);
	CHECK_INT(check_written(&res, path)->w.records, 0);
	CHECK_INT(res.nfiles, 4);
	sprout_files_result_release(&res);
	sprout_stage_free(s);
}

static const char *const mixed = "{\"instruction\":\"first\",\"output\":\"1\"}\n"
				 "{\"instruction\": broken\n"
				 "{\"instruction\":\"third\",\"output\":\"3\"}\n";

struct convert_run {
	char in[128], out[128], rej[160];
	struct told t;
	sprout_files_result res;
	sprout_error err;
	sprout_code rc;
};

/* convert over mixed (a broken line 2) to OUT.jsonl under policy p. */
static void run_convert(struct convert_run *c, sprout_on_error p)
{
	const char *dir = temp_dir();
	snprintf(c->in, sizeof c->in, "%s/in.jsonl", dir);
	snprintf(c->out, sizeof c->out, "%s/out.jsonl", dir);
	snprintf(c->rej, sizeof c->rej, "%s/out.rejects.jsonl", dir);
	write_file(c->in, mixed);
	sprout_error_clear(&c->err);
	sprout_stage *s = sprout_stage_new(sprout_stage_find("convert"), &c->err);
	CHECK(s != NULL);
	const char *inputs[] = {c->in};
	sprout_stage_files f = settings(inputs, 1, &c->t);
	f.on_error = p;
	f.output = c->out;
	c->rc = sprout_stage_run_files(s, &f, &c->res, &c->err);
	sprout_stage_free(s);
}

/* convert with on-error skip: the broken line goes to the default rejects
 * file next to the output with its file and line; the run goes on. */
static void files_skip_bad_record(void)
{
	static struct convert_run c;
	run_convert(&c, SPROUT_ON_ERROR_SKIP);
	CHECK_INT(c.rc, SPROUT_OK);
	CHECK_INT(c.t.nerrors, 0);
	CHECK_INT(c.res.bad, 1);
	CHECK_INT(c.res.in, 2);
	CHECK_INT(c.t.nsteps, 1);
	CHECK_INT(c.t.steps[0].written, 2);
	CHECK_STR(c.t.step_out[0], c.out);
	CHECK_INT(check_written(&c.res, c.out)->w.records, 2);
	CHECK_INT(check_written(&c.res, c.rej)->w.records, 1);
	CHECK_STR(c.res.rejects, c.rej);
	const char *line = slurp(c.rej, NULL);
	CHECK(line != NULL);
	char where[256];
	snprintf(where, sizeof where, "\"file\":\"%s\",\"line\":2,", c.in);
	CHECK(strstr(line, where) != NULL);
	CHECK(strstr(line, "\"error\":\"json\"") != NULL);
	CHECK(strstr(line, "\"raw\":\"{\\\"instruction\\\": broken\"") != NULL);
	/* the note says how many were skipped and where they are */
	char want[300];
	snprintf(want, sizeof want, "skipped 1 bad record (json 1); see %s", c.rej);
	CHECK_INT(c.t.nnotes, 2);
	CHECK(strstr(c.t.notes[0], "in.jsonl: format alpaca (detected from keys") != NULL);
	CHECK_STR(c.t.notes[1], want);
	sprout_files_result_release(&c.res);
}

/* The same input under on-error fail: the run stops with the record's error
 * at its file and line, told once; no output, no rejects file. */
static void files_fail_bad_record(void)
{
	static struct convert_run c;
	run_convert(&c, SPROUT_ON_ERROR_FAIL);
	CHECK_INT(c.rc, SPROUT_ERR_JSON);
	CHECK_STR(c.err.file, c.in);
	CHECK_INT(c.err.line, 2);
	CHECK_INT(c.t.nerrors, 1);
	CHECK_STR(c.t.errors[0].msg, c.err.msg);
	CHECK_INT(c.t.nsteps, 0);
	CHECK_INT(c.t.live, 0);
	CHECK_INT(c.res.nfiles, 0);
	CHECK(access(c.out, F_OK) != 0);
	CHECK(access(c.rej, F_OK) != 0);
	sprout_files_result_release(&c.res);
}

/* export with a folder and one output: a file per input named by the
 * stage, the rejects of every input in the one file asked for. */
static void files_export_per_input(void)
{
	const char *dir = temp_dir();
	char a[128], v[128], out[128], rej[160], path[200];
	snprintf(a, sizeof a, "%s/train.jsonl", dir);
	snprintf(v, sizeof v, "%s/valid.jsonl", dir);
	snprintf(out, sizeof out, "%s/trl", dir);
	snprintf(rej, sizeof rej, "%s/all.rejects.jsonl", dir);
	write_file(a, mixed);
	write_file(v, "{\"instruction\":\"x\",\"output\":\"y\"}\n{\"instruction\":1}\n");
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_stage *s = sprout_stage_new(sprout_stage_find("export"), &err);
	CHECK(s != NULL);
	CHECK_INT(sprout_stage_set(s, "to", "trl", &err), SPROUT_OK);
	struct told t;
	const char *inputs[] = {a, v};
	sprout_stage_files f = settings(inputs, 2, &t);
	f.on_error = SPROUT_ON_ERROR_SKIP;
	f.dir = out;
	f.rejects = rej;
	sprout_files_result res;
	run_clean(s, &f, &res, &t);
	CHECK_INT(t.nsteps, 2);
	snprintf(path, sizeof path, "%s/train.jsonl", out);
	CHECK_STR(t.step_out[0], path);
	CHECK_INT(check_written(&res, path)->w.records, 2);
	snprintf(path, sizeof path, "%s/validation.jsonl", out);
	CHECK_STR(t.step_out[1], path);
	CHECK_INT(check_written(&res, path)->w.records, 1);
	CHECK_STR(t.steps[1].input, v);
	/* one bad line of each input, both in the one rejects file */
	CHECK_INT(check_written(&res, rej)->w.records, 2);
	CHECK_INT(res.bad, 2);
	const char *text = slurp(rej, NULL);
	char where[256];
	snprintf(where, sizeof where, "\"file\":\"%s\",\"line\":2,", v);
	CHECK(text && strstr(text, where) != NULL);
	sprout_files_result_release(&res);
	sprout_stage_free(s);
}

SUITE(files_tests) = {
    T(files_split_folder),
    T(files_skip_bad_record),
    T(files_fail_bad_record),
    T(files_export_per_input),
    {NULL, NULL},
};
