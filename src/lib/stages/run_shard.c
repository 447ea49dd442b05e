/* A recipe run in shards, then merged (docs/scale.md).
 *
 * The stages at the head of a recipe that work record by record (convert,
 * augment, generate but its pairs and magpie, which read the whole seed
 * set) run in each shard over its share of the inputs: input records
 * lo..hi-1 of T, lo = T*I/N (sprout_source_options' range: a run of
 * records with the same _sprout.root is never cut), into RUN/shard-I-of-N
 * with its own run state, so an interrupted shard goes on from its last
 * finished stage (and generate from its answer cache, request by request).
 * The first filter runs its own checks of each record there too (--part
 * each) when they need no statistics of the whole set (the wordnet and
 * lexical engines count words over every record; a judge scores what the
 * duplicate checks kept): its duplicate and novelty checks run in the
 * merge (--part across). A finished shard leaves done.json, its manifest,
 * written last and atomically.
 *
 * The merge joins the shards' records in shard order, which is the input
 * order, so the stages after them see the very records, in the very order,
 * of a run without shards: the dataset files are the same bytes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sprout/io.h"
#include "sprout/json.h"
#include "sprout/run.h"

#include "stages/run_internal.h"

enum role { R_WHOLE, R_EACH, R_SPLIT };

/* How stage st can run in shards. */
static enum role role_of(struct sprout_run *r, const struct stage *st)
{
	if (!strcmp(st->name, "convert") || !strcmp(st->name, "augment"))
		return R_EACH;
	if (!strcmp(st->name, "generate")) {
		const char *m = run_stage_text(st, "method", "");
		return !strcmp(m, "pairs") || !strcmp(m, "magpie") ? R_WHOLE : R_EACH;
	}
	if (!strcmp(st->name, "filter")) {
		const char *e = run_stage_text(st, "similarity", "meaning");
		if ((run_judges(st) && r->llm) || !strcmp(e, "wordnet") || !strcmp(e, "lexical"))
			return R_WHOLE;
		return R_SPLIT;
	}
	return R_WHOLE;
}

/* Why stage st ends what the shards run, for a person. */
static const char *why_whole(const struct stage *st)
{
	if (!strcmp(st->name, "generate"))
		return "its method reads the whole seed set";
	if (!strcmp(st->name, "filter"))
		return run_judges(st) ? "its judge scores what the duplicate checks keep"
				      : "its engine counts words over every record";
	return "it needs every record";
}

int run_shard_plan(struct sprout_run *r)
{
	const sprout_run_options *o = &r->o;
	if (o->shard >= o->shards)
		return run_fail(r, RS_USAGE, "shard %u of %u: the index runs from 0 to %u",
				o->shard, o->shards, o->shards - 1);
	r->nprefix = 0;
	r->split_filter = 0;
	for (size_t i = 0; i < r->nstages; i++) {
		const struct stage *st = &r->stages[i];
		enum role k = role_of(r, st);
		if (k == R_WHOLE)
			break;
		if (run_given(st, "array"))
			return run_fail(r, RS_USAGE,
					"stage %s writes a JSON array (array: true): a sharded run "
					"joins JSONL files; leave array out",
					st->label);
		r->nprefix = i + 1;
		if (k == R_SPLIT) {
			r->split_filter = 1;
			break;
		}
	}
	if (!r->nprefix)
		return run_fail(r, RS_USAGE,
				"%s: the first stage, %s, cannot run in shards (%s): nothing in "
				"this recipe works record by record before it; run it without "
				"shards",
				r->path, r->stages[0].label, why_whole(&r->stages[0]));
	if (r->nprefix < r->nstages && !r->split_filter)
		run_note(r, "sprout: stages from %s run in the merge (%s)",
			 r->stages[r->nprefix].label, why_whole(&r->stages[r->nprefix]));
	r->shard_mode = o->merge ? 2 : 1;
	return -1;
}

static const char *shard_folder(struct sprout_run *r, unsigned i)
{
	return run_fmt(r, "%s/shard-%u-of-%u", r->top, i, r->o.shards);
}

