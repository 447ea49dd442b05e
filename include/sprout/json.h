/* sprout/json.h - the JSON value every record is made of.
 *
 * Ownership rule: every value lives in a sprout_arena and is freed with it.
 * Builders take the arena to allocate in; values hold plain pointers into
 * that arena (or into memory the caller keeps alive as long, for the *_ref
 * builders). Nothing here is reference counted and nothing is freed alone.
 *
 * Values keep what a round trip must not change: object members stay in
 * their order (duplicate keys kept by sprout_json_parse; readers of records
 * refuse them or keep the last value, see sprout_json_parse_dups), numbers keep their exact source
 * text
 * ("1.0" stays "1.0", big integers stay exact), strings are decoded to UTF-8
 * and may contain NUL bytes (len is authoritative; a NUL follows the data).
 */
#ifndef SPROUT_JSON_H
#define SPROUT_JSON_H

#include <stddef.h>

#include "sprout/arena.h"
#include "sprout/buf.h"
#include "sprout/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sprout_json_type {
	SPROUT_JSON_NULL,
	SPROUT_JSON_FALSE,
	SPROUT_JSON_TRUE,
	SPROUT_JSON_NUMBER,
	SPROUT_JSON_STRING,
	SPROUT_JSON_ARRAY,
	SPROUT_JSON_OBJECT
} sprout_json_type;

typedef struct sprout_json sprout_json;

typedef struct sprout_json_member {
	const char *key; /* UTF-8, NUL-terminated after klen bytes */
	size_t klen;
	sprout_json *value;
} sprout_json_member;

struct sprout_json {
	sprout_json_type type;
	size_t len; /* bytes of a string or number; items or members of a container */
	size_t cap; /* allocated items or members */
	union {
		const char *s;		     /* STRING: decoded; NUMBER: source text */
		sprout_json **items;	     /* ARRAY */
		sprout_json_member *members; /* OBJECT */
	} u;
};

/* Deepest nesting the parser accepts. */
#define SPROUT_JSON_MAX_DEPTH 512

/* Parse text[0..len) as exactly one JSON value with optional surrounding
 * whitespace. On success *out is the value, allocated in a. On failure
 * returns SPROUT_ERR_JSON (syntax), SPROUT_ERR_UTF8 (bad bytes) or
 * SPROUT_ERR_NOMEM, and err gets the reason with line and column counted
 * from the start of text (1-based, columns in bytes); err->file is left "". */
sprout_code sprout_json_parse(sprout_arena *a, const char *text, size_t len, sprout_json **out,
			      sprout_error *err);

/* What the parser does with a key an object already has. */
typedef enum sprout_json_dups {
	SPROUT_JSON_DUPS_ERROR, /* SPROUT_ERR_JSON located at the repeated key */
	SPROUT_JSON_DUPS_LAST,	/* one member, at the first key's place, with the
				 * last value (as jq does) */
	SPROUT_JSON_DUPS_KEEP	/* every member, in order (sprout_json_parse) */
} sprout_json_dups;

/* sprout_json_parse with duplicate keys in any object treated as dups says.
 * The check costs a few comparisons per object of a few members (a hash
 * table for objects of more than 16). */
sprout_code sprout_json_parse_dups(sprout_arena *a, const char *text, size_t len,
				   sprout_json_dups dups, sprout_json **out, sprout_error *err);

/* Parse "error" or "last" (a --duplicate-keys argument). SPROUT_ERR_USAGE
 * otherwise. */
sprout_code sprout_json_dups_parse(const char *s, sprout_json_dups *out, sprout_error *err);

/* Builders. All return NULL only when the arena is out of memory. */
sprout_json *sprout_json_new(sprout_arena *a, sprout_json_type type);
sprout_json *sprout_json_string(sprout_arena *a, const char *s, size_t len);	    /* copies */
sprout_json *sprout_json_string_ref(sprout_arena *a, const char *s, size_t len);    /* no copy */
sprout_json *sprout_json_number_raw(sprout_arena *a, const char *text, size_t len); /* copies */
sprout_json *sprout_json_integer(sprout_arena *a, long long v);
/* Shortest decimal text that reads back as v; NaN and infinities give null. */
sprout_json *sprout_json_real(sprout_arena *a, double v);
sprout_json *sprout_json_copy(sprout_arena *a, const sprout_json *v); /* deep */

