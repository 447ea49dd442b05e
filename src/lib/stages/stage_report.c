/* The report stage: sprout report's options as data, and the whole of the
 * command as one call (sprout_report_run, sprout/report.h): the records of
 * DATA, the rejects files and the manifest read, the page and its JSON twin
 * written atomically, each measured while written. It writes a page, not
 * records, so it is never opened (SPROUT_STAGE_WRITES). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sprout/report.h"
#include "stages/stage_internal.h"

enum {
	O_REJECTS,
	O_MANIFEST,
	O_JSON,
	O_DRIFT_KS,
	O_DRIFT_VOCAB,
	O_FAIL_ON_DRIFT,
	O_TITLE,
	O_GENERATED_AT,
	O_FORMAT,
	O_MAP,
	O_CONTAINER,
	O_MAX_RECORD,
	O_DUPLICATE_KEYS
};

#define REPEAT SPROUT_OPT_REPEAT

/* The reading options without --on-error and its --rejects: here --rejects
 * names files to read. */
static const sprout_option_def options[] = {
    [O_REJECTS] = {"rejects", 0, "FILE", SPROUT_OPT_INFILE, REPEAT, NULL,
		   "a rejects file written by sprout filter or convert, to count rejections per "
		   "check and per method (repeatable)"},
    [O_MANIFEST] = {"manifest", 0, "FILE", SPROUT_OPT_INFILE, 0, NULL,
		    "a run manifest (JSON): its \"stages\" [{name, in, out, rejected}] are shown, "
		    "and the page links to it"},
    [O_JSON] = {"json", 0, NULL, SPROUT_OPT_SWITCH, 0, NULL,
		"write the JSON numbers instead of the HTML (to stdout, or to -o FILE)"},
    [O_DRIFT_KS] = {"drift-ks", 0, "D", SPROUT_OPT_NUMBER, 0, "0.3",
		    "drift alarm when the KS statistic of real vs synthetic lengths is above D "
		    "(default 0.3)"},
    [O_DRIFT_VOCAB] = {"drift-vocab", 0, "X", SPROUT_OPT_NUMBER, 0, "0.5",
		       "drift alarm when the vocabulary shift is above X (default 0.5)"},
    [O_FAIL_ON_DRIFT] = {"fail-on-drift", 0, NULL, SPROUT_OPT_SWITCH, 0, NULL,
			 "exit with 1 after writing the report when the drift alarm fires"},
    [O_TITLE] = {"title", 0, "TEXT", SPROUT_OPT_TEXT, 0, NULL,
		 "page title (default: sprout report)"},
    [O_GENERATED_AT] = {"generated-at", 0, "TEXT", SPROUT_OPT_TEXT, 0, NULL,
			"a date to show in the header (none by default, so the same data gives "
			"the same page)"},
    [O_FORMAT] = {"format", 'f', "FORMAT", SPROUT_OPT_TEXT, 0, "auto",
		  "input format: auto (default), alpaca, sharegpt, openai, classification, "
		  "self-instruct, or a field map"},
    [O_MAP] = {"map", 0, "SLOT=KEY,...", SPROUT_OPT_TEXT, 0, NULL,
	       "input field map, e.g. prompt=question,response=answer"},
    [O_CONTAINER] = {"container", 0, "TYPE", SPROUT_OPT_TEXT, 0, "auto",
		     "input container: auto (default), jsonl or array"},
    [O_MAX_RECORD] = {"max-record", 0, "BYTES", SPROUT_OPT_TEXT, 0, "16M",
		      "longest input line or record, with K, M or G suffix (default 16M)"},
    [O_DUPLICATE_KEYS] = {"duplicate-keys", 0, "MODE", SPROUT_OPT_TEXT, 0, "error",
			  "a record with a key twice in an object: error (default) or last "
			  "(keep the last value)"},
    {NULL, 0, NULL, 0, 0, NULL, NULL},
};

static const char *const outputs[] = {NULL}; /* a page, not records */

struct report_stage {
	sprout_stage base;
	int json, fail_on_drift;
	const char **rejects;
	size_t nrejects;
	const char *manifest;
	sprout_report_options ro;
	sprout_source_options src;
};

static void init(sprout_stage *s)
{
	struct report_stage *r = (struct report_stage *)s;
	r->ro = (sprout_report_options)SPROUT_REPORT_OPTIONS_INIT;
	r->src.reader = (sprout_reader_options)SPROUT_READER_OPTIONS_INIT;
}

