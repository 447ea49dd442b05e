/* sprout generate: new examples written by a model server from the seeds. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "sprout/batch.h"
#include "sprout/cost.h"
#include "sprout/generate.h"
#include "sprout/llm.h"

enum {
	OPT_METHOD = 'm',
	OPT_N = 'n',
	OPT_MODEL = OPT_COMMAND_BASE,
	OPT_TEMPERATURE,
	OPT_TOP_P,
	OPT_SLOT,
	OPT_CONSTRAINTS,
	OPT_OPERATIONS,
	OPT_WORDS,
	OPT_LANGUAGE,
	OPT_SCOPE,
	OPT_COUNT,
	OPT_ROUND,
	OPT_EXAMPLES,
	OPT_NOVELTY,
	OPT_PROMPTS,
	OPT_RESPONSE,
	OPT_CHAT_TEMPLATE,
	OPT_DRY_RUN,
	OPT_SEED,
	OPT_KEEP,
	OPT_BATCH,
	OPT_BATCH_WAIT,
	OPT_BATCH_POLL,
	OPT_BATCH_REQUESTS,
	OPT_BATCH_BYTES,
	OPT_PRICES,
	OPT_MAX_COST,
	OPT_LEDGER,
};

static const struct cli_option options[] = {
    {"method", 'm', "NAME", OPT_METHOD,
     "paraphrase, expand, refine, pairs, respond, brief, bullets, refuse, evolve, translate or "
     "magpie (see docs/generate.md)"},
    {"model", 0, "NAME", OPT_MODEL,
     "the model; repeat it to spread the requests over several models", CLI_OPT_REPEAT},
    CLI_LLM_SERVER_OPTIONS,
    {"temperature", 0, "T[,T...]", OPT_TEMPERATURE,
     "sampling temperature; several values are a sweep the requests are spread over "
     "(default per method: 0.9 paraphrase, expand, evolve; 0.7 pairs, respond, refuse; 0.3 "
     "refine, brief, bullets, translate)"},
    {"top-p", 0, "P[,P...]", OPT_TOP_P, "nucleus sampling; several values are a sweep"},
    {"variants", 'n', "K", OPT_N, "items asked per request: paraphrase, expand, pairs (default 3)"},
    {"slot", 0, "SLOT", OPT_SLOT,
     "what paraphrase, expand, refine, evolve and translate rewrite (default prompt)"},
    {"constraints", 0, "LIST", OPT_CONSTRAINTS,
     "paraphrase: casual, typos, slang, incomplete, non-native, formal; one request per "
     "constraint (default casual)"},
    {"operations", 0, "LIST", OPT_OPERATIONS,
     "evolve: constraints, deepen, concretize, reasoning (in depth), breadth (a new, rarer "
     "instruction in the same domain); one request per operation (default constraints,deepen)"},
    {"words", 0, "N", OPT_WORDS, "brief: at most N words (default 50)"},
    {"language", 0, "NAME", OPT_LANGUAGE, "translate: the pivot language (default French)"},
    {"scope", 0, "TEXT", OPT_SCOPE,
     "refuse: what the assistant is for (default: a general-purpose assistant)"},
    {"count", 0, "N", OPT_COUNT, "pairs, magpie: new tasks to make (default 50)"},
    {"round", 0, "N", OPT_ROUND, "pairs, magpie: requests per round (default 8)"},
    {"examples", 0, "H[,M]", OPT_EXAMPLES,
     "pairs: seed tasks and earlier new tasks shown in each prompt (default 6,2)"},
    {"novelty-threshold", 0, "R", OPT_NOVELTY,
     "pairs: a new instruction with ROUGE-L above R with any earlier one is dropped (default 0.7)"},
    {"prompts", 0, "DIR", OPT_PROMPTS,
     "prompt templates: DIR/METHOD.txt replaces the built-in one (see prompts/README.md)",
     CLI_OPT_INDIR},
    {"chat-template", 0, "NAME", OPT_CHAT_TEMPLATE,
     "magpie: the model's chat format: llama3 (default), chatml (Qwen), gemma, phi3, mistral"},
    {"response", 0, "MODE", OPT_RESPONSE,
     "a rewritten prompt or input and the record's response: regenerate (a second request "
     "answers the new instruction; default for evolve and refine), keep (default for "
     "paraphrase, expand, translate) or stale (emptied, for respond to fill)"},
    CLI_LLM_CLIENT_OPTIONS,
    {"prices", 0, "FILE", OPT_PRICES,
     "model prices (YAML or JSON: model: {input, output, cached-input, batch-discount}, USD "
     "per million tokens) over the built-in table",
     CLI_OPT_INFILE},
    {"max-cost", 0, "USD", OPT_MAX_COST,
     "stop sending before the cost would cross USD (by the estimate of the next request); "
     "what is not sent goes to the rejects file (check budget)"},
    {"ledger", 0, "FILE", OPT_LEDGER,
     "write what the run cost (JSON: requests, tokens and USD per model, cache hits apart)",
     CLI_OPT_OUTPATH},
    {"dry-run", 0, NULL, OPT_DRY_RUN,
     "print how many requests the run would send and the tokens it would spend; send none"},
    {"seed", 0, "N", OPT_SEED, "random seed for pairs' examples and the retry jitter (default 0)"},
    {"keep-original", 0, NULL, OPT_KEEP,
     "write each input record before what was made from it (pairs: all of them first)"},
    {"batch", 0, NULL, OPT_BATCH,
     "send the requests through the provider's batch API (OpenAI Batch, Anthropic Message "
     "Batches): half the price, answered within 24 hours; the batch ids are kept in the cache, "
     "so the same command run again collects them (see docs/generate.md)"},
    {"batch-wait", 0, "SECONDS", OPT_BATCH_WAIT,
     "with --batch: wait at most this long for the batches (default: until they end); past "
     "it, or at once with 0, exit 5 (pending): run the same command again later"},
    {"batch-poll", 0, "SECONDS", OPT_BATCH_POLL,
     "with --batch: the longest pause between two polls of a batch (default 60)"},
    {"batch-max-requests", 0, "N", OPT_BATCH_REQUESTS,
     "with --batch: requests per batch (default: the provider's limit, 50000 OpenAI, 100000 "
     "Anthropic)"},
    {"batch-max-bytes", 0, "N", OPT_BATCH_BYTES,
     "with --batch: bytes per batch (default: the provider's limit, 200 MB OpenAI, 256 MB "
     "Anthropic)"},
    {NULL, 0, NULL, 0, NULL},
};

#define MAX_LIST 32

struct gen_cli {
	sprout_generate_options o;
	sprout_llm_config llm;
	sprout_batch_options bo;
	int batch, batch_opts;
	sprout_llm_endpoint ep[MAX_LIST];
	sprout_gen_config cfg[MAX_LIST * MAX_LIST];
	const char *models[MAX_LIST];
	size_t nmodels;
	double temps[MAX_LIST], tops[MAX_LIST];
	size_t ntemps, ntops;
	const char *constraints[MAX_LIST], *ops[MAX_LIST];
	char lists[2][1024];
	const char *prices_file, *ledger;
	int dry_run, keep, method_given;
};

/* Split a comma list into names (the text is kept in buf). */
static int names(const char *opt, const char *arg, char *buf, size_t bufsize, const char **v,
		 size_t *n, const char *(*known)(const char *), const char *expected)
{
	snprintf(buf, bufsize, "%s", arg);
	*n = 0;
	char *save = NULL;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (!known(t) || *n == MAX_LIST) {
			cli_error("--%s: unknown name '%s' (expected %s)", opt, t, expected);
			return EXIT_USAGE;
		}
		v[(*n)++] = t;
	}
	return -1;
}

