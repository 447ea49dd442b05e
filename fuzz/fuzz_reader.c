/* fuzz_reader - libFuzzer target for the readers, records and the JSON writer.
 *
 * Built and run by `make fuzz` (clang -fsanitize=fuzzer,address,undefined
 * with every library source in src/lib). Each input is read from memory four times: as
 * AUTO, JSONL and ARRAY containers with a 1 KiB record limit (so the
 * over-long paths run) and duplicate keys an error, kept last and kept all,
 * and as AUTO under a ".jsonl" name with the default limit. A record read
 * with duplicate keys an error or kept last has no object with a key twice. Every record the reader returns goes through format detection,
 * the record check, conversion to each target format, provenance and the
 * content hash; every JSON value produced is written, parsed back and
 * written again, and the two texts must be the same bytes.
 *
 * A broken invariant calls abort() after printing what broke, so libFuzzer
 * keeps the input. See fuzz/README.md.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sprout/arena.h"
#include "sprout/buf.h"
#include "sprout/error.h"
#include "sprout/io.h"
#include "sprout/json.h"
#include "sprout/meta.h"
#include "sprout/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__ubsan_default_options(void);

/* The Makefile builds without -fno-sanitize-recover, so UBSan would only
 * print a report and go on: make every report stop the run instead. */
const char *__ubsan_default_options(void)
{
	return "halt_on_error=1:print_stacktrace=1";
}

#define FUZZ_MAX_RECORD 1024
#define WRITE_MAX ((size_t)64 << 20)
#define MAX_RECORDS 100000
#define MAX_EXPLODE 64

static const char *where_ = "";

static void check_(int ok, const char *what, const char *file, int line)
{
	if (ok)
		return;
	fprintf(stderr, "fuzz_reader: invariant broken at %s:%d (%s): %s\n", file, line, where_,
		what);
	abort();
}
#define CHECK(cond) check_(!!(cond), #cond, __FILE__, __LINE__)

/* Read every byte so ASan sees any bad pointer or length. */
static volatile unsigned sink;
static void touch(const void *p, size_t n)
{
	const unsigned char *s = p;
	unsigned h = 0;
	for (size_t i = 0; i < n; i++)
		h = h * 31 + s[i];
	sink = h;
}

static void check_error(const sprout_error *err, sprout_code rc)
{
	CHECK(err->code == rc);
	CHECK(memchr(err->msg, '\0', sizeof err->msg) != NULL);
	CHECK(memchr(err->file, '\0', sizeof err->file) != NULL);
	CHECK(err->msg[0] != '\0');
	char text[SPROUT_ERROR_MSG_MAX + SPROUT_ERROR_FILE_MAX + 64];
	sprout_error_format(err, text, sizeof text);
	touch(text, strlen(text));
	touch(sprout_code_name(rc), strlen(sprout_code_name(rc)));
}

/* Write v, parse the text back, write that: same bytes, equal values.
 * Returns the written text in *out (caller releases) when out is not NULL. */
static void roundtrip(sprout_arena *a, const sprout_json *v, sprout_buf *out)
{
	sprout_buf b1 = SPROUT_BUF_INIT(WRITE_MAX), b2 = SPROUT_BUF_INIT(WRITE_MAX);
	CHECK(sprout_json_write(&b1, v) == SPROUT_OK);
	CHECK(b1.data != NULL && b1.data[b1.len] == '\0');

	sprout_json *back = NULL;
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_code rc = sprout_json_parse(a, b1.data, b1.len, &back, &err);
	if (rc != SPROUT_OK)
		fprintf(stderr, "fuzz_reader: cannot re-parse own output: %s (line %lu col %lu)\n",
			err.msg, err.line, err.column);
	CHECK(rc == SPROUT_OK);
	CHECK(back != NULL);
	CHECK(sprout_json_equal(v, back));
	CHECK(sprout_json_equal(back, v));

	CHECK(sprout_json_write(&b2, back) == SPROUT_OK);
	if (b1.len != b2.len || memcmp(b1.data, b2.data, b1.len) != 0)
		fprintf(stderr, "fuzz_reader: write/parse/write differs:\n  %.*s\n  %.*s\n",
			(int)(b1.len < 2000 ? b1.len : 2000), b1.data,
			(int)(b2.len < 2000 ? b2.len : 2000), b2.data);
	CHECK(b1.len == b2.len && memcmp(b1.data, b2.data, b1.len) == 0);

	/* a deep copy writes the same bytes too */
	sprout_json *copy = sprout_json_copy(a, v);
	CHECK(copy != NULL);
	sprout_buf_clear(&b2);
	CHECK(sprout_json_write(&b2, copy) == SPROUT_OK);
	CHECK(b1.len == b2.len && memcmp(b1.data, b2.data, b1.len) == 0);

	sprout_buf_release(&b2);
	if (out) {
		sprout_buf_release(out);
		*out = b1;
	} else {
		sprout_buf_release(&b1);
	}
}

