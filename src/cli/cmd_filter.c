/* sprout filter: keep the records worth training on; every rejected one
 * goes to the rejects file with the check it failed and its score. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sprout/filter.h"
#include "sprout/judge.h"

enum {
	OPT_FIELDS = OPT_COMMAND_BASE,
	OPT_SIMILARITY,
	OPT_BAND,
	OPT_LENGTH_RATIO,
	OPT_NEW_WORDS,
	OPT_MIN_WORDS,
	OPT_MAX_WORDS,
	OPT_REQUIRE,
	OPT_FORBID,
	OPT_JSON_SLOT,
	OPT_NO_LABEL,
	OPT_VALIDATE,
	OPT_VALIDATE_TIMEOUT,
	OPT_DEDUP,
	OPT_NEAR,
	OPT_AGAINST,
	OPT_NOVELTY,
	OPT_NOVELTY_THRESHOLD,
	OPT_PII,
	OPT_PARENTS,
	OPT_EMBED_URL,
	OPT_EMBED_MODEL,
	OPT_EMBED_CACHE,
	OPT_JUDGE,
	OPT_JUDGE_MIN,
	OPT_SCOPE,
	OPT_MODEL,
	OPT_TEMPERATURE,
	OPT_PROMPTS,
	OPT_DRY_RUN,
};

static const struct cli_option options[] = {
    {"fields", 0, "SLOTS", OPT_FIELDS, "slots checked, comma-separated (default prompt)"},
    {"similarity", 0, "ENGINE", OPT_SIMILARITY,
     "similarity to the parent: meaning (default), wordnet, lexical, embed or off"},
    {"embed-url", 0, "URL", OPT_EMBED_URL,
     "embed engine: an OpenAI-compatible server (the key from $SPROUT_API_KEY or "
     "$OPENAI_API_KEY)"},
    {"embed-model", 0, "NAME", OPT_EMBED_MODEL, "embed engine: the model"},
    {"embed-cache", 0, "FILE", OPT_EMBED_CACHE,
     "embed engine: SQLite cache of vectors (default sprout-embeddings.sqlite)", CLI_OPT_OUTPATH},
    {"band", 0, "LO-HI", OPT_BAND,
     "similarity band kept (default for meaning 0.89-0.98, for the others 0.70-0.98: "
     "below, the meaning may have changed; above, a near copy)"},
    {"length-ratio", 0, "LO-HI", OPT_LENGTH_RATIO,
     "length against the parent's, in characters (default 0.5-2.0; off)"},
    {"new-words", 0, "MIN[-MAX]", OPT_NEW_WORDS, "words not in the parent (default: any)"},
    {"min-words", 0, "N", OPT_MIN_WORDS, "fewest words a checked slot may have"},
    {"max-words", 0, "N", OPT_MAX_WORDS, "most words a checked slot may have"},
    {"require", 0, "REGEX", OPT_REQUIRE,
     "a PCRE2 pattern each checked slot must match (repeatable)", CLI_OPT_REPEAT},
    {"forbid", 0, "REGEX", OPT_FORBID, "a PCRE2 pattern no checked slot may match (repeatable)",
     CLI_OPT_REPEAT},
    {"json-slot", 0, "SLOT", OPT_JSON_SLOT, "a slot that must hold valid JSON"},
    {"no-label-check", 0, NULL, OPT_NO_LABEL, "allow a variant a label other than its parent's"},
    {"validate", 0, "CMD", OPT_VALIDATE,
     "a shell command run per record (the record on stdin, the checked text in "
     "$SPROUT_TEXT); a non-zero exit rejects it"},
    {"validate-timeout", 0, "SECONDS", OPT_VALIDATE_TIMEOUT, "validator time limit (default 10)"},
    {"dedup", 0, "MODE", OPT_DEDUP, "duplicates: near (default: exact and near), exact or off"},
    {"near-threshold", 0, "J", OPT_NEAR,
     "Jaccard of 5-character shingles from which two texts are near duplicates (default 0.85)"},
    {"against", 0, "FILE", OPT_AGAINST,
     "an existing dataset: records duplicating it are rejected too (repeatable)",
     CLI_OPT_REPEAT | CLI_OPT_INFILE},
    {"novelty", 0, "POOL", OPT_NOVELTY,
     "reject texts too close (ROUGE-L) to the pool's or to earlier kept ones (repeatable)",
     CLI_OPT_REPEAT | CLI_OPT_INFILE},
    {"novelty-threshold", 0, "R", OPT_NOVELTY_THRESHOLD,
     "ROUGE-L above which a text is not new (default 0.7)"},
    {"pii", 0, "MODE", OPT_PII,
     "personal data (e-mail, phone, card, IBAN, SSN, IP): reject (default), redact or keep"},
    {"parents", 0, "FILE", OPT_PARENTS,
     "where parent records are, when not in the input (repeatable)",
     CLI_OPT_REPEAT | CLI_OPT_INFILE},
    {"judge", 0, "RUBRIC[,RUBRIC...]", OPT_JUDGE,
     "ask a model to score each record the other checks keep, 1 to 5: meaning (a variant "
     "against its parent), response (correct and helpful), fluency, scope (a refusal refuses "
     "what is really out of scope); needs --url and --model"},
    {"judge-min", 0, "RUBRIC=N[,...]", OPT_JUDGE_MIN,
     "the judge keeps a record from this score (default meaning=4, response=4, fluency=3, "
     "scope=4)",
     CLI_OPT_REPEAT},
    {"scope", 0, "TEXT", OPT_SCOPE,
     "judge scope: what the assistant is for (default: each refusal's own, from generate "
     "--scope, else a general-purpose assistant)"},
    {"model", 0, "NAME", OPT_MODEL, "judge: the model"},
    {"temperature", 0, "T", OPT_TEMPERATURE, "judge: sampling temperature (default 0)"},
    {"prompts", 0, "DIR", OPT_PROMPTS,
     "judge: DIR/judge-RUBRIC.txt replaces the built-in rubric (see prompts/README.md)",
     CLI_OPT_INDIR},
    CLI_LLM_SERVER_OPTIONS,
    CLI_LLM_CLIENT_OPTIONS,
    {"dry-run", 0, NULL, OPT_DRY_RUN,
     "run the checks and print how many records reach the judge and the requests it would "
     "send; write nothing and send none"},
    {NULL, 0, NULL, 0, NULL},
};

#define MAX_FILES 16

struct filter_cli {
	sprout_filter_options o;
	const char *against[MAX_FILES], *pool[MAX_FILES], *parents[MAX_FILES];
	size_t nagainst, npool, nparents;
	/* the judge */
	struct cli_llm llm;
	sprout_judge_options jo;
	sprout_rubric rubrics[SPROUT_RUBRIC__COUNT];
	const char *model;
	int dry_run;
};

