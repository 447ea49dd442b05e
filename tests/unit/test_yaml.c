#include "test.h"
#include "util.h"

#include "sprout/yaml.h"

static sprout_json *yaml(sprout_arena *a, const char *text, sprout_yaml **m, sprout_error *err)
{
	sprout_json *root = NULL;
	*m = NULL;
	if (sprout_yaml_parse(a, text, strlen(text), &root, m, err))
		return NULL;
	return root;
}

static void scalars_get_json_types(void)
{
	sprout_arena *a = sprout_arena_new(0);
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_yaml *m;
	sprout_json *r = yaml(a,
			      "name: support\n"
			      "n: 3\n"
			      "x: -1.5e3\n"
			      "zip: 0123\n"
			      "neg: -0123\n"
			      "zero: -0\n"
			      "quoted: \"42\"\n"
			      "on: yes\n"
			      "off: false\n"
			      "none: ~\n"
			      "empty:\n"
			      "list: [a, 2, 'true']\n"
			      "text: |\n  two\n  lines\n",
			      &m, &err);
	CHECK(r);
	CHECK_STR(dump(r),
		  "{\"name\":\"support\",\"n\":3,\"x\":-1.5e3,\"zip\":\"0123\",\"neg\":\"-0123\","
		  "\"zero\":-0,"
		  "\"quoted\":\"42\",\"on\":true,\"off\":false,\"none\":null,\"empty\":null,"
		  "\"list\":[\"a\",2,\"true\"],\"text\":\"two\\nlines\\n\"}");
	sprout_yaml_free(m);
	sprout_arena_free(a);
}

static void marks_point_at_values_and_keys(void)
{
	sprout_arena *a = sprout_arena_new(0);
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_yaml *m;
	sprout_json *r = yaml(a,
			      "name: demo\n"
			      "stages:\n"
			      "  - augment:\n"
			      "      per-seed: 4\n"
			      "  - filter: {min-words: 3}\n",
			      &m, &err);
	CHECK(r);
	unsigned long line, col;
	sprout_json *stages = sprout_json_get(r, "stages");
	sprout_yaml_where(m, stages, &line, &col);
	CHECK_INT(line, 3);
	CHECK_INT(col, 3);
	sprout_json *aug = stages->u.items[0];
	sprout_yaml_key_where(m, aug, 0, &line, &col);
	CHECK_INT(line, 3);
	CHECK_INT(col, 5);
	sprout_json *opts = sprout_json_get(aug, "augment");
	sprout_yaml_key_where(m, opts, 0, &line, &col);
	CHECK_INT(line, 4);
	CHECK_INT(col, 7);
	sprout_yaml_where(m, sprout_json_get(opts, "per-seed"), &line, &col);
	CHECK_INT(line, 4);
	CHECK_INT(col, 17);
	sprout_json *flt = sprout_json_get(stages->u.items[1], "filter");
	sprout_yaml_key_where(m, flt, 0, &line, &col);
	CHECK_INT(line, 5);
	CHECK_INT(col, 14);
	/* a value that did not come from this document */
	sprout_yaml_where(m, parse_ok(a, "1"), &line, &col);
	CHECK_INT(line, 0);
	sprout_yaml_free(m);
	sprout_arena_free(a);
}

static void errors_carry_line_and_column(void)
{
	static const struct {
		const char *text, *msg;
		unsigned long line, col;
	} cases[] = {
	    {"a: 1\na: 2\n", "the key 'a' is given twice", 2, 1},
	    {"a: [1, 2\nb: 3\n", "did not find expected ',' or ']' while parsing a flow sequence",
	     2, 2},
	    {"x: &anchor 1\ny: *anchor\n", "anchors and aliases are not supported in recipes", 2,
	     4},
	    {"? [1]\n: 2\n", "a key must be a plain word", 1, 3},
	    {"a: 1\n---\nb: 2\n", "a recipe is one YAML document", 3, 1},
	    {"# only a comment\n", "the recipe is empty", 0, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		sprout_arena *a = sprout_arena_new(0);
		sprout_error err = SPROUT_ERROR_INIT;
		sprout_yaml *m;
		CHECK(!yaml(a, cases[i].text, &m, &err));
		CHECK(!m);
		CHECK_INT(err.code, SPROUT_ERR_FORMAT);
		CHECK_STR(err.msg, cases[i].msg);
		CHECK_INT(err.line, cases[i].line);
		CHECK_INT(err.column, cases[i].col);
		sprout_arena_free(a);
	}
}

static void deep_nesting_is_refused(void)
{
	char text[400];
	memset(text, '[', 300);
	text[300] = 0;
	sprout_arena *a = sprout_arena_new(0);
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_yaml *m;
	CHECK(!yaml(a, text, &m, &err));
	CHECK_STR(err.msg, "the recipe nests too deeply");
	CHECK_INT(err.column, 65);
	sprout_arena_free(a);
}

SUITE(yaml_tests) = {
    T(scalars_get_json_types),
    T(marks_point_at_values_and_keys),
    T(errors_carry_line_and_column),
    T(deep_nesting_is_refused),
    {0},
};
