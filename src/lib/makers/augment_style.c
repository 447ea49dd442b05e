/* Surface methods: typos, casual and formal register, instruction
 * phrasing. None of them touches a protected span. */
#include <string.h>

#include "makers/augment_internal.h"

/* ---- typo -------------------------------------------------------------- */

/* QWERTY neighbours of each lowercase letter */
static const char *const neighbours[26] = {
    "qwsz",   "vghn",  "xdfv", "serfcx", "wsdr", "drtgvc", "ftyhbv", "gyujnb", "ujko",
    "huikmn", "jiolm", "kop",  "njk",	 "bhjm", "iklp",   "ol",     "wa",     "edft",
    "awedxz", "rfgy",  "yhji", "cfgb",	 "qase", "zsdc",   "tghu",   "asx",
};

static int ascii_word(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 0;
	return 1;
}

static int letter(char c)
{
	return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

/* One typo in word w (ASCII, len >= 3) into b. */
static sprout_code one_typo(const char *w, size_t n, int sentence_start, sprout_rng *rng,
			    sprout_buf *b)
{
	const char *apos = memchr(w, '\'', n);
	for (int tries = 0; tries < 8; tries++) {
		unsigned op = (unsigned)sprout_rng_below(rng, 6);
		size_t i =
		    1 + (size_t)sprout_rng_below(rng, n - 1); /* first letters are rarely hit */
		switch (op) {
		case 0: { /* a neighbouring key */
			char c = w[i];
			if (!letter(c))
				continue;
			const char *nb = neighbours[(c | 0x20) - 'a'];
			char r = nb[sprout_rng_below(rng, strlen(nb))];
			if (c >= 'A' && c <= 'Z')
				r = (char)(r - 32);
			return sprout_buf_add(b, w, i) || sprout_buf_addc(b, r) ||
				       sprout_buf_add(b, w + i + 1, n - i - 1)
				   ? SPROUT_ERR_NOMEM
				   : SPROUT_OK;
		}
		case 1: /* two letters swapped */
			if (i + 1 >= n || !letter(w[i]) || !letter(w[i + 1]) || w[i] == w[i + 1])
				continue;
			return sprout_buf_add(b, w, i) || sprout_buf_addc(b, w[i + 1]) ||
				       sprout_buf_addc(b, w[i]) ||
				       sprout_buf_add(b, w + i + 2, n - i - 2)
				   ? SPROUT_ERR_NOMEM
				   : SPROUT_OK;
		case 2: /* a letter dropped */
			if (!letter(w[i]) || n < 4)
				continue;
			return sprout_buf_add(b, w, i) || sprout_buf_add(b, w + i + 1, n - i - 1)
				   ? SPROUT_ERR_NOMEM
				   : SPROUT_OK;
		case 3: /* a letter doubled */
			if (!letter(w[i]))
				continue;
			return sprout_buf_add(b, w, i + 1) || sprout_buf_add(b, w + i, n - i)
				   ? SPROUT_ERR_NOMEM
				   : SPROUT_OK;
		case 4: /* the apostrophe forgotten */
			if (!apos)
				continue;
			return sprout_buf_add(b, w, (size_t)(apos - w)) ||
				       sprout_buf_add(b, apos + 1, n - (size_t)(apos - w) - 1)
				   ? SPROUT_ERR_NOMEM
				   : SPROUT_OK;
		case 5: /* a casing slip: "the" at a start, or "THe" */
			if (sentence_start && w[0] >= 'A' && w[0] <= 'Z' && w[1] >= 'a' &&
			    w[1] <= 'z') {
				if (sprout_rng_below(rng, 2))
					return sprout_buf_addc(b, (char)(w[0] + 32)) ||
						       sprout_buf_add(b, w + 1, n - 1)
						   ? SPROUT_ERR_NOMEM
						   : SPROUT_OK;
				return sprout_buf_addc(b, w[0]) ||
					       sprout_buf_addc(b, (char)(w[1] - 32)) ||
					       sprout_buf_add(b, w + 2, n - 2)
					   ? SPROUT_ERR_NOMEM
					   : SPROUT_OK;
			}
			continue;
		}
	}
	return SPROUT_ERR_USAGE; /* nothing applied */
}

int aug_typo(struct aug_ctx *c, const char *s, size_t n, double rate, sprout_rng *rng,
	     sprout_arena *a, sprout_buf *out)
{
	sprout_tokens t;
	if (aug_tokenize(c, s, n, a, &t))
		return -1;
	size_t *words = sprout_arena_alloc(a, (t.n + 1) * sizeof *words);
	char *hit = sprout_arena_alloc(a, t.n + 1);
	if (!words || !hit)
		return -1;
	memset(hit, 0, t.n + 1);
	size_t nw = 0;
	for (size_t i = 0; i < t.n; i++)
		if (t.v[i].kind == SPROUT_TOK_WORD && t.v[i].len >= 3 &&
		    ascii_word(s + t.v[i].off, t.v[i].len))
			words[nw++] = i;
	if (!nw)
		return 0;
	sprout_rng_shuffle(rng, words, nw, sizeof *words);
	size_t want = aug_how_many(rate, nw);
	for (size_t j = 0; j < want; j++)
		hit[words[j]] = 1;
	int changed = 0;
	for (size_t i = 0; i < t.n; i++) {
		const sprout_token *k = &t.v[i];
		if (hit[i]) {
			size_t before = out->len;
			sprout_code rc =
			    one_typo(s + k->off, k->len, aug_sentence_start(s, &t, i), rng, out);
			if (rc == SPROUT_OK) {
				changed = 1;
				continue;
			}
			if (rc != SPROUT_ERR_USAGE)
				return -1;
			out->len = before;
		}
		if (sprout_buf_add(out, s + k->off, k->len))
			return -1;
	}
	return changed;
}

/* ---- phrase replacement for casual and formal -------------------------- */

struct phrase {
	const char *from, *to;
};

/* Lowercase word at token i with ’ read as ', into w; 0 if too long. */
static int word_at(const char *s, const sprout_token *k, char *w, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < k->len; i++) {
		if (o + 1 >= cap)
			return 0;
		if (i + 3 <= k->len && memcmp(s + k->off + i, "\xe2\x80\x99", 3) == 0) {
			w[o++] = '\'';
			i += 2;
			continue;
		}
		char c = s[k->off + i];
		w[o++] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
	}
	w[o] = '\0';
	return 1;
}

