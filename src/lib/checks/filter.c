/* The filter checks. See sprout/filter.h. */
#include "sprout/filter.h"
#include "sprout/text.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "checks/keysort.h"
#include "sprout/dedup.h"
#include "sprout/embed.h"
#include "sprout/meaning.h"
#include "sprout/meta.h"
#include "sprout/pii.h"

extern char **environ;

static const char *const check_names[SPROUT_CHECK__COUNT] = {
    "pii",	 "words",     "require",	"forbid",    "parent",
    "json",	 "label",     "length_ratio",	"new_words", "similarity",
    "validator", "duplicate", "near_duplicate", "novelty",
};

const char *sprout_check_name(sprout_check c)
{
	return (unsigned)c < SPROUT_CHECK__COUNT ? check_names[c] : "unknown";
}

void sprout_filter_options_init(sprout_filter_options *o)
{
	memset(o, 0, sizeof *o);
	o->slots[SPROUT_SLOT_PROMPT] = 1;
	o->similarity = 1;
	o->engine = SPROUT_SIM_MEANING;
	o->band_lo = o->band_hi = -1; /* the engine's */
	o->ratio_lo = 0.5;
	o->ratio_hi = 2.0;
	o->new_words_min = o->new_words_max = -1;
	o->min_words = o->max_words = -1;
	o->json_slot = -1;
	o->label = 1;
	o->validator_timeout = 10;
	o->dedup = 2;
	o->near_threshold = 0.85;
	o->novelty_threshold = 0.7;
	o->pii = SPROUT_PII_REJECT;
}

/* what a parent offers the checks: the texts of the checked slots and the
 * label */
struct ptexts {
	const char *text[SPROUT_SLOT__COUNT];
	size_t len[SPROUT_SLOT__COUNT];
	int present[SPROUT_SLOT__COUNT];
};

/* a known record, by id; its texts only once they are known to be needed
 * (sprout_filter_know_ref) */
struct parent {
	const char *id;
	uint64_t h;
	uint32_t idlen;
	int has_ref;
	size_t ref;
	struct ptexts *t;
};

struct sprout_filter {
	sprout_filter_options o;
	sprout_wordnet *wn;
	sprout_sim *sim;
	sprout_embed *embed;
	pcre2_code *require[SPROUT_FILTER_MAX_PATTERNS];
	pcre2_code *forbid[SPROUT_FILTER_MAX_PATTERNS];
	pcre2_match_data *md;
	sprout_arena *mem;
	struct parent **parents; /* hash table by id */
	size_t pcap, pn;
	uint64_t *named; /* hash set of the ids records name as their parent (0: empty) */
	size_t ncap, nn;
	uint64_t *exact; /* hash set of normalised content (two words each) */
	size_t ecap, en;
	sprout_neardup *near;
	sprout_novelty *pool;
	sprout_buf scratch, checked; /* content(); the checked record's, kept aside */
	size_t nexisting;	     /* records of an existing dataset (--against) */
};

static sprout_code nomem(sprout_error *err)
{
	return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
}

static pcre2_code *compile(const char *pattern, sprout_error *err, const char *what)
{
	int code;
	PCRE2_SIZE off;
	pcre2_code *re =
	    pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &code, &off, NULL);
	if (!re) {
		PCRE2_UCHAR msg[200];
		pcre2_get_error_message(code, msg, sizeof msg);
		sprout_error_set(err, SPROUT_ERR_USAGE, "%s pattern '%s': %s at offset %zu", what,
				 pattern, (const char *)msg, (size_t)off);
	}
	return re;
}

sprout_filter *sprout_filter_new(const sprout_filter_options *o, sprout_error *err)
{
	sprout_filter *f = calloc(1, sizeof *f);
	if (!f) {
		nomem(err);
		return NULL;
	}
	f->o = *o;
	if (f->o.band_lo < 0)
		f->o.band_lo = o->engine == SPROUT_SIM_MEANING ? sprout_meaning_threshold() : 0.70;
	if (f->o.band_hi < 0)
		f->o.band_hi = 0.98;
	sprout_buf_init(&f->scratch, (size_t)1 << 30);
	sprout_buf_init(&f->checked, (size_t)1 << 30);
	f->mem = sprout_arena_new(0);
	f->pcap = 1024;
	f->parents = calloc(f->pcap, sizeof *f->parents);
	f->md = pcre2_match_data_create(8, NULL);
	if (!f->mem || !f->parents || !f->md)
		goto oom;
	for (size_t i = 0; i < o->nrequire; i++)
		if (!(f->require[i] = compile(o->require[i], err, "--require")))
			goto fail;
	for (size_t i = 0; i < o->nforbid; i++)
		if (!(f->forbid[i] = compile(o->forbid[i], err, "--forbid")))
			goto fail;
	if (o->similarity && (o->engine == SPROUT_SIM_WORDNET || o->engine == SPROUT_SIM_MEANING)) {
		f->wn = sprout_wordnet_open(o->wordnet_dir, err);
		if (!f->wn) {
			char msg[SPROUT_ERROR_MSG_MAX];
			snprintf(msg, sizeof msg, "similarity: %.480s", err ? err->msg : "");
			if (err)
				memcpy(err->msg, msg, sizeof msg);
			goto fail;
		}
	}
	if (o->similarity && o->engine == SPROUT_SIM_EMBED) {
		sprout_embed_options eo = {
		    o->embed_url, o->embed_model, NULL, o->embed_cache, 0, 0, 0};
		if (!(f->embed = sprout_embed_new(&eo, err)))
			goto fail;
	} else if (o->similarity && !(f->sim = sprout_sim_new(o->engine, f->wn, err))) {
		goto fail;
	}
	if (o->dedup) {
		f->ecap = 1024;
		if (!(f->exact = calloc(f->ecap * 2, sizeof *f->exact)))
			goto oom;
	}
	if (o->dedup > 1 && !(f->near = sprout_neardup_new(o->near_threshold)))
		goto oom;
	if (o->novelty && !(f->pool = sprout_novelty_new(o->novelty_threshold)))
		goto oom;
	return f;
oom:
	nomem(err);
fail:
	sprout_filter_free(f);
	return NULL;
}

