/* The generate stage: new examples written by a model server from the
 * records (sprout/generate.h). Pushed records wait in a spool; at close
 * the per-record methods read them back as the requests in flight allow
 * (sprout_generate_stream: at most a few thousand held in memory), pairs
 * and magpie draw from all of them at once. Made records come out in
 * input order, each after its input when keep-original is set; unusable
 * answers and failed requests are rejects (with the model's answer). With
 * --ledger the cost is written at close, whatever else happened; with
 * --batch, close returns SPROUT_PENDING while requests wait in a batch.
 * --dry-run keeps nothing and its summary is the plan: the requests, the
 * tokens and the cost a run would spend. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "services/llm_options.h"
#include "sprout/batch.h"
#include "sprout/cost.h"
#include "sprout/generate.h"
#include "sprout/llm.h"
#include "sprout/meta.h"
#include "sprout/spool.h"
#include "stages/stage_internal.h"

enum {
	O_METHOD,
	O_MODEL,
	O_LLM_SERVER, /* sprout_llm_config_set's, by name */
	O_TEMPERATURE = O_LLM_SERVER + SPROUT_LLM_SERVER_NOPTIONS,
	O_TOP_P,
	O_N,
	O_SLOT,
	O_CONSTRAINTS,
	O_OPERATIONS,
	O_WORDS,
	O_LANGUAGE,
	O_SCOPE,
	O_COUNT,
	O_ROUND,
	O_EXAMPLES,
	O_NOVELTY,
	O_PROMPTS,
	O_CHAT_TEMPLATE,
	O_RESPONSE,
	O_LLM_CLIENT, /* sprout_llm_config_set's, by name */
	O_PRICES = O_LLM_CLIENT + SPROUT_LLM_CLIENT_NOPTIONS,
	O_MAX_COST,
	O_LEDGER,
	O_DRY_RUN,
	O_SEED,
	O_KEEP,
	O_BATCH,
	O_BATCH_WAIT,
	O_BATCH_POLL,
	O_BATCH_REQUESTS,
	O_BATCH_BYTES,
};

