/* WordNet 3.0 database lookups on mapped files. See sprout/wordnet.h and
 * WordNet's wndb(5) for the file formats. */
#include "services/wordnet_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

static const char *const pos_names[SPROUT_POS__COUNT] = {"noun", "verb", "adj", "adv"};

static int map_file(const char *dir, const char *kind, const char *pos, struct map *m,
		    sprout_error *err)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s.%s", dir, kind, pos);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		sprout_error_set(err, SPROUT_ERR_IO,
				 "WordNet data not found (%s: %s); install the Debian package "
				 "wordnet-base or set SPROUT_WORDNET_DIR",
				 path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || st.st_size == 0) {
		close(fd);
		sprout_error_set(err, SPROUT_ERR_IO, "WordNet file %s is empty or unreadable",
				 path);
		return -1;
	}
	void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		sprout_error_set(err, SPROUT_ERR_IO, "cannot map %s: %s", path, strerror(errno));
		return -1;
	}
	m->p = p;
	m->n = (size_t)st.st_size;
	m->id[0] = (uint64_t)st.st_size;
	m->id[1] = (uint64_t)st.st_mtim.tv_sec * 1000000000u + (uint64_t)st.st_mtim.tv_nsec;
	m->id[2] = (uint64_t)st.st_ino;
	m->id[3] = (uint64_t)st.st_dev;
	return 0;
}

/* A word set's table while it is built. */
struct wordset_build {
	uint64_t *v;
	size_t mask;
};

static void wordset_put(struct wordset_build *ws, uint64_t h)
{
	size_t i = (size_t)h & ws->mask;
	while (ws->v[i] && ws->v[i] != h)
		i = (i + 1) & ws->mask;
	ws->v[i] = h;
}

static int wordset_has(const struct wordset *ws, const char *w, size_t n)
{
	if (!ws->v)
		return 1;
	uint64_t h = XXH3_64bits(w, n) | 1;
	/* at most a full turn: a table from a damaged index file may have no
	 * empty slot */
	size_t i = (size_t)h & ws->mask;
	for (size_t k = 0; k <= ws->mask && ws->v[i]; k++, i = (i + 1) & ws->mask)
		if (ws->v[i] == h)
			return 1;
	return 0;
}

/* Newlines in [p, end), eight bytes at a time. */
static size_t count_lines(const char *p, const char *end)
{
	size_t lines = 0;
	const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
	for (; end - p >= 8; p += 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		w ^= ones * '\n'; /* a newline byte becomes zero */
		/* exact zero-byte test: no carries between bytes */
		uint64_t z = ~(((w & ~highs) + ~highs) | w) & highs;
		lines += (size_t)(((z >> 7) * ones) >> 56); /* adds up the bytes' ones */
	}
	for (; p < end; p++)
		lines += *p == '\n';
	return lines;
}

/* Index every line by its first field, so a lookup is one hash probe
 * instead of a binary search over the file. Collocations ("show_up") also
 * give their last word to ws and their first to first, when given. Lines
 * go in by groups: the slots of a group are fetched from memory while its
 * hashes are worked out, since waiting for them is most of the time
 * otherwise. */
#define GROUP 16
static uint32_t slot_tag(uint64_t h, unsigned bits)
{
	return bits >= 32 ? 0 : (uint32_t)(h >> 32) >> bits;
}

