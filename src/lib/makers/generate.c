/* Methods that ask a model for new examples. See sprout/generate.h. */
#include "sprout/generate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "makers/augment_internal.h"
#include "sprout/arena.h"
#include "sprout/batch.h"
#include "sprout/buf.h"
#include "sprout/dedup.h"
#include "sprout/extract.h"
#include "sprout/meta.h"
#include "sprout/rng.h"
#include "sprout/template.h"
#include "sprout/text.h"

#define NO_INPUT ((size_t)-1)
#define WINDOW	 1024 /* requests queued ahead of the answers */
#define AHEAD                                                                                      \
	4096 /* inputs held between being read and coming out (a power of 2;                       \
	      * with batches, every input: the ring grows) */

static const char *const method_names[SPROUT_GEN__COUNT] = {
    "paraphrase", "expand", "refine", "pairs",	   "respond", "brief",
    "bullets",	  "refuse", "evolve", "translate", "magpie",
};

/* Magpie (Xu et al., 2024): a model's chat template up to where the user's
 * turn begins makes an aligned model write a user query; the turn's end
 * stops it. */
static const struct chat_template {
	const char *name, *pre;
	const char *stop[2];
} chat_templates[] = {
    {"llama3",
     "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n",
     {"<|eot_id|>", "<|start_header_id|>"}},
    {"chatml", "<|im_start|>user\n", {"<|im_end|>", "<|im_start|>"}},
    {"gemma", "<start_of_turn>user\n", {"<end_of_turn>", "<start_of_turn>"}},
    {"phi3", "<|user|>\n", {"<|end|>", "<|assistant|>"}},
    {"mistral", "[INST] ", {"[/INST]", "</s>"}},
};

static const struct chat_template *chat_template_of(const char *name)
{
	for (size_t i = 0; i < sizeof chat_templates / sizeof *chat_templates; i++)
		if (!strcmp(name ? name : "llama3", chat_templates[i].name))
			return &chat_templates[i];
	return NULL;
}

static const struct {
	const char *name, *text;
} constraints[] = {
    {"casual", "casual and relaxed, like a quick chat message to a friend"},
    {"typos", "with a few realistic typing mistakes (missed or swapped letters, no capitals), "
	      "as typed in a hurry on a phone"},
    {"slang", "in everyday informal slang and abbreviations"},
    {"incomplete", "as an incomplete, fragmentary sentence, the way people type half a thought "
		   "into a search or chat box"},
    {"non-native", "as written by a non-native English speaker: simple words, small grammar "
		   "slips, a slightly unusual word order"},
    {"formal", "formal and polite, as in a written letter to a company"},
};

static const struct {
	const char *name, *text;
} operations[] = {
    {"constraints", "add one more constraint or requirement to it"},
    {"deepen", "make the question it asks deeper and broader"},
    {"concretize", "replace general concepts with more specific ones"},
    {"reasoning", "make it explicitly require several steps of reasoning"},
    /* in breadth: its own template, breadth.txt */
    {"breadth", "a new, rarer instruction in the same domain"},
};

sprout_code sprout_gen_parse(const char *name, sprout_gen_method *out, sprout_error *err)
{
	for (int m = 0; m < SPROUT_GEN__COUNT; m++)
		if (!strcmp(name, method_names[m])) {
			*out = (sprout_gen_method)m;
			return SPROUT_OK;
		}
	return sprout_error_set(err, SPROUT_ERR_USAGE,
				"unknown method '%s' (expected paraphrase, expand, refine, pairs, "
				"respond, brief, bullets, refuse, evolve, translate or magpie)",
				name);
}

const char *sprout_gen_name(sprout_gen_method m)
{
	return m < SPROUT_GEN__COUNT ? method_names[m] : "?";
}

sprout_code sprout_gen_response_parse(const char *s, sprout_gen_response *out, sprout_error *err)
{
	static const char *const names[] = {"auto", "keep", "regenerate", "stale"};
	for (int i = 0; i < 4; i++)
		if (!strcmp(s, names[i])) {
			*out = (sprout_gen_response)i;
			return SPROUT_OK;
		}
	return sprout_error_set(err, SPROUT_ERR_USAGE,
				"unknown response mode '%s' (expected keep, regenerate or stale)",
				s);
}

double sprout_gen_default_temperature(sprout_gen_method m)
{
	switch (m) {
	case SPROUT_GEN_PARAPHRASE:
	case SPROUT_GEN_EXPAND:
	case SPROUT_GEN_EVOLVE: return 0.9;
	case SPROUT_GEN_REFINE:
	case SPROUT_GEN_BRIEF:
	case SPROUT_GEN_BULLETS:
	case SPROUT_GEN_TRANSLATE: return 0.3;
	case SPROUT_GEN_MAGPIE: return 1.0; /* as the paper samples queries */
	default: return 0.7;
	}
}

const char *sprout_gen_constraint(const char *name)
{
	for (size_t i = 0; i < sizeof constraints / sizeof *constraints; i++)
		if (!strcmp(name, constraints[i].name))
			return constraints[i].text;
	return NULL;
}

const char *sprout_gen_operation(const char *name)
{
	for (size_t i = 0; i < sizeof operations / sizeof *operations; i++)
		if (!strcmp(name, operations[i].name))
			return operations[i].text;
	return NULL;
}

void sprout_generate_options_init(sprout_generate_options *o)
{
	memset(o, 0, sizeof *o);
	o->slot = SPROUT_SLOT_PROMPT;
	o->words = 50;
	o->language = "French";
	o->scope = "a general-purpose assistant";
	o->count = 50;
	o->batch = 8;
	o->human_examples = 6;
	o->machine_examples = 2;
	o->novelty = 0.7;
}

/* ---- what each method asks and reads --------------------------------------- */

static const char *const text_fields[] = {"text"};
static const char *const pair_fields[] = {"instruction", "input", "output"};
static const char *const response_fields[] = {"response"};
/* pairs: the instances of a classification task, label first */
static const char *const instance_fields[] = {"label", "input"};
/* the variables of the respond template, as a variant's answer asks them */
static const char *const respond_vars[] = {"instruction", "input", "response", "words", "scope"};

static const char *const *fields_of(sprout_gen_method m, size_t *n)
{
	if (m == SPROUT_GEN_PAIRS) {
		*n = 3;
		return pair_fields;
	}
	if (m == SPROUT_GEN_RESPOND || m == SPROUT_GEN_BRIEF || m == SPROUT_GEN_BULLETS ||
	    m == SPROUT_GEN_REFUSE) {
		*n = 1;
		return response_fields;
	}
	*n = 1;
	return text_fields;
}

/* Items asked per request. */
static unsigned items_per_request(const sprout_generate_options *o)
{
	switch (o->method) {
	case SPROUT_GEN_PARAPHRASE:
	case SPROUT_GEN_EXPAND:
	case SPROUT_GEN_PAIRS: return o->n ? o->n : 3;
	default: return 1;
	}
}

/* {"type":"object","properties":{"items":{"type":"array","minItems":K,...}}}
 * with the fields f[0..nf) as strings; pairs' tasks say too whether they
 * are classification tasks. */
static int build_schema_of(sprout_buf *b, const char *const *f, size_t nf, int classification,
			   unsigned k)
{
	sprout_jw w;
	sprout_jw_init(&w, b);
	sprout_jw_object(&w);
	sprout_jw_kstring(&w, "type", "object");
	sprout_jw_kobject(&w, "properties");
	sprout_jw_kobject(&w, "items");
	sprout_jw_kstring(&w, "type", "array");
	sprout_jw_kuint(&w, "minItems", k);
	sprout_jw_kuint(&w, "maxItems", k);
	sprout_jw_kobject(&w, "items");
	sprout_jw_kstring(&w, "type", "object");
	sprout_jw_kobject(&w, "properties");
	for (size_t i = 0; i < nf; i++) {
		sprout_jw_kobject(&w, f[i]);
		sprout_jw_kstring(&w, "type", "string");
		sprout_jw_end(&w);
	}
	if (classification) {
		sprout_jw_kobject(&w, "classification");
		sprout_jw_kstring(&w, "type", "string");
		sprout_jw_karray(&w, "enum");
		sprout_jw_string(&w, "yes");
		sprout_jw_string(&w, "no");
		sprout_jw_end(&w);
		sprout_jw_end(&w);
	}
	sprout_jw_end(&w);
	sprout_jw_karray(&w, "required");
	for (size_t i = 0; i < nf; i++)
		sprout_jw_string(&w, f[i]);
	if (classification)
		sprout_jw_string(&w, "classification");
	sprout_jw_end(&w);
	sprout_jw_kbool(&w, "additionalProperties", 0);
	sprout_jw_end(&w); /* the item */
	sprout_jw_end(&w); /* items */
	sprout_jw_end(&w); /* properties */
	sprout_jw_karray(&w, "required");
	sprout_jw_string(&w, "items");
	sprout_jw_end(&w);
	sprout_jw_kbool(&w, "additionalProperties", 0);
	sprout_jw_end(&w);
	return sprout_jw_finish(&w) || sprout_buf_addc(b, '\0') != SPROUT_OK;
}

static int build_schema(sprout_buf *b, sprout_gen_method m, unsigned k)
{
	size_t nf;
	const char *const *f = fields_of(m, &nf);
	return build_schema_of(b, f, nf, m == SPROUT_GEN_PAIRS, k);
}

/* ---- the run --------------------------------------------------------------- */

/* One request and what it is for. */
struct task {
	size_t rec;    /* input index, NO_INPUT for pairs */
	unsigned sub;  /* constraint / operation index; pairs: request in its round */
	unsigned step; /* translate: 0 there, 1 back; 2 the response of a variant;
			* 3 pairs: a classification task's instances, output first */
	size_t cfg;    /* which generator config */
	char *system, *prompt;
	unsigned attempt;
	char *answer; /* pairs: kept until the round is read */
	char *child;  /* step 2: the variant (a JSON line) whose response is asked */
	unsigned vi;  /* step 2: which variant of the request's answer */
	char *error;  /* pairs: a request that failed */
	size_t anslen;
	int failed; /* 1: the request failed, 2: it was not sent for the budget */
};

/* What one request of an input made. */
struct part {
	sprout_buf out;	   /* JSON lines */
	sprout_buf rej;	   /* check \0 reason \0 answer \0 triples */
	sprout_buf *later; /* with a regenerated response: variant i's line, once answered */
	unsigned nlater;
};

/* What has been made from one input, held until its turn to come out, in
 * the order of its requests (not of their answers). */
struct slot_out {
	struct part *parts; /* one per request of the input */
	unsigned nparts;
	unsigned pending;
	int started;
};

struct run {
	const sprout_generate_options *o;
	sprout_llm *llm;
	const sprout_record *recs;
	size_t n;
	const sprout_gen_callbacks *cb;
	sprout_template tmpl;
	sprout_arena *mem; /* templates, schema */
	char *schema;
	sprout_gen_response response; /* resolved: KEEP, REGENERATE or STALE */
	sprout_template rtmpl;	      /* REGENERATE: the respond template */
	sprout_template btmpl;	      /* evolve in breadth: its template */
	char *rschema;		      /* and its schema */
	sprout_template otmpl;	      /* pairs: a classification task's instances */
	char *oschema;		      /* and their schema */
	unsigned k;
	unsigned long seq; /* requests submitted, for spreading over configs */
	/* per-record methods: the inputs between being read and coming out,
	 * input i at [i % cap] */
	const sprout_gen_source *src;
	const sprout_record **ring;
	struct slot_out *outs;
	size_t cap;
	size_t started;	 /* inputs read and started */
	size_t next_out; /* the next input to come out */
	sprout_error *err;
	sprout_code fail; /* set inside callbacks */
	/* pairs */
	struct task **round;
	size_t nround;
};

