/* A per-thread memo of WordNet answers for the augmenters: what a word can
 * be, whether two words form a collocation, the synonyms of a lemma. Words
 * repeat a lot in a dataset, and each answer costs several lookups. No
 * locks: every thread has its own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "makers/augment_internal.h"

#define MAX_ENTRIES 200000 /* then start again, so memory stays bounded */

struct entry {
	uint64_t h;
	const char *key;
	size_t klen;
	void *val;
};

struct aug_cache {
	struct entry *v;
	size_t cap, n;
	sprout_arena *mem;
	sprout_buf scratch[AUG_SCRATCH];
};

static int yes = 1, no = 0;

struct aug_cache *aug_cache_new(void)
{
	struct aug_cache *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->cap = 1024;
	for (int k = 0; k < AUG_SCRATCH; k++)
		sprout_buf_init(&c->scratch[k], (size_t)1 << 20);
	c->v = calloc(c->cap, sizeof *c->v);
	c->mem = sprout_arena_new(256 * 1024);
	if (!c->v || !c->mem) {
		aug_cache_free(c);
		return NULL;
	}
	return c;
}

void aug_cache_free(struct aug_cache *c)
{
	if (!c)
		return;
	free(c->v);
	sprout_arena_free(c->mem);
	for (int k = 0; k < AUG_SCRATCH; k++)
		sprout_buf_release(&c->scratch[k]);
	free(c);
}

sprout_buf *aug_cache_scratch(struct aug_cache *c, int k)
{
	sprout_buf_clear(&c->scratch[k]);
	return &c->scratch[k];
}

void aug_cache_trim(struct aug_cache *c)
{
	if (c->n < MAX_ENTRIES)
		return;
	memset(c->v, 0, c->cap * sizeof *c->v);
	c->n = 0;
	sprout_arena_reset(c->mem);
}

static struct entry *slot(struct aug_cache *c, const char *key, size_t klen, uint64_t h)
{
	size_t i = (size_t)h & (c->cap - 1);
	while (c->v[i].key &&
	       !(c->v[i].h == h && c->v[i].klen == klen && memcmp(c->v[i].key, key, klen) == 0))
		i = (i + 1) & (c->cap - 1);
	return &c->v[i];
}

static void *get(struct aug_cache *c, const char *key, size_t klen)
{
	uint64_t h = XXH3_64bits(key, klen);
	struct entry *e = slot(c, key, klen, h);
	return e->key ? e->val : NULL;
}

/* Remember val (allocated in c->mem) under key. On OOM nothing is kept. */
static void put(struct aug_cache *c, const char *key, size_t klen, void *val)
{
	if ((c->n + 1) * 2 > c->cap) {
		size_t cap = c->cap * 2;
		struct entry *v = calloc(cap, sizeof *v);
		if (!v)
			return;
		for (size_t i = 0; i < c->cap; i++) {
			if (!c->v[i].key)
				continue;
			size_t j = (size_t)c->v[i].h & (cap - 1);
			while (v[j].key)
				j = (j + 1) & (cap - 1);
			v[j] = c->v[i];
		}
		free(c->v);
		c->v = v;
		c->cap = cap;
	}
	char *k = sprout_arena_strndup(c->mem, key, klen);
	if (!k)
		return;
	uint64_t h = XXH3_64bits(key, klen);
	struct entry *e = slot(c, key, klen, h);
	*e = (struct entry){h, k, klen, val};
	c->n++;
}

/* "t:word" style keys */
static size_t make_key(char *buf, size_t cap, char type, const char *a, const char *b)
{
	size_t al = strlen(a), bl = b ? strlen(b) : 0, n = 2 + al + (b ? 1 + bl : 0);
	if (n >= cap)
		return 0;
	buf[0] = type;
	buf[1] = ':';
	memcpy(buf + 2, a, al);
	if (b) {
		buf[2 + al] = ' ';
		memcpy(buf + 3 + al, b, bl);
	}
	buf[n] = '\0';
	return n;
}

