#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>

#include "sprout/mix.h"
#include "sprout/spool.h"
#include "test.h"
#include "util.h"

/* Records come back as they went in, in order and out of order, and the
 * file never has a name in the folder. */
static void spool_gives_back_what_it_took(void)
{
	const char *dir = temp_dir();
	sprout_arena *a = sprout_arena_new(0), *b = sprout_arena_new(0);
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_spool *s = sprout_spool_new(dir, &err);
	CHECK(s != NULL);
	CHECK_INT(count_files(dir), 0);
	char text[200], want[200];
	enum { N = 20000 };
	for (int i = 0; i < N; i++) {
		snprintf(text, sizeof text,
			 "{\"text\":\"record %d \\u00e9\\n\",\"label\":\"l%d\",\"n\":1.50}", i,
			 i % 7);
		sprout_record r = make_record(a, text, "classification");
		r.file = i < N / 2 ? "one.jsonl" : "two.jsonl";
		r.line = (unsigned long)i + 1;
		CHECK_INT(sprout_spool_put(s, &r, &err), SPROUT_OK);
		sprout_arena_reset(a);
	}
	CHECK_INT(count_files(dir), 0);
	CHECK_INT(sprout_spool_count(s), N);
	for (int pass = 0; pass < 2; pass++) {
		for (int k = 0; k < N; k++) {
			int i =
			    pass ? (int)(((long)k * 7919) % N) : k; /* in order, then shuffled */
			sprout_record r;
			sprout_arena_reset(b);
			CHECK_INT(sprout_spool_get(s, (size_t)i, b, &r, &err), SPROUT_OK);
			snprintf(want, sizeof want,
				 "{\"text\":\"record %d é\\n\",\"label\":\"l%d\",\"n\":1.50}", i,
				 i % 7);
			CHECK_STR(dump(r.obj), want);
			CHECK_STR(r.file, i < N / 2 ? "one.jsonl" : "two.jsonl");
			CHECK_INT(r.line, i + 1);
			sprout_text t;
			CHECK(sprout_record_get(&r, SPROUT_SLOT_LABEL, &t));
			const char *json;
			size_t len;
			CHECK_INT(sprout_spool_json(s, (size_t)i, &json, &len, &err), SPROUT_OK);
			CHECK_INT(len, strlen(want));
			CHECK(memcmp(json, want, len) == 0);
		}
	}
	CHECK_INT(sprout_spool_get(s, N, b, &(sprout_record){0}, &err), SPROUT_ERR_USAGE);
	sprout_spool_free(s);
	CHECK_INT(count_files(dir), 0);
	sprout_spool_free(NULL);
	rmdir(dir);
	sprout_arena_free(a);
	sprout_arena_free(b);
}

/* Reads aside, interleaved with an in-order pass (each record's "parent",
 * some way back, and records not yet written out), give the right records
 * to both. */
static void spool_reads_aside(void)
{
	sprout_arena *a = sprout_arena_new(0), *b = sprout_arena_new(0);
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_spool *s = sprout_spool_new(NULL, &err);
	CHECK(s != NULL);
	enum { N = 30000 };
	char text[100];
	for (int i = 0; i < N; i++) {
		snprintf(text, sizeof text, "{\"text\":\"record %d\",\"label\":\"x\"}", i);
		sprout_record r = make_record(a, text, "classification");
		r.line = (unsigned long)i + 1;
		CHECK_INT(sprout_spool_put(s, &r, &err), SPROUT_OK);
		sprout_arena_reset(a);
		if (i == 10) { /* still in the write buffer */
			sprout_record q;
			CHECK_INT(sprout_spool_get_aside(s, 10, b, &q, &err), SPROUT_OK);
			CHECK_STR(dump(q.obj), text);
		}
	}
	for (int i = 0; i < N; i++) {
		sprout_record r, p;
		sprout_arena_reset(b);
		CHECK_INT(sprout_spool_get(s, (size_t)i, b, &r, &err), SPROUT_OK);
		int j = (int)(((long)i * 7919) % N);
		CHECK_INT(sprout_spool_get_aside(s, (size_t)j, b, &p, &err), SPROUT_OK);
		snprintf(text, sizeof text, "{\"text\":\"record %d\",\"label\":\"x\"}", i);
		CHECK_STR(dump(r.obj), text);
		CHECK_INT(r.line, i + 1);
		snprintf(text, sizeof text, "{\"text\":\"record %d\",\"label\":\"x\"}", j);
		CHECK_STR(dump(p.obj), text);
		CHECK_INT(p.line, j + 1);
	}
	CHECK_INT(sprout_spool_get_aside(s, N, b, &(sprout_record){0}, &err), SPROUT_ERR_USAGE);
	sprout_spool_free(s);
	sprout_arena_free(a);
	sprout_arena_free(b);
}

static void spool_in_a_missing_folder_fails(void)
{
	sprout_error err = SPROUT_ERROR_INIT;
	CHECK(sprout_spool_new("/nonexistent/sprout", &err) == NULL);
	CHECK_INT(err.code, SPROUT_ERR_IO);
	CHECK(strstr(err.msg, "/nonexistent/sprout") != NULL);
}

