/* Embeddings over HTTP, cached in SQLite. See sprout/embed.h. */
#include "sprout/embed.h"

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "services/curl_dyn.h"
#include "sprout/llm.h"

#include "sprout/arena.h"
#include "sprout/buf.h"
#include "sprout/json.h"

#define MAX_BODY ((size_t)256 << 20)

struct vec {
	uint64_t h0, h1; /* text hash; h0 == 0: empty slot */
	float *v;
	size_t dim;
};

struct sprout_embed {
	char *url, *model, *key;
	size_t batch;
	double timeout;
	int retries;
	sqlite3 *db;
	sprout_arena *mem;
	struct vec *slots;
	size_t cap, n;
	unsigned long requests, cached;
};

static char *dupstr(const char *s)
{
	return s ? strdup(s) : NULL;
}

void sprout_embed_free(sprout_embed *e)
{
	if (!e)
		return;
	if (e->db)
		sqlite3_close(e->db);
	free(e->url);
	free(e->model);
	if (e->key) {
		memset(e->key, 0, strlen(e->key)); /* do not leave the key in freed memory */
		free(e->key);
	}
	free(e->slots);
	sprout_arena_free(e->mem);
	free(e);
}

sprout_embed *sprout_embed_new(const sprout_embed_options *o, sprout_error *err)
{
	if (!o->url || !*o->url || !o->model || !*o->model) {
		sprout_error_set(err, SPROUT_ERR_USAGE,
				 "the embed engine needs an endpoint URL and a model name");
		return NULL;
	}
	if (sprout_curl_load(err))
		return NULL;
	sprout_embed *e = calloc(1, sizeof *e);
	if (!e) {
		sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		return NULL;
	}
	const char *key = o->api_key;
	if (!key)
		key = getenv("SPROUT_API_KEY");
	if (!key)
		key = getenv("OPENAI_API_KEY");
	e->url = dupstr(o->url);
	e->model = dupstr(o->model);
	e->key = dupstr(key);
	e->batch = o->batch ? o->batch : 64;
	e->timeout = o->timeout > 0 ? o->timeout : 60;
	e->retries = o->retries > 0 ? o->retries : 4;
	e->mem = sprout_arena_new(1 << 20);
	e->cap = 1024;
	e->slots = calloc(e->cap, sizeof *e->slots);
	if (!e->url || !e->model || (key && !e->key) || !e->mem || !e->slots) {
		sprout_embed_free(e);
		sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		return NULL;
	}
	if (o->cache) {
		char *msg = NULL;
		if (sqlite3_open(o->cache, &e->db) != SQLITE_OK ||
		    sqlite3_exec(
			e->db,
			"PRAGMA journal_mode=WAL;"
			"CREATE TABLE IF NOT EXISTS embeddings(model TEXT NOT NULL, key TEXT NOT "
			"NULL, dim INTEGER NOT NULL, vec BLOB NOT NULL, PRIMARY KEY(model, key));",
			NULL, NULL, &msg) != SQLITE_OK) {
			sprout_error_set(err, SPROUT_ERR_IO,
					 "cannot open the embedding cache %s: %s", o->cache,
					 msg ? msg : sqlite3_errmsg(e->db));
			sqlite3_free(msg);
			sprout_embed_free(e);
			return NULL;
		}
	}
	return e;
}

void sprout_embed_counts(const sprout_embed *e, unsigned long *requests, unsigned long *cached)
{
	*requests = e->requests;
	*cached = e->cached;
}

static void hash_text(const char *s, size_t n, uint64_t *h0, uint64_t *h1)
{
	XXH128_hash_t h = XXH3_128bits(s, n);
	*h0 = h.high64 ? h.high64 : 1;
	*h1 = h.low64;
}

