/* Augmentation: options, the augmenter, variants of a record. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "core/splice.h"
#include "makers/augment_internal.h"
#include "sprout/dedup.h"
#include "sprout/json.h"
#include "sprout/meaning.h"
#include "sprout/meta.h"

static const struct {
	const char *name;
	aug_fn fn;
	double rate;
	int deterministic; /* gives the same text on every attempt */
} methods[SPROUT_AUG__COUNT] = {
    [SPROUT_AUG_SYNONYM] = {"synonym", aug_synonym, 0.1, 0},
    [SPROUT_AUG_INSERT] = {"insert", aug_insert, 0.1, 0},
    [SPROUT_AUG_SWAP] = {"swap", aug_swap, 0.1, 0},
    [SPROUT_AUG_DELETE] = {"delete", aug_delete, 0.1, 0},
    [SPROUT_AUG_TYPO] = {"typo", aug_typo, 0.1, 0},
    [SPROUT_AUG_CASUAL] = {"casual", aug_casual, 0.5, 0},
    [SPROUT_AUG_FORMAL] = {"formal", aug_formal, 1.0, 1},
    [SPROUT_AUG_FORMAT] = {"format", aug_format, 1.0, 0},
    [SPROUT_AUG_BACKTRANSLATE] = {"backtranslate", NULL, 1.0, 1},
    [SPROUT_AUG_QUESTION] = {"question", aug_question, 1.0, 0},
    [SPROUT_AUG_POLITE] = {"polite", aug_polite, 1.0, 0},
};

#define ATTEMPTS	 6
#define ATTEMPTS_CHECKED 10 /* with the check, some tries are turned down */
#define TURNED_DOWN_MAX	 3  /* but no more than this many by the check */
#define BELOW_MEMO	 64 /* candidates turned down remembered per record */
/* from here on a candidate may be a copy: the same words (only case or
 * punctuation differ); it is one when the filter's duplicate check would
 * drop it (the same text once lowercased, punctuation dropped) */
#define NEAR_COPY SPROUT_MEANING_SAME_WORDS

const char *sprout_aug_name(sprout_aug_method m)
{
	return (unsigned)m < SPROUT_AUG__COUNT ? methods[m].name : "unknown";
}

double sprout_aug_default_rate(sprout_aug_method m)
{
	return (unsigned)m < SPROUT_AUG__COUNT ? methods[m].rate : 0;
}

sprout_code sprout_aug_parse(const char *name, sprout_aug_method *out, sprout_error *err)
{
	for (int i = 0; i < SPROUT_AUG__COUNT; i++) {
		if (strcmp(name, methods[i].name) == 0) {
			*out = (sprout_aug_method)i;
			return SPROUT_OK;
		}
	}
	return sprout_error_set(err, SPROUT_ERR_USAGE,
				"unknown method '%s' (expected synonym, insert, swap, delete, "
				"typo, casual, formal, format, backtranslate, question or polite)",
				name);
}

void sprout_augment_options_init(sprout_augment_options *o)
{
	memset(o, 0, sizeof *o);
	static const sprout_aug_method defaults[] = {
	    SPROUT_AUG_SYNONYM, SPROUT_AUG_DELETE, SPROUT_AUG_TYPO,	SPROUT_AUG_CASUAL,
	    SPROUT_AUG_FORMAL,	SPROUT_AUG_FORMAT, SPROUT_AUG_QUESTION, SPROUT_AUG_POLITE,
	};
	for (size_t i = 0; i < sizeof defaults / sizeof *defaults; i++)
		o->weight[defaults[i]] = 1;
	o->check = 1;
	o->n = 4;
	o->slots[SPROUT_SLOT_PROMPT] = 1;
	o->pair = "eng-spa";
}

static sprout_json *params_for(const sprout_augmenter *g, sprout_aug_method m, sprout_arena *a);

/* v written as JSON, in a. */
static const char *json_text(sprout_arena *a, const sprout_json *v)
{
	sprout_buf b = SPROUT_BUF_INIT((size_t)1 << 20);
	const char *out =
	    v && !sprout_json_write(&b, v) ? sprout_arena_strndup(a, b.data, b.len) : NULL;
	sprout_buf_release(&b);
	return out;
}

static int uses(const sprout_augment_options *o, sprout_aug_method m)
{
	return o->weight[m] > 0 || o->count[m] > 0;
}