static void read_slots(const sprout_record *r)
{
	for (int s = 0; s < SPROUT_SLOT__COUNT; s++) {
		sprout_text t;
		int got = sprout_record_get(r, (sprout_slot)s, &t);
		CHECK(t.s != NULL);
		CHECK(got || t.len == 0);
		CHECK(t.s[t.len] == '\0');
		touch(t.s, t.len);
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
		check_error(&err, rc);
		return;
	}
	CHECK(sprout_meta_get(r) != NULL);
	CHECK(sprout_meta_id(r) != NULL);
	CHECK(r->obj->len > 0);
	CHECK(r->obj->u.members[r->obj->len - 1].klen == strlen(SPROUT_META_KEY) &&
	      memcmp(r->obj->u.members[r->obj->len - 1].key, SPROUT_META_KEY,
		     strlen(SPROUT_META_KEY)) == 0);
	sprout_buf first = SPROUT_BUF_INIT(WRITE_MAX), second = SPROUT_BUF_INIT(WRITE_MAX);
	roundtrip(r->arena, r->obj, &first);
	/* a second pass (sprout reading its own output) changes nothing */
	CHECK(sprout_meta_ensure(r, &err) == SPROUT_OK);
	roundtrip(r->arena, r->obj, &second);
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
	SPROUT_FORMAT_ALPACA,         SPROUT_FORMAT_SHAREGPT,      SPROUT_FORMAT_OPENAI,
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
	case SPROUT_FORMAT_SELF_INSTRUCT:
		return key_is(m, "instruction") || key_is(m, "instances");
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
			fprintf(stderr, "fuzz_reader: convert dropped member '%.*s' (%zu bytes)\n",
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
				fprintf(stderr, "fuzz_reader: convert to %s: %s: %s\n",
					sprout_format_name(&to), sprout_code_name(rc), err.msg);
			CHECK(rc == SPROUT_ERR_CONVERT);
			check_error(&err, rc);
			CHECK(r.obj == copy && r.fmt == fmt);
			continue;
		}
		CHECK(r.fmt == &to);
		CHECK(r.obj != NULL && r.obj->type == SPROUT_JSON_OBJECT);
		check_kept(obj, fmt->kind, r.obj, to.kind);
		roundtrip(a, r.obj, NULL);
		read_slots(&r);
		/* what convert writes is a valid record of the target format */
		rc = sprout_record_check(&r, &err);
		if (rc != SPROUT_OK)
			fprintf(stderr, "fuzz_reader: converted to %s, then the check fails: %s\n",
				sprout_format_name(&to), err.msg);
		CHECK(rc == SPROUT_OK);
		exercise_hash(&r, a);
		exercise_meta(&r);
	}
}

static void exercise_record(sprout_json *obj, sprout_arena *a)
{
	CHECK(obj != NULL && obj->type == SPROUT_JSON_OBJECT);
	roundtrip(a, obj, NULL);

	sprout_format fmt;
	char why[256];
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_code rc = sprout_format_detect(obj, &fmt, why, sizeof why, &err);
	if (rc != SPROUT_OK) {
		CHECK(rc == SPROUT_ERR_FORMAT);
		check_error(&err, rc);
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
			fprintf(stderr, "fuzz_reader: check: %s: %s\n", sprout_code_name(rc),
				err.msg);
		CHECK(rc == SPROUT_ERR_SLOT);
		check_error(&err, rc);
		return;
	}

	size_t n = sprout_record_explode_count(&rec);
	CHECK(n >= 1);
	for (size_t i = 0; i < n && i < MAX_EXPLODE; i++) {
		sprout_record one;
		CHECK(sprout_record_explode(&rec, i, &one, &err) == SPROUT_OK);
		CHECK(sprout_record_explode_count(&one) == 1);
		read_slots(&one);
		roundtrip(a, one.obj, NULL);
	}

	convert_all(obj, &fmt, a);

	sprout_json *copy = sprout_json_copy(a, obj);
	CHECK(copy != NULL);
	sprout_record r2 = {copy, &fmt, a, "fuzz", 1};
	exercise_meta(&r2);
}

struct variant {
	const char *name;
	sprout_container container;
	size_t max_record;
	sprout_json_dups dups;
};

