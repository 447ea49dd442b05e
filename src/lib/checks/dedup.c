/* Exact and near duplicates, and ROUGE-L novelty. See sprout/dedup.h. */
#include "sprout/dedup.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "sprout/arena.h"

static int alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c >= 0x80;
}

sprout_code sprout_normalize(const char *s, size_t n, sprout_buf *out)
{
	int space = 0, any = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!alnum(c)) {
			space = any;
			continue;
		}
		if (space && sprout_buf_addc(out, ' '))
			return SPROUT_ERR_NOMEM;
		space = 0;
		any = 1;
		if (sprout_buf_addc(out, (char)(c >= 'A' && c <= 'Z' ? c + 32 : c)))
			return SPROUT_ERR_NOMEM;
	}
	return SPROUT_OK;
}

/* ---- shingles ----------------------------------------------------------- */

#define SHINGLE 5

/* Ascending order, in place: a quicksort without a comparison callback
 * (qsort's calls were half the time of a near-duplicate check that verifies
 * many candidates), insertion sort for short runs. */
static void sort_u64(uint64_t *v, size_t n)
{
	while (n > 24) {
		uint64_t a = v[0], b = v[n / 2], c = v[n - 1];
		uint64_t pivot =
		    a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
		size_t i = 0, j = n - 1;
		for (;;) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i >= j)
				break;
			uint64_t t = v[i];
			v[i++] = v[j];
			v[j--] = t;
		}
		/* [0, j] <= pivot <= [j + 1, n): recurse on the smaller side */
		size_t left = j + 1;
		if (left < n - left) {
			sort_u64(v, left);
			v += left;
			n -= left;
		} else {
			sort_u64(v + left, n - left);
			n = left;
		}
	}
	for (size_t i = 1; i < n; i++) {
		uint64_t x = v[i];
		size_t j = i;
		for (; j && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

/* Sorted, unique hashes of the character 5-grams of normalised text t. */
static size_t shingles(const char *t, size_t n, uint64_t **out)
{
	size_t k = n >= SHINGLE ? n - SHINGLE + 1 : 1;
	uint64_t *v = malloc(k * sizeof *v);
	if (!v) {
		*out = NULL;
		return 0;
	}
	if (n < SHINGLE)
		v[0] = XXH3_64bits(t, n);
	else
		for (size_t i = 0; i < k; i++)
			v[i] = XXH3_64bits(t + i, SHINGLE);
	sort_u64(v, k);
	size_t u = 0;
	for (size_t i = 0; i < k; i++)
		if (!u || v[u - 1] != v[i])
			v[u++] = v[i];
	*out = v;
	return u;
}

static double jaccard_sets(const uint64_t *a, size_t na, const uint64_t *b, size_t nb)
{
	size_t i = 0, j = 0, inter = 0;
	while (i < na && j < nb) {
		if (a[i] < b[j])
			i++;
		else if (a[i] > b[j])
			j++;
		else
			inter++, i++, j++;
	}
	size_t uni = na + nb - inter;
	return uni ? (double)inter / (double)uni : 1.0;
}

static size_t normalized(const char *s, size_t n, sprout_buf *b)
{
	sprout_buf_clear(b);
	if (sprout_normalize(s, n, b))
		return (size_t)-1;
	return b->len;
}

double sprout_jaccard(const char *a, size_t na, const char *b, size_t nb)
{
	sprout_buf x = SPROUT_BUF_INIT((size_t)1 << 30), y = SPROUT_BUF_INIT((size_t)1 << 30);
	double j = 0;
	if (normalized(a, na, &x) != (size_t)-1 && normalized(b, nb, &y) != (size_t)-1) {
		uint64_t *sa, *sb;
		size_t ka = shingles(x.data ? x.data : "", x.len, &sa);
		size_t kb = shingles(y.data ? y.data : "", y.len, &sb);
		if (sa && sb)
			j = jaccard_sets(sa, ka, sb, kb);
		free(sa);
		free(sb);
	}
	sprout_buf_release(&x);
	sprout_buf_release(&y);
	return j;
}

/* ---- near duplicates: MinHash + LSH ------------------------------------ */

#define PERMS 24
#define BANDS SPROUT_NEARDUP_BANDS
#define ROWS  (PERMS / BANDS)

/* A sketch of a shingle set: how many of its hashes fall in each of BINS
 * bins (by their top bits), saturating at 255. Two sets share at most
 * sum over bins of the smaller count, so a candidate whose sketch cannot
 * reach the threshold is turned down without computing its shingles. */
#define BINS 32

struct sketch {
	uint8_t bin[BINS];
	uint32_t size; /* unique shingles */
};

static void sketch_of(const uint64_t *sh, size_t k, struct sketch *s)
{
	memset(s->bin, 0, sizeof s->bin);
	for (size_t i = 0; i < k; i++) {
		uint8_t *b = &s->bin[sh[i] >> 59];
		*b += *b < 255;
	}
	s->size = k > UINT32_MAX ? UINT32_MAX : (uint32_t)k;
}

/* Can two sets with these sketches have a Jaccard of threshold or more?
 * 0 only when they cannot: the bound on the common shingles makes the
 * largest Jaccard they could have, computed as jaccard_sets does, fall
 * below it. A bin where both counts saturated gives no bound. */
static int sketch_may_reach(const struct sketch *a, const struct sketch *b, double threshold)
{
	unsigned common = 0, both_full = 0;
	for (int i = 0; i < BINS; i++) {
		unsigned x = a->bin[i], y = b->bin[i];
		common += x < y ? x : y;
		both_full |= (x & y) == 255;
	}
	if (both_full || a->size == UINT32_MAX || b->size == UINT32_MAX)
		return 1;
	size_t uni = (size_t)a->size + b->size - common;
	return (uni ? (double)common / (double)uni : 1.0) >= threshold;
}

struct bucket {
	uint64_t key; /* band hash; 0 = empty */
	uint32_t id;
};

struct sprout_neardup {
	double threshold;
	uint64_t a[PERMS], b[PERMS];
	struct bucket *slots;
	size_t cap, n;
	/* normalised texts of the entries, for verification */
	sprout_arena *mem;
	const char **text;
	uint32_t *len;
	struct sketch *sketch; /* per entry */
	uint32_t *stamp;       /* per entry: the check that last verified it */
	uint32_t check;
	size_t count, tcap;
	sprout_buf norm;
	int exhaustive; /* verify every candidate (no sketch bound) */
	unsigned long candidates, verified, confirmed;
};

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

sprout_neardup *sprout_neardup_new(double threshold)
{
	sprout_neardup *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	d->threshold = threshold;
	uint64_t x = 0x5350524f5554ull; /* fixed: signatures do not depend on the run */
	for (int k = 0; k < PERMS; k++) {
		d->a[k] = splitmix(&x) | 1;
		d->b[k] = splitmix(&x);
	}
	d->cap = 1024;
	d->slots = calloc(d->cap, sizeof *d->slots);
	d->mem = sprout_arena_new(1 << 20);
	sprout_buf_init(&d->norm, (size_t)1 << 30);
	if (!d->slots || !d->mem) {
		sprout_neardup_free(d);
		return NULL;
	}
	return d;
}

void sprout_neardup_free(sprout_neardup *d)
{
	if (!d)
		return;
	free(d->slots);
	free(d->text);
	free(d->len);
	free(d->sketch);
	free(d->stamp);
	sprout_arena_free(d->mem);
	sprout_buf_release(&d->norm);
	free(d);
}

void sprout_neardup_counts(const sprout_neardup *d, unsigned long *candidates,
			   unsigned long *verified, unsigned long *confirmed)
{
	*candidates = d->candidates;
	*verified = d->verified;
	*confirmed = d->confirmed;
}

void sprout_neardup_exhaustive(sprout_neardup *d, int on)
{
	d->exhaustive = on != 0;
}

static void signature(const sprout_neardup *d, const uint64_t *sh, size_t k, uint32_t sig[PERMS])
{
	for (int p = 0; p < PERMS; p++)
		sig[p] = UINT32_MAX;
	for (size_t i = 0; i < k; i++)
		for (int p = 0; p < PERMS; p++) {
			uint32_t h = (uint32_t)((d->a[p] * sh[i] + d->b[p]) >> 32);
			if (h < sig[p])
				sig[p] = h;
		}
}

/* The keys under which the index files a text of shingles sh[0..k): one
 * per band, never 0. */
static void band_keys(const sprout_neardup *d, const uint64_t *sh, size_t k, uint64_t keys[BANDS])
{
	uint32_t sig[PERMS];
	signature(d, sh, k, sig);
	for (int band = 0; band < BANDS; band++) {
		keys[band] =
		    XXH3_64bits_withSeed(sig + band * ROWS, ROWS * sizeof *sig, (uint64_t)band);
		if (!keys[band])
			keys[band] = 1;
	}
}

sprout_code sprout_neardup_keys(sprout_neardup *d, const char *s, size_t n,
				uint64_t keys[SPROUT_NEARDUP_BANDS])
{
	if (normalized(s, n, &d->norm) == (size_t)-1)
		return SPROUT_ERR_NOMEM;
	uint64_t *sh;
	size_t k = shingles(d->norm.data ? d->norm.data : "", d->norm.len, &sh);
	if (!sh)
		return SPROUT_ERR_NOMEM;
	band_keys(d, sh, k, keys);
	free(sh);
	return SPROUT_OK;
}

static int grow_buckets(sprout_neardup *d)
{
	size_t cap = d->cap * 2;
	struct bucket *v = calloc(cap, sizeof *v);
	if (!v)
		return -1;
	for (size_t i = 0; i < d->cap; i++) {
		if (!d->slots[i].key)
			continue;
		size_t j = (size_t)d->slots[i].key & (cap - 1);
		while (v[j].key)
			j = (j + 1) & (cap - 1);
		v[j] = d->slots[i];
	}
	free(d->slots);
	d->slots = v;
	d->cap = cap;
	return 0;
}

/* check (look 1) and/or add (see sprout_neardup_check) */
static int neardup(sprout_neardup *d, const char *s, size_t n, int look, int add, size_t *which,
		   double *jaccard);

int sprout_neardup_check(sprout_neardup *d, const char *s, size_t n, int add, size_t *which,
			 double *jaccard)
{
	return neardup(d, s, n, 1, add, which, jaccard);
}

int sprout_neardup_add(sprout_neardup *d, const char *s, size_t n)
{
	size_t which;
	double jaccard;
	return neardup(d, s, n, 0, 2, &which, &jaccard) < 0 ? -1 : 0;
}

static int neardup(sprout_neardup *d, const char *s, size_t n, int look, int add, size_t *which,
		   double *jaccard)
{
	if (normalized(s, n, &d->norm) == (size_t)-1)
		return -1;
	const char *t = d->norm.data ? d->norm.data : "";
	size_t tl = d->norm.len;
	uint64_t *sh;
	size_t k = shingles(t, tl, &sh);
	if (!sh)
		return -1;
	struct sketch sk;
	sketch_of(sh, k, &sk);
	uint64_t keys[BANDS];
	band_keys(d, sh, k, keys);
	/* candidates: entries sharing a band; each verified once (stamped with
	 * the number of this check) */
	if (look && ++d->check == 0) {
		if (d->tcap)
			memset(d->stamp, 0, d->tcap * sizeof *d->stamp);
		d->check = 1;
	}
	int dup = 0;
	for (int band = 0; band < BANDS && !dup && look; band++) {
		for (size_t i = (size_t)keys[band] & (d->cap - 1); d->slots[i].key;
		     i = (i + 1) & (d->cap - 1)) {
			if (d->slots[i].key != keys[band])
				continue;
			uint32_t id = d->slots[i].id;
			if (d->stamp[id] == d->check)
				continue;
			d->stamp[id] = d->check;
			d->candidates++;
			if (!d->exhaustive && !sketch_may_reach(&sk, &d->sketch[id], d->threshold))
				continue;
			d->verified++;
			uint64_t *other;
			size_t ko = shingles(d->text[id], d->len[id], &other);
			if (!other) {
				free(sh);
				return -1;
			}
			double jac = jaccard_sets(sh, k, other, ko);
			free(other);
			if (jac >= d->threshold) {
				d->confirmed++;
				*which = id;
				*jaccard = jac;
				dup = 1;
				break;
			}
		}
	}
	free(sh);
	if (!add || (dup && add != 2))
		return dup;
	/* remember the text and its bands */
	if (d->count == d->tcap) {
		size_t cap = d->tcap ? d->tcap * 2 : 1024;
		const char **tv = realloc(d->text, cap * sizeof *tv);
		if (!tv)
			return -1;
		d->text = tv;
		uint32_t *lv = realloc(d->len, cap * sizeof *lv);
		if (!lv)
			return -1;
		d->len = lv;
		struct sketch *kv = realloc(d->sketch, cap * sizeof *kv);
		if (!kv)
			return -1;
		d->sketch = kv;
		uint32_t *sv = realloc(d->stamp, cap * sizeof *sv);
		if (!sv)
			return -1;
		memset(sv + d->tcap, 0, (cap - d->tcap) * sizeof *sv);
		d->stamp = sv;
		d->tcap = cap;
	}
	char *copy = sprout_arena_strndup(d->mem, t, tl);
	if (!copy)
		return -1;
	d->text[d->count] = copy;
	d->len[d->count] = (uint32_t)tl;
	d->sketch[d->count] = sk;
	for (int band = 0; band < BANDS; band++) {
		if ((d->n + 1) * 2 > d->cap && grow_buckets(d))
			return -1;
		size_t i = (size_t)keys[band] & (d->cap - 1);
		while (d->slots[i].key)
			i = (i + 1) & (d->cap - 1);
		d->slots[i] = (struct bucket){keys[band], (uint32_t)d->count};
		d->n++;
	}
	d->count++;
	return dup;
}

/* ---- ROUGE-L ------------------------------------------------------------ */

/* Tokens: lowercase runs of letters and digits (non-ASCII bytes count as
 * letters). Calls f for each. */
static size_t tokens(const char *s, size_t n, char *buf, size_t bufcap,
		     void (*f)(void *ctx, const char *t, size_t len), void *ctx)
{
	size_t count = 0, i = 0;
	while (i < n) {
		while (i < n && !alnum((unsigned char)s[i]))
			i++;
		size_t b = 0;
		while (i < n && alnum((unsigned char)s[i])) {
			unsigned char c = (unsigned char)s[i++];
			if (b < bufcap)
				buf[b++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		}
		if (b) {
			f(ctx, buf, b);
			count++;
		}
	}
	return count;
}

struct tokdict {
	struct tokent {
		uint64_t h;
		uint32_t id;
		uint32_t freq;
	} * v;
	size_t cap, n;
	uint64_t *rank; /* per id: the order key, fixed when first needed */
	size_t rcap;
	int frozen;
};

static uint32_t tok_id(struct tokdict *d, const char *t, size_t len, int count)
{
	uint64_t h = XXH3_64bits(t, len) | 1;
	if ((d->n + 1) * 2 > d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 1024;
		struct tokent *v = calloc(cap, sizeof *v);
		if (!v)
			return UINT32_MAX;
		for (size_t i = 0; i < d->cap; i++) {
			if (!d->v[i].h)
				continue;
			size_t j = (size_t)d->v[i].h & (cap - 1);
			while (v[j].h)
				j = (j + 1) & (cap - 1);
			v[j] = d->v[i];
		}
		free(d->v);
		d->v = v;
		d->cap = cap;
	}
	size_t i = (size_t)h & (d->cap - 1);
	while (d->v[i].h && d->v[i].h != h)
		i = (i + 1) & (d->cap - 1);
	if (!d->v[i].h) {
		d->v[i].h = h;
		d->v[i].id = (uint32_t)d->n++;
		d->v[i].freq = 0;
	}
	if (count)
		d->v[i].freq++;
	uint32_t id = d->v[i].id;
	/* a token first seen after the order was fixed goes first: rarest */
	if (id >= d->rcap) {
		size_t cap = d->rcap ? d->rcap * 2 : 1024;
		while (cap <= id)
			cap *= 2;
		uint64_t *r = realloc(d->rank, cap * sizeof *r);
		if (!r)
			return UINT32_MAX;
		for (size_t k = d->rcap; k < cap; k++)
			r[k] = UINT64_MAX;
		d->rank = r;
		d->rcap = cap;
	}
	if (d->frozen && d->rank[id] == UINT64_MAX)
		d->rank[id] = (uint64_t)id; /* frequency 0 */
	return id;
}

static void freeze(struct tokdict *d)
{
	if (d->frozen)
		return;
	d->frozen = 1;
	for (size_t i = 0; i < d->cap; i++)
		if (d->v[i].h)
			d->rank[d->v[i].id] = ((uint64_t)d->v[i].freq << 32) | d->v[i].id;
}

struct collect {
	struct tokdict *d;
	uint32_t *ids;
	size_t n, cap;
	int count, fail;
};

static void collect_token(void *ctx, const char *t, size_t len)
{
	struct collect *c = ctx;
	uint32_t id = tok_id(c->d, t, len, c->count);
	if (id == UINT32_MAX) {
		c->fail = 1;
		return;
	}
	if (!c->ids)
		return;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		uint32_t *v = realloc(c->ids, cap * sizeof *v);
		if (!v) {
			c->fail = 1;
			return;
		}
		c->ids = v;
		c->cap = cap;
	}
	c->ids[c->n++] = id;
}

/* LCS length of token sequences (bit-parallel for a up to 64 tokens). */
static size_t lcs(const uint32_t *a, size_t m, const uint32_t *b, size_t n)
{
	if (!m || !n)
		return 0;
	if (m <= 64) {
		uint64_t v = ~0ull, mask = m == 64 ? ~0ull : ((1ull << m) - 1);
		for (size_t j = 0; j < n; j++) {
			uint64_t match = 0;
			for (size_t i = 0; i < m; i++)
				match |= (uint64_t)(a[i] == b[j]) << i;
			uint64_t u = v & match;
			v = (v + u) | (v - u);
		}
		return (size_t)__builtin_popcountll(~v & mask);
	}
	size_t *prev = calloc(n + 1, sizeof *prev), *cur = calloc(n + 1, sizeof *cur);
	if (!prev || !cur) {
		free(prev);
		free(cur);
		return 0;
	}
	for (size_t i = 1; i <= m; i++) {
		for (size_t j = 1; j <= n; j++)
			cur[j] = a[i - 1] == b[j - 1]	? prev[j - 1] + 1
				 : prev[j] > cur[j - 1] ? prev[j]
							: cur[j - 1];
		size_t *t = prev;
		prev = cur;
		cur = t;
	}
	size_t r = prev[n];
	free(prev);
	free(cur);
	return r;
}

static double rouge_f(size_t l, size_t m, size_t n)
{
	return m + n ? 2.0 * (double)l / (double)(m + n) : 0;
}

double sprout_rouge_l(const char *a, size_t na, const char *b, size_t nb)
{
	struct tokdict d = {0};
	char buf[256];
	struct collect ca = {&d, malloc(64 * sizeof(uint32_t)), 0, 64, 0, 0};
	struct collect cb = {&d, malloc(64 * sizeof(uint32_t)), 0, 64, 0, 0};
	double r = 0;
	if (ca.ids && cb.ids) {
		tokens(a, na, buf, sizeof buf, collect_token, &ca);
		tokens(b, nb, buf, sizeof buf, collect_token, &cb);
		if (!ca.fail && !cb.fail)
			r = rouge_f(lcs(ca.ids, ca.n, cb.ids, cb.n), ca.n, cb.n);
	}
	free(ca.ids);
	free(cb.ids);
	free(d.v);
	free(d.rank);
	return r;
}

/* ---- novelty pool with a prefix filter ---------------------------------- */

struct posting {
	uint64_t key; /* element: token id << 8 | occurrence; 0 = empty */
	uint32_t entry;
};

struct sprout_novelty {
	double threshold;
	struct tokdict dict;
	uint32_t **seq; /* token sequences of the entries */
	uint32_t *len;
	size_t count, scap;
	struct posting *post;
	size_t pcap, pn;
	uint32_t *mark; /* per entry: last query that reached it */
	uint32_t query;
	unsigned long verified;
};

sprout_novelty *sprout_novelty_new(double threshold)
{
	sprout_novelty *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->threshold = threshold;
	p->pcap = 1024;
	if (!(p->post = calloc(p->pcap, sizeof *p->post))) {
		free(p);
		return NULL;
	}
	return p;
}

void sprout_novelty_free(sprout_novelty *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->count; i++)
		free(p->seq[i]);
	free(p->seq);
	free(p->len);
	free(p->post);
	free(p->mark);
	free(p->dict.v);
	free(p->dict.rank);
	free(p);
}

unsigned long sprout_novelty_verified(const sprout_novelty *p)
{
	return p->verified;
}

sprout_code sprout_novelty_count(sprout_novelty *p, const char *s, size_t n)
{
	char buf[256];
	struct collect c = {&p->dict, NULL, 0, 0, 1, 0};
	tokens(s, n, buf, sizeof buf, collect_token, &c);
	return c.fail ? SPROUT_ERR_NOMEM : SPROUT_OK;
}

/* The smallest overlap a text of m tokens needs with any partner to pass
 * the threshold: partners shorter than n_lo cannot, and ROUGE-L F1 needs
 * LCS > threshold * (m + n) / 2 <= overlap. */
static size_t min_overlap(double tau, size_t m)
{
	if (tau <= 0)
		return 1;
	if (tau >= 2)
		return m + 1;
	size_t n_lo = (size_t)floor(tau * (double)m / (2 - tau)) + 1;
	size_t a = (size_t)floor(tau * (double)(m + n_lo) / 2) + 1;
	return a < 1 ? 1 : a;
}

struct elem {
	uint64_t rank, key;
};

static int cmp_elem(const void *x, const void *y)
{
	const struct elem *a = x, *b = y;
	return a->rank < b->rank ? -1 : a->rank > b->rank;
}

/* The prefix of a token sequence: its first elements in rarity order. */
static size_t prefix(struct sprout_novelty *p, const uint32_t *ids, size_t m, struct elem *e)
{
	freeze(&p->dict);
	for (size_t i = 0; i < m; i++) {
		size_t occ = 0;
		for (size_t j = 0; j < i; j++)
			occ += ids[j] == ids[i];
		if (occ > 255)
			occ = 255;
		e[i].key = ((uint64_t)ids[i] << 8 | occ) + 1;
		e[i].rank = (p->dict.rank[ids[i]] << 8 | occ);
	}
	qsort(e, m, sizeof *e, cmp_elem);
	size_t need = min_overlap(p->threshold, m);
	return need > m ? 0 : m - need + 1;
}

static sprout_code tokenize_to(sprout_novelty *p, const char *s, size_t n, uint32_t **ids,
			       size_t *m)
{
	char buf[256];
	struct collect c = {&p->dict, malloc(64 * sizeof(uint32_t)), 0, 64, 0, 0};
	if (!c.ids)
		return SPROUT_ERR_NOMEM;
	tokens(s, n, buf, sizeof buf, collect_token, &c);
	if (c.fail) {
		free(c.ids);
		return SPROUT_ERR_NOMEM;
	}
	*ids = c.ids;
	*m = c.n;
	return SPROUT_OK;
}

/* Bit masks of where each token of a query stands, for bit-parallel LCS
 * against many candidates: token ids hashed into a small table. */
struct masks {
	uint32_t id[128];
	uint64_t bits[128];
};

static void masks_build(struct masks *mk, const uint32_t *a, size_t m)
{
	memset(mk->id, 0xff, sizeof mk->id);
	for (size_t i = 0; i < m; i++) {
		size_t k = (a[i] * 2654435761u) & 127;
		while (mk->id[k] != UINT32_MAX && mk->id[k] != a[i])
			k = (k + 1) & 127;
		mk->id[k] = a[i];
	}
	memset(mk->bits, 0, sizeof mk->bits);
	for (size_t i = 0; i < m; i++) {
		size_t k = (a[i] * 2654435761u) & 127;
		while (mk->id[k] != a[i])
			k = (k + 1) & 127;
		mk->bits[k] |= 1ull << i;
	}
}

static size_t lcs_masks(const struct masks *mk, size_t m, const uint32_t *b, size_t n)
{
	uint64_t v = ~0ull, mask = m == 64 ? ~0ull : ((1ull << m) - 1);
	for (size_t j = 0; j < n; j++) {
		size_t k = (b[j] * 2654435761u) & 127;
		uint64_t match = 0;
		while (mk->id[k] != UINT32_MAX) {
			if (mk->id[k] == b[j]) {
				match = mk->bits[k];
				break;
			}
			k = (k + 1) & 127;
		}
		uint64_t u = v & match;
		v = (v + u) | (v - u);
	}
	return (size_t)__builtin_popcountll(~v & mask);
}

int sprout_novelty_check(sprout_novelty *p, const char *s, size_t n, double *best, size_t *which)
{
	uint32_t *ids;
	size_t m;
	*best = 0;
	*which = 0;
	if (tokenize_to(p, s, n, &ids, &m))
		return -1;
	struct elem *e = malloc((m + 1) * sizeof *e);
	if (!e) {
		free(ids);
		return -1;
	}
	size_t pl = prefix(p, ids, m, e);
	p->query++;
	double tau = p->threshold;
	struct masks mk;
	int fast = m <= 64;
	if (fast)
		masks_build(&mk, ids, m);
	/* the first pool text above the threshold decides: stop there */
	for (size_t i = 0; i < pl && *best <= tau; i++) {
		uint64_t key = e[i].key;
		for (size_t k = (size_t)XXH3_64bits(&key, sizeof key) & (p->pcap - 1);
		     p->post[k].key; k = (k + 1) & (p->pcap - 1)) {
			if (p->post[k].key != key)
				continue;
			uint32_t id = p->post[k].entry;
			if (p->mark[id] == p->query)
				continue;
			p->mark[id] = p->query;
			size_t len = p->len[id];
			/* lengths that cannot reach the threshold */
			size_t lo = m < len ? m : len;
			if (rouge_f(lo, m, len) <= tau)
				continue;
			p->verified++;
			size_t l = fast ? lcs_masks(&mk, m, p->seq[id], len)
					: lcs(ids, m, p->seq[id], len);
			double r = rouge_f(l, m, len);
			if (r > *best) {
				*best = r;
				*which = id;
				if (r > tau)
					break;
			}
		}
	}
	free(e);
	free(ids);
	return *best <= tau;
}

static int grow_postings(sprout_novelty *p)
{
	size_t cap = p->pcap * 2;
	struct posting *v = calloc(cap, sizeof *v);
	if (!v)
		return -1;
	for (size_t i = 0; i < p->pcap; i++) {
		if (!p->post[i].key)
			continue;
		uint64_t key = p->post[i].key;
		size_t j = (size_t)XXH3_64bits(&key, sizeof key) & (cap - 1);
		while (v[j].key)
			j = (j + 1) & (cap - 1);
		v[j] = p->post[i];
	}
	free(p->post);
	p->post = v;
	p->pcap = cap;
	return 0;
}

sprout_code sprout_novelty_add(sprout_novelty *p, const char *s, size_t n)
{
	uint32_t *ids;
	size_t m;
	if (tokenize_to(p, s, n, &ids, &m))
		return SPROUT_ERR_NOMEM;
	if (p->count == p->scap) {
		size_t cap = p->scap ? p->scap * 2 : 1024;
		uint32_t **sv = realloc(p->seq, cap * sizeof *sv);
		uint32_t *lv = sv ? realloc(p->len, cap * sizeof *lv) : NULL;
		uint32_t *mv = lv ? realloc(p->mark, cap * sizeof *mv) : NULL;
		if (sv)
			p->seq = sv;
		if (lv)
			p->len = lv;
		if (!mv) {
			free(ids);
			return SPROUT_ERR_NOMEM;
		}
		p->mark = mv;
		p->scap = cap;
	}
	struct elem *e = malloc((m + 1) * sizeof *e);
	if (!e) {
		free(ids);
		return SPROUT_ERR_NOMEM;
	}
	size_t pl = prefix(p, ids, m, e);
	uint32_t id = (uint32_t)p->count;
	for (size_t i = 0; i < pl; i++) {
		if ((p->pn + 1) * 2 > p->pcap && grow_postings(p)) {
			free(e);
			free(ids);
			return SPROUT_ERR_NOMEM;
		}
		uint64_t key = e[i].key;
		size_t k = (size_t)XXH3_64bits(&key, sizeof key) & (p->pcap - 1);
		while (p->post[k].key)
			k = (k + 1) & (p->pcap - 1);
		p->post[k] = (struct posting){key, id};
		p->pn++;
	}
	free(e);
	p->seq[id] = ids;
	p->len[id] = (uint32_t)m;
	p->mark[id] = 0;
	p->count++;
	return SPROUT_OK;
}
