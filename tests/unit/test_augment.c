/* Augmentation on real sentences: the Self-Instruct seed instructions and
 * the Banking77 utterances in examples/, plus texts full of protected spans. */
#include <stdlib.h>

#include "test.h"
#include "util.h"

#include "sprout/augment.h"
#include "sprout/text.h"

static const char *const tricky[] = {
    "Send {{name}} the file report_v2.pdf from https://example.com/x today, it costs $5.",
    "Please rewrite `print(x)` so it prints \"hello world\" and uses %s for the name.",
    "Explain why 700-1000 calories at 3:30 is a lot for ${USER} on 1/2 rations.",
    "Translate 'bonjour' into English and reply to @support with #refund in [TICKET].",
    "I can't find my card, where is it? Contact me at jane.doe@example.org please.",
};

/* The prompts of an examples file, via the library's own reader. */
static char **load(const char *path, size_t *n)
{
	sprout_error err = SPROUT_ERROR_INIT;
	const char *paths[] = {path};
	sprout_source *src = sprout_source_open(paths, 1, NULL, &err);
	CHECK(src != NULL);
	size_t cap = 1024, k = 0;
	char **v = malloc(cap * sizeof *v);
	sprout_record r;
	while (sprout_source_next(src, &r, &err) == SPROUT_OK && k < cap) {
		sprout_text t;
		CHECK(sprout_record_get(&r, SPROUT_SLOT_PROMPT, &t));
		v[k++] = strndup(t.s, t.len);
	}
	sprout_source_close(src);
	*n = k;
	return v;
}

static sprout_augmenter *augmenter(void)
{
	sprout_augment_options o;
	sprout_augment_options_init(&o);
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_augmenter *g = sprout_augmenter_new(&o, &err);
	if (!g)
		test_fail(__FILE__, __LINE__, "%s", err.msg);
	return g;
}

/* Count of each protected span of `in` found in `out`, at least as often. */
static void check_protected(const char *in, const char *out, const char *method)
{
	sprout_arena *a = sprout_arena_new(0);
	sprout_tokens t;
	sprout_tokenize(a, in, strlen(in), &t);
	for (size_t i = 0; i < t.n; i++) {
		if (t.v[i].kind != SPROUT_TOK_PROTECTED)
			continue;
		char *span = strndup(in + t.v[i].off, t.v[i].len);
		size_t want = 0, got = 0;
		for (const char *p = in; (p = strstr(p, span)); p++)
			want++;
		for (const char *p = out; (p = strstr(p, span)); p++)
			got++;
		if (got < want)
			test_fail(__FILE__, __LINE__, "%s lost %s:\n  in  %s\n  out %s", method,
				  span, in, out);
		free(span);
	}
	sprout_arena_free(a);
}

/* The punctuation marks of a text, in order. */
static const char *puncts(const char *s)
{
	static char out[2][512];
	static int k;
	char *o = out[k++ % 2];
	size_t n = 0;
	sprout_arena *a = sprout_arena_new(0);
	sprout_tokens t;
	sprout_tokenize(a, s, strlen(s), &t);
	for (size_t i = 0; i < t.n && n + 5 < 512; i++)
		if (t.v[i].kind == SPROUT_TOK_PUNCT) {
			memcpy(o + n, s + t.v[i].off, t.v[i].len);
			n += t.v[i].len;
		}
	o[n] = '\0';
	sprout_arena_free(a);
	return o;
}

