/* sprout: grow a small seed set into a checked fine-tuning dataset. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

const struct cli_command cli_commands[] = {
    {"augment", cmd_augment,
     "make variants offline: synonyms, word edits, typos, style, back-translation"},
    {"convert", cmd_convert, "rewrite records in another dataset format"},
    {"export", cmd_export, "write the files trainers read: OpenAI, ShareGPT, Alpaca, TRL"},
    {"filter", cmd_filter, "keep what is close, new, well-formed and free of personal data"},
    {"flag", cmd_flag, "pick a model's wrong and unsure answers for experts to correct"},
    {"generate", cmd_generate,
     "ask a model server for new examples: paraphrases, pairs, responses, ..."},
    {"loop", cmd_loop,
     "the rounds of the feedback loop: flagged, corrected, generated, kept, metric"},
    {"merge", cmd_merge, "finish a run made in shards: the rest of the recipe over all of them"},
    {"mix", cmd_mix, "blend real and synthetic records to a ratio, share and cap"},
    {"probe", cmd_probe, "fastText A/B check: real vs real + augmented, test accuracy per class"},
    {"report", cmd_report, "one HTML page (and JSON) on a dataset: methods, rejections, drift"},
    {"review", cmd_review, "domain experts accept, reject and correct records in a browser"},
    {"run", cmd_run, "run a recipe: stages in order, resumable, with a manifest"},
    {"slurm", cmd_slurm, "run a recipe's shards as a Slurm job array, then merge them"},
    {"split", cmd_split, "train/validation/test with no leakage from synthetic records"},
    {"stats", cmd_stats, "describe a dataset: formats, lengths, labels, duplicates"},
    {NULL, NULL, NULL},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: sprout COMMAND [options] [FILE...]\n\n"
		   "Grow a small seed set of fine-tuning examples into a larger, checked\n"
		   "training set. Commands read the FILEs (or stdin) and write to stdout\n"
		   "unless -o FILE is given, so they compose in pipes.\n\ncommands:\n");
	for (const struct cli_command *c = cli_commands; c->name; c++)
		fprintf(f, "  %-10s %s\n", c->name, c->summary);
	fprintf(f, "\n'sprout COMMAND --help' tells more; 'sprout --version' the version.\n");
}

/* Success only when everything reached stdout. */
static int finish(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("sprout: cannot write to stdout");
		return rc ? rc : EXIT_IO;
	}
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *name = argv[1];
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
		if (argc > 2 && strcmp(name, "help") == 0) {
			for (const struct cli_command *c = cli_commands; c->name; c++) {
				if (strcmp(c->name, argv[2]) == 0) {
					char *args[] = {argv[2], "--help", NULL};
					return finish(c->run(2, args));
				}
			}
			fprintf(stderr, "sprout: unknown command '%s'\n", argv[2]);
			return EXIT_USAGE;
		}
		usage(stdout);
		return finish(EXIT_OK);
	}
	if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
		printf("sprout %s\n", sprout_version());
		return finish(EXIT_OK);
	}
	for (const struct cli_command *c = cli_commands; c->name; c++) {
		if (strcmp(c->name, name) == 0) {
			cli_signals_init();
			int rc = c->run(argc - 1, argv + 1);
			return finish(rc);
		}
	}
	fprintf(stderr, "sprout: unknown command '%s' (see 'sprout --help')\n", name);
	return EXIT_USAGE;
}
