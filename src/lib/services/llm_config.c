/* A model server's client configured from options by name (sprout/llm.h):
 * what generate and filter's judge share, checked with the option's name
 * in the message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sprout/llm.h"
#include "sprout/stage.h"

void sprout_llm_config_init(sprout_llm_config *l)
{
	memset(l, 0, sizeof *l);
	sprout_llm_options_init(&l->lo);
	l->lo.cache = "sprout-cache.sqlite";
	l->budget_share = 1;
}

/* A whole number from lo to hi for option --name. */
static sprout_code whole(const char *name, const char *arg, unsigned long long lo,
			 unsigned long long hi, unsigned long long *out, sprout_error *err)
{
	char opt[64];
	snprintf(opt, sizeof opt, "--%s", name);
	return sprout_option_whole_in(opt, arg, lo, hi, out, err);
}

/* One number from lo to hi for option --name. */
static sprout_code real(const char *name, const char *arg, double lo, double hi, double *out,
			sprout_error *err)
{
	char opt[64];
	size_t n;
	snprintf(opt, sizeof opt, "--%s", name);
	return sprout_option_reals(opt, arg, lo, hi, out, 1, &n, err);
}

sprout_code sprout_llm_config_set(sprout_llm_config *l, const char *name, const char *arg,
				  sprout_error *err)
{
	unsigned long long u;
	sprout_code rc;
#define IS(s) (!strcmp(name, s))
	if (IS("url")) {
		if (!*arg)
			return sprout_error_set(err, SPROUT_ERR_USAGE, "--url: no URL given");
		if (l->nurls == SPROUT_LLM_MAX_URLS)
			return sprout_error_set(err, SPROUT_ERR_USAGE, "--url: at most %d servers",
						SPROUT_LLM_MAX_URLS);
		l->urls[l->nurls++] = arg;
		l->url = l->urls[0];
	} else if (IS("api")) {
		sprout_error why = SPROUT_ERROR_INIT;
		if (sprout_llm_api_parse(arg, &l->api, &why))
			return sprout_error_set(err, SPROUT_ERR_USAGE, "--api: %s", why.msg);
	} else if (IS("api-key-env"))
		l->key_env = arg;
	else if (IS("header")) {
		if (!strchr(arg, ':') || l->nheaders == SPROUT_LLM_MAX_HEADERS)
			return sprout_error_set(err, SPROUT_ERR_USAGE,
						"--header: expected 'Name: value', got '%s'", arg);
		l->headers[l->nheaders++] = arg;
	} else if (IS("answer-tokens")) {
		if ((rc = whole(name, arg, 1, 1000000, &u, err)))
			return rc;
		l->answer_tokens = (long)u;
	} else if (IS("no-schema"))
		l->no_schema = 1;
	else if (IS("concurrency")) {
		if ((rc = whole(name, arg, 1, 1024, &u, err)))
			return rc;
		l->lo.concurrency = (size_t)u;
	} else if (IS("retries")) {
		if ((rc = whole(name, arg, 0, 100, &u, err)))
			return rc;
		l->lo.retries = (int)u;
	} else if (IS("timeout"))
		return real(name, arg, 0.001, 86400, &l->lo.timeout, err);
	else if (IS("backoff"))
		return real(name, arg, 0.001, 60, &l->lo.backoff, err);
	else if (IS("cache"))
		l->lo.cache = arg;
	else if (IS("no-cache"))
		l->no_cache = 1;
	else if (IS("max-requests")) {
		if ((rc = whole(name, arg, 1, 1000000000000ULL, &u, err)))
			return rc;
		l->lo.max_requests = (unsigned long)u;
	} else if (IS("max-tokens")) {
		if ((rc = whole(name, arg, 1, 1000000000000000ULL, &u, err)))
			return rc;
		l->lo.max_tokens = u;
	} else if (IS("fixed-concurrency"))
		l->lo.fixed = 1;
	else if (IS("rpm") || IS("tpm")) {
		if ((rc = whole(name, arg, 1, 1000000000000ULL, &u, err)))
			return rc;
		*(IS("rpm") ? &l->lo.rpm : &l->lo.tpm) = (double)u;
	} else if (IS("budget-share")) {
		if ((rc = whole(name, arg, 1, 1000000, &u, err)))
			return rc;
		l->budget_share = (unsigned)u;
	} else if (IS("reuse-cache"))
		l->lo.reuse_cache = 1;
	else
		return SPROUT_END;
#undef IS
	return SPROUT_OK;
}

sprout_code sprout_llm_config_ready(sprout_llm_config *l, int dry_run, const char **key,
				    sprout_error *err)
{
	if (!l->url) {
		/* as the official clients do */
		const char *env =
		    l->api == SPROUT_LLM_ANTHROPIC ? "ANTHROPIC_BASE_URL" : "OPENAI_BASE_URL";
		const char *u = getenv(env);
		l->url = u && *u ? u : NULL;
		if (l->url)
			l->urls[l->nurls++] = l->url;
	}
	if (l->budget_share > 1) {
		/* one share of the provider's limits: N shards together stay within them */
		double n = (double)l->budget_share;
		l->lo.rpm /= n;
		l->lo.tpm /= n;
		if (l->lo.max_cost > 0)
			l->lo.max_cost /= n;
		l->budget_share = 1; /* divided once */
	}
	*key = NULL;
	if (l->key_env) {
		*key = getenv(l->key_env);
		if (!*key || !**key)
			return sprout_error_set(err, SPROUT_ERR_USAGE,
						"--api-key-env: $%s is not set", l->key_env);
	}
	if (l->no_cache || (dry_run && l->lo.cache && access(l->lo.cache, F_OK) != 0))
		l->lo.cache = NULL; /* a dry run makes no cache file */
	return SPROUT_OK;
}

sprout_llm_endpoint sprout_llm_config_endpoint(const sprout_llm_config *l, const char *model,
					       const char *key)
{
	return (sprout_llm_endpoint){
	    l->api,  l->url, model, key, l->headers, l->nheaders, l->nurls > 1 ? l->urls : NULL,
	    l->nurls};
}
