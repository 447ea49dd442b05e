/* STS-B: Spearman correlation of sprout's similarity engines with the gold
 * scores, and (--fit) the least-squares calibration of the wordnet engine
 * on the train pairs. Used by bench/sts.sh.
 *
 *   sts TRAIN.tsv DEV.tsv [--fit]
 *
 * IDF comes from the train sentences, as for the reference TF-IDF figure. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sprout/similarity.h"

struct pair {
	char *a, *b;
	double gold;
};

static struct pair *load(const char *path, size_t *n)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		perror(path);
		exit(1);
	}
	size_t cap = 8192, k = 0;
	struct pair *v = malloc(cap * sizeof *v);
	char *line = NULL;
	size_t lcap = 0;
	ssize_t len;
	while ((len = getline(&line, &lcap, f)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		char *field[10];
		int nf = 0;
		char *p = line;
		while (nf < 10) {
			field[nf++] = p;
			char *t = strchr(p, '\t');
			if (!t)
				break;
			*t = '\0';
			p = t + 1;
		}
		if (nf < 7)
			continue;
		if (k == cap)
			v = realloc(v, (cap *= 2) * sizeof *v);
		v[k].gold = atof(field[4]) / 5.0;
		v[k].a = strdup(field[5]);
		v[k].b = strdup(field[6]);
		k++;
	}
	free(line);
	fclose(f);
	*n = k;
	return v;
}

static const double *sort_key;
static int cmp(const void *x, const void *y)
{
	double a = sort_key[*(const size_t *)x], b = sort_key[*(const size_t *)y];
	return a < b ? -1 : a > b;
}

static void ranks(const double *v, size_t n, double *r)
{
	size_t *idx = malloc(n * sizeof *idx);
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	sort_key = v;
	qsort(idx, n, sizeof *idx, cmp);
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && v[idx[j]] == v[idx[i]])
			j++;
		for (size_t k = i; k < j; k++)
			r[idx[k]] = (double)(i + j - 1) / 2.0 + 1;
		i = j;
	}
	free(idx);
}

static double pearson(const double *x, const double *y, size_t n)
{
	double mx = 0, my = 0;
	for (size_t i = 0; i < n; i++) {
		mx += x[i];
		my += y[i];
	}
	mx /= (double)n;
	my /= (double)n;
	double sxy = 0, sxx = 0, syy = 0;
	for (size_t i = 0; i < n; i++) {
		sxy += (x[i] - mx) * (y[i] - my);
		sxx += (x[i] - mx) * (x[i] - mx);
		syy += (y[i] - my) * (y[i] - my);
	}
	return sxy / sqrt(sxx * syy);
}

static double spearman(const double *x, const double *y, size_t n)
{
	double *rx = malloc(n * sizeof *rx), *ry = malloc(n * sizeof *ry);
	ranks(x, n, rx);
	ranks(y, n, ry);
	double r = pearson(rx, ry, n);
	free(rx);
	free(ry);
	return r;
}

/* Solve (X'X + lambda I) w = X'y for K unknowns. */
#define K (SPROUT_SIM_FEATURES + 1)
static void fit(double (*x)[K], const double *y, size_t n, double *w)
{
	double a[K][K + 1];
	memset(a, 0, sizeof a);
	for (size_t i = 0; i < n; i++)
		for (int r = 0; r < K; r++) {
			for (int c = 0; c < K; c++)
				a[r][c] += x[i][r] * x[i][c];
			a[r][K] += x[i][r] * y[i];
		}
	for (int r = 1; r < K; r++)
		a[r][r] += 1e-3 * (double)n; /* a little ridge */
	for (int c = 0; c < K; c++) {
		int p = c;
		for (int r = c + 1; r < K; r++)
			if (fabs(a[r][c]) > fabs(a[p][c]))
				p = r;
		for (int k = 0; k <= K; k++) {
			double t = a[c][k];
			a[c][k] = a[p][k];
			a[p][k] = t;
		}
		for (int r = 0; r < K; r++) {
			if (r == c)
				continue;
			double f = a[r][c] / a[c][c];
			for (int k = c; k <= K; k++)
				a[r][k] -= f * a[c][k];
		}
	}
	for (int r = 0; r < K; r++)
		w[r] = a[r][K] / a[r][r];
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: sts TRAIN.tsv DEV.tsv [--fit]\n");
		return 2;
	}
	int do_fit = argc > 3 && strcmp(argv[3], "--fit") == 0;
	size_t nt, nd;
	struct pair *train = load(argv[1], &nt), *dev = load(argv[2], &nd);
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_wordnet *wn = sprout_wordnet_open(NULL, &err);
	if (!wn) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	double *gold = malloc(nd * sizeof *gold), *pred = malloc(nd * sizeof *pred);
	for (size_t i = 0; i < nd; i++)
		gold[i] = dev[i].gold;
	printf("STS-B dev: %zu pairs; IDF from %zu train pairs\n\n", nd, nt);
	printf("%-10s %10s %10s\n", "engine", "spearman", "pearson");
	for (int k = 0; k < SPROUT_SIM__COUNT; k++) {
		sprout_sim *s = sprout_sim_new((sprout_sim_kind)k, wn, &err);
		for (size_t i = 0; i < nt; i++) {
			sprout_sim_observe(s, train[i].a, strlen(train[i].a));
			sprout_sim_observe(s, train[i].b, strlen(train[i].b));
		}
		if (do_fit && k == SPROUT_SIM_WORDNET) {
			double(*x)[K] = malloc(nt * sizeof *x);
			double *y = malloc(nt * sizeof *y);
			/* FIT_FEATURES=2,3 fits on those features only (the others get 0) */
			const char *only = getenv("FIT_FEATURES");
			for (size_t i = 0; i < nt; i++) {
				x[i][0] = 1;
				sprout_sim_features(s, train[i].a, strlen(train[i].a), train[i].b,
						    strlen(train[i].b), x[i] + 1, SPROUT_SIM_FEATURES);
				for (int f = 0; only && f < SPROUT_SIM_FEATURES; f++) {
					char d[4];
					snprintf(d, sizeof d, "%d", f);
					if (!strstr(only, d))
						x[i][f + 1] = 0;
				}
				y[i] = train[i].gold;
			}
			double w[K];
			fit(x, y, nt, w);
			printf("fitted weights:");
			for (int j = 0; j < K; j++)
				printf(" %.4f", w[j]);
			printf("\n");
			sprout_sim_set_weights(s, w);
			free(x);
			free(y);
		}
		for (size_t i = 0; i < nd; i++)
			pred[i] = sprout_sim_score(s, dev[i].a, strlen(dev[i].a), dev[i].b, strlen(dev[i].b));
		printf("%-10s %10.4f %10.4f\n", sprout_sim_name((sprout_sim_kind)k),
		       spearman(pred, gold, nd), pearson(pred, gold, nd));
		if (getenv("STS_FEATURES")) {
			for (int f = 0; f < SPROUT_SIM_FEATURES; f++) {
				for (size_t i = 0; i < nd; i++) {
					double v[SPROUT_SIM_FEATURES];
					sprout_sim_features(s, dev[i].a, strlen(dev[i].a), dev[i].b,
							    strlen(dev[i].b), v, SPROUT_SIM_FEATURES);
					pred[i] = v[f];
				}
				printf("  feature %d: spearman %.4f\n", f, spearman(pred, gold, nd));
			}
		}
		sprout_sim_free(s);
	}
	sprout_wordnet_close(wn);
	return 0;
}
