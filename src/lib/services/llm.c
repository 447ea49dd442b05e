/* Chat requests to model servers over the libcurl multi interface, with
 * retries and an SQLite cache. See sprout/llm.h. */
#include "sprout/llm.h"

#include <math.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "services/batch_internal.h"
#include "services/curl_dyn.h"

#include "sprout/arena.h"
#include "sprout/buf.h"
#include "sprout/hash.h"
#include "sprout/json.h"
#include "sprout/ratelimit.h"
#include "sprout/rng.h"

#define MAX_BODY	     ((size_t)64 << 20)
#define ANTHROPIC_VERSION    "2023-06-01"
#define ANTHROPIC_MAX_TOKENS 1024

struct job {
	sprout_llm_request rq; /* its strings point into this job */
	char key[SPROUT_HASH_HEX];
	char family[SPROUT_HASH_HEX]; /* the key without max_tokens */
	unsigned sample;	      /* the same request's n-th time in this run */
	char url[2048];		      /* of the attempt: its server's */
	char shown[2048]; /* of the endpoint's first server, without credentials: the cache key */
	char where[2048]; /* url without credentials: for messages */
	size_t server;	  /* the attempt's, in its endpoint's servers */
	unsigned tries;
	unsigned moved;	    /* attempts sent again to another server: no retry spent */
	unsigned charged;   /* retries spent waiting while every server was set aside */
	int without_schema; /* asked again without the schema after a 400 about it */
	int merge_system;   /* asked again with the system text in the user turn */
	double not_before;  /* monotonic seconds, while waiting to retry */
	double retry_after; /* from the last answer, < 0 when none */
	long status;
	char *error; /* the last failure */
	CURL *easy;
	struct curl_slist *hdr;
	sprout_buf body, resp;
	char curl_msg[CURL_ERROR_SIZE];
	size_t slot; /* index in fly[] while in flight */
	/* the pace: the last attempt */
	double sent_at; /* monotonic seconds */
	double wire;	/* when its bytes went out (known once it was answered) */
	size_t bytes;	/* system, prompt and schema: the input tokens' estimate */
	double est_in, est_out, est_cost;
	double est_tokens;    /* what the server's tokens limit counts: OpenAI's counts
			       * max_tokens when the request arrives */
	int throttled;	      /* counted once among the requests that waited */
	int reused;	      /* answered by a compatible cached answer */
	sprout_rl_headers rl; /* the answer's rate-limit headers */
	sprout_llm_unsent unsent;
	/* an answer from the cache */
	char *text;
	size_t len;
	unsigned long pt, ct;
	struct job *next;
};

struct list {
	struct job *head, *tail;
	unsigned long n;
};

/* One server of an endpoint: its own concurrency, rate-limit headers and
 * cool-down, and whether it is set aside (sprout/ratelimit.h). */
struct server {
	const char *url;
	char shown[512]; /* url without credentials */
	sprout_server s;
	sprout_bucket heard[SPROUT_RL__COUNT]; /* from its headers */
	sprout_aimd aimd;
	double cool_until; /* after a 429, nothing is sent before (monotonic) */
	double heard_wire; /* the latest request (by when it went out) whose answer was heard */
	unsigned long answered, failed;
};

/* A set-aside server's first pause, seconds (doubled up to backoff_max). */
#define SERVER_PAUSE 2.0

struct endpoint_state {
	const sprout_llm_endpoint *ep;
	struct server *servers; /* one, or ep->urls */
	size_t nservers;
	int no_schema;	  /* a request the server refused for its schema was then
			   * answered without it: do not send the schema again */
	int merge_system; /* the same for the system role: the model's chat
			   * template has none (Gemma), so the system text goes
			   * at the start of the user turn */
	/* the pace */
	sprout_bucket rpm, tpm;	    /* set by hand, for all its servers */
	unsigned long pass;	    /* the start_ready pass that found it blocked */
	unsigned long long out_sum; /* answer tokens seen, for the estimates */
	unsigned long out_n;
	/* the ledger */
	const sprout_price *price;
	char shown[512]; /* the base URL without credentials */
	unsigned long requests, cache_hits;
	sprout_usage usage, cache_usage;
	double cost;
};

struct sprout_llm {
	sprout_llm_options o;
	CURLM *multi;
	struct list ready, waiting, done;
	struct list fresh; /* answered, in the open cache transaction until it commits */
	int in_txn;	   /* a transaction of the cache is open */
	double txn_since;  /* when it began (now()) */
	unsigned long in_flight;
	struct job **fly; /* the jobs in flight, cap slots */
	size_t cap;	  /* concurrency times the most servers of an endpoint */
	CURL **spare;	  /* finished easy handles, to reuse */
	size_t nspare, spare_cap;
	sqlite3 *db;
	sqlite3_stmt *get, *put;
	sprout_arena *scratch;
	sprout_rng rng;
	struct endpoint_state *eps;
	size_t neps, eps_cap;
	char *schema_ok; /* the last schema found to be a JSON object */
	/* requests submitted in this run, by the first 64 bits of their cache
	 * key (0 is free): how many times, for the sample index */
	uint64_t *seen;
	unsigned *times;
	size_t nseen, seen_cap;
	sprout_llm_counts c;
	sprout_batcher *batcher; /* batch mode: the jobs wait in it */
	struct list bfail;	 /* batch mode: failed in a step, told after it */
	/* the pace */
	unsigned long pass;
	double wake;	      /* seconds until a request held back may go, -1: none */
	double spent;	      /* USD, every endpoint */
	double inflight_cost; /* estimates of the requests in flight */
	int over_budget;      /* a request would have crossed max_cost: no more are sent */
	double per_byte;      /* the most input tokens per byte an answer counted, 0: none yet */
	sqlite3_stmt *family; /* an answer compatible with a request (reuse_cache) */
};