static int index_lines(struct map *m, struct wordset_build *ws, struct wordset_build *first)
{
	size_t lines = count_lines(m->p, m->p + m->n);
	size_t cap = 16;
	while (cap < (lines + 1) * 2)
		cap *= 2;
	uint32_t *slots;
	if (m->n >= UINT32_MAX || !(slots = calloc(cap, sizeof *slots)))
		return -1;
	m->slots = slots;
	m->mask = cap - 1;
	unsigned bits = m->bits = wn_off_bits(m->n);
	const char *end = m->p + m->n;
	const char *p = m->p;
	while (p < end) {
		const char *key[GROUP];
		size_t h[GROUP];
		uint32_t tag[GROUP];
		uint64_t lw[GROUP], fw[GROUP]; /* hashes of the last and first word of a
						* collocation, 0: none */
		int n = 0;
		while (n < GROUP && p < end) {
			/* the first field, and its first and last '_' */
			const char *q = p, *us = NULL, *last_us = NULL;
			for (; q < end && *q != ' ' && *q != '\n'; q++) {
				if (*q == '_') {
					if (!us)
						us = q;
					last_us = q;
				}
			}
			size_t kl = (size_t)(q - p);
			if (kl && *p != ' ') { /* license lines start with spaces */
				key[n] = p;
				uint64_t kh = XXH3_64bits(p, kl);
				h[n] = (size_t)kh & m->mask;
				tag[n] = slot_tag(kh, bits) << bits;
				__builtin_prefetch(&slots[h[n]], 1);
				lw[n] = fw[n] = 0;
				if (us && ws) {
					lw[n] =
					    XXH3_64bits(last_us + 1, (size_t)(q - last_us - 1)) | 1;
					__builtin_prefetch(&ws->v[(size_t)lw[n] & ws->mask], 1);
				}
				if (us && first) {
					fw[n] = XXH3_64bits(p, (size_t)(us - p)) | 1;
					__builtin_prefetch(&first->v[(size_t)fw[n] & first->mask],
							   1);
				}
				n++;
			}
			const char *nl =
			    q < end && *q == '\n' ? q : memchr(q, '\n', (size_t)(end - q));
			p = nl ? nl + 1 : end;
		}
		for (int i = 0; i < n; i++) {
			size_t k = h[i];
			while (slots[k])
				k = (k + 1) & m->mask;
			slots[k] = tag[i] | ((uint32_t)(key[i] - m->p) + 1);
			if (lw[i])
				wordset_put(ws, lw[i]);
			if (fw[i])
				wordset_put(first, fw[i]);
		}
	}
	return 0;
}

static int cmp_irregular(const void *a, const void *b)
{
	const struct irregular *x = a, *y = b;
	size_t n = x->blen < y->blen ? x->blen : y->blen;
	int c = memcmp(x->base, y->base, n);
	return c ? c : (x->blen > y->blen) - (x->blen < y->blen);
}

/* Reverse an exception list: "mice mouse" becomes (mouse, mice). */
static int load_irregular(sprout_wordnet *wn, int pos)
{
	const struct map *m = &wn->exc[pos];
	size_t lines = 0;
	for (size_t i = 0; i < m->n; i++)
		lines += m->p[i] == '\n';
	wn->irr[pos] = malloc((lines + 1) * sizeof *wn->irr[pos]);
	if (!wn->irr[pos])
		return -1;
	size_t k = 0;
	const char *p = m->p, *end = m->p + m->n;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		const char *sp = memchr(p, ' ', (size_t)(nl - p));
		if (sp) {
			const char *b = sp + 1, *be = memchr(b, ' ', (size_t)(nl - b));
			if (!be)
				be = nl;
			wn->irr[pos][k++] =
			    (struct irregular){b, p, (size_t)(be - b), (size_t)(sp - p)};
		}
		p = nl + 1;
	}
	wn->nirr[pos] = k;
	qsort(wn->irr[pos], k, sizeof *wn->irr[pos], cmp_irregular);
	return 0;
}

/* Index the files wn has mapped. */
static int build_index(sprout_wordnet *wn)
{
	/* WordNet 3.0 has about 68,000 collocations, with some 21,000
	 * distinct last words and 19,000 first words */
	struct wordset_build last = {NULL, ((size_t)1 << 16) - 1}, first = {NULL, last.mask};
	wn->last_words.v = last.v = calloc(last.mask + 1, sizeof *last.v);
	wn->first_words.v = first.v = calloc(first.mask + 1, sizeof *first.v);
	wn->last_words.mask = wn->first_words.mask = last.mask;
	if (!last.v || !first.v)
		return -1;
	for (int i = 0; i < SPROUT_POS__COUNT; i++)
		if (index_lines(&wn->index[i], &last, &first) ||
		    index_lines(&wn->exc[i], NULL, &first) || load_irregular(wn, i))
			return -1;
	return 0;
}

