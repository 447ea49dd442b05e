/* sprout run: the library runs the recipe (sprout/run.h), every stage
 * its own; this command shows the progress and prints what the library
 * tells. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "sprout/run.h"

enum {
	OPT_DRY_RUN = OPT_COMMAND_BASE,
	OPT_OUT_DIR,
	OPT_RESTART,
	OPT_LLM,
	OPT_OFFLINE,
	OPT_ALLOW_OUTSIDE,
	OPT_URL,
	OPT_MODEL,
	OPT_SHARD,
	OPT_SHARDS,
	OPT_DEDUP_MEMORY
};

static const struct cli_option options[] = {
    {"dry-run", 'n', NULL, OPT_DRY_RUN,
     "check the recipe and print the plan: the commands, the record counts to expect and "
     "the model requests it would make; writes nothing"},
    {"out-dir", 'd', "DIR", OPT_OUT_DIR, "run folder (default: the recipe's out, or out/NAME)"},
    {"restart", 0, NULL, OPT_RESTART,
     "run every stage again instead of going on after the last finished one"},
    {"llm", 0, NULL, OPT_LLM,
     "switch the recipe's llm section on: its stages marked 'when: llm' run, those "
     "marked 'when: offline' do not (as llm: {enabled: true})"},
    {"offline", 0, NULL, OPT_OFFLINE, "switch the llm section off, whatever the recipe says"},
    {"url", 0, "URL", OPT_URL,
     "the model server for the llm section, in place of the recipe's llm url (a stage's own "
     "url still wins); repeat it for several servers, in place of the recipe's list",
     CLI_OPT_REPEAT},
    {"model", 0, "NAME", OPT_MODEL,
     "the model for the llm section, in place of the recipe's llm model (a stage's own "
     "model still wins)"},
    {"allow-outside", 0, NULL, OPT_ALLOW_OUTSIDE,
     "let the recipe name files outside its folder, the working directory and the run "
     "folder (by default out: stays in the first two, files stages read in any of the "
     "three, files they write in the recipe's folder or the run folder)"},
    {NULL, 0, NULL, 0, NULL},
};

/* sprout run's, with --shard */
static const struct cli_option run_options[] = {
    {"shard", 0, "I/N", OPT_SHARD,
     "run shard I of N (I from 0): the stages that work record by record over the shard's "
     "share of the inputs, into RUN/shard-I-of-N; 'auto' takes I from $SLURM_ARRAY_TASK_ID "
     "or $JOB_COMPLETION_INDEX and N from $SLURM_ARRAY_TASK_COUNT or $SPROUT_SHARDS "
     "(docs/scale.md)"},
    {NULL, 0, NULL, 0, NULL},
};

/* sprout merge's */
static const struct cli_option merge_options[] = {
    {"shards", 0, "N", OPT_SHARDS, "how many shards the run was cut into (required)"},
    {"dedup-memory", 0, "MIB", OPT_DEDUP_MEMORY,
     "find the duplicates across shards by sorting on disk the keys the shards wrote, "
     "within MIB of memory, instead of with an index of every kept text in memory (for sets "
     "too big for it; several times slower)"},
    {NULL, 0, NULL, 0, NULL},
};

static int dry;		       /* --dry-run */
static const char *shard_arg;  /* --shard */
static const char *shards_arg; /* --shards */
static const char *dedup_arg;  /* --dedup-memory */

/* ---- progress ------------------------------------------------------------ */

static struct progress {
	const char *label;
	int tty, quiet;
	char label_buf[64];
	struct timespec start, last;
	unsigned long long n;
	/* SPROUT_RUN_KILL=STAGE:N[:INT]: die in the middle of a stage (tests) */
	char kill_stage[64];
	unsigned long long kill_at;
	int kill_sig;
} prog;