/* Briefs: labels and seeds numbered in first-seen order, real or not. */
static void briefs_name_labels_and_seeds(void)
{
	sprout_arena *a = sprout_arena_new(0);
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_briefs *b = sprout_briefs_new();
	const char *recs[] = {
	    "{\"text\":\"a\",\"label\":\"x\",\"_sprout\":{\"id\":\"s1\",\"method\":\"seed\"}}",
	    "{\"text\":\"b\",\"label\":\"y\",\"_sprout\":{\"id\":\"v1\",\"parent\":\"s1\",\"root\":"
	    "\"s1\",\"method\":\"augment.typo\"}}",
	    "{\"text\":\"c\",\"_sprout\":{\"id\":\"v2\",\"parent\":\"v1\",\"method\":\"augment."
	    "typo\"}}",
	    "{\"text\":\"d\",\"label\":\"x\",\"_sprout\":{\"id\":\"s2\"}}",
	};
	for (size_t i = 0; i < 4; i++) {
		sprout_record r = make_record(a, recs[i], "classification");
		CHECK_INT(sprout_briefs_add(b, &r, &err), SPROUT_OK);
	}
	CHECK_INT(sprout_briefs_count(b), 4);
	const sprout_brief *v = sprout_briefs_get(b, 0);
	CHECK_INT(v[0].real, 1);
	CHECK_INT(v[1].real, 0);
	CHECK_INT(v[2].real, 0);
	CHECK_INT(v[3].real, 1);
	CHECK_STR(sprout_briefs_label(b, v[1].label), "y");
	CHECK_STR(sprout_briefs_label(b, v[2].label), "");
	CHECK_INT(v[3].label, v[0].label);
	CHECK_INT(v[1].root, v[0].root);
	CHECK_STR(sprout_briefs_root(b, v[2].root), "v1"); /* no root: its parent */
	CHECK_STR(sprout_briefs_root(b, v[3].root), "s2");
	sprout_briefs_free(b);
	sprout_briefs_free(NULL);
	sprout_arena_free(a);
}

/* The leakage check fed a prompt at a time finds what the whole-array
 * split finds. */
static void leakcheck_matches_split(void)
{
	sprout_arena *a = sprout_arena_new(0);
	sprout_error err = SPROUT_ERROR_INIT;
	enum { N = 200 };
	sprout_record recs[N];
	for (int i = 0; i < N; i++) {
		char text[160];
		snprintf(text, sizeof text,
			 "{\"text\":\"how do i change the pin of card number %d "
			 "today\",\"label\":\"l%d\"}",
			 i % 40, i % 3);
		recs[i] = make_record(a, text, "classification");
		CHECK_INT(sprout_meta_ensure(&recs[i], &err), SPROUT_OK);
	}
	sprout_split_options o;
	sprout_split_options_init(&o);
	sprout_split_plan whole;
	CHECK_INT(sprout_split(recs, N, &o, a, &whole, &err), SPROUT_OK);
	CHECK(whole.nleaks > 0);
	sprout_briefs *b = sprout_briefs_new();
	for (int i = 0; i < N; i++)
		CHECK_INT(sprout_briefs_add(b, &recs[i], &err), SPROUT_OK);
	sprout_split_plan p;
	CHECK_INT(sprout_split_briefs(b, &o, a, &p, &err), SPROUT_OK);
	CHECK_INT(p.nleaks, 0);
	sprout_leakcheck *lc = sprout_leakcheck_new(o.leak_jaccard);
	for (int i = 0; i < N; i++) {
		CHECK_INT(p.side[i], whole.side[i]);
		sprout_text t;
		sprout_record_get(&recs[i], SPROUT_SLOT_PROMPT, &t);
		if (p.side[i] == SPROUT_SPLIT_TRAIN)
			CHECK_INT(sprout_leakcheck_train(lc, (size_t)i, t.s, t.len, &err),
				  SPROUT_OK);
		else if (p.side[i] != SPROUT_SPLIT_DROPPED)
			CHECK_INT(sprout_leakcheck_held(lc, (size_t)i, t.s, t.len, &err),
				  SPROUT_OK);
	}
	CHECK_INT(sprout_leakcheck_finish(lc, a, &p.leaks, &p.nleaks, &err), SPROUT_OK);
	CHECK_INT(p.nleaks, whole.nleaks);
	for (size_t k = 0; k < p.nleaks; k++) {
		CHECK_INT(p.leaks[k].held_out, whole.leaks[k].held_out);
		CHECK_INT(p.leaks[k].train, whole.leaks[k].train);
	}
	sprout_leakcheck_free(lc);
	sprout_leakcheck_free(NULL);
	sprout_briefs_free(b);
	sprout_arena_free(a);
}

SUITE(spool_tests) = {
    T(spool_gives_back_what_it_took),	T(spool_reads_aside),
    T(spool_in_a_missing_folder_fails), T(briefs_name_labels_and_seeds),
    T(leakcheck_matches_split),		{NULL, NULL},
};
