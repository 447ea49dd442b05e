/* Finding the JSON in a model's answer and checking its items. See
 * sprout/extract.h for the rules. */
#include "sprout/extract.h"

#include <stdint.h>
#include <string.h>

/* Work allowed per byte of answer, over all candidates (scanning or parsing
 * a candidate costs its length): prose full of unclosed braces would
 * otherwise cost time quadratic in its length. Real answers need a few
 * passes at most. */
#define WORK_PER_BYTE 64

struct scan {
	const char *text;      /* the whole answer: errors are located in it */
	sprout_arena *scratch; /* parses of candidates, reset before each */
	size_t work;	       /* left of the budget */
	sprout_json *found;    /* in scratch */
	sprout_error best;     /* parse error of the longest failed candidate */
	size_t best_len;
};

enum { ANY, HOLDS_OBJECT }; /* what a candidate must parse to */

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* First occurrence of the NUL-terminated pat in s[from..to), or to. */
static size_t find(const char *s, size_t from, size_t to, const char *pat)
{
	size_t n = strlen(pat);
	for (size_t i = from; i + n <= to; i++)
		if (s[i] == pat[0] && memcmp(s + i, pat, n) == 0)
			return i;
	return to;
}

static void spend(struct scan *sc, size_t n)
{
	sc->work = n < sc->work ? sc->work - n : 0;
}

/* Move a parse error of the candidate starting at off from candidate
 * coordinates to answer coordinates. */