int run_shard_setup(struct sprout_run *r)
{
	r->top = r->out;
	if (r->shard_mode == 2)
		return -1;
	unsigned long long t = 0, i = r->o.shard, n = r->o.shards;
	for (size_t k = 0; k < r->ninputs; k++)
		t += r->inputs[k].records;
	unsigned long long lo = t * i / n, hi = t * (i + 1) / n;
	r->out = shard_folder(r, r->o.shard);
	r->shard_records = (i + 1 == n ? t : hi) - lo;
	r->shard_range = i + 1 == n ? run_fmt(r, "%llu-", lo) : run_fmt(r, "%llu-%llu", lo, hi);
	if (i + 1 < n && lo == hi)
		r->shard_range = NULL; /* more shards than records: nothing here */
	return -1;
}

/* Does the split filter st find duplicates by sorted keys (not with
 * novelty, whose pool is in memory; not without duplicate checks)? */
static int by_keys(const struct stage *st)
{
	return !run_given(st, "novelty") && strcmp(run_stage_text(st, "dedup", "near"), "off");
}

/* Where the split filter st of the shard in folder writes its keys. */
static const char *keys_file(struct sprout_run *r, const char *folder, const struct stage *st)
{
	return run_fmt(r, "%s/%s.keys", folder, st->label);
}

int run_split_filter(const struct sprout_run *r, const struct stage *st)
{
	return r->split_filter && st == &r->stages[r->nprefix - 1];
}

void run_shard_args(struct sprout_run *r, struct stage *st, char ***argv, size_t *argc, size_t *cap)
{
	size_t i = (size_t)(st - r->stages);
	if (r->shard_mode == 1 && i == 0 && r->shard_range && run_find_option(st, "records"))
		run_push(r, argv, argc, cap, run_fmt(r, "--records=%s", r->shard_range));
	if (run_split_filter(r, st)) {
		run_push(r, argv, argc, cap, r->shard_mode == 1 ? "--part=each" : "--part=across");
		/* duplicates across shards by sorting the keys each shard wrote */
		if (r->shard_mode == 1 && by_keys(st))
			run_push(r, argv, argc, cap,
				 run_fmt(r, "--keys-out=%s", keys_file(r, r->out, st)));
		for (size_t k = 0; r->shard_mode == 2 && k < r->nfilter_keys; k++)
			run_push(r, argv, argc, cap, run_fmt(r, "--keys=%s", r->filter_keys[k]));
		if (r->shard_mode == 2 && r->nfilter_keys)
			run_push(r, argv, argc, cap,
				 run_fmt(r, "--keys-memory=%u", r->o.dedup_memory));
	}
	/* the rate budget is the provider's: each shard gets its share */
	if (r->shard_mode == 1 && r->o.shards > 1 && run_find_option(st, "budget-share") &&
	    !run_given(st, "budget-share"))
		run_push(r, argv, argc, cap, run_fmt(r, "--budget-share=%u", r->o.shards));
}

/* ---- a shard's marker --------------------------------------------------- */

/* The marker of shard i, read and checked against this recipe and its
 * inputs: the object, or NULL with *why (a static or arena text). */
static sprout_json *read_marker(struct sprout_run *r, sprout_arena *a, unsigned i, const char **why)
{
	const char *path = run_fmt(r, "%s/done.json", shard_folder(r, i));
	sprout_json *m = run_read_json(a, path);
	if (!m) {
		*why = access(path, F_OK) == 0 ? "its done.json cannot be read" : "not done";
		return NULL;
	}
	const sprout_json *rec = sprout_json_get(m, "recipe"), *sh = sprout_json_get(m, "shard");
	if (!sprout_json_is(rec ? sprout_json_get(rec, "xxh128") : NULL, r->recipe_hash)) {
		*why = "made from another version of the recipe";
		return NULL;
	}
	if (!sh || sprout_json_number(sprout_json_get(sh, "index")) != (double)i ||
	    sprout_json_number(sprout_json_get(sh, "of")) != (double)r->o.shards) {
		*why = "its done.json is of another shard";
		return NULL;
	}
	const sprout_json *ins = sprout_json_get(m, "inputs");
	if (!ins || ins->type != SPROUT_JSON_ARRAY || ins->len != r->ninputs) {
		*why = "made from other inputs";
		return NULL;
	}
	for (size_t k = 0; k < r->ninputs; k++)
		if (!sprout_json_is(sprout_json_get(ins->u.items[k], "xxh128"),
				    r->inputs[k].hash)) {
			*why = run_fmt(r, "made from another %s", r->inputs[k].path);
			return NULL;
		}
	const sprout_json *sts = sprout_json_get(m, "stages");
	if (!sts || sts->type != SPROUT_JSON_ARRAY ||
	    (sts->len != r->nprefix && !sprout_json_get(sh, "empty"))) {
		*why = "its done.json names other stages";
		return NULL;
	}
	return m;
}

