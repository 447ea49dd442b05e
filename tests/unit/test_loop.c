#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sprout/loop.h"
#include "test.h"
#include "util.h"

static void put_file(const char *dir, const char *name, const char *text)
{
	char p[512];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	CHECK(f != NULL);
	fputs(text, f);
	CHECK(fclose(f) == 0);
}

/* A loop folder's rounds in number order (round-10 after round-2), each
 * file counted as its column says, missing files apart, the metric
 * recorded or from probe.json, and a rise under 0.005 a plateau. */
static void loop_status_counts_rounds(void)
{
	char dir[256], p[512];
	snprintf(dir, sizeof dir, "%s", temp_dir());
	const char *rounds[] = {"round-1", "round-2", "round-10", "round-x", "round-0"};
	for (int i = 0; i < 5; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, rounds[i]);
		CHECK(mkdir(p, 0777) == 0);
	}
	put_file(dir, "round-1/flags.jsonl", "{\"text\":\"a\"}\n{\"text\":\"b\"}\n");
	put_file(dir, "round-1/corrections.jsonl",
		 "{\"text\":\"a\",\"_sprout\":{\"source\":\"correction\"}}\n"
		 "{\"text\":\"b\"}\n"
		 "{\"text\":\"c\",\"_sprout\":{\"source\":\"correction\"}}\n");
	put_file(dir, "round-1/metric", "0.5\n");
	put_file(dir, "round-2/generated.jsonl",
		 "{\"text\":\"a\",\"_sprout\":{\"method\":\"seed\"}}\n"
		 "{\"text\":\"a b\",\"_sprout\":{\"method\":\"eda\"}}\n"
		 "{\"text\":\"a c\"}\n");
	put_file(dir, "round-2/kept.jsonl", "");
	put_file(dir, "round-2/probe.json",
		 "{\"real\":{\"test\":0.9},\"augmented_model\":{\"test\":0.502}}\n");
	put_file(dir, "round-10/probe.json", "{\"real\":{\"test\":0.75}}\n");

	sprout_loop_status st;
	sprout_error err = SPROUT_ERROR_INIT;
	CHECK_INT(sprout_loop_status_read(dir, &st, &err), SPROUT_OK);
	CHECK_INT(st.n, 3);
	CHECK_INT(st.rounds[0].round, 1);
	CHECK_INT(st.rounds[1].round, 2);
	CHECK_INT(st.rounds[2].round, 10);
	const sprout_loop_round *r = st.rounds;
	CHECK_INT(r[0].count[SPROUT_LOOP_FLAGGED], 2);
	CHECK_INT(r[0].count[SPROUT_LOOP_CORRECTED], 2);
	CHECK_INT(r[0].count[SPROUT_LOOP_GENERATED], -1);
	CHECK_INT(r[0].count[SPROUT_LOOP_KEPT], -1);
	CHECK(r[0].metric == 0.5);
	CHECK_STR(r[0].metric_from, "recorded");
	CHECK(!r[0].compared);
	CHECK_INT(r[1].count[SPROUT_LOOP_FLAGGED], -1);
	CHECK_INT(r[1].count[SPROUT_LOOP_GENERATED], 2); /* the seed is not counted */
	CHECK_INT(r[1].count[SPROUT_LOOP_KEPT], 0);
	CHECK(r[1].metric == 0.502); /* the model with the augmented records */
	CHECK_STR(r[1].metric_from, "probe");
	CHECK(r[1].compared && r[1].plateau);
	CHECK(r[2].metric == 0.75);
	CHECK(r[2].compared && !r[2].plateau);
	CHECK(!st.plateau);
	CHECK_STR(sprout_loop_column(SPROUT_LOOP_CORRECTED), "corrected");
	CHECK_STR(sprout_loop_file_name(SPROUT_LOOP_KEPT), "kept.jsonl");
	CHECK(sprout_loop_file_name(SPROUT_LOOP__NFILES) == NULL);
	sprout_loop_status_release(&st);

	/* the next round follows the highest; the metric goes to the last */
	CHECK_INT(sprout_loop_next(dir, p, sizeof p, &err), SPROUT_OK);
	char want[512];
	snprintf(want, sizeof want, "%s/round-11", dir);
	CHECK_STR(p, want);
	CHECK_INT(sprout_loop_metric_write(dir, 0, "0.7", &err), SPROUT_OK);
	const char *from;
	CHECK(sprout_loop_metric(dir, 11, &from) == 0.7);
	CHECK_STR(from, "recorded");
	CHECK_INT(sprout_loop_status_read(dir, &st, &err), SPROUT_OK);
	CHECK_INT(st.n, 4);
	CHECK(st.plateau); /* 0.7 after 0.75 */
	sprout_loop_status_release(&st);
	CHECK_INT(sprout_loop_metric_write(dir, 0, "0.7x", &err), SPROUT_ERR_USAGE);
	CHECK_STR(err.msg, "metric: '0.7x' is not a number");
	remove_tree(dir);
}

