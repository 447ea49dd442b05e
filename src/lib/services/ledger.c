/* What the model requests of a client cost (sprout/llm.h): the ledger file
 * (generate --ledger) that sprout run puts into its manifest, written whole. */
#include <math.h>
#include <string.h>

#include "sprout/io.h"
#include "sprout/llm.h"

/* USD without the noise of adding doubles (1e-10 is far below a token). */
static double usd_rounded(double usd)
{
	return round(usd * 1e10) / 1e10;
}

int sprout_llm_ledger_cost(const sprout_llm *l, double *usd)
{
	sprout_llm_ledger e;
	int known = 1;
	*usd = 0;
	for (size_t i = 0; sprout_llm_ledger_get(l, i, &e); i++) {
		if (e.cost >= 0)
			*usd += e.cost;
		else if (e.requests)
			known = 0;
	}
	*usd = usd_rounded(*usd);
	return known;
}

static void set_count(sprout_arena *a, sprout_json *o, const char *key, unsigned long long n)
{
	sprout_json_set(a, o, key, sprout_json_integer(a, (long long)n));
}

sprout_code sprout_llm_ledger_write(const sprout_llm *l, const char *path, sprout_error *err)
{
	sprout_arena *a = sprout_arena_new(0);
	if (!a)
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	sprout_json *root = sprout_json_new(a, SPROUT_JSON_OBJECT);
	sprout_json *models = sprout_json_new(a, SPROUT_JSON_ARRAY);
	sprout_llm_ledger e;
	unsigned long long requests = 0, in = 0, cached = 0, out = 0, hits = 0;
	for (size_t i = 0; sprout_llm_ledger_get(l, i, &e); i++) {
		sprout_json *m = sprout_json_new(a, SPROUT_JSON_OBJECT);
		sprout_json_set(a, m, "api", sprout_json_string(a, e.api, strlen(e.api)));
		sprout_json_set(a, m, "model", sprout_json_string(a, e.model, strlen(e.model)));
		sprout_json_set(a, m, "url", sprout_json_string(a, e.url, strlen(e.url)));
		set_count(a, m, "requests", e.requests);
		set_count(a, m, "input_tokens", e.usage.input);
		set_count(a, m, "cached_input_tokens", e.usage.cached_input);
		set_count(a, m, "output_tokens", e.usage.output);
		sprout_json_set(a, m, "cost_usd",
				e.cost >= 0 ? sprout_json_real(a, usd_rounded(e.cost))
					    : sprout_json_new(a, SPROUT_JSON_NULL));
		set_count(a, m, "cache_hits", e.cache_hits);
		set_count(a, m, "cache_input_tokens", e.cache_usage.input);
		set_count(a, m, "cache_output_tokens", e.cache_usage.output);
		if (e.nservers > 1) {
			/* several servers: what each was sent */
			sprout_json *svs = sprout_json_new(a, SPROUT_JSON_ARRAY);
			sprout_llm_server_stats v;
			for (size_t k = 0; sprout_llm_server_get(l, i, k, &v); k++) {
				sprout_json *o = sprout_json_new(a, SPROUT_JSON_OBJECT);
				sprout_json_set(a, o, "url",
						sprout_json_string(a, v.url, strlen(v.url)));
				set_count(a, o, "sent", v.sent);
				set_count(a, o, "answered", v.answered);
				set_count(a, o, "failed", v.failed);
				set_count(a, o, "set_aside", v.asides);
				sprout_json_push(a, svs, o);
			}
			sprout_json_set(a, m, "servers", svs);
		}
		sprout_json_push(a, models, m);
		requests += e.requests;
		in += e.usage.input;
		cached += e.usage.cached_input;
		out += e.usage.output;
		hits += e.cache_hits;
	}
	double usd;
	int known = sprout_llm_ledger_cost(l, &usd);
	set_count(a, root, "requests", requests);
	set_count(a, root, "input_tokens", in);
	set_count(a, root, "cached_input_tokens", cached);
	set_count(a, root, "output_tokens", out);
	sprout_json_set(a, root, "cost_usd",
			known ? sprout_json_real(a, usd) : sprout_json_new(a, SPROUT_JSON_NULL));
	set_count(a, root, "cache_hits", hits);
	sprout_json_set(a, root, "models", models);
	sprout_code rc = sprout_write_json_file(path, root, err);
	if (rc && !err->msg[0])
		sprout_error_set(err, rc, "%s: cannot write the ledger", path);
	sprout_arena_free(a);
	return rc;
}