/* Does phrase p match the words starting at token i? Returns the token
 * after the match, or 0. Words must be separated by plain spaces. */
static size_t match(const char *s, const sprout_tokens *t, size_t i, const char *p)
{
	while (*p) {
		const char *sp = strchr(p, ' ');
		size_t pl = sp ? (size_t)(sp - p) : strlen(p);
		if (i >= t->n || t->v[i].kind != SPROUT_TOK_WORD)
			return 0;
		char w[64];
		if (!word_at(s, &t->v[i], w, sizeof w) || strlen(w) != pl || memcmp(w, p, pl) != 0)
			return 0;
		i++;
		if (!sp)
			return i;
		if (i >= t->n || t->v[i].kind != SPROUT_TOK_SPACE || t->v[i].len != 1 ||
		    s[t->v[i].off] != ' ')
			return 0;
		i++;
		p = sp + 1;
	}
	return i;
}

enum case_mode {
	AS_WRITTEN,  /* chat words: "u", "pls" */
	SOURCE_CASE, /* contractions: "Do not" -> "Don't", "I am" -> "I'm" */
	CAPITALIZED  /* expansions: as written, capitalised where the source was */
};

/* The lowercase word of the first word token from i on (skipping spaces),
 * "" when punctuation or the end comes first. */
static void next_word(const char *s, const sprout_tokens *t, size_t i, char *w, size_t cap)
{
	w[0] = '\0';
	while (i < t->n && t->v[i].kind == SPROUT_TOK_SPACE)
		i++;
	if (i < t->n && t->v[i].kind == SPROUT_TOK_WORD && !word_at(s, &t->v[i], w, cap))
		w[0] = '\0';
}

static void prev_word(const char *s, const sprout_tokens *t, size_t i, char *w, size_t cap)
{
	w[0] = '\0';
	while (i > 0 && t->v[i - 1].kind == SPROUT_TOK_SPACE)
		i--;
	if (i > 0 && t->v[i - 1].kind == SPROUT_TOK_WORD && !word_at(s, &t->v[i - 1], w, cap))
		w[0] = '\0';
}

static int in_list(const char *w, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(*list, w) == 0)
			return 1;
	return 0;
}

/* May the words from token i to end be contracted? English contracts an
 * auxiliary, not a verb in a stressed place: "i've lost", not "do i've",
 * "i've to" or "what time it's"; "it's right now" reads wrong too. */
static int may_contract(const char *s, const sprout_tokens *t, size_t i, size_t end, const char *to)
{
	static const char *const auxiliaries[] = {"do",	 "does",  "did",    "will",  "would",
						  "can", "could", "should", "shall", "must",
						  "may", "might", "to",	    "not",   NULL};
	static const char *const stressed_next[] = {"right", "now", "today", "here",  "there",
						    "then",  "yet", "too",   "again", NULL};
	char next[32], prev[32];
	next_word(s, t, end, next, sizeof next);
	prev_word(s, t, i, prev, sizeof prev);
	size_t tl = strlen(to);
	int negative = tl > 3 && strcmp(to + tl - 3, "n't") == 0;
	if (negative)
		return 1; /* "don't", "isn't": the negation carries the stress */
	if (!next[0] || in_list(next, stressed_next))
		return 0; /* at the end of a clause: "yes i am", "what time it is" */
	if (in_list(prev, auxiliaries))
		return 0; /* a question or an infinitive: "do i have", "to let us" */
	if (tl > 3 && strcmp(to + tl - 3, "'ve") == 0) {
		/* "have" contracts as an auxiliary only: before a past participle */
		static const char *const participles[] = {
		    "been",  "got",    "gotten",   "lost",	"done",	 "made",  "seen",
		    "sent",  "paid",   "had",	   "forgotten", "given", "taken", "found",
		    "heard", "left",   "bought",   "spent",	"put",	 "read",  "set",
		    "come",  "gone",   "written",  "known",	"won",	 "just",  "already",
		    "never", "always", "recently", "still",	"ever",	 NULL};
		size_t nl = strlen(next);
		return in_list(next, participles) || (nl > 3 && strcmp(next + nl - 2, "ed") == 0);
	}
	return 1;
}

