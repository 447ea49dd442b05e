/* sprout/buf.h - growable byte buffer with a hard maximum size.
 *
 * Every buffer has a cap given at init, so no input can grow it without bound.
 * The data is always NUL-terminated (the NUL is not counted in len).
 */
#ifndef SPROUT_BUF_H
#define SPROUT_BUF_H

#include <stddef.h>
#include <stdint.h>
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

#define SPROUT_BUF_INIT(maxbytes)                                                                  \
	{                                                                                          \
		NULL, 0, 0, (maxbytes)                                                             \
	}

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

/* n <= 16 bytes from s to d with a few fixed-size moves (a call to memcpy
 * costs more than the copy for the words and tokens most appends are);
 * reads and writes only the n bytes. GCC's bounds warnings do not follow
 * the size tests when s is a small array, hence the pragmas. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Warray-bounds"
#pragma GCC diagnostic ignored "-Wstringop-overread"
#endif
static inline void sprout_copy_small(char *d, const char *s, size_t n)
{
	if (n >= 8) {
		uint64_t x, y;
		memcpy(&x, s, 8);
		memcpy(&y, s + n - 8, 8);
		memcpy(d, &x, 8);
		memcpy(d + n - 8, &y, 8);
	} else if (n >= 4) {
		uint32_t x, y;
		memcpy(&x, s, 4);
		memcpy(&y, s + n - 4, 4);
		memcpy(d, &x, 4);
		memcpy(d + n - 4, &y, 4);
	} else if (n) {
		d[0] = s[0];
		d[n / 2] = s[n / 2];
		d[n - 1] = s[n - 1];
	}
}

static inline sprout_code sprout_buf_add(sprout_buf *b, const void *p, size_t n)
{
	/* cap > len whenever data is allocated; room for the NUL too */
	if (n < b->cap - b->len && n <= b->max - b->len) {
		if (n <= 16)
			sprout_copy_small(b->data + b->len, p, n);
		else
			memcpy(b->data + b->len, p, n);
		b->len += n;
		b->data[b->len] = '\0';
		return SPROUT_OK;
	}
	return sprout_buf_add_grow(b, p, n);
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

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
