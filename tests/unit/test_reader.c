#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

#include "test.h"
#include "util.h"

struct got {
	sprout_code rc;
	sprout_error err;
	const char *json; /* dump of the record, or NULL */
};

static sprout_arena *A;

static sprout_reader *mem_reader(const char *name, const char *data, size_t max, sprout_container c)
{
	sprout_reader_options o = SPROUT_READER_OPTIONS_INIT;
	if (max)
		o.max_record = max;
	o.container = c;
	A = A ? A : sprout_arena_new(0);
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_reader *r = sprout_reader_open_mem(name, data, strlen(data), &o, &err);
	CHECK(r != NULL);
	return r;
}

static struct got next(sprout_reader *r)
{
	struct got g;
	sprout_error_clear(&g.err);
	sprout_json *v = NULL;
	sprout_arena_reset(A);
	g.rc = sprout_reader_next(r, A, &v, &g.err);
	g.json = g.rc == SPROUT_OK ? dump(v) : NULL;
	return g;
}

static char fmtbuf[1024];
static const char *where(const sprout_error *e)
{
	return sprout_error_format(e, fmtbuf, sizeof fmtbuf);
}

static void jsonl_lines_blank_lines_and_crlf(void)
{
	sprout_reader *r = mem_reader("a.jsonl", "{\"a\":1}\r\n\n   \n{\"b\":2}\n{\"c\":3}", 0,
				      SPROUT_CONTAINER_AUTO);
	struct got g = next(r);
	CHECK_INT(g.rc, SPROUT_OK);
	CHECK_STR(g.json, "{\"a\":1}");
	CHECK_INT(sprout_reader_line(r), 1);
	g = next(r);
	CHECK_STR(g.json, "{\"b\":2}");
	CHECK_INT(sprout_reader_line(r), 4);
	g = next(r);
	CHECK_STR(g.json, "{\"c\":3}"); /* no final newline */
	CHECK_INT(sprout_reader_line(r), 5);
	CHECK_INT(next(r).rc, SPROUT_END);
	CHECK_INT(next(r).rc, SPROUT_END);
	CHECK_INT(sprout_reader_container(r), SPROUT_CONTAINER_JSONL);
	sprout_reader_close(r);
}

static void bad_line_is_located_and_reading_goes_on(void)
{
	sprout_reader *r = mem_reader("d.jsonl", "{\"a\":1}\n{\"a\":,}\n[1]\n{\"ok\":true}\n", 0,
				      SPROUT_CONTAINER_AUTO);
	CHECK_INT(next(r).rc, SPROUT_OK);
	struct got g = next(r);
	CHECK_INT(g.rc, SPROUT_ERR_JSON);
	CHECK_STR(where(&g.err), "d.jsonl:2:6: invalid JSON: unexpected ',', expected a value");
	const char *raw;
	size_t len;
	int trunc;
	sprout_reader_raw(r, &raw, &len, &trunc);
	CHECK_MEM(raw, len, "{\"a\":,}");
	CHECK_INT(trunc, 0);
	CHECK(!sprout_reader_failed(r));
	g = next(r);
	CHECK_INT(g.rc, SPROUT_ERR_RECORD);
	CHECK_STR(where(&g.err), "d.jsonl:3:1: expected a JSON object, found an array");
	g = next(r);
	CHECK_STR(g.json, "{\"ok\":true}");
	CHECK_INT(next(r).rc, SPROUT_END);
	sprout_reader_close(r);
}

static void json_array_records_and_locations(void)
{
	sprout_reader *r = mem_reader(
	    "x.json",
	    "\xEF\xBB\xBF [ {\"a\":\"]\\\"[\"},\n  {\"b\":[1,{}]} ,\n {\"c\": tru}, 5, {}\n]\n", 0,
	    SPROUT_CONTAINER_AUTO);
	struct got g = next(r);
	CHECK_STR(g.json, "{\"a\":\"]\\\"[\"}");
	CHECK_INT(sprout_reader_container(r), SPROUT_CONTAINER_ARRAY);
	g = next(r);
	CHECK_STR(g.json, "{\"b\":[1,{}]}");
	CHECK_INT(sprout_reader_line(r), 2);
	g = next(r);
	CHECK_INT(g.rc, SPROUT_ERR_JSON);
	CHECK_STR(where(&g.err), "x.json:3:8: invalid JSON: unexpected 't', expected a value");
	g = next(r);
	CHECK_INT(g.rc, SPROUT_ERR_RECORD);
	CHECK_STR(where(&g.err), "x.json:3:14: expected a JSON object, found a number");
	CHECK_STR(next(r).json, "{}");
	CHECK_INT(next(r).rc, SPROUT_END);
	sprout_reader_close(r);
}

