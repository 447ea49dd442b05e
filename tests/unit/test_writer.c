#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>

#include "test.h"
#include "util.h"

static int count_files(const char *dir)
{
	DIR *d = opendir(dir);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.' || (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."));
	closedir(d);
	return n;
}

static void commit_renames_into_place(void)
{
	const char *dir = temp_dir();
	char path[128];
	snprintf(path, sizeof path, "%s/out.jsonl", dir);
	sprout_arena *a = sprout_arena_new(0);
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_writer *w = sprout_writer_open(path, SPROUT_CONTAINER_JSONL, &err);
	CHECK(w != NULL);
	CHECK(sprout_writer_temp_path(w) != NULL);
	CHECK_INT(sprout_writer_put(w, parse_ok(a, "{\"a\":1}"), &err), SPROUT_OK);
	CHECK_INT(sprout_writer_put(w, parse_ok(a, "{\"b\":[]}"), &err), SPROUT_OK);
	/* nothing at the target until commit; only the temporary file */
	CHECK(access(path, F_OK) != 0);
	CHECK_INT(count_files(dir), 1);
	CHECK_INT(sprout_writer_count(w), 2);
	CHECK_INT(sprout_writer_commit(w, &err), SPROUT_OK);
	CHECK_STR(slurp(path, NULL), "{\"a\":1}\n{\"b\":[]}\n");
	CHECK_INT(count_files(dir), 1);
	unlink(path);
	rmdir(dir);
	sprout_arena_free(a);
}

static void abort_keeps_the_old_file(void)
{
	const char *dir = temp_dir();
	char path[128];
	snprintf(path, sizeof path, "%s/keep.json", dir);
	FILE *f = fopen(path, "w");
	fputs("old\n", f);
	fclose(f);
	sprout_arena *a = sprout_arena_new(0);
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_writer *w = sprout_writer_open(path, SPROUT_CONTAINER_ARRAY, &err);
	CHECK_INT(sprout_writer_put(w, parse_ok(a, "{\"a\":1}"), &err), SPROUT_OK);
	sprout_writer_abort(w);
	CHECK_STR(slurp(path, NULL), "old\n");
	CHECK_INT(count_files(dir), 1);
	/* arrays: one per line, and an empty array when nothing was written */
	w = sprout_writer_open(path, SPROUT_CONTAINER_ARRAY, &err);
	CHECK_INT(sprout_writer_put(w, parse_ok(a, "{\"a\":1}"), &err), SPROUT_OK);
	CHECK_INT(sprout_writer_put(w, parse_ok(a, "{\"b\":2}"), &err), SPROUT_OK);
	CHECK_INT(sprout_writer_commit(w, &err), SPROUT_OK);
	CHECK_STR(slurp(path, NULL), "[\n{\"a\":1},\n{\"b\":2}\n]\n");
	w = sprout_writer_open(path, SPROUT_CONTAINER_ARRAY, &err);
	CHECK_INT(sprout_writer_commit(w, &err), SPROUT_OK);
	CHECK_STR(slurp(path, NULL), "[]\n");
	unlink(path);
	rmdir(dir);
	sprout_arena_free(a);
}

static void unwritable_directory_is_an_io_error(void)
{
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_writer *w = sprout_writer_open("/nonexistent/dir/out.jsonl", SPROUT_CONTAINER_JSONL, &err);
	CHECK(w == NULL);
	CHECK_INT(err.code, SPROUT_ERR_IO);
	char buf[256];
	CHECK_STR(sprout_error_format(&err, buf, sizeof buf),
		  "/nonexistent/dir/out.jsonl: cannot create a file next to it: No such file or "
		  "directory");
}

static void rejects_keep_the_raw_text(void)
{
	const char *dir = temp_dir();
	char path[128];
	snprintf(path, sizeof path, "%s/r.jsonl", dir);
	sprout_arena *a = sprout_arena_new(0);
	sprout_error err = SPROUT_ERROR_INIT, why = SPROUT_ERROR_INIT;
	sprout_writer *w = sprout_writer_open(path, SPROUT_CONTAINER_JSONL, &err);
	sprout_error_set(&why, SPROUT_ERR_JSON, "unexpected ','");
	sprout_error_locate(&why, "in.jsonl", 3, 7);
	CHECK_INT(sprout_reject_put(w, "read", &why, "{\"a\":,\t}", 8, 0, NULL, &err), SPROUT_OK);
	sprout_error_set(&why, SPROUT_ERR_UTF8, "invalid UTF-8 byte 0xFF");
	CHECK_INT(sprout_reject_put(w, "read", &why, "a\xff", 2, 1, NULL, &err), SPROUT_OK);
	sprout_error_set(&why, SPROUT_ERR_CONVERT, "no place");
	CHECK_INT(sprout_reject_put(w, "convert", &why, NULL, 0, 0, parse_ok(a, "{\"x\":1}"), &err),
		  SPROUT_OK);
	CHECK_INT(sprout_writer_commit(w, &err), SPROUT_OK);
	CHECK_STR(slurp(path, NULL),
		  "{\"stage\":\"read\",\"error\":\"json\",\"reason\":\"unexpected ','\",\"file\":"
		  "\"in.jsonl\",\"line\":3,\"column\":7,\"raw\":\"{\\\"a\\\":,\\t}\"}\n"
		  "{\"stage\":\"read\",\"error\":\"utf8\",\"reason\":\"invalid UTF-8 byte 0xFF\","
		  "\"raw_base64\":\"Yf8=\",\"raw_truncated\":true}\n"
		  "{\"stage\":\"convert\",\"error\":\"convert\",\"reason\":\"no place\",\"record\":{"
		  "\"x\":1}}\n");
	CHECK(sprout_same_file(path, path));
	CHECK(!sprout_same_file(path, dir));
	CHECK(!sprout_same_file(path, "/nonexistent"));
	unlink(path);
	rmdir(dir);
	sprout_arena_free(a);
}

SUITE(writer_tests) = {
	T(commit_renames_into_place),
	T(abort_keeps_the_old_file),
	T(unwritable_directory_is_an_io_error),
	T(rejects_keep_the_raw_text),
	{NULL, NULL},
};
