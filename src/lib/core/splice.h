/* Splicing: a record written (or hashed) once with holes where some of its
 * nodes go, so that variants which differ from it only in those nodes are
 * made by copying bytes around the holes instead of building and writing a
 * whole record each time (src/lib/makers/augment.c). Not installed. */
#ifndef SPROUT_SPLICE_H
#define SPROUT_SPLICE_H

#include "sprout/buf.h"
#include "sprout/json.h"
#include "sprout/record.h"

/* sprout_json_write of v, except that the nodes holes[0..n) are written as
 * nothing: at[k] gets the offset in b where hole k was (SIZE_MAX if never)
 * and seen[k] how many times it was met. */
sprout_code sprout_json_write_holes(sprout_buf *b, const sprout_json *v,
				    const sprout_json *const *holes, size_t n, size_t *at,
				    unsigned *seen);

/* The bytes sprout_record_hash hashes (it is XXH3-128 of them), appended to
 * b, with holes as above: for a string node in holes only its one-byte tag
 * is written; its part goes at at[k] as a native 64-bit length and then the
 * bytes (see sprout_splice_hash_part). */
sprout_code sprout_record_hash_stream(const sprout_record *r, sprout_buf *b,
				      const sprout_json *const *holes, size_t n, size_t *at,
				      unsigned *seen);

/* What goes into a hash-stream hole for the text s of n bytes. */
sprout_code sprout_splice_hash_part(sprout_buf *b, const char *s, size_t n);

#endif
