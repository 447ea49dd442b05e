/* sprout review: projects of records for people to check (add, reviewer,
 * serve, stats, export, import). */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "review_http.h"
#include "sprout/review.h"

#define DEFAULT_PROJECT "sprout-review.sqlite"

enum {
	OPT_PROJECT = 'p',
	OPT_SAMPLE = OPT_COMMAND_BASE,
	OPT_FRACTION,
	OPT_SEED,
	OPT_SCORE,
	OPT_SEEDS,
	OPT_OVERLAP,
	OPT_NAME,
	OPT_HOST,
	OPT_PORT,
	OPT_PORT_FILE,
	OPT_URL,
	OPT_JSON,
	OPT_UNDECIDED,
	OPT_LABEL_STUDIO,
	OPT_GUIDELINES,
	OPT_ADJUDICATOR,
};

static const struct cli_option project_option[] = {
    {"project", 'p', "FILE", OPT_PROJECT,
     "the review project, an SQLite file (default " DEFAULT_PROJECT ")", CLI_OPT_OUTPATH},
    {NULL, 0, NULL, 0, NULL},
};

struct review_cli {
	const char *project;
	sprout_review_add_options add;
	unsigned overlap;
	const char *name, *host, *port_file, *url, *undecided, *label_studio, *guidelines;
	unsigned port;
	int json, adjudicator;
};

static int number(const char *opt, const char *arg, double lo, double hi, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(arg, &end);
	if (errno || end == arg || *end || !(v >= lo && v <= hi)) {
		cli_error("--%s: '%s' is not a number from %g to %g", opt, arg, lo, hi);
		return EXIT_USAGE;
	}
	*out = v;
	return -1;
}

static int on_option(int id, const char *arg, void *ctx)
{
	struct review_cli *r = ctx;
	sprout_error err = SPROUT_ERROR_INIT;
	double v;
	int rc;
	switch (id) {
	case OPT_PROJECT: r->project = arg; return -1;
	case OPT_SAMPLE:
		if (sprout_review_sample_parse(arg, &r->add.sample, &err)) {
			cli_error("--sample: %s", err.msg);
			return EXIT_USAGE;
		}
		return -1;
	case OPT_FRACTION:
		if ((rc = number("fraction", arg, 0, 1, &v)) >= 0)
			return rc;
		r->add.fraction = v;
		return -1;
	case OPT_SEED:
		if ((rc = number("seed", arg, 0, 1e18, &v)) >= 0)
			return rc;
		r->add.seed = (uint64_t)v;
		return -1;
	case OPT_SCORE: r->add.score = arg; return -1;
	case OPT_SEEDS: r->add.include_seeds = 1; return -1;
	case OPT_OVERLAP:
		if ((rc = number("overlap", arg, 1, 100, &v)) >= 0)
			return rc;
		r->overlap = (unsigned)v;
		return -1;
	case OPT_NAME: r->name = arg; return -1;
	case OPT_HOST: r->host = arg; return -1;
	case OPT_PORT:
		if ((rc = number("port", arg, 0, 65535, &v)) >= 0)
			return rc;
		r->port = (unsigned)v;
		return -1;
	case OPT_PORT_FILE: r->port_file = arg; return -1;
	case OPT_URL: r->url = arg; return -1;
	case OPT_JSON: r->json = 1; return -1;
	case OPT_UNDECIDED: r->undecided = arg; return -1;
	case OPT_LABEL_STUDIO: r->label_studio = arg; return -1;
	case OPT_GUIDELINES: r->guidelines = arg; return -1;
	case OPT_ADJUDICATOR: r->adjudicator = 1; return -1;
	}
	return -1;
}

static sprout_review *open_project(struct review_cli *r, int create)
{
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_review *rv =
	    sprout_review_open(r->project ? r->project : DEFAULT_PROJECT, create, &err);
	if (!rv)
		cli_error_at(&err);
	return rv;
}

/* ---- add -------------------------------------------------------------------------- */

