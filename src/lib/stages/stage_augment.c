/* The augment stage: variants of each record that say the same thing in
 * other words (sprout/augment.h). It streams. Pushed records are copied
 * into chunks of CHUNK; a full chunk is back-translated in one go (the one
 * Apertium pipe, from the pushing thread), its variants are made by one of
 * --jobs threads (the pushing thread is one of them: it works a waiting
 * chunk itself rather than sit idle), and chunks come out through the sink
 * in the order their records went in, from the pushing thread only. So the
 * output is the same for any number of threads, and at most jobs + 1
 * chunks are held at once (one with a single thread). A sink that wants
 * records gets each variant's line parsed, unless it strips provenance:
 * then the lines are made without it and handed on as text. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sprout/augment.h"
#include "sprout/meaning.h"
#include "sprout/meta.h"
#include "stages/stage_internal.h"

enum {
	O_N,
	O_METHODS,
	O_COUNT,
	O_RATE,
	O_SEED,
	O_KEEP,
	O_FIELDS,
	O_PAIR,
	O_FOCUS,
	O_MIN_SCORE,
	O_NO_CHECK,
	O_JOBS
};

static const sprout_option_def options[] = {
    [O_N] = {"variants", 'n', "K", SPROUT_OPT_WHOLE, 0, "4", "variants per record (default 4)"},
    [O_METHODS] = {"methods", 0, "LIST", SPROUT_OPT_TEXT, 0,
		   "synonym,delete,typo,casual,formal,format,question,polite",
		   "methods to pick from, each NAME or NAME*WEIGHT, comma-separated (default "
		   "synonym,delete,typo,casual,formal,format,question,polite; also backtranslate, "
		   "and EDA's insert and swap)"},
    [O_COUNT] = {"count", 0, "NAME=K,...", SPROUT_OPT_TEXT, 0, NULL,
		 "exactly K variants from each named method, instead of -n"},
    [O_RATE] = {"rate", 0, "NAME=R,...", SPROUT_OPT_TEXT, 0, NULL,
		"share of words a method changes (synonym, insert, swap, delete, typo: default "
		"0.1) or the chance of each change (casual 0.5)"},
    [O_SEED] = {"seed", 0, "N", SPROUT_OPT_WHOLE, 0, "0",
		"random seed (default 0): the same seed gives the same output"},
    [O_KEEP] = {"keep-original", 0, NULL, SPROUT_OPT_SWITCH, 0, NULL,
		"write each record before its variants"},
    [O_FIELDS] = {"fields", 0, "SLOTS", SPROUT_OPT_TEXT, 0, "prompt",
		  "slots to augment, comma-separated (default prompt; also input, response, "
		  "system)"},
    [O_PAIR] = {"pair", 0, "SRC-DST", SPROUT_OPT_TEXT, 0, "eng-spa",
		"Apertium pair for backtranslate, there and back (default eng-spa)"},
    [O_FOCUS] = {"focus", 0, "corrections[=F]", SPROUT_OPT_TEXT, 0, NULL,
		 "F times the variants (default 3) for corrections: records whose "
		 "_sprout.source is \"correction\" (from sprout review export), the cases a "
		 "model got wrong"},
    [O_MIN_SCORE] = {"min-score", 0, "S", SPROUT_OPT_NUMBER, 0, "0.89",
		     "keep a variant only when the meaning engine scores it S or more against "
		     "its parent (default 0.89; see sprout filter)"},
    [O_NO_CHECK] = {"no-check", 0, NULL, SPROUT_OPT_SWITCH, 0, NULL,
		    "keep every variant a method makes, unscored (as EDA does)"},
    [O_JOBS] = {"jobs", 'j', "N", SPROUT_OPT_WHOLE, 0, "1",
		"threads (default 1); output is the same for any N"},
    {NULL, 0, NULL, 0, 0, NULL, NULL},
};

static const char *const outputs[] = {"out", NULL};

#define CHUNK	 128
#define MAX_JOBS 64

struct item {
	sprout_arena *arena;
	sprout_format fmt;
	sprout_record rec;
	sprout_aug_prepared prep;
	size_t made;
	sprout_code rc;
	sprout_error err;
	sprout_buf json; /* the output lines */
	size_t *ends;	 /* end offset of each line in json */
	size_t nlines;
	unsigned by_method[SPROUT_AUG__COUNT];
	unsigned long below[SPROUT_AUG__COUNT];
	int focus; /* a correction: made with the focus augmenter */
};

