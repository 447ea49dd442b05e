/* Picking what a person should look at from a model's predictions
 * (sprout/flag.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sprout/flag.h"
#include "sprout/meta.h"

void sprout_flag_options_init(sprout_flag_options *o)
{
	o->by = SPROUT_FLAG_MARGIN;
	o->top = 0;
	o->threshold = -1;
}

static const char *const by_names[] = {"margin", "entropy", "confidence"};

sprout_code sprout_flag_by_parse(const char *s, sprout_flag_by *out, sprout_error *err)
{
	for (int i = 0; i < 3; i++)
		if (!strcmp(s, by_names[i])) {
			*out = (sprout_flag_by)i;
			return SPROUT_OK;
		}
	return sprout_error_set(err, SPROUT_ERR_USAGE,
				"--by: expected margin, entropy or confidence, got '%s'", s);
}

static const char *text_of(const sprout_json *v)
{
	return v && v->type == SPROUT_JSON_STRING ? v->u.s : NULL;
}

static const char *predicted(const sprout_json *p)
{
	const char *s = text_of(sprout_json_get(p, "predicted"));
	return s ? s : text_of(sprout_json_get(p, "output"));
}

int sprout_prediction_ok(const sprout_json *p)
{
	const sprout_json *in = sprout_json_get(p, "input");
	return in && (in->type == SPROUT_JSON_STRING || in->type == SPROUT_JSON_OBJECT) &&
	       text_of(sprout_json_get(p, "expected")) && predicted(p);
}

static int cmp_desc(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? 1 : x > y ? -1 : 0;
}

/* How unsure an answer is, 0 (sure) to 1; -1 when the prediction says
 * nothing about it. */
static double unsureness(const sprout_json *p, sprout_flag_by by)
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
	if (by == SPROUT_FLAG_MARGIN && n >= 2)
		return 1 - (probs[0] - probs[1]);
	if (by == SPROUT_FLAG_ENTROPY && n >= 2) {
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

/* The record for prediction p, flagged as f says. */
static sprout_code make_record(const sprout_json *p, const struct flagged *f,
			       const sprout_flag_options *o, const char *file, sprout_arena *a,
			       sprout_record *rec, sprout_error *err)
{
	static const sprout_format classification = {SPROUT_FORMAT_CLASSIFICATION, {{0}}};
	static const sprout_format alpaca = {SPROUT_FORMAT_ALPACA, {{0}}};
	const sprout_json *in = sprout_json_get(p, "input");
	const char *exp = text_of(sprout_json_get(p, "expected"));
	const char *answer = predicted(p);
	sprout_format *fmt = sprout_arena_alloc(a, sizeof *fmt);
	if (!fmt)
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	sprout_json *obj;
	if (in->type == SPROUT_JSON_OBJECT) {
		obj = sprout_json_copy(a, in);
		sprout_error why = SPROUT_ERROR_INIT;
		if (sprout_format_detect(obj, fmt, NULL, 0, &why))
			return sprout_error_set(err, SPROUT_ERR_RECORD, "%s: prediction %zu: %s",
						file, f->i + 1, why.msg);
	} else {
		/* a label is a short answer; anything longer is a response */
		int label = !strchr(exp, ' ') || strlen(exp) <= 40;
		obj = sprout_json_new(a, SPROUT_JSON_OBJECT);
		sprout_json_set(a, obj, label ? "text" : "instruction", sprout_json_copy(a, in));
		sprout_json_set(a, obj, label ? "label" : "output",
				sprout_json_string(a, exp, strlen(exp)));
		*fmt = label ? classification : alpaca;
	}
	*rec = (sprout_record){obj, fmt, a, file, (unsigned long)f->i + 1};
	sprout_code rc = sprout_meta_ensure(rec, err);
	if (rc)
		return rc;
	sprout_json *m = sprout_meta_get(rec);
	sprout_json *params = sprout_json_new(a, SPROUT_JSON_OBJECT);
	const char *why = f->wrong ? "wrong" : "unsure";
	const char *by = by_names[o->by];
	if (!params ||
	    sprout_json_set(a, params, "reason", sprout_json_string(a, why, strlen(why))) ||
	    sprout_json_set(a, params, "predicted",
			    sprout_json_string(a, answer, strlen(answer))) ||
	    (f->u >= 0 &&
	     (sprout_json_set(a, params, "by", sprout_json_string(a, by, strlen(by))) ||
	      sprout_json_set(a, params, "unsure", sprout_json_real(a, f->u)))) ||
	    sprout_json_set(a, m, "method", sprout_json_string(a, "flag", 4)) ||
	    sprout_json_set(a, m, "params", params))
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	return SPROUT_OK;
}

sprout_code sprout_flag(sprout_json *const *preds, size_t n, const sprout_flag_options *o,
			const char *file, sprout_arena *a, sprout_flag_result *out,
			sprout_error *err)
{
	memset(out, 0, sizeof *out);
	struct flagged *sel = calloc(n + 1, sizeof *sel);
	struct flagged *right = calloc(n + 1, sizeof *right);
	sprout_code rc = SPROUT_OK;
	if (!sel || !right) {
		rc = sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		goto done;
	}
	/* every wrong answer, then the least sure right ones */
	size_t nsel = 0, nright = 0;
	for (size_t i = 0; i < n; i++) {
		double u = unsureness(preds[i], o->by);
		if (!same_answer(predicted(preds[i]),
				 text_of(sprout_json_get(preds[i], "expected")))) {
			sel[nsel++] = (struct flagged){i, u, 1};
			out->wrong++;
		} else if (u >= 0) {
			right[nright++] = (struct flagged){i, u, 0};
		}
	}
	qsort(right, nright, sizeof *right, by_unsure);
	for (size_t k = 0; k < nright; k++)
		if ((long)k < o->top || (o->threshold >= 0 && right[k].u >= o->threshold))
			sel[nsel++] = right[k];
	qsort(sel, nsel, sizeof *sel, by_index);
	/* the flagged records: text and the expected answer, with provenance */
	out->recs = sprout_arena_alloc(a, (nsel + 1) * sizeof *out->recs);
	out->predicted = sprout_arena_alloc(a, (nsel + 1) * sizeof *out->predicted);
	if (!out->recs || !out->predicted) {
		rc = sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		goto done;
	}
	for (size_t k = 0; k < nsel; k++) {
		out->predicted[k] = predicted(preds[sel[k].i]);
		if ((rc = make_record(preds[sel[k].i], &sel[k], o, file, a, &out->recs[k], err)))
			goto done;
	}
	out->n = nsel;
done:
	free(sel);
	free(right);
	return rc;
}