/* ---- small things --------------------------------------------------------- */

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static char *dup(const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

static void push_back(struct list *l, struct job *j)
{
	j->next = NULL;
	if (l->tail)
		l->tail->next = j;
	else
		l->head = j;
	l->tail = j;
	l->n++;
}

static void push_front(struct list *l, struct job *j)
{
	j->next = l->head;
	l->head = j;
	if (!l->tail)
		l->tail = j;
	l->n++;
}

static struct job *pop_front(struct list *l)
{
	struct job *j = l->head;
	if (j) {
		l->head = j->next;
		if (!l->head)
			l->tail = NULL;
		l->n--;
		j->next = NULL;
	}
	return j;
}

static void free_job(struct job *j)
{
	if (!j)
		return;
	free((char *)j->rq.system);
	free((char *)j->rq.prompt);
	free((char *)j->rq.schema);
	free(j->error);
	free(j->text);
	curl_slist_free_all(j->hdr);
	sprout_buf_release(&j->body);
	sprout_buf_release(&j->resp);
	free(j);
}

static void free_job_ptr(void *j)
{
	free_job(j);
}

static void free_list(struct list *l)
{
	struct job *j;
	while ((j = pop_front(l)))
		free_job(j);
}

static void set_error(struct job *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_error(struct job *j, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	free(j->error);
	j->error = dup(msg);
}

sprout_code sprout_llm_api_parse(const char *s, sprout_llm_api *out, sprout_error *err)
{
	if (!strcmp(s, "openai")) {
		*out = SPROUT_LLM_OPENAI;
		return SPROUT_OK;
	}
	if (!strcmp(s, "anthropic")) {
		*out = SPROUT_LLM_ANTHROPIC;
		return SPROUT_OK;
	}
	return sprout_error_set(err, SPROUT_ERR_USAGE,
				"unknown API '%s' (expected openai or anthropic)", s);
}

const char *sprout_llm_api_name(sprout_llm_api api)
{
	return api == SPROUT_LLM_ANTHROPIC ? "anthropic" : "openai";
}

void sprout_llm_options_init(sprout_llm_options *o)
{
	memset(o, 0, sizeof *o);
	o->concurrency = 16;
	o->retries = 5;
	o->timeout = 300;
	o->backoff = 1;
	o->backoff_max = 60;
	o->max_cost = -1;
}

void sprout_url_endpoint(const char *base, const char *path, char *out, size_t n)
{
	size_t tail = strcspn(base, "?#"); /* the query and fragment stay at the end */
	size_t ul = tail;
	while (ul && base[ul - 1] == '/')
		ul--;
	int v1 = ul >= 3 && !strncmp(base + ul - 3, "/v1", 3);
	snprintf(out, n, "%.*s%s/%s%s", (int)ul, base, v1 ? "" : "/v1", path, base + tail);
}

/* Whether word (lowercase ASCII) occurs in s[0..n), whatever the case of s. */
static int has_word_n(const char *s, size_t n, const char *word)
{
	size_t k = strlen(word);
	for (size_t j = 0; j + k <= n; j++)
		if (!strncasecmp(s + j, word, k))
			return 1;
	return 0;
}

/* Whether the query parameter name[0..len) names a secret. */
static int secret_param(const char *name, size_t len)
{
	static const char *const parts[] = {"key",  "token", "secret", "sig",
					    "pass", "auth",  "cred"};
	if (len == 4 && !strncasecmp(name, "code", 4))
		return 1;
	for (size_t i = 0; i < sizeof parts / sizeof *parts; i++)
		if (has_word_n(name, len, parts[i]))
			return 1;
	return 0;
}

void sprout_url_redact(const char *url, char *out, size_t n)
{
	if (!n)
		return;
	size_t o = 0;
#define PUT(p, len)                                                                                \
	do {                                                                                       \
		size_t l_ = (len);                                                                 \
		if (l_ > n - 1 - o)                                                                \
			l_ = n - 1 - o;                                                            \
		memcpy(out + o, (p), l_);                                                          \
		o += l_;                                                                           \
	} while (0)
	/* scheme://user:password@host: the authority ends at the first / ? # */
	const char *s = url, *auth = strstr(url, "://");
	if (auth) {
		auth += 3;
		size_t alen = strcspn(auth, "/?#");
		const char *at = memchr(auth, '@', alen);
		for (const char *q = at; q && q < auth + alen; q++) /* the last '@' ends it */
			if (*q == '@')
				at = q;
		if (at) {
			const char *colon = memchr(auth, ':', (size_t)(at - auth));
			PUT(url, (size_t)((colon ? colon : auth) - url));
			PUT(colon ? ":***@" : "***@", colon ? 5 : 4);
			s = at + 1;
		}
	}
	size_t q = strcspn(s, "?");
	PUT(s, q);
	s += q;
	while (*s == '?' || *s == '&') {
		PUT(s, 1);
		s++;
		size_t plen = strcspn(s, "&#");
		const char *eq = memchr(s, '=', plen);
		if (eq && secret_param(s, (size_t)(eq - s))) {
			PUT(s, (size_t)(eq - s) + 1);
			PUT("***", 3);
		} else {
			PUT(s, plen);
		}
		s += plen;
	}
	PUT(s, strlen(s)); /* the fragment */
#undef PUT
	out[o] = '\0';
}

/* The full URL of the chat endpoint on the server at base. */
static void endpoint_url(const sprout_llm_request *rq, const char *base, char *out, size_t n)
{
	const char *path = rq->ep->api == SPROUT_LLM_ANTHROPIC ? "messages"
			   : rq->completion		       ? "completions"
							       : "chat/completions";
	sprout_url_endpoint(base, path, out, n);
}

static const char *api_key(const sprout_llm_endpoint *ep)
{
	const char *k = ep->api_key;
	if (!k)
		k = getenv("SPROUT_API_KEY");
	if (!k)
		k = getenv(ep->api == SPROUT_LLM_ANTHROPIC ? "ANTHROPIC_API_KEY"
							   : "OPENAI_API_KEY");
	return k && *k ? k : NULL;
}

/* Room for n requests in flight at once: 0, or -1 when out of memory. */
static int grow_slots(sprout_llm *l, size_t n)
{
	if (n <= l->cap)
		return 0;
	struct job **v = realloc(l->fly, n * sizeof *v);
	if (!v)
		return -1;
	memset(v + l->cap, 0, (n - l->cap) * sizeof *v);
	l->fly = v;
	l->cap = n;
	curl_multi_setopt(l->multi, CURLMOPT_MAXCONNECTS, (long)n);
	return 0;
}

static struct endpoint_state *state_of(sprout_llm *l, const sprout_llm_endpoint *ep)
{
	for (size_t i = 0; i < l->neps; i++)
		if (l->eps[i].ep == ep)
			return &l->eps[i];
	if (l->neps == l->eps_cap) {
		size_t cap = l->eps_cap ? l->eps_cap * 2 : 8;
		struct endpoint_state *v = realloc(l->eps, cap * sizeof *v);
		if (!v)
			return NULL;
		l->eps = v;
		l->eps_cap = cap;
	}
	size_t n = ep->nurls > 1 && ep->urls ? ep->nurls : 1;
	struct server *sv = calloc(n, sizeof *sv);
	if (!sv || grow_slots(l, n * l->o.concurrency)) {
		free(sv);
		return NULL;
	}
	struct endpoint_state *es = &l->eps[l->neps++];
	memset(es, 0, sizeof *es);
	es->ep = ep;
	es->servers = sv;
	es->nservers = n;
	for (size_t k = 0; k < n; k++) {
		sv[k].url = n > 1 ? ep->urls[k] : ep->url;
		sprout_url_redact(sv[k].url ? sv[k].url : "", sv[k].shown, sizeof sv[k].shown);
		sprout_server_init(&sv[k].s);
		sprout_aimd_init(&sv[k].aimd, (double)l->o.concurrency);
		if (l->o.fixed)
			sv[k].aimd.window = (double)l->o.concurrency;
	}
	sprout_bucket_per_minute(&es->rpm, l->o.rpm, now());
	sprout_bucket_per_minute(&es->tpm, l->o.tpm, now());
	es->price = sprout_prices_find(l->o.prices, ep->model);
	sprout_url_redact(ep->url ? ep->url : "", es->shown, sizeof es->shown);
	return es;
}

/* ---- the cache ---------------------------------------------------------- */

static void number_text(char *out, size_t n, double v)
{
	if (v < 0)
		snprintf(out, n, "-");
	else
		snprintf(out, n, "%.15g", v);
}

/* The cache key: every parameter that changes the answer, and the sample
 * index of a request that is the n-th of the same in a run (sample 0 adds
 * nothing, so keys from before the index stay valid). family: the key of
 * every request that differs from it in max_tokens alone. */
static void cache_key(const sprout_llm_request *rq, const char *url, unsigned sample, int family,
		      char key[SPROUT_HASH_HEX])
{
	sprout_hasher *h = sprout_hasher_new();
	if (!h) {
		key[0] = '\0';
		return;
	}
	char t[40], p[40], m[40], a[16];
	number_text(t, sizeof t, rq->temperature);
	number_text(p, sizeof p, rq->top_p);
	snprintf(m, sizeof m, family ? "any" : "%ld", rq->max_tokens);
	snprintf(a, sizeof a, "%u", rq->attempt);
	const char *parts[] = {
	    "sprout llm 1", sprout_llm_api_name(rq->ep->api), url, rq->ep->model, t, p, m, a};
	for (size_t i = 0; i < sizeof parts / sizeof *parts; i++)
		sprout_hasher_add_str(h, parts[i]);
	/* NULL and "" differ: a marker byte says which */
	const char *texts[] = {rq->system, rq->prompt, rq->schema};
	for (size_t i = 0; i < 3; i++) {
		sprout_hasher_add(h, texts[i] ? "1" : "0", 1);
		sprout_hasher_add_str(h, texts[i] ? texts[i] : "");
	}
	if (sample) {
		char n[32];
		snprintf(n, sizeof n, "sample %u", sample);
		sprout_hasher_add_str(h, n);
	}
	for (size_t i = 0; rq->completion && i < rq->nstop; i++) {
		sprout_hasher_add_str(h, "stop");
		sprout_hasher_add_str(h, rq->stop[i]);
	}
	if (rq->has_seed) {
		char n[40];
		snprintf(n, sizeof n, "seed %lu", rq->seed);
		sprout_hasher_add_str(h, n);
	}
	sprout_hasher_hex(h, key);
	sprout_hasher_free(h);
}

static int cache_open(sprout_llm *l, sprout_error *err)
{
	if (sqlite3_open(l->o.cache, &l->db) != SQLITE_OK)
		goto fail;
	sqlite3_busy_timeout(l->db, 10000);
	if (sqlite3_exec(
		l->db,
		"PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
		"CREATE TABLE IF NOT EXISTS llm_answers(key TEXT PRIMARY KEY, model TEXT NOT "
		"NULL, answer BLOB NOT NULL, prompt_tokens INTEGER NOT NULL, "
		"completion_tokens INTEGER NOT NULL);",
		NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	/* the family of each answer (its key without max_tokens), for
	 * reuse_cache; a cache from before has none: its answers are found by
	 * their own key only */
	sqlite3_stmt *probe = NULL;
	if (sqlite3_prepare_v2(l->db, "SELECT family FROM llm_answers LIMIT 0", -1, &probe, NULL) !=
	    SQLITE_OK) {
		sqlite3_finalize(probe);
		probe = NULL;
		if (sqlite3_exec(l->db, "ALTER TABLE llm_answers ADD COLUMN family TEXT", NULL,
				 NULL, NULL) != SQLITE_OK)
			goto fail;
	}
	sqlite3_finalize(probe);
	/* indexed only once a run reuses: the others do not pay for it */
	if (l->o.reuse_cache &&
	    sqlite3_exec(l->db,
			 "CREATE INDEX IF NOT EXISTS llm_answers_family ON llm_answers(family)",
			 NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	if (sqlite3_prepare_v2(l->db,
			       "SELECT answer, prompt_tokens, completion_tokens FROM llm_answers "
			       "WHERE key = ?",
			       -1, &l->get, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(
		l->db,
		"INSERT OR REPLACE INTO llm_answers(key, model, answer, prompt_tokens, "
		"completion_tokens, family) VALUES(?, ?, ?, ?, ?, ?)",
		-1, &l->put, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(l->db,
			       "SELECT answer, prompt_tokens, completion_tokens FROM llm_answers "
			       "WHERE family = ?1 AND (?2 = 0 OR (completion_tokens > 0 AND "
			       "completion_tokens <= ?2)) ORDER BY rowid LIMIT 1",
			       -1, &l->family, NULL) != SQLITE_OK)
		goto fail;
	return 0;
fail:
	sprout_error_set(err, SPROUT_ERR_IO, "cannot open the answer cache: %s",
			 l->db ? sqlite3_errmsg(l->db) : "out of memory");
	sprout_error_locate(err, l->o.cache, 0, 0);
	return -1;
}

/* The answer of the row st stands on, into j->text. 1, or 0 when out of memory. */
static int cache_row(sqlite3_stmt *st, struct job *j)
{
	const void *b = sqlite3_column_blob(st, 0);
	int n = sqlite3_column_bytes(st, 0);
	j->text = malloc((size_t)n + 1);
	if (!j->text)
		return 0;
	if (n)
		memcpy(j->text, b, (size_t)n);
	j->text[n] = '\0';
	j->len = (size_t)n;
	j->pt = (unsigned long)sqlite3_column_int64(st, 1);
	j->ct = (unsigned long)sqlite3_column_int64(st, 2);
	return 1;
}

/* The longest answer a request allows, 0 for no limit of sprout's. */
static long answer_limit(const sprout_llm_request *rq)
{
	if (rq->max_tokens > 0)
		return rq->max_tokens;
	return rq->ep->api == SPROUT_LLM_ANTHROPIC && !rq->completion ? ANTHROPIC_MAX_TOKENS : 0;
}

static int cache_put(sprout_llm *l, const struct job *j, const char *text, size_t len,
		     unsigned long pt, unsigned long ct);

/* The cached answer for a job, into j->text: the answer to this very
 * request, or with reuse_cache one to the same request with another
 * max_tokens that is not longer than this one's (then also stored under
 * this request's key, when store). 1 when found, 2 when reused. */
static int cache_get(sprout_llm *l, struct job *j, int store)
{
	if (!l->get)
		return 0;
	sqlite3_reset(l->get);
	sqlite3_bind_text(l->get, 1, j->key, -1, SQLITE_STATIC);
	int found = sqlite3_step(l->get) == SQLITE_ROW && cache_row(l->get, j);
	sqlite3_reset(l->get);
	if (found || !l->o.reuse_cache)
		return found;
	sqlite3_reset(l->family);
	sqlite3_bind_text(l->family, 1, j->family, -1, SQLITE_STATIC);
	sqlite3_bind_int64(l->family, 2, (sqlite3_int64)answer_limit(&j->rq));
	found = sqlite3_step(l->family) == SQLITE_ROW && cache_row(l->family, j);
	sqlite3_reset(l->family);
	/* a failed copy costs only the next run a lookup */
	if (found && store)
		(void)cache_put(l, j, j->text, j->len, j->pt, j->ct);
	return found ? 2 : 0;
}

static int cache_put(sprout_llm *l, const struct job *j, const char *text, size_t len,
		     unsigned long pt, unsigned long ct)
{
	if (!l->put)
		return 0;
	sqlite3_reset(l->put);
	sqlite3_bind_text(l->put, 1, j->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(l->put, 2, j->rq.ep->model, -1, SQLITE_STATIC);
	sqlite3_bind_blob(l->put, 3, text, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(l->put, 4, (sqlite3_int64)pt);
	sqlite3_bind_int64(l->put, 5, (sqlite3_int64)ct);
	sqlite3_bind_text(l->put, 6, j->family, -1, SQLITE_STATIC);
	int rc = sqlite3_step(l->put);
	sqlite3_reset(l->put);
	return rc == SQLITE_DONE ? 0 : -1;
}

static void cache_failed(sprout_llm *l, sprout_error *err)
{
	sprout_error_set(err, SPROUT_ERR_IO, "cannot write the answer cache: %s",
			 sqlite3_errmsg(l->db));
	sprout_error_locate(err, l->o.cache, 0, 0);
}

/* BEGIN or COMMIT on the cache; -1 with err on failure. */
static int cache_exec(sprout_llm *l, const char *sql, sprout_error *err)
{
	if (sqlite3_exec(l->db, sql, NULL, NULL, NULL) == SQLITE_OK)
		return 0;
	cache_failed(l, err);
	return -1;
}

/* ---- life ---------------------------------------------------------------- */

sprout_llm *sprout_llm_new(const sprout_llm_options *o, sprout_error *err)
{
	if (sprout_curl_load(err))
		return NULL;
	sprout_llm *l = calloc(1, sizeof *l);
	if (!l) {
		sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		return NULL;
	}
	if (o)
		l->o = *o;
	else
		sprout_llm_options_init(&l->o);
	if (!l->o.concurrency)
		l->o.concurrency = 16;
	if (l->o.retries < 0)
		l->o.retries = 0;
	if (l->o.timeout <= 0)
		l->o.timeout = 300;
	if (l->o.backoff <= 0)
		l->o.backoff = 1;
	if (l->o.backoff_max < l->o.backoff)
		l->o.backoff_max = l->o.backoff;
	sprout_rng_init(&l->rng, l->o.seed, "llm", "jitter");
	l->multi = curl_multi_init();
	l->scratch = sprout_arena_new(0);
	if (!l->multi || !l->scratch || grow_slots(l, l->o.concurrency)) {
		sprout_llm_free(l);
		sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		return NULL;
	}
	/* per host and port: each server its own */
	curl_multi_setopt(l->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)l->o.concurrency);
	if (l->o.cache && cache_open(l, err)) {
		sprout_llm_free(l);
		return NULL;
	}
	if (l->o.batch && !l->db) {
		sprout_llm_free(l);
		sprout_error_set(err, SPROUT_ERR_USAGE,
				 "batches need the answer cache: it keeps the batch ids");
		return NULL;
	}
	if (l->o.batch &&
	    !(l->batcher = sprout__batcher_new(l->db, l->o.cache, l->o.batch, l->o.timeout,
					       l->o.retries, l->o.backoff, err))) {
		sprout_llm_free(l);
		return NULL;
	}
	return l;
}

static void drop_easy(sprout_llm *l, struct job *j)
{
	if (!j->easy)
		return;
	curl_multi_remove_handle(l->multi, j->easy);
	if (l->nspare == l->spare_cap) {
		size_t cap = l->spare_cap ? l->spare_cap * 2 : 32;
		CURL **v = realloc(l->spare, cap * sizeof *v);
		if (!v) {
			curl_easy_cleanup(j->easy);
			j->easy = NULL;
			return;
		}
		l->spare = v;
		l->spare_cap = cap;
	}
	l->spare[l->nspare++] = j->easy;
	j->easy = NULL;
}

void sprout_llm_free(sprout_llm *l)
{
	if (!l)
		return;
	/* jobs in flight own easy handles still in the multi */
	free_list(&l->ready);
	free_list(&l->waiting);
	free_list(&l->done);
	free_list(&l->fresh); /* their transaction is rolled back when the cache closes */
	free_list(&l->bfail);
	sprout__batcher_free(l->batcher, free_job_ptr);
	for (size_t i = 0; l->fly && i < l->cap; i++) {
		struct job *j = l->fly[i];
		if (!j)
			continue;
		curl_multi_remove_handle(l->multi, j->easy);
		curl_easy_cleanup(j->easy);
		j->easy = NULL;
		free_job(j);
	}
	free(l->fly);
	for (size_t i = 0; i < l->nspare; i++)
		curl_easy_cleanup(l->spare[i]);
	free(l->spare);
	if (l->multi)
		curl_multi_cleanup(l->multi);
	sqlite3_finalize(l->get);
	sqlite3_finalize(l->put);
	sqlite3_finalize(l->family);
	sqlite3_close(l->db);
	sprout_arena_free(l->scratch);
	for (size_t i = 0; i < l->neps; i++)
		free(l->eps[i].servers);
	free(l->eps);
	free(l->schema_ok);
	free(l->seen);
	free(l->times);
	free(l);
}

/* ---- submitting ------------------------------------------------------------ */

/* How many times a request with this key was submitted before in this
 * run (then counted once more); -1 when out of memory. */
static long times_seen(sprout_llm *l, const char *key)
{
	uint64_t k = strtoull((char[17]){key[0], key[1], key[2], key[3], key[4], key[5], key[6],
					 key[7], key[8], key[9], key[10], key[11], key[12], key[13],
					 key[14], key[15], 0},
			      NULL, 16);
	k = k ? k : 1;
	if ((l->nseen + 1) * 2 > l->seen_cap) {
		size_t cap = l->seen_cap ? l->seen_cap * 2 : 1024;
		uint64_t *ks = calloc(cap, sizeof *ks);
		unsigned *ts = calloc(cap, sizeof *ts);
		if (!ks || !ts) {
			free(ks);
			free(ts);
			return -1;
		}
		for (size_t i = 0; i < l->seen_cap; i++) {
			if (!l->seen[i])
				continue;
			size_t at = (size_t)l->seen[i] & (cap - 1);
			while (ks[at])
				at = (at + 1) & (cap - 1);
			ks[at] = l->seen[i];
			ts[at] = l->times[i];
		}
		free(l->seen);
		free(l->times);
		l->seen = ks;
		l->times = ts;
		l->seen_cap = cap;
	}
	size_t at = (size_t)k & (l->seen_cap - 1);
	while (l->seen[at] && l->seen[at] != k)
		at = (at + 1) & (l->seen_cap - 1);
	if (!l->seen[at]) {
		l->seen[at] = k;
		l->nseen++;
	}
	return (long)l->times[at]++;
}

sprout_code sprout_llm_submit(sprout_llm *l, const sprout_llm_request *rq, sprout_error *err)
{
	if (!rq->ep || !rq->ep->url || !*rq->ep->url || !rq->ep->model || !*rq->ep->model)
		return sprout_error_set(err, SPROUT_ERR_USAGE, "a request needs a URL and a model");
	if (!rq->prompt)
		return sprout_error_set(err, SPROUT_ERR_USAGE, "a request needs a prompt");
	if (rq->completion && rq->ep->api != SPROUT_LLM_OPENAI)
		return sprout_error_set(
		    err, SPROUT_ERR_USAGE,
		    "a raw completion goes to an OpenAI-compatible /v1/completions");
	/* every request of a run usually carries the same schema: check it once */
	if (rq->schema && (!l->schema_ok || strcmp(l->schema_ok, rq->schema))) {
		sprout_json *s;
		sprout_error perr = SPROUT_ERROR_INIT;
		int bad =
		    sprout_json_parse(l->scratch, rq->schema, strlen(rq->schema), &s, &perr) ||
		    s->type != SPROUT_JSON_OBJECT;
		sprout_arena_reset(l->scratch);
		if (bad)
			return sprout_error_set(err, SPROUT_ERR_USAGE,
						"the answer schema is not a JSON object");
		free(l->schema_ok);
		l->schema_ok = dup(rq->schema); /* NULL on OOM: checked again next time */
	}
	struct job *j = calloc(1, sizeof *j);
	if (!j)
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	j->rq = *rq;
	j->rq.system = dup(rq->system);
	j->rq.prompt = dup(rq->prompt);
	j->rq.schema = dup(rq->schema);
	j->retry_after = -1;
	sprout_buf_init(&j->body, MAX_BODY);
	sprout_buf_init(&j->resp, MAX_BODY);
	if ((rq->system && !j->rq.system) || !j->rq.prompt || (rq->schema && !j->rq.schema) ||
	    !state_of(l, rq->ep)) {
		free_job(j);
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	}
	endpoint_url(rq, rq->ep->url, j->url, sizeof j->url);
	sprout_url_redact(j->url, j->shown, sizeof j->shown);
	memcpy(j->where, j->shown, sizeof j->where);
	cache_key(rq, j->shown, 0, 0, j->key);
	/* the same request again in this run is another sample, not the
	 * cached answer of the first: two equal inputs give two answers */
	long sample = times_seen(l, j->key);
	if (sample < 0) {
		free_job(j);
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	}
	j->sample = (unsigned)sample;
	if (sample)
		cache_key(rq, j->shown, j->sample, 0, j->key);
	if (l->db)
		cache_key(rq, j->shown, j->sample, 1, j->family);
	j->bytes = strlen(rq->prompt) + (rq->system ? strlen(rq->system) : 0) +
		   (rq->schema ? strlen(rq->schema) : 0);
	int got = cache_get(l, j, 1);
	if (got) {
		j->reused = got == 2;
		push_back(&l->done, j);
		return SPROUT_OK;
	}
	push_back(&l->ready, j);
	return SPROUT_OK;
}

int sprout_llm_cached(sprout_llm *l, const sprout_llm_request *rq)
{
	struct job j;
	memset(&j, 0, sizeof j);
	endpoint_url(rq, rq->ep->url, j.url, sizeof j.url);
	sprout_url_redact(j.url, j.shown, sizeof j.shown);
	cache_key(rq, j.shown, 0, 0, j.key);
	cache_key(rq, j.shown, 0, 1, j.family);
	j.rq = *rq;
	int found = cache_get(l, &j, 0) != 0;
	free(j.text);
	return found;
}

/* ---- one HTTP attempt ------------------------------------------------------- */

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct job *j = ctx;
	return sprout_buf_add(&j->resp, p, size * n) ? 0 : size * n;
}

static double wall_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
	struct job *j = ctx;
	size_t len = size * n;
	if (len > 12 && (!strncasecmp(p, "x-ratelimit-", 12) ||
			 !strncasecmp(p, "anthropic-ratelimit-", len < 20 ? len : 20))) {
		/* an RFC 3339 reset (Anthropic's) is taken from when the request
		 * was sent: the answer was made later, so the time left to full
		 * is at most that, and the rate learnt from it at least a lower
		 * bound (the time the answer took to be read would make it more) */
		sprout_rl_header(&j->rl, p, len, wall_now() - (now() - j->sent_at));
		return len;
	}
	static const char name[] = "retry-after:";
	if (len > sizeof name - 1 && !strncasecmp(p, name, sizeof name - 1)) {
		char v[128];
		size_t k = len - (sizeof name - 1);
		if (k >= sizeof v)
			k = sizeof v - 1;
		memcpy(v, p + sizeof name - 1, k);
		v[k] = '\0';
		char *s = v;
		while (*s == ' ' || *s == '\t')
			s++;
		s[strcspn(s, "\r\n")] = '\0';
		char *end;
		double secs = strtod(s, &end);
		if (end != s && !*end && secs >= 0) {
			j->retry_after = secs;
		} else {
			time_t at = curl_getdate(s, NULL); /* an HTTP date */
			if (at >= 0)
				j->retry_after =
				    difftime(at, time(NULL)) > 0 ? difftime(at, time(NULL)) : 0;
		}
	}
	return len;
}

/* A sampling parameter as the user gave it (15 significant digits). */
static void kreal15(sprout_jw *w, const char *key, double x)
{
	sprout_jw_key(w, key);
	sprout_jw_sig(w, x, 15);
}

/* {"role": role, "content": text}, with a blank line and more after text
 * when more is given. */
static void message(sprout_jw *w, const char *role, const char *text, const char *more)
{
	sprout_jw_object(w);
	sprout_jw_kstring(w, "role", role);
	sprout_jw_key(w, "content");
	if (!more) {
		sprout_jw_string(w, text);
	} else {
		size_t nt = strlen(text), nm = strlen(more);
		sprout_buf both = SPROUT_BUF_INIT(nt + 2 + nm);
		if (sprout_buf_add(&both, text, nt) || sprout_buf_add(&both, "\n\n", 2) ||
		    sprout_buf_add(&both, more, nm))
			sprout_jw_fail(w, SPROUT_ERR_NOMEM);
		else
			sprout_jw_stringn(w, both.data, both.len);
		sprout_buf_release(&both);
	}
	sprout_jw_end(w);
}

/* The request body, for the endpoint's API. */
static int build_body(struct job *j, int with_schema, int merge_system)
{
	const sprout_llm_request *rq = &j->rq;
	sprout_buf *b = &j->body;
	sprout_buf_clear(b);
	sprout_jw w;
	sprout_jw_init(&w, b);
	sprout_jw_object(&w);
	sprout_jw_kstring(&w, "model", rq->ep->model);
	if (rq->completion) {
		sprout_jw_kstring(&w, "prompt", rq->prompt);
		if (rq->max_tokens > 0)
			sprout_jw_kint(&w, "max_tokens", rq->max_tokens);
		if (rq->nstop) {
			sprout_jw_karray(&w, "stop");
			for (size_t i = 0; i < rq->nstop; i++)
				sprout_jw_string(&w, rq->stop[i]);
			sprout_jw_end(&w);
		}
	} else if (rq->ep->api == SPROUT_LLM_ANTHROPIC) {
		sprout_jw_kint(&w, "max_tokens",
			       rq->max_tokens > 0 ? rq->max_tokens : ANTHROPIC_MAX_TOKENS);
		if (rq->system)
			sprout_jw_kstring(&w, "system", rq->system);
		sprout_jw_karray(&w, "messages");
		message(&w, "user", rq->prompt, NULL);
		sprout_jw_end(&w);
	} else {
		sprout_jw_karray(&w, "messages");
		if (rq->system && !merge_system)
			message(&w, "system", rq->system, NULL);
		/* without a system role: the system text, a blank line, the user's */
		message(&w, "user", rq->system && merge_system ? rq->system : rq->prompt,
			rq->system && merge_system ? rq->prompt : NULL);
		sprout_jw_end(&w);
		if (rq->max_tokens > 0)
			sprout_jw_kint(&w, "max_tokens", rq->max_tokens);
	}
	if (rq->temperature >= 0)
		kreal15(&w, "temperature", rq->temperature);
	if (rq->top_p >= 0)
		kreal15(&w, "top_p", rq->top_p);
	if (rq->has_seed)
		sprout_jw_kuint(&w, "seed", rq->seed);
	if (rq->schema && with_schema && !rq->completion) {
		size_t n = strlen(rq->schema);
		if (rq->ep->api == SPROUT_LLM_ANTHROPIC) {
			sprout_jw_karray(&w, "tools");
			sprout_jw_object(&w);
			sprout_jw_kstring(&w, "name", "answer");
			sprout_jw_kstring(&w, "description", "Give the answer in this shape.");
			sprout_jw_key(&w, "input_schema");
			sprout_jw_raw(&w, rq->schema, n);
			sprout_jw_end(&w);
			sprout_jw_end(&w);
			sprout_jw_kobject(&w, "tool_choice");
			sprout_jw_kstring(&w, "type", "tool");
			sprout_jw_kstring(&w, "name", "answer");
			sprout_jw_end(&w);
		} else {
			sprout_jw_kobject(&w, "response_format");
			sprout_jw_kstring(&w, "type", "json_schema");
			sprout_jw_kobject(&w, "json_schema");
			sprout_jw_kstring(&w, "name", "answer");
			sprout_jw_kbool(&w, "strict", 1);
			sprout_jw_key(&w, "schema");
			sprout_jw_raw(&w, rq->schema, n);
			sprout_jw_end(&w);
			sprout_jw_end(&w);
		}
	}
	sprout_jw_end(&w);
	return sprout_jw_finish(&w) != SPROUT_OK;
}

/* ---- the pace ------------------------------------------------------------------- */

/* What a job costs in a bucket of kind k. */
static double job_cost(const struct job *j, int k)
{
	switch (k) {
	case SPROUT_RL_REQUESTS: return 1;
	case SPROUT_RL_INPUT_TOKENS: return j->est_in;
	case SPROUT_RL_OUTPUT_TOKENS: return j->est_out;
	default: return j->est_tokens;
	}
}

/* The tokens a job will likely take: its input from its bytes (at the
 * most tokens per byte an answer counted, 1/4 until one came), its answer the
 * average answer of its endpoint (max_tokens, or 256, until one came),
 * never more than max_tokens; what a tokens limit counts (OpenAI's counts
 * max_tokens); and their price. */
static void estimate(const sprout_llm *l, const struct endpoint_state *es, struct job *j)
{
	double per_byte = l->per_byte > 0 ? l->per_byte : 0.25;
	j->est_in = ceil((double)j->bytes * per_byte);
	long cap = answer_limit(&j->rq);
	double out = es->out_n ? (double)es->out_sum / (double)es->out_n : cap ? (double)cap : 256;
	j->est_out = cap && out > (double)cap ? (double)cap : ceil(out);
	j->est_tokens = j->est_in + (j->rq.ep->api == SPROUT_LLM_OPENAI && j->rq.max_tokens > 0
					 ? (double)j->rq.max_tokens
					 : j->est_out);
	sprout_usage u = {(unsigned long long)j->est_in, 0, (unsigned long long)j->est_out};
	j->est_cost = es->price ? sprout_price_cost(es->price, &u, 0) : 0;
}

/* Seconds until j may be sent to server sv: 0 now, -1 when it has as
 * many in flight as its concurrency allows (an answer frees one) or its
 * trial is in flight. */
static double server_held_back(const sprout_llm *l, struct server *sv, const struct job *j,
			       double t)
{
	double w = sprout_server_wait(&sv->s, t);
	if (w != 0)
		return w;
	if (t < sv->cool_until)
		return sv->cool_until - t;
	size_t allowed = l->o.fixed ? l->o.concurrency : sprout_aimd_allowed(&sv->aimd);
	if (sv->s.in_flight >= allowed)
		return -1;
	for (int k = 0; k < SPROUT_RL__COUNT; k++) {
		double x = sprout_bucket_wait(&sv->heard[k], job_cost(j, k), t);
		w = x > w ? x : w;
	}
	return w;
}

#define MAX_SERVERS 64 /* SPROUT_LLM_MAX_URLS; more are never asked */

/* Seconds until j may be sent to its endpoint: 0 now, with the server in
 * *pick (sprout_server_pick), or -1 when every server is full (an answer
 * frees one). The budgets set by hand hold for all servers together. */
static double held_back(const sprout_llm *l, struct endpoint_state *es, const struct job *j,
			double t, size_t *pick)
{
	double waits[MAX_SERVERS], w = -1;
	sprout_server ss[MAX_SERVERS];
	size_t n = es->nservers < MAX_SERVERS ? es->nservers : MAX_SERVERS;
	for (size_t k = 0; k < n; k++) {
		waits[k] = server_held_back(l, &es->servers[k], j, t);
		ss[k] = es->servers[k].s;
		if (waits[k] >= 0 && (w < 0 || waits[k] < w))
			w = waits[k];
	}
	if (w < 0)
		return -1;
	double x = sprout_bucket_wait(&es->rpm, 1, t);
	w = x > w ? x : w;
	x = sprout_bucket_wait(&es->tpm, j->est_tokens, t);
	w = x > w ? x : w;
	if (w == 0)
		*pick = (size_t)sprout_server_pick(ss, waits, n);
	return w;
}

/* When the bytes of a request in flight went out (monotonic seconds), or
 * HUGE_VAL while it is still connecting. */
static double wire_time(const struct job *f)
{
	double pre = 0;
	if (f->easy)
		curl_easy_getinfo(f->easy, CURLINFO_PRETRANSFER_TIME, &pre);
	return pre > 0 ? f->sent_at + pre : HUGE_VAL;
}

/* An answer came for j at time t: its rate-limit headers into the
 * endpoint's buckets. The requests in flight whose bytes went out after
 * j's (or are still connecting: handed to libcurl before j, they can
 * reach the server after it) count as taken: the server had not seen
 * them. An answer to a request that went out before the latest one heard
 * is stale: it only lowers. */
static void hear(sprout_llm *l, struct server *sv, const struct job *j, double t)
{
	const sprout_rl_headers *h = &j->rl;
	if (l->o.fixed || !(h->has_limit & h->has_remaining))
		return;
	int fresh = j->wire > sv->heard_wire;
	if (fresh)
		sv->heard_wire = j->wire;
	for (int k = 0; k < SPROUT_RL__COUNT; k++) {
		unsigned bit = 1u << k;
		if (!(h->has_limit & h->has_remaining & bit))
			continue;
		double pending = 0;
		for (size_t i = 0; i < l->cap; i++) {
			const struct job *f = l->fly[i];
			if (f && f != j && f->rq.ep == j->rq.ep && f->server == j->server &&
			    wire_time(f) > j->wire)
				pending += job_cost(f, k);
		}
		sprout_bucket_heard(&sv->heard[k], h->limit[k], h->remaining[k],
				    h->has_reset & bit ? h->reset[k] : -1, h->resolution[k],
				    pending, fresh, t);
	}
}

/* What a server counted for j: into the ledger, the estimates and the
 * budgets set by hand (the buckets from headers hear the server itself). */
static void count_usage(sprout_llm *l, struct endpoint_state *es, const struct job *j,
			unsigned long pt, unsigned long cached, unsigned long ct, int batch,
			double t)
{
	if (!pt && !ct)
		return;
	sprout_usage u = {pt, cached, ct};
	es->requests++;
	es->usage.input += pt;
	es->usage.cached_input += cached;
	es->usage.output += ct;
	if (es->price) {
		double usd = sprout_price_cost(es->price, &u, batch);
		es->cost += usd;
		l->spent += usd;
	}
	if (pt && j->bytes) {
		double r = (double)pt / (double)j->bytes;
		if (r > l->per_byte)
			l->per_byte = r;
	}
	es->out_sum += ct;
	es->out_n++;
	double used = (double)(pt + ct), guess = j->est_tokens;
	if (used < guess)
		sprout_bucket_give(&es->tpm, guess - used, t);
	else
		sprout_bucket_take(&es->tpm, used - guess, t);
}

struct curl_slist *sprout__llm_headers(const sprout_llm_endpoint *ep, int json)
{
	struct curl_slist *h = curl_slist_append(NULL, json ? "Content-Type: application/json"
							    : "Accept: application/json");
	const char *key = api_key(ep);
	char line[4096];
	if (h && ep->api == SPROUT_LLM_ANTHROPIC) {
		h = curl_slist_append(h, "anthropic-version: " ANTHROPIC_VERSION);
		if (h && key) {
			snprintf(line, sizeof line, "x-api-key: %s", key);
			h = curl_slist_append(h, line);
		}
	} else if (h && key) {
		snprintf(line, sizeof line, "Authorization: Bearer %s", key);
		h = curl_slist_append(h, line);
	}
	for (size_t i = 0; h && i < ep->nheaders; i++)
		h = curl_slist_append(h, ep->headers[i]);
	/* no "Expect: 100-continue" round trip for large prompts */
	if (h)
		h = curl_slist_append(h, "Expect:");
	return h;
}

/* The request body as the endpoint takes it now. */
static int make_body(struct job *j, const struct endpoint_state *es)
{
	int with_schema = j->rq.schema && !es->no_schema && !j->without_schema;
	return build_body(j, with_schema, es->merge_system || j->merge_system);
}

static int start(sprout_llm *l, struct job *j, struct endpoint_state *es, size_t server)
{
	struct server *sv = &es->servers[server];
	if (make_body(j, es))
		return -1;
	if (es->nservers > 1) {
		/* the attempt's server: its URL, its name in messages */
		j->server = server;
		endpoint_url(&j->rq, sv->url, j->url, sizeof j->url);
		sprout_url_redact(j->url, j->where, sizeof j->where);
	}
	sprout_buf_clear(&j->resp);
	j->retry_after = -1;
	j->status = 0;
	j->curl_msg[0] = '\0';
	memset(&j->rl, 0, sizeof j->rl);
	if (!j->hdr && !(j->hdr = sprout__llm_headers(j->rq.ep, 1)))
		return -1;
	CURL *c = l->nspare ? l->spare[--l->nspare] : curl_easy_init();
	if (!c)
		return -1;
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, j->url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, j->hdr);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, j->body.data);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)j->body.len);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, j);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, j);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(l->o.timeout * 1000));
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 30000L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, j->curl_msg);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PRIVATE, (char *)j);
	if (curl_multi_add_handle(l->multi, c) != CURLM_OK) {
		curl_easy_cleanup(c);
		return -1;
	}
	j->easy = c;
	for (j->slot = 0; l->fly[j->slot]; j->slot++)
		;
	l->fly[j->slot] = j;
	j->tries++;
	l->c.sent++;
	if (j->tries > 1)
		l->c.retried++;
	l->in_flight++;
	if (l->in_flight > l->c.peak)
		l->c.peak = l->in_flight;
	/* the pace: counted against the endpoint until the answer comes */
	double t = now();
	j->sent_at = t;
	sprout_server_sent(&sv->s, t);
	l->inflight_cost += j->est_cost;
	sprout_bucket_take(&es->rpm, 1, t);
	sprout_bucket_take(&es->tpm, j->est_tokens, t);
	for (int k = 0; k < SPROUT_RL__COUNT; k++)
		sprout_bucket_take(&sv->heard[k], job_cost(j, k), t);
	return 0;
}