static void broken_arrays_stop_reading(void)
{
	sprout_reader *r = mem_reader("b.json", "[{\"a\":1} {\"b\":2}]", 0, SPROUT_CONTAINER_AUTO);
	CHECK_INT(next(r).rc, SPROUT_OK);
	struct got g = next(r);
	CHECK_INT(g.rc, SPROUT_ERR_JSON);
	CHECK_STR(where(&g.err), "b.json:1:10: unexpected '{' in the JSON array, expected ',' or "
				 "']' after an array element");
	CHECK(sprout_reader_failed(r));
	CHECK_INT(next(r).rc, SPROUT_END);
	sprout_reader_close(r);

	r = mem_reader("c.json", "[{\"a\":1},\n{\"b\":2}", 0, SPROUT_CONTAINER_AUTO);
	CHECK_INT(next(r).rc, SPROUT_OK);
	CHECK_INT(next(r).rc, SPROUT_OK);
	g = next(r);
	CHECK_STR(where(&g.err),
		  "c.json:2: unexpected end of input inside the JSON array (missing ']')");
	sprout_reader_close(r);

	r = mem_reader("d.json", "[{\"a\":1}] {}", 0, SPROUT_CONTAINER_AUTO);
	CHECK_INT(next(r).rc, SPROUT_OK);
	g = next(r);
	CHECK_STR(where(&g.err), "d.json:1:11: unexpected '{' in the JSON array, expected nothing "
				 "after the closing ']'");
	sprout_reader_close(r);

	r = mem_reader("e.json", "[{\"a\":1},]", 0, SPROUT_CONTAINER_AUTO);
	CHECK_INT(next(r).rc, SPROUT_OK);
	g = next(r);
	CHECK_STR(where(&g.err),
		  "e.json:1:10: unexpected ']' in the JSON array, expected a value after ','");
	sprout_reader_close(r);
}

static void container_mismatches(void)
{
	sprout_reader *r = mem_reader("data.jsonl", "\n  [{\"a\":1}]", 0, SPROUT_CONTAINER_AUTO);
	struct got g = next(r);
	CHECK_INT(g.rc, SPROUT_ERR_CONTAINER);
	CHECK_STR(where(&g.err), "data.jsonl:2:3: found a JSON array where JSONL was expected (one "
				 "object a line); give --container array, or name the file .json");
	CHECK(sprout_reader_failed(r));
	sprout_reader_close(r);

	r = mem_reader("<stdin>", "[{\"a\":1}]", 0, SPROUT_CONTAINER_JSONL);
	CHECK_INT(next(r).rc, SPROUT_ERR_CONTAINER);
	sprout_reader_close(r);

	r = mem_reader("x.json", "{\"a\":1}", 0, SPROUT_CONTAINER_ARRAY);
	g = next(r);
	CHECK_STR(where(&g.err), "x.json:1:1: expected a JSON array ('['), found '{'; give "
				 "--container jsonl for one object a line");
	sprout_reader_close(r);

	/* auto on a .json file holding JSONL reads it as JSONL */
	r = mem_reader("y.json", "{\"a\":1}\n{\"a\":2}\n", 0, SPROUT_CONTAINER_AUTO);
	CHECK_INT(next(r).rc, SPROUT_OK);
	CHECK_INT(next(r).rc, SPROUT_OK);
	CHECK_INT(next(r).rc, SPROUT_END);
	sprout_reader_close(r);
}

static void empty_inputs(void)
{
	sprout_reader *r = mem_reader("e.jsonl", "", 0, SPROUT_CONTAINER_AUTO);
	struct got g = next(r);
	CHECK_INT(g.rc, SPROUT_ERR_EMPTY);
	CHECK_STR(where(&g.err), "e.jsonl: empty input: no records");
	CHECK_INT(next(r).rc, SPROUT_END);
	sprout_reader_close(r);

	r = mem_reader("w.jsonl", "\n \n\t\n", 0, SPROUT_CONTAINER_AUTO);
	g = next(r);
	CHECK_STR(where(&g.err), "w.jsonl: no records: the input has only blank lines");
	sprout_reader_close(r);

	r = mem_reader("a.json", " [ ] ", 0, SPROUT_CONTAINER_AUTO);
	g = next(r);
	CHECK_STR(where(&g.err), "a.json: no records: the JSON array is empty");
	sprout_reader_close(r);

	/* a file of only bad lines is not "empty": the bad lines were records */
	r = mem_reader("b.jsonl", "nope\n", 0, SPROUT_CONTAINER_AUTO);
	CHECK_INT(next(r).rc, SPROUT_ERR_JSON);
	CHECK_INT(next(r).rc, SPROUT_END);
	sprout_reader_close(r);
}