sprout_wordnet *sprout_wordnet_open(const char *dir, sprout_error *err)
{
	if (!dir)
		dir = getenv("SPROUT_WORDNET_DIR");
	if (!dir || !*dir)
		dir = SPROUT_WORDNET_DIR;
	sprout_wordnet *wn = calloc(1, sizeof *wn);
	if (!wn) {
		sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		return NULL;
	}
	for (int i = 0; i < SPROUT_POS__COUNT; i++) {
		if (map_file(dir, "index", pos_names[i], &wn->index[i], err) ||
		    map_file(dir, "data", pos_names[i], &wn->data[i], err) ||
		    map_file(dir, pos_names[i], "exc", &wn->exc[i], err)) {
			sprout_wordnet_close(wn);
			return NULL;
		}
	}
	/* sense counts are optional: without them every count is 0 */
	map_file(dir, "cntlist", "rev", &wn->counts, NULL);
	char cache[2048];
	int cached = wn_cache_path(dir, cache, sizeof cache) == 0;
	if (cached && wn_cache_load(wn, cache) == 0)
		return wn;
	if (build_index(wn)) {
		sprout_wordnet_close(wn);
		sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		return NULL;
	}
	if (cached)
		wn_cache_save(wn, cache);
	return wn;
}

void sprout_wordnet_close(sprout_wordnet *wn)
{
	if (!wn)
		return;
	if (wn->cache) {
		munmap(wn->cache, wn->cache_len);
	} else {
		free((void *)wn->last_words.v);
		free((void *)wn->first_words.v);
		for (int i = 0; i < SPROUT_POS__COUNT; i++) {
			free((void *)wn->index[i].slots);
			free((void *)wn->exc[i].slots);
		}
	}
	if (wn->counts.p)
		munmap((void *)wn->counts.p, wn->counts.n);
	for (int i = 0; i < SPROUT_POS__COUNT; i++) {
		if (wn->index[i].p)
			munmap((void *)wn->index[i].p, wn->index[i].n);
		if (wn->data[i].p)
			munmap((void *)wn->data[i].p, wn->data[i].n);
		if (wn->exc[i].p)
			munmap((void *)wn->exc[i].p, wn->exc[i].n);
		free(wn->irr[i]);
	}
	free(wn);
}

int sprout_wordnet_cached(const sprout_wordnet *wn)
{
	return wn->cache != NULL;
}

/* The line whose first field is key, or NULL. */
static const char *find_line(const struct map *m, const char *key, size_t klen)
{
	if (!m->slots || !klen)
		return NULL;
	uint64_t kh = XXH3_64bits(key, klen);
	size_t h = (size_t)kh & m->mask;
	unsigned bits = m->bits;
	uint32_t tag = slot_tag(kh, bits),
		 low = bits >= 32 ? UINT32_MAX : ((uint32_t)1 << bits) - 1;
	/* bounded, as the slots may come from a damaged index file */
	uint32_t v;
	for (size_t k = 0; k <= m->mask && (v = m->slots[h]); k++, h = (h + 1) & m->mask) {
		uint32_t off = v & low;
		if (bits < 32 && v >> bits != tag)
			continue;
		if (off - 1 >= m->n || m->n - (off - 1) <= klen)
			continue;
		const char *line = m->p + off - 1;
		if (memcmp(line, key, klen) == 0 && (line[klen] == ' ' || line[klen] == '\n'))
			return line;
	}
	return NULL;
}

/* Key form of a word: lowercase ASCII letters kept, spaces as '_'. */
static size_t keyify(const char *w, char out[SPROUT_WORD_MAX])
{
	size_t n = 0;
	for (; *w && n + 1 < SPROUT_WORD_MAX; w++)
		out[n++] = *w == ' ' ? '_' : (*w >= 'A' && *w <= 'Z') ? (char)(*w + 32) : *w;
	out[n] = '\0';
	return n;
}

/* Fields of an index line: lemma pos synset_cnt p_cnt [ptr...] sense_cnt
 * tagsense_cnt offsets... Returns the pointer to the first offset. */
static const char *index_fields(const char *line, unsigned *senses, unsigned *tagged)
{
	const char *p = strchr(line, ' ');
	char *q;
	if (!p)
		return NULL;
	p = strchr(p + 1, ' '); /* after pos */
	if (!p)
		return NULL;
	unsigned long synsets = strtoul(p + 1, &q, 10);
	unsigned long ptrs = strtoul(q, &q, 10);
	for (unsigned long i = 0; i < ptrs; i++) {
		while (*q == ' ')
			q++;
		while (*q && *q != ' ')
			q++;
	}
	strtoul(q, &q, 10); /* sense_cnt, same as synsets */
	unsigned long tag = strtoul(q, &q, 10);
	if (senses)
		*senses = (unsigned)synsets;
	if (tagged)
		*tagged = (unsigned)tag;
	return q;
}

