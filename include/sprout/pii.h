/* sprout/pii.h - personal data in text: e-mail addresses, phone numbers,
 * credit card numbers (Luhn-checked), IBANs (mod-97-checked), US social
 * security numbers, IP addresses. */
#ifndef SPROUT_PII_H
#define SPROUT_PII_H

#include <stddef.h>

#include "sprout/buf.h"
#include "sprout/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sprout_pii_kind {
	SPROUT_PII_EMAIL,
	SPROUT_PII_PHONE,
	SPROUT_PII_CARD,
	SPROUT_PII_IBAN,
	SPROUT_PII_SSN,
	SPROUT_PII_IP,
	SPROUT_PII__COUNT
} sprout_pii_kind;

/* "email", "phone", "card", "iban", "ssn", "ip". */
const char *sprout_pii_name(sprout_pii_kind k);

typedef struct sprout_pii_span {
	sprout_pii_kind kind;
	size_t off, len;
} sprout_pii_span;

/* Find personal data in s[0..n): up to max spans into out, in text order,
 * not overlapping. Returns how many were found (may exceed max: then only
 * max were written). */
size_t sprout_pii_find(const char *s, size_t n, sprout_pii_span *out, size_t max);

/* Append s with every span replaced by "[EMAIL]", "[PHONE]", ... */
sprout_code sprout_pii_redact(const char *s, size_t n, const sprout_pii_span *spans, size_t nspans,
			      sprout_buf *out);

#ifdef __cplusplus
}
#endif
#endif