/* Replace listed phrases, each with probability p, cased as mode says.
 * Returns the number of replacements, -1 on OOM. */
static int replace_phrases(const char *s, const sprout_tokens *t, const struct phrase *list,
			   double p, enum case_mode mode, int contracting, sprout_rng *rng,
			   sprout_buf *out)
{
	int count = 0;
	for (size_t i = 0; i < t->n;) {
		const sprout_token *k = &t->v[i];
		size_t end = 0;
		const struct phrase *hit = NULL;
		if (k->kind == SPROUT_TOK_WORD) {
			for (const struct phrase *ph = list; ph->from; ph++) {
				if ((end = match(s, t, i, ph->from))) {
					hit = ph;
					break;
				}
			}
		}
		if (hit && contracting && !may_contract(s, t, i, end, hit->to))
			hit = NULL;
		if (hit && sprout_rng_double(rng) < p) {
			sprout_case c = sprout_case_of(s + k->off, k->len);
			if (c == SPROUT_CASE_UPPER && k->len == 1)
				c = SPROUT_CASE_TITLE; /* "I am" -> "I'm", not "I'M" */
			if (mode == AS_WRITTEN || (mode == CAPITALIZED && c == SPROUT_CASE_LOWER) ||
			    c == SPROUT_CASE_MIXED)
				c = SPROUT_CASE_MIXED; /* sprout_case_apply copies it */
			size_t before = out->len;
			if (sprout_case_apply(out, hit->to, strlen(hit->to), c))
				return -1;
			/* "I" for "I" is no change */
			size_t from_len = t->v[end - 1].off + t->v[end - 1].len - k->off;
			if (out->len - before != from_len ||
			    memcmp(out->data + before, s + k->off, from_len) != 0)
				count++;
			i = end;
			continue;
		}
		if (sprout_buf_add(out, s + k->off, k->len))
			return -1;
		i++;
	}
	return count;
}

/* longest first, so "can not" wins over "can" */
static const struct phrase contractions[] = {
    {"do not", "don't"},
    {"does not", "doesn't"},
    {"did not", "didn't"},
    {"is not", "isn't"},
    {"are not", "aren't"},
    {"was not", "wasn't"},
    {"were not", "weren't"},
    {"have not", "haven't"},
    {"has not", "hasn't"},
    {"had not", "hadn't"},
    {"will not", "won't"},
    {"would not", "wouldn't"},
    {"should not", "shouldn't"},
    {"could not", "couldn't"},
    {"can not", "can't"},
    {"cannot", "can't"},
    {"i am", "i'm"},
    {"you are", "you're"},
    {"we are", "we're"},
    {"they are", "they're"},
    {"it is", "it's"},
    {"that is", "that's"},
    {"there is", "there's"},
    {"what is", "what's"},
    {"i have", "i've"},
    {"i will", "i'll"},
    {"i would", "i'd"},
    {"let us", "let's"},
    {"you will", "you'll"},
    {"we will", "we'll"},
    {NULL, NULL},
};

static const struct phrase chat[] = {
    {"as soon as possible", "asap"},
    {"by the way", "btw"},
    {"i don't know", "idk"},
    {"to be honest", "tbh"},
    {"thank you", "ty"},
    {"right now", "rn"},
    {"please", "pls"},
    {"you", "u"},
    {"your", "ur"},
    {"thanks", "thx"},
    {"because", "bc"},
    {"okay", "ok"},
    {"people", "ppl"},
    {"tomorrow", "tmrw"},
    {"message", "msg"},
    {"want to", "wanna"},
    {"going to", "gonna"},
    {NULL, NULL},
};

