/* The filter stage: keep the records worth training on (sprout/filter.h
 * for the checks, sprout/judge.h for the judge). It needs the whole set:
 * a variant's parent may come after it in the input, and the IDF weights
 * and near-duplicate index are made from every record. Pushed records
 * wait in a spool while their parents' texts (or, for the embed engine,
 * every text) are learnt; at close the side files (--parents, --against,
 * --novelty) are read, the records checked in input order and, with
 * --judge, what the checks keep waits in a second spool for the model's
 * scores. --dry-run runs the checks, plans the judge's requests and keeps
 * and rejects nothing. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "services/llm_options.h"
#include "sprout/filter.h"
#include "sprout/judge.h"
#include "sprout/meta.h"
#include "sprout/spool.h"
#include "stages/stage_internal.h"

enum {
	O_FIELDS,
	O_SIMILARITY,
	O_EMBED_URL,
	O_EMBED_MODEL,
	O_EMBED_CACHE,
	O_BAND,
	O_LENGTH_RATIO,
	O_NEW_WORDS,
	O_MIN_WORDS,
	O_MAX_WORDS,
	O_REQUIRE,
	O_FORBID,
	O_JSON_SLOT,
	O_NO_LABEL,
	O_VALIDATE,
	O_VALIDATE_TIMEOUT,
	O_DEDUP,
	O_NEAR,
	O_AGAINST,
	O_NOVELTY,
	O_NOVELTY_THRESHOLD,
	O_PII,
	O_PARENTS,
	O_PART,
	O_KEYS,
	O_KEYS_OUT,
	O_KEYS_MEMORY,
	O_JUDGE,
	O_JUDGE_MIN,
	O_SCOPE,
	O_MODEL,
	O_TEMPERATURE,
	O_PROMPTS,
	O_LLM, /* the model server's options, parsed by sprout_llm_config_set */
	O_DRY_RUN = O_LLM + SPROUT_LLM_SERVER_NOPTIONS + SPROUT_LLM_CLIENT_NOPTIONS,
};

#define REPEAT SPROUT_OPT_REPEAT

