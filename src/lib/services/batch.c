/* The providers' batch APIs: OpenAI's Batch API and Anthropic's Message
 * Batches. See sprout/batch.h and batch_internal.h. */
#include "core/dict.h"
#include "services/batch_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sprout/buf.h"
#include "sprout/hash.h"

#define MAX_OBJECT ((size_t)16 << 20) /* a batch or file object, an error body */
#define MAX_LINE   ((size_t)64 << 20) /* one line of results */

void sprout_batch_options_init(sprout_batch_options *o)
{
	memset(o, 0, sizeof *o);
	o->wait = -1;
	o->poll = 60;
}

/* ---- reading what the providers answer --------------------------------------- */

static int id_chars(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return 0;
	return 1;
}

/* obj[key] as text into out (n bytes): "" when absent or null; -1 when of
 * another type or too long. */
static int text_field(const sprout_json *obj, const char *key, char *out, size_t n)
{
	const sprout_json *v = sprout_json_get(obj, key);
	out[0] = '\0';
	if (!v || v->type == SPROUT_JSON_NULL)
		return 0;
	if (v->type != SPROUT_JSON_STRING || v->len >= n || memchr(v->u.s, 0, v->len))
		return -1;
	memcpy(out, v->u.s, v->len + 1);
	return 0;
}

sprout_code sprout_batch_status_parse(sprout_llm_api api, const char *body, size_t len,
				      sprout_batch_status *st, sprout_error *err)
{
	memset(st, 0, sizeof *st);
	sprout_arena *a = sprout_arena_new(0);
	if (!a)
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	sprout_json *v = NULL;
	sprout_error perr = SPROUT_ERROR_INIT;
	sprout_code rc = SPROUT_OK;
	if (sprout_json_parse(a, body, len, &v, &perr) || v->type != SPROUT_JSON_OBJECT) {
		rc = sprout_error_set(
		    err, perr.code == SPROUT_ERR_NOMEM ? SPROUT_ERR_NOMEM : SPROUT_ERR_JSON,
		    "the batch API answered something else than a JSON object (%s)",
		    perr.msg[0] ? perr.msg : "another JSON value");
		goto done;
	}
	const char *bad = NULL;
	if (text_field(v, "id", st->id, sizeof st->id) || !id_chars(st->id))
		bad = "id";
	else if (text_field(v, api == SPROUT_LLM_ANTHROPIC ? "processing_status" : "status",
			    st->state, sizeof st->state))
		bad = api == SPROUT_LLM_ANTHROPIC ? "processing_status" : "status";
	else if (api == SPROUT_LLM_ANTHROPIC &&
		 text_field(v, "results_url", st->output, sizeof st->output))
		bad = "results_url";
	else if (api == SPROUT_LLM_OPENAI &&
		 (text_field(v, "output_file_id", st->output, sizeof st->output) ||
		  !id_chars(st->output)))
		bad = "output_file_id";
	else if (api == SPROUT_LLM_OPENAI &&
		 (text_field(v, "error_file_id", st->errors, sizeof st->errors) ||
		  !id_chars(st->errors)))
		bad = "error_file_id";
	if (bad) {
		rc = sprout_error_set(
		    err, SPROUT_ERR_RECORD,
		    "the batch API answered a bad \"%s\" (expected text of letters, "
		    "digits, '-' and '_')",
		    bad);
		goto done;
	}
	if (api == SPROUT_LLM_ANTHROPIC) {
		st->ended = !strcmp(st->state, "ended");
	} else {
		static const char *const ends[] = {"completed", "failed", "expired", "cancelled"};
		for (size_t i = 0; i < sizeof ends / sizeof *ends; i++)
			st->ended |= !strcmp(st->state, ends[i]);
		const sprout_json *e = sprout_json_get(v, "errors");
		const sprout_json *d =
		    e && e->type == SPROUT_JSON_OBJECT ? sprout_json_get(e, "data") : NULL;
		const sprout_json *m = d && d->type == SPROUT_JSON_ARRAY && d->len
					   ? sprout_json_get(d->u.items[0], "message")
					   : NULL;
		if (m && m->type == SPROUT_JSON_STRING)
			snprintf(st->message, sizeof st->message, "%s", m->u.s);
	}
done:
	sprout_arena_free(a);
	return rc;
}

static const char *string_of(const sprout_json *obj, const char *key)
{
	const sprout_json *v =
	    obj && obj->type == SPROUT_JSON_OBJECT ? sprout_json_get(obj, key) : NULL;
	return v && v->type == SPROUT_JSON_STRING ? v->u.s : "";
}

/* An Anthropic error type as the HTTP status the same error has online. */
static long anthropic_status(const char *type)
{
	static const struct {
		const char *type;
		long status;
	} map[] = {{"invalid_request_error", 400}, {"authentication_error", 401},
		   {"billing_error", 402},	   {"permission_error", 403},
		   {"not_found_error", 404},	   {"request_too_large", 413},
		   {"rate_limit_error", 429},	   {"api_error", 500},
		   {"timeout_error", 504},	   {"overloaded_error", 529}};
	for (size_t i = 0; i < sizeof map / sizeof *map; i++)
		if (!strcmp(type, map[i].type))
			return map[i].status;
	return 0;
}

