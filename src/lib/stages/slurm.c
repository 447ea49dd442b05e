/* A recipe's shards as a Slurm job array and a merge job: the scripts,
 * the packing, the job ids kept, Slurm's answers read back, the status. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sprout/arena.h"
#include "sprout/io.h"
#include "sprout/json.h"
#include "sprout/slurm.h"

sprout_code sprout_slurm_pack(unsigned long shards, unsigned long per_task, unsigned long max_array,
			      unsigned long *k, unsigned long *tasks, sprout_error *err)
{
	if (!max_array)
		max_array = SPROUT_SLURM_MAX_ARRAY;
	if (shards == 0 || shards > SPROUT_SLURM_MAX_SHARDS)
		return sprout_error_set(err, SPROUT_ERR_USAGE,
					"the shards must be from 1 to %lu, not %lu",
					SPROUT_SLURM_MAX_SHARDS, shards);
	if (max_array < 2)
		return sprout_error_set(err, SPROUT_ERR_USAGE,
					"the cluster's MaxArraySize is %lu: no job array fits",
					max_array);
	/* indices 0 .. max_array - 1 are allowed; one is kept spare, so
	 * that the last index stays below the limit by one */
	unsigned long limit = max_array - 1;
	unsigned long least = (shards + limit - 1) / limit;
	if (per_task && per_task < least)
		return sprout_error_set(
		    err, SPROUT_ERR_USAGE,
		    "--tasks-per-job %lu makes %lu array tasks; the cluster takes at most %lu "
		    "(MaxArraySize %lu): give %lu or more",
		    per_task, (shards + per_task - 1) / per_task, limit, max_array, least);
	*k = per_task ? per_task : least;
	if (*k > shards)
		*k = shards;
	*tasks = (shards + *k - 1) / *k;
	return SPROUT_OK;
}

/* s quoted for the shell: in single quotes, each ' as '\'' */
static sprout_code add_quoted(sprout_buf *b, const char *s)
{
	sprout_code rc = sprout_buf_addc(b, '\'');
	for (const char *p = s; !rc && *p; p++)
		rc = *p == '\'' ? sprout_buf_adds(b, "'\\''") : sprout_buf_addc(b, *p);
	return rc ? rc : sprout_buf_addc(b, '\'');
}

static sprout_code check_spec(const sprout_slurm_spec *s, sprout_error *err)
{
	const char *need[] = {s->name, s->sprout, s->recipe, s->out_dir, s->array};
	const char *what[] = {"name", "sprout", "recipe", "out_dir", "array"};
	for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
		if (!need[i] || !*need[i])
			return sprout_error_set(err, SPROUT_ERR_USAGE, "slurm script: no %s",
						what[i]);
	const char *lines[] = {s->name,	 s->sprout,    s->recipe, s->out_dir,
			       s->array, s->partition, s->time};
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
		if (lines[i] && strpbrk(lines[i], "\n\r"))
			return sprout_error_set(err, SPROUT_ERR_USAGE,
						"slurm script: a line break in '%s'", lines[i]);
	if (!s->shards || !s->per_task)
		return sprout_error_set(err, SPROUT_ERR_USAGE,
					"slurm script: no shards or no shards a task");
	return SPROUT_OK;
}

/* What both scripts (the array's, or the merge's) start with, after
 * checking the spec: what it is, the #SBATCH lines (the job's name, the
 * array's indices, the partition and time limit, the log in
 * out_dir/slurm: Slurm reads these lines itself, no shell, so a path with
 * spaces stays as it is), then the shell's options and variables. */