static const struct cli_option add_options[] = {
    {"project", 'p', "FILE", OPT_PROJECT,
     "the review project, an SQLite file (default " DEFAULT_PROJECT ", made if missing)",
     CLI_OPT_OUTPATH},
    {"sample", 0, "HOW", OPT_SAMPLE,
     "random (default), stratified (the same share of each method and label), lowest (the "
     "lowest --score first) or all"},
    {"fraction", 0, "F", OPT_FRACTION, "the share of the records to queue (default 0.1)"},
    {"seed", 0, "N", OPT_SEED, "random seed for the sample (default 0)"},
    {"score", 0, "NAME", OPT_SCORE,
     "the _sprout.scores entry for --sample lowest (default similarity)"},
    {"include-seeds", 0, NULL, OPT_SEEDS,
     "queue records without a parent too (by default only generated ones)"},
    {"overlap", 0, "K", OPT_OVERLAP, "reviewers each item goes to (default 1)"},
    {"name", 0, "TEXT", OPT_NAME, "the project's name on the page (default: the file name)"},
    {"guidelines", 0, "FILE", OPT_GUIDELINES,
     "the reviewers' guidelines, a Markdown file, shown in a panel on the page"},
    {NULL, 0, NULL, 0, NULL},
};

/* The whole of a small file, NUL-terminated, or NULL with errno. */
static char *slurp(const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *data = malloc(max + 2);
	size_t n = data ? fread(data, 1, max + 1, f) : 0;
	int bad = !data || ferror(f);
	fclose(f);
	if (bad) {
		free(data);
		errno = data ? EIO : ENOMEM;
		return NULL;
	}
	if (n > max) {
		free(data);
		errno = EFBIG;
		return NULL;
	}
	data[n] = '\0';
	*len = n;
	return data;
}

static sprout_code see(void *ctx, const sprout_record *rec, sprout_error *err)
{
	return sprout_review_adder_see(ctx, rec, err);
}

static sprout_code spool_get(void *ctx, size_t i, sprout_arena *a, sprout_record *r,
			     sprout_error *err)
{
	return sprout_spool_get(ctx, i, a, r, err);
}

static sprout_code spool_aside(void *ctx, size_t i, sprout_arena *a, sprout_record *r,
			       sprout_error *err)
{
	return sprout_spool_get_aside(ctx, i, a, r, err);
}

static int review_add(int argc, char **argv)
{
	struct review_cli r = {0};
	sprout_review_add_options_init(&r.add);
	struct cli_common c;
	int rc = cli_parse(argc, argv, "review add [options] FILE...",
			   "Queue a sample of the records for review. Each item shows the record\n"
			   "beside the seed it was made from, when the seed is in the FILEs too.\n"
			   "Adding the same records again queues nothing twice.",
			   add_options, CLI_READS, &c, on_option, &r);
	if (rc >= 0)
		return rc;
	/* the records wait in a spool while the adder keeps a brief of each */
	struct cli_reader rd = {0};
	sprout_spool *sp = NULL;
	sprout_review *rv = NULL;
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_review_adder *ad = sprout_review_adder_new(&r.add, &err);
	if (!ad) {
		cli_error_at(&err);
		rc = cli_exit_for(err.code);
		goto done;
	}
	if ((rc = cli_reader_open(&rd, &c)) >= 0 || (rc = cli_spool(&rd, &sp, see, ad)) >= 0)
		goto done;
	if (!(rv = open_project(&r, 1))) {
		rc = EXIT_IO;
		goto done;
	}
	if (r.guidelines) {
		size_t glen;
		char *g = slurp(r.guidelines, (size_t)1 << 20, &glen);
		if (!g) {
			cli_error("%s: cannot read the guidelines: %s", r.guidelines,
				  errno == EFBIG ? "over 1 MiB" : strerror(errno));
			rc = EXIT_IO;
			goto done;
		}
		sprout_code gc = sprout_review_set_guidelines(rv, g, glen, &err);
		free(g);
		if (gc) {
			sprout_error_locate(&err, r.guidelines, 0, 0);
			cli_error_at(&err);
			rc = cli_exit_for(err.code);
			goto done;
		}
	}
	if ((r.overlap && sprout_review_set_overlap(rv, r.overlap, &err)) ||
	    (r.name && sprout_review_set_name(rv, r.name, &err))) {
		cli_error_at(&err);
		rc = cli_exit_for(err.code);
		goto done;
	}
	sprout_review_added a;
	if (sprout_review_adder_finish(ad, rv, spool_get, spool_aside, sp, &a, &err)) {
		cli_error_at(&err);
		rc = cli_exit_for(err.code);
		goto done;
	}
	printf("queued %zu of %zu records for review (%zu already in the project) in %s\n",
	       a.queued, a.candidates, a.present, r.project ? r.project : DEFAULT_PROJECT);
	rc = EXIT_OK;
done:
	if (rc < 0)
		rc = EXIT_OK;
	int rc2 = rd.c ? cli_reader_close(&rd, rc == EXIT_OK) : EXIT_OK;
	sprout_spool_free(sp);
	sprout_review_adder_free(ad);
	sprout_review_close(rv);
	return rc ? rc : rc2;
}