int run_shard_done_before(struct sprout_run *r)
{
	const char *path = run_fmt(r, "%s/done.json", r->out);
	if (r->restart) {
		unlink(path);
		return 0;
	}
	sprout_arena *a = sprout_arena_new(0);
	const char *why = NULL;
	sprout_json *m = a ? read_marker(r, a, r->o.shard, &why) : NULL;
	int done = 0;
	if (m) { /* and its outputs as they were */
		done = 1;
		const sprout_json *sts = sprout_json_get(m, "stages");
		for (size_t i = 0; done && i < sts->len; i++) {
			const sprout_json *outs = sprout_json_get(sts->u.items[i], "outputs");
			for (size_t k = 0; done && outs && k < outs->len; k++) {
				const sprout_json *f = outs->u.items[k];
				const sprout_json *p = sprout_json_get(f, "path");
				char now[SPROUT_HASH_HEX];
				sprout_error err = SPROUT_ERROR_INIT;
				done = p && p->type == SPROUT_JSON_STRING &&
				       !sprout_hash_file(run_fmt(r, "%s/%s", r->out, p->u.s), now,
							 NULL, &err) &&
				       sprout_json_is(sprout_json_get(f, "xxh128"), now);
			}
		}
	}
	sprout_arena_free(a);
	if (!done) {
		unlink(path); /* stale: made again when the shard is */
		return 0;
	}
	run_note(r, "sprout: run %s, shard %u of %u: done before (%s)", r->name, r->o.shard,
		 r->o.shards, path);
	run_say(r, "shard %u of %u of run %s: done before\n  done:     %s\n", r->o.shard,
		r->o.shards, r->name, path);
	return 1;
}

int run_shard_finish(struct sprout_run *r)
{
	int rc;
	if ((rc = run_write_manifest(r, "complete", r->shard_range ? r->nprefix : 0)) >= 0)
		return rc;
	r->manifest_name = "done.json";
	rc = run_write_manifest(r, "complete", r->shard_range ? r->nprefix : 0);
	r->manifest_name = NULL;
	if (rc >= 0)
		return rc;
	const struct stage *last = r->shard_range ? &r->stages[r->nprefix - 1] : NULL;
	run_say(r, "shard %u of %u of run %s: %zu stages in %.1f s\n", r->o.shard, r->o.shards,
		r->name, last ? r->nprefix : 0, run_since(&r->t0));
	for (size_t k = 0; last && k < last->noutputs; k++)
		run_say(r, "  %-9s %s (%llu records)\n", k ? "" : "records:", last->outputs[k],
			last->out_records[k]);
	run_say(r, "  done:     %s/done.json\n  merge:    sprout merge --shards %u %s\n", r->out,
		r->o.shards, r->path);
	return RS_OK;
}

/* ---- the merge -------------------------------------------------------------- */

/* parts[0..n) one after the other into dest, atomically, measured (records
 * known: their number); missing parts are none. -1, or an exit status. */
