/* Atomic outputs and the rejects file.
 *
 * A temporary file "<dir>/.<name>.sprout-XXXXXX" is locked (flock) by its
 * writer from creation to rename, so a temporary file nobody holds a lock
 * on was left by a writer that died (kill -9): the next writer of the same
 * target removes it. A target that exists and is no regular file (a
 * device such as /dev/null, a FIFO) is written directly: renaming over
 * it would replace it, and as root replace /dev/null itself. */
#define _GNU_SOURCE /* mkostemp */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sprout/hash.h"
#include "sprout/io.h"
#include "sprout/utf8.h"

#define FLUSH_AT ((size_t)1 << 20)

struct sprout_writer {
	int fd;
	char *path; /* target, NULL for stdout */
	char *temp; /* temporary file, NULL for stdout or a direct target */
	int direct; /* fd is the target itself, opened by us (a device, a FIFO) */
	sprout_container container;
	sprout_buf buf;
	unsigned long count;
	int failed;
	int raw;	       /* sprout_writer_write was used */
	sprout_hasher *hasher; /* of the bytes written to the file; NULL for stdout */
	unsigned long long bytes;
};

static void free_writer(sprout_writer *w)
{
	sprout_buf_release(&w->buf);
	sprout_hasher_free(w->hasher);
	free(w->path);
	free(w->temp);
	free(w);
}

#define TEMP_MARK ".sprout-"
#define TEMP_TAIL (sizeof TEMP_MARK - 1 + 6) /* ".sprout-XXXXXX" */

