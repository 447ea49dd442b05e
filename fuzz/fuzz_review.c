/* fuzz_review - libFuzzer target for the bodies the review API reads:
 * POST /api/item/ID/decision (sprout_review_decide_json), POST
 * /api/item/ID/final (sprout_review_adjudicate_json) and a Label Studio
 * export (sprout_review_label_studio_import). A project of three items,
 * reviewers ann and bob (bob adjudicates), overlap 2, is made once in a
 * temporary folder; each input works on a fresh copy of it, so that no
 * input depends on the ones before. The first byte picks the call (0:
 * decide as ann, 1: decide as bob, 2: final as bob, 3: import) and, for
 * the first three, the item (1 to 4: 4 does not exist); the rest is the
 * body. Invariants: no crash, leak or UB; the call fails only with its
 * documented codes and a message, a conflict only with SPROUT_ERR_USAGE;
 * an unknown item is SPROUT_END; whatever was saved, the item, the
 * counts, the list, the disagreements and the stats are JSON that parses,
 * and the export gives each item once with JSON that parses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "sprout/meta.h"
#include "sprout/review.h"

static const char *const seeds[] = {
    "{\"instruction\":\"How do I reset my PIN?\",\"output\":\"In the app.\"}",
    "{\"instruction\":\"Where is my card?\",\"output\":\"On its way.\",\"label\":\"card\"}",
    "{\"instruction\":\"Close my account\",\"input\":\"now\",\"output\":\"Done.\"}",
};

static char template_[512], work_[512];

static void copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	CHECK(in && out);
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		CHECK(fwrite(buf, 1, n, out) == n);
	fclose(in);
	CHECK(fclose(out) == 0);
}

static void make_template(void)
{
	snprintf(template_, sizeof template_, "%s/template.sqlite", fuzz_dir());
	snprintf(work_, sizeof work_, "%s/work.sqlite", fuzz_dir());
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_review *rv = sprout_review_open(template_, 1, &err);
	CHECK(rv != NULL);
	sprout_arena *a = sprout_arena_new(0);
	sprout_format fmt = {SPROUT_FORMAT_ALPACA, {{0}}};
	sprout_record recs[3];
	for (int i = 0; i < 3; i++) {
		sprout_json *obj = NULL;
		CHECK(sprout_json_parse(a, seeds[i], strlen(seeds[i]), &obj, &err) == SPROUT_OK);
		recs[i] = (sprout_record){obj, &fmt, a, "seeds.jsonl", (unsigned long)i + 1};
		CHECK(sprout_meta_ensure(&recs[i], &err) == SPROUT_OK);
	}
	sprout_review_add_options o;
	sprout_review_add_options_init(&o);
	o.sample = SPROUT_SAMPLE_ALL;
	o.include_seeds = 1;
	sprout_review_added added;
	CHECK(sprout_review_add(rv, recs, 3, &o, &added, &err) == SPROUT_OK && added.queued == 3);
	CHECK(sprout_review_set_overlap(rv, 2, &err) == SPROUT_OK);
	char token[SPROUT_TOKEN_LEN + 1];
	CHECK(sprout_review_reviewer_add(rv, "ann", token, &err) == SPROUT_OK);
	CHECK(sprout_review_reviewer_add(rv, "bob", token, &err) == SPROUT_OK);
	CHECK(sprout_review_reviewer_set_role(rv, "bob", "adjudicator", &err) == SPROUT_OK);
	/* a decision each on item 1, so that it is a disagreement */
	static const char accept[] = "{\"decision\":\"accept\"}";
	static const char reject[] = "{\"decision\":\"reject\",\"reason\":\"off topic\"}";
	CHECK(sprout_review_decide_json(rv, 1, 1, accept, strlen(accept), NULL, &err) == SPROUT_OK);
	CHECK(sprout_review_decide_json(rv, 2, 1, reject, strlen(reject), NULL, &err) == SPROUT_OK);
	sprout_review_close(rv); /* the WAL goes into the file */
	sprout_arena_free(a);
}