static int join(struct sprout_run *r, char *const *parts, size_t n, const char *dest,
		long long records)
{
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_writer *w = sprout_writer_open(dest, SPROUT_CONTAINER_JSONL, &err);
	if (!w)
		return run_fail_at(r, &err, RS_IO);
	/* a copy: the writer's own goes with it at commit, before it is untold */
	const char *temp = run_fmt(r, "%s", sprout_writer_temp_path(w));
	if (r->o.temp)
		r->o.temp(r->o.ctx, temp, 1);
	char *buf = malloc(1 << 16);
	int rc = buf ? -1 : RS_INTERNAL;
	for (size_t i = 0; rc < 0 && i < n; i++) {
		FILE *f = fopen(parts[i], "rb");
		if (!f) {
			if (errno != ENOENT)
				rc = run_fail(r, RS_IO, "%s: %s", parts[i], strerror(errno));
			continue;
		}
		size_t got;
		while (rc < 0 && (got = fread(buf, 1, 1 << 16, f)) > 0)
			if (sprout_writer_write(w, buf, got, &err))
				rc = run_fail_at(r, &err, RS_IO);
		if (rc < 0 && ferror(f))
			rc = run_fail(r, RS_IO, "%s: cannot read it", parts[i]);
		fclose(f);
	}
	free(buf);
	sprout_written wr;
	if (rc >= 0) {
		sprout_writer_abort(w);
	} else if (sprout_writer_commit_measured(w, &wr, &err)) {
		rc = run_fail_at(r, &err, RS_IO);
	} else {
		wr.records_known = records >= 0;
		wr.records = records >= 0 ? (unsigned long)records : 0;
		run_written(r, dest, &wr);
	}
	if (r->o.temp)
		r->o.temp(r->o.ctx, temp, 0);
	return rc;
}

static unsigned long long count(const sprout_json *o, const char *key)
{
	return (unsigned long long)sprout_json_number(sprout_json_get(o, key));
}

/* The keys files of the split filter st, of the shards with records: all
 * of them, or none (shards made before keys were written: the merge's
 * filter finds duplicates in memory). -1, or an exit status. */
static int take_keys(struct sprout_run *r, sprout_json *const *m, const struct stage *st)
{
	size_t cap = 0;
	r->filter_keys = NULL;
	r->nfilter_keys = 0;
	if (!by_keys(st) || !r->o.dedup_memory) /* the index in memory */
		return -1;
	for (unsigned k = 0; k < r->o.shards; k++) {
		if (!m[k])
			continue;
		const char *path = keys_file(r, shard_folder(r, k), st);
		if (access(path, R_OK) != 0) {
			run_note(r,
				 "sprout: %s: no keys file (a shard made by an older sprout): the "
				 "merge finds duplicates in memory",
				 path);
			r->nfilter_keys = 0;
			return -1;
		}
		run_push(r, &r->filter_keys, &r->nfilter_keys, &cap, (char *)path);
	}
	return -1;
}

/* Stage i of the shards, from their markers m[0..n) (NULL: an empty
 * shard), into the merge's stage: counts added up, the outputs of each
 * shard (or, for the last, joined into one file), rejects joined. */