static const sprout_option_def options[] = {
    [O_FIELDS] = {"fields", 0, "SLOTS", SPROUT_OPT_TEXT, 0, "prompt",
		  "slots checked, comma-separated (default prompt)"},
    [O_SIMILARITY] = {"similarity", 0, "ENGINE", SPROUT_OPT_TEXT, 0, "meaning",
		      "similarity to the parent: meaning (default), wordnet, lexical, embed or "
		      "off"},
    [O_EMBED_URL] = {"embed-url", 0, "URL", SPROUT_OPT_TEXT, 0, NULL,
		     "embed engine: an OpenAI-compatible server (the key from $SPROUT_API_KEY or "
		     "$OPENAI_API_KEY)"},
    [O_EMBED_MODEL] = {"embed-model", 0, "NAME", SPROUT_OPT_TEXT, 0, NULL,
		       "embed engine: the model"},
    [O_EMBED_CACHE] = {"embed-cache", 0, "FILE", SPROUT_OPT_OUTPATH, 0, "sprout-embeddings.sqlite",
		       "embed engine: SQLite cache of vectors (default sprout-embeddings.sqlite)"},
    [O_BAND] = {"band", 0, "LO-HI", SPROUT_OPT_TEXT, 0, NULL,
		"similarity band kept (default for meaning 0.89-0.98, for the others 0.70-0.98: "
		"below, the meaning may have changed; above, a near copy)"},
    [O_LENGTH_RATIO] = {"length-ratio", 0, "LO-HI", SPROUT_OPT_TEXT, 0, "0.5-2.0",
			"length against the parent's, in characters (default 0.5-2.0; off)"},
    [O_NEW_WORDS] = {"new-words", 0, "MIN[-MAX]", SPROUT_OPT_TEXT, 0, NULL,
		     "words not in the parent (default: any)"},
    [O_MIN_WORDS] = {"min-words", 0, "N", SPROUT_OPT_WHOLE, 0, NULL,
		     "fewest words a checked slot may have"},
    [O_MAX_WORDS] = {"max-words", 0, "N", SPROUT_OPT_WHOLE, 0, NULL,
		     "most words a checked slot may have"},
    [O_REQUIRE] = {"require", 0, "REGEX", SPROUT_OPT_TEXT, REPEAT, NULL,
		   "a PCRE2 pattern each checked slot must match (repeatable)"},
    [O_FORBID] = {"forbid", 0, "REGEX", SPROUT_OPT_TEXT, REPEAT, NULL,
		  "a PCRE2 pattern no checked slot may match (repeatable)"},
    [O_JSON_SLOT] = {"json-slot", 0, "SLOT", SPROUT_OPT_TEXT, 0, NULL,
		     "a slot that must hold valid JSON"},
    [O_NO_LABEL] = {"no-label-check", 0, NULL, SPROUT_OPT_SWITCH, 0, NULL,
		    "allow a variant a label other than its parent's"},
    [O_VALIDATE] = {"validate", 0, "CMD", SPROUT_OPT_TEXT, 0, NULL,
		    "a shell command run per record (the record on stdin, the checked text in "
		    "$SPROUT_TEXT); a non-zero exit rejects it"},
    [O_VALIDATE_TIMEOUT] = {"validate-timeout", 0, "SECONDS", SPROUT_OPT_NUMBER, 0, "10",
			    "validator time limit (default 10)"},
    [O_DEDUP] = {"dedup", 0, "MODE", SPROUT_OPT_TEXT, 0, NULL,
		 "duplicates: near (default: exact and near), exact or off"},
    [O_NEAR] = {"near-threshold", 0, "J", SPROUT_OPT_NUMBER, 0, "0.85",
		"Jaccard of 5-character shingles from which two texts are near duplicates "
		"(default 0.85)"},
    [O_AGAINST] = {"against", 0, "FILE", SPROUT_OPT_INFILE, REPEAT, NULL,
		   "an existing dataset: records duplicating it are rejected too (repeatable)"},
    [O_NOVELTY] = {"novelty", 0, "POOL", SPROUT_OPT_INFILE, REPEAT, NULL,
		   "reject texts too close (ROUGE-L) to the pool's or to earlier kept ones "
		   "(repeatable)"},
    [O_NOVELTY_THRESHOLD] = {"novelty-threshold", 0, "R", SPROUT_OPT_NUMBER, 0, "0.7",
			     "ROUGE-L above which a text is not new (default 0.7)"},
    [O_PII] = {"pii", 0, "MODE", SPROUT_OPT_TEXT, 0, "reject",
	       "personal data (e-mail, phone, card, IBAN, SSN, IP): reject (default), redact or "
	       "keep"},
    [O_PARENTS] = {"parents", 0, "FILE", SPROUT_OPT_INFILE, REPEAT, NULL,
		   "where parent records are, when not in the input (repeatable)"},
    [O_PART] = {"part", 0, "PART", SPROUT_OPT_TEXT, 0, "all",
		"which checks run: all (default); each, a record's own (up to the validator: "
		"for a shard of a sharded run); across, duplicates and novelty over what each "
		"kept, in the same order (the merge)"},
    [O_KEYS] = {"keys", 0, "FILE", SPROUT_OPT_INFILE, REPEAT, NULL,
		"--part across: the keys files the parts' filters wrote (--keys-out), in the "
		"order of the input's parts: duplicates are found by sorting them, not in memory "
		"(not with --novelty; repeatable)"},
    [O_KEYS_OUT] = {"keys-out", 0, "FILE", SPROUT_OPT_OUTPATH, 0, NULL,
		    "--part each: write the duplicate checks' keys of the records kept, for "
		    "--part across --keys"},
    [O_KEYS_MEMORY] = {"keys-memory", 0, "MIB", SPROUT_OPT_WHOLE, 0, "64",
		       "--keys: memory for sorting the keys, in MiB (default 64; more is "
		       "sorted in runs on disk)"},
    [O_JUDGE] = {"judge", 0, "RUBRIC[,RUBRIC...]", SPROUT_OPT_TEXT, 0, NULL,
		 "ask a model to score each record the other checks keep, 1 to 5: meaning (a "
		 "variant against its parent), response (correct and helpful), fluency, scope (a "
		 "refusal refuses what is really out of scope); needs --url and --model"},
    [O_JUDGE_MIN] = {"judge-min", 0, "RUBRIC=N[,...]", SPROUT_OPT_TEXT, REPEAT, NULL,
		     "the judge keeps a record from this score (default meaning=4, response=4, "
		     "fluency=3, scope=4)"},
    [O_SCOPE] = {"scope", 0, "TEXT", SPROUT_OPT_TEXT, 0, NULL,
		 "judge scope: what the assistant is for (default: each refusal's own, from "
		 "generate --scope, else a general-purpose assistant)"},
    [O_MODEL] = {"model", 0, "NAME", SPROUT_OPT_TEXT, 0, NULL, "judge: the model"},
    [O_TEMPERATURE] = {"temperature", 0, "T", SPROUT_OPT_NUMBER, 0, "0",
		       "judge: sampling temperature (default 0)"},
    [O_PROMPTS] = {"prompts", 0, "DIR", SPROUT_OPT_INDIR, 0, NULL,
		   "judge: DIR/judge-RUBRIC.txt replaces the built-in rubric (see "
		   "prompts/README.md)"},
    SPROUT_LLM_SERVER_OPTION_DEFS,
    SPROUT_LLM_CLIENT_OPTION_DEFS,
    [O_DRY_RUN] = {"dry-run", 0, NULL, SPROUT_OPT_SWITCH, 0, NULL,
		   "run the checks and print how many records reach the judge and the requests "
		   "it would send; write nothing and send none"},
    {NULL, 0, NULL, 0, 0, NULL, NULL},
};

static const char *const outputs[] = {"out", NULL};

#define MAX_FILES    16
#define JUDGE_WINDOW 1024 /* records pushed ahead of the judgements */

#include "checks/keysort.h"