static sprout_code add_head(sprout_buf *b, const sprout_slurm_spec *s, int array, sprout_error *err)
{
	sprout_code rc = check_spec(s, err);
	if (rc)
		return rc;
	char what[160];
	if (array)
		snprintf(what, sizeof what,
			 "the %lu shards of the recipe, %lu a task, in %lu array tasks", s->shards,
			 s->per_task, (s->shards + s->per_task - 1) / s->per_task);
	else
		snprintf(what, sizeof what, "the merge of the %lu shards (sprout merge)",
			 s->shards);
	rc = sprout_buf_addf(b,
			     "#!/bin/bash\n# written by sprout slurm submit: %s\n"
			     "#SBATCH --job-name=%s%s\n",
			     what, s->name, array ? "" : "-merge");
	if (!rc && array)
		rc = sprout_buf_addf(b, "#SBATCH --array=%s\n", s->array);
	if (!rc && s->partition && *s->partition)
		rc = sprout_buf_addf(b, "#SBATCH --partition=%s\n", s->partition);
	if (!rc && s->time && *s->time)
		rc = sprout_buf_addf(b, "#SBATCH --time=%s\n", s->time);
	if (!rc)
		rc =
		    sprout_buf_addf(b, "#SBATCH --output=%s/slurm/%s\nset -eu\nsprout=", s->out_dir,
				    array ? "shards-%A_%a.log" : "merge-%j.log");
	if (!rc)
		rc = add_quoted(b, s->sprout);
	if (!rc)
		rc = sprout_buf_adds(b, "\nrecipe=");
	if (!rc)
		rc = add_quoted(b, s->recipe);
	if (!rc)
		rc = sprout_buf_adds(b, "\nout=");
	if (!rc)
		rc = add_quoted(b, s->out_dir);
	if (!rc)
		rc = sprout_buf_addf(b, "\nshards=%lu\n", s->shards);
	return rc;
}

static sprout_code too_long(sprout_code rc, sprout_error *err)
{
	return rc ? sprout_error_set(err, rc, "slurm script: over the buffer's size") : SPROUT_OK;
}

sprout_code sprout_slurm_array_script(const sprout_slurm_spec *s, sprout_buf *out,
				      sprout_error *err)
{
	sprout_code rc = add_head(out, s, 1, err);
	if (!rc)
		rc = sprout_buf_addf(
		    out,
		    "per_task=%lu\n"
		    "# task t runs shards t*per_task .. min(shards, (t+1)*per_task) - 1\n"
		    "i=$((SLURM_ARRAY_TASK_ID * per_task))\n"
		    "end=$((i + per_task))\n"
		    "if [ \"$end\" -gt \"$shards\" ]; then end=$shards; fi\n"
		    "while [ \"$i\" -lt \"$end\" ]; do\n"
		    "\techo \"shard $i on $SLURMD_NODENAME\"\n"
		    "\t\"$sprout\" run --shard \"$i/$shards\" -d \"$out\" \"$recipe\"\n"
		    "\ti=$((i + 1))\n"
		    "done\n",
		    s->per_task);
	return rc == SPROUT_ERR_USAGE ? rc : too_long(rc, err);
}

sprout_code sprout_slurm_merge_script(const sprout_slurm_spec *s, sprout_buf *out,
				      sprout_error *err)
{
	sprout_code rc = add_head(out, s, 0, err);
	if (!rc)
		rc = sprout_buf_adds(out, "echo \"merge on $SLURMD_NODENAME\"\n"
					  "\"$sprout\" merge --shards \"$shards\" -d \"$out\" "
					  "\"$recipe\"\n");
	return rc == SPROUT_ERR_USAGE ? rc : too_long(rc, err);
}

sprout_code sprout_slurm_ranges(const unsigned char *todo, unsigned long n, sprout_buf *out)
{
	sprout_code rc = SPROUT_OK;
	int first = 1;
	for (unsigned long i = 0; !rc && i < n; i++) {
		if (!todo[i])
			continue;
		unsigned long j = i;
		while (j + 1 < n && todo[j + 1])
			j++;
		rc = j > i ? sprout_buf_addf(out, "%s%lu-%lu", first ? "" : ",", i, j)
			   : sprout_buf_addf(out, "%s%lu", first ? "" : ",", i);
		first = 0;
		i = j;
	}
	return rc;
}

/* ---- what Slurm's commands answer --------------------------------------- */

/* A whole number from text[0..len): 1 with *v, 0 when it is none (or
 * over a hundred million million). */
