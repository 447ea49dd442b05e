/* libFuzzer target for the meaning engine's reading of texts: the input is
 * split at its first NUL byte into a parent and a variant (any bytes: the
 * tokenizer, chat words, contractions, typos, sentences, the alignment and
 * the language model all see them). Invariants: no crash, no leak, the
 * score on its 0-1 scale, 1 for a text against itself, and the same score
 * twice (the scorer's memos change nothing). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sprout/lm.h"
#include "sprout/meaning.h"
#include "sprout/wordnet.h"

#define CHECK(c)                                                                          \
	do {                                                                              \
		if (!(c)) {                                                               \
			fprintf(stderr, "fuzz_meaning: invariant broken at %s:%d: %s\n",  \
				__FILE__, __LINE__, #c);                                  \
			abort();                                                          \
		}                                                                         \
	} while (0)

static sprout_wordnet *wn;
static sprout_lm *lm;
static sprout_meaning *m;

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	if (!m) {
		sprout_error err = SPROUT_ERROR_INIT;
		wn = sprout_wordnet_open(NULL, &err);
		lm = sprout_lm_open(NULL, &err);
		CHECK(wn && lm);
		m = sprout_meaning_new(wn, lm);
		CHECK(m);
	}
	const char *s = (const char *)data;
	const char *nul = memchr(s, '\0', size);
	size_t na = nul ? (size_t)(nul - s) : size / 2;
	const char *b = nul ? nul + 1 : s + na;
	size_t nb = size - na - (nul ? 1 : 0);
	double q;
	double x = sprout_meaning_score(m, s, na, b, nb, &q);
	CHECK(x >= 0 && x <= 1 && q >= 0 && q <= 1);
	CHECK(sprout_meaning_score(m, s, na, b, nb, NULL) == x);
	CHECK(sprout_meaning_score(m, s, na, s, na, NULL) == 1.0);
	double f[SPROUT_MF__COUNT];
	sprout_meaning_features(m, b, nb, s, na, f);
	for (int i = 0; i < SPROUT_MF__COUNT; i++)
		CHECK(f[i] == f[i]); /* no NaN */
	return 0;
}