void sprout_filter_free(sprout_filter *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < SPROUT_FILTER_MAX_PATTERNS; i++) {
		pcre2_code_free(f->require[i]);
		pcre2_code_free(f->forbid[i]);
	}
	pcre2_match_data_free(f->md);
	sprout_sim_free(f->sim);
	sprout_embed_free(f->embed);
	sprout_wordnet_close(f->wn);
	sprout_neardup_free(f->near);
	sprout_novelty_free(f->pool);
	free(f->parents);
	free(f->named);
	free(f->exact);
	sprout_arena_free(f->mem);
	sprout_buf_release(&f->scratch);
	sprout_buf_release(&f->checked);
	free(f);
}

/* The checked slots of r joined by a newline, in f->scratch. */
static const char *content(sprout_filter *f, const sprout_record *r, size_t *len)
{
	sprout_buf_clear(&f->scratch);
	int any = 0;
	for (int s = 0; s < SPROUT_SLOT__COUNT; s++) {
		sprout_text t;
		if (!f->o.slots[s] || !sprout_record_get(r, (sprout_slot)s, &t))
			continue;
		if ((any && sprout_buf_addc(&f->scratch, '\n')) ||
		    sprout_buf_add(&f->scratch, t.s, t.len))
			return NULL;
		any = 1;
	}
	*len = f->scratch.len;
	return f->scratch.data ? f->scratch.data : "";
}

static struct parent **parent_slot(sprout_filter *f, const char *id, size_t n, uint64_t h)
{
	size_t i = (size_t)h & (f->pcap - 1);
	while (f->parents[i] && !(f->parents[i]->h == h && f->parents[i]->idlen == n &&
				  memcmp(f->parents[i]->id, id, n) == 0))
		i = (i + 1) & (f->pcap - 1);
	return &f->parents[i];
}

/* The parent r names (its _sprout.parent), when known; *named gets the
 * name, or NULL when r names none. */
static const struct parent *find_parent(sprout_filter *f, const sprout_record *r,
					const sprout_json **named)
{
	sprout_json *p = sprout_json_get(sprout_meta_get(r), "parent");
	*named = NULL;
	if (!p || p->type != SPROUT_JSON_STRING || !p->len)
		return NULL;
	*named = p;
	return *parent_slot(f, p->u.s, p->len, XXH3_64bits(p->u.s, p->len));
}

/* The texts of r the checks against a parent use. */
static struct ptexts *texts_of(sprout_filter *f, const sprout_record *r)
{
	struct ptexts *t = sprout_arena_alloc(f->mem, sizeof *t);
	if (!t)
		return NULL;
	memset(t, 0, sizeof *t);
	for (int s = 0; s < SPROUT_SLOT__COUNT; s++) {
		sprout_text x;
		if (!(f->o.slots[s] || (s == SPROUT_SLOT_LABEL && f->o.label)) ||
		    !sprout_record_get(r, (sprout_slot)s, &x))
			continue;
		t->present[s] = 1;
		t->text[s] = sprout_arena_strndup(f->mem, x.s, x.len);
		t->len[s] = x.len;
		if (!t->text[s])
			return NULL;
	}
	return t;
}

/* Remember that some record names id as its parent. */
static int name_parent(sprout_filter *f, const sprout_record *r)
{
	const sprout_json *p = sprout_json_get(sprout_meta_get(r), "parent");
	if (!p || p->type != SPROUT_JSON_STRING || !p->len)
		return 0;
	if ((f->nn + 1) * 2 > f->ncap) {
		size_t cap = f->ncap ? f->ncap * 2 : 1024;
		uint64_t *v = calloc(cap, sizeof *v);
		if (!v)
			return -1;
		for (size_t i = 0; i < f->ncap; i++) {
			if (!f->named[i])
				continue;
			size_t j = (size_t)f->named[i] & (cap - 1);
			while (v[j])
				j = (j + 1) & (cap - 1);
			v[j] = f->named[i];
		}
		free(f->named);
		f->named = v;
		f->ncap = cap;
	}
	uint64_t h = XXH3_64bits(p->u.s, p->len);
	h += !h;
	size_t j = (size_t)h & (f->ncap - 1);
	while (f->named[j] && f->named[j] != h)
		j = (j + 1) & (f->ncap - 1);
	if (!f->named[j]) {
		f->named[j] = h;
		f->nn++;
	}
	return 0;
}

static int is_named(const sprout_filter *f, uint64_t h)
{
	if (!f->ncap)
		return 0;
	h += !h;
	size_t j = (size_t)h & (f->ncap - 1);
	while (f->named[j] && f->named[j] != h)
		j = (j + 1) & (f->ncap - 1);
	return f->named[j] == h;
}

