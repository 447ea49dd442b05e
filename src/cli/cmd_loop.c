/* sprout loop: the rounds of the feedback loop (probe, flag, review,
 * corrections, augment or generate, train again), one folder each, and
 * what each round did, so a plateau shows. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "sprout/dedup.h"

/* The files a round folder may hold, and what is counted in them. */
static const struct {
	const char *file, *column, *what;
} files[] = {
    {"flags.jsonl", "flagged", "records flagged for review (sprout flag -o)"},
    {"corrections.jsonl", "corrected", "new gold seeds: _sprout.source correction (review export)"},
    {"generated.jsonl", "generated", "synthetic records made this round (augment or generate)"},
    {"kept.jsonl", "kept", "records kept for training (after filter, mix)"},
};
#define NFILES (sizeof files / sizeof files[0])

enum { OPT_JSON = OPT_COMMAND_BASE, OPT_ROUND, OPT_HELD_OUT, OPT_NEAR };

#define MAX_HELD_OUT 16

static const struct cli_option options[] = {
    {"json", 0, NULL, OPT_JSON, "status: the numbers as JSON"},
    {"round", 0, "N", OPT_ROUND, "metric: the round (default the last)"},
    {"held-out", 0, "FILE", OPT_HELD_OUT,
     "add: a validation or test set; records with its ids, its texts or near "
     "duplicates of them are refused (repeatable)",
     CLI_OPT_INFILE | CLI_OPT_REPEAT},
    {"near-threshold", 0, "J", OPT_NEAR,
     "add: Jaccard of 5-character shingles from which a text is a near duplicate of a "
     "held-out one (default 0.85, as split's leak check)"},
    {NULL, 0, NULL, 0, NULL},
};

struct loop_cli {
	int json;
	long round;
	const char *held_out[MAX_HELD_OUT];
	size_t nheld_out;
	double near;
};

static int on_option(int id, const char *arg, void *ctx)
{
	struct loop_cli *l = ctx;
	char *end;
	if (id == OPT_HELD_OUT) {
		if (l->nheld_out == MAX_HELD_OUT) {
			cli_error("--held-out: at most %d files", MAX_HELD_OUT);
			return EXIT_USAGE;
		}
		l->held_out[l->nheld_out++] = arg;
	}
	if (id == OPT_NEAR) {
		l->near = strtod(arg, &end);
		if (end == arg || *end || !(l->near > 0 && l->near <= 1)) {
			cli_error("--near-threshold: '%s' is not a number above 0 and at most 1",
				  arg);
			return EXIT_USAGE;
		}
	}
	if (id == OPT_JSON)
		l->json = 1;
	if (id == OPT_ROUND) {
		l->round = strtol(arg, &end, 10);
		if (end == arg || *end || l->round < 1) {
			cli_error("--round: '%s' is not a round number", arg);
			return EXIT_USAGE;
		}
	}
	return -1;
}

/* Round numbers in dir (round-N folders), sorted; the count in *n. */
static long *rounds(const char *dir, size_t *n)
{
	*n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return NULL;
	long *v = malloc(1024 * sizeof *v);
	struct dirent *e;
	while (v && (e = readdir(d)) && *n < 1024) {
		char *end;
		if (strncmp(e->d_name, "round-", 6))
			continue;
		long r = strtol(e->d_name + 6, &end, 10);
		if (end != e->d_name + 6 && !*end && r > 0)
			v[(*n)++] = r;
	}
	closedir(d);
	for (size_t i = 1; v && i < *n; i++) /* insertion sort: few rounds */
		for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
			long t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return v;
}

/* Records in a file: -1 when there is none; corrections count only those
 * with _sprout.source "correction", generated only those not seeds. */
static long count(const char *path, int k)
{
	sprout_error err = SPROUT_ERROR_INIT;
	struct stat st;
	if (stat(path, &st) != 0)
		return -1;
	sprout_reader *r = sprout_reader_open(path, NULL, &err);
	sprout_arena *a = sprout_arena_new(0);
	long n = 0;
	sprout_json *v;
	sprout_code rc;
	while (r && a && (rc = sprout_reader_next(r, a, &v, &err)) != SPROUT_END) {
		if (rc == SPROUT_OK) {
			sprout_json *m = sprout_json_get(v, "_sprout");
			sprout_json *src = m ? sprout_json_get(m, "source") : NULL;
			sprout_json *meth = m ? sprout_json_get(m, "method") : NULL;
			if (k == 1)
				n += src && sprout_json_is(src, "correction");
			else if (k == 2)
				n += !(meth && sprout_json_is(meth, "seed"));
			else
				n++;
		}
		sprout_arena_reset(a);
		if (sprout_reader_failed(r))
			break;
	}
	sprout_reader_close(r);
	sprout_arena_free(a);
	return n;
}

