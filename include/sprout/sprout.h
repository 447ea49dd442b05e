/* sprout/sprout.h - everything in libsprout, in one include.
 *
 * libsprout grows a small seed set of fine-tuning examples into a larger,
 * checked training set. The library never prints and never exits: every
 * fallible call returns a sprout_code and fills a sprout_error.
 */
#ifndef SPROUT_SPROUT_H
#define SPROUT_SPROUT_H

#define SPROUT_VERSION "0.1.0"

#include "sprout/arena.h"
#include "sprout/buf.h"
#include "sprout/error.h"
#include "sprout/io.h"
#include "sprout/json.h"
#include "sprout/meta.h"
#include "sprout/record.h"
#include "sprout/rng.h"
#include "sprout/spool.h"
#include "sprout/stats.h"
#include "sprout/utf8.h"

/* The library's version string (SPROUT_VERSION it was built as). */
const char *sprout_version(void);

#endif