/* What know and know_ref share: IDF, novelty counts, the parent entry (new
 * when r's id is new; else NULL in *added). */
static sprout_code know(sprout_filter *f, const sprout_record *r, struct parent **added,
			sprout_error *err)
{
	*added = NULL;
	if (f->o.part == SPROUT_FILTER_ACROSS) { /* no parent, no IDF: novelty's counts */
		size_t n;
		const char *c = f->pool ? content(f, r, &n) : "";
		return !c || (f->pool && sprout_novelty_count(f->pool, c, n)) ? nomem(err)
									      : SPROUT_OK;
	}
	for (int s = 0; s < SPROUT_SLOT__COUNT; s++) {
		sprout_text t;
		if (f->o.slots[s] && f->sim && sprout_record_get(r, (sprout_slot)s, &t) &&
		    sprout_sim_observe(f->sim, t.s, t.len))
			return nomem(err);
	}
	size_t n;
	const char *c = content(f, r, &n);
	if (!c || (f->pool && sprout_novelty_count(f->pool, c, n)))
		return nomem(err);
	const char *id = sprout_meta_id(r);
	if (!id)
		return SPROUT_OK;
	size_t idlen = strlen(id);
	uint64_t h = XXH3_64bits(id, idlen);
	if (*parent_slot(f, id, idlen, h))
		return SPROUT_OK; /* the first record with an id stands for it */
	if (idlen > UINT32_MAX)
		return sprout_error_set(err, SPROUT_ERR_RECORD, "an id of %zu bytes", idlen);
	if ((f->pn + 1) * 2 > f->pcap) {
		size_t cap = f->pcap * 2;
		struct parent **v = calloc(cap, sizeof *v);
		if (!v)
			return nomem(err);
		for (size_t i = 0; i < f->pcap; i++) {
			if (!f->parents[i])
				continue;
			size_t j = (size_t)f->parents[i]->h & (cap - 1);
			while (v[j])
				j = (j + 1) & (cap - 1);
			v[j] = f->parents[i];
		}
		free(f->parents);
		f->parents = v;
		f->pcap = cap;
	}
	struct parent *p = sprout_arena_alloc(f->mem, sizeof *p);
	if (!p)
		return nomem(err);
	memset(p, 0, sizeof *p);
	p->id = sprout_arena_strndup(f->mem, id, idlen);
	p->idlen = (uint32_t)idlen;
	p->h = h;
	if (!p->id)
		return nomem(err);
	*parent_slot(f, id, idlen, h) = p;
	f->pn++;
	*added = p;
	return SPROUT_OK;
}

sprout_code sprout_filter_know(sprout_filter *f, const sprout_record *r, sprout_error *err)
{
	struct parent *p;
	sprout_code rc = know(f, r, &p, err);
	if (!rc && p && !(p->t = texts_of(f, r)))
		rc = nomem(err);
	return rc;
}

sprout_code sprout_filter_know_ref(sprout_filter *f, const sprout_record *r, size_t ref,
				   sprout_error *err)
{
	struct parent *p;
	sprout_code rc = know(f, r, &p, err);
	if (rc)
		return rc;
	if (p) {
		p->has_ref = 1;
		p->ref = ref;
	}
	return name_parent(f, r) ? nomem(err) : SPROUT_OK;
}

static int by_ref(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return x < y ? -1 : x > y;
}

sprout_code sprout_filter_wanted(sprout_filter *f, size_t **refs, size_t *n, sprout_error *err)
{
	size_t k = 0;
	*refs = NULL;
	*n = 0;
	for (size_t i = 0; i < f->pcap; i++)
		k += f->parents[i] && f->parents[i]->has_ref && !f->parents[i]->t &&
		     is_named(f, f->parents[i]->h);
	size_t *v = malloc((k + 1) * sizeof *v);
	if (!v)
		return nomem(err);
	k = 0;
	for (size_t i = 0; i < f->pcap; i++)
		if (f->parents[i] && f->parents[i]->has_ref && !f->parents[i]->t &&
		    is_named(f, f->parents[i]->h))
			v[k++] = f->parents[i]->ref;
	qsort(v, k, sizeof *v, by_ref);
	*refs = v;
	*n = k;
	return SPROUT_OK;
}

sprout_code sprout_filter_know_texts(sprout_filter *f, const sprout_record *r, sprout_error *err)
{
	const char *id = sprout_meta_id(r);
	if (!id)
		return SPROUT_OK;
	size_t idlen = strlen(id);
	struct parent *p = *parent_slot(f, id, idlen, XXH3_64bits(id, idlen));
	if (p && !p->t && !(p->t = texts_of(f, r)))
		return nomem(err);
	return SPROUT_OK;
}

int sprout_filter_parent_texts(sprout_filter *f, const sprout_record *r,
			       sprout_text out[SPROUT_SLOT__COUNT])
{
	memset(out, 0, SPROUT_SLOT__COUNT * sizeof *out);
	const sprout_json *named;
	const struct parent *p = find_parent(f, r, &named);
	if (!p || !p->t)
		return 0;
	for (int s = 0; s < SPROUT_SLOT__COUNT; s++)
		if (p->t->present[s])
			out[s] = (sprout_text){p->t->text[s], p->t->len[s]};
	return 1;
}

