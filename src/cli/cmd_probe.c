/* sprout probe: a quick A/B check before an expensive fine-tune. Trains
 * the fastText classifier (Debian's fasttext, run as a program) on the real
 * training records and on real + augmented ones, picks the epochs on the
 * real validation set, and reports test accuracy for each, per class, and
 * the worst classes' confusions. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
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
	OPT_THREADS,
	OPT_POOL,
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
    {"pool", 0, "FILE", OPT_POOL,
     "records to flag for review (production-like data, never the validation or test "
     "set); the label, when they have one, is the expected answer",
     CLI_OPT_INFILE},
    {"mispredictions", 0, "FILE", OPT_MISPRED,
     "write the real model's predictions on the --pool records (expected, predicted, "
     "confidence, top 3 probabilities) as JSONL for 'sprout flag'",
     CLI_OPT_OUTPATH},
    {"threads", 0, "N", OPT_THREADS,
     "fastText training threads (default 1: the same data gives the same model; more "
     "are faster on large data but not reproducible)"},
    {"fasttext", 0, "PROGRAM", OPT_FASTTEXT, "the fastText program (default fasttext)"},
    {NULL, 0, NULL, 0, NULL},
};

#define MAX_EPOCHS 16

struct probe {
	const char *train, *valid, *test, *pool, *mispred, *fasttext;
	const char *aug[16];
	size_t naug;
	unsigned epochs[MAX_EPOCHS];
	size_t nepochs;
	unsigned dim, ngrams, worst, threads;
	double lr;
	int json;
	char dir[4096];
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
	case OPT_WORST:
	case OPT_THREADS: {
		static const char *const names[] = {"dim", "ngrams", "worst", "threads"};
		int k = id == OPT_DIM ? 0 : id == OPT_NGRAMS ? 1 : id == OPT_WORST ? 2 : 3;
		unsigned long max = id == OPT_THREADS ? 256 : 1000;
		unsigned long v = strtoul(arg, &end, 10);
		if (errno || end == arg || *end || v < 1 || v > max) {
			cli_error("--%s: '%s' is not a whole number from 1 to %lu", names[k], arg,
				  max);
			return EXIT_USAGE;
		}
		*(k == 0   ? &p->dim
		  : k == 1 ? &p->ngrams
		  : k == 2 ? &p->worst
			   : &p->threads) = (unsigned)v;
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
	case OPT_POOL: p->pool = arg; return -1;
	case OPT_FASTTEXT: p->fasttext = arg; return -1;
	}
	return -1;
}

/* ---- records to fastText lines ---------------------------------------------------- */

struct set {
	char **text, **label; /* as written for fastText: one line, lowercase */
	char **orig;	      /* the pool's texts as written (NULL for the others) */
	size_t n, cap;
};

static void set_free(struct set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->text[i]);
		free(s->label[i]);
		if (s->orig)
			free(s->orig[i]);
	}
	free(s->text);
	free(s->label);
	free(s->orig);
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
		d[i] = c == '\n' || c == '\r' || c == '\t' || (label && c == ' ')
			   ? (label ? '_' : ' ')
		       : !label && c >= 'A' && c <= 'Z' ? (char)(c | 32)
							: (char)c;
	}
	d[n] = '\0';
	return d;
}

/* How load reads a file. */
enum {
	LOAD_ALL,
	LOAD_SKIP_SEEDS /* augmented: the real ones are left out */,
	LOAD_POOL /* the label may be missing (""); the texts as written kept */
};

