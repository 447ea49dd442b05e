#include "sprout/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct block {
	struct block *next;
	size_t size; /* usable bytes after the header */
	size_t used;
	max_align_t data[];
};

struct sprout_arena {
	struct block *first;
	struct block *cur;
	struct block *last;
	size_t block_size;
};

sprout_arena *sprout_arena_new(size_t block_size)
{
	sprout_arena *a = calloc(1, sizeof *a);
	if (!a)
		return NULL;
	a->block_size = block_size ? block_size : 64 * 1024;
	return a;
}

void sprout_arena_free(sprout_arena *a)
{
	if (!a)
		return;
	struct block *b = a->first;
	while (b) {
		struct block *next = b->next;
		free(b);
		b = next;
	}
	free(a);
}

void sprout_arena_reset(sprout_arena *a)
{
	for (struct block *b = a->first; b; b = b->next)
		b->used = 0;
	a->cur = a->first;
}

static struct block *new_block(size_t size)
{
	struct block *b = malloc(sizeof *b + size);
	if (!b)
		return NULL;
	b->next = NULL;
	b->size = size;
	b->used = 0;
	return b;
}

void *sprout_arena_alloc(sprout_arena *a, size_t size)
{
	size = size ? (size + 7) & ~(size_t)7 : 8;
	/* blocks after cur are empty (a reset emptied them), so the first one
	 * with room is taken; skipped space is reclaimed at the next reset */
	struct block *b = a->cur;
	while (b && b->size - b->used < size)
		b = b->next;
	if (!b) {
		b = new_block(size > a->block_size ? size : a->block_size);
		if (!b)
			return NULL;
		if (a->last)
			a->last->next = b;
		else
			a->first = b;
		a->last = b;
	}
	a->cur = b;
	void *p = (char *)b->data + b->used;
	b->used += size;
	return p;
}

char *sprout_arena_strndup(sprout_arena *a, const char *s, size_t len)
{
	char *p = sprout_arena_alloc(a, len + 1);
	if (!p)
		return NULL;
	if (len)
		memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

size_t sprout_arena_footprint(const sprout_arena *a)
{
	size_t n = 0;
	for (const struct block *b = a->first; b; b = b->next)
		n += b->size;
	return n;
}
