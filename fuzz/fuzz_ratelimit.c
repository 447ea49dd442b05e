/* libFuzzer target for what sprout reads about pace and price: the
 * rate-limit header lines of a server's answer (and so the duration and
 * RFC 3339 parsers) and a user's price file. Invariants: no crash, no
 * leak; a header read gives finite, non-negative numbers and sets only the
 * masks' known bits; a bucket fed them never has a level above its limit
 * or a rate below 0; a price file is read whole or not at all, with a
 * message, and every price read is within its range. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sprout/cost.h"
#include "sprout/ratelimit.h"

#define CHECK(c)                                                                          \
	do {                                                                              \
		if (!(c)) {                                                               \
			fprintf(stderr, "fuzz_ratelimit: invariant broken at %s:%d: %s\n", \
				__FILE__, __LINE__, #c);                                  \
			abort();                                                          \
		}                                                                         \
	} while (0)

static void headers(const char *s, size_t n)
{
	sprout_rl_headers h;
	memset(&h, 0, sizeof h);
	/* every line of the input is a header line */
	for (size_t at = 0; at < n;) {
		const char *nl = memchr(s + at, '\n', n - at);
		size_t len = nl ? (size_t)(nl - (s + at)) + 1 : n - at;
		sprout_rl_header(&h, s + at, len, 1.7e9);
		at += len;
	}
	unsigned all = (1u << SPROUT_RL__COUNT) - 1;
	CHECK(!(h.has_limit & ~all) && !(h.has_remaining & ~all) && !(h.has_reset & ~all));
	sprout_bucket b = SPROUT_BUCKET_INIT;
	for (int k = 0; k < SPROUT_RL__COUNT; k++) {
		unsigned bit = 1u << k;
		if (h.has_limit & bit)
			CHECK(isfinite(h.limit[k]) && h.limit[k] >= 0);
		if (h.has_remaining & bit)
			CHECK(isfinite(h.remaining[k]) && h.remaining[k] >= 0);
		if (h.has_reset & bit)
			CHECK(isfinite(h.reset[k]) && h.reset[k] >= 0 && h.resolution[k] > 0);
		if (h.has_limit & h.has_remaining & bit) {
			sprout_bucket_heard(&b, h.limit[k], h.remaining[k],
					    h.has_reset & bit ? h.reset[k] : -1, h.resolution[k], 1, k & 1,
					    10.0 * k);
			CHECK(b.rate >= 0 && b.level <= b.limit);
			double w = sprout_bucket_wait(&b, 3, 10.0 * k + 1);
			CHECK(w >= 0 && !isnan(w));
		}
	}
	/* the value parsers on the whole input, as text */
	char *t = malloc(n + 1);
	CHECK(t);
	memcpy(t, s, n);
	t[n] = '\0';
	double x, r;
	if (!sprout_rl_duration(t, &x, &r))
		CHECK(isfinite(x) && x >= 0 && r > 0);
	if (!sprout_rl_time(t, &x, &r))
		CHECK(isfinite(x) && r > 0);
	free(t);
}

static void prices(const char *s, size_t n)
{
	sprout_prices *p = sprout_prices_new();
	CHECK(p);
	size_t before = sprout_prices_count(p);
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_code rc = sprout_prices_read(p, s, n, "fuzz.yaml", &err);
	if (rc) {
		CHECK(err.msg[0]);
		CHECK(sprout_prices_count(p) == before);
	}
	for (size_t i = 0; i < sprout_prices_count(p); i++) {
		const sprout_price *e = sprout_prices_at(p, i);
		CHECK(e->model && e->input >= 0 && e->output >= 0 && e->cached_input >= 0);
		CHECK(e->batch_discount >= 0 && e->batch_discount <= 1);
		CHECK(sprout_prices_find(p, e->model) == e);
		sprout_usage u = {1000, 10, 1000};
		CHECK(sprout_price_cost(e, &u, 1) <= sprout_price_cost(e, &u, 0));
	}
	sprout_prices_free(p);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	if (!size)
		return 0;
	/* the first byte picks the target */
	if (data[0] & 1)
		headers((const char *)data + 1, size - 1);
	else
		prices((const char *)data + 1, size - 1);
	return 0;
}
