/* sprout/stats.h - what a dataset holds: counts, formats, per-slot length
 * distributions, labels, exact duplicates, empty slots. */
#ifndef SPROUT_STATS_H
#define SPROUT_STATS_H

#include "sprout/buf.h"
#include "sprout/error.h"
#include "sprout/record.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sprout_stats sprout_stats;

/* New empty accumulator; NULL on OOM. Free with sprout_stats_free. */
sprout_stats *sprout_stats_new(void);
void sprout_stats_free(sprout_stats *st); /* accepts NULL */

/* Count one record. Fails only on OOM. */
sprout_code sprout_stats_add(sprout_stats *st, const sprout_record *r, sprout_error *err);

/* Count a record rejected while reading, by the code of its error. */
void sprout_stats_add_bad(sprout_stats *st, sprout_code why);

/* Note the format chosen for an input (why: "keys text, label", "given"). */
sprout_code sprout_stats_add_input(sprout_stats *st, const char *file, const sprout_format *f,
				   const char *why);

unsigned long sprout_stats_records(const sprout_stats *st);

/* Render for people (aligned text) or for programs (one JSON object). */
sprout_code sprout_stats_text(const sprout_stats *st, sprout_buf *out);
sprout_code sprout_stats_json(const sprout_stats *st, sprout_buf *out);

#ifdef __cplusplus
}
#endif
#endif