static void loop_status_without_a_folder(void)
{
	char dir[256], p[512];
	snprintf(dir, sizeof dir, "%s/loop", temp_dir());
	sprout_loop_status st;
	sprout_error err = SPROUT_ERROR_INIT;
	CHECK_INT(sprout_loop_status_read(dir, &st, &err), SPROUT_ERR_IO);
	CHECK(strstr(err.msg, ": no loop folder here") != NULL);
	sprout_loop_status_release(&st);
	CHECK_INT(sprout_loop_metric_write(dir, 0, "1", &err), SPROUT_ERR_USAGE);
	CHECK(strstr(err.msg, ": no round yet") != NULL);
	/* next makes the folder and its first round */
	CHECK_INT(sprout_loop_next(dir, p, sizeof p, &err), SPROUT_OK);
	CHECK(strstr(p, "/loop/round-1") != NULL);
	CHECK_INT(sprout_loop_status_read(dir, &st, &err), SPROUT_OK);
	CHECK_INT(st.n, 1);
	CHECK_INT(st.rounds[0].count[SPROUT_LOOP_FLAGGED], -1);
	CHECK(st.rounds[0].metric == -1 && st.rounds[0].metric_from == NULL);
	sprout_loop_status_release(&st);
	*strrchr(dir, '/') = '\0';
	remove_tree(dir);
}

/* The reason h refuses the record json for (NULL when it does not), the
 * check that refused it being want. */
static const char *refusal(sprout_held_out *h, const char *json, const char *want)
{
	static char why[1024];
	sprout_arena *a = sprout_arena_new(0);
	sprout_record r = make_record(a, json, "auto");
	sprout_error err = SPROUT_ERROR_INIT;
	const char *check;
	CHECK_INT(sprout_held_out_check(h, &r, &check, why, sizeof why, &err), SPROUT_OK);
	sprout_arena_free(a);
	if (!want) {
		CHECK(check == NULL);
		return NULL;
	}
	CHECK_STR(check, want);
	return why;
}

/* A record of a held-out set is refused by id (or parent, root), by its
 * text after normalisation, or as a near duplicate, the reason naming the
 * held-out record's file and line; another record passes. */
static void loop_held_out_refuses_held_records(void)
{
	char dir[256], valid[512];
	snprintf(dir, sizeof dir, "%s", temp_dir());
	put_file(dir, "valid.jsonl",
		 "{\"text\":\"where is my new card\",\"label\":\"card\","
		 "\"_sprout\":{\"id\":\"v1\"}}\n"
		 "{\"text\":\"My refund has not arrived yet!\",\"label\":\"refund\"}\n"
		 "{\"text\":\"the exchange rate applied to my transfer looks wrong\","
		 "\"label\":\"rate\"}\n");
	snprintf(valid, sizeof valid, "%s/valid.jsonl", dir);
	sprout_error err = SPROUT_ERROR_INIT;
	CHECK(sprout_held_out_new(0, &err) == NULL);
	CHECK_INT(err.code, SPROUT_ERR_USAGE);
	sprout_held_out *h = sprout_held_out_new(0.85, &err);
	CHECK(h != NULL);
	CHECK_INT(sprout_held_out_add_file(h, valid, NULL, &err), SPROUT_OK);
	CHECK_INT(sprout_held_out_count(h), 3);

	char want[1024];
	snprintf(want, sizeof want, "its _sprout.id v1 is the id of the held-out record %s:1",
		 valid);
	CHECK_STR(refusal(h,
			  "{\"text\":\"something else\",\"label\":\"card\","
			  "\"_sprout\":{\"id\":\"v1\"}}",
			  "held_out_id"),
		  want);
	const char *why = refusal(h,
				  "{\"text\":\"a variant\",\"label\":\"card\","
				  "\"_sprout\":{\"id\":\"x\",\"parent\":\"v1\"}}",
				  "held_out_id");
	CHECK(!strncmp(why, "its parent v1 ", 14));
	/* the same text, other case and punctuation */
	snprintf(want, sizeof want, "the same text as the held-out record %s:2", valid);
	CHECK_STR(refusal(h, "{\"text\":\"my refund has not arrived yet\",\"label\":\"refund\"}",
			  "held_out_text"),
		  want);
	why = refusal(h,
		      "{\"text\":\"the exchange rate applied to my transfer looks wrong to "
		      "me\",\"label\":\"rate\"}",
		      "held_out_near_duplicate");
	CHECK(strstr(why, "valid.jsonl:3") != NULL);
	CHECK(refusal(h, "{\"text\":\"how do I top up by card\",\"label\":\"top_up\"}", NULL) ==
	      NULL);
	sprout_held_out_free(h);
	remove_tree(dir);
}

