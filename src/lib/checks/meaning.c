/* What a variant keeps of its parent's meaning and fluency: the features.
 * See sprout/meaning.h. */
#include "sprout/meaning.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/dict.h"
#include "makers/augment_internal.h" /* aug_is_stopword */
#include "sprout/arena.h"

#define MAX_TOKENS 256 /* words of one text looked at */
#define MAX_SENSES 8   /* senses of a (lemma, part of speech) looked at */
#define MAX_READ   4   /* (lemma, part of speech) readings of a word */
#define INFO_MAX   7.0 /* weight of a word the model does not know */
#define MAX_HYP	   12  /* hypernyms of a reading kept */
#define HYP_SENSES 3   /* senses of a reading whose hypernyms count */

static const char *const feature_names[SPROUT_MF__COUNT] = {
    "same",	    "lm_delta",	  "lm_word",	  "lm_worst",	 "typos",    "kept",
    "dropped",	    "added",	  "dropped_fn",	  "added_fn",	 "moved",    "inflected",
    "synonyms",	    "sense_old",  "sense_new",	  "rarer",	 "negation", "numbers",
    "words",	    "sim",	  "lm_kept",	  "lm_replaced", "lm_moved", "lm_new",
    "lm_kept_drop", "added_sent", "dropped_sent", "fn_replaced", "moved_fn",
};

const char *sprout_meaning_feature_name(sprout_meaning_feature f)
{
	return (unsigned)f < SPROUT_MF__COUNT ? feature_names[f] : "unknown";
}

/* One reading of a word in WordNet: a lemma in a part of speech, its
 * senses (synset ids, most frequent first) and how often each was seen. */
struct reading {
	char lemma[SPROUT_WORD_MAX];
	sprout_pos pos;
	size_t nsense;
	uint64_t synset[MAX_SENSES];
	unsigned count[MAX_SENSES];
	unsigned total;
	size_t nhyp;
	uint64_t hyp[MAX_HYP]; /* hypernyms of the first senses */
};

/* A word as the scorer knows it, made once per scorer. */
struct mword {
	const char *w;
	size_t len;
	uint64_t h;
	int32_t lm;  /* id in the language model, -1 unknown */
	double info; /* -log10 unigram probability, at most INFO_MAX */
	unsigned stop : 1, neg : 1, num : 1, analysed : 1;
	size_t nread;
	struct reading *read; /* in the arena, once analysed */
};

struct text;

/* A remembered answer of relate() for a pair of words. */
#define PAIR_MEMO 4096
struct pair_memo {
	const struct mword *a, *b;
	unsigned char rel;
	float sa, sb;
};

/* The alignment's tables: (MAX_TOKENS + 1) squared cells. */
#define CELLS ((MAX_TOKENS + 1) * (MAX_TOKENS + 1))

struct sprout_meaning {
	const sprout_wordnet *wn;
	sprout_lm *lm;
	sprout_arena *mem;
	sprout_dict words;    /* the words seen, each with its struct mword in val */
	int32_t ten;	      /* the model's id of "ten", standing for any number */
	struct text *tp, *tv; /* the two texts being compared */
	double *cost;	      /* the alignment's tables */
	float *sa, *sb;
	unsigned char *how;
	struct mword *bag[2 * MAX_TOKENS]; /* the words sim compares */
	struct pair_memo *pairs;	   /* PAIR_MEMO of them */
	char *parent;			   /* the parent tp holds, analysed */
	size_t parent_len, parent_cap;
	double parent_lp, parent_worst;
};

/* ---- words --------------------------------------------------------------- */

static int is_negation(const char *w, size_t n)
{
	static const char *const neg[] = {"not",    "no",      "never",	  "nothing", "none",
					  "nobody", "nowhere", "neither", "nor",     "without"};
	for (size_t i = 0; i < sizeof neg / sizeof *neg; i++)
		if (strlen(neg[i]) == n && memcmp(neg[i], w, n) == 0)
			return 1;
	return 0;
}

static struct mword *intern(sprout_meaning *m, const char *w, size_t len)
{
	int added;
	long long i = sprout_dict_put(&m->words, w, len, &added);
	if (i < 0 || !added)
		return i < 0 ? NULL : m->words.val[i];
	struct mword *x = sprout_arena_alloc(m->mem, sizeof *x);
	if (!x)
		return NULL;
	memset(x, 0, sizeof *x);
	x->w = m->words.key[i];
	x->len = len;
	x->h = m->words.hash[i];
	for (size_t k = 0; k < len; k++)
		x->num |= w[k] >= '0' && w[k] <= '9';
	x->lm = x->num ? m->ten : m->lm ? sprout_lm_word(m->lm, w, len) : -1;
	x->info = m->lm ? -sprout_lm_unigram(m->lm, x->lm) : INFO_MAX;
	if (x->info > INFO_MAX)
		x->info = INFO_MAX;
	x->stop = aug_is_stopword(w, len) || (len == 2 && memcmp(w, "'s", 2) == 0);
	x->neg = is_negation(w, len);
	m->words.val[i] = x;
	return x;
}

/* WordNet's readings of a content word, found once. */
static void analyse(sprout_meaning *m, struct mword *x)
{
	if (x->analysed)
		return;
	x->analysed = 1;
	if (!m->wn || x->stop || x->num || x->len >= SPROUT_WORD_MAX)
		return;
	struct reading r[MAX_READ];
	size_t nr = 0;
	for (int pos = 0; pos < SPROUT_POS__COUNT && nr < MAX_READ; pos++) {
		char lemmas[2][SPROUT_WORD_MAX];
		size_t nl = sprout_wordnet_lemmas(m->wn, x->w, (sprout_pos)pos, lemmas, 2);
		for (size_t j = 0; j < nl && nr < MAX_READ; j++) {
			struct reading *d = &r[nr];
			memcpy(d->lemma, lemmas[j], sizeof d->lemma);
			d->pos = (sprout_pos)pos;
			d->nsense = sprout_wordnet_synsets(m->wn, lemmas[j], (sprout_pos)pos,
							   MAX_SENSES, d->synset, MAX_SENSES);
			size_t nc = sprout_wordnet_sense_counts(m->wn, lemmas[j], (sprout_pos)pos,
								d->count, MAX_SENSES);
			for (size_t k = nc; k < MAX_SENSES; k++)
				d->count[k] = 0;
			d->total = 0;
			for (size_t k = 0; k < d->nsense; k++)
				d->total += d->count[k];
			d->nhyp = 0;
			for (size_t k = 0; k < d->nsense && k < HYP_SENSES && d->nhyp < MAX_HYP;
			     k++)
				d->nhyp += sprout_wordnet_hypernyms(
				    m->wn, d->synset[k], d->hyp + d->nhyp, MAX_HYP - d->nhyp);
			if (d->nsense)
				nr++;
		}
	}
	if (!nr)
		return;
	x->read = sprout_arena_alloc(m->mem, nr * sizeof *x->read);
	if (x->read) {
		memcpy(x->read, r, nr * sizeof *r);
		x->nread = nr;
	}
}

