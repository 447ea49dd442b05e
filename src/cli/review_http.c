/* The review app's web server. Every route but /r/TOKEN needs a reviewer's
 * token (the cookie the link sets, or Authorization: Bearer); every POST
 * needs the CSRF header; record text only ever leaves as JSON strings, which
 * the page inserts as text. */
#include "review_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>

#include "mhd_dyn.h"

#define MAX_BODY ((size_t)1 << 20)
#define COOKIE	 "sprout_review"

/* Bounds against clients that open connections and send little or nothing
 * (slowloris; docs/review.md, "Limits"). Idle connections cost nothing
 * (epoll), so the total is high: far above what a reviewer's browser needs,
 * capped by the file descriptors the process may open. A connection that
 * sends nothing for TIMEOUT seconds is closed. The per-client bound applies
 * only when the server listens beyond loopback: on 127.0.0.1 every local
 * client, attacker and reviewer alike, has the same address, and a
 * per-address bound would hand the attacker every slot. */
#define POOL		4
#define MAX_CONNECTIONS 4096
#define FD_RESERVE	64 /* descriptors kept for SQLite and the rest */
#define TIMEOUT		5
#define PER_CLIENT	32

struct review_server {
	struct MHD_Daemon *d;
	sprout_review *rv;
};

struct req {
	sprout_buf body;
	int too_big;
};

static const char csp[] = "default-src 'self'; script-src 'self'; style-src 'self'; "
			  "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; "
			  "form-action 'none'";

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type,
			     const char *data, size_t len, const char *cookie, const char *location)
{
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	if (!strncmp(type, "text/html", 9))
		MHD_add_response_header(r, "Content-Security-Policy", csp);
	if (cookie)
		MHD_add_response_header(r, "Set-Cookie", cookie);
	if (location)
		MHD_add_response_header(r, "Location", location);
	enum MHD_Result ok = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ok;
}

static enum MHD_Result send_json(struct MHD_Connection *c, unsigned status, const sprout_buf *b)
{
	return reply(c, status, "application/json; charset=utf-8", b->data ? b->data : "", b->len,
		     NULL, NULL);
}

static enum MHD_Result json_error(struct MHD_Connection *c, unsigned status, const char *msg)
{
	sprout_buf b = SPROUT_BUF_INIT(1 << 16);
	sprout_jw w;
	sprout_jw_init(&w, &b);
	sprout_jw_object(&w);
	sprout_jw_kstring(&w, "error", msg);
	sprout_jw_end(&w);
	enum MHD_Result r = send_json(c, status, &b);
	sprout_buf_release(&b);
	return r;
}

/* {"ok":true}, with "counts" when given (JSON text). */
static sprout_code ok_json(sprout_buf *b, const sprout_buf *counts)
{
	sprout_jw w;
	sprout_jw_init(&w, b);
	sprout_jw_object(&w);
	sprout_jw_kbool(&w, "ok", 1);
	if (counts) {
		sprout_jw_key(&w, "counts");
		sprout_jw_raw(&w, counts->data, counts->len);
	}
	sprout_jw_end(&w);
	return sprout_jw_finish(&w);
}

/* An error as JSON for /api/, a short page otherwise. */
static enum MHD_Result refuse(struct MHD_Connection *c, const char *url, unsigned status,
			      const char *msg)
{
	if (!strncmp(url, "/api/", 5))
		return json_error(c, status, msg);
	char page[512];
	int n = snprintf(page, sizeof page,
			 "<!doctype html><meta charset=utf-8><title>sprout review</title>"
			 "<p>%s</p>\n",
			 msg);
	return reply(c, status, "text/html; charset=utf-8", page, (size_t)n, NULL, NULL);
}

static const char *token_of(struct MHD_Connection *c)
{
	const char *t = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, COOKIE);
	if (t)
		return t;
	const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	if (auth && !strncasecmp(auth, "Bearer ", 7))
		return auth + 7;
	return NULL;
}

static int same(const char *a, const char *b)
{
	size_t n = strlen(a);
	if (n != strlen(b))
		return 0;
	unsigned char d = 0;
	for (size_t i = 0; i < n; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return !d;
}

static enum MHD_Result answer(struct MHD_Connection *c, sprout_code rc, const sprout_error *err,
			      const sprout_buf *b)
{
	if (!rc)
		return send_json(c, 200, b);
	if (rc == SPROUT_END)
		return json_error(c, 404, "no such item");
	if (rc == SPROUT_ERR_USAGE)
		return json_error(c, 400, err->msg);
	return json_error(c, 500, err->msg[0] ? err->msg : "the server failed");
}

static void filter_of(struct MHD_Connection *c, sprout_review_filter *f)
{
	f->method = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "method");
	f->label = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "label");
	f->status = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "status");
}

