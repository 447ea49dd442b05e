/* libFuzzer target for what the batch APIs answer: sprout_batch_status_parse
 * on any bytes (a batch or file object) and sprout_batch_result_parse on
 * each line (results), for both APIs. Invariants: no crash, no leak, an
 * error carries a message and one of the documented codes, a parsed status
 * has NUL-terminated fields and ids of safe characters only, a parsed
 * result has a custom id and an answer body exactly when it was answered. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sprout/batch.h"

#define CHECK(c)                                                                          \
	do {                                                                              \
		if (!(c)) {                                                               \
			fprintf(stderr, "fuzz_batch: invariant broken at %s:%d: %s\n",    \
				__FILE__, __LINE__, #c);                                  \
			abort();                                                          \
		}                                                                         \
	} while (0)

static int safe_id(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);
	if (n == cap)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_", s[i]))
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	const char *s = (const char *)data;
	for (int api = 0; api < 2; api++) {
		sprout_llm_api a = api ? SPROUT_LLM_ANTHROPIC : SPROUT_LLM_OPENAI;
		sprout_batch_status st;
		sprout_error err = SPROUT_ERROR_INIT;
		sprout_code rc = sprout_batch_status_parse(a, s, size, &st, &err);
		if (rc) {
			CHECK(rc == SPROUT_ERR_JSON || rc == SPROUT_ERR_RECORD || rc == SPROUT_ERR_NOMEM);
			CHECK(err.msg[0]);
		} else {
			CHECK(safe_id(st.id, sizeof st.id));
			CHECK(strnlen(st.state, sizeof st.state) < sizeof st.state);
			CHECK(strnlen(st.output, sizeof st.output) < sizeof st.output);
			CHECK(strnlen(st.message, sizeof st.message) < sizeof st.message);
			CHECK(safe_id(st.errors, sizeof st.errors));
			if (!api)
				CHECK(safe_id(st.output, sizeof st.output));
		}
		sprout_arena *ar = sprout_arena_new(0);
		for (size_t i = 0; i < size;) {
			const char *nl = memchr(s + i, '\n', size - i);
			size_t n = nl ? (size_t)(nl - (s + i)) : size - i;
			sprout_batch_result r;
			sprout_error e2 = SPROUT_ERROR_INIT;
			rc = sprout_batch_result_parse(ar, a, s + i, n, &r, &e2);
			if (rc) {
				CHECK(rc == SPROUT_ERR_JSON || rc == SPROUT_ERR_RECORD ||
				      rc == SPROUT_ERR_NOMEM);
				CHECK(e2.msg[0]);
			} else {
				CHECK(r.custom_id && r.message && r.param);
				CHECK((r.outcome == SPROUT_BATCH_ANSWERED) == (r.body != NULL));
				CHECK(!r.body || r.body->type == SPROUT_JSON_OBJECT);
			}
			sprout_arena_reset(ar);
			i += n + 1;
		}
		sprout_arena_free(ar);
	}
	return 0;
}