enum chunk_state { C_FREE, C_QUEUED, C_WORKING, C_DONE };

struct chunk {
	struct item items[CHUNK];
	size_t n;
	enum chunk_state state; /* under mu */
	sprout_arena *scratch;	/* the chunk's back-translations */
};

struct worker {
	struct aug *a;
	sprout_aug_worker *aw, *awf; /* for records, for corrections under --focus */
	pthread_t th;
	int started;
};

struct aug {
	sprout_stage base;
	sprout_augment_options o;
	char *pair;
	unsigned focus; /* > 1: corrections get this many times the variants */
	int keep;
	unsigned jobs;
	sprout_augmenter *g, *gf;
	int bt;		       /* backtranslate is used */
	size_t max, max_focus; /* variants per record; for corrections */
	/* chunk of ticket t is chunks[t % nchunks]; tickets from head (the next
	 * to come out) to tail (the one being filled) are in flight */
	struct chunk *chunks;
	size_t nchunks;
	unsigned long head, tail;
	struct worker *workers; /* [0] is the pushing thread's */
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	int sync; /* mu and the conditions exist */
	int quit; /* under mu: the threads stop */
	sprout_code failed;
	sprout_arena *out_mem; /* variants as records, for a sink that wants them */
	/* what came out, for the summary */
	unsigned long by_method[SPROUT_AUG__COUNT];
	unsigned long below[SPROUT_AUG__COUNT]; /* candidates the check turned down */
	unsigned long short_records, records, lines;
};

/* ---- options -------------------------------------------------------------- */

static void init(sprout_stage *s)
{
	struct aug *a = (struct aug *)s;
	sprout_augment_options_init(&a->o);
	a->jobs = 1;
}

/* f on each item of a comma-separated list. */
static sprout_code each_item(struct aug *a, const char *list,
			     sprout_code (*f)(struct aug *a, const char *item, sprout_error *err),
			     sprout_error *err)
{
	char *copy = strdup(list), *save = NULL;
	if (!copy)
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	sprout_code rc = SPROUT_OK;
	for (char *item = strtok_r(copy, ",", &save); item && !rc;
	     item = strtok_r(NULL, ",", &save))
		rc = f(a, item, err);
	free(copy);
	return rc;
}

/* The method named by the first n bytes of s (copied into name), for
 * option opt. */
static sprout_code method_named(const char *opt, const char *s, size_t n, char name[64],
				sprout_aug_method *m, sprout_error *err)
{
	snprintf(name, 64, "%.*s", (int)n, s);
	sprout_error why = SPROUT_ERROR_INIT;
	if (sprout_aug_parse(name, m, &why))
		return sprout_error_set(err, SPROUT_ERR_USAGE, "%s: %s", opt, why.msg);
	return SPROUT_OK;
}

static sprout_code method_item(struct aug *a, const char *item, sprout_error *err)
{
	const char *star = strchr(item, '*');
	char name[64];
	sprout_aug_method m;
	sprout_code rc = method_named("--methods", item,
				      star ? (size_t)(star - item) : strlen(item), name, &m, err);
	if (rc)
		return rc;
	double w = 1;
	if (star && (sprout_option_number(star + 1, &w) || w <= 0))
		return sprout_error_set(err, SPROUT_ERR_USAGE,
					"--methods: weight '%s' of %s is not a positive number",
					star + 1, name);
	a->o.weight[m] = w;
	return SPROUT_OK;
}

/* NAME=VALUE items for --count and --rate */
static sprout_code named_value(const char *item, const char *opt, sprout_aug_method *m, double *v,
			       sprout_error *err)
{
	const char *eq = strchr(item, '=');
	if (!eq)
		return sprout_error_set(err, SPROUT_ERR_USAGE, "%s: expected NAME=VALUE, got '%s'",
					opt, item);
	char name[64];
	sprout_code rc = method_named(opt, item, (size_t)(eq - item), name, m, err);
	if (rc)
		return rc;
	if (sprout_option_number(eq + 1, v))
		return sprout_error_set(err, SPROUT_ERR_USAGE, "%s: '%s' is not a number", opt,
					eq + 1);
	return SPROUT_OK;
}

