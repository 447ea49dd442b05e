/* Dataset statistics. */
#include "sprout/stats.h"
#include "core/series.h"
#include "sprout/text.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dict.h"
#include "sprout/utf8.h"

struct slot_stats {
	unsigned long present, empty, missing;
	struct series chars, words;
};

struct label {
	const char *name; /* the dict's key */
	size_t len;
	unsigned long count;
};

struct seen {
	uint64_t h0, h1;
	unsigned long count; /* 0 = free slot */
};

struct input {
	char *file;
	char format[SPROUT_MAP_KEY_MAX * SPROUT_SLOT__COUNT];
	char *why;
};

struct sprout_stats {
	unsigned long records, bad;
	unsigned long bad_by_code[SPROUT_CODE__COUNT];
	struct slot_stats slots[SPROUT_SLOT__COUNT];
	sprout_dict label_ids; /* label -> its number in labels */
	sprout_arena *mem;     /* the labels' text */
	struct label *labels;  /* by number, first seen first */
	size_t nlabels, clabels;
	struct seen *seen;
	size_t nseen, cseen;
	unsigned long dup_records, dup_groups;
	struct input *inputs;
	size_t ninputs;
};

sprout_stats *sprout_stats_new(void)
{
	sprout_stats *st = calloc(1, sizeof(sprout_stats));
	if (st && !(st->mem = sprout_arena_new(0))) {
		free(st);
		return NULL;
	}
	if (st)
		sprout_dict_init(&st->label_ids, st->mem);
	return st;
}

void sprout_stats_free(sprout_stats *st)
{
	if (!st)
		return;
	for (int i = 0; i < SPROUT_SLOT__COUNT; i++) {
		free(st->slots[i].chars.v);
		free(st->slots[i].words.v);
	}
	sprout_dict_free(&st->label_ids);
	sprout_arena_free(st->mem);
	free(st->labels);
	free(st->seen);
	for (size_t i = 0; i < st->ninputs; i++) {
		free(st->inputs[i].file);
		free(st->inputs[i].why);
	}
	free(st->inputs);
	free(st);
}

unsigned long sprout_stats_records(const sprout_stats *st)
{
	return st->records;
}

static int add_label(sprout_stats *st, const char *s, size_t n)
{
	if (st->nlabels == st->clabels) { /* room for a new one first */
		size_t cap = st->clabels ? st->clabels * 2 : 64;
		struct label *v = realloc(st->labels, cap * sizeof *v);
		if (!v)
			return -1;
		st->labels = v;
		st->clabels = cap;
	}
	int added;
	long long i = sprout_dict_put(&st->label_ids, s, n, &added);
	if (i < 0)
		return -1;
	if (added)
		st->labels[st->nlabels++] = (struct label){st->label_ids.key[i], n, 0};
	st->labels[i].count++;
	return 0;
}

static int add_seen(sprout_stats *st, const uint64_t h[2])
{
	if (st->nseen * 2 >= st->cseen) {
		size_t cap = st->cseen ? st->cseen * 2 : 1024;
		struct seen *t = calloc(cap, sizeof *t);
		if (!t)
			return -1;
		for (size_t i = 0; i < st->cseen; i++) {
			if (!st->seen[i].count)
				continue;
			size_t j = st->seen[i].h1 & (cap - 1);
			while (t[j].count)
				j = (j + 1) & (cap - 1);
			t[j] = st->seen[i];
		}
		free(st->seen);
		st->seen = t;
		st->cseen = cap;
	}
	size_t j = h[1] & (st->cseen - 1);
	while (st->seen[j].count) {
		struct seen *e = &st->seen[j];
		if (e->h0 == h[0] && e->h1 == h[1]) {
			if (e->count++ == 1)
				st->dup_groups++;
			st->dup_records++;
			return 0;
		}
		j = (j + 1) & (st->cseen - 1);
	}
	st->seen[j] = (struct seen){h[0], h[1], 1};
	st->nseen++;
	return 0;
}

sprout_code sprout_stats_add(sprout_stats *st, const sprout_record *r, sprout_error *err)
{
	st->records++;
	for (int i = 0; i < SPROUT_SLOT__COUNT; i++) {
		struct slot_stats *ss = &st->slots[i];
		sprout_text t;
		if (!sprout_record_get(r, (sprout_slot)i, &t)) {
			ss->missing++;
			continue;
		}
		ss->present++;
		uint32_t words = (uint32_t)sprout_count_words(t.s, t.len);
		if (words == 0)
			ss->empty++;
		if (series_push(&ss->chars, (uint32_t)sprout_utf8_count(t.s, t.len)) ||
		    series_push(&ss->words, words))
			return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		if (i == SPROUT_SLOT_LABEL && add_label(st, t.s, t.len))
			return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	}
	uint64_t h[2];
	sprout_record_hash(r, h);
	if (add_seen(st, h))
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	return SPROUT_OK;
}