static const struct variant variants[] = {
	{"fuzz", SPROUT_CONTAINER_AUTO, FUZZ_MAX_RECORD, SPROUT_JSON_DUPS_ERROR},
	{"fuzz", SPROUT_CONTAINER_JSONL, FUZZ_MAX_RECORD, SPROUT_JSON_DUPS_LAST},
	{"fuzz", SPROUT_CONTAINER_ARRAY, FUZZ_MAX_RECORD, SPROUT_JSON_DUPS_KEEP},
	{"fuzz.jsonl", SPROUT_CONTAINER_AUTO, 0, SPROUT_JSON_DUPS_ERROR}, /* default limit; refuses '[' */
};

/* No object in v has a key twice. */
static void check_unique_keys(const sprout_json *v)
{
	if (v->type == SPROUT_JSON_ARRAY)
		for (size_t i = 0; i < v->len; i++)
			check_unique_keys(v->u.items[i]);
	if (v->type != SPROUT_JSON_OBJECT)
		return;
	for (size_t j = 0; j < v->len; j++) {
		const sprout_json_member *m = &v->u.members[j];
		for (size_t i = 0; i < j; i++)
			CHECK(v->u.members[i].klen != m->klen ||
			      memcmp(v->u.members[i].key, m->key, m->klen) != 0);
		check_unique_keys(m->value);
	}
}

static void read_all(const struct variant *v, const uint8_t *data, size_t size,
		     sprout_arena *a)
{
	sprout_reader_options opts = {v->max_record, v->container, v->dups};
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_reader *r = sprout_reader_open_mem(v->name, (const char *)data, size, &opts, &err);
	CHECK(r != NULL);
	CHECK(strcmp(sprout_reader_name(r), v->name) == 0);
	size_t limit = v->max_record ? v->max_record : SPROUT_DEFAULT_MAX_RECORD;

	for (int k = 0; k < MAX_RECORDS; k++) {
		sprout_arena_reset(a);
		sprout_json *obj = NULL;
		sprout_error_clear(&err);
		sprout_code rc = sprout_reader_next(r, a, &obj, &err);
		if (rc == SPROUT_END) {
			CHECK(sprout_reader_failed(r));
			break;
		}
		const char *raw;
		size_t rawlen;
		int truncated;
		sprout_reader_raw(r, &raw, &rawlen, &truncated);
		CHECK(raw != NULL);
		touch(raw, rawlen);
		CHECK(rawlen <= size);
		if (truncated)
			CHECK(rawlen <= 4096);

		if (rc != SPROUT_OK) {
			check_error(&err, rc);
			CHECK(strcmp(err.file, v->name) == 0);
			switch (rc) {
			case SPROUT_ERR_EMPTY:
			case SPROUT_ERR_CONTAINER:
				CHECK(sprout_reader_failed(r));
				break;
			case SPROUT_ERR_UTF8:
			case SPROUT_ERR_RECORD:
				CHECK(!sprout_reader_failed(r));
				CHECK(!truncated);
				break;
			case SPROUT_ERR_TOO_LONG:
				CHECK(!sprout_reader_failed(r));
				CHECK(truncated);
				CHECK(rawlen > 0);
				break;
			case SPROUT_ERR_JSON:
				break; /* a bad line, or a broken array (final) */
			default:
				fprintf(stderr, "fuzz_reader: unexpected reader error %s: %s\n",
					sprout_code_name(rc), err.msg);
				CHECK(0);
			}
			if (sprout_reader_failed(r))
				break;
			continue;
		}

		CHECK(!truncated);
		CHECK(rawlen <= limit);
		CHECK(sprout_reader_line(r) >= 1);
		CHECK(sprout_reader_container(r) != SPROUT_CONTAINER_AUTO);
		if (v->container != SPROUT_CONTAINER_AUTO)
			CHECK(sprout_reader_container(r) == v->container);
		/* the raw text is what the record was parsed from */
		sprout_json *again = NULL;
		CHECK(sprout_json_parse_dups(a, raw, rawlen, v->dups, &again, NULL) == SPROUT_OK);
		CHECK(sprout_json_equal(again, obj));
		if (v->dups != SPROUT_JSON_DUPS_KEEP)
			check_unique_keys(obj);
		exercise_record(obj, a);
	}
	/* once done, the reader stays done */
	sprout_json *obj = NULL;
	if (sprout_reader_failed(r))
		CHECK(sprout_reader_next(r, a, &obj, &err) == SPROUT_END);
	sprout_reader_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sprout_arena *a = sprout_arena_new(0);
	if (!a)
		return 0;
	for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++) {
		static char label[64];
		snprintf(label, sizeof label, "%s, container %d, max %zu, dups %d", variants[i].name,
			 (int)variants[i].container, variants[i].max_record, (int)variants[i].dups);
		where_ = label;
		read_all(&variants[i], data, size, a);
	}
	sprout_arena_free(a);
	return 0;
}