/* The round's metric: the file metric, else probe.json (the model with the
 * augmented records when there is one). NAN-free: -1 when none. */
static double metric_of(const char *dir, long round, char *source, size_t n)
{
	char p[4096];
	snprintf(p, sizeof p, "%s/round-%ld/metric", dir, round);
	FILE *f = fopen(p, "r");
	double v = -1;
	if (f) {
		if (fscanf(f, "%lf", &v) == 1)
			snprintf(source, n, "recorded");
		else
			v = -1;
		fclose(f);
		if (v >= 0)
			return v;
	}
	snprintf(p, sizeof p, "%s/round-%ld/probe.json", dir, round);
	f = fopen(p, "r");
	if (!f)
		return -1;
	char buf[65536];
	size_t len = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[len] = '\0';
	sprout_arena *a = sprout_arena_new(0);
	sprout_json *j;
	if (a && !sprout_json_parse(a, buf, len, &j, NULL)) {
		sprout_json *m = sprout_json_get(j, "augmented_model");
		if (!m)
			m = sprout_json_get(j, "real");
		sprout_json *t = m ? sprout_json_get(m, "test") : NULL;
		if (t && t->type == SPROUT_JSON_NUMBER) {
			v = sprout_json_number(t);
			snprintf(source, n, "probe");
		}
	}
	sprout_arena_free(a);
	return v;
}

static int status(const char *dir, int json)
{
	size_t n;
	long *r = rounds(dir, &n);
	if (!r) {
		cli_error(
		    "%s: no loop folder here (make the first round with 'sprout loop next %s')",
		    dir, dir);
		return EXIT_IO;
	}
	sprout_buf b = SPROUT_BUF_INIT((size_t)1 << 20);
	sprout_jw jw;
	sprout_jw_init(&jw, &b);
	if (!json)
		printf("round  flagged  corrected  generated     kept   metric\n");
	sprout_jw_object(&jw);
	sprout_jw_karray(&jw, "rounds");
	double prev = -1;
	int plateau = 0;
	for (size_t i = 0; i < n; i++) {
		long c[NFILES];
		for (size_t k = 0; k < NFILES; k++) {
			char p[4096];
			snprintf(p, sizeof p, "%s/round-%ld/%s", dir, r[i], files[k].file);
			c[k] = count(p, (int)k);
		}
		char source[32] = "";
		double m = metric_of(dir, r[i], source, sizeof source);
		plateau = m >= 0 && prev >= 0 && m - prev < 0.005;
		if (json) {
			sprout_jw_object(&jw);
			sprout_jw_kint(&jw, "round", r[i]);
			for (size_t k = 0; k < NFILES; k++)
				if (c[k] >= 0)
					sprout_jw_kint(&jw, files[k].column, c[k]);
			if (m >= 0) {
				sprout_jw_kfixed(&jw, "metric", m, 4);
				sprout_jw_kstring(&jw, "metric_from", source);
			}
			sprout_jw_end(&jw);
		} else {
			printf("%5ld", r[i]);
			for (size_t k = 0; k < NFILES; k++) {
				int w = k == 0 ? 9 : k == 3 ? 9 : 11;
				if (c[k] >= 0)
					printf("%*ld", w, c[k]);
				else
					printf("%*s", w, "-");
			}
			if (m >= 0)
				printf("   %.4f (%s)%s", m, source,
				       prev >= 0
					   ? (plateau ? "  no better: a plateau?" : "  better")
					   : "");
			printf("\n");
		}
		if (m >= 0)
			prev = m;
	}
	sprout_jw_end(&jw);
	sprout_jw_kbool(&jw, "plateau", plateau);
	sprout_jw_end(&jw);
	int bad = sprout_jw_finish(&jw) || sprout_buf_addc(&b, '\n');
	if (json && !bad)
		fwrite(b.data, 1, b.len, stdout);
	sprout_buf_release(&b);
	free(r);
	if (json && bad) {
		cli_error("out of memory");
		return EXIT_INTERNAL;
	}
	return EXIT_OK;
}

/* ---- loop add: new records into training, none of the held-out ones ---- */

/* A held-out record: where it is, its written id (or NULL), its
 * normalised text. */
