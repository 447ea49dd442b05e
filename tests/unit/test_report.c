#include <math.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sprout/hash.h"
#include "sprout/report.h"
#include "test.h"
#include "util.h"

#define CHECK_NEAR(got, want)                                                                      \
	do {                                                                                       \
		double g_ = (got), w_ = (want);                                                    \
		if (!(fabs(g_ - w_) < 1e-9))                                                       \
			test_fail(__FILE__, __LINE__, "%s: got %.12g, want %.12g", #got, g_, w_);  \
	} while (0)

/* A record with its prompt under "text"; meta is the _sprout object or "". */
static void add(sprout_report *r, sprout_arena *a, const char *text, const char *meta)
{
	char json[1024];
	if (meta[0])
		snprintf(json, sizeof json, "{\"text\":\"%s\",\"_sprout\":%s}", text, meta);
	else
		snprintf(json, sizeof json, "{\"text\":\"%s\"}", text);
	sprout_record rec = make_record(a, json, "prompt=text,label=label");
	sprout_error err = SPROUT_ERROR_INIT;
	CHECK_INT(sprout_report_add(r, &rec, &err), SPROUT_OK);
}

#define SEED	"{\"id\":\"a\",\"method\":\"seed\"}"
#define VARIANT "{\"id\":\"b\",\"parent\":\"a\",\"method\":\"augment.synonym\"}"

static void ks_statistic_hand_computed(void)
{
	/* pooled points 1..7: F1 .25 .5 .75 1 1 1 1, F2 0 0 .2 .4 .6 .8 1 */
	double a[] = {4, 2, 1, 3}, b[] = {7, 3, 6, 4, 5};
	CHECK_NEAR(sprout_ks_statistic(a, 4, b, 5), 0.6);
	/* ties: at 1: .25 vs 0; at 2: .75 vs 2/3; at 3: 1 vs 2/3; at 4: 1 vs 1 */
	double c[] = {2, 1, 3, 2}, d[] = {2, 4, 2};
	CHECK_NEAR(sprout_ks_statistic(c, 4, d, 3), 1.0 / 3);
	double e[] = {5, 5, 1}, f[] = {1, 5, 5};
	CHECK_NEAR(sprout_ks_statistic(e, 3, f, 3), 0);
	double g[] = {1, 2}, h[] = {3};
	CHECK_NEAR(sprout_ks_statistic(g, 2, h, 1), 1);
	CHECK_NEAR(sprout_ks_statistic(g, 2, h, 0), 0);
}

static void distinct_n_vocabulary_and_shift_hand_computed(void)
{
	sprout_arena *a = sprout_arena_new(0);
	sprout_report *r = sprout_report_new(NULL);
	/* real: "the cat sat on the mat" (6 words, bigrams the cat, cat sat,
	 * sat on, on the, the mat) and "The cat, the dog." (4 words; the comma
	 * breaks the pair: bigrams the cat, the dog) */
	add(r, a, "the cat sat on the mat", SEED);
	add(r, a, "The cat, the dog.", "");
	/* synthetic: 3 words, 1 distinct; bigrams cat cat x2, 1 distinct */
	add(r, a, "cat  cat Cat", VARIANT);
	sprout_report_summary s;
	sprout_error err = SPROUT_ERROR_INIT;
	CHECK_INT(sprout_report_summarize(r, &s, &err), SPROUT_OK);
	CHECK_INT(s.records, 3);
	CHECK_INT(s.real, 2);
	CHECK_INT(s.synthetic, 1);
	const sprout_report_slot *p = &s.slots[0];
	CHECK_INT(p->slot, SPROUT_SLOT_PROMPT);
	CHECK(p->present && p->compared);
	CHECK(!s.slots[1].present);
	CHECK_INT(p->real.texts, 2);
	CHECK_INT(p->real.tokens, 10);
	CHECK_INT(p->real.vocabulary, 6); /* the cat sat on mat dog */
	CHECK_INT(p->real.bigrams, 7);
	CHECK_INT(p->real.distinct_bigrams, 6);
	CHECK_NEAR(p->real.distinct_1, 0.6);
	CHECK_NEAR(p->real.distinct_2, 6.0 / 7);
	CHECK_INT(p->real.words_min, 4);
	CHECK_INT(p->real.words_median, 4);
	CHECK_INT(p->real.words_max, 6);
	CHECK_NEAR(p->real.words_mean, 5);
	CHECK_INT(p->synthetic.tokens, 3);
	CHECK_INT(p->synthetic.vocabulary, 1);
	CHECK_NEAR(p->synthetic.distinct_1, 1.0 / 3);
	CHECK_NEAR(p->synthetic.distinct_2, 0.5);
	/* lengths {6, 4} vs {3}: disjoint */
	CHECK_NEAR(p->ks, 1);
	/* seen twice: real {the, cat}, synthetic {cat}: Jaccard 1/2 */
	CHECK_NEAR(p->vocab_shift, 0.5);
	CHECK(p->ks_drift);
	CHECK(!p->vocab_drift); /* 0.5 is not above 0.5 */
	CHECK(s.drift);
	sprout_report_free(r);
	sprout_arena_free(a);
}

static void drift_alarm_on_and_off(void)
{
	sprout_arena *a = sprout_arena_new(0);
	sprout_report_summary s;
	sprout_error err = SPROUT_ERROR_INIT;

	/* the same text on both sides: nothing drifts */
	sprout_report *r = sprout_report_new(NULL);
	add(r, a, "reset my card pin", SEED);
	add(r, a, "reset my card pin", SEED);
	add(r, a, "reset my card pin", VARIANT);
	add(r, a, "reset my card pin", VARIANT);
	CHECK_INT(sprout_report_summarize(r, &s, &err), SPROUT_OK);
	CHECK_NEAR(s.slots[0].ks, 0);
	CHECK_NEAR(s.slots[0].vocab_shift, 0);
	CHECK(!s.drift);
	sprout_buf b = SPROUT_BUF_INIT(1 << 22);
	CHECK_INT(sprout_report_html(r, &b, &err), SPROUT_OK);
	CHECK(strstr(b.data, "class=\"banner ok\"") != NULL);
	CHECK(strstr(b.data, "banner alarm") == NULL);
	sprout_report_free(r);

	/* other words, other lengths: both measures drift */
	r = sprout_report_new(NULL);
	add(r, a, "reset my card pin", SEED);
	add(r, a, "reset my card pin", SEED);
	add(r, a, "kindly delve into the tapestry of banking", VARIANT);
	add(r, a, "kindly delve into the tapestry of banking", VARIANT);
	CHECK_INT(sprout_report_summarize(r, &s, &err), SPROUT_OK);
	CHECK_NEAR(s.slots[0].ks, 1);
	CHECK_NEAR(s.slots[0].vocab_shift, 1);
	CHECK(s.slots[0].ks_drift && s.slots[0].vocab_drift && s.drift);
	sprout_buf_clear(&b);
	CHECK_INT(sprout_report_html(r, &b, &err), SPROUT_OK);
	CHECK(strstr(b.data, "class=\"banner alarm\"") != NULL);
	CHECK(strstr(b.data, "prompt length: KS D = <b>1.000</b>, above the limit 0.30") != NULL);
	CHECK(strstr(b.data, "prompt vocabulary: shift = <b>1.000</b>") != NULL);
	sprout_buf_clear(&b);
	CHECK_INT(sprout_report_json(r, &b, &err), SPROUT_OK);
	CHECK(strstr(b.data, "\"drift\":{\"alarm\":true,\"ks_threshold\":0.3000,"
			     "\"vocab_threshold\":0.5000,\"checks\":[{\"slot\":\"prompt\","
			     "\"measure\":\"length_ks\",\"value\":1.0000,\"threshold\":0.3000,"
			     "\"drift\":true},{\"slot\":\"prompt\",\"measure\":\"vocab_shift\","
			     "\"value\":1.0000,\"threshold\":0.5000,\"drift\":true}]}") != NULL);
	sprout_report_free(r);

	/* the thresholds decide: D = 1 is not above 1 */
	sprout_report_options o = SPROUT_REPORT_OPTIONS_INIT;
	o.drift_ks = 1;
	o.drift_vocab = 1;
	r = sprout_report_new(&o);
	add(r, a, "reset my card pin", SEED);
	add(r, a, "kindly delve into the tapestry of banking", VARIANT);
	CHECK_INT(sprout_report_summarize(r, &s, &err), SPROUT_OK);
	CHECK(!s.drift);
	sprout_report_free(r);

	/* only real records: nothing to compare, no alarm */
	r = sprout_report_new(NULL);
	add(r, a, "reset my card pin", SEED);
	CHECK_INT(sprout_report_summarize(r, &s, &err), SPROUT_OK);
	CHECK(!s.slots[0].compared && !s.drift);
	sprout_buf_clear(&b);
	CHECK_INT(sprout_report_html(r, &b, &err), SPROUT_OK);
	CHECK(strstr(b.data, "class=\"banner none\"") != NULL);
	sprout_report_free(r);
	sprout_buf_release(&b);
	sprout_arena_free(a);
}

static void log_odds_value_and_ordering(void)
{
	/* ps/(1-ps) = 4/(10+5-3-1), pr/(1-pr) = 1/(10+5-0-1): log(56/11) */
	CHECK_NEAR(sprout_log_odds_ratio(3, 10, 0, 10, 5), log(56.0 / 11));
	CHECK(sprout_log_odds_ratio(5, 100, 5, 100, 50) == 0);
	CHECK(sprout_log_odds_ratio(5, 100, 10, 100, 50) < 0);

	sprout_arena *a = sprout_arena_new(0);
	sprout_report *r = sprout_report_new(NULL);
	add(r, a, "old a b c d", SEED);
	/* new 4x (real 0), zed 4x (real 0: ties with new, after it by text),
	 * old 4x (real 1: lower), more 5x (real 0: first), rare 2x (too few) */
	add(r, a, "new new new new old old old old rare rare", VARIANT);
	add(r, a, "zed zed zed zed more more more more more", VARIANT);
	sprout_report_term t[15];
	size_t n = sprout_report_over(r, SPROUT_SLOT_PROMPT, 1, t, 15);
	CHECK_INT(n, 4);
	CHECK_STR(t[0].text, "more");
	CHECK_STR(t[1].text, "new");
	CHECK_STR(t[2].text, "zed");
	CHECK_STR(t[3].text, "old");
	CHECK_INT(t[1].synthetic, 4);
	CHECK_INT(t[1].real, 0);
	CHECK_INT(t[3].real, 1);
	/* ns = 19 synthetic words, nr = 5 real, v = 9 distinct */
	CHECK_NEAR(t[1].log_odds, sprout_log_odds_ratio(4, 19, 0, 5, 9));
	CHECK(t[0].log_odds > t[1].log_odds && t[1].log_odds == t[2].log_odds &&
	      t[2].log_odds > t[3].log_odds);
	/* a shorter list keeps the best */
	CHECK_INT(sprout_report_over(r, SPROUT_SLOT_PROMPT, 1, t, 2), 2);
	CHECK_STR(t[0].text, "more");
	CHECK_STR(t[1].text, "new");
	/* phrases: "new new" 3x, "zed zed" 3x, "more more" 4x, "old old" 3x */
	n = sprout_report_over(r, SPROUT_SLOT_PROMPT, 2, t, 15);
	CHECK_INT(n, 4);
	CHECK_STR(t[0].text, "more more");
	CHECK_STR(t[1].text, "new new");
	CHECK_INT(sprout_report_over(r, SPROUT_SLOT_RESPONSE, 1, t, 15), 0);
	sprout_report_free(r);
	sprout_arena_free(a);
}

static void html_escapes_record_text(void)
{
	sprout_buf b = SPROUT_BUF_INIT(1 << 22);
	CHECK_INT(sprout_html_escape(&b, "<a href='x'>\"Tom & Jerry\"</a>", 29), SPROUT_OK);
	CHECK_STR(b.data, "&lt;a href=&#39;x&#39;&gt;&quot;Tom &amp; Jerry&quot;&lt;/a&gt;");

	sprout_arena *a = sprout_arena_new(0);
	sprout_report_options o = SPROUT_REPORT_OPTIONS_INIT;
	o.title = "<i>mine</i>";
	sprout_report *r = sprout_report_new(&o);
	sprout_error err = SPROUT_ERROR_INIT;
	const char *recs[] = {
	    "{\"text\":\"hi <b>there</b>\",\"label\":\"<script>alert(1)</script>\"}",
	    "{\"text\":\"<script>x</script> <script>x</script> <script>x</script>\","
	    "\"label\":\"<script>alert(1)</script>\",\"_sprout\":{\"id\":\"b\",\"parent\":\"a\","
	    "\"method\":\"<img src=x "
	    "onerror=alert(1)>\",\"review\":[{\"decision\":\"<u>ok</u>\"}]}}",
	};
	for (int i = 0; i < 2; i++) {
		sprout_record rec = make_record(a, recs[i], "classification");
		CHECK_INT(sprout_report_add(r, &rec, &err), SPROUT_OK);
	}
	sprout_json *rej = parse_ok(a, "{\"stage\":\"filter\",\"check\":\"<svg onload=x>\"}");
	CHECK_INT(sprout_report_add_rejects_file(r, "rej<1>.jsonl"), SPROUT_OK);
	CHECK_INT(sprout_report_add_reject(r, rej, &err), SPROUT_OK);
	CHECK_INT(sprout_report_set_manifest(r, "m\".json", NULL, NULL, &err), SPROUT_OK);
	sprout_buf_clear(&b);
	CHECK_INT(sprout_report_html(r, &b, &err), SPROUT_OK);
	CHECK(strstr(b.data, "&lt;script&gt;alert(1)&lt;/script&gt;") != NULL);
	CHECK(strstr(b.data, "&lt;img src=x onerror=alert(1)&gt;") != NULL);
	CHECK(strstr(b.data, "&lt;u&gt;ok&lt;/u&gt;") != NULL);
	CHECK(strstr(b.data, "&lt;svg onload=x&gt;") != NULL);
	CHECK(strstr(b.data, "<title>&lt;i&gt;mine&lt;/i&gt;</title>") != NULL);
	CHECK(strstr(b.data, "href=\"m&quot;.json\"") != NULL);
	CHECK(strstr(b.data, "rej&lt;1&gt;.jsonl") != NULL);
	/* the over-represented word list holds "script" (not markup) */
	CHECK(strstr(b.data, "<td>script</td>") != NULL);
	CHECK(strstr(b.data, "<script") == NULL);
	CHECK(strstr(b.data, "<img") == NULL);
	CHECK(strstr(b.data, "<u>") == NULL);
	CHECK(strstr(b.data, "<i>mine") == NULL);
	CHECK(strstr(b.data, "<b>there") == NULL);
	/* and it is the same page every time */
	sprout_buf c = SPROUT_BUF_INIT(1 << 22);
	CHECK_INT(sprout_report_html(r, &c, &err), SPROUT_OK);
	CHECK(b.len == c.len && memcmp(b.data, c.data, b.len) == 0);
	sprout_buf_release(&c);
	sprout_buf_release(&b);
	sprout_report_free(r);
	sprout_arena_free(a);
}

static void rejects_manifest_labels_pii_review_json(void)
{
	sprout_arena *a = sprout_arena_new(0);
	sprout_report *r = sprout_report_new(NULL);
	sprout_error err = SPROUT_ERROR_INIT;
	const char *recs[] = {
	    "{\"text\":\"mail me at a@example.com\",\"label\":\"x\"}",
	    "{\"text\":\"call 555-123-4567 now\",\"label\":\"y\",\"_sprout\":{\"id\":\"b\","
	    "\"parent\":\"a\",\"method\":\"generate.paraphrase\",\"scores\":{\"similarity\":0.95},"
	    "\"review\":[{\"decision\":\"accept\"},{\"decision\":\"reject\"}]}}",
	    "{\"text\":\"hello\",\"label\":\"x\",\"_sprout\":{\"id\":\"c\",\"parent\":\"a\","
	    "\"method\":\"seed\",\"scores\":{\"similarity\":1.0},\"review\":[{\"decision\":"
	    "\"accept\"}]}}",
	    "{\"text\":\"hi\",\"label\":\"x\",\"_sprout\":{\"id\":\"d\",\"parent\":\"a\","
	    "\"scores\":{\"similarity\":0.05}}}",
	};
	for (int i = 0; i < 4; i++) {
		sprout_record rec = make_record(a, recs[i], "classification");
		CHECK_INT(sprout_report_add(r, &rec, &err), SPROUT_OK);
	}
	const char *rejs[] = {
	    "{\"stage\":\"filter\",\"check\":\"similarity\",\"record\":{\"text\":\"t\","
	    "\"_sprout\":{\"parent\":\"a\",\"method\":\"generate.paraphrase\"}}}",
	    "{\"stage\":\"filter\",\"check\":\"similarity\",\"record\":{\"text\":\"t\"}}",
	    "{\"stage\":\"read\",\"error\":\"json\",\"raw\":\"{\"}",
	    "{}",
	};
	for (int i = 0; i < 4; i++)
		CHECK_INT(sprout_report_add_reject(r, parse_ok(a, rejs[i]), &err), SPROUT_OK);
	CHECK_INT(sprout_report_add_reject(r, parse_ok(a, "[1]"), &err), SPROUT_ERR_RECORD);

	const char *bad_in = "{\"stages\":[{\"name\":\"x\",\"in\":1.5}]}";
	CHECK_INT(sprout_report_set_manifest(r, "m.json", NULL, parse_ok(a, bad_in), &err),
		  SPROUT_ERR_RECORD);
	CHECK_STR(err.msg, "manifest stage 1: \"in\" must be a non-negative whole number");
	CHECK_INT(
	    sprout_report_set_manifest(r, "m.json", NULL, parse_ok(a, "{\"stages\":[3]}"), &err),
	    SPROUT_ERR_RECORD);
	/* a stage shows under its "stage" label when it has one (sprout run) */
	const char *good = "{\"stages\":[{\"name\":\"gen\",\"in\":2,\"out\":8},{\"stage\":"
			   "\"02-filter\",\"name\":\"filter\",\"in\":8,\"out\":4,\"rejected\":4}]}";
	CHECK_INT(sprout_report_set_manifest(r, "m.json", "../m.json", parse_ok(a, good), &err),
		  SPROUT_OK);
	sprout_buf b = SPROUT_BUF_INIT(1 << 22);
	CHECK_INT(sprout_report_json(r, &b, &err), SPROUT_OK);
	CHECK(strstr(b.data, "\"records\":4,\"real\":2,\"synthetic\":2,\"rejected\":4,") != NULL);
	CHECK(strstr(b.data,
		     "\"manifest\":{\"path\":\"m.json\",\"stages\":[{\"name\":\"gen\","
		     "\"in\":2,\"out\":8,\"rejected\":null},{\"name\":\"02-filter\",\"in\":8,"
		     "\"out\":4,\"rejected\":4}]}") != NULL);
	/* by records, then rejected, then name */
	CHECK(strstr(b.data,
		     "\"methods\":[{\"method\":\"seed\",\"records\":2,\"rejected\":1},"
		     "{\"method\":\"unknown\",\"records\":1,\"rejected\":2},"
		     "{\"method\":\"generate.paraphrase\",\"records\":1,\"rejected\":1}]") != NULL);
	CHECK(strstr(b.data, "\"rejections\":{\"by_check\":{\"similarity\":2,\"read:json\":1,"
			     "\"unknown\":1},\"by_method\":{\"unknown\":2,\"seed\":1,"
			     "\"generate.paraphrase\":1}}") != NULL);
	CHECK(strstr(b.data, "\"similarity\":{\"scored\":3,\"mean\":0.6667,\"bins\":[1,0,0,0,0,0,0,"
			     "0,0,2]}") != NULL);
	CHECK(strstr(b.data, "\"labels\":{\"distinct\":2,\"counts\":[{\"label\":\"x\",\"real\":2,"
			     "\"all\":3},{\"label\":\"y\",\"real\":0,\"all\":1}]}") != NULL);
	CHECK(strstr(b.data,
		     "\"pii\":{\"records\":2,\"by_kind\":{\"email\":1,\"phone\":1,\"card\":0,"
		     "\"iban\":0,\"ssn\":0,\"ip\":0}}") != NULL);
	CHECK(strstr(b.data, "\"review\":{\"accept\":2,\"reject\":1}}\n") != NULL);
	sprout_buf_clear(&b);
	CHECK_INT(sprout_report_html(r, &b, &err), SPROUT_OK);
	CHECK(strstr(b.data, "manifest: <a href=\"../m.json\">m.json</a>") != NULL);
	CHECK(strstr(b.data, "<tr><td>02-filter</td><td class=\"r\">8</td><td class=\"r\">4</td>"
			     "<td class=\"r\">4</td></tr>") != NULL);
	sprout_buf_release(&b);
	sprout_report_free(r);
	sprout_arena_free(a);
}

/* ---- the whole of sprout report (sprout_report_run) ---------------------- */

static void put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	CHECK(f != NULL);
	fputs(text, f);
	CHECK(fclose(f) == 0);
}