struct filt {
	sprout_stage base;
	sprout_filter_options o;
	const char *against[MAX_FILES], *pool[MAX_FILES], *parents[MAX_FILES];
	size_t nagainst, npool, nparents;
	const char **keys; /* --keys, in order */
	size_t nkeys, kcap;
	const char *keys_out;
	unsigned long long keys_mib;
	sprout_keys_writer *kw; /* --keys-out */
	sprout_keysort *ks;	/* --keys */
	sprout_arena *values;	/* copies of the options' text */
	/* the judge */
	sprout_llm_config llm;
	sprout_llm_endpoint ep;
	sprout_judge_options jo;
	sprout_rubric rubrics[SPROUT_RUBRIC__COUNT];
	const char *model;
	int judging;
	sprout_llm *client;
	sprout_judge *judge;
	/* at work */
	sprout_filter *flt;
	sprout_spool *sp, *judged; /* the records; those the judge waits for */
	sprout_arena *mem, *jmem;
	size_t nknown;
	int texts; /* every text is learnt (the embed engine needs them all) */
	unsigned long failed[SPROUT_CHECK__COUNT], jfailed[SPROUT_RUBRIC__COUNT];
	char first_failure[512]; /* the first judge request that failed */
	sprout_code jrc;	 /* what stopped the judge's callback */
	sprout_error *jerr;
};

static void init(sprout_stage *s)
{
	struct filt *f = (struct filt *)s;
	sprout_filter_options_init(&f->o);
	f->o.embed_cache = "sprout-embeddings.sqlite";
	f->keys_mib = 64;
	sprout_judge_options_init(&f->jo);
	f->jo.rubrics = f->rubrics;
	sprout_llm_config_init(&f->llm);
}

/* "RUBRIC[,RUBRIC...]" for --judge, "RUBRIC=N[,...]" for --judge-min. */
static sprout_code rubrics(struct filt *f, const char *arg, int with_min, sprout_error *err)
{
	char copy[256], *save = NULL;
	snprintf(copy, sizeof copy, "%s", arg);
	if (!with_min)
		f->jo.nrubrics = 0;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		sprout_error why = SPROUT_ERROR_INIT;
		char *eq = with_min ? strchr(t, '=') : NULL;
		sprout_rubric r;
		if (eq)
			*eq = '\0';
		if ((with_min && !eq) || sprout_rubric_parse(t, &r, &why))
			return sprout_error_set(
			    err, SPROUT_ERR_USAGE, "--%s: %s", with_min ? "judge-min" : "judge",
			    why.msg[0] ? why.msg : "expected RUBRIC=N, like meaning=4");
		if (with_min) {
			unsigned long long n;
			if (sprout_option_whole_in("--judge-min", eq + 1, 1, 5, &n, err))
				return err->code;
			f->jo.min[r] = (int)n;
			continue;
		}
		for (size_t i = 0; i < f->jo.nrubrics; i++)
			if (f->rubrics[i] == r)
				return sprout_error_set(err, SPROUT_ERR_USAGE,
							"--judge: rubric '%s' is given twice", t);
		f->rubrics[f->jo.nrubrics++] = r;
	}
	return SPROUT_OK;
}

/* "LO-HI" into two numbers */
static int band(const char *s, double *lo, double *hi)
{
	const char *dash = strchr(s + 1, '-');
	if (!dash)
		return -1;
	char a[64];
	snprintf(a, sizeof a, "%.*s", (int)(dash - s), s);
	return sprout_option_number(a, lo) || sprout_option_number(dash + 1, hi) || *lo > *hi ? -1
											      : 0;
}

static sprout_code add_file(const char **v, size_t *n, const char *path, const char *opt,
			    sprout_error *err)
{
	if (*n == MAX_FILES)
		return sprout_error_set(err, SPROUT_ERR_USAGE, "%s: at most %d files", opt,
					MAX_FILES);
	v[(*n)++] = path;
	return SPROUT_OK;
}

#define USAGE(...) sprout_error_set(err, SPROUT_ERR_USAGE, __VA_ARGS__)

/* One of the choices names[] (NULL-terminated): its index, or -1. */
static int choice(const char *arg, const char *const *names)
{
	for (int i = 0; names[i]; i++)
		if (!strcmp(arg, names[i]))
			return i;
	return -1;
}