/* Records with a text and a label from path. */
static int load(struct cli_common *c, const char *path, int how, struct set *s)
{
	const char *inputs[1] = {path};
	c->inputs = inputs;
	c->ninputs = 1;
	struct cli_reader rd = {0};
	sprout_format given = c->src.format;
	if (how == LOAD_POOL && given.kind == SPROUT_FORMAT_AUTO) {
		/* {"text", "label"} with the label optional: detecting the format
		 * from a first record with a label would require one in every record */
		memset(&c->src.format, 0, sizeof c->src.format);
		c->src.format.kind = SPROUT_FORMAT_MAP;
		strcpy(c->src.format.keys[SPROUT_SLOT_PROMPT], "text");
		strcpy(c->src.format.keys[SPROUT_SLOT_LABEL], "label");
	}
	int rc = cli_reader_open(&rd, c);
	c->src.format = given;
	if (rc >= 0)
		return rc;
	sprout_record rec;
	int got;
	while ((got = cli_reader_next(&rd, &rec)) > 0) {
		sprout_text t, l;
		int has_label = sprout_record_get(&rec, SPROUT_SLOT_LABEL, &l) && l.len;
		if (!has_label)
			l = (sprout_text){"", 0};
		if (!sprout_record_get(&rec, SPROUT_SLOT_PROMPT, &t) ||
		    (!has_label && how != LOAD_POOL)) {
			cli_reader_close(&rd, 0);
			cli_error("%s:%lu: a record without a text and a label (probe is for "
				  "classification data)",
				  path, rec.line);
			return EXIT_DATA;
		}
		if (how == LOAD_SKIP_SEEDS) {
			sprout_json *m = sprout_meta_get(&rec);
			if (m && sprout_json_is(sprout_json_get(m, "method"), "seed"))
				continue;
		}
		if (s->n == s->cap) {
			s->cap = s->cap ? s->cap * 2 : 1024;
			char **a = realloc(s->text, s->cap * sizeof *a),
			     **b = a ? realloc(s->label, s->cap * sizeof *b) : NULL;
			char **o =
			    b && how == LOAD_POOL ? realloc(s->orig, s->cap * sizeof *o) : NULL;
			if (a)
				s->text = a;
			if (b)
				s->label = b;
			if (o)
				s->orig = o;
			if (!a || !b || (how == LOAD_POOL && !o)) {
				cli_reader_close(&rd, 0);
				cli_error("out of memory");
				return EXIT_INTERNAL;
			}
		}
		s->text[s->n] = clean(t.s, t.len, 0);
		s->label[s->n] = clean(l.s, l.len, 1);
		if (s->orig) {
			s->orig[s->n] = malloc(t.len + 1);
			if (s->orig[s->n])
				memcpy(s->orig[s->n], t.s, t.len), s->orig[s->n][t.len] = '\0';
		}
		if (!s->text[s->n] || !s->label[s->n] || (s->orig && !s->orig[s->n])) {
			s->n++;
			cli_reader_close(&rd, 0);
			cli_error("out of memory");
			return EXIT_INTERNAL;
		}
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
			fprintf(f, "%s%s%s%s\n", s->label[i][0] ? "__label__" : "", s->label[i],
				s->label[i][0] ? " " : "", s->text[i]);
	}
	return fclose(f) ? -1 : 0;
}

/* ---- word n-grams: how many hash buckets fastText needs ----------------------------- */

/* A set of 64-bit hashes (open addressing; 0 stands for itself in zero). */
struct hset {
	uint64_t *v;
	size_t n, cap;
	int zero;
};

static int hset_add(struct hset *h, uint64_t x)
{
	if (!x) {
		h->n += !h->zero;
		h->zero = 1;
		return 0;
	}
	if (2 * (h->n + 1) > h->cap) {
		size_t cap = h->cap ? 2 * h->cap : 4096;
		uint64_t *v = calloc(cap, sizeof *v);
		if (!v)
			return -1;
		for (size_t i = 0; i < h->cap; i++)
			for (size_t j = h->v[i] & (cap - 1); h->v[i]; j = (j + 1) & (cap - 1))
				if (!v[j]) {
					v[j] = h->v[i];
					break;
				}
		free(h->v);
		h->v = v;
		h->cap = cap;
	}
	for (size_t j = x & (h->cap - 1);; j = (j + 1) & (h->cap - 1)) {
		if (h->v[j] == x)
			return 0;
		if (!h->v[j]) {
			h->v[j] = x;
			h->n++;
			return 0;
		}
	}
}

/* Distinct word n-grams (1 to ngrams words, as fastText splits lines:
 * on white space, with an end-of-line word) in the sets' texts; 0 on OOM. */
