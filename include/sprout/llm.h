/* sprout/llm.h - chat requests to model servers, many in flight.
 *
 * Speaks the OpenAI-compatible /v1/chat/completions (vLLM, llama.cpp
 * server, Ollama, LM Studio, TGI, hosted APIs) and the Anthropic Messages
 * API. Requests go through the libcurl multi interface, up to a number in
 * flight; 429 and 503 honour Retry-After, other transient failures (time
 * outs, resets, 5xx, a 200 whose body is not an answer) retry with
 * exponential backoff and jitter; a request that keeps failing is answered
 * with its reason and never holds the others up. Every answer is cached in
 * SQLite as soon as it arrives, keyed by endpoint, model, parameters and
 * prompt, so a run killed at any moment and started again sends nothing
 * that was already answered. The API key is never logged or stored.
 *
 * Several servers: an endpoint may name several URLs, replicas that
 * answer the same requests (sprout_llm_endpoint.urls). Each takes up to
 * concurrency requests in flight; each request goes to the least busy
 * healthy one. A server that fails (connection refused or reset, a time
 * out, a 5xx, a 429) is set aside for a pause (2 s, doubled at each
 * failure in a row, at most backoff_max; see sprout_server in
 * sprout/ratelimit.h) and its request is sent again at once to another
 * healthy server, which spends none of the request's retries (at most
 * retries such moves). After the pause the server gets one trial request
 * and rejoins when it is answered. When no server is healthy, a request
 * spends its retries as with one server, and the requests waiting for a
 * server spend one each time a server fails again, so every request ends,
 * answered or failed with the last error (naming the server). The answers
 * are cached under the first URL: which server answered does not matter.
 * With one URL nothing is ever set aside (a failed request waits its
 * backoff).
 *
 * Pace: requests to an endpoint wait on token buckets (requests, tokens,
 * input and output tokens; see sprout/ratelimit.h) fed by the server's
 * rate-limit headers and by the budgets set by hand (rpm, tpm), and on a
 * cool-down shared by all of them after a 429; the number in flight adapts
 * between 1 and concurrency (additive increase, halved on a 429, 503, 529
 * or a time out). What the servers counted is kept in a ledger per
 * endpoint, priced from a price table (sprout/cost.h), and max_cost stops
 * sending before the next request would cross the budget.
 *
 * Single-threaded: the caller submits requests and calls sprout_llm_step,
 * which calls back with each answer. */
#ifndef SPROUT_LLM_H
#define SPROUT_LLM_H

#include <stddef.h>
#include <stdint.h>

#include "sprout/cost.h"
#include "sprout/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sprout_llm_api {
	SPROUT_LLM_OPENAI,   /* POST {url}/v1/chat/completions, Authorization: Bearer */
	SPROUT_LLM_ANTHROPIC /* POST {url}/v1/messages, x-api-key, anthropic-version */
} sprout_llm_api;

/* "openai" or "anthropic". SPROUT_ERR_USAGE otherwise. */
sprout_code sprout_llm_api_parse(const char *s, sprout_llm_api *out, sprout_error *err);
const char *sprout_llm_api_name(sprout_llm_api api);

/* The URL of an endpoint under base: base's path (without trailing '/'),
 * then "/v1" unless the path already ends in it, then "/" path, then base's
 * query string and fragment unchanged ("https://h/openai?api-version=1" and
 * "chat/completions": "https://h/openai/v1/chat/completions?api-version=1").
 * Cut to fit n (always NUL-terminated). */
void sprout_url_endpoint(const char *base, const char *path, char *out, size_t n);

/* url with its credentials hidden, for messages, logs and manifests: the
 * password of "user:PASSWORD@host" and the value of each query parameter
 * whose name holds key, token, secret, sig, pass, auth or cred, or is
 * "code", become "***". Other text is copied as it is. Cut to fit n. */
void sprout_url_redact(const char *url, char *out, size_t n);