static void over_long_lines_are_skipped_with_a_snippet(void)
{
	char data[200];
	snprintf(data, sizeof data, "{\"a\":1}\n{\"long\":\"%040d\"}\n{\"b\":2}\n", 7);
	sprout_reader *r = mem_reader("l.jsonl", data, 32, SPROUT_CONTAINER_AUTO);
	CHECK_INT(next(r).rc, SPROUT_OK);
	struct got g = next(r);
	CHECK_INT(g.rc, SPROUT_ERR_TOO_LONG);
	CHECK_STR(where(&g.err), "l.jsonl:2: line longer than the limit of 32 bytes (raise it "
				 "with --max-record)");
	const char *raw;
	size_t len;
	int trunc;
	sprout_reader_raw(r, &raw, &len, &trunc);
	CHECK(trunc);
	CHECK(len >= 32 && memcmp(raw, "{\"long\":\"0000", 13) == 0);
	g = next(r);
	CHECK_STR(g.json, "{\"b\":2}");
	CHECK_INT(sprout_reader_line(r), 3);
	sprout_reader_close(r);
}

static void over_long_line_across_many_chunks(void)
{
	/* a 1 MB line with a 100 KB limit: dropped in pieces, reading goes on */
	size_t n = 1 << 20;
	char *data = malloc(n + 64);
	memcpy(data, "{\"x\":\"", 6);
	memset(data + 6, 'y', n);
	strcpy(data + 6 + n, "\"}\n{\"z\":1}\n");
	sprout_reader *r = mem_reader("big.jsonl", data, 100 * 1024, SPROUT_CONTAINER_AUTO);
	CHECK_INT(next(r).rc, SPROUT_ERR_TOO_LONG);
	struct got g = next(r);
	CHECK_STR(g.json, "{\"z\":1}");
	CHECK_INT(sprout_reader_line(r), 2);
	sprout_reader_close(r);
	/* and the same line within the limit parses, growing the buffer */
	r = mem_reader("big.jsonl", data, 2 << 20, SPROUT_CONTAINER_AUTO);
	g = next(r);
	CHECK_INT(g.rc, SPROUT_OK);
	CHECK_INT(strlen(g.json), n + 8);
	sprout_reader_close(r);
	free(data);
}

static void over_long_array_element(void)
{
	char data[300];
	snprintf(data, sizeof data, "[{\"a\":1},\n{\"long\":\"%060d\"},\n{\"b\":2}]", 1);
	sprout_reader *r = mem_reader("l.json", data, 32, SPROUT_CONTAINER_AUTO);
	CHECK_INT(next(r).rc, SPROUT_OK);
	struct got g = next(r);
	CHECK_INT(g.rc, SPROUT_ERR_TOO_LONG);
	CHECK_STR(where(&g.err), "l.json:2: array element longer than the limit of 32 bytes "
				 "(raise it with --max-record)");
	CHECK_STR(next(r).json, "{\"b\":2}");
	CHECK_INT(next(r).rc, SPROUT_END);
	sprout_reader_close(r);
}

/* an over-long element cut short by the end of input: the raw text is the
 * kept snippet, never a length beyond it (found by fuzzing) */
static void over_long_element_at_end_of_input(void)
{
	char data[1300];
	memcpy(data, "[{\"a\":\"", 7);
	memset(data + 7, 'x', 1193);
	data[1200] = '\0';
	sprout_reader *r = mem_reader("cut.json", data, 1024, SPROUT_CONTAINER_AUTO);
	struct got g = next(r);
	CHECK_INT(g.rc, SPROUT_ERR_JSON);
	CHECK(sprout_reader_failed(r));
	const char *raw;
	size_t len;
	int trunc;
	sprout_reader_raw(r, &raw, &len, &trunc);
	CHECK(len <= 1200);
	CHECK(len == 0 || (trunc && memcmp(raw, "{\"a\":\"xxx", 9) == 0));
	sprout_reader_close(r);
}

