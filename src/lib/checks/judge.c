/* A language model as a judge of records. See sprout/judge.h. */
#include "sprout/judge.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sprout/arena.h"
#include "sprout/extract.h"
#include "sprout/json.h"
#include "sprout/meta.h"
#include "sprout/template.h"

static const char *const rubric_names[SPROUT_RUBRIC__COUNT] = {"meaning", "response", "fluency",
							       "scope"};

const char *sprout_rubric_name(sprout_rubric r)
{
	return (unsigned)r < SPROUT_RUBRIC__COUNT ? rubric_names[r] : "?";
}

sprout_code sprout_rubric_parse(const char *name, sprout_rubric *out, sprout_error *err)
{
	for (int r = 0; r < SPROUT_RUBRIC__COUNT; r++)
		if (!strcmp(name, rubric_names[r])) {
			*out = (sprout_rubric)r;
			return SPROUT_OK;
		}
	return sprout_error_set(
	    err, SPROUT_ERR_USAGE,
	    "unknown rubric '%s' (expected meaning, response, fluency or scope)", name);
}

int sprout_rubric_default_min(sprout_rubric r)
{
	return r == SPROUT_RUBRIC_FLUENCY ? 3 : 4;
}

/* ---- the answer ------------------------------------------------------------- */

sprout_code sprout_judge_read(const char *text, size_t len, int *score, sprout_buf *reason,
			      sprout_error *err)
{
	sprout_arena *a = sprout_arena_new(0);
	if (!a)
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	sprout_json *root = NULL;
	sprout_code rc = sprout_extract_json(a, text, len, &root, err);
	if (!rc && root->type == SPROUT_JSON_OBJECT) {
		/* {"items": [{...}]}, as the generate prompts ask */
		const sprout_json *items = sprout_json_get(root, "items");
		if (!sprout_json_get(root, "score") && items && items->type == SPROUT_JSON_ARRAY &&
		    items->len)
			root = items->u.items[0];
	} else if (!rc && root->type == SPROUT_JSON_ARRAY) {
		root = root->len ? root->u.items[0] : root;
	}
	if (!rc && root->type != SPROUT_JSON_OBJECT)
		rc = sprout_error_set(err, SPROUT_ERR_JSON, "the answer is not a JSON object");
	const sprout_json *s = rc ? NULL : sprout_json_get(root, "score");
	const sprout_json *why = rc ? NULL : sprout_json_get(root, "reason");
	double v = NAN;
	if (s && s->type == SPROUT_JSON_NUMBER)
		v = sprout_json_number(s);
	else if (s && s->type == SPROUT_JSON_STRING && s->len == 1)
		v = s->u.s[0] >= '0' && s->u.s[0] <= '9' ? s->u.s[0] - '0' : NAN;
	if (rc) {
		/* err says why */
	} else if (!s) {
		rc = sprout_error_set(err, SPROUT_ERR_JSON, "the answer has no \"score\"");
	} else if (!(v >= 1 && v <= 5 && v == floor(v))) {
		rc = sprout_error_set(
		    err, SPROUT_ERR_JSON, "the score %.*s is not a whole number from 1 to 5",
		    (int)(s->type == SPROUT_JSON_NUMBER || s->type == SPROUT_JSON_STRING
			      ? (s->len > 40 ? 40 : s->len)
			      : 0),
		    s->type == SPROUT_JSON_NUMBER || s->type == SPROUT_JSON_STRING ? s->u.s : "");
	} else if (!why || why->type != SPROUT_JSON_STRING) {
		rc = sprout_error_set(err, SPROUT_ERR_JSON, "the answer has no \"reason\" string");
	} else if (sprout_buf_add(reason, why->u.s, why->len) || sprout_buf_addc(reason, '\0')) {
		rc = sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	} else {
		reason->len--; /* the NUL stays after the text */
		*score = (int)v;
	}
	sprout_arena_free(a);
	return rc;
}

/* ---- the judge ---------------------------------------------------------------- */

#define SCHEMA                                                                                     \
	"{\"type\":\"object\",\"properties\":{\"reason\":{\"type\":\"string\"},"                   \
	"\"score\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":5}},"                           \
	"\"required\":[\"reason\",\"score\"],\"additionalProperties\":false}"

/* the variables every judge template may use */
static const char *const var_names[] = {"instruction", "input",	  "response", "text",
					"original",    "variant", "scope"};