/* An item of --count (K variants, a whole number from 0 to 100) or --rate
 * (R, in (0, 1]). */
static sprout_code named_item(struct aug *a, const char *item, const char *opt, int count,
			      sprout_error *err)
{
	sprout_aug_method m;
	double v;
	sprout_code rc = named_value(item, opt, &m, &v, err);
	if (rc)
		return rc;
	if (count && (v < 0 || v > 100 || v != (double)(unsigned)v))
		return sprout_error_set(err, SPROUT_ERR_USAGE,
					"--count: %s=%s is not a whole number from 0 to 100",
					sprout_aug_name(m), strchr(item, '=') + 1);
	if (!count && (v <= 0 || v > 1))
		return sprout_error_set(err, SPROUT_ERR_USAGE, "--rate: %s=%g is not in (0, 1]",
					sprout_aug_name(m), v);
	if (count)
		a->o.count[m] = (unsigned)v;
	else
		a->o.rate[m] = v;
	return SPROUT_OK;
}

static sprout_code count_item(struct aug *a, const char *item, sprout_error *err)
{
	return named_item(a, item, "--count", 1, err);
}

static sprout_code rate_item(struct aug *a, const char *item, sprout_error *err)
{
	return named_item(a, item, "--rate", 0, err);
}

static sprout_code field_item(struct aug *a, const char *item, sprout_error *err)
{
	sprout_slot s;
	sprout_error why = SPROUT_ERROR_INIT;
	if (sprout_slot_parse(item, &s, &why))
		return sprout_error_set(err, SPROUT_ERR_USAGE, "--fields: %s", why.msg);
	if (s == SPROUT_SLOT_LABEL)
		return sprout_error_set(err, SPROUT_ERR_USAGE,
					"--fields: labels are carried over, not augmented");
	a->o.slots[s] = 1;
	return SPROUT_OK;
}

static sprout_code set(sprout_stage *s, size_t i, const char *arg, sprout_error *err)
{
	struct aug *a = (struct aug *)s;
	unsigned long long v = 0;
	sprout_code rc = SPROUT_OK;
	switch (i) {
	case O_N:
		rc = sprout_option_whole_in("--variants", arg, 1, 100, &v, err);
		if (!rc)
			a->o.n = (unsigned)v;
		return rc;
	case O_JOBS:
		rc = sprout_option_whole_in("--jobs", arg, 1, MAX_JOBS, &v, err);
		if (!rc)
			a->jobs = (unsigned)v;
		return rc;
	case O_METHODS:
		memset(a->o.weight, 0, sizeof a->o.weight);
		return each_item(a, arg, method_item, err);
	case O_COUNT: return each_item(a, arg, count_item, err);
	case O_RATE: return each_item(a, arg, rate_item, err);
	case O_FIELDS:
		memset(a->o.slots, 0, sizeof a->o.slots);
		return each_item(a, arg, field_item, err);
	case O_SEED:
		rc = sprout_option_whole("--seed", arg, UINT64_MAX, &v, err);
		a->o.seed = v;
		return rc;
	case O_KEEP: a->keep = 1; return SPROUT_OK;
	case O_NO_CHECK: a->o.check = 0; return SPROUT_OK;
	case O_MIN_SCORE: {
		double x;
		if (sprout_option_number(arg, &x) || x <= 0 || x >= 1)
			return sprout_error_set(err, SPROUT_ERR_USAGE,
						"--min-score: '%s' is not a number between 0 and 1",
						arg);
		a->o.min_score = x;
		return SPROUT_OK;
	}
	case O_PAIR: {
		char *p = strdup(arg);
		if (!p)
			return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		free(a->pair);
		a->o.pair = a->pair = p;
		return SPROUT_OK;
	}
	case O_FOCUS:
		if (strncmp(arg, "corrections", 11) || (arg[11] && arg[11] != '=') ||
		    (arg[11] == '=' && sprout_option_whole_in("", arg + 12, 2, 20, &v, NULL)))
			return sprout_error_set(err, SPROUT_ERR_USAGE,
						"--focus: expected corrections or corrections=F (F "
						"from 2 to 20), got '%s'",
						arg);
		a->focus = arg[11] == '=' ? (unsigned)v : 3;
		return SPROUT_OK;
	}
	return SPROUT_OK;
}