static void run_all(sprout_augmenter *g, char **texts, size_t n, sprout_aug_method m,
		    size_t *changed)
{
	sprout_arena *a = sprout_arena_new(0);
	for (size_t i = 0; i < n; i++) {
		for (uint64_t seed = 0; seed < 3; seed++) {
			sprout_arena_reset(a);
			sprout_buf out = SPROUT_BUF_INIT(1 << 20);
			int got =
			    sprout_augment_text(g, m, 0, texts[i], strlen(texts[i]), seed, a, &out);
			CHECK(got >= 0);
			if (got) {
				(*changed)++;
				CHECK(strcmp(out.data, texts[i]) != 0);
				check_protected(texts[i], out.data, sprout_aug_name(m));
				/* word methods keep every punctuation mark (but the comma of a
				 * greeting delete drops with it: "hello, i ..." -> "i ...") */
				const char *pin = puncts(texts[i]);
				int greeting_comma = m == SPROUT_AUG_DELETE && pin[0] == ',' &&
						     strcmp(pin + 1, puncts(out.data)) == 0;
				if (m <= SPROUT_AUG_DELETE && !greeting_comma &&
				    strcmp(pin, puncts(out.data)))
					test_fail(__FILE__, __LINE__,
						  "%s changed punctuation:\n  in  %s\n  out %s",
						  sprout_aug_name(m), texts[i], out.data);
				/* synonyms and insertions keep the case of the first letter */
				if ((m == SPROUT_AUG_SYNONYM || m == SPROUT_AUG_INSERT) &&
				    sprout_case_of(texts[i], 1) != sprout_case_of(out.data, 1))
					test_fail(__FILE__, __LINE__,
						  "%s changed the first letter's case:\n  in  %s\n "
						  " out %s",
						  sprout_aug_name(m), texts[i], out.data);
			}
			sprout_buf_release(&out);
		}
	}
	sprout_arena_free(a);
}

static void every_method_keeps_protected_spans_case_and_punctuation(void)
{
	size_t nb, ns;
	char **bank = load("examples/banking77/seeds.jsonl", &nb);
	char **seeds = load("examples/self-instruct/seeds.jsonl", &ns);
	CHECK_INT(nb, 385);
	CHECK_INT(ns, 175);
	sprout_augmenter *g = augmenter();
	for (int m = 0; m <= SPROUT_AUG_FORMAT; m++) {
		size_t changed = 0;
		run_all(g, bank, nb, (sprout_aug_method)m, &changed);
		run_all(g, seeds, ns, (sprout_aug_method)m, &changed);
		run_all(g, (char **)tricky, sizeof tricky / sizeof tricky[0], (sprout_aug_method)m,
			&changed);
		/* every method changes a good share of real sentences */
		if (changed < (nb + ns) / 10)
			test_fail(__FILE__, __LINE__, "%s changed only %zu of %zu texts",
				  sprout_aug_name((sprout_aug_method)m), changed, 3 * (nb + ns));
	}
	sprout_augmenter_free(g);
	for (size_t i = 0; i < nb; i++)
		free(bank[i]);
	for (size_t i = 0; i < ns; i++)
		free(seeds[i]);
	free(bank);
	free(seeds);
}

static const char *aug(sprout_augmenter *g, sprout_aug_method m, const char *s, uint64_t seed)
{
	static char out[4][1024];
	static int k;
	char *o = out[k++ % 4];
	sprout_arena *a = sprout_arena_new(0);
	sprout_buf b = SPROUT_BUF_INIT(1 << 20);
	int got = sprout_augment_text(g, m, 0, s, strlen(s), seed, a, &b);
	snprintf(o, 1024, "%s", got > 0 ? b.data : "(unchanged)");
	sprout_buf_release(&b);
	sprout_arena_free(a);
	return o;
}

