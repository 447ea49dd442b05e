/* sprout loop: the rounds of the feedback loop (probe, flag, review,
 * corrections, augment or generate, train again), one folder each, and
 * what each round did, so a plateau shows. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

/* The files a round folder may hold, and what is counted in them. */
static const struct {
	const char *file, *column, *what;
} files[] = {
	{"flags.jsonl", "flagged", "records flagged for review (sprout flag -o)"},
	{"corrections.jsonl", "corrected", "new gold seeds: _sprout.source correction (review export)"},
	{"generated.jsonl", "generated", "synthetic records made this round (augment or generate)"},
	{"kept.jsonl", "kept", "records kept for training (after filter, mix)"},
};
#define NFILES (sizeof files / sizeof files[0])

enum { OPT_JSON = OPT_COMMAND_BASE, OPT_ROUND };

static const struct cli_option options[] = {
	{"json", 0, NULL, OPT_JSON, "status: the numbers as JSON"},
	{"round", 0, "N", OPT_ROUND, "metric: the round (default the last)"},
	{NULL, 0, NULL, 0, NULL},
};

struct loop_cli {
	int json;
	long round;
};

static int on_option(int id, const char *arg, void *ctx)
{
	struct loop_cli *l = ctx;
	char *end;
	if (id == OPT_JSON)
		l->json = 1;
	if (id == OPT_ROUND) {
		l->round = strtol(arg, &end, 10);
		if (end == arg || *end || l->round < 1) {
			cli_error("--round: '%s' is not a round number", arg);
			return EXIT_USAGE;
		}
	}
	return -1;
}

/* Round numbers in dir (round-N folders), sorted; the count in *n. */
static long *rounds(const char *dir, size_t *n)
{
	*n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return NULL;
	long *v = malloc(1024 * sizeof *v);
	struct dirent *e;
	while (v && (e = readdir(d)) && *n < 1024) {
		char *end;
		if (strncmp(e->d_name, "round-", 6))
			continue;
		long r = strtol(e->d_name + 6, &end, 10);
		if (end != e->d_name + 6 && !*end && r > 0)
			v[(*n)++] = r;
	}
	closedir(d);
	for (size_t i = 1; v && i < *n; i++) /* insertion sort: few rounds */
		for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
			long t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return v;
}

/* Records in a file: -1 when there is none; corrections count only those
 * with _sprout.source "correction", generated only those not seeds. */
static long count(const char *path, int k)
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
			if (k == 1)
				n += src && sprout_json_is(src, "correction");
			else if (k == 2)
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

/* The round's metric: the file metric, else probe.json (the model with the
 * augmented records when there is one). NAN-free: -1 when none. */
static double metric_of(const char *dir, long round, char *source, size_t n)
{
	char p[4096];
	snprintf(p, sizeof p, "%s/round-%ld/metric", dir, round);
	FILE *f = fopen(p, "r");
	double v = -1;
	if (f) {
		if (fscanf(f, "%lf", &v) == 1)
			snprintf(source, n, "recorded");
		else
			v = -1;
		fclose(f);
		if (v >= 0)
			return v;
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
			snprintf(source, n, "probe");
		}
	}
	sprout_arena_free(a);
	return v;
}