/* Per-record methods: input i, while it is held (the plan: records[i]). */
static const sprout_record *rec_at(const struct run *r, size_t i)
{
	return r->ring ? r->ring[i & (r->cap - 1)] : &r->recs[i];
}

static struct slot_out *out_at(const struct run *r, size_t i)
{
	return &r->outs[i & (r->cap - 1)];
}

static char *dupn(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

static void free_task(struct task *t)
{
	if (!t)
		return;
	free(t->system);
	free(t->prompt);
	free(t->answer);
	free(t->error);
	free(t->child);
	free(t);
}

static void free_task_ctx(void *t)
{
	free_task(t);
}

static sprout_code nomem(struct run *r)
{
	return r->fail = sprout_error_set(r->err, SPROUT_ERR_NOMEM, "out of memory");
}

static int in_breadth(const struct run *r, unsigned sub)
{
	return r->o->method == SPROUT_GEN_EVOLVE && !strcmp(r->o->operations[sub], "breadth");
}

/* The template of a task: the respond template for a variant's answer,
 * breadth.txt for evolve in breadth, else the method's. */
static const sprout_template *template_of(const struct run *r, const struct task *t)
{
	if (t->step == 2)
		return &r->rtmpl;
	if (t->step == 3)
		return &r->otmpl;
	return t->rec != NO_INPUT && in_breadth(r, t->sub) ? &r->btmpl : &r->tmpl;
}

/* Render the template (see template_of) with names/values into a task. */
static sprout_code render(struct run *r, struct task *t, const char *const *names,
			  const char *const *values, size_t nv)
{
	sprout_buf sys = SPROUT_BUF_INIT((size_t)64 << 20),
		   user = SPROUT_BUF_INIT((size_t)64 << 20);
	sprout_code rc =
	    sprout_template_apply(template_of(r, t), names, values, nv, &sys, &user, r->err);
	if (!rc && ((sys.len && !(t->system = dupn(sys.data, sys.len))) ||
		    !(t->prompt = dupn(user.data ? user.data : "", user.len))))
		rc = nomem(r);
	sprout_buf_release(&sys);
	sprout_buf_release(&user);
	return rc;
}

static sprout_code submit(struct run *r, struct task *t)
{
	const sprout_gen_config *c = &r->o->configs[t->cfg];
	sprout_llm_request rq = {c->ep,
				 t->step == 2 ? sprout_gen_default_temperature(SPROUT_GEN_RESPOND)
					      : c->temperature,
				 c->top_p,
				 r->o->answer_tokens,
				 t->system,
				 t->prompt,
				 t->step == 2	? r->rschema
				 : t->step == 3 ? r->oschema
						: r->schema,
				 t->attempt,
				 t};

	if (r->o->method == SPROUT_GEN_MAGPIE && t->step != 2) {
		/* a query: the raw completion of the pre-query text, one seed
		 * per sample so that every request asks for another query */
		const struct chat_template *ct = chat_template_of(r->o->chat_template);
		rq.completion = 1;
		rq.stop = ct->stop;
		rq.nstop = 2;
		rq.has_seed = 1;
		rq.seed = (unsigned long)(r->o->seed * 1000003u + t->vi);
		rq.max_tokens = 256;
	}
	return sprout_llm_submit(r->llm, &rq, r->err);
}

static const char *slot_text(const sprout_record *rec, sprout_slot s, size_t *len)
{
	sprout_text t;
	sprout_record_get(rec, s, &t);
	*len = t.len;
	return t.s;
}

/* The variables of the method's template, in names[], and their values for
 * sub-request sub of rec in values[] (rec NULL: every value NULL, to check
 * a template before any request). step 1 of translate is the way back
 * from pivot. k and words are the caller's buffers for the numbers.
 * Returns the number of variables. */
static size_t template_vars(const struct run *r, const sprout_record *rec, unsigned sub,
			    unsigned step, const char *pivot, const char **names,
			    const char **values, char k[16], char words[16])
{
	const sprout_generate_options *o = r->o;
	size_t len, nv = 0;
	snprintf(k, 16, "%u", r->k);
	snprintf(words, 16, "%u", o->words);
#define VAR(n, v)  (names[nv] = (n), values[nv++] = (v))
#define TEXT(slot) (rec ? slot_text(rec, (slot), &len) : NULL)
	switch (o->method) {
	case SPROUT_GEN_PARAPHRASE:
		VAR("text", TEXT(o->slot));
		VAR("k", k);
		VAR("constraint", sprout_gen_constraint(o->constraints[sub]));
		break;
	case SPROUT_GEN_EXPAND:
	case SPROUT_GEN_REFINE:
		VAR("text", TEXT(o->slot));
		VAR("k", k);
		break;
	case SPROUT_GEN_EVOLVE:
		VAR("text", TEXT(o->slot));
		VAR("operation", sprout_gen_operation(o->operations[sub]));
		break;
	case SPROUT_GEN_TRANSLATE:
		VAR("text", step ? pivot : TEXT(o->slot));
		VAR("language", step ? "English" : o->language);
		break;
	case SPROUT_GEN_RESPOND:
	case SPROUT_GEN_REFUSE:
	case SPROUT_GEN_BRIEF:
	case SPROUT_GEN_BULLETS: {
		const char *v[] = {TEXT(SPROUT_SLOT_PROMPT), TEXT(SPROUT_SLOT_INPUT),
				   TEXT(SPROUT_SLOT_RESPONSE), words, o->scope};
		for (size_t i = 0; i < sizeof v / sizeof *v; i++)
			VAR(respond_vars[i], v[i]);
		break;
	}
	case SPROUT_GEN_PAIRS:
		VAR("examples", NULL); /* filled by the caller */
		VAR("k", k);
		break;
	default: break;
	}
#undef TEXT
#undef VAR
	return nv;
}

/* A request for sub-request sub of record i (step: see template_vars).
 * On failure *out is NULL and nothing is left to free. */
static sprout_code record_task(struct run *r, size_t i, unsigned sub, unsigned step,
			       const char *pivot, struct task **out)
{
	const sprout_generate_options *o = r->o;
	*out = NULL;
	struct task *t = calloc(1, sizeof *t);
	if (!t)
		return nomem(r);
	t->rec = i;
	t->sub = sub;
	t->step = step;
	t->cfg = o->nconfigs ? r->seq % o->nconfigs : 0;
	r->seq++;
	char k[16], words[16];
	const char *names[8], *values[8];
	size_t nv = template_vars(r, rec_at(r, i), sub, step, pivot, names, values, k, words);
	sprout_code rc = render(r, t, names, values, nv);
	if (rc) {
		free_task(t);
		return rc;
	}
	*out = t;
	return SPROUT_OK;
}

/* ---- making records --------------------------------------------------------- */

/* generator: {api, model, temperature?, top_p?} */
static sprout_json *generator_json(sprout_arena *a, const sprout_gen_config *c)
{
	sprout_json *g = sprout_json_new(a, SPROUT_JSON_OBJECT);
	if (!g)
		return NULL;
	const char *api = sprout_llm_api_name(c->ep->api);
	if (sprout_json_set(a, g, "api", sprout_json_string(a, api, strlen(api))) ||
	    sprout_json_set(a, g, "model",
			    sprout_json_string(a, c->ep->model, strlen(c->ep->model))) ||
	    (c->temperature >= 0 &&
	     sprout_json_set(a, g, "temperature", sprout_json_real(a, c->temperature))) ||
	    (c->top_p >= 0 && sprout_json_set(a, g, "top_p", sprout_json_real(a, c->top_p))))
		return NULL;
	return g;
}

static sprout_json *params_json(struct run *r, sprout_arena *a, const struct task *t)
{
	const sprout_generate_options *o = r->o;
	sprout_json *p = sprout_json_new(a, SPROUT_JSON_OBJECT);
	if (!p)
		return NULL;
	const char *key = NULL, *val = NULL;
	switch (o->method) {
	case SPROUT_GEN_PARAPHRASE: key = "constraint", val = o->constraints[t->sub]; break;
	case SPROUT_GEN_EVOLVE: key = "operation", val = o->operations[t->sub]; break;
	case SPROUT_GEN_TRANSLATE: key = "pivot", val = o->language; break;
	case SPROUT_GEN_REFUSE: key = "scope", val = o->scope; break; /* for the judge */
	case SPROUT_GEN_BRIEF:
		if (sprout_json_set(a, p, "words", sprout_json_integer(a, o->words)))
			return NULL;
		break;
	default: break;
	}
	if (key && sprout_json_set(a, p, key, sprout_json_string(a, val, strlen(val))))
		return NULL;
	if (o->method != SPROUT_GEN_PAIRS && o->method != SPROUT_GEN_RESPOND &&
	    o->method != SPROUT_GEN_REFUSE && o->method != SPROUT_GEN_BRIEF &&
	    o->method != SPROUT_GEN_BULLETS) {
		const char *slot = sprout_slot_name(o->slot);
		if (sprout_json_set(a, p, "slot", sprout_json_string(a, slot, strlen(slot))))
			return NULL;
	}
	return p;
}

static int add_rej(struct part *s, const char *check, const char *reason, const char *answer,
		   size_t alen)
{
	return sprout_buf_add(&s->rej, check, strlen(check) + 1) ||
	       sprout_buf_add(&s->rej, reason, strlen(reason) + 1) ||
	       sprout_buf_add(&s->rej, answer ? answer : "", answer ? alen : 0) ||
	       sprout_buf_addc(&s->rej, '\0');
}

static int has_response(const sprout_record *rec)
{
	size_t len;
	slot_text(rec, SPROUT_SLOT_RESPONSE, &len);
	return len > 0;
}

/* Whether the variants of rec wait for a second request, for a response. */
static int regenerates(const struct run *r, const sprout_record *rec)
{
	return r->response == SPROUT_GEN_RESPONSE_REGENERATE && has_response(rec);
}

/* ---- Evol-Instruct's eliminator (Xu et al., 2023, section 3.2) -------------- */

/* Lowercase words of s of 3 letters or more that are not stop words, as
 * "w1 w2 ..." with a space on each side, into b (NUL-terminated). */
static int content_words(sprout_arena *a, const char *s, size_t n, sprout_buf *b)
{
	sprout_tokens tk;
	if (sprout_tokenize(a, s, n, &tk) || sprout_buf_addc(b, ' '))
		return -1;
	for (size_t i = 0; i < tk.n; i++) {
		const sprout_token *w = &tk.v[i];
		if (w->kind != SPROUT_TOK_WORD || w->len < 3 || aug_is_stopword(s + w->off, w->len))
			continue;
		if (sprout_lower(b, s + w->off, w->len) || sprout_buf_addc(b, ' '))
			return -1;
	}
	return sprout_buf_addc(b, '\0');
}

/* Why an evolved instruction failed, or NULL: it copies words of the
 * request that evolved it ("#Rewritten Prompt#"), or, in depth, it adds no
 * content word the original lacks (no information gain). */
static const char *evolution_failed(const struct run *r, unsigned sub, const char *text, size_t len,
				    const char *orig, size_t olen, char *why, size_t n)
{
	static const char *const copied[] = {
	    "given prompt",	      "rewritten prompt",  "#rewritten",
	    "created prompt",	      "given instruction", "rewritten instruction",
	    "original instruction",   "new instruction:",  "<instruction>",
	    "more demanding version",
	};
	sprout_buf low = SPROUT_BUF_INIT((size_t)64 << 20);
	const char *verdict = NULL;
	if (sprout_lower(&low, text, len) || sprout_buf_addc(&low, '\0')) {
		sprout_buf_release(&low);
		return NULL; /* out of memory: no verdict */
	}
	for (size_t i = 0; i < sizeof copied / sizeof *copied && !verdict; i++)
		if (strstr(low.data, copied[i])) {
			snprintf(why, n,
				 "it copies the words of the request that evolved it (\"%s\")",
				 copied[i]);
			verdict = why;
		}
	sprout_buf_release(&low);
	if (verdict || in_breadth(r, sub))
		return verdict;
	sprout_arena *a = sprout_arena_new(0);
	sprout_buf nw = SPROUT_BUF_INIT((size_t)64 << 20), ow = SPROUT_BUF_INIT((size_t)64 << 20);
	if (a && !content_words(a, text, len, &nw) && !content_words(a, orig, olen, &ow)) {
		int gain = 0;
		for (const char *p = nw.data + 1; *p && !gain;) {
			const char *e = strchr(p, ' ');
			char w[96];
			if ((size_t)(e - p) + 3 <= sizeof w) {
				snprintf(w, sizeof w, " %.*s ", (int)(e - p), p);
				gain = !strstr(ow.data, w);
			}
			p = e + 1;
		}
		if (!gain) {
			snprintf(why, n, "no information gain: it adds no word the original lacks");
			verdict = why;
		}
	}
	sprout_buf_release(&nw);
	sprout_buf_release(&ow);
	sprout_arena_free(a);
	return verdict;
}

/* Why the answer to an evolved (or refined) instruction shows the
 * instruction failed, or NULL: a short apology ("sorry" in under 80 words),
 * or nothing but punctuation and stop words. */
static const char *answer_failed(const char *text, size_t len, char *why, size_t n)
{
	sprout_buf low = SPROUT_BUF_INIT((size_t)64 << 20), cw = SPROUT_BUF_INIT((size_t)64 << 20);
	sprout_arena *a = sprout_arena_new(0);
	const char *verdict = NULL;
	size_t words = sprout_count_words(text, len);
	if (a && !sprout_lower(&low, text, len) && !sprout_buf_addc(&low, '\0') &&
	    !content_words(a, text, len, &cw)) {
		if (words < 80 && strstr(low.data, "sorry")) {
			snprintf(why, n, "the answer declines (\"sorry\", %zu words)", words);
			verdict = why;
		} else if (!strcmp(cw.data, " ")) {
			snprintf(why, n, "the answer holds only punctuation and stop words");
			verdict = why;
		}
	}
	sprout_buf_release(&low);
	sprout_buf_release(&cw);
	sprout_arena_free(a);
	return verdict;
}

/* A copy of input i with slot set to text, as a derived record, into out. */
static sprout_code make_variant(struct run *r, const struct task *t, sprout_slot slot,
				const char *text, size_t len, sprout_buf *out)
{
	sprout_arena *a = sprout_arena_new(0);
	if (!a)
		return nomem(r);
	const sprout_record *parent = rec_at(r, t->rec);
	sprout_record child = {sprout_json_copy(a, parent->obj), parent->fmt, a, parent->file,
			       parent->line};
	char method[64];
	snprintf(method, sizeof method, "generate.%s", sprout_gen_name(r->o->method));
	sprout_error e = SPROUT_ERROR_INIT;
	sprout_code rc = child.obj ? SPROUT_OK : SPROUT_ERR_NOMEM;
	if (!rc)
		rc = sprout_record_set(&child, slot, text, len, &e);
	/* the parent's response answers the parent's question */
	const char *response = NULL;
	if (!rc && slot != SPROUT_SLOT_RESPONSE && r->response != SPROUT_GEN_RESPONSE_KEEP &&
	    has_response(parent)) {
		response = r->response == SPROUT_GEN_RESPONSE_STALE ? "stale" : "regenerated";
		if (r->response == SPROUT_GEN_RESPONSE_STALE)
			rc = sprout_record_set(&child, SPROUT_SLOT_RESPONSE, "", 0, &e);
	}
	if (!rc) {
		sprout_json *params = params_json(r, a, t);
		if (params && response &&
		    sprout_json_set(a, params, "response",
				    sprout_json_string(a, response, strlen(response))))
			params = NULL;
		rc = params ? sprout_meta_derive(&child, parent, method, params, &e)
			    : SPROUT_ERR_NOMEM;
	}
	if (!rc) {
		sprout_json *g = generator_json(a, &r->o->configs[t->cfg]);
		sprout_json *meta = sprout_meta_get(&child);
		rc = g && meta ? sprout_json_set(a, meta, "generator", g) : SPROUT_ERR_NOMEM;
	}
	if (!rc) {
		size_t at = out->len;
		rc = sprout_json_write(out, child.obj);
		if (!rc)
			rc = sprout_buf_addc(out, '\n');
		if (rc)
			out->len = at;
	}
	sprout_arena_free(a);
	if (rc == SPROUT_ERR_NOMEM)
		return nomem(r);
	if (rc) { /* the record cannot hold it (a format without the slot) */
		struct part *s = &out_at(r, t->rec)->parts[t->sub];
		if (add_rej(s, "format", e.msg[0] ? e.msg : "the record cannot take the text", NULL,
			    0))
			return nomem(r);
	}
	return SPROUT_OK;
}

/* Normalised for comparing texts: lowercase letters and digits only. */
static int same_text(const char *a, size_t na, const char *b, size_t nb)
{
	size_t i = 0, j = 0;
	for (;;) {
		while (i < na && !((a[i] | 32) >= 'a' && (a[i] | 32) <= 'z') &&
		       !(a[i] >= '0' && a[i] <= '9') && !((unsigned char)a[i] & 0x80))
			i++;
		while (j < nb && !((b[j] | 32) >= 'a' && (b[j] | 32) <= 'z') &&
		       !(b[j] >= '0' && b[j] <= '9') && !((unsigned char)b[j] & 0x80))
			j++;
		if (i == na || j == nb)
			return i == na && j == nb;
		char x = a[i], y = b[j];
		if (x >= 'A' && x <= 'Z')
			x = (char)(x | 32);
		if (y >= 'A' && y <= 'Z')
			y = (char)(y | 32);
		if (x != y)
			return 0;
		i++, j++;
	}
}

/* The items of an answer; 0 when none is usable. */
/* The items of an answer, each with the string fields f[0..nf). */
static size_t read_fields(sprout_arena *a, const char *const *f, size_t nf, const char *text,
			  size_t len, sprout_json ***items, char *why, size_t whylen)
{
	sprout_json *root;
	sprout_error e = SPROUT_ERROR_INIT;
	if (sprout_extract_json(a, text, len, &root, &e)) {
		snprintf(why, whylen, "%s", e.msg);
		return 0;
	}
	size_t n = 0;
	if (sprout_extract_items(a, root, f, nf, items, &n, &e)) {
		snprintf(why, whylen, "%s", e.msg);
		return 0;
	}
	if (!n)
		snprintf(why, whylen, "the answer has no items");
	return n;
}

static size_t read_items(struct run *r, sprout_arena *a, const char *text, size_t len,
			 sprout_json ***items, char *why, size_t whylen)
{
	size_t nf;
	const char *const *f = fields_of(r->o->method, &nf);
	return read_fields(a, f, nf, text, len, items, why, whylen);
}

/* ---- per-record methods --------------------------------------------------- */

static unsigned subs_of(const sprout_generate_options *o)
{
	if (o->method == SPROUT_GEN_PARAPHRASE)
		return (unsigned)o->nconstraints;
	if (o->method == SPROUT_GEN_EVOLVE)
		return (unsigned)o->noperations;
	return 1;
}

/* Why input i is not for this method, or NULL. */
/* Whether slot s of rec holds a NUL character ("\u0000" in the JSON): a
 * prompt is a C string, and would end there. */
static int has_nul(const sprout_record *rec, sprout_slot s)
{
	size_t len;
	const char *t = slot_text(rec, s, &len);
	return memchr(t, '\0', len) != NULL;
}

/* A seed that pairs may show as an example: an instruction, and no NUL. */
static int usable_example(const sprout_record *rec)
{
	size_t len;
	slot_text(rec, SPROUT_SLOT_PROMPT, &len);
	return len && !has_nul(rec, SPROUT_SLOT_PROMPT) && !has_nul(rec, SPROUT_SLOT_INPUT) &&
	       !has_nul(rec, SPROUT_SLOT_RESPONSE);
}

/* Why a record cannot be used by the method, or NULL (why[] may hold it). */
static const char *unsuitable(const sprout_generate_options *o, const sprout_record *rec, char *why,
			      size_t n)
{
	size_t len;
	int whole = o->method == SPROUT_GEN_RESPOND || o->method == SPROUT_GEN_REFUSE ||
		    o->method == SPROUT_GEN_BRIEF || o->method == SPROUT_GEN_BULLETS;
	static const sprout_slot all[] = {SPROUT_SLOT_PROMPT, SPROUT_SLOT_INPUT,
					  SPROUT_SLOT_RESPONSE};
	for (size_t i = 0; i < (whole ? 3 : 1); i++) {
		sprout_slot s = whole ? all[i] : o->slot;
		if (has_nul(rec, s)) {
			snprintf(why, n,
				 "the %s holds a NUL character (\\u0000), which would cut the text "
				 "sent to the model: remove it",
				 sprout_slot_name(s));
			return why;
		}
	}
	switch (o->method) {
	case SPROUT_GEN_RESPOND:
		slot_text(rec, SPROUT_SLOT_RESPONSE, &len);
		return len ? "it already has a response" : NULL;
	case SPROUT_GEN_BRIEF:
	case SPROUT_GEN_BULLETS:
		slot_text(rec, SPROUT_SLOT_RESPONSE, &len);
		return len ? NULL : "it has no response to rewrite";
	default:
		slot_text(rec, o->method == SPROUT_GEN_REFUSE ? SPROUT_SLOT_PROMPT : o->slot, &len);
		return len ? NULL : "the slot to rewrite is empty";
	}
}

static void on_answer(void *ud, const sprout_llm_request *rq, const sprout_llm_answer *an);
static void magpie_answer(struct task *t, const sprout_llm_answer *an);

static sprout_code start_record(struct run *r, size_t i)
{
	struct slot_out *s = out_at(r, i);
	s->started = 1;
	s->nparts = subs_of(r->o);
	if (!(s->parts = calloc(s->nparts, sizeof *s->parts)))
		return nomem(r);
	for (unsigned k = 0; k < s->nparts; k++) {
		sprout_buf_init(&s->parts[k].out, (size_t)1 << 30);
		sprout_buf_init(&s->parts[k].rej, (size_t)1 << 30);
		if (regenerates(r, rec_at(r, i))) {
			if (!(s->parts[k].later = calloc(r->k, sizeof *s->parts[k].later)))
				return nomem(r);
			s->parts[k].nlater = r->k;
			for (unsigned v = 0; v < r->k; v++)
				sprout_buf_init(&s->parts[k].later[v], (size_t)1 << 30);
		}
	}
	char buf[160];
	const char *why = unsuitable(r->o, rec_at(r, i), buf, sizeof buf);
	if (why) {
		if (add_rej(&s->parts[0], "input", why, NULL, 0))
			return nomem(r);
		return SPROUT_OK;
	}
	for (unsigned sub = 0; sub < s->nparts; sub++) {
		struct task *t;
		sprout_code rc = record_task(r, i, sub, 0, NULL, &t);
		if (rc)
			return rc;
		if ((rc = submit(r, t))) {
			free_task(t);
			return rc;
		}
		s->pending++;
	}
	return SPROUT_OK;
}

/* The request for the response of variant vi (child: its JSON line) made
 * by task t: the respond template over the variant's own instruction and
 * input. The record stays pending until it is answered. */
static sprout_code ask_response(struct run *r, const struct task *t, unsigned vi, const char *child,
				size_t len)
{
	sprout_arena *a = sprout_arena_new(0);
	struct task *q = calloc(1, sizeof *q);
	sprout_code rc = a && q ? SPROUT_OK : SPROUT_ERR_NOMEM;
	sprout_json *obj = NULL;
	if (!rc && sprout_json_parse(a, child, len, &obj, NULL))
		rc = SPROUT_ERR_NOMEM; /* sprout wrote it: it parses */
	if (!rc) {
		const sprout_record *parent = rec_at(r, t->rec);
		sprout_record rec = {obj, parent->fmt, a, parent->file, parent->line};
		q->rec = t->rec;
		q->sub = t->sub;
		q->step = 2;
		q->vi = vi;
		q->cfg = t->cfg;
		q->child = dupn(child, len);
		char words[16];
		snprintf(words, sizeof words, "%u", r->o->words);
		size_t l;
		const char *values[] = {slot_text(&rec, SPROUT_SLOT_PROMPT, &l),
					slot_text(&rec, SPROUT_SLOT_INPUT, &l), "", words,
					r->o->scope};
		rc = q->child ? render(r, q, respond_vars, values, 5) : SPROUT_ERR_NOMEM;
	}
	if (!rc)
		rc = submit(r, q);
	sprout_arena_free(a);
	if (rc) {
		free_task(q);
		return rc == SPROUT_ERR_NOMEM ? nomem(r) : (r->fail = rc);
	}
	out_at(r, t->rec)->pending++;
	return SPROUT_OK;
}

/* The check of a request that failed: budget (not sent for --max-cost) or
 * request; failed is a task's (1 or 2). */
static const char *failed_check(int failed)
{
	return failed == 2 ? "budget" : "request";
}

static int failure(const sprout_llm_answer *an)
{
	return an->unsent == SPROUT_LLM_BUDGET ? 2 : 1;
}

/* The answer to a variant's own question: the variant comes out with it. */
static void response_answer(struct run *r, struct task *t, const sprout_llm_answer *an)
{
	struct slot_out *rec = out_at(r, t->rec);
	struct part *s = &rec->parts[t->sub];
	sprout_arena *a = NULL;
	char why[SPROUT_ERROR_MSG_MAX], reason[SPROUT_ERROR_MSG_MAX + 96];
	if (an->code) {
		snprintf(reason, sizeof reason, "the response to the new instruction: %s",
			 an->error);
		if (add_rej(s, failed_check(failure(an)), reason, NULL, 0))
			nomem(r);
		goto done;
	}
	if (!(a = sprout_arena_new(0))) {
		nomem(r);
		goto done;
	}
	sprout_json **items = NULL;
	size_t n = read_fields(a, response_fields, 1, an->text, an->len, &items, why, sizeof why);
	if (!n && !t->attempt) {
		t->attempt = 1; /* asked once more, as any malformed answer */
		if (submit(r, t))
			r->fail = r->fail ? r->fail : SPROUT_ERR_NOMEM;
		sprout_arena_free(a);
		return;
	}
	sprout_json *v = n ? sprout_json_get(items[0], "response") : NULL;
	if (!v || !v->len) {
		snprintf(reason, sizeof reason,
			 "no usable response to the new instruction (asked twice): %s",
			 n ? "the response is empty" : why);
		if (add_rej(s, "answer", reason, an->text, an->len))
			nomem(r);
		goto done;
	}
	if (answer_failed(v->u.s, v->len, why, sizeof why)) {
		if (add_rej(s, "eliminated", why, v->u.s, v->len))
			nomem(r);
		goto done;
	}
	const sprout_record *parent = rec_at(r, t->rec);
	sprout_json *obj = NULL;
	sprout_error e = SPROUT_ERROR_INIT;
	sprout_code rc = sprout_json_parse(a, t->child, strlen(t->child), &obj, &e);
	sprout_record child = {obj, parent->fmt, a, parent->file, parent->line};
	if (!rc)
		rc = sprout_record_set(&child, SPROUT_SLOT_RESPONSE, v->u.s, v->len, &e);
	sprout_buf *out = &s->later[t->vi];
	if (!rc && !(rc = sprout_json_write(out, obj)))
		rc = sprout_buf_addc(out, '\n');
	if (rc)
		nomem(r);
done:
	sprout_arena_free(a);
	rec->pending--;
	free_task(t);
}

/* An answer for a per-record task. */
static void record_answer(struct run *r, struct task *t, const sprout_llm_answer *an)
{
	if (t->step == 2) {
		response_answer(r, t, an);
		return;
	}
	struct slot_out *rec = out_at(r, t->rec);
	struct part *s = &rec->parts[t->sub];
	if (an->code) {
		if (add_rej(s, failed_check(failure(an)), an->error, NULL, 0))
			nomem(r);
		goto done;
	}
	sprout_arena *a = sprout_arena_new(0);
	if (!a) {
		nomem(r);
		goto done;
	}
	sprout_json **items = NULL;
	char why[SPROUT_ERROR_MSG_MAX];
	size_t n = read_items(r, a, an->text, an->len, &items, why, sizeof why);
	if (!n && !t->attempt) {
		/* a malformed answer is asked for once more */
		t->attempt = 1;
		if (submit(r, t))
			r->fail = r->fail ? r->fail : SPROUT_ERR_NOMEM;
		sprout_arena_free(a);
		return; /* still pending */
	}
	if (!n) {
		char reason[SPROUT_ERROR_MSG_MAX + 64];
		snprintf(reason, sizeof reason, "unusable answer (asked twice): %s", why);
		if (add_rej(s, "answer", reason, an->text, an->len))
			nomem(r);
		sprout_arena_free(a);
		goto done;
	}
	if (r->o->method == SPROUT_GEN_TRANSLATE && t->step == 0) {
		/* there: now back */
		sprout_json *v = sprout_json_get(items[0], "text");
		struct task *back;
		sprout_code rc = record_task(r, t->rec, t->sub, 1, v->u.s, &back);
		if (!rc) {
			back->cfg = t->cfg;
			if ((rc = submit(r, back)))
				free_task(back);
		}
		if (rc && !r->fail)
			r->fail = rc;
		sprout_arena_free(a);
		free_task(t);
		return; /* the record stays pending for the way back */
	}
	size_t len;
	const char *orig = slot_text(rec_at(r, t->rec), r->o->slot, &len);
	size_t made = 0, made_or_dropped = 0;
	for (size_t i = 0; i < n && made < r->k && !r->fail; i++) {
		const char *field = fields_of(r->o->method, &(size_t){0})[0];
		sprout_json *v = sprout_json_get(items[i], field);
		if (!v->len)
			continue;
		int response = !strcmp(field, "response");
		if (!response && same_text(v->u.s, v->len, orig, len))
			continue; /* not a variant */
		int dup = 0;
		for (size_t j = 0; j < i && !dup; j++) {
			sprout_json *w = sprout_json_get(items[j], field);
			dup = same_text(v->u.s, v->len, w->u.s, w->len);
		}
		if (dup)
			continue;
		char failed[160];
		if (r->o->method == SPROUT_GEN_EVOLVE &&
		    evolution_failed(r, t->sub, v->u.s, v->len, orig, len, failed, sizeof failed)) {
			if (add_rej(s, "eliminated", failed, v->u.s, v->len))
				nomem(r);
			made_or_dropped++;
			continue;
		}
		if (!response && regenerates(r, rec_at(r, t->rec))) {
			/* the variant waits for the answer to its own question */
			sprout_buf line = SPROUT_BUF_INIT((size_t)1 << 30);
			sprout_code rc = make_variant(r, t, r->o->slot, v->u.s, v->len, &line);
			if (!rc && line.len)
				rc = ask_response(r, t, made, line.data, line.len - 1);
			sprout_buf_release(&line);
			if (rc)
				break;
		} else if (make_variant(r, t, response ? SPROUT_SLOT_RESPONSE : r->o->slot, v->u.s,
					v->len, &s->out)) {
			break;
		}
		made++;
	}
	if (!made && !made_or_dropped && !r->fail &&
	    add_rej(s, "answer", "no new text in the answer (only copies of the input)", an->text,
		    an->len))
		nomem(r);
	sprout_arena_free(a);
done:
	rec->pending--;
	free_task(t);
}

static void free_parts(struct slot_out *s)
{
	for (unsigned k = 0; s->parts && k < s->nparts; k++) {
		sprout_buf_release(&s->parts[k].out);
		sprout_buf_release(&s->parts[k].rej);
		for (unsigned v = 0; v < s->parts[k].nlater; v++)
			sprout_buf_release(&s->parts[k].later[v]);
		free(s->parts[k].later);
	}
	free(s->parts);
	s->parts = NULL;
}

/* Inputs whose requests are all answered come out, in order. */
static sprout_code flush(struct run *r)
{
	while (r->next_out < r->started && out_at(r, r->next_out)->started &&
	       !out_at(r, r->next_out)->pending) {
		size_t i = r->next_out++;
		struct slot_out *s = out_at(r, i);
		if (r->cb->begin && r->cb->begin(r->cb->ctx, i))
			return r->fail = sprout_error_set(r->err, SPROUT_ERR_IO,
							  "cannot write the output");
		for (unsigned k = 0; k < s->nparts; k++) {
			struct part *pt = &s->parts[k];
			for (unsigned v = 0; v <= pt->nlater; v++) {
				/* the variants as made, then those whose response came later */
				const sprout_buf *b = v ? &pt->later[v - 1] : &pt->out;
				const char *p = b->data, *end = p ? p + b->len : p;
				while (p && p < end) {
					const char *nl = memchr(p, '\n', (size_t)(end - p));
					if (r->cb->emit &&
					    r->cb->emit(r->cb->ctx, i, p, (size_t)(nl - p)))
						return r->fail = sprout_error_set(
							   r->err, SPROUT_ERR_IO,
							   "cannot write the output");
					p = nl + 1;
				}
			}
			const char *p, *end;
			p = pt->rej.data, end = p ? p + pt->rej.len : p;
			while (p && p < end) {
				const char *check = p, *reason = check + strlen(check) + 1;
				const char *answer = reason + strlen(reason) + 1;
				if (r->cb->reject && r->cb->reject(r->cb->ctx, i, check, reason,
								   *answer ? answer : NULL))
					return r->fail =
						   sprout_error_set(r->err, SPROUT_ERR_IO,
								    "cannot write the rejects");
				p = answer + strlen(answer) + 1;
			}
		}
		free_parts(s);
		s->started = 0;
		if (r->src->release)
			r->src->release(r->src->ctx, i);
	}
	return SPROUT_OK;
}

/* ---- pairs: Self-Instruct rounds -------------------------------------------- */

struct pool {
	sprout_novelty *nov;
	/* machine tasks accepted so far, as alpaca JSON objects */
	sprout_arena *mem;
	sprout_json **machine;
	size_t nmachine, cap;
	size_t *human; /* inputs with an instruction */
	size_t nhuman;
};

static int add_example(sprout_buf *b, unsigned no, const char *ins, size_t il, const char *in,
		       size_t inl, const char *out, size_t ol)
{
	return sprout_buf_addf(b, "Task %u\nInstruction: %.*s\nInput: %.*s\nOutput: %.*s\n\n", no,
			       (int)il, ins, (int)inl, inl ? in : "(none)", (int)ol,
			       out) != SPROUT_OK;
}

static sprout_code pairs_task(struct run *r, struct pool *p, unsigned round, unsigned b,
			      struct task **out)
{
	const sprout_generate_options *o = r->o;
	sprout_rng rng;
	char id[32];
	snprintf(id, sizeof id, "%u/%u", round, b);
	sprout_rng_init(&rng, o->seed, id, "generate.pairs");
	size_t nh = o->human_examples < p->nhuman ? o->human_examples : p->nhuman;
	size_t nm = o->machine_examples < p->nmachine ? o->machine_examples : p->nmachine;
	/* pick without replacement: a partial shuffle of index copies */
	size_t *hs = malloc((p->nhuman + 1) * sizeof *hs),
	       *ms = malloc((p->nmachine + 1) * sizeof *ms);
	if (!hs || !ms) {
		free(hs), free(ms);
		return nomem(r);
	}
	memcpy(hs, p->human, p->nhuman * sizeof *hs);
	for (size_t i = 0; i < p->nmachine; i++)
		ms[i] = i;
	for (size_t i = 0; i < nh; i++) {
		size_t j = i + (size_t)sprout_rng_below(&rng, p->nhuman - i);
		size_t x = hs[i];
		hs[i] = hs[j], hs[j] = x;
	}
	for (size_t i = 0; i < nm; i++) {
		size_t j = i + (size_t)sprout_rng_below(&rng, p->nmachine - i);
		size_t x = ms[i];
		ms[i] = ms[j], ms[j] = x;
	}
	sprout_buf ex = SPROUT_BUF_INIT((size_t)16 << 20);
	unsigned no = 1;
	int bad = 0;
	for (size_t i = 0; i < nh && !bad; i++) {
		const sprout_record *rec = &r->recs[hs[i]];
		size_t il, inl, ol;
		const char *ins = slot_text(rec, SPROUT_SLOT_PROMPT, &il);
		const char *in = slot_text(rec, SPROUT_SLOT_INPUT, &inl);
		const char *ot = slot_text(rec, SPROUT_SLOT_RESPONSE, &ol);
		bad = add_example(&ex, no++, ins, il, in, inl, ot, ol);
	}
	for (size_t i = 0; i < nm && !bad; i++) {
		const sprout_json *m = p->machine[ms[i]];
		const sprout_json *ins = sprout_json_get(m, "instruction"),
				  *in = sprout_json_get(m, "input"),
				  *ot = sprout_json_get(m, "output");
		bad =
		    add_example(&ex, no++, ins->u.s, ins->len, in->u.s, in->len, ot->u.s, ot->len);
	}
	free(hs);
	free(ms);
	struct task *t = bad ? NULL : calloc(1, sizeof *t);
	sprout_code rc = SPROUT_OK;
	if (!t || sprout_buf_addc(&ex, '\0')) {
		rc = nomem(r);
	} else {
		t->rec = NO_INPUT;
		t->sub = b;
		t->cfg = o->nconfigs ? r->seq % o->nconfigs : 0;
		r->seq++;
		char k[16], words[16];
		const char *names[8], *values[8];
		size_t nv = template_vars(r, NULL, 0, 0, NULL, names, values, k, words);
		values[0] = ex.data;
		rc = render(r, t, names, values, nv);
	}
	sprout_buf_release(&ex);
	if (rc) {
		free_task(t);
		return rc;
	}
	*out = t;
	return SPROUT_OK;
}

static void pairs_answer(struct run *r, struct task *t, const sprout_llm_answer *an)
{
	if (an->code) {
		t->failed = failure(an);
		t->error = dupn(an->error, strlen(an->error));
		return;
	}
	if (!t->attempt) {
		/* keep the first answer; a malformed one is asked again below */
		sprout_arena *a = sprout_arena_new(0);
		sprout_json **items;
		char why[SPROUT_ERROR_MSG_MAX];
		size_t n = !a ? 0
			   : t->step == 3
			       ? read_fields(a, instance_fields, 2, an->text, an->len, &items, why,
					     sizeof why)
			       : read_items(r, a, an->text, an->len, &items, why, sizeof why);
		sprout_arena_free(a);
		if (!n) {
			t->attempt = 1;
			if (submit(r, t))
				nomem(r);
			return;
		}
	}
	free(t->answer);
	t->answer = dupn(an->text, an->len);
	t->anslen = an->len;
	if (!t->answer)
		nomem(r);
}

static int emit_reject(struct run *r, const char *check, const char *reason, const char *answer)
{
	if (r->cb->reject && r->cb->reject(r->cb->ctx, NO_INPUT, check, reason, answer)) {
		r->fail = sprout_error_set(r->err, SPROUT_ERR_IO, "cannot write the rejects");
		return -1;
	}
	return 0;
}

/* A new task as a record in the seeds' format, with its provenance;
 * instances: how pairs made its input and output (input-first or
 * output-first), NULL for magpie. */
static sprout_code emit_pair(struct run *r, const struct task *t, const sprout_json *item,
			     const char *instances, unsigned long *made)
{
	sprout_arena *a = sprout_arena_new(0);
	if (!a)
		return nomem(r);
	sprout_json *obj = sprout_json_new(a, SPROUT_JSON_OBJECT);
	static const char *const keys[] = {"instruction", "input", "output"};
	int bad = !obj;
	for (int i = 0; i < 3 && !bad; i++)
		bad = sprout_json_set(a, obj, keys[i],
				      sprout_json_copy(a, sprout_json_get(item, keys[i])));
	static const sprout_format alpaca = {SPROUT_FORMAT_ALPACA, {{0}}};
	sprout_record rec = {obj, &alpaca, a, NULL, 0};
	sprout_error e = SPROUT_ERROR_INIT;
	sprout_code rc = bad ? SPROUT_ERR_NOMEM : SPROUT_OK;
	if (!rc && r->n && r->recs[0].fmt->kind != SPROUT_FORMAT_ALPACA)
		rc = sprout_record_convert(&rec, r->recs[0].fmt, &e);
	if (!rc)
		rc = sprout_meta_ensure(&rec, &e);
	sprout_json *meta = rc ? NULL : sprout_meta_get(&rec);
	if (!rc) {
		int magpie = r->o->method == SPROUT_GEN_MAGPIE;
		const char *m = magpie ? "generate.magpie" : "generate.pairs";
		const char *ct = magpie ? chat_template_of(r->o->chat_template)->name : NULL;
		sprout_json *params = sprout_json_new(a, SPROUT_JSON_OBJECT);
		rc = !params ||
			     sprout_json_set(a, meta, "method",
					     sprout_json_string(a, m, strlen(m))) ||
			     (magpie ? sprout_json_set(a, params, "chat_template",
						       sprout_json_string(a, ct, strlen(ct)))
				     : sprout_json_set(
					   a, params, "examples",
					   sprout_json_integer(a, (long long)r->o->human_examples +
								      r->o->machine_examples))) ||
			     (instances && sprout_json_set(a, params, "instances",
							   sprout_json_string(
							       a, instances, strlen(instances)))) ||
			     sprout_json_set(a, meta, "params", params) ||
			     sprout_json_set(a, meta, "generator",
					     generator_json(a, &r->o->configs[t->cfg]))
			 ? SPROUT_ERR_NOMEM
			 : SPROUT_OK;
	}
	sprout_buf b = SPROUT_BUF_INIT((size_t)64 << 20);
	if (!rc)
		rc = sprout_json_write(&b, rec.obj);
	if (!rc && r->cb->emit && r->cb->emit(r->cb->ctx, NO_INPUT, b.data, b.len))
		rc = r->fail = sprout_error_set(r->err, SPROUT_ERR_IO, "cannot write the output");
	else if (rc && rc != SPROUT_ERR_IO) {
		char reason[SPROUT_ERROR_MSG_MAX + 40];
		snprintf(reason, sizeof reason, "cannot be written in the seeds' format: %s",
			 e.msg);
		rc = emit_reject(r, "format", reason, NULL) ? r->fail : SPROUT_OK;
	} else {
		(*made)++;
	}
	sprout_buf_release(&b);
	sprout_arena_free(a);
	return rc == SPROUT_ERR_NOMEM ? nomem(r) : rc;
}

static void on_answer(void *ud, const sprout_llm_request *rq, const sprout_llm_answer *an)
{
	struct run *r = ud;
	struct task *t = rq->ctx;
	if (r->o->method == SPROUT_GEN_PAIRS)
		pairs_answer(r, t, an);
	else if (r->o->method == SPROUT_GEN_MAGPIE)
		magpie_answer(t, an);
	else
		record_answer(r, t, an);
}

static sprout_code drive(struct run *r, int until_empty, long *pending)
{
	long left = sprout_llm_step(r->llm, 50, on_answer, r, r->err);
	if (left < 0)
		return r->fail = r->err->code ? r->err->code : SPROUT_ERR_IO;
	if (r->fail)
		return r->fail;
	if (r->cb->progress) {
		sprout_llm_counts c;
		sprout_llm_counts_get(r->llm, &c);
		r->cb->progress(r->cb->ctx, &c);
	}
	*pending = left;
	(void)until_empty;
	return SPROUT_OK;
}

/* Self-Instruct's filters for a new instruction (Wang et al., 2023,
 * section 2.3): a language model cannot carry out a task about an image,
 * a file, a graph, a map, a drawing, a video or audio; an instruction of
 * fewer than 3 or more than 150 words; one that starts with punctuation or
 * with a character that is not a letter. Why into why, or 0. */
static int unfit_task(const char *s, size_t n, char *why, size_t whylen)
{
	static const char *const words[] = {
	    "image", "images", "graph", "graphs", "picture",   "pictures",
	    "file",  "files",  "map",	"maps",	  "draw",      "plot",
	    "go to", "video",  "audio", "music",  "flowchart", "diagram",
	};
	size_t nw = sprout_count_words(s, n);
	if (nw < 3 || nw > 150) {
		snprintf(why, whylen,
			 "the instruction has %zu word%s (Self-Instruct keeps 3 to 150)", nw,
			 nw == 1 ? "" : "s");
		return 1;
	}
	size_t i = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n'))
		i++;
	unsigned char c = i < n ? (unsigned char)s[i] : 0;
	if (!((c | 32) >= 'a' && (c | 32) <= 'z') && c < 0x80) {
		snprintf(why, whylen, "the instruction starts with '%c', not a letter",
			 c ? c : ' ');
		return 1;
	}
	sprout_buf low = SPROUT_BUF_INIT((size_t)64 << 20);
	int hit = 0;
	if (!sprout_buf_addc(&low, ' ') && !sprout_lower(&low, s, n) &&
	    !sprout_buf_addc(&low, ' ') && !sprout_buf_addc(&low, '\0')) {
		for (char *p = low.data; *p; p++) /* words are between spaces */
			if (!((*p | 32) >= 'a' && (*p | 32) <= 'z') && !((unsigned char)*p & 0x80))
				*p = ' ';
		for (size_t k = 0; k < sizeof words / sizeof *words && !hit; k++) {
			char w[32];
			snprintf(w, sizeof w, " %s ", words[k]);
			if (strstr(low.data, w)) {
				snprintf(why, whylen,
					 "the instruction needs more than text (\"%s\"): a "
					 "language model "
					 "cannot do it",
					 words[k]);
				hit = 1;
			}
		}
	}
	sprout_buf_release(&low);
	return hit;
}

/* A query or an answer of Magpie, kept until its round is read. */
static void magpie_answer(struct task *t, const sprout_llm_answer *an)
{
	if (an->code) {
		t->failed = failure(an);
		t->error = dupn(an->error, strlen(an->error));
		return;
	}
	t->answer = dupn(an->text, an->len);
	t->anslen = an->len;
	t->failed = !t->answer;
}

/* The text of an answer without the white space around it, in place. */
static char *trimmed(char *s, size_t *len)
{
	size_t n = *len;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	size_t i = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r'))
		i++;
	s[n] = '\0';
	*len = n - i;
	return s + i;
}

/* Magpie: rounds of --batch raw completions of the chat template's
 * pre-query text, each a user query; a query kept (3 words or more, new by
 * ROUGE-L against the seeds and the queries kept so far, and passing
 * Self-Instruct's filters) is then asked as a plain chat message, and the
 * pair comes out in the seeds' format. Rounds are read in request order. */
static sprout_code run_magpie(struct run *r)
{
	const sprout_generate_options *o = r->o;
	const struct chat_template *ct = chat_template_of(o->chat_template);
	sprout_novelty *nov = sprout_novelty_new(o->novelty);
	struct task **ans = calloc(o->batch, sizeof *ans);
	r->round = calloc(o->batch, sizeof *r->round);
	sprout_code rc = nov && ans && r->round ? SPROUT_OK : nomem(r);
	for (size_t i = 0; !rc && i < r->n; i++) {
		size_t len;
		const char *ins = slot_text(&r->recs[i], SPROUT_SLOT_PROMPT, &len);
		if (len && sprout_novelty_add(nov, ins, len))
			rc = nomem(r);
	}
	unsigned long made = 0, sample = 0;
	unsigned dry = 0;
	while (!rc && made < o->count && dry < 3) {
		for (unsigned b = 0; !rc && b < o->batch; b++) {
			struct task *t = calloc(1, sizeof *t);
			if (!t || !(t->prompt = dupn(ct->pre, strlen(ct->pre)))) {
				free_task(t);
				rc = nomem(r);
				break;
			}
			t->rec = NO_INPUT;
			t->sub = b;
			t->vi = (unsigned)sample++;
			t->cfg = o->nconfigs ? r->seq % o->nconfigs : 0;
			r->seq++;
			r->round[b] = t;
			if ((rc = submit(r, t)))
				break;
		}
		long pending = 1;
		while (!rc && pending)
			rc = drive(r, 1, &pending);
		/* the queries, in request order: those kept are asked */
		for (unsigned b = 0; !rc && b < o->batch; b++) {
			struct task *t = r->round[b];
			ans[b] = NULL;
			if (t->failed) {
				if (emit_reject(r, failed_check(t->failed),
						t->error ? t->error : "failed", NULL))
					rc = r->fail;
				continue;
			}
			size_t len = t->anslen;
			char *q = trimmed(t->answer, &len), why[256];
			double best = 0;
			size_t which = 0;
			const char *check = NULL;
			if (sprout_count_words(q, len) < 3) {
				snprintf(why, sizeof why, "the query has fewer than 3 words");
				check = "magpie";
			} else if (unfit_task(q, len, why, sizeof why)) {
				check = "self-instruct";
			} else if (!sprout_novelty_check(nov, q, len, &best, &which)) {
				snprintf(why, sizeof why,
					 "not new: ROUGE-L %.2f with an earlier query or seed "
					 "(threshold %.2f)",
					 best, o->novelty);
				check = "novelty";
			} else if (sprout_novelty_add(nov, q, len)) {
				rc = nomem(r);
				break;
			}
			if (check) {
				if (emit_reject(r, check, why, q))
					rc = r->fail;
				continue;
			}
			struct task *a = calloc(1, sizeof *a);
			if (!a || !(a->prompt = dupn(q, len)) || !(a->child = dupn(q, len))) {
				free_task(a);
				rc = nomem(r);
				break;
			}
			a->rec = NO_INPUT;
			a->sub = b;
			a->step = 2;
			a->cfg = t->cfg;
			ans[b] = a;
			if ((rc = submit(r, a)))
				break;
		}
		pending = 1;
		while (!rc && pending)
			rc = drive(r, 1, &pending);
		unsigned long before = made;
		for (unsigned b = 0; !rc && b < o->batch; b++) {
			struct task *a = ans[b];
			if (!a)
				continue;
			size_t len = a->anslen;
			char *text = a->failed ? NULL : trimmed(a->answer, &len);
			if (!text || !len || made >= o->count) {
				if (!text || !len)
					rc = emit_reject(
						 r, a->failed ? failed_check(a->failed) : "answer",
						 a->failed ? (a->error ? a->error : "failed")
							   : "an empty answer to the query",
						 a->child)
						 ? r->fail
						 : SPROUT_OK;
				continue;
			}
			sprout_arena *m = sprout_arena_new(0);
			sprout_json *item = m ? sprout_json_new(m, SPROUT_JSON_OBJECT) : NULL;
			if (!item ||
			    sprout_json_set(m, item, "instruction",
					    sprout_json_string(m, a->child, strlen(a->child))) ||
			    sprout_json_set(m, item, "input", sprout_json_string(m, "", 0)) ||
			    sprout_json_set(m, item, "output", sprout_json_string(m, text, len)))
				rc = nomem(r);
			if (!rc)
				rc = emit_pair(r, a, item, NULL, &made);
			sprout_arena_free(m);
		}
		for (unsigned b = 0; b < o->batch; b++) {
			free_task(r->round[b]), r->round[b] = NULL;
			free_task(ans[b]), ans[b] = NULL;
		}
		dry = made > before ? 0 : dry + 1;
	}
	sprout_novelty_free(nov);
	free(ans);
	return rc;
}

/* Whether the model marked a new task as a classification task. */
static int is_classification(const sprout_json *item)
{
	const sprout_json *c = sprout_json_get(item, "classification");
	if (c && c->type == SPROUT_JSON_TRUE)
		return 1;
	if (!c || c->type != SPROUT_JSON_STRING)
		return 0;
	size_t i = 0, n = c->len;
	while (i < n && (c->u.s[i] == ' ' || c->u.s[i] == '"'))
		i++;
	while (n > i && (c->u.s[n - 1] == ' ' || c->u.s[n - 1] == '.' || c->u.s[n - 1] == '"'))
		n--;
	return n - i == 3 && (c->u.s[i] | 32) == 'y' && (c->u.s[i + 1] | 32) == 'e' &&
	       (c->u.s[i + 2] | 32) == 's';
}

/* A classification task of pairs task t: a request for its instances,
 * label first (Self-Instruct's output-first generation), added to *v. */
static sprout_code output_first(struct run *r, const struct task *t, const sprout_json *item,
				struct task ***v, size_t *n, size_t *cap)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		struct task **more = realloc(*v, c * sizeof *more);
		if (!more)
			return nomem(r);
		*v = more;
		*cap = c;
	}
	struct task *q = calloc(1, sizeof *q);
	const sprout_json *ins = sprout_json_get(item, "instruction");
	sprout_code rc = SPROUT_OK;
	if (!q || !(q->child = dupn(ins->u.s, ins->len))) {
		rc = nomem(r);
	} else {
		q->rec = NO_INPUT;
		q->sub = t->sub;
		q->step = 3;
		q->cfg = t->cfg;
		char k[16];
		snprintf(k, sizeof k, "%u", r->k);
		const char *names[] = {"instruction", "k"}, *values[] = {q->child, k};
		rc = render(r, q, names, values, 2);
	}
	if (rc) {
		free_task(q);
		return rc;
	}
	(*v)[(*n)++] = q;
	return SPROUT_OK;
}

