/* Tokens and case for the augmenters. See sprout/text.h. */
#include "sprout/text.h"

#include <string.h>
#include <utf8proc.h>

#include "sprout/utf8.h"

/* Code point at s[i] (U+FFFD and length 1 for a bad byte). */
static uint32_t cp_at(const char *s, size_t n, size_t i, size_t *len)
{
	if (i < n && (unsigned char)s[i] < 0x80) { /* most text */
		*len = 1;
		return (unsigned char)s[i];
	}
	uint32_t cp;
	size_t k = sprout_utf8_decode((const unsigned char *)s + i, n - i, &cp);
	if (!k) {
		*len = 1;
		return 0xFFFD;
	}
	*len = k;
	return cp;
}

int sprout_is_letter(uint32_t cp)
{
	if (cp < 0x80)
		return (cp | 0x20) >= 'a' && (cp | 0x20) <= 'z';
	utf8proc_category_t c = utf8proc_category((utf8proc_int32_t)cp);
	return c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO;
}

static int is_mark(uint32_t cp)
{
	if (cp < 0x300)
		return 0;
	utf8proc_category_t c = utf8proc_category((utf8proc_int32_t)cp);
	return c >= UTF8PROC_CATEGORY_MN && c <= UTF8PROC_CATEGORY_ME;
}

static int is_digit(uint32_t cp)
{
	return cp >= '0' && cp <= '9';
}

static int is_space(uint32_t cp)
{
	if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\v' || cp == '\f')
		return 1;
	if (cp < 0x80)
		return 0;
	utf8proc_category_t c = utf8proc_category((utf8proc_int32_t)cp);
	return c == UTF8PROC_CATEGORY_ZS || c == UTF8PROC_CATEGORY_ZL || c == UTF8PROC_CATEGORY_ZP;
}

static int is_alnum(uint32_t cp)
{
	return is_digit(cp) || sprout_is_letter(cp) || is_mark(cp);
}

struct tz {
	sprout_arena *a;
	const char *s;
	size_t n;
	sprout_token *v;
	size_t count, cap;
};

static sprout_code emit(struct tz *t, size_t off, size_t len, sprout_tok_kind kind)
{
	if (!len)
		return SPROUT_OK;
	if (t->count == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		sprout_token *v = sprout_arena_alloc(t->a, cap * sizeof *v);
		if (!v)
			return SPROUT_ERR_NOMEM;
		if (t->count)
			memcpy(v, t->v, t->count * sizeof *v);
		t->v = v;
		t->cap = cap;
	}
	t->v[t->count++] = (sprout_token){off, len, kind};
	return SPROUT_OK;
}

static int starts(const struct tz *t, size_t i, const char *lit)
{
	size_t k = strlen(lit);
	return t->n - i >= k && memcmp(t->s + i, lit, k) == 0;
}

/* End of s[i..] up to and including the first `close`, or 0 if absent
 * within limit bytes (0 = no limit). */
static size_t find_close(const struct tz *t, size_t i, const char *close, size_t limit)
{
	size_t k = strlen(close);
	size_t end = limit && i + limit < t->n ? i + limit : t->n;
	for (size_t j = i; j + k <= end; j++)
		if (memcmp(t->s + j, close, k) == 0)
			return j + k;
	return 0;
}

static int ident_char(char c, int upper_only)
{
	if (c >= 'A' && c <= 'Z')
		return 1;
	if (c == '_' || (c >= '0' && c <= '9'))
		return 1;
	return !upper_only && ((c >= 'a' && c <= 'z') || c == '.' || c == '-');
}

