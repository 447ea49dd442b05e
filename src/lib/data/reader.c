/* Streaming reader for JSONL and JSON arrays, plain or gzip. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "sprout/io.h"

#define CHUNK	((size_t)256 * 1024)
#define ZCHUNK	((size_t)64 * 1024) /* compressed bytes read at a time */
#define SNIPPET 4096

enum astate { A_ELEM_OR_END, A_ELEM, A_IN_ELEM, A_AFTER_ELEM, A_AFTER_END };

/* A file or stdin, plain or gzip: read(2) and inflate, so that what
 * follows the last gzip member is seen (zlib's gzread drops it silently). */
struct input {
	int fd;		     /* -1: no file (reading from memory) */
	int kind;	     /* 0 undecided, 1 plain, 2 gzip */
	z_stream z;	     /* gzip: initialised when kind is 2 */
	int done;	     /* gzip: no more data */
	unsigned char *zbuf; /* bytes read, not yet used: zbuf[zpos..zpos+zlen) */
	size_t zpos, zlen;
	unsigned long long nread;    /* bytes read from the file */
	unsigned long long trailing; /* bytes after the last gzip member */
};

struct sprout_reader {
	char name[SPROUT_ERROR_FILE_MAX];
	struct input in;
	const char *mem;
	size_t memlen, mempos;
	char *buf;
	size_t cap, start, end; /* unconsumed data is buf[start..end) */
	size_t scan;		/* JSONL: buf[start..scan) has no newline */
	int eof;
	size_t max;
	sprout_container want, container;
	sprout_json_dups dups;
	int ext_jsonl;
	int fatal;
	unsigned long line; /* line of buf[start] */
	size_t abs;	    /* stream offset of buf[start] */
	size_t line_abs;    /* stream offset where line `line` begins */
	unsigned long rec_line, rec_col;
	const char *raw;
	size_t rawlen;
	int raw_truncated;
	char snippet[SNIPPET];
	unsigned long nrecords, nbad;
	size_t total;
	unsigned long long stored; /* size of the file as stored; 0 when unknown */
	/* array scanning */
	enum astate ast;
	int depth, instr, esc, discard;
	size_t elem_len; /* bytes of the element discarded so far */
};

sprout_code sprout_container_parse(const char *s, sprout_container *out, sprout_error *err)
{
	if (strcmp(s, "auto") == 0)
		*out = SPROUT_CONTAINER_AUTO;
	else if (strcmp(s, "jsonl") == 0)
		*out = SPROUT_CONTAINER_JSONL;
	else if (strcmp(s, "array") == 0 || strcmp(s, "json") == 0)
		*out = SPROUT_CONTAINER_ARRAY;
	else
		return sprout_error_set(err, SPROUT_ERR_USAGE,
					"unknown container '%s' (expected auto, jsonl or array)",
					s);
	return SPROUT_OK;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcmp(s + n - k, suffix) == 0;
}

static sprout_reader *new_reader(const char *name, const sprout_reader_options *opts,
				 sprout_error *err)
{
	sprout_reader *r = calloc(1, sizeof *r);
	if (!r) {
		sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		return NULL;
	}
	snprintf(r->name, sizeof r->name, "%s", name);
	sprout_reader_options def = SPROUT_READER_OPTIONS_INIT;
	if (!opts)
		opts = &def;
	r->max = opts->max_record ? opts->max_record : SPROUT_DEFAULT_MAX_RECORD;
	r->want = opts->container;
	r->dups = opts->duplicate_keys;
	r->ext_jsonl = ends_with(name, ".jsonl") || ends_with(name, ".jsonl.gz") ||
		       ends_with(name, ".ndjson") || ends_with(name, ".ndjson.gz");
	r->line = 1;
	r->in.fd = -1;
	r->cap = CHUNK;
	r->buf = malloc(r->cap);
	if (!r->buf) {
		free(r);
		sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		return NULL;
	}
	return r;
}

sprout_reader *sprout_reader_open(const char *path, const sprout_reader_options *opts,
				  sprout_error *err)
{
	int is_stdin = strcmp(path, "-") == 0;
	sprout_reader *r = new_reader(is_stdin ? "<stdin>" : path, opts, err);
	if (!r)
		return NULL;
	int fd = is_stdin ? dup(0) : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		sprout_error_set(err, SPROUT_ERR_IO, "cannot open: %s", strerror(errno));
		sprout_error_locate(err, r->name, 0, 0);
		sprout_reader_close(r);
		return NULL;
	}
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		r->stored = (unsigned long long)st.st_size;
	r->in.fd = fd;
	if (!(r->in.zbuf = malloc(ZCHUNK))) {
		sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		sprout_reader_close(r);
		return NULL;
	}
	return r;
}