static int whole(const char *text, size_t len, unsigned long *v)
{
	if (!len || len > 15)
		return 0;
	unsigned long x = 0;
	for (size_t i = 0; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return 0;
		x = x * 10 + (unsigned long)(text[i] - '0');
	}
	*v = x;
	return 1;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

unsigned long sprout_slurm_config_max_array(const char *text, size_t len)
{
	static const char key[] = "MaxArraySize";
	const char *end = text + len;
	for (const char *p = text; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *q = p;
		while (q < le && is_space(*q))
			q++;
		if ((size_t)(le - q) > sizeof key - 1 && !memcmp(q, key, sizeof key - 1)) {
			q += sizeof key - 1;
			while (q < le && is_space(*q))
				q++;
			if (q < le && *q == '=') {
				q++;
				while (q < le && is_space(*q))
					q++;
				const char *e = le;
				while (e > q && is_space(e[-1]))
					e--;
				unsigned long v;
				return whole(q, (size_t)(e - q), &v) && v ? v : 0;
			}
		}
		p = nl ? nl + 1 : end;
	}
	return 0;
}

sprout_code sprout_slurm_job_id(const char *text, size_t len, unsigned long *id, sprout_error *err)
{
	size_t n = 0;
	while (n < len && text[n] >= '0' && text[n] <= '9')
		n++;
	size_t rest = n;
	if (rest < len && text[rest] == ';') /* ;cluster */
		while (rest < len && text[rest] != '\n')
			rest++;
	while (rest < len && (text[rest] == '\n' || is_space(text[rest])))
		rest++;
	if (n && rest == len && whole(text, n, id) && *id)
		return SPROUT_OK;
	while (len && (text[len - 1] == '\n' || is_space(text[len - 1])))
		len--;
	return sprout_error_set(err, SPROUT_ERR_FORMAT, "sbatch answered '%.*s', not a job id",
				(int)(len > 200 ? 200 : len), text);
}

/* Copy the field f[0..n) into dst (size cap), cut to fit. */
static void field(char *dst, size_t cap, const char *f, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, f, n);
	dst[n] = '\0';
}

sprout_code sprout_slurm_squeue_parse(const char *text, size_t len, sprout_slurm_row **rows,
				      size_t *n, sprout_error *err)
{
	*rows = NULL;
	*n = 0;
	size_t cap = 0;
	unsigned long lineno = 0;
	const char *end = text + len;
	for (const char *p = text; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		lineno++;
		const char *next = nl ? nl + 1 : end;
		const char *q = p;
		while (q < le && is_space(*q))
			q++;
		if (q == le) {
			p = next;
			continue;
		}
		/* five fields, job|task|state|node|reason: what follows the
		 * fourth bar is the reason, whole */
		const char *f[5];
		size_t fl[5];
		int nf = 0;
		const char *s = q;
		while (nf < 4) {
			const char *bar = memchr(s, '|', (size_t)(le - s));
			if (!bar)
				break;
			f[nf] = s;
			fl[nf++] = (size_t)(bar - s);
			s = bar + 1;
		}
		const char *e = le;
		while (e > s && is_space(e[-1]))
			e--;
		f[nf] = s;
		fl[nf++] = (size_t)(e - s);
		sprout_slurm_row r;
		memset(&r, 0, sizeof r);
		unsigned long task = 0;
		int ok = nf == 5 && whole(f[0], fl[0], &r.job) && fl[2] > 0;
		if (ok && fl[1] == 3 && !memcmp(f[1], "N/A", 3))
			r.task = -1;
		else if (ok && whole(f[1], fl[1], &task))
			r.task = (long)task;
		else
			ok = 0;
		for (size_t i = 0; ok && i < fl[2]; i++)
			if (!(f[2][i] >= 'A' && f[2][i] <= 'Z') && f[2][i] != '_')
				ok = 0;
		if (!ok) {
			free(*rows);
			*rows = NULL;
			*n = 0;
			return sprout_error_set(
			    err, SPROUT_ERR_FORMAT,
			    "squeue's line %lu is not JOB|TASK|STATE|NODE|REASON: "
			    "'%.*s'",
			    lineno, (int)((le - p) > 200 ? 200 : (le - p)), p);
		}
		field(r.state, sizeof r.state, f[2], fl[2]);
		field(r.node, sizeof r.node, f[3], fl[3]);
		if (!strcmp(r.node, "(null)"))
			r.node[0] = '\0';
		field(r.reason, sizeof r.reason, f[4], fl[4]);
		if (*n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			sprout_slurm_row *g = realloc(*rows, nc * sizeof *g);
			if (!g) {
				free(*rows);
				*rows = NULL;
				*n = 0;
				return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
			}
			*rows = g;
			cap = nc;
		}
		(*rows)[(*n)++] = r;
		p = next;
	}
	return SPROUT_OK;
}

