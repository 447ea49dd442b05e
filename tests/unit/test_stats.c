#include "test.h"
#include "util.h"

static void add(sprout_stats *st, sprout_arena *a, const char *json)
{
	sprout_record r = make_record(a, json, "classification");
	sprout_error err = SPROUT_ERROR_INIT;
	CHECK_INT(sprout_stats_add(st, &r, &err), SPROUT_OK);
}

static void distributions_labels_duplicates_json(void)
{
	sprout_arena *a = sprout_arena_new(0);
	sprout_stats *st = sprout_stats_new();
	sprout_format f;
	sprout_format_parse("classification", &f, NULL);
	CHECK_INT(sprout_stats_add_input(st, "in.jsonl", &f, "keys text, label"), SPROUT_OK);
	add(st, a, "{\"text\":\"one\",\"label\":\"a\"}");
	add(st, a, "{\"text\":\"two words\",\"label\":\"b\"}");
	add(st, a, "{\"text\":\"three small words\",\"label\":\"a\"}");
	add(st, a, "{\"text\":\"one\",\"label\":\"a\",\"other\":1}"); /* duplicate content */
	add(st, a, "{\"text\":\"  \",\"label\":\"c\"}");	      /* empty prompt */
	add(st, a, "{\"text\":\"caf\xc3\xa9\",\"label\":\"b\"}");     /* 4 characters */
	sprout_stats_add_bad(st, SPROUT_ERR_JSON);
	CHECK_INT(sprout_stats_records(st), 6);
	sprout_buf b = SPROUT_BUF_INIT(1 << 20);
	CHECK_INT(sprout_stats_json(st, &b), SPROUT_OK);
	/* prompt chars sorted: 2 3 3 4 9 17; words: 0 1 1 1 2 3 */
	CHECK_STR(
	    b.data,
	    "{\"records\":6,\"bad_records\":1,\"bad_by_error\":{\"json\":1},\"inputs\":[{\"file\":"
	    "\"in.jsonl\",\"format\":\"classification\",\"detected_from\":\"keys text, label\"}],"
	    "\"duplicates\":{\"records\":1,\"groups\":1},\"slots\":{\"prompt\":{\"present\":6,"
	    "\"empty\":1,\"missing\":0,\"chars\":{\"min\":2,\"p10\":2,\"p25\":3,\"median\":3,"
	    "\"p75\":9,\"p90\":17,\"max\":17,\"mean\":6.333},\"words\":{\"min\":0,\"p10\":0,"
	    "\"p25\":1,\"median\":1,\"p75\":2,\"p90\":3,\"max\":3,\"mean\":1.333}},\"label\":{"
	    "\"present\":6,\"empty\":0,\"missing\":0,\"chars\":{\"min\":1,\"p10\":1,\"p25\":1,"
	    "\"median\":1,\"p75\":1,\"p90\":1,\"max\":1,\"mean\":1.000},\"words\":{\"min\":1,"
	    "\"p10\":1,\"p25\":1,\"median\":1,\"p75\":1,\"p90\":1,\"max\":1,\"mean\":1.000}}},"
	    "\"labels\":{\"a\":3,\"b\":2,\"c\":1}}\n");
	sprout_buf_clear(&b);
	CHECK_INT(sprout_stats_text(st, &b), SPROUT_OK);
	CHECK(strstr(b.data, "records      6\n") != NULL);
	CHECK(
	    strstr(b.data, "duplicates   1 record repeats an earlier one exactly (1 distinct)\n") !=
	    NULL);
	CHECK(strstr(b.data, "prompt chars            2        3      6.3       17       17\n") !=
	      NULL);
	CHECK(strstr(b.data, "prompt                  6        1        0\n") != NULL);
	CHECK(strstr(b.data, "empty slots  prompt 1\n") != NULL);
	CHECK(strstr(b.data, "labels (3 distinct)\n  a          3   50.0%\n") != NULL);
	sprout_buf_release(&b);
	sprout_stats_free(st);
	sprout_arena_free(a);
}

static void many_labels_are_cut_in_text_not_in_json(void)
{
	sprout_arena *a = sprout_arena_new(0);
	sprout_stats *st = sprout_stats_new();
	char json[64];
	for (int i = 0; i < 40; i++) {
		snprintf(json, sizeof json, "{\"text\":\"t%d\",\"label\":\"L%02d\"}", i, i);
		add(st, a, json);
	}
	sprout_buf b = SPROUT_BUF_INIT(1 << 20);
	CHECK_INT(sprout_stats_text(st, &b), SPROUT_OK);
	CHECK(strstr(b.data, "... and 10 more (all in --json)") != NULL);
	sprout_buf_clear(&b);
	CHECK_INT(sprout_stats_json(st, &b), SPROUT_OK);
	CHECK(strstr(b.data, "\"L39\":1") != NULL);
	sprout_buf_release(&b);
	sprout_stats_free(st);
	sprout_arena_free(a);
}

SUITE(stats_tests) = {
    T(distributions_labels_duplicates_json),
    T(many_labels_are_cut_in_text_not_in_json),
    {NULL, NULL},
};