static const sprout_option_def options[] = {
    [O_METHOD] = {"method", 'm', "NAME", SPROUT_OPT_TEXT, 0, NULL,
		  "paraphrase, expand, refine, pairs, respond, brief, bullets, refuse, evolve, "
		  "translate or magpie (see docs/generate.md)"},
    [O_MODEL] = {"model", 0, "NAME", SPROUT_OPT_TEXT, SPROUT_OPT_REPEAT, NULL,
		 "the model; repeat it to spread the requests over several models"},
    SPROUT_LLM_SERVER_OPTION_DEFS,
    [O_TEMPERATURE] = {"temperature", 0, "T[,T...]", SPROUT_OPT_TEXT, 0, NULL,
		       "sampling temperature; several values are a sweep the requests are "
		       "spread over (default per method: 0.9 paraphrase, expand, evolve; 0.7 "
		       "pairs, respond, refuse; 0.3 refine, brief, bullets, translate)"},
    [O_TOP_P] = {"top-p", 0, "P[,P...]", SPROUT_OPT_TEXT, 0, NULL,
		 "nucleus sampling; several values are a sweep"},
    [O_N] = {"variants", 'n', "K", SPROUT_OPT_WHOLE, 0, NULL,
	     "items asked per request: paraphrase, expand, pairs (default 3)"},
    [O_SLOT] = {"slot", 0, "SLOT", SPROUT_OPT_TEXT, 0, "prompt",
		"what paraphrase, expand, refine, evolve and translate rewrite (default prompt)"},
    [O_CONSTRAINTS] = {"constraints", 0, "LIST", SPROUT_OPT_TEXT, 0, "casual",
		       "paraphrase: casual, typos, slang, incomplete, non-native, formal; one "
		       "request per constraint (default casual)"},
    [O_OPERATIONS] = {"operations", 0, "LIST", SPROUT_OPT_TEXT, 0, "constraints,deepen",
		      "evolve: constraints, deepen, concretize, reasoning (in depth), breadth (a "
		      "new, rarer instruction in the same domain); one request per operation "
		      "(default constraints,deepen)"},
    [O_WORDS] = {"words", 0, "N", SPROUT_OPT_WHOLE, 0, "50", "brief: at most N words (default 50)"},
    [O_LANGUAGE] = {"language", 0, "NAME", SPROUT_OPT_TEXT, 0, "French",
		    "translate: the pivot language (default French)"},
    [O_SCOPE] = {"scope", 0, "TEXT", SPROUT_OPT_TEXT, 0, NULL,
		 "refuse: what the assistant is for (default: a general-purpose assistant)"},
    [O_COUNT] = {"count", 0, "N", SPROUT_OPT_WHOLE, 0, "50",
		 "pairs, magpie: new tasks to make (default 50)"},
    [O_ROUND] = {"round", 0, "N", SPROUT_OPT_WHOLE, 0, "8",
		 "pairs, magpie: requests per round (default 8)"},
    [O_EXAMPLES] = {"examples", 0, "H[,M]", SPROUT_OPT_TEXT, 0, "6,2",
		    "pairs: seed tasks and earlier new tasks shown in each prompt (default 6,2)"},
    [O_NOVELTY] = {"novelty-threshold", 0, "R", SPROUT_OPT_NUMBER, 0, "0.7",
		   "pairs: a new instruction with ROUGE-L above R with any earlier one is "
		   "dropped (default 0.7)"},
    [O_PROMPTS] = {"prompts", 0, "DIR", SPROUT_OPT_INDIR, 0, NULL,
		   "prompt templates: DIR/METHOD.txt replaces the built-in one (see "
		   "prompts/README.md)"},
    [O_CHAT_TEMPLATE] = {"chat-template", 0, "NAME", SPROUT_OPT_TEXT, 0, "llama3",
			 "magpie: the model's chat format: llama3 (default), chatml (Qwen), "
			 "gemma, phi3, mistral"},
    [O_RESPONSE] = {"response", 0, "MODE", SPROUT_OPT_TEXT, 0, NULL,
		    "a rewritten prompt or input and the record's response: regenerate (a "
		    "second request answers the new instruction; default for evolve and "
		    "refine), keep (default for paraphrase, expand, translate) or stale "
		    "(emptied, for respond to fill)"},
    SPROUT_LLM_CLIENT_OPTION_DEFS,
    [O_PRICES] = {"prices", 0, "FILE", SPROUT_OPT_INFILE, 0, NULL,
		  "model prices (YAML or JSON: model: {input, output, cached-input, "
		  "batch-discount}, USD per million tokens) over the built-in table"},
    [O_MAX_COST] = {"max-cost", 0, "USD", SPROUT_OPT_NUMBER, 0, NULL,
		    "stop sending before the cost would cross USD (by the estimate of the next "
		    "request); what is not sent goes to the rejects file (check budget)"},
    [O_LEDGER] = {"ledger", 0, "FILE", SPROUT_OPT_OUTPATH, 0, NULL,
		  "write what the run cost (JSON: requests, tokens and USD per model, cache "
		  "hits apart)"},
    [O_DRY_RUN] = {"dry-run", 0, NULL, SPROUT_OPT_SWITCH, 0, NULL,
		   "print how many requests the run would send and the tokens it would spend; "
		   "send none"},
    [O_SEED] = {"seed", 0, "N", SPROUT_OPT_WHOLE, 0, "0",
		"random seed for pairs' examples and the retry jitter (default 0)"},
    [O_KEEP] = {"keep-original", 0, NULL, SPROUT_OPT_SWITCH, 0, NULL,
		"write each input record before what was made from it (pairs: all of them "
		"first)"},
    [O_BATCH] = {"batch", 0, NULL, SPROUT_OPT_SWITCH, 0, NULL,
		 "send the requests through the provider's batch API (OpenAI Batch, Anthropic "
		 "Message Batches): half the price, answered within 24 hours; the batch ids are "
		 "kept in the cache, so the same command run again collects them (see "
		 "docs/generate.md)"},
    [O_BATCH_WAIT] = {"batch-wait", 0, "SECONDS", SPROUT_OPT_NUMBER, 0, NULL,
		      "with --batch: wait at most this long for the batches (default: until "
		      "they end); past it, or at once with 0, exit 5 (pending): run the same "
		      "command again later"},
    [O_BATCH_POLL] = {"batch-poll", 0, "SECONDS", SPROUT_OPT_NUMBER, 0, "60",
		      "with --batch: the longest pause between two polls of a batch (default "
		      "60)"},
    [O_BATCH_REQUESTS] = {"batch-max-requests", 0, "N", SPROUT_OPT_WHOLE, 0, NULL,
			  "with --batch: requests per batch (default: the provider's limit, "
			  "50000 OpenAI, 100000 Anthropic)"},
    [O_BATCH_BYTES] = {"batch-max-bytes", 0, "N", SPROUT_OPT_WHOLE, 0, NULL,
		       "with --batch: bytes per batch (default: the provider's limit, 200 MB "
		       "OpenAI, 256 MB Anthropic)"},
    {NULL, 0, NULL, 0, 0, NULL, NULL},
};

static const char *const outputs[] = {"out", NULL};

#define MAX_LIST   32
#define HELD_BLOCK 256 /* records read back from the spool in one block */

/* Copies of the inputs between being read back and coming out, by blocks
 * of HELD_BLOCK records in an arena of their own: a block goes when its
 * last record has come out, so memory follows the requests in flight. */