/* Share of a reading's uses that are in sense k, smoothed so that an
 * untagged word's senses count alike. */
static double sense_share(const struct reading *d, size_t k)
{
	return ((double)d->count[k] + 0.5) / ((double)d->total + 0.5 * (double)d->nsense);
}

enum rel { REL_NONE, REL_INFLECT, REL_SYNONYM };

/* How b relates to a: another form of the same lemma, a synonym (with the
 * shares of the shared sense in a's and in b's uses), or nothing. */
static enum rel relate_uncached(sprout_meaning *m, struct mword *a, struct mword *b,
				double *share_a, double *share_b);

/* relate, remembered: the same pairs come back for every candidate of a
 * record */
static enum rel relate(sprout_meaning *m, struct mword *a, struct mword *b, double *share_a,
		       double *share_b)
{
	if (a->stop || b->stop || a->num || b->num)
		return REL_NONE;
	uint64_t h = (a->h * 0x9e3779b97f4a7c15ull) ^ b->h;
	struct pair_memo *pm = &m->pairs[(h ^ (h >> 29)) & (PAIR_MEMO - 1)];
	if (pm->a != a || pm->b != b) {
		double sa = 0, sb = 0;
		pm->rel = (unsigned char)relate_uncached(m, a, b, &sa, &sb);
		pm->sa = (float)sa;
		pm->sb = (float)sb;
		pm->a = a;
		pm->b = b;
	}
	*share_a = pm->sa;
	*share_b = pm->sb;
	return (enum rel)pm->rel;
}

static enum rel relate_uncached(sprout_meaning *m, struct mword *a, struct mword *b,
				double *share_a, double *share_b)
{
	analyse(m, a);
	analyse(m, b);
	for (size_t i = 0; i < a->nread; i++)
		for (size_t j = 0; j < b->nread; j++)
			if (a->read[i].pos == b->read[j].pos &&
			    strcmp(a->read[i].lemma, b->read[j].lemma) == 0)
				return REL_INFLECT;
	double best = -1;
	for (size_t i = 0; i < a->nread; i++) {
		const struct reading *ra = &a->read[i];
		for (size_t j = 0; j < b->nread; j++) {
			const struct reading *rb = &b->read[j];
			if (ra->pos != rb->pos)
				continue;
			for (size_t x = 0; x < ra->nsense; x++)
				for (size_t y = 0; y < rb->nsense; y++) {
					if (ra->synset[x] != rb->synset[y])
						continue;
					double sa = sense_share(ra, x), sb = sense_share(rb, y);
					if (sa * sb > best) {
						best = sa * sb;
						*share_a = sa;
						*share_b = sb;
					}
				}
		}
	}
	return best >= 0 ? REL_SYNONYM : REL_NONE;
}

/* ---- texts --------------------------------------------------------------- */

/* Chat words and what they stand for. */
static const struct {
	const char *chat, *full;
} chat_words[] = {
    {"u", "you"},
    {"ur", "your"},
    {"r", "are"},
    {"pls", "please"},
    {"plz", "please"},
    {"plse", "please"},
    {"thx", "thanks"},
    {"thnx", "thanks"},
    {"thanx", "thanks"},
    {"ty", "thank you"},
    {"wanna", "want to"},
    {"gonna", "going to"},
    {"gotta", "got to"},
    {"idk", "i don't know"},
    {"rn", "right now"},
    {"im", "i'm"},
    {"dont", "don't"},
    {"cant", "can't"},
    {"whats", "what's"},
    {"ive", "i've"},
    {"youre", "you're"},
    {"doesnt", "doesn't"},
    {"didnt", "didn't"},
    {"isnt", "isn't"},
    {"b4", "before"},
    {"tmrw", "tomorrow"},
    {"tmr", "tomorrow"},
    {"msg", "message"},
    {"acct", "account"},
    {"bc", "because"},
    {"cuz", "because"},
    {"coz", "because"},
    {"abt", "about"},
    {"btw", "by the way"},
    {"k", "okay"},
    {"kk", "okay"},
    {"ok", "okay"},
    {"hv", "have"},
    {"wat", "what"},
    {"wht", "what"},
    {"ppl", "people"},
    {"ya", "you"},
    {"lemme", "let me"},
    {"gimme", "give me"},
    {"dunno", "don't know"},
    {"thru", "through"},
    {"tho", "though"},
    {"pic", "picture"},
    {"asap", "as soon as possible"},
};

/* A text's words: for the language model (contractions as written), and
 * for the alignment (contractions expanded), each with the index of the
 * model word it came from. */
struct text {
	struct mword *lm[MAX_TOKENS];
	unsigned char starts[MAX_TOKENS]; /* 1: the word begins a sentence */
	float lp[MAX_TOKENS];		  /* its log10 probability (with </s> after
					   * the last word of a sentence) */
	size_t nlm;
	struct mword *al[MAX_TOKENS];
	size_t nal;
	size_t from[MAX_TOKENS];
	unsigned char op[MAX_TOKENS]; /* what the alignment did with al[i] (enum op) */
	size_t partner[MAX_TOKENS];   /* and the word of the other text it went to */
};

sprout_meaning *sprout_meaning_new(const sprout_wordnet *wn, sprout_lm *lm)
{
	sprout_meaning *m = calloc(1, sizeof *m);
	if (!m || !(m->mem = sprout_arena_new(0)) || !(m->tp = malloc(2 * sizeof(struct text))) ||
	    !(m->cost = malloc(CELLS * sizeof *m->cost)) ||
	    !(m->sa = malloc(CELLS * sizeof *m->sa)) || !(m->sb = malloc(CELLS * sizeof *m->sb)) ||
	    !(m->how = malloc(CELLS)) || !(m->pairs = calloc(PAIR_MEMO, sizeof *m->pairs))) {
		sprout_meaning_free(m);
		return NULL;
	}
	sprout_dict_init(&m->words, m->mem);
	m->tv = m->tp + 1;
	m->wn = wn;
	m->lm = lm;
	m->ten = lm ? sprout_lm_word(lm, "ten", 3) : -1;
	return m;
}

