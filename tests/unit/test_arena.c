#include <stdint.h>

#include "test.h"
#include "util.h"

static void alloc_is_aligned_and_reused_after_reset(void)
{
	sprout_arena *a = sprout_arena_new(1024);
	for (int i = 0; i < 100; i++) {
		void *p = sprout_arena_alloc(a, (size_t)(i % 13) + 1);
		CHECK(p != NULL);
		CHECK(((uintptr_t)p & 7) == 0);
	}
	size_t before = sprout_arena_footprint(a);
	for (int round = 0; round < 50; round++) {
		sprout_arena_reset(a);
		for (int i = 0; i < 100; i++)
			CHECK(sprout_arena_alloc(a, (size_t)(i % 13) + 1) != NULL);
	}
	/* the same pattern after a reset needs no new blocks */
	CHECK_INT(sprout_arena_footprint(a), before);
	sprout_arena_free(a);
}

static void big_allocation_gets_its_own_block(void)
{
	sprout_arena *a = sprout_arena_new(1024);
	char *small = sprout_arena_alloc(a, 16);
	char *big = sprout_arena_alloc(a, 100000);
	CHECK(small && big);
	memset(big, 'x', 100000);
	CHECK(sprout_arena_footprint(a) >= 100000);
	char *s = sprout_arena_strndup(a, "hello world", 5);
	CHECK_STR(s, "hello");
	sprout_arena_free(a);
	sprout_arena_free(NULL);
}

static void buffer_refuses_to_grow_past_its_max(void)
{
	sprout_buf b = SPROUT_BUF_INIT(8);
	CHECK_INT(sprout_buf_adds(&b, "12345678"), SPROUT_OK);
	CHECK_INT(sprout_buf_addc(&b, '9'), SPROUT_ERR_TOO_LONG);
	CHECK_INT(sprout_buf_adds(&b, "x"), SPROUT_ERR_TOO_LONG);
	CHECK_INT(b.len, 8);
	CHECK_STR(b.data, "12345678");
	sprout_buf_clear(&b);
	CHECK_INT(sprout_buf_addf(&b, "%d-%s", 42, "ab"), SPROUT_OK);
	CHECK_STR(b.data, "42-ab");
	CHECK_INT(sprout_buf_addf(&b, "%s", "toolong"), SPROUT_ERR_TOO_LONG);
	sprout_buf_release(&b);
}

SUITE(arena_tests) = {
    T(alloc_is_aligned_and_reused_after_reset),
    T(big_allocation_gets_its_own_block),
    T(buffer_refuses_to_grow_past_its_max),
    {NULL, NULL},
};
