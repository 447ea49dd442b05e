/* fuzz_recipe - libFuzzer target for the YAML reader of recipes and price
 * files (sprout_yaml_parse); fuzz_run goes on to the recipe's checks. The
 * seeds are real recipes, so that the reader is fuzzed with their shape.
 * Invariants: no crash, leak or UB; a failure is SPROUT_ERR_FORMAT (or
 * NOMEM) with a message and a line and column inside the text; a document
 * read is JSON that writes, parses back and writes the same bytes; every
 * value and every key of a mapping has a line and column inside the text;
 * reading the same text again gives the same value. */
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "sprout/yaml.h"

static unsigned long lines_, last_len_; /* the text's lines, longest line */

static void check_mark(unsigned long line, unsigned long column)
{
	CHECK(line >= 1 && line <= lines_);
	CHECK(column >= 1 && column <= last_len_ + 1);
}

static void walk(const sprout_yaml *m, const sprout_json *v, int depth)
{
	unsigned long line, column;
	CHECK(depth <= 64);
	sprout_yaml_where(m, v, &line, &column);
	check_mark(line, column);
	if (v->type == SPROUT_JSON_ARRAY)
		for (size_t i = 0; i < v->len; i++)
			walk(m, v->u.items[i], depth + 1);
	if (v->type == SPROUT_JSON_OBJECT)
		for (size_t i = 0; i < v->len; i++) {
			sprout_yaml_key_where(m, v, i, &line, &column);
			check_mark(line, column);
			walk(m, v->u.members[i].value, depth + 1);
		}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	/* lines as libyaml counts them (\n, \r\n, \r, and NEL, LS, PS) are at
	 * most the bytes + 1; the longest line at most the text */
	lines_ = size + 1;
	last_len_ = size;
	sprout_arena *a = sprout_arena_new(0);
	if (!a)
		return 0;
	sprout_json *root = NULL;
	sprout_yaml *marks = NULL;
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_code rc = sprout_yaml_parse(a, s, size, &root, &marks, &err);
	if (rc) {
		CHECK(rc == SPROUT_ERR_FORMAT || rc == SPROUT_ERR_NOMEM);
		fuzz_check_error(&err, rc);
		if (err.line || err.column) /* 0, 0: nowhere (an empty text) */
			check_mark(err.line, err.column);
		CHECK(marks == NULL);
	} else {
		CHECK(root != NULL && marks != NULL);
		fuzz_roundtrip(a, root, NULL);
		walk(marks, root, 0);
		sprout_json *again = NULL;
		sprout_yaml *marks2 = NULL;
		CHECK(sprout_yaml_parse(a, s, size, &again, &marks2, &err) == SPROUT_OK);
		CHECK(sprout_json_equal(root, again));
		sprout_yaml_free(marks2);
	}
	sprout_yaml_free(marks);
	sprout_arena_free(a);
	return 0;
}