#define NVARS (sizeof var_names / sizeof *var_names)

/* A record on its way: what each rubric said so far. */
struct entry {
	size_t idx;
	unsigned pending;
	int asked[SPROUT_RUBRIC__COUNT];
	int score[SPROUT_RUBRIC__COUNT];
	char *reason[SPROUT_RUBRIC__COUNT];
	char *answer[SPROUT_RUBRIC__COUNT];
};

/* One request. */
struct ask {
	struct entry *e;
	sprout_rubric rubric;
	unsigned attempt;
	char *system, *prompt;
};

struct sprout_judge {
	sprout_judge_options o;
	sprout_rubric rubrics[SPROUT_RUBRIC__COUNT];
	sprout_llm *llm;
	sprout_arena *mem;
	sprout_template tmpl[SPROUT_RUBRIC__COUNT];
	struct entry **q; /* pushed, not handed over: q[head..n) */
	size_t head, n, cap;
	sprout_code fail; /* set inside the answer callback */
	sprout_error *err;
};

void sprout_judge_options_init(sprout_judge_options *o)
{
	memset(o, 0, sizeof *o);
	o->temperature = 0;
	o->slots[SPROUT_SLOT_PROMPT] = 1;
}

static void free_entry(struct entry *e)
{
	if (!e)
		return;
	for (int r = 0; r < SPROUT_RUBRIC__COUNT; r++) {
		free(e->reason[r]);
		free(e->answer[r]);
	}
	free(e);
}

static void free_ask(struct ask *q)
{
	if (!q)
		return;
	free(q->system);
	free(q->prompt);
	free(q);
}

void sprout_judge_free(sprout_judge *j)
{
	if (!j)
		return;
	for (size_t i = j->head; i < j->n; i++)
		free_entry(j->q[i]); /* their requests are dropped with the client */
	free(j->q);
	sprout_arena_free(j->mem);
	free(j);
}

sprout_judge *sprout_judge_new(const sprout_judge_options *o, sprout_llm *llm, sprout_error *err)
{
	if (!o->nrubrics || o->nrubrics > SPROUT_RUBRIC__COUNT) {
		sprout_error_set(err, SPROUT_ERR_USAGE,
				 "the judge needs one rubric or more "
				 "(meaning, response, fluency, scope)");
		return NULL;
	}
	sprout_judge *j = calloc(1, sizeof *j);
	if (!j || !(j->mem = sprout_arena_new(0))) {
		free(j);
		sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		return NULL;
	}
	j->o = *o;
	j->llm = llm;
	int seen[SPROUT_RUBRIC__COUNT] = {0};
	for (size_t i = 0; i < o->nrubrics; i++) {
		sprout_rubric r = o->rubrics[i];
		if ((unsigned)r >= SPROUT_RUBRIC__COUNT || seen[r]) {
			sprout_error_set(err, SPROUT_ERR_USAGE, "rubric '%s' is given twice",
					 sprout_rubric_name(r));
			goto fail;
		}
		seen[r] = 1;
		j->rubrics[i] = r;
	}
	j->o.rubrics = j->rubrics;
	for (int r = 0; r < SPROUT_RUBRIC__COUNT; r++) {
		if (!j->o.min[r])
			j->o.min[r] = sprout_rubric_default_min((sprout_rubric)r);
		if (j->o.min[r] < 1 || j->o.min[r] > 5) {
			sprout_error_set(
			    err, SPROUT_ERR_USAGE,
			    "the threshold of rubric %s is %d: it is a score from 1 to 5",
			    rubric_names[r], j->o.min[r]);
			goto fail;
		}
		if (!seen[r])
			continue;
		char name[32];
		snprintf(name, sizeof name, "judge-%s", rubric_names[r]);
		if (sprout_template_load(j->mem, name, o->prompts_dir, &j->tmpl[r], err))
			goto fail;
		/* a template with an unknown or broken placeholder fails here */
		const char *values[NVARS] = {0};
		sprout_buf sys = SPROUT_BUF_INIT(1 << 20), user = SPROUT_BUF_INIT(1 << 20);
		sprout_code rc =
		    sprout_template_apply(&j->tmpl[r], var_names, values, NVARS, &sys, &user, err);
		sprout_buf_release(&sys);
		sprout_buf_release(&user);
		if (rc)
			goto fail;
	}
	return j;
fail:
	sprout_judge_free(j);
	return NULL;
}