sprout_code sprout_batch_result_parse(sprout_arena *a, sprout_llm_api api, const char *line,
				      size_t len, sprout_batch_result *r, sprout_error *err)
{
	memset(r, 0, sizeof *r);
	r->message = r->param = "";
	sprout_json *v = NULL;
	sprout_error perr = SPROUT_ERROR_INIT;
	if (sprout_json_parse(a, line, len, &v, &perr))
		return sprout_error_set(
		    err, perr.code == SPROUT_ERR_NOMEM ? SPROUT_ERR_NOMEM : SPROUT_ERR_JSON,
		    "a batch result is not JSON: %s", perr.msg);
	const sprout_json *id =
	    v->type == SPROUT_JSON_OBJECT ? sprout_json_get(v, "custom_id") : NULL;
	if (!id || id->type != SPROUT_JSON_STRING)
		return sprout_error_set(err, SPROUT_ERR_RECORD,
					"a batch result has no \"custom_id\"");
	r->custom_id = id->u.s;
	if (api == SPROUT_LLM_ANTHROPIC) {
		const sprout_json *res = sprout_json_get(v, "result");
		const char *type = string_of(res, "type");
		if (!strcmp(type, "succeeded")) {
			const sprout_json *m = sprout_json_get(res, "message");
			if (!m || m->type != SPROUT_JSON_OBJECT)
				return sprout_error_set(
				    err, SPROUT_ERR_RECORD,
				    "a succeeded batch result has no \"message\"");
			r->outcome = SPROUT_BATCH_ANSWERED;
			r->status = 200;
			r->body = m;
		} else if (!strcmp(type, "errored")) {
			/* {"type":"error","error":{"type":..,"message":..}} */
			const sprout_json *e = sprout_json_get(res, "error");
			const sprout_json *inner =
			    e && e->type == SPROUT_JSON_OBJECT ? sprout_json_get(e, "error") : NULL;
			const sprout_json *why =
			    inner && inner->type == SPROUT_JSON_OBJECT ? inner : e;
			r->outcome = SPROUT_BATCH_ERRORED;
			r->status = anthropic_status(string_of(why, "type"));
			r->message = string_of(why, "message");
		} else if (!strcmp(type, "expired") || !strcmp(type, "canceled")) {
			r->outcome = SPROUT_BATCH_EXPIRED;
			r->message = !strcmp(type, "expired")
					 ? "the batch expired before the request ran"
					 : "the batch was cancelled before the request ran";
		} else {
			return sprout_error_set(err, SPROUT_ERR_RECORD,
						"a batch result of unknown type \"%.40s\"", type);
		}
		return SPROUT_OK;
	}
	const sprout_json *e = sprout_json_get(v, "error");
	const sprout_json *resp = sprout_json_get(v, "response");
	const sprout_json *code =
	    resp && resp->type == SPROUT_JSON_OBJECT ? sprout_json_get(resp, "status_code") : NULL;
	if (code && code->type == SPROUT_JSON_NUMBER) {
		double s = sprout_json_number(code);
		r->status = s >= 100 && s < 1000 ? (long)s : 0;
	}
	if (e && e->type == SPROUT_JSON_OBJECT) {
		const char *c = string_of(e, "code");
		r->outcome = !strcmp(c, "batch_expired") || !strcmp(c, "batch_cancelled")
				 ? SPROUT_BATCH_EXPIRED
				 : SPROUT_BATCH_ERRORED;
		r->message = string_of(e, "message");
		if (!*r->message)
			r->message = c;
		return SPROUT_OK;
	}
	if (!resp || resp->type != SPROUT_JSON_OBJECT)
		return sprout_error_set(err, SPROUT_ERR_RECORD,
					"a batch result has neither \"response\" nor \"error\"");
	const sprout_json *body = sprout_json_get(resp, "body");
	if (r->status == 200 && body && body->type == SPROUT_JSON_OBJECT) {
		r->outcome = SPROUT_BATCH_ANSWERED;
		r->body = body;
		return SPROUT_OK;
	}
	r->outcome = SPROUT_BATCH_ERRORED;
	const sprout_json *be =
	    body && body->type == SPROUT_JSON_OBJECT ? sprout_json_get(body, "error") : NULL;
	r->message = be && be->type == SPROUT_JSON_STRING ? be->u.s : string_of(be, "message");
	r->param = string_of(be, "param");
	if (!*r->message)
		r->message = r->status == 200 ? "the answer is not a JSON object" : "no message";
	return SPROUT_OK;
}

/* ---- the sender ----------------------------------------------------------------- */

/* A request waiting to be sent: its line of the batch. */
struct pend {
	char key[SPROUT_HASH_HEX];
	char *line; /* OpenAI: a JSONL line; Anthropic: one entry of "requests" */
	size_t len;
	void *job;
};

/* Requests to one endpoint (one model: an OpenAI batch holds one). */
struct group {
	const sprout_llm_endpoint *ep;
	int completion;
	struct pend *p;
	size_t n, cap;
};

/* A batch the client waits for. */
struct bat {
	char id[128];
	const sprout_llm_endpoint *ep;
	int completion;
	char state[32];
	double next_poll, interval;
	unsigned long waiting; /* jobs of this client in it */
	int poll_failures;
};

/* A request of this client waiting in a batch (or, job NULL, done), by
 * the number of its key. */
struct att {
	void *job;
	size_t bat;
};

struct sprout_batcher {
	sprout_batch_options o;
	sqlite3 *db;
	char path[SPROUT_ERROR_FILE_MAX];
	double timeout, backoff, start;
	int retries;
	sqlite3_stmt *find, *add_batch, *add_item, *item, *forget, *set_state;
	struct group *g;
	size_t ng, gcap;
	struct bat *b;
	size_t nb, bcap;
	sprout_dict keys; /* of the requests waiting in batches */
	sprout_arena *keymem;
	struct att *att; /* by key number */
	size_t attcap;
	unsigned long waiting, sent;
	sprout_arena *scratch;
};

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void nap(double secs)
{
	if (secs <= 0)
		return;
	struct timespec t = {(time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9)};
	nanosleep(&t, NULL);
}

