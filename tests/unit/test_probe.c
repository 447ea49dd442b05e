#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sprout/probe.h"
#include "test.h"
#include "util.h"

static void add(sprout_probe *p, sprout_probe_set set, sprout_arena *a, const char *json)
{
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_record r = make_record(a, json, "auto");
	CHECK_INT(sprout_probe_add(p, set, &r, &err), SPROUT_OK);
}

/* n records of label made of its words, picked by a fixed sequence. */
static void add_class(sprout_probe *p, sprout_probe_set set, sprout_arena *a, const char *label,
		      const char *const words[4], int n, unsigned seed)
{
	for (int i = 0; i < n; i++) {
		char json[256];
		int len = snprintf(json, sizeof json, "{\"text\":\"");
		for (int w = 0; w < 5; w++) {
			seed = seed * 1103515245u + 12345u;
			len += snprintf(json + len, sizeof json - (size_t)len, "%s ",
					words[(seed >> 16) % 4]);
		}
		snprintf(json + len, sizeof json - (size_t)len, "please\",\"label\":\"%s\"}",
			 label);
		add(p, set, a, json);
	}
}

static const char *const card[4] = {"card", "post", "arrive", "delivery"};
static const char *const refund[4] = {"refund", "money", "back", "return"};
static const char *const pin[4] = {"pin", "code", "blocked", "reset"};

static void add_real(sprout_probe *p, sprout_arena *a)
{
	const sprout_probe_set sets[] = {SPROUT_PROBE_TRAIN, SPROUT_PROBE_VALID, SPROUT_PROBE_TEST};
	const int n[] = {6, 4, 6};
	for (int s = 0; s < 3; s++) {
		add_class(p, sets[s], a, "card", card, n[s], 1u + 10u * (unsigned)s);
		add_class(p, sets[s], a, "refund", refund, n[s], 2u + 10u * (unsigned)s);
		add_class(p, sets[s], a, "pin", pin, n[s], 3u + 10u * (unsigned)s);
	}
}

/* fastText on three well-separated classes: a test record labelled
 * refund with card's words is the one mistake, so refund is the worst
 * class, taken for card; the seeds among the augmented records are left
 * out; the pool's predictions are written for flag. */
static void probe_runs_fasttext_on_a_tiny_set(void)
{
	char dir[256], mis[512];
	snprintf(dir, sizeof dir, "%s", temp_dir());
	snprintf(mis, sizeof mis, "%s/mis.jsonl", dir);
	sprout_probe_options o;
	sprout_probe_options_init(&o);
	sprout_error err = SPROUT_ERROR_INIT;
	CHECK_INT(sprout_probe_epochs_parse("25", &o, &err), SPROUT_OK);
	o.dim = 10;
	o.tmpdir = dir;
	o.mispredictions = mis;
	sprout_probe *p = sprout_probe_new(&o, &err);
	CHECK(p != NULL);
	sprout_arena *a = sprout_arena_new(0);
	add_real(p, a);
	add(p, SPROUT_PROBE_TEST, a,
	    "{\"text\":\"card post card delivery please\",\"label\":\"refund\"}");
	add(p, SPROUT_PROBE_AUGMENTED, a,
	    "{\"text\":\"pin code please\",\"label\":\"pin\",\"_sprout\":{\"method\":\"seed\"}}");
	add_class(p, SPROUT_PROBE_AUGMENTED, a, "pin", pin, 3, 7);
	add(p, SPROUT_PROBE_POOL, a, "{\"text\":\"Refund my money back\",\"label\":\"refund\"}");
	add(p, SPROUT_PROBE_POOL, a, "{\"text\":\"reset my pin code\"}");
	CHECK_INT(sprout_probe_count(p, SPROUT_PROBE_AUGMENTED), 3);

	sprout_probe_result r;
	CHECK_INT(sprout_probe_run(p, &r, &err), SPROUT_OK);
	CHECK_INT(r.train, 18);
	CHECK_INT(r.valid, 12);
	CHECK_INT(r.test, 19);
	CHECK_INT(r.augmented, 3);
	CHECK_INT(r.pool, 2);
	CHECK_INT(r.real.epochs, 25);
	CHECK_INT(r.with_augmented.epochs, 25);
	CHECK(r.real.valid == 1.0);
	CHECK(r.real.test == 18.0 / 19.0);
	CHECK_INT(r.nclasses, 3);
	CHECK_STR(r.classes[0].label, "refund");
	CHECK_INT(r.classes[0].n, 7);
	CHECK_INT(r.classes[0].correct, 6);
	CHECK_STR(r.classes[0].confused, "card");
	CHECK_INT(r.classes[0].confused_n, 1);
	CHECK_STR(r.classes[1].label, "card"); /* then by label */
	CHECK(r.classes[1].confused == NULL);
	CHECK_STR(r.classes[2].label, "pin");
	CHECK_INT(count_files(dir), 1); /* the temporary folder is gone; the predictions stay */
	sprout_probe_result_release(&r);

	size_t len;
	const char *text = slurp(mis, &len);
	CHECK(text != NULL);
	char *lines = sprout_arena_strndup(a, text, len), *nl = strchr(lines, '\n');
	CHECK(nl != NULL && len && text[len - 1] == '\n');
	*nl = '\0';
	lines[len - 1] = '\0';
	sprout_json *l1 = parse_ok(a, lines), *l2 = parse_ok(a, nl + 1);
	CHECK_STR(sprout_json_get(l1, "input")->u.s, "Refund my money back");
	CHECK_STR(sprout_json_get(l1, "expected")->u.s, "refund");
	CHECK_STR(sprout_json_get(l1, "predicted")->u.s, "refund");
	CHECK(sprout_json_get(sprout_json_get(l1, "probs"), "refund") != NULL);
	/* no label: what the model said is expected */
	CHECK_STR(sprout_json_get(l2, "expected")->u.s, sprout_json_get(l2, "predicted")->u.s);
	sprout_arena_free(a);
	sprout_probe_free(p);
	remove_tree(dir);
}

