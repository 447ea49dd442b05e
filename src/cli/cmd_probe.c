/* sprout probe: a quick A/B check before an expensive fine-tune. Trains
 * the fastText classifier (Debian's fasttext, run as a program) on the real
 * training records and on real + augmented ones, picks the epochs on the
 * real validation set, and reports test accuracy for each, per class, and
 * the worst classes' confusions. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

enum {
	OPT_TRAIN = OPT_COMMAND_BASE,
	OPT_VALID,
	OPT_TEST,
	OPT_AUGMENTED,
	OPT_EPOCHS,
	OPT_DIM,
	OPT_LR,
	OPT_NGRAMS,
	OPT_JSON,
	OPT_MISPRED,
	OPT_FASTTEXT,
	OPT_WORST,
};

static const struct cli_option options[] = {
	{"train", 0, "FILE", OPT_TRAIN, "the real training records (text and label)", CLI_OPT_INFILE},
	{"valid", 0, "FILE", OPT_VALID, "real validation records: the epochs are picked on them",
	 CLI_OPT_INFILE},
	{"test", 0, "FILE", OPT_TEST, "real test records: the accuracy reported", CLI_OPT_INFILE},
	{"augmented", 0, "FILE", OPT_AUGMENTED,
	 "synthetic records added to the training set for the second model (records with "
	 "_sprout.method seed are left out, they are the real ones again)",
	 CLI_OPT_INFILE | CLI_OPT_REPEAT},
	{"epochs", 0, "LIST", OPT_EPOCHS, "epochs tried, best on valid kept (default 5,10,25,50)"},
	{"dim", 0, "N", OPT_DIM, "fastText vector size (default 50)"},
	{"lr", 0, "R", OPT_LR, "fastText learning rate (default 0.5)"},
	{"ngrams", 0, "N", OPT_NGRAMS, "word n-grams (default 2)"},
	{"worst", 0, "N", OPT_WORST, "classes listed with their confusions (default 5)"},
	{"json", 0, NULL, OPT_JSON, "the numbers as JSON"},
	{"mispredictions", 0, "FILE", OPT_MISPRED,
	 "write the real model's predictions on the validation set (expected, predicted, "
	 "confidence, top 3 probabilities) as JSONL for 'sprout flag'",
	 CLI_OPT_OUTPATH},
	{"fasttext", 0, "PROGRAM", OPT_FASTTEXT, "the fastText program (default fasttext)"},
	{NULL, 0, NULL, 0, NULL},
};

#define MAX_EPOCHS 16

struct probe {
	const char *train, *valid, *test, *mispred, *fasttext;
	const char *aug[16];
	size_t naug;
	unsigned epochs[MAX_EPOCHS];
	size_t nepochs;
	unsigned dim, ngrams, worst;
	double lr;
	int json;
	char dir[64];
};

static int on_option(int id, const char *arg, void *ctx)
{
	struct probe *p = ctx;
	char *end;
	errno = 0;
	switch (id) {
	case OPT_TRAIN: p->train = arg; return -1;
	case OPT_VALID: p->valid = arg; return -1;
	case OPT_TEST: p->test = arg; return -1;
	case OPT_AUGMENTED:
		if (p->naug == 16) {
			cli_error("--augmented: at most 16 files");
			return EXIT_USAGE;
		}
		p->aug[p->naug++] = arg;
		return -1;
	case OPT_EPOCHS: {
		p->nepochs = 0;
		const char *s = arg;
		while (*s && p->nepochs < MAX_EPOCHS) {
			unsigned long v = strtoul(s, &end, 10);
			if (end == s || v < 1 || v > 1000 || (*end && *end != ',')) {
				cli_error("--epochs: expected a list like 5,10,25, got '%s'", arg);
				return EXIT_USAGE;
			}
			p->epochs[p->nepochs++] = (unsigned)v;
			s = *end ? end + 1 : end;
		}
		return -1;
	}
	case OPT_DIM:
	case OPT_NGRAMS:
	case OPT_WORST: {
		unsigned long v = strtoul(arg, &end, 10);
		if (errno || end == arg || *end || v < 1 || v > 1000) {
			cli_error("--%s: '%s' is not a whole number from 1 to 1000", id == OPT_DIM ? "dim" : id == OPT_NGRAMS ? "ngrams" : "worst", arg);
			return EXIT_USAGE;
		}
		*(id == OPT_DIM ? &p->dim : id == OPT_NGRAMS ? &p->ngrams : &p->worst) = (unsigned)v;
		return -1;
	}
	case OPT_LR:
		p->lr = strtod(arg, &end);
		if (errno || end == arg || *end || !(p->lr > 0 && p->lr <= 10)) {
			cli_error("--lr: '%s' is not a number above 0", arg);
			return EXIT_USAGE;
		}
		return -1;
	case OPT_JSON: p->json = 1; return -1;
	case OPT_MISPRED: p->mispred = arg; return -1;
	case OPT_FASTTEXT: p->fasttext = arg; return -1;
	}
	return -1;
}

/* ---- records to fastText lines ---------------------------------------------------- */