struct held_block {
	sprout_arena *mem;
	sprout_record recs[HELD_BLOCK];
	size_t n;
};

struct gen {
	sprout_stage base;
	sprout_generate_options o;
	sprout_llm_config llm;
	sprout_batch_options bo;
	int batch, batch_opts, keep, method_given;
	sprout_llm_endpoint ep[MAX_LIST];
	sprout_gen_config cfg[MAX_LIST * MAX_LIST];
	const char *models[MAX_LIST];
	size_t nmodels;
	double temps[MAX_LIST], tops[MAX_LIST];
	size_t ntemps, ntops;
	const char *constraints[MAX_LIST], *ops[MAX_LIST];
	char lists[2][1024];
	const char *prices_file, *ledger;
	sprout_arena *values; /* copies of the options' text */
	/* at work */
	sprout_prices *prices;
	sprout_llm *client;
	sprout_spool *sp;
	sprout_arena *all;	    /* every input, for pairs, magpie and a dry run */
	sprout_record *recs;	    /* of them */
	size_t n;		    /* inputs read back */
	struct held_block **blocks; /* blocks[0] holds input first */
	size_t nblocks, cap, first;
	sprout_arena *scratch;
	sprout_code stop; /* what a callback stopped with */
	sprout_error *err;
	unsigned long made; /* new records, not kept inputs */
	struct {
		char check[16];
		unsigned long n;
	} why[8];		 /* rejects by check, for the message when nothing was made */
	char first_failure[512]; /* the reason of the first request that failed */
	struct timespec start, last;
};

static void init(sprout_stage *s)
{
	struct gen *g = (struct gen *)s;
	sprout_generate_options_init(&g->o);
	sprout_llm_config_init(&g->llm);
	sprout_batch_options_init(&g->bo);
	g->o.constraints = g->constraints;
	g->o.operations = g->ops;
}

#define USAGE(...) sprout_error_set(err, SPROUT_ERR_USAGE, __VA_ARGS__)

/* A comma list of names into v[0..*n) (the text is kept in buf). */
static sprout_code names(const char *opt, const char *arg, char *buf, size_t bufsize,
			 const char **v, size_t *n, const char *(*known)(const char *),
			 const char *expected, sprout_error *err)
{
	snprintf(buf, bufsize, "%s", arg);
	*n = 0;
	char *save = NULL;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (!known(t) || *n == MAX_LIST)
			return USAGE("--%s: unknown name '%s' (expected %s)", opt, t, expected);
		v[(*n)++] = t;
	}
	return SPROUT_OK;
}

/* A whole number from lo to hi for option i. */
static sprout_code whole(size_t i, const char *arg, unsigned long long lo, unsigned long long hi,
			 unsigned long long *u, sprout_error *err)
{
	char opt[64];
	snprintf(opt, sizeof opt, "--%s", options[i].name);
	return sprout_option_whole_in(opt, arg, lo, hi, u, err);
}

/* Numbers from lo to hi for option i: at most max of them. */
static sprout_code reals(size_t i, const char *arg, double lo, double hi, double *v, size_t max,
			 size_t *n, sprout_error *err)
{
	char opt[64];
	snprintf(opt, sizeof opt, "--%s", options[i].name);
	return sprout_option_reals(opt, arg, lo, hi, v, max, n, err);
}

