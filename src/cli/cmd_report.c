/* sprout report: one HTML page (and the same numbers as JSON) describing a
 * dataset made by sprout. The library's report stage has the options and
 * does the work (sprout_report_run); this prints what it tells. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sprout/report.h"

struct report_cli {
	sprout_stage *s;
	const struct cli_option *table; /* the stage's options, as cli_parse takes them */
	struct cli_common c;
};

static int on_option(int id, const char *arg, void *ctx)
{
	struct report_cli *r = ctx;
	for (size_t i = 0; r->table[i].name; i++) {
		if (r->table[i].id != id)
			continue;
		sprout_error err = SPROUT_ERROR_INIT;
		if (sprout_stage_set_at(r->s, i, arg, &err)) {
			cli_error("%s", err.msg);
			return cli_exit_for(err.code);
		}
		break;
	}
	return -1;
}

static void note(void *ctx, const char *line)
{
	cli_note(ctx, "%s", line);
}

static void warn(void *ctx, const char *line)
{
	(void)ctx;
	cli_error("%s", line);
}

/* sprout run draws its progress from the records read */
static void progress(void *ctx, sprout_source *src)
{
	(void)ctx;
	if (!cli_progress_hook)
		return;
	struct cli_reader rd;
	memset(&rd, 0, sizeof rd);
	rd.src = src;
	cli_progress_hook(&rd);
}

int cmd_report(int argc, char **argv)
{
	const sprout_stage_def *def = sprout_stage_find("report");
	struct report_cli r;
	memset(&r, 0, sizeof r);
	sprout_error err = SPROUT_ERROR_INIT;
	if (!(r.s = sprout_stage_new(def, &err)) || !(r.table = cli_stage_options(def))) {
		sprout_stage_free(r.s);
		cli_error("out of memory");
		return EXIT_INTERNAL;
	}
	int rc = cli_parse(argc, argv, sprout_stage_usage(def), sprout_stage_about(def), r.table, 0,
			   &r.c, on_option, &r);
	if (rc >= 0) {
		sprout_stage_free(r.s);
		return rc;
	}
	sprout_report_tell tell = {
	    .ctx = &r.c, .note = note, .warn = warn, .progress = progress, .temp = cli_hook_temp};
	sprout_report_result res;
	if (sprout_report_run(r.s, r.c.inputs, r.c.ninputs, r.c.output, &tell, &res, &err)) {
		cli_error_at(&err);
		rc = cli_exit_for(err.code);
	} else {
		rc = res.drift_fails ? EXIT_DATA : EXIT_OK;
	}
	sprout_report_result_release(&res);
	sprout_stage_free(r.s);
	return rc;
}
