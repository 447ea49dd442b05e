/* fuzz_run - libFuzzer target for the recipe's checks (sprout_run_open):
 * the text as a recipe next to a small input; the library checks the
 * options of its own stages itself (every value set on the stage, the
 * shared reading and writing options), and generate, which it lacks, gets
 * a command with a few options; nothing runs. The seeds are those of
 * fuzz_recipe (real recipes).
 * Invariants: no crash, leak or UB; a recipe refused says why (usage,
 * input/output or memory), and where in the recipe when it names a place
 * (the recipe's path, a line inside the text); one accepted has a run
 * folder; reading the same text again gives the same answer. */
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "sprout/run.h"

/* generate's options that recipes use (the sprout program gives its full
 * table) and the shared ones */
static const sprout_option_def generate_options[] = {
    {"method", 0, "NAME", SPROUT_OPT_TEXT, 0, NULL, "method"},
    {"url", 0, "URL", SPROUT_OPT_TEXT, 0, NULL, "server"},
    {"model", 0, "NAME", SPROUT_OPT_TEXT, SPROUT_OPT_REPEAT, NULL, "model"},
    {"variants", 'n', "N", SPROUT_OPT_WHOLE, 0, NULL, "variants"},
    {"constraints", 0, "LIST", SPROUT_OPT_TEXT, 0, NULL, "constraints"},
    {"keep-original", 0, NULL, SPROUT_OPT_SWITCH, 0, NULL, "keep"},
    {"prompts", 0, "DIR", SPROUT_OPT_INDIR, 0, NULL, "prompts"},
    {"format", 'f', "FORMAT", SPROUT_OPT_TEXT, 0, NULL, "format"},
    {"rejects", 0, "FILE", SPROUT_OPT_OUTPATH, 0, NULL, "rejects"},
    {"output", 'o', "FILE", SPROUT_OPT_OUTPATH, 0, NULL, "output"},
    {NULL, 0, NULL, 0, 0, NULL, NULL},
};

static sprout_run_command commands[2];

static int never(void *ctx, int argc, char **argv, sprout_error *err)
{
	(void)ctx, (void)argc, (void)argv, (void)err;
	CHECK(!"a command ran while the recipe was only read");
	return 4;
}

static void make_commands(void)
{
	commands[0] = (sprout_run_command){"generate", generate_options, NULL, never, NULL, NULL};
}

/* Open the recipe: its code, and the message into msg. */
static sprout_code open_once(const char *path, char *msg, size_t n, size_t size)
{
	sprout_run_options o = SPROUT_RUN_OPTIONS_INIT;
	o.commands = commands;
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
	CHECK(err.msg[0]); /* no command told a person: the run says why */
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
		make_commands();
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