static sprout_code set(sprout_stage *s, size_t i, const char *value, sprout_error *err)
{
	struct gen *g = (struct gen *)s;
	sprout_generate_options *o = &g->o;
	const char *arg = NULL;
	unsigned long long u;
	double x[1];
	size_t nx;
	sprout_code rc;
	/* the stage keeps the text: a copy outlives the caller's */
	if (value) {
		size_t len = strlen(value) + 1;
		char *copy;
		if ((!g->values && !(g->values = sprout_arena_new(0))) ||
		    !(copy = sprout_arena_alloc(g->values, len)))
			return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		arg = memcpy(copy, value, len);
	}
	if ((i >= O_LLM_SERVER && i < O_TEMPERATURE) || (i >= O_LLM_CLIENT && i < O_PRICES))
		return sprout_llm_config_set(&g->llm, options[i].name, arg, err);
	switch (i) {
	case O_METHOD: {
		sprout_error why = SPROUT_ERROR_INIT;
		if (sprout_gen_parse(arg, &o->method, &why))
			return USAGE("--method: %s", why.msg);
		g->method_given = 1;
		return SPROUT_OK;
	}
	case O_MODEL:
		if (g->nmodels == MAX_LIST)
			return USAGE("--model: at most %d models", MAX_LIST);
		g->models[g->nmodels++] = arg;
		return SPROUT_OK;
	case O_TEMPERATURE: return reals(i, arg, 0, 2, g->temps, MAX_LIST, &g->ntemps, err);
	case O_TOP_P: return reals(i, arg, 0, 1, g->tops, MAX_LIST, &g->ntops, err);
	case O_N:
		if ((rc = whole(i, arg, 1, 50, &u, err)))
			return rc;
		o->n = (unsigned)u;
		return SPROUT_OK;
	case O_SLOT: {
		sprout_error why = SPROUT_ERROR_INIT;
		if (sprout_slot_parse(arg, &o->slot, &why) || o->slot == SPROUT_SLOT_LABEL)
			return USAGE("--slot: %s",
				     why.msg[0] ? why.msg : "a label is not rewritten");
		return SPROUT_OK;
	}
	case O_CONSTRAINTS:
		return names("constraints", arg, g->lists[0], sizeof g->lists[0], g->constraints,
			     &o->nconstraints, sprout_gen_constraint,
			     "casual, typos, slang, incomplete, non-native or formal", err);
	case O_OPERATIONS:
		return names("operations", arg, g->lists[1], sizeof g->lists[1], g->ops,
			     &o->noperations, sprout_gen_operation,
			     "constraints, deepen, concretize, reasoning or breadth", err);
	case O_WORDS:
		if ((rc = whole(i, arg, 1, 10000, &u, err)))
			return rc;
		o->words = (unsigned)u;
		return SPROUT_OK;
	case O_LANGUAGE: o->language = arg; return SPROUT_OK;
	case O_SCOPE: o->scope = arg; return SPROUT_OK;
	case O_COUNT:
		if ((rc = whole(i, arg, 1, 10000000, &u, err)))
			return rc;
		o->count = (unsigned long)u;
		return SPROUT_OK;
	case O_ROUND:
		if ((rc = whole(i, arg, 1, 4096, &u, err)))
			return rc;
		o->batch = (unsigned)u;
		return SPROUT_OK;
	case O_EXAMPLES: {
		unsigned h, m = o->machine_examples;
		char rest;
		if ((sscanf(arg, "%u,%u%c", &h, &m, &rest) != 2 &&
		     sscanf(arg, "%u%c", &h, &rest) != 1) ||
		    h < 1 || h > 50 || m > 50)
			return USAGE(
			    "--examples: expected H or H,M (seed tasks, earlier new tasks), "
			    "got '%s'",
			    arg);
		o->human_examples = h;
		o->machine_examples = m;
		return SPROUT_OK;
	}
	case O_NOVELTY:
		if ((rc = reals(i, arg, 0, 1, x, 1, &nx, err)))
			return rc;
		o->novelty = x[0];
		return SPROUT_OK;
	case O_PROMPTS: o->prompts_dir = arg; return SPROUT_OK;
	case O_CHAT_TEMPLATE: o->chat_template = arg; return SPROUT_OK;
	case O_RESPONSE: {
		sprout_error why = SPROUT_ERROR_INIT;
		if (sprout_gen_response_parse(arg, &o->response, &why))
			return USAGE("--response: %s", why.msg);
		return SPROUT_OK;
	}
	case O_DRY_RUN: s->dry_run = 1; return SPROUT_OK;
	case O_SEED:
		if ((rc = whole(i, arg, 0, ~0ULL, &u, err)))
			return rc;
		o->seed = u;
		g->llm.lo.seed = u;
		return SPROUT_OK;
	case O_KEEP: g->keep = 1; return SPROUT_OK;
	case O_BATCH: g->batch = 1; return SPROUT_OK;
	case O_BATCH_WAIT:
		g->batch_opts = 1;
		return reals(i, arg, 0, 1e9, &g->bo.wait, 1, &nx, err);
	case O_BATCH_POLL:
		g->batch_opts = 1;
		return reals(i, arg, 0.001, 86400, &g->bo.poll, 1, &nx, err);
	case O_BATCH_REQUESTS:
		g->batch_opts = 1;
		if ((rc = whole(i, arg, 1, SPROUT_BATCH_ANTHROPIC_REQUESTS, &u, err)))
			return rc;
		g->bo.max_requests = (unsigned long)u;
		return SPROUT_OK;
	case O_BATCH_BYTES:
		g->batch_opts = 1;
		if ((rc = whole(i, arg, 1, SPROUT_BATCH_ANTHROPIC_BYTES, &u, err)))
			return rc;
		g->bo.max_bytes = (unsigned long)u;
		return SPROUT_OK;
	case O_PRICES: g->prices_file = arg; return SPROUT_OK;
	case O_MAX_COST: return reals(i, arg, 0, 1e9, &g->llm.lo.max_cost, 1, &nx, err);
	case O_LEDGER: g->ledger = arg; return SPROUT_OK;
	}
	return SPROUT_OK;
}

