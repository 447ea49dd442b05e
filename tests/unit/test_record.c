#include "test.h"
#include "util.h"

static sprout_arena *A;

static const char *slot(const sprout_record *r, sprout_slot s)
{
	static char buf[4][512];
	static int k;
	sprout_text t;
	if (!sprout_record_get(r, s, &t))
		return "(absent)";
	char *b = buf[k++ % 4];
	snprintf(b, 512, "%.*s", (int)t.len, t.s);
	return b;
}

static void slots_in_every_format(void)
{
	A = sprout_arena_new(0);
	sprout_record r = make_record(
	    A, "{\"instruction\":\"I\",\"input\":\"X\",\"output\":\"O\",\"system\":\"S\"}", "auto");
	CHECK_STR(slot(&r, SPROUT_SLOT_PROMPT), "I");
	CHECK_STR(slot(&r, SPROUT_SLOT_INPUT), "X");
	CHECK_STR(slot(&r, SPROUT_SLOT_RESPONSE), "O");
	CHECK_STR(slot(&r, SPROUT_SLOT_SYSTEM), "S");
	CHECK_STR(slot(&r, SPROUT_SLOT_LABEL), "(absent)");

	r = make_record(
	    A,
	    "{\"conversations\":[{\"from\":\"system\",\"value\":\"S\"},{\"from\":\"gpt\","
	    "\"value\":\"early\"},{\"from\":\"human\",\"value\":\"U\"},{\"from\":\"gpt\","
	    "\"value\":\"G\"},{\"from\":\"human\",\"value\":\"U2\"}],\"label\":3}",
	    "auto");
	CHECK_STR(slot(&r, SPROUT_SLOT_PROMPT), "U");
	CHECK_STR(slot(&r, SPROUT_SLOT_RESPONSE), "G");
	CHECK_STR(slot(&r, SPROUT_SLOT_SYSTEM), "S");
	CHECK_STR(slot(&r, SPROUT_SLOT_INPUT), "(absent)");
	CHECK_STR(slot(&r, SPROUT_SLOT_LABEL), "3");

	r = make_record(
	    A,
	    "{\"messages\":[{\"role\":\"user\",\"content\":\"U\"},{\"role\":\"assistant\","
	    "\"content\":\"A\"}],\"system\":\"top\"}",
	    "auto");
	CHECK_STR(slot(&r, SPROUT_SLOT_PROMPT), "U");
	CHECK_STR(slot(&r, SPROUT_SLOT_RESPONSE), "A");
	CHECK_STR(slot(&r, SPROUT_SLOT_SYSTEM), "top");

	r = make_record(A, "{\"text\":\"T\",\"label\":true}", "auto");
	CHECK_STR(slot(&r, SPROUT_SLOT_PROMPT), "T");
	CHECK_STR(slot(&r, SPROUT_SLOT_LABEL), "true");
	CHECK_STR(slot(&r, SPROUT_SLOT_RESPONSE), "(absent)");

	r = make_record(
	    A, "{\"instruction\":\"I\",\"instances\":[{\"input\":\"X\",\"output\":\"O\"}]}",
	    "auto");
	CHECK_STR(slot(&r, SPROUT_SLOT_INPUT), "X");
	CHECK_STR(slot(&r, SPROUT_SLOT_RESPONSE), "O");

	r = make_record(A, "{\"q\":\"Q\",\"a\":\"Ans\",\"intent\":\"i\"}",
			"prompt=q,response=a,label=intent");
	CHECK_STR(slot(&r, SPROUT_SLOT_PROMPT), "Q");
	CHECK_STR(slot(&r, SPROUT_SLOT_RESPONSE), "Ans");
	CHECK_STR(slot(&r, SPROUT_SLOT_LABEL), "i");
	sprout_arena_free(A);
}

