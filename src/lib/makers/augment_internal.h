/* Shared by the augmentation methods (src/lib/augment*.c). Not installed. */
#ifndef SPROUT_AUGMENT_INTERNAL_H
#define SPROUT_AUGMENT_INTERNAL_H

#include "sprout/augment.h"
#include "sprout/buf.h"
#include "sprout/lm.h"
#include "sprout/rng.h"
#include "sprout/text.h"
#include "sprout/wordnet.h"

struct apertium;

struct sprout_augmenter {
	sprout_augment_options o;
	sprout_wordnet *wn;
	sprout_lm *lm; /* for the check */
	struct apertium *ap;
	double total_weight;
	size_t max_variants;
	sprout_arena *mem;			/* what lives as long as g */
	sprout_json *params[SPROUT_AUG__COUNT]; /* provenance params, shared */
	/* the same written as JSON, with "augment.<method>", for splicing */
	const char *params_json[SPROUT_AUG__COUNT], *method_json[SPROUT_AUG__COUNT];
};

/* What a word reads as in WordNet, whatever its context: every (lemma,
 * part of speech) with its sense and corpus counts. */
struct aug_readings {
	size_t n;
	struct {
		char lemma[SPROUT_WORD_MAX];
		sprout_pos pos;
		unsigned senses, tagged;
	} r[8];
};

/* Synonyms kept for replacement (single words and pairs, no names). */
struct aug_synonyms {
	size_t n;
	const char *w[24];
};

/* Per-thread memo of WordNet answers (src/lib/makers/augment_cache.c). */
struct aug_cache;
struct aug_cache *aug_cache_new(void);
void aug_cache_free(struct aug_cache *c);
/* Forget everything once the cache is large. Answers it gave before are
 * invalid afterwards: call it between records only. */
void aug_cache_trim(struct aug_cache *c);

/* Scratch buffer k (< AUG_SCRATCH) of the worker, emptied: kept between
 * calls so that short-lived texts need no allocation each. */
#define AUG_SCRATCH 3
sprout_buf *aug_cache_scratch(struct aug_cache *c, int k);
/* What a word is to WordNet, whatever its context: its readings, and
 * whether it may start or end a collocation. */
struct aug_word {
	struct aug_readings rd;
	int starts, ends;
};
const struct aug_word *aug_cache_word(struct aug_cache *c, const sprout_wordnet *wn,
				      const char *word);
/* 1 when "x y" is (an inflection of) a collocation of WordNet; xw and yw
 * are the words' entries (NULL: 0). */
int aug_cache_collocation(struct aug_cache *c, const sprout_wordnet *wn, const char *x,
			  const struct aug_word *xw, const char *y, const struct aug_word *yw);
const struct aug_synonyms *aug_cache_synonyms(struct aug_cache *c, const sprout_wordnet *wn,
					      const char *lemma, sprout_pos pos);

/* What a method works with: the augmenter, this thread's cache, and the
 * tokens of the text being augmented (tokenized once per record). */
struct aug_ctx {
	const struct sprout_augmenter *g;
	struct aug_cache *cache;
	const char *stable; /* text whose tokens are kept in toks */
	size_t stable_len;
	int have_toks;
	sprout_tokens toks;
	size_t *cw; /* content words of toks, once computed */
	size_t ncw;
	struct aug_tok *info; /* per token of toks: what the word methods found */
};

/* Tokens of s: the kept ones when s is the stable text, else new ones. */
sprout_code aug_tokenize(struct aug_ctx *c, const char *s, size_t n, sprout_arena *a,
			 sprout_tokens *t);

/* A method: write the new text into out; 1 when it changed something, 0
 * when there was nothing to change this time, AUG_NEVER when there is
 * nothing it could change in this text on any try (so it is not tried
 * again), -1 on OOM. */
#define AUG_NEVER (-2)
typedef int (*aug_fn)(struct aug_ctx *c, const char *s, size_t n, double rate, sprout_rng *rng,
		      sprout_arena *a, sprout_buf *out);

int aug_synonym(struct aug_ctx *c, const char *s, size_t n, double rate, sprout_rng *rng,
		sprout_arena *a, sprout_buf *out);
int aug_insert(struct aug_ctx *c, const char *s, size_t n, double rate, sprout_rng *rng,
	       sprout_arena *a, sprout_buf *out);
int aug_swap(struct aug_ctx *c, const char *s, size_t n, double rate, sprout_rng *rng,
	     sprout_arena *a, sprout_buf *out);
int aug_delete(struct aug_ctx *c, const char *s, size_t n, double rate, sprout_rng *rng,
	       sprout_arena *a, sprout_buf *out);
int aug_typo(struct aug_ctx *c, const char *s, size_t n, double rate, sprout_rng *rng,
	     sprout_arena *a, sprout_buf *out);
int aug_casual(struct aug_ctx *c, const char *s, size_t n, double rate, sprout_rng *rng,
	       sprout_arena *a, sprout_buf *out);
int aug_formal(struct aug_ctx *c, const char *s, size_t n, double rate, sprout_rng *rng,
	       sprout_arena *a, sprout_buf *out);
int aug_format(struct aug_ctx *c, const char *s, size_t n, double rate, sprout_rng *rng,
	       sprout_arena *a, sprout_buf *out);
int aug_question(struct aug_ctx *c, const char *s, size_t n, double rate, sprout_rng *rng,
		 sprout_arena *a, sprout_buf *out);
int aug_polite(struct aug_ctx *c, const char *s, size_t n, double rate, sprout_rng *rng,
	       sprout_arena *a, sprout_buf *out);

/* Words: helpers shared by the methods. */

/* 1 for English function words that word-level methods leave alone. */
int aug_is_stopword(const char *s, size_t n);
size_t aug_stopword_count(void);
const char *aug_stopword(size_t i);

/* Lowercase copy of a token's text in a (ASCII and Unicode). */
char *aug_lower(sprout_arena *a, const char *s, size_t n);

/* 1 when token i begins a sentence: nothing but space and quotes before
 * it, or a '.', '!', '?' or a line break. */
int aug_sentence_start(const char *s, const sprout_tokens *t, size_t i);

/* How many of n items a rate selects: max(1, round(rate * n)), at most n. */
size_t aug_how_many(double rate, size_t n);

/* Apertium pipeline (src/lib/services/apertium.c). */
struct apertium *apertium_open(const char *pair, sprout_error *err);
void apertium_close(struct apertium *ap);
/* Round-trip texts[0..n) (no NUL bytes); out[i] in a, NULL if it failed. */
sprout_code apertium_roundtrip(struct apertium *ap, const char *const *texts, const size_t *lens,
			       size_t n, sprout_arena *a, char **out, sprout_error *err);

#endif