/* ---- reviewer --------------------------------------------------------------------- */

static const struct cli_option reviewer_options[] = {
    {"project", 'p', "FILE", OPT_PROJECT, "the review project (default " DEFAULT_PROJECT ")",
     CLI_OPT_OUTPATH},
    {"url", 0, "URL", OPT_URL,
     "where the app is served, for the links (default http://127.0.0.1:8700)"},
    {"adjudicator", 0, NULL, OPT_ADJUDICATOR,
     "with add: the reviewer may also set the final decision where reviewers disagree"},
    {NULL, 0, NULL, 0, NULL},
};

static int review_reviewer(int argc, char **argv)
{
	struct review_cli r = {0};
	struct cli_common c;
	int rc =
	    cli_parse(argc, argv, "review reviewer add NAME | remove NAME | list [options]",
		      "Give a reviewer a personal link (add prints it, this once: the project\n"
		      "keeps only its hash; adding the same name again makes a new link and\n"
		      "the old one stops working), take it away (remove; their decisions\n"
		      "stay), or list the reviewers and whether they have a link.",
		      reviewer_options, CLI_NO_OUTPUT, &c, on_option, &r);
	if (rc >= 0)
		return rc;
	const char *what = c.ninputs ? c.inputs[0] : "";
	int list = !strcmp(what, "list");
	if (!(list && c.ninputs == 1) &&
	    !((!strcmp(what, "add") || !strcmp(what, "remove")) && c.ninputs == 2)) {
		cli_error(
		    "expected 'add NAME', 'remove NAME' or 'list' (see 'sprout review reviewer "
		    "--help')");
		return EXIT_USAGE;
	}
	sprout_review *rv = open_project(&r, 0);
	if (!rv)
		return EXIT_IO;
	sprout_error err = SPROUT_ERROR_INIT;
	const char *url = r.url ? r.url : "http://127.0.0.1:8700";
	size_t ul = strlen(url);
	while (ul && url[ul - 1] == '/')
		ul--;
	rc = EXIT_OK;
	if (list) {
		sprout_buf b = SPROUT_BUF_INIT((size_t)16 << 20);
		if (sprout_review_reviewers_json(rv, &b, &err)) {
			cli_error_at(&err);
			rc = cli_exit_for(err.code);
		} else {
			sprout_arena *a = sprout_arena_new(0);
			sprout_json *v;
			if (a && !sprout_json_parse(a, b.data, b.len, &v, NULL))
				for (size_t i = 0; i < v->len; i++) {
					sprout_json *nm = sprout_json_get(v->u.items[i], "name");
					sprout_json *n =
					    sprout_json_get(v->u.items[i], "decisions");
					sprout_json *role = sprout_json_get(v->u.items[i], "role");
					printf("%s\t%.0f decision%s\t%s%s%s\n", nm->u.s,
					       sprout_json_number(n),
					       sprout_json_number(n) == 1 ? "" : "s",
					       sprout_json_get(v->u.items[i], "link")->type ==
						       SPROUT_JSON_TRUE
						   ? "has a link"
						   : "(no link)",
					       role && role->type == SPROUT_JSON_STRING ? "\t" : "",
					       role && role->type == SPROUT_JSON_STRING ? role->u.s
											: "");
				}
			sprout_arena_free(a);
		}
		sprout_buf_release(&b);
	} else if (!strcmp(what, "add")) {
		char token[SPROUT_TOKEN_LEN + 1];
		if (sprout_review_reviewer_add(rv, c.inputs[1], token, &err) ||
		    sprout_review_reviewer_set_role(rv, c.inputs[1],
						    r.adjudicator ? "adjudicator" : NULL, &err)) {
			cli_error_at(&err);
			rc = cli_exit_for(err.code);
		} else {
			printf("%.*s/r/%s\n", (int)ul, url, token);
			cli_note(&c, "the link above is %s's alone: whoever has it reviews as them",
				 c.inputs[1]);
		}
	} else {
		sprout_code code = sprout_review_reviewer_remove(rv, c.inputs[1], &err);
		if (code) {
			cli_error("%s", err.msg);
			rc = code == SPROUT_END ? EXIT_USAGE : cli_exit_for(code);
		}
	}
	sprout_review_close(rv);
	return rc;
}