void sprout_stats_add_bad(sprout_stats *st, sprout_code why)
{
	st->bad++;
	if ((unsigned)why < SPROUT_CODE__COUNT)
		st->bad_by_code[why]++;
}

sprout_code sprout_stats_add_input(sprout_stats *st, const char *file, const sprout_format *f,
				   const char *why)
{
	struct input *in = realloc(st->inputs, (st->ninputs + 1) * sizeof *in);
	if (!in)
		return SPROUT_ERR_NOMEM;
	st->inputs = in;
	in = &st->inputs[st->ninputs];
	in->file = strdup(file);
	in->why = strdup(why ? why : "");
	sprout_format_describe(f, in->format, sizeof in->format);
	if (!in->file || !in->why) {
		free(in->file);
		free(in->why);
		return SPROUT_ERR_NOMEM;
	}
	st->ninputs++;
	return SPROUT_OK;
}

/* ---- summaries --------------------------------------------------------- */

struct dist {
	uint32_t min, p10, p25, median, p75, p90, max;
	double mean;
};

/* Nearest-rank percentile of sorted v[0..n). */
static uint32_t pct(const uint32_t *v, size_t n, int p)
{
	size_t rank = (size_t)((p * n + 99) / 100);
	if (rank < 1)
		rank = 1;
	return v[rank - 1];
}

static int summarize(const struct series *s, struct dist *d)
{
	memset(d, 0, sizeof *d);
	if (!s->n)
		return 0;
	double sum;
	uint32_t *v = series_sorted(s, &sum);
	if (!v)
		return -1;
	d->min = v[0];
	d->max = v[s->n - 1];
	d->p10 = pct(v, s->n, 10);
	d->p25 = pct(v, s->n, 25);
	d->median = pct(v, s->n, 50);
	d->p75 = pct(v, s->n, 75);
	d->p90 = pct(v, s->n, 90);
	d->mean = sum / (double)s->n;
	free(v);
	return 0;
}

static int cmp_label(const void *a, const void *b)
{
	const struct label *x = *(const struct label *const *)a,
			   *y = *(const struct label *const *)b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->name, y->name, n);
	return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* Labels by count (desc), then name. Caller frees. */
static const struct label **sorted_labels(const sprout_stats *st)
{
	const struct label **v = malloc((st->nlabels + 1) * sizeof *v);
	if (!v)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < st->nlabels; i++)
		v[k++] = &st->labels[i];
	qsort(v, k, sizeof *v, cmp_label);
	return v;
}

#define TRY(x)                                                                                     \
	do {                                                                                       \
		if ((x) != SPROUT_OK)                                                              \
			goto fail;                                                                 \
	} while (0)

sprout_code sprout_stats_text(const sprout_stats *st, sprout_buf *o)
{
	const struct label **labels = NULL;
	TRY(sprout_buf_addf(o, "records      %lu\n", st->records));
	TRY(sprout_buf_addf(o, "bad records  %lu\n", st->bad));
	for (size_t i = 0; i < st->ninputs; i++)
		TRY(sprout_buf_addf(o, "%s %s: %s (%s)\n", i ? "            " : "format      ",
				    st->inputs[i].file, st->inputs[i].format, st->inputs[i].why));
	if (st->dup_records)
		TRY(sprout_buf_addf(
		    o, "duplicates   %lu record%s repeat%s an earlier one exactly (%lu distinct)\n",
		    st->dup_records, st->dup_records == 1 ? "" : "s",
		    st->dup_records == 1 ? "s" : "", st->dup_groups));
	else
		TRY(sprout_buf_adds(o, "duplicates   none\n"));
	TRY(sprout_buf_adds(o, "empty slots  "));
	int any = 0;
	for (int i = 0; i < SPROUT_SLOT__COUNT; i++) {
		const struct slot_stats *ss = &st->slots[i];
		if (!ss->empty)
			continue;
		TRY(sprout_buf_addf(o, "%s%s %lu", any ? ", " : "",
				    sprout_slot_name((sprout_slot)i), ss->empty));
		any = 1;
	}
	TRY(sprout_buf_adds(o, any ? "\n" : "none\n"));

	TRY(sprout_buf_addf(o, "\n%-16s %8s %8s %8s\n", "slot", "present", "empty", "missing"));
	for (int i = 0; i < SPROUT_SLOT__COUNT; i++) {
		const struct slot_stats *ss = &st->slots[i];
		if (ss->present)
			TRY(sprout_buf_addf(o, "%-16s %8lu %8lu %8lu\n",
					    sprout_slot_name((sprout_slot)i), ss->present,
					    ss->empty, ss->missing));
	}
	TRY(sprout_buf_addf(o, "\n%-16s %8s %8s %8s %8s %8s\n", "length", "min", "median", "mean",
			    "p90", "max"));
	for (int i = 0; i < SPROUT_SLOT__COUNT; i++) {
		const struct slot_stats *ss = &st->slots[i];
		if (!ss->present)
			continue;
		for (int k = 0; k < 2; k++) {
			struct dist d;
			if (summarize(k ? &ss->words : &ss->chars, &d))
				goto fail;
			char name[32];
			snprintf(name, sizeof name, "%s %s", sprout_slot_name((sprout_slot)i),
				 k ? "words" : "chars");
			TRY(sprout_buf_addf(o, "%-16s %8u %8u %8.1f %8u %8u\n", name, d.min,
					    d.median, d.mean, d.p90, d.max));
		}
	}
	if (st->nlabels) {
		labels = sorted_labels(st);
		if (!labels)
			goto fail;
		size_t width = 5;
		for (size_t i = 0; i < st->nlabels; i++)
			if (labels[i]->len > width)
				width = labels[i]->len > 40 ? 40 : labels[i]->len;
		TRY(sprout_buf_addf(o, "\nlabels (%zu distinct)\n", st->nlabels));
		const size_t shown = 30;
		unsigned long total = st->slots[SPROUT_SLOT_LABEL].present;
		for (size_t i = 0; i < st->nlabels && i < shown; i++)
			TRY(sprout_buf_addf(o, "  %-*s %6lu  %5.1f%%\n", (int)width,
					    labels[i]->name, labels[i]->count,
					    100.0 * (double)labels[i]->count / (double)total));
		if (st->nlabels > shown)
			TRY(sprout_buf_addf(o, "  ... and %zu more (all in --json)\n",
					    st->nlabels - shown));
	}
	free(labels);
	return SPROUT_OK;
fail:
	free(labels);
	return SPROUT_ERR_NOMEM;
}

