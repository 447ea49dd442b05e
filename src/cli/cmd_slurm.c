/* sprout slurm submit|status: a recipe's shards as a Slurm job array and
 * a merge job after it (the scripts and what Slurm answers are read and
 * written by the library, sprout/slurm.h; here sbatch, scontrol and
 * squeue are run, with posix_spawnp and pipes). docs/scale.md. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "sprout/run.h"
#include "sprout/slurm.h"

extern char **environ;

enum {
	OPT_SHARDS = OPT_COMMAND_BASE,
	OPT_TASKS_PER_JOB,
	OPT_PARTITION,
	OPT_TIME,
	OPT_DRY_RUN,
	OPT_OUT_DIR,
	OPT_SPROUT
};

static const struct cli_option submit_options[] = {
    {"shards", 0, "N", OPT_SHARDS, "split the recipe's inputs into N shards (required)"},
    {"tasks-per-job", 0, "K", OPT_TASKS_PER_JOB,
     "shards run one after the other by each array task (default: 1, or the fewest that "
     "keep the array within the cluster's MaxArraySize)"},
    {"partition", 0, "P", OPT_PARTITION, "the Slurm partition (default: the cluster's)"},
    {"time", 0, "T", OPT_TIME, "time limit of each job, as sbatch --time takes it"},
    {"dry-run", 'n', NULL, OPT_DRY_RUN,
     "print the scripts and the sbatch commands; submit nothing"},
    {"out-dir", 'd', "DIR", OPT_OUT_DIR, "run folder (default: the recipe's out, or out/NAME)"},
    {"sprout", 0, "PATH", OPT_SPROUT,
     "the sprout binary the jobs run (default: this one); the nodes must see it at that path"},
    {NULL, 0, NULL, 0, NULL},
};

static const struct cli_option status_options[] = {
    {"shards", 0, "N", OPT_SHARDS, "the shards submitted (default: as slurm/jobs.json says)"},
    {"out-dir", 'd', "DIR", OPT_OUT_DIR, "run folder (default: the recipe's out, or out/NAME)"},
    {NULL, 0, NULL, 0, NULL},
};

struct opts {
	unsigned long long shards, per_task;
	const char *partition, *time, *out_dir, *sprout;
	int dry;
};

static int on_option(int id, const char *arg, void *ctx)
{
	struct opts *o = ctx;
	switch (id) {
	case OPT_SHARDS: return cli_whole_in("shards", arg, 1, SPROUT_SLURM_MAX_SHARDS, &o->shards);
	case OPT_TASKS_PER_JOB:
		return cli_whole_in("tasks-per-job", arg, 1, SPROUT_SLURM_MAX_SHARDS, &o->per_task);
	case OPT_PARTITION: o->partition = arg; return -1;
	case OPT_TIME: o->time = arg; return -1;
	case OPT_DRY_RUN: o->dry = 1; return -1;
	case OPT_OUT_DIR: o->out_dir = arg; return -1;
	case OPT_SPROUT: o->sprout = arg; return -1;
	}
	return -1;
}

/* ---- running Slurm's commands ---------------------------------------------- */

/* Seconds Slurm's commands may take: scontrol only tells the array's
 * limit (Slurm's default when it cannot), sbatch and squeue talk to the
 * controller, which may be busy. */
#define CONFIG_LIMIT 20
#define CLIENT_LIMIT 300

/* Run argv (found on PATH) with its stdout into out and stderr into errb
 * (each cut at its buffer's maximum), killed after limit seconds (a
 * client that cannot reach its controller may retry for long). 0 with
 * *status (an exit code, 128 + a signal, or -2 when it was killed at the
 * limit), or -1 with errno when it could not be started. */
