/* sprout/embed.h - text embeddings from any OpenAI-compatible
 * /v1/embeddings endpoint (vLLM, llama.cpp server, Ollama, hosted APIs),
 * requested in batches and cached in SQLite, so a text is embedded once per
 * model whatever the run. */
#ifndef SPROUT_EMBED_H
#define SPROUT_EMBED_H

#include <stddef.h>

#include "sprout/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sprout_embed_options {
	const char *url;     /* base URL, e.g. http://127.0.0.1:8000 (/v1/embeddings is added) */
	const char *model;   /* model name sent with each request */
	const char *api_key; /* NULL: $SPROUT_API_KEY, then $OPENAI_API_KEY; never logged */
	const char *cache;   /* SQLite file; NULL: no cache */
	size_t batch;	     /* texts per request (default 64) */
	double timeout;	     /* seconds per request (default 60) */
	int retries;	     /* on 429, 5xx and network errors (default 4) */
} sprout_embed_options;

typedef struct sprout_embed sprout_embed;

/* SPROUT_ERR_USAGE for a missing url or model, SPROUT_ERR_IO when the
 * cache cannot be opened. */
sprout_embed *sprout_embed_new(const sprout_embed_options *o, sprout_error *err);
void sprout_embed_free(sprout_embed *e); /* accepts NULL */

/* Make sure the texts have vectors (from the cache, else from the server
 * in batches). Fails with SPROUT_ERR_IO naming the URL and the server's
 * answer when a request keeps failing. */
sprout_code sprout_embed_prepare(sprout_embed *e, const char *const *texts, const size_t *lens,
				 size_t n, sprout_error *err);

/* Cosine of the two texts' vectors, clamped to 0-1; both must have been
 * prepared. -1 when one is missing. */
double sprout_embed_similarity(sprout_embed *e, const char *a, size_t alen, const char *b,
			       size_t blen);

/* Requests sent and texts served from the cache so far. */
void sprout_embed_counts(const sprout_embed *e, unsigned long *requests, unsigned long *cached);

#ifdef __cplusplus
}
#endif
#endif