static int on_option(int id, const char *arg, void *ctx)
{
	struct gen_cli *g = ctx;
	sprout_generate_options *o = &g->o;
	sprout_error err = SPROUT_ERROR_INIT;
	unsigned long long u;
	double x[1];
	size_t nx;
	int rc;
	switch (id) {
	case OPT_METHOD:
		if (sprout_gen_parse(arg, &o->method, &err)) {
			cli_error("--method: %s", err.msg);
			return EXIT_USAGE;
		}
		g->method_given = 1;
		return -1;
	case OPT_MODEL:
		if (g->nmodels == MAX_LIST) {
			cli_error("--model: at most %d models", MAX_LIST);
			return EXIT_USAGE;
		}
		g->models[g->nmodels++] = arg;
		return -1;
	case OPT_TEMPERATURE:
		return cli_reals("temperature", arg, 0, 2, g->temps, MAX_LIST, &g->ntemps);
	case OPT_TOP_P: return cli_reals("top-p", arg, 0, 1, g->tops, MAX_LIST, &g->ntops);
	case OPT_N:
		if ((rc = cli_whole_in("variants", arg, 1, 50, &u)) >= 0)
			return rc;
		o->n = (unsigned)u;
		return -1;
	case OPT_SLOT:
		if (sprout_slot_parse(arg, &o->slot, &err) || o->slot == SPROUT_SLOT_LABEL) {
			cli_error("--slot: %s", err.msg[0] ? err.msg : "a label is not rewritten");
			return EXIT_USAGE;
		}
		return -1;
	case OPT_CONSTRAINTS:
		return names("constraints", arg, g->lists[0], sizeof g->lists[0], g->constraints,
			     &o->nconstraints, sprout_gen_constraint,
			     "casual, typos, slang, incomplete, non-native or formal");
	case OPT_OPERATIONS:
		return names("operations", arg, g->lists[1], sizeof g->lists[1], g->ops,
			     &o->noperations, sprout_gen_operation,
			     "constraints, deepen, concretize, reasoning or breadth");
	case OPT_WORDS:
		if ((rc = cli_whole_in("words", arg, 1, 10000, &u)) >= 0)
			return rc;
		o->words = (unsigned)u;
		return -1;
	case OPT_LANGUAGE: o->language = arg; return -1;
	case OPT_SCOPE: o->scope = arg; return -1;
	case OPT_COUNT:
		if ((rc = cli_whole_in("count", arg, 1, 10000000, &u)) >= 0)
			return rc;
		o->count = (unsigned long)u;
		return -1;
	case OPT_ROUND:
		if ((rc = cli_whole_in("round", arg, 1, 4096, &u)) >= 0)
			return rc;
		o->batch = (unsigned)u;
		return -1;
	case OPT_EXAMPLES: {
		unsigned h, m = o->machine_examples;
		char rest;
		if ((sscanf(arg, "%u,%u%c", &h, &m, &rest) != 2 &&
		     sscanf(arg, "%u%c", &h, &rest) != 1) ||
		    h < 1 || h > 50 || m > 50) {
			cli_error(
			    "--examples: expected H or H,M (seed tasks, earlier new tasks), got "
			    "'%s'",
			    arg);
			return EXIT_USAGE;
		}
		o->human_examples = h;
		o->machine_examples = m;
		return -1;
	}
	case OPT_NOVELTY:
		if ((rc = cli_reals("novelty-threshold", arg, 0, 1, x, 1, &nx)) >= 0)
			return rc;
		o->novelty = x[0];
		return -1;
	case OPT_PROMPTS: o->prompts_dir = arg; return -1;
	case OPT_CHAT_TEMPLATE: o->chat_template = arg; return -1;
	case OPT_RESPONSE: {
		sprout_error e = SPROUT_ERROR_INIT;
		if (sprout_gen_response_parse(arg, &o->response, &e)) {
			cli_error("--response: %s", e.msg);
			return EXIT_USAGE;
		}
		return -1;
	}
	case OPT_DRY_RUN: g->dry_run = 1; return -1;
	case OPT_SEED:
		if ((rc = cli_whole_in("seed", arg, 0, ~0ULL, &u)) >= 0)
			return rc;
		o->seed = u;
		g->llm.lo.seed = u;
		return -1;
	case OPT_KEEP: g->keep = 1; return -1;
	case OPT_BATCH: g->batch = 1; return -1;
	case OPT_BATCH_WAIT:
		g->batch_opts = 1;
		if ((rc = cli_reals("batch-wait", arg, 0, 1e9, x, 1, &nx)) >= 0)
			return rc;
		g->bo.wait = x[0];
		return -1;
	case OPT_BATCH_POLL:
		g->batch_opts = 1;
		if ((rc = cli_reals("batch-poll", arg, 0.001, 86400, x, 1, &nx)) >= 0)
			return rc;
		g->bo.poll = x[0];
		return -1;
	case OPT_BATCH_REQUESTS:
		g->batch_opts = 1;
		if ((rc = cli_whole_in("batch-max-requests", arg, 1,
				       SPROUT_BATCH_ANTHROPIC_REQUESTS, &u)) >= 0)
			return rc;
		g->bo.max_requests = (unsigned long)u;
		return -1;
	case OPT_BATCH_BYTES:
		g->batch_opts = 1;
		if ((rc = cli_whole_in("batch-max-bytes", arg, 1, SPROUT_BATCH_ANTHROPIC_BYTES,
				       &u)) >= 0)
			return rc;
		g->bo.max_bytes = (unsigned long)u;
		return -1;
	case OPT_PRICES: g->prices_file = arg; return -1;
	case OPT_MAX_COST:
		if ((rc = cli_reals("max-cost", arg, 0, 1e9, x, 1, &nx)) >= 0)
			return rc;
		g->llm.lo.max_cost = x[0];
		return -1;
	case OPT_LEDGER: g->ledger = arg; return -1;
	}
	rc = cli_llm_option(&g->llm, id, arg);
	return rc == -2 ? -1 : rc;
}

