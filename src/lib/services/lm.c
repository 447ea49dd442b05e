/* The trigram model through libsphinxbase. See sprout/lm.h. */
#include "sprout/lm.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sphinxbase/err.h>
#include <sphinxbase/logmath.h>
#include <sphinxbase/ngram_model.h>

#include "sprout/dl.h"

/* libsphinxbase's functions, loaded on first use */
static struct {
	logmath_t *(*logmath_init)(float64, int, int);
	int (*logmath_free)(logmath_t *);
	ngram_model_t *(*read)(cmd_ln_t *, const char *, ngram_file_type_t, logmath_t *);
	int (*free)(ngram_model_t *);
	int32 (*wid)(ngram_model_t *, const char *);
	int32 (*ng_score)(ngram_model_t *, int32, int32 *, int32, int32 *);
	void (*set_logfp)(FILE *);
} sb;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static sprout_error load_failure = SPROUT_ERROR_INIT;

#define SYM(field, name)                                                                           \
	{                                                                                          \
		name, (void **)&sb.field                                                           \
	}

static void load(void)
{
	const sprout_dl_sym syms[] = {
	    SYM(logmath_init, "logmath_init"),
	    SYM(logmath_free, "logmath_free"),
	    SYM(read, "ngram_model_read"),
	    SYM(free, "ngram_model_free"),
	    SYM(wid, "ngram_wid"),
	    SYM(ng_score, "ngram_ng_score"),
	    SYM(set_logfp, "err_set_logfp"),
	};
	if (sprout_dl_load("libsphinxbase.so.3", "libsphinxbase3", syms, sizeof syms / sizeof *syms,
			   &load_failure))
		return;
	sb.set_logfp(NULL); /* the library never prints */
}

#define LOG_BASE 1.0001 /* sphinxbase's integer log scores are in this base */

struct sprout_lm {
	char *path;
	unsigned refs;
	logmath_t *lmath;
	ngram_model_t *model;
	pthread_spinlock_t lock; /* held for one lookup: a few hundred ns */
	unsigned long serial;	 /* this model among those opened, from 1 */
	double to_log10;	 /* one unit of the model's scores in log10 */
	int32 start, end;	 /* <s>, </s> */
	struct sprout_lm *next;
};

/* The models open in this process, one per path. */
static pthread_mutex_t open_lock = PTHREAD_MUTEX_INITIALIZER;
static sprout_lm *opened;
static unsigned long serials; /* under open_lock */

sprout_lm *sprout_lm_open(const char *path, sprout_error *err)
{
	if (!path || !*path)
		path = getenv("SPROUT_LM");
	if (!path || !*path)
		path = SPROUT_LM_PATH;
	pthread_once(&load_once, load);
	if (load_failure.code) {
		sprout_error_set(err, load_failure.code, "%s", load_failure.msg);
		return NULL;
	}
	pthread_mutex_lock(&open_lock);
	for (sprout_lm *m = opened; m; m = m->next) {
		if (strcmp(m->path, path) == 0) {
			m->refs++;
			pthread_mutex_unlock(&open_lock);
			return m;
		}
	}
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
		pthread_mutex_unlock(&open_lock);
		sprout_error_set(err, SPROUT_ERR_IO,
				 "no language model at %s; install the Debian package "
				 "pocketsphinx-en-us (or set SPROUT_LM)",
				 path);
		return NULL;
	}
	sprout_lm *lm = calloc(1, sizeof *lm);
	if (!lm || !(lm->path = strdup(path))) {
		free(lm);
		pthread_mutex_unlock(&open_lock);
		sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		return NULL;
	}
	lm->lmath = sb.logmath_init(LOG_BASE, 0, 0);
	lm->model = lm->lmath ? sb.read(NULL, path, NGRAM_AUTO, lm->lmath) : NULL;
	if (!lm->model) {
		if (lm->lmath)
			sb.logmath_free(lm->lmath);
		free(lm->path);
		free(lm);
		pthread_mutex_unlock(&open_lock);
		sprout_error_set(err, SPROUT_ERR_IO,
				 "%s is not a language model libsphinxbase can read (reinstall the "
				 "Debian package pocketsphinx-en-us)",
				 path);
		return NULL;
	}
	pthread_spin_init(&lm->lock, PTHREAD_PROCESS_PRIVATE);
	lm->to_log10 = log10(LOG_BASE);
	lm->start = sb.wid(lm->model, "<s>");
	lm->end = sb.wid(lm->model, "</s>");
	lm->refs = 1;
	lm->serial = ++serials;
	lm->next = opened;
	opened = lm;
	pthread_mutex_unlock(&open_lock);
	return lm;
}

/* Free a model no one holds (taken out of opened by the caller). */
static void free_model(sprout_lm *lm)
{
	sb.free(lm->model);
	sb.logmath_free(lm->lmath);
	pthread_spin_destroy(&lm->lock);
	free(lm->path);
	free(lm);
}

static unsigned holds; /* sprout_lm_hold less sprout_lm_release, under open_lock */

