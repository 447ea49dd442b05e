#include "sprout/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sprout_buf_init(sprout_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void sprout_buf_release(sprout_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void sprout_buf_clear(sprout_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

sprout_code sprout_buf_reserve(sprout_buf *b, size_t n)
{
	if (n > b->max || b->len > b->max - n)
		return SPROUT_ERR_TOO_LONG;
	size_t need = b->len + n + 1; /* room for the NUL */
	if (need <= b->cap)
		return SPROUT_OK;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap = cap > (size_t)-1 / 2 ? need : cap * 2;
	char *p = realloc(b->data, cap);
	if (!p)
		return SPROUT_ERR_NOMEM;
	b->data = p;
	b->cap = cap;
	return SPROUT_OK;
}

sprout_code sprout_buf_add_grow(sprout_buf *b, const void *p, size_t n)
{
	sprout_code rc = sprout_buf_reserve(b, n);
	if (rc)
		return rc;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return SPROUT_OK;
}

sprout_code sprout_buf_adds(sprout_buf *b, const char *s)
{
	return sprout_buf_add(b, s, strlen(s));
}

sprout_code sprout_buf_addf(sprout_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return SPROUT_ERR_USAGE;
	sprout_code rc = sprout_buf_reserve(b, (size_t)n);
	if (rc)
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return SPROUT_OK;
}