static void register_and_phrasing(void)
{
	sprout_augmenter *g = augmenter();
	CHECK_STR(aug(g, SPROUT_AUG_FORMAL, "i can't find my card, pls help", 0),
		  "I cannot find my card, please help.");
	CHECK_STR(aug(g, SPROUT_AUG_FORMAL, "what's my balance", 0), "What is my balance?");
	CHECK_STR(aug(g, SPROUT_AUG_FORMAL, "I do not know what {{x}} is.", 0), "(unchanged)");
	/* casual contracts at its default rate on some seeds, never breaks spans */
	int contracted = 0;
	for (uint64_t s = 0; s < 20; s++)
		contracted |= strstr(aug(g, SPROUT_AUG_CASUAL, "I am sure it is not {{name}}.", s),
				     "I'm") != NULL;
	CHECK(contracted);
	/* phrasings are grammatical for the sentence at hand */
	const char *forms[] = {
	    "Please write a poem about cats.", "Can you write a poem about cats?",
	    "Could you please write a poem about cats?", "I need you to write a poem about cats.",
	    "Write a poem about cats:"};
	for (uint64_t s = 0; s < 20; s++) {
		const char *v = aug(g, SPROUT_AUG_FORMAT, "Write a poem about cats.", s);
		int ok = 0;
		for (size_t i = 0; i < 5; i++)
			ok |= strcmp(v, forms[i]) == 0;
		if (!ok)
			test_fail(__FILE__, __LINE__, "unexpected phrasing: %s", v);
	}
	CHECK_STR(aug(g, SPROUT_AUG_FORMAT, "Can you write a poem about cats?", 1) + 0,
		  aug(g, SPROUT_AUG_FORMAT, "Can you write a poem about cats?", 1));
	CHECK(strncmp(aug(g, SPROUT_AUG_FORMAT, "Can you write a poem about cats?", 3), "Can you",
		      7));
	for (uint64_t s = 0; s < 20; s++) {
		const char *q = aug(g, SPROUT_AUG_FORMAT, "how do I reset my PIN?", s);
		CHECK(strstr(q, "Please") == NULL);
		CHECK(strstr(q, "How do I reset my PIN?") != NULL);
	}
	CHECK_STR(aug(g, SPROUT_AUG_FORMAT, "My card was stolen yesterday.", 0), "(unchanged)");
	sprout_augmenter_free(g);
}

/* Swap moves words and nothing else: a word left in place keeps its case,
 * a moved one takes the case of where it lands. */
static void swap_leaves_unmoved_words_as_written(void)
{
	sprout_augmenter *g = augmenter();
	int capital_moved = 0;
	for (uint64_t seed = 0; seed < 40; seed++) {
		const char *lower =
		    aug(g, SPROUT_AUG_SWAP, "i have a new card and need to activate it", seed);
		CHECK(strncmp(lower, "i have ", 7) == 0 || strcmp(lower, "(unchanged)") == 0);
		const char *title =
		    aug(g, SPROUT_AUG_SWAP, "Cancel the payment and refund my money today", seed);
		if (strncmp(title, "Cancel ", 7) != 0 && strcmp(title, "(unchanged)") != 0) {
			/* the first word moved: the new first word is capitalised, the
			 * old one lowercase where it went */
			CHECK(title[0] >= 'A' && title[0] <= 'Z');
			CHECK(strstr(title, " cancel") != NULL);
			capital_moved = 1;
		}
	}
	CHECK(capital_moved);
	sprout_augmenter_free(g);
}

static void same_seed_same_text(void)
{
	sprout_augmenter *g = augmenter();
	const char *s =
	    "I've been waiting for a refund to show up and I don't see it on my statement yet.";
	for (int m = 0; m <= SPROUT_AUG_FORMAT; m++) {
		char first[1024];
		snprintf(first, sizeof first, "%s", aug(g, (sprout_aug_method)m, s, 42));
		CHECK_STR(aug(g, (sprout_aug_method)m, s, 42), first);
	}
	/* and the seed matters */
	int differs = 0;
	for (uint64_t seed = 1; seed < 10; seed++)
		differs |=
		    strcmp(aug(g, SPROUT_AUG_TYPO, s, 0), aug(g, SPROUT_AUG_TYPO, s, seed)) != 0;
	CHECK(differs);
	sprout_augmenter_free(g);
}

