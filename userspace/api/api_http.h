/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* api_http.h - xpool-api's HTTP side (libmicrohttpd): bodies bounded, JSON answers. */
#ifndef API_HTTP_H
#define API_HTTP_H

#include "api.h"

struct MHD_Daemon;

/* Serves a->listen on threads of libmicrohttpd's own: the daemon, or NULL after logging why. */
struct MHD_Daemon *api_http_start(struct api *a);
void api_http_stop(struct MHD_Daemon *d);

#endif