sprout_augmenter *sprout_augmenter_new(const sprout_augment_options *o, sprout_error *err)
{
	sprout_augmenter *g = calloc(1, sizeof *g);
	if (!g) {
		sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		return NULL;
	}
	g->o = *o;
	size_t counted = 0;
	for (int i = 0; i < SPROUT_AUG__COUNT; i++) {
		if (g->o.weight[i] < 0)
			g->o.weight[i] = 0;
		if (g->o.rate[i] <= 0)
			g->o.rate[i] = methods[i].rate;
		g->total_weight += g->o.weight[i];
		counted += g->o.count[i];
	}
	g->max_variants = counted ? counted : g->o.n;
	/* every variant of a method shares one params object */
	g->mem = sprout_arena_new(0);
	int made = 0;
	for (int i = 0; g->mem && i < SPROUT_AUG__COUNT; i++, made++) {
		char method[64];
		snprintf(method, sizeof method, "augment.%s", methods[i].name);
		if (!(g->params[i] = params_for(g, (sprout_aug_method)i, g->mem)) ||
		    !(g->params_json[i] = json_text(g->mem, g->params[i])) ||
		    !(g->method_json[i] =
			  json_text(g->mem, sprout_json_string(g->mem, method, strlen(method)))))
			break;
	}
	if (made < SPROUT_AUG__COUNT) {
		sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		sprout_augmenter_free(g);
		return NULL;
	}
	if (!counted && g->total_weight <= 0) {
		sprout_error_set(err, SPROUT_ERR_USAGE, "no augmentation method chosen");
		sprout_augmenter_free(g);
		return NULL;
	}
	if (g->o.min_score <= 0)
		g->o.min_score = sprout_meaning_threshold();
	if (uses(o, SPROUT_AUG_SYNONYM) || uses(o, SPROUT_AUG_INSERT) || o->check) {
		g->wn = sprout_wordnet_open(o->wordnet_dir, err);
		if (!g->wn) {
			char msg[SPROUT_ERROR_MSG_MAX];
			snprintf(msg, sizeof msg, "%s: %.400s",
				 uses(o, SPROUT_AUG_SYNONYM)  ? "synonym"
				 : uses(o, SPROUT_AUG_INSERT) ? "insert"
							      : "the meaning check",
				 err ? err->msg : "");
			if (err)
				memcpy(err->msg, msg, sizeof msg);
			sprout_augmenter_free(g);
			return NULL;
		}
	} else if (uses(o, SPROUT_AUG_FORMAT)) {
		/* format reads verbs from WordNet when it is there */
		g->wn = sprout_wordnet_open(o->wordnet_dir, NULL);
	}
	if (o->check && !(g->lm = sprout_lm_open(NULL, err))) {
		char msg[SPROUT_ERROR_MSG_MAX];
		snprintf(msg, sizeof msg, "the meaning check: %.450s (or --no-check)",
			 err ? err->msg : "");
		if (err)
			memcpy(err->msg, msg, sizeof msg);
		sprout_augmenter_free(g);
		return NULL;
	}
	if (uses(o, SPROUT_AUG_BACKTRANSLATE)) {
		g->ap = apertium_open(o->pair ? o->pair : "eng-spa", err);
		if (!g->ap) {
			sprout_augmenter_free(g);
			return NULL;
		}
	}
	return g;
}

void sprout_augmenter_free(sprout_augmenter *g)
{
	if (!g)
		return;
	sprout_wordnet_close(g->wn);
	sprout_lm_close(g->lm);
	apertium_close(g->ap);
	sprout_arena_free(g->mem);
	free(g);
}

size_t sprout_augment_max_variants(const sprout_augmenter *g)
{
	return g->max_variants;
}

/* Holes of a template: the augmented slots, then the provenance parts a
 * variant has of its own. */
enum { H_ID = SPROUT_SLOT__COUNT, H_METHOD, H_PARAMS, H__COUNT };

/* The record written once with holes, in the order they come. */
struct tmpl {
	sprout_buf bytes;
	size_t n;
	size_t at[H__COUNT];
	int what[H__COUNT];
};

/* The current record's templates (see make_templates) live in the worker,
 * with the buffers a variant is made in, so they are allocated once. */
struct sprout_aug_worker {
	const sprout_augmenter *g;
	struct aug_cache *cache;
	sprout_meaning *meaning; /* the check's scorer, or NULL */
	sprout_buf norm[2];	 /* texts normalised for the copy test */
	struct tmpl line, hash;
	sprout_buf scratch;		     /* a variant's hash stream */
	sprout_buf text[SPROUT_SLOT__COUNT]; /* a variant's new texts */
};

/* a and b the same after the duplicate check's normalisation */
static int same_normalized(sprout_aug_worker *w, const char *a, size_t na, const char *b, size_t nb)
{
	sprout_buf *x = &w->norm[0], *y = &w->norm[1];
	sprout_buf_clear(x);
	sprout_buf_clear(y);
	if (sprout_normalize(a, na, x) || sprout_normalize(b, nb, y))
		return 1; /* out of memory: call it a copy */
	return x->len == y->len && (!x->len || memcmp(x->data, y->data, x->len) == 0);
}

