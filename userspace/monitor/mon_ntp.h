/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* mon_ntp.h - one check of a pool server: several NTP samples, classified, one chosen. */
#ifndef MON_NTP_H
#define MON_NTP_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <time.h>

#include "mon_score.h"

struct mon_check {
	struct mon_sample chosen;
	double delay;
	int replies;
	int have_ok, have_fail; /* while samples are folded in */
	char note[96];
};

struct mon_check_opts {
	int samples;	     /* queries per check, 100 ms apart */
	int timeout_ms;	     /* the deadline of each sample, from its send, never extended */
	double max_root_distance;
	uint16_t port;	     /* 123 unless a test says otherwise */
	const volatile sig_atomic_t *stop; /* when set, the check ends at once: -ECANCELED */
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

/* The pieces both the sequential check and the concurrent round use: one scoring path. */
struct xp_ntp_reply;
void mon_check_init(struct mon_check *c);
/* Classifies a reply that is ours (origin matched) into a sample; *delay for valid ones. */
void mon_sample_classify(const struct xp_ntp_reply *r, const struct timespec *t1,
			 const struct timespec *t4, double max_rd, struct mon_sample *s,
			 double *delay, char *note, size_t nlen);
/* Adds a sample to the check: the lowest-delay valid one wins, else the worst failure. */
void mon_check_fold(struct mon_check *c, const struct mon_sample *s, double delay,
		    const char *note);
/* A UDP socket connected to ip (flags: SOCK_NONBLOCK): 0, -EXDEV (own network) or -errno. */
int mon_connect(const char *ip, const struct mon_check_opts *o, int flags, int *fd);

/* Is a leap second scheduled at the end of the UTC day of now (June 30 / Dec 31)? */
int mon_leap_legitimate(time_t now, const char *leap_list);

#endif
