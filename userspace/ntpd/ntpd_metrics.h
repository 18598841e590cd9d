/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* ntpd_metrics.h - a minimal HTTP endpoint for Prometheus text, served from the main loop. */
#ifndef NTPD_METRICS_H
#define NTPD_METRICS_H

#include <stdio.h>

/* Listens on HOST:PORT ([::1]:9123 for IPv6): the socket, or -errno. */
int ntpd_metrics_listen(const char *hostport);

/* Accepts one connection and answers it with render()'s text; never blocks for long. */
void ntpd_metrics_serve(int lfd, void (*render)(void *ctx, FILE *f), void *ctx);

#endif