void sprout_wordnet_info(const sprout_wordnet *wn, const char *lemma, sprout_pos pos,
			 unsigned *senses, unsigned *tagged)
{
	char key[SPROUT_WORD_MAX];
	size_t kl = keyify(lemma, key);
	*senses = 0;
	if (tagged)
		*tagged = 0;
	const char *line = find_line(&wn->index[pos], key, kl);
	if (line)
		index_fields(line, senses, tagged);
}

/* Start of the line holding byte i of m. */
static size_t line_start(const struct map *m, size_t i)
{
	while (i > 0 && m->p[i - 1] != '\n')
		i--;
	return i;
}

size_t sprout_wordnet_sense_counts(const sprout_wordnet *wn, const char *lemma, sprout_pos pos,
				   unsigned *counts, size_t max)
{
	unsigned senses = 0;
	sprout_wordnet_info(wn, lemma, pos, &senses, NULL);
	size_t n = senses < max ? senses : max;
	for (size_t i = 0; i < n; i++)
		counts[i] = 0;
	const struct map *m = &wn->counts;
	char key[SPROUT_WORD_MAX + 1];
	size_t kl = keyify(lemma, key);
	if (!m->p || !n || !kl)
		return n;
	key[kl++] = '%'; /* lines are "lemma%type:... sense_number tag_count" */
	/* the first line not below key, by bisection over byte offsets */
	size_t lo = 0, hi = m->n;
	while (lo < hi) {
		size_t mid = line_start(m, lo + (hi - lo) / 2);
		size_t end = mid;
		while (end < m->n && m->p[end] != '\n')
			end++;
		size_t cl = end - mid < kl ? end - mid : kl;
		int c = memcmp(m->p + mid, key, cl);
		if (c < 0 || (c == 0 && cl < kl))
			lo = end + 1;
		else
			hi = mid;
	}
	/* ss_type: 1 noun, 2 verb, 3 adjective, 4 adverb, 5 adjective satellite */
	for (size_t i = lo; i + kl < m->n && memcmp(m->p + i, key, kl) == 0;) {
		char type = m->p[i + kl];
		const char *sp = memchr(m->p + i, ' ', m->n - i);
		const char *nl = memchr(m->p + i, '\n', m->n - i);
		if (!sp || !nl || sp > nl)
			break;
		int p = type == '1'		     ? SPROUT_POS_NOUN
			: type == '2'		     ? SPROUT_POS_VERB
			: type == '3' || type == '5' ? SPROUT_POS_ADJ
			: type == '4'		     ? SPROUT_POS_ADV
						     : -1;
		char *q;
		unsigned long sense = strtoul(sp + 1, &q, 10);
		unsigned long tag = strtoul(q, &q, 10);
		if (p == (int)pos && sense >= 1 && sense <= n && q <= nl)
			counts[sense - 1] = (unsigned)(tag > UINT32_MAX ? UINT32_MAX : tag);
		i = (size_t)(nl - m->p) + 1;
	}
	return n;
}

static int known(const sprout_wordnet *wn, const char *w, size_t n, sprout_pos pos)
{
	return n && n < SPROUT_WORD_MAX && find_line(&wn->index[pos], w, n) != NULL;
}

static size_t add_unique(char out[][SPROUT_WORD_MAX], size_t count, size_t max, const char *w,
			 size_t n)
{
	if (count >= max || n == 0 || n >= SPROUT_WORD_MAX)
		return count;
	for (size_t i = 0; i < count; i++)
		if (strlen(out[i]) == n && memcmp(out[i], w, n) == 0)
			return count;
	memcpy(out[count], w, n);
	out[count][n] = '\0';
	return count + 1;
}

struct rule {
	const char *suffix, *ending;
};

static const struct rule noun_rules[] = {
    {"s", ""},	    {"ses", "s"},   {"xes", "x"}, {"zes", "z"}, {"ches", "ch"},
    {"shes", "sh"}, {"men", "man"}, {"ies", "y"}, {NULL, NULL},
};
static const struct rule verb_rules[] = {
    {"s", ""},	{"ies", "y"}, {"es", "e"}, {"es", ""},	 {"ed", "e"},
    {"ed", ""}, {"ing", "e"}, {"ing", ""}, {NULL, NULL},
};
static const struct rule adj_rules[] = {
    {"er", ""}, {"est", ""}, {"er", "e"}, {"est", "e"}, {NULL, NULL},
};