/* Objects. Keys are NUL-terminated here; lookups return the first match. */
sprout_json *sprout_json_get(const sprout_json *obj, const char *key);
sprout_json *sprout_json_getn(const sprout_json *obj, const char *key, size_t klen);
/* Index of the first member named key, or -1. */
long sprout_json_index(const sprout_json *obj, const char *key);
/* Replace the value of the first member named key, or append a member.
 * The key is copied into a. */
sprout_code sprout_json_set(sprout_arena *a, sprout_json *obj, const char *key, sprout_json *value);
/* Insert a member at position idx (0..len); the key is copied into a. */
sprout_code sprout_json_insert(sprout_arena *a, sprout_json *obj, size_t idx, const char *key,
			       size_t klen, sprout_json *value);
/* Remove every member named key; returns how many were removed. */
size_t sprout_json_remove(sprout_json *obj, const char *key);

/* Arrays. */
sprout_code sprout_json_push(sprout_arena *a, sprout_json *arr, sprout_json *value);

/* 1 when v is a string equal to s (NUL-terminated), else 0. */
int sprout_json_is(const sprout_json *v, const char *s);

/* Number as a double (strtod of its text); 0 for non-numbers. */
double sprout_json_number(const sprout_json *v);

/* Append v as compact JSON (no spaces, members in order, non-ASCII as UTF-8).
 * Fails only when b is full (SPROUT_ERR_TOO_LONG) or on OOM. */
sprout_code sprout_json_write(sprout_buf *b, const sprout_json *v);

/* The same, indented by two spaces a level for people to read ("key": value,
 * a member or item a line), ending with a newline. */
sprout_code sprout_json_write_pretty(sprout_buf *b, const sprout_json *v);

/* Append s[0..len) as a quoted JSON string. */
sprout_code sprout_json_write_string(sprout_buf *b, const char *s, size_t len);
/* A number as sprout_json_real writes it (the shortest text that reads back
 * as x, always with a '.' or an exponent; null when not finite). */
sprout_code sprout_json_write_real(sprout_buf *b, double x);

/* ---- streaming emitter --------------------------------------------------
 *
 * sprout_jw writes JSON into a sprout_buf as it is described, with no tree:
 * commas and colons come by themselves, strings are escaped as
 * sprout_json_write_string does (bytes that are not UTF-8 pass through, as
 * in records), reals as sprout_json_write_real. Several values at the top
 * level are written one after the other with nothing between (a JSONL
 * writer adds its own newlines with sprout_buf_addc on jw.b).
 *
 * The first failure is kept and makes every later call do nothing: b full
 * (SPROUT_ERR_TOO_LONG), out of memory, or a misuse (SPROUT_ERR_USAGE: a
 * value where a key is due, a key outside an object, an end with nothing
 * open, nesting deeper than SPROUT_JW_MAX_DEPTH). So a caller writes a whole
 * value and checks once, with sprout_jw_finish. On failure b holds a part of
 * the value; a caller that must not leave one truncates b to its old len.
 *
 *   sprout_jw w;
 *   sprout_jw_init(&w, &buf);
 *   sprout_jw_object(&w);
 *   sprout_jw_kstring(&w, "name", name);
 *   sprout_jw_karray(&w, "scores");
 *   for (i = 0; i < n; i++)
 *           sprout_jw_real(&w, score[i]);
 *   sprout_jw_end(&w);
 *   sprout_jw_end(&w);
 *   rc = sprout_jw_finish(&w);
 */
#define SPROUT_JW_MAX_DEPTH 64