static void shift(const char *text, size_t off, sprout_error *e)
{
	if (!e->line)
		return;
	unsigned long lines = 0;
	size_t line_start = 0;
	for (const char *p = text, *end = text + off;
	     (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++) {
		lines++;
		line_start = (size_t)(p - text) + 1;
	}
	if (e->line == 1)
		e->column += (unsigned long)(off - line_start);
	e->line += lines;
}

/* Parse text[from..to) into the scratch arena. */
static sprout_code parse(struct scan *sc, size_t from, size_t to, sprout_json **v, sprout_error *e)
{
	spend(sc, to - from);
	sprout_arena_reset(sc->scratch);
	sprout_code rc = sprout_json_parse(sc->scratch, sc->text + from, to - from, v, e);
	if (rc && rc != SPROUT_ERR_NOMEM)
		shift(sc->text, from, e);
	return rc;
}

static int holds_object(const sprout_json *v)
{
	if (v->type == SPROUT_JSON_OBJECT)
		return 1;
	for (size_t i = 0; v->type == SPROUT_JSON_ARRAY && i < v->len; i++)
		if (v->u.items[i]->type == SPROUT_JSON_OBJECT)
			return 1;
	return 0;
}

/* 1 when s[i..to) starts like a JSON object or an array of containers, not
 * like prose that happens to hold a brace ("{name}", "[1]"): only such a
 * candidate's parse error is worth reporting. */
static int looks_like_json(const char *s, size_t i, size_t to)
{
	while (i < to && is_ws(s[i]))
		i++;
	if (i >= to || (s[i] != '{' && s[i] != '['))
		return 0;
	char open = s[i++];
	while (i < to && is_ws(s[i]))
		i++;
	if (i >= to)
		return 0;
	return open == '{' ? s[i] == '"' || s[i] == '}' : s[i] == '{' || s[i] == '[';
}

/* Try text[from..to): SPROUT_OK with sc->found set when it is what we look
 * for, SPROUT_END when not (the parse error is kept when the candidate
 * looks like JSON and is the longest such so far), SPROUT_ERR_NOMEM. */
static sprout_code candidate(struct scan *sc, size_t from, size_t to, int want)
{
	sprout_json *v;
	sprout_error e = SPROUT_ERROR_INIT;
	sprout_code rc = parse(sc, from, to, &v, &e);
	if (rc == SPROUT_ERR_NOMEM)
		return rc;
	if (rc) {
		if (to - from > sc->best_len && looks_like_json(sc->text, from, to)) {
			sc->best = e;
			sc->best_len = to - from;
		}
		return SPROUT_END;
	}
	if (v->type == SPROUT_JSON_OBJECT ||
	    (v->type == SPROUT_JSON_ARRAY && (want == ANY || holds_object(v)))) {
		sc->found = v;
		return SPROUT_OK;
	}
	return SPROUT_END;
}

/* Step 2: the content of each ``` fence. The info string ("json") and the
 * rest of its line are skipped; an unclosed fence runs to the end. */
static sprout_code fenced(struct scan *sc, size_t lo, size_t hi)
{
	const char *s = sc->text;
	for (size_t f = find(s, lo, hi, "```"); f < hi;) {
		size_t c = f + 3;
		while (c < hi && s[c] != '\n' && s[c] != '{' && s[c] != '[' && s[c] != '`')
			c++;
		size_t end = find(s, c, hi, "```");
		sprout_code rc = candidate(sc, c, end, ANY);
		if (rc != SPROUT_END || end >= hi)
			return rc;
		f = find(s, end + 3, hi, "```");
	}
	return SPROUT_END;
}

/* One past the bracket that closes the one at s[i], counting {} and []
 * alike and skipping JSON strings (a mismatch is left to the parser); 0
 * when it never closes before hi. */
static size_t balance(struct scan *sc, size_t i, size_t hi)
{
	const char *s = sc->text;
	size_t depth = 0;
	int in_string = 0;
	for (size_t j = i; j < hi; j++) {
		char c = s[j];
		if (in_string) {
			if (c == '\\')
				j++;
			else if (c == '"')
				in_string = 0;
		} else if (c == '"') {
			in_string = 1;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if ((c == '}' || c == ']') && --depth == 0) {
			spend(sc, j + 1 - i);
			return j + 1;
		}
	}
	spend(sc, hi - i);
	return 0;
}

/* The parser reached the end of the input without a syntax error: what it
 * read is valid JSON that stops early. These are the parser's messages for
 * exactly that (tests/unit/test_extract.c pins them). */
static int cut_short(const sprout_error *e)
{
	return strncmp(e->msg, "unterminated ", 13) == 0 ||
	       strncmp(e->msg, "unexpected end of input", 23) == 0;
}

/* Step 3: balanced spans by start position. */
static sprout_code spans(struct scan *sc, size_t lo, size_t hi, sprout_error *err)
{
	for (size_t i = lo; i < hi && sc->work; i++) {
		char c = sc->text[i];
		if (c != '{' && c != '[')
			continue;
		size_t end = balance(sc, i, hi);
		if (end) {
			sprout_code rc = candidate(sc, i, end, c == '[' ? HOLDS_OBJECT : ANY);
			if (rc != SPROUT_END)
				return rc;
			continue;
		}
		/* never closes: stray prose brace, or an answer cut off mid-value,
		 * whose inner values must not pass for the whole answer */
		sprout_json *v;
		sprout_error e = SPROUT_ERROR_INIT;
		sprout_code rc = parse(sc, i, hi, &v, &e);
		if (rc == SPROUT_ERR_NOMEM)
			return sprout_error_set(err, rc, "out of memory");
		if (rc && cut_short(&e)) {
			sprout_error_set(err, SPROUT_ERR_JSON,
					 "the answer ends inside its JSON (cut short?): %s", e.msg);
			sprout_error_locate(err, NULL, e.line, e.column);
			return SPROUT_ERR_JSON;
		}
	}
	return SPROUT_END;
}

static sprout_code search(struct scan *sc, size_t lo, size_t hi, sprout_error *err)
{
	sprout_code rc = candidate(sc, lo, hi, ANY);
	if (rc == SPROUT_END)
		rc = fenced(sc, lo, hi);
	if (rc == SPROUT_END)
		rc = spans(sc, lo, hi, err);
	if (rc == SPROUT_ERR_NOMEM)
		return sprout_error_set(err, rc, "out of memory");
	if (rc != SPROUT_END)
		return rc;
	if (!sc->best_len)
		return sprout_error_set(err, SPROUT_ERR_JSON, "no JSON object in the answer");
	sprout_error_set(err, SPROUT_ERR_JSON, "malformed JSON in the answer: %s", sc->best.msg);
	sprout_error_locate(err, NULL, sc->best.line, sc->best.column);
	return SPROUT_ERR_JSON;
}

sprout_code sprout_extract_json(sprout_arena *a, const char *text, size_t len, sprout_json **out,
				sprout_error *err)
{
	*out = NULL;
	size_t lo = 0, hi = len;
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		lo = 3;
	while (lo < hi && is_ws(text[lo]))
		lo++;
	while (hi > lo && is_ws(text[hi - 1]))
		hi--;
	/* reasoning models think aloud first, drafts of the JSON included */
	if (hi - lo >= 7 && memcmp(text + lo, "<think>", 7) == 0) {
		size_t end = find(text, lo + 7, hi, "</think>");
		if (end >= hi)
			return sprout_error_set(err, SPROUT_ERR_JSON,
						"the answer ends inside its <think> block");
		lo = end + 8;
		while (lo < hi && is_ws(text[lo]))
			lo++;
	}
	struct scan sc = {text, sprout_arena_new(0), 0, NULL, SPROUT_ERROR_INIT, 0};
	if (!sc.scratch)
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	sc.work = hi - lo < (SIZE_MAX - 4096) / WORK_PER_BYTE ? (hi - lo) * WORK_PER_BYTE + 4096
							      : SIZE_MAX;
	sprout_code rc = search(&sc, lo, hi, err);
	if (!rc && !(*out = sprout_json_copy(a, sc.found)))
		rc = sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	sprout_arena_free(sc.scratch);
	return rc;
}

/* ---- items ------------------------------------------------------------- */

static const char *const kinds[] = {
    [SPROUT_JSON_NULL] = "null",	[SPROUT_JSON_FALSE] = "a boolean",
    [SPROUT_JSON_TRUE] = "a boolean",	[SPROUT_JSON_NUMBER] = "a number",
    [SPROUT_JSON_STRING] = "a string",	[SPROUT_JSON_ARRAY] = "an array",
    [SPROUT_JSON_OBJECT] = "an object",
};

static int has_any(const sprout_json *obj, const char *const *fields, size_t nfields)
{
	for (size_t f = 0; f < nfields; f++)
		if (sprout_json_get(obj, fields[f]))
			return 1;
	return 0;
}

sprout_code sprout_extract_items(sprout_arena *a, sprout_json *answer, const char *const *fields,
				 size_t nfields, sprout_json ***items, size_t *nitems,
				 sprout_error *err)
{
	*items = NULL;
	*nitems = 0;
	sprout_json *list = answer;
	const char *what = "the answer";
	if (answer->type == SPROUT_JSON_OBJECT) {
		sprout_json *v = sprout_json_get(answer, "items");
		int single = !v && has_any(answer, fields, nfields);
		/* small models sometimes name the list after the task
		 * ({"paraphrases": [...]}); a lone array member is that list */
		if (!v && !single && answer->len == 1 &&
		    answer->u.members[0].value->type == SPROUT_JSON_ARRAY)
			v = answer->u.members[0].value;
		if (v) {
			list = v;
			what = "\"items\"";
		} else if (!single) {
			return sprout_error_set(err, SPROUT_ERR_RECORD,
						"the answer has no \"items\" array");
		}
	}
	if (list->type == SPROUT_JSON_OBJECT) {
		/* one item, on its own or as the value of "items" */
		if (!(*items = sprout_arena_alloc(a, sizeof **items)))
			return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		(*items)[0] = list;
		*nitems = 1;
	} else if (list->type == SPROUT_JSON_ARRAY) {
		*items = list->u.items;
		*nitems = list->len;
	} else {
		return sprout_error_set(err, SPROUT_ERR_RECORD, "%s is %s, not an array", what,
					kinds[list->type]);
	}
	for (size_t i = 0; i < *nitems; i++) {
		const sprout_json *item = (*items)[i];
		sprout_code rc = SPROUT_OK;
		if (item->type != SPROUT_JSON_OBJECT) {
			rc = sprout_error_set(err, SPROUT_ERR_RECORD,
					      "item %zu is %s, not an object", i + 1,
					      kinds[item->type]);
		}
		for (size_t f = 0; !rc && f < nfields; f++) {
			const sprout_json *v = sprout_json_get(item, fields[f]);
			if (!v)
				rc = sprout_error_set(err, SPROUT_ERR_RECORD,
						      "item %zu: \"%s\" is missing", i + 1,
						      fields[f]);
			else if (v->type != SPROUT_JSON_STRING)
				rc = sprout_error_set(err, SPROUT_ERR_RECORD,
						      "item %zu: \"%s\" is %s, not a string", i + 1,
						      fields[f], kinds[v->type]);
		}
		if (rc) {
			*items = NULL;
			*nitems = 0;
			return rc;
		}
	}
	return SPROUT_OK;
}
