/* sprout generate: new examples written by a model server from the seeds.
 * The stage is the library's (src/lib/stage_generate.c). */
#include "cli.h"

int cmd_generate(int argc, char **argv)
{
	return cli_stage_main("generate", argc, argv);
}
