/* sprout/cost.h - what model requests cost.
 *
 * A price table: per model, USD per million input, output and cached input
 * tokens, and the share batch APIs take off. Built in are the public list
 * prices of a handful of common OpenAI and Anthropic models as they were
 * when this sprout was written (check your provider: prices change); a
 * user's file (YAML or JSON) overrides and extends them:
 *
 *     gpt-4o-mini: {input: 0.15, output: 0.60, cached-input: 0.075, batch-discount: 0.5}
 *     my-local-model: {input: 0, output: 0}
 *
 * A model is found by its exact name, else by a table name that it extends
 * with a date or "-latest" ("gpt-4o-2024-08-06", "claude-3-5-haiku-20241022",
 * "claude-3-5-haiku-latest"). */
#ifndef SPROUT_COST_H
#define SPROUT_COST_H

#include <stddef.h>

#include "sprout/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sprout_price {
	const char *model;
	double input, output;  /* USD per million tokens */
	double cached_input;   /* USD per million input tokens the provider's prompt cache served */
	double batch_discount; /* 0..1: the share taken off by the batch APIs */
	int builtin;	       /* from the built-in table, not a user's file */
} sprout_price;

/* The tokens of one or more answers. input counts every input token,
 * cached ones included (Anthropic's input_tokens + cache_read_input_tokens
 * + cache_creation_input_tokens; OpenAI's prompt_tokens). */
typedef struct sprout_usage {
	unsigned long long input, cached_input, output;
} sprout_usage;

typedef struct sprout_prices sprout_prices;

/* The built-in table; NULL when out of memory. */
sprout_prices *sprout_prices_new(void);
void sprout_prices_free(sprout_prices *p); /* accepts NULL */

/* Add the entries of a price file's text (YAML or JSON: a mapping from
 * model name to {input, output, cached-input, batch-discount}), each
 * replacing an entry of the same name whole: input and output are
 * required, cached-input is input when not given, batch-discount 0.
 * name is the file's name for errors. SPROUT_ERR_FORMAT with the line and
 * column of what is wrong (not a mapping, an unknown key, a price that is
 * not a number from 0 to 1e6, a discount outside 0 to 1); nothing is
 * added then. */
sprout_code sprout_prices_read(sprout_prices *p, const char *text, size_t len, const char *name,
			       sprout_error *err);
/* The same from a file (at most 1 MiB). SPROUT_ERR_IO when it cannot be read. */
sprout_code sprout_prices_load(sprout_prices *p, const char *path, sprout_error *err);

/* The price of model, or NULL when the table has none. Valid until p
 * changes or is freed. */
const sprout_price *sprout_prices_find(const sprout_prices *p, const char *model);

/* Entries in the table, in order (the built-in ones first). */
size_t sprout_prices_count(const sprout_prices *p);
const sprout_price *sprout_prices_at(const sprout_prices *p, size_t i);

/* USD for u at price p; batch: through a batch API. */
double sprout_price_cost(const sprout_price *p, const sprout_usage *u, int batch);

#ifdef __cplusplus
}
#endif
#endif
