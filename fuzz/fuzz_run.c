/* fuzz_run - libFuzzer target for the recipe's checks (sprout_run_open):
 * the text as a recipe next to a small input; the library checks the
 * options of its stages itself (every value set on the stage, the shared
 * reading and writing options; generate's too: no command is given);
 * nothing runs. The seeds are those of
 * fuzz_recipe (real recipes).
 * Invariants: no crash, leak or UB; a recipe refused says why (usage,
 * input/output or memory), and where in the recipe when it names a place
 * (the recipe's path, a line inside the text); one accepted has a run
 * folder; reading the same text again gives the same answer. */
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "sprout/run.h"

/* Open the recipe: its code, and the message into msg. */
static sprout_code open_once(const char *path, char *msg, size_t n, size_t size)
{
	sprout_run_options o = SPROUT_RUN_OPTIONS_INIT;
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_run *r = sprout_run_open(path, &o, &err);
	if (r) {
		CHECK(sprout_run_folder(r) && sprout_run_folder(r)[0]);
		sprout_run_free(r);
		snprintf(msg, n, "ok");
		return SPROUT_OK;
	}
	CHECK(err.code == SPROUT_ERR_USAGE || err.code == SPROUT_ERR_IO ||
	      err.code == SPROUT_ERR_NOMEM);
	fuzz_check_error(&err, err.code);
	CHECK(err.msg[0]); /* the run says why */
	if (err.file[0]) {
		CHECK(!strcmp(err.file, path));
		CHECK(err.line <= size + 1);
	}
	snprintf(msg, n, "%s:%lu:%lu: %s", err.file, err.line, err.column, err.msg);
	return err.code;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[4096];
	if (!path[0]) {
		const char *dir = fuzz_dir();
		static const char seeds[] = "{\"prompt\":\"a b c\",\"response\":\"d\",\"label\":\"x\"}\n";
		fuzz_write(dir, "seeds.jsonl", seeds, sizeof seeds - 1);
		fuzz_write(dir, "seeds.json", seeds, sizeof seeds - 1);
		snprintf(path, sizeof path, "%s/recipe.yaml", dir);
	}
	const char *slash = strrchr(path, '/');
	char dir[4096];
	snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
	fuzz_write(dir, "recipe.yaml", data, size);
	char first[8192], second[8192];
	sprout_code a = open_once(path, first, sizeof first, size);
	sprout_code b = open_once(path, second, sizeof second, size);
	CHECK(a == b);
	CHECK(!strcmp(first, second));
	return 0;
}
