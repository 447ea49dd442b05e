/* What the files of the recipe engine share: src/lib/stages/run.c (the run, its
 * checkpoints and the library's face), run_recipe.c (reading and checking
 * the recipe), run_manifest.c, run_plan.c (--dry-run) and run_builtin.c
 * (the library's own stage commands). Functions return -1 to go on or the
 * exit status the sprout program would have (RS_*). */
#ifndef SPROUT_RUN_INTERNAL_H
#define SPROUT_RUN_INTERNAL_H

#include <time.h>

#include "sprout/hash.h"
#include "sprout/json.h"
#include "sprout/run.h"
#include "sprout/state.h"
#include "sprout/yaml.h"

#define NPACE 3
/* llm keys every generate stage gets as its option of the same name,
 * unless it gives its own: numbers (in llm_pace) and the price file */
extern const char *const run_pace_keys[NPACE];

enum { RS_OK = 0, RS_DATA = 1, RS_USAGE = 2, RS_IO = 3, RS_INTERNAL = 4, RS_PENDING = 5 };

/* What a stage makes: records for the next stage, the split files, or
 * files for people and trainers that the next stage does not read. */
enum kind { K_RECORDS, K_SPLIT, K_EXPORT, K_REPORT };

struct stage {
	const char *name;
	enum kind kind;
	const sprout_run_command *cmd;
	const sprout_json *opts; /* the recipe's mapping, or NULL */
	const sprout_json *node; /* the list item, for errors */
	char **args;		 /* options from the recipe, as --name=value */
	size_t nargs, cap;
	char **infiles; /* files options name, hashed into the stage key */
	size_t ninfiles, infcap;
	char label[64]; /* "02-filter" */
	int when;	/* 0 always, 1 only with the llm section on, -1 only off */
	size_t at;	/* the member of node that names it */
	/* result */
	int done, resumed, sharded;
	unsigned long long in, out, rejected;
	double seconds;
	char **argv;
	size_t argc;
	char **outputs;	    /* paths */
	const char *ledger; /* what its model requests cost (JSON), or NULL */
	unsigned long long *out_records;
	char (*out_hash)[SPROUT_HASH_HEX];
	size_t noutputs;
	const char *rejects;
};

struct input {
	const char *path;
	const sprout_json *node; /* in the recipe, for errors */
	char hash[SPROUT_HASH_HEX];
	unsigned long long bytes, records;
};

#define MAX_BUILTINS 16

/* A command of the library's own (run_builtin.c) for one of its stages. */
struct builtin {
	sprout_run_command cmd;
	struct sprout_run *r;
	const sprout_stage_def *def;
};

/* A file a stage wrote, as measured while written. */
struct measured {
	const char *path;
	sprout_written w;
	struct measured *next;
};

struct sprout_run {
	sprout_run_options o;
	struct builtin builtins[MAX_BUILTINS];
	size_t nbuiltins;
	struct measured *measured;
	sprout_error err; /* the first failure: what the caller is told */
	int nomem;	  /* an allocation failed: the run stops at the next check */
	const char *path; /* the recipe */
	char recipe_hash[SPROUT_HASH_HEX];
	const char *dir; /* its folder, "" for the current one */
	sprout_arena *a;
	char *text;
	size_t len;
	sprout_json *root;
	sprout_yaml *marks;
	const char *name;
	const char *seed;   /* digits, or NULL */
	const char *format; /* --format for the stages that read the inputs' shape */
	struct input *inputs;
	size_t ninputs;
	const char *out;
	const sprout_json *out_node;
	int llm;					   /* the llm section is on */
	int llm_flag;					   /* --llm 1, --offline -1 */
	const char *url_flag, *model_flag;		   /* --url, --model */
	const char *llm_url, *llm_model, *llm_embed_model; /* llm_url: the first of llm_urls */
	const char *const *llm_urls; /* the llm section's servers (url: one or a list) */
	size_t nllm_urls;
	int llm_batch;		     /* llm batch: true: generate stages send batches */
	const char *llm_batch_wait;  /* their --batch-wait */
	const char *llm_pace[NPACE]; /* rpm, tpm, max-cost as the recipe wrote them */
	const char *llm_prices;	     /* relative to the working directory */
	const sprout_json *llm_prices_node;
	struct stage *stages;
	size_t nstages;
	/* the inputs of the augment and generate stages so far: where the
	 * variants' parents are, for the filter stages after them */
	char **parents;
	size_t nparents, parents_cap;
	int restart, quiet;
	char **skipped; /* notes for when the run starts: judges left out */
	size_t nskipped, skipped_cap;
	int allow_outside;
	int out_given; /* -d: the user's choice, not the recipe's */
	/* where the recipe may name files, resolved (absolute, no links) */
	const char *recipe_root, *cwd_root, *run_root;
	sprout_state *state;
	int lock_fd;
	/* a sharded run (docs/scale.md): 1 a shard, 2 the merge; the first
	 * nprefix stages run in the shards, the last of them a filter whose
	 * checks across records run in the merge when split_filter; a shard's
	 * input records (--records) and the folder above the shards */
	int shard_mode;
	size_t nprefix;
	int split_filter;
	const char *shard_range, *top;
	const char *manifest_name; /* NULL: manifest.json */
	char **filter_rejects;	   /* the shards' rejects of the split filter */
	size_t nfilter_rejects;
	char **filter_keys; /* its keys files (--keys-out in the shards), NULL: none */
	size_t nfilter_keys;
	unsigned long long filter_in;
	unsigned long long shard_records; /* of the inputs, as the range counts */
	char started[32];
	struct timespec t0;
};

/* ---- shared by the engine's files ---- */