/* "RUBRIC[,RUBRIC...]" for --judge, "RUBRIC=N[,...]" for --judge-min. */
static int rubrics(struct filter_cli *f, const char *arg, int with_min)
{
	char copy[256], *save = NULL;
	snprintf(copy, sizeof copy, "%s", arg);
	if (!with_min)
		f->jo.nrubrics = 0;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		sprout_error err = SPROUT_ERROR_INIT;
		char *eq = with_min ? strchr(t, '=') : NULL;
		sprout_rubric r;
		if (eq)
			*eq = '\0';
		if ((with_min && !eq) || sprout_rubric_parse(t, &r, &err)) {
			cli_error("--%s: %s", with_min ? "judge-min" : "judge",
				  err.msg[0] ? err.msg : "expected RUBRIC=N, like meaning=4");
			return EXIT_USAGE;
		}
		if (with_min) {
			unsigned long long n;
			int rc = cli_whole_in("judge-min", eq + 1, 1, 5, &n);
			if (rc >= 0)
				return rc;
			f->jo.min[r] = (int)n;
			continue;
		}
		for (size_t i = 0; i < f->jo.nrubrics; i++)
			if (f->rubrics[i] == r) {
				cli_error("--judge: rubric '%s' is given twice", t);
				return EXIT_USAGE;
			}
		f->rubrics[f->jo.nrubrics++] = r;
	}
	return -1;
}

