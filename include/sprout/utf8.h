/* sprout/utf8.h - UTF-8 checks shared by the reader, the JSON parser and
 * the text tools. Strict: no overlong forms, no surrogates, nothing above
 * U+10FFFF. */
#ifndef SPROUT_UTF8_H
#define SPROUT_UTF8_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Decode one code point from s[0..n). Returns its length in bytes (1-4),
 * or 0 when the bytes there are not valid UTF-8. */
size_t sprout_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/* Length of the longest valid UTF-8 prefix of s[0..n); n when all valid. */
size_t sprout_utf8_valid(const char *s, size_t n);

/* Number of code points in valid UTF-8 text s[0..n). */
size_t sprout_utf8_count(const char *s, size_t n);

/* Encode cp (<= 0x10FFFF, not a surrogate) into out; returns 1-4. */
size_t sprout_utf8_encode(uint32_t cp, char out[4]);

#ifdef __cplusplus
}
#endif
#endif