/* ---- serve ------------------------------------------------------------------------ */

static const struct cli_option serve_options[] = {
    {"project", 'p', "FILE", OPT_PROJECT, "the review project (default " DEFAULT_PROJECT ")",
     CLI_OPT_OUTPATH},
    {"host", 0, "ADDR", OPT_HOST,
     "the address to listen on (default 127.0.0.1: this machine only)"},
    {"port", 0, "N", OPT_PORT, "the port (default 8700; 0: a free one)"},
    {"port-file", 0, "FILE", OPT_PORT_FILE, "write the port there once listening"},
    {NULL, 0, NULL, 0, NULL},
};

static volatile sig_atomic_t stop_serving;

static void on_stop(int sig)
{
	(void)sig;
	stop_serving = 1;
}

static int review_serve(int argc, char **argv)
{
	struct review_cli r = {0};
	r.port = 8700;
	struct cli_common c;
	int rc = cli_parse(argc, argv, "review serve [options]",
			   "Serve the review app to the reviewers' links until Ctrl-C. Decisions\n"
			   "are saved at once. By default only this machine can connect: give\n"
			   "--host 0.0.0.0 to serve a network you trust (behind HTTPS).",
			   serve_options, CLI_NO_OUTPUT, &c, on_option, &r);
	if (rc >= 0)
		return rc;
	if (c.ninputs) {
		cli_error("review serve takes no file (see 'sprout review serve --help')");
		return EXIT_USAGE;
	}
	sprout_review *rv = open_project(&r, 0);
	if (!rv)
		return EXIT_IO;
	const char *host = r.host ? r.host : "127.0.0.1";
	char why[256];
	unsigned port = 0;
	struct review_server *s = review_server_start(rv, host, r.port, &port, why, sizeof why);
	if (!s) {
		cli_error("%s", why);
		sprout_review_close(rv);
		return EXIT_IO;
	}
	if (r.port_file) {
		char tmp[4096];
		snprintf(tmp, sizeof tmp, "%s.tmp", r.port_file);
		FILE *f = fopen(tmp, "w");
		if (!f || fprintf(f, "%u\n", port) < 0 || fclose(f) || rename(tmp, r.port_file)) {
			cli_error("%s: cannot write the port: %s", r.port_file, strerror(errno));
			review_server_stop(s);
			sprout_review_close(rv);
			return EXIT_IO;
		}
	}
	cli_note(&c,
		 "serving the review app at http://%s:%u/ (a new link: sprout review "
		 "reviewer add NAME); Ctrl-C stops",
		 host, port);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	while (!stop_serving)
		pause();
	review_server_stop(s);
	sprout_review_close(rv);
	cli_note(&c, "stopped");
	return EXIT_OK;
}

/* ---- stats ------------------------------------------------------------------------ */

