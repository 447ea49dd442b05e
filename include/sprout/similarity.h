/* sprout/similarity.h - how close in meaning two texts are, 0 to 1.
 *
 * Engines:
 *   meaning  does a variant say what its parent says, in English a person
 *            would write: word alignment, WordNet senses and a trigram
 *            model of English, combined by a model fitted on hand-judged
 *            variants (sprout/meaning.h has the scale); the default.
 *   lexical  TF-IDF cosine of the words, on the STS scale (gold score / 5).
 *   wordnet  lemma- and synonym-aware: words align with the same lemma, a
 *            shared WordNet sense or a hypernym, weighted by IDF, combined
 *            with the lexical and character-level cosines by a linear
 *            calibration fitted on STS-B train (bench/sts.sh --fit).
 * (The embed engine, over an embeddings endpoint, is in sprout/embed.h.)
 *
 * IDF comes from the documents given to sprout_sim_observe (the dataset
 * being filtered, say); with none, every word weighs the same.
 * Not thread-safe: one sprout_sim per thread.
 */
#ifndef SPROUT_SIMILARITY_H
#define SPROUT_SIMILARITY_H

#include <stddef.h>

#include "sprout/error.h"
#include "sprout/wordnet.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sprout_sim_kind {
	SPROUT_SIM_LEXICAL,
	SPROUT_SIM_WORDNET,
	SPROUT_SIM_MEANING,
	SPROUT_SIM__COUNT,
	SPROUT_SIM_EMBED = SPROUT_SIM__COUNT /* not a sprout_sim: see sprout/embed.h */
} sprout_sim_kind;

/* "lexical", "wordnet", "meaning", "embed". */
const char *sprout_sim_name(sprout_sim_kind k);

typedef struct sprout_sim sprout_sim;

/* A scorer; wn is needed (and borrowed) for SPROUT_SIM_WORDNET and
 * SPROUT_SIM_MEANING, which also opens the language model (sprout/lm.h:
 * SPROUT_ERR_IO naming the Debian package when it is missing). */
sprout_sim *sprout_sim_new(sprout_sim_kind kind, const sprout_wordnet *wn, sprout_error *err);
void sprout_sim_free(sprout_sim *s); /* accepts NULL */

/* Count a document for IDF. Fails only on OOM. */
sprout_code sprout_sim_observe(sprout_sim *s, const char *text, size_t len);

/* Similarity of a and b in [0, 1]; for meaning, a is the parent and b the
 * variant (the score is not symmetric). */
double sprout_sim_score(sprout_sim *s, const char *a, size_t alen, const char *b, size_t blen);

/* The raw features behind a wordnet score (for calibration); returns how
 * many were written (at most max, SPROUT_SIM_FEATURES in all). */
#define SPROUT_SIM_FEATURES 7
size_t sprout_sim_features(sprout_sim *s, const char *a, size_t alen, const char *b, size_t blen,
			   double *out, size_t max);

/* Replace the calibration: score = clamp(w[0] + sum w[i+1] * feature[i]). */
void sprout_sim_set_weights(sprout_sim *s, const double w[SPROUT_SIM_FEATURES + 1]);

#ifdef __cplusplus
}
#endif
#endif