static int whole_set(const struct gen *g)
{
	return g->o.method == SPROUT_GEN_PAIRS || g->o.method == SPROUT_GEN_MAGPIE;
}

/* Endpoints (one per model) and the configs: models x temperatures x top_p. */
static void make_configs(struct gen *g, const char *key)
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

/* A server set aside or back (sprout_llm_options.note). */
static void server_note(void *ctx, const char *line)
{
	struct gen *g = ctx;
	sprout_stage_note(&g->base, "generate: %s", line);
}

static sprout_code open_gen(sprout_stage *s, sprout_error *err)
{
	struct gen *g = (struct gen *)s;
	const char *key;
	if (sprout_llm_config_ready(&g->llm, s->dry_run, &key, err))
		return err->code;
	g->o.answer_tokens = g->llm.answer_tokens;
	g->o.no_schema = g->llm.no_schema;
	if (!g->method_given || !g->llm.url || !g->nmodels)
		return USAGE("generate needs --method, --url (or $OPENAI_BASE_URL, "
			     "$ANTHROPIC_BASE_URL with --api anthropic) and --model (see 'sprout "
			     "generate --help')");
	if (g->o.nconstraints && g->o.method != SPROUT_GEN_PARAPHRASE)
		sprout_stage_note(s, "--constraints is for paraphrase: left unused");
	if (g->batch_opts && !g->batch)
		sprout_stage_note(
		    s, "--batch-wait, --batch-poll and --batch-max-* go with --batch: left unused");
	if (g->batch && g->llm.no_cache)
		return USAGE("--batch needs the cache (it keeps the batch ids): leave out "
			     "--no-cache");
	if (g->batch && g->llm.nurls > 1)
		return USAGE("--batch sends to one server's batch API: give one --url");
	if (g->batch && !s->dry_run)
		g->llm.lo.batch = &g->bo;
	g->llm.lo.note = server_note;
	g->llm.lo.note_ctx = g;
	make_configs(g, key);
	if (!(g->prices = sprout_prices_new()))
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	if (g->prices_file && sprout_prices_load(g->prices, g->prices_file, err)) {
		if (err->code == SPROUT_ERR_FORMAT) /* a price file the user must fix */
			err->code = SPROUT_ERR_USAGE;
		return err->code;
	}
	g->llm.lo.prices = g->prices;
	for (size_t m = 0; g->llm.lo.max_cost >= 0 && m < g->nmodels; m++)
		if (!sprout_prices_find(g->prices, g->models[m]))
			return USAGE("--max-cost: no price is known for model '%s' (give it in a "
				     "--prices file: '%s: {input: USD, output: USD}' per million "
				     "tokens)",
				     g->models[m], g->models[m]);
	if (!(g->scratch = sprout_arena_new(0)))
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	return (g->sp = sprout_spool_new(NULL, err)) ? SPROUT_OK : err->code;
}

static sprout_code push(sprout_stage *s, const sprout_record *r, sprout_error *err)
{
	struct gen *g = (struct gen *)s;
	return sprout_spool_put(g->sp, r, err);
}

/* ---- the inputs read back ----------------------------------------------- */

/* Every input into g->recs (pairs, magpie, a dry run). */
static sprout_code load_all(struct gen *g, sprout_error *err)
{
	size_t n = sprout_spool_count(g->sp);
	if (!(g->all = sprout_arena_new(0)) || !(g->recs = calloc(n + 1, sizeof *g->recs)))
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		if (sprout_spool_get(g->sp, i, g->all, &g->recs[i], err))
			return err->code;
	g->n = n;
	return SPROUT_OK;
}

static int held_next(void *ctx, size_t idx, const sprout_record **out, sprout_error *err)
{
	struct gen *g = ctx;
	if (idx >= sprout_spool_count(g->sp))
		return 0;
	struct held_block *b = g->nblocks ? g->blocks[g->nblocks - 1] : NULL;
	if (!b || b->n == HELD_BLOCK) {
		if (g->nblocks == g->cap) {
			size_t cap = g->cap ? g->cap * 2 : 8;
			struct held_block **v = realloc(g->blocks, cap * sizeof *v);
			if (!v)
				goto oom;
			g->blocks = v;
			g->cap = cap;
		}
		if (!(b = calloc(1, sizeof *b)) || !(b->mem = sprout_arena_new(0))) {
			free(b);
			goto oom;
		}
		g->blocks[g->nblocks++] = b;
	}
	sprout_record *r = &b->recs[b->n];
	if (sprout_spool_get(g->sp, idx, b->mem, r, err))
		return -1;
	b->n++;
	g->n++;
	*out = r;
	return 1;
oom:
	sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	return -1;
}

static sprout_record *held_at(struct gen *g, size_t idx)
{
	size_t k = idx - g->first;
	return &g->blocks[k / HELD_BLOCK]->recs[k % HELD_BLOCK];
}

