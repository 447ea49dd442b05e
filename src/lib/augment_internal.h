/* Shared by the augmentation methods (src/lib/augment*.c). Not installed. */
#ifndef SPROUT_AUGMENT_INTERNAL_H
#define SPROUT_AUGMENT_INTERNAL_H

#include "sprout/augment.h"
#include "sprout/buf.h"
#include "sprout/rng.h"
#include "sprout/text.h"
#include "sprout/wordnet.h"

struct apertium;

struct sprout_augmenter {
	sprout_augment_options o;
	sprout_wordnet *wn;
	struct apertium *ap;
	double total_weight;
	size_t max_variants;
};

/* A method: write the new text into out; 1 when it changed something, 0
 * when there was nothing to change, -1 on OOM. */
typedef int (*aug_fn)(const struct sprout_augmenter *g, const char *s, size_t n, double rate,
		      sprout_rng *rng, sprout_arena *a, sprout_buf *out);

int aug_synonym(const struct sprout_augmenter *g, const char *s, size_t n, double rate,
		sprout_rng *rng, sprout_arena *a, sprout_buf *out);
int aug_insert(const struct sprout_augmenter *g, const char *s, size_t n, double rate,
	       sprout_rng *rng, sprout_arena *a, sprout_buf *out);
int aug_swap(const struct sprout_augmenter *g, const char *s, size_t n, double rate,
	     sprout_rng *rng, sprout_arena *a, sprout_buf *out);
int aug_delete(const struct sprout_augmenter *g, const char *s, size_t n, double rate,
	       sprout_rng *rng, sprout_arena *a, sprout_buf *out);
int aug_typo(const struct sprout_augmenter *g, const char *s, size_t n, double rate,
	     sprout_rng *rng, sprout_arena *a, sprout_buf *out);
int aug_casual(const struct sprout_augmenter *g, const char *s, size_t n, double rate,
	       sprout_rng *rng, sprout_arena *a, sprout_buf *out);
int aug_formal(const struct sprout_augmenter *g, const char *s, size_t n, double rate,
	       sprout_rng *rng, sprout_arena *a, sprout_buf *out);
int aug_format(const struct sprout_augmenter *g, const char *s, size_t n, double rate,
	       sprout_rng *rng, sprout_arena *a, sprout_buf *out);

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

/* Apertium pipeline (src/lib/apertium.c). */
struct apertium *apertium_open(const char *pair, sprout_error *err);
void apertium_close(struct apertium *ap);
/* Round-trip texts[0..n) (no NUL bytes); out[i] in a, NULL if it failed. */
sprout_code apertium_roundtrip(struct apertium *ap, const char *const *texts, const size_t *lens,
			       size_t n, sprout_arena *a, char **out, sprout_error *err);

#endif