static sprout_code set(sprout_stage *s, size_t i, const char *value, sprout_error *err)
{
	struct filt *f = (struct filt *)s;
	sprout_filter_options *o = &f->o;
	const char *arg = NULL;
	double x, y;
	int k;
	/* the stage keeps the text: a copy outlives the caller's */
	if (value) {
		size_t len = strlen(value) + 1;
		char *copy;
		if ((!f->values && !(f->values = sprout_arena_new(0))) ||
		    !(copy = sprout_arena_alloc(f->values, len)))
			return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		arg = memcpy(copy, value, len);
	}
	if (i >= O_LLM && i < O_DRY_RUN)
		return sprout_llm_config_set(&f->llm, options[i].name, arg, err);
	switch (i) {
	case O_FIELDS: {
		memset(o->slots, 0, sizeof o->slots);
		char copy[1024], *save = NULL;
		snprintf(copy, sizeof copy, "%s", arg);
		for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			sprout_slot sl;
			sprout_error why = SPROUT_ERROR_INIT;
			if (sprout_slot_parse(t, &sl, &why))
				return USAGE("--fields: %s", why.msg);
			o->slots[sl] = 1;
		}
		return SPROUT_OK;
	}
	case O_SIMILARITY: {
		static const char *const engines[] = {"off",	 "meaning", "wordnet",
						      "lexical", "embed",   NULL};
		static const sprout_sim_kind kinds[] = {SPROUT_SIM_MEANING, SPROUT_SIM_MEANING,
							SPROUT_SIM_WORDNET, SPROUT_SIM_LEXICAL,
							SPROUT_SIM_EMBED};
		if ((k = choice(arg, engines)) < 0)
			return USAGE("--similarity: unknown engine '%s' (expected meaning, "
				     "wordnet, lexical, embed or off)",
				     arg);
		o->similarity = k > 0;
		if (k > 0)
			o->engine = kinds[k];
		return SPROUT_OK;
	}
	case O_BAND:
		if (band(arg, &x, &y) || x < 0 || y > 1)
			return USAGE(
			    "--band: expected LO-HI between 0 and 1, like 0.70-0.98, got '%s'",
			    arg);
		o->band_lo = x;
		o->band_hi = y;
		return SPROUT_OK;
	case O_LENGTH_RATIO:
		if (strcmp(arg, "off") == 0) {
			o->ratio_lo = o->ratio_hi = 0;
			return SPROUT_OK;
		}
		if (band(arg, &x, &y) || x < 0)
			return USAGE(
			    "--length-ratio: expected LO-HI, like 0.5-2.0, or off, got '%s'", arg);
		o->ratio_lo = x;
		o->ratio_hi = y;
		return SPROUT_OK;
	case O_NEW_WORDS:
		if (sprout_option_number(arg, &x) == 0)
			y = -1;
		else if (band(arg, &x, &y))
			return USAGE("--new-words: expected MIN or MIN-MAX, got '%s'", arg);
		o->new_words_min = (long)x;
		o->new_words_max = (long)y;
		return SPROUT_OK;
	case O_MIN_WORDS:
	case O_MAX_WORDS:
		if (sprout_option_number(arg, &x) || x < 0 || x != (double)(long)x)
			return USAGE("--%s: '%s' is not a whole number", options[i].name, arg);
		*(i == O_MIN_WORDS ? &o->min_words : &o->max_words) = (long)x;
		return SPROUT_OK;
	case O_REQUIRE:
	case O_FORBID: {
		size_t *n = i == O_REQUIRE ? &o->nrequire : &o->nforbid;
		if (*n == SPROUT_FILTER_MAX_PATTERNS)
			return USAGE("--%s: at most %d patterns", options[i].name,
				     SPROUT_FILTER_MAX_PATTERNS);
		(i == O_REQUIRE ? o->require : o->forbid)[(*n)++] = arg;
		return SPROUT_OK;
	}
	case O_JSON_SLOT: {
		sprout_slot sl;
		sprout_error why = SPROUT_ERROR_INIT;
		if (sprout_slot_parse(arg, &sl, &why))
			return USAGE("--json-slot: %s", why.msg);
		o->json_slot = (int)sl;
		return SPROUT_OK;
	}
	case O_NO_LABEL: o->label = 0; return SPROUT_OK;
	case O_EMBED_URL: o->embed_url = arg; return SPROUT_OK;
	case O_EMBED_MODEL: o->embed_model = arg; return SPROUT_OK;
	case O_EMBED_CACHE: o->embed_cache = arg; return SPROUT_OK;
	case O_VALIDATE: o->validator = arg; return SPROUT_OK;
	case O_VALIDATE_TIMEOUT:
		if (sprout_option_number(arg, &x) || x <= 0)
			return USAGE("--validate-timeout: '%s' is not a positive number of seconds",
				     arg);
		o->validator_timeout = x;
		return SPROUT_OK;
	case O_DEDUP: {
		static const char *const modes[] = {"off", "exact", "near", NULL};
		if ((k = choice(arg, modes)) < 0)
			return USAGE("--dedup: unknown mode '%s' (expected near, exact or off)",
				     arg);
		o->dedup = k;
		return SPROUT_OK;
	}
	case O_NEAR:
	case O_NOVELTY_THRESHOLD:
		if (sprout_option_number(arg, &x) || x <= 0 || x > 1)
			return USAGE("--%s: '%s' is not in (0, 1]", options[i].name, arg);
		*(i == O_NEAR ? &o->near_threshold : &o->novelty_threshold) = x;
		return SPROUT_OK;
	case O_AGAINST: return add_file(f->against, &f->nagainst, arg, "--against", err);
	case O_PARENTS: return add_file(f->parents, &f->nparents, arg, "--parents", err);
	case O_NOVELTY: o->novelty = 1; return add_file(f->pool, &f->npool, arg, "--novelty", err);
	case O_KEYS:
		if (f->nkeys == f->kcap) {
			size_t cap = f->kcap ? f->kcap * 2 : 16;
			const char **v = realloc(f->keys, cap * sizeof *v);
			if (!v)
				return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
			f->keys = v;
			f->kcap = cap;
		}
		f->keys[f->nkeys++] = arg;
		return SPROUT_OK;
	case O_KEYS_OUT: f->keys_out = arg; return SPROUT_OK;
	case O_KEYS_MEMORY:
		return sprout_option_whole_in("--keys-memory", arg, 1, 1u << 20, &f->keys_mib, err);
	case O_JUDGE: return rubrics(f, arg, 0, err);
	case O_JUDGE_MIN: return rubrics(f, arg, 1, err);
	case O_SCOPE: f->jo.scope = arg; return SPROUT_OK;
	case O_MODEL: f->model = arg; return SPROUT_OK;
	case O_TEMPERATURE: {
		size_t n;
		return sprout_option_reals("--temperature", arg, 0, 2, &f->jo.temperature, 1, &n,
					   err);
	}
	case O_PROMPTS: f->jo.prompts_dir = arg; return SPROUT_OK;
	case O_DRY_RUN: s->dry_run = 1; return SPROUT_OK;
	case O_PART: {
		static const char *const parts[] = {"all", "each", "across", NULL};
		if ((k = choice(arg, parts)) < 0)
			return USAGE("--part: unknown part '%s' (expected all, each or across)",
				     arg);
		o->part = (sprout_filter_part)k;
		return SPROUT_OK;
	}
	case O_PII: {
		static const char *const modes[] = {"reject", "redact", "keep", NULL};
		static const sprout_pii_mode pii[] = {SPROUT_PII_REJECT, SPROUT_PII_REDACT,
						      SPROUT_PII_KEEP};
		if ((k = choice(arg, modes)) < 0)
			return USAGE("--pii: unknown mode '%s' (expected reject, redact or keep)",
				     arg);
		o->pii = pii[k];
		return SPROUT_OK;
	}
	}
	return SPROUT_OK;
}

