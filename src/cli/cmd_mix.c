/* sprout mix: real and synthetic records, blended to a target. The stage
 * is the library's (src/lib/stages/stage_mix.c). */
#include "cli.h"

int cmd_mix(int argc, char **argv)
{
	return cli_stage_main("mix", argc, argv);
}