struct set {
	char **text, **label; /* as written for fastText: one line, lowercase */
	size_t n, cap;
};

static void set_free(struct set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->text[i]);
		free(s->label[i]);
	}
	free(s->text);
	free(s->label);
	memset(s, 0, sizeof *s);
}

/* fastText reads whitespace-separated tokens: a label is one token. */
static char *clean(const char *s, size_t n, int label)
{
	char *d = malloc(n + 1);
	if (!d)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		d[i] = c == '\n' || c == '\r' || c == '\t' || (label && c == ' ') ? (label ? '_' : ' ')
		       : !label && c >= 'A' && c <= 'Z'			   ? (char)(c | 32)
									   : (char)c;
	}
	d[n] = '\0';
	return d;
}

/* Records with a text and a label from path; skip_seeds leaves out the
 * real ones in an augmented file. */
static int load(struct cli_common *c, const char *path, int skip_seeds, struct set *s)
{
	const char *inputs[1] = {path};
	c->inputs = inputs;
	c->ninputs = 1;
	struct cli_reader rd = {0};
	int rc = cli_reader_open(&rd, c);
	if (rc >= 0)
		return rc;
	sprout_record rec;
	int got;
	while ((got = cli_reader_next(&rd, &rec)) > 0) {
		sprout_text t, l;
		if (!sprout_record_get(&rec, SPROUT_SLOT_PROMPT, &t) ||
		    !sprout_record_get(&rec, SPROUT_SLOT_LABEL, &l) || !l.len) {
			cli_reader_close(&rd, 0);
			cli_error("%s:%lu: a record without a text and a label (probe is for "
				  "classification data)",
				  path, rec.line);
			return EXIT_DATA;
		}
		if (skip_seeds) {
			sprout_json *m = sprout_meta_get(&rec);
			if (m && sprout_json_is(sprout_json_get(m, "method"), "seed"))
				continue;
		}
		if (s->n == s->cap) {
			s->cap = s->cap ? s->cap * 2 : 1024;
			char **a = realloc(s->text, s->cap * sizeof *a), **b = a ? realloc(s->label, s->cap * sizeof *b) : NULL;
			if (a)
				s->text = a;
			if (!a || !b) {
				cli_reader_close(&rd, 0);
				cli_error("out of memory");
				return EXIT_INTERNAL;
			}
			s->label = b;
		}
		s->text[s->n] = clean(t.s, t.len, 0);
		s->label[s->n] = clean(l.s, l.len, 1);
		s->n++;
	}
	rc = cli_reader_close(&rd, got == 0);
	return got < 0 ? -got : rc ? rc : -1;
}

static int write_set(const char *path, const struct set *a, const struct set *b)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	for (int k = 0; k < 2; k++) {
		const struct set *s = k ? b : a;
		for (size_t i = 0; s && i < s->n; i++)
			fprintf(f, "__label__%s %s\n", s->label[i], s->text[i]);
	}
	return fclose(f) ? -1 : 0;
}

/* ---- running fastText ------------------------------------------------------------- */

