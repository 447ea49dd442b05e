/* sprout export: the files trainers read. The stage, which shapes the
 * records, is the library's (src/lib/stages/stage_export.c). */
#include "cli.h"

int cmd_export(int argc, char **argv)
{
	return cli_stage_main("export", argc, argv);
}