void sprout_meaning_free(sprout_meaning *m)
{
	if (!m)
		return;
	sprout_dict_free(&m->words);
	sprout_arena_free(m->mem);
	free(m->tp);
	free(m->cost);
	free(m->sa);
	free(m->sb);
	free(m->how);
	free(m->pairs);
	free(m->parent);
	free(m);
}

static int add_lm(sprout_meaning *m, struct text *t, const char *w, size_t n, int start)
{
	if (t->nlm >= MAX_TOKENS)
		return 0;
	struct mword *x = intern(m, w, n);
	if (!x)
		return -1;
	/* a possessive the model does not know: the word, then 's */
	if (x->lm < 0 && !x->num && n > 2 && memcmp(w + n - 2, "'s", 2) == 0) {
		struct mword *stem = intern(m, w, n - 2), *s = intern(m, "'s", 2);
		if (!stem || !s)
			return -1;
		if (stem->lm >= 0 && t->nlm + 1 < MAX_TOKENS) {
			t->starts[t->nlm] = (unsigned char)start;
			t->lm[t->nlm++] = stem;
			t->starts[t->nlm] = 0;
			t->lm[t->nlm++] = s;
			return 0;
		}
	}
	t->starts[t->nlm] = (unsigned char)start;
	t->lm[t->nlm++] = x;
	return 0;
}

static int is_interjection(const struct mword *x)
{
	static const char *const words[] = {"hi",     "hello", "hey",	"there", "thanks", "ok",
					    "okay",   "yes",   "no",	"well",	 "oh",	   "so",
					    "please", "sorry", "thank", "you",	 NULL};
	for (const char *const *p = words; *p; p++)
		if (strlen(*p) == x->len && memcmp(*p, x->w, x->len) == 0)
			return 1;
	return 0;
}

/* Words of s (lowercase ASCII, ’ as ', hyphens split) for the model. */
static int words(sprout_meaning *m, const char *s, size_t n, struct text *t)
{
	char buf[SPROUT_WORD_MAX * 2];
	t->nlm = 0;
	size_t i = 0;
	int start = 1; /* sentences end at . ? ! : ; and line breaks */
	while (i < n && t->nlm < MAX_TOKENS) {
		size_t b = 0;
		while (i < n) {
			unsigned char c = (unsigned char)s[i];
			int apos = c == '\'' ||
				   (c == 0xe2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
				    (unsigned char)s[i + 2] == 0x99);
			if (apos && b > 0 && i + (c == '\'' ? 1 : 3) < n) {
				unsigned char d = (unsigned char)s[i + (c == '\'' ? 1 : 3)];
				if (((d | 0x20) >= 'a' && (d | 0x20) <= 'z')) {
					if (b + 1 < sizeof buf)
						buf[b++] = '\'';
					i += c == '\'' ? 1 : 3;
					continue;
				}
			}
			int wordch = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				     (c >= '0' && c <= '9') || (c >= 0x80 && !apos);
			if (!wordch)
				break;
			if (b + 1 < sizeof buf)
				buf[b++] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : (char)c;
			i++;
		}
		if (!b) {
			char c = s[i];
			/* "hi, ..." "thanks, ...": an interjection is a sentence of its own */
			if (c == ',' && t->nlm > 0 && t->starts[t->nlm - 1] &&
			    is_interjection(t->lm[t->nlm - 1]))
				start = 1;
			if (c == ',' && t->nlm > 1 && t->starts[t->nlm - 2] &&
			    is_interjection(t->lm[t->nlm - 2]) &&
			    is_interjection(t->lm[t->nlm - 1]))
				start = 1;
			/* a full stop inside a number or an abbreviation ("e.g") does not end
			 * a sentence: the next character must be a space or the end */
			if ((c == '.' || c == '?' || c == '!' || c == ':' || c == ';') &&
			    (i + 1 >= n || s[i + 1] == ' ' || s[i + 1] == '\n' || s[i + 1] == '"'))
				start = 1;
			else if (c == '\n')
				start = 1;
			i++;
			continue;
		}
		const char *full = NULL;
		for (size_t k = 0; b <= 6 && k < sizeof chat_words / sizeof *chat_words && !full;
		     k++)
			if (chat_words[k].chat[0] == buf[0] && strlen(chat_words[k].chat) == b &&
			    memcmp(chat_words[k].chat, buf, b) == 0)
				full = chat_words[k].full;
		if (!full) {
			if (add_lm(m, t, buf, b, start))
				return -1;
			start = 0;
			continue;
		}
		for (const char *p = full; *p;) {
			const char *e = strchr(p, ' ');
			size_t l = e ? (size_t)(e - p) : strlen(p);
			if (add_lm(m, t, p, l, start))
				return -1;
			start = 0;
			p += l + (e != NULL);
		}
	}
	return 0;
}

static int ends_with(const struct mword *x, const char *suffix)
{
	size_t n = strlen(suffix);
	return x->len > n && memcmp(x->w + x->len - n, suffix, n) == 0;
}

static int add_al(sprout_meaning *m, struct text *t, const char *w, size_t n, size_t from)
{
	if (t->nal >= MAX_TOKENS)
		return 0;
	struct mword *x = intern(m, w, n);
	if (!x)
		return -1;
	t->from[t->nal] = from;
	t->al[t->nal++] = x;
	return 0;
}