/* ---- reading as the requests allow (per-record methods) ----------------------- */

#define HELD_BLOCK 256 /* records in one block */

/* Copies of the inputs between being read and coming out, by blocks of
 * HELD_BLOCK records in an arena of their own: a block goes when its last
 * record has come out, so memory follows the requests in flight, not the
 * input. */
struct held_block {
	sprout_arena *mem;
	sprout_record recs[HELD_BLOCK];
	size_t n;
};

struct held {
	struct cli_reader *rd;
	struct held_block **blocks; /* blocks[0] holds input first */
	size_t nblocks, cap, first;
	size_t count; /* inputs read */
	int exit;     /* set when reading failed: the exit code (the error is printed) */
};

static int held_next(void *ctx, size_t idx, const sprout_record **out, sprout_error *err)
{
	struct held *h = ctx;
	sprout_record rec;
	int got;
	(void)idx;
	while ((got = cli_reader_next(h->rd, &rec)) > 0) {
		sprout_error why = SPROUT_ERROR_INIT;
		if (!sprout_meta_ensure(&rec, &why))
			break;
		int rc = cli_reader_reject(h->rd, &rec, &why, "read");
		if (rc) {
			h->exit = rc;
			return -1;
		}
	}
	if (got <= 0) {
		h->exit = -got;
		return got < 0 ? -1 : 0;
	}
	struct held_block *b = h->nblocks ? h->blocks[h->nblocks - 1] : NULL;
	if (!b || b->n == HELD_BLOCK) {
		if (h->nblocks == h->cap) {
			size_t cap = h->cap ? h->cap * 2 : 8;
			struct held_block **v = realloc(h->blocks, cap * sizeof *v);
			if (!v)
				goto oom;
			h->blocks = v;
			h->cap = cap;
		}
		if (!(b = calloc(1, sizeof *b)) || !(b->mem = sprout_arena_new(0))) {
			free(b);
			goto oom;
		}
		h->blocks[h->nblocks++] = b;
	}
	sprout_record *r = &b->recs[b->n];
	sprout_format *fmt = NULL;
	if (b->n && !memcmp(b->recs[b->n - 1].fmt, rec.fmt, sizeof *rec.fmt))
		r->fmt = b->recs[b->n - 1].fmt;
	else if ((fmt = sprout_arena_alloc(b->mem, sizeof *fmt)))
		*fmt = *rec.fmt, r->fmt = fmt;
	r->obj = sprout_json_copy(b->mem, rec.obj);
	r->arena = b->mem;
	r->file = rec.file ? sprout_arena_strndup(b->mem, rec.file, strlen(rec.file)) : NULL;
	r->line = rec.line;
	if (!r->fmt || !r->obj || (rec.file && !r->file))
		goto oom;
	b->n++;
	h->count++;
	*out = r;
	return 1;
oom:
	cli_error("out of memory");
	h->exit = EXIT_INTERNAL;
	sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	return -1;
}

