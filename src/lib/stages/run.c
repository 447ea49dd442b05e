/* A recipe run by the library (sprout/run.h): each stage runs the command
 * line of its name, into one run folder, and its completion goes into the
 * run state (SQLite), so a run stopped by a crash or Ctrl-C goes on from
 * the first unfinished stage. The recipe is read in run_recipe.c, the
 * manifest written in run_manifest.c, the plan made in run_plan.c. See
 * docs/run.md and docs/internals/library.md. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sprout/hash.h"
#include "sprout/io.h"
#include "sprout/llm.h"
#include "sprout/lm.h"
#include "sprout/record.h"
#include "sprout/run.h"
#include "sprout/sprout.h"
#include "sprout/state.h"
#include "sprout/yaml.h"

#include "stages/run_internal.h"

/* ---- counting and hashing ------------------------------------------------ */

/* What a command wrote to path, measured while it wrote it: 1, else 0. */
static int written(struct sprout_run *r, const char *path, sprout_written *w)
{
	for (const struct measured *m = r->measured; m; m = m->next)
		if (!strcmp(m->path, path)) {
			*w = m->w;
			return 1;
		}
	return r->o.written && r->o.written(r->o.ctx, path, w);
}

void run_written(struct sprout_run *r, const char *path, const sprout_written *w)
{
	struct measured *m = sprout_arena_alloc(r->a, sizeof *m);
	char *p = sprout_arena_strndup(r->a, path, strlen(path));
	if (!m || !p)
		return; /* the file is read again to learn it */
	*m = (struct measured){p, *w, r->measured};
	r->measured = m;
}

void run_tell(struct sprout_run *r, const char *line)
{
	if (!r->o.note)
		return;
	char text[SPROUT_ERROR_MSG_MAX + SPROUT_ERROR_FILE_MAX + 64];
	snprintf(text, sizeof text, "sprout: %s", line);
	r->o.note(r->o.ctx, text);
}

const sprout_run_options *run_options(const struct sprout_run *r)
{
	return &r->o;
}

/* Records (JSON objects) in a file; what the next stage will read. */
int run_count_records(struct sprout_run *r, const char *path, unsigned long long *n)
{
	sprout_written w;
	if (written(r, path, &w) && w.records_known) { /* counted while written */
		*n = w.records;
		return -1;
	}
	sprout_error err = SPROUT_ERROR_INIT;
	*n = 0;
	sprout_reader *rd = sprout_reader_open(path, NULL, &err);
	sprout_arena *a = sprout_arena_new(0);
	if (!rd || !a) {
		sprout_reader_close(rd);
		sprout_arena_free(a);
		return run_fail_at(r, &err, rd ? RS_INTERNAL : RS_IO);
	}
	sprout_json *obj;
	sprout_code rc;
	while ((rc = sprout_reader_next(rd, a, &obj, &err)) != SPROUT_END) {
		if (rc == SPROUT_OK)
			(*n)++;
		sprout_arena_reset(a);
		if (sprout_reader_failed(rd))
			break;
	}
	sprout_reader_close(rd);
	sprout_arena_free(a);
	return -1;
}

int run_hash_file(struct sprout_run *r, const char *path, char hex[SPROUT_HASH_HEX],
		  unsigned long long *bytes)
{
	sprout_written w;
	if (written(r, path, &w) && w.hash[0]) { /* hashed while written */
		memcpy(hex, w.hash, SPROUT_HASH_HEX);
		if (bytes)
			*bytes = w.bytes;
		return -1;
	}
	sprout_error err = SPROUT_ERROR_INIT;
	if (sprout_hash_file(path, hex, bytes, &err)) {
		return run_fail_at(r, &err, run_status_for(err.code));
	}
	return -1;
}

/* The key of a stage: the version, its command line and the content of
 * every file it reads. The same key means the same output. */
