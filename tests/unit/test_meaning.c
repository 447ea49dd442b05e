#include "test.h"
#include "util.h"

#include <stdlib.h>
#include <unistd.h>

#include "sprout/lm.h"
#include "sprout/meaning.h"
#include "sprout/similarity.h"

static sprout_lm *open_lm(void)
{
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_lm *lm = sprout_lm_open(NULL, &err);
	if (!lm)
		test_fail(__FILE__, __LINE__, "language model: %s", err.msg);
	return lm;
}

static double sentence(sprout_lm *lm, const char *text)
{
	int32_t ids[32];
	size_t n = 0;
	char buf[256];
	snprintf(buf, sizeof buf, "%s", text);
	for (char *save = NULL, *w = strtok_r(buf, " ", &save); w && n < 32;
	     w = strtok_r(NULL, " ", &save))
		ids[n++] = sprout_lm_word(lm, w, strlen(w));
	return sprout_lm_sentence(lm, ids, n, NULL);
}

static void lm_knows_word_order(void)
{
	sprout_lm *lm = open_lm();
	/* the same words, scrambled: less probable */
	double good = sentence(lm, "i have a new card how do i top it up");
	double bad = sentence(lm, "i have a new top how do i card it up");
	CHECK(good > bad + 1.0);
	CHECK(sprout_lm_word(lm, "card", 4) >= 0);
	CHECK_INT(sprout_lm_word(lm, "qzxqzx", 6), -1);
	CHECK_INT(sprout_lm_word(lm, "<s>", 3), -1); /* markers are not words */
	/* an unknown word costs SPROUT_LM_UNKNOWN and nothing breaks */
	int32_t ids[2] = {-1, sprout_lm_word(lm, "card", 4)};
	float per[3];
	double t = sprout_lm_sentence(lm, ids, 2, per);
	CHECK(per[0] == (float)SPROUT_LM_UNKNOWN);
	CHECK(t < SPROUT_LM_UNKNOWN);
	CHECK(sprout_lm_unigram(lm, ids[1]) < 0);
	/* opened twice, one model */
	sprout_lm *again = open_lm();
	CHECK(again == lm);
	sprout_lm_close(again);
	sprout_lm_close(lm);
}

static void lm_missing_names_the_package(void)
{
	sprout_error err = SPROUT_ERROR_INIT;
	CHECK(sprout_lm_open("/nonexistent/en-us.lm.bin", &err) == NULL);
	CHECK(strstr(err.msg, "pocketsphinx-en-us") != NULL);
	char path[] = "/tmp/sprout-test-lm-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	CHECK(write(fd, "not a model\n", 12) == 12);
	close(fd);
	CHECK(sprout_lm_open(path, &err) == NULL);
	CHECK(strstr(err.msg, "not a language model") != NULL);
	unlink(path);
}

/* Held, a closed model stays loaded: opened again after its file is gone;
 * released, it is freed (and then cannot be opened). */
static void lm_held_model_stays_loaded(void)
{
	const char *dir = temp_dir();
	char path[256];
	snprintf(path, sizeof path, "%s/lm.bin", dir);
	CHECK(symlink(SPROUT_LM_PATH, path) == 0);
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_lm_hold();
	sprout_lm *lm = sprout_lm_open(path, &err);
	CHECK(lm != NULL);
	sprout_lm_close(lm);
	CHECK(unlink(path) == 0);
	sprout_lm *again = sprout_lm_open(path, &err);
	CHECK(again == lm); /* not read again: the file is gone */
	sprout_lm_hold();   /* holds nest */
	sprout_lm_close(again);
	sprout_lm_release();
	CHECK(sprout_lm_open(path, &err) == lm);
	sprout_lm_close(lm);
	sprout_lm_release();
	CHECK(sprout_lm_open(path, &err) == NULL);
	CHECK_INT(err.code, SPROUT_ERR_IO);
	/* not held: the last close frees it */
	CHECK(symlink(SPROUT_LM_PATH, path) == 0);
	lm = sprout_lm_open(path, &err);
	CHECK(lm != NULL);
	sprout_lm_close(lm);
	CHECK(unlink(path) == 0);
	CHECK(sprout_lm_open(path, &err) == NULL);
	rmdir(dir);
}

static void wordnet_counts_senses(void)
{
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_wordnet *wn = sprout_wordnet_open(NULL, &err);
	CHECK(wn != NULL);
	unsigned c[8];
	/* "account" as a noun: 10 senses; the tagged corpus saw the first most */
	size_t n = sprout_wordnet_sense_counts(wn, "account", SPROUT_POS_NOUN, c, 8);
	CHECK_INT(n, 8);
	CHECK(c[0] > c[1] && c[0] >= 10);
	/* only the senses of the part of speech asked for */
	n = sprout_wordnet_sense_counts(wn, "cancel", SPROUT_POS_VERB, c, 8);
	CHECK(n >= 1);
	CHECK(c[0] > 0);
	CHECK_INT(sprout_wordnet_sense_counts(wn, "qzxqzx", SPROUT_POS_NOUN, c, 8), 0);
	/* a collocation, spaces as in the index */
	CHECK(sprout_wordnet_sense_counts(wn, "credit card", SPROUT_POS_NOUN, c, 8) >= 1);
	sprout_wordnet_close(wn);
}