static const struct phrase expansions[] = {
    {"i don't know", "I do not know"},
    {"don't", "do not"},
    {"doesn't", "does not"},
    {"didn't", "did not"},
    {"isn't", "is not"},
    {"aren't", "are not"},
    {"wasn't", "was not"},
    {"weren't", "were not"},
    {"haven't", "have not"},
    {"hasn't", "has not"},
    {"hadn't", "had not"},
    {"won't", "will not"},
    {"wouldn't", "would not"},
    {"shouldn't", "should not"},
    {"couldn't", "could not"},
    {"can't", "cannot"},
    {"i'm", "I am"},
    {"you're", "you are"},
    {"we're", "we are"},
    {"they're", "they are"},
    {"it's", "it is"},
    {"that's", "that is"},
    {"there's", "there is"},
    {"what's", "what is"},
    {"i've", "I have"},
    {"i'll", "I will"},
    {"i'd", "I would"},
    {"let's", "let us"},
    {"you'll", "you will"},
    {"we'll", "we will"},
    {"pls", "please"},
    {"plz", "please"},
    {"u", "you"},
    {"ur", "your"},
    {"thx", "thanks"},
    {"thnx", "thanks"},
    {"ty", "thank you"},
    {"bc", "because"},
    {"cuz", "because"},
    {"ppl", "people"},
    {"msg", "message"},
    {"asap", "as soon as possible"},
    {"btw", "by the way"},
    {"idk", "I do not know"},
    {"tbh", "to be honest"},
    {"rn", "right now"},
    {"tmrw", "tomorrow"},
    {"wanna", "want to"},
    {"gonna", "going to"},
    {"gotta", "have to"},
    {"im", "I am"},
    {"dont", "do not"},
    {"cant", "cannot"},
    {"didnt", "did not"},
    {"doesnt", "does not"},
    {"isnt", "is not"},
    {"ive", "I have"},
    {"thats", "that is"},
    {"whats", "what is"},
    {"i", "I"},
    {NULL, NULL},
};

/* The first and last tokens that are not space, or -1. */
static long first_solid(const sprout_tokens *t)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].kind != SPROUT_TOK_SPACE)
			return (long)i;
	return -1;
}

static long last_solid(const sprout_tokens *t)
{
	for (size_t i = t->n; i-- > 0;)
		if (t->v[i].kind != SPROUT_TOK_SPACE)
			return (long)i;
	return -1;
}

int aug_casual(struct aug_ctx *c, const char *s, size_t n, double rate, sprout_rng *rng,
	       sprout_arena *a, sprout_buf *out)
{
	sprout_tokens t;
	if (aug_tokenize(c, s, n, a, &t))
		return -1;
	sprout_buf step = SPROUT_BUF_INIT((n + 16) * 4);
	int changes = replace_phrases(s, &t, contractions, rate, SOURCE_CASE, 1, rng, &step);
	if (changes < 0)
		goto oom;
	/* chat words on what the contractions left */
	sprout_tokens t2;
	const char *s2 = step.data ? step.data : "";
	if (sprout_tokenize(a, s2, step.len, &t2))
		goto oom;
	int more = replace_phrases(s2, &t2, chat, rate / 2, AS_WRITTEN, 0, rng, out);
	if (more < 0)
		goto oom;
	changes += more;
	sprout_buf_release(&step);
	/* a lowercase start and no final period, each now and then */
	sprout_tokens t3;
	char *s3 = sprout_arena_strndup(a, out->data ? out->data : "", out->len);
	if (!s3 || sprout_tokenize(a, s3, out->len, &t3))
		return -1;
	long f = first_solid(&t3), l = last_solid(&t3);
	int lower_start = f >= 0 && t3.v[f].kind == SPROUT_TOK_WORD &&
			  sprout_case_of(s3 + t3.v[f].off, t3.v[f].len) == SPROUT_CASE_TITLE &&
			  !(t3.v[f].len == 1 || (t3.v[f].len > 1 && s3[t3.v[f].off] == 'I' &&
						 s3[t3.v[f].off + 1] == '\'')) &&
			  sprout_rng_double(rng) < rate;
	int drop_dot = l > 0 && t3.v[l].kind == SPROUT_TOK_PUNCT && s3[t3.v[l].off] == '.' &&
		       t3.v[l - 1].kind != SPROUT_TOK_PUNCT && sprout_rng_double(rng) < rate;
	if (!lower_start && !drop_dot)
		return changes > 0;
	sprout_buf_clear(out);
	for (size_t i = 0; i < t3.n; i++) {
		const sprout_token *k = &t3.v[i];
		sprout_code rc;
		if (drop_dot && (long)i == l)
			continue;
		if (lower_start && (long)i == f)
			rc = sprout_case_apply(out, s3 + k->off, k->len, SPROUT_CASE_LOWER);
		else
			rc = sprout_buf_add(out, s3 + k->off, k->len);
		if (rc)
			return -1;
	}
	return 1;
oom:
	sprout_buf_release(&step);
	return -1;
}

static const char *const question_words[] = {
    "what",  "why",    "how",	"where", "when",  "who",  "whom", "whose", "which", "is",
    "are",   "am",     "was",	"were",	 "do",	  "does", "did",  "can",   "could", "will",
    "would", "should", "shall", "may",	 "might", "have", "has",  NULL,
};

static int is_question_word(const char *s, const sprout_token *k)
{
	char w[32];
	if (!word_at(s, k, w, sizeof w))
		return 0;
	for (const char *const *q = question_words; *q; q++)
		if (strcmp(*q, w) == 0)
			return 1;
	return 0;
}

