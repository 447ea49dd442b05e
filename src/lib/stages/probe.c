/* sprout probe in the library (sprout/probe.h): records to fastText's
 * lines, fastText run as a child process for each epoch count, the models
 * scored, per class, and the pool's predictions written for flag. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/dict.h"
#include "core/grow.h"
#include "sprout/json.h"
#include "sprout/meta.h"
#include "sprout/probe.h"

extern char **environ;

#define DIR_MAX 4096

void sprout_probe_options_init(sprout_probe_options *o)
{
	static const unsigned def_epochs[] = {5, 10, 25, 50};
	memset(o, 0, sizeof *o);
	memcpy(o->epochs, def_epochs, sizeof def_epochs);
	o->nepochs = 4;
	o->dim = 50;
	o->lr = 0.5;
	o->ngrams = 2;
	o->threads = 1;
	o->fasttext = "fasttext";
}

sprout_code sprout_probe_epochs_parse(const char *s, sprout_probe_options *o, sprout_error *err)
{
	unsigned v[SPROUT_PROBE_MAX_EPOCHS];
	size_t n = 0;
	const char *t = s;
	do {
		char *end;
		errno = 0;
		unsigned long x = strtoul(t, &end, 10);
		if (errno || end == t || *t == '-' || x < 1 || x > 1000 || (*end && *end != ',') ||
		    n == SPROUT_PROBE_MAX_EPOCHS)
			return sprout_error_set(err, SPROUT_ERR_USAGE,
						"--epochs: expected a list like 5,10,25, got '%s'",
						s);
		v[n++] = (unsigned)x;
		t = *end ? end + 1 : end;
	} while (*t);
	memcpy(o->epochs, v, n * sizeof *v);
	o->nepochs = n;
	return SPROUT_OK;
}

void sprout_probe_source_options(sprout_probe_set set, sprout_source_options *so)
{
	if (set != SPROUT_PROBE_POOL || so->format.kind != SPROUT_FORMAT_AUTO)
		return;
	memset(&so->format, 0, sizeof so->format);
	so->format.kind = SPROUT_FORMAT_MAP;
	strcpy(so->format.keys[SPROUT_SLOT_PROMPT], "text");
	strcpy(so->format.keys[SPROUT_SLOT_LABEL], "label");
}

/* ---- the records, as fastText reads them ----------------------------------------- */

struct item {
	char *text, *label; /* as written for fastText: one line, lowercase */
	char *orig;	    /* the pool's text as written (NULL in the other sets) */
};

struct set {
	struct item *v;
	size_t n, cap;
};

struct sprout_probe {
	sprout_probe_options o;
	struct set set[SPROUT_PROBE__NSETS];
	sprout_arena *mem; /* the texts, labels and the options' strings */
	atomic_int stopped, child;
	char dir[DIR_MAX]; /* the temporary folder while running, else "" */
};

static char *copy_str(sprout_arena *a, const char *s)
{
	return s ? sprout_arena_strndup(a, s, strlen(s)) : NULL;
}

sprout_probe *sprout_probe_new(const sprout_probe_options *o, sprout_error *err)
{
	const char *bad = !o->nepochs || o->nepochs > SPROUT_PROBE_MAX_EPOCHS ? "nepochs"
			  : o->dim < 1 || o->dim > 1000			      ? "dim"
			  : !(o->lr > 0 && o->lr <= 10)			      ? "lr"
			  : o->ngrams < 1 || o->ngrams > 1000		      ? "ngrams"
			  : o->threads < 1 || o->threads > 256		      ? "threads"
			  : !o->fasttext || !*o->fasttext		      ? "fasttext"
									      : NULL;
	for (size_t i = 0; !bad && i < o->nepochs; i++)
		if (o->epochs[i] < 1 || o->epochs[i] > 1000)
			bad = "epochs";
	if (bad) {
		sprout_error_set(err, SPROUT_ERR_USAGE, "probe: bad option %s", bad);
		return NULL;
	}
	sprout_probe *p = calloc(1, sizeof *p);
	if (p)
		p->mem = sprout_arena_new(0);
	if (p && p->mem) {
		p->o = *o;
		p->o.fasttext = copy_str(p->mem, o->fasttext);
		p->o.tmpdir = copy_str(p->mem, o->tmpdir);
		p->o.mispredictions = copy_str(p->mem, o->mispredictions);
		if (p->o.fasttext && (p->o.tmpdir || !o->tmpdir) &&
		    (p->o.mispredictions || !o->mispredictions))
			return p;
	}
	sprout_probe_free(p);
	sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	return NULL;
}

