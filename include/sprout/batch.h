/* sprout/batch.h - requests sent through the providers' batch APIs.
 *
 * The OpenAI Batch API (a JSONL file uploaded to /v1/files, a batch made
 * with /v1/batches, polled, its output and error files downloaded) and
 * Anthropic's Message Batches (/v1/messages/batches: made, polled, results
 * read as JSONL) answer within 24 hours at half the price of the same
 * requests sent one by one. A sprout_llm made with batch options (below)
 * sends its requests that way: each request's custom id is its cache key,
 * the batch ids and the keys they carry are kept in the answer cache
 * (tables llm_batches and llm_batch_items), so that a later client with the
 * same requests polls the batch instead of sending them again, and every
 * answer goes into the same cache as an online answer. Only requests that
 * failed or expired are sent again.
 *
 * The parsers below read what the providers answer; sprout_llm uses them,
 * and they are public for tests and fuzzing. */
#ifndef SPROUT_BATCH_H
#define SPROUT_BATCH_H

#include <stddef.h>

#include "sprout/arena.h"
#include "sprout/error.h"
#include "sprout/json.h"
#include "sprout/llm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The providers' limits per batch. */
#define SPROUT_BATCH_OPENAI_REQUESTS	50000UL
#define SPROUT_BATCH_OPENAI_BYTES	200000000UL /* 200 MB, the input file */
#define SPROUT_BATCH_ANTHROPIC_REQUESTS 100000UL
#define SPROUT_BATCH_ANTHROPIC_BYTES	256000000UL /* 256 MB, the request body */

typedef struct sprout_batch_options {
	/* seconds to wait for the batches to end: < 0 until they do (the
	 * default), 0 to send them and return at once; past it, a step with
	 * nothing left to do but wait fails with SPROUT_PENDING */
	double wait;
	double poll;		    /* longest pause between two polls (default 60) */
	unsigned long max_requests; /* per batch, 0: the provider's limit */
	unsigned long max_bytes;    /* per batch, 0: the provider's limit */
} sprout_batch_options;

void sprout_batch_options_init(sprout_batch_options *o);

/* 1 when l sends its requests in batches (made with batch options): a
 * caller then submits all it can before stepping, since every step with
 * new requests sends a new batch. */
int sprout_llm_batches(const sprout_llm *l);

/* What a batch is doing, from the provider's batch object. */
typedef struct sprout_batch_status {
	char id[128];	   /* the object's "id" ("" when it has none) */
	char state[32];	   /* OpenAI "status", Anthropic "processing_status" */
	int ended;	   /* the batch will change no more: its results can be read */
	char output[512];  /* OpenAI output_file_id, Anthropic results_url ("" none) */
	char errors[128];  /* OpenAI error_file_id ("" none) */
	char message[256]; /* OpenAI: a failed batch's first error ("" none) */
} sprout_batch_status;

/* Read a batch object (or, for the id alone, the file object an upload
 * answers). SPROUT_ERR_JSON when body is not a JSON object,
 * SPROUT_ERR_RECORD when a field has the wrong type or an id holds other
 * characters than letters, digits, '-' and '_'. */
sprout_code sprout_batch_status_parse(sprout_llm_api api, const char *body, size_t len,
				      sprout_batch_status *st, sprout_error *err);

typedef enum sprout_batch_outcome {
	SPROUT_BATCH_ANSWERED, /* the server answered (status 200); body is the answer */
	SPROUT_BATCH_ERRORED,  /* the request failed; status and message say why */
	SPROUT_BATCH_EXPIRED   /* not done within the window, or cancelled */
} sprout_batch_outcome;

/* One line of a batch's results (OpenAI output or error file, Anthropic
 * results). Strings point into a or into the line. */
typedef struct sprout_batch_result {
	const char *custom_id;
	sprout_batch_outcome outcome;
	long status;		 /* HTTP status of the request; 0 when not known */
	const sprout_json *body; /* ANSWERED: the chat completion or message */
	const char *message;	 /* ERRORED, EXPIRED: what happened ("" none) */
	const char *param;	 /* ERRORED: the error's "param" ("" none) */
} sprout_batch_result;

/* Parse one results line into r, its values allocated in a.
 * SPROUT_ERR_JSON for a line that is not JSON, SPROUT_ERR_RECORD for one
 * without a custom_id or of another shape. */
sprout_code sprout_batch_result_parse(sprout_arena *a, sprout_llm_api api, const char *line,
				      size_t len, sprout_batch_result *r, sprout_error *err);

#ifdef __cplusplus
}
#endif
#endif
