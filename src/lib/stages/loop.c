/* The feedback loop's bookkeeping (sprout/loop.h): round folders, what
 * each holds, the held-out check and adding records to a training file. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/dict.h"
#include "core/grow.h"
#include "sprout/dedup.h"
#include "sprout/loop.h"
#include "sprout/meta.h"
#include "sprout/stage.h"

static const struct {
	const char *file, *column;
} files[SPROUT_LOOP__NFILES] = {
    {"flags.jsonl", "flagged"},
    {"corrections.jsonl", "corrected"},
    {"generated.jsonl", "generated"},
    {"kept.jsonl", "kept"},
};

const char *sprout_loop_file_name(sprout_loop_file f)
{
	return (unsigned)f < SPROUT_LOOP__NFILES ? files[f].file : NULL;
}

const char *sprout_loop_column(sprout_loop_file f)
{
	return (unsigned)f < SPROUT_LOOP__NFILES ? files[f].column : NULL;
}

static int by_number(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return x < y ? -1 : x > y;
}

sprout_code sprout_loop_rounds(const char *dir, long **rounds, size_t *n, sprout_error *err)
{
	*rounds = NULL;
	*n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return sprout_error_set(
		    err, SPROUT_ERR_IO,
		    "%s: no loop folder here (make the first round with 'sprout loop next %s')",
		    dir, dir);
	long *v = NULL;
	size_t cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		char *end;
		if (strncmp(e->d_name, "round-", 6))
			continue;
		long r = strtol(e->d_name + 6, &end, 10);
		if (end == e->d_name + 6 || *end || r <= 0)
			continue;
		long *w = sprout_grow(v, &cap, *n, sizeof *w);
		if (!w) {
			free(v);
			closedir(d);
			*n = 0;
			return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		}
		v = w;
		v[(*n)++] = r;
	}
	closedir(d);
	if (!v && !(v = malloc(sizeof *v))) /* an empty loop: still a list */
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	qsort(v, *n, sizeof *v, by_number);
	*rounds = v;
	return SPROUT_OK;
}

long sprout_loop_count(const char *path, sprout_loop_file f)
{
	sprout_error err = SPROUT_ERROR_INIT;
	struct stat st;
	if (stat(path, &st) != 0)
		return -1;
	sprout_reader *r = sprout_reader_open(path, NULL, &err);
	sprout_arena *a = sprout_arena_new(0);
	long n = 0;
	sprout_json *v;
	sprout_code rc;
	while (r && a && (rc = sprout_reader_next(r, a, &v, &err)) != SPROUT_END) {
		if (rc == SPROUT_OK) {
			sprout_json *m = sprout_json_get(v, "_sprout");
			sprout_json *src = m ? sprout_json_get(m, "source") : NULL;
			sprout_json *meth = m ? sprout_json_get(m, "method") : NULL;
			if (f == SPROUT_LOOP_CORRECTED)
				n += src && sprout_json_is(src, "correction");
			else if (f == SPROUT_LOOP_GENERATED)
				n += !(meth && sprout_json_is(meth, "seed"));
			else
				n++;
		}
		sprout_arena_reset(a);
		if (sprout_reader_failed(r))
			break;
	}
	sprout_reader_close(r);
	sprout_arena_free(a);
	return n;
}

double sprout_loop_metric(const char *dir, long round, const char **from)
{
	char p[4096];
	if (from)
		*from = NULL;
	snprintf(p, sizeof p, "%s/round-%ld/metric", dir, round);
	FILE *f = fopen(p, "r");
	double v = -1;
	if (f) {
		if (fscanf(f, "%lf", &v) != 1)
			v = -1;
		fclose(f);
		if (v >= 0) {
			if (from)
				*from = "recorded";
			return v;
		}
	}
	snprintf(p, sizeof p, "%s/round-%ld/probe.json", dir, round);
	f = fopen(p, "r");
	if (!f)
		return -1;
	char buf[65536];
	size_t len = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[len] = '\0';
	sprout_arena *a = sprout_arena_new(0);
	sprout_json *j;
	if (a && !sprout_json_parse(a, buf, len, &j, NULL)) {
		sprout_json *m = sprout_json_get(j, "augmented_model");
		if (!m)
			m = sprout_json_get(j, "real");
		sprout_json *t = m ? sprout_json_get(m, "test") : NULL;
		if (t && t->type == SPROUT_JSON_NUMBER) {
			v = sprout_json_number(t);
			if (from)
				*from = "probe";
		}
	}
	sprout_arena_free(a);
	return v;
}

