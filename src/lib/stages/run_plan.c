/* The plan of a run (sprout_run_plan, sprout run --dry-run): the command
 * lines, the records to expect and the model requests. */
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

/* ---- --dry-run -------------------------------------------------------------- */

/* Whole number option of a stage, or def. */
static double num_option(const struct stage *st, const char *name, double def)
{
	const sprout_json *v = st->opts ? sprout_json_get(st->opts, name) : NULL;
	if (!v)
		return def;
	if (v->type == SPROUT_JSON_NUMBER)
		return sprout_json_number(v);
	if (v->type == SPROUT_JSON_STRING)
		return strtod(v->u.s, NULL);
	return def;
}

/* Variants augment makes per record: the sum of --count, or -n. */
static double augment_per_record(const struct stage *st)
{
	const sprout_json *c = st->opts ? sprout_json_get(st->opts, "count") : NULL;
	if (!c)
		return num_option(st, "variants", 4);
	double sum = 0;
	if (c->type == SPROUT_JSON_OBJECT) {
		for (size_t i = 0; i < c->len; i++)
			sum += sprout_json_number(c->u.members[i].value);
	} else if (c->type == SPROUT_JSON_STRING) {
		for (const char *p = c->u.s; (p = strchr(p, '=')); p++)
			sum += strtod(p + 1, NULL);
	}
	return sum;
}

/* Items in a list option (a YAML list or a comma list), or def. */
static double list_len(const struct stage *st, const char *name, double def)
{
	const sprout_json *v = st->opts ? sprout_json_get(st->opts, name) : NULL;
	if (!v)
		return def;
	if (v->type == SPROUT_JSON_ARRAY)
		return (double)v->len;
	double n = 1;
	for (size_t i = 0; v->type == SPROUT_JSON_STRING && i < v->len; i++)
		n += v->u.s[i] == ',';
	return n;
}

/* Records a generate stage makes at most from `in` records. */
static double generate_expect(const struct stage *st, double in)
{
	const sprout_json *m = sprout_json_get(st->opts, "method");
	const sprout_json *keep = sprout_json_get(st->opts, "keep-original");
	double k = keep && keep->type == SPROUT_JSON_TRUE ? in : 0;
	if (sprout_json_is(m, "pairs"))
		return num_option(st, "count", 50) + k;
	if (sprout_json_is(m, "paraphrase"))
		return in * list_len(st, "constraints", 1) * num_option(st, "variants", 3) + k;
	if (sprout_json_is(m, "expand"))
		return in * num_option(st, "variants", 3) + k;
	if (sprout_json_is(m, "evolve"))
		return in * list_len(st, "operations", 2) + k;
	return in + k;
}

/* Average characters of the prompt slot of the inputs, for token estimates. */
static double average_prompt(const struct sprout_run *r)
{
	const char **paths = malloc((r->ninputs + 1) * sizeof *paths);
	if (!paths)
		return 0;
	for (size_t i = 0; i < r->ninputs; i++)
		paths[i] = r->inputs[i].path;
	sprout_source_options so = {SPROUT_READER_OPTIONS_INIT, {0}};
	if (r->format)
		sprout_format_parse(r->format, &so.format, NULL);
	sprout_source *s = sprout_source_open(paths, r->ninputs, &so, NULL);
	double chars = 0, n = 0;
	sprout_record rec;
	sprout_code rc;
	while (s && (rc = sprout_source_next(s, &rec, NULL)) != SPROUT_END) {
		sprout_text t;
		if (rc == SPROUT_OK && sprout_record_get(&rec, SPROUT_SLOT_PROMPT, &t)) {
			chars += (double)t.len;
			n++;
		}
		if (sprout_source_failed(s))
			break;
	}
	sprout_source_close(s);
	free(paths);
	return n ? chars / n : 0;
}

/* A generate stage's (or a judging filter's) own --dry-run, its lines
 * indented under the stage, and the requests, tokens and cost it counts
 * (*usd < 0 once a stage's cost is unknown). 0, or -1 when it could not
 * run. */
