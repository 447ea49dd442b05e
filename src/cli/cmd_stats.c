/* sprout stats: what a dataset holds. */
#include <string.h>

#include "cli.h"

enum { OPT_JSON = OPT_COMMAND_BASE };

static const struct cli_option options[] = {
    {"json", 0, NULL, OPT_JSON, "print one JSON object instead of the table"},
    {NULL, 0, NULL, 0, NULL},
};

struct stats_opts {
	int json;
	sprout_stats *st;
	int oom;
};

static int on_option(int id, const char *arg, void *ctx)
{
	(void)arg;
	struct stats_opts *o = ctx;
	if (id == OPT_JSON)
		o->json = 1;
	return -1;
}

static void on_input(void *ctx, const char *file, const sprout_format *f, const char *why)
{
	struct stats_opts *o = ctx;
	if (sprout_stats_add_input(o->st, file, f, why))
		o->oom = 1;
}

static void on_bad(void *ctx, sprout_code why)
{
	struct stats_opts *o = ctx;
	sprout_stats_add_bad(o->st, why);
}

static sprout_code add_record(void *st, const sprout_record *rec, sprout_error *err)
{
	return sprout_stats_add(st, rec, err);
}

int cmd_stats(int argc, char **argv)
{
	struct stats_opts o;
	memset(&o, 0, sizeof o);
	struct cli_common c;
	int rc =
	    cli_parse(argc, argv, "stats [options] [FILE...]",
		      "Count the records in the FILEs (or stdin) and describe them: detected\n"
		      "format, per-slot length distributions in characters and words, labels,\n"
		      "exact duplicates and empty slots.",
		      options, CLI_READS, &c, on_option, &o);
	if (rc >= 0)
		return rc;
	c.quiet = 1; /* the report names the formats itself */
	o.st = sprout_stats_new();
	if (!o.st) {
		cli_error("out of memory");
		return EXIT_INTERNAL;
	}
	struct cli_reader rd = {0};
	rd.on_input = on_input;
	rd.on_bad = on_bad;
	rd.ctx = &o;
	if ((rc = cli_reader_open(&rd, &c)) >= 0) {
		sprout_stats_free(o.st);
		return rc;
	}
	rc = cli_feed(&rd, add_record, o.st);
	if (!rc && o.oom) {
		cli_error("out of memory");
		rc = EXIT_INTERNAL;
	}
	sprout_buf text = SPROUT_BUF_INIT((size_t)1 << 30);
	sprout_writer *out = NULL;
	if (!rc && (o.json ? sprout_stats_json(o.st, &text) : sprout_stats_text(o.st, &text))) {
		cli_error("out of memory");
		rc = EXIT_INTERNAL;
	}
	if (!rc)
		out = cli_output_open(&c, SPROUT_CONTAINER_JSONL, &rc);
	if (out) {
		sprout_error err = SPROUT_ERROR_INIT;
		if (sprout_writer_write(out, text.data, text.len, &err)) {
			cli_error_at(&err);
			rc = cli_exit_for(err.code);
			cli_output_abort(out);
		} else {
			rc = cli_output_commit(out);
		}
	}
	sprout_buf_release(&text);
	sprout_stats_free(o.st);
	c.quiet = 0;
	int rc2 = cli_reader_close(&rd, rc == EXIT_OK);
	return rc ? rc : rc2;
}