sprout_code sprout_loop_status_read(const char *dir, sprout_loop_status *out, sprout_error *err)
{
	memset(out, 0, sizeof *out);
	long *r;
	size_t n;
	sprout_code rc = sprout_loop_rounds(dir, &r, &n, err);
	if (rc)
		return rc;
	out->rounds = calloc(n + 1, sizeof *out->rounds);
	if (!out->rounds) {
		free(r);
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	}
	double prev = -1;
	for (size_t i = 0; i < n; i++) {
		sprout_loop_round *o = &out->rounds[i];
		o->round = r[i];
		for (int k = 0; k < SPROUT_LOOP__NFILES; k++) {
			char p[4096];
			snprintf(p, sizeof p, "%s/round-%ld/%s", dir, r[i], files[k].file);
			o->count[k] = sprout_loop_count(p, (sprout_loop_file)k);
		}
		o->metric = sprout_loop_metric(dir, r[i], &o->metric_from);
		o->compared = o->metric >= 0 && prev >= 0;
		o->plateau = o->compared && o->metric - prev < 0.005;
		if (o->metric >= 0)
			prev = o->metric;
	}
	out->n = n;
	out->plateau = n && out->rounds[n - 1].plateau;
	free(r);
	return SPROUT_OK;
}

void sprout_loop_status_release(sprout_loop_status *s)
{
	free(s->rounds);
	memset(s, 0, sizeof *s);
}

sprout_code sprout_loop_next(const char *dir, char *path, size_t n, sprout_error *err)
{
	long *r;
	size_t nr;
	sprout_code rc = sprout_loop_rounds(dir, &r, &nr, err);
	if (rc == SPROUT_ERR_NOMEM)
		return rc;
	if (rc && mkdir(dir, 0777) != 0 && errno != EEXIST)
		return sprout_error_set(err, SPROUT_ERR_IO, "%s: cannot make the loop folder: %s",
					dir, strerror(errno));
	long next = nr ? r[nr - 1] + 1 : 1;
	free(r);
	if ((size_t)snprintf(path, n, "%s/round-%ld", dir, next) >= n)
		return sprout_error_set(err, SPROUT_ERR_USAGE, "%s: the path is too long", dir);
	if (mkdir(path, 0777) != 0)
		return sprout_error_set(err, SPROUT_ERR_IO, "%s: %s", path, strerror(errno));
	return SPROUT_OK;
}

sprout_code sprout_loop_metric_write(const char *dir, long round, const char *value,
				     sprout_error *err)
{
	double x;
	if (sprout_option_number(value, &x))
		return sprout_error_set(err, SPROUT_ERR_USAGE, "metric: '%s' is not a number",
					value);
	if (!round) {
		long *r;
		size_t n;
		if (sprout_loop_rounds(dir, &r, &n, NULL) == SPROUT_OK && n)
			round = r[n - 1];
		free(r);
	}
	if (round < 1)
		return sprout_error_set(err, SPROUT_ERR_USAGE,
					"%s: no round yet (sprout loop next %s)", dir, dir);
	char p[4096];
	struct stat st;
	snprintf(p, sizeof p, "%s/round-%ld", dir, round);
	int e = stat(p, &st) != 0 ? errno : !S_ISDIR(st.st_mode) ? ENOTDIR : 0;
	if (e) { /* as fopen would say */
		snprintf(p, sizeof p, "%s/round-%ld/metric", dir, round);
		return sprout_error_set(err, SPROUT_ERR_IO, "%s: cannot write: %s", p, strerror(e));
	}
	snprintf(p, sizeof p, "%s/round-%ld/metric", dir, round);
	sprout_writer *w = sprout_writer_open(p, SPROUT_CONTAINER_JSONL, err);
	if (!w)
		return err ? err->code : SPROUT_ERR_IO;
	if (sprout_writer_write(w, value, strlen(value), err) ||
	    sprout_writer_write(w, "\n", 1, err)) {
		sprout_writer_abort(w);
		return err ? err->code : SPROUT_ERR_IO;
	}
	return sprout_writer_commit(w, err);
}

/* ---- the held-out check ---------------------------------------------------------- */

/* A held-out record: where it is. */
struct held {
	const char *file;
	unsigned long line;
};

struct sprout_held_out {
	struct held *v;
	size_t n, cap;
	sprout_dict ids, texts;	   /* ids and normalised texts (up to a NUL, as compared) */
	size_t *id_of, *text_of;   /* by key number: the first held record with it */
	size_t nid_cap, ntext_cap; /* of id_of, text_of */
	sprout_neardup *near;	   /* texts in the order of v */
	sprout_arena *mem;	   /* file names and keys */
	sprout_buf norm;	   /* a normalised text */
};