sprout_code sprout_filter_prepare(sprout_filter *f, sprout_error *err)
{
	if (!f->embed)
		return SPROUT_OK;
	/* every known record is in the parent table: embed their checked slots */
	size_t n = 0;
	for (size_t i = 0; i < f->pcap; i++)
		for (int s = 0; f->parents[i] && f->parents[i]->t && s < SPROUT_SLOT__COUNT; s++)
			n += f->o.slots[s] && f->parents[i]->t->present[s];
	const char **texts = malloc((n + 1) * sizeof *texts);
	size_t *lens = malloc((n + 1) * sizeof *lens), k = 0;
	if (!texts || !lens) {
		free(texts);
		free(lens);
		return nomem(err);
	}
	for (size_t i = 0; i < f->pcap; i++)
		for (int s = 0; f->parents[i] && f->parents[i]->t && s < SPROUT_SLOT__COUNT; s++)
			if (f->o.slots[s] && f->parents[i]->t->present[s]) {
				texts[k] = f->parents[i]->t->text[s];
				lens[k++] = f->parents[i]->t->len[s];
			}
	sprout_code rc = sprout_embed_prepare(f->embed, texts, lens, k, err);
	free(texts);
	free(lens);
	return rc;
}

void sprout_filter_embed_counts(const sprout_filter *f, unsigned long *requests,
				unsigned long *cached)
{
	*requests = *cached = 0;
	if (f->embed)
		sprout_embed_counts(f->embed, requests, cached);
}

/* ---- exact duplicates ---------------------------------------------------- */

/* Add (add = 1) or look up a 128-bit hash; returns 1 when it was there. */
static int exact_seen(sprout_filter *f, const uint64_t h[2], int add)
{
	if (add && (f->en + 1) * 2 > f->ecap) {
		size_t cap = f->ecap * 2;
		uint64_t *v = calloc(cap * 2, sizeof *v);
		if (!v)
			return -1;
		for (size_t i = 0; i < f->ecap; i++) {
			if (!f->exact[2 * i] && !f->exact[2 * i + 1])
				continue;
			size_t j = (size_t)f->exact[2 * i] & (cap - 1);
			while (v[2 * j] || v[2 * j + 1])
				j = (j + 1) & (cap - 1);
			v[2 * j] = f->exact[2 * i];
			v[2 * j + 1] = f->exact[2 * i + 1];
		}
		free(f->exact);
		f->exact = v;
		f->ecap = cap;
	}
	size_t i = (size_t)h[0] & (f->ecap - 1);
	while (f->exact[2 * i] || f->exact[2 * i + 1]) {
		if (f->exact[2 * i] == h[0] && f->exact[2 * i + 1] == h[1])
			return 1;
		i = (i + 1) & (f->ecap - 1);
	}
	if (add) {
		f->exact[2 * i] = h[0] ? h[0] : 1;
		f->exact[2 * i + 1] = h[1];
		f->en++;
	}
	return 0;
}

static int content_hash(sprout_filter *f, const char *c, size_t n, uint64_t h[2])
{
	sprout_buf norm = SPROUT_BUF_INIT((size_t)1 << 30);
	if (sprout_normalize(c, n, &norm)) {
		sprout_buf_release(&norm);
		return -1;
	}
	XXH128_hash_t x = XXH3_128bits(norm.data ? norm.data : "", norm.len);
	sprout_buf_release(&norm);
	(void)f;
	h[0] = x.high64 ? x.high64 : 1;
	h[1] = x.low64;
	return 0;
}

sprout_code sprout_filter_existing(sprout_filter *f, const sprout_record *r, sprout_error *err)
{
	if (!f->o.dedup)
		return SPROUT_OK;
	size_t n;
	const char *c = content(f, r, &n);
	uint64_t h[2];
	if (!c || content_hash(f, c, n, h) || exact_seen(f, h, 1) < 0)
		return nomem(err);
	f->nexisting++;
	size_t which;
	double j;
	if (f->near && sprout_neardup_check(f->near, c, n, 1, &which, &j) < 0)
		return nomem(err);
	return SPROUT_OK;
}

sprout_code sprout_filter_pool(sprout_filter *f, const char *s, size_t n, sprout_error *err)
{
	if (!f->pool)
		return SPROUT_OK;
	return sprout_novelty_add(f->pool, s, n) ? nomem(err) : SPROUT_OK;
}

/* ---- the checks -------------------------------------------------------- */

/* Words of b (lowercase runs of letters and digits) not found in a. */
static long new_words(const char *a, size_t na, const char *b, size_t nb)
{
	long count = 0;
	size_t i = 0;
	while (i < nb) {
		while (
		    i < nb &&
		    !(((unsigned char)b[i] | 0x20) >= 'a' && ((unsigned char)b[i] | 0x20) <= 'z') &&
		    !(b[i] >= '0' && b[i] <= '9') && (unsigned char)b[i] < 0x80)
			i++;
		size_t start = i;
		while (
		    i < nb &&
		    ((((unsigned char)b[i] | 0x20) >= 'a' && ((unsigned char)b[i] | 0x20) <= 'z') ||
		     (b[i] >= '0' && b[i] <= '9') || (unsigned char)b[i] >= 0x80 || b[i] == '\''))
			i++;
		size_t len = i - start;
		if (!len)
			continue;
		/* look for the word in a, case-insensitively, on word boundaries */
		int found = 0;
		for (size_t j = 0; j + len <= na && !found; j++) {
			if (j > 0 && ((((unsigned char)a[j - 1] | 0x20) >= 'a' &&
				       ((unsigned char)a[j - 1] | 0x20) <= 'z') ||
				      (a[j - 1] >= '0' && a[j - 1] <= '9')))
				continue;
			size_t k = 0;
			while (k < len && (a[j + k] | 0x20) == (b[start + k] | 0x20))
				k++;
			if (k == len &&
			    (j + len == na || !((((unsigned char)a[j + len] | 0x20) >= 'a' &&
						 ((unsigned char)a[j + len] | 0x20) <= 'z') ||
						(a[j + len] >= '0' && a[j + len] <= '9'))))
				found = 1;
		}
		count += !found;
	}
	return count;
}