static sprout_code db_fail(sprout_batcher *b, sprout_error *err, const char *what)
{
	sprout_error_set(err, SPROUT_ERR_IO, "%s: %s", what, sqlite3_errmsg(b->db));
	sprout_error_locate(err, b->path, 0, 0);
	return SPROUT_ERR_IO;
}

sprout_batcher *sprout__batcher_new(sqlite3 *db, const char *path, const sprout_batch_options *o,
				    double timeout, int retries, double backoff, sprout_error *err)
{
	sprout_batcher *b = calloc(1, sizeof *b);
	if (!b || !(b->scratch = sprout_arena_new(0)) || !(b->keymem = sprout_arena_new(0))) {
		if (b)
			sprout_arena_free(b->scratch);
		free(b);
		sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		return NULL;
	}
	b->o = *o;
	if (b->o.poll <= 0)
		b->o.poll = 60;
	b->db = db;
	snprintf(b->path, sizeof b->path, "%s", path);
	b->timeout = timeout;
	b->retries = retries;
	b->backoff = backoff;
	b->start = now();
	sprout_dict_init(&b->keys, b->keymem);
	if (sqlite3_exec(
		db,
		"CREATE TABLE IF NOT EXISTS llm_batches(id TEXT PRIMARY KEY, api TEXT NOT NULL, "
		"url TEXT NOT NULL, state TEXT NOT NULL, requests INTEGER NOT NULL, "
		"created INTEGER NOT NULL, ended INTEGER);"
		"CREATE TABLE IF NOT EXISTS llm_batch_items(key TEXT PRIMARY KEY, batch TEXT "
		"NOT NULL, model TEXT NOT NULL, completion INTEGER NOT NULL);"
		"CREATE INDEX IF NOT EXISTS llm_batch_items_batch ON llm_batch_items(batch);",
		NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT batch FROM llm_batch_items WHERE key = ?", -1, &b->find,
			       NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
			       "INSERT OR REPLACE INTO llm_batches(id, api, url, state, requests, "
			       "created) VALUES(?, ?, ?, ?, ?, strftime('%s','now'))",
			       -1, &b->add_batch, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(
		db,
		"INSERT OR REPLACE INTO llm_batch_items(key, batch, model, completion) "
		"VALUES(?, ?, ?, ?)",
		-1, &b->add_item, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(
		db, "SELECT model, completion FROM llm_batch_items WHERE key = ? AND batch = ?", -1,
		&b->item, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "DELETE FROM llm_batch_items WHERE batch = ?", -1, &b->forget,
			       NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(
		db, "UPDATE llm_batches SET state = ?, ended = strftime('%s','now') WHERE id = ?",
		-1, &b->set_state, NULL) != SQLITE_OK) {
		db_fail(b, err, "cannot keep batches in the answer cache");
		sprout__batcher_free(b, NULL);
		return NULL;
	}
	return b;
}

void sprout__batcher_forget(sprout_batcher *b, void (*each)(void *ud, void *job), void *ud)
{
	for (size_t i = 0; i < sprout_dict_count(&b->keys); i++)
		if (b->att[i].job) {
			each(ud, b->att[i].job);
			b->att[i].job = NULL;
		}
	for (size_t i = 0; i < b->nb; i++)
		b->b[i].waiting = 0;
	b->waiting = 0;
	for (size_t i = 0; i < b->ng; i++) {
		for (size_t k = 0; k < b->g[i].n; k++) {
			free(b->g[i].p[k].line);
			each(ud, b->g[i].p[k].job);
		}
		b->g[i].n = 0;
	}
}

static void free_each(void *ud, void *job)
{
	((void (*)(void *))ud)(job);
}

void sprout__batcher_free(sprout_batcher *b, void (*free_job)(void *job))
{
	if (!b)
		return;
	if (free_job)
		sprout__batcher_forget(b, free_each, (void *)free_job);
	sqlite3_finalize(b->find);
	sqlite3_finalize(b->add_batch);
	sqlite3_finalize(b->add_item);
	sqlite3_finalize(b->item);
	sqlite3_finalize(b->forget);
	sqlite3_finalize(b->set_state);
	for (size_t i = 0; i < b->ng; i++)
		free(b->g[i].p);
	free(b->g);
	free(b->b);
	free(b->att);
	sprout_dict_free(&b->keys);
	sprout_arena_free(b->keymem);
	sprout_arena_free(b->scratch);
	free(b);
}

unsigned long sprout__batcher_sent(const sprout_batcher *b)
{
	return b->sent;
}

/* ---- the map of waiting requests ---------------------------------------------------- */

/* The entry of key, made when new; NULL when out of memory. */
static struct att *att_get(sprout_batcher *b, const char *key)
{
	int added = 0;
	long long i = sprout_dict_put(&b->keys, key, strlen(key), &added);
	if (i < 0)
		return NULL;
	if ((size_t)i >= b->attcap) {
		size_t cap = b->attcap ? b->attcap * 2 : 256;
		struct att *v = realloc(b->att, cap * sizeof *v);
		if (!v)
			return NULL;
		b->att = v;
		b->attcap = cap;
	}
	if (added)
		b->att[i] = (struct att){NULL, (size_t)-1};
	return &b->att[i];
}

static struct att *att_find(const sprout_batcher *b, const char *key)
{
	long long i = sprout_dict_find(&b->keys, key, strlen(key));
	return i < 0 ? NULL : &b->att[i];
}

/* The batch id into bat (index), tracked from now on; -1 out of memory. */
static long bat_of(sprout_batcher *b, const char *id, const sprout_llm_endpoint *ep, int completion,
		   double first_poll)
{
	for (size_t i = 0; i < b->nb; i++)
		if (!strcmp(b->b[i].id, id))
			return (long)i;
	if (b->nb == b->bcap) {
		size_t cap = b->bcap ? b->bcap * 2 : 8;
		struct bat *v = realloc(b->b, cap * sizeof *v);
		if (!v)
			return -1;
		b->b = v;
		b->bcap = cap;
	}
	struct bat *t = &b->b[b->nb];
	memset(t, 0, sizeof *t);
	snprintf(t->id, sizeof t->id, "%s", id);
	t->ep = ep;
	t->completion = completion;
	t->interval = b->o.poll < 1 ? b->o.poll : 1;
	t->next_poll = now() + first_poll;
	return (long)b->nb++;
}

/* ---- taking requests ------------------------------------------------------------ */

/* The endpoint a batch's requests go to (OpenAI). */
static const char *batch_endpoint(int completion)
{
	return completion ? "/v1/completions" : "/v1/chat/completions";
}

sprout_code sprout__batcher_add(sprout_batcher *b, const batch_request *rq, int *found,
				sprout_error *err)
{
	*found = 0;
	/* sent before? then wait for that batch */
	sqlite3_reset(b->find);
	sqlite3_bind_text(b->find, 1, rq->key, -1, SQLITE_STATIC);
	int step = sqlite3_step(b->find);
	if (step == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(b->find, 0);
		long i = bat_of(b, id ? id : "", rq->ep, rq->completion, 0);
		struct att *a = i < 0 ? NULL : att_get(b, rq->key);
		sqlite3_reset(b->find);
		if (!a)
			return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		a->job = rq->job;
		a->bat = (size_t)i;
		b->b[i].waiting++;
		b->waiting++;
		*found = 1;
		return SPROUT_OK;
	}
	sqlite3_reset(b->find);
	if (step != SQLITE_DONE)
		return db_fail(b, err, "cannot read the batches of the answer cache");
	struct group *g = NULL;
	for (size_t i = 0; i < b->ng && !g; i++)
		if (b->g[i].ep == rq->ep && b->g[i].completion == rq->completion)
			g = &b->g[i];
	if (!g) {
		if (b->ng == b->gcap) {
			size_t cap = b->gcap ? b->gcap * 2 : 4;
			struct group *v = realloc(b->g, cap * sizeof *v);
			if (!v)
				return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
			b->g = v;
			b->gcap = cap;
		}
		g = &b->g[b->ng++];
		memset(g, 0, sizeof *g);
		g->ep = rq->ep;
		g->completion = rq->completion;
	}
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 64;
		struct pend *v = realloc(g->p, cap * sizeof *v);
		if (!v)
			return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		g->p = v;
		g->cap = cap;
	}
	sprout_buf line = SPROUT_BUF_INIT(rq->len + 4096);
	sprout_jw w;
	sprout_jw_init(&w, &line);
	sprout_jw_object(&w);
	sprout_jw_kstring(&w, "custom_id", rq->key);
	if (rq->ep->api == SPROUT_LLM_ANTHROPIC) {
		sprout_jw_key(&w, "params");
	} else {
		sprout_jw_kstring(&w, "method", "POST");
		sprout_jw_kstring(&w, "url", batch_endpoint(rq->completion));
		sprout_jw_key(&w, "body");
	}
	sprout_jw_raw(&w, rq->body, rq->len);
	sprout_jw_end(&w);
	if (sprout_jw_finish(&w)) {
		sprout_buf_release(&line);
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	}
	struct pend *p = &g->p[g->n++];
	snprintf(p->key, sizeof p->key, "%s", rq->key);
	p->line = line.data;
	p->len = line.len;
	p->job = rq->job;
	return SPROUT_OK;
}

/* ---- HTTP --------------------------------------------------------------------- */

/* Where an answer goes: a bounded buffer, or line by line to a handler
 * (results). An answer other than 200 goes to the buffer (its message). */
struct sink {
	CURL *c;
	sprout_buf *body;
	int (*line)(void *ctx, const char *s, size_t n);
	void *ctx;
	sprout_buf part; /* an unfinished line */
	int failed;	 /* the handler said stop */
};

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
	struct sink *s = ctx;
	size_t len = size * n;
	long code = 0;
	curl_easy_getinfo(s->c, CURLINFO_RESPONSE_CODE, &code);
	if (!s->line || code != 200)
		return sprout_buf_add(s->body, p, len) ? 0 : len;
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(p + i, '\n', len - i);
		size_t k = nl ? (size_t)(nl - (p + i)) : len - i;
		if (sprout_buf_add(&s->part, p + i, k))
			return 0;
		i += k;
		if (!nl)
			break;
		i++;
		if (s->part.len && s->line(s->ctx, s->part.data, s->part.len)) {
			s->failed = 1;
			return 0;
		}
		sprout_buf_clear(&s->part);
	}
	return len;
}