static size_t size_arg(struct MHD_Connection *c, const char *name, size_t def)
{
	const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
	char *end;
	unsigned long long n = v ? strtoull(v, &end, 10) : 0;
	return v && *v && !*end ? (size_t)n : def;
}

/* /api/item/ID, /api/item/ID/decision or /api/item/ID/final: the id, 0 if
 * malformed; *what 0, 1 or 2. */
static long item_id(const char *url, int *what)
{
	const char *p = url + strlen("/api/item/");
	char *end;
	long id = strtol(p, &end, 10);
	if (end == p || id <= 0)
		return 0;
	*what = !strcmp(end, "/decision") ? 1 : !strcmp(end, "/final") ? 2 : 0;
	return !*end || *what ? id : 0;
}

static enum MHD_Result route(struct review_server *s, struct MHD_Connection *c, const char *url,
			     const char *method, struct req *rq)
{
	sprout_review *rv = s->rv;
	int get = !strcmp(method, "GET") || !strcmp(method, "HEAD"), post = !strcmp(method, "POST");
	if (!strncmp(url, "/r/", 3)) { /* a reviewer's link */
		if (!get)
			return refuse(c, url, 405, "Use the link as it is.");
		if (!sprout_review_auth(rv, url + 3, NULL, 0))
			return refuse(c, url, 403,
				      "This review link is not valid. Ask for a new one.");
		char cookie[256];
		snprintf(cookie, sizeof cookie, COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict",
			 url + 3);
		return reply(c, 302, "text/plain; charset=utf-8", "", 0, cookie, "/");
	}
	const char *token = token_of(c);
	if (!token)
		return refuse(c, url, 401, "Open your review link to sign in.");
	char name[128];
	long who = sprout_review_auth(rv, token, name, sizeof name);
	if (!who)
		return refuse(c, url, 403, "This review link is not valid. Ask for a new one.");
	if (post) {
		const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-CSRF-Token");
		char want[SPROUT_TOKEN_LEN + 1];
		sprout_review_csrf(token, want);
		if (!h || !same(h, want))
			return json_error(c, 403, "missing or wrong CSRF token");
		if (rq->too_big)
			return json_error(c, 413, "the request body is over 1 MiB");
	} else if (!get) {
		return refuse(c, url, 405, "method not allowed");
	}
	/* the page and its files */
	if (strncmp(url, "/api/", 5) != 0) {
		const char *path = !strcmp(url, "/") ? "/review.html" : url;
		for (const struct web_file *w = web_files; w->path; w++)
			if (!strcmp(w->path, path))
				return get ? reply(c, 200, w->type, w->data, w->len, NULL, NULL)
					   : refuse(c, url, 405, "method not allowed");
		return refuse(c, url, 404, "There is no such page.");
	}
	sprout_buf b = SPROUT_BUF_INIT((size_t)64 << 20);
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_code rc;
	enum MHD_Result res;
	sprout_review_filter f;
	int decision = 0;
	long id;
	if (get && !strcmp(url, "/api/me")) {
		rc = sprout_review_me_json(rv, who, token, &b, &err);
	} else if (get && !strcmp(url, "/api/facets")) {
		rc = sprout_review_facets_json(rv, &b, &err);
	} else if (get && !strcmp(url, "/api/guidelines")) {
		rc = sprout_review_guidelines_json(rv, &b, &err);
	} else if (get && !strcmp(url, "/api/disagreements")) {
		if (!sprout_review_is_adjudicator(rv, who)) {
			sprout_buf_release(&b);
			return json_error(c, 403, "only an adjudicator sees the disagreements");
		}
		rc = sprout_review_disagreements_json(rv, &b, &err);
	} else if (get && !strcmp(url, "/api/items")) {
		filter_of(c, &f);
		rc = sprout_review_list_json(rv, who, &f, size_arg(c, "offset", 0),
					     size_arg(c, "limit", 50), &b, &err);
	} else if (get && !strcmp(url, "/api/next")) {
		filter_of(c, &f);
		rc = sprout_review_next_json(rv, who, &f, &b, &err);
	} else if (!strncmp(url, "/api/item/", 10) && (id = item_id(url, &decision))) {
		if (!!decision != post) {
			sprout_buf_release(&b);
			return json_error(c, 405, "method not allowed");
		}
		const char *body = rq->body.data ? rq->body.data : "";
		int conflict = 0;
		if (decision == 2) {
			if (!sprout_review_is_adjudicator(rv, who)) {
				sprout_buf_release(&b);
				return json_error(c, 403,
						  "only an adjudicator sets final decisions");
			}
			rc = sprout_review_adjudicate_json(rv, who, id, body, rq->body.len, &err);
			if (!rc)
				rc = ok_json(&b, NULL);
		} else if (post) {
			rc = sprout_review_decide_json(rv, who, id, body, rq->body.len, &conflict,
						       &err);
			if (conflict) {
				sprout_buf_release(&b);
				return json_error(c, 409, err.msg);
			}
			sprout_buf counts = SPROUT_BUF_INIT(1 << 16);
			if (!rc)
				rc = sprout_review_counts_json(rv, who, &counts, &err);
			if (!rc)
				rc = ok_json(&b, &counts);
			sprout_buf_release(&counts);
		} else {
			rc = sprout_review_item_json(rv, who, id, &b, &err);
		}
	} else {
		sprout_buf_release(&b);
		return json_error(c, 404, "no such route");
	}
	res = answer(c, rc, &err, &b);
	sprout_buf_release(&b);
	return res;
}