static struct vec *slot(sprout_embed *e, uint64_t h0, uint64_t h1)
{
	size_t i = (size_t)h1 & (e->cap - 1);
	while (e->slots[i].h0 && !(e->slots[i].h0 == h0 && e->slots[i].h1 == h1))
		i = (i + 1) & (e->cap - 1);
	return &e->slots[i];
}

static int put(sprout_embed *e, uint64_t h0, uint64_t h1, const float *v, size_t dim)
{
	if ((e->n + 1) * 2 > e->cap) {
		size_t cap = e->cap * 2;
		struct vec *nv = calloc(cap, sizeof *nv);
		if (!nv)
			return -1;
		for (size_t i = 0; i < e->cap; i++) {
			if (!e->slots[i].h0)
				continue;
			size_t j = (size_t)e->slots[i].h1 & (cap - 1);
			while (nv[j].h0)
				j = (j + 1) & (cap - 1);
			nv[j] = e->slots[i];
		}
		free(e->slots);
		e->slots = nv;
		e->cap = cap;
	}
	struct vec *s = slot(e, h0, h1);
	if (s->h0)
		return 0;
	float *copy = sprout_arena_alloc(e->mem, dim * sizeof *copy);
	if (!copy)
		return -1;
	memcpy(copy, v, dim * sizeof *copy);
	*s = (struct vec){h0, h1, copy, dim};
	e->n++;
	return 0;
}

static void key_hex(uint64_t h0, uint64_t h1, char out[33])
{
	snprintf(out, 33, "%016llx%016llx", (unsigned long long)h0, (unsigned long long)h1);
}

