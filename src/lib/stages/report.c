/* The dataset report: accumulate counts record by record, then summarize and
 * render as JSON or as one HTML page with inline SVG charts. */
#include "sprout/report.h"
#include "core/series.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dict.h"
#include "sprout/arena.h"
#include "sprout/pii.h"
#include "sprout/sprout.h"
#include "sprout/text.h"
#include "sprout/utf8.h"

#define SIM_BINS       10
#define TOP_TERMS      15
#define MIN_TERM_COUNT 3
#define MAX_LEN_BINS   20

/* ---- string tables ----------------------------------------------------- */

/* A counted string; the meaning of c[0] and c[1] depends on the table. */
struct evidence;

struct entry {
	const char *s; /* in the report's arena */
	size_t len;
	unsigned long c[2];
	struct evidence *ev; /* methods: the scores and examples, or NULL */
	const char *val;     /* seeds: the prompt */
};

/* What a method's records show of the filter's work: the similarity
 * scores of the kept and the rejected ones, and a few of each (the ones
 * whose text hashes lowest, so the picks spread over the data and do not
 * depend on its order). */
#define EXAMPLES 3
struct example {
	const char *text, *parent, *reason; /* in the arena; parent: its id */
	double score;			    /* NAN: none */
	uint64_t h;
};
struct evidence {
	unsigned long bins[2][SIM_BINS]; /* kept, rejected */
	unsigned long scored[2];
	struct example ex[2][EXAMPLES];
	size_t nex[2];
};

/* Distinct strings with their counts: v[i] is the entry of the dict's key
 * number i, so v is dense and walked in first-seen order. */
struct table {
	sprout_dict d;
	struct entry *v;
	size_t n, cap;
};

/* The entry for s[0..n) (copied into a when new), created with zero counts
 * when new; NULL on OOM. */
static struct entry *table_get(struct table *t, sprout_arena *a, const char *s, size_t n)
{
	if (t->n == t->cap) { /* room for a new one first */
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct entry *v = realloc(t->v, cap * sizeof *v);
		if (!v)
			return NULL;
		t->v = v;
		t->cap = cap;
	}
	t->d.mem = a;
	int added;
	long long i = sprout_dict_put(&t->d, s, n, &added);
	if (i < 0)
		return NULL;
	if (added)
		t->v[t->n++] = (struct entry){t->d.key[i], n, {0, 0}, NULL, NULL};
	return &t->v[i];
}

static void table_free(struct table *t)
{
	sprout_dict_free(&t->d);
	free(t->v);
}

static int cmp_name(const struct entry *x, const struct entry *y)
{
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->s, y->s, n);
	return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* c[0] descending, then c[1] descending, then name */
static int cmp_c0(const void *a, const void *b)
{
	const struct entry *x = *(const struct entry *const *)a;
	const struct entry *y = *(const struct entry *const *)b;
	if (x->c[0] != y->c[0])
		return x->c[0] > y->c[0] ? -1 : 1;
	if (x->c[1] != y->c[1])
		return x->c[1] > y->c[1] ? -1 : 1;
	return cmp_name(x, y);
}

/* c[1] descending, then c[0] descending, then name */
static int cmp_c1(const void *a, const void *b)
{
	const struct entry *x = *(const struct entry *const *)a;
	const struct entry *y = *(const struct entry *const *)b;
	if (x->c[1] != y->c[1])
		return x->c[1] > y->c[1] ? -1 : 1;
	if (x->c[0] != y->c[0])
		return x->c[0] > y->c[0] ? -1 : 1;
	return cmp_name(x, y);
}

/* The entries in order; caller frees. NULL on OOM (never for an empty table). */
static const struct entry **table_sorted(const struct table *t,
					 int (*cmp)(const void *, const void *))
{
	const struct entry **v = malloc((t->n + 1) * sizeof *v);
	if (!v)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < t->n; i++)
		v[k++] = &t->v[i];
	qsort(v, k, sizeof *v, cmp);
	return v;
}

/* ---- the accumulator --------------------------------------------------- */

/* One compared slot; index 0 real, 1 synthetic. */
struct slot_acc {
	struct series len[2];
	struct table uni, bi; /* c[0] real, c[1] synthetic occurrences */
	unsigned long texts[2], tokens[2], bigrams[2];
};

struct stage {
	const char *name;
	size_t len;
	long long n[3]; /* in, out, rejected; -1 when absent */
};

/* One model of a stage's ledger (what its model requests cost). */
struct cost_row {
	const char *stage, *model;
	unsigned long long n[5]; /* requests, input, cached input, output tokens, cache hits */
	double usd;		 /* < 0: no price */
};

struct input {
	const char *file;
	char format[SPROUT_MAP_KEY_MAX * SPROUT_SLOT__COUNT];
};

static const sprout_slot compared_slots[SPROUT_REPORT_NSLOTS] = {SPROUT_SLOT_PROMPT,
								 SPROUT_SLOT_RESPONSE};

struct sprout_report {
	sprout_report_options o;
	sprout_arena *a;       /* every string the report keeps */
	sprout_arena *scratch; /* tokens of one text */
	sprout_buf word, prev, pair;
	unsigned long records, real, synthetic, rejected;
	struct table methods; /* c[0] records, c[1] rejected */
	struct table checks;  /* c[0] rejected */
	struct table labels;  /* c[0] real, c[1] all */
	struct table review;  /* c[0] decisions */
	struct table seeds;   /* ids of real records, with their prompt (val) */
	unsigned long sim_bins[SIM_BINS], sim_n;
	double sim_sum;
	unsigned long pii[SPROUT_PII__COUNT], pii_records;
	struct slot_acc slots[SPROUT_REPORT_NSLOTS];
	struct input *inputs;
	size_t ninputs;
	const char **rejfiles;
	size_t nrejfiles;
	const char *manifest, *manifest_href;
	struct stage *stages;
	size_t nstages;
	int has_stages;
	struct cost_row *costs;
	size_t ncosts;
};

static const char *keep_str(sprout_report *r, const char *s)
{
	return s ? sprout_arena_strndup(r->a, s, strlen(s)) : NULL;
}

sprout_report *sprout_report_new(const sprout_report_options *opts)
{
	sprout_report *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	sprout_report_options def = SPROUT_REPORT_OPTIONS_INIT;
	r->o = opts ? *opts : def;
	r->a = sprout_arena_new(0);
	r->scratch = sprout_arena_new(0);
	sprout_buf_init(&r->word, (size_t)1 << 24);
	sprout_buf_init(&r->prev, (size_t)1 << 24);
	sprout_buf_init(&r->pair, (size_t)1 << 25);
	if (!r->a || !r->scratch) {
		sprout_report_free(r);
		return NULL;
	}
	r->o.title = keep_str(r, r->o.title);
	r->o.generated_at = keep_str(r, r->o.generated_at);
	if ((opts && opts->title && !r->o.title) ||
	    (opts && opts->generated_at && !r->o.generated_at)) {
		sprout_report_free(r);
		return NULL;
	}
	return r;
}

void sprout_report_free(sprout_report *r)
{
	if (!r)
		return;
	table_free(&r->methods);
	table_free(&r->seeds);
	table_free(&r->checks);
	table_free(&r->labels);
	table_free(&r->review);
	for (int i = 0; i < SPROUT_REPORT_NSLOTS; i++) {
		struct slot_acc *sa = &r->slots[i];
		free(sa->len[0].v);
		free(sa->len[1].v);
		table_free(&sa->uni);
		table_free(&sa->bi);
	}
	free(r->inputs);
	free(r->rejfiles);
	free(r->stages);
	free(r->costs);
	sprout_buf_release(&r->word);
	sprout_buf_release(&r->prev);
	sprout_buf_release(&r->pair);
	sprout_arena_free(r->scratch);
	sprout_arena_free(r->a);
	free(r);
}

sprout_code sprout_report_add_input(sprout_report *r, const char *file, const sprout_format *f)
{
	struct input *v = realloc(r->inputs, (r->ninputs + 1) * sizeof *v);
	if (!v)
		return SPROUT_ERR_NOMEM;
	r->inputs = v;
	struct input *in = &v[r->ninputs];
	in->file = keep_str(r, file ? file : "-");
	if (!in->file)
		return SPROUT_ERR_NOMEM;
	sprout_format_describe(f, in->format, sizeof in->format);
	r->ninputs++;
	return SPROUT_OK;
}

sprout_code sprout_report_add_rejects_file(sprout_report *r, const char *path)
{
	const char **v = realloc(r->rejfiles, (r->nrejfiles + 1) * sizeof *v);
	if (!v)
		return SPROUT_ERR_NOMEM;
	r->rejfiles = v;
	if (!(v[r->nrejfiles] = keep_str(r, path)))
		return SPROUT_ERR_NOMEM;
	r->nrejfiles++;
	return SPROUT_OK;
}

static sprout_code nomem(sprout_error *err)
{
	return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
}

/* The method of a record's provenance object (may be NULL) and whether the
 * record is real. */
static void classify(const sprout_json *meta, const char **method, size_t *len, int *real)
{
	const sprout_json *m =
	    meta && meta->type == SPROUT_JSON_OBJECT ? sprout_json_get(meta, "method") : NULL;
	const sprout_json *p =
	    meta && meta->type == SPROUT_JSON_OBJECT ? sprout_json_get(meta, "parent") : NULL;
	int has_parent = p && p->type != SPROUT_JSON_NULL;
	*real = !has_parent || sprout_json_is(m, "seed");
	if (m && m->type == SPROUT_JSON_STRING) {
		*method = m->u.s;
		*len = m->len;
	} else {
		*method = has_parent ? "unknown" : "seed";
		*len = strlen(*method);
	}
}

static sprout_code add_text(sprout_report *r, struct slot_acc *sa, int g, const char *s, size_t n)
{
	sa->texts[g]++;
	if (series_push(&sa->len[g], (uint32_t)sprout_count_words(s, n)))
		return SPROUT_ERR_NOMEM;
	sprout_arena_reset(r->scratch);
	sprout_tokens tk;
	if (sprout_tokenize(r->scratch, s, n, &tk))
		return SPROUT_ERR_NOMEM;
	int have_prev = 0;
	for (size_t i = 0; i < tk.n; i++) {
		const sprout_token *t = &tk.v[i];
		if (t->kind == SPROUT_TOK_SPACE)
			continue;
		if (t->kind != SPROUT_TOK_WORD) {
			have_prev = 0;
			continue;
		}
		sprout_buf_clear(&r->word);
		if (sprout_lower(&r->word, s + t->off, t->len))
			return SPROUT_ERR_NOMEM;
		struct entry *e = table_get(&sa->uni, r->a, r->word.data, r->word.len);
		if (!e)
			return SPROUT_ERR_NOMEM;
		e->c[g]++;
		sa->tokens[g]++;
		if (have_prev) {
			sprout_buf_clear(&r->pair);
			if (sprout_buf_add(&r->pair, r->prev.data, r->prev.len) ||
			    sprout_buf_addc(&r->pair, ' ') ||
			    sprout_buf_add(&r->pair, r->word.data, r->word.len))
				return SPROUT_ERR_NOMEM;
			e = table_get(&sa->bi, r->a, r->pair.data, r->pair.len);
			if (!e)
				return SPROUT_ERR_NOMEM;
			e->c[g]++;
			sa->bigrams[g]++;
		}
		sprout_buf_clear(&r->prev);
		if (sprout_buf_add(&r->prev, r->word.data, r->word.len))
			return SPROUT_ERR_NOMEM;
		have_prev = 1;
	}
	return SPROUT_OK;
}

