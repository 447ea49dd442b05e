/* sprout/buf.h - growable byte buffer with a hard maximum size.
 *
 * Every buffer has a cap given at init, so no input can grow it without bound.
 * The data is always NUL-terminated (the NUL is not counted in len).
 */
#ifndef SPROUT_BUF_H
#define SPROUT_BUF_H

#include <stddef.h>
#include <string.h>

#include "sprout/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sprout_buf {
	char *data;
	size_t len;
	size_t cap; /* bytes allocated */
	size_t max; /* largest len allowed */
} sprout_buf;

#define SPROUT_BUF_INIT(maxbytes) {NULL, 0, 0, (maxbytes)}

/* Set up an empty buffer that may hold at most max bytes. */
void sprout_buf_init(sprout_buf *b, size_t max);

/* Free the contents and return to the empty state (max is kept). */
void sprout_buf_release(sprout_buf *b);

/* len = 0, memory kept. */
void sprout_buf_clear(sprout_buf *b);

/* Make room for n more bytes. SPROUT_ERR_TOO_LONG when len + n > max,
 * SPROUT_ERR_NOMEM when allocation fails. */
sprout_code sprout_buf_reserve(sprout_buf *b, size_t n);

/* Append bytes / a NUL-terminated string / one byte / formatted text. */
static inline sprout_code sprout_buf_add(sprout_buf *b, const void *p, size_t n);
sprout_code sprout_buf_adds(sprout_buf *b, const char *s);
static inline sprout_code sprout_buf_addc(sprout_buf *b, char c);
sprout_code sprout_buf_addf(sprout_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* sprout_buf_add when the buffer must grow first (the inline part handles
 * the common case of enough room in place). */
sprout_code sprout_buf_add_grow(sprout_buf *b, const void *p, size_t n);

static inline sprout_code sprout_buf_add(sprout_buf *b, const void *p, size_t n)
{
	/* cap > len whenever data is allocated; room for the NUL too */
	if (n < b->cap - b->len && n <= b->max - b->len) {
		if (n)
			memcpy(b->data + b->len, p, n);
		b->len += n;
		b->data[b->len] = '\0';
		return SPROUT_OK;
	}
	return sprout_buf_add_grow(b, p, n);
}

static inline sprout_code sprout_buf_addc(sprout_buf *b, char c)
{
	if (b->len + 1 < b->cap && b->len < b->max) {
		b->data[b->len++] = c;
		b->data[b->len] = '\0';
		return SPROUT_OK;
	}
	return sprout_buf_add_grow(b, &c, 1);
}

#ifdef __cplusplus
}
#endif
#endif
