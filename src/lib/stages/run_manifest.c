/* manifest.json: how the data of a run was made. */
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

/* ---- the manifest ------------------------------------------------------- */

static sprout_json *jstr(sprout_arena *a, const char *s)
{
	return sprout_json_string(a, s, strlen(s));
}

/* Every URL in v's strings (the llm section, stage options, command
 * lines) without its credentials: the manifest is shared with the data. */
static int redact_urls(sprout_arena *a, sprout_json *v)
{
	if (v->type == SPROUT_JSON_STRING && strstr(v->u.s, "://")) {
		size_t n = 2 * v->len + 16; /* "u:k@" grows to "u:***@" */
		char *shown = sprout_arena_alloc(a, n);
		if (!shown)
			return -1;
		sprout_url_redact(v->u.s, shown, n);
		v->u.s = shown;
		v->len = strlen(shown);
	} else if (v->type == SPROUT_JSON_ARRAY) {
		for (size_t i = 0; i < v->len; i++)
			if (redact_urls(a, v->u.items[i]))
				return -1;
	} else if (v->type == SPROUT_JSON_OBJECT) {
		for (size_t i = 0; i < v->len; i++)
			if (redact_urls(a, v->u.members[i].value))
				return -1;
	}
	return 0;
}

/* A text option of a stage as the recipe gives it, or def. */
const char *run_stage_text(const struct stage *st, const char *name, const char *def)
{
	const sprout_json *v = st->opts ? sprout_json_get(st->opts, name) : NULL;
	return v && v->type == SPROUT_JSON_STRING ? v->u.s : def;
}

/* The servers' URLs as a JSON list. */
static sprout_json *url_list(sprout_arena *a, const char *const *urls, size_t n)
{
	sprout_json *v = sprout_json_new(a, SPROUT_JSON_ARRAY);
	for (size_t i = 0; i < n; i++)
		sprout_json_push(a, v, jstr(a, urls[i]));
	return v;
}

/* A path inside the run folder, relative to it. */
static const char *in_run(const struct sprout_run *r, const char *p)
{
	size_t n = strlen(r->out);
	return !strncmp(p, r->out, n) && p[n] == '/' ? p + n + 1 : p;
}

