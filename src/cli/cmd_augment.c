/* sprout augment: more examples that say the same thing in other words. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sprout/augment.h"
#include "sprout/meaning.h"

enum {
	OPT_N = 'n',
	OPT_JOBS = 'j',
	OPT_METHODS = OPT_COMMAND_BASE,
	OPT_COUNT,
	OPT_RATE,
	OPT_SEED,
	OPT_KEEP,
	OPT_FIELDS,
	OPT_PAIR,
	OPT_FOCUS,
	OPT_NO_CHECK,
	OPT_MIN_SCORE,
};

static const struct cli_option options[] = {
    {"variants", 'n', "K", OPT_N, "variants per record (default 4)"},
    {"methods", 0, "LIST", OPT_METHODS,
     "methods to pick from, each NAME or NAME*WEIGHT, comma-separated (default "
     "synonym,delete,typo,casual,formal,format,question,polite; also backtranslate, and "
     "EDA's insert and swap)"},
    {"count", 0, "NAME=K,...", OPT_COUNT,
     "exactly K variants from each named method, instead of -n"},
    {"rate", 0, "NAME=R,...", OPT_RATE,
     "share of words a method changes (synonym, insert, swap, delete, typo: default 0.1) "
     "or the chance of each change (casual 0.5)"},
    {"seed", 0, "N", OPT_SEED, "random seed (default 0): the same seed gives the same output"},
    {"keep-original", 0, NULL, OPT_KEEP, "write each record before its variants"},
    {"fields", 0, "SLOTS", OPT_FIELDS,
     "slots to augment, comma-separated (default prompt; also input, response, system)"},
    {"pair", 0, "SRC-DST", OPT_PAIR,
     "Apertium pair for backtranslate, there and back (default eng-spa)"},
    {"focus", 0, "corrections[=F]", OPT_FOCUS,
     "F times the variants (default 3) for corrections: records whose _sprout.source is "
     "\"correction\" (from sprout review export), the cases a model got wrong"},
    {"min-score", 0, "S", OPT_MIN_SCORE,
     "keep a variant only when the meaning engine scores it S or more against its parent "
     "(default 0.89; see sprout filter)"},
    {"no-check", 0, NULL, OPT_NO_CHECK,
     "keep every variant a method makes, unscored (as EDA does)"},
    {"jobs", 'j', "N", OPT_JOBS, "threads (default 1); output is the same for any N"},
    {NULL, 0, NULL, 0, NULL},
};

struct augment_cli {
	sprout_augment_options o;
	unsigned focus; /* > 1: corrections get this many times the variants */
	int keep;
	int jobs;
	int weights_given;
};

/* Split "a=1,b=2" style lists; calls f for each item. */
static int each_item(const char *list, const char *opt, int (*f)(const char *item, void *ctx),
		     void *ctx)
{
	char *copy = strdup(list), *save = NULL;
	if (!copy)
		return EXIT_INTERNAL;
	int rc = -1;
	for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		if ((rc = f(item, ctx)) >= 0) {
			(void)opt;
			break;
		}
	}
	free(copy);
	return rc;
}

static int parse_number(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end)
		return -1;
	*out = v;
	return 0;
}

static int method_item(const char *item, void *ctx)
{
	struct augment_cli *a = ctx;
	char name[64];
	const char *star = strchr(item, '*');
	size_t n = star ? (size_t)(star - item) : strlen(item);
	snprintf(name, sizeof name, "%.*s", (int)n, item);
	sprout_aug_method m;
	sprout_error err = SPROUT_ERROR_INIT;
	if (sprout_aug_parse(name, &m, &err)) {
		cli_error("--methods: %s", err.msg);
		return EXIT_USAGE;
	}
	double w = 1;
	if (star && (parse_number(star + 1, &w) || w <= 0)) {
		cli_error("--methods: weight '%s' of %s is not a positive number", star + 1, name);
		return EXIT_USAGE;
	}
	a->o.weight[m] = w;
	return -1;
}

/* NAME=VALUE items for --count and --rate */
static int named_value(const char *item, const char *opt, sprout_aug_method *m, double *v)
{
	const char *eq = strchr(item, '=');
	char name[64];
	if (!eq) {
		cli_error("%s: expected NAME=VALUE, got '%s'", opt, item);
		return EXIT_USAGE;
	}
	snprintf(name, sizeof name, "%.*s", (int)(eq - item), item);
	sprout_error err = SPROUT_ERROR_INIT;
	if (sprout_aug_parse(name, m, &err)) {
		cli_error("%s: %s", opt, err.msg);
		return EXIT_USAGE;
	}
	if (parse_number(eq + 1, v)) {
		cli_error("%s: '%s' is not a number", opt, eq + 1);
		return EXIT_USAGE;
	}
	return -1;
}

