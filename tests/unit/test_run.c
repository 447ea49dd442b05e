/* A recipe run by the library (sprout/run.h) with a command the program
 * gives: what the command is asked to do, what the run folder holds, the
 * resume, and the errors. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"
#include "util.h"

#include "sprout/run.h"

/* The program's "convert": copies its inputs to -o, line by line. */
static const sprout_option_def copy_options[] = {
    {"to", 0, "NAME", SPROUT_OPT_TEXT, 0, NULL, "the format"},
    {"rejects", 0, "FILE", SPROUT_OPT_OUTPATH, 0, NULL, "rejects"},
    {"output", 'o', "FILE", SPROUT_OPT_OUTPATH, 0, NULL, "output"},
    {"quiet", 'q', NULL, SPROUT_OPT_SWITCH, 0, NULL, "quiet"},
    {NULL, 0, NULL, 0, 0, NULL, NULL},
};

struct calls {
	int runs, checks, status;
	char argv[1024]; /* the last run's, joined by spaces */
	char notes[2048];
};

static int copy_check(void *ctx, const char *where, int argc, char **argv, sprout_error *err)
{
	struct calls *c = ctx;
	(void)where;
	c->checks++;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--to=bad"))
			return 2; /* as if it told a person */
		if (!strcmp(argv[i], "--to=worse")) {
			sprout_error_set(err, SPROUT_ERR_USAGE, "--to: 'worse' is no format");
			return 2;
		}
	}
	return 0;
}

static int copy_run(void *ctx, int argc, char **argv, sprout_error *err)
{
	struct calls *c = ctx;
	c->runs++;
	c->argv[0] = '\0';
	const char *out = NULL;
	int inputs = -1;
	for (int i = 0; i < argc; i++) {
		size_t n = strlen(c->argv);
		snprintf(c->argv + n, sizeof c->argv - n, "%s%s", i ? " " : "", argv[i]);
		if (!strcmp(argv[i], "-o") && i + 1 < argc)
			out = argv[i + 1];
		if (!strcmp(argv[i], "--"))
			inputs = i + 1;
	}
	if (c->status) {
		sprout_error_set(err, SPROUT_ERR_RECORD, "every record was bad");
		return c->status;
	}
	FILE *o = out ? fopen(out, "w") : NULL;
	if (!o || inputs < 0)
		return 3;
	for (int i = inputs; i < argc; i++) {
		size_t len;
		const char *text = slurp(argv[i], &len);
		fwrite(text, 1, len, o);
	}
	return fclose(o) ? 3 : 0;
}

static void take_note(void *ctx, const char *line)
{
	struct calls *c = ctx;
	size_t n = strlen(c->notes);
	snprintf(c->notes + n, sizeof c->notes - n, "%s\n", line);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	CHECK(f && fputs(text, f) >= 0 && fclose(f) == 0);
}

/* dir/r.yaml and dir/seeds.jsonl (two records), the program's commands
 * with calls as their context. */
static void setup(const char *dir, char recipe[256], char seeds[256], struct calls *calls,
		  sprout_run_command cmds[2], sprout_run_options *o)
{
	snprintf(recipe, 256, "%s/r.yaml", dir);
	snprintf(seeds, 256, "%s/seeds.jsonl", dir);
	write_file(seeds, "{\"prompt\":\"a\",\"response\":\"b\"}\n"
			  "{\"prompt\":\"c\",\"response\":\"d\"}\n");
	memset(calls, 0, sizeof *calls);
	cmds[0] = (sprout_run_command){"convert", copy_options, copy_check, copy_run, NULL, calls};
	memset(&cmds[1], 0, sizeof cmds[1]);
	*o = (sprout_run_options)SPROUT_RUN_OPTIONS_INIT;
	o->commands = cmds;
	o->note = take_note;
	o->ctx = calls;
}

