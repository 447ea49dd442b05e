/* Mixing real and synthetic records, and splitting without leakage. */
#include "sprout/mix.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/dict.h"
#include "sprout/dedup.h"
#include "sprout/meta.h"
#include "sprout/rng.h"

int sprout_record_is_real(const sprout_record *r)
{
	const sprout_json *m = sprout_meta_get(r);
	if (!m)
		return 1;
	const sprout_json *method = sprout_json_get(m, "method");
	if (sprout_json_is(method, "seed"))
		return 1;
	const sprout_json *parent = sprout_json_get(m, "parent");
	return !parent || parent->type != SPROUT_JSON_STRING;
}

/* The seed a record belongs to: its root (its own id for a seed). */
static const char *root_of(const sprout_record *r)
{
	const sprout_json *m = sprout_meta_get(r);
	const sprout_json *root = sprout_json_get(m, "root");
	if (root && root->type == SPROUT_JSON_STRING && !sprout_record_is_real(r))
		return root->u.s;
	const sprout_json *parent = sprout_json_get(m, "parent");
	if (parent && parent->type == SPROUT_JSON_STRING && !sprout_record_is_real(r))
		return parent->u.s;
	const char *id = sprout_meta_id(r);
	return id ? id : "";
}

static const char *label_of(const sprout_record *r)
{
	sprout_text t;
	return sprout_record_get(r, SPROUT_SLOT_LABEL, &t) ? t.s : "";
}

void sprout_mix_options_init(sprout_mix_options *o)
{
	memset(o, 0, sizeof *o);
	o->per_seed = -1;
	o->shuffle = 1;
}

void sprout_split_options_init(sprout_split_options *o)
{
	memset(o, 0, sizeof *o);
	o->valid = 0.1;
	o->test = 0.1;
	o->stratify = 1;
	o->leak_jaccard = 0.85;
}

/* ---- groups: records sharing a key (root or label), in first-seen order */

struct group {
	const char *key;
	size_t *v;
	size_t n, cap, next;
};

struct groups {
	struct group *g;
	size_t n, cap;
};

/* A new group for key, at the end. */
static struct group *group_append(struct groups *gs, const char *key)
{
	if (gs->n == gs->cap) {
		size_t cap = gs->cap ? gs->cap * 2 : 64;
		struct group *g = realloc(gs->g, cap * sizeof *g);
		if (!g)
			return NULL;
		gs->g = g;
		gs->cap = cap;
	}
	struct group *g = &gs->g[gs->n++];
	memset(g, 0, sizeof *g);
	g->key = key;
	return g;
}

static int group_add(struct group *g, size_t i)
{
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 8;
		size_t *v = realloc(g->v, cap * sizeof *v);
		if (!v)
			return -1;
		g->v = v;
		g->cap = cap;
	}
	g->v[g->n++] = i;
	return 0;
}

static void groups_free(struct groups *gs)
{
	for (size_t i = 0; i < gs->n; i++)
		free(gs->g[i].v);
	free(gs->g);
	gs->g = NULL;
	gs->n = gs->cap = 0;
}

/* ---- briefs: what mix and split keep of a record ------------------------ */

struct sprout_briefs {
	sprout_brief *v;
	size_t n, cap;
	sprout_dict labels, roots; /* distinct labels and seeds, keys in mem */
	sprout_arena *mem;
};

sprout_briefs *sprout_briefs_new(void)
{
	sprout_briefs *b = calloc(1, sizeof *b);
	if (b && !(b->mem = sprout_arena_new(0))) {
		free(b);
		return NULL;
	}
	if (b) {
		sprout_dict_init(&b->labels, b->mem);
		sprout_dict_init(&b->roots, b->mem);
	}
	return b;
}

void sprout_briefs_free(sprout_briefs *b)
{
	if (!b)
		return;
	free(b->v);
	sprout_dict_free(&b->labels);
	sprout_dict_free(&b->roots);
	sprout_arena_free(b->mem);
	free(b);
}

sprout_code sprout_briefs_add(sprout_briefs *b, const sprout_record *r, sprout_error *err)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 1024;
		sprout_brief *v = realloc(b->v, cap * sizeof *v);
		if (!v)
			return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		b->v = v;
		b->cap = cap;
	}
	const char *ls = label_of(r), *rs = root_of(r);
	long long label = sprout_dict_put(&b->labels, ls, strlen(ls), NULL);
	long long root = sprout_dict_put(&b->roots, rs, strlen(rs), NULL);
	if (label < 0 || root < 0)
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	b->v[b->n++] =
	    (sprout_brief){(uint32_t)label, (uint32_t)root, (uint32_t)sprout_record_is_real(r)};
	return SPROUT_OK;
}