/* Options and records the probe refuses, with the message the command
 * prints. */
static void probe_checks_its_arguments(void)
{
	FILE *f;
	sprout_probe_options o;
	sprout_probe_options_init(&o);
	CHECK_INT(o.nepochs, 4);
	CHECK_INT(o.epochs[3], 50);
	CHECK_INT(o.dim, 50);
	CHECK_INT(o.ngrams, 2);
	CHECK_INT(o.threads, 1);
	CHECK_STR(o.fasttext, "fasttext");
	sprout_error err = SPROUT_ERROR_INIT;
	CHECK_INT(sprout_probe_epochs_parse("5,x", &o, &err), SPROUT_ERR_USAGE);
	CHECK_STR(err.msg, "--epochs: expected a list like 5,10,25, got '5,x'");
	CHECK_INT(sprout_probe_epochs_parse("", &o, &err), SPROUT_ERR_USAGE);
	CHECK_INT(sprout_probe_epochs_parse("1001", &o, &err), SPROUT_ERR_USAGE);
	CHECK_INT(sprout_probe_epochs_parse("1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17", &o, &err),
		  SPROUT_ERR_USAGE);
	CHECK_INT(o.nepochs, 4); /* unchanged by a bad list */
	CHECK_INT(sprout_probe_epochs_parse("3,1000,", &o, &err), SPROUT_OK);
	CHECK_INT(o.nepochs, 2);
	CHECK_INT(o.epochs[1], 1000);
	o.threads = 0;
	CHECK(sprout_probe_new(&o, &err) == NULL);
	CHECK_STR(err.msg, "probe: bad option threads");
	o.threads = 1;
	o.lr = 0;
	CHECK(sprout_probe_new(&o, &err) == NULL);
	CHECK_INT(err.code, SPROUT_ERR_USAGE);
	o.lr = 0.5;

	sprout_probe *p = sprout_probe_new(&o, &err);
	CHECK(p != NULL);
	sprout_arena *a = sprout_arena_new(0);
	sprout_record r = make_record(a, "{\"instruction\":\"no label\",\"output\":\"x\"}", "auto");
	r.file = "nolabel.jsonl";
	r.line = 3;
	CHECK_INT(sprout_probe_add(p, SPROUT_PROBE_TRAIN, &r, &err), SPROUT_ERR_SLOT);
	char msg[1024];
	CHECK_STR(sprout_error_format(&err, msg, sizeof msg),
		  "nolabel.jsonl:3: a record without a text and a label (probe is for "
		  "classification data)");
	/* a pool without a place for its predictions */
	r = make_record(a, "{\"text\":\"t\",\"label\":\"l\"}", "auto");
	CHECK_INT(sprout_probe_add(p, SPROUT_PROBE_POOL, &r, &err), SPROUT_ERR_USAGE);
	CHECK_INT(sprout_probe_count(p, SPROUT_PROBE_POOL), 0);
	sprout_probe_free(p);

	/* from files: a pool's record may have no label, another set's may not */
	char dir[256], pool[512], mis[512];
	snprintf(dir, sizeof dir, "%s", temp_dir());
	snprintf(pool, sizeof pool, "%s/pool.jsonl", dir);
	snprintf(mis, sizeof mis, "%s/mis.jsonl", dir);
	f = fopen(pool, "w");
	CHECK(f != NULL);
	fputs("{\"text\":\"a b\"}\n{\"text\":\"c\",\"label\":\"x\"}\n", f);
	CHECK(fclose(f) == 0);
	o.mispredictions = mis;
	p = sprout_probe_new(&o, &err);
	CHECK_INT(sprout_probe_add_file(p, SPROUT_PROBE_POOL, pool, NULL, &err), SPROUT_OK);
	CHECK_INT(sprout_probe_count(p, SPROUT_PROBE_POOL), 2);
	CHECK_INT(sprout_probe_add_file(p, SPROUT_PROBE_VALID, pool, NULL, &err), SPROUT_ERR_SLOT);
	CHECK_INT(err.line, 1);
	CHECK_STR(err.file, pool);
	sprout_probe_free(p);
	o.mispredictions = NULL;

	/* a fastText that cannot be run */
	o.fasttext = "/nonexistent/fasttext";
	o.tmpdir = dir;
	p = sprout_probe_new(&o, &err);
	add_real(p, a);
	sprout_probe_result res;
	CHECK_INT(sprout_probe_run(p, &res, &err), SPROUT_ERR_IO);
	CHECK_STR(err.msg, "fastText failed (is the Debian package fasttext installed? --fasttext "
			   "names the program)");
	CHECK_INT(count_files(dir), 1); /* the pool file; the temporary folder is gone */
	sprout_probe_result_release(&res);
	sprout_probe_free(p);
	sprout_arena_free(a);
	remove_tree(dir);
}

