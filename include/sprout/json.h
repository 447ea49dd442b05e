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

/* Structural equality: same types, same member order, numbers equal by text. */
int sprout_json_equal(const sprout_json *x, const sprout_json *y);

#ifdef __cplusplus
}
#endif
#endif