sprout_held_out *sprout_held_out_new(double near, sprout_error *err)
{
	if (!(near > 0 && near <= 1)) {
		sprout_error_set(err, SPROUT_ERR_USAGE,
				 "--near-threshold: %g is not a number above 0 and at most 1",
				 near);
		return NULL;
	}
	sprout_held_out *h = calloc(1, sizeof *h);
	if (h && (h->mem = sprout_arena_new(0)) && (h->near = sprout_neardup_new(near))) {
		sprout_dict_init(&h->ids, h->mem);
		sprout_dict_init(&h->texts, h->mem);
		h->norm = (sprout_buf)SPROUT_BUF_INIT(1 << 26);
		return h;
	}
	if (h) {
		sprout_arena_free(h->mem);
		free(h);
	}
	sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	return NULL;
}

void sprout_held_out_free(sprout_held_out *h)
{
	if (!h)
		return;
	free(h->v);
	free(h->id_of);
	free(h->text_of);
	sprout_dict_free(&h->ids);
	sprout_dict_free(&h->texts);
	sprout_neardup_free(h->near);
	sprout_arena_free(h->mem);
	sprout_buf_release(&h->norm);
	free(h);
}

size_t sprout_held_out_count(const sprout_held_out *h)
{
	return h->n;
}

/* The text compared, normalised in h->norm, up to a NUL as strcmp sees
 * it: its length, or -1 on OOM. */
static long long norm_text(sprout_held_out *h, const sprout_record *r)
{
	sprout_text t;
	sprout_record_get(r, SPROUT_SLOT_PROMPT, &t);
	sprout_buf_clear(&h->norm);
	if (sprout_normalize(t.s, t.len, &h->norm))
		return -1;
	return h->norm.data ? (long long)strnlen(h->norm.data, h->norm.len) : 0;
}

/* Key s[0..len) in d numbered in *first (grown as d) with held record i
 * when new; -1 on OOM. */
static int note_first(sprout_dict *d, size_t **first, size_t *cap, const char *s, size_t len,
		      size_t i)
{
	int added;
	long long k = sprout_dict_put(d, s ? s : "", len, &added);
	size_t *v = k < 0 ? NULL : sprout_grow(*first, cap, (size_t)k, sizeof *v);
	if (!v)
		return -1;
	*first = v;
	if (added)
		v[k] = i;
	return 0;
}

sprout_code sprout_held_out_add(sprout_held_out *h, const sprout_record *rec, sprout_error *err)
{
	struct held *v = sprout_grow(h->v, &h->cap, h->n, sizeof *v);
	if (!v)
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	h->v = v;
	struct held *e = &h->v[h->n];
	const char *file = rec->file ? rec->file : "";
	e->file = h->n && !strcmp(h->v[h->n - 1].file, file)
		      ? h->v[h->n - 1].file
		      : sprout_arena_strndup(h->mem, file, strlen(file));
	e->line = rec->line;
	const char *id = sprout_meta_id(rec);
	long long nlen = norm_text(h, rec);
	sprout_text t;
	size_t which;
	double j;
	sprout_record_get(rec, SPROUT_SLOT_PROMPT, &t);
	if (!e->file || nlen < 0 ||
	    (id && note_first(&h->ids, &h->id_of, &h->nid_cap, id, strlen(id), h->n)) ||
	    note_first(&h->texts, &h->text_of, &h->ntext_cap, h->norm.data, (size_t)nlen, h->n) ||
	    sprout_neardup_check(h->near, t.s, t.len, 2, &which, &j) < 0)
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	h->n++;
	return SPROUT_OK;
}

sprout_code sprout_held_out_add_file(sprout_held_out *h, const char *path,
				     const sprout_source_options *so, sprout_error *err)
{
	sprout_source_options o = {SPROUT_READER_OPTIONS_INIT, {0}};
	sprout_source *src = sprout_source_open(&path, 1, so ? so : &o, err);
	if (!src)
		return err ? err->code : SPROUT_ERR_IO;
	sprout_record rec;
	sprout_code rc;
	while ((rc = sprout_source_next(src, &rec, err)) == SPROUT_OK &&
	       (rc = sprout_held_out_add(h, &rec, err)) == SPROUT_OK)
		;
	sprout_source_close(src);
	return rc == SPROUT_END ? SPROUT_OK : rc;
}

