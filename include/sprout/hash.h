/* sprout/hash.h - content hashes (XXH3, 128 bits, as 32 hex digits) for
 * manifests and for knowing whether a stage's inputs changed. Not for
 * security: they tell files apart, they do not authenticate them. */
#ifndef SPROUT_HASH_H
#define SPROUT_HASH_H

#include <stddef.h>

#include "sprout/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SPROUT_HASH_HEX 33 /* 32 hex digits and a NUL */

typedef struct sprout_hasher sprout_hasher;

sprout_hasher *sprout_hasher_new(void); /* NULL when out of memory */
void sprout_hasher_add(sprout_hasher *h, const void *data, size_t len);
/* Add a string and its terminating NUL, so ("ab","c") and ("a","bc") differ. */
void sprout_hasher_add_str(sprout_hasher *h, const char *s);
/* The hash of everything added so far; adding may go on after. */
void sprout_hasher_hex(const sprout_hasher *h, char hex[SPROUT_HASH_HEX]);
void sprout_hasher_free(sprout_hasher *h); /* accepts NULL */

/* Hash of a file's bytes, as stored (a gzip file is not uncompressed);
 * *bytes (may be NULL) gets its size. SPROUT_ERR_IO naming the file. */
sprout_code sprout_hash_file(const char *path, char hex[SPROUT_HASH_HEX], unsigned long long *bytes,
			     sprout_error *err);

#ifdef __cplusplus
}
#endif
#endif
