/* libcurl, loaded when a model server is first called instead of when
 * sprout starts: it and the libraries it needs (TLS, HTTP/2, Kerberos,
 * LDAP, ...) are most of sprout's start-up otherwise, and the offline
 * commands never use them. Include this instead of <curl/curl.h>: the curl_*
 * calls below go through the loaded functions. Not installed. */
#ifndef SPROUT_CURL_DYN_H
#define SPROUT_CURL_DYN_H

#include <curl/curl.h>

#include "sprout/error.h"

struct sprout_curl_fns {
	CURLcode (*global_init)(long);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_perform)(CURL *);
	void (*easy_cleanup)(CURL *);
	void (*easy_reset)(CURL *);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	const char *(*easy_strerror)(CURLcode);
	time_t (*getdate)(const char *, const time_t *);
	CURLM *(*multi_init)(void);
	CURLMcode (*multi_add_handle)(CURLM *, CURL *);
	CURLMcode (*multi_remove_handle)(CURLM *, CURL *);
	CURLMcode (*multi_perform)(CURLM *, int *);
	CURLMcode (*multi_poll)(CURLM *, struct curl_waitfd[], unsigned int, int, int *);
	CURLMsg *(*multi_info_read)(CURLM *, int *);
	CURLMcode (*multi_setopt)(CURLM *, CURLMoption, ...);
	CURLMcode (*multi_cleanup)(CURLM *);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
	curl_mime *(*mime_init)(CURL *);
	curl_mimepart *(*mime_addpart)(curl_mime *);
	CURLcode (*mime_name)(curl_mimepart *, const char *);
	CURLcode (*mime_filename)(curl_mimepart *, const char *);
	CURLcode (*mime_type)(curl_mimepart *, const char *);
	CURLcode (*mime_data)(curl_mimepart *, const char *, size_t);
	void (*mime_free)(curl_mime *);
};

extern struct sprout_curl_fns sprout_curl;

/* Load libcurl and run curl_global_init, once per process (thread-safe).
 * SPROUT_ERR_IO naming the Debian package when libcurl is missing. Call
 * before any curl_* function. */
sprout_code sprout_curl_load(sprout_error *err);

#undef curl_easy_setopt
#undef curl_easy_getinfo
#undef curl_multi_setopt
#define curl_global_init	 (*sprout_curl.global_init)
#define curl_easy_init		 (*sprout_curl.easy_init)
#define curl_easy_setopt	 (*sprout_curl.easy_setopt)
#define curl_easy_perform	 (*sprout_curl.easy_perform)
#define curl_easy_cleanup	 (*sprout_curl.easy_cleanup)
#define curl_easy_reset		 (*sprout_curl.easy_reset)
#define curl_easy_getinfo	 (*sprout_curl.easy_getinfo)
#define curl_easy_strerror	 (*sprout_curl.easy_strerror)
#define curl_getdate		 (*sprout_curl.getdate)
#define curl_multi_init		 (*sprout_curl.multi_init)
#define curl_multi_add_handle	 (*sprout_curl.multi_add_handle)
#define curl_multi_remove_handle (*sprout_curl.multi_remove_handle)
#define curl_multi_perform	 (*sprout_curl.multi_perform)
#define curl_multi_poll		 (*sprout_curl.multi_poll)
#define curl_multi_info_read	 (*sprout_curl.multi_info_read)
#define curl_multi_setopt	 (*sprout_curl.multi_setopt)
#define curl_multi_cleanup	 (*sprout_curl.multi_cleanup)
#define curl_slist_append	 (*sprout_curl.slist_append)
#define curl_slist_free_all	 (*sprout_curl.slist_free_all)
#define curl_mime_init		 (*sprout_curl.mime_init)
#define curl_mime_addpart	 (*sprout_curl.mime_addpart)
#define curl_mime_name		 (*sprout_curl.mime_name)
#define curl_mime_filename	 (*sprout_curl.mime_filename)
#define curl_mime_type		 (*sprout_curl.mime_type)
#define curl_mime_data		 (*sprout_curl.mime_data)
#define curl_mime_free		 (*sprout_curl.mime_free)

#endif