/* Adding keeps the training file's lines as they were (blank ones left
 * out), appends what the check lets through and nothing until commit. */
static void loop_add_appends_but_held_out(void)
{
	char dir[256], train[512], held[512];
	snprintf(dir, sizeof dir, "%s", temp_dir());
	put_file(dir, "train.jsonl", "{\"text\": \"kept as written\", \"label\": \"a\"}\n\n");
	put_file(dir, "held.jsonl", "{\"text\":\"held out text\",\"label\":\"b\"}\n");
	snprintf(train, sizeof train, "%s/train.jsonl", dir);
	snprintf(held, sizeof held, "%s/held.jsonl", dir);
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_held_out *h = sprout_held_out_new(0.85, &err);
	CHECK_INT(sprout_held_out_add_file(h, held, NULL, &err), SPROUT_OK);
	sprout_arena *a = sprout_arena_new(0);
	sprout_record ok = make_record(a, "{\"text\":\"a new one\",\"label\":\"c\"}", "auto");
	sprout_record no = make_record(a, "{\"text\":\"Held out text.\",\"label\":\"b\"}", "auto");
	char why[512];
	const char *check;

	sprout_loop_adder *ad = sprout_loop_add_open(train, h, &err);
	CHECK(ad != NULL);
	CHECK_INT(sprout_loop_add_put(ad, &ok, &check, why, sizeof why, &err), SPROUT_OK);
	CHECK(check == NULL);
	sprout_loop_add_abort(ad); /* the file as it was */
	CHECK_STR(slurp(train, NULL), "{\"text\": \"kept as written\", \"label\": \"a\"}\n\n");

	ad = sprout_loop_add_open(train, h, &err);
	CHECK_INT(sprout_loop_add_put(ad, &ok, &check, why, sizeof why, &err), SPROUT_OK);
	CHECK_INT(sprout_loop_add_put(ad, &no, &check, why, sizeof why, &err), SPROUT_OK);
	CHECK_STR(check, "held_out_text");
	unsigned long kept, added, refused;
	sprout_loop_add_counts(ad, &kept, &added, &refused);
	CHECK_INT(kept, 1);
	CHECK_INT(added, 1);
	CHECK_INT(refused, 1);
	CHECK_INT(sprout_loop_add_commit(ad, &err), SPROUT_OK);
	CHECK_STR(slurp(train, NULL), "{\"text\": \"kept as written\", \"label\": \"a\"}\n"
				      "{\"text\":\"a new one\",\"label\":\"c\"}\n");
	/* a training file that does not exist yet starts empty */
	snprintf(train, sizeof train, "%s/new.jsonl", dir);
	ad = sprout_loop_add_open(train, NULL, &err);
	CHECK_INT(sprout_loop_add_put(ad, &no, &check, why, sizeof why, &err), SPROUT_OK);
	CHECK(check == NULL); /* no held-out set: nothing refused */
	CHECK_INT(sprout_loop_add_commit(ad, &err), SPROUT_OK);
	CHECK_STR(slurp(train, NULL), "{\"text\":\"Held out text.\",\"label\":\"b\"}\n");
	sprout_arena_free(a);
	sprout_held_out_free(h);
	remove_tree(dir);
}

SUITE(loop_tests) = {
    T(loop_status_counts_rounds),
    T(loop_status_without_a_folder),
    T(loop_held_out_refuses_held_records),
    T(loop_add_appends_but_held_out),
    {NULL, NULL},
};