static void held_release(void *ctx, size_t idx)
{
	struct gen *g = ctx;
	if (idx - g->first + 1 < HELD_BLOCK)
		return;
	sprout_arena_free(g->blocks[0]->mem);
	free(g->blocks[0]);
	memmove(g->blocks, g->blocks + 1, --g->nblocks * sizeof *g->blocks);
	g->first += HELD_BLOCK;
}

static sprout_record *input_at(struct gen *g, size_t idx)
{
	return g->recs ? &g->recs[idx] : held_at(g, idx);
}

/* ---- what generate hands on ------------------------------------------------ */

static int on_begin(void *ctx, size_t idx)
{
	struct gen *g = ctx;
	if (!g->keep)
		return 0;
	g->stop = sprout_stage_emit(&g->base, 0, input_at(g, idx), NULL, 0, g->err);
	return g->stop != SPROUT_OK;
}

static int on_emit(void *ctx, size_t idx, const char *json, size_t len)
{
	struct gen *g = ctx;
	(void)idx;
	g->made++;
	if (!g->base.sink.strips_meta) {
		g->stop = sprout_stage_emit(&g->base, 0, NULL, json, len, g->err);
		return g->stop != SPROUT_OK;
	}
	/* the sink takes the provenance out of a record: parsed for it */
	static const sprout_format none = {SPROUT_FORMAT_AUTO, {{0}}};
	sprout_record r = {NULL, &none, g->scratch, NULL, 0};
	sprout_arena_reset(g->scratch);
	if ((g->stop = sprout_json_parse(g->scratch, json, len, &r.obj, g->err)) ||
	    (g->stop = sprout_stage_emit(&g->base, 0, &r, NULL, 0, g->err)))
		return 1;
	return 0;
}

static int on_reject(void *ctx, size_t idx, const char *check, const char *reason,
		     const char *answer)
{
	struct gen *g = ctx;
	size_t k = 0, nwhy = sizeof g->why / sizeof *g->why;
	while (k < nwhy && g->why[k].n && strcmp(g->why[k].check, check))
		k++;
	if (k < nwhy) {
		snprintf(g->why[k].check, sizeof g->why[k].check, "%s", check);
		g->why[k].n++;
	}
	if (!g->first_failure[0] && !strcmp(check, "request"))
		snprintf(g->first_failure, sizeof g->first_failure, "%s", reason);
	const sprout_record *r = idx == (size_t)-1 ? NULL : input_at(g, idx);
	sprout_reject j = SPROUT_REJECT_INIT;
	j.stage = "generate";
	j.check = check;
	j.reason = reason;
	j.file = r ? r->file : NULL;
	j.line = r ? r->line : 0;
	j.record = r ? r->obj : NULL;
	j.key = answer ? "answer" : NULL;
	j.value = answer;
	g->stop = sprout_stage_drop(&g->base, &j, g->err);
	return g->stop != SPROUT_OK;
}

static double since(const struct timespec *t0, const struct timespec *t)
{
	return (double)(t->tv_sec - t0->tv_sec) + (double)(t->tv_nsec - t0->tv_nsec) / 1e9;
}

/* How far the requests are, a note every 10 s. */
static void on_progress(void *ctx, const sprout_llm_counts *c)
{
	struct gen *g = ctx;
	if (!g->base.sink.note)
		return;
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	if (since(&g->last, &t) < 10)
		return;
	g->last = t;
	double secs = since(&g->start, &t);
	double tps = secs > 0 ? (double)(c->prompt_tokens + c->completion_tokens) / secs : 0;
	sprout_stage_note(&g->base,
			  "generate: %lu done (%lu cached), %lu in flight, %lu failed, %.0f "
			  "tokens/s",
			  c->answered + c->cached, c->cached, c->in_flight, c->failed, tps);
}

/* ---- at close ------------------------------------------------------------- */

#define ADD(...) (p += p < end ? snprintf(p, (size_t)(end - p), __VA_ARGS__) : 0)

/* What a dry run would do, as the summary's lines: the plan, then what it
 * would cost (requests spread evenly over the models; cached ones cost
 * nothing). */
