/* sprout/meaning.h - does a variant say what its parent says, in English a
 * person would write? The features behind the `meaning` similarity engine
 * (sprout/similarity.h), from three offline parts:
 *
 *   - a trigram model of English (sprout/lm.h): how much less probable the
 *     variant is than its parent, in all and at its worst word, after the
 *     variant's keyboard typos are mapped back to the parent's words (a typo
 *     is not a change of wording) and chat words read as what they stand for
 *     ("u" as "you");
 *   - an alignment of the two texts' words (contractions expanded): words
 *     kept, moved, dropped, added, replaced by an inflection or a WordNet
 *     synonym, each weighed by how informative the word is (its unigram
 *     probability in the model);
 *   - WordNet's sense counts (cntlist.rev): whether a synonym shares the
 *     sense the replaced word usually has, and the one the new word usually
 *     has.
 *
 * The texts are compared as they are; nothing here depends on the rest of
 * the dataset.
 */
#ifndef SPROUT_MEANING_H
#define SPROUT_MEANING_H

#include <stddef.h>

#include "sprout/error.h"
#include "sprout/lm.h"
#include "sprout/wordnet.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The features, in this order (names from sprout_meaning_feature_name). */
typedef enum sprout_meaning_feature {
	SPROUT_MF_SAME,	      /* 1: the same words, in the same order (case, punctuation) */
	SPROUT_MF_LM_DELTA,   /* log10 P(variant) - log10 P(parent), whole texts */
	SPROUT_MF_LM_WORD,    /* the same per word (each text's total over its words + 1) */
	SPROUT_MF_LM_WORST,   /* worst word's log10 P in the variant minus in the parent */
	SPROUT_MF_TYPOS,      /* words read as keyboard typos of the parent's */
	SPROUT_MF_KEPT,	      /* informative weight of the parent's words kept, share */
	SPROUT_MF_DROPPED,    /* weight of content words dropped */
	SPROUT_MF_ADDED,      /* weight of content words added */
	SPROUT_MF_DROPPED_FN, /* function words dropped (count) */
	SPROUT_MF_ADDED_FN,   /* function words added (count) */
	SPROUT_MF_MOVED,      /* content words found in both texts but out of order */
	SPROUT_MF_INFLECTED,  /* words replaced by another form of the same lemma */
	SPROUT_MF_SYNONYMS,   /* words replaced by a WordNet synonym */
	SPROUT_MF_SENSE_OLD,  /* worst synonym: 1 - share of the old word's uses in the shared sense
			       */
	SPROUT_MF_SENSE_NEW,  /* worst synonym: 1 - share of the new word's uses in it */
	SPROUT_MF_RARER,      /* worst synonym: how much rarer the new word is (log10) */
	SPROUT_MF_NEGATION,   /* 1: one text negates and the other does not */
	SPROUT_MF_NUMBERS,    /* 1: a number of one text is missing from the other */
	SPROUT_MF_WORDS,      /* words of the parent */
	SPROUT_MF_SIM,	      /* bag-of-words alignment: each content word's best match
			       * in the other text (same lemma 1, a shared sense 0.9, a
			       * hypernym 0.3), weighed by information, both ways */
	SPROUT_MF_LM_KEPT,    /* log10 P of the words kept, in the variant minus in the parent */
	SPROUT_MF_LM_REPLACED,	/* the same for words replaced by an inflection or synonym */
	SPROUT_MF_LM_MOVED,	/* the same for words moved */
	SPROUT_MF_LM_NEW,	/* new words: log10 P in context minus their unigram log10 P */
	SPROUT_MF_LM_KEPT_DROP, /* kept words' groups whose log10 P fell by more than 1:
				 * the sum of the fall beyond 1 (<= 0) */
	SPROUT_MF_ADDED_SENT,	/* words of sentences only the variant has ("Quick question:") */
	SPROUT_MF_DROPPED_SENT, /* words of sentences only the parent has */
	SPROUT_MF_FN_REPLACED,	/* function words replaced by other function words ("how" -> "what")
				 */
	SPROUT_MF_MOVED_FN,	/* function words found in both texts but out of order */
	SPROUT_MF__COUNT
} sprout_meaning_feature;

const char *sprout_meaning_feature_name(sprout_meaning_feature f);

typedef struct sprout_meaning sprout_meaning;

/* A scorer over wn and lm (both borrowed; wn may be NULL, then no word is
 * a synonym or an inflection of another). Not thread-safe: one per thread.
 * NULL on OOM. */
sprout_meaning *sprout_meaning_new(const sprout_wordnet *wn, sprout_lm *lm);
void sprout_meaning_free(sprout_meaning *m); /* accepts NULL */

/* The features of variant b of parent a into out[SPROUT_MF__COUNT]. */
void sprout_meaning_features(sprout_meaning *m, const char *a, size_t alen, const char *b,
			     size_t blen, double *out);

/* The score, 0 to 1: does b say what a says, in English a person would
 * write? On this scale:
 *   1.00  the same text
 *   0.99  the same but for spacing (above the filter's default band: a copy)
 *   0.97  the same words; only case or punctuation differ
 *   0.96  at most, when any word differs; from sprout_meaning_threshold()
 *         (0.89) on, a variant is probably good (fluent, the same meaning)
 * It is sim - D * sim^P * (1 - q): sim is the bag-of-words alignment
 * (SPROUT_MF_SIM, the part that follows STS-B), q the chance that b is a
 * good variant of a from a logistic model of the features, fitted on
 * hand-judged variants (bench/meaning_fit.py). quality, when not NULL,
 * gets q. */
#define SPROUT_MEANING_SPACING	   0.99
#define SPROUT_MEANING_SAME_WORDS  0.97
#define SPROUT_MEANING_CHANGED_MAX 0.96
double sprout_meaning_score(sprout_meaning *m, const char *a, size_t alen, const char *b,
			    size_t blen, double *quality);

/* The same from features already computed (a and b not the same text). */
double sprout_meaning_score_of(const double *f, double *quality);

/* q of the features. */
double sprout_meaning_quality(const double *f);

/* The score from which a variant is probably good: the filter's default
 * lower bound and augment's acceptance bound. */
double sprout_meaning_threshold(void);

#ifdef __cplusplus
}
#endif
#endif