/* ---- reading answers ----------------------------------------------------------- */

/* The server's own message from an error body, for the reason. */
static void server_message(sprout_llm *l, const struct job *j, char *out, size_t n, char *param,
			   size_t pn)
{
	sprout_json *v = NULL;
	const char *body = j->resp.data ? j->resp.data : "";
	param[0] = '\0';
	if (!sprout_json_parse(l->scratch, body, j->resp.len, &v, NULL) &&
	    v->type == SPROUT_JSON_OBJECT) {
		sprout_json *e = sprout_json_get(v, "error");
		sprout_json *m =
		    e && e->type == SPROUT_JSON_OBJECT ? sprout_json_get(e, "message") : e;
		sprout_json *p =
		    e && e->type == SPROUT_JSON_OBJECT ? sprout_json_get(e, "param") : NULL;
		if (p && p->type == SPROUT_JSON_STRING)
			snprintf(param, pn, "%s", p->u.s);
		if (m && m->type == SPROUT_JSON_STRING) {
			snprintf(out, n, "%.300s", m->u.s);
			return;
		}
	}
	size_t k = j->resp.len < 200 ? j->resp.len : 200;
	snprintf(out, n, "%.*s", (int)k, body);
	for (char *p = out; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
}

/* Whether word (lowercase ASCII) occurs in s, whatever the case of s. */
static int has_word(const char *s, const char *word)
{
	return has_word_n(s, strlen(s), word);
}

/* Whether a 400 is about the structured output (response_format, tools,
 * a JSON schema or grammar) rather than the request's content (a prompt
 * over the context length, say): from the error's "param" and message.
 * Only then is the request asked again without the schema. */
static int about_schema(const char *param, const char *msg)
{
	static const char *const words[] = {"response_format", "json_schema", "schema", "tool",
					    "grammar",	       "structured",  "guided"};
	for (size_t i = 0; i < sizeof words / sizeof *words; i++)
		if (has_word(param, words[i]) || has_word(msg, words[i]))
			return 1;
	return 0;
}

/* Whether a 400 says the model takes no system message: "System role not
 * supported" (Gemma's chat template through llama.cpp or vLLM), "roles
 * must alternate user/assistant". Checked before the schema. */
static int about_system_role(const char *msg)
{
	return (has_word(msg, "system") &&
		(has_word(msg, "role") || has_word(msg, "not supported"))) ||
	       has_word(msg, "roles must alternate");
}

static unsigned long count_of(const sprout_json *obj, const char *key)
{
	const sprout_json *v = obj ? sprout_json_get(obj, key) : NULL;
	double d = v && v->type == SPROUT_JSON_NUMBER ? sprout_json_number(v) : 0;
	/* nonsense (negative, or more than a double counts exactly) is none */
	return d > 0 && d <= 9007199254740992.0 ? (unsigned long)d : 0;
}

/* Whether the model stopped before the end of its answer: reason (the
 * answer's field name) is length (the token limit) or filter (refused or
 * filtered). Then j->error says which. */
static int cut_short(struct job *j, const sprout_json *why, const char *name, const char *length,
		     const char *filter)
{
	if (sprout_json_is(why, length)) {
		set_error(j,
			  "%s: the answer was cut at the token limit (%s \"%s\"): raise "
			  "--answer-tokens",
			  j->where, name, length);
		return 1;
	}
	if (sprout_json_is(why, filter)) {
		set_error(j, "%s: the model stopped the answer (%s \"%s\")", j->where, name,
			  filter);
		return 1;
	}
	return 0;
}

/* The model's message from a 200 body into *text; 0, -1 with j->error (a
 * broken body: asked again), or -2 with j->error (an answer the model cut
 * short: never cached, not asked again). */
static int read_answer(sprout_llm *l, struct job *j, sprout_buf *text, unsigned long *pt,
		       unsigned long *cached, unsigned long *ct)
{
	sprout_json *v;
	sprout_error perr = SPROUT_ERROR_INIT;
	if (sprout_json_parse(l->scratch, j->resp.data ? j->resp.data : "", j->resp.len, &v,
			      &perr) ||
	    v->type != SPROUT_JSON_OBJECT) {
		set_error(j, "%s: the answer is not a JSON object (%s)", j->where,
			  perr.msg[0] ? perr.msg : "another JSON value");
		return -1;
	}
	sprout_json *usage = sprout_json_get(v, "usage");
	if (j->rq.ep->api == SPROUT_LLM_ANTHROPIC) {
		/* input_tokens leaves out what the prompt cache read or wrote */
		*cached = count_of(usage, "cache_read_input_tokens");
		*pt = count_of(usage, "input_tokens") + *cached +
		      count_of(usage, "cache_creation_input_tokens");
		*ct = count_of(usage, "output_tokens");
		if (cut_short(j, sprout_json_get(v, "stop_reason"), "stop_reason", "max_tokens",
			      "refusal"))
			return -2;
		sprout_json *content = sprout_json_get(v, "content");
		if (!content || content->type != SPROUT_JSON_ARRAY) {
			set_error(j, "%s: the answer has no \"content\" list", j->where);
			return -1;
		}
		/* a forced tool's input is the structured answer; else the text */
		for (size_t i = 0; i < content->len; i++) {
			sprout_json *blk = content->u.items[i];
			sprout_json *input = sprout_json_get(blk, "input");
			if (sprout_json_is(sprout_json_get(blk, "type"), "tool_use") && input)
				return sprout_json_write(text, input) ? -1 : 0;
		}
		for (size_t i = 0; i < content->len; i++) {
			sprout_json *t = sprout_json_get(content->u.items[i], "text");
			if (t && t->type == SPROUT_JSON_STRING &&
			    sprout_buf_add(text, t->u.s, t->len))
				return -1;
		}
		return 0;
	}
	*pt = count_of(usage, "prompt_tokens");
	*ct = count_of(usage, "completion_tokens");
	*cached = count_of(usage ? sprout_json_get(usage, "prompt_tokens_details") : NULL,
			   "cached_tokens");
	sprout_json *choices = sprout_json_get(v, "choices");
	if (j->rq.completion) {
		sprout_json *c0 = choices && choices->type == SPROUT_JSON_ARRAY && choices->len
				      ? choices->u.items[0]
				      : NULL;
		sprout_json *t = c0 ? sprout_json_get(c0, "text") : NULL;
		if (!t || t->type != SPROUT_JSON_STRING) {
			set_error(j, "%s: the answer has no choices[0].text", j->where);
			return -1;
		}
		if (cut_short(j, sprout_json_get(c0, "finish_reason"), "finish_reason", "length",
			      "content_filter"))
			return -2;
		return sprout_buf_add(text, t->u.s, t->len) ? -1 : 0;
	}
	sprout_json *msg = choices && choices->type == SPROUT_JSON_ARRAY && choices->len
			       ? sprout_json_get(choices->u.items[0], "message")
			       : NULL;
	if (msg && cut_short(j, sprout_json_get(choices->u.items[0], "finish_reason"),
			     "finish_reason", "length", "content_filter"))
		return -2;
	sprout_json *content = msg ? sprout_json_get(msg, "content") : NULL;
	if (!content || content->type != SPROUT_JSON_STRING) {
		set_error(j, "%s: the answer has no choices[0].message.content", j->where);
		return -1;
	}
	return sprout_buf_add(text, content->u.s, content->len) ? -1 : 0;
}

static int transient_status(long s)
{
	return s == 408 || s == 409 || s == 425 || s == 429 || s >= 500;
}

/* Wait before the next attempt: Retry-After when the server said, else
 * backoff * 2^(tries-1), halved to full by jitter, capped. */
static double retry_wait(sprout_llm *l, const struct job *j)
{
	if (j->retry_after >= 0)
		return j->retry_after < l->o.backoff_max ? j->retry_after : l->o.backoff_max;
	double w = l->o.backoff * pow(2, (double)(j->tries ? j->tries - 1 : 0));
	if (w > l->o.backoff_max)
		w = l->o.backoff_max;
	return w * (0.5 + 0.5 * sprout_rng_double(&l->rng));
}

/* An answer came: what the request confirmed about the endpoint (the
 * schema or the system role was what the server refused), and the counts. */
static void answered(sprout_llm *l, const struct job *j, unsigned long pt, unsigned long ct)
{
	struct endpoint_state *es = state_of(l, j->rq.ep);
	if (es && j->without_schema)
		es->no_schema = 1;
	if (es && j->merge_system)
		es->merge_system = 1;
	l->c.answered++;
	l->c.prompt_tokens += pt;
	l->c.completion_tokens += ct;
}

/* A 400 with this message and param: 1 when j is to be asked again
 * otherwise (flags set), 0 when it failed for good. */
static int ask_otherwise(sprout_llm *l, struct job *j, const char *msg, const char *param)
{
	struct endpoint_state *es = state_of(l, j->rq.ep);
	if (j->rq.system && j->rq.ep->api == SPROUT_LLM_OPENAI && !j->merge_system && es &&
	    !es->merge_system && about_system_role(msg)) {
		/* the model's chat template has no system role: ask again
		 * with the system text in the user turn; once that is
		 * answered, every request to the endpoint goes so */
		j->merge_system = 1;
		return 1;
	}
	if (j->rq.schema && !j->without_schema && es && !es->no_schema &&
	    about_schema(param, msg)) {
		/* structured output refused: ask again without it; once
		 * that is answered, it is left out for the endpoint */
		j->without_schema = 1;
		return 1;
	}
	return 0;
}

/* j was answered (the answer is in the cache): counted, and it waits in
 * l->fresh to be told (the job owns the text now). */
static void keep_answer(sprout_llm *l, struct job *j, sprout_buf *text, unsigned long pt,
			unsigned long ct)
{
	answered(l, j, pt, ct);
	j->text = text->data;
	j->len = text->len;
	j->pt = pt;
	j->ct = ct;
	push_back(&l->fresh, j);
}

static void deliver(const struct job *j, sprout_code code, const char *text, size_t len,
		    unsigned long pt, unsigned long ct, int cached, sprout_llm_done done, void *ud)
{
	sprout_llm_answer an = {code,
				text ? text : "",
				len,
				j->status,
				pt,
				ct,
				cached,
				j->tries,
				code ? (j->error ? j->error : "failed") : NULL,
				code ? j->unsent : SPROUT_LLM_SENT};
	if (done)
		done(ud, &j->rq, &an);
}

/* An attempt to sv answered (not for the server's fault). */
static void server_answered(sprout_llm *l, struct server *sv, const struct job *j)
{
	sv->answered++;
	char line[600];
	if (sprout_server_answered(&sv->s, j->sent_at) && l->o.note) {
		snprintf(line, sizeof line, "%s answers again: it is back among the servers",
			 sv->shown);
		l->o.note(l->o.note_ctx, line);
	}
}

/* Whether a server of es other than sv is healthy. */
static int healthy_other(const struct endpoint_state *es, const struct server *sv)
{
	for (size_t k = 0; k < es->nservers; k++)
		if (&es->servers[k] != sv && sprout_server_healthy(&es->servers[k].s))
			return 1;
	return 0;
}

/* No server of es is healthy after j's failure: each request to es that
 * waits for a server spends a retry, and fails (told, freed) when it has
 * none left, with j's error. */
static void charge_waiting(sprout_llm *l, const struct endpoint_state *es, const struct job *j,
			   sprout_llm_done done, void *ud)
{
	struct list keep = {0};
	struct job *w;
	while ((w = pop_front(&l->ready))) {
		if (w->rq.ep != es->ep ||
		    w->tries - w->moved + ++w->charged <= (unsigned)l->o.retries) {
			push_back(&keep, w);
			continue;
		}
		set_error(
		    w, "every server was set aside %u times while it waited; the last failure: %s",
		    w->charged, j->error ? j->error : "");
		l->c.failed++;
		deliver(w, SPROUT_ERR_IO, NULL, 0, 0, 0, 0, done, ud);
		free_job(w);
	}
	l->ready = keep;
}

/* An attempt to sv failed for the server's fault (j->error says how). In
 * an endpoint with several servers sv is set aside (sprout_server_failed;
 * the note says so), and when none is left healthy the requests waiting
 * for one spend a retry. 1 when another server is healthy. */
static int server_failed(sprout_llm *l, struct endpoint_state *es, struct server *sv,
			 const struct job *j, double t, sprout_llm_done done, void *ud)
{
	sv->failed++;
	if (es->nservers < 2) {
		sv->s.in_flight--;
		return 0;
	}
	int was = sprout_server_healthy(&sv->s);
	double at_least = j->retry_after < 0		      ? 0
			  : j->retry_after < l->o.backoff_max ? j->retry_after
							      : l->o.backoff_max;
	if (sprout_server_failed(&sv->s, j->sent_at, t, SERVER_PAUSE, l->o.backoff_max, at_least)) {
		l->c.set_aside += (unsigned long)was;
		char line[1600];
		snprintf(line, sizeof line, "%s %s for %.0f s: %s", sv->shown,
			 was ? "set aside" : "failed its trial: set aside again",
			 sv->s.aside_until - t, j->error ? j->error : "failed");
		if (l->o.note)
			l->o.note(l->o.note_ctx, line);
		if (!healthy_other(es, NULL))
			charge_waiting(l, es, j, done, ud);
	}
	return healthy_other(es, sv);
}

/* A transfer ended. 0, or -1 when sprout itself failed (err set). */
static int finish(sprout_llm *l, struct job *j, CURLcode cc, sprout_llm_done done, void *ud,
		  sprout_error *err)
{
	curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &j->status);
	j->wire = wire_time(j);
	if (j->wire == HUGE_VAL)
		j->wire = j->sent_at; /* it never connected */
	drop_easy(l, j);
	sprout_arena_reset(l->scratch);
	/* the pace: the headers first, while the requests sent after it are
	 * still among those in flight */
	struct endpoint_state *es = state_of(l, j->rq.ep); /* there since submit */
	struct server *sv = &es->servers[j->server];
	double t = now();
	hear(l, sv, j, t);
	l->fly[j->slot] = NULL;
	l->in_flight--;
	l->inflight_cost -= j->est_cost;
	int congested =
	    cc == CURLE_OPERATION_TIMEDOUT ||
	    (cc == CURLE_OK && (j->status == 429 || j->status == 503 || j->status == 529));
	if (congested && !l->o.fixed && sprout_aimd_congested(&sv->aimd, j->sent_at, t))
		l->c.cuts++;
	if (cc == CURLE_OK && j->status == 429 && !l->o.fixed) {
		/* a cool-down for every request to the server, as long as it
		 * asked (else the backoff of this request) */
		double until = t + retry_wait(l, j);
		if (until > sv->cool_until)
			sv->cool_until = until;
	}
	/* the server's fault, or an answer (a 400 and a broken body are the
	 * request's or the model's) */
	int fault = cc != CURLE_OK || j->status == 429 || j->status >= 500;
	if (!fault)
		server_answered(l, sv, j);
	int retry = 0;
	if (cc != CURLE_OK) {
		set_error(j, "%s: %s", j->where,
			  j->curl_msg[0] ? j->curl_msg : curl_easy_strerror(cc));
		retry = 1;
	} else if (j->status == 200) {
		sprout_buf text = SPROUT_BUF_INIT(MAX_BODY);
		unsigned long pt = 0, cached = 0, ct = 0;
		int got = read_answer(l, j, &text, &pt, &cached, &ct);
		if (got != -1)
			count_usage(l, es, j, pt, cached, ct, 0,
				    t); /* a cut answer was paid for too */
		if (!got) {
			if (!l->o.fixed)
				sprout_aimd_success(&sv->aimd);
			/* into the step's transaction; handed over once it is committed */
			int bad = 0;
			if (l->db && !l->in_txn) {
				bad = cache_exec(l, "BEGIN", err);
				l->txn_since = now();
			}
			l->in_txn = l->db && !bad;
			if (!bad && cache_put(l, j, text.data ? text.data : "", text.len, pt, ct)) {
				cache_failed(l, err);
				bad = 1;
			}
			if (bad) {
				sprout_buf_release(&text);
				free_job(j);
				return -1;
			}
			keep_answer(l, j, &text, pt, ct);
			return 0;
		}
		sprout_buf_release(&text);
		retry = got == -1; /* a cut or broken body: ask again; a cut answer: no */
	} else {
		char msg[400];
		char param[64];
		server_message(l, j, msg, sizeof msg, param, sizeof param);
		set_error(j, "%s: HTTP %ld: %s", j->where, j->status, msg);
		if (j->status == 400 && ask_otherwise(l, j, msg, param)) {
			j->not_before = 0;
			push_front(&l->ready,
				   j); /* first: the sooner it is known, the fewer refused */
			return 0;
		}
		retry = transient_status(j->status);
	}
	if (fault && server_failed(l, es, sv, j, t, done, ud) && retry &&
	    j->moved < (unsigned)l->o.retries) {
		/* another server is healthy: there at once, no retry spent */
		j->moved++;
		l->c.moved++;
		j->not_before = 0;
		push_front(&l->ready, j);
		return 0;
	}
	if (retry && j->tries - j->moved + j->charged <= (unsigned)l->o.retries) {
		j->not_before = now() + retry_wait(l, j);
		push_back(&l->waiting, j);
		return 0;
	}
	if (retry && j->tries > 1) {
		char last[1024];
		snprintf(last, sizeof last, "%s", j->error ? j->error : "");
		set_error(j, "after %u attempts: %s", j->tries, last);
	}
	l->c.failed++;
	deliver(j, SPROUT_ERR_IO, NULL, 0, 0, 0, 0, done, ud);
	free_job(j);
	return 0;
}

