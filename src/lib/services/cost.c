/* Price tables and what answers cost. See sprout/cost.h. */
#include "sprout/cost.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sprout/arena.h"
#include "sprout/json.h"
#include "sprout/yaml.h"

#define MAX_FILE ((size_t)1 << 20)

/* Public list prices, USD per million tokens, as the providers' pricing
 * pages gave them in 2025: check your provider, prices change. The batch
 * APIs of both take half off. Anthropic's cached input is a cache read. */
static const struct {
	const char *model;
	double input, cached, output, batch;
} builtin[] = {
    {"gpt-5", 1.25, 0.125, 10.00, 0.5},
    {"gpt-5-mini", 0.25, 0.025, 2.00, 0.5},
    {"gpt-5-nano", 0.05, 0.005, 0.40, 0.5},
    {"gpt-4.1", 2.00, 0.50, 8.00, 0.5},
    {"gpt-4.1-mini", 0.40, 0.10, 1.60, 0.5},
    {"gpt-4.1-nano", 0.10, 0.025, 0.40, 0.5},
    {"gpt-4o", 2.50, 1.25, 10.00, 0.5},
    {"gpt-4o-mini", 0.15, 0.075, 0.60, 0.5},
    {"o3", 2.00, 0.50, 8.00, 0.5},
    {"o3-mini", 1.10, 0.55, 4.40, 0.5},
    {"o4-mini", 1.10, 0.275, 4.40, 0.5},
    {"claude-opus-4-1", 15.00, 1.50, 75.00, 0.5},
    {"claude-opus-4", 15.00, 1.50, 75.00, 0.5},
    {"claude-sonnet-4-5", 3.00, 0.30, 15.00, 0.5},
    {"claude-sonnet-4", 3.00, 0.30, 15.00, 0.5},
    {"claude-3-7-sonnet", 3.00, 0.30, 15.00, 0.5},
    {"claude-3-5-sonnet", 3.00, 0.30, 15.00, 0.5},
    {"claude-haiku-4-5", 1.00, 0.10, 5.00, 0.5},
    {"claude-3-5-haiku", 0.80, 0.08, 4.00, 0.5},
    {"claude-3-haiku", 0.25, 0.03, 1.25, 0.5},
};
#define NBUILTIN (sizeof builtin / sizeof builtin[0])

struct sprout_prices {
	sprout_arena *a; /* the names of the user's entries */
	sprout_price *v;
	size_t n, cap;
};

static int add(sprout_prices *p, const sprout_price *e)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->v[i].model, e->model)) {
			p->v[i] = *e;
			return 0;
		}
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 32;
		sprout_price *v = realloc(p->v, cap * sizeof *v);
		if (!v)
			return -1;
		p->v = v;
		p->cap = cap;
	}
	p->v[p->n++] = *e;
	return 0;
}

sprout_prices *sprout_prices_new(void)
{
	sprout_prices *p = calloc(1, sizeof *p);
	if (!p || !(p->a = sprout_arena_new(0))) {
		free(p);
		return NULL;
	}
	for (size_t i = 0; i < NBUILTIN; i++) {
		sprout_price e = {builtin[i].model,  builtin[i].input, builtin[i].output,
				  builtin[i].cached, builtin[i].batch, 1};
		if (add(p, &e)) {
			sprout_prices_free(p);
			return NULL;
		}
	}
	return p;
}

void sprout_prices_free(sprout_prices *p)
{
	if (!p)
		return;
	sprout_arena_free(p->a);
	free(p->v);
	free(p);
}

size_t sprout_prices_count(const sprout_prices *p)
{
	return p ? p->n : 0;
}

const sprout_price *sprout_prices_at(const sprout_prices *p, size_t i)
{
	return p && i < p->n ? &p->v[i] : NULL;
}

/* Whether rest (what follows a table name in a model's) is a date or
 * "-latest": "-2024-08-06", "-20241022". */
static int dated(const char *rest)
{
	if (!strcmp(rest, "-latest"))
		return 1;
	size_t n = strlen(rest);
	if (n == 9) {
		for (size_t i = 1; i < 9; i++)
			if (!isdigit((unsigned char)rest[i]))
				return 0;
		return rest[0] == '-';
	}
	if (n == 11) {
		for (size_t i = 1; i < 11; i++)
			if ((i == 5 || i == 8) ? rest[i] != '-' : !isdigit((unsigned char)rest[i]))
				return 0;
		return rest[0] == '-';
	}
	return 0;
}

const sprout_price *sprout_prices_find(const sprout_prices *p, const char *model)
{
	if (!p || !model)
		return NULL;
	/* the user's entries were added last: search from the end */
	for (size_t i = p->n; i-- > 0;)
		if (!strcmp(p->v[i].model, model))
			return &p->v[i];
	const sprout_price *best = NULL;
	for (size_t i = p->n; i-- > 0;) {
		size_t k = strlen(p->v[i].model);
		if (!strncmp(model, p->v[i].model, k) && dated(model + k) &&
		    (!best || k > strlen(best->model)))
			best = &p->v[i];
	}
	return best;
}

double sprout_price_cost(const sprout_price *p, const sprout_usage *u, int batch)
{
	if (!p || !u)
		return 0;
	unsigned long long cached = u->cached_input < u->input ? u->cached_input : u->input;
	double usd = ((double)(u->input - cached) * p->input + (double)cached * p->cached_input +
		      (double)u->output * p->output) /
		     1e6;
	return batch ? usd * (1 - p->batch_discount) : usd;
}

/* ---- a user's file ------------------------------------------------------------ */