/* ---- making variants ------------------------------------------------------ */

static void augment_item(const struct aug *a, struct item *it, const struct worker *w)
{
	int focus = it->focus && w->awf;
	size_t max = focus ? a->max_focus : a->max;
	sprout_buf_clear(&it->json);
	it->ends = sprout_arena_alloc(it->arena, (max + 2) * sizeof *it->ends);
	if (!it->ends) {
		it->rc = sprout_error_set(&it->err, SPROUT_ERR_NOMEM, "out of memory");
		return;
	}
	sprout_aug_json o = {&it->json, it->ends, 0, {0}, {0}, a->keep, a->base.sink.strips_meta,
			     0};
	it->rc = sprout_augment_record_json(focus ? w->awf : w->aw, &it->rec, &it->prep, it->arena,
					    max, &o, &it->made, &it->err);
	it->nlines = o.lines;
	memcpy(it->by_method, o.by_method, sizeof it->by_method);
	memcpy(it->below, o.below, sizeof it->below);
}

static void work_chunk(const struct aug *a, struct chunk *c, const struct worker *w)
{
	for (size_t i = 0; i < c->n; i++)
		augment_item(a, &c->items[i], w);
}

/* Back-translate every augmented slot of the chunk in one go. */
static sprout_code prepare(struct aug *a, struct chunk *b, sprout_error *err)
{
	const char *texts[CHUNK * SPROUT_SLOT__COUNT];
	size_t lens[CHUNK * SPROUT_SLOT__COUNT], who[CHUNK * SPROUT_SLOT__COUNT];
	int slot[CHUNK * SPROUT_SLOT__COUNT];
	size_t n = 0;
	sprout_arena_reset(b->scratch);
	for (size_t i = 0; i < b->n; i++) {
		memset(&b->items[i].prep, 0, sizeof b->items[i].prep);
		for (int s = 0; s < SPROUT_SLOT__COUNT; s++) {
			sprout_text t;
			if (!a->o.slots[s] ||
			    !sprout_record_get(&b->items[i].rec, (sprout_slot)s, &t) || !t.len)
				continue;
			texts[n] = t.s;
			lens[n] = t.len;
			who[n] = i;
			slot[n] = s;
			n++;
		}
	}
	if (!n)
		return SPROUT_OK;
	char **out = sprout_arena_alloc(b->scratch, n * sizeof *out);
	if (!out)
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	sprout_error why = SPROUT_ERROR_INIT;
	if (sprout_augment_backtranslate(a->g, texts, lens, n, b->scratch, out, &why))
		return sprout_error_set(err, why.code, "backtranslate: %s", why.msg);
	for (size_t k = 0; k < n; k++)
		b->items[who[k]].prep.bt[slot[k]] = out[k];
	return SPROUT_OK;
}

/* The oldest chunk waiting for a thread (under mu), or NULL. */
static struct chunk *queued(struct aug *a)
{
	for (unsigned long t = a->head; t != a->tail; t++) {
		struct chunk *c = &a->chunks[t % a->nchunks];
		if (c->state == C_QUEUED)
			return c;
	}
	return NULL;
}

static void *thread_main(void *arg)
{
	struct worker *w = arg;
	struct aug *a = w->a;
	pthread_mutex_lock(&a->mu);
	for (;;) {
		struct chunk *c = NULL;
		while (!a->quit && !(c = queued(a)))
			pthread_cond_wait(&a->work, &a->mu);
		if (a->quit)
			break;
		c->state = C_WORKING;
		pthread_mutex_unlock(&a->mu);
		work_chunk(a, c, w);
		pthread_mutex_lock(&a->mu);
		c->state = C_DONE;
		pthread_cond_broadcast(&a->done);
	}
	pthread_mutex_unlock(&a->mu);
	return NULL;
}

