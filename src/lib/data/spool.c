/* Records parked in an unnamed temporary file (see sprout/spool.h). */
#define _GNU_SOURCE /* O_TMPFILE */
#include "sprout/spool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sprout/buf.h"
#include "sprout/json.h"

#define BLOCK ((size_t)1 << 20) /* writes and read-ahead */
#define SMALL ((size_t)4096)	/* a read out of order */
#define NONE  UINT32_MAX

/* before each record's JSON */
struct head {
	uint32_t len, fmt, file, pad;
	uint64_t line;
};

/* bytes read from the file: [at, at + len) */
struct window {
	char *in;
	size_t len, cap;
	uint64_t at;
};

struct sprout_spool {
	int fd;
	uint64_t end;	     /* bytes in the file, written or buffered */
	sprout_buf out;	     /* written, not yet in the file */
	uint64_t out_at;     /* file offset of out.data[0] */
	struct window w;     /* the reading pass */
	struct window aside; /* reads beside it (sprout_spool_get_aside) */
	uint64_t *off;	     /* each record's head */
	size_t n, cap;
	sprout_format **fmts; /* distinct formats in a row, each on its own */
	size_t nfmts;
	char **files;
	size_t nfiles;
};

static sprout_code io_error(sprout_error *err, const char *what)
{
	return sprout_error_set(err, SPROUT_ERR_IO, "spool: cannot %s the temporary file: %s", what,
				strerror(errno));
}

static sprout_code nomem(sprout_error *err)
{
	return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
}

sprout_spool *sprout_spool_new(const char *dir, sprout_error *err)
{
	if (!dir || !*dir)
		dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	sprout_spool *s = calloc(1, sizeof *s);
	if (!s) {
		nomem(err);
		return NULL;
	}
	sprout_buf_init(&s->out, (size_t)-1);
	s->fd = -1;
#ifdef O_TMPFILE
	s->fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
#endif
	if (s->fd < 0) {
		/* no O_TMPFILE here (or on this file system): a name, removed at once */
		size_t n = strlen(dir) + sizeof "/sprout-spool-XXXXXX";
		char *path = malloc(n);
		if (!path) {
			free(s);
			nomem(err);
			return NULL;
		}
		snprintf(path, n, "%s/sprout-spool-XXXXXX", dir);
		s->fd = mkstemp(path);
		if (s->fd >= 0)
			unlink(path);
		free(path);
	}
	if (s->fd < 0) {
		sprout_error_set(err, SPROUT_ERR_IO, "cannot make a temporary file in '%s': %s",
				 dir, strerror(errno));
		free(s);
		return NULL;
	}
	return s;
}

void sprout_spool_free(sprout_spool *s)
{
	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	sprout_buf_release(&s->out);
	free(s->w.in);
	free(s->aside.in);
	free(s->off);
	for (size_t i = 0; i < s->nfmts; i++)
		free(s->fmts[i]);
	free(s->fmts);
	for (size_t i = 0; i < s->nfiles; i++)
		free(s->files[i]);
	free(s->files);
	free(s);
}

size_t sprout_spool_count(const sprout_spool *s)
{
	return s->n;
}

static sprout_code flush_out(sprout_spool *s, sprout_error *err)
{
	size_t done = 0;
	while (done < s->out.len) {
		ssize_t k =
		    pwrite(s->fd, s->out.data + done, s->out.len - done, (off_t)(s->out_at + done));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			if (k == 0)
				errno = ENOSPC;
			return io_error(err, "write");
		}
		done += (size_t)k;
	}
	s->out_at += s->out.len;
	sprout_buf_clear(&s->out);
	return SPROUT_OK;
}

/* The index of the format f in the table, adding it when it differs from
 * the last one. */
static int format_index(sprout_spool *s, const sprout_format *f, uint32_t *idx)
{
	if (!f) {
		*idx = NONE;
		return 0;
	}
	if (s->nfmts && memcmp(s->fmts[s->nfmts - 1], f, sizeof *f) == 0) {
		*idx = (uint32_t)(s->nfmts - 1);
		return 0;
	}
	sprout_format **v = realloc(s->fmts, (s->nfmts + 1) * sizeof *v);
	if (!v)
		return -1;
	s->fmts = v;
	if (!(v[s->nfmts] = malloc(sizeof *f)))
		return -1;
	memcpy(v[s->nfmts], f, sizeof *f);
	*idx = (uint32_t)s->nfmts++;
	return 0;
}

static int file_index(sprout_spool *s, const char *file, uint32_t *idx)
{
	if (!file) {
		*idx = NONE;
		return 0;
	}
	if (s->nfiles && strcmp(s->files[s->nfiles - 1], file) == 0) {
		*idx = (uint32_t)(s->nfiles - 1);
		return 0;
	}
	char **v = realloc(s->files, (s->nfiles + 1) * sizeof *v);
	if (!v)
		return -1;
	s->files = v;
	size_t n = strlen(file) + 1;
	if (!(v[s->nfiles] = malloc(n)))
		return -1;
	memcpy(v[s->nfiles], file, n);
	*idx = (uint32_t)s->nfiles++;
	return 0;
}

