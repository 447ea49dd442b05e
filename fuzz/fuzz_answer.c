/* libFuzzer target for what comes back from a model: sprout_extract_json
 * and sprout_extract_items on any bytes, a judge's answer
 * (sprout_judge_read), and the template renderer on any template text.
 * Invariants: no crash, no leak, errors carry a message, an extracted
 * value prints back to JSON that parses to an equal value, items found
 * have every asked field as a string, and a judge's score read is 1 to 5
 * with its reason NUL-terminated. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sprout/sprout.h"
#include "sprout/extract.h"
#include "sprout/judge.h"
#include "sprout/template.h"

#define CHECK(c)                                                                          \
	do {                                                                              \
		if (!(c)) {                                                               \
			fprintf(stderr, "fuzz_answer: invariant broken at %s:%d: %s\n",   \
				__FILE__, __LINE__, #c);                                  \
			abort();                                                          \
		}                                                                         \
	} while (0)

static void answer(const char *s, size_t n)
{
	sprout_arena *a = sprout_arena_new(0);
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_json *v = NULL;
	sprout_code rc = sprout_extract_json(a, s, n, &v, &err);
	if (rc) {
		CHECK(rc == SPROUT_ERR_JSON || rc == SPROUT_ERR_NOMEM);
		CHECK(err.msg[0]);
	} else {
		CHECK(v && (v->type == SPROUT_JSON_OBJECT || v->type == SPROUT_JSON_ARRAY));
		sprout_buf b = SPROUT_BUF_INIT((size_t)1 << 26);
		CHECK(sprout_json_write(&b, v) == SPROUT_OK);
		sprout_json *back = NULL;
		CHECK(sprout_json_parse(a, b.data, b.len, &back, &err) == SPROUT_OK);
		CHECK(sprout_json_equal(v, back));
		sprout_buf_release(&b);
		static const char *const fields[] = {"instruction", "output"};
		sprout_json **items = NULL;
		size_t k = 0;
		rc = sprout_extract_items(a, v, fields, 2, &items, &k, &err);
		if (rc) {
			CHECK(rc == SPROUT_ERR_RECORD || rc == SPROUT_ERR_NOMEM);
			CHECK(err.msg[0]);
		}
		for (size_t i = 0; !rc && i < k; i++)
			for (int f = 0; f < 2; f++) {
				sprout_json *x = sprout_json_get(items[i], fields[f]);
				CHECK(x && x->type == SPROUT_JSON_STRING);
			}
	}
	sprout_arena_free(a);
}

static void judge(const char *s, size_t n)
{
	sprout_buf reason = SPROUT_BUF_INIT((size_t)1 << 24);
	sprout_error err = SPROUT_ERROR_INIT;
	int score = 0;
	sprout_code rc = sprout_judge_read(s, n, &score, &reason, &err);
	if (rc) {
		CHECK(rc == SPROUT_ERR_JSON || rc == SPROUT_ERR_NOMEM);
		CHECK(err.msg[0]);
		CHECK(score == 0);
	} else {
		CHECK(score >= 1 && score <= 5);
		CHECK(reason.data == NULL ? reason.len == 0 : reason.data[reason.len] == '\0');
	}
	sprout_buf_release(&reason);
}

static void template(const char *s, size_t n)
{
	static const char *const names[] = {"text", "k", "examples"};
	static const char *const values[] = {"{{text}}", "3", ""};
	sprout_buf out = SPROUT_BUF_INIT((size_t)1 << 24);
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_code rc = sprout_template_render(&out, s, n, names, values, 3, &err);
	if (rc)
		CHECK(err.msg[0]);
	sprout_buf_release(&out);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	if (!size)
		return 0;
	/* the first byte picks the target */
	if (data[0] & 1)
		answer((const char *)data + 1, size - 1);
	else if (data[0] & 2)
		judge((const char *)data + 1, size - 1);
	else
		template((const char *)data + 1, size - 1);
	return 0;
}