static sprout_code set(sprout_stage *s, size_t i, const char *arg, sprout_error *err)
{
	struct report_stage *r = (struct report_stage *)s;
	double v;
	switch (i) {
	case O_REJECTS: {
		const char **p = realloc(r->rejects, (r->nrejects + 1) * sizeof *p);
		if (!p)
			return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		r->rejects = p;
		p[r->nrejects++] = arg;
		return SPROUT_OK;
	}
	case O_MANIFEST: r->manifest = arg; return SPROUT_OK;
	case O_JSON: r->json = 1; return SPROUT_OK;
	case O_FAIL_ON_DRIFT: r->fail_on_drift = 1; return SPROUT_OK;
	case O_TITLE: r->ro.title = arg; return SPROUT_OK;
	case O_GENERATED_AT: r->ro.generated_at = arg; return SPROUT_OK;
	case O_DRIFT_KS:
	case O_DRIFT_VOCAB:
		if (sprout_option_number(arg, &v) || !(v >= 0 && v <= 1))
			return sprout_error_set(err, SPROUT_ERR_USAGE,
						"--%s: expected a number between 0 and 1, got '%s'",
						options[i].name, arg);
		*(i == O_DRIFT_KS ? &r->ro.drift_ks : &r->ro.drift_vocab) = v;
		return SPROUT_OK;
	default: return sprout_option_reading(options[i].name, arg, &r->src, err);
	}
}

static sprout_code open_report(sprout_stage *s, sprout_error *err)
{
	(void)s;
	return sprout_error_set(err, SPROUT_ERR_USAGE,
				"stage report writes a page, not records: sprout_report_run "
				"runs it");
}

static void free_report(sprout_stage *s)
{
	free(((struct report_stage *)s)->rejects);
}

const sprout_stage_def sprout_stage_report = {
    .name = "report",
    .usage = "report [options] [FILE...]",
    .about = "Describe a dataset made by sprout in one self-contained HTML page (inline\n"
	     "SVG charts, no scripts, no network) with the same numbers as JSON: records\n"
	     "per method, rejections per check, similarity scores, length and vocabulary\n"
	     "of real vs synthetic text, over-represented words, label balance, personal\n"
	     "data, review outcomes, and a drift alarm. -o report.html also writes\n"
	     "report.json. See docs/report.md.",
    .options = options,
    .flags = SPROUT_STAGE_WRITES,
    .outputs = outputs,
    .size = sizeof(struct report_stage),
    .init = init,
    .set = set,
    .open = open_report,
    .free = free_report,
};

/* ---- running it ----------------------------------------------------------- */

static sprout_code nomem(sprout_error *err)
{
	return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
}