/* Ask for the instances of the classification tasks v[0..n) and write
 * them in order: each instance a record, its label the output. */
static sprout_code instances(struct run *r, struct task **v, size_t n, unsigned long *made)
{
	sprout_code rc = SPROUT_OK;
	for (size_t k = 0; !rc && k < n; k++)
		rc = submit(r, v[k]);
	long pending = 1;
	while (!rc && pending)
		rc = drive(r, 1, &pending);
	for (size_t k = 0; !rc && k < n; k++) {
		struct task *q = v[k];
		char why[SPROUT_ERROR_MSG_MAX], reason[SPROUT_ERROR_MSG_MAX + 320];
		if (q->failed) {
			snprintf(reason, sizeof reason,
				 "the instances of a classification task: %s",
				 q->error ? q->error : "failed");
			rc = emit_reject(r, "request", reason, q->child) ? r->fail : SPROUT_OK;
			continue;
		}
		sprout_arena *a = sprout_arena_new(0);
		sprout_json **items = NULL;
		size_t ni = a ? read_fields(a, instance_fields, 2, q->answer, q->anslen, &items,
					    why, sizeof why)
			      : 0;
		if (!a) {
			rc = nomem(r);
			break;
		}
		if (!ni) {
			snprintf(reason, sizeof reason,
				 "no usable instances of the classification task \"%.200s\" (asked "
				 "twice): %s",
				 q->child, why);
			rc = emit_reject(r, "answer", reason, q->answer) ? r->fail : SPROUT_OK;
		}
		for (size_t i = 0; !rc && i < ni && *made < r->o->count; i++) {
			const sprout_json *label = sprout_json_get(items[i], "label");
			const sprout_json *in = sprout_json_get(items[i], "input");
			sprout_json *item = sprout_json_new(a, SPROUT_JSON_OBJECT);
			if (!label->len) {
				snprintf(reason, sizeof reason,
					 "an instance of the classification task \"%.200s\" "
					 "without a label",
					 q->child);
				rc = emit_reject(r, "answer", reason, q->answer) ? r->fail
										 : SPROUT_OK;
			} else if (!item ||
				   sprout_json_set(
				       a, item, "instruction",
				       sprout_json_string(a, q->child, strlen(q->child))) ||
				   sprout_json_set(a, item, "input", sprout_json_copy(a, in)) ||
				   sprout_json_set(a, item, "output", sprout_json_copy(a, label))) {
				rc = nomem(r);
			} else {
				rc = emit_pair(r, q, item, "output-first", made);
			}
		}
		sprout_arena_free(a);
	}
	return rc;
}