/* Length of a placeholder at i, or 0. */
static size_t placeholder(const struct tz *t, size_t i)
{
	const char *s = t->s;
	size_t n = t->n;
	if (!strchr("{$%<[", s[i]) || !s[i]) /* most tokens */
		return 0;
	if (starts(t, i, "{{")) {
		size_t e = find_close(t, i + 2, "}}", 200);
		return e ? e - i : 0;
	}
	if (starts(t, i, "${") || starts(t, i, "%(") || s[i] == '{' || s[i] == '<' || s[i] == '[') {
		size_t j = i + (s[i] == '$' || s[i] == '%' ? 2 : 1);
		char close = s[i] == '{' || s[i] == '$' ? '}'
			     : s[i] == '<'		? '>'
			     : s[i] == '['		? ']'
							: ')';
		int upper_only = s[i] == '[';
		size_t start = j;
		while (j < n && ident_char(s[j], upper_only))
			j++;
		if (j == start || j >= n || s[j] != close)
			return 0;
		j++;
		if (s[i] == '%') { /* %(name)s */
			if (j < n && ((s[j] | 0x20) >= 'a' && (s[j] | 0x20) <= 'z'))
				return j + 1 - i;
			return 0;
		}
		return j - i;
	}
	if (s[i] == '$' && i + 1 < n && ((s[i + 1] >= 'A' && s[i + 1] <= 'Z') || s[i + 1] == '_')) {
		size_t j = i + 1;
		while (j < n && ident_char(s[j], 1))
			j++;
		return j - i;
	}
	if (s[i] == '%' && i + 1 < n && strchr("sdfir", s[i + 1]) && s[i + 1])
		return (i + 2 >= n || !is_alnum((unsigned char)s[i + 2])) ? 2 : 0;
	return 0;
}

/* Length of a URL at i, trailing punctuation left out, or 0. */
static size_t url(const struct tz *t, size_t i)
{
	char c = t->s[i];
	if (c != 'h' && c != 'f' && c != 'w') /* most tokens: no literal to try */
		return 0;
	if (!(starts(t, i, "http://") || starts(t, i, "https://") || starts(t, i, "ftp://") ||
	      starts(t, i, "www.")))
		return 0;
	size_t j = i;
	while (j < t->n) {
		size_t k;
		uint32_t cp = cp_at(t->s, t->n, j, &k);
		if (is_space(cp) || cp == '"' || cp == '<' || cp == '>')
			break;
		j += k;
	}
	while (j > i && strchr(".,;:!?)]}'", t->s[j - 1]))
		j--;
	return j - i;
}

/* Length of a quoted string at i (quotes included), or 0. */
static size_t quoted(const struct tz *t, size_t i, uint32_t prev)
{
	static const char *const pairs[][2] = {
	    {"\"", "\""},
	    {"\xe2\x80\x9c", "\xe2\x80\x9d"},
	    {"\xe2\x80\x98", "\xe2\x80\x99"},
	    {"'", "'"},
	};
	char c = t->s[i];
	if (c != '"' && c != '\'' && c != '\xe2') /* most tokens */
		return 0;
	for (size_t p = 0; p < sizeof pairs / sizeof pairs[0]; p++) {
		const char *open = pairs[p][0], *close = pairs[p][1];
		size_t ol = strlen(open);
		if (!starts(t, i, open))
			continue;
		int single = open[0] == '\'' || p == 2;
		if (single && is_alnum(prev))
			return 0; /* an apostrophe after a letter is not a quote */
		size_t j = i + ol;
		while (j < t->n) {
			if (starts(t, j, "\n\n"))
				return 0;
			if (starts(t, j, close)) {
				size_t cl = strlen(close);
				if (single && j + cl < t->n) {
					size_t k;
					uint32_t next = cp_at(t->s, t->n, j + cl, &k);
					if (is_alnum(next)) { /* "don't" inside the quote */
						j += cl;
						continue;
					}
				}
				return j + cl - i > ol + cl ? j + cl - i : 0;
			}
			size_t k;
			cp_at(t->s, t->n, j, &k);
			j += k;
			if (j - i > 1000)
				return 0;
		}
		return 0;
	}
	return 0;
}

static int joiner(uint32_t cp)
{
	return cp == '\'' || cp == 0x2019 || cp == '-' || cp == '_' || cp == '.' || cp == '/' ||
	       cp == '@' || cp == '#' || cp == '+' || cp == '&' || cp == ':' || cp == ',';
}

