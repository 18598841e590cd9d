/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* mon_ntp.h - one check of a pool server: several NTP samples, classified, one chosen. */
#ifndef MON_NTP_H
#define MON_NTP_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "mon_score.h"

struct mon_check {
	struct mon_sample chosen;
	double delay;
	int replies;
	char note[96];
};

struct mon_check_opts {
	int samples;	     /* queries per check, 100 ms apart */
	int timeout_ms;	     /* the deadline of each sample, from its send, never extended */
	double max_root_distance;
	uint16_t port;	     /* 123 unless a test says otherwise */
	const volatile sig_atomic_t *stop; /* when set, the check ends at once: -ECANCELED */
	int stop_fd; /* readable (a signalfd with a signal pending): the same; -1 or 0 for none */
	bool same_network_ok; /* labs: also servers in the monitor's own /24 or /48 */
};

/*
 * A server in the monitor's own IPv4 /24 or IPv6 /48 (judged by the local address the check
 * goes out from) is never scored, as the pool does: -EXDEV, nothing sent.
 * Sends o->samples queries to ip. Every sample has a deadline of its own (a peer that sends
 * stray datagrams cannot extend it) and the stop flag is honoured inside the wait. The chosen sample is the valid reply with
 * the lowest delay; without one, the worst of the failures by the pool's precedence (RATE,
 * DENY/RSTR, stratum 0, other error), or "no response". A leap warning outside the last day of
 * June or December with a leap scheduled (tzdata's leap-seconds.list), and a root distance
 * (delay / 2 + dispersion) over max_root_distance, are errors.
 */
int mon_check_server(const char *ip, const struct mon_check_opts *o, struct mon_check *c);

/* Is a leap second scheduled at the end of the UTC day of now (June 30 / Dec 31)? */
int mon_leap_legitimate(time_t now, const char *leap_list);

#endif