size_t sprout_briefs_count(const sprout_briefs *b)
{
	return b->n;
}

const sprout_brief *sprout_briefs_get(const sprout_briefs *b, size_t i)
{
	return &b->v[i];
}

const char *sprout_briefs_label(const sprout_briefs *b, uint32_t label)
{
	return b->labels.key[label];
}

const char *sprout_briefs_root(const sprout_briefs *b, uint32_t root)
{
	return b->roots.key[root];
}

/* Briefs of an array of records. */
static sprout_briefs *briefs_of(const sprout_record *recs, size_t n, sprout_error *err)
{
	sprout_briefs *b = sprout_briefs_new();
	if (!b) {
		sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		if (sprout_briefs_add(b, &recs[i], err)) {
			sprout_briefs_free(b);
			return NULL;
		}
	return b;
}

/* ---- mix --------------------------------------------------------------- */

/* Heap of labels by (records so far, rank of the key in byte order). */
struct label_heap {
	size_t *v, n;
	const size_t *total, *rank;
};

static int label_before(const struct label_heap *h, size_t a, size_t b)
{
	return h->total[a] != h->total[b] ? h->total[a] < h->total[b] : h->rank[a] < h->rank[b];
}

static void heap_push(struct label_heap *h, size_t l)
{
	size_t i = h->n++;
	while (i && label_before(h, l, h->v[(i - 1) / 2])) {
		h->v[i] = h->v[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h->v[i] = l;
}

static size_t heap_pop(struct label_heap *h)
{
	size_t top = h->v[0], last = h->v[--h->n], i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && label_before(h, h->v[c + 1], h->v[c]))
			c++;
		if (!label_before(h, h->v[c], last))
			break;
		h->v[i] = h->v[c];
		i = c;
	}
	if (h->n)
		h->v[i] = last;
	return top;
}

struct keyed {
	const char *key;
	size_t i;
};

static int by_key(const void *a, const void *b)
{
	return strcmp(((const struct keyed *)a)->key, ((const struct keyed *)b)->key);
}

/* --balance: up to budget variants, each to the label with the fewest
 * records so far (real ones counted from the start) among the labels some
 * seed's next variant has, and of that label to the seed longest without
 * a turn (order: the seeds' first turn order). Each label keeps a queue of
 * the seeds whose next variant has it, in turn order; a seed that has a
 * turn goes to the back of the queue of its next variant's label, so every
 * queue stays in turn order and a step costs a heap operation. */
static sprout_code balance(const sprout_briefs *b, struct groups *roots, const size_t *order,
			   size_t budget, char *chosen, size_t *taken)
{
#define NONE ((size_t)-1)
	size_t nl = b->labels.n, ns = roots->n, n = b->n;
	const sprout_brief *v = b->v;
	size_t *total = calloc(nl + 1, sizeof *total), *rank = malloc((nl + 1) * sizeof *rank);
	size_t *head = malloc((nl + 1) * sizeof *head), *tail = malloc((nl + 1) * sizeof *tail);
	size_t *after = malloc((ns + 1) * sizeof *after); /* the next seed in the same queue */
	size_t *heapv = malloc((nl + 1) * sizeof *heapv);
	sprout_code rc = SPROUT_OK;
	if (!total || !rank || !head || !tail || !after || !heapv) {
		rc = SPROUT_ERR_NOMEM;
		goto out;
	}
	/* labels are numbered in first-seen order over every record */
	for (size_t i = 0; i < n; i++)
		if (v[i].real)
			total[v[i].label]++;
	/* rank of each label's key in byte order, for ties */
	struct keyed *byk = malloc((nl + 1) * sizeof *byk);
	if (!byk) {
		rc = SPROUT_ERR_NOMEM;
		goto out;
	}
	for (size_t l = 0; l < nl; l++) {
		byk[l] = (struct keyed){b->labels.key[l], l};
		head[l] = tail[l] = NONE;
	}
	qsort(byk, nl, sizeof *byk, by_key);
	for (size_t k = 0; k < nl; k++)
		rank[byk[k].i] = k;
	free(byk);
	struct label_heap h = {heapv, 0, total, rank};
#define ENQUEUE(l, s)                                                                              \
	do {                                                                                       \
		after[s] = NONE;                                                                   \
		if (tail[l] == NONE)                                                               \
			head[l] = (s);                                                             \
		else                                                                               \
			after[tail[l]] = (s);                                                      \
		tail[l] = (s);                                                                     \
	} while (0)
	for (size_t k = 0; k < ns; k++) {
		struct group *g = &roots->g[order[k]];
		if (g->next < g->n)
			ENQUEUE(v[g->v[g->next]].label, order[k]);
	}
	for (size_t l = 0; l < nl; l++)
		if (head[l] != NONE)
			heap_push(&h, l);
	while (*taken < budget && h.n) {
		size_t l = heap_pop(&h), s = head[l];
		head[l] = after[s];
		if (head[l] == NONE)
			tail[l] = NONE;
		struct group *g = &roots->g[s];
		chosen[g->v[g->next++]] = 1;
		total[l]++;
		++*taken;
		if (g->next < g->n) {
			size_t l2 = v[g->v[g->next]].label;
			int was_empty = head[l2] == NONE;
			ENQUEUE(l2, s);
			if (was_empty && l2 != l)
				heap_push(&h, l2);
		}
		if (head[l] != NONE)
			heap_push(&h, l);
	}
#undef ENQUEUE
#undef NONE
out:
	free(total);
	free(rank);
	free(head);
	free(tail);
	free(after);
	free(heapv);
	return rc;
}

sprout_code sprout_mix_briefs(const sprout_briefs *b, const sprout_mix_options *o, sprout_arena *a,
			      sprout_mix_plan *plan, sprout_error *err)
{
#define NOGROUP ((size_t)-1)
	size_t n = b->n;
	memset(plan, 0, sizeof *plan);
	plan->out = sprout_arena_alloc(a, (n + 1) * sizeof *plan->out);
	plan->dropped = sprout_arena_alloc(a, (n + 1) * sizeof *plan->dropped);
	char *chosen = sprout_arena_alloc(a, n + 1);
	if (!plan->out || !plan->dropped || !chosen)
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	memset(plan->dropped, 0, (n + 1) * sizeof *plan->dropped);
	memset(chosen, 0, n + 1);
	struct groups roots = {0};
	sprout_code rc = SPROUT_OK;
	/* the group of each seed: synthetic records per seed, in first-seen order */
	size_t *group = malloc((b->roots.n + 1) * sizeof *group);
	if (!group) {
		rc = SPROUT_ERR_NOMEM;
		goto done;
	}
	for (size_t r = 0; r < b->roots.n; r++)
		group[r] = NOGROUP;
	for (size_t i = 0; i < n; i++) {
		if (b->v[i].real) {
			plan->real++;
			chosen[i] = 1;
			continue;
		}
		plan->synthetic++;
		uint32_t root = b->v[i].root;
		if (group[root] == NOGROUP) {
			if (!group_append(&roots, b->roots.key[root])) {
				rc = SPROUT_ERR_NOMEM;
				goto done;
			}
			group[root] = roots.n - 1;
		}
		if (group_add(&roots.g[group[root]], i)) {
			rc = SPROUT_ERR_NOMEM;
			goto done;
		}
	}
	free(group);
	group = NULL;
	/* at most per_seed variants of each seed, chosen at random */
	size_t available = 0;
	for (size_t r = 0; r < roots.n; r++) {
		struct group *g = &roots.g[r];
		sprout_rng rng;
		sprout_rng_init(&rng, o->seed, g->key, "mix.cap");
		sprout_rng_shuffle(&rng, g->v, g->n, sizeof *g->v);
		if (o->per_seed >= 0 && g->n > (size_t)o->per_seed) {
			for (size_t k = (size_t)o->per_seed; k < g->n; k++) {
				plan->dropped[g->v[k]] = "cap";
				plan->by_reason[0]++;
			}
			g->n = (size_t)o->per_seed;
		}
		available += g->n;
	}
	/* the budget the ratio and the share allow */
	size_t budget = available;
	int share_binds = 0;
	if (o->ratio > 0) {
		size_t most = (size_t)floor(o->ratio * (double)plan->real + 1e-9);
		if (most < budget)
			budget = most;
	}
	if (o->max_share > 0 && o->max_share < 1) {
		size_t most =
		    (size_t)floor(o->max_share / (1 - o->max_share) * (double)plan->real + 1e-9);
		if (most < budget) {
			budget = most;
			share_binds = 1;
		}
	}
	plan->budget = budget;
	/* seeds in a random order, then their variants in turns, so the budget
	 * spreads over the seeds */
	sprout_rng rng;
	sprout_rng_init(&rng, o->seed, "", "mix.order");
	size_t *order = malloc((roots.n + 1) * sizeof *order);
	if (!order) {
		rc = SPROUT_ERR_NOMEM;
		goto done;
	}
	for (size_t r = 0; r < roots.n; r++)
		order[r] = r;
	sprout_rng_shuffle(&rng, order, roots.n, sizeof *order);
	size_t taken = 0;
	if (!o->balance) {
		/* rounds over the seeds that still have variants: a seed out of
		 * them leaves the turn order, so each round costs what it hands out */
		for (size_t live = roots.n; live && taken < budget;) {
			size_t keep = 0;
			for (size_t k = 0; k < live; k++) {
				struct group *g = &roots.g[order[k]];
				if (taken < budget && g->next < g->n) {
					chosen[g->v[g->next++]] = 1;
					taken++;
				}
				if (g->next < g->n)
					order[keep++] = order[k];
			}
			live = keep;
		}
		plan->kept_synthetic = taken;
	} else {
		/* give the next variant to the label with the fewest records that
		 * still has variants (ties: the label first in byte order); seeds
		 * of a label take turns */
		rc = balance(b, &roots, order, budget, chosen, &taken);
		if (rc) {
			free(order);
			goto done;
		}
		plan->kept_synthetic = taken;
	}
	free(order);
	for (size_t r = 0; r < roots.n; r++) {
		struct group *g = &roots.g[r];
		for (size_t k = 0; k < g->n; k++)
			if (!chosen[g->v[k]]) {
				plan->dropped[g->v[k]] = share_binds ? "share" : "ratio";
				plan->by_reason[share_binds ? 2 : 1]++;
			}
	}
	for (size_t i = 0; i < n; i++)
		if (chosen[i])
			plan->out[plan->nout++] = i;
	if (o->shuffle) {
		sprout_rng_init(&rng, o->seed, "", "mix.shuffle");
		sprout_rng_shuffle(&rng, plan->out, plan->nout, sizeof *plan->out);
	}
done:
	free(group);
	groups_free(&roots);
	return rc ? sprout_error_set(err, rc, "out of memory") : SPROUT_OK;
#undef NOGROUP
}

sprout_code sprout_mix(const sprout_record *recs, size_t n, const sprout_mix_options *o,
		       sprout_arena *a, sprout_mix_plan *plan, sprout_error *err)
{
	sprout_briefs *b = briefs_of(recs, n, err);
	if (!b)
		return err->code;
	sprout_code rc = sprout_mix_briefs(b, o, a, plan, err);
	sprout_briefs_free(b);
	return rc;
}

/* ---- split ------------------------------------------------------------- */

/* Largest-remainder shares of total over groups of sizes n[]: out[g]. */
static void apportion(const size_t *sizes, size_t ng, size_t total, size_t *out)
{
	size_t sum = 0, given = 0;
	for (size_t g = 0; g < ng; g++)
		sum += sizes[g];
	if (!sum)
		return;
	double *rem = malloc((ng + 1) * sizeof *rem);
	for (size_t g = 0; g < ng; g++) {
		double exact = (double)total * (double)sizes[g] / (double)sum;
		out[g] = (size_t)floor(exact);
		if (rem)
			rem[g] = exact - (double)out[g];
		given += out[g];
	}
	while (given < total && rem) {
		size_t best = 0;
		for (size_t g = 1; g < ng; g++)
			if (rem[g] > rem[best])
				best = g;
		if (rem[best] < 0)
			break;
		out[best]++;
		rem[best] = -1;
		given++;
	}
	free(rem);
}

sprout_code sprout_split_briefs(const sprout_briefs *b, const sprout_split_options *o,
				sprout_arena *a, sprout_split_plan *plan, sprout_error *err)
{
#define NOGROUP ((size_t)-1)
	size_t n = b->n;
	memset(plan, 0, sizeof *plan);
	plan->side = sprout_arena_alloc(a, (n + 1) * sizeof *plan->side);
	plan->why = sprout_arena_alloc(a, (n + 1) * sizeof *plan->why);
	if (!plan->side || !plan->why)
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	memset(plan->why, 0, (n + 1) * sizeof *plan->why);
	struct groups labels = {0};
	size_t *sizes = NULL, *ntest = NULL, *nvalid = NULL;
	size_t *group = malloc((b->labels.n + 1) * sizeof *group);
	size_t *first = malloc((b->roots.n + 1) * sizeof *first); /* each seed's real record */
	sprout_code rc = SPROUT_OK;
	size_t real = 0;
	if (!group || !first) {
		rc = SPROUT_ERR_NOMEM;
		goto done;
	}
	for (size_t l = 0; l < b->labels.n; l++)
		group[l] = NOGROUP;
	for (size_t r = 0; r < b->roots.n; r++)
		first[r] = NOGROUP;
	/* real records per label (one group without stratification), in
	 * first-seen order */
	for (size_t i = 0; i < n; i++) {
		if (!b->v[i].real)
			continue;
		real++;
		size_t l = o->stratify ? b->v[i].label : 0;
		if (!o->stratify ? !labels.n : group[l] == NOGROUP) {
			if (!group_append(&labels, o->stratify ? b->labels.key[l] : "")) {
				rc = SPROUT_ERR_NOMEM;
				goto done;
			}
			if (o->stratify)
				group[l] = labels.n - 1;
		}
		if (group_add(&labels.g[o->stratify ? group[l] : 0], i)) {
			rc = SPROUT_ERR_NOMEM;
			goto done;
		}
	}
	sizes = calloc(labels.n + 1, sizeof *sizes);
	ntest = calloc(labels.n + 1, sizeof *ntest);
	nvalid = calloc(labels.n + 1, sizeof *nvalid);
	if (!sizes || !ntest || !nvalid) {
		rc = SPROUT_ERR_NOMEM;
		goto done;
	}
	for (size_t g = 0; g < labels.n; g++)
		sizes[g] = labels.g[g].n;
	/* exact totals over the whole set, spread over the labels */
	apportion(sizes, labels.n, (size_t)floor(o->test * (double)real + 0.5), ntest);
	for (size_t g = 0; g < labels.n; g++)
		sizes[g] -= ntest[g];
	apportion(sizes, labels.n, (size_t)floor(o->valid * (double)real + 0.5), nvalid);
	for (size_t i = 0; i < n; i++)
		plan->side[i] = SPROUT_SPLIT_TRAIN;
	for (size_t g = 0; g < labels.n; g++) {
		struct group *lg = &labels.g[g];
		sprout_rng rng;
		sprout_rng_init(&rng, o->seed, lg->key, "split");
		sprout_rng_shuffle(&rng, lg->v, lg->n, sizeof *lg->v);
		for (size_t k = 0; k < lg->n; k++)
			plan->side[lg->v[k]] = k < ntest[g]		  ? SPROUT_SPLIT_TEST
					       : k < ntest[g] + nvalid[g] ? SPROUT_SPLIT_VALID
									  : SPROUT_SPLIT_TRAIN;
	}
	/* synthetic records follow their seed (the first real record with
	 * their root as its id); held-out seeds lose them */
	for (size_t i = 0; i < n; i++)
		if (b->v[i].real && first[b->v[i].root] == NOGROUP)
			first[b->v[i].root] = i;
	for (size_t i = 0; i < n; i++) {
		if (b->v[i].real)
			continue;
		size_t f = first[b->v[i].root];
		int side = f != NOGROUP ? plan->side[f] : SPROUT_SPLIT_TRAIN;
		if (side != SPROUT_SPLIT_TRAIN) {
			plan->side[i] = SPROUT_SPLIT_DROPPED;
			plan->why[i] = side == SPROUT_SPLIT_TEST
					   ? "its seed is in the test split"
					   : "its seed is in the validation split";
		}
	}
	for (size_t i = 0; i < n; i++)
		plan->count[plan->side[i]]++;
done:
	free(group);
	free(first);
	free(sizes);
	free(ntest);
	free(nvalid);
	groups_free(&labels);
	return rc ? sprout_error_set(err, rc, "out of memory") : SPROUT_OK;
#undef NOGROUP
}

/* ---- the leakage check ------------------------------------------------- */

struct sprout_leakcheck {
	sprout_neardup *nd;
	size_t *train; /* record index of each training prompt, in the index's order */
	size_t ntrain, tcap;
	sprout_arena *mem; /* held-out prompts */
	struct held {
		size_t i;
		const char *s;
		size_t len;
	} * held;
	size_t nheld, hcap;
};

sprout_leakcheck *sprout_leakcheck_new(double jaccard)
{
	sprout_leakcheck *lc = calloc(1, sizeof *lc);
	if (!lc)
		return NULL;
	if (!(lc->nd = sprout_neardup_new(jaccard)) || !(lc->mem = sprout_arena_new(0))) {
		sprout_leakcheck_free(lc);
		return NULL;
	}
	return lc;
}

void sprout_leakcheck_free(sprout_leakcheck *lc)
{
	if (!lc)
		return;
	sprout_neardup_free(lc->nd);
	sprout_arena_free(lc->mem);
	free(lc->train);
	free(lc->held);
	free(lc);
}

sprout_code sprout_leakcheck_train(sprout_leakcheck *lc, size_t i, const char *s, size_t n,
				   sprout_error *err)
{
	if (lc->ntrain == lc->tcap) {
		size_t cap = lc->tcap ? lc->tcap * 2 : 1024;
		size_t *v = realloc(lc->train, cap * sizeof *v);
		if (!v)
			return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		lc->train = v;
		lc->tcap = cap;
	}
	if (sprout_neardup_add(lc->nd, s, n) < 0)
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	lc->train[lc->ntrain++] = i;
	return SPROUT_OK;
}

sprout_code sprout_leakcheck_held(sprout_leakcheck *lc, size_t i, const char *s, size_t n,
				  sprout_error *err)
{
	if (lc->nheld == lc->hcap) {
		size_t cap = lc->hcap ? lc->hcap * 2 : 256;
		struct held *v = realloc(lc->held, cap * sizeof *v);
		if (!v)
			return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		lc->held = v;
		lc->hcap = cap;
	}
	const char *copy = sprout_arena_strndup(lc->mem, s, n);
	if (!copy)
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	lc->held[lc->nheld++] = (struct held){i, copy, n};
	return SPROUT_OK;
}

sprout_code sprout_leakcheck_finish(sprout_leakcheck *lc, sprout_arena *a, sprout_leak **leaks,
				    size_t *nleaks, sprout_error *err)
{
	size_t cap = 0;
	*leaks = NULL;
	*nleaks = 0;
	for (size_t k = 0; k < lc->nheld; k++) {
		size_t w;
		double j;
		int dup = sprout_neardup_check(lc->nd, lc->held[k].s, lc->held[k].len, 0, &w, &j);
		if (dup < 0)
			return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		if (!dup)
			continue;
		if (*nleaks == cap) {
			cap = cap ? cap * 2 : 16;
			sprout_leak *lv = sprout_arena_alloc(a, cap * sizeof *lv);
			if (!lv)
				return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
			if (*nleaks)
				memcpy(lv, *leaks, *nleaks * sizeof *lv);
			*leaks = lv;
		}
		(*leaks)[(*nleaks)++] = (sprout_leak){lc->held[k].i, lc->train[w], j};
	}
	return SPROUT_OK;
}

sprout_code sprout_split(const sprout_record *recs, size_t n, const sprout_split_options *o,
			 sprout_arena *a, sprout_split_plan *plan, sprout_error *err)
{
	sprout_briefs *b = briefs_of(recs, n, err);
	if (!b)
		return err->code;
	sprout_code rc = sprout_split_briefs(b, o, a, plan, err);
	sprout_briefs_free(b);
	if (rc)
		return rc;
	/* leakage: a held-out record near-identical to a training one */
	sprout_leakcheck *lc = sprout_leakcheck_new(o->leak_jaccard);
	if (!lc)
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < n && !rc; i++) {
		sprout_text t;
		if (plan->side[i] == SPROUT_SPLIT_DROPPED ||
		    !sprout_record_get(&recs[i], SPROUT_SLOT_PROMPT, &t))
			continue;
		rc = plan->side[i] == SPROUT_SPLIT_TRAIN
			 ? sprout_leakcheck_train(lc, i, t.s, t.len, err)
			 : sprout_leakcheck_held(lc, i, t.s, t.len, err);
	}
	if (!rc)
		rc = sprout_leakcheck_finish(lc, a, &plan->leaks, &plan->nleaks, err);
	sprout_leakcheck_free(lc);
	return rc;
}