int aug_formal(struct aug_ctx *c, const char *s, size_t n, double rate, sprout_rng *rng,
	       sprout_arena *a, sprout_buf *out)
{
	sprout_tokens t;
	if (aug_tokenize(c, s, n, a, &t))
		return -1;
	sprout_buf step = SPROUT_BUF_INIT((n + 16) * 8);
	int changes = replace_phrases(s, &t, expansions, rate, CAPITALIZED, 0, rng, &step);
	if (changes < 0) {
		sprout_buf_release(&step);
		return -1;
	}
	const char *s2 = step.data ? step.data : "";
	sprout_tokens t2;
	if (sprout_tokenize(a, s2, step.len, &t2)) {
		sprout_buf_release(&step);
		return -1;
	}
	long f = first_solid(&t2), l = last_solid(&t2);
	for (size_t i = 0; i < t2.n; i++) {
		const sprout_token *k = &t2.v[i];
		sprout_code rc;
		/* every sentence starts with a capital */
		if (k->kind == SPROUT_TOK_WORD && aug_sentence_start(s2, &t2, i) &&
		    sprout_case_of(s2 + k->off, k->len) == SPROUT_CASE_LOWER) {
			rc = sprout_case_apply(out, s2 + k->off, k->len, SPROUT_CASE_TITLE);
			changes++;
		} else {
			rc = sprout_buf_add(out, s2 + k->off, k->len);
		}
		if (rc)
			goto oom;
	}
	/* a sentence ends with its mark */
	if (l >= 0 && (t2.v[l].kind == SPROUT_TOK_WORD || t2.v[l].kind == SPROUT_TOK_PROTECTED) &&
	    !memchr(s2, '\n', step.len)) {
		int question =
		    f >= 0 && t2.v[f].kind == SPROUT_TOK_WORD && is_question_word(s2, &t2.v[f]);
		size_t trail = step.len - (t2.v[l].off + t2.v[l].len);
		out->len -= trail;
		if (sprout_buf_addc(out, question ? '?' : '.') ||
		    sprout_buf_add(out, s2 + step.len - trail, trail))
			goto oom;
		changes++;
	}
	sprout_buf_release(&step);
	return changes > 0;
oom:
	sprout_buf_release(&step);
	return -1;
}

/* ---- instruction phrasing ---------------------------------------------- */

static const char *const wrappers[] = {
    "can you please ",	 "could you please ",
    "would you please ", "will you please ",
    "can you ",		 "could you ",
    "would you ",	 "will you ",
    "please ",		 "i need you to ",
    "i want you to ",	 "i'd like you to ",
    "kindly ",		 NULL,
};

/* Verbs instructions start with, beyond what WordNet says */
static const char *const instruction_verbs[] = {
    "add",	"analyze",   "answer",	"book",	    "calculate", "cancel",  "change",	 "check",
    "choose",	"classify",  "compare", "compose",  "convert",	 "correct", "create",	 "describe",
    "design",	"determine", "draft",	"edit",	    "explain",	 "extract", "find",	 "fix",
    "generate", "give",	     "help",	"identify", "list",	 "make",    "name",	 "order",
    "outline",	"plan",	     "predict", "provide",  "recommend", "remove",  "reset",	 "rewrite",
    "select",	"send",	     "show",	"solve",    "sort",	 "suggest", "summarize", "tell",
    "transfer", "translate", "update",	"write",    NULL,
};

static int imperative_verb(const struct sprout_augmenter *g, const char *w)
{
	for (const char *const *v = instruction_verbs; *v; v++)
		if (strcmp(*v, w) == 0)
			return 1;
	if (!g->wn)
		return 0;
	unsigned vs, vt, ns, nt;
	sprout_wordnet_info(g->wn, w, SPROUT_POS_VERB, &vs, &vt);
	sprout_wordnet_info(g->wn, w, SPROUT_POS_NOUN, &ns, &nt);
	return vs && vt > 0 && vt >= nt;
}