double run_since(const struct timespec *t0);
char *run_fmt(struct sprout_run *r, const char *f, ...) __attribute__((format(printf, 2, 3)));
const char *run_join(struct sprout_run *r, const char *dir, const char *name);
void run_push(struct sprout_run *r, char ***v, size_t *n, size_t *cap, const char *s);
sprout_code run_code_for(int status);
void run_note(struct sprout_run *r, const char *f, ...) __attribute__((format(printf, 2, 3)));
void run_say(struct sprout_run *r, const char *f, ...) __attribute__((format(printf, 2, 3)));
int run_fail(struct sprout_run *r, int code, const char *f, ...)
    __attribute__((format(printf, 3, 4)));
int run_fail_at(struct sprout_run *r, const sprout_error *e, int code);
int run_option_text(struct sprout_run *r, const sprout_json *v, const char *what, const char **out);
int run_given(const struct stage *st, const char *name);
int run_judges(const struct stage *st);
int run_judge_arg(const char *arg);
const sprout_option_def *run_find_option(const struct stage *st, const char *name);
int run_write_manifest(struct sprout_run *r, const char *status, size_t upto);
sprout_json *run_read_json(sprout_arena *a, const char *path);
void run_stage_line(struct sprout_run *r, const struct stage *st);
/* What the manifest m says of shards: a shard's index, the merge's shards;
 * stages (the manifest's list) marks the stages done in shards. */
void run_manifest_shards(struct sprout_run *r, sprout_arena *a, sprout_json *m,
			 sprout_json *stages);
const char *run_stage_text(const struct stage *st, const char *name, const char *def);
void run_utc_now(char out[32]);
void run_build_argv(struct sprout_run *r, struct stage *st, char *const *cur, size_t ncur,
		    const char *cur_format, int after_split, char **rejects_files, size_t nrejects,
		    const char **single, const char **dir);
int run_stage_key(struct sprout_run *r, struct stage *st, char *const *cur, size_t ncur,
		  char key[SPROUT_HASH_HEX]);
int run_finished_before(struct sprout_run *r, struct stage *st, const char *key);
int run_hash_file(struct sprout_run *r, const char *path, char hex[SPROUT_HASH_HEX],
		  unsigned long long *bytes);
int run_count_records(struct sprout_run *r, const char *path, unsigned long long *n);
int run_read_recipe(struct sprout_run *r);
int run_load_top(struct sprout_run *r, const sprout_json **stages);
int run_confine_top(struct sprout_run *r);
int run_load_stages(struct sprout_run *r, const sprout_json *list);
int run_execute(struct sprout_run *r);

/* What the stages done so far give the next one: its inputs and their
 * record count and format, the rejects files so far, after a split. */
struct flow {
	char **cur;
	size_t ncur;
	unsigned long long cur_records;
	char **rejects;
	size_t nrejects;
	const char *cur_format;
	int after_split;
};
int run_stages(struct sprout_run *r, struct flow *fl, size_t from, size_t to);
void run_flow_past(struct sprout_run *r, struct flow *fl, struct stage *st);
/* An augment or generate stage reads cur[0..ncur): where the variants'
 * parents are, for the filters after it (r->parents). */
void run_keep_parents(struct sprout_run *r, const struct stage *st, char *const *cur, size_t ncur);

/* ---- sharded runs (run_shard.c) ---- */

/* Which stages run in the shards (r->nprefix, r->split_filter), the
 * shard's folder and input records: -1, or an exit status with why. */
int run_shard_plan(struct sprout_run *r);
int run_shard_setup(struct sprout_run *r);
/* A shard finished before with this recipe and inputs: 1 (told). */
int run_shard_done_before(struct sprout_run *r);
/* The shard's done marker: RS_OK, or an exit status. */
int run_shard_finish(struct sprout_run *r);
/* The merge: every shard done, the stages of the shards taken from their
 * markers, the records of the last one joined; *from the first stage the
 * merge runs. */
int run_merge_shards(struct sprout_run *r, struct flow *fl, size_t *from);
/* The merge's filter wrote its rejects: the shards' go in front. */
int run_merge_filter_rejects(struct sprout_run *r, struct stage *st);
/* Is st the filter whose own checks run in the shards (--part each) and
 * whose checks across records run in the merge (--part across)? */
int run_split_filter(const struct sprout_run *r, const struct stage *st);
/* The arguments a stage gets in a shard or the merge, pushed to argv. */
void run_shard_args(struct sprout_run *r, struct stage *st, char ***argv, size_t *argc,
		    size_t *cap);
int run_dry_run(struct sprout_run *r);

/* The exit status a sprout_code stands for (the sprout program's). */
int run_status_for(sprout_code code);

/* A line for a person that must be seen (a stage's warning about the data,
 * its error), "sprout: " put in front. */
void run_tell(sprout_run *r, const char *line);

/* The run's options (the callbacks for the stages it runs itself). */
const sprout_run_options *run_options(const sprout_run *r);

/* A file a stage of the run wrote, measured while written: the run reads
 * it no more to learn its hash and records. */
void run_written(sprout_run *r, const char *path, const sprout_written *w);

/* The library's command for stage d: its options (the stage's own and the
 * shared ones it takes, ending with a NULL name; NULL on OOM), a check of
 * a command line (an exit status, *err says why) and a run of it. */
const sprout_option_def *run_builtin_options(const sprout_stage_def *d);
int run_builtin_check(const sprout_stage_def *d, int argc, char **argv, sprout_error *err);
int run_builtin_run(sprout_run *r, const sprout_stage_def *d, int argc, char **argv,
		    sprout_error *err);
/* Its plan, for a stage with a dry run (filter): what the run would do. */
int run_builtin_plan(sprout_run *r, const sprout_stage_def *d, int argc, char **argv,
		     sprout_buf *out);

#endif
