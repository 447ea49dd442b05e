/* sprout/generate.h - new examples written by a model from the seeds.
 *
 * A method turns each record into one or more chat requests built from a
 * prompt template (prompts/, overridable), sends them through a sprout_llm
 * (many in flight, cached, retried) and turns the answers back into records
 * with their provenance (_sprout: parent, root, method, params, generator).
 * The model is asked for {"items":[...]}: as a JSON schema where the server
 * takes one, and read tolerantly otherwise (code fences, prose around it);
 * a malformed answer is asked for once more, then rejected with its text.
 *
 * Output order never depends on which answer came first: records come out
 * in input order, each followed by what was made from it, and `pairs`
 * works in rounds whose prompts depend only on the seeds, the seed and the
 * answers of earlier rounds. With the answer cache, the same command gives
 * the same output, however often it was interrupted. */
#ifndef SPROUT_GENERATE_H
#define SPROUT_GENERATE_H

#include <stddef.h>
#include <stdint.h>

#include "sprout/error.h"
#include "sprout/json.h"
#include "sprout/llm.h"
#include "sprout/record.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sprout_gen_method {
	SPROUT_GEN_PARAPHRASE, /* the slot rewritten under constraints (casual, typos, ...) */
	SPROUT_GEN_EXPAND,     /* K rephrasings of an instruction, same intent */
	SPROUT_GEN_REFINE,     /* a clearer, more specific instruction */
	SPROUT_GEN_PAIRS,      /* new instruction-response pairs, Self-Instruct style */
	SPROUT_GEN_RESPOND,    /* a response for an instruction that has none */
	SPROUT_GEN_BRIEF,      /* the response within N words */
	SPROUT_GEN_BULLETS,    /* the response as a bulleted list */
	SPROUT_GEN_REFUSE,     /* a refusal that says why and offers a safe alternative */
	SPROUT_GEN_EVOLVE,     /* Evol-Instruct deepening */
	SPROUT_GEN_TRANSLATE,  /* back-translation through a pivot language */
	SPROUT_GEN_MAGPIE,     /* Magpie: user queries from a chat template's
				* pre-query text (raw completions), then answers */
	SPROUT_GEN__COUNT
} sprout_gen_method;

sprout_code sprout_gen_parse(const char *name, sprout_gen_method *out, sprout_error *err);
const char *sprout_gen_name(sprout_gen_method m);

/* The sampling temperature a method asks for when the caller sets none:
 * 0.9 where variety is the point (paraphrase, expand, evolve), 0.7 for new
 * tasks (pairs, as Self-Instruct), answers and refusals (respond, refuse),
 * 0.3 where the text must stay faithful (refine, brief, bullets,
 * translate). Servers' own defaults differ (0.8 in llama.cpp and Ollama,
 * 1.0 in vLLM and OpenAI), so a run does not depend on which one it met. */
double sprout_gen_default_temperature(sprout_gen_method m);

/* Paraphrase constraints, by name: casual, typos, slang, incomplete,
 * non-native, formal. NULL for an unknown name. */
const char *sprout_gen_constraint(const char *name);
/* Evol-Instruct operations: constraints, deepen, concretize, reasoning. */
const char *sprout_gen_operation(const char *name);

/* One way of asking: a model at an endpoint with its sampling. */
typedef struct sprout_gen_config {
	const sprout_llm_endpoint *ep;
	double temperature; /* < 0: the server's default */
	double top_p;	    /* < 0: the server's default */
} sprout_gen_config;

/* What a rewrite of the prompt or input does to the record's response. */
typedef enum sprout_gen_response {
	SPROUT_GEN_RESPONSE_AUTO,	/* regenerate for evolve and refine (the question
					 * changed), keep for paraphrase, expand and
					 * translate (the same question, reworded) */
	SPROUT_GEN_RESPONSE_KEEP,	/* the parent's response, unchanged */
	SPROUT_GEN_RESPONSE_REGENERATE, /* a second request (the respond template) answers
					 * the new instruction */
	SPROUT_GEN_RESPONSE_STALE	/* emptied, for a later respond to fill */
} sprout_gen_response;

/* "keep", "regenerate", "stale" (or "auto"). SPROUT_ERR_USAGE otherwise. */
sprout_code sprout_gen_response_parse(const char *s, sprout_gen_response *out, sprout_error *err);

