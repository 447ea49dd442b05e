/* fuzz_wordnet - libFuzzer target for the WordNet database reader
 * (src/lib/services/wordnet.c, and the index file of src/lib/services/wordnet_cache.c):
 * the input is a fake dictionary folder, "@@NAME" lines starting each
 * file (index.noun, data.verb, adj.exc, cntlist.rev, ...; a file not
 * given holds one blank license line), written to a temporary folder.
 * The folder is opened and its index built; when the input has a line
 * "@@cache", the index is also saved as the cache file and the folder
 * opened again from that file (1 MiB written: only then, for speed).
 * Every lookup (info,
 * sense counts, lemmas, synonyms, synsets and their hypernyms, the
 * collocation filters, inflection) is made for the first words of the
 * index lines and some fixed words, in each part of speech. Invariants:
 * no crash, leak or UB, no read outside the files; a second open is
 * from the cache and answers every lookup as the first; lemmas and
 * synonyms written are NUL-terminated, not empty, and no more than max. */
#define _GNU_SOURCE /* memmem */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "sprout/wordnet.h"

#define MAXW   8
#define NWORDS 24

static const char *const files[] = {
    "index.noun", "index.verb", "index.adj", "index.adv", "data.noun", "data.verb",  "data.adj",
    "data.adv",	  "noun.exc",	"verb.exc",  "adj.exc",	  "adv.exc",   "cntlist.rev"};
#define NFILES (sizeof files / sizeof *files)
static char wn_dir[600], cache_dir[600];

static void setup(void)
{
	snprintf(wn_dir, sizeof wn_dir, "%s/wn", fuzz_dir());
	snprintf(cache_dir, sizeof cache_dir, "%s/cache", fuzz_dir());
	CHECK(mkdir(wn_dir, 0700) == 0 && mkdir(cache_dir, 0700) == 0);
}

/* The files of the input, a blank license line for the others. */
static void write_files(const char *s, size_t n)
{
	const char *text[NFILES] = {0};
	size_t len[NFILES] = {0};
	size_t cur = NFILES; /* the file being read, none before the first @@ */
	for (size_t at = 0; at < n;) {
		const char *nl = memchr(s + at, '\n', n - at);
		size_t ll = nl ? (size_t)(nl - (s + at)) + 1 : n - at;
		if (ll > 2 && s[at] == '@' && s[at + 1] == '@') {
			cur = NFILES;
			for (size_t i = 0; i < NFILES; i++)
				if (ll - 2 - (nl != NULL) == strlen(files[i]) &&
				    !memcmp(s + at + 2, files[i], strlen(files[i])))
					cur = i;
			if (cur < NFILES) {
				text[cur] = s + at + ll;
				len[cur] = 0;
			}
		} else if (cur < NFILES) {
			len[cur] += ll;
		}
		at += ll;
	}
	for (size_t i = 0; i < NFILES; i++) {
		if (text[i] && len[i])
			fuzz_write(wn_dir, files[i], text[i], len[i]);
		else
			fuzz_write(wn_dir, files[i], "  \n", 3);
	}
}

/* Words to look up: the first field of index lines, and some fixed ones. */
static size_t words_of(const char *s, size_t n, char words[][SPROUT_WORD_MAX])
{
	static const char *const fixed[] = {"dog",    "run",  "good", "quickly", "call off",
					    "better", "dogs", "ran",  "went"};
	size_t k = 0;
	for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
		snprintf(words[k++], SPROUT_WORD_MAX, "%s", fixed[i]);
	for (size_t at = 0; at < n && k < NWORDS;) {
		const char *nl = memchr(s + at, '\n', n - at);
		size_t ll = nl ? (size_t)(nl - (s + at)) : n - at;
		size_t w = 0;
		while (w < ll && s[at + w] != ' ' && s[at + w] != '\0')
			w++;
		if (w && w < SPROUT_WORD_MAX && s[at] != '@') {
			memcpy(words[k], s + at, w);
			words[k][w] = '\0';
			for (size_t i = 0; i < w; i++)
				if (words[k][i] == '_')
					words[k][i] = ' ';
			k++;
		}
		at += ll + 1;
	}
	return k;
}

