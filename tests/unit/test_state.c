#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"
#include "util.h"

#include "sprout/hash.h"
#include "sprout/state.h"

static void hashes_are_stable_and_separate_strings(void)
{
	sprout_hasher *h = sprout_hasher_new();
	CHECK(h);
	char e[SPROUT_HASH_HEX], x[SPROUT_HASH_HEX], y[SPROUT_HASH_HEX];
	sprout_hasher_hex(h, e);
	CHECK_INT(strlen(e), 32);
	sprout_hasher_add_str(h, "ab");
	sprout_hasher_add_str(h, "c");
	sprout_hasher_hex(h, x);
	sprout_hasher_free(h);
	h = sprout_hasher_new();
	sprout_hasher_add_str(h, "a");
	sprout_hasher_add_str(h, "bc");
	sprout_hasher_hex(h, y);
	CHECK(strcmp(x, y) != 0);
	CHECK(strcmp(x, e) != 0);
	sprout_hasher_free(h);

	/* a file hashes as its bytes did */
	const char *dir = temp_dir();
	char path[256];
	snprintf(path, sizeof path, "%s/f.bin", dir);
	FILE *f = fopen(path, "wb");
	static char big[200000];
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (char)(i * 31);
	CHECK(f && fwrite(big, 1, sizeof big, f) == sizeof big && fclose(f) == 0);
	h = sprout_hasher_new();
	sprout_hasher_add(h, big, 1000);
	sprout_hasher_add(h, big + 1000, sizeof big - 1000);
	sprout_hasher_hex(h, x);
	sprout_hasher_free(h);
	unsigned long long bytes = 0;
	sprout_error err = SPROUT_ERROR_INIT;
	CHECK_INT(sprout_hash_file(path, y, &bytes, &err), SPROUT_OK);
	CHECK_STR(y, x);
	CHECK_INT(bytes, sizeof big);
	unlink(path);
	CHECK_INT(sprout_hash_file(path, y, NULL, &err), SPROUT_ERR_IO);
	CHECK(strstr(err.msg, "cannot open") != NULL);
	CHECK_STR(err.file, path);
	rmdir(dir);
}

static void state_keeps_values_across_opens_and_kills(void)
{
	const char *dir = temp_dir();
	char path[256];
	snprintf(path, sizeof path, "%s/run.sqlite", dir);
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_state *s = sprout_state_open(path, &err);
	CHECK(s);
	char *v = (char *)"x";
	CHECK_INT(sprout_state_get(s, "stage/01", &v, &err), SPROUT_END);
	CHECK(v == NULL);
	CHECK_INT(sprout_state_put(s, "stage/01", "{\"a\":1}", &err), SPROUT_OK);
	CHECK_INT(sprout_state_put(s, "stage/02", "two", &err), SPROUT_OK);
	CHECK_INT(sprout_state_put(s, "stage/02", "two again", &err), SPROUT_OK);
	CHECK_INT(sprout_state_put(s, "stagex", "other", &err), SPROUT_OK);
	sprout_state_close(s);

	/* a child that puts and dies without closing: its put is there */
	pid_t pid = fork();
	if (pid == 0) {
		sprout_state *c = sprout_state_open(path, NULL);
		if (!c || sprout_state_put(c, "stage/03", "three", NULL))
			_exit(1);
		_exit(0);
	}
	int status;
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	s = sprout_state_open(path, &err);
	CHECK(s);
	CHECK_INT(sprout_state_get(s, "stage/02", &v, &err), SPROUT_OK);
	CHECK_STR(v, "two again");
	free(v);
	CHECK_INT(sprout_state_get(s, "stage/03", &v, &err), SPROUT_OK);
	CHECK_STR(v, "three");
	free(v);
	CHECK_INT(sprout_state_remove_prefix(s, "stage/", &err), SPROUT_OK);
	CHECK_INT(sprout_state_get(s, "stage/01", &v, &err), SPROUT_END);
	CHECK_INT(sprout_state_get(s, "stagex", &v, &err), SPROUT_OK);
	CHECK_STR(v, "other");
	free(v);
	sprout_state_close(s);

	/* a path that cannot be a database */
	CHECK(!sprout_state_open(dir, &err));
	CHECK_INT(err.code, SPROUT_ERR_IO);
	CHECK(strstr(err.msg, "cannot open the run state") != NULL);
	char cmd[512];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	CHECK_INT(system(cmd), 0);
}

SUITE(state_tests) = {
    T(hashes_are_stable_and_separate_strings),
    T(state_keeps_values_across_opens_and_kills),
    {0},
};