sprout_reader *sprout_reader_open_mem(const char *name, const char *data, size_t len,
				      const sprout_reader_options *opts, sprout_error *err)
{
	sprout_reader *r = new_reader(name, opts, err);
	if (r) {
		r->mem = data;
		r->memlen = len;
		r->stored = len;
	}
	return r;
}

void sprout_reader_progress(const sprout_reader *r, unsigned long long *done,
			    unsigned long long *total)
{
	*total = r->stored;
	*done = r->in.fd >= 0 ? r->in.nread : r->mempos;
	if (*total && *done > *total)
		*done = *total;
}

void sprout_reader_close(sprout_reader *r)
{
	if (!r)
		return;
	if (r->in.fd >= 0)
		close(r->in.fd);
	if (r->in.kind == 2)
		inflateEnd(&r->in.z);
	free(r->in.zbuf);
	free(r->buf);
	free(r);
}

int sprout_reader_failed(const sprout_reader *r)
{
	return r->fatal;
}

const char *sprout_reader_name(const sprout_reader *r)
{
	return r->name;
}

unsigned long sprout_reader_line(const sprout_reader *r)
{
	return r->rec_line;
}

sprout_container sprout_reader_container(const sprout_reader *r)
{
	return r->container;
}

int sprout_reader_warning(const sprout_reader *r, sprout_error *warn)
{
	if (!r->in.trailing)
		return 0;
	sprout_error_set(warn, SPROUT_OK,
			 "ignored %llu byte%s after the end of the gzip data (not gzip)",
			 r->in.trailing, r->in.trailing == 1 ? "" : "s");
	sprout_error_locate(warn, r->name, 0, 0);
	return 1;
}

void sprout_reader_raw(const sprout_reader *r, const char **raw, size_t *len, int *truncated)
{
	*raw = r->raw ? r->raw : "";
	*len = r->raw ? r->rawlen : 0;
	if (truncated)
		*truncated = r->raw_truncated;
}

static sprout_code final(sprout_reader *r, sprout_error *err, sprout_code code)
{
	r->fatal = 1;
	(void)err;
	return code;
}

/* Consume n bytes from the front of the data, keeping line accounting. */
static void consume(sprout_reader *r, size_t n)
{
	const char *p = r->buf + r->start;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n') {
			r->line++;
			r->line_abs = r->abs + i + 1;
		}
	}
	r->start += n;
	r->abs += n;
}

static long input_error(sprout_reader *r, sprout_error *err, const char *what, const char *detail)
{
	sprout_error_set(err, SPROUT_ERR_IO, "%s%s%s", what, detail ? ": " : "",
			 detail ? detail : "");
	sprout_error_locate(err, r->name, 0, 0);
	return -1;
}

/* read(2) from the input, again after a signal; counts the bytes. */
static ssize_t read_some(sprout_reader *r, void *dst, size_t n, sprout_error *err)
{
	ssize_t got;
	do
		got = read(r->in.fd, dst, n);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		return input_error(r, err, "read failed", strerror(errno));
	r->in.nread += (unsigned long long)got;
	return got;
}

/* Make at least want bytes (if the file has them) wait in zbuf, reading
 * more after those already there. 0, or -1 on a read error. */
static int input_want(sprout_reader *r, size_t want, sprout_error *err)
{
	struct input *in = &r->in;
	if (in->zlen >= want)
		return 0;
	memmove(in->zbuf, in->zbuf + in->zpos, in->zlen);
	in->zpos = 0;
	while (in->zlen < want) {
		ssize_t n = read_some(r, in->zbuf + in->zlen, ZCHUNK - in->zlen, err);
		if (n <= 0)
			return (int)n;
		in->zlen += (size_t)n;
	}
	return 0;
}

/* After a gzip member: another member, the end, or bytes that are not
 * gzip (counted for sprout_reader_warning, then dropped). */