static sprout_code run_pairs(struct run *r)
{
	const sprout_generate_options *o = r->o;
	struct pool p = {0};
	p.nov = sprout_novelty_new(o->novelty);
	p.mem = sprout_arena_new(0);
	p.human = malloc((r->n + 1) * sizeof *p.human);
	r->round = calloc(o->batch, sizeof *r->round);
	sprout_code rc = SPROUT_OK;
	if (!p.nov || !p.mem || !p.human || !r->round)
		rc = nomem(r);
	for (size_t i = 0; !rc && i < r->n; i++) {
		size_t len;
		const char *ins = slot_text(&r->recs[i], SPROUT_SLOT_PROMPT, &len);
		if (!usable_example(&r->recs[i]))
			continue;
		p.human[p.nhuman++] = i;
		if (sprout_novelty_add(p.nov, ins, len))
			rc = nomem(r);
	}
	if (!rc && !p.nhuman)
		rc = sprout_error_set(r->err, SPROUT_ERR_USAGE,
				      "pairs needs seed tasks with an instruction");
	unsigned long made = 0;
	unsigned dry = 0;	  /* rounds in a row that added nothing */
	struct task **cls = NULL; /* the round's classification tasks */
	size_t ncls = 0, capcls = 0;
	for (unsigned round = 0; !rc && made < o->count && dry < 3; round++) {
		for (unsigned b = 0; !rc && b < o->batch; b++)
			if (!(rc = pairs_task(r, &p, round, b, &r->round[b])) &&
			    (rc = submit(r, r->round[b])))
				free_task(r->round[b]), r->round[b] = NULL;
		long pending = 1;
		while (!rc && pending)
			rc = drive(r, 1, &pending);
		unsigned long before = made;
		/* read the round in request order: the same answers give the
		 * same tasks, whichever came first */
		for (unsigned b = 0; !rc && b < o->batch; b++) {
			struct task *t = r->round[b];
			if (t->failed) {
				if (emit_reject(r, failed_check(t->failed),
						t->error ? t->error : "failed", NULL))
					rc = r->fail;
				continue;
			}
			sprout_arena *a = sprout_arena_new(0);
			sprout_json **items;
			char why[SPROUT_ERROR_MSG_MAX];
			size_t n =
			    a ? read_items(r, a, t->answer, t->anslen, &items, why, sizeof why) : 0;
			if (!a) {
				rc = nomem(r);
				break;
			}
			if (!n) {
				char reason[SPROUT_ERROR_MSG_MAX + 40];
				snprintf(reason, sizeof reason, "unusable answer (asked twice): %s",
					 why);
				if (emit_reject(r, "answer", reason, t->answer))
					rc = r->fail;
			}
			for (size_t i = 0; !rc && i < n && made < o->count; i++) {
				sprout_json *ins = sprout_json_get(items[i], "instruction");
				sprout_json *out = sprout_json_get(items[i], "output");
				char reason[256];
				double best = 0;
				size_t which = 0;
				sprout_buf js = SPROUT_BUF_INIT(1 << 24);
				int bad =
				    sprout_json_write(&js, items[i]) || sprout_buf_addc(&js, '\0');
				if (bad) {
					rc = nomem(r);
				} else if (!ins->len || !out->len) {
					if (emit_reject(r, "answer",
							"a task without an instruction or an "
							"output",
							js.data))
						rc = r->fail;
				} else if (unfit_task(ins->u.s, ins->len, reason, sizeof reason)) {
					if (emit_reject(r, "self-instruct", reason, js.data))
						rc = r->fail;
				} else if (!sprout_novelty_check(p.nov, ins->u.s, ins->len, &best,
								 &which)) {
					snprintf(
					    reason, sizeof reason,
					    "not new: ROUGE-L %.2f with an earlier instruction "
					    "(threshold %.2f)",
					    best, o->novelty);
					if (emit_reject(r, "novelty", reason, js.data))
						rc = r->fail;
				} else if (sprout_novelty_add(p.nov, ins->u.s, ins->len)) {
					rc = nomem(r);
				} else {
					if (p.nmachine == p.cap) {
						size_t cap = p.cap ? p.cap * 2 : 64;
						sprout_json **v =
						    realloc(p.machine, cap * sizeof *v);
						if (!v) {
							sprout_buf_release(&js);
							rc = nomem(r);
							break;
						}
						p.machine = v;
						p.cap = cap;
					}
					p.machine[p.nmachine++] = sprout_json_copy(p.mem, items[i]);
					if (is_classification(items[i]))
						rc = output_first(r, t, items[i], &cls, &ncls,
								  &capcls);
					else
						rc =
						    emit_pair(r, t, items[i], "input-first", &made);
				}
				sprout_buf_release(&js);
			}
			sprout_arena_free(a);
		}
		/* the classification tasks of the round: their instances, asked
		 * label first, come out after the round's other tasks */
		if (!rc && ncls)
			rc = instances(r, cls, ncls, &made);
		for (size_t k = 0; k < ncls; k++)
			free_task(cls[k]);
		ncls = 0;
		for (unsigned b = 0; b < o->batch; b++)
			free_task(r->round[b]), r->round[b] = NULL;
		dry = made > before ? 0 : dry + 1;
	}
	for (size_t k = 0; k < ncls; k++)
		free_task(cls[k]);
	free(cls);
	sprout_novelty_free(p.nov);
	sprout_arena_free(p.mem);
	free(p.machine);
	free(p.human);
	return rc;
}