static void invalid_utf8_line(void)
{
	sprout_reader *r = mem_reader("u.jsonl", "{\"a\":\"caf\xe9\"}\n", 0, SPROUT_CONTAINER_AUTO);
	struct got g = next(r);
	CHECK_INT(g.rc, SPROUT_ERR_UTF8);
	CHECK_STR(where(&g.err), "u.jsonl:1:10: invalid UTF-8 byte 0xE9");
	sprout_reader_close(r);
}

static void write_gz(const char *path, const char *data, size_t n)
{
	gzFile gz = gzopen(path, "wb");
	CHECK(gz != NULL);
	CHECK_INT(gzwrite(gz, data, (unsigned)n), (long long)n);
	CHECK_INT(gzclose(gz), Z_OK);
}

static void gzip_input_and_truncated_gzip(void)
{
	const char *dir = temp_dir();
	char path[128];
	snprintf(path, sizeof path, "%s/d.jsonl.gz", dir);
	sprout_buf b = SPROUT_BUF_INIT((size_t)1 << 26);
	for (int i = 0; i < 20000; i++)
		sprout_buf_addf(&b, "{\"i\":%d,\"text\":\"record number %d\"}\n", i, i);
	write_gz(path, b.data, b.len);
	A = A ? A : sprout_arena_new(0);
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_reader *r = sprout_reader_open(path, NULL, &err);
	CHECK(r != NULL);
	int n = 0;
	struct got g;
	while ((g = next(r)).rc == SPROUT_OK)
		n++;
	CHECK_INT(g.rc, SPROUT_END);
	CHECK_INT(n, 20000);
	sprout_reader_close(r);

	/* cut the file in the middle: an error, not a silent short read */
	size_t len;
	const char *gz = slurp(path, &len);
	char *half = malloc(len / 2);
	memcpy(half, gz, len / 2);
	FILE *f = fopen(path, "wb");
	fwrite(half, 1, len / 2, f);
	fclose(f);
	free(half);
	r = sprout_reader_open(path, NULL, &err);
	while ((g = next(r)).rc == SPROUT_OK)
		;
	CHECK_INT(g.rc, SPROUT_ERR_IO);
	CHECK(strstr(g.err.msg, "gzip") != NULL);
	CHECK(sprout_reader_failed(r));
	sprout_reader_close(r);
	unlink(path);
	rmdir(dir);
	sprout_buf_release(&b);
}

/* Appends data to path as raw bytes. */
static void append_raw(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "ab");
	CHECK(f != NULL);
	CHECK_INT(fwrite(data, 1, len, f), len);
	fclose(f);
}

/* Reads path to its end: records, the last code and the warning. */
static int read_gz(const char *path, struct got *last, sprout_error *warn, int *warned)
{
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_reader *r = sprout_reader_open(path, NULL, &err);
	CHECK(r != NULL);
	int n = 0;
	while ((*last = next(r)).rc == SPROUT_OK)
		n++;
	*warned = sprout_reader_warning(r, warn);
	sprout_reader_close(r);
	return n;
}

/* Members written one after the other (gzip -c a >> f; gzip -c b >> f) are
 * one input; bytes after the last member that are not gzip are dropped
 * with a warning. */
static void gzip_members_and_trailing_bytes(void)
{
	const char *dir = temp_dir();
	char path[128];
	snprintf(path, sizeof path, "%s/m.jsonl.gz", dir);
	A = A ? A : sprout_arena_new(0);
	sprout_buf b = SPROUT_BUF_INIT((size_t)1 << 26);
	for (int i = 0; i < 30000; i++)
		sprout_buf_addf(&b, "{\"i\":%d,\"text\":\"record number %d\"}\n", i, i);
	write_gz(path, b.data, b.len / 2 + 7); /* a member ends mid-line */
	size_t len;
	char *second_path = malloc(strlen(path) + 3);
	sprintf(second_path, "%s.2", path);
	write_gz(second_path, b.data + b.len / 2 + 7, b.len - b.len / 2 - 7);
	const char *gz2 = slurp(second_path, &len);
	append_raw(path, gz2, len);
	struct got g;
	sprout_error warn = SPROUT_ERROR_INIT;
	int warned;
	CHECK_INT(read_gz(path, &g, &warn, &warned), 30000);
	CHECK_INT(g.rc, SPROUT_END);
	CHECK_INT(warned, 0);

	append_raw(path, "garbage\n", 8);
	CHECK_INT(read_gz(path, &g, &warn, &warned), 30000);
	CHECK_INT(g.rc, SPROUT_END);
	CHECK_INT(warned, 1);
	char want[256];
	snprintf(want, sizeof want, "%s: ignored 8 bytes after the end of the gzip data (not gzip)",
		 path);
	CHECK_STR(where(&warn), want);

	/* one stray byte, and zero padding, are trailing bytes too */
	write_gz(path, "{\"a\":1}\n", 9);
	append_raw(path, "\n", 1);
	CHECK_INT(read_gz(path, &g, &warn, &warned), 1);
	CHECK_INT(warned, 1);
	CHECK(strstr(warn.msg, "ignored 1 byte after") != NULL);
	static const char zeros[1000];
	append_raw(path, zeros, sizeof zeros);
	CHECK_INT(read_gz(path, &g, &warn, &warned), 1);
	CHECK(strstr(warn.msg, "ignored 1001 bytes after") != NULL);

	/* what looks like another member but is not: an error */
	write_gz(path, "{\"a\":1}\n", 9);
	append_raw(path, "\x1f\x8bxyzxyzxyzxyz", 14);
	CHECK_INT(read_gz(path, &g, &warn, &warned), 1);
	CHECK_INT(g.rc, SPROUT_ERR_IO);
	CHECK(strstr(g.err.msg, "corrupt gzip data") != NULL);

	unlink(path);
	unlink(second_path);
	rmdir(dir);
	free(second_path);
	sprout_buf_release(&b);
}

