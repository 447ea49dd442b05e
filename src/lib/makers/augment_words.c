/* The word operations: WordNet synonyms, and EDA's insert, swap and delete,
 * all on content words and never inside protected spans. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "makers/augment_internal.h"

/* Function words: pronouns, determiners, auxiliaries, prepositions,
 * conjunctions, a few adverbs. Kept sorted, for the reader. */
static const char *const stopwords[] = {
    "a",      "about",	 "above",    "after",	   "again",	"against", "all",	 "am",
    "an",     "and",	 "any",	     "are",	   "as",	"at",	   "be",	 "because",
    "been",   "before",	 "being",    "below",	   "between",	"both",	   "but",	 "by",
    "can",    "could",	 "did",	     "do",	   "does",	"doing",   "don't",	 "down",
    "during", "each",	 "either",   "else",	   "ever",	"every",   "few",	 "for",
    "from",   "further", "had",	     "has",	   "have",	"having",  "he",	 "her",
    "here",   "hers",	 "herself",  "him",	   "himself",	"his",	   "how",	 "i",
    "i'm",    "if",	 "in",	     "into",	   "is",	"it",	   "it's",	 "its",
    "itself", "just",	 "let",	     "let's",	   "may",	"me",	   "might",	 "mine",
    "more",   "most",	 "must",     "my",	   "myself",	"neither", "no",	 "nor",
    "not",    "now",	 "of",	     "off",	   "on",	"once",	   "one",	 "only",
    "or",     "other",	 "our",	     "ours",	   "ourselves", "out",	   "over",	 "own",
    "please", "same",	 "shall",    "she",	   "should",	"so",	   "some",	 "such",
    "than",   "that",	 "the",	     "their",	   "theirs",	"them",	   "themselves", "then",
    "there",  "these",	 "they",     "this",	   "those",	"through", "to",	 "too",
    "under",  "until",	 "up",	     "us",	   "very",	"was",	   "we",	 "were",
    "what",   "when",	 "where",    "whether",	   "which",	"while",   "who",	 "whom",
    "whose",  "why",	 "will",     "with",	   "would",	"yes",	   "yet",	 "you",
    "your",   "yours",	 "yourself", "yourselves",
};

size_t aug_stopword_count(void)
{
	return sizeof stopwords / sizeof stopwords[0];
}

const char *aug_stopword(size_t i)
{
	return stopwords[i];
}

/* The stop words in an open-addressing table keyed by a hash of their
 * bytes, built once: a lookup is a hash and one or two compares instead of
 * a binary search of strcmp calls (it is asked of every word). */
#define STOP_SLOTS 512
static unsigned char stop_table[STOP_SLOTS]; /* index + 1 into stopwords, 0 empty */
static pthread_once_t stop_once = PTHREAD_ONCE_INIT;

static unsigned stop_hash(const char *w, size_t n)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)w[i]) * 16777619u;
	return h & (STOP_SLOTS - 1);
}

static void stop_build(void)
{
	for (size_t i = 0; i < sizeof stopwords / sizeof stopwords[0]; i++) {
		unsigned h = stop_hash(stopwords[i], strlen(stopwords[i]));
		while (stop_table[h])
			h = (h + 1) & (STOP_SLOTS - 1);
		stop_table[h] = (unsigned char)(i + 1);
	}
}

int aug_is_stopword(const char *s, size_t n)
{
	char w[32];
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (k + 1 >= sizeof w)
			return 0;
		if (i + 3 <= n && memcmp(s + i, "\xe2\x80\x99", 3) == 0) { /* ’ as ' */
			w[k++] = '\'';
			i += 2;
			continue;
		}
		w[k++] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] + 32) : s[i];
	}
	w[k] = '\0';
	pthread_once(&stop_once, stop_build);
	for (unsigned h = stop_hash(w, k); stop_table[h]; h = (h + 1) & (STOP_SLOTS - 1)) {
		const char *sw = stopwords[stop_table[h] - 1];
		if (strncmp(sw, w, k) == 0 && sw[k] == '\0')
			return 1;
	}
	return 0;
}