typedef struct sprout_jw {
	sprout_buf *b;	/* where the text goes; callers may read it */
	sprout_code rc; /* the first failure */
	unsigned depth;
	int after_key;		 /* a key was written, its value is due */
	unsigned long long obj;	 /* bit d: level d+1 is an object */
	unsigned long long some; /* bit d: level d+1 has a member or item */
} sprout_jw;

/* Start writing at the end of b. */
void sprout_jw_init(sprout_jw *w, sprout_buf *b);
/* SPROUT_OK when everything was written and every object and array ended;
 * else the first failure (SPROUT_ERR_USAGE when something is left open). */
sprout_code sprout_jw_finish(const sprout_jw *w);

/* Keep a failure the caller met while writing (SPROUT_OK is ignored; an
 * earlier failure stays), so that sprout_jw_finish reports it too. */
void sprout_jw_fail(sprout_jw *w, sprout_code rc);

/* Open an object or an array; sprout_jw_end closes the innermost one. */
void sprout_jw_object(sprout_jw *w);
void sprout_jw_array(sprout_jw *w);
void sprout_jw_end(sprout_jw *w);

/* A member's key (NUL-terminated, or len bytes); its value comes next. */
void sprout_jw_key(sprout_jw *w, const char *key);
void sprout_jw_keyn(sprout_jw *w, const char *key, size_t len);

/* Values. sprout_jw_string writes null for a NULL s. */
void sprout_jw_string(sprout_jw *w, const char *s);
void sprout_jw_stringn(sprout_jw *w, const char *s, size_t len);
void sprout_jw_int(sprout_jw *w, long long v);
void sprout_jw_uint(sprout_jw *w, unsigned long long v);
/* The shortest text that reads back as x (sprout_json_write_real). */
void sprout_jw_real(sprout_jw *w, double x);
/* x as printf's "%.*f" with decimals digits, or "%.*g" with digits
 * significant digits (so that a format stays what readers know);
 * null when x is not finite. */
void sprout_jw_fixed(sprout_jw *w, double x, int decimals);
void sprout_jw_sig(sprout_jw *w, double x, int digits);
void sprout_jw_bool(sprout_jw *w, int v);
void sprout_jw_null(sprout_jw *w);
/* A value tree, as sprout_json_write writes it. */
void sprout_jw_value(sprout_jw *w, const sprout_json *v);
/* len bytes the caller vouches are one JSON value (a request body kept as
 * text, a value stored as JSON), copied as they are. */
void sprout_jw_raw(sprout_jw *w, const char *json, size_t len);

/* A key and its value in one call. */
static inline void sprout_jw_kstring(sprout_jw *w, const char *key, const char *s)
{
	sprout_jw_key(w, key);
	sprout_jw_string(w, s);
}
static inline void sprout_jw_kint(sprout_jw *w, const char *key, long long v)
{
	sprout_jw_key(w, key);
	sprout_jw_int(w, v);
}
static inline void sprout_jw_kuint(sprout_jw *w, const char *key, unsigned long long v)
{
	sprout_jw_key(w, key);
	sprout_jw_uint(w, v);
}
static inline void sprout_jw_kreal(sprout_jw *w, const char *key, double x)
{
	sprout_jw_key(w, key);
	sprout_jw_real(w, x);
}
static inline void sprout_jw_kfixed(sprout_jw *w, const char *key, double x, int decimals)
{
	sprout_jw_key(w, key);
	sprout_jw_fixed(w, x, decimals);
}
static inline void sprout_jw_kbool(sprout_jw *w, const char *key, int v)
{
	sprout_jw_key(w, key);
	sprout_jw_bool(w, v);
}
static inline void sprout_jw_kobject(sprout_jw *w, const char *key)
{
	sprout_jw_key(w, key);
	sprout_jw_object(w);
}
static inline void sprout_jw_karray(sprout_jw *w, const char *key)
{
	sprout_jw_key(w, key);
	sprout_jw_array(w);
}

/* Structural equality: same types, same member order, numbers equal by text. */
int sprout_json_equal(const sprout_json *x, const sprout_json *y);

#ifdef __cplusplus
}
#endif
#endif
