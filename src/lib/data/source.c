/* Records from a list of inputs: reading, format detection, checks,
 * self-instruct tasks split into one record per instance. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sprout/io.h"
#include "sprout/meta.h"

struct sprout_source {
	char **paths;
	size_t npaths, next_path;
	unsigned long long *sizes;   /* stored size of each input; 0 unknown */
	unsigned long long finished; /* bytes of the inputs read to the end */
	sprout_reader *rd;
	sprout_source_options opts;
	sprout_format fmt; /* the current input's format */
	int fmt_known;
	int detected_pending;
	char why[160];
	sprout_arena *arena;
	sprout_record task; /* a self-instruct task being split */
	size_t ninst, inst;
	int failed;
	/* the range: the position of the next item, the root of the last one
	 * (its length, 0: none), the position of the first item of its run,
	 * 1 once past the range */
	unsigned long long pos, run_start;
	char root[64];
	size_t rootlen;
	int past;
	sprout_error warn; /* of the input read last, until asked for */
	int warn_pending;
};

sprout_source *sprout_source_open(const char *const *paths, size_t n,
				  const sprout_source_options *opts, sprout_error *err)
{
	static const char *const stdin_path[] = {"-"};
	if (n == 0) {
		paths = stdin_path;
		n = 1;
	}
	sprout_source *s = calloc(1, sizeof *s);
	if (!s)
		goto nomem;
	s->paths = calloc(n, sizeof *s->paths);
	s->sizes = calloc(n, sizeof *s->sizes);
	s->arena = sprout_arena_new(0);
	if (!s->paths || !s->sizes || !s->arena)
		goto nomem;
	s->npaths = n;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(paths[i]) + 1;
		if (!(s->paths[i] = malloc(len)))
			goto nomem;
		memcpy(s->paths[i], paths[i], len);
		struct stat st;
		if (strcmp(paths[i], "-") != 0 && stat(paths[i], &st) == 0 && S_ISREG(st.st_mode))
			s->sizes[i] = (unsigned long long)st.st_size;
	}
	if (opts) {
		s->opts = *opts;
	} else {
		sprout_reader_options ro = SPROUT_READER_OPTIONS_INIT;
		s->opts.reader = ro;
	}
	return s;
nomem:
	sprout_source_close(s);
	sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	return NULL;
}

void sprout_source_close(sprout_source *s)
{
	if (!s)
		return;
	sprout_reader_close(s->rd);
	for (size_t i = 0; s->paths && i < s->npaths; i++)
		free(s->paths[i]);
	free(s->paths);
	free(s->sizes);
	sprout_arena_free(s->arena);
	free(s);
}

void sprout_source_progress(const sprout_source *s, unsigned long long *done,
			    unsigned long long *total)
{
	*done = s->finished;
	*total = 0;
	for (size_t i = 0; i < s->npaths; i++) {
		if (!s->sizes[i])
			return; /* unknown (or empty: no progress to tell either) */
		*total += s->sizes[i];
	}
	if (s->rd) {
		unsigned long long d, t;
		sprout_reader_progress(s->rd, &d, &t);
		*done += d;
	}
	if (*done > *total)
		*done = *total;
}

int sprout_source_failed(const sprout_source *s)
{
	return s->failed;
}

int sprout_source_warning(sprout_source *s, sprout_error *warn)
{
	if (!s->warn_pending)
		return 0;
	s->warn_pending = 0;
	if (warn)
		*warn = s->warn;
	return 1;
}

void sprout_source_raw(const sprout_source *s, const char **raw, size_t *len, int *truncated)
{
	if (s->rd) {
		sprout_reader_raw(s->rd, raw, len, truncated);
	} else {
		*raw = "";
		*len = 0;
		if (truncated)
			*truncated = 0;
	}
}

int sprout_source_detected(sprout_source *s, const char **file, const sprout_format **fmt,
			   const char **why)
{
	if (!s->detected_pending || !s->rd)
		return 0;
	s->detected_pending = 0;
	*file = sprout_reader_name(s->rd);
	*fmt = &s->fmt;
	*why = s->why;
	return 1;
}

/* Locate an error about the current record at its start. */
static sprout_code record_error(sprout_source *s, sprout_code rc, sprout_error *err)
{
	sprout_error_locate(err, sprout_reader_name(s->rd), sprout_reader_line(s->rd), 0);
	return rc;
}

/* The next instance of a self-instruct task, checked on its own. */
static sprout_code next_instance(sprout_source *s, sprout_record *rec, sprout_error *err)
{
	sprout_code rc = sprout_record_explode(&s->task, s->inst++, rec, err);
	if (!rc)
		rc = sprout_record_check(rec, err);
	return rc ? record_error(s, rc, err) : SPROUT_OK;
}