static void set_slots_in_place_and_by_creating_them(void)
{
	A = sprout_arena_new(0);
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_record r = make_record(A, "{\"id\":1,\"instruction\":\"I\"}", "alpaca");
	CHECK_INT(sprout_record_set(&r, SPROUT_SLOT_PROMPT, "New", 3, &err), SPROUT_OK);
	CHECK_INT(sprout_record_set(&r, SPROUT_SLOT_RESPONSE, "R", 1, &err), SPROUT_OK);
	CHECK_STR(dump(r.obj), "{\"id\":1,\"instruction\":\"New\",\"output\":\"R\"}");

	r = make_record(
	    A,
	    "{\"conversations\":[{\"from\":\"human\",\"value\":\"U\"},{\"from\":\"human\","
	    "\"value\":\"U2\"}]}",
	    "sharegpt");
	CHECK_INT(sprout_record_set(&r, SPROUT_SLOT_RESPONSE, "G", 1, &err), SPROUT_OK);
	CHECK_INT(sprout_record_set(&r, SPROUT_SLOT_SYSTEM, "S", 1, &err), SPROUT_OK);
	CHECK_STR(dump(r.obj),
		  "{\"conversations\":[{\"from\":\"system\",\"value\":\"S\"},{\"from\":"
		  "\"human\",\"value\":\"U\"},{\"from\":\"gpt\",\"value\":\"G\"},{\"from\":"
		  "\"human\",\"value\":\"U2\"}]}");
	CHECK_INT(sprout_record_set(&r, SPROUT_SLOT_RESPONSE, "G2", 2, &err), SPROUT_OK);
	CHECK_STR(slot(&r, SPROUT_SLOT_RESPONSE), "G2");
	CHECK_INT(sprout_record_set(&r, SPROUT_SLOT_INPUT, "x", 1, &err), SPROUT_ERR_SLOT);
	CHECK_STR(err.msg, "format sharegpt has no input slot");

	r = make_record(A, "{\"messages\":[]}", "openai");
	CHECK_INT(sprout_record_set(&r, SPROUT_SLOT_RESPONSE, "A", 1, &err), SPROUT_ERR_SLOT);
	CHECK_INT(sprout_record_set(&r, SPROUT_SLOT_PROMPT, "U", 1, &err), SPROUT_OK);
	CHECK_INT(sprout_record_set(&r, SPROUT_SLOT_RESPONSE, "A", 1, &err), SPROUT_OK);
	CHECK_INT(sprout_record_set(&r, SPROUT_SLOT_LABEL, "L", 1, &err), SPROUT_OK);
	CHECK_STR(dump(r.obj), "{\"messages\":[{\"role\":\"user\",\"content\":\"U\"},{\"role\":"
			       "\"assistant\",\"content\":\"A\"}],\"label\":\"L\"}");

	r = make_record(A, "{\"text\":\"t\",\"label\":\"l\"}", "classification");
	CHECK_INT(sprout_record_set(&r, SPROUT_SLOT_RESPONSE, "x", 1, &err), SPROUT_ERR_SLOT);
	CHECK_STR(err.msg, "format classification has no response slot");

	r = make_record(A, "{\"instruction\":\"I\",\"instances\":[]}", "self-instruct");
	CHECK_INT(sprout_record_set(&r, SPROUT_SLOT_RESPONSE, "O", 1, &err), SPROUT_OK);
	CHECK_STR(dump(r.obj), "{\"instruction\":\"I\",\"instances\":[{\"output\":\"O\"}]}");
	sprout_arena_free(A);
}

static void check_msg(const char *json, const char *fmt, const char *want)
{
	sprout_record r = make_record(A, json, fmt);
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_code rc = sprout_record_check(&r, &err);
	if (!want) {
		if (rc)
			test_fail(__FILE__, __LINE__, "%s: unexpected error %s", json, err.msg);
		return;
	}
	if (rc != SPROUT_ERR_SLOT || strcmp(err.msg, want) != 0)
		test_fail(__FILE__, __LINE__, "%s:\n  got  %s %s\n  want %s", json,
			  sprout_code_name(rc), err.msg, want);
}

