/* A small unit-test harness: each test runs in its own process (a crash or
 * sanitizer report fails that test only). */
#ifndef SPROUT_TEST_H
#define SPROUT_TEST_H

#include <stdio.h>
#include <string.h>

struct test {
	const char *name;
	void (*fn)(void);
};

/* Set by a failing check in the child; the process then exits non-zero. */
void test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));

#define T(fn) {#fn, fn}
#define SUITE(name) const struct test name[]

#define CHECK(cond)                                                                     \
	do {                                                                            \
		if (!(cond))                                                            \
			test_fail(__FILE__, __LINE__, "check failed: %s", #cond);       \
	} while (0)

#define CHECK_INT(got, want)                                                            \
	do {                                                                            \
		long long g_ = (long long)(got), w_ = (long long)(want);                \
		if (g_ != w_)                                                           \
			test_fail(__FILE__, __LINE__, "%s: got %lld, want %lld", #got, g_, \
				  w_);                                                  \
	} while (0)

#define CHECK_STR(got, want)                                                            \
	do {                                                                            \
		const char *g_ = (got), *w_ = (want);                                   \
		if (!g_ || strcmp(g_, w_) != 0)                                         \
			test_fail(__FILE__, __LINE__, "%s:\n  got  %s\n  want %s", #got,   \
				  g_ ? g_ : "(null)", w_);                              \
	} while (0)

#define CHECK_MEM(got, gotlen, want)                                                    \
	do {                                                                            \
		const char *w_ = (want);                                                \
		size_t gl_ = (gotlen), wl_ = strlen(w_);                                \
		if (gl_ != wl_ || memcmp((got), w_, wl_) != 0)                          \
			test_fail(__FILE__, __LINE__, "%s:\n  got  %.*s\n  want %s", #got, \
				  (int)gl_, (const char *)(got), w_);                   \
	} while (0)

#endif