char *aug_lower(sprout_arena *a, const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && (unsigned char)s[i] < 0x80)
		i++;
	if (i == n) { /* ASCII: no Unicode tables needed */
		char *o = sprout_arena_alloc(a, n + 1);
		if (!o)
			return NULL;
		for (i = 0; i < n; i++)
			o[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] + 32) : s[i];
		o[n] = '\0';
		return o;
	}
	sprout_buf b = SPROUT_BUF_INIT(n * 4 + 16);
	if (sprout_lower(&b, s, n)) {
		sprout_buf_release(&b);
		return NULL;
	}
	char *out = sprout_arena_strndup(a, b.data ? b.data : "", b.len);
	sprout_buf_release(&b);
	return out;
}

int aug_sentence_start(const char *s, const sprout_tokens *t, size_t i)
{
	for (size_t j = i; j-- > 0;) {
		const sprout_token *k = &t->v[j];
		if (k->kind == SPROUT_TOK_SPACE) {
			if (memchr(s + k->off, '\n', k->len))
				return 1;
			continue;
		}
		if (k->kind == SPROUT_TOK_PUNCT) {
			char c = s[k->off];
			if (c == '.' || c == '!' || c == '?')
				return 1;
			if (c == '"' || c == '(' || c == '\'' || c == '-' || c == '*')
				continue;
			return 0;
		}
		return 0;
	}
	return 1;
}

size_t aug_how_many(double rate, size_t n)
{
	if (!n)
		return 0;
	size_t k = (size_t)(rate * (double)n + 0.5);
	if (k < 1)
		k = 1;
	return k > n ? n : k;
}

/* A content word a method may change: a plain word, not a function word,
 * not an acronym or a name inside a sentence. */
static int content_word(const char *s, const sprout_tokens *t, size_t i)
{
	const sprout_token *k = &t->v[i];
	if (k->kind != SPROUT_TOK_WORD || k->len < 2 || aug_is_stopword(s + k->off, k->len))
		return 0;
	sprout_case c = sprout_case_of(s + k->off, k->len);
	if (c == SPROUT_CASE_UPPER || c == SPROUT_CASE_MIXED)
		return 0;
	if (c == SPROUT_CASE_TITLE && !aug_sentence_start(s, t, i))
		return 0; /* probably a name */
	return 1;
}

/* A text the word methods make: NULL not made yet, REFUSED when it
 * cannot be made (a synonym that does not inflect). */
struct form {
	const char *s;
	size_t len;
};
static const char REFUSED[] = "";

/* What the word methods learn of a token of the stable text, each part
 * found once per record and only when asked. */
struct aug_tok {
	unsigned have_case : 1, have_start : 1, start : 1;
	unsigned state : 2; /* synonyms: 0 not looked for, 1 none, 2 found */
	unsigned have_word : 1;
	unsigned coll_prev : 2, coll_next : 2; /* in a collocation with the word
						* before, after: 0 not asked, 1 no,
						* 2 yes */
	const char *lower;		       /* the token in lowercase (have_word) */
	const struct aug_word *word;	       /* its WordNet readings (have_word) */
	sprout_case cs;
	sprout_pos pos;
	sprout_form form;
	const struct aug_synonyms *syn;
	struct form *inflected; /* per synonym: inflected and cased like the token */
	struct form *base;	/* per synonym: base form, lowercase */
	struct form recased[2]; /* the token capitalised, lowercased */
};

/* The token records of t: the ones kept for the stable text, else new. */
static struct aug_tok *tok_info(struct aug_ctx *c, sprout_arena *a, const char *s,
				const sprout_tokens *t)
{
	int stable = c->stable == s && c->have_toks && t->v == c->toks.v;
	if (stable && c->info)
		return c->info;
	struct aug_tok *ti = sprout_arena_alloc(a, (t->n + 1) * sizeof *ti);
	if (ti)
		memset(ti, 0, (t->n + 1) * sizeof *ti);
	if (stable)
		c->info = ti;
	return ti;
}

static sprout_case tok_case(const char *s, const sprout_tokens *t, struct aug_tok *ti, size_t i)
{
	if (!ti[i].have_case) {
		ti[i].cs = sprout_case_of(s + t->v[i].off, t->v[i].len);
		ti[i].have_case = 1;
	}
	return ti[i].cs;
}

static int tok_start(const char *s, const sprout_tokens *t, struct aug_tok *ti, size_t i)
{
	if (!ti[i].have_start) {
		ti[i].start = aug_sentence_start(s, t, i) != 0;
		ti[i].have_start = 1;
	}
	return ti[i].start;
}

