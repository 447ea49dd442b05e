/* Helpers shared by the unit tests. */
#ifndef SPROUT_TEST_UTIL_H
#define SPROUT_TEST_UTIL_H

#include "sprout/rng.h"
#include "sprout/spool.h"
#include "sprout/sprout.h"
#include "sprout/utf8.h"

/* Parse text (must succeed) in a. */
sprout_json *parse_ok(sprout_arena *a, const char *text);
/* Compact JSON of v, in a static buffer (valid until the next call). */
const char *dump(const sprout_json *v);
/* A record parsed from text with format spec ("auto" detects). */
sprout_record make_record(sprout_arena *a, const char *text, const char *fmt_spec);
/* A fresh temporary directory (removed by the test process's exit is not
 * guaranteed; tests clean what they create). */
const char *temp_dir(void);
/* Entries in dir, but . and .. (the test fails when dir cannot be read). */
int count_files(const char *dir);
/* Remove dir and everything in it. */
void remove_tree(const char *dir);
/* Whole file into a static buffer; NULL if it cannot be read. */
const char *slurp(const char *path, size_t *len);

#endif
