/* sprout/wordnet.h - WordNet 3.0 lookups straight from the database files
 * (Debian package wordnet-base, /usr/share/wordnet).
 *
 * The files are mapped, not loaded. A lookup is one probe of a hash index
 * of the lines of an index file plus one line of a data file. Building that
 * index is most of the cost of opening (about 8 ms), so it is kept in a
 * file, $SPROUT_CACHE_DIR (else $XDG_CACHE_HOME/sprout, else
 * ~/.cache/sprout) /wordnet-HASH.idx, written atomically by the first open
 * and mapped by the next ones (under 1 ms) while the database files it was
 * built from are the same (size, time, inode). A damaged or outdated one
 * is not used and is written anew; SPROUT_CACHE_DIR set empty turns the
 * file off. Words are looked up lowercase with spaces or underscores
 * between the parts of a collocation ("call off").
 */
#ifndef SPROUT_WORDNET_H
#define SPROUT_WORDNET_H

#include <stddef.h>
#include <stdint.h>

#include "sprout/arena.h"
#include "sprout/buf.h"
#include "sprout/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sprout_pos {
	SPROUT_POS_NOUN,
	SPROUT_POS_VERB,
	SPROUT_POS_ADJ,
	SPROUT_POS_ADV,
	SPROUT_POS__COUNT
} sprout_pos;

#define SPROUT_WORDNET_DIR "/usr/share/wordnet"
#define SPROUT_WORD_MAX	   64 /* longest lemma handled, bytes with the NUL */

typedef struct sprout_wordnet sprout_wordnet;

/* Open the database in dir (NULL: $SPROUT_WORDNET_DIR, else
 * /usr/share/wordnet). SPROUT_ERR_IO with a message naming the Debian
 * package wordnet-base when the files are missing. */
sprout_wordnet *sprout_wordnet_open(const char *dir, sprout_error *err);
void sprout_wordnet_close(sprout_wordnet *wn); /* accepts NULL */

/* 1 when wn's index was mapped from the index file, 0 when it was built. */
int sprout_wordnet_cached(const sprout_wordnet *wn);

/* Senses of lemma in pos and how often they were seen in the tagged
 * corpus; 0 senses when the lemma is not in WordNet. */
void sprout_wordnet_info(const sprout_wordnet *wn, const char *lemma, sprout_pos pos,
			 unsigned *senses, unsigned *tagged);

/* How often each sense of lemma in pos was seen in WordNet's tagged corpus
 * (cntlist.rev): counts[i] for sense i + 1, most frequent sense first as
 * in the index, 0 for an untagged sense (or when cntlist.rev is missing).
 * Returns the number of senses written, at most max. */
size_t sprout_wordnet_sense_counts(const sprout_wordnet *wn, const char *lemma, sprout_pos pos,
				   unsigned *counts, size_t max);

/* Base forms of a (lowercase) word in pos that WordNet knows, as WordNet's
 * morphy finds them: irregular forms from the exception lists, the word
 * itself, then suffix rules ("cards" -> "card", "cancelled" -> "cancel").
 * Writes up to max lemmas into out; returns how many. */
size_t sprout_wordnet_lemmas(const sprout_wordnet *wn, const char *word, sprout_pos pos,
			     char out[][SPROUT_WORD_MAX], size_t max);

/* Synonyms of lemma in pos from its first max_senses senses (most frequent
 * first), the lemma itself left out, '_' turned to ' ', each once. Up to max
 * words into out; returns how many. */
size_t sprout_wordnet_synonyms(const sprout_wordnet *wn, const char *lemma, sprout_pos pos,
			       size_t max_senses, char out[][SPROUT_WORD_MAX], size_t max);

/* sprout_wordnet_synonyms keeping only words for which the shared sense is
 * one of their own `top` most frequent senses, so that the synonym reads
 * the same way ("repayment" for "refund", not "bump" for "find"). */
size_t sprout_wordnet_close_synonyms(const sprout_wordnet *wn, const char *lemma, sprout_pos pos,
				     size_t max_senses, unsigned top, char out[][SPROUT_WORD_MAX],
				     size_t max);

/* Synsets of lemma in pos, most frequent sense first, as ids (pos << 32 |
 * offset in the data file). Up to max_senses senses, max ids. */
size_t sprout_wordnet_synsets(const sprout_wordnet *wn, const char *lemma, sprout_pos pos,
			      size_t max_senses, uint64_t *out, size_t max);

/* Direct hypernyms (and instance hypernyms) of a synset id. */
size_t sprout_wordnet_hypernyms(const sprout_wordnet *wn, uint64_t synset, uint64_t *out,
				size_t max);

/* 0 when no collocation of WordNet can end with word (so "x word" needs no
 * lookup); 1 when one may. A quick filter, built when the files open. */
int sprout_wordnet_may_end_collocation(const sprout_wordnet *wn, const char *word);
/* The same for the first word: 0 when no collocation "word ..." (nor an
 * inflected one of the exception lists) is in WordNet. */
int sprout_wordnet_may_start_collocation(const sprout_wordnet *wn, const char *word);

/* Inflections, for putting a synonym into the form of the word it
 * replaces. */
typedef enum sprout_form {
	SPROUT_FORM_BASE,
	SPROUT_FORM_PLURAL, /* nouns */
	SPROUT_FORM_THIRD,  /* verbs: -s */
	SPROUT_FORM_PAST,   /* verbs: -ed (past and participle alike) */
	SPROUT_FORM_ING,    /* verbs: -ing */
	SPROUT_FORM_MORE,   /* adjectives: -er */
	SPROUT_FORM_MOST    /* adjectives: -est */
} sprout_form;

/* The form of word given its lemma and part of speech. */
sprout_form sprout_form_of(const char *word, const char *lemma, sprout_pos pos);

/* Append lemma (possibly a collocation: the first part is inflected) in
 * form to b. Irregular forms come from the exception lists. Returns
 * SPROUT_ERR_USAGE when the form cannot be made reliably (an irregular verb
 * in the past: past and participle differ), nothing appended then. */
sprout_code sprout_inflect(const sprout_wordnet *wn, const char *lemma, sprout_pos pos,
			   sprout_form form, sprout_buf *b);

#ifdef __cplusplus
}
#endif
#endif