/* ---- the loop ------------------------------------------------------------------- */

/* Jobs whose retry time has come go back to the front of the queue. */
static double promote(sprout_llm *l)
{
	double t = now(), next = -1;
	struct list keep = {0}, due = {0};
	struct job *j;
	while ((j = pop_front(&l->waiting))) {
		if (j->not_before <= t) {
			push_back(&due, j);
		} else {
			push_back(&keep, j);
			if (next < 0 || j->not_before < next)
				next = j->not_before;
		}
	}
	l->waiting = keep;
	if (due.head) {
		due.tail->next = l->ready.head;
		if (!l->ready.head)
			l->ready.tail = due.tail;
		l->ready.head = due.head;
		l->ready.n += due.n;
	}
	return next < 0 ? -1 : next - t;
}

/* The reason a new request may not be sent, or NULL. */
static const char *over_cap(const sprout_llm *l, char *buf, size_t n)
{
	if (l->o.max_requests && l->c.sent >= l->o.max_requests) {
		snprintf(buf, n, "not sent: the cap of %lu requests (--max-requests) is reached",
			 l->o.max_requests);
		return buf;
	}
	if (l->o.max_tokens && l->c.prompt_tokens + l->c.completion_tokens >= l->o.max_tokens) {
		snprintf(buf, n, "not sent: the cap of %llu tokens (--max-tokens) is reached",
			 l->o.max_tokens);
		return buf;
	}
	return NULL;
}