/* What every lookup answers, as text: the same for both opens. */
static void answers(const sprout_wordnet *wn, char words[][SPROUT_WORD_MAX], size_t nw,
		    sprout_buf *out)
{
	char got[MAXW][SPROUT_WORD_MAX];
	uint64_t ids[MAXW], up[MAXW];
	unsigned counts[MAXW];
	for (size_t w = 0; w < nw; w++) {
		const char *word = words[w];
		sprout_buf_addf(out, "%s|%d%d:", word,
				sprout_wordnet_may_start_collocation(wn, word),
				sprout_wordnet_may_end_collocation(wn, word));
		for (int p = 0; p < SPROUT_POS__COUNT; p++) {
			unsigned senses, tagged;
			sprout_wordnet_info(wn, word, (sprout_pos)p, &senses, &tagged);
			size_t nc =
			    sprout_wordnet_sense_counts(wn, word, (sprout_pos)p, counts, MAXW);
			CHECK(nc <= MAXW);
			sprout_buf_addf(out, " %u/%u/%zu", senses, tagged, nc);
			for (size_t i = 0; i < nc; i++)
				sprout_buf_addf(out, ",%u", counts[i]);
			size_t k = sprout_wordnet_lemmas(wn, word, (sprout_pos)p, got, MAXW);
			for (int round = 0; round < 3; round++) {
				if (round == 1)
					k = sprout_wordnet_synonyms(wn, word, (sprout_pos)p, 3, got,
								    MAXW);
				if (round == 2)
					k = sprout_wordnet_close_synonyms(wn, word, (sprout_pos)p,
									  3, 2, got, MAXW);
				CHECK(k <= MAXW);
				for (size_t i = 0; i < k; i++) {
					CHECK(memchr(got[i], '\0', SPROUT_WORD_MAX) && got[i][0]);
					sprout_buf_addf(out, " %s", got[i]);
				}
			}
			size_t ns = sprout_wordnet_synsets(wn, word, (sprout_pos)p, 4, ids, MAXW);
			CHECK(ns <= MAXW);
			for (size_t i = 0; i < ns; i++) {
				size_t nh = sprout_wordnet_hypernyms(wn, ids[i], up, MAXW);
				CHECK(nh <= MAXW);
				sprout_buf_addf(out, " %llx>%zu", (unsigned long long)ids[i], nh);
				for (size_t h = 0; h < nh; h++)
					sprout_buf_addf(out, ",%llx", (unsigned long long)up[h]);
			}
			for (int f = SPROUT_FORM_BASE; f <= SPROUT_FORM_MOST; f++) {
				sprout_buf b = SPROUT_BUF_INIT(4096);
				if (sprout_inflect(wn, word, (sprout_pos)p, (sprout_form)f, &b) ==
				    SPROUT_OK) {
					sprout_buf_addf(out, " %.*s", (int)b.len,
							b.data ? b.data : "");
					sprout_buf_addf(out, "%d",
							(int)sprout_form_of(b.data ? b.data : "",
									    word, (sprout_pos)p));
				}
				sprout_buf_release(&b);
			}
		}
		sprout_buf_addc(out, '\n');
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!wn_dir[0])
		setup();
	const char *s = (const char *)data;
	write_files(s, size);
	/* no cache file: the first open builds the index (and writes it) */
	DIR *d = opendir(cache_dir);
	CHECK(d != NULL);
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			char path[1000];
			snprintf(path, sizeof path, "%s/%s", cache_dir, e->d_name);
			unlink(path);
		}
	closedir(d);
	int cache = memmem(s, size, "@@cache\n", 8) != NULL;
	setenv("SPROUT_CACHE_DIR", cache ? cache_dir : "", 1);
	sprout_error err = SPROUT_ERROR_INIT;
	char words[NWORDS][SPROUT_WORD_MAX];
	size_t nw = words_of(s, size, words);
	sprout_wordnet *built = sprout_wordnet_open(wn_dir, &err);
	CHECK(built != NULL);
	CHECK(!sprout_wordnet_cached(built));
	sprout_buf a = SPROUT_BUF_INIT((size_t)1 << 26), b = SPROUT_BUF_INIT((size_t)1 << 26);
	answers(built, words, nw, &a);
	if (cache) {
		sprout_wordnet *mapped = sprout_wordnet_open(wn_dir, &err);
		CHECK(mapped != NULL);
		CHECK(sprout_wordnet_cached(mapped));
		answers(mapped, words, nw, &b);
		if (a.len != b.len || memcmp(a.data, b.data, a.len))
			fprintf(stderr, "fuzz_wordnet: built:\n%.*s\nfrom the cache:\n%.*s\n",
				(int)a.len, a.data, (int)b.len, b.data);
		CHECK(a.len == b.len && !memcmp(a.data, b.data, a.len));
		sprout_wordnet_close(mapped);
	}
	sprout_buf_release(&a);
	sprout_buf_release(&b);
	sprout_wordnet_close(built);
	return 0;
}