/* ---- jobs.json ------------------------------------------------------------ */

sprout_code sprout_slurm_jobs_write(const char *path, const sprout_slurm_jobs *j, sprout_error *err)
{
	sprout_arena *a = sprout_arena_new(0);
	sprout_json *o = a ? sprout_json_new(a, SPROUT_JSON_OBJECT) : NULL;
	int bad = !o;
	bad = bad || sprout_json_set(a, o, "shards", sprout_json_integer(a, (long long)j->shards));
	bad = bad || sprout_json_set(a, o, "tasks_per_job",
				     sprout_json_integer(a, (long long)j->per_task));
	bad = bad ||
	      sprout_json_set(a, o, "array_job", sprout_json_integer(a, (long long)j->array_job));
	bad = bad ||
	      sprout_json_set(a, o, "array", sprout_json_string(a, j->array, strlen(j->array)));
	bad = bad ||
	      sprout_json_set(a, o, "merge_job", sprout_json_integer(a, (long long)j->merge_job));
	sprout_code rc = bad ? sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory")
			     : sprout_write_json_file(path, o, err);
	sprout_arena_free(a);
	return rc;
}

/* A whole number member of o into *v: 0, or -1 when missing or not one. */
static int member_whole(const sprout_json *o, const char *key, unsigned long *v)
{
	const sprout_json *m = sprout_json_get(o, key);
	return m && m->type == SPROUT_JSON_NUMBER && whole(m->u.s, m->len, v) ? 0 : -1;
}

/* The JSON file at path, at most max bytes, parsed into a: SPROUT_ERR_IO
 * (errno kept), SPROUT_ERR_TOO_LONG, or the parser's error at the file's
 * line and column. */
static sprout_code read_json(const char *path, size_t max, sprout_arena *a, sprout_json **out,
			     sprout_error *err)
{
	sprout_error local = SPROUT_ERROR_INIT;
	if (!err)
		err = &local;
	FILE *f = fopen(path, "rb");
	if (!f) {
		int e = errno;
		sprout_error_set(err, SPROUT_ERR_IO, "%s: %s", path, strerror(e));
		errno = e;
		return SPROUT_ERR_IO;
	}
	sprout_buf b = SPROUT_BUF_INIT(max);
	char chunk[4096];
	size_t got;
	sprout_code rc = SPROUT_OK;
	while (!rc && (got = fread(chunk, 1, sizeof chunk, f)) > 0)
		rc = sprout_buf_add(&b, chunk, got);
	int rerr = ferror(f);
	fclose(f);
	if (rc || rerr)
		rc = sprout_error_set(err, rc ? SPROUT_ERR_TOO_LONG : SPROUT_ERR_IO, "%s: %s", path,
				      rc ? "too long" : "cannot be read");
	else if ((rc = sprout_json_parse(a, b.data ? b.data : "", b.len, out, err)))
		sprout_error_locate(err, path, err->line, err->column);
	sprout_buf_release(&b);
	return rc;
}