sprout_aug_worker *sprout_aug_worker_new(const sprout_augmenter *g)
{
	sprout_aug_worker *w = calloc(1, sizeof *w);
	if (!w)
		return NULL;
	w->g = g;
	sprout_buf_init(&w->line.bytes, (size_t)1 << 34);
	sprout_buf_init(&w->hash.bytes, (size_t)1 << 34);
	sprout_buf_init(&w->scratch, (size_t)1 << 34);
	sprout_buf_init(&w->norm[0], (size_t)1 << 30);
	sprout_buf_init(&w->norm[1], (size_t)1 << 30);
	for (int s = 0; s < SPROUT_SLOT__COUNT; s++)
		sprout_buf_init(&w->text[s], (size_t)1 << 30);
	if (!(w->cache = aug_cache_new()) ||
	    (g->o.check && !(w->meaning = sprout_meaning_new(g->wn, g->lm)))) {
		sprout_aug_worker_free(w);
		return NULL;
	}
	return w;
}

void sprout_aug_worker_free(sprout_aug_worker *w)
{
	if (!w)
		return;
	aug_cache_free(w->cache);
	sprout_meaning_free(w->meaning);
	sprout_buf_release(&w->line.bytes);
	sprout_buf_release(&w->hash.bytes);
	sprout_buf_release(&w->scratch);
	sprout_buf_release(&w->norm[0]);
	sprout_buf_release(&w->norm[1]);
	for (int s = 0; s < SPROUT_SLOT__COUNT; s++)
		sprout_buf_release(&w->text[s]);
	free(w);
}

sprout_code aug_tokenize(struct aug_ctx *c, const char *s, size_t n, sprout_arena *a,
			 sprout_tokens *t)
{
	int stable = c->stable && s == c->stable && n == c->stable_len;
	if (stable && c->have_toks) {
		*t = c->toks;
		return SPROUT_OK;
	}
	sprout_code rc = sprout_tokenize(a, s, n, t);
	if (!rc && stable) {
		c->toks = *t;
		c->have_toks = 1;
	}
	return rc;
}

int sprout_augment_text(const sprout_augmenter *g, sprout_aug_method m, double rate,
			const char *text, size_t len, uint64_t seed, sprout_arena *a,
			sprout_buf *out)
{
	if ((unsigned)m >= SPROUT_AUG__COUNT || !methods[m].fn)
		return 0;
	if ((m == SPROUT_AUG_SYNONYM || m == SPROUT_AUG_INSERT) && !g->wn)
		return 0;
	sprout_rng rng;
	sprout_rng_init(&rng, seed, "", methods[m].name);
	struct aug_ctx c = {g, aug_cache_new(), text, len, 0, {NULL, 0}, NULL, 0, NULL};
	if (!c.cache)
		return -1;
	int got = methods[m].fn(&c, text, len, rate > 0 ? rate : methods[m].rate, &rng, a, out);
	aug_cache_free(c.cache);
	if (got == AUG_NEVER || (got > 0 && out->len == len && memcmp(out->data, text, len) == 0))
		return 0; /* nothing to change, or rewritten to the same text */
	return got;
}

/* ---- back-translation with protected spans kept ------------------------- */

/* Marker for protected span k: unknown to Apertium, so it passes through. */
static void marker(size_t k, char out[8])
{
	snprintf(out, 8, "XZQ%c%c", (char)('A' + (k / 26) % 26), (char)('A' + k % 26));
}