static int after_member(sprout_reader *r, sprout_error *err)
{
	struct input *in = &r->in;
	if (input_want(r, 2, err))
		return -1;
	if (in->zlen >= 2 && in->zbuf[in->zpos] == 0x1f && in->zbuf[in->zpos + 1] == 0x8b) {
		inflateReset(&in->z);
		return 0;
	}
	in->done = 1;
	in->trailing = in->zlen;
	in->zlen = 0;
	ssize_t n;
	while ((n = read_some(r, in->zbuf, ZCHUNK, err)) > 0)
		in->trailing += (unsigned long long)n;
	return (int)n;
}

/* Up to want bytes of the file's content (inflated when it is gzip) into
 * dst: how many, 0 at its end, or -1 on error. */
static long read_input(sprout_reader *r, char *dst, size_t want, sprout_error *err)
{
	struct input *in = &r->in;
	if (!in->kind) {
		if (input_want(r, 2, err))
			return -1;
		in->kind = in->zlen >= 2 && in->zbuf[0] == 0x1f && in->zbuf[1] == 0x8b ? 2 : 1;
		if (in->kind == 2) {
			memset(&in->z, 0, sizeof in->z);
			if (inflateInit2(&in->z, 15 + 16) != Z_OK) {
				in->kind = 0;
				sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
				return -1;
			}
		}
	}
	if (in->kind == 1) {
		if (in->zlen) {
			size_t n = in->zlen < want ? in->zlen : want;
			memcpy(dst, in->zbuf + in->zpos, n);
			in->zpos += n;
			in->zlen -= n;
			return (long)n;
		}
		return (long)read_some(r, dst, want, err);
	}
	in->z.next_out = (unsigned char *)dst;
	in->z.avail_out = (uInt)(want < (size_t)1 << 30 ? want : (size_t)1 << 30);
	uInt asked = in->z.avail_out;
	while (in->z.avail_out == asked && !in->done) {
		if (!in->zlen) {
			if (input_want(r, 1, err))
				return -1;
			if (!in->zlen)
				return input_error(
				    r, err, "truncated gzip data: the file ends mid-stream", NULL);
		}
		in->z.next_in = in->zbuf + in->zpos;
		in->z.avail_in = (uInt)in->zlen;
		int zrc = inflate(&in->z, Z_NO_FLUSH);
		size_t used = in->zlen - in->z.avail_in;
		in->zpos += used;
		in->zlen -= used;
		if (zrc == Z_STREAM_END) {
			if (after_member(r, err))
				return -1;
		} else if (zrc != Z_OK && zrc != Z_BUF_ERROR) {
			return input_error(r, err, "corrupt gzip data",
					   in->z.msg ? in->z.msg : "bad data");
		}
	}
	return (long)(asked - in->z.avail_out);
}

