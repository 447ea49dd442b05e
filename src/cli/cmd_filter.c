/* sprout filter: keep the records worth training on; every rejected one
 * goes to the rejects file with the check it failed and its score. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sprout/filter.h"

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
	 "embed engine: SQLite cache of vectors (default sprout-embeddings.sqlite)",
	 CLI_OPT_OUTPATH},
	{"band", 0, "LO-HI", OPT_BAND,
	 "similarity band kept (default for meaning 0.89-0.98, for the others 0.70-0.98: "
	 "below, the meaning may have changed; above, a near copy)"},
	{"length-ratio", 0, "LO-HI", OPT_LENGTH_RATIO,
	 "length against the parent's, in characters (default 0.5-2.0; off)"},
	{"new-words", 0, "MIN[-MAX]", OPT_NEW_WORDS, "words not in the parent (default: any)"},
	{"min-words", 0, "N", OPT_MIN_WORDS, "fewest words a checked slot may have"},
	{"max-words", 0, "N", OPT_MAX_WORDS, "most words a checked slot may have"},
	{"require", 0, "REGEX", OPT_REQUIRE, "a PCRE2 pattern each checked slot must match (repeatable)",
	 CLI_OPT_REPEAT},
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
	{"novelty-threshold", 0, "R", OPT_NOVELTY_THRESHOLD, "ROUGE-L above which a text is not new (default 0.7)"},
	{"pii", 0, "MODE", OPT_PII,
	 "personal data (e-mail, phone, card, IBAN, SSN, IP): reject (default), redact or keep"},
	{"parents", 0, "FILE", OPT_PARENTS,
	 "where parent records are, when not in the input (repeatable)",
	 CLI_OPT_REPEAT | CLI_OPT_INFILE},
	{NULL, 0, NULL, 0, NULL},
};

#define MAX_FILES 16

struct filter_cli {
	sprout_filter_options o;
	const char *against[MAX_FILES], *pool[MAX_FILES], *parents[MAX_FILES];
	size_t nagainst, npool, nparents;
};

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
			cli_error("--similarity: unknown engine '%s' (expected meaning, wordnet, lexical, "
				  "embed or off)",
				  arg);
			return EXIT_USAGE;
		}
		return -1;
	case OPT_BAND:
		if (band(arg, &x, &y) || x < 0 || y > 1) {
			cli_error("--band: expected LO-HI between 0 and 1, like 0.70-0.98, got '%s'", arg);
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
			cli_error("--length-ratio: expected LO-HI, like 0.5-2.0, or off, got '%s'", arg);
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
			cli_error("--%s: '%s' is not a whole number", id == OPT_MIN_WORDS ? "min-words" : "max-words",
				  arg);
			return EXIT_USAGE;
		}
		*(id == OPT_MIN_WORDS ? &o->min_words : &o->max_words) = (long)x;
		return -1;
	case OPT_REQUIRE:
	case OPT_FORBID: {
		size_t *n = id == OPT_REQUIRE ? &o->nrequire : &o->nforbid;
		if (*n == SPROUT_FILTER_MAX_PATTERNS) {
			cli_error("--%s: at most %d patterns", id == OPT_REQUIRE ? "require" : "forbid",
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
			cli_error("--validate-timeout: '%s' is not a positive number of seconds", arg);
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
	case OPT_NOVELTY:
		o->novelty = 1;
		return add_file(f->pool, &f->npool, arg, "--novelty");
	case OPT_PII:
		if (strcmp(arg, "reject") == 0)
			o->pii = SPROUT_PII_REJECT;
		else if (strcmp(arg, "redact") == 0)
			o->pii = SPROUT_PII_REDACT;
		else if (strcmp(arg, "keep") == 0)
			o->pii = SPROUT_PII_KEEP;
		else {
			cli_error("--pii: unknown mode '%s' (expected reject, redact or keep)", arg);
			return EXIT_USAGE;
		}
		return -1;
	}
	return -1;
}

/* Every record of some side files (parents, an existing dataset, a pool),
 * handed to f. */
static int side_files(struct cli_common *c, const char *const *paths, size_t n,
		      sprout_filter *flt, int what)
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
			rc = sprout_meta_ensure(&r, &err) ? err.code : sprout_filter_know(flt, &r, &err);
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

