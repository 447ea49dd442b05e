/* JSON values: parser, builders, writer. See sprout/json.h for the rules. */
#include "sprout/json.h"
#include "core/splice.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sprout/utf8.h"

/* ---- parser ------------------------------------------------------------ */

#define INLINE_STACK 128

struct parser {
	sprout_arena *a;
	const unsigned char *s;
	size_t n;
	size_t pos;
	int depth;
	sprout_error *err;
	/* children of open containers, collected here and copied to the arena
	 * at the exact size when the container closes */
	sprout_json **items;
	size_t nitems, citems;
	sprout_json_member *members;
	size_t nmembers, cmembers;
	sprout_json *items_inline[INLINE_STACK];
	sprout_json_member members_inline[INLINE_STACK];
	/* where each member's key starts, beside members (not with KEEP) */
	sprout_json_dups dups;
	size_t *koffs;
	size_t koffs_inline[INLINE_STACK];
};

static void where(const struct parser *p, size_t off, unsigned long *line, unsigned long *col)
{
	unsigned long l = 1;
	size_t start = 0;
	for (size_t i = 0; i < off && i < p->n; i++) {
		if (p->s[i] == '\n') {
			l++;
			start = i + 1;
		}
	}
	*line = l;
	*col = (unsigned long)(off - start + 1);
}

__attribute__((format(printf, 4, 5))) static sprout_code fail(struct parser *p, sprout_code code,
							      size_t off, const char *fmt, ...)
{
	if (p->err) {
		va_list ap;
		va_start(ap, fmt);
		p->err->code = code;
		vsnprintf(p->err->msg, sizeof p->err->msg, fmt, ap);
		va_end(ap);
		unsigned long line, col;
		where(p, off, &line, &col);
		p->err->file[0] = '\0';
		p->err->line = line;
		p->err->column = col;
	}
	return code;
}

static sprout_code nomem(struct parser *p)
{
	return sprout_error_set(p->err, SPROUT_ERR_NOMEM, "out of memory");
}

/* Describe the byte at off for a message: a printable char, or its code. */
static void describe(const struct parser *p, size_t off, char *buf, size_t n)
{
	if (off >= p->n) {
		snprintf(buf, n, "end of input");
		return;
	}
	unsigned c = p->s[off];
	if (c >= 0x20 && c < 0x7f) {
		snprintf(buf, n, "'%c'", c);
	} else if (c < 0x80) {
		snprintf(buf, n, "byte 0x%02X", c);
	} else {
		uint32_t cp;
		size_t k = sprout_utf8_decode(p->s + off, p->n - off, &cp);
		if (k)
			snprintf(buf, n, "'%.*s' (U+%04X)", (int)k, (const char *)p->s + off,
				 (unsigned)cp);
		else
			snprintf(buf, n, "byte 0x%02X", c);
	}
}

static inline void skip_ws(struct parser *p)
{
	while (p->pos < p->n) {
		unsigned c = p->s[p->pos];
		if (c != ' ' && c != '\n' && c != '\t' && c != '\r')
			break;
		p->pos++;
	}
}

static sprout_code unexpected(struct parser *p, const char *expected)
{
	/* bytes that are not UTF-8 are reported as such, wherever they are */
	if (p->pos < p->n && p->s[p->pos] >= 0x80) {
		uint32_t cp;
		if (!sprout_utf8_decode(p->s + p->pos, p->n - p->pos, &cp))
			return fail(p, SPROUT_ERR_UTF8, p->pos, "invalid UTF-8 byte 0x%02X",
				    p->s[p->pos]);
	}
	char what[48];
	describe(p, p->pos, what, sizeof what);
	if (p->pos >= p->n)
		return fail(p, SPROUT_ERR_JSON, p->pos, "unexpected end of input, expected %s",
			    expected);
	return fail(p, SPROUT_ERR_JSON, p->pos, "unexpected %s, expected %s", what, expected);
}

static sprout_json *new_value(struct parser *p, sprout_json_type t)
{
	sprout_json *v = sprout_arena_alloc(p->a, sizeof *v);
	if (v) {
		v->type = t;
		v->len = 0;
		v->cap = 0;
		v->u.s = NULL;
	}
	return v;
}