/* Read more data. Returns bytes added, 0 at end of input, or -1 on error. */
static long fill(sprout_reader *r, sprout_error *err)
{
	if (r->eof)
		return 0;
	if (r->start > 0) {
		size_t keep = r->end - r->start;
		memmove(r->buf, r->buf + r->start, keep);
		r->scan -= r->start;
		r->end = keep;
		r->start = 0;
	}
	if (r->cap - r->end < CHUNK / 2) {
		size_t cap = r->cap * 2;
		char *b = realloc(r->buf, cap);
		if (!b) {
			sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
			return -1;
		}
		r->buf = b;
		r->cap = cap;
	}
	size_t want = r->cap - r->end;
	long got;
	if (r->mem) {
		size_t n = r->memlen - r->mempos < want ? r->memlen - r->mempos : want;
		memcpy(r->buf + r->end, r->mem + r->mempos, n);
		r->mempos += n;
		got = (long)n;
	} else {
		if (want > (size_t)1 << 30)
			want = (size_t)1 << 30;
		got = read_input(r, r->buf + r->end, want, err);
		if (got < 0)
			return -1;
	}
	if (got == 0)
		r->eof = 1;
	r->end += (size_t)got;
	r->total += (size_t)got;
	return got;
}

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Decide JSONL or array from the first bytes. */
static sprout_code decide(sprout_reader *r, sprout_error *err)
{
	while (r->end - r->start < 3 && !r->eof)
		if (fill(r, err) < 0)
			return final(r, err, err ? err->code : SPROUT_ERR_IO);
	if (r->end - r->start >= 3 && memcmp(r->buf + r->start, "\xEF\xBB\xBF", 3) == 0) {
		r->start += 3;
		r->abs += 3;
		r->line_abs = r->abs;
	}
	for (;;) {
		size_t i = r->start;
		while (i < r->end && is_ws(r->buf[i]))
			i++;
		consume(r, i - r->start);
		r->scan = r->start;
		if (r->start < r->end)
			break;
		long got = fill(r, err);
		if (got < 0)
			return final(r, err, err ? err->code : SPROUT_ERR_IO);
		if (got == 0) {
			r->container = r->want == SPROUT_CONTAINER_ARRAY ? SPROUT_CONTAINER_ARRAY
									 : SPROUT_CONTAINER_JSONL;
			sprout_error_set(err, SPROUT_ERR_EMPTY, "%s",
					 r->total ? "no records: the input has only blank lines"
						  : "empty input: no records");
			sprout_error_locate(err, r->name, 0, 0);
			return final(r, err, SPROUT_ERR_EMPTY);
		}
	}
	size_t i = r->start;
	int array = r->buf[i] == '[';
	if (array && (r->want == SPROUT_CONTAINER_JSONL ||
		      (r->want == SPROUT_CONTAINER_AUTO && r->ext_jsonl))) {
		sprout_error_set(err, SPROUT_ERR_CONTAINER,
				 "found a JSON array where JSONL was expected (one object a "
				 "line); give --container array, or name the file .json");
		sprout_error_locate(err, r->name, r->line, r->abs - r->line_abs + 1);
		return final(r, err, SPROUT_ERR_CONTAINER);
	}
	if (!array && r->want == SPROUT_CONTAINER_ARRAY) {
		sprout_error_set(err, SPROUT_ERR_CONTAINER,
				 "expected a JSON array ('['), found '%c'; give --container "
				 "jsonl for one object a line",
				 r->buf[i]);
		sprout_error_locate(err, r->name, r->line, r->abs - r->line_abs + 1);
		return final(r, err, SPROUT_ERR_CONTAINER);
	}
	r->container = array ? SPROUT_CONTAINER_ARRAY : SPROUT_CONTAINER_JSONL;
	if (array) {
		consume(r, 1);
		r->ast = A_ELEM_OR_END;
	}
	return SPROUT_OK;
}

static const char *type_name(sprout_json_type t)
{
	switch (t) {
	case SPROUT_JSON_NULL: return "null";
	case SPROUT_JSON_TRUE:
	case SPROUT_JSON_FALSE: return "a boolean";
	case SPROUT_JSON_NUMBER: return "a number";
	case SPROUT_JSON_STRING: return "a string";
	case SPROUT_JSON_ARRAY: return "an array";
	default: return "an object";
	}
}

/* Parse one record's text; locate errors in the file. */
static sprout_code parse_record(sprout_reader *r, sprout_arena *a, sprout_json **out,
				sprout_error *err)
{
	sprout_code rc = sprout_json_parse_dups(a, r->raw, r->rawlen, r->dups, out, err);
	if (rc) {
		if (err && rc == SPROUT_ERR_JSON) {
			char msg[SPROUT_ERROR_MSG_MAX];
			snprintf(msg, sizeof msg, "invalid JSON: %.480s", err->msg);
			memcpy(err->msg, msg, sizeof msg);
		}
		if (err) {
			unsigned long l = err->line ? err->line : 1, c = err->column;
			unsigned long line = r->rec_line + l - 1;
			unsigned long col = l == 1 ? r->rec_col + c - 1 : c;
			sprout_error_locate(err, r->name, line, col);
		}
		r->nbad++;
		return rc;
	}
	if ((*out)->type != SPROUT_JSON_OBJECT) {
		sprout_error_set(err, SPROUT_ERR_RECORD, "expected a JSON object, found %s",
				 type_name((*out)->type));
		sprout_error_locate(err, r->name, r->rec_line, r->rec_col);
		r->nbad++;
		return SPROUT_ERR_RECORD;
	}
	r->nrecords++;
	return SPROUT_OK;
}

/* Keep the first bytes of an over-long record for the rejects file. */
static void keep_snippet(sprout_reader *r, size_t avail)
{
	r->rawlen = avail < SNIPPET ? avail : SNIPPET;
	memcpy(r->snippet, r->buf + r->start, r->rawlen);
	r->raw = r->snippet;
	r->raw_truncated = 1;
}