/* The alignment words: contractions expanded ("don't" -> "do not"). */
static int expand(sprout_meaning *m, struct text *t)
{
	static const char *const is_words[] = {"it",  "that", "what",  "there", "here", "he",
					       "she", "who",  "where", "how",	"when", "why"};
	t->nal = 0;
	for (size_t i = 0; i < t->nlm; i++) {
		struct mword *x = t->lm[i];
		const char *w = x->w;
		size_t n = x->len;
		const char *second = NULL;
		size_t keep = n;
		if (n == 6 && memcmp(w, "cannot", 6) == 0) {
			keep = 3, second = "not";
		} else if (ends_with(x, "n't")) {
			keep = n - 3, second = "not";
			if (keep == 2 && memcmp(w, "ca", 2) == 0) {
				if (add_al(m, t, "can", 3, i) || add_al(m, t, "not", 3, i))
					return -1;
				continue;
			}
			if (keep == 2 && memcmp(w, "wo", 2) == 0) {
				if (add_al(m, t, "will", 4, i) || add_al(m, t, "not", 3, i))
					return -1;
				continue;
			}
		} else if (ends_with(x, "'m")) {
			keep = n - 2, second = "am";
		} else if (ends_with(x, "'re")) {
			keep = n - 3, second = "are";
		} else if (ends_with(x, "'ve")) {
			keep = n - 3, second = "have";
		} else if (ends_with(x, "'ll")) {
			keep = n - 3, second = "will";
		} else if (ends_with(x, "'d")) {
			keep = n - 2, second = "would";
		} else if (ends_with(x, "'s")) {
			keep = n - 2, second = "'s";
			if (keep == 3 && memcmp(w, "let", 3) == 0)
				second = "us";
			for (size_t k = 0; k < sizeof is_words / sizeof *is_words; k++)
				if (strlen(is_words[k]) == keep &&
				    memcmp(is_words[k], w, keep) == 0)
					second = "is";
		}
		if (add_al(m, t, w, keep, i) || (second && add_al(m, t, second, strlen(second), i)))
			return -1;
	}
	return 0;
}

/* Damerau-Levenshtein distance (adjacent transpositions), up to limit + 1. */
static size_t edit_distance(const char *a, size_t na, const char *b, size_t nb, size_t limit)
{
	if (na > 40 || nb > 40)
		return limit + 1;
	if ((na > nb ? na - nb : nb - na) > limit)
		return limit + 1;
	size_t d[41][41];
	for (size_t i = 0; i <= na; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= nb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= na; i++) {
		size_t rowmin = limit + 1;
		for (size_t j = 1; j <= nb; j++) {
			size_t c = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t v = d[i - 1][j - 1] + c;
			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
			if (v < rowmin)
				rowmin = v;
		}
		if (rowmin > limit)
			return limit + 1;
	}
	return d[na][nb];
}

static int contains(struct mword *const *v, size_t n, const struct mword *x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return 1;
	return 0;
}

static size_t count(struct mword *const *v, size_t n, const struct mword *x)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += v[i] == x;
	return c;
}

/* Words of the variant that read as keyboard typos of a parent word are
 * replaced by that word. A typo is a word the variant has more often than
 * the parent, within one edit (two for words of six letters or more) of a
 * word the parent has more often than the variant, unknown to the model or
 * at least ten times rarer than that word, and not another form or a
 * synonym of it ("charges" for "charged" is no typo). */
static size_t fix_typos(sprout_meaning *m, const struct text *p, struct text *v)
{
	size_t typos = 0;
	unsigned char used[MAX_TOKENS];
	memset(used, 0, sizeof used);
	for (size_t j = 0; j < v->nlm; j++) {
		struct mword *x = v->lm[j];
		if (x->num || count(v->lm, v->nlm, x) <= count(p->lm, p->nlm, x))
			continue;
		struct mword *best = NULL;
		size_t bestd = 3, besti = 0;
		for (size_t i = 0; i < p->nlm; i++) {
			struct mword *y = p->lm[i];
			if (used[i] || y->len < 3 || y->num ||
			    count(p->lm, p->nlm, y) <= count(v->lm, v->nlm, y))
				continue;
			if (x->lm >= 0 && x->info < y->info + 1.0)
				continue;
			size_t limit = y->len >= 6 ? 2 : 1;
			size_t d = edit_distance(y->w, y->len, x->w, x->len, limit);
			if (d <= limit && d < bestd) {
				double s1, s2;
				if (x->lm >= 0 && relate(m, y, x, &s1, &s2) != REL_NONE)
					continue;
				bestd = d;
				best = y;
				besti = i;
			}
		}
		if (best) {
			v->lm[j] = best;
			used[besti] = 1;
			typos++;
		}
	}
	return typos;
}

/* Each word's log10 probability, sentence by sentence (the </s> of a
 * sentence counted with its last word); returns the total. */
static double lm_score(sprout_meaning *m, struct text *t)
{
	int32_t ids[MAX_TOKENS];
	float per[MAX_TOKENS + 1];
	double total = 0;
	for (size_t i = 0; i < t->nlm;) {
		size_t j = i + 1;
		while (j < t->nlm && !t->starts[j])
			j++;
		for (size_t k = i; k < j; k++)
			ids[k - i] = t->lm[k]->lm;
		sprout_lm_sentence(m->lm, ids, j - i, per);
		for (size_t k = i; k <= j; k++)
			total += per[k - i];
		for (size_t k = i; k < j; k++)
			t->lp[k] = per[k - i];
		t->lp[j - 1] += per[j - i];
		i = j;
	}
	return total;
}

static double worst(const struct text *t)
{
	double w = 0;
	for (size_t i = 0; i < t->nlm; i++)
		if (t->lp[i] < w)
			w = t->lp[i];
	return w;
}

/* ---- alignment ------------------------------------------------------------ */

#define DEL_CONTENT  1.0
#define DEL_FUNCTION 0.4
#define COST_INFLECT 0.3
#define COST_SYNONYM 0.5

static double gap(const struct mword *x)
{
	return x->stop ? DEL_FUNCTION : DEL_CONTENT;
}

enum op { OP_NONE, OP_KEEP, OP_INFLECT, OP_SYNONYM, OP_MOVED };

#define MATCH_SYNONYM  0.9
#define MATCH_HYPERNYM 0.6 /* chosen on STS-B train (0.3: 0.740, 0.6: 0.744) */

static int shares(const uint64_t *x, size_t nx, const uint64_t *y, size_t ny)
{
	for (size_t i = 0; i < nx; i++)
		for (size_t j = 0; j < ny; j++)
			if (x[i] == y[j])
				return 1;
	return 0;
}

/* How well y stands for x: the same word or lemma 1, a shared sense
 * MATCH_SYNONYM, one a hypernym of the other MATCH_HYPERNYM. */
