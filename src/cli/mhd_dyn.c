/* Loading libmicrohttpd on first use. See mhd_dyn.h. */
#include "mhd_dyn.h"

#include <pthread.h>
#include <stdio.h>

#include "sprout/dl.h"

struct sprout_mhd_fns sprout_mhd;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static sprout_error failure = SPROUT_ERROR_INIT; /* code SPROUT_OK: loaded */

#define SYM(field, name)                                                                           \
	{                                                                                          \
		name, (void **)&sprout_mhd.field                                                   \
	}

static void load(void)
{
	const sprout_dl_sym syms[] = {
	    SYM(lookup_connection_value, "MHD_lookup_connection_value"),
	    SYM(get_daemon_info, "MHD_get_daemon_info"),
	    SYM(create_response_from_buffer, "MHD_create_response_from_buffer"),
	    SYM(add_response_header, "MHD_add_response_header"),
	    SYM(queue_response, "MHD_queue_response"),
	    SYM(destroy_response, "MHD_destroy_response"),
	    SYM(start_daemon, "MHD_start_daemon"),
	    SYM(stop_daemon, "MHD_stop_daemon"),
	};
	sprout_dl_load("libmicrohttpd.so.12", "libmicrohttpd12", syms, sizeof syms / sizeof *syms,
		       &failure);
}

int sprout_mhd_load(char *why, size_t whylen)
{
	pthread_once(&once, load);
	if (failure.code == SPROUT_OK)
		return 0;
	snprintf(why, whylen, "%s", failure.msg);
	return -1;
}