static size_t count_ngrams(const struct set *const *sets, size_t nsets, unsigned ngrams)
{
	struct hset h = {0};
	uint64_t words[1024];
	int bad = 0;
	for (size_t k = 0; k < nsets && !bad; k++) {
		for (size_t i = 0; i < sets[k]->n && !bad; i++) {
			size_t nw = 0;
			for (const char *t = sets[k]->text[i]; nw < 1023;) {
				t += strspn(t, " \v\f");
				if (!*t)
					break;
				uint64_t x = 1469598103934665603ULL; /* FNV-1a */
				for (; *t && !strchr(" \v\f", *t); t++)
					x = (x ^ (unsigned char)*t) * 1099511628211ULL;
				words[nw++] = x;
			}
			words[nw++] = 0x2f733e; /* "</s>" */
			for (size_t w = 0; w < nw && !bad; w++) {
				uint64_t x = 0;
				for (size_t g = 0; g < ngrams && w + g < nw && !bad; g++) {
					x = x * 116049371 + words[w + g] + g;
					bad = hset_add(&h, x);
				}
			}
		}
	}
	free(h.v);
	return bad ? 0 : h.n;
}

/* fastText hashes word n-grams into buckets (2,000,000 by default: a
 * 400 MB model written and read at every epoch count). Four buckets an
 * n-gram keep most n-grams apart at a small fraction of the size. */
static unsigned long buckets_for(size_t ngrams)
{
	unsigned long b = ngrams ? 4 * (unsigned long)ngrams : 2000000;
	return b < 20000 ? 20000 : b > 2000000 ? 2000000 : b;
}

/* ---- running fastText ------------------------------------------------------------- */

/* A SIGINT, SIGTERM or SIGHUP stops the fastText child and brings the
 * probe to its cleanup (the temporary folder removed), after which it
 * dies of the signal as before. */
static volatile sig_atomic_t got_signal;
static volatile pid_t child;

static void on_stop(int sig)
{
	got_signal = sig;
	if (child > 0)
		kill(child, SIGTERM);
}

static void catch_stops(int on)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
	static struct sigaction old[3];
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < 3; i++)
		if (on)
			sigaction(sigs[i], &sa, &old[i]);
		else
			sigaction(sigs[i], &old[i], NULL);
}

/* Remove dir and the files in it (the probe makes no subfolders). */
static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[4096 + 256];
	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
			unlink(p);
		}
	if (d)
		closedir(d);
	rmdir(dir);
}

/* Run argv with stdout to out (NULL: /dev/null); 0 when it exits 0. */
static int run(char *const *argv, const char *out)
{
	if (got_signal)
		return -1;
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
	child = pid;
	if (got_signal) /* it came between fork and here */
		kill(pid, SIGTERM);
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			child = 0;
			return -1;
		}
	child = 0;
	if (got_signal)
		return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int train(struct probe *p, const char *input, const char *model, unsigned epochs,
		 unsigned long buckets)
{
	char e[16], d[16], lr[32], ng[16], b[32], th[16];
	snprintf(e, sizeof e, "%u", epochs);
	snprintf(d, sizeof d, "%u", p->dim);
	snprintf(lr, sizeof lr, "%g", p->lr);
	snprintf(ng, sizeof ng, "%u", p->ngrams);
	snprintf(b, sizeof b, "%lu", buckets);
	/* one thread by default: the same data gives the same model (threads
	 * update the weights in whatever order they run) */
	snprintf(th, sizeof th, "%u", p->threads);
	char *argv[] = {(char *)p->fasttext,
			"supervised",
			"-input",
			(char *)input,
			"-output",
			(char *)model,
			"-epoch",
			e,
			"-dim",
			d,
			"-lr",
			lr,
			"-wordNgrams",
			ng,
			"-bucket",
			b,
			"-minCount",
			"1",
			"-thread",
			th,
			"-verbose",
			"0",
			NULL};
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
	char bin[4096 + 16], outp[4096 + 16];
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
	struct pred *tpred, *ppred; /* on test and on the pool */
};