static sprout_code too_long(sprout_reader *r, sprout_error *err, const char *what)
{
	r->nbad++;
	r->raw = r->snippet;
	r->raw_truncated = 1;
	sprout_error_set(err, SPROUT_ERR_TOO_LONG,
			 "%s longer than the limit of %zu bytes (raise it with --max-record)", what,
			 r->max);
	sprout_error_locate(err, r->name, r->rec_line, 0);
	return SPROUT_ERR_TOO_LONG;
}

static sprout_code end_of_input(sprout_reader *r, sprout_error *err)
{
	if (r->nrecords == 0 && r->nbad == 0 && !r->fatal) {
		r->fatal = 1;
		sprout_error_set(err, SPROUT_ERR_EMPTY, "%s",
				 r->container == SPROUT_CONTAINER_ARRAY
				     ? "no records: the JSON array is empty"
				     : "no records: the input has only blank lines");
		sprout_error_locate(err, r->name, 0, 0);
		return SPROUT_ERR_EMPTY;
	}
	r->fatal = 1; /* nothing more to read */
	return SPROUT_END;
}

static sprout_code next_jsonl(sprout_reader *r, sprout_arena *a, sprout_json **out,
			      sprout_error *err)
{
	for (;;) {
		char *nl = memchr(r->buf + r->scan, '\n', r->end - r->scan);
		size_t len;
		if (nl) {
			len = (size_t)(nl - (r->buf + r->start));
		} else if (r->end - r->start > r->max) {
			/* over-long line: keep a snippet, drop the rest up to its newline */
			r->rec_line = r->line;
			keep_snippet(r, r->end - r->start);
			for (;;) {
				r->abs += r->end - r->start;
				r->start = r->scan = r->end;
				long got = fill(r, err);
				if (got < 0)
					return final(r, err, err ? err->code : SPROUT_ERR_IO);
				nl = memchr(r->buf + r->start, '\n', r->end - r->start);
				if (nl || got == 0)
					break;
			}
			size_t rest =
			    nl ? (size_t)(nl - (r->buf + r->start)) + 1 : r->end - r->start;
			r->start += rest;
			r->abs += rest;
			r->scan = r->start;
			r->line++;
			r->line_abs = r->abs;
			return too_long(r, err, "line");
		} else if (r->eof) {
			if (r->end == r->start)
				return end_of_input(r, err);
			len = r->end - r->start;
		} else {
			r->scan = r->end;
			long got = fill(r, err);
			if (got < 0)
				return final(r, err, err ? err->code : SPROUT_ERR_IO);
			continue;
		}
		if (len > r->max) {
			r->rec_line = r->line;
			keep_snippet(r, len);
			consume(r, len + (nl ? 1 : 0));
			r->scan = r->start;
			return too_long(r, err, "line");
		}
		const char *line = r->buf + r->start;
		r->rec_line = r->line;
		r->rec_col = (unsigned long)(r->abs - r->line_abs + 1);
		/* consume: one newline at most, so count it by hand */
		r->start += len + (nl ? 1 : 0);
		r->abs += len + (nl ? 1 : 0);
		r->scan = r->start;
		if (nl) {
			r->line++;
			r->line_abs = r->abs;
		}
		size_t n = len;
		if (n && line[n - 1] == '\r')
			n--;
		size_t k = 0;
		while (k < n && is_ws(line[k]))
			k++;
		if (k == n)
			continue; /* blank line */
		r->raw = line;
		r->rawlen = n;
		r->raw_truncated = 0;
		return parse_record(r, a, out, err);
	}
}

static sprout_code array_error(sprout_reader *r, sprout_error *err, size_t at, const char *msg)
{
	char what[32];
	char c = r->buf[at];
	if (c >= 0x20 && c < 0x7f)
		snprintf(what, sizeof what, "'%c'", c);
	else
		snprintf(what, sizeof what, "byte 0x%02X", (unsigned char)c);
	size_t pos = r->abs + (at - r->start);
	/* count lines up to at */
	unsigned long line = r->line;
	size_t line_abs = r->line_abs;
	for (size_t i = r->start; i < at; i++)
		if (r->buf[i] == '\n') {
			line++;
			line_abs = r->abs + (i - r->start) + 1;
		}
	sprout_error_set(err, SPROUT_ERR_JSON, "unexpected %s in the JSON array, expected %s", what,
			 msg);
	sprout_error_locate(err, r->name, line, pos - line_abs + 1);
	return final(r, err, SPROUT_ERR_JSON);
}