typedef struct sprout_llm_endpoint {
	sprout_llm_api api;
	const char *url;   /* base URL: http://127.0.0.1:8000 (or .../v1) */
	const char *model; /* sent with each request */
	/* NULL: $SPROUT_API_KEY, then $OPENAI_API_KEY or $ANTHROPIC_API_KEY */
	const char *api_key;
	const char *const *headers; /* extra "Name: value" lines */
	size_t nheaders;
	/* nurls > 1: the servers of the endpoint, urls[0] the one its answers
	 * are cached under (url is then urls[0]); must outlive the client */
	const char *const *urls;
	size_t nurls;
} sprout_llm_endpoint;

typedef struct sprout_llm_request {
	const sprout_llm_endpoint *ep; /* must outlive the request */
	double temperature;	       /* < 0: not sent */
	double top_p;		       /* < 0: not sent */
	long max_tokens;	       /* 0: not sent (Anthropic requires one: 1024) */
	const char *system;	       /* NULL: none */
	const char *prompt;	       /* the user message */
	/* JSON schema (text) the answer must follow, or NULL: sent as
	 * response_format (OpenAI) or as a forced tool (Anthropic); a request
	 * refused with a 400 about the schema is asked again without it, and
	 * once that is answered the endpoint gets no schema again. A 400 about
	 * the system role moves the system text into the user turn the same
	 * way. The same request submitted again in one client is another
	 * sample (its own cache entry); an answer cut at the token limit or
	 * stopped by a filter fails and is not cached. */
	const char *schema;
	unsigned attempt; /* in the cache key: 1 asks anew after a bad answer */
	void *ctx;	  /* the caller's, given back with the answer */
	/* a raw completion (OpenAI API only): POST {url}/v1/completions with
	 * "prompt" (system and schema are not sent), the answer choices[0].text */
	int completion;
	const char *const *stop; /* completion: strings that end the text; must
				  * outlive the request, as ep */
	size_t nstop;
	int has_seed; /* send "seed": seed (in the cache key too) */
	unsigned long seed;
} sprout_llm_request;

/* Why a request that failed was never sent. */
typedef enum sprout_llm_unsent {
	SPROUT_LLM_SENT,  /* it was sent (or answered by the cache) */
	SPROUT_LLM_CAP,	  /* max_requests or max_tokens was reached */
	SPROUT_LLM_BUDGET /* it would have crossed max_cost */
} sprout_llm_unsent;

typedef struct sprout_llm_answer {
	sprout_code code; /* SPROUT_OK, or SPROUT_ERR_IO with error set */
	const char *text; /* the model's message (Anthropic tool input as JSON) */
	size_t len;
	long status;					/* last HTTP status, 0 when none came */
	unsigned long prompt_tokens, completion_tokens; /* as the server counted */
	int cached;					/* from the cache: nothing was sent */
	unsigned tries;					/* HTTP attempts made for it in this run */
	const char *error;				/* when code != SPROUT_OK: what happened */
	sprout_llm_unsent unsent; /* when code != SPROUT_OK: why it was never sent */
} sprout_llm_answer;

/* Called from sprout_llm_step for each finished request; rq and an are
 * valid during the call only. */
typedef void (*sprout_llm_done)(void *ud, const sprout_llm_request *rq,
				const sprout_llm_answer *an);