/* From the SQLite cache into memory; 1 when found. */
static int from_cache(sprout_embed *e, uint64_t h0, uint64_t h1)
{
	if (!e->db)
		return 0;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(e->db, "SELECT dim, vec FROM embeddings WHERE model = ? AND key = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return 0;
	char key[33];
	key_hex(h0, h1, key);
	sqlite3_bind_text(st, 1, e->model, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	int found = 0;
	if (sqlite3_step(st) == SQLITE_ROW) {
		size_t dim = (size_t)sqlite3_column_int64(st, 0);
		const void *blob = sqlite3_column_blob(st, 1);
		if (blob && (size_t)sqlite3_column_bytes(st, 1) == dim * sizeof(float))
			found = put(e, h0, h1, blob, dim) == 0;
	}
	sqlite3_finalize(st);
	return found;
}

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	sprout_buf *b = ctx;
	return sprout_buf_add(b, p, size * n) ? 0 : size * n;
}

/* POST one batch; fills vectors for texts[0..k) into vecs. */
static sprout_code request(sprout_embed *e, const char *const *texts, const size_t *lens, size_t k,
			   sprout_arena *a, float **vecs, size_t *dims, sprout_error *err)
{
	sprout_buf body = SPROUT_BUF_INIT(MAX_BODY), resp = SPROUT_BUF_INIT(MAX_BODY);
	sprout_jw w;
	sprout_jw_init(&w, &body);
	sprout_jw_object(&w);
	sprout_jw_kstring(&w, "model", e->model);
	sprout_jw_karray(&w, "input");
	for (size_t i = 0; i < k; i++)
		sprout_jw_stringn(&w, texts[i], lens[i]);
	sprout_jw_end(&w);
	sprout_jw_end(&w);
	sprout_code rc = sprout_jw_finish(&w) ? SPROUT_ERR_NOMEM : SPROUT_OK;
	if (rc) {
		sprout_buf_release(&body);
		return sprout_error_set(err, rc, "out of memory");
	}
	char url[2048], shown[2048]; /* shown: for messages, without credentials */
	sprout_url_endpoint(e->url, "embeddings", url, sizeof url);
	sprout_url_redact(url, shown, sizeof shown);
	struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
	char auth[1024];
	if (e->key) {
		snprintf(auth, sizeof auth, "Authorization: Bearer %s", e->key);
		hdr = curl_slist_append(hdr, auth);
	}
	long status = 0;
	char curl_msg[CURL_ERROR_SIZE] = "";
	for (int attempt = 0; attempt <= e->retries; attempt++) {
		if (attempt) {
			/* back off: 0.25 s, 0.5 s, 1 s, ... */
			struct timespec nap = {0, 0};
			double wait = 0.25 * (double)(1 << (attempt - 1));
			nap.tv_sec = (time_t)wait;
			nap.tv_nsec = (long)((wait - (double)nap.tv_sec) * 1e9);
			nanosleep(&nap, NULL);
		}
		sprout_buf_clear(&resp);
		CURL *c = curl_easy_init();
		if (!c) {
			rc = sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
			break;
		}
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body.len);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, &resp);
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(e->timeout * 1000));
		curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_msg);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		CURLcode cc = curl_easy_perform(c);
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_cleanup(c);
		e->requests++;
		if (cc != CURLE_OK) {
			rc = sprout_error_set(err, SPROUT_ERR_IO, "embeddings at %s: %s", shown,
					      curl_msg[0] ? curl_msg : curl_easy_strerror(cc));
			continue;
		}
		if (status == 429 || status >= 500) {
			rc = sprout_error_set(err, SPROUT_ERR_IO,
					      "embeddings at %s: HTTP %ld: %.200s", shown, status,
					      resp.data ? resp.data : "");
			continue;
		}
		if (status != 200) {
			rc = sprout_error_set(err, SPROUT_ERR_IO,
					      "embeddings at %s: HTTP %ld: %.200s", shown, status,
					      resp.data ? resp.data : "");
			break; /* a client error will not go away */
		}
		/* {"data":[{"index":i,"embedding":[...]}, ...]} */
		sprout_json *j;
		sprout_error perr = SPROUT_ERROR_INIT;
		rc = SPROUT_OK;
		if (sprout_json_parse(a, resp.data ? resp.data : "", resp.len, &j, &perr)) {
			rc = sprout_error_set(err, SPROUT_ERR_IO,
					      "embeddings at %s: the answer is not JSON: %s", shown,
					      perr.msg);
			continue;
		}
		sprout_json *data = sprout_json_get(j, "data");
		if (!data || data->type != SPROUT_JSON_ARRAY || data->len != k) {
			rc = sprout_error_set(
			    err, SPROUT_ERR_IO,
			    "embeddings at %s: expected %zu vectors in \"data\", got %zu", shown, k,
			    data && data->type == SPROUT_JSON_ARRAY ? data->len : 0);
			continue;
		}
		for (size_t i = 0; i < k && !rc; i++) {
			sprout_json *item = data->u.items[i];
			sprout_json *idx = sprout_json_get(item, "index");
			sprout_json *emb = sprout_json_get(item, "embedding");
			double x = idx && idx->type == SPROUT_JSON_NUMBER ? sprout_json_number(idx)
									  : (double)i;
			size_t at = x >= 0 && x < (double)k ? (size_t)x : k; /* k: out of range */
			if (at >= k || !emb || emb->type != SPROUT_JSON_ARRAY || !emb->len) {
				rc = sprout_error_set(err, SPROUT_ERR_IO,
						      "embeddings at %s: item %zu has no embedding",
						      shown, i);
				break;
			}
			float *v = sprout_arena_alloc(a, emb->len * sizeof *v);
			if (!v) {
				rc = sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
				break;
			}
			for (size_t d = 0; d < emb->len; d++)
				v[d] = (float)sprout_json_number(emb->u.items[d]);
			vecs[at] = v;
			dims[at] = emb->len;
		}
		if (!rc)
			break;
	}
	curl_slist_free_all(hdr);
	sprout_buf_release(&body);
	sprout_buf_release(&resp);
	return rc;
}

