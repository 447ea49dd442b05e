/* Loading a library's functions on first use. See sprout/dl.h. */
#include "sprout/dl.h"

#include <dlfcn.h>

sprout_code sprout_dl_load(const char *soname, const char *package, const sprout_dl_sym *syms,
			   size_t n, sprout_error *err)
{
	void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *why = dlerror();
		return sprout_error_set(err, SPROUT_ERR_IO,
					"cannot load %s (%s); install the Debian package %s",
					soname, why ? why : "not found", package);
	}
	for (size_t i = 0; i < n; i++) {
		void *f = dlsym(h, syms[i].name);
		if (!f)
			return sprout_error_set(err, SPROUT_ERR_IO,
						"%s has no function %s; install a newer %s", soname,
						syms[i].name, package);
		*syms[i].slot = f;
	}
	return SPROUT_OK;
}