static int capture(char *const argv[], int limit, sprout_buf *out, sprout_buf *errb, int *status)
{
	int po[2] = {-1, -1}, pe[2] = {-1, -1};
	if (pipe(po) || pipe(pe)) {
		int e = errno;
		for (int i = 0; i < 2; i++) {
			if (po[i] >= 0)
				close(po[i]);
			if (pe[i] >= 0)
				close(pe[i]);
		}
		errno = e;
		return -1;
	}
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int rc = posix_spawn_file_actions_init(&fa);
	if (!rc)
		rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0) ||
			     posix_spawn_file_actions_adddup2(&fa, po[1], 1) ||
			     posix_spawn_file_actions_adddup2(&fa, pe[1], 2) ||
			     posix_spawn_file_actions_addclose(&fa, po[0]) ||
			     posix_spawn_file_actions_addclose(&fa, pe[0])
			 ? ENOMEM
			 : posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(po[1]);
	close(pe[1]);
	if (rc) {
		close(po[0]);
		close(pe[0]);
		errno = rc;
		return -1;
	}
	struct pollfd fds[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
	sprout_buf *to[2] = {out, errb};
	int open_fds = 2, killed = 0;
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (open_fds) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		long left = (long)limit * 1000 - ((long)(t.tv_sec - t0.tv_sec) * 1000 +
						  (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0) {
			kill(pid, SIGKILL);
			killed = 1;
			break;
		}
		int ready = poll(fds, 2, (int)left);
		if (ready < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			if (fds[i].fd < 0 || !fds[i].revents)
				continue;
			char chunk[4096];
			ssize_t n = read(fds[i].fd, chunk, sizeof chunk);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				close(fds[i].fd);
				fds[i].fd = -1;
				open_fds--;
				continue;
			}
			size_t room = to[i]->max - to[i]->len;
			sprout_buf_add(to[i], chunk, (size_t)n < room ? (size_t)n : room);
		}
	}
	for (int i = 0; i < 2; i++)
		if (fds[i].fd >= 0)
			close(fds[i].fd);
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			*status = 127;
			return 0;
		}
	*status = killed ? -2 : WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return 0;
}

/* Its stderr as one line for a message: trimmed, lines joined by "; " */
static const char *one_line(sprout_buf *b)
{
	if (!b->data)
		return "";
	while (b->len && (b->data[b->len - 1] == '\n' || b->data[b->len - 1] == ' '))
		b->data[--b->len] = '\0';
	for (size_t i = 0; i < b->len; i++)
		if (b->data[i] == '\n')
			b->data[i] = ' ';
	return b->data;
}

/* Run a Slurm command for at most limit seconds: -1 with out filled when
 * it exits 0, else EXIT_IO after saying why (not found, no answer in
 * time, or its exit and stderr) unless quiet_fail. */
static int slurm_cmd(char *const argv[], int limit, sprout_buf *out, int quiet_fail)
{
	sprout_buf errb = SPROUT_BUF_INIT(16384);
	int status = 0;
	int rc = -1;
	if (capture(argv, limit, out, &errb, &status)) {
		if (!quiet_fail)
			cli_error(errno == ENOENT
				      ? "%s not found on PATH (sprout slurm runs Slurm's "
					"commands: is this a Slurm login node?)"
				      : "cannot run %s: %s",
				  argv[0], strerror(errno));
		rc = EXIT_IO;
	} else if (status == -2) {
		if (!quiet_fail)
			cli_error("%s did not answer in %d seconds: %s", argv[0], limit,
				  one_line(&errb));
		rc = EXIT_IO;
	} else if (status) {
		if (!quiet_fail)
			cli_error("%s failed (exit %d): %s", argv[0], status, one_line(&errb));
		rc = EXIT_IO;
	}
	sprout_buf_release(&errb);
	return rc;
}

/* ---- the run folder -------------------------------------------------------- */

/* path made absolute (from the working directory) into dst: 0, or -1
 * after saying it does not fit. */
static int absolute(const char *path, char *dst, size_t cap)
{
	char cwd[PATH_MAX];
	int n;
	if (path[0] == '/')
		n = snprintf(dst, cap, "%s", path);
	else if (!getcwd(cwd, sizeof cwd)) {
		cli_error("cannot tell the working directory: %s", strerror(errno));
		return -1;
	} else
		n = snprintf(dst, cap, "%s/%s", cwd, !strcmp(path, ".") ? "" : path);
	if (n < 0 || (size_t)n >= cap) {
		cli_error("'%s': the path is too long", path);
		return -1;
	}
	size_t len = strlen(dst);
	while (len > 1 && dst[len - 1] == '/')
		dst[--len] = '\0';
	return 0;
}

/* The recipe checked, its path and run folder made absolute. -1, or
 * the exit code after the error. */