void sprout_probe_free(sprout_probe *p)
{
	if (!p)
		return;
	for (int k = 0; k < SPROUT_PROBE__NSETS; k++)
		free(p->set[k].v);
	sprout_arena_free(p->mem);
	free(p);
}

size_t sprout_probe_count(const sprout_probe *p, sprout_probe_set set)
{
	return (unsigned)set < SPROUT_PROBE__NSETS ? p->set[set].n : 0;
}

/* fastText reads whitespace-separated tokens: a label is one token. */
static char *clean(sprout_arena *a, const char *s, size_t n, int label)
{
	char *d = sprout_arena_alloc(a, n + 1);
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

sprout_code sprout_probe_add(sprout_probe *p, sprout_probe_set set, const sprout_record *rec,
			     sprout_error *err)
{
	if ((unsigned)set >= SPROUT_PROBE__NSETS)
		return sprout_error_set(err, SPROUT_ERR_USAGE, "probe: no such set %d", (int)set);
	int pool = set == SPROUT_PROBE_POOL;
	if (pool && !p->o.mispredictions)
		return sprout_error_set(err, SPROUT_ERR_USAGE,
					"probe: a pool needs a path for the mispredictions");
	sprout_text t, l;
	int has_label = sprout_record_get(rec, SPROUT_SLOT_LABEL, &l) && l.len;
	if (!has_label)
		l = (sprout_text){"", 0};
	if (!sprout_record_get(rec, SPROUT_SLOT_PROMPT, &t) || (!has_label && !pool)) {
		sprout_error_set(err, SPROUT_ERR_SLOT,
				 "a record without a text and a label (probe is for "
				 "classification data)");
		sprout_error_locate(err, rec->file, rec->line, 0);
		return SPROUT_ERR_SLOT;
	}
	if (set == SPROUT_PROBE_AUGMENTED) {
		sprout_json *m = sprout_meta_get(rec);
		if (m && sprout_json_is(sprout_json_get(m, "method"), "seed"))
			return SPROUT_OK;
	}
	struct set *s = &p->set[set];
	struct item it = {clean(p->mem, t.s, t.len, 0), clean(p->mem, l.s, l.len, 1),
			  pool ? sprout_arena_strndup(p->mem, t.s, t.len) : NULL};
	struct item *v = sprout_grow(s->v, &s->cap, s->n, sizeof *v);
	if (!it.text || !it.label || (pool && !it.orig) || !v)
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	s->v = v;
	s->v[s->n++] = it;
	return SPROUT_OK;
}

sprout_code sprout_probe_add_file(sprout_probe *p, sprout_probe_set set, const char *path,
				  const sprout_source_options *so, sprout_error *err)
{
	sprout_source_options o = {SPROUT_READER_OPTIONS_INIT, {0}};
	if (so)
		o = *so;
	sprout_probe_source_options(set, &o);
	sprout_source *src = sprout_source_open(&path, 1, &o, err);
	if (!src)
		return err ? err->code : SPROUT_ERR_IO;
	sprout_record rec;
	sprout_code rc;
	while ((rc = sprout_source_next(src, &rec, err)) == SPROUT_OK &&
	       (rc = sprout_probe_add(p, set, &rec, err)) == SPROUT_OK)
		;
	sprout_source_close(src);
	return rc == SPROUT_END ? SPROUT_OK : rc;
}

static int write_set(const char *path, const struct set *a, const struct set *b)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	for (int k = 0; k < 2; k++) {
		const struct set *s = k ? b : a;
		for (size_t i = 0; s && i < s->n; i++)
			fprintf(f, "%s%s%s%s\n", s->v[i].label[0] ? "__label__" : "", s->v[i].label,
				s->v[i].label[0] ? " " : "", s->v[i].text);
	}
	int bad = ferror(f);
	return fclose(f) || bad ? -1 : 0;
}