static void parses(sprout_buf *b)
{
	sprout_arena *a = sprout_arena_new(0);
	sprout_json *v = NULL;
	sprout_error err = SPROUT_ERROR_INIT;
	if (sprout_json_parse(a, b->data ? b->data : "", b->len, &v, &err))
		fprintf(stderr, "fuzz_review: not JSON (%s): %.*s\n", err.msg,
			(int)(b->len < 2000 ? b->len : 2000), b->data ? b->data : "");
	CHECK(v != NULL);
	sprout_arena_free(a);
	sprout_buf_clear(b);
}

static int exported(void *ctx, sprout_review_outcome outcome, const char *record, size_t len,
		    const char *why)
{
	size_t *n = ctx;
	(*n)++;
	CHECK((unsigned)outcome <= SPROUT_OUTCOME_UNDECIDED);
	sprout_buf b = SPROUT_BUF_INIT((size_t)1 << 24);
	CHECK(sprout_buf_add(&b, record, len) == SPROUT_OK);
	parses(&b);
	sprout_buf_release(&b);
	if (why)
		fuzz_touch(why, strlen(why));
	return 0;
}

/* Everything the page and the export show reads back as JSON. */
static void shows(sprout_review *rv)
{
	sprout_buf b = SPROUT_BUF_INIT((size_t)1 << 26);
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_review_filter f = {NULL, NULL, NULL};
	for (long who = 1; who <= 2; who++) {
		for (long item = 1; item <= 3; item++) {
			sprout_code rc = sprout_review_item_json(rv, who, item, &b, &err);
			CHECK(rc == SPROUT_OK || rc == SPROUT_END);
			if (!rc)
				parses(&b);
			sprout_buf_clear(&b);
		}
		CHECK(sprout_review_counts_json(rv, who, &b, &err) == SPROUT_OK);
		parses(&b);
		CHECK(sprout_review_list_json(rv, who, &f, 0, 50, &b, &err) == SPROUT_OK);
		parses(&b);
	}
	CHECK(sprout_review_disagreements_json(rv, &b, &err) == SPROUT_OK);
	parses(&b);
	CHECK(sprout_review_stats_json(rv, &b, &err) == SPROUT_OK);
	parses(&b);
	CHECK(sprout_review_reviewers_json(rv, &b, &err) == SPROUT_OK);
	parses(&b);
	size_t n = 0;
	CHECK(sprout_review_export(rv, exported, &n, &err) == SPROUT_OK);
	CHECK(n == 3);
	sprout_buf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!template_[0])
		make_template();
	if (!size)
		return 0;
	char wal[600], shm[600];
	snprintf(wal, sizeof wal, "%s-wal", work_);
	snprintf(shm, sizeof shm, "%s-shm", work_);
	unlink(wal);
	unlink(shm);
	copy_file(template_, work_);
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_review *rv = sprout_review_open(work_, 0, &err);
	CHECK(rv != NULL);
	const char *body = (const char *)data + 1;
	size_t len = size - 1;
	int call = data[0] & 3;
	long item = (data[0] >> 2) % 4 + 1;
	sprout_code rc;
	int conflict = 0;
	if (call < 2) {
		rc = sprout_review_decide_json(rv, call + 1, item, body, len, &conflict, &err);
		CHECK(rc == SPROUT_OK || rc == SPROUT_ERR_USAGE || rc == SPROUT_END ||
		      rc == SPROUT_ERR_NOMEM);
		CHECK(!conflict || rc == SPROUT_ERR_USAGE);
	} else if (call == 2) {
		rc = sprout_review_adjudicate_json(rv, 2, item, body, len, &err);
		CHECK(rc == SPROUT_OK || rc == SPROUT_ERR_USAGE || rc == SPROUT_END ||
		      rc == SPROUT_ERR_NOMEM);
	} else {
		sprout_review_imported im;
		rc = sprout_review_label_studio_import(rv, body, len, &im, &err);
		CHECK(rc == SPROUT_OK || rc == SPROUT_ERR_JSON || rc == SPROUT_ERR_UTF8 ||
		      rc == SPROUT_ERR_RECORD || rc == SPROUT_ERR_NOMEM);
		if (!rc)
			CHECK(im.decisions + im.skipped <= im.annotations &&
			      im.replaced <= im.decisions);
	}
	if (call < 3 && item == 4)
		CHECK(rc != SPROUT_OK);
	if (rc && rc != SPROUT_END)
		fuzz_check_error(&err, rc);
	shows(rv);
	sprout_review_close(rv);
	return 0;
}