static int stage_plan(struct sprout_run *r, const struct stage *st, double *requests,
		      double *tokens, double *usd)
{
	if (!st->cmd->plan)
		return -1;
	sprout_buf b = SPROUT_BUF_INIT(1 << 24);
	int rc = st->cmd->plan(st->cmd->ctx, (int)st->argc, st->argv, &b);
	for (const char *line = b.data; line && line < b.data + b.len;) {
		const char *end = memchr(line, '\n', (size_t)(b.data + b.len - line));
		size_t n = end ? (size_t)(end - line) + 1 : (size_t)(b.data + b.len - line);
		char text[1024];
		snprintf(text, sizeof text, "%.*s", (int)(n < sizeof text ? n : sizeof text - 1),
			 line);
		line += n;
		unsigned long long k, p, ans;
		if (sscanf(text, "requests: %llu", &k) == 1)
			*requests += (double)k;
		if (sscanf(text, "tokens, estimated: %llu prompt + %llu answer", &p, &ans) == 2)
			*tokens += (double)(p + ans);
		double cost;
		if (sscanf(text, "cost, estimated: $%lf", &cost) == 1 && *usd >= 0)
			*usd += cost;
		else if (!strncmp(text, "cost: unknown", 13))
			*usd = -1;
		run_say(r, "               %s", text);
	}
	sprout_buf_release(&b);
	return rc == RS_OK ? 0 : -1;
}