static int matches(sprout_filter *f, pcre2_code *re, const char *s, size_t n)
{
	return pcre2_match(re, (PCRE2_SPTR)s, n, 0, 0, f->md, NULL) >= 0;
}

/* Run the validator with the record on stdin; its exit code in *code
 * (-1 when it timed out). */
static sprout_code run_validator(sprout_filter *f, const sprout_record *r, const char *text,
				 int *code, sprout_error *err)
{
	sprout_buf json = SPROUT_BUF_INIT((size_t)1 << 30);
	if (sprout_json_write(&json, r->obj) || sprout_buf_addc(&json, '\n')) {
		sprout_buf_release(&json);
		return nomem(err);
	}
	char path[] = "/tmp/sprout-validate-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0) {
		sprout_buf_release(&json);
		return sprout_error_set(err, SPROUT_ERR_IO,
					"validator: cannot make a temporary file: %s",
					strerror(errno));
	}
	unlink(path);
	ssize_t w = write(fd, json.data, json.len);
	sprout_buf_release(&json);
	if (w < 0 || lseek(fd, 0, SEEK_SET) < 0) {
		close(fd);
		return sprout_error_set(err, SPROUT_ERR_IO, "validator: %s", strerror(errno));
	}
	/* SPROUT_TEXT holds the checked text */
	size_t nenv = 0;
	while (environ[nenv])
		nenv++;
	char **env = calloc(nenv + 2, sizeof *env);
	size_t tl = strlen(text);
	char *var = malloc(tl + 13);
	if (!env || !var) {
		free(env);
		free(var);
		close(fd);
		return nomem(err);
	}
	memcpy(var, "SPROUT_TEXT=", 12);
	memcpy(var + 12, text, tl + 1);
	size_t k = 0;
	for (size_t i = 0; i < nenv; i++)
		if (strncmp(environ[i], "SPROUT_TEXT=", 12) != 0)
			env[k++] = environ[i];
	env[k++] = var;
	env[k] = NULL;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawnattr_t attr;
	posix_spawnattr_init(&attr);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
	posix_spawnattr_setpgroup(&attr, 0);
	char *argv[] = {"sh", "-c", (char *)f->o.validator, NULL};
	pid_t pid;
	int rc = posix_spawn(&pid, "/bin/sh", &fa, &attr, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(fd);
	free(env);
	free(var);
	if (rc)
		return sprout_error_set(err, SPROUT_ERR_IO, "validator: cannot run sh: %s",
					strerror(rc));
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	int status;
	for (;;) {
		pid_t got = waitpid(pid, &status, WNOHANG);
		if (got == pid)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		double elapsed = (double)(now.tv_sec - start.tv_sec) +
				 (double)(now.tv_nsec - start.tv_nsec) / 1e9;
		if (elapsed > f->o.validator_timeout) {
			kill(-pid, SIGKILL);
			waitpid(pid, &status, 0);
			*code = -1;
			return SPROUT_OK;
		}
		struct timespec nap = {0, 2000000};
		nanosleep(&nap, NULL);
	}
	*code = WIFEXITED(status) ? WEXITSTATUS(status)
				  : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	return SPROUT_OK;
}

static sprout_code score(sprout_record *r, const char *name, double v, sprout_error *err)
{
	return sprout_meta_set_score(r, name, v, err);
}

#define REJECT(chk, sc, ...)                                                                       \
	do {                                                                                       \
		v->keep = 0;                                                                       \
		v->check = (chk);                                                                  \
		v->score = (sc);                                                                   \
		v->has_score = 1;                                                                  \
		snprintf(v->reason, sizeof v->reason, __VA_ARGS__);                                \
		return SPROUT_OK;                                                                  \
	} while (0)

static sprout_code check_pii(sprout_filter *f, sprout_record *r, sprout_verdict *v,
			     sprout_error *err)
{
	size_t total = 0;
	char kinds[128] = "";
	for (int s = 0; s < SPROUT_SLOT__COUNT; s++) {
		sprout_text t;
		if (s == SPROUT_SLOT_LABEL || !sprout_record_get(r, (sprout_slot)s, &t))
			continue;
		sprout_pii_span stack[64], *spans = stack;
		size_t n = sprout_pii_find(t.s, t.len, spans, 64);
		if (!n)
			continue;
		if (n > 64) { /* more than fit: every one, so that every one is redacted */
			if (!(spans = malloc(n * sizeof *spans)))
				return nomem(err);
			n = sprout_pii_find(t.s, t.len, spans, n);
		}
		total += n;
		for (size_t i = 0; i < n; i++)
			if (!strstr(kinds, sprout_pii_name(spans[i].kind)) && strlen(kinds) < 100) {
				strcat(kinds, kinds[0] ? ", " : "");
				strcat(kinds, sprout_pii_name(spans[i].kind));
			}
		sprout_code rc = SPROUT_OK;
		if (f->o.pii == SPROUT_PII_REDACT) {
			sprout_buf b = SPROUT_BUF_INIT((size_t)1 << 30);
			if (sprout_pii_redact(t.s, t.len, spans, n, &b) ||
			    sprout_record_set(r, (sprout_slot)s, b.data ? b.data : "", b.len, err))
				rc = SPROUT_ERR_NOMEM;
			sprout_buf_release(&b);
		}
		if (spans != stack)
			free(spans);
		if (rc)
			return nomem(err);
	}
	if (score(r, "pii", (double)total, err))
		return nomem(err);
	if (total && f->o.pii == SPROUT_PII_REJECT)
		REJECT(SPROUT_CHECK_PII, (double)total, "personal data: %zu item%s (%s)", total,
		       total == 1 ? "" : "s", kinds);
	return SPROUT_OK;
}