static void tell_line(const sprout_report_tell *t, int warn, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* One line to t's note, or to its warn when warn is set. */
static void tell_line(const sprout_report_tell *t, int warn, const char *fmt, ...)
{
	void (*fn)(void *, const char *) = t ? (warn ? t->warn : t->note) : NULL;
	if (!fn)
		return;
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	fn(t->ctx, line);
}

/* FILE.html -> FILE.json; anything else gets .json added. NULL on OOM. */
static char *json_path_for(const char *html)
{
	size_t n = strlen(html);
	if (n > 5 && strcmp(html + n - 5, ".html") == 0)
		n -= 5;
	else if (n > 4 && strcmp(html + n - 4, ".htm") == 0)
		n -= 4;
	char *p = malloc(n + 6);
	if (p) {
		memcpy(p, html, n);
		memcpy(p + n, ".json", 6);
	}
	return p;
}

static char *copy(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = malloc(n);
	return p ? memcpy(p, s, n) : NULL;
}

/* Refuse to write path (may be NULL) over one of the files the report reads. */
static sprout_code check_output(const struct report_stage *r, const char *path,
				const char *const *inputs, size_t n, sprout_error *err)
{
	if (!path)
		return SPROUT_OK;
	for (size_t i = 0; i < n; i++)
		if (sprout_same_file(inputs[i], path))
			return sprout_error_set(err, SPROUT_ERR_USAGE,
						"refusing to write the report over the input '%s'",
						inputs[i]);
	for (size_t i = 0; i < r->nrejects; i++)
		if (sprout_same_file(r->rejects[i], path))
			return sprout_error_set(
			    err, SPROUT_ERR_USAGE,
			    "refusing to write the report over the rejects file '%s'",
			    r->rejects[i]);
	if (r->manifest && sprout_same_file(r->manifest, path))
		return sprout_error_set(err, SPROUT_ERR_USAGE,
					"refusing to write the report over the manifest '%s'",
					r->manifest);
	return SPROUT_OK;
}

/* Every record of DATA into rep; a bad one stops. */
static sprout_code read_data(const struct report_stage *r, sprout_report *rep,
			     const char *const *inputs, size_t n, const sprout_report_tell *t,
			     sprout_error *err)
{
	sprout_source *src = sprout_source_open(inputs, n, &r->src, err);
	if (!src)
		return err->code;
	sprout_code rc;
	for (;;) {
		sprout_record rec;
		rc = sprout_source_next(src, &rec, err);
		if (t && t->progress && rc != SPROUT_END)
			t->progress(t->ctx, src);
		sprout_error warn = SPROUT_ERROR_INIT;
		if (sprout_source_warning(src, &warn)) {
			if (warn.file[0])
				tell_line(t, 1, "%s: warning: %s", warn.file, warn.msg);
			else
				tell_line(t, 1, "warning: %s", warn.msg);
		}
		const char *file, *why;
		const sprout_format *fmt;
		int oom = 0;
		while (sprout_source_detected(src, &file, &fmt, &why))
			oom |= sprout_report_add_input(rep, file, fmt) != SPROUT_OK;
		if (oom) {
			rc = nomem(err);
			break;
		}
		if (rc) /* SPROUT_END, or a bad record: no skipping here */
			break;
		if ((rc = sprout_report_add(rep, &rec, err)))
			break;
	}
	sprout_source_close(src);
	return rc == SPROUT_END ? SPROUT_OK : rc;
}

/* Every line of a rejects file into rep; an empty file has none. */
static sprout_code read_rejects(const struct report_stage *r, sprout_report *rep, const char *path,
				sprout_error *err)
{
	if (sprout_report_add_rejects_file(rep, path))
		return nomem(err);
	sprout_reader_options ro = r->src.reader;
	ro.container = SPROUT_CONTAINER_JSONL;
	sprout_reader *rd = sprout_reader_open(path, &ro, err);
	if (!rd)
		return err->code;
	sprout_arena *a = sprout_arena_new(0);
	if (!a) {
		sprout_reader_close(rd);
		return nomem(err);
	}
	sprout_code rc;
	for (;;) {
		sprout_json *line;
		sprout_arena_reset(a);
		rc = sprout_reader_next(rd, a, &line, err);
		if (rc == SPROUT_END || rc == SPROUT_ERR_EMPTY) {
			rc = SPROUT_OK;
			break;
		}
		if (!rc)
			rc = sprout_report_add_reject(rep, line, err);
		if (rc == SPROUT_ERR_CONTAINER)
			sprout_error_set(err, rc, "a rejects file is JSONL, one object a line");
		if (rc) {
			if (!err->file[0])
				sprout_error_locate(err, path, sprout_reader_line(rd), 0);
			break;
		}
	}
	sprout_arena_free(a);
	sprout_reader_close(rd);
	return rc;
}

/* The components of an absolute path, in place; how many (at most max). */
static size_t split_path(char *p, char **out, size_t max)
{
	size_t n = 0;
	char *save = NULL;
	for (char *t = strtok_r(p, "/", &save); t && n < max; t = strtok_r(NULL, "/", &save))
		out[n++] = t;
	return n;
}

/* The link from the page at html (NULL: stdout) to the manifest: its path
 * relative to the page's directory, percent-encoded; the path as given when
 * either cannot be resolved. NULL on OOM. */
static char *manifest_href(const char *manifest, const char *html)
{
	char *m = realpath(manifest, NULL), *d = NULL, *dir = NULL;
	sprout_buf b = SPROUT_BUF_INIT((size_t)1 << 20);
	const char *rel = manifest;
	if (html && m && (dir = malloc(strlen(html) + 2))) {
		strcpy(dir, html);
		char *slash = strrchr(dir, '/');
		if (!slash)
			strcpy(dir, ".");
		else if (slash == dir)
			dir[1] = '\0';
		else
			*slash = '\0';
		d = realpath(dir, NULL);
	}
	sprout_buf r = SPROUT_BUF_INIT((size_t)1 << 20);
	if (d) {
		char *mc[256], *dc[256];
		size_t nm = split_path(m, mc, 256), nd = split_path(d, dc, 256), k = 0;
		while (k < nm && k < nd && strcmp(mc[k], dc[k]) == 0)
			k++;
		int bad = 0;
		for (size_t i = k; i < nd; i++)
			bad |= sprout_buf_adds(&r, "../") != SPROUT_OK;
		for (size_t i = k; i < nm; i++)
			bad |=
			    sprout_buf_adds(&r, mc[i]) || (i + 1 < nm && sprout_buf_addc(&r, '/'));
		if (!bad && r.len)
			rel = r.data;
	}
	int bad = 0;
	for (const unsigned char *p = (const unsigned char *)rel; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("/._~-", *p))
			bad |= sprout_buf_addc(&b, (char)*p) != SPROUT_OK;
		else
			bad |= sprout_buf_addf(&b, "%%%02X", *p) != SPROUT_OK;
	}
	char *out = NULL;
	if (!bad && (out = malloc(b.len + 1)))
		memcpy(out, b.data ? b.data : "", b.len + 1);
	sprout_buf_release(&r);
	sprout_buf_release(&b);
	free(m);
	free(d);
	free(dir);
	return out;
}