static sprout_record *held_at(struct held *h, size_t idx)
{
	size_t k = idx - h->first;
	return &h->blocks[k / HELD_BLOCK]->recs[k % HELD_BLOCK];
}

static void held_release(void *ctx, size_t idx)
{
	struct held *h = ctx;
	if (idx - h->first + 1 < HELD_BLOCK)
		return;
	sprout_arena_free(h->blocks[0]->mem);
	free(h->blocks[0]);
	memmove(h->blocks, h->blocks + 1, --h->nblocks * sizeof *h->blocks);
	h->first += HELD_BLOCK;
}

static void held_free(struct held *h)
{
	for (size_t i = 0; i < h->nblocks; i++) {
		sprout_arena_free(h->blocks[i]->mem);
		free(h->blocks[i]);
	}
	free(h->blocks);
}

/* ---- writing ------------------------------------------------------------------ */

struct sink {
	struct cli_reader *rd;
	struct cli_dataset *ds; /* the inputs in memory (pairs, magpie), or */
	struct held *held;	/* those still held (per-record methods) */
	sprout_writer *out;
	int keep, strip, tty, quiet;
	unsigned long written, rejected, made; /* made: new records, not kept inputs */
	struct {
		char check[16];
		unsigned long n;
	} why[8];		 /* rejects by check, for the message when nothing was made */
	char first_failure[512]; /* the reason of the first request that failed */
	sprout_arena *scratch;
	struct timespec last, start;
	int drew;
};