/* ---- entry points ------------------------------------------------------------ */

/* Render t with every variable empty: SPROUT_ERR_USAGE (with the place)
 * for an unknown or broken placeholder. */
static sprout_code check_template(const sprout_template *t, const char *const *names, size_t n,
				  sprout_error *err)
{
	const char *values[8] = {0};
	sprout_buf sys = SPROUT_BUF_INIT((size_t)64 << 20),
		   user = SPROUT_BUF_INIT((size_t)64 << 20);
	sprout_code rc = sprout_template_apply(t, names, values, n < 8 ? n : 8, &sys, &user, err);
	sprout_buf_release(&sys);
	sprout_buf_release(&user);
	return rc;
}

static sprout_code setup(struct run *r, const sprout_generate_options *o, sprout_llm *llm,
			 const sprout_record *records, size_t n, sprout_error *err)
{
	memset(r, 0, sizeof *r);
	r->o = o;
	r->llm = llm;
	r->recs = records;
	r->n = n;
	r->err = err;
	r->k = items_per_request(o);
	if (!o->nconfigs)
		return sprout_error_set(err, SPROUT_ERR_USAGE,
					"no model to ask (give a URL and a model)");
	if (o->method == SPROUT_GEN_PARAPHRASE)
		for (size_t i = 0; i < o->nconstraints; i++)
			if (!sprout_gen_constraint(o->constraints[i]))
				return sprout_error_set(
				    err, SPROUT_ERR_USAGE,
				    "unknown constraint '%s' (expected casual, "
				    "typos, slang, incomplete, non-native or formal)",
				    o->constraints[i]);
	if (o->method == SPROUT_GEN_EVOLVE)
		for (size_t i = 0; i < o->noperations; i++)
			if (!sprout_gen_operation(o->operations[i]))
				return sprout_error_set(
				    err, SPROUT_ERR_USAGE,
				    "unknown operation '%s' (expected constraints, "
				    "deepen, concretize, reasoning or breadth)",
				    o->operations[i]);
	if (o->method == SPROUT_GEN_PAIRS && (!o->batch || !o->count))
		return sprout_error_set(err, SPROUT_ERR_USAGE,
					"pairs needs a count and a batch above 0");
	if (!(r->mem = sprout_arena_new(0)))
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	if (o->method == SPROUT_GEN_MAGPIE) {
		/* no prompt of sprout's own: the model's chat template */
		if (!chat_template_of(o->chat_template))
			return sprout_error_set(
			    err, SPROUT_ERR_USAGE,
			    "unknown chat template '%s' (expected llama3, chatml, "
			    "gemma, phi3 or mistral)",
			    o->chat_template);
		if (!o->batch || !o->count)
			return sprout_error_set(err, SPROUT_ERR_USAGE,
						"magpie needs a count and a batch above 0");
		for (size_t i = 0; i < o->nconfigs; i++)
			if (o->configs[i].ep->api != SPROUT_LLM_OPENAI)
				return sprout_error_set(
				    err, SPROUT_ERR_USAGE,
				    "magpie needs an OpenAI-compatible server with "
				    "/v1/completions (llama.cpp, vLLM, Ollama)");
		r->response = SPROUT_GEN_RESPONSE_KEEP;
		return SPROUT_OK;
	}
	sprout_code rc =
	    sprout_template_load(r->mem, sprout_gen_name(o->method), o->prompts_dir, &r->tmpl, err);
	if (rc)
		return rc;
	/* a template with an unknown or broken placeholder fails here, once,
	 * before any request */
	char k[16], words[16];
	const char *names[8], *values[8];
	size_t nv = template_vars(r, NULL, 0, 0, NULL, names, values, k, words);
	if ((rc = check_template(&r->tmpl, names, nv, err)))
		return rc;
	if (o->method == SPROUT_GEN_PAIRS) {
		static const char *const onames[] = {"instruction", "k"};
		if ((rc = sprout_template_load(r->mem, "output-first", o->prompts_dir, &r->otmpl,
					       err)) ||
		    (rc = check_template(&r->otmpl, onames, 2, err)))
			return rc;
		sprout_buf b = SPROUT_BUF_INIT(1 << 16);
		if (!o->no_schema &&
		    (build_schema_of(&b, instance_fields, 2, 0, r->k) ||
		     !(r->oschema = sprout_arena_strndup(r->mem, b.data, b.len - 1)))) {
			sprout_buf_release(&b);
			return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		}
		sprout_buf_release(&b);
	}
	for (size_t i = 0; o->method == SPROUT_GEN_EVOLVE && i < o->noperations; i++)
		if (!strcmp(o->operations[i], "breadth")) {
			if ((rc = sprout_template_load(r->mem, "breadth", o->prompts_dir, &r->btmpl,
						       err)) ||
			    (rc = check_template(&r->btmpl, names, nv, err)))
				return rc;
			break;
		}
	/* what a rewrite of the question does to the answer */
	int rewrites = (o->method == SPROUT_GEN_PARAPHRASE || o->method == SPROUT_GEN_EXPAND ||
			o->method == SPROUT_GEN_REFINE || o->method == SPROUT_GEN_EVOLVE ||
			o->method == SPROUT_GEN_TRANSLATE) &&
		       (o->slot == SPROUT_SLOT_PROMPT || o->slot == SPROUT_SLOT_INPUT);
	r->response = o->response;
	if (!rewrites)
		r->response = SPROUT_GEN_RESPONSE_KEEP;
	else if (r->response == SPROUT_GEN_RESPONSE_AUTO)
		r->response = o->method == SPROUT_GEN_EVOLVE || o->method == SPROUT_GEN_REFINE
				  ? SPROUT_GEN_RESPONSE_REGENERATE
				  : SPROUT_GEN_RESPONSE_KEEP;
	if (r->response == SPROUT_GEN_RESPONSE_REGENERATE) {
		if ((rc = sprout_template_load(r->mem, "respond", o->prompts_dir, &r->rtmpl, err)))
			return rc;
		if ((rc = check_template(&r->rtmpl, respond_vars, 5, err)))
			return rc;
	}
	if (!o->no_schema && r->response == SPROUT_GEN_RESPONSE_REGENERATE) {
		sprout_buf b = SPROUT_BUF_INIT(1 << 16);
		if (build_schema(&b, SPROUT_GEN_RESPOND, 1) ||
		    !(r->rschema = sprout_arena_strndup(r->mem, b.data, b.len - 1))) {
			sprout_buf_release(&b);
			return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		}
		sprout_buf_release(&b);
	}
	if (!o->no_schema) {
		sprout_buf b = SPROUT_BUF_INIT(1 << 16);
		if (build_schema(&b, o->method, r->k)) {
			sprout_buf_release(&b);
			return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		}
		r->schema = sprout_arena_strndup(r->mem, b.data, b.len - 1);
		sprout_buf_release(&b);
		if (!r->schema)
			return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	}
	return SPROUT_OK;
}