#define MANIFEST_MAX ((size_t)64 << 20)

/* The manifest at path into rep, linked from the page as href. */
static sprout_code read_manifest(sprout_report *rep, const char *path, const char *href,
				 sprout_error *err)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		sprout_error_set(err, SPROUT_ERR_IO, "cannot open: %s", strerror(errno));
		sprout_error_locate(err, path, 0, 0);
		return err->code;
	}
	sprout_buf b = SPROUT_BUF_INIT(MANIFEST_MAX);
	char chunk[65536];
	size_t got;
	sprout_code rc = SPROUT_OK;
	while (!rc && (got = fread(chunk, 1, sizeof chunk, f)) > 0)
		if (sprout_buf_add(&b, chunk, got))
			rc = sprout_error_set(err, SPROUT_ERR_TOO_LONG,
					      "larger than 64 MiB, not a manifest");
	if (!rc && ferror(f))
		rc = sprout_error_set(err, SPROUT_ERR_IO, "cannot read: %s", strerror(errno));
	fclose(f);
	if (rc) {
		sprout_error_locate(err, path, 0, 0);
		sprout_buf_release(&b);
		return rc;
	}
	sprout_arena *a = sprout_arena_new(0);
	sprout_json *m = NULL;
	if (!a)
		rc = nomem(err);
	else if ((rc = sprout_json_parse(a, b.data ? b.data : "", b.len, &m, err)))
		sprout_error_locate(err, path, err->line, err->column);
	else if ((rc = sprout_report_set_manifest(rep, path, href, m, err)) &&
		 rc != SPROUT_ERR_NOMEM)
		sprout_error_locate(err, path, 0, 0);
	sprout_arena_free(a);
	sprout_buf_release(&b);
	return rc;
}

/* Open path (NULL: stdout) and write text to it, not yet committed. */
static sprout_writer *write_text(const char *path, const sprout_buf *text, sprout_error *err)
{
	sprout_writer *w = sprout_writer_open(path, SPROUT_CONTAINER_JSONL, err);
	if (w && sprout_writer_write(w, text->data, text->len, err)) {
		sprout_writer_abort(w);
		w = NULL;
	}
	return w;
}

/* Write the page to html_path and the JSON to json_path, either may be
 * NULL; when both are, the page (or with as_json the JSON) to stdout. Every
 * file is written before any is committed; those committed go in res. */