static int write_obj_json(struct sink *s, const char *json, size_t len)
{
	sprout_error err = SPROUT_ERROR_INIT;
	if (!s->strip) {
		if (sprout_writer_put_json(s->out, json, len, &err)) {
			cli_error_at(&err);
			return -1;
		}
		return 0;
	}
	sprout_json *v;
	sprout_arena_reset(s->scratch);
	if (sprout_json_parse(s->scratch, json, len, &v, &err) ||
	    (sprout_json_remove(v, "_sprout"), sprout_writer_put(s->out, v, &err))) {
		cli_error_at(&err);
		return -1;
	}
	return 0;
}

static sprout_record *input_at(struct sink *s, size_t idx)
{
	return s->held ? held_at(s->held, idx) : &s->ds->recs[idx];
}

static int on_begin(void *ctx, size_t idx)
{
	struct sink *s = ctx;
	if (!s->keep)
		return 0;
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_record *r = input_at(s, idx);
	if (s->strip)
		sprout_meta_strip(r);
	if (sprout_writer_put(s->out, r->obj, &err)) {
		cli_error_at(&err);
		return -1;
	}
	s->written++;
	return 0;
}

static int on_emit(void *ctx, size_t idx, const char *json, size_t len)
{
	struct sink *s = ctx;
	(void)idx;
	if (write_obj_json(s, json, len))
		return -1;
	s->written++;
	s->made++;
	return 0;
}

static int on_reject(void *ctx, size_t idx, const char *check, const char *reason,
		     const char *answer)
{
	struct sink *s = ctx;
	static const sprout_format none = {SPROUT_FORMAT_AUTO, {{0}}};
	sprout_record blank = {NULL, &none, NULL, NULL, 0};
	const sprout_record *r = idx == (size_t)-1 ? &blank : input_at(s, idx);
	sprout_arena_reset(s->scratch);
	s->rejected++;
	size_t k = 0, nwhy = sizeof s->why / sizeof *s->why;
	while (k < nwhy && s->why[k].n && strcmp(s->why[k].check, check))
		k++;
	if (k < nwhy) {
		snprintf(s->why[k].check, sizeof s->why[k].check, "%s", check);
		s->why[k].n++;
	}
	if (!s->first_failure[0] && !strcmp(check, "request"))
		snprintf(s->first_failure, sizeof s->first_failure, "%s", reason);
	return cli_reject_record_with(s->rd, "generate", check, reason, r, answer ? "answer" : NULL,
				      answer) >= 0;
}

static void on_progress(void *ctx, const sprout_llm_counts *c)
{
	struct sink *s = ctx;
	if (s->quiet)
		return;
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	double gap =
	    (double)(t.tv_sec - s->last.tv_sec) + (double)(t.tv_nsec - s->last.tv_nsec) / 1e9;
	if (gap < (s->tty ? 0.2 : 10))
		return;
	s->last = t;
	double secs =
	    (double)(t.tv_sec - s->start.tv_sec) + (double)(t.tv_nsec - s->start.tv_nsec) / 1e9;
	double tps = secs > 0 ? (double)(c->prompt_tokens + c->completion_tokens) / secs : 0;
	unsigned long done = c->answered + c->cached;
	if (s->tty) {
		fprintf(stderr,
			"\r\033[K  generate: %lu done (%lu cached), %lu in flight, %lu waiting to "
			"retry, %lu failed, %.0f tokens/s",
			done, c->cached, c->in_flight, c->waiting, c->failed, tps);
		s->drew = 1;
	} else {
		fprintf(stderr,
			"sprout: generate: %lu done (%lu cached), %lu in flight, %lu failed, %.0f "
			"tokens/s\n",
			done, c->cached, c->in_flight, c->failed, tps);
	}
	fflush(stderr);
}

/* ---- the command --------------------------------------------------------------- */

