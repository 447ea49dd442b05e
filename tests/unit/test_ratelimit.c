/* Token buckets, the rate-limit header parsers, adaptive concurrency and
 * the state of several servers. */
#include <math.h>

#include "sprout/ratelimit.h"
#include "test.h"

#define CHECK_NEAR(got, want)                                                                      \
	do {                                                                                       \
		double g_ = (got), w_ = (want);                                                    \
		if (!(fabs(g_ - w_) <= 1e-6 * (fabs(w_) > 1 ? fabs(w_) : 1)))                      \
			test_fail(__FILE__, __LINE__, "%s: got %.9g, want %.9g", #got, g_, w_);    \
	} while (0)

static void bucket_by_hand_refills_per_minute(void)
{
	sprout_bucket b;
	sprout_bucket_per_minute(&b, 60, 100); /* one a second, 60 at most */
	for (int i = 0; i < 60; i++) {
		CHECK_NEAR(sprout_bucket_wait(&b, 1, 100), 0);
		sprout_bucket_take(&b, 1, 100);
	}
	CHECK_NEAR(sprout_bucket_wait(&b, 1, 100), 1); /* empty: the next in a second */
	CHECK_NEAR(sprout_bucket_wait(&b, 1, 100.5), 0.5);
	CHECK_NEAR(sprout_bucket_wait(&b, 1, 101), 0);
	CHECK_NEAR(sprout_bucket_wait(&b, 3, 101), 2);
	/* never more than the limit, however long it waited */
	CHECK_NEAR(sprout_bucket_wait(&b, 60, 1000), 0);
	sprout_bucket_take(&b, 60, 1000);
	CHECK_NEAR(sprout_bucket_wait(&b, 1, 1000), 1);
	/* a cost above the limit waits for a full bucket, then goes (owing) */
	CHECK_NEAR(sprout_bucket_wait(&b, 120, 1000), 60);
	CHECK_NEAR(sprout_bucket_wait(&b, 120, 1060), 0);
	sprout_bucket_take(&b, 120, 1060);
	CHECK_NEAR(sprout_bucket_wait(&b, 1, 1060), 61);
	/* given back, at most up to the limit */
	sprout_bucket_give(&b, 1000, 1060);
	CHECK_NEAR(b.level, 60);
	/* none set: nobody waits */
	sprout_bucket none = SPROUT_BUCKET_INIT;
	sprout_bucket_per_minute(&none, 0, 5);
	CHECK_NEAR(sprout_bucket_wait(&none, 1e9, 5), 0);
	sprout_bucket_take(&none, 1e9, 5);
	CHECK_NEAR(sprout_bucket_wait(&none, 1e9, 5), 0);
}

static void bucket_follows_the_server(void)
{
	sprout_bucket b = SPROUT_BUCKET_INIT;
	/* 60 a minute, 59 left, full in 1 s: no rate can be learnt from one
	 * used (rounding), so limit / 60 */
	sprout_bucket_heard(&b, 60, 59, 1, 1, 0, 1, 10);
	CHECK_NEAR(b.limit, 60);
	CHECK_NEAR(b.rate, 1);
	CHECK_NEAR(b.level, 59);
	/* 5 per 2 s (2.5/s): 1 left, full in 1.6 s, to the ms: the lower bound
	 * (5 - 1 - 1) / 1.601 */
	sprout_bucket c = SPROUT_BUCKET_INIT;
	sprout_bucket_heard(&c, 5, 1, 1.6, 0.001, 0, 1, 10);
	CHECK_NEAR(c.rate, 3 / 1.601);
	CHECK(c.rate <= 2.5);
	CHECK_NEAR(c.level, 1);
	/* two requests sent after the one answered, still in flight: owed */
	sprout_bucket_heard(&c, 5, 2, 1.2, 0.001, 2, 1, 10);
	CHECK_NEAR(c.level, 0);
	CHECK_NEAR(c.rate, 3 / 1.601); /* (5-2-1)/1.201 is lower: the best bound stays */
	CHECK(sprout_bucket_wait(&c, 1, 10) > 0.5);
	/* a stale answer (to an older request) only lowers */
	sprout_bucket_heard(&c, 5, 5, 0, 0.001, 0, 0, 10);
	CHECK_NEAR(c.level, 0);
	sprout_bucket_heard(&c, 5, 4, 0.4, 0.001, 0, 1, 10);
	CHECK_NEAR(c.level, 4);
	/* the limit changed: start again from the new one */
	sprout_bucket_heard(&c, 100, 100, 0, 0.001, 0, 0, 11);
	CHECK_NEAR(c.limit, 100);
	CHECK_NEAR(c.level, 100);
	CHECK_NEAR(c.rate, 100.0 / 60);
	/* nonsense is ignored */
	sprout_bucket_heard(&c, 0, 5, 1, 1, 0, 1, 12);
	sprout_bucket_heard(&c, 10, NAN, 1, 1, 0, 1, 12);
	CHECK_NEAR(c.limit, 100);
}

/* A bucket fed by a server's headers never takes more than the server's
 * own bucket holds: a simulated server (continuous refill, remaining
 * rounded down, reset rounded up to the ms) answers each request 0.2 s
 * after it was sent. */
static void bucket_never_outruns_the_server(void)
{
	double cap = 5, rate = 2.5, level = cap, at = 0;
	sprout_bucket b = SPROUT_BUCKET_INIT;
	sprout_bucket_per_minute(&b, 1, 0); /* one request first, to hear the limits */
	double pending_at[64], pending_seq[64];
	double pending_rem[64], pending_reset[64];
	int np = 0, sent = 0, refused = 0;
	double heard = -1; /* the latest request whose answer was heard */
	for (double t = 0; t < 20; t += 0.01) {
		/* answers due */
		for (int i = 0; i < np;) {
			if (pending_at[i] + 0.2 <= t) {
				double after = 0;
				for (int k = 0; k < np; k++)
					after += pending_seq[k] > pending_seq[i];
				int fresh = pending_seq[i] > heard;
				if (fresh)
					heard = pending_seq[i];
				sprout_bucket_heard(&b, cap, pending_rem[i], pending_reset[i],
						    0.001, after, fresh, t);
				pending_at[i] = pending_at[np - 1];
				pending_seq[i] = pending_seq[np - 1];
				pending_rem[i] = pending_rem[np - 1];
				pending_reset[i] = pending_reset[np - 1];
				np--;
			} else {
				i++;
			}
		}
		while (np < 64 && sprout_bucket_wait(&b, 1, t) == 0) {
			sprout_bucket_take(&b, 1, t);
			level = fmin(cap, level + (t - at) * rate);
			at = t;
			if (level < 1) {
				refused++;
				break;
			}
			level -= 1;
			sent++;
			pending_at[np] = t;
			pending_seq[np] = sent;
			pending_rem[np] = floor(level);
			pending_reset[np] = ceil((cap - level) / rate * 1000) / 1000;
			np++;
		}
	}
	CHECK_INT(refused, 0);
	/* and it goes near the limit: 5 + 2.5 a second over 20 s */
	CHECK(sent >= 40);
	CHECK(sent <= 55);
}

static void durations_as_openai_writes_them(void)
{
	double s, r;
	CHECK_INT(sprout_rl_duration("6m0s", &s, &r), 0);
	CHECK_NEAR(s, 360);
	CHECK_NEAR(r, 1);
	CHECK_INT(sprout_rl_duration("1s", &s, &r), 0);
	CHECK_NEAR(s, 1);
	CHECK_INT(sprout_rl_duration("20ms", &s, &r), 0);
	CHECK_NEAR(s, 0.02);
	CHECK_NEAR(r, 0.001);
	CHECK_INT(sprout_rl_duration("1.234s", &s, &r), 0);
	CHECK_NEAR(s, 1.234);
	CHECK_NEAR(r, 0.001);
	CHECK_INT(sprout_rl_duration("1h2m3.5s", &s, &r), 0);
	CHECK_NEAR(s, 3723.5);
	CHECK_NEAR(r, 0.1);
	CHECK_INT(sprout_rl_duration("7.66s", &s, &r), 0);
	CHECK_NEAR(s, 7.66);
	CHECK_INT(sprout_rl_duration("250us", &s, &r), 0);
	CHECK_NEAR(s, 250e-6);
	CHECK_INT(sprout_rl_duration("3\xc2\xb5s", &s, &r), 0);
	CHECK_NEAR(s, 3e-6);
	CHECK_INT(sprout_rl_duration("5ns", &s, &r), 0);
	CHECK_INT(sprout_rl_duration(" 2.5 ", &s, &r), 0); /* plain seconds */
	CHECK_NEAR(s, 2.5);
	CHECK_NEAR(r, 0.1);
	const char *bad[] = {"",   "s",	  "1x",	 "1m30", "-1s",	 "1.s",
			     ".s", "1 s", "nan", "1e3s", "1m 2s"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		CHECK_INT(sprout_rl_duration(bad[i], &s, &r), -1);
}

static void times_as_anthropic_writes_them(void)
{
	double t, r;
	CHECK_INT(sprout_rl_time("1970-01-01T00:00:30Z", &t, &r), 0);
	CHECK_NEAR(t, 30);
	CHECK_NEAR(r, 1);
	CHECK_INT(sprout_rl_time("2025-01-01T00:00:30.25Z", &t, &r), 0);
	CHECK_NEAR(t, 1735689630.25);
	CHECK_NEAR(r, 0.01);
	CHECK_INT(sprout_rl_time("2025-01-01T01:00:30+01:00", &t, &r), 0);
	CHECK_NEAR(t, 1735689630);
	CHECK_INT(sprout_rl_time("2024-12-31T23:00:30-01:00", &t, &r), 0);
	CHECK_NEAR(t, 1735689630);
	const char *bad[] = {"",
			     "2025-01-01",
			     "2025-01-01T00:00:30",
			     "2025-13-01T00:00:30Z",
			     "2025-01-01T24:00:30Z",
			     "2025-01-01T00:00:30.Z",
			     "2025-01-01T00:00:30Zjunk",
			     "2025-01-01T00:00:30+0100",
			     "1969-12-31T23:59:59Z",
			     "20x5-01-01T00:00:30Z"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		CHECK_INT(sprout_rl_time(bad[i], &t, &r), -1);
}

static void header_lines(void)
{
	sprout_rl_headers h = {0};
	const char *lines[] = {
	    "x-ratelimit-limit-requests: 60\r\n",	"X-RateLimit-Remaining-Requests: 59\r\n",
	    "x-ratelimit-reset-requests: 1s\r\n",	"x-ratelimit-limit-tokens: 150000\r\n",
	    "x-ratelimit-remaining-tokens: 149984\r\n", "x-ratelimit-reset-tokens: 6m0s\r\n",
	};
	for (size_t i = 0; i < sizeof lines / sizeof *lines; i++)
		CHECK_INT(sprout_rl_header(&h, lines[i], strlen(lines[i]), 0), 1);
	CHECK_INT(h.has_limit, 3);
	CHECK_INT(h.has_remaining, 3);
	CHECK_INT(h.has_reset, 3);
	CHECK_NEAR(h.limit[SPROUT_RL_REQUESTS], 60);
	CHECK_NEAR(h.remaining[SPROUT_RL_REQUESTS], 59);
	CHECK_NEAR(h.reset[SPROUT_RL_REQUESTS], 1);
	CHECK_NEAR(h.limit[SPROUT_RL_TOKENS], 150000);
	CHECK_NEAR(h.reset[SPROUT_RL_TOKENS], 360);

	sprout_rl_headers a = {0};
	const char *al[] = {
	    "anthropic-ratelimit-requests-limit: 50\r\n",
	    "anthropic-ratelimit-requests-remaining: 49\r\n",
	    "anthropic-ratelimit-requests-reset: 1970-01-01T00:01:40Z\r\n",
	    "anthropic-ratelimit-input-tokens-limit: 40000\r\n",
	    "anthropic-ratelimit-input-tokens-remaining: 39000\r\n",
	    "anthropic-ratelimit-output-tokens-limit: 8000\r\n",
	    "anthropic-ratelimit-output-tokens-reset: 1970-01-01T00:01:00.500Z\r\n",
	    "anthropic-ratelimit-tokens-remaining: 3\r\n",
	};
	for (size_t i = 0; i < sizeof al / sizeof *al; i++)
		CHECK_INT(sprout_rl_header(&a, al[i], strlen(al[i]), 90), 1);
	CHECK_NEAR(a.reset[SPROUT_RL_REQUESTS], 10); /* 100 s since the epoch, read at 90 */
	CHECK_NEAR(a.resolution[SPROUT_RL_REQUESTS], 1);
	CHECK_NEAR(a.reset[SPROUT_RL_OUTPUT_TOKENS], 0); /* in the past: now */
	CHECK_NEAR(a.resolution[SPROUT_RL_OUTPUT_TOKENS], 0.001);
	CHECK_NEAR(a.limit[SPROUT_RL_INPUT_TOKENS], 40000);
	CHECK_NEAR(a.remaining[SPROUT_RL_TOKENS], 3);
	CHECK_INT(a.has_limit, (1 << SPROUT_RL_REQUESTS) | (1 << SPROUT_RL_INPUT_TOKENS) |
				   (1 << SPROUT_RL_OUTPUT_TOKENS));

	sprout_rl_headers z = {0};
	const char *other[] = {"retry-after: 1\r\n",
			       "x-ratelimit-limit-input-tokens: 5\r\n", /* OpenAI has none */
			       "x-ratelimit-limit-requests: lots\r\n",
			       "x-ratelimit-limit-requests: -1\r\n",
			       "x-ratelimit-reset-requests: soon\r\n",
			       "anthropic-ratelimit-requests-reset: 5s\r\n",
			       "x-ratelimit-limit-requests\r\n",
			       "x-ratelimit-limit-requests:\r\n"};
	for (size_t i = 0; i < sizeof other / sizeof *other; i++)
		CHECK_INT(sprout_rl_header(&z, other[i], strlen(other[i]), 0), 0);
	CHECK_INT(z.has_limit | z.has_remaining | z.has_reset, 0);
}

static void aimd_grows_and_halves(void)
{
	sprout_aimd a;
	sprout_aimd_init(&a, 16);
	CHECK_INT(sprout_aimd_allowed(&a), 1); /* one first */
	for (int i = 0; i < 3; i++)
		sprout_aimd_success(&a);
	CHECK_INT(sprout_aimd_allowed(&a), 4); /* one more per answer */
	for (int i = 0; i < 40; i++)
		sprout_aimd_success(&a);
	CHECK_INT(sprout_aimd_allowed(&a), 16); /* never above the most */
	CHECK_INT(sprout_aimd_congested(&a, 5, 6), 1);
	CHECK_INT(sprout_aimd_allowed(&a), 8);
	/* sent before the cut: that cut was its answer */
	CHECK_INT(sprout_aimd_congested(&a, 5.5, 6.1), 0);
	CHECK_INT(sprout_aimd_allowed(&a), 8);
	CHECK_INT(sprout_aimd_congested(&a, 6.2, 6.3), 1);
	CHECK_INT(sprout_aimd_allowed(&a), 4);
	/* after a cut, one more per window of answers */
	for (int i = 0; i < 4; i++)
		sprout_aimd_success(&a);
	CHECK_INT(sprout_aimd_allowed(&a), 4);
	for (int i = 0; i < 2; i++)
		sprout_aimd_success(&a);
	CHECK_INT(sprout_aimd_allowed(&a), 5);
	for (int i = 0; i < 10; i++)
		CHECK_INT(sprout_aimd_congested(&a, 10 + i, 10 + i), 1);
	CHECK_INT(sprout_aimd_allowed(&a), 1); /* never below one */
	CHECK_INT(a.cuts, 12);
	CHECK_NEAR(a.peak, 16);
}

static void servers_set_aside_and_back(void)
{
	sprout_server s;
	sprout_server_init(&s);
	CHECK(sprout_server_healthy(&s));
	CHECK_NEAR(sprout_server_wait(&s, 0), 0);
	/* three in flight; the first to fail sets it aside for 2 s */
	for (int i = 0; i < 3; i++)
		sprout_server_sent(&s, 10);
	CHECK_INT(s.in_flight, 3);
	CHECK_INT(sprout_server_failed(&s, 10, 11, 2, 60, 0), 1);
	CHECK(!sprout_server_healthy(&s));
	CHECK_INT(s.asides, 1);
	CHECK_NEAR(sprout_server_wait(&s, 11), 2);
	CHECK_NEAR(sprout_server_wait(&s, 12.5), 0.5);
	/* the others sent before: the same failure, and an answer to one of
	 * them does not bring it back */
	CHECK_INT(sprout_server_failed(&s, 10, 11.5, 2, 60, 0), 0);
	CHECK_INT(sprout_server_answered(&s, 10), 0);
	CHECK(!sprout_server_healthy(&s));
	CHECK_INT(s.in_flight, 0);
	CHECK_NEAR(sprout_server_wait(&s, 12.5), 0.5); /* the pause is not longer */
	/* the pause over: one trial, no second while it is in flight */
	CHECK_NEAR(sprout_server_wait(&s, 13), 0);
	sprout_server_sent(&s, 13);
	CHECK_INT(s.trial, 1);
	CHECK_NEAR(sprout_server_wait(&s, 14), -1);
	/* the trial fails: twice as long */
	CHECK_INT(sprout_server_failed(&s, 13, 14, 2, 60, 0), 1);
	CHECK_NEAR(sprout_server_wait(&s, 14), 4);
	CHECK_INT(s.asides, 1); /* still the same time set aside */
	/* doubled at each failed trial, at most 60 */
	double t = 18;
	for (int i = 0; i < 6; i++) {
		sprout_server_sent(&s, t);
		CHECK_INT(sprout_server_failed(&s, t, t + 1, 2, 60, 0), 1);
		t = s.aside_until;
	}
	CHECK_NEAR(s.pause, 60);
	/* a trial answered: back, healthy, the next failure pauses 2 s again */
	sprout_server_sent(&s, t);
	CHECK_INT(sprout_server_answered(&s, t), 1);
	CHECK(sprout_server_healthy(&s));
	CHECK_NEAR(sprout_server_wait(&s, t), 0);
	sprout_server_sent(&s, t + 1);
	CHECK_INT(sprout_server_answered(&s, t + 1), 0); /* healthy: nothing changes */
	sprout_server_sent(&s, t + 2);
	CHECK_INT(sprout_server_failed(&s, t + 2, t + 3, 2, 60, 0), 1);
	CHECK_NEAR(sprout_server_wait(&s, t + 3), 2);
	CHECK_INT(s.asides, 2);
	/* a Retry-After longer than the pause holds it aside longer */
	sprout_server_init(&s);
	sprout_server_sent(&s, 0);
	CHECK_INT(sprout_server_failed(&s, 0, 1, 2, 60, 7), 1);
	CHECK_NEAR(sprout_server_wait(&s, 1), 7);
	CHECK_INT(s.sent, 1);
}

static void servers_least_busy_first(void)
{
	sprout_server v[3];
	double w[3] = {0, 0, 0};
	for (int i = 0; i < 3; i++)
		sprout_server_init(&v[i]);
	/* spread evenly: the fewest in flight, then the fewest sent */
	int got[3] = {0, 0, 0};
	for (int i = 0; i < 9; i++) {
		long k = sprout_server_pick(v, w, 3);
		CHECK(k >= 0 && k < 3);
		got[k]++;
		sprout_server_sent(&v[k], i);
	}
	CHECK_INT(got[0], 3);
	CHECK_INT(got[1], 3);
	CHECK_INT(got[2], 3);
	/* the answers free server 1: it goes there */
	CHECK_INT(sprout_server_answered(&v[1], 0), 0);
	CHECK_INT(sprout_server_pick(v, w, 3), 1);
	/* one that must wait (set aside, full, rate limited) is never chosen */
	w[1] = 1.5;
	CHECK_INT(sprout_server_pick(v, w, 3), 0);
	w[0] = -1;
	CHECK_INT(sprout_server_pick(v, w, 3), 2);
	w[2] = 0.1;
	CHECK_INT(sprout_server_pick(v, w, 3), -1);
	CHECK_INT(sprout_server_pick(v, w, 0), -1);
}

SUITE(ratelimit_tests) = {
    T(bucket_by_hand_refills_per_minute),
    T(bucket_follows_the_server),
    T(bucket_never_outruns_the_server),
    T(durations_as_openai_writes_them),
    T(times_as_anthropic_writes_them),
    T(header_lines),
    T(aimd_grows_and_halves),
    T(servers_set_aside_and_back),
    T(servers_least_busy_first),
    {NULL, NULL},
};