struct stopper {
	sprout_probe *p;
	char started[512];
};

static void *stop_when_started(void *arg)
{
	struct stopper *s = arg;
	struct stat st;
	for (int i = 0; i < 120000 && stat(s->started, &st); i++) /* at most 10 minutes */
		usleep(5000);
	sprout_probe_stop(s->p);
	return NULL;
}

/* A probe stopped from another thread while fastText runs: fastText is
 * stopped, its folder removed, the run fails; a stopped probe stays so. */
static void probe_stops_its_fasttext(void)
{
	char dir[256], prog[512];
	snprintf(dir, sizeof dir, "%s", temp_dir());
	snprintf(prog, sizeof prog, "%s/fasttext", dir);
	FILE *f = fopen(prog, "w");
	CHECK(f != NULL);
	fprintf(f,
		"#!/bin/sh\necho $$ >'%s/started.tmp' && mv '%s/started.tmp' '%s/started'\n"
		"exec sleep 600\n",
		dir, dir, dir);
	CHECK(fclose(f) == 0);
	CHECK(chmod(prog, 0755) == 0);
	char tmp[512];
	snprintf(tmp, sizeof tmp, "%s/tmp", dir);
	CHECK(mkdir(tmp, 0777) == 0);

	sprout_probe_options o;
	sprout_probe_options_init(&o);
	o.fasttext = prog;
	o.tmpdir = tmp;
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_probe *p = sprout_probe_new(&o, &err);
	sprout_arena *a = sprout_arena_new(0);
	add_real(p, a);
	struct stopper s = {p, ""};
	snprintf(s.started, sizeof s.started, "%s/started", dir);
	pthread_t t;
	CHECK(pthread_create(&t, NULL, stop_when_started, &s) == 0);
	sprout_probe_result r;
	CHECK_INT(sprout_probe_run(p, &r, &err), SPROUT_ERR_IO);
	CHECK(pthread_join(t, NULL) == 0);
	CHECK(sprout_probe_stopped(p));
	CHECK_STR(err.msg, "probe: stopped");
	CHECK_INT(count_files(tmp), 0);
	sprout_probe_result_release(&r);
	long pid = atol(slurp(s.started, NULL));
	CHECK(pid > 0 && kill((pid_t)pid, 0) != 0); /* gone (reaped by the probe) */
	CHECK_INT(sprout_probe_run(p, &r, &err), SPROUT_ERR_IO);
	sprout_probe_result_release(&r);
	sprout_probe_free(p);
	sprout_arena_free(a);
	remove_tree(dir);
}

SUITE(probe_tests) = {
    T(probe_runs_fasttext_on_a_tiny_set),
    T(probe_checks_its_arguments),
    T(probe_stops_its_fasttext),
    {NULL, NULL},
};