static double since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void show_bar(const struct cli_reader *rd, int final)
{
	unsigned long long done = 0, total = 0;
	if (rd && rd->src)
		sprout_source_progress(rd->src, &done, &total);
	double t = since(&prog.start);
	double rate = t > 0 ? (double)prog.n / t : 0;
	char bar[24] = "", eta[32] = "";
	if (total) {
		double f = (double)done / (double)total;
		int fill = (int)(f * 20 + 0.5);
		for (int i = 0; i < 20; i++)
			bar[i] = i < fill ? '#' : '.';
		bar[20] = '\0';
		if (f > 0.02 && !final) {
			double left = t * (1 - f) / f;
			snprintf(eta, sizeof eta, "  ETA %d:%02d", (int)left / 60, (int)left % 60);
		}
	}
	if (prog.tty)
		fprintf(stderr, "\r\033[K  %-12s [%s] %3d%%  %llu records  %.0f/s%s", prog.label,
			bar, total ? (int)(100.0 * (double)done / (double)total) : 0, prog.n, rate,
			eta);
	else
		fprintf(stderr, "  %s: %llu records read%s\n", prog.label, prog.n, eta);
	fflush(stderr);
}

static void on_record(const struct cli_reader *rd)
{
	prog.n++;
	if (prog.kill_at && prog.n == prog.kill_at && !strcmp(prog.kill_stage, prog.label + 3))
		raise(prog.kill_sig);
	if (prog.quiet || (prog.n & 63))
		return;
	double gap = since(&prog.last);
	if (gap < (prog.tty ? 0.1 : 10))
		return;
	clock_gettime(CLOCK_MONOTONIC, &prog.last);
	show_bar(rd, 0);
}

static void progress_init(int quiet)
{
	prog.tty = isatty(2);
	prog.quiet = quiet;
	prog.label = "";
	const char *k = getenv("SPROUT_RUN_KILL");
	if (k && *k) {
		char sig[16] = "";
		if (sscanf(k, "%63[^:]:%llu:%15s", prog.kill_stage, &prog.kill_at, sig) >= 2)
			prog.kill_sig = !strcmp(sig, "INT")    ? SIGINT
					: !strcmp(sig, "TERM") ? SIGTERM
							       : SIGKILL;
	}
}

/* ---- what the library asks of the program ------------------------------------ */

static void on_stage(void *ctx, const char *label)
{
	(void)ctx;
	if (!label) { /* the stage ended: its bar goes */
		if (prog.tty && !prog.quiet)
			fprintf(stderr, "\r\033[K");
		return;
	}
	snprintf(prog.label_buf, sizeof prog.label_buf, "%s", label);
	prog.label = prog.label_buf;
	cli_progress_hook = on_record;
	prog.n = 0;
	clock_gettime(CLOCK_MONOTONIC, &prog.start);
	prog.last = prog.start;
	if (prog.tty)
		prog.last.tv_sec -= 1; /* on a terminal, the bar shows from the 64th record */
}

static void on_note(void *ctx, const char *line)
{
	(void)ctx;
	if (prog.tty && prog.label[0]) /* a stage's bar may be on the line */
		fprintf(stderr, "\r\033[K");
	fprintf(stderr, "%s\n", line);
}

static void on_print(void *ctx, const char *text)
{
	(void)ctx;
	fputs(text, stdout);
}

/* A record read by a stage the library runs itself: the same bar. */
static void on_progress(void *ctx, const sprout_source *src)
{
	static struct cli_reader view;
	(void)ctx;
	view.src = src;
	if (cli_progress_hook)
		cli_progress_hook(&view);
}

/* ---- the command -------------------------------------------------------- */

#define MAX_URLS 64
static const char *urls[MAX_URLS]; /* --url, each */