int run_stage_key(struct sprout_run *r, struct stage *st, char *const *cur, size_t ncur,
		  char key[SPROUT_HASH_HEX])
{
	sprout_hasher *h = sprout_hasher_new();
	if (!h)
		return RS_INTERNAL;
	sprout_hasher_add_str(h, "sprout run stage 1");
	sprout_hasher_add_str(h, sprout_version());
	for (size_t i = 0; i < st->argc; i++)
		sprout_hasher_add_str(h, st->argv[i]);
	for (size_t i = 0; i < ncur + st->ninfiles; i++) {
		char hex[SPROUT_HASH_HEX];
		int rc = run_hash_file(r, i < ncur ? cur[i] : st->infiles[i - ncur], hex, NULL);
		if (rc >= 0) {
			sprout_hasher_free(h);
			return rc;
		}
		sprout_hasher_add_str(h, hex);
	}
	sprout_hasher_hex(h, key);
	sprout_hasher_free(h);
	return -1;
}

/* ---- running a stage ---------------------------------------------------- */

static void clear_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char p[4096];
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		struct stat s;
		if (stat(p, &s) == 0 && S_ISREG(s.st_mode))
			unlink(p);
	}
	closedir(d);
}

/* train, valid(ation), test, then the rest by name */
static int split_rank(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	return !strncmp(base, "train.", 6)  ? 0
	       : !strncmp(base, "valid", 5) ? 1
	       : !strncmp(base, "test.", 5) ? 2
					    : 3;
}

static int cmp_outputs(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	int d = split_rank(x) - split_rank(y);
	return d ? d : strcmp(x, y);
}

/* The files a finished stage made, sorted. */
static void list_outputs(struct sprout_run *r, struct stage *st, const char *single,
			 const char *dir)
{
	size_t cap = 0;
	st->noutputs = 0;
	if (single) {
		run_push(r, &st->outputs, &st->noutputs, &cap, single);
	} else {
		DIR *d = opendir(dir);
		struct dirent *e;
		while (d && (e = readdir(d)))
			if (e->d_name[0] != '.')
				run_push(r, &st->outputs, &st->noutputs, &cap,
					 run_fmt(r, "%s/%s", dir, e->d_name));
		if (d)
			closedir(d);
		qsort(st->outputs, st->noutputs, sizeof *st->outputs, cmp_outputs);
	}
}

/* Remember a finished stage in the run state. */
static int save_stage(struct sprout_run *r, struct stage *st, const char *key)
{
	sprout_arena *a = sprout_arena_new(0);
	sprout_json *o = sprout_json_new(a, SPROUT_JSON_OBJECT);
	sprout_json *outs = sprout_json_new(a, SPROUT_JSON_ARRAY);
	sprout_json_set(a, o, "key", sprout_json_string(a, key, strlen(key)));
	sprout_json_set(a, o, "in", sprout_json_integer(a, (long long)st->in));
	sprout_json_set(a, o, "out", sprout_json_integer(a, (long long)st->out));
	sprout_json_set(a, o, "rejected", sprout_json_integer(a, (long long)st->rejected));
	sprout_json_set(a, o, "seconds", sprout_json_real(a, st->seconds));
	for (size_t i = 0; i < st->noutputs; i++) {
		sprout_json *f = sprout_json_new(a, SPROUT_JSON_OBJECT);
		sprout_json_set(a, f, "path",
				sprout_json_string(a, st->outputs[i], strlen(st->outputs[i])));
		sprout_json_set(a, f, "xxh128", sprout_json_string(a, st->out_hash[i], 32));
		sprout_json_set(a, f, "records",
				sprout_json_integer(a, (long long)st->out_records[i]));
		sprout_json_push(a, outs, f);
	}
	sprout_json_set(a, o, "outputs", outs);
	sprout_buf b = SPROUT_BUF_INIT(1 << 24);
	sprout_error err = SPROUT_ERROR_INIT;
	char skey[80];
	snprintf(skey, sizeof skey, "stage/%s", st->label);
	sprout_code rc = sprout_json_write(&b, o);
	if (!rc)
		rc = sprout_buf_addc(&b, '\0');
	if (!rc)
		rc = sprout_state_put(r->state, skey, b.data, &err);
	sprout_buf_release(&b);
	sprout_arena_free(a);
	if (rc) {
		return run_fail_at(r, &err, run_status_for(rc));
	}
	return -1;
}

