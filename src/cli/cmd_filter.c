/* sprout filter: keep the records worth training on; every rejected one
 * goes to the rejects file with the check it failed and its score. The
 * stage is the library's (src/lib/stages/stage_filter.c). */
#include "cli.h"

int cmd_filter(int argc, char **argv)
{
	return cli_stage_main("filter", argc, argv);
}