struct held {
	const char *file;
	unsigned long line;
	const char *id, *norm;
};

struct held_set {
	struct held *v;
	size_t n, cap;
	sprout_neardup *near; /* texts in the order of v */
	sprout_arena *mem;    /* ids and texts */
};

static void held_release(struct held_set *h)
{
	free(h->v);
	sprout_neardup_free(h->near);
	sprout_arena_free(h->mem);
}

/* The text compared: the prompt slot, normalised, in a. NULL on OOM. */
static const char *norm_text(const sprout_record *r, sprout_arena *a)
{
	sprout_text t;
	sprout_record_get(r, SPROUT_SLOT_PROMPT, &t);
	sprout_buf b = SPROUT_BUF_INIT(1 << 26);
	const char *d = sprout_normalize(t.s, t.len, &b)
			    ? NULL
			    : sprout_arena_strndup(a, b.data ? b.data : "", b.len);
	sprout_buf_release(&b);
	return d;
}

static int held_read(struct cli_common *c, const struct loop_cli *l, struct held_set *h);

/* Read every held-out file into h. Returns -1, or an exit code. */
static int held_load(struct cli_common *c, const struct loop_cli *l, struct held_set *h)
{
	if (!(h->near = sprout_neardup_new(l->near)) || !(h->mem = sprout_arena_new(0)))
		return EXIT_INTERNAL;
	/* a held-out set is read whole: a bad record in it stops, no rejects */
	const char *rejects = c->rejects;
	sprout_on_error on_error = c->on_error;
	c->rejects = NULL;
	c->on_error = SPROUT_ON_ERROR_FAIL;
	int rc = held_read(c, l, h);
	c->rejects = rejects;
	c->on_error = on_error;
	return rc;
}

static int held_read(struct cli_common *c, const struct loop_cli *l, struct held_set *h)
{
	for (size_t f = 0; f < l->nheld_out; f++) {
		const char *inputs[1] = {l->held_out[f]};
		c->inputs = inputs;
		c->ninputs = 1;
		struct cli_reader rd = {0};
		int rc = cli_reader_open(&rd, c);
		if (rc >= 0)
			return rc;
		sprout_record rec;
		int got;
		while ((got = cli_reader_next(&rd, &rec)) > 0) {
			if (h->n == h->cap) {
				h->cap = h->cap ? 2 * h->cap : 1024;
				struct held *v = realloc(h->v, h->cap * sizeof *v);
				if (!v)
					break;
				h->v = v;
			}
			const char *id = sprout_meta_id(&rec);
			struct held *e = &h->v[h->n];
			e->file = l->held_out[f];
			e->line = rec.line;
			e->id = id ? sprout_arena_strndup(h->mem, id, strlen(id)) : NULL;
			e->norm = norm_text(&rec, h->mem);
			h->n++;
			sprout_text t;
			size_t which;
			double j;
			sprout_record_get(&rec, SPROUT_SLOT_PROMPT, &t);
			if ((id && !e->id) || !e->norm ||
			    sprout_neardup_check(h->near, t.s, t.len, 2, &which, &j) < 0)
				break;
		}
		rc = cli_reader_close(&rd, got == 0);
		if (got > 0) {
			cli_error("out of memory");
			return EXIT_INTERNAL;
		}
		if (got < 0 || rc)
			return got < 0 ? -got : rc;
	}
	return -1;
}

/* Why r may not go into training, or NULL: into why (naming the held-out
 * file and line) and check. */
static const char *held_out_why(const struct held_set *h, const sprout_record *r, sprout_arena *a,
				char *why, size_t n)
{
	static const char *const links[] = {"id", "parent", "root"};
	sprout_json *m = sprout_meta_get(r);
	for (size_t k = 0; m && k < 3; k++) {
		sprout_json *v = sprout_json_get(m, links[k]);
		for (size_t i = 0; v && v->type == SPROUT_JSON_STRING && i < h->n; i++)
			if (h->v[i].id && sprout_json_is(v, h->v[i].id)) {
				snprintf(why, n,
					 "its %s %s is the id of the held-out record %s:%lu",
					 k ? links[k] : "_sprout.id", h->v[i].id, h->v[i].file,
					 h->v[i].line);
				return "held_out_id";
			}
	}
	const char *norm = norm_text(r, a);
	for (size_t i = 0; norm && i < h->n; i++)
		if (!strcmp(norm, h->v[i].norm)) {
			snprintf(why, n, "the same text as the held-out record %s:%lu",
				 h->v[i].file, h->v[i].line);
			return "held_out_text";
		}
	sprout_text t;
	sprout_record_get(r, SPROUT_SLOT_PROMPT, &t);
	size_t which;
	double j;
	if (sprout_neardup_check(h->near, t.s, t.len, 0, &which, &j) == 1) {
		snprintf(why, n,
			 "a near duplicate (Jaccard %.2f of 5-character shingles) of the "
			 "held-out record %s:%lu",
			 j, h->v[which].file, h->v[which].line);
		return "held_out_near_duplicate";
	}
	return NULL;
}