sprout_code sprout_augment_backtranslate(sprout_augmenter *g, const char *const *texts,
					 const size_t *lens, size_t n, sprout_arena *a, char **out,
					 sprout_error *err)
{
	if (!g->ap)
		return sprout_error_set(err, SPROUT_ERR_USAGE, "backtranslate is not enabled");
	char **masked = sprout_arena_alloc(a, (n + 1) * sizeof *masked);
	size_t *mlens = sprout_arena_alloc(a, (n + 1) * sizeof *mlens);
	sprout_tokens *toks = sprout_arena_alloc(a, (n + 1) * sizeof *toks);
	if (!masked || !mlens || !toks)
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		sprout_buf b = SPROUT_BUF_INIT((size_t)1 << 30);
		if (sprout_tokenize(a, texts[i], lens[i], &toks[i]))
			return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		size_t k = 0;
		for (size_t j = 0; j < toks[i].n; j++) {
			const sprout_token *t = &toks[i].v[j];
			sprout_code rc;
			if (t->kind == SPROUT_TOK_PROTECTED && k < 26 * 26) {
				char m[8];
				marker(k++, m);
				rc = sprout_buf_adds(&b, m);
			} else {
				rc = sprout_buf_add(&b, texts[i] + t->off, t->len);
			}
			if (rc) {
				sprout_buf_release(&b);
				return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
			}
		}
		masked[i] = sprout_arena_strndup(a, b.data ? b.data : "", b.len);
		mlens[i] = b.len;
		sprout_buf_release(&b);
		if (!masked[i])
			return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	}
	sprout_code rc =
	    apertium_roundtrip(g->ap, (const char *const *)masked, mlens, n, a, out, err);
	if (rc)
		return rc;
	/* put the protected spans back; a lost or doubled one drops the text */
	for (size_t i = 0; i < n; i++) {
		const char *r = out[i];
		sprout_buf b = SPROUT_BUF_INIT((size_t)1 << 30);
		int ok = r != NULL;
		size_t k = 0;
		const char *p = r;
		while (ok && p && *p) {
			const char *hit = strstr(p, "XZQ");
			size_t upto = hit ? (size_t)(hit - p) : strlen(p);
			/* Apertium's marks for unknown or ungenerated words */
			for (size_t c = 0; c < upto; c++) {
				char ch = p[c];
				if ((ch == '#' || ch == '*' || ch == '@') &&
				    !memchr(texts[i], ch, lens[i]))
					continue;
				/* Apertium leaves double spaces where it dropped a word */
				if (ch == ' ' && b.len && b.data[b.len - 1] == ' ')
					continue;
				if (sprout_buf_addc(&b, ch)) {
					ok = 0;
					break;
				}
			}
			if (!hit)
				break;
			if (strlen(hit) < 5) {
				ok = 0;
				break;
			}
			size_t idx = (size_t)(hit[3] - 'A') * 26 + (size_t)(hit[4] - 'A');
			/* spans must come back in some order, each once */
			size_t seen = 0;
			for (size_t j = 0; j < toks[i].n; j++) {
				const sprout_token *t = &toks[i].v[j];
				if (t->kind != SPROUT_TOK_PROTECTED)
					continue;
				if (seen++ == idx) {
					if (sprout_buf_add(&b, texts[i] + t->off, t->len))
						ok = 0;
					break;
				}
			}
			if (idx >= seen)
				ok = 0;
			k++;
			p = hit + 5;
		}
		size_t spans = 0;
		for (size_t j = 0; j < toks[i].n; j++)
			spans += toks[i].v[j].kind == SPROUT_TOK_PROTECTED;
		if (ok && r) {
			/* each span exactly once */
			for (size_t s = 0; s < spans && ok; s++) {
				char m[8];
				marker(s, m);
				const char *f = strstr(r, m);
				ok = f && !strstr(f + 5, m);
			}
			ok = ok && k == spans;
		}
		if (ok && r && b.len && !(b.len == lens[i] && memcmp(b.data, texts[i], b.len) == 0))
			out[i] = sprout_arena_strndup(a, b.data, b.len);
		else
			out[i] = NULL;
		sprout_buf_release(&b);
	}
	return SPROUT_OK;
}

/* ---- variants of a record ---------------------------------------------- */

/* Plan the method of each variant: fixed counts, or picks by weight. */
static size_t plan(const sprout_augmenter *g, const char *id, sprout_aug_method *out, size_t max)
{
	size_t k = 0;
	for (int m = 0; m < SPROUT_AUG__COUNT; m++)
		for (unsigned c = 0; c < g->o.count[m] && k < max; c++)
			out[k++] = (sprout_aug_method)m;
	if (k)
		return k;
	sprout_rng rng;
	sprout_rng_init(&rng, g->o.seed, id, "augment.pick");
	for (unsigned v = 0; v < g->o.n && k < max; v++) {
		double x = sprout_rng_double(&rng) * g->total_weight;
		int pick = -1;
		for (int m = 0; m < SPROUT_AUG__COUNT; m++) {
			if (g->o.weight[m] <= 0)
				continue;
			pick = m;
			if (x < g->o.weight[m])
				break;
			x -= g->o.weight[m];
		}
		out[k++] = (sprout_aug_method)pick;
	}
	return k;
}

static sprout_json *params_for(const sprout_augmenter *g, sprout_aug_method m, sprout_arena *a)
{
	sprout_json *p = sprout_json_new(a, SPROUT_JSON_OBJECT);
	if (!p)
		return NULL;
	if (m == SPROUT_AUG_BACKTRANSLATE) {
		const char *pair = g->o.pair ? g->o.pair : "eng-spa";
		if (sprout_json_set(a, p, "pair", sprout_json_string(a, pair, strlen(pair))))
			return NULL;
	} else if (sprout_json_set(a, p, "rate", sprout_json_real(a, g->o.rate[m]))) {
		return NULL;
	}
	sprout_json *slots = sprout_json_new(a, SPROUT_JSON_ARRAY);
	if (!slots || sprout_json_set(a, p, "slots", slots))
		return NULL;
	for (int s = 0; s < SPROUT_SLOT__COUNT; s++) {
		if (!g->o.slots[s])
			continue;
		const char *name = sprout_slot_name((sprout_slot)s);
		if (sprout_json_push(a, slots, sprout_json_string(a, name, strlen(name))))
			return NULL;
	}
	return p;
}

/* "augment.<method>#<v>.<attempt>": the per-attempt random stream's name;
 * its length (the attempt is the last byte) */