int aug_format(struct aug_ctx *c, const char *s, size_t n, double rate, sprout_rng *rng,
	       sprout_arena *a, sprout_buf *out)
{
	(void)rate;
	/* leading space stays where it is */
	size_t lead = 0;
	while (lead < n && (s[lead] == ' ' || s[lead] == '\n' || s[lead] == '\t'))
		lead++;
	const char *p = s + lead;
	size_t pn = n - lead;
	/* lowercase prefix to look for a request wrapper */
	char head[40];
	size_t hn = pn < sizeof head - 1 ? pn : sizeof head - 1;
	for (size_t i = 0; i < hn; i++)
		head[i] = (p[i] >= 'A' && p[i] <= 'Z') ? (char)(p[i] + 32) : p[i];
	head[hn] = '\0';
	for (size_t i = 0; i < hn; i++)
		if ((unsigned char)head[i] == 0xe2)
			head[i] = '\0'; /* no curly quotes in wrappers */
	size_t wl = 0;
	int was_question_wrapper = 0;
	for (const char *const *w = wrappers; *w; w++) {
		size_t k = strlen(*w);
		if (strncmp(head, *w, k) == 0) {
			wl = k;
			was_question_wrapper = (*w)[0] == 'c' || (*w)[0] == 'w';
			break;
		}
	}
	const char *core = p + wl;
	size_t cn = pn - wl;
	/* the first sentence: up to . ! ? : or a line break outside any
	 * protected span ("file.pdf" does not end it) */
	sprout_tokens all;
	if (aug_tokenize(c, core, cn, a, &all))
		return -1;
	size_t end = cn;
	for (size_t i = 0; i < all.n; i++) {
		const sprout_token *k = &all.v[i];
		if (k->kind == SPROUT_TOK_PUNCT && strchr(".!?:", core[k->off])) {
			end = k->off;
			break;
		}
		if (k->kind == SPROUT_TOK_SPACE && memchr(core + k->off, '\n', k->len)) {
			end = k->off + (size_t)((const char *)memchr(core + k->off, '\n', k->len) -
						(core + k->off));
			break;
		}
	}
	char mark = end < cn ? core[end] : '\0';
	size_t rest = end < cn && mark != '\n' ? end + 1 : end;
	sprout_tokens t;
	if (sprout_tokenize(a, core, end, &t))
		return -1;
	if (!t.n)
		return 0;
	if (t.v[0].kind != SPROUT_TOK_WORD)
		return 0;
	char first[32];
	if (!word_at(core, &t.v[0], first, sizeof first))
		return 0;
	int imperative = imperative_verb(c->g, first) && !is_question_word(core, &t.v[0]);
	int question = !wl && mark == '?' && is_question_word(core, &t.v[0]);
	if (!imperative && !question)
		return 0;
	if (imperative && mark == '?' && !was_question_wrapper)
		return 0; /* "Guess what?" */
	sprout_code rc = sprout_buf_add(out, s, lead);
	if (question) {
		static const char *const intros[] = {
		    "Quick question: ",
		    "I have a question. ",
		    "Can you help me with this? ",
		    "Question: ",
		};
		const char *intro = intros[sprout_rng_below(rng, 4)];
		sprout_case fc = sprout_case_of(core + t.v[0].off, t.v[0].len);
		rc = rc ? rc : sprout_buf_adds(out, intro);
		/* the question starts a sentence of its own */
		rc = rc ? rc
			: sprout_case_apply(out, core, t.v[0].len,
					    fc == SPROUT_CASE_LOWER ? SPROUT_CASE_TITLE : fc);
		rc = rc ? rc : sprout_buf_add(out, core + t.v[0].len, cn - t.v[0].len);
		return rc ? -1 : 1;
	}
	/* the imperative, lowercase; forms that differ from the current one */
	enum { PLEASE, CAN, COULD, NEED, COLON, DIRECT, NFORMS };
	int current = !wl		     ? (mark == ':' ? COLON : DIRECT)
		      : was_question_wrapper ? CAN
		      : head[0] == 'p'	     ? PLEASE
					     : NEED;
	int forms[NFORMS], nf = 0;
	for (int f = 0; f < NFORMS; f++)
		if (f != current && !(f == COULD && current == CAN))
			forms[nf++] = f;
	int form = forms[sprout_rng_below(rng, (uint64_t)nf)];
	static const char *const prefixes[NFORMS] = {
	    "Please ", "Can you ", "Could you please ", "I need you to ", "", ""};
	static const char ends_with[NFORMS] = {'.', '?', '?', '.', ':', '.'};
	sprout_case fc = sprout_case_of(core + t.v[0].off, t.v[0].len);
	if (!rc)
		rc = sprout_buf_adds(out, prefixes[form]);
	if (!rc)
		rc = sprout_case_apply(out, core, t.v[0].len,
				       prefixes[form][0]
					   ? (fc == SPROUT_CASE_TITLE ? SPROUT_CASE_LOWER : fc)
				       : fc == SPROUT_CASE_LOWER ? SPROUT_CASE_TITLE
								 : fc);
	if (!rc)
		rc = sprout_buf_add(out, core + t.v[0].len, end - t.v[0].len);
	if (!rc)
		rc = sprout_buf_addc(out, ends_with[form]);
	if (!rc)
		rc = sprout_buf_add(out, core + rest, cn - rest);
	return rc ? -1 : 1;
}

/* ---- questions and politeness ------------------------------------------- */

/* The first sentence of s: its words' tokens (from the first word), where
 * it ends (the index of its final mark, or n) and the mark ('\0' none). */
struct sentence {
	sprout_tokens t; /* tokens of s up to the end */
	size_t start;	 /* byte offset of the first word */
	size_t end;	 /* byte offset of the final mark, or n */
	char mark;
};

static int first_sentence(struct aug_ctx *c, const char *s, size_t n, sprout_arena *a,
			  struct sentence *out)
{
	sprout_tokens all;
	if (aug_tokenize(c, s, n, a, &all))
		return -1;
	long f = first_solid(&all);
	if (f < 0 || all.v[f].kind != SPROUT_TOK_WORD)
		return 0;
	out->start = all.v[f].off;
	out->end = n;
	out->mark = '\0';
	for (size_t i = (size_t)f; i < all.n; i++) {
		const sprout_token *k = &all.v[i];
		if (k->kind == SPROUT_TOK_PUNCT && strchr(".!?", s[k->off])) {
			out->end = k->off;
			out->mark = s[k->off];
			break;
		}
		if (k->kind == SPROUT_TOK_SPACE && memchr(s + k->off, '\n', k->len)) {
			out->end = k->off;
			break;
		}
	}
	if (sprout_tokenize(a, s + out->start, out->end - out->start, &out->t))
		return -1;
	return out->t.n > 0;
}