typedef struct sprout_llm_options {
	size_t concurrency; /* requests in flight per server (default 16) */
	int retries;	    /* after the first attempt (default 5) */
	double timeout;	    /* seconds per attempt (default 300) */
	double backoff;	    /* first wait, seconds (default 1); doubled each retry, jittered */
	double backoff_max; /* longest wait, also for Retry-After (default 60) */
	const char *cache;  /* SQLite file, or NULL for none */
	unsigned long max_requests;    /* 0: no cap; requests sent, not cached ones */
	unsigned long long max_tokens; /* 0: no cap; prompt + completion tokens */
	uint64_t seed;		       /* for the jitter */
	/* NULL: each request on its own; else through the providers' batch
	 * APIs (sprout/batch.h), which needs the cache */
	const struct sprout_batch_options *batch;
	double rpm, tpm; /* > 0: at most so many requests, tokens (input and output) a
			  * minute to each endpoint (over all its servers), besides what
			  * the servers' headers say */
	int fixed;	 /* keep concurrency in flight: no adaptive concurrency, no limits
			  * from headers, no shared cool-down (rpm, tpm and each request's
			  * Retry-After still hold) */
	/* prices of the ledger (NULL: costs unknown); must outlive the client */
	const sprout_prices *prices;
	/* >= 0: USD; a request is not sent when what was spent, the estimates
	 * of those in flight and its own would cross it, or when its model has
	 * no price (then no more are sent). < 0 (the default): no budget */
	double max_cost;
	/* an answer cached for the same request with another max_tokens serves
	 * when it is not longer than this request's max_tokens (see
	 * docs/generate.md) */
	int reuse_cache;
	/* NULL, or told a line for a person (no final newline) when a server
	 * is set aside and when it rejoins; called from sprout_llm_step */
	void (*note)(void *ctx, const char *line);
	void *note_ctx;
} sprout_llm_options;

void sprout_llm_options_init(sprout_llm_options *o);

typedef struct sprout_llm sprout_llm;

/* SPROUT_ERR_IO when the cache cannot be opened. */
sprout_llm *sprout_llm_new(const sprout_llm_options *o, sprout_error *err);
void sprout_llm_free(sprout_llm *l); /* accepts NULL; drops what is pending */

/* Drop every request not yet told (queued, in flight, waiting in a batch),
 * calling drop with each one's ctx when drop is not NULL: for a caller
 * that stops early (an error, SPROUT_PENDING) and owns what ctx points to.
 * Answers already cached stay; a batch sent stays to be polled later. */
void sprout_llm_abandon(sprout_llm *l, void (*drop)(void *ctx));

/* Queue a request (copied). A cached one is answered at the next step. */
sprout_code sprout_llm_submit(sprout_llm *l, const sprout_llm_request *rq, sprout_error *err);

/* Move transfers along, waiting at most wait_ms for something to happen,
 * and call done for each request that finished. Returns how many are still
 * pending (queued, waiting to retry or in flight), or -1 with err when
 * sprout itself failed (out of memory, the cache cannot be written). */
long sprout_llm_step(sprout_llm *l, int wait_ms, sprout_llm_done done, void *ud, sprout_error *err);

/* 1 when the cache holds the answer to rq (for plans and dry runs). */
int sprout_llm_cached(sprout_llm *l, const sprout_llm_request *rq);

typedef struct sprout_llm_counts {
	unsigned long sent;	/* HTTP attempts made */
	unsigned long answered; /* requests answered by a server */
	unsigned long cached;	/* requests answered by the cache */
	unsigned long reused;	/* of them, by a compatible answer (reuse_cache) */
	unsigned long failed;	/* requests given up */
	unsigned long retried;	/* attempts that were retries */
	unsigned long in_flight, waiting, queued;
	unsigned long long prompt_tokens, completion_tokens; /* from servers, this run */
	unsigned long throttled; /* times a request waited for a rate limit or a cool-down */
	unsigned long cuts;	 /* times an endpoint's concurrency was halved */
	unsigned long peak;	 /* the most requests in flight at once */
	unsigned long budget;	 /* requests not sent for max_cost */
	unsigned long moved;	 /* attempts sent again to another server, no retry spent */
	unsigned long set_aside; /* times a server was set aside (failed trials not counted) */
} sprout_llm_counts;

void sprout_llm_counts_get(const sprout_llm *l, sprout_llm_counts *c);

/* What one endpoint (an API, URL and model) cost in this client. */
typedef struct sprout_llm_ledger {
	const char *api, *model, *url; /* url without credentials */
	unsigned long requests;	       /* answers with usage from the server (cut ones too) */
	sprout_usage usage;	       /* as the server counted */
	double cost;		       /* USD; < 0 when the model has no price */
	unsigned long cache_hits;      /* answered by the cache: cost nothing */
	sprout_usage cache_usage;      /* what they had counted when first asked */
	size_t nservers;	       /* its servers (sprout_llm_server_get) */
} sprout_llm_ledger;