static int number(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end)
		return -1;
	*out = v;
	return 0;
}

/* "LO-HI" into two numbers */
static int band(const char *s, double *lo, double *hi)
{
	const char *dash = strchr(s + 1, '-');
	if (!dash)
		return -1;
	char a[64];
	snprintf(a, sizeof a, "%.*s", (int)(dash - s), s);
	return number(a, lo) || number(dash + 1, hi) || *lo > *hi ? -1 : 0;
}

static int add_file(const char **v, size_t *n, const char *path, const char *opt)
{
	if (*n == MAX_FILES) {
		cli_error("%s: at most %d files", opt, MAX_FILES);
		return EXIT_USAGE;
	}
	v[(*n)++] = path;
	return -1;
}

static int on_option(int id, const char *arg, void *ctx)
{
	struct filter_cli *f = ctx;
	sprout_filter_options *o = &f->o;
	double x, y;
	sprout_error err = SPROUT_ERROR_INIT;
	switch (id) {
	case OPT_FIELDS: {
		memset(o->slots, 0, sizeof o->slots);
		char *copy = strdup(arg), *save = NULL;
		for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			sprout_slot s;
			if (sprout_slot_parse(t, &s, &err)) {
				cli_error("--fields: %s", err.msg);
				free(copy);
				return EXIT_USAGE;
			}
			o->slots[s] = 1;
		}
		free(copy);
		return -1;
	}
	case OPT_SIMILARITY:
		if (strcmp(arg, "off") == 0) {
			o->similarity = 0;
		} else if (strcmp(arg, "meaning") == 0 || strcmp(arg, "wordnet") == 0 ||
			   strcmp(arg, "lexical") == 0 || strcmp(arg, "embed") == 0) {
			o->similarity = 1;
			o->engine = arg[0] == 'm'   ? SPROUT_SIM_MEANING
				    : arg[0] == 'w' ? SPROUT_SIM_WORDNET
				    : arg[0] == 'l' ? SPROUT_SIM_LEXICAL
						    : SPROUT_SIM_EMBED;
		} else {
			cli_error("--similarity: unknown engine '%s' (expected meaning, wordnet, "
				  "lexical, "
				  "embed or off)",
				  arg);
			return EXIT_USAGE;
		}
		return -1;
	case OPT_BAND:
		if (band(arg, &x, &y) || x < 0 || y > 1) {
			cli_error(
			    "--band: expected LO-HI between 0 and 1, like 0.70-0.98, got '%s'",
			    arg);
			return EXIT_USAGE;
		}
		o->band_lo = x;
		o->band_hi = y;
		return -1;
	case OPT_LENGTH_RATIO:
		if (strcmp(arg, "off") == 0) {
			o->ratio_lo = o->ratio_hi = 0;
			return -1;
		}
		if (band(arg, &x, &y) || x < 0) {
			cli_error("--length-ratio: expected LO-HI, like 0.5-2.0, or off, got '%s'",
				  arg);
			return EXIT_USAGE;
		}
		o->ratio_lo = x;
		o->ratio_hi = y;
		return -1;
	case OPT_NEW_WORDS:
		if (number(arg, &x) == 0) {
			y = -1;
		} else if (band(arg, &x, &y)) {
			cli_error("--new-words: expected MIN or MIN-MAX, got '%s'", arg);
			return EXIT_USAGE;
		}
		o->new_words_min = (long)x;
		o->new_words_max = (long)y;
		return -1;
	case OPT_MIN_WORDS:
	case OPT_MAX_WORDS:
		if (number(arg, &x) || x < 0 || x != (double)(long)x) {
			cli_error("--%s: '%s' is not a whole number",
				  id == OPT_MIN_WORDS ? "min-words" : "max-words", arg);
			return EXIT_USAGE;
		}
		*(id == OPT_MIN_WORDS ? &o->min_words : &o->max_words) = (long)x;
		return -1;
	case OPT_REQUIRE:
	case OPT_FORBID: {
		size_t *n = id == OPT_REQUIRE ? &o->nrequire : &o->nforbid;
		if (*n == SPROUT_FILTER_MAX_PATTERNS) {
			cli_error("--%s: at most %d patterns",
				  id == OPT_REQUIRE ? "require" : "forbid",
				  SPROUT_FILTER_MAX_PATTERNS);
			return EXIT_USAGE;
		}
		(id == OPT_REQUIRE ? o->require : o->forbid)[(*n)++] = arg;
		return -1;
	}
	case OPT_JSON_SLOT: {
		sprout_slot s;
		if (sprout_slot_parse(arg, &s, &err)) {
			cli_error("--json-slot: %s", err.msg);
			return EXIT_USAGE;
		}
		o->json_slot = (int)s;
		return -1;
	}
	case OPT_NO_LABEL: o->label = 0; return -1;
	case OPT_EMBED_URL: o->embed_url = arg; return -1;
	case OPT_EMBED_MODEL: o->embed_model = arg; return -1;
	case OPT_EMBED_CACHE: o->embed_cache = arg; return -1;
	case OPT_VALIDATE: o->validator = arg; return -1;
	case OPT_VALIDATE_TIMEOUT:
		if (number(arg, &x) || x <= 0) {
			cli_error("--validate-timeout: '%s' is not a positive number of seconds",
				  arg);
			return EXIT_USAGE;
		}
		o->validator_timeout = x;
		return -1;
	case OPT_DEDUP:
		if (strcmp(arg, "off") == 0)
			o->dedup = 0;
		else if (strcmp(arg, "exact") == 0)
			o->dedup = 1;
		else if (strcmp(arg, "near") == 0)
			o->dedup = 2;
		else {
			cli_error("--dedup: unknown mode '%s' (expected near, exact or off)", arg);
			return EXIT_USAGE;
		}
		return -1;
	case OPT_NEAR:
	case OPT_NOVELTY_THRESHOLD:
		if (number(arg, &x) || x <= 0 || x > 1) {
			cli_error("--%s: '%s' is not in (0, 1]",
				  id == OPT_NEAR ? "near-threshold" : "novelty-threshold", arg);
			return EXIT_USAGE;
		}
		*(id == OPT_NEAR ? &o->near_threshold : &o->novelty_threshold) = x;
		return -1;
	case OPT_AGAINST: return add_file(f->against, &f->nagainst, arg, "--against");
	case OPT_PARENTS: return add_file(f->parents, &f->nparents, arg, "--parents");
	case OPT_NOVELTY: o->novelty = 1; return add_file(f->pool, &f->npool, arg, "--novelty");
	case OPT_JUDGE: return rubrics(f, arg, 0);
	case OPT_JUDGE_MIN: return rubrics(f, arg, 1);
	case OPT_SCOPE: f->jo.scope = arg; return -1;
	case OPT_MODEL: f->model = arg; return -1;
	case OPT_TEMPERATURE: {
		size_t n;
		return cli_reals("temperature", arg, 0, 2, &f->jo.temperature, 1, &n);
	}
	case OPT_PROMPTS: f->jo.prompts_dir = arg; return -1;
	case OPT_DRY_RUN: f->dry_run = 1; return -1;
	case OPT_PII:
		if (strcmp(arg, "reject") == 0)
			o->pii = SPROUT_PII_REJECT;
		else if (strcmp(arg, "redact") == 0)
			o->pii = SPROUT_PII_REDACT;
		else if (strcmp(arg, "keep") == 0)
			o->pii = SPROUT_PII_KEEP;
		else {
			cli_error("--pii: unknown mode '%s' (expected reject, redact or keep)",
				  arg);
			return EXIT_USAGE;
		}
		return -1;
	}
	int rc = cli_llm_option(&f->llm, id, arg);
	return rc == -2 ? -1 : rc;
}