/* Methods with a list default to its first entries. */
static void defaults(sprout_generate_options *o, const char **c1, const char **o2)
{
	if (o->method == SPROUT_GEN_PARAPHRASE && !o->nconstraints) {
		c1[0] = "casual";
		o->constraints = c1;
		o->nconstraints = 1;
	}
	if (o->method == SPROUT_GEN_EVOLVE && !o->noperations) {
		o2[0] = "constraints";
		o2[1] = "deepen";
		o->operations = o2;
		o->noperations = 2;
	}
}

/* Twice the room for held inputs (batches hold them all). */
static sprout_code ring_grow(struct run *r)
{
	size_t cap = r->cap * 2;
	const sprout_record **ring = calloc(cap, sizeof *ring);
	struct slot_out *outs = calloc(cap, sizeof *outs);
	if (!ring || !outs) {
		free(ring);
		free(outs);
		return nomem(r);
	}
	for (size_t i = r->next_out; i < r->started; i++) {
		ring[i & (cap - 1)] = rec_at(r, i);
		outs[i & (cap - 1)] = *out_at(r, i);
	}
	free(r->ring);
	free(r->outs);
	r->ring = ring;
	r->outs = outs;
	r->cap = cap;
	return SPROUT_OK;
}

/* The per-record methods: inputs are read as the window of requests
 * allows, at most AHEAD of them held until they come out in order (with
 * batches, all of them: a batch takes every request at once). */