/* The server's message from an error body, for reasons. */
static void error_text(sprout_batcher *b, const sprout_buf *body, char *out, size_t n)
{
	sprout_json *v = NULL;
	const char *t = body->data ? body->data : "";
	sprout_arena_reset(b->scratch);
	if (!sprout_json_parse(b->scratch, t, body->len, &v, NULL) &&
	    v->type == SPROUT_JSON_OBJECT) {
		const sprout_json *e = sprout_json_get(v, "error");
		const char *m =
		    e && e->type == SPROUT_JSON_STRING ? e->u.s : string_of(e, "message");
		if (*m) {
			snprintf(out, n, "%.300s", m);
			return;
		}
	}
	snprintf(out, n, "%.*s", (int)(body->len < 200 ? body->len : 200), t);
	for (char *p = out; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
}

/* One call to the batch API, with retries after time outs, resets, 429
 * and 5xx. Returns 0 with *status 200 or another status the server gave
 * (why says what), or -1 when sprout failed (err set). */
static int http(sprout_batcher *b, const sprout_llm_endpoint *ep, const char *url, const char *body,
		size_t len, const char *file, size_t flen, struct sink *s, long *status, char *why,
		size_t whylen, sprout_error *err)
{
	char shown[2048];
	sprout_url_redact(url, shown, sizeof shown);
	struct curl_slist *hdr = sprout__llm_headers(ep, body != NULL);
	CURL *c = curl_easy_init();
	if (!hdr || !c) {
		curl_slist_free_all(hdr);
		if (c)
			curl_easy_cleanup(c);
		sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		return -1;
	}
	double wait = b->backoff;
	int rc = 0;
	for (int attempt = 0;; attempt++) {
		curl_mime *mime = NULL;
		char msg[CURL_ERROR_SIZE] = "";
		curl_easy_reset(c);
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
		if (body) {
			curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
			curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
		} else if (file) {
			/* an OpenAI upload: purpose=batch and the JSONL file */
			curl_mimepart *part;
			if (!(mime = curl_mime_init(c)) || !(part = curl_mime_addpart(mime)) ||
			    curl_mime_name(part, "purpose") || curl_mime_data(part, "batch", 5) ||
			    !(part = curl_mime_addpart(mime)) || curl_mime_name(part, "file") ||
			    curl_mime_filename(part, "sprout-batch.jsonl") ||
			    curl_mime_type(part, "application/jsonl") ||
			    curl_mime_data(part, file, flen)) {
				curl_mime_free(mime);
				sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
				rc = -1;
				break;
			}
			curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
		}
		s->c = c;
		s->failed = 0;
		sprout_buf_clear(s->body);
		sprout_buf_clear(&s->part);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(b->timeout * 1000));
		curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 30000L);
		curl_easy_setopt(c, CURLOPT_ERRORBUFFER, msg);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		CURLcode cc = curl_easy_perform(c);
		curl_mime_free(mime);
		*status = 0;
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
		if (s->failed) { /* the results handler failed: err is set */
			rc = -1;
			break;
		}
		if (cc == CURLE_OK && s->line && *status == 200 && s->part.len &&
		    s->line(s->ctx, s->part.data, s->part.len)) {
			rc = -1; /* the last line had no newline */
			break;
		}
		int transient = cc != CURLE_OK || *status == 408 || *status == 409 ||
				*status == 429 || *status >= 500;
		if (cc == CURLE_OK && *status == 200)
			break;
		if (cc != CURLE_OK) {
			snprintf(why, whylen, "%.400s: %s", shown,
				 msg[0] ? msg : curl_easy_strerror(cc));
			*status = 0;
		} else {
			char m[400];
			error_text(b, s->body, m, sizeof m);
			snprintf(why, whylen, "%.400s: HTTP %ld: %.400s", shown, *status, m);
		}
		if (!transient || attempt >= b->retries)
			break;
		nap(wait);
		wait *= 2;
	}
	curl_easy_cleanup(c);
	curl_slist_free_all(hdr);
	return rc;
}