size_t sprout_wordnet_lemmas(const sprout_wordnet *wn, const char *word, sprout_pos pos,
			     char out[][SPROUT_WORD_MAX], size_t max)
{
	char key[SPROUT_WORD_MAX];
	size_t kl = keyify(word, key), count = 0;
	if (!kl || kl + 1 >= SPROUT_WORD_MAX)
		return 0;
	/* irregular forms: "mice mouse", "went go" */
	const char *line = find_line(&wn->exc[pos], key, kl);
	if (line) {
		const char *p = line + kl, *end = strchr(line, '\n');
		while (p && *p == ' ' && p < end) {
			const char *b = p + 1, *e = b;
			while (e < end && *e != ' ')
				e++;
			if (known(wn, b, (size_t)(e - b), pos))
				count = add_unique(out, count, max, b, (size_t)(e - b));
			p = e;
		}
	}
	if (known(wn, key, kl, pos))
		count = add_unique(out, count, max, key, kl);
	const struct rule *rules = pos == SPROUT_POS_NOUN   ? noun_rules
				   : pos == SPROUT_POS_VERB ? verb_rules
				   : pos == SPROUT_POS_ADJ  ? adj_rules
							    : NULL;
	for (const struct rule *r = rules; r && r->suffix; r++) {
		size_t sl = strlen(r->suffix), el = strlen(r->ending);
		if (kl <= sl || memcmp(key + kl - sl, r->suffix, sl) != 0)
			continue;
		char cand[SPROUT_WORD_MAX];
		size_t cl = kl - sl;
		memcpy(cand, key, cl);
		memcpy(cand + cl, r->ending, el);
		cl += el;
		cand[cl] = '\0';
		if (known(wn, cand, cl, pos))
			count = add_unique(out, count, max, cand, cl);
	}
	/* doubled consonants: "cancelled" -> "cancell" -> "cancel" */
	if (pos == SPROUT_POS_VERB || pos == SPROUT_POS_ADJ) {
		static const char *const sfx[] = {"ed", "ing", "er", "est"};
		for (size_t i = 0; i < 4; i++) {
			size_t sl = strlen(sfx[i]);
			if (kl > sl + 2 && memcmp(key + kl - sl, sfx[i], sl) == 0 &&
			    key[kl - sl - 1] == key[kl - sl - 2] &&
			    known(wn, key, kl - sl - 1, pos))
				count = add_unique(out, count, max, key, kl - sl - 1);
		}
	}
	return count;
}

/* Parse a data line at offset: append its words to out. */
/* 1 when synset offset is among the first `top` senses of key in index m. */
static int among_first_senses(const struct map *index, const char *key, size_t kl,
			      unsigned long offset, unsigned top)
{
	const char *line = find_line(index, key, kl);
	if (!line)
		return 0;
	unsigned senses;
	const char *p = index_fields(line, &senses, NULL);
	for (unsigned i = 0; p && i < senses && i < top; i++) {
		char *q;
		unsigned long off = strtoul(p, &q, 10);
		if (q == p)
			break;
		if (off == offset)
			return 1;
		p = q;
	}
	return 0;
}

static size_t synset_words(const struct map *m, const struct map *index, unsigned long offset,
			   const char *self, unsigned mutual, char out[][SPROUT_WORD_MAX],
			   size_t count, size_t max)
{
	if (offset >= m->n)
		return count;
	const char *p = m->p + offset, *end = memchr(p, '\n', m->n - offset);
	if (!end)
		end = m->p + m->n;
	char *q;
	strtoul(p, &q, 10); /* synset offset */
	strtoul(q, &q, 10); /* lex file number */
	while (*q == ' ')
		q++;
	while (*q && *q != ' ') /* ss_type */
		q++;
	unsigned long words = strtoul(q, &q, 16);
	for (unsigned long i = 0; i < words && q < end; i++) {
		while (*q == ' ')
			q++;
		const char *w = q;
		while (q < end && *q != ' ')
			q++;
		size_t wl = (size_t)(q - w);
		const char *paren = memchr(w, '(', wl); /* adjective markers: "big(a)" */
		if (paren)
			wl = (size_t)(paren - w);
		strtoul(q, &q, 16); /* lex_id */
		char word[SPROUT_WORD_MAX];
		if (wl == 0 || wl >= SPROUT_WORD_MAX)
			continue;
		for (size_t k = 0; k < wl; k++)
			word[k] = w[k] == '_' ? ' ' : w[k];
		word[wl] = '\0';
		char lower[SPROUT_WORD_MAX];
		size_t ll = keyify(word, lower);
		if (strcmp(lower, self) == 0)
			continue;
		/* a word whose own common senses do not include this one would
		 * read as something else ("bump" for "find") */
		if (mutual && !among_first_senses(index, lower, ll, offset, mutual))
			continue;
		count = add_unique(out, count, max, word, wl);
	}
	return count;
}

