/* The model server's options as rows of a stage's option table
 * (sprout_option_def), parsed by sprout_llm_config_set by name: the
 * server, its API, key and headers, the answer's length and schema first
 * (SPROUT_LLM_SERVER_OPTION_DEFS), then how the client sends and caches
 * (SPROUT_LLM_CLIENT_OPTION_DEFS). The help text is the command line's. */
#ifndef SPROUT_LLM_OPTIONS_H
#define SPROUT_LLM_OPTIONS_H

#include "sprout/stage.h"

#define SPROUT_LLM_SERVER_NOPTIONS 6
#define SPROUT_LLM_SERVER_OPTION_DEFS                                                              \
	{"url",                                                                                    \
	 0,                                                                                        \
	 "URL",                                                                                    \
	 SPROUT_OPT_TEXT,                                                                          \
	 SPROUT_OPT_REPEAT,                                                                        \
	 NULL,                                                                                     \
	 "the model server, e.g. http://127.0.0.1:8080 (llama.cpp), :8000 (vLLM), "                \
	 ":11434 (Ollama) (default: $OPENAI_BASE_URL, or $ANTHROPIC_BASE_URL with --api "          \
	 "anthropic); repeat it for several servers of the same model: each request goes to "      \
	 "the least busy one, a failing one is set aside for a while"},                            \
	    {"api",                                                                                \
	     0,                                                                                    \
	     "API",                                                                                \
	     SPROUT_OPT_TEXT,                                                                      \
	     0,                                                                                    \
	     "openai",                                                                             \
	     "openai (/v1/chat/completions, the default) or anthropic"},                           \
	    {"api-key-env",                                                                        \
	     0,                                                                                    \
	     "VAR",                                                                                \
	     SPROUT_OPT_TEXT,                                                                      \
	     0,                                                                                    \
	     NULL,                                                                                 \
	     "read the API key from $VAR (default: $SPROUT_API_KEY, then $OPENAI_API_KEY or "      \
	     "$ANTHROPIC_API_KEY); the key is never printed"},                                     \
	    {"header",                                                                             \
	     0,                                                                                    \
	     "'NAME: VALUE'",                                                                      \
	     SPROUT_OPT_TEXT,                                                                      \
	     SPROUT_OPT_REPEAT,                                                                    \
	     NULL,                                                                                 \
	     "an extra HTTP header (repeatable)"},                                                 \
	    {"answer-tokens",                                                                      \
	     0,                                                                                    \
	     "N",                                                                                  \
	     SPROUT_OPT_WHOLE,                                                                     \
	     0,                                                                                    \
	     NULL,                                                                                 \
	     "longest answer, in tokens (max_tokens; default: the server's, 1024 for anthropic)"}, \
	{                                                                                          \
		"no-schema", 0, NULL, SPROUT_OPT_SWITCH, 0, NULL,                                  \
		    "never send the answer's JSON schema (response_format / a forced tool)"        \
	}

#define SPROUT_LLM_CLIENT_NOPTIONS 13
#define SPROUT_LLM_CLIENT_OPTION_DEFS                                                              \
	{"concurrency",                                                                            \
	 0,                                                                                        \
	 "N",                                                                                      \
	 SPROUT_OPT_WHOLE,                                                                         \
	 0,                                                                                        \
	 "16",                                                                                     \
	 "most requests in flight to each server (default 16); sprout starts with one and "        \
	 "adapts: one more per answer, halved on a 429, 503, 529 or a time out"},                  \
	    {"fixed-concurrency",                                                                  \
	     0,                                                                                    \
	     NULL,                                                                                 \
	     SPROUT_OPT_SWITCH,                                                                    \
	     0,                                                                                    \
	     NULL,                                                                                 \
	     "keep --concurrency requests in flight: no adapting, no limits from the server's "    \
	     "rate-limit headers, no shared cool-down after a 429"},                               \
	    {"rpm",                                                                                \
	     0,                                                                                    \
	     "N",                                                                                  \
	     SPROUT_OPT_WHOLE,                                                                     \
	     0,                                                                                    \
	     NULL,                                                                                 \
	     "at most N requests a minute to each model, all its servers together (besides what "  \
	     "the servers' rate-limit headers say)"},                                              \
	    {"tpm",                                                                                \
	     0,                                                                                    \
	     "N",                                                                                  \
	     SPROUT_OPT_WHOLE,                                                                     \
	     0,                                                                                    \
	     NULL,                                                                                 \
	     "at most N tokens (prompt + answer) a minute to each model"},                         \
	    {"budget-share",                                                                       \
	     0,                                                                                    \
	     "N",                                                                                  \
	     SPROUT_OPT_WHOLE,                                                                     \
	     0,                                                                                    \
	     "1",                                                                                  \
	     "divide --rpm, --tpm (and generate's --max-cost) by N, so that N processes "          \
	     "(shards) given the same values stay within them together (default 1)"},              \
	    {"retries",                                                                            \
	     0,                                                                                    \
	     "N",                                                                                  \
	     SPROUT_OPT_WHOLE,                                                                     \
	     0,                                                                                    \
	     "5",                                                                                  \
	     "retries of a failed request: 429/503 after Retry-After, time outs, resets and 5xx "  \
	     "with backoff (default 5)"},                                                          \
	    {"timeout", 0, "SECONDS", SPROUT_OPT_NUMBER, 0, "300", "per attempt (default 300)"},   \
	    {"backoff",                                                                            \
	     0,                                                                                    \
	     "SECONDS",                                                                            \
	     SPROUT_OPT_NUMBER,                                                                    \
	     0,                                                                                    \
	     "1",                                                                                  \
	     "first wait before a retry (default 1), doubled each time, with jitter, at most 60"}, \
	    {"cache",                                                                              \
	     0,                                                                                    \
	     "FILE",                                                                               \
	     SPROUT_OPT_OUTPATH,                                                                   \
	     0,                                                                                    \
	     "sprout-cache.sqlite",                                                                \
	     "SQLite cache of answers (default sprout-cache.sqlite): a rerun sends nothing "       \
	     "answered before"},                                                                   \
	    {"no-cache", 0, NULL, SPROUT_OPT_SWITCH, 0, NULL, "no cache"},                         \
	    {"reuse-cache",                                                                        \
	     0,                                                                                    \
	     NULL,                                                                                 \
	     SPROUT_OPT_SWITCH,                                                                    \
	     0,                                                                                    \
	     NULL,                                                                                 \
	     "also take a cached answer to the same request made with another --answer-tokens, "   \
	     "when it is not longer than this run's (see docs/generate.md)"},                      \
	    {"max-requests",                                                                       \
	     0,                                                                                    \
	     "N",                                                                                  \
	     SPROUT_OPT_WHOLE,                                                                     \
	     0,                                                                                    \
	     NULL,                                                                                 \
	     "send at most N requests; the rest are rejected as not sent"},                        \
	{                                                                                          \
		"max-tokens", 0, "N", SPROUT_OPT_WHOLE, 0, NULL,                                   \
		    "stop sending when the servers have counted N tokens (prompt + answer)"        \
	}

#endif