/* Outputs: hash and count them. */
static int measure_outputs(struct sprout_run *r, struct stage *st)
{
	st->out_records = sprout_arena_alloc(r->a, (st->noutputs + 1) * sizeof *st->out_records);
	st->out_hash = sprout_arena_alloc(r->a, (st->noutputs + 1) * sizeof *st->out_hash);
	if (!st->out_records || !st->out_hash)
		return RS_INTERNAL;
	st->out = 0;
	for (size_t i = 0; i < st->noutputs; i++) {
		int rc = run_hash_file(r, st->outputs[i], st->out_hash[i], NULL);
		if (rc >= 0)
			return rc;
		st->out_records[i] = 0;
		if (st->kind != K_REPORT) {
			if ((rc = run_count_records(r, st->outputs[i], &st->out_records[i])) >= 0)
				return rc;
			st->out += st->out_records[i];
		}
	}
	st->rejected = 0;
	if (st->rejects && access(st->rejects, F_OK) == 0) {
		int rc = run_count_records(r, st->rejects, &st->rejected);
		if (rc >= 0)
			return rc;
	}
	return -1;
}

/* A stage the run state says is finished with this key, its outputs as
 * they were: 1 (and its numbers loaded), else 0. */
int run_finished_before(struct sprout_run *r, struct stage *st, const char *key)
{
	char skey[80];
	snprintf(skey, sizeof skey, "stage/%s", st->label);
	char *text = NULL;
	if (!r->state || sprout_state_get(r->state, skey, &text, NULL) != SPROUT_OK)
		return 0;
	sprout_json *o = NULL;
	int ok = sprout_json_parse(r->a, text, strlen(text), &o, NULL) == SPROUT_OK &&
		 o->type == SPROUT_JSON_OBJECT && sprout_json_is(sprout_json_get(o, "key"), key);
	free(text);
	const sprout_json *outs = ok ? sprout_json_get(o, "outputs") : NULL;
	if (!outs || outs->type != SPROUT_JSON_ARRAY)
		return 0;
	size_t cap = 0;
	st->noutputs = 0;
	st->out_records = sprout_arena_alloc(r->a, (outs->len + 1) * sizeof *st->out_records);
	st->out_hash = sprout_arena_alloc(r->a, (outs->len + 1) * sizeof *st->out_hash);
	if (!st->out_records || !st->out_hash)
		return 0;
	for (size_t i = 0; i < outs->len; i++) {
		const sprout_json *f = outs->u.items[i];
		const sprout_json *p = sprout_json_get(f, "path"),
				  *h = sprout_json_get(f, "xxh128");
		if (!p || p->type != SPROUT_JSON_STRING || !h || h->type != SPROUT_JSON_STRING)
			return 0;
		char now[SPROUT_HASH_HEX];
		sprout_error err = SPROUT_ERROR_INIT;
		if (sprout_hash_file(p->u.s, now, NULL, &err) || strcmp(now, h->u.s))
			return 0; /* gone or changed: run again */
		snprintf(st->out_hash[st->noutputs], SPROUT_HASH_HEX, "%s", now);
		st->out_records[st->noutputs] =
		    (unsigned long long)sprout_json_number(sprout_json_get(f, "records"));
		run_push(r, &st->outputs, &st->noutputs, &cap, p->u.s);
	}
	st->in = (unsigned long long)sprout_json_number(sprout_json_get(o, "in"));
	st->out = (unsigned long long)sprout_json_number(sprout_json_get(o, "out"));
	st->rejected = (unsigned long long)sprout_json_number(sprout_json_get(o, "rejected"));
	st->seconds = sprout_json_number(sprout_json_get(o, "seconds"));
	return 1;
}

void run_keep_parents(struct sprout_run *r, const struct stage *st, char *const *cur, size_t ncur)
{
	if (strcmp(st->name, "augment") && strcmp(st->name, "generate"))
		return;
	for (size_t i = 0; i < ncur; i++) {
		int have = 0;
		for (size_t k = 0; k < r->nparents && !have; k++)
			have = !strcmp(r->parents[k], cur[i]);
		if (!have)
			run_push(r, &r->parents, &r->nparents, &r->parents_cap, cur[i]);
	}
}

