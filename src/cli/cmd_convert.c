/* sprout convert: rewrite records in another format, keeping everything. */
#include <string.h>

#include "cli.h"

enum { OPT_TO = OPT_COMMAND_BASE };

static const struct cli_option options[] = {
    {"to", 't', "FORMAT", OPT_TO,
     "target format: alpaca, sharegpt, openai, classification, self-instruct, or a "
     "field map like prompt=question,response=answer (default: the input's format)"},
    {NULL, 0, NULL, 0, NULL},
};

struct convert_opts {
	sprout_format to;
	int have_to;
};

static int on_option(int id, const char *arg, void *ctx)
{
	struct convert_opts *o = ctx;
	if (id == OPT_TO) {
		sprout_error err = SPROUT_ERROR_INIT;
		if (sprout_format_parse(arg, &o->to, &err) || o->to.kind == SPROUT_FORMAT_AUTO) {
			cli_error("--to: %s", o->to.kind == SPROUT_FORMAT_AUTO && !err.code
						  ? "'auto' is not a target format"
						  : err.msg);
			return EXIT_USAGE;
		}
		o->have_to = 1;
	}
	return -1;
}

int cmd_convert(int argc, char **argv)
{
	struct convert_opts o;
	memset(&o, 0, sizeof o);
	struct cli_common c;
	int rc =
	    cli_parse(argc, argv, "convert [options] [FILE...]",
		      "Read records (JSONL or JSON arrays, .gz too) from the FILEs or stdin and\n"
		      "write them in another format. Unknown fields are kept as they are; every\n"
		      "record gets its _sprout provenance (see docs/provenance.md).",
		      options, CLI_READS | CLI_WRITES, &c, on_option, &o);
	if (rc >= 0)
		return rc;

	struct cli_reader rd = {0};
	if ((rc = cli_reader_open(&rd, &c)) >= 0)
		return rc;
	sprout_writer *out = cli_output_open(&c, SPROUT_CONTAINER_JSONL, &rc);
	if (!out) {
		cli_reader_close(&rd, 0);
		return rc;
	}
	sprout_record rec;
	int got;
	rc = EXIT_OK;
	while ((got = cli_reader_next(&rd, &rec)) > 0) {
		sprout_error err = SPROUT_ERROR_INIT;
		/* provenance first, so the id is that of the record as read */
		if ((!c.strip_meta && sprout_meta_ensure(&rec, &err)) ||
		    (o.have_to && sprout_record_convert(&rec, &o.to, &err))) {
			if ((rc = cli_reader_reject(&rd, &rec, &err, "convert")))
				break;
			continue;
		}
		if (c.strip_meta)
			sprout_meta_strip(&rec);
		if (sprout_writer_put(out, rec.obj, &err)) {
			cli_error_at(&err);
			rc = cli_exit_for(err.code);
			break;
		}
	}
	if (got < 0)
		rc = -got;
	if (rc) {
		cli_output_abort(out);
		cli_reader_close(&rd, 0);
		return rc;
	}
	unsigned long n = sprout_writer_count(out);
	if ((rc = cli_output_commit(out))) {
		cli_reader_close(&rd, 0);
		return rc;
	}
	cli_note(&c, "wrote %lu record%s to %s", n, n == 1 ? "" : "s",
		 c.output ? c.output : "stdout");
	return cli_reader_close(&rd, 1);
}