/* A made chunk's lines through the sink, in input order. */
static sprout_code emit_chunk(struct aug *a, struct chunk *c, sprout_error *err)
{
	sprout_stage *s = &a->base;
	for (size_t i = 0; i < c->n; i++) {
		struct item *it = &c->items[i];
		if (it->rc) {
			if (err) {
				*err = it->err;
				err->code = it->rc;
				sprout_error_locate(err, it->rec.file, it->rec.line, 0);
			}
			return it->rc;
		}
		if (it->made < (it->focus ? a->max_focus : a->max))
			a->short_records++;
		for (int m = 0; m < SPROUT_AUG__COUNT; m++) {
			a->by_method[m] += it->by_method[m];
			a->below[m] += it->below[m];
		}
		size_t start = 0;
		for (size_t l = 0; l < it->nlines; l++) {
			const char *line = it->json.data + start;
			size_t len = it->ends[l] - start;
			start = it->ends[l];
			sprout_code rc;
			if (s->sink.wants_records && !s->sink.strips_meta) {
				sprout_record r = it->rec;
				sprout_arena_reset(a->out_mem);
				r.arena = a->out_mem;
				if ((rc = sprout_json_parse(a->out_mem, line, len, &r.obj, err)) ||
				    (rc = sprout_stage_emit(s, 0, &r, line, len, err)))
					return rc;
			} else if ((rc = sprout_stage_emit(s, 0, NULL, line, len, err))) {
				return rc;
			}
		}
		a->lines += it->nlines;
	}
	a->records += c->n;
	return SPROUT_OK;
}

/* Hand on the made chunks at the head; then, while all is set and chunks
 * are in flight, or while no chunk is free for the next records, work a
 * waiting chunk here or wait for a thread to finish one. */
static sprout_code drain(struct aug *a, int all, sprout_error *err)
{
	sprout_code rc = SPROUT_OK;
	pthread_mutex_lock(&a->mu);
	while (!rc && a->head != a->tail) {
		struct chunk *h = &a->chunks[a->head % a->nchunks], *c;
		if (h->state == C_DONE) {
			pthread_mutex_unlock(&a->mu);
			rc = emit_chunk(a, h, err);
			pthread_mutex_lock(&a->mu);
			h->state = C_FREE;
			h->n = 0;
			a->head++;
		} else if (!all && a->tail - a->head < a->nchunks) {
			break;
		} else if ((c = queued(a))) {
			c->state = C_WORKING;
			pthread_mutex_unlock(&a->mu);
			work_chunk(a, c, &a->workers[0]);
			pthread_mutex_lock(&a->mu);
			c->state = C_DONE;
		} else {
			pthread_cond_wait(&a->done, &a->mu);
		}
	}
	pthread_mutex_unlock(&a->mu);
	return rc;
}

/* The chunk being filled goes to the threads. */
static sprout_code submit(struct aug *a, int all, sprout_error *err)
{
	struct chunk *c = &a->chunks[a->tail % a->nchunks];
	sprout_code rc = a->bt ? prepare(a, c, err) : SPROUT_OK;
	if (rc)
		return rc;
	pthread_mutex_lock(&a->mu);
	c->state = C_QUEUED;
	a->tail++;
	pthread_cond_signal(&a->work);
	pthread_mutex_unlock(&a->mu);
	return drain(a, all, err);
}

/* ---- the stage ------------------------------------------------------------ */

