/* sprout mix: real and synthetic records, blended to a target. */
#include <errno.h>
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
	case OPT_PER_SEED:
		o->per_seed = strtol(arg, &end, 10);
		if (errno || end == arg || *end || o->per_seed < 0) {
			cli_error("--per-seed: '%s' is not a whole number", arg);
			return EXIT_USAGE;
		}
		return -1;
	case OPT_BALANCE: o->balance = 1; return -1;
	case OPT_NO_SHUFFLE: o->shuffle = 0; return -1;
	case OPT_SEED:
		o->seed = strtoull(arg, &end, 10);
		if (errno || end == arg || *end || *arg == '-') {
			cli_error("--seed: '%s' is not a whole number", arg);
			return EXIT_USAGE;
		}
		return -1;
	}
	return -1;
}

int cmd_mix(int argc, char **argv)
{
	sprout_mix_options o;
	sprout_mix_options_init(&o);
	struct cli_common c;
	int rc = cli_parse(argc, argv, "mix [options] [FILE...]",
			   "Blend real records (seeds) and synthetic ones (their variants) to a\n"
			   "target: a synthetic:real ratio, a largest synthetic share, a cap of\n"
			   "variants per seed, and labels balanced with their own variants. Every\n"
			   "real record is kept; dropped synthetic ones go to the rejects file with\n"
			   "the limit that dropped them. The output is shuffled with --seed.",
			   options, CLI_READS | CLI_WRITES, &c, on_option, &o);
	if (rc >= 0)
		return rc;
	struct cli_reader rd = {0};
	rd.want_rejects = 1;
	struct cli_dataset ds = {0};
	sprout_writer *out = NULL;
	if ((rc = cli_reader_open(&rd, &c)) >= 0)
		goto done;
	if ((rc = cli_load(&rd, &ds)) >= 0)
		goto done;
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_mix_plan plan;
	if (sprout_mix(ds.recs, ds.n, &o, ds.mem, &plan, &err)) {
		cli_error("%s", err.msg);
		rc = cli_exit_for(err.code);
		goto done;
	}
	if (!(out = cli_output_open(&c, SPROUT_CONTAINER_JSONL, &rc)))
		goto done;
	for (size_t k = 0; k < plan.nout; k++) {
		sprout_record *r = &ds.recs[plan.out[k]];
		if (c.strip_meta)
			sprout_meta_strip(r);
		if (sprout_writer_put(out, r->obj, &err)) {
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
	for (size_t i = 0; i < ds.n; i++) {
		if (!plan.dropped[i])
			continue;
		int k = strcmp(plan.dropped[i], "cap") == 0 ? 0 : strcmp(plan.dropped[i], "ratio") == 0 ? 1 : 2;
		if ((rc = cli_reject_record(&rd, ds.mem, "mix", plan.dropped[i], why[k], &ds.recs[i])) >= 0)
			goto done;
	}
	rc = cli_output_commit(out);
	out = NULL;
	if (!rc) {
		size_t total = plan.real + plan.kept_synthetic;
		cli_note(&c, "%zu real + %zu synthetic of %zu = %zu records (%.1f%% synthetic); dropped: "
			     "cap %zu, ratio %zu, share %zu; rejects in %s",
			 plan.real, plan.kept_synthetic, plan.synthetic, total,
			 total ? 100.0 * (double)plan.kept_synthetic / (double)total : 0.0, plan.by_reason[0],
			 plan.by_reason[1], plan.by_reason[2], rd.rejects_path);
	}
done:
	if (rc < 0)
		rc = EXIT_OK;
	if (out)
		cli_output_abort(out);
	int rc2 = rd.c ? cli_reader_close(&rd, rc == EXIT_OK) : EXIT_OK;
	cli_dataset_release(&ds);
	return rc ? rc : rc2;
}
