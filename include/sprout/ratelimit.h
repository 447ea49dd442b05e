/* sprout/ratelimit.h - the pace of requests to a model server.
 *
 * Token buckets (requests, tokens, input tokens, output tokens) that a
 * request waits on before it is sent, fed either by hand (so many a
 * minute) or by the rate-limit headers the server sends with each answer
 * (OpenAI's x-ratelimit-*, Anthropic's anthropic-ratelimit-*); the
 * parsers of those headers; and the adaptive concurrency (additive
 * increase, multiplicative decrease) that sprout_llm applies per
 * server; and the state of each of several servers that answer the same
 * requests: how busy it is, whether it is set aside after a failure, and
 * which one a request goes to. Pure arithmetic on the caller's clock (seconds): nothing here
 * sleeps, reads a clock or allocates. */
#ifndef SPROUT_RATELIMIT_H
#define SPROUT_RATELIMIT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A token bucket: up to limit units, refilled continuously at rate units a
 * second. level may go below 0 when a single cost is larger than the
 * limit (the request waits for a full bucket, then goes). A bucket with
 * limit 0 knows no limit and never makes anyone wait. */
typedef struct sprout_bucket {
	double limit;
	double rate;  /* units a second */
	double level; /* available at time at */
	double at;
	int heard;   /* the limit came from a server's headers */
	double best; /* the highest lower bound of the server's rate heard for this limit */
} sprout_bucket;

#define SPROUT_BUCKET_INIT                                                                         \
	{                                                                                          \
		0, 0, 0, 0, 0, 0                                                                   \
	}

/* A budget set by hand: per_minute units a minute, full at first. 0 or
 * less: no limit. */
void sprout_bucket_per_minute(sprout_bucket *b, double per_minute, double now);

/* Seconds until cost can be taken: 0 when it can be now. A cost above
 * the limit waits for a full bucket. */
double sprout_bucket_wait(sprout_bucket *b, double cost, double now);

/* Take cost (after sprout_bucket_wait said 0); give it back (an estimate
 * larger than what was used), never above the limit. */
void sprout_bucket_take(sprout_bucket *b, double cost, double now);
void sprout_bucket_give(sprout_bucket *b, double cost, double now);

/* What a server said with an answer at time now: limit, remaining, and
 * full again in reset seconds (known to within resolution seconds; reset
 * < 0: not said). pending is the cost of the requests still in flight
 * that the server may not have counted (those that went out after the
 * one answered). fresh: this answer is to the latest request, of those
 * answered so far, to have gone out; a stale one only ever lowers the
 * level.
 *
 * The server's refill rate is taken as the highest lower bound heard:
 * (limit - remaining - 1) / (reset + resolution) (remaining is rounded
 * down, reset may be rounded), and limit / 60 (the limits are per minute)
 * until one is heard. A bucket that follows it never takes more than the
 * server's own bucket holds. */
void sprout_bucket_heard(sprout_bucket *b, double limit, double remaining, double reset,
			 double resolution, double pending, int fresh, double now);

/* ---- headers ---------------------------------------------------------------- */

typedef enum sprout_rl_kind {
	SPROUT_RL_REQUESTS,
	SPROUT_RL_TOKENS,	 /* input and output together (OpenAI's tokens) */
	SPROUT_RL_INPUT_TOKENS,	 /* Anthropic's input-tokens */
	SPROUT_RL_OUTPUT_TOKENS, /* Anthropic's output-tokens */
	SPROUT_RL__COUNT
} sprout_rl_kind;

/* The rate-limit headers of one answer. A field is known when its bit
 * (1 << kind) is set in the mask of the same name. */
typedef struct sprout_rl_headers {
	double limit[SPROUT_RL__COUNT], remaining[SPROUT_RL__COUNT];
	double reset[SPROUT_RL__COUNT];	     /* seconds from when the header was read */
	double resolution[SPROUT_RL__COUNT]; /* how precise reset is, seconds */
	unsigned has_limit, has_remaining, has_reset;
} sprout_rl_headers;

/* Read one header line ("Name: value\r\n", any case) into h when it is a
 * rate-limit header: x-ratelimit-{limit,remaining,reset}-{requests,tokens}
 * (reset a duration: "6m0s", "1s", "20ms", "1.5s", or plain seconds) or
 * anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-{limit,
 * remaining,reset} (reset an RFC 3339 time, taken against wall_now, the
 * seconds since the epoch: pass the time the request was sent, so that the
 * reset is never shorter than the server meant). 1 when it was one and its value was read, 0
 * otherwise (a malformed value is ignored). */
