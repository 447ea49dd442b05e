#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sprout/hash.h"
#include "test.h"
#include "util.h"

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

/* A target that is no regular file (here /dev/null, through a link in a
 * temporary folder so that a writer that renamed would replace only the
 * link) is written directly: no temporary file, nothing renamed over it. */
static void device_target_is_written_directly(void)
{
	const char *dir = temp_dir();
	char path[128];
	snprintf(path, sizeof path, "%s/sink", dir);
	CHECK(symlink("/dev/null", path) == 0);
	sprout_arena *a = sprout_arena_new(0);
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_writer *w = sprout_writer_open(path, SPROUT_CONTAINER_JSONL, &err);
	CHECK(w != NULL);
	CHECK(sprout_writer_temp_path(w) == NULL);
	CHECK_INT(sprout_writer_put(w, parse_ok(a, "{\"a\":1}"), &err), SPROUT_OK);
	CHECK_INT(sprout_writer_commit(w, &err), SPROUT_OK);
	struct stat st;
	CHECK(lstat(path, &st) == 0 && S_ISLNK(st.st_mode));
	CHECK(stat(path, &st) == 0 && S_ISCHR(st.st_mode));
	CHECK_INT(count_files(dir), 1);
	w = sprout_writer_open(path, SPROUT_CONTAINER_ARRAY, &err);
	CHECK(w != NULL);
	sprout_writer_abort(w);
	CHECK(lstat(path, &st) == 0 && S_ISLNK(st.st_mode));
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
	sprout_writer *w =
	    sprout_writer_open("/nonexistent/dir/out.jsonl", SPROUT_CONTAINER_JSONL, &err);
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
	CHECK_STR(
	    slurp(path, NULL),
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

static void touch_file(const char *dir, const char *name)
{
	char p[256];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	fputs("partial", f);
	fclose(f);
}

static int exists(const char *dir, const char *name)
{
	char p[256];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	return access(p, F_OK) == 0;
}

/* Temporary files a killed writer left (no lock on them) go when the next
 * writer of the same target opens; a live writer's (locked) stay, and so
 * do other targets' and names of another shape. */
static void open_removes_stale_temporary_files_only(void)
{
	const char *dir = temp_dir();
	touch_file(dir, ".out.jsonl.sprout-dead01");
	touch_file(dir, ".out.jsonl.sprout-live01");
	touch_file(dir, ".other.jsonl.sprout-dead02");
	touch_file(dir, ".out.jsonl.sprout-toolong1");
	touch_file(dir, "out.jsonl.sprout-dead03");
	char p[256];
	snprintf(p, sizeof p, "%s/.out.jsonl.sprout-live01", dir);
	int held = open(p, O_RDONLY);
	CHECK(held >= 0);
	CHECK_INT(flock(held, LOCK_EX | LOCK_NB), 0);

	snprintf(p, sizeof p, "%s/out.jsonl", dir);
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_writer *w = sprout_writer_open(p, SPROUT_CONTAINER_JSONL, &err);
	CHECK(w != NULL);
	CHECK(!exists(dir, ".out.jsonl.sprout-dead01"));
	CHECK(exists(dir, ".out.jsonl.sprout-live01"));
	CHECK(exists(dir, ".other.jsonl.sprout-dead02"));
	CHECK(exists(dir, ".out.jsonl.sprout-toolong1"));
	CHECK(exists(dir, "out.jsonl.sprout-dead03"));
	/* a second writer of the same target leaves the first one's file */
	sprout_writer *w2 = sprout_writer_open(p, SPROUT_CONTAINER_JSONL, &err);
	CHECK(w2 != NULL);
	CHECK_INT(access(sprout_writer_temp_path(w), F_OK), 0);
	CHECK_INT(sprout_writer_remove_stale(sprout_writer_temp_path(w)), 0);
	CHECK_INT(access(sprout_writer_temp_path(w), F_OK), 0);
	sprout_writer_abort(w2);
	CHECK_INT(sprout_writer_commit(w, &err), SPROUT_OK);
	CHECK_INT(access(p, F_OK), 0);
	/* once its writer is gone, a file is stale */
	close(held);
	snprintf(p, sizeof p, "%s/.out.jsonl.sprout-live01", dir);
	CHECK_INT(sprout_writer_remove_stale(p), 1);
	CHECK(!exists(dir, ".out.jsonl.sprout-live01"));
	CHECK_INT(sprout_writer_remove_stale(p), 0);
	static const char *const left[] = {"out.jsonl", ".other.jsonl.sprout-dead02",
					   ".out.jsonl.sprout-toolong1", "out.jsonl.sprout-dead03"};
	for (size_t i = 0; i < sizeof left / sizeof left[0]; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, left[i]);
		unlink(p);
	}
	CHECK_INT(rmdir(dir), 0);
}

/* A check's reject: members in the one order, those not given left out. */
static void reject_lines_have_one_shape(void)
{
	const char *dir = temp_dir();
	char path[128];
	snprintf(path, sizeof path, "%s/r.jsonl", dir);
	sprout_arena *a = sprout_arena_new(0);
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_writer *w = sprout_writer_open(path, SPROUT_CONTAINER_JSONL, &err);
	sprout_reject r = SPROUT_REJECT_INIT;
	r.stage = "filter";
	r.check = "judge:response";
	r.score = 2;
	r.reason = "wrong \"answer\"";
	r.file = "in.jsonl";
	r.line = 4;
	r.record = parse_ok(a, "{\"x\":[1,2]}");
	r.key = "parent";
	r.value = "p1";
	CHECK_INT(sprout_reject_write(w, &r, &err), SPROUT_OK);
	sprout_reject bare = SPROUT_REJECT_INIT; /* no score: NAN, so none written */
	bare.stage = "review";
	bare.reason = "off topic";
	CHECK_INT(sprout_reject_write(w, &bare, &err), SPROUT_OK);
	bare.score = 0.125;
	CHECK_INT(sprout_reject_write(w, &bare, &err), SPROUT_OK);
	CHECK_INT(sprout_writer_count(w), 3);
	CHECK_INT(sprout_writer_commit(w, &err), SPROUT_OK);
	CHECK_STR(
	    slurp(path, NULL),
	    "{\"stage\":\"filter\",\"check\":\"judge:response\",\"score\":2.0,\"reason\":"
	    "\"wrong \\\"answer\\\"\",\"file\":\"in.jsonl\",\"line\":4,\"record\":{\"x\":[1,2]},"
	    "\"parent\":\"p1\"}\n"
	    "{\"stage\":\"review\",\"reason\":\"off topic\"}\n"
	    "{\"stage\":\"review\",\"score\":0.125,\"reason\":\"off topic\"}\n");
	unlink(path);
	rmdir(dir);
	sprout_arena_free(a);
}

/* What commit_measured tells equals what reading the file back gives. */
static void commit_measures_what_it_wrote(void)
{
	const char *dir = temp_dir();
	char path[128];
	sprout_arena *a = sprout_arena_new(0);
	sprout_error err = SPROUT_ERROR_INIT;
	for (int container = 0; container < 2; container++) {
		snprintf(path, sizeof path, "%s/out%d.json", dir, container);
		sprout_writer *w = sprout_writer_open(
		    path, container ? SPROUT_CONTAINER_ARRAY : SPROUT_CONTAINER_JSONL, &err);
		CHECK(w != NULL);
		/* enough to flush several times on the way */
		for (int i = 0; i < 30000; i++)
			CHECK_INT(
			    sprout_writer_put(
				w, parse_ok(a, "{\"text\":\"some words to make the file long\"}"),
				&err),
			    SPROUT_OK);
		sprout_error why = SPROUT_ERROR_INIT;
		sprout_error_set(&why, SPROUT_ERR_JSON, "bad");
		CHECK_INT(sprout_reject_put(w, "test", &why, "{", 1, 0, NULL, &err), SPROUT_OK);
		sprout_written got;
		CHECK_INT(sprout_writer_commit_measured(w, &got, &err), SPROUT_OK);
		char want[SPROUT_HASH_HEX];
		unsigned long long bytes;
		CHECK_INT(sprout_hash_file(path, want, &bytes, &err), SPROUT_OK);
		CHECK_STR(got.hash, want);
		CHECK_INT(got.bytes, bytes);
		CHECK_INT(got.records, 30001);
		CHECK_INT(got.records_known, 1);
	}
	/* raw bytes: the records are not known */
	sprout_writer *w = sprout_writer_open(path, SPROUT_CONTAINER_JSONL, &err);
	CHECK_INT(sprout_writer_write(w, "text\n", 5, &err), SPROUT_OK);
	sprout_written got;
	CHECK_INT(sprout_writer_commit_measured(w, &got, &err), SPROUT_OK);
	CHECK_INT(got.records_known, 0);
	CHECK_INT(got.bytes, 5);
	sprout_arena_free(a);
}

SUITE(writer_tests) = {
    T(commit_measures_what_it_wrote),
    T(reject_lines_have_one_shape),
    T(commit_renames_into_place),
    T(open_removes_stale_temporary_files_only),
    T(abort_keeps_the_old_file),
    T(unwritable_directory_is_an_io_error),
    T(rejects_keep_the_raw_text),
    T(device_target_is_written_directly),
    {NULL, NULL},
};