/* Every record of some side files (parents, an existing dataset, a pool),
 * handed to f. */
static int side_files(struct cli_common *c, const char *const *paths, size_t n, sprout_filter *flt,
		      int what)
{
	if (!n)
		return -1;
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_source_options so = c->src;
	so.format.kind = SPROUT_FORMAT_AUTO; /* side files have formats of their own */
	sprout_source *src = sprout_source_open(paths, n, &so, &err);
	if (!src) {
		cli_error_at(&err);
		return cli_exit_for(err.code);
	}
	sprout_record r;
	sprout_code rc;
	while ((rc = sprout_source_next(src, &r, &err)) == SPROUT_OK) {
		sprout_text t;
		if (what == 0)
			rc = sprout_meta_ensure(&r, &err) ? err.code
							  : sprout_filter_know(flt, &r, &err);
		else if (what == 1)
			rc = sprout_filter_existing(flt, &r, &err);
		else if (sprout_record_get(&r, SPROUT_SLOT_PROMPT, &t))
			rc = sprout_filter_pool(flt, t.s, t.len, &err);
		if (rc)
			break;
	}
	sprout_source_close(src);
	if (rc != SPROUT_END) {
		cli_error_at(&err);
		return cli_exit_for(rc);
	}
	return -1;
}

struct knowing {
	sprout_filter *flt;
	size_t n;
	int texts; /* keep every text (the embed engine needs them all) */
};