int sprout_rl_header(sprout_rl_headers *h, const char *line, size_t len, double wall_now);

/* A duration as OpenAI writes it: one or more <number><unit>, units h, m,
 * s, ms, us (or µs), ns; a plain number is seconds. 0 and *secs, *resolution
 * (the unit of the last figure given), or -1 when s is not one. */
int sprout_rl_duration(const char *s, double *secs, double *resolution);

/* An RFC 3339 time ("2025-01-01T00:00:30Z", "...30.25+01:00") in seconds
 * since the epoch, and its resolution (1 s, or the last decimal given).
 * 0, or -1 when s is not one. */
int sprout_rl_time(const char *s, double *epoch, double *resolution);

/* ---- adaptive concurrency ------------------------------------------------------- */

/* Requests in flight between 1 and max: one at first (the first answer
 * brings the server's limits), then one more per answer (slow start) until
 * the first cut, then one more per window's worth of answers; halved on a
 * 429 or a time out, at most once per window (requests sent before the
 * last cut do not cut again). */
typedef struct sprout_aimd {
	double window, max, threshold;
	double cut_at; /* when the last cut was */
	unsigned long cuts;
	double peak; /* the largest window reached */
} sprout_aimd;

void sprout_aimd_init(sprout_aimd *a, double max);
void sprout_aimd_success(sprout_aimd *a);
/* A request sent at sent_at met congestion at now: 1 when the window was cut. */
int sprout_aimd_congested(sprout_aimd *a, double sent_at, double now);
/* How many may be in flight now. */
size_t sprout_aimd_allowed(const sprout_aimd *a);

/* ---- several servers ------------------------------------------------------------ */

/* One of several servers that answer the same requests (replicas of a
 * model, each its own URL). A server that fails (a connection refused or
 * reset, a time out, a 5xx, a 429) is set aside for a pause: first, doubled
 * at each failure in a row, at most max (and at least what its Retry-After
 * asked). When the pause is over it gets one trial request; it rejoins
 * when that one is answered, and a failed trial sets it aside again for
 * twice as long. Requests that were in flight when it was set aside end
 * as they end: their failures are the same failure, their answers do not
 * bring it back. */
typedef struct sprout_server {
	unsigned long in_flight;
	unsigned long sent;   /* requests started */
	unsigned long asides; /* times it was set aside (not counting failed trials) */
	double aside_since;   /* when it was set aside last; requests sent before
			       * then are the old ones */
	double aside_until;   /* while set aside: no request before this */
	double pause;	      /* the current pause, 0 while it is healthy */
	int aside;	      /* set aside (until its trial is answered) */
	int trial;	      /* its trial request is in flight */
} sprout_server;

void sprout_server_init(sprout_server *s);

/* Whether s is healthy (not set aside). */
int sprout_server_healthy(const sprout_server *s);

/* Seconds until s may take a request at now as far as being set aside
 * goes: 0 (healthy, or its pause is over and its trial may go), the rest
 * of its pause, or -1 while its trial is in flight. Concurrency and rate
 * limits are the caller's. */
double sprout_server_wait(const sprout_server *s, double now);

/* A request goes to s at now: its trial when s is set aside. */
void sprout_server_sent(sprout_server *s, double now);

/* A request to s sent at sent_at failed at now for the server's fault.
 * 1 when s was set aside by it (a healthy server, or a failed trial: the
 * pause doubled, at most max), for at least at_least seconds; 0 when it
 * changed nothing (a request sent before s was set aside). */
int sprout_server_failed(sprout_server *s, double sent_at, double now, double first, double max,
			 double at_least);

/* A request to s sent at sent_at got an answer (a response that is not
 * the server's failure). 1 when s rejoined (its trial was answered). */
int sprout_server_answered(sprout_server *s, double sent_at);

/* The server a request goes to: of v[0..n) those whose wait[i] is 0, the
 * one with the fewest requests in flight, then the fewest sent, then the
 * first. -1 when no wait is 0. */
long sprout_server_pick(const sprout_server *v, const double *wait, size_t n);

#ifdef __cplusplus
}
#endif
#endif
