/* grow.h - making room in a growing array (internal). */
#ifndef SPROUT_GROW_H
#define SPROUT_GROW_H

#include <stdint.h>
#include <stdlib.h>

/* Array v (capacity *cap elements of size bytes) with room for at least
 * n + 1 elements: v itself, or moved with *cap doubled (at least 64).
 * NULL on OOM, v and *cap then unchanged:
 *   T *w = sprout_grow(a->v, &a->cap, a->n, sizeof *w);
 *   if (!w) return out of memory;
 *   a->v = w; */
static inline void *sprout_grow(void *v, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return v;
	size_t c = *cap ? 2 * *cap : 64;
	if (c <= n)
		c = n + 1;
	void *p = c > SIZE_MAX / size ? NULL : realloc(v, c * size);
	if (p)
		*cap = c;
	return p;
}

#endif