static sprout_code open_augment(sprout_stage *s, sprout_error *err)
{
	struct aug *a = (struct aug *)s;
	int any_slot = 0;
	for (int k = 0; k < SPROUT_SLOT__COUNT; k++)
		any_slot |= a->o.slots[k];
	if (!any_slot)
		return sprout_error_set(err, SPROUT_ERR_USAGE, "--fields: no slot to augment");
	if (!(a->g = sprout_augmenter_new(&a->o, err)))
		return err ? err->code : SPROUT_ERR_USAGE;
	if (a->focus > 1) { /* the same methods, focus times the variants */
		sprout_augment_options of = a->o;
		of.n *= a->focus;
		for (int m = 0; m < SPROUT_AUG__COUNT; m++)
			of.count[m] *= a->focus;
		sprout_error why = SPROUT_ERROR_INIT;
		if (!(a->gf = sprout_augmenter_new(&of, &why)))
			return sprout_error_set(err, why.code, "--focus: %s", why.msg);
	}
	a->bt =
	    a->o.weight[SPROUT_AUG_BACKTRANSLATE] > 0 || a->o.count[SPROUT_AUG_BACKTRANSLATE] > 0;
	a->max = sprout_augment_max_variants(a->g);
	a->max_focus = a->gf ? sprout_augment_max_variants(a->gf) : a->max;
	a->nchunks = a->jobs > 1 ? (size_t)a->jobs + 1 : 1;
	a->chunks = calloc(a->nchunks, sizeof *a->chunks);
	a->workers = calloc(a->jobs, sizeof *a->workers);
	int ok = a->chunks && a->workers && (a->out_mem = sprout_arena_new(0));
	for (size_t j = 0; ok && j < a->nchunks; j++) {
		struct chunk *c = &a->chunks[j];
		ok = (c->scratch = sprout_arena_new(0)) != NULL;
		for (size_t i = 0; ok && i < CHUNK; i++) {
			sprout_buf_init(&c->items[i].json, (size_t)1 << 34);
			ok = (c->items[i].arena = sprout_arena_new(16 * 1024)) != NULL;
		}
	}
	for (unsigned j = 0; ok && j < a->jobs; j++) {
		a->workers[j].a = a;
		ok = (a->workers[j].aw = sprout_aug_worker_new(a->g)) != NULL &&
		     (!a->gf || (a->workers[j].awf = sprout_aug_worker_new(a->gf)) != NULL);
	}
	if (!ok)
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->work, NULL);
	pthread_cond_init(&a->done, NULL);
	a->sync = 1;
	/* a thread that cannot start leaves its chunks to the others: the
	 * pushing thread works them when no one else does */
	for (unsigned j = 1; j < a->jobs; j++)
		a->workers[j].started =
		    pthread_create(&a->workers[j].th, NULL, thread_main, &a->workers[j]) == 0;
	return SPROUT_OK;
}

static sprout_code push(sprout_stage *s, const sprout_record *r, sprout_error *err)
{
	struct aug *a = (struct aug *)s;
	if (a->failed)
		return sprout_error_set(err, a->failed, "augment: stopped by an earlier error");
	struct chunk *c = &a->chunks[a->tail % a->nchunks];
	struct item *it = &c->items[c->n];
	sprout_arena_reset(it->arena);
	/* the record outlives the caller's: copy it */
	it->rec = *r;
	if (r->fmt) {
		it->fmt = *r->fmt;
		it->rec.fmt = &it->fmt;
	}
	it->rec.arena = it->arena;
	it->rec.obj = sprout_json_copy(it->arena, r->obj);
	it->rec.file = r->file ? sprout_arena_strndup(it->arena, r->file, strlen(r->file)) : NULL;
	it->made = 0;
	it->rc = SPROUT_OK;
	if (!it->rec.obj || (r->file && !it->rec.file))
		return a->failed = sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	sprout_json *meta = sprout_meta_get(&it->rec);
	it->focus = meta && sprout_json_is(sprout_json_get(meta, "source"), "correction");
	if (++c->n < CHUNK)
		return SPROUT_OK;
	sprout_code rc = submit(a, 0, err);
	return a->failed = rc;
}

/* "synonym 3, typo 19" for the methods with a count; returns its length. */
static size_t per_method(const unsigned long *count, char *out, size_t cap)
{
	size_t off = 0;
	out[0] = '\0';
	for (int m = 0; m < SPROUT_AUG__COUNT; m++)
		if (count[m] && off < cap)
			off += (size_t)snprintf(out + off, cap - off, "%s%s %lu", off ? ", " : "",
						sprout_aug_name((sprout_aug_method)m), count[m]);
	return off;
}

