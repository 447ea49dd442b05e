/* Price tables: the built-in one, a user's file, what usage costs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "sprout/cost.h"
#include "test.h"

static int near(double a, double b)
{
	return fabs(a - b) < 1e-9;
}

static void models_are_found_by_name_and_date(void)
{
	sprout_prices *p = sprout_prices_new();
	CHECK(p);
	const sprout_price *mini = sprout_prices_find(p, "gpt-4o-mini");
	CHECK(mini && mini->builtin && !strcmp(mini->model, "gpt-4o-mini"));
	CHECK(sprout_prices_find(p, "gpt-4o-mini-2024-07-18") == mini);
	CHECK(!strcmp(sprout_prices_find(p, "gpt-4o-2024-08-06")->model, "gpt-4o"));
	CHECK(
	    !strcmp(sprout_prices_find(p, "claude-3-5-haiku-20241022")->model, "claude-3-5-haiku"));
	CHECK(!strcmp(sprout_prices_find(p, "claude-3-5-haiku-latest")->model, "claude-3-5-haiku"));
	CHECK(!strcmp(sprout_prices_find(p, "claude-sonnet-4-5-20250929")->model,
		      "claude-sonnet-4-5"));
	CHECK(!strcmp(sprout_prices_find(p, "claude-sonnet-4-20250514")->model, "claude-sonnet-4"));
	/* another model that starts like one is not that one */
	CHECK(!sprout_prices_find(p, "gpt-4o-audio-preview"));
	CHECK(!sprout_prices_find(p, "gpt-4o-2024"));
	CHECK(!sprout_prices_find(p, "llama3"));
	CHECK(!sprout_prices_find(p, ""));
	CHECK(!sprout_prices_find(NULL, "gpt-4o"));
	sprout_prices_free(p);
	sprout_prices_free(NULL);
}

static void usage_costs(void)
{
	sprout_price pr = {"m", 2.0, 8.0, 0.5, 0.5, 0};
	sprout_usage u = {1000000, 200000, 500000};
	/* 800k at $2, 200k cached at $0.50, 500k out at $8 */
	CHECK(near(sprout_price_cost(&pr, &u, 0), 1.6 + 0.1 + 4.0));
	CHECK(near(sprout_price_cost(&pr, &u, 1), (1.6 + 0.1 + 4.0) / 2));
	sprout_usage odd = {10, 20, 0}; /* more cached than input: all of it cached */
	CHECK(near(sprout_price_cost(&pr, &odd, 0), 10 * 0.5 / 1e6));
	CHECK(near(sprout_price_cost(NULL, &u, 0), 0));
}

static void a_file_overrides_and_extends(void)
{
	sprout_prices *p = sprout_prices_new();
	size_t before = sprout_prices_count(p);
	const char *text = "# USD per million tokens\n"
			   "gpt-4o-mini: {input: 1, output: 2}\n"
			   "my-model:\n"
			   "  input: 0.5\n"
			   "  output: 1.5\n"
			   "  cached-input: 0.05\n"
			   "  batch-discount: 0.25\n";
	sprout_error err = SPROUT_ERROR_INIT;
	CHECK_INT(sprout_prices_read(p, text, strlen(text), "p.yaml", &err), SPROUT_OK);
	CHECK_INT(sprout_prices_count(p), before + 1);
	const sprout_price *m = sprout_prices_find(p, "gpt-4o-mini-2024-07-18");
	CHECK(m && !m->builtin);
	CHECK(near(m->input, 1) && near(m->output, 2));
	CHECK(near(m->cached_input, 1));   /* as input when not given */
	CHECK(near(m->batch_discount, 0)); /* the entry is replaced whole */
	m = sprout_prices_find(p, "my-model");
	CHECK(m && near(m->cached_input, 0.05) && near(m->batch_discount, 0.25));
	CHECK(sprout_prices_at(p, before) == m);
	CHECK(!sprout_prices_at(p, before + 1));
	const char *json = "{\"my-model\": {\"input\": 3, \"output\": 4}}";
	CHECK_INT(sprout_prices_read(p, json, strlen(json), "p.json", &err), SPROUT_OK);
	CHECK(near(sprout_prices_find(p, "my-model")->input, 3));
	sprout_prices_free(p);
}

static void bad(const char *text, const char *want)
{
	sprout_prices *p = sprout_prices_new();
	size_t before = sprout_prices_count(p);
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_code rc = sprout_prices_read(p, text, strlen(text), "p.yaml", &err);
	char msg[800];
	sprout_error_format(&err, msg, sizeof msg);
	if (rc != SPROUT_ERR_FORMAT || strcmp(msg, want))
		test_fail(__FILE__, __LINE__, "for %s\n  got  %s (%d)\n  want %s", text, msg, rc,
			  want);
	CHECK_INT(sprout_prices_count(p), before); /* nothing added */
	sprout_prices_free(p);
}

static void bad_files_say_where(void)
{
	bad("", "p.yaml: a price file is a mapping from model names to {input, output, "
		"cached-input, batch-discount} (USD per million tokens)");
	bad("- a\n- b\n", "p.yaml:1:1: a price file is a mapping from model names to {input, "
			  "output, cached-input, batch-discount} (USD per million tokens)");
	bad("ok: {input: 1, output: 1}\nm: 3\n",
	    "p.yaml:2:4: model 'm': expected a mapping {input, output, cached-input, "
	    "batch-discount}");
	bad("m:\n  input: 1\n  outptu: 2\n",
	    "p.yaml:3:3: model 'm': unknown key 'outptu' (expected input, output, cached-input or "
	    "batch-discount)");
	bad("m: {input: 1}\n",
	    "p.yaml:1:4: model 'm': 'output' is required (USD per million tokens)");
	bad("m: {input: -1, output: 1}\n",
	    "p.yaml:1:12: model 'm': 'input' must be a number from 0 to 1e+06");
	bad("m: {input: '1', output: 1}\n",
	    "p.yaml:1:12: model 'm': 'input' must be a number from 0 to 1e+06");
	bad("m: {input: 1, output: 1, batch-discount: 2}\n",
	    "p.yaml:1:42: model 'm': 'batch-discount' must be a number from 0 to 1");
	bad("m: {input: 1, output: [1\n",
	    "p.yaml:2:1: did not find expected ',' or ']' while parsing a flow sequence");
}

static void a_file_that_cannot_be_read(void)
{
	sprout_prices *p = sprout_prices_new();
	sprout_error err = SPROUT_ERROR_INIT;
	CHECK_INT(sprout_prices_load(p, "/nonexistent/prices.yaml", &err), SPROUT_ERR_IO);
	CHECK_STR(err.file, "/nonexistent/prices.yaml");
	char path[] = "/tmp/sprout-prices-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	FILE *f = fdopen(fd, "w");
	fputs("m: {input: 1, output: 2}\n", f);
	fclose(f);
	CHECK_INT(sprout_prices_load(p, path, &err), SPROUT_OK);
	CHECK(near(sprout_prices_find(p, "m")->output, 2));
	remove(path);
	sprout_prices_free(p);
}

SUITE(cost_tests) = {
    T(models_are_found_by_name_and_date), T(usage_costs),
    T(a_file_overrides_and_extends),	  T(bad_files_say_where),
    T(a_file_that_cannot_be_read),	  {NULL, NULL},
};
