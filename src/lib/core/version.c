#include "sprout/sprout.h"

const char *sprout_version(void)
{
	return SPROUT_VERSION;
}