static sprout_code check_across(sprout_filter *f, sprout_record *r, sprout_verdict *v,
				sprout_error *err);

sprout_code sprout_filter_record(sprout_filter *f, sprout_record *r, sprout_verdict *v,
				 sprout_error *err)
{
	memset(v, 0, sizeof *v);
	v->keep = 1;
	if (f->o.part == SPROUT_FILTER_ACROSS)
		return check_across(f, r, v, err);
	sprout_code rc = check_pii(f, r, v, err);
	if (rc || !v->keep)
		return rc;
	const sprout_filter_options *o = &f->o;
	const sprout_json *named;
	const struct parent *p = find_parent(f, r, &named);
	const struct ptexts *pt = p ? p->t : NULL;
	int against_parent = o->similarity || o->ratio_lo > 0 || o->ratio_hi > 0 ||
			     o->new_words_min >= 0 || o->new_words_max >= 0 || o->label ||
			     o->need_parent;
	for (int s = 0; s < SPROUT_SLOT__COUNT; s++) {
		sprout_text t;
		if (!o->slots[s] || !sprout_record_get(r, (sprout_slot)s, &t))
			continue;
		const char *sn = sprout_slot_name((sprout_slot)s);
		size_t words = sprout_count_words(t.s, t.len);
		if (o->min_words >= 0 || o->max_words >= 0) {
			if (score(r, "words", (double)words, err))
				return nomem(err);
			if (o->min_words >= 0 && (long)words < o->min_words)
				REJECT(SPROUT_CHECK_WORDS, (double)words,
				       "%s has %zu words, fewer than %ld", sn, words, o->min_words);
			if (o->max_words >= 0 && (long)words > o->max_words)
				REJECT(SPROUT_CHECK_WORDS, (double)words,
				       "%s has %zu words, more than %ld", sn, words, o->max_words);
		}
		for (size_t i = 0; i < o->nrequire; i++)
			if (!matches(f, f->require[i], t.s, t.len))
				REJECT(SPROUT_CHECK_REQUIRE, 0,
				       "%s does not match the required pattern '%s'", sn,
				       o->require[i]);
		for (size_t i = 0; i < o->nforbid; i++)
			if (matches(f, f->forbid[i], t.s, t.len))
				REJECT(SPROUT_CHECK_FORBID, 1,
				       "%s matches the forbidden pattern '%s'", sn, o->forbid[i]);
		if (named && !p && against_parent)
			REJECT(
			    SPROUT_CHECK_PARENT, 0,
			    "parent '%.*s' is neither in the input nor in --parents: the variant "
			    "cannot be checked against it",
			    (int)(named->len > 80 ? 80 : named->len), named->u.s);
		if (!pt || !pt->present[s])
			continue;
		/* against the parent */
		double ratio = pt->len[s] ? (double)t.len / (double)pt->len[s] : 0;
		if (o->ratio_lo > 0 || o->ratio_hi > 0) {
			if (score(r, "length_ratio", ratio, err))
				return nomem(err);
			if ((o->ratio_lo > 0 && ratio < o->ratio_lo) ||
			    (o->ratio_hi > 0 && ratio > o->ratio_hi))
				REJECT(
				    SPROUT_CHECK_LENGTH, ratio,
				    "%s is %.2f times as long as the parent's, outside %.2f-%.2f",
				    sn, ratio, o->ratio_lo, o->ratio_hi);
		}
		if (o->new_words_min >= 0 || o->new_words_max >= 0) {
			long nw = new_words(pt->text[s], pt->len[s], t.s, t.len);
			if (score(r, "new_words", (double)nw, err))
				return nomem(err);
			if (o->new_words_min >= 0 && nw < o->new_words_min)
				REJECT(SPROUT_CHECK_NEW_WORDS, (double)nw,
				       "%s has %ld words not in the parent, fewer than %ld", sn, nw,
				       o->new_words_min);
			if (o->new_words_max >= 0 && nw > o->new_words_max)
				REJECT(SPROUT_CHECK_NEW_WORDS, (double)nw,
				       "%s has %ld words not in the parent, more than %ld", sn, nw,
				       o->new_words_max);
		}
		if (f->sim || f->embed) {
			double sim;
			if (f->embed) {
				sim = sprout_embed_similarity(f->embed, pt->text[s], pt->len[s],
							      t.s, t.len);
				if (sim < 0) { /* a text changed since (redacted): embed it now */
					const char *two[2] = {pt->text[s], t.s};
					size_t lens[2] = {pt->len[s], t.len};
					if ((rc =
						 sprout_embed_prepare(f->embed, two, lens, 2, err)))
						return rc;
					sim = sprout_embed_similarity(f->embed, pt->text[s],
								      pt->len[s], t.s, t.len);
				}
			} else {
				sim = sprout_sim_score(f->sim, pt->text[s], pt->len[s], t.s, t.len);
			}
			if (score(r, "similarity", sim, err))
				return nomem(err);
			if (sim < o->band_lo && o->engine == SPROUT_SIM_MEANING)
				REJECT(
				    SPROUT_CHECK_SIMILARITY, sim,
				    "%s meaning score %.3f against the parent is below %.2f: the "
				    "meaning may have changed or the text reads badly",
				    sn, sim, o->band_lo);
			if (sim < o->band_lo)
				REJECT(SPROUT_CHECK_SIMILARITY, sim,
				       "%s similarity %.3f to the parent is below %.2f: the "
				       "meaning may "
				       "have changed",
				       sn, sim, o->band_lo);
			if (sim > o->band_hi)
				REJECT(
				    SPROUT_CHECK_SIMILARITY, sim,
				    "%s similarity %.3f to the parent is above %.2f: a near copy",
				    sn, sim, o->band_hi);
		}
	}
	if (o->json_slot >= 0) {
		sprout_text t;
		const char *sn = sprout_slot_name((sprout_slot)o->json_slot);
		if (!sprout_record_get(r, (sprout_slot)o->json_slot, &t))
			REJECT(SPROUT_CHECK_JSON, 0, "%s is missing, so it is not valid JSON", sn);
		sprout_arena *a = sprout_arena_new(0);
		sprout_json *j;
		sprout_error jerr = SPROUT_ERROR_INIT;
		sprout_code jrc =
		    a ? sprout_json_parse(a, t.s, t.len, &j, &jerr) : SPROUT_ERR_NOMEM;
		sprout_arena_free(a);
		if (jrc == SPROUT_ERR_NOMEM)
			return nomem(err);
		if (jrc)
			REJECT(SPROUT_CHECK_JSON, 0, "%s is not valid JSON: %lu:%lu: %.180s", sn,
			       jerr.line, jerr.column, jerr.msg);
	}
	if (o->label && pt && pt->present[SPROUT_SLOT_LABEL]) {
		sprout_text t;
		int has = sprout_record_get(r, SPROUT_SLOT_LABEL, &t);
		if (!has || t.len != pt->len[SPROUT_SLOT_LABEL] ||
		    memcmp(t.s, pt->text[SPROUT_SLOT_LABEL], t.len) != 0)
			REJECT(SPROUT_CHECK_LABEL, 0, "label '%.*s' differs from the parent's '%s'",
			       (int)(has ? t.len : 0), has ? t.s : "", pt->text[SPROUT_SLOT_LABEL]);
	}
	if (o->validator) {
		size_t cn;
		const char *c = content(f, r, &cn);
		if (!c)
			return nomem(err);
		int code = 0;
		if ((rc = run_validator(f, r, c, &code, err)))
			return rc;
		if (score(r, "validator", (double)code, err))
			return nomem(err);
		if (code == -1)
			REJECT(SPROUT_CHECK_VALIDATOR, -1, "validator timed out after %g s",
			       o->validator_timeout);
		if (code)
			REJECT(SPROUT_CHECK_VALIDATOR, code, "validator exited with code %d", code);
	}
	return o->part == SPROUT_FILTER_EACH ? SPROUT_OK : check_across(f, r, v, err);
}