sprout_code sprout_embed_prepare(sprout_embed *e, const char *const *texts, const size_t *lens,
				 size_t n, sprout_error *err)
{
	const char **todo = malloc((n + 1) * sizeof *todo);
	size_t *todo_len = malloc((n + 1) * sizeof *todo_len);
	if (!todo || !todo_len) {
		free(todo);
		free(todo_len);
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t h0, h1;
		hash_text(texts[i], lens[i], &h0, &h1);
		if (slot(e, h0, h1)->h0)
			continue;
		if (from_cache(e, h0, h1)) {
			e->cached++;
			continue;
		}
		int again = 0; /* the same text twice in one call */
		for (size_t j = 0; j < k && !again; j++)
			again = todo_len[j] == lens[i] && memcmp(todo[j], texts[i], lens[i]) == 0;
		if (!again) {
			todo[k] = texts[i];
			todo_len[k++] = lens[i];
		}
	}
	sprout_code rc = SPROUT_OK;
	sprout_arena *a = sprout_arena_new(1 << 20);
	if (!a)
		rc = sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	if (e->db)
		sqlite3_exec(e->db, "BEGIN", NULL, NULL, NULL);
	for (size_t at = 0; at < k && !rc; at += e->batch) {
		size_t m = k - at < e->batch ? k - at : e->batch;
		float **vecs = sprout_arena_alloc(a, m * sizeof *vecs);
		size_t *dims = sprout_arena_alloc(a, m * sizeof *dims);
		if (!vecs || !dims) {
			rc = sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
			break;
		}
		memset(vecs, 0, m * sizeof *vecs);
		if ((rc = request(e, todo + at, todo_len + at, m, a, vecs, dims, err)))
			break;
		for (size_t i = 0; i < m; i++) {
			if (!vecs[i]) {
				rc = sprout_error_set(err, SPROUT_ERR_IO,
						      "embeddings: no vector for text %zu", i);
				break;
			}
			uint64_t h0, h1;
			hash_text(todo[at + i], todo_len[at + i], &h0, &h1);
			if (put(e, h0, h1, vecs[i], dims[i])) {
				rc = sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
				break;
			}
			sqlite3_stmt *st;
			if (e->db &&
			    sqlite3_prepare_v2(e->db,
					       "INSERT OR REPLACE INTO embeddings(model, key, dim, "
					       "vec) VALUES(?, ?, ?, ?)",
					       -1, &st, NULL) == SQLITE_OK) {
				char key[33];
				key_hex(h0, h1, key);
				sqlite3_bind_text(st, 1, e->model, -1, SQLITE_STATIC);
				sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
				sqlite3_bind_int64(st, 3, (sqlite3_int64)dims[i]);
				sqlite3_bind_blob(st, 4, vecs[i], (int)(dims[i] * sizeof(float)),
						  SQLITE_STATIC);
				sqlite3_step(st);
				sqlite3_finalize(st);
			}
		}
		sprout_arena_reset(a);
	}
	if (e->db)
		sqlite3_exec(e->db, rc ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
	sprout_arena_free(a);
	free(todo);
	free(todo_len);
	return rc;
}

double sprout_embed_similarity(sprout_embed *e, const char *a, size_t alen, const char *b,
			       size_t blen)
{
	uint64_t a0, a1, b0, b1;
	hash_text(a, alen, &a0, &a1);
	hash_text(b, blen, &b0, &b1);
	const struct vec *x = slot(e, a0, a1), *y = slot(e, b0, b1);
	if (!x->h0 || !y->h0 || x->dim != y->dim)
		return -1;
	double dot = 0, nx = 0, ny = 0;
	for (size_t i = 0; i < x->dim; i++) {
		dot += (double)x->v[i] * y->v[i];
		nx += (double)x->v[i] * x->v[i];
		ny += (double)y->v[i] * y->v[i];
	}
	if (nx == 0 || ny == 0)
		return 0;
	double c = dot / sqrt(nx * ny);
	return c < 0 ? 0 : c > 1 ? 1 : c;
}
