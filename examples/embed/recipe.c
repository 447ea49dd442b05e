/* recipe - a program outside sprout's source tree that runs a recipe
 * through libsprout: every stage is one the library runs itself (augment,
 * filter, mix, split, convert, export, report), into the run folder, with
 * the checkpoints, the resume and manifest.json, as `sprout run` does.
 *
 *   cc recipe.c $(pkg-config --cflags --libs sprout) -o recipe
 *   ./recipe RECIPE [RUN_FOLDER]
 *
 * What the library tells a person goes to stderr, the closing summary to
 * stdout. Exit 0 when the run is complete, 1 when it failed, 2 when the
 * recipe is wrong. */
#include <stdio.h>

#include <sprout/sprout.h>

static void note(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "%s\n", line);
}

static void print(void *ctx, const char *text)
{
	(void)ctx;
	fputs(text, stdout);
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: recipe RECIPE [RUN_FOLDER]\n");
		return 2;
	}
	sprout_run_options o = SPROUT_RUN_OPTIONS_INIT;
	o.out_dir = argc == 3 ? argv[2] : NULL;
	o.note = note;
	o.print = print;
	sprout_error err = SPROUT_ERROR_INIT;
	char msg[2048];
	sprout_run *r = sprout_run_open(argv[1], &o, &err);
	if (!r) {
		fprintf(stderr, "recipe: %s\n", sprout_error_format(&err, msg, sizeof msg));
		return 2;
	}
	sprout_code rc = sprout_run_execute(r, &err);
	if (rc)
		fprintf(stderr, "recipe: %s\n", sprout_error_format(&err, msg, sizeof msg));
	sprout_run_free(r);
	return rc ? 1 : 0;
}
