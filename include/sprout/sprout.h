/* sprout/sprout.h - everything in libsprout, in one include.
 *
 * libsprout grows a small seed set of fine-tuning examples into a larger,
 * checked training set. The library never prints and never exits: every
 * fallible call returns a sprout_code and fills a sprout_error.
 *
 * A program outside the source tree builds with
 *   cc prog.c $(pkg-config --cflags --libs sprout)
 * after `make install` (see examples/embed/).
 */
#ifndef SPROUT_SPROUT_H
#define SPROUT_SPROUT_H

#define SPROUT_VERSION "0.1.0"

/* The public API: what `make install` puts in <prefix>/include/sprout and
 * what libsprout.so exports (PUBLIC_H in the Makefile lists the same
 * files). The other headers in this folder (dl, embed, extract, hash,
 * ratelimit, rng, spool, state, text, utf8, yaml) are the library's internals: not
 * installed, their functions hidden from the shared library and made local
 * in the installed static one. */
#include "sprout/arena.h"
#include "sprout/augment.h"
#include "sprout/batch.h"
#include "sprout/buf.h"
#include "sprout/cost.h"
#include "sprout/dedup.h"
#include "sprout/error.h"
#include "sprout/files.h"
#include "sprout/filter.h"
#include "sprout/flag.h"
#include "sprout/generate.h"
#include "sprout/io.h"
#include "sprout/json.h"
#include "sprout/judge.h"
#include "sprout/llm.h"
#include "sprout/lm.h"
#include "sprout/loop.h"
#include "sprout/meaning.h"
#include "sprout/meta.h"
#include "sprout/mix.h"
#include "sprout/pii.h"
#include "sprout/probe.h"
#include "sprout/record.h"
#include "sprout/report.h"
#include "sprout/review.h"
#include "sprout/run.h"
#include "sprout/similarity.h"
#include "sprout/slurm.h"
#include "sprout/stage.h"
#include "sprout/stats.h"
#include "sprout/template.h"
#include "sprout/wordnet.h"

/* The library's version string (SPROUT_VERSION it was built as). */
const char *sprout_version(void);

#endif
