/* fuzz_gzip - libFuzzer target for the reader on gzip files (read from a
 * file, as only files are inflated). The first byte picks the test:
 *   odd:  the rest is the file as it is (broken, truncated, several
 *         members, bytes after the end): the reader's invariants hold,
 *         and a warning about trailing bytes has a message and the name;
 *   even: the rest is compressed here as two gzip members (cut where the
 *         first byte says), and reading the file gives the same records,
 *         errors and lines as reading the rest from memory.
 * The JSON inside is fuzz_jsonl's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "fuzz.h"

#define LIMIT 1024

static void gzip_add(sprout_buf *out, const uint8_t *p, size_t n)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	CHECK(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK);
	size_t cap = deflateBound(&z, (uLong)n);
	CHECK(sprout_buf_reserve(out, cap) == SPROUT_OK);
	z.next_in = (Bytef *)p;
	z.avail_in = (uInt)n;
	z.next_out = (Bytef *)out->data + out->len;
	z.avail_out = (uInt)cap;
	CHECK(deflate(&z, Z_FINISH) == Z_STREAM_END);
	out->len += cap - z.avail_out;
	deflateEnd(&z);
}

/* What a reader gives, one line per call: code, line and the record. */
static void transcript(sprout_reader *r, sprout_arena *a, sprout_buf *out)
{
	sprout_error err = SPROUT_ERROR_INIT;
	for (;;) {
		sprout_arena_reset(a);
		sprout_json *obj = NULL;
		sprout_error_clear(&err);
		sprout_code rc = sprout_reader_next(r, a, &obj, &err);
		if (rc == SPROUT_END)
			break;
		char head[64];
		snprintf(head, sizeof head, "%d %lu %lu ", (int)rc, err.line,
			 rc ? 0 : sprout_reader_line(r));
		CHECK(sprout_buf_adds(out, head) == SPROUT_OK);
		if (!rc)
			CHECK(sprout_json_write(out, obj) == SPROUT_OK);
		CHECK(sprout_buf_addc(out, '\n') == SPROUT_OK);
	}
}

static sprout_reader *open_file(const char *path)
{
	sprout_reader_options opts = {LIMIT, SPROUT_CONTAINER_AUTO, SPROUT_JSON_DUPS_ERROR};
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_reader *r = sprout_reader_open(path, &opts, &err);
	CHECK(r != NULL);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	const char *dir = fuzz_dir();
	char path[512];
	snprintf(path, sizeof path, "%s/in.gz", dir);
	sprout_arena *a = sprout_arena_new(0);
	CHECK(a != NULL);
	const uint8_t *rest = data + 1;
	size_t n = size - 1;
	if (data[0] & 1) {
		fuzz_write(dir, "in.gz", rest, n);
		sprout_reader *r = open_file(path);
		fuzz_read_all(
		    r, &(fuzz_read_options){LIMIT, SPROUT_CONTAINER_AUTO, SPROUT_JSON_DUPS_ERROR},
		    (size_t)-1, a, NULL);
		sprout_error warn = SPROUT_ERROR_INIT;
		if (sprout_reader_warning(r, &warn)) {
			CHECK(warn.msg[0] && strcmp(warn.file, path) == 0);
		}
		sprout_reader_close(r);
	} else {
		size_t cut = n ? (size_t)(data[0] >> 1) % n : 0;
		sprout_buf gz = SPROUT_BUF_INIT((size_t)1 << 24);
		gzip_add(&gz, rest, cut);
		gzip_add(&gz, rest + cut, n - cut);
		fuzz_write(dir, "in.gz", gz.data, gz.len);
		sprout_buf_release(&gz);
		sprout_buf from_file = SPROUT_BUF_INIT((size_t)1 << 26);
		sprout_buf from_mem = SPROUT_BUF_INIT((size_t)1 << 26);
		sprout_reader *r = open_file(path);
		transcript(r, a, &from_file);
		sprout_error warn = SPROUT_ERROR_INIT;
		CHECK(!sprout_reader_warning(r, &warn));
		sprout_reader_close(r);
		sprout_reader_options opts = {LIMIT, SPROUT_CONTAINER_AUTO, SPROUT_JSON_DUPS_ERROR};
		r = sprout_reader_open_mem("mem", (const char *)rest, n, &opts, NULL);
		CHECK(r != NULL);
		transcript(r, a, &from_mem);
		sprout_reader_close(r);
		if (from_file.len != from_mem.len ||
		    (from_file.len && memcmp(from_file.data, from_mem.data, from_file.len)))
			fprintf(stderr, "fuzz_gzip: from the file:\n%.*s\nfrom memory:\n%.*s\n",
				(int)from_file.len, from_file.data ? from_file.data : "",
				(int)from_mem.len, from_mem.data ? from_mem.data : "");
		CHECK(from_file.len == from_mem.len &&
		      (!from_file.len || !memcmp(from_file.data, from_mem.data, from_file.len)));
		sprout_buf_release(&from_file);
		sprout_buf_release(&from_mem);
	}
	sprout_arena_free(a);
	return 0;
}