static void missing_file_is_an_io_error(void)
{
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_reader *r = sprout_reader_open("/nonexistent/x.jsonl", NULL, &err);
	CHECK(r == NULL);
	CHECK_INT(err.code, SPROUT_ERR_IO);
	CHECK_STR(where(&err), "/nonexistent/x.jsonl: cannot open: No such file or directory");
}

/* Progress over a plain and a gzip input: monotonic, in file bytes, whole
 * at the end; unknown for stdin. */
static void source_progress_counts_stored_bytes(void)
{
	const char *dir = temp_dir();
	char plain[128], packed[128];
	snprintf(plain, sizeof plain, "%s/a.jsonl", dir);
	snprintf(packed, sizeof packed, "%s/b.jsonl.gz", dir);
	sprout_buf b = SPROUT_BUF_INIT((size_t)1 << 26);
	for (int i = 0; i < 40000; i++)
		sprout_buf_addf(&b, "{\"text\":\"record number %d of the progress test\"}\n", i);
	FILE *f = fopen(plain, "wb");
	CHECK(f && fwrite(b.data, 1, b.len, f) == b.len && fclose(f) == 0);
	write_gz(packed, b.data, b.len);
	size_t plain_len, packed_len;
	CHECK(slurp(plain, &plain_len));
	CHECK(slurp(packed, &packed_len));

	const char *paths[] = {plain, packed};
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_source *s = sprout_source_open(paths, 2, NULL, &err);
	CHECK(s != NULL);
	unsigned long long done, total, last = 0;
	sprout_source_progress(s, &done, &total);
	CHECK_INT(done, 0);
	CHECK_INT(total, plain_len + packed_len);
	sprout_record rec;
	int n = 0, mid_seen = 0;
	while (sprout_source_next(s, &rec, &err) == SPROUT_OK) {
		n++;
		sprout_source_progress(s, &done, &total);
		CHECK(done >= last);
		CHECK(done <= total);
		if (n == 60000) /* half way through the gzip input */
			mid_seen = done > plain_len && done < total;
		last = done;
	}
	CHECK_INT(n, 80000);
	CHECK(mid_seen);
	sprout_source_progress(s, &done, &total);
	CHECK_INT(done, total);
	sprout_source_close(s);

	s = sprout_source_open(NULL, 0, NULL, &err); /* stdin */
	CHECK(s != NULL);
	sprout_source_progress(s, &done, &total);
	CHECK_INT(total, 0);
	sprout_source_close(s);
	unlink(plain);
	unlink(packed);
	rmdir(dir);
	sprout_buf_release(&b);
}

SUITE(reader_tests) = {
    T(jsonl_lines_blank_lines_and_crlf),
    T(bad_line_is_located_and_reading_goes_on),
    T(json_array_records_and_locations),
    T(broken_arrays_stop_reading),
    T(container_mismatches),
    T(empty_inputs),
    T(over_long_lines_are_skipped_with_a_snippet),
    T(over_long_line_across_many_chunks),
    T(over_long_array_element),
    T(over_long_element_at_end_of_input),
    T(invalid_utf8_line),
    T(gzip_input_and_truncated_gzip),
    T(gzip_members_and_trailing_bytes),
    T(missing_file_is_an_io_error),
    T(source_progress_counts_stored_bytes),
    {NULL, NULL},
};