/* Whether a request may go on to send its body: a reviewer's token and, for
 * a POST, the CSRF header. The others are refused (by route) before their
 * body is read, so no one without a token makes the server hold a body. */
static int admitted(struct review_server *s, struct MHD_Connection *c, const char *method)
{
	const char *token = token_of(c);
	if (!token || !sprout_review_auth(s->rv, token, NULL, 0))
		return 0;
	if (strcmp(method, "POST"))
		return 1;
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-CSRF-Token");
	char want[SPROUT_TOKEN_LEN + 1];
	sprout_review_csrf(token, want);
	return h && same(h, want);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	(void)version;
	struct req *rq = *con_cls;
	if (!rq) { /* headers only, so far */
		if (!(rq = calloc(1, sizeof *rq)))
			return MHD_NO;
		sprout_buf_init(&rq->body, MAX_BODY);
		*con_cls = rq;
		if (strncmp(url, "/r/", 3) && !admitted(cls, c, method))
			return route(cls, c, url, method, rq);
		return MHD_YES;
	}
	if (*upload_size) {
		if (sprout_buf_add(&rq->body, upload, *upload_size))
			rq->too_big = 1;
		*upload_size = 0;
		return MHD_YES;
	}
	return route(cls, c, url, method, rq);
}

static void done(void *cls, struct MHD_Connection *c, void **con_cls,
		 enum MHD_RequestTerminationCode why)
{
	(void)cls, (void)c, (void)why;
	struct req *rq = *con_cls;
	if (rq) {
		sprout_buf_release(&rq->body);
		free(rq);
		*con_cls = NULL;
	}
}

/* The connection limit: MAX_CONNECTIONS, or fewer when the process may not
 * open that many files (the soft limit is raised to the hard one first). */
static unsigned connection_limit(void)
{
	struct rlimit l;
	if (getrlimit(RLIMIT_NOFILE, &l))
		return 256;
	rlim_t want = MAX_CONNECTIONS + FD_RESERVE;
	if (l.rlim_cur != RLIM_INFINITY && l.rlim_cur < want) {
		l.rlim_cur = l.rlim_max == RLIM_INFINITY || l.rlim_max > want ? want : l.rlim_max;
		setrlimit(RLIMIT_NOFILE, &l);
		getrlimit(RLIMIT_NOFILE, &l);
	}
	if (l.rlim_cur == RLIM_INFINITY || l.rlim_cur >= want)
		return MAX_CONNECTIONS;
	return l.rlim_cur > 2 * FD_RESERVE ? (unsigned)(l.rlim_cur - FD_RESERVE) : FD_RESERVE;
}

struct review_server *review_server_start(sprout_review *rv, const char *host, unsigned port,
					  unsigned *bound, char *why, size_t whylen)
{
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
		snprintf(why, whylen, "--host '%s' is not an IPv4 address", host);
		return NULL;
	}
	if (sprout_mhd_load(why, whylen))
		return NULL;
	struct review_server *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	s->rv = rv;
	int loopback = (ntohl(a.sin_addr.s_addr) >> 24) == 127;
	s->d = MHD_start_daemon(
	    MHD_USE_AUTO_INTERNAL_THREAD, (uint16_t)port, NULL, NULL, handle, s,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&a, MHD_OPTION_THREAD_POOL_SIZE,
	    (unsigned)POOL, MHD_OPTION_CONNECTION_LIMIT, connection_limit(),
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, loopback ? 0u : (unsigned)PER_CLIENT,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)TIMEOUT, MHD_OPTION_NOTIFY_COMPLETED, done,
	    NULL, MHD_OPTION_END);
	if (!s->d) {
		snprintf(why, whylen, "cannot listen on %s:%u (in use, or not allowed)", host,
			 port);
		free(s);
		return NULL;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	*bound = info ? info->port : port;
	return s;
}

void review_server_stop(struct review_server *s)
{
	if (!s)
		return;
	MHD_stop_daemon(s->d);
	free(s);
}