static sprout_code open_filter(sprout_stage *s, sprout_error *err)
{
	struct filt *f = (struct filt *)s;
	f->judging = f->jo.nrubrics > 0;
	if (f->judging) {
		const char *key;
		if (sprout_llm_config_ready(&f->llm, s->dry_run, &key, err))
			return err->code;
		if (!f->llm.url || !f->model)
			return USAGE(
			    "--judge needs --url (or $OPENAI_BASE_URL, $ANTHROPIC_BASE_URL "
			    "with --api anthropic) and --model (see 'sprout filter "
			    "--help')");
		f->ep = sprout_llm_config_endpoint(&f->llm, f->model, key);
		f->llm.lo.note = f->base.sink.note; /* a server set aside or back */
		f->llm.lo.note_ctx = f->base.sink.ctx;
		f->jo.ep = &f->ep;
		f->jo.answer_tokens = f->llm.answer_tokens;
		f->jo.no_schema = f->llm.no_schema;
		memcpy(f->jo.slots, f->o.slots, sizeof f->jo.slots);
		for (size_t i = 0; i < f->jo.nrubrics; i++)
			f->o.need_parent |= f->rubrics[i] == SPROUT_RUBRIC_MEANING;
	}
	if (f->nkeys && f->o.part != SPROUT_FILTER_ACROSS)
		return USAGE("--keys: only with --part across (the merge of parts)");
	if (f->nkeys && f->o.novelty)
		return USAGE("--keys: not with --novelty, whose check needs every kept text in "
			     "memory");
	if (f->nkeys && !f->o.dedup)
		return USAGE("--keys: the duplicate checks are off (--dedup off)");
	if (f->keys_out && f->o.part != SPROUT_FILTER_EACH)
		return USAGE("--keys-out: only with --part each (a part's filter)");
	sprout_error why = SPROUT_ERROR_INIT;
	if (!(f->flt = sprout_filter_new(&f->o, &why)))
		/* its message without a place, as the command line printed it */
		return sprout_error_set(err, why.code, "%s", why.msg);
	if (!(f->mem = sprout_arena_new(0)) || !(f->jmem = sprout_arena_new(0)))
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	if (f->judging && (!(f->client = sprout_llm_new(&f->llm.lo, err)) ||
			   !(f->judge = sprout_judge_new(&f->jo, f->client, err))))
		return err->code;
	f->texts = f->o.similarity && f->o.engine == SPROUT_SIM_EMBED;
	if (f->keys_out && !s->dry_run &&
	    !(f->kw = sprout_keys_create(f->keys_out, sprout_filter_key_bands(f->flt),
					 sprout_filter_key_slots(f->flt), err)))
		return err->code;
	return (f->sp = sprout_spool_new(NULL, err)) ? SPROUT_OK : err->code;
}

static sprout_code push(sprout_stage *s, const sprout_record *r, sprout_error *err)
{
	struct filt *f = (struct filt *)s;
	sprout_code rc = f->texts ? sprout_filter_know(f->flt, r, err)
				  : sprout_filter_know_ref(f->flt, r, f->nknown++, err);
	return rc ? rc : sprout_spool_put(f->sp, r, err);
}

/* The texts of the records that are parents, read back from the spool. */
static sprout_code parent_texts(struct filt *f, sprout_error *err)
{
	size_t *refs = NULL, n = 0;
	sprout_code rc = sprout_filter_wanted(f->flt, &refs, &n, err);
	for (size_t k = 0; !rc && k < n; k++) {
		sprout_record r;
		sprout_arena_reset(f->mem);
		if (!(rc = sprout_spool_get(f->sp, refs[k], f->mem, &r, err)))
			rc = sprout_filter_know_texts(f->flt, &r, err);
	}
	free(refs);
	return rc;
}

/* Every record of some side files (0: parents, 1: an existing dataset,
 * 2: a pool), handed to the filter. */