/* Fail j (and free it) when a cap is reached: 1, else 0. */
static int capped(sprout_llm *l, struct job *j, sprout_llm_done done, void *ud)
{
	char why[160];
	if (!over_cap(l, why, sizeof why))
		return 0;
	set_error(j, "%s", why);
	l->c.failed++;
	deliver(j, SPROUT_ERR_IO, NULL, 0, 0, 0, 0, done, ud);
	free_job(j);
	return 1;
}

/* The reason j may not be sent for max_cost, or NULL. */
static const char *over_budget(sprout_llm *l, const struct endpoint_state *es, const struct job *j,
			       char *buf, size_t n)
{
	if (l->o.max_cost < 0)
		return NULL;
	if (!es->price)
		snprintf(buf, n,
			 "not sent: no price is known for model '%.200s' (--max-cost needs one)",
			 j->rq.ep->model);
	else if (l->over_budget || l->spent + l->inflight_cost + j->est_cost > l->o.max_cost)
		snprintf(
		    buf, n,
		    "not sent: the budget of $%.4f (--max-cost) would be crossed ($%.4f spent, "
		    "$%.4f in flight, about $%.4f for this request)",
		    l->o.max_cost, l->spent, l->inflight_cost, j->est_cost);
	else
		return NULL;
	return buf;
}