static int on_option(int id, const char *arg, void *ctx)
{
	sprout_run_options *o = ctx;
	if (id == OPT_URL && o->nurls == MAX_URLS) {
		cli_error("--url: at most %d servers", MAX_URLS);
		return EXIT_USAGE;
	}
	switch (id) {
	case OPT_DRY_RUN: dry = 1; return -1;
	case OPT_RESTART: o->restart = 1; return -1;
	case OPT_OUT_DIR: o->out_dir = arg; return -1;
	case OPT_LLM: o->llm = 1; return -1;
	case OPT_OFFLINE: o->llm = -1; return -1;
	case OPT_ALLOW_OUTSIDE: o->allow_outside = 1; return -1;
	case OPT_URL:
		urls[o->nurls++] = arg;
		o->urls = urls;
		return -1;
	case OPT_MODEL: o->model = arg; return -1;
	case OPT_SHARD: shard_arg = arg; return -1;
	case OPT_SHARDS: shards_arg = arg; return -1;
	case OPT_DEDUP_MEMORY: dedup_arg = arg; return -1;
	}
	return -1;
}

/* A count or an index, whole and in range, from text: 1, else 0. */
static int whole(const char *s, unsigned long lo, unsigned long hi, unsigned *out)
{
	char *end;
	if (!s || !*s || *s < '0' || *s > '9')
		return 0;
	unsigned long v = strtoul(s, &end, 10);
	if (*end || v < lo || v > hi)
		return 0;
	*out = (unsigned)v;
	return 1;
}

#define MAX_SHARDS 1000000

/* --shard I/N (or auto) into o: -1, or an exit status (told). */
static int parse_shard(const char *arg, sprout_run_options *o)
{
	char i_text[32] = "", n_text[32] = "";
	const char *slash = strchr(arg, '/');
	if (!strcmp(arg, "auto")) {
		snprintf(i_text, sizeof i_text, "auto");
		snprintf(n_text, sizeof n_text, "auto");
	} else if (slash && (size_t)(slash - arg) < sizeof i_text &&
		   strlen(slash + 1) < sizeof n_text) {
		snprintf(i_text, sizeof i_text, "%.*s", (int)(slash - arg), arg);
		snprintf(n_text, sizeof n_text, "%s", slash + 1);
	} else {
		cli_error("--shard: '%s' is not I/N (like 0/4) or auto", arg);
		return EXIT_USAGE;
	}
	const char *n_from = "--shard", *i_from = "--shard";
	const char *n_val = n_text, *i_val = i_text;
	if (!strcmp(n_text, "auto")) {
		n_val = getenv(n_from = "SLURM_ARRAY_TASK_COUNT");
		if (!n_val)
			n_val = getenv(n_from = "SPROUT_SHARDS");
		if (!n_val) {
			cli_error("--shard %s: neither $SLURM_ARRAY_TASK_COUNT nor $SPROUT_SHARDS "
				  "says how many shards there are",
				  arg);
			return EXIT_USAGE;
		}
	}
	if (!whole(n_val, 1, MAX_SHARDS, &o->shards)) {
		cli_error("%s: '%s' is not a number of shards from 1 to %d", n_from, n_val,
			  MAX_SHARDS);
		return EXIT_USAGE;
	}
	unsigned base = 0;
	if (!strcmp(i_text, "auto")) {
		i_val = getenv(i_from = "SLURM_ARRAY_TASK_ID");
		const char *min = getenv("SLURM_ARRAY_TASK_MIN");
		if (i_val && min && !whole(min, 0, MAX_SHARDS, &base)) {
			cli_error("SLURM_ARRAY_TASK_MIN: '%s' is not an index", min);
			return EXIT_USAGE;
		}
		if (!i_val)
			i_val = getenv(i_from = "JOB_COMPLETION_INDEX");
		if (!i_val) {
			cli_error(
			    "--shard %s: neither $SLURM_ARRAY_TASK_ID nor $JOB_COMPLETION_INDEX "
			    "says which shard this is",
			    arg);
			return EXIT_USAGE;
		}
	}
	if (!whole(i_val, base, (unsigned long)base + o->shards - 1, &o->shard)) {
		cli_error("%s: '%s' is not a shard index from %u to %u", i_from, i_val, base,
			  base + o->shards - 1);
		return EXIT_USAGE;
	}
	o->shard -= base;
	return -1;
}

