/* sprout augment: more examples that say the same thing in other words.
 * The stage is the library's (src/lib/stages/stage_augment.c). */
#include "cli.h"

int cmd_augment(int argc, char **argv)
{
	return cli_stage_main("augment", argc, argv);
}