static double word_match(sprout_meaning *m, struct mword *x, struct mword *y)
{
	if (x == y)
		return 1;
	if (x->num || y->num)
		return 0;
	double s1, s2;
	enum rel r = relate(m, x, y, &s1, &s2);
	if (r == REL_INFLECT)
		return 1;
	if (r == REL_SYNONYM)
		return MATCH_SYNONYM;
	for (size_t i = 0; i < x->nread; i++)
		for (size_t j = 0; j < y->nread; j++) {
			const struct reading *a = &x->read[i], *b = &y->read[j];
			if (a->pos != b->pos)
				continue;
			size_t na = a->nsense < HYP_SENSES ? a->nsense : HYP_SENSES;
			size_t nb = b->nsense < HYP_SENSES ? b->nsense : HYP_SENSES;
			if (shares(a->synset, na, b->hyp, b->nhyp) ||
			    shares(a->hyp, a->nhyp, b->synset, nb))
				return MATCH_HYPERNYM;
		}
	return 0;
}

/* Information-weighed share of a's content words matched in b; -1 when a
 * has none. */
static double align_bag(sprout_meaning *m, struct mword *const *a, size_t na,
			struct mword *const *b, size_t nb)
{
	double num = 0, den = 0;
	for (size_t i = 0; i < na; i++) {
		if (a[i]->stop)
			continue;
		double best = 0;
		for (size_t j = 0; j < nb && best < 1; j++) /* the same word: most of them */
			best = b[j] == a[i];
		for (size_t j = 0; j < nb && best < 1; j++) {
			if (b[j]->stop)
				continue;
			double v = word_match(m, a[i], b[j]);
			if (v > best)
				best = v;
		}
		num += a[i]->info * best;
		den += a[i]->info;
	}
	return den > 0 ? num / den : -1;
}

/* Align the expanded words of p and v in order (an edit distance where a
 * word may only be replaced by an inflection or a synonym of itself), then
 * pair what is left over on both sides as moved words. Fills op and
 * partner of both texts; synonym pairs add to out. */
static void align(sprout_meaning *m, struct text *p, struct text *v, double *out)
{
	size_t n = p->nal, k = v->nal, W = MAX_TOKENS + 1;
	memset(p->op, OP_NONE, n);
	memset(v->op, OP_NONE, k);
	/* the same words at both ends align as they are (an edit script can
	 * do no better); the table covers the middle only: a variant of a few
	 * edits costs a few cells */
	size_t pre = 0, suf = 0;
	while (pre < n && pre < k && p->al[pre] == v->al[pre])
		pre++;
	while (suf < n - pre && suf < k - pre && p->al[n - 1 - suf] == v->al[k - 1 - suf])
		suf++;
	for (size_t q = 0; q < pre; q++) {
		p->op[q] = v->op[q] = OP_KEEP;
		p->partner[q] = v->partner[q] = q;
	}
	for (size_t q = 0; q < suf; q++) {
		p->op[n - 1 - q] = v->op[k - 1 - q] = OP_KEEP;
		p->partner[n - 1 - q] = k - 1 - q;
		v->partner[k - 1 - q] = n - 1 - q;
	}
	struct mword *const *pa = p->al + pre, *const *va = v->al + pre;
	size_t pn = n - pre - suf, vn = k - pre - suf;
	double *cost = m->cost;
	unsigned char *how = m->how;
	cost[0] = 0;
	for (size_t i = 1; i <= pn; i++)
		cost[i * W] = cost[(i - 1) * W] + gap(pa[i - 1]), how[i * W] = 1;
	for (size_t j = 1; j <= vn; j++)
		cost[j] = cost[j - 1] + gap(va[j - 1]), how[j] = 2;
	for (size_t i = 1; i <= pn; i++) {
		for (size_t j = 1; j <= vn; j++) {
			struct mword *x = pa[i - 1], *y = va[j - 1];
			double c = cost[(i - 1) * W + j] + gap(x);
			unsigned char h = 1;
			if (cost[i * W + j - 1] + gap(y) < c)
				c = cost[i * W + j - 1] + gap(y), h = 2;
			if (x == y) {
				if (cost[(i - 1) * W + j - 1] <= c)
					c = cost[(i - 1) * W + j - 1], h = 3;
			} else if (!x->stop && !y->stop) {
				double s1 = 0, s2 = 0;
				enum rel r = relate(m, x, y, &s1, &s2);
				double rc = r == REL_INFLECT   ? COST_INFLECT
					    : r == REL_SYNONYM ? COST_SYNONYM
							       : 99;
				if (cost[(i - 1) * W + j - 1] + rc < c) {
					c = cost[(i - 1) * W + j - 1] + rc;
					h = r == REL_INFLECT ? 4 : 5;
					m->sa[i * W + j] = (float)s1;
					m->sb[i * W + j] = (float)s2;
				}
			}
			cost[i * W + j] = c;
			how[i * W + j] = h;
		}
	}
	size_t i = pn, j = vn;
	while (i > 0 || j > 0) {
		unsigned char h = i == 0 ? 2 : j == 0 ? 1 : how[i * W + j];
		if (h == 1) {
			i--;
			continue;
		}
		if (h == 2) {
			j--;
			continue;
		}
		i--, j--;
		enum op op = h == 3 ? OP_KEEP : h == 4 ? OP_INFLECT : OP_SYNONYM;
		p->op[pre + i] = v->op[pre + j] = (unsigned char)op;
		p->partner[pre + i] = pre + j;
		v->partner[pre + j] = pre + i;
		if (op == OP_INFLECT)
			out[SPROUT_MF_INFLECTED] += 1;
		if (op == OP_SYNONYM) {
			const struct mword *x = pa[i], *y = va[j];
			out[SPROUT_MF_SYNONYMS] += 1;
			double so = 1 - m->sa[(i + 1) * W + j + 1],
			       sn = 1 - m->sb[(i + 1) * W + j + 1];
			double rarer = y->info - x->info;
			if (so > out[SPROUT_MF_SENSE_OLD])
				out[SPROUT_MF_SENSE_OLD] = so;
			if (sn > out[SPROUT_MF_SENSE_NEW])
				out[SPROUT_MF_SENSE_NEW] = sn;
			if (rarer > out[SPROUT_MF_RARER])
				out[SPROUT_MF_RARER] = rarer;
		}
	}
	/* the same word left over on both sides: moved */
	for (i = 0; i < n; i++) {
		if (p->op[i] != OP_NONE)
			continue;
		for (j = 0; j < k; j++) {
			if (v->op[j] == OP_NONE && v->al[j] == p->al[i]) {
				p->op[i] = v->op[j] = OP_MOVED;
				p->partner[i] = j;
				v->partner[j] = i;
				break;
			}
		}
	}
}

