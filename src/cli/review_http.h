/* The review app's web server (libmicrohttpd): the page and its JSON API
 * (docs/internals/review-api.md) over a review project. */
#ifndef SPROUT_REVIEW_HTTP_H
#define SPROUT_REVIEW_HTTP_H

#include <stddef.h>

#include "sprout/review.h"

/* The files in web/, compiled in (build/gen/web.c); ends with a NULL path. */
struct web_file {
	const char *path; /* "/review.js" */
	const char *type; /* Content-Type */
	const char *data;
	size_t len;
};
extern const struct web_file web_files[];

struct review_server;

/* Listen on host:port (port 0: a free one; *bound gets it) with a pool of
 * threads. NULL with a message in why when it cannot. */
struct review_server *review_server_start(sprout_review *rv, const char *host, unsigned port,
					  unsigned *bound, char *why, size_t whylen);
void review_server_stop(struct review_server *s); /* accepts NULL */

#endif