/* A run of letters, digits and inner joiners; classify it. */
static sprout_code chunk(struct tz *t, size_t i, size_t *end)
{
	const char *s = t->s;
	size_t n = t->n, j = i;
	int letters = 0, digits = 0, others = 0, word_joiners = 0;
	while (j < n) {
		size_t k;
		uint32_t cp = cp_at(s, n, j, &k);
		if (sprout_is_letter(cp) || is_mark(cp)) {
			letters++;
		} else if (is_digit(cp)) {
			digits++;
		} else if (joiner(cp) || ((cp == '$' || cp == '%') && digits)) {
			/* a joiner counts only between two word characters */
			size_t k2;
			uint32_t next = j + k < n ? cp_at(s, n, j + k, &k2) : 0;
			if (cp == '%' && digits) {
				others++;
				j += k;
				continue;
			}
			if (!(j > i && is_alnum(next)))
				break;
			int in_word = cp == '\'' || cp == 0x2019 || cp == '-';
			/* "1,000" and "3:30" are numbers; "a,b" and "a:b" split */
			if ((cp == ',' || cp == ':') && !(digits && is_digit(next)))
				break;
			if (in_word)
				word_joiners++;
			else
				others++;
		} else {
			break;
		}
		j += k;
	}
	*end = j;
	sprout_tok_kind kind = SPROUT_TOK_PROTECTED;
	if (letters && !digits && !others)
		kind = SPROUT_TOK_WORD;
	(void)word_joiners;
	return emit(t, i, j - i, kind);
}

sprout_code sprout_tokenize(sprout_arena *a, const char *s, size_t n, sprout_tokens *out)
{
	struct tz t = {a, s, n, NULL, 0, 0};
	size_t i = 0;
	uint32_t prev = 0; /* the code point before i */
	sprout_code rc = SPROUT_OK;
	while (i < n && !rc) {
		size_t k, len = 0;
		uint32_t cp = cp_at(s, n, i, &k);
		size_t start = i;
		if (is_space(cp)) {
			size_t j = i;
			while (j < n) {
				size_t k2;
				if (!is_space(cp_at(s, n, j, &k2)))
					break;
				j += k2;
			}
			rc = emit(&t, i, j - i, SPROUT_TOK_SPACE);
			i = j;
		} else if (starts(&t, i, "```")) {
			size_t e = find_close(&t, i + 3, "```", 0);
			len = e ? e - i : n - i;
			rc = emit(&t, i, len, SPROUT_TOK_PROTECTED);
			i += len;
		} else if (cp == '`' && (len = find_close(&t, i + 1, "`", 500))) {
			rc = emit(&t, i, len - i, SPROUT_TOK_PROTECTED);
			i = len;
		} else if ((len = url(&t, i)) || (len = placeholder(&t, i)) ||
			   (len = quoted(&t, i, prev))) {
			rc = emit(&t, i, len, SPROUT_TOK_PROTECTED);
			i += len;
		} else if (is_alnum(cp) || ((cp == '#' || cp == '@' || cp == '$') && i + k < n)) {
			size_t end;
			if (!is_alnum(cp)) {
				size_t k2;
				uint32_t next = cp_at(s, n, i + k, &k2);
				if (!is_alnum(next)) {
					rc = emit(&t, i, k, SPROUT_TOK_PUNCT);
					i += k;
					prev = cp;
					continue;
				}
			}
			size_t from = is_alnum(cp) ? i : i + k;
			rc = chunk(&t, from, &end);
			if (!rc && from != i) {
				/* "#tag", "@user", "$5": the sigil belongs to the token */
				t.v[t.count - 1].off = i;
				t.v[t.count - 1].len = end - i;
				t.v[t.count - 1].kind = SPROUT_TOK_PROTECTED;
			}
			i = end;
		} else {
			rc = emit(&t, i, k, SPROUT_TOK_PUNCT);
			i += k;
		}
		/* the last code point before i, for the quote rule */
		size_t j = i;
		while (j > start && ((unsigned char)s[j - 1] & 0xC0) == 0x80)
			j--;
		if (j > start)
			prev = cp_at(s, n, j - 1, &k);
	}
	if (rc)
		return rc;
	out->v = t.v;
	out->n = t.count;
	return SPROUT_OK;
}

