/* Token buckets fed by hand or by the servers' rate-limit headers, the
 * header parsers, adaptive concurrency. See sprout/ratelimit.h. */
#include "sprout/ratelimit.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* ---- buckets ------------------------------------------------------------------ */

static void refill(sprout_bucket *b, double now)
{
	if (now > b->at) {
		b->level += b->rate * (now - b->at);
		if (b->level > b->limit)
			b->level = b->limit;
		b->at = now;
	}
}

void sprout_bucket_per_minute(sprout_bucket *b, double per_minute, double now)
{
	sprout_bucket z = SPROUT_BUCKET_INIT;
	*b = z;
	if (per_minute > 0) {
		b->limit = per_minute;
		b->rate = per_minute / 60;
		b->level = per_minute;
		b->at = now;
	}
}

double sprout_bucket_wait(sprout_bucket *b, double cost, double now)
{
	if (b->limit <= 0)
		return 0;
	refill(b, now);
	double need = cost < b->limit ? cost : b->limit;
	if (b->level >= need)
		return 0;
	return b->rate > 0 ? (need - b->level) / b->rate : 60;
}

void sprout_bucket_take(sprout_bucket *b, double cost, double now)
{
	if (b->limit <= 0)
		return;
	refill(b, now);
	b->level -= cost;
}

void sprout_bucket_give(sprout_bucket *b, double cost, double now)
{
	if (b->limit <= 0 || cost <= 0)
		return;
	refill(b, now);
	b->level += cost;
	if (b->level > b->limit)
		b->level = b->limit;
}

void sprout_bucket_heard(sprout_bucket *b, double limit, double remaining, double reset,
			 double resolution, double pending, int fresh, double now)
{
	if (!(limit > 0) || !(remaining >= 0))
		return;
	if (b->limit > 0)
		refill(b, now); /* at the rate known until now */
	if (!b->heard || limit != b->limit) {
		/* a new limit: what was learnt of the old one's rate is void */
		b->best = 0;
		b->heard = 1;
		fresh = 1;
	}
	b->limit = limit;
	if (remaining > limit)
		remaining = limit;
	double used = limit - remaining;
	if (reset >= 0 && used >= 2) {
		double r = (used - 1) / (reset + (resolution > 0 ? resolution : 0));
		if (r > b->best)
			b->best = r;
	}
	b->rate = b->best > 0 ? b->best : limit / 60;
	double level = remaining - (pending > 0 ? pending : 0);
	if (fresh || level < b->level)
		b->level = level;
	if (b->level > limit)
		b->level = limit;
	b->at = now;
}

/* ---- header values --------------------------------------------------------------- */

int sprout_rl_duration(const char *s, double *secs, double *resolution)
{
	double total = 0, res = 0;
	int parts = 0;
	while (*s == ' ')
		s++;
	while (*s && *s != ' ') {
		if (!isdigit((unsigned char)*s) && *s != '.')
			return -1;
		const char *p = s;
		while (isdigit((unsigned char)*p))
			p++;
		int decimals = 0;
		if (*p == '.') {
			p++;
			while (isdigit((unsigned char)p[decimals]))
				decimals++;
			if (!decimals)
				return -1; /* "1.s" */
			p += decimals;
		}
		char *end;
		double v = strtod(s, &end);
		if (end != p || p == s)
			return -1;
		double unit;
		size_t ul;
		if (!strncmp(p, "ms", 2)) {
			unit = 1e-3, ul = 2;
		} else if (!strncmp(p, "us", 2)) {
			unit = 1e-6, ul = 2;
		} else if (!strncmp(p, "\xc2\xb5s", 3)) {
			unit = 1e-6, ul = 3;
		} else if (!strncmp(p, "ns", 2)) {
			unit = 1e-9, ul = 2;
		} else if (*p == 'h') {
			unit = 3600, ul = 1;
		} else if (*p == 'm') {
			unit = 60, ul = 1;
		} else if (*p == 's') {
			unit = 1, ul = 1;
		} else if (!*p || *p == ' ') {
			if (parts)
				return -1; /* "1m30": a bare number only alone */
			unit = 1, ul = 0;
		} else {
			return -1;
		}
		total += v * unit;
		res = unit * pow(10, -decimals);
		parts++;
		s = p + ul;
	}
	while (*s == ' ')
		s++;
	if (!parts || *s || !isfinite(total))
		return -1;
	*secs = total;
	*resolution = res;
	return 0;
}