/* The first token after the words of phrase p at the start of the
 * sentence and the spaces after them (0 when they are not there). */
static size_t starts_with(const char *s, const struct sentence *z, const char *p)
{
	size_t k = match(s + z->start, &z->t, 0, p);
	while (k && k < z->t.n && z->t.v[k].kind == SPROUT_TOK_SPACE)
		k++;
	return k;
}

/* Write head, then the sentence from token k on, then mark, then what
 * follows the sentence; the first letter of head takes the case of the
 * sentence's first word. */
static int rewrite(const char *s, size_t n, const struct sentence *z, const char *head, size_t k,
		   char mark, sprout_buf *out)
{
	const char *body = s + z->start;
	sprout_case fc = sprout_case_of(body + z->t.v[0].off, z->t.v[0].len);
	sprout_code rc = sprout_buf_add(out, s, z->start);
	size_t hl = strlen(head);
	if (!rc && hl)
		rc = sprout_case_apply(out, head, 1,
				       fc == SPROUT_CASE_TITLE ||
					       (fc == SPROUT_CASE_UPPER && body[0] != 'I')
					   ? SPROUT_CASE_TITLE
					   : SPROUT_CASE_MIXED);
	if (!rc && hl > 1)
		rc = sprout_buf_add(out, head + 1, hl - 1);
	size_t from = k < z->t.n ? z->t.v[k].off : z->end - z->start;
	if (!rc)
		rc = sprout_buf_add(out, body + from, z->end - z->start - from);
	/* no space before the new mark */
	while (!rc && out->len && out->data[out->len - 1] == ' ')
		out->len--;
	if (!rc && mark)
		rc = sprout_buf_addc(out, mark);
	size_t after = z->end + (z->mark ? 1 : 0);
	if (!rc && after < n)
		rc = sprout_buf_add(out, s + after, n - after);
	return rc ? -1 : 1;
}

/* Verbs after "i want to" that a question form would change the sense of
 * ("i want to know" is not "how do i know"). */
static int wish_verb_ok(const char *s, const struct sentence *z, size_t k)
{
	static const char *const no[] = {"know", "ask",	 "be",	  "talk", "speak", "see", "say",
					 "tell", "hear", "thank", "let",  "have",  "go",  NULL};
	if (k >= z->t.n || z->t.v[k].kind != SPROUT_TOK_WORD)
		return 0;
	char w[32];
	if (!word_at(s + z->start, &z->t.v[k], w, sizeof w))
		return 0;
	for (const char *const *p = no; *p; p++)
		if (strcmp(*p, w) == 0)
			return 0;
	return 1;
}

int aug_question(struct aug_ctx *c, const char *s, size_t n, double rate, sprout_rng *rng,
		 sprout_arena *a, sprout_buf *out)
{
	(void)rate;
	struct sentence z;
	int got = first_sentence(c, s, n, a, &z);
	if (got <= 0)
		return got < 0 ? -1 : AUG_NEVER;
	/* a wish stated: ask how */
	static const char *const wishes[] = {
	    "i want to", "i need to",	    "i'd like to", "i would like to",
	    "i wanna",	 "i would love to", NULL};
	for (const char *const *p = wishes; *p; p++) {
		size_t k = starts_with(s, &z, *p);
		if (!k || z.mark == '?')
			continue;
		if (!wish_verb_ok(s, &z, k))
			return AUG_NEVER;
		static const char *const heads[] = {"how do i ", "how can i ", "can i "};
		return rewrite(s, n, &z, heads[sprout_rng_below(rng, 3)], k, '?', out);
	}
	/* one way of asking for another */
	static const struct {
		const char *from, *to[2];
	} asks[] = {
	    {"how do i", {"how can i ", "what do i do to "}},
	    {"how can i", {"how do i ", "what should i do to "}},
	    {"where do i", {"where can i ", "where can i "}},
	    {"where can i", {"where do i ", "where do i "}},
	    {"can i", {"is it possible to ", "am i able to "}},
	    {"is it possible to", {"can i ", "can i "}},
	    {"what do i need to", {"what do i have to ", "what should i "}},
	    {NULL, {NULL, NULL}},
	};
	for (size_t i = 0; asks[i].from; i++) {
		size_t k = starts_with(s, &z, asks[i].from);
		if (!k || z.mark == '.' || z.mark == '!')
			continue;
		if (k >= z.t.n)
			return AUG_NEVER;
		return rewrite(s, n, &z, asks[i].to[sprout_rng_below(rng, 2)], k, z.mark, out);
	}
	return AUG_NEVER;
}

