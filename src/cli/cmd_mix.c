/* sprout mix: real and synthetic records, blended to a target. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sprout/mix.h"

enum {
	OPT_RATIO = OPT_COMMAND_BASE,
	OPT_SHARE,
	OPT_PER_SEED,
	OPT_BALANCE,
	OPT_SEED,
	OPT_NO_SHUFFLE,
};

static const struct cli_option options[] = {
    {"ratio", 0, "S:R", OPT_RATIO,
     "at most S synthetic records for every R real ones, e.g. 10:1 (default: no limit)"},
    {"max-share", 0, "F", OPT_SHARE,
     "largest share of synthetic records in the output, e.g. 0.7 (default: no limit)"},
    {"per-seed", 0, "K", OPT_PER_SEED, "at most K variants of each seed (default: no limit)"},
    {"balance", 0, NULL, OPT_BALANCE,
     "give synthetic records to the labels with the fewest records first"},
    {"seed", 0, "N", OPT_SEED, "random seed for the choices and the shuffle (default 0)"},
    {"no-shuffle", 0, NULL, OPT_NO_SHUFFLE, "keep the input order"},
    {NULL, 0, NULL, 0, NULL},
};

static int on_option(int id, const char *arg, void *ctx)
{
	sprout_mix_options *o = ctx;
	char *end;
	errno = 0;
	switch (id) {
	case OPT_RATIO: {
		double s = strtod(arg, &end), r = 1;
		if (!errno && end != arg && *end == ':')
			r = strtod(end + 1, &end);
		if (errno || *end || s < 0 || r <= 0) {
			cli_error("--ratio: expected SYNTHETIC:REAL, like 10:1, got '%s'", arg);
			return EXIT_USAGE;
		}
		o->ratio = s / r;
		return -1;
	}
	case OPT_SHARE:
		o->max_share = strtod(arg, &end);
		if (errno || end == arg || *end || o->max_share <= 0 || o->max_share >= 1) {
			cli_error("--max-share: '%s' is not a number between 0 and 1", arg);
			return EXIT_USAGE;
		}
		return -1;
	case OPT_PER_SEED: {
		unsigned long long v = 0;
		int rc = cli_whole("--per-seed", arg, LONG_MAX, &v);
		o->per_seed = (long)v;
		return rc;
	}
	case OPT_BALANCE: o->balance = 1; return -1;
	case OPT_NO_SHUFFLE: o->shuffle = 0; return -1;
	case OPT_SEED: {
		unsigned long long v = 0;
		int rc = cli_whole("--seed", arg, UINT64_MAX, &v);
		o->seed = v;
		return rc;
	}
	}
	return -1;
}

static sprout_code see(void *ctx, const sprout_record *rec, sprout_error *err)
{
	return sprout_briefs_add(ctx, rec, err);
}

int cmd_mix(int argc, char **argv)
{
	sprout_mix_options o;
	sprout_mix_options_init(&o);
	struct cli_common c;
	int rc =
	    cli_parse(argc, argv, "mix [options] [FILE...]",
		      "Blend real records (seeds) and synthetic ones (their variants) to a\n"
		      "target: a synthetic:real ratio, a largest synthetic share, a cap of\n"
		      "variants per seed, and labels balanced with their own variants. Every\n"
		      "real record is kept; dropped synthetic ones go to the rejects file with\n"
		      "the limit that dropped them. The output is shuffled with --seed.",
		      options, CLI_READS | CLI_WRITES, &c, on_option, &o);
	if (rc >= 0)
		return rc;
	/* pass 1: a brief of each record; the records wait in a spool */
	struct cli_reader rd = {0};
	rd.want_rejects = 1;
	sprout_spool *sp = NULL;
	sprout_briefs *briefs = sprout_briefs_new();
	sprout_arena *mem = sprout_arena_new(0), *rec_mem = sprout_arena_new(0);
	sprout_writer *out = NULL;
	sprout_error err = SPROUT_ERROR_INIT;
	if (!briefs || !mem || !rec_mem) {
		cli_error("out of memory");
		rc = EXIT_INTERNAL;
		goto done;
	}
	if ((rc = cli_reader_open(&rd, &c)) >= 0)
		goto done;
	if ((rc = cli_spool(&rd, &sp, see, briefs)) >= 0)
		goto done;
	sprout_mix_plan plan;
	if (sprout_mix_briefs(briefs, &o, mem, &plan, &err)) {
		cli_error("%s", err.msg);
		rc = cli_exit_for(err.code);
		goto done;
	}
	size_t n = sprout_briefs_count(briefs);
	sprout_briefs_free(briefs);
	briefs = NULL;
	/* pass 2: the kept records in the plan's order, read back from the spool */
	if (!(out = cli_output_open(&c, SPROUT_CONTAINER_JSONL, &rc)))
		goto done;
	for (size_t k = 0; k < plan.nout; k++) {
		sprout_code x;
		if (c.strip_meta) {
			sprout_record r;
			sprout_arena_reset(rec_mem);
			if (!(x = sprout_spool_get(sp, plan.out[k], rec_mem, &r, &err))) {
				sprout_meta_strip(&r);
				x = sprout_writer_put(out, r.obj, &err);
			}
		} else {
			const char *json;
			size_t len;
			if (!(x = sprout_spool_json(sp, plan.out[k], &json, &len, &err)))
				x = sprout_writer_put_json(out, json, len, &err);
		}
		if (x) {
			cli_error_at(&err);
			rc = cli_exit_for(err.code);
			goto done;
		}
	}
	static const char *const why[] = {
	    "more variants of its seed than --per-seed allows",
	    "more synthetic records than --ratio allows",
	    "more synthetic records than --max-share allows",
	};
	for (size_t i = 0; i < n; i++) {
		if (!plan.dropped[i])
			continue;
		int k = strcmp(plan.dropped[i], "cap") == 0	? 0
			: strcmp(plan.dropped[i], "ratio") == 0 ? 1
								: 2;
		sprout_record r;
		sprout_arena_reset(rec_mem);
		if (sprout_spool_get(sp, i, rec_mem, &r, &err)) {
			cli_error_at(&err);
			rc = cli_exit_for(err.code);
			goto done;
		}
		if ((rc = cli_reject_record(&rd, "mix", plan.dropped[i], why[k], &r)) >= 0)
			goto done;
	}
	rc = cli_output_commit(out);
	out = NULL;
	if (!rc) {
		size_t total = plan.real + plan.kept_synthetic;
		cli_note(
		    &c,
		    "%zu real + %zu synthetic of %zu = %zu records (%.1f%% synthetic); dropped: "
		    "cap %zu, ratio %zu, share %zu; rejects in %s",
		    plan.real, plan.kept_synthetic, plan.synthetic, total,
		    total ? 100.0 * (double)plan.kept_synthetic / (double)total : 0.0,
		    plan.by_reason[0], plan.by_reason[1], plan.by_reason[2], rd.rejects_path);
	}
done:
	if (rc < 0)
		rc = EXIT_OK;
	if (out)
		cli_output_abort(out);
	int rc2 = rd.c ? cli_reader_close(&rd, rc == EXIT_OK) : EXIT_OK;
	sprout_spool_free(sp);
	sprout_briefs_free(briefs);
	sprout_arena_free(mem);
	sprout_arena_free(rec_mem);
	return rc ? rc : rc2;
}
