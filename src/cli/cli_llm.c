/* What the commands that ask a model server share (generate, filter's
 * judge): the client's options, numbers and lists on the command line, and
 * the endpoint with its key. */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void cli_llm_init(struct cli_llm *l)
{
	memset(l, 0, sizeof *l);
	sprout_llm_options_init(&l->lo);
	l->lo.cache = "sprout-cache.sqlite";
}

int cli_reals(const char *opt, const char *arg, double lo, double hi, double *v, size_t max,
	      size_t *n)
{
	char copy[1024], *save = NULL;
	snprintf(copy, sizeof copy, "%s", arg);
	*n = 0;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *end;
		errno = 0;
		double x = strtod(t, &end);
		if (errno || end == t || *end || !(x >= lo && x <= hi) || *n == max) {
			cli_error("--%s: '%s' is not a list of numbers from %g to %g", opt, arg, lo,
				  hi);
			return EXIT_USAGE;
		}
		v[(*n)++] = x;
	}
	if (!*n) {
		cli_error("--%s: no value given", opt);
		return EXIT_USAGE;
	}
	return -1;
}

int cli_llm_option(struct cli_llm *l, int id, const char *arg)
{
	sprout_error err = SPROUT_ERROR_INIT;
	unsigned long long u;
	double x[1];
	size_t nx;
	int rc;
	switch (id) {
	case OPT_LLM_URL: l->url = arg; return -1;
	case OPT_LLM_API:
		if (sprout_llm_api_parse(arg, &l->api, &err)) {
			cli_error("--api: %s", err.msg);
			return EXIT_USAGE;
		}
		return -1;
	case OPT_LLM_KEY_ENV: l->key_env = arg; return -1;
	case OPT_LLM_HEADER:
		if (!strchr(arg, ':') || l->nheaders == CLI_LLM_MAX_HEADERS) {
			cli_error("--header: expected 'Name: value', got '%s'", arg);
			return EXIT_USAGE;
		}
		l->headers[l->nheaders++] = arg;
		return -1;
	case OPT_LLM_ANSWER_TOKENS:
		if ((rc = cli_whole_in("answer-tokens", arg, 1, 1000000, &u)) >= 0)
			return rc;
		l->answer_tokens = (long)u;
		return -1;
	case OPT_LLM_NO_SCHEMA: l->no_schema = 1; return -1;
	case OPT_LLM_CONCURRENCY:
		if ((rc = cli_whole_in("concurrency", arg, 1, 1024, &u)) >= 0)
			return rc;
		l->lo.concurrency = (size_t)u;
		return -1;
	case OPT_LLM_RETRIES:
		if ((rc = cli_whole_in("retries", arg, 0, 100, &u)) >= 0)
			return rc;
		l->lo.retries = (int)u;
		return -1;
	case OPT_LLM_TIMEOUT:
		if ((rc = cli_reals("timeout", arg, 0.001, 86400, x, 1, &nx)) >= 0)
			return rc;
		l->lo.timeout = x[0];
		return -1;
	case OPT_LLM_BACKOFF:
		if ((rc = cli_reals("backoff", arg, 0.001, 60, x, 1, &nx)) >= 0)
			return rc;
		l->lo.backoff = x[0];
		return -1;
	case OPT_LLM_CACHE: l->lo.cache = arg; return -1;
	case OPT_LLM_NO_CACHE: l->no_cache = 1; return -1;
	case OPT_LLM_MAX_REQUESTS:
		if ((rc = cli_whole_in("max-requests", arg, 1, 1000000000000ULL, &u)) >= 0)
			return rc;
		l->lo.max_requests = (unsigned long)u;
		return -1;
	case OPT_LLM_MAX_TOKENS:
		if ((rc = cli_whole_in("max-tokens", arg, 1, 1000000000000000ULL, &u)) >= 0)
			return rc;
		l->lo.max_tokens = u;
		return -1;
	case OPT_LLM_FIXED: l->lo.fixed = 1; return -1;
	case OPT_LLM_RPM:
	case OPT_LLM_TPM:
		if ((rc = cli_whole_in(id == OPT_LLM_RPM ? "rpm" : "tpm", arg, 1, 1000000000000ULL,
				       &u)) >= 0)
			return rc;
		*(id == OPT_LLM_RPM ? &l->lo.rpm : &l->lo.tpm) = (double)u;
		return -1;
	case OPT_LLM_REUSE_CACHE: l->lo.reuse_cache = 1; return -1;
	default: return -2;
	}
}

int cli_llm_ready(struct cli_llm *l, int dry_run, const char **key)
{
	if (!l->url) {
		/* as the official clients do */
		const char *env =
		    l->api == SPROUT_LLM_ANTHROPIC ? "ANTHROPIC_BASE_URL" : "OPENAI_BASE_URL";
		const char *u = getenv(env);
		l->url = u && *u ? u : NULL;
	}
	*key = NULL;
	if (l->key_env) {
		*key = getenv(l->key_env);
		if (!*key || !**key) {
			cli_error("--api-key-env: $%s is not set", l->key_env);
			return EXIT_USAGE;
		}
	}
	if (l->no_cache || (dry_run && l->lo.cache && access(l->lo.cache, F_OK) != 0))
		l->lo.cache = NULL; /* a dry run makes no cache file */
	return -1;
}

sprout_llm_endpoint cli_llm_endpoint(const struct cli_llm *l, const char *model, const char *key)
{
	return (sprout_llm_endpoint){l->api, l->url, model, key, l->headers, l->nheaders};
}