static sprout_code side_files(struct filt *f, const char *const *paths, size_t n, int what,
			      sprout_error *err)
{
	if (!n)
		return SPROUT_OK;
	sprout_source_options so;
	memset(&so, 0, sizeof so);
	so.reader = f->base.reading;
	so.format.kind = SPROUT_FORMAT_AUTO; /* side files have formats of their own */
	sprout_source *src = sprout_source_open(paths, n, &so, err);
	if (!src)
		return err->code;
	sprout_record r;
	sprout_code rc;
	while ((rc = sprout_source_next(src, &r, err)) == SPROUT_OK) {
		sprout_text t;
		if (what == 0)
			rc = sprout_meta_ensure(&r, err) ? err->code
							 : sprout_filter_know(f->flt, &r, err);
		else if (what == 1)
			rc = sprout_filter_existing(f->flt, &r, err);
		else if (sprout_record_get(&r, SPROUT_SLOT_PROMPT, &t))
			rc = sprout_filter_pool(f->flt, t.s, t.len, err);
		if (rc)
			break;
	}
	sprout_source_close(src);
	return rc == SPROUT_END ? SPROUT_OK : rc;
}

/* Hand on a record the checks kept, its keys written first (--keys-out). */
static sprout_code keep(struct filt *f, sprout_record *r, sprout_error *err)
{
	if (f->kw) {
		uint64_t exact[2], band[SPROUT_NEARDUP_BANDS];
		sprout_code rc;
		if ((rc = sprout_filter_keys(f->flt, r, exact, band, err)) ||
		    (rc = sprout_keys_put(f->kw, exact, band, err)))
			return rc;
	}
	return sprout_stage_emit(&f->base, 0, r, NULL, 0, err);
}

/* ---- the judge ------------------------------------------------------------ */

static int on_judged(void *ctx, const sprout_judgement *jm)
{
	struct filt *f = ctx;
	sprout_stage *s = &f->base;
	sprout_error *err = f->jerr;
	sprout_record r;
	sprout_arena_reset(f->jmem);
	if ((f->jrc = sprout_spool_get(f->judged, jm->idx, f->jmem, &r, err)) ||
	    (f->jrc = sprout_judge_mark(jm, &r, err)))
		return 1;
	if (jm->keep)
		return (f->jrc = keep(f, &r, err)) != SPROUT_OK;
	const sprout_judge_score *sc = &jm->s[jm->rubric];
	char check[32];
	snprintf(check, sizeof check, "judge:%s", sprout_rubric_name(jm->rubric));
	f->jfailed[jm->rubric]++;
	if (!sc->score && !sc->answer && !f->first_failure[0] && sc->reason)
		snprintf(f->first_failure, sizeof f->first_failure, "%s", sc->reason);
	sprout_reject j = SPROUT_REJECT_INIT;
	j.stage = "filter";
	j.check = check;
	j.score = sc->score ? (double)sc->score : NAN;
	j.reason = jm->reason;
	j.file = r.file;
	j.line = r.line;
	j.record = r.obj;
	j.key = sc->answer ? "answer" : NULL;
	j.value = sc->answer;
	return (f->jrc = sprout_stage_drop(s, &j, err)) != SPROUT_OK;
}

/* Judge every record of f->judged, in order, a window of them asked
 * ahead. */
static sprout_code judge_all(struct filt *f, sprout_error *err)
{
	size_t n = sprout_spool_count(f->judged);
	long left = 0;
	f->jerr = err;
	f->jrc = SPROUT_OK;
	for (size_t i = 0; left >= 0 && i <= n; i++) {
		if (i < n) {
			sprout_record r;
			sprout_text parent[SPROUT_SLOT__COUNT];
			sprout_arena_reset(f->mem);
			if (sprout_spool_get(f->judged, i, f->mem, &r, err) ||
			    sprout_judge_push(
				f->judge, &r,
				sprout_filter_parent_texts(f->flt, &r, parent) ? parent : NULL, i,
				err))
				return err->code;
		}
		/* keep a window of records asked ahead; at the end, drain */
		do
			left = sprout_judge_step(f->judge, 50, on_judged, f, err);
		while (left >= (i < n ? JUDGE_WINDOW : 1));
	}
	if (f->jrc)
		return f->jrc;
	if (left < 0)
		return err->code;
	sprout_llm_counts lc;
	sprout_llm_counts_get(f->client, &lc);
	if (!lc.answered && !lc.cached && lc.failed) {
		/* every record was decided: the rejects say why */
		f->base.decided = 1;
		return sprout_error_set(err, SPROUT_ERR_IO,
					"no judge request was answered (%lu failed), the first: %s",
					lc.failed, f->first_failure);
	}
	sprout_stage_note(&f->base,
			  "judge: %lu requests sent (%lu retries), %lu answered from the cache, "
			  "%lu failed; tokens %llu prompt + %llu answer",
			  lc.sent, lc.retried, lc.cached, lc.failed, lc.prompt_tokens,
			  lc.completion_tokens);
	return SPROUT_OK;
}

/* ---- at close ------------------------------------------------------------- */

/* ---- duplicates by sorted keys (--keys) ------------------------------------ */

/* The records of the keys files one after another. */
struct keyseq {
	struct filt *f;
	size_t file;
	sprout_keys_reader *r;
};