void sprout_lm_close(sprout_lm *lm)
{
	if (!lm)
		return;
	pthread_mutex_lock(&open_lock);
	if (--lm->refs || holds) { /* still used, or kept for the next open */
		pthread_mutex_unlock(&open_lock);
		return;
	}
	for (sprout_lm **p = &opened; *p; p = &(*p)->next) {
		if (*p == lm) {
			*p = lm->next;
			break;
		}
	}
	pthread_mutex_unlock(&open_lock);
	free_model(lm);
}

void sprout_lm_hold(void)
{
	pthread_mutex_lock(&open_lock);
	holds++;
	pthread_mutex_unlock(&open_lock);
}

void sprout_lm_release(void)
{
	sprout_lm *idle = NULL;
	pthread_mutex_lock(&open_lock);
	if (holds && !--holds)
		for (sprout_lm **p = &opened; *p;) {
			sprout_lm *m = *p;
			if (m->refs) {
				p = &m->next;
				continue;
			}
			*p = m->next; /* no one holds it: freed below, outside the lock */
			m->next = idle;
			idle = m;
		}
	pthread_mutex_unlock(&open_lock);
	while (idle) {
		sprout_lm *next = idle->next;
		free_model(idle);
		idle = next;
	}
}

int32_t sprout_lm_word(const sprout_lm *lm, const char *w, size_t n)
{
	char buf[128];
	if (n == 0 || n >= sizeof buf)
		return -1;
	memcpy(buf, w, n);
	buf[n] = '\0';
	/* ngram_wid reads a hash table the model never changes after reading */
	int32 id = sb.wid(lm->model, buf);
	return id < 0 || id == lm->start || id == lm->end ? -1 : id;
}

/* One word's score after up to two words of history (most recent first). */
static double word_score(sprout_lm *lm, int32 w, int32 *hist, int32 nhist)
{
	int32 used;
	return (double)sb.ng_score(lm->model, w, hist, nhist, &used) * lm->to_log10;
}

/* Each thread's memo of the model's answers: libsphinxbase keeps a cache
 * inside the model, so every lookup takes the lock, and the sentences
 * scored (a parent and its candidate variants, say) share most of their
 * n-grams. Direct-mapped, keyed by the model's serial number (a model
 * opened later at the same address is another model). */
#define MEMO 65536
struct memo {
	unsigned long serial; /* 0: empty */
	int32 w, h0, h1, nhist;
	double score;
};

static pthread_key_t memo_key;
static pthread_once_t memo_once = PTHREAD_ONCE_INIT;

static void memo_key_make(void)
{
	pthread_key_create(&memo_key, free);
}

/* log10 P(w | h0 h1) with nhist words of history, through the memo. */
static double lookup(sprout_lm *lm, int32 w, int32 h0, int32 h1, int32 nhist)
{
	pthread_once(&memo_once, memo_key_make);
	struct memo *t = pthread_getspecific(memo_key);
	if (!t && (t = calloc(MEMO, sizeof *t)) && pthread_setspecific(memo_key, t)) {
		free(t);
		t = NULL;
	}
	uint64_t key = ((uint64_t)(uint32_t)w << 34) ^ ((uint64_t)(uint32_t)h0 << 17) ^
		       (uint64_t)(uint32_t)h1 ^ ((uint64_t)(uint32_t)nhist << 62) ^ lm->serial;
	struct memo *e = t ? &t[((key * 0x9e3779b97f4a7c15ull) >> 40) & (MEMO - 1)] : NULL;
	if (e && e->serial == lm->serial && e->w == w && e->h0 == h0 && e->h1 == h1 &&
	    e->nhist == nhist)
		return e->score;
	int32 hist[2] = {h0, h1};
	pthread_spin_lock(&lm->lock);
	double s = word_score(lm, w, hist, nhist);
	pthread_spin_unlock(&lm->lock);
	if (e)
		*e = (struct memo){lm->serial, w, h0, h1, nhist, s};
	return s;
}

double sprout_lm_sentence(sprout_lm *lm, const int32_t *ids, size_t n, float *per)
{
	double total = 0;
	int32 hist[2] = {lm->start, -1};
	int32 nhist = 1;
	for (size_t i = 0; i <= n; i++) {
		int32 w = i < n ? ids[i] : lm->end;
		double s;
		if (w < 0) {
			s = SPROUT_LM_UNKNOWN;
			nhist = 0; /* the words after an unknown one start afresh */
		} else {
			s = lookup(lm, w, nhist > 0 ? hist[0] : -1, nhist > 1 ? hist[1] : -1,
				   nhist);
			hist[1] = hist[0];
			hist[0] = w;
			nhist = nhist < 2 ? nhist + 1 : 2;
		}
		if (per)
			per[i] = (float)s;
		total += s;
	}
	return total;
}

double sprout_lm_unigram(sprout_lm *lm, int32_t id)
{
	return id < 0 ? SPROUT_LM_UNKNOWN : lookup(lm, id, -1, -1, 0);
}