static void checks_name_what_is_missing(void)
{
	A = sprout_arena_new(0);
	check_msg("{\"instruction\":\"I\",\"output\":\"O\"}", "alpaca", NULL);
	check_msg("{\"output\":\"O\"}", "alpaca",
		  "record has no prompt: alpaca expects a string 'instruction'");
	check_msg("{\"instruction\":5}", "alpaca", "'instruction' is not a string");
	check_msg("{\"instruction\":\"I\",\"input\":[]}", "alpaca", "'input' is not a string");
	check_msg("{\"instruction\":\"I\",\"output\":null}", "alpaca", "'output' is not a string");
	check_msg("{\"conversations\":[{\"from\":\"gpt\",\"value\":\"x\"}]}", "sharegpt",
		  "record has no prompt: 'conversations' has no user turn");
	check_msg("{\"conversations\":{}}", "sharegpt",
		  "record has no prompt: sharegpt expects an array 'conversations'");
	check_msg("{\"conversations\":[{\"value\":\"x\"}]}", "sharegpt",
		  "conversations[0] has no string 'from'");
	check_msg("{\"messages\":[{\"role\":\"user\"}]}", "openai", "messages[0] has no 'content'");
	check_msg("{\"messages\":[\"hi\"]}", "openai",
		  "messages[0] is not an object with 'role' and 'content'");
	check_msg("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\"}]}]}",
		  "openai", "messages[0].content is not a string (sprout reads text content only)");
	check_msg("{\"text\":\"t\"}", "classification",
		  "record has no label: classification expects 'label'");
	check_msg("{\"text\":\"t\",\"label\":{}}", "classification",
		  "'label' is not a string, number or boolean");
	check_msg("{\"question\":\"q\"}", "prompt=q",
		  "record has no prompt: map expects a string 'q'");
	sprout_arena_free(A);
}

static const char *convert(const char *json, const char *from, const char *to, sprout_code want_rc,
			   const char *want_msg)
{
	sprout_record r = make_record(A, json, from);
	static sprout_format target;
	sprout_error err = SPROUT_ERROR_INIT;
	CHECK_INT(sprout_format_parse(to, &target, &err), SPROUT_OK);
	sprout_code rc = sprout_record_convert(&r, &target, &err);
	if (rc != want_rc || (want_msg && strcmp(err.msg, want_msg) != 0))
		test_fail(__FILE__, __LINE__, "%s -> %s:\n  got  %s %s\n  want %s %s", json, to,
			  sprout_code_name(rc), rc ? err.msg : "", sprout_code_name(want_rc),
			  want_msg ? want_msg : "");
	return rc ? NULL : dump(r.obj);
}

static void conversions_keep_unknown_fields_in_place(void)
{
	A = sprout_arena_new(0);
	const char *alpaca = "{\"id\":7,\"instruction\":\"I\",\"input\":\"X\",\"output\":\"O\","
			     "\"extra\":{\"k\":[1.50]}}";
	const char *share = convert(alpaca, "alpaca", "sharegpt", SPROUT_OK, NULL);
	CHECK_STR(share,
		  "{\"id\":7,\"conversations\":[{\"from\":\"human\",\"value\":\"I\\n\\nX\"},{"
		  "\"from\":\"gpt\",\"value\":\"O\"}],\"extra\":{\"k\":[1.50]},\"_sprout\":{"
		  "\"merged_input\":\"X\"}}");
	const char *oa = convert(share, "sharegpt", "openai", SPROUT_OK, NULL);
	CHECK_STR(oa,
		  "{\"id\":7,\"messages\":[{\"role\":\"user\",\"content\":\"I\\n\\nX\"},{\"role\":"
		  "\"assistant\",\"content\":\"O\"}],\"extra\":{\"k\":[1.50]},\"_sprout\":{"
		  "\"merged_input\":\"X\"}}");
	/* back to alpaca: the remembered input is split off again */
	CHECK_STR(convert(oa, "openai", "alpaca", SPROUT_OK, NULL),
		  "{\"id\":7,\"instruction\":\"I\",\"input\":\"X\",\"output\":\"O\",\"extra\":{"
		  "\"k\":[1.50]}}");
	/* an edited prompt no longer ends with the input: nothing is split */
	CHECK_STR(
	    convert("{\"messages\":[{\"role\":\"user\",\"content\":\"changed\"}],\"_sprout\":{"
		    "\"merged_input\":\"X\"}}",
		    "openai", "alpaca", SPROUT_OK, NULL),
	    "{\"instruction\":\"changed\",\"input\":\"\",\"output\":\"\"}");
}

/* keys are compared with their length: "input\0x" is not "input" (found by
 * fuzzing) */