static size_t synonyms(const sprout_wordnet *wn, const char *lemma, sprout_pos pos,
		       size_t max_senses, unsigned mutual, char out[][SPROUT_WORD_MAX], size_t max);

size_t sprout_wordnet_synonyms(const sprout_wordnet *wn, const char *lemma, sprout_pos pos,
			       size_t max_senses, char out[][SPROUT_WORD_MAX], size_t max)
{
	return synonyms(wn, lemma, pos, max_senses, 0, out, max);
}

size_t sprout_wordnet_close_synonyms(const sprout_wordnet *wn, const char *lemma, sprout_pos pos,
				     size_t max_senses, unsigned top, char out[][SPROUT_WORD_MAX],
				     size_t max)
{
	return synonyms(wn, lemma, pos, max_senses, top ? top : 1, out, max);
}

static size_t synonyms(const sprout_wordnet *wn, const char *lemma, sprout_pos pos,
		       size_t max_senses, unsigned mutual, char out[][SPROUT_WORD_MAX], size_t max)
{
	char key[SPROUT_WORD_MAX];
	size_t kl = keyify(lemma, key);
	const char *line = find_line(&wn->index[pos], key, kl);
	if (!line)
		return 0;
	unsigned senses;
	const char *p = index_fields(line, &senses, NULL);
	size_t count = 0;
	for (unsigned i = 0; p && i < senses && i < max_senses; i++) {
		char *q;
		unsigned long off = strtoul(p, &q, 10);
		if (q == p)
			break;
		p = q;
		count = synset_words(&wn->data[pos], &wn->index[pos], off, key, mutual, out, count,
				     max);
	}
	/* "card" and "Card" are one word to a reader; keep one */
	return count;
}

int sprout_wordnet_may_start_collocation(const sprout_wordnet *wn, const char *word)
{
	char key[SPROUT_WORD_MAX];
	size_t kl = keyify(word, key);
	/* a word with a space or '_' in it is a collocation's start already */
	return strchr(key, '_') != NULL || wordset_has(&wn->first_words, key, kl);
}

int sprout_wordnet_may_end_collocation(const sprout_wordnet *wn, const char *word)
{
	char key[SPROUT_WORD_MAX];
	size_t kl = keyify(word, key);
	if (wordset_has(&wn->last_words, key, kl))
		return 1;
	/* a plural last word: "credit cards" */
	char l[4][SPROUT_WORD_MAX];
	size_t n = sprout_wordnet_lemmas(wn, key, SPROUT_POS_NOUN, l, 4);
	for (size_t i = 0; i < n; i++)
		if (wordset_has(&wn->last_words, l[i], strlen(l[i])))
			return 1;
	return 0;
}

size_t sprout_wordnet_synsets(const sprout_wordnet *wn, const char *lemma, sprout_pos pos,
			      size_t max_senses, uint64_t *out, size_t max)
{
	char key[SPROUT_WORD_MAX];
	size_t kl = keyify(lemma, key), n = 0;
	const char *line = find_line(&wn->index[pos], key, kl);
	if (!line)
		return 0;
	unsigned senses;
	const char *p = index_fields(line, &senses, NULL);
	for (unsigned i = 0; p && i < senses && i < max_senses && n < max; i++) {
		char *q;
		unsigned long off = strtoul(p, &q, 10);
		if (q == p)
			break;
		p = q;
		out[n++] = ((uint64_t)pos << 32) | off;
	}
	return n;
}