/* Token i in case c (SPROUT_CASE_TITLE or SPROUT_CASE_LOWER), appended. */
static sprout_code put_recased(sprout_buf *out, sprout_arena *a, const char *s,
			       const sprout_tokens *t, struct aug_tok *ti, size_t i, sprout_case c)
{
	struct form *f = &ti[i].recased[c == SPROUT_CASE_TITLE ? 0 : 1];
	if (!f->s) {
		sprout_buf b = SPROUT_BUF_INIT((size_t)1 << 20);
		sprout_code rc = sprout_case_apply(&b, s + t->v[i].off, t->v[i].len, c);
		if (!rc && !(f->s = sprout_arena_strndup(a, b.data ? b.data : "", b.len)))
			rc = SPROUT_ERR_NOMEM;
		f->len = b.len;
		sprout_buf_release(&b);
		if (rc) {
			f->s = NULL;
			return rc;
		}
	}
	return sprout_buf_add(out, f->s, f->len);
}

/* Indices of the content words, in a: a fresh copy the caller may
 * shuffle, computed once per stable text. */
static size_t content_words(struct aug_ctx *c, sprout_arena *a, const char *s,
			    const sprout_tokens *t, size_t **out)
{
	*out = sprout_arena_alloc(a, (t->n + 1) * sizeof **out);
	if (!*out)
		return 0;
	int stable = c->stable == s && t->v == c->toks.v && c->have_toks;
	if (stable && c->cw) {
		memcpy(*out, c->cw, c->ncw * sizeof **out);
		return c->ncw;
	}
	size_t k = 0;
	for (size_t i = 0; i < t->n; i++)
		if (content_word(s, t, i))
			(*out)[k++] = i;
	if (stable && (c->cw = sprout_arena_alloc(a, (k + 1) * sizeof *c->cw))) {
		memcpy(c->cw, *out, k * sizeof *c->cw);
		c->ncw = k;
	}
	return k;
}

/* What every word method starts from: the tokens of s (*t), a fresh copy
 * of its content words (*cw) and the facts of its tokens (*ti). The number
 * of content words, or -1 when out of memory. */
static long word_start(struct aug_ctx *c, sprout_arena *a, const char *s, size_t n,
		       sprout_tokens *t, size_t **cw, struct aug_tok **ti)
{
	if (aug_tokenize(c, s, n, a, t))
		return -1;
	size_t ncw = content_words(c, a, s, t, cw);
	if (!(*ti = tok_info(c, a, s, t)))
		return -1;
	return (long)ncw;
}

#define NO_WORD ((size_t)-1)

/* The word token before token i (spaces between), or NO_WORD. */
static size_t previous_word(const sprout_tokens *t, size_t i)
{
	for (size_t j = i; j-- > 0;) {
		if (t->v[j].kind == SPROUT_TOK_SPACE)
			continue;
		return t->v[j].kind == SPROUT_TOK_WORD ? j : NO_WORD;
	}
	return NO_WORD;
}

/* The word token after token i when one space character separates them,
 * or NO_WORD. */
static size_t next_word(const sprout_tokens *t, size_t i)
{
	if (i + 2 >= t->n || t->v[i + 1].kind != SPROUT_TOK_SPACE || t->v[i + 1].len != 1 ||
	    t->v[i + 2].kind != SPROUT_TOK_WORD)
		return NO_WORD;
	return i + 2;
}

/* Word token i in lowercase (*lower, NULL when out of memory) and what
 * WordNet says of it, found once per record. */
static const struct aug_word *tok_word(struct aug_ctx *c, sprout_arena *a, const char *s,
				       const sprout_tokens *t, struct aug_tok *ti, size_t i,
				       const char **lower)
{
	struct aug_tok *k = &ti[i];
	if (!k->have_word) {
		k->lower = aug_lower(a, s + t->v[i].off, t->v[i].len);
		k->word = k->lower ? aug_cache_word(c->cache, c->g->wn, k->lower) : NULL;
		k->have_word = 1;
	}
	*lower = k->lower;
	return k->word;
}

/* Whether word tokens j and i (j before i) are a collocation WordNet
 * knows, asked once per record for each pair. */