static void keys_with_nul_bytes_are_their_own_keys(void)
{
	A = sprout_arena_new(0);
	CHECK_STR(convert("{\"instruction\":\"a\",\"output\":\"b\",\"input\\u0000x\":\"keep\"}",
			  "alpaca", "openai", SPROUT_OK, NULL),
		  "{\"messages\":[{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"assistant\","
		  "\"content\":\"b\"}],\"input\\u0000x\":\"keep\"}");
	CHECK_STR(
	    convert("{\"messages\":[{\"role\":\"user\",\"content\":\"a\",\"role\\u0000x\":1}]}",
		    "openai", "sharegpt", SPROUT_OK, NULL),
	    "{\"conversations\":[{\"from\":\"human\",\"value\":\"a\",\"role\\u0000x\":1}]}");
}

static void conversions_between_chat_formats_keep_turn_fields(void)
{
	A = sprout_arena_new(0);
	const char *oa =
	    "{\"messages\":[{\"role\":\"system\",\"content\":\"S\"},{\"role\":\"user\","
	    "\"content\":\"U\",\"name\":\"bob\"},{\"role\":\"assistant\",\"content\":\"A\","
	    "\"weight\":0},{\"role\":\"tool\",\"content\":\"T\"}],\"label\":\"x\"}";
	const char *sg = convert(oa, "openai", "sharegpt", SPROUT_OK, NULL);
	CHECK_STR(
	    sg, "{\"conversations\":[{\"from\":\"system\",\"value\":\"S\"},{\"from\":\"human\","
		"\"value\":\"U\",\"name\":\"bob\"},{\"from\":\"gpt\",\"value\":\"A\",\"weight\":0},"
		"{\"from\":\"tool\",\"value\":\"T\"}],\"label\":\"x\"}");
	CHECK_STR(convert(sg, "sharegpt", "openai", SPROUT_OK, NULL), oa);
	convert(oa, "openai", "alpaca", SPROUT_ERR_CONVERT,
		"turn 2 has a field 'name' that alpaca has no place for (use sharegpt or openai)");
	convert(
	    "{\"messages\":[{\"role\":\"user\",\"content\":\"U\"},{\"role\":\"tool\",\"content\":"
	    "\"T\"}]}",
	    "openai", "alpaca", SPROUT_ERR_CONVERT,
	    "turn 2 has role 'tool' that alpaca has no place for (use sharegpt or openai)");
	convert("{\"messages\":[{\"role\":\"user\",\"content\":\"U\"},{\"role\":\"assistant\","
		"\"content\":\"A\"},{\"role\":\"user\",\"content\":\"U2\"}]}",
		"openai", "alpaca", SPROUT_ERR_CONVERT,
		"alpaca holds one exchange (prompt and response); this record has 3 turns with "
		"2 from the user (use sharegpt or openai)");
	/* a system message moves between a turn and alpaca's system key */
	const char *al = convert("{\"messages\":[{\"role\":\"system\",\"content\":\"S\"},{\"role\":"
				 "\"user\",\"content\":\"U\"}]}",
				 "openai", "alpaca", SPROUT_OK, NULL);
	CHECK_STR(al, "{\"instruction\":\"U\",\"input\":\"\",\"output\":\"\",\"system\":\"S\"}");
	CHECK_STR(convert(al, "alpaca", "openai", SPROUT_OK, NULL),
		  "{\"messages\":[{\"role\":\"system\",\"content\":\"S\"},{\"role\":\"user\","
		  "\"content\":\"U\"}]}");
}

static void classification_conversions(void)
{
	A = sprout_arena_new(0);
	const char *cl = "{\"text\":\"cancel my card\",\"label\":\"cancel\",\"src\":\"b77\"}";
	const char *al = convert(cl, "classification", "alpaca", SPROUT_OK, NULL);
	CHECK_STR(al,
		  "{\"instruction\":\"cancel my card\",\"input\":\"\",\"output\":\"\",\"label\":"
		  "\"cancel\",\"src\":\"b77\"}");
	CHECK_STR(convert(al, "alpaca", "classification", SPROUT_OK, NULL), cl);
	convert("{\"instruction\":\"I\",\"output\":\"O\",\"label\":\"l\"}", "alpaca",
		"classification", SPROUT_ERR_CONVERT,
		"classification has no place for a response; this record has one (use alpaca, "
		"sharegpt or openai)");
	convert("{\"instruction\":\"I\"}", "alpaca", "classification", SPROUT_ERR_CONVERT,
		"classification needs a label; this record has none");
}