/* Union-find over the model words of both texts (p's first). */
static size_t root(size_t *up, size_t x)
{
	while (up[x] != x)
		x = up[x] = up[up[x]];
	return x;
}

/* The language model's view of the alignment: model words joined by
 * aligned pairs form groups ("don't" with "do not"); each group's log10
 * probability in the variant minus in the parent goes to the kept, the
 * replaced or the moved words' sum (whichever the group holds: moved,
 * then replaced, then kept); each word only the variant has adds how much
 * better it fits its context than it would alone (log10 P in context minus
 * its unigram log10 P). */
static void lm_groups(const struct text *p, const struct text *v, const unsigned char *vnew,
		      double *out)
{
	size_t np = p->nlm, nv = v->nlm;
	size_t up[2 * MAX_TOKENS];
	unsigned char kind[2 * MAX_TOKENS], inv[MAX_TOKENS];
	for (size_t x = 0; x < np + nv; x++)
		up[x] = x, kind[x] = 0;
	memset(inv, 0, nv);
	for (size_t j = 0; j < v->nal; j++) {
		if (v->op[j] == OP_NONE)
			continue;
		size_t a = root(up, p->from[v->partner[j]]), b = root(up, np + v->from[j]);
		if (a != b)
			up[b] = a;
		inv[v->from[j]] = 1;
	}
	for (size_t j = 0; j < v->nal; j++) {
		unsigned char op = v->op[j];
		unsigned char k = op == OP_MOVED			 ? 3
				  : op == OP_SYNONYM || op == OP_INFLECT ? 2
				  : op == OP_KEEP			 ? 1
									 : 0;
		size_t r = root(up, np + v->from[j]);
		if (k > kind[r])
			kind[r] = k;
	}
	double sum[2 * MAX_TOKENS];
	for (size_t x = 0; x < np + nv; x++)
		sum[x] = 0;
	int grouped[2 * MAX_TOKENS];
	memset(grouped, 0, sizeof(int) * (np + nv));
	for (size_t j = 0; j < nv; j++) {
		if (!inv[j]) {
			if (!vnew[j])
				out[SPROUT_MF_LM_NEW] += v->lp[j] + v->lm[j]->info;
			continue;
		}
		size_t r = root(up, np + j);
		sum[r] += v->lp[j];
		grouped[r] = 1;
	}
	for (size_t i = 0; i < np; i++) {
		size_t r = root(up, i);
		if (grouped[r])
			sum[r] -= p->lp[i];
	}
	for (size_t x = 0; x < np + nv; x++) {
		if (!grouped[x] || root(up, x) != x)
			continue;
		int f = kind[x] == 3   ? SPROUT_MF_LM_MOVED
			: kind[x] == 2 ? SPROUT_MF_LM_REPLACED
				       : SPROUT_MF_LM_KEPT;
		out[f] += sum[x];
		if (f == SPROUT_MF_LM_KEPT && sum[x] < -1)
			out[SPROUT_MF_LM_KEPT_DROP] += sum[x] + 1;
	}
}

/* Mark the model words of t's sentences none of whose words the
 * alignment paired (whole sentences only one text has); returns how many
 * words they have. */
static size_t lone_sentences(const struct text *t, unsigned char *lone)
{
	unsigned char paired[MAX_TOKENS];
	memset(paired, 0, t->nlm);
	for (size_t j = 0; j < t->nal; j++)
		if (t->op[j] != OP_NONE)
			paired[t->from[j]] = 1;
	size_t words = 0;
	for (size_t i = 0; i < t->nlm;) {
		size_t e = i + 1;
		while (e < t->nlm && !t->starts[e])
			e++;
		int any = 0;
		for (size_t k = i; k < e; k++)
			any |= paired[k];
		for (size_t k = i; k < e; k++)
			lone[k] = !any;
		if (!any)
			words += e - i;
		i = e;
	}
	return words;
}

#define FRAME_WORDS 6 /* a lone sentence this short is a frame */

/* The alignment words of t outside lone sentences of up to FRAME_WORDS
 * model words (lone NULL: all of them), into out; returns how many. */
static size_t frame_free(const struct text *t, const unsigned char *lone, struct mword **out)
{
	size_t len[MAX_TOKENS]; /* model words of the sentence each model word is in */
	for (size_t i = 0; i < t->nlm;) {
		size_t e = i + 1;
		while (e < t->nlm && !t->starts[e])
			e++;
		for (size_t k = i; k < e; k++)
			len[k] = e - i;
		i = e;
	}
	/* frames frame something: a text all of whose sentences are lone keeps them */
	int any_paired = 0;
	for (size_t i = 0; lone && i < t->nlm; i++)
		any_paired |= !lone[i];
	size_t n = 0;
	for (size_t j = 0; j < t->nal; j++) {
		size_t f = t->from[j];
		if (lone && any_paired && lone[f] && len[f] <= FRAME_WORDS)
			continue;
		out[n++] = t->al[j];
	}
	return n;
}

/* Function words replaced by others: between two consecutive aligned
 * pairs, as many as both sides dropped and added. */
static size_t fn_replaced(const struct text *p, const struct text *v)
{
	size_t total = 0, i = 0, j = 0;
	while (i <= p->nal && j <= v->nal) {
		size_t ni = i, nj = j;
		while (ni < p->nal && !(p->op[ni] != OP_NONE && p->op[ni] != OP_MOVED))
			ni++;
		nj = ni < p->nal ? p->partner[ni] : v->nal;
		if (nj < j)
			nj = j;
		size_t dp = 0, dv = 0;
		for (size_t k = i; k < ni; k++)
			dp += p->op[k] == OP_NONE && p->al[k]->stop;
		for (size_t k = j; k < nj && k < v->nal; k++)
			dv += v->op[k] == OP_NONE && v->al[k]->stop;
		total += dp < dv ? dp : dv;
		i = ni + 1;
		j = nj + 1;
	}
	return total;
}