/* The verdict on a duplicate (check SPROUT_CHECK_DUPLICATE, score 1, or
 * SPROUT_CHECK_NEAR_DUP, score its Jaccard). */
static void reject_dup(sprout_verdict *v, sprout_check check, double score)
{
	v->keep = 0;
	v->check = check;
	v->score = score;
	v->has_score = 1;
	if (check == SPROUT_CHECK_DUPLICATE)
		snprintf(v->reason, sizeof v->reason,
			 "an exact duplicate (after normalisation) of an earlier record");
	else
		snprintf(v->reason, sizeof v->reason,
			 "a near duplicate (Jaccard %.3f of 5-character shingles) of an earlier "
			 "record",
			 score);
}

/* Is text c (n bytes, exact key h) a duplicate of what the exact set and
 * the near-duplicate index hold? When so, the verdict says it. */
static sprout_code indexed_dup(sprout_filter *f, const char *c, size_t n, const uint64_t h[2],
			       sprout_verdict *v, sprout_error *err)
{
	int seen = f->o.dedup ? exact_seen(f, h, 0) : 0;
	if (seen < 0)
		return nomem(err);
	if (seen) {
		reject_dup(v, SPROUT_CHECK_DUPLICATE, 1);
		return SPROUT_OK;
	}
	size_t which;
	double jac = 0;
	int dup = f->near ? sprout_neardup_check(f->near, c, n, 0, &which, &jac) : 0;
	if (dup < 0)
		return nomem(err);
	if (dup)
		reject_dup(v, SPROUT_CHECK_NEAR_DUP, jac);
	return SPROUT_OK;
}