static int run_or_merge(int argc, char **argv, int merge);

int cmd_run(int argc, char **argv)
{
	return run_or_merge(argc, argv, 0);
}

int cmd_merge(int argc, char **argv)
{
	return run_or_merge(argc, argv, 1);
}

static int run_or_merge(int argc, char **argv, int merge)
{
	sprout_run_options o = SPROUT_RUN_OPTIONS_INIT;
	struct cli_common c;
	dry = 0;
	shard_arg = shards_arg = dedup_arg = NULL;
	struct cli_option all[sizeof options / sizeof *options + 2];
	size_t n = 0;
	for (const struct cli_option *p = merge ? merge_options : run_options; p->name; p++)
		all[n++] = *p;
	for (const struct cli_option *p = options; p->name; p++)
		all[n++] = *p;
	all[n] = options[sizeof options / sizeof *options - 1];
	int rc = cli_parse(
	    argc, argv, merge ? "merge [options] --shards N RECIPE" : "run [options] RECIPE",
	    merge ? "Finish a run made in shards (sprout run --shard I/N): once every shard\n"
		    "is done, run the rest of the recipe over the records of all of them, in\n"
		    "the order a run without shards has (duplicates across shards, mix,\n"
		    "split, export, report), into the run folder, with one manifest.json\n"
		    "naming every shard. See docs/scale.md."
		  : "Run the stages a recipe (YAML) names, in order, into one run folder:\n"
		    "each stage's output, its rejects, a manifest.json of how the data was\n"
		    "made, and the report when the recipe asks for one. A run stopped by a\n"
		    "crash or Ctrl-C goes on from the first unfinished stage when started\n"
		    "again. See docs/run.md for the recipe keys, docs/scale.md for shards.",
	    all, CLI_NO_OUTPUT, &c, on_option, &o);
	if (rc >= 0)
		return rc;
	if (c.ninputs != 1) {
		cli_error("expected one recipe file (see 'sprout %s --help')",
			  merge ? "merge" : "run");
		return EXIT_USAGE;
	}
	if (shard_arg && (rc = parse_shard(shard_arg, &o)) >= 0)
		return rc;
	if (merge) {
		if (!shards_arg) {
			cli_error("merge needs --shards N: how many shards the run was cut into");
			return EXIT_USAGE;
		}
		if (!whole(shards_arg, 1, MAX_SHARDS, &o.shards)) {
			cli_error("--shards: '%s' is not a number of shards from 1 to %d",
				  shards_arg, MAX_SHARDS);
			return EXIT_USAGE;
		}
		o.merge = 1;
		if (dedup_arg && !whole(dedup_arg, 1, 1u << 20, &o.dedup_memory)) {
			cli_error("--dedup-memory: '%s' is not a number of MiB from 1 to %u",
				  dedup_arg, 1u << 20);
			return EXIT_USAGE;
		}
	}
	if (dry && o.shards) {
		cli_error("--dry-run plans the whole run; leave out --shard%s", merge ? "s" : "");
		return EXIT_USAGE;
	}
	o.quiet = c.quiet;
	o.note = on_note;
	o.print = on_print;
	o.stage = on_stage;
	o.progress = on_progress;
	o.temp = cli_hook_temp;
	progress_init(c.quiet);
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_run *r = sprout_run_open(c.inputs[0], &o, &err);
	sprout_code code = !r	 ? err.code
			   : dry ? sprout_run_plan(r, &err)
				 : sprout_run_execute(r, &err);
	if (code && err.msg[0])
		cli_error_at(&err);
	rc = cli_exit_for(code);
	sprout_run_free(r);
	cli_progress_hook = NULL;
	return rc;
}
