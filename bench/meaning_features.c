/* bench/meaning_features.c - the meaning engine's features, and the scores
 * of the other engines, for pairs in a TSV file (id, gold, text a, text b),
 * one TSV line out per pair: id, gold, wordnet, lexical, then the features
 * named in the header line. IDF for the wordnet and lexical engines comes
 * from every text of the file. Used by bench/meaning.sh to fit and check
 * the meaning engine's model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sprout/lm.h"
#include "sprout/meaning.h"
#include "sprout/similarity.h"
#include "sprout/wordnet.h"

struct pair {
	char *id, *gold, *a, *b;
};

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: meaning_features PAIRS.tsv\n");
		return 2;
	}
	FILE *f = fopen(argv[1], "r");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_wordnet *wn = sprout_wordnet_open(NULL, &err);
	sprout_lm *lm = wn ? sprout_lm_open(NULL, &err) : NULL;
	if (!wn || !lm) {
		fprintf(stderr, "meaning_features: %s\n", err.msg);
		return 1;
	}
	sprout_sim *wsim = sprout_sim_new(SPROUT_SIM_WORDNET, wn, &err);
	sprout_sim *lsim = sprout_sim_new(SPROUT_SIM_LEXICAL, NULL, &err);
	sprout_meaning *m = sprout_meaning_new(wn, lm);
	size_t n = 0, cap = 1024;
	struct pair *v = malloc(cap * sizeof *v);
	char *line = NULL;
	size_t lcap = 0;
	ssize_t len;
	while ((len = getline(&line, &lcap, f)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		char *fld[4];
		char *p = line;
		int k = 0;
		for (; k < 4 && p; k++) {
			fld[k] = p;
			p = strchr(p, '\t');
			if (p)
				*p++ = '\0';
		}
		if (k < 4)
			continue;
		if (n == cap)
			v = realloc(v, (cap *= 2) * sizeof *v);
		v[n].id = strdup(fld[0]);
		v[n].gold = strdup(fld[1]);
		v[n].a = strdup(fld[2]);
		v[n].b = strdup(fld[3]);
		sprout_sim_observe(wsim, v[n].a, strlen(v[n].a));
		sprout_sim_observe(wsim, v[n].b, strlen(v[n].b));
		sprout_sim_observe(lsim, v[n].a, strlen(v[n].a));
		sprout_sim_observe(lsim, v[n].b, strlen(v[n].b));
		n++;
	}
	printf("id\tgold\twordnet\tlexical");
	for (int i = 0; i < SPROUT_MF__COUNT; i++)
		printf("\t%s", sprout_meaning_feature_name((sprout_meaning_feature)i));
	printf("\n");
	for (size_t i = 0; i < n; i++) {
		double feat[SPROUT_MF__COUNT];
		sprout_meaning_features(m, v[i].a, strlen(v[i].a), v[i].b, strlen(v[i].b), feat);
		printf("%s\t%s\t%.4f\t%.4f", v[i].id, v[i].gold,
		       sprout_sim_score(wsim, v[i].a, strlen(v[i].a), v[i].b, strlen(v[i].b)),
		       sprout_sim_score(lsim, v[i].a, strlen(v[i].a), v[i].b, strlen(v[i].b)));
		for (int j = 0; j < SPROUT_MF__COUNT; j++)
			printf("\t%.4f", feat[j]);
		printf("\n");
	}
	return 0;
}