static void variants_carry_label_response_and_provenance(void)
{
	sprout_augmenter *g = augmenter();
	sprout_arena *a = sprout_arena_new(0);
	sprout_record p = make_record(a,
				      "{\"instruction\":\"Cancel my lost credit card today and "
				      "quickly send a replacement to my home address.\","
				      "\"output\":\"Done.\",\"label\":\"card\",\"extra\":[1]}",
				      "alpaca");
	sprout_error err = SPROUT_ERROR_INIT;
	CHECK_INT(sprout_meta_ensure(&p, &err), SPROUT_OK);
	sprout_record out[8];
	size_t made;
	sprout_aug_worker *w = sprout_aug_worker_new(g);
	CHECK_INT(sprout_augment_record(w, &p, NULL, a, out, 8, &made, &err), SPROUT_OK);
	CHECK_INT(made, 4);
	uint64_t hp[2];
	sprout_record_hash(&p, hp);
	for (size_t i = 0; i < made; i++) {
		sprout_text t;
		CHECK(sprout_record_get(&out[i], SPROUT_SLOT_LABEL, &t) &&
		      strcmp(t.s, "card") == 0);
		CHECK(sprout_record_get(&out[i], SPROUT_SLOT_RESPONSE, &t) &&
		      strcmp(t.s, "Done.") == 0);
		CHECK(sprout_json_equal(sprout_json_get(out[i].obj, "extra"),
					sprout_json_get(p.obj, "extra")));
		sprout_json *m = sprout_meta_get(&out[i]);
		CHECK_STR(sprout_json_get(m, "parent")->u.s, sprout_meta_id(&p));
		CHECK_STR(sprout_json_get(m, "root")->u.s, sprout_meta_id(&p));
		CHECK(strncmp(sprout_json_get(m, "method")->u.s, "augment.", 8) == 0);
		CHECK(sprout_json_get(sprout_json_get(m, "params"), "slots") != NULL);
		uint64_t h[2];
		sprout_record_hash(&out[i], h);
		CHECK(h[0] != hp[0] || h[1] != hp[1]);
		for (size_t j = 0; j < i; j++) {
			uint64_t h2[2];
			sprout_record_hash(&out[j], h2);
			CHECK(h[0] != h2[0] || h[1] != h2[1]);
		}
	}
	/* the same record again gives the same variants */
	sprout_record again[8];
	size_t made2;
	CHECK_INT(sprout_augment_record(w, &p, NULL, a, again, 8, &made2, &err), SPROUT_OK);
	CHECK_INT(made2, made);
	for (size_t i = 0; i < made; i++)
		CHECK(sprout_json_equal(again[i].obj, out[i].obj));
	sprout_aug_worker_free(w);
	sprout_arena_free(a);
	sprout_augmenter_free(g);
}

/* A method with no new variant left for a record gives its turns to the
 * others: "Please just cancel my order today." has two words to delete
 * (fillers), so most of the deletes asked for (weight 8 against 1) come out
 * as typos instead of missing. */
static void spent_method_gives_its_turns_to_the_others(void)
{
	sprout_augment_options o;
	sprout_augment_options_init(&o);
	o.check = 0; /* the methods alone */
	memset(o.weight, 0, sizeof o.weight);
	o.weight[SPROUT_AUG_DELETE] = 8;
	o.weight[SPROUT_AUG_TYPO] = 1;
	o.n = 8;
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_arena *a = sprout_arena_new(0);
	for (o.seed = 1; o.seed <= 5; o.seed++) {
		sprout_augmenter *g = sprout_augmenter_new(&o, &err);
		CHECK(g != NULL);
		sprout_aug_worker *w = sprout_aug_worker_new(g);
		sprout_record p = make_record(
		    a, "{\"text\":\"Please just cancel my order today.\",\"label\":\"cancel\"}",
		    "classification");
		CHECK_INT(sprout_meta_ensure(&p, &err), SPROUT_OK);
		sprout_record out[8];
		size_t made;
		CHECK_INT(sprout_augment_record(w, &p, NULL, a, out, 8, &made, &err), SPROUT_OK);
		CHECK_INT(made, 8);
		size_t deletes = 0;
		for (size_t i = 0; i < made; i++) {
			const char *m = sprout_json_get(sprout_meta_get(&out[i]), "method")->u.s;
			deletes += strcmp(m, "augment.delete") == 0;
			if (strcmp(m, "augment.delete") != 0)
				CHECK_STR(m, "augment.typo");
		}
		/* two deletable words: at most two single deletions and one
		 * double */
		CHECK(deletes >= 1 && deletes <= 3);
		sprout_aug_worker_free(w);
		sprout_augmenter_free(g);
	}
	sprout_arena_free(a);
}

