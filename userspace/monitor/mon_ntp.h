/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* mon_ntp.h - one check of a pool server: several NTP samples, classified, one chosen. */
#ifndef MON_NTP_H
#define MON_NTP_H

#include <time.h>

#include "mon_score.h"

struct mon_check {
	struct mon_sample chosen;
	double delay;
	int replies;
	char note[96];
};

/*
 * Sends samples queries (100 ms apart) to ip:123. The chosen sample is the valid reply with
 * the lowest delay; without one, the worst of the failures by the pool's precedence (RATE,
 * DENY/RSTR, stratum 0, other error), or "no response". A leap warning outside the last day of
 * June or December with a leap scheduled (tzdata's leap-seconds.list), and a root distance
 * (delay / 2 + dispersion) over max_root_distance, are errors.
 */
int mon_check_server(const char *ip, int samples, int timeout_ms, double max_root_distance,
		     struct mon_check *c);

/* Is a leap second scheduled at the end of the UTC day of now (June 30 / Dec 31)? */
int mon_leap_legitimate(time_t now, const char *leap_list);

#endif