static sprout_code run_records(struct run *r, const sprout_gen_source *src)
{
	r->src = src;
	r->cap = AHEAD;
	r->ring = calloc(r->cap, sizeof *r->ring);
	r->outs = calloc(r->cap, sizeof *r->outs);
	sprout_code rc = r->ring && r->outs ? SPROUT_OK : nomem(r);
	int batches = sprout_llm_batches(r->llm);
	long pending = 0;
	int end = 0;
	while (!rc && (!end || pending || r->next_out < r->started)) {
		/* keep a window of requests queued ahead of the answers */
		while (!rc && !end && ((size_t)pending < WINDOW || batches)) {
			if (r->started - r->next_out == r->cap && (!batches || (rc = ring_grow(r))))
				break;
			const sprout_record *rec = NULL;
			int got = src->next(src->ctx, r->started, &rec, r->err);
			if (got < 0) {
				rc = r->fail = r->err->code ? r->err->code : SPROUT_ERR_IO;
			} else if (!got) {
				end = 1;
			} else {
				r->ring[r->started & (r->cap - 1)] = rec;
				rc = start_record(r, r->started++);
				pending += (long)subs_of(r->o);
			}
		}
		if (!rc && (pending || r->next_out < r->started))
			rc = drive(r, 0, &pending);
		if (!rc)
			rc = flush(r);
	}
	for (size_t i = r->next_out; r->outs && i < r->started; i++)
		free_parts(out_at(r, i));
	if (rc) /* stopped early: the tasks still asked are this run's */
		sprout_llm_abandon(r->llm, free_task_ctx);
	free(r->ring);
	free(r->outs);
	return rc;
}