static const struct cli_option stats_options[] = {
    {"project", 'p', "FILE", OPT_PROJECT, "the review project (default " DEFAULT_PROJECT ")",
     CLI_OPT_OUTPATH},
    {"json", 0, NULL, OPT_JSON, "the numbers as JSON"},
    {NULL, 0, NULL, 0, NULL},
};

/* "0.123", or "-" for a number that is not defined (null). */
static const char *num3(const sprout_json *x, char *buf, size_t n)
{
	if (!x || x->type != SPROUT_JSON_NUMBER)
		return "-";
	snprintf(buf, n, "%.3f", sprout_json_number(x));
	return buf;
}

/* The judges against the reviewers, when reviewed items carry their scores. */
static void print_judges(const sprout_json *js)
{
	if (!js || js->type != SPROUT_JSON_ARRAY || !js->len)
		return;
	printf("\njudge against the reviewers (the judge keeps a score at or above the threshold; "
	       "the reviewers keep what they accepted, not what they rejected or edited)\n");
	printf("rubric            items  threshold  kappa  accuracy  best threshold  kappa  "
	       "accuracy\n");
	for (size_t i = 0; i < js->len; i++) {
		const sprout_json *x = js->u.items[i], *t = sprout_json_get(x, "threshold"),
				  *b = sprout_json_get(x, "best");
		char k1[32], a1[32], k2[32], a2[32], th[16] = "-", bt[16] = "-";
		if (t && t->type == SPROUT_JSON_NUMBER)
			snprintf(th, sizeof th, "%.0f", sprout_json_number(t));
		const sprout_json *bk = NULL, *ba = NULL;
		if (b && b->type == SPROUT_JSON_OBJECT) {
			snprintf(bt, sizeof bt, "%.0f",
				 sprout_json_number(sprout_json_get(b, "threshold")));
			bk = sprout_json_get(b, "kappa");
			ba = sprout_json_get(b, "accuracy");
		}
		printf("%-16s %6.0f %10s %6s %9s %15s %6s %9s\n", sprout_json_get(x, "rubric")->u.s,
		       sprout_json_number(sprout_json_get(x, "items")), th,
		       num3(sprout_json_get(x, "kappa"), k1, sizeof k1),
		       num3(sprout_json_get(x, "accuracy"), a1, sizeof a1), bt,
		       num3(bk, k2, sizeof k2), num3(ba, a2, sizeof a2));
	}
}

