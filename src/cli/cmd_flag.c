/* sprout flag: from a model's predictions on real data, pick what needs a
 * person: the wrong answers, and the least sure right ones. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
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

enum by { BY_MARGIN, BY_ENTROPY, BY_CONFIDENCE };

struct flag_cli {
	enum by by;
	long top;
	double threshold;
	const char *project;
	unsigned overlap;
};

static int on_option(int id, const char *arg, void *ctx)
{
	struct flag_cli *f = ctx;
	char *end;
	errno = 0;
	switch (id) {
	case OPT_BY:
		if (!strcmp(arg, "margin"))
			f->by = BY_MARGIN;
		else if (!strcmp(arg, "entropy"))
			f->by = BY_ENTROPY;
		else if (!strcmp(arg, "confidence"))
			f->by = BY_CONFIDENCE;
		else {
			cli_error("--by: expected margin, entropy or confidence, got '%s'", arg);
			return EXIT_USAGE;
		}
		return -1;
	case OPT_TOP: {
		unsigned long long v = 0;
		int rc = cli_whole("--top", arg, LONG_MAX, &v);
		f->top = (long)v;
		return rc;
	}
	case OPT_THRESHOLD:
		f->threshold = strtod(arg, &end);
		if (errno || end == arg || *end || !(f->threshold >= 0 && f->threshold <= 1)) {
			cli_error("--threshold: '%s' is not a number from 0 to 1", arg);
			return EXIT_USAGE;
		}
		return -1;
	case OPT_PROJECT: f->project = arg; return -1;
	case OPT_OVERLAP: {
		long v = strtol(arg, &end, 10);
		if (errno || end == arg || *end || v < 1 || v > 100) {
			cli_error("--overlap: '%s' is not a whole number from 1 to 100", arg);
			return EXIT_USAGE;
		}
		f->overlap = (unsigned)v;
		return -1;
	}
	}
	return -1;
}

static int cmp_desc(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? 1 : x > y ? -1 : 0;
}

/* How unsure an answer is, 0 (sure) to 1; -1 when the prediction says
 * nothing about it. */
static double unsureness(const sprout_json *p, enum by by)
{
	double probs[256];
	size_t n = 0;
	const sprout_json *pr = sprout_json_get(p, "probs");
	if (pr && pr->type == SPROUT_JSON_OBJECT)
		for (size_t i = 0; i < pr->len && n < 256; i++)
			if (pr->u.members[i].value->type == SPROUT_JSON_NUMBER)
				probs[n++] = sprout_json_number(pr->u.members[i].value);
	const sprout_json *c = sprout_json_get(p, "confidence");
	double conf = c && c->type == SPROUT_JSON_NUMBER ? sprout_json_number(c) : -1;
	const sprout_json *lp = sprout_json_get(p, "logprobs");
	if (conf < 0 && lp && lp->type == SPROUT_JSON_ARRAY && lp->len) {
		double sum = 0;
		for (size_t i = 0; i < lp->len; i++)
			sum += sprout_json_number(lp->u.items[i]);
		conf = exp(sum / (double)lp->len); /* the mean token probability */
	}
	if (n)
		qsort(probs, n, sizeof *probs, cmp_desc);
	if (conf < 0 && n)
		conf = probs[0];
	if (by == BY_MARGIN && n >= 2)
		return 1 - (probs[0] - probs[1]);
	if (by == BY_ENTROPY && n >= 2) {
		double h = 0, total = 0;
		for (size_t i = 0; i < n; i++)
			total += probs[i];
		for (size_t i = 0; i < n; i++)
			if (probs[i] > 0)
				h -= probs[i] / total * log(probs[i] / total);
		return h / log((double)n);
	}
	return conf >= 0 ? 1 - conf : -1;
}

static const char *text_of(const sprout_json *v)
{
	return v && v->type == SPROUT_JSON_STRING ? v->u.s : NULL;
}

/* The same answer, ignoring case and the spaces around it. */
static int same_answer(const char *a, const char *b)
{
	while (*a == ' ')
		a++;
	while (*b == ' ')
		b++;
	size_t na = strlen(a), nb = strlen(b);
	while (na && a[na - 1] == ' ')
		na--;
	while (nb && b[nb - 1] == ' ')
		nb--;
	return na == nb && !strncasecmp(a, b, na);
}

struct flagged {
	size_t i;
	double u;
	int wrong;
};

static int by_unsure(const void *a, const void *b)
{
	const struct flagged *x = a, *y = b;
	return x->u < y->u ? 1 : x->u > y->u ? -1 : x->i < y->i ? -1 : x->i > y->i;
}

static int by_index(const void *a, const void *b)
{
	const struct flagged *x = a, *y = b;
	return x->i < y->i ? -1 : x->i > y->i;
}