static void backtranslation_keeps_spans(void)
{
	sprout_augment_options o;
	sprout_augment_options_init(&o);
	memset(o.weight, 0, sizeof o.weight);
	o.weight[SPROUT_AUG_BACKTRANSLATE] = 1;
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_augmenter *g = sprout_augmenter_new(&o, &err);
	if (!g)
		test_fail(__FILE__, __LINE__, "%s", err.msg);
	const char *texts[] = {
	    "I want to cancel my card because it was stolen.",
	    "Send {{name}} the report from https://example.com/x before Friday.",
	    "Where is my refund?",
	    "ok",
	};
	size_t lens[4];
	for (int i = 0; i < 4; i++)
		lens[i] = strlen(texts[i]);
	sprout_arena *a = sprout_arena_new(0);
	char *out[4];
	CHECK_INT(sprout_augment_backtranslate(g, texts, lens, 4, a, out, &err), SPROUT_OK);
	CHECK(out[0] != NULL && strcmp(out[0], texts[0]) != 0);
	CHECK(strstr(out[0], "card") != NULL);
	CHECK(out[1] != NULL);
	CHECK(strstr(out[1], "{{name}}") && strstr(out[1], "https://example.com/x"));
	CHECK(!strstr(out[1], "XZQ"));
	for (int i = 0; i < 4; i++)
		CHECK(!out[i] || (!strchr(out[i], '*') && !strchr(out[i], '#')));
	/* a second batch through the same pipeline */
	CHECK_INT(sprout_augment_backtranslate(g, texts, lens, 2, a, out, &err), SPROUT_OK);
	CHECK(out[0] != NULL);
	sprout_arena_free(a);
	sprout_augmenter_free(g);
}

static void missing_parts_name_their_package(void)
{
	sprout_augment_options o;
	sprout_augment_options_init(&o);
	o.wordnet_dir = "/nonexistent";
	sprout_error err = SPROUT_ERROR_INIT;
	CHECK(sprout_augmenter_new(&o, &err) == NULL);
	CHECK(strstr(err.msg, "synonym: WordNet data not found") == err.msg);
	CHECK(strstr(err.msg, "wordnet-base") != NULL);
	/* the meaning check needs WordNet too */
	memset(o.weight, 0, sizeof o.weight);
	o.weight[SPROUT_AUG_TYPO] = o.weight[SPROUT_AUG_FORMAT] = 1;
	CHECK(sprout_augmenter_new(&o, &err) == NULL);
	CHECK(strstr(err.msg, "the meaning check: WordNet data not found") == err.msg);
	/* without it, methods that need no WordNet still work */
	o.check = 0;
	sprout_augmenter *g = sprout_augmenter_new(&o, &err);
	CHECK(g != NULL);
	sprout_augmenter_free(g);
	sprout_augment_options_init(&o);
	memset(o.weight, 0, sizeof o.weight);
	o.weight[SPROUT_AUG_BACKTRANSLATE] = 1;
	o.pair = "eng-xxx";
	CHECK(sprout_augmenter_new(&o, &err) == NULL);
	CHECK_STR(err.msg,
		  "backtranslate needs the Apertium pair eng-xxx (/usr/share/apertium/modes/"
		  "eng-xxx.mode not found); install the Debian packages apertium and "
		  "apertium-eng-xxx");
}

