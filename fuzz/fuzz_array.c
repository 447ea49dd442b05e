/* fuzz_array - libFuzzer target for the streaming reader on a JSON array
 * of objects: the input is read from memory as ARRAY with a 1 KiB element
 * limit and duplicate keys kept all (such records must still be read
 * whole). The reader's invariants (fuzz/README.md) hold for each record
 * and each error; each object read is written, parsed back and written
 * again. JSON Lines and AUTO are fuzz_jsonl's. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sprout_arena *a = sprout_arena_new(0);
	if (!a)
		return 0;
	fuzz_read_mem("fuzz",
		      &(fuzz_read_options){1024, SPROUT_CONTAINER_ARRAY, SPROUT_JSON_DUPS_KEEP},
		      data, size, a, NULL);
	sprout_arena_free(a);
	return 0;
}