static int open_recipe(const char *path, const char *out_dir, char *recipe, char *folder)
{
	char *real = realpath(path, NULL);
	if (!real) {
		cli_error("%s: %s", path, strerror(errno));
		return EXIT_IO;
	}
	int n = snprintf(recipe, PATH_MAX, "%s", real);
	free(real);
	if (n >= PATH_MAX)
		return EXIT_IO;
	sprout_run_options ro = SPROUT_RUN_OPTIONS_INIT;
	ro.out_dir = out_dir;
	ro.quiet = 1;
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_run *r = sprout_run_open(path, &ro, &err);
	if (!r) {
		if (err.msg[0])
			cli_error_at(&err);
		return cli_exit_for(err.code);
	}
	int rc = absolute(sprout_run_folder(r), folder, PATH_MAX) ? EXIT_USAGE : -1;
	sprout_run_free(r);
	return rc;
}

/* done[i] for each shard whose done marker is in the run folder; the
 * count of them. */
static unsigned long done_markers(const char *folder, unsigned long n, unsigned char *done)
{
	unsigned long count = 0;
	char p[PATH_MAX + 64];
	for (unsigned long i = 0; i < n; i++) {
		snprintf(p, sizeof p, "%s/shard-%lu-of-%lu/done.json", folder, i, n);
		done[i] = access(p, F_OK) == 0;
		count += done[i];
	}
	return count;
}

/* The jobs of an earlier submission still queued: 1 (after saying so),
 * 0 when none are (or the queue cannot be read). */
