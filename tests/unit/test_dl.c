/* Loading a library's functions on first use (sprout/dl.h). */
#include "test.h"

#include "sprout/dl.h"

static void loads_functions_and_names_the_package(void)
{
	double (*cosine)(double) = NULL;
	size_t (*length)(const char *) = NULL;
	const sprout_dl_sym syms[] = {{"cos", (void **)&cosine}, {"strlen", (void **)&length}};
	sprout_error err = SPROUT_ERROR_INIT;
	CHECK_INT(sprout_dl_load("libm.so.6", "libc6", syms, 1, &err), SPROUT_OK);
	CHECK(cosine != NULL && cosine(0.0) == 1.0);
	CHECK_INT(sprout_dl_load("libc.so.6", "libc6", syms + 1, 1, &err), SPROUT_OK);
	CHECK_INT(length("sprout"), 6);

	CHECK_INT(sprout_dl_load("libsprout-missing.so.9", "libsprout-missing9", syms, 1, &err),
		  SPROUT_ERR_IO);
	CHECK(strncmp(err.msg, "cannot load libsprout-missing.so.9 (", 36) == 0);
	CHECK(strstr(err.msg, "); install the Debian package libsprout-missing9") != NULL);

	void (*none)(void) = NULL;
	const sprout_dl_sym bad[] = {{"cos", (void **)&cosine},
				     {"sprout_no_such_fn", (void **)&none}};
	err = (sprout_error)SPROUT_ERROR_INIT;
	CHECK_INT(sprout_dl_load("libm.so.6", "libc6", bad, 2, &err), SPROUT_ERR_IO);
	CHECK_STR(err.msg, "libm.so.6 has no function sprout_no_such_fn; install a newer libc6");
	CHECK(none == NULL);
}

SUITE(dl_tests) = {
    T(loads_functions_and_names_the_package),
    {NULL, NULL},
};