static sprout_code know(void *ctx, const sprout_record *rec, sprout_error *err)
{
	struct knowing *k = ctx;
	return k->texts ? sprout_filter_know(k->flt, rec, err)
			: sprout_filter_know_ref(k->flt, rec, k->n++, err);
}

/* The texts of the records that are parents, read back from the spool. */
static int parent_texts(sprout_filter *flt, sprout_spool *sp, sprout_arena *mem)
{
	sprout_error err = SPROUT_ERROR_INIT;
	size_t *refs = NULL, n = 0;
	sprout_code rc = sprout_filter_wanted(flt, &refs, &n, &err);
	for (size_t k = 0; !rc && k < n; k++) {
		sprout_record r;
		sprout_arena_reset(mem);
		if (!(rc = sprout_spool_get(sp, refs[k], mem, &r, &err)))
			rc = sprout_filter_know_texts(flt, &r, &err);
	}
	free(refs);
	if (rc) {
		cli_error_at(&err);
		return cli_exit_for(rc);
	}
	return -1;
}

/* A record kept: to the output. Returns -1, or an exit code. */
static int keep_record(sprout_writer *out, const struct cli_common *c, sprout_record *r)
{
	sprout_error err = SPROUT_ERROR_INIT;
	if (c->strip_meta)
		sprout_meta_strip(r);
	if (sprout_writer_put(out, r->obj, &err)) {
		cli_error_at(&err);
		return cli_exit_for(err.code);
	}
	return -1;
}

/* The judge's pass: the records the other checks kept wait in a spool of
 * their own and are judged in order. */
struct judging {
	sprout_filter *flt;
	sprout_judge *judge;
	sprout_spool *sp;
	sprout_arena *mem;
	struct cli_reader *rd;
	const struct cli_common *c;
	sprout_writer *out;
	unsigned long kept, failed[SPROUT_RUBRIC__COUNT];
	char first_failure[512]; /* the first request that failed */
	int rc;			 /* an exit code, or -1 */
};

static int on_judged(void *ctx, const sprout_judgement *jm)
{
	struct judging *g = ctx;
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_record r;
	sprout_arena_reset(g->mem);
	if (sprout_spool_get(g->sp, jm->idx, g->mem, &r, &err) || sprout_judge_mark(jm, &r, &err)) {
		cli_error_at(&err);
		g->rc = cli_exit_for(err.code);
		return 1;
	}
	if (jm->keep) {
		g->kept++;
		g->rc = keep_record(g->out, g->c, &r);
		return g->rc >= 0;
	}
	const sprout_judge_score *s = &jm->s[jm->rubric];
	char check[32];
	snprintf(check, sizeof check, "judge:%s", sprout_rubric_name(jm->rubric));
	g->failed[jm->rubric]++;
	if (!s->score && !s->answer && !g->first_failure[0] && s->reason)
		snprintf(g->first_failure, sizeof g->first_failure, "%s", s->reason);
	g->rc = cli_reject_scored(g->rd, "filter", check, s->score ? (double)s->score : NAN,
				  jm->reason, &r, s->answer ? "answer" : NULL, s->answer);
	return g->rc >= 0;
}

#define JUDGE_WINDOW 1024 /* records pushed ahead of the judgements */

