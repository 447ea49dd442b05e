/* sprout/spool.h - records parked on disk between two passes.
 *
 * A stage that must see every record before it writes any (mix, split,
 * filter) keeps what it decides from in memory and parks the records
 * themselves in a spool: a temporary file that has no name from the start
 * (O_TMPFILE, or a name removed as soon as it is made), so it goes away
 * with the process on every exit path, a crash or a signal included. Each
 * record is stored as compact JSON (as sprout_writer_put would write it)
 * with its input file, line and format; memory holds 8 bytes of offset a
 * record, the distinct file names and formats.
 *
 * The record read back is the record put: its JSON writes the same bytes,
 * and its format, file and line are the same.
 */
#ifndef SPROUT_SPOOL_H
#define SPROUT_SPOOL_H

#include <stddef.h>

#include "sprout/arena.h"
#include "sprout/error.h"
#include "sprout/record.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sprout_spool sprout_spool;

/* A new empty spool in dir (NULL: $TMPDIR, else /tmp). NULL with
 * SPROUT_ERR_IO naming the folder, or SPROUT_ERR_NOMEM. Free with
 * sprout_spool_free. */
sprout_spool *sprout_spool_new(const char *dir, sprout_error *err);

/* Free; the file goes with it. Accepts NULL. */
void sprout_spool_free(sprout_spool *s);

/* Append a record (its obj, fmt, file and line are copied). SPROUT_ERR_IO
 * when the disk is full or failing, SPROUT_ERR_TOO_LONG for a record over
 * 4 GiB of JSON, SPROUT_ERR_NOMEM. */
sprout_code sprout_spool_put(sprout_spool *s, const sprout_record *r, sprout_error *err);

/* Records put so far. */
size_t sprout_spool_count(const sprout_spool *s);

/* Record i (0-based, i < count) as compact JSON: *json (not NUL
 * terminated) stays valid until the next call on s. */
sprout_code sprout_spool_json(sprout_spool *s, size_t i, const char **json, size_t *len,
			      sprout_error *err);

/* Record i parsed into a (the caller resets a): r->obj in a, r->arena = a,
 * r->fmt, r->file owned by the spool (valid until it is freed). */
sprout_code sprout_spool_get(sprout_spool *s, size_t i, sprout_arena *a, sprout_record *r,
			     sprout_error *err);

/* The same, read through a second window of the file: reads beside an
 * in-order pass (a record's parent, say) leave that pass's read-ahead in
 * place. r->obj stays valid as long as a does. */
sprout_code sprout_spool_get_aside(sprout_spool *s, size_t i, sprout_arena *a, sprout_record *r,
				   sprout_error *err);

/* Reading in order is what the spool is fastest at: sprout_spool_json
 * and sprout_spool_get with i, i + 1, ... read ahead in large blocks;
 * any other order costs a read a record. Each window (the in-order one,
 * the aside one) reads ahead on its own. */

#ifdef __cplusplus
}
#endif
#endif