static int review_stats(int argc, char **argv)
{
	struct review_cli r = {0};
	struct cli_common c;
	int rc = cli_parse(argc, argv, "review stats [options]",
			   "Progress per reviewer, acceptance per method, agreement between\n"
			   "reviewers (Cohen's kappa for two, Fleiss' kappa for more), and how a\n"
			   "judge's scores (filter --judge) agree with the reviewers' decisions.",
			   stats_options, CLI_NO_OUTPUT, &c, on_option, &r);
	if (rc >= 0)
		return rc;
	sprout_review *rv = open_project(&r, 0);
	if (!rv)
		return EXIT_IO;
	sprout_buf b = SPROUT_BUF_INIT((size_t)64 << 20);
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_arena *a = sprout_arena_new(0);
	sprout_json *v;
	rc = EXIT_OK;
	if (sprout_review_stats_json(rv, &b, &err)) {
		cli_error_at(&err);
		rc = cli_exit_for(err.code);
	} else if (r.json) {
		printf("%.*s\n", (int)b.len, b.data);
	} else if (a && !sprout_json_parse(a, b.data, b.len, &v, NULL)) {
		printf("project %s: %.0f items, %.0f reviewed by %.0f reviewer%s each\n",
		       sprout_json_get(v, "project")->u.s,
		       sprout_json_number(sprout_json_get(v, "items")),
		       sprout_json_number(sprout_json_get(v, "complete")),
		       sprout_json_number(sprout_json_get(v, "overlap")),
		       sprout_json_number(sprout_json_get(v, "overlap")) == 1 ? "" : "s");
		sprout_json *rs = sprout_json_get(v, "reviewers");
		printf("\nreviewer             decisions  accepted  rejected  edited\n");
		for (size_t i = 0; i < rs->len; i++) {
			sprout_json *x = rs->u.items[i];
			printf("%-20s %9.0f %9.0f %9.0f %7.0f%s\n", sprout_json_get(x, "name")->u.s,
			       sprout_json_number(sprout_json_get(x, "decisions")),
			       sprout_json_number(sprout_json_get(x, "accepted")),
			       sprout_json_number(sprout_json_get(x, "rejected")),
			       sprout_json_number(sprout_json_get(x, "edited")),
			       sprout_json_get(x, "removed")->type == SPROUT_JSON_TRUE
				   ? "  (removed)"
				   : "");
		}
		sprout_json *ms = sprout_json_get(v, "methods");
		printf("\nmethod                    decisions  accepted  rejected  edited  "
		       "acceptance\n");
		for (size_t i = 0; i < ms->len; i++) {
			sprout_json *x = ms->u.items[i];
			printf("%-25s %9.0f %9.0f %9.0f %7.0f  %9.1f%%\n",
			       sprout_json_get(x, "method")->u.s,
			       sprout_json_number(sprout_json_get(x, "decisions")),
			       sprout_json_number(sprout_json_get(x, "accepted")),
			       sprout_json_number(sprout_json_get(x, "rejected")),
			       sprout_json_number(sprout_json_get(x, "edited")),
			       100 * sprout_json_number(sprout_json_get(x, "acceptance")));
		}
		sprout_json *ag = sprout_json_get(v, "agreement");
		if (ag->type == SPROUT_JSON_OBJECT)
			printf("\nagreement: %s kappa %.3f (observed %.3f) over %.0f items\n",
			       sprout_json_is(sprout_json_get(ag, "kind"), "cohen") ? "Cohen's"
										    : "Fleiss'",
			       sprout_json_number(sprout_json_get(ag, "kappa")),
			       sprout_json_number(sprout_json_get(ag, "observed")),
			       sprout_json_number(sprout_json_get(ag, "items")));
		else
			printf("\nagreement: not measured (it needs items decided by two "
			       "reviewers)\n");
		sprout_json *ka = sprout_json_get(v, "krippendorff");
		if (ka && ka->type == SPROUT_JSON_OBJECT) {
			sprout_json *al = sprout_json_get(ka, "alpha");
			if (al->type == SPROUT_JSON_NUMBER)
				printf("Krippendorff's alpha (nominal) %.3f",
				       sprout_json_number(al));
			else
				printf(
				    "Krippendorff's alpha: not defined (every decision the same)");
			printf(" over %.0f items, %.0f decisions\n",
			       sprout_json_number(sprout_json_get(ka, "items")),
			       sprout_json_number(sprout_json_get(ka, "ratings")));
		}
		print_judges(sprout_json_get(v, "judges"));
	}
	sprout_arena_free(a);
	sprout_buf_release(&b);
	sprout_review_close(rv);
	return rc;
}

/* ---- export ------------------------------------------------------------------------- */

static const struct cli_option export_options[] = {
    {"project", 'p', "FILE", OPT_PROJECT, "the review project (default " DEFAULT_PROJECT ")",
     CLI_OPT_OUTPATH},
    {"undecided", 0, "FILE", OPT_UNDECIDED,
     "the items not decided yet, and why (default: OUTPUT with .undecided.jsonl)", CLI_OPT_OUTPATH},
    {"label-studio", 0, "FILE", OPT_LABEL_STUDIO,
     "instead: write the items as Label Studio import tasks (JSON), the record as a "
     "prediction",
     CLI_OPT_OUTPATH},
    {"rejects", 0, "FILE", OPT_REJECTS,
     "the rejected records with their reasons (default: OUTPUT with .rejects.jsonl)",
     CLI_OPT_OUTPATH},
    {NULL, 0, NULL, 0, NULL},
};

struct exporter {
	sprout_writer *out, *rej, *und;
	unsigned long n[4];
	sprout_arena *a;
	int strip;
};