/* The command line of stage i, given what the stages before it made. */
void run_build_argv(struct sprout_run *r, struct stage *st, char *const *cur, size_t ncur,
		    const char *cur_format, int after_split, char **rejects_files, size_t nrejects,
		    const char **single, const char **dir)
{
	size_t cap = 0;
	st->argc = 0;
	st->argv = NULL;
	run_push(r, &st->argv, &st->argc, &cap, st->name);
	for (size_t i = 0; i < st->nargs; i++)
		if (!(run_judges(st) && !r->llm && run_judge_arg(st->args[i])))
			run_push(r, &st->argv, &st->argc, &cap, st->args[i]);
	if (r->seed && run_find_option(st, "seed") && !run_given(st, "seed"))
		run_push(r, &st->argv, &st->argc, &cap, run_fmt(r, "--seed=%s", r->seed));
	if (cur_format && run_find_option(st, "format") && !run_given(st, "format") &&
	    !run_given(st, "map"))
		run_push(r, &st->argv, &st->argc, &cap, run_fmt(r, "--format=%s", cur_format));
	const sprout_json *sim = st->opts ? sprout_json_get(st->opts, "similarity") : NULL;
	if (sim && sprout_json_is(sim, "embed")) {
		if (!run_given(st, "embed-url") && r->llm_url)
			run_push(r, &st->argv, &st->argc, &cap,
				 run_fmt(r, "--embed-url=%s", r->llm_url));
		if (!run_given(st, "embed-model") && r->llm_embed_model)
			run_push(r, &st->argv, &st->argc, &cap,
				 run_fmt(r, "--embed-model=%s", r->llm_embed_model));
		if (!run_given(st, "embed-cache"))
			run_push(r, &st->argv, &st->argc, &cap,
				 run_fmt(r, "--embed-cache=%s/sprout.sqlite", r->out));
	}
	if (!strcmp(st->name, "generate") || (run_judges(st) && r->llm)) {
		/* the llm section's server and model, and the run folder's cache */
		for (size_t k = 0; !run_given(st, "url") && k < r->nllm_urls; k++)
			run_push(r, &st->argv, &st->argc, &cap,
				 run_fmt(r, "--url=%s", r->llm_urls[k]));
		if (!run_given(st, "model") && r->llm_model)
			run_push(r, &st->argv, &st->argc, &cap,
				 run_fmt(r, "--model=%s", r->llm_model));
		if (!run_given(st, "cache") && !run_given(st, "no-cache"))
			run_push(r, &st->argv, &st->argc, &cap,
				 run_fmt(r, "--cache=%s/sprout.sqlite", r->out));
		/* the llm section's batches (a stage's own batch: false wins) */
		if (r->llm_batch && !run_given(st, "batch"))
			run_push(r, &st->argv, &st->argc, &cap, "--batch");
		if (r->llm_batch_wait && !run_given(st, "batch-wait"))
			run_push(r, &st->argv, &st->argc, &cap,
				 run_fmt(r, "--batch-wait=%s", r->llm_batch_wait));
		for (size_t k = 0; k < NPACE; k++)
			if (r->llm_pace[k] && !run_given(st, run_pace_keys[k]) &&
			    run_find_option(st, run_pace_keys[k]))
				run_push(r, &st->argv, &st->argc, &cap,
					 run_fmt(r, "--%s=%s", run_pace_keys[k], r->llm_pace[k]));
		if (r->llm_prices && !run_given(st, "prices") && run_find_option(st, "prices")) {
			run_push(r, &st->argv, &st->argc, &cap,
				 run_fmt(r, "--prices=%s", r->llm_prices));
			/* the costs it reports depend on it: part of the stage key */
			run_push(r, &st->infiles, &st->ninfiles, &st->infcap, r->llm_prices);
		}
	}
	/* what the stage's model requests cost, for the manifest */
	st->ledger = NULL;
	if (run_find_option(st, "ledger")) {
		st->ledger = run_fmt(r, "%s/%s.ledger.json", r->out, st->label);
		run_push(r, &st->argv, &st->argc, &cap, run_fmt(r, "--ledger=%s", st->ledger));
	}
	run_keep_parents(r, st, cur, ncur);
	/* (the merge's checks across records compare no record with its parent) */
	int across = r->shard_mode == 2 && run_split_filter(r, st);
	if (!strcmp(st->name, "filter") && !run_given(st, "parents") && !across) {
		/* variants of a stage without keep-original have their parents in
		 * that stage's inputs, not in this one's: without them the filter
		 * could not check the variants against their parents */
		for (size_t k = 0; k < r->nparents; k++) {
			int same = 0;
			for (size_t i = 0; i < ncur && !same; i++)
				same = !strcmp(cur[i], r->parents[k]);
			if (same)
				continue;
			run_push(r, &st->argv, &st->argc, &cap,
				 run_fmt(r, "--parents=%s", r->parents[k]));
			run_push(r, &st->infiles, &st->ninfiles, &st->infcap, r->parents[k]);
		}
	}
	if (r->shard_mode)
		run_shard_args(r, st, &st->argv, &st->argc, &cap);
	run_push(r, &st->argv, &st->argc, &cap, "-q");
	st->rejects = NULL;
	if (st->kind != K_REPORT && run_find_option(st, "rejects")) {
		st->rejects = run_fmt(r, "%s/%s.rejects.jsonl", r->out, st->label);
		run_push(r, &st->argv, &st->argc, &cap, run_fmt(r, "--rejects=%s", st->rejects));
	}
	*single = *dir = NULL;
	switch (st->kind) {
	case K_RECORDS: *single = run_fmt(r, "%s/%s.jsonl", r->out, st->label); break;
	case K_SPLIT: *dir = run_fmt(r, "%s/%s", r->out, st->label); break;
	case K_EXPORT:
		if (after_split) {
			*dir = run_fmt(r, "%s/%s", r->out, st->label);
		} else {
			const sprout_json *to = st->opts ? sprout_json_get(st->opts, "to") : NULL;
			*single = run_fmt(r, "%s/%s.%s", r->out, st->label,
					  to && sprout_json_is(to, "alpaca") ? "json" : "jsonl");
		}
		break;
	case K_REPORT:
		*single = run_fmt(r, "%s/%s.html", r->out, st->label);
		for (size_t i = 0; i < nrejects; i++) {
			run_push(r, &st->argv, &st->argc, &cap,
				 run_fmt(r, "--rejects=%s", rejects_files[i]));
			/* what the page says depends on them: part of the stage key */
			run_push(r, &st->infiles, &st->ninfiles, &st->infcap, rejects_files[i]);
		}
		run_push(r, &st->argv, &st->argc, &cap,
			 run_fmt(r, "--manifest=%s/manifest.json", r->out));
		break;
	}
	if (*single) {
		run_push(r, &st->argv, &st->argc, &cap, "-o");
		run_push(r, &st->argv, &st->argc, &cap, *single);
	} else {
		run_push(r, &st->argv, &st->argc, &cap, "-d");
		run_push(r, &st->argv, &st->argc, &cap, *dir);
	}
	if (ncur)
		run_push(r, &st->argv, &st->argc, &cap, "--");
	for (size_t i = 0; i < ncur; i++) {
		/* an empty split file has nothing to describe (export writes it
		 * out empty) */
		struct stat s;
		if (st->kind == K_REPORT && ncur > 1 && stat(cur[i], &s) == 0 && s.st_size == 0)
			continue;
		run_push(r, &st->argv, &st->argc, &cap, cur[i]);
	}
	run_push(r, &st->argv, &st->argc, &cap, NULL);
	st->argc--;
}

