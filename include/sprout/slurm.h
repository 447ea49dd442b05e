/* sprout/slurm.h - a recipe's shards as a Slurm job array and a merge job
 * (sprout slurm submit and status, docs/scale.md).
 *
 * The array's task t runs shards t*K .. min(N, (t+1)*K) - 1, one after
 * the other, with `sprout run --shard I/N`; the merge job, submitted with
 * --dependency=afterok on the array, runs `sprout merge --shards N`. This
 * module writes the two sbatch scripts, packs the shards into tasks within
 * the cluster's MaxArraySize, keeps the submitted job ids (OUT/slurm/
 * jobs.json), reads back what Slurm's commands answer (sbatch --parsable,
 * scontrol show config, squeue) and says where the shards stand. It runs
 * no command itself: the program runs sbatch, scontrol and squeue and
 * gives their output.
 */
#ifndef SPROUT_SLURM_H
#define SPROUT_SLURM_H

#include <stddef.h>

#include "sprout/buf.h"
#include "sprout/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Slurm's default MaxArraySize: array indices 0 .. 1000. */
#define SPROUT_SLURM_MAX_ARRAY 1001UL
/* Most shards a run may have. */
#define SPROUT_SLURM_MAX_SHARDS 1000000UL

/* Shards per array task and the number of tasks. per_task > 0 is taken as
 * given; 0 chooses the fewest shards a task that keep the array within
 * max_array - 1 tasks (max_array 0: SPROUT_SLURM_MAX_ARRAY). *k gets the
 * shards a task, *tasks ceil(shards / *k). SPROUT_ERR_USAGE when shards is
 * 0 or over SPROUT_SLURM_MAX_SHARDS, max_array is 1, or a given per_task
 * makes more tasks than the cluster takes (the message says the least
 * that fits). */
sprout_code sprout_slurm_pack(unsigned long shards, unsigned long per_task, unsigned long max_array,
			      unsigned long *k, unsigned long *tasks, sprout_error *err);

/* What the scripts run. Paths are used as given (the program makes them
 * absolute: the job runs elsewhere); each is quoted for the shell. */
typedef struct sprout_slurm_spec {
	const char *name;	/* job name, e.g. "sprout-support" (merge: + "-merge") */
	const char *sprout;	/* the sprout binary */
	const char *recipe;	/* the recipe */
	const char *out_dir;	/* the run folder; logs go to out_dir/slurm */
	unsigned long shards;	/* N */
	unsigned long per_task; /* K, from sprout_slurm_pack */
	const char *array;	/* the array's indices ("0-3", "1,3"; sprout_slurm_ranges) */
	const char *partition;	/* NULL: the cluster's default */
	const char *time;	/* a time limit for each job, NULL: the partition's */
} sprout_slurm_spec;

/* Append the array job's script (bash, `set -eu` so that a failing shard
 * fails its task and the merge is cancelled) / the merge job's script to
 * out. SPROUT_ERR_USAGE for a spec that is missing a part, holds a
 * newline, or whose per_task, shards or array are 0 or empty;
 * SPROUT_ERR_TOO_LONG when out is full. */
sprout_code sprout_slurm_array_script(const sprout_slurm_spec *s, sprout_buf *out,
				      sprout_error *err);
sprout_code sprout_slurm_merge_script(const sprout_slurm_spec *s, sprout_buf *out,
				      sprout_error *err);

/* The indices i < n with todo[i] set, as Slurm writes an array: ranges
 * joined by commas ("0-3", "1,3-5"); nothing appended when none is set.
 * SPROUT_ERR_TOO_LONG when out is full. */
sprout_code sprout_slurm_ranges(const unsigned char *todo, unsigned long n, sprout_buf *out);

/* ---- what Slurm's commands answer --------------------------------------- */

/* MaxArraySize from `scontrol show config`'s text ("MaxArraySize = 1001"),
 * or 0 when it holds none (or not a number from 1 up). */
unsigned long sprout_slurm_config_max_array(const char *text, size_t len);

/* The job id in `sbatch --parsable`'s answer ("12" or "12;cluster", a
 * newline after). SPROUT_ERR_FORMAT "sbatch answered 'TEXT', not a job id"
 * otherwise. */
sprout_code sprout_slurm_job_id(const char *text, size_t len, unsigned long *id, sprout_error *err);

/* The format to give squeue (-h -r --states=all -o) for
 * sprout_slurm_squeue_parse. */
#define SPROUT_SLURM_SQUEUE_FORMAT "%F|%K|%T|%N|%r"

/* One job, or one task of an array, as squeue tells it. */
typedef struct sprout_slurm_row {
	unsigned long job; /* the array job's id (%F), or the job's */
	long task;	   /* index in the array (%K), -1 for a job that is no array */
	char state[24];	   /* PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, ... */
	char node[64];	   /* where it runs or ran, "" when nowhere yet */
	char reason[64];   /* why it waits (Dependency, Resources), "None" */
} sprout_slurm_row;

/* squeue's lines in SPROUT_SLURM_SQUEUE_FORMAT into *rows (free() it) and
 * *n. Blank lines are skipped; a line that is not of the format gives
 * SPROUT_ERR_FORMAT with its line number ("squeue's line 3 ..."). Longer
 * fields are cut to their member's size. */
sprout_code sprout_slurm_squeue_parse(const char *text, size_t len, sprout_slurm_row **rows,
				      size_t *n, sprout_error *err);

/* ---- the jobs submitted (OUT/slurm/jobs.json) ------------------------- */

typedef struct sprout_slurm_jobs {
	unsigned long shards, per_task;
	unsigned long array_job; /* 0: none (every shard was done) */
	unsigned long merge_job; /* 0: none */
	char array[4096];	 /* the indices submitted ("0-3"), cut when longer */
} sprout_slurm_jobs;

/* Write j to path as JSON, atomically; read it back. Reading gives
 * SPROUT_ERR_IO when the file cannot be read (errno ENOENT kept for the
 * caller), SPROUT_ERR_JSON at its line and column, SPROUT_ERR_FORMAT for a
 * member missing or of the wrong type (with the file's name). */
sprout_code sprout_slurm_jobs_write(const char *path, const sprout_slurm_jobs *j,
				    sprout_error *err);
sprout_code sprout_slurm_jobs_read(const char *path, sprout_slurm_jobs *j, sprout_error *err);

/* 1 when run_dir/manifest.json is that of a complete merge of these
 * shards (sprout merge: "status" "complete", "shards" naming each shard
 * folder); 0 otherwise: none, a run without shards, a merge that is
 * running or failed, or of another number of shards. */
int sprout_slurm_merged(const char *run_dir, unsigned long shards);

/* ---- where the shards stand ------------------------------------------- */

typedef struct sprout_slurm_view {
	unsigned long shards, per_task;
	const unsigned char *done;     /* done[i]: shard i's done marker is there */
	const sprout_slurm_jobs *jobs; /* NULL: nothing submitted from this folder */
	const sprout_slurm_row *rows;  /* squeue's rows (any jobs: those of jobs are used) */
	size_t nrows;
	int queue_known; /* 0: squeue could not be asked (rows unused) */
	int merged;	 /* sprout_slurm_merged */
} sprout_slurm_view;

/* Lines for a person, appended to out: the jobs, "3 of 4 shards done, 1
 * running (job 12_3 on n2)", those waiting, failed or not queued, and the
 * merge (pending, running, complete, failed, cancelled). SPROUT_ERR_TOO_LONG
 * when out is full. */
sprout_code sprout_slurm_status(const sprout_slurm_view *v, sprout_buf *out);

#ifdef __cplusplus
}
#endif
#endif