static void stop_threads(struct aug *a)
{
	if (!a->sync)
		return;
	pthread_mutex_lock(&a->mu);
	a->quit = 1;
	pthread_cond_broadcast(&a->work);
	pthread_mutex_unlock(&a->mu);
	for (unsigned j = 1; j < a->jobs; j++)
		if (a->workers[j].started)
			pthread_join(a->workers[j].th, NULL);
	for (unsigned j = 1; j < a->jobs; j++)
		a->workers[j].started = 0;
}

static sprout_code close_augment(sprout_stage *s, sprout_error *err)
{
	struct aug *a = (struct aug *)s;
	if (a->failed)
		return sprout_error_set(err, a->failed, "augment: stopped by an earlier error");
	sprout_code rc = a->chunks[a->tail % a->nchunks].n ? submit(a, 1, err) : drain(a, 1, err);
	stop_threads(a);
	if (rc)
		return a->failed = rc;
	char detail[400], below[400];
	size_t off = per_method(a->by_method, detail, sizeof detail);
	unsigned long variants = a->lines - (a->keep ? a->records : 0);
	/* the summary's further lines: what the meaning check turned down */
	size_t n = (size_t)snprintf(s->summary, sizeof s->summary, "%lu records, %lu variants (%s)",
				    a->records, variants, off ? detail : "none");
	size_t boff = per_method(a->below, below, sizeof below);
	if (boff && n < sizeof s->summary)
		n += (size_t)snprintf(
		    s->summary + n, sizeof s->summary - n,
		    "\ncandidates turned down by the meaning check (below %.2f or "
		    "a copy): %s",
		    a->o.min_score > 0 ? a->o.min_score : sprout_meaning_threshold(), below);
	if (a->short_records && n < sizeof s->summary)
		snprintf(s->summary + n, sizeof s->summary - n,
			 "\n%lu records got fewer than %zu variants: their text left too little "
			 "to change%s",
			 a->short_records, a->max,
			 boff ? ", or no candidate passed the check" : "");
	if (!variants && a->records)
		return sprout_error_set(err, SPROUT_ERR_EMPTY, "no variant was made of %lu records",
					a->records);
	return SPROUT_OK;
}

static void free_augment(sprout_stage *s)
{
	struct aug *a = (struct aug *)s;
	stop_threads(a);
	if (a->sync) {
		pthread_mutex_destroy(&a->mu);
		pthread_cond_destroy(&a->work);
		pthread_cond_destroy(&a->done);
	}
	for (size_t j = 0; a->chunks && j < a->nchunks; j++) {
		for (size_t i = 0; i < CHUNK; i++) {
			sprout_arena_free(a->chunks[j].items[i].arena);
			sprout_buf_release(&a->chunks[j].items[i].json);
		}
		sprout_arena_free(a->chunks[j].scratch);
	}
	free(a->chunks);
	for (unsigned j = 0; a->workers && j < a->jobs; j++) {
		sprout_aug_worker_free(a->workers[j].aw);
		sprout_aug_worker_free(a->workers[j].awf);
	}
	free(a->workers);
	sprout_arena_free(a->out_mem);
	sprout_augmenter_free(a->g);
	sprout_augmenter_free(a->gf);
	free(a->pair);
}

const sprout_stage_def sprout_stage_augment = {
    .name = "augment",
    .usage = "augment [options] [FILE...]",
    .about = "Make variants of each record that say the same thing in other words,\n"
	     "offline: WordNet synonyms, deletions of words that carry nothing, typos,\n"
	     "casual and formal register, instruction phrasings, question forms,\n"
	     "politeness, back-translation through Apertium (and EDA's insert and\n"
	     "swap when asked for). Every candidate is scored against its parent by\n"
	     "the meaning engine and kept only when it keeps the meaning and reads\n"
	     "well (--no-check: all). The prompt is augmented by default; labels and\n"
	     "responses are carried over. Output is in the input's format, each\n"
	     "variant with provenance naming its method and parent.",
    .options = options,
    .flags = SPROUT_STAGE_RECORDS_OUT | SPROUT_STAGE_ERRORS_ONLY,
    .read_name = "augment",
    .outputs = outputs,
    .size = sizeof(struct aug),
    .init = init,
    .set = set,
    .open = open_augment,
    .push = push,
    .close = close_augment,
    .free = free_augment,
};
