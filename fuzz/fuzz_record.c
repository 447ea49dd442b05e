/* fuzz_record - libFuzzer target for what sprout does with one record:
 * the input is parsed as one JSON value (duplicate keys kept all, then
 * kept last); each object goes through format detection, the slots, the
 * record check, explode, conversion to each target format, provenance and
 * the content hash, with the invariants of fuzz/README.md. The readers
 * that give the records have their own targets (fuzz_jsonl, fuzz_array,
 * fuzz_gzip). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "sprout/meta.h"
#include "sprout/record.h"

#define WRITE_MAX   ((size_t)64 << 20)
#define MAX_EXPLODE 64

static void read_slots(const sprout_record *r)
{
	for (int s = 0; s < SPROUT_SLOT__COUNT; s++) {
		sprout_text t;
		int got = sprout_record_get(r, (sprout_slot)s, &t);
		CHECK(t.s != NULL);
		CHECK(got || t.len == 0);
		CHECK(t.s[t.len] == '\0');
		fuzz_touch(t.s, t.len);
	}
}

static int key_is(const sprout_json_member *m, const char *key)
{
	return m->klen == strlen(key) && memcmp(m->key, key, m->klen) == 0;
}

/* sprout_meta_ensure gives a record with an id, and is idempotent. */
static void exercise_meta(sprout_record *r)
{
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_code rc = sprout_meta_ensure(r, &err);
	if (rc != SPROUT_OK) {
		CHECK(rc == SPROUT_ERR_RECORD);
		fuzz_check_error(&err, rc);
		return;
	}
	CHECK(sprout_meta_get(r) != NULL);
	CHECK(sprout_meta_id(r) != NULL);
	CHECK(r->obj->len > 0);
	CHECK(r->obj->u.members[r->obj->len - 1].klen == strlen(SPROUT_META_KEY) &&
	      memcmp(r->obj->u.members[r->obj->len - 1].key, SPROUT_META_KEY,
		     strlen(SPROUT_META_KEY)) == 0);
	sprout_buf first = SPROUT_BUF_INIT(WRITE_MAX), second = SPROUT_BUF_INIT(WRITE_MAX);
	fuzz_roundtrip(r->arena, r->obj, &first);
	/* a second pass (sprout reading its own output) changes nothing */
	CHECK(sprout_meta_ensure(r, &err) == SPROUT_OK);
	fuzz_roundtrip(r->arena, r->obj, &second);
	CHECK(first.len == second.len && memcmp(first.data, second.data, first.len) == 0);
	sprout_buf_release(&first);
	sprout_buf_release(&second);
	char cid[SPROUT_ID_LEN + 1];
	sprout_meta_content_id(r, cid);
	CHECK(strlen(cid) == SPROUT_ID_LEN);
}

static void exercise_hash(const sprout_record *r, sprout_arena *a)
{
	uint64_t h1[2], h2[2];
	sprout_record_hash(r, h1);
	sprout_json *copy = sprout_json_copy(a, r->obj);
	CHECK(copy != NULL);
	sprout_record r2 = *r;
	r2.obj = copy;
	sprout_record_hash(&r2, h2);
	CHECK(h1[0] == h2[0] && h1[1] == h2[1]);
}

static const sprout_format_kind targets[] = {
    SPROUT_FORMAT_ALPACA,	  SPROUT_FORMAT_SHAREGPT,      SPROUT_FORMAT_OPENAI,
    SPROUT_FORMAT_CLASSIFICATION, SPROUT_FORMAT_SELF_INSTRUCT,
};

/* Top-level keys a format reads its slots from or writes on conversion
 * ("system" and "label" for every format, to stay on the safe side). */
static int format_key(sprout_format_kind k, const sprout_json_member *m)
{
	if (key_is(m, "system") || key_is(m, "label") || key_is(m, SPROUT_META_KEY))
		return 1;
	switch (k) {
	case SPROUT_FORMAT_ALPACA:
		return key_is(m, "instruction") || key_is(m, "input") || key_is(m, "output");
	case SPROUT_FORMAT_SHAREGPT: return key_is(m, "conversations");
	case SPROUT_FORMAT_OPENAI: return key_is(m, "messages");
	case SPROUT_FORMAT_CLASSIFICATION: return key_is(m, "text");
	case SPROUT_FORMAT_SELF_INSTRUCT: return key_is(m, "instruction") || key_is(m, "instances");
	default: return 1;
	}
}

/* Conversion keeps every member neither format owns, with its value. */
static void check_kept(const sprout_json *src, sprout_format_kind from, const sprout_json *dst,
		       sprout_format_kind to)
{
	for (size_t i = 0; i < src->len; i++) {
		const sprout_json_member *m = &src->u.members[i];
		if (format_key(from, m) || format_key(to, m))
			continue;
		int found = 0;
		for (size_t j = 0; j < dst->len && !found; j++) {
			const sprout_json_member *d = &dst->u.members[j];
			found = d->klen == m->klen && memcmp(d->key, m->key, m->klen) == 0 &&
				sprout_json_equal(d->value, m->value);
		}
		if (!found)
			fprintf(stderr, "fuzz_record: convert dropped member '%.*s' (%zu bytes)\n",
				(int)m->klen, m->key, m->klen);
		CHECK(found);
	}
}

