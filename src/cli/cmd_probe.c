/* sprout probe: a quick A/B check before an expensive fine-tune. Trains
 * the fastText classifier (Debian's fasttext, run as a program) on the real
 * training records and on real + augmented ones, picks the epochs on the
 * real validation set, and reports test accuracy for each, per class, and
 * the worst classes' confusions. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

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

struct probe {
	sprout_probe_options o;
	const char *train, *valid, *test, *pool;
	const char *aug[16];
	size_t naug;
	unsigned long long worst;
	int json;
};

static int on_option(int id, const char *arg, void *ctx)
{
	struct probe *p = ctx;
	sprout_error err = SPROUT_ERROR_INIT;
	unsigned long long v;
	int rc;
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
	case OPT_EPOCHS:
		if (sprout_probe_epochs_parse(arg, &p->o, &err)) {
			cli_error("%s", err.msg);
			return EXIT_USAGE;
		}
		return -1;
	case OPT_DIM:
		if ((rc = cli_whole_in("dim", arg, 1, 1000, &v)) < 0)
			p->o.dim = (unsigned)v;
		return rc;
	case OPT_NGRAMS:
		if ((rc = cli_whole_in("ngrams", arg, 1, 1000, &v)) < 0)
			p->o.ngrams = (unsigned)v;
		return rc;
	case OPT_WORST: return cli_whole_in("worst", arg, 1, 1000, &p->worst);
	case OPT_THREADS:
		if ((rc = cli_whole_in("threads", arg, 1, 256, &v)) < 0)
			p->o.threads = (unsigned)v;
		return rc;
	case OPT_LR:
		if (sprout_option_number(arg, &p->o.lr) || !(p->o.lr > 0 && p->o.lr <= 10)) {
			cli_error("--lr: '%s' is not a number above 0", arg);
			return EXIT_USAGE;
		}
		return -1;
	case OPT_JSON: p->json = 1; return -1;
	case OPT_MISPRED: p->o.mispredictions = arg; return -1;
	case OPT_POOL: p->pool = arg; return -1;
	case OPT_FASTTEXT: p->o.fasttext = arg; return -1;
	}
	return -1;
}

/* Every record of path into set of pr (through the command's reader:
 * --format, --on-error and the rejects file as everywhere). */
static int load(struct cli_common *c, sprout_probe *pr, const char *path, sprout_probe_set set)
{
	const char *inputs[1] = {path};
	c->inputs = inputs;
	c->ninputs = 1;
	struct cli_reader rd = {0};
	sprout_format given = c->src.format;
	sprout_probe_source_options(set, &c->src);
	int rc = cli_reader_open(&rd, c);
	c->src.format = given;
	if (rc >= 0)
		return rc;
	sprout_record rec;
	sprout_error err = SPROUT_ERROR_INIT;
	int got;
	while ((got = cli_reader_next(&rd, &rec)) > 0)
		if (sprout_probe_add(pr, set, &rec, &err)) {
			cli_reader_close(&rd, 0);
			cli_error_at(&err);
			return cli_exit_for(err.code);
		}
	rc = cli_reader_close(&rd, got == 0);
	return got < 0 ? -got : rc ? rc : -1;
}

/* A SIGINT, SIGTERM or SIGHUP stops the running probe (its fastText child
 * stopped, its temporary folder removed), after which the command dies of
 * the signal as before. */
static volatile sig_atomic_t got_signal;
static sprout_probe *running;

