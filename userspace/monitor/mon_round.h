/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* mon_round.h - one round over every server: many checks in flight on non-blocking sockets. */
#ifndef MON_ROUND_H
#define MON_ROUND_H

#include <stddef.h>

#include "mon_ntp.h"
#include "xp_loop.h"

struct mon_round_stats {
	unsigned long checked, skipped_own_network, peak_in_flight;
	unsigned long in_flight; /* now: for a metrics endpoint served during the round */
	double seconds;
};

/*
 * Checks the servers that next() yields (1 and id/ip, 0 at the end), at most max_in_flight at a
 * time, each exactly as mon_check_server does (samples 100 ms apart, a deadline per sample, one
 * scoring path), and hands each finished check to done(). Memory is max_in_flight checks,
 * whatever the number of servers. The checks' sockets are watched by the daemon's loop l, whose
 * other fds (signals, a metrics endpoint) and timers (the watchdog) are served during the round.
 * 0, or -ECANCELED when o->stop or the loop said stop (checks in flight are dropped, not
 * reported), or -errno (the loop's wait failed).
 */
int mon_round_run(struct xp_loop *l, const struct mon_check_opts *o, int max_in_flight,
		  int (*next)(void *ctx, long *id, char ip[64]),
		  void (*done)(void *ctx, long id, const char *ip, const struct mon_check *c),
		  void *ctx, struct mon_round_stats *st);

#endif