static int tok_pair(struct aug_ctx *c, const sprout_tokens *t, struct aug_tok *ti, size_t j,
		    size_t i)
{
	if (ti[i].coll_prev && previous_word(t, i) == j)
		return ti[i].coll_prev == 2;
	if (ti[j].coll_next && next_word(t, j) == i)
		return ti[j].coll_next == 2;
	int yes = aug_cache_collocation(c->cache, c->g->wn, ti[j].lower, ti[j].word, ti[i].lower,
					ti[i].word);
	if (previous_word(t, i) == j)
		ti[i].coll_prev = yes ? 2 : 1;
	if (next_word(t, j) == i)
		ti[j].coll_next = yes ? 2 : 1;
	return yes;
}

/* Words whose next word is likely a verb ("to", "can") or a noun ("the",
 * "my"); sorted for bsearch. */
static const char *const verb_before[] = {
    "can",   "can't", "cannot", "could", "did",	  "didn't", "do",     "does",  "doesn't",
    "don't", "i",     "let's",	"may",	 "might", "must",   "please", "shall", "should",
    "they",  "to",    "we",	"will",	 "won't", "would",  "you",
};
static const char *const noun_before[] = {
    "a",  "an",	 "any",	 "each", "every", "for",   "her",   "his",  "its",   "my",   "new",  "no",
    "of", "our", "some", "that", "the",	  "their", "these", "this", "those", "with", "your",
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int in_list(const char *w, const char *const *list, size_t n)
{
	return bsearch(&w, list, n, sizeof *list, cmp_str) != NULL;
}

/* A lemma and part of speech for the word at token i, chosen by the word
 * before it and by how often each reading is seen in WordNet's corpus. */
struct reading {
	char lemma[SPROUT_WORD_MAX];
	sprout_pos pos;
	sprout_form form;
};

static int read_word(struct aug_ctx *c, sprout_arena *a, const char *s, const sprout_tokens *t,
		     struct aug_tok *ti, size_t i, struct reading *r)
{
	const sprout_token *k = &t->v[i];
	/* short words are often abbreviations ("atm", "pin") that WordNet
	 * reads as something else */
	if (k->len < 4)
		return 0;
	const char *w, *prev = "", *next = NULL;
	const struct aug_word *ww = tok_word(c, a, s, t, ti, i, &w), *pw = NULL, *nw = NULL;
	if (!w)
		return 0;
	size_t pj = previous_word(t, i), nj = next_word(t, i);
	if (pj != NO_WORD && !(pw = tok_word(c, a, s, t, ti, pj, &prev)) && !prev)
		prev = "";
	if (nj != NO_WORD)
		nw = tok_word(c, a, s, t, ti, nj, &next);
	/* part of a phrase WordNet knows ("show up", "credit card"): a synonym
	 * of one half would break it */
	if ((pj != NO_WORD && tok_pair(c, t, ti, pj, i)) ||
	    (nj != NO_WORD && tok_pair(c, t, ti, i, nj)))
		return 0;
	const struct aug_readings *rd = ww ? &ww->rd : NULL;
	if (!rd || !rd->n)
		return 0;
	int want = -1;
	if (in_list(prev, verb_before, sizeof verb_before / sizeof *verb_before)) {
		want = SPROUT_POS_VERB;
	} else if (in_list(prev, noun_before, sizeof noun_before / sizeof *noun_before)) {
		/* "the given pairs": a word between a determiner and a noun
		 * describes it */
		int next_noun = 0, adj = 0;
		const struct aug_readings *nr =
		    nw && !aug_is_stopword(next, strlen(next)) ? &nw->rd : NULL;
		for (size_t j = 0; nr && j < nr->n; j++)
			next_noun |= nr->r[j].pos == SPROUT_POS_NOUN;
		for (size_t j = 0; j < rd->n; j++)
			adj |= rd->r[j].pos == SPROUT_POS_ADJ;
		if (next_noun && !adj)
			return 0; /* not sure what it is: leave it */
		want = next_noun ? SPROUT_POS_ADJ : SPROUT_POS_NOUN;
	}
	/* a reading the context asks for wins; then the commoner one */
	size_t best = 0;
	unsigned best_score = 0;
	for (size_t j = 0; j < rd->n; j++) {
		unsigned score =
		    rd->r[j].tagged * 4 + 1 + ((int)rd->r[j].pos == want ? 1000000 : 0);
		if (score > best_score) {
			best_score = score;
			best = j;
		}
	}
	memcpy(r->lemma, rd->r[best].lemma, SPROUT_WORD_MAX);
	r->pos = rd->r[best].pos;
	r->form = sprout_form_of(w, r->lemma, r->pos);
	return 1;
}

/* Synonym k of token i: inflected and cased like it (inflect), or its base
 * form in lowercase; made once per record. */
static sprout_code synonym_form(struct aug_ctx *c, sprout_arena *a, const char *s,
				const sprout_tokens *t, struct aug_tok *wi, size_t i, size_t k,
				int inflect, struct form *out)
{
	struct form **forms = inflect ? &wi->inflected : &wi->base;
	if (!*forms) {
		*forms = sprout_arena_alloc(a, (wi->syn->n + 1) * sizeof **forms);
		if (!*forms)
			return SPROUT_ERR_NOMEM;
		memset(*forms, 0, (wi->syn->n + 1) * sizeof **forms);
	}
	struct form *f = &(*forms)[k];
	if (!f->s) {
		sprout_buf *form = aug_cache_scratch(c->cache, 0),
			   *cased = aug_cache_scratch(c->cache, 1),
			   *low = aug_cache_scratch(c->cache, 2);
		sprout_code rc = sprout_inflect(c->g->wn, wi->syn->w[k], wi->pos,
						inflect ? wi->form : SPROUT_FORM_BASE, form);
		if (rc == SPROUT_ERR_USAGE) {
			f->s = REFUSED;
			rc = SPROUT_OK;
		} else if (!rc) {
			const sprout_token *tk = &t->v[i];
			rc = sprout_case_apply(cased, form->data, form->len,
					       sprout_case_of(s + tk->off, tk->len));
			sprout_buf *keep = cased;
			if (!rc && !inflect) {
				rc = sprout_lower(low, cased->data, cased->len);
				keep = low;
			}
			if (!rc && !(f->s = sprout_arena_strndup(a, keep->data ? keep->data : "",
								 keep->len)))
				rc = SPROUT_ERR_NOMEM;
			f->len = keep->len;
		}
		if (rc)
			return rc;
	}
	*out = *f;
	return SPROUT_OK;
}

/* Whether the word at token i has WordNet synonyms, found once per record. */
static int tok_synonyms(struct aug_ctx *c, sprout_arena *a, const char *s, const sprout_tokens *t,
			struct aug_tok *ti, size_t i)
{
	struct aug_tok *wi = &ti[i];
	if (wi->state == 0) {
		wi->state = 1;
		struct reading r;
		/* no adverbs ("beforehand" -> "advance") and no words that stand
		 * for someone or something ("someone" -> "person") */
		static const char *const keep[] = {
		    "someone",	 "somebody", "anyone",	   "anybody", "everyone", "everybody",
		    "something", "anything", "everything", "nothing", "nobody",	  NULL};
		char w[16];
		int kept = 0;
		if (t->v[i].len < sizeof w) {
			for (size_t k = 0; k < t->v[i].len; k++)
				w[k] = (char)(s[t->v[i].off + k] | 0x20);
			w[t->v[i].len] = '\0';
			for (const char *const *p = keep; *p && !kept; p++)
				kept = strcmp(*p, w) == 0;
		}
		if (!kept && read_word(c, a, s, t, ti, i, &r) && r.pos != SPROUT_POS_ADV) {
			wi->syn = aug_cache_synonyms(c->cache, c->g->wn, r.lemma, r.pos);
			wi->pos = r.pos;
			wi->form = r.form;
			if (wi->syn && wi->syn->n)
				wi->state = 2;
		}
	}
	return wi->state == 2;
}

/* log10 unigram probability of the lowercase first word of w (n bytes) */
static double unigram(sprout_lm *lm, const char *w, size_t n)
{
	char low[SPROUT_WORD_MAX];
	size_t k = 0;
	while (k < n && k + 1 < sizeof low && w[k] != ' ') {
		low[k] = (w[k] >= 'A' && w[k] <= 'Z') ? (char)(w[k] + 32) : w[k];
		k++;
	}
	return sprout_lm_unigram(lm, sprout_lm_word(lm, low, k));
}

/* 1 when the synonym syn is at least ten times rarer than word */
static int rare_word(sprout_lm *lm, const char *word, size_t wn, const char *syn, size_t sn)
{
	return lm && unigram(lm, syn, sn) < unigram(lm, word, wn) - 1.0;
}

/* A synonym of the word at token i into *out: inflected and cased like it,
 * or (inflect 0) its base form in lowercase. 1 found, 0 none, -1 OOM. With
 * rng NULL, whether there is one (the same answer on every try), no draw
 * made. */
static int pick_synonym(struct aug_ctx *c, sprout_arena *a, const char *s, const sprout_tokens *t,
			struct aug_tok *ti, size_t i, sprout_rng *rng, int inflect,
			struct form *out)
{
	struct aug_tok *wi = &ti[i];
	if (!tok_synonyms(c, a, s, t, ti, i))
		return 0;
	/* try the synonyms from a random start until one inflects (and, with
	 * the language model, is a word people use about as often: "actuate"
	 * for "activate", "cognise" for "know" are not) */
	size_t n = wi->syn->n, start = rng ? (size_t)sprout_rng_below(rng, n) : 0;
	for (size_t j = 0; j < n; j++) {
		if (synonym_form(c, a, s, t, wi, i, (start + j) % n, inflect, out))
			return -1;
		if (out->s != REFUSED &&
		    !rare_word(c->g->lm, s + t->v[i].off, t->v[i].len, out->s, out->len))
			return 1;
	}
	out->s = REFUSED;
	return 0;
}

int aug_synonym(struct aug_ctx *c, const char *s, size_t n, double rate, sprout_rng *rng,
		sprout_arena *a, sprout_buf *out)
{
	sprout_tokens t;
	size_t *cw;
	struct aug_tok *ti;
	long got_cw = word_start(c, a, s, n, &t, &cw, &ti);
	if (got_cw < 0)
		return -1;
	size_t ncw = (size_t)got_cw;
	if (!ncw)
		return AUG_NEVER;
	sprout_rng_shuffle(rng, cw, ncw, sizeof *cw);
	size_t want = aug_how_many(rate, ncw), done = 0;
	/* replacement text per token, s NULL to keep */
	struct form *rep = sprout_arena_alloc(a, t.n * sizeof *rep);
	if (!rep)
		return -1;
	memset(rep, 0, t.n * sizeof *rep);
	for (size_t j = 0; j < ncw && done < want; j++) {
		int got = pick_synonym(c, a, s, &t, ti, cw[j], rng, 1, &rep[cw[j]]);
		if (got < 0)
			return -1;
		if (!got)
			rep[cw[j]].s = NULL;
		done += got;
	}
	if (!done) /* every content word was tried */
		return AUG_NEVER;
	for (size_t i = 0; i < t.n; i++) {
		sprout_code rc = rep[i].s ? sprout_buf_add(out, rep[i].s, rep[i].len)
					  : sprout_buf_add(out, s + t.v[i].off, t.v[i].len);
		if (rc)
			return -1;
	}
	return 1;
}

int aug_insert(struct aug_ctx *c, const char *s, size_t n, double rate, sprout_rng *rng,
	       sprout_arena *a, sprout_buf *out)
{
	sprout_tokens t;
	size_t *cw;
	struct aug_tok *ti;
	long got_cw = word_start(c, a, s, n, &t, &cw, &ti);
	if (got_cw < 0)
		return -1;
	size_t ncw = (size_t)got_cw;
	if (!ncw)
		return AUG_NEVER;
	/* where a word may go: after any word that a space follows */
	size_t *slots = sprout_arena_alloc(a, (t.n + 1) * sizeof *slots);
	struct form *ins = sprout_arena_alloc(a, (t.n + 1) * sizeof *ins);
	if (!slots || !ins)
		return -1;
	memset(ins, 0, (t.n + 1) * sizeof *ins);
	size_t nslots = 0;
	for (size_t i = 0; i + 1 < t.n; i++)
		if (t.v[i].kind == SPROUT_TOK_WORD && t.v[i + 1].kind == SPROUT_TOK_SPACE)
			slots[nslots++] = i;
	if (!nslots)
		return AUG_NEVER;
	/* the words with a synonym to insert: a random one each time, as EDA
	 * draws words until one has synonyms */
	size_t nfrom = 0;
	for (size_t j = 0; j < ncw; j++) {
		struct form f;
		int has = pick_synonym(c, a, s, &t, ti, cw[j], NULL, 0, &f);
		if (has < 0)
			return -1;
		if (has)
			cw[nfrom++] = cw[j];
	}
	if (!nfrom)
		return AUG_NEVER;
	size_t want = aug_how_many(rate, ncw), done = 0;
	while (done < want) {
		size_t from = cw[sprout_rng_below(rng, nfrom)];
		/* the synonym goes in as its base form, lowercase */
		struct form f;
		int got = pick_synonym(c, a, s, &t, ti, from, rng, 0, &f);
		if (got <= 0)
			return -1; /* it has one: only OOM fails */
		size_t at = slots[sprout_rng_below(rng, nslots)];
		/* " word", after any word already put there */
		size_t had = ins[at].s ? ins[at].len : 0;
		char *both = sprout_arena_alloc(a, had + 1 + f.len + 1);
		if (!both)
			return -1;
		if (had)
			memcpy(both, ins[at].s, had);
		both[had] = ' ';
		memcpy(both + had + 1, f.s, f.len);
		both[had + 1 + f.len] = '\0';
		ins[at].s = both;
		ins[at].len = had + 1 + f.len;
		done++;
	}
	for (size_t i = 0; i < t.n; i++) {
		if (sprout_buf_add(out, s + t.v[i].off, t.v[i].len) ||
		    (ins[i].s && sprout_buf_add(out, ins[i].s, ins[i].len)))
			return -1;
	}
	return 1;
}

/* Append a word moved to token position i: capitalised at a sentence start,
 * lowercase elsewhere when its capital only marked a sentence start. */
static sprout_code put_moved(sprout_buf *out, sprout_arena *a, const char *s,
			     const sprout_tokens *t, struct aug_tok *ti, size_t from, size_t to)
{
	const sprout_token *k = &t->v[from];
	sprout_case c = tok_case(s, t, ti, from);
	int start_to = tok_start(s, t, ti, to);
	if (start_to && c == SPROUT_CASE_LOWER)
		return put_recased(out, a, s, t, ti, from, SPROUT_CASE_TITLE);
	if (!start_to && c == SPROUT_CASE_TITLE && tok_start(s, t, ti, from) &&
	    !(k->len == 1 && s[k->off] == 'I'))
		return put_recased(out, a, s, t, ti, from, SPROUT_CASE_LOWER);
	return sprout_buf_add(out, s + k->off, k->len);
}

int aug_swap(struct aug_ctx *c, const char *s, size_t n, double rate, sprout_rng *rng,
	     sprout_arena *a, sprout_buf *out)
{
	sprout_tokens t;
	size_t *cw;
	struct aug_tok *ti;
	long got_cw = word_start(c, a, s, n, &t, &cw, &ti);
	if (got_cw < 0)
		return -1;
	size_t ncw = (size_t)got_cw;
	if (ncw < 2)
		return AUG_NEVER;
	/* perm[i]: the token whose text goes at position i */
	size_t *perm = sprout_arena_alloc(a, t.n * sizeof *perm);
	if (!perm)
		return -1;
	for (size_t i = 0; i < t.n; i++)
		perm[i] = i;
	size_t want = aug_how_many(rate, ncw), done = 0;
	for (size_t j = 0; j < want; j++) {
		/* two different content words, as EDA picks them */
		size_t xi = (size_t)sprout_rng_below(rng, ncw);
		size_t yi = (size_t)sprout_rng_below(rng, ncw - 1);
		if (yi >= xi)
			yi++;
		size_t x = cw[xi], y = cw[yi], tmp = perm[x];
		perm[x] = perm[y];
		perm[y] = tmp;
		done++;
	}
	int changed = 0;
	for (size_t i = 0; i < t.n; i++) {
		if (perm[i] == i) { /* not moved: as written */
			if (sprout_buf_add(out, s + t.v[i].off, t.v[i].len))
				return -1;
			continue;
		}
		const sprout_token *k = &t.v[perm[i]];
		if (perm[i] != i &&
		    (k->len != t.v[i].len || memcmp(s + k->off, s + t.v[i].off, k->len)))
			changed = 1;
		if (put_moved(out, a, s, &t, ti, perm[i], i))
			return -1;
	}
	return done && changed;
}

int aug_delete(struct aug_ctx *c, const char *s, size_t n, double rate, sprout_rng *rng,
	       sprout_arena *a, sprout_buf *out)
{
	sprout_tokens t;
	size_t *cw;
	struct aug_tok *ti;
	long got_cw = word_start(c, a, s, n, &t, &cw, &ti);
	if (got_cw < 0)
		return -1;
	(void)got_cw;
	(void)cw;
	size_t words = 0;
	for (size_t i = 0; i < t.n; i++)
		words += t.v[i].kind == SPROUT_TOK_WORD;
	if (words < 3)
		return AUG_NEVER; /* deleting from a two-word text leaves too little */
	/* only words whose loss leaves the request whole: fillers, hedges,
	 * greetings and please (EDA's deletion of any content word drops the
	 * detail that carries the meaning: "savings", "pending", "never") */
	static const char *const droppable[] = {
	    "please",	 "just",     "really",	"actually",   "basically", "kindly",  "simply",
	    "literally", "honestly", "totally", "definitely", "very",	   "quite",   "also",
	    "maybe",	 "perhaps",  "hi",	"hello",      "hey",	   "exactly", NULL};
	size_t *cand = sprout_arena_alloc(a, (t.n + 1) * sizeof *cand), nc = 0;
	if (!cand)
		return -1;
	for (size_t i = 0; i < t.n; i++) {
		char w[16];
		const sprout_token *k = &t.v[i];
		if (k->kind != SPROUT_TOK_WORD || k->len >= sizeof w)
			continue;
		for (size_t j = 0; j < k->len; j++)
			w[j] = (s[k->off + j] >= 'A' && s[k->off + j] <= 'Z')
				   ? (char)(s[k->off + j] + 32)
				   : s[k->off + j];
		w[k->len] = '\0';
		for (const char *const *d = droppable; *d; d++)
			if (strcmp(*d, w) == 0)
				cand[nc++] = i;
	}
	if (!nc)
		return AUG_NEVER;
	char *del = sprout_arena_alloc(a, t.n);
	if (!del)
		return -1;
	memset(del, 0, t.n);
	size_t done = 0;
	for (size_t j = 0; j < nc; j++)
		if (sprout_rng_double(rng) < rate) {
			del[cand[j]] = 1;
			done++;
		}
	if (!done) /* at least one word */
		del[cand[sprout_rng_below(rng, nc)]] = 1;
	/* a greeting's comma goes with it: "hi, how do i" -> "how do i" */
	for (size_t i = 0; i + 1 < t.n; i++)
		if (del[i] && t.v[i + 1].kind == SPROUT_TOK_PUNCT && s[t.v[i + 1].off] == ',' &&
		    (i == 0 || previous_word(&t, i) == NO_WORD))
			del[i + 1] = 1;
	int capitalize = 0, skip_space = 0;
	for (size_t i = 0; i < t.n; i++) {
		const sprout_token *k = &t.v[i];
		if (del[i] && k->kind == SPROUT_TOK_PUNCT) {
			skip_space = i + 1 < t.n && t.v[i + 1].kind == SPROUT_TOK_SPACE;
			continue;
		}
		if (del[i]) {
			/* a capital that marked a sentence start moves to the next word */
			if (tok_start(s, &t, ti, i) && tok_case(s, &t, ti, i) == SPROUT_CASE_TITLE)
				capitalize = 1;
			/* drop the space before the word when space or a closing mark
			 * follows it ("to be ." would be wrong); at the start, the one
			 * after it */
			int next_space = i + 1 < t.n && t.v[i + 1].kind == SPROUT_TOK_SPACE;
			int next_close = i + 1 < t.n && t.v[i + 1].kind == SPROUT_TOK_PUNCT &&
					 strchr(".,;:!?)]}", s[t.v[i + 1].off]);
			if (out->len && out->data[out->len - 1] == ' ' &&
			    (next_space || next_close))
				out->len--;
			else if (next_space)
				skip_space = 1;
			continue;
		}
		if (skip_space && k->kind == SPROUT_TOK_SPACE) {
			skip_space = 0;
			continue;
		}
		skip_space = 0;
		sprout_code rc;
		if (capitalize && k->kind == SPROUT_TOK_WORD) {
			sprout_case wc = tok_case(s, &t, ti, i);
			rc = wc == SPROUT_CASE_LOWER
				 ? put_recased(out, a, s, &t, ti, i, SPROUT_CASE_TITLE)
				 : sprout_case_apply(out, s + k->off, k->len, wc);
			capitalize = 0;
		} else {
			rc = sprout_buf_add(out, s + k->off, k->len);
			if (k->kind != SPROUT_TOK_SPACE)
				capitalize = 0;
		}
		if (rc)
			return -1;
	}
	if (out->data)
		out->data[out->len] = '\0';
	return 1;
}
