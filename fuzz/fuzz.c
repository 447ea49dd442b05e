/* What the libFuzzer targets share; see fuzz/fuzz.h. */
#define _XOPEN_SOURCE 700
#include "fuzz.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WRITE_MAX   ((size_t)64 << 20)
#define MAX_RECORDS 100000

const char *fuzz_where = "";
const char *__ubsan_default_options(void);

/* The targets build without -fno-sanitize-recover, so UBSan would only
 * print a report and go on: make every report stop the run instead. */
const char *__ubsan_default_options(void)
{
	return "halt_on_error=1:print_stacktrace=1";
}

void fuzz_check(int ok, const char *what, const char *file, int line)
{
	if (ok)
		return;
	fprintf(stderr, "fuzz: invariant broken at %s:%d%s%s: %s\n", file, line,
		fuzz_where[0] ? ", " : "", fuzz_where, what);
	abort();
}

static volatile unsigned sink;
void fuzz_touch(const void *p, size_t n)
{
	const unsigned char *s = p;
	unsigned h = 0;
	for (size_t i = 0; i < n; i++)
		h = h * 31 + s[i];
	sink = h;
}

void fuzz_check_error(const sprout_error *err, sprout_code rc)
{
	CHECK(err->code == rc);
	CHECK(memchr(err->msg, '\0', sizeof err->msg) != NULL);
	CHECK(memchr(err->file, '\0', sizeof err->file) != NULL);
	CHECK(err->msg[0] != '\0');
	char text[SPROUT_ERROR_MSG_MAX + SPROUT_ERROR_FILE_MAX + 64];
	sprout_error_format(err, text, sizeof text);
	fuzz_touch(text, strlen(text));
	fuzz_touch(sprout_code_name(rc), strlen(sprout_code_name(rc)));
}

void fuzz_roundtrip(sprout_arena *a, const sprout_json *v, sprout_buf *out)
{
	sprout_buf b1 = SPROUT_BUF_INIT(WRITE_MAX), b2 = SPROUT_BUF_INIT(WRITE_MAX);
	CHECK(sprout_json_write(&b1, v) == SPROUT_OK);
	CHECK(b1.data != NULL && b1.data[b1.len] == '\0');

	sprout_json *back = NULL;
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_code rc = sprout_json_parse(a, b1.data, b1.len, &back, &err);
	if (rc != SPROUT_OK)
		fprintf(stderr, "fuzz: cannot re-parse own output: %s (line %lu col %lu)\n",
			err.msg, err.line, err.column);
	CHECK(rc == SPROUT_OK);
	CHECK(back != NULL);
	CHECK(sprout_json_equal(v, back));
	CHECK(sprout_json_equal(back, v));

	CHECK(sprout_json_write(&b2, back) == SPROUT_OK);
	if (b1.len != b2.len || memcmp(b1.data, b2.data, b1.len) != 0)
		fprintf(stderr, "fuzz: write/parse/write differs:\n  %.*s\n  %.*s\n",
			(int)(b1.len < 2000 ? b1.len : 2000), b1.data,
			(int)(b2.len < 2000 ? b2.len : 2000), b2.data);
	CHECK(b1.len == b2.len && memcmp(b1.data, b2.data, b1.len) == 0);

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

/* A record error: its code is one the reader may return, final or not as
 * documented. */
static void check_reader_error(sprout_reader *r, const sprout_error *err, sprout_code rc,
			       int truncated, size_t rawlen)
{
	fuzz_check_error(err, rc);
	CHECK(strcmp(err->file, sprout_reader_name(r)) == 0);
	switch (rc) {
	case SPROUT_ERR_EMPTY:
	case SPROUT_ERR_CONTAINER: CHECK(sprout_reader_failed(r)); break;
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
	case SPROUT_ERR_JSON: break; /* a bad line, or a broken array (final) */
	case SPROUT_ERR_IO: CHECK(sprout_reader_failed(r)); break; /* gzip data */
	default:
		fprintf(stderr, "fuzz: unexpected reader error %s: %s\n", sprout_code_name(rc),
			err->msg);
		CHECK(0);
	}
}

void fuzz_read_all(sprout_reader *r, const fuzz_read_options *o, size_t size, sprout_arena *a,
		   void (*each)(sprout_json *obj, sprout_arena *a))
{
	sprout_error err = SPROUT_ERROR_INIT;
	size_t limit = o->max_record ? o->max_record : SPROUT_DEFAULT_MAX_RECORD;
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
		fuzz_touch(raw, rawlen);
		CHECK(rawlen <= size);
		if (truncated)
			CHECK(rawlen <= 4096);
		if (rc != SPROUT_OK) {
			check_reader_error(r, &err, rc, truncated, rawlen);
			if (sprout_reader_failed(r))
				break;
			continue;
		}
		CHECK(!truncated);
		CHECK(rawlen <= limit);
		CHECK(sprout_reader_line(r) >= 1);
		CHECK(sprout_reader_container(r) != SPROUT_CONTAINER_AUTO);
		if (o->container != SPROUT_CONTAINER_AUTO)
			CHECK(sprout_reader_container(r) == o->container);
		/* the raw text is what the record was parsed from */
		sprout_json *again = NULL;
		CHECK(sprout_json_parse_dups(a, raw, rawlen, o->dups, &again, NULL) == SPROUT_OK);
		CHECK(sprout_json_equal(again, obj));
		if (o->dups != SPROUT_JSON_DUPS_KEEP)
			check_unique_keys(obj);
		CHECK(obj->type == SPROUT_JSON_OBJECT);
		fuzz_roundtrip(a, obj, NULL);
		if (each)
			each(obj, a);
	}
	/* once done, the reader stays done */
	sprout_json *obj = NULL;
	if (sprout_reader_failed(r))
		CHECK(sprout_reader_next(r, a, &obj, &err) == SPROUT_END);
}

void fuzz_read_mem(const char *name, const fuzz_read_options *o, const uint8_t *data, size_t size,
		   sprout_arena *a, void (*each)(sprout_json *obj, sprout_arena *a))
{
	sprout_reader_options opts = {o->max_record, o->container, o->dups};
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_reader *r = sprout_reader_open_mem(name, (const char *)data, size, &opts, &err);
	CHECK(r != NULL);
	CHECK(strcmp(sprout_reader_name(r), name) == 0);
	fuzz_read_all(r, o, size, a, each);
	sprout_reader_close(r);
}

char *fuzz_text(const uint8_t *data, size_t size)
{
	char *t = malloc(size + 1);
	CHECK(t != NULL);
	if (size)
		memcpy(t, data, size);
	t[size] = '\0';
	return t;
}

static char dir_[64];

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	remove(path);
	return 0;
}

static void remove_dir(void)
{
	nftw(dir_, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *fuzz_dir(void)
{
	if (!dir_[0]) {
		/* in memory where there is a tmpfs: SQLite's syncs cost nothing */
		struct stat st;
		snprintf(dir_, sizeof dir_, "%s/sprout-fuzz-XXXXXX",
			 stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) &&
				 !access("/dev/shm", W_OK)
			     ? "/dev/shm"
			     : "/tmp");
		CHECK(mkdtemp(dir_) != NULL);
		atexit(remove_dir);
	}
	return dir_;
}

void fuzz_write(const char *dir, const char *name, const void *data, size_t n)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	CHECK(fd >= 0);
	CHECK(n == 0 || write(fd, data, n) == (ssize_t)n);
	CHECK(close(fd) == 0);
}
