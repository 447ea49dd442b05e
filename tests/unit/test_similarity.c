#include "test.h"
#include "util.h"

#include "sprout/similarity.h"

static double score(sprout_sim *s, const char *a, const char *b)
{
	return sprout_sim_score(s, a, strlen(a), b, strlen(b));
}

static void wordnet_engine_sees_synonyms_and_forms(void)
{
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_wordnet *wn = sprout_wordnet_open(NULL, &err);
	CHECK(wn != NULL);
	sprout_sim *w = sprout_sim_new(SPROUT_SIM_WORDNET, wn, &err);
	sprout_sim *l = sprout_sim_new(SPROUT_SIM_LEXICAL, NULL, &err);
	const char *docs[] = {
	    "end my subscription",   "terminate my subscription", "what is the weather like today",
	    "how do I reset my PIN", "the cat sat on the mat",	  "my card was stolen"};
	for (size_t i = 0; i < 6; i++) {
		sprout_sim_observe(w, docs[i], strlen(docs[i]));
		sprout_sim_observe(l, docs[i], strlen(docs[i]));
	}
	/* "end" and "terminate" share a WordNet sense ("cancel" and
	 * "terminate" do not: WordNet 3.0 has no link between them) */
	double syn = score(w, "end my subscription", "terminate my subscription");
	double lex = score(l, "end my subscription", "terminate my subscription");
	CHECK(syn >= 0.8);
	CHECK(syn > lex + 0.2);
	/* inflected forms align with their lemma */
	CHECK(score(w, "the cats sat on mats", "the cat sat on the mat") >= 0.9);
	/* unrelated texts score low, identical ones high */
	CHECK(score(w, "end my subscription", "what is the weather like today") < 0.3);
	CHECK(score(w, "my card was stolen", "my card was stolen") >= 0.9);
	CHECK(score(l, "my card was stolen", "my card was stolen") > 0.99);
	/* scores stay on the 0-1 scale */
	double x = score(w, "", "");
	CHECK(x >= 0 && x <= 1);
	double f[SPROUT_SIM_FEATURES];
	CHECK_INT(sprout_sim_features(w, "a b", 3, "a c", 3, f, SPROUT_SIM_FEATURES),
		  SPROUT_SIM_FEATURES);
	sprout_sim_free(w);
	sprout_sim_free(l);
	sprout_wordnet_close(wn);
	CHECK(sprout_sim_new(SPROUT_SIM_WORDNET, NULL, &err) == NULL);
	CHECK_STR(err.msg, "the wordnet engine needs WordNet");
}

static void idf_weighs_rare_words_up(void)
{
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_sim *l = sprout_sim_new(SPROUT_SIM_LEXICAL, NULL, &err);
	double before = score(l, "the refund is late", "the card is late");
	for (int i = 0; i < 20; i++)
		sprout_sim_observe(l, "the thing is late", 17);
	sprout_sim_observe(l, "refund", 6);
	sprout_sim_observe(l, "card", 4);
	double after = score(l, "the refund is late", "the card is late");
	/* the shared words are common now, the differing ones rare */
	CHECK(after < before);
	sprout_sim_free(l);
}

SUITE(similarity_tests) = {
    T(wordnet_engine_sees_synonyms_and_forms),
    T(idf_weighs_rare_words_up),
    {NULL, NULL},
};