/* 1 when the text already greets, thanks or says please. */
static int already_polite(const char *s, const sprout_tokens *t)
{
	static const char *const words[] = {"please", "pls",   "plz", "thanks", "thank", "thx",
					    "hi",     "hello", "hey", "kindly", NULL};
	for (size_t i = 0; i < t->n; i++) {
		char w[16];
		if (t->v[i].kind != SPROUT_TOK_WORD || !word_at(s, &t->v[i], w, sizeof w))
			continue;
		for (const char *const *p = words; *p; p++)
			if (strcmp(*p, w) == 0)
				return 1;
	}
	return 0;
}

int aug_polite(struct aug_ctx *c, const char *s, size_t n, double rate, sprout_rng *rng,
	       sprout_arena *a, sprout_buf *out)
{
	(void)rate;
	sprout_tokens all;
	if (aug_tokenize(c, s, n, a, &all))
		return -1;
	if (already_polite(s, &all))
		return AUG_NEVER;
	struct sentence z;
	int got = first_sentence(c, s, n, a, &z);
	if (got <= 0)
		return got < 0 ? -1 : AUG_NEVER;
	/* "how do i X?" -> "could you tell me how to X?" */
	static const char *const how[] = {"how do i", "how can i", NULL};
	for (const char *const *p = how; *p; p++) {
		size_t k = starts_with(s, &z, *p);
		if (!k || z.mark == '.' || z.mark == '!')
			continue;
		if (k >= z.t.n || sprout_rng_below(rng, 2))
			break; /* half the time a frame instead */
		static const char *const heads[] = {"could you tell me how to ",
						    "can you tell me how to "};
		return rewrite(s, n, &z, heads[sprout_rng_below(rng, 2)], k, '?', out);
	}
	long l = last_solid(&all);
	char last = l >= 0 && all.v[l].kind == SPROUT_TOK_PUNCT ? s[all.v[l].off] : '\0';
	int frame = (int)sprout_rng_below(rng, 3);
	sprout_code rc = SPROUT_OK;
	if (frame == 0) {
		/* a greeting before the text: "hi, how do i ..." */
		static const char *const greet[] = {"Hi, ", "Hello, ", "Hi there, "};
		const char *g = greet[sprout_rng_below(rng, 3)];
		const sprout_token *f = &z.t.v[0];
		const char *w0 = s + z.start + f->off;
		sprout_case fc = sprout_case_of(w0, f->len);
		int lower_text = fc == SPROUT_CASE_LOWER;
		rc = sprout_buf_add(out, s, z.start);
		rc = rc		  ? rc
		     : lower_text ? sprout_case_apply(out, g, strlen(g), SPROUT_CASE_LOWER)
				  : sprout_buf_adds(out, g);
		/* the text's first word loses a capital that only marked the start
		 * ("Hi, how", not "Hi, How"); "I" and names keep theirs */
		char w[32];
		int common = word_at(s + z.start, f, w, sizeof w) && fc == SPROUT_CASE_TITLE &&
			     f->len > 1 && aug_is_stopword(w, strlen(w)) && w[0] != 'i';
		rc = rc	      ? rc
		     : common ? sprout_case_apply(out, w0, f->len, SPROUT_CASE_LOWER)
			      : sprout_buf_add(out, w0, f->len);
		rc = rc ? rc : sprout_buf_add(out, w0 + f->len, n - (size_t)(w0 + f->len - s));
		return rc ? -1 : 1;
	}
	/* ", please" only ends a request: "can you ...?" or an imperative */
	char w0[32];
	int request = word_at(s + z.start, &z.t.v[0], w0, sizeof w0) &&
		      ((starts_with(s, &z, "can you") || starts_with(s, &z, "could you") ||
			starts_with(s, &z, "would you") || starts_with(s, &z, "will you"))
			   ? z.mark == '?'
			   : z.mark != '?' && imperative_verb(c->g, w0) &&
				 !is_question_word(s + z.start, &z.t.v[0]));
	if (frame == 1 && request && (last == '?' || last == '.' || last == '\0' || last == '!') &&
	    l >= 0 && (z.end == n || z.end == all.v[l].off)) {
		/* "..., please?" at the end of a one-sentence request */
		size_t cut = last ? all.v[l].off : n;
		while (cut > 0 && s[cut - 1] == ' ')
			cut--;
		rc = sprout_buf_add(out, s, cut);
		rc = rc ? rc : sprout_buf_adds(out, ", please");
		rc = rc ? rc : sprout_buf_add(out, s + cut, n - cut);
		return rc ? -1 : 1;
	}
	/* thanks after the text */
	static const char *const thanks[] = {" Thanks!", " Thank you.", " Thanks in advance."};
	size_t end = n;
	while (end > 0 && (s[end - 1] == ' ' || s[end - 1] == '\n'))
		end--;
	rc = sprout_buf_add(out, s, end);
	if (!rc && !(last == '?' || last == '.' || last == '!'))
		rc = sprout_buf_addc(
		    out, is_question_word(s + z.start, &z.t.v[0]) && z.end == n ? '?' : '.');
	rc = rc ? rc : sprout_buf_adds(out, thanks[sprout_rng_below(rng, 3)]);
	rc = rc ? rc : sprout_buf_add(out, s + end, n - end);
	return rc ? -1 : 1;
}