/* ---- word n-grams: how many hash buckets fastText needs ----------------------------- */

/* fastText hashes word n-grams into buckets (2,000,000 by default: a
 * 400 MB model written and read at every epoch count). Four buckets an
 * n-gram keep most n-grams apart at a small fraction of the size. */
#define BUCKETS_MIN 20000
#define BUCKETS_MAX 2000000

/* Distinct word n-grams (1 to ngrams words, as fastText splits lines: on
 * white space, with an end-of-line word) in the sets' texts, counted up to
 * what the most buckets hold; 0 on OOM. */
static size_t count_ngrams(const struct set *const *sets, size_t nsets, unsigned ngrams)
{
	sprout_arena *a = sprout_arena_new(0);
	sprout_dict h;
	sprout_dict_init(&h, a);
	uint64_t words[1024];
	int bad = !a, full = 0;
	for (size_t k = 0; k < nsets && !bad && !full; k++) {
		for (size_t i = 0; i < sets[k]->n && !bad && !full; i++) {
			size_t nw = 0;
			for (const char *t = sets[k]->v[i].text; nw < 1023;) {
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
					bad = sprout_dict_put(&h, (const char *)&x, sizeof x,
							      NULL) < 0;
				}
			}
			full = sprout_dict_count(&h) >= BUCKETS_MAX / 4;
		}
	}
	size_t n = sprout_dict_count(&h);
	sprout_dict_free(&h);
	sprout_arena_free(a);
	return bad ? 0 : n;
}

static unsigned long buckets_for(size_t ngrams)
{
	unsigned long b = ngrams ? 4 * (unsigned long)ngrams : BUCKETS_MAX;
	return b < BUCKETS_MIN ? BUCKETS_MIN : b > BUCKETS_MAX ? BUCKETS_MAX : b;
}

/* ---- running fastText ------------------------------------------------------------- */

void sprout_probe_stop(sprout_probe *p)
{
	atomic_store(&p->stopped, 1);
	int pid = atomic_load(&p->child);
	if (pid > 0)
		kill((pid_t)pid, SIGTERM);
}

int sprout_probe_stopped(const sprout_probe *p)
{
	return atomic_load(&((sprout_probe *)p)->stopped);
}

/* Remove dir and the files in it (the probe makes no subfolders). */
static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[DIR_MAX + 256];
	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
			unlink(path);
		}
	if (d)
		closedir(d);
	rmdir(dir);
}

/* Run argv with stdout to out (NULL: /dev/null), stderr to /dev/null;
 * 0 when it exits 0. */
