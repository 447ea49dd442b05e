#include <stdio.h>

#include "../../src/lib/core/dict.h"
#include "test.h"
#include "util.h"

static void dict_numbers_keys_in_first_seen_order(void)
{
	sprout_arena *a = sprout_arena_new(0);
	sprout_dict d;
	sprout_dict_init(&d, a);
	CHECK_INT(sprout_dict_find(&d, "x", 1), -1);
	char buf[32];
	int added;
	/* enough keys to grow the table several times */
	for (int i = 0; i < 5000; i++) {
		int n = snprintf(buf, sizeof buf, "key%d", i);
		CHECK_INT(sprout_dict_put(&d, buf, (size_t)n, &added), i);
		CHECK_INT(added, 1);
	}
	buf[0] = 'K'; /* the keys were copied: changing the caller's text changes nothing */
	for (int i = 4999; i >= 0; i--) {
		int n = snprintf(buf, sizeof buf, "key%d", i);
		CHECK_INT(sprout_dict_find(&d, buf, (size_t)n), i);
		CHECK_INT(sprout_dict_put(&d, buf, (size_t)n, &added), i);
		CHECK_INT(added, 0);
		size_t len;
		const char *key = sprout_dict_key(&d, (size_t)i, &len);
		CHECK_MEM(key, len, buf);
	}
	CHECK_INT(sprout_dict_count(&d), 5000);
	/* lengths count: a prefix, an empty key and a key with a NUL are keys of their own */
	CHECK_INT(sprout_dict_find(&d, "key1", 3), -1);
	CHECK_INT(sprout_dict_put(&d, "", 0, &added), 5000);
	CHECK_INT(sprout_dict_put(&d, "a\0b", 3, &added), 5001);
	CHECK_INT(sprout_dict_find(&d, "a", 1), -1);
	CHECK_INT(sprout_dict_find(&d, "a\0b", 3), 5001);
	sprout_dict_clear(&d);
	CHECK_INT(sprout_dict_count(&d), 0);
	CHECK_INT(sprout_dict_find(&d, "key7", 4), -1);
	CHECK_INT(sprout_dict_put(&d, "key7", 4, &added), 0);
	sprout_dict_free(&d);
	sprout_arena_free(a);
}

static void dict_borrows_keys_without_an_arena(void)
{
	const char *words[] = {"b", "a", "b", "c", "a"};
	sprout_dict d;
	sprout_dict_init(&d, NULL);
	long long want[] = {0, 1, 0, 2, 1};
	for (int i = 0; i < 5; i++)
		CHECK_INT(sprout_dict_put(&d, words[i], 1, NULL), want[i]);
	CHECK(sprout_dict_key(&d, 2, NULL) == words[3]); /* the caller's own pointer */
	sprout_dict_free(&d);
}

SUITE(dict_tests) = {
    T(dict_numbers_keys_in_first_seen_order),
    T(dict_borrows_keys_without_an_arena),
    {NULL, NULL},
};