static int export_one(void *ctx, sprout_review_outcome oc, const char *record, size_t len,
		      const char *why)
{
	struct exporter *e = ctx;
	sprout_error err = SPROUT_ERROR_INIT;
	e->n[oc]++;
	if (oc == SPROUT_OUTCOME_ACCEPTED || oc == SPROUT_OUTCOME_CORRECTED) {
		if (!e->strip)
			return sprout_writer_put_json(e->out, record, len, &err) != SPROUT_OK;
		sprout_json *v;
		sprout_arena_reset(e->a);
		return sprout_json_parse(e->a, record, len, &v, &err) ||
		       (sprout_json_remove(v, "_sprout"), sprout_writer_put(e->out, v, &err));
	}
	sprout_arena_reset(e->a);
	sprout_json *v;
	sprout_reject line = SPROUT_REJECT_INIT;
	line.stage = "review";
	line.reason = why;
	return sprout_json_parse(e->a, record, len, &v, &err) ||
	       (line.record = v,
		sprout_reject_write(oc == SPROUT_OUTCOME_REJECTED ? e->rej : e->und, &line, &err));
}

static int review_export(int argc, char **argv)
{
	struct review_cli r = {0};
	struct cli_common c;
	int rc =
	    cli_parse(argc, argv, "review export [options] -o FILE",
		      "Write the accepted and corrected records (corrections are new gold\n"
		      "seeds: _sprout.source \"correction\", gold true), the rejected ones with\n"
		      "their reasons to the rejects file, and the undecided ones (not reviewed\n"
		      "by enough reviewers, or reviewers disagree) to their own file.",
		      export_options, CLI_WRITES, &c, on_option, &r);
	if (rc >= 0)
		return rc;
	sprout_review *rv = open_project(&r, 0);
	if (!rv)
		return EXIT_IO;
	sprout_error err = SPROUT_ERROR_INIT;
	if (r.label_studio) {
		sprout_buf b = SPROUT_BUF_INIT((size_t)1 << 30);
		sprout_writer *w = NULL;
		rc = EXIT_OK;
		if (sprout_review_label_studio_tasks(rv, &b, &err) ||
		    !(w = sprout_writer_open(r.label_studio, SPROUT_CONTAINER_JSONL, &err)) ||
		    sprout_writer_write(w, b.data, b.len, &err) || sprout_writer_commit(w, &err)) {
			if (w)
				sprout_writer_abort(w);
			cli_error_at(&err);
			rc = cli_exit_for(err.code);
		} else {
			cli_note(&c, "wrote the tasks to %s (labeling config: docs/review.md)",
				 r.label_studio);
		}
		sprout_buf_release(&b);
		sprout_review_close(rv);
		return rc;
	}
	if (!c.output) {
		cli_error("review export needs -o FILE for the accepted and corrected records");
		sprout_review_close(rv);
		return EXIT_USAGE;
	}
	char rej[4096], und[4096];
	size_t base = strlen(c.output);
	const char *dot = strrchr(c.output, '.');
	if (dot && !strchr(dot, '/'))
		base = (size_t)(dot - c.output);
	snprintf(rej, sizeof rej, "%s", c.rejects ? c.rejects : "");
	if (!c.rejects)
		snprintf(rej, sizeof rej, "%.*s.rejects.jsonl", (int)base, c.output);
	if (r.undecided)
		snprintf(und, sizeof und, "%s", r.undecided);
	else
		snprintf(und, sizeof und, "%.*s.undecided.jsonl", (int)base, c.output);
	struct exporter e = {0};
	e.strip = c.strip_meta;
	e.a = sprout_arena_new(0);
	rc = EXIT_OK;
	if (!(e.out = cli_output_open(&c, SPROUT_CONTAINER_JSONL, &rc)) ||
	    !(e.rej = sprout_writer_open(rej, SPROUT_CONTAINER_JSONL, &err)) ||
	    !(e.und = sprout_writer_open(und, SPROUT_CONTAINER_JSONL, &err))) {
		if (err.msg[0])
			cli_error_at(&err);
		rc = rc ? rc : EXIT_IO;
	} else if (sprout_review_export(rv, export_one, &e, &err)) {
		cli_error_at(&err);
		rc = cli_exit_for(err.code);
	}
	if (!rc && !(rc = cli_output_commit(e.out)) &&
	    (sprout_writer_commit(e.rej, &err) || sprout_writer_commit(e.und, &err))) {
		cli_error_at(&err);
		rc = EXIT_IO;
	}
	if (rc) {
		if (e.out)
			cli_output_abort(e.out);
		sprout_writer_abort(e.rej);
		sprout_writer_abort(e.und);
	} else {
		cli_note(&c,
			 "%lu accepted and %lu corrected (new gold seeds) in %s; %lu rejected in "
			 "%s; %lu undecided in %s",
			 e.n[SPROUT_OUTCOME_ACCEPTED], e.n[SPROUT_OUTCOME_CORRECTED], c.output,
			 e.n[SPROUT_OUTCOME_REJECTED], rej, e.n[SPROUT_OUTCOME_UNDECIDED], und);
	}
	sprout_arena_free(e.a);
	sprout_review_close(rv);
	return rc;
}