static void add_pii(sprout_report *r, const sprout_record *rec)
{
	int any = 0;
	for (int s = 0; s < SPROUT_SLOT__COUNT; s++) {
		sprout_text t;
		if (s == SPROUT_SLOT_LABEL || !sprout_record_get(rec, (sprout_slot)s, &t))
			continue;
		size_t off = 0;
		while (off < t.len) {
			sprout_pii_span spans[64];
			size_t n = sprout_pii_find(t.s + off, t.len - off, spans, 64);
			size_t k = n < 64 ? n : 64;
			for (size_t i = 0; i < k; i++)
				if ((unsigned)spans[i].kind < SPROUT_PII__COUNT)
					r->pii[spans[i].kind]++;
			if (k)
				any = 1;
			if (n <= 64)
				break;
			off += spans[63].off + spans[63].len;
		}
	}
	if (any)
		r->pii_records++;
}

/* The bin of a similarity score: 10 of width 0.1, 1.0 in the last. */
static int sim_bin(double v)
{
	int bin = v <= 0 ? 0 : v >= 1 ? SIM_BINS - 1 : (int)(v * SIM_BINS);
	return bin < SIM_BINS ? bin : SIM_BINS - 1;
}

/* The evidence of a method's entry, made on first use; NULL on OOM. */
static struct evidence *evidence_of(sprout_report *r, struct entry *e)
{
	if (!e->ev && (e->ev = sprout_arena_alloc(r->a, sizeof *e->ev)))
		memset(e->ev, 0, sizeof *e->ev);
	return e->ev;
}

/* FNV-1a with a final mix: which records are kept as examples (the lowest
 * hashes, so the choice does not depend on the order of the input). */
static uint64_t example_hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t k = 0; k < n; k++)
		h = (h ^ (unsigned char)s[k]) * 1099511628211ull;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	return h ^ (h >> 33);
}

/* Count a score (NAN: none) and maybe keep the record as an example;
 * side 0 kept, 1 rejected. */
static sprout_code add_evidence(sprout_report *r, struct entry *e, int side, double score,
				const sprout_json *meta, const sprout_text *txt, const char *reason,
				size_t rlen)
{
	struct evidence *ev = evidence_of(r, e);
	if (!ev)
		return SPROUT_ERR_NOMEM;
	if (!isnan(score)) {
		ev->bins[side][sim_bin(score)]++;
		ev->scored[side]++;
	}
	if (!txt || !txt->len)
		return SPROUT_OK;
	uint64_t h = example_hash(txt->s, txt->len);
	size_t n = ev->nex[side], at = n;
	if (n == EXAMPLES) {
		/* replace the example with the highest hash, when this one is lower */
		size_t hi = 0;
		for (size_t i = 1; i < n; i++)
			if (ev->ex[side][i].h > ev->ex[side][hi].h)
				hi = i;
		if (h >= ev->ex[side][hi].h)
			return SPROUT_OK;
		at = hi;
	} else {
		ev->nex[side]++;
	}
	struct example *x = &ev->ex[side][at];
	const sprout_json *par =
	    meta && meta->type == SPROUT_JSON_OBJECT ? sprout_json_get(meta, "parent") : NULL;
	x->h = h;
	x->score = score;
	x->text = sprout_arena_strndup(r->a, txt->s, txt->len > 300 ? 300 : txt->len);
	x->parent = par && par->type == SPROUT_JSON_STRING
			? sprout_arena_strndup(r->a, par->u.s, par->len)
			: NULL;
	x->reason = reason ? sprout_arena_strndup(r->a, reason, rlen) : NULL;
	return x->text ? SPROUT_OK : SPROUT_ERR_NOMEM;
}

static double similarity_of(const sprout_json *meta)
{
	const sprout_json *sc =
	    meta && meta->type == SPROUT_JSON_OBJECT ? sprout_json_get(meta, "scores") : NULL;
	const sprout_json *sim =
	    sc && sc->type == SPROUT_JSON_OBJECT ? sprout_json_get(sc, "similarity") : NULL;
	double v = sim && sim->type == SPROUT_JSON_NUMBER ? sprout_json_number(sim) : NAN;
	return isfinite(v) ? v : NAN;
}

sprout_code sprout_report_add(sprout_report *r, const sprout_record *rec, sprout_error *err)
{
	const sprout_json *meta = rec->obj ? sprout_json_get(rec->obj, SPROUT_META_KEY) : NULL;
	const char *method;
	size_t mlen;
	int real;
	classify(meta, &method, &mlen, &real);
	int g = real ? 0 : 1;
	r->records++;
	if (real)
		r->real++;
	else
		r->synthetic++;
	struct entry *e = table_get(&r->methods, r->a, method, mlen);
	if (!e)
		return nomem(err);
	e->c[0]++;
	sprout_text prompt;
	if (!real &&
	    add_evidence(r, e, 0, similarity_of(meta), meta,
			 sprout_record_get(rec, SPROUT_SLOT_PROMPT, &prompt) ? &prompt : NULL, NULL,
			 0))
		return nomem(err);
	if (real && meta && meta->type == SPROUT_JSON_OBJECT) {
		/* a seed: its prompt shows next to its variants' examples */
		const sprout_json *id = sprout_json_get(meta, "id");
		sprout_text pt;
		if (id && id->type == SPROUT_JSON_STRING &&
		    sprout_record_get(rec, SPROUT_SLOT_PROMPT, &pt)) {
			struct entry *se = table_get(&r->seeds, r->a, id->u.s, id->len);
			if (!se)
				return nomem(err);
			if (!se->val && !(se->val = sprout_arena_strndup(
					      r->a, pt.s, pt.len > 300 ? 300 : pt.len)))
				return nomem(err);
		}
	}
	if (meta && meta->type == SPROUT_JSON_OBJECT) {
		double v = similarity_of(meta);
		if (!isnan(v)) {
			r->sim_bins[sim_bin(v)]++;
			r->sim_n++;
			r->sim_sum += v;
		}
		const sprout_json *rv = sprout_json_get(meta, "review");
		if (rv && rv->type == SPROUT_JSON_ARRAY) {
			for (size_t i = 0; i < rv->len; i++) {
				const sprout_json *it = rv->u.items[i];
				const sprout_json *d = it->type == SPROUT_JSON_OBJECT
							   ? sprout_json_get(it, "decision")
							   : NULL;
				const char *ds = "(none)";
				size_t dl = 6;
				if (d && d->type == SPROUT_JSON_STRING) {
					ds = d->u.s;
					dl = d->len;
				}
				if (!(e = table_get(&r->review, r->a, ds, dl)))
					return nomem(err);
				e->c[0]++;
			}
		}
	}
	sprout_text t;
	if (sprout_record_get(rec, SPROUT_SLOT_LABEL, &t)) {
		if (!(e = table_get(&r->labels, r->a, t.s, t.len)))
			return nomem(err);
		e->c[0] += real;
		e->c[1]++;
	}
	add_pii(r, rec);
	for (int i = 0; i < SPROUT_REPORT_NSLOTS; i++)
		if (sprout_record_get(rec, compared_slots[i], &t) &&
		    add_text(r, &r->slots[i], g, t.s, t.len))
			return nomem(err);
	return SPROUT_OK;
}

sprout_code sprout_report_add_reject(sprout_report *r, const sprout_json *line, sprout_error *err)
{
	if (!line || line->type != SPROUT_JSON_OBJECT)
		return sprout_error_set(err, SPROUT_ERR_RECORD, "a rejects line must be an object");
	r->rejected++;
	const sprout_json *check = sprout_json_get(line, "check");
	const sprout_json *stage = sprout_json_get(line, "stage");
	const sprout_json *error = sprout_json_get(line, "error");
	sprout_buf *k = &r->pair;
	sprout_buf_clear(k);
	sprout_code rc;
	if (check && check->type == SPROUT_JSON_STRING) {
		rc = sprout_buf_add(k, check->u.s, check->len);
	} else {
		int has_stage = stage && stage->type == SPROUT_JSON_STRING;
		rc = sprout_buf_add(k, has_stage ? stage->u.s : "unknown",
				    has_stage ? stage->len : 7);
		if (!rc && error && error->type == SPROUT_JSON_STRING)
			rc = sprout_buf_addc(k, ':') || sprout_buf_add(k, error->u.s, error->len);
	}
	if (rc)
		return nomem(err);
	struct entry *e = table_get(&r->checks, r->a, k->data, k->len);
	if (!e)
		return nomem(err);
	e->c[0]++;
	const sprout_json *rec = sprout_json_get(line, "record");
	const char *method = "unknown";
	size_t mlen = 7;
	if (rec && rec->type == SPROUT_JSON_OBJECT) {
		int real;
		classify(sprout_json_get(rec, SPROUT_META_KEY), &method, &mlen, &real);
	}
	if (!(e = table_get(&r->methods, r->a, method, mlen)))
		return nomem(err);
	e->c[1]++;
	if (rec && rec->type == SPROUT_JSON_OBJECT) {
		const sprout_json *sc = sprout_json_get(line, "score");
		const sprout_json *why = sprout_json_get(line, "reason");
		double v = check && sprout_json_is(check, "similarity") && sc &&
				   sc->type == SPROUT_JSON_NUMBER
			       ? sprout_json_number(sc)
			       : NAN;
		int has_why = why && why->type == SPROUT_JSON_STRING;
		/* the rejected record in whatever format it was in */
		sprout_format fmt;
		sprout_record rr = {(sprout_json *)rec, &fmt, NULL, NULL, 0};
		sprout_text prompt;
		int has_prompt = !sprout_format_detect(rec, &fmt, NULL, 0, NULL) &&
				 sprout_record_get(&rr, SPROUT_SLOT_PROMPT, &prompt);
		if (add_evidence(r, e, 1, v, sprout_json_get(rec, SPROUT_META_KEY),
				 has_prompt ? &prompt : NULL, has_why ? why->u.s : NULL,
				 has_why ? why->len : 0))
			return nomem(err);
	}
	return SPROUT_OK;
}

static int stage_count(const sprout_json *st, const char *key, long long *out)
{
	const sprout_json *v = sprout_json_get(st, key);
	*out = -1;
	if (!v || v->type == SPROUT_JSON_NULL)
		return 0;
	if (v->type != SPROUT_JSON_NUMBER)
		return -1;
	double d = sprout_json_number(v);
	if (!(d >= 0) || d > 9e15 || d != floor(d))
		return -1;
	*out = (long long)d;
	return 0;
}

/* The models of the stages' ledgers ("ledger": {"models": [...]}, as
 * sprout run writes them); what is not in that shape is left out. */
static sprout_code read_costs(sprout_report *r, const sprout_json *stages, sprout_error *err)
{
	static const char *const keys[5] = {"requests", "input_tokens", "cached_input_tokens",
					    "output_tokens", "cache_hits"};
	size_t cap = 0;
	for (size_t i = 0; i < stages->len; i++) {
		const sprout_json *led = sprout_json_get(stages->u.items[i], "ledger");
		const sprout_json *ms = led ? sprout_json_get(led, "models") : NULL;
		for (size_t k = 0; ms && ms->type == SPROUT_JSON_ARRAY && k < ms->len; k++) {
			const sprout_json *m = ms->u.items[k];
			const sprout_json *model = sprout_json_get(m, "model");
			if (!model || model->type != SPROUT_JSON_STRING)
				continue;
			if (r->ncosts == cap) {
				size_t nc = cap ? cap * 2 : 8;
				struct cost_row *v = realloc(r->costs, nc * sizeof *v);
				if (!v)
					return nomem(err);
				r->costs = v;
				cap = nc;
			}
			struct cost_row *c = &r->costs[r->ncosts++];
			c->stage = r->stages[i].name;
			if (!(c->model = keep_str(r, model->u.s)))
				return nomem(err);
			for (int q = 0; q < 5; q++) {
				long long v = 0;
				c->n[q] = stage_count(m, keys[q], &v) || v < 0
					      ? 0
					      : (unsigned long long)v;
			}
			const sprout_json *usd = sprout_json_get(m, "cost_usd");
			c->usd =
			    usd && usd->type == SPROUT_JSON_NUMBER ? sprout_json_number(usd) : -1;
		}
	}
	return SPROUT_OK;
}