static sprout_code next_array(sprout_reader *r, sprout_arena *a, sprout_json **out,
			      sprout_error *err)
{
	size_t i = r->start; /* scan position */
	for (;;) {
		if (i >= r->end) {
			if (r->discard) {
				/* drop what was scanned of an over-long element */
				r->elem_len += i - r->start;
				consume(r, i - r->start);
				i = r->start;
			}
			size_t off = i - r->start;
			long got = fill(r, err);
			if (got < 0)
				return final(r, err, err ? err->code : SPROUT_ERR_IO);
			i = r->start + off;
			if (got == 0) {
				if (r->ast == A_AFTER_END)
					return end_of_input(r, err);
				sprout_error_set(err, SPROUT_ERR_JSON,
						 "unexpected end of input inside the JSON array "
						 "(missing ']')");
				sprout_error_locate(err, r->name, r->line, 0);
				return final(r, err, SPROUT_ERR_JSON);
			}
			continue;
		}
		char c = r->buf[i];
		switch (r->ast) {
		case A_ELEM_OR_END:
		case A_ELEM:
			if (is_ws(c)) {
				i++;
				break;
			}
			consume(r, i - r->start);
			i = r->start;
			if (c == ']') {
				if (r->ast == A_ELEM)
					return array_error(r, err, i, "a value after ','");
				consume(r, 1);
				i = r->start;
				r->ast = A_AFTER_END;
				break;
			}
			if (c == ',')
				return array_error(r, err, i, "a value");
			r->rec_line = r->line;
			r->rec_col = (unsigned long)(r->abs - r->line_abs + 1);
			r->ast = A_IN_ELEM;
			r->depth = r->instr = r->esc = r->discard = 0;
			r->elem_len = 0;
			break;
		case A_IN_ELEM: {
			int done = 0;
			size_t endpos = i;
			if (r->instr) {
				if (r->esc)
					r->esc = 0;
				else if (c == '\\')
					r->esc = 1;
				else if (c == '"')
					r->instr = 0;
				i++;
			} else if (c == '"') {
				r->instr = 1;
				i++;
			} else if (c == '{' || c == '[') {
				r->depth++;
				i++;
			} else if (c == '}' || c == ']') {
				if (r->depth == 0) {
					done = 1; /* a scalar ended by the array's ']' */
				} else {
					i++;
					if (--r->depth == 0) {
						done = 1;
						endpos = i;
					}
				}
			} else if (r->depth == 0 && (c == ',' || is_ws(c))) {
				done = 1;
			} else {
				i++;
			}
			if (!done && !r->discard && i - r->start > r->max) {
				keep_snippet(r, i - r->start);
				r->discard = 1;
			}
			if (!done)
				break;
			r->ast = A_AFTER_ELEM;
			if (r->discard) {
				consume(r, endpos - r->start);
				r->discard = 0;
				return too_long(r, err, "array element");
			}
			/* the element text: stable until the next fill */
			r->raw = r->buf + r->start;
			r->rawlen = endpos - r->start;
			r->raw_truncated = 0;
			consume(r, endpos - r->start);
			return parse_record(r, a, out, err);
		}
		case A_AFTER_ELEM:
			if (is_ws(c)) {
				i++;
				break;
			}
			if (c == ',') {
				consume(r, i + 1 - r->start);
				i = r->start;
				r->ast = A_ELEM;
				break;
			}
			if (c == ']') {
				consume(r, i + 1 - r->start);
				i = r->start;
				r->ast = A_AFTER_END;
				break;
			}
			return array_error(r, err, i, "',' or ']' after an array element");
		case A_AFTER_END:
			if (is_ws(c)) {
				i++;
				break;
			}
			return array_error(r, err, i, "nothing after the closing ']'");
		}
	}
}

sprout_code sprout_reader_next(sprout_reader *r, sprout_arena *a, sprout_json **out,
			       sprout_error *err)
{
	if (r->fatal)
		return SPROUT_END;
	r->raw = NULL;
	r->rawlen = 0;
	r->raw_truncated = 0;
	if (r->container == SPROUT_CONTAINER_AUTO) {
		sprout_code rc = decide(r, err);
		if (rc)
			return rc;
	}
	return r->container == SPROUT_CONTAINER_ARRAY ? next_array(r, a, out, err)
						      : next_jsonl(r, a, out, err);
}
