/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* xp_http.h - a minimal HTTP endpoint for Prometheus text, served from the main loop. */
#ifndef XP_HTTP_H
#define XP_HTTP_H

#include <stdio.h>

/* Listens on HOST:PORT ([::1]:9123 for IPv6): the socket, or -errno. */
int xp_http_listen(const char *hostport);

/* Accepts one connection and answers it with render()'s text; never blocks for long. */
void xp_http_serve(int lfd, void (*render)(void *ctx, FILE *f), void *ctx);

#endif