/* n digits at s as a number, or -1. */
static int digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int sprout_rl_time(const char *s, double *epoch, double *resolution)
{
	while (*s == ' ')
		s++;
	/* YYYY-MM-DDTHH:MM:SS */
	if (strlen(s) < 20 || s[4] != '-' || s[7] != '-' ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' || s[16] != ':')
		return -1;
	int Y = digits(s, 4), M = digits(s + 5, 2), D = digits(s + 8, 2), h = digits(s + 11, 2),
	    mi = digits(s + 14, 2), se = digits(s + 17, 2);
	if (Y < 1970 || M < 1 || M > 12 || D < 1 || D > 31 || h < 0 || h > 23 || mi < 0 ||
	    mi > 59 || se < 0 || se > 60)
		return -1;
	const char *p = s + 19;
	double frac = 0, res = 1;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		for (double f = 0.1; isdigit((unsigned char)*p); p++, f /= 10) {
			frac += (*p - '0') * f;
			res = f;
		}
	}
	long off = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh = digits(p + 1, 2), om = p[3] == ':' ? digits(p + 4, 2) : -1;
		if (oh < 0 || oh > 23 || om < 0 || om > 59)
			return -1;
		off = (oh * 3600L + om * 60L) * (*p == '-' ? -1 : 1);
		p += 6;
	} else {
		return -1;
	}
	while (*p == ' ')
		p++;
	if (*p)
		return -1;
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = Y - 1900;
	tm.tm_mon = M - 1;
	tm.tm_mday = D;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	time_t t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	*epoch = (double)t - (double)off + frac;
	*resolution = res;
	return 0;
}

/* ---- header lines ------------------------------------------------------------------- */