typedef struct sprout_generate_options {
	sprout_gen_method method;
	const sprout_gen_config *configs; /* requests are spread over them */
	size_t nconfigs;
	long answer_tokens;		/* max_tokens per request, 0: the server's default */
	unsigned n;			/* items asked per request (default: 3; refine, respond,
					 * brief, bullets, refuse, translate: 1) */
	sprout_slot slot;		/* what paraphrase, expand, refine, evolve, translate
					 * rewrite (default prompt) */
	const char *const *constraints; /* paraphrase: one request per constraint */
	size_t nconstraints;		/* (default: casual) */
	const char *const *operations;	/* evolve: one request per operation */
	size_t noperations;		/* (default: constraints, deepen) */
	unsigned words;			/* brief (default 50) */
	const char *language;		/* translate pivot (default French) */
	const char *scope;		/* refuse: what the assistant is for */
	/* pairs */
	unsigned long count;	   /* new tasks wanted (default 50) */
	unsigned batch;		   /* requests per round (default 8) */
	unsigned human_examples;   /* seeds in each prompt (default 6) */
	unsigned machine_examples; /* earlier generations in each prompt (2) */
	double novelty;		   /* ROUGE-L above which a task is not new (0.7) */
	uint64_t seed;
	const char *prompts_dir;      /* templates that replace the built-in ones */
	const char *chat_template;    /* magpie: llama3 (default), chatml, gemma, phi3,
				       * mistral: the model's own chat format */
	int no_schema;		      /* never send the JSON schema */
	sprout_gen_response response; /* paraphrase, expand, refine, evolve, translate of
				       * the prompt or input, for a record with a response */
} sprout_generate_options;

void sprout_generate_options_init(sprout_generate_options *o);

/* What the caller hears: a record made (in order), a record that could not
 * be made (with the model's raw answer when there was one), and progress. */
typedef struct sprout_gen_callbacks {
	/* input idx's turn has come: what was made from it follows (per-record
	 * methods, every input in order) */
	int (*begin)(void *ctx, size_t idx);
	/* a new record (compact JSON, no newline) made from input idx
	 * ((size_t)-1 for pairs); return nonzero to stop (a write error) */
	int (*emit)(void *ctx, size_t idx, const char *json, size_t len);
	/* input idx could not be used: reason and, when the model answered
	 * badly, its answer */
	int (*reject)(void *ctx, size_t idx, const char *check, const char *reason,
		      const char *answer);
	/* after every step of the client: done and total requests known so far */
	void (*progress)(void *ctx, const sprout_llm_counts *c);
	void *ctx;
} sprout_gen_callbacks;

/* Run the method over records[0..n) (all in memory; each with provenance)
 * with the client llm. For per-record methods every input's results come
 * out in input order; pairs emits new records only. Fails on a usage error
 * (SPROUT_ERR_USAGE: a template, an option), a failure of sprout itself, or
 * when a callback asks to stop; an answer that is not usable is a reject,
 * not a failure. */
sprout_code sprout_generate(const sprout_generate_options *o, sprout_llm *llm,
			    const sprout_record *records, size_t n, const sprout_gen_callbacks *cb,
			    sprout_error *err);

/* Where sprout_generate_stream reads its inputs, one at a time. */
typedef struct sprout_gen_source {
	/* Input idx (0, 1, 2, ... in turn): 1 with *rec set, 0 at the end, -1
	 * to stop (with err filled when there is something to say). *rec (with
	 * provenance) must stay valid until release(ctx, idx). */
	int (*next)(void *ctx, size_t idx, const sprout_record **rec, sprout_error *err);
	/* Input idx has come out (its begin, emit and reject calls are over)
	 * and is not read again. Inputs come out in order. May be NULL. */
	void (*release)(void *ctx, size_t idx);
	void *ctx;
} sprout_gen_source;

/* sprout_generate for the per-record methods, reading the inputs from src
 * as the requests in flight allow: at most 4,096 inputs are held between
 * being read and coming out, however many there are (when llm sends
 * batches, every input: a batch takes all the requests). The same requests,
 * output and callbacks as sprout_generate over the same records. pairs and
 * magpie draw examples from all their seeds: SPROUT_ERR_USAGE (use
 * sprout_generate). */
sprout_code sprout_generate_stream(const sprout_generate_options *o, sprout_llm *llm,
				   const sprout_gen_source *src, const sprout_gen_callbacks *cb,
				   sprout_error *err);

/* The plan without sending anything: requests the method would send for
 * records[0..n) (pairs: at least), how many of them the cache holds, and
 * an estimate of the tokens (prompt from the rendered prompts, answers from
 * the input lengths), for --dry-run. */
typedef struct sprout_gen_plan {
	unsigned long requests, cached;
	unsigned long long prompt_tokens, answer_tokens;
} sprout_gen_plan;

sprout_code sprout_generate_plan(const sprout_generate_options *o, sprout_llm *llm,
				 const sprout_record *records, size_t n, sprout_gen_plan *plan,
				 sprout_error *err);

#ifdef __cplusplus
}
#endif
#endif