static sprout_code write_outputs(const char *html_path, const char *json_path,
				 const sprout_buf *html, const sprout_buf *json, int as_json,
				 const sprout_report_tell *t, sprout_report_result *res,
				 sprout_error *err)
{
	char temp[2][4096] = {"", ""}; /* told made, then gone */
	const char *path[2] = {NULL, NULL};
	const sprout_buf *text[2] = {as_json ? json : html, NULL};
	sprout_writer *w[2] = {NULL, NULL};
	size_t n = 0;
	if (html_path) {
		path[n] = html_path;
		text[n++] = html;
	}
	if (json_path) {
		path[n] = json_path;
		text[n++] = json;
	}
	n += !n; /* stdout */
	sprout_code rc = SPROUT_OK;
	for (size_t k = 0; !rc && k < n; k++) {
		if (!(w[k] = write_text(path[k], text[k], err))) {
			rc = err->code;
		} else if (t && t->temp && sprout_writer_temp_path(w[k])) {
			snprintf(temp[k], sizeof temp[k], "%s", sprout_writer_temp_path(w[k]));
			t->temp(t->ctx, temp[k], 1);
		}
	}
	for (size_t k = 0; k < n; k++) {
		sprout_written m;
		if (temp[k][0]) /* renamed or removed below: not to be removed on a signal */
			t->temp(t->ctx, temp[k], 0);
		if (rc) {
			sprout_writer_abort(w[k]);
		} else if (!(rc = sprout_writer_commit_measured(w[k], &m, err)) && path[k]) {
			res->files[res->nfiles].w = m;
			if (!(res->files[res->nfiles++].path = copy(path[k])))
				rc = nomem(err);
		}
	}
	return rc;
}

/* Tell what drifted: notes, or with fail-on-drift messages to show. */
static void drift_lines(const sprout_report_tell *t, const sprout_report_summary *s,
			const sprout_report_options *ro, int warn)
{
	for (int i = 0; i < SPROUT_REPORT_NSLOTS; i++) {
		const sprout_report_slot *so = &s->slots[i];
		const char *slot = sprout_slot_name(so->slot);
		if (so->ks_drift)
			tell_line(t, warn, "drift alarm: %s length KS D %.3f is above %.2f", slot,
				  so->ks, ro->drift_ks);
		if (so->vocab_drift)
			tell_line(t, warn, "drift alarm: %s vocabulary shift %.3f is above %.2f",
				  slot, so->vocab_shift, ro->drift_vocab);
	}
}

sprout_code sprout_report_run(sprout_stage *s, const char *const *inputs, size_t n,
			      const char *output, const sprout_report_tell *tell,
			      sprout_report_result *res, sprout_error *err)
{
	memset(res, 0, sizeof *res);
	if (s->def != &sprout_stage_report)
		return sprout_error_set(err, SPROUT_ERR_USAGE,
					"stage %s is not report: sprout_report_run runs report",
					s->def->name);
	const struct report_stage *r = (const struct report_stage *)s;
	if (output && strcmp(output, "-") == 0)
		output = NULL;
	const char *html_path = output && !r->json ? output : NULL;
	char *json_path = !output ? NULL : r->json ? copy(output) : json_path_for(output);
	if (output && !json_path)
		return nomem(err);
	sprout_code rc;
	if ((rc = check_output(r, html_path, inputs, n, err)) ||
	    (rc = check_output(r, json_path, inputs, n, err))) {
		free(json_path);
		return rc;
	}
	sprout_report *rep = sprout_report_new(&r->ro);
	char *href = NULL;
	sprout_buf html = SPROUT_BUF_INIT((size_t)1 << 30);
	sprout_buf json = SPROUT_BUF_INIT((size_t)1 << 30);
	if (!rep)
		rc = nomem(err);
	if (!rc)
		rc = read_data(r, rep, inputs, n, tell, err);
	for (size_t i = 0; !rc && i < r->nrejects; i++)
		rc = read_rejects(r, rep, r->rejects[i], err);
	if (!rc && r->manifest && !(href = manifest_href(r->manifest, html_path)))
		rc = nomem(err);
	if (!rc && r->manifest)
		rc = read_manifest(rep, r->manifest, href, err);
	int page = html_path || (!json_path && !r->json);
	if (!rc && !(rc = sprout_report_summarize(rep, &res->summary, err)) &&
	    !(rc = sprout_report_json(rep, &json, err)) && page)
		rc = sprout_report_html(rep, &html, err);
	if (!rc)
		rc = write_outputs(html_path, json_path, &html, &json, r->json, tell, res, err);
	if (!rc) {
		res->drift_fails = r->fail_on_drift && res->summary.drift;
		drift_lines(tell, &res->summary, &r->ro, r->fail_on_drift);
	} else {
		sprout_report_result_release(res);
	}
	sprout_buf_release(&html);
	sprout_buf_release(&json);
	sprout_report_free(rep);
	free(href);
	free(json_path);
	return rc;
}

void sprout_report_result_release(sprout_report_result *res)
{
	for (size_t k = 0; k < res->nfiles; k++)
		free(res->files[k].path);
	memset(res, 0, sizeof *res);
}