size_t sprout_wordnet_hypernyms(const sprout_wordnet *wn, uint64_t synset, uint64_t *out,
				size_t max)
{
	unsigned pos = (unsigned)(synset >> 32);
	unsigned long offset = (unsigned long)(synset & 0xffffffffu);
	if (pos >= SPROUT_POS__COUNT || offset >= wn->data[pos].n)
		return 0;
	const struct map *m = &wn->data[pos];
	const char *p = m->p + offset, *end = memchr(p, '\n', m->n - offset);
	if (!end)
		end = m->p + m->n;
	char *q;
	strtoul(p, &q, 10); /* offset */
	strtoul(q, &q, 10); /* lex file */
	while (*q == ' ')
		q++;
	while (q < end && *q != ' ') /* ss_type */
		q++;
	unsigned long words = strtoul(q, &q, 16);
	for (unsigned long i = 0; i < words && q < end; i++) {
		while (*q == ' ')
			q++;
		while (q < end && *q != ' ')
			q++;
		strtoul(q, &q, 16); /* lex_id */
	}
	unsigned long ptrs = strtoul(q, &q, 10);
	size_t n = 0;
	for (unsigned long i = 0; i < ptrs && q < end; i++) {
		while (*q == ' ')
			q++;
		const char *sym = q;
		while (q < end && *q != ' ')
			q++;
		size_t sl = (size_t)(q - sym);
		unsigned long off = strtoul(q, &q, 10);
		while (*q == ' ')
			q++;
		char pc = *q; /* n v a s r */
		while (q < end && *q != ' ')
			q++;
		strtoul(q, &q, 16); /* source/target */
		int hyper =
		    (sl == 1 && sym[0] == '@') || (sl == 2 && sym[0] == '@' && sym[1] == 'i');
		if (!hyper || n >= max)
			continue;
		unsigned tp = pc == 'n'	  ? SPROUT_POS_NOUN
			      : pc == 'v' ? SPROUT_POS_VERB
			      : pc == 'r' ? SPROUT_POS_ADV
					  : SPROUT_POS_ADJ;
		out[n++] = ((uint64_t)tp << 32) | off;
	}
	return n;
}

/* ---- inflection -------------------------------------------------------- */

static int ends(const char *w, size_t n, const char *s)
{
	size_t k = strlen(s);
	return n >= k && memcmp(w + n - k, s, k) == 0;
}

sprout_form sprout_form_of(const char *word, const char *lemma, sprout_pos pos)
{
	char w[SPROUT_WORD_MAX], l[SPROUT_WORD_MAX];
	size_t wl = keyify(word, w);
	keyify(lemma, l);
	if (strcmp(w, l) == 0)
		return SPROUT_FORM_BASE;
	switch (pos) {
	case SPROUT_POS_NOUN: return SPROUT_FORM_PLURAL;
	case SPROUT_POS_VERB:
		if (ends(w, wl, "ing"))
			return SPROUT_FORM_ING;
		if (ends(w, wl, "s") && !ends(w, wl, "ss"))
			return SPROUT_FORM_THIRD;
		return SPROUT_FORM_PAST;
	case SPROUT_POS_ADJ: return ends(w, wl, "est") ? SPROUT_FORM_MOST : SPROUT_FORM_MORE;
	default: return SPROUT_FORM_BASE;
	}
}

