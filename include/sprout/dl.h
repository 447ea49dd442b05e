/* sprout/dl.h - a shared library's functions, loaded on first use.
 *
 * libcurl and libmicrohttpd, with the libraries they bring (TLS, HTTP/2,
 * Kerberos, LDAP, ...), cost most of a command's start-up when linked, and
 * only the model-server and review commands use them; so they are loaded
 * with dlopen when first needed.
 */
#ifndef SPROUT_DL_H
#define SPROUT_DL_H

#include <stddef.h>

#include "sprout/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A function to look up: its name and where its address goes (a function
 * pointer, passed as (void **)&ptr, as POSIX has it for dlsym). */
typedef struct sprout_dl_sym {
	const char *name;
	void **slot;
} sprout_dl_sym;

/* dlopen soname and set every slot. SPROUT_ERR_IO when the library or a
 * function is missing, with a message naming the Debian package to install.
 * The library stays loaded. Not thread-safe by itself: call it once (e.g.
 * under pthread_once). */
sprout_code sprout_dl_load(const char *soname, const char *package, const sprout_dl_sym *syms,
			   size_t n, sprout_error *err);

#ifdef __cplusplus
}
#endif

#endif