struct array_source {
	const sprout_record *recs;
	size_t n;
};

static int array_next(void *ctx, size_t idx, const sprout_record **rec, sprout_error *err)
{
	const struct array_source *a = ctx;
	(void)err;
	if (idx >= a->n)
		return 0;
	*rec = &a->recs[idx];
	return 1;
}

sprout_code sprout_generate(const sprout_generate_options *opts, sprout_llm *llm,
			    const sprout_record *records, size_t n, const sprout_gen_callbacks *cb,
			    sprout_error *err)
{
	if (opts->method != SPROUT_GEN_MAGPIE && opts->method != SPROUT_GEN_PAIRS) {
		struct array_source a = {records, n};
		sprout_gen_source src = {array_next, NULL, &a};
		return sprout_generate_stream(opts, llm, &src, cb, err);
	}
	sprout_generate_options o = *opts;
	const char *c1[1], *o2[2];
	defaults(&o, c1, o2);
	struct run r;
	sprout_code rc = setup(&r, &o, llm, records, n, err);
	r.cb = cb;
	if (!rc && o.method == SPROUT_GEN_MAGPIE)
		rc = run_magpie(&r);
	else if (!rc)
		rc = run_pairs(&r);
	free(r.round);
	sprout_arena_free(r.mem);
	return rc ? rc : r.fail;
}

sprout_code sprout_generate_stream(const sprout_generate_options *opts, sprout_llm *llm,
				   const sprout_gen_source *src, const sprout_gen_callbacks *cb,
				   sprout_error *err)
{
	if (opts->method == SPROUT_GEN_MAGPIE || opts->method == SPROUT_GEN_PAIRS)
		return sprout_error_set(err, SPROUT_ERR_USAGE,
					"%s reads all its seeds first: use sprout_generate",
					sprout_gen_name(opts->method));
	sprout_generate_options o = *opts;
	const char *c1[1], *o2[2];
	defaults(&o, c1, o2);
	struct run r;
	sprout_code rc = setup(&r, &o, llm, NULL, 0, err);
	r.cb = cb;
	if (!rc)
		rc = run_records(&r, src);
	sprout_arena_free(r.mem);
	return rc ? rc : r.fail;
}

/* ---- the plan ------------------------------------------------------------------ */

sprout_code sprout_generate_plan(const sprout_generate_options *opts, sprout_llm *llm,
				 const sprout_record *records, size_t n, sprout_gen_plan *plan,
				 sprout_error *err)
{
	sprout_generate_options o = *opts;
	const char *c1[1], *o2[2];
	defaults(&o, c1, o2);
	struct run r;
	memset(plan, 0, sizeof *plan);
	sprout_code rc = setup(&r, &o, llm, records, n, err);
	if (!rc && o.method == SPROUT_GEN_MAGPIE) {
		/* at least a query and an answer for each pair; more when queries
		 * are not new */
		unsigned long rounds = (o.count + o.batch - 1) / o.batch;
		plan->requests = 2 * rounds * o.batch;
		plan->prompt_tokens = rounds * o.batch * (8 + 40);
		plan->answer_tokens = rounds * o.batch * (40 + 300);
	} else if (!rc && o.method == SPROUT_GEN_PAIRS) {
		/* at least the rounds it takes if every task is new */
		unsigned long per_round = (unsigned long)o.batch * r.k;
		unsigned long rounds = (o.count + per_round - 1) / per_round;
		struct pool p = {0};
		p.human = malloc((n + 1) * sizeof *p.human);
		if (!p.human)
			rc = sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		for (size_t i = 0; !rc && i < n; i++) {
			if (usable_example(&records[i]))
				p.human[p.nhuman++] = i;
		}
		for (unsigned b = 0; !rc && p.nhuman && b < o.batch; b++) {
			struct task *t;
			if ((rc = pairs_task(&r, &p, 0, b, &t)))
				break;
			const sprout_gen_config *c = &o.configs[t->cfg];
			sprout_llm_request rq = {
			    c->ep,     c->temperature, c->top_p, o.answer_tokens,
			    t->system, t->prompt,      r.schema, 0,
			    NULL};
			plan->cached += (unsigned long)sprout_llm_cached(llm, &rq);
			plan->prompt_tokens +=
			    (strlen(t->prompt) + (t->system ? strlen(t->system) : 0)) / 4 * rounds;
			free_task(t);
		}
		free(p.human);
		plan->requests = rounds * o.batch;
		plan->answer_tokens = (unsigned long long)o.count * 60;
	} else if (!rc) {
		for (size_t i = 0; !rc && i < n; i++) {
			char why[160];
			if (unsuitable(&o, &records[i], why, sizeof why))
				continue;
			for (unsigned sub = 0; !rc && sub < subs_of(&o); sub++) {
				struct task *t;
				if ((rc = record_task(&r, i, sub, 0, NULL, &t)))
					break;
				const sprout_gen_config *c = &o.configs[t->cfg];
				sprout_llm_request rq = {
				    c->ep,     c->temperature, c->top_p, o.answer_tokens,
				    t->system, t->prompt,      r.schema, 0,
				    NULL};
				unsigned long steps = o.method == SPROUT_GEN_TRANSLATE ? 2 : 1;
				plan->requests += steps;
				plan->cached += (unsigned long)sprout_llm_cached(llm, &rq);
				size_t plen =
				    strlen(t->prompt) + (t->system ? strlen(t->system) : 0);
				size_t len;
				slot_text(&records[i],
					  o.method >= SPROUT_GEN_RESPOND &&
						  o.method <= SPROUT_GEN_REFUSE
					      ? SPROUT_SLOT_RESPONSE
					      : o.slot,
					  &len);
				if (!len)
					slot_text(&records[i], SPROUT_SLOT_PROMPT, &len);
				/* an answer is about k inputs long, in JSON; a new response
				 * some hundred tokens */
				unsigned long long ans =
				    o.method == SPROUT_GEN_RESPOND || o.method == SPROUT_GEN_REFUSE
					? 150
					: (unsigned long long)(len / 4 + 8) * r.k;
				plan->prompt_tokens += (plen / 4) * steps;
				plan->answer_tokens += ans * steps;
				if (regenerates(&r, &records[i])) {
					/* a response for each variant: its question is new, so
					 * the cache cannot be asked before */
					size_t rl =
					    strlen(r.rtmpl.system) + strlen(r.rtmpl.user) + len;
					plan->requests += r.k;
					plan->prompt_tokens += (unsigned long long)(rl / 4) * r.k;
					plan->answer_tokens += 150ull * r.k;
				}
				free_task(t);
			}
		}
	}
	sprout_arena_free(r.mem);
	return rc;
}
