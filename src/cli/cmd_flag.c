/* sprout flag: from a model's predictions on real data, pick what needs a
 * person: the wrong answers, and the least sure right ones. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sprout/flag.h"
#include "sprout/review.h"

enum {
	OPT_TOP = OPT_COMMAND_BASE,
	OPT_THRESHOLD,
	OPT_BY,
	OPT_PROJECT,
	OPT_OVERLAP,
};

static const struct cli_option options[] = {
    {"by", 0, "HOW", OPT_BY,
     "how unsure an answer is: margin (top two probabilities, the default), entropy (of the "
     "probabilities) or confidence (the lowest first)"},
    {"top", 0, "K", OPT_TOP, "also flag the K least sure right answers"},
    {"threshold", 0, "U", OPT_THRESHOLD,
     "also flag right answers at least this unsure (0 sure to 1 unsure)"},
    {"project", 'p', "FILE", OPT_PROJECT,
     "queue the flagged records in this review project, the model's answer beside them",
     CLI_OPT_OUTPATH},
    {"overlap", 0, "K", OPT_OVERLAP, "with --project: reviewers per item"},
    {NULL, 0, NULL, 0, NULL},
};

struct flag_cli {
	sprout_flag_options o;
	const char *project;
	unsigned overlap;
};

static int on_option(int id, const char *arg, void *ctx)
{
	struct flag_cli *f = ctx;
	char *end;
	errno = 0;
	sprout_error err = SPROUT_ERROR_INIT;
	switch (id) {
	case OPT_BY:
		if (sprout_flag_by_parse(arg, &f->o.by, &err)) {
			cli_error("%s", err.msg);
			return EXIT_USAGE;
		}
		return -1;
	case OPT_TOP: {
		unsigned long long v = 0;
		int rc = cli_whole("--top", arg, LONG_MAX, &v);
		f->o.top = (long)v;
		return rc;
	}
	case OPT_THRESHOLD:
		f->o.threshold = strtod(arg, &end);
		if (errno || end == arg || *end || !(f->o.threshold >= 0 && f->o.threshold <= 1)) {
			cli_error("--threshold: '%s' is not a number from 0 to 1", arg);
			return EXIT_USAGE;
		}
		return -1;
	case OPT_PROJECT: f->project = arg; return -1;
	case OPT_OVERLAP: {
		unsigned long long v = 0;
		int rc = cli_whole_in("overlap", arg, 1, 100, &v);
		f->overlap = (unsigned)v;
		return rc;
	}
	}
	return -1;
}

int cmd_flag(int argc, char **argv)
{
	struct flag_cli f = {{0}, NULL, 0};
	sprout_flag_options_init(&f.o);
	struct cli_common c;
	int rc =
	    cli_parse(argc, argv, "flag [options] PREDICTIONS...",
		      "Pick from a model's predictions on real data what needs a person: every\n"
		      "wrong answer, and with --top or --threshold the least sure right ones.\n"
		      "A prediction is a JSON line {\"input\": TEXT or a record, \"expected\":\n"
		      "the gold label or answer, \"predicted\": the model's, and optionally\n"
		      "\"confidence\", \"probs\": {answer: p}, \"logprobs\": [..]} (sprout probe\n"
		      "--mispredictions writes them). The flagged records (text and the\n"
		      "expected answer) go to -o and, with --project, to a review project with\n"
		      "the model's answer beside them, for an expert to confirm or correct.",
		      options, CLI_WRITES, &c, on_option, &f);
	if (rc >= 0)
		return rc;
	if (!c.ninputs) {
		cli_error("expected one or more prediction files (see 'sprout flag --help')");
		return EXIT_USAGE;
	}
	sprout_arena *a = sprout_arena_new(0);
	sprout_json **preds = NULL;
	size_t n = 0, cap = 0;
	sprout_error err = SPROUT_ERROR_INIT;
	rc = EXIT_OK;
	for (size_t k = 0; !rc && k < c.ninputs; k++) {
		sprout_reader *r = sprout_reader_open(c.inputs[k], NULL, &err);
		if (!r) {
			cli_error_at(&err);
			rc = EXIT_IO;
			break;
		}
		sprout_json *v;
		sprout_code code;
		while (!rc && (code = sprout_reader_next(r, a, &v, &err)) != SPROUT_END) {
			if (code) {
				cli_error_at(&err);
				rc = cli_exit_for(code);
				break;
			}
			if (!sprout_prediction_ok(v)) {
				cli_error("%s:%lu: a prediction needs \"input\", \"expected\" and "
					  "\"predicted\" (text)",
					  c.inputs[k], sprout_reader_line(r));
				rc = EXIT_DATA;
				break;
			}
			if (n == cap) {
				cap = cap ? cap * 2 : 1024;
				sprout_json **p = realloc(preds, cap * sizeof *p);
				if (!p) {
					rc = EXIT_INTERNAL;
					break;
				}
				preds = p;
			}
			preds[n++] = v;
		}
		sprout_error warn = SPROUT_ERROR_INIT;
		if (!rc && sprout_reader_warning(r, &warn))
			cli_warning_at(&warn);
		sprout_reader_close(r);
	}
	sprout_flag_result fr = {0};
	if (!rc && sprout_flag(preds, n, &f.o, c.ninputs ? c.inputs[0] : "-", a, &fr, &err)) {
		if (err.code == SPROUT_ERR_NOMEM) {
			rc = EXIT_INTERNAL;
		} else {
			cli_error("%s", err.msg);
			rc = EXIT_DATA;
		}
	}
	sprout_record *recs = fr.recs;
	size_t nsel = fr.n;
	sprout_writer *out = NULL;
	if (!rc && (c.output || !f.project)) {
		if ((out = cli_output_open(&c, SPROUT_CONTAINER_JSONL, &rc))) {
			rc = EXIT_OK;
			for (size_t k = 0; !rc && k < nsel; k++) {
				if (c.strip_meta)
					sprout_meta_strip(&recs[k]);
				if (sprout_writer_put(out, recs[k].obj, &err)) {
					cli_error_at(&err);
					rc = EXIT_IO;
				}
			}
			rc = rc ? rc : cli_output_commit(out);
			if (rc)
				cli_output_abort(out);
		}
	}
	if (!rc && f.project) {
		sprout_review *rv = sprout_review_open(f.project, 1, &err);
		sprout_review_add_options ao;
		sprout_review_add_options_init(&ao);
		ao.sample = SPROUT_SAMPLE_ALL;
		ao.include_seeds = 1;
		ao.model_answers = fr.predicted;
		sprout_review_added added;
		if (!rv || (f.overlap && sprout_review_set_overlap(rv, f.overlap, &err)) ||
		    sprout_review_add(rv, recs, nsel, &ao, &added, &err)) {
			cli_error_at(&err);
			rc = cli_exit_for(err.code ? err.code : SPROUT_ERR_IO);
		} else {
			cli_note(&c, "queued %zu for review in %s (%zu already there)",
				 added.queued, f.project, added.present);
		}
		sprout_review_close(rv);
	}
	if (!rc)
		cli_note(&c, "%zu predictions: %zu wrong, %zu flagged in all", n, fr.wrong, nsel);
	free(preds);
	sprout_arena_free(a);
	return rc;
}