/* The checks across records: duplicates of earlier kept ones, novelty. */
static sprout_code check_across(sprout_filter *f, sprout_record *r, sprout_verdict *v,
				sprout_error *err)
{
	const sprout_filter_options *o = &f->o;
	size_t cn;
	const char *c = content(f, r, &cn);
	if (!c)
		return nomem(err);
	uint64_t h[2];
	if (o->dedup && content_hash(f, c, cn, h))
		return nomem(err);
	sprout_code rc = indexed_dup(f, c, cn, h, v, err);
	if (rc || !v->keep)
		return rc;
	size_t which;
	if (f->pool) {
		double best;
		int isnew = sprout_novelty_check(f->pool, c, cn, &best, &which);
		if (isnew < 0)
			return nomem(err);
		if (score(r, "novelty_rouge_l", best, err))
			return nomem(err);
		if (!isnew)
			REJECT(SPROUT_CHECK_NOVELTY, best,
			       "ROUGE-L %.3f with a pool text is above %.2f: not new", best,
			       o->novelty_threshold);
	}
	/* kept: later records are compared with this one */
	if (o->dedup && exact_seen(f, h, 1) < 0)
		return nomem(err);
	if (f->near && sprout_neardup_add(f->near, c, cn) < 0)
		return nomem(err);
	if (f->pool && sprout_novelty_add(f->pool, c, cn))
		return nomem(err);
	return SPROUT_OK;
}

/* ---- the checks across records by sorted keys ------------------------------- */

sprout_code sprout_filter_keys(sprout_filter *f, const sprout_record *r, uint64_t exact[2],
			       uint64_t band[SPROUT_NEARDUP_BANDS], sprout_error *err)
{
	size_t n;
	const char *c = content(f, r, &n);
	if (!c || content_hash(f, c, n, exact) ||
	    (f->near && sprout_neardup_keys(f->near, c, n, band)))
		return nomem(err);
	return SPROUT_OK;
}

unsigned sprout_filter_key_bands(const sprout_filter *f)
{
	return f->near ? SPROUT_NEARDUP_BANDS : 0;
}

unsigned sprout_filter_key_slots(const sprout_filter *f)
{
	unsigned m = 0;
	for (int s = 0; s < SPROUT_SLOT__COUNT; s++)
		m |= (unsigned)(f->o.slots[s] != 0) << s;
	return m;
}

/* The verdict on record j, a leader (no earlier record has its text). */
static sprout_code leader_verdict(sprout_filter *f, const char *c, size_t n, const uint64_t h[2],
				  sprout_keysort *s, uint64_t j, sprout_keysort_cand *cand, int got,
				  sprout_filter_get_fn get, void *ctx, sprout_verdict *v,
				  sprout_error *err)
{
	/* the existing dataset's, in memory: exact, then near */
	sprout_code rc = f->nexisting ? indexed_dup(f, c, n, h, v, err) : SPROUT_OK;
	if (rc || !v->keep)
		return rc;
	double jac;
	/* the earlier kept records sharing a band key, each verified once */
	uint64_t seen_i[64];
	size_t nseen = 0;
	for (; got == 1; got = sprout_keysort_next(s, j, cand, err)) {
		if (!sprout_keysort_kept(s, cand->i))
			continue;
		int again = 0;
		for (size_t k = 0; k < nseen && !again; k++)
			again = seen_i[k] == cand->i;
		if (again)
			continue;
		if (nseen < sizeof seen_i / sizeof *seen_i)
			seen_i[nseen++] = cand->i;
		sprout_record other;
		if ((rc = get(ctx, cand->i, &other, err)))
			return rc;
		size_t on;
		const char *oc = content(f, &other, &on);
		if (!oc)
			return nomem(err);
		jac = sprout_jaccard(c, n, oc, on);
		if (jac >= f->o.near_threshold) {
			reject_dup(v, SPROUT_CHECK_NEAR_DUP, jac);
			return SPROUT_OK;
		}
	}
	return got < 0 ? err->code : SPROUT_OK;
}

sprout_code sprout_filter_across_sorted(sprout_filter *f, sprout_record *r, const uint64_t exact[2],
					sprout_keysort *s, uint64_t j, sprout_filter_get_fn get,
					void *ctx, sprout_verdict *v, sprout_error *err)
{
	memset(v, 0, sizeof *v);
	v->keep = 1;
	size_t n;
	const char *c = content(f, r, &n);
	uint64_t h[2];
	if (!c || content_hash(f, c, n, h))
		return nomem(err);
	if (h[0] != exact[0] || h[1] != exact[1])
		return sprout_error_set(err, SPROUT_ERR_RECORD,
					"record %llu of the input is not the one its keys were "
					"made from: the keys files are of other records",
					(unsigned long long)j + 1);
	/* content() is used again for the candidates: this one aside */
	sprout_buf_clear(&f->checked);
	if (sprout_buf_add(&f->checked, c, n))
		return nomem(err);
	c = f->checked.data ? f->checked.data : "";
	sprout_keysort_cand cand;
	int got = sprout_keysort_next(s, j, &cand, err);
	sprout_code rc = SPROUT_OK;
	if (got < 0)
		return err->code;
	if (got && cand.band == SPROUT_KEYSORT_EXACT) {
		/* a follower: its leader's fate (the same text, the same checks) */
		int check;
		double score;
		if (sprout_keysort_verdict(s, cand.i, &check, &score))
			reject_dup(v, (sprout_check)check, score);
		else
			reject_dup(v, SPROUT_CHECK_DUPLICATE, 1);
	} else if (f->o.dedup) {
		rc = leader_verdict(f, c, n, h, s, j, &cand, got, get, ctx, v, err);
	}
	if (rc)
		return rc;
	return sprout_keysort_decide(s, j, v->keep, (int)v->check, v->score, err);
}
