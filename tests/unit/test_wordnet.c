#include "test.h"
#include "util.h"

#include "sprout/wordnet.h"

static sprout_wordnet *open_wn(void)
{
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_wordnet *wn = sprout_wordnet_open(NULL, &err);
	if (!wn)
		test_fail(__FILE__, __LINE__, "%s", err.msg);
	return wn;
}

static int has(char list[][SPROUT_WORD_MAX], size_t n, const char *w)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], w) == 0)
			return 1;
	return 0;
}

static void lemmas_follow_morphy(void)
{
	sprout_wordnet *wn = open_wn();
	char l[8][SPROUT_WORD_MAX];
	size_t n = sprout_wordnet_lemmas(wn, "cards", SPROUT_POS_NOUN, l, 8);
	CHECK(has(l, n, "card"));
	n = sprout_wordnet_lemmas(wn, "went", SPROUT_POS_VERB, l, 8);
	CHECK(has(l, n, "go"));
	n = sprout_wordnet_lemmas(wn, "mice", SPROUT_POS_NOUN, l, 8);
	CHECK(has(l, n, "mouse"));
	n = sprout_wordnet_lemmas(wn, "cancelled", SPROUT_POS_VERB, l, 8);
	CHECK(has(l, n, "cancel"));
	n = sprout_wordnet_lemmas(wn, "show up", SPROUT_POS_VERB, l, 8);
	CHECK(has(l, n, "show_up"));
	CHECK_INT(sprout_wordnet_lemmas(wn, "qzxv", SPROUT_POS_NOUN, l, 8), 0);
	unsigned senses, tagged;
	sprout_wordnet_info(wn, "cancel", SPROUT_POS_VERB, &senses, &tagged);
	CHECK_INT(senses, 5);
	sprout_wordnet_close(wn);
}

static void synonyms_come_from_the_first_senses(void)
{
	sprout_wordnet *wn = open_wn();
	char s[16][SPROUT_WORD_MAX];
	size_t n = sprout_wordnet_synonyms(wn, "cancel", SPROUT_POS_VERB, 1, s, 16);
	/* sense 1: "cancel, call off, scratch, scrub" */
	CHECK_INT(n, 3);
	CHECK_STR(s[0], "call off");
	CHECK_STR(s[2], "scrub");
	n = sprout_wordnet_synonyms(wn, "refund", SPROUT_POS_NOUN, 2, s, 16);
	CHECK(has(s, n, "repayment"));
	CHECK(!has(s, n, "refund"));
	sprout_wordnet_close(wn);
}

static const char *inflect(sprout_wordnet *wn, const char *w, sprout_pos pos, sprout_form f)
{
	static char out[128];
	sprout_buf b = SPROUT_BUF_INIT(128);
	sprout_code rc = sprout_inflect(wn, w, pos, f, &b);
	snprintf(out, sizeof out, "%s", rc ? "(refused)" : b.data);
	sprout_buf_release(&b);
	return out;
}

static void inflection(void)
{
	sprout_wordnet *wn = open_wn();
	CHECK_STR(inflect(wn, "card", SPROUT_POS_NOUN, SPROUT_FORM_PLURAL), "cards");
	CHECK_STR(inflect(wn, "box", SPROUT_POS_NOUN, SPROUT_FORM_PLURAL), "boxes");
	CHECK_STR(inflect(wn, "query", SPROUT_POS_NOUN, SPROUT_FORM_PLURAL), "queries");
	CHECK_STR(inflect(wn, "mouse", SPROUT_POS_NOUN, SPROUT_FORM_PLURAL), "mice");
	CHECK_STR(inflect(wn, "identity card", SPROUT_POS_NOUN, SPROUT_FORM_PLURAL), "identity cards");
	CHECK_STR(inflect(wn, "call off", SPROUT_POS_VERB, SPROUT_FORM_PAST), "called off");
	CHECK_STR(inflect(wn, "stop", SPROUT_POS_VERB, SPROUT_FORM_ING), "stopping");
	CHECK_STR(inflect(wn, "make", SPROUT_POS_VERB, SPROUT_FORM_ING), "making");
	CHECK_STR(inflect(wn, "carry", SPROUT_POS_VERB, SPROUT_FORM_THIRD), "carries");
	CHECK_STR(inflect(wn, "go", SPROUT_POS_VERB, SPROUT_FORM_PAST), "(refused)");
	CHECK_STR(inflect(wn, "happy", SPROUT_POS_ADJ, SPROUT_FORM_MORE), "(refused)");
	CHECK_INT(sprout_form_of("cards", "card", SPROUT_POS_NOUN), SPROUT_FORM_PLURAL);
	CHECK_INT(sprout_form_of("running", "run", SPROUT_POS_VERB), SPROUT_FORM_ING);
	CHECK_INT(sprout_form_of("cancels", "cancel", SPROUT_POS_VERB), SPROUT_FORM_THIRD);
	CHECK_INT(sprout_form_of("went", "go", SPROUT_POS_VERB), SPROUT_FORM_PAST);
	sprout_wordnet_close(wn);
}

static void missing_database_names_the_package(void)
{
	sprout_error err = SPROUT_ERROR_INIT;
	CHECK(sprout_wordnet_open("/nonexistent", &err) == NULL);
	CHECK_INT(err.code, SPROUT_ERR_IO);
	CHECK_STR(err.msg, "WordNet data not found (/nonexistent/index.noun: No such file or "
			   "directory); install the Debian package wordnet-base or set "
			   "SPROUT_WORDNET_DIR");
}

SUITE(wordnet_tests) = {
	T(lemmas_follow_morphy),
	T(synonyms_come_from_the_first_senses),
	T(inflection),
	T(missing_database_names_the_package),
	{NULL, NULL},
};