sprout_code sprout_spool_put(sprout_spool *s, const sprout_record *r, sprout_error *err)
{
	struct head h = {0, 0, 0, 0, (uint64_t)r->line};
	if (format_index(s, r->fmt, &h.fmt) || file_index(s, r->file, &h.file))
		return nomem(err);
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		uint64_t *v = realloc(s->off, cap * sizeof *v);
		if (!v)
			return nomem(err);
		s->off = v;
		s->cap = cap;
	}
	size_t at = s->out.len;
	if (sprout_buf_add(&s->out, &h, sizeof h))
		return nomem(err);
	sprout_code rc = sprout_json_write(&s->out, r->obj);
	if (rc) {
		s->out.len = at;
		return rc == SPROUT_ERR_TOO_LONG
			   ? sprout_error_set(err, rc, "record too large to spool")
			   : nomem(err);
	}
	size_t len = s->out.len - at - sizeof h;
	if (len > UINT32_MAX - 1) {
		s->out.len = at;
		return sprout_error_set(err, SPROUT_ERR_TOO_LONG, "record too large to spool");
	}
	h.len = (uint32_t)len;
	memcpy(s->out.data + at, &h, sizeof h);
	s->off[s->n++] = s->end;
	s->end += sizeof h + len;
	if (s->out.len >= BLOCK)
		return flush_out(s, err);
	return SPROUT_OK;
}

/* Make file bytes [at, at + n) readable at w->in + (at - w->at). */
static sprout_code load(sprout_spool *s, struct window *w, uint64_t at, size_t n, sprout_error *err)
{
	if (at >= w->at && at + n <= w->at + w->len)
		return SPROUT_OK;
	if (s->out.len) {
		sprout_code rc = flush_out(s, err);
		if (rc)
			return rc;
	}
	/* read ahead when going forward; a jump back or far ahead (a shuffled
	 * order) reads what it needs and a little more */
	int forward = at >= w->at + w->len && at - (w->at + w->len) < BLOCK;
	size_t ahead = forward || !w->len ? BLOCK : SMALL;
	size_t want = n > ahead ? n : ahead;
	if (want > w->cap) {
		char *v = realloc(w->in, want);
		if (!v)
			return nomem(err);
		w->in = v;
		w->cap = want;
	}
	if (at + want > s->end)
		want = (size_t)(s->end - at);
	size_t got = 0;
	while (got < want) {
		ssize_t k = pread(s->fd, w->in + got, want - got, (off_t)(at + got));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			if (k == 0)
				errno = EIO;
			w->len = 0;
			return io_error(err, "read");
		}
		got += (size_t)k;
	}
	w->at = at;
	w->len = got;
	return got >= n ? SPROUT_OK : (errno = EIO, io_error(err, "read"));
}

static sprout_code head_of(sprout_spool *s, struct window *w, size_t i, struct head *h,
			   const char **json, sprout_error *err)
{
	if (i >= s->n)
		return sprout_error_set(err, SPROUT_ERR_USAGE, "spool: no record %zu of %zu", i,
					s->n);
	sprout_code rc = load(s, w, s->off[i], sizeof *h, err);
	if (rc)
		return rc;
	memcpy(h, w->in + (s->off[i] - w->at), sizeof *h);
	if ((rc = load(s, w, s->off[i], sizeof *h + h->len, err)))
		return rc;
	*json = w->in + (s->off[i] - w->at) + sizeof *h;
	return SPROUT_OK;
}

sprout_code sprout_spool_json(sprout_spool *s, size_t i, const char **json, size_t *len,
			      sprout_error *err)
{
	struct head h;
	sprout_code rc = head_of(s, &s->w, i, &h, json, err);
	*len = rc ? 0 : h.len;
	return rc;
}

static sprout_code get_in(sprout_spool *s, struct window *w, size_t i, sprout_arena *a,
			  sprout_record *r, sprout_error *err)
{
	struct head h;
	const char *json;
	memset(r, 0, sizeof *r);
	sprout_code rc = head_of(s, w, i, &h, &json, err);
	if (rc)
		return rc;
	if ((rc = sprout_json_parse(a, json, h.len, &r->obj, err)))
		return rc;
	r->arena = a;
	r->fmt = h.fmt == NONE ? NULL : s->fmts[h.fmt];
	r->file = h.file == NONE ? NULL : s->files[h.file];
	r->line = (unsigned long)h.line;
	return SPROUT_OK;
}

sprout_code sprout_spool_get(sprout_spool *s, size_t i, sprout_arena *a, sprout_record *r,
			     sprout_error *err)
{
	return get_in(s, &s->w, i, a, r, err);
}

sprout_code sprout_spool_get_aside(sprout_spool *s, size_t i, sprout_arena *a, sprout_record *r,
				   sprout_error *err)
{
	return get_in(s, &s->aside, i, a, r, err);
}
