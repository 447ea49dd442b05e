/* Provenance: the _sprout object. */
#include "sprout/meta.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

sprout_json *sprout_meta_get(const sprout_record *r)
{
	sprout_json *m = sprout_json_get(r->obj, SPROUT_META_KEY);
	return m && m->type == SPROUT_JSON_OBJECT ? m : NULL;
}

const char *sprout_meta_id(const sprout_record *r)
{
	sprout_json *id = sprout_json_get(sprout_meta_get(r), "id");
	return id && id->type == SPROUT_JSON_STRING ? id->u.s : NULL;
}

void sprout_meta_hash_id(const uint64_t h[2], char out[SPROUT_ID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < 16; i++)
		out[i] = hex[(h[0] >> (60 - 4 * i)) & 15];
	out[16] = '\0';
}

void sprout_meta_content_id(const sprout_record *r, char out[SPROUT_ID_LEN + 1])
{
	uint64_t h[2];
	sprout_record_hash(r, h);
	sprout_meta_hash_id(h, out);
}

static sprout_code nomem(sprout_error *err)
{
	return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
}

/* Move the member named key to the end of obj. */
static void move_last(sprout_json *obj, const char *key)
{
	long i = sprout_json_index(obj, key);
	if (i < 0 || (size_t)i + 1 == obj->len)
		return;
	sprout_json_member m = obj->u.members[i];
	memmove(obj->u.members + i, obj->u.members + i + 1, (obj->len - (size_t)i - 1) * sizeof m);
	obj->u.members[obj->len - 1] = m;
}

static sprout_json *str(sprout_arena *a, const char *s)
{
	return sprout_json_string(a, s, strlen(s));
}

/* Insert a member at idx, or at the end when there are fewer members. */
static int put_at(sprout_arena *a, sprout_json *m, size_t idx, const char *key, sprout_json *v)
{
	return !v || sprout_json_insert(a, m, idx < m->len ? idx : m->len, key, strlen(key), v);
}

sprout_code sprout_meta_ensure(sprout_record *r, sprout_error *err)
{
	sprout_arena *a = r->arena;
	sprout_json *m = sprout_json_get(r->obj, SPROUT_META_KEY);
	if (m && m->type != SPROUT_JSON_OBJECT)
		return sprout_error_set(err, SPROUT_ERR_RECORD,
					"reserved key '%s' is not an object", SPROUT_META_KEY);
	size_t copies = 0;
	for (size_t i = 0; i < r->obj->len; i++)
		copies +=
		    r->obj->u.members[i].klen == strlen(SPROUT_META_KEY) &&
		    memcmp(r->obj->u.members[i].key, SPROUT_META_KEY, strlen(SPROUT_META_KEY)) == 0;
	if (copies > 1)
		return sprout_error_set(err, SPROUT_ERR_RECORD,
					"reserved key '%s' appears %zu times", SPROUT_META_KEY,
					copies);
	sprout_json *id = sprout_json_get(m, "id");
	if (id && id->type != SPROUT_JSON_STRING)
		return sprout_error_set(err, SPROUT_ERR_RECORD, "'%s.id' is not a string",
					SPROUT_META_KEY);
	if (!m) {
		m = sprout_json_new(a, SPROUT_JSON_OBJECT);
		if (!m || sprout_json_set(a, r->obj, SPROUT_META_KEY, m))
			return nomem(err);
	}
	/* fill in what is missing, in the documented order */
	if (!sprout_json_get(m, "v") &&
	    put_at(a, m, 0, "v", sprout_json_integer(a, SPROUT_META_VERSION)))
		return nomem(err);
	if (!id) {
		char cid[SPROUT_ID_LEN + 1];
		sprout_meta_content_id(r, cid);
		if (put_at(a, m, 1, "id", id = str(a, cid)))
			return nomem(err);
	}
	if (!sprout_json_get(m, "root") && put_at(a, m, 2, "root", id))
		return nomem(err);
	if (!sprout_json_get(m, "method") && put_at(a, m, 3, "method", str(a, "seed")))
		return nomem(err);
	if (!sprout_json_get(m, "round") && put_at(a, m, 4, "round", sprout_json_integer(a, 0)))
		return nomem(err);
	move_last(r->obj, SPROUT_META_KEY);
	return SPROUT_OK;
}

void sprout_meta_strip(sprout_record *r)
{
	sprout_json_remove(r->obj, SPROUT_META_KEY);
}

sprout_code sprout_meta_derive(sprout_record *child, const sprout_record *parent,
			       const char *method, sprout_json *params, sprout_error *err)
{
	uint64_t h[2];
	sprout_record_hash(child, h);
	return sprout_meta_derive_hashed(child, parent, method, params, h, err);
}

sprout_code sprout_meta_derive_hashed(sprout_record *child, const sprout_record *parent,
				      const char *method, sprout_json *params,
				      const uint64_t hash[2], sprout_error *err)
{
	sprout_arena *a = child->arena;
	const sprout_json *pm = sprout_meta_get(parent);
	if (!pm || !sprout_meta_id(parent))
		return sprout_error_set(err, SPROUT_ERR_USAGE, "parent record has no provenance");
	char cid[SPROUT_ID_LEN + 1];
	sprout_meta_hash_id(hash, cid);
	sprout_json *m = sprout_json_new(a, SPROUT_JSON_OBJECT);
	sprout_json *round = sprout_json_get(pm, "round");
	sprout_json *root = sprout_json_get(pm, "root");
	if (!m || sprout_json_set(a, m, "v", sprout_json_integer(a, SPROUT_META_VERSION)) ||
	    sprout_json_set(a, m, "id", str(a, cid)) ||
	    sprout_json_set(a, m, "parent", str(a, sprout_meta_id(parent))) ||
	    sprout_json_set(a, m, "root", root ? root : sprout_json_get(pm, "id")) ||
	    sprout_json_set(a, m, "method", str(a, method)) ||
	    (params && sprout_json_set(a, m, "params", params)) ||
	    sprout_json_set(a, m, "round", round ? round : sprout_json_integer(a, 0)))
		return nomem(err);
	sprout_json *obj = sprout_json_new(a, SPROUT_JSON_OBJECT);
	if (!obj)
		return nomem(err);
	for (size_t i = 0; i < child->obj->len; i++) {
		const sprout_json_member *mm = &child->obj->u.members[i];
		if (strcmp(mm->key, SPROUT_META_KEY) != 0 &&
		    sprout_json_insert(a, obj, obj->len, mm->key, mm->klen, mm->value))
			return nomem(err);
	}
	if (sprout_json_set(a, obj, SPROUT_META_KEY, m))
		return nomem(err);
	child->obj = obj;
	return SPROUT_OK;
}

sprout_code sprout_meta_set_score_value(sprout_record *r, const char *name, sprout_json *value,
					sprout_error *err)
{
	sprout_code rc = sprout_meta_ensure(r, err);
	if (rc)
		return rc;
	sprout_arena *a = r->arena;
	sprout_json *m = sprout_meta_get(r);
	sprout_json *scores = sprout_json_get(m, "scores");
	if (!scores || scores->type != SPROUT_JSON_OBJECT) {
		scores = sprout_json_new(a, SPROUT_JSON_OBJECT);
		if (!scores || sprout_json_set(a, m, "scores", scores))
			return nomem(err);
	}
	if (!value || sprout_json_set(a, scores, name, value))
		return nomem(err);
	return SPROUT_OK;
}

sprout_code sprout_meta_set_score(sprout_record *r, const char *name, double value,
				  sprout_error *err)
{
	return sprout_meta_set_score_value(r, name, sprout_json_real(r->arena, value), err);
}
