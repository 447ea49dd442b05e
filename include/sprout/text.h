/* sprout/text.h - splitting text into words, spaces, punctuation and
 * protected spans, and the case helpers augmenters use.
 *
 * Protected spans are parts of a text no word-level method may change:
 * fenced and inline code, URLs, e-mail addresses, placeholders ({{name}},
 * {name}, ${VAR}, $VAR, %s, %(name)s, <name>, [NAME]), quoted strings
 * ("..." “...” '...' ‘...’), numbers ("700-1000", "1/2", "$5", "10%") and
 * tokens that mix letters with digits or symbols ("x86_64", "file.txt",
 * "#tag", "@user").
 */
#ifndef SPROUT_TEXT_H
#define SPROUT_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "sprout/arena.h"
#include "sprout/buf.h"
#include "sprout/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sprout_tok_kind {
	SPROUT_TOK_WORD,     /* letters, with inner ' ’ or - ("don't", "well-known") */
	SPROUT_TOK_SPACE,    /* a run of white space */
	SPROUT_TOK_PUNCT,    /* one punctuation or symbol character */
	SPROUT_TOK_PROTECTED /* code, URL, placeholder, quote, number, mixed token */
} sprout_tok_kind;

typedef struct sprout_token {
	size_t off, len; /* bytes in the text */
	sprout_tok_kind kind;
} sprout_token;

typedef struct sprout_tokens {
	sprout_token *v;
	size_t n;
} sprout_tokens;

/* Split text s[0..n) (valid UTF-8) into tokens allocated in a. The tokens
 * cover the text exactly, in order. Fails only on OOM. */
sprout_code sprout_tokenize(sprout_arena *a, const char *s, size_t n, sprout_tokens *out);

/* Words in s[0..n): runs of bytes between ASCII white space. The count
 * lengths, stats, filter and report agree on. */
size_t sprout_count_words(const char *s, size_t n);

/* Case shape of a word. */
typedef enum sprout_case {
	SPROUT_CASE_LOWER, /* "card" */
	SPROUT_CASE_TITLE, /* "Card" */
	SPROUT_CASE_UPPER, /* "CARD" (two or more letters) */
	SPROUT_CASE_MIXED  /* "iPhone", "McDonald" */
} sprout_case;

sprout_case sprout_case_of(const char *s, size_t n);

/* Append s[0..n) to b in case shape c (MIXED appends it unchanged). */
sprout_code sprout_case_apply(sprout_buf *b, const char *s, size_t n, sprout_case c);

/* Append s[0..n) lowercased (Unicode simple case mapping). */
sprout_code sprout_lower(sprout_buf *b, const char *s, size_t n);

/* 1 when the code point is a letter (Unicode L*). */
int sprout_is_letter(uint32_t cp);

#ifdef __cplusplus
}
#endif
#endif