const struct aug_word *aug_cache_word(struct aug_cache *c, const sprout_wordnet *wn,
				      const char *word)
{
	char key[SPROUT_WORD_MAX + 8];
	size_t kl = make_key(key, sizeof key, 'w', word, NULL);
	if (!kl)
		return NULL;
	struct aug_word *w = get(c, key, kl);
	if (w)
		return w;
	w = sprout_arena_alloc(c->mem, sizeof *w);
	if (!w)
		return NULL;
	struct aug_readings *r = &w->rd;
	r->n = 0;
	for (int pos = 0; pos < SPROUT_POS__COUNT; pos++) {
		char lemmas[4][SPROUT_WORD_MAX];
		size_t nl = sprout_wordnet_lemmas(wn, word, (sprout_pos)pos, lemmas, 4);
		for (size_t j = 0; j < nl && r->n < 8; j++) {
			memcpy(r->r[r->n].lemma, lemmas[j], SPROUT_WORD_MAX);
			r->r[r->n].pos = (sprout_pos)pos;
			sprout_wordnet_info(wn, lemmas[j], (sprout_pos)pos, &r->r[r->n].senses,
					    &r->r[r->n].tagged);
			r->n++;
		}
	}
	w->starts = sprout_wordnet_may_start_collocation(wn, word);
	w->ends = sprout_wordnet_may_end_collocation(wn, word);
	put(c, key, kl, w);
	return w;
}

int aug_cache_collocation(struct aug_cache *c, const sprout_wordnet *wn, const char *x,
			  const struct aug_word *xw, const char *y, const struct aug_word *yw)
{
	/* most pairs have a first word that starts no collocation, or a last
	 * word that ends none: no need to ask */
	if (!x || !y || !*x || !*y || !xw || !yw || !xw->starts || !yw->ends)
		return 0;
	char key[2 * SPROUT_WORD_MAX + 8];
	size_t kl = make_key(key, sizeof key, 'c', x, y);
	if (!kl)
		return 0;
	int *v = get(c, key, kl);
	if (v)
		return *v;
	int found = 0;
	for (int pos = 0; pos < SPROUT_POS__COUNT && !found; pos++) {
		char lemmas[2][SPROUT_WORD_MAX];
		found = sprout_wordnet_lemmas(wn, key + 2, (sprout_pos)pos, lemmas, 2) > 0;
	}
	put(c, key, kl, found ? &yes : &no);
	return found;
}

const struct aug_synonyms *aug_cache_synonyms(struct aug_cache *c, const sprout_wordnet *wn,
					      const char *lemma, sprout_pos pos)
{
	char key[SPROUT_WORD_MAX + 8];
	char posname[2] = {(char)('0' + pos), '\0'};
	size_t kl = make_key(key, sizeof key, 's', posname, lemma);
	if (!kl)
		return NULL;
	struct aug_synonyms *s = get(c, key, kl);
	if (s)
		return s;
	s = sprout_arena_alloc(c->mem, sizeof *s);
	if (!s)
		return NULL;
	s->n = 0;
	unsigned senses, tagged;
	sprout_wordnet_info(wn, lemma, pos, &senses, &tagged);
	/* the first sense only for words with many meanings: synonyms of rare
	 * senses change what the text says */
	size_t max_senses = senses > 3 ? 1 : 2;
	char syn[24][SPROUT_WORD_MAX];
	size_t ns = sprout_wordnet_close_synonyms(wn, lemma, pos, max_senses, 1, syn, 24);
	/* keep single words and pairs, lowercase ones (not names), no
	 * function words */
	for (size_t j = 0; j < ns; j++) {
		int spaces = 0, upper = 0;
		for (const char *p = syn[j]; *p; p++) {
			spaces += *p == ' ';
			upper += *p >= 'A' && *p <= 'Z';
		}
		/* one word for one word: "standard pressure" is no way to say
		 * "atm", nor "bill of fare" "card" */
		if (spaces > (strchr(lemma, '_') || strchr(lemma, ' ') ? 1 : 0) || upper ||
		    strchr(syn[j], '.') || aug_is_stopword(syn[j], strlen(syn[j])))
			continue;
		const char *w = sprout_arena_strndup(c->mem, syn[j], strlen(syn[j]));
		if (w)
			s->w[s->n++] = w;
	}
	put(c, key, kl, s);
	return s;
}