/* What sprout_report_run told, and how often it read. */
struct told {
	char lines[8][256];
	int nnotes, nwarns, nprogress;
};

static void told_note(void *ctx, const char *line)
{
	struct told *t = ctx;
	if (t->nnotes + t->nwarns < 8)
		snprintf(t->lines[t->nnotes + t->nwarns], sizeof t->lines[0], "note %s", line);
	t->nnotes++;
}

static void told_warn(void *ctx, const char *line)
{
	struct told *t = ctx;
	if (t->nnotes + t->nwarns < 8)
		snprintf(t->lines[t->nnotes + t->nwarns], sizeof t->lines[0], "warn %s", line);
	t->nwarns++;
}

static void told_progress(void *ctx, sprout_source *src)
{
	struct told *t = ctx;
	CHECK(src != NULL);
	t->nprogress++;
}

/* A seed and two variants, one rejected variant, and a run manifest in a
 * folder beside the page. */
static void report_inputs(const char *dir, char data[][256])
{
	snprintf(data[0], 256, "%s/data.jsonl", dir);
	snprintf(data[1], 256, "%s/filter.rejects.jsonl", dir);
	snprintf(data[2], 256, "%s/empty.rejects.jsonl", dir);
	snprintf(data[3], 256, "%s/run", dir);
	CHECK(mkdir(data[3], 0777) == 0);
	snprintf(data[3], 256, "%s/run/manifest.json", dir);
	put_file(data[0], "{\"text\":\"how do I reset my card pin\",\"_sprout\":{\"id\":\"a\"}}\n"
			  "{\"text\":\"how can I reset my card pin\",\"_sprout\":{\"id\":\"b\","
			  "\"parent\":\"a\",\"method\":\"augment.synonym\"}}\n"
			  "{\"text\":\"how do I reset my bank card pin\",\"_sprout\":{\"id\":\"c\","
			  "\"parent\":\"a\",\"method\":\"augment.insert\"}}\n");
	put_file(data[1], "{\"stage\":\"filter\",\"check\":\"similarity\",\"score\":0.2,"
			  "\"record\":{\"text\":\"pin\",\"_sprout\":{\"parent\":\"a\","
			  "\"method\":\"augment.swap\"}}}\n");
	put_file(data[2], "");
	put_file(data[3], "{\"stages\":[{\"name\":\"filter\",\"in\":4,\"out\":3,\"rejected\":1}]}");
}

