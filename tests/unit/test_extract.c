#include <stdlib.h>
#include <time.h>

#include "test.h"
#include "util.h"

#include "sprout/extract.h"

/* Compact JSON of what sprout_extract_json finds in text, or NULL with err. */
static const char *found(sprout_arena *a, const char *text, sprout_error *err)
{
	sprout_json *v = NULL;
	if (sprout_extract_json(a, text, strlen(text), &v, err))
		return NULL;
	return dump(v);
}

static void finds_json_in_answers(void)
{
	static const struct {
		const char *answer, *json;
	} cases[] = {
	    /* the whole answer, with a BOM and whitespace around it */
	    {"{\"items\":[{\"text\":\"a\"}]}", "{\"items\":[{\"text\":\"a\"}]}"},
	    {"\xEF\xBB\xBF \n {\"a\": 1}\n\n", "{\"a\":1}"},
	    {"\xEF\xBB\xBF[\"a\", \"b\"]", "[\"a\",\"b\"]"}, /* whole, so any array */
	    {"[{\"text\":\"a\"},{\"text\":\"b\"}]", "[{\"text\":\"a\"},{\"text\":\"b\"}]"},
	    {"[]", "[]"},
	    /* a fence with prose before and after */
	    {"Sure! Here are the rewrites:\n\n```json\n{\"items\": [{\"text\": \"x\"}]}\n```\n\n"
	     "Let me know if you need more {variants}.",
	     "{\"items\":[{\"text\":\"x\"}]}"},
	    {"```\n[{\"text\": \"x\"}]\n```", "[{\"text\":\"x\"}]"},
	    {"Result: ```JSON {\"a\": 2}``` done", "{\"a\":2}"},
	    /* the first fence that parses, not the first fence */
	    {"```python\nprint({1: 2})\n```\nthen\n```json\n{\"b\": [1]}\n```", "{\"b\":[1]}"},
	    /* braces inside strings do not count while balancing */
	    {"Answer: {\"a\":\"}\"} -- ok", "{\"a\":\"}\"}"},
	    {"x {\"a\":\"{[\\\"\",\"b\":\"]\"} y", "{\"a\":\"{[\\\"\",\"b\":\"]\"}"},
	    /* prose braces before the JSON are passed over */
	    {"Use {name} as written. {\"a\":1}", "{\"a\":1}"},
	    {"Stray { brace, then {\"a\":1}", "{\"a\":1}"},
	    /* two objects: the first wins */
	    {"{\"a\":1}\n{\"b\":2}", "{\"a\":1}"},
	    {"first {\"a\":1} then {\"b\":2}", "{\"a\":1}"},
	    /* arrays in prose count only when they hold an object */
	    {"See [1] and [\"x\"]. [{\"text\": \"y\"}]", "[{\"text\":\"y\"}]"},
	    {"Items: [{\"text\": \"a\"}, {\"text\": \"b\"}] (2)",
	     "[{\"text\":\"a\"},{\"text\":\"b\"}]"},
	    /* a malformed outer value gives way to a value inside it */
	    {"{\"items\": [{\"text\": \"a\"},]}", "{\"text\":\"a\"}"},
	    /* thinking first, drafts of the JSON included */
	    {"<think>The user wants {\"draft\": 1}.</think>\n\n{\"items\": []}", "{\"items\":[]}"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		sprout_arena *a = sprout_arena_new(0);
		sprout_error err = SPROUT_ERROR_INIT;
		const char *got = found(a, cases[i].answer, &err);
		if (!got)
			test_fail(__FILE__, __LINE__, "case %zu: %s", i, err.msg);
		CHECK_STR(got, cases[i].json);
		sprout_arena_free(a);
	}
}

static void reports_answers_without_json(void)
{
	static const struct {
		const char *answer, *msg;
		unsigned long line, col;
	} cases[] = {
	    {"", "no JSON object in the answer", 0, 0},
	    {"I'm sorry, I can't help with that.", "no JSON object in the answer", 0, 0},
	    {"Use {name} and [1].", "no JSON object in the answer", 0, 0},
	    {"42", "no JSON object in the answer", 0, 0},
	    {"\"{\\\"a\\\": 1}\"", "no JSON object in the answer", 0, 0},
	    /* cut off: an error, not the complete item nested inside */
	    {"{\"items\": [{\"text\": \"a\"}, {\"te",
	     "the answer ends inside its JSON (cut short?): "
	     "unterminated string",
	     1, 28},
	    {"Here:\n```json\n{\"items\": [{\"text\": \"a\"}, {\"text\": \"b\"}",
	     "the answer ends inside its JSON (cut short?): unterminated array", 3, 11},
	    {"<think>I should write {\"items\": ...", "the answer ends inside its <think> block", 0,
	     0},
	    /* malformed: the error of the longest candidate, located in the answer */
	    {"Here:\n  {\"a\": 1,, \"b\": 2}",
	     "malformed JSON in the answer: unexpected ',', "
	     "expected a string key",
	     2, 11},
	    {"{'text': 'single quotes'}", "no JSON object in the answer", 0, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		sprout_arena *a = sprout_arena_new(0);
		sprout_error err = SPROUT_ERROR_INIT;
		if (found(a, cases[i].answer, &err))
			test_fail(__FILE__, __LINE__, "case %zu: found JSON", i);
		CHECK_INT(err.code, SPROUT_ERR_JSON);
		CHECK_STR(err.msg, cases[i].msg);
		CHECK_INT(err.line, cases[i].line);
		CHECK_INT(err.column, cases[i].col);
		sprout_arena_free(a);
	}
}

static void unclosed_braces_cost_linear_time(void)
{
	/* each start position would otherwise scan to the end: n^2 / 2 steps */
	size_t n = 200000;
	char *text = malloc(n + 16);
	CHECK(text);
	memset(text, '{', n);
	strcpy(text + n, " {\"a\":1}");
	sprout_arena *a = sprout_arena_new(0);
	sprout_error err = SPROUT_ERROR_INIT;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	sprout_json *v = NULL;
	sprout_code rc = sprout_extract_json(a, text, strlen(text), &v, &err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	CHECK_INT(rc, SPROUT_ERR_JSON);
	if (secs > 2.0)
		test_fail(__FILE__, __LINE__, "took %.1f s", secs);
	free(text);
	sprout_arena_free(a);
}

static void found_value_outlives_the_search(void)
{
	sprout_arena *a = sprout_arena_new(0);
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_json *v = NULL;
	char text[] = "ok ```json\n{\"k\": [\"v\", {\"n\": 1.50}]}\n```";
	CHECK_INT(sprout_extract_json(a, text, strlen(text), &v, &err), SPROUT_OK);
	memset(text, 'x', sizeof text - 1); /* the value holds no pointer into text */
	CHECK_STR(dump(v), "{\"k\":[\"v\",{\"n\":1.50}]}");
	sprout_arena_free(a);
}

/* Items of the answer text with the given fields: their compact JSON joined
 * by spaces, or NULL with err. */
static const char *items(sprout_arena *a, const char *answer, const char *const *fields,
			 size_t nfields, sprout_error *err)
{
	static char out[1024];
	sprout_json *root = parse_ok(a, answer);
	sprout_json **list = (sprout_json **)1;
	size_t n = 99;
	if (sprout_extract_items(a, root, fields, nfields, &list, &n, err)) {
		CHECK(!list);
		CHECK_INT(n, 0);
		return NULL;
	}
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		strcat(out, i ? " " : "");
		strcat(out, dump(list[i]));
	}
	return out;
}

static void items_accept_the_shapes_models_write(void)
{
	static const char *const text[] = {"text"};
	static const char *const pair[] = {"instruction", "input", "output"};
	sprout_arena *a = sprout_arena_new(0);
	sprout_error err = SPROUT_ERROR_INIT;
	CHECK_STR(items(a, "{\"items\":[{\"text\":\"a\"},{\"text\":\"b\"}]}", text, 1, &err),
		  "{\"text\":\"a\"} {\"text\":\"b\"}");
	CHECK_STR(items(a, "[{\"text\":\"a\"},{\"text\":\"b\",\"extra\":1}]", text, 1, &err),
		  "{\"text\":\"a\"} {\"text\":\"b\",\"extra\":1}");
	CHECK_STR(items(a, "{\"text\":\"only\"}", text, 1, &err), "{\"text\":\"only\"}");
	CHECK_STR(items(a, "{\"items\":{\"text\":\"one\"}}", text, 1, &err), "{\"text\":\"one\"}");
	CHECK_STR(items(a, "{\"paraphrases\":[{\"text\":\"a\"}]}", text, 1, &err),
		  "{\"text\":\"a\"}");
	CHECK_STR(items(a, "{\"items\":[]}", text, 1, &err), "");
	CHECK_STR(items(a, "{\"items\":[{\"instruction\":\"i\",\"input\":\"\",\"output\":\"o\"}]}",
			pair, 3, &err),
		  "{\"instruction\":\"i\",\"input\":\"\",\"output\":\"o\"}");
	/* "items" wins over fields of the wrapper itself */
	CHECK_STR(items(a, "{\"text\":\"w\",\"items\":[{\"text\":\"a\"}]}", text, 1, &err),
		  "{\"text\":\"a\"}");
	sprout_arena_free(a);
}

static void items_errors_name_the_item_and_field(void)
{
	static const char *const text[] = {"text"};
	static const char *const pair[] = {"instruction", "input", "output"};
	static const struct {
		const char *answer;
		const char *const *fields;
		size_t n;
		const char *msg;
	} cases[] = {
	    {"{\"items\":[{\"instruction\":\"a\",\"input\":\"\",\"output\":\"b\"},"
	     "{\"instruction\":\"c\",\"input\":\"\"}]}",
	     pair, 3, "item 2: \"output\" is missing"},
	    {"{\"items\":[{\"text\":3}]}", text, 1, "item 1: \"text\" is a number, not a string"},
	    {"[{\"text\":\"a\"},{\"text\":null}]", text, 1,
	     "item 2: \"text\" is null, not a string"},
	    {"{\"items\":[{\"text\":\"a\"},{\"text\":\"b\"},\"c\"]}", text, 1,
	     "item 3 is a string, not an object"},
	    {"{\"items\":[[\"a\"]]}", text, 1, "item 1 is an array, not an object"},
	    {"{\"instruction\":\"only this\"}", pair, 3, "item 1: \"input\" is missing"},
	    {"{\"result\":\"x\"}", text, 1, "the answer has no \"items\" array"},
	    {"{}", text, 1, "the answer has no \"items\" array"},
	    {"{\"a\":[],\"b\":[]}", text, 1, "the answer has no \"items\" array"},
	    {"{\"items\":\"x\"}", text, 1, "\"items\" is a string, not an array"},
	    {"{\"items\":[{\"text\":true}]}", text, 1,
	     "item 1: \"text\" is a boolean, not a string"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		sprout_arena *a = sprout_arena_new(0);
		sprout_error err = SPROUT_ERROR_INIT;
		if (items(a, cases[i].answer, cases[i].fields, cases[i].n, &err))
			test_fail(__FILE__, __LINE__, "case %zu: accepted", i);
		CHECK_INT(err.code, SPROUT_ERR_RECORD);
		CHECK_STR(err.msg, cases[i].msg);
		sprout_arena_free(a);
	}
}

static void extract_then_items(void)
{
	static const char *const fields[] = {"response"};
	sprout_arena *a = sprout_arena_new(0);
	sprout_error err = SPROUT_ERROR_INIT;
	const char *answer =
	    "Here you go!\n```json\n{\"items\": [{\"response\": \"- a\\n- b\"}]}\n```";
	sprout_json *root = NULL, **list = NULL;
	size_t n = 0;
	CHECK_INT(sprout_extract_json(a, answer, strlen(answer), &root, &err), SPROUT_OK);
	CHECK_INT(sprout_extract_items(a, root, fields, 1, &list, &n, &err), SPROUT_OK);
	CHECK_INT(n, 1);
	sprout_json *r = sprout_json_get(list[0], "response");
	CHECK_MEM(r->u.s, r->len, "- a\n- b");
	sprout_arena_free(a);
}

SUITE(extract_tests) = {
    T(finds_json_in_answers),
    T(reports_answers_without_json),
    T(unclosed_braces_cost_linear_time),
    T(found_value_outlives_the_search),
    T(items_accept_the_shapes_models_write),
    T(items_errors_name_the_item_and_field),
    T(extract_then_items),
    {0},
};
