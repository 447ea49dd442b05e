/* libFuzzer target for a user's own prompt templates, the way `generate
 * --prompts DIR` reads them: the input (after its first byte, which picks
 * the method) is written as DIR/<method>.txt, loaded with
 * sprout_template_load, then used by sprout_generate_plan and by
 * sprout_generate against a closed port (one request at most, so nothing
 * waits). Unknown, nested, unterminated and badly named placeholders,
 * "---" lines and broken UTF-8 all come this way. Invariants: no crash, no
 * leak, no use after free (the bug this target was written for: a template
 * error freed a task twice), a failure carries a message, and a template
 * that fails to load or render fails sprout_generate before any request. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sprout/sprout.h"
#include "sprout/generate.h"
#include "sprout/llm.h"
#include "sprout/meta.h"
#include "sprout/template.h"

#define CHECK(c)                                                                          \
	do {                                                                              \
		if (!(c)) {                                                               \
			fprintf(stderr, "fuzz_template: invariant broken at %s:%d: %s\n", \
				__FILE__, __LINE__, #c);                                  \
			abort();                                                          \
		}                                                                         \
	} while (0)

static const sprout_gen_method methods[] = {
	SPROUT_GEN_PARAPHRASE, SPROUT_GEN_EXPAND, SPROUT_GEN_REFINE,  SPROUT_GEN_EVOLVE,
	SPROUT_GEN_TRANSLATE,  SPROUT_GEN_RESPOND, SPROUT_GEN_REFUSE, SPROUT_GEN_BRIEF,
	SPROUT_GEN_BULLETS,    SPROUT_GEN_PAIRS,
};
#define NMETHODS (sizeof methods / sizeof *methods)

/* records whose values hold braces and a NUL, as a user's data might */
static const char *const lines[] = {
	"{\"instruction\":\"Where is {{text}} my card?\",\"output\":\"In the app.\"}",
	"{\"instruction\":\"Reset my PIN\",\"input\":\"}}{{\",\"output\":\"Open Card.\"}",
	"{\"instruction\":\"a\\u0000b\",\"output\":\"c\"}",
};
#define NRECS (sizeof lines / sizeof *lines)

static char dir[] = "/tmp/sprout-fuzz-template-XXXXXX";
static sprout_arena *keep;
static sprout_format fmt;
static sprout_record recs[NRECS];
static sprout_llm_endpoint ep = {SPROUT_LLM_OPENAI, "http://127.0.0.1:1", "m", "k", NULL, 0};
static sprout_gen_config cfg = {&ep, -1, -1};

static void cleanup(void)
{
	char path[sizeof dir + 32];
	for (size_t i = 0; i < NMETHODS; i++) {
		snprintf(path, sizeof path, "%s/%s.txt", dir, sprout_gen_name(methods[i]));
		unlink(path);
	}
	rmdir(dir);
}

static void setup(void)
{
	sprout_error err = SPROUT_ERROR_INIT;
	CHECK(mkdtemp(dir));
	atexit(cleanup);
	CHECK((keep = sprout_arena_new(0)));
	CHECK(sprout_format_parse("alpaca", &fmt, &err) == SPROUT_OK);
	for (size_t i = 0; i < NRECS; i++) {
		sprout_json *v = NULL;
		CHECK(sprout_json_parse(keep, lines[i], strlen(lines[i]), &v, &err) == SPROUT_OK);
		recs[i] = (sprout_record){v, &fmt, keep, NULL, 0};
		CHECK(sprout_meta_ensure(&recs[i], &err) == SPROUT_OK);
	}
}

static int on_begin(void *ctx, size_t idx)
{
	(void)ctx, (void)idx;
	return 0;
}

static int on_emit(void *ctx, size_t idx, const char *json, size_t len)
{
	(void)ctx, (void)idx, (void)json, (void)len;
	return 0;
}

static int on_reject(void *ctx, size_t idx, const char *check, const char *reason,
		     const char *answer)
{
	(void)idx, (void)answer;
	CHECK(check && reason && reason[0]);
	++*(unsigned *)ctx;
	return 0;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	if (!keep)
		setup();
	if (!size)
		return 0;
	sprout_gen_method m = methods[data[0] % NMETHODS];
	char path[sizeof dir + 32];
	snprintf(path, sizeof path, "%s/%s.txt", dir, sprout_gen_name(m));
	FILE *f = fopen(path, "wb");
	CHECK(f);
	CHECK(fwrite(data + 1, 1, size - 1, f) == size - 1);
	CHECK(fclose(f) == 0);

	sprout_error err = SPROUT_ERROR_INIT;
	sprout_arena *a = sprout_arena_new(0);
	CHECK(a);
	sprout_template t;
	sprout_code loaded = sprout_template_load(a, sprout_gen_name(m), dir, &t, &err);
	if (loaded)
		CHECK(err.msg[0]);
	sprout_arena_free(a);

	sprout_generate_options o;
	sprout_generate_options_init(&o);
	o.method = m;
	o.configs = &cfg;
	o.nconfigs = 1;
	o.prompts_dir = dir;
	o.count = 2;
	o.batch = 1;
	o.human_examples = 2;
	o.machine_examples = 1;

	sprout_llm_options lo;
	sprout_llm_options_init(&lo);
	lo.retries = 0;
	lo.timeout = 2;
	lo.max_requests = 1;
	lo.concurrency = 1;
	sprout_llm *llm = sprout_llm_new(&lo, &err);
	CHECK(llm);

	sprout_gen_plan plan;
	sprout_error_clear(&err);
	sprout_code planned = sprout_generate_plan(&o, llm, recs, NRECS, &plan, &err);
	if (planned)
		CHECK(err.msg[0]);
	CHECK(!loaded || planned); /* a template that cannot be read has no plan */

	unsigned rejects = 0;
	sprout_gen_callbacks cb = {on_begin, on_emit, on_reject, NULL, &rejects};
	sprout_error_clear(&err);
	sprout_code rc = sprout_generate(&o, llm, recs, NRECS, &cb, &err);
	sprout_llm_counts c;
	sprout_llm_counts_get(llm, &c);
	if (rc)
		CHECK(err.msg[0]);
	if (loaded || planned == SPROUT_ERR_USAGE) {
		/* a bad template fails at once: nothing sent, nothing rejected */
		CHECK(rc);
		CHECK(c.sent == 0 && rejects == 0);
	}
	sprout_llm_free(llm);
	return 0;
}
