#include "test.h"
#include "util.h"

#include "sprout/text.h"

/* Tokens as "K[text]" joined, K one of W S P ? */
static const char *show(const char *s)
{
	static char out[4096];
	sprout_arena *a = sprout_arena_new(0);
	sprout_tokens t;
	CHECK_INT(sprout_tokenize(a, s, strlen(s), &t), SPROUT_OK);
	size_t o = 0, covered = 0;
	for (size_t i = 0; i < t.n; i++) {
		CHECK_INT(t.v[i].off, covered); /* tokens cover the text in order */
		covered += t.v[i].len;
		o += (size_t)snprintf(out + o, sizeof out - o, "%s%c[%.*s]", i ? " " : "",
				      "WSP?"[t.v[i].kind], (int)t.v[i].len, s + t.v[i].off);
	}
	CHECK_INT(covered, strlen(s));
	sprout_arena_free(a);
	return out;
}

static void protected_spans(void)
{
	CHECK_STR(show("Hi {{name}}, see https://x.com/a?b=1."),
		  "W[Hi] S[ ] ?[{{name}}] P[,] S[ ] W[see] S[ ] ?[https://x.com/a?b=1] P[.]");
	CHECK_STR(
	    show("Run `ls -la` or $HOME and %s; ${VAR} <name> [NAME] {id} %(user)s"),
	    "W[Run] S[ ] ?[`ls -la`] S[ ] W[or] S[ ] ?[$HOME] S[ ] W[and] S[ ] ?[%s] P[;] S[ ] "
	    "?[${VAR}] S[ ] ?[<name>] S[ ] ?[[NAME]] S[ ] ?[{id}] S[ ] ?[%(user)s]");
	CHECK_STR(
	    show("It's 700-1000 kcal, 1/2 cup ($5, 10%) at 3:30"),
	    "W[It's] S[ ] ?[700-1000] S[ ] W[kcal] P[,] S[ ] ?[1/2] S[ ] W[cup] S[ ] P[(] ?[$5] "
	    "P[,] S[ ] ?[10%] P[)] S[ ] W[at] S[ ] ?[3:30]");
	CHECK_STR(
	    show("He said \"stop now\" and 'go', don't"),
	    "W[He] S[ ] W[said] S[ ] ?[\"stop now\"] S[ ] W[and] S[ ] ?['go'] P[,] S[ ] W[don't]");
	CHECK_STR(show("x86_64 file.txt #tag @bob mail@ex.com well-known café"),
		  "?[x86_64] S[ ] ?[file.txt] S[ ] ?[#tag] S[ ] ?[@bob] S[ ] ?[mail@ex.com] S[ ] "
		  "W[well-known] S[ ] W[café]");
	CHECK_STR(show("```\ncode here\n``` after"), "?[```\ncode here\n```] S[ ] W[after]");
	CHECK_STR(show("“quoted text” ok"), "?[“quoted text”] S[ ] W[ok]");
}

static void case_shapes(void)
{
	CHECK_INT(sprout_case_of("card", 4), SPROUT_CASE_LOWER);
	CHECK_INT(sprout_case_of("Card", 4), SPROUT_CASE_TITLE);
	CHECK_INT(sprout_case_of("CARD", 4), SPROUT_CASE_UPPER);
	CHECK_INT(sprout_case_of("iPhone", 6), SPROUT_CASE_MIXED);
	CHECK_INT(sprout_case_of("I", 1), SPROUT_CASE_TITLE);
	CHECK_INT(sprout_case_of("Élan", 5), SPROUT_CASE_TITLE);
	sprout_buf b = SPROUT_BUF_INIT(100);
	sprout_case_apply(&b, "call off", 8, SPROUT_CASE_TITLE);
	CHECK_STR(b.data, "Call off");
	sprout_buf_clear(&b);
	sprout_case_apply(&b, "élan", 5, SPROUT_CASE_UPPER);
	CHECK_STR(b.data, "ÉLAN");
	sprout_buf_clear(&b);
	sprout_lower(&b, "ÜBER Card", 10);
	CHECK_STR(b.data, "über card");
	sprout_buf_release(&b);
}

SUITE(text_tests) = {
    T(protected_spans),
    T(case_shapes),
    {NULL, NULL},
};