/* ---- requests -------------------------------------------------------------------- */

static const char *slot_text(const sprout_record *r, sprout_slot s, size_t *len)
{
	sprout_text t;
	if (!sprout_record_get(r, s, &t)) {
		*len = 0;
		return "";
	}
	*len = t.len;
	return t.s;
}

/* The checked slots joined by a blank line into b (NUL-terminated): r's
 * (side 0); for the meaning rubric, only the slots both r and its parent
 * have: r's (side 1) or the parent's (side 2). */
static int joined(const sprout_judge *j, const sprout_record *r, sprout_judge_parent parent,
		  int side, sprout_buf *b)
{
	for (int s = 0; s < SPROUT_SLOT__COUNT; s++) {
		sprout_text t;
		if (!j->o.slots[s] || !(sprout_record_get(r, (sprout_slot)s, &t) && t.len))
			continue;
		if (side && !(parent[s].s && parent[s].len))
			continue;
		if (side == 2)
			t = parent[s];
		if ((b->len && sprout_buf_adds(b, "\n\n")) || sprout_buf_add(b, t.s, t.len))
			return -1;
	}
	if (sprout_buf_addc(b, '\0'))
		return -1;
	b->len--;
	return 0;
}

static const char *meta_string(const sprout_record *r, const char *key, const char *sub)
{
	const sprout_json *m = sprout_meta_get(r);
	const sprout_json *v = m ? sprout_json_get(m, key) : NULL;
	if (v && sub)
		v = v->type == SPROUT_JSON_OBJECT ? sprout_json_get(v, sub) : NULL;
	return v && v->type == SPROUT_JSON_STRING ? v->u.s : NULL;
}

/* The request of rubric ru for r into q (system and prompt): 1 when the
 * rubric applies to r, 0 when not, -1 out of memory; a text holding a NUL
 * character gives 2 with why[] set (the text sent would end there). */
static int build(sprout_judge *j, const sprout_record *r, sprout_judge_parent parent,
		 sprout_rubric ru, struct ask *q, char *why, size_t nwhy, sprout_error *err)
{
	size_t ilen, inlen, rlen;
	const char *ins = slot_text(r, SPROUT_SLOT_PROMPT, &ilen);
	const char *in = slot_text(r, SPROUT_SLOT_INPUT, &inlen);
	const char *resp = slot_text(r, SPROUT_SLOT_RESPONSE, &rlen);
	sprout_buf text = SPROUT_BUF_INIT((size_t)64 << 20),
		   orig = SPROUT_BUF_INIT((size_t)64 << 20),
		   var = SPROUT_BUF_INIT((size_t)64 << 20);
	int applies = 0, bad = 0;
	const char *scope = j->o.scope ? j->o.scope : meta_string(r, "params", "scope");
	switch (ru) {
	case SPROUT_RUBRIC_MEANING:
		bad = parent && (joined(j, r, parent, 1, &var) || joined(j, r, parent, 2, &orig));
		applies = parent && var.len;
		break;
	case SPROUT_RUBRIC_RESPONSE: applies = ilen && rlen; break;
	case SPROUT_RUBRIC_FLUENCY:
		bad = joined(j, r, NULL, 0, &text);
		applies = text.len > 0;
		break;
	case SPROUT_RUBRIC_SCOPE: {
		const char *m = meta_string(r, "method", NULL);
		applies = m && !strcmp(m, "generate.refuse") && ilen && rlen;
		break;
	}
	default: break;
	}
	const char *values[NVARS] = {ins,
				     in,
				     resp,
				     text.data ? text.data : "",
				     orig.data ? orig.data : "",
				     var.data ? var.data : "",
				     scope ? scope : "a general-purpose assistant"};
	const size_t lens[NVARS] = {ilen, inlen, rlen, text.len, orig.len, var.len, 0};
	int rc = bad ? -1 : applies;
	for (size_t i = 0; rc == 1 && i < NVARS - 1; i++)
		if (memchr(values[i], '\0', lens[i])) {
			snprintf(
			    why, nwhy,
			    "the %s holds a NUL character (\\u0000), which would cut the text sent "
			    "to the judge",
			    var_names[i]);
			rc = 2;
		}
	if (rc == 1) {
		sprout_buf sys = SPROUT_BUF_INIT((size_t)256 << 20),
			   user = SPROUT_BUF_INIT((size_t)256 << 20);
		if (sprout_template_apply(&j->tmpl[ru], var_names, values, NVARS, &sys, &user,
					  err) ||
		    (sys.len && !(q->system = strndup(sys.data, sys.len))) ||
		    !(q->prompt = strndup(user.data ? user.data : "", user.len)))
			rc = -1;
		sprout_buf_release(&sys);
		sprout_buf_release(&user);
	}
	sprout_buf_release(&text);
	sprout_buf_release(&orig);
	sprout_buf_release(&var);
	if (rc < 0 && !err->code)
		sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	return rc;
}