/* Run argv with stdout to out (NULL: /dev/null); 0 when it exits 0. */
static int run(char *const *argv, const char *out)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open(out ? out : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int null = open("/dev/null", O_WRONLY);
		if (fd < 0 || null < 0)
			_exit(127);
		dup2(fd, 1);
		dup2(null, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int train(struct probe *p, const char *input, const char *model, unsigned epochs)
{
	char e[16], d[16], lr[32], ng[16];
	snprintf(e, sizeof e, "%u", epochs);
	snprintf(d, sizeof d, "%u", p->dim);
	snprintf(lr, sizeof lr, "%g", p->lr);
	snprintf(ng, sizeof ng, "%u", p->ngrams);
	/* one thread: the same data gives the same model. 200,000 hash buckets
	 * for word n-grams instead of fastText's 2M: a model of 40 MB instead
	 * of 400 MB, trained in a fifth of the time, for data sets of the
	 * size a probe sees */
	char *argv[] = {(char *)p->fasttext, "supervised", "-input", (char *)input, "-output",
			(char *)model, "-epoch", e, "-dim", d, "-lr", lr, "-wordNgrams", ng,
			"-bucket", "200000", "-minCount", "1", "-thread", "1", "-verbose", "0", NULL};
	return run(argv, NULL);
}

/* Predictions (k labels with probabilities) for each line of input. */
struct pred {
	char label[3][128];
	double prob[3];
};

static int predict(struct probe *p, const char *model, const char *input, size_t n,
		   struct pred *out)
{
	char bin[256], outp[256];
	snprintf(bin, sizeof bin, "%s.bin", model);
	snprintf(outp, sizeof outp, "%s.pred", model);
	char *argv[] = {(char *)p->fasttext, "predict-prob", bin, (char *)input, "3", NULL};
	if (run(argv, outp))
		return -1;
	FILE *f = fopen(outp, "r");
	if (!f)
		return -1;
	char line[4096];
	size_t i = 0;
	while (i < n && fgets(line, sizeof line, f)) {
		memset(&out[i], 0, sizeof out[i]);
		char *save = NULL, *tok = strtok_r(line, " \n", &save);
		for (int k = 0; tok && k < 3; k++) {
			if (!strncmp(tok, "__label__", 9))
				snprintf(out[i].label[k], sizeof out[i].label[k], "%s", tok + 9);
			tok = strtok_r(NULL, " \n", &save);
			out[i].prob[k] = tok ? strtod(tok, NULL) : 0;
			tok = strtok_r(NULL, " \n", &save);
		}
		i++;
	}
	fclose(f);
	return i == n ? 0 : -1;
}

static double accuracy(const struct set *s, const struct pred *pr)
{
	size_t ok = 0;
	for (size_t i = 0; i < s->n; i++)
		ok += !strcmp(pr[i].label[0], s->label[i]);
	return s->n ? (double)ok / (double)s->n : 0;
}

struct result {
	unsigned epochs;
	double valid, test;
	struct pred *vpred, *tpred;
};

/* Train with each epoch count, keep the best on valid, score test. */
static int fit(struct probe *p, const char *name, const char *input, const struct set *valid,
	       const struct set *test, const char *vpath, const char *tpath, struct result *r)
{
	char model[128];
	snprintf(model, sizeof model, "%s/%s", p->dir, name);
	r->valid = -1;
	struct pred *vp = calloc(valid->n + 1, sizeof *vp);
	r->vpred = calloc(valid->n + 1, sizeof *r->vpred);
	r->tpred = calloc(test->n + 1, sizeof *r->tpred);
	if (!vp || !r->vpred || !r->tpred) {
		free(vp);
		return EXIT_INTERNAL;
	}
	for (size_t e = 0; e < p->nepochs; e++) {
		if (train(p, input, model, p->epochs[e]) || predict(p, model, vpath, valid->n, vp)) {
			free(vp);
			cli_error("fastText failed (is the Debian package fasttext installed? --fasttext "
				  "names the program)");
			return EXIT_IO;
		}
		double acc = accuracy(valid, vp);
		if (acc > r->valid) {
			r->valid = acc;
			r->epochs = p->epochs[e];
			memcpy(r->vpred, vp, valid->n * sizeof *vp);
			if (predict(p, model, tpath, test->n, r->tpred)) {
				free(vp);
				cli_error("fastText failed to predict");
				return EXIT_IO;
			}
			r->test = accuracy(test, r->tpred);
		}
	}
	free(vp);
	return -1;
}

/* ---- the report -------------------------------------------------------------------- */

struct cls {
	const char *label;
	size_t n, ok;
	const char *confused; /* the most frequent wrong answer */
	size_t confused_n;
};

static int by_accuracy(const void *a, const void *b)
{
	const struct cls *x = a, *y = b;
	double ax = x->n ? (double)x->ok / (double)x->n : 1, ay = y->n ? (double)y->ok / (double)y->n : 1;
	return ax < ay ? -1 : ax > ay ? 1 : strcmp(x->label, y->label);
}

/* Per-class accuracy on test, worst first. */
static struct cls *per_class(const struct set *test, const struct pred *pr, size_t *ncls)
{
	struct cls *c = calloc(test->n + 1, sizeof *c);
	size_t n = 0;
	for (size_t i = 0; c && i < test->n; i++) {
		size_t k = 0;
		while (k < n && strcmp(c[k].label, test->label[i]))
			k++;
		if (k == n)
			c[n++].label = test->label[i];
		c[k].n++;
		c[k].ok += !strcmp(pr[i].label[0], test->label[i]);
	}
	for (size_t k = 0; c && k < n; k++) { /* the most frequent confusion */
		for (size_t i = 0; i < test->n; i++) {
			if (strcmp(test->label[i], c[k].label) || !strcmp(pr[i].label[0], c[k].label))
				continue;
			size_t cnt = 0;
			for (size_t j = 0; j < test->n; j++)
				cnt += !strcmp(test->label[j], c[k].label) && !strcmp(pr[j].label[0], pr[i].label[0]);
			if (cnt > c[k].confused_n) {
				c[k].confused_n = cnt;
				c[k].confused = pr[i].label[0];
			}
		}
	}
	if (c)
		qsort(c, n, sizeof *c, by_accuracy);
	*ncls = n;
	return c;
}

static int write_mispredictions(const char *path, const struct set *valid, const struct pred *pr)
{
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_writer *w = sprout_writer_open(path, SPROUT_CONTAINER_JSONL, &err);
	sprout_buf b = SPROUT_BUF_INIT(1 << 20);
	int bad = !w;
	for (size_t i = 0; !bad && i < valid->n; i++) {
		sprout_buf_clear(&b);
		bad = sprout_buf_adds(&b, "{\"input\":") ||
		      sprout_json_write_string(&b, valid->text[i], strlen(valid->text[i])) ||
		      sprout_buf_adds(&b, ",\"expected\":") ||
		      sprout_json_write_string(&b, valid->label[i], strlen(valid->label[i])) ||
		      sprout_buf_adds(&b, ",\"predicted\":") ||
		      sprout_json_write_string(&b, pr[i].label[0], strlen(pr[i].label[0])) ||
		      sprout_buf_addf(&b, ",\"confidence\":%.4f,\"probs\":{", pr[i].prob[0]);
		for (int k = 0; !bad && k < 3 && pr[i].label[k][0]; k++)
			bad = (k && sprout_buf_addc(&b, ',')) ||
			      sprout_json_write_string(&b, pr[i].label[k], strlen(pr[i].label[k])) ||
			      sprout_buf_addf(&b, ":%.4f", pr[i].prob[k]);
		bad = bad || sprout_buf_addc(&b, '}') || sprout_buf_addc(&b, '}') ||
		      sprout_writer_put_json(w, b.data, b.len, &err);
	}
	if (!bad)
		bad = sprout_writer_commit(w, &err) != SPROUT_OK;
	else if (w)
		sprout_writer_abort(w);
	sprout_buf_release(&b);
	if (bad)
		cli_error("%s: cannot write the predictions", path);
	return bad;
}

int cmd_probe(int argc, char **argv)
{
	struct probe p;
	memset(&p, 0, sizeof p);
	p.fasttext = "fasttext";
	p.dim = 50;
	p.lr = 0.5;
	p.ngrams = 2;
	p.worst = 5;
	static const unsigned def_epochs[] = {5, 10, 25, 50};
	memcpy(p.epochs, def_epochs, sizeof def_epochs);
	p.nepochs = 4;
	struct cli_common c;
	int rc = cli_parse(argc, argv, "probe --train FILE --valid FILE --test FILE [--augmented FILE] [options]",
			   "A quick A/B check for classification data (text + label) before an\n"
			   "expensive fine-tune: train fastText on the real training records, and on\n"
			   "real + augmented ones, pick the epochs on the real validation set, and\n"
			   "report test accuracy for each, per class, and the worst classes'\n"
			   "confusions. Needs the fastText program (Debian package fasttext).",
			   options, CLI_READS | CLI_NO_OUTPUT, &c, on_option, &p);
	if (rc >= 0)
		return rc;
	if (!p.train || !p.valid || !p.test) {
		cli_error("probe needs --train, --valid and --test (see 'sprout probe --help')");
		return EXIT_USAGE;
	}
	struct set tr = {0}, va = {0}, te = {0}, au = {0};
	struct result real = {0}, mixed = {0};
	c.quiet = 1;
	if ((rc = load(&c, p.train, 0, &tr)) >= 0 || (rc = load(&c, p.valid, 0, &va)) >= 0 ||
	    (rc = load(&c, p.test, 0, &te)) >= 0)
		goto done;
	for (size_t i = 0; i < p.naug; i++)
		if ((rc = load(&c, p.aug[i], 1, &au)) >= 0)
			goto done;
	snprintf(p.dir, sizeof p.dir, "/tmp/sprout-probe-XXXXXX");
	if (!mkdtemp(p.dir)) {
		cli_error("cannot make a temporary folder: %s", strerror(errno));
		rc = EXIT_IO;
		goto done;
	}
	char f_real[128], f_mix[128], f_valid[128], f_test[128];
	snprintf(f_real, sizeof f_real, "%s/real.txt", p.dir);
	snprintf(f_mix, sizeof f_mix, "%s/mixed.txt", p.dir);
	snprintf(f_valid, sizeof f_valid, "%s/valid.txt", p.dir);
	snprintf(f_test, sizeof f_test, "%s/test.txt", p.dir);
	if (write_set(f_real, &tr, NULL) || write_set(f_mix, &tr, &au) || write_set(f_valid, &va, NULL) ||
	    write_set(f_test, &te, NULL)) {
		cli_error("cannot write in %s", p.dir);
		rc = EXIT_IO;
		goto done;
	}
	if ((rc = fit(&p, "real", f_real, &va, &te, f_valid, f_test, &real)) >= 0)
		goto done;
	if (au.n && (rc = fit(&p, "mixed", f_mix, &va, &te, f_valid, f_test, &mixed)) >= 0)
		goto done;
	if (p.mispred && write_mispredictions(p.mispred, &va, real.vpred)) {
		rc = EXIT_IO;
		goto done;
	}
	size_t ncls;
	const struct result *best = au.n ? &mixed : &real;
	struct cls *cl = per_class(&te, best->tpred, &ncls);
	if (p.json) {
		printf("{\"classes\":%zu,\"train\":%zu,\"augmented\":%zu,\"valid\":%zu,\"test\":%zu,"
		       "\"real\":{\"epochs\":%u,\"valid\":%.4f,\"test\":%.4f}",
		       ncls, tr.n, au.n, va.n, te.n, real.epochs, real.valid, real.test);
		if (au.n)
			printf(",\"augmented_model\":{\"epochs\":%u,\"valid\":%.4f,\"test\":%.4f},"
			       "\"gain\":%.4f",
			       mixed.epochs, mixed.valid, mixed.test, mixed.test - real.test);
		printf(",\"worst\":[");
		for (size_t k = 0; cl && k < ncls && k < p.worst; k++)
			printf("%s{\"label\":\"%s\",\"accuracy\":%.4f,\"n\":%zu,\"confused_with\":%s%s%s}",
			       k ? "," : "", cl[k].label, (double)cl[k].ok / (double)cl[k].n, cl[k].n,
			       cl[k].confused ? "\"" : "", cl[k].confused ? cl[k].confused : "null",
			       cl[k].confused ? "\"" : "");
		printf("]}\n");
	} else {
		printf("probe: %zu classes; train %zu real", ncls, tr.n);
		if (au.n)
			printf(" (+%zu augmented)", au.n);
		printf("; valid %zu; test %zu\n\n", va.n, te.n);
		printf("%-16s %6s %10s %10s\n", "model", "epochs", "valid acc", "test acc");
		printf("%-16s %6u %10.4f %10.4f\n", "real", real.epochs, real.valid, real.test);
		if (au.n)
			printf("%-16s %6u %10.4f %10.4f   (%+.1f points on test)\n", "real+augmented",
			       mixed.epochs, mixed.valid, mixed.test, 100 * (mixed.test - real.test));
		printf("\nworst classes on test (%s model):\n", au.n ? "real+augmented" : "real");
		for (size_t k = 0; cl && k < ncls && k < p.worst; k++)
			printf("  %-32s %5.1f%% of %zu   mostly taken for %s\n", cl[k].label,
			       100.0 * (double)cl[k].ok / (double)cl[k].n, cl[k].n,
			       cl[k].confused ? cl[k].confused : "-");
	}
	free(cl);
	rc = EXIT_OK;
done:
	if (p.dir[0]) {
		char *rm[] = {"rm", "-rf", p.dir, NULL};
		run(rm, NULL);
	}
	free(real.vpred), free(real.tpred), free(mixed.vpred), free(mixed.tpred);
	set_free(&tr), set_free(&va), set_free(&te), set_free(&au);
	return rc < 0 ? EXIT_OK : rc;
}