static void dry_summary(struct gen *g, const sprout_gen_plan *pl)
{
	char *p = g->base.summary, *end = p + sizeof g->base.summary;
	ADD("generate %s: %zu input records, %zu generator setting%s (%zu model%s)",
	    sprout_gen_name(g->o.method), g->n, g->o.nconfigs, g->o.nconfigs == 1 ? "" : "s",
	    g->nmodels, g->nmodels == 1 ? "" : "s");
	ADD("\nrequests: %lu%s, %lu of them answered in the cache%s", pl->requests,
	    whole_set(g) ? " at least (more when tasks are not new; pairs: one more for each "
			   "classification task)"
			 : "",
	    pl->cached, g->o.method == SPROUT_GEN_PAIRS ? " (first round)" : "");
	ADD("\ntokens, estimated: %llu prompt + %llu answer = %llu", pl->prompt_tokens,
	    pl->answer_tokens, pl->prompt_tokens + pl->answer_tokens);
	if (g->llm.lo.max_requests && pl->requests > g->llm.lo.max_requests)
		ADD("\n--max-requests %lu stops it before the end", g->llm.lo.max_requests);
	if (!pl->requests)
		return;
	double sent = pl->cached < pl->requests
			  ? (double)(pl->requests - pl->cached) / (double)pl->requests
			  : 0;
	double usd = 0;
	const char *unknown = NULL;
	for (size_t m = 0; m < g->nmodels; m++) {
		const sprout_price *pr = sprout_prices_find(g->prices, g->models[m]);
		if (!pr) {
			unknown = unknown ? unknown : g->models[m];
			continue;
		}
		ADD("\nprice of %s: $%g input, $%g cached input, $%g output per million tokens "
		    "(%s)",
		    g->models[m], pr->input, pr->cached_input, pr->output,
		    pr->builtin ? "built in: check your provider" : g->prices_file);
		double share = sent / (double)g->nmodels;
		sprout_usage u = {(unsigned long long)((double)pl->prompt_tokens * share), 0,
				  (unsigned long long)((double)pl->answer_tokens * share)};
		usd += sprout_price_cost(pr, &u, 0);
	}
	if (unknown) {
		ADD("\ncost: unknown, no price for model '%s' (give one with --prices FILE)",
		    unknown);
		return;
	}
	ADD("\ncost, estimated: $%.4f", usd);
	if (g->llm.lo.max_cost >= 0 && usd > g->llm.lo.max_cost)
		ADD("\n--max-cost %g stops it before the end", g->llm.lo.max_cost);
}

/* What the run did, then what it cost and how it was paced: the closing
 * note names the rejects file, the further lines are notes. */
static void summary(struct gen *g, const sprout_llm_counts *n)
{
	sprout_stage *s = &g->base;
	const char *name = sprout_gen_name(g->o.method);
	char *p = s->summary, *end = p + sizeof s->summary;
	if (g->batch)
		ADD("%s: %lu requests sent in batches (%lu again), %lu answered from batches, "
		    "%lu",
		    name, n->sent, n->retried, n->answered, n->cached);
	else
		ADD("%s: %lu requests sent (%lu retries), %lu", name, n->sent, n->retried,
		    n->cached);
	ADD(" answered from the cache, %lu failed; tokens %llu prompt + %llu answer; wrote %llu "
	    "records, %llu rejected (%s)",
	    n->failed, n->prompt_tokens, n->completion_tokens, s->kept, s->rejected,
	    s->rejects_path ? s->rejects_path : "(null)");
	double usd;
	int known = sprout_llm_ledger_cost(g->client, &usd);
	if (known && n->sent && sprout_prices_find(g->llm.lo.prices, g->models[0]))
		ADD("\n%s: cost $%.4f%s", name, usd,
		    n->cached ? " (the answers from the cache cost nothing)" : "");
	if (n->budget)
		ADD("\n%s: %lu requests not sent: --max-cost %g would have been crossed", name,
		    n->budget, g->llm.lo.max_cost);
	if (n->throttled || n->cuts)
		ADD("\n%s: %lu requests waited for a rate limit or a cool-down; concurrency "
		    "halved %lu times, at most %lu in flight",
		    name, n->throttled, n->cuts, n->peak);
	if (n->reused)
		ADD("\n%s: %lu answers reused from the cache under another --answer-tokens", name,
		    n->reused);
	sprout_llm_ledger e;
	for (size_t i = 0; sprout_llm_ledger_get(g->client, i, &e); i++) {
		sprout_llm_server_stats v;
		for (size_t k = 0; e.nservers > 1 && sprout_llm_server_get(g->client, i, k, &v);
		     k++)
			ADD("\n%s: server %s: %lu requests sent, %lu answered, %lu failed, set "
			    "aside "
			    "%lu times%s",
			    name, v.url, v.sent, v.answered, v.failed, v.asides,
			    v.aside ? " (still set aside)" : "");
	}
	if (n->moved)
		ADD("\n%s: %lu requests sent again to another server after theirs failed", name,
		    n->moved);
}

#undef ADD

/* The ledger, whatever else happened: rc, or the ledger's error when rc
 * is SPROUT_OK. */
static sprout_code write_ledger(struct gen *g, sprout_code rc, sprout_error *err)
{
	if (!g->client || !g->ledger || g->base.dry_run)
		return rc;
	sprout_error lerr = SPROUT_ERROR_INIT;
	if (sprout_llm_ledger_write(g->client, g->ledger, &lerr) && !rc) {
		*err = lerr;
		return lerr.code;
	}
	return rc;
}

