/* Loading libcurl on first use. See curl_dyn.h. */
#include <pthread.h>

#include "services/curl_dyn.h"
#include "sprout/dl.h"

struct sprout_curl_fns sprout_curl;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static sprout_error failure = SPROUT_ERROR_INIT; /* code SPROUT_OK: loaded */

#define SYM(field, name)                                                                           \
	{                                                                                          \
		name, (void **)&sprout_curl.field                                                  \
	}

static void load(void)
{
	const sprout_dl_sym syms[] = {
	    SYM(global_init, "curl_global_init"),
	    SYM(easy_init, "curl_easy_init"),
	    SYM(easy_setopt, "curl_easy_setopt"),
	    SYM(easy_perform, "curl_easy_perform"),
	    SYM(easy_cleanup, "curl_easy_cleanup"),
	    SYM(easy_reset, "curl_easy_reset"),
	    SYM(easy_getinfo, "curl_easy_getinfo"),
	    SYM(easy_strerror, "curl_easy_strerror"),
	    SYM(getdate, "curl_getdate"),
	    SYM(multi_init, "curl_multi_init"),
	    SYM(multi_add_handle, "curl_multi_add_handle"),
	    SYM(multi_remove_handle, "curl_multi_remove_handle"),
	    SYM(multi_perform, "curl_multi_perform"),
	    SYM(multi_poll, "curl_multi_poll"),
	    SYM(multi_info_read, "curl_multi_info_read"),
	    SYM(multi_setopt, "curl_multi_setopt"),
	    SYM(multi_cleanup, "curl_multi_cleanup"),
	    SYM(slist_append, "curl_slist_append"),
	    SYM(slist_free_all, "curl_slist_free_all"),
	    SYM(mime_init, "curl_mime_init"),
	    SYM(mime_addpart, "curl_mime_addpart"),
	    SYM(mime_name, "curl_mime_name"),
	    SYM(mime_filename, "curl_mime_filename"),
	    SYM(mime_type, "curl_mime_type"),
	    SYM(mime_data, "curl_mime_data"),
	    SYM(mime_free, "curl_mime_free"),
	};
	if (sprout_dl_load("libcurl.so.4", "libcurl4", syms, sizeof syms / sizeof *syms, &failure))
		return;
	if (sprout_curl.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		sprout_error_set(&failure, SPROUT_ERR_IO,
				 "libcurl could not start (curl_global_init)");
}

sprout_code sprout_curl_load(sprout_error *err)
{
	pthread_once(&once, load);
	if (failure.code == SPROUT_OK)
		return SPROUT_OK;
	return sprout_error_set(err, failure.code, "%s", failure.msg);
}