/* The sets a model is scored on, and their files for fastText. */
struct eval {
	const struct set *valid, *test, *pool; /* pool may be NULL */
	const char *vpath, *tpath, *ppath;
};

/* Train with each epoch count, keep the best on valid, score test (and
 * predict the pool with it, when there is one). */
static int fit(struct probe *p, const char *name, const char *input, unsigned long buckets,
	       const struct eval *ev, struct result *r)
{
	const struct set *valid = ev->valid, *test = ev->test, *pool = ev->pool;
	char model[4096 + 16];
	snprintf(model, sizeof model, "%s/%s", p->dir, name);
	r->valid = -1;
	struct pred *vp = calloc(valid->n + 1, sizeof *vp);
	r->tpred = calloc(test->n + 1, sizeof *r->tpred);
	r->ppred = pool ? calloc(pool->n + 1, sizeof *r->ppred) : NULL;
	if (!vp || !r->tpred || (pool && !r->ppred)) {
		free(vp);
		return EXIT_INTERNAL;
	}
	for (size_t e = 0; e < p->nepochs; e++) {
		if (train(p, input, model, p->epochs[e], buckets) ||
		    predict(p, model, ev->vpath, valid->n, vp)) {
			free(vp);
			if (got_signal)
				return EXIT_IO;
			cli_error(
			    "fastText failed (is the Debian package fasttext installed? --fasttext "
			    "names the program)");
			return EXIT_IO;
		}
		double acc = accuracy(valid, vp);
		if (acc > r->valid) {
			r->valid = acc;
			r->epochs = p->epochs[e];
			if (predict(p, model, ev->tpath, test->n, r->tpred) ||
			    (pool && predict(p, model, ev->ppath, pool->n, r->ppred))) {
				free(vp);
				if (!got_signal)
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
	double ax = x->n ? (double)x->ok / (double)x->n : 1,
	       ay = y->n ? (double)y->ok / (double)y->n : 1;
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
			if (strcmp(test->label[i], c[k].label) ||
			    !strcmp(pr[i].label[0], c[k].label))
				continue;
			size_t cnt = 0;
			for (size_t j = 0; j < test->n; j++)
				cnt += !strcmp(test->label[j], c[k].label) &&
				       !strcmp(pr[j].label[0], pr[i].label[0]);
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

/* The pool's predictions; a record without a label is expected to be what
 * the model said (flagged only when unsure; the reviewer corrects it). */
static int write_mispredictions(const char *path, const struct set *pool, const struct pred *pr)
{
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_writer *w = sprout_writer_open(path, SPROUT_CONTAINER_JSONL, &err);
	sprout_buf b = SPROUT_BUF_INIT(1 << 20);
	int bad = !w;
	for (size_t i = 0; !bad && i < pool->n; i++) {
		const char *exp = pool->label[i][0] ? pool->label[i] : pr[i].label[0];
		sprout_buf_clear(&b);
		sprout_jw j;
		sprout_jw_init(&j, &b);
		sprout_jw_object(&j);
		sprout_jw_kstring(&j, "input", pool->orig[i]);
		sprout_jw_kstring(&j, "expected", exp);
		sprout_jw_kstring(&j, "predicted", pr[i].label[0]);
		sprout_jw_kfixed(&j, "confidence", pr[i].prob[0], 4);
		sprout_jw_kobject(&j, "probs");
		for (int k = 0; k < 3 && pr[i].label[k][0]; k++)
			sprout_jw_kfixed(&j, pr[i].label[k], pr[i].prob[k], 4);
		sprout_jw_end(&j);
		sprout_jw_end(&j);
		bad = sprout_jw_finish(&j) || sprout_writer_put_json(w, b.data, b.len, &err);
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

/* key: {"epochs", "valid", "test"} of a model. */
static void model_json(sprout_jw *w, const char *key, const struct result *m)
{
	sprout_jw_kobject(w, key);
	sprout_jw_kuint(w, "epochs", m->epochs);
	sprout_jw_kfixed(w, "valid", m->valid, 4);
	sprout_jw_kfixed(w, "test", m->test, 4);
	sprout_jw_end(w);
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
	p.threads = 1;
	int rc = cli_parse(
	    argc, argv, "probe --train FILE --valid FILE --test FILE [--augmented FILE] [options]",
	    "A quick A/B check for classification data (text + label) before an\n"
	    "expensive fine-tune: train fastText on the real training records, and on\n"
	    "real + augmented ones, pick the epochs on the real validation set, and\n"
	    "report test accuracy for each, per class, and the worst classes'\n"
	    "confusions. With --pool and --mispredictions, the real model's\n"
	    "predictions on other records, for 'sprout flag' (the validation and test\n"
	    "sets stay out of the loop). Needs the fastText program (Debian package\n"
	    "fasttext); its files go to a folder in $TMPDIR (default /tmp), removed\n"
	    "at the end, on errors and on SIGINT or SIGTERM.",
	    options, CLI_READS | CLI_NO_OUTPUT, &c, on_option, &p);
	if (rc >= 0)
		return rc;
	if (!p.train || !p.valid || !p.test) {
		cli_error("probe needs --train, --valid and --test (see 'sprout probe --help')");
		return EXIT_USAGE;
	}
	if (p.mispred && !p.pool) {
		cli_error(
		    "--mispredictions needs --pool FILE: the records flagged from it are "
		    "corrected and added to training, and the validation set, which picks the "
		    "epochs, must stay out of training (see docs/loop.md)");
		return EXIT_USAGE;
	}
	if (p.pool && !p.mispred) {
		cli_error("--pool needs --mispredictions FILE, where its predictions go");
		return EXIT_USAGE;
	}
	struct set tr = {0}, va = {0}, te = {0}, au = {0}, po = {0};
	struct result real = {0}, mixed = {0};
	c.quiet = 1;
	if ((rc = load(&c, p.train, LOAD_ALL, &tr)) >= 0 ||
	    (rc = load(&c, p.valid, LOAD_ALL, &va)) >= 0 ||
	    (rc = load(&c, p.test, LOAD_ALL, &te)) >= 0 ||
	    (p.pool && (rc = load(&c, p.pool, LOAD_POOL, &po)) >= 0))
		goto done;
	for (size_t i = 0; i < p.naug; i++)
		if ((rc = load(&c, p.aug[i], LOAD_SKIP_SEEDS, &au)) >= 0)
			goto done;
	const char *tmp = getenv("TMPDIR");
	if (!tmp || !*tmp || strlen(tmp) > sizeof p.dir - 64)
		tmp = "/tmp";
	catch_stops(1);
	snprintf(p.dir, sizeof p.dir, "%s/sprout-probe-XXXXXX", tmp);
	if (!mkdtemp(p.dir)) {
		cli_error("cannot make a temporary folder in %s: %s", tmp, strerror(errno));
		p.dir[0] = '\0';
		rc = EXIT_IO;
		goto done;
	}
	char f_real[4096 + 16], f_mix[4096 + 16], f_valid[4096 + 16], f_test[4096 + 16],
	    f_pool[4096 + 16];
	snprintf(f_real, sizeof f_real, "%s/real.txt", p.dir);
	snprintf(f_mix, sizeof f_mix, "%s/mixed.txt", p.dir);
	snprintf(f_valid, sizeof f_valid, "%s/valid.txt", p.dir);
	snprintf(f_test, sizeof f_test, "%s/test.txt", p.dir);
	snprintf(f_pool, sizeof f_pool, "%s/pool.txt", p.dir);
	if (write_set(f_real, &tr, NULL) || write_set(f_mix, &tr, &au) ||
	    write_set(f_valid, &va, NULL) || write_set(f_test, &te, NULL) ||
	    (p.pool && write_set(f_pool, &po, NULL))) {
		cli_error("cannot write in %s", p.dir);
		rc = EXIT_IO;
		goto done;
	}
	const struct set *with_aug[] = {&tr, &au};
	unsigned long b_real = buckets_for(count_ngrams(with_aug, 1, p.ngrams)),
		      b_mix = buckets_for(count_ngrams(with_aug, 2, p.ngrams));
	struct eval ev_real = {&va, &te, p.pool ? &po : NULL, f_valid, f_test, f_pool};
	struct eval ev_mix = {&va, &te, NULL, f_valid, f_test, NULL};
	if ((rc = fit(&p, "real", f_real, b_real, &ev_real, &real)) >= 0)
		goto done;
	if (au.n && (rc = fit(&p, "mixed", f_mix, b_mix, &ev_mix, &mixed)) >= 0)
		goto done;
	if (p.mispred && write_mispredictions(p.mispred, &po, real.ppred)) {
		rc = EXIT_IO;
		goto done;
	}
	size_t ncls;
	const struct result *best = au.n ? &mixed : &real;
	struct cls *cl = per_class(&te, best->tpred, &ncls);
	if (p.json) {
		sprout_buf b = SPROUT_BUF_INIT((size_t)1 << 30);
		sprout_jw w;
		sprout_jw_init(&w, &b);
		sprout_jw_object(&w);
		sprout_jw_kuint(&w, "classes", ncls);
		sprout_jw_kuint(&w, "train", tr.n);
		sprout_jw_kuint(&w, "augmented", au.n);
		sprout_jw_kuint(&w, "valid", va.n);
		sprout_jw_kuint(&w, "test", te.n);
		model_json(&w, "real", &real);
		if (au.n) {
			model_json(&w, "augmented_model", &mixed);
			sprout_jw_kfixed(&w, "gain", mixed.test - real.test, 4);
		}
		sprout_jw_karray(&w, "worst");
		for (size_t k = 0; cl && k < ncls && k < p.worst; k++) {
			sprout_jw_object(&w);
			sprout_jw_kstring(&w, "label", cl[k].label);
			sprout_jw_kfixed(&w, "accuracy", (double)cl[k].ok / (double)cl[k].n, 4);
			sprout_jw_kuint(&w, "n", cl[k].n);
			sprout_jw_kstring(&w, "confused_with", cl[k].confused);
			sprout_jw_end(&w);
		}
		sprout_jw_end(&w);
		sprout_jw_end(&w);
		int bad = sprout_jw_finish(&w) || sprout_buf_addc(&b, '\n');
		if (!bad)
			fwrite(b.data, 1, b.len, stdout);
		sprout_buf_release(&b);
		if (bad) {
			cli_error("out of memory");
			free(cl);
			rc = EXIT_INTERNAL;
			goto done;
		}
	} else {
		printf("probe: %zu classes; train %zu real", ncls, tr.n);
		if (au.n)
			printf(" (+%zu augmented)", au.n);
		printf("; valid %zu; test %zu\n\n", va.n, te.n);
		printf("%-16s %6s %10s %10s\n", "model", "epochs", "valid acc", "test acc");
		printf("%-16s %6u %10.4f %10.4f\n", "real", real.epochs, real.valid, real.test);
		if (au.n)
			printf("%-16s %6u %10.4f %10.4f   (%+.1f points on test)\n",
			       "real+augmented", mixed.epochs, mixed.valid, mixed.test,
			       100 * (mixed.test - real.test));
		printf("\nworst classes on test (%s model):\n", au.n ? "real+augmented" : "real");
		for (size_t k = 0; cl && k < ncls && k < p.worst; k++)
			printf("  %-32s %5.1f%% of %zu   mostly taken for %s\n", cl[k].label,
			       100.0 * (double)cl[k].ok / (double)cl[k].n, cl[k].n,
			       cl[k].confused ? cl[k].confused : "-");
	}
	free(cl);
	rc = EXIT_OK;
done:
	if (p.dir[0])
		remove_dir(p.dir);
	free(real.tpred), free(real.ppred), free(mixed.tpred), free(mixed.ppred);
	set_free(&tr), set_free(&va), set_free(&te), set_free(&au), set_free(&po);
	if (got_signal) { /* die of it, as without the probe's handler */
		int sig = got_signal;
		signal(sig, SIG_DFL);
		raise(sig);
	}
	catch_stops(0);
	return rc < 0 ? EXIT_OK : rc;
}