/* Judge every record of g->sp, in order. Returns -1, or an exit code. */
static int judge_all(struct judging *g)
{
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_arena *a = sprout_arena_new(0);
	size_t n = sprout_spool_count(g->sp);
	long left = 0;
	g->rc = -1;
	if (!a) {
		cli_error("out of memory");
		return EXIT_INTERNAL;
	}
	for (size_t i = 0; left >= 0 && i <= n; i++) {
		if (i < n) {
			sprout_record r;
			sprout_text parent[SPROUT_SLOT__COUNT];
			sprout_arena_reset(a);
			if (sprout_spool_get(g->sp, i, a, &r, &err) ||
			    sprout_judge_push(
				g->judge, &r,
				sprout_filter_parent_texts(g->flt, &r, parent) ? parent : NULL, i,
				&err)) {
				left = -1;
				break;
			}
		}
		/* keep a window of records asked ahead; at the end, drain */
		do
			left = sprout_judge_step(g->judge, 50, on_judged, g, &err);
		while (left >= (i < n ? JUDGE_WINDOW : 1));
	}
	sprout_arena_free(a);
	if (left < 0 && g->rc < 0) {
		cli_error_at(&err);
		g->rc = cli_exit_for(err.code);
	}
	return g->rc;
}

int cmd_filter(int argc, char **argv)
{
	struct filter_cli fc;
	memset(&fc, 0, sizeof fc);
	sprout_filter_options_init(&fc.o);
	sprout_judge_options_init(&fc.jo);
	cli_llm_init(&fc.llm);
	fc.jo.rubrics = fc.rubrics;
	fc.o.embed_cache = "sprout-embeddings.sqlite";
	struct cli_common c;
	int rc =
	    cli_parse(argc, argv, "filter [options] [FILE...]",
		      "Check each record and keep those worth training on: a variant says what\n"
		      "its parent says in good English (the meaning score, within a band),\n"
		      "length and new words, word counts, patterns, JSON, labels, an\n"
		      "external validator, exact and near duplicates, novelty\n"
		      "against a pool, personal data; then, with --judge, a model's scores\n"
		      "against rubrics. Scores go into _sprout.scores; every\n"
		      "rejected record goes to the rejects file with the check it failed, its\n"
		      "score and the reason. Reads the whole input first (parents are found by\n"
		      "their _sprout.id in it).",
		      options, CLI_READS | CLI_WRITES, &c, on_option, &fc);
	if (rc >= 0)
		return rc;
	sprout_error err = SPROUT_ERROR_INIT;
	int judging = fc.jo.nrubrics > 0;
	sprout_llm_endpoint ep;
	const char *key;
	if (judging) {
		if ((rc = cli_llm_ready(&fc.llm, fc.dry_run, &key)) >= 0)
			return rc;
		if (!fc.llm.url || !fc.model) {
			cli_error(
			    "--judge needs --url (or $OPENAI_BASE_URL, $ANTHROPIC_BASE_URL with "
			    "--api anthropic) and --model (see 'sprout filter --help')");
			return EXIT_USAGE;
		}
		ep = cli_llm_endpoint(&fc.llm, fc.model, key);
		fc.jo.ep = &ep;
		fc.jo.answer_tokens = fc.llm.answer_tokens;
		fc.jo.no_schema = fc.llm.no_schema;
		memcpy(fc.jo.slots, fc.o.slots, sizeof fc.jo.slots);
		for (size_t i = 0; i < fc.jo.nrubrics; i++)
			fc.o.need_parent |= fc.rubrics[i] == SPROUT_RUBRIC_MEANING;
	}
	sprout_filter *flt = sprout_filter_new(&fc.o, &err);
	if (!flt) {
		cli_error("%s", err.msg);
		return cli_exit_for(err.code);
	}
	struct cli_reader rd = {0};
	rd.want_rejects = !fc.dry_run;
	if (fc.dry_run)
		c.rejects = NULL;
	sprout_spool *sp = NULL;
	sprout_arena *mem = sprout_arena_new(0);
	size_t n = 0;
	sprout_writer *out = NULL;
	unsigned long failed[SPROUT_CHECK__COUNT] = {0}, kept = 0;
	int none_kept = 0, keep_rejects = 0;
	sprout_llm *llm = NULL;
	sprout_judge *judge = NULL;
	struct judging jg = {0};
	unsigned long plan_requests = 0, plan_cached = 0;
	if (!mem)
		goto oom;
	if (judging && (!(llm = sprout_llm_new(&fc.llm.lo, &err)) ||
			!(judge = sprout_judge_new(&fc.jo, llm, &err)))) {
		cli_error_at(&err);
		rc = cli_exit_for(err.code);
		goto done;
	}
	if ((rc = cli_reader_open(&rd, &c)) >= 0)
		goto done;
	/* 1: read everything, so parents and IDF are known before judging; the
	 * records wait in a spool */
	struct knowing kn = {flt, 0, fc.o.similarity && fc.o.engine == SPROUT_SIM_EMBED};
	if ((rc = cli_spool(&rd, &sp, know, &kn)) >= 0)
		goto done;
	n = sprout_spool_count(sp);
	if (!kn.texts && (rc = parent_texts(flt, sp, mem)) >= 0)
		goto done;
	if ((rc = side_files(&c, fc.parents, fc.nparents, flt, 0)) >= 0 ||
	    (rc = side_files(&c, fc.against, fc.nagainst, flt, 1)) >= 0 ||
	    (rc = side_files(&c, fc.pool, fc.npool, flt, 2)) >= 0)
		goto done;
	if (sprout_filter_prepare(flt, &err)) {
		cli_error("%s", err.msg);
		rc = cli_exit_for(err.code);
		goto done;
	}
	rc = EXIT_OK;
	/* 2: check in input order; with the judge, what the checks keep waits
	 * in a second spool for it */
	if (!fc.dry_run && !(out = cli_output_open(&c, SPROUT_CONTAINER_JSONL, &rc)))
		goto done;
	if (judging && !fc.dry_run && !(jg.sp = sprout_spool_new(NULL, &err))) {
		cli_error_at(&err);
		rc = cli_exit_for(err.code);
		goto done;
	}
	rc = EXIT_OK;
	for (size_t i = 0; i < n; i++) {
		sprout_record rec, *r = &rec;
		sprout_verdict v;
		sprout_arena_reset(mem);
		if (sprout_spool_get(sp, i, mem, r, &err)) {
			cli_error_at(&err);
			rc = cli_exit_for(err.code);
			goto done;
		}
		if (sprout_filter_record(flt, r, &v, &err)) {
			sprout_error_locate(&err, r->file, r->line, 0);
			cli_error_at(&err);
			rc = cli_exit_for(err.code);
			goto done;
		}
		if (v.keep && fc.dry_run) {
			kept++;
			sprout_text parent[SPROUT_SLOT__COUNT];
			if (judging &&
			    sprout_judge_plan(judge, r,
					      sprout_filter_parent_texts(flt, r, parent) ? parent
											 : NULL,
					      &plan_requests, &plan_cached, &err)) {
				cli_error_at(&err);
				rc = cli_exit_for(err.code);
				goto done;
			}
			continue;
		}
		if (v.keep && judging) {
			if (sprout_spool_put(jg.sp, r, &err)) {
				cli_error_at(&err);
				rc = cli_exit_for(err.code);
				goto done;
			}
			continue;
		}
		if (v.keep) {
			kept++;
			if ((rc = keep_record(out, &c, r)) >= 0)
				goto done;
			rc = EXIT_OK;
			continue;
		}
		failed[v.check]++;
		if (fc.dry_run)
			continue;
		if ((rc = cli_reject_scored(&rd, "filter", sprout_check_name(v.check),
					    v.has_score ? v.score : NAN, v.reason, r, NULL,
					    NULL)) >= 0)
			goto done;
		rc = EXIT_OK;
	}
	if (fc.dry_run) {
		printf("filter: %zu records in, %lu pass the checks%s, %zu rejected by them\n", n,
		       kept, judging ? " before the judge" : "", n - kept);
		if (judging) {
			printf("judge:");
			for (size_t k = 0; k < fc.jo.nrubrics; k++)
				printf("%s %s (from %d)", k ? "," : "",
				       sprout_rubric_name(fc.rubrics[k]),
				       fc.jo.min[fc.rubrics[k]]
					   ? fc.jo.min[fc.rubrics[k]]
					   : sprout_rubric_default_min(fc.rubrics[k]));
			printf("\nrequests: %lu, %lu of them answered in the cache\n",
			       plan_requests, plan_cached);
			if (fc.llm.lo.max_requests &&
			    plan_requests - plan_cached > fc.llm.lo.max_requests)
				printf("--max-requests %lu stops it before the end\n",
				       fc.llm.lo.max_requests);
		}
		goto done;
	}
	/* 3: the judge */
	if (judging) {
		jg.flt = flt;
		jg.judge = judge;
		jg.mem = mem;
		jg.rd = &rd;
		jg.c = &c;
		jg.out = out;
		if ((rc = judge_all(&jg)) >= 0)
			goto done;
		rc = EXIT_OK;
		kept = jg.kept;
		sprout_llm_counts lc;
		sprout_llm_counts_get(llm, &lc);
		if (!lc.answered && !lc.cached && lc.failed) {
			cli_error("no judge request was answered (%lu failed), the first: %s",
				  lc.failed, jg.first_failure);
			rc = EXIT_IO;
			keep_rejects = 1;
			goto done;
		}
		cli_note(&c,
			 "judge: %lu requests sent (%lu retries), %lu answered from the cache, %lu "
			 "failed; tokens %llu prompt + %llu answer",
			 lc.sent, lc.retried, lc.cached, lc.failed, lc.prompt_tokens,
			 lc.completion_tokens);
	}
	rc = cli_output_commit(out);
	out = NULL;
	if (!rc) {
		char detail[512];
		size_t off = 0;
		detail[0] = '\0';
		for (int k = 0; k < SPROUT_CHECK__COUNT; k++)
			if (failed[k] && off < sizeof detail)
				off += (size_t)snprintf(
				    detail + off, sizeof detail - off, "%s%s %lu", off ? ", " : "",
				    sprout_check_name((sprout_check)k), failed[k]);
		for (int k = 0; k < SPROUT_RUBRIC__COUNT; k++)
			if (jg.failed[k] && off < sizeof detail)
				off += (size_t)snprintf(detail + off, sizeof detail - off,
							"%sjudge:%s %lu", off ? ", " : "",
							sprout_rubric_name((sprout_rubric)k),
							jg.failed[k]);
		cli_note(&c, "%zu records in, %lu kept, %lu rejected%s%s%s; rejects in %s", n, kept,
			 (unsigned long)n - kept, off ? " (" : "", detail, off ? ")" : "",
			 rd.rejects_path);
		unsigned long requests, cached;
		sprout_filter_embed_counts(flt, &requests, &cached);
		if (fc.o.similarity && fc.o.engine == SPROUT_SIM_EMBED)
			cli_note(&c, "embeddings: %lu request%s, %lu text%s from the cache %s",
				 requests, requests == 1 ? "" : "s", cached, cached == 1 ? "" : "s",
				 fc.o.embed_cache);
		none_kept = n && !kept;
	}
	goto done;
oom:
	cli_error("out of memory");
	rc = EXIT_INTERNAL;
done:
	if (out)
		cli_output_abort(out);
	/* the rejects say why the judge's requests failed: kept even when all
	 * of them did */
	int rc2 =
	    rd.c ? cli_reader_close(&rd, (rc == EXIT_OK || keep_rejects) && !fc.dry_run) : EXIT_OK;
	if (!rc && !rc2 && none_kept) {
		/* the rejects are written: nothing is lost, but nothing came out */
		cli_error("no record was kept: all %zu are in %s with the check each failed", n,
			  rd.rejects_path);
		rc = EXIT_DATA;
	}
	sprout_judge_free(judge);
	sprout_llm_free(llm);
	sprout_spool_free(jg.sp);
	sprout_spool_free(sp);
	sprout_arena_free(mem);
	sprout_filter_free(flt);
	return rc ? rc : rc2;
}
