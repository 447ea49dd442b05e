/* sprout report: one HTML page (and the same numbers as JSON) describing a
 * dataset made by sprout. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sprout/report.h"

enum {
	OPT_JSON = OPT_COMMAND_BASE,
	OPT_REPORT_REJECTS,
	OPT_MANIFEST,
	OPT_DRIFT_KS,
	OPT_DRIFT_VOCAB,
	OPT_FAIL_ON_DRIFT,
	OPT_TITLE,
	OPT_GENERATED_AT,
};

/* The input options of the reading commands, without --on-error and their
 * --rejects: here --rejects names files to read. */
static const struct cli_option options[] = {
    {"rejects", 0, "FILE", OPT_REPORT_REJECTS,
     "a rejects file written by sprout filter or convert, to count rejections per check and "
     "per method (repeatable)",
     CLI_OPT_REPEAT | CLI_OPT_INFILE},
    {"manifest", 0, "FILE", OPT_MANIFEST,
     "a run manifest (JSON): its \"stages\" [{name, in, out, rejected}] are shown, and the page "
     "links to it",
     CLI_OPT_INFILE},
    {"json", 0, NULL, OPT_JSON,
     "write the JSON numbers instead of the HTML (to stdout, or to -o FILE)"},
    {"drift-ks", 0, "D", OPT_DRIFT_KS,
     "drift alarm when the KS statistic of real vs synthetic lengths is above D (default 0.3)"},
    {"drift-vocab", 0, "X", OPT_DRIFT_VOCAB,
     "drift alarm when the vocabulary shift is above X (default 0.5)"},
    {"fail-on-drift", 0, NULL, OPT_FAIL_ON_DRIFT,
     "exit with 1 after writing the report when the drift alarm fires"},
    {"title", 0, "TEXT", OPT_TITLE, "page title (default: sprout report)"},
    {"generated-at", 0, "TEXT", OPT_GENERATED_AT,
     "a date to show in the header (none by default, so the same data gives the same page)"},
    {"format", 'f', "FORMAT", OPT_FORMAT,
     "input format: auto (default), alpaca, sharegpt, openai, classification, "
     "self-instruct, or a field map"},
    {"map", 0, "SLOT=KEY,...", OPT_MAP, "input field map, e.g. prompt=question,response=answer"},
    {"container", 0, "TYPE", OPT_CONTAINER, "input container: auto (default), jsonl or array"},
    {"max-record", 0, "BYTES", OPT_MAX_RECORD,
     "longest input line or record, with K, M or G suffix (default 16M)"},
    {"duplicate-keys", 0, "MODE", OPT_DUPLICATE_KEYS,
     "a record with a key twice in an object: error (default) or last (keep the last value)"},
    {NULL, 0, NULL, 0, NULL},
};

struct report_opts {
	int json, fail_on_drift, oom;
	const char **rejects;
	size_t nrejects;
	const char *manifest;
	char *href; /* the manifest as linked from the page */
	sprout_report_options ro;
	sprout_report *rep;
};

static int parse_unit(const char *name, const char *arg, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(arg, &end);
	if (errno || end == arg || *end || !(v >= 0 && v <= 1)) {
		cli_error("--%s: expected a number between 0 and 1, got '%s'", name, arg);
		return EXIT_USAGE;
	}
	*out = v;
	return -1;
}

static int on_option(int id, const char *arg, void *ctx)
{
	struct report_opts *o = ctx;
	switch (id) {
	case OPT_JSON: o->json = 1; return -1;
	case OPT_FAIL_ON_DRIFT: o->fail_on_drift = 1; return -1;
	case OPT_MANIFEST: o->manifest = arg; return -1;
	case OPT_TITLE: o->ro.title = arg; return -1;
	case OPT_GENERATED_AT: o->ro.generated_at = arg; return -1;
	case OPT_DRIFT_KS: return parse_unit("drift-ks", arg, &o->ro.drift_ks);
	case OPT_DRIFT_VOCAB: return parse_unit("drift-vocab", arg, &o->ro.drift_vocab);
	case OPT_REPORT_REJECTS: {
		const char **v = realloc(o->rejects, (o->nrejects + 1) * sizeof *v);
		if (!v) {
			cli_error("out of memory");
			return EXIT_INTERNAL;
		}
		o->rejects = v;
		v[o->nrejects++] = arg;
		return -1;
	}
	default: return -1;
	}
}

static void on_input(void *ctx, const char *file, const sprout_format *f, const char *why)
{
	(void)why;
	struct report_opts *o = ctx;
	if (sprout_report_add_input(o->rep, file, f))
		o->oom = 1;
}

/* FILE.html -> FILE.json; anything else gets .json added. */
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