int sprout_rl_header(sprout_rl_headers *h, const char *line, size_t len, double wall_now)
{
	static const char *const kinds[SPROUT_RL__COUNT] = {"requests", "tokens", "input-tokens",
							    "output-tokens"};
	static const char *const fields[3] = {"limit", "remaining", "reset"};
	const char *colon = memchr(line, ':', len);
	if (!colon)
		return 0;
	size_t nlen = (size_t)(colon - line);
	char name[64], value[128];
	if (nlen >= sizeof name)
		return 0;
	for (size_t i = 0; i < nlen; i++)
		name[i] = (char)tolower((unsigned char)line[i]);
	name[nlen] = '\0';
	const char *v = colon + 1;
	size_t vlen = len - nlen - 1;
	while (vlen && (*v == ' ' || *v == '\t'))
		v++, vlen--;
	while (vlen && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' || v[vlen - 1] == ' '))
		vlen--;
	if (!vlen || vlen >= sizeof value)
		return 0;
	memcpy(value, v, vlen);
	value[vlen] = '\0';
	int kind = -1, field = -1, anthropic = 0;
	char want[64];
	for (int k = 0; k < SPROUT_RL__COUNT && kind < 0; k++)
		for (int f = 0; f < 3 && kind < 0; f++) {
			/* OpenAI has requests and tokens only */
			if (k < SPROUT_RL_INPUT_TOKENS) {
				snprintf(want, sizeof want, "x-ratelimit-%s-%s", fields[f],
					 kinds[k]);
				if (!strcmp(name, want))
					kind = k, field = f;
			}
			snprintf(want, sizeof want, "anthropic-ratelimit-%s-%s", kinds[k],
				 fields[f]);
			if (kind < 0 && !strcmp(name, want))
				kind = k, field = f, anthropic = 1;
		}
	if (kind < 0)
		return 0;
	unsigned bit = 1u << kind;
	if (field < 2) {
		char *end;
		double n = strtod(value, &end);
		if (end == value || *end || !(n >= 0) || !isfinite(n))
			return 0;
		if (field == 0) {
			h->limit[kind] = n;
			h->has_limit |= bit;
		} else {
			h->remaining[kind] = n;
			h->has_remaining |= bit;
		}
		return 1;
	}
	double secs, res;
	if (anthropic) {
		double at;
		if (sprout_rl_time(value, &at, &res))
			return 0;
		secs = at - wall_now;
	} else if (sprout_rl_duration(value, &secs, &res)) {
		return 0;
	}
	h->reset[kind] = secs > 0 ? secs : 0;
	h->resolution[kind] = res;
	h->has_reset |= bit;
	return 1;
}

/* ---- adaptive concurrency --------------------------------------------------------- */

void sprout_aimd_init(sprout_aimd *a, double max)
{
	a->max = max >= 1 ? max : 1;
	a->window = 1;
	a->threshold = a->max;
	a->cut_at = -HUGE_VAL;
	a->cuts = 0;
	a->peak = 1;
}

void sprout_aimd_success(sprout_aimd *a)
{
	a->window += a->window < a->threshold ? 1 : 1 / a->window;
	if (a->window > a->max)
		a->window = a->max;
	if (a->window > a->peak)
		a->peak = a->window;
}

int sprout_aimd_congested(sprout_aimd *a, double sent_at, double now)
{
	if (sent_at < a->cut_at)
		return 0; /* sent before the last cut: that cut answered it */
	a->window = a->window / 2 >= 1 ? a->window / 2 : 1;
	a->threshold = a->window;
	a->cut_at = now;
	a->cuts++;
	return 1;
}

size_t sprout_aimd_allowed(const sprout_aimd *a)
{
	size_t n = (size_t)a->window;
	return n ? n : 1;
}

/* ---- several servers ------------------------------------------------------------- */

void sprout_server_init(sprout_server *s)
{
	memset(s, 0, sizeof *s);
	s->aside_since = -HUGE_VAL;
}

int sprout_server_healthy(const sprout_server *s)
{
	return !s->aside;
}

double sprout_server_wait(const sprout_server *s, double now)
{
	if (!s->aside)
		return 0;
	if (s->trial)
		return -1;
	return now < s->aside_until ? s->aside_until - now : 0;
}

void sprout_server_sent(sprout_server *s, double now)
{
	(void)now;
	s->in_flight++;
	s->sent++;
	if (s->aside)
		s->trial = 1;
}

/* A request sent at sent_at ended: 1 when it was sent after s was last
 * set aside (its trial, or any while s is healthy). */
static int server_ended(sprout_server *s, double sent_at)
{
	if (s->in_flight)
		s->in_flight--;
	return sent_at >= s->aside_since;
}

int sprout_server_failed(sprout_server *s, double sent_at, double now, double first, double max,
			 double at_least)
{
	if (!server_ended(s, sent_at))
		return 0; /* the failure that set it aside, seen again */
	if (s->aside) {
		s->pause = s->pause * 2 < max ? s->pause * 2 : max;
	} else {
		s->pause = first < max ? first : max;
		s->asides++;
	}
	s->aside = 1;
	s->trial = 0;
	s->aside_since = now;
	s->aside_until = now + (at_least > s->pause ? at_least : s->pause);
	return 1;
}

int sprout_server_answered(sprout_server *s, double sent_at)
{
	if (!server_ended(s, sent_at) || !s->aside)
		return 0;
	s->aside = 0;
	s->trial = 0;
	s->pause = 0;
	return 1;
}

long sprout_server_pick(const sprout_server *v, const double *wait, size_t n)
{
	long best = -1;
	for (size_t i = 0; i < n; i++) {
		if (wait[i] != 0)
			continue;
		if (best < 0 || v[i].in_flight < v[best].in_flight ||
		    (v[i].in_flight == v[best].in_flight && v[i].sent < v[best].sent))
			best = (long)i;
	}
	return best;
}
