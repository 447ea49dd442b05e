/* What the commands that ask a model server share (generate, filter's
 * judge): the client's options, parsed by the library
 * (sprout_llm_config_set), and numbers and lists on the command line. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

#include "sprout/stage.h"

void cli_llm_init(sprout_llm_config *l)
{
	sprout_llm_config_init(l);
}

int cli_reals(const char *opt, const char *arg, double lo, double hi, double *v, size_t max,
	      size_t *n)
{
	char name[80];
	snprintf(name, sizeof name, "--%s", opt);
	sprout_error err = SPROUT_ERROR_INIT;
	if (sprout_option_reals(name, arg, lo, hi, v, max, n, &err)) {
		cli_error("%s", err.msg);
		return EXIT_USAGE;
	}
	return -1;
}

int cli_llm_option(sprout_llm_config *l, int id, const char *arg)
{
	static const char *const names[] = {
	    [OPT_LLM_URL - OPT_LLM_URL] = "url",
	    [OPT_LLM_API - OPT_LLM_URL] = "api",
	    [OPT_LLM_KEY_ENV - OPT_LLM_URL] = "api-key-env",
	    [OPT_LLM_HEADER - OPT_LLM_URL] = "header",
	    [OPT_LLM_ANSWER_TOKENS - OPT_LLM_URL] = "answer-tokens",
	    [OPT_LLM_NO_SCHEMA - OPT_LLM_URL] = "no-schema",
	    [OPT_LLM_CONCURRENCY - OPT_LLM_URL] = "concurrency",
	    [OPT_LLM_RETRIES - OPT_LLM_URL] = "retries",
	    [OPT_LLM_TIMEOUT - OPT_LLM_URL] = "timeout",
	    [OPT_LLM_BACKOFF - OPT_LLM_URL] = "backoff",
	    [OPT_LLM_CACHE - OPT_LLM_URL] = "cache",
	    [OPT_LLM_NO_CACHE - OPT_LLM_URL] = "no-cache",
	    [OPT_LLM_MAX_REQUESTS - OPT_LLM_URL] = "max-requests",
	    [OPT_LLM_MAX_TOKENS - OPT_LLM_URL] = "max-tokens",
	    [OPT_LLM_FIXED - OPT_LLM_URL] = "fixed-concurrency",
	    [OPT_LLM_RPM - OPT_LLM_URL] = "rpm",
	    [OPT_LLM_TPM - OPT_LLM_URL] = "tpm",
	    [OPT_LLM_REUSE_CACHE - OPT_LLM_URL] = "reuse-cache",
	};
	if (id < OPT_LLM_URL || id > OPT_LLM_REUSE_CACHE)
		return -2;
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_code rc = sprout_llm_config_set(l, names[id - OPT_LLM_URL], arg, &err);
	if (rc == SPROUT_END)
		return -2;
	if (rc) {
		cli_error("%s", err.msg);
		return EXIT_USAGE;
	}
	return -1;
}

int cli_llm_ready(sprout_llm_config *l, int dry_run, const char **key)
{
	sprout_error err = SPROUT_ERROR_INIT;
	if (sprout_llm_config_ready(l, dry_run, key, &err)) {
		cli_error("%s", err.msg);
		return EXIT_USAGE;
	}
	return -1;
}