void sprout_meaning_features(sprout_meaning *m, const char *a, size_t alen, const char *b,
			     size_t blen, double *out)
{
	for (int i = 0; i < SPROUT_MF__COUNT; i++)
		out[i] = 0;
	struct text *p = m->tp, *v = m->tv;
	/* the parent's words and their probabilities, once per parent */
	int known = m->parent && m->parent_len == alen && memcmp(m->parent, a, alen) == 0;
	if (!known) {
		m->parent_len = (size_t)-1;
		if (words(m, a, alen, p) || expand(m, p))
			return;
		if (m->lm) {
			m->parent_lp = lm_score(m, p);
			m->parent_worst = worst(p);
		}
		if (alen + 1 > m->parent_cap) {
			char *c = realloc(m->parent, alen + 1);
			if (c) {
				m->parent = c;
				m->parent_cap = alen + 1;
			}
		}
		if (m->parent_cap > alen) {
			memcpy(m->parent, a, alen);
			m->parent_len = alen;
		}
	}
	if (words(m, b, blen, v))
		return;
	out[SPROUT_MF_TYPOS] = (double)fix_typos(m, p, v);
	if (expand(m, v))
		return;
	size_t n = p->nal, k = v->nal;
	out[SPROUT_MF_WORDS] = (double)n;
	align(m, p, v, out);
	unsigned char pnew[MAX_TOKENS], vnew[MAX_TOKENS];
	out[SPROUT_MF_DROPPED_SENT] = (double)lone_sentences(p, pnew);
	out[SPROUT_MF_ADDED_SENT] = (double)lone_sentences(v, vnew);
	/* sim leaves out short sentences only the variant has: frames such as
	 * "Quick question:" or "Thanks!" say nothing of the request */
	struct mword **pa = m->bag, **va = m->bag + MAX_TOKENS;
	size_t pn = frame_free(p, NULL, pa), vn = frame_free(v, vnew, va);
	double x1 = align_bag(m, pa, pn, va, vn), x2 = align_bag(m, va, vn, pa, pn);
	out[SPROUT_MF_SIM] = x1 < 0 && x2 < 0 ? 1 : x1 < 0 ? x2 : x2 < 0 ? x1 : (x1 + x2) / 2;
	out[SPROUT_MF_FN_REPLACED] = (double)fn_replaced(p, v);
	if (m->lm) {
		double lp = m->parent_lp, lv = lm_score(m, v);
		out[SPROUT_MF_LM_DELTA] = lv - lp;
		out[SPROUT_MF_LM_WORD] = lv / (double)(v->nlm + 1) - lp / (double)(p->nlm + 1);
		out[SPROUT_MF_LM_WORST] = worst(v) - m->parent_worst;
		lm_groups(p, v, vnew, out);
	}
	double kept = 0, total = 0;
	int same = p->nlm == v->nlm;
	for (size_t i = 0; same && i < p->nlm; i++)
		same = p->lm[i] == v->lm[i];
	for (size_t i = 0; i < n; i++) {
		const struct mword *x = p->al[i];
		if (!x->stop) {
			total += x->info;
			if (p->op[i] == OP_KEEP || p->op[i] == OP_MOVED)
				kept += x->info;
		}
		if (p->op[i] == OP_MOVED)
			out[x->stop ? SPROUT_MF_MOVED_FN : SPROUT_MF_MOVED] += 1;
		if (p->op[i] != OP_NONE || pnew[p->from[i]])
			continue;
		if (x->stop)
			out[SPROUT_MF_DROPPED_FN] += 1;
		else
			out[SPROUT_MF_DROPPED] += x->info;
	}
	for (size_t j = 0; j < k; j++) {
		const struct mword *y = v->al[j];
		if (v->op[j] != OP_NONE || vnew[v->from[j]])
			continue;
		if (y->stop)
			out[SPROUT_MF_ADDED_FN] += 1;
		else
			out[SPROUT_MF_ADDED] += y->info;
	}
	out[SPROUT_MF_KEPT] = total > 0 ? kept / total : 1;
	out[SPROUT_MF_SAME] = same && out[SPROUT_MF_TYPOS] == 0;
	/* negation and numbers */
	int na = 0, nb = 0;
	for (size_t i = 0; i < n; i++)
		na += p->al[i]->neg;
	for (size_t j = 0; j < k; j++)
		nb += v->al[j]->neg;
	out[SPROUT_MF_NEGATION] = (na > 0) != (nb > 0);
	for (size_t i = 0; i < n && !out[SPROUT_MF_NUMBERS]; i++)
		if (p->al[i]->num && !contains(v->al, k, p->al[i]))
			out[SPROUT_MF_NUMBERS] = 1;
	for (size_t j = 0; j < k && !out[SPROUT_MF_NUMBERS]; j++)
		if (v->al[j]->num && !contains(p->al, n, v->al[j]))
			out[SPROUT_MF_NUMBERS] = 1;
}

/* ---- the model ----------------------------------------------------------- */

/* The model's inputs, made from the features as bench/meaning_fit.py
 * makes them (the two must agree: bench/meaning.sh checks that they do). */
enum {
	MQ_BIAS,
	MQ_SAME,
	MQ_LM_DELTA,
	MQ_LM_WORD,
	MQ_LM_WORST,
	MQ_TYPOS,
	MQ_KEPT,
	MQ_DROPPED,
	MQ_ADDED,
	MQ_DROPPED_FN,
	MQ_ADDED_FN,
	MQ_MOVED,
	MQ_INFLECTED,
	MQ_SYNONYMS,
	MQ_SENSE_OLD,
	MQ_SENSE_NEW,
	MQ_RARER,
	MQ_NEGATION,
	MQ_NUMBERS,
	MQ_LOG_WORDS,
	MQ_LM_KEPT,
	MQ_LM_REPLACED,
	MQ_LM_MOVED,
	MQ_LM_NEW,
	MQ_LM_KEPT_DROP,
	MQ_ADDED_SENT,
	MQ_DROPPED_SENT,
	MQ_FN_REPLACED,
	MQ_MOVED_FN,
	MQ__COUNT
};