static int count_item(const char *item, void *ctx)
{
	struct augment_cli *a = ctx;
	sprout_aug_method m;
	double v;
	int rc = named_value(item, "--count", &m, &v);
	if (rc >= 0)
		return rc;
	if (v < 0 || v > 100 || v != (double)(unsigned)v) {
		cli_error("--count: %s=%s is not a whole number from 0 to 100", sprout_aug_name(m),
			  strchr(item, '=') + 1);
		return EXIT_USAGE;
	}
	a->o.count[m] = (unsigned)v;
	return -1;
}

static int rate_item(const char *item, void *ctx)
{
	struct augment_cli *a = ctx;
	sprout_aug_method m;
	double v;
	int rc = named_value(item, "--rate", &m, &v);
	if (rc >= 0)
		return rc;
	if (v <= 0 || v > 1) {
		cli_error("--rate: %s=%g is not in (0, 1]", sprout_aug_name(m), v);
		return EXIT_USAGE;
	}
	a->o.rate[m] = v;
	return -1;
}

static int field_item(const char *item, void *ctx)
{
	struct augment_cli *a = ctx;
	sprout_slot s;
	sprout_error err = SPROUT_ERROR_INIT;
	if (sprout_slot_parse(item, &s, &err)) {
		cli_error("--fields: %s", err.msg);
		return EXIT_USAGE;
	}
	if (s == SPROUT_SLOT_LABEL) {
		cli_error("--fields: labels are carried over, not augmented");
		return EXIT_USAGE;
	}
	a->o.slots[s] = 1;
	return -1;
}