static int still_queued(const char *folder)
{
	char path[PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/slurm/jobs.json", folder);
	sprout_slurm_jobs j;
	if (sprout_slurm_jobs_read(path, &j, NULL))
		return 0;
	char ids[64];
	snprintf(ids, sizeof ids, "%lu,%lu", j.array_job ? j.array_job : j.merge_job,
		 j.merge_job ? j.merge_job : j.array_job);
	char *argv[] = {"squeue", "-h", "-r", "-o", SPROUT_SLURM_SQUEUE_FORMAT, "-j", ids, NULL};
	sprout_buf out = SPROUT_BUF_INIT(1 << 26);
	sprout_slurm_row *rows = NULL;
	size_t n = 0;
	int queued = 0;
	if ((j.array_job || j.merge_job) && slurm_cmd(argv, CLIENT_LIMIT, &out, 1) < 0 &&
	    !sprout_slurm_squeue_parse(out.data ? out.data : "", out.len, &rows, &n, NULL))
		for (size_t i = 0; i < n && !queued; i++)
			queued = !strcmp(rows[i].state, "PENDING") ||
				 !strcmp(rows[i].state, "RUNNING") ||
				 !strcmp(rows[i].state, "CONFIGURING") ||
				 !strcmp(rows[i].state, "COMPLETING") ||
				 !strcmp(rows[i].state, "SUSPENDED");
	if (queued)
		cli_error("jobs %s of an earlier submission are still in the queue (sprout slurm "
			  "status); wait for them or scancel them, then submit again",
			  ids);
	free(rows);
	sprout_buf_release(&out);
	return queued;
}

/* ---- submit ---------------------------------------------------------------- */

/* The cluster's MaxArraySize from scontrol, or Slurm's default; *from
 * says which. */
static unsigned long max_array_size(const char **from)
{
	char *argv[] = {"scontrol", "show", "config", NULL};
	sprout_buf out = SPROUT_BUF_INIT(1 << 22);
	unsigned long m = 0;
	if (slurm_cmd(argv, CONFIG_LIMIT, &out, 1) < 0)
		m = sprout_slurm_config_max_array(out.data ? out.data : "", out.len);
	sprout_buf_release(&out);
	*from = m ? "from scontrol show config"
		  : "Slurm's default: scontrol show config did not "
		    "tell";
	return m ? m : SPROUT_SLURM_MAX_ARRAY;
}

/* sbatch --parsable [extra...] script: -1 with *id, or an exit code after
 * the error. */
static int sbatch(const char *extra1, const char *extra2, const char *script, unsigned long *id)
{
	char *argv[6];
	int n = 0;
	argv[n++] = "sbatch";
	argv[n++] = "--parsable";
	if (extra1)
		argv[n++] = (char *)extra1;
	if (extra2)
		argv[n++] = (char *)extra2;
	argv[n++] = (char *)script;
	argv[n] = NULL;
	sprout_buf out = SPROUT_BUF_INIT(4096);
	int rc = slurm_cmd(argv, CLIENT_LIMIT, &out, 0);
	sprout_error err = SPROUT_ERROR_INIT;
	if (rc < 0 && sprout_slurm_job_id(out.data ? out.data : "", out.len, id, &err)) {
		cli_error("%s", err.msg);
		rc = EXIT_IO;
	}
	sprout_buf_release(&out);
	return rc;
}

static int write_file(const char *path, const sprout_buf *b)
{
	sprout_error err = SPROUT_ERROR_INIT;
	if (sprout_write_text_file(path, b->data, b->len, &err)) {
		cli_error_at(&err);
		return EXIT_IO;
	}
	return -1;
}

/* The job name: sprout- and the recipe's file name without .yaml/.yml */
static void job_name(const char *recipe, char *name, size_t cap)
{
	const char *base = strrchr(recipe, '/');
	base = base ? base + 1 : recipe;
	size_t n = strcspn(base, ".");
	if (!strcmp(base, "recipe.yaml") || !strcmp(base, "recipe.yml")) {
		/* examples/support/recipe.yaml: the folder's name says more */
		const char *end = base > recipe ? base - 1 : base;
		const char *start = end;
		while (start > recipe && start[-1] != '/')
			start--;
		if (end > start) {
			base = start;
			n = (size_t)(end - start);
		}
	}
	snprintf(name, cap, "sprout-%.*s", (int)(n > 64 ? 64 : n), base);
	for (char *p = name; *p; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
		    !(*p >= '0' && *p <= '9') && *p != '-' && *p != '_' && *p != '.')
			*p = '_';
}

static int slurm_submit(int argc, char **argv)
{
	struct opts o = {0};
	struct cli_common c;
	int rc = cli_parse(
	    argc, argv, "slurm submit --shards N [options] RECIPE",
	    "Run a recipe on a Slurm cluster: an array job whose tasks each run shards\n"
	    "of it (sprout run --shard I/N), and a merge job (sprout merge --shards N)\n"
	    "that starts when every task has succeeded and is cancelled when one fails.\n"
	    "The scripts go to RUN_FOLDER/slurm/ with the jobs' logs, the job ids to\n"
	    "RUN_FOLDER/slurm/jobs.json (for sprout slurm status). Submitted again, only\n"
	    "the tasks with shards not done run. The run folder, the recipe and the\n"
	    "sprout binary must be at the same paths on the nodes (a shared file system).\n"
	    "See docs/scale.md.",
	    submit_options, CLI_NO_OUTPUT, &c, on_option, &o);
	if (rc >= 0)
		return rc;
	if (c.ninputs != 1) {
		cli_error("expected one recipe file (see 'sprout slurm submit --help')");
		return EXIT_USAGE;
	}
	if (!o.shards) {
		cli_error("--shards N is required: how many shards to split the recipe into");
		return EXIT_USAGE;
	}
	char recipe[PATH_MAX], folder[PATH_MAX], binary[PATH_MAX];
	if ((rc = open_recipe(c.inputs[0], o.out_dir, recipe, folder)) >= 0)
		return rc;
	if (o.sprout) {
		char *real = realpath(o.sprout, NULL);
		if (!real || access(real, X_OK)) {
			cli_error("--sprout: '%s': %s", o.sprout,
				  real ? "not executable" : strerror(errno));
			free(real);
			return EXIT_USAGE;
		}
		snprintf(binary, sizeof binary, "%s", real);
		free(real);
	} else {
		ssize_t n = readlink("/proc/self/exe", binary, sizeof binary - 1);
		if (n <= 0) {
			cli_error(
			    "cannot tell where this sprout is (/proc/self/exe): give --sprout "
			    "PATH");
			return EXIT_USAGE;
		}
		binary[n] = '\0';
	}

	const char *from;
	unsigned long max_array = max_array_size(&from);
	unsigned long shards = (unsigned long)o.shards, k, tasks;
	sprout_error err = SPROUT_ERROR_INIT;
	if (sprout_slurm_pack(shards, (unsigned long)o.per_task, max_array, &k, &tasks, &err)) {
		cli_error("%s", err.msg);
		return EXIT_USAGE;
	}
	unsigned char *done = calloc(shards, 1), *todo = calloc(tasks, 1);
	sprout_buf spec = SPROUT_BUF_INIT(1 << 22), arr = SPROUT_BUF_INIT(1 << 23),
		   merge = SPROUT_BUF_INIT(1 << 16);
	if (!done || !todo) {
		cli_error("out of memory");
		rc = EXIT_INTERNAL;
		goto cleanup;
	}
	unsigned long ndone = done_markers(folder, shards, done);
	unsigned long ntodo = 0;
	for (unsigned long i = 0; i < shards; i++)
		if (!done[i] && !todo[i / k]) {
			todo[i / k] = 1;
			ntodo++;
		}
	if (sprout_slurm_ranges(todo, tasks, &spec)) {
		cli_error("the array's indices are too long");
		rc = EXIT_INTERNAL;
		goto cleanup;
	}
	char name[96];
	job_name(recipe, name, sizeof name);
	sprout_slurm_spec s = {
	    name, binary, recipe, folder, shards, k, ntodo ? spec.data : "0", o.partition, o.time};
	if (sprout_slurm_array_script(&s, &arr, &err) ||
	    sprout_slurm_merge_script(&s, &merge, &err)) {
		cli_error("%s", err.msg);
		rc = cli_exit_for(err.code);
		goto cleanup;
	}
	cli_note(&c, "%lu shard%s, %lu a task: %lu array task%s (MaxArraySize %lu, %s)", shards,
		 shards == 1 ? "" : "s", k, tasks, tasks == 1 ? "" : "s", max_array, from);
	if (ndone)
		cli_note(&c, "%lu of the %lu shards are done: %s", ndone, shards,
			 ntodo ? "their tasks are left out" : "only the merge is submitted");
	char arr_path[PATH_MAX + 32], merge_path[PATH_MAX + 32], jobs_path[PATH_MAX + 32],
	    dir[PATH_MAX + 16];
	snprintf(dir, sizeof dir, "%s/slurm", folder);
	snprintf(arr_path, sizeof arr_path, "%s/shards.sbatch", dir);
	snprintf(merge_path, sizeof merge_path, "%s/merge.sbatch", dir);
	snprintf(jobs_path, sizeof jobs_path, "%s/jobs.json", dir);
	if (o.dry) {
		if (ntodo)
			printf("# %s\n%s\n", arr_path, arr.data);
		printf("# %s\n%s\n# submitted with\n", merge_path, merge.data);
		if (ntodo)
			printf("sbatch --parsable %s\nsbatch --parsable "
			       "--dependency=afterok:ARRAY_JOB "
			       "--kill-on-invalid-dep=yes %s\n",
			       arr_path, merge_path);
		else
			printf("sbatch --parsable %s\n", merge_path);
		rc = EXIT_OK;
		goto cleanup;
	}
	if (still_queued(folder)) {
		rc = EXIT_USAGE;
		goto cleanup;
	}
	if (sprout_make_dirs(dir)) {
		cli_error("%s: %s", dir, strerror(errno));
		rc = EXIT_IO;
		goto cleanup;
	}
	if ((ntodo && (rc = write_file(arr_path, &arr)) >= 0) ||
	    (rc = write_file(merge_path, &merge)) >= 0)
		goto cleanup;
	sprout_slurm_jobs j = {shards, k, 0, 0, ""};
	snprintf(j.array, sizeof j.array, "%s", ntodo ? spec.data : "");
	char dep[64];
	if (ntodo && (rc = sbatch(NULL, NULL, arr_path, &j.array_job)) >= 0)
		goto cleanup;
	snprintf(dep, sizeof dep, "--dependency=afterok:%lu", j.array_job);
	rc = sbatch(ntodo ? dep : NULL, ntodo ? "--kill-on-invalid-dep=yes" : NULL, merge_path,
		    &j.merge_job);
	if (rc >= 0 && j.array_job)
		cli_error("the array job %lu runs without its merge: when it has ended, sprout "
			  "slurm submit again submits the merge",
			  j.array_job);
	if (sprout_slurm_jobs_write(jobs_path, &j, &err)) {
		cli_error_at(&err);
		rc = rc >= 0 ? rc : EXIT_IO;
	}
	if (j.array_job)
		printf("array job %lu: tasks %s (%lu shard%s a task, of %lu)\n", j.array_job,
		       j.array, k, k == 1 ? "" : "s", shards);
	if (j.merge_job)
		printf("merge job %lu: %s\n", j.merge_job,
		       j.array_job ? "after the array job" : "now");
	rc = rc >= 0 ? rc : EXIT_OK;
cleanup:
	free(done);
	free(todo);
	sprout_buf_release(&spec);
	sprout_buf_release(&arr);
	sprout_buf_release(&merge);
	return rc;
}

/* ---- status ---------------------------------------------------------------- */

static int slurm_status(int argc, char **argv)
{
	struct opts o = {0};
	struct cli_common c;
	int rc =
	    cli_parse(argc, argv, "slurm status [options] RECIPE",
		      "Where a run submitted by sprout slurm submit stands: the shards done,\n"
		      "running, pending and failed (from squeue and the shards' done markers)\n"
		      "and the merge. See docs/scale.md.",
		      status_options, CLI_NO_OUTPUT, &c, on_option, &o);
	if (rc >= 0)
		return rc;
	if (c.ninputs != 1) {
		cli_error("expected one recipe file (see 'sprout slurm status --help')");
		return EXIT_USAGE;
	}
	char recipe[PATH_MAX], folder[PATH_MAX];
	if ((rc = open_recipe(c.inputs[0], o.out_dir, recipe, folder)) >= 0)
		return rc;
	char path[PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/slurm/jobs.json", folder);
	sprout_slurm_jobs j;
	sprout_error err = SPROUT_ERROR_INIT;
	int have = 1;
	if (sprout_slurm_jobs_read(path, &j, &err)) {
		if (err.code != SPROUT_ERR_IO || errno != ENOENT) {
			cli_error_at(&err);
			return cli_exit_for(err.code);
		}
		have = 0;
	}
	if (have && o.shards && o.shards != j.shards) {
		cli_error("%s: the jobs there run %lu shards, not %llu", path, j.shards, o.shards);
		return EXIT_USAGE;
	}
	unsigned long shards = have ? j.shards : (unsigned long)o.shards;
	if (!shards) {
		cli_error("no jobs were submitted from %s (no slurm/jobs.json): give --shards N",
			  folder);
		return EXIT_USAGE;
	}
	unsigned char *done = calloc(shards, 1);
	sprout_buf out = SPROUT_BUF_INIT(1 << 26), text = SPROUT_BUF_INIT(1 << 20);
	sprout_slurm_row *rows = NULL;
	size_t nrows = 0;
	if (!done) {
		cli_error("out of memory");
		return EXIT_INTERNAL;
	}
	done_markers(folder, shards, done);
	int queue_known = 0;
	if (have && (j.array_job || j.merge_job)) {
		char ids[64];
		snprintf(ids, sizeof ids, "%lu,%lu", j.array_job ? j.array_job : j.merge_job,
			 j.merge_job ? j.merge_job : j.array_job);
		char *sq[] = {"squeue",	      "-h", "-r",
			      "--states=all", "-o", SPROUT_SLURM_SQUEUE_FORMAT,
			      "-j",	      ids,  NULL};
		if (slurm_cmd(sq, CLIENT_LIMIT, &out, 0) < 0) {
			if (sprout_slurm_squeue_parse(out.data ? out.data : "", out.len, &rows,
						      &nrows, &err))
				cli_error("%s", err.msg);
			else
				queue_known = 1;
		}
	}
	sprout_slurm_view v = {shards,	    have ? j.per_task : 1,
			       done,	    have ? &j : NULL,
			       rows,	    nrows,
			       queue_known, sprout_slurm_merged(folder, shards)};
	if (sprout_slurm_status(&v, &text)) {
		cli_error("out of memory");
		rc = EXIT_INTERNAL;
	} else {
		fputs(text.data, stdout);
		rc = EXIT_OK;
	}
	free(rows);
	free(done);
	sprout_buf_release(&out);
	sprout_buf_release(&text);
	return rc;
}

int cmd_slurm(int argc, char **argv)
{
	static const struct cli_subcommand subs[] = {
	    {"submit", slurm_submit,
	     "write the sbatch scripts of a recipe's shards and submit them"},
	    {"status", slurm_status, "the shards done, running and failed, and the merge"},
	};
	return cli_subcommands(
	    argc, argv, "slurm COMMAND [options] RECIPE",
	    "Run a recipe's shards as a Slurm job array, then merge them.", subs,
	    sizeof subs / sizeof *subs, 8,
	    "'sprout slurm COMMAND --help' tells more; docs/scale.md the whole story.");
}