static int hexval(unsigned c)
{
	if (c >= '0' && c <= '9')
		return (int)(c - '0');
	if (c >= 'a' && c <= 'f')
		return (int)(c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (int)(c - 'A' + 10);
	return -1;
}

static int read_hex4(const unsigned char *s)
{
	int v = 0;
	for (int i = 0; i < 4; i++) {
		int h = hexval(s[i]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/* Parse a string starting at the opening quote. On success out and outlen
 * hold the decoded bytes (NUL-terminated, in the arena). */
static sprout_code parse_string(struct parser *p, const char **out, size_t *outlen)
{
	const unsigned char *s = p->s;
	size_t n = p->n;
	size_t start = ++p->pos; /* after the quote */
	size_t i = start;
	int escapes = 0;
	/* pass 1: find the end, validate UTF-8 and escapes */
	for (;;) {
		/* fast run over plain ASCII */
		while (i < n) {
			unsigned c = s[i];
			if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80)
				break;
			i++;
		}
		if (i >= n)
			return fail(p, SPROUT_ERR_JSON, start - 1, "unterminated string");
		unsigned c = s[i];
		if (c == '"')
			break;
		if (c == '\\') {
			escapes = 1;
			if (i + 1 >= n)
				return fail(p, SPROUT_ERR_JSON, start - 1, "unterminated string");
			unsigned e = s[i + 1];
			if (e == 'u') {
				if (i + 6 > n || read_hex4(s + i + 2) < 0)
					return fail(p, SPROUT_ERR_JSON, i,
						    "invalid \\u escape, expected four hex digits");
				int u = read_hex4(s + i + 2);
				if (u >= 0xD800 && u <= 0xDBFF) {
					int lo =
					    (i + 12 <= n && s[i + 6] == '\\' && s[i + 7] == 'u')
						? read_hex4(s + i + 8)
						: -1;
					if (lo < 0xDC00 || lo > 0xDFFF)
						return fail(
						    p, SPROUT_ERR_JSON, i,
						    "invalid \\u escape: high surrogate \\u%04X "
						    "without a low surrogate",
						    (unsigned)u);
					i += 12;
				} else if (u >= 0xDC00 && u <= 0xDFFF) {
					return fail(
					    p, SPROUT_ERR_JSON, i,
					    "invalid \\u escape: lone low surrogate \\u%04X",
					    (unsigned)u);
				} else {
					i += 6;
				}
				continue;
			}
			if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' &&
			    e != 'r' && e != 't') {
				if (e >= 0x20 && e < 0x7f)
					return fail(p, SPROUT_ERR_JSON, i,
						    "invalid escape '\\%c' in string", e);
				char what[48];
				describe(p, i + 1, what, sizeof what);
				return fail(p, SPROUT_ERR_JSON, i,
					    "invalid escape: a backslash before %s in string",
					    what);
			}
			i += 2;
			continue;
		}
		if (c < 0x20)
			return fail(p, SPROUT_ERR_JSON, i,
				    "unescaped control character U+%04X in string", c);
		uint32_t cp;
		size_t k = sprout_utf8_decode(s + i, n - i, &cp);
		if (!k)
			return fail(p, SPROUT_ERR_UTF8, i, "invalid UTF-8 byte 0x%02X", c);
		i += k;
	}
	size_t rawlen = i - start;
	p->pos = i + 1;
	char *dst = sprout_arena_alloc(p->a, rawlen + 1);
	if (!dst)
		return nomem(p);
	if (!escapes) {
		memcpy(dst, s + start, rawlen);
		dst[rawlen] = '\0';
		*out = dst;
		*outlen = rawlen;
		return SPROUT_OK;
	}
	/* pass 2: decode escapes (validated above) */
	size_t o = 0;
	for (size_t j = start; j < i;) {
		unsigned c = s[j];
		if (c != '\\') {
			dst[o++] = (char)c;
			j++;
			continue;
		}
		unsigned e = s[j + 1];
		j += 2;
		switch (e) {
		case 'b': dst[o++] = '\b'; break;
		case 'f': dst[o++] = '\f'; break;
		case 'n': dst[o++] = '\n'; break;
		case 'r': dst[o++] = '\r'; break;
		case 't': dst[o++] = '\t'; break;
		case 'u': {
			uint32_t u = (uint32_t)read_hex4(s + j);
			j += 4;
			if (u >= 0xD800 && u <= 0xDBFF) {
				uint32_t lo = (uint32_t)read_hex4(s + j + 2);
				j += 6;
				u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
			}
			o += sprout_utf8_encode(u, dst + o);
			break;
		}
		default: dst[o++] = (char)e; break;
		}
	}
	dst[o] = '\0';
	*out = dst;
	*outlen = o;
	return SPROUT_OK;
}

static sprout_code parse_number(struct parser *p, sprout_json **out)
{
	const unsigned char *s = p->s;
	size_t n = p->n, start = p->pos, i = p->pos;
	if (i < n && s[i] == '-')
		i++;
	if (i < n && s[i] == '0') {
		i++;
	} else if (i < n && s[i] >= '1' && s[i] <= '9') {
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	} else {
		return fail(p, SPROUT_ERR_JSON, start, "invalid number, expected a digit");
	}
	if (i < n && s[i] == '.') {
		i++;
		if (i >= n || s[i] < '0' || s[i] > '9')
			return fail(p, SPROUT_ERR_JSON, i,
				    "invalid number, expected a digit after '.'");
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= n || s[i] < '0' || s[i] > '9')
			return fail(p, SPROUT_ERR_JSON, i,
				    "invalid number, expected a digit in the exponent");
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	sprout_json *v = new_value(p, SPROUT_JSON_NUMBER);
	char *text = v ? sprout_arena_strndup(p->a, (const char *)s + start, i - start) : NULL;
	if (!text)
		return nomem(p);
	v->u.s = text;
	v->len = i - start;
	p->pos = i;
	*out = v;
	return SPROUT_OK;
}

/* Double a parser stack, moving it off its inline storage the first time. */
static sprout_code grow_stack(struct parser *p, void **stack, size_t *cap, const void *inline_buf,
			      size_t elem)
{
	size_t c = *cap * 2;
	void *m = *stack == inline_buf ? malloc(c * elem) : realloc(*stack, c * elem);
	if (!m)
		return nomem(p);
	if (*stack == inline_buf)
		memcpy(m, inline_buf, *cap * elem);
	*stack = m;
	*cap = c;
	return SPROUT_OK;
}

static sprout_code push_item(struct parser *p, sprout_json *v)
{
	if (p->nitems == p->citems &&
	    grow_stack(p, (void **)&p->items, &p->citems, p->items_inline, sizeof *p->items))
		return SPROUT_ERR_NOMEM;
	p->items[p->nitems++] = v;
	return SPROUT_OK;
}

static sprout_code push_member(struct parser *p, const char *k, size_t kl, size_t koff,
			       sprout_json *v)
{
	int offs = p->dups != SPROUT_JSON_DUPS_KEEP;
	if (p->nmembers == p->cmembers) {
		size_t c = p->cmembers;
		if (grow_stack(p, (void **)&p->members, &p->cmembers, p->members_inline,
			       sizeof *p->members) ||
		    (offs &&
		     grow_stack(p, (void **)&p->koffs, &c, p->koffs_inline, sizeof *p->koffs)))
			return SPROUT_ERR_NOMEM;
	}
	p->members[p->nmembers].key = k;
	p->members[p->nmembers].klen = kl;
	p->members[p->nmembers].value = v;
	if (offs)
		p->koffs[p->nmembers] = koff;
	p->nmembers++;
	return SPROUT_OK;
}

/* ---- duplicate keys ---------------------------------------------------- */

/* Objects up to this many members are checked pair by pair; bigger ones
 * through a hash table of their keys. */
#define DUPS_LINEAR 16
#define DUPS_INLINE 256 /* table slots on the stack */

static int same_key(const sprout_json_member *x, const sprout_json_member *y)
{
	return x->klen == y->klen &&
	       (!x->klen || (x->key[0] == y->key[0] && memcmp(x->key, y->key, x->klen) == 0));
}

static size_t key_hash(const sprout_json_member *m)
{
	uint64_t h = 1469598103934665603u; /* FNV-1a */
	for (size_t i = 0; i < m->klen; i++)
		h = (h ^ (unsigned char)m->key[i]) * 1099511628211u;
	return (size_t)(h ^ (h >> 29));
}

/* Member j repeats the key of the earlier member i: an error, or with
 * LAST member i takes j's value and j is marked for removal. */
static sprout_code duplicate(struct parser *p, size_t i, size_t j)
{
	sprout_json_member *m = p->members;
	if (p->dups == SPROUT_JSON_DUPS_LAST) {
		m[i].value = m[j].value;
		m[j].value = NULL;
		return SPROUT_OK;
	}
	/* the key as a JSON string, cut at a character boundary */
	size_t n = m[j].klen;
	if (n > 60) {
		n = 60;
		while (n > 0 && ((unsigned char)m[j].key[n] & 0xC0) == 0x80)
			n--;
	}
	sprout_buf b = SPROUT_BUF_INIT(512);
	int bad = sprout_json_write_string(&b, m[j].key, n) != SPROUT_OK;
	sprout_code rc = bad ? nomem(p)
			     : fail(p, SPROUT_ERR_JSON, p->koffs[j],
				    "duplicate key %s%s in an object (--duplicate-keys=last keeps "
				    "the last value)",
				    b.data, n < m[j].klen ? "..." : "");
	sprout_buf_release(&b);
	return rc;
}

/* Check the members stack[base..*top) of one object for repeated keys;
 * with LAST, drop the earlier values and shorten *top. */
static sprout_code check_keys(struct parser *p, size_t base, size_t *top)
{
	sprout_json_member *m = p->members;
	size_t count = *top - base, removed = 0;
	sprout_code rc = SPROUT_OK;
	if (count <= DUPS_LINEAR) {
		for (size_t j = base + 1; j < *top && !rc; j++)
			for (size_t i = base; i < j; i++)
				if (m[i].value && same_key(&m[i], &m[j])) {
					rc = duplicate(p, i, j);
					removed++;
					break;
				}
	} else {
		size_t slots = DUPS_INLINE, inline_table[DUPS_INLINE];
		while (slots < count * 2)
			slots *= 2;
		size_t *table = slots == DUPS_INLINE ? inline_table : calloc(slots, sizeof *table);
		if (!table)
			return nomem(p);
		if (table == inline_table)
			memset(table, 0, sizeof inline_table);
		for (size_t j = base; j < *top && !rc; j++) {
			size_t h = key_hash(&m[j]) & (slots - 1);
			for (; table[h]; h = (h + 1) & (slots - 1))
				if (same_key(&m[table[h] - 1], &m[j]))
					break;
			if (!table[h]) {
				table[h] = j + 1;
				continue;
			}
			rc = duplicate(p, table[h] - 1, j);
			removed++;
		}
		if (table != inline_table)
			free(table);
	}
	if (rc || !removed)
		return rc;
	size_t o = base;
	for (size_t j = base; j < *top; j++)
		if (m[j].value)
			m[o++] = m[j];
	*top = o;
	return SPROUT_OK;
}

/* A container of type t holding stack[base..top) (elements of elem bytes),
 * copied into the arena at its exact size. */
static sprout_code close_container(struct parser *p, sprout_json_type t, const void *stack,
				   size_t base, size_t top, size_t elem, sprout_json **out)
{
	sprout_json *c = new_value(p, t);
	if (!c)
		return nomem(p);
	size_t count = top - base;
	if (count) {
		void *m = sprout_arena_alloc(p->a, count * elem);
		if (!m)
			return nomem(p);
		memcpy(m, (const char *)stack + base * elem, count * elem);
		c->u.items = m;
	}
	c->len = c->cap = count;
	*out = c;
	return SPROUT_OK;
}

static sprout_code parse_value(struct parser *p, sprout_json **out);

static sprout_code parse_array(struct parser *p, sprout_json **out)
{
	size_t open = p->pos++;
	size_t base = p->nitems;
	sprout_code rc;
	skip_ws(p);
	if (p->pos < p->n && p->s[p->pos] == ']') {
		p->pos++;
	} else {
		for (;;) {
			sprout_json *v;
			if ((rc = parse_value(p, &v)) || (rc = push_item(p, v)))
				return rc;
			skip_ws(p);
			if (p->pos < p->n && p->s[p->pos] == ',') {
				p->pos++;
				skip_ws(p);
				continue;
			}
			if (p->pos < p->n && p->s[p->pos] == ']') {
				p->pos++;
				break;
			}
			if (p->pos >= p->n)
				return fail(p, SPROUT_ERR_JSON, open, "unterminated array");
			return unexpected(p, "',' or ']' after an array element");
		}
	}
	size_t top = p->nitems;
	p->nitems = base;
	return close_container(p, SPROUT_JSON_ARRAY, p->items, base, top, sizeof *p->items, out);
}

static sprout_code parse_object(struct parser *p, sprout_json **out)
{
	size_t open = p->pos++;
	size_t base = p->nmembers;
	sprout_code rc;
	skip_ws(p);
	if (p->pos < p->n && p->s[p->pos] == '}') {
		p->pos++;
	} else {
		for (;;) {
			if (p->pos >= p->n)
				return fail(p, SPROUT_ERR_JSON, open, "unterminated object");
			if (p->s[p->pos] != '"')
				return unexpected(p, "a string key");
			const char *k;
			size_t kl, koff = p->pos;
			if ((rc = parse_string(p, &k, &kl)))
				return rc;
			skip_ws(p);
			if (p->pos >= p->n || p->s[p->pos] != ':')
				return unexpected(p, "':' after an object key");
			p->pos++;
			skip_ws(p);
			sprout_json *v;
			if ((rc = parse_value(p, &v)) || (rc = push_member(p, k, kl, koff, v)))
				return rc;
			skip_ws(p);
			if (p->pos < p->n && p->s[p->pos] == ',') {
				p->pos++;
				skip_ws(p);
				continue;
			}
			if (p->pos < p->n && p->s[p->pos] == '}') {
				p->pos++;
				break;
			}
			if (p->pos >= p->n)
				return fail(p, SPROUT_ERR_JSON, open, "unterminated object");
			return unexpected(p, "',' or '}' after an object member");
		}
	}
	size_t top = p->nmembers;
	if (top - base > 1 && p->dups != SPROUT_JSON_DUPS_KEEP && (rc = check_keys(p, base, &top)))
		return rc;
	p->nmembers = base;
	return close_container(p, SPROUT_JSON_OBJECT, p->members, base, top, sizeof *p->members,
			       out);
}

static sprout_code parse_literal(struct parser *p, const char *word, sprout_json_type t,
				 sprout_json **out)
{
	size_t k = strlen(word);
	if (p->n - p->pos < k || memcmp(p->s + p->pos, word, k) != 0)
		return unexpected(p, "a value");
	p->pos += k;
	*out = new_value(p, t);
	return *out ? SPROUT_OK : nomem(p);
}

static sprout_code parse_value(struct parser *p, sprout_json **out)
{
	if (p->pos >= p->n)
		return unexpected(p, "a value");
	sprout_code rc;
	switch (p->s[p->pos]) {
	case '{':
	case '[':
		if (++p->depth > SPROUT_JSON_MAX_DEPTH)
			return fail(p, SPROUT_ERR_JSON, p->pos, "nesting deeper than %d levels",
				    SPROUT_JSON_MAX_DEPTH);
		rc = p->s[p->pos] == '{' ? parse_object(p, out) : parse_array(p, out);
		p->depth--;
		return rc;
	case '"': {
		const char *s;
		size_t len;
		if ((rc = parse_string(p, &s, &len)))
			return rc;
		sprout_json *v = new_value(p, SPROUT_JSON_STRING);
		if (!v)
			return nomem(p);
		v->u.s = s;
		v->len = len;
		*out = v;
		return SPROUT_OK;
	}
	case 't': return parse_literal(p, "true", SPROUT_JSON_TRUE, out);
	case 'f': return parse_literal(p, "false", SPROUT_JSON_FALSE, out);
	case 'n': return parse_literal(p, "null", SPROUT_JSON_NULL, out);
	default:
		if (p->s[p->pos] == '-' || (p->s[p->pos] >= '0' && p->s[p->pos] <= '9'))
			return parse_number(p, out);
		return unexpected(p, "a value");
	}
}

sprout_code sprout_json_parse(sprout_arena *a, const char *text, size_t len, sprout_json **out,
			      sprout_error *err)
{
	return sprout_json_parse_dups(a, text, len, SPROUT_JSON_DUPS_KEEP, out, err);
}

sprout_code sprout_json_dups_parse(const char *s, sprout_json_dups *out, sprout_error *err)
{
	if (strcmp(s, "error") == 0)
		*out = SPROUT_JSON_DUPS_ERROR;
	else if (strcmp(s, "last") == 0)
		*out = SPROUT_JSON_DUPS_LAST;
	else
		return sprout_error_set(err, SPROUT_ERR_USAGE,
					"unknown mode '%s' (expected error or last)", s);
	return SPROUT_OK;
}

sprout_code sprout_json_parse_dups(sprout_arena *a, const char *text, size_t len,
				   sprout_json_dups dups, sprout_json **out, sprout_error *err)
{
	struct parser p;
	p.a = a;
	p.s = (const unsigned char *)text;
	p.n = len;
	p.pos = 0;
	p.depth = 0;
	p.err = err;
	p.items = p.items_inline;
	p.nitems = 0;
	p.citems = INLINE_STACK;
	p.members = p.members_inline;
	p.nmembers = 0;
	p.cmembers = INLINE_STACK;
	p.dups = dups;
	p.koffs = p.koffs_inline;

	sprout_json *v = NULL;
	skip_ws(&p);
	sprout_code rc = parse_value(&p, &v);
	if (!rc) {
		skip_ws(&p);
		if (p.pos < p.n) {
			char what[48];
			describe(&p, p.pos, what, sizeof what);
			rc = p.s[p.pos] >= 0x80
				 ? unexpected(&p, "end of the value")
				 : fail(&p, SPROUT_ERR_JSON, p.pos,
					"unexpected %s after the end of the value", what);
		}
	}
	if (p.items != p.items_inline)
		free(p.items);
	if (p.members != p.members_inline)
		free(p.members);
	if (p.koffs != p.koffs_inline)
		free(p.koffs);
	if (rc)
		return rc;
	*out = v;
	return SPROUT_OK;
}

/* ---- builders ---------------------------------------------------------- */

sprout_json *sprout_json_new(sprout_arena *a, sprout_json_type type)
{
	sprout_json *v = sprout_arena_alloc(a, sizeof *v);
	if (v) {
		v->type = type;
		v->len = 0;
		v->cap = 0;
		v->u.s = NULL;
	}
	return v;
}

sprout_json *sprout_json_string_ref(sprout_arena *a, const char *s, size_t len)
{
	sprout_json *v = sprout_json_new(a, SPROUT_JSON_STRING);
	if (v) {
		v->u.s = s;
		v->len = len;
	}
	return v;
}

sprout_json *sprout_json_string(sprout_arena *a, const char *s, size_t len)
{
	char *copy = sprout_arena_strndup(a, s, len);
	return copy ? sprout_json_string_ref(a, copy, len) : NULL;
}

sprout_json *sprout_json_number_raw(sprout_arena *a, const char *text, size_t len)
{
	char *copy = sprout_arena_strndup(a, text, len);
	sprout_json *v = copy ? sprout_json_new(a, SPROUT_JSON_NUMBER) : NULL;
	if (v) {
		v->u.s = copy;
		v->len = len;
	}
	return v;
}

sprout_json *sprout_json_integer(sprout_arena *a, long long x)
{
	char tmp[32];
	size_t k = sizeof tmp;
	unsigned long long u = x < 0 ? 0ull - (unsigned long long)x : (unsigned long long)x;
	do
		tmp[--k] = (char)('0' + u % 10);
	while ((u /= 10));
	if (x < 0)
		tmp[--k] = '-';
	return sprout_json_number_raw(a, tmp + k, sizeof tmp - k);
}

/* The shortest text that reads back as x (finite), in tmp; its length. */
static size_t format_real(char tmp[40], double x)
{
	int k = 0;
	for (int prec = 1; prec <= 17; prec++) {
		k = snprintf(tmp, 40, "%.*g", prec, x);
		if (strtod(tmp, NULL) == x)
			break;
	}
	/* "%g" may print "1e+20" (valid JSON) or "5" for 5.0: keep it a number
	 * a reader sees as real */
	if (!strpbrk(tmp, ".eEn"))
		k += snprintf(tmp + k, 40 - (size_t)k, ".0");
	return (size_t)k;
}

sprout_json *sprout_json_real(sprout_arena *a, double x)
{
	if (!isfinite(x))
		return sprout_json_new(a, SPROUT_JSON_NULL);
	char tmp[40];
	size_t k = format_real(tmp, x);
	return sprout_json_number_raw(a, tmp, k);
}

sprout_code sprout_json_write_real(sprout_buf *b, double x)
{
	if (!isfinite(x))
		return sprout_buf_adds(b, "null");
	char tmp[40];
	size_t k = format_real(tmp, x);
	return sprout_buf_add(b, tmp, k);
}

sprout_json *sprout_json_copy(sprout_arena *a, const sprout_json *v)
{
	sprout_json *c = sprout_json_new(a, v->type);
	if (!c)
		return NULL;
	switch (v->type) {
	case SPROUT_JSON_STRING:
	case SPROUT_JSON_NUMBER:
		c->u.s = sprout_arena_strndup(a, v->u.s, v->len);
		if (!c->u.s)
			return NULL;
		c->len = v->len;
		break;
	case SPROUT_JSON_ARRAY:
		if (v->len) {
			c->u.items = sprout_arena_alloc(a, v->len * sizeof *c->u.items);
			if (!c->u.items)
				return NULL;
			for (size_t i = 0; i < v->len; i++)
				if (!(c->u.items[i] = sprout_json_copy(a, v->u.items[i])))
					return NULL;
		}
		c->len = c->cap = v->len;
		break;
	case SPROUT_JSON_OBJECT:
		if (v->len) {
			c->u.members = sprout_arena_alloc(a, v->len * sizeof *c->u.members);
			if (!c->u.members)
				return NULL;
			for (size_t i = 0; i < v->len; i++) {
				const sprout_json_member *m = &v->u.members[i];
				c->u.members[i].key = sprout_arena_strndup(a, m->key, m->klen);
				c->u.members[i].klen = m->klen;
				c->u.members[i].value = sprout_json_copy(a, m->value);
				if (!c->u.members[i].key || !c->u.members[i].value)
					return NULL;
			}
		}
		c->len = c->cap = v->len;
		break;
	default: break;
	}
	return c;
}

sprout_json *sprout_json_getn(const sprout_json *obj, const char *key, size_t klen)
{
	if (!obj || obj->type != SPROUT_JSON_OBJECT)
		return NULL;
	for (size_t i = 0; i < obj->len; i++) {
		const sprout_json_member *m = &obj->u.members[i];
		if (m->klen == klen && memcmp(m->key, key, klen) == 0)
			return m->value;
	}
	return NULL;
}

sprout_json *sprout_json_get(const sprout_json *obj, const char *key)
{
	return sprout_json_getn(obj, key, strlen(key));
}

long sprout_json_index(const sprout_json *obj, const char *key)
{
	if (!obj || obj->type != SPROUT_JSON_OBJECT)
		return -1;
	size_t klen = strlen(key);
	for (size_t i = 0; i < obj->len; i++) {
		const sprout_json_member *m = &obj->u.members[i];
		if (m->klen == klen && memcmp(m->key, key, klen) == 0)
			return (long)i;
	}
	return -1;
}

/* Grow a container's array to hold one more element of size elem. */
static sprout_code grow(sprout_arena *a, sprout_json *c, size_t elem)
{
	if (c->len < c->cap)
		return SPROUT_OK;
	size_t cap = c->cap ? c->cap * 2 : 4;
	void *m = sprout_arena_alloc(a, cap * elem);
	if (!m)
		return SPROUT_ERR_NOMEM;
	if (c->len)
		memcpy(m, c->u.items, c->len * elem);
	c->u.items = m;
	c->cap = cap;
	return SPROUT_OK;
}

sprout_code sprout_json_insert(sprout_arena *a, sprout_json *obj, size_t idx, const char *key,
			       size_t klen, sprout_json *value)
{
	if (obj->type != SPROUT_JSON_OBJECT || idx > obj->len)
		return SPROUT_ERR_USAGE;
	char *k = sprout_arena_strndup(a, key, klen);
	if (!k || grow(a, obj, sizeof(sprout_json_member)))
		return SPROUT_ERR_NOMEM;
	memmove(obj->u.members + idx + 1, obj->u.members + idx,
		(obj->len - idx) * sizeof(sprout_json_member));
	obj->u.members[idx].key = k;
	obj->u.members[idx].klen = klen;
	obj->u.members[idx].value = value;
	obj->len++;
	return SPROUT_OK;
}

sprout_code sprout_json_set(sprout_arena *a, sprout_json *obj, const char *key, sprout_json *value)
{
	long i = sprout_json_index(obj, key);
	if (i >= 0) {
		obj->u.members[i].value = value;
		return SPROUT_OK;
	}
	if (obj->type != SPROUT_JSON_OBJECT)
		return SPROUT_ERR_USAGE;
	return sprout_json_insert(a, obj, obj->len, key, strlen(key), value);
}

size_t sprout_json_remove(sprout_json *obj, const char *key)
{
	if (!obj || obj->type != SPROUT_JSON_OBJECT)
		return 0;
	size_t klen = strlen(key), o = 0, removed = 0;
	for (size_t i = 0; i < obj->len; i++) {
		sprout_json_member *m = &obj->u.members[i];
		if (m->klen == klen && memcmp(m->key, key, klen) == 0) {
			removed++;
			continue;
		}
		obj->u.members[o++] = *m;
	}
	obj->len = o;
	return removed;
}

sprout_code sprout_json_push(sprout_arena *a, sprout_json *arr, sprout_json *value)
{
	if (arr->type != SPROUT_JSON_ARRAY)
		return SPROUT_ERR_USAGE;
	if (grow(a, arr, sizeof(sprout_json *)))
		return SPROUT_ERR_NOMEM;
	arr->u.items[arr->len++] = value;
	return SPROUT_OK;
}

int sprout_json_is(const sprout_json *v, const char *s)
{
	if (!v || v->type != SPROUT_JSON_STRING)
		return 0;
	size_t n = strlen(s);
	return v->len == n && memcmp(v->u.s, s, n) == 0;
}

double sprout_json_number(const sprout_json *v)
{
	if (!v || v->type != SPROUT_JSON_NUMBER)
		return 0;
	return strtod(v->u.s, NULL);
}

int sprout_json_equal(const sprout_json *x, const sprout_json *y)
{
	if (x->type != y->type || x->len != y->len)
		return 0;
	switch (x->type) {
	case SPROUT_JSON_STRING:
	case SPROUT_JSON_NUMBER: return memcmp(x->u.s, y->u.s, x->len) == 0;
	case SPROUT_JSON_ARRAY:
		for (size_t i = 0; i < x->len; i++)
			if (!sprout_json_equal(x->u.items[i], y->u.items[i]))
				return 0;
		return 1;
	case SPROUT_JSON_OBJECT:
		for (size_t i = 0; i < x->len; i++) {
			const sprout_json_member *a = &x->u.members[i], *b = &y->u.members[i];
			if (a->klen != b->klen || memcmp(a->key, b->key, a->klen) != 0 ||
			    !sprout_json_equal(a->value, b->value))
				return 0;
		}
		return 1;
	default: return 1;
	}
}

/* ---- writer ------------------------------------------------------------ */

/* 1 for bytes that need an escape inside a JSON string */
static const unsigned char needs_escape[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
};

/* Whether any of the 8 bytes at p needs an escape: a control byte, '"' or
 * '\\' (exact zero-byte tests, no carries between bytes). */
static int word_needs_escape(const unsigned char *p)
{
	const uint64_t ones = 0x0101010101010101u, low7 = 0x7F7F7F7F7F7F7F7Fu;
	uint64_t w;
	memcpy(&w, p, 8);
	uint64_t ctl = w & (ones * 0xE0), quote = w ^ (ones * '"'), bs = w ^ (ones * '\\');
#define ZERO_BYTE(x) (~((((x)&low7) + low7) | (x) | low7))
	return (ZERO_BYTE(ctl) | ZERO_BYTE(quote) | ZERO_BYTE(bs)) != 0;
#undef ZERO_BYTE
}

sprout_code sprout_json_write_string(sprout_buf *b, const char *s, size_t len)
{
	sprout_code rc = sprout_buf_reserve(b, len + 2);
	if (rc)
		return rc;
	if ((rc = sprout_buf_addc(b, '"')))
		return rc;
	const unsigned char *p = (const unsigned char *)s;
	size_t run = 0;
	for (size_t i = 0; i < len; i++) {
		/* eight plain bytes at a time, the common case */
		while (len - i >= 8 && !word_needs_escape(p + i))
			i += 8;
		if (i >= len)
			break;
		unsigned c = p[i];
		if (!needs_escape[c])
			continue;
		if (i > run && (rc = sprout_buf_add(b, s + run, i - run)))
			return rc;
		run = i + 1;
		char esc[8];
		const char *e = esc;
		size_t el = 2;
		switch (c) {
		case '"': e = "\\\""; break;
		case '\\': e = "\\\\"; break;
		case '\n': e = "\\n"; break;
		case '\r': e = "\\r"; break;
		case '\t': e = "\\t"; break;
		case '\b': e = "\\b"; break;
		case '\f': e = "\\f"; break;
		default:
			snprintf(esc, sizeof esc, "\\u%04x", c);
			el = 6;
			break;
		}
		if ((rc = sprout_buf_add(b, e, el)))
			return rc;
	}
	if (len > run && (rc = sprout_buf_add(b, s + run, len - run)))
		return rc;
	return sprout_buf_addc(b, '"');
}

/* A newline and two spaces per level, when pretty. */
static sprout_code newline(sprout_buf *b, int pretty, int depth)
{
	if (!pretty)
		return SPROUT_OK;
	sprout_code rc = sprout_buf_addc(b, '\n');
	for (int i = 0; !rc && i < depth; i++)
		rc = sprout_buf_add(b, "  ", 2);
	return rc;
}

/* Nodes written as nothing, their offsets noted (sprout_json_write_holes). */
struct holes {
	const sprout_json *const *v;
	size_t n;
	size_t *at;
	unsigned *seen;
};

static sprout_code write_value(sprout_buf *b, const sprout_json *v, int pretty, int depth,
			       const struct holes *h)
{
	for (size_t k = 0; h && k < h->n; k++) {
		if (v == h->v[k]) {
			h->at[k] = b->len;
			h->seen[k]++;
			return SPROUT_OK;
		}
	}
	sprout_code rc;
	switch (v->type) {
	case SPROUT_JSON_NULL: return sprout_buf_add(b, "null", 4);
	case SPROUT_JSON_TRUE: return sprout_buf_add(b, "true", 4);
	case SPROUT_JSON_FALSE: return sprout_buf_add(b, "false", 5);
	case SPROUT_JSON_NUMBER: return sprout_buf_add(b, v->u.s, v->len);
	case SPROUT_JSON_STRING: return sprout_json_write_string(b, v->u.s, v->len);
	case SPROUT_JSON_ARRAY:
	case SPROUT_JSON_OBJECT: {
		int obj = v->type == SPROUT_JSON_OBJECT;
		if ((rc = sprout_buf_addc(b, obj ? '{' : '[')))
			return rc;
		for (size_t i = 0; i < v->len; i++) {
			if (i && (rc = sprout_buf_addc(b, ',')))
				return rc;
			if ((rc = newline(b, pretty, depth + 1)))
				return rc;
			const sprout_json *item;
			if (obj) {
				const sprout_json_member *m = &v->u.members[i];
				if ((rc = sprout_json_write_string(b, m->key, m->klen)) ||
				    (rc = sprout_buf_add(b, ": ", pretty ? 2 : 1)))
					return rc;
				item = m->value;
			} else {
				item = v->u.items[i];
			}
			if ((rc = write_value(b, item, pretty, depth + 1, h)))
				return rc;
		}
		if (v->len && (rc = newline(b, pretty, depth)))
			return rc;
		return sprout_buf_addc(b, obj ? '}' : ']');
	}
	}
	return SPROUT_ERR_USAGE;
}

sprout_code sprout_json_write(sprout_buf *b, const sprout_json *v)
{
	return write_value(b, v, 0, 0, NULL);
}

sprout_code sprout_json_write_holes(sprout_buf *b, const sprout_json *v,
				    const sprout_json *const *holes, size_t n, size_t *at,
				    unsigned *seen)
{
	for (size_t k = 0; k < n; k++) {
		at[k] = (size_t)-1;
		seen[k] = 0;
	}
	const struct holes h = {holes, n, at, seen};
	return write_value(b, v, 0, 0, &h);
}

sprout_code sprout_json_write_pretty(sprout_buf *b, const sprout_json *v)
{
	sprout_code rc = write_value(b, v, 1, 0, NULL);
	return rc ? rc : sprout_buf_addc(b, '\n');
}

/* ---- streaming emitter --------------------------------------------------- */

void sprout_jw_init(sprout_jw *w, sprout_buf *b)
{
	*w = (sprout_jw){.b = b};
}

sprout_code sprout_jw_finish(const sprout_jw *w)
{
	if (w->rc)
		return w->rc;
	return w->depth || w->after_key ? SPROUT_ERR_USAGE : SPROUT_OK;
}

void sprout_jw_fail(sprout_jw *w, sprout_code rc)
{
	if (!w->rc)
		w->rc = rc;
}

static unsigned long long top_bit(const sprout_jw *w)
{
	return 1ull << (w->depth - 1);
}

/* Before a value: the comma, or the key it answers. 0 when it may go on. */
static int jw_pre(sprout_jw *w)
{
	if (w->rc)
		return -1;
	if (!w->depth)
		return 0;
	unsigned long long bit = top_bit(w);
	if (w->obj & bit) {
		if (!w->after_key) {
			w->rc = SPROUT_ERR_USAGE; /* a value where a key is due */
			return -1;
		}
		w->after_key = 0;
		return 0;
	}
	if ((w->some & bit) && (w->rc = sprout_buf_addc(w->b, ',')))
		return -1;
	w->some |= bit;
	return 0;
}

static void jw_add(sprout_jw *w, const char *s, size_t n)
{
	if (!jw_pre(w))
		w->rc = sprout_buf_add(w->b, s, n);
}

static void jw_open(sprout_jw *w, int obj)
{
	if (jw_pre(w))
		return;
	if (w->depth == SPROUT_JW_MAX_DEPTH) {
		w->rc = SPROUT_ERR_USAGE;
		return;
	}
	if ((w->rc = sprout_buf_addc(w->b, obj ? '{' : '[')))
		return;
	w->depth++;
	unsigned long long bit = top_bit(w);
	w->some &= ~bit;
	w->obj = obj ? w->obj | bit : w->obj & ~bit;
}

void sprout_jw_object(sprout_jw *w)
{
	jw_open(w, 1);
}

void sprout_jw_array(sprout_jw *w)
{
	jw_open(w, 0);
}

void sprout_jw_end(sprout_jw *w)
{
	if (w->rc)
		return;
	if (!w->depth || w->after_key) {
		w->rc = SPROUT_ERR_USAGE;
		return;
	}
	int obj = (w->obj & top_bit(w)) != 0;
	w->depth--;
	w->rc = sprout_buf_addc(w->b, obj ? '}' : ']');
}

void sprout_jw_keyn(sprout_jw *w, const char *key, size_t len)
{
	if (w->rc)
		return;
	unsigned long long bit = w->depth ? top_bit(w) : 0;
	if (!(w->obj & bit) || w->after_key) {
		w->rc = SPROUT_ERR_USAGE;
		return;
	}
	if ((w->some & bit) && (w->rc = sprout_buf_addc(w->b, ',')))
		return;
	w->some |= bit;
	if ((w->rc = sprout_json_write_string(w->b, key, len)) ||
	    (w->rc = sprout_buf_addc(w->b, ':')))
		return;
	w->after_key = 1;
}

void sprout_jw_key(sprout_jw *w, const char *key)
{
	sprout_jw_keyn(w, key, strlen(key));
}

void sprout_jw_stringn(sprout_jw *w, const char *s, size_t len)
{
	if (!jw_pre(w))
		w->rc = sprout_json_write_string(w->b, s, len);
}

void sprout_jw_string(sprout_jw *w, const char *s)
{
	if (!s)
		sprout_jw_null(w);
	else
		sprout_jw_stringn(w, s, strlen(s));
}

void sprout_jw_int(sprout_jw *w, long long v)
{
	char t[24];
	int n = snprintf(t, sizeof t, "%lld", v);
	jw_add(w, t, (size_t)n);
}

void sprout_jw_uint(sprout_jw *w, unsigned long long v)
{
	char t[24];
	int n = snprintf(t, sizeof t, "%llu", v);
	jw_add(w, t, (size_t)n);
}

void sprout_jw_real(sprout_jw *w, double x)
{
	if (!jw_pre(w))
		w->rc = sprout_json_write_real(w->b, x);
}

/* x by "%.*f" (fixed) or "%.*g"; null when not finite. */
static void jw_printf(sprout_jw *w, double x, int prec, int fixed)
{
	if (!isfinite(x)) {
		sprout_jw_null(w);
		return;
	}
	if (prec < 0 || prec > 40) {
		sprout_jw_fail(w, SPROUT_ERR_USAGE);
		return;
	}
	char t[400]; /* "%.40f" of DBL_MAX is 350 bytes */
	int n = snprintf(t, sizeof t, fixed ? "%.*f" : "%.*g", prec, x);
	jw_add(w, t, (size_t)n);
}

void sprout_jw_fixed(sprout_jw *w, double x, int decimals)
{
	jw_printf(w, x, decimals, 1);
}

void sprout_jw_sig(sprout_jw *w, double x, int digits)
{
	jw_printf(w, x, digits, 0);
}

void sprout_jw_bool(sprout_jw *w, int v)
{
	if (v)
		jw_add(w, "true", 4);
	else
		jw_add(w, "false", 5);
}

void sprout_jw_null(sprout_jw *w)
{
	jw_add(w, "null", 4);
}

void sprout_jw_value(sprout_jw *w, const sprout_json *v)
{
	if (!jw_pre(w))
		w->rc = sprout_json_write(w->b, v);
}

void sprout_jw_raw(sprout_jw *w, const char *json, size_t len)
{
	jw_add(w, json, len);
}
