/* Personal data detection: hand-written scanners, each with the check that
 * keeps false alarms down (Luhn for cards, mod 97 for IBANs, ranges for
 * SSNs and IP addresses). */
#include "sprout/pii.h"

#include <string.h>

static const char *const names[SPROUT_PII__COUNT] = {"email", "phone", "card", "iban", "ssn", "ip"};
static const char *const tags[SPROUT_PII__COUNT] = {"[EMAIL]", "[PHONE]", "[CARD]",
						    "[IBAN]",  "[SSN]",	  "[IP]"};

const char *sprout_pii_name(sprout_pii_kind k)
{
	return (unsigned)k < SPROUT_PII__COUNT ? names[k] : "unknown";
}

static int digit(char c)
{
	return c >= '0' && c <= '9';
}

static int alpha(char c)
{
	return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

static int alnum(char c)
{
	return digit(c) || alpha(c);
}

/* A token boundary: start/end of text or a character that is not a letter
 * or digit (so "A1234" is not a phone number's start). */
static int boundary_before(const char *s, size_t i)
{
	return i == 0 || !alnum(s[i - 1]);
}

static int boundary_after(const char *s, size_t n, size_t i)
{
	return i >= n || !alnum(s[i]);
}

/* e-mail: local@domain.tld, the TLD two letters or more */
static size_t email_at(const char *s, size_t n, size_t at, size_t *start)
{
	size_t b = at;
	while (b > 0 && (alnum(s[b - 1]) || strchr("._%+-", s[b - 1])))
		b--;
	while (b < at && s[b] == '.')
		b++;
	if (b == at)
		return 0;
	size_t e = at + 1;
	while (e < n && (alnum(s[e]) || s[e] == '-' || s[e] == '.'))
		e++;
	while (e > at + 1 && (s[e - 1] == '.' || s[e - 1] == '-')) /* a sentence's end */
		e--;
	size_t last_dot = 0;
	for (size_t k = at + 1; k < e; k++)
		if (s[k] == '.')
			last_dot = k;
	if (!last_dot || last_dot == at + 1 || e - last_dot - 1 < 2)
		return 0;
	for (size_t k = last_dot + 1; k < e; k++)
		if (!alpha(s[k]))
			return 0;
	*start = b;
	return e - b;
}

static int luhn(const char *d, size_t n)
{
	int sum = 0, dbl = 0;
	for (size_t i = n; i-- > 0;) {
		int v = d[i] - '0';
		if (dbl && (v *= 2) > 9)
			v -= 9;
		sum += v;
		dbl = !dbl;
	}
	return sum % 10 == 0;
}

/* Digits with single spaces, dashes, dots or parentheses between them,
 * starting at i: returns the span length and the digits in d. */
static size_t digit_run(const char *s, size_t n, size_t i, char *d, size_t *nd, size_t maxd)
{
	size_t j = i, k = 0;
	if (j < n && s[j] == '+')
		j++;
	if (j < n && s[j] == '(')
		j++;
	while (j < n && k < maxd) {
		if (digit(s[j])) {
			d[k++] = s[j++];
			continue;
		}
		if ((s[j] == ' ' || s[j] == '-' || s[j] == '.' || s[j] == ')' || s[j] == '(') &&
		    j + 1 < n &&
		    (digit(s[j + 1]) ||
		     (s[j] == ')' && s[j + 1] == ' ' && j + 2 < n && digit(s[j + 2])))) {
			j += s[j] == ')' && s[j + 1] == ' ' ? 2 : 1;
			continue;
		}
		break;
	}
	*nd = k;
	return j - i;
}

/* mod-97 check of an IBAN given without separators */
static int iban_ok(const char *c, size_t n)
{
	if (n < 15 || n > 34 || !alpha(c[0]) || !alpha(c[1]) || !digit(c[2]) || !digit(c[3]))
		return 0;
	unsigned r = 0;
	for (size_t i = 0; i < n; i++) {
		char ch = c[(i + 4) % n];
		if (digit(ch)) {
			r = (r * 10 + (unsigned)(ch - '0')) % 97;
		} else if (alpha(ch)) {
			unsigned v = (unsigned)((ch | 0x20) - 'a' + 10);
			r = (r * 100 + v) % 97;
		} else {
			return 0;
		}
	}
	return r == 1;
}

/* An IBAN at i: its length; *skip gets the length of an IBAN-shaped run
 * that failed the check (its digits are no phone number either). */
static size_t iban_at(const char *s, size_t n, size_t i, size_t *skip)
{
	*skip = 0;
	if (!boundary_before(s, i) || i + 4 > n || !(s[i] >= 'A' && s[i] <= 'Z') ||
	    !(s[i + 1] >= 'A' && s[i + 1] <= 'Z') || !digit(s[i + 2]) || !digit(s[i + 3]))
		return 0;
	char c[40];
	size_t k = 0, j = i;
	while (j < n && k < sizeof c) {
		if (alnum(s[j])) {
			c[k++] = (char)(s[j] >= 'a' ? s[j] - 32 : s[j]);
			j++;
		} else if (s[j] == ' ' && j + 1 < n && alnum(s[j + 1]) && k % 4 == 0) {
			j++; /* printed in groups of four */
		} else {
			break;
		}
	}
	if (!boundary_after(s, n, j))
		return 0;
	if (iban_ok(c, k))
		return j - i;
	if (k >= 15)
		*skip = j - i;
	return 0;
}

/* 123-45-6789, not 000/666/9xx, group and serial not zero */
static size_t ssn_at(const char *s, size_t n, size_t i)
{
	if (i + 11 > n || !boundary_before(s, i) || !boundary_after(s, n, i + 11))
		return 0;
	for (size_t k = 0; k < 11; k++) {
		int dash = k == 3 || k == 6;
		if (dash ? s[i + k] != '-' : !digit(s[i + k]))
			return 0;
	}
	int area = (s[i] - '0') * 100 + (s[i + 1] - '0') * 10 + (s[i + 2] - '0');
	int group = (s[i + 4] - '0') * 10 + (s[i + 5] - '0');
	int serial = (s[i + 7] - '0') * 1000 + (s[i + 8] - '0') * 100 + (s[i + 9] - '0') * 10 +
		     (s[i + 10] - '0');
	if (area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0)
		return 0;
	return 11;
}

/* IPv4 a.b.c.d with each part 0-255 */
static size_t ipv4_at(const char *s, size_t n, size_t i)
{
	if (!boundary_before(s, i) || (i > 0 && s[i - 1] == '.'))
		return 0;
	size_t j = i;
	for (int part = 0; part < 4; part++) {
		if (part && (j >= n || s[j++] != '.'))
			return 0;
		size_t d = 0;
		int v = 0;
		while (j < n && digit(s[j]) && d < 3) {
			v = v * 10 + (s[j++] - '0');
			d++;
		}
		if (!d || v > 255 || (d > 1 && s[j - d] == '0'))
			return 0;
	}
	if (j < n && (digit(s[j]) || (s[j] == '.' && j + 1 < n && digit(s[j + 1])) || alpha(s[j])))
		return 0;
	return j - i;
}

static int hexdig(char c)
{
	return digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

/* IPv6: groups of hex digits with colons, at least 3 colons, "::" once */
static size_t ipv6_at(const char *s, size_t n, size_t i)
{
	if (!boundary_before(s, i) || (i > 0 && s[i - 1] == ':'))
		return 0;
	size_t j = i, colons = 0, groups = 0, run = 0;
	int dbl = 0;
	while (j < n) {
		if (hexdig(s[j])) {
			if (++run > 4)
				return 0;
		} else if (s[j] == ':') {
			if (run)
				groups++;
			else if (j > i && s[j - 1] == ':')
				dbl++;
			else if (j + 1 < n && s[j + 1] != ':' && j != i)
				return 0;
			run = 0;
			colons++;
		} else {
			break;
		}
		j++;
	}
	if (run)
		groups++;
	while (j > i && s[j - 1] == ':' && !(j >= 2 && s[j - 2] == ':'))
		j--, colons--;
	if (colons < 3 || dbl > 1 || (groups < 8 && !dbl) || groups > 8 ||
	    alnum(j < n ? s[j] : ' '))
		return 0;
	return j - i;
}

/* Count a span, written when there is room; not when it ends after cut
 * (inside an e-mail's local part). */
static size_t add(sprout_pii_span *out, size_t count, size_t max, sprout_pii_kind k, size_t off,
		  size_t len, size_t cut, size_t *email_end)
{
	if (off + len > cut)
		return count;
	if (count < max)
		out[count] = (sprout_pii_span){k, off, len};
	*email_end = 0;
	return count + 1;
}

size_t sprout_pii_find(const char *s, size_t n, sprout_pii_span *out, size_t max)
{
	size_t count = 0, i = 0;
	size_t email_end = 0; /* the end of the last span when it is an e-mail, else 0 */
	while (i < n) {
		size_t len, start = 0;
		/* e-mail: look at each '@' (the local part lies before it) */
		const char *at = memchr(s + i, '@', n - i);
		size_t next_at = at ? (size_t)(at - s) : n;
		size_t email = at ? email_at(s, n, next_at, &start) : 0;
		/* a span the e-mail's local part overlaps is not kept (decided
		 * before it is counted, so that the count does not depend on
		 * max); only the last e-mail can reach into the local part from
		 * before i, as the local part stops at its '@' */
		size_t cut = email ? start : n;
		if (email && email_end > start) {
			count--;
			email_end = 0;
		}
		/* scan positions up to the next '@' for the other kinds */
		for (; i < next_at; i++) {
			if (!boundary_before(s, i))
				continue;
			size_t skip;
			if ((len = iban_at(s, n, i, &skip))) {
				count =
				    add(out, count, max, SPROUT_PII_IBAN, i, len, cut, &email_end);
				i += len - 1;
				continue;
			}
			if (skip) {
				i += skip - 1;
				continue;
			}
			if (!digit(s[i]) && s[i] != '+' && s[i] != '(' && !hexdig(s[i]) &&
			    s[i] != ':')
				continue;
			if ((len = ssn_at(s, n, i))) {
				count =
				    add(out, count, max, SPROUT_PII_SSN, i, len, cut, &email_end);
				i += len - 1;
				continue;
			}
			if ((len = ipv4_at(s, n, i))) {
				count =
				    add(out, count, max, SPROUT_PII_IP, i, len, cut, &email_end);
				i += len - 1;
				continue;
			}
			if ((len = ipv6_at(s, n, i))) {
				count =
				    add(out, count, max, SPROUT_PII_IP, i, len, cut, &email_end);
				i += len - 1;
				continue;
			}
			if (!digit(s[i]) && s[i] != '+' && s[i] != '(')
				continue;
			char d[24];
			size_t nd;
			len = digit_run(s, n, i, d, &nd, sizeof d);
			if (!boundary_after(s, n, i + len)) {
				i += len ? len - 1 : 0;
				continue;
			}
			/* 13-19 digits passing Luhn: a card number */
			if (nd >= 13 && nd <= 19 && luhn(d, nd)) {
				count =
				    add(out, count, max, SPROUT_PII_CARD, i, len, cut, &email_end);
				i += len - 1;
				continue;
			}
			/* 10-15 digits with a separator or a leading + or (: a phone
			 * number ("555-123-4567", "+44 20 7946 0958"); a bare run of
			 * digits is more often an id or an amount */
			int separated = len > nd;
			if (nd >= 10 && nd <= 15 && separated) {
				count =
				    add(out, count, max, SPROUT_PII_PHONE, i, len, cut, &email_end);
				i += len - 1;
				continue;
			}
			if (len)
				i += len - 1;
		}
		if (!at)
			break;
		if (email) {
			count = add(out, count, max, SPROUT_PII_EMAIL, start, email, n, &email_end);
			email_end = start + email;
			i = start + email;
		} else {
			i = next_at + 1;
		}
	}
	return count;
}

sprout_code sprout_pii_redact(const char *s, size_t n, const sprout_pii_span *spans, size_t nspans,
			      sprout_buf *out)
{
	size_t pos = 0;
	for (size_t i = 0; i < nspans; i++) {
		const sprout_pii_span *sp = &spans[i];
		if (sp->off < pos || sp->off + sp->len > n)
			continue;
		sprout_code rc = sprout_buf_add(out, s + pos, sp->off - pos);
		if (!rc)
			rc = sprout_buf_adds(out, tags[sp->kind]);
		if (rc)
			return rc;
		pos = sp->off + sp->len;
	}
	return sprout_buf_add(out, s + pos, n - pos);
}