static sprout_stage *report_stage(void)
{
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_stage *s = sprout_stage_new(sprout_stage_find("report"), &err);
	CHECK(s != NULL);
	return s;
}

static void run_writes_page_and_json_measured(void)
{
	const char *dir = temp_dir();
	char in[4][256], html[256], json[256];
	report_inputs(dir, in);
	snprintf(html, sizeof html, "%s/page.html", dir);
	snprintf(json, sizeof json, "%s/page.json", dir);
	sprout_stage *s = report_stage();
	sprout_error err = SPROUT_ERROR_INIT;
	/* as sprout run would give them: the recipe's, then its own */
	CHECK_INT(sprout_stage_set(s, "title", "Cards", &err), SPROUT_OK);
	CHECK_INT(sprout_stage_set(s, "rejects", in[1], &err), SPROUT_OK);
	CHECK_INT(sprout_stage_set(s, "rejects", in[2], &err), SPROUT_OK);
	CHECK_INT(sprout_stage_set(s, "manifest", in[3], &err), SPROUT_OK);
	struct told t;
	memset(&t, 0, sizeof t);
	sprout_report_tell tell = {&t, told_note, told_warn, told_progress};
	sprout_report_result res;
	const char *inputs[] = {in[0]};
	CHECK_INT(sprout_report_run(s, inputs, 1, html, &tell, &res, &err), SPROUT_OK);
	CHECK_INT(t.nprogress, 3);
	CHECK_INT(res.summary.records, 3);
	CHECK_INT(res.summary.real, 1);
	CHECK_INT(res.summary.synthetic, 2);
	CHECK_INT(res.summary.rejected, 1);
	CHECK_INT(res.drift_fails, 0);
	/* the page, then its JSON twin, each hashed while written */
	CHECK_INT(res.nfiles, 2);
	CHECK_STR(res.files[0].path, html);
	CHECK_STR(res.files[1].path, json);
	for (size_t k = 0; k < 2; k++) {
		char hex[SPROUT_HASH_HEX];
		unsigned long long bytes = 0;
		CHECK_INT(sprout_hash_file(res.files[k].path, hex, &bytes, &err), SPROUT_OK);
		CHECK_STR(res.files[k].w.hash, hex);
		CHECK_INT(res.files[k].w.bytes, bytes);
		CHECK(bytes > 100);
	}
	size_t n;
	const char *page = slurp(json, &n);
	CHECK(page != NULL);
	CHECK(strstr(page, "\"title\":\"Cards\"") != NULL);
	CHECK(strstr(page, "\"records\":3,\"real\":1,\"synthetic\":2,\"rejected\":1,") != NULL);
	CHECK(strstr(page, "\"by_check\":{\"similarity\":1}") != NULL);
	char files[700];
	snprintf(files, sizeof files, "\"rejects_files\":[\"%s\",\"%s\"]", in[1], in[2]);
	CHECK(strstr(page, files) != NULL);
	CHECK(strstr(page, "{\"name\":\"filter\",\"in\":4,\"out\":3,\"rejected\":1}") != NULL);
	/* the page links to the manifest relative to its own folder */
	page = slurp(html, &n);
	CHECK(page != NULL);
	CHECK(strstr(page, "<a href=\"run/manifest.json\">") != NULL);
	sprout_report_result_release(&res);
	CHECK_INT(res.nfiles, 0);

	/* json alone, to the file given; a drift alarm that fails the run is
	 * told through warn, after the file is written */
	sprout_stage_free(s);
	s = report_stage();
	CHECK_INT(sprout_stage_set(s, "json", NULL, &err), SPROUT_OK);
	CHECK_INT(sprout_stage_set(s, "drift-vocab", "0", &err), SPROUT_OK);
	CHECK_INT(sprout_stage_set(s, "drift-ks", "1", &err), SPROUT_OK);
	CHECK_INT(sprout_stage_set(s, "fail-on-drift", NULL, &err), SPROUT_OK);
	snprintf(json, sizeof json, "%s/numbers.out", dir);
	memset(&t, 0, sizeof t);
	CHECK_INT(sprout_report_run(s, inputs, 1, json, &tell, &res, &err), SPROUT_OK);
	CHECK_INT(res.nfiles, 1);
	CHECK_STR(res.files[0].path, json);
	CHECK(slurp(json, &n) != NULL && strstr(slurp(json, &n), "\"records\":3") != NULL);
	CHECK_INT(res.drift_fails, 1);
	CHECK_INT(t.nnotes, 0);
	CHECK_INT(t.nwarns, 1);
	CHECK(strncmp(t.lines[0], "warn drift alarm: prompt vocabulary shift ", 42) == 0);
	sprout_report_result_release(&res);
	sprout_stage_free(s);
	/* without fail-on-drift the same alarm is a note */
	s = report_stage();
	CHECK_INT(sprout_stage_set(s, "drift-vocab", "0", &err), SPROUT_OK);
	CHECK_INT(sprout_stage_set(s, "drift-ks", "1", &err), SPROUT_OK);
	memset(&t, 0, sizeof t);
	CHECK_INT(sprout_report_run(s, inputs, 1, html, &tell, &res, &err), SPROUT_OK);
	CHECK_INT(res.drift_fails, 0);
	CHECK_INT(t.nnotes, 1);
	CHECK_INT(t.nwarns, 0);
	sprout_report_result_release(&res);
	sprout_stage_free(s);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
}