static const double q_weights[MQ__COUNT] = {
    [MQ_BIAS] = 1.2170,		[MQ_SAME] = 2.0779,	  [MQ_LM_DELTA] = 0.0965,
    [MQ_LM_WORD] = -0.1700,	[MQ_LM_WORST] = 0.4354,	  [MQ_TYPOS] = 1.3754,
    [MQ_KEPT] = 0.8650,		[MQ_DROPPED] = -0.5140,	  [MQ_ADDED] = -0.7626,
    [MQ_DROPPED_FN] = -0.1620,	[MQ_ADDED_FN] = -0.4163,  [MQ_MOVED] = -2.2698,
    [MQ_INFLECTED] = -0.6789,	[MQ_SYNONYMS] = 0.0006,	  [MQ_SENSE_OLD] = -1.6637,
    [MQ_SENSE_NEW] = -1.0134,	[MQ_RARER] = -0.2776,	  [MQ_NEGATION] = -0.3777,
    [MQ_NUMBERS] = -0.1264,	[MQ_LOG_WORDS] = -0.1578, [MQ_LM_KEPT] = 0.4547,
    [MQ_LM_REPLACED] = 0.0754,	[MQ_LM_MOVED] = 0.3036,	  [MQ_LM_NEW] = 1.2129,
    [MQ_LM_KEPT_DROP] = 0.1523, [MQ_ADDED_SENT] = 1.1044, [MQ_DROPPED_SENT] = -0.7356,
    [MQ_FN_REPLACED] = 0.0000,	[MQ_MOVED_FN] = -1.5584,
};

/* score = sim - SHAPE_D * sim^SHAPE_P * (1 - q), chosen with the weights */
#define SHAPE_D	  0.25
#define SHAPE_P	  6
#define THRESHOLD 0.89

static double lo(double x, double a)
{
	return x < a ? a : x;
}

static double hi(double x, double b)
{
	return x > b ? b : x;
}

double sprout_meaning_quality(const double *f)
{
	double x[MQ__COUNT] = {
	    [MQ_BIAS] = 1.0,
	    [MQ_SAME] = f[SPROUT_MF_SAME],
	    [MQ_LM_DELTA] = lo(f[SPROUT_MF_LM_DELTA], -15),
	    [MQ_LM_WORD] = f[SPROUT_MF_LM_WORD],
	    [MQ_LM_WORST] = f[SPROUT_MF_LM_WORST],
	    [MQ_TYPOS] = hi(f[SPROUT_MF_TYPOS], 3),
	    [MQ_KEPT] = f[SPROUT_MF_KEPT],
	    [MQ_DROPPED] = hi(f[SPROUT_MF_DROPPED], 15),
	    [MQ_ADDED] = hi(f[SPROUT_MF_ADDED], 15),
	    [MQ_DROPPED_FN] = hi(f[SPROUT_MF_DROPPED_FN], 4),
	    [MQ_ADDED_FN] = hi(f[SPROUT_MF_ADDED_FN], 6),
	    [MQ_MOVED] = hi(f[SPROUT_MF_MOVED], 4),
	    [MQ_INFLECTED] = f[SPROUT_MF_INFLECTED],
	    [MQ_SYNONYMS] = f[SPROUT_MF_SYNONYMS],
	    [MQ_SENSE_OLD] = f[SPROUT_MF_SENSE_OLD],
	    [MQ_SENSE_NEW] = f[SPROUT_MF_SENSE_NEW],
	    [MQ_RARER] = lo(hi(f[SPROUT_MF_RARER], 4), -3),
	    [MQ_NEGATION] = f[SPROUT_MF_NEGATION],
	    [MQ_NUMBERS] = f[SPROUT_MF_NUMBERS],
	    [MQ_LOG_WORDS] = log(1 + f[SPROUT_MF_WORDS]),
	    [MQ_LM_KEPT] = lo(f[SPROUT_MF_LM_KEPT], -10),
	    [MQ_LM_REPLACED] = lo(f[SPROUT_MF_LM_REPLACED], -10),
	    [MQ_LM_MOVED] = lo(f[SPROUT_MF_LM_MOVED], -10),
	    [MQ_LM_NEW] = lo(hi(f[SPROUT_MF_LM_NEW], 5), -10),
	    [MQ_LM_KEPT_DROP] = lo(f[SPROUT_MF_LM_KEPT_DROP], -10),
	    [MQ_ADDED_SENT] = hi(f[SPROUT_MF_ADDED_SENT], 8),
	    [MQ_DROPPED_SENT] = hi(f[SPROUT_MF_DROPPED_SENT], 8),
	    [MQ_FN_REPLACED] = hi(f[SPROUT_MF_FN_REPLACED], 3),
	    [MQ_MOVED_FN] = hi(f[SPROUT_MF_MOVED_FN], 4),
	};
	double z = 0;
	for (int i = 0; i < MQ__COUNT; i++)
		z += q_weights[i] * x[i];
	z = z > 30 ? 30 : z < -30 ? -30 : z;
	return 1 / (1 + exp(-z));
}

/* 1 when a and b differ only in spaces (runs of them, and at the ends). */
static int same_but_spacing(const char *a, size_t na, const char *b, size_t nb)
{
	size_t i = 0, j = 0;
	for (;;) {
		int sa = 0, sb = 0;
		while (i < na && (a[i] == ' ' || a[i] == '\t' || a[i] == '\n' || a[i] == '\r'))
			i++, sa = 1;
		while (j < nb && (b[j] == ' ' || b[j] == '\t' || b[j] == '\n' || b[j] == '\r'))
			j++, sb = 1;
		if (i == na || j == nb)
			return i == na && j == nb;
		if ((sa != sb && i > 0 && j > 0) || a[i] != b[j])
			return 0;
		i++, j++;
	}
}

double sprout_meaning_score_of(const double *f, double *quality)
{
	double q = sprout_meaning_quality(f);
	if (quality)
		*quality = q;
	if (f[SPROUT_MF_SAME])
		return SPROUT_MEANING_SAME_WORDS;
	double s = f[SPROUT_MF_SIM];
	double v = s - SHAPE_D * pow(s, SHAPE_P) * (1 - q);
	return v < 0 ? 0 : v > SPROUT_MEANING_CHANGED_MAX ? SPROUT_MEANING_CHANGED_MAX : v;
}

double sprout_meaning_score(sprout_meaning *m, const char *a, size_t alen, const char *b,
			    size_t blen, double *quality)
{
	if (alen == blen && memcmp(a, b, alen) == 0) {
		if (quality)
			*quality = 1;
		return 1.0;
	}
	if (same_but_spacing(a, alen, b, blen)) {
		if (quality)
			*quality = 1;
		return SPROUT_MEANING_SPACING;
	}
	double f[SPROUT_MF__COUNT];
	sprout_meaning_features(m, a, alen, b, blen, f);
	return sprout_meaning_score_of(f, quality);
}

double sprout_meaning_threshold(void)
{
	return THRESHOLD;
}