static sprout_code source_item(sprout_source *s, sprout_record *rec, sprout_error *err)
{
	if (s->failed)
		return SPROUT_END;
	if (s->inst < s->ninst)
		return next_instance(s, rec, err);
	for (;;) {
		if (!s->rd) {
			if (s->next_path == s->npaths)
				return SPROUT_END;
			s->rd = sprout_reader_open(s->paths[s->next_path++], &s->opts.reader, err);
			if (!s->rd) {
				s->failed = 1;
				return err ? err->code : SPROUT_ERR_IO;
			}
			s->fmt = s->opts.format;
			s->fmt_known = s->fmt.kind != SPROUT_FORMAT_AUTO;
			if (s->fmt_known) {
				snprintf(s->why, sizeof s->why, "given");
				s->detected_pending = 1;
			}
		}
		sprout_arena_reset(s->arena);
		sprout_json *obj;
		sprout_code rc = sprout_reader_next(s->rd, s->arena, &obj, err);
		if (rc == SPROUT_END) {
			if (sprout_reader_warning(s->rd, &s->warn))
				s->warn_pending = 1;
			s->finished += s->sizes[s->next_path - 1];
			sprout_reader_close(s->rd);
			s->rd = NULL;
			continue;
		}
		if (rc) {
			if (sprout_reader_failed(s->rd))
				s->failed = 1;
			return rc;
		}
		if (!s->fmt_known) {
			if ((rc = sprout_format_detect(obj, &s->fmt, s->why, sizeof s->why, err)))
				return record_error(s, rc, err);
			s->fmt_known = 1;
			s->detected_pending = 1;
		}
		sprout_record r = {obj, &s->fmt, s->arena, sprout_reader_name(s->rd),
				   sprout_reader_line(s->rd)};
		if ((rc = sprout_record_check(&r, err)))
			return record_error(s, rc, err);
		s->ninst = sprout_record_explode_count(&r);
		s->task = r;
		s->inst = 0;
		if (s->ninst > 1)
			return next_instance(s, rec, err);
		s->ninst = 0;
		*rec = r;
		return SPROUT_OK;
	}
}

/* The root of a good record (rc SPROUT_OK), as far as it fits root[64]:
 * its length, 0 for none. */
static size_t root_of(const sprout_record *rec, sprout_code rc, char root[64])
{
	if (rc != SPROUT_OK)
		return 0;
	const sprout_json *m = sprout_meta_get(rec);
	const sprout_json *v = m ? sprout_json_get(m, "root") : NULL;
	if (!v || v->type != SPROUT_JSON_STRING || !v->len || v->len >= 64)
		return 0;
	memcpy(root, v->u.s, v->len);
	return v->len;
}

sprout_code sprout_source_next(sprout_source *s, sprout_record *rec, sprout_error *err)
{
	if (!s->opts.range)
		return source_item(s, rec, err);
	for (;;) {
		if (s->past)
			return SPROUT_END;
		sprout_code rc = source_item(s, rec, err);
		if (rc == SPROUT_END || (rc != SPROUT_OK && s->failed))
			return rc;
		unsigned long long at = s->pos++;
		char root[64];
		size_t n = root_of(rec, rc, root);
		/* an item goes with the first of its run of one root */
		if (!(n && n == s->rootlen && !memcmp(root, s->root, n)))
			s->run_start = at;
		memcpy(s->root, root, n);
		s->rootlen = n;
		if (s->opts.to && s->run_start >= s->opts.to) {
			s->past = 1; /* the rest is after the range */
			return SPROUT_END;
		}
		if (s->run_start >= s->opts.from)
			return rc;
	}
}

sprout_code sprout_option_range(const char *arg, sprout_source_options *o, sprout_error *err)
{
	char *end;
	errno = 0;
	unsigned long long from = strtoull(arg, &end, 10), to = 0;
	int ok = isdigit((unsigned char)arg[0]) && *end == '-' && !errno;
	if (ok && end[1]) {
		const char *t = end + 1;
		to = strtoull(t, &end, 10);
		ok = isdigit((unsigned char)t[0]) && !*end && !errno && to > from;
	}
	if (!ok)
		return sprout_error_set(
		    err, SPROUT_ERR_USAGE,
		    "--records: '%s' is not a range FROM-TO (FROM < TO) or FROM-", arg);
	o->range = 1;
	o->from = from;
	o->to = to;
	return SPROUT_OK;
}