/* ---- case -------------------------------------------------------------- */

sprout_case sprout_case_of(const char *s, size_t n)
{
	size_t upper = 0, lower = 0, letters = 0, i = 0;
	int first_upper = 0;
	/* ASCII needs no Unicode tables */
	while (i < n && (unsigned char)s[i] < 0x80) {
		char ch = s[i++];
		int up = ch >= 'A' && ch <= 'Z', low = ch >= 'a' && ch <= 'z';
		if (!up && !low)
			continue;
		if (letters++ == 0)
			first_upper = up;
		upper += up;
		lower += low;
	}
	while (i < n) {
		size_t k;
		uint32_t cp = cp_at(s, n, i, &k);
		if (sprout_is_letter(cp)) {
			utf8proc_category_t c = utf8proc_category((utf8proc_int32_t)cp);
			int up = c == UTF8PROC_CATEGORY_LU || c == UTF8PROC_CATEGORY_LT;
			if (letters == 0)
				first_upper = up;
			upper += up;
			lower += c == UTF8PROC_CATEGORY_LL;
			letters++;
		}
		i += k;
	}
	if (!upper)
		return SPROUT_CASE_LOWER;
	if (upper == 1 && first_upper)
		return SPROUT_CASE_TITLE;
	if (!lower && letters >= 2)
		return SPROUT_CASE_UPPER;
	if (!lower)
		return SPROUT_CASE_TITLE; /* a single capital letter: "I", "A" */
	return SPROUT_CASE_MIXED;
}

static sprout_code add_cp(sprout_buf *b, uint32_t cp)
{
	char tmp[4];
	return sprout_buf_add(b, tmp, sprout_utf8_encode(cp, tmp));
}

sprout_code sprout_case_apply(sprout_buf *b, const char *s, size_t n, sprout_case c)
{
	if (c == SPROUT_CASE_MIXED)
		return sprout_buf_add(b, s, n);
	size_t i = 0;
	int first = 1;
	while (i < n) {
		unsigned char ch = (unsigned char)s[i];
		if (ch < 0x80) { /* ASCII: no Unicode tables */
			int letter = (ch | 0x20) >= 'a' && (ch | 0x20) <= 'z';
			if (letter) {
				int up =
				    c == SPROUT_CASE_UPPER || (c == SPROUT_CASE_TITLE && first);
				ch = up ? (unsigned char)(ch & ~0x20) : (unsigned char)(ch | 0x20);
				first = 0;
			}
			sprout_code rc = sprout_buf_addc(b, (char)ch);
			if (rc)
				return rc;
			i++;
			continue;
		}
		size_t k;
		uint32_t cp = cp_at(s, n, i, &k);
		uint32_t out = cp;
		if (sprout_is_letter(cp)) {
			int up = c == SPROUT_CASE_UPPER || (c == SPROUT_CASE_TITLE && first);
			out = (uint32_t)(up ? utf8proc_toupper((utf8proc_int32_t)cp)
					    : utf8proc_tolower((utf8proc_int32_t)cp));
			first = 0;
		}
		sprout_code rc = add_cp(b, out);
		if (rc)
			return rc;
		i += k;
	}
	return SPROUT_OK;
}

sprout_code sprout_lower(sprout_buf *b, const char *s, size_t n)
{
	return sprout_case_apply(b, s, n, SPROUT_CASE_LOWER);
}

size_t sprout_count_words(const char *s, size_t n)
{
	size_t w = 0;
	int in = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		int sp = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
		w += !sp && !in;
		in = !sp;
	}
	return w;
}