sprout_code sprout_slurm_jobs_read(const char *path, sprout_slurm_jobs *j, sprout_error *err)
{
	memset(j, 0, sizeof *j);
	sprout_arena *a = sprout_arena_new(0);
	if (!a)
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	sprout_json *o = NULL;
	sprout_code rc = read_json(path, 1 << 20, a, &o, err);
	const sprout_json *arr = o ? sprout_json_get(o, "array") : NULL;
	if (!rc && (o->type != SPROUT_JSON_OBJECT || member_whole(o, "shards", &j->shards) ||
		    member_whole(o, "tasks_per_job", &j->per_task) ||
		    member_whole(o, "array_job", &j->array_job) ||
		    member_whole(o, "merge_job", &j->merge_job) || !arr ||
		    arr->type != SPROUT_JSON_STRING || !j->shards || !j->per_task))
		rc = sprout_error_set(err, SPROUT_ERR_FORMAT,
				      "%s: not what sprout slurm submit writes (shards, "
				      "tasks_per_job, array_job, array, merge_job)",
				      path);
	if (!rc)
		field(j->array, sizeof j->array, arr->u.s, arr->len);
	sprout_arena_free(a);
	return rc;
}

int sprout_slurm_merged(const char *run_dir, unsigned long shards)
{
	char path[4096];
	if ((size_t)snprintf(path, sizeof path, "%s/manifest.json", run_dir) >= sizeof path)
		return 0;
	sprout_arena *a = sprout_arena_new(0);
	sprout_json *m = NULL;
	int merged = a && !read_json(path, (size_t)1 << 28, a, &m, NULL) &&
		     m->type == SPROUT_JSON_OBJECT &&
		     sprout_json_is(sprout_json_get(m, "status"), "complete");
	const sprout_json *list = merged ? sprout_json_get(m, "shards") : NULL;
	merged = list && list->type == SPROUT_JSON_ARRAY && list->len == shards;
	sprout_arena_free(a);
	return merged;
}

/* ---- status --------------------------------------------------------------- */

static const sprout_slurm_row *find_row(const sprout_slurm_view *v, unsigned long job, long task)
{
	for (size_t i = 0; v->queue_known && job && i < v->nrows; i++)
		if (v->rows[i].job == job && v->rows[i].task == task)
			return &v->rows[i];
	return NULL;
}

static int state_is(const char *state, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(state, *list))
			return 1;
	return 0;
}

static const char *const RUNNING[] = {"RUNNING", "COMPLETING", "CONFIGURING", "STAGE_OUT", NULL};
static const char *const WAITING[] = {"PENDING",   "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED",
				      "SUSPENDED", "RESIZING", "SIGNALING",    NULL};

/* What one shard is doing: the kinds counted in the status line. */
enum { K_DONE, K_RUNNING, K_PENDING, K_FAILED, K_GONE, K__N };

/* A list of at most 4 examples after a count, then ", ..." */
struct examples {
	sprout_buf b;
	unsigned long n;
};

static void example(struct examples *x, const char *text)
{
	if (x->n++ < 4)
		sprout_buf_addf(&x->b, "%s%s", x->b.len ? ", " : "", text);
	else if (x->n == 5)
		sprout_buf_adds(&x->b, ", ...");
}