static int vowel(char c)
{
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

/* consonant-vowel-consonant at the end of a one-syllable word: "stop" */
static int double_final(const char *w, size_t n)
{
	if (n < 3 || n > 4 || vowel(w[n - 1]) || strchr("wxy", w[n - 1]) || !vowel(w[n - 2]) ||
	    vowel(w[n - 3]))
		return 0;
	size_t vowels = 0;
	for (size_t i = 0; i < n; i++)
		vowels += vowel(w[i]);
	return vowels == 1;
}

/* Irregular form of base (from the exception list), or NULL. For verbs,
 * want_suffix picks among several ("ate"/"eaten": past wants no -en). */
static const struct irregular *irregular(const sprout_wordnet *wn, sprout_pos pos, const char *base,
					 size_t bl, const char *want_suffix, int *several)
{
	struct irregular key = {base, NULL, bl, 0};
	const struct irregular *v = wn->irr[pos];
	size_t n = wn->nirr[pos], lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (cmp_irregular(&v[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	const struct irregular *found = NULL;
	*several = 0;
	for (size_t i = lo; i < n && cmp_irregular(&v[i], &key) == 0; i++) {
		const struct irregular *e = &v[i];
		if (want_suffix && !ends(e->form, e->flen, want_suffix))
			continue;
		if (found)
			*several = 1;
		else
			found = e;
	}
	return found;
}

/* out = the first keep bytes of w, then suffix (no printf: this is hot). */
static void build(char *out, size_t cap, const char *w, size_t keep, const char *suffix)
{
	size_t sl = strlen(suffix);
	if (keep + sl >= cap) {
		out[0] = '\0';
		return;
	}
	memcpy(out, w, keep);
	memcpy(out + keep, suffix, sl + 1);
}

sprout_code sprout_inflect(const sprout_wordnet *wn, const char *lemma, sprout_pos pos,
			   sprout_form form, sprout_buf *b)
{
	if (form != SPROUT_FORM_BASE && pos != SPROUT_POS_NOUN && pos != SPROUT_POS_VERB)
		return SPROUT_ERR_USAGE; /* "more X" or "X-er" depends on the word */
	/* a verb collocation inflects its first word ("called off"), a noun
	 * its last ("identity cards") */
	const char *head = lemma, *rest = "";
	size_t n = strcspn(lemma, " ");
	if (pos == SPROUT_POS_NOUN && lemma[n]) {
		head = strrchr(lemma, ' ') + 1;
		n = strlen(head);
	} else {
		rest = lemma + n;
	}
	char w[SPROUT_WORD_MAX];
	if (n >= SPROUT_WORD_MAX)
		return SPROUT_ERR_USAGE;
	memcpy(w, head, n);
	w[n] = '\0';
	char out[SPROUT_WORD_MAX * 2];
	int several = 0;
	const struct irregular *irr = NULL;
	switch (form) {
	case SPROUT_FORM_BASE: build(out, sizeof out, w, n, ""); break;
	case SPROUT_FORM_PLURAL:
	case SPROUT_FORM_THIRD:
		if (form == SPROUT_FORM_PLURAL &&
		    (irr = irregular(wn, SPROUT_POS_NOUN, w, n, NULL, &several))) {
			build(out, sizeof out, irr->form, irr->flen, "");
		} else if (ends(w, n, "s") || ends(w, n, "x") || ends(w, n, "z") ||
			   ends(w, n, "ch") || ends(w, n, "sh") ||
			   (form == SPROUT_FORM_THIRD && ends(w, n, "o"))) {
			build(out, sizeof out, w, n, "es");
		} else if (n > 1 && w[n - 1] == 'y' && !vowel(w[n - 2])) {
			build(out, sizeof out, w, n - 1, "ies");
		} else {
			build(out, sizeof out, w, n, "s");
		}
		break;
	case SPROUT_FORM_PAST:
		if (irregular(wn, SPROUT_POS_VERB, w, n, NULL, &several))
			return SPROUT_ERR_USAGE; /* past or participle? not safe to guess */
		if (ends(w, n, "e"))
			build(out, sizeof out, w, n, "d");
		else if (n > 1 && w[n - 1] == 'y' && !vowel(w[n - 2]))
			build(out, sizeof out, w, n - 1, "ied");
		else if (double_final(w, n))
			build(out, sizeof out, w, n, (char[]){w[n - 1], 'e', 'd', '\0'});
		else
			build(out, sizeof out, w, n, "ed");
		break;
	case SPROUT_FORM_ING:
		if ((irr = irregular(wn, SPROUT_POS_VERB, w, n, "ing", &several)))
			build(out, sizeof out, irr->form, irr->flen, "");
		else if (ends(w, n, "ie"))
			build(out, sizeof out, w, n - 2, "ying");
		else if (ends(w, n, "e") && !ends(w, n, "ee") && !ends(w, n, "ye") &&
			 !ends(w, n, "oe") && n > 2)
			build(out, sizeof out, w, n - 1, "ing");
		else if (double_final(w, n))
			build(out, sizeof out, w, n, (char[]){w[n - 1], 'i', 'n', 'g', '\0'});
		else
			build(out, sizeof out, w, n, "ing");
		break;
	case SPROUT_FORM_MORE:
	case SPROUT_FORM_MOST: return SPROUT_ERR_USAGE; /* "more X" or "X-er" depends on the word */
	}
	sprout_code rc = sprout_buf_add(b, lemma, (size_t)(head - lemma));
	if (!rc)
		rc = sprout_buf_adds(b, out);
	return rc ? rc : sprout_buf_adds(b, rest);
}