/* sprout loop add TRAIN FILE...: the records of FILEs appended to TRAIN
 * (rewritten atomically, its lines unchanged), but those of the held-out
 * sets, which go to the rejects file with the reason. */
static int add(struct cli_common *c, const struct loop_cli *l)
{
	const char *train = c->inputs[1];
	const char **news = c->inputs + 2;
	size_t nnews = 0;
	for (size_t i = 2; i < c->ninputs; i++) { /* a round may correct nothing */
		struct stat st;
		if (stat(c->inputs[i], &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0)
			cli_note(c, "%s: empty, nothing to add from it", c->inputs[i]);
		else
			news[nnews++] = c->inputs[i];
	}
	if (!nnews)
		return EXIT_OK;
	for (size_t i = 0; i < nnews; i++)
		for (size_t f = 0; f < l->nheld_out; f++)
			if (sprout_same_file(news[i], l->held_out[f])) {
				cli_error("'%s' is both added and held out", news[i]);
				return EXIT_USAGE;
			}
	for (size_t i = 0; i < nnews; i++)
		if (sprout_same_file(news[i], train)) {
			cli_error("'%s' is both added and the training file", train);
			return EXIT_USAGE;
		}
	for (size_t f = 0; f < l->nheld_out; f++)
		if (sprout_same_file(train, l->held_out[f])) {
			cli_error("'%s' is both the training file and held out", train);
			return EXIT_USAGE;
		}
	if (!l->nheld_out)
		cli_note(c,
			 "no --held-out set: nothing is checked against validation or test data");
	struct held_set h = {0};
	int rc = held_load(c, l, &h);
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_writer *w = NULL;
	FILE *in = NULL;
	char *line = NULL;
	size_t cap = 0;
	char rejects[4096];
	struct cli_reader rd = {0};
	sprout_arena *a = sprout_arena_new(0);
	unsigned long added = 0, refused = 0, kept = 0;
	if (rc >= 0)
		goto done;
	if (!a) {
		rc = EXIT_INTERNAL;
		goto done;
	}
	/* the training file's lines as they are, then the new records */
	if (!(in = fopen(train, "r")) && errno != ENOENT) {
		cli_error("%s: %s", train, strerror(errno));
		rc = EXIT_IO;
		goto done;
	}
	if (!(w = sprout_writer_open(train, SPROUT_CONTAINER_JSONL, &err))) {
		cli_error_at(&err);
		rc = cli_exit_for(err.code);
		goto done;
	}
	ssize_t len;
	while (in && (len = getline(&line, &cap, in)) >= 0) {
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		if (!len)
			continue;
		if (sprout_writer_put_json(w, line, (size_t)len, &err)) {
			cli_error_at(&err);
			rc = cli_exit_for(err.code);
			goto done;
		}
		kept++;
	}
	if (in && ferror(in)) {
		cli_error("%s: cannot read: %s", train, strerror(errno));
		rc = EXIT_IO;
		goto done;
	}
	if (!c->rejects) {
		size_t n = strlen(train);
		if (n > 6 && !strcmp(train + n - 6, ".jsonl"))
			n -= 6;
		snprintf(rejects, sizeof rejects, "%.*s.rejects.jsonl", (int)n, train);
		c->rejects = rejects;
	}
	c->inputs = news;
	c->ninputs = nnews;
	rd.want_rejects = 1;
	if ((rc = cli_reader_open(&rd, c)) >= 0)
		goto done;
	sprout_record rec;
	int got;
	while ((got = cli_reader_next(&rd, &rec)) > 0) {
		char why[8192];
		const char *check = held_out_why(&h, &rec, a, why, sizeof why);
		if (check) {
			refused++;
			if ((rc = cli_reject_record(&rd, "loop", check, why, &rec)) >= 0)
				break;
		} else if (sprout_writer_put(w, rec.obj, &err)) {
			cli_error_at(&err);
			rc = cli_exit_for(err.code);
			break;
		} else {
			added++;
		}
		sprout_arena_reset(a);
	}
	int closed = cli_reader_close(&rd, got == 0 && rc < 0);
	rc = got < 0 ? -got : rc >= 0 ? rc : closed ? closed : -1;
	if (rc < 0 && sprout_writer_commit(w, &err)) {
		w = NULL;
		cli_error_at(&err);
		rc = cli_exit_for(err.code);
	} else if (rc < 0) {
		w = NULL;
		cli_note(c, "%s: %lu records and %lu added; %lu refused (held out) into %s", train,
			 kept, added, refused, c->rejects);
	}
done:
	if (w)
		sprout_writer_abort(w);
	if (in)
		fclose(in);
	free(line);
	sprout_arena_free(a);
	held_release(&h);
	return rc < 0 ? EXIT_OK : rc;
}

int cmd_loop(int argc, char **argv)
{
	struct loop_cli l = {0};
	l.near = 0.85;
	struct cli_common c;
	int rc =
	    cli_parse(argc, argv,
		      "loop status DIR | next DIR | metric DIR VALUE | add TRAIN FILE... [options]",
		      "The rounds of the feedback loop, one folder each (DIR/round-N):\n"
		      "  next DIR          make the next round's folder and print its path\n"
		      "  metric DIR VALUE  record the round's metric (accuracy, a score)\n"
		      "  status DIR        per round: flagged, corrected, generated and kept\n"
		      "                    records, and the metric (recorded, or probe.json's)\n"
		      "  add TRAIN FILE... append the records of FILEs (corrections) to TRAIN,\n"
		      "                    atomically, but those of the --held-out sets: the\n"
		      "                    same id (or parent, root), the same text or a near\n"
		      "                    duplicate go to the rejects file with the held-out\n"
		      "                    file and line (default TRAIN's name .rejects.jsonl)\n"
		      "A round folder holds flags.jsonl, corrections.jsonl, generated.jsonl,\n"
		      "kept.jsonl, probe.json and metric as the round makes them (docs/loop.md).\n"
		      "The validation and test sets stay out of the loop: flag a pool of other\n"
		      "data (probe --pool), and add with --held-out VALID --held-out TEST.",
		      options, CLI_READS | CLI_NO_OUTPUT, &c, on_option, &l);
	if (rc >= 0)
		return rc;
	const char *what = c.ninputs ? c.inputs[0] : "";
	if (!strcmp(what, "status") && c.ninputs == 2)
		return status(c.inputs[1], l.json);
	if (!strcmp(what, "next") && c.ninputs == 2) {
		size_t n;
		long *r = rounds(c.inputs[1], &n);
		if (!r && mkdir(c.inputs[1], 0777) != 0 && errno != EEXIST) {
			cli_error("%s: cannot make the loop folder: %s", c.inputs[1],
				  strerror(errno));
			return EXIT_IO;
		}
		char p[4096];
		snprintf(p, sizeof p, "%s/round-%ld", c.inputs[1], n ? r[n - 1] + 1 : 1);
		free(r);
		if (mkdir(p, 0777) != 0) {
			cli_error("%s: %s", p, strerror(errno));
			return EXIT_IO;
		}
		printf("%s\n", p);
		return EXIT_OK;
	}
	if (!strcmp(what, "metric") && c.ninputs == 3) {
		char *end;
		(void)strtod(c.inputs[2], &end);
		if (end == c.inputs[2] || *end) {
			cli_error("metric: '%s' is not a number", c.inputs[2]);
			return EXIT_USAGE;
		}
		size_t n;
		long *r = rounds(c.inputs[1], &n);
		long round = l.round ? l.round : n ? r[n - 1] : 0;
		free(r);
		if (!round) {
			cli_error("%s: no round yet (sprout loop next %s)", c.inputs[1],
				  c.inputs[1]);
			return EXIT_USAGE;
		}
		char p[4096];
		snprintf(p, sizeof p, "%s/round-%ld/metric", c.inputs[1], round);
		FILE *f = fopen(p, "w");
		if (!f || fprintf(f, "%s\n", c.inputs[2]) < 0 || fclose(f)) {
			cli_error("%s: cannot write: %s", p, strerror(errno));
			return EXIT_IO;
		}
		return EXIT_OK;
	}
	if (!strcmp(what, "add") && c.ninputs >= 3)
		return add(&c, &l);
	cli_error(
	    "expected 'status DIR', 'next DIR', 'metric DIR VALUE' or 'add TRAIN FILE...' (see "
	    "'sprout loop --help')");
	return EXIT_USAGE;
}
