/* sprout/lm.h - a trigram language model of general US English: how
 * probable a sentence is, word by word.
 *
 * The model is Debian's pocketsphinx-en-us
 * (/usr/share/pocketsphinx/model/en-us/en-us.lm.bin, BSD-2), read and
 * scored by libsphinxbase (Debian libsphinxbase3), which is loaded with
 * dlopen when a model is first opened: the libraries it brings (LAPACK,
 * gfortran) would otherwise cost every command's start-up. Words are
 * lowercase, without punctuation. Opening takes about 0.1 s (the model is
 * 27 MB); a process opens one model per path however often it is asked
 * (the opens are counted and the last close frees it, unless held).
 *
 * Scoring is thread-safe: libsphinxbase keeps a cache in the model, so each
 * lookup takes a lock; each thread remembers the answers it got (a memo of
 * 64k n-grams, 2 MB, freed when the thread ends), so scoring many similar
 * sentences mostly does without.
 */
#ifndef SPROUT_LM_H
#define SPROUT_LM_H

#include <stddef.h>
#include <stdint.h>

#include "sprout/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SPROUT_LM_PATH "/usr/share/pocketsphinx/model/en-us/en-us.lm.bin"

/* log10 probability given to a word the model does not know. */
#define SPROUT_LM_UNKNOWN (-7.0)

typedef struct sprout_lm sprout_lm;

/* Open the model at path (NULL: $SPROUT_LM, else SPROUT_LM_PATH).
 * SPROUT_ERR_IO naming the Debian package (pocketsphinx-en-us, or
 * libsphinxbase3 for the library) when it is missing or unreadable. */
sprout_lm *sprout_lm_open(const char *path, sprout_error *err);
void sprout_lm_close(sprout_lm *lm); /* accepts NULL */

/* Between hold and release (they nest), a model whose last user closes it
 * stays loaded, so that the next open (a later stage of the same run)
 * does not read it again; release frees those no one uses. */
void sprout_lm_hold(void);
void sprout_lm_release(void);

/* The id of a lowercase word (n bytes), or -1 when the model does not know
 * it. Thread-safe. */
int32_t sprout_lm_word(const sprout_lm *lm, const char *w, size_t n);

/* log10 probability of the words ids[0..n) as one sentence, from <s> to
 * </s>. Unknown words (-1) get SPROUT_LM_UNKNOWN and the words after them
 * are scored without the lost history. When per is not NULL it gets n + 1
 * values: each word's log10 probability, then that of </s>. */
double sprout_lm_sentence(sprout_lm *lm, const int32_t *ids, size_t n, float *per);

/* log10 unigram probability of a word id (SPROUT_LM_UNKNOWN for -1). */
double sprout_lm_unigram(sprout_lm *lm, int32_t id);

#ifdef __cplusplus
}
#endif
#endif