/* "paraphrase made nothing from 5 records (rejected: request 5); see R" */
static sprout_code made_nothing(struct gen *g, size_t inputs, sprout_error *err)
{
	char counts[256] = "";
	size_t used = 0;
	for (size_t k = 0; k < sizeof g->why / sizeof *g->why && g->why[k].n; k++)
		used +=
		    (size_t)snprintf(counts + used, used < sizeof counts ? sizeof counts - used : 0,
				     "%s%s %lu", k ? ", " : "", g->why[k].check, g->why[k].n);
	return sprout_error_set(err, SPROUT_ERR_EMPTY,
				"%s made nothing from %zu records (rejected: %s); see %s",
				sprout_gen_name(g->o.method), inputs, counts[0] ? counts : "none",
				g->base.rejects_path ? g->base.rejects_path : "(null)");
}

static sprout_code close_gen(sprout_stage *s, sprout_error *err)
{
	struct gen *g = (struct gen *)s;
	sprout_code rc;
	int all = s->dry_run || whole_set(g);
	/* pairs and magpie draw from all their seeds, a dry run counts them all */
	if (all && (rc = load_all(g, err)))
		return rc;
	if (!(g->client = sprout_llm_new(&g->llm.lo, err)))
		return err->code;
	if (s->dry_run) {
		sprout_gen_plan plan;
		if ((rc = sprout_generate_plan(&g->o, g->client, g->recs, g->n, &plan, err)))
			return rc;
		dry_summary(g, &plan);
		return SPROUT_OK;
	}
	g->err = err;
	clock_gettime(CLOCK_MONOTONIC, &g->start);
	g->last = g->start;
	sprout_gen_callbacks cb = {on_begin, on_emit, on_reject, on_progress, g};
	/* pairs makes records of its own: the seeds, when kept, come first */
	for (size_t i = 0; g->keep && all && i < g->n; i++)
		if (on_begin(g, i))
			return write_ledger(g, g->stop, err);
	sprout_gen_source src = {held_next, held_release, g};
	rc = all ? sprout_generate(&g->o, g->client, g->recs, g->n, &cb, err)
		 : sprout_generate_stream(&g->o, g->client, &src, &cb, err);
	if (rc)
		return write_ledger(g, g->stop ? g->stop : rc, err);
	sprout_llm_counts n;
	sprout_llm_counts_get(g->client, &n);
	/* (requests the budget kept back are not failures: made nothing, below) */
	summary(g, &n);
	if (!n.answered && !n.cached && n.failed > n.budget) {
		s->decided = 1; /* the rejects say why; the summary's notes follow */
		sprout_error_set(err, SPROUT_ERR_IO,
				 "no request was answered (%lu failed), the first: %s", n.failed,
				 g->first_failure);
		return write_ledger(g, SPROUT_ERR_IO, err);
	}
	if ((rc = write_ledger(g, SPROUT_OK, err)))
		return rc;
	s->decided = 1;
	/* the output and the rejects are written, but nothing new came out */
	return g->n && !g->made ? made_nothing(g, g->n, err) : SPROUT_OK;
}

static void free_gen(sprout_stage *s)
{
	struct gen *g = (struct gen *)s;
	sprout_llm_free(g->client);
	sprout_prices_free(g->prices);
	sprout_spool_free(g->sp);
	for (size_t i = 0; i < g->nblocks; i++) {
		sprout_arena_free(g->blocks[i]->mem);
		free(g->blocks[i]);
	}
	free(g->blocks);
	free(g->recs);
	sprout_arena_free(g->all);
	sprout_arena_free(g->scratch);
	sprout_arena_free(g->values);
}

const sprout_stage_def sprout_stage_generate = {
    .name = "generate",
    .usage = "generate --method NAME --url URL --model NAME [options] [FILE...]",
    .about = "Ask a model server for new examples made from the records: paraphrases\n"
	     "under constraints, rephrased, refined or evolved instructions, new\n"
	     "instruction-response pairs in the style of the seeds, responses,\n"
	     "shorter or bulleted responses, refusals, back-translations. Many\n"
	     "requests are in flight; failures are retried; every answer is cached,\n"
	     "so the same command after a crash sends only what was not answered.\n"
	     "Unusable answers and failed requests go to the rejects file.",
    .options = options,
    .flags = SPROUT_STAGE_WHOLE | SPROUT_STAGE_RECORDS_OUT | SPROUT_STAGE_SAYS_WHERE,
    .outputs = outputs,
    .size = sizeof(struct gen),
    .init = init,
    .set = set,
    .open = open_gen,
    .push = push,
    .close = close_gen,
    .free = free_gen,
};