static void a_program_runs_a_recipe_with_its_own_command(void)
{
	const char *dir = temp_dir();
	char recipe[256], seeds[256], out[256], path[512];
	struct calls calls;
	sprout_run_command cmds[2];
	sprout_run_options o;
	setup(dir, recipe, seeds, &calls, cmds, &o);
	snprintf(out, sizeof out, "%s/out", dir);
	write_file(recipe, "name: t\ninputs: seeds.jsonl\nstages:\n  - convert: {to: openai}\n");
	o.out_dir = out;
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_run *r = sprout_run_open(recipe, &o, &err);
	CHECK(r);
	CHECK_STR(sprout_run_folder(r), out);
	CHECK(calls.checks >= 1); /* each option, then all together */
	CHECK_INT(calls.runs, 0);
	CHECK_INT(sprout_run_execute(r, &err), SPROUT_OK);
	sprout_run_free(r);
	CHECK_INT(calls.runs, 1);
	char want[1024];
	snprintf(want, sizeof want,
		 "convert --to=openai -q --rejects=%s/01-convert.rejects.jsonl -o "
		 "%s/01-convert.jsonl -- %s",
		 out, out, seeds);
	CHECK_STR(calls.argv, want);
	char note[512];
	snprintf(note, sizeof note, "sprout: run t into %s (1 stages)\n", out);
	CHECK(strstr(calls.notes, note) != NULL);
	CHECK(strstr(calls.notes, "01-convert   2 -> 2 records, 0 rejected") != NULL);
	snprintf(path, sizeof path, "%s/manifest.json", out);
	const char *m = slurp(path, NULL);
	CHECK(m && strstr(m, "\"status\": \"complete\""));
	CHECK(strstr(m, "\"resumed\": false"));

	/* the same recipe again: the stage is done, its command not run */
	r = sprout_run_open(recipe, &o, &err);
	CHECK(r);
	CHECK_INT(sprout_run_execute(r, &err), SPROUT_OK);
	sprout_run_free(r);
	CHECK_INT(calls.runs, 1);
	m = slurp(path, NULL);
	CHECK(m && strstr(m, "\"resumed\": true"));

	/* restart, and the command fails: the run says which stage */
	o.restart = 1;
	calls.status = 1;
	r = sprout_run_open(recipe, &o, &err);
	CHECK(r);
	CHECK_INT(sprout_run_execute(r, &err), SPROUT_ERR_RECORD);
	CHECK(strstr(err.msg, "stage 01-convert failed (exit 1): every record was bad; the "
			      "stages before it are kept"));
	sprout_run_free(r);
	m = slurp(path, NULL);
	CHECK(m && strstr(m, "\"status\": \"failed\""));
}

static void a_recipe_is_checked_against_the_command_options(void)
{
	const char *dir = temp_dir();
	char recipe[256], seeds[256];
	struct calls calls;
	sprout_run_command cmds[2];
	sprout_run_options o;
	setup(dir, recipe, seeds, &calls, cmds, &o);
	sprout_error err = SPROUT_ERROR_INIT;

	/* an option the command does not have: where, and a suggestion */
	write_file(recipe, "inputs: seeds.jsonl\nstages:\n  - convert: {tx: openai}\n");
	CHECK(!sprout_run_open(recipe, &o, &err));
	CHECK_INT(err.code, SPROUT_ERR_USAGE);
	CHECK_STR(err.file, recipe);
	CHECK_INT(err.line, 3);
	CHECK_INT(err.column, 15);
	CHECK(strstr(err.msg, "unknown option 'tx' for stage convert (did you mean 'to'?)"));

	/* a value the command's check turns down: it told a person itself */
	write_file(recipe, "inputs: seeds.jsonl\nstages:\n  - convert: {to: bad}\n");
	CHECK(!sprout_run_open(recipe, &o, &err));
	CHECK_INT(err.code, SPROUT_ERR_USAGE);
	CHECK_STR(err.msg, "");
	/* one that says why: the run tells it, where in the recipe first */
	write_file(recipe, "inputs: seeds.jsonl\nstages:\n  - convert: {to: worse}\n");
	CHECK(!sprout_run_open(recipe, &o, &err));
	CHECK_INT(err.code, SPROUT_ERR_USAGE);
	char want[512];
	snprintf(want, sizeof want, "%s:3:19: stage convert: --to: 'worse' is no format", recipe);
	CHECK_STR(err.msg, want);

	/* generate is the library's too: checked by its table, no command
	 * given; a stage that does not run is checked all the same */
	write_file(recipe, "inputs: seeds.jsonl\nstages:\n  - generate: {method: pairs, url: "
			   "\"http://127.0.0.1:9\", model: m}\n"
			   "    when: llm\n  - convert: {to: openai}\n");
	sprout_run *r = sprout_run_open(recipe, &o, &err);
	CHECK(r);
	sprout_run_free(r);
	o.llm = 1;
	o.url = "http://127.0.0.1:9";
	o.model = "m";
	r = sprout_run_open(recipe, &o, &err);
	CHECK(r);
	sprout_run_free(r);
	write_file(recipe, "inputs: seeds.jsonl\nstages:\n  - generate: {method: poetry, url: "
			   "\"http://127.0.0.1:9\", model: m}\n");
	CHECK(!sprout_run_open(recipe, &o, &err));
	CHECK_INT(err.code, SPROUT_ERR_USAGE);
	snprintf(want, sizeof want, "%s:3:24: stage generate: --method: ", recipe);
	CHECK(!strncmp(err.msg, want, strlen(want)));
}