static sprout_llm_request request_of(const sprout_judge *j, struct ask *q)
{
	sprout_llm_request rq = {j->o.ep,
				 j->o.temperature,
				 -1,
				 j->o.answer_tokens,
				 q->system,
				 q->prompt,
				 j->o.no_schema ? NULL : SCHEMA,
				 q->attempt,
				 q};
	return rq;
}

static sprout_code submit(sprout_judge *j, struct ask *q, sprout_error *err)
{
	sprout_llm_request rq = request_of(j, q);
	return sprout_llm_submit(j->llm, &rq, err);
}

sprout_code sprout_judge_push(sprout_judge *j, const sprout_record *r, sprout_judge_parent parent,
			      size_t idx, sprout_error *err)
{
	if (j->n == j->cap) {
		if (j->head) { /* the handed over ones make room */
			memmove(j->q, j->q + j->head, (j->n - j->head) * sizeof *j->q);
			j->n -= j->head;
			j->head = 0;
		}
		if (j->n == j->cap) {
			size_t cap = j->cap ? j->cap * 2 : 256;
			struct entry **v = realloc(j->q, cap * sizeof *v);
			if (!v)
				return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
			j->q = v;
			j->cap = cap;
		}
	}
	struct entry *e = calloc(1, sizeof *e);
	if (!e)
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	e->idx = idx;
	j->q[j->n++] = e;
	for (size_t i = 0; i < j->o.nrubrics; i++) {
		sprout_rubric ru = j->o.rubrics[i];
		struct ask *q = calloc(1, sizeof *q);
		char why[160];
		int b = q ? build(j, r, parent, ru, q, why, sizeof why, err) : -1;
		if (b == 2 && !(e->reason[ru] = strndup(why, strlen(why))))
			b = -1;
		if (b == 1) {
			q->e = e;
			q->rubric = ru;
			if (submit(j, q, err))
				b = -1;
		}
		if (b < 0 || b != 1)
			free_ask(q);
		if (b < 0)
			return err->code ? err->code
					 : sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		e->asked[ru] = b > 0;
		e->pending += b == 1;
	}
	return SPROUT_OK;
}

static void on_answer(void *ud, const sprout_llm_request *rq, const sprout_llm_answer *an)
{
	sprout_judge *j = ud;
	struct ask *q = rq->ctx;
	struct entry *e = q->e;
	sprout_rubric ru = q->rubric;
	char why[SPROUT_ERROR_MSG_MAX + 96];
	if (an->code) {
		snprintf(why, sizeof why, "the judge's request failed: %s", an->error);
	} else {
		sprout_buf reason = SPROUT_BUF_INIT((size_t)64 << 20);
		sprout_error rerr = SPROUT_ERROR_INIT;
		int score = 0;
		sprout_code rc = sprout_judge_read(an->text, an->len, &score, &reason, &rerr);
		if (rc == SPROUT_ERR_NOMEM) {
			sprout_buf_release(&reason);
			j->fail = sprout_error_set(j->err, SPROUT_ERR_NOMEM, "out of memory");
			return;
		}
		if (rc && !q->attempt) {
			/* asked once more, as any malformed answer */
			sprout_buf_release(&reason);
			q->attempt = 1;
			if (submit(j, q, j->err))
				j->fail = j->err->code;
			return;
		}
		if (!rc) {
			e->score[ru] = score;
			e->reason[ru] = strndup(reason.data ? reason.data : "", reason.len);
			sprout_buf_release(&reason);
			if (!e->reason[ru])
				j->fail =
				    sprout_error_set(j->err, SPROUT_ERR_NOMEM, "out of memory");
			goto done;
		}
		sprout_buf_release(&reason);
		snprintf(why, sizeof why, "no usable answer from the judge (asked twice): %s",
			 rerr.msg);
		if (!(e->answer[ru] = strndup(an->text, an->len)))
			j->fail = sprout_error_set(j->err, SPROUT_ERR_NOMEM, "out of memory");
	}
	if (!(e->reason[ru] = strndup(why, strlen(why))))
		j->fail = sprout_error_set(j->err, SPROUT_ERR_NOMEM, "out of memory");
done:
	e->pending--;
	free_ask(q);
}