/* A request that will not be sent: answered with the reason. */
static void refuse(sprout_llm *l, struct job *j, sprout_llm_unsent why, const char *reason,
		   sprout_llm_done done, void *ud)
{
	set_error(j, "%s", reason);
	j->unsent = why;
	l->c.failed++;
	if (why == SPROUT_LLM_BUDGET)
		l->c.budget++;
	deliver(j, SPROUT_ERR_IO, NULL, 0, 0, 0, 0, done, ud);
	free_job(j);
}

/* Send what may go, in order, skipping the requests to an endpoint that
 * must wait (its rate limits, its cool-down, its concurrency); l->wake
 * says when the first of those that wait for time may go. */
static int start_ready(sprout_llm *l, sprout_llm_done done, void *ud, sprout_error *err)
{
	struct job *prev = NULL, *j = l->ready.head;
	size_t blocked = 0;
	double t = now();
	l->wake = -1;
	l->pass++;
	while (j && l->in_flight < l->cap && blocked < l->neps) {
		struct job *next = j->next;
		struct endpoint_state *es = state_of(l, j->rq.ep); /* there since submit */
		if (es->pass == l->pass) {			   /* its endpoint waits */
			prev = j;
			j = next;
			continue;
		}
		estimate(l, es, j);
		char why[400];
		const char *cap = over_cap(l, why, sizeof why);
		const char *budget = cap ? NULL : over_budget(l, es, j, why, sizeof why);
		size_t server = 0;
		double wait = cap || budget ? 0 : held_back(l, es, j, t, &server);
		if (wait != 0) {
			es->pass = l->pass;
			blocked++;
			if (wait > 0 && (l->wake < 0 || wait < l->wake))
				l->wake = wait;
			if (!j->throttled && wait > 0) {
				j->throttled = 1;
				l->c.throttled++;
			}
			prev = j;
			j = next;
			continue;
		}
		/* off the queue */
		if (prev)
			prev->next = next;
		else
			l->ready.head = next;
		if (l->ready.tail == j)
			l->ready.tail = prev;
		l->ready.n--;
		j->next = NULL;
		if (cap) {
			refuse(l, j, SPROUT_LLM_CAP, why, done, ud);
		} else if (budget) {
			l->over_budget = 1;
			refuse(l, j, SPROUT_LLM_BUDGET, why, done, ud);
		} else if (start(l, j, es, server)) {
			free_job(j);
			sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory starting a request");
			return -1;
		}
		j = next;
	}
	return 0;
}