static sprout_code bad(sprout_error *err, const sprout_yaml *marks, const sprout_json *v,
		       const char *name, const char *what)
{
	unsigned long line = 0, col = 0;
	sprout_yaml_where(marks, v, &line, &col);
	sprout_error_set(err, SPROUT_ERR_FORMAT, "%s", what);
	sprout_error_locate(err, name, line, col);
	return SPROUT_ERR_FORMAT;
}

/* Whether text holds nothing but blank lines and comments. */
static int blank(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '#')
			while (i < len && text[i] != '\n')
				i++;
		else if (!isspace((unsigned char)text[i]))
			return 0;
	}
	return 1;
}

/* A price from v (a number from lo to hi) into *out; -1 when it is not. */
static int number(const sprout_json *v, double lo, double hi, double *out)
{
	if (!v || v->type != SPROUT_JSON_NUMBER)
		return -1;
	double d = sprout_json_number(v);
	if (!(d >= lo && d <= hi))
		return -1;
	*out = d;
	return 0;
}

sprout_code sprout_prices_read(sprout_prices *p, const char *text, size_t len, const char *name,
			       sprout_error *err)
{
	sprout_arena *a = sprout_arena_new(0);
	if (!a)
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	sprout_json *root = NULL;
	sprout_yaml *marks = NULL;
	sprout_code rc = SPROUT_OK;
	if (!blank(text, len))
		rc = sprout_yaml_parse(a, text, len, &root, &marks, err);
	sprout_price *got = NULL;
	size_t ngot = 0;
	if (rc) {
		sprout_error_locate(err, name, err ? err->line : 0, err ? err->column : 0);
		goto done;
	}
	if (!root || root->type != SPROUT_JSON_OBJECT) {
		rc = bad(err, marks, root, name,
			 "a price file is a mapping from model names to {input, output, "
			 "cached-input, batch-discount} (USD per million tokens)");
		goto done;
	}
	got = calloc(root->len + 1, sizeof *got);
	if (!got) {
		rc = sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		goto done;
	}
	static const char *const keys[] = {"input", "output", "cached-input", "batch-discount"};
	for (size_t i = 0; i < root->len; i++) {
		const sprout_json_member *m = &root->u.members[i];
		const sprout_json *e = m->value;
		char msg[SPROUT_ERROR_MSG_MAX];
		if (!m->klen) {
			rc = bad(err, marks, e, name, "a model name is empty");
			goto done;
		}
		if (e->type != SPROUT_JSON_OBJECT) {
			snprintf(msg, sizeof msg,
				 "model '%.200s': expected a mapping {input, output, cached-input, "
				 "batch-discount}",
				 m->key);
			rc = bad(err, marks, e, name, msg);
			goto done;
		}
		for (size_t k = 0; k < e->len; k++) {
			size_t w = 0;
			while (w < 4 && strcmp(e->u.members[k].key, keys[w]))
				w++;
			if (w == 4) {
				unsigned long line = 0, col = 0;
				sprout_yaml_key_where(marks, e, k, &line, &col);
				sprout_error_set(
				    err, SPROUT_ERR_FORMAT,
				    "model '%.200s': unknown key '%.100s' (expected input, "
				    "output, cached-input or batch-discount)",
				    m->key, e->u.members[k].key);
				sprout_error_locate(err, name, line, col);
				rc = SPROUT_ERR_FORMAT;
				goto done;
			}
		}
		sprout_price *pr = &got[ngot++];
		double *dst[4] = {&pr->input, &pr->output, &pr->cached_input, &pr->batch_discount};
		for (size_t w = 0; w < 4; w++) {
			const sprout_json *v = sprout_json_get(e, keys[w]);
			double hi = w == 3 ? 1 : 1e6;
			if (!v && w < 2) {
				snprintf(
				    msg, sizeof msg,
				    "model '%.200s': '%s' is required (USD per million tokens)",
				    m->key, keys[w]);
				rc = bad(err, marks, e, name, msg);
				goto done;
			}
			if (v && number(v, 0, hi, dst[w])) {
				snprintf(msg, sizeof msg,
					 "model '%.200s': '%s' must be a number from 0 to %g",
					 m->key, keys[w], hi);
				rc = bad(err, marks, v, name, msg);
				goto done;
			}
			if (!v)
				*dst[w] = w == 2 ? pr->input : 0;
		}
		if (!(pr->model = sprout_arena_strndup(p->a, m->key, m->klen))) {
			rc = sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
			goto done;
		}
	}
	for (size_t i = 0; i < ngot; i++)
		if (add(p, &got[i])) {
			rc = sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
			goto done;
		}
done:
	free(got);
	sprout_yaml_free(marks);
	sprout_arena_free(a);
	return rc;
}

sprout_code sprout_prices_load(sprout_prices *p, const char *path, sprout_error *err)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		sprout_error_set(err, SPROUT_ERR_IO, "cannot open the price file: %s",
				 strerror(errno));
		sprout_error_locate(err, path, 0, 0);
		return SPROUT_ERR_IO;
	}
	char *text = malloc(MAX_FILE + 1);
	size_t n = text ? fread(text, 1, MAX_FILE + 1, f) : 0;
	int failed = ferror(f);
	fclose(f);
	sprout_code rc;
	if (!text) {
		rc = sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	} else if (failed || n > MAX_FILE) {
		rc = sprout_error_set(err, SPROUT_ERR_IO, "%s",
				      failed ? "cannot read the price file"
					     : "the price file is larger than 1 MiB");
		sprout_error_locate(err, path, 0, 0);
	} else {
		rc = sprout_prices_read(p, text, n, path, err);
	}
	free(text);
	return rc;
}