static void say(void *ctx, const char *text)
{
	struct calls *c = ctx;
	size_t n = strlen(c->notes);
	snprintf(c->notes + n, sizeof c->notes - n, "%s", text);
}

/* No command given: the library runs its own stages over the files, and
 * plans filter's through its dry run. */
static void the_library_runs_its_own_stages(void)
{
	const char *dir = temp_dir();
	char recipe[256], seeds[256], out[256], path[512];
	struct calls calls;
	sprout_run_command cmds[2];
	sprout_run_options o;
	setup(dir, recipe, seeds, &calls, cmds, &o);
	o.commands = NULL;
	snprintf(out, sizeof out, "%s/out", dir);
	o.out_dir = out;
	write_file(seeds,
		   "{\"instruction\":\"how do i reset my pin\",\"output\":\"In the app.\"}\n"
		   "{\"instruction\":\"how do i reset my pin\",\"output\":\"In the app.\"}\n"
		   "{\"instruction\":\"where is my new card\",\"output\":\"On its way.\"}\n");
	/* the plan: a judging filter's own dry run (its inputs are there) says
	 * what it would keep and ask; no request is sent for it */
	write_file(recipe, "inputs: seeds.jsonl\nllm: {enabled: true, url: \"http://127.0.0.1:9\", "
			   "model: m}\nstages:\n  - filter: {dedup: exact, judge: response}\n");
	sprout_error err = SPROUT_ERROR_INIT;
	o.print = say;
	sprout_run *r = sprout_run_open(recipe, &o, &err);
	CHECK(r);
	CHECK_INT(sprout_run_plan(r, &err), SPROUT_OK);
	sprout_run_free(r);
	CHECK(strstr(calls.notes, "               filter: 3 records in, 2 pass the checks before "
				  "the judge, 1 rejected by them\n"));
	CHECK(strstr(calls.notes, "               requests: 2, 0 of them answered in the cache\n"));
	CHECK(strstr(calls.notes, "model requests: up to 2,"));
	snprintf(path, sizeof path, "%s/manifest.json", out);
	CHECK(access(path, F_OK) != 0); /* a plan writes nothing */

	write_file(recipe, "inputs: seeds.jsonl\nstages:\n  - filter: {dedup: exact}\n"
			   "  - export: {to: openai}\n");
	calls.notes[0] = '\0';
	o.print = NULL;
	r = sprout_run_open(recipe, &o, &err);
	CHECK(r);
	CHECK_INT(sprout_run_execute(r, &err), SPROUT_OK);
	sprout_run_free(r);
	CHECK(strstr(calls.notes, "01-filter    3 -> 2 records, 1 rejected"));
	/* the manifest's settings: the recipe's values, the table's defaults */
	snprintf(path, sizeof path, "%s/manifest.json", out);
	const char *m = slurp(path, NULL);
	CHECK(m && strstr(m, "\"settings\": {"));
	CHECK(strstr(m, "\"dedup\": \"exact\""));
	CHECK(strstr(m, "\"near-threshold\": \"0.85\""));
	CHECK(strstr(m, "\"to\": \"openai\""));
	CHECK(strstr(calls.notes, "02-export    2 -> 2 records, 0 rejected"));
	snprintf(path, sizeof path, "%s/01-filter.rejects.jsonl", out);
	const char *rej = slurp(path, NULL);
	CHECK(rej && strstr(rej, "\"check\":\"duplicate\""));
	snprintf(path, sizeof path, "%s/02-export.jsonl", out);
	const char *exported = slurp(path, NULL);
	CHECK(exported && strstr(exported, "{\"messages\":[{\"role\":\"user\",\"content\":\"where "
					   "is my new card\"}"));

	/* a filter that keeps nothing stops the run, and says why */
	write_file(recipe, "inputs: seeds.jsonl\nstages:\n  - filter: {min-words: 50}\n"
			   "  - export: {to: openai}\n");
	calls.notes[0] = '\0';
	r = sprout_run_open(recipe, &o, &err);
	CHECK(r);
	CHECK_INT(sprout_run_execute(r, &err), SPROUT_ERR_RECORD);
	sprout_run_free(r);
	CHECK(strstr(calls.notes, "sprout: no record was kept: all 3 are in "));
	CHECK(strstr(err.msg, "stage 01-filter failed (exit 1)"));
}

SUITE(run_tests) = {
    T(a_program_runs_a_recipe_with_its_own_command),
    T(a_recipe_is_checked_against_the_command_options),
    T(the_library_runs_its_own_stages),
    {NULL, NULL},
};