/* The spliced JSON lines are byte for byte the built records, written. */
static void spliced_lines_are_the_built_records(void)
{
	static const struct {
		const char *json, *fmt;
	} recs[] = {
	    {"{\"instruction\":\"Write a \\\"short\\\" poem about the quiet sea\\nand\\tthe warm "
	     "sun, "
	     "please.\",\"input\":\"Use caf\\u00e9 and the \\u2028 separator for {{name}}\","
	     "\"output\":\"The sea is blue and wide and calm.\",\"extra\":{\"k\":[1,2.50,null]}}",
	     "alpaca"},
	    {"{\"conversations\":[{\"from\":\"system\",\"value\":\"You are a helpful banking "
	     "assistant.\"},{\"from\":\"human\",\"value\":\"How do I reset my online banking "
	     "password quickly?\"},{\"from\":\"gpt\",\"value\":\"Open the settings page and choose "
	     "reset.\"}],\"id\":7}",
	     "sharegpt"},
	    {"{\"messages\":[{\"role\":\"user\",\"content\":\"Can you explain why my transfer was "
	     "declined today?\",\"name\":\"x\"},{\"role\":\"assistant\",\"content\":\"It was over "
	     "the daily limit for transfers.\"}],\"weight\":1e3}",
	     "openai"},
	    {"{\"text\":\"I need to cancel the payment I made yesterday evening\",\"label\":3,"
	     "\"_sprout\":{\"v\":1,\"id\":\"abcd\",\"root\":\"ffff\",\"method\":\"seed\",\"round\":"
	     "2,"
	     "\"scores\":{\"x\":0.5}}}",
	     "classification"},
	    {"{\"text\":\"first text with several content words here today\",\"label\":\"a\","
	     "\"text\":\"second\"}",
	     "classification"},
	};
	sprout_augment_options o;
	sprout_augment_options_init(&o);
	o.n = 8;
	o.slots[SPROUT_SLOT_RESPONSE] = o.slots[SPROUT_SLOT_INPUT] = o.slots[SPROUT_SLOT_SYSTEM] =
	    1;
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_augmenter *g = sprout_augmenter_new(&o, &err);
	if (!g)
		test_fail(__FILE__, __LINE__, "%s", err.msg);
	sprout_aug_worker *w = sprout_aug_worker_new(g);
	size_t spliced = 0, lines = 0;
	for (size_t i = 0; i < sizeof recs / sizeof *recs; i++) {
		for (int variant = 0; variant < 4; variant++) {
			int keep = variant & 1, strip = variant >> 1;
			sprout_arena *a = sprout_arena_new(0);
			sprout_record p = make_record(a, recs[i].json, recs[i].fmt);
			CHECK_INT(sprout_meta_ensure(&p, &err), SPROUT_OK);
			sprout_record out[8];
			size_t made, made_json;
			CHECK_INT(sprout_augment_record(w, &p, NULL, a, out, 8, &made, &err),
				  SPROUT_OK);
			sprout_buf want = SPROUT_BUF_INIT((size_t)1 << 24),
				   got = SPROUT_BUF_INIT((size_t)1 << 24);
			if (keep) {
				sprout_record c;
				CHECK_INT(sprout_record_clone(&p, a, &c, &err), SPROUT_OK);
				if (strip)
					sprout_meta_strip(&c);
				CHECK_INT(sprout_json_write(&want, c.obj), SPROUT_OK);
				CHECK_INT(sprout_buf_addc(&want, '\n'), SPROUT_OK);
			}
			for (size_t v = 0; v < made; v++) {
				if (strip)
					sprout_meta_strip(&out[v]);
				CHECK_INT(sprout_json_write(&want, out[v].obj), SPROUT_OK);
				CHECK_INT(sprout_buf_addc(&want, '\n'), SPROUT_OK);
			}
			sprout_buf lines_buf = SPROUT_BUF_INIT((size_t)1 << 24);
			size_t ends[10];
			sprout_aug_json j = {&lines_buf, ends, 0, {0}, {0}, keep, strip, 0};
			CHECK_INT(
			    sprout_augment_record_json(w, &p, NULL, a, 8, &j, &made_json, &err),
			    SPROUT_OK);
			CHECK_INT(made_json, made);
			CHECK_INT(j.lines, made + (size_t)keep);
			unsigned counted = 0;
			for (int m = 0; m < SPROUT_AUG__COUNT; m++)
				counted += j.by_method[m];
			CHECK_INT(counted, made);
			size_t from = 0;
			for (size_t l = 0; l < j.lines; l++) {
				CHECK_INT(
				    sprout_buf_add(&got, lines_buf.data + from, ends[l] - from),
				    SPROUT_OK);
				CHECK_INT(sprout_buf_addc(&got, '\n'), SPROUT_OK);
				from = ends[l];
			}
			CHECK_STR(got.data ? got.data : "", want.data ? want.data : "");
			spliced += j.spliced;
			lines += made;
			sprout_buf_release(&want);
			sprout_buf_release(&got);
			sprout_buf_release(&lines_buf);
			sprout_arena_free(a);
		}
	}
	/* the fast way was taken, not only the fallback */
	CHECK(lines > 100);
	CHECK(spliced * 10 >= lines * 9);
	sprout_aug_worker_free(w);
	sprout_augmenter_free(g);
}