/* Tell and free the jobs of list: l->done (answers from the cache),
 * l->fresh (answers from servers, on disk) or l->bfail (failures). */
static void deliver_list(sprout_llm *l, struct list *list, sprout_llm_done done, void *ud)
{
	struct job *j;
	while ((j = pop_front(list))) {
		if (list == &l->bfail) {
			l->c.failed++;
			deliver(j, SPROUT_ERR_IO, NULL, 0, 0, 0, 0, done, ud);
		} else {
			if (list == &l->done) {
				/* from the cache: in the ledger apart, at no cost */
				struct endpoint_state *es =
				    state_of(l, j->rq.ep); /* there since submit */
				es->cache_hits++;
				es->cache_usage.input += j->pt;
				es->cache_usage.output += j->ct;
				l->c.cached++;
				l->c.reused += (unsigned long)j->reused;
			}
			deliver(j, SPROUT_OK, j->text, j->len, j->pt, j->ct, list == &l->done, done,
				ud);
		}
		free_job(j);
	}
}

/* ---- batch mode ----------------------------------------------------------------- */

/* A result from a batch (see batch_internal.h): an answer goes into the
 * cache (in the batcher's transaction) and l->fresh, a failure into
 * l->bfail, a request to ask again back into l->ready. An answer to a
 * request of an earlier run (d->job NULL) is only cached. */