void run_utc_now(char out[32])
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A JSON object in a file (a stage's ledger), or NULL when there is none. */
sprout_json *run_read_json(sprout_arena *a, const char *path)
{
	FILE *f = path ? fopen(path, "rb") : NULL;
	if (!f)
		return NULL;
	sprout_buf b = SPROUT_BUF_INIT(1 << 24);
	char chunk[4096];
	size_t n;
	int bad = 0;
	while (!bad && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
		bad = sprout_buf_add(&b, chunk, n) != SPROUT_OK;
	bad = bad || ferror(f);
	fclose(f);
	sprout_json *v = NULL;
	if (bad || sprout_json_parse(a, b.data ? b.data : "", b.len, &v, NULL) ||
	    v->type != SPROUT_JSON_OBJECT)
		v = NULL;
	sprout_buf_release(&b);
	return v;
}

/* The cost of the run: the ledgers of its stages added up. */
static sprout_json *run_cost(sprout_arena *a, sprout_json *const *ledgers, size_t n)
{
	static const char *const counts[] = {"requests", "input_tokens", "cached_input_tokens",
					     "output_tokens", "cache_hits"};
	double usd = 0, sum[5] = {0};
	int known = 1, any = 0;
	for (size_t i = 0; i < n; i++) {
		if (!ledgers[i])
			continue;
		any = 1;
		const sprout_json *c = sprout_json_get(ledgers[i], "cost_usd");
		if (c && c->type == SPROUT_JSON_NUMBER)
			usd += sprout_json_number(c);
		else
			known = 0;
		for (size_t k = 0; k < 5; k++)
			sum[k] += sprout_json_number(sprout_json_get(ledgers[i], counts[k]));
	}
	if (!any)
		return sprout_json_new(a, SPROUT_JSON_NULL);
	sprout_json *o = sprout_json_new(a, SPROUT_JSON_OBJECT);
	sprout_json_set(a, o, "cost_usd",
			known ? sprout_json_real(a, round(usd * 1e10) / 1e10)
			      : sprout_json_new(a, SPROUT_JSON_NULL));
	for (size_t k = 0; k < 5; k++)
		sprout_json_set(a, o, counts[k], sprout_json_integer(a, (long long)sum[k]));
	return o;
}

/* v as pretty JSON into path, atomically: -1, or an exit status. */
static int write_json(struct sprout_run *r, const char *path, const sprout_json *v,
		      const char *what)
{
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_code rc = sprout_write_json_file(path, v, &err);
	if (!rc)
		return -1;
	if (err.msg[0])
		return run_fail_at(r, &err, run_status_for(rc));
	return run_fail(r, run_status_for(rc), "%s: cannot write the %s", path, what);
}

/* Every option of the stage's table with its value: the recipe's, else the
 * table's default (options with neither are left out). */
static sprout_json *settings(sprout_arena *a, const struct stage *st)
{
	sprout_json *o = sprout_json_new(a, SPROUT_JSON_OBJECT);
	for (const sprout_option_def *d = st->cmd ? st->cmd->options : NULL; d && d->name; d++) {
		const sprout_json *v = st->opts ? sprout_json_get(st->opts, d->name) : NULL;
		if (v)
			sprout_json_set(a, o, d->name, sprout_json_copy(a, v));
		else if (d->def)
			sprout_json_set(a, o, d->name, jstr(a, d->def));
	}
	return o;
}

int run_write_manifest(struct sprout_run *r, const char *status, size_t upto)
{
	sprout_arena *a = sprout_arena_new(0);
	if (!a)
		return RS_INTERNAL;
	sprout_json *m = sprout_json_new(a, SPROUT_JSON_OBJECT);
	sprout_json_set(a, m, "sprout", jstr(a, sprout_version()));
	sprout_json_set(a, m, "name", jstr(a, r->name));
	sprout_json_set(a, m, "status", jstr(a, status));
	sprout_json *rec = sprout_json_new(a, SPROUT_JSON_OBJECT);
	sprout_json_set(a, rec, "path", jstr(a, r->path));
	sprout_json_set(a, rec, "xxh128", jstr(a, r->recipe_hash));
	sprout_json_set(a, rec, "content", sprout_json_copy(a, r->root));
	sprout_json_set(a, m, "recipe", rec);
	sprout_json_set(a, m, "seed",
			r->seed ? sprout_json_number_raw(a, r->seed, strlen(r->seed))
				: sprout_json_new(a, SPROUT_JSON_NULL));
	sprout_json *llm = sprout_json_new(a, SPROUT_JSON_OBJECT);
	sprout_json_set(a, llm, "enabled",
			sprout_json_new(a, r->llm ? SPROUT_JSON_TRUE : SPROUT_JSON_FALSE));
	const char *lk[3] = {"url", "model", "embed-model"};
	const char *lv[3] = {r->llm_url, r->llm_model, r->llm_embed_model};
	for (int k = 0; k < 3; k++)
		if (lv[k])
			sprout_json_set(a, llm, lk[k], jstr(a, lv[k]));
	if (r->nllm_urls > 1)
		sprout_json_set(a, llm, "urls", url_list(a, r->llm_urls, r->nllm_urls));
	sprout_json_set(a, m, "llm", llm);
	sprout_json_set(a, m, "started", jstr(a, r->started));
	char now[32];
	run_utc_now(now);
	sprout_json_set(a, m, strcmp(status, "running") ? "finished" : "updated", jstr(a, now));
	sprout_json *ins = sprout_json_new(a, SPROUT_JSON_ARRAY);
	for (size_t i = 0; i < r->ninputs; i++) {
		sprout_json *f = sprout_json_new(a, SPROUT_JSON_OBJECT);
		sprout_json_set(a, f, "path", jstr(a, r->inputs[i].path));
		sprout_json_set(a, f, "bytes",
				sprout_json_integer(a, (long long)r->inputs[i].bytes));
		sprout_json_set(a, f, "xxh128", jstr(a, r->inputs[i].hash));
		sprout_json_set(a, f, "records",
				sprout_json_integer(a, (long long)r->inputs[i].records));
		sprout_json_push(a, ins, f);
	}
	sprout_json_set(a, m, "inputs", ins);
	sprout_json *sts = sprout_json_new(a, SPROUT_JSON_ARRAY);
	sprout_json *gens = sprout_json_new(a, SPROUT_JSON_ARRAY);
	sprout_json *rejects = sprout_json_new(a, SPROUT_JSON_ARRAY);
	sprout_json **ledgers = sprout_arena_alloc(a, (upto + 1) * sizeof *ledgers);
	if (!ledgers) {
		sprout_arena_free(a);
		return RS_INTERNAL;
	}
	const char *report = NULL;
	const struct stage *data = NULL; /* the last stage that made records for trainers */
	for (size_t i = 0; i < upto; i++) {
		const struct stage *st = &r->stages[i];
		sprout_json *s = sprout_json_new(a, SPROUT_JSON_OBJECT);
		sprout_json_set(a, s, "stage", jstr(a, st->label));
		sprout_json_set(a, s, "name", jstr(a, st->name));
		sprout_json_set(a, s, "options",
				st->opts ? sprout_json_copy(a, st->opts)
					 : sprout_json_new(a, SPROUT_JSON_OBJECT));
		sprout_json_set(a, s, "settings", settings(a, st));
		sprout_json *argv = sprout_json_new(a, SPROUT_JSON_ARRAY);
		sprout_json_push(a, argv, jstr(a, "sprout"));
		for (size_t k = 0; k < st->argc; k++)
			sprout_json_push(a, argv, jstr(a, st->argv[k]));
		sprout_json_set(a, s, "command", argv);
		sprout_json_set(a, s, "in", sprout_json_integer(a, (long long)st->in));
		sprout_json_set(a, s, "out",
				st->kind == K_REPORT ? sprout_json_new(a, SPROUT_JSON_NULL)
						     : sprout_json_integer(a, (long long)st->out));
		sprout_json_set(a, s, "rejected", sprout_json_integer(a, (long long)st->rejected));
		sprout_json_set(a, s, "seconds", sprout_json_real(a, st->seconds));
		sprout_json_set(
		    a, s, "resumed",
		    sprout_json_new(a, st->resumed ? SPROUT_JSON_TRUE : SPROUT_JSON_FALSE));
		sprout_json *outs = sprout_json_new(a, SPROUT_JSON_ARRAY);
		for (size_t k = 0; k < st->noutputs; k++) {
			sprout_json *f = sprout_json_new(a, SPROUT_JSON_OBJECT);
			sprout_json_set(a, f, "path", jstr(a, in_run(r, st->outputs[k])));
			sprout_json_set(a, f, "xxh128", jstr(a, st->out_hash[k]));
			if (st->kind != K_REPORT)
				sprout_json_set(
				    a, f, "records",
				    sprout_json_integer(a, (long long)st->out_records[k]));
			sprout_json_push(a, outs, f);
		}
		sprout_json_set(a, s, "outputs", outs);
		sprout_json_set(a, s, "rejects",
				st->rejects ? jstr(a, in_run(r, st->rejects))
					    : sprout_json_new(a, SPROUT_JSON_NULL));
		ledgers[i] = run_read_json(a, st->ledger);
		if (ledgers[i])
			sprout_json_set(a, s, "ledger", ledgers[i]);
		if (st->rejects)
			sprout_json_push(a, rejects, jstr(a, in_run(r, st->rejects)));
		sprout_json_push(a, sts, s);
		if (st->kind == K_REPORT && st->noutputs)
			report = in_run(r, st->outputs[0]);
		if (st->kind != K_REPORT &&
		    (!data || data->kind != K_EXPORT || st->kind == K_EXPORT))
			data = st;
		if (!strcmp(st->name, "generate") || (run_judges(st) && r->llm)) {
			sprout_json *g = sprout_json_new(a, SPROUT_JSON_OBJECT);
			sprout_json_set(a, g, "stage", jstr(a, st->label));
			sprout_json_set(a, g, "kind", jstr(a, run_judges(st) ? "judge" : "chat"));
			sprout_json_set(a, g, "api", jstr(a, run_stage_text(st, "api", "openai")));
			/* its servers: the stage's own url (one or a list), else the llm section's
			 */
			const sprout_json *own = st->opts ? sprout_json_get(st->opts, "url") : NULL;
			const char *url = run_stage_text(st, "url", r->llm_url);
			if (own && own->type == SPROUT_JSON_ARRAY)
				url = own->len && own->u.items[0]->type == SPROUT_JSON_STRING
					  ? own->u.items[0]->u.s
					  : NULL;
			sprout_json_set(a, g, "url",
					url ? jstr(a, url) : sprout_json_new(a, SPROUT_JSON_NULL));
			if (own && own->type == SPROUT_JSON_ARRAY && own->len > 1)
				sprout_json_set(a, g, "urls", sprout_json_copy(a, own));
			else if (!own && r->nllm_urls > 1)
				sprout_json_set(a, g, "urls",
						url_list(a, r->llm_urls, r->nllm_urls));
			const sprout_json *models =
			    st->opts ? sprout_json_get(st->opts, "model") : NULL;
			sprout_json_set(a, g, "model",
					models	       ? sprout_json_copy(a, models)
					: r->llm_model ? jstr(a, r->llm_model)
						       : sprout_json_new(a, SPROUT_JSON_NULL));
			static const char *const sampling[] = {"method", "temperature", "top-p",
							       "judge", "judge-min"};
			for (size_t k = 0; k < 5; k++) {
				const sprout_json *v =
				    st->opts ? sprout_json_get(st->opts, sampling[k]) : NULL;
				if (v)
					sprout_json_set(a, g, sampling[k], sprout_json_copy(a, v));
			}
			sprout_json_push(a, gens, g);
		}
		/* a filter that asks an embedding model */
		const sprout_json *sim = st->opts ? sprout_json_get(st->opts, "similarity") : NULL;
		if (sim && sprout_json_is(sim, "embed")) {
			sprout_json *g = sprout_json_new(a, SPROUT_JSON_OBJECT);
			sprout_json_set(a, g, "stage", jstr(a, st->label));
			sprout_json_set(a, g, "kind", jstr(a, "embeddings"));
			const char *url = run_stage_text(st, "embed-url", r->llm_url);
			const char *model = run_stage_text(st, "embed-model", r->llm_embed_model);
			sprout_json_set(a, g, "url",
					url ? jstr(a, url) : sprout_json_new(a, SPROUT_JSON_NULL));
			sprout_json_set(a, g, "model",
					model ? jstr(a, model)
					      : sprout_json_new(a, SPROUT_JSON_NULL));
			sprout_json_push(a, gens, g);
		}
	}
	sprout_json_set(a, m, "stages", sts);
	sprout_json_set(a, m, "generators", gens);
	sprout_json_set(a, m, "cost", run_cost(a, ledgers, upto));
	sprout_json *res = sprout_json_new(a, SPROUT_JSON_OBJECT);
	sprout_json *ds = sprout_json_new(a, SPROUT_JSON_ARRAY);
	for (size_t k = 0; data && k < data->noutputs; k++)
		sprout_json_push(a, ds, jstr(a, in_run(r, data->outputs[k])));
	sprout_json_set(a, res, "dataset", ds);
	sprout_json_set(a, res, "rejects", rejects);
	sprout_json_set(a, res, "report",
			report ? jstr(a, report) : sprout_json_new(a, SPROUT_JSON_NULL));
	sprout_json_set(a, m, "outputs", res);

	run_manifest_shards(r, a, m, sts);
	const char *path =
	    run_fmt(r, "%s/%s", r->out, r->manifest_name ? r->manifest_name : "manifest.json");
	int rc = redact_urls(a, m) ? RS_INTERNAL : write_json(r, path, m, "manifest");
	sprout_arena_free(a);
	return rc;
}