static sprout_code keyseq_next(struct keyseq *q, uint64_t exact[2],
			       uint64_t band[SPROUT_NEARDUP_BANDS], sprout_error *err)
{
	struct filt *f = q->f;
	for (;;) {
		if (!q->r) {
			if (q->file == f->nkeys)
				return SPROUT_END;
			const char *path = f->keys[q->file];
			if (!(q->r = sprout_keys_open(path, err)))
				return err->code;
			const char *what = NULL;
			if (sprout_keys_bands(q->r) != sprout_filter_key_bands(f->flt))
				what = "duplicate checks (--dedup)";
			else if (sprout_keys_slots(q->r) != sprout_filter_key_slots(f->flt))
				what = "checked slots (--fields)";
			if (what) {
				sprout_error_set(err, SPROUT_ERR_USAGE,
						 "--keys: made by a filter with other %s than this "
						 "one's",
						 what);
				sprout_error_locate(err, path, 0, 0);
				return err->code;
			}
		}
		sprout_code rc = sprout_keys_next(q->r, exact, band, err);
		if (rc != SPROUT_END)
			return rc;
		sprout_keys_close(q->r);
		q->r = NULL;
		q->file++;
	}
}

/* Every record's keys, sorted into candidate pairs (n records pushed). */
static sprout_code sort_keys(struct filt *f, size_t n, sprout_error *err)
{
	if (!(f->ks = sprout_keysort_new(sprout_filter_key_bands(f->flt), (size_t)f->keys_mib << 20,
					 NULL, err)))
		return err->code;
	struct keyseq q = {f, 0, NULL};
	uint64_t exact[2], band[SPROUT_NEARDUP_BANDS], count = 0;
	sprout_code rc;
	while ((rc = keyseq_next(&q, exact, band, err)) == SPROUT_OK &&
	       (rc = sprout_keysort_add(f->ks, exact, band, err)) == SPROUT_OK)
		count++;
	sprout_keys_close(q.r);
	if (rc != SPROUT_END)
		return rc;
	if (count != n)
		return sprout_error_set(err, SPROUT_ERR_USAGE,
					"--keys: the keys files hold %llu records, the input %zu: "
					"they were made from other records",
					(unsigned long long)count, n);
	return sprout_keysort_plan(f->ks, err);
}

static sprout_code get_aside(void *ctx, uint64_t i, sprout_record *r, sprout_error *err)
{
	struct filt *f = ctx;
	sprout_arena_reset(f->jmem);
	return sprout_spool_get_aside(f->sp, (size_t)i, f->jmem, r, err);
}

/* What a dry run would do, as the summary's lines. */
static void dry_summary(struct filt *f, size_t n, unsigned long kept, unsigned long requests,
			unsigned long cached)
{
	char *p = f->base.summary, *end = p + sizeof f->base.summary;
#define ADD(...) (p += p < end ? snprintf(p, (size_t)(end - p), __VA_ARGS__) : 0)
	ADD("filter: %zu records in, %lu pass the checks%s, %zu rejected by them", n, kept,
	    f->judging ? " before the judge" : "", n - kept);
	if (!f->judging)
		return;
	ADD("\njudge:");
	for (size_t k = 0; k < f->jo.nrubrics; k++) {
		sprout_rubric r = f->rubrics[k];
		ADD("%s %s (from %d)", k ? "," : "", sprout_rubric_name(r),
		    f->jo.min[r] ? f->jo.min[r] : sprout_rubric_default_min(r));
	}
	ADD("\nrequests: %lu, %lu of them answered in the cache", requests, cached);
	if (f->llm.lo.max_requests && requests - cached > f->llm.lo.max_requests)
		ADD("\n--max-requests %lu stops it before the end", f->llm.lo.max_requests);
#undef ADD
}

/* What a run did: the closing line, the embeddings' note after it. */
static void summary(struct filt *f, size_t n)
{
	sprout_stage *s = &f->base;
	char detail[512];
	size_t off = 0;
	detail[0] = '\0';
	for (int k = 0; k < SPROUT_CHECK__COUNT; k++)
		if (f->failed[k] && off < sizeof detail)
			off += (size_t)snprintf(detail + off, sizeof detail - off, "%s%s %lu",
						off ? ", " : "", sprout_check_name((sprout_check)k),
						f->failed[k]);
	for (int k = 0; k < SPROUT_RUBRIC__COUNT; k++)
		if (f->jfailed[k] && off < sizeof detail)
			off += (size_t)snprintf(
			    detail + off, sizeof detail - off, "%sjudge:%s %lu", off ? ", " : "",
			    sprout_rubric_name((sprout_rubric)k), f->jfailed[k]);
	int len = snprintf(
	    s->summary, sizeof s->summary, "%zu records in, %llu kept, %llu rejected%s%s%s", n,
	    s->kept, (unsigned long long)n - s->kept, off ? " (" : "", detail, off ? ")" : "");
	if (!f->texts || len < 0 || (size_t)len >= sizeof s->summary)
		return;
	unsigned long requests, cached;
	sprout_filter_embed_counts(f->flt, &requests, &cached);
	snprintf(s->summary + len, sizeof s->summary - (size_t)len,
		 "\nembeddings: %lu request%s, %lu text%s from the cache %s", requests,
		 requests == 1 ? "" : "s", cached, cached == 1 ? "" : "s", f->o.embed_cache);
}