/* The judgement of a finished entry. */
static void judgement(const sprout_judge *j, const struct entry *e, sprout_judgement *jm)
{
	memset(jm, 0, sizeof *jm);
	jm->idx = e->idx;
	jm->keep = 1;
	memcpy(jm->min, j->o.min, sizeof jm->min);
	for (int r = 0; r < SPROUT_RUBRIC__COUNT; r++) {
		jm->s[r].asked = e->asked[r] || e->reason[r];
		jm->s[r].score = e->score[r];
		jm->s[r].reason = e->reason[r];
		jm->s[r].answer = e->answer[r];
	}
	for (size_t i = 0; i < j->o.nrubrics && jm->keep; i++) {
		sprout_rubric r = j->o.rubrics[i];
		const sprout_judge_score *s = &jm->s[r];
		if (!s->asked || (s->score && s->score >= j->o.min[r]))
			continue;
		jm->keep = 0;
		jm->rubric = r;
		if (s->score)
			snprintf(jm->reason, sizeof jm->reason,
				 "the judge scored %s %d, below %d: %s", rubric_names[r], s->score,
				 j->o.min[r], s->reason ? s->reason : "");
		else
			snprintf(jm->reason, sizeof jm->reason, "%s: %s", rubric_names[r],
				 s->reason ? s->reason : "no score");
	}
}

long sprout_judge_step(sprout_judge *j, int wait_ms, sprout_judge_done done, void *ctx,
		       sprout_error *err)
{
	j->err = err;
	j->fail = SPROUT_OK;
	int waiting = 0;
	for (size_t i = j->head; i < j->n && !waiting; i++)
		waiting = j->q[i]->pending > 0;
	if (waiting && sprout_llm_step(j->llm, wait_ms, on_answer, j, err) < 0)
		return -1;
	if (j->fail)
		return -1;
	while (j->head < j->n && !j->q[j->head]->pending) {
		struct entry *e = j->q[j->head];
		sprout_judgement jm;
		judgement(j, e, &jm);
		j->q[j->head++] = NULL;
		int stop = done && done(ctx, &jm);
		free_entry(e);
		if (stop) {
			sprout_error_set(err, SPROUT_ERR_IO, "cannot write the output");
			return -1;
		}
	}
	if (j->head == j->n)
		j->head = j->n = 0;
	return (long)(j->n - j->head);
}

sprout_code sprout_judge_mark(const sprout_judgement *jm, sprout_record *r, sprout_error *err)
{
	for (int ru = 0; ru < SPROUT_RUBRIC__COUNT; ru++) {
		const sprout_judge_score *s = &jm->s[ru];
		if (!s->score)
			continue;
		sprout_arena *a = r->arena;
		char name[32];
		snprintf(name, sizeof name, "judge:%s", rubric_names[ru]);
		const char *why = s->reason ? s->reason : "";
		sprout_json *v = sprout_json_new(a, SPROUT_JSON_OBJECT);
		if (!v || sprout_json_set(a, v, "score", sprout_json_integer(a, s->score)) ||
		    sprout_json_set(a, v, "min", sprout_json_integer(a, jm->min[ru])) ||
		    sprout_json_set(a, v, "reason", sprout_json_string(a, why, strlen(why))))
			return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		sprout_code rc = sprout_meta_set_score_value(r, name, v, err);
		if (rc)
			return rc;
	}
	return SPROUT_OK;
}

sprout_code sprout_judge_plan(sprout_judge *j, const sprout_record *r, sprout_judge_parent parent,
			      unsigned long *requests, unsigned long *cached, sprout_error *err)
{
	for (size_t i = 0; i < j->o.nrubrics; i++) {
		struct ask q = {0};
		char why[160];
		int b = build(j, r, parent, j->o.rubrics[i], &q, why, sizeof why, err);
		if (b == 1) {
			sprout_llm_request rq = request_of(j, &q);
			(*requests)++;
			*cached += (unsigned long)sprout_llm_cached(j->llm, &rq);
		}
		free(q.system);
		free(q.prompt);
		if (b < 0)
			return err->code;
	}
	return SPROUT_OK;
}