static size_t attempt_tag(char *tag, const char *method, size_t v, int at)
{
	size_t n = strlen(method);
	memcpy(tag, "augment.", 8);
	memcpy(tag + 8, method, n);
	char *p = tag + 8 + n;
	*p++ = '#';
	char digits[24];
	int k = 0;
	do
		digits[k++] = (char)('0' + v % 10);
	while ((v /= 10));
	while (k)
		*p++ = digits[--k];
	*p++ = '.';
	*p++ = (char)('0' + at);
	*p = '\0';
	return (size_t)(p - tag);
}

/* ---- splicing: one template per record ------------------------------------ */

/* The string node whose text is s (a fresh allocation, so the only one). */
static const sprout_json *find_string(const sprout_json *v, const char *s)
{
	if (v->type == SPROUT_JSON_STRING)
		return v->u.s == s ? v : NULL;
	if (v->type != SPROUT_JSON_ARRAY && v->type != SPROUT_JSON_OBJECT)
		return NULL;
	for (size_t i = 0; i < v->len; i++) {
		const sprout_json *c =
		    v->type == SPROUT_JSON_OBJECT ? v->u.members[i].value : v->u.items[i];
		const sprout_json *hit = find_string(c, s);
		if (hit)
			return hit;
	}
	return NULL;
}

/* Keep the holes that were met exactly once, in order of offset; 0 when a
 * hole that must be there was not, or was met twice. */
static int tmpl_take(struct tmpl *t, const int *what, size_t n, const size_t *at,
		     const unsigned *seen, size_t required)
{
	t->n = 0;
	for (size_t k = 0; k < n; k++) {
		if (seen[k] > 1 || (k < required && seen[k] != 1))
			return 0;
		if (!seen[k])
			continue;
		size_t j = t->n++;
		while (j && t->at[j - 1] > at[k]) {
			t->at[j] = t->at[j - 1];
			t->what[j] = t->what[j - 1];
			j--;
		}
		t->at[j] = at[k];
		t->what[j] = what[k];
	}
	return 1;
}

/* Build the hash and line templates of parent for the slots in present;
 * 0 when this record must take the slow way (the templates would not give
 * the bytes a built record gives). */
static int make_templates(sprout_aug_worker *w, const sprout_record *parent, const int *present,
			  int strip, sprout_arena *a)
{
	sprout_record probe;
	if (sprout_record_clone(parent, a, &probe, NULL))
		return 0;
	const sprout_json *holes[H__COUNT];
	int what[H__COUNT];
	size_t at[H__COUNT], nh = 0;
	unsigned seen[H__COUNT];
	for (int s = 0; s < SPROUT_SLOT__COUNT; s++) {
		if (!present[s])
			continue;
		static const char mark[] = "\001sprout hole\001";
		sprout_text t;
		if (sprout_record_set(&probe, (sprout_slot)s, mark, sizeof mark - 1, NULL) ||
		    !sprout_record_get(&probe, (sprout_slot)s, &t) ||
		    !(holes[nh] = find_string(probe.obj, t.s)))
			return 0;
		what[nh++] = s;
	}
	size_t slots = nh;
	sprout_buf_clear(&w->hash.bytes);
	if (sprout_record_hash_stream(&probe, &w->hash.bytes, holes, slots, at, seen) ||
	    !tmpl_take(&w->hash, what, slots, at, seen, slots))
		return 0;
	const uint64_t zero[2] = {0, 0};
	if (sprout_meta_derive_hashed(&probe, parent, "augment", w->g->params[0], zero, NULL))
		return 0;
	if (strip) {
		sprout_meta_strip(&probe);
	} else {
		const sprout_json *m = sprout_meta_get(&probe);
		static const char *const keys[] = {"id", "method", "params"};
		for (int k = 0; k < 3; k++) {
			if (!(holes[nh] = sprout_json_get(m, keys[k])))
				return 0;
			what[nh++] = H_ID + k;
		}
	}
	sprout_buf_clear(&w->line.bytes);
	return sprout_json_write_holes(&w->line.bytes, probe.obj, holes, nh, at, seen) ==
		   SPROUT_OK &&
	       tmpl_take(&w->line, what, nh, at, seen, nh);
}

/* A variant's texts (text[s], len[s] for the slots in the template). */
struct texts {
	const char *s[SPROUT_SLOT__COUNT];
	size_t len[SPROUT_SLOT__COUNT];
};

/* The hash stream of a variant, from the template. */
static sprout_code fill_hash(const struct tmpl *t, const struct texts *x, sprout_buf *b)
{
	sprout_buf_clear(b);
	size_t from = 0;
	sprout_code rc = SPROUT_OK;
	for (size_t k = 0; k < t->n && !rc; k++) {
		int s = t->what[k];
		if (!(rc = sprout_buf_add(b, t->bytes.data + from, t->at[k] - from)))
			rc = sprout_splice_hash_part(b, x->s[s], x->len[s]);
		from = t->at[k];
	}
	return rc ? rc : sprout_buf_add(b, t->bytes.data + from, t->bytes.len - from);
}