static int whole(const char *s, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int on_option(int id, const char *arg, void *ctx)
{
	struct augment_cli *a = ctx;
	long v;
	switch (id) {
	case OPT_N:
		if (whole(arg, 1, 100, &v)) {
			cli_error("--variants: '%s' is not a whole number from 1 to 100", arg);
			return EXIT_USAGE;
		}
		a->o.n = (unsigned)v;
		return -1;
	case OPT_JOBS:
		if (whole(arg, 1, 64, &v)) {
			cli_error("--jobs: '%s' is not a whole number from 1 to 64", arg);
			return EXIT_USAGE;
		}
		a->jobs = (int)v;
		return -1;
	case OPT_METHODS:
		memset(a->o.weight, 0, sizeof a->o.weight);
		a->weights_given = 1;
		return each_item(arg, "--methods", method_item, a);
	case OPT_COUNT: return each_item(arg, "--count", count_item, a);
	case OPT_RATE: return each_item(arg, "--rate", rate_item, a);
	case OPT_FIELDS:
		memset(a->o.slots, 0, sizeof a->o.slots);
		return each_item(arg, "--fields", field_item, a);
	case OPT_SEED: {
		unsigned long long s;
		int rc = cli_whole("--seed", arg, UINT64_MAX, &s);
		a->o.seed = s;
		return rc;
	}
	case OPT_KEEP: a->keep = 1; return -1;
	case OPT_NO_CHECK: a->o.check = 0; return -1;
	case OPT_MIN_SCORE: {
		double x;
		if (parse_number(arg, &x) || x <= 0 || x >= 1) {
			cli_error("--min-score: '%s' is not a number between 0 and 1", arg);
			return EXIT_USAGE;
		}
		a->o.min_score = x;
		return -1;
	}
	case OPT_PAIR: a->o.pair = arg; return -1;
	case OPT_FOCUS:
		if (strncmp(arg, "corrections", 11) || (arg[11] && arg[11] != '=') ||
		    (arg[11] == '=' && whole(arg + 12, 2, 20, &v))) {
			cli_error(
			    "--focus: expected corrections or corrections=F (F from 2 to 20), got "
			    "'%s'",
			    arg);
			return EXIT_USAGE;
		}
		a->focus = arg[11] == '=' ? (unsigned)v : 3;
		return -1;
	}
	return -1;
}

/* ---- chunks ------------------------------------------------------------ */

/* Every thread takes turns: it reads the next chunk of records (one thread
 * at a time), augments it on its own, and writes its lines once the chunk
 * before it is written. Reading and writing are short, so both cores stay
 * busy, and the output is in input order whatever the number of threads. */
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

struct chunk {
	struct item items[CHUNK];
	size_t n;
	sprout_arena *scratch; /* the chunk's back-translations */
};

/* What the run has written, for the summary. */
struct tally {
	unsigned long by_method[SPROUT_AUG__COUNT];
	unsigned long below[SPROUT_AUG__COUNT]; /* candidates the check turned down */
	unsigned long short_records, records;
};

/* What the threads share. */
struct run {
	pthread_mutex_t read_mu, write_mu;
	pthread_cond_t turn;
	struct cli_reader *rd;
	sprout_writer *out;
	sprout_augmenter *g;
	const struct augment_cli *a;
	int bt;			  /* backtranslate is used */
	int eof;		  /* under read_mu */
	unsigned long next_read;  /* ticket of the next chunk read, under read_mu */
	unsigned long next_write; /* ticket of the next chunk written, under write_mu */
	int failed;		  /* an exit status, else -1; under write_mu */
	size_t max, max_focus;	  /* variants per record; for corrections (= max without --focus) */
	int keep, strip_meta;
	struct tally t; /* under write_mu */
};

struct thread {
	struct run *r;
	struct chunk *c;
	sprout_aug_worker *aw, *awf;
	pthread_t th;
};

static void augment_item(const struct run *r, struct item *it, sprout_aug_worker *aw,
			 sprout_aug_worker *awf)
{
	int focus = it->focus && awf;
	size_t max = focus ? r->max_focus : r->max;
	sprout_buf_clear(&it->json);
	it->ends = sprout_arena_alloc(it->arena, (max + 2) * sizeof *it->ends);
	if (!it->ends) {
		it->rc = sprout_error_set(&it->err, SPROUT_ERR_NOMEM, "out of memory");
		return;
	}
	sprout_aug_json o = {&it->json, it->ends, 0, {0}, {0}, r->keep, r->strip_meta, 0};
	it->rc = sprout_augment_record_json(focus ? awf : aw, &it->rec, &it->prep, it->arena, max,
					    &o, &it->made, &it->err);
	it->nlines = o.lines;
	memcpy(it->by_method, o.by_method, sizeof it->by_method);
	memcpy(it->below, o.below, sizeof it->below);
}

/* Back-translate every augmented slot of the chunk in one go. */
static int prepare(sprout_augmenter *g, const sprout_augment_options *o, struct chunk *b)
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
			if (!o->slots[s] ||
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
		return -1;
	char **out = sprout_arena_alloc(b->scratch, n * sizeof *out);
	sprout_error err = SPROUT_ERROR_INIT;
	if (!out) {
		cli_error("out of memory");
		return EXIT_INTERNAL;
	}
	if (sprout_augment_backtranslate(g, texts, lens, n, b->scratch, out, &err)) {
		cli_error("backtranslate: %s", err.msg);
		return cli_exit_for(err.code);
	}
	for (size_t k = 0; k < n; k++)
		b->items[who[k]].prep.bt[slot[k]] = out[k];
	return -1;
}

/* Read up to CHUNK records into b. An exit status on failure, else -1;
 * *eof when the input is done. */
static int read_chunk(struct cli_reader *rd, struct chunk *b, int *eof)
{
	sprout_record rec;
	sprout_error err = SPROUT_ERROR_INIT;
	int got = 1;
	b->n = 0;
	while (b->n < CHUNK && (got = cli_reader_next(rd, &rec)) > 0) {
		struct item *it = &b->items[b->n];
		sprout_arena_reset(it->arena);
		if (sprout_meta_ensure(&rec, &err)) {
			int rc = cli_reader_reject(rd, &rec, &err, "augment");
			if (rc)
				return rc;
			continue;
		}
		/* the record outlives the reader's buffer: copy it */
		it->fmt = *rec.fmt;
		it->rec = rec;
		it->rec.fmt = &it->fmt;
		it->rec.arena = it->arena;
		it->rec.obj = sprout_json_copy(it->arena, rec.obj);
		it->rec.file =
		    rec.file ? sprout_arena_strndup(it->arena, rec.file, strlen(rec.file)) : NULL;
		it->made = 0;
		it->rc = SPROUT_OK;
		if (!it->rec.obj) {
			cli_error("out of memory");
			return EXIT_INTERNAL;
		}
		sprout_json *meta = sprout_meta_get(&it->rec);
		it->focus = meta && sprout_json_is(sprout_json_get(meta, "source"), "correction");
		b->n++;
	}
	*eof = got <= 0;
	return got < 0 ? -got : -1;
}

/* Write an augmented chunk (under write_mu). An exit status on failure. */
static int write_chunk(struct run *r, struct chunk *b)
{
	for (size_t i = 0; i < b->n; i++) {
		struct item *it = &b->items[i];
		sprout_error err = SPROUT_ERROR_INIT;
		if (it->rc) {
			sprout_error_locate(&it->err, it->rec.file, it->rec.line, 0);
			cli_error_at(&it->err);
			return cli_exit_for(it->rc);
		}
		if (it->made < (it->focus ? r->max_focus : r->max))
			r->t.short_records++;
		for (int m = 0; m < SPROUT_AUG__COUNT; m++) {
			r->t.by_method[m] += it->by_method[m];
			r->t.below[m] += it->below[m];
		}
		size_t start = 0;
		for (size_t l = 0; l < it->nlines; l++) {
			if (sprout_writer_put_json(r->out, it->json.data + start,
						   it->ends[l] - start, &err)) {
				cli_error_at(&err);
				return cli_exit_for(err.code);
			}
			start = it->ends[l];
		}
	}
	r->t.records += b->n;
	return -1;
}

static void *thread_main(void *arg)
{
	struct thread *th = arg;
	struct run *r = th->r;
	struct chunk *b = th->c;
	for (;;) {
		pthread_mutex_lock(&r->read_mu);
		if (r->eof) {
			pthread_mutex_unlock(&r->read_mu);
			break;
		}
		unsigned long ticket = r->next_read++;
		int rc = read_chunk(r->rd, b, &r->eof);
		if (rc < 0 && b->n && r->bt)
			rc = prepare(r->g, &r->a->o, b);
		if (rc >= 0)
			r->eof = 1; /* nobody reads on */
		pthread_mutex_unlock(&r->read_mu);
		for (size_t i = 0; rc < 0 && i < b->n; i++)
			augment_item(r, &b->items[i], th->aw, th->awf);
		pthread_mutex_lock(&r->write_mu);
		while (r->next_write != ticket)
			pthread_cond_wait(&r->turn, &r->write_mu);
		if (r->failed < 0)
			r->failed = rc >= 0 ? rc : write_chunk(r, b);
		r->next_write++;
		pthread_cond_broadcast(&r->turn);
		pthread_mutex_unlock(&r->write_mu);
	}
	return NULL;
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

int cmd_augment(int argc, char **argv)
{
	struct augment_cli a;
	memset(&a, 0, sizeof a);
	sprout_augment_options_init(&a.o);
	a.jobs = 1;
	struct cli_common c;
	int rc =
	    cli_parse(argc, argv, "augment [options] [FILE...]",
		      "Make variants of each record that say the same thing in other words,\n"
		      "offline: WordNet synonyms, deletions of words that carry nothing, typos,\n"
		      "casual and formal register, instruction phrasings, question forms,\n"
		      "politeness, back-translation through Apertium (and EDA's insert and\n"
		      "swap when asked for). Every candidate is scored against its parent by\n"
		      "the meaning engine and kept only when it keeps the meaning and reads\n"
		      "well (--no-check: all). The prompt is augmented by default; labels and\n"
		      "responses are carried over. Output is in the input's format, each\n"
		      "variant with provenance naming its method and parent.",
		      options, CLI_READS | CLI_WRITES, &c, on_option, &a);
	if (rc >= 0)
		return rc;
	int any_slot = 0;
	for (int s = 0; s < SPROUT_SLOT__COUNT; s++)
		any_slot |= a.o.slots[s];
	if (!any_slot) {
		cli_error("--fields: no slot to augment");
		return EXIT_USAGE;
	}
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_augmenter *g = sprout_augmenter_new(&a.o, &err), *gf = NULL;
	if (!g) {
		cli_error("%s", err.msg);
		return cli_exit_for(err.code);
	}
	if (a.focus > 1) { /* the same methods, focus times the variants */
		sprout_augment_options of = a.o;
		of.n *= a.focus;
		for (int m = 0; m < SPROUT_AUG__COUNT; m++)
			of.count[m] *= a.focus;
		if (!(gf = sprout_augmenter_new(&of, &err))) {
			cli_error("--focus: %s", err.msg);
			sprout_augmenter_free(g);
			return cli_exit_for(err.code);
		}
	}
	struct cli_reader rd = {0};
	if ((rc = cli_reader_open(&rd, &c)) >= 0) {
		sprout_augmenter_free(g);
		sprout_augmenter_free(gf);
		return rc;
	}
	sprout_writer *out = cli_output_open(&c, SPROUT_CONTAINER_JSONL, &rc);
	struct run *r = calloc(1, sizeof *r);
	struct thread *th = calloc((size_t)a.jobs, sizeof *th);
	int ok = out && r && th;
	for (int j = 0; ok && j < a.jobs; j++) {
		ok &= (th[j].c = calloc(1, sizeof *th[j].c)) != NULL;
		ok = ok && (th[j].c->scratch = sprout_arena_new(0)) != NULL;
		for (size_t i = 0; ok && i < CHUNK; i++) {
			sprout_buf_init(&th[j].c->items[i].json, (size_t)1 << 34);
			ok &= (th[j].c->items[i].arena = sprout_arena_new(16 * 1024)) != NULL;
		}
		ok = ok && (th[j].aw = sprout_aug_worker_new(g)) != NULL;
		ok = ok && (!gf || (th[j].awf = sprout_aug_worker_new(gf)) != NULL);
	}
	rc = EXIT_OK;
	if (!ok) {
		if (out) {
			cli_error("out of memory");
			rc = EXIT_INTERNAL;
		}
		goto done;
	}
	pthread_mutex_init(&r->read_mu, NULL);
	pthread_mutex_init(&r->write_mu, NULL);
	pthread_cond_init(&r->turn, NULL);
	r->rd = &rd;
	r->out = out;
	r->g = g;
	r->a = &a;
	r->bt = a.o.weight[SPROUT_AUG_BACKTRANSLATE] > 0 || a.o.count[SPROUT_AUG_BACKTRANSLATE] > 0;
	r->failed = -1;
	r->max = sprout_augment_max_variants(g);
	r->max_focus = gf ? sprout_augment_max_variants(gf) : r->max;
	r->keep = a.keep;
	r->strip_meta = c.strip_meta;
	/* this thread is the first; a thread that cannot start leaves its
	 * turns to the others */
	int started[MAX_JOBS] = {0};
	for (int j = 0; j < a.jobs; j++)
		th[j].r = r;
	for (int j = 1; j < a.jobs; j++)
		started[j] = pthread_create(&th[j].th, NULL, thread_main, &th[j]) == 0;
	thread_main(&th[0]);
	for (int j = 1; j < a.jobs; j++)
		if (started[j])
			pthread_join(th[j].th, NULL);
	pthread_mutex_destroy(&r->read_mu);
	pthread_mutex_destroy(&r->write_mu);
	pthread_cond_destroy(&r->turn);
	if (r->failed >= 0) {
		rc = r->failed;
		goto done;
	}
	unsigned long n = sprout_writer_count(out);
	rc = cli_output_commit(out);
	out = NULL;
	if (!rc) {
		char detail[512], below[512];
		size_t off = per_method(r->t.by_method, detail, sizeof detail);
		unsigned long variants = n - (a.keep ? r->t.records : 0);
		cli_note(&c, "%lu records, %lu variants (%s) written to %s", r->t.records, variants,
			 off ? detail : "none", c.output ? c.output : "stdout");
		size_t boff = per_method(r->t.below, below, sizeof below);
		if (boff)
			cli_note(&c,
				 "candidates turned down by the meaning check (below %.2f or a "
				 "copy): %s",
				 a.o.min_score > 0 ? a.o.min_score : sprout_meaning_threshold(),
				 below);
		if (r->t.short_records)
			cli_note(&c,
				 "%lu records got fewer than %zu variants: their text left too "
				 "little to change%s",
				 r->t.short_records, sprout_augment_max_variants(g),
				 boff ? ", or no candidate passed the check" : "");
		if (!variants && r->t.records) {
			cli_error("no variant was made of %lu records", r->t.records);
			rc = EXIT_DATA;
		}
	}
done:
	if (out)
		cli_output_abort(out);
	int rc2 = cli_reader_close(&rd, rc == EXIT_OK);
	for (int j = 0; th && j < a.jobs; j++) {
		if (th[j].c) {
			for (size_t i = 0; i < CHUNK; i++) {
				sprout_arena_free(th[j].c->items[i].arena);
				sprout_buf_release(&th[j].c->items[i].json);
			}
			sprout_arena_free(th[j].c->scratch);
			free(th[j].c);
		}
		sprout_aug_worker_free(th[j].aw);
		sprout_aug_worker_free(th[j].awf);
	}
	free(th);
	free(r);
	sprout_augmenter_free(g);
	sprout_augmenter_free(gf);
	return rc ? rc : rc2;
}
