#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

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
	CHECK_STR(inflect(wn, "identity card", SPROUT_POS_NOUN, SPROUT_FORM_PLURAL),
		  "identity cards");
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

/* What a WordNet answers for some words, as one string to compare. */
static void answers(sprout_wordnet *wn, sprout_buf *b)
{
	static const char *const words[] = {
	    "cards",   "went",	       "mice",	  "cancelled", "show up", "credit card",   "refund",
	    "balance", "transferring", "happier", "quickly",   "qzxv",	  "identity card", "up",
	    "show",    "pin",	       "atm",	  "better",    "geese",	  "ran",
	};
	for (size_t i = 0; i < sizeof words / sizeof *words; i++) {
		char l[8][SPROUT_WORD_MAX], syn[16][SPROUT_WORD_MAX];
		sprout_buf_add(b, words[i], strlen(words[i]));
		for (int pos = 0; pos < SPROUT_POS__COUNT; pos++) {
			size_t n = sprout_wordnet_lemmas(wn, words[i], (sprout_pos)pos, l, 8);
			for (size_t j = 0; j < n; j++) {
				unsigned senses, tagged;
				sprout_wordnet_info(wn, l[j], (sprout_pos)pos, &senses, &tagged);
				char line[256];
				int k = snprintf(line, sizeof line, " %d:%s/%u/%u", pos, l[j],
						 senses, tagged);
				sprout_buf_add(b, line, (size_t)k);
				size_t ns =
				    sprout_wordnet_synonyms(wn, l[j], (sprout_pos)pos, 2, syn, 16);
				for (size_t s = 0; s < ns; s++) {
					sprout_buf_addc(b, s ? ',' : ' ');
					sprout_buf_add(b, syn[s], strlen(syn[s]));
				}
			}
		}
		char flags[8];
		int k = snprintf(flags, sizeof flags, " %d%d\n",
				 sprout_wordnet_may_start_collocation(wn, words[i]),
				 sprout_wordnet_may_end_collocation(wn, words[i]));
		sprout_buf_add(b, flags, (size_t)k);
	}
	sprout_buf b2 = SPROUT_BUF_INIT(128);
	sprout_inflect(wn, "mouse", SPROUT_POS_NOUN, SPROUT_FORM_PLURAL, &b2);
	sprout_inflect(wn, "go", SPROUT_POS_VERB, SPROUT_FORM_ING, &b2);
	sprout_buf_add(b, b2.data, b2.len);
	sprout_buf_release(&b2);
}

/* The one index file in dir. */
static const char *index_file(const char *dir)
{
	static char path[1024];
	DIR *d = opendir(dir);
	CHECK(d != NULL);
	struct dirent *e;
	int found = 0;
	while ((e = readdir(d)))
		if (strstr(e->d_name, ".idx")) {
			snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
			found++;
		}
	closedir(d);
	CHECK_INT(found, 1);
	return path;
}

static void index_file_gives_the_same_answers(void)
{
	const char *dir = temp_dir();
	setenv("SPROUT_CACHE_DIR", "", 1); /* no index file */
	sprout_wordnet *plain = open_wn();
	CHECK_INT(sprout_wordnet_cached(plain), 0);
	sprout_buf want = SPROUT_BUF_INIT(1 << 20);
	answers(plain, &want);
	sprout_wordnet_close(plain);
	/* the list means something */
	CHECK(strstr(want.data, "went 1:go/30/21 travel,move,") != NULL);

	char sub[1024];
	snprintf(sub, sizeof sub, "%s/a/b", dir); /* made when missing */
	setenv("SPROUT_CACHE_DIR", sub, 1);
	for (int round = 0; round < 3; round++) {
		sprout_wordnet *wn = open_wn();
		CHECK_INT(sprout_wordnet_cached(wn), round > 0); /* built, then mapped */
		sprout_buf got = SPROUT_BUF_INIT(1 << 20);
		answers(wn, &got);
		CHECK_INT(got.len, want.len);
		CHECK(memcmp(got.data, want.data, want.len) == 0);
		sprout_buf_release(&got);
		sprout_wordnet_close(wn);
	}
	index_file(sub);
	sprout_buf_release(&want);
}

static void damaged_index_file_is_not_used(void)
{
	const char *dir = temp_dir();
	setenv("SPROUT_CACHE_DIR", dir, 1);
	sprout_wordnet_close(open_wn());
	const char *path = index_file(dir);
	struct stat st;
	CHECK(stat(path, &st) == 0);
	long full = (long)st.st_size;
	sprout_buf want = SPROUT_BUF_INIT(1 << 20);
	sprout_wordnet *wn = open_wn();
	answers(wn, &want);
	sprout_wordnet_close(wn);
	for (int how = 0; how < 3; how++) {
		int fd = open(path, O_RDWR);
		CHECK(fd >= 0);
		if (how == 0) { /* cut short */
			CHECK(ftruncate(fd, full / 2) == 0);
		} else if (how == 1) { /* made from another index.noun: its recorded size */
			unsigned char c;
			CHECK(pread(fd, &c, 1, 24) == 1);
			c ^= 1;
			CHECK(pwrite(fd, &c, 1, 24) == 1);
		} else { /* wrong magic */
			CHECK(pwrite(fd, "X", 1, 0) == 1);
		}
		close(fd);
		wn = open_wn();
		CHECK_INT(sprout_wordnet_cached(wn), 0);
		sprout_buf got = SPROUT_BUF_INIT(1 << 20);
		answers(wn, &got);
		CHECK(got.len == want.len && memcmp(got.data, want.data, want.len) == 0);
		sprout_buf_release(&got);
		sprout_wordnet_close(wn);
		/* and written anew */
		CHECK(stat(path, &st) == 0);
		CHECK_INT(st.st_size, full);
		wn = open_wn();
		CHECK_INT(sprout_wordnet_cached(wn), 1);
		sprout_wordnet_close(wn);
	}
	/* the slots of index.noun full of nonsense behind a good header: wrong
	 * answers, but no read outside the files and no endless probe. They
	 * follow the header (392 bytes) and the two word sets (512 KiB each). */
	int fd = open(path, O_RDWR);
	CHECK(fd >= 0);
	char junk[65536];
	memset(junk, 0xee, sizeof junk);
	for (off_t at = 392 + (1 << 20); at < 392 + (2 << 20); at += (off_t)sizeof junk)
		CHECK(pwrite(fd, junk, sizeof junk, at) == (ssize_t)sizeof junk);
	close(fd);
	wn = open_wn();
	CHECK_INT(sprout_wordnet_cached(wn), 1);
	sprout_buf got = SPROUT_BUF_INIT(1 << 20);
	answers(wn, &got);
	sprout_buf_release(&got);
	sprout_wordnet_close(wn);
	sprout_buf_release(&want);
}

SUITE(wordnet_tests) = {
    T(lemmas_follow_morphy),
    T(synonyms_come_from_the_first_senses),
    T(inflection),
    T(missing_database_names_the_package),
    T(index_file_gives_the_same_answers),
    T(damaged_index_file_is_not_used),
    {NULL, NULL},
};