static sprout_code close_filter(sprout_stage *s, sprout_error *err)
{
	struct filt *f = (struct filt *)s;
	sprout_code rc;
	/* 1: everything read, so parents and IDF are known before checking */
	if ((!f->texts && (rc = parent_texts(f, err))) ||
	    (rc = side_files(f, f->parents, f->nparents, 0, err)) ||
	    (rc = side_files(f, f->against, f->nagainst, 1, err)) ||
	    (rc = side_files(f, f->pool, f->npool, 2, err)))
		return rc;
	sprout_error why = SPROUT_ERROR_INIT;
	if (sprout_filter_prepare(f->flt, &why))
		return sprout_error_set(err, why.code, "%s", why.msg);
	/* 2: check in input order; with the judge, what the checks keep waits
	 * in a second spool for it */
	if (f->judging && !s->dry_run && !(f->judged = sprout_spool_new(NULL, err)))
		return err->code;
	size_t n = sprout_spool_count(f->sp);
	unsigned long passed = 0, requests = 0, cached = 0;
	struct keyseq q = {f, 0, NULL}; /* with --keys: the keys again, to check them */
	if (f->nkeys && (rc = sort_keys(f, n, err)))
		return rc;
	rc = SPROUT_OK;
	for (size_t i = 0; i < n; i++) {
		sprout_record r;
		sprout_verdict v;
		sprout_arena_reset(f->mem);
		if ((rc = sprout_spool_get(f->sp, i, f->mem, &r, err)))
			break;
		uint64_t exact[2], band[SPROUT_NEARDUP_BANDS];
		if (f->ks && (rc = keyseq_next(&q, exact, band, err)))
			break;
		if ((rc = f->ks ? sprout_filter_across_sorted(f->flt, &r, exact, f->ks, i,
							      get_aside, f, &v, err)
				: sprout_filter_record(f->flt, &r, &v, err))) {
			if (!err->file[0])
				sprout_error_locate(err, r.file, r.line, 0);
			break;
		}
		if (!v.keep) {
			f->failed[v.check]++;
			if (s->dry_run)
				continue;
			sprout_reject j = SPROUT_REJECT_INIT;
			j.stage = "filter";
			j.check = sprout_check_name(v.check);
			j.score = v.has_score ? v.score : NAN;
			j.reason = v.reason;
			j.file = r.file;
			j.line = r.line;
			j.record = r.obj;
			if ((rc = sprout_stage_drop(s, &j, err)))
				break;
			continue;
		}
		passed++;
		if (s->dry_run) {
			sprout_text parent[SPROUT_SLOT__COUNT];
			if (f->judging &&
			    (rc = sprout_judge_plan(
				 f->judge, &r,
				 sprout_filter_parent_texts(f->flt, &r, parent) ? parent : NULL,
				 &requests, &cached, err)))
				break;
		} else if (f->judging) {
			if ((rc = sprout_spool_put(f->judged, &r, err)))
				break;
		} else if ((rc = keep(f, &r, err))) {
			break;
		}
	}
	sprout_keys_close(q.r);
	if (rc)
		return rc;
	if (f->ks) {
		uint64_t records, pairs, runs;
		sprout_keysort_counts(f->ks, &records, &pairs, &runs);
		sprout_stage_note(s, "keys: %llu records sorted, %llu candidate pairs, %s",
				  (unsigned long long)records, (unsigned long long)pairs,
				  runs ? "in runs on disk" : "in memory");
	}
	if (s->dry_run) {
		dry_summary(f, n, passed, requests, cached);
		return SPROUT_OK;
	}
	/* 3: the judge */
	if (f->judging && (rc = judge_all(f, err)))
		return rc;
	if (f->kw) {
		rc = sprout_keys_commit(f->kw, err);
		f->kw = NULL;
		if (rc)
			return rc;
	}
	summary(f, n);
	return SPROUT_OK;
}

static void free_filter(sprout_stage *s)
{
	struct filt *f = (struct filt *)s;
	sprout_judge_free(f->judge);
	sprout_llm_free(f->client);
	sprout_spool_free(f->judged);
	sprout_spool_free(f->sp);
	sprout_arena_free(f->mem);
	sprout_arena_free(f->jmem);
	sprout_arena_free(f->values);
	sprout_filter_free(f->flt);
	sprout_keys_abort(f->kw);
	sprout_keysort_free(f->ks);
	free(f->keys);
}

const sprout_stage_def sprout_stage_filter = {
    .name = "filter",
    .usage = "filter [options] [FILE...]",
    .about = "Check each record and keep those worth training on: a variant says what\n"
	     "its parent says in good English (the meaning score, within a band),\n"
	     "length and new words, word counts, patterns, JSON, labels, an\n"
	     "external validator, exact and near duplicates, novelty\n"
	     "against a pool, personal data; then, with --judge, a model's scores\n"
	     "against rubrics. Scores go into _sprout.scores; every\n"
	     "rejected record goes to the rejects file with the check it failed, its\n"
	     "score and the reason. Reads the whole input first (parents are found by\n"
	     "their _sprout.id in it).",
    .options = options,
    .flags = SPROUT_STAGE_WHOLE | SPROUT_STAGE_RECORDS_OUT | SPROUT_STAGE_NONE_KEPT_FAILS,
    .outputs = outputs,
    .size = sizeof(struct filt),
    .init = init,
    .set = set,
    .open = open_filter,
    .push = push,
    .close = close_filter,
    .free = free_filter,
};
