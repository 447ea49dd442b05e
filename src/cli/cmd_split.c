/* sprout split: train / validation / test with no leakage. The stage is
 * the library's (src/lib/stages/stage_split.c). */
#include "cli.h"

int cmd_split(int argc, char **argv)
{
	return cli_stage_main("split", argc, argv);
}