static void run_options_and_refusals_as_the_command_line(void)
{
	sprout_stage *s = report_stage();
	sprout_error err = SPROUT_ERROR_INIT;
	/* the messages of the command line (tests/cli/cases/report-errors) */
	static const char *const wrong[][3] = {
	    {"drift-ks", "2", "--drift-ks: expected a number between 0 and 1, got '2'"},
	    {"drift-vocab", "abc", "--drift-vocab: expected a number between 0 and 1, got 'abc'"},
	    {"max-record", "0",
	     "--max-record: '0' is not a size (a positive number with an optional K, M or G "
	     "suffix)"},
	    {"map", "prompt",
	     "--map 'prompt': expected SLOT=KEY pairs, like prompt=question,response=answer"},
	    {"on-error", "skip", "unknown option 'on-error' for stage report"},
	};
	for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
		CHECK_INT(sprout_stage_set(s, wrong[i][0], wrong[i][1], &err), SPROUT_ERR_USAGE);
		CHECK_STR(err.msg, wrong[i][2]);
	}
	CHECK_INT(sprout_stage_set(s, "json", "yes", &err), SPROUT_ERR_USAGE);
	/* a page, not records: it is not opened */
	const sprout_stage_def *d = sprout_stage_find("report");
	CHECK(sprout_stage_flags(d) & SPROUT_STAGE_WRITES);
	CHECK(sprout_stage_outputs(d)[0] == NULL);
	CHECK_STR(sprout_stage_option(d, "format")->arg, "FORMAT");
	CHECK_INT(sprout_stage_option(d, "format")->shortopt, 'f');
	CHECK(sprout_stage_option(d, "rejects")->flags & SPROUT_OPT_REPEAT);
	sprout_sink sink = {.keep = NULL};
	CHECK_INT(sprout_stage_open(s, &sink, &err), SPROUT_ERR_USAGE);

	const char *dir = temp_dir();
	char in[4][256], bad[300], html[300];
	report_inputs(dir, in);
	const char *inputs[] = {in[0]};
	sprout_report_result res;
	/* never over what it reads */
	CHECK_INT(sprout_stage_set(s, "manifest", in[3], &err), SPROUT_OK);
	CHECK_INT(sprout_report_run(s, inputs, 1, in[0], NULL, &res, &err), SPROUT_ERR_USAGE);
	char want[400];
	snprintf(want, sizeof want, "refusing to write the report over the input '%s'", in[0]);
	CHECK_STR(err.msg, want);
	CHECK_INT(sprout_report_run(s, inputs, 1, in[3], NULL, &res, &err), SPROUT_ERR_USAGE);
	CHECK(strstr(err.msg, "over the manifest") != NULL);
	sprout_stage_free(s);
	/* a bad manifest: located, and nothing written */
	snprintf(bad, sizeof bad, "%s/bad.json", dir);
	put_file(bad, "{\"stages\":[{\"name\":\"x\",\"out\":-1}]}");
	snprintf(html, sizeof html, "%s/page.html", dir);
	s = report_stage();
	CHECK_INT(sprout_stage_set(s, "manifest", bad, &err), SPROUT_OK);
	CHECK_INT(sprout_report_run(s, inputs, 1, html, NULL, &res, &err), SPROUT_ERR_RECORD);
	CHECK_STR(err.file, bad);
	CHECK_STR(err.msg, "manifest stage 1: \"out\" must be a non-negative whole number");
	CHECK_INT(res.nfiles, 0);
	CHECK(access(html, F_OK) != 0);
	sprout_stage_free(s);
	/* a bad record of DATA stops it, with its line */
	put_file(in[0], "{\"text\":\"fine\"}\n{\"text\":3}\n");
	s = report_stage();
	CHECK_INT(sprout_report_run(s, inputs, 1, html, NULL, &res, &err), SPROUT_ERR_SLOT);
	CHECK_STR(err.file, in[0]);
	CHECK_INT(err.line, 2);
	CHECK(access(html, F_OK) != 0);
	sprout_stage_free(s);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
}

SUITE(report_tests) = {
    T(ks_statistic_hand_computed),
    T(distinct_n_vocabulary_and_shift_hand_computed),
    T(drift_alarm_on_and_off),
    T(log_odds_value_and_ordering),
    T(html_escapes_record_text),
    T(rejects_manifest_labels_pii_review_json),
    T(run_writes_page_and_json_measured),
    T(run_options_and_refusals_as_the_command_line),
    {NULL, NULL},
};