sprout_code sprout_held_out_check(sprout_held_out *h, const sprout_record *r, const char **check,
				  char *why, size_t n, sprout_error *err)
{
	static const char *const links[] = {"id", "parent", "root"};
	*check = NULL;
	sprout_json *m = sprout_meta_get(r);
	for (size_t k = 0; m && k < 3; k++) {
		sprout_json *v = sprout_json_get(m, links[k]);
		long long i = v && v->type == SPROUT_JSON_STRING
				  ? sprout_dict_find(&h->ids, v->u.s, v->len)
				  : -1;
		if (i >= 0) {
			const struct held *e = &h->v[h->id_of[i]];
			snprintf(why, n, "its %s %s is the id of the held-out record %s:%lu",
				 k ? links[k] : "_sprout.id",
				 sprout_dict_key(&h->ids, (size_t)i, NULL), e->file, e->line);
			*check = "held_out_id";
			return SPROUT_OK;
		}
	}
	long long nlen = norm_text(h, r);
	if (nlen < 0)
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	long long i = sprout_dict_find(&h->texts, h->norm.data ? h->norm.data : "", (size_t)nlen);
	if (i >= 0) {
		const struct held *e = &h->v[h->text_of[i]];
		snprintf(why, n, "the same text as the held-out record %s:%lu", e->file, e->line);
		*check = "held_out_text";
		return SPROUT_OK;
	}
	sprout_text t;
	sprout_record_get(r, SPROUT_SLOT_PROMPT, &t);
	size_t which;
	double j;
	int near = sprout_neardup_check(h->near, t.s, t.len, 0, &which, &j);
	if (near < 0)
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	if (near == 1) {
		snprintf(why, n,
			 "a near duplicate (Jaccard %.2f of 5-character shingles) of the "
			 "held-out record %s:%lu",
			 j, h->v[which].file, h->v[which].line);
		*check = "held_out_near_duplicate";
	}
	return SPROUT_OK;
}

/* ---- adding records to a training file ------------------------------------------- */

struct sprout_loop_adder {
	sprout_held_out *h;
	sprout_writer *w;
	unsigned long kept, added, refused;
};

/* The lines of in (blank ones left out) into w; counted in *kept. */
static sprout_code copy_lines(FILE *in, const char *train, sprout_writer *w, unsigned long *kept,
			      sprout_error *err)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	sprout_code rc = SPROUT_OK;
	while (!rc && (len = getline(&line, &cap, in)) >= 0) {
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		if (!len)
			continue;
		if (!(rc = sprout_writer_put_json(w, line, (size_t)len, err)))
			(*kept)++;
	}
	if (!rc && ferror(in))
		rc = sprout_error_set(err, SPROUT_ERR_IO, "%s: cannot read: %s", train,
				      strerror(errno));
	free(line);
	return rc;
}

sprout_loop_adder *sprout_loop_add_open(const char *train, sprout_held_out *h, sprout_error *err)
{
	sprout_loop_adder *a = calloc(1, sizeof *a);
	if (!a) {
		sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		return NULL;
	}
	a->h = h;
	FILE *in = fopen(train, "r");
	if (!in && errno != ENOENT) {
		sprout_error_set(err, SPROUT_ERR_IO, "%s: %s", train, strerror(errno));
		free(a);
		return NULL;
	}
	int bad = !(a->w = sprout_writer_open(train, SPROUT_CONTAINER_JSONL, err)) ||
		  (in && copy_lines(in, train, a->w, &a->kept, err));
	if (in)
		fclose(in);
	if (bad) {
		sprout_loop_add_abort(a);
		return NULL;
	}
	return a;
}

sprout_code sprout_loop_add_put(sprout_loop_adder *a, const sprout_record *rec, const char **check,
				char *why, size_t n, sprout_error *err)
{
	*check = NULL;
	sprout_code rc = a->h ? sprout_held_out_check(a->h, rec, check, why, n, err) : SPROUT_OK;
	if (rc)
		return rc;
	if (*check) {
		a->refused++;
		return SPROUT_OK;
	}
	if ((rc = sprout_writer_put(a->w, rec->obj, err)))
		return rc;
	a->added++;
	return SPROUT_OK;
}

void sprout_loop_add_counts(const sprout_loop_adder *a, unsigned long *kept, unsigned long *added,
			    unsigned long *refused)
{
	if (kept)
		*kept = a->kept;
	if (added)
		*added = a->added;
	if (refused)
		*refused = a->refused;
}

sprout_code sprout_loop_add_commit(sprout_loop_adder *a, sprout_error *err)
{
	sprout_code rc = sprout_writer_commit(a->w, err);
	free(a);
	return rc;
}

void sprout_loop_add_abort(sprout_loop_adder *a)
{
	if (!a)
		return;
	sprout_writer_abort(a->w);
	free(a);
}
