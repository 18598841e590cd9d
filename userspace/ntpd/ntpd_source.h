/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* ntpd_source.h - what the daemon publishes, from chronyd's tracking or from adjtimex(). */
#ifndef NTPD_SOURCE_H
#define NTPD_SOURCE_H

#include <stdbool.h>
#include <sys/timex.h>
#include <time.h>

#include "xp_chrony.h"
#include "rsp_clock.h"

/* A leap warning is shown only on the UTC day that ends with the leap: a month's last day. */
bool ntpd_leap_day(time_t now);

/*
 * chronyd's view: our stratum is chronyd's + 1, its reference ID and time, its root delay and
 * dispersion. Unsynchronised (leap status 3, or a stratum we cannot announce) gives synced =
 * false. p keeps its precision, staleness and growth rate.
 */
void ntpd_params_from_tracking(struct rsp_clock_params *p, const struct xp_tracking *t,
			       time_t now);

/* The lesser mode without chronyd: adjtimex() status, leap bits and maxerror. */
void ntpd_params_from_timex(struct rsp_clock_params *p, const struct timex *tx, int state,
			    time_t now);

/* chronyd unreachable: LI=3, stratum 0 on the wire. */
void ntpd_params_unsync(struct rsp_clock_params *p);

#endif
