/* sprout/run.h - a recipe run by the library.
 *
 * A recipe (YAML, see docs/run.md) names the inputs and the stages; each
 * stage runs as a command line of its name ("filter --min-words=3 -q
 * --rejects=out/02-filter.rejects.jsonl -o out/02-filter.jsonl -- IN"),
 * into one run folder, and its completion goes into the run state (SQLite):
 * a run stopped by a crash goes on from the first unfinished stage.
 * manifest.json tells how the data was made.
 *
 *   sprout_run_options o = SPROUT_RUN_OPTIONS_INIT;
 *   sprout_run *r = sprout_run_open("recipe.yaml", &o, &err);  read, checked
 *   sprout_run_execute(r, &err);                               or _plan
 *   sprout_run_free(r);
 *
 * Who runs a stage's command line: the library, which has every stage a
 * recipe can have (sprout/stage.h), over files; or a command the program
 * gives in o.commands for a stage it wants to run its own way. A recipe
 * with a stage neither has is refused when it is opened.
 *
 * The library prints nothing: lines for a person come through o.note
 * (stderr's; what a stage the library runs says about the data or its
 * failure comes there too, "sprout: " first, also when quiet), the plan
 * and the closing summary through o.print (stdout's).
 */
#ifndef SPROUT_RUN_H
#define SPROUT_RUN_H

#include <stddef.h>

#include "sprout/buf.h"
#include "sprout/error.h"
#include "sprout/io.h"
#include "sprout/stage.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A command a stage's command line runs. The exit statuses are a
 * process's: 0 done, 1 bad data, 2 bad usage, 3 input/output, 4 internal,
 * 5 (SPROUT_RUN_PENDING) requests wait in a submitted batch. */
#define SPROUT_RUN_PENDING 5

typedef struct sprout_run_command {
	const char *name;
	/* Every option its command line takes (its own and the shared ones:
	 * format, map, on-error, rejects, ...), ending with a NULL name. */
	const sprout_option_def *options;
	/* Check the options of argv (argv[0] the name, then --name=value
	 * words) without running: an exit status, and in *err what is wrong
	 * (the run puts where, "FILE:LINE:COL: stage NAME: ", in front), or an
	 * empty message when the command told a person itself (with where in
	 * front). NULL: not checked before the stage runs. */
	int (*check)(void *ctx, const char *where, int argc, char **argv, sprout_error *err);
	/* Run the command line: an exit status, and in *err what went wrong
	 * unless the command told a person itself. */
	int (*run)(void *ctx, int argc, char **argv, sprout_error *err);
	/* Its plan for sprout_run_plan: the lines its own --dry-run prints,
	 * into out (requests:, tokens, estimated:, cost, estimated: lines are
	 * added up); an exit status. NULL: it has none (the run estimates). */
	int (*plan)(void *ctx, int argc, char **argv, sprout_buf *out);
	void *ctx;
} sprout_run_command;

typedef struct sprout_run_options {
	const char *out_dir;	 /* the run folder; NULL: the recipe's out, or out/NAME */
	int restart;		 /* run every stage again */
	int llm;		 /* 1: the llm section on, -1: off, 0: as the recipe says */
	const char *url, *model; /* in place of the llm section's */
	/* nurls > 0: several servers in place of the llm section's url (url
	 * unused); each is given to the stages as a --url of its own */
	const char *const *urls;
	size_t nurls;
	int allow_outside; /* files outside the recipe's folder, the working one, the run's */
	int quiet;	   /* no notes (errors still come back) */
	/* A sharded run (docs/scale.md), shards > 0: without merge, shard
	 * `shard` (0 to shards-1): the stages at the head of the recipe that
	 * work record by record, over its share of the inputs, into
	 * RUN/shard-I-of-N, which gets done.json when it is finished; with
	 * merge, the rest of the recipe over the records of every shard, into
	 * RUN, once every shard is done. */
	unsigned shard, shards;
	int merge;
	/* The merge: 0 finds the duplicates across shards with the filter's
	 * index in memory (as a run without shards); else by sorting the keys
	 * the shards wrote, on disk, within this many MiB (for sets too big
	 * for the index; slower: docs/internals/keys.md). */
	unsigned dedup_memory;
	/* Commands that run stages, ending with a NULL name, or NULL. */
	const sprout_run_command *commands;
	/* A line for a person (no final newline); NULL: none told. */
	void (*note)(void *ctx, const char *line);
	/* Text for the program's output (the plan, the closing summary). */
	void (*print)(void *ctx, const char *text);
	/* A stage starts (label "02-filter") or ends (label NULL). */
	void (*stage)(void *ctx, const char *label);
	/* What a command wrote to path, measured while it was written: 1 and
	 * *w filled, or 0 (the run reads the file). NULL: always 0. */
	int (*written)(void *ctx, const char *path, sprout_written *w);
	/* For the stages the library runs itself: each record read (src: how
	 * far reading has got, sprout_source_progress), and each temporary
	 * file made (live 1) or gone (live 0), for a program that removes the
	 * live ones when it is killed. NULL: not told. */
	void (*progress)(void *ctx, const sprout_source *src);
	void (*temp)(void *ctx, const char *path, int live);
	void *ctx;
} sprout_run_options;

#define SPROUT_RUN_OPTIONS_INIT                                                                    \
	{                                                                                          \
		0                                                                                  \
	}

typedef struct sprout_run sprout_run;

/* Read and check the recipe at path: its keys, inputs, llm section, each
 * stage's options (unknown ones with a suggestion), where it may name
 * files. NULL with *err (file:line:column into the recipe where it is
 * about one); an empty err->msg means a command's check told a person
 * already. */
sprout_run *sprout_run_open(const char *path, const sprout_run_options *o, sprout_error *err);

/* Run the stages not finished before into the run folder. SPROUT_PENDING:
 * a stage waits for its batches (run again later). */
sprout_code sprout_run_execute(sprout_run *r, sprout_error *err);

/* The plan, through o->print: the command lines, the records to expect
 * and the model requests; writes nothing. */
sprout_code sprout_run_plan(sprout_run *r, sprout_error *err);

/* The run folder (after open). */
const char *sprout_run_folder(const sprout_run *r);

void sprout_run_free(sprout_run *r); /* accepts NULL */

#ifdef __cplusplus
}
#endif
#endif
