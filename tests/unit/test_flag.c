#include <math.h>

#include "sprout/flag.h"
#include "sprout/meta.h"
#include "test.h"
#include "util.h"

static sprout_json *parse(sprout_arena *a, const char *text)
{
	sprout_json *v = NULL;
	sprout_error err = SPROUT_ERROR_INIT;
	CHECK_INT(sprout_json_parse(a, text, strlen(text), &v, &err), SPROUT_OK);
	return v;
}

/* Every wrong answer; then, with --top, the least sure right ones by the
 * margin of the top two probabilities; in the predictions' order, each
 * record saying why it was picked. */
static void flag_picks_wrong_then_unsure(void)
{
	sprout_arena *a = sprout_arena_new(0);
	sprout_json *p[4] = {
	    parse(a, "{\"input\":\"lost my card\",\"expected\":\"card_lost\","
		     "\"predicted\":\"card_lost\",\"probs\":{\"card_lost\":0.9,\"other\":0.1}}"),
	    parse(a, "{\"input\":\"where is my money\",\"expected\":\"transfer\","
		     "\"predicted\":\" Transfer \",\"probs\":{\"transfer\":0.5,\"refund\":0.4}}"),
	    parse(a, "{\"input\":\"how do I top up\",\"expected\":\"top_up\","
		     "\"predicted\":\"refund\"}"),
	    parse(a, "{\"input\":\"Explain in one paragraph why the sky is blue\","
		     "\"expected\":\"Because air scatters short wavelengths of sunlight more "
		     "than long ones\",\"output\":\"It reflects the sea\"}"),
	};
	for (int i = 0; i < 4; i++)
		CHECK(sprout_prediction_ok(p[i]));
	sprout_flag_options o;
	sprout_flag_options_init(&o);
	o.top = 1;
	sprout_flag_result r;
	sprout_error err = SPROUT_ERROR_INIT;
	CHECK_INT(sprout_flag(p, 4, &o, "preds.jsonl", a, &r, &err), SPROUT_OK);
	CHECK_INT(r.wrong, 2);
	CHECK_INT(r.n, 3); /* 2 wrong + the least sure right one (margin 0.1) */
	CHECK_STR(r.recs[0].file, "preds.jsonl");
	CHECK_INT(r.recs[0].line, 2);
	CHECK_STR(r.predicted[0], " Transfer ");
	const sprout_json *params = sprout_json_get(sprout_meta_get(&r.recs[0]), "params");
	CHECK_STR(sprout_json_get(params, "reason")->u.s, "unsure");
	CHECK_STR(sprout_json_get(params, "by")->u.s, "margin");
	CHECK(fabs(sprout_json_number(sprout_json_get(params, "unsure")) - 0.9) < 1e-9);
	CHECK_STR(dump(sprout_json_get(r.recs[1].obj, "label")), "\"top_up\"");
	params = sprout_json_get(sprout_meta_get(&r.recs[1]), "params");
	CHECK_STR(sprout_json_get(params, "reason")->u.s, "wrong");
	CHECK(sprout_json_get(params, "by") == NULL); /* nothing said how sure */
	/* a long expected answer is a response, not a label */
	CHECK(sprout_json_get(r.recs[2].obj, "instruction") != NULL);
	CHECK(sprout_json_get(r.recs[2].obj, "output") != NULL);
	CHECK_STR(sprout_json_get(sprout_meta_get(&r.recs[2]), "method")->u.s, "flag");
	/* without --top or --threshold only the wrong ones */
	o.top = 0;
	CHECK_INT(sprout_flag(p, 4, &o, "preds.jsonl", a, &r, &err), SPROUT_OK);
	CHECK_INT(r.n, 2);
	/* a threshold above the margin's unsureness of the sure one */
	o.threshold = 0.5;
	CHECK_INT(sprout_flag(p, 4, &o, "preds.jsonl", a, &r, &err), SPROUT_OK);
	CHECK_INT(r.n, 3);
	sprout_arena_free(a);
}

static void flag_says_what_is_wrong(void)
{
	sprout_arena *a = sprout_arena_new(0);
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_flag_by by;
	CHECK_INT(sprout_flag_by_parse("entropy", &by, &err), SPROUT_OK);
	CHECK_INT(by, SPROUT_FLAG_ENTROPY);
	CHECK_INT(sprout_flag_by_parse("loudness", &by, &err), SPROUT_ERR_USAGE);
	CHECK_STR(err.msg, "--by: expected margin, entropy or confidence, got 'loudness'");
	CHECK(!sprout_prediction_ok(parse(a, "{\"input\":\"x\",\"expected\":\"y\"}")));
	CHECK(!sprout_prediction_ok(
	    parse(a, "{\"input\":3,\"expected\":\"y\",\"predicted\":\"y\"}")));
	sprout_json *p[1] = {parse(a, "{\"input\":{\"colour\":\"red\"},\"expected\":\"y\","
				      "\"predicted\":\"z\"}")};
	sprout_flag_options o;
	sprout_flag_options_init(&o);
	sprout_flag_result r;
	CHECK_INT(sprout_flag(p, 1, &o, "p.jsonl", a, &r, &err), SPROUT_ERR_RECORD);
	CHECK(!strncmp(err.msg, "p.jsonl: prediction 1: ", 23));
	sprout_arena_free(a);
}

SUITE(flag_tests) = {
    T(flag_picks_wrong_then_unsure),
    T(flag_says_what_is_wrong),
    {NULL, NULL},
};