static int status(const char *dir, int json)
{
	size_t n;
	long *r = rounds(dir, &n);
	if (!r) {
		cli_error("%s: no loop folder here (make the first round with 'sprout loop next %s')",
			  dir, dir);
		return EXIT_IO;
	}
	if (!json)
		printf("round  flagged  corrected  generated     kept   metric\n");
	else
		printf("{\"rounds\":[");
	double prev = -1;
	int plateau = 0;
	for (size_t i = 0; i < n; i++) {
		long c[NFILES];
		for (size_t k = 0; k < NFILES; k++) {
			char p[4096];
			snprintf(p, sizeof p, "%s/round-%ld/%s", dir, r[i], files[k].file);
			c[k] = count(p, (int)k);
		}
		char source[32] = "";
		double m = metric_of(dir, r[i], source, sizeof source);
		plateau = m >= 0 && prev >= 0 && m - prev < 0.005;
		if (json) {
			printf("%s{\"round\":%ld", i ? "," : "", r[i]);
			for (size_t k = 0; k < NFILES; k++)
				if (c[k] >= 0)
					printf(",\"%s\":%ld", files[k].column, c[k]);
			if (m >= 0)
				printf(",\"metric\":%.4f,\"metric_from\":\"%s\"", m, source);
			printf("}");
		} else {
			printf("%5ld", r[i]);
			for (size_t k = 0; k < NFILES; k++) {
				int w = k == 0 ? 9 : k == 3 ? 9 : 11;
				if (c[k] >= 0)
					printf("%*ld", w, c[k]);
				else
					printf("%*s", w, "-");
			}
			if (m >= 0)
				printf("   %.4f (%s)%s", m, source,
				       prev >= 0 ? (plateau ? "  no better: a plateau?" : "  better") : "");
			printf("\n");
		}
		if (m >= 0)
			prev = m;
	}
	if (json)
		printf("],\"plateau\":%s}\n", plateau ? "true" : "false");
	free(r);
	return EXIT_OK;
}

int cmd_loop(int argc, char **argv)
{
	struct loop_cli l = {0, 0};
	struct cli_common c;
	int rc = cli_parse(argc, argv, "loop status DIR | next DIR | metric DIR VALUE [options]",
			   "The rounds of the feedback loop, one folder each (DIR/round-N):\n"
			   "  next DIR          make the next round's folder and print its path\n"
			   "  metric DIR VALUE  record the round's metric (accuracy, a score)\n"
			   "  status DIR        per round: flagged, corrected, generated and kept\n"
			   "                    records, and the metric (recorded, or probe.json's)\n"
			   "A round folder holds flags.jsonl, corrections.jsonl, generated.jsonl,\n"
			   "kept.jsonl, probe.json and metric as the round makes them (docs/loop.md).",
			   options, CLI_NO_OUTPUT, &c, on_option, &l);
	if (rc >= 0)
		return rc;
	const char *what = c.ninputs ? c.inputs[0] : "";
	if (!strcmp(what, "status") && c.ninputs == 2)
		return status(c.inputs[1], l.json);
	if (!strcmp(what, "next") && c.ninputs == 2) {
		size_t n;
		long *r = rounds(c.inputs[1], &n);
		if (!r && mkdir(c.inputs[1], 0777) != 0 && errno != EEXIST) {
			cli_error("%s: cannot make the loop folder: %s", c.inputs[1], strerror(errno));
			return EXIT_IO;
		}
		char p[4096];
		snprintf(p, sizeof p, "%s/round-%ld", c.inputs[1], n ? r[n - 1] + 1 : 1);
		free(r);
		if (mkdir(p, 0777) != 0) {
			cli_error("%s: %s", p, strerror(errno));
			return EXIT_IO;
		}
		printf("%s\n", p);
		return EXIT_OK;
	}
	if (!strcmp(what, "metric") && c.ninputs == 3) {
		char *end;
		(void)strtod(c.inputs[2], &end);
		if (end == c.inputs[2] || *end) {
			cli_error("metric: '%s' is not a number", c.inputs[2]);
			return EXIT_USAGE;
		}
		size_t n;
		long *r = rounds(c.inputs[1], &n);
		long round = l.round ? l.round : n ? r[n - 1] : 0;
		free(r);
		if (!round) {
			cli_error("%s: no round yet (sprout loop next %s)", c.inputs[1], c.inputs[1]);
			return EXIT_USAGE;
		}
		char p[4096];
		snprintf(p, sizeof p, "%s/round-%ld/metric", c.inputs[1], round);
		FILE *f = fopen(p, "w");
		if (!f || fprintf(f, "%s\n", c.inputs[2]) < 0 || fclose(f)) {
			cli_error("%s: cannot write: %s", p, strerror(errno));
			return EXIT_IO;
		}
		return EXIT_OK;
	}
	cli_error("expected 'status DIR', 'next DIR' or 'metric DIR VALUE' (see 'sprout loop --help')");
	return EXIT_USAGE;
}
