#include "test.h"
#include "util.h"

static void names_and_aliases(void)
{
	sprout_format f;
	sprout_error err = SPROUT_ERROR_INIT;
	CHECK_INT(sprout_format_parse("alpaca", &f, &err), SPROUT_OK);
	CHECK_STR(sprout_format_name(&f), "alpaca");
	CHECK_INT(sprout_format_parse("chat", &f, &err), SPROUT_OK);
	CHECK_STR(sprout_format_name(&f), "openai");
	CHECK_INT(sprout_format_parse("text-label", &f, &err), SPROUT_OK);
	CHECK_STR(sprout_format_name(&f), "classification");
	CHECK_INT(sprout_format_parse("self-instruct", &f, &err), SPROUT_OK);
	CHECK_INT(sprout_format_parse("csv", &f, &err), SPROUT_ERR_FORMAT);
	CHECK_STR(err.msg, "unknown format 'csv' (expected alpaca, sharegpt, openai, "
			   "classification, self-instruct, or a field map like "
			   "prompt=question,response=answer)");
}

static void field_maps(void)
{
	sprout_format f;
	sprout_error err = SPROUT_ERROR_INIT;
	char desc[256];
	CHECK_INT(sprout_format_parse("response=answer,prompt=question,label=intent", &f, &err),
		  SPROUT_OK);
	CHECK_INT(f.kind, SPROUT_FORMAT_MAP);
	sprout_format_describe(&f, desc, sizeof desc);
	CHECK_STR(desc, "map prompt=question,response=answer,label=intent");
	CHECK_INT(sprout_format_parse("response=answer", &f, &err), SPROUT_ERR_FORMAT);
	CHECK_STR(err.msg,
		  "bad field map 'response=answer': it must map the prompt slot (prompt=KEY)");
	CHECK_INT(sprout_format_parse("prompt=q,prompt=r", &f, &err), SPROUT_ERR_FORMAT);
	CHECK_STR(err.msg, "bad field map 'prompt=q,prompt=r': slot prompt given twice");
	CHECK_INT(sprout_format_parse("prompt=q,response=q", &f, &err), SPROUT_ERR_FORMAT);
	CHECK_STR(err.msg, "bad field map 'prompt=q,response=q': key 'q' is mapped to two slots");
	CHECK_INT(sprout_format_parse("prompt=q,answer=a", &f, &err), SPROUT_ERR_FORMAT);
	CHECK_STR(err.msg, "bad field map 'prompt=q,answer=a': unknown slot 'answer' (expected "
			   "prompt, input, response, label or system)");
	/* unmapped, label and system read keys label and system: another
	 * slot's key of that name would be read twice (the prompt as the
	 * system message too) */
	CHECK_INT(sprout_format_parse("prompt=system,response=answer", &f, &err),
		  SPROUT_ERR_FORMAT);
	CHECK_STR(err.msg,
		  "bad field map 'prompt=system,response=answer': key 'system' is mapped "
		  "to two slots (label and system read keys label and system unless mapped "
		  "to others)");
	CHECK_INT(sprout_format_parse("prompt=q,response=label", &f, &err), SPROUT_ERR_FORMAT);
	CHECK_INT(sprout_format_parse("prompt=system,system=sys", &f, &err), SPROUT_OK);
	CHECK_INT(sprout_format_parse("prompt=label,label=intent", &f, &err), SPROUT_OK);
	CHECK_INT(sprout_format_parse("prompt=q,label=label,system=system", &f, &err), SPROUT_OK);
	CHECK_INT(sprout_format_parse("prompt=,x=", &f, &err), SPROUT_ERR_FORMAT);
	CHECK(strstr(err.msg, "expected SLOT=KEY pairs") != NULL);
}

static void detect(const char *json, const char *want, const char *why_want)
{
	sprout_arena *a = sprout_arena_new(0);
	sprout_format f;
	char why[128];
	sprout_error err = SPROUT_ERROR_INIT;
	if (sprout_format_detect(parse_ok(a, json), &f, why, sizeof why, &err))
		test_fail(__FILE__, __LINE__, "detect failed for %s: %s", json, err.msg);
	CHECK_STR(sprout_format_name(&f), want);
	CHECK_STR(why, why_want);
	sprout_arena_free(a);
}

static void detection(void)
{
	detect("{\"instruction\":\"a\",\"input\":\"\",\"output\":\"b\"}", "alpaca",
	       "keys instruction, output");
	detect("{\"instruction\":\"a\"}", "alpaca", "key instruction");
	detect("{\"conversations\":[]}", "sharegpt", "key conversations");
	detect("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "openai", "key messages");
	detect("{\"text\":\"a\",\"label\":\"b\"}", "classification", "keys text, label");
	detect("{\"text\":\"a\"}", "map", "key text");
	detect("{\"instruction\":\"a\",\"instances\":[]}", "self-instruct",
	       "keys instruction, instances");
	/* a string "messages" is not a chat */
	detect("{\"messages\":\"x\",\"instruction\":\"y\"}", "alpaca", "key instruction");
}

static void undetectable_names_the_keys(void)
{
	sprout_arena *a = sprout_arena_new(0);
	sprout_format f;
	sprout_error err = SPROUT_ERROR_INIT;
	CHECK_INT(sprout_format_detect(parse_ok(a, "{\"question\":\"q\",\"answer\":\"a\"}"), &f,
				       NULL, 0, &err),
		  SPROUT_ERR_FORMAT);
	CHECK_STR(err.msg,
		  "cannot detect the format: the record has keys {question, answer}, none "
		  "of instruction (alpaca), conversations (sharegpt), messages (openai), "
		  "text (classification, or plain text); give --format or a field map like "
		  "--map prompt=question,response=answer");
	sprout_arena_free(a);
}

SUITE(format_tests) = {
    T(names_and_aliases), T(field_maps), T(detection), T(undetectable_names_the_keys), {NULL, NULL},
};