int run_dry_run(struct sprout_run *r)
{
	run_say(r, "recipe %s: run %s", r->path, r->name);
	if (r->seed)
		run_say(r, ", seed %s", r->seed);
	run_say(r, "; llm section %s\ninputs:\n", r->llm ? "on" : "off");
	double records = 0;
	for (size_t i = 0; i < r->ninputs; i++) {
		run_say(r, "  %s: %llu records, %llu bytes\n", r->inputs[i].path,
			r->inputs[i].records, r->inputs[i].bytes);
		records += (double)r->inputs[i].records;
	}
	struct stat s;
	int exists = stat(r->out, &s) == 0;
	char *state_path = run_fmt(r, "%s/sprout.sqlite", r->out);
	if (exists && !r->restart && access(state_path, F_OK) == 0)
		r->state = sprout_state_open(state_path, NULL);
	run_say(r, "run folder: %s%s\nstages:\n", r->out,
		exists ? (r->restart ? " (exists; --restart runs every stage again)" : " (exists)")
		       : " (new)");
	char **cur = sprout_arena_alloc(r->a, (r->ninputs + 3) * sizeof *cur);
	char **rejects = sprout_arena_alloc(r->a, (r->nstages + 1) * sizeof *rejects);
	if (!cur || !rejects)
		return RS_INTERNAL;
	size_t ncur = r->ninputs, nrejects = 0;
	r->nparents = 0;
	for (size_t i = 0; i < r->ninputs; i++)
		cur[i] = (char *)r->inputs[i].path;
	const char *cur_format = r->format;
	int after_split = 0, chain_done = 1;
	double hi = records, prompt = average_prompt(r);
	double requests = 0, tokens = 0, usd = 0;
	for (size_t i = 0; i < r->nstages; i++) {
		struct stage *st = &r->stages[i];
		const char *single, *dir;
		run_build_argv(r, st, cur, ncur, cur_format, after_split, rejects, nrejects,
			       &single, &dir);
		char key[SPROUT_HASH_HEX];
		int done = 0;
		if (chain_done && r->state) {
			/* hashing needs the inputs: quietly unknown when they are not there */
			int ok = 1;
			for (size_t k = 0; k < ncur + st->ninfiles; k++)
				ok = ok &&
				     access(k < ncur ? cur[k] : st->infiles[k - ncur], R_OK) == 0;
			done = ok && run_stage_key(r, st, cur, ncur, key) < 0 &&
			       run_finished_before(r, st, key);
		}
		chain_done = done;
		double in_hi = hi;
		char expect[128];
		switch (st->kind) {
		case K_RECORDS:
			if (!strcmp(st->name, "augment")) {
				double per = augment_per_record(st);
				int keep = run_given(st, "keep-original") &&
					   sprout_json_get(st->opts, "keep-original")->type ==
					       SPROUT_JSON_TRUE;
				hi = hi * (per + keep);
				snprintf(expect, sizeof expect,
					 "up to %.0f records (%.0f variants each%s)", hi, per,
					 keep ? ", and the original" : "");
			} else if (!strcmp(st->name, "convert")) {
				snprintf(expect, sizeof expect, "%.0f records", hi);
			} else if (!strcmp(st->name, "generate")) {
				hi = generate_expect(st, hi);
				snprintf(expect, sizeof expect, "up to %.0f records", hi);
			} else {
				snprintf(expect, sizeof expect, "at most %.0f records", hi);
			}
			break;
		case K_SPLIT: {
			double v = num_option(st, "valid", 0.1), t = num_option(st, "test", 0.1);
			snprintf(expect, sizeof expect,
				 "at most %.0f records: about %.0f%% train, %.0f%% valid, %.0f%% "
				 "test of "
				 "the real ones",
				 hi, (1 - v - t) * 100, v * 100, t * 100);
			break;
		}
		case K_EXPORT:
			snprintf(expect, sizeof expect, "the same records, for trainers");
			break;
		case K_REPORT: snprintf(expect, sizeof expect, "an HTML page and its JSON"); break;
		}
		run_say(r, "  %-12s %s%s\n", st->label, done ? "done before: " : "", expect);
		run_say(r, "               sprout");
		for (size_t k = 0; k < st->argc; k++)
			run_say(r, " %s", st->argv[k]);
		run_say(r, "\n");
		if (run_judges(st) && r->llm && !done) {
			/* its own --dry-run runs the checks: only with its input there */
			int ready = 1;
			for (size_t k = 0; k < ncur; k++)
				ready = ready && access(cur[k], R_OK) == 0;
			if (!ready || stage_plan(r, st, &requests, &tokens, &usd)) {
				double n = in_hi * list_len(st, "judge", 1);
				run_say(
				    r,
				    "               model: up to %.0f judge requests (one for each "
				    "record and rubric that applies to it)\n",
				    n);
				requests += n;
			}
		}
		if (!strcmp(st->name, "generate") && !done) {
			int ready = 1;
			for (size_t k = 0; k < ncur; k++)
				ready = ready && access(cur[k], R_OK) == 0;
			if (!ready || stage_plan(r, st, &requests, &tokens, &usd)) {
				/* before the stages it reads from have run: one request or more
				 * for each record */
				run_say(r,
					"               model: one request or more for each of up "
					"to %.0f "
					"records\n",
					in_hi);
				requests += in_hi;
			}
		}
		const sprout_json *sim = st->opts ? sprout_json_get(st->opts, "similarity") : NULL;
		if (sim && sprout_json_is(sim, "embed") && !done) {
			/* every checked text and its parent, once each, 64 to a request */
			double texts = in_hi;
			double req =
			    texts > 0 ? (double)(((unsigned long long)texts + 63) / 64) : 0;
			requests += req;
			tokens += texts * prompt / 4;
			const char *url = run_stage_text(st, "embed-url", r->llm_url);
			const char *model = run_stage_text(st, "embed-model", r->llm_embed_model);
			char shown[2048];
			if (url)
				sprout_url_redact(url, shown, sizeof shown);
			run_say(
			    r,
			    "               model: up to %.0f embedding requests to %s (%s), about "
			    "%.0f tokens; vectors already cached are not asked for again\n",
			    req, url ? shown : "(no url)", model ? model : "no model",
			    texts * prompt / 4);
		}
		if (st->rejects)
			rejects[nrejects++] = (char *)st->rejects;
		if (st->kind == K_RECORDS || st->kind == K_SPLIT) {
			if (single) {
				ncur = 1;
				cur[0] = (char *)single;
			} else {
				ncur = 3;
				cur[0] = run_fmt(r, "%s/train.jsonl", dir);
				cur[1] = run_fmt(r, "%s/valid.jsonl", dir);
				cur[2] = run_fmt(r, "%s/test.jsonl", dir);
			}
			if (!strcmp(st->name, "convert") && st->opts &&
			    sprout_json_get(st->opts, "to"))
				run_option_text(r, sprout_json_get(st->opts, "to"), "to",
						&cur_format);
		}
		if (st->kind == K_SPLIT)
			after_split = 1;
	}
	if (requests) {
		run_say(r, "model requests: up to %.0f, about %.0f tokens in all", requests,
			tokens);
		if (usd > 0)
			run_say(r, ", about $%.4f", usd);
		run_say(r, "\n");
	} else
		run_say(r, "model requests: none (no stage of this recipe calls a model server)\n");
	sprout_state_close(r->state);
	r->state = NULL;
	return RS_OK;
}
