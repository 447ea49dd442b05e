#include "test.h"
#include "util.h"

#include "sprout/pii.h"

static const char *found(const char *s)
{
	static char out[512];
	sprout_pii_span sp[16];
	size_t n = sprout_pii_find(s, strlen(s), sp, 16), o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n && i < 16; i++)
		o += (size_t)snprintf(out + o, sizeof out - o, "%s%s[%.*s]", i ? " " : "",
				      sprout_pii_name(sp[i].kind), (int)sp[i].len, s + sp[i].off);
	return out;
}

static void finds_each_kind(void)
{
	CHECK_STR(found("write to jane.doe+bank@mail.example.co.uk."),
		  "email[jane.doe+bank@mail.example.co.uk]");
	CHECK_STR(found("call 555-123-4567, +44 20 7946 0958 or (555) 123-4567"),
		  "phone[555-123-4567] phone[+44 20 7946 0958] phone[(555) 123-4567]");
	CHECK_STR(found("card 4111 1111 1111 1111 or 5500-0000-0000-0004"),
		  "card[4111 1111 1111 1111] card[5500-0000-0000-0004]");
	CHECK_STR(found("IBAN GB82 WEST 1234 5698 7654 32 and DE89370400440532013000"),
		  "iban[GB82 WEST 1234 5698 7654 32] iban[DE89370400440532013000]");
	CHECK_STR(found("ssn 078-05-1120"), "ssn[078-05-1120]");
	CHECK_STR(found("hosts 10.0.0.1 and 2001:db8:85a3::8a2e:370:7334"),
		  "ip[10.0.0.1] ip[2001:db8:85a3::8a2e:370:7334]");
}

static void checks_keep_false_alarms_out(void)
{
	/* a card number failing Luhn, an IBAN failing mod 97, invalid SSN
	 * areas, out-of-range IP parts, ids and amounts, a bare domain */
	CHECK_STR(found("4111 1111 1111 1112"), "");
	CHECK_STR(found("GB82 WEST 1234 5698 7654 33"), "");
	CHECK_STR(found("000-12-3456 666-12-3456 900-12-3456 123-00-4567"), "");
	CHECK_STR(found("10.0.0.256 and 1.2.3"), "");
	CHECK_STR(found("order 1234567890 for $12.50, 700-1000 calories, 3:30, 1/2"), "");
	CHECK_STR(found("see example.com or @support"), "");
}

static void redaction(void)
{
	const char *s = "mail a@b.io or call 555-123-4567.";
	sprout_pii_span sp[8];
	size_t n = sprout_pii_find(s, strlen(s), sp, 8);
	CHECK_INT(n, 2);
	sprout_buf b = SPROUT_BUF_INIT(1024);
	CHECK_INT(sprout_pii_redact(s, strlen(s), sp, n, &b), SPROUT_OK);
	CHECK_STR(b.data, "mail [EMAIL] or call [PHONE].");
	sprout_buf_release(&b);
}

/* The count is the same whatever max is: a span that an e-mail's local
 * part overlaps is not counted even when there was no room to write it
 * (it used to be, when it was past max). */
static void count_does_not_depend_on_max(void)
{
	static const char *const texts[] = {"a 555-123-4567@x.io b", "a@b.io+x@c.com",
					    "078-05-1120+078-05-1120@ex.org 10.0.0.1"};
	static const size_t want[] = {1, 1, 2};
	for (size_t t = 0; t < 3; t++) {
		const char *s = texts[t];
		sprout_pii_span sp[8];
		CHECK_INT(sprout_pii_find(s, strlen(s), sp, 8), want[t]);
		CHECK_INT(sp[0].kind, SPROUT_PII_EMAIL);
		for (size_t max = 0; max < want[t]; max++)
			CHECK_INT(sprout_pii_find(s, strlen(s), sp, max), want[t]);
	}
	CHECK_STR(found("a@b.io+x@c.com"), "email[b.io+x@c.com]");
}

SUITE(pii_tests) = {
    T(finds_each_kind), T(checks_keep_false_alarms_out),
    T(redaction),	T(count_does_not_depend_on_max),
    {NULL, NULL},
};