/* ---- sending ------------------------------------------------------------------- */

/* Record a new batch and its requests in the cache, and wait for it. */
static sprout_code keep_batch(sprout_batcher *b, const struct group *g, size_t from, size_t to,
			      const char *id, const char *state, sprout_error *err)
{
	char url[2048];
	sprout_url_redact(g->ep->url, url, sizeof url);
	if (sqlite3_exec(b->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(b, err, "cannot write the batches of the answer cache");
	sqlite3_reset(b->add_batch);
	sqlite3_bind_text(b->add_batch, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(b->add_batch, 2, sprout_llm_api_name(g->ep->api), -1, SQLITE_STATIC);
	sqlite3_bind_text(b->add_batch, 3, url, -1, SQLITE_STATIC);
	sqlite3_bind_text(b->add_batch, 4, state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(b->add_batch, 5, (sqlite3_int64)(to - from));
	int bad = sqlite3_step(b->add_batch) != SQLITE_DONE;
	sqlite3_reset(b->add_batch);
	for (size_t i = from; i < to && !bad; i++) {
		sqlite3_reset(b->add_item);
		sqlite3_bind_text(b->add_item, 1, g->p[i].key, -1, SQLITE_STATIC);
		sqlite3_bind_text(b->add_item, 2, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(b->add_item, 3, g->ep->model, -1, SQLITE_STATIC);
		sqlite3_bind_int(b->add_item, 4, g->completion);
		bad = sqlite3_step(b->add_item) != SQLITE_DONE;
		sqlite3_reset(b->add_item);
	}
	if (bad || sqlite3_exec(b->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		db_fail(b, err, "cannot write the batches of the answer cache");
		sqlite3_exec(b->db, "ROLLBACK", NULL, NULL, NULL);
		return SPROUT_ERR_IO;
	}
	long k = bat_of(b, id, g->ep, g->completion, b->o.poll < 1 ? b->o.poll : 1);
	if (k < 0)
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	snprintf(b->b[k].state, sizeof b->b[k].state, "%s", state);
	for (size_t i = from; i < to; i++) {
		struct att *a = att_get(b, g->p[i].key);
		if (!a)
			return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		a->job = g->p[i].job;
		a->bat = (size_t)k;
		b->b[k].waiting++;
		b->waiting++;
	}
	b->sent += (unsigned long)(to - from);
	return SPROUT_OK;
}

/* Requests that could not be sent: each comes back ERRORED with why. */
static int unsent(const struct group *g, size_t from, size_t to, const char *why, batch_done_fn fn,
		  void *ud, sprout_error *err)
{
	for (size_t i = from; i < to; i++) {
		batch_done d = {g->p[i].job,
				g->p[i].key,
				g->ep->model,
				g->ep->api,
				g->completion,
				SPROUT_BATCH_ERRORED,
				0,
				NULL,
				0,
				why,
				""};
		if (fn(ud, &d, err))
			return -1;
	}
	return 0;
}

/* Send g->p[from..to) as one batch. 0, or -1 with err. */
static int send_chunk(sprout_batcher *b, const struct group *g, size_t from, size_t to,
		      batch_done_fn fn, void *ud, sprout_error *err)
{
	int anthropic = g->ep->api == SPROUT_LLM_ANTHROPIC;
	size_t total = 64;
	for (size_t i = from; i < to; i++)
		total += g->p[i].len + 1;
	sprout_buf data = SPROUT_BUF_INIT(total);
	sprout_buf resp = SPROUT_BUF_INIT(MAX_OBJECT);
	struct sink s = {.body = &resp, .part = SPROUT_BUF_INIT(1)};
	char url[2048], why[1024] = "", id[128] = "";
	sprout_batch_status st;
	long status = 0;
	int rc = 0;
	/* Anthropic: {"requests": [line, ..]}; OpenAI: a JSONL file */
	sprout_jw w;
	sprout_jw_init(&w, &data);
	if (anthropic) {
		sprout_jw_object(&w);
		sprout_jw_karray(&w, "requests");
	}
	for (size_t i = from; i < to && !w.rc; i++) {
		sprout_jw_raw(&w, g->p[i].line, g->p[i].len);
		if (!anthropic && !w.rc)
			sprout_jw_fail(&w, sprout_buf_addc(&data, '\n'));
	}
	if (anthropic) {
		sprout_jw_end(&w);
		sprout_jw_end(&w);
	}
	if (sprout_jw_finish(&w)) {
		sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		rc = -1;
		goto done;
	}
	if (!anthropic) {
		sprout_url_endpoint(g->ep->url, "files", url, sizeof url);
		if (http(b, g->ep, url, NULL, 0, data.data, data.len, &s, &status, why, sizeof why,
			 err)) {
			rc = -1;
			goto done;
		}
		if (status != 200)
			goto refused;
		if (sprout_batch_status_parse(g->ep->api, resp.data, resp.len, &st, err) ||
		    !st.id[0]) {
			snprintf(why, sizeof why, "the upload answered no file id (%.300s)",
				 err && err->msg[0] ? err->msg : "\"id\" missing");
			goto refused;
		}
		sprout_buf_clear(&data);
		sprout_jw_init(&w, &data);
		sprout_jw_object(&w);
		sprout_jw_kstring(&w, "input_file_id", st.id);
		sprout_jw_kstring(&w, "endpoint", batch_endpoint(g->completion));
		sprout_jw_kstring(&w, "completion_window", "24h");
		sprout_jw_end(&w);
		if (sprout_jw_finish(&w)) {
			sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
			rc = -1;
			goto done;
		}
	}
	sprout_url_endpoint(g->ep->url, anthropic ? "messages/batches" : "batches", url,
			    sizeof url);
	if (http(b, g->ep, url, data.data, data.len, NULL, 0, &s, &status, why, sizeof why, err)) {
		rc = -1;
		goto done;
	}
	if (status != 200)
		goto refused;
	if (sprout_batch_status_parse(g->ep->api, resp.data, resp.len, &st, err) || !st.id[0]) {
		snprintf(why, sizeof why, "the batch was made but its id cannot be read (%.300s)",
			 err && err->msg[0] ? err->msg : "\"id\" missing");
		goto refused;
	}
	snprintf(id, sizeof id, "%s", st.id);
	rc = keep_batch(b, g, from, to, id, st.state[0] ? st.state : "sent", err) ? -1 : 0;
	goto done;
refused:
	if (err)
		sprout_error_clear(err);
	{
		char reason[1200];
		snprintf(reason, sizeof reason, "not sent: the batch could not be made: %s", why);
		rc = unsent(g, from, to, reason, fn, ud, err);
	}
done:
	sprout_buf_release(&data);
	sprout_buf_release(&resp);
	sprout_buf_release(&s.part);
	return rc;
}

/* Send every request added since the last step, in batches within the
 * provider's limits. */
static int send_all(sprout_batcher *b, batch_done_fn fn, void *ud, sprout_error *err)
{
	for (size_t gi = 0; gi < b->ng; gi++) {
		struct group *g = &b->g[gi];
		int anthropic = g->ep->api == SPROUT_LLM_ANTHROPIC;
		unsigned long maxr = b->o.max_requests ? b->o.max_requests
				     : anthropic       ? SPROUT_BATCH_ANTHROPIC_REQUESTS
						       : SPROUT_BATCH_OPENAI_REQUESTS;
		unsigned long maxb = b->o.max_bytes ? b->o.max_bytes
				     : anthropic    ? SPROUT_BATCH_ANTHROPIC_BYTES
						    : SPROUT_BATCH_OPENAI_BYTES;
		size_t overhead = anthropic ? 16 : 0; /* {"requests":[ ]} */
		size_t from = 0;
		int rc = 0;
		while (!rc && from < g->n) {
			size_t to = from, bytes = overhead;
			if (g->p[from].len + 1 + overhead > maxb) {
				char why[256];
				snprintf(
				    why, sizeof why,
				    "not sent: the request takes %zu bytes, more than a batch may "
				    "(%lu)",
				    g->p[from].len + 1, maxb);
				rc = unsent(g, from, from + 1, why, fn, ud, err);
				from++;
				continue;
			}
			while (to < g->n && to - from < maxr && bytes + g->p[to].len + 1 <= maxb)
				bytes += g->p[to++].len + 1;
			rc = send_chunk(b, g, from, to, fn, ud, err);
			from = to;
		}
		for (size_t k = 0; k < g->n; k++)
			free(g->p[k].line);
		g->n = 0;
		if (rc)
			return -1;
	}
	return 0;
}

/* ---- results ---------------------------------------------------------------------- */

struct reading {
	sprout_batcher *b;
	size_t bat;
	batch_done_fn fn;
	void *ud;
	sprout_error *err;
	unsigned long broken; /* lines that could not be read */
};

static int on_result(void *ctx, const char *s, size_t n)
{
	struct reading *r = ctx;
	sprout_batcher *b = r->b;
	struct bat *t = &b->b[r->bat];
	sprout_batch_result res;
	sprout_arena_reset(b->scratch);
	if (sprout_batch_result_parse(b->scratch, t->ep->api, s, n, &res, NULL)) {
		r->broken++; /* its request, if one waits, is sent again */
		return 0;
	}
	batch_done d = {NULL,	     res.custom_id, t->ep->model, t->ep->api, t->completion,
			res.outcome, res.status,    NULL,	  0,	      res.message,
			res.param};
	struct att *a = att_find(b, res.custom_id);
	sprout_buf body = SPROUT_BUF_INIT(MAX_LINE);
	char model[512] = "";
	if (a && a->job && a->bat == r->bat) {
		d.job = a->job;
		a->job = NULL;
		t->waiting--;
		b->waiting--;
	} else {
		/* a request of an earlier run: cached when it was answered, if
		 * it is one of this batch */
		if (res.outcome != SPROUT_BATCH_ANSWERED)
			return 0;
		sqlite3_reset(b->item);
		sqlite3_bind_text(b->item, 1, res.custom_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(b->item, 2, t->id, -1, SQLITE_STATIC);
		int found = sqlite3_step(b->item) == SQLITE_ROW;
		if (found) {
			snprintf(model, sizeof model, "%s",
				 (const char *)sqlite3_column_text(b->item, 0));
			d.completion = sqlite3_column_int(b->item, 1);
		}
		sqlite3_reset(b->item);
		if (!found)
			return 0;
		d.model = model;
	}
	if (res.body && sprout_json_write(&body, res.body)) {
		sprout_buf_release(&body);
		sprout_error_set(r->err, SPROUT_ERR_NOMEM, "out of memory");
		return -1;
	}
	d.body = body.data ? body.data : "";
	d.len = body.len;
	int rc = r->fn(r->ud, &d, r->err);
	sprout_buf_release(&body);
	return rc;
}

/* Read one results file (a URL) into the handler. */
static int read_results(sprout_batcher *b, struct reading *r, const char *url, sprout_error *err)
{
	struct bat *t = &b->b[r->bat];
	sprout_buf resp = SPROUT_BUF_INIT(MAX_OBJECT);
	struct sink s = {
	    .body = &resp, .line = on_result, .ctx = r, .part = SPROUT_BUF_INIT(MAX_LINE)};
	char why[1024];
	long status;
	int rc = http(b, t->ep, url, NULL, 0, NULL, 0, &s, &status, why, sizeof why, err);
	if (!rc && status != 200)
		rc = sprout_error_set(err, SPROUT_ERR_IO, "cannot read the results of batch %s: %s",
				      t->id, why)
			 ? -1
			 : 0;
	sprout_buf_release(&resp);
	sprout_buf_release(&s.part);
	return rc;
}

/* Whether url is on the same scheme, host and port as base. */
static int same_origin(const char *url, const char *base)
{
	const char *a = strstr(url, "://"), *b = strstr(base, "://");
	if (!a || !b || a - url != b - base || strncmp(url, base, (size_t)(a - url)))
		return 0;
	size_t na = strcspn(a + 3, "/?#"), nb = strcspn(b + 3, "/?#");
	return na == nb && !strncmp(a + 3, b + 3, na);
}

/* A batch ended: its results, in one transaction with forgetting it. */
static int collect(sprout_batcher *b, size_t k, const sprout_batch_status *st, batch_done_fn fn,
		   void *ud, sprout_error *err)
{
	struct bat *t = &b->b[k];
	struct reading r = {b, k, fn, ud, err, 0};
	char url[2048], path[300];
	if (sqlite3_exec(b->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(b, err, "cannot write the answer cache"), -1;
	int rc = 0;
	if (t->ep->api == SPROUT_LLM_ANTHROPIC) {
		snprintf(path, sizeof path, "messages/batches/%s/results", t->id);
		sprout_url_endpoint(t->ep->url, path, url, sizeof url);
		/* results_url, unless it would take the key to another server */
		if (st->output[0] && same_origin(st->output, t->ep->url))
			snprintf(url, sizeof url, "%s", st->output);
		rc = read_results(b, &r, url, err);
	} else {
		const char *files[2] = {st->output, st->errors};
		for (int f = 0; f < 2 && !rc; f++) {
			if (!files[f][0])
				continue;
			snprintf(path, sizeof path, "files/%s/content", files[f]);
			sprout_url_endpoint(t->ep->url, path, url, sizeof url);
			rc = read_results(b, &r, url, err);
		}
	}
	/* the requests no line answered: a failed batch's, or lost */
	char why[512];
	if (!strcmp(st->state, "failed"))
		snprintf(why, sizeof why, "batch %s failed: %s", t->id,
			 st->message[0] ? st->message : "no reason given");
	else
		snprintf(why, sizeof why, "batch %s ended (%s) without a result for the request",
			 t->id, st->state);
	for (size_t i = 0; !rc && t->waiting && i < sprout_dict_count(&b->keys); i++) {
		struct att *a = &b->att[i];
		if (!a->job || a->bat != k)
			continue;
		batch_done d = {a->job,
				sprout_dict_key(&b->keys, i, NULL),
				t->ep->model,
				t->ep->api,
				t->completion,
				strcmp(st->state, "failed") ? SPROUT_BATCH_EXPIRED
							    : SPROUT_BATCH_ERRORED,
				0,
				NULL,
				0,
				why,
				""};
		a->job = NULL;
		t->waiting--;
		b->waiting--;
		rc = fn(ud, &d, err);
	}
	if (!rc) {
		sqlite3_reset(b->forget);
		sqlite3_bind_text(b->forget, 1, t->id, -1, SQLITE_STATIC);
		sqlite3_reset(b->set_state);
		sqlite3_bind_text(b->set_state, 1, st->state, -1, SQLITE_STATIC);
		sqlite3_bind_text(b->set_state, 2, t->id, -1, SQLITE_STATIC);
		if (sqlite3_step(b->forget) != SQLITE_DONE ||
		    sqlite3_step(b->set_state) != SQLITE_DONE ||
		    sqlite3_exec(b->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
			rc = db_fail(b, err, "cannot write the answer cache") ? -1 : 0;
		sqlite3_reset(b->forget);
		sqlite3_reset(b->set_state);
	}
	if (rc)
		sqlite3_exec(b->db, "ROLLBACK", NULL, NULL, NULL);
	snprintf(t->state, sizeof t->state, "%s", st->state);
	return rc;
}

/* Ask how batch k is doing; collect it when it ended. */
static int poll_one(sprout_batcher *b, size_t k, batch_done_fn fn, void *ud, sprout_error *err)
{
	struct bat *t = &b->b[k];
	char path[300], url[2048], why[1024];
	snprintf(path, sizeof path, "%s/%s",
		 t->ep->api == SPROUT_LLM_ANTHROPIC ? "messages/batches" : "batches", t->id);
	sprout_url_endpoint(t->ep->url, path, url, sizeof url);
	sprout_buf resp = SPROUT_BUF_INIT(MAX_OBJECT);
	struct sink s = {.body = &resp, .part = SPROUT_BUF_INIT(1)};
	long status = 0;
	sprout_batch_status st;
	int rc = http(b, t->ep, url, NULL, 0, NULL, 0, &s, &status, why, sizeof why, err);
	if (!rc && status == 404) {
		/* the server knows it no more: its requests are sent again */
		memset(&st, 0, sizeof st);
		snprintf(st.state, sizeof st.state, "lost");
		rc = collect(b, k, &st, fn, ud, err);
	} else if (!rc && status == 200 &&
		   !sprout_batch_status_parse(t->ep->api, resp.data, resp.len, &st, err)) {
		t->poll_failures = 0;
		snprintf(t->state, sizeof t->state, "%s", st.state);
		if (st.ended)
			rc = collect(b, k, &st, fn, ud, err);
	} else if (!rc) {
		if (status == 200)
			snprintf(why, sizeof why, "%.300s", err ? err->msg : "a bad batch object");
		if (++t->poll_failures > b->retries + 1)
			rc = sprout_error_set(err, SPROUT_ERR_IO, "cannot poll batch %s: %s", t->id,
					      why)
				 ? -1
				 : 0;
		else if (err)
			sprout_error_clear(err);
	}
	t->next_poll = now() + t->interval;
	t->interval = t->interval * 2 < b->o.poll ? t->interval * 2 : b->o.poll;
	sprout_buf_release(&resp);
	sprout_buf_release(&s.part);
	return rc;
}

long sprout__batcher_step(sprout_batcher *b, int wait_ms, batch_done_fn fn, void *ud,
			  sprout_error *err)
{
	if (send_all(b, fn, ud, err))
		return -1;
	double t = now(), next = -1;
	int polled = 0;
	for (size_t k = 0; k < b->nb; k++) {
		if (!b->b[k].waiting)
			continue;
		if (b->b[k].next_poll <= t) {
			if (poll_one(b, k, fn, ud, err))
				return -1;
			polled = 1;
		} else if (next < 0 || b->b[k].next_poll < next) {
			next = b->b[k].next_poll;
		}
	}
	if (!polled && b->waiting && next >= 0) {
		double secs = next - t;
		if (secs > wait_ms / 1000.0)
			secs = wait_ms / 1000.0;
		if (b->o.wait >= 0 && t - b->start >= b->o.wait)
			secs = 0; /* the caller stops here */
		nap(secs);
	}
	return (long)b->waiting;
}

int sprout__batcher_overdue(sprout_batcher *b, sprout_error *err)
{
	if (!b->waiting || b->o.wait < 0 || now() - b->start < b->o.wait)
		return 0;
	char ids[400] = "";
	size_t used = 0, nb = 0;
	for (size_t k = 0; k < b->nb; k++) {
		if (!b->b[k].waiting)
			continue;
		if (nb++ < 3 && used < sizeof ids)
			used += (size_t)snprintf(ids + used, sizeof ids - used, "%s%s (%s)",
						 used ? ", " : "", b->b[k].id,
						 b->b[k].state[0] ? b->b[k].state : "sent");
	}
	sprout_error_set(err, SPROUT_PENDING,
			 "%lu request%s wait in %zu batch%s: %s%s; run the same command again to "
			 "collect %s",
			 b->waiting, b->waiting == 1 ? "" : "s", nb, nb == 1 ? "" : "es", ids,
			 nb > 3 ? ", ..." : "", b->waiting == 1 ? "it" : "them");
	return 1;
}