/* What the run cost and how it was paced, when there is something to say. */
static void note_pace(const struct cli_common *c, const struct gen_cli *g, const sprout_llm *llm,
		      const sprout_llm_counts *n)
{
	double usd;
	int known = cli_ledger_cost(llm, &usd);
	if (known && n->sent && sprout_prices_find(g->llm.lo.prices, g->models[0]))
		cli_note(c, "%s: cost $%.4f%s", sprout_gen_name(g->o.method), usd,
			 n->cached ? " (the answers from the cache cost nothing)" : "");
	if (n->budget)
		cli_note(c, "%s: %lu requests not sent: --max-cost %g would have been crossed",
			 sprout_gen_name(g->o.method), n->budget, g->llm.lo.max_cost);
	if (n->throttled || n->cuts)
		cli_note(c,
			 "%s: %lu requests waited for a rate limit or a cool-down; concurrency "
			 "halved %lu times, at most %lu in flight",
			 sprout_gen_name(g->o.method), n->throttled, n->cuts, n->peak);
	if (n->reused)
		cli_note(c, "%s: %lu answers reused from the cache under another --answer-tokens",
			 sprout_gen_name(g->o.method), n->reused);
}

/* Endpoints (one per model) and the configs: models x temperatures x top_p. */
static void make_configs(struct gen_cli *g, const char *key)
{
	size_t nt = g->ntemps ? g->ntemps : 1, np = g->ntops ? g->ntops : 1, k = 0;
	for (size_t m = 0; m < g->nmodels; m++) {
		g->ep[m] = sprout_llm_config_endpoint(&g->llm, g->models[m], key);
		for (size_t t = 0; t < nt; t++)
			for (size_t p = 0; p < np; p++)
				g->cfg[k++] = (sprout_gen_config){
				    &g->ep[m],
				    g->ntemps ? g->temps[t]
					      : sprout_gen_default_temperature(g->o.method),
				    g->ntops ? g->tops[p] : -1};
	}
	g->o.configs = g->cfg;
	g->o.nconfigs = k;
}

/* What the plan would cost: the prices of the models and an estimate
 * (requests are spread evenly over the models; cached ones cost nothing). */
static void print_cost(const struct gen_cli *g, const sprout_gen_plan *p,
		       const sprout_prices *prices)
{
	if (!p->requests)
		return;
	double sent =
	    p->cached < p->requests ? (double)(p->requests - p->cached) / (double)p->requests : 0;
	double usd = 0;
	const char *unknown = NULL;
	for (size_t m = 0; m < g->nmodels; m++) {
		const sprout_price *pr = sprout_prices_find(prices, g->models[m]);
		if (!pr) {
			unknown = unknown ? unknown : g->models[m];
			continue;
		}
		printf("price of %s: $%g input, $%g cached input, $%g output per million tokens "
		       "(%s)\n",
		       g->models[m], pr->input, pr->cached_input, pr->output,
		       pr->builtin ? "built in: check your provider" : g->prices_file);
		double share = sent / (double)g->nmodels;
		sprout_usage u = {(unsigned long long)((double)p->prompt_tokens * share), 0,
				  (unsigned long long)((double)p->answer_tokens * share)};
		usd += sprout_price_cost(pr, &u, 0);
	}
	if (unknown) {
		printf("cost: unknown, no price for model '%s' (give one with --prices FILE)\n",
		       unknown);
		return;
	}
	printf("cost, estimated: $%.4f\n", usd);
	if (g->llm.lo.max_cost >= 0 && usd > g->llm.lo.max_cost)
		printf("--max-cost %g stops it before the end\n", g->llm.lo.max_cost);
}

static void print_plan(const struct gen_cli *g, const sprout_gen_plan *p, size_t records)
{
	printf("generate %s: %zu input records, %zu generator setting%s (%zu model%s)\n",
	       sprout_gen_name(g->o.method), records, g->o.nconfigs, g->o.nconfigs == 1 ? "" : "s",
	       g->nmodels, g->nmodels == 1 ? "" : "s");
	printf("requests: %lu%s, %lu of them answered in the cache%s\n", p->requests,
	       g->o.method == SPROUT_GEN_PAIRS || g->o.method == SPROUT_GEN_MAGPIE
		   ? " at least (more when tasks are not new; pairs: one more for each "
		     "classification task)"
		   : "",
	       p->cached, g->o.method == SPROUT_GEN_PAIRS ? " (first round)" : "");
	printf("tokens, estimated: %llu prompt + %llu answer = %llu\n", p->prompt_tokens,
	       p->answer_tokens, p->prompt_tokens + p->answer_tokens);
	if (g->llm.lo.max_requests && p->requests > g->llm.lo.max_requests)
		printf("--max-requests %lu stops it before the end\n", g->llm.lo.max_requests);
}