/* ---- the run ------------------------------------------------------------ */

/* Temporary files of writes a kill interrupted: .NAME.sprout-XXXXXX that
 * no live writer holds */
static void sweep(const char *dir, int depth)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		char p[4096];
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		const char *mark = strstr(e->d_name, ".sprout-");
		struct stat s;
		if (stat(p, &s) != 0)
			continue;
		if (S_ISREG(s.st_mode) && e->d_name[0] == '.' && mark && strlen(mark) == 14)
			sprout_writer_remove_stale(p);
		else if (S_ISDIR(s.st_mode) && depth && e->d_name[0] != '.')
			sweep(p, depth - 1);
	}
	closedir(d);
}

static int open_run_folder(struct sprout_run *r)
{
	if (sprout_make_dirs(r->out) != 0) {
		return run_fail(r, RS_IO, "%s: cannot make the run folder: %s", r->out,
				strerror(errno));
	}
	const char *lock = run_fmt(r, "%s/.lock", r->out);
	r->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	if (r->lock_fd < 0 || flock(r->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		return run_fail(r, RS_IO, "%s: %s", r->out,
				r->lock_fd < 0 ? strerror(errno)
					       : "another sprout run is using this folder");
	}
	sweep(r->out, 1);
	sprout_error err = SPROUT_ERROR_INIT;
	if (!(r->state = sprout_state_open(run_fmt(r, "%s/sprout.sqlite", r->out), &err))) {
		return run_fail_at(r, &err, RS_IO);
	}
	if (r->restart && sprout_state_remove_prefix(r->state, "stage/", &err)) {
		return run_fail_at(r, &err, RS_IO);
	}
	return -1;
}

void run_stage_line(struct sprout_run *r, const struct stage *st)
{
	if (st->kind == K_REPORT)
		run_note(r, "  %-12s %llu records described%s  %.1f s", st->label, st->in,
			 st->resumed ? " (done before)" : "", st->seconds);
	else
		run_note(r, "  %-12s %llu -> %llu records, %llu rejected%s  %.1f s", st->label,
			 st->in, st->out, st->rejected, st->resumed ? " (done before)" : "",
			 st->seconds);
}

static int run_stage(struct sprout_run *r, struct stage *st, const char *single, const char *dir)
{
	char skey[80];
	snprintf(skey, sizeof skey, "stage/%s", st->label);
	sprout_error err = SPROUT_ERROR_INIT;
	if (sprout_state_remove_prefix(r->state, skey, &err)) {
		return run_fail_at(r, &err, RS_IO);
	}
	if (dir)
		clear_dir(dir);
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	if (r->o.stage)
		r->o.stage(r->o.ctx, st->label);
	sprout_error why = SPROUT_ERROR_INIT;
	int rc = st->cmd->run(st->cmd->ctx, (int)st->argc, st->argv, &why);
	st->seconds = run_since(&start);
	if (r->o.stage)
		r->o.stage(r->o.ctx, NULL);
	if (rc == RS_PENDING)
		return run_fail(
		    r, rc,
		    "stage %s waits for its batches; the stages before it are kept: run the "
		    "same command again later to collect the answers and go on",
		    st->label);
	if (rc != RS_OK) {
		char shown[SPROUT_ERROR_MSG_MAX + SPROUT_ERROR_FILE_MAX + 64] = "";
		if (why.msg[0]) /* a command that told no person itself */
			sprout_error_format(&why, shown, sizeof shown);
		return run_fail(
		    r, rc,
		    "stage %s failed (exit %d)%s%s; the stages before it are kept: fix the "
		    "recipe or the data and run again",
		    st->label, rc, shown[0] ? ": " : "", shown);
	}
	list_outputs(r, st, single, dir);
	if (st->kind == K_REPORT) { /* the page and its numbers as JSON */
		size_t cap = st->noutputs;
		run_push(r, &st->outputs, &st->noutputs, &cap,
			 run_fmt(r, "%s/%s.json", r->out, st->label));
	}
	return -1;
}

/* Run stages [from, to) after what fl says the stages before made. */
int run_stages(struct sprout_run *r, struct flow *fl, size_t from, size_t to)
{
	int rc;
	for (size_t i = from; i < to; i++) {
		struct stage *st = &r->stages[i];
		const char *single, *dir;
		run_build_argv(r, st, fl->cur, fl->ncur, fl->cur_format, fl->after_split,
			       fl->rejects, fl->nrejects, &single, &dir);
		char key[SPROUT_HASH_HEX];
		if ((rc = run_stage_key(r, st, fl->cur, fl->ncur, key)) >= 0)
			return rc;
		if (!r->restart && run_finished_before(r, st, key)) {
			st->resumed = 1;
		} else {
			if ((rc = run_stage(r, st, single, dir)) >= 0) {
				run_write_manifest(r, "failed", i);
				return rc;
			}
			st->in = fl->cur_records;
			/* the merge's filter: its rejects with the shards' */
			if (r->shard_mode == 2 && run_split_filter(r, st) &&
			    (rc = run_merge_filter_rejects(r, st)) >= 0)
				return rc;
			if ((rc = measure_outputs(r, st)) >= 0 ||
			    (rc = save_stage(r, st, key)) >= 0)
				return rc;
		}
		st->done = 1;
		run_stage_line(r, st);
		run_flow_past(r, fl, st);
		if ((rc = run_write_manifest(r, "running", i + 1)) >= 0)
			return rc;
	}
	return -1;
}

/* What stage st, done, gives the stages after it. */
void run_flow_past(struct sprout_run *r, struct flow *fl, struct stage *st)
{
	if (st->rejects)
		fl->rejects[fl->nrejects++] = (char *)st->rejects;
	if (st->kind == K_RECORDS || st->kind == K_SPLIT) {
		fl->cur = st->outputs;
		fl->ncur = st->noutputs;
		fl->cur_records = st->out;
		if (!strcmp(st->name, "convert")) {
			const sprout_json *to = st->opts ? sprout_json_get(st->opts, "to") : NULL;
			if (to)
				run_option_text(r, to, "to", &fl->cur_format);
		}
	}
	if (st->kind == K_SPLIT)
		fl->after_split = 1;
}

int run_execute(struct sprout_run *r)
{
	int rc;
	for (size_t i = 0; i < r->nskipped; i++)
		run_note(r, "%s", r->skipped[i]);
	if (r->shard_mode && (rc = run_shard_setup(r)) >= 0)
		return rc;
	if (r->shard_mode == 1 && run_shard_done_before(r))
		return RS_OK;
	if ((rc = open_run_folder(r)) >= 0)
		return rc;
	struct flow fl = {0};
	fl.cur = sprout_arena_alloc(r->a, (r->ninputs + 3) * sizeof *fl.cur);
	fl.rejects = sprout_arena_alloc(r->a, (r->nstages + 1) * sizeof *fl.rejects);
	if (!fl.cur || !fl.rejects)
		return RS_INTERNAL;
	fl.ncur = r->ninputs;
	r->nparents = 0;
	for (size_t i = 0; i < r->ninputs; i++) {
		fl.cur[i] = (char *)r->inputs[i].path;
		fl.cur_records += r->inputs[i].records;
	}
	fl.cur_format = r->format;
	if ((rc = run_write_manifest(r, "running", 0)) >= 0)
		return rc;
	size_t from = 0, to = r->nstages;
	if (r->shard_mode == 1) {
		run_note(r,
			 "sprout: run %s, shard %u of %u (input records %s), into %s (%zu stages)",
			 r->name, r->o.shard, r->o.shards, r->shard_range ? r->shard_range : "none",
			 r->out, r->shard_range ? r->nprefix : 0);
		to = r->shard_range ? r->nprefix : 0;
		fl.cur_records = r->shard_records;
	} else {
		run_note(r, "sprout: run %s into %s (%zu stages)", r->name, r->out, r->nstages);
	}
	if (r->shard_mode == 2 && (rc = run_merge_shards(r, &fl, &from)) >= 0)
		return rc;
	if ((rc = run_stages(r, &fl, from, to)) >= 0)
		return rc;
	if (r->shard_mode == 1)
		return run_shard_finish(r);
	if ((rc = run_write_manifest(r, "complete", r->nstages)) >= 0)
		return rc;
	/* where things are */
	run_say(r, "run %s: %zu stages in %.1f s\n", r->name, r->nstages, run_since(&r->t0));
	const struct stage *data = NULL, *report = NULL;
	for (size_t i = 0; i < r->nstages; i++) {
		const struct stage *st = &r->stages[i];
		if (st->kind == K_REPORT)
			report = st;
		else if (!data || data->kind != K_EXPORT || st->kind == K_EXPORT)
			data = st;
	}
	for (size_t k = 0; data && k < data->noutputs; k++)
		run_say(r, "  %-9s %s (%llu records)\n", k ? "" : "dataset:", data->outputs[k],
			data->out_records[k]);
	unsigned long long nrej = 0;
	for (size_t i = 0; i < r->nstages; i++)
		nrej += r->stages[i].rejected;
	run_say(r, "  rejects:  %llu records in %s/*.rejects.jsonl\n", nrej, r->out);
	run_say(r, "  manifest: %s/manifest.json\n", r->out);
	if (report)
		run_say(r, "  report:   %s\n", report->outputs[0]);
	return RS_OK;
}

/* ---- the library's face ----------------------------------------------------- */

/* The outcome of an internal step for the caller: its code, r->err said
 * what (empty when a command told a person itself). */
static sprout_code finish(struct sprout_run *r, int rc, sprout_error *err)
{
	if (rc < 0 && r->nomem)
		rc = run_fail(r, RS_INTERNAL, "out of memory");
	if (rc < 0 || rc == RS_OK)
		return SPROUT_OK;
	if (!r->err.code) /* a command told a person: the caller gets the code only */
		r->err.code = run_code_for(rc);
	if (err)
		*err = r->err;
	return r->err.code;
}

sprout_run *sprout_run_open(const char *path, const sprout_run_options *o, sprout_error *err)
{
	sprout_run *r = calloc(1, sizeof *r);
	sprout_arena *a = sprout_arena_new(0);
	if (!r || !a || !path || !o) {
		free(r);
		sprout_arena_free(a);
		sprout_error_set(err, path && o ? SPROUT_ERR_NOMEM : SPROUT_ERR_USAGE,
				 path && o ? "out of memory"
					   : "sprout_run_open: no recipe or options");
		return NULL;
	}
	r->o = *o;
	r->a = a;
	r->lock_fd = -1;
	r->quiet = o->quiet;
	r->restart = o->restart;
	r->allow_outside = o->allow_outside;
	r->llm_flag = o->llm;
	r->path = path;
	if (o->out_dir) {
		r->out = o->out_dir;
		r->out_given = 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &r->t0);
	run_utc_now(r->started);
	const char *slash = strrchr(path, '/');
	r->dir = slash ? sprout_arena_strndup(a, path, (size_t)(slash - path)) : "";
	if (r->dir && slash == path)
		r->dir = "/";
	const sprout_json *stages = NULL;
	int rc = !r->dir ? RS_INTERNAL : -1;
	if (rc < 0 && (rc = run_read_recipe(r)) < 0 && (rc = run_load_top(r, &stages)) < 0) {
		if (!r->out)
			r->out = r->out_node ? r->out_node->u.s : run_fmt(r, "out/%s", r->name);
		size_t n = strlen(r->out);
		while (n > 1 && r->out[n - 1] == '/')
			n--;
		r->out = sprout_arena_strndup(r->a, r->out, n);
		/* the caller's server and model before the stages' checks */
		if (o->nurls) {
			r->llm_urls = o->urls;
			r->nllm_urls = o->nurls;
		} else if (o->url) {
			r->llm_urls = &o->url;
			r->nllm_urls = 1;
		}
		r->llm_url = r->nllm_urls ? r->llm_urls[0] : NULL;
		if (o->model)
			r->llm_model = o->model;
		if ((rc = run_confine_top(r)) < 0 && (rc = run_load_stages(r, stages)) < 0 &&
		    o->shards)
			rc = run_shard_plan(r);
	}
	for (size_t i = 0; rc < 0 && i < r->ninputs; i++) {
		struct input *in = &r->inputs[i];
		if ((rc = run_hash_file(r, in->path, in->hash, &in->bytes)) < 0)
			rc = run_count_records(r, in->path, &in->records);
	}
	if (finish(r, rc, err)) {
		sprout_run_free(r);
		return NULL;
	}
	return r;
}

sprout_code sprout_run_execute(sprout_run *r, sprout_error *err)
{
	/* stages that score English (augment's check, filter's meaning) read
	 * the language model once for the run, not once each */
	sprout_lm_hold();
	int rc = run_execute(r);
	sprout_lm_release();
	return finish(r, rc, err);
}

sprout_code sprout_run_plan(sprout_run *r, sprout_error *err)
{
	return finish(r, run_dry_run(r), err);
}

const char *sprout_run_folder(const sprout_run *r)
{
	return r->out;
}

void sprout_run_free(sprout_run *r)
{
	if (!r)
		return;
	sprout_state_close(r->state);
	if (r->lock_fd >= 0)
		close(r->lock_fd);
	sprout_yaml_free(r->marks);
	sprout_arena_free(r->a);
	free(r);
}