static int take_stage(struct sprout_run *r, sprout_json *const *m, size_t i, struct flow *fl)
{
	struct stage *st = &r->stages[i];
	unsigned n = r->o.shards;
	int last = i + 1 == r->nprefix;
	size_t cap = 0, rcap = 0, nrej = 0;
	char **rej = NULL;
	st->in = st->out = st->rejected = 0;
	st->seconds = 0;
	st->noutputs = 0;
	st->outputs = NULL;
	size_t nout = 0;
	for (unsigned k = 0; k < n; k++)
		if (m[k])
			nout +=
			    sprout_json_get(sprout_json_get(m[k], "stages")->u.items[i], "outputs")
				->len;
	st->out_records = sprout_arena_alloc(r->a, (nout + 1) * sizeof *st->out_records);
	st->out_hash = sprout_arena_alloc(r->a, (nout + 1) * sizeof *st->out_hash);
	if (!st->out_records || !st->out_hash)
		return RS_INTERNAL;
	const char *rejects = NULL;
	run_keep_parents(r, st, fl->cur, fl->ncur); /* as a run without shards */
	for (unsigned k = 0; k < n; k++) {
		if (!m[k])
			continue;
		const sprout_json *s = sprout_json_get(m[k], "stages")->u.items[i];
		if (!sprout_json_is(sprout_json_get(s, "stage"), st->label))
			return run_fail(r, RS_DATA,
					"%s/done.json: its stage %zu is not %s: made from another "
					"recipe; run the shard again",
					shard_folder(r, k), i + 1, st->label);
		st->in += count(s, "in");
		st->out += count(s, "out");
		st->rejected += count(s, "rejected");
		st->seconds += sprout_json_number(sprout_json_get(s, "seconds"));
		const sprout_json *outs = sprout_json_get(s, "outputs");
		for (size_t j = 0; outs && j < outs->len; j++) {
			const sprout_json *f = outs->u.items[j];
			const sprout_json *p = sprout_json_get(f, "path"),
					  *h = sprout_json_get(f, "xxh128");
			if (!p || p->type != SPROUT_JSON_STRING || !h ||
			    h->type != SPROUT_JSON_STRING)
				return run_fail(r, RS_DATA,
						"%s/done.json: an output without its path",
						shard_folder(r, k));
			snprintf(st->out_hash[st->noutputs], SPROUT_HASH_HEX, "%s", h->u.s);
			st->out_records[st->noutputs] = count(f, "records");
			run_push(r, &st->outputs, &st->noutputs, &cap,
				 run_fmt(r, "%s/%s", shard_folder(r, k), p->u.s));
		}
		const sprout_json *rj = sprout_json_get(s, "rejects");
		if (rj && rj->type == SPROUT_JSON_STRING) {
			run_push(r, &rej, &nrej, &rcap,
				 run_fmt(r, "%s/%s", shard_folder(r, k), rj->u.s));
			rejects = rj->u.s;
		}
		const sprout_json *cmd = sprout_json_get(s, "command");
		if (!st->argv && cmd && cmd->type == SPROUT_JSON_ARRAY) {
			size_t acap = 0;
			st->argc = 0;
			for (size_t j = 1; j < cmd->len; j++) /* "sprout" first */
				if (cmd->u.items[j]->type == SPROUT_JSON_STRING)
					run_push(r, &st->argv, &st->argc, &acap,
						 cmd->u.items[j]->u.s);
		}
	}
	st->sharded = 1;
	st->done = 1;
	st->rejects = rejects ? run_fmt(r, "%s/%s", r->top, rejects) : NULL;
	int rc;
	if (run_split_filter(r, st)) { /* its checks across records are still to run */
		r->filter_rejects = rej;
		r->nfilter_rejects = nrej;
		if ((rc = take_keys(r, m, st)) >= 0)
			return rc;
		r->filter_in = st->in;
		const char *joined = run_fmt(r, "%s/%s.each.jsonl", r->top, st->label);
		if ((rc = join(r, st->outputs, st->noutputs, joined, (long long)st->out)) >= 0)
			return rc;
		fl->cur = sprout_arena_alloc(r->a, 2 * sizeof *fl->cur);
		if (!fl->cur)
			return RS_INTERNAL;
		fl->cur[0] = (char *)joined;
		fl->ncur = 1;
		fl->cur_records = st->out;
		st->sharded = 0; /* the merge runs it */
		st->done = 0;
		return -1;
	}
	if (nrej && (rc = join(r, rej, nrej, st->rejects, -1)) >= 0)
		return rc;
	if (last) { /* the records for the merge's stages: one file */
		const char *joined = run_fmt(r, "%s/%s.jsonl", r->top, st->label);
		if ((rc = join(r, st->outputs, st->noutputs, joined, (long long)st->out)) >= 0)
			return rc;
		st->noutputs = 1;
		st->outputs[0] = (char *)joined;
		st->out_records[0] = st->out;
		if ((rc = run_hash_file(r, joined, st->out_hash[0], NULL)) >= 0)
			return rc;
	}
	run_stage_line(r, st);
	run_flow_past(r, fl, st);
	return -1;
}