/* The ledger of endpoint i (0.. while it returns 1), in the order the
 * endpoints were first used; valid until the next call into l. */
int sprout_llm_ledger_get(const sprout_llm *l, size_t i, sprout_llm_ledger *out);

/* What server k of endpoint i (in the ledger's order) was sent. */
typedef struct sprout_llm_server_stats {
	const char *url;	/* without credentials */
	unsigned long sent;	/* HTTP attempts */
	unsigned long answered; /* of them, answered (a response that is not a failure) */
	unsigned long failed;	/* of them, failed for the server's fault */
	unsigned long asides;	/* times set aside */
	int aside;		/* set aside now */
} sprout_llm_server_stats;

/* Server k of endpoint i: 1, or 0 past the last; valid until the next
 * call into l. */
int sprout_llm_server_get(const sprout_llm *l, size_t i, size_t k, sprout_llm_server_stats *out);

/* The total USD of l's ledger in *usd (rounded to 1e-10): 1 when every
 * model that was sent a request has a price, else 0 (*usd then counts the
 * priced ones only). */
int sprout_llm_ledger_cost(const sprout_llm *l, double *usd);

/* Write l's ledger to path, a JSON file written whole (atomically): per
 * model the requests, tokens and USD, cache hits apart, and the totals
 * (cost_usd null when a model has no price), what sprout run keeps in its
 * manifest. SPROUT_ERR_IO (naming the file) when it cannot be written,
 * SPROUT_ERR_NOMEM. */
sprout_code sprout_llm_ledger_write(const sprout_llm *l, const char *path, sprout_error *err);

/* ---- a client configured from options ----------------------------------- */

#define SPROUT_LLM_MAX_HEADERS 32
#define SPROUT_LLM_MAX_URLS    64

/* What the model server's options set (the command line's --url ...
 * --max-tokens, a recipe stage's url: ...): the client's options, the
 * server, its API, key and headers, the answer's length and schema.
 * Values point into the text given to sprout_llm_config_set. */
typedef struct sprout_llm_config {
	sprout_llm_options lo;	   /* cache: sprout-cache.sqlite unless set */
	const char *url, *key_env; /* url: the first of urls */
	const char *urls[SPROUT_LLM_MAX_URLS];
	size_t nurls;
	unsigned budget_share; /* rpm, tpm and max_cost are divided by it (1) */
	sprout_llm_api api;
	const char *headers[SPROUT_LLM_MAX_HEADERS];
	size_t nheaders;
	long answer_tokens; /* 0: the server's */
	int no_schema, no_cache;
} sprout_llm_config;

void sprout_llm_config_init(sprout_llm_config *l);

/* The option named name ("url", "api", "api-key-env", "header",
 * "answer-tokens", "no-schema", "concurrency", "fixed-concurrency", "rpm",
 * "tpm", "budget-share", "retries", "timeout", "backoff", "cache",
 * "no-cache", "reuse-cache", "max-requests", "max-tokens") from its text
 * (NULL for a switch; "url" and "header" add one more each time): SPROUT_OK, SPROUT_ERR_USAGE with
 * a message naming the option, or SPROUT_END when name is not one of them. */
sprout_code sprout_llm_config_set(sprout_llm_config *l, const char *name, const char *value,
				  sprout_error *err);

/* After the options: the URL from the environment when none was given
 * ($OPENAI_BASE_URL, or $ANTHROPIC_BASE_URL for anthropic), rpm, tpm and
 * max_cost (when set) divided by budget-share, the key from
 * --api-key-env's variable (*key, NULL for the default), no cache with
 * no-cache or for a dry run that would make one. SPROUT_ERR_USAGE when the
 * key's variable is not set. */
sprout_code sprout_llm_config_ready(sprout_llm_config *l, int dry_run, const char **key,
				    sprout_error *err);

/* The endpoint for model (l and key must outlive it). */
sprout_llm_endpoint sprout_llm_config_endpoint(const sprout_llm_config *l, const char *model,
					       const char *key);

#ifdef __cplusplus
}
#endif
#endif
