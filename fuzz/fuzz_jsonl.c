/* fuzz_jsonl - libFuzzer target for the streaming reader on JSON Lines.
 * The first byte picks how the rest is read from memory:
 *   0: AUTO with a 1 KiB record limit, duplicate keys an error;
 *   1: JSONL with that limit, duplicate keys kept last;
 *   2: AUTO under a ".jsonl" name with the default limit (refuses '[').
 * The reader's invariants (fuzz/README.md) hold for each record and each
 * error; each object read is written, parsed back and written again. What
 * is done with a record is fuzz_record's, arrays are fuzz_array's. */
#include "fuzz.h"

static const struct {
	const char *name, *where;
	fuzz_read_options o;
} variants[] = {
    {"fuzz", "auto, 1 KiB", {1024, SPROUT_CONTAINER_AUTO, SPROUT_JSON_DUPS_ERROR}},
    {"fuzz",
     "jsonl, 1 KiB, duplicates last",
     {1024, SPROUT_CONTAINER_JSONL, SPROUT_JSON_DUPS_LAST}},
    {"fuzz.jsonl", "fuzz.jsonl, default limit", {0, SPROUT_CONTAINER_AUTO, SPROUT_JSON_DUPS_ERROR}},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	sprout_arena *a = sprout_arena_new(0);
	if (!a)
		return 0;
	unsigned v = data[0] % 3;
	fuzz_where = variants[v].where;
	fuzz_read_mem(variants[v].name, &variants[v].o, data + 1, size - 1, a, NULL);
	sprout_arena_free(a);
	return 0;
}