static int on_batch_done(void *ud, const batch_done *d, sprout_error *err)
{
	sprout_llm *l = ud;
	struct job *j = d->job, orphan;
	sprout_llm_endpoint ep = {d->api, "", d->model, NULL, NULL, 0};
	if (!j) {
		memset(&orphan, 0, sizeof orphan);
		orphan.rq.ep = &ep;
		orphan.rq.completion = d->completion;
		snprintf(orphan.key, sizeof orphan.key, "%s", d->key);
		snprintf(orphan.shown, sizeof orphan.shown, "batch");
		snprintf(orphan.where, sizeof orphan.where, "batch");
		sprout_buf_init(&orphan.resp, MAX_BODY);
		j = &orphan;
	}
	j->status = d->status;
	if (j != &orphan) {
		l->inflight_cost -= j->est_cost;
		j->est_cost = 0;
	}
	int got = -1, rc = 0;
	if (d->outcome == SPROUT_BATCH_ANSWERED) {
		sprout_buf text = SPROUT_BUF_INIT(MAX_BODY);
		unsigned long pt = 0, cached = 0, ct = 0;
		sprout_buf_clear(&j->resp);
		sprout_arena_reset(l->scratch);
		got = sprout_buf_add(&j->resp, d->body, d->len)
			  ? -1
			  : read_answer(l, j, &text, &pt, &cached, &ct);
		if (got != -1 &&
		    j != &orphan) /* at the batch price; an earlier run's is not known here */
			count_usage(l, state_of(l, j->rq.ep), j, pt, cached, ct, 1, now());
		if (!got && cache_put(l, j, text.data ? text.data : "", text.len, pt, ct)) {
			cache_failed(l, err);
			rc = -1;
		} else if (!got && j != &orphan) {
			keep_answer(l, j, &text, pt, ct);
			return 0;
		}
		sprout_buf_release(&text);
	} else if (d->status) {
		set_error(j, "%s (batch): HTTP %ld: %s", j->shown, d->status, d->why);
	} else {
		set_error(j, "%s (batch): %s", j->shown, d->why);
	}
	if (j == &orphan) {
		free(orphan.error);
		sprout_buf_release(&orphan.resp);
		return rc;
	}
	if (rc || !got)
		return rc;
	if (d->status == 400 && ask_otherwise(l, j, d->why, d->param)) {
		push_back(&l->ready, j);
		return 0;
	}
	/* a broken answer, an expired or a transient failure: sent again */
	int again = (d->outcome == SPROUT_BATCH_ANSWERED && got == -1) ||
		    d->outcome == SPROUT_BATCH_EXPIRED ||
		    (d->outcome == SPROUT_BATCH_ERRORED && transient_status(d->status));
	if (again && j->tries <= (unsigned)l->o.retries) {
		push_back(&l->ready, j);
		return 0;
	}
	push_back(&l->bfail, j);
	return 0;
}

/* sprout_llm_step in batch mode: the requests queued since the last step
 * go to the batcher (into a new batch, or to wait for the batch an earlier
 * run sent them in), then what ended is told. */
static long batch_step(sprout_llm *l, int wait_ms, sprout_llm_done done, void *ud,
		       sprout_error *err)
{
	deliver_list(l, &l->done, done, ud);
	struct job *j;
	while ((j = pop_front(&l->ready))) {
		if (capped(l, j, done, ud))
			continue;
		struct endpoint_state *es = state_of(l, j->rq.ep);
		if (!es || make_body(j, es)) {
			free_job(j);
			return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory"), -1;
		}
		/* the budget, at the batch price */
		char why[400];
		estimate(l, es, j);
		j->est_cost *= es->price ? 1 - es->price->batch_discount : 1;
		if (over_budget(l, es, j, why, sizeof why)) {
			l->over_budget = 1;
			refuse(l, j, SPROUT_LLM_BUDGET, why, done, ud);
			continue;
		}
		l->inflight_cost += j->est_cost;
		batch_request br = {j->rq.ep,	  j->rq.completion, j->key,
				    j->body.data, j->body.len,	    j};
		int found = 0;
		if (sprout__batcher_add(l->batcher, &br, &found, err)) {
			free_job(j);
			return -1;
		}
		if (!found) {
			j->tries++;
			l->c.sent++;
			l->c.retried += j->tries > 1;
		}
	}
	long left = sprout__batcher_step(l->batcher, wait_ms, on_batch_done, l, err);
	if (left < 0)
		return -1;
	deliver_list(l, &l->fresh, done, ud);
	deliver_list(l, &l->bfail, done, ud);
	if (!l->ready.n && !l->done.n && sprout__batcher_overdue(l->batcher, err))
		return -1;
	l->in_flight = (unsigned long)left; /* for the counts: they wait in batches */
	return left + (long)(l->ready.n + l->done.n);
}

/* Answers written to the cache wait in one transaction for at most this
 * many answers or seconds, or until no request is in flight or waiting to
 * go when a step begins; the cache lookups of the requests that go
 * meanwhile are made in it too, without taking the file's locks each. */
#define COMMIT_ANSWERS 256
#define COMMIT_WAIT    0.02

/* Commit the cache's transaction when it is due (or now, with force) and
 * hand over the answers it holds. */
static int settle(sprout_llm *l, int force, sprout_llm_done done, void *ud, sprout_error *err)
{
	if (l->in_txn &&
	    (force || l->fresh.n >= COMMIT_ANSWERS || now() - l->txn_since >= COMMIT_WAIT)) {
		if (cache_exec(l, "COMMIT", err))
			return -1;
		l->in_txn = 0;
	}
	if (!l->in_txn)
		deliver_list(l, &l->fresh, done, ud);
	return 0;
}

/* Finished transfers: their answers, retries or failures. The answers are
 * written to the cache in a transaction that takes those of later calls
 * too (COMMIT_ANSWERS, COMMIT_WAIT), and handed to done only after it is
 * committed: an answer the caller has seen is on disk. */
static int reap(sprout_llm *l, sprout_llm_done done, void *ud, sprout_error *err, int *any)
{
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(l->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		struct job *j = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&j);
		CURLcode cc = m->data.result;
		*any = 1;
		if (finish(l, j, cc, done, ud, err))
			return -1;
	}
	return settle(l, 0, done, ud, err);
}

long sprout_llm_step(sprout_llm *l, int wait_ms, sprout_llm_done done, void *ud, sprout_error *err)
{
	if (l->batcher)
		return batch_step(l, wait_ms, done, ud, err);
	/* nothing more will come before the caller hears these answers */
	int had = l->fresh.head != NULL;
	if (settle(l, !(l->in_flight || l->ready.n || l->waiting.n), done, ud, err))
		return -1;
	int any = l->done.head != NULL || (had && !l->fresh.head);
	deliver_list(l, &l->done, done, ud);
	double next = promote(l);
	if (start_ready(l, done, ud, err))
		return -1;
	int running = 0;
	if (curl_multi_perform(l->multi, &running) != CURLM_OK)
		return sprout_error_set(err, SPROUT_ERR_IO, "the HTTP client failed"), -1;
	if (reap(l, done, ud, err, &any))
		return -1;
	if (!any && (l->in_flight || l->waiting.n || (l->ready.n && l->wake >= 0))) {
		int ms = wait_ms;
		if (next >= 0 && next * 1000 < ms)
			ms = (int)(next * 1000) + 1;
		if (l->ready.n && l->wake >= 0 && l->wake * 1000 < ms)
			ms = (int)(l->wake * 1000) + 1;
		if (l->in_txn) { /* answers wait for their commit */
			double left = l->txn_since + COMMIT_WAIT - now();
			int cap = left > 0 ? (int)(left * 1000) + 1 : 0;
			if (cap < ms)
				ms = cap;
		}
		if (l->in_flight) {
			curl_multi_poll(l->multi, NULL, 0, ms, NULL);
		} else if (ms > 0) {
			struct timespec nap = {ms / 1000, (long)(ms % 1000) * 1000000L};
			nanosleep(&nap, NULL);
		}
		if (curl_multi_perform(l->multi, &running) != CURLM_OK)
			return sprout_error_set(err, SPROUT_ERR_IO, "the HTTP client failed"), -1;
		if (reap(l, done, ud, err, &any))
			return -1;
		promote(l);
		if (start_ready(l, done, ud, err))
			return -1;
	}
	return (long)(l->ready.n + l->waiting.n + l->in_flight + l->done.n + l->fresh.n);
}

static void drop_job(void *drop, void *job)
{
	struct job *j = job;
	if (drop)
		((void (*)(void *))drop)(j->rq.ctx);
	free_job(j);
}

void sprout_llm_abandon(sprout_llm *l, void (*drop)(void *ctx))
{
	struct list *lists[] = {&l->ready, &l->waiting, &l->done, &l->fresh, &l->bfail};
	struct job *j;
	for (size_t i = 0; i < sizeof lists / sizeof *lists; i++)
		while ((j = pop_front(lists[i])))
			drop_job((void *)drop, j);
	for (size_t i = 0; l->fly && i < l->cap; i++) {
		if (!(j = l->fly[i]))
			continue;
		drop_easy(l, j);
		l->fly[i] = NULL;
		l->in_flight--;
		struct endpoint_state *es = state_of(l, j->rq.ep);
		if (es && es->servers[j->server].s.in_flight)
			es->servers[j->server].s.in_flight--;
		drop_job((void *)drop, j);
	}
	if (l->batcher) {
		sprout__batcher_forget(l->batcher, drop_job, (void *)drop);
		l->in_flight = 0;
	}
}

int sprout_llm_batches(const sprout_llm *l)
{
	return l->batcher != NULL;
}

int sprout_llm_ledger_get(const sprout_llm *l, size_t i, sprout_llm_ledger *out)
{
	if (i >= l->neps)
		return 0;
	const struct endpoint_state *es = &l->eps[i];
	out->api = sprout_llm_api_name(es->ep->api);
	out->model = es->ep->model;
	out->url = es->shown;
	out->requests = es->requests;
	out->usage = es->usage;
	out->cost = es->price ? es->cost : -1;
	out->cache_hits = es->cache_hits;
	out->cache_usage = es->cache_usage;
	out->nservers = es->nservers;
	return 1;
}

int sprout_llm_server_get(const sprout_llm *l, size_t i, size_t k, sprout_llm_server_stats *out)
{
	if (i >= l->neps || k >= l->eps[i].nservers)
		return 0;
	const struct server *sv = &l->eps[i].servers[k];
	out->url = sv->shown;
	out->sent = sv->s.sent;
	out->answered = sv->answered;
	out->failed = sv->failed;
	out->asides = sv->s.asides;
	out->aside = !sprout_server_healthy(&sv->s);
	return 1;
}

void sprout_llm_counts_get(const sprout_llm *l, sprout_llm_counts *c)
{
	*c = l->c;
	c->in_flight = l->in_flight;
	c->waiting = l->waiting.n;
	c->queued = l->ready.n + l->done.n;
}
