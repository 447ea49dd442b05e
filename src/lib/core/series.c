/* See series.h. */
#include "core/series.h"

#include <stdlib.h>
#include <string.h>

int series_push(struct series *s, uint32_t v)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		uint32_t *p = realloc(s->v, cap * sizeof *p);
		if (!p)
			return -1;
		s->v = p;
		s->cap = cap;
	}
	s->v[s->n++] = v;
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

uint32_t *series_sorted(const struct series *s, double *sum)
{
	*sum = 0;
	uint32_t *v = s->n ? malloc(s->n * sizeof *v) : NULL;
	if (!v)
		return NULL;
	memcpy(v, s->v, s->n * sizeof *v);
	qsort(v, s->n, sizeof *v, cmp_u32);
	for (size_t i = 0; i < s->n; i++)
		*sum += v[i];
	return v;
}
