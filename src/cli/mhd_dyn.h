/* libmicrohttpd, loaded when the review server starts instead of when
 * sprout starts (it brings GnuTLS and its libraries along, which the other
 * commands never use). Include this instead of <microhttpd.h>: the MHD_*
 * calls below go through the loaded functions. */
#ifndef SPROUT_MHD_DYN_H
#define SPROUT_MHD_DYN_H

#include <microhttpd.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct sprout_mhd_fns {
	const char *(*lookup_connection_value)(struct MHD_Connection *, enum MHD_ValueKind,
					       const char *);
	const union MHD_DaemonInfo *(*get_daemon_info)(struct MHD_Daemon *, enum MHD_DaemonInfoType,
						       ...);
	struct MHD_Response *(*create_response_from_buffer)(size_t, void *,
							    enum MHD_ResponseMemoryMode);
	enum MHD_Result (*add_response_header)(struct MHD_Response *, const char *, const char *);
	enum MHD_Result (*queue_response)(struct MHD_Connection *, unsigned int,
					  struct MHD_Response *);
	void (*destroy_response)(struct MHD_Response *);
	struct MHD_Daemon *(*start_daemon)(unsigned int, uint16_t, MHD_AcceptPolicyCallback, void *,
					   MHD_AccessHandlerCallback, void *, ...);
	void (*stop_daemon)(struct MHD_Daemon *);
};

extern struct sprout_mhd_fns sprout_mhd;

/* Load libmicrohttpd once per process (thread-safe). 0, or -1 with a
 * message naming the Debian package in why. */
int sprout_mhd_load(char *why, size_t whylen);

#define MHD_lookup_connection_value	(*sprout_mhd.lookup_connection_value)
#define MHD_get_daemon_info		(*sprout_mhd.get_daemon_info)
#define MHD_create_response_from_buffer (*sprout_mhd.create_response_from_buffer)
#define MHD_add_response_header		(*sprout_mhd.add_response_header)
#define MHD_queue_response		(*sprout_mhd.queue_response)
#define MHD_destroy_response		(*sprout_mhd.destroy_response)
#define MHD_start_daemon		(*sprout_mhd.start_daemon)
#define MHD_stop_daemon			(*sprout_mhd.stop_daemon)

#endif
