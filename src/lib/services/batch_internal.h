/* The batch sender behind a sprout_llm made with batch options: between
 * llm.c (requests, answers, the cache) and the providers' batch APIs
 * (batch.c). Not installed. */
#ifndef SPROUT_BATCH_INTERNAL_H
#define SPROUT_BATCH_INTERNAL_H

#include <sqlite3.h>

#include "services/curl_dyn.h"

#include "sprout/batch.h"
#include "sprout/llm.h"

/* llm.c: the request headers of an endpoint (content type JSON when json,
 * the API key, anthropic-version, the user's own), NULL when out of memory.
 * Free with curl_slist_free_all. */
struct curl_slist *sprout__llm_headers(const sprout_llm_endpoint *ep, int json);

typedef struct sprout_batcher sprout_batcher;

/* A request to send: its job (the caller's, handed back with its result),
 * its cache key (the custom id) and its request body. */
typedef struct batch_request {
	const sprout_llm_endpoint *ep;
	int completion; /* OpenAI /v1/completions instead of chat */
	const char *key;
	const char *body;
	size_t len;
	void *job;
} batch_request;

/* A request's result. job is NULL for a request of an earlier client that
 * no job of this one asked for (its answer is still worth caching). */
typedef struct batch_done {
	void *job;
	const char *key;
	const char *model; /* as sent */
	sprout_llm_api api;
	int completion;
	sprout_batch_outcome outcome;
	long status;
	const char *body; /* ANSWERED: the answer as JSON text */
	size_t len;
	const char *why;   /* ERRORED, EXPIRED: what happened */
	const char *param; /* ERRORED: the error's param, "" none */
} batch_done;

/* Called for each result inside the cache transaction that forgets the
 * batch's requests; nonzero stops with err set (the transaction is rolled
 * back). */
typedef int (*batch_done_fn)(void *ud, const batch_done *d, sprout_error *err);

/* A sender keeping its batches in db (the answer cache, named path for
 * messages); timeout, retries and backoff as the client's. NULL with err
 * when the tables cannot be made. */
sprout_batcher *sprout__batcher_new(sqlite3 *db, const char *path, const sprout_batch_options *o,
				    double timeout, int retries, double backoff, sprout_error *err);
/* Accepts NULL; free_job frees each job still waiting. */
void sprout__batcher_free(sprout_batcher *b, void (*free_job)(void *job));

/* Hand each job still waiting (to be sent or in a batch) to each, and
 * forget it: its batch is still polled by a later client. */
void sprout__batcher_forget(sprout_batcher *b, void (*each)(void *ud, void *job), void *ud);

/* Take a request: when a batch sent before (by this client or an earlier
 * one) holds its key, it waits for that batch (*found 1); else it goes
 * into the next batch sent (*found 0). */
sprout_code sprout__batcher_add(sprout_batcher *b, const batch_request *rq, int *found,
				sprout_error *err);

/* Send what was added, poll the batches whose turn has come (sleeping up
 * to wait_ms when none has), and call fn with the results of those that
 * ended. A request that could not be sent comes back ERRORED. Returns how
 * many requests still wait, or -1 with err. */
long sprout__batcher_step(sprout_batcher *b, int wait_ms, batch_done_fn fn, void *ud,
			  sprout_error *err);

/* Past the wait of the options with requests still waiting: SPROUT_PENDING
 * in err, saying which batches they wait in. 0 otherwise. */
int sprout__batcher_overdue(sprout_batcher *b, sprout_error *err);

/* Requests sent in batches by this client. */
unsigned long sprout__batcher_sent(const sprout_batcher *b);

#endif
