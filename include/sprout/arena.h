/* sprout/arena.h - bump allocator that owns every value of one record.
 *
 * Rule: JSON values, strings and records built by the library live in an
 * arena given by the caller. Nothing inside an arena is freed on its own;
 * sprout_arena_reset() releases everything at once and keeps the blocks for
 * reuse, so reading record after record stays at a flat footprint.
 */
#ifndef SPROUT_ARENA_H
#define SPROUT_ARENA_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sprout_arena sprout_arena;

/* New empty arena; block_size 0 picks a default (64 KiB). NULL on OOM. */
sprout_arena *sprout_arena_new(size_t block_size);

/* Free the arena and all its blocks. Accepts NULL. */
void sprout_arena_free(sprout_arena *a);

/* Forget every allocation; blocks are kept for reuse. */
void sprout_arena_reset(sprout_arena *a);

/* size bytes aligned to 8. NULL on OOM. Never returns NULL for size 0. */
void *sprout_arena_alloc(sprout_arena *a, size_t size);

/* Copy of s[0..len) with a terminating NUL. NULL on OOM. */
char *sprout_arena_strndup(sprout_arena *a, const char *s, size_t len);

/* Bytes currently held in blocks (for memory benchmarks and tests). */
size_t sprout_arena_footprint(const sprout_arena *a);

#ifdef __cplusplus
}
#endif
#endif