/* Refuse to write path over one of the files the report reads. */
static int check_output(const char *path, const struct cli_common *c, const struct report_opts *o)
{
	if (!path)
		return -1;
	for (size_t i = 0; i < c->ninputs; i++)
		if (sprout_same_file(c->inputs[i], path)) {
			cli_error("refusing to write the report over the input '%s'", c->inputs[i]);
			return EXIT_USAGE;
		}
	for (size_t i = 0; i < o->nrejects; i++)
		if (sprout_same_file(o->rejects[i], path)) {
			cli_error("refusing to write the report over the rejects file '%s'",
				  o->rejects[i]);
			return EXIT_USAGE;
		}
	if (o->manifest && sprout_same_file(o->manifest, path)) {
		cli_error("refusing to write the report over the manifest '%s'", o->manifest);
		return EXIT_USAGE;
	}
	return -1;
}

static int read_rejects(struct report_opts *o, const char *path, const struct cli_common *c)
{
	sprout_error err = SPROUT_ERROR_INIT;
	if (sprout_report_add_rejects_file(o->rep, path)) {
		cli_error("out of memory");
		return EXIT_INTERNAL;
	}
	sprout_reader_options ro = c->src.reader;
	ro.container = SPROUT_CONTAINER_JSONL;
	sprout_reader *rd = sprout_reader_open(path, &ro, &err);
	if (!rd) {
		cli_error_at(&err);
		return cli_exit_for(err.code);
	}
	sprout_arena *a = sprout_arena_new(0);
	if (!a) {
		sprout_reader_close(rd);
		cli_error("out of memory");
		return EXIT_INTERNAL;
	}
	int rc = -1;
	for (;;) {
		sprout_json *line;
		sprout_arena_reset(a);
		sprout_code code = sprout_reader_next(rd, a, &line, &err);
		if (code == SPROUT_END || code == SPROUT_ERR_EMPTY)
			break; /* an empty rejects file: nothing was rejected */
		if (!code)
			code = sprout_report_add_reject(o->rep, line, &err);
		if (code == SPROUT_ERR_CONTAINER)
			sprout_error_set(&err, code, "a rejects file is JSONL, one object a line");
		if (code) {
			if (!err.file[0])
				sprout_error_locate(&err, path, sprout_reader_line(rd), 0);
			cli_error_at(&err);
			rc = cli_exit_for(code);
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
	for (char *t = strtok(p, "/"); t && n < max; t = strtok(NULL, "/"))
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

static int read_manifest(struct report_opts *o)
{
	FILE *f = fopen(o->manifest, "rb");
	if (!f) {
		cli_error("%s: cannot open: %s", o->manifest, strerror(errno));
		return EXIT_IO;
	}
	sprout_buf b = SPROUT_BUF_INIT(MANIFEST_MAX);
	char chunk[65536];
	size_t n;
	int rc = -1;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (sprout_buf_add(&b, chunk, n)) {
			cli_error("%s: larger than 64 MiB, not a manifest", o->manifest);
			rc = EXIT_DATA;
			break;
		}
	}
	if (rc < 0 && ferror(f)) {
		cli_error("%s: cannot read: %s", o->manifest, strerror(errno));
		rc = EXIT_IO;
	}
	fclose(f);
	sprout_arena *a = rc < 0 ? sprout_arena_new(0) : NULL;
	if (rc < 0 && !a) {
		cli_error("out of memory");
		rc = EXIT_INTERNAL;
	}
	if (rc < 0) {
		sprout_error err = SPROUT_ERROR_INIT;
		sprout_json *m = NULL;
		sprout_code code = sprout_json_parse(a, b.data ? b.data : "", b.len, &m, &err);
		if (code) {
			sprout_error_locate(&err, o->manifest, err.line, err.column);
		} else if ((code = sprout_report_set_manifest(o->rep, o->manifest, o->href, m,
							      &err))) {
			if (code != SPROUT_ERR_NOMEM)
				sprout_error_locate(&err, o->manifest, 0, 0);
		}
		if (code) {
			cli_error_at(&err);
			rc = cli_exit_for(code);
		}
	}
	sprout_arena_free(a);
	sprout_buf_release(&b);
	return rc;
}

static int write_file(struct cli_common *c, const char *path, const sprout_buf *text)
{
	struct cli_common oc = *c;
	oc.output = path;
	oc.out_container = SPROUT_CONTAINER_JSONL; /* raw bytes, no array brackets */
	int rc = EXIT_OK;
	sprout_writer *w = cli_output_open(&oc, SPROUT_CONTAINER_JSONL, &rc);
	if (!w)
		return rc;
	sprout_error err = SPROUT_ERROR_INIT;
	if (sprout_writer_write(w, text->data, text->len, &err)) {
		cli_error_at(&err);
		cli_output_abort(w);
		return cli_exit_for(err.code);
	}
	return cli_output_commit(w);
}

/* Tell what drifted, on stderr. */
static void drift_notes(const struct cli_common *c, const sprout_report_summary *s,
			const sprout_report_options *ro, int as_error)
{
	for (int i = 0; i < SPROUT_REPORT_NSLOTS; i++) {
		const sprout_report_slot *so = &s->slots[i];
		const char *slot = sprout_slot_name(so->slot);
		if (so->ks_drift) {
			if (as_error)
				cli_error("drift alarm: %s length KS D %.3f is above %.2f", slot,
					  so->ks, ro->drift_ks);
			else
				cli_note(c, "drift alarm: %s length KS D %.3f is above %.2f", slot,
					 so->ks, ro->drift_ks);
		}
		if (so->vocab_drift) {
			if (as_error)
				cli_error("drift alarm: %s vocabulary shift %.3f is above %.2f",
					  slot, so->vocab_shift, ro->drift_vocab);
			else
				cli_note(c, "drift alarm: %s vocabulary shift %.3f is above %.2f",
					 slot, so->vocab_shift, ro->drift_vocab);
		}
	}
}

static sprout_code add_record(void *rep, const sprout_record *rec, sprout_error *err)
{
	return sprout_report_add(rep, rec, err);
}

int cmd_report(int argc, char **argv)
{
	struct report_opts o;
	memset(&o, 0, sizeof o);
	sprout_report_options def = SPROUT_REPORT_OPTIONS_INIT;
	o.ro = def;
	struct cli_common c;
	int rc =
	    cli_parse(argc, argv, "report [options] [FILE...]",
		      "Describe a dataset made by sprout in one self-contained HTML page (inline\n"
		      "SVG charts, no scripts, no network) with the same numbers as JSON: records\n"
		      "per method, rejections per check, similarity scores, length and vocabulary\n"
		      "of real vs synthetic text, over-represented words, label balance, personal\n"
		      "data, review outcomes, and a drift alarm. -o report.html also writes\n"
		      "report.json. See docs/report.md.",
		      options, 0, &c, on_option, &o);
	if (rc >= 0) {
		free(o.rejects);
		return rc;
	}
	char *json_path = NULL;
	const char *html_path = NULL;
	if (c.output && strcmp(c.output, "-") == 0)
		c.output = NULL;
	if (c.output && o.json) {
		json_path = malloc(strlen(c.output) + 1);
		if (json_path)
			memcpy(json_path, c.output, strlen(c.output) + 1);
	} else if (c.output) {
		html_path = c.output;
		json_path = json_path_for(c.output);
	}
	if (c.output && !json_path) {
		free(o.rejects);
		cli_error("out of memory");
		return EXIT_INTERNAL;
	}
	if ((rc = check_output(html_path, &c, &o)) >= 0 ||
	    (rc = check_output(json_path, &c, &o)) >= 0) {
		free(json_path);
		free(o.rejects);
		return rc;
	}
	o.rep = sprout_report_new(&o.ro);
	if (!o.rep) {
		free(json_path);
		free(o.rejects);
		cli_error("out of memory");
		return EXIT_INTERNAL;
	}
	struct cli_reader rd = {0};
	rd.on_input = on_input;
	rd.ctx = &o;
	int quiet = c.quiet;
	c.quiet = 1;	 /* the page names the formats itself */
	c.output = NULL; /* checked above, for both files */
	if ((rc = cli_reader_open(&rd, &c)) >= 0) {
		sprout_report_free(o.rep);
		free(json_path);
		free(o.rejects);
		return rc;
	}
	rc = cli_feed(&rd, add_record, o.rep);
	int rc2 = cli_reader_close(&rd, rc == EXIT_OK);
	if (!rc)
		rc = rc2;
	c.quiet = quiet;
	if (!rc && o.oom) {
		cli_error("out of memory");
		rc = EXIT_INTERNAL;
	}
	for (size_t i = 0; !rc && i < o.nrejects; i++) {
		int r = read_rejects(&o, o.rejects[i], &c);
		if (r >= 0)
			rc = r;
	}
	if (!rc && o.manifest && !(o.href = manifest_href(o.manifest, html_path))) {
		cli_error("out of memory");
		rc = EXIT_INTERNAL;
	}
	if (!rc && o.manifest) {
		int r = read_manifest(&o);
		if (r >= 0)
			rc = r;
	}

	sprout_buf html = SPROUT_BUF_INIT((size_t)1 << 30);
	sprout_buf json = SPROUT_BUF_INIT((size_t)1 << 30);
	sprout_report_summary sum;
	sprout_error err = SPROUT_ERROR_INIT;
	if (!rc &&
	    (sprout_report_summarize(o.rep, &sum, &err) || sprout_report_json(o.rep, &json, &err) ||
	     ((html_path || (!json_path && !o.json)) && sprout_report_html(o.rep, &html, &err)))) {
		cli_error_at(&err);
		rc = cli_exit_for(err.code);
	}
	if (!rc) {
		if (html_path) {
			rc = write_file(&c, html_path, &html);
			if (!rc)
				rc = write_file(&c, json_path, &json);
		} else if (json_path) {
			rc = write_file(&c, json_path, &json);
		} else {
			rc = write_file(&c, NULL, o.json ? &json : &html);
		}
	}
	if (!rc) {
		drift_notes(&c, &sum, &o.ro, o.fail_on_drift);
		if (o.fail_on_drift && sum.drift)
			rc = EXIT_DATA;
	}
	sprout_buf_release(&html);
	sprout_buf_release(&json);
	sprout_report_free(o.rep);
	free(json_path);
	free(o.rejects);
	free(o.href);
	return rc;
}