sprout_code sprout_report_set_manifest(sprout_report *r, const char *path, const char *href,
				       const sprout_json *manifest, sprout_error *err)
{
	if (!(r->manifest = keep_str(r, path ? path : "")) ||
	    !(r->manifest_href = keep_str(r, href   ? href
					     : path ? path
						    : "")))
		return nomem(err);
	free(r->stages);
	r->stages = NULL;
	r->nstages = 0;
	r->has_stages = 0;
	free(r->costs);
	r->costs = NULL;
	r->ncosts = 0;
	const sprout_json *st = manifest && manifest->type == SPROUT_JSON_OBJECT
				    ? sprout_json_get(manifest, "stages")
				    : NULL;
	if (!st || st->type != SPROUT_JSON_ARRAY)
		return SPROUT_OK;
	r->stages = calloc(st->len + 1, sizeof *r->stages);
	if (!r->stages)
		return nomem(err);
	static const char *const keys[3] = {"in", "out", "rejected"};
	for (size_t i = 0; i < st->len; i++) {
		const sprout_json *s = st->u.items[i];
		const sprout_json *name = NULL;
		if (s->type == SPROUT_JSON_OBJECT) {
			name = sprout_json_get(s, "stage");
			if (!name || name->type != SPROUT_JSON_STRING)
				name = sprout_json_get(s, "name");
		}
		if (!name || name->type != SPROUT_JSON_STRING)
			return sprout_error_set(
			    err, SPROUT_ERR_RECORD,
			    "manifest stage %zu: expected an object with a string "
			    "\"name\"",
			    i + 1);
		struct stage *d = &r->stages[i];
		d->len = name->len;
		if (!(d->name = sprout_arena_strndup(r->a, name->u.s, name->len)))
			return nomem(err);
		for (int k = 0; k < 3; k++)
			if (stage_count(s, keys[k], &d->n[k]))
				return sprout_error_set(err, SPROUT_ERR_RECORD,
							"manifest stage %zu: \"%s\" must be a "
							"non-negative whole number",
							i + 1, keys[k]);
	}
	r->nstages = st->len;
	r->has_stages = 1;
	return read_costs(r, st, err);
}

/* ---- the numbers ------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

double sprout_ks_statistic(double *a, size_t na, double *b, size_t nb)
{
	if (!na || !nb)
		return 0;
	qsort(a, na, sizeof *a, cmp_double);
	qsort(b, nb, sizeof *b, cmp_double);
	size_t i = 0, j = 0;
	double d = 0;
	while (i < na && j < nb) {
		double x = a[i] < b[j] ? a[i] : b[j];
		while (i < na && a[i] <= x)
			i++;
		while (j < nb && b[j] <= x)
			j++;
		double diff = fabs((double)i / (double)na - (double)j / (double)nb);
		if (diff > d)
			d = diff;
	}
	return d;
}

double sprout_log_odds_ratio(unsigned long cs, unsigned long ns, unsigned long cr, unsigned long nr,
			     unsigned long v)
{
	/* ps / (1 - ps) = (cs + 1) / (ns + v - cs - 1); a zero denominator
	 * (a single item that is the whole text) counts as 1 */
	double ds = (double)ns + (double)v - (double)cs - 1;
	double dr = (double)nr + (double)v - (double)cr - 1;
	if (ds < 1)
		ds = 1;
	if (dr < 1)
		dr = 1;
	return log(((double)cs + 1) / ds) - log(((double)cr + 1) / dr);
}

static int side_summary(const struct slot_acc *sa, int g, sprout_report_side *out)
{
	memset(out, 0, sizeof *out);
	const struct series *s = &sa->len[g];
	out->texts = sa->texts[g];
	if (s->n) {
		double sum;
		uint32_t *v = series_sorted(s, &sum);
		if (!v)
			return -1;
		out->words_min = v[0];
		out->words_max = v[s->n - 1];
		out->words_median = v[(s->n + 1) / 2 - 1]; /* nearest rank */
		out->words_mean = sum / (double)s->n;
		free(v);
	}
	out->tokens = sa->tokens[g];
	out->bigrams = sa->bigrams[g];
	for (size_t i = 0; i < sa->uni.n; i++)
		out->vocabulary += sa->uni.v[i].c[g] != 0;
	for (size_t i = 0; i < sa->bi.n; i++)
		out->distinct_bigrams += sa->bi.v[i].c[g] != 0;
	out->distinct_1 = out->tokens ? (double)out->vocabulary / (double)out->tokens : 0;
	out->distinct_2 = out->bigrams ? (double)out->distinct_bigrams / (double)out->bigrams : 0;
	return 0;
}

static double *to_doubles(const struct series *s)
{
	double *v = malloc((s->n + 1) * sizeof *v);
	if (v)
		for (size_t i = 0; i < s->n; i++)
			v[i] = s->v[i];
	return v;
}

sprout_code sprout_report_summarize(sprout_report *r, sprout_report_summary *out, sprout_error *err)
{
	memset(out, 0, sizeof *out);
	out->records = r->records;
	out->real = r->real;
	out->synthetic = r->synthetic;
	out->rejected = r->rejected;
	for (int i = 0; i < SPROUT_REPORT_NSLOTS; i++) {
		const struct slot_acc *sa = &r->slots[i];
		sprout_report_slot *so = &out->slots[i];
		so->slot = compared_slots[i];
		so->present = sa->texts[0] + sa->texts[1] > 0;
		if (side_summary(sa, 0, &so->real) || side_summary(sa, 1, &so->synthetic))
			return nomem(err);
		so->compared = sa->texts[0] && sa->texts[1];
		if (!so->compared)
			continue;
		double *x = to_doubles(&sa->len[0]), *y = to_doubles(&sa->len[1]);
		if (!x || !y) {
			free(x);
			free(y);
			return nomem(err);
		}
		so->ks = sprout_ks_statistic(x, sa->len[0].n, y, sa->len[1].n);
		free(x);
		free(y);
		unsigned long both = 0, either = 0;
		for (size_t k = 0; k < sa->uni.n; k++) {
			const struct entry *e = &sa->uni.v[k];
			int in_r = e->c[0] >= 2, in_s = e->c[1] >= 2;
			both += in_r && in_s;
			either += in_r || in_s;
		}
		so->vocab_shift = either ? 1.0 - (double)both / (double)either : 0;
		so->ks_drift = so->ks > r->o.drift_ks;
		so->vocab_drift = so->vocab_shift > r->o.drift_vocab;
		if (so->ks_drift || so->vocab_drift)
			out->drift = 1;
	}
	return SPROUT_OK;
}

/* 1 when term x ranks before y */
static int term_before(const sprout_report_term *x, const sprout_report_term *y)
{
	if (x->log_odds != y->log_odds)
		return x->log_odds > y->log_odds;
	if (x->synthetic != y->synthetic)
		return x->synthetic > y->synthetic;
	return strcmp(x->text, y->text) < 0;
}

size_t sprout_report_over(sprout_report *r, sprout_slot slot, int order, sprout_report_term *out,
			  size_t max)
{
	int si = -1;
	for (int i = 0; i < SPROUT_REPORT_NSLOTS; i++)
		if (compared_slots[i] == slot)
			si = i;
	if (si < 0 || (order != 1 && order != 2) || !max)
		return 0;
	const struct slot_acc *sa = &r->slots[si];
	if (!sa->texts[0] || !sa->texts[1])
		return 0;
	const struct table *t = order == 1 ? &sa->uni : &sa->bi;
	unsigned long ns = order == 1 ? sa->tokens[1] : sa->bigrams[1];
	unsigned long nr = order == 1 ? sa->tokens[0] : sa->bigrams[0];
	size_t n = 0;
	for (size_t i = 0; i < t->n; i++) {
		const struct entry *e = &t->v[i];
		if (e->c[1] < MIN_TERM_COUNT)
			continue;
		sprout_report_term c = {e->s, e->c[1], e->c[0],
					sprout_log_odds_ratio(e->c[1], ns, e->c[0], nr, t->n)};
		if (!(c.log_odds > 0))
			continue;
		/* insertion into the sorted top list */
		size_t at = n;
		while (at > 0 && term_before(&c, &out[at - 1]))
			at--;
		if (at >= max)
			continue;
		size_t last = n < max ? n : max - 1;
		memmove(&out[at + 1], &out[at], (last - at) * sizeof *out);
		out[at] = c;
		if (n < max)
			n++;
	}
	return n;
}

/* ---- output helpers ---------------------------------------------------- */

/* Appends with a sticky error, so rendering code reads straight. */
struct out {
	sprout_buf *b;
	sprout_code rc;
};

static void put(struct out *o, const char *s)
{
	if (!o->rc)
		o->rc = sprout_buf_adds(o->b, s);
}

static void putn(struct out *o, const char *s, size_t n)
{
	if (!o->rc)
		o->rc = sprout_buf_add(o->b, s, n);
}

