/* sprout split: train / validation / test with no leakage. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "sprout/mix.h"

enum {
	OPT_VALID = OPT_COMMAND_BASE,
	OPT_TEST,
	OPT_SEED,
	OPT_NO_STRATIFY,
	OPT_OUT_DIR,
	OPT_ON_LEAK,
	OPT_LEAK_JACCARD,
};

static const struct cli_option options[] = {
    {"valid", 0, "F", OPT_VALID, "share of the real records for validation (default 0.1)"},
    {"test", 0, "F", OPT_TEST, "share of the real records for test (default 0.1)"},
    {"seed", 0, "N", OPT_SEED, "random seed (default 0)"},
    {"no-stratify", 0, NULL, OPT_NO_STRATIFY, "do not keep the label proportions in each split"},
    {"out-dir", 'd', "DIR", OPT_OUT_DIR,
     "write DIR/train.jsonl, DIR/valid.jsonl, DIR/test.jsonl (default: the current folder)"},
    {"on-leak", 0, "MODE", OPT_ON_LEAK,
     "a held-out record near-identical to a training one: fail (default: nothing is "
     "written) or warn"},
    {"leak-jaccard", 0, "J", OPT_LEAK_JACCARD,
     "Jaccard of 5-character shingles from which two prompts leak (default 0.85)"},
    {NULL, 0, NULL, 0, NULL},
};

struct split_cli {
	sprout_split_options o;
	const char *dir;
	int warn;
};

static int fraction(const char *arg, double *out, const char *opt)
{
	char *end;
	errno = 0;
	double v = strtod(arg, &end);
	if (errno || end == arg || *end || v < 0 || v >= 1) {
		cli_error("%s: '%s' is not a share between 0 and 1", opt, arg);
		return EXIT_USAGE;
	}
	*out = v;
	return -1;
}

static int on_option(int id, const char *arg, void *ctx)
{
	struct split_cli *s = ctx;
	switch (id) {
	case OPT_VALID: return fraction(arg, &s->o.valid, "--valid");
	case OPT_TEST: return fraction(arg, &s->o.test, "--test");
	case OPT_LEAK_JACCARD: {
		int rc = fraction(arg, &s->o.leak_jaccard, "--leak-jaccard");
		if (rc < 0 && s->o.leak_jaccard <= 0) {
			cli_error("--leak-jaccard: '%s' must be above 0", arg);
			return EXIT_USAGE;
		}
		return rc;
	}
	case OPT_NO_STRATIFY: s->o.stratify = 0; return -1;
	case OPT_OUT_DIR: s->dir = arg; return -1;
	case OPT_ON_LEAK:
		if (strcmp(arg, "fail") && strcmp(arg, "warn")) {
			cli_error("--on-leak: unknown mode '%s' (expected fail or warn)", arg);
			return EXIT_USAGE;
		}
		s->warn = arg[0] == 'w';
		return -1;
	case OPT_SEED: {
		unsigned long long v = 0;
		int rc = cli_whole("--seed", arg, UINT64_MAX, &v);
		s->o.seed = v;
		return rc;
	}
	}
	return -1;
}

static const char *const side_names[] = {"train", "valid", "test"};

static sprout_code see(void *ctx, const sprout_record *rec, sprout_error *err)
{
	return sprout_briefs_add(ctx, rec, err);
}

int cmd_split(int argc, char **argv)
{
	struct split_cli s;
	memset(&s, 0, sizeof s);
	sprout_split_options_init(&s.o);
	s.dir = ".";
	struct cli_common c;
	int rc =
	    cli_parse(argc, argv, "split [options] [FILE...]",
		      "Split records into train, validation and test. Validation and test hold\n"
		      "real records only, stratified by label; a synthetic record goes where its\n"
		      "seed went, and is dropped (into the rejects file) when its seed is held\n"
		      "out. Then every held-out prompt is compared with the training prompts: a\n"
		      "near-identical pair is a leak, and the split fails loudly.",
		      options, CLI_READS, &c, on_option, &s);
	if (rc >= 0)
		return rc;
	if (s.o.valid + s.o.test >= 1) {
		cli_error("--valid and --test leave nothing to train on (%.2f + %.2f)", s.o.valid,
			  s.o.test);
		return EXIT_USAGE;
	}
	if (s.dir && mkdir(s.dir, 0777) != 0 && errno != EEXIST) {
		cli_error("cannot make the folder '%s': %s", s.dir, strerror(errno));
		return EXIT_IO;
	}
	char rejects[4096];
	if (!c.rejects) {
		snprintf(rejects, sizeof rejects, "%s/split.rejects.jsonl", s.dir);
		c.rejects = rejects;
	}
	/* pass 1: a brief of each record; the records wait in a spool */
	struct cli_reader rd = {0};
	sprout_spool *sp = NULL;
	sprout_briefs *briefs = sprout_briefs_new();
	sprout_leakcheck *lc = sprout_leakcheck_new(s.o.leak_jaccard);
	sprout_arena *mem = sprout_arena_new(0), *rec_mem = sprout_arena_new(0);
	sprout_writer *out[3] = {NULL, NULL, NULL};
	if (!briefs || !lc || !mem || !rec_mem) {
		cli_error("out of memory");
		rc = EXIT_INTERNAL;
		goto done;
	}
	if ((rc = cli_reader_open(&rd, &c)) >= 0)
		goto done;
	if ((rc = cli_spool(&rd, &sp, see, briefs)) >= 0)
		goto done;
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_split_plan plan;
	if (sprout_split_briefs(briefs, &s.o, mem, &plan, &err)) {
		cli_error("%s", err.msg);
		rc = cli_exit_for(err.code);
		goto done;
	}
	size_t n = sprout_briefs_count(briefs);
	sprout_briefs_free(briefs);
	briefs = NULL;
	/* pass 2: each record to its side (files committed only without
	 * leaks), its prompt to the leakage check */
	c.out_container = SPROUT_CONTAINER_JSONL;
	for (int k = 0; k < 3; k++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s.jsonl", s.dir, side_names[k]);
		c.output = path;
		if (!(out[k] = cli_output_open(&c, SPROUT_CONTAINER_JSONL, &rc)))
			goto done;
	}
	for (size_t i = 0; i < n; i++) {
		sprout_record r;
		sprout_text t;
		sprout_arena_reset(rec_mem);
		if (sprout_spool_get(sp, i, rec_mem, &r, &err))
			goto fail;
		int side = plan.side[i];
		if (side == SPROUT_SPLIT_DROPPED) {
			if ((rc = cli_reject_record(&rd, "split", NULL, plan.why[i], &r)) >= 0)
				goto done;
			continue;
		}
		if (sprout_record_get(&r, SPROUT_SLOT_PROMPT, &t) &&
		    (side == SPROUT_SPLIT_TRAIN ? sprout_leakcheck_train(lc, i, t.s, t.len, &err)
						: sprout_leakcheck_held(lc, i, t.s, t.len, &err)))
			goto fail;
		if (sprout_writer_put(out[side], r.obj, &err))
			goto fail;
	}
	if (sprout_leakcheck_finish(lc, mem, &plan.leaks, &plan.nleaks, &err))
		goto fail;
	for (size_t k = 0; k < plan.nleaks && k < 10; k++) {
		const sprout_leak *l = &plan.leaks[k];
		sprout_record h, tr;
		sprout_text ht, tt;
		sprout_arena_reset(rec_mem);
		if (sprout_spool_get(sp, l->held_out, rec_mem, &h, &err) ||
		    sprout_spool_get(sp, l->train, rec_mem, &tr, &err))
			goto fail;
		sprout_record_get(&h, SPROUT_SLOT_PROMPT, &ht);
		sprout_record_get(&tr, SPROUT_SLOT_PROMPT, &tt);
		cli_error(
		    "leak: %s record %s:%lu \"%.60s\" is near-identical (Jaccard %.2f) to train "
		    "record %s:%lu \"%.60s\"",
		    side_names[plan.side[l->held_out]], h.file ? h.file : "-", h.line, ht.s,
		    l->jaccard, tr.file ? tr.file : "-", tr.line, tt.s);
	}
	if (plan.nleaks && !s.warn) {
		cli_error(
		    "%zu held-out record%s into train; nothing written (--on-leak warn writes "
		    "anyway)",
		    plan.nleaks, plan.nleaks == 1 ? " leaks" : "s leak");
		rc = EXIT_DATA;
		goto done;
	}
	for (int k = 0; k < 3; k++) {
		int x = cli_output_commit(out[k]);
		out[k] = NULL;
		if (x && !rc)
			rc = x;
	}
	if (!rc || rc < 0)
		cli_note(
		    &c,
		    "train %zu, valid %zu, test %zu, dropped %zu (synthetic records of held-out "
		    "seeds)%s; files in %s",
		    plan.count[0], plan.count[1], plan.count[2], plan.count[3],
		    plan.nleaks ? ", with leaks" : "", s.dir);
	goto done;
fail:
	cli_error_at(&err);
	rc = cli_exit_for(err.code);
done:
	if (rc < 0)
		rc = EXIT_OK;
	for (int k = 0; k < 3; k++)
		if (out[k])
			cli_output_abort(out[k]);
	int rc2 = rd.c ? cli_reader_close(&rd, rc == EXIT_OK) : EXIT_OK;
	sprout_spool_free(sp);
	sprout_briefs_free(briefs);
	sprout_leakcheck_free(lc);
	sprout_arena_free(mem);
	sprout_arena_free(rec_mem);
	return rc ? rc : rc2;
}
