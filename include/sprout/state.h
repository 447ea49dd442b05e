/* sprout/state.h - what a run has finished, kept across crashes: a small
 * key-value store in one SQLite file (WAL), each put its own transaction,
 * so after a kill a key holds its old value or its new one, never half. */
#ifndef SPROUT_STATE_H
#define SPROUT_STATE_H

#include "sprout/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sprout_state sprout_state;

/* Open (creating) the store at path. SPROUT_ERR_IO naming the file. */
sprout_state *sprout_state_open(const char *path, sprout_error *err);

/* The value under key, NUL-terminated, in *value (free() it); SPROUT_END
 * with *value NULL when there is none. */
sprout_code sprout_state_get(sprout_state *s, const char *key, char **value, sprout_error *err);

sprout_code sprout_state_put(sprout_state *s, const char *key, const char *value,
			     sprout_error *err);

/* Remove every key that starts with prefix ("stage/" clears all stages).
 * Removing nothing is not an error. */
sprout_code sprout_state_remove_prefix(sprout_state *s, const char *prefix, sprout_error *err);

void sprout_state_close(sprout_state *s); /* accepts NULL */

#ifdef __cplusplus
}
#endif
#endif
