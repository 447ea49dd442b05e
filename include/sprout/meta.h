/* sprout/meta.h - provenance under the reserved key "_sprout".
 *
 * Every record sprout writes carries one "_sprout" object (schema in
 * docs/provenance.md): a stable id (hash of the content, computed once when
 * the record first enters sprout), parent and root seed ids, the method and
 * its parameters, generator details, scores, review decisions and round.
 * Values are allocated in the record's arena.
 */
#ifndef SPROUT_META_H
#define SPROUT_META_H

#include "sprout/record.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SPROUT_META_KEY	    "_sprout"
#define SPROUT_META_VERSION 1
#define SPROUT_ID_LEN	    16 /* hex digits */

/* The record's _sprout object, or NULL when it has none (or it is not an
 * object; sprout_meta_ensure reports that case). */
sprout_json *sprout_meta_get(const sprout_record *r);

/* Content id of the record as SPROUT_ID_LEN hex digits plus NUL. */
void sprout_meta_content_id(const sprout_record *r, char out[SPROUT_ID_LEN + 1]);
/* The id for a content hash from sprout_record_hash. */
void sprout_meta_hash_id(const uint64_t hash[2], char out[SPROUT_ID_LEN + 1]);

/* Make sure the record has provenance, as the last member: a record that
 * has none becomes a seed {"v","id","root","method":"seed","round":0}; one
 * that has some keeps it and gains what is missing (id, root). Fails with
 * SPROUT_ERR_RECORD when _sprout is not an object or its id not a string. */
sprout_code sprout_meta_ensure(sprout_record *r, sprout_error *err);

/* Remove _sprout. */
void sprout_meta_strip(sprout_record *r);

/* Turn child (a copy of parent with changed content) into a variant:
 * id from its new content, parent = parent's id, root = parent's root,
 * round kept, method and params (params may be NULL) set, scores, review
 * and generator cleared. parent must have provenance (sprout_meta_ensure). */
sprout_code sprout_meta_derive(sprout_record *child, const sprout_record *parent,
			       const char *method, sprout_json *params, sprout_error *err);

/* sprout_meta_derive for a child whose sprout_record_hash the caller has
 * already computed (hash[0] gives the id). */
sprout_code sprout_meta_derive_hashed(sprout_record *child, const sprout_record *parent,
				      const char *method, sprout_json *params,
				      const uint64_t hash[2], sprout_error *err);

/* Record a score: _sprout.scores[name] = value (shortest exact decimal). */
sprout_code sprout_meta_set_score(sprout_record *r, const char *name, double value,
				  sprout_error *err);
/* The same with any value (allocated in r's arena; NULL fails as out of
 * memory): the judge's {"score", "min", "reason"}. */
sprout_code sprout_meta_set_score_value(sprout_record *r, const char *name, sprout_json *value,
					sprout_error *err);

/* The id in _sprout, or NULL. */
const char *sprout_meta_id(const sprout_record *r);

#ifdef __cplusplus
}
#endif
#endif
