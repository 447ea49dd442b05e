/* sprout convert: rewrite records in another format, keeping everything.
 * The stage is the library's (src/lib/stages/stage_convert.c). */
#include "cli.h"

int cmd_convert(int argc, char **argv)
{
	return cli_stage_main("convert", argc, argv);
}