int cmd_generate(int argc, char **argv)
{
	struct gen_cli g;
	memset(&g, 0, sizeof g);
	sprout_generate_options_init(&g.o);
	cli_llm_init(&g.llm);
	sprout_batch_options_init(&g.bo);
	g.o.constraints = g.constraints;
	g.o.operations = g.ops;
	struct cli_common c;
	int rc = cli_parse(
	    argc, argv, "generate --method NAME --url URL --model NAME [options] [FILE...]",
	    "Ask a model server for new examples made from the records: paraphrases\n"
	    "under constraints, rephrased, refined or evolved instructions, new\n"
	    "instruction-response pairs in the style of the seeds, responses,\n"
	    "shorter or bulleted responses, refusals, back-translations. Many\n"
	    "requests are in flight; failures are retried; every answer is cached,\n"
	    "so the same command after a crash sends only what was not answered.\n"
	    "Unusable answers and failed requests go to the rejects file.",
	    options, CLI_READS | CLI_WRITES, &c, on_option, &g);
	if (rc >= 0)
		return rc;
	const char *key;
	if ((rc = cli_llm_ready(&g.llm, g.dry_run, &key)) >= 0)
		return rc;
	rc = EXIT_OK;
	g.o.answer_tokens = g.llm.answer_tokens;
	g.o.no_schema = g.llm.no_schema;
	if (!g.method_given || !g.llm.url || !g.nmodels) {
		cli_error(
		    "generate needs --method, --url (or $OPENAI_BASE_URL, $ANTHROPIC_BASE_URL "
		    "with --api anthropic) and --model (see 'sprout generate --help')");
		return EXIT_USAGE;
	}
	if (g.o.nconstraints && g.o.method != SPROUT_GEN_PARAPHRASE)
		cli_note(&c, "--constraints is for paraphrase: left unused");
	if (g.batch_opts && !g.batch)
		cli_note(
		    &c,
		    "--batch-wait, --batch-poll and --batch-max-* go with --batch: left unused");
	if (g.batch && g.llm.no_cache) {
		cli_error("--batch needs the cache (it keeps the batch ids): leave out --no-cache");
		return EXIT_USAGE;
	}
	if (g.batch && !g.dry_run)
		g.llm.lo.batch = &g.bo;
	make_configs(&g, key);
	struct cli_reader rd = {0};
	rd.want_rejects = !g.dry_run;
	struct cli_dataset ds = {0};
	struct held held = {&rd};
	/* the per-record methods read their inputs as requests go out; pairs
	 * and magpie draw from all their seeds, and a dry run counts them all */
	int load_all =
	    g.dry_run || g.o.method == SPROUT_GEN_PAIRS || g.o.method == SPROUT_GEN_MAGPIE;
	sprout_llm *llm = NULL;
	struct sink s = {0};
	size_t inputs = 0;
	sprout_error err = SPROUT_ERROR_INIT;
	int keep_rejects = 0;
	sprout_prices *prices = sprout_prices_new();
	if (g.dry_run)
		c.rejects = NULL;
	if (!prices) {
		cli_error("out of memory");
		rc = EXIT_INTERNAL;
		goto done;
	}
	if (g.prices_file && sprout_prices_load(prices, g.prices_file, &err)) {
		cli_error_at(&err);
		rc = err.code == SPROUT_ERR_FORMAT ? EXIT_USAGE : cli_exit_for(err.code);
		goto done;
	}
	g.llm.lo.prices = prices;
	for (size_t m = 0; g.llm.lo.max_cost >= 0 && m < g.nmodels; m++)
		if (!sprout_prices_find(prices, g.models[m])) {
			cli_error(
			    "--max-cost: no price is known for model '%s' (give it in a --prices "
			    "file: '%s: {input: USD, output: USD}' per million tokens)",
			    g.models[m], g.models[m]);
			rc = EXIT_USAGE;
			goto done;
		}
	if ((rc = cli_reader_open(&rd, &c)) >= 0)
		goto done;
	if (load_all && (rc = cli_load(&rd, &ds)) >= 0)
		goto done;
	if (!(llm = sprout_llm_new(&g.llm.lo, &err))) {
		cli_error_at(&err);
		rc = cli_exit_for(err.code);
		goto done;
	}
	if (g.dry_run) {
		sprout_gen_plan plan;
		if (sprout_generate_plan(&g.o, llm, ds.recs, ds.n, &plan, &err)) {
			cli_error_at(&err);
			rc = cli_exit_for(err.code);
			goto done;
		}
		print_plan(&g, &plan, ds.n);
		print_cost(&g, &plan, prices);
		rc = EXIT_OK;
		goto done;
	}
	if (!(s.out = cli_output_open(&c, SPROUT_CONTAINER_JSONL, &rc)))
		goto done;
	rc = EXIT_OK;
	s.rd = &rd;
	s.ds = &ds;
	s.held = load_all ? NULL : &held;
	s.keep = g.keep;
	s.strip = c.strip_meta;
	s.quiet = c.quiet;
	s.tty = isatty(2);
	s.scratch = sprout_arena_new(0);
	clock_gettime(CLOCK_MONOTONIC, &s.start);
	s.last = s.start;
	sprout_gen_callbacks cb = {on_begin, on_emit, on_reject, on_progress, &s};
	/* pairs makes records of its own: the seeds, when kept, come first */
	for (size_t i = 0;
	     g.keep && (g.o.method == SPROUT_GEN_PAIRS || g.o.method == SPROUT_GEN_MAGPIE) &&
	     i < ds.n;
	     i++)
		if (on_begin(&s, i)) {
			rc = EXIT_IO;
			goto done;
		}
	sprout_gen_source src = {held_next, held_release, &held};
	sprout_code gc = !s.scratch ? SPROUT_ERR_NOMEM
			 : load_all ? sprout_generate(&g.o, llm, ds.recs, ds.n, &cb, &err)
				    : sprout_generate_stream(&g.o, llm, &src, &cb, &err);
	inputs = load_all ? ds.n : held.count;
	if (s.drew)
		fprintf(stderr, "\r\033[K");
	sprout_llm_counts n;
	sprout_llm_counts_get(llm, &n);
	if (gc) {
		if (held.exit) { /* reading failed: said already */
			rc = held.exit;
			goto done;
		}
		if (err.msg[0])
			cli_error_at(&err);
		rc = cli_exit_for(gc);
		goto done;
	}
	/* (requests the budget kept back are not failures: made nothing, below) */
	int all_failed = !n.answered && !n.cached && n.failed > n.budget;
	if (all_failed) {
		cli_error("no request was answered (%lu failed), the first: %s", n.failed,
			  s.first_failure);
		rc = EXIT_IO;
		keep_rejects = 1;
	}
	if ((rc = rc ? rc : cli_output_commit(s.out)) == EXIT_OK) {
		s.out = NULL;
		char how[160];
		if (g.batch)
			snprintf(
			    how, sizeof how,
			    "%lu requests sent in batches (%lu again), %lu answered from batches, "
			    "%lu",
			    n.sent, n.retried, n.answered, n.cached);
		else
			snprintf(how, sizeof how, "%lu requests sent (%lu retries), %lu", n.sent,
				 n.retried, n.cached);
		cli_note(&c,
			 "%s: %s answered from the cache, %lu failed; tokens %llu prompt + %llu "
			 "answer; wrote %lu records, %lu rejected (%s)",
			 sprout_gen_name(g.o.method), how, n.failed, n.prompt_tokens,
			 n.completion_tokens, s.written, s.rejected, rd.rejects_path);
	}
	note_pace(&c, &g, llm, &n);
	s.out = rc ? s.out : NULL;
done:
	if (s.out)
		cli_output_abort(s.out);
	sprout_arena_free(s.scratch);
	/* what was spent, whatever else happened */
	if (llm && g.ledger && !g.dry_run) {
		int lrc = cli_ledger_write(g.ledger, llm);
		rc = rc ? rc : lrc >= 0 ? lrc : rc;
	}
	sprout_llm_free(llm);
	sprout_prices_free(prices);
	/* the rejects say why requests failed: kept even when all of them did */
	int rc2 =
	    rd.c ? cli_reader_close(&rd, (rc == EXIT_OK || keep_rejects) && !g.dry_run) : EXIT_OK;
	if (!rc && !rc2 && !g.dry_run && inputs && !s.made) {
		/* the output and the rejects are written, but nothing new came out */
		char counts[256] = "";
		size_t used = 0;
		for (size_t k = 0; k < sizeof s.why / sizeof *s.why && s.why[k].n; k++)
			used += (size_t)snprintf(
			    counts + used, used < sizeof counts ? sizeof counts - used : 0,
			    "%s%s %lu", k ? ", " : "", s.why[k].check, s.why[k].n);
		cli_error("%s made nothing from %zu records (rejected: %s); see %s",
			  sprout_gen_name(g.o.method), inputs, counts[0] ? counts : "none",
			  rd.rejects_path);
		rc = EXIT_DATA;
	}
	cli_dataset_release(&ds);
	held_free(&held);
	return rc ? rc : rc2;
}