static void putf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct out *o, const char *fmt, ...)
{
	if (o->rc)
		return;
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0) {
		o->rc = SPROUT_ERR_USAGE;
		return;
	}
	if ((size_t)n < sizeof tmp) {
		o->rc = sprout_buf_add(o->b, tmp, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big) {
		o->rc = SPROUT_ERR_NOMEM;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	o->rc = sprout_buf_add(o->b, big, (size_t)n);
	free(big);
}

sprout_code sprout_html_escape(sprout_buf *b, const char *s, size_t n)
{
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		const char *rep = NULL;
		switch (s[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		case '\0': rep = "&#xFFFD;"; break;
		default: continue;
		}
		sprout_code rc = sprout_buf_add(b, s + start, i - start);
		if (!rc)
			rc = sprout_buf_adds(b, rep);
		if (rc)
			return rc;
		start = i + 1;
	}
	return sprout_buf_add(b, s + start, n - start);
}

static void esc(struct out *o, const char *s, size_t n)
{
	if (!o->rc)
		o->rc = sprout_html_escape(o->b, s, n);
}

static void escs(struct out *o, const char *s)
{
	esc(o, s, strlen(s));
}

static sprout_code finish(struct out *o, sprout_error *err)
{
	if (!o->rc)
		return SPROUT_OK;
	if (o->rc == SPROUT_ERR_TOO_LONG)
		return sprout_error_set(err, o->rc, "report too large for the output buffer");
	return nomem(err);
}

/* Length histogram geometry shared by JSON and HTML: bin width 1, 2, 5,
 * 10, 20, 50, ... so that there are at most MAX_LEN_BINS bins. */
static void len_bins(const struct slot_acc *sa, unsigned long *width, size_t *nbins)
{
	uint32_t mx = 0;
	for (int g = 0; g < 2; g++)
		for (size_t i = 0; i < sa->len[g].n; i++)
			if (sa->len[g].v[i] > mx)
				mx = sa->len[g].v[i];
	unsigned long w = 1;
	static const unsigned long steps[3] = {1, 2, 5};
	for (unsigned long mag = 1;; mag *= 10) {
		int found = 0;
		for (int k = 0; k < 3; k++) {
			w = steps[k] * mag;
			if (mx / w + 1 <= MAX_LEN_BINS) {
				found = 1;
				break;
			}
		}
		if (found)
			break;
	}
	*width = w;
	*nbins = mx / w + 1;
}

static void len_hist(const struct series *s, unsigned long width, size_t nbins, unsigned long *out)
{
	memset(out, 0, nbins * sizeof *out);
	for (size_t i = 0; i < s->n; i++) {
		size_t b = s->v[i] / width;
		out[b < nbins ? b : nbins - 1]++;
	}
}

/* Everything the renderers share, computed once per rendering. */
struct view {
	sprout_report_summary sum;
	const struct entry **methods, **checks, **labels, **review, **rej_methods;
	sprout_report_term terms[SPROUT_REPORT_NSLOTS][2][TOP_TERMS];
	size_t nterms[SPROUT_REPORT_NSLOTS][2];
};

static void view_free(struct view *v)
{
	free(v->methods);
	free(v->checks);
	free(v->labels);
	free(v->review);
	free(v->rej_methods);
}

/* methods: records descending, then rejected, then name */
static int cmp_method(const void *a, const void *b)
{
	return cmp_c0(a, b);
}

static sprout_code view_make(sprout_report *r, struct view *v, sprout_error *err)
{
	memset(v, 0, sizeof *v);
	sprout_code rc = sprout_report_summarize(r, &v->sum, err);
	if (rc)
		return rc;
	v->methods = table_sorted(&r->methods, cmp_method);
	v->rej_methods = table_sorted(&r->methods, cmp_c1);
	v->checks = table_sorted(&r->checks, cmp_c0);
	v->labels = table_sorted(&r->labels, cmp_c1);
	v->review = table_sorted(&r->review, cmp_c0);
	if (!v->methods || !v->rej_methods || !v->checks || !v->labels || !v->review) {
		view_free(v);
		return nomem(err);
	}
	for (int i = 0; i < SPROUT_REPORT_NSLOTS; i++)
		for (int k = 0; k < 2; k++)
			v->nterms[i][k] = sprout_report_over(r, compared_slots[i], k + 1,
							     v->terms[i][k], TOP_TERMS);
	return SPROUT_OK;
}

/* ---- JSON -------------------------------------------------------------- */

/* A statistic in JSON: 4 decimals, null when not finite. */
static void jnum(sprout_jw *w, double x)
{
	sprout_jw_fixed(w, x, 4);
}

static void json_side(sprout_jw *w, const char *key, const sprout_report_side *s)
{
	sprout_jw_kobject(w, key);
	sprout_jw_kuint(w, "texts", s->texts);
	sprout_jw_kobject(w, "words");
	sprout_jw_kuint(w, "min", s->words_min);
	sprout_jw_kuint(w, "median", s->words_median);
	sprout_jw_key(w, "mean");
	jnum(w, s->words_mean);
	sprout_jw_kuint(w, "max", s->words_max);
	sprout_jw_end(w);
	sprout_jw_kuint(w, "tokens", s->tokens);
	sprout_jw_kuint(w, "vocabulary", s->vocabulary);
	sprout_jw_kuint(w, "bigrams", s->bigrams);
	sprout_jw_kuint(w, "distinct_bigrams", s->distinct_bigrams);
	sprout_jw_key(w, "distinct_1");
	jnum(w, s->distinct_1);
	sprout_jw_key(w, "distinct_2");
	jnum(w, s->distinct_2);
	sprout_jw_end(w);
}

static void json_counts(sprout_jw *w, const char *key, const unsigned long *v, size_t n)
{
	sprout_jw_karray(w, key);
	for (size_t i = 0; i < n; i++)
		sprout_jw_uint(w, v[i]);
	sprout_jw_end(w);
}

static void json_terms(sprout_jw *w, const char *key, const sprout_report_term *t, size_t n)
{
	sprout_jw_karray(w, key);
	for (size_t i = 0; i < n; i++) {
		sprout_jw_object(w);
		sprout_jw_kstring(w, "text", t[i].text);
		sprout_jw_kuint(w, "synthetic", t[i].synthetic);
		sprout_jw_kuint(w, "real", t[i].real);
		sprout_jw_key(w, "log_odds");
		jnum(w, t[i].log_odds);
		sprout_jw_end(w);
	}
	sprout_jw_end(w);
}

static void json_drift(sprout_jw *w, const sprout_report *r, const sprout_report_summary *s)
{
	sprout_jw_kobject(w, "drift");
	sprout_jw_kbool(w, "alarm", s->drift);
	sprout_jw_key(w, "ks_threshold");
	jnum(w, r->o.drift_ks);
	sprout_jw_key(w, "vocab_threshold");
	jnum(w, r->o.drift_vocab);
	sprout_jw_karray(w, "checks");
	for (int i = 0; i < SPROUT_REPORT_NSLOTS; i++) {
		const sprout_report_slot *so = &s->slots[i];
		if (!so->compared)
			continue;
		for (int k = 0; k < 2; k++) {
			sprout_jw_object(w);
			sprout_jw_kstring(w, "slot", sprout_slot_name(so->slot));
			sprout_jw_kstring(w, "measure", k ? "vocab_shift" : "length_ks");
			sprout_jw_key(w, "value");
			jnum(w, k ? so->vocab_shift : so->ks);
			sprout_jw_key(w, "threshold");
			jnum(w, k ? r->o.drift_vocab : r->o.drift_ks);
			sprout_jw_kbool(w, "drift", k ? so->vocab_drift : so->ks_drift);
			sprout_jw_end(w);
		}
	}
	sprout_jw_end(w);
	sprout_jw_end(w);
}

static void json_table(sprout_jw *w, const char *key, const struct entry **v, size_t n, int k)
{
	sprout_jw_kobject(w, key);
	for (size_t i = 0; i < n; i++) {
		if (!v[i]->c[k])
			continue;
		sprout_jw_keyn(w, v[i]->s, v[i]->len);
		sprout_jw_uint(w, v[i]->c[k]);
	}
	sprout_jw_end(w);
}

/* key: [{name: the entry, counts[0]: its first count, counts[1]: its second}] */
static void json_entries(sprout_jw *w, const char *key, const char *name, const struct entry **v,
			 size_t n, const char *const counts[2])
{
	sprout_jw_karray(w, key);
	for (size_t i = 0; i < n; i++) {
		sprout_jw_object(w);
		sprout_jw_key(w, name);
		sprout_jw_stringn(w, v[i]->s, v[i]->len);
		sprout_jw_kuint(w, counts[0], v[i]->c[0]);
		sprout_jw_kuint(w, counts[1], v[i]->c[1]);
		sprout_jw_end(w);
	}
	sprout_jw_end(w);
}

static void json_evidence(sprout_jw *w, const sprout_report *r, const struct view *v);
static void put_count(struct out *o, unsigned long long v);

/* The total of the cost rows: 1 when every row that sent requests has a
 * price. */
static int costs_total(const sprout_report *r, double *usd)
{
	int known = 1;
	*usd = 0;
	for (size_t i = 0; i < r->ncosts; i++) {
		if (r->costs[i].usd >= 0)
			*usd += r->costs[i].usd;
		else if (r->costs[i].n[0])
			known = 0;
	}
	return known;
}

/* "cost":[{stage, model, counts, cost_usd}],"cost_usd":TOTAL when the
 * manifest's stages have ledgers. */
static void json_costs(sprout_jw *w, const sprout_report *r)
{
	static const char *const keys[5] = {"requests", "input_tokens", "cached_input_tokens",
					    "output_tokens", "cache_hits"};
	if (!r->ncosts)
		return;
	sprout_jw_karray(w, "cost");
	for (size_t i = 0; i < r->ncosts; i++) {
		const struct cost_row *c = &r->costs[i];
		sprout_jw_object(w);
		sprout_jw_kstring(w, "stage", c->stage);
		sprout_jw_kstring(w, "model", c->model);
		for (int k = 0; k < 5; k++)
			sprout_jw_kuint(w, keys[k], c->n[k]);
		sprout_jw_key(w, "cost_usd");
		sprout_jw_sig(w, c->usd >= 0 ? c->usd : NAN, 10);
		sprout_jw_end(w);
	}
	sprout_jw_end(w);
	double usd;
	sprout_jw_key(w, "cost_usd");
	sprout_jw_sig(w, costs_total(r, &usd) ? usd : NAN, 10);
}

/* What the model requests cost, stage by stage and model by model. */
static void html_costs(struct out *o, const sprout_report *r)
{
	if (!r->ncosts)
		return;
	put(o, "<h3>Model requests and cost</h3>\n<table>\n<tr><th>stage</th><th>model</th>"
	       "<th class=\"r\">requests</th><th class=\"r\">input tokens</th>"
	       "<th class=\"r\">output tokens</th><th class=\"r\">from the cache</th>"
	       "<th class=\"r\">cost</th></tr>\n");
	for (size_t i = 0; i < r->ncosts; i++) {
		const struct cost_row *c = &r->costs[i];
		put(o, "<tr><td>");
		escs(o, c->stage);
		put(o, "</td><td>");
		escs(o, c->model);
		put(o, "</td>");
		static const int cols[4] = {0, 1, 3, 4};
		for (int k = 0; k < 4; k++) {
			put(o, "<td class=\"r\">");
			put_count(o, c->n[cols[k]]);
			put(o, "</td>");
		}
		if (c->usd >= 0)
			putf(o, "<td class=\"r\">$%.4f</td></tr>\n", c->usd);
		else
			put(o, "<td class=\"r\">no price</td></tr>\n");
	}
	double usd;
	int known = costs_total(r, &usd);
	putf(o, "<tr><td colspan=\"6\"><b>total</b></td><td class=\"r\"><b>%s$%.4f</b></td></tr>\n",
	     known ? "" : "at least ", usd);
	put(o, "</table>\n<p class=\"note\">Answers from the cache cost nothing. Prices from "
	       "sprout's table or the run's price file: check your provider.</p>\n");
}

sprout_code sprout_report_json(sprout_report *r, sprout_buf *b, sprout_error *err)
{
	struct view v;
	sprout_code rc = view_make(r, &v, err);
	if (rc)
		return rc;
	sprout_jw jw, *w = &jw;
	sprout_jw_init(w, b);
	const sprout_report_summary *s = &v.sum;
	sprout_jw_object(w);
	sprout_jw_kstring(w, "title", r->o.title ? r->o.title : "sprout report");
	sprout_jw_kstring(w, "generated_at", r->o.generated_at);
	sprout_jw_kuint(w, "records", s->records);
	sprout_jw_kuint(w, "real", s->real);
	sprout_jw_kuint(w, "synthetic", s->synthetic);
	sprout_jw_kuint(w, "rejected", s->rejected);
	json_drift(w, r, s);
	sprout_jw_karray(w, "inputs");
	for (size_t i = 0; i < r->ninputs; i++) {
		sprout_jw_object(w);
		sprout_jw_kstring(w, "file", r->inputs[i].file);
		sprout_jw_kstring(w, "format", r->inputs[i].format);
		sprout_jw_end(w);
	}
	sprout_jw_end(w);
	sprout_jw_karray(w, "rejects_files");
	for (size_t i = 0; i < r->nrejfiles; i++)
		sprout_jw_string(w, r->rejfiles[i]);
	sprout_jw_end(w);
	sprout_jw_key(w, "manifest");
	if (!r->manifest) {
		sprout_jw_null(w);
	} else {
		sprout_jw_object(w);
		sprout_jw_kstring(w, "path", r->manifest);
		sprout_jw_key(w, "stages");
		if (!r->has_stages) {
			sprout_jw_null(w);
		} else {
			sprout_jw_array(w);
			for (size_t i = 0; i < r->nstages; i++) {
				const struct stage *st = &r->stages[i];
				sprout_jw_object(w);
				sprout_jw_key(w, "name");
				sprout_jw_stringn(w, st->name, st->len);
				static const char *const keys[3] = {"in", "out", "rejected"};
				for (int k = 0; k < 3; k++) {
					sprout_jw_key(w, keys[k]);
					if (st->n[k] >= 0)
						sprout_jw_int(w, st->n[k]);
					else
						sprout_jw_null(w);
				}
				sprout_jw_end(w);
			}
			sprout_jw_end(w);
		}
		json_costs(w, r);
		sprout_jw_end(w);
	}
	static const char *const method_counts[2] = {"records", "rejected"};
	json_entries(w, "methods", "method", v.methods, r->methods.n, method_counts);
	json_evidence(w, r, &v);
	sprout_jw_kobject(w, "rejections");
	json_table(w, "by_check", v.checks, r->checks.n, 0);
	json_table(w, "by_method", v.rej_methods, r->methods.n, 1);
	sprout_jw_end(w);
	sprout_jw_kobject(w, "similarity");
	sprout_jw_kuint(w, "scored", r->sim_n);
	sprout_jw_key(w, "mean");
	jnum(w, r->sim_n ? r->sim_sum / (double)r->sim_n : NAN);
	json_counts(w, "bins", r->sim_bins, SIM_BINS);
	sprout_jw_end(w);
	sprout_jw_kobject(w, "slots");
	for (int i = 0; i < SPROUT_REPORT_NSLOTS; i++) {
		const sprout_report_slot *so = &s->slots[i];
		const struct slot_acc *sa = &r->slots[i];
		if (!so->present)
			continue;
		sprout_jw_kobject(w, sprout_slot_name(so->slot));
		json_side(w, "real", &so->real);
		json_side(w, "synthetic", &so->synthetic);
		unsigned long width;
		size_t nb;
		unsigned long h[MAX_LEN_BINS + 1];
		len_bins(sa, &width, &nb);
		sprout_jw_kobject(w, "length_histogram");
		sprout_jw_kuint(w, "bin_width", width);
		len_hist(&sa->len[0], width, nb, h);
		json_counts(w, "real", h, nb);
		len_hist(&sa->len[1], width, nb, h);
		json_counts(w, "synthetic", h, nb);
		sprout_jw_end(w);
		sprout_jw_key(w, "ks");
		jnum(w, so->compared ? so->ks : NAN);
		sprout_jw_key(w, "vocab_shift");
		jnum(w, so->compared ? so->vocab_shift : NAN);
		sprout_jw_kobject(w, "over_represented");
		json_terms(w, "words", v.terms[i][0], v.nterms[i][0]);
		json_terms(w, "phrases", v.terms[i][1], v.nterms[i][1]);
		sprout_jw_end(w);
		sprout_jw_end(w);
	}
	sprout_jw_end(w);
	sprout_jw_kobject(w, "labels");
	sprout_jw_kuint(w, "distinct", r->labels.n);
	static const char *const label_counts[2] = {"real", "all"};
	json_entries(w, "counts", "label", v.labels, r->labels.n, label_counts);
	sprout_jw_end(w);
	sprout_jw_kobject(w, "pii");
	sprout_jw_kuint(w, "records", r->pii_records);
	sprout_jw_kobject(w, "by_kind");
	for (int k = 0; k < SPROUT_PII__COUNT; k++)
		sprout_jw_kuint(w, sprout_pii_name((sprout_pii_kind)k), r->pii[k]);
	sprout_jw_end(w);
	sprout_jw_end(w);
	json_table(w, "review", v.review, r->review.n, 0);
	sprout_jw_end(w);
	view_free(&v);
	struct out o = {b, sprout_jw_finish(w)};
	put(&o, "\n");
	return finish(&o, err);
}

/* ---- HTML -------------------------------------------------------------- */

#define C_REAL	  "#4e79a7"
#define C_SYNTH	  "#f28e2b"
#define C_ALL	  "#76b7b2"
#define C_REJ	  "#e15759"
#define C_KEPT	  "#59a14f"
#define C_SIM	  "#af7aa1"
#define C_NEUTRAL "#8d9db6"

static const char css[] =
    ":root{--ink:#1f2933;--muted:#616e7c;--line:#e4e7eb;--bg:#f3f5f8}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;font:14px/1.45 system-ui,-apple-system,\"Segoe UI\",Roboto,"
    "\"DejaVu Sans\",sans-serif;color:var(--ink);background:var(--bg)}\n"
    "header{background:#fff;border-bottom:1px solid var(--line);padding:18px 28px 16px}\n"
    "h1{margin:0 0 2px;font-size:22px}\n"
    "h2{font-size:16px;margin:0 0 10px}\n"
    "h3{font-size:13px;margin:12px 0 4px;color:var(--muted)}\n"
    ".meta{color:var(--muted);margin:0 0 14px;font-size:13px}\n"
    ".meta b{color:var(--ink);font-weight:600}\n"
    ".tiles{display:flex;flex-wrap:wrap;gap:10px;margin:0 0 14px}\n"
    ".tile{background:var(--bg);border-radius:6px;padding:8px 16px 8px 12px;min-width:120px;"
    "border-left:5px solid " C_NEUTRAL "}\n"
    ".tile .n{font-size:24px;font-weight:700;line-height:1.2}\n"
    ".tile .l{color:var(--muted);font-size:12px}\n"
    ".tile.real{border-color:" C_REAL "}.tile.synth{border-color:" C_SYNTH "}"
    ".tile.rej{border-color:" C_REJ "}\n"
    ".banner{border-radius:6px;padding:10px 16px;font-size:15px}\n"
    ".banner ul{margin:4px 0 0;padding-left:20px}\n"
    ".banner.alarm{background:#fde8e8;border:2px solid " C_REJ ";color:#7f1d1d}\n"
    ".banner.ok{background:#e7f5ea;border:2px solid " C_KEPT ";color:#1e4d2b}\n"
    ".banner.none{background:#eef1f5;border:2px solid #c5ccd6;color:var(--muted)}\n"
    "main{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:16px;"
    "padding:16px 28px}\n"
    "section{background:#fff;border:1px solid var(--line);border-radius:6px;padding:14px 18px;"
    "min-width:0}\n"
    "section.wide{grid-column:1/-1}\n"
    "table{border-collapse:collapse;font-size:13px;margin:4px 0}\n"
    "th,td{padding:3px 14px 3px 0;text-align:left;vertical-align:top}\n"
    "th{color:var(--muted);font-weight:600;border-bottom:1px solid var(--line)}\n"
    ".r{text-align:right;font-variant-numeric:tabular-nums}\n"
    ".note{color:var(--muted);font-size:12px;margin:6px 0 0}\n"
    ".bad{color:#b91c1c;font-weight:600}.good{color:#2f6b3a}\n"
    ".pair{display:flex;flex-wrap:wrap;gap:28px}\n"
    ".bar{display:inline-block;height:10px;background:" C_SYNTH ";border-radius:2px;"
    "vertical-align:middle}\n"
    "details{margin-top:8px}summary{cursor:pointer;color:var(--muted)}\n"
    "code{font-size:12px}\n"
    "svg{display:block;max-width:100%;height:auto;margin:4px 0}\n"
    "svg text{font-family:inherit;font-size:11px;fill:#3e4c59}\n"
    "svg .axis{stroke:#9aa5b1}svg .grid{stroke:#eceff3}\n"
    "footer{color:var(--muted);font-size:12px;padding:4px 28px 24px}\n";

/* Thousands with commas: 1,234,567 */
static void put_count(struct out *o, unsigned long long v)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof tmp, "%llu", v);
	for (int i = 0; i < n; i++) {
		putn(o, tmp + i, 1);
		if (i < n - 1 && (n - 1 - i) % 3 == 0)
			put(o, ",");
	}
}