static void on_stop(int sig)
{
	got_signal = sig;
	if (running)
		sprout_probe_stop(running);
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

/* key: {"epochs", "valid", "test"} of a model. */
static void model_json(sprout_jw *w, const char *key, const sprout_probe_model *m)
{
	sprout_jw_kobject(w, key);
	sprout_jw_kuint(w, "epochs", m->epochs);
	sprout_jw_kfixed(w, "valid", m->valid, 4);
	sprout_jw_kfixed(w, "test", m->test, 4);
	sprout_jw_end(w);
}

static int print_json(const sprout_probe_result *r, size_t worst)
{
	sprout_buf b = SPROUT_BUF_INIT((size_t)1 << 30);
	sprout_jw w;
	sprout_jw_init(&w, &b);
	sprout_jw_object(&w);
	sprout_jw_kuint(&w, "classes", r->nclasses);
	sprout_jw_kuint(&w, "train", r->train);
	sprout_jw_kuint(&w, "augmented", r->augmented);
	sprout_jw_kuint(&w, "valid", r->valid);
	sprout_jw_kuint(&w, "test", r->test);
	model_json(&w, "real", &r->real);
	if (r->augmented) {
		model_json(&w, "augmented_model", &r->with_augmented);
		sprout_jw_kfixed(&w, "gain", r->with_augmented.test - r->real.test, 4);
	}
	sprout_jw_karray(&w, "worst");
	for (size_t k = 0; k < r->nclasses && k < worst; k++) {
		const sprout_probe_class *c = &r->classes[k];
		sprout_jw_object(&w);
		sprout_jw_kstring(&w, "label", c->label);
		sprout_jw_kfixed(&w, "accuracy", (double)c->correct / (double)c->n, 4);
		sprout_jw_kuint(&w, "n", c->n);
		sprout_jw_kstring(&w, "confused_with", c->confused);
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
		return EXIT_INTERNAL;
	}
	return EXIT_OK;
}

static void print_text(const sprout_probe_result *r, size_t worst)
{
	const sprout_probe_model *real = &r->real, *mixed = &r->with_augmented;
	printf("probe: %zu classes; train %zu real", r->nclasses, r->train);
	if (r->augmented)
		printf(" (+%zu augmented)", r->augmented);
	printf("; valid %zu; test %zu\n\n", r->valid, r->test);
	printf("%-16s %6s %10s %10s\n", "model", "epochs", "valid acc", "test acc");
	printf("%-16s %6u %10.4f %10.4f\n", "real", real->epochs, real->valid, real->test);
	if (r->augmented)
		printf("%-16s %6u %10.4f %10.4f   (%+.1f points on test)\n", "real+augmented",
		       mixed->epochs, mixed->valid, mixed->test, 100 * (mixed->test - real->test));
	printf("\nworst classes on test (%s model):\n", r->augmented ? "real+augmented" : "real");
	for (size_t k = 0; k < r->nclasses && k < worst; k++) {
		const sprout_probe_class *c = &r->classes[k];
		printf("  %-32s %5.1f%% of %zu   mostly taken for %s\n", c->label,
		       100.0 * (double)c->correct / (double)c->n, c->n,
		       c->confused ? c->confused : "-");
	}
}

int cmd_probe(int argc, char **argv)
{
	struct probe p;
	memset(&p, 0, sizeof p);
	sprout_probe_options_init(&p.o);
	p.worst = 5;
	struct cli_common c;
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
	if (p.o.mispredictions && !p.pool) {
		cli_error(
		    "--mispredictions needs --pool FILE: the records flagged from it are "
		    "corrected and added to training, and the validation set, which picks the "
		    "epochs, must stay out of training (see docs/loop.md)");
		return EXIT_USAGE;
	}
	if (p.pool && !p.o.mispredictions) {
		cli_error("--pool needs --mispredictions FILE, where its predictions go");
		return EXIT_USAGE;
	}
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_probe *pr = sprout_probe_new(&p.o, &err);
	sprout_probe_result res = {0};
	if (!pr) {
		cli_error_at(&err);
		return cli_exit_for(err.code);
	}
	c.quiet = 1;
	if ((rc = load(&c, pr, p.train, SPROUT_PROBE_TRAIN)) >= 0 ||
	    (rc = load(&c, pr, p.valid, SPROUT_PROBE_VALID)) >= 0 ||
	    (rc = load(&c, pr, p.test, SPROUT_PROBE_TEST)) >= 0 ||
	    (p.pool && (rc = load(&c, pr, p.pool, SPROUT_PROBE_POOL)) >= 0))
		goto done;
	for (size_t i = 0; i < p.naug; i++)
		if ((rc = load(&c, pr, p.aug[i], SPROUT_PROBE_AUGMENTED)) >= 0)
			goto done;
	running = pr;
	catch_stops(1);
	if (sprout_probe_run(pr, &res, &err)) {
		if (!got_signal)
			cli_error_at(&err);
		rc = cli_exit_for(err.code);
	} else if (p.json) {
		rc = print_json(&res, p.worst);
	} else {
		print_text(&res, p.worst);
		rc = EXIT_OK;
	}
	if (got_signal) { /* die of it, as without the probe's handler */
		int sig = got_signal;
		running = NULL;
		sprout_probe_result_release(&res);
		sprout_probe_free(pr);
		pr = NULL;
		signal(sig, SIG_DFL);
		raise(sig);
	}
	catch_stops(0);
	running = NULL;
done:
	sprout_probe_result_release(&res);
	sprout_probe_free(pr);
	return rc < 0 ? EXIT_OK : rc;
}
