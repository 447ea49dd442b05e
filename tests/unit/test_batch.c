/* What the batch APIs answer: batch objects and result lines, as the
 * providers document them. */
#include "sprout/batch.h"
#include "test.h"

static void status(sprout_llm_api api, const char *body, sprout_code want, sprout_batch_status *st)
{
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_code rc = sprout_batch_status_parse(api, body, strlen(body), st, &err);
	CHECK_INT(rc, want);
	if (rc)
		CHECK(err.msg[0]);
}

static void batch_objects_say_when_they_end(void)
{
	sprout_batch_status st;
	status(SPROUT_LLM_OPENAI,
	       "{\"id\":\"batch_abc\",\"object\":\"batch\",\"status\":\"in_progress\","
	       "\"output_file_id\":null,\"error_file_id\":null}",
	       SPROUT_OK, &st);
	CHECK_STR(st.id, "batch_abc");
	CHECK_STR(st.state, "in_progress");
	CHECK_INT(st.ended, 0);
	CHECK_STR(st.output, "");
	status(SPROUT_LLM_OPENAI,
	       "{\"id\":\"batch_abc\",\"status\":\"expired\",\"output_file_id\":\"file-o\","
	       "\"error_file_id\":\"file-e\"}",
	       SPROUT_OK, &st);
	CHECK_INT(st.ended, 1);
	CHECK_STR(st.output, "file-o");
	CHECK_STR(st.errors, "file-e");
	status(SPROUT_LLM_OPENAI,
	       "{\"id\":\"b\",\"status\":\"failed\",\"errors\":{\"data\":[{\"code\":\"x\","
	       "\"message\":\"bad line 3\"}]}}",
	       SPROUT_OK, &st);
	CHECK_INT(st.ended, 1);
	CHECK_STR(st.message, "bad line 3");
	status(SPROUT_LLM_OPENAI, "{\"id\":\"b\",\"status\":\"finalizing\"}", SPROUT_OK, &st);
	CHECK_INT(st.ended, 0);
	status(SPROUT_LLM_ANTHROPIC,
	       "{\"id\":\"msgbatch_1\",\"processing_status\":\"ended\",\"results_url\":"
	       "\"https://api.anthropic.com/v1/messages/batches/msgbatch_1/results\"}",
	       SPROUT_OK, &st);
	CHECK_INT(st.ended, 1);
	CHECK_STR(st.output, "https://api.anthropic.com/v1/messages/batches/msgbatch_1/results");
	status(SPROUT_LLM_ANTHROPIC, "{\"id\":\"m\",\"processing_status\":\"canceling\"}",
	       SPROUT_OK, &st);
	CHECK_INT(st.ended, 0);
	/* an id that would change the URL it goes into, a wrong type, not JSON */
	status(SPROUT_LLM_OPENAI, "{\"id\":\"../files\",\"status\":\"completed\"}",
	       SPROUT_ERR_RECORD, &st);
	status(SPROUT_LLM_OPENAI, "{\"id\":\"b\",\"output_file_id\":\"a?b\"}", SPROUT_ERR_RECORD,
	       &st);
	status(SPROUT_LLM_OPENAI, "{\"id\":\"b\",\"status\":3}", SPROUT_ERR_RECORD, &st);
	status(SPROUT_LLM_ANTHROPIC, "[1]", SPROUT_ERR_JSON, &st);
	status(SPROUT_LLM_ANTHROPIC, "{\"id\":", SPROUT_ERR_JSON, &st);
}

static sprout_batch_result result(sprout_arena *a, sprout_llm_api api, const char *line,
				  sprout_code want)
{
	sprout_batch_result r;
	sprout_error err = SPROUT_ERROR_INIT;
	CHECK_INT(sprout_batch_result_parse(a, api, line, strlen(line), &r, &err), want);
	return r;
}

static void result_lines_map_to_outcomes(void)
{
	sprout_arena *a = sprout_arena_new(0);
	sprout_batch_result r =
	    result(a, SPROUT_LLM_OPENAI,
		   "{\"id\":\"batch_req_1\",\"custom_id\":\"k1\",\"response\":{\"status_code\":200,"
		   "\"request_id\":\"r\",\"body\":{\"choices\":[]}},\"error\":null}",
		   SPROUT_OK);
	CHECK_STR(r.custom_id, "k1");
	CHECK_INT(r.outcome, SPROUT_BATCH_ANSWERED);
	CHECK_INT(r.status, 200);
	CHECK(r.body && sprout_json_get(r.body, "choices"));
	r = result(a, SPROUT_LLM_OPENAI,
		   "{\"custom_id\":\"k2\",\"response\":{\"status_code\":400,\"body\":{\"error\":"
		   "{\"message\":\"bad schema\",\"param\":\"response_format\"}}},\"error\":null}",
		   SPROUT_OK);
	CHECK_INT(r.outcome, SPROUT_BATCH_ERRORED);
	CHECK_INT(r.status, 400);
	CHECK_STR(r.message, "bad schema");
	CHECK_STR(r.param, "response_format");
	r = result(a, SPROUT_LLM_OPENAI,
		   "{\"custom_id\":\"k3\",\"response\":null,\"error\":{\"code\":\"batch_expired\","
		   "\"message\":\"too late\"}}",
		   SPROUT_OK);
	CHECK_INT(r.outcome, SPROUT_BATCH_EXPIRED);
	CHECK_STR(r.message, "too late");
	r = result(a, SPROUT_LLM_ANTHROPIC,
		   "{\"custom_id\":\"k4\",\"result\":{\"type\":\"succeeded\",\"message\":{"
		   "\"content\":[]}}}",
		   SPROUT_OK);
	CHECK_INT(r.outcome, SPROUT_BATCH_ANSWERED);
	r = result(a, SPROUT_LLM_ANTHROPIC,
		   "{\"custom_id\":\"k5\",\"result\":{\"type\":\"errored\",\"error\":{\"type\":"
		   "\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"busy\"}}}}",
		   SPROUT_OK);
	CHECK_INT(r.outcome, SPROUT_BATCH_ERRORED);
	CHECK_INT(r.status, 529);
	CHECK_STR(r.message, "busy");
	r = result(a, SPROUT_LLM_ANTHROPIC,
		   "{\"custom_id\":\"k6\",\"result\":{\"type\":\"canceled\"}}", SPROUT_OK);
	CHECK_INT(r.outcome, SPROUT_BATCH_EXPIRED);
	result(a, SPROUT_LLM_ANTHROPIC, "{\"custom_id\":\"k7\",\"result\":{\"type\":\"odd\"}}",
	       SPROUT_ERR_RECORD);
	result(a, SPROUT_LLM_ANTHROPIC,
	       "{\"custom_id\":\"k8\",\"result\":{\"type\":\"succeeded\",\"message\":1}}",
	       SPROUT_ERR_RECORD);
	result(a, SPROUT_LLM_OPENAI, "{\"response\":{\"status_code\":200}}", SPROUT_ERR_RECORD);
	result(a, SPROUT_LLM_OPENAI, "{\"custom_id\":\"k9\"}", SPROUT_ERR_RECORD);
	result(a, SPROUT_LLM_OPENAI, "not json", SPROUT_ERR_JSON);
	sprout_arena_free(a);
}

SUITE(batch_tests) = {
    T(batch_objects_say_when_they_end),
    T(result_lines_map_to_outcomes),
    {NULL, NULL},
};