static void add_dist(sprout_jw *w, const char *name, const struct series *s)
{
	struct dist d;
	if (summarize(s, &d)) {
		sprout_jw_fail(w, SPROUT_ERR_NOMEM);
		return;
	}
	sprout_jw_kobject(w, name);
	sprout_jw_kuint(w, "min", d.min);
	sprout_jw_kuint(w, "p10", d.p10);
	sprout_jw_kuint(w, "p25", d.p25);
	sprout_jw_kuint(w, "median", d.median);
	sprout_jw_kuint(w, "p75", d.p75);
	sprout_jw_kuint(w, "p90", d.p90);
	sprout_jw_kuint(w, "max", d.max);
	sprout_jw_kfixed(w, "mean", d.mean, 3);
	sprout_jw_end(w);
}

sprout_code sprout_stats_json(const sprout_stats *st, sprout_buf *o)
{
	sprout_jw w;
	sprout_jw_init(&w, o);
	sprout_jw_object(&w);
	sprout_jw_kuint(&w, "records", st->records);
	sprout_jw_kuint(&w, "bad_records", st->bad);
	sprout_jw_kobject(&w, "bad_by_error");
	for (int c = 0; c < SPROUT_CODE__COUNT; c++)
		if (st->bad_by_code[c])
			sprout_jw_kuint(&w, sprout_code_name((sprout_code)c), st->bad_by_code[c]);
	sprout_jw_end(&w);
	sprout_jw_karray(&w, "inputs");
	for (size_t i = 0; i < st->ninputs; i++) {
		sprout_jw_object(&w);
		sprout_jw_kstring(&w, "file", st->inputs[i].file);
		sprout_jw_kstring(&w, "format", st->inputs[i].format);
		sprout_jw_kstring(&w, "detected_from", st->inputs[i].why);
		sprout_jw_end(&w);
	}
	sprout_jw_end(&w);
	sprout_jw_kobject(&w, "duplicates");
	sprout_jw_kuint(&w, "records", st->dup_records);
	sprout_jw_kuint(&w, "groups", st->dup_groups);
	sprout_jw_end(&w);
	sprout_jw_kobject(&w, "slots");
	for (int i = 0; i < SPROUT_SLOT__COUNT; i++) {
		const struct slot_stats *ss = &st->slots[i];
		if (!ss->present)
			continue;
		sprout_jw_kobject(&w, sprout_slot_name((sprout_slot)i));
		sprout_jw_kuint(&w, "present", ss->present);
		sprout_jw_kuint(&w, "empty", ss->empty);
		sprout_jw_kuint(&w, "missing", ss->missing);
		add_dist(&w, "chars", &ss->chars);
		add_dist(&w, "words", &ss->words);
		sprout_jw_end(&w);
	}
	sprout_jw_end(&w);
	sprout_jw_kobject(&w, "labels");
	const struct label **labels = st->nlabels ? sorted_labels(st) : NULL;
	if (st->nlabels && !labels)
		return SPROUT_ERR_NOMEM;
	for (size_t i = 0; i < st->nlabels; i++) {
		sprout_jw_keyn(&w, labels[i]->name, labels[i]->len);
		sprout_jw_uint(&w, labels[i]->count);
	}
	free(labels);
	sprout_jw_end(&w);
	sprout_jw_end(&w);
	sprout_code rc = sprout_jw_finish(&w);
	return rc ? rc : sprout_buf_addc(o, '\n');
}