static void map_and_self_instruct_conversions(void)
{
	A = sprout_arena_new(0);
	const char *m =
	    convert("{\"instruction\":\"I\",\"input\":\"X\",\"output\":\"O\",\"question\":\"old\"}",
		    "alpaca", "prompt=question,response=answer", SPROUT_OK, NULL);
	CHECK_STR(
	    m, "{\"question\":\"I\\n\\nX\",\"answer\":\"O\",\"_sprout\":{\"merged_input\":\"X\"}}");
	CHECK_STR(convert(m, "prompt=question,response=answer", "alpaca", SPROUT_OK, NULL),
		  "{\"instruction\":\"I\",\"input\":\"X\",\"output\":\"O\"}");
	convert("{\"instruction\":\"I\",\"output\":\"O\"}", "alpaca", "prompt=q",
		SPROUT_ERR_CONVERT,
		"the field map has no response key; this record has a response");
	const char *si = "{\"id\":\"t1\",\"instruction\":\"I\",\"instances\":[{\"input\":\"X\","
			 "\"output\":\"O\",\"note\":1}],\"is_classification\":false}";
	const char *al = convert(si, "self-instruct", "sharegpt", SPROUT_OK, NULL);
	CHECK(al != NULL);
	convert(si, "self-instruct", "alpaca", SPROUT_OK, NULL);
}

static void self_instruct_tasks_explode_per_instance(void)
{
	A = sprout_arena_new(0);
	sprout_record r =
	    make_record(A,
			"{\"id\":\"t\",\"instruction\":\"I\",\"instances\":[{\"input\":"
			"\"a\",\"output\":\"1\"},{\"input\":\"b\",\"output\":\"2\"}],"
			"\"z\":0}",
			"auto");
	CHECK_INT(sprout_record_explode_count(&r), 2);
	sprout_record one;
	sprout_error err = SPROUT_ERROR_INIT;
	CHECK_INT(sprout_record_explode(&r, 1, &one, &err), SPROUT_OK);
	CHECK_STR(dump(one.obj),
		  "{\"id\":\"t\",\"instruction\":\"I\",\"instances\":[{\"input\":\"b\","
		  "\"output\":\"2\"}],\"z\":0}");
	CHECK_STR(slot(&one, SPROUT_SLOT_INPUT), "b");
	/* the task itself is untouched */
	CHECK_STR(slot(&r, SPROUT_SLOT_INPUT), "a");
	CHECK_INT(sprout_record_explode(&r, 2, &one, &err), SPROUT_ERR_USAGE);
}

static void content_hash_ignores_unknown_fields_and_format(void)
{
	A = sprout_arena_new(0);
	uint64_t h1[2], h2[2], h3[2], h4[2];
	sprout_record a = make_record(
	    A, "{\"instruction\":\"I\",\"input\":\"\",\"output\":\"O\",\"id\":1}", "alpaca");
	sprout_record b =
	    make_record(A,
			"{\"x\":[],\"output\":\"O\",\"instruction\":\"I\",\"_sprout\":{"
			"\"id\":\"zz\"}}",
			"alpaca");
	sprout_record c =
	    make_record(A,
			"{\"messages\":[{\"role\":\"user\",\"content\":\"I\"},{\"role\":"
			"\"assistant\",\"content\":\"O\"}]}",
			"openai");
	sprout_record d = make_record(A, "{\"instruction\":\"I\",\"output\":\"O.\"}", "alpaca");
	sprout_record_hash(&a, h1);
	sprout_record_hash(&b, h2);
	sprout_record_hash(&c, h3);
	sprout_record_hash(&d, h4);
	CHECK(h1[0] == h2[0] && h1[1] == h2[1]);
	CHECK(h1[0] == h3[0] && h1[1] == h3[1]);
	CHECK(h1[0] != h4[0] || h1[1] != h4[1]);
}

SUITE(record_tests) = {
    T(slots_in_every_format),
    T(set_slots_in_place_and_by_creating_them),
    T(checks_name_what_is_missing),
    T(conversions_keep_unknown_fields_in_place),
    T(conversions_between_chat_formats_keep_turn_fields),
    T(keys_with_nul_bytes_are_their_own_keys),
    T(classification_conversions),
    T(map_and_self_instruct_conversions),
    T(self_instruct_tasks_explode_per_instance),
    T(content_hash_ignores_unknown_fields_and_format),
    {NULL, NULL},
};