sprout_code sprout_slurm_status(const sprout_slurm_view *v, sprout_buf *out)
{
	const sprout_slurm_jobs *j = v->jobs;
	sprout_code rc = SPROUT_OK;
	unsigned long k = v->per_task ? v->per_task : 1;
	if (!j)
		rc = sprout_buf_adds(out, "no jobs submitted from this run folder "
					  "(no slurm/jobs.json)\n");
	else if (j->array_job)
		rc = sprout_buf_addf(out, "array job %lu: tasks %s (%lu shard%s a task)",
				     j->array_job, j->array, j->per_task,
				     j->per_task == 1 ? "" : "s");
	else
		rc = sprout_buf_adds(out, "no array job (every shard was done)");
	if (!rc && j)
		rc = j->merge_job ? sprout_buf_addf(out, "; merge job %lu\n", j->merge_job)
				  : sprout_buf_adds(out, "; no merge job\n");
	if (!rc && j && !v->queue_known)
		rc = sprout_buf_adds(out, "the queue could not be read (squeue): the shards "
					  "from their done markers only\n");

	unsigned long count[K__N] = {0};
	struct examples ex[K__N];
	for (int i = 0; i < K__N; i++) {
		sprout_buf_init(&ex[i].b, 4096);
		ex[i].n = 0;
	}
	long running_task = -1; /* a task's first shard not done runs, the rest wait */
	for (unsigned long i = 0; i < v->shards; i++) {
		if (v->done[i]) {
			count[K_DONE]++;
			continue;
		}
		long task = (long)(i / k);
		const sprout_slurm_row *r = j ? find_row(v, j->array_job, task) : NULL;
		char text[160];
		if (!j || !v->queue_known) {
			count[K_GONE]++;
		} else if (!r) {
			count[K_GONE]++;
			snprintf(text, sizeof text, "%lu", i);
			example(&ex[K_GONE], text);
		} else if (state_is(r->state, RUNNING) && running_task != task) {
			running_task = task;
			count[K_RUNNING]++;
			snprintf(text, sizeof text, "job %lu_%ld on %s", j->array_job, task,
				 r->node[0] ? r->node : "?");
			example(&ex[K_RUNNING], text);
		} else if (state_is(r->state, RUNNING) || state_is(r->state, WAITING)) {
			count[K_PENDING]++;
		} else {
			count[K_FAILED]++;
			snprintf(text, sizeof text, "shard %lu in job %lu_%ld: %s", i, j->array_job,
				 task,
				 !strcmp(r->state, "COMPLETED") ? "ended without its done marker"
								: r->state);
			example(&ex[K_FAILED], text);
		}
	}
	if (!rc)
		rc = sprout_buf_addf(out, "%lu of %lu shards done", count[K_DONE], v->shards);
	static const char *const label[K__N] = {"", "running", "pending", "failed",
						"not in the queue"};
	for (int i = K_RUNNING; !rc && i < K__N; i++) {
		if (!count[i])
			continue;
		if (i == K_GONE && (!j || !v->queue_known))
			rc = sprout_buf_addf(out, ", %lu not done", count[i]);
		else
			rc = sprout_buf_addf(out, ", %lu %s", count[i], label[i]);
		if (!rc && ex[i].b.len)
			rc = sprout_buf_addf(out, " (%s%s)", i == K_GONE ? "shards " : "",
					     ex[i].b.data);
	}
	for (int i = 0; i < K__N; i++)
		sprout_buf_release(&ex[i].b);
	if (!rc)
		rc = sprout_buf_addc(out, '\n');

	/* the merge */
	if (rc)
		return rc;
	const sprout_slurm_row *m = j ? find_row(v, j->merge_job, -1) : NULL;
	if (v->merged && (!m || !strcmp(m->state, "COMPLETED")))
		return sprout_buf_adds(out, "merge: complete\n");
	if (!j || !j->merge_job)
		return sprout_buf_adds(out, "merge: not submitted\n");
	if (!v->queue_known)
		return sprout_buf_addf(out, "merge job %lu: not complete\n", j->merge_job);
	if (!m)
		return sprout_buf_addf(out,
				       "merge job %lu: not in the queue and not complete: "
				       "sprout slurm submit again\n",
				       j->merge_job);
	if (state_is(m->state, WAITING))
		return sprout_buf_addf(out, "merge job %lu: pending (%s)\n", j->merge_job,
				       m->reason);
	if (state_is(m->state, RUNNING))
		return sprout_buf_addf(out, "merge job %lu: running on %s\n", j->merge_job,
				       m->node[0] ? m->node : "?");
	if (!strcmp(m->state, "COMPLETED"))
		return sprout_buf_addf(out, "merge job %lu: completed\n", j->merge_job);
	return sprout_buf_addf(out,
			       "merge job %lu: %s%s%s: sprout slurm submit again runs the "
			       "shards left and the merge\n",
			       j->merge_job, m->state,
			       strcmp(m->reason, "None") && m->reason[0] ? " " : "",
			       strcmp(m->reason, "None") && m->reason[0] ? m->reason : "");
}