static double mscore(sprout_meaning *m, const char *a, const char *b)
{
	return sprout_meaning_score(m, a, strlen(a), b, strlen(b), NULL);
}

static void meaning_scale_and_examples(void)
{
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_wordnet *wn = sprout_wordnet_open(NULL, &err);
	sprout_lm *lm = open_lm();
	sprout_meaning *m = sprout_meaning_new(wn, lm);
	CHECK(m != NULL);
	double t = sprout_meaning_threshold();
	CHECK(t > 0.5 && t < SPROUT_MEANING_CHANGED_MAX);
	const char *p = "i have a new card. how do i top it up?";
	/* the scale's fixed points */
	CHECK(mscore(m, p, p) == 1.0);
	CHECK(mscore(m, p, "i have a new card.  how do i top it up? ") == SPROUT_MEANING_SPACING);
	CHECK(mscore(m, p, "I have a new card, how do I top it up") == SPROUT_MEANING_SAME_WORDS);
	/* a typo is no change of wording; a register change keeps the meaning */
	CHECK(mscore(m, p, "i have a new crad. how do i top it up?") >= t);
	CHECK(mscore(m, p, "i have a new card. how can i top it up?") >= t);
	CHECK(mscore(m, p, "Quick question: i have a new card. how do i top it up?") >= t);
	/* a swap that scrambles the request, a wrong-sense synonym, a lost word
	 * that carried the meaning, a stray insertion, a bad contraction */
	CHECK(mscore(m, p, "i have a new top. how do i card it up?") < t);
	CHECK(mscore(m, "is there enough money in my account",
		     "is there enough money in my chronicle") < t);
	CHECK(mscore(m, "my savings account is blocked", "my account is blocked") < t);
	CHECK(mscore(m, "what is the balance of my account",
		     "what is the balance of atomic my account") < t);
	CHECK(mscore(m, "how many vacation days do i have to spend",
		     "how many vacation days do i've to spend") < t);
	/* every score on the scale, whatever the input */
	const char *odd[] = {"", " ", "???", "12 34", "\xe2\x80\x99s", "a"};
	for (size_t i = 0; i < 6; i++)
		for (size_t j = 0; j < 6; j++) {
			double x = mscore(m, odd[i], odd[j]);
			CHECK(x >= 0 && x <= 1);
		}
	/* the features name themselves */
	CHECK_STR(sprout_meaning_feature_name(SPROUT_MF_LM_KEPT), "lm_kept");
	CHECK_STR(sprout_meaning_feature_name(SPROUT_MF__COUNT), "unknown");
	double f[SPROUT_MF__COUNT];
	sprout_meaning_features(m, p, strlen(p), "i have a new crad. how do i top it up?", 38, f);
	CHECK_INT((long long)f[SPROUT_MF_TYPOS], 1);
	sprout_meaning_features(m, p, strlen(p), "i have a new top. how do i card it up?", 38, f);
	CHECK_INT((long long)f[SPROUT_MF_MOVED], 2);
	sprout_meaning_free(m);
	sprout_lm_close(lm);
	sprout_wordnet_close(wn);
}

static void meaning_engine_through_sim(void)
{
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_wordnet *wn = sprout_wordnet_open(NULL, &err);
	sprout_sim *s = sprout_sim_new(SPROUT_SIM_MEANING, wn, &err);
	CHECK(s != NULL);
	CHECK_STR(sprout_sim_name(SPROUT_SIM_MEANING), "meaning");
	CHECK(sprout_sim_observe(s, "anything", 8) == SPROUT_OK);
	CHECK(sprout_sim_score(s, "my card", 7, "my card", 7) == 1.0);
	CHECK(sprout_sim_score(s, "how do i track my card", 22, "how do i trak my card", 21) >=
	      sprout_meaning_threshold());
	sprout_sim_free(s);
	sprout_wordnet_close(wn);
	CHECK(sprout_sim_new(SPROUT_SIM_MEANING, NULL, &err) == NULL);
	CHECK_STR(err.msg, "the meaning engine needs WordNet");
}

SUITE(meaning_tests) = {
    T(lm_knows_word_order),
    T(lm_missing_names_the_package),
    T(lm_held_model_stays_loaded),
    T(wordnet_counts_senses),
    T(meaning_scale_and_examples),
    T(meaning_engine_through_sim),
    {NULL, NULL},
};