int cmd_filter(int argc, char **argv)
{
	struct filter_cli fc;
	memset(&fc, 0, sizeof fc);
	sprout_filter_options_init(&fc.o);
	fc.o.embed_cache = "sprout-embeddings.sqlite";
	struct cli_common c;
	int rc = cli_parse(argc, argv, "filter [options] [FILE...]",
			   "Check each record and keep those worth training on: a variant says what\n"
			   "its parent says in good English (the meaning score, within a band),\n"
			   "length and new words, word counts, patterns, JSON, labels, an\n"
			   "external validator, exact and near duplicates, novelty\n"
			   "against a pool, personal data. Scores go into _sprout.scores; every\n"
			   "rejected record goes to the rejects file with the check it failed, its\n"
			   "score and the reason. Reads the whole input first (parents are found by\n"
			   "their _sprout.id in it).",
			   options, CLI_READS | CLI_WRITES, &c, on_option, &fc);
	if (rc >= 0)
		return rc;
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_filter *flt = sprout_filter_new(&fc.o, &err);
	if (!flt) {
		cli_error("%s", err.msg);
		return cli_exit_for(err.code);
	}
	struct cli_reader rd = {0};
	rd.want_rejects = 1;
	sprout_spool *sp = NULL;
	sprout_arena *mem = sprout_arena_new(0);
	size_t n = 0;
	sprout_writer *out = NULL;
	unsigned long failed[SPROUT_CHECK__COUNT] = {0}, kept = 0;
	int none_kept = 0;
	if (!mem)
		goto oom;
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
	/* 2: judge in input order */
	out = cli_output_open(&c, SPROUT_CONTAINER_JSONL, &rc);
	if (!out)
		goto done;
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
		if (v.keep) {
			kept++;
			if (c.strip_meta)
				sprout_meta_strip(r);
			if (sprout_writer_put(out, r->obj, &err)) {
				cli_error_at(&err);
				rc = cli_exit_for(err.code);
				goto done;
			}
			continue;
		}
		failed[v.check]++;
		/* {"stage":"filter","check":..,"score":..,"reason":..,"file":..,"line":..,"record":..} */
		const char *cn = sprout_check_name(v.check);
		sprout_json *j = sprout_json_new(mem, SPROUT_JSON_OBJECT);
		if (!j || sprout_json_set(mem, j, "stage", sprout_json_string(mem, "filter", 6)) ||
		    sprout_json_set(mem, j, "check", sprout_json_string(mem, cn, strlen(cn))) ||
		    (v.has_score && sprout_json_set(mem, j, "score", sprout_json_real(mem, v.score))) ||
		    sprout_json_set(mem, j, "reason", sprout_json_string(mem, v.reason, strlen(v.reason))) ||
		    (r->file && sprout_json_set(mem, j, "file", sprout_json_string(mem, r->file, strlen(r->file)))) ||
		    (r->line && sprout_json_set(mem, j, "line", sprout_json_integer(mem, (long long)r->line))) ||
		    sprout_json_set(mem, j, "record", r->obj))
			goto oom;
		if (sprout_writer_put(rd.rejects, j, &err)) {
			cli_error_at(&err);
			rc = cli_exit_for(err.code);
			goto done;
		}
	}
	rc = cli_output_commit(out);
	out = NULL;
	if (!rc) {
		char detail[512];
		size_t off = 0;
		detail[0] = '\0';
		for (int k = 0; k < SPROUT_CHECK__COUNT; k++)
			if (failed[k] && off < sizeof detail)
				off += (size_t)snprintf(detail + off, sizeof detail - off, "%s%s %lu",
							off ? ", " : "", sprout_check_name((sprout_check)k),
							failed[k]);
		cli_note(&c, "%zu records in, %lu kept, %lu rejected%s%s%s; rejects in %s", n, kept,
			 (unsigned long)n - kept, off ? " (" : "", detail, off ? ")" : "",
			 rd.rejects_path);
		unsigned long requests, cached;
		sprout_filter_embed_counts(flt, &requests, &cached);
		if (fc.o.similarity && fc.o.engine == SPROUT_SIM_EMBED)
			cli_note(&c, "embeddings: %lu request%s, %lu text%s from the cache %s", requests,
				 requests == 1 ? "" : "s", cached, cached == 1 ? "" : "s",
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
	int rc2 = rd.c ? cli_reader_close(&rd, rc == EXIT_OK) : EXIT_OK;
	if (!rc && !rc2 && none_kept) {
		/* the rejects are written: nothing is lost, but nothing came out */
		cli_error("no record was kept: all %zu are in %s with the check each failed", n,
			  rd.rejects_path);
		rc = EXIT_DATA;
	}
	sprout_spool_free(sp);
	sprout_arena_free(mem);
	sprout_filter_free(flt);
	return rc ? rc : rc2;
}