static void stopwords_are_found_and_only_they(void);

SUITE(augment_tests) = {
    T(every_method_keeps_protected_spans_case_and_punctuation),
    T(register_and_phrasing),
    T(same_seed_same_text),
    T(swap_leaves_unmoved_words_as_written),
    T(variants_carry_label_response_and_provenance),
    T(spent_method_gives_its_turns_to_the_others),
    T(backtranslation_keeps_spans),
    T(spliced_lines_are_the_built_records),
    T(missing_parts_name_their_package),
    T(stopwords_are_found_and_only_they),
    {NULL, NULL},
};

/* internal, from src/lib/makers/augment_internal.h */
size_t aug_stopword_count(void);
const char *aug_stopword(size_t i);
int aug_is_stopword(const char *s, size_t n);

static void stopwords_are_found_and_only_they(void)
{
	for (size_t i = 1; i < aug_stopword_count(); i++)
		if (strcmp(aug_stopword(i - 1), aug_stopword(i)) >= 0)
			test_fail(__FILE__, __LINE__, "%s before %s (the list is kept sorted)",
				  aug_stopword(i - 1), aug_stopword(i));
	for (size_t i = 0; i < aug_stopword_count(); i++) {
		const char *w = aug_stopword(i);
		char up[32];
		size_t n = strlen(w);
		for (size_t k = 0; k <= n; k++)
			up[k] = k == 0 && w[k] >= 'a' && w[k] <= 'z' ? (char)(w[k] - 32) : w[k];
		if (!aug_is_stopword(w, n) || !aug_is_stopword(up, n))
			test_fail(__FILE__, __LINE__, "stop word %s not found", w);
		/* nor a longer word */
		snprintf(up, sizeof up, "%sq", w);
		if (aug_is_stopword(up, n + 1))
			test_fail(__FILE__, __LINE__, "%s taken for a stop word", up);
	}
	CHECK(aug_is_stopword("The", 3));
	CHECK(aug_is_stopword("don\xe2\x80\x99t", 7));
	CHECK(!aug_is_stopword("card", 4));
	CHECK(!aug_is_stopword("th", 2));
	CHECK(!aug_is_stopword("", 0));
}