static void put_pct(struct out *o, double part, double whole)
{
	if (whole > 0)
		putf(o, "%.1f%%", 100.0 * part / whole);
	else
		put(o, "&ndash;");
}

/* s[0..n) cut to at most max code points, an ellipsis marking a cut. */
static void esc_cut(struct out *o, const char *s, size_t n, size_t max)
{
	size_t i = 0, cps = 0;
	while (i < n && cps < max) {
		uint32_t cp;
		size_t k = sprout_utf8_decode((const unsigned char *)s + i, n - i, &cp);
		i += k ? k : 1;
		cps++;
	}
	esc(o, s, i);
	if (i < n)
		put(o, "&#8230;");
}

/* ---- charts ------------------------------------------------------------ */

static void legend(struct out *o, int x, int y, const char *const *names, const char *const *colors,
		   int n)
{
	for (int i = 0; i < n; i++) {
		putf(o, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" rx=\"2\" fill=\"%s\"/>",
		     x, y - 10, colors[i]);
		putf(o, "<text x=\"%d\" y=\"%d\">", x + 17, y);
		escs(o, names[i]);
		put(o, "</text>");
		x += 24 + 7 * (int)strlen(names[i]);
	}
}

/* A step of 1, 2 or 5 times a power of ten giving about 4 grid lines up
 * to at least max. */
