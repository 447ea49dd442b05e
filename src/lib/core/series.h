/* A growing array of uint32_t (lengths in characters or words), shared by
 * stats.c and report.c. Not installed. */
#ifndef SPROUT_SERIES_H
#define SPROUT_SERIES_H

#include <stddef.h>
#include <stdint.h>

struct series {
	uint32_t *v;
	size_t n, cap;
};

/* Append v; -1 when out of memory (s is unchanged). */
int series_push(struct series *s, uint32_t v);

/* A sorted copy of s's values (free() it) and their sum; NULL when s is
 * empty or out of memory. */
uint32_t *series_sorted(const struct series *s, double *sum);

#endif
