/* fuzz_pii - libFuzzer target for the personal data scanners
 * (sprout_pii_find, sprout_pii_redact) on any text. Invariants: no crash
 * or UB; spans are in text order, inside the text, not empty and not
 * overlapping, of a known kind and of its shape (an e-mail holds one '@'
 * outside its ends, an SSN is 11 bytes, a card 13 to 19 digits); the
 * count does not depend on max, and with a smaller max the spans written
 * are the first of the full list; the redacted text is the text with each
 * span replaced by its tag. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "sprout/pii.h"

static void check_shape(const char *s, const sprout_pii_span *sp)
{
	const char *p = s + sp->off;
	size_t digits = 0;
	for (size_t i = 0; i < sp->len; i++)
		digits += p[i] >= '0' && p[i] <= '9';
	switch (sp->kind) {
	case SPROUT_PII_EMAIL: {
		const char *at = memchr(p, '@', sp->len);
		CHECK(at && at > p && at < p + sp->len - 1);
		break;
	}
	case SPROUT_PII_SSN: CHECK(sp->len == 11 && digits == 9); break;
	case SPROUT_PII_CARD: CHECK(digits >= 13 && digits <= 19); break;
	case SPROUT_PII_PHONE: CHECK(digits >= 10 && digits <= 15); break;
	default: break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	size_t cap = size + 1;
	sprout_pii_span *all = malloc(cap * sizeof *all), *some = malloc(cap * sizeof *some);
	CHECK(all && some);
	size_t n = sprout_pii_find(s, size, all, cap);
	CHECK(n <= size);
	size_t end = 0, tags = 0, covered = 0;
	for (size_t i = 0; i < n; i++) {
		CHECK((unsigned)all[i].kind < SPROUT_PII__COUNT);
		CHECK(all[i].len > 0 && all[i].off >= end && all[i].off + all[i].len <= size);
		check_shape(s, &all[i]);
		end = all[i].off + all[i].len;
		covered += all[i].len;
		tags += strlen(sprout_pii_name(all[i].kind)) + 2; /* "[EMAIL]" */
	}
	size_t maxes[] = {0, 1, n / 2, n ? n - 1 : 0};
	for (size_t k = 0; k < sizeof maxes / sizeof *maxes; k++) {
		size_t m = maxes[k];
		size_t got = sprout_pii_find(s, size, some, m);
		CHECK(got == n);
		for (size_t i = 0; i < m && i < n; i++)
			CHECK(some[i].kind == all[i].kind && some[i].off == all[i].off &&
			      some[i].len == all[i].len);
	}
	sprout_buf out = SPROUT_BUF_INIT((size_t)1 << 24);
	CHECK(sprout_pii_redact(s, size, all, n, &out) == SPROUT_OK);
	CHECK(out.len == size - covered + tags);
	size_t pos = 0, o = 0;
	for (size_t i = 0; i < n; i++) {
		size_t keep = all[i].off - pos;
		CHECK(!keep || memcmp(out.data + o, s + pos, keep) == 0);
		o += keep;
		CHECK(out.data[o] == '[');
		o += strlen(sprout_pii_name(all[i].kind)) + 2;
		pos = all[i].off + all[i].len;
	}
	CHECK(size == pos || memcmp(out.data + o, s + pos, size - pos) == 0);
	sprout_buf_release(&out);
	free(all);
	free(some);
	return 0;
}