/* The JSON line of a variant, from the template, appended to b. */
static sprout_code fill_line(const struct tmpl *t, const sprout_augmenter *g, sprout_aug_method m,
			     const struct texts *x, const uint64_t h[2], sprout_buf *b)
{
	size_t from = 0;
	sprout_code rc = SPROUT_OK;
	for (size_t k = 0; k < t->n && !rc; k++) {
		if ((rc = sprout_buf_add(b, t->bytes.data + from, t->at[k] - from)))
			break;
		from = t->at[k];
		switch (t->what[k]) {
		case H_ID: {
			char id[SPROUT_ID_LEN + 3];
			id[0] = '"';
			sprout_meta_hash_id(h, id + 1);
			id[SPROUT_ID_LEN + 1] = '"';
			rc = sprout_buf_add(b, id, SPROUT_ID_LEN + 2);
			break;
		}
		case H_METHOD: rc = sprout_buf_adds(b, g->method_json[m]); break;
		case H_PARAMS: rc = sprout_buf_adds(b, g->params_json[m]); break;
		default:
			rc = sprout_json_write_string(b, x->s[t->what[k]], x->len[t->what[k]]);
			break;
		}
	}
	return rc ? rc : sprout_buf_add(b, t->bytes.data + from, t->bytes.len - from);
}

/* ---- variants of a record ---------------------------------------------- */

/* Build a variant the slow way: the parent with the changed slots set. */
static sprout_code build_child(const sprout_record *parent, const int *present,
			       const struct texts *x, sprout_arena *a, sprout_record *child,
			       sprout_error *err)
{
	sprout_code rc = sprout_record_clone(parent, a, child, err);
	for (int s = 0; s < SPROUT_SLOT__COUNT && !rc; s++) {
		sprout_text t;
		if (!present[s] || !sprout_record_get(parent, (sprout_slot)s, &t) ||
		    (x->s[s] == t.s && x->len[s] == t.len))
			continue;
		if (sprout_record_set(child, (sprout_slot)s, x->s[s], x->len[s], err))
			rc = err ? err->code : SPROUT_ERR_SLOT;
	}
	return rc;
}

