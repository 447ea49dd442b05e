#include <stdlib.h>

#include "test.h"

#include "sprout/judge.h"

static void reads_scores_models_write(void)
{
	static const struct {
		const char *answer, *reason;
		int score;
	} cases[] = {
	    {"{\"reason\": \"same meaning\", \"score\": 5}", "same meaning", 5},
	    {"{\"score\": 1, \"reason\": \"\"}", "", 1},
	    /* prose and a fence around it, thinking first */
	    {"<think>hmm {\"score\": 2}</think>Verdict:\n```json\n{\"reason\": \"ok\", \"score\": "
	     "4}\n```",
	     "ok", 4},
	    /* the generate prompts' shape, a bare array, a quoted digit, 3.0 */
	    {"{\"items\": [{\"reason\": \"r\", \"score\": 3}]}", "r", 3},
	    {"[{\"reason\": \"r\", \"score\": 2}]", "r", 2},
	    {"{\"reason\": \"q\", \"score\": \"4\"}", "q", 4},
	    {"{\"reason\": \"x\", \"score\": 3.0}", "x", 3},
	    {"{\"reason\": \"a \\\"quoted\\\" word\\n\", \"score\": 5}", "a \"quoted\" word\n", 5},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		sprout_buf reason = SPROUT_BUF_INIT(1 << 20);
		sprout_error err = SPROUT_ERROR_INIT;
		int score = 0;
		if (sprout_judge_read(cases[i].answer, strlen(cases[i].answer), &score, &reason,
				      &err))
			test_fail(__FILE__, __LINE__, "case %zu: %s", i, err.msg);
		CHECK_INT(score, cases[i].score);
		CHECK_STR(reason.data, cases[i].reason);
		CHECK_INT(reason.len, strlen(cases[i].reason));
		sprout_buf_release(&reason);
	}
}

static void refuses_what_is_not_a_score(void)
{
	static const struct {
		const char *answer, *error;
	} cases[] = {
	    {"I would give it a 4.", "no JSON object in the answer"},
	    {"{\"reason\": \"fine\"}", "the answer has no \"score\""},
	    {"{\"reason\": \"fine\", \"score\": 0}",
	     "the score 0 is not a whole number from 1 to 5"},
	    {"{\"reason\": \"fine\", \"score\": 6}",
	     "the score 6 is not a whole number from 1 to 5"},
	    {"{\"reason\": \"fine\", \"score\": 4.5}",
	     "the score 4.5 is not a whole number from 1 to 5"},
	    {"{\"reason\": \"fine\", \"score\": \"high\"}",
	     "the score high is not a whole number from 1 to 5"},
	    {"{\"reason\": \"fine\", \"score\": null}",
	     "the score  is not a whole number from 1 to 5"},
	    {"{\"score\": 4}", "the answer has no \"reason\" string"},
	    {"{\"score\": 4, \"reason\": [\"a\"]}", "the answer has no \"reason\" string"},
	    {"[]", "the answer is not a JSON object"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		sprout_buf reason = SPROUT_BUF_INIT(1 << 20);
		sprout_error err = SPROUT_ERROR_INIT;
		int score = 0;
		sprout_code rc = sprout_judge_read(cases[i].answer, strlen(cases[i].answer), &score,
						   &reason, &err);
		if (rc != SPROUT_ERR_JSON)
			test_fail(__FILE__, __LINE__, "case %zu: code %d", i, (int)rc);
		CHECK_INT(score, 0);
		CHECK_STR(err.msg, cases[i].error);
		sprout_buf_release(&reason);
	}
}

static void rubrics_by_name(void)
{
	sprout_error err = SPROUT_ERROR_INIT;
	static const char *const names[] = {"meaning", "response", "fluency", "scope"};
	static const int mins[] = {4, 4, 3, 4};
	for (int i = 0; i < SPROUT_RUBRIC__COUNT; i++) {
		sprout_rubric r;
		CHECK_INT(sprout_rubric_parse(names[i], &r, &err), SPROUT_OK);
		CHECK_INT(r, i);
		CHECK_STR(sprout_rubric_name(r), names[i]);
		CHECK_INT(sprout_rubric_default_min(r), mins[i]);
	}
	sprout_rubric r;
	CHECK_INT(sprout_rubric_parse("Meaning", &r, &err), SPROUT_ERR_USAGE);
	CHECK_STR(err.msg,
		  "unknown rubric 'Meaning' (expected meaning, response, fluency or scope)");
}

static void judge_checks_its_options(void)
{
	sprout_llm_options lo;
	sprout_llm_options_init(&lo);
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_llm *llm = sprout_llm_new(&lo, &err);
	CHECK(llm);
	sprout_llm_endpoint ep = {SPROUT_LLM_OPENAI, "http://127.0.0.1:9", "m", NULL, NULL, 0};
	sprout_judge_options o;
	sprout_judge_options_init(&o);
	o.ep = &ep;
	CHECK(!sprout_judge_new(&o, llm, &err));
	CHECK_INT(err.code, SPROUT_ERR_USAGE);
	sprout_rubric two[] = {SPROUT_RUBRIC_FLUENCY, SPROUT_RUBRIC_FLUENCY};
	o.rubrics = two;
	o.nrubrics = 2;
	CHECK(!sprout_judge_new(&o, llm, &err));
	CHECK_STR(err.msg, "rubric 'fluency' is given twice");
	o.nrubrics = 1;
	o.min[SPROUT_RUBRIC_SCOPE] = 7;
	CHECK(!sprout_judge_new(&o, llm, &err));
	CHECK_STR(err.msg, "the threshold of rubric scope is 7: it is a score from 1 to 5");
	o.min[SPROUT_RUBRIC_SCOPE] = 0;
	sprout_judge *j = sprout_judge_new(&o, llm, &err);
	CHECK(j);
	sprout_judge_free(j);
	sprout_llm_free(llm);
}

SUITE(judge_tests) = {
    T(reads_scores_models_write),
    T(refuses_what_is_not_a_score),
    T(rubrics_by_name),
    T(judge_checks_its_options),
    {0},
};