static void convert_all(const sprout_json *obj, const sprout_format *fmt, sprout_arena *a)
{
	for (size_t t = 0; t < sizeof targets / sizeof targets[0]; t++) {
		sprout_format to;
		memset(&to, 0, sizeof to);
		to.kind = targets[t];
		sprout_json *copy = sprout_json_copy(a, obj);
		CHECK(copy != NULL);
		CHECK(sprout_json_equal(copy, obj));
		sprout_record r = {copy, fmt, a, "fuzz", 1};
		sprout_error err = SPROUT_ERROR_INIT;
		sprout_code rc = sprout_record_convert(&r, &to, &err);
		if (rc != SPROUT_OK) {
			/* the record passed its check: only "does not fit" is allowed */
			if (rc != SPROUT_ERR_CONVERT)
				fprintf(stderr, "fuzz_record: convert to %s: %s: %s\n",
					sprout_format_name(&to), sprout_code_name(rc), err.msg);
			CHECK(rc == SPROUT_ERR_CONVERT);
			fuzz_check_error(&err, rc);
			CHECK(r.obj == copy && r.fmt == fmt);
			continue;
		}
		CHECK(r.fmt == &to);
		CHECK(r.obj != NULL && r.obj->type == SPROUT_JSON_OBJECT);
		check_kept(obj, fmt->kind, r.obj, to.kind);
		fuzz_roundtrip(a, r.obj, NULL);
		read_slots(&r);
		/* what convert writes is a valid record of the target format */
		rc = sprout_record_check(&r, &err);
		if (rc != SPROUT_OK)
			fprintf(stderr, "fuzz_record: converted to %s, then the check fails: %s\n",
				sprout_format_name(&to), err.msg);
		CHECK(rc == SPROUT_OK);
		exercise_hash(&r, a);
		exercise_meta(&r);
	}
}

static void exercise_record(sprout_json *obj, sprout_arena *a)
{
	CHECK(obj != NULL && obj->type == SPROUT_JSON_OBJECT);
	fuzz_roundtrip(a, obj, NULL);

	sprout_format fmt;
	char why[256];
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_code rc = sprout_format_detect(obj, &fmt, why, sizeof why, &err);
	if (rc != SPROUT_OK) {
		CHECK(rc == SPROUT_ERR_FORMAT);
		fuzz_check_error(&err, rc);
		return;
	}
	/* MAP too: a record with only "text" reads as prompt=text */
	CHECK(fmt.kind > SPROUT_FORMAT_AUTO && fmt.kind <= SPROUT_FORMAT_MAP);
	CHECK(memchr(why, '\0', sizeof why) != NULL);

	sprout_record rec = {obj, &fmt, a, "fuzz", 1};
	read_slots(&rec);
	exercise_hash(&rec, a);
	rc = sprout_record_check(&rec, &err);
	if (rc != SPROUT_OK) {
		if (rc != SPROUT_ERR_SLOT)
			fprintf(stderr, "fuzz_record: check: %s: %s\n", sprout_code_name(rc),
				err.msg);
		CHECK(rc == SPROUT_ERR_SLOT);
		fuzz_check_error(&err, rc);
		return;
	}

	size_t n = sprout_record_explode_count(&rec);
	CHECK(n >= 1);
	for (size_t i = 0; i < n && i < MAX_EXPLODE; i++) {
		sprout_record one;
		CHECK(sprout_record_explode(&rec, i, &one, &err) == SPROUT_OK);
		CHECK(sprout_record_explode_count(&one) == 1);
		read_slots(&one);
		fuzz_roundtrip(a, one.obj, NULL);
	}

	convert_all(obj, &fmt, a);

	sprout_json *copy = sprout_json_copy(a, obj);
	CHECK(copy != NULL);
	sprout_record r2 = {copy, &fmt, a, "fuzz", 1};
	exercise_meta(&r2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sprout_arena *a = sprout_arena_new(0);
	if (!a)
		return 0;
	static const sprout_json_dups dups[] = {SPROUT_JSON_DUPS_KEEP, SPROUT_JSON_DUPS_LAST};
	for (size_t i = 0; i < 2; i++) {
		sprout_arena_reset(a);
		sprout_json *v = NULL;
		fuzz_where = i ? "duplicate keys kept last" : "duplicate keys kept all";
		if (sprout_json_parse_dups(a, (const char *)data, size, dups[i], &v, NULL) ==
			SPROUT_OK &&
		    v->type == SPROUT_JSON_OBJECT)
			exercise_record(v, a);
	}
	sprout_arena_free(a);
	return 0;
}