int sprout_writer_remove_stale(const char *temp)
{
	int fd = open(temp, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return 0;
	/* unlocked, and still the file of that name (not renamed into place
	 * by a writer that just finished) */
	struct stat held, named;
	int removed = flock(fd, LOCK_EX | LOCK_NB) == 0 && fstat(fd, &held) == 0 &&
		      S_ISREG(held.st_mode) && lstat(temp, &named) == 0 &&
		      held.st_dev == named.st_dev && held.st_ino == named.st_ino &&
		      unlink(temp) == 0;
	close(fd);
	return removed;
}

/* Remove the temporary files of base in dir (dirlen bytes of path, with
 * its '/') that dead writers left. */
static void remove_stale_temps(const char *path, size_t dirlen, const char *base)
{
	char dir[4096];
	if (dirlen >= sizeof dir)
		return;
	if (dirlen)
		snprintf(dir, sizeof dir, "%.*s", (int)dirlen, path);
	else
		snprintf(dir, sizeof dir, "./");
	DIR *d = opendir(dir);
	if (!d)
		return;
	size_t blen = strlen(base);
	struct dirent *e;
	while ((e = readdir(d))) {
		const char *n = e->d_name;
		if (n[0] != '.' || strlen(n) != 1 + blen + TEMP_TAIL ||
		    strncmp(n + 1, base, blen) ||
		    strncmp(n + 1 + blen, TEMP_MARK, sizeof TEMP_MARK - 1))
			continue;
		char temp[4096 + 256];
		snprintf(temp, sizeof temp, "%s%s", dir, n);
		sprout_writer_remove_stale(temp);
	}
	closedir(d);
}

/* Create and lock w->temp from its pattern (ending in XXXXXX). Locking
 * comes after creating, so a sweeper may have removed the file in between:
 * then try again. On a file system without flock the file stays unlocked,
 * and no sweeper can lock it either, so none removes it. */
static int create_temp(sprout_writer *w, size_t n)
{
	char *pattern = strdup(w->temp);
	if (!pattern)
		return -1;
	for (int tries = 0; tries < 100; tries++) {
		memcpy(w->temp, pattern, n);
		int fd = mkostemp(w->temp, O_CLOEXEC);
		if (fd < 0)
			break;
		while (flock(fd, LOCK_EX) != 0 && errno == EINTR)
			;
		struct stat held, named;
		if (fstat(fd, &held) == 0 && lstat(w->temp, &named) == 0 &&
		    held.st_dev == named.st_dev && held.st_ino == named.st_ino) {
			free(pattern);
			return fd;
		}
		close(fd);
		errno = EAGAIN;
	}
	free(pattern);
	return -1;
}

sprout_writer *sprout_writer_open(const char *path, sprout_container container, sprout_error *err)
{
	sprout_writer *w = calloc(1, sizeof *w);
	if (!w) {
		sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		return NULL;
	}
	sprout_buf_init(&w->buf, (size_t)1 << 40);
	w->container =
	    container == SPROUT_CONTAINER_ARRAY ? SPROUT_CONTAINER_ARRAY : SPROUT_CONTAINER_JSONL;
	if (!path || strcmp(path, "-") == 0) {
		w->fd = 1;
		return w;
	}
	w->path = strdup(path);
	w->hasher = sprout_hasher_new();
	struct stat st;
	if (w->path && w->hasher && stat(path, &st) == 0 && !S_ISREG(st.st_mode) &&
	    !S_ISDIR(st.st_mode)) {
		w->fd = open(path, O_WRONLY | O_CLOEXEC);
		if (w->fd < 0) {
			sprout_error_set(err, SPROUT_ERR_IO, "cannot open: %s", strerror(errno));
			sprout_error_locate(err, path, 0, 0);
			free_writer(w);
			return NULL;
		}
		w->direct = 1;
		return w;
	}
	/* the temporary file lives in the target's directory so the rename
	 * is atomic: "<dir>/.<name>.sprout-XXXXXX" */
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	const char *base = path + dirlen;
	size_t n = dirlen + 1 + strlen(base) + sizeof ".sprout-XXXXXX";
	w->temp = malloc(n);
	if (!w->path || !w->temp || !w->hasher) {
		free_writer(w);
		sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		return NULL;
	}
	snprintf(w->temp, n, "%.*s.%s" TEMP_MARK "XXXXXX", (int)dirlen, path, base);
	remove_stale_temps(path, dirlen, base);
	w->fd = create_temp(w, n);
	if (w->fd < 0) {
		sprout_error_set(err, SPROUT_ERR_IO, "cannot create a file next to it: %s",
				 strerror(errno));
		sprout_error_locate(err, path, 0, 0);
		free_writer(w);
		return NULL;
	}
	/* mkstemp makes 0600; give the mode a plain create would */
	mode_t mask = umask(0);
	umask(mask);
	fchmod(w->fd, 0666 & ~mask);
	return w;
}

static sprout_code write_all(sprout_writer *w, const char *p, size_t n, sprout_error *err)
{
	if (w->hasher)
		sprout_hasher_add(w->hasher, p, n);
	w->bytes += n;
	while (n) {
		ssize_t k = write(w->fd, p, n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			w->failed = 1;
			sprout_error_set(err, SPROUT_ERR_IO, "write failed: %s", strerror(errno));
			sprout_error_locate(err, w->path ? w->path : "<stdout>", 0, 0);
			return SPROUT_ERR_IO;
		}
		p += k;
		n -= (size_t)k;
	}
	return SPROUT_OK;
}

static sprout_code flush(sprout_writer *w, sprout_error *err)
{
	sprout_code rc = write_all(w, w->buf.data, w->buf.len, err);
	sprout_buf_clear(&w->buf);
	return rc;
}

static sprout_code nomem(sprout_error *err)
{
	return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
}

sprout_code sprout_writer_put(sprout_writer *w, const sprout_json *record, sprout_error *err)
{
	sprout_code rc;
	if (w->container == SPROUT_CONTAINER_ARRAY &&
	    sprout_buf_add(&w->buf, w->count ? ",\n" : "[\n", 2))
		return nomem(err);
	if ((rc = sprout_json_write(&w->buf, record)))
		return rc == SPROUT_ERR_TOO_LONG
			   ? sprout_error_set(err, rc, "record too large to write")
			   : nomem(err);
	if (w->container == SPROUT_CONTAINER_JSONL && sprout_buf_addc(&w->buf, '\n'))
		return nomem(err);
	w->count++;
	return w->buf.len >= FLUSH_AT ? flush(w, err) : SPROUT_OK;
}

sprout_code sprout_writer_put_json(sprout_writer *w, const char *json, size_t len,
				   sprout_error *err)
{
	if (w->container == SPROUT_CONTAINER_ARRAY &&
	    sprout_buf_add(&w->buf, w->count ? ",\n" : "[\n", 2))
		return nomem(err);
	if (sprout_buf_add(&w->buf, json, len) ||
	    (w->container == SPROUT_CONTAINER_JSONL && sprout_buf_addc(&w->buf, '\n')))
		return nomem(err);
	w->count++;
	return w->buf.len >= FLUSH_AT ? flush(w, err) : SPROUT_OK;
}

sprout_code sprout_writer_write(sprout_writer *w, const void *data, size_t len, sprout_error *err)
{
	w->raw = 1;
	if (sprout_buf_add(&w->buf, data, len))
		return nomem(err);
	return w->buf.len >= FLUSH_AT ? flush(w, err) : SPROUT_OK;
}

unsigned long sprout_writer_count(const sprout_writer *w)
{
	return w->count;
}

const char *sprout_writer_path(const sprout_writer *w)
{
	return w->path;
}

const char *sprout_writer_temp_path(const sprout_writer *w)
{
	return w->temp;
}

sprout_code sprout_writer_commit(sprout_writer *w, sprout_error *err)
{
	return sprout_writer_commit_measured(w, NULL, err);
}

sprout_code sprout_writer_commit_measured(sprout_writer *w, sprout_written *out, sprout_error *err)
{
	sprout_code rc = SPROUT_OK;
	if (w->container == SPROUT_CONTAINER_ARRAY &&
	    sprout_buf_adds(&w->buf, w->count ? "\n]\n" : "[]\n"))
		rc = nomem(err);
	if (!rc)
		rc = flush(w, err);
	if (!rc && out) {
		memset(out, 0, sizeof *out);
		if (w->hasher) {
			sprout_hasher_hex(w->hasher, out->hash);
			out->bytes = w->bytes;
		}
		out->records = w->count;
		out->records_known = !w->raw;
	}
	if (w->temp) {
		if (!rc && fsync(w->fd) != 0) {
			rc = sprout_error_set(err, SPROUT_ERR_IO, "cannot sync: %s",
					      strerror(errno));
			sprout_error_locate(err, w->path, 0, 0);
		}
		/* renamed while still locked, so no sweeper takes it meanwhile */
		if (!rc && rename(w->temp, w->path) != 0) {
			rc = sprout_error_set(err, SPROUT_ERR_IO, "cannot rename %s into place: %s",
					      w->temp, strerror(errno));
			sprout_error_locate(err, w->path, 0, 0);
		}
		if (rc)
			unlink(w->temp);
		if (close(w->fd) != 0 && !rc) {
			rc = sprout_error_set(err, SPROUT_ERR_IO, "cannot close: %s",
					      strerror(errno));
			sprout_error_locate(err, w->path, 0, 0);
		}
	} else if (w->direct && close(w->fd) != 0 && !rc) {
		rc = sprout_error_set(err, SPROUT_ERR_IO, "cannot close: %s", strerror(errno));
		sprout_error_locate(err, w->path, 0, 0);
	}
	free_writer(w);
	return rc;
}

void sprout_writer_abort(sprout_writer *w)
{
	if (!w)
		return;
	if (w->temp) {
		unlink(w->temp);
		close(w->fd);
	} else if (w->direct)
		close(w->fd);
	free_writer(w);
}

int sprout_same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	if (stat(a, &sa) != 0 || stat(b, &sb) != 0)
		return 0;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* ---- rejects ----------------------------------------------------------- */

/* p[0..n) in base64, as a JSON string. */
static void jw_base64(sprout_jw *w, const unsigned char *p, size_t n)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	sprout_buf s = SPROUT_BUF_INIT((n + 2) / 3 * 4);
	int bad = 0;
	for (size_t i = 0; i < n && !bad; i += 3) {
		unsigned v = (unsigned)p[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		char q[4] = {tab[(v >> 18) & 63], tab[(v >> 12) & 63],
			     i + 1 < n ? tab[(v >> 6) & 63] : '=', i + 2 < n ? tab[v & 63] : '='};
		bad = sprout_buf_add(&s, q, 4) != SPROUT_OK;
	}
	if (bad)
		sprout_jw_fail(w, SPROUT_ERR_NOMEM);
	else
		sprout_jw_stringn(w, s.data ? s.data : "", s.len);
	sprout_buf_release(&s);
}

sprout_code sprout_reject_write(sprout_writer *w, const sprout_reject *r, sprout_error *err)
{
	size_t start = w->buf.len;
	sprout_jw j;
	sprout_jw_init(&j, &w->buf);
	sprout_jw_object(&j);
	sprout_jw_kstring(&j, "stage", r->stage);
	if (r->error)
		sprout_jw_kstring(&j, "error", r->error);
	if (r->check)
		sprout_jw_kstring(&j, "check", r->check);
	if (!isnan(r->score))
		sprout_jw_kreal(&j, "score", r->score);
	if (r->reason)
		sprout_jw_kstring(&j, "reason", r->reason);
	if (r->file)
		sprout_jw_kstring(&j, "file", r->file);
	if (r->line)
		sprout_jw_kuint(&j, "line", r->line);
	if (r->column)
		sprout_jw_kuint(&j, "column", r->column);
	if (r->raw) {
		if (sprout_utf8_valid(r->raw, r->rawlen) == r->rawlen) {
			sprout_jw_key(&j, "raw");
			sprout_jw_stringn(&j, r->raw, r->rawlen);
		} else {
			sprout_jw_key(&j, "raw_base64");
			jw_base64(&j, (const unsigned char *)r->raw, r->rawlen);
		}
		if (r->truncated)
			sprout_jw_kbool(&j, "raw_truncated", 1);
	}
	if (r->record) {
		sprout_jw_key(&j, "record");
		sprout_jw_value(&j, r->record);
	}
	if (r->key)
		sprout_jw_kstring(&j, r->key, r->value ? r->value : "");
	sprout_jw_end(&j);
	if (sprout_jw_finish(&j) || sprout_buf_addc(&w->buf, '\n')) {
		w->buf.len = start; /* no half line */
		return nomem(err);
	}
	w->count++;
	return w->buf.len >= FLUSH_AT ? flush(w, err) : SPROUT_OK;
}

void sprout_reject_error(sprout_reject *r, const char *stage, const sprout_error *why,
			 const sprout_json *record)
{
	*r = (sprout_reject)SPROUT_REJECT_INIT;
	r->stage = stage;
	r->error = sprout_code_name(why->code);
	r->reason = why->msg;
	r->file = why->file[0] ? why->file : NULL;
	r->line = why->line;
	r->column = why->column;
	r->record = record;
}

sprout_code sprout_reject_put(sprout_writer *w, const char *stage, const sprout_error *why,
			      const char *raw, size_t rawlen, int truncated,
			      const sprout_json *record, sprout_error *err)
{
	sprout_reject r;
	sprout_reject_error(&r, stage, why, record);
	r.raw = raw;
	r.rawlen = rawlen;
	r.truncated = truncated;
	return sprout_reject_write(w, &r, err);
}

sprout_code sprout_write_json_file(const char *path, const sprout_json *v, sprout_error *err)
{
	sprout_error local = SPROUT_ERROR_INIT;
	if (!err)
		err = &local;
	sprout_buf b = SPROUT_BUF_INIT(1 << 26);
	if (sprout_json_write_pretty(&b, v)) {
		sprout_buf_release(&b);
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "%s: the JSON is over 64 MiB", path);
	}
	sprout_code rc = sprout_write_text_file(path, b.data, b.len, err);
	sprout_buf_release(&b);
	return rc;
}

int sprout_make_dirs(const char *path)
{
	char p[4096];
	if ((size_t)snprintf(p, sizeof p, "%s", path) >= sizeof p) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0777) != 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return mkdir(p, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

sprout_code sprout_write_text_file(const char *path, const char *text, size_t len,
				   sprout_error *err)
{
	sprout_error local = SPROUT_ERROR_INIT;
	if (!err)
		err = &local;
	sprout_writer *w = sprout_writer_open(path, SPROUT_CONTAINER_JSONL, err);
	sprout_code rc = w ? sprout_writer_write(w, text, len, err) : err->code;
	if (w && !rc)
		rc = sprout_writer_commit(w, err);
	else if (w)
		sprout_writer_abort(w);
	return rc;
}
