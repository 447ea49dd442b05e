/* sprout loop: the rounds of the feedback loop (probe, flag, review,
 * corrections, augment or generate, train again), one folder each, and
 * what each round did, so a plateau shows. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

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

static int status(const char *dir, int json)
{
	sprout_loop_status st;
	sprout_error err = SPROUT_ERROR_INIT;
	if (sprout_loop_status_read(dir, &st, &err)) {
		sprout_loop_status_release(&st);
		cli_error_at(&err);
		return cli_exit_for(err.code);
	}
	sprout_buf b = SPROUT_BUF_INIT((size_t)1 << 20);
	sprout_jw jw;
	sprout_jw_init(&jw, &b);
	if (!json)
		printf("round  flagged  corrected  generated     kept   metric\n");
	sprout_jw_object(&jw);
	sprout_jw_karray(&jw, "rounds");
	for (size_t i = 0; i < st.n; i++) {
		const sprout_loop_round *r = &st.rounds[i];
		if (json) {
			sprout_jw_object(&jw);
			sprout_jw_kint(&jw, "round", r->round);
			for (int k = 0; k < SPROUT_LOOP__NFILES; k++)
				if (r->count[k] >= 0)
					sprout_jw_kint(&jw, sprout_loop_column((sprout_loop_file)k),
						       r->count[k]);
			if (r->metric >= 0) {
				sprout_jw_kfixed(&jw, "metric", r->metric, 4);
				sprout_jw_kstring(&jw, "metric_from", r->metric_from);
			}
			sprout_jw_end(&jw);
			continue;
		}
		printf("%5ld", r->round);
		for (int k = 0; k < SPROUT_LOOP__NFILES; k++) {
			int w = k == 0 ? 9 : k == 3 ? 9 : 11;
			if (r->count[k] >= 0)
				printf("%*ld", w, r->count[k]);
			else
				printf("%*s", w, "-");
		}
		if (r->metric >= 0)
			printf("   %.4f (%s)%s", r->metric, r->metric_from,
			       r->compared ? (r->plateau ? "  no better: a plateau?" : "  better")
					   : "");
		printf("\n");
	}
	sprout_jw_end(&jw);
	sprout_jw_kbool(&jw, "plateau", st.plateau);
	sprout_jw_end(&jw);
	int bad = sprout_jw_finish(&jw) || sprout_buf_addc(&b, '\n');
	if (json && !bad)
		fwrite(b.data, 1, b.len, stdout);
	sprout_buf_release(&b);
	sprout_loop_status_release(&st);
	if (json && bad) {
		cli_error("out of memory");
		return EXIT_INTERNAL;
	}
	return EXIT_OK;
}

/* ---- loop add: new records into training, none of the held-out ones ---- */

/* Read every held-out file into h (whole: a bad record in it stops, no
 * rejects). Returns -1, or an exit code. */
static int held_load(struct cli_common *c, const struct loop_cli *l, sprout_held_out *h)
{
	const char *rejects = c->rejects;
	sprout_on_error on_error = c->on_error;
	c->rejects = NULL;
	c->on_error = SPROUT_ON_ERROR_FAIL;
	int rc = -1;
	for (size_t f = 0; rc < 0 && f < l->nheld_out; f++) {
		const char *inputs[1] = {l->held_out[f]};
		c->inputs = inputs;
		c->ninputs = 1;
		struct cli_reader rd = {0};
		if ((rc = cli_reader_open(&rd, c)) >= 0)
			break;
		sprout_error err = SPROUT_ERROR_INIT;
		sprout_record rec;
		int got;
		while ((got = cli_reader_next(&rd, &rec)) > 0 &&
		       !sprout_held_out_add(h, &rec, &err))
			;
		rc = cli_reader_close(&rd, got == 0);
		if (got > 0) {
			cli_error_at(&err);
			rc = cli_exit_for(err.code);
		} else if (got < 0 || rc) {
			rc = got < 0 ? -got : rc;
		} else {
			rc = -1;
		}
	}
	c->rejects = rejects;
	c->on_error = on_error;
	return rc;
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
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_held_out *h = sprout_held_out_new(l->near, &err);
	sprout_loop_adder *a = NULL;
	char rejects[4096];
	struct cli_reader rd = {0};
	int rc = h ? held_load(c, l, h) : cli_exit_for(err.code);
	if (!h)
		cli_error_at(&err);
	if (rc >= 0)
		goto done;
	/* the training file's lines as they are, then the new records */
	if (!(a = sprout_loop_add_open(train, h, &err))) {
		cli_error_at(&err);
		rc = cli_exit_for(err.code);
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
		const char *check;
		if (sprout_loop_add_put(a, &rec, &check, why, sizeof why, &err)) {
			cli_error_at(&err);
			rc = cli_exit_for(err.code);
			break;
		}
		if (check && (rc = cli_reject_record(&rd, "loop", check, why, &rec)) >= 0)
			break;
	}
	int closed = cli_reader_close(&rd, got == 0 && rc < 0);
	rc = got < 0 ? -got : rc >= 0 ? rc : closed ? closed : -1;
	if (rc < 0) {
		unsigned long kept, added, refused;
		sprout_loop_add_counts(a, &kept, &added, &refused);
		sprout_loop_adder *done = a;
		a = NULL;
		if (sprout_loop_add_commit(done, &err)) {
			cli_error_at(&err);
			rc = cli_exit_for(err.code);
		} else {
			cli_note(c, "%s: %lu records and %lu added; %lu refused (held out) into %s",
				 train, kept, added, refused, c->rejects);
		}
	}
done:
	sprout_loop_add_abort(a);
	sprout_held_out_free(h);
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
	sprout_error err = SPROUT_ERROR_INIT;
	if (!strcmp(what, "next") && c.ninputs == 2) {
		char p[4096];
		if (sprout_loop_next(c.inputs[1], p, sizeof p, &err)) {
			cli_error_at(&err);
			return cli_exit_for(err.code);
		}
		printf("%s\n", p);
		return EXIT_OK;
	}
	if (!strcmp(what, "metric") && c.ninputs == 3) {
		if (sprout_loop_metric_write(c.inputs[1], l.round, c.inputs[2], &err)) {
			cli_error_at(&err);
			return cli_exit_for(err.code);
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