static int run(sprout_probe *p, char *const *argv, const char *out)
{
	if (atomic_load(&p->stopped))
		return -1;
	posix_spawn_file_actions_t fa;
	if (posix_spawn_file_actions_init(&fa))
		return -1;
	pid_t pid;
	int bad = posix_spawn_file_actions_addopen(&fa, 1, out ? out : "/dev/null",
						   O_WRONLY | O_CREAT | O_TRUNC, 0644) ||
		  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0) ||
		  posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (bad)
		return -1;
	atomic_store(&p->child, (int)pid);
	if (atomic_load(&p->stopped)) /* it came between the start and here */
		kill(pid, SIGTERM);
	/* wait for the end without reaping, so that a stop never signals
	 * another process that got the pid */
	siginfo_t info;
	int rc;
	while ((rc = waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT)) < 0 && errno == EINTR)
		;
	atomic_store(&p->child, 0);
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (rc < 0 || atomic_load(&p->stopped))
		return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int train(sprout_probe *p, const char *input, const char *model, unsigned epochs,
		 unsigned long buckets)
{
	char e[16], d[16], lr[32], ng[16], b[32], th[16];
	snprintf(e, sizeof e, "%u", epochs);
	snprintf(d, sizeof d, "%u", p->o.dim);
	snprintf(lr, sizeof lr, "%g", p->o.lr);
	snprintf(ng, sizeof ng, "%u", p->o.ngrams);
	snprintf(b, sizeof b, "%lu", buckets);
	/* one thread by default: the same data gives the same model (threads
	 * update the weights in whatever order they run) */
	snprintf(th, sizeof th, "%u", p->o.threads);
	char *argv[] = {(char *)p->o.fasttext,
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
	return run(p, argv, NULL);
}

/* Predictions (k labels with probabilities) for each line of input. */
struct pred {
	char label[3][128];
	double prob[3];
};

static int predict(sprout_probe *p, const char *model, const char *input, size_t n,
		   struct pred *out)
{
	char bin[DIR_MAX + 16], outp[DIR_MAX + 16];
	snprintf(bin, sizeof bin, "%s.bin", model);
	snprintf(outp, sizeof outp, "%s.pred", model);
	char *argv[] = {(char *)p->o.fasttext, "predict-prob", bin, (char *)input, "3", NULL};
	if (run(p, argv, outp))
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
		ok += !strcmp(pr[i].label[0], s->v[i].label);
	return s->n ? (double)ok / (double)s->n : 0;
}

struct fitted {
	sprout_probe_model m;
	struct pred *tpred, *ppred; /* on test and on the pool */
};

/* The sets a model is scored on, and their files for fastText. */
struct eval {
	const struct set *valid, *test, *pool; /* pool may be NULL */
	const char *vpath, *tpath, *ppath;
};

/* Train with each epoch count, keep the best on valid, score test (and
 * predict the pool with it, when there is one). */
static sprout_code fit(sprout_probe *p, const char *name, const char *input, unsigned long buckets,
		       const struct eval *ev, struct fitted *r, sprout_error *err)
{
	const struct set *valid = ev->valid, *test = ev->test, *pool = ev->pool;
	char model[DIR_MAX + 16];
	snprintf(model, sizeof model, "%s/%s", p->dir, name);
	double best = -1;
	struct pred *vp = calloc(valid->n + 1, sizeof *vp);
	r->tpred = calloc(test->n + 1, sizeof *r->tpred);
	r->ppred = pool ? calloc(pool->n + 1, sizeof *r->ppred) : NULL;
	if (!vp || !r->tpred || (pool && !r->ppred)) {
		free(vp);
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	}
	sprout_code rc = SPROUT_OK;
	for (size_t e = 0; !rc && e < p->o.nepochs; e++) {
		if (train(p, input, model, p->o.epochs[e], buckets) ||
		    predict(p, model, ev->vpath, valid->n, vp)) {
			rc = sprout_error_set(err, SPROUT_ERR_IO,
					      "fastText failed (is the Debian package fasttext "
					      "installed? --fasttext names the program)");
			break;
		}
		double acc = accuracy(valid, vp);
		if (acc > best) {
			best = acc;
			r->m.valid = acc;
			r->m.epochs = p->o.epochs[e];
			if (predict(p, model, ev->tpath, test->n, r->tpred) ||
			    (pool && predict(p, model, ev->ppath, pool->n, r->ppred)))
				rc = sprout_error_set(err, SPROUT_ERR_IO,
						      "fastText failed to predict");
			else
				r->m.test = accuracy(test, r->tpred);
		}
	}
	free(vp);
	if (rc && atomic_load(&p->stopped))
		rc = sprout_error_set(err, SPROUT_ERR_IO, "probe: stopped");
	return rc;
}

/* ---- the results ------------------------------------------------------------------- */

static int by_accuracy(const void *a, const void *b)
{
	const sprout_probe_class *x = a, *y = b;
	double ax = x->n ? (double)x->correct / (double)x->n : 1,
	       ay = y->n ? (double)y->correct / (double)y->n : 1;
	return ax < ay ? -1 : ax > ay ? 1 : strcmp(x->label, y->label);
}

/* Per-class accuracy on test into out, worst first; the labels copied into
 * out->mem. */
static sprout_code per_class(const struct set *test, const struct pred *pr,
			     sprout_probe_result *out, sprout_error *err)
{
	sprout_probe_class *c = sprout_arena_alloc(out->mem, (test->n + 1) * sizeof *c);
	if (!c)
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	memset(c, 0, (test->n + 1) * sizeof *c);
	size_t n = 0;
	for (size_t i = 0; i < test->n; i++) {
		size_t k = 0;
		while (k < n && strcmp(c[k].label, test->v[i].label))
			k++;
		if (k == n)
			c[n++].label = test->v[i].label;
		c[k].n++;
		c[k].correct += !strcmp(pr[i].label[0], test->v[i].label);
	}
	for (size_t k = 0; k < n; k++) { /* the most frequent confusion */
		for (size_t i = 0; i < test->n; i++) {
			if (strcmp(test->v[i].label, c[k].label) ||
			    !strcmp(pr[i].label[0], c[k].label))
				continue;
			size_t cnt = 0;
			for (size_t j = 0; j < test->n; j++)
				cnt += !strcmp(test->v[j].label, c[k].label) &&
				       !strcmp(pr[j].label[0], pr[i].label[0]);
			if (cnt > c[k].confused_n) {
				c[k].confused_n = cnt;
				c[k].confused = pr[i].label[0];
			}
		}
	}
	qsort(c, n, sizeof *c, by_accuracy);
	for (size_t k = 0; k < n; k++) {
		c[k].label = copy_str(out->mem, c[k].label);
		c[k].confused = copy_str(out->mem, c[k].confused);
		if (!c[k].label || (c[k].confused_n && !c[k].confused))
			return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	}
	out->classes = c;
	out->nclasses = n;
	return SPROUT_OK;
}

/* The pool's predictions; a record without a label is expected to be what
 * the model said (flagged only when unsure; the reviewer corrects it). */
static sprout_code write_mispredictions(const char *path, const struct set *pool,
					const struct pred *pr, sprout_error *err)
{
	sprout_writer *w = sprout_writer_open(path, SPROUT_CONTAINER_JSONL, err);
	sprout_buf b = SPROUT_BUF_INIT(1 << 20);
	int bad = !w;
	for (size_t i = 0; !bad && i < pool->n; i++) {
		const char *exp = pool->v[i].label[0] ? pool->v[i].label : pr[i].label[0];
		sprout_buf_clear(&b);
		sprout_jw j;
		sprout_jw_init(&j, &b);
		sprout_jw_object(&j);
		sprout_jw_kstring(&j, "input", pool->v[i].orig);
		sprout_jw_kstring(&j, "expected", exp);
		sprout_jw_kstring(&j, "predicted", pr[i].label[0]);
		sprout_jw_kfixed(&j, "confidence", pr[i].prob[0], 4);
		sprout_jw_kobject(&j, "probs");
		for (int k = 0; k < 3 && pr[i].label[k][0]; k++)
			sprout_jw_kfixed(&j, pr[i].label[k], pr[i].prob[k], 4);
		sprout_jw_end(&j);
		sprout_jw_end(&j);
		bad = sprout_jw_finish(&j) || sprout_writer_put_json(w, b.data, b.len, err);
	}
	if (!bad)
		bad = sprout_writer_commit(w, err) != SPROUT_OK;
	else if (w)
		sprout_writer_abort(w);
	sprout_buf_release(&b);
	if (bad)
		return sprout_error_set(err, SPROUT_ERR_IO, "%s: cannot write the predictions",
					path);
	return SPROUT_OK;
}

/* The temporary folder in p->dir. */
static sprout_code make_dir(sprout_probe *p, sprout_error *err)
{
	const char *tmp = p->o.tmpdir ? p->o.tmpdir : getenv("TMPDIR");
	if (!tmp || !*tmp || strlen(tmp) > sizeof p->dir - 64)
		tmp = "/tmp";
	snprintf(p->dir, sizeof p->dir, "%s/sprout-probe-XXXXXX", tmp);
	if (mkdtemp(p->dir))
		return SPROUT_OK;
	p->dir[0] = '\0';
	return sprout_error_set(err, SPROUT_ERR_IO, "cannot make a temporary folder in %s: %s", tmp,
				strerror(errno));
}

static sprout_code run_in_dir(sprout_probe *p, struct fitted *real, struct fitted *mixed,
			      sprout_probe_result *out, sprout_error *err)
{
	const struct set *tr = &p->set[SPROUT_PROBE_TRAIN], *va = &p->set[SPROUT_PROBE_VALID],
			 *te = &p->set[SPROUT_PROBE_TEST], *au = &p->set[SPROUT_PROBE_AUGMENTED],
			 *po = &p->set[SPROUT_PROBE_POOL];
	const char *const names[] = {"real", "mixed", "valid", "test", "pool"};
	char f[5][DIR_MAX + 16];
	for (int k = 0; k < 5; k++)
		snprintf(f[k], sizeof f[k], "%s/%s.txt", p->dir, names[k]);
	const char *pool_path = p->o.mispredictions ? f[4] : NULL;
	if (write_set(f[0], tr, NULL) || write_set(f[1], tr, au) || write_set(f[2], va, NULL) ||
	    write_set(f[3], te, NULL) || (pool_path && write_set(pool_path, po, NULL)))
		return sprout_error_set(err, SPROUT_ERR_IO, "cannot write in %s", p->dir);
	const struct set *with_aug[] = {tr, au};
	unsigned long b_real = buckets_for(count_ngrams(with_aug, 1, p->o.ngrams)),
		      b_mix = buckets_for(count_ngrams(with_aug, 2, p->o.ngrams));
	struct eval ev_real = {va, te, pool_path ? po : NULL, f[2], f[3], pool_path};
	struct eval ev_mix = {va, te, NULL, f[2], f[3], NULL};
	sprout_code rc = fit(p, "real", f[0], b_real, &ev_real, real, err);
	if (!rc && au->n)
		rc = fit(p, "mixed", f[1], b_mix, &ev_mix, mixed, err);
	if (!rc && pool_path)
		rc = write_mispredictions(p->o.mispredictions, po, real->ppred, err);
	if (!rc)
		rc = per_class(te, au->n ? mixed->tpred : real->tpred, out, err);
	return rc;
}

sprout_code sprout_probe_run(sprout_probe *p, sprout_probe_result *out, sprout_error *err)
{
	memset(out, 0, sizeof *out);
	if (atomic_load(&p->stopped))
		return sprout_error_set(err, SPROUT_ERR_IO, "probe: stopped");
	if (!(out->mem = sprout_arena_new(0)))
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	sprout_code rc = make_dir(p, err);
	struct fitted real = {0}, mixed = {0};
	if (!rc) {
		rc = run_in_dir(p, &real, &mixed, out, err);
		remove_dir(p->dir);
		p->dir[0] = '\0';
	}
	if (!rc) {
		out->train = p->set[SPROUT_PROBE_TRAIN].n;
		out->augmented = p->set[SPROUT_PROBE_AUGMENTED].n;
		out->valid = p->set[SPROUT_PROBE_VALID].n;
		out->test = p->set[SPROUT_PROBE_TEST].n;
		out->pool = p->set[SPROUT_PROBE_POOL].n;
		out->real = real.m;
		if (out->augmented)
			out->with_augmented = mixed.m;
	}
	free(real.tpred), free(real.ppred), free(mixed.tpred), free(mixed.ppred);
	return rc;
}

void sprout_probe_result_release(sprout_probe_result *r)
{
	sprout_arena_free(r->mem);
	memset(r, 0, sizeof *r);
}