int run_merge_shards(struct sprout_run *r, struct flow *fl, size_t *from)
{
	unsigned n = r->o.shards;
	sprout_json **m = sprout_arena_alloc(r->a, (n + 1) * sizeof *m);
	if (!m)
		return RS_INTERNAL;
	char missing[2048] = "";
	size_t off = 0, nmissing = 0;
	const char *first_why = NULL;
	unsigned first = 0;
	for (unsigned k = 0; k < n; k++) {
		const char *why = NULL;
		m[k] = read_marker(r, r->a, k, &why);
		if (m[k]) {
			if (sprout_json_get(sprout_json_get(m[k], "shard"), "empty"))
				m[k] = NULL; /* no records: nothing to take */
			continue;
		}
		if (!nmissing++) {
			first_why = why;
			first = k;
		}
		if (off < sizeof missing - 16)
			off += (size_t)snprintf(missing + off, sizeof missing - off, "%s%u",
						off ? ", " : "", k);
	}
	if (nmissing)
		return run_fail(r, RS_DATA,
				"%u shard%s of %u not done: %s (shard %u: %s in %s); run %s first "
				"(sprout run --shard %s/%u %s) and merge again",
				(unsigned)nmissing, nmissing == 1 ? "" : "s", n, missing, first,
				first_why, shard_folder(r, first), nmissing == 1 ? "it" : "them",
				nmissing == 1 ? run_fmt(r, "%u", first) : "I", n, r->path);
	int rc;
	for (size_t i = 0; i < r->nprefix; i++)
		if ((rc = take_stage(r, m, i, fl)) >= 0)
			return rc;
	*from = r->nprefix - (r->split_filter ? 1 : 0);
	if (r->split_filter && r->filter_in && !fl->cur_records)
		return run_fail(r, RS_DATA,
				"no record was kept: all %llu were rejected by the checks of stage "
				"%s in the shards (see their rejects files)",
				r->filter_in, r->stages[*from].label);
	return run_write_manifest(r, "running", *from);
}

int run_merge_filter_rejects(struct sprout_run *r, struct stage *st)
{
	st->in = r->filter_in;
	if (!st->rejects)
		return -1;
	size_t n = r->nfilter_rejects;
	char **parts = sprout_arena_alloc(r->a, (n + 1) * sizeof *parts);
	const char *mine = run_fmt(r, "%s.across", st->rejects);
	if (!parts)
		return RS_INTERNAL;
	if (n)
		memcpy(parts, r->filter_rejects, n * sizeof *parts);
	parts[n++] = (char *)mine;
	if (rename(st->rejects, mine) != 0 && errno != ENOENT)
		return run_fail(r, RS_IO, "%s: %s", st->rejects, strerror(errno));
	int rc = join(r, parts, n, st->rejects, -1);
	unlink(mine);
	return rc;
}

/* ---- the manifest ------------------------------------------------------------- */

void run_manifest_shards(struct sprout_run *r, sprout_arena *a, sprout_json *m, sprout_json *stages)
{
	if (!r->shard_mode)
		return;
	if (r->shard_mode == 1) {
		sprout_json *sh = sprout_json_new(a, SPROUT_JSON_OBJECT);
		sprout_json_set(a, sh, "index", sprout_json_integer(a, r->o.shard));
		sprout_json_set(a, sh, "of", sprout_json_integer(a, r->o.shards));
		if (r->shard_range)
			sprout_json_set(
			    a, sh, "records",
			    sprout_json_string(a, r->shard_range, strlen(r->shard_range)));
		else
			sprout_json_set(a, sh, "empty", sprout_json_new(a, SPROUT_JSON_TRUE));
		sprout_json_set(a, m, "shard", sh);
		return;
	}
	sprout_json *list = sprout_json_new(a, SPROUT_JSON_ARRAY);
	for (unsigned k = 0; k < r->o.shards; k++) {
		const char *f = shard_folder(r, k) + strlen(r->top) + 1;
		sprout_json_push(a, list, sprout_json_string(a, f, strlen(f)));
	}
	sprout_json_set(a, m, "shards", list);
	for (size_t i = 0; stages && i < stages->len && i < r->nstages; i++)
		if (r->stages[i].sharded)
			sprout_json_set(a, stages->u.items[i], "sharded",
					sprout_json_new(a, SPROUT_JSON_TRUE));
}