/* ---- import ------------------------------------------------------------------------ */

static int review_import(int argc, char **argv)
{
	struct review_cli r = {0};
	struct cli_common c;
	int rc =
	    cli_parse(argc, argv, "review import-label-studio [options] FILE",
		      "Read a Label Studio JSON export of tasks written by 'review export\n"
		      "--label-studio' and save its annotations as decisions (the annotator's\n"
		      "e-mail as the reviewer).",
		      project_option, CLI_NO_OUTPUT, &c, on_option, &r);
	if (rc >= 0)
		return rc;
	if (c.ninputs != 1) {
		cli_error("expected one Label Studio export file");
		return EXIT_USAGE;
	}
	size_t len;
	FILE *f = fopen(c.inputs[0], "rb");
	char *data = NULL;
	if (f) {
		fseek(f, 0, SEEK_END);
		long n = ftell(f);
		fseek(f, 0, SEEK_SET);
		data = n >= 0 ? malloc((size_t)n + 1) : NULL;
		len = data ? fread(data, 1, (size_t)n, f) : 0;
		fclose(f);
	}
	if (!data) {
		cli_error("%s: cannot read: %s", c.inputs[0], strerror(errno));
		return EXIT_IO;
	}
	sprout_review *rv = open_project(&r, 0);
	if (!rv) {
		free(data);
		return EXIT_IO;
	}
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_review_imported n;
	if (sprout_review_label_studio_import(rv, data, len, &n, &err)) {
		sprout_error_locate(&err, c.inputs[0], err.line, err.column);
		cli_error_at(&err);
		rc = cli_exit_for(err.code);
	} else {
		printf("imported %zu decision%s by %zu annotator%s from %s", n.decisions,
		       n.decisions == 1 ? "" : "s", n.annotators, n.annotators == 1 ? "" : "s",
		       c.inputs[0]);
		if (n.replaced)
			printf(
			    "; %zu of them replaced the annotator's earlier decision on the item",
			    n.replaced);
		if (n.skipped)
			printf(
			    "; %zu of %zu annotations skipped (cancelled, without a decision, or "
			    "not on an item of this project)",
			    n.skipped, n.annotations);
		printf("\n");
		rc = EXIT_OK;
	}
	free(data);
	sprout_review_close(rv);
	return rc;
}

/* ---- the command ------------------------------------------------------------------ */

int cmd_review(int argc, char **argv)
{
	static const struct cli_subcommand subs[] = {
	    {"add", review_add, "queue a sample of records for review"},
	    {"reviewer", review_reviewer, "give reviewers their links, or take them away"},
	    {"serve", review_serve, "serve the review app (127.0.0.1 by default)"},
	    {"stats", review_stats, "progress, acceptance per method, agreement"},
	    {"export", review_export, "accepted and corrected records, rejects, undecided"},
	    {"import-label-studio", review_import, "decisions from a Label Studio export"},
	};
	return cli_subcommands(
	    argc, argv, "review COMMAND [options]",
	    "Domain experts accept, reject and correct records in a browser.", subs,
	    sizeof subs / sizeof *subs, 20,
	    "'sprout review COMMAND --help' tells more; docs/review.md the whole story.");
}
