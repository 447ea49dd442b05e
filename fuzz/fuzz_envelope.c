/* fuzz_envelope - libFuzzer target for what wraps a model's answer: the
 * response envelopes of the OpenAI chat and completions APIs (also what
 * vLLM, llama.cpp, Ollama and LM Studio send) and of Anthropic's Messages
 * API, the error bodies, and the response header lines read besides the
 * rate limits (Retry-After). These readers are static in src/lib/services/llm.c,
 * so the file is compiled into this target (the library's llm.o is then
 * not linked). What the message holds is fuzz_answer's, the rate-limit
 * headers are fuzz_ratelimit's, the batch files fuzz_batch's.
 *
 * The first byte picks: bit 2 set, the rest is header lines (on_header,
 * one call a line as libcurl makes them); else bits 0-1: a 200 body of
 * the chat API (0), of Anthropic (1), of the completions API (2), or an
 * error body (3: server_message, then whether it is about the schema or
 * the system role). Invariants: no crash, leak or UB (token counts of
 * any size among them); an answer read is NUL-terminated and a failure
 * has a message; the server's message and param fit their buffers,
 * NUL-terminated; a Retry-After read is seconds, not negative, not NaN. */
#include "../src/lib/services/llm.c"

#include "fuzz.h"

static void body(int kind, const char *s, size_t n)
{
	sprout_llm l;
	memset(&l, 0, sizeof l);
	l.scratch = sprout_arena_new(0);
	CHECK(l.scratch != NULL);
	sprout_llm_endpoint ep = {kind == 1 ? SPROUT_LLM_ANTHROPIC : SPROUT_LLM_OPENAI,
				  "http://127.0.0.1:9",
				  "m",
				  "k",
				  NULL,
				  0};
	struct job *j = calloc(1, sizeof *j);
	CHECK(j != NULL);
	j->rq.ep = &ep;
	j->rq.completion = kind == 2;
	snprintf(j->shown, sizeof j->shown, "%s", ep.url);
	sprout_buf_init(&j->resp, MAX_BODY);
	CHECK(sprout_buf_add(&j->resp, s, n) == SPROUT_OK);
	if (kind == 3) {
		char msg[400], param[64];
		memset(msg, 'x', sizeof msg);
		memset(param, 'x', sizeof param);
		server_message(&l, j, msg, sizeof msg, param, sizeof param);
		CHECK(memchr(msg, '\0', sizeof msg) && memchr(param, '\0', sizeof param));
		fuzz_touch(msg, strlen(msg));
		fuzz_touch(param, strlen(param));
		(void)about_system_role(msg);
		(void)about_schema(param, msg);
	} else {
		sprout_buf text = SPROUT_BUF_INIT(MAX_BODY);
		unsigned long pt = 0, cached = 0, ct = 0;
		int got = read_answer(&l, j, &text, &pt, &cached, &ct);
		CHECK(got == 0 || got == -1 || got == -2);
		if (got)
			CHECK(j->error && j->error[0]);
		else if (text.data)
			CHECK(text.data[text.len] == '\0');
		fuzz_touch(text.data, text.len);
		sprout_buf_release(&text);
	}
	free_job(j);
	sprout_arena_free(l.scratch);
}

static void headers(const char *s, size_t n)
{
	struct job j;
	memset(&j, 0, sizeof j);
	j.retry_after = -1;
	j.sent_at = now();
	for (size_t at = 0; at < n;) {
		const char *nl = memchr(s + at, '\n', n - at);
		size_t len = nl ? (size_t)(nl - (s + at)) + 1 : n - at;
		/* libcurl's buffer is not NUL-terminated: a copy of exactly len */
		char *line = malloc(len);
		CHECK(line != NULL);
		memcpy(line, s + at, len);
		CHECK(on_header(line, 1, len, &j) == len);
		free(line);
		CHECK(j.retry_after == -1 || (j.retry_after >= 0 && !isnan(j.retry_after)));
		at += len;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int loaded;
	if (!loaded) {
		sprout_error err = SPROUT_ERROR_INIT;
		CHECK(sprout_curl_load(&err) == SPROUT_OK);
		loaded = 1;
	}
	if (!size)
		return 0;
	if (data[0] & 4)
		headers((const char *)data + 1, size - 1);
	else
		body(data[0] & 3, (const char *)data + 1, size - 1);
	return 0;
}