int cmd_flag(int argc, char **argv)
{
	struct flag_cli f = {BY_MARGIN, 0, -1, NULL, 0};
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
			const sprout_json *in = sprout_json_get(v, "input");
			if (!in ||
			    (in->type != SPROUT_JSON_STRING && in->type != SPROUT_JSON_OBJECT) ||
			    !text_of(sprout_json_get(v, "expected")) ||
			    (!text_of(sprout_json_get(v, "predicted")) &&
			     !text_of(sprout_json_get(v, "output")))) {
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
	struct flagged *sel = rc ? NULL : calloc(n + 1, sizeof *sel);
	size_t nsel = 0, wrong = 0;
	if (!rc && !sel)
		rc = EXIT_INTERNAL;
	if (!rc) {
		/* every wrong answer, then the least sure right ones */
		struct flagged *right = calloc(n + 1, sizeof *right);
		size_t nright = 0;
		for (size_t i = 0; right && i < n; i++) {
			const char *pred = text_of(sprout_json_get(preds[i], "predicted"));
			if (!pred)
				pred = text_of(sprout_json_get(preds[i], "output"));
			double u = unsureness(preds[i], f.by);
			if (!same_answer(pred, text_of(sprout_json_get(preds[i], "expected")))) {
				sel[nsel++] = (struct flagged){i, u, 1};
				wrong++;
			} else if (u >= 0) {
				right[nright++] = (struct flagged){i, u, 0};
			}
		}
		qsort(right, nright, sizeof *right, by_unsure);
		for (size_t k = 0; right && k < nright; k++)
			if ((long)k < f.top || (f.threshold >= 0 && right[k].u >= f.threshold))
				sel[nsel++] = right[k];
		free(right);
		qsort(sel, nsel, sizeof *sel, by_index);
	}
	/* the flagged records: text and the expected answer, with provenance */
	sprout_record *recs = rc ? NULL : calloc(nsel + 1, sizeof *recs);
	const char **answers = rc ? NULL : calloc(nsel + 1, sizeof *answers);
	static const sprout_format classification = {SPROUT_FORMAT_CLASSIFICATION, {{0}}};
	static const sprout_format alpaca = {SPROUT_FORMAT_ALPACA, {{0}}};
	sprout_format *fmts = rc ? NULL : calloc(nsel + 1, sizeof *fmts);
	if (!rc && (!recs || !answers || !fmts))
		rc = EXIT_INTERNAL;
	for (size_t k = 0; !rc && k < nsel; k++) {
		const sprout_json *p = preds[sel[k].i];
		const sprout_json *in = sprout_json_get(p, "input");
		const char *exp = text_of(sprout_json_get(p, "expected"));
		const char *pred = text_of(sprout_json_get(p, "predicted"));
		answers[k] = pred ? pred : text_of(sprout_json_get(p, "output"));
		sprout_json *obj;
		if (in->type == SPROUT_JSON_OBJECT) {
			obj = sprout_json_copy(a, in);
			if (sprout_format_detect(obj, &fmts[k], NULL, 0, &err)) {
				cli_error("%s: prediction %zu: %s", c.inputs[0], sel[k].i + 1,
					  err.msg);
				rc = EXIT_DATA;
				break;
			}
		} else {
			/* a label is a short answer; anything longer is a response */
			int label = !strchr(exp, ' ') || strlen(exp) <= 40;
			obj = sprout_json_new(a, SPROUT_JSON_OBJECT);
			sprout_json_set(a, obj, label ? "text" : "instruction",
					sprout_json_copy(a, in));
			sprout_json_set(a, obj, label ? "label" : "output",
					sprout_json_string(a, exp, strlen(exp)));
			fmts[k] = label ? classification : alpaca;
		}
		recs[k] =
		    (sprout_record){obj, &fmts[k], a, c.inputs[0], (unsigned long)sel[k].i + 1};
		if (sprout_meta_ensure(&recs[k], &err)) {
			cli_error("%s", err.msg);
			rc = EXIT_DATA;
			break;
		}
		sprout_json *m = sprout_meta_get(&recs[k]);
		sprout_json *params = sprout_json_new(a, SPROUT_JSON_OBJECT);
		const char *why = sel[k].wrong ? "wrong" : "unsure";
		static const char *const bys[] = {"margin", "entropy", "confidence"};
		if (!params ||
		    sprout_json_set(a, params, "reason", sprout_json_string(a, why, strlen(why))) ||
		    sprout_json_set(a, params, "predicted",
				    sprout_json_string(a, answers[k], strlen(answers[k]))) ||
		    (sel[k].u >= 0 &&
		     (sprout_json_set(a, params, "by",
				      sprout_json_string(a, bys[f.by], strlen(bys[f.by]))) ||
		      sprout_json_set(a, params, "unsure", sprout_json_real(a, sel[k].u)))) ||
		    sprout_json_set(a, m, "method", sprout_json_string(a, "flag", 4)) ||
		    sprout_json_set(a, m, "params", params)) {
			rc = EXIT_INTERNAL;
			break;
		}
	}
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
		ao.model_answers = answers;
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
		cli_note(&c, "%zu predictions: %zu wrong, %zu flagged in all", n, wrong, nsel);
	free(sel);
	free(recs);
	free(answers);
	free(fmts);
	free(preds);
	sprout_arena_free(a);
	return rc;
}