/* Where variants go: records (recs), or JSON lines (o). */
static sprout_code make_variants(sprout_aug_worker *w, const sprout_record *parent,
				 const sprout_aug_prepared *prepared, sprout_arena *a,
				 sprout_record *recs, sprout_aug_json *o, size_t max, size_t *made,
				 sprout_error *err)
{
	const sprout_augmenter *g = w->g;
	*made = 0;
	aug_cache_trim(w->cache);
	const char *id = sprout_meta_id(parent);
	if (!id)
		return sprout_error_set(err, SPROUT_ERR_USAGE, "record has no provenance id");
	/* each attempt's stream is named (id, tag): for ids up to 128 bytes
	 * the key "id\0tag" is written once per variant, and each attempt
	 * changes its last byte */
	size_t il = strlen(id);
	int keyed = il <= 128;
	char key[256]; /* id, NUL, the attempt's tag (under 64 bytes) */
	if (keyed)
		memcpy(key, id, il + 1);
	sprout_aug_method want[256];
	size_t nv = plan(g, id, want, max < 256 ? max : 256);
	/* the content hashes of the variants made: a variant is made only when
	 * a slot's text differs from the parent's, so it is never a copy of
	 * the parent, and only the variants need comparing */
	uint64_t(*hashes)[2] = sprout_arena_alloc(a, (nv + 1) * sizeof *hashes);
	if (!hashes)
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	size_t nh = 0;
	/* the slots to augment, with the parent's texts */
	int present[SPROUT_SLOT__COUNT] = {0}, present_slots = 0, the_slot = -1;
	struct texts orig;
	for (int s = 0; s < SPROUT_SLOT__COUNT; s++) {
		sprout_text t;
		present[s] =
		    g->o.slots[s] && sprout_record_get(parent, (sprout_slot)s, &t) && t.len;
		orig.s[s] = present[s] ? t.s : NULL;
		orig.len[s] = present[s] ? t.len : 0;
		present_slots += present[s];
		if (present[s])
			the_slot = s;
	}
	int fast = o && make_templates(w, parent, present, o->strip_meta, a);
	/* with one slot augmented, the texts of the variants made: a new text
	 * equal to one of them is a copy, known without hashing (most tries
	 * that fail are such copies) */
	const char **made_s =
	    present_slots == 1 ? sprout_arena_alloc(a, (nv + 1) * sizeof *made_s) : NULL;
	size_t *made_len = made_s ? sprout_arena_alloc(a, (nv + 1) * sizeof *made_len) : NULL;
	sprout_code rc = SPROUT_OK;
	/* one context per slot, so each slot's text is tokenized once */
	struct aug_ctx ctx[SPROUT_SLOT__COUNT];
	memset(ctx, 0, sizeof ctx);
	/* a method that finds nothing new to say for this record in all its
	 * attempts (nothing to change, or only variants made already) will
	 * not find it on the next variant either: with picks by weight its
	 * variants go to another method */
	int exhausted[SPROUT_AUG__COUNT] = {0};
	size_t made_by[SPROUT_AUG__COUNT] = {0};
	uint64_t below_h[BELOW_MEMO]; /* the record's candidates the check turned down */
	size_t nbelow = 0;
	int counted = 0;
	for (int k = 0; k < SPROUT_AUG__COUNT; k++)
		counted |= g->o.count[k] > 0;
	for (size_t v = 0; v < nv && !rc; v++) {
		sprout_aug_method m = want[v];
		if (exhausted[m] && !counted) {
			/* another method that can still say something new, drawn by weight
			 * (the next one in order would always be the same, and take over) */
			double left = 0;
			for (int c = 0; c < SPROUT_AUG__COUNT; c++)
				left += exhausted[c] ? 0 : g->o.weight[c];
			/* and none takes more than its share of a record's variants */
			size_t share = (nv + 2) / 3;
			double capped = 0;
			for (int c = 0; c < SPROUT_AUG__COUNT; c++)
				if (!exhausted[c] && made_by[c] >= share)
					capped += g->o.weight[c];
			if (capped < left)
				left -= capped;
			else
				share = (size_t)-1; /* nothing else is left: no cap */
			if (left > 0) {
				sprout_rng pick;
				char tag[64];
				attempt_tag(tag, "fallback", v, 0);
				sprout_rng_init(&pick, g->o.seed, id, tag);
				double x = sprout_rng_double(&pick) * left;
				for (int c = 0; c < SPROUT_AUG__COUNT; c++) {
					if (exhausted[c] || g->o.weight[c] <= 0 ||
					    made_by[c] >= share)
						continue;
					m = (sprout_aug_method)c;
					if (x < g->o.weight[c])
						break;
					x -= g->o.weight[c];
				}
			}
		}
		if (exhausted[m])
			continue;
		int attempts = methods[m].deterministic ? 1
			       : g->o.check		? ATTEMPTS_CHECKED
							: ATTEMPTS;
		int made_one = 0, nothing = 0, turned_down = 0;
		size_t klen = keyed ? il + 1 + attempt_tag(key + il + 1, methods[m].name, v, 0) : 0;
		for (int at = 0; at < attempts && !rc; at++) {
			sprout_rng rng;
			if (keyed) {
				key[klen - 1] = (char)('0' + at);
				sprout_rng_init_key(&rng, g->o.seed, key, klen);
			} else {
				char tag[64];
				attempt_tag(tag, methods[m].name, v, at);
				sprout_rng_init(&rng, g->o.seed, id, tag);
			}
			struct texts x = orig;
			int changed = 0, empty = 0, never = 0;
			for (int s = 0; s < SPROUT_SLOT__COUNT && !rc; s++) {
				if (!present[s])
					continue;
				const char *next = NULL;
				size_t nlen = 0;
				if (m == SPROUT_AUG_BACKTRANSLATE) {
					next = prepared ? prepared->bt[s] : NULL;
					nlen = next ? strlen(next) : 0;
				} else {
					sprout_buf *b = &w->text[s];
					sprout_buf_clear(b);
					if (ctx[s].stable != orig.s[s]) {
						ctx[s] = (struct aug_ctx){
						    g,	       w->cache, orig.s[s], orig.len[s], 0,
						    {NULL, 0}, NULL,	 0,	    NULL};
					}
					int got = methods[m].fn(&ctx[s], orig.s[s], orig.len[s],
								g->o.rate[m], &rng, a, b);
					never += got == AUG_NEVER;
					if (got == -1)
						rc = sprout_error_set(err, SPROUT_ERR_NOMEM,
								      "out of memory");
					if (got > 0) {
						next = b->data ? b->data : "";
						nlen = b->len;
					}
				}
				if (!next ||
				    (nlen == orig.len[s] && memcmp(next, orig.s[s], nlen) == 0))
					continue;
				x.s[s] = next;
				x.len[s] = nlen;
				empty |= nlen == 0;
				changed = 1;
			}
			if (rc)
				break;
			if (!changed) {
				/* twice nothing to change, or a method sure there never
				 * is in any slot: there is nothing */
				if (++nothing >= 2 || never == present_slots)
					break;
				continue;
			}
			if (made_len) {
				size_t n = x.len[the_slot], j = 0;
				while (j < nh && !(made_len[j] == n &&
						   memcmp(made_s[j], x.s[the_slot], n) == 0))
					j++;
				if (j < nh)
					continue;
			}
			/* the check: every changed slot must keep its meaning and read well */
			if (w->meaning) {
				int ok = 1;
				/* a candidate turned down before for this record is
				 * turned down again, unscored */
				uint64_t ch = 0;
				for (int s = 0; s < SPROUT_SLOT__COUNT; s++)
					if (present[s] && x.s[s] != orig.s[s])
						ch ^= XXH3_64bits_withSeed(x.s[s], x.len[s],
									   (uint64_t)s);
				for (size_t q = 0; q < nbelow && ok; q++)
					ok = below_h[q] != ch;
				for (int s = 0; s < SPROUT_SLOT__COUNT && ok; s++) {
					if (!present[s] || x.s[s] == orig.s[s])
						continue;
					double sc =
					    sprout_meaning_score(w->meaning, orig.s[s], orig.len[s],
								 x.s[s], x.len[s], NULL);
					ok = sc >= g->o.min_score &&
					     (sc < NEAR_COPY ||
					      !same_normalized(w, orig.s[s], orig.len[s], x.s[s],
							       x.len[s]));
				}
				if (!ok) {
					if (nbelow < BELOW_MEMO)
						below_h[nbelow++] = ch;
					if (o)
						o->below[m]++;
					/* a method whose candidates keep failing for this
					 * record will not do better with more tries */
					if (++turned_down >= TURNED_DOWN_MAX)
						break;
					continue;
				}
			}
			/* an emptied slot may change the record's shape: the slow way */
			int splice = fast && !empty;
			uint64_t h[2];
			sprout_record child;
			if (splice) {
				if (fill_hash(&w->hash, &x, &w->scratch)) {
					rc = sprout_error_set(err, SPROUT_ERR_NOMEM,
							      "out of memory");
					break;
				}
				XXH128_hash_t hh = XXH3_128bits(w->scratch.data, w->scratch.len);
				h[0] = hh.high64;
				h[1] = hh.low64;
			} else {
				if ((rc = build_child(parent, present, &x, a, &child, err)))
					break;
				sprout_record_hash(&child, h);
			}
			/* not a copy of another variant */
			int dup = 0;
			for (size_t j = 0; j < nh; j++)
				dup |= hashes[j][0] == h[0] && hashes[j][1] == h[1];
			if (dup)
				continue;
			if (splice) {
				if (fill_line(&w->line, g, m, &x, h, o->out)) {
					rc = sprout_error_set(err, SPROUT_ERR_NOMEM,
							      "out of memory");
					break;
				}
				o->spliced++;
			} else {
				char method[64];
				snprintf(method, sizeof method, "augment.%s", methods[m].name);
				if (sprout_meta_derive_hashed(&child, parent, method, g->params[m],
							      h, err)) {
					rc = err ? err->code : SPROUT_ERR_NOMEM;
					break;
				}
				if (o && o->strip_meta)
					sprout_meta_strip(&child);
				if (o && sprout_json_write(o->out, child.obj)) {
					rc = sprout_error_set(err, SPROUT_ERR_NOMEM,
							      "out of memory");
					break;
				}
				if (recs)
					recs[*made] = child;
			}
			if (o) {
				o->ends[o->lines++] = o->out->len;
				o->by_method[m]++;
			}
			hashes[nh][0] = h[0];
			hashes[nh][1] = h[1];
			if (made_len) {
				made_len[nh] = x.len[the_slot];
				if (!(made_s[nh] =
					  sprout_arena_strndup(a, x.s[the_slot], made_len[nh]))) {
					rc = sprout_error_set(err, SPROUT_ERR_NOMEM,
							      "out of memory");
					break;
				}
			}
			nh++;
			(*made)++;
			made_by[m]++;
			made_one = 1;
			break;
		}
		if (!made_one && !rc) {
			exhausted[m] = 1;
			int left = 0;
			for (int k = 0; k < SPROUT_AUG__COUNT; k++)
				left |= g->o.weight[k] > 0 && !exhausted[k];
			if (!counted && left)
				v--; /* this variant again, with another method (wraps at 0:
				      * the loop's v++ brings it back) */
		}
	}
	return rc;
}

sprout_code sprout_augment_record(sprout_aug_worker *w, const sprout_record *parent,
				  const sprout_aug_prepared *prepared, sprout_arena *a,
				  sprout_record *out, size_t max, size_t *made, sprout_error *err)
{
	return make_variants(w, parent, prepared, a, out, NULL, max, made, err);
}

sprout_code sprout_augment_record_json(sprout_aug_worker *w, const sprout_record *parent,
				       const sprout_aug_prepared *prepared, sprout_arena *a,
				       size_t max, sprout_aug_json *o, size_t *made,
				       sprout_error *err)
{
	if (o->keep_parent) {
		sprout_record copy;
		sprout_code rc = sprout_record_clone(parent, a, &copy, err);
		if (rc)
			return rc;
		if (o->strip_meta)
			sprout_meta_strip(&copy);
		if (sprout_json_write(o->out, copy.obj))
			return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		o->ends[o->lines++] = o->out->len;
	}
	return make_variants(w, parent, prepared, a, NULL, o, max, made, err);
}