static double nice_step(double max)
{
	if (!(max > 0))
		max = 1;
	double raw = max / 4;
	double mag = pow(10, floor(log10(raw)));
	double norm = raw / mag;
	return (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
}

struct columns {
	size_t n;
	const char *const *cats;	/* x labels, one per column */
	const double *v[2];		/* heights */
	const unsigned long *counts[2]; /* for the tooltips; may be NULL */
	int nser;
	const char *names[2], *colors[2];
	int percent; /* heights are shares: axis in % */
	int integer; /* heights are counts */
	const char *xtitle;
	int w, h; /* size in pixels; 0: 560 x 250 */
};

/* A vertical bar chart: one or two series side by side per column. */
static void columns_chart(struct out *o, const struct columns *c)
{
	const int W = c->w ? c->w : 560, H = c->h ? c->h : 250, ml = 48, mr = 10;
	const int mt = c->nser > 1 ? 28 : 12, mb = c->xtitle ? 42 : 24;
	const double pw = W - ml - mr, ph = H - mt - mb;
	double max = 0;
	for (int s = 0; s < c->nser; s++)
		for (size_t i = 0; i < c->n; i++)
			if (c->v[s][i] > max)
				max = c->v[s][i];
	double step = nice_step(max);
	if (c->integer && step < 1)
		step = 1;
	double top = ceil(max / step - 1e-9) * step;
	if (top <= 0)
		top = step;
	putf(o, "<svg width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">", W, H, W, H);
	if (c->nser > 1)
		legend(o, ml, 14, c->names, c->colors, c->nser);
	int nt = (int)floor(top / step + 0.5);
	for (int k = 0; k <= nt; k++) {
		double val = k * step;
		double y = mt + ph - val / top * ph;
		putf(o, "<line class=\"%s\" x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\"/>",
		     k ? "grid" : "axis", ml, W - mr, y, y);
		if (c->percent)
			putf(o, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.*f%%</text>",
			     ml - 6, y + 4, step * 100 < 1 ? 1 : 0, val * 100);
		else
			putf(o, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.*f</text>", ml - 6,
			     y + 4, step < 1 ? 2 : 0, val);
	}
	double gw = pw / (double)(c->n ? c->n : 1);
	double inner = gw * 0.8, bw = inner / c->nser;
	size_t every = c->n > 12 ? (c->n + 11) / 12 : 1;
	for (size_t i = 0; i < c->n; i++) {
		for (int s = 0; s < c->nser; s++) {
			double h = c->v[s][i] / top * ph;
			double x = ml + (double)i * gw + gw * 0.1 + s * bw;
			putf(o,
			     "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
			     "fill=\"%s\"><title>",
			     x, mt + ph - h, bw > 2 ? bw - 1 : bw, h, c->colors[s]);
			escs(o, c->cats[i]);
			if (c->names[s]) {
				put(o, " &#183; ");
				escs(o, c->names[s]);
			}
			put(o, ": ");
			if (c->counts[s])
				put_count(o, c->counts[s][i]);
			if (c->percent) {
				putf(o, "%s%.1f%%", c->counts[s] ? " (" : "", c->v[s][i] * 100);
				if (c->counts[s])
					put(o, ")");
			} else if (!c->counts[s]) {
				putf(o, "%.4g", c->v[s][i]);
			}
			put(o, "</title></rect>");
		}
		if (i % every == 0) {
			putf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
			     ml + ((double)i + 0.5) * gw, mt + ph + 15);
			escs(o, c->cats[i]);
			put(o, "</text>");
		}
	}
	if (c->xtitle) {
		putf(o, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#616e7c\">",
		     ml + pw / 2, H - 6);
		escs(o, c->xtitle);
		put(o, "</text>");
	}
	put(o, "</svg>\n");
}

struct hrow {
	const char *label;
	size_t len;
	double v[2];
	char note[96];
};

/* Horizontal bars: one series, two stacked (stacked = 1) or two side by
 * side; the note is written after the bar. */
static void hbars(struct out *o, const struct hrow *rows, size_t n, int nser, int stacked,
		  const char *const *names, const char *const *colors, double scale)
{
	const int W = 560, LW = 184, NW = 170;
	const double BW = W - LW - NW - 6;
	int grouped = nser > 1 && !stacked;
	int rh = grouped ? 26 : 22;
	int top = names ? 26 : 4;
	int H = top + (int)n * rh + 4;
	double max = 0;
	for (size_t i = 0; i < n; i++) {
		double m = stacked ? rows[i].v[0] + rows[i].v[1]
				   : (nser > 1 && rows[i].v[1] > rows[i].v[0] ? rows[i].v[1]
									      : rows[i].v[0]);
		if (m > max)
			max = m;
	}
	if (scale > max)
		max = scale;
	if (!(max > 0))
		max = 1;
	putf(o, "<svg width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">", W, H, W, H);
	if (names)
		legend(o, LW, 14, names, colors, nser);
	putf(o, "<line class=\"axis\" x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\"/>", LW, LW, top,
	     H - 4);
	for (size_t i = 0; i < n; i++) {
		const struct hrow *row = &rows[i];
		int y = top + (int)i * rh;
		putf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\"><title>", LW - 8,
		     y + rh / 2 + 4);
		esc(o, row->label, row->len);
		put(o, "</title>");
		esc_cut(o, row->label, row->len, 24);
		put(o, "</text>");
		double end = 0;
		if (grouped) {
			for (int s = 0; s < 2; s++) {
				double w = row->v[s] / max * BW;
				putf(o,
				     "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"10\" "
				     "fill=\"%s\"/>",
				     LW, y + 3 + s * 11, w, colors[s]);
				if (w > end)
					end = w;
			}
		} else {
			double x = LW;
			for (int s = 0; s < nser; s++) {
				double w = row->v[s] / max * BW;
				putf(o,
				     "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"14\" "
				     "fill=\"%s\"/>",
				     x, y + (rh - 14) / 2, w, colors[s]);
				x += w;
			}
			end = x - LW;
		}
		putf(o, "<text x=\"%.1f\" y=\"%d\">", LW + end + 6, y + rh / 2 + 4);
		escs(o, row->note);
		put(o, "</text>");
	}
	put(o, "</svg>\n");
}

/* ---- sections ---------------------------------------------------------- */

static void html_header(struct out *o, const sprout_report *r, const struct view *v)
{
	const sprout_report_summary *s = &v->sum;
	put(o, "<header>\n<h1>");
	escs(o, r->o.title ? r->o.title : "sprout report");
	put(o, "</h1>\n<p class=\"meta\">");
	if (r->ninputs) {
		put(o, "data: ");
		for (size_t i = 0; i < r->ninputs; i++) {
			put(o, i ? ", <b>" : "<b>");
			escs(o, r->inputs[i].file);
			put(o, "</b> (");
			escs(o, r->inputs[i].format);
			put(o, ")");
		}
	}
	if (r->nrejfiles) {
		put(o, " &#183; rejects: ");
		for (size_t i = 0; i < r->nrejfiles; i++) {
			put(o, i ? ", <b>" : "<b>");
			escs(o, r->rejfiles[i]);
			put(o, "</b>");
		}
	}
	if (r->manifest) {
		put(o, " &#183; manifest: <a href=\"");
		escs(o, r->manifest_href);
		put(o, "\">");
		escs(o, r->manifest);
		put(o, "</a>");
	}
	if (r->o.generated_at) {
		put(o, " &#183; generated ");
		escs(o, r->o.generated_at);
	}
	put(o, "</p>\n<div class=\"tiles\">\n");
	put(o, "<div class=\"tile\"><div class=\"n\">");
	put_count(o, s->records);
	put(o, "</div><div class=\"l\">records</div></div>\n");
	put(o, "<div class=\"tile real\"><div class=\"n\">");
	put_count(o, s->real);
	put(o, "</div><div class=\"l\">real (seeds)</div></div>\n");
	put(o, "<div class=\"tile synth\"><div class=\"n\">");
	put_count(o, s->synthetic);
	put(o, "</div><div class=\"l\">synthetic");
	if (s->real)
		putf(o, " &#183; %.1f&#215; real", (double)s->synthetic / (double)s->real);
	put(o, "</div></div>\n");
	if (r->nrejfiles) {
		put(o, "<div class=\"tile rej\"><div class=\"n\">");
		put_count(o, s->rejected);
		put(o, "</div><div class=\"l\">rejected &#183; ");
		put_pct(o, (double)s->rejected, (double)(s->records + s->rejected));
		put(o, " of judged</div></div>\n");
	}
	put(o, "<div class=\"tile\"><div class=\"n\">");
	put_count(o, r->methods.n);
	put(o, "</div><div class=\"l\">methods</div></div>\n");
	if (r->labels.n) {
		put(o, "<div class=\"tile\"><div class=\"n\">");
		put_count(o, r->labels.n);
		put(o, "</div><div class=\"l\">labels</div></div>\n");
	}
	put(o, "</div>\n");

	int compared = 0;
	for (int i = 0; i < SPROUT_REPORT_NSLOTS; i++)
		compared += s->slots[i].compared;
	if (!compared) {
		put(o, "<div class=\"banner none\"><b>Drift not measured:</b> the data needs both "
		       "real and synthetic records.</div>\n");
	} else if (s->drift) {
		put(o, "<div class=\"banner alarm\"><b>&#9888; Drift alarm:</b> the synthetic "
		       "text has moved away from the real text.<ul>\n");
		for (int i = 0; i < SPROUT_REPORT_NSLOTS; i++) {
			const sprout_report_slot *so = &s->slots[i];
			const char *slot = sprout_slot_name(so->slot);
			if (so->ks_drift)
				putf(o,
				     "<li>%s length: KS D = <b>%.3f</b>, above the limit %.2f "
				     "(median %lu words synthetic vs %lu real)</li>\n",
				     slot, so->ks, r->o.drift_ks, so->synthetic.words_median,
				     so->real.words_median);
			if (so->vocab_drift)
				putf(o,
				     "<li>%s vocabulary: shift = <b>%.3f</b>, above the limit %.2f "
				     "(only %.0f%% of the frequent words are shared)</li>\n",
				     slot, so->vocab_shift, r->o.drift_vocab,
				     (1 - so->vocab_shift) * 100);
		}
		put(o, "</ul></div>\n");
	} else {
		put(o, "<div class=\"banner ok\"><b>&#10003; No drift:</b> ");
		int first = 1;
		for (int i = 0; i < SPROUT_REPORT_NSLOTS; i++) {
			const sprout_report_slot *so = &s->slots[i];
			if (!so->compared)
				continue;
			putf(o,
			     "%s%s length KS D %.3f (limit %.2f), vocabulary shift %.3f (limit "
			     "%.2f)",
			     first ? "" : "; ", sprout_slot_name(so->slot), so->ks, r->o.drift_ks,
			     so->vocab_shift, r->o.drift_vocab);
			first = 0;
		}
		put(o, ".</div>\n");
	}
	put(o, "</header>\n");
}

static void html_pipeline(struct out *o, const sprout_report *r)
{
	if (!r->manifest)
		return;
	put(o, "<section class=\"wide\">\n<h2>Pipeline</h2>\n");
	if (!r->has_stages) {
		put(o, "<p>The run manifest is <a href=\"");
		escs(o, r->manifest_href);
		put(o, "\">");
		escs(o, r->manifest);
		put(o, "</a> (it lists no stages).</p>\n</section>\n");
		return;
	}
	struct hrow *rows = calloc(r->nstages + 1, sizeof *rows);
	if (!rows) {
		o->rc = SPROUT_ERR_NOMEM;
		return;
	}
	put(o, "<div class=\"pair\"><div>\n<table>\n<tr><th>stage</th><th class=\"r\">in</th>"
	       "<th class=\"r\">out</th><th class=\"r\">rejected</th></tr>\n");
	for (size_t i = 0; i < r->nstages; i++) {
		const struct stage *st = &r->stages[i];
		put(o, "<tr><td>");
		esc(o, st->name, st->len);
		put(o, "</td>");
		for (int k = 0; k < 3; k++) {
			put(o, "<td class=\"r\">");
			if (st->n[k] >= 0)
				put_count(o, (unsigned long long)st->n[k]);
			else
				put(o, "&ndash;");
			put(o, "</td>");
		}
		put(o, "</tr>\n");
		rows[i].label = st->name;
		rows[i].len = st->len;
		rows[i].v[0] = st->n[1] > 0 ? (double)st->n[1] : 0;
		rows[i].v[1] = st->n[2] > 0 ? (double)st->n[2] : 0;
		if (st->n[1] >= 0 && st->n[2] >= 0)
			snprintf(rows[i].note, sizeof rows[i].note, "%lld out, %lld rejected",
				 st->n[1], st->n[2]);
		else if (st->n[1] >= 0)
			snprintf(rows[i].note, sizeof rows[i].note, "%lld out", st->n[1]);
	}
	put(o, "</table>\n<p class=\"note\">From <a href=\"");
	escs(o, r->manifest_href);
	put(o, "\">");
	escs(o, r->manifest);
	put(o, "</a>.</p></div><div>\n");
	static const char *const names[2] = {"out", "rejected"};
	static const char *const colors[2] = {C_KEPT, C_REJ};
	hbars(o, rows, r->nstages, 2, 1, names, colors, 0);
	put(o, "</div></div>\n");
	html_costs(o, r);
	put(o, "</section>\n");
	free(rows);
}

static void html_methods(struct out *o, const sprout_report *r, const struct view *v)
{
	size_t n = r->methods.n;
	put(o, "<section>\n<h2>Records per method</h2>\n");
	if (!n) {
		put(o, "<p>No records.</p>\n</section>\n");
		return;
	}
	struct hrow *rows = calloc(n, sizeof *rows);
	if (!rows) {
		o->rc = SPROUT_ERR_NOMEM;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct entry *e = v->methods[i];
		rows[i].label = e->s;
		rows[i].len = e->len;
		rows[i].v[0] = (double)e->c[0];
		rows[i].v[1] = (double)e->c[1];
		if (r->nrejfiles && e->c[1])
			snprintf(rows[i].note, sizeof rows[i].note,
				 "%lu kept, %lu rejected (%.0f%%)", e->c[0], e->c[1],
				 100.0 * (double)e->c[0] / (double)(e->c[0] + e->c[1]));
		else
			snprintf(rows[i].note, sizeof rows[i].note, "%lu%s", e->c[0],
				 r->nrejfiles ? " kept" : "");
	}
	static const char *const names[2] = {"kept", "rejected"};
	static const char *const colors[2] = {C_KEPT, C_REJ};
	hbars(o, rows, n, r->nrejfiles ? 2 : 1, 1, r->nrejfiles ? names : NULL, colors, 0);
	free(rows);
	put(o, "<p class=\"note\">Method from <code>_sprout.method</code>; <i>seed</i> records "
	       "are the real ones.");
	if (!r->nrejfiles)
		put(o, " Give <code>--rejects FILE</code> to see what each method lost.");
	else
		put(o, " The percentage is the share of the method&#8217;s records that was kept.");
	put(o, "</p>\n</section>\n");
}

/* The score at quantile q of a histogram (the middle of its bin). */
static double bin_quantile(const unsigned long *bins, unsigned long n, double q)
{
	unsigned long want = (unsigned long)(q * (double)(n ? n - 1 : 0)), seen = 0;
	for (int i = 0; i < SIM_BINS; i++) {
		seen += bins[i];
		if (seen > want)
			return (i + 0.5) / SIM_BINS;
	}
	return 1.0;
}

static const char *seed_text(const sprout_report *r, const char *id)
{
	long long i = id ? sprout_dict_find(&r->seeds.d, id, strlen(id)) : -1;
	return i < 0 ? NULL : r->seeds.v[i].val;
}

static void html_example(struct out *o, const sprout_report *r, const struct example *x, int side)
{
	put(o, "<li>");
	const char *seed = seed_text(r, x->parent);
	if (seed) {
		put(o, "<span class=\"note\">");
		esc_cut(o, seed, strlen(seed), 160);
		put(o, "</span> &#8594; ");
	}
	put(o, "<b>");
	esc_cut(o, x->text, strlen(x->text), 200);
	put(o, "</b>");
	if (!isnan(x->score))
		putf(o, " <span class=\"note\">(%.2f)</span>", x->score);
	if (side && x->reason) {
		put(o, " <span class=\"note\">");
		esc_cut(o, x->reason, strlen(x->reason), 160);
		put(o, "</span>");
	}
	put(o, "</li>\n");
}

/* Per method: the similarity scores of what was kept and rejected, and a
 * few examples of each, so that a reader sees what the filter did. */
static void html_evidence(struct out *o, const sprout_report *r, const struct view *v)
{
	int any = 0;
	for (size_t i = 0; i < r->methods.n && !any; i++)
		any = v->methods[i]->ev != NULL;
	if (!any)
		return;
	put(o, "<section>\n<h2>What the checks did, method by method</h2>\n");
	put(o, "<p class=\"note\">For each method: the similarity to the parent of the variants "
	       "kept and of those the similarity check rejected (the quartiles, from "
	       "<code>_sprout.scores.similarity</code> and the rejects file), then a few "
	       "variants of each, with the seed they came from.</p>\n");
	for (size_t i = 0; i < r->methods.n; i++) {
		const struct entry *e = v->methods[i];
		const struct evidence *ev = e->ev;
		if (!ev)
			continue;
		put(o, "<h3>");
		esc(o, e->s, e->len);
		putf(o, "</h3>\n<p>%lu kept, %lu rejected.", e->c[0], e->c[1]);
		static const char *const side_name[2] = {"kept",
							 "rejected by the similarity check"};
		for (int side = 0; side < 2; side++) {
			unsigned long n = ev->scored[side];
			if (!n)
				continue;
			putf(o, " Scores of the %s (%lu): %.2f / %.2f / %.2f.", side_name[side], n,
			     bin_quantile(ev->bins[side], n, 0.25),
			     bin_quantile(ev->bins[side], n, 0.5),
			     bin_quantile(ev->bins[side], n, 0.75));
		}
		put(o, "</p>\n");
		for (int side = 0; side < 2; side++) {
			if (!ev->nex[side])
				continue;
			put(o, side ? "<p>Rejected, for example:</p>\n<ul>\n"
				    : "<p>Kept, for example:</p>\n<ul>\n");
			for (size_t k = 0; k < ev->nex[side]; k++)
				html_example(o, r, &ev->ex[side][k], side);
			put(o, "</ul>\n");
		}
	}
	put(o, "</section>\n");
}

static void json_evidence(sprout_jw *w, const sprout_report *r, const struct view *v)
{
	sprout_jw_karray(w, "evidence");
	for (size_t i = 0; i < r->methods.n; i++) {
		const struct entry *e = v->methods[i];
		const struct evidence *ev = e->ev;
		if (!ev)
			continue;
		sprout_jw_object(w);
		sprout_jw_key(w, "method");
		sprout_jw_stringn(w, e->s, e->len);
		for (int side = 0; side < 2; side++) {
			sprout_jw_kobject(w, side ? "rejected" : "kept");
			sprout_jw_kuint(w, "scored", ev->scored[side]);
			json_counts(w, "bins", ev->bins[side], SIM_BINS);
			sprout_jw_karray(w, "examples");
			for (size_t k = 0; k < ev->nex[side]; k++) {
				const struct example *x = &ev->ex[side][k];
				sprout_jw_object(w);
				sprout_jw_kstring(w, "text", x->text);
				const char *seed = seed_text(r, x->parent);
				if (seed)
					sprout_jw_kstring(w, "seed", seed);
				sprout_jw_key(w, "score");
				jnum(w, x->score);
				if (x->reason)
					sprout_jw_kstring(w, "reason", x->reason);
				sprout_jw_end(w);
			}
			sprout_jw_end(w);
			sprout_jw_end(w);
		}
		sprout_jw_end(w);
	}
	sprout_jw_end(w);
}

static void html_checks(struct out *o, const sprout_report *r, const struct view *v)
{
	put(o, "<section>\n<h2>Rejections by check</h2>\n");
	if (!r->nrejfiles) {
		put(o, "<p class=\"note\">No rejects file given (<code>--rejects FILE</code>, as "
		       "written by <code>sprout filter</code>).</p>\n</section>\n");
		return;
	}
	size_t n = r->checks.n;
	if (!n) {
		put(o, "<p class=\"good\">Nothing was rejected.</p>\n</section>\n");
		return;
	}
	struct hrow *rows = calloc(n, sizeof *rows);
	if (!rows) {
		o->rc = SPROUT_ERR_NOMEM;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct entry *e = v->checks[i];
		rows[i].label = e->s;
		rows[i].len = e->len;
		rows[i].v[0] = (double)e->c[0];
		snprintf(rows[i].note, sizeof rows[i].note, "%lu (%.1f%%)", e->c[0],
			 100.0 * (double)e->c[0] / (double)r->rejected);
	}
	static const char *const colors[1] = {C_REJ};
	hbars(o, rows, n, 1, 0, NULL, colors, 0);
	free(rows);
	put(o, "<p class=\"note\">");
	put_count(o, r->rejected);
	put(o, " rejected records; each counts under the first check it failed.</p>\n</section>\n");
}

static void html_similarity(struct out *o, const sprout_report *r)
{
	put(o, "<section>\n<h2>Similarity to the parent</h2>\n");
	if (!r->sim_n) {
		put(o, "<p class=\"note\">No record has a <code>_sprout.scores.similarity</code> "
		       "(<code>sprout filter</code> writes it).</p>\n</section>\n");
		return;
	}
	static const char *const cats[SIM_BINS] = {"0.0-0.1", "0.1-0.2", "0.2-0.3", "0.3-0.4",
						   "0.4-0.5", "0.5-0.6", "0.6-0.7", "0.7-0.8",
						   "0.8-0.9", "0.9-1.0"};
	double vals[SIM_BINS];
	for (int i = 0; i < SIM_BINS; i++)
		vals[i] = (double)r->sim_bins[i];
	struct columns c = {SIM_BINS,
			    cats,
			    {vals, NULL},
			    {r->sim_bins, NULL},
			    1,
			    {"records", NULL},
			    {C_SIM, NULL},
			    0,
			    1,
			    "similarity score"};
	columns_chart(o, &c);
	put(o, "<p class=\"note\">");
	put_count(o, r->sim_n);
	putf(o, " scored records, mean similarity %.3f.</p>\n</section>\n",
	     r->sim_sum / (double)r->sim_n);
}

static void put_side_row(struct out *o, const char *name, unsigned long a, unsigned long b)
{
	putf(o, "<tr><td>%s</td><td class=\"r\">", name);
	put_count(o, a);
	put(o, "</td><td class=\"r\">");
	put_count(o, b);
	put(o, "</td></tr>\n");
}

static void html_lengths(struct out *o, const sprout_report *r, const struct view *v, int i)
{
	const sprout_report_slot *so = &v->sum.slots[i];
	const struct slot_acc *sa = &r->slots[i];
	const char *slot = sprout_slot_name(so->slot);
	putf(o, "<section>\n<h2>Length of the %s (words)</h2>\n", slot);
	unsigned long width;
	size_t nb;
	len_bins(sa, &width, &nb);
	unsigned long h[2][MAX_LEN_BINS + 1];
	double share[2][MAX_LEN_BINS + 1];
	char catbuf[MAX_LEN_BINS + 1][24];
	const char *cats[MAX_LEN_BINS + 1];
	for (int g = 0; g < 2; g++) {
		len_hist(&sa->len[g], width, nb, h[g]);
		for (size_t b = 0; b < nb; b++)
			share[g][b] = sa->texts[g] ? (double)h[g][b] / (double)sa->texts[g] : 0;
	}
	for (size_t b = 0; b < nb; b++) {
		if (width == 1)
			snprintf(catbuf[b], sizeof catbuf[b], "%zu", b);
		else
			snprintf(catbuf[b], sizeof catbuf[b], "%lu-%lu", b * width,
				 (b + 1) * width - 1);
		cats[b] = catbuf[b];
	}
	char n0[48], n1[48];
	snprintf(n0, sizeof n0, "real (%lu)", so->real.texts);
	snprintf(n1, sizeof n1, "synthetic (%lu)", so->synthetic.texts);
	struct columns c = {
	    nb, cats, {share[0], share[1]},	    {h[0], h[1]}, 2, {n0, n1}, {C_REAL, C_SYNTH},
	    1,	0,    "words (share of each group)"};
	columns_chart(o, &c);
	put(o, "<table>\n<tr><th></th><th class=\"r\">min</th><th class=\"r\">median</th>"
	       "<th class=\"r\">mean</th><th class=\"r\">max</th></tr>\n");
	for (int g = 0; g < 2; g++) {
		const sprout_report_side *sd = g ? &so->synthetic : &so->real;
		if (!sd->texts) {
			putf(o, "<tr><td>%s</td><td colspan=\"4\">none</td></tr>\n",
			     g ? "synthetic" : "real");
			continue;
		}
		putf(o,
		     "<tr><td>%s</td><td class=\"r\">%lu</td><td class=\"r\">%lu</td>"
		     "<td class=\"r\">%.1f</td><td class=\"r\">%lu</td></tr>\n",
		     g ? "synthetic" : "real", sd->words_min, sd->words_median, sd->words_mean,
		     sd->words_max);
	}
	put(o, "</table>\n");
	if (so->compared)
		putf(o,
		     "<p class=\"note\">Kolmogorov-Smirnov D = <span class=\"%s\">%.3f</span> "
		     "(largest gap between the two cumulative distributions; alarm above "
		     "%.2f).</p>\n",
		     so->ks_drift ? "bad" : "good", so->ks, r->o.drift_ks);
	put(o, "</section>\n");
}

static void html_vocab(struct out *o, const sprout_report *r, const struct view *v)
{
	put(o, "<section>\n<h2>Vocabulary and diversity</h2>\n");
	for (int i = 0; i < SPROUT_REPORT_NSLOTS; i++) {
		const sprout_report_slot *so = &v->sum.slots[i];
		if (!so->present)
			continue;
		putf(o,
		     "<h3>%s</h3>\n<div class=\"pair\"><div>\n<table>\n<tr><th></th>"
		     "<th class=\"r\">real</th><th class=\"r\">synthetic</th></tr>\n",
		     sprout_slot_name(so->slot));
		put_side_row(o, "texts", so->real.texts, so->synthetic.texts);
		put_side_row(o, "words", so->real.tokens, so->synthetic.tokens);
		put_side_row(o, "vocabulary", so->real.vocabulary, so->synthetic.vocabulary);
		put_side_row(o, "bigrams", so->real.bigrams, so->synthetic.bigrams);
		putf(o,
		     "<tr><td>distinct-1</td><td class=\"r\">%.3f</td><td class=\"r\">%.3f</td>"
		     "</tr>\n<tr><td>distinct-2</td><td class=\"r\">%.3f</td><td class=\"r\">%.3f"
		     "</td></tr>\n",
		     so->real.distinct_1, so->synthetic.distinct_1, so->real.distinct_2,
		     so->synthetic.distinct_2);
		put(o, "</table>\n");
		if (so->compared)
			putf(o,
			     "<p class=\"note\">Vocabulary shift <span class=\"%s\">%.3f</span> "
			     "(alarm above %.2f).</p>\n",
			     so->vocab_drift ? "bad" : "good", so->vocab_shift, r->o.drift_vocab);
		put(o, "</div><div>\n");
		static const char *const cats[2] = {"distinct-1", "distinct-2"};
		double a[2] = {so->real.distinct_1, so->real.distinct_2};
		double b[2] = {so->synthetic.distinct_1, so->synthetic.distinct_2};
		struct columns c = {
		    2, cats, {a, b}, {NULL, NULL}, 2,  {"real", "synthetic"}, {C_REAL, C_SYNTH},
		    0, 0,    NULL,   260,	   180};
		columns_chart(o, &c);
		put(o, "</div></div>\n");
	}
	put(o, "<p class=\"note\">Words are lowercase letter tokens; distinct-n = distinct "
	       "n-grams / all n-grams. Vocabulary shift = 1 &#8722; Jaccard of the real and "
	       "synthetic vocabularies, each restricted to words seen at least twice.</p>\n"
	       "</section>\n");
}

static void term_table(struct out *o, const char *what, const sprout_report_term *t, size_t n)
{
	putf(o,
	     "<div>\n<table>\n<tr><th>%s</th><th class=\"r\">synthetic</th>"
	     "<th class=\"r\">real</th><th>log-odds</th></tr>\n",
	     what);
	double max = n ? t[0].log_odds : 1;
	for (size_t i = 0; i < n; i++) {
		put(o, "<tr><td>");
		esc_cut(o, t[i].text, strlen(t[i].text), 40);
		put(o, "</td><td class=\"r\">");
		put_count(o, t[i].synthetic);
		put(o, "</td><td class=\"r\">");
		put_count(o, t[i].real);
		putf(o,
		     "</td><td><span class=\"bar\" style=\"width:%.0fpx\"></span> %.2f</td>"
		     "</tr>\n",
		     80 * t[i].log_odds / max, t[i].log_odds);
	}
	if (!n)
		put(o, "<tr><td colspan=\"4\" class=\"note\">none</td></tr>\n");
	put(o, "</table>\n</div>\n");
}

static void html_over(struct out *o, const struct view *v)
{
	int any = 0;
	for (int i = 0; i < SPROUT_REPORT_NSLOTS; i++)
		any |= v->sum.slots[i].compared;
	put(o, "<section class=\"wide\">\n<h2>Over-represented in synthetic text</h2>\n");
	if (!any) {
		put(o,
		    "<p class=\"note\">Needs both real and synthetic records.</p>\n</section>\n");
		return;
	}
	for (int i = 0; i < SPROUT_REPORT_NSLOTS; i++) {
		if (!v->sum.slots[i].compared)
			continue;
		putf(o, "<h3>%s</h3>\n<div class=\"pair\">\n",
		     sprout_slot_name(v->sum.slots[i].slot));
		term_table(o, "word", v->terms[i][0], v->nterms[i][0]);
		term_table(o, "phrase", v->terms[i][1], v->nterms[i][1]);
		put(o, "</div>\n");
	}
	putf(o,
	     "<p class=\"note\">Ranked by the log-odds ratio of synthetic vs real frequency "
	     "(add-1 smoothing); only items seen at least %d times in synthetic text; top %d."
	     "</p>\n</section>\n",
	     MIN_TERM_COUNT, TOP_TERMS);
}

static void label_row(struct hrow *row, const struct entry *e, unsigned long real,
		      unsigned long all)
{
	row->label = e->s;
	row->len = e->len;
	row->v[0] = real ? (double)e->c[0] / (double)real : 0;
	row->v[1] = all ? (double)e->c[1] / (double)all : 0;
	snprintf(row->note, sizeof row->note, "%lu \xe2\x86\x92 %lu", e->c[0], e->c[1]);
}

static void label_table(struct out *o, const struct view *v, size_t n, unsigned long real,
			unsigned long all)
{
	put(o, "<table>\n<tr><th>label</th><th class=\"r\">before</th><th class=\"r\">share</th>"
	       "<th class=\"r\">after</th><th class=\"r\">share</th></tr>\n");
	for (size_t i = 0; i < n; i++) {
		const struct entry *e = v->labels[i];
		put(o, "<tr><td>");
		esc_cut(o, e->s, e->len, 60);
		put(o, "</td><td class=\"r\">");
		put_count(o, e->c[0]);
		put(o, "</td><td class=\"r\">");
		put_pct(o, (double)e->c[0], (double)real);
		put(o, "</td><td class=\"r\">");
		put_count(o, e->c[1]);
		put(o, "</td><td class=\"r\">");
		put_pct(o, (double)e->c[1], (double)all);
		put(o, "</td></tr>\n");
	}
	put(o, "</table>\n");
}

static void html_labels(struct out *o, const sprout_report *r, const struct view *v)
{
	size_t n = r->labels.n;
	if (!n)
		return;
	unsigned long real = 0, all = 0;
	for (size_t i = 0; i < n; i++) {
		real += v->labels[i]->c[0];
		all += v->labels[i]->c[1];
	}
	put(o, "<section class=\"wide\">\n<h2>Label balance</h2>\n");
	/* imbalance: most / least frequent label, before and after */
	unsigned long rmax = 0, rmin = (unsigned long)-1, amax = 0, amin = (unsigned long)-1;
	for (size_t i = 0; i < n; i++) {
		const struct entry *e = v->labels[i];
		if (e->c[0] > rmax)
			rmax = e->c[0];
		if (e->c[0] < rmin)
			rmin = e->c[0];
		if (e->c[1] > amax)
			amax = e->c[1];
		if (e->c[1] < amin)
			amin = e->c[1];
	}
	put(o, "<p>");
	put_count(o, n);
	put(o, " labels. Largest / smallest label: before ");
	put_count(o, rmax);
	put(o, " / ");
	put_count(o, rmin);
	if (rmin)
		putf(o, " (%.1f&#215;)", (double)rmax / (double)rmin);
	put(o, ", after ");
	put_count(o, amax);
	put(o, " / ");
	put_count(o, amin);
	if (amin)
		putf(o, " (%.1f&#215;)", (double)amax / (double)amin);
	put(o, ".</p>\n");
	double scale = 0; /* one scale for both halves */
	for (size_t i = 0; i < n; i++) {
		double a = real ? (double)v->labels[i]->c[0] / (double)real : 0;
		double b = all ? (double)v->labels[i]->c[1] / (double)all : 0;
		if (a > scale)
			scale = a;
		if (b > scale)
			scale = b;
	}
	const size_t show = 30, half = 15;
	size_t rows_n = n <= show ? n : show;
	struct hrow *rows = calloc(rows_n + 1, sizeof *rows);
	if (!rows) {
		o->rc = SPROUT_ERR_NOMEM;
		return;
	}
	static const char *const names[2] = {"before (real)", "after (all)"};
	static const char *const colors[2] = {C_REAL, C_ALL};
	put(o, "<div class=\"pair\"><div>\n");
	if (n <= show) {
		for (size_t i = 0; i < n; i++)
			label_row(&rows[i], v->labels[i], real, all);
		hbars(o, rows, n, 2, 0, names, colors, 0);
		put(o, "</div><div>\n");
		label_table(o, v, n, real, all);
	} else {
		for (size_t i = 0; i < half; i++)
			label_row(&rows[i], v->labels[i], real, all);
		put(o, "<h3>most frequent after</h3>\n");
		hbars(o, rows, half, 2, 0, names, colors, scale);
		put(o, "</div><div>\n");
		for (size_t i = 0; i < half; i++)
			label_row(&rows[i], v->labels[n - half + i], real, all);
		put(o, "<h3>least frequent after</h3>\n");
		hbars(o, rows, half, 2, 0, names, colors, scale);
	}
	free(rows);
	put(o, "</div></div>\n<p class=\"note\">Bars are each label's share of its group; the "
	       "numbers count records before &#8594; after.</p>\n");
	if (n > show) {
		put(o, "<details><summary>all ");
		put_count(o, n);
		put(o, " labels</summary>\n");
		label_table(o, v, n, real, all);
		put(o, "</details>\n");
	}
	put(o, "</section>\n");
}

static void html_pii(struct out *o, const sprout_report *r)
{
	put(o, "<section>\n<h2>Personal data</h2>\n");
	if (!r->pii_records) {
		put(o, "<p class=\"good\">None found.</p>\n");
	} else {
		put(o, "<p class=\"bad\">");
		put_count(o, r->pii_records);
		put(o, r->pii_records == 1 ? " record contains" : " records contain");
		put(o, " personal data.</p>\n");
	}
	put(o, "<table>\n<tr><th>kind</th><th class=\"r\">found</th></tr>\n");
	for (int k = 0; k < SPROUT_PII__COUNT; k++) {
		putf(o, "<tr><td>%s</td><td class=\"r\">", sprout_pii_name((sprout_pii_kind)k));
		put_count(o, r->pii[k]);
		put(o, "</td></tr>\n");
	}
	put(o, "</table>\n<p class=\"note\">E-mail addresses, phone numbers, card numbers, "
	       "IBANs, US SSNs and IP addresses in every text slot.</p>\n</section>\n");
}

static void html_review(struct out *o, const sprout_report *r, const struct view *v)
{
	size_t n = r->review.n;
	if (!n)
		return;
	put(o, "<section>\n<h2>Review outcomes</h2>\n");
	struct hrow *rows = calloc(n, sizeof *rows);
	if (!rows) {
		o->rc = SPROUT_ERR_NOMEM;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		rows[i].label = v->review[i]->s;
		rows[i].len = v->review[i]->len;
		rows[i].v[0] = (double)v->review[i]->c[0];
		snprintf(rows[i].note, sizeof rows[i].note, "%lu", v->review[i]->c[0]);
	}
	static const char *const colors[1] = {C_NEUTRAL};
	hbars(o, rows, n, 1, 0, NULL, colors, 0);
	free(rows);
	put(o, "<p class=\"note\">Decisions in <code>_sprout.review</code>, all reviewers."
	       "</p>\n</section>\n");
}

sprout_code sprout_report_html(sprout_report *r, sprout_buf *b, sprout_error *err)
{
	struct view v;
	sprout_code rc = view_make(r, &v, err);
	if (rc)
		return rc;
	struct out o = {b, SPROUT_OK};
	put(&o, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		"<title>");
	escs(&o, r->o.title ? r->o.title : "sprout report");
	put(&o, "</title>\n<style>\n");
	put(&o, css);
	put(&o, "</style>\n</head>\n<body>\n");
	html_header(&o, r, &v);
	put(&o, "<main>\n");
	html_pipeline(&o, r);
	html_methods(&o, r, &v);
	html_checks(&o, r, &v);
	html_evidence(&o, r, &v);
	for (int i = 0; i < SPROUT_REPORT_NSLOTS; i++)
		if (v.sum.slots[i].present)
			html_lengths(&o, r, &v, i);
	html_similarity(&o, r);
	html_vocab(&o, r, &v);
	html_pii(&o, r);
	html_review(&o, r, &v);
	html_over(&o, &v);
	html_labels(&o, r, &v);
	put(&o, "</main>\n<footer>Made by sprout ");
	escs(&o, sprout_version());
	putf(&o,
	     " report. Drift limits: length KS D %.2f, vocabulary shift %.2f. Definitions: "
	     "docs/report.md.</footer>\n</body>\n</html>\n",
	     r->o.drift_ks, r->o.drift_vocab);
	view_free(&v);
	return finish(&o, err);
}
